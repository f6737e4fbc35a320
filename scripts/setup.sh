#!/usr/bin/env bash
# Installs every Debian package that building and testing MicroFlash needs (Debian 12).
# Idempotent: packages already installed are left alone; apt runs only when something is missing.
set -euo pipefail

# One line per package, with what needs it.
PACKAGES=(
  cmake                 # the build
  ninja-build           # the build's generator (CMakePresets.json)
  pkg-config            # finds libserialport and cmocka
  gcc                   # linux and linux-asan presets
  clang                 # fuzz preset (libFuzzer)
  libclang-rt-14-dev    # libFuzzer and sanitizer runtimes for clang 14
  clang-format          # the format check (clang-format 14 is the arbiter)
  libserialport-dev     # the local serial backend on Linux
  libcmocka-dev         # unit tests
  zlib1g-dev            # compression in the engine
  gcc-mingw-w64-x86-64  # windows preset: MinGW-w64 cross compiler
  gcc-xtensa-lx106      # stub preset: the ESP8266 stub's cross compiler and binutils
  libz-mingw-w64-dev    # zlib for the Windows build (linked statically)
  nsis                  # windows preset: makensis builds the installer (amd64-unicode stubs)
  wine                  # runs the Windows build in tests
  wine64                # 64-bit Wine loader for PE32+ programs
  xvfb                  # a display for Wine tests that open windows
  xauth                 # used by Xvfb sessions
  x11-utils             # xdpyinfo: wine-run and scripts/demo.sh check whether $DISPLAY works
  python3-serial        # pySerial: an independent RFC 2217 client and server for interop tests
  ser2net               # an independent RFC 2217 server for interop tests
)

# Node.js and npm run the esptool-js interop test. Machines of this project ship Node 20; a
# machine without any node gets Debian's (18, enough for `node --test`).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "setup: these packages are missing and I am not root: ${missing[*]}" >&2
    exit 1
  fi
  sudo=(sudo)
fi
echo "setup: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}"
