#!/usr/bin/env bash
# Reliability step of CI (docs/reliability.md), called by scripts/test.sh after the normal build
# and test run:
#   1. an AddressSanitizer + UndefinedBehaviorSanitizer build (clang, RelWithDebInfo) runs the
#      test suite's "quick" label (everything but the multi-second [slow] process tests);
#   2. the libFuzzer targets of tests/fuzz run a fixed number of inputs each with a fixed seed
#      (TALENTSIM_FUZZ_RUNS, default 100000 for the scenario parser, a quarter of it for the
#      overrides, an eighth for sweeps: about a minute on two cores), capped at
#      TALENTSIM_FUZZ_SECONDS of wall time (default 180), seeded with the shipped scenario and
#      sweep files. A fixed seed and a fixed count make every CI run try the same inputs on any
#      machine; TALENTSIM_FUZZ_SEED=0 explores instead (a fresh seed, time-bounded only).
# A fuzzer finding is copied to tests/fuzz/regressions/<target>/ (commit it: the normal test
# suite replays that directory) and fails the step.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build=${TALENTSIM_ASAN_BUILD:-build-asan}
seconds=${TALENTSIM_FUZZ_SECONDS:-180}
# A fixed libFuzzer seed and a fixed number of inputs, so that CI mutates the same inputs in the
# same order on every run and machine (a time budget lets a faster machine go further, and a
# finding came and went with the machine's speed); TALENTSIM_FUZZ_SEED=0 draws a fresh seed and
# runs until the time budget (explore).
fuzz_seed=${TALENTSIM_FUZZ_SEED:-1}
runs=${TALENTSIM_FUZZ_RUNS:-100000}
if [ "$fuzz_seed" = 0 ]; then runs=-1; fi
jobs=$(nproc)

echo "== reliability: sanitizer build ($build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DTALENTSIM_SANITIZE=ON -DTALENTSIM_FUZZ=ON >/dev/null
cmake --build "$build" -j"$jobs"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$root/tests/reliability/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
echo "== reliability: test suite under ASan + UBSan (ctest label quick)"
(cd "$build" && ctest --output-on-failure -j"$jobs" -L quick --timeout 600)

if [ "$runs" = -1 ]; then
  echo "== reliability: fuzzing the parsers for ${seconds}s (fresh seed)"
else
  echo "== reliability: fuzzing the parsers, $runs inputs (seed $fuzz_seed, at most ${seconds}s)"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fuzz() {  # target runs seconds seed-dir...
  local target=$1 n=$2 secs=$3
  shift 3
  mkdir -p "$work/$target/corpus" "$work/$target/found"
  if ! "$build/tests/fuzz/$target" -runs="$n" -max_total_time="$secs" -seed="$fuzz_seed" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
         -print_final_stats=1 -artifact_prefix="$work/$target/found/" "$work/$target/corpus" "$@" \
         >"$work/$target.log" 2>&1; then
    tail -n 60 "$work/$target.log"
    mkdir -p "tests/fuzz/regressions/${target#fuzz_}"
    for f in "$work/$target/found"/*; do
      [ -e "$f" ] || continue
      cp "$f" "tests/fuzz/regressions/${target#fuzz_}/$(basename "$f")"
      echo "reliability: $target found $(basename "$f"); kept in tests/fuzz/regressions/${target#fuzz_}/" >&2
    done
    return 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$target.log" | sed "s/^/  $target /"
}
status=0
half=$((seconds / 2))
quarter=$runs eighth=$runs
if [ "$runs" != -1 ]; then quarter=$((runs / 4)); eighth=$((runs / 8)); fi
# Two cores: the scenario parser on one, overrides then sweeps beside it.
fuzz fuzz_scenario "$runs" "$seconds" scenarios tests/fuzz/regressions & scenario_pid=$!
{ fuzz fuzz_overrides "$quarter" "$half" tests/fuzz/overrides &&
  fuzz fuzz_sweep "$eighth" "$((seconds - half))" scenarios/sweeps; } || status=1
wait "$scenario_pid" || status=1
exit $status
