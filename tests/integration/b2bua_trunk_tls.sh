#!/bin/bash
# Issue 5 "Must show": the SIP trunk over TCP and over TLS, with a real TLS
# peer (sipp has no TLS here).
#
# The callee is baresip (Debian), listening for SIP on 127.0.0.1:5090 (UDP,
# TCP) and 5091 (TLS, with a certificate this test makes with openssl); it
# auto-answers and plays a 440 Hz tone, recording what it receives.  The
# caller is a second baresip over UDP to rtcgated's 127.0.0.1:5060, playing
# a 1 kHz tone and recording what it receives.  rtcgated's default route
# (trunk group TG_SIP) is pointed at baresip with `transport tcp`, then
# `transport tls`.  For each: the call is established on both sides, the
# trunk leg really is a TCP / TLS connection from rtcgated to baresip's
# port, each side hears the other's tone at its frequency (1 kHz at the
# callee, 440 Hz at the caller: media crossed rtcgate both ways), the
# caller's hang-up (BYE) ends the call at the callee, and the engine holds
# no call afterwards.  Usage: b2bua_trunk_tls.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
in_netns "$@"
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
NG_PORT=22232
MODS=/usr/lib/baresip/modules

for tool in baresip openssl python3; do
  command -v $tool >/dev/null || { fail "trunk: $tool not installed (tools/deps.sh test)"; exit 1; }
done
[ -f $MODS/aufile.so ] && [ -f $MODS/sndfile.so ] || { fail "trunk: baresip modules missing"; exit 1; }
tmp=$(mktemp -d)
trap 'cleanup; [ -n "${RG_KEEP_TMP:-}" ] && echo "kept $tmp" >&2 || rm -rf "$tmp"' EXIT

# The callee's TLS certificate (self-signed ECDSA P-256 for 127.0.0.1).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -days 2 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
  2>"$tmp/openssl.log" || { fail "trunk: openssl made the certificate"; exit 1; }
cat "$tmp/cert.pem" "$tmp/key.pem" >"$tmp/callee.pem"
python3 "$here/wav_tone.py" make "$tmp/tone1k.wav" 1000 12
python3 "$here/wav_tone.py" make "$tmp/tone440.wav" 440 12

# baresip_dir NAME SIP_PORT RTP_PORTS TONE [extra config lines]
baresip_dir() {
  local d=$tmp/$1
  mkdir -p "$d" "$d/rec"
  cat >"$d/config" <<CFG
poll_method		epoll
sip_listen		127.0.0.1:$2
net_interface		127.0.0.1
audio_player		alsa,null
audio_source		aufile,$4
audio_alert		alsa,null
ausrc_srate		8000
auplay_srate		8000
ausrc_channels		1
auplay_channels		1
rtp_ports		$3
rtcp_mux		no
jitter_buffer_delay	5-10
module_path		$MODS
module			g711.so
module			aufile.so
module			alsa.so
module			sndfile.so
snd_path		$d/rec
module_tmp		account.so
module_app		menu.so
$5
CFG
  touch "$d/contacts"
}
baresip_dir callee 5090 20100-20199 "$tmp/tone440.wav" "sip_certificate		$tmp/callee.pem"
echo '<sip:bob@127.0.0.1>;regint=0;answermode=auto' >"$tmp/callee/accounts"
baresip_dir caller 5070 20000-20099 "$tmp/tone1k.wav" ""
echo '<sip:alice@127.0.0.1>;regint=0' >"$tmp/caller/accounts"

own() {
  python3 "$here/ngq.py" 127.0.0.1:$NG_PORT statistics |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["statistics"]["currentstatistics"]["sessionsown"])'
}
start_gate() {
  spawn "$build/rtcgated" --state-dir "$tmp/state" --ng 127.0.0.1:$NG_PORT --media-address 127.0.0.1 \
    --media-ports 30000-30999 >>"$tmp/rtcgated.log" 2>&1
  gate=${PIDS[-1]}
  for _ in $(seq 1 100); do [ -S "$tmp/state/cli.sock" ] && wait_udp 5060 && return 0; sleep 0.05; done
  return 1
}
stop_gate() {
  kill "$gate"; wait "$gate"; local rc=$?
  check "trunk/$1: rtcgated exits cleanly (status $rc, no sanitizer report)" \
    bash -c "[ $rc -eq 0 ] && ! grep -q Sanitizer '$tmp/rtcgated.log'"
}

start_gate || { fail "trunk: rtcgated started"; tail "$tmp/rtcgated.log" >&2; exit 1; }
stop_gate default
spawn baresip -f "$tmp/callee" </dev/null >"$tmp/callee.log" 2>&1
callee=${PIDS[-1]}
for _ in $(seq 1 100); do ss -ltn | grep -q ':5091 ' && break; sleep 0.05; done

for tp in tcp tls; do
  port=5090; [ $tp = tls ] && port=5091
  sed -i '/^set global staticRoute default /d' "$tmp/state/rtcgate.conf"
  echo "set global staticRoute default trunkGroup TG_SIP destinationAddress 127.0.0.1 destinationPort $port transport $tp" \
    >>"$tmp/state/rtcgate.conf"
  start_gate || { fail "trunk/$tp: rtcgated started"; tail "$tmp/rtcgated.log" >&2; continue; }
  rm -f "$tmp"/caller/rec/* "$tmp"/callee/rec/*
  : >"$tmp/callee.log.$tp"
  tail -n0 -f "$tmp/callee.log" >"$tmp/callee.log.$tp" 2>/dev/null &
  tailer=$!
  timeout 40 baresip -f "$tmp/caller" -e "/dial sip:bob@127.0.0.1:5060" -t 8 </dev/null \
    >"$tmp/caller.log.$tp" 2>&1 &
  caller=$!
  conn=0
  for _ in $(seq 1 60); do
    ss -tn state established "( dport = :$port )" | grep -q "127.0.0.1:$port" && conn=1 && break
    sleep 0.1
  done
  sleep 3
  during=$(own)
  wait $caller
  sleep 1
  kill $tailer 2>/dev/null; wait $tailer 2>/dev/null
  check "trunk/$tp: rtcgated connected to the callee's $tp port $port" test $conn = 1
  check "trunk/$tp: the caller's call was established" grep -qa "Call established" "$tmp/caller.log.$tp"
  check "trunk/$tp: the callee answered (baresip over $tp)" grep -qa "Call established" "$tmp/callee.log.$tp"
  check "trunk/$tp: the engine held the call (sessionsown=$during)" test "${during:-x}" = 1
  heard() { # heard DIR HZ WHO
    local f r
    f=$(ls "$tmp/$1"/rec/*-dec.wav 2>/dev/null | head -1)
    r=$([ -n "$f" ] && python3 "$here/wav_tone.py" peak "$f")
    set -- "$@" $r
    echo "  $3 heard ${4:-nothing} Hz (rms ${5:-0}, ${6:-0} s)" >&2
    [ -n "${4:-}" ] && [ $(( ${4} - $2 )) -le 10 ] && [ $(( $2 - ${4} )) -le 10 ] && [ "${5%.*}" -gt 1000 ]
  }
  check "trunk/$tp: the callee heard the caller's 1 kHz tone through rtcgate" heard callee 1000 callee
  check "trunk/$tp: the caller heard the callee's 440 Hz tone through rtcgate" heard caller 440 caller
  check "trunk/$tp: the caller's BYE ended the call at the callee" \
    grep -qE 'terminated|session closed' "$tmp/callee.log.$tp"
  sleep 0.5
  check "trunk/$tp: no call left in the engine" test "$(own)" = 0
  stop_gate $tp
done
kill "$callee" 2>/dev/null
if [ $FAILS -ne 0 ]; then
  { for tp in tcp tls; do echo "--- caller $tp"; grep -av '^//\|\[0:' "$tmp/caller.log.$tp" 2>/dev/null | tail -12
    echo "--- callee $tp"; tail -12 "$tmp/callee.log.$tp" 2>/dev/null; done
    echo "--- rtcgated"; tail -25 "$tmp/rtcgated.log"; } >&2
fi
exit $((FAILS > 0))
