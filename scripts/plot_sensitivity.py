#!/usr/bin/python3
"""Plots the sensitivity indices of `talentsim sweep analyze` (DIR/sensitivity.h5; docs/calibrate.md).

Morris: for each metric, mu* (bars, with the 95 % bootstrap interval) and sigma (dots): a large
mu* means the parameter matters; sigma large against mu* means its effect depends on the others.
Sobol: for each metric, first-order (S1) and total (ST) indices with their 95 % intervals.

    /usr/bin/python3 scripts/plot_sensitivity.py DIR/sensitivity.h5 [--metric NAME ...] --out FILE.png
"""
import argparse
import math
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402


def strings(ds):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in ds[()]]


def short(v, _=None):
    """A tick in the metric's own unit, large values with k or M (500000 -> 500k), not an exponent."""
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:g}M"
    if a >= 1e4:
        return f"{v / 1e3:g}k"
    return f"{v:g}"


def bars(ax, names, value, lo, hi, offset, width, label, colour):
    y = np.arange(len(names)) + offset
    err = np.vstack([np.clip(value - lo, 0, None), np.clip(hi - value, 0, None)])
    err = np.where(np.isfinite(err), err, 0)
    ax.barh(y, value, height=width, xerr=err, color=colour, alpha=0.8, label=label, capsize=2)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--metric", action="append", default=[])
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    try:
        f = h5py.File(a.file, "r")
    except OSError as e:
        sys.exit(f"plot_sensitivity: cannot open {a.file}: {e}")
    design = f.attrs["design"]
    design = design.decode() if isinstance(design, bytes) else design
    params = strings(f["parameter_names"])
    metrics = strings(f["metric_names"])
    chosen = a.metric or metrics
    missing = [m for m in chosen if m not in metrics]
    if missing:
        sys.exit(f"plot_sensitivity: no metric {', '.join(missing)} in {a.file} (it has {', '.join(metrics)})")
    cols = min(3, len(chosen))
    rows = math.ceil(len(chosen) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.8 * cols, 0.5 * len(params) * rows + 2.2 * rows), squeeze=False)
    for k, m in enumerate(chosen):
        ax = axes[k // cols][k % cols]
        g = f[m]
        if design == "morris":
            bars(ax, params, g["mu_star"][()], g["mu_star_lo"][()], g["mu_star_hi"][()], 0, 0.6, "mu*", "tab:blue")
            ax.scatter(g["sigma"][()], np.arange(len(params)), color="tab:red", zorder=3, label="sigma")
            ax.set_xlabel("effect per unit of the range")
        else:
            bars(ax, params, g["first"][()], g["first_lo"][()], g["first_hi"][()], -0.2, 0.4, "S1", "tab:blue")
            bars(ax, params, g["total"][()], g["total_lo"][()], g["total_hi"][()], 0.2, 0.4, "ST", "tab:orange")
            ax.set_xlabel("share of the variance")
        ax.set_yticks(np.arange(len(params)))
        ax.set_yticklabels(params, fontsize=8)
        ax.axvline(0, color="black", lw=0.8)
        ax.xaxis.set_major_formatter(FuncFormatter(short))
        ax.set_title(m, fontsize=9)
        ax.legend(fontsize=7)
    for k in range(len(chosen), rows * cols):
        axes[k // cols][k % cols].axis("off")
    fig.suptitle(f"{design} sensitivity ({f.attrs['points']} points x {f.attrs['replicates']} replicates; "
                 f"95 % bootstrap intervals)")
    fig.tight_layout()
    fig.savefig(a.out, dpi=110)
    print(a.out)


if __name__ == "__main__":
    main()
