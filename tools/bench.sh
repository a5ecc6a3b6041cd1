#!/bin/sh
# Runs every benchmark program built in BUILD (build/bench_*) from the project
# root, so they can read tests/vectors/, and prints their figures.
# Benchmarks never pass or fail.  Usage: tools/bench.sh BUILD
set -u
build=${1:-build}
cd "$(dirname "$0")/.." || exit 1
for b in "$build"/bench_*; do
  [ -f "$b" ] && [ -x "$b" ] || continue
  echo "# $(basename "$b")"
  "$b" || echo "$(basename "$b"): exit $?"
done
