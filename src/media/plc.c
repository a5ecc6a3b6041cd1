/* Pitch-repetition packet-loss concealment (see plc.h). */
#include "media/plc.h"

#include <stdlib.h>
#include <string.h>

void rg_plc_init(struct rg_plc *p, unsigned rate)
{
    memset(p, 0, sizeof(*p));
    p->rate = rate > 8000 ? RG_PLC_MAX_RATE : 8000;
    p->hist_len = p->rate * 40 / 1000;
}

static void push_hist(struct rg_plc *p, const int16_t *x, size_t n)
{
    if (n >= p->hist_len) {
        memcpy(p->hist, x + n - p->hist_len, p->hist_len * sizeof(int16_t));
        return;
    }
    memmove(p->hist, p->hist + n, (p->hist_len - n) * sizeof(int16_t));
    memcpy(p->hist + p->hist_len - n, x, n * sizeof(int16_t));
}

/* Average magnitude difference function over the last 20 ms (the
 * G.711 Appendix I pitch search, at the stream's rate). */
static unsigned find_pitch(const struct rg_plc *p)
{
    unsigned lo = p->rate / 400, hi = p->rate / 66, win = p->rate / 50;
    const int16_t *end = p->hist + p->hist_len;
    unsigned best = hi;
    long best_d = -1;
    for (unsigned lag = lo; lag <= hi; lag++) {
        long d = 0;
        for (unsigned i = 0; i < win && (best_d < 0 || d < best_d); i++)
            d += labs((long)end[-(long)win + (long)i] - end[-(long)win - (long)lag + (long)i]);
        if (best_d < 0 || d < best_d) {
            best_d = d;
            best = lag;
        }
    }
    return best;
}

/* Gain (Q15) at concealed sample m: 1 for 10 ms, then down to 0 at 60 ms. */
static int32_t gain_q15(const struct rg_plc *p, unsigned long m)
{
    unsigned long full = p->rate / 100, zero = p->rate * 6 / 100;
    if (m < full)
        return 32768;
    if (m >= zero)
        return 0;
    return (int32_t)(32768 * (zero - m) / (zero - full));
}

void rg_plc_conceal(struct rg_plc *p, int16_t *out, size_t n)
{
    if (p->missing == 0) {
        p->pitch = find_pitch(p);
        memcpy(p->pbuf, p->hist + p->hist_len - p->pitch, p->pitch * sizeof(int16_t));
        p->pos = 0;
    }
    for (size_t i = 0; i < n; i++) {
        int32_t g = gain_q15(p, p->missing);
        out[i] = (int16_t)((p->pbuf[p->pos] * g) >> 15);
        p->pos = (p->pos + 1) % p->pitch;
        if (p->missing < 0xFFFFFFFFul)
            p->missing++;
    }
    push_hist(p, out, n);
}

void rg_plc_good(struct rg_plc *p, int16_t *pcm, size_t n)
{
    if (p->missing) {
        /* Cross-fade from the synthetic continuation into the real audio. */
        size_t ov = p->pitch / 4 + 1;
        if (ov > n)
            ov = n;
        for (size_t i = 0; i < ov; i++) {
            int32_t g = gain_q15(p, p->missing + i);
            int32_t syn = (p->pbuf[(p->pos + i) % p->pitch] * g) >> 15;
            int32_t w = (int32_t)((i + 1) * 32768 / (ov + 1));
            pcm[i] = (int16_t)((pcm[i] * w + syn * (32768 - w)) >> 15);
        }
        p->missing = 0;
    }
    push_hist(p, pcm, n);
}
