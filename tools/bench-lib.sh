# Sourced by tools/bench-relay.sh and tools/bench-xcode.sh (not executable):
# the pieces both relay benchmarks share.  Needs $tmp and the array pids.

# stop: SIGTERM every pid, SIGKILL what is still alive after 2 s (relay
# shutdown is not measured: tearing down thousands of sessions can be slow).
stop() { local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
         for _ in $(seq 1 20); do
           local alive=0; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
           [ $alive = 1 ] || break; sleep 0.1; done
         for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; pids=(); }
wait_udp() { for _ in $(seq 1 100); do ss -lun | grep -q ":$1 " && return 0; sleep 0.05; done; return 1; }

# rtpengine_conf: $tmp/rtpengine.conf for Debian's rtpengine in userspace
# (table = -1), ng on 127.0.0.1:22222, media ports 20000-59999.
rtpengine_conf() {
  cat >"$tmp/rtpengine.conf" <<CONF
[rtpengine]
table = -1
interface = 127.0.0.1
listen-ng = 127.0.0.1:22222
port-min = 20000
port-max = 59999
foreground = true
log-stderr = true
log-level = 4
delete-delay = 0
CONF
}
