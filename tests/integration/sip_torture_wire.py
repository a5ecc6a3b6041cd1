#!/usr/bin/env python3
"""Sends RFC 4475's malformed and semantically odd messages to a running SIP
server over UDP and TCP and checks each answer.

Usage: sip_torture_wire.py VECTOR_DIR HOST UDP_PORT TCP_PORT
Prints one "ok - ..." or "FAIL - ..." line per message and transport.

Expectations come from tests/vectors/rfc4475/README.md:
- a verdict that starts with a status code (400 ..., 505 ...) is what the
  RFC expects of any element for the malformed messages of its section
  3.1.2 and 3.3 (the codec refuses them);
- "parses; check: NNN" is what the RFC expects of a UAS (section 3.3: 416
  for an unknown Request-URI scheme, 420 for an unsupported Require, 415
  for an unknown body type, 406 or 400 for an unsatisfiable Accept);
- responses (SIP/2.0 ...) must get no answer at all.
Messages that are valid for a UA (the rest) are not sent: a valid INVITE
would start a real call.  Over TCP each message goes on its own
connection.  A message that parses starts a server transaction, so it is
sent with "-<name>-<transport>" appended to its top Via branch: a new
transaction each time (RFC 3261 17.2.3; novelsc.dat and unkscm.dat share a
branch, sent-by and method, so the second would be a retransmission); clerr.dat (Content-Length larger than the message) and
baddn.dat (no empty line) cannot be framed on a stream and are sent over
UDP only (RFC 3261 18.3).  dblreq.dat
(a UDP datagram with trailing octets) is UDP only by definition.
"""
import os
import re
import socket
import sys
import time

# baddn.dat as published has no empty line after its headers: a stream
# cannot frame it either.
UDP_ONLY = {"clerr.dat", "dblreq.dat", "baddn.dat"}
# RFC 4475 3.3.15: 406, or 400 since every INVITE UA must accept SDP.
# 3.2.1: a missing transaction id may be refused (400) or handled with the
# RFC 2543 matching rules (the OPTIONS is then answered 200).
ALSO = {"sdp01.dat": {"400"}, "badbranch.dat": {"200"}}
SKIP_CHECKS = {"zeromf.dat"}  # 483 is for a proxy; a UA processes it (3.3.11)
CHECKED = set()  # messages that parse and reach the UAS checks


def expectations(vdir):
    table = open(os.path.join(vdir, "README.md"), encoding="utf-8").read()
    out = {}
    for name, verdict in re.findall(r"^\| (\w+\.dat) \| [\d.]+ \| [^|]+\| ([^|]+)\|", table, re.M):
        verdict = verdict.strip()
        m = re.match(r"(\d{3}) ", verdict)
        if m:
            out[name] = {m.group(1)}
            continue
        m = re.search(r"check: (\d{3})", verdict)
        if m and name not in SKIP_CHECKS:
            out[name] = {m.group(1)} | ALSO.get(name, set())
            CHECKED.add(name)
    return out


def final_status(read, deadline):
    """First final status line read before deadline (provisionals skipped)."""
    buf = b""
    while time.monotonic() < deadline:
        try:
            data = read(max(0.05, deadline - time.monotonic()))
        except socket.timeout:
            break
        if not data:
            break
        buf += data
        for line in re.findall(rb"SIP/2\.0 (\d{3})[^\r\n]*", buf):
            if not line.startswith(b"1"):
                return line.decode()
    return None


def over_udp(data, host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, 0))
    s.sendto(data, (host, port))

    def read(t):
        s.settimeout(t)
        return s.recv(65535)
    try:
        return final_status(read, time.monotonic() + 1.0)
    finally:
        s.close()


def over_tcp(data, host, port):
    s = socket.create_connection((host, port), timeout=2)
    s.sendall(data)

    def read(t):
        s.settimeout(t)
        return s.recv(65535)
    try:
        return final_status(read, time.monotonic() + 1.0)
    finally:
        s.close()


def fresh_branch(data, suffix):
    """The message with suffix appended to its top Via branch, so that a
    second send over another transport starts a new transaction instead of
    matching the first (RFC 3261 17.2.3: branch, sent-by, method).  A
    cookie-only branch (badbranch.dat) is what is being tested: kept."""
    m = re.search(rb"^(?:Via|v)\s*:[^\r\n]*?branch=(z9hG4bK[^;,\s]*)", data, re.M | re.I)
    if not m or m.group(1) == b"z9hG4bK":
        return data
    return data[:m.end(1)] + suffix + data[m.end(1):]


def main():
    vdir, host, uport, tport = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    exp = expectations(vdir)
    fails = 0
    for name in sorted(os.listdir(vdir)):
        if not name.endswith(".dat"):
            continue
        data = open(os.path.join(vdir, name), "rb").read()
        is_response = data.startswith(b"SIP/2.0 ")
        if not is_response and name not in exp:
            continue
        for tp in ("udp", "tcp"):
            if tp == "tcp" and name in UDP_ONLY:
                continue
            # Messages that parse start server transactions: each send gets
            # its own branch (novelsc.dat and unkscm.dat even share one).
            msg = fresh_branch(data, b"-" + name[:-4].encode() + b"-" + tp.encode()) \
                if name in CHECKED else data
            if tp == "udp":
                got = over_udp(msg, host, uport)
            else:
                got = over_tcp(msg, host, tport)
            if is_response:
                good, want = got is None, "no answer"
            else:
                good, want = got in exp[name], "/".join(sorted(exp[name]))
            fails += not good
            print("%s - sip-torture-wire: %s over %s: %s (want %s)"
                  % ("ok" if good else "FAIL", name, tp.upper(), got or "no answer", want))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
