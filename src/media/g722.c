/*
 * G.722 (ITU-T G.722, 64 kbit/s sub-band ADPCM) through spandsp.
 *
 * PCM runs at 16 kHz while the RTP clock is 8000 (RFC 3551 §4.5.2); the
 * table entry carries both.  States are allocated through rg_malloc and
 * initialised in place so they are counted and OOM-testable.  Each 16 kHz
 * sample pair becomes one byte, so a payload of len bytes is 2*len samples.
 * PLC: media/plc.h (pitch repetition at 16 kHz), fed with decoded audio.
 */
#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

#include "core/alloc.h"
#include "media/codec.h"
#include "media/plc.h"

struct rg_g722_dec {
    g722_decode_state_t g722;
    struct rg_plc plc;
};

static int g722_enc_create(const struct rg_codec_params *p, unsigned sample_hz, void **st)
{
    (void)p;
    (void)sample_hz;
    g722_encode_state_t *e = rg_calloc(1, sizeof(*e));
    if (!e)
        return RG_ENOMEM;
    g722_encode_init(e, 64000, 0);
    *st = e;
    return RG_OK;
}

static void g722_enc_destroy(void *st)
{
    rg_free(st);
}

static int g722_enc(void *st, const int16_t *pcm, size_t n, uint8_t *out, size_t out_max)
{
    if (n % 2 || n / 2 > out_max || n > RG_CODEC_MAX_FRAME_SAMPLES)
        return RG_ELIMIT;
    return g722_encode(st, out, pcm, (int)n);
}

static int g722_dec_create(const struct rg_codec_params *p, unsigned sample_hz, void **st)
{
    (void)p;
    (void)sample_hz;
    struct rg_g722_dec *d = rg_calloc(1, sizeof(*d));
    if (!d)
        return RG_ENOMEM;
    g722_decode_init(&d->g722, 64000, 0);
    rg_plc_init(&d->plc, 16000);
    *st = d;
    return RG_OK;
}

static void g722_dec_destroy(void *st)
{
    rg_free(st);
}

static int g722_dec(void *st, const uint8_t *in, size_t len, int16_t *pcm, size_t max)
{
    struct rg_g722_dec *d = st;
    if (len * 2 > max || len * 2 > RG_CODEC_MAX_FRAME_SAMPLES)
        return RG_ELIMIT;
    int n = g722_decode(&d->g722, pcm, in, (int)len);
    if (n < 0)
        return RG_EBADMSG;
    rg_plc_good(&d->plc, pcm, (size_t)n);
    return n;
}

static int g722_conceal(void *st, int16_t *pcm, size_t n)
{
    struct rg_g722_dec *d = st;
    if (n > RG_CODEC_MAX_FRAME_SAMPLES)
        return RG_ELIMIT;
    rg_plc_conceal(&d->plc, pcm, n);
    return (int)n;
}

const struct rg_codec_ops rg_codec_ops_g722 = {
    .enc_create = g722_enc_create,
    .enc_destroy = g722_enc_destroy,
    .encode = g722_enc,
    .dec_create = g722_dec_create,
    .dec_destroy = g722_dec_destroy,
    .decode = g722_dec,
    .conceal = g722_conceal,
};
