#!/usr/bin/env bash
# One command from a fresh clone: installs what is missing (Debian packages), builds, and runs the
# default scenario (scenarios/china_ai_2024.toml -> results/china_ai_2024.h5), printing a summary.
# Extra arguments go to `talentsim run`, e.g. scripts/run.sh scenarios/minimal.toml --seed 7
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh Release talentsim  # the program only: scripts/test.sh builds the tests
exec build/talentsim run "$@"
