#!/bin/bash
# Issue 3: kill -9 of rtcgated at random moments during commits, many times,
# never leaves a missing, corrupt or half-applied configuration.  Each
# commit changes two leaves together (ngControl port = 3000+i, media port
# range min = 20000+2i); after every kill the saved file must be complete,
# parse (the daemon restarts from it), and hold a pair from one commit.
# Usage: tests/integration/config_kill9.sh BUILD_DIR [ITERATIONS]
set -u
cd "$(dirname "$0")/../.." || exit 1
# Its own network namespace: the embedded default listens on 8080/5060.
if [ -z "${RG_IN_NETNS:-}" ]; then
    RG_IN_NETNS=1 exec unshare -n "$BASH" "$0" "$@"
fi
ip link set lo up
. tests/integration/lib_rtcgated.sh
iters=${2:-60}
tmp=$(mktemp -d)
st=$tmp/state
trap 'stop_daemon; rm -rf "$tmp"' EXIT
start_daemon "$st" || { echo "FAIL - config_kill9: rtcgated did not start"; exit 1; }
# A larger configuration makes each save take longer, so kills land inside it.
{ echo configure
  for i in $(seq 1 150); do
      echo "set profiles media codecEntry C$i codec G711 packetSize 20 preferredRtpPayloadType 0"
  done
  echo commit; } | "$RTCGATE" --state-dir "$st" >/dev/null ||
    { echo "FAIL - config_kill9: set-up commit"; exit 1; }

pair() { # prints "port min" as saved on disk
    local p m
    p=$(sed -n 's/^set system ngControl port \([0-9]*\)$/\1/p' "$st/rtcgate.conf")
    m=$(sed -n 's/^set system media mediaPortRange min \([0-9]*\)$/\1/p' "$st/rtcgate.conf")
    echo "$p $m"
}
bad=0 changed=0 prev=$(pair)
for i in $(seq 1 "$iters"); do
    printf 'configure\nset system ngControl port %d\nset system media mediaPortRange min %d\ncommit\n' \
        $((3000 + i)) $((20000 + 2 * i)) | "$RTCGATE" --state-dir "$st" >/dev/null 2>&1 &
    client=$!
    sleep "0.$(printf %03d $(( RANDOM % 120 )))"
    kill -9 "$daemon_pid" 2>/dev/null
    wait "$daemon_pid" 2>/dev/null
    wait "$client" 2>/dev/null
    daemon_pid=
    if [ ! -s "$st/rtcgate.conf" ] || [ "$(tail -n 1 "$st/rtcgate.conf")" != "# end of configuration" ]; then
        echo "FAIL - config_kill9: iteration $i: configuration missing or truncated"
        bad=$((bad + 1)); break
    fi
    now=$(pair)
    set -- $now
    if [ "$now" != "$prev" ] && { [ "$1" != $((3000 + i)) ] || [ "$2" != $((20000 + 2 * i)) ]; }; then
        echo "FAIL - config_kill9: iteration $i: half-applied or foreign pair '$now' (before '$prev')"
        bad=$((bad + 1))
    fi
    [ "$now" != "$prev" ] && changed=$((changed + 1))
    prev=$now
    if ! start_daemon "$st"; then
        echo "FAIL - config_kill9: iteration $i: rtcgated cannot start from the saved file"
        tail -3 "$st.log"; bad=$((bad + 1)); break
    fi
    shown=$("$RTCGATE" --state-dir "$st" show configuration system ngControl port | sed -n 's/^port \([0-9]*\);$/\1/p')
    if [ "$shown" != "${1:-}" ]; then
        echo "FAIL - config_kill9: iteration $i: running port '$shown' is not the saved '$1'"
        bad=$((bad + 1))
    fi
done
ls "$st" | grep -q '\.tmp$' && { echo "FAIL - config_kill9: temporary file left after restart"; bad=$((bad + 1)); }
stop_daemon
[ $bad -eq 0 ] && echo "ok - config_kill9: $iters kill -9 during commits, always a whole old or new configuration ($changed commits landed)"
[ $bad -eq 0 ] && [ $fails -eq 0 ]
