#!/bin/sh
# Runs every benchmark program in BUILD (build/bench_*) from the project
# root, so they can read tests/vectors/.  Benchmarks print figures only.
# Usage: tools/bench.sh BUILD_DIR
set -u
build=${1:-build}
cd "$(dirname "$0")/.." || exit 1
for b in "$build"/bench_*; do
  [ -f "$b" ] && [ -x "$b" ] || continue
  echo "# $(basename "$b")"
  "$b"
done
