/*
 * rtp.h — RTP packets (RFC 3550 §5) and header extensions (RFC 8285),
 * sans-IO and zero-copy.
 *
 * rg_rtp_parse() validates one datagram and describes it in a struct rg_rtp
 * whose pointers borrow the caller's bytes (keep them alive and unchanged).
 * Extension elements are read with an iterator; rg_rtp_ext_set/_remove
 * rewrite a packet held in a caller buffer of known capacity (the payload
 * moves).  rg_rtp_set_* rewrite fixed header fields in place (relay PT /
 * sequence / timestamp / SSRC mapping).  rg_rtp_write() serialises a header
 * description plus payload into a caller buffer.
 *
 * No allocation, no state; every function bounds its reads by the lengths
 * it is given.  Thread-safe as long as buffers are not shared.
 */
#ifndef RG_PROTO_RTP_H
#define RG_PROTO_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define RG_RTP_HEADER_LEN 12
#define RG_RTP_MAX_CSRC 15
/* RFC 8285 §4.2 / §4.3 "defined by profile" values. */
#define RG_RTP_EXT_ONE_BYTE 0xBEDEu
#define RG_RTP_EXT_TWO_BYTE 0x1000u /* low 4 bits: appbits */
/* Largest extension block rg_rtp_ext_set/_remove will rebuild. */
#define RG_RTP_MAX_EXT_REWRITE 1024

struct rg_rtp {
    bool padding, extension, marker;
    uint8_t cc; /* CSRC count */
    uint8_t pt; /* 7-bit payload type */
    uint16_t seq;
    uint32_t ts;
    uint32_t ssrc;
    uint32_t csrc[RG_RTP_MAX_CSRC];
    uint16_t ext_profile; /* "defined by profile" (valid when extension) */
    const uint8_t *ext;   /* extension data after its 4-byte header */
    size_t ext_len;       /* bytes (a multiple of 4) */
    size_t header_len;    /* fixed header + CSRCs + extension */
    const uint8_t *payload;
    size_t payload_len; /* without padding */
    uint8_t pad_len;    /* padding bytes incl. the count byte (0: none) */
};

/* Parses one RTP packet.  RG_OK, or RG_EBADMSG when: shorter than the
 * header, version != 2, CSRC list or extension past the end, or padding
 * count 0 or larger than what follows the header (RFC 3550 §5.1, A.1). */
RG_MUST_CHECK int rg_rtp_parse(const uint8_t *data, size_t len, struct rg_rtp *out);

/* One header-extension element (RFC 8285 §4.2 one-byte, §4.3 two-byte). */
struct rg_rtp_ext_elem {
    uint8_t id;
    uint8_t len;
    const uint8_t *data; /* borrowed from the packet */
};

struct rg_rtp_ext_iter {
    const uint8_t *p;
    size_t len, off;
    bool two_byte;
};

/* Starts iterating r's extension.  RG_OK; RG_ENOTFOUND when r has no
 * extension; RG_EUNSUPP when its profile is neither 0xBEDE nor 0x100X. */
RG_MUST_CHECK int rg_rtp_ext_iter_init(struct rg_rtp_ext_iter *it, const struct rg_rtp *r);
/* Next element: 1 (written to *e), 0 at the end, RG_EBADMSG when an element
 * overruns the block.  Padding bytes (0) are skipped; a one-byte ID 15 ends
 * the block (§4.2: what follows is ignored). */
RG_MUST_CHECK int rg_rtp_ext_next(struct rg_rtp_ext_iter *it, struct rg_rtp_ext_elem *e);
/* First element with id: RG_OK, RG_ENOTFOUND, RG_EUNSUPP or RG_EBADMSG. */
RG_MUST_CHECK int rg_rtp_ext_find(const struct rg_rtp *r, uint8_t id, struct rg_rtp_ext_elem *e);

/* Adds or replaces element id (1..14 with 1..16 bytes stays in one-byte
 * form; otherwise the block switches to two-byte form, id 1..255, 0..255
 * bytes — the peer must have agreed to it, RFC 8285 §6) in the packet
 * pkt[0..len), which lives in a buffer of cap bytes.  The payload and
 * padding move; *new_len receives the new length.  RG_ELIMIT when cap is
 * too small or the block would exceed RG_RTP_MAX_EXT_REWRITE, RG_EINVAL on
 * a bad id/length, RG_EBADMSG / RG_EUNSUPP as for parsing. */
RG_MUST_CHECK int rg_rtp_ext_set(uint8_t *pkt, size_t len, size_t cap, uint8_t id, const void *data,
                                 size_t dlen, size_t *new_len);
/* Removes every element with id; drops the extension (and the X bit) when
 * none is left.  RG_ENOTFOUND when there is no such element. */
RG_MUST_CHECK int rg_rtp_ext_remove(uint8_t *pkt, size_t len, uint8_t id, size_t *new_len);

/* In-place rewrites of a packet of at least 12 bytes (RG_EINVAL if not, or
 * pt > 127).  No other byte changes. */
RG_MUST_CHECK int rg_rtp_set_pt(uint8_t *pkt, size_t len, uint8_t pt);
RG_MUST_CHECK int rg_rtp_set_marker(uint8_t *pkt, size_t len, bool marker);
RG_MUST_CHECK int rg_rtp_set_seq(uint8_t *pkt, size_t len, uint16_t seq);
RG_MUST_CHECK int rg_rtp_set_ts(uint8_t *pkt, size_t len, uint32_t ts);
RG_MUST_CHECK int rg_rtp_set_ssrc(uint8_t *pkt, size_t len, uint32_t ssrc);

/* Serialises h (fields, CSRCs, extension from ext_profile/ext/ext_len when
 * h->extension, payload, and pad_len bytes of padding when h->padding) to
 * out[0..cap).  Returns the length or RG_ELIMIT / RG_EINVAL (cc > 15,
 * pt > 127, ext_len not a multiple of 4 or > 262140, padding with
 * pad_len 0). */
RG_MUST_CHECK int rg_rtp_write(const struct rg_rtp *h, uint8_t *out, size_t cap);

#endif
