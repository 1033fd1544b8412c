#!/usr/bin/python3
"""Simulated vs reported, target by target, from the JSON of `talentsim compare --json`.

Usage: plot_compare.py COMPARE.json [--out FILE.png] [--columns N]

One small panel per target, on its own axis in the target's unit (shares and growth rates in %,
salaries in CNY per year or per month as reported, ratios as numbers). In each panel the orange
bar is the reported band (an arrow where a side is open: "more than 54,000"), the black tick the
reported value, and the dot the simulated mean over the result files: green inside the band, red
outside; with several files, the error bar (and the +/- after the value) is one standard deviation
across files and the small dots are the files. "no data" marks a target whose window or population the run does not cover.
"""
import argparse
import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

plt.rcParams.update({"font.size": 11})
REPORTED = "tab:orange"


UNIT_LABEL = {"growth": "growth", "raise": "raise over the current wage", "ratio": "ratio",
              "CNY/year": "CNY per year", "CNY/month": "CNY per month"}
# Whose share a share is: the rows of the target's table (docs/compare.md), in words.
SHARE_OF = {"postings": "share of postings", "offers": "share of offers", "moves": "share of hires",
            "panel": "share of people", "steps": "share of months"}


def axis_label(t):
    unit = t.get("unit", "")
    if unit == "share":
        return SHARE_OF.get(t.get("table", ""), "share")
    return UNIT_LABEL.get(unit, unit)


def two_digits(text, v):
    """The spread v in the value's format, to two significant digits (6.663k -> 6.7k)."""
    if not finite(v) or v == 0:
        return text(v)
    digits = 1 - math.floor(math.log10(abs(v)))
    return text(round(v, digits))


def formatter(unit):
    """(tick formatter, value text) for a target's unit."""
    if unit in ("share", "growth", "raise"):
        sign = "+" if unit == "growth" else ""
        return lambda v, _=None: f"{v * 100:{sign}.0f} %", lambda v: f"{v * 100:{sign}.1f} %"
    if unit.startswith("CNY"):
        def money(v, _=None):
            return f"{v / 1e6:.4g}M" if abs(v) >= 1e6 else f"{v / 1e3:.4g}k"
        return money, money  # the unit is the axis label
    return lambda v, _=None: f"{v:.3g}", lambda v: f"{v:.3g}"


def finite(x):
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def panel(ax, t):
    unit = t.get("unit", "")
    tick, text = formatter(unit)
    lo, hi, value = t.get("reported_lo"), t.get("reported_hi"), t.get("reported_value")
    m, sd, files = t.get("simulated_mean"), t.get("simulated_sd"), t.get("files", 0)
    per_file = [v for v in t.get("per_file", []) if finite(v)]
    points = [v for v in (lo, hi, value, m) if finite(v)] + per_file
    if finite(m) and finite(sd) and files > 1:
        points += [m - sd, m + sd]
    a, b = min(points), max(points)
    pad = 0.25 * (b - a) if b > a else 0.25 * abs(a) or 1.0
    left, right = a - pad, b + pad
    if unit == "share":  # a share stays within 0-100 %, with room for a mark on either end
        left, right = max(left, -0.03 * (b - a) - 0.005), min(right, 1 + 0.03 * (b - a) + 0.005)
    ax.set_xlim(left, right)
    ax.set_ylim(-1, 1)
    band_lo = lo if finite(lo) else left
    band_hi = hi if finite(hi) else right
    ax.barh(0, band_hi - band_lo, left=band_lo, height=0.7, color=REPORTED, alpha=0.45, lw=0)
    if not finite(lo):
        ax.plot(left, 0, "<", color=REPORTED, ms=11, clip_on=False)
    if not finite(hi):
        ax.plot(right, 0, ">", color=REPORTED, ms=11, clip_on=False)
    if finite(value):
        ax.plot([value, value], [-0.5, 0.5], color="black", lw=1.5)
    if finite(m):
        colour = "tab:green" if t.get("inside") else "tab:red"
        if files > 1 and finite(sd):
            ax.errorbar(m, 0, xerr=sd, fmt="o", color=colour, ms=9, capsize=4, mec="white")
            ax.plot(per_file, [0.0] * len(per_file), ".", color=colour, ms=5, alpha=0.6)
        else:
            ax.plot(m, 0, "o", color=colour, ms=9, mec="white")
        spread = two_digits(text, sd).lstrip("+") if files > 1 and finite(sd) else ""
        ax.text(0.02, 0.93, f"simulated {text(m)}" + (f" \u00b1 {spread}" if spread else ""),
                transform=ax.transAxes, va="top", fontsize=10, color=colour)
    else:
        ax.text(0.5, 0.12, "no data", transform=ax.transAxes, ha="center", fontsize=11, color="tab:red",
                fontweight="bold")
    ax.set_yticks([])
    ax.xaxis.set_major_locator(MaxNLocator(3))
    ax.xaxis.set_major_formatter(FuncFormatter(tick))
    ax.tick_params(axis="x", labelsize=10)
    ax.set_xlabel(axis_label(t), fontsize=10, labelpad=1)
    ax.set_title(t["name"], fontsize=10.5, loc="left")
    ax.grid(axis="x", alpha=0.3)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json")
    ap.add_argument("--out", default="compare.png")
    ap.add_argument("--columns", type=int, default=4)
    a = ap.parse_args()
    try:
        with open(a.json) as fh:
            c = json.load(fh)
    except (OSError, ValueError) as e:
        sys.exit(f"plot_compare: {a.json}: {e}")
    targets = c.get("targets", [])
    if not targets:
        sys.exit(f"plot_compare: {a.json}: no targets")
    cols = max(1, a.columns)
    rows = math.ceil(len(targets) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 1.7 * rows + 1.5), squeeze=False)
    for ax, t in zip(axes.flat, targets):
        panel(ax, t)
    for ax in list(axes.flat)[len(targets):]:
        ax.axis("off")
    inside = sum(bool(t.get("inside")) for t in targets)
    no_data = sum(not finite(t.get("simulated_mean")) for t in targets)
    files = len(c.get("files", []))
    loss = c.get("loss")
    fig.suptitle(f"Simulated vs reported: {inside} of {len(targets)} targets inside their band"
                 + (f", {no_data} without data" if no_data else "")
                 + (f"; loss {loss:.2f}" if finite(loss) else "") + f"; {files} run{'s' if files != 1 else ''}",
                 fontsize=13)
    legend = [plt.Line2D([], [], color=REPORTED, lw=8, alpha=0.45, label="reported band (arrow: open side)"),
              plt.Line2D([], [], color="black", lw=1.5, label="reported value"),
              plt.Line2D([], [], color="tab:green", marker="o", ls="none", ms=9, label="simulated, inside"),
              plt.Line2D([], [], color="tab:red", marker="o", ls="none", ms=9, label="simulated, outside")]
    fig.legend(handles=legend, loc="upper center", ncol=4, frameon=False, bbox_to_anchor=(0.5, 1 - 0.45 / fig.get_figheight()))
    ks = [f"{d['name']} {d['ks_mean']:.3f}" for d in c.get("distributions", []) if finite(d.get("ks_mean"))]
    note = ("Panels: the targets of " + c.get("targets_file", "the targets file") + ", by name. Each axis is in the"
            " target's unit (% for shares and growth, CNY per year or per month as reported).")
    if files > 1:
        note += f"\nSimulated: the mean over the {files} runs \u00b1 one standard deviation across them (bar); small dots: each run."
    if ks:
        note += "\nKolmogorov-Smirnov distance at the reported points: " + "; ".join(ks) + "."
    fig.text(0.01, 0.01, note, fontsize=10, color="0.3")
    fig.tight_layout(rect=(0, 0.6 / fig.get_figheight(), 1, 1 - 0.75 / fig.get_figheight()), h_pad=1.2)
    fig.savefig(a.out, dpi=80)
    print(a.out)


if __name__ == "__main__":
    main()
