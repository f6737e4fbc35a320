#!/usr/bin/env bash
# Fails when a tracked C file differs from what clang-format (the repo's .clang-format) makes.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h')
if [ ${#files[@]} -eq 0 ]; then
  echo "format: no C files"
  exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}"; then
  echo "format: run 'clang-format -i' on the files above" >&2
  exit 1
fi
echo "format: ${#files[@]} files clean"
