#!/usr/bin/env python3
"""Tiny ng control-protocol client (bencode over UDP) for integration tests.

Usage: ngq.py HOST:PORT COMMAND [key=value ...]
Prints the reply dictionary as JSON (byte strings decoded as UTF-8 with
replacement) and exits 0, or exits 1 when no reply came within 2 s.
Values that look like integers are sent as bencode integers.
"""
import json
import os
import socket
import sys


def enc(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(enc(x) for x in v) + b"e"
    if isinstance(v, dict):
        return b"d" + b"".join(enc(k) + enc(v[k]) for k in sorted(v)) + b"e"
    raise TypeError(type(v))


def dec(b, i=0):
    c = b[i:i + 1]
    if c == b"i":
        j = b.index(b"e", i)
        return int(b[i + 1:j]), j + 1
    if c == b"l":
        out, i = [], i + 1
        while b[i:i + 1] != b"e":
            v, i = dec(b, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        out, i = {}, i + 1
        while b[i:i + 1] != b"e":
            k, i = dec(b, i)
            v, i = dec(b, i)
            out[k] = v
        return out, i + 1
    j = b.index(b":", i)
    n = int(b[i:j])
    return b[j + 1:j + 1 + n].decode("utf-8", "replace"), j + 1 + n


def query(addr, command, **kw):
    host, port = addr.rsplit(":", 1)
    req = dict(kw)
    req["command"] = command
    cookie = os.urandom(6).hex()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    try:
        s.sendto(cookie.encode() + b" " + enc(req), (host, int(port)))
        data = s.recv(65535)
    except OSError:
        return None
    finally:
        s.close()
    sp = data.index(b" ")
    return dec(data, sp + 1)[0]


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    kw = {}
    for a in sys.argv[3:]:
        k, v = a.split("=", 1)
        kw[k] = int(v) if v.lstrip("-").isdigit() else v
    r = query(sys.argv[1], sys.argv[2], **kw)
    if r is None:
        return 1
    print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
