/*
 * sip_txn.h — the SIP transaction layer (RFC 3261 §17 with RFC 6026), sans-IO.
 *
 * One struct rg_sip_txl holds every client and server transaction of one
 * signalling loop in a fixed table (cfg.max_txns).  It never touches a
 * socket or a clock: the caller feeds it
 *   rg_sip_txl_handle_message(now_us, parsed message, transport info)
 *   rg_sip_txl_handle_timeout(now_us)
 * and drains
 *   rg_sip_txl_poll_transmit()  bytes to send, with destination or flow
 *   rg_sip_txl_poll_event()     what the transaction user (TU) must act on
 * asking rg_sip_txl_next_timeout_us() when to call handle_timeout next.
 *
 * Matching (RFC 3261 §17.1.3, §17.2.3; the RFC 2543 fallback is not
 * implemented, requests without a "z9hG4bK" branch start no transaction and
 * are passed to the TU as RG_SIP_EV_STRAY): a response matches the client
 * transaction with its top Via branch and CSeq method; a request matches the
 * server transaction with its top Via branch, sent-by and method, where ACK
 * matches an INVITE.  A CANCEL gets its own server transaction and the event
 * names the INVITE server transaction it cancels (§9.2).
 *
 * Timers (T1/T2/T4 from cfg, defaults 500 ms / 4 s / 5 s): A, B, D (32 s
 * unreliable, 0 reliable), E, F, K, G, H, I, J, and L, M of RFC 6026.  On a
 * reliable transport nothing is retransmitted and D, I, J, K are zero.  A
 * client INVITE transaction waits at most 180 s in Proceeding (like a
 * proxy's timer C) and then reports RG_SIP_EV_TIMEOUT.  An
 * INVITE server transaction sends "100 Trying" itself when the TU has not
 * sent a provisional response within cfg.trying_delay_us (§17.2.1).
 *
 * TU helpers kept here because they need the same clock and transmit queue:
 * a 2xx to INVITE sent through rg_sip_txl_respond() is retransmitted by the
 * "UAS core" (T1 doubling up to T2) until an ACK with the same Call-ID and
 * CSeq number arrives or 64*T1 pass (§13.3.1.4, RG_SIP_EV_NO_ACK); a
 * reliable provisional response (RFC 3262) is retransmitted until
 * rg_sip_txl_prack() or 64*T1 (RG_SIP_EV_PRACK_TIMEOUT).
 *
 * Lifetimes: a message event's msg points at the message given to the
 * handle_message call that produced it; the caller must drain message
 * events before its next handle_message (which fails with RG_ESTATE
 * otherwise) and before freeing that message.  Transmit bytes are owned by
 * the txl and valid until the next poll_transmit or deinit.  Handles
 * (uint64_t) are never reused; a stale handle gives RG_ENOTFOUND.
 * Single-threaded.  Time is int64 microseconds, monotonic.
 */
#ifndef RG_PROTO_SIP_TXN_H
#define RG_PROTO_SIP_TXN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/err.h"
#include "proto/sip/sip_msg.h"

struct rg_sip_txl_cfg {
    int64_t t1_us, t2_us, t4_us;
    int64_t trying_delay_us; /* 0: send 100 Trying at once */
    uint32_t max_txns;       /* transactions (client + server) at once */
    size_t max_msg_bytes;    /* largest serialized message */
};

#define RG_SIP_TXL_CFG_DEFAULT                                                                     \
    ((struct rg_sip_txl_cfg){500000, 4000000, 5000000, 200000, 1024, 65535})

/* Where a message came from or goes to.  flow names a connection (TCP,
 * TLS, WebSocket) or a socket; the io layer defines its values. */
struct rg_sip_tinfo {
    bool reliable;
    uint64_t flow;
    struct rg_addr addr;
};

enum rg_sip_ev_kind {
    RG_SIP_EV_REQUEST = 1,   /* new server transaction: msg, txn (CANCEL: also cancels) */
    RG_SIP_EV_ACK,           /* ACK outside a transaction (for a 2xx): msg, txn 0 */
    RG_SIP_EV_RESPONSE,      /* response for client transaction txn: msg */
    RG_SIP_EV_STRAY,         /* message matching nothing (stray response, pre-3261 request) */
    RG_SIP_EV_TIMEOUT,       /* timer B, F or H fired for txn */
    RG_SIP_EV_TRANSPORT,     /* rg_sip_txl_flow_failed() ended txn */
    RG_SIP_EV_NO_ACK,        /* 2xx of server txn never acknowledged: send BYE */
    RG_SIP_EV_PRACK_TIMEOUT, /* reliable 1xx never PRACKed (RFC 3262 §3): send 5xx */
};

struct rg_sip_event {
    enum rg_sip_ev_kind kind;
    uint64_t txn;     /* transaction handle, 0 when none */
    uint64_t cancels; /* CANCEL: the INVITE server transaction, 0 when none */
    const struct rg_sip_msg *msg;
    struct rg_sip_tinfo from; /* message events: where it came from */
};

struct rg_sip_transmit {
    const char *data; /* owned by the txl until the next poll_transmit */
    size_t len;
    struct rg_sip_tinfo to;
};

struct rg_sip_txl;

/* Creates a transaction layer (owned by the caller, free with
 * rg_sip_txl_free).  cfg NULL means the defaults.  RG_EINVAL for zero
 * timers or sizes, timers above 600 s, T2 < T1, max_txns >= 2^20 or
 * max_msg_bytes < 256; RG_ENOMEM. */
RG_MUST_CHECK int rg_sip_txl_new(const struct rg_sip_txl_cfg *cfg, struct rg_sip_txl **out);
void rg_sip_txl_free(struct rg_sip_txl *txl);

/* Feeds one parsed message (indexed; from the parser or the builder).
 * Returns RG_OK (the message was absorbed or produced an event),
 * RG_ESTATE (message events still queued), RG_ELIMIT (no free transaction:
 * the request was dropped, answer 503 statelessly if wanted) or RG_ENOMEM. */
RG_MUST_CHECK int rg_sip_txl_handle_message(struct rg_sip_txl *txl, int64_t now_us,
                                            const struct rg_sip_msg *msg,
                                            const struct rg_sip_tinfo *from);

/* Runs every timer due at now_us. */
void rg_sip_txl_handle_timeout(struct rg_sip_txl *txl, int64_t now_us);

/* Earliest time a timer is due, or INT64_MAX when none runs. */
int64_t rg_sip_txl_next_timeout_us(const struct rg_sip_txl *txl);

/* Next datagram/segment to send: RG_OK and *out, or RG_EAGAIN when none. */
RG_MUST_CHECK int rg_sip_txl_poll_transmit(struct rg_sip_txl *txl, struct rg_sip_transmit *out);

/* Next event: RG_OK and *out, or RG_EAGAIN when none. */
RG_MUST_CHECK int rg_sip_txl_poll_event(struct rg_sip_txl *txl, struct rg_sip_event *out);

/* Starts a client transaction for request req (its top Via must carry an
 * RFC 3261 branch and a CSeq; ACK is refused: use rg_sip_txl_send_stateless)
 * toward to.  Writes the handle to *txn.  RG_EINVAL, RG_EEXIST (branch in
 * use), RG_ELIMIT, RG_ENOMEM. */
RG_MUST_CHECK int rg_sip_txl_request(struct rg_sip_txl *txl, int64_t now_us,
                                     const struct rg_sip_msg *req, const struct rg_sip_tinfo *to,
                                     uint64_t *txn);

/* Sends resp through server transaction txn (to where its request came
 * from).  A reliable provisional (RFC 3262: Require: 100rel and RSeq) is
 * retransmitted until rg_sip_txl_prack().  RG_ENOTFOUND, RG_ESTATE (final
 * response already sent, or a reliable 1xx still unacknowledged),
 * RG_EINVAL, RG_ELIMIT, RG_ENOMEM. */
RG_MUST_CHECK int rg_sip_txl_respond(struct rg_sip_txl *txl, int64_t now_us, uint64_t txn,
                                     const struct rg_sip_msg *resp);

/* Sends msg outside any transaction (ACK for a 2xx, stateless responses). */
RG_MUST_CHECK int rg_sip_txl_send_stateless(struct rg_sip_txl *txl, const struct rg_sip_msg *msg,
                                            const struct rg_sip_tinfo *to);

/* A PRACK acknowledged reliable provisional rseq of INVITE server
 * transaction txn: stops its retransmission.  RG_OK, RG_ENOTFOUND (no such
 * transaction or no reliable 1xx with that RSeq pending). */
RG_MUST_CHECK int rg_sip_txl_prack(struct rg_sip_txl *txl, uint64_t txn, uint32_t rseq);

/* The connection flow broke: its transactions end with RG_SIP_EV_TRANSPORT
 * (RFC 3261 §17.1.4, §17.2.4). */
void rg_sip_txl_flow_failed(struct rg_sip_txl *txl, uint64_t flow);

/* Transactions in use (for bounds checks and tests). */
uint32_t rg_sip_txl_count(const struct rg_sip_txl *txl);

#endif
