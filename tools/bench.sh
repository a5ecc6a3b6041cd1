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
# Transcoded calls through the real engine, beside rtpengine (same ng
# commands and traffic); needs rtpengine and unshare (root).
if command -v rtpengine >/dev/null 2>&1 && [ -x "$build/xcode_load" ]; then
  echo "# tools/bench-xcode.sh"
  tools/bench-xcode.sh "$build" ${XCODE_CALLS:-100 300}
fi
