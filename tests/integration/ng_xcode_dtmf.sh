#!/bin/bash
# DTMF across transcoded calls through the ng port (RFC 4733), rtcgate and
# Debian's rtpengine with the same commands (rtpengine's printed beside):
#  - headless Chromium restricted to Opus (setCodecPreferences) calls a
#    G.711-only endpoint (mask all, transcode PCMU), plays a 1 kHz tone and
#    sends "159#" with RTCDTMFSender: the endpoint hears 1 kHz PCMU and gets
#    telephone-event/8000 with those digits lasting 1600 ticks (200 ms);
#  - rtp_ng_dtmf.js: an Opus leg sends telephone-event/48000, the G.711 leg
#    telephone-event/8000; each must arrive at the other clock with the same
#    digits and converted durations (the browser cannot report received
#    DTMF, so the Opus side is a plain RTP peer here).
# Usage: ng_xcode_dtmf.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
in_netns "$@"
build=$(cd "${1:-build}" && pwd)

tmp=$(mktemp -d)
start_ng_pair "$tmp" "$build"
wait_udp 22222 || { fail "rtpengine started"; cat "$tmp/rtpengine.log" >&2; }
wait_udp 22223 || { fail "rtcgated --ng started"; cat "$tmp/rtcgated.log" >&2; }

for relay in rtcgate:22223 rtpengine:22222; do
  name=${relay%%:*}; port=${relay##*:}
  out=$(cd "$PEERS" && timeout 30 node rtp_ng_dtmf.js --ng 127.0.0.1:$port 2>&1)
  rc=$?
  s=$(printf '%s' "$out" | python3 -c 'import json,sys
d=json.loads(sys.stdin.read() or "{}")
print("to-8k=%s to-48k=%s err=%s" % (d.get("to8k"), d.get("to48k"), (d.get("error") or "").replace("\r\n"," ").replace("\n"," ")[:200]))' 2>/dev/null)
  if [ "$name" = rtpengine ]; then echo "# ng-xcode/rtpengine/dtmf (for comparison, exit $rc): $s"
  elif [ $rc -eq 0 ]; then ok "ng-xcode/$name/dtmf ($s)"
  else fail "ng-xcode/$name/dtmf ($s)"; printf '%s\n' "$out" | head -c 2000 >&2; fi
done
for relay in rtcgate:22223 rtpengine:22222; do
  name=${relay%%:*}; port=${relay##*:}
  extra=; [ $name = rtcgate ] && extra=--expect-transcoded
  out=$(cd "$PEERS" && timeout 60 node chromium_ng_xcode.js --ng 127.0.0.1:$port $extra 2>&1)
  rc=$?
  s=$(printf '%s' "$out" | tail -1 | python3 -c 'import json,sys
d=json.loads(sys.stdin.read() or "{}")
print("state=%s tone-back=%sHz tone-at-endpoint=%sHz digits=%s durations=%s sent=%s transcoded=%s err=%s" % (
  d.get("connectionState"), d.get("toneHz"), d.get("endpointToneHz"), d.get("digitsAtEndpoint"),
  d.get("durationsAtEndpoint"), d.get("tonesSent"), d.get("transcoded"), (d.get("error") or "")[:160]))' 2>/dev/null)
  if [ "$name" = rtpengine ]; then echo "# ng-xcode/rtpengine/chromium-dtmf (for comparison, exit $rc): $s"
  elif [ $rc -eq 0 ]; then ok "ng-xcode/$name/chromium-opus-to-pcmu-dtmf ($s)"
  else fail "ng-xcode/$name/chromium-opus-to-pcmu-dtmf ($s)"; printf '%s\n' "$out" | head -c 2000 >&2; fi
done
[ $FAILS -eq 0 ] || { echo "--- rtcgated log" >&2; tail -30 "$tmp/rtcgated.log" >&2; }
rm -rf "$tmp"
exit $((FAILS > 0))
