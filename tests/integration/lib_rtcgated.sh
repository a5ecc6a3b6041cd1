# Sourced by the config integration tests: start/stop a private rtcgated.
# Not executable on purpose (tools/test-all.sh runs only executable *.sh).
build=${1:-build}
case $build in /*) ;; *) build=$PWD/$build ;; esac
RTCGATED=$build/rtcgated
RTCGATE=$build/rtcgate
fails=0
ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }

# start_daemon DIR — starts rtcgated on DIR and waits for its socket.
start_daemon() {
    daemon_log=$1.log
    "$RTCGATED" --state-dir "$1" >>"$1.log" 2>&1 &
    daemon_pid=$!
    for _ in $(seq 1 200); do
        [ -S "$1/cli.sock" ] && "$RTCGATE" --state-dir "$1" show table system licenseInfo \
            >/dev/null 2>&1 && return 0
        kill -0 "$daemon_pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# stop_daemon — SIGTERM, wait; a sanitizer report in the daemon's log (ASan
# build) or an unclean exit fails the test.
stop_daemon() {
    [ -n "${daemon_pid:-}" ] || return 0
    kill "$daemon_pid" 2>/dev/null
    wait "$daemon_pid" 2>/dev/null
    local rc=$?
    daemon_pid=
    if grep -q 'Sanitizer' "$daemon_log" 2>/dev/null; then
        echo "FAIL - rtcgated: sanitizer report"; grep -A15 'ERROR:' "$daemon_log" | head -30
        fails=$((fails + 1))
    elif [ $rc -ne 0 ]; then
        echo "FAIL - rtcgated: exit status $rc after SIGTERM"; tail -5 "$daemon_log"
        fails=$((fails + 1))
    fi
}
