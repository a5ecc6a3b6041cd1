/*
 * codec.h — the audio codec table and the encoder/decoder objects built on it.
 *
 * Every codec rtcgate can relay or transcode is described once, in the
 * explicit table in codec_table.c (rg_codec_count / rg_codec_at): its SDP
 * rtpmap name and RTP clock, its static payload type (RFC 3551 §6), the PCM
 * sample rates it can run at, the packet times it allows and an ops vtable.
 * telephone-event (RFC 4733) has no ops: it is relayed by media/dtmf.h.
 *
 * RTP clock and PCM rate differ for two codecs and every conversion goes
 * through rg_codec_samples_to_ts / rg_codec_ts_to_samples:
 *   - G722/8000 runs at 16 kHz but its RTP clock is 8000 (RFC 3551 §4.5.2);
 *   - opus/48000/2 always uses a 48 kHz RTP clock (RFC 7587 §4.1) whatever
 *     rate the codec runs at; rtcgate runs Opus at the other leg's rate
 *     (8 or 16 kHz) so no resampler is needed.
 *
 * Encoders and decoders are separate objects (struct rg_codec_enc / _dec),
 * owned by their creator, used by one thread, freed with *_destroy.  Sans-IO:
 * nothing here reads a clock or the OS.  PCM is mono int16 at dec->sample_hz.
 */
#ifndef RG_MEDIA_CODEC_H
#define RG_MEDIA_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/str.h"

enum rg_codec_id {
    RG_CODEC_PCMU = 0,
    RG_CODEC_PCMA,
    RG_CODEC_G722,
    RG_CODEC_G729,
    RG_CODEC_OPUS,
    RG_CODEC_CN,
    RG_CODEC_TEL_EVENT,
    RG_CODEC_COUNT
};

enum rg_codec_flag {
    RG_CODEC_F_AUDIO = 1,   /* carries speech: has a vtable with encode/decode */
    RG_CODEC_F_FEC = 2,     /* decode_fec recovers a lost frame from the next packet */
    RG_CODEC_F_DTX = 4,     /* encoder may send nothing during silence */
    RG_CODEC_F_VARRATE = 8, /* PCM rate chosen per leg from .rates */
};

/* Largest PCM frame any decoder returns: 120 ms at 48 kHz (Opus, RFC 6716 §3.2.5). */
#define RG_CODEC_MAX_FRAME_SAMPLES 5760
/* Largest payload an encoder writes for one packet (60 ms). */
#define RG_CODEC_MAX_PAYLOAD 1500

/* Per-leg settings.  Zero-initialised means "codec defaults". */
struct rg_codec_params {
    unsigned sample_hz;   /* PCM rate; 0 = codec default; must be in codec->rates */
    unsigned complexity;  /* Opus 0..10 (RG_OPUS_DEFAULT_COMPLEXITY when 0 and !complexity_set) */
    bool complexity_set;  /* true: use .complexity even when 0 */
    unsigned bitrate_bps; /* Opus target bitrate; 0 = rg_opus_default_bitrate() */
    unsigned loss_pct;    /* Opus in-band FEC tuning hint, 0..100 */
    bool fec;             /* Opus: in-band FEC (RFC 6716 §2.1.7) */
    bool dtx;             /* Opus DTX / G.729 Annex B VAD+DTX */
};

/* Opus target bitrate used when params->bitrate_bps is 0. */
unsigned rg_opus_default_bitrate(unsigned sample_hz);
/* Opus complexity chosen for telephony by measurement (bench_transcode):
 * at 8 kHz complexity 0 encodes ~4.5x faster than 10 and scored no worse
 * in log-spectral distance / segmental SNR (see docs/internals/media.md). */
#define RG_OPUS_DEFAULT_COMPLEXITY 0

struct rg_codec_ops {
    /* Encoder: *st owned by the caller, freed with enc_destroy. */
    RG_MUST_CHECK int (*enc_create)(const struct rg_codec_params *p, unsigned sample_hz,
                                    void **st);
    void (*enc_destroy)(void *st);
    /* Encodes n samples (a whole number of codec frames); returns payload
     * bytes written (0: nothing to send, DTX) or a negative rg_err. */
    int (*encode)(void *st, const int16_t *pcm, size_t n, uint8_t *out, size_t out_max);
    RG_MUST_CHECK int (*dec_create)(const struct rg_codec_params *p, unsigned sample_hz,
                                    void **st);
    void (*dec_destroy)(void *st);
    /* Decodes one payload; returns samples written or RG_EBADMSG / RG_ELIMIT. */
    int (*decode)(void *st, const uint8_t *in, size_t len, int16_t *pcm, size_t max);
    /* Conceals n lost samples (PLC); returns n or a negative rg_err. */
    int (*conceal)(void *st, int16_t *pcm, size_t n);
    /* Rebuilds the n lost samples before packet in[] from its redundancy;
     * NULL when the codec has none. */
    int (*decode_fec)(void *st, const uint8_t *in, size_t len, int16_t *pcm, size_t n);
};

struct rg_codec {
    enum rg_codec_id id;
    const char *name;       /* rtpmap encoding name as in SDP ("PCMU", "opus") */
    unsigned clock_hz;      /* RTP clock rate (rtpmap) */
    unsigned channels;      /* rtpmap channels (opus/48000/2: 2; PCM is still mono) */
    int static_pt;          /* RFC 3551 static payload type, -1 when dynamic */
    unsigned sample_hz;     /* default PCM rate */
    unsigned rates[4];      /* allowed PCM rates, 0-terminated */
    unsigned frame_ms;      /* codec frame (packet time must be a multiple) */
    unsigned ptime_min_ms;  /* allowed packet times */
    unsigned ptime_max_ms;
    unsigned flags;         /* enum rg_codec_flag */
    const struct rg_codec_ops *ops; /* NULL for telephone-event */
};

/* The table (codec_table.c).  Index 0..rg_codec_count()-1; never NULL. */
size_t rg_codec_count(void);
const struct rg_codec *rg_codec_at(size_t i);
/* Codec by id (never NULL for a valid id, NULL otherwise). */
const struct rg_codec *rg_codec_by_id(enum rg_codec_id id);
/* Codec by rtpmap name (case-insensitive, RFC 4566 §6) and clock rate. */
const struct rg_codec *rg_codec_find(struct rg_str name, unsigned clock_hz);
/* Codec by static payload type (0 PCMU, 8 PCMA, 9 G722, 13 CN, 18 G729). */
const struct rg_codec *rg_codec_by_static_pt(int pt);

/* Vendor codecEntry "codec <name>" (vendor-config-model §2.6) → codecs.
 * Writes up to max codecs to out[] and whether the entry implies silence
 * suppression (G711SS / G729AB); returns the count or RG_ENOTFOUND. */
int rg_codec_cfg_lookup(struct rg_str cfg_name, const struct rg_codec **out, size_t max,
                        bool *silence_supp);

/* True when sample_hz is one of c->rates. */
bool rg_codec_rate_ok(const struct rg_codec *c, unsigned sample_hz);
/* RTP timestamp units <-> PCM samples at sample_hz. */
uint32_t rg_codec_samples_to_ts(const struct rg_codec *c, unsigned sample_hz, uint32_t n);
uint32_t rg_codec_ts_to_samples(const struct rg_codec *c, unsigned sample_hz, uint32_t ts);
/* True when ptime_ms is allowed (range and multiple of the frame). */
bool rg_codec_ptime_ok(const struct rg_codec *c, unsigned ptime_ms);

struct rg_codec_enc {
    const struct rg_codec *codec;
    unsigned sample_hz;
    void *st;
};
struct rg_codec_dec {
    const struct rg_codec *codec;
    unsigned sample_hz;
    void *st;
};

/* Create: *out written on success; the object is owned by the caller.
 * RG_EINVAL (no ops, bad rate), RG_ENOMEM. */
RG_MUST_CHECK int rg_codec_enc_create(const struct rg_codec *c, const struct rg_codec_params *p,
                                      struct rg_codec_enc **out);
void rg_codec_enc_destroy(struct rg_codec_enc *e);
/* See rg_codec_ops.encode. */
RG_MUST_CHECK int rg_codec_encode(struct rg_codec_enc *e, const int16_t *pcm, size_t n,
                                  uint8_t *out, size_t out_max);
RG_MUST_CHECK int rg_codec_dec_create(const struct rg_codec *c, const struct rg_codec_params *p,
                                      struct rg_codec_dec **out);
void rg_codec_dec_destroy(struct rg_codec_dec *d);
RG_MUST_CHECK int rg_codec_decode(struct rg_codec_dec *d, const uint8_t *in, size_t len,
                                  int16_t *pcm, size_t max);
RG_MUST_CHECK int rg_codec_conceal(struct rg_codec_dec *d, int16_t *pcm, size_t n);
/* RG_EUNSUPP when the codec has no FEC. */
RG_MUST_CHECK int rg_codec_decode_fec(struct rg_codec_dec *d, const uint8_t *in, size_t len,
                                      int16_t *pcm, size_t n);

/* The vtables (one file per coder). */
extern const struct rg_codec_ops rg_codec_ops_pcmu;
extern const struct rg_codec_ops rg_codec_ops_pcma;
extern const struct rg_codec_ops rg_codec_ops_g722;
extern const struct rg_codec_ops rg_codec_ops_g729;
extern const struct rg_codec_ops rg_codec_ops_opus;
extern const struct rg_codec_ops rg_codec_ops_cn;

#endif
