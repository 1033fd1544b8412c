#!/usr/bin/python3
"""Effects of a non-compete ban on bound-eligible staff: scenarios/noncompete_policy.toml, 10 seeds.

Usage: scripts/noncompete_effects.py [--dir DIR] [--seeds N] [--first-seed S] [--jobs J]
                                     [--talentsim PATH]

Runs the scenario under its three regimes on the same N seeds (S, S+1, ...; default 10 seeds from
the file's own seed 20240101), `--threads 1` each, J runs at a time (default 2), writing
DIR/<regime>_<seed>.h5 (default: a temporary directory, removed at the end; a finished file already
in DIR is reused). Every run adds `--set output.panel_every=1` (a panel of everyone every month;
output only, the market is the same) so that staff can be counted each month.

  none    --set noncompete.enabled=false
  today   the file as it is
  strict  --set events.1.multiplier=2 --set noncompete.buyouts=false

Bound-eligible staff: the employed at an employer whose type has noncompete_share > 0 (the staff
a non-compete may bind; in this file big_tech, ai_unicorn and startup). For them, per run:
  person-years  staff counted at the end of each month (the panel), summed, / 12
  moves/yr      job-to-job moves from such an employer (to any other employer, team followers
                included; a move that starts by sitting out a restriction counts when it is decided)
                per person-year
  wage mean/p50 mean and median new wage of those moves (CNY a year)
  raise p50     median of new wage / old wage - 1 over those moves
  team moves    those moves that followed a team lead
  counters won  counteroffers accepted, made by such employers
  blocked       /steps noncompete_blocked (only bound staff can be blocked)
  bought out    moves whose non-compete the new employer bought out
Prints, for each quantity, the mean over seeds in each regime and two effects paired by seed:
the ban (none - today) and strict enforcement (strict - today), each as the mean difference with
a 95 % t interval over the N paired differences and the relative effect (mean difference / mean
under today's practice, with the interval divided by the same mean). Then the ban's effect on the moves per person-year and the mean new-hire
wage of each bound-eligible type's staff separately. docs/scenarios.md quotes the output.
"""
import argparse
import concurrent.futures
import math
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import h5py
import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "noncompete_policy.toml"
REGIMES = {
    "none": ["--set", "noncompete.enabled=false"],
    "today": [],
    "strict": ["--set", "events.1.multiplier=2", "--set", "noncompete.buyouts=false"],
}
NONE_ID = 0xFFFFFFFF
EMPLOYED = 1  # /categories/statuses
COUNTEROFFER = 2  # /categories/offer_kinds


def paired_effect(treated, control, level=0.95):
    """Mean of treated - control paired by index, its t confidence interval and the relative effect.

    Returns (mean difference, low, high, mean difference / mean of control). With fewer than two
    pairs the interval is (nan, nan); a control mean of 0 gives a relative effect of nan.
    """
    t, c = np.asarray(treated, dtype=float), np.asarray(control, dtype=float)
    if t.shape != c.shape or t.ndim != 1 or len(t) == 0:
        raise ValueError("paired_effect: two 1-D samples of the same non-zero length")
    d = t - c
    n = len(d)
    mean = float(np.mean(d))
    if n < 2:
        return mean, math.nan, math.nan, math.nan if np.mean(c) == 0 else mean / float(np.mean(c))
    half = stats.t.ppf(0.5 + level / 2, n - 1) * float(np.std(d, ddof=1)) / math.sqrt(n)
    base = float(np.mean(c))
    return mean, mean - half, mean + half, (mean / base if base != 0 else math.nan)


def eligible_types(scenario, type_names):
    """Codes of the employer types whose noncompete_share > 0, in /categories order."""
    types = scenario.get("employer_types", {})
    return [k for k, name in enumerate(type_names) if float(types.get(name, {}).get("noncompete_share", 0)) > 0]


def staff_metrics(path, only_type=None):
    """The quantities of the module docstring for one result file (only_type: one type's staff)."""
    with h5py.File(path, "r") as f:
        if int(f.attrs["complete"]) != 1:
            raise ValueError(f"{path}: not a finished run")
        scenario = tomllib.loads(f.attrs["scenario_toml"])
        type_names = list(f["categories/employer_types"].asstr()[:])
        etype = f["employers"]["type"]
        ok_type = np.zeros(len(type_names), dtype=bool)
        ok_type[eligible_types(scenario, type_names)] = True
        if only_type is not None:
            ok_type &= np.arange(len(type_names)) == type_names.index(only_type)
        bound_employer = ok_type[etype]

        def at_bound(ids):
            ids = np.asarray(ids)
            out = np.zeros(len(ids), dtype=bool)
            known = ids != NONE_ID
            out[known] = bound_employer[ids[known]]
            return out

        status, employer = f["panel/status"][:], f["panel/employer"][:]
        if len(f["panel/step"]) != int(f.attrs["steps_written"]):
            raise ValueError(f"{path}: needs a panel every month (output.panel_every=1)")
        person_months = int(np.count_nonzero((status == EMPLOYED) & at_bound(employer.ravel()).reshape(employer.shape)))
        moves = f["moves"][:]
        j2j = moves[at_bound(moves["from_employer"])]
        offers = f["offers"][:]
        won = offers[(offers["kind"] == COUNTEROFFER) & (offers["accepted"] == 1)]
        blocked = int(np.sum(f["steps"]["noncompete_blocked"]))
    new, old = j2j["new_wage"].astype(float), j2j["old_wage"].astype(float)
    years = person_months / 12.0
    return {
        "person-years": years,
        "moves/yr": len(j2j) / years,
        "moves": float(len(j2j)),
        "wage mean": float(np.mean(new)) if len(new) else math.nan,
        "wage p50": float(np.median(new)) if len(new) else math.nan,
        "raise p50": float(np.median(new / old - 1)) if len(new) else math.nan,
        "team moves": float(np.count_nonzero(j2j["team_move"])),
        "counters won": float(np.count_nonzero(at_bound(won["employer"]))),
        "blocked": float(blocked),
        "bought out": float(np.count_nonzero(j2j["noncompete_bought_out"])),
    }


ROWS = [  # quantity, label, format of levels, format of differences
    ("person-years", "person-years of bound-eligible staff", "{:,.0f}", "{:+,.0f}"),
    ("moves/yr", "job-to-job moves per person-year", "{:.4f}", "{:+.4f}"),
    ("moves", "job-to-job moves (36 months)", "{:,.0f}", "{:+,.0f}"),
    ("wage mean", "new-hire wage of those moves, mean", "{:,.0f}", "{:+,.0f}"),
    ("wage p50", "new-hire wage of those moves, median", "{:,.0f}", "{:+,.0f}"),
    ("raise p50", "raise on the move, median", "{:.3f}", "{:+.3f}"),
    ("team moves", "team moves", "{:,.0f}", "{:+,.0f}"),
    ("counters won", "counteroffers won", "{:,.0f}", "{:+,.0f}"),
    ("blocked", "moves blocked", "{:,.0f}", "{:+,.0f}"),
    ("bought out", "non-competes bought out", "{:,.0f}", "{:+,.0f}"),
]


def effect_text(treated, control, fmt):
    mean, lo, hi, rel = paired_effect(treated, control)
    base = float(np.mean(control))
    rel_text = "n/a" if math.isnan(rel) else f"{100 * rel:+.1f} % [{100 * lo / base:+.1f}, {100 * hi / base:+.1f}]"
    return f"{fmt.format(mean)} [{fmt.format(lo)}, {fmt.format(hi)}], {rel_text}"


def table(results, seeds):
    """Markdown table: regime means over seeds, then the two paired effects with 95 % intervals."""
    lines = [
        f"{len(seeds)} seeds ({seeds[0]}..{seeds[-1]}), mean over seeds; effects paired by seed: "
        "mean difference [95 % t interval], relative effect % [interval / mean under today's practice]",
        "",
        "| bound-eligible staff | none | today | strict | ban: none - today | strict - today |",
        "|---|---|---|---|---|---|",
    ]
    for key, label, fmt, dfmt in ROWS:
        v = {r: np.array([results[r][s][key] for s in seeds]) for r in REGIMES}
        levels = " | ".join(fmt.format(float(np.mean(v[r]))) for r in REGIMES)
        lines.append(f"| {label} | {levels} | {effect_text(v['none'], v['today'], dfmt)} | "
                     f"{effect_text(v['strict'], v['today'], dfmt)} |")
    return "\n".join(lines)


def by_type(results, seeds, types):
    """Markdown table: the ban's effect on mobility and new-hire wages for each eligible type's staff."""
    lines = [
        "",
        "| staff of | moves per person-year, today | ban: none - today | new-hire wage mean, today | "
        "ban: none - today |",
        "|---|---|---|---|---|",
    ]
    for name in types:
        v = {r: {k: np.array([results[r][s][name][k] for s in seeds]) for k in ("moves/yr", "wage mean")}
             for r in ("none", "today")}
        lines.append(f"| {name} | {np.mean(v['today']['moves/yr']):.4f} | "
                     f"{effect_text(v['none']['moves/yr'], v['today']['moves/yr'], '{:+.4f}')} | "
                     f"{np.mean(v['today']['wage mean']):,.0f} | "
                     f"{effect_text(v['none']['wage mean'], v['today']['wage mean'], '{:+,.0f}')} |")
    return "\n".join(lines)


def run_one(talentsim, regime, seed, out):
    if out.exists():
        return out
    cmd = [talentsim, "run", str(SCENARIO), "--seed", str(seed), "--threads", "1", "--quiet", "--out", str(out),
           "--set", "output.panel_every=1"] + REGIMES[regime]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stderr}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", help="keep the runs here (reused when present)")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=None, help="default: the scenario's seed")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--talentsim", default=os.environ.get("TALENTSIM_BINARY", str(ROOT / "build" / "talentsim")))
    a = ap.parse_args()
    if a.seeds < 2:
        sys.exit("noncompete_effects: --seeds must be at least 2 (a confidence interval needs two pairs)")
    with open(SCENARIO, "rb") as fh:
        first = a.first_seed if a.first_seed is not None else int(tomllib.load(fh)["scenario"]["seed"])
    seeds = [first + k for k in range(a.seeds)]
    work = Path(a.dir) if a.dir else Path(tempfile.mkdtemp(prefix="noncompete_effects_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        jobs = [(r, s, work / f"{r}_{s}.h5") for s in seeds for r in REGIMES]
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
            for fut in [pool.submit(run_one, a.talentsim, r, s, out) for r, s, out in jobs]:
                fut.result()
        with h5py.File(jobs[0][2], "r") as f:
            names = list(f["categories/employer_types"].asstr()[:])
            types = [names[k] for k in eligible_types(tomllib.loads(f.attrs["scenario_toml"]), names)]
        results = {r: {} for r in REGIMES}
        typed = {r: {s: {} for s in seeds} for r in ("none", "today")}
        for r, s, out in jobs:
            results[r][s] = staff_metrics(out)
            for name in types if r in typed else []:
                typed[r][s][name] = staff_metrics(out, only_type=name)
        print(table(results, seeds))
        print(by_type(typed, seeds, types))
    finally:
        if not a.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
