#!/bin/sh
# Runs every libFuzzer target in BUILD for SECONDS each (two at a time: the
# machine has two cores) on a scratch copy of its corpus, then merges what
# it found back into fuzz/corpus/<target minus fuzz_>/ with -merge=1 so the
# committed corpus stays minimal.  Prints each target's exec count.
set -u
build=$1; secs=$2
cd "$(dirname "$0")/.." || exit 1
run_one() {
  f=$1; name=$(basename "$f"); short=${name#fuzz_}
  corpus=fuzz/corpus/$short; mkdir -p "$corpus"
  scratch=$(mktemp -d)
  dict=""; [ -f "fuzz/dict/$short.dict" ] && dict="-dict=fuzz/dict/$short.dict"
  log=$build/$name.log
  "$f" -max_total_time="$secs" -print_final_stats=1 -max_len=65536 $dict "$scratch" "$corpus" >"$log" 2>&1
  rc=$?
  "$f" -merge=1 $dict "$corpus" "$scratch" >/dev/null 2>&1
  rm -rf "$scratch"
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  echo "$name: exit $rc, ${execs:-?} execs in ${secs}s (log $log)"
}
set -- $(find "$build" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
while [ $# -gt 0 ]; do
  run_one "$1" &
  if [ $# -gt 1 ]; then run_one "$2" & fi
  wait
  shift; [ $# -gt 0 ] && shift
done
exit 0
