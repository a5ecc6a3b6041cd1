/*
 * rtp_ext.c — RTP header extension elements (RFC 8285 §4.2 one-byte and
 * §4.3 two-byte forms): iteration, lookup, add/replace/remove.
 */
#include <string.h>

#include "proto/rtp/rtp.h"

int rg_rtp_ext_iter_init(struct rg_rtp_ext_iter *it, const struct rg_rtp *r)
{
    if (!it || !r)
        return RG_EINVAL;
    if (!r->extension)
        return RG_ENOTFOUND;
    bool two;
    if (r->ext_profile == RG_RTP_EXT_ONE_BYTE)
        two = false;
    else if ((r->ext_profile & 0xFFF0) == RG_RTP_EXT_TWO_BYTE)
        two = true;
    else
        return RG_EUNSUPP;
    it->p = r->ext;
    it->len = r->ext_len;
    it->off = 0;
    it->two_byte = two;
    return RG_OK;
}

int rg_rtp_ext_next(struct rg_rtp_ext_iter *it, struct rg_rtp_ext_elem *e)
{
    while (it->off < it->len) {
        uint8_t b = it->p[it->off];
        if (b == 0) { /* padding byte (§4.1) */
            it->off++;
            continue;
        }
        size_t id, l, hdr;
        if (it->two_byte) {
            if (it->len - it->off < 2)
                return RG_EBADMSG;
            id = b;
            l = it->p[it->off + 1];
            hdr = 2;
        } else {
            id = b >> 4;
            l = (b & 0x0F) + 1u;
            hdr = 1;
            /* §4.2: ID 15 ends processing; what follows is ignored. */
            if (id == 15) {
                it->off = it->len;
                return 0;
            }
            /* ID 0 is reserved for padding, which is a whole zero byte. */
            if (id == 0)
                return RG_EBADMSG;
        }
        if (it->len - it->off - hdr < l)
            return RG_EBADMSG;
        e->id = (uint8_t)id;
        e->len = (uint8_t)l;
        e->data = it->p + it->off + hdr;
        it->off += hdr + l;
        return 1;
    }
    return 0;
}

int rg_rtp_ext_find(const struct rg_rtp *r, uint8_t id, struct rg_rtp_ext_elem *e)
{
    struct rg_rtp_ext_iter it;
    int rc = rg_rtp_ext_iter_init(&it, r);
    if (rc < 0)
        return rc;
    struct rg_rtp_ext_elem cur;
    while ((rc = rg_rtp_ext_next(&it, &cur)) == 1) {
        if (cur.id == id) {
            *e = cur;
            return RG_OK;
        }
    }
    return rc < 0 ? rc : RG_ENOTFOUND;
}

/* A new extension block being assembled. */
struct blk {
    uint8_t b[RG_RTP_MAX_EXT_REWRITE];
    size_t len;
    bool two_byte;
};

static int blk_put(struct blk *k, uint8_t id, const uint8_t *data, size_t dlen)
{
    size_t hdr = k->two_byte ? 2 : 1;
    if (sizeof(k->b) - k->len < hdr + dlen)
        return RG_ELIMIT;
    if (k->two_byte) {
        k->b[k->len] = id;
        k->b[k->len + 1] = (uint8_t)dlen;
    } else {
        k->b[k->len] = (uint8_t)(id << 4 | (dlen - 1));
    }
    if (dlen)
        memcpy(k->b + k->len + hdr, data, dlen);
    k->len += hdr + dlen;
    return RG_OK;
}

/* Copies r's elements except those with id into k; counts the dropped. */
static int blk_copy(struct blk *k, const struct rg_rtp *r, uint8_t id, size_t *dropped)
{
    *dropped = 0;
    if (!r->extension)
        return RG_OK;
    struct rg_rtp_ext_iter it;
    int rc = rg_rtp_ext_iter_init(&it, r);
    if (rc < 0)
        return rc;
    struct rg_rtp_ext_elem e;
    while ((rc = rg_rtp_ext_next(&it, &e)) == 1) {
        if (e.id == id) {
            (*dropped)++;
            continue;
        }
        rc = blk_put(k, e.id, e.data, e.len);
        if (rc < 0)
            return rc;
    }
    return rc;
}

/* Replaces r's extension in pkt by k (none when k is NULL). */
static int splice(uint8_t *pkt, size_t len, size_t cap, const struct rg_rtp *r, const struct blk *k,
                  size_t *new_len)
{
    size_t fixed = RG_RTP_HEADER_LEN + 4u * r->cc;
    size_t tail = len - r->header_len;
    size_t padded = k ? (k->len + 3) & ~(size_t)3 : 0;
    size_t ext_total = k ? 4 + padded : 0;
    if (fixed + ext_total > cap || cap - fixed - ext_total < tail)
        return RG_ELIMIT;
    memmove(pkt + fixed + ext_total, pkt + r->header_len, tail);
    if (k) {
        uint16_t profile = k->two_byte ? (r->extension && (r->ext_profile & 0xFFF0) == 0x1000
                                              ? r->ext_profile
                                              : RG_RTP_EXT_TWO_BYTE)
                                       : RG_RTP_EXT_ONE_BYTE;
        pkt[fixed] = (uint8_t)(profile >> 8);
        pkt[fixed + 1] = (uint8_t)profile;
        pkt[fixed + 2] = (uint8_t)((padded / 4) >> 8);
        pkt[fixed + 3] = (uint8_t)(padded / 4);
        memcpy(pkt + fixed + 4, k->b, k->len);
        memset(pkt + fixed + 4 + k->len, 0, padded - k->len);
        pkt[0] |= 0x10;
    } else {
        pkt[0] &= (uint8_t)~0x10;
    }
    *new_len = fixed + ext_total + tail;
    return RG_OK;
}

static int parse_for_rewrite(const uint8_t *pkt, size_t len, struct rg_rtp *r, struct blk *k)
{
    int rc = rg_rtp_parse(pkt, len, r);
    if (rc < 0)
        return rc;
    if (r->ext_len > RG_RTP_MAX_EXT_REWRITE)
        return RG_ELIMIT;
    k->len = 0;
    k->two_byte = false;
    if (r->extension) {
        struct rg_rtp_ext_iter it;
        rc = rg_rtp_ext_iter_init(&it, r);
        if (rc < 0)
            return rc;
        k->two_byte = it.two_byte;
    }
    return RG_OK;
}

int rg_rtp_ext_set(uint8_t *pkt, size_t len, size_t cap, uint8_t id, const void *data, size_t dlen,
                   size_t *new_len)
{
    if (!pkt || !new_len || id == 0 || dlen > 255 || (dlen && !data))
        return RG_EINVAL;
    struct rg_rtp r;
    struct blk k;
    int rc = parse_for_rewrite(pkt, len, &r, &k);
    if (rc < 0)
        return rc;
    /* §4.2: one-byte form carries IDs 1..14 with 1..16 bytes. */
    if (id > 14 || dlen == 0 || dlen > 16)
        k.two_byte = true;
    size_t dropped;
    rc = blk_copy(&k, &r, id, &dropped);
    if (rc == RG_OK)
        rc = blk_put(&k, id, data, dlen);
    if (rc < 0)
        return rc;
    return splice(pkt, len, cap, &r, &k, new_len);
}

int rg_rtp_ext_remove(uint8_t *pkt, size_t len, uint8_t id, size_t *new_len)
{
    if (!pkt || !new_len || id == 0)
        return RG_EINVAL;
    struct rg_rtp r;
    struct blk k;
    int rc = parse_for_rewrite(pkt, len, &r, &k);
    if (rc < 0)
        return rc;
    size_t dropped;
    rc = blk_copy(&k, &r, id, &dropped);
    if (rc < 0)
        return rc;
    if (dropped == 0)
        return RG_ENOTFOUND;
    return splice(pkt, len, len, &r, k.len ? &k : NULL, new_len);
}
