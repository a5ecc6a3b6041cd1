/*
 * stun_build.c — writes STUN messages into caller buffers (RFC 8489 §5,
 * §14).  Errors are sticky (see stun.h).
 */
#include <string.h>

#include "proto/stun/stun.h"
#include "proto/stun/stun_internal.h"

#define MAX_MSG (RG_STUN_HEADER_LEN + 65535u)

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

void rg_stun_txid_new(const struct rg_rng *rng, uint8_t txid[RG_STUN_TXID_LEN])
{
    rg_rng_bytes(rng, txid, RG_STUN_TXID_LEN);
}

/* Inverse of the split in the parser: RFC 8489 §5, Figure 3. */
static uint16_t join_type(uint16_t method, unsigned cls)
{
    return (uint16_t)((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) |
                      ((cls & 1) << 4) | ((cls & 2) << 7));
}

void rg_stun_build_init(struct rg_stun_builder *b, uint8_t *buf, size_t cap, uint16_t method,
                        enum rg_stun_class cls, const uint8_t txid[RG_STUN_TXID_LEN])
{
    b->buf = buf;
    b->cap = cap > MAX_MSG ? MAX_MSG : cap;
    b->len = 0;
    b->err = RG_OK;
    b->has_mi = b->has_mi256 = b->has_fp = false;
    if (!buf || !txid || method > 0xFFF || (unsigned)cls > 3) {
        b->err = RG_EINVAL;
        return;
    }
    if (b->cap < RG_STUN_HEADER_LEN) {
        b->err = RG_ELIMIT;
        return;
    }
    wr16(buf, join_type(method, cls));
    wr16(buf + 2, 0);
    wr32(buf + 4, RG_STUN_MAGIC_COOKIE);
    memcpy(buf + 8, txid, RG_STUN_TXID_LEN);
    b->len = RG_STUN_HEADER_LEN;
}

void rg_stun_build_response(struct rg_stun_builder *b, uint8_t *buf, size_t cap,
                            const struct rg_stun_msg *req, enum rg_stun_class cls)
{
    static const uint8_t zero[RG_STUN_TXID_LEN];
    rg_stun_build_init(b, buf, cap, req ? req->method : 0, cls, req ? req->txid : zero);
    if (!req && b->err == RG_OK)
        b->err = RG_EINVAL;
}

static void set_len(struct rg_stun_builder *b)
{
    wr16(b->buf + 2, (uint16_t)(b->len - RG_STUN_HEADER_LEN));
}

/* Reserves an attribute of value length len; returns its value pointer or
 * NULL (error recorded). */
static uint8_t *reserve(struct rg_stun_builder *b, uint16_t type, size_t len, uint8_t pad)
{
    if (b->err < 0)
        return NULL;
    if (len > 0xFFFF) {
        b->err = RG_EINVAL;
        return NULL;
    }
    size_t padded = (len + 3) & ~(size_t)3;
    if (b->cap - b->len < 4 + padded) {
        b->err = RG_ELIMIT;
        return NULL;
    }
    uint8_t *p = b->buf + b->len;
    wr16(p, type);
    wr16(p + 2, (uint16_t)len);
    memset(p + 4 + len, pad, padded - len);
    b->len += 4 + padded;
    set_len(b);
    return p + 4;
}

static bool closed(struct rg_stun_builder *b)
{
    if (b->err == RG_OK && (b->has_mi || b->has_mi256 || b->has_fp))
        b->err = RG_ESTATE;
    return b->err < 0;
}

void rg_stun_add_padded(struct rg_stun_builder *b, uint16_t type, const void *value, size_t len,
                        uint8_t pad)
{
    if (closed(b))
        return;
    if (len && !value) {
        b->err = RG_EINVAL;
        return;
    }
    uint8_t *p = reserve(b, type, len, pad);
    if (p && len)
        memcpy(p, value, len);
}

void rg_stun_add(struct rg_stun_builder *b, uint16_t type, const void *value, size_t len)
{
    rg_stun_add_padded(b, type, value, len, 0);
}

void rg_stun_add_str(struct rg_stun_builder *b, uint16_t type, struct rg_str s)
{
    rg_stun_add(b, type, s.p, s.len);
}

void rg_stun_add_u32(struct rg_stun_builder *b, uint16_t type, uint32_t v)
{
    uint8_t tmp[4];
    wr32(tmp, v);
    rg_stun_add(b, type, tmp, sizeof(tmp));
}

void rg_stun_add_u64(struct rg_stun_builder *b, uint16_t type, uint64_t v)
{
    uint8_t tmp[8];
    wr32(tmp, (uint32_t)(v >> 32));
    wr32(tmp + 4, (uint32_t)v);
    rg_stun_add(b, type, tmp, sizeof(tmp));
}

void rg_stun_add_flag(struct rg_stun_builder *b, uint16_t type)
{
    rg_stun_add(b, type, NULL, 0);
}

static void add_address(struct rg_stun_builder *b, uint16_t type, const struct rg_addr *a, bool x)
{
    if (b->err == RG_OK && (!a || (a->family != RG_AF_INET4 && a->family != RG_AF_INET6)))
        b->err = RG_EINVAL;
    if (b->err < 0)
        return;
    size_t iplen = a->family == RG_AF_INET4 ? 4 : 16;
    uint8_t v[20];
    v[0] = 0;
    v[1] = iplen == 4 ? 0x01 : 0x02;
    uint16_t port = a->port;
    memcpy(v + 4, a->ip, iplen);
    if (x) {
        /* §14.2: the mask is the cookie then the transaction ID. */
        port ^= (uint16_t)(RG_STUN_MAGIC_COOKIE >> 16);
        for (size_t i = 0; i < iplen; i++)
            v[4 + i] ^= b->buf[4 + i];
    }
    wr16(v + 2, port);
    rg_stun_add(b, type, v, 4 + iplen);
}

void rg_stun_add_xor_addr(struct rg_stun_builder *b, uint16_t type, const struct rg_addr *a)
{
    add_address(b, type, a, true);
}

void rg_stun_add_addr(struct rg_stun_builder *b, uint16_t type, const struct rg_addr *a)
{
    add_address(b, type, a, false);
}

void rg_stun_add_error(struct rg_stun_builder *b, int code, struct rg_str reason)
{
    if (b->err == RG_OK &&
        (code < 300 || code > 699 || reason.len > RG_STUN_MAX_REASON || (reason.len && !reason.p)))
        b->err = RG_EINVAL;
    if (closed(b))
        return;
    uint8_t *p = reserve(b, RG_STUN_A_ERROR_CODE, 4 + reason.len, 0);
    if (!p)
        return;
    p[0] = p[1] = 0;
    p[2] = (uint8_t)(code / 100);
    p[3] = (uint8_t)(code % 100);
    if (reason.len)
        memcpy(p + 4, reason.p, reason.len);
}

void rg_stun_add_unknown(struct rg_stun_builder *b, const uint16_t *types, size_t n)
{
    if (b->err == RG_OK && ((n && !types) || n > 0x7FFF))
        b->err = RG_EINVAL;
    if (closed(b))
        return;
    uint8_t *p = reserve(b, RG_STUN_A_UNKNOWN_ATTRIBUTES, 2 * n, 0);
    for (size_t i = 0; p && i < n; i++)
        wr16(p + 2 * i, types[i]);
}

static void add_mac(struct rg_stun_builder *b, uint16_t type, struct rg_stun_key *k, unsigned alg,
                    size_t vlen)
{
    if (b->err == RG_OK && b->has_fp)
        b->err = RG_ESTATE;
    if (b->err == RG_OK && (!k || !k->work))
        b->err = RG_EINVAL;
    if (b->err < 0)
        return;
    size_t off = b->len;
    uint8_t *p = reserve(b, type, vlen, 0);
    if (!p)
        return;
    uint8_t mac[32];
    size_t n = 0;
    int rc = rg_stun_mac(k, alg, b->buf, off, vlen, mac, &n);
    if (rc == RG_OK && n < vlen)
        rc = RG_ECRYPTO;
    if (rc < 0) {
        b->err = rc;
        return;
    }
    memcpy(p, mac, vlen);
}

void rg_stun_add_integrity(struct rg_stun_builder *b, struct rg_stun_key *k)
{
    /* §14.6 orders MESSAGE-INTEGRITY before MESSAGE-INTEGRITY-SHA256: a
     * second MI after either would be ignored by the receiver. */
    if (b->err == RG_OK && (b->has_mi || b->has_mi256))
        b->err = RG_ESTATE;
    add_mac(b, RG_STUN_A_MESSAGE_INTEGRITY, k, RG_STUN_HMAC_SHA1, 20);
    if (b->err == RG_OK)
        b->has_mi = true;
}

void rg_stun_add_integrity_sha256(struct rg_stun_builder *b, struct rg_stun_key *k)
{
    if (b->err == RG_OK && b->has_mi256)
        b->err = RG_ESTATE;
    add_mac(b, RG_STUN_A_MESSAGE_INTEGRITY_SHA256, k, RG_STUN_HMAC_SHA256, 32);
    if (b->err == RG_OK)
        b->has_mi256 = true;
}

void rg_stun_add_fingerprint(struct rg_stun_builder *b)
{
    if (b->err == RG_OK && b->has_fp)
        b->err = RG_ESTATE;
    if (b->err < 0)
        return;
    size_t off = b->len;
    uint8_t *p = reserve(b, RG_STUN_A_FINGERPRINT, 4, 0);
    if (!p)
        return;
    wr32(p, rg_stun_fingerprint_of(b->buf, off));
    b->has_fp = true;
}

int rg_stun_build_finish(struct rg_stun_builder *b)
{
    if (b->err < 0)
        return b->err;
    return (int)b->len;
}

int rg_stun_build_420(const struct rg_stun_msg *req, const uint16_t *known, size_t n_known,
                      struct rg_stun_key *k, bool fingerprint, uint8_t *buf, size_t cap)
{
    if (!req || (n_known && !known) || !buf)
        return RG_EINVAL;
    uint16_t unknown[32];
    size_t n = rg_stun_unknown_required(req, known, n_known, unknown, 32);
    if (n == 0)
        return 0;
    struct rg_stun_builder b;
    rg_stun_build_response(&b, buf, cap, req, RG_STUN_ERROR);
    rg_stun_add_error(&b, RG_STUN_E_UNKNOWN_ATTRIBUTE, RG_STR_LIT("Unknown Attribute"));
    rg_stun_add_unknown(&b, unknown, n < 32 ? n : 32);
    if (k)
        rg_stun_add_integrity(&b, k);
    if (fingerprint)
        rg_stun_add_fingerprint(&b);
    return rg_stun_build_finish(&b);
}
