/*
 * sip_dialog.h — SIP dialogs (RFC 3261 §12) and the request builders a UA
 * core needs around them (§8.1.1, §9.1, §13.2.2.4, §16.4, §16.12, RFC 3262
 * PRACK), sans-IO.
 *
 * A struct rg_sip_dialog is caller-owned storage; its strings live in its
 * own bounded arena (rg_sip_dialog_deinit frees them), so it outlives the
 * messages it was made from.  Messages built here live in the caller's
 * arena and are indexed (ready for rg_sip_txl_request / rg_sip_serialize).
 * Randomness (tags, branches, initial CSeq) comes from an injected rg_rng.
 * Single-threaded; no clock (glare retry delays are returned, not waited).
 */
#ifndef RG_PROTO_SIP_DIALOG_H
#define RG_PROTO_SIP_DIALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/rng.h"
#include "proto/sip/sip_msg.h"

#define RG_SIP_DIALOG_MAX_ROUTES 16
/* Tags and branches we generate: this many random characters. */
#define RG_SIP_TAG_CHARS 16

/* Our Via for a new request: "SIP/2.0/<transport> <host>[:<port>];
 * branch=z9hG4bK<random>[;rport]". */
struct rg_sip_via_spec {
    const char *transport; /* "UDP", "TCP", "TLS", "WS", "WSS" */
    const char *host;      /* host or IP (IPv6 in brackets) */
    uint16_t port;         /* 0: none written */
    bool rport;            /* RFC 3581 */
};

enum rg_sip_dialog_state { RG_SIP_DLG_EARLY = 1, RG_SIP_DLG_CONFIRMED, RG_SIP_DLG_TERMINATED };

struct rg_sip_dialog {
    enum rg_sip_dialog_state state;
    bool is_uas; /* we answered the dialog-creating request */
    bool secure; /* sips Request-URI (§12.1.1) */
    struct rg_str call_id, local_tag, remote_tag;
    struct rg_str local_addr;  /* From/To value for our side, with tag */
    struct rg_str remote_addr; /* From/To value for the peer, with tag */
    struct rg_str remote_target, local_contact;
    struct rg_str routes[RG_SIP_DIALOG_MAX_ROUTES];     /* name-addr values, in order */
    struct rg_str route_uris[RG_SIP_DIALOG_MAX_ROUTES]; /* their URIs */
    size_t n_routes;
    bool strict_first; /* the first route lacks ;lr (RFC 2543 strict router) */
    uint32_t local_seq, remote_seq;
    bool remote_seq_set;
    /* re-INVITE / UPDATE bookkeeping for glare (§14.1, §14.2) */
    bool local_invite_pending, remote_invite_pending;
    uint32_t remote_invite_cseq;
    /* RFC 3262 UAC side: last RSeq seen on this dialog */
    uint32_t last_rseq;
    bool rseq_seen;
    struct rg_arena arena; /* owns every view above */
};

/* Writes RG_SIP_TAG_CHARS random token characters and a NUL into out
 * (RG_SIP_TAG_CHARS + 1 bytes): a From/To tag (§19.3). */
void rg_sip_tag_new(const struct rg_rng *rng, char *out);

/* An out-of-dialog request (§8.1.1): every string a NUL-terminated value
 * as it goes on the wire (from with its tag).  contact NULL: none. */
struct rg_sip_req_spec {
    const char *method, *ruri, *from, *to, *call_id, *contact;
    uint32_t cseq;
};
RG_MUST_CHECK int rg_sip_request_build(struct rg_arena *arena, const struct rg_sip_req_spec *spec,
                                       const struct rg_sip_via_spec *via, const struct rg_rng *rng,
                                       struct rg_sip_msg **out);

/* Appends our Via (new branch, §8.1.1.7) as the first header of m. */
RG_MUST_CHECK int rg_sip_add_via(struct rg_sip_msg *m, struct rg_arena *arena,
                                 const struct rg_sip_via_spec *via, const struct rg_rng *rng);

/* UAC dialog from the INVITE we sent (req) and a 101-299 response carrying
 * a To tag (§12.1.2): route set = the response's Record-Route reversed,
 * remote target = its Contact, local CSeq = the request's.  A 1xx makes an
 * early dialog, a 2xx a confirmed one.  RG_EINVAL (no To tag, no Contact
 * in a 2xx), RG_ELIMIT (routes), RG_ENOMEM.  d is written only on success
 * (deinit it later). */
RG_MUST_CHECK int rg_sip_dialog_uac(struct rg_sip_dialog *d, const struct rg_sip_msg *req,
                                    const struct rg_sip_msg *resp, struct rg_str local_contact);

/* UAS dialog from a received INVITE (or other dialog-creating request)
 * that we answer with local_tag (§12.1.1): route set = Record-Route in
 * order, remote target = Contact, remote CSeq = the request's; our CSeq
 * starts at a random value below 2^31 (§8.1.1.5).  Early until
 * rg_sip_dialog_confirm(). */
RG_MUST_CHECK int rg_sip_dialog_uas(struct rg_sip_dialog *d, const struct rg_sip_msg *req,
                                    struct rg_str local_tag, struct rg_str local_contact,
                                    const struct rg_rng *rng);

void rg_sip_dialog_deinit(struct rg_sip_dialog *d);

/* We sent a 2xx to the dialog-creating INVITE (UAS). */
void rg_sip_dialog_confirm(struct rg_sip_dialog *d);

/* True when msg belongs to d: Call-ID and both tags (§12.2.2; a response
 * has our tag in From, a request in To). */
bool rg_sip_dialog_matches(const struct rg_sip_dialog *d, const struct rg_sip_msg *msg);

/* A response to a request we sent in (or to create) d: 2xx to INVITE
 * confirms an early dialog and recomputes its route set (§12.2.1.2, §13.2.2.4);
 * a 2xx to a target-refresh request (INVITE, UPDATE) takes the new Contact;
 * 481 or 408 to an in-dialog request and a non-2xx final to the initial
 * INVITE of an early dialog terminate it; a final to our re-INVITE clears
 * the glare state.  RG_OK or RG_ENOMEM/RG_ELIMIT. */
RG_MUST_CHECK int rg_sip_dialog_on_response(struct rg_sip_dialog *d, const struct rg_sip_msg *resp);

/* An in-dialog request received (§12.2.2): returns 0 to proceed, or the
 * status to answer with: 500 for a CSeq lower than the last (out of order),
 * 491 for a re-INVITE/UPDATE while ours is pending (§14.2), 500 for a
 * second INVITE while the first is unanswered (§14.2; add Retry-After).
 * Updates the remote CSeq and target, BYE terminates. */
uint16_t rg_sip_dialog_on_request(struct rg_sip_dialog *d, const struct rg_sip_msg *req);

/* We answered the peer's re-INVITE finally: clears remote_invite_pending. */
void rg_sip_dialog_remote_invite_done(struct rg_sip_dialog *d);

/* Builds an in-dialog request (§12.2.1.1): Request-URI and Route from the
 * remote target and the route set (loose routing; a strict first route
 * becomes the Request-URI and the remote target the last Route), From/To
 * with tags, Call-ID, CSeq = ++local_seq, Max-Forwards 70, our Contact for
 * target-refresh methods, a new Via.  INVITE/UPDATE mark a local offer
 * pending (glare).  ACK is refused here (rg_sip_dialog_ack). */
RG_MUST_CHECK int rg_sip_dialog_request(struct rg_sip_dialog *d, struct rg_arena *arena,
                                        const char *method, const struct rg_sip_via_spec *via,
                                        const struct rg_rng *rng, struct rg_sip_msg **out);

/* The ACK for a 2xx to the INVITE with CSeq invite_cseq (§13.2.2.4): built
 * like an in-dialog request, CSeq "<invite_cseq> ACK", new branch. */
RG_MUST_CHECK int rg_sip_dialog_ack(struct rg_sip_dialog *d, struct rg_arena *arena,
                                    uint32_t invite_cseq, const struct rg_sip_via_spec *via,
                                    const struct rg_rng *rng, struct rg_sip_msg **out);

/* RFC 3262 §4 (UAC): a reliable provisional resp (Require: 100rel, RSeq)
 * on d.  RG_OK and *rseq when it must be PRACKed and passed on (first, or
 * last + 1); RG_EEXIST for a retransmission (PRACK again, do not pass on);
 * RG_EPROTO out of order (discard); RG_EINVAL when not reliable. */
RG_MUST_CHECK int rg_sip_dialog_rel_1xx(struct rg_sip_dialog *d, const struct rg_sip_msg *resp,
                                        uint32_t *rseq);

/* A PRACK for reliable provisional resp (RAck: rseq cseq method). */
RG_MUST_CHECK int rg_sip_dialog_prack(struct rg_sip_dialog *d, struct rg_arena *arena,
                                      const struct rg_sip_msg *resp,
                                      const struct rg_sip_via_spec *via, const struct rg_rng *rng,
                                      struct rg_sip_msg **out);

/* RAck of a received PRACK (RFC 3262 §7.2). */
RG_MUST_CHECK int rg_sip_rack_parse(const struct rg_sip_msg *prack, uint32_t *rseq, uint32_t *cseq,
                                    struct rg_str *method);

/* After a 491 to our re-INVITE (§14.1): how long to wait before retrying,
 * 2.1-4 s in 10 ms steps when we own the Call-ID (we created the dialog
 * as UAC), else 0-2 s. */
int64_t rg_sip_glare_retry_us(const struct rg_sip_dialog *d, const struct rg_rng *rng);

/* CANCEL for the INVITE inv we sent (§9.1): same Request-URI, Call-ID,
 * From, To, CSeq number and top Via, the same Route headers. */
RG_MUST_CHECK int rg_sip_cancel_build(const struct rg_sip_msg *inv, struct rg_arena *arena,
                                      struct rg_sip_msg **out);

/* Max-Forwards for the request we forward in place of in (§16.6 item 3,
 * §16.3 item 3): RG_OK and *out = in - 1 (70 when absent), RG_EPROTO when
 * in is 0 (answer 483 Too Many Hops, except OPTIONS may be answered). */
RG_MUST_CHECK int rg_sip_max_forwards_next(const struct rg_sip_msg *in, uint32_t *out);

/* Loop detection (§16.3 item 4, §8.2.2.2): true when one of m's Via values
 * carries our sent-by (host case-insensitive, port; 5060 when absent) and
 * branch prefix ours_prefix (our branches all start with it; NULL: any) —
 * answer 482 Loop Detected. */
bool rg_sip_loop_detect(const struct rg_sip_msg *m, struct rg_str host, uint16_t port,
                        const char *ours_prefix);

/* Route processing of a received request (§16.4): when the Request-URI is
 * ours (a strict router put our Record-Route there) it is replaced by the
 * last Route value, which is removed; then a first Route naming us is
 * removed.  is_ours(ud, uri) decides.  m is re-indexed.  RG_OK, RG_ENOMEM,
 * RG_EBADMSG. */
typedef bool rg_sip_is_ours_fn(void *ud, const struct rg_sip_uri *uri);
RG_MUST_CHECK int rg_sip_route_preprocess(struct rg_sip_msg *m, struct rg_arena *arena,
                                          rg_sip_is_ours_fn *is_ours, void *ud);

#endif
