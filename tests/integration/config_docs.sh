#!/bin/bash
# docs/CONFIG.md embeds the schema listing printed by `rtcgate --schema`;
# this fails when the table in src/ctl/schema.c changed and the page did not.
# Usage: tests/integration/config_docs.sh BUILD_DIR
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${1:-build}
got=$(mktemp)
trap 'rm -f "$got"' EXIT
"$build/rtcgate" --schema >"$got" || { echo "FAIL - config_docs: rtcgate --schema"; exit 1; }
if sed -n '/^<!-- schema:begin -->$/,/^<!-- schema:end -->$/p' docs/CONFIG.md | sed '1,2d;$d' | sed '$d' |
    diff -q - "$got" >/dev/null; then
    echo "ok - config_docs: docs/CONFIG.md schema matches rtcgate --schema ($(wc -l <"$got") nodes)"
else
    echo "FAIL - config_docs: docs/CONFIG.md schema is stale (regenerate from rtcgate --schema)"
    exit 1
fi
