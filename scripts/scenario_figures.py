#!/usr/bin/python3
"""The figures docs/scenarios.md quotes for cv_boom_2017, returnee_wave and enrollment_expansion.

Usage: scripts/scenario_figures.py SCENARIO [--dir DIR] [--jobs J] [--talentsim PATH]
       SCENARIO: cv_boom_2017 | returnee_wave | enrollment_expansion

Runs scenarios/SCENARIO.toml with its own seed, `--threads 1` each (J runs at a time, default 2),
into DIR (default: a temporary directory, removed at the end; a finished file already in DIR is
reused, so `--dir results/scenarios` keeps the runs for plot_market.py and plot_salaries.py), and
prints the figures as text:

cv_boom_2017          (two runs: DIR/cv_boom_2017.h5, the file, and DIR/cv_boom_2017_no_budget_cap.h5 with
                      offers.budget_cap=false, the textbook limit) by calendar year: computer-vision postings a
                      month and their median posted salary, the large-model median posted salary,
                      the median earned wage of computer-vision staff at the year's last panel
                      snapshot and their number there, the mean number employed (in China), the
                      same without budget caps, the mean number unemployed, and the number who
                      had left the field
                      by the year's last month (/steps inactive: candidates who have entered and
                      left).
returnee_wave         (three runs: relocation.country_cost = 200000, the file's 400000, 800000)
                      returnees (hires from abroad by employers in China) over the run, the
                      elasticity of returnees to the moving cost between the two ends, the median
                      new wage of returnees, and, for returnees who had an overseas employer, the
                      median of new wage / overseas wage.
enrollment_expansion  (runs at population.graduates_per_year = 4000 and the file's 12000; all with
                      output.panel_every=1, output only) for the graduate cohorts that enter during
                      the run (entrants who are students in the month they enter; the overseas
                      inflow enters abroad): the median starting wage by degree (the first hire of
                      each, from school or from unemployment after graduating), the master's and
                      PhD premiums over the bachelor's, the share of those who have graduated by
                      the last month that are employed then, by degree; the number unemployed
                      in the last month (everyone); and the share of domestic postings requiring
                      a master's or PhD in the first and the last calendar year (eq. 9a; as
                      scripts/postgraduate_share.py) and the median posted salary of the last
                      year's domestic postings requiring a bachelor's and a master's (eqs. 3a,
                      3b). First for the file's seed, then on 5 seeds
                      (the file's and the 4 after it): the mean of each quantity at 4000 and at
                      12000 graduates a year and the difference paired by seed with its 95 % t
                      interval.
"""
import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import h5py
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from noncompete_effects import paired_effect  # noqa: E402
from postgraduate_share import DOMESTIC, shares as postgraduate_shares  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NONE_ID = 0xFFFFFFFF
ABROAD_CITY = 255
STUDENT, EMPLOYED, UNEMPLOYED, ABROAD = 0, 1, 2, 3  # /categories/statuses


def run_all(talentsim, scenario, variants, work, jobs):
    """Runs scenarios/SCENARIO.toml once per variant {name: [--set ...]}; returns {name: path}."""
    src = ROOT / "scenarios" / f"{scenario}.toml"

    def one(name, sets):
        out = work / f"{name}.h5"
        if not out.exists():
            cmd = [talentsim, "run", str(src), "--threads", "1", "--quiet", "--out", str(out)] + sets
            p = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if p.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stderr}")
        return name, out

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        return dict(f.result() for f in [pool.submit(one, n, s) for n, s in variants.items()])


def categories(f, name):
    return list(f["categories/" + name].asstr()[:])


def median(x):
    return float(np.median(x)) if len(x) else float("nan")


def cv_boom(paths):
    with h5py.File(paths["cv_boom_2017"], "r") as f:
        steps, posts = f["steps"][:], f["postings"][:]
        roles = categories(f, "roles")
        role_of = f["candidates/initial"]["role"][:]
        pstep, pwage, pstatus = f["panel/step"][:], f["panel/wage"][:], f["panel/status"][:]
    with h5py.File(paths["cv_boom_2017_no_budget_cap"], "r") as f:
        uncapped = f["steps"]["employed"][:]
    cv, llm = roles.index("cv_algorithm"), roles.index("llm_algorithm")
    year = steps["date"] // 100
    left = steps["inactive"]  # /steps counts the entered candidates only: the inactive have left the field
    print("year | CV postings/month | CV posted p50 | LLM posted p50 | CV earned p50 (last snapshot) "
          "| CV staff (last snapshot) | employed (mean) | employed without budget caps (mean) | unemployed (mean) "
          "| left the field (end of year)")
    for y in np.unique(year):
        s = steps["step"][year == y]
        in_year = np.isin(posts["step"], s)
        cvp, llmp = posts[in_year & (posts["role"] == cv)], posts[in_year & (posts["role"] == llm)]
        snaps = np.flatnonzero(np.isin(pstep, s))
        k = snaps[-1]
        earned = pwage[k][(pstatus[k] == EMPLOYED) & (role_of[: pwage.shape[1]] == cv)]
        print(f"{y} | {len(cvp) / len(s):,.0f} | {median(cvp['salary']):,.0f} | {median(llmp['salary']):,.0f} | "
              f"{median(earned):,.0f} ({steps['date'][pstep[k]]}) | {len(earned):,} | "
              f"{np.mean(steps['employed'][year == y]):,.0f} | {np.mean(uncapped[year == y]):,.0f} | "
              f"{np.mean(steps['unemployed'][year == y]):,.0f} | "
              f"{left[s[-1]]:,}")
    print(f"unemployed: {steps['unemployed'][0]:,} at {steps['date'][0]}, peak {steps['unemployed'].max():,} at "
          f"{steps['date'][np.argmax(steps['unemployed'])]}, {steps['unemployed'][-1]:,} at {steps['date'][-1]}")


def returnee_row(path):
    with h5py.File(path, "r") as f:
        scenario = tomllib.loads(f.attrs["scenario_toml"])
        steps, moves, emp_city = f["steps"][:], f["moves"][:], f["employers"]["city"][:]
    back = moves[(moves["from_status"] == ABROAD) & (emp_city[moves["to_employer"]] != ABROAD_CITY)]
    had_job = back[back["old_wage"] > 0]
    return (float(scenario["relocation"]["country_cost"]), int(np.sum(steps["returnees"])), len(back),
            median(back["new_wage"]), median(had_job["new_wage"] / had_job["old_wage"]), len(had_job))


def returnee_wave(paths):
    rows = sorted(returnee_row(p) for p in paths.values())
    months = None
    with h5py.File(next(iter(paths.values())), "r") as f:
        months = int(f.attrs["steps_written"])
    print(f"country_cost | returnees in {months} months | median new wage | "
          "median new / overseas wage (returnees with an overseas employer, n)")
    for cost, returnees, n, wage, ratio, n_job in rows:
        print(f"{cost:,.0f} | {returnees:,} | {wage:,.0f} | {ratio:.2f} ({n_job:,})")
    (c0, r0, *_), (c1, r1, *_) = rows[0], rows[-1]
    print(f"elasticity of returnees to the moving cost, {c0:,.0f} to {c1:,.0f}: "
          f"{np.log(r1 / r0) / np.log(c1 / c0):.2f}")


def enrollment_row(path):
    with h5py.File(path, "r") as f:
        scenario = tomllib.loads(f.attrs["scenario_toml"])
        steps, moves = f["steps"][:], f["moves"][:]
        entry, degree = f["candidates/initial"]["entry_step"][:], f["candidates/initial"]["degree"][:]
        degrees = categories(f, "degrees")
        pstep, pstatus = f["panel/step"][:], f["panel/status"][:]
    last = len(steps) - 1
    if not np.array_equal(pstep, np.arange(last + 1)) or pstatus.shape[1] != len(entry):
        raise ValueError(f"{path}: needs a panel of everyone every month (output.panel_every=1)")
    # The graduate cohorts: entrants who are students in the month they enter (the overseas inflow
    # enters abroad). They graduate 12 months after entering.
    entrants = np.flatnonzero(entry > 0)
    cohort = np.zeros(len(entry), dtype=bool)
    cohort[entrants] = pstatus[entry[entrants], entrants] == STUDENT
    graduated = cohort & (entry + 12 <= last)
    order = np.argsort(moves["step"], kind="stable")
    _, first = np.unique(moves["candidate"][order], return_index=True)
    firsts = moves[order[first]]
    hired = firsts[cohort[firsts["candidate"]]]
    start = {d: median(hired["new_wage"][degree[hired["candidate"]] == k]) for k, d in enumerate(degrees)}
    employed = {d: float(np.mean(pstatus[last][graduated & (degree == k)] == EMPLOYED)) for k, d in enumerate(degrees)}
    return int(scenario["population"]["graduates_per_year"]), start, employed, int(steps["unemployed"][-1])


ENROLLMENT_SEEDS = 5


def enrollment_expansion(paths):
    runs = {}  # (graduates a year, seed) -> row
    for name, path in paths.items():
        gpy, start, emp, unemployed = enrollment_row(path)
        b, m, p = start["bachelor"], start["master"], start["phd"]
        runs[gpy, int(name.rsplit("_", 1)[1])] = {
            "bachelor": b, "master": m, "phd": p, "master premium": m / b, "phd premium": p / b,
            "employed bachelor": emp["bachelor"], "employed master": emp["master"], "employed phd": emp["phd"],
            "unemployed": unemployed} | requirement_row(path)
    seeds = sorted({s for _, s in runs})
    low, high = sorted({g for g, _ in runs})
    print(f"seed {seeds[0]}:")
    print("graduates/year | median starting wage: bachelor / master / PhD | master / PhD premium | "
          "graduated entrants employed at the end: bachelor / master / PhD | unemployed at the end")
    for gpy in (low, high):
        r = runs[gpy, seeds[0]]
        print(f"{gpy:,} | {r['bachelor']:,.0f} / {r['master']:,.0f} / {r['phd']:,.0f} | "
              f"{r['master premium']:.2f} / {r['phd premium']:.2f} | {100 * r['employed bachelor']:.0f} % / "
              f"{100 * r['employed master']:.0f} % / {100 * r['employed phd']:.0f} % | {r['unemployed']:,}")
    print(f"{len(seeds)} seeds ({seeds[0]}..{seeds[-1]}): mean at {low:,} | mean at {high:,} | "
          f"{high:,} - {low:,} paired by seed [95 % t interval]")
    formats = {"bachelor": "{:,.0f}", "master": "{:,.0f}", "phd": "{:,.0f}", "master premium": "{:.3f}",
               "phd premium": "{:.3f}", "employed bachelor": "{:.3f}", "employed master": "{:.3f}",
               "employed phd": "{:.3f}", "unemployed": "{:,.0f}"}
    formats |= {key: "{:.3f}" for key in runs[low, seeds[0]] if key.startswith("postgraduate")}
    formats |= {key: "{:,.0f}" for key in runs[low, seeds[0]] if key.startswith("posted")}
    for key, fmt in formats.items():
        lo = np.array([runs[low, s][key] for s in seeds])
        hi = np.array([runs[high, s][key] for s in seeds])
        d, d_lo, d_hi, _ = paired_effect(hi, lo)
        dfmt = fmt.replace("{:", "{:+")
        print(f"{key:20s} | {fmt.format(np.mean(lo))} | {fmt.format(np.mean(hi))} | "
              f"{dfmt.format(d)} [{dfmt.format(d_lo)}, {dfmt.format(d_hi)}]")


def requirement_row(path):
    """The share of domestic postings requiring a master's or PhD (scripts/postgraduate_share.py) in
    the first and the last calendar year of the run, and the median posted salary of the last
    year's domestic postings requiring a bachelor's and a master's:
    {"postgraduate YYYY": share, "posted bachelor YYYY": median, "posted master YYYY": median}."""
    by_year = postgraduate_shares(path)
    first, last = min(by_year), max(by_year)
    with h5py.File(path, "r") as f:
        p = f["postings"][:]
        degrees, types = categories(f, "degrees"), categories(f, "employer_types")
    p = p[np.isin(p["employer_type"], [types.index(t) for t in DOMESTIC if t in types]) & (p["date"] // 100 == last)]
    out = {f"postgraduate {y}": float(by_year[y][0]) for y in (first, last)}
    for d in ("bachelor", "master"):
        out[f"posted {d} {last}"] = median(p["salary"][p["required_degree"] == degrees.index(d)])
    return out


def enrollment_variants():
    with open(ROOT / "scenarios" / "enrollment_expansion.toml", "rb") as fh:
        first = int(tomllib.load(fh)["scenario"]["seed"])
    out = {}
    for seed in range(first, first + ENROLLMENT_SEEDS):
        common = ["--seed", str(seed), "--set", "output.panel_every=1"]
        out[f"enrollment_expansion_4000_{seed}"] = common + ["--set", "population.graduates_per_year=4000"]
        out[f"enrollment_expansion_{seed}"] = common
    return out


SCENARIOS = {
    "cv_boom_2017": ({"cv_boom_2017": [], "cv_boom_2017_no_budget_cap": ["--set", "offers.budget_cap=false"]},
                     cv_boom),
    "returnee_wave": ({f"returnee_wave_{c}": ["--set", f"relocation.country_cost={c}"] for c in (200000, 800000)}
                      | {"returnee_wave": []}, returnee_wave),
    "enrollment_expansion": (enrollment_variants(), enrollment_expansion),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--dir", help="keep the runs here (reused when present)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--talentsim", default=os.environ.get("TALENTSIM_BINARY", str(ROOT / "build" / "talentsim")))
    a = ap.parse_args()
    variants, report = SCENARIOS[a.scenario]
    work = Path(a.dir) if a.dir else Path(tempfile.mkdtemp(prefix="scenario_figures_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        report(run_all(a.talentsim, a.scenario, variants, work, a.jobs))
    finally:
        if not a.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
