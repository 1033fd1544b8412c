#!/usr/bin/python3
"""The market over time: vacancies, hires, job-to-job moves, counteroffers, non-compete blocks, wages.

Usage: plot_market.py RESULT.h5 [--out FILE.png]

Everything comes from /steps (one row per month, docs/output-format.md), read with the talentsim
Python reader (python/talentsim, docs/python.md).
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import talentsim  # noqa: E402

plt.rcParams.update({"font.size": 11, "legend.fontsize": 10})


def vacancy_panel(s):
    """The vacancy panel: open slots (a stock) and the month's postings (a flow), one line when every
    posting has one slot and the two are equal."""
    if (s["vacancies"] == s["postings"]).all():
        return ("vacancies", "slots open / postings a month",
                [("slots = postings, one slot each", "postings")], None)
    return ("vacancies and postings", "slots open / postings a month",
            [("open vacancy slots", "vacancies"), ("postings", "postings")], None)


def mark_entries(ax, events, s):
    """Marks the scenario's entry_candidates events (people entering the field as job seekers)."""
    for ev in events:
        if ev.get("kind") != "entry_candidates" or "date" not in ev:
            continue
        when = pd.Timestamp(f"{ev['date']}-01")
        if when < s["date"].min() or when > s["date"].max():
            continue
        ax.axvline(when, color="0.5", ls=":", lw=1.2)
        who = f" ({ev['role']})" if ev.get("role") else ""
        ax.annotate(f"{int(ev.get('count', 0)):,} enter as\njob seekers{who}\n(event)", (when, ax.get_ylim()[1] * 0.97),
                    xytext=(-4, 0), textcoords="offset points", ha="right", va="top", fontsize=9, color="0.35")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result")
    ap.add_argument("--out", default="market.png")
    a = ap.parse_args()
    try:
        r = talentsim.open(a.result)
    except (OSError, ValueError) as e:
        sys.exit(f"plot_market: {e}")
    s = r.steps
    if len(s) == 0:
        sys.exit(f"plot_market: {a.result}: no steps written")
    name, seed, t = r.name, r.seed, s["date"]
    panels = [  # title, y axis, series, right-hand series
        vacancy_panel(s),
        ("hires and job-to-job moves", "people per month",
         [("hires", "hires"), ("job-to-job moves", "job_to_job_moves"),
          ("team moves (members following a lead)", "team_moves"), ("returnees (from abroad)", "returnees")], None),
        ("counteroffers", "per month", [("made", "counteroffers_made"), ("won (employee stays)", "counteroffers_won")],
         None),
        ("non-competes", "moves per month", [("moves blocked", "noncompete_blocked"),
                                             ("bought out", "noncompete_buyouts")],
         ("sitting out a non-compete (people, right axis)", "sitting_out")),
        ("employment", "people", [("employed", "employed"), ("unemployed", "unemployed"), ("students", "students"),
                                  ("abroad", "abroad"), ("left the field (inactive)", "inactive")], None),
        ("wages of the employed and posted salaries", "thousand CNY per year",
         [("p90", "wage_p90"), ("mean", "wage_mean"), ("p50", "wage_p50"), ("p10", "wage_p10"),
          ("posted mean (new postings)", "posted_mean")], None),
    ]
    fig, axes = plt.subplots(3, 2, figsize=(12, 11), sharex=True)
    for ax, (title, unit, series, right) in zip(axes.flat, panels):
        money = unit.startswith("thousand CNY")
        for i, (label, field) in enumerate(series):
            y = s[field] / 1e3 if money else s[field]
            flow = "per month" in unit and field != "vacancies"  # a stock has no total
            flow = flow or field == "postings"
            label = f"{label} ({int(s[field].sum()):,} in all)" if flow else label
            ax.plot(t, y, lw=1.8, ls="--" if field == "posted_mean" or (field == "postings" and len(series) > 1) else "-", label=label)
        handles, labels = ax.get_legend_handles_labels()
        top = max(float((s[f] / 1e3 if money else s[f]).max()) for _, f in series)
        ax.set_ylim(0, 1.2 * top + 0.1 * len(series) * top)  # room above the lines for the legend
        if right:
            ax2 = ax.twinx()
            line, = ax2.plot(t, s[right[1]], color="0.45", lw=1.4, ls=":", label=right[0])
            ax2.set_ylabel("people sitting out", color="0.35")
            ax2.set_ylim(0, 1.6 * max(1.0, float(s[right[1]].max())))
            handles.append(line)
            labels.append(right[0])
        if title == "employment":
            mark_entries(ax, r.scenario.get("events", []), s)
        ax.set_title(title)
        ax.set_ylabel(unit)
        ax.legend(handles, labels, loc="upper right" if title == "employment" else "upper left", framealpha=0.85)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    for ax in axes[-1]:
        ax.tick_params(axis="x", rotation=30)
    fig.suptitle(f"{name} (seed {seed}): the market month by month", fontsize=13)
    fig.tight_layout()
    fig.savefig(a.out, dpi=80)
    print(a.out)


if __name__ == "__main__":
    main()
