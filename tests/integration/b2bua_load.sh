#!/bin/bash
# Issue 5 "Must show": plain SIP<->SIP calls through rtcgated under sipp load,
# 50 calls/s for 60 s with media on both legs, and no failed call.
#
# rtcgated runs its embedded default (SIP over UDP on 127.0.0.1:5060, every
# call routed to sip:127.0.0.1:5080).  A sipp UAC (UDP) places 3,000 calls at
# 50/s; each streams 2 s of a 1 kHz PCMU tone (rtp_stream, its own port per
# call) and hangs up.  A sipp UAS on 5080 answers and echoes every RTP packet
# (-rtp_echo).  Checked: sipp's statistics CSV counts 3,000 successful and 0
# failed calls; media crossed both legs in both directions (UDP datagrams
# received in this private network namespace: RTP alone makes 4 per packet
# the UAC sends when rtcgate relays both ways, 3 when it relays one way);
# the engine held the calls during the load and holds none afterwards (ng
# "statistics": sessionsown); rtcgated's resident memory did not grow
# (6 MiB slack for the allocator) over the last third of the load, when finished calls'
# transactions expire as fast as new ones come; rtcgated exits cleanly.  Usage: b2bua_load.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
in_netns "$@"
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)

RATE=${RG_LOAD_RATE:-50}
SECS=${RG_LOAD_SECONDS:-60}
CALLS=$((RATE * SECS))
NG_PORT=22230
UAS_PORT=5080
UAS_MEDIA=16000
MEDIA_MS=2000 # call duration (sipp -d), the tone plays all of it
PKTS=$((MEDIA_MS / 20))

for tool in sipp python3; do
  command -v $tool >/dev/null || { fail "b2bua-load: $tool not installed (tools/deps.sh test)"; exit 1; }
done

tmp=$(mktemp -d)
trap 'cleanup; [ -n "${RG_KEEP_TMP:-}" ] && echo "kept $tmp" >&2 || rm -rf "$tmp"' EXIT
cp "$here/b2bua_load_uac.xml" "$tmp/uac.xml"
python3 "$here/tone_pcmu.py" "$tmp/tone.pcmu" $((MEDIA_MS / 1000))

# UDP datagrams that reached a socket in this namespace: delivered, or
# dropped because the receiver's buffer was full (a starved sipp on a busy
# machine); both were relayed.  RFC 4113 udpInDatagrams + RcvbufErrors.
udp_in() {
  awk '/^Udp:/ { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 } else print $c["InDatagrams"] + $c["RcvbufErrors"] }' /proc/net/snmp
}
udp_drops() {
  awk '/^Udp:/ { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 } else print $c["RcvbufErrors"] }' /proc/net/snmp
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
ng() { python3 "$here/ngq.py" 127.0.0.1:$NG_PORT "$@"; }
ng_stat() { # ng_stat KEY: sessionsown or totalsessions
  ng statistics | python3 -c 'import json,sys
d=json.load(sys.stdin)["statistics"]; k=sys.argv[1]
print(d["currentstatistics"][k] if k in d["currentstatistics"] else d["totalstatistics"][k])' "$1"
}

spawn "$build/rtcgated" --state-dir "$tmp/state" --ng 127.0.0.1:$NG_PORT --media-address 127.0.0.1 \
  --media-ports 30000-39999 >"$tmp/rtcgated.log" 2>&1
gate=${PIDS[-1]}
cd "$tmp" || exit 1
spawn sipp -sn uas -i 127.0.0.1 -p $UAS_PORT -mp $UAS_MEDIA -rtp_echo -nostdin -timeout 120s \
  -trace_err -error_file "$tmp/uas_err.log" >"$tmp/uas.out" 2>&1
wait_udp 5060 && wait_udp $NG_PORT || { fail "b2bua-load: rtcgated started"; tail "$tmp/rtcgated.log" >&2; exit 1; }
wait_udp $UAS_PORT || { fail "b2bua-load: sipp UAS started"; tail "$tmp/uas.out" >&2; exit 1; }

udp0=$(udp_in)
drop0=$(udp_drops)
# -l caps calls in progress; -timeout bounds the whole run.
timeout $((SECS + 25)) sipp 127.0.0.1:5060 -sf "$tmp/uac.xml" -s echo -i 127.0.0.1 -p 5061 \
  -d $MEDIA_MS -r "$RATE" -m "$CALLS" -l $((RATE * 6)) -nostdin -timeout $((SECS + 20))s -timeout_error \
  -trace_stat -stf "$tmp/stat.csv" -fd 5 -trace_err -error_file "$tmp/uac_err.log" \
  >"$tmp/uac.out" 2>&1 &
uac=$!
# Memory is compared once the UDP transactions of finished calls stopped
# piling up (they live 64*T1 = 32 s: timers J, L, M), i.e. from 2/3 of the
# load to its end.
T1=$((SECS * 2 / 3))
sleep $T1
rss20=$(rss_kb "$gate")
own_mid=$(ng_stat sessionsown)
sleep $((SECS - T1 - 2))
rss_end=$(rss_kb "$gate")
wait $uac
uac_rc=$?
sleep 1
udp1=$(udp_in)
drop1=$(udp_drops)
own_after=$(ng_stat sessionsown)
rss_after=$(rss_kb "$gate")

check "b2bua-load: sipp UAC finished all $CALLS calls (exit $uac_rc)" test "$uac_rc" -eq 0
check "b2bua-load: sipp statistics: $CALLS successful calls, 0 failed" python3 - "$tmp/stat.csv" "$CALLS" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))
h, last = rows[0], rows[-1]
ok, bad = int(last[h.index("SuccessfulCall(C)")]), int(last[h.index("FailedCall(C)")])
print("  successful=%d failed=%d" % (ok, bad), file=sys.stderr)
sys.exit(0 if ok == int(sys.argv[2]) and bad == 0 else 1)
PY
udp=$((udp1 - udp0))
want=$((CALLS * PKTS * 4 * 9 / 10))
echo "  UDP datagrams received in the namespace: $udp, $((drop1 - drop0)) of them dropped by a full receive buffer (RTP both ways on both legs: $((CALLS * PKTS * 4)))" >&2
check "b2bua-load: media on both legs, both directions ($udp datagrams >= $want)" test "$udp" -ge "$want"
check "b2bua-load: the engine held calls during the load (sessionsown=$own_mid)" \
  test "${own_mid:-0}" -ge $((RATE * MEDIA_MS / 1000 / 2))
check "b2bua-load: no call left in the engine afterwards (sessionsown=$own_after)" test "${own_after:-x}" = 0
echo "  rtcgated VmRSS: ${rss20} kB at $T1 s, ${rss_end} kB at $((SECS - 2)) s, ${rss_after} kB after" >&2
check "b2bua-load: no memory growth under steady load from $T1 s (+$((rss_end - rss20)) kB, limit 6144)" \
  test $((rss_end - rss20)) -le 6144
kill "$gate"; wait "$gate"; gate_rc=$?
check "b2bua-load: rtcgated exits cleanly on SIGTERM (status $gate_rc, no sanitizer report)" \
  bash -c "[ $gate_rc -eq 0 ] && ! grep -q Sanitizer '$tmp/rtcgated.log'"
if [ $FAILS -ne 0 ]; then
  { echo "--- uac"; tail -30 "$tmp/uac.out"; head -20 "$tmp/uac_err.log" 2>/dev/null
    echo "--- uas errors"; head -20 "$tmp/uas_err.log" 2>/dev/null
    echo "--- rtcgated"; tail -20 "$tmp/rtcgated.log"; } >&2
fi
exit $((FAILS > 0))
