#!/bin/bash
# WebRTC calls in parallel through rtcgated's B2BUA with build/webrtc_load, a
# real client (SIP over WebSocket, ICE with USE-CANDIDATE, DTLS-SRTP with the
# fingerprint checked; bench/webrtc_load.c): 8 calls at a time for 4 s,
# routed by the embedded default to a sipp UAS (-rtp_echo) on 5080.
# Checked: calls were set up (DTLS keys) with none failing at any stage,
# every BYE was answered, the engine holds no call afterwards, rtcgated exits
# cleanly.  The same tool is the WebRTC benchmark (tools/bench-calls.sh).
# Usage: b2bua_webrtc_load.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
in_netns "$@"
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
NG_PORT=22233
[ -x "$build/webrtc_load" ] || { fail "webrtc-load: $build/webrtc_load not built"; exit 1; }
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT
spawn "$build/rtcgated" --state-dir "$tmp/state" --ng 127.0.0.1:$NG_PORT --media-address 127.0.0.1 \
  --media-ports 30000-31999 >"$tmp/rtcgated.log" 2>&1
gate=${PIDS[-1]}
(cd "$tmp" && exec sipp -sn uas -i 127.0.0.1 -p 5080 -mp 16000 -rtp_echo -nostdin -timeout 60s \
  >"$tmp/uas.out" 2>&1) &
PIDS+=($!)
wait_udp 5080 && wait_udp $NG_PORT || { fail "webrtc-load: start"; tail "$tmp/rtcgated.log" >&2; exit 1; }
for _ in $(seq 1 100); do ss -ltn | grep -q ':8080 ' && break; sleep 0.05; done
out=$(timeout 40 "$build/webrtc_load" --ws ws://127.0.0.1:8080/ --target sip:echo@127.0.0.1 \
  --parallel 8 --seconds 4 --pid "$gate" 2>"$tmp/load.err")
printf '%s\n' "$out" | sed 's/^/  /' >&2
res=$(printf '%s\n' "$out" | grep '^RESULT')
val() { printf '%s\n' "$res" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
check "webrtc-load: WebRTC calls set up through the B2BUA ($(val setups) in 4 s)" test "$(val setups)" -ge 8
check "webrtc-load: no call failed at any stage (failed=$(val failed))" test "$(val failed)" = 0
sleep 0.5
left=$(python3 "$here/ngq.py" 127.0.0.1:$NG_PORT statistics |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["statistics"]["currentstatistics"]["sessionsown"])')
check "webrtc-load: no call left in the engine (sessionsown=$left)" test "$left" = 0
kill "$gate"; wait "$gate"; rc=$?
check "webrtc-load: rtcgated exits cleanly (status $rc, no sanitizer report)" \
  bash -c "[ $rc -eq 0 ] && ! grep -q Sanitizer '$tmp/rtcgated.log'"
[ $FAILS -ne 0 ] && { head -20 "$tmp/load.err"; tail -20 "$tmp/rtcgated.log"; } >&2
exit $((FAILS > 0))
