#!/usr/bin/python3
"""Plots a calibration (DIR/calibration.h5 of `talentsim calibrate`, docs/calibrate.md).

Three panels: the loss of every evaluation in the order they were made (coloured by stage, the
running best as a line), the one-parameter profiles of the loss (each parameter over its bounds
with the others at the estimate, the estimate +/- 2 s.e. shaded), and the targets at the
optimum (simulated over reported, with the band).

    /usr/bin/python3 scripts/plot_calibration.py DIR/calibration.h5 --out FILE.png [--jacobian]

--jacobian also prints the sensitivity of each target to each parameter at the estimate: the
change of the target's distance (in band half-widths) when the parameter moves by a tenth of its
range, from the Jacobian of the calibration (Markdown table).

--elasticities prints the one-at-a-time elasticity of every target to every parameter at the
estimate, d ln(target) / d ln(parameter), from the central differences the calibration made for
its Jacobian (the two evaluations that move one parameter alone, same seeds). A growth target is
taken as 1 + growth, so that its elasticity is that of the ratio.
"""
import argparse
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

STAGES = {"global": "tab:blue", "local": "tab:orange", "local2": "tab:red", "jacobian": "tab:green",
          "profile": "tab:gray"}


def strings(ds):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in ds[()]]


def plot_losses(ax, f):
    loss = f["evaluations/loss"][()]
    stage = strings(f["evaluations/stage"])
    n = np.arange(len(loss))
    for s, colour in STAGES.items():
        sel = np.array([x == s for x in stage])
        if sel.any():
            ax.scatter(n[sel], loss[sel], s=12, color=colour, label=s)
    opt = np.array([x in ("global", "local", "local2") for x in stage])
    running = np.minimum.accumulate(np.where(opt, loss, np.inf))
    ax.plot(n, running, color="black", lw=1, label="best so far")
    ax.set_yscale("log" if np.nanmin(loss) > 0 else "symlog")
    ax.set_xlabel("evaluation")
    ax.set_ylabel("loss")
    ax.set_title("loss by evaluation")
    ax.legend(fontsize=7)


def plot_profiles(axes, f):
    names = strings(f["parameters/name"])
    scale = strings(f["parameters/scale"])
    x = f["profiles/parameters"][()]
    loss = f["profiles/loss"][()]
    est = f["estimate/value"][()]
    se = f["estimate/se"][()]
    ident = strings(f["estimate/identified"])
    best = f["best"].attrs["loss"]
    for j, ax in enumerate(axes):
        if loss.shape[1] == 0:
            ax.text(0.5, 0.5, "no profiles (inference.profile_points = 0)", ha="center", transform=ax.transAxes)
            ax.set_xlabel(names[j])
            continue
        ax.plot(x[j], loss[j], "o-", ms=3)
        ax.scatter([est[j]], [best], marker="*", s=120, color="tab:red", zorder=3, label="estimate")
        ax.axvline(est[j], color="black", lw=1)
        if np.isfinite(se[j]):
            ax.axvspan(est[j] - 2 * se[j], est[j] + 2 * se[j], color="tab:orange", alpha=0.2, lw=0)
        if scale[j] == "log":
            ax.set_xscale("log")
        ax.set_yscale("log" if np.nanmin(loss[j]) > 0 else "symlog")
        ax.set_xlabel(names[j])
        ax.set_ylabel("loss")
        ax.set_title(f"profile: {names[j]} (identified: {ident[j]})", fontsize=9)


def plot_targets(ax, f):
    names = strings(f["targets/name"])
    value = f["targets/value"][()]
    lo, hi = f["targets/lo"][()], f["targets/hi"][()]
    sim = f["best/moments"][()]
    y = np.arange(len(names))
    ref = np.where(value != 0, np.abs(value), 1.0)
    ax.axvline(1.0, color="black", lw=1)
    ax.scatter(sim / ref, y, color="tab:red", zorder=3, label="simulated at the estimate")
    ax.scatter(value / ref, y, marker="|", s=120, color="black", label="reported")
    bands = [(lo[k] / ref[k] if np.isfinite(lo[k]) else np.nan, hi[k] / ref[k] if np.isfinite(hi[k]) else np.nan)
             for k in range(len(names))]
    ends = [x for band in bands for x in band if np.isfinite(x)]
    left, right = ax.get_xlim()
    if ends:
        left, right = min(left, min(ends)), max(right, max(ends))
    pad = 0.03 * (right - left)
    left, right = left - pad, right + pad
    for k, (a, b) in enumerate(bands):  # an open side runs to the edge, with an arrow
        if not (np.isfinite(a) or np.isfinite(b)):
            continue
        ax.plot([a if np.isfinite(a) else left, b if np.isfinite(b) else right], [k, k], color="tab:gray", lw=4,
                alpha=0.5)
        if not np.isfinite(a):
            ax.plot(left, k, "<", color="tab:gray", ms=7, clip_on=False)
        if not np.isfinite(b):
            ax.plot(right, k, ">", color="tab:gray", ms=7, clip_on=False)
    ax.set_xlim(left, right)
    ax.set_yticks(y)
    ax.set_yticklabels([n.split(".", 1)[-1] for n in names], fontsize=7)
    ax.set_xlabel("relative to the reported value (band in grey; arrow: open side)")
    ax.set_title("targets at the optimum")
    ax.legend(fontsize=7)


def print_jacobian(f):
    names = strings(f["parameters/name"])
    targets = strings(f["targets/name"])
    G = f["inference/jacobian"][()]
    active = f["inference/active"][()]
    print("| target | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for k, t in enumerate(targets):
        cells = ["%.2f" % (0.1 * g) if np.isfinite(g) else "-" for g in G[k]]
        print(f"| {t.split('.', 1)[-1]}{'' if active[k] else ' (inactive)'} | " + " | ".join(cells) + " |")


def elasticities(f):
    """K x P elasticities from the jacobian-stage evaluations (NaN where a pair is missing)."""
    X = f["evaluations/parameters"][()]
    M = f["evaluations/moments"][()]
    stage = strings(f["evaluations/stage"])
    best_x, best_m = f["best/parameters"][()], f["best/moments"][()]
    units = strings(f["targets/unit"])
    shift = np.array([1.0 if u == "growth" else 0.0 for u in units])
    K, P = M.shape[1], X.shape[1]
    E = np.full((K, P), np.nan)
    for j in range(P):
        # Points that differ from the estimate in parameter j alone: the Jacobian's, or the local
        # stage's first steps when the Jacobian found them in the cache (the nearest on each side).
        rows = [i for i, s in enumerate(stage) if s in ("jacobian", "local") and
                np.allclose(np.delete(X[i], j), np.delete(best_x, j)) and X[i, j] != best_x[j]]
        if not rows:
            continue
        below = [i for i in rows if X[i, j] < best_x[j]]
        above = [i for i in rows if X[i, j] > best_x[j]]
        lo = max(below, key=lambda i: X[i, j]) if below else min(rows, key=lambda i: X[i, j])
        hi = min(above, key=lambda i: X[i, j]) if above else max(rows, key=lambda i: X[i, j])
        xa, ma = (X[lo, j], M[lo]) if lo != hi else (best_x[j], best_m)
        xb, mb = X[hi, j], M[hi]
        m0 = best_m + shift
        with np.errstate(divide="ignore", invalid="ignore"):
            E[:, j] = ((mb + shift) - (ma + shift)) / (xb - xa) * best_x[j] / m0
    return E


def print_elasticities(f):
    names = strings(f["parameters/name"])
    targets = strings(f["targets/name"])
    E = elasticities(f)
    print("| target | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for k, t in enumerate(targets):
        cells = ["%.2f" % e if np.isfinite(e) else "-" for e in E[k]]
        print(f"| {t.split('.', 1)[-1]} | " + " | ".join(cells) + " |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--out", required=True)
    ap.add_argument("--jacobian", action="store_true", help="print the sensitivity table")
    ap.add_argument("--elasticities", action="store_true", help="print the elasticity table")
    a = ap.parse_args()
    try:
        f = h5py.File(a.file, "r")
    except OSError as e:
        sys.exit(f"plot_calibration: cannot open {a.file}: {e}")
    if f.attrs.get("schema") not in ("talentsim-calibration", b"talentsim-calibration"):
        sys.exit(f"plot_calibration: {a.file} is not a talentsim calibration file")
    P = len(f["parameters/name"])
    profiled = f["profiles/loss"].shape[1] > 0
    if profiled:  # losses and targets above, one profile per parameter below
        cols = max(2, P)
        fig = plt.figure(figsize=(4.2 * cols, 8.5))
        gs = fig.add_gridspec(2, cols)
        plot_losses(fig.add_subplot(gs[0, : cols // 2]), f)
        plot_targets(fig.add_subplot(gs[0, cols // 2:]), f)
        plot_profiles([fig.add_subplot(gs[1, j]) for j in range(P)], f)
    else:  # no profiles (inference.profile_points = 0): losses and targets only
        fig = plt.figure(figsize=(16, 6.5))
        gs = fig.add_gridspec(1, 2)
        plot_losses(fig.add_subplot(gs[0, 0]), f)
        plot_targets(fig.add_subplot(gs[0, 1]), f)
    name = f.attrs["name"]
    j = f["inference"].attrs
    fig.suptitle(f"calibration {name}: J = {j['j_stat']:.3g} (df {j['j_df']}, p = {j['j_pvalue']:.3g}), "
                 f"Jacobian rank {j['rank']} of {P}")
    fig.tight_layout()
    fig.savefig(a.out, dpi=110)
    if a.jacobian:
        print_jacobian(f)
    if a.elasticities:
        print_elasticities(f)
    print(a.out)


if __name__ == "__main__":
    main()
