/*
 * ng_msg.h — framing of the rtpengine "ng" control protocol over UDP:
 * "<cookie> <bencoded dictionary>" (sipwise/rtpengine,
 * docs/ng_control_protocol.md).  The cookie matches a reply to its request
 * and detects retransmissions, so a reply repeats the request's cookie.
 *
 * Codec only: the meaning of commands (offer, answer, delete, ...) belongs
 * to the media engine.  Requests are parsed into a bencode tree in a
 * caller-supplied arena; views point into the datagram, which must outlive
 * the message.  Replies are written into a bounded struct rg_buf.  Pure
 * functions, no state.
 */
#ifndef RG_PROTO_NG_MSG_H
#define RG_PROTO_NG_MSG_H

#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"
#include "proto/ng/bencode.h"

/* Longest cookie accepted (rtpengine's clients use short tokens such as
 * "5323_1" or "12345_67890"). */
#define RG_NG_MAX_COOKIE 128

struct rg_ng_msg {
    struct rg_str cookie;          /* 1..RG_NG_MAX_COOKIE bytes, no SP / CTL */
    const struct rg_bencode *dict; /* the root dictionary */
};

/*
 * Parses a whole datagram.  Returns RG_OK and fills *out, RG_EBADMSG
 * (no cookie, no single space, not a bencoded dictionary, truncated or
 * trailing bytes), RG_EUNSUPP (a JSON document: the ng protocol allows it,
 * rtcgate speaks bencode only), RG_ELIMIT (cookie or bencode limits) or
 * RG_ENOMEM.  lim may be NULL for the bencode defaults; size the arena for
 * lim->max_nodes nodes (about 100 bytes each).
 */
RG_MUST_CHECK int rg_ng_parse(struct rg_arena *arena, const char *dgram, size_t len,
                              const struct rg_bencode_limits *lim, struct rg_ng_msg *out);

/* The request's "command" string (e.g. "ping", "offer"); RG_ENOTFOUND or
 * RG_EBADMSG as rg_bencode_dict_str. */
RG_MUST_CHECK int rg_ng_command(const struct rg_ng_msg *m, struct rg_str *out);

/* Starts a reply: writes "<cookie> d" and opens the dictionary in w; the
 * caller adds keys and values, then calls rg_ng_reply_finish. */
void rg_ng_reply_begin(struct rg_bencode_writer *w, struct rg_buf *out, struct rg_str cookie);
/* Closes the dictionary; returns RG_OK or the writer's error. */
RG_MUST_CHECK int rg_ng_reply_finish(struct rg_bencode_writer *w);

/* Whole replies: { "result": "pong" } and { "result": "error",
 * "error-reason": reason }. */
RG_MUST_CHECK int rg_ng_reply_pong(struct rg_buf *out, struct rg_str cookie);
RG_MUST_CHECK int rg_ng_reply_error(struct rg_buf *out, struct rg_str cookie, const char *reason);

#endif
