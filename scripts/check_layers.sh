#!/usr/bin/env bash
# Fails when a source file includes a header of a layer above its own (docs/architecture.md).
# Layers, lowest first: io < model < engine < run < analysis < sweep < cli.
# Usage: scripts/check_layers.sh [SOURCE_DIR]   (default: src next to this script)
set -euo pipefail
src="${1:-$(dirname "$0")/../src}"
layers=(io model engine run analysis sweep cli)
rank() {
  local i
  for i in "${!layers[@]}"; do [ "${layers[$i]}" = "$1" ] && { echo "$i"; return; }; done
  echo -1
}
violations=0
files=0
for layer in "${layers[@]}"; do
  own=$(rank "$layer")
  [ -d "$src/$layer" ] || { echo "check_layers: missing folder $src/$layer" >&2; exit 1; }
  while IFS= read -r -d '' f; do
    files=$((files + 1))
    while IFS=: read -r line header; do
      target=${header%%/*}
      r=$(rank "$target")
      if [ "$r" -gt "$own" ]; then
        echo "check_layers: ${f#"$src"/}:$line includes \"$header\": $layer must not include $target" >&2
        violations=$((violations + 1))
      fi
    done < <(awk '/^[ \t]*#[ \t]*include[ \t]*"[a-z_]+\// {
                    match($0, /"[^"]*"/); print FNR ":" substr($0, RSTART + 1, RLENGTH - 2) }' "$f")
  done < <(find "$src/$layer" \( -name '*.hpp' -o -name '*.cpp' \) -print0 | sort -z)
done
# Every source file must live in a layer folder.
stray=$(find "$src" -mindepth 1 -maxdepth 1 -type f \( -name '*.cpp' -o -name '*.hpp' \) | wc -l)
if [ "$stray" -ne 0 ]; then
  echo "check_layers: $stray source files outside the layer folders" >&2
  violations=$((violations + stray))
fi
if [ "$violations" -ne 0 ]; then
  echo "check_layers: $violations includes break the layer order ${layers[*]}" >&2
  exit 1
fi
echo "check_layers: $files files, no include of a higher layer"
