#!/usr/bin/env python3
"""Checks the demo's SIP echo peer (tools/demo-echo.xml under sipp -rtp_echo)
as a plain SIP UAC over UDP would see it (RFC 3261, RFC 3264):

  call 1: INVITE with a G.711 offer -> 180, 200 with an RTP/AVP answer; ACK;
          RTP sent to the answered address comes back unchanged; re-INVITEs
          with a=sendonly / a=inactive / a=sendrecv are answered recvonly /
          inactive / sendrecv; BYE -> 200.
  call 2: INVITE, CANCEL after the 180 -> 200 to the CANCEL, 487 to the INVITE.

Usage: sip_echo_peer.py HOST PORT   (prints ok/FAIL lines; exit 1 on a failure)
"""
import random
import re
import socket
import sys
import time

HOST, PORT = sys.argv[1], int(sys.argv[2])
fails = 0


def report(good, name, detail=''):
    global fails
    print(('ok' if good else 'FAIL') + ' - demo echo peer: ' + name + (': ' + detail if detail and not good else ''))
    if not good:
        fails += 1


sig = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sig.bind(('127.0.0.1', 0))
sig.settimeout(0.2)
rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rtp.bind(('127.0.0.1', 0))
rtp.settimeout(0.5)
lport, mport = sig.getsockname()[1], rtp.getsockname()[1]


def sdp(direction, version, te=True):
    """A G.711 offer, with RFC 4733 telephone-event (payload type 101) when te."""
    return ('v=0\r\no=uac 1 %d IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
            'm=audio %d RTP/AVP 0 8%s\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n%sa=%s\r\n'
            % (version, mport, ' 101' if te else '',
               'a=rtpmap:101 telephone-event/8000\r\n' if te else '', direction))


class Dialog:
    def __init__(self):
        self.call_id = '%x@demo-check' % random.getrandbits(64)
        self.ftag = '%x' % random.getrandbits(32)
        self.totag = ''
        self.cseq = 0
        self.contact = 'sip:echo@%s:%d' % (HOST, PORT)

    def request(self, method, body='', branch=None, cseq=None):
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        branch = branch or 'z9hG4bK%x' % random.getrandbits(48)
        uri = self.contact if self.totag and method != 'CANCEL' else 'sip:echo@%s:%d' % (HOST, PORT)
        to = '<sip:echo@%s:%d>' % (HOST, PORT) + (';tag=' + self.totag if self.totag else '')
        msg = ('%s %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport\r\n'
               'Max-Forwards: 70\r\nFrom: <sip:check@127.0.0.1>;tag=%s\r\nTo: %s\r\n'
               'Call-ID: %s\r\nCSeq: %d %s\r\nContact: <sip:check@127.0.0.1:%d>\r\n'
               % (method, uri, lport, branch, self.ftag, to, self.call_id, cseq,
                  method, lport))
        if body:
            msg += 'Content-Type: application/sdp\r\n'
        msg += 'Content-Length: %d\r\n\r\n%s' % (len(body.encode()), body)
        sig.sendto(msg.encode(), (HOST, PORT))
        return branch, cseq


def responses(until_final, seconds=4.0, want_cseq_method=None):
    """Responses received within `seconds`; stops after a final one to the
    wanted CSeq method when until_final."""
    out = []
    end = time.time() + seconds
    while time.time() < end:
        try:
            data = sig.recv(65535).decode(errors='replace')
        except socket.timeout:
            continue
        m = re.match(r'SIP/2\.0 (\d{3})', data)
        if not m:
            continue
        method = re.search(r'^CSeq:\s*\d+\s+(\w+)', data, re.M | re.I).group(1)
        out.append((int(m.group(1)), method, data))
        if until_final and int(m.group(1)) >= 200 and method == want_cseq_method:
            break
    return out


def final(rs, method):
    for code, meth, data in rs:
        if code >= 200 and meth == method:
            return code, data
    return None, ''


def ack(d, cseq):
    d.request('ACK', cseq=cseq)


def media_of(body):
    c = re.search(r'^c=IN IP4 (\S+)', body, re.M)
    m = re.search(r'^m=audio (\d+) RTP/AVP', body, re.M)
    return (c.group(1), int(m.group(1))) if c and m else None


def echo_check(dest):
    got = 0
    for seq in range(20):
        pkt = bytes([0x80, 0x00]) + seq.to_bytes(2, 'big') + (seq * 160).to_bytes(4, 'big') + \
            b'\x12\x34\x56\x78' + bytes([0xd5 ^ (seq & 0x7f)]) * 160
        rtp.sendto(pkt, dest)
        try:
            back = rtp.recv(2048)
            got += back == pkt
        except socket.timeout:
            pass
        time.sleep(0.02)
    return got


def reinvite(d, direction, want, version):
    _, cseq = d.request('INVITE', sdp(direction, version))
    code, data = final(responses(True, want_cseq_method='INVITE'), 'INVITE')
    ack(d, cseq)
    body = data.split('\r\n\r\n', 1)[-1]
    report(code == 200 and ('a=' + want) in body and 'telephone-event' in body,
           're-INVITE a=%s answered a=%s' % (direction, want),
           '%s %s' % (code, body.replace('\r\n', ' | ')))


d = Dialog()
_, cseq = d.request('INVITE', sdp('sendrecv', 1))
rs = responses(True, want_cseq_method='INVITE')
codes = [c for c, _, _ in rs]
code, data = final(rs, 'INVITE')
report(180 in codes and code == 200, 'INVITE rings then gets 200', str(codes))
if code == 200:
    d.totag = re.search(r'^To:.*;tag=([^;\s]+)', data, re.M | re.I).group(1)
    cm = re.search(r'^Contact:\s*<([^>]+)>', data, re.M | re.I)
    if cm:
        d.contact = cm.group(1)
    ack(d, cseq)
    body = data.split('\r\n\r\n', 1)[-1]
    dest = media_of(body)
    report(dest is not None and re.search(r'^m=audio \d+ RTP/AVP 0 101\r$', body, re.M) and
           'a=rtpmap:101 telephone-event/8000' in body, 'answer is RTP/AVP PCMU + telephone-event 101',
           body)
    if dest:
        n = echo_check(dest)
        report(n >= 18, 'RTP comes back unchanged (%d/20)' % n)
    reinvite(d, 'sendonly', 'recvonly', 2)
    reinvite(d, 'sendrecv', 'sendrecv', 3)
    reinvite(d, 'inactive', 'inactive', 4)
    reinvite(d, 'sendrecv', 'sendrecv', 5)
    if dest:
        n = echo_check(dest)
        report(n >= 18, 'RTP still echoed after the re-INVITEs (%d/20)' % n)
    d.request('BYE')
    code, _ = final(responses(True, want_cseq_method='BYE'), 'BYE')
    report(code == 200, 'BYE gets 200', str(code))

d = Dialog()
branch, cseq = d.request('INVITE', sdp('sendrecv', 1))
end = time.time() + 2
while time.time() < end and not any(c == 180 for c, _, _ in responses(False, 0.2)):
    pass
d.request('CANCEL', branch=branch, cseq=cseq)
rs = responses(True, 4.0, want_cseq_method='INVITE')
cancel_ok = any(c == 200 and m == 'CANCEL' for c, m, _ in rs)
code, data = final(rs, 'INVITE')
if code:
    tag = re.search(r'^To:.*;tag=([^;\s]+)', data, re.M | re.I)
    d.totag = tag.group(1) if tag else ''
    d.request('ACK', branch=branch, cseq=cseq)
report(cancel_ok and code == 487, 'CANCEL while ringing: 200 and 487',
       str([(c, m) for c, m, _ in rs]))
# call 3: an offer without telephone-event gets an answer without it.
d = Dialog()
_, cseq = d.request('INVITE', sdp('sendrecv', 1, te=False))
code, data = final(responses(True, 5.0, want_cseq_method='INVITE'), 'INVITE')
body = data.split('\r\n\r\n', 1)[-1]
if code == 200:
    d.totag = re.search(r'^To:.*;tag=([^;\s]+)', data, re.M | re.I).group(1)
    ack(d, cseq)
    d.request('BYE')
    final(responses(True, want_cseq_method='BYE'), 'BYE')
report(code == 200 and re.search(r'^m=audio \d+ RTP/AVP 0\r$', body, re.M) and 'telephone-event' not in body,
       'no telephone-event offered: answer is plain PCMU', body)
sys.exit(1 if fails else 0)
