#!/bin/bash
# Issue 3: the interactive CLI in a real terminal (tmux): prompts, tab
# completion, `?` help and the caret error line.
# Usage: tests/integration/config_tmux.sh BUILD_DIR
set -u
cd "$(dirname "$0")/../.." || exit 1
# Its own network namespace: the embedded default listens on 8080/5060.
if [ -z "${RG_IN_NETNS:-}" ]; then
    RG_IN_NETNS=1 exec unshare -n "$BASH" "$0" "$@"
fi
ip link set lo up
. tests/integration/lib_rtcgated.sh
command -v tmux >/dev/null || { echo "FAIL - config_tmux: tmux not installed"; exit 1; }
tmp=$(mktemp -d)
st=$tmp/state
sess=rgcli$$
export TMUX_TMPDIR=$tmp # a private tmux server, stopped below
trap 'tmux kill-server 2>/dev/null; stop_daemon; rm -rf "$tmp"' EXIT
start_daemon "$st" || { echo "FAIL - config_tmux: rtcgated did not start"; exit 1; }
tmux new-session -d -s "$sess" -x 200 -y 60 "$RTCGATE --state-dir $st" ||
    { echo "FAIL - config_tmux: tmux"; exit 1; }

screen() { tmux capture-pane -p -t "$sess"; }
# expect NAME PATTERN — waits up to 5 s for an extended regexp on screen.
expect() {
    for _ in $(seq 1 100); do
        if screen | grep -qE -- "$2"; then ok "config_tmux: $1"; return 0; fi
        sleep 0.05
    done
    fail "config_tmux: $1 (no /$2/ on screen)"; screen | tail -15; return 1
}
keys() { tmux send-keys -t "$sess" "$@"; }

expect "operational prompt" '^admin@rtcgate> ?$'
keys "conf" Tab
expect "tab completes configure" '^admin@rtcgate> configure ?$'
keys Enter
expect "configuration mode entered" '^Entering configuration mode private$'
expect "configuration prompt" '^admin@rtcgate% ?$'
keys "set profiles security dtlsProfile d1 " "?"
expect "? lists possible completions" '^Possible completions:$'
expect "? help names handshakeTimer" '^  handshakeTimer +- Seconds allowed for the DTLS handshake$'
expect "line kept after ?" '^admin@rtcgate% set profiles security dtlsProfile d1 ?$'
keys "v1" Tab
expect "tab extends to the common prefix" '^admin@rtcgate% set profiles security dtlsProfile d1 v1_$'
keys "2 ena" Tab
expect "tab completes an enum value" 'd1 v1_2 enabled ?$'
keys C-u "set profiles security dtlsProfile d1 handshakeTimer 70" Enter
expect "caret under the bad value" '^-{67}\^$'
expect "range error wording" '^syntax error: "70" is out of range\.$'
expect "error time stamp" '^\[error\]\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}\]$'
keys "set addressContext default zone ZONE_WRTC sipTrunkGroup TG_WRTC services natTraversal iceSupport iceLite" Enter
expect "invalid enum wording" '^syntax error: "iceLite" is an invalid value\.$'
keys "set system ngControl port 2300" Enter "exit" Enter
expect "uncommitted changes asked about" 'Discard changes and continue\? \[yes,no\] ?$'
keys "yes" Enter
expect "back to operational mode" '^admin@rtcgate> ?$'
keys "exit" Enter
for _ in $(seq 1 50); do tmux has-session -t "$sess" 2>/dev/null || break; sleep 0.05; done
tmux has-session -t "$sess" 2>/dev/null && fail "config_tmux: exit did not end the CLI" ||
    ok "config_tmux: exit ends the session"
stop_daemon
[ $fails -eq 0 ]
