/*
 * srtp_xform.h — the SRTP/SRTCP packet transforms of one key set (internal
 * to src/proto/srtp; tests use it for the RFC vectors).
 *
 * A struct rg_srtp_xform holds the session keys of one kind of traffic (RTP
 * or RTCP) in one direction, derived once from the master key (RFC 3711
 * §4.3) or given directly, and OpenSSL contexts keyed once: an AES-CTR
 * (AES_CM profiles, RFC 3711 §4.1.1) or AES-GCM (RFC 7714) EVP_CIPHER_CTX,
 * and for HMAC-SHA1 (RFC 3711 §4.2.1) the SHA-1 states after absorbing the
 * inner and outer padded key (RFC 2104), copied per packet.  Per packet no
 * memory is allocated and no state outside the xform is touched, so the
 * cost does not depend on how many xforms exist.
 *
 * The transforms take the packet index explicitly (RTP: ROC and SEQ; RTCP:
 * the 31-bit SRTCP index) and do no replay bookkeeping: that is srtp_ctx.c.
 *
 * Ownership: the caller owns the struct (usually inside struct rg_srtp) and
 * calls rg_srtp_xform_clear.  One thread at a time.
 */
#ifndef RG_PROTO_SRTP_XFORM_H
#define RG_PROTO_SRTP_XFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "proto/srtp/srtp_ctx.h"

#define RG_SRTP_HMAC_KEY_LEN 20 /* RFC 3711 §8.2: n_a = 160 bits */
#define RG_SRTP_SHA1_STATE 128  /* opaque room for OpenSSL's SHA_CTX */

struct rg_srtp_xform {
    void *cipher; /* EVP_CIPHER_CTX *, keyed with the session key */
    bool gcm;
    bool encrypt;
    uint8_t tag_len;
    uint8_t salt_len;
    uint8_t salt[RG_SRTP_MAX_SALT_LEN]; /* session salt */
    /* HMAC-SHA1 (AES_CM profiles only): SHA_CTX after K^ipad / K^opad. */
    _Alignas(16) uint8_t hmac_in[RG_SRTP_SHA1_STATE];
    _Alignas(16) uint8_t hmac_out[RG_SRTP_SHA1_STATE];
};

/* Session keys of one traffic kind, as derived by rg_srtp_xform_derive. */
struct rg_srtp_session_keys {
    uint8_t enc[RG_SRTP_MAX_KEY_LEN];
    uint8_t auth[RG_SRTP_HMAC_KEY_LEN]; /* unused by the GCM profiles */
    uint8_t salt[RG_SRTP_MAX_SALT_LEN];
};

/* RFC 3711 §4.3.1 (kdr 0) with the AES-CM PRF of §4.3.3 (RFC 6188 §7 for
 * AES-256): derives the session keys of RTP (rtcp false: labels 0, 1, 2) or
 * RTCP (labels 3, 4, 5) from k->key and k->salt; a 12-byte GCM master salt
 * is zero-padded to 112 bits (RFC 7714 §11).  RG_OK, RG_EINVAL, RG_ECRYPTO. */
RG_MUST_CHECK int rg_srtp_xform_derive(const struct rg_srtp_key *k, bool rtcp,
                                       struct rg_srtp_session_keys *out);

/* Keys x for profile p with session keys sk; encrypt selects the direction
 * (protect or unprotect).  rtcp selects the tag length of RTCP.  RG_OK,
 * RG_EINVAL, RG_ENOMEM, RG_ECRYPTO; on failure nothing needs clearing. */
RG_MUST_CHECK int rg_srtp_xform_init(struct rg_srtp_xform *x, enum rg_srtp_profile p, bool rtcp,
                                     bool encrypt, const struct rg_srtp_session_keys *sk);
void rg_srtp_xform_clear(struct rg_srtp_xform *x);

/* Length of the RTP header (RFC 3550 §5.1, §5.3.1: CSRCs and extension) of
 * pkt[0..len), or RG_EBADMSG when it does not fit. */
RG_MUST_CHECK int rg_srtp_rtp_header_len(const uint8_t *pkt, size_t len);

/*
 * SRTP (RFC 3711 §3.1, RFC 7714 §8): pkt[0..len) is an RTP packet with an
 * hdr-byte header; encrypts the payload in place and appends MKI (mki_len
 * bytes) and tag (AES_CM: MKI then tag; GCM: tag then MKI, RFC 7714 §8.1).
 * pkt must have room for len + tag + mki_len.  Returns the new length.
 */
RG_MUST_CHECK int rg_srtp_xform_rtp_seal(struct rg_srtp_xform *x, uint8_t *pkt, size_t hdr,
                                         size_t len, uint32_t roc, const uint8_t *mki,
                                         size_t mki_len);
/* Inverse: plen is the length without tag and MKI (the caller has found
 * and checked the MKI).  Authenticates (RG_EAUTH), then decrypts in place.
 * With check_only the payload is left encrypted (for the resync probe). */
RG_MUST_CHECK int rg_srtp_xform_rtp_open(struct rg_srtp_xform *x, uint8_t *pkt, size_t hdr,
                                         size_t plen, const uint8_t *tag, uint32_t roc,
                                         bool check_only);

/* SRTCP (RFC 3711 §3.4, RFC 7714 §9): encrypts pkt[8..len) with index
 * (< 2^31, E flag set) and appends E|index, MKI and tag (AES_CM) or tag,
 * E|index, MKI (GCM).  Returns the new length. */
RG_MUST_CHECK int rg_srtp_xform_rtcp_seal(struct rg_srtp_xform *x, uint8_t *pkt, size_t len,
                                          uint32_t index, const uint8_t *mki, size_t mki_len);
/* Inverse: pkt[0..plen) is header and (encrypted) payload, eword the
 * E|index word as sent (its place differs per profile), tag the tag.
 * Decrypts only when E is set (RFC 3711 §3.4).  RG_OK or RG_EAUTH. */
RG_MUST_CHECK int rg_srtp_xform_rtcp_open(struct rg_srtp_xform *x, uint8_t *pkt, size_t plen,
                                          const uint8_t eword[4], const uint8_t *tag);

#endif
