#!/usr/bin/env bash
# Before/after of an engine change on a loaded machine: runs a baseline binary and build/talentsim
# interleaved (baseline, candidate, baseline, ...) on the job ladder and on the default model at 1M
# candidates (1 and 2 threads each), and prints the fastest run of each with the ratio, then the
# phases' milliseconds a step in those runs (phases of at least 0.1 ms in either).
# Usage: scripts/bench_compare.sh BASELINE_BINARY [REPETITIONS (3)] [STEPS (60)]
set -euo pipefail
cd "$(dirname "$0")/.."
baseline="${1:?usage: scripts/bench_compare.sh BASELINE_BINARY [REPETITIONS] [STEPS]}"
reps="${2:-3}"; steps="${3:-60}"
raw=$(mktemp); trap 'rm -f "$raw"' EXIT
for rep in $(seq "$reps"); do
  for bin in "$baseline" build/talentsim; do
    echo "bench_compare ($rep/$reps): $bin" >&2
    name=$([ "$bin" = "$baseline" ] && echo baseline || echo candidate)
    for t in 1 2; do
      "$bin" bench --scenario scenarios/validation/job_ladder.toml --candidates 1000000 \
        --set population.employers=10000 --steps "$steps" --threads "$t" | sed "s/^{/{\"binary\": \"$name\", \"case\": \"job_ladder\", /" >> "$raw"
      "$bin" bench --candidates 1000000 --steps "$steps" --threads "$t" | sed "s/^{/{\"binary\": \"$name\", \"case\": \"default\", /" >> "$raw"
    done
  done
done
/usr/bin/python3 - "$raw" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
best = {}
for r in rows:
    k = (r["case"], r["threads"], r["binary"])
    if k not in best or r["run_seconds"] < best[k]["run_seconds"]:
        best[k] = r
print("| case | threads | baseline candidate-steps/s | candidate | candidate / baseline |")
print("|---|---|---|---|---|")
for case, t in sorted({(k[0], k[1]) for k in best}):
    b, c = best[(case, t, "baseline")], best[(case, t, "candidate")]
    rb, rc = b["candidate_steps_per_second"], c["candidate_steps_per_second"]
    print("| %s | %d | %.2fM | %.2fM | %.2f |" % (case, t, rb / 1e6, rc / 1e6, rc / rb))
for case in ("default", "job_ladder"):
    for name in ("baseline", "candidate"):
        if (case, 1, name) in best and (case, 2, name) in best:
            s = best[(case, 1, name)]["run_seconds"] / best[(case, 2, name)]["run_seconds"]
            print("speed-up 1 -> 2 threads, %s, %s: %.2f" % (case, name, s))
print()
print("| case | threads | phase | baseline ms a step | candidate ms a step |")
print("|---|---|---|---|---|")
for case, t in sorted({(k[0], k[1]) for k in best}):
    b, c = best[(case, t, "baseline")], best[(case, t, "candidate")]
    for phase in c["phases"]:
        mb = 1e3 * b["phases"].get(phase, 0.0) / b["steps"]
        mc = 1e3 * c["phases"][phase] / c["steps"]
        if max(mb, mc) >= 0.1:
            print("| %s | %d | %s | %.2f | %.2f |" % (case, t, phase, mb, mc))
for name in ("baseline", "candidate"):
    r = best.get(("default", 2, name))
    if r:
        print("%s, default 1M, 2 threads: peak RSS %.0f bytes/candidate slot, state %.0f bytes/slot, "
              "one streaming copy of the state %.1f ms; phases (s): %s" % (
              name, r["peak_rss_bytes"] / r["candidate_slots"], r["state_bytes_per_candidate"],
              1e3 * r["stream_copy_seconds"], {k: round(v, 2) for k, v in r["phases"].items()}))
PY
