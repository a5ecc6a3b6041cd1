/*
 * rtcp.h — RTCP compound packets (RFC 3550 §6, A.2), feedback (RFC 4585,
 * RFC 5104, draft-alvestrand-rmcat-remb, draft-holmer-rmcat-transport-wide-
 * cc-extensions) and XR (RFC 3611): validation, iteration, typed parsing
 * and builders.  Sans-IO, zero-copy: parsed views borrow the caller's
 * datagram, builders write into caller buffers and return the byte count.
 * Pure functions, no state.
 */
#ifndef RG_PROTO_RTCP_H
#define RG_PROTO_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum rg_rtcp_type {
    RG_RTCP_SR = 200,
    RG_RTCP_RR = 201,
    RG_RTCP_SDES = 202,
    RG_RTCP_BYE = 203,
    RG_RTCP_APP = 204,
    RG_RTCP_RTPFB = 205, /* RFC 4585 §6.2 */
    RG_RTCP_PSFB = 206,  /* RFC 4585 §6.3 */
    RG_RTCP_XR = 207,    /* RFC 3611 */
};

/* Feedback message types (the FMT field). */
#define RG_RTCP_FMT_NACK 1  /* RTPFB generic NACK, RFC 4585 §6.2.1 */
#define RG_RTCP_FMT_TWCC 15 /* RTPFB transport-wide CC */
#define RG_RTCP_FMT_PLI 1   /* PSFB, RFC 4585 §6.3.1 */
#define RG_RTCP_FMT_FIR 4   /* PSFB, RFC 5104 §4.3.1 */
#define RG_RTCP_FMT_AFB 15  /* PSFB application layer (REMB) */

#define RG_RTCP_MAX_REPORTS 31 /* 5-bit count */
#define RG_RTCP_MAX_FIR 32     /* FIR entries kept by the parser */
#define RG_RTCP_MAX_REMB_SSRC 32

/* Validation flags. */
enum {
    /* RFC 5506 reduced-size RTCP: the first packet need not be SR/RR. */
    RG_RTCP_REDUCED_SIZE = 1u << 0,
};

/* One packet of a compound. */
struct rg_rtcp_pkt {
    uint8_t pt;
    uint8_t count; /* RC, SC or FMT (5 bits) */
    bool padding;
    const uint8_t *data; /* whole packet, header included (borrowed) */
    size_t len;          /* whole packet length, padding included */
    const uint8_t *body; /* after the 4-byte header */
    size_t body_len;     /* without padding */
};

/* RFC 3550 A.2 validity of a compound packet: every packet version 2 with a
 * length inside the datagram, lengths adding up to exactly len, padding
 * only on the last packet (and a sane count), the first packet SR or RR
 * (unless RG_RTCP_REDUCED_SIZE) with its padding bit clear.  RG_OK or
 * RG_EBADMSG. */
RG_MUST_CHECK int rg_rtcp_validate(const uint8_t *data, size_t len, unsigned flags);

struct rg_rtcp_iter {
    const uint8_t *data;
    size_t len, off;
};

void rg_rtcp_iter_init(struct rg_rtcp_iter *it, const uint8_t *data, size_t len);
/* 1 and *p written, 0 at the end, RG_EBADMSG on a malformed packet (bad
 * version, length past the end, bad padding).  Does not check compound
 * rules; call rg_rtcp_validate first for that. */
RG_MUST_CHECK int rg_rtcp_next(struct rg_rtcp_iter *it, struct rg_rtcp_pkt *p);

/* RFC 3550 §6.4.1 report block. */
struct rg_rtcp_report {
    uint32_t ssrc;
    uint8_t fraction_lost;
    int32_t cumulative_lost; /* 24-bit signed */
    uint32_t ext_highest_seq;
    uint32_t jitter;
    uint32_t lsr;
    uint32_t dlsr;
};

/* SR (with sender info) or RR (has_sender_info false). */
struct rg_rtcp_rr {
    uint32_t ssrc;
    bool has_sender_info;
    uint64_t ntp; /* NTP timestamp, 32.32 fixed point */
    uint32_t rtp_ts;
    uint32_t packet_count;
    uint32_t octet_count;
    uint8_t n_reports;
    struct rg_rtcp_report reports[RG_RTCP_MAX_REPORTS];
    const uint8_t *ext; /* profile-specific extension (borrowed) */
    size_t ext_len;
};

/* Parses an SR or RR packet.  RG_OK, RG_EINVAL (other type), RG_EBADMSG. */
RG_MUST_CHECK int rg_rtcp_parse_rr(const struct rg_rtcp_pkt *p, struct rg_rtcp_rr *out);

/* SDES (§6.5): items visited one at a time with their chunk's SSRC. */
struct rg_rtcp_sdes_iter {
    const uint8_t *p;
    size_t len, off;
    unsigned chunks_left;
    uint32_t ssrc;
    bool in_chunk;
};
struct rg_rtcp_sdes_item {
    uint32_t ssrc;
    uint8_t type; /* 1 CNAME .. 8 PRIV */
    uint8_t len;
    const uint8_t *data;
};
RG_MUST_CHECK int rg_rtcp_sdes_init(struct rg_rtcp_sdes_iter *it, const struct rg_rtcp_pkt *p);
/* 1 and *item, 0 at the end (all SC chunks read), RG_EBADMSG. */
RG_MUST_CHECK int rg_rtcp_sdes_next(struct rg_rtcp_sdes_iter *it, struct rg_rtcp_sdes_item *item);

/* BYE (§6.6). */
struct rg_rtcp_bye {
    uint8_t n_ssrc;
    uint32_t ssrc[RG_RTCP_MAX_REPORTS];
    const uint8_t *reason; /* NULL when absent */
    uint8_t reason_len;
};
RG_MUST_CHECK int rg_rtcp_parse_bye(const struct rg_rtcp_pkt *p, struct rg_rtcp_bye *out);

/* APP (§6.7). */
struct rg_rtcp_app {
    uint8_t subtype;
    uint32_t ssrc;
    uint8_t name[4];
    const uint8_t *data;
    size_t data_len; /* a multiple of 4 */
};
RG_MUST_CHECK int rg_rtcp_parse_app(const struct rg_rtcp_pkt *p, struct rg_rtcp_app *out);

/* Common feedback header (RFC 4585 §6.1). */
struct rg_rtcp_fb {
    uint8_t fmt;
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    const uint8_t *fci; /* feedback control information (borrowed) */
    size_t fci_len;
};
/* RTPFB or PSFB: RG_OK, RG_EINVAL (other type), RG_EBADMSG (< 8 bytes). */
RG_MUST_CHECK int rg_rtcp_parse_fb(const struct rg_rtcp_pkt *p, struct rg_rtcp_fb *out);

/* Generic NACK (RFC 4585 §6.2.1): expands PID/BLP pairs to sequence
 * numbers, in order, up to max; *n gets how many were written.  Returns
 * RG_OK, RG_ELIMIT when more were lost than fit (first max written),
 * RG_EBADMSG when the FCI is not whole pairs or empty. */
RG_MUST_CHECK int rg_rtcp_nack_list(const struct rg_rtcp_fb *fb, uint16_t *seqs, size_t max,
                                    size_t *n);

/* Transport-wide CC feedback header fields; chunks and deltas stay raw. */
struct rg_rtcp_twcc {
    uint16_t base_seq;
    uint16_t status_count;
    int32_t reference_time; /* 24-bit signed, multiples of 64 ms */
    uint8_t fb_count;
    const uint8_t *chunks; /* packet status chunks and deltas (borrowed) */
    size_t chunks_len;
};
RG_MUST_CHECK int rg_rtcp_parse_twcc(const struct rg_rtcp_fb *fb, struct rg_rtcp_twcc *out);

/* FIR (RFC 5104 §4.3.1). */
struct rg_rtcp_fir_entry {
    uint32_t ssrc;
    uint8_t seq;
};
RG_MUST_CHECK int rg_rtcp_parse_fir(const struct rg_rtcp_fb *fb, struct rg_rtcp_fir_entry *out,
                                    size_t max, size_t *n);

/* REMB (draft-alvestrand-rmcat-remb-03 §2.2). */
struct rg_rtcp_remb {
    uint64_t bitrate_bps; /* mantissa << exp */
    uint8_t n_ssrc;
    uint32_t ssrc[RG_RTCP_MAX_REMB_SSRC];
};
/* RG_OK, RG_ENOTFOUND (an AFB that is not REMB), RG_EBADMSG, RG_ELIMIT
 * (more SSRCs than RG_RTCP_MAX_REMB_SSRC). */
RG_MUST_CHECK int rg_rtcp_parse_remb(const struct rg_rtcp_fb *fb, struct rg_rtcp_remb *out);

/* XR report blocks (RFC 3611 §3). */
struct rg_rtcp_xr_iter {
    const uint8_t *p;
    size_t len, off;
};
struct rg_rtcp_xr_block {
    uint8_t type;
    uint8_t specific;
    const uint8_t *data; /* block contents after its 4-byte header */
    size_t len;
};
/* *sender_ssrc gets the XR packet's SSRC. */
RG_MUST_CHECK int rg_rtcp_xr_init(struct rg_rtcp_xr_iter *it, const struct rg_rtcp_pkt *p,
                                  uint32_t *sender_ssrc);
RG_MUST_CHECK int rg_rtcp_xr_next(struct rg_rtcp_xr_iter *it, struct rg_rtcp_xr_block *b);

/* ---- Builders: each writes one packet at out[0..cap) and returns its
 * length, or RG_ELIMIT (no room) / RG_EINVAL.  Concatenate for a
 * compound (the first must be SR or RR unless reduced-size). */
RG_MUST_CHECK int rg_rtcp_write_rr(const struct rg_rtcp_rr *rr, uint8_t *out, size_t cap);
RG_MUST_CHECK int rg_rtcp_write_sdes_cname(uint32_t ssrc, const char *cname, size_t cname_len,
                                           uint8_t *out, size_t cap);
RG_MUST_CHECK int rg_rtcp_write_bye(const uint32_t *ssrc, size_t n, const char *reason,
                                    size_t reason_len, uint8_t *out, size_t cap);
RG_MUST_CHECK int rg_rtcp_write_pli(uint32_t sender, uint32_t media, uint8_t *out, size_t cap);
RG_MUST_CHECK int rg_rtcp_write_fir(uint32_t sender, const struct rg_rtcp_fir_entry *e, size_t n,
                                    uint8_t *out, size_t cap);
/* NACK for the given lost sequence numbers (any order, duplicates fine);
 * packed into as few PID/BLP pairs as a single forward pass allows. */
RG_MUST_CHECK int rg_rtcp_write_nack(uint32_t sender, uint32_t media, const uint16_t *seqs,
                                     size_t n, uint8_t *out, size_t cap);
/* REMB: bitrate encoded as 18-bit mantissa and 6-bit exponent (rounded
 * down); media SSRC of the common header is 0 as the draft says. */
RG_MUST_CHECK int rg_rtcp_write_remb(uint32_t sender, uint64_t bitrate_bps, const uint32_t *ssrc,
                                     size_t n, uint8_t *out, size_t cap);

#endif
