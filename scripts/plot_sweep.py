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
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import talentsim  # noqa: E402

SHARES = {"unemployment_rate", "sitting_out_share", "relocation_share", "offer_acceptance_rate",
          "counteroffer_win_rate", "noncompete_block_rate", "inside_share"}
PER_YEAR = {"hires", "moves", "separations", "layoffs", "offers", "counteroffers_made", "counteroffers_won",
            "noncompete_blocked", "noncompete_buyouts", "team_moves", "relocations", "returnees"}


def metric_unit(name):
    """(axis label suffix, (lowest, highest) possible value) of a metric (docs/sweeps.md, Metrics)."""
    base = name.rsplit(".", 1)[-1]
    if name.startswith("target.") or base == "distance":
        if base == "loss":
            return "weighted sum of squared distances", (0.0, math.inf)
        if base == "inside_share":
            return "share of targets inside their band, 0-1", (0.0, 1.0)
        return ("distance in band half-widths" if base == "distance" else "in the target's unit"), (-math.inf, math.inf)
    if name in SHARES:
        return "share, 0-1", (0.0, 1.0)
    if name in ("move_rate", "separation_rate"):
        return "per employed person per year", (0.0, math.inf)
    if name in PER_YEAR:
        return "per year", (0.0, math.inf)
    if name in ("employed", "unemployed", "students", "abroad"):
        return "people at the last step", (0.0, math.inf)
    if name == "vacancies":
        return "open slots", (0.0, math.inf)
    if name == "noncompete_compensation":
        return "CNY per year", (0.0, math.inf)
    if name.endswith("_months"):
        return "months", (0.0, math.inf)
    if name.startswith("wage."):
        return ("count" if base == "n" else "CNY per year"), (0.0, math.inf)
    return "", (-math.inf, math.inf)


def parameter_units():
    """Unit of every scenario key, from the generated docs/scenario-reference.md."""
    units = {}
    try:
        lines = (ROOT / "docs" / "scenario-reference.md").read_text().splitlines()
    except OSError:
        return units
    for line in lines:
        m = re.match(r"^\| `([^`]+)` \|[^|]*\|[^|]*\|[^|]*\| ([^|]*) \|", line)
        if m:
            units[m.group(1)] = m.group(2).strip()
    return units


def parameter_label(name, keys, units):
    """'name (unit)' with the unit of the scenario key behind a sweep parameter, when known."""
    for key in keys.get(name, name).split():
        for k in (key, key.rsplit(".", 1)[-1]):
            if units.get(k):
                return f"{name} ({units[k]})"
    return name


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
        sw = talentsim.open_sweep(a.file)
    except (OSError, ValueError) as e:
        fail(f"{a.file}: {e}")
    params, metrics = sw.parameters, sw.metrics
    x = pick(a.x, params, "parameter")
    y = pick(a.y, params, "parameter") if a.y else None
    if y == x:
        fail("--x and --y name the same parameter")
    metric = pick(a.metric, metrics, "metric")
    design, name = str(sw.attrs["design"]), str(sw.attrs["name"])
    status = sw.points["status"].astype(str).to_numpy()
    mean = sw.points[metric].to_numpy(dtype=float)
    sd = sw.points[metric + ".sd"].to_numpy(dtype=float)
    pv = {p: sw.points[p].to_numpy() for p in params}
    run_point = sw.runs["point"].to_numpy()
    run_ok = (sw.runs["status"].astype(str) == "ok").to_numpy()
    run_value = sw.runs[metric].to_numpy(dtype=float)
    if not np.isfinite(mean[status == "ok"]).any():
        print(f"plot_sweep.py: {a.file}: metric {metric} is NaN at every point (undefined in every run, e.g. a rate "
              f"over zero events or a target whose window the runs do not cover): nothing to plot", file=sys.stderr)
        sys.exit(1)
    unit, (floor, ceiling) = metric_unit(metric)
    metric_label = f"{metric} ({unit})" if unit else metric
    units = parameter_units()
    x_label = parameter_label(x, sw.parameter_keys, units)
    y_label = parameter_label(y, sw.parameter_keys, units) if y else None
    band_lo, band_hi = np.clip(mean - sd, floor, ceiling), np.clip(mean + sd, floor, ceiling)

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
            lab = ", ".join(f"{parameter_label(p, sw.parameter_keys, units)} = {label(v)}" for p, v in zip(others, g)) or None
            style = "-o" if design == "grid" else "o"
            ax.plot(xs, mean[order], style, color=colour, label=lab, ms=4)
            if design == "grid":
                ax.fill_between(xs, band_lo[order], band_hi[order], color=colour, alpha=0.2, lw=0)
            else:
                ax.errorbar(xs, mean[order], yerr=[mean[order] - band_lo[order], band_hi[order] - mean[order]],
                            fmt="none", ecolor=colour, alpha=0.5)
            sel = np.isin(run_point, order) & run_ok
            ax.plot(xpos[run_point[sel]], run_value[sel], ".", color=colour, alpha=0.35, ms=3)
        if not numeric(x):
            ax.set_xticks(range(len(cats)), cats)
            ax.set_xlim(-0.5, len(cats) - 0.5)
        elif log_scale(pv[x]):
            ax.set_xscale("log")
        ax.set_xlabel(x_label)
        ax.set_ylabel(metric_label)
        if len(groups) > 1:
            ax.legend(fontsize=9, title=None, loc="best")
        what = "mean over replicates, band/bars = +/- 1 sd (clipped to the metric's range), dots = replicates"
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
                        ax.text(i, j, f"{grid[j, i]:.3g}", ha="center", va="center", fontsize=9,
                                color="white" if grid[j, i] < np.nanmean(grid) else "black")
                    else:
                        ax.text(i, j, "n/a", ha="center", va="center", fontsize=9, color="red")
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
        fig.colorbar(im, ax=ax, label=metric_label)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
    fig.suptitle(a.title or f"{name}: {metric}", fontsize=12)
    ax.set_title(what + (f"\n{note}" if note else ""), fontsize=9, color="dimgray")
    fig.savefig(a.out, dpi=130)
    print(a.out)


if __name__ == "__main__":
    main()
