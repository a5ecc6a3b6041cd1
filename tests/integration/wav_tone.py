#!/usr/bin/env python3
"""Tone tools for integration tests (16-bit mono WAV).

  wav_tone.py make OUT.wav HZ SECONDS [RATE]   writes a sine (amplitude 8000)
  wav_tone.py peak IN.wav                       prints "HZ RMS SECONDS": the
      strongest frequency (Goertzel, 100..3900 Hz in 10 Hz steps, refined to
      1 Hz) over one second starting 1 s into the file, its RMS and length.
"""
import math
import struct
import sys
import wave


def make(path, hz, secs, rate=8000):
    w = wave.open(path, "wb")
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(rate)
    w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * hz * i / rate)))
                           for i in range(int(rate * secs))))
    w.close()


def power(x, f, rate):
    k = 2 * math.cos(2 * math.pi * f / rate)
    s1 = s2 = 0.0
    for v in x:
        s1, s2 = v + k * s1 - s2, s1
    return s1 * s1 + s2 * s2 - k * s1 * s2


def peak(path):
    w = wave.open(path)
    rate, n = w.getframerate(), w.getnframes()
    data = w.readframes(n)
    ch = w.getnchannels()
    x = struct.unpack("<%dh" % (len(data) // 2), data)[::ch]
    seg = x[rate:2 * rate] if len(x) >= 2 * rate else x
    if not seg:
        return 0, 0.0, n / rate
    best = max(range(100, 3901, 10), key=lambda f: power(seg, f, rate))
    best = max(range(best - 9, best + 10), key=lambda f: power(seg, f, rate))
    rms = math.sqrt(sum(v * v for v in seg) / len(seg))
    return best, rms, n / rate


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]),
             int(sys.argv[5]) if len(sys.argv) > 5 else 8000)
    else:
        hz, rms, secs = peak(sys.argv[2])
        print("%d %.0f %.1f" % (hz, rms, secs))
