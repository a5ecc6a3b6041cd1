#!/bin/bash
# Transcoding through the ng port: a libwebrtc peer restricted to Opus calls a
# plain RTP endpoint that accepts only PCMU, then only PCMA, G.722, G.729
# (rtpengine's codec flags: mask all, transcode X).  The 1 kHz tone must keep
# its frequency in both directions and rtcgate's ng query must say
# "transcoded".  The same commands and traffic run against Debian's rtpengine
# in the same test; its results are printed beside ours (it may lack codecs).
# DTMF and Chromium: ng_xcode_dtmf.sh.
# Usage: ng_xcode.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
in_netns "$@"
build=$(cd "${1:-build}" && pwd)

tmp=$(mktemp -d)
start_ng_pair "$tmp" "$build"
wait_udp 22222 || { fail "rtpengine started"; cat "$tmp/rtpengine.log" >&2; }
wait_udp 22223 || { fail "rtcgated --ng started"; cat "$tmp/rtcgated.log" >&2; }

summarize() {
  python3 -c 'import json,sys
d=json.loads(sys.stdin.read() or "{}")
print("state=%s tone-back=%sHz tone-at-endpoint=%sHz rms=%s endpoint-pts=%s transcoded=%s err=%s" % (
  d.get("connectionState"), d.get("toneHz"), d.get("toneHzAtEndpoint"), d.get("toneRms"),
  d.get("endpointPts"), d.get("transcoded"), (d.get("error") or "").replace("\r\n"," ").replace("\n"," ")[:200]))' 2>/dev/null
}

run() { # run NAME PORT CODEC DIRECTION [extra args]
  local name=$1 port=$2 codec=$3 dir=$4; shift 4
  out=$(cd "$PEERS" && timeout 40 node wrtc_ng_xcode.js --ng 127.0.0.1:$port --codec $codec --direction $dir --seconds 3 "$@")
  rc=$?
  s=$(printf '%s' "$out" | summarize)
  if [ "$name" = rtpengine ]; then echo "# ng-xcode/rtpengine/$codec/$dir (for comparison, exit $rc): $s"
  elif [ $rc -eq 0 ]; then ok "ng-xcode/$name/$codec/$dir ($s)"
  else fail "ng-xcode/$name/$codec/$dir ($s)"; printf '%s\n' "$out" | head -c 3000 >&2; echo >&2; fi
}

for codec in PCMU PCMA G722 G729; do
  run rtcgate 22223 $codec webrtc-offers --expect-transcoded
  run rtpengine 22222 $codec webrtc-offers
done
run rtcgate 22223 PCMU rtp-offers --expect-transcoded
run rtpengine 22222 PCMU rtp-offers

[ $FAILS -eq 0 ] || { echo "--- rtcgated log" >&2; tail -30 "$tmp/rtcgated.log" >&2; }
rm -rf "$tmp"
exit $((FAILS > 0))
