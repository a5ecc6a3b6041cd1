#!/bin/bash
# ng over UDP loses datagrams, and Kamailio retransmits a request whose
# reply it did not get.  rtcgated must answer a retransmission (same cookie,
# same source) with the same reply instead of executing it again; a new
# cookie is a new request.  Also: unknown flags are reported in "warning",
# malformed requests get no reply and do not disturb a call.
# Usage: ng_retransmit.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
in_netns "$@"
build=$(cd "${1:-build}" && pwd)
tmp=$(mktemp -d)
spawn "$build/rtcgated" --state-dir "$tmp/state" --ng 127.0.0.1:22226 --media-address 127.0.0.1 \
  --media-ports 34000-34999 >"$tmp/log" 2>&1
wait_udp 22226 || sleep 2
python3 - <<'PY'
import socket, re, sys
def b(v):
    if isinstance(v, bytes): return str(len(v)).encode() + b':' + v
    if isinstance(v, str): return b(v.encode())
    if isinstance(v, list): return b'l' + b''.join(b(x) for x in v) + b'e'
    return b'd' + b''.join(b(k) + b(v[k]) for k in sorted(v)) + b'e'
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
ng = ('127.0.0.1', 22226)
def ask(pkt):
    s.sendto(pkt, ng)
    return s.recv(65536)
bad = []
def report(ok, name):
    print(('ok - ' if ok else 'FAIL - ') + name)
    if not ok: bad.append(name)
sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\nc=IN IP4 127.0.0.1\r\n"
offer = b'r1 ' + b({'command': 'offer', 'call-id': 'rt', 'from-tag': 'a', 'sdp': sdp,
                    'transport-protocol': 'UDP/TLS/RTP/SAVPF', 'ICE': 'force',
                    'flags': ['trust-address', 'no-such-flag']})
first = ask(offer)
second = ask(offer)
report(first == second, 'ng-retransmit: a retransmitted offer gets the identical reply')
report(b'unknown flags ignored: no-such-flag' in first, 'ng-retransmit: unknown flags are reported')
third = ask(offer.replace(b'r1 ', b'r2 ', 1))
port = lambda r: re.search(rb'm=audio (\d+) ', r).group(1)
report(port(third) == port(first) and third != first,
       'ng-retransmit: a new cookie is a re-offer (same ports, new o= version)')
calls = ask(b'l1 ' + b({'command': 'list'}))
report(calls.count(b'2:rt') == 1, 'ng-retransmit: one call exists')
s.sendto(b'garbage without bencode', ng)
s.sendto(b'x1 d7:commande', ng)
pong = ask(b'p1 ' + b({'command': 'ping'}))
report(pong.startswith(b'p1 ') and b'pong' in pong, 'ng-retransmit: malformed requests do not stop the control loop')
sys.exit(1 if bad else 0)
PY
rc=$?
cleanup
PIDS=()
rm -rf "$tmp"
exit $rc
