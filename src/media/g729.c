/*
 * G.729 (ITU-T G.729 / Annex A-compatible bit stream, 8 kbit/s) through
 * bcg729.
 *
 * RTP payload per RFC 3551 §4.5.6: zero or more 10-byte frames (10 ms,
 * 80 samples each) optionally followed by one 2-byte Annex B SID frame.
 * The encoder runs Annex B VAD/DTX when params->dtx is set: a silent frame
 * yields a 2-byte SID or nothing.  bcg729 allocates its channel contexts with
 * the C library, so those bytes are outside rg_alloc accounting (the bench
 * measures them with mallinfo2).  Loss: bcg729's frame-erasure concealment;
 * after a SID frame, missing frames are untransmitted silence (Annex B §4)
 * and comfort noise continues from the last SID.
 */
#include <bcg729/decoder.h>
#include <bcg729/encoder.h>
#include <string.h>

#include "core/alloc.h"
#include "media/codec.h"

#define G729_FRAME 80
#define G729_BYTES 10
#define G729_SID_BYTES 2

struct rg_g729_enc {
    bcg729EncoderChannelContextStruct *ctx;
};

struct rg_g729_dec {
    bcg729DecoderChannelContextStruct *ctx;
    bool in_cng;                   /* last frame was SID: keep comfort noise */
    uint8_t sid[G729_SID_BYTES];   /* last SID parameters */
};

static int g729_enc_create(const struct rg_codec_params *p, unsigned sample_hz, void **st)
{
    (void)sample_hz;
    struct rg_g729_enc *e = rg_calloc(1, sizeof(*e));
    if (!e)
        return RG_ENOMEM;
    e->ctx = initBcg729EncoderChannel(p && p->dtx ? 1 : 0);
    if (!e->ctx) {
        rg_free(e);
        return RG_ENOMEM;
    }
    *st = e;
    return RG_OK;
}

static void g729_enc_destroy(void *st)
{
    struct rg_g729_enc *e = st;
    if (!e)
        return;
    closeBcg729EncoderChannel(e->ctx);
    rg_free(e);
}

static int g729_enc(void *st, const int16_t *pcm, size_t n, uint8_t *out, size_t out_max)
{
    struct rg_g729_enc *e = st;
    if (n % G729_FRAME || n > RG_CODEC_MAX_FRAME_SAMPLES)
        return RG_EINVAL;
    size_t len = 0;
    for (size_t i = 0; i < n; i += G729_FRAME) {
        uint8_t frame[G729_BYTES];
        uint8_t flen = 0;
        bcg729Encoder(e->ctx, pcm + i, frame, &flen);
        if (flen == 0)
            continue;
        /* A SID frame must be the last in a packet (RFC 3551 §4.5.6): when
         * speech resumes within the packet, the SID before it is dropped so
         * the speech onset is kept. */
        if (len % G729_BYTES != 0)
            len -= G729_SID_BYTES;
        if (flen != G729_BYTES && flen != G729_SID_BYTES)
            continue;
        if (len + flen > out_max)
            return RG_ELIMIT;
        memcpy(out + len, frame, flen);
        len += flen;
    }
    return (int)len;
}

static int g729_dec_create(const struct rg_codec_params *p, unsigned sample_hz, void **st)
{
    (void)p;
    (void)sample_hz;
    struct rg_g729_dec *d = rg_calloc(1, sizeof(*d));
    if (!d)
        return RG_ENOMEM;
    d->ctx = initBcg729DecoderChannel();
    if (!d->ctx) {
        rg_free(d);
        return RG_ENOMEM;
    }
    *st = d;
    return RG_OK;
}

static void g729_dec_destroy(void *st)
{
    struct rg_g729_dec *d = st;
    if (!d)
        return;
    closeBcg729DecoderChannel(d->ctx);
    rg_free(d);
}

static int g729_dec(void *st, const uint8_t *in, size_t len, int16_t *pcm, size_t max)
{
    struct rg_g729_dec *d = st;
    size_t frames = len / G729_BYTES, rest = len % G729_BYTES;
    if (rest != 0 && rest != G729_SID_BYTES)
        return RG_EBADMSG;
    size_t total = (frames + (rest ? 1 : 0)) * G729_FRAME;
    if (total == 0)
        return RG_EBADMSG;
    if (total > max || total > RG_CODEC_MAX_FRAME_SAMPLES)
        return RG_ELIMIT;
    for (size_t i = 0; i < frames; i++)
        bcg729Decoder(d->ctx, in + i * G729_BYTES, G729_BYTES, 0, 0, 0, pcm + i * G729_FRAME);
    d->in_cng = false;
    if (rest) {
        memcpy(d->sid, in + frames * G729_BYTES, G729_SID_BYTES);
        bcg729Decoder(d->ctx, d->sid, G729_SID_BYTES, 0, 1, 0, pcm + frames * G729_FRAME);
        d->in_cng = true;
    }
    return (int)total;
}

static int g729_conceal(void *st, int16_t *pcm, size_t n)
{
    struct rg_g729_dec *d = st;
    if (n % G729_FRAME || n > RG_CODEC_MAX_FRAME_SAMPLES)
        return RG_EINVAL;
    static const uint8_t erased[G729_BYTES];
    for (size_t i = 0; i < n; i += G729_FRAME) {
        if (d->in_cng)
            bcg729Decoder(d->ctx, d->sid, G729_SID_BYTES, 0, 1, 0, pcm + i);
        else
            bcg729Decoder(d->ctx, erased, G729_BYTES, 1, 0, 0, pcm + i);
    }
    return (int)n;
}

const struct rg_codec_ops rg_codec_ops_g729 = {
    .enc_create = g729_enc_create,
    .enc_destroy = g729_enc_destroy,
    .encode = g729_enc,
    .dec_create = g729_dec_create,
    .dec_destroy = g729_dec_destroy,
    .decode = g729_dec,
    .conceal = g729_conceal,
};
