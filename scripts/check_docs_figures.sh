#!/usr/bin/env bash
# Re-runs the commands behind the simulated figures quoted in docs/ and fails when a figure drifts
# by more than 1 % (or one unit of its last digit shown) from what the docs show. The blocks and the
# commands behind them are listed in scripts/doc_figures.py (BLOCKS): docs/sweeps.md (the worked
# sweep), docs/scenarios.md (scripts/scenario_figures.py for three scenarios, scripts/noncompete_effects.py),
# docs/calibration.md (the per-seed table of the default scenario) and docs/calibrate.md (the
# Morris example). In a doc each block follows a line
#   <!-- figures of: NAME (checked by scripts/check_docs_figures.sh) -->
#
# Usage: scripts/check_docs_figures.sh [BUILD_DIR] [--update] [--only NAME ...] [--tolerance 0.01]
#   (default build; needs /usr/bin/python3 with h5py, numpy, pandas)
#   --update   rewrite the blocks with the figures of this build (after a change of the model:
#              run it, read `git diff docs/`, and adjust the prose around the tables)
# Run time: about 3 minutes on the 2-core development machine (the sweep of docs/sweeps.md is the
# longest part; docs/scenarios.md alone: --only with its four names, about 2 minutes). Not part of
# ctest or CI: run it before changing the docs' figures and after changing the model.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then build="$1"; shift; fi
[ -x "$build/talentsim" ] || { echo "check_docs_figures: $build/talentsim not built" >&2; exit 2; }
exec /usr/bin/python3 scripts/doc_figures.py --binary "$build/talentsim" "$@"
