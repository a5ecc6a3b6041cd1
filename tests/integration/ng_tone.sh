#!/bin/bash
# Media engine end to end over the ng control protocol: a real libwebrtc peer
# (@roamhq/wrtc) and headless Chromium send a 1 kHz tone through the relay to
# a plain RTP echo peer and must hear it back, in both offer directions
# (WebRTC offers / plain RTP offers).  The very same scripts run against
# Debian's rtpengine (userspace, table = -1) in the same test, which proves
# the scripts are honest, and against rtcgated --ng.
# Usage: ng_tone.sh BUILD_DIR
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
print("state=%s tone=%sHz rms=%s pkts=%s err=%s" % (d.get("connectionState"), d.get("toneHz"),
  d.get("toneRms", d.get("toneDb")), d.get("echoRtp", d.get("packetsReceived")), d.get("error","")[:200]))' 2>/dev/null
}

for relay in rtpengine:22222 rtcgate:22223; do
  name=${relay%%:*}; port=${relay##*:}
  for dir in webrtc-offers rtp-offers; do
    out=$(cd "$PEERS" && timeout 60 node wrtc_ng_echo.js --ng 127.0.0.1:$port --direction $dir)
    rc=$?
    s=$(printf '%s' "$out" | summarize)
    if [ $rc -eq 0 ]; then ok "ng-tone/$name/wrtc/$dir ($s)"; else fail "ng-tone/$name/wrtc/$dir ($s)"; fi
  done
  out=$(cd "$PEERS" && timeout 90 node chromium_ng_echo.js --ng 127.0.0.1:$port)
  rc=$?
  s=$(printf '%s' "$out" | summarize)
  if [ $rc -eq 0 ]; then ok "ng-tone/$name/chromium ($s)"; else fail "ng-tone/$name/chromium ($s)"; fi
done
# BUNDLE (RFC 9143): audio and video on one transport (max-bundle).  rtcgate
# must carry both; rtpengine's result is printed beside it for comparison
# (with these flags its answer drops the BUNDLE group and libwebrtc refuses it).
for relay in rtcgate:22223 rtpengine:22222; do
  name=${relay%%:*}; port=${relay##*:}
  out=$(cd "$PEERS" && timeout 60 node wrtc_ng_echo.js --ng 127.0.0.1:$port --direction webrtc-offers --video)
  rc=$?
  s=$(printf '%s' "$out" | python3 -c 'import json,sys
d=json.loads(sys.stdin.read() or "{}")
print("state=%s tone=%sHz video-echo=%s video-frames-back=%s bundled=%s err=%s" % (d.get("connectionState"),
  d.get("toneHz"), d.get("videoEchoRtp"), d.get("videoFramesReceived"), d.get("bundled"), d.get("error","")[:160]))' 2>/dev/null)
  if [ "$name" = rtpengine ]; then echo "# ng-tone/rtpengine/wrtc/bundle-audio-video (for comparison, exit $rc): $s"
  elif [ $rc -eq 0 ]; then ok "ng-tone/$name/wrtc/bundle-audio-video ($s)"
  else fail "ng-tone/$name/wrtc/bundle-audio-video ($s)"; fi
done
[ $FAILS -eq 0 ] || { echo "--- rtcgated log" >&2; tail -30 "$tmp/rtcgated.log" >&2; }
rm -rf "$tmp"
exit $((FAILS > 0))
