#!/usr/bin/python3
"""Simulated vs reported, target by target, from the JSON of `talentsim compare --json`.

Usage: plot_compare.py COMPARE.json [--out FILE.png]

Each row is a target. Values are divided by the reported value so that shares, salaries and
growth rates share one axis: the grey bar is the reported band, the dot the simulated mean over
the result files (error bar: one standard deviation across files; small dots: each file).
Green: inside the band; red: outside. Open band sides run to the edge of the plot.
"""
import argparse
import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json")
    ap.add_argument("--out", default="compare.png")
    a = ap.parse_args()
    with open(a.json) as fh:
        c = json.load(fh)
    targets = c.get("targets", [])
    if not targets:
        sys.exit(f"plot_compare: {a.json}: no targets")
    lo_edge, hi_edge = 0.1, 10.0
    fig, ax = plt.subplots(figsize=(11, 0.42 * len(targets) + 1.8))
    for row, t in enumerate(reversed(targets)):
        ref = t["reported_value"] or 1.0
        scale = abs(ref)
        lo = t["reported_lo"] / scale if t["reported_lo"] is not None else lo_edge
        hi = t["reported_hi"] / scale if t["reported_hi"] is not None else hi_edge
        lo, hi = max(lo, lo_edge), min(hi, hi_edge)
        ax.barh(row, hi - lo if hi > lo else 0.02, left=lo if hi > lo else lo - 0.01, height=0.6, color="0.8")
        ax.plot([1, 1], [row - 0.3, row + 0.3], color="0.4", lw=1)
        m, sd = t["simulated_mean"], t["simulated_sd"] or 0.0
        if m is None:
            ax.text(lo_edge * 1.1, row, "no data", va="center", fontsize=8, color="0.3")
            continue
        color = "tab:green" if t["inside"] else "tab:red"
        x = min(max(m / scale, lo_edge), hi_edge)
        ax.errorbar(x, row, xerr=[[min(sd / scale, x - lo_edge)], [sd / scale]], fmt="o", color=color, ms=6, capsize=3)
        for v in t.get("per_file", []):
            if v is not None:
                ax.plot(min(max(v / scale, lo_edge), hi_edge), row, ".", color=color, ms=3, alpha=0.6)
        ax.text(hi_edge * 1.05, row, f"{m:,.3g} {t['unit']}", va="center", fontsize=7)
    ax.set_yticks(range(len(targets)))
    ax.set_yticklabels([t["name"] for t in reversed(targets)], fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(lo_edge, hi_edge)
    ax.set_xlabel("value / reported value (log scale); grey: reported band, dot: simulated")
    inside = sum(t["inside"] for t in targets)
    loss = c.get("loss")
    files = len(c.get("files", []))
    ax.set_title(f"simulated vs reported: {inside} of {len(targets)} targets inside, loss {loss:.2f}, {files} result file(s)",
                 fontsize=11)
    ks = [f"{d['name']} {d['ks_mean']:.3f}" for d in c.get("distributions", []) if d.get("ks_mean") is not None]
    if ks:
        fig.text(0.01, 0.005, "KS distance at reported points: " + "; ".join(ks), fontsize=8)
    ax.grid(axis="x", alpha=0.3, which="both")
    fig.tight_layout(rect=(0, 0.02, 0.93, 1))
    fig.savefig(a.out, dpi=90)
    print(a.out)


if __name__ == "__main__":
    main()
