#!/usr/bin/env bash
# For a change that redraws random numbers on purpose but should keep their law (check_identical.sh
# is the check for changes that keep every number): runs one scenario with a baseline binary and
# with build/talentsim on seeds 1..N and prints, for some /steps columns, the mean over the seeds of
# each run's mean over its last 24 steps, with its standard error, for both builds, and their
# difference in standard errors of the difference (|z| above 3 in several columns: not the same law).
# Usage: scripts/check_same_law.sh BASELINE_BINARY [SCENARIO.toml] [SEEDS]   (default: the default
# scenario, 4 seeds; TALENTSIM_BINARY overrides build/talentsim; needs /usr/bin/python3 with h5py)
set -euo pipefail
cd "$(dirname "$0")/.."
baseline="${1:?usage: scripts/check_same_law.sh BASELINE_BINARY [SCENARIO.toml] [SEEDS]}"
scenario="${2:-scenarios/china_ai_2024.toml}"
seeds="${3:-4}"
candidate="${TALENTSIM_BINARY:-build/talentsim}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for seed in $(seq "$seeds"); do
    "$baseline" run "$scenario" --quiet --seed "$seed" --out "$tmp/baseline_$seed.h5"
    "$candidate" run "$scenario" --quiet --seed "$seed" --out "$tmp/candidate_$seed.h5"
done
/usr/bin/python3 - "$tmp" "$seeds" <<'PY'
import sys
import h5py
import numpy as np

tmp, seeds = sys.argv[1], int(sys.argv[2])
keys = ["searchers", "applications", "offers", "hires", "job_to_job_moves", "unemployed", "wage_p50", "wage_p90",
        "posted_mean"]
def means(build):
    rows = []
    for seed in range(1, seeds + 1):
        with h5py.File(f"{tmp}/{build}_{seed}.h5", "r") as f:
            rows.append([float(np.mean(np.asarray(f["steps"][k])[-24:])) for k in keys])
    rows = np.array(rows)
    return rows.mean(0), rows.std(0, ddof=1) / np.sqrt(seeds)
(mb, sb), (mc, sc) = means("baseline"), means("candidate")
print(f"| column | baseline | this build | z |\n|---|---|---|---|")
for k, a, ea, b, eb in zip(keys, mb, sb, mc, sc):
    z = (b - a) / np.hypot(ea, eb) if np.hypot(ea, eb) > 0 else 0.0
    print(f"| {k} | {a:.0f} ({ea:.0f}) | {b:.0f} ({eb:.0f}) | {z:+.2f} |")
PY
