#!/usr/bin/python3
"""The Burdett-Mortensen job ladder in vectorised numpy, one thread: the yardstick for talentsim.

Same model and size as `talentsim bench --scenario scenarios/validation/job_ladder.toml` in
scripts/bench.sh: each firm pays one fixed wage (lognormal, sigma 0.3); per step the employed
separate with probability delta, then every worker gets an offer with probability lambda0
(unemployed) or lambda1 (employed) from a uniformly drawn firm and takes it if the firm's wage
beats the current one. Prints one JSON line: workers, firms, steps, seconds (stepping loop only,
as talentsim bench), candidate_steps_per_second, and the unemployment rate against theory.

Usage: bench/job_ladder_numpy.py [--workers N] [--firms N] [--steps N] [--seed N]
"""
import argparse
import json
import time

import numpy as np


def job_ladder(workers, firms, steps, delta=0.05, lambda0=0.3, lambda1=0.2, sigma=0.3, u0=0.1, seed=1):
    rng = np.random.default_rng(seed)
    firm_wage = 500_000 * np.exp(sigma * rng.standard_normal(firms))
    employer = rng.integers(0, firms, workers)
    employer[rng.random(workers) < u0] = -1                      # -1: unemployed
    wage = np.where(employer >= 0, firm_wage[employer], 0.0)
    t0 = time.perf_counter()
    for _ in range(steps):
        quits = (employer >= 0) & (rng.random(workers) < delta)  # separations
        employer[quits] = -1
        wage[quits] = 0.0
        rate = np.where(employer >= 0, lambda1, lambda0)         # offer arrival
        searchers = np.flatnonzero(rng.random(workers) < rate)
        firm = rng.integers(0, firms, searchers.size)             # a uniformly drawn firm
        better = firm_wage[firm] > wage[searchers]                # take it if it pays more
        movers = searchers[better]
        employer[movers] = firm[better]
        wage[movers] = firm_wage[firm[better]]
    return time.perf_counter() - t0, float(np.mean(employer < 0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=1_000_000)
    ap.add_argument("--firms", type=int, default=10_000)
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    delta, lambda0 = 0.05, 0.3
    seconds, u = job_ladder(a.workers, a.firms, a.steps, delta=delta, lambda0=lambda0, seed=a.seed)
    # Steady state for this phase order: u = (u + (1 - u) delta)(1 - lambda0).
    theory = delta * (1 - lambda0) / (1 - (1 - delta) * (1 - lambda0))
    print(json.dumps({"implementation": "numpy", "numpy": np.__version__, "workers": a.workers, "firms": a.firms,
                      "steps": a.steps, "threads": 1, "seconds": round(seconds, 4),
                      "candidate_steps_per_second": a.workers * a.steps / seconds,
                      "unemployment": round(u, 5), "unemployment_theory": round(theory, 5)}))


if __name__ == "__main__":
    main()
