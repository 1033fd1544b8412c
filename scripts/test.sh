#!/usr/bin/env bash
# One command from a fresh clone: installs what is missing, builds, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh Release
(cd build && ctest --output-on-failure -j"$(nproc)" --timeout 900)

# Reliability (docs/reliability.md): ASan + UBSan build running the quick tests, and 60 s of
# fuzzing the scenario, override and sweep parsers.
tests/reliability/ci.sh
