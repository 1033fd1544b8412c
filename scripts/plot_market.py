#!/usr/bin/python3
"""The market over time: vacancies, hires, job-to-job moves, counteroffers, non-compete blocks, wages.

Usage: plot_market.py RESULT.h5 [--out FILE.png]

Everything comes from /steps (one row per month, docs/output-format.md).
"""
import argparse
import datetime
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result")
    ap.add_argument("--out", default="market.png")
    a = ap.parse_args()
    with h5py.File(a.result, "r") as f:
        if f.attrs.get("schema_version") != 1:
            sys.exit(f"plot_market: {a.result}: not a talentsim result file of schema version 1")
        s = f["steps"][:]
        name = f.attrs["scenario_name"]
        seed = int(f.attrs["seed"])
    if len(s) == 0:
        sys.exit(f"plot_market: {a.result}: no steps written")
    t = [datetime.date(int(d) // 100, int(d) % 100, 1) for d in s["date"]]
    panels = [
        ("vacancies and postings (per month)", [("open vacancies", "vacancies"), ("postings", "postings")], None),
        ("hires and job-to-job moves (per month)", [("hires", "hires"), ("job-to-job moves", "job_to_job_moves"),
                                                    ("team moves", "team_moves"), ("returnees", "returnees")], None),
        ("counteroffers (per month)", [("made", "counteroffers_made"), ("won (employee stays)", "counteroffers_won")], None),
        ("non-competes (per month)", [("moves blocked", "noncompete_blocked"), ("bought out", "noncompete_buyouts")],
         ("sitting out (stock)", "sitting_out")),
        ("employment (stock)", [("employed", "employed"), ("unemployed", "unemployed"), ("students", "students"),
                                ("abroad", "abroad")], None),
        ("wages, thousand CNY per year", [("employed: p10", "wage_p10"), ("p50", "wage_p50"), ("p90", "wage_p90"),
                                          ("mean", "wage_mean"), ("posted mean", "posted_mean")], None),
    ]
    fig, axes = plt.subplots(3, 2, figsize=(13, 10), sharex=True)
    for ax, (title, series, right) in zip(axes.flat, panels):
        money = title.startswith("wages")
        for label, field in series:
            y = s[field] / 1e3 if money else s[field]
            ax.plot(t, y, lw=1.6, ls="--" if field == "posted_mean" else "-", label=label)
        if right:
            ax2 = ax.twinx()
            ax2.plot(t, s[right[1]], color="grey", lw=1, ls=":", label=right[0])
            ax2.set_ylabel(right[0], color="grey", fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    for ax in axes[-1]:
        ax.tick_params(axis="x", rotation=30)
    fig.suptitle(f"{name} (seed {seed}): the market month by month", fontsize=12)
    fig.tight_layout()
    fig.savefig(a.out, dpi=90)
    print(a.out)


if __name__ == "__main__":
    main()
