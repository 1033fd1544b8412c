#!/usr/bin/env bash
# Installs every Debian package talentsim needs to build, test and plot.
# Idempotent: packages already present are skipped. Run as root (or with sudo available).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libboost-dev libboost-program-options-dev
  libtbb-dev
  libhdf5-dev hdf5-tools zlib1g-dev
  catch2
  libtomlplusplus-dev
  nlohmann-json3-dev
  python3 python3-numpy python3-h5py python3-matplotlib python3-scipy
  clang libclang-rt-dev          # sanitizer build and libFuzzer (tests/reliability/ci.sh)
  slurm-wlm munge
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
