/*
 * transcode.h — one direction of a transcoded RTP stream.
 *
 * struct rg_xc takes the RTP packets one leg sends (payload, PT, sequence
 * number, timestamp, marker) and produces the RTP packets for the other
 * leg:
 *
 *   push ─► jitter buffer ─► decode / FEC / PLC / CN ─► PCM FIFO
 *        ─► repacketize to the output ptime (10..60 ms) ─► encode
 *        ─► RTP out with this leg's own SSRC, sequence numbers and
 *           timestamps (random initial values from the injected rg_rng,
 *           RFC 3550 §5.1), marker on talkspurt starts (RFC 3551 §4.1).
 *
 * telephone-event packets bypass the jitter buffer and go through
 * media/dtmf.h: relayed with the output leg's telephone-event PT and clock,
 * reported as digits, or played in-band as Q.23 tones when the output leg
 * has no telephone-event, according to the codec entry's DTMF mode.  While
 * an event is relayed the direction's audio is suppressed (its timestamps
 * still advance).  A call is two rg_xc, one per direction; RTCP for a leg
 * is built from the direction sending to it and the one receiving from it
 * (rg_xc_build_sr).
 *
 * PCM runs at one rate end to end when it can: Opus runs at the other
 * codec's rate (8 or 16 kHz), so Opus <-> G.711/G.722/G.729 needs no
 * resampler.  Only two fixed-rate codecs of different rates (G.722 <->
 * G.711/G.729) go through the 2:1 resampler (media/resample.h); other rate
 * pairs are refused with RG_EUNSUPP.
 *
 * Sans-IO: rg_xc_push at packet arrival, rg_xc_pull until it returns 0,
 * and wake again at rg_xc_next_us.  Owned by the caller, one thread.
 */
#ifndef RG_MEDIA_TRANSCODE_H
#define RG_MEDIA_TRANSCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/rng.h"
#include "media/codec.h"
#include "media/dtmf.h"
#include "media/jitter.h"

#define RG_XC_QUEUE 16

struct rg_xc_cfg {
    /* input leg */
    const struct rg_codec *in_codec;
    int in_pt;                      /* 0..127 */
    int in_te_pt;                   /* telephone-event PT, -1 none */
    unsigned in_te_clock_hz;        /* 0 = in_codec->clock_hz */
    int in_cn_pt;                   /* RFC 3389 CN PT, -1 none */
    unsigned in_ptime_ms;           /* expected; 0 = 20 */
    struct rg_codec_params in_params;
    size_t max_in_payload;          /* 0 = per-codec default (120 ms) */
    /* output leg */
    const struct rg_codec *out_codec;
    int out_pt;
    int out_te_pt;                  /* -1 none */
    unsigned out_te_clock_hz;       /* 0 = out_codec->clock_hz */
    unsigned out_ptime_ms;          /* 10..60, multiple of the codec frame */
    struct rg_codec_params out_params;
    /* both */
    unsigned sample_hz;             /* 0 = chosen (see above) */
    enum rg_dtmf_mode dtmf_mode;
    unsigned jb_min_ms, jb_max_ms;  /* 0 = 20 / 200 */
};

struct rg_xc_in {
    const uint8_t *payload; /* borrowed for the call */
    size_t len;
    uint32_t ssrc;
    uint32_t ts;
    uint16_t seq;
    uint8_t pt;
    bool marker;
};

struct rg_xc_out {
    uint8_t payload[RG_CODEC_MAX_PAYLOAD];
    size_t len;
    uint32_t ssrc;
    uint32_t ts;
    uint16_t seq;
    uint8_t pt;
    bool marker;
};

struct rg_xc_stats {
    unsigned long in_packets, in_dropped, decode_errors, fec_frames, plc_frames, cn_frames;
    unsigned long out_packets, out_audio, out_events, dtx_skipped, suppressed, queue_drops;
    struct rg_jb_stats jb;
};

struct rg_xc;

/* Validates cfg (codecs with ops, PTs 0..127, ptime, rates) and builds the
 * pipeline; the rng is used once for SSRC, sequence and timestamp.
 * RG_EINVAL, RG_EUNSUPP (rates need a resampler), RG_ENOMEM. */
RG_MUST_CHECK int rg_xc_create(const struct rg_xc_cfg *cfg, const struct rg_rng *rng,
                               struct rg_xc **out);
void rg_xc_destroy(struct rg_xc *xc);
/* Accepts one received packet.  RG_OK, or a negative code when it was
 * dropped (RG_ENOTFOUND unknown PT, RG_ETIMEDOUT late, RG_EEXIST
 * duplicate, RG_ELIMIT too big, RG_EBADMSG bad event payload). */
int rg_xc_push(struct rg_xc *xc, const struct rg_xc_in *pkt, int64_t now_us);
/* Runs everything due at now_us and writes at most one packet: returns 1
 * with *out written, 0 when nothing is ready. */
RG_MUST_CHECK int rg_xc_pull(struct rg_xc *xc, int64_t now_us, struct rg_xc_out *out);
/* When rg_xc_pull should next be called; INT64_MAX when idle. */
int64_t rg_xc_next_us(const struct rg_xc *xc);
/* The PCM rate of the output side (FIFO and encoder). */
unsigned rg_xc_sample_hz(const struct rg_xc *xc);
uint32_t rg_xc_out_ssrc(const struct rg_xc *xc);
void rg_xc_get_stats(const struct rg_xc *xc, struct rg_xc_stats *out);
/* Digits reported in out-of-band modes; RG_OK or RG_ENOTFOUND. */
RG_MUST_CHECK int rg_xc_pop_digit(struct rg_xc *xc, struct rg_dtmf_digit *out);

/* An RTCP packet received from the input leg (records its SR for LSR/DLSR). */
void rg_xc_rtcp_input(struct rg_xc *xc, const uint8_t *p, size_t len, int64_t now_us);
/* RTCP for one leg: an SR for what to_leg sent to it, with a report block
 * for what from_leg received from it (from_leg may be NULL).  Returns bytes
 * written or a negative rg_err. */
RG_MUST_CHECK int rg_xc_build_sr(const struct rg_xc *to_leg, struct rg_xc *from_leg,
                                 int64_t now_us, uint64_t ntp_now, uint8_t *out, size_t out_max);

#endif
