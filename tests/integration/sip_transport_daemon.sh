#!/bin/bash
# SIP transports of rtcgated (issue 5) inside a private network namespace:
# the embedded default (SIP over WebSocket and the demo page on 8080, UDP on
# 5060), then TCP, TLS and WSS listeners added to the configuration.  Real
# peers: sipp (UDP, TCP), a Node WebSocket client (ws, wss), JsSIP, curl (the page),
# openssl s_client (TLS); RFC 4475's malformed requests get 400s and the
# daemon keeps serving; over-long messages are refused.
# Usage: tests/integration/sip_transport_daemon.sh BUILD_DIR
set -u
cd "$(dirname "$0")/../.." || exit 1
if [ -z "${RG_IN_NETNS:-}" ]; then
    RG_IN_NETNS=1 exec unshare -n "$BASH" "$0" "$@"
fi
ip link set lo up
. tests/integration/lib_rtcgated.sh
tmp=$(mktemp -d)
st=$tmp/state
trap 'stop_daemon; rm -rf "$tmp"' EXIT
export RTCGATE_WEB_ROOT=$tmp/web
mkdir -p "$RTCGATE_WEB_ROOT/js"
printf '<!doctype html><title>rtcgate demo</title>\n' >"$RTCGATE_WEB_ROOT/index.html"
printf 'console.log(1);\n' >"$RTCGATE_WEB_ROOT/js/app.js"

# wait_port PROTO PORT: until something listens there (5 s).
wait_port() {
    for _ in $(seq 1 100); do
        ss -ln"$1" 2>/dev/null | grep -q ":$2 " && return 0
        sleep 0.05
    done
    return 1
}
sipp_options() { # TRANSPORT(u1|t1) PORT
    timeout 20 sipp -sf tests/integration/sip_options.xml -t "$1" -m 1 -i 127.0.0.1 -p 0 \
        -timeout 10s -trace_err -error_file "$tmp/sipp_err.log" 127.0.0.1:"$2" \
        >"$tmp/sipp.out" 2>&1
}

start_daemon "$st" || { fail "sip_transport: rtcgated did not start"; exit 1; }
wait_port u 5060 && wait_port t 8080 && ok "sip_transport: default listeners udp 5060, ws 8080" ||
    fail "sip_transport: default listeners"

sipp_options u1 5060 && ok "sip_transport: sipp OPTIONS over UDP gets 200" ||
    { fail "sip_transport: sipp UDP OPTIONS"; tail -5 "$tmp/sipp.out"; }

page=$(curl -s --max-time 5 http://127.0.0.1:8080/)
[ "$page" = '<!doctype html><title>rtcgate demo</title>' ] &&
    ok "sip_transport: GET / serves the demo page" || fail "sip_transport: GET / gave '$page'"
code=$(curl -s -o "$tmp/js" -w '%{http_code} %{content_type}' http://127.0.0.1:8080/js/app.js)
[ "$code" = "200 text/javascript; charset=utf-8" ] && cmp -s "$tmp/js" "$RTCGATE_WEB_ROOT/js/app.js" &&
    ok "sip_transport: GET /js/app.js serves the file" || fail "sip_transport: GET /js/app.js: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is http://127.0.0.1:8080/../state/secret.key)
[ "$code" = 404 ] && ok "sip_transport: paths outside the web root are 404" ||
    fail "sip_transport: traversal gave $code"

node tests/integration/sip_ws_client.mjs ws://127.0.0.1:8080/any/path ws ||
    fail "sip_transport: node WebSocket client (ws)"
timeout 20 node tests/integration/sip_jssip_options.mjs ws://127.0.0.1:8080/ ||
    fail "sip_transport: JsSIP OPTIONS over ws"

# RFC 4475 §3.1.2: every malformed request (verdict 400 in the README) over
# UDP gets a 400, then the daemon still answers.
python3 - tests/vectors/rfc4475 >"$tmp/4475.out" <<'PY'
import os, re, socket, sys
d = sys.argv[1]
names = re.findall(r'^\| (\w+\.dat) \| [\d.]+ \| [^|]+\| 400', open(os.path.join(d, 'README.md')).read(), re.M)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
for n in names:
    data = open(os.path.join(d, n), 'rb').read()
    request = not data.startswith(b'SIP/') and re.search(rb'^(Via|v)\s*:', data, re.M | re.I)
    s.sendto(data, ('127.0.0.1', 5060))
    try:
        got = s.recv(65535).split(b'\r\n')[0].decode()
    except socket.timeout:
        got = 'none'
    want = 'SIP/2.0 400' if request else 'none'
    print(('ok' if got.startswith(want) else 'FAIL') + f' - sip_transport: RFC 4475 {n}: {got}')
PY
cat "$tmp/4475.out"
grep -q '^FAIL' "$tmp/4475.out" && fails=$((fails + 1))
sipp_options u1 5060 && ok "sip_transport: still answering after the torture messages" ||
    fail "sip_transport: OPTIONS after torture"

# A stream message over the 64 KiB limit is refused with 400 and closed.
python3 - >"$tmp/big.out" <<'PY'
import socket
s = socket.create_connection(('127.0.0.1', 8080)); s.settimeout(3)
key = 'dGhlIHNhbXBsZSBub25jZQ=='
s.sendall(('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
           'Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n' % key).encode())
head = s.recv(4096)
n = 70000
frame = bytes([0x81, 0xff]) + n.to_bytes(8, 'big') + b'\0\0\0\0' + b'a' * n
try:
    s.sendall(frame)
except OSError:
    pass
data = b''
try:
    while True:
        b = s.recv(4096)
        if not b: break
        data += b
except OSError:
    pass
# close frame with 1009 (message too big, RFC 6455 §7.4.1)
print('ok' if b'101' in head.split(b'\r\n')[0] and b'\x88' in data[:2] and b'\x03\xf1' in data[:8] else 'FAIL', data[:8])
PY
grep -q '^ok' "$tmp/big.out" && ok "sip_transport: WebSocket message over the limit closed with 1009" ||
    { fail "sip_transport: over-long WebSocket message"; cat "$tmp/big.out"; }
kill -0 "$daemon_pid" 2>/dev/null && ok "sip_transport: daemon alive after malformed input" ||
    fail "sip_transport: daemon died"
stop_daemon

# TCP, TLS and WSS listeners from the configuration (factory certificate).
cat >>"$st/rtcgate.conf" <<'CONF'
set addressContext default zone ZONE_SIP sipSigPort 2 ipAddressV4 127.0.0.1 portNumber 5062 transportProtocolsAllowed sip-udp,sip-tcp state enabled
set addressContext default zone ZONE_SIP sipSigPort 3 ipAddressV4 127.0.0.1 portNumber 5061 transportProtocolsAllowed sip-tls-tcp tlsCertName defaultDtlsSBCCert state enabled
set addressContext default zone ZONE_WRTC sipSigPort 2 ipAddressV4 127.0.0.1 portNumber 8443 transportProtocolsAllowed sip-wss wsPath /ws state enabled
CONF
start_daemon "$st" || { fail "sip_transport: rtcgated did not restart"; tail -5 "$st.log"; exit 1; }
wait_port t 5062 && wait_port t 5061 && wait_port t 8443 && wait_port u 5062 &&
    ok "sip_transport: configured tcp/udp 5062, tls 5061, wss 8443 listening" ||
    { fail "sip_transport: configured listeners"; tail -5 "$st.log"; }
sipp_options t1 5062 && ok "sip_transport: sipp OPTIONS over TCP gets 200" ||
    { fail "sip_transport: sipp TCP OPTIONS"; tail -5 "$tmp/sipp.out"; }
sipp_options u1 5062 && ok "sip_transport: sipp OPTIONS over UDP on a second port gets 200" ||
    fail "sip_transport: sipp UDP OPTIONS port 5062"

opt="OPTIONS sip:probe@127.0.0.1:5061 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bKtls1\r\nFrom: <sip:s@127.0.0.1>;tag=1\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: tls1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
( printf "$opt\r\n\r\n"; sleep 1.5 ) | timeout 10 openssl s_client -connect 127.0.0.1:5061 -quiet \
    >"$tmp/tls.out" 2>"$tmp/tls.err"
head -1 "$tmp/tls.out" | grep -q '^SIP/2.0 200 OK' && grep -q 'Call-ID: tls1' "$tmp/tls.out" &&
    ok "sip_transport: openssl s_client OPTIONS over TLS gets 200 (then the CRLF pong)" ||
    { fail "sip_transport: TLS OPTIONS"; head -5 "$tmp/tls.out" "$tmp/tls.err"; }
printf '\r\n' | cmp -s - <(tail -c 2 "$tmp/tls.out") || fail "sip_transport: no CRLF pong over TLS"

node tests/integration/sip_ws_client.mjs wss://127.0.0.1:8443/ws wss ||
    fail "sip_transport: node WebSocket client (wss)"
stop_daemon
echo "# sip_transport_daemon: $fails failure(s)"
[ "$fails" -eq 0 ]
