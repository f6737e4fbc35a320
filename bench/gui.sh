#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The window's speed goals, measured under Wine on Xvfb against the simulated board: start time
# (goal < 300 ms) and the worst UI-thread stall during a whole flash (goal <= 50 ms). Runs the
# GUI test runner on bench/gui/*.ui RUNS times and prints each number with its ratio to the goal.
# Usage: bench/gui.sh [RUNS]   (needs build/linux and build/windows built; MF_BENCH_WIN_BUILD,
# MF_BENCH_BUILD name other build folders)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
linux=${MF_BENCH_BUILD:-$root/build/linux}
win=${MF_BENCH_WIN_BUILD:-$root/build/windows}
runs=${1:-3}
readonly GOAL_SHOWN_MS=300 GOAL_STALL_MS=50 COM=COM60
work=$win/bench-gui

cmake --build "$linux" --target esp8266-sim vserial_shim mkfw >/dev/null
cmake --build "$win" --target MicroFlash uidrive >/dev/null

# Runs one case and prints the number its log names.
measure() {
    local case=$1 pattern=$2
    "$root/tests/e2e/gui/run-gui" --wine-run "$root/tests/wine/wine-run" \
        --prefix "$win/wine-prefix-gui" --tools "$linux" \
        --uidrive "$win/tests/e2e/gui/uidrive.exe" --app "$win/src/win/MicroFlash.exe" \
        --work "$work" --shots "$work/screenshots" --com "$COM" \
        "$root/bench/gui/$case.ui" >/dev/null 2>&1 || {
        echo "bench/gui.sh: the $case run failed; see $work/$case/uidrive.log" >&2
        return 1
    }
    sed -nE "s/.*$pattern ([0-9]+) ms.*/\1/p" "$work/$case/uidrive.log" | tail -n 1
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

printf '| Run | Window shown (fastest warm start) | Ratio to %s ms | Worst UI stall in a flash | Ratio to %s ms |\n' \
    "$GOAL_SHOWN_MS" "$GOAL_STALL_MS"
printf '|---:|---:|---:|---:|---:|\n'
for ((i = 1; i <= runs; i++)); do
    shown=$(measure startup "fastest later window shown in")
    stall=$(measure ui_stall "worst UI stall:")
    printf '| %d | %s ms | %s | %s ms | %s |\n' "$i" "$shown" "$(ratio "$shown" "$GOAL_SHOWN_MS")" \
        "$stall" "$(ratio "$stall" "$GOAL_STALL_MS")"
done
