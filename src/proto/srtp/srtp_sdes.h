/*
 * srtp_sdes.h — SDES key parameters (RFC 4568 "a=crypto").
 *
 * The SDP codec hands over the attribute value (the text after "a=crypto:");
 * these helpers turn it into a struct rg_srtp_key ready for rg_srtp_new and
 * back.  Pure functions, no state, no allocation: parsed views point into
 * the caller's buffer.
 */
#ifndef RG_PROTO_SRTP_SDES_H
#define RG_PROTO_SRTP_SDES_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"
#include "proto/srtp/srtp_ctx.h"

/* RFC 4568 §6.1: SRTP master keys may be used for at most 2^48 packets. */
#define RG_SDES_MAX_LIFETIME (UINT64_C(1) << 48)
/* Longest attribute value accepted (ours: the RFC sets none; a real line
 * is under 200 bytes). */
#define RG_SDES_MAX_VALUE 1024
/* RFC 4568 §9.1: tag is 1*9DIGIT. */
#define RG_SDES_MAX_TAG 999999999u

struct rg_srtp_sdes {
    uint32_t tag;
    struct rg_srtp_key key;       /* key.profile is the crypto-suite */
    uint64_t lifetime;            /* packets; 0 when absent */
    struct rg_str session_params; /* the rest of the line, trimmed; may be empty */
};

/* Parses one key-params field for profile ("inline:<base64 key||salt>
 * [|lifetime][|mki:length]", RFC 4568 §9.2) into *key and *lifetime (0 if
 * absent).  Several ';'-separated key-params (keys selected by MKI) are
 * not supported: RG_EUNSUPP.  RG_EBADMSG on syntax, RG_EINVAL on a key of
 * the wrong length, RG_ELIMIT on lifetime > 2^48 or MKI longer than
 * RG_SRTP_MAX_MKI_LEN. */
RG_MUST_CHECK int rg_srtp_sdes_parse_key_params(enum rg_srtp_profile profile,
                                                struct rg_str key_params,
                                                struct rg_srtp_key *key, uint64_t *lifetime);

/* Parses a whole attribute value "<tag> <suite> <key-params> [params...]"
 * (RFC 4568 §9.1).  Unknown suites give RG_EUNSUPP so the caller can skip
 * that line and try the next one; RG_EBADMSG on bytes that are not VCHAR
 * or WSP; RG_ELIMIT over RG_SDES_MAX_VALUE bytes.  out->session_params views value. */
RG_MUST_CHECK int rg_srtp_sdes_parse_crypto(struct rg_str value, struct rg_srtp_sdes *out);

/* Appends "<tag> <suite> inline:<base64>[|2^n or n][|mki:len]" to out.
 * RG_ELIMIT when out is full (out unchanged then), RG_EINVAL on a bad key. */
RG_MUST_CHECK int rg_srtp_sdes_format_crypto(const struct rg_srtp_sdes *sdes, struct rg_buf *out);


#endif
