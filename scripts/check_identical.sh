#!/usr/bin/env bash
# Runs one scenario with a baseline binary and with build/talentsim and compares the two result
# files dataset by dataset with h5diff (hdf5-tools). Root attributes are compared too, except the
# ones that name the program build (talentsim_version carries the git hash).
# Usage: scripts/check_identical.sh BASELINE_BINARY [SCENARIO.toml] [SEED] [extra run options...]
# Both runs use TALENTSIM_THREADS threads (default 2). Exit 0 when every dataset and attribute is
# identical, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
baseline="${1:?usage: scripts/check_identical.sh BASELINE_BINARY [SCENARIO.toml] [SEED]}"
scenario="${2:-scenarios/china_ai_2024.toml}"
seed="${3:-7}"
shift $(( $# < 3 ? $# : 3 ))
candidate="${TALENTSIM_BINARY:-build/talentsim}"
threads="${TALENTSIM_THREADS:-2}"
ignored_attributes=" talentsim_version "

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$baseline" run "$scenario" --quiet --seed "$seed" --threads "$threads" --out "$tmp/baseline.h5" "$@"
"$candidate" run "$scenario" --quiet --seed "$seed" --threads "$threads" --out "$tmp/candidate.h5" "$@"

datasets() { h5ls -r "$1" | awk '$2 == "Dataset" {print $1}' | sort; }
if ! diff <(datasets "$tmp/baseline.h5") <(datasets "$tmp/candidate.h5") >/dev/null; then
  echo "check_identical: the files hold different datasets:" >&2
  diff <(datasets "$tmp/baseline.h5") <(datasets "$tmp/candidate.h5") >&2 || true
  exit 1
fi

failed=0
count=0
for d in $(datasets "$tmp/baseline.h5"); do
  count=$((count + 1))
  if ! h5diff -q "$tmp/baseline.h5" "$tmp/candidate.h5" "$d" "$d" >/dev/null 2>&1; then
    echo "check_identical: dataset $d differs" >&2
    failed=1
  fi
done

root_attributes() { h5dump -A -H "$1" | awk '/^   ATTRIBUTE/ {gsub(/"/, "", $2); print $2}' | sort; }
attributes=0
for a in $(root_attributes "$tmp/baseline.h5"); do
  case "$ignored_attributes" in *" $a "*) continue ;; esac
  attributes=$((attributes + 1))
  if ! diff <(h5dump -a "/$a" "$tmp/baseline.h5" | tail -n +2) \
            <(h5dump -a "/$a" "$tmp/candidate.h5" | tail -n +2) >/dev/null; then
    echo "check_identical: root attribute $a differs" >&2
    failed=1
  fi
done
if [ "$failed" -ne 0 ]; then
  echo "check_identical: $scenario seed $seed: DIFFERENT" >&2
  exit 1
fi
echo "check_identical: $scenario seed $seed, $threads threads: $count datasets and $attributes root attributes identical" \
     "(ignored: ${ignored_attributes# })"
