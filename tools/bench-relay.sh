#!/bin/bash
# Relay cost of SDES-SRTP -> RTP audio through rtcgated and through Debian's
# rtpengine (userspace, table = -1), same ng commands and same traffic, in a
# private network namespace (loopback only).  For each stream count both
# relays are started fresh, build/relay_load sets up the calls and sends
# paced 20 ms audio, and the figures are printed side by side with the
# rtcgate/rtpengine ratios.  Benchmarks print figures, never pass/fail.
# Usage: tools/bench-relay.sh [BUILD] [STREAMS...]   (env SECONDS_RUN, WARMUP)
set -u
if [ -z "${RG_IN_NETNS:-}" ]; then
  RG_IN_NETNS=1 exec unshare -n "$BASH" "$0" "$@"
fi
ip link set lo up
build=$(cd "${1:-build}" && pwd); shift || true
streams=("$@"); [ ${#streams[@]} -gt 0 ] || streams=(100 1000 5000)
secs=${SECONDS_RUN:-10}; warm=${WARMUP:-2}
# The machine may be shared: relays and generator run at nice ${BENCH_NICE:--10}
# (both relays alike) so that other load starves them less.
nice=(nice -n "${BENCH_NICE:--10}")
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
tmp=$(mktemp -d); pids=()
source "$(dirname "$0")/bench-lib.sh"
trap 'stop; rm -rf "$tmp"' EXIT
rtpengine_conf
echo "# relay bench: SDES-SRTP (AES_CM_128_HMAC_SHA1_80) -> RTP/AVP, 20 ms PCMU, ${secs} s window"
echo "# $(nproc) cores (load average now $(cut -d' ' -f1-3 /proc/loadavg)), shared by the relay under test and the load generator; kernel $(uname -r)"
echo "# rtpengine $(rtpengine --version 2>&1 | head -1), userspace (table = -1); rtcgated $(git -C "$(dirname "$0")/.." rev-parse --short HEAD 2>/dev/null)"
results=()
for n in "${streams[@]}"; do
  for relay in rtcgate rtpengine; do
    if [ $relay = rtpengine ]; then
      "${nice[@]}" rtpengine --config-file="$tmp/rtpengine.conf" --pidfile="$tmp/rtpe.pid" >"$tmp/rtpengine.log" 2>&1 &
      pid=$!; port=22222
    else
      rm -rf "$tmp/state"
      "${nice[@]}" "$build/rtcgated" --state-dir "$tmp/state" --ng 127.0.0.1:22223 --media-address 127.0.0.1 \
        --media-ports 20000-59999 >"$tmp/rtcgated.log" 2>&1 &
      pid=$!; port=22223
    fi
    pids+=("$pid")
    if ! wait_udp $port; then echo "$relay did not start"; tail -5 "$tmp/$relay"*.log; stop; continue; fi
    out=$("${nice[@]}" "$build/relay_load" --ng 127.0.0.1:$port --pid "$pid" --name "$relay" --streams "$n" \
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
    rows.setdefault(int(kv["streams"]), {})[kv["name"]] = kv
print()
hdr = "%-7s %-9s %10s %8s %8s %8s %8s %10s %12s %9s"
print(hdr % ("streams", "relay", "relayed/s", "loss%", "p50 us", "p99 us", "us/pkt", "pkt/s/core", "kB RSS/call", "ng set/s"))
for n in sorted(rows):
    for name in ("rtcgate", "rtpengine"):
        r = rows[n].get(name)
        if not r: continue
        print(hdr % (n, name, r["relayed_pps"], r["loss_pct"], r["p50_us"], r["p99_us"], r["us_per_pkt"],
              r["pps_per_core"], r["rss_kb_per_call"],
              "%.0f" % (n / float(r["setup_s"])) if float(r["setup_s"]) > 0 else "-"))
    a, b = rows[n].get("rtcgate"), rows[n].get("rtpengine")
    if a and b and float(a["us_per_pkt"]) > 0 and float(a["rss_kb_per_call"]) != 0:
        print("%-7s %-9s efficiency (pkt/s per core) x%.2f, CPU per packet x%.2f, RSS per call x%.2f" % (
            n, "ratio", float(a["pps_per_core"]) / max(float(b["pps_per_core"]), 1),
            float(a["us_per_pkt"]) / max(float(b["us_per_pkt"]), 1e-9),
            float(a["rss_kb_per_call"]) / float(b["rss_kb_per_call"]) if float(b["rss_kb_per_call"]) else float("nan")))
'
