/*
 * sip_hdr.h — per-header value parsers (internal to src/proto/sip).
 *
 * Each takes one header value as the message splitter produced it (trimmed,
 * folds kept), writes its result into caller memory (arrays in the arena)
 * and returns RG_OK, RG_EBADMSG, RG_ELIMIT (more than max values) or
 * RG_ENOMEM.  List parsers append at out[*n] and advance *n.  Grammar:
 * RFC 3261 §25.1, RFC 3581 (rport).  Pure functions.
 */
#ifndef RG_PROTO_SIP_HDR_H
#define RG_PROTO_SIP_HDR_H

#include "proto/sip/sip_msg.h"

enum rg_sip_addr_kind {
    RG_SIP_ADDR_ONE,     /* From, To: one name-addr or addr-spec */
    RG_SIP_ADDR_CONTACT, /* "*" or a list of name-addr / addr-spec */
    RG_SIP_ADDR_ROUTE,   /* a list of name-addr (angle brackets required) */
};

RG_MUST_CHECK int rg_sip_hdr_via(struct rg_str v, struct rg_arena *arena, struct rg_sip_via *out,
                                 size_t max, size_t *n);
RG_MUST_CHECK int rg_sip_hdr_addrs(struct rg_str v, enum rg_sip_addr_kind kind,
                                   struct rg_arena *arena, struct rg_sip_addr *out, size_t max,
                                   size_t *n);
RG_MUST_CHECK int rg_sip_hdr_cseq(struct rg_str v, uint32_t *num, struct rg_str *method);
/* 1*DIGIT (leading zeros allowed) not above max. */
RG_MUST_CHECK int rg_sip_hdr_uint(struct rg_str v, uint64_t max, uint64_t *out);
RG_MUST_CHECK int rg_sip_hdr_ctype(struct rg_str v, struct rg_arena *arena,
                                   struct rg_sip_ctype *out);
RG_MUST_CHECK int rg_sip_hdr_tokens(struct rg_str v, bool allow_empty, struct rg_arena *arena,
                                    struct rg_sip_tokens *out, size_t max);
RG_MUST_CHECK int rg_sip_hdr_callid(struct rg_str v);
RG_MUST_CHECK int rg_sip_hdr_date(struct rg_str v);
/* Upper bound of the number of comma-separated values in v. */
size_t rg_sip_hdr_count_commas(struct rg_str v);

#endif
