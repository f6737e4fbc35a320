#!/usr/bin/env bash
# The test command: installs what is missing, checks formatting, then configures, builds and
# tests every preset (linux, linux-asan, windows under Wine, fuzz, and stub: the ESP8266 stub
# built with xtensa-lx106, whose test checks that src/core/stub_blob.c is current) and prints a
# summary.
set -euo pipefail
cd "$(dirname "$0")/.."

PRESETS=(linux linux-asan windows fuzz stub) # windows uses the linux build's test tools: keep order

start=$(date +%s)
step() { printf '\n=== %s (%ss)\n' "$1" "$(($(date +%s) - start))"; }

step "setup"
scripts/setup.sh
step "format"
scripts/check-format.sh

passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for preset in "${PRESETS[@]}"; do
  step "configure $preset"
  cmake --preset "$preset" >/dev/null
  step "build $preset"
  cmake --build --preset "$preset"
  step "test $preset"
  status=0
  ctest --preset "$preset" 2>&1 | tee "$log" || status=$?
  # ctest closes with "NN% tests passed, F tests failed out of T".
  summary=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
  if [ -n "$summary" ]; then
    f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
    t=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$summary")
    passed=$((passed + t - f))
    failed=$((failed + f))
  fi
  if [ "$status" -ne 0 ]; then
    step "preset $preset failed"
    echo "$passed passed, $((failed > 0 ? failed : 1)) failed"
    exit 1
  fi
done

step "every preset passed"
echo "$passed passed, $failed failed"
