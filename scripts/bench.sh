#!/usr/bin/env bash
# Performance benchmark (not a test): builds Release, runs `talentsim bench` on the default
# scenario's mechanisms scaled to 100k, 1M and 4M candidates for 120 steps on 1 and 2 threads,
# plus 1M candidates with HDF5 output on, and the Burdett-Mortensen job ladder
# (scenarios/validation/job_ladder.toml at 1,000,000 workers, 10,000 employers) side by side with
# a vectorised numpy implementation of the same model (bench/job_ladder_numpy.py), and writes
# docs/benchmarks.md.
# Usage: scripts/bench.sh [--quick | --job-ladder]
#   --quick: 100k and 1M only, 24 steps; prints, does not write docs
#   --job-ladder: only the job ladder comparison; prints it and updates its section of docs/benchmarks.md
# BENCH_REPETITIONS=N (default 2): runs per configuration; the fastest is reported.
# JOB_LADDER_REPETITIONS=N (default 3): interleaved runs of talentsim and numpy; the fastest of each.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh Release >/dev/null
steps=120; sizes=(100000 1000000 4000000); doc=docs/benchmarks.md; mode=full
if [ "${1:-}" = "--quick" ]; then steps=24; sizes=(100000 1000000); doc=""; fi
if [ "${1:-}" = "--job-ladder" ]; then mode=job_ladder; fi
raw=$(mktemp); out_dir=$(mktemp -d)
trap 'rm -rf "$raw" "$out_dir"' EXIT

# The job ladder, talentsim (2 and 1 threads) and numpy (1 thread) one after the other, repeated.
job_ladder() {
  local reps=${JOB_LADDER_REPETITIONS:-3} workers=1000000 firms=10000
  for rep in $(seq "$reps"); do
    for t in 2 1; do
      echo "bench job ladder ($rep/$reps): talentsim, $workers workers, $firms employers, $steps steps, $t thread(s)" >&2
      build/talentsim bench --scenario scenarios/validation/job_ladder.toml --candidates "$workers" \
        --set population.employers="$firms" --steps "$steps" --threads "$t" | sed 's/^{/{"case": "job_ladder", /' >> "$raw"
    done
    echo "bench job ladder ($rep/$reps): numpy, $workers workers, $firms firms, $steps steps, 1 thread" >&2
    /usr/bin/python3 bench/job_ladder_numpy.py --workers "$workers" --firms "$firms" --steps "$steps" --seed "$rep" >> "$raw"
  done
}

if [ "$mode" = job_ladder ]; then
  job_ladder
  /usr/bin/python3 scripts/bench_report.py "$raw" --job-ladder-only --out "$doc" \
    --command "JOB_LADDER_REPETITIONS=${JOB_LADDER_REPETITIONS:-3} scripts/bench.sh --job-ladder"
  exit 0
fi
reps=${BENCH_REPETITIONS:-2}   # each configuration runs this many times; the report keeps the fastest
for rep in $(seq "$reps"); do
  for n in "${sizes[@]}"; do
    for t in 1 2; do
      echo "bench ($rep/$reps): $n candidates, $steps steps, $t thread(s)" >&2
      build/talentsim bench --candidates "$n" --steps "$steps" --threads "$t" >> "$raw"
    done
  done
  echo "bench ($rep/$reps): 1000000 candidates, $steps steps, 2 threads, HDF5 output on" >&2
  build/talentsim bench --candidates 1000000 --steps "$steps" --threads 2 --out "$out_dir/bench.h5" >> "$raw"
done
job_ladder
/usr/bin/python3 scripts/bench_report.py "$raw" --command "scripts/bench.sh${1:+ $1}" ${doc:+--out "$doc"}
