#!/bin/sh
# Runs every benchmark program build/bench_* (built from bench/*.c) from the
# project root and prints their figures.  Benchmarks never pass or fail.
# Usage: tools/bench.sh [BUILD_DIR]
set -u
build=${1:-build}
cd "$(dirname "$0")/.." || exit 1
found=0
for b in "$build"/bench_*; do
  [ -f "$b" ] && [ -x "$b" ] || continue
  found=1
  echo "== $(basename "$b")"
  "$b" || echo "($(basename "$b") exited $?)"
done
[ "$found" -eq 1 ] || echo "no benchmarks in $build"
exit 0
