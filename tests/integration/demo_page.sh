#!/bin/bash
# The embedded-default demo (issue 5, PRODUCT.md §4) inside a private network
# namespace:
#  - rtcgated with no configuration serves the demo page (build/web: index.html
#    and the esbuild bundle of web/phone.js with JsSIP) on ws/http port 8080
#    with the right Content-Types; the page loads nothing from elsewhere (no
#    CDN: static check of the HTML and every request headless Chromium makes);
#    pressing Call reaches rtcgate's WebSocket at ws://<page host>/;
#  - `make run`'s script (tools/run-demo.sh) starts rtcgated and the SIP echo
#    peer on 127.0.0.1:5080, which answers, echoes RTP and handles re-INVITEs
#    and CANCEL (sip_echo_peer.py); Ctrl-C (SIGINT to its process group, as a
#    terminal sends it) and SIGTERM to the script alone both stop everything
#    it started; the peer dying stops rtcgated too; a taken port is refused.
# Usage: tests/integration/demo_page.sh BUILD_DIR
set -u
cd "$(dirname "$0")/../.." || exit 1
if [ -z "${RG_IN_NETNS:-}" ]; then
    RG_IN_NETNS=1 exec unshare -n "$BASH" "$0" "$@"
fi
ip link set lo up
. tests/integration/lib_rtcgated.sh
unset RTCGATE_WEB_ROOT
web=$build/web
tmp=$(mktemp -d)
job=
cleanup() {
    stop_daemon
    [ -n "$job" ] && kill -KILL -- -"$job" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -f "$web/index.html" ] || [ ! -f "$web/phone.js" ]; then
    fail "demo_page: $web/index.html and phone.js not built (web/node_modules missing?)"
    exit 1
fi

# --- the page, as the embedded default serves it -----------------------------
start_daemon "$tmp/state" || { fail "demo_page: rtcgated did not start"; exit 1; }
for f in index.html:/ phone.js:/phone.js index.html:/index.html?x=1; do
    file=${f%%:*} path=${f#*:}
    case $file in *.html) want="text/html; charset=utf-8" ;; *) want="text/javascript; charset=utf-8" ;; esac
    got=$(curl -s --max-time 5 -o "$tmp/body" -w '%{http_code} %{content_type}' "http://127.0.0.1:8080$path")
    [ "$got" = "200 $want" ] && cmp -s "$tmp/body" "$web/$file" &&
        ok "demo_page: GET $path serves $file as $want" || fail "demo_page: GET $path gave '$got'"
done
got=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/nothing.js)
[ "$got" = 404 ] && ok "demo_page: unknown file is 404" || fail "demo_page: unknown file gave $got"

# Static: every src/href in the page is relative (or data:); no scheme, no //host.
refs=$(grep -oiE '(src|href)[[:space:]]*=[[:space:]]*"[^"]*"' "$web/index.html" | sed -E 's/^[^"]*"//; s/"$//')
bad=$(printf '%s\n' "$refs" | grep -iE '^([a-z][a-z0-9+.-]*:|//)' | grep -v '^data:')
[ -n "$refs" ] && [ -z "$bad" ] && ok "demo_page: index.html references only its own files ($(echo $refs))" ||
    fail "demo_page: external references in index.html: $bad"
grep -q 'jssip' "$web/phone.js" && head -c 300 "$web/phone.js" | grep -q 'jssip 3\.' &&
    ok "demo_page: phone.js bundles JsSIP (named in its header)" || fail "demo_page: JsSIP not in phone.js"

if timeout 40 node tests/peers/demo_page.js --url http://127.0.0.1:8080/ >"$tmp/page.json" 2>"$tmp/page.err"; then
    ok "demo_page: Chromium loads the page, JsSIP $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["jssip"])' "$tmp/page.json"), only local requests, Call reaches ws://127.0.0.1:8080/"
else
    fail "demo_page: Chromium: $(head -c 1500 "$tmp/page.json") $(tail -3 "$tmp/page.err")"
fi
stop_daemon

# --- make run's script ---------------------------------------------------------
# run_demo: starts tools/run-demo.sh as its own job (own process group, as
# under a terminal) and waits for its banner.  Sets $job (pid = pgid).
run_demo() {
    rm -rf "$tmp/demo" "$tmp/run.out"
    set -m
    RTCGATE_DEMO_STATE=$tmp/demo tools/run-demo.sh "$build" >"$tmp/run.out" 2>&1 &
    job=$!
    set +m
    for _ in $(seq 1 100); do
        grep -qs 'Press Ctrl-C' "$tmp/run.out" && return 0
        kill -0 "$job" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
# group_gone: true when no process of the job's group is left (10 s).
group_gone() {
    for _ in $(seq 1 100); do
        [ -z "$(ps -eo pgid= | awk -v g="$job" '$1 == g')" ] && return 0
        sleep 0.1
    done
    return 1
}
listeners() { ss -Hlnu '( sport = :5060 or sport = :5080 or sport = :6000 )'; ss -Hlnt '( sport = :8080 )'; }
# stopped NAME RC_WANT: the script exited with RC_WANT, nothing of it is left.
stopped() {
    local rc=0
    for _ in $(seq 1 100); do kill -0 "$job" 2>/dev/null || break; sleep 0.1; done
    wait "$job" 2>/dev/null
    rc=$?
    if [ "$rc" = "$2" ] && group_gone && [ -z "$(listeners)" ]; then
        ok "demo_page: run-demo.sh $1: exit $rc, no process or listener left"
    else
        fail "demo_page: run-demo.sh $1: exit $rc, left: $(ps -eo pid,pgid,args | awk -v g="$job" '$2 == g') $(listeners)"
        tail -5 "$tmp/run.out"
    fi
    job=
}

if run_demo; then
    ss -Hlnup '( sport = :5080 )' | grep -q '"sipp"' && ss -Hlntp '( sport = :8080 )' | grep -q rtcgated &&
        ss -Hlnup '( sport = :5060 )' | grep -q rtcgated &&
        ok "demo_page: run-demo.sh: rtcgated on 8080/5060, the sipp echo peer on 5080" ||
        fail "demo_page: run-demo.sh listeners: $(listeners)"
    grep -q 'http://127.0.0.1:8080/' "$tmp/run.out" && ok "demo_page: run-demo.sh prints the page's URL" ||
        fail "demo_page: no URL in the banner"
    got=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/)
    [ "$got" = 200 ] && ok "demo_page: run-demo.sh's rtcgated serves the page" || fail "demo_page: GET / gave $got"
    timeout 30 python3 tests/integration/sip_echo_peer.py 127.0.0.1 5080 >"$tmp/peer.out" 2>&1
    prc=$?
    cat "$tmp/peer.out" | grep -E '^(ok|FAIL) - '
    [ $prc -eq 0 ] || fails=$((fails + 1))
    kill -INT -- -"$job"
    stopped "Ctrl-C (SIGINT to the process group)" 0
    grep -q 'demo stopped' "$tmp/run.out" || fail "demo_page: no 'stopped' message"
else
    fail "demo_page: run-demo.sh did not start: $(tail -5 "$tmp/run.out")"
    kill -KILL -- -"$job" 2>/dev/null; job=
fi

if run_demo; then
    kill -TERM "$job"
    stopped "SIGTERM to the script alone" 0
else
    fail "demo_page: run-demo.sh did not start twice"; kill -KILL -- -"$job" 2>/dev/null; job=
fi

if run_demo; then
    peer=$(ps -eo pid=,pgid=,comm= | awk -v g="$job" '$2 == g && $3 == "sipp" { print $1 }')
    [ -n "$peer" ] && kill -KILL $peer
    stopped "echo peer killed" 1
    grep -q 'echo peer exited' "$tmp/run.out" || fail "demo_page: no message when the peer died"
else
    fail "demo_page: run-demo.sh did not start thrice"; kill -KILL -- -"$job" 2>/dev/null; job=
fi

# A taken port is refused before anything starts.
python3 -c 'import socket,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",5080)); time.sleep(8)' &
blocker=$!
for _ in $(seq 1 100); do
    [ -n "$(ss -Hlnu '( sport = :5080 )')" ] && break
    sleep 0.05
done
RTCGATE_DEMO_STATE=$tmp/demo2 timeout 10 tools/run-demo.sh "$build" >"$tmp/busy.out" 2>&1
rc=$?
kill "$blocker" 2>/dev/null; wait "$blocker" 2>/dev/null
[ $rc -eq 1 ] && grep -q 'port the demo needs is taken' "$tmp/busy.out" && [ ! -e "$tmp/demo2/cli.sock" ] &&
    ok "demo_page: run-demo.sh refuses to start when udp 5080 is taken" ||
    fail "demo_page: busy port: rc $rc $(cat "$tmp/busy.out")"

echo "# demo_page: $fails failure(s)"
[ "$fails" -eq 0 ]
