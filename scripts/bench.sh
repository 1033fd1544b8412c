#!/usr/bin/env bash
# Performance benchmark (not a test): builds Release, runs `talentsim bench` on the default
# scenario's mechanisms scaled to 100k, 1M and 4M candidates for 120 steps on 1 and 2 threads,
# plus 1M candidates with HDF5 output on, and writes docs/benchmarks.md.
# Usage: scripts/bench.sh [--quick]   (--quick: 100k and 1M only, 24 steps; prints, does not write docs)
# BENCH_REPETITIONS=N (default 2): runs per configuration; the fastest is reported.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh Release >/dev/null
steps=120; sizes=(100000 1000000 4000000); doc=docs/benchmarks.md
if [ "${1:-}" = "--quick" ]; then steps=24; sizes=(100000 1000000); doc=""; fi
raw=$(mktemp); out_dir=$(mktemp -d)
trap 'rm -rf "$raw" "$out_dir"' EXIT
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
/usr/bin/python3 scripts/bench_report.py "$raw" --command "scripts/bench.sh${1:+ $1}" ${doc:+--out "$doc"}
