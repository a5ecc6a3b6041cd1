#!/bin/bash
# Runs every check `make test` promises and ends with "N passed, N failed".
# Each step prints "ok - <name>" or "FAIL - <name>" lines; a program that
# exits non-zero without printing a FAIL line is counted as one failure.
# Usage: tools/test-all.sh BUILD_DIR ASAN_BUILD_DIR
set -u
build=${1:-build}
asan=${2:-build-asan}
cd "$(dirname "$0")/.." || exit 1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
log=$(mktemp -d)/test-all.log
: >"$log"
trap 'echo "test log: $log" >&2' EXIT

# step NAME CMD... — runs CMD, shows and records its ok/FAIL lines.
step() {
  local name=$1; shift
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  printf '%s\n' "$out" >>"$log"
  printf '%s\n' "$out" | grep -E '^(ok|FAIL) - ' || true
  if [ $rc -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^FAIL - '; then
    echo "FAIL - $name (exit $rc)" | tee -a "$log"
    printf '%s\n' "$out" | tail -n 30 >&2
  elif [ $rc -ne 0 ]; then
    printf '%s\n' "$out" | grep -vE '^(ok|FAIL) - ' | tail -n 40 >&2
  fi
}

step style python3 tools/checksrc.py src
step style-selftest tests/style/run.sh

for b in "$build" "$asan"; do
  for t in "$b"/test_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    step "$b/$(basename "$t")" bash -o pipefail -c "\"$t\" | sed -E 's@^(ok|FAIL) - @&$(basename "$b"):@'"
  done
done

for r in "$asan"/replay-fuzz_*; do
  [ -f "$r" ] && [ -x "$r" ] || continue
  short=$(basename "$r"); short=${short#replay-fuzz_}
  step "fuzz/$short" "$r" "fuzz/corpus/$short"
done

for s in tests/integration/*.sh; do
  [ -x "$s" ] || continue
  step "$s" "$s" "$build"
done

passed=$(grep -cE '^ok - ' "$log")
failed=$(grep -cE '^FAIL - ' "$log")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
