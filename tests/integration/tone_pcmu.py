#!/usr/bin/env python3
"""Writes SECONDS of a 1 kHz sine at 8 kHz as raw G.711 mu-law (ITU-T G.711,
the segment encoder of its Appendix), for sipp's rtp_stream (payload 0).
Usage: tone_pcmu.py OUT SECONDS"""
import math
import sys


def ulaw(x):
    s = 0x80 if x < 0 else 0
    x = min(abs(x), 32635) + 132
    e = 7
    while e > 0 and not x & (0x4000 >> (7 - e)):
        e -= 1
    return ~(s | (e << 4) | ((x >> (e + 3)) & 0x0F)) & 0xFF


n = int(float(sys.argv[2]) * 8000)
with open(sys.argv[1], "wb") as f:
    f.write(bytes(ulaw(int(8000 * math.sin(2 * math.pi * 1000 * i / 8000))) for i in range(n)))
