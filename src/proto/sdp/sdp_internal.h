/*
 * sdp_internal.h — helpers shared by the SDP parser, printer and builder.
 * Not part of the module's API.  Same contract as sdp.h: pure functions,
 * results in the caller's arena.
 */
#ifndef RG_PROTO_SDP_INTERNAL_H
#define RG_PROTO_SDP_INTERNAL_H

#include "proto/sdp/sdp.h"

/* Splits the next SP-separated token off *rest (runs of SP are one
 * separator).  Returns false when *rest holds only spaces. */
bool rg_sdp__next_tok(struct rg_str *rest, struct rg_str *tok);
/* Text is free of NUL, CR and LF (RFC 8866 9: text excludes them). */
bool rg_sdp__clean_text(struct rg_str s);
/* token (RFC 8866 9): visible ASCII except the tspecials listed there. */
bool rg_sdp__is_token(struct rg_str s);

/* Decodes a->name / a->value into a->kind and a->u.  Lists go into arena,
 * bounded by max_list.  Returns RG_OK, RG_EBADMSG (*why says what is wrong),
 * RG_ELIMIT or RG_ENOMEM.  On failure a->kind is RG_SDP_A_UNKNOWN. */
int rg_sdp__attr_decode(struct rg_sdp_attr *a, struct rg_arena *arena, uint32_t max_list,
                        const char **why);

/* True for property attributes that take no value (rtcp-mux, sendrecv ...). */
bool rg_sdp__attr_is_flag(uint8_t kind);

/* Makes room for one more attribute in list (grows into arena). */
int rg_sdp__attrs_reserve(struct rg_sdp_attrs *list, struct rg_arena *arena, uint32_t max);

#endif
