#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the linux preset and runs the MicroFlash benchmark (mf-bench) against the simulated
# board at real time, writing bench/RESULTS.md: the machine, then mf-bench's report.
# Usage: bench/run.sh [mf-bench options]   (MF_BENCH_BUILD=DIR: another build folder)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${MF_BENCH_BUILD:-$root/build/linux}
out=$root/bench/RESULTS.md

cmake --preset linux -S "$root" -B "$build" >/dev/null
cmake --build "$build" --target mf-bench esp8266-sim

report=$(mktemp)
trap 'rm -f "$report"' EXIT
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
start=$(date +%s)
status=0
"$build/bench/mf-bench" --out "$report" "$@" || status=$?
end=$(date +%s)

if [ ! -s "$report" ]; then
    echo "run.sh: mf-bench wrote no report (exit status $status); $out left as it was" >&2
    exit "$status"
fi

cpu=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*: *//')
if [ -z "$cpu" ]; then
    cpu=$(lscpu 2>/dev/null | grep -m1 '^Model name' | sed 's/^[^:]*: *//')
fi
{
    echo "# MicroFlash benchmark results"
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- Commit: $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
    echo "- Machine: \`$(uname -a)\`"
    echo "- CPU: ${cpu:-unknown}"
    echo "- nproc: $(nproc)"
    echo "- Load average before the run: $load"
    echo "- Command: \`bench/run.sh${*:+ $*}\`"
    echo "- Whole run: $((end - start)) s; mf-bench exit status $status"
    echo
    cat "$report"
} >"$out"
echo "run.sh: wrote $out" >&2
exit "$status"
