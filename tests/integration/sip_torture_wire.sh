#!/bin/bash
# Issue 5 "Must show": RFC 4475's malformed messages sent over the wire to
# a running rtcgated get 400 (or the response the RFC expects) and do not
# disturb a call in progress.
#
# rtcgated runs its embedded default plus a UDP+TCP listener on 5062.  A
# sipp UAC places one call through it (UDP, 5060) to a sipp UAS on 5080 that
# answers and echoes RTP; the UAC streams a 1 kHz PCMU tone for the whole
# call.  While the call runs, tests/integration/sip_torture_wire.py sends
# every RFC 4475 message the README marks as refused or checked over UDP
# (5062) and TCP (5062), one per datagram or connection, and checks the
# final status of each answer.  Then: the call was still up after the
# torture, media kept flowing during it (UDP datagrams per second in this
# namespace at least 80% of the rate in the 3 s before, which itself must
# show the tone crossing both legs both ways), the call
# ends normally (sipp: 1 successful, 0 failed), the engine holds no call
# afterwards and rtcgated exits cleanly.  Usage: sip_torture_wire.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
in_netns "$@"
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
NG_PORT=22231
CALL_MS=30000

for tool in sipp python3; do
  command -v $tool >/dev/null || { fail "sip-torture-wire: $tool not installed"; exit 1; }
done
tmp=$(mktemp -d)
trap 'cleanup; [ -n "${RG_KEEP_TMP:-}" ] && echo "kept $tmp" >&2 || rm -rf "$tmp"' EXIT
# UDP datagrams that reached a socket here (delivered or dropped by a full
# receive buffer: both were relayed).
udp_in() {
  awk '/^Udp:/ { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 } else print $c["InDatagrams"] + $c["RcvbufErrors"] }' /proc/net/snmp
}
own() {
  python3 "$here/ngq.py" 127.0.0.1:$NG_PORT statistics |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["statistics"]["currentstatistics"]["sessionsown"])'
}
start_gate() {
  spawn "$build/rtcgated" --state-dir "$tmp/state" --ng 127.0.0.1:$NG_PORT --media-address 127.0.0.1 \
    --media-ports 30000-30999 >>"$tmp/rtcgated.log" 2>&1
  gate=${PIDS[-1]}
  for _ in $(seq 1 100); do [ -S "$tmp/state/cli.sock" ] && return 0; sleep 0.05; done
  return 1
}

# First start writes the embedded default; the second adds UDP+TCP on 5062.
start_gate || { fail "sip-torture-wire: rtcgated started"; tail "$tmp/rtcgated.log" >&2; exit 1; }
kill "$gate"; wait "$gate"
cat >>"$tmp/state/rtcgate.conf" <<'CONF'
set addressContext default zone ZONE_SIP sipSigPort 2 ipAddressV4 127.0.0.1 portNumber 5062 transportProtocolsAllowed sip-udp,sip-tcp state enabled
CONF
start_gate || { fail "sip-torture-wire: rtcgated restarted"; tail "$tmp/rtcgated.log" >&2; exit 1; }
wait_udp 5062 && wait_udp $NG_PORT || { fail "sip-torture-wire: listeners"; tail "$tmp/rtcgated.log" >&2; exit 1; }

cd "$tmp" || exit 1
python3 "$here/tone_pcmu.py" "$tmp/tone.pcmu" $((CALL_MS / 1000))
spawn sipp -sn uas -i 127.0.0.1 -p 5080 -mp 16000 -rtp_echo -nostdin -timeout 90s \
  >"$tmp/uas.out" 2>&1
wait_udp 5080 || { fail "sip-torture-wire: sipp UAS started"; exit 1; }
timeout 60 sipp 127.0.0.1:5060 -sf "$here/b2bua_load_uac.xml" -s echo -i 127.0.0.1 -p 5061 \
  -d $CALL_MS -m 1 -nostdin -timeout 50s -timeout_error -trace_stat -stf "$tmp/stat.csv" \
  -trace_msg -message_file "$tmp/uac_msg.log" >"$tmp/uac.out" 2>&1 &
uac=$!
for _ in $(seq 1 50); do grep -q '^ACK ' "$tmp/uac_msg.log" 2>/dev/null && break; sleep 0.1; done
sleep 1
# The media rate before the torture is the yardstick for during it.
p0=$(udp_in); pt0=$(date +%s.%N)
sleep 3
p1=$(udp_in); pt1=$(date +%s.%N)
before=$(own)
t0=$(date +%s.%N)
u0=$(udp_in)
python3 "$here/sip_torture_wire.py" "$ROOT/tests/vectors/rfc4475" 127.0.0.1 5060 5062 >"$tmp/torture.out"
torture_rc=$?
u1=$(udp_in)
t1=$(date +%s.%N)
after=$(own)
cat "$tmp/torture.out"
grep -q '^ok' "$tmp/torture.out" || fail "sip-torture-wire: the torture driver ran (exit $torture_rc)"
kill -0 "$gate" 2>/dev/null && ok "sip-torture-wire: rtcgated alive after the torture" ||
  fail "sip-torture-wire: rtcgated died"
check "sip-torture-wire: the call was in the engine before and after (sessionsown $before -> $after)" \
  test "${before:-x}" = 1 -a "${after:-x}" = 1
read -r rate0 rate1 <<<"$(python3 -c "print(round($((p1 - p0)) / ($pt1 - $pt0)), round($((u1 - u0)) / ($t1 - $t0)))")"
echo "  datagrams/s: $rate0 before the torture, $rate1 during it (the tone makes 200/s over both legs)" >&2
check "sip-torture-wire: media kept flowing on both legs during the torture ($rate1/s, before $rate0/s)" \
  test "$rate1" -ge $((rate0 * 8 / 10)) -a "$rate0" -ge 120
wait $uac
uac_rc=$?
check "sip-torture-wire: the call ended normally (sipp exit $uac_rc)" test $uac_rc -eq 0
check "sip-torture-wire: sipp statistics: 1 successful call, 0 failed" python3 - "$tmp/stat.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))
h, last = rows[0], rows[-1]
sys.exit(0 if (last[h.index("SuccessfulCall(C)")], last[h.index("FailedCall(C)")]) == ("1", "0") else 1)
PY
sleep 0.5
check "sip-torture-wire: no call left in the engine" test "$(own)" = 0
kill "$gate"; wait "$gate"; gate_rc=$?
check "sip-torture-wire: rtcgated exits cleanly (status $gate_rc, no sanitizer report)" \
  bash -c "[ $gate_rc -eq 0 ] && ! grep -q Sanitizer '$tmp/rtcgated.log'"
if [ $FAILS -ne 0 ] || grep -q '^FAIL' "$tmp/torture.out"; then
  { echo "--- uac"; tail -20 "$tmp/uac.out"; echo "--- rtcgated"; tail -20 "$tmp/rtcgated.log"; } >&2
  exit 1
fi
exit 0
