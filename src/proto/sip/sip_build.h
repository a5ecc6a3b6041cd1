/*
 * sip_build.h — creating, editing and serializing SIP messages, sans-IO.
 *
 * Messages built here use the same struct rg_sip_msg as the parser.  Every
 * string passed in is copied into the caller's arena, except in
 * rg_sip_make_response(), whose header values are views into the request
 * (the request's buffer and arena must outlive the response).  Editing
 * functions change the header table only; call rg_sip_msg_index() afterwards
 * to refresh vias/from/to/... .  Header names may be long or compact forms
 * ("Contact" and "m" name the same header).  rg_sip_serialize() writes
 * exactly one Content-Length, equal to the body length (RFC 3261 §20.14), in
 * place of the first Content-Length header or last when there was none.
 * Single-threaded: a message belongs to one caller.
 */
#ifndef RG_PROTO_SIP_BUILD_H
#define RG_PROTO_SIP_BUILD_H

#include "core/buf.h"
#include "proto/sip/sip_msg.h"

/* A request with an empty header table.  method must be a token and ruri a
 * valid URI without headers (RG_EINVAL otherwise). */
RG_MUST_CHECK int rg_sip_msg_new_request(struct rg_arena *arena, struct rg_str method,
                                         struct rg_str ruri, struct rg_sip_msg **out);
/* status 100-699; reason without CR/LF. */
RG_MUST_CHECK int rg_sip_msg_new_response(struct rg_arena *arena, uint16_t status,
                                          struct rg_str reason, struct rg_sip_msg **out);

/* Inserts a header before position at (at >= n_hdrs appends).  name must be
 * a token and value free of CR, LF and NUL (RG_EINVAL); RG_ELIMIT past
 * lim.max_headers or lim.max_header_bytes. */
RG_MUST_CHECK int rg_sip_msg_insert(struct rg_sip_msg *m, struct rg_arena *arena, size_t at,
                                    struct rg_str name, struct rg_str value);
RG_MUST_CHECK int rg_sip_msg_add(struct rg_sip_msg *m, struct rg_arena *arena, struct rg_str name,
                                 struct rg_str value);
/* Removes every header with this name; returns how many. */
size_t rg_sip_msg_remove(struct rg_sip_msg *m, struct rg_str name);
/* Replaces the value of the first header with this name and removes the
 * others; appends it when absent. */
RG_MUST_CHECK int rg_sip_msg_replace(struct rg_sip_msg *m, struct rg_arena *arena,
                                     struct rg_str name, struct rg_str value);
/* Sets the body (copied) and Content-Type (removed when ctype is empty). */
RG_MUST_CHECK int rg_sip_msg_set_body(struct rg_sip_msg *m, struct rg_arena *arena,
                                      struct rg_str ctype, struct rg_str body);

/* A response to an indexed request (RFC 3261 §8.2.6.2): copies all Via
 * values, From, To (adding ";tag=<to_tag>" when To has no tag, status > 100
 * and to_tag is not empty), Call-ID, CSeq, and for 101-299 the Record-Route
 * headers (§12.1.1); Content-Length 0.  The result is indexed. */
RG_MUST_CHECK int rg_sip_make_response(const struct rg_sip_msg *req, struct rg_arena *arena,
                                       uint16_t status, struct rg_str reason, struct rg_str to_tag,
                                       struct rg_sip_msg **out);

/* Appends the wire form of m to out.  RG_OK or RG_ELIMIT/RG_ENOMEM (out is
 * then unchanged). */
RG_MUST_CHECK int rg_sip_serialize(const struct rg_sip_msg *m, struct rg_buf *out);

#endif
