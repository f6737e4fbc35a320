#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's main job: sets up a fresh Debian 12 machine, builds what the demo needs, starts the
# simulated ESP8266 board (nothing to plug in) and opens MicroFlash.exe under Wine against it,
# with the port and a MicroPython firmware filled in. With a usable $DISPLAY you press the button
# and close the window when done; without one it runs headless on Xvfb, presses the button,
# waits for the REPL, writes a screenshot and prints the result. Exit 0 on success.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

readonly COM=COM5
readonly READY_WAIT_S=20
readonly JOBS=${MF_DEMO_JOBS:-2}

usage() {
    cat <<EOF2
usage: scripts/demo.sh [--headless] [--no-setup] [--linux-build DIR] [--windows-build DIR]

  --headless           never use \$DISPLAY: run on Xvfb, press the button, print the result
  --no-setup           do not run scripts/setup.sh (packages are installed already)
  --linux-build DIR    the native build (simulator, shim, mkfw) [build/linux]
  --windows-build DIR  the Windows build (MicroFlash.exe, uidrive.exe) [build/windows]
EOF2
}

headless=0
setup=1
linux_build=$root/build/linux
windows_build=$root/build/windows
while (($# > 0)); do
    case $1 in
    --headless) headless=1 ;;
    --no-setup) setup=0 ;;
    --linux-build)
        linux_build=$(realpath -m "${2:?--linux-build needs a folder}")
        shift
        ;;
    --windows-build)
        windows_build=$(realpath -m "${2:?--windows-build needs a folder}")
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        usage >&2
        exit 2
        ;;
    esac
    shift
done

step() { printf '\n=== demo: %s\n' "$*"; }

if ((setup)); then
    step "packages"
    scripts/setup.sh
fi

step "build (linux preset: simulator, serial shim, firmware tool)"
cmake --preset linux -B "$linux_build" >/dev/null
cmake --build "$linux_build" -j "$JOBS" --target esp8266-sim vserial_shim mkfw
step "build (windows preset: MicroFlash.exe and the UI driver)"
cmake --preset windows -B "$windows_build" -DMF_HOST_TOOLS_DIR="$linux_build" >/dev/null
cmake --build "$windows_build" -j "$JOBS" --target MicroFlash uidrive

app=$windows_build/src/win/MicroFlash.exe
uidrive=$windows_build/tests/e2e/gui/uidrive.exe
sim_bin=$linux_build/tests/sim/esp8266-sim
shim=$linux_build/tests/sim/vserial/libvserial_shim.so
mkfw=$linux_build/tests/e2e/gui/mkfw
work=$windows_build/demo
prefix=$windows_build/wine-prefix-demo
rm -rf "$work"
mkdir -p "$work"

winpath() {
    local p=$1
    printf 'Z:%s\n' "${p//\//\\}"
}

step "firmware"
fw=$work/esp8266-micropython-v1.23.0.bin
"$mkfw" micropython --mode qio "$fw"

step "the simulated board"
sim_pid=
sim_port=
sim_command() {
    local fd reply=
    exec {fd}<>"/dev/tcp/127.0.0.1/$sim_port" || return 1
    printf '%s\n' "$1" >&"$fd"
    read -r -t 15 reply <&"$fd" || true
    exec {fd}>&-
    printf '%s\n' "$reply"
}
run_pid=
# shellcheck disable=SC2317 # called by the EXIT trap
stop_sim() {
    local status=$?
    if [[ -n $run_pid ]]; then
        kill -TERM "$run_pid" 2>/dev/null || true # wine-run stops the program and its session
        wait "$run_pid" 2>/dev/null || true
    fi
    if [[ -n $sim_pid ]] && kill -0 "$sim_pid" 2>/dev/null; then
        sim_command QUIT >/dev/null 2>&1 || kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
        echo "demo: the simulated board is stopped"
    fi
    exit "$status"
}
trap stop_sim EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkfifo "$work/sim.ready"
"$sim_bin" --pty "$work/tty" --control 0 --flash-state used --time-scale 1 \
    --flash-out "$work/flash-out.bin" --log "$work/sim.log" >"$work/sim.ready" 2>"$work/sim.err" &
sim_pid=$!
exec {ready_fd}<"$work/sim.ready"
ready=
read -r -t "$READY_WAIT_S" -u "$ready_fd" ready || true
if [[ ! $ready =~ ^READY\ pty\ [^\ ]+\ ([0-9]+)$ ]]; then
    cat "$work/sim.err" >&2
    echo "demo: the simulator did not start" >&2
    exit 1
fi
sim_port=${BASH_REMATCH[1]}
echo "demo: an ESP8266 board (4 MB flash, CH340 adapter, old firmware on it) is on $COM"

wine_args=(--prefix "$prefix" --display --com "$COM=$work/tty" --preload "$shim")
status=0
if ((headless == 0)) && [[ -n ${DISPLAY:-} ]] && xdpyinfo >/dev/null 2>&1; then
    step "MicroFlash.exe on your display ($DISPLAY)"
    echo "demo: press \"Erase and Flash MicroPython\", watch the REPL appear, then close the window."
    tests/wine/wine-run "${wine_args[@]}" --timeout 86400 -- "$app" \
        --port "$COM" --firmware "$(winpath "$fw")" &
    run_pid=$!
    wait "$run_pid" || status=$?
    run_pid=
    state=$(sim_command STATS | sed -n 's/.*"state":"\([a-z-]*\)".*/\1/p')
    echo "demo: MicroFlash.exe exited with status $status; the board is now in state '${state:-?}'"
    check_args=() # the user may have unticked "Erase all flash"
else
    step "MicroFlash.exe headless (Xvfb): pressing the button for you"
    # Its own prefix: Xvfb has no window manager, so Wine draws the window frames itself there.
    prefix=$windows_build/wine-prefix-demo-xvfb
    wine_args[1]=$prefix
    if [[ ! -f $prefix/.mf-demo-ready ]]; then
        tests/wine/wine-run --prefix "$prefix" -- "$uidrive" --help >/dev/null
        for value in Managed Decorated; do
            tests/wine/wine-run --prefix "$prefix" -- "$prefix/drive_c/windows/system32/reg.exe" \
                add 'HKCU\Software\Wine\X11 Driver' /v "$value" /d N /f >/dev/null
        done
        touch "$prefix/.mf-demo-ready"
    fi
    tests/wine/wine-run "${wine_args[@]}" --timeout 600 -- "$uidrive" \
        --control "$sim_port" --app "$(winpath "$app")" \
        --script "$(winpath "$root/tests/e2e/gui/demo.ui")" --out "$(winpath "$work")" \
        --case demo --var "COM=$COM" --var "FW=$(winpath "$fw")" >"$work/uidrive.log" 2>&1 &
    run_pid=$!
    tail -n +1 -F --pid="$run_pid" "$work/uidrive.log" 2>/dev/null &
    tail_pid=$!
    wait "$run_pid" || status=$?
    run_pid=
    wait "$tail_pid" || true
    check_args=(--rest-blank)
    for png in "$work"/demo-*.png; do
        [[ -f $png ]] && echo "demo: screenshot $png"
    done
fi

sim_command QUIT >/dev/null || true
wait "$sim_pid" 2>/dev/null || true
sim_pid=
if ((status == 0)); then
    "$mkfw" check --image "$fw" --dump "$work/flash-out.bin" "${check_args[@]}" || status=1
fi
if ((status == 0)); then
    echo "demo: SUCCESS: MicroPython was flashed, verified and its REPL answered."
else
    echo "demo: FAILED (status $status); the board's narration is in $work/sim.log"
fi
exit "$status"
