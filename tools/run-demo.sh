#!/bin/bash
# `make run`: starts rtcgated on its embedded default configuration with a
# state directory in .state/ (configuration, generated certificate, CLI
# socket), says where everything is, and stops it on Ctrl-C.
# Usage: tools/run-demo.sh BUILD_DIR
set -u
build=${1:-build}
cd "$(dirname "$0")/.." || exit 1
state=$PWD/.state
mkdir -p "$state"
"$build/rtcgated" --state-dir "$state" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; echo; echo "rtcgate stopped."' EXIT
trap 'exit 0' INT TERM
for _ in $(seq 1 50); do [ -S "$state/cli.sock" ] && break; sleep 0.1; done
cat <<MSG

rtcgate is running on its embedded default configuration (state in $state).
  Operator CLI:   $build/rtcgate --state-dir $state
                  e.g. $build/rtcgate --state-dir $state show configuration
  SIP listeners:  ws://127.0.0.1:8080 (SIP over WebSocket; files from build/web at http://127.0.0.1:8080/)
                  udp 127.0.0.1:5060 (OPTIONS answered; calls arrive with the B2BUA)
  Media engine:   $build/rtcgated --ng 127.0.0.1:22222 serves the ng protocol to Kamailio/OpenSIPS
                  (or: configure; set system ngControl state enabled; commit — then restart)
Press Ctrl-C to stop.
MSG
wait $pid
