/*
 * Comfort noise, RFC 3389 payload ("CN", static PT 13, RFC 3551 §4.5.3).
 *
 * The first payload byte is the noise level in -dBov (0..127), where 0 dBov
 * is a full-scale square wave (RFC 3389 §3.1); reflection coefficients may
 * follow (§3.2).  This decoder reproduces the level only, as spectrally
 * white noise (the "no spectral information" case, model order 0); the
 * coefficients are accepted and ignored.  After a CN packet the sender stays
 * quiet until speech resumes, so conceal() keeps generating noise at the
 * last level.  The encoder writes the level of the PCM it is given (one
 * byte, order 0).  The noise generator is a per-state xorshift, not shared.
 */
#include <math.h>

#include "core/alloc.h"
#include "media/codec.h"

struct rg_cn_dec {
    uint32_t seed;
    float amp;         /* peak of the uniform noise */
    unsigned frame_n;  /* 20 ms at the PCM rate */
};

static int cn_enc_create(const struct rg_codec_params *p, unsigned sample_hz, void **st)
{
    (void)p;
    (void)sample_hz;
    *st = NULL;
    return RG_OK;
}

static void cn_enc_destroy(void *st)
{
    (void)st;
}

static int cn_encode(void *st, const int16_t *pcm, size_t n, uint8_t *out, size_t out_max)
{
    (void)st;
    if (out_max < 1)
        return RG_ELIMIT;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)pcm[i] * pcm[i];
    double rms = n ? sqrt(sum / (double)n) : 0;
    double dbov = rms > 0 ? -20.0 * log10(rms / 32767.0) : 127.0;
    if (dbov < 0)
        dbov = 0;
    if (dbov > 127)
        dbov = 127;
    out[0] = (uint8_t)lround(dbov);
    return 1;
}

static int cn_dec_create(const struct rg_codec_params *p, unsigned sample_hz, void **st)
{
    (void)p;
    struct rg_cn_dec *d = rg_calloc(1, sizeof(*d));
    if (!d)
        return RG_ENOMEM;
    d->seed = 0x9E3779B9u;
    d->frame_n = sample_hz / 50;
    *st = d;
    return RG_OK;
}

static void cn_dec_destroy(void *st)
{
    rg_free(st);
}

static void cn_fill(struct rg_cn_dec *d, int16_t *pcm, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t x = d->seed;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        d->seed = x;
        float u = (float)x / 2147483648.0f - 1.0f; /* [-1, 1) */
        pcm[i] = (int16_t)lrintf(u * d->amp);
    }
}

static int cn_decode(void *st, const uint8_t *in, size_t len, int16_t *pcm, size_t max)
{
    struct rg_cn_dec *d = st;
    if (len < 1 || (in[0] & 0x80))
        return RG_EBADMSG; /* level is 7 bits, MSB reserved 0 (RFC 3389 §3.1) */
    /* uniform noise on [-a, a] has rms a/sqrt(3); 0 dBov rms is full scale */
    float rms = 32767.0f * powf(10.0f, -(float)in[0] / 20.0f);
    d->amp = fminf(rms * 1.7320508f, 32767.0f);
    /* A CN packet stands for silence until the next packet: emit one 20 ms
     * frame now; the caller asks conceal() for the rest. */
    size_t n = max < d->frame_n ? max : d->frame_n;
    cn_fill(d, pcm, n);
    return (int)n;
}

static int cn_conceal(void *st, int16_t *pcm, size_t n)
{
    if (n > RG_CODEC_MAX_FRAME_SAMPLES)
        return RG_ELIMIT;
    cn_fill(st, pcm, n);
    return (int)n;
}

const struct rg_codec_ops rg_codec_ops_cn = {
    .enc_create = cn_enc_create,
    .enc_destroy = cn_enc_destroy,
    .encode = cn_encode,
    .dec_create = cn_dec_create,
    .dec_destroy = cn_dec_destroy,
    .decode = cn_decode,
    .conceal = cn_conceal,
};
