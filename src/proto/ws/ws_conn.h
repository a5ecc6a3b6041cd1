/*
 * ws_conn.h — one WebSocket connection as a sans-IO state machine: opening
 * handshake, then frames, then whole messages out, with the close handshake
 * (RFC 6455 §4, §5, §7) and the "sip" subprotocol (RFC 7118).
 *
 * The five calls:
 *   rg_ws_conn_handle_input(c, now_us, bytes)  — bytes read from TCP/TLS;
 *   rg_ws_conn_poll_event(c, &ev)              — repeat until RG_WS_EV_NONE;
 *   rg_ws_conn_poll_transmit(c) / _tx_done(n)  — bytes to write to TCP/TLS;
 *   rg_ws_conn_poll_timeout(c)                 — next deadline (INT64_MAX: none);
 *   rg_ws_conn_handle_timeout(c, now_us)       — call at or after it.
 * The caller sends with rg_ws_conn_send (one SIP message per WebSocket
 * message, RFC 7118 §5) and closes with rg_ws_conn_close.  When
 * rg_ws_conn_finished() is true and the transmit queue is empty the caller
 * closes the TCP connection (the server closes first, §7.1.1).
 *
 * A server connection that receives a plain HTTP request (not an upgrade)
 * reports RG_WS_EV_HTTP with the parsed head and stops: the caller serves the
 * page itself.
 *
 * Bounds: input is buffered up to cfg.max_in bytes (handle_input refuses
 * more with RG_ELIMIT until events are polled), output up to cfg.max_out
 * (data sends fail with RG_ELIMIT before control frames lose room), messages
 * up to cfg.max_msg (bigger ones close with 1009).
 *
 * Ownership: the connection owns its buffers; event views point into them
 * and stay valid until the next handle_input / poll_event / send / tx_done
 * call.  cfg strings are read by init only; rng and log are borrowed and must
 * outlive the connection.  Time is now_us, monotonic microseconds.  One
 * thread per connection.
 */
#ifndef RG_PROTO_WS_CONN_H
#define RG_PROTO_WS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/str.h"
#include "proto/ws/ws_frame.h"
#include "proto/ws/ws_handshake.h"

enum rg_ws_conn_state {
    RG_WS_CONN_HANDSHAKE = 0, /* waiting for the request (server) or 101 (client) */
    RG_WS_CONN_OPEN,          /* messages flow both ways */
    RG_WS_CONN_CLOSING,       /* we sent a close frame, waiting for the peer's */
    RG_WS_CONN_CLOSED,        /* close handshake done, failed or rejected */
    RG_WS_CONN_HTTP,          /* a plain HTTP request was handed to the caller */
};

enum rg_ws_event_type {
    RG_WS_EV_NONE = 0,
    RG_WS_EV_HTTP,     /* server: plain HTTP request: ev.http */
    RG_WS_EV_OPEN,     /* handshake done: ev.sip, ev.http (request or 101) */
    RG_WS_EV_REJECTED, /* server: handshake refused, ev.status written out */
    RG_WS_EV_MESSAGE,  /* ev.opcode TEXT or BINARY, ev.data */
    RG_WS_EV_PING,     /* ev.data; the pong is already queued */
    RG_WS_EV_PONG,     /* ev.data */
    RG_WS_EV_CLOSE,    /* closing finished: ev.close_code/close_reason are the
                        * peer's (1005 none, 1006 timed out waiting) */
    RG_WS_EV_ERROR,    /* connection failed: ev.close_code is what we sent
                        * (1002, 1007, 1009, 1011) or 1006; ev.why says why */
};

struct rg_ws_event {
    enum rg_ws_event_type type;
    const struct rg_ws_http_head *http; /* HTTP, OPEN, REJECTED (may be NULL) */
    unsigned status;                    /* REJECTED: HTTP status sent */
    bool sip;                           /* OPEN: subprotocol "sip" agreed */
    uint8_t opcode;                     /* MESSAGE: RG_WS_OP_TEXT / _BINARY */
    struct rg_str data;                 /* MESSAGE, PING, PONG payload */
    unsigned close_code;                /* CLOSE, ERROR */
    struct rg_str close_reason;         /* CLOSE */
    const char *why;                    /* ERROR, REJECTED: static text */
};

struct rg_ws_conn_cfg {
    enum rg_ws_role role;
    size_t max_msg;                   /* 0: 64 KiB */
    size_t max_in;                    /* 0: max_msg + 16 KiB (at least 16 KiB) */
    size_t max_out;                   /* 0: 4 * max_msg */
    int64_t handshake_timeout_us;     /* 0: 10 s */
    int64_t close_timeout_us;         /* 0: 5 s */
    struct rg_ws_server_cfg server;   /* server: handshake policy */
    const struct rg_rng *rng;         /* client: key and masks (required) */
    struct rg_str host, path, origin; /* client: request (read by init only) */
    const struct rg_log *log;         /* may be NULL */
};

struct rg_ws_conn {
    struct rg_ws_conn_cfg cfg;
    enum rg_ws_conn_state state;
    struct rg_buf in; /* received, not yet processed from in_off */
    size_t in_off;
    struct rg_buf out; /* to transmit from out_off */
    size_t out_off;
    struct rg_ws_decoder dec;
    struct rg_ws_http_head head;
    char key[RG_WS_KEY_LEN + 1];
    bool sip;
    bool hs_dirty; /* new input may change the head parser's answer */
    bool close_sent;
    int64_t deadline_us;
    bool timed_out;
};

/*
 * Initialises c.  A client queues its upgrade request at once (poll_transmit
 * has it).  Returns RG_OK, RG_EINVAL (client without rng or with a bad
 * host/path) or RG_ENOMEM; c needs rg_ws_conn_deinit only after RG_OK.
 */
RG_MUST_CHECK int rg_ws_conn_init(struct rg_ws_conn *c, const struct rg_ws_conn_cfg *cfg,
                                  int64_t now_us);
void rg_ws_conn_deinit(struct rg_ws_conn *c);

/* Buffers received bytes (copied).  Returns RG_OK or RG_ELIMIT when they do
 * not fit (nothing taken: poll events first), RG_ENOMEM.  Bytes that arrive
 * after the connection closed are dropped. */
RG_MUST_CHECK int rg_ws_conn_handle_input(struct rg_ws_conn *c, int64_t now_us, const void *p,
                                          size_t n);
/* Processes buffered input until one event is ready; RG_WS_EV_NONE when
 * there is none.  Always writes *ev. */
void rg_ws_conn_poll_event(struct rg_ws_conn *c, int64_t now_us, struct rg_ws_event *ev);

/* Bytes waiting to be written (empty view: nothing). */
struct rg_str rg_ws_conn_poll_transmit(const struct rg_ws_conn *c);
/* n bytes of poll_transmit's view were written. */
void rg_ws_conn_tx_done(struct rg_ws_conn *c, size_t n);

int64_t rg_ws_conn_poll_timeout(const struct rg_ws_conn *c);
void rg_ws_conn_handle_timeout(struct rg_ws_conn *c, int64_t now_us);

/* Queues one message (opcode RG_WS_OP_TEXT or _BINARY; a SIP message is
 * TEXT when it is UTF-8, RFC 7118 §5).  Returns RG_OK, RG_ESTATE (not
 * open), RG_EINVAL (bad opcode, or TEXT that is not UTF-8), RG_ELIMIT
 * (output queue or max_msg full) or RG_ENOMEM. */
RG_MUST_CHECK int rg_ws_conn_send(struct rg_ws_conn *c, unsigned opcode, const void *p, size_t n);
/* Queues a ping (n <= 125). */
RG_MUST_CHECK int rg_ws_conn_ping(struct rg_ws_conn *c, const void *p, size_t n);
/* Starts the close handshake with code (a valid close code, or 0 for none)
 * and reason.  Returns RG_OK, RG_ESTATE (not open) or RG_EINVAL. */
RG_MUST_CHECK int rg_ws_conn_close(struct rg_ws_conn *c, int64_t now_us, unsigned code,
                                   struct rg_str reason);

enum rg_ws_conn_state rg_ws_conn_state(const struct rg_ws_conn *c);
/* True when nothing more will happen but transmitting what is queued: the
 * caller closes the transport once poll_transmit is empty. */
bool rg_ws_conn_finished(const struct rg_ws_conn *c);

#endif
