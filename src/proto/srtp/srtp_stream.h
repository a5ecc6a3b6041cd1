/*
 * srtp_stream.h — per-SSRC SRTP state of one session (internal to
 * src/proto/srtp): rollover counter and highest index (RFC 3711 §3.3.1),
 * replay windows (§3.3.2) for SRTP and SRTCP, the next SRTCP index of a
 * sender (§3.4).  A bounded table, grown on demand, least recently used
 * entry replaced when full.  Owned by struct rg_srtp; one thread.
 */
#ifndef RG_PROTO_SRTP_STREAM_H
#define RG_PROTO_SRTP_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

#define RG_SRTP_MAX_STREAMS 64 /* SSRCs per session (BUNDLE: audio, video, rtx, ...) */
#define RG_SRTP_RTCP_WINDOW 128

struct rg_srtp_stream {
    uint32_t ssrc;
    bool rtp_seen, rtcp_seen;
    uint64_t rtp_top; /* highest SRTP index (ROC << 16 | SEQ) accepted or sent */
    uint32_t rtcp_top;
    uint32_t rtcp_next; /* sender: next SRTCP index */
    uint64_t last_use;
    uint64_t rtcp_win[RG_SRTP_RTCP_WINDOW / 64];
    uint64_t *rtp_win; /* ring of ring_bits bits, indexed by index mod ring_bits */
};

struct rg_srtp_streams {
    struct rg_srtp_stream *v;
    uint16_t n, cap;
    uint16_t window;    /* RTP replay window in packets */
    uint32_t ring_bits; /* window rounded up to a power of two, >= 64 */
    uint64_t clock;     /* use counter for LRU */
};

void rg_srtp_streams_init(struct rg_srtp_streams *ss, uint16_t window);
void rg_srtp_streams_clear(struct rg_srtp_streams *ss);
/* ssrc's stream or NULL; valid until the next call. */
struct rg_srtp_stream *rg_srtp_streams_find(struct rg_srtp_streams *ss, uint32_t ssrc);
/* Finds ssrc's stream (*out NULL when absent and !create); with create adds
 * it (evicting the least recently used when full).  *out stays valid until
 * the next call.  RG_OK or RG_ENOMEM. */
RG_MUST_CHECK int rg_srtp_streams_get(struct rg_srtp_streams *ss, uint32_t ssrc, bool create,
                                      struct rg_srtp_stream **out);

/* Estimated index of seq (RFC 3711 Appendix A); seq itself for a NULL or
 * fresh stream; never before ROC 0; -1 when it would pass ROC 2^32-1. */
int64_t rg_srtp_stream_rtp_index(const struct rg_srtp_stream *st, uint16_t seq);
/* RG_OK when idx may be used, RG_EPROTO when replayed or too old. */
RG_MUST_CHECK int rg_srtp_stream_rtp_check(const struct rg_srtp_streams *ss,
                                           const struct rg_srtp_stream *st, int64_t idx);
void rg_srtp_stream_rtp_accept(const struct rg_srtp_streams *ss, struct rg_srtp_stream *st,
                               int64_t idx);
/* Forgets the ROC and the SRTP replay window (resync). */
void rg_srtp_stream_rtp_reset(const struct rg_srtp_streams *ss, struct rg_srtp_stream *st);

/* Sender: the next SRTCP index; RG_EPROTO once 2^31 are used (rekey). */
RG_MUST_CHECK int rg_srtp_stream_rtcp_next(struct rg_srtp_stream *st, uint32_t *out);
RG_MUST_CHECK int rg_srtp_stream_rtcp_check(const struct rg_srtp_stream *st, uint32_t index);
void rg_srtp_stream_rtcp_accept(struct rg_srtp_stream *st, uint32_t index);

#endif
