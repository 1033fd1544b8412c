#!/usr/bin/env bash
# Every Catch2 test case runs under ctest: catch_discover_tests registers each name as a CMake list
# element, so a name with ';' is cut there and its ctest entry runs no test (and passes).
# Usage: tests/check_test_names.sh TALENTSIM_TESTS_BINARY; exit 1 naming each such test.
set -euo pipefail
names=$("$1" --list-test-names-only || true)  # (Catch2 v2 exits with the count of tests)
[ -n "$names" ] || { echo "no test names listed by $1"; exit 1; }
bad=$(printf '%s\n' "$names" | grep -F ';' || true)
if [ -n "$bad" ]; then
  echo "test names with ';' (ctest would run none of them):"
  printf '  %s\n' "$bad"
  exit 1
fi
echo "$(printf '%s\n' "$names" | grep -c .) test names, none with ';'"
