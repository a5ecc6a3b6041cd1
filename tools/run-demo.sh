#!/bin/bash
# `make run`: the demo of PRODUCT.md §4 on 127.0.0.1.  Starts rtcgated on its
# embedded default configuration (state in .state/: configuration, generated
# certificate, CLI socket) and the SIP peer its default route calls,
# sip:127.0.0.1:5080 — sipp answering every call (tools/demo-echo.xml) and
# echoing every RTP packet back (-rtp_echo) — then prints the page's URL.
# Ctrl-C (or SIGTERM) stops both; if either dies, the other is stopped too.
# Usage: tools/run-demo.sh BUILD_DIR   (`make run` installs what is missing
# and builds first; RTCGATE_DEMO_STATE overrides the state directory)
set -u
build=${1:-build}
cd "$(dirname "$0")/.." || exit 1
case $build in /*) ;; *) build=$PWD/$build ;; esac
state=${RTCGATE_DEMO_STATE:-$PWD/.state}
echo_port=5080
echo_media=6000

for need in "$build/rtcgated" "$build/rtcgate"; do
    [ -x "$need" ] || { echo "run-demo: $need is missing: run 'make run'" >&2; exit 1; }
done
command -v sipp >/dev/null 2>&1 ||
    { echo "run-demo: sipp is missing: run 'make run' (tools/deps.sh run installs it)" >&2; exit 1; }
busy=$(ss -Hlnu "( sport = :5060 or sport = :$echo_port or sport = :$echo_media )" 2>/dev/null
    ss -Hlnt "( sport = :8080 )" 2>/dev/null)
if [ -n "$busy" ]; then
    echo "run-demo: a port the demo needs is taken (udp 5060, $echo_port, $echo_media; tcp 8080):" >&2
    echo "$busy" >&2
    exit 1
fi
mkdir -p "$state" || exit 1

gw_pid=
peer_pid=
stopping=0
stop_all() {
    [ $stopping -eq 1 ] && return
    stopping=1
    local p
    for p in $gw_pid $peer_pid; do kill -TERM "$p" 2>/dev/null; done
    for _ in $(seq 1 50); do
        kill -0 $gw_pid 2>/dev/null || kill -0 $peer_pid 2>/dev/null || break
        sleep 0.1
    done
    for p in $gw_pid $peer_pid; do kill -KILL "$p" 2>/dev/null; done
    wait 2>/dev/null
    echo
    echo "rtcgate demo stopped (rtcgated and the echo peer)."
}
trap stop_all EXIT
trap 'exit 0' INT TERM

"$build/rtcgated" --state-dir "$state" &
gw_pid=$!
# -nostdin: sipp must not take over the terminal (its statistics screen is
# written to the log when it stops); -ci: its control socket on loopback only.
sipp -sf tools/demo-echo.xml -i 127.0.0.1 -p $echo_port -mi 127.0.0.1 -mp $echo_media \
    -ci 127.0.0.1 -rtp_echo -aa -nostdin >"$state/echo-peer.log" 2>&1 </dev/null &
peer_pid=$!

up=0
for _ in $(seq 1 100); do
    if [ -S "$state/cli.sock" ] && ss -Hlnu "( sport = :$echo_port )" 2>/dev/null | grep -q .; then
        up=1
        break
    fi
    kill -0 $gw_pid 2>/dev/null && kill -0 $peer_pid 2>/dev/null || break
    sleep 0.1
done
if [ $up -eq 0 ]; then
    echo "run-demo: rtcgated or the echo peer did not start (see above and $state/echo-peer.log)" >&2
    exit 1
fi
page_note=
[ -f "$build/web/index.html" ] ||
    page_note="  (The demo page is NOT built: web/node_modules is missing; 'make run' installs it.)
"

cat <<MSG

rtcgate demo is running on 127.0.0.1 (embedded default configuration; state in $state).

  Open  http://127.0.0.1:8080/   and press Call: you should hear yourself.
$page_note
  Browser  --SIP/WebSocket ws://127.0.0.1:8080, ICE + DTLS-SRTP-->  rtcgated
  rtcgated --SIP/UDP 127.0.0.1:5060 -> sip:127.0.0.1:$echo_port, RTP/AVP G.711-->  echo peer
  Echo peer: sipp answering every call, echoing RTP on 127.0.0.1:$echo_media (log: $state/echo-peer.log)
  Operator CLI:  $build/rtcgate --state-dir $state
                 e.g. $build/rtcgate --state-dir $state show status global callDetailStatus
  Media engine for Kamailio/OpenSIPS: $build/rtcgated --ng 127.0.0.1:22222 (ng protocol)

Press Ctrl-C to stop.
MSG
# Returns when either process exits (or on a signal: the trap exits).
wait -n $gw_pid $peer_pid
rc=$?
if [ $stopping -eq 0 ]; then
    kill -0 $gw_pid 2>/dev/null || echo "run-demo: rtcgated exited (status $rc)" >&2
    kill -0 $peer_pid 2>/dev/null || echo "run-demo: the echo peer exited (status $rc; $state/echo-peer.log)" >&2
    exit 1
fi
