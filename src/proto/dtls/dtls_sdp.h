/*
 * dtls_sdp.h — the SDP side of DTLS-SRTP: a=setup roles (RFC 5763 §5,
 * RFC 4145 §4) and the RFC 8842 a=tls-id rule deciding whether a re-offer
 * needs a new DTLS association.  The SDP codec parses the lines; these pure
 * functions decide.  No state, no allocation.
 */
#ifndef RG_PROTO_DTLS_SDP_H
#define RG_PROTO_DTLS_SDP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/str.h"
#include "proto/dtls/dtls_cert.h"
#include "proto/dtls/dtls_conn.h"

enum rg_dtls_setup {
    RG_DTLS_SETUP_ACTPASS = 1,
    RG_DTLS_SETUP_ACTIVE,
    RG_DTLS_SETUP_PASSIVE,
    RG_DTLS_SETUP_HOLDCONN,
};

/* RFC 8842 §4: tls-id = 20*255 of ALPHA / DIGIT / "+" / "/" / "-" / "_". */
#define RG_DTLS_TLS_ID_MIN 20
#define RG_DTLS_TLS_ID_MAX 255

RG_MUST_CHECK int rg_dtls_setup_parse(struct rg_str s, enum rg_dtls_setup *out);
const char *rg_dtls_setup_name(enum rg_dtls_setup s);

/* The a=setup to answer with, given the offer's and the role we prefer
 * (used only for actpass).  RFC 5763 §5: active → passive, passive →
 * active.  holdconn: RG_EPROTO (no DTLS then). */
RG_MUST_CHECK int rg_dtls_setup_answer(enum rg_dtls_setup offered, enum rg_dtls_role preferred,
                                       enum rg_dtls_setup *answer);
/* Our DTLS role from the remote side's final a=setup (the answer to our
 * actpass offer, or the offer we answered): remote active → we are the
 * server, remote passive → client.  actpass/holdconn: RG_EPROTO (an answer
 * MUST NOT carry actpass, RFC 5763 §5). */
RG_MUST_CHECK int rg_dtls_role_from_remote_setup(enum rg_dtls_setup remote,
                                                 enum rg_dtls_role *role);

/* True when s is a syntactically valid tls-id value. */
bool rg_dtls_tls_id_valid(struct rg_str s);

/* What the remote side's SDP said about DTLS for one m= line. */
struct rg_dtls_remote_sdp {
    struct rg_dtls_fp fp[RG_DTLS_MAX_REMOTE_FP];
    uint8_t n_fp;
    enum rg_dtls_setup setup;
    struct rg_str tls_id; /* RG_STR_NULL when the attribute is absent */
};

/*
 * RFC 8842 §5: decides whether the new remote description (a re-offer or
 * its answer) needs a new DTLS association.  Returns true for "restart"
 * and sets *why to a static explanation.  Rules:
 *   - both carry tls-id: restart iff it changed (§5.2, §5.3);
 *   - the fingerprint set changed: restart (new certificate, RFC 8122);
 *   - the concrete role changed (active ↔ passive): restart;
 *   - otherwise keep, in particular on an ICE restart without tls-id:
 *     browsers keep DTLS then (peer-systems.md §3 item 5).
 */
bool rg_dtls_reoffer_needs_new_association(const struct rg_dtls_remote_sdp *old,
                                           const struct rg_dtls_remote_sdp *cur,
                                           const char **why);

#endif
