#!/bin/bash
# BUNDLE offered toward WebRTC (RFC 9143 §7.2): a plain RTP side offers audio
# and video on two ports over the ng control port with "bundle": ["offer"];
# the relay offers one BUNDLE group to a real libwebrtc peer (@roamhq/wrtc),
# which answers max-bundle; a 1 kHz tone and VP8 video go through two plain
# echo peers and must come back (both m= lines demultiplexed on the one
# WebRTC transport, RFC 9143 §9.2).  Then the same with an answerer that
# does not know BUNDLE: each m= line keeps its own transport.  The same
# script runs against Debian's rtpengine; its result is printed beside ours
# for comparison only.
# Usage: ng_bundle_offer.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
in_netns "$@"
build=$(cd "${1:-build}" && pwd)

tmp=$(mktemp -d)
start_ng_pair "$tmp" "$build"
wait_udp 22223 || { fail "rtcgated --ng started"; cat "$tmp/rtcgated.log" >&2; }
wait_udp 22222 || echo "# rtpengine did not start (comparison skipped)"

summarize() {
  python3 -c 'import json,sys
d=json.loads(sys.stdin.read() or "{}")
print("state=%s tone=%sHz audio-echo=%s video-echo=%s video-frames-back=%s offered-bundle=%s bundled=%s webrtc-locals=%s err=%s" % (
  d.get("connectionState"), d.get("toneHz"), d.get("echoRtp"), d.get("videoEchoRtp"),
  d.get("videoFramesReceived"), d.get("offeredBundle"), d.get("bundled"),
  ",".join(str(x) for x in d.get("webrtcLocals", [])), d.get("error","")[:160]))' 2>/dev/null
}
# one_local JSON: true when every m= line toward the WebRTC peer has the same
# local address (one shared transport).
locals_shared() {
  python3 -c 'import json,sys
d=json.loads(sys.stdin.read() or "{}"); l=d.get("webrtcLocals") or []
sys.exit(0 if len(l) == 2 and l[0] and l[0] == l[1] else 1)'
}

for relay in rtcgate:22223 rtpengine:22222; do
  name=${relay%%:*}; port=${relay##*:}
  for mode in bundle no-bundle-answer; do
    extra=; [ $mode = no-bundle-answer ] && extra=--no-bundle-answer
    out=$(cd "$PEERS" && timeout 60 node wrtc_ng_echo.js --ng 127.0.0.1:$port --direction rtp-offers --video $extra)
    rc=$?
    s=$(printf '%s' "$out" | summarize)
    if [ "$name" = rtpengine ]; then
      echo "# ng-bundle/rtpengine/wrtc/rtp-offers-$mode (for comparison, exit $rc): $s"
      continue
    fi
    if [ $mode = bundle ]; then
      printf '%s' "$out" | locals_shared || rc=1
    else
      printf '%s' "$out" | locals_shared && rc=1
    fi
    if [ $rc -eq 0 ]; then ok "ng-bundle/$name/wrtc/rtp-offers-$mode ($s)"
    else fail "ng-bundle/$name/wrtc/rtp-offers-$mode ($s)"; fi
  done
done
[ $FAILS -eq 0 ] || { echo "--- rtcgated log" >&2; tail -30 "$tmp/rtcgated.log" >&2; }
rm -rf "$tmp"
exit $((FAILS > 0))
