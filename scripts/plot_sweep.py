#!/usr/bin/python3
"""Plots one metric of a merged talentsim sweep (DIR/sweep.h5, see docs/sweeps.md).

  scripts/plot_sweep.py DIR/sweep.h5 --x KEY --metric NAME --out FILE.png
      line plot over parameter KEY: the mean over replicates at each point, a band of +/- one
      standard deviation over replicates, and every replicate as a dot. Other parameters of a
      grid give one line per combination of their values.
  scripts/plot_sweep.py DIR/sweep.h5 --x KEY --y KEY2 --metric NAME --out FILE.png
      heatmap of the replicate mean over two parameters of a grid (averaged over any other
      parameter); for random and Latin hypercube designs, a scatter coloured by the metric.

Points that failed or are missing are reported on the figure and never plotted as values.
"""
import argparse
import difflib
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def text(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def fail(msg):
    print(f"plot_sweep.py: {msg}", file=sys.stderr)
    sys.exit(2)


def pick(name, choices, what):
    if name in choices:
        return name
    close = difflib.get_close_matches(name, choices, n=5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; available: {', '.join(choices[:30])}"
    fail(f"no {what} '{name}'{hint}")


def log_scale(values):
    v = np.asarray(values, dtype=float)
    return v.size > 1 and np.all(v > 0) and v.max() / v.min() >= 20


def label(v):
    if isinstance(v, (float, np.floating)):
        return f"{v:.6g}"
    return text(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", help="merged sweep file (DIR/sweep.h5)")
    ap.add_argument("--x", required=True, help="parameter on the x axis")
    ap.add_argument("--y", help="second parameter: heatmap")
    ap.add_argument("--metric", required=True, help="metric name (see /metric_names)")
    ap.add_argument("--out", required=True, help="output image (.png, .pdf, .svg)")
    ap.add_argument("--title", help="figure title")
    a = ap.parse_args()

    try:
        f = h5py.File(a.file, "r")
    except OSError as e:
        fail(f"{a.file}: cannot open ({e})")
    with f:
        if text(f.attrs.get("schema", "")) != "talentsim-sweep":
            fail(f"{a.file}: not a merged talentsim sweep (talentsim sweep merge DIR writes one)")
        params = [text(p) for p in f["parameter_names"][()]]
        metrics = [text(m) for m in f["metric_names"][()]]
        x = pick(a.x, params, "parameter")
        y = pick(a.y, params, "parameter") if a.y else None
        if y == x:
            fail("--x and --y name the same parameter")
        metric = pick(a.metric, metrics, "metric")
        design = text(f.attrs["design"])
        name = text(f.attrs["name"])
        pts = f["points"]
        status = np.array([text(s) for s in pts["status"][()]])
        mean = pts["mean"][metric][()]
        sd = pts["sd"][metric][()]
        pv = {p: pts["parameters"][p][()] for p in params}
        runs = f["runs"]
        run_point = runs["point"][()]
        run_ok = np.array([text(s) == "ok" for s in runs["status"][()]])
        run_value = runs["metrics"][metric][()]

    bad = int(np.sum(status != "ok"))
    note = f"{bad} of {len(status)} points failed or missing (not plotted)" if bad else ""
    fig, ax = plt.subplots(figsize=(7.5, 5), constrained_layout=True)
    numeric = lambda p: pv[p].dtype.kind in "fiub"  # noqa: E731

    if y is None:
        if numeric(x):
            xpos = pv[x].astype(float)
        else:  # categories in order of first appearance
            cats = list(dict.fromkeys(text(v) for v in pv[x]))
            xpos = np.array([cats.index(text(v)) for v in pv[x]], dtype=float)
        others = [p for p in params if p != x] if design == "grid" else []
        keys = [tuple(pv[p][i] for p in others) for i in range(len(status))]
        groups = sorted(set(keys), key=lambda k: tuple(map(str, k)) if not all(isinstance(v, (int, float, np.number)) for v in k) else k)
        cmap = plt.get_cmap("viridis", max(len(groups), 2))
        for gi, g in enumerate(groups):
            idx = np.array([i for i in range(len(status)) if keys[i] == g and status[i] == "ok"], dtype=int)
            if idx.size == 0:
                continue
            order = idx[np.argsort(xpos[idx], kind="stable")]
            xs = xpos[order]
            colour = cmap(gi) if len(groups) > 1 else "C0"
            lab = ", ".join(f"{p} = {label(v)}" for p, v in zip(others, g)) or None
            style = "-o" if design == "grid" else "o"
            ax.plot(xs, mean[order], style, color=colour, label=lab, ms=4)
            if design == "grid":
                ax.fill_between(xs, mean[order] - sd[order], mean[order] + sd[order], color=colour, alpha=0.2, lw=0)
            else:
                ax.errorbar(xs, mean[order], yerr=sd[order], fmt="none", ecolor=colour, alpha=0.5)
            sel = np.isin(run_point, order) & run_ok
            ax.plot(xpos[run_point[sel]], run_value[sel], ".", color=colour, alpha=0.35, ms=3)
        if not numeric(x):
            ax.set_xticks(range(len(cats)), cats)
            ax.set_xlim(-0.5, len(cats) - 0.5)
        elif log_scale(pv[x]):
            ax.set_xscale("log")
        ax.set_xlabel(x)
        ax.set_ylabel(metric)
        if len(groups) > 1:
            ax.legend(fontsize=7, title=None, loc="best")
        what = "mean over replicates, band/bars = +/- 1 sd, dots = replicates"
    else:
        if design == "grid":
            xv = [v for v in dict.fromkeys(pv[x].tolist())]
            yv = [v for v in dict.fromkeys(pv[y].tolist())]
            if numeric(x):
                xv = sorted(xv)
            if numeric(y):
                yv = sorted(yv)
            grid = np.full((len(yv), len(xv)), np.nan)
            for j, vy in enumerate(yv):
                for i, vx in enumerate(xv):
                    sel = (pv[x] == vx) & (pv[y] == vy) & (status == "ok") & np.isfinite(mean)
                    if sel.any():
                        grid[j, i] = np.mean(mean[sel])  # averaged over the other parameters
            im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
            ax.set_xticks(range(len(xv)), [label(v) for v in xv], rotation=45 if len(xv) > 6 else 0)
            ax.set_yticks(range(len(yv)), [label(v) for v in yv])
            for j in range(len(yv)):
                for i in range(len(xv)):
                    if np.isfinite(grid[j, i]):
                        ax.text(i, j, f"{grid[j, i]:.3g}", ha="center", va="center", fontsize=7,
                                color="white" if grid[j, i] < np.nanmean(grid) else "black")
                    else:
                        ax.text(i, j, "n/a", ha="center", va="center", fontsize=7, color="red")
            others = [p for p in params if p not in (x, y)]
            what = "mean over replicates" + (f", averaged over {', '.join(others)}" if others else "")
        else:
            ok = (status == "ok") & np.isfinite(mean)
            im = ax.scatter(pv[x][ok], pv[y][ok], c=mean[ok], cmap="viridis", s=40, edgecolors="k", linewidths=0.3)
            if log_scale(pv[x]):
                ax.set_xscale("log")
            if log_scale(pv[y]):
                ax.set_yscale("log")
            what = "mean over replicates at each design point"
        fig.colorbar(im, ax=ax, label=metric)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
    ax.set_title(a.title or f"{name}: {metric}", fontsize=11)
    fig.text(0.01, 0.005, what + (f"; {note}" if note else ""), fontsize=7, color="dimgray")
    fig.savefig(a.out, dpi=130)
    print(a.out)


if __name__ == "__main__":
    main()
