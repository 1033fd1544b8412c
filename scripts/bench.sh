#!/usr/bin/env bash
# Performance benchmark (not a test): builds Release, runs `talentsim bench` on the default
# scenario's mechanisms scaled to 100k, 1M and 4M candidates for 120 steps on 1 and 2 threads,
# plus 1M candidates with HDF5 output on, and the Burdett-Mortensen job ladder
# (scenarios/validation/job_ladder.toml at 1,000,000 workers, 10,000 employers) side by side with
# a vectorised numpy implementation of the same model (bench/job_ladder_numpy.py), and writes
# its sections of docs/benchmarks.md (the intro, job ladder, throughput, phases, physical floors, output, goals,
# definitions, sweeps), each in place; the list of performance rounds and other sections stay as they are.
# It also times a sweep (bench/sweep_default.toml: 16 runs of the default scenario) and a
# calibration with a tiny budget (bench/calibrate_default.toml) on 2 cores, as runs (evaluations)
# per hour, with where the time goes.
# Usage: scripts/bench.sh [--quick | --job-ladder | --sweep]
#   --quick: 100k and 1M only, 24 steps; prints, does not write docs
#   --job-ladder: only the job ladder comparison; prints it and updates its section of docs/benchmarks.md
#   --sweep: only the sweep and calibration; prints them and updates their section of docs/benchmarks.md
# BENCH_REPETITIONS=N (default 3): runs per configuration; the fastest is reported.
# JOB_LADDER_REPETITIONS=N (default 3): interleaved runs of talentsim and numpy; the fastest of each.
# SWEEP_REPETITIONS=N (default 3): interleaved sweeps and calibrations; the fastest of each.
# SWEEP_BASELINE=COMMIT: also time talentsim as of COMMIT (built once, target talentsim only, in
#   BASELINE_BUILD_DIR, default /tmp/talentsim-base-COMMIT), interleaved with this build.
# SWEEP_INPUTS=COMMIT: both builds run bench/ and scenarios/ as of COMMIT (from `git archive`)
#   instead of today's: for a baseline that does not read today's default scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh Release >/dev/null
steps=120; sizes=(100000 1000000 4000000); doc=docs/benchmarks.md; mode=full
if [ "${1:-}" = "--quick" ]; then steps=24; sizes=(100000 1000000); doc=""; fi
if [ "${1:-}" = "--job-ladder" ]; then mode=job_ladder; fi
if [ "${1:-}" = "--sweep" ]; then mode=sweep; fi
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

# talentsim as of commit $1, built once (target talentsim only) from `git archive` of that commit.
baseline_binary() {
  local commit bdir src
  commit=$(git rev-parse --short=12 "$1")
  bdir=${BASELINE_BUILD_DIR:-${TMPDIR:-/tmp}/talentsim-base-$commit}
  if [ ! -x "$bdir/talentsim" ]; then
    src="$bdir-src"
    rm -rf "$src" && mkdir -p "$src" && git archive "$commit" | tar -x -C "$src"
    echo "bench sweep: building the baseline $commit in $bdir" >&2
    cmake -S "$src" -B "$bdir" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$bdir" -j"$(nproc)" --target talentsim >/dev/null
  fi
  echo "$bdir/talentsim"
}

now() { date +%s.%N; }
minus() { awk "BEGIN { print $1 - $2 }"; }
# Fastest of 5 runs of a command's wall time (seconds).
fastest() {
  local t0
  for _ in 1 2 3 4 5; do
    t0=$(now); "$@" >/dev/null 2>&1 || true; minus "$(now)" "$t0"
  done | sort -g | head -1
}

# The sweep and the calibration of the default scenario, with each binary in turn, repeated.
sweep_bench() {
  local reps=${SWEEP_REPETITIONS:-3} bins=(build/talentsim) labels=(current) commits
  commits=("$(git rev-parse --short=12 HEAD)$(git diff --quiet HEAD -- src || echo +changes)")
  if [ -n "${SWEEP_BASELINE:-}" ]; then
    bins=("$(baseline_binary "$SWEEP_BASELINE")" "${bins[@]}"); labels=(baseline "${labels[@]}")
    commits=("$(git rev-parse --short=12 "$SWEEP_BASELINE")" "${commits[@]}")
  fi
  local inputs=.  # where bench/ and scenarios/ are read from
  if [ -n "${SWEEP_INPUTS:-}" ]; then
    inputs="$out_dir/inputs"; mkdir -p "$inputs"
    git archive "$SWEEP_INPUTS" bench scenarios | tar -x -C "$inputs"
  fi
  local sweep_file="$inputs/bench/sweep_default.toml" calibrate_file="$inputs/bench/calibrate_default.toml"
  # Both builds must read the sweep and its base scenario, which the calibration shares: an older
  # baseline may not know keys the scenario has since gained.
  for i in "${!bins[@]}"; do
    if ! "${bins[$i]}" sweep plan "$sweep_file" >/dev/null 2>"$out_dir/check.err"; then
      echo "bench.sh: the ${labels[$i]} build (${commits[$i]}) cannot read ${sweep_file#"$out_dir"/inputs/}:" >&2
      head -5 "$out_dir/check.err" >&2
      echo "bench.sh: choose a SWEEP_BASELINE that reads these scenarios, or SWEEP_INPUTS=COMMIT to run" \
        "those of a commit it reads; nothing was timed" >&2
      exit 1
    fi
  done
  for rep in $(seq "$reps"); do
    for i in "${!bins[@]}"; do
      local bin=${bins[$i]} d="$out_dir/${labels[$i]}-$rep" t0 wall merge_s startup plan rc
      startup=$(fastest "$bin" --version)
      plan=$(fastest "$bin" sweep plan "$sweep_file")
      echo "bench sweep ($rep/$reps): ${labels[$i]}, bench/sweep_default.toml (16 runs), --jobs 2" >&2
      t0=$(now); rc=0
      /usr/bin/time -o "$d.cpu" -f "%U %S" "$bin" sweep run "$sweep_file" --out "$d/sweep" --jobs 2 --quiet \
        >/dev/null || rc=$?
      wall=$(minus "$(now)" "$t0"); cpu=$(awk '{ print $1 + $2 }' "$d.cpu")
      t0=$(now); "$bin" sweep merge "$d/sweep" >/dev/null || true; merge_s=$(minus "$(now)" "$t0")
      /usr/bin/python3 bench/sweep_timing.py "$d/sweep" case=sweep binary="${labels[$i]}" commit="${commits[$i]}" \
        wall_seconds="$wall" cpu_seconds="$cpu" merge_seconds="$merge_s" startup_seconds="$startup" plan_seconds="$plan" \
        exit="$rc" >> "$raw"
      echo "bench calibrate ($rep/$reps): ${labels[$i]}, bench/calibrate_default.toml, --jobs 2" >&2
      t0=$(now); rc=0
      /usr/bin/time -o "$d.cpu" -f "%U %S" "$bin" calibrate "$calibrate_file" --out "$d/calibrate" \
        --jobs 2 >/dev/null 2>&1 || rc=$?
      wall=$(minus "$(now)" "$t0"); cpu=$(awk '{ print $1 + $2 }' "$d.cpu")
      /usr/bin/python3 bench/sweep_timing.py "$d/calibrate" case=calibrate binary="${labels[$i]}" \
        commit="${commits[$i]}" wall_seconds="$wall" cpu_seconds="$cpu" startup_seconds="$startup" exit="$rc" >> "$raw"
      rm -rf "$d" "$d.cpu"
    done
  done
}

if [ "$mode" = sweep ]; then
  sweep_bench
  /usr/bin/python3 scripts/bench_report.py "$raw" --sweep-only --out "$doc" \
    ${SWEEP_INPUTS:+--inputs "$(git rev-parse --short=12 "$SWEEP_INPUTS")"} \
    --command "SWEEP_REPETITIONS=${SWEEP_REPETITIONS:-3}${SWEEP_BASELINE:+ SWEEP_BASELINE=$SWEEP_BASELINE}${SWEEP_INPUTS:+ SWEEP_INPUTS=$SWEEP_INPUTS} scripts/bench.sh --sweep"
  exit 0
fi
if [ "$mode" = job_ladder ]; then
  job_ladder
  /usr/bin/python3 scripts/bench_report.py "$raw" --job-ladder-only --out "$doc" \
    --command "JOB_LADDER_REPETITIONS=${JOB_LADDER_REPETITIONS:-3} scripts/bench.sh --job-ladder"
  exit 0
fi
reps=${BENCH_REPETITIONS:-3}   # each configuration runs this many times; the report keeps the fastest
for rep in $(seq "$reps"); do
  for n in "${sizes[@]}"; do
    for t in 1 2; do
      echo "bench ($rep/$reps): $n candidates, $steps steps, $t thread(s)" >&2
      build/talentsim bench --candidates "$n" --steps "$steps" --threads "$t" >> "$raw"
    done
  done
  echo "bench ($rep/$reps): 1000000 candidates, $steps steps, 2 threads, HDF5 output on" >&2
  rm -f "$out_dir/bench.h5"  # (the last repetition's: bench, as run, replaces no file without --force)
  build/talentsim bench --candidates 1000000 --steps "$steps" --threads 2 --out "$out_dir/bench.h5" >> "$raw"
done
job_ladder
[ -z "$doc" ] || sweep_bench
settings=""  # the command as run, with the settings that change what it measures
for v in BENCH_REPETITIONS JOB_LADDER_REPETITIONS SWEEP_REPETITIONS SWEEP_BASELINE SWEEP_INPUTS; do
  [ -z "${!v:-}" ] || settings+="$v=${!v} "
done
/usr/bin/python3 scripts/bench_report.py "$raw" --command "${settings}scripts/bench.sh${1:+ $1}" ${doc:+--out "$doc"} \
  ${SWEEP_INPUTS:+--inputs "$(git rev-parse --short=12 "$SWEEP_INPUTS")"}
