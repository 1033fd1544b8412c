#!/usr/bin/env bash
# Re-runs the commands behind the figures quoted in docs/ and fails when the output drifts from
# what the docs show. Each checked block in a doc is a fenced block right after a line
#   <!-- figures of: COMMAND (checked by scripts/check_docs_figures.sh) -->
# and this script knows how to reproduce each COMMAND's input.
# Usage: scripts/check_docs_figures.sh [BUILD_DIR]   (default build; needs /usr/bin/python3 with h5py)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
talentsim="$build/talentsim"
[ -x "$talentsim" ] || { echo "check_docs_figures: $talentsim not built" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The fenced block following the marker for COMMAND in DOC.
quoted() {  # DOC COMMAND
    awk -v cmd="$2" '
        index($0, "<!-- figures of: " cmd " ") == 1 { armed = 1; next }
        armed && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }' "$1"
}

failed=0
check() {  # DOC COMMAND ACTUAL_FILE
    local want="$work/want.txt"
    quoted "$1" "$2" >"$want"
    if [ ! -s "$want" ]; then
        echo "check_docs_figures: $1: no quoted block for '$2'" >&2
        failed=1
    elif ! diff -u --label "$1 (quoted)" --label "$2 (now)" "$want" "$3"; then
        echo "check_docs_figures: $1: figures of '$2' drifted (above: quoted vs now)" >&2
        failed=1
    else
        echo "check_docs_figures: $1: figures of '$2' match"
    fi
}

# docs/sweeps.md: the worked example.
"$talentsim" sweep run scenarios/sweeps/noncompete_relocation.toml --out "$work/ncr" --jobs 2 --quiet >/dev/null
/usr/bin/python3 scripts/sweep_figures.py "$work/ncr/sweep.h5" >"$work/sweep_figures.txt"
check docs/sweeps.md scripts/sweep_figures.py "$work/sweep_figures.txt"

exit "$failed"
