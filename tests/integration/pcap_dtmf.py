#!/usr/bin/env python3
"""RFC 4733 telephone-events in a classic pcap of loopback traffic (test tool).

Usage: pcap_dtmf.py PCAP DST_PORT PT
Prints JSON {"events": [{"digit", "duration", "ends", "ts"}...], "packets": N}
for RTP packets with payload type PT sent to UDP port DST_PORT, one event per
RTP timestamp (RFC 4733 §2.5.1.2: every packet of an event carries its
start timestamp), duration = the largest seen, ends = packets with the E bit.
"""
import json
import struct
import sys

DIGITS = "0123456789*#ABCD"


def udp_payloads(path, dport):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    link = struct.unpack(end + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        p = 14 if link == 1 else 16 if link == 113 else 0
        if len(pkt) < p + 28 or pkt[p] >> 4 != 4 or pkt[p + 9] != 17:
            continue
        ihl = (pkt[p] & 15) * 4
        sport, dp = struct.unpack(">HH", pkt[p + ihl:p + ihl + 4])
        if dp == dport:
            yield pkt[p + ihl + 8:]


def main():
    path, dport, pt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    events, order, n = {}, [], 0
    for rtp in udp_payloads(path, dport):
        if len(rtp) < 12 or rtp[0] >> 6 != 2 or rtp[1] & 0x7F != pt:
            continue
        hdr = 12 + 4 * (rtp[0] & 15)
        if len(rtp) < hdr + 4:
            continue
        n += 1
        ts = struct.unpack(">I", rtp[4:8])[0]
        ev, flags, dur = rtp[hdr], rtp[hdr + 1], struct.unpack(">H", rtp[hdr + 2:hdr + 4])[0]
        if ts not in events:
            events[ts] = {"digit": DIGITS[ev] if ev < 16 else str(ev), "duration": 0, "ends": 0, "ts": ts}
            order.append(ts)
        e = events[ts]
        e["duration"] = max(e["duration"], dur)
        e["ends"] += 1 if flags & 0x80 else 0
    print(json.dumps({"packets": n, "events": [events[t] for t in order]}))


if __name__ == "__main__":
    main()
