/* 2:1 rate conversion (see resample.h). */
#include "media/resample.h"

#include <math.h>
#include <string.h>

bool rg_resampler_init(struct rg_resampler *r, unsigned from_hz, unsigned to_hz)
{
    if (!((from_hz == 16000 && to_hz == 8000) || (from_hz == 8000 && to_hz == 16000)))
        return false;
    memset(r, 0, sizeof(*r));
    r->up = to_hz > from_hz;
    const double fc = 3600.0 / 16000.0; /* normalised to the 16 kHz rate */
    const int mid = RG_RS_TAPS / 2;
    double sum = 0;
    for (int k = 0; k < RG_RS_TAPS; k++) {
        double x = k - mid;
        double sinc = x == 0 ? 2 * fc : sin(2 * M_PI * fc * x) / (M_PI * x);
        double w = 0.42 - 0.5 * cos(2 * M_PI * k / (RG_RS_TAPS - 1)) +
                   0.08 * cos(4 * M_PI * k / (RG_RS_TAPS - 1));
        r->h[k] = (float)(sinc * w);
        sum += r->h[k];
    }
    for (int k = 0; k < RG_RS_TAPS; k++)
        r->h[k] = (float)(r->h[k] / sum);
    return true;
}

static void push(struct rg_resampler *r, float x)
{
    memmove(r->hist, r->hist + 1, (RG_RS_TAPS - 1) * sizeof(float));
    r->hist[RG_RS_TAPS - 1] = x;
}

static int16_t sat(float v)
{
    return (int16_t)(v > 32767.0f ? 32767 : v < -32768.0f ? -32768 : lrintf(v));
}

/* y = sum h[k] * hist[newest - k], over taps of one parity (polyphase). */
static float fir(const struct rg_resampler *r, unsigned first, unsigned step)
{
    float acc = 0;
    for (unsigned k = first; k < RG_RS_TAPS; k += step)
        acc += r->h[k] * r->hist[RG_RS_TAPS - 1 - k];
    return acc;
}

size_t rg_resampler_run(struct rg_resampler *r, const int16_t *in, size_t n, int16_t *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (r->up) {
            /* zero-stuffed input: a real sample then a zero; each output is
             * the FIR over the stuffed stream, times 2 for the lost energy */
            push(r, in[i]);
            out[m++] = sat(2 * fir(r, 0, 1));
            push(r, 0);
            out[m++] = sat(2 * fir(r, 0, 1));
        } else {
            push(r, in[i]);
            r->phase ^= 1;
            if (!r->phase)
                out[m++] = sat(fir(r, 0, 1));
        }
    }
    return m;
}
