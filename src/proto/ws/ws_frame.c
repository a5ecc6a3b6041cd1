/*
 * ws_frame.c — WebSocket frame codec and incremental decoder (RFC 6455 §5,
 * §7.4, §8.1).  See ws_frame.h.
 */
#include "proto/ws/ws_frame.h"

#include <string.h>

/* ---- frame header ------------------------------------------------------ */

/* Header length implied by the first two bytes (§5.2). */
static size_t header_len(uint8_t b1)
{
    size_t n = 2;
    if ((b1 & 0x7f) == 126)
        n += 2;
    else if ((b1 & 0x7f) == 127)
        n += 8;
    if (b1 & 0x80)
        n += 4;
    return n;
}

int rg_ws_frame_parse_header(const uint8_t *p, size_t n, struct rg_ws_frame_hdr *out)
{
    if (n < 2 || n < header_len(p[1]))
        return RG_EAGAIN;
    struct rg_ws_frame_hdr h;
    h.fin = (p[0] & 0x80) != 0;
    h.rsv = (uint8_t)((p[0] >> 4) & 7);
    h.opcode = p[0] & 0x0f;
    h.masked = (p[1] & 0x80) != 0;
    h.len = p[1] & 0x7f;
    size_t pos = 2;
    if (h.len == 126) {
        h.len = (uint64_t)p[2] << 8 | p[3];
        pos = 4;
        /* §5.2: "the minimal number of bytes MUST be used". */
        if (h.len < 126)
            return RG_EBADMSG;
    } else if (h.len == 127) {
        h.len = 0;
        for (int i = 0; i < 8; i++)
            h.len = h.len << 8 | p[2 + i];
        pos = 10;
        /* §5.2: the most significant bit MUST be 0. */
        if (h.len >> 63 || h.len < 65536)
            return RG_EBADMSG;
    }
    memset(h.mask, 0, sizeof(h.mask));
    if (h.masked) {
        memcpy(h.mask, p + pos, 4);
        pos += 4;
    }
    h.hdr_len = pos;
    *out = h;
    return (int)pos;
}

static bool is_control(unsigned op)
{
    return (op & 0x8) != 0;
}

static bool opcode_known(unsigned op)
{
    return op <= RG_WS_OP_BINARY || (op >= RG_WS_OP_CLOSE && op <= RG_WS_OP_PONG);
}

static void mask_bytes(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t offset)
{
    for (size_t i = 0; i < n; i++)
        p[i] ^= mask[(offset + i) & 3];
}

static void buf_truncate(struct rg_buf *b, size_t len)
{
    b->len = len;
    if (b->data)
        b->data[len] = '\0';
}

int rg_ws_frame_encode(struct rg_buf *out, bool fin, unsigned opcode, const void *payload,
                       size_t len, const uint8_t *mask)
{
    if (!opcode_known(opcode) || (is_control(opcode) && (!fin || len > RG_WS_MAX_CONTROL)) ||
        (len > 0 && !payload))
        return RG_EINVAL;
    uint8_t h[RG_WS_MAX_HEADER];
    size_t hn = 2;
    h[0] = (uint8_t)((fin ? 0x80 : 0) | opcode);
    if (len < 126) {
        h[1] = (uint8_t)len;
    } else if (len <= 0xffff) {
        h[1] = 126;
        h[2] = (uint8_t)(len >> 8);
        h[3] = (uint8_t)len;
        hn = 4;
    } else {
        h[1] = 127;
        for (int i = 0; i < 8; i++)
            h[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
        hn = 10;
    }
    if (mask) {
        h[1] |= 0x80;
        memcpy(h + hn, mask, 4);
        hn += 4;
    }
    size_t mark = out->len;
    int rc = rg_buf_append(out, h, hn);
    if (rc == RG_OK)
        rc = rg_buf_append(out, payload, len);
    if (rc != RG_OK) {
        buf_truncate(out, mark);
        return rc;
    }
    if (mask)
        mask_bytes((uint8_t *)out->data + mark + hn, len, mask, 0);
    return RG_OK;
}

/* ---- UTF-8 (RFC 3629 §4 table) ----------------------------------------- */

void rg_ws_utf8_init(struct rg_ws_utf8 *u)
{
    u->need = 0;
    u->lo = 0x80;
    u->hi = 0xbf;
}

/* Sets the state for lead byte c; false if c cannot start a character. */
static bool utf8_lead(struct rg_ws_utf8 *u, uint8_t c)
{
    u->lo = 0x80;
    u->hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        u->need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
        u->need = 2;
        if (c == 0xe0)
            u->lo = 0xa0; /* no overlongs */
        else if (c == 0xed)
            u->hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        u->need = 3;
        if (c == 0xf0)
            u->lo = 0x90;
        else if (c == 0xf4)
            u->hi = 0x8f; /* nothing above U+10FFFF */
    } else {
        return false;
    }
    return true;
}

int rg_ws_utf8_feed(struct rg_ws_utf8 *u, const uint8_t *p, size_t n)
{
    struct rg_ws_utf8 s = *u;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (s.need == 0) {
            if (c < 0x80)
                continue;
            if (!utf8_lead(&s, c))
                return RG_EBADMSG;
        } else {
            if (c < s.lo || c > s.hi)
                return RG_EBADMSG;
            s.need--;
            s.lo = 0x80;
            s.hi = 0xbf;
        }
    }
    *u = s;
    return RG_OK;
}

bool rg_ws_utf8_complete(const struct rg_ws_utf8 *u)
{
    return u->need == 0;
}

bool rg_ws_utf8_valid(const void *p, size_t n)
{
    struct rg_ws_utf8 u;
    rg_ws_utf8_init(&u);
    return rg_ws_utf8_feed(&u, p, n) == RG_OK && rg_ws_utf8_complete(&u);
}

/* ---- close frames (§5.5.1, §7.4) --------------------------------------- */

bool rg_ws_close_code_valid(unsigned code)
{
    /* 1004 is reserved, 1005/1006/1015 must never be sent (§7.4.1); 1012-1014
     * were registered with IANA after the RFC; 1016-2999 are reserved. */
    if (code >= 1000 && code <= 1003)
        return true;
    if (code >= 1007 && code <= 1014)
        return true;
    return code >= 3000 && code <= 4999;
}

int rg_ws_frame_encode_close(struct rg_buf *out, unsigned code, struct rg_str reason,
                             const uint8_t *mask)
{
    uint8_t body[RG_WS_MAX_CONTROL];
    size_t n = 0;
    if (code != 0) {
        if (!rg_ws_close_code_valid(code))
            return RG_EINVAL;
        body[0] = (uint8_t)(code >> 8);
        body[1] = (uint8_t)code;
        size_t r = reason.len < RG_WS_MAX_CONTROL - 2 ? reason.len : RG_WS_MAX_CONTROL - 2;
        /* Cut at a character boundary: drop continuation bytes at the cut. */
        while (r > 0 && r < reason.len && ((uint8_t)reason.p[r] & 0xc0) == 0x80)
            r--;
        if (r > 0)
            memcpy(body + 2, reason.p, r);
        n = 2 + r;
    }
    return rg_ws_frame_encode(out, true, RG_WS_OP_CLOSE, body, n, mask);
}

/* ---- decoder ----------------------------------------------------------- */

void rg_ws_decoder_init(struct rg_ws_decoder *d, enum rg_ws_role role, size_t max_msg)
{
    memset(d, 0, sizeof(*d));
    d->role = role;
    d->max_msg = max_msg;
    rg_buf_init(&d->msg, max_msg);
    rg_ws_utf8_init(&d->utf8);
}

void rg_ws_decoder_deinit(struct rg_ws_decoder *d)
{
    rg_buf_deinit(&d->msg);
}

static int fail(struct rg_ws_decoder *d, unsigned code, const char *why)
{
    d->fail_code = code;
    d->fail_why = why;
    return code == RG_WS_CLOSE_INTERNAL ? RG_ENOMEM : RG_EPROTO;
}

/* Checks a complete header against §5.1-§5.5 and opens the frame. */
static int start_frame(struct rg_ws_decoder *d)
{
    const struct rg_ws_frame_hdr *h = &d->fh;
    if (h->rsv != 0)
        return fail(d, RG_WS_CLOSE_PROTOCOL, "RSV bit set without extension");
    if (!opcode_known(h->opcode))
        return fail(d, RG_WS_CLOSE_PROTOCOL, "reserved opcode");
    if (h->masked != (d->role == RG_WS_SERVER))
        return fail(d, RG_WS_CLOSE_PROTOCOL,
                    d->role == RG_WS_SERVER ? "unmasked client frame" : "masked server frame");
    if (is_control(h->opcode)) {
        if (!h->fin || h->len > RG_WS_MAX_CONTROL)
            return fail(d, RG_WS_CLOSE_PROTOCOL, "fragmented or long control frame");
        d->ctl_len = 0;
    } else if (h->opcode == RG_WS_OP_CONT) {
        if (!d->in_msg)
            return fail(d, RG_WS_CLOSE_PROTOCOL, "continuation without a message");
    } else {
        if (d->in_msg)
            return fail(d, RG_WS_CLOSE_PROTOCOL, "new message inside a fragmented one");
        d->in_msg = true;
        d->msg_op = h->opcode;
        rg_buf_reset(&d->msg);
        rg_ws_utf8_init(&d->utf8);
    }
    if (!is_control(h->opcode) && h->len > d->max_msg - d->msg.len)
        return fail(d, RG_WS_CLOSE_TOO_BIG, "message too big");
    d->in_frame = true;
    d->done = 0;
    return RG_OK;
}

/* Collects header bytes; returns RG_OK once the header is complete. */
static int take_header(struct rg_ws_decoder *d, const uint8_t *p, size_t n, size_t *used)
{
    size_t u = 0;
    while (u < n) {
        size_t need = d->hdr_have < 2 ? 2 : header_len(d->hdr[1]);
        if (d->hdr_have == need)
            break;
        size_t k = need - d->hdr_have < n - u ? need - d->hdr_have : n - u;
        memcpy(d->hdr + d->hdr_have, p + u, k);
        d->hdr_have += k;
        u += k;
    }
    *used = u;
    int rc = rg_ws_frame_parse_header(d->hdr, d->hdr_have, &d->fh);
    if (rc == RG_EAGAIN)
        return RG_EAGAIN;
    d->hdr_have = 0;
    if (rc < 0)
        return fail(d, RG_WS_CLOSE_PROTOCOL, "non-minimal or oversized length");
    return start_frame(d);
}

/* Takes payload bytes of the current frame. */
static int take_payload(struct rg_ws_decoder *d, const uint8_t *p, size_t n, size_t *used)
{
    uint64_t left = d->fh.len - d->done;
    size_t k = left < n ? (size_t)left : n;
    uint8_t *dst;
    if (is_control(d->fh.opcode)) {
        dst = d->ctl + d->ctl_len;
        memcpy(dst, p, k);
        d->ctl_len += k;
    } else {
        size_t old = d->msg.len;
        if (rg_buf_append(&d->msg, p, k) != RG_OK)
            return fail(d, RG_WS_CLOSE_INTERNAL, "out of memory");
        dst = (uint8_t *)d->msg.data + old;
    }
    if (d->fh.masked)
        mask_bytes(dst, k, d->fh.mask, d->done);
    d->done += k;
    *used = k;
    /* §8.1: a text message that cannot be UTF-8 fails as soon as we know. */
    if (!is_control(d->fh.opcode) && d->msg_op == RG_WS_OP_TEXT &&
        rg_ws_utf8_feed(&d->utf8, dst, k) != RG_OK)
        return fail(d, RG_WS_CLOSE_INVALID_DATA, "text message is not UTF-8");
    return RG_OK;
}

/* The current frame is complete: returns RG_OK with *msg when it finished a
 * message or is a control frame, RG_EAGAIN otherwise. */
static int end_frame(struct rg_ws_decoder *d, struct rg_ws_msg *msg)
{
    struct rg_ws_msg m;
    memset(&m, 0, sizeof(m));
    d->in_frame = false;
    if (!is_control(d->fh.opcode)) {
        if (!d->fh.fin)
            return RG_EAGAIN;
        d->in_msg = false;
        if (d->msg_op == RG_WS_OP_TEXT && !rg_ws_utf8_complete(&d->utf8))
            return fail(d, RG_WS_CLOSE_INVALID_DATA, "text message ends inside a character");
        m.opcode = d->msg_op;
        m.data = rg_str_make(d->msg.data ? d->msg.data : "", d->msg.len);
        *msg = m;
        return RG_OK;
    }
    m.opcode = d->fh.opcode;
    m.data = rg_str_make((const char *)d->ctl, d->ctl_len);
    if (m.opcode == RG_WS_OP_CLOSE) {
        m.close_code = RG_WS_CLOSE_NO_STATUS;
        if (d->ctl_len == 1)
            return fail(d, RG_WS_CLOSE_PROTOCOL, "close body of one byte");
        if (d->ctl_len >= 2) {
            m.close_code = (unsigned)d->ctl[0] << 8 | d->ctl[1];
            if (!rg_ws_close_code_valid(m.close_code))
                return fail(d, RG_WS_CLOSE_PROTOCOL, "invalid close code");
            m.close_reason = rg_str_make((const char *)d->ctl + 2, d->ctl_len - 2);
            if (!rg_ws_utf8_valid(m.close_reason.p, m.close_reason.len))
                return fail(d, RG_WS_CLOSE_INVALID_DATA, "close reason is not UTF-8");
        }
    }
    *msg = m;
    return RG_OK;
}

int rg_ws_decoder_feed(struct rg_ws_decoder *d, const uint8_t *p, size_t n, size_t *consumed,
                       struct rg_ws_msg *msg)
{
    if (d->fail_code)
        return RG_ESTATE;
    size_t pos = 0;
    for (;;) {
        size_t used = 0;
        int rc = RG_OK;
        if (!d->in_frame) {
            if (pos == n)
                break;
            rc = take_header(d, p + pos, n - pos, &used);
        } else if (d->done < d->fh.len) {
            if (pos == n)
                break;
            rc = take_payload(d, p + pos, n - pos, &used);
        }
        pos += used;
        if (rc == RG_EAGAIN)
            continue;
        if (rc < 0)
            return rc;
        if (d->in_frame && d->done == d->fh.len) {
            rc = end_frame(d, msg);
            if (rc == RG_OK) {
                *consumed = pos;
                return RG_OK;
            }
            if (rc != RG_EAGAIN)
                return rc;
        }
    }
    *consumed = n;
    return RG_EAGAIN;
}
