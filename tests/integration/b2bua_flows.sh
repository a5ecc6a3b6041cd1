#!/bin/bash
# Issue 5's browser <-> SIP call flows through rtcgated's embedded default,
# inside a private network namespace: headless Chromium on the demo page
# (JsSIP) and sipp on 127.0.0.1:5080 (scenarios in flows/, -rtp_echo):
# 486 from the SIP side reaches the browser; CANCEL before the answer reaches
# sipp and the browser gets 487; hold/resume by re-INVITE (sipp checks
# a=sendonly, then a resume) with the tone back after; an ICE restart from
# the browser keeps the tone flowing; callDetailStatus during the call shows
# ST_ICE_COMPLETE, srtp-terminated, DTLS TERMINATED, the real addresses and
# the trunk groups; the page registers (Register box) and sipp's call over
# UDP rings it, Answer, tone back, sipp's BYE ends it.
# See tests/peers/b2bua_flows.js.
# Usage: tests/integration/b2bua_flows.sh BUILD_DIR
set -u
cd "$(dirname "$0")/../.." || exit 1
if [ -z "${RG_IN_NETNS:-}" ]; then
    RG_IN_NETNS=1 exec unshare -n "$BASH" "$0" "$@"
fi
ip link set lo up
. tests/integration/lib_rtcgated.sh
unset RTCGATE_WEB_ROOT
tmp=$(mktemp -d)
trap 'stop_daemon; rm -rf "$tmp"' EXIT

[ -f "$build/web/index.html" ] || { fail "b2bua_flows: demo page not built in $build/web"; exit 1; }
start_daemon "$tmp/state" || { fail "b2bua_flows: rtcgated did not start"; exit 1; }
timeout 85 node tests/peers/b2bua_flows.js --url http://127.0.0.1:8080/ --rtcgate "$RTCGATE" \
    --state "$tmp/state" --flows tests/integration/flows --tmp "$tmp" >"$tmp/flows.json" 2>"$tmp/flows.err"
python3 - "$tmp/flows.json" >"$tmp/lines" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception as e:
    print('FAIL - b2bua_flows: no result (%s): %s' % (e, open(sys.argv[1]).read()[:500]))
    sys.exit(0)
names = {
    'busy': '486 from sipp reaches the browser as 486 Busy',
    'cancel': 'CANCEL before the answer reaches sipp; the browser gets 487',
    'hold': 'hold/resume by re-INVITE: sipp sees a=sendonly then sendrecv; tone back after resume',
    'ice': 'ICE restart from the browser mid-call keeps the 1 kHz tone flowing',
    'status': 'callDetailStatus during the call: ST_ICE_COMPLETE, srtp-terminated, addresses, trunk groups',
    'incoming': 'the page registers; sipp calls it over UDP; Answer; tone back; sipp BYE ends it',
}
for k, text in names.items():
    v = r.get(k, {})
    if v.get('pass'):
        print('ok - b2bua_flows: ' + text)
    else:
        print('FAIL - b2bua_flows: %s: %s' % (text, json.dumps(v)[:1500]))
if r.get('error'):
    print('FAIL - b2bua_flows: driver error: ' + r['error'])
PY
cat "$tmp/lines"
fails=$((fails + $(grep -c '^FAIL' "$tmp/lines")))
if [ "$fails" -ne 0 ]; then
    tail -5 "$tmp/flows.err"
    echo "# rtcgated's log, last lines:"; tail -25 "$tmp/state.log"
fi
stop_daemon
echo "# b2bua_flows: $fails failure(s)"
[ "$fails" -eq 0 ]
