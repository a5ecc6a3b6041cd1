/*
 * sip_stream.h — one SIP connection's byte handling, without sockets: SIP
 * over a plain byte stream (TCP or TLS, framed by Content-Length, RFC 3261
 * §18.3) or over WebSocket (RFC 7118: one SIP message per WebSocket
 * message, after the RFC 6455 handshake; a plain HTTP GET on the same port
 * is reported so the owner can serve a file).
 *
 * The same five-call shape as struct rg_ws_conn:
 *   rg_sip_stream_input(s, now_us, bytes)   — bytes read from the socket;
 *   rg_sip_stream_poll(s, now_us, &ev)       — repeat until RG_SIP_STREAM_EV_NONE;
 *   rg_sip_stream_tx(s) / _tx_done(s, n)     — bytes to write to the socket;
 *   rg_sip_stream_timeout(s)                 — next deadline (INT64_MAX: none);
 *   rg_sip_stream_handle_timeout(s, now_us)  — call at or after it.
 * rg_sip_stream_send queues one SIP message; rg_sip_stream_http_reply queues
 * an HTTP response to the reported GET and ends the connection after it.
 * When rg_sip_stream_finished() is true and tx is empty, close the socket.
 *
 * Keep-alive (RFC 5626 §4.4.1, §3.5.1): a CRLFCRLF "ping" between messages
 * is answered with a CRLF "pong" — on a stream directly, over WebSocket as
 * a text message holding CRLF (what JsSIP and SIP.js send and expect).
 * Any received byte (ping included) restarts the idle timer.
 *
 * Bounds: cfg.lim.max_msg_bytes per message (framer buffer and WebSocket
 * max_msg), cfg.max_out queued output (sends fail with RG_ELIMIT beyond it),
 * idle_us without input closes the connection.
 *
 * Ownership: the stream owns its buffers; event views are valid until the
 * next input / poll / send / tx_done call.  cfg.log and cfg.rng are
 * borrowed.  Time is now_us (monotonic microseconds).  One thread.
 */
#ifndef RG_IO_SIP_STREAM_H
#define RG_IO_SIP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "proto/sip/sip_frame.h"
#include "proto/ws/ws_conn.h"

#define RG_SIP_STREAM_MAX_OUT_DEFAULT (256u * 1024u)
#define RG_SIP_STREAM_IDLE_DEFAULT_US (300LL * 1000000LL)

struct rg_sip_stream_cfg {
    bool ws;                  /* WebSocket server side (sip-ws, sip-wss) */
    struct rg_sip_limits lim; /* max_msg_bytes 0: RG_SIP_LIMITS_DEFAULT */
    size_t max_out;           /* 0: RG_SIP_STREAM_MAX_OUT_DEFAULT */
    int64_t idle_us;          /* 0: RG_SIP_STREAM_IDLE_DEFAULT_US */
    size_t max_http;          /* ws: largest HTTP reply (0: none fits) */
    const char *ws_path;      /* NULL, "" or "/": any path; else the upgrade's
                               * path must match (borrowed: outlives s) */
    const struct rg_log *log; /* may be NULL */
};

enum rg_sip_stream_ev_type {
    RG_SIP_STREAM_EV_NONE = 0,
    RG_SIP_STREAM_EV_OPEN,     /* WebSocket handshake done (ev.sip: "sip" agreed) */
    RG_SIP_STREAM_EV_MESSAGE,  /* ev.data: one complete SIP message (not yet parsed) */
    RG_SIP_STREAM_EV_BADFRAME, /* stream framing failed for good: ev.data holds what was
                                * buffered (for a 400), ev.why; the stream is finished
                                * once the reply (if any) is sent */
    RG_SIP_STREAM_EV_HTTP,     /* plain HTTP request: ev.method, ev.target; answer with
                                * rg_sip_stream_http_reply */
    RG_SIP_STREAM_EV_CLOSED,   /* the connection ended: ev.why */
};

struct rg_sip_stream_ev {
    enum rg_sip_stream_ev_type type;
    struct rg_str data;
    struct rg_str method, target; /* HTTP */
    bool sip;                     /* OPEN */
    const char *why;              /* BADFRAME, CLOSED: static text */
};

struct rg_sip_stream {
    struct rg_sip_stream_cfg cfg;
    struct rg_sip_framer fr; /* !ws */
    struct rg_ws_conn wsc;   /* ws */
    struct rg_buf out;       /* raw stream output and HTTP replies */
    size_t out_off;
    size_t ka_run;    /* CR/LF bytes seen between messages (keep-alive) */
    bool msg_out;     /* a framer message was handed out, consume it next poll */
    bool finished;    /* nothing more but flushing out */
    bool closed_told; /* CLOSED was reported */
    bool http;        /* an HTTP request was reported */
    bool bad;         /* framing failed: finish after the owner's reply */
    const char *why;
    int64_t last_rx_us;
};

/* RG_OK, RG_ENOMEM.  Pair with rg_sip_stream_deinit after RG_OK. */
RG_MUST_CHECK int rg_sip_stream_init(struct rg_sip_stream *s, const struct rg_sip_stream_cfg *cfg,
                                     int64_t now_us);
void rg_sip_stream_deinit(struct rg_sip_stream *s);

/* Takes received bytes; returns how many were taken (fewer than n when the
 * input buffer is full: poll events, then feed the rest), or RG_ENOMEM.
 * Bytes after the stream finished are dropped (reported as taken). */
RG_MUST_CHECK int rg_sip_stream_input(struct rg_sip_stream *s, int64_t now_us, const void *p,
                                      size_t n);
/* Next event; always writes *ev. */
void rg_sip_stream_poll(struct rg_sip_stream *s, int64_t now_us, struct rg_sip_stream_ev *ev);

/* Queues one SIP message.  RG_OK, RG_ESTATE (WebSocket not open, or
 * finished), RG_ELIMIT (output full or message too big), RG_ENOMEM. */
RG_MUST_CHECK int rg_sip_stream_send(struct rg_sip_stream *s, const void *p, size_t n);
/* Queues a complete HTTP response after EV_HTTP; the stream then finishes.
 * RG_OK, RG_ESTATE (no HTTP request pending), RG_ELIMIT, RG_ENOMEM. */
RG_MUST_CHECK int rg_sip_stream_http_reply(struct rg_sip_stream *s, const void *p, size_t n);
/* Ends the connection (WebSocket: close handshake with 1000 first). */
void rg_sip_stream_close(struct rg_sip_stream *s, int64_t now_us);

struct rg_str rg_sip_stream_tx(const struct rg_sip_stream *s);
void rg_sip_stream_tx_done(struct rg_sip_stream *s, size_t n);
int64_t rg_sip_stream_timeout(const struct rg_sip_stream *s);
void rg_sip_stream_handle_timeout(struct rg_sip_stream *s, int64_t now_us);
/* True when the owner should close the socket once tx is empty. */
bool rg_sip_stream_finished(const struct rg_sip_stream *s);

#endif
