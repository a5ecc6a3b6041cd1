/*
 * sip_transport.h — SIP transports on one event loop: UDP, TCP, TLS (OpenSSL
 * over the socket), WS and WSS (RFC 7118), listeners and connections, with
 * a small API toward the transaction layer.
 *
 * Receiving: every complete message (a UDP datagram, a Content-Length
 * framed stream message, a WebSocket message) is parsed with the SIP codec;
 * a parsed message goes to cfg.rx with its transport, a flow token naming
 * the connection (or UDP socket + source), the source and local addresses
 * and the listener it came in on.  A request the codec refuses is answered
 * here with 400 (RFC 3261 §21.4.1) on the same flow and the connection
 * stays up; an unframeable stream (no Content-Length, too big) gets its 400
 * and is closed, since it cannot be re-synchronised (§18.3).  Responses
 * that do not parse are dropped.  The top Via of a request gets received=
 * and rport= here (RFC 3261 §18.2.1, RFC 3581 §4, io/sip_via.h), so
 * responses built from it carry them; rx->data stays the bytes received.
 *
 * Sending: rg_sip_tp_send(flow) writes on the flow a message came in on —
 * for browsers the only way back (RFC 7118 §5, RFC 5626 "ob"): the flow
 * fails with RG_ENOTFOUND once its connection is gone.  rg_sip_tp_send_to()
 * sends to a transport and address, reusing a live TCP/TLS connection to
 * that address (incoming or outgoing, RFC 3261 §18.1.1) or connecting a new
 * one (the message waits in the connection's queue while it connects).
 * UDP goes out of the first UDP listener of the address family.
 *
 * Connections: keep-alive CRLFCRLF answered (RFC 5626 §4.4.1, see
 * sip_stream.h), closed after cfg.idle_us without input, at most
 * cfg.max_conns at once (more are accepted and closed at once), at most
 * cfg.max_out bytes queued each.  cfg.closed hears every connection that
 * ends (so registrations bound to it die).  A WebSocket port also answers
 * plain HTTP GET/HEAD with files under cfg.web_root ("/" = index.html).
 *
 * Threading and ownership: everything runs on cfg.loop's thread and the
 * callbacks are made from it.  rx data and msg are valid only during the
 * callback.  The callbacks may call rg_sip_tp_send / _send_to / _close.
 * Listener SSL_CTXs are referenced (SSL_CTX_up_ref) and released by
 * rg_sip_tp_free, which closes everything without calling cfg.closed
 * (not from inside a callback).  OpenSSL writes with write(2): the process
 * must ignore SIGPIPE (rtcgated does).
 */
#ifndef RG_IO_SIP_TRANSPORT_H
#define RG_IO_SIP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"
#include "core/log.h"
#include "io/loop.h"
#include "proto/sip/sip_msg.h"

enum rg_sip_tp_kind {
    RG_SIP_TP_UDP = 0,
    RG_SIP_TP_TCP,
    RG_SIP_TP_TLS,
    RG_SIP_TP_WS,
    RG_SIP_TP_WSS,
    RG_SIP_TP_COUNT
};

/* The Via transport token ("UDP", "TCP", "TLS", "WS", "WSS"). */
const char *rg_sip_tp_name(enum rg_sip_tp_kind k);
/* RFC 3261 §17.1.1.1: reliable transports need no retransmissions. */
bool rg_sip_tp_reliable(enum rg_sip_tp_kind k);

#define RG_SIP_TP_MAX_LISTENERS 32
#define RG_SIP_TP_MAX_CONNS_DEFAULT 1024

/* Names a flow: conn != 0 is a connection id (never reused during the
 * transport's life); conn == 0 is UDP: listener index and peer. */
struct rg_sip_flow {
    uint64_t conn;
    unsigned listener;
    struct rg_addr peer;
};

struct rg_sip_rx {
    struct rg_str data;           /* the whole message as received */
    const struct rg_sip_msg *msg; /* parsed (views into data; top Via stamped) */
    enum rg_sip_tp_kind kind;
    bool reliable;
    struct rg_sip_flow flow;
    struct rg_addr src, local;
    unsigned listener; /* index, or RG_SIP_TP_MAX_LISTENERS for outgoing */
    const char *zone;  /* the listener's zone name ("" when none) */
};

typedef void rg_sip_tp_rx_fn(void *ud, const struct rg_sip_rx *rx);
typedef void rg_sip_tp_closed_fn(void *ud, uint64_t conn, enum rg_sip_tp_kind kind);

struct ssl_ctx_st;

struct rg_sip_tp_cfg {
    struct rg_loop *loop;        /* required, borrowed */
    rg_sip_tp_rx_fn *rx;         /* required */
    rg_sip_tp_closed_fn *closed; /* may be NULL */
    void *ud;
    const struct rg_log *log;      /* may be NULL */
    struct rg_sip_limits lim;      /* max_msg_bytes 0: defaults */
    size_t max_conns;              /* 0: RG_SIP_TP_MAX_CONNS_DEFAULT */
    size_t max_out;                /* per connection; 0: sip_stream default */
    int64_t idle_us;               /* 0: sip_stream default (300 s) */
    int64_t connect_timeout_us;    /* connect + TLS handshake; 0: 10 s */
    const char *web_root;          /* copied; NULL serves no files */
    struct ssl_ctx_st *tls_client; /* outgoing TLS; NULL: one without peer checks */
};

struct rg_sip_listener_spec {
    enum rg_sip_tp_kind kind;
    struct rg_addr addr;    /* port 0 picks one (see *bound) */
    const char *ws_path;    /* WS/WSS: NULL or "/" any path */
    struct ssl_ctx_st *tls; /* TLS/WSS: required server context */
    const char *zone;       /* copied, may be NULL */
};

struct rg_sip_tp;

/* RG_OK with *out (owned: rg_sip_tp_free), RG_EINVAL, RG_ENOMEM,
 * RG_ECRYPTO. */
RG_MUST_CHECK int rg_sip_tp_new(const struct rg_sip_tp_cfg *cfg, struct rg_sip_tp **out);
void rg_sip_tp_free(struct rg_sip_tp *tp);

/* Opens a listener.  Returns its index (>= 0) and the bound address, or
 * RG_EINVAL, RG_ELIMIT (too many), RG_EIO (bind failed: in use, no such
 * address), RG_ENOMEM. */
RG_MUST_CHECK int rg_sip_tp_listen(struct rg_sip_tp *tp, const struct rg_sip_listener_spec *spec,
                                   struct rg_addr *bound);

/* Sends one complete message on a flow.  RG_OK (queued or sent),
 * RG_ENOTFOUND (connection gone), RG_ELIMIT (queue full / too big; UDP:
 * over 65,507 bytes), RG_EAGAIN (UDP socket buffer full), RG_EIO. */
RG_MUST_CHECK int rg_sip_tp_send(struct rg_sip_tp *tp, const struct rg_sip_flow *flow,
                                 const void *p, size_t n);
/* Sends to dst over kind (UDP, TCP or TLS), reusing or opening a
 * connection; *flow (optional) receives the flow used.  RG_EUNSUPP for
 * WS/WSS (browsers are reached over their own flow), RG_ENOTFOUND (no UDP
 * listener of that family), RG_ELIMIT (max_conns), others as _send. */
RG_MUST_CHECK int rg_sip_tp_send_to(struct rg_sip_tp *tp, enum rg_sip_tp_kind kind,
                                    const struct rg_addr *dst, const void *p, size_t n,
                                    struct rg_sip_flow *flow);
/* Closes a connection after flushing what is queued (WebSocket: close
 * handshake).  cfg.closed is called when it is gone. */
void rg_sip_tp_close(struct rg_sip_tp *tp, uint64_t conn);

/* Open connections (incoming and outgoing). */
size_t rg_sip_tp_conn_count(const struct rg_sip_tp *tp);

#endif
