#!/bin/bash
# Call benchmarks (issue 5 "Speed"), inside a private network namespace
# (loopback only).  Figures, never pass/fail.
#
#  sip     SIP<->SIP calls per second one core sustains: rtcgated (embedded
#          default: UDP 5060, every call to 127.0.0.1:5080) pinned with
#          taskset to CPU 0 (so one media loop), sipp UAC and UAS (-rtp_echo)
#          on CPU 1.  Each call streams PCMU both ways for CALL_MS (default
#          1000 ms) and hangs up.  The rate climbs (RATES) for STEP_S seconds
#          each; a step passes with < 0.1 % failed calls and sipp keeping up
#          (>= 97 % of the calls it should have placed).  Printed per step:
#          calls, failures, rtcgated CPU per call (utime+stime of all its
#          threads / calls) and its CPU load; then the highest passing rate.
#  webrtc  WebRTC call setups per second: build/webrtc_load (WebSocket SIP +
#          ICE + DTLS as a browser does) against rtcgated's WebSocket on
#          127.0.0.1:8080, calls routed to a sipp UAS (-rtp_echo), rtcgated
#          pinned to CPU 0, the load tool and sipp on CPU 1; PARALLEL calls in
#          flight (default 20 50).
#  kamailio The same WebRTC load through Kamailio (SIP over WebSocket) with
#          rtcgated --ng, then rtpengine, as its media engine: the peer shape
#          of the same job (Kamailio's own CPU is printed apart).
# Usage: tools/bench-calls.sh [BUILD] [sip] [webrtc] [kamailio]   (default: all)
# Env: RATES="50 100 200 400 800", STEP_S=10, CALL_MS=1000, PARALLEL="20 50",
#      WEBRTC_S=10.
set -u
if [ -z "${RG_IN_NETNS:-}" ]; then
  RG_IN_NETNS=1 exec unshare -n "$BASH" "$0" "$@"
fi
ip link set lo up
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-build}" && pwd); shift || true
modes=("$@"); [ ${#modes[@]} -gt 0 ] || modes=(sip webrtc kamailio)
RATES=${RATES:-50 100 200 400 800}
STEP_S=${STEP_S:-10}
CALL_MS=${CALL_MS:-1000}
PARALLEL=${PARALLEL:-20 50}
WEBRTC_S=${WEBRTC_S:-10}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
tmp=$(mktemp -d); pids=()
stop() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  pids=()
}
trap 'stop; [ -n "${BENCH_KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"' EXIT
wait_port() { for _ in $(seq 1 100); do ss -ln"$1" | grep -q ":$2 " && return 0; sleep 0.05; done; return 1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)
echo "# call bench: $(nproc) cores (load average $(cut -d' ' -f1-3 /proc/loadavg)), kernel $(uname -r)," \
  "rtcgate $(git -C "$root" rev-parse --short HEAD 2>/dev/null)"

start_gate() { # start_gate NAME [args]: rtcgated on CPU 0, fresh state
  rm -rf "$tmp/state"
  taskset -c 0 "$build/rtcgated" --state-dir "$tmp/state" --ng 127.0.0.1:22240 --media-address 127.0.0.1 \
    --media-ports 20000-39999 >"$tmp/rtcgated.log" 2>&1 &
  gate=$!; pids+=("$gate")
  wait_port u 5060 && wait_port u 22240
}
start_uas() { # sipp UAS with RTP echo on 5080 (CPU 1); its 200 copies Record-Route (RFC 3261
  # §12.1.1) so that in-dialog requests come back through a proxy
  sipp -sd uas | sed 's/^\( *\)\[last_CSeq:\]$/&\n\1[last_Record-Route:]/' >"$tmp/uas_rr.xml"
  (cd "$tmp" && exec taskset -c 1 sipp -sf "$tmp/uas_rr.xml" -i 127.0.0.1 -p 5080 -mp 16000 -rtp_echo \
    -nostdin -timeout 3600s >"$tmp/uas.out" 2>&1) &
  pids+=("$!")
  wait_port u 5080
}

bench_sip() {
  echo "## SIP<->SIP calls/s on one core (rtcgated taskset -c 0; sipp UAC+UAS on CPU 1; ${CALL_MS} ms PCMU both ways per call; ${STEP_S} s per step)"
  start_gate && start_uas || { echo "sip: start failed"; tail -5 "$tmp/rtcgated.log"; stop; return; }
  python3 "$root/tests/integration/tone_pcmu.py" "$tmp/tone.pcmu" $(( (CALL_MS + 999) / 1000 ))
  local best=0 best_us=0
  printf '%8s %8s %8s %8s %12s %10s\n' rate placed ok failed "cpu_us/call" "cpu_load"
  for r in $RATES; do
    local m=$((r * STEP_S)) c0 c1 t0 t1
    c0=$(cpu_ticks "$gate"); t0=$(date +%s.%N)
    (cd "$tmp" && timeout $((STEP_S + 30)) taskset -c 1 sipp 127.0.0.1:5060 -sf "$root/tests/integration/b2bua_load_uac.xml" \
      -s echo -i 127.0.0.1 -p 5061 -d "$CALL_MS" -r "$r" -m "$m" -l $((r * 5 + 50)) -nostdin \
      -timeout $((STEP_S + 25))s -trace_stat -stf "$tmp/stat_$r.csv" -fd 1 >"$tmp/uac_$r.out" 2>&1)
    c1=$(cpu_ticks "$gate"); t1=$(date +%s.%N)
    read -r placed okc bad < <(python3 - "$tmp/stat_$r.csv" <<'PY'
import csv, sys
try:
    rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))
    h, l = rows[0], rows[-1]
    print(l[h.index("TotalCallCreated")], l[h.index("SuccessfulCall(C)")], l[h.index("FailedCall(C)")])
except Exception:
    print(0, 0, 0)
PY
)
    local us=0 load
    [ "$okc" -gt 0 ] && us=$(( (c1 - c0) * 1000000 / hz / okc ))
    load=$(python3 -c "print('%.0f%%' % (($c1 - $c0) / $hz / ($t1 - $t0) * 100))")
    printf '%8s %8s %8s %8s %12s %10s\n' "$r" "$placed" "$okc" "$bad" "$us" "$load"
    if [ "$okc" -ge $((m * 97 / 100)) ] && [ $((bad * 1000)) -lt "$m" ]; then
      best=$r; best_us=$us
    else
      break
    fi
  done
  echo "RESULT sip_calls_per_s=$best cpu_us_per_call=$best_us (highest step with < 0.1 % failures)"
  stop
}

bench_webrtc() {
  echo "## WebRTC call setups/s through rtcgated's B2BUA (WebSocket + INVITE + ICE + DTLS; rtcgated taskset -c 0)"
  start_gate && start_uas && wait_port t 8080 || { echo "webrtc: start failed"; stop; return; }
  for p in $PARALLEL; do
    echo "# --parallel $p"
    taskset -c 1 "$build/webrtc_load" --ws ws://127.0.0.1:8080/ --target sip:echo@127.0.0.1 \
      --parallel "$p" --seconds "$WEBRTC_S" --pid "$gate" 2>"$tmp/webrtc_$p.err"
    sort "$tmp/webrtc_$p.err" | uniq -c | sort -rn | head -5
  done
  stop
}

kamailio_cfg() { # minimal WebSocket <-> UDP proxy with an rtpengine-protocol media engine on $1
  local mods=/usr/lib/x86_64-linux-gnu/kamailio/modules
  cat >"$tmp/kamailio.cfg" <<CFG
#!KAMAILIO
debug=1
log_stderror=yes
fork=yes
children=1
tcp_children=1
auto_aliases=no
listen=udp:127.0.0.1:5062
listen=tcp:127.0.0.1:8090
tcp_accept_no_cl=yes
dns=no
rev_dns=no
use_dns_cache=off
mpath="$mods/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xhttp.so"
loadmodule "websocket.so"
loadmodule "nathelper.so"
loadmodule "rtpengine.so"
modparam("rr", "enable_double_rr", 1)
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:$1")
modparam("websocket", "keepalive_mechanism", 0)
request_route {
    if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
    if (proto == WS) { force_rport(); if (is_method("INVITE")) add_contact_alias(); }
    if (has_totag()) {
        if (loose_route()) {
            if (is_method("BYE")) rtpengine_delete();
            if (\$ru =~ "alias=") handle_ruri_alias();
            t_relay();
            exit;
        }
        if (is_method("ACK") && t_check_trans()) { t_relay(); exit; }
        sl_send_reply("404", "Not here");
        exit;
    }
    if (is_method("INVITE")) {
        record_route();
        rtpengine_offer("replace-origin replace-session-connection RTP/AVP ICE=remove rtcp-mux-demux DTLS=off SDES-off");
        \$ru = "sip:echo@127.0.0.1:5080";
        t_on_reply("MEDIA_REPLY");
        t_relay();
        exit;
    }
    sl_send_reply("404", "Not here");
}
onreply_route[MEDIA_REPLY] {
    if (status =~ "2[0-9][0-9]" && has_body("application/sdp"))
        rtpengine_answer("replace-origin replace-session-connection UDP/TLS/RTP/SAVPF ICE=force rtcp-mux-require SDES-off");
}
event_route[xhttp:request] {
    if (\$hdr(Upgrade) =~ "websocket" && \$hdr(Connection) =~ "Upgrade" && \$rm =~ "GET") {
        if (ws_handle_handshake()) exit;
    }
    xhttp_reply("404", "Not Found", "", "");
}
CFG
}

bench_kamailio() {
  command -v kamailio >/dev/null || { echo "kamailio: not installed"; return; }
  for engine in rtcgate rtpengine; do
    echo "## WebRTC call setups/s through Kamailio 5.6 (WebSocket) + $engine as media engine (engine taskset -c 0)"
    local port=22241
    if [ $engine = rtpengine ]; then
      cat >"$tmp/rtpengine.conf" <<CONF
[rtpengine]
table = -1
interface = 127.0.0.1
listen-ng = 127.0.0.1:$port
port-min = 40000
port-max = 59999
foreground = true
log-stderr = true
log-level = 4
delete-delay = 0
CONF
      taskset -c 0 rtpengine --config-file="$tmp/rtpengine.conf" --pidfile="$tmp/rtpe.pid" >"$tmp/rtpengine.log" 2>&1 &
    else
      rm -rf "$tmp/kstate"
      taskset -c 0 "$build/rtcgated" --state-dir "$tmp/kstate" --ng 127.0.0.1:$port --media-address 127.0.0.1 \
        --media-ports 40000-59999 >"$tmp/rtcgated-ng.log" 2>&1 &
    fi
    local eng=$!; pids+=("$eng")
    kamailio_cfg $port
    mkdir -p "$tmp/krun"
    taskset -c 1 kamailio -DD -E -f "$tmp/kamailio.cfg" -Y "$tmp/krun" -m 256 -M 32 >"$tmp/kamailio.log" 2>&1 &
    local kam=$!; pids+=("$kam")
    start_uas
    wait_port u $port && wait_port t 8090 || { echo "kamailio/$engine: start failed"; tail -5 "$tmp/kamailio.log"; stop; continue; }
    for p in $PARALLEL; do
      echo "# --parallel $p"
      local k0 k1
      k0=$(for q in $(pgrep -P "$kam") $kam; do cpu_ticks "$q"; done | awk '{s += $1} END {print s}')
      taskset -c 1 "$build/webrtc_load" --ws ws://127.0.0.1:8090/ --target sip:echo@127.0.0.1 \
        --parallel "$p" --seconds "$WEBRTC_S" --pid "$eng" 2>"$tmp/kam_$p.err"
      k1=$(for q in $(pgrep -P "$kam") $kam; do cpu_ticks "$q"; done | awk '{s += $1} END {print s}')
      echo "  kamailio (all processes): $(( (k1 - k0) * 1000 / hz )) ms CPU over the run"
      sort "$tmp/kam_$p.err" | uniq -c | sort -rn | head -5
    done
    stop
  done
}

for m in "${modes[@]}"; do
  case $m in
    sip) bench_sip ;;
    webrtc) bench_webrtc ;;
    kamailio) bench_kamailio ;;
    *) echo "unknown mode $m" ;;
  esac
done
