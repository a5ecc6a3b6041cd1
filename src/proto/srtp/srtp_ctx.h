/*
 * srtp_ctx.h — SRTP/SRTCP protection for one direction of one media leg.
 *
 * A struct rg_srtp is one SRTP session created from a master key and
 * salt (from DTLS-SRTP key export, RFC 5764 §4.2, or from SDES a=crypto,
 * RFC 4568).  It protects (outbound) or unprotects (inbound) RTP and RTCP
 * packets in place; both use the same master key, from which separate
 * SRTP and SRTCP session keys are derived once (RFC 3711 §4.3.2).  The
 * implementation is our own on OpenSSL contexts keyed once per session
 * (srtp_ctx.c, srtp_xform.c; why: docs/internals/srtp.md); libsrtp2 is
 * kept as a test oracle only (srtp_lib.h).  Whether RTCP is muxed is
 * the caller's business: it passes each packet to the right function.
 *
 * Inbound sessions keep replay protection on (RFC 3711 §3.3.2) and count
 * every dropped packet, so forged or replayed packets are visible in stats.
 * Window: RG_SRTP_DEFAULT_WINDOW (1024) unless configured — see srtp_ctx.c.
 *
 * Ownership: the caller owns the struct rg_srtp (rg_srtp_free).  Packet
 * buffers stay the caller's.  Threads: an rg_srtp is used by one thread;
 * rg_srtp_global_init (now a no-op) may be called from main.  No clock is
 * read; all state is in the session.  Per packet nothing is allocated
 * except when a new SSRC appears.
 */
#ifndef RG_PROTO_SRTP_CTX_H
#define RG_PROTO_SRTP_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/str.h"

/* Protection profiles; the values are the DTLS-SRTP use_srtp identifiers
 * (RFC 5764 §4.1.2, RFC 7714 §14.2). */
enum rg_srtp_profile {
    RG_SRTP_NONE = 0,
    RG_SRTP_AES128_CM_SHA1_80 = 0x0001,
    RG_SRTP_AES128_CM_SHA1_32 = 0x0002,
    RG_SRTP_AEAD_AES_128_GCM = 0x0007,
    RG_SRTP_AEAD_AES_256_GCM = 0x0008,
};

#define RG_SRTP_MAX_KEY_LEN 32  /* AES-256 */
#define RG_SRTP_MAX_SALT_LEN 14 /* AES-CM; GCM uses 12 (RFC 7714 §12) */
#define RG_SRTP_MAX_MKI_LEN 4   /* RFC 4568 allows 128; 4 is plenty per leg */
/* Largest packet (before protection) accepted. */
#define RG_SRTP_MAX_PACKET 8192
/* Bytes protect may append: 16-byte tag, 4-byte SRTCP index, MKI. */
#define RG_SRTP_MAX_TRAILER (16 + 4 + RG_SRTP_MAX_MKI_LEN)
#define RG_SRTP_DEFAULT_WINDOW 1024
#define RG_SRTP_MIN_WINDOW 64 /* RFC 3711 §3.3.2 */
#define RG_SRTP_MAX_WINDOW 32767

/* One master key: key and salt lengths must match the profile. */
struct rg_srtp_key {
    enum rg_srtp_profile profile;
    uint8_t key[RG_SRTP_MAX_KEY_LEN];
    uint8_t key_len;
    uint8_t salt[RG_SRTP_MAX_SALT_LEN];
    uint8_t salt_len;
    uint8_t mki[RG_SRTP_MAX_MKI_LEN]; /* RFC 3711 §3.1 MKI, sent in every packet */
    uint8_t mki_len;                  /* 0: no MKI */
};

enum rg_srtp_dir { RG_SRTP_INBOUND = 1, RG_SRTP_OUTBOUND = 2 };

struct rg_srtp_cfg {
    struct rg_srtp_key key;
    enum rg_srtp_dir dir;
    /* Inbound replay window in packets, 0 = RG_SRTP_DEFAULT_WINDOW;
     * otherwise RG_SRTP_MIN_WINDOW..RG_SRTP_MAX_WINDOW. */
    uint16_t replay_window;
    /* Inbound only: after this many consecutive replay-rejected RTP packets
     * of one SSRC, a packet that authenticates against a fresh replay state
     * restarts that SSRC's replay state (a UA that resets its sequence
     * numbers after hold, see docs/internals/srtp.md).  0 disables. */
    uint16_t resync_after;
};

struct rg_srtp_stats {
    uint64_t ok;          /* packets protected or unprotected */
    uint64_t auth_fail;   /* dropped: authentication tag wrong (forged, corrupted, wrong key) */
    uint64_t replay_fail; /* dropped: index already seen or too old */
    uint64_t other_fail;  /* dropped: malformed, too short, too long, unknown MKI */
    uint64_t resyncs;     /* replay states restarted by resync_after */
};

struct rg_srtp;

/* Profile properties; 0 for RG_SRTP_NONE or an unknown value. */
size_t rg_srtp_profile_key_len(enum rg_srtp_profile p);
size_t rg_srtp_profile_salt_len(enum rg_srtp_profile p);
/* Authentication tag bytes appended to an SRTP packet. */
size_t rg_srtp_profile_rtp_tag_len(enum rg_srtp_profile p);
/* Authentication tag bytes appended to an SRTCP packet (after the index). */
size_t rg_srtp_profile_rtcp_tag_len(enum rg_srtp_profile p);
/* SDES suite name (RFC 4568 §6.2, RFC 7714 §14.1), e.g.
 * "AES_CM_128_HMAC_SHA1_80"; "" for an unknown profile. */
const char *rg_srtp_profile_name(enum rg_srtp_profile p);
/* Accepts the SDES name, the vendor config token ("AES-CM-128-HMAC-SHA1-80",
 * "AEAD-AES-128-GCM") and the OpenSSL use_srtp name ("SRTP_AES128_CM_SHA1_80"),
 * case-insensitively.  RG_OK or RG_EUNSUPP. */
RG_MUST_CHECK int rg_srtp_profile_parse(struct rg_str name, enum rg_srtp_profile *out);

/* Kept for callers: there is nothing process-wide to set up.  RG_OK. */
RG_MUST_CHECK int rg_srtp_global_init(void);

/* Creates a session.  cfg is copied.  *out is owned by the caller.
 * RG_EINVAL (bad lengths, window), RG_EUNSUPP (an MKI with the _32 suite,
 * see srtp_ctx.c), RG_ENOMEM, RG_ECRYPTO. */
RG_MUST_CHECK int rg_srtp_new(const struct rg_srtp_cfg *cfg, struct rg_srtp **out);
void rg_srtp_free(struct rg_srtp *s);

/* Protects the RTP packet pkt[0..len) in place (outbound sessions).  cap is
 * the size of pkt; it must leave room for the trailer.  *out_len gets the
 * SRTP length.  RG_EINVAL (direction, not RTP), RG_ELIMIT (cap, length),
 * RG_EPROTO (index already used), RG_ECRYPTO. */
RG_MUST_CHECK int rg_srtp_protect_rtp(struct rg_srtp *s, uint8_t *pkt, size_t len, size_t cap,
                                      size_t *out_len);
/* Unprotects an SRTP packet in place (inbound sessions); *out_len gets the
 * RTP length.  A packet that fails is dropped and counted: RG_EAUTH (tag),
 * RG_EPROTO (replay), RG_EBADMSG (malformed), RG_ELIMIT (too long).  On
 * failure pkt may have been changed. */
RG_MUST_CHECK int rg_srtp_unprotect_rtp(struct rg_srtp *s, uint8_t *pkt, size_t len,
                                        size_t *out_len);
/* Same for RTCP / SRTCP (RFC 3711 §3.4). */
RG_MUST_CHECK int rg_srtp_protect_rtcp(struct rg_srtp *s, uint8_t *pkt, size_t len, size_t cap,
                                       size_t *out_len);
RG_MUST_CHECK int rg_srtp_unprotect_rtcp(struct rg_srtp *s, uint8_t *pkt, size_t len,
                                         size_t *out_len);

/* Copies the counters. */
void rg_srtp_get_stats(const struct rg_srtp *s, struct rg_srtp_stats *out);

#endif
