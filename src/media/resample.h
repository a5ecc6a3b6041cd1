/*
 * resample.h — 2:1 rate conversion between 16 kHz and 8 kHz PCM, for the
 * one case a transcoded call cannot avoid it: a wideband G.722 leg against
 * a narrowband G.711/G.729 leg (Opus legs never need it, see transcode.h).
 *
 * A 63-tap linear-phase low-pass (windowed sinc, Blackman window, cut-off
 * 3.6 kHz) band-limits before decimation and removes images after
 * zero-stuffing (polyphase, gain 2).  Group delay: 31 samples at 16 kHz
 * (1.94 ms).  The coefficients are computed at init into the state; the
 * state carries the filter history across calls, so a stream may be fed
 * in frames of any size.  Plain struct, no allocation, one thread.
 */
#ifndef RG_MEDIA_RESAMPLE_H
#define RG_MEDIA_RESAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RG_RS_TAPS 63

struct rg_resampler {
    bool up;                    /* 8 -> 16 kHz; else 16 -> 8 kHz */
    float h[RG_RS_TAPS];
    float hist[RG_RS_TAPS];     /* newest input last */
    unsigned phase;             /* decimation: odd input pending */
};

/* from_hz/to_hz: 16000 -> 8000 or 8000 -> 16000; false otherwise. */
bool rg_resampler_init(struct rg_resampler *r, unsigned from_hz, unsigned to_hz);
/* Converts n input samples; writes n*2 (up) or the next n/2 (+1 when an odd
 * sample was pending) output samples to out and returns how many.  out must
 * hold 2*n (up) or n/2 + 1 (down) samples. */
size_t rg_resampler_run(struct rg_resampler *r, const int16_t *in, size_t n, int16_t *out);

#endif
