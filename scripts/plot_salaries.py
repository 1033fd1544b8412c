#!/usr/bin/python3
"""Posted and earned salary distributions by degree and by role, with the reported figures on top.

Usage: plot_salaries.py RESULT.h5 [--targets FILE.toml] [--out FILE.png]

Posted salaries are the rows of /postings (domestic employers), earned wages the employed
candidates of the last /panel snapshot. With --targets, every money target of the targets file
is drawn on the side of the market it describes: thresholds as dashed lines, bands as shaded
spans (monthly figures converted with the run's wages.months_per_year).
"""
import argparse
import math
import sys
import tomllib

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

EMPLOYED = 1
MONEY_FIELDS = {"postings": {"salary"}, "offers": {"salary"}, "panel": {"wage"}, "moves": {"new_wage", "old_wage"}}


def read(path):
    with h5py.File(path, "r") as f:
        if f.attrs.get("schema_version") != 1:
            sys.exit(f"plot_salaries: {path}: not a talentsim result file of schema version 1")
        cats = {k: list(f["categories"][k].asstr()[:]) for k in f["categories"]}
        scen = tomllib.loads(f.attrs["scenario_toml"])
        postings = f["postings"][:]
        cand = f["candidates/initial"][:]
        panel_status = f["panel/status"][-1] if f["panel/status"].shape[0] else np.zeros(0, np.uint8)
        panel_wage = f["panel/wage"][-1] if f["panel/wage"].shape[0] else np.zeros(0, np.float32)
        panel_step = int(f["panel/step"][-1]) if f["panel/step"].shape[0] else -1
        start = f.attrs["start"]
        name = f.attrs["scenario_name"]
    return dict(cats=cats, scen=scen, postings=postings, cand=cand, panel_status=panel_status,
                panel_wage=panel_wage, panel_step=panel_step, start=start, name=name)


def date_of(start, step):
    y, m = int(start[:4]), int(start[5:7])
    k = y * 12 + m - 1 + step
    return f"{k // 12}-{k % 12 + 1:02d}"


def reported_marks(targets_path, side, months_per_year):
    """(kind, x or (lo, hi), label) for each money target whose table is on this side."""
    if not targets_path:
        return []
    with open(targets_path, "rb") as fh:
        spec = tomllib.load(fh)
    tables = {"posted": {"postings", "offers"}, "earned": {"panel"}}[side]
    marks = []
    for t in spec.get("target", []):
        table = t.get("table")
        field = t.get("field", {"postings": "salary", "offers": "salary", "panel": "wage", "moves": "raise"}.get(table))
        if table not in tables or field not in MONEY_FIELDS.get(table, ()):
            continue
        k = months_per_year if t.get("unit") == "monthly" else 1.0
        label = t["name"]
        if t["statistic"] in ("share_above", "share_below"):
            marks.append(("line", t["threshold"] * k, label))
        elif t["statistic"] in ("mean", "quantile") and "band" in t:
            lo, hi = t["band"]
            hi = hi if np.isfinite(hi) else lo * 1.5
            marks.append(("band", (lo * k, hi * k), label))
        elif t["statistic"] == "range_mass":
            lo, hi = t["range"]
            marks.append(("band", (lo * k, hi * k), label))
    return marks


def draw_marks(ax, marks):
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for j, (kind, x, label) in enumerate(marks):
        c = colors[(j + 3) % len(colors)]
        if kind == "line":
            ax.axvline(x / 1e6, color=c, ls="--", lw=1.2, label=f"{label}: {x / 1e3:,.0f}k")
        else:  # a band; an open side is drawn to the edge of the axes and labelled as a bound
            lo, hi = x
            if math.isinf(lo) and math.isinf(hi):
                continue
            text = (f"<= {hi / 1e3:,.0f}k" if math.isinf(lo) else f">= {lo / 1e3:,.0f}k" if math.isinf(hi)
                    else f"{lo / 1e3:,.0f}k-{hi / 1e3:,.0f}k")
            left, right = ax.get_xlim()
            ax.axvspan(left if math.isinf(lo) else lo / 1e6, right if math.isinf(hi) else hi / 1e6,
                       color=c, alpha=0.15, label=f"{label}: {text}")


def histograms(ax, groups, bins, title):
    for label, x in groups:
        if len(x):
            ax.hist(x / 1e6, bins=bins, histtype="step", lw=1.6, density=True, label=f"{label} (n={len(x):,})")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("annual salary, million CNY")
    ax.set_ylabel("density")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result")
    ap.add_argument("--targets")
    ap.add_argument("--out", default="salaries.png")
    a = ap.parse_args()
    r = read(a.result)
    cats, p, cand = r["cats"], r["postings"], r["cand"]
    mpy = r["scen"]["wages"]["months_per_year"]
    domestic = np.array([not r["scen"]["employer_types"][t]["overseas"] for t in cats["employer_types"]])
    last = p["step"].max() if len(p) else 0
    recent = p[(p["step"] > last - 12) & domestic[p["employer_type"]]]
    employed = r["panel_status"] == EMPLOYED
    wage = r["panel_wage"]
    n = len(wage)
    # Panel columns are candidate ids when the panel covers everyone (output.panel_sample = 0).
    by_id = n == len(cand)
    hi = np.percentile(np.concatenate([recent["salary"], wage[employed]]), 99.5) / 1e6 if len(recent) else 3
    bins = np.linspace(0, hi, 60)

    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    posted_marks = reported_marks(a.targets, "posted", mpy)
    earned_marks = reported_marks(a.targets, "earned", mpy)
    span = f"{date_of(r['start'], max(0, last - 11))} to {date_of(r['start'], last)}"

    ax = axes[0, 0]
    histograms(ax, [(d, recent["salary"][recent["required_degree"] == k]) for k, d in enumerate(cats["degrees"])], bins,
               f"posted salaries by required degree, {span}")
    draw_marks(ax, posted_marks)
    ax = axes[0, 1]
    histograms(ax, [(role, recent["salary"][recent["role"] == k]) for k, role in enumerate(cats["roles"])], bins,
               f"posted salaries by role, {span}")
    draw_marks(ax, posted_marks)
    when = date_of(r["start"], r["panel_step"]) if r["panel_step"] >= 0 else "no snapshot"
    ax = axes[1, 0]
    if by_id:
        histograms(ax, [(d, wage[employed & (cand["degree"] == k)]) for k, d in enumerate(cats["degrees"])], bins,
                   f"earned wages of the employed by degree, {when}")
    else:
        histograms(ax, [("all employed", wage[employed])], bins, f"earned wages of the employed (panel sample), {when}")
    draw_marks(ax, earned_marks)
    ax = axes[1, 1]
    if by_id:
        histograms(ax, [(role, wage[employed & (cand["role"] == k)]) for k, role in enumerate(cats["roles"])], bins,
                   f"earned wages of the employed by role, {when}")
    draw_marks(ax, earned_marks)
    for ax in axes.flat:
        ax.legend(fontsize=7, loc="upper right")
        ax.set_xlim(0, hi)
    fig.suptitle(f"{r['name']}: posted (job ads) vs earned (paid) salaries; dashed lines and spans: reported figures", fontsize=12)
    fig.tight_layout()
    fig.savefig(a.out, dpi=90)
    print(a.out)


if __name__ == "__main__":
    main()
