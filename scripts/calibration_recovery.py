#!/usr/bin/python3
"""Parameter recovery and the calibration benchmark (docs/calibrate.md, docs/benchmarks.md).

For each of several target-generating seeds: runs the model at known parameters (the recovery
problem of tests/sweep/test_calibrate.cpp: base wage 520,000 and on-the-job search intensity 0.12
in a 1,500-candidate market), writes targets from that run, calibrates from the bounds with
`talentsim calibrate`, and records the estimates and their standard errors. Then:

- coverage: how often the truth is within 2 reported s.e., and the spread (sd) of the estimates
  across seeds against the mean reported s.e. (they should agree);
- benchmark: evaluations until the best point so far is within 2 s.e. of the truth in every
  parameter, for the calibration (global + local stage) and for random search over the same bounds
  with the same seeds and budget (`talentsim sweep run`, design random, same loss).

    /usr/bin/python3 scripts/calibration_recovery.py [--seeds 8] [--talentsim build/talentsim] [--work DIR]
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tomllib

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIO = os.path.join(ROOT, "scenarios", "minimal.toml")
SET = ["population.candidates=1500", "population.employers=60", "population.abroad_share=0.0", "scenario.steps=12"]
TRUE = {"base_wage": 520000.0, "on_the_job_search": 0.12}
KEYS = {"base_wage": "roles.llm_algorithm.base_wage", "on_the_job_search": "search.employed_intensity"}
BOUNDS = {"base_wage": (300000.0, 900000.0, "log"), "on_the_job_search": (0.02, 0.4, "linear")}
STATS = [("posted_mean", 'statistic = "mean"\ntable = "postings"\n'),
         ("posted_p90", 'statistic = "quantile"\ntable = "postings"\nq = 0.9\n'),
         ("moves_per_month", 'statistic = "mean"\ntable = "steps"\nfield = "job_to_job_moves"\n'),
         ("hires_per_month", 'statistic = "mean"\ntable = "steps"\nfield = "hires"\n')]
SEEDS_PER_EVAL = 6


def run(cmd):
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"calibration_recovery: {' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r.stdout


def targets_text(values):
    out = '[targets]\nname = "recovery"\n'
    for (name, stat), v in zip(STATS, values):
        out += (f'[[target]]\nname = "{name}"\nsource = "the model at known parameters"\n{stat}'
                f"value = {v!r}\nband = [{v * 0.95!r}, {v * 1.05!r}]\n[target.filter]\nsteps = [2, 11]\n")
    return out


def make_targets(tool, work, seed):
    template = os.path.join(work, "template.toml")
    with open(template, "w") as f:
        f.write(targets_text([1.0] * len(STATS)))
    h5 = os.path.join(work, f"truth_{seed}.h5")
    cmd = [tool, "run", SCENARIO, "--quiet", "--seed", str(seed), "--out", h5]
    for s in SET + [f"{KEYS[k]}={v!r}" for k, v in TRUE.items()]:
        cmd += ["--set", s]
    run(cmd)
    js = os.path.join(work, f"truth_{seed}.json")
    run([tool, "compare", h5, "--targets", template, "--json", js])
    with open(js) as f:
        values = [t["simulated_mean"] for t in json.load(f)["targets"]]
    path = os.path.join(work, f"targets_{seed}.toml")
    with open(path, "w") as f:
        f.write(targets_text(values))
    return path


def calibrate(tool, work, seed, targets, budget):
    text = (f'[calibration]\nname = "recovery_{seed}"\nscenario = "{SCENARIO}"\n'
            f"set = {json.dumps(SET)}\nseed = {seed + 1000}\nseeds = {SEEDS_PER_EVAL}\n")
    for name, (lo, hi, scale) in BOUNDS.items():
        text += f'[[parameters]]\nname = "{name}"\nkey = "{KEYS[name]}"\nbounds = [{lo!r}, {hi!r}]\nscale = "{scale}"\n'
    text += f'[[targets]]\nfile = "{targets}"\n[method]\nbudget = {budget}\n[inference]\nprofile_points = 0\n'
    path = os.path.join(work, f"cal_{seed}.toml")
    with open(path, "w") as f:
        f.write(text)
    out = os.path.join(work, f"cal_{seed}")
    run([tool, "calibrate", path, "--out", out, "--jobs", "2", "--quiet"])
    with h5py.File(os.path.join(out, "calibration.h5"), "r") as f:
        stage = [s.decode() if isinstance(s, bytes) else s for s in f["evaluations/stage"][()]]
        opt = [i for i, s in enumerate(stage) if s in ("global", "local")]
        return {"estimate": f["estimate/value"][()], "se": f["estimate/se"][()],
                "path": f["evaluations/parameters"][()][opt], "loss": f["evaluations/loss"][()][opt],
                "j_pvalue": f["inference"].attrs["j_pvalue"]}


def random_search(tool, work, seed, targets, n):
    text = (f'[sweep]\nname = "random_{seed}"\nscenario = "{SCENARIO}"\nseed = {seed + 1000}\n'
            f'replicates = {SEEDS_PER_EVAL}\nseeds = "common"\nset = {json.dumps(SET)}\n'
            f'[design]\nkind = "random"\npoints = {n}\n')
    for name, (lo, hi, scale) in BOUNDS.items():
        text += (f'[[parameters]]\nname = "{name}"\nkey = "{KEYS[name]}"\n'
                 f'{"log_range" if scale == "log" else "range"} = [{lo!r}, {hi!r}]\n')
    text += f'[metrics]\nbuiltin = []\ntargets = ["{targets}"]\n'
    path = os.path.join(work, f"random_{seed}.toml")
    with open(path, "w") as f:
        f.write(text)
    out = os.path.join(work, f"random_{seed}")
    run([tool, "sweep", "run", path, "--out", out, "--jobs", "2", "--quiet"])
    with h5py.File(os.path.join(out, "sweep.h5"), "r") as f:
        x = np.column_stack([f[f"points/parameters/{k}"][()] for k in BOUNDS])
        # The calibration's loss: squared distances of the replicate means (docs/compare.md).
        with open(targets, "rb") as t:
            spec = tomllib.load(t)["target"]
        stem = os.path.splitext(os.path.basename(targets))[0]
        loss = np.zeros(len(x))
        for tg in spec:
            lo, hi = tg["band"]
            m = f[f"points/mean/target.{stem}.{tg['name']}"][()]
            loss += ((m - tg["value"]) / (0.5 * (hi - lo))) ** 2
    return x, loss


def first_within(path, loss, se):
    best = math.inf
    for i, (x, l) in enumerate(zip(path, loss)):
        if l < best:
            best = l
            ok = all(abs(x[j] - TRUE[k]) <= 2 * se[j] for j, k in enumerate(BOUNDS))
            if ok:
                return i + 1
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--budget", type=int, default=40)
    ap.add_argument("--talentsim", default=os.path.join(ROOT, "build", "talentsim"))
    ap.add_argument("--work", default=os.path.join(ROOT, "results", "calibration_recovery"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    rows = []
    for seed in range(101, 101 + a.seeds):
        targets = make_targets(a.talentsim, a.work, seed)
        cal = calibrate(a.talentsim, a.work, seed, targets, a.budget)
        n = len(cal["loss"])
        x, loss = random_search(a.talentsim, a.work, seed, targets, n)
        rows.append((seed, cal, first_within(cal["path"], cal["loss"], cal["se"]), n,
                     first_within(x, loss, cal["se"]), float(np.min(loss)), float(np.min(cal["loss"]))))
        print(f"seed {seed}: estimate {cal['estimate']}, s.e. {cal['se']}, J p-value {cal['j_pvalue']:.3f}; "
              f"calibrate reaches 2 s.e. at evaluation {rows[-1][2]} of {n} (best loss {rows[-1][6]:.3g}), "
              f"random search at {rows[-1][4]} of {n} (best loss {rows[-1][5]:.3g})", flush=True)
    est = np.array([r[1]["estimate"] for r in rows])
    se = np.array([r[1]["se"] for r in rows])
    print("\nparameter           truth       mean estimate  sd of estimates  mean s.e.  within 2 s.e.")
    for j, k in enumerate(BOUNDS):
        within = int(np.sum(np.abs(est[:, j] - TRUE[k]) <= 2 * se[:, j]))
        print(f"{k:18s} {TRUE[k]:10.4g} {np.mean(est[:, j]):14.5g} {np.std(est[:, j], ddof=1):16.4g} "
              f"{np.mean(se[:, j]):10.4g}  {within} of {len(rows)}")
    cal_n = [r[2] for r in rows]
    rnd_n = [r[4] for r in rows]
    fmt = lambda v: "not reached" if v is None else str(v)  # noqa: E731
    print("\nevaluations to reach 2 s.e. of the truth: calibrate " + ", ".join(map(fmt, cal_n)) +
          "; random search " + ", ".join(map(fmt, rnd_n)))
    reached = [v for v in cal_n if v is not None]
    print(f"calibrate: reached in {len(reached)} of {len(rows)}, median {np.median(reached) if reached else 'n/a'}; "
          f"random search (same budget): reached in {sum(v is not None for v in rnd_n)} of {len(rows)}")


if __name__ == "__main__":
    main()
