/*
 * ws_frame.h — WebSocket framing (RFC 6455 §5), sans-IO.
 *
 * Three layers:
 *  - rg_ws_frame_parse_header / rg_ws_frame_encode: one frame header in and
 *    whole frames out (server frames unmasked, client frames masked with a
 *    caller-supplied key, §5.3);
 *  - struct rg_ws_utf8: an incremental UTF-8 validator (RFC 3629), so text
 *    messages are checked across fragments and feeds (§8.1);
 *  - struct rg_ws_decoder: an incremental decoder that takes bytes in any
 *    split and yields whole messages (fragments reassembled, §5.4) and
 *    control frames, enforcing masking direction, RSV bits, opcodes, control
 *    frame rules (§5.5), minimal length encoding (§5.2), a maximum message
 *    size, UTF-8 and close codes (§7.4).  On a violation it reports the
 *    close code the endpoint must send when failing the connection (§7.1.7).
 *
 * Ownership: the decoder owns its reassembly buffer; message views it hands
 * out stay valid until the next rg_ws_decoder_feed or _deinit.  Encoders
 * append to a caller-owned bounded rg_buf.  One thread per decoder.
 */
#ifndef RG_PROTO_WS_FRAME_H
#define RG_PROTO_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

enum rg_ws_opcode {
    RG_WS_OP_CONT = 0x0,
    RG_WS_OP_TEXT = 0x1,
    RG_WS_OP_BINARY = 0x2,
    RG_WS_OP_CLOSE = 0x8,
    RG_WS_OP_PING = 0x9,
    RG_WS_OP_PONG = 0xA,
};

/* Which end we are: a server receives masked frames and sends unmasked ones;
 * a client the reverse (§5.1). */
enum rg_ws_role { RG_WS_SERVER = 0, RG_WS_CLIENT = 1 };

/* Close status codes (§7.4.1 and the IANA registry). */
enum rg_ws_close_code {
    RG_WS_CLOSE_NORMAL = 1000,
    RG_WS_CLOSE_GOING_AWAY = 1001,
    RG_WS_CLOSE_PROTOCOL = 1002,
    RG_WS_CLOSE_UNSUPPORTED = 1003,
    RG_WS_CLOSE_NO_STATUS = 1005, /* local only: close frame had no code */
    RG_WS_CLOSE_ABNORMAL = 1006,  /* local only: no close frame at all */
    RG_WS_CLOSE_INVALID_DATA = 1007,
    RG_WS_CLOSE_POLICY = 1008,
    RG_WS_CLOSE_TOO_BIG = 1009,
    RG_WS_CLOSE_EXTENSION = 1010,
    RG_WS_CLOSE_INTERNAL = 1011,
};

/* Largest control frame payload (§5.5). */
#define RG_WS_MAX_CONTROL 125
/* Longest frame header: 2 + 8 (64-bit length) + 4 (mask key). */
#define RG_WS_MAX_HEADER 14

struct rg_ws_frame_hdr {
    bool fin;
    uint8_t rsv;    /* RSV1..3 as bits 2..0 */
    uint8_t opcode; /* enum rg_ws_opcode or a reserved value */
    bool masked;
    uint8_t mask[4];
    uint64_t len;   /* payload length */
    size_t hdr_len; /* 2..14 */
};

/*
 * Parses the frame header at p[0..n).  Returns the header length and fills
 * *out, RG_EAGAIN if n is too short, or RG_EBADMSG when the length is not in
 * its minimal form or a 64-bit length has its top bit set (§5.2).  Opcode,
 * RSV and masking rules are checked by the decoder, not here.
 */
RG_MUST_CHECK int rg_ws_frame_parse_header(const uint8_t *p, size_t n, struct rg_ws_frame_hdr *out);

/*
 * Appends one frame to out.  mask: NULL for an unmasked (server) frame, or
 * the 4-byte masking key for a client frame (from the injected rg_rng).
 * Control opcodes need fin and len <= 125, and opcode must be one of enum
 * rg_ws_opcode (RG_EINVAL).  Returns RG_OK, RG_EINVAL, RG_ELIMIT or RG_ENOMEM;
 * on failure out keeps its old contents.
 */
RG_MUST_CHECK int rg_ws_frame_encode(struct rg_buf *out, bool fin, unsigned opcode,
                                     const void *payload, size_t len, const uint8_t *mask);

/* Appends a close frame with code (0 = no code, empty body) and reason
 * (truncated to fit 125 bytes at a UTF-8 character boundary). */
RG_MUST_CHECK int rg_ws_frame_encode_close(struct rg_buf *out, unsigned code, struct rg_str reason,
                                           const uint8_t *mask);

/* True when code may be sent in a close frame (§7.4.1, §7.4.2): 1000-1003,
 * 1007-1014 and 3000-4999. */
bool rg_ws_close_code_valid(unsigned code);

/* Incremental UTF-8 validator (RFC 3629 §4: no overlongs, no surrogates,
 * nothing above U+10FFFF). */
struct rg_ws_utf8 {
    uint8_t need;   /* continuation bytes still expected */
    uint8_t lo, hi; /* allowed range of the next continuation byte */
};

void rg_ws_utf8_init(struct rg_ws_utf8 *u);
/* Returns RG_OK, or RG_EBADMSG as soon as the bytes cannot be UTF-8. */
RG_MUST_CHECK int rg_ws_utf8_feed(struct rg_ws_utf8 *u, const uint8_t *p, size_t n);
/* True when no character is cut off at the end. */
bool rg_ws_utf8_complete(const struct rg_ws_utf8 *u);
/* Whole-string check. */
bool rg_ws_utf8_valid(const void *p, size_t n);

/* One decoded unit: a whole data message or one control frame. */
struct rg_ws_msg {
    uint8_t opcode;             /* TEXT, BINARY, CLOSE, PING or PONG */
    struct rg_str data;         /* payload (for CLOSE: the whole body) */
    unsigned close_code;        /* CLOSE: the code, or 1005 if the body was empty */
    struct rg_str close_reason; /* CLOSE: UTF-8 reason (may be empty) */
};

struct rg_ws_decoder {
    enum rg_ws_role role;
    size_t max_msg; /* largest reassembled message payload */
    uint8_t hdr[RG_WS_MAX_HEADER];
    size_t hdr_have;
    bool in_frame; /* header complete, payload in progress */
    struct rg_ws_frame_hdr fh;
    uint64_t done; /* payload bytes of the current frame seen */
    bool in_msg;   /* a fragmented data message is open */
    uint8_t msg_op;
    struct rg_buf msg;
    struct rg_ws_utf8 utf8;
    uint8_t ctl[RG_WS_MAX_CONTROL];
    size_t ctl_len;
    unsigned fail_code;   /* set when feed failed: close code to send */
    const char *fail_why; /* static text for logs */
};

/* max_msg: the largest message (all fragments together) accepted; bigger
 * ones fail with close code 1009.  Allocates nothing yet. */
void rg_ws_decoder_init(struct rg_ws_decoder *d, enum rg_ws_role role, size_t max_msg);
void rg_ws_decoder_deinit(struct rg_ws_decoder *d);

/*
 * Feeds p[0..n).  Returns
 *  - RG_OK: *msg holds a whole message or control frame; *consumed says how
 *    many bytes were used (feed the rest next);
 *  - RG_EAGAIN: all n bytes consumed (*consumed = n), nothing complete yet;
 *  - RG_EPROTO / RG_ENOMEM: the peer broke the protocol (or memory ran out);
 *    d->fail_code holds the close code to send (1002, 1007, 1009 or 1011)
 *    and every later call returns RG_ESTATE.
 * *msg's views point into the decoder or its ctl buffer and are valid until
 * the next call.
 */
RG_MUST_CHECK int rg_ws_decoder_feed(struct rg_ws_decoder *d, const uint8_t *p, size_t n,
                                     size_t *consumed, struct rg_ws_msg *msg);

#endif
