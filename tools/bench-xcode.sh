#!/bin/bash
# Transcoding cost, Opus <-> PCMU (20 ms, both directions), through
# rtcgated --ng and Debian's rtpengine (userspace, table = -1) with the same
# ng commands (codec: mask all, transcode PCMU) and the same traffic, in a
# private network namespace.  For each call count both relays are started
# fresh and build/xcode_load sets up the calls, sends paced Opus and PCMU
# and reads the relay's CPU and RSS.  Figures only, never pass/fail.
# Usage: tools/bench-xcode.sh [BUILD] [CALLS...]   (env SECONDS_RUN, WARMUP)
set -u
if [ -z "${RG_IN_NETNS:-}" ]; then
  RG_IN_NETNS=1 exec unshare -n "$BASH" "$0" "$@"
fi
ip link set lo up
build=$(cd "${1:-build}" && pwd); shift || true
calls=("$@"); [ ${#calls[@]} -gt 0 ] || calls=(50 200)
secs=${SECONDS_RUN:-10}; warm=${WARMUP:-2}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
tmp=$(mktemp -d); pids=()
source "$(dirname "$0")/bench-lib.sh"
trap 'stop; rm -rf "$tmp"' EXIT
rtpengine_conf
echo "# transcoding bench: Opus (48 kHz browser-like, 32 kbit/s) <-> PCMU, 20 ms, both directions, ${secs} s window"
echo "# $(nproc) cores (load average now $(cut -d' ' -f1-3 /proc/loadavg)), shared by relay and load generator"
echo "# rtpengine $(rtpengine --version 2>&1 | head -1), userspace; rtcgated $(git -C "$(dirname "$0")/.." rev-parse --short HEAD 2>/dev/null) (Opus complexity 0 at 8 kHz)"
results=()
for n in "${calls[@]}"; do
  for relay in rtcgate rtpengine; do
    if [ $relay = rtpengine ]; then
      rtpengine --config-file="$tmp/rtpengine.conf" --pidfile="$tmp/rtpe.pid" >"$tmp/rtpengine.log" 2>&1 &
      pid=$!; port=22222
    else
      rm -rf "$tmp/state"
      "$build/rtcgated" --state-dir "$tmp/state" --ng 127.0.0.1:22223 --media-address 127.0.0.1 \
        --media-ports 20000-59999 >"$tmp/rtcgated.log" 2>&1 &
      pid=$!; port=22223
    fi
    pids+=("$pid")
    if ! wait_udp $port; then echo "$relay did not start"; stop; continue; fi
    out=$("$build/xcode_load" --ng 127.0.0.1:$port --pid "$pid" --name "$relay" --calls "$n" \
          --seconds "$secs" --warmup "$warm")
    echo "$out" | grep -v '^RESULT'
    results+=("$(echo "$out" | grep '^RESULT')")
    stop
    sleep 0.5
  done
done
printf '%s\n' "${results[@]}" | python3 -c '
import sys
rows = {}
for line in sys.stdin:
    if not line.startswith("RESULT"): continue
    kv = dict(x.split("=", 1) for x in line.split()[1:])
    rows.setdefault(int(kv["calls"]), {})[kv["name"]] = kv
print()
print("%-6s %-10s %14s %14s %12s %10s %10s" % ("calls", "relay", "us/call-sec", "calls/core", "kB RSS/call", "deliv->G711", "deliv->Opus"))
for n in sorted(rows):
    for name in ("rtcgate", "rtpengine"):
        r = rows[n].get(name)
        if r: print("%-6d %-10s %14s %14s %12s %10s%% %10s%%" % (n, name, r["us_per_call_s"], r["calls_per_core"], r["kb_per_call"], r["delivered_pcmu"], r["delivered_opus"]))
    a, b = rows[n].get("rtcgate"), rows[n].get("rtpengine")
    if a and b and float(a["us_per_call_s"]) > 0:
        print("%-6d ratio: rtcgate uses %.2fx less CPU per call than rtpengine" % (n, float(b["us_per_call_s"]) / float(a["us_per_call_s"])))
'
