#!/bin/sh
# Runs every benchmark program build/bench_* (figures only, no pass/fail).
# Usage: tools/bench.sh [BUILD_DIR]
set -u
build=${1:-build}
cd "$(dirname "$0")/.." || exit 1
found=0
for b in "$build"/bench_*; do
  [ -f "$b" ] && [ -x "$b" ] || continue
  found=1
  echo "== $(basename "$b")"
  "$b"
done
[ "$found" -eq 1 ] || echo "no bench_* programs in $build"
