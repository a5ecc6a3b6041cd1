# Shared helpers for integration scripts (sourced, not run).
# Every script prints "ok - <name>" / "FAIL - <name>" lines, cleans up what it
# started (trap on EXIT), and confines network traffic to loopback inside a
# network namespace it creates itself with `unshare -n`.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PEERS="$ROOT/tests/peers"
FAILS=0
PIDS=()

ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }
check() { # check NAME CMD...: runs CMD, ok/FAIL by its exit status
  local name=$1; shift
  if "$@"; then ok "$name"; else fail "$name"; fi
}
spawn() { # spawn CMD...: starts CMD in the background and remembers its pid
  "$@" &
  PIDS+=($!)
}
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.2
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup EXIT

# in_netns: re-executes the calling script inside a new network namespace
# where only loopback exists (idempotent: does nothing when already inside).
in_netns() {
  if [ -z "${RG_IN_NETNS:-}" ]; then
    RG_IN_NETNS=1 exec unshare -n "$BASH" "$0" "$@"
  fi
  ip link set lo up
}

# wait_udp PORT: waits (≤ 5 s) until something listens on UDP PORT.
wait_udp() {
  local i
  for i in $(seq 1 50); do
    ss -lun 2>/dev/null | grep -q ":$1 " && return 0
    sleep 0.1
  done
  return 1
}

# start_ng_pair TMP BUILD: Debian's rtpengine (userspace, table = -1) on ng
# 127.0.0.1:22222, ports 31000-31999, and rtcgated --ng on 127.0.0.1:22223,
# ports 30000-30999, so one script drives both with the same commands.
# Logs in TMP/rtpengine.log and TMP/rtcgated.log.  Does not wait.
start_ng_pair() {
  local tmp=$1 build=$2
  cat >"$tmp/rtpengine.conf" <<CONF
[rtpengine]
table = -1
interface = 127.0.0.1
listen-ng = 127.0.0.1:22222
port-min = 31000
port-max = 31999
foreground = true
log-stderr = true
log-level = 5
delete-delay = 0
CONF
  spawn rtpengine --config-file="$tmp/rtpengine.conf" --pidfile="$tmp/pid" >"$tmp/rtpengine.log" 2>&1
  spawn "$build/rtcgated" --state-dir "$tmp/state" --ng 127.0.0.1:22223 --media-address 127.0.0.1 \
    --media-ports 30000-30999 >"$tmp/rtcgated.log" 2>&1
}
