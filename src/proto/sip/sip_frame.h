/*
 * sip_frame.h — cutting SIP messages out of a byte stream (TCP, TLS,
 * WebSocket text frames) by Content-Length (RFC 3261 §18.3), sans-IO.
 *
 * Stateless: rg_sip_frame_len() looks at the bytes buffered so far and says
 * how long the first message is.  Stateful: struct rg_sip_framer owns a
 * bounded buffer (lim.max_msg_bytes of unconsumed input: one maximal
 * message), takes bytes as they arrive and hands out one complete message
 * at a time.
 * Leading CRLFs are RFC 5626 §3.5.1 keep-alives and are dropped.  A stream
 * message without Content-Length, or one larger than the limit, is an
 * unrecoverable framing error (RG_EBADMSG): the caller closes the
 * connection.  Single-threaded: one framer per connection.
 */
#ifndef RG_PROTO_SIP_FRAME_H
#define RG_PROTO_SIP_FRAME_H

#include <stddef.h>

#include "core/buf.h"
#include "proto/sip/sip_msg.h"

/* Looks at p[0..n) (starting at a message, keep-alives already removed).
 * Returns RG_OK with *msg_len (headers + empty line + body), RG_EAGAIN when
 * more bytes are needed (*msg_len then holds the total length once the
 * headers are complete, else 0), or RG_EBADMSG with *err.  *scan (optional,
 * start with 0, keep between calls on the same growing buffer) remembers
 * how far the search for the header end got, so a caller fed byte by byte
 * stays linear. */
RG_MUST_CHECK int rg_sip_frame_len(const char *p, size_t n, const struct rg_sip_limits *lim,
                                   size_t *scan, size_t *msg_len, struct rg_sip_error *err);

struct rg_sip_framer {
    struct rg_buf in; /* unconsumed input */
    size_t scanned;   /* search state for rg_sip_frame_len */
    size_t pending;   /* length of the message handed out, 0 when none */
    size_t need;      /* total length of the next message once known */
    struct rg_sip_limits lim;
    bool failed;
};

/* lim NULL: defaults.  Frees nothing; pair with rg_sip_framer_deinit. */
void rg_sip_framer_init(struct rg_sip_framer *f, const struct rg_sip_limits *lim);
void rg_sip_framer_deinit(struct rg_sip_framer *f);

/* Copies as many of the n received bytes as fit into the buffer and
 * returns how many it took (0 <= taken <= n; fewer than n when the buffer
 * is full: take the complete messages out with rg_sip_framer_next and
 * rg_sip_framer_consume, then feed the rest).  Errors: RG_ENOMEM, or
 * RG_ESTATE when a message handed out by rg_sip_framer_next was not
 * consumed yet or the framer already failed. */
RG_MUST_CHECK int rg_sip_framer_feed(struct rg_sip_framer *f, const void *p, size_t n);

/* RG_OK with *msg (a view into the framer, valid until the next
 * rg_sip_framer_consume), RG_EAGAIN, or RG_EBADMSG with *err (the framer
 * stays failed). */
RG_MUST_CHECK int rg_sip_framer_next(struct rg_sip_framer *f, struct rg_str *msg,
                                     struct rg_sip_error *err);

/* Drops the message returned by rg_sip_framer_next. */
void rg_sip_framer_consume(struct rg_sip_framer *f);

#endif
