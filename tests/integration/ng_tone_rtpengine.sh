#!/bin/bash
# The ng media-relay test harness, run against Debian's rtpengine (userspace,
# table = -1) as the reference peer: a real libwebrtc peer sends a 1 kHz tone
# through the relay to a plain RTP echo peer and must hear it back, in both
# offer directions.  This proves the harness (tests/peers/wrtc_ng_echo.js) is
# honest; the media engine of rtcgate is run through the very same script.
# A headless Chromium page (tests/peers/chromium_ng_echo.js) does the same
# through a small HTTP-to-ng test bridge.
# Usage: ng_tone_rtpengine.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
in_netns "$@"

tmp=$(mktemp -d)
PIDS+=()
cat >"$tmp/rtpengine.conf" <<CONF
[rtpengine]
table = -1
interface = 127.0.0.1
listen-ng = 127.0.0.1:22222
port-min = 31000
port-max = 31100
foreground = true
log-stderr = true
log-level = 5
delete-delay = 0
CONF
spawn rtpengine --config-file="$tmp/rtpengine.conf" --pidfile="$tmp/pid" >"$tmp/rtpengine.log" 2>&1
wait_udp 22222 || { fail "rtpengine started"; cat "$tmp/rtpengine.log" >&2; exit 1; }

for dir in webrtc-offers rtp-offers; do
  out=$(cd "$PEERS" && timeout 60 node wrtc_ng_echo.js --ng 127.0.0.1:22222 --direction $dir)
  rc=$?
  summary=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("state=%s tone=%sHz rms=%s echoRtp=%s err=%s" % (d.get("connectionState"), d.get("toneHz"), d.get("toneRms"), d.get("echoRtp"), d.get("error","")))' 2>/dev/null)
  if [ $rc -eq 0 ]; then ok "ng-tone/rtpengine/$dir ($summary)"; else fail "ng-tone/rtpengine/$dir ($summary)"; fi
done
out=$(cd "$PEERS" && timeout 90 node chromium_ng_echo.js --ng 127.0.0.1:22222)
rc=$?
summary=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("state=%s tone=%sHz level=%.0fdB pkts=%s err=%s" % (d.get("connectionState"), d.get("toneHz"), d.get("toneDb") or 0, d.get("packetsReceived"), d.get("error","")))' 2>/dev/null)
if [ $rc -eq 0 ]; then ok "ng-tone/rtpengine/chromium ($summary)"; else fail "ng-tone/rtpengine/chromium ($summary)"; fi
rm -rf "$tmp"
exit $((FAILS > 0))
