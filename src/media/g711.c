/* G.711 μ-law / A-law (ITU-T G.711 Tables 1a/2a) and the PCMU/PCMA codecs. */
#include "media/g711.h"

#include <string.h>

#include "core/alloc.h"
#include "media/codec.h"
#include "media/plc.h"

/* Decode tables computed once at compile time would need 512 literals; the
 * expansion below is a handful of integer operations and is verified
 * bit-exactly against independent tables in tests/unit/test_media_g711.c. */

uint8_t rg_g711_ulaw_encode(int16_t x)
{
    /* G.711 §3 (μ-law): 14-bit magnitude plus a bias of 33, clipped at 8191,
     * then a 3-bit segment and 4-bit step, all bits inverted. */
    int mag = x < 0 ? ~x : x;
    mag = (mag >> 2) + 33;
    if (mag > 0x1FFF)
        mag = 0x1FFF;
    int seg = 0;
    for (int v = mag >> 6; v; v >>= 1)
        seg++;
    int code = (seg << 4) | ((mag >> (seg + 1)) & 0x0F);
    code = ~code & 0x7F;
    return (uint8_t)(x >= 0 ? code | 0x80 : code);
}

int16_t rg_g711_ulaw_decode(uint8_t code)
{
    int inv = ~code & 0xFF;
    int exponent = (inv >> 4) & 0x07;
    int mantissa = inv & 0x0F;
    int step = 4 << (exponent + 1);
    int mag = (0x80 << exponent) + step * mantissa + step / 2 - 4 * 33;
    return (int16_t)(code & 0x80 ? mag : -mag);
}

uint8_t rg_g711_alaw_encode(int16_t x)
{
    /* G.711 §2 (A-law): 12-bit magnitude; segment 0 and 1 share a step;
     * even bits inverted (XOR 0x55) on the line. */
    int mag = x < 0 ? (~x) >> 4 : x >> 4;
    if (mag > 15) {
        int exp = 1;
        while (mag > 16 + 15) {
            mag >>= 1;
            exp++;
        }
        mag -= 16;
        mag += exp << 4;
    }
    if (x >= 0)
        mag |= 0x80;
    return (uint8_t)(mag ^ 0x55);
}

int16_t rg_g711_alaw_decode(uint8_t code)
{
    int ix = (code ^ 0x55) & 0x7F;
    int exp = ix >> 4;
    int mant = ix & 0x0F;
    if (exp > 0)
        mant += 16;
    mant = (mant << 4) + 8;
    if (exp > 1)
        mant <<= exp - 1;
    return (int16_t)(code & 0x80 ? mant : -mant);
}

void rg_g711_ulaw_encode_buf(const int16_t *in, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = rg_g711_ulaw_encode(in[i]);
}

void rg_g711_ulaw_decode_buf(const uint8_t *in, size_t n, int16_t *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = rg_g711_ulaw_decode(in[i]);
}

void rg_g711_alaw_encode_buf(const int16_t *in, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = rg_g711_alaw_encode(in[i]);
}

void rg_g711_alaw_decode_buf(const uint8_t *in, size_t n, int16_t *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = rg_g711_alaw_decode(in[i]);
}

/* ---- codec vtables ---------------------------------------------------- */

/* Decoder state: the concealer (pitch repetition, G.711 Appendix I style). */
struct rg_g711_dec {
    struct rg_plc plc;
};

static int g711_enc_create(const struct rg_codec_params *p, unsigned sample_hz, void **st)
{
    (void)p;
    (void)sample_hz;
    *st = NULL; /* stateless */
    return RG_OK;
}

static void g711_enc_destroy(void *st)
{
    (void)st;
}

static int pcmu_encode(void *st, const int16_t *pcm, size_t n, uint8_t *out, size_t out_max)
{
    (void)st;
    if (n > out_max)
        return RG_ELIMIT;
    rg_g711_ulaw_encode_buf(pcm, n, out);
    return (int)n;
}

static int pcma_encode(void *st, const int16_t *pcm, size_t n, uint8_t *out, size_t out_max)
{
    (void)st;
    if (n > out_max)
        return RG_ELIMIT;
    rg_g711_alaw_encode_buf(pcm, n, out);
    return (int)n;
}

static int g711_dec_create(const struct rg_codec_params *p, unsigned sample_hz, void **st)
{
    (void)p;
    (void)sample_hz;
    struct rg_g711_dec *d = rg_calloc(1, sizeof(*d));
    if (!d)
        return RG_ENOMEM;
    rg_plc_init(&d->plc, 8000);
    *st = d;
    return RG_OK;
}

static void g711_dec_destroy(void *st)
{
    rg_free(st);
}

static int pcmu_decode(void *st, const uint8_t *in, size_t len, int16_t *pcm, size_t max)
{
    struct rg_g711_dec *d = st;
    if (len > max || len > RG_CODEC_MAX_FRAME_SAMPLES)
        return RG_ELIMIT;
    rg_g711_ulaw_decode_buf(in, len, pcm);
    rg_plc_good(&d->plc, pcm, len);
    return (int)len;
}

static int pcma_decode(void *st, const uint8_t *in, size_t len, int16_t *pcm, size_t max)
{
    struct rg_g711_dec *d = st;
    if (len > max || len > RG_CODEC_MAX_FRAME_SAMPLES)
        return RG_ELIMIT;
    rg_g711_alaw_decode_buf(in, len, pcm);
    rg_plc_good(&d->plc, pcm, len);
    return (int)len;
}

static int g711_conceal(void *st, int16_t *pcm, size_t n)
{
    struct rg_g711_dec *d = st;
    if (n > RG_CODEC_MAX_FRAME_SAMPLES)
        return RG_ELIMIT;
    rg_plc_conceal(&d->plc, pcm, n);
    return (int)n;
}

const struct rg_codec_ops rg_codec_ops_pcmu = {
    .enc_create = g711_enc_create,
    .enc_destroy = g711_enc_destroy,
    .encode = pcmu_encode,
    .dec_create = g711_dec_create,
    .dec_destroy = g711_dec_destroy,
    .decode = pcmu_decode,
    .conceal = g711_conceal,
};

const struct rg_codec_ops rg_codec_ops_pcma = {
    .enc_create = g711_enc_create,
    .enc_destroy = g711_enc_destroy,
    .encode = pcma_encode,
    .dec_create = g711_dec_create,
    .dec_destroy = g711_dec_destroy,
    .decode = pcma_decode,
    .conceal = g711_conceal,
};
