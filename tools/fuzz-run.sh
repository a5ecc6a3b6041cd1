#!/bin/sh
# Runs every libFuzzer target in BUILD for SECONDS each, on its corpus in
# fuzz/corpus/<target minus fuzz_>/, and prints the exec count of each.
set -u
build=$1; secs=$2
for f in "$build"/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f"); short=${name#fuzz_}
  corpus=fuzz/corpus/$short; mkdir -p "$corpus"
  dict=""; [ -f "fuzz/dict/$short.dict" ] && dict="-dict=fuzz/dict/$short.dict"
  log=$build/$name.log
  "$f" -max_total_time="$secs" -print_final_stats=1 -max_len=65536 $dict "$corpus" >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  echo "$name: exit $rc, ${execs:-?} execs in ${secs}s (log $log)"
done
