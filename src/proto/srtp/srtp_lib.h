/*
 * srtp_lib.h — SRTP/SRTCP through libsrtp2, kept as the test oracle.
 *
 * The engine protects packets with struct rg_srtp (srtp_ctx.h, OpenSSL
 * contexts keyed once per stream).  This wrapper around Debian's libsrtp2
 * has the same contract and semantics (window, resync, stats, errors) and
 * exists so tests, the fuzz target and bench/ can cross-check every profile
 * both ways against an independent implementation.  Not for the packet
 * path: Debian's libsrtp2 is built on NSS and its per-packet cost grows
 * with the number of live sessions (docs/internals/srtp.md).
 *
 * Ownership and threads as for struct rg_srtp; rg_srtp_lib_global_init
 * must run once (from main or a test) before rg_srtp_lib_new.
 */
#ifndef RG_PROTO_SRTP_LIB_H
#define RG_PROTO_SRTP_LIB_H

#include "proto/srtp/srtp_ctx.h"

struct rg_srtp_lib;

/* srtp_init for the process; idempotent.  RG_OK or RG_ECRYPTO. */
RG_MUST_CHECK int rg_srtp_lib_global_init(void);
/* As rg_srtp_new; libsrtp cannot carry an MKI with the _32 suite (its SRTCP
 * MKI lookup uses the SRTP tag length): RG_EUNSUPP. */
RG_MUST_CHECK int rg_srtp_lib_new(const struct rg_srtp_cfg *cfg, struct rg_srtp_lib **out);
void rg_srtp_lib_free(struct rg_srtp_lib *s);
RG_MUST_CHECK int rg_srtp_lib_protect_rtp(struct rg_srtp_lib *s, uint8_t *pkt, size_t len,
                                          size_t cap, size_t *out_len);
RG_MUST_CHECK int rg_srtp_lib_unprotect_rtp(struct rg_srtp_lib *s, uint8_t *pkt, size_t len,
                                            size_t *out_len);
RG_MUST_CHECK int rg_srtp_lib_protect_rtcp(struct rg_srtp_lib *s, uint8_t *pkt, size_t len,
                                           size_t cap, size_t *out_len);
RG_MUST_CHECK int rg_srtp_lib_unprotect_rtcp(struct rg_srtp_lib *s, uint8_t *pkt, size_t len,
                                             size_t *out_len);
void rg_srtp_lib_get_stats(const struct rg_srtp_lib *s, struct rg_srtp_stats *out);

#endif
