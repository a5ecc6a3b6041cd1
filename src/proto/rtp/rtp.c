/*
 * rtp.c — RTP header parse/serialise and in-place rewrites (RFC 3550 §5.1,
 * §5.3.1).  Extension elements live in rtp_ext.c.
 */
#include <string.h>

#include "proto/rtp/rtp.h"

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, (uint16_t)(v >> 16));
    wr16(p + 2, (uint16_t)v);
}

/* Fixed header, CSRC list and extension (RFC 3550 §5.1, §5.3.1). */
static int parse_header(const uint8_t *data, size_t len, struct rg_rtp *r)
{
    if (len < RG_RTP_HEADER_LEN || (data[0] >> 6) != 2)
        return RG_EBADMSG;
    r->padding = (data[0] & 0x20) != 0;
    r->extension = (data[0] & 0x10) != 0;
    r->cc = data[0] & 0x0F;
    r->marker = (data[1] & 0x80) != 0;
    r->pt = data[1] & 0x7F;
    r->seq = rd16(data + 2);
    r->ts = rd32(data + 4);
    r->ssrc = rd32(data + 8);
    size_t off = RG_RTP_HEADER_LEN;
    if (len - off < 4u * r->cc)
        return RG_EBADMSG;
    for (unsigned i = 0; i < r->cc; i++, off += 4)
        r->csrc[i] = rd32(data + off);
    r->ext_profile = 0;
    r->ext = NULL;
    r->ext_len = 0;
    if (r->extension) {
        if (len - off < 4)
            return RG_EBADMSG;
        r->ext_profile = rd16(data + off);
        size_t words = rd16(data + off + 2);
        off += 4;
        if (len - off < 4 * words)
            return RG_EBADMSG;
        r->ext = data + off;
        r->ext_len = 4 * words;
        off += 4 * words;
    }
    r->header_len = off;
    return RG_OK;
}

int rg_rtp_parse(const uint8_t *data, size_t len, struct rg_rtp *out)
{
    if (!data || !out)
        return RG_EINVAL;
    struct rg_rtp r;
    int rc = parse_header(data, len, &r);
    if (rc < 0)
        return rc;
    size_t rest = len - r.header_len;
    r.pad_len = 0;
    if (r.padding) {
        /* §5.1: the last octet counts the padding, itself included. */
        if (rest == 0 || data[len - 1] == 0 || data[len - 1] > rest)
            return RG_EBADMSG;
        r.pad_len = data[len - 1];
    }
    r.payload = data + r.header_len;
    r.payload_len = rest - r.pad_len;
    memcpy(out, &r, sizeof(r));
    return RG_OK;
}

int rg_rtp_set_pt(uint8_t *pkt, size_t len, uint8_t pt)
{
    if (!pkt || len < RG_RTP_HEADER_LEN || pt > 127)
        return RG_EINVAL;
    pkt[1] = (uint8_t)((pkt[1] & 0x80) | pt);
    return RG_OK;
}

int rg_rtp_set_marker(uint8_t *pkt, size_t len, bool marker)
{
    if (!pkt || len < RG_RTP_HEADER_LEN)
        return RG_EINVAL;
    pkt[1] = (uint8_t)((pkt[1] & 0x7F) | (marker ? 0x80 : 0));
    return RG_OK;
}

int rg_rtp_set_seq(uint8_t *pkt, size_t len, uint16_t seq)
{
    if (!pkt || len < RG_RTP_HEADER_LEN)
        return RG_EINVAL;
    wr16(pkt + 2, seq);
    return RG_OK;
}

int rg_rtp_set_ts(uint8_t *pkt, size_t len, uint32_t ts)
{
    if (!pkt || len < RG_RTP_HEADER_LEN)
        return RG_EINVAL;
    wr32(pkt + 4, ts);
    return RG_OK;
}

int rg_rtp_set_ssrc(uint8_t *pkt, size_t len, uint32_t ssrc)
{
    if (!pkt || len < RG_RTP_HEADER_LEN)
        return RG_EINVAL;
    wr32(pkt + 8, ssrc);
    return RG_OK;
}

static bool write_args_ok(const struct rg_rtp *h)
{
    if (h->cc > RG_RTP_MAX_CSRC || h->pt > 127)
        return false;
    if (h->extension && (h->ext_len % 4 || h->ext_len > 4u * 0xFFFF || (h->ext_len && !h->ext)))
        return false;
    if (h->padding && h->pad_len == 0)
        return false;
    return !(h->payload_len && !h->payload);
}

int rg_rtp_write(const struct rg_rtp *h, uint8_t *out, size_t cap)
{
    if (!h || !out || !write_args_ok(h))
        return RG_EINVAL;
    size_t ext_total = h->extension ? 4 + h->ext_len : 0;
    size_t pad = h->padding ? h->pad_len : 0;
    size_t total = RG_RTP_HEADER_LEN + 4u * h->cc + ext_total + h->payload_len + pad;
    if (total > cap || total > INT32_MAX)
        return RG_ELIMIT;
    out[0] = (uint8_t)(0x80 | (h->padding ? 0x20 : 0) | (h->extension ? 0x10 : 0) | h->cc);
    out[1] = (uint8_t)((h->marker ? 0x80 : 0) | h->pt);
    wr16(out + 2, h->seq);
    wr32(out + 4, h->ts);
    wr32(out + 8, h->ssrc);
    size_t off = RG_RTP_HEADER_LEN;
    for (unsigned i = 0; i < h->cc; i++, off += 4)
        wr32(out + off, h->csrc[i]);
    if (h->extension) {
        wr16(out + off, h->ext_profile);
        wr16(out + off + 2, (uint16_t)(h->ext_len / 4));
        if (h->ext_len)
            memmove(out + off + 4, h->ext, h->ext_len);
        off += ext_total;
    }
    if (h->payload_len)
        memmove(out + off, h->payload, h->payload_len);
    off += h->payload_len;
    if (pad) {
        memset(out + off, 0, pad - 1);
        out[off + pad - 1] = (uint8_t)pad;
    }
    return (int)total;
}
