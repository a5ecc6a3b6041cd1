#!/bin/bash
# `make run` end to end (issue 5, PRODUCT.md §4) inside a private network
# namespace: tools/run-demo.sh starts rtcgated on the embedded default and the
# sipp echo peer on 127.0.0.1:5080; headless Chromium opens the real demo page
# at http://127.0.0.1:8080/, presses Call, hears its own 1 kHz tone come back
# through rtcgate (WebRTC: ICE, DTLS-SRTP, Opus/G.711 -> SIP: RTP/AVP G.711 ->
# echo) with its frequency intact, presses a DTMF key and Hang up (BYE gets
# 200); then Ctrl-C stops everything.
# Usage: tests/integration/demo_call.sh BUILD_DIR
set -u
cd "$(dirname "$0")/../.." || exit 1
if [ -z "${RG_IN_NETNS:-}" ]; then
    RG_IN_NETNS=1 exec unshare -n "$BASH" "$0" "$@"
fi
ip link set lo up
build=${1:-build}
case $build in /*) ;; *) build=$PWD/$build ;; esac
fails=0
ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
job=
trap '[ -n "$job" ] && kill -KILL -- -"$job" 2>/dev/null; rm -rf "$tmp"' EXIT

set -m
RTCGATE_DEMO_STATE=$tmp/state tools/run-demo.sh "$build" >"$tmp/run.out" 2>&1 &
job=$!
set +m
for _ in $(seq 1 150); do
    grep -qs 'Press Ctrl-C' "$tmp/run.out" && break
    kill -0 "$job" 2>/dev/null || break
    sleep 0.1
done
if ! grep -qs 'Press Ctrl-C' "$tmp/run.out"; then
    fail "demo_call: make run did not start: $(tail -5 "$tmp/run.out")"
    exit 1
fi

if timeout 60 node tests/peers/demo_call.js --url http://127.0.0.1:8080/ >"$tmp/call.json" 2>"$tmp/call.err"; then
    ok "demo_call: Chromium on the demo page calls, hears its 1 kHz tone echoed ($(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("%d Hz, %.0f dB, %d packets; DTMF key %s" % (r["toneHz"], r["toneDb"], r["packetsReceived"],
      "sent as RFC 4733" if r["answerHasTelephoneEvent"] else "refused: no telephone-event"))' "$tmp/call.json")), hangs up (BYE 200)"
else
    fail "demo_call: $(head -c 3000 "$tmp/call.json") $(tail -3 "$tmp/call.err")"
    tail -20 "$tmp/run.out"
fi

kill -INT -- -"$job"
for _ in $(seq 1 100); do kill -0 "$job" 2>/dev/null || break; sleep 0.1; done
wait "$job" 2>/dev/null
rc=$?
left=$(ps -eo pid=,pgid=,args= | awk -v g="$job" '$2 == g')
[ $rc -eq 0 ] && [ -z "$left" ] && ok "demo_call: Ctrl-C stops make run cleanly" ||
    fail "demo_call: after Ctrl-C: exit $rc, left: $left"
job=
echo "# demo_call: $fails failure(s)"
[ "$fails" -eq 0 ]
