/*
 * Opus (RFC 6716, RTP payload RFC 7587) through libopus.
 *
 * Mono encoder and decoder at 8, 16 or 48 kHz, chosen by the other leg so a
 * transcoded call needs no resampler (the RTP clock stays 48000, RFC 7587
 * §4.1).  Encoder: OPUS_APPLICATION_VOIP, configurable complexity, bitrate,
 * in-band FEC with a packet-loss hint (RFC 6716 §2.1.7) and DTX (§2.1.9).
 * With DTX, libopus returns 1-2 byte packets for silent frames; those need
 * not be sent (RFC 7587 §3.1.3) and encode returns 0 for them.
 * Decoder: PLC by decoding a NULL packet; FEC by decoding the next packet
 * with decode_fec=1 for the lost frame's length.  States are allocated with
 * rg_malloc (opus_*_get_size + opus_*_init) so they are counted and
 * OOM-testable.
 */
#include <opus/opus.h>

#include "core/alloc.h"
#include "media/codec.h"

unsigned rg_opus_default_bitrate(unsigned sample_hz)
{
    /* libopus' own default for 8 kHz VOIP is about 6 kbit/s on speech with
     * pauses, audibly thin; these targets (VBR, so the mean is lower) keep
     * narrowband near G.711 and wideband near G.722 in bench_transcode's
     * log-spectral distance. */
    return sample_hz <= 8000 ? 24000 : sample_hz <= 16000 ? 32000 : 40000;
}

struct rg_opus_enc {
    bool dtx;
    OpusEncoder *enc; /* points into the same allocation */
};

static int opus_enc_create(const struct rg_codec_params *p, unsigned sample_hz, void **st)
{
    int size = opus_encoder_get_size(1);
    struct rg_opus_enc *e = rg_malloc(sizeof(*e) + (size_t)size);
    if (!e)
        return RG_ENOMEM;
    e->enc = (OpusEncoder *)(e + 1);
    if (opus_encoder_init(e->enc, (opus_int32)sample_hz, 1, OPUS_APPLICATION_VOIP) != OPUS_OK) {
        rg_free(e);
        return RG_EINVAL;
    }
    unsigned cx = RG_OPUS_DEFAULT_COMPLEXITY;
    if (p && (p->complexity_set || p->complexity))
        cx = p->complexity > 10 ? 10 : p->complexity;
    e->dtx = p && p->dtx;
    opus_encoder_ctl(e->enc, OPUS_SET_COMPLEXITY((opus_int32)cx));
    opus_encoder_ctl(e->enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
    opus_encoder_ctl(e->enc, OPUS_SET_BITRATE((opus_int32)(p && p->bitrate_bps
                                                               ? p->bitrate_bps
                                                               : rg_opus_default_bitrate(sample_hz))));
    opus_encoder_ctl(e->enc, OPUS_SET_INBAND_FEC(p && p->fec ? 1 : 0));
    opus_encoder_ctl(e->enc,
                     OPUS_SET_PACKET_LOSS_PERC((opus_int32)(p && p->loss_pct <= 100 ? p->loss_pct : 0)));
    opus_encoder_ctl(e->enc, OPUS_SET_DTX(e->dtx ? 1 : 0));
    *st = e;
    return RG_OK;
}

static void opus_enc_destroy(void *st)
{
    rg_free(st);
}

static int opus_enc(void *st, const int16_t *pcm, size_t n, uint8_t *out, size_t out_max)
{
    struct rg_opus_enc *e = st;
    if (n > RG_CODEC_MAX_FRAME_SAMPLES)
        return RG_EINVAL;
    opus_int32 max = out_max > RG_CODEC_MAX_PAYLOAD ? RG_CODEC_MAX_PAYLOAD : (opus_int32)out_max;
    opus_int32 len = opus_encode(e->enc, pcm, (int)n, out, max);
    if (len == OPUS_BUFFER_TOO_SMALL)
        return RG_ELIMIT;
    if (len < 0)
        return RG_EINVAL; /* frame size not allowed at this rate */
    if (e->dtx && len <= 2)
        return 0;
    return (int)len;
}

struct rg_opus_dec {
    OpusDecoder *dec;
};

static int opus_dec_create(const struct rg_codec_params *p, unsigned sample_hz, void **st)
{
    (void)p;
    int size = opus_decoder_get_size(1);
    struct rg_opus_dec *d = rg_malloc(sizeof(*d) + (size_t)size);
    if (!d)
        return RG_ENOMEM;
    d->dec = (OpusDecoder *)(d + 1);
    if (opus_decoder_init(d->dec, (opus_int32)sample_hz, 1) != OPUS_OK) {
        rg_free(d);
        return RG_EINVAL;
    }
    *st = d;
    return RG_OK;
}

static void opus_dec_destroy(void *st)
{
    rg_free(st);
}

static int opus_dec(void *st, const uint8_t *in, size_t len, int16_t *pcm, size_t max)
{
    struct rg_opus_dec *d = st;
    if (len == 0 || len > 1275 * 3)
        return RG_EBADMSG; /* RFC 6716 §3.4 [R1], [R2]-bounded */
    if (max > RG_CODEC_MAX_FRAME_SAMPLES)
        max = RG_CODEC_MAX_FRAME_SAMPLES;
    int n = opus_decode(d->dec, in, (opus_int32)len, pcm, (int)max, 0);
    if (n == OPUS_BUFFER_TOO_SMALL)
        return RG_ELIMIT;
    if (n < 0)
        return RG_EBADMSG;
    return n;
}

static int opus_conceal(void *st, int16_t *pcm, size_t n)
{
    struct rg_opus_dec *d = st;
    if (n > RG_CODEC_MAX_FRAME_SAMPLES)
        return RG_ELIMIT;
    /* n must be a multiple of 2.5 ms; libopus rejects anything else. */
    int got = opus_decode(d->dec, NULL, 0, pcm, (int)n, 0);
    if (got != (int)n)
        return RG_EINVAL;
    return got;
}

static int opus_fec(void *st, const uint8_t *in, size_t len, int16_t *pcm, size_t n)
{
    struct rg_opus_dec *d = st;
    if (len == 0 || len > 1275 * 3)
        return RG_EBADMSG;
    if (n > RG_CODEC_MAX_FRAME_SAMPLES)
        return RG_ELIMIT;
    /* Without LBRR data in the next packet libopus falls back to PLC for the
     * requested length, which is what the caller wants anyway. */
    int got = opus_decode(d->dec, in, (opus_int32)len, pcm, (int)n, 1);
    if (got != (int)n)
        return got < 0 ? RG_EBADMSG : RG_EINVAL;
    return got;
}

const struct rg_codec_ops rg_codec_ops_opus = {
    .enc_create = opus_enc_create,
    .enc_destroy = opus_enc_destroy,
    .encode = opus_enc,
    .dec_create = opus_dec_create,
    .dec_destroy = opus_dec_destroy,
    .decode = opus_dec,
    .conceal = opus_conceal,
    .decode_fec = opus_fec,
};
