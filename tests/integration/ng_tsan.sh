#!/bin/bash
# The media engine's threads (control loop, media loops) under
# ThreadSanitizer: a libwebrtc peer calls through rtcgated built with
# -fsanitize=thread (make tsan) in both offer directions; any data race
# report fails the test.
# Usage: ng_tsan.sh BUILD_DIR   (the TSan tree is $RG_TSAN_BUILD, default build-tsan)
source "$(dirname "$0")/lib.sh"
in_netns "$@"
tsan=$(cd "$ROOT/${RG_TSAN_BUILD:-build-tsan}" 2>/dev/null && pwd)
if [ -z "$tsan" ] || [ ! -x "$tsan/rtcgated" ]; then
  fail "ng-tsan: no ThreadSanitizer build (run make tsan)"
  exit 1
fi
tmp=$(mktemp -d)
TSAN_OPTIONS="halt_on_error=0" spawn "$tsan/rtcgated" --state-dir "$tmp/state" --ng 127.0.0.1:22224 \
  --media-address 127.0.0.1 --media-ports 32000-32999 >"$tmp/log" 2>&1
wait_udp 22224 || sleep 2
for dir in webrtc-offers rtp-offers; do
  out=$(cd "$PEERS" && timeout 60 node wrtc_ng_echo.js --ng 127.0.0.1:22224 --direction $dir)
  if [ $? -eq 0 ]; then ok "ng-tsan/call/$dir"; else fail "ng-tsan/call/$dir"; fi
done
cleanup
PIDS=()
races=$(grep -c "WARNING: ThreadSanitizer" "$tmp/log")
if [ "$races" -eq 0 ]; then ok "ng-tsan: no data race reported"; else
  fail "ng-tsan: $races ThreadSanitizer reports"; grep -A20 "WARNING: ThreadSanitizer" "$tmp/log" | head -60 >&2; fi
rm -rf "$tmp"
exit $((FAILS > 0))
