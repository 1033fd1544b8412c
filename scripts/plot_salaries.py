#!/usr/bin/python3
"""Posted and earned salary distributions, and each reported money figure beside its own population.

Usage: plot_salaries.py RESULT.h5 [--targets FILE.toml] [--out FILE.png]

Top: posted salaries (domestic employers' postings of the last 12 months) and earned wages (the
employed at the last panel snapshot) by degree and by role. Bottom, with --targets: one row per
money target of the targets file (docs/compare.md). Each row draws the simulated population that
the target describes, with the target's own filters (role, employer type, degree, tier, status,
window, ...) applied: a box from the 25th to the 75th percentile with whiskers from the 10th to the
90th and the median; beside it the reported figure (a band, or a threshold for shares) and the
simulated value of the target's statistic, named on the right (median, 90th percentile, mean,
share above ...). Open bands are drawn open: an arrow to the edge, no invented end. Monthly
figures are converted to annual CNY with the run's wages.months_per_year. Reads the file with the
talentsim Python reader (python/talentsim, docs/python.md).
"""
import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import talentsim  # noqa: E402
from talentsim import targets as tg  # noqa: E402

plt.rcParams.update({"font.size": 12, "axes.titlesize": 12, "legend.fontsize": 11, "axes.labelsize": 12})
MONEY_STATS = {"share_above", "share_below", "range_mass", "mean", "quantile"}
REPORTED, SIMULATED, POP = "tab:orange", "tab:blue", "0.55"


def money_targets(path):
    """The targets whose statistic is about a money field (salary, wage, new or old wage)."""
    out = []
    for t in tg.load_targets(path):
        field = t.get("field", tg.DEFAULT_FIELD.get(t.get("table")))
        if t.get("statistic") in MONEY_STATS and field in tg.MONEY:
            out.append(t)
    return out


def kcny(x):
    """Annual CNY as a short label: 650k, 1.2M."""
    return f"{x / 1e6:.3g}M" if abs(x) >= 1e6 else f"{x / 1e3:,.0f}k"


def statistic_name(t):
    st = t["statistic"]
    if st == "quantile":
        q = t["q"]
        return "median" if q == 0.5 else f"{q * 100:g}th percentile"
    if st == "mean":
        return "mean"
    k = t.get("unit") == "monthly"
    unit = "/mo" if k else ""
    if st == "share_above":
        return f"share above {kcny(t['threshold'])}{unit}"
    if st == "share_below":
        return f"share below {kcny(t['threshold'])}{unit}"
    return f"share in {kcny(t['range'][0])}-{kcny(t['range'][1])}{unit}"


def reported_text(t, k):
    """The reported figure in the target's own unit, open sides as bounds."""
    share = t["statistic"] in ("share_above", "share_below", "range_mass")
    unit = " %" if share else "/mo" if k != 1 else ""
    fmt = (lambda v: f"{v * 100:.0f}") if share else kcny
    if "band" in t:
        lo, hi = t["band"]
        if math.isinf(lo) and math.isinf(hi):
            return "any"
        if math.isinf(hi):
            return f">= {fmt(lo)}{unit}"
        if math.isinf(lo):
            return f"<= {fmt(hi)}{unit}"
        return f"{fmt(lo)}{unit}" if lo == hi else f"{fmt(lo)}-{fmt(hi)}{unit}"
    return f"{fmt(t['value'])}{unit}"


def simulated_text(t, value, k):
    if value is None or not math.isfinite(value):
        return "no data"
    if t["statistic"] in ("share_above", "share_below", "range_mass"):
        return f"{value * 100:.1f} %"
    return kcny(value) + ("/mo" if k != 1 else "")


def inside(t, value):
    if value is None or not math.isfinite(value):
        return None
    lo, hi = t.get("band", [t.get("value"), t.get("value")])
    return lo <= value <= hi


def nice_step(x):
    """The smallest of 1, 2, 2.5 and 5 times a power of ten at or above x (x > 0)."""
    if not x > 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(x))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= x * (1 - 1e-9))


def overview(axes, r):
    """Four histograms: posted (domestic, last 12 months) and earned (last snapshot) by degree and role."""
    p = r.postings
    domestic = [name for name in r.categories["employer_types"]
                if not r.scenario["employer_types"][name].get("overseas", False)]
    last = int(p["step"].max()) if len(p) else 0
    p = p[(p["step"] > last - 12) & p["employer_type"].isin(domestic)]
    e = r.panel("wage", employed_only=True)
    e = e[e["step"] == e["step"].max()] if len(e) else e
    top = np.percentile(np.concatenate([p["salary"], e["wage"]]), 99.5) / 1e3 if len(p) + len(e) else 3000
    step = nice_step(top / 50)  # about 50 bins of a round width, up to a round top
    top = step * math.ceil(top / step)
    bins = np.arange(0, top + step / 2, step)
    span = f"{r.dates([max(0, last - 11)])[0]:%Y-%m} to {r.dates([last])[0]:%Y-%m}"
    when = f"{e['date'].iloc[0]:%Y-%m}" if len(e) else "no snapshot"
    panels = [(axes[0, 0], p, "salary", "required_degree", f"posted by domestic employers, by required degree ({span})", "postings"),
              (axes[0, 1], p, "salary", "role", f"posted by domestic employers, by role ({span})", "postings"),
              (axes[1, 0], e, "wage", "degree", f"earned by the employed, by degree ({when})", "employed"),
              (axes[1, 1], e, "wage", "role", f"earned by the employed, by role ({when})", "employed")]
    for ax, df, field, by, title, what in panels:
        ax.set_title(title)
        ax.set_xlabel("annual salary, thousand CNY")
        ax.set_ylabel(f"% of {what} per {bins[1] - bins[0]:,.0f}k bin")
        ax.set_xlim(0, top)
        ax.grid(alpha=0.3)
        if by not in df:
            ax.text(0.5, 0.5, "the panel is a sample: no candidate attributes", ha="center", transform=ax.transAxes)
            continue
        for name in df[by].cat.categories:  # in the scenario's order
            x = df.loc[df[by] == name, field]
            if len(x) == 0:
                continue
            w = np.full(len(x), 100.0 / len(x))
            ax.hist(x / 1e3, bins=bins, weights=w, histtype="step", lw=1.8, label=f"{name} (n={len(x):,})")
        above = float((df[field] / 1e3 > top).mean() * 100) if len(df) else 0.0
        ax.text(0.98, 0.42, f"{above:.1f} % above {top:,.0f}k\n(not shown)", transform=ax.transAxes, ha="right",
                va="top", fontsize=10, color="0.35")
        ax.legend(loc="upper right", frameon=False)


def target_rows(fig, rect, r, targets):
    """One row per money target: its own simulated population, the reported figure, the statistic.
    rect: (left, bottom, width, height) of the salary axis in figure fractions; the table of
    statistic, reported and simulated values is drawn to its right."""
    ax = fig.add_axes(rect)
    rows = []
    for t in targets:
        x, _ = tg.sample(r, t)
        rows.append((t, x, tg.statistic(r, t), tg.unit_factor(r, t)))
    edges = []
    for t, x, _, k in rows:
        if len(x):
            edges += list(np.percentile(x, [5, 95]))
        if t["statistic"] in ("quantile", "mean") and "band" in t:
            edges += [v * k for v in t["band"] if math.isfinite(v)]
        if "threshold" in t:
            edges.append(t["threshold"] * k)
        if "range" in t:
            edges += [v * k for v in t["range"]]
    lo, hi = min(edges) / 1.5, max(edges) * 1.5
    ax.set_xscale("log")
    ax.set_xlim(lo / 1e3, hi / 1e3)
    clip = lambda v: min(max(v, lo * 1.02), hi / 1.02) / 1e3  # noqa: E731 (every mark stays on the axes)
    n = len(rows)
    width = rect[2] * fig.get_figwidth()  # inches
    table_x = [1 + d / width for d in (0.15, 1.95, 3.45, 4.75)]  # statistic, reported, simulated, n
    for x0, head in zip(table_x, ["statistic", "reported", "simulated", "n"]):
        ax.text(x0, n - 0.35, head, transform=ax.get_yaxis_transform(), fontweight="bold", va="bottom")
    for i, (t, x, value, k) in enumerate(rows):
        y = n - 1 - i
        if len(x):
            p10, p25, p50, p75, p90 = np.percentile(x, [10, 25, 50, 75, 90])
            ax.plot([clip(p10), clip(p90)], [y, y], color=POP, lw=1.2, zorder=1)
            ax.add_patch(plt.Rectangle((clip(p25), y - 0.25), clip(p75) - clip(p25), 0.5, color=POP, alpha=0.4,
                                       lw=0, zorder=1))
            ax.plot([clip(p50)] * 2, [y - 0.25, y + 0.25], color="0.3", lw=2, zorder=2)
        if t["statistic"] in ("quantile", "mean"):
            if "band" in t:
                blo, bhi = t["band"]
                a = clip(blo * k) if math.isfinite(blo) else lo / 1e3
                b = clip(bhi * k) if math.isfinite(bhi) else hi / 1e3
                ax.add_patch(plt.Rectangle((a, y - 0.11), b - a, 0.22, color=REPORTED, alpha=0.8, lw=0, zorder=3))
                if math.isinf(bhi):  # open above: runs off the right edge
                    ax.plot(b, y, ">", color=REPORTED, ms=10, zorder=4, clip_on=False)
                if math.isinf(blo):  # open below: runs off the left edge
                    ax.plot(a, y, "<", color=REPORTED, ms=10, zorder=4, clip_on=False)
            if value is not None and math.isfinite(value):
                ax.plot(clip(value * k), y, "D", color=SIMULATED, ms=8, mec="white", zorder=5)
        else:  # shares: the threshold (or range) on the salary axis; the shares are in the table
            for v in ([t["threshold"]] if "threshold" in t else t["range"]):
                ax.plot([clip(v * k)] * 2, [y - 0.38, y + 0.38], color=REPORTED, lw=2.5, zorder=3)
        ok = inside(t, value)
        colour = {True: "tab:green", False: "tab:red", None: "0.3"}[ok]
        cells = [statistic_name(t), reported_text(t, k), simulated_text(t, value, k) + {True: " in", False: " OUT",
                                                                                         None: ""}[ok], f"{len(x):,}"]
        for x0, cell, c in zip(table_x, cells, ["black", "black", colour, "0.3"]):
            ax.text(x0, y, cell, transform=ax.get_yaxis_transform(), va="center", fontsize=11, color=c)
    ax.set_yticks(range(n))
    ax.set_yticklabels([t["name"] for t, *_ in reversed(rows)], fontsize=11)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlabel(f"annual salary, thousand CNY (log scale)\nmonthly figures (/mo) x {r.months_per_year:g} "
                  f"months' pay a year (the scenario's wages.months_per_year)")
    ax.grid(axis="x", alpha=0.3, which="major")
    ticks = [v for v in (100, 200, 500, 1000, 2000, 5000, 10000) if lo / 1e3 <= v <= hi / 1e3]
    ax.set_xticks(ticks, [f"{v:,}" for v in ticks])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    legend = [plt.Line2D([], [], color=POP, lw=8, alpha=0.5, label="simulated: p25-p75 box, p10-p90 line, median bar"),
              plt.Line2D([], [], color=REPORTED, lw=5, label="reported band (arrow: open side)"),
              plt.Line2D([], [], color=REPORTED, lw=2.5, marker="|", ms=14, ls="none", label="reported threshold"),
              plt.Line2D([], [], color=SIMULATED, marker="D", ls="none", ms=8, label="simulated statistic")]
    left = -2.9 / width
    ax.legend(handles=legend, loc="lower left", bbox_to_anchor=(left, 1.0 + 0.35 / n), ncol=2, frameon=False)
    ax.text(left, 1.0 + 2.15 / n, "Each reported money figure beside the simulated population it describes "
            "(the target's filters and window applied)", transform=ax.transAxes, fontsize=13, va="bottom")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result")
    ap.add_argument("--targets")
    ap.add_argument("--out", default="salaries.png")
    a = ap.parse_args()
    try:
        r = talentsim.open(a.result)
    except (OSError, ValueError) as e:
        sys.exit(f"plot_salaries: {e}")
    targets = money_targets(a.targets) if a.targets else []
    # Layout in inches: a title, two rows of histograms, then the target rows (0.42 in each).
    W, hist, gap = 12.0, 3.0, 1.05
    block = 0.42 * len(targets) + 2.1 if targets else 0.0
    H = 0.7 + 2 * (hist + gap) + block
    fig = plt.figure(figsize=(W, H))
    axes = np.empty((2, 2), dtype=object)
    for i in range(2):
        for j in range(2):
            left, bottom = 0.8 + j * 5.8, H - 0.7 - (i + 1) * (hist + gap) + gap - 0.25
            axes[i, j] = fig.add_axes([left / W, bottom / H, 4.9 / W, hist / H])
    overview(axes, r)
    if targets:
        rows_h = 0.42 * len(targets)
        target_rows(fig, [3.0 / W, 1.05 / H, 3.3 / W, rows_h / H], r, targets)
    fig.suptitle(f"{r.name} (seed {r.seed}): posted (job ads) and earned (paid) salaries", fontsize=14,
                 y=1 - 0.25 / H)
    fig.savefig(a.out, dpi=80)
    print(a.out)


if __name__ == "__main__":
    main()
