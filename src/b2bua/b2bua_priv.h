/*
 * b2bua_priv.h — internals shared by the B2BUA's files (b2bua.c: calls and
 * dispatch; b2bua_msg.c: building each leg's messages; b2bua_dlg.c:
 * in-dialog requests; b2bua_cds.c: callDetailStatus).  Not an API.
 */
#ifndef RG_B2BUA_PRIV_H
#define RG_B2BUA_PRIV_H

#include "b2bua/b2bua.h"
#include "b2bua/b2bua_cfg.h"
#include "core/arena.h"
#include "core/buf.h"
#include "media/mcall.h"
#include "proto/sip/sip_dialog.h"
#include "proto/sip/sip_stimer.h"

#define B2B_SDP_MAX (16u * 1024u)
/* Our branches on initial INVITEs start with this (loop detection, §16.3). */
#define B2B_BRANCH_PREFIX "z9hG4bKrgb"

enum b2b_state {
    CS_FREE = 0,
    CS_OFFERING,  /* engine works on A's offer; B not contacted yet */
    CS_CALLING,   /* INVITE sent on B */
    CS_ANSWERING, /* engine works on B's 2xx answer */
    CS_UP,        /* both legs confirmed */
    CS_ENDING,    /* BYE/CANCEL sent on B, waiting for the answer */
};

/* What the engine request in flight is for. */
enum b2b_op {
    OP_NONE = 0,
    OP_OFFER_A,   /* A's INVITE offer -> INVITE on B */
    OP_ANSWER_B,  /* B's 18x/2xx answer -> response on A */
    OP_REOFFER,   /* re-INVITE/UPDATE offer from leg reo_from -> request on the other leg */
    OP_REANSWER,  /* the other leg's answer -> response to reo_from */
};

struct b2b_leg {
    enum rg_b2b_tp tp;
    bool webrtc;                 /* the peer is a browser (WS/WSS) */
    struct rg_sip_tinfo peer;    /* where this leg's requests go */
    struct rg_sip_dialog dlg;
    bool has_dlg;
    char tag[RG_SIP_TAG_CHARS + 1]; /* our tag on this leg */
    struct b2b_tgname n;         /* trunk group, zone, address context */
    char number[B2B_NAME_MAX];   /* calling (A) / called (B) user part */
    struct rg_sip_stimer st;     /* RFC 4028 on this leg */
    uint64_t st_txn;             /* our last refreshing UPDATE */
};

/* A request received on one leg that waits for the other leg's answer. */
struct b2b_pending_req {
    bool active;
    int leg;                /* where it came from */
    uint64_t srv_txn;       /* its server transaction */
    uint64_t cli_txn;       /* the relayed request's client transaction */
    bool is_update;
    bool absorbed;          /* answered with the other leg's last answer (no relay) */
    struct rg_arena arena;  /* the request copy */
    struct rg_sip_msg *req;
};

struct b2b_call {
    enum b2b_state state;
    uint32_t gen;
    struct b2b_leg leg[2];  /* 0 = A (caller), 1 = B (callee) */
    uint64_t a_txn;         /* A's INVITE server transaction */
    uint64_t b_txn;         /* B's INVITE client transaction */
    uint64_t b_cancel_txn, bye_txn;
    bool cancelled, b_provisional, a_answered;
    uint16_t fail_status;   /* final status for A when the call fails early */
    struct rg_arena arena;  /* A's INVITE copy and B's INVITE: the call's life */
    struct rg_sip_msg *a_inv, *b_inv;
    const char *b_ruri;     /* leg B's Request-URI (arena) */
    char engine_id[32];
    enum b2b_op op;
    uint16_t op_status;     /* OP_ANSWER_B: the status to relay */
    char op_reason[64];
    struct rg_buf q_sdp;    /* a B answer that arrived while the engine was busy */
    uint16_t q_status;
    char q_reason[64];
    struct rg_buf a_sdp;    /* the last SDP sent to A (reused for an unchanged 200) */
    struct rg_buf b_sdp;    /* the last SDP sent to B */
    struct rg_buf b_ans;    /* the B answer SDP a_sdp was made from */
    struct b2b_pending_req pend;
    int64_t start_us, answer_us;
    uint32_t gcid;
    bool attr_relay;        /* both trunk groups relay unknown SDP attributes */
};

struct rg_b2b {
    struct rg_b2b_cfg cfg;
    struct rg_b2b_env env;
    struct rg_sip_txl *txl;
    struct b2b_call *calls;
    unsigned n_calls, max_calls;
    uint32_t next_gcid;
    uint64_t next_id;
    struct rg_arena tmp; /* messages built for one step */
    struct rg_buf sdp_out; /* the SDP of one message after attribute filtering */
};

/* b2bua.c */
uint64_t rg__b2b_cookie(const struct rg_b2b *b, const struct b2b_call *c);
void rg__b2b_end(struct rg_b2b *b, struct b2b_call *c);
struct b2b_call *rg__b2b_find_dialog(struct rg_b2b *b, const struct rg_sip_msg *m, int *leg);
int rg__b2b_engine(struct rg_b2b *b, struct b2b_call *c, enum b2b_op op, int from_leg,
                   bool answer, struct rg_str sdp);

void rg__b2b_dispatch(struct rg_b2b *b, int64_t now, const struct rg_sip_event *ev,
                      const struct rg_b2b_rx *rx);

/* b2bua_msg.c */
void rg__b2b_via(const struct rg_b2b *b, const struct b2b_leg *l, struct rg_sip_via_spec *v,
                 char *port_buf);
int rg__b2b_contact(const struct rg_b2b *b, const struct b2b_leg *l, char *out, size_t n);
int rg__b2b_respond(struct rg_b2b *b, int64_t now, struct b2b_call *c, int leg,
                    const struct rg_sip_msg *req, uint64_t txn, uint16_t status,
                    const char *reason, struct rg_str sdp);
/* Option tags this UAS supports (RFC 3261 §8.2.2.3), NULL-terminated. */
extern const char *const rg__b2b_extensions[];
/* Answers req; 420 lists the Require tags we lack in Unsupported
 * (§8.2.2.3), 415 names what we accept (§21.4.13). */
int rg__b2b_reply(struct rg_b2b *b, int64_t now, const struct rg_sip_msg *req, uint64_t txn,
                  uint16_t status, const char *reason);
int rg__b2b_reply_min_se(struct rg_b2b *b, int64_t now, const struct rg_sip_msg *req,
                         uint64_t txn);
int rg__b2b_send_invite_b(struct rg_b2b *b, int64_t now, struct b2b_call *c, struct rg_str sdp,
                          struct rg_str ruri);
int rg__b2b_send_in_dialog(struct rg_b2b *b, int64_t now, struct b2b_call *c, int leg,
                           const char *method, struct rg_str sdp, uint64_t *txn);
int rg__b2b_ack(struct rg_b2b *b, struct b2b_call *c, int leg, uint32_t cseq);
struct rg_str rg__b2b_sdp_filter(struct rg_b2b *b, const struct b2b_call *c, struct rg_str sdp);
struct rg_sip_msg *rg__b2b_copy(struct rg_arena *a, const struct rg_sip_msg *m);
struct rg_str rg__b2b_sdp_body(const struct rg_sip_msg *m);
uint16_t rg__b2b_map_status(uint16_t status);

/* b2bua_dlg.c */
void rg__b2b_in_dialog(struct rg_b2b *b, int64_t now, const struct rg_sip_event *ev);
void rg__b2b_dialog_response(struct rg_b2b *b, int64_t now, struct b2b_call *c,
                             const struct rg_sip_event *ev);
void rg__b2b_reoffer_done(struct rg_b2b *b, int64_t now, struct b2b_call *c, int rc,
                          struct rg_str sdp);
void rg__b2b_bye(struct rg_b2b *b, int64_t now, struct b2b_call *c, int leg);

#endif
