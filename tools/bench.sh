#!/bin/sh
# Runs every benchmark program in BUILD (build/bench_*) and prints its
# figures.  Benchmarks never pass or fail.  Usage: tools/bench.sh BUILD_DIR
set -u
build=${1:-build}
cd "$(dirname "$0")/.." || exit 1
for b in "$build"/bench_*; do
  [ -f "$b" ] && [ -x "$b" ] || continue
  echo "# $(basename "$b")"
  "$b" || echo "# $(basename "$b") exited $?"
done
exit 0
