#!/usr/bin/env bash
# Rebuilds the ESP8266 stub (the `stub` preset) and fails when the committed src/core/stub_blob.c
# differs from the blob generated from it. Needs gcc-xtensa-lx106 (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset stub >/dev/null
cmake --build --preset stub
cmake --build --preset stub --target stub_blob_check
