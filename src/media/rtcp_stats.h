/*
 * rtcp_stats.h — per-leg RTP counters and RTCP SR/RR generation for
 * transcoded streams (RFC 3550 §6.4, Appendix A.1, A.3, A.8).
 *
 * When rtcgate transcodes it terminates RTP on each leg, so it must report
 * what it really received and sent on that leg instead of relaying the
 * peer's reports.  struct rg_rtcp_rx follows one incoming source (sequence
 * validation and extension, loss, interarrival jitter, last SR);
 * struct rg_rtcp_tx counts what one leg sends.  The builders write plain
 * (unencrypted) RTCP; SRTCP protection is the caller's.  Minimal on purpose:
 * the full RTP/RTCP module lives in src/proto/rtp and may replace this.
 * Sans-IO: arrival times come in as now_us, wallclock as a 64-bit NTP
 * timestamp.  Plain structs owned by the caller; no allocation.
 */
#ifndef RG_MEDIA_RTCP_STATS_H
#define RG_MEDIA_RTCP_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct rg_rtcp_rx {
    unsigned clock_hz;
    bool started;
    uint32_t ssrc;
    uint16_t max_seq;
    uint32_t cycles;     /* shifted count of seq wraps (A.1) */
    uint32_t base_seq;
    uint32_t bad_seq;
    uint32_t probation;
    uint32_t received;
    uint32_t expected_prior, received_prior;
    uint64_t octets;
    bool have_transit;
    int32_t transit;     /* previous relative transit, timestamp units */
    uint32_t jitter_q4;  /* jitter * 16 (A.8) */
    uint32_t lsr;        /* middle 32 bits of the last SR's NTP time */
    int64_t lsr_arrival_us;
    bool have_sr;
};

struct rg_rtcp_tx {
    uint32_t ssrc;
    unsigned clock_hz;
    uint32_t packets;
    uint32_t octets;     /* payload octets (RFC 3550 §6.4.1) */
    bool sent;
    uint32_t last_ts;    /* RTP timestamp of the last packet sent */
    int64_t last_us;     /* when it was sent */
};

/* One reception report block (RFC 3550 §6.4.1). */
struct rg_rtcp_block {
    uint32_t ssrc;
    uint8_t fraction_lost;  /* 8-bit fixed point */
    int32_t cum_lost;       /* clamped to 24-bit signed */
    uint32_t ext_max_seq;
    uint32_t jitter;        /* timestamp units */
    uint32_t lsr, dlsr;     /* dlsr in 1/65536 s */
};

void rg_rtcp_rx_init(struct rg_rtcp_rx *rx, unsigned clock_hz);
/* Records one received RTP packet.  Packets of another SSRC restart the
 * statistics after validation (A.1 probation of 2 packets). */
void rg_rtcp_rx_packet(struct rg_rtcp_rx *rx, uint32_t ssrc, uint16_t seq, uint32_t ts,
                       size_t payload_len, int64_t arrival_us);
/* Records an SR received from this source (its NTP time). */
void rg_rtcp_rx_sr(struct rg_rtcp_rx *rx, uint64_t ntp, int64_t arrival_us);
/* Fills a report block (and updates the interval counters); RG_ESTATE
 * before any valid packet. */
RG_MUST_CHECK int rg_rtcp_rx_block(struct rg_rtcp_rx *rx, int64_t now_us,
                                   struct rg_rtcp_block *out);
/* Packets lost so far (may be negative with duplicates). */
int64_t rg_rtcp_rx_lost(const struct rg_rtcp_rx *rx);

void rg_rtcp_tx_init(struct rg_rtcp_tx *tx, uint32_t ssrc, unsigned clock_hz);
void rg_rtcp_tx_packet(struct rg_rtcp_tx *tx, uint32_t ts, size_t payload_len, int64_t now_us);

/* Writes an SR (PT 200) with up to 31 blocks; the RTP timestamp is
 * extrapolated from the last packet sent to now_us.  Returns bytes written
 * or RG_ELIMIT / RG_EINVAL. */
RG_MUST_CHECK int rg_rtcp_build_sr(const struct rg_rtcp_tx *tx, uint64_t ntp_now, int64_t now_us,
                                   const struct rg_rtcp_block *blocks, size_t n, uint8_t *out,
                                   size_t out_max);
/* Writes an RR (PT 201) from sender ssrc. */
RG_MUST_CHECK int rg_rtcp_build_rr(uint32_t ssrc, const struct rg_rtcp_block *blocks, size_t n,
                                   uint8_t *out, size_t out_max);
/* Finds the SR in a compound RTCP packet; RG_OK with sender ssrc and NTP
 * time, RG_ENOTFOUND (no SR) or RG_EBADMSG (malformed compound). */
RG_MUST_CHECK int rg_rtcp_find_sr(const uint8_t *p, size_t len, uint32_t *ssrc, uint64_t *ntp);

#endif
