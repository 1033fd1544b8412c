#!/usr/bin/env bash
# Configures and builds talentsim into build/ (Release by default).
# Usage: scripts/build.sh [BUILD_TYPE [TARGET ...]]: every target, or only those named (e.g. talentsim).
set -euo pipefail
cd "$(dirname "$0")/.."
build_type="${1:-Release}"
build_dir="${TALENTSIM_BUILD_DIR:-build}"
targets=()
for t in "${@:2}"; do targets+=(--target "$t"); done
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" ${TALENTSIM_CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir" -j"$(nproc)" "${targets[@]}"
