#!/usr/bin/env bash
# Starts a single-node Slurm on loopback in DIR: munged with its own key and socket, slurmctld,
# slurmd, all as background processes that tests/slurm/stop.sh DIR ends again (by the pids they
# record in DIR). Needs root, munge and slurm-wlm (scripts/install-deps.sh). On success it prints
# the path of DIR/slurm.conf; point SLURM_CONF at it for sbatch, squeue, scontrol.
# Usage: tests/slurm/start.sh DIR
set -euo pipefail
dir=$(realpath -m "${1:?usage: start.sh DIR}")
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
chmod 700 "$dir" "$dir/munge"

fail() {
  echo "slurm start: $*" >&2
  for f in munged.log slurmctld.log slurmd.log; do
    [ -s "$dir/$f" ] && { echo "--- $dir/$f (tail)" >&2; tail -n 25 "$dir/$f" >&2; }
  done
  exit 1
}
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local t=$1 what=$2; shift 2
  for _ in $(seq $((t * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  fail "timed out after ${t}s waiting for $what"
}

for tool in munged slurmctld slurmd sbatch sinfo scontrol; do
  command -v "$tool" >/dev/null || fail "$tool not found (install slurm-wlm and munge: scripts/install-deps.sh)"
done
[ "$(id -u)" -eq 0 ] || fail "must run as root (slurmd starts jobs as their user)"

# munge: a fresh key and a private socket.
if command -v mungekey >/dev/null; then
  mungekey --create --keyfile="$dir/munge/munge.key" --force >/dev/null 2>&1 || \
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
else
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 600 "$dir/munge/munge.key"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/munged.seed" \
  || fail "munged did not start"
wait_for 10 "the munge socket" test -S "$dir/munge/munge.socket"

# Two free TCP ports on loopback.
read -r ctld_port slurmd_port < <(/usr/bin/python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')

host=$(hostname -s)
node=$host
cpus=$(nproc)
sed -e "s|@DIR@|$dir|g" -e "s|@HOST@|$host|g" -e "s|@NODE@|$node|g" -e "s|@CPUS@|$cpus|g" \
    -e "s|@CTLD_PORT@|$ctld_port|g" -e "s|@SLURMD_PORT@|$slurmd_port|g" \
    "$here/slurm.conf.in" > "$dir/slurm.conf"
# slurmd insists on a cgroup.conf being readable only when cgroup plugins are used; none are.
export SLURM_CONF="$dir/slurm.conf"

slurmctld -c -f "$SLURM_CONF" || fail "slurmctld did not start"
wait_for 20 "slurmctld" scontrol ping
slurmd -f "$SLURM_CONF" -N "$node" || fail "slurmd did not start"
idle() { sinfo -h -N -o '%T' | grep -qE '^(idle|mixed|allocated)'; }
wait_for 30 "the node to become idle" idle
echo "$SLURM_CONF"
