#!/usr/bin/env bash
# Stops what tests/slurm/start.sh DIR started: slurmd, slurmctld, munged, by the pids recorded
# in DIR (never by name). Safe to call more than once and after a failed start.
# Usage: tests/slurm/stop.sh DIR
dir=$(realpath -m "${1:?usage: stop.sh DIR}")
stop_pid() {  # stop_pid PIDFILE
  local f=$1 pid
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  return 0
}
if [ -f "$dir/slurm.conf" ] && [ -s "$dir/slurmctld.pid" ]; then
  SLURM_CONF="$dir/slurm.conf" timeout 10 scancel --full --quiet --user=root 2>/dev/null || true
fi
stop_pid "$dir/slurmd.pid"
stop_pid "$dir/slurmctld.pid"
stop_pid "$dir/munged.pid"
rm -f "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munged.pid"
exit 0
