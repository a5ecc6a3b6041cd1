#!/bin/sh
# Prints the .c files under the given directories (sorted, relative to the
# project root) for meson.build.  fuzz/ and tests/unit/ are listed one level
# deep only (their helpers live in subdirectories).
cd "$(dirname "$0")/.." || exit 1
for d in "$@"; do
  [ -d "$d" ] || continue
  case "$d" in
    fuzz|tests/unit|bench) find "$d" -maxdepth 1 -name '*.c' ;;
    *) find "$d" -name '*.c' ;;
  esac
done | LC_ALL=C sort
