/*
 * stun_parse.c — STUN header and attribute walk, typed getters
 * (RFC 8489 §5, §6, §14).  See stun.h for the contract.
 */
#include <string.h>

#include "proto/stun/stun.h"

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* RFC 8489 §5: the two most significant bits are zero, the magic cookie is
 * fixed, and the length counts attribute bytes (a multiple of 4). */
static bool header_ok(const uint8_t *data, size_t len)
{
    return len >= RG_STUN_HEADER_LEN && (data[0] & 0xC0) == 0 &&
           rd32(data + 4) == RG_STUN_MAGIC_COOKIE && (rd16(data + 2) & 3) == 0;
}

bool rg_stun_is_message(const uint8_t *data, size_t len)
{
    return data && header_ok(data, len) && (size_t)rd16(data + 2) + RG_STUN_HEADER_LEN == len;
}

int rg_stun_frame_len(const uint8_t *data, size_t len)
{
    if (!data || len < RG_STUN_HEADER_LEN)
        return RG_EAGAIN;
    if (!header_ok(data, len))
        return RG_EBADMSG;
    return (int)rd16(data + 2) + RG_STUN_HEADER_LEN;
}

/* The message type interleaves the method bits M11..M0 with the class bits
 * C1 (bit 8) and C0 (bit 4): RFC 8489 §5, Figure 3. */
static void split_type(uint16_t t, uint16_t *method, uint8_t *cls)
{
    *method = (uint16_t)((t & 0x000F) | ((t & 0x00E0) >> 1) | ((t & 0x3E00) >> 2));
    *cls = (uint8_t)(((t >> 4) & 1) | ((t >> 7) & 2));
}

/* Length rules of the integrity and fingerprint attributes (§14.5-§14.7). */
static bool special_len_ok(uint16_t type, uint16_t len)
{
    switch (type) {
    case RG_STUN_A_MESSAGE_INTEGRITY:
        return len == 20;
    case RG_STUN_A_MESSAGE_INTEGRITY_SHA256:
        return len >= 16 && len <= 32 && len % 4 == 0;
    case RG_STUN_A_FINGERPRINT:
        return len == 4;
    default:
        return true;
    }
}

/* Records one attribute in the index unless it follows an integrity
 * attribute and must be ignored (§14.5: only MI-SHA256 and FINGERPRINT
 * after MESSAGE-INTEGRITY; §14.6: only FINGERPRINT after MI-SHA256). */
static int index_attr(struct rg_stun_msg *m, uint16_t type, uint16_t len, size_t off)
{
    if (m->fp_off)
        return RG_EBADMSG; /* §14.7: FINGERPRINT is the last attribute */
    if (!special_len_ok(type, len))
        return RG_EBADMSG;
    bool keep = true;
    if (type == RG_STUN_A_FINGERPRINT)
        m->fp_off = (uint32_t)off;
    else if (m->mi256_off)
        keep = false;
    else if (type == RG_STUN_A_MESSAGE_INTEGRITY_SHA256)
        m->mi256_off = (uint32_t)off;
    else if (m->mi_off)
        keep = false;
    else if (type == RG_STUN_A_MESSAGE_INTEGRITY)
        m->mi_off = (uint32_t)off;
    if (!keep)
        return RG_OK;
    if (m->n_attrs >= RG_STUN_MAX_ATTRS)
        return RG_ELIMIT;
    struct rg_stun_attr *a = &m->attrs[m->n_attrs++];
    a->type = type;
    a->len = len;
    a->value = m->data + off + 4;
    return RG_OK;
}

int rg_stun_parse(const uint8_t *data, size_t len, struct rg_stun_msg *out)
{
    if (!data || !out || !rg_stun_is_message(data, len))
        return RG_EBADMSG;
    struct rg_stun_msg m;
    m.data = data;
    m.len = len;
    split_type(rd16(data), &m.method, &m.cls);
    memcpy(m.txid, data + 8, RG_STUN_TXID_LEN);
    m.mi_off = m.mi256_off = m.fp_off = 0;
    m.n_attrs = 0;
    size_t off = RG_STUN_HEADER_LEN;
    while (off < len) {
        if (len - off < 4)
            return RG_EBADMSG;
        uint16_t type = rd16(data + off), alen = rd16(data + off + 2);
        size_t padded = ((size_t)alen + 3) & ~(size_t)3;
        if (len - off - 4 < padded)
            return RG_EBADMSG;
        int rc = index_attr(&m, type, alen, off);
        if (rc < 0)
            return rc;
        off += 4 + padded;
    }
    memcpy(out, &m, offsetof(struct rg_stun_msg, attrs) + m.n_attrs * sizeof(m.attrs[0]));
    return RG_OK;
}

const struct rg_stun_attr *rg_stun_find(const struct rg_stun_msg *m, uint16_t type)
{
    for (unsigned i = 0; i < m->n_attrs; i++) {
        if (m->attrs[i].type == type)
            return &m->attrs[i];
    }
    return NULL;
}

int rg_stun_get_str(const struct rg_stun_msg *m, uint16_t type, struct rg_str *out)
{
    const struct rg_stun_attr *a = rg_stun_find(m, type);
    if (!a)
        return RG_ENOTFOUND;
    *out = rg_str_make((const char *)a->value, a->len);
    return RG_OK;
}

int rg_stun_get_username(const struct rg_stun_msg *m, struct rg_str *out)
{
    const struct rg_stun_attr *a = rg_stun_find(m, RG_STUN_A_USERNAME);
    if (!a)
        return RG_ENOTFOUND;
    if (a->len > RG_STUN_MAX_USERNAME)
        return RG_EBADMSG;
    *out = rg_str_make((const char *)a->value, a->len);
    return RG_OK;
}

int rg_stun_get_u32(const struct rg_stun_msg *m, uint16_t type, uint32_t *out)
{
    const struct rg_stun_attr *a = rg_stun_find(m, type);
    if (!a)
        return RG_ENOTFOUND;
    if (a->len != 4)
        return RG_EBADMSG;
    *out = rd32(a->value);
    return RG_OK;
}

int rg_stun_get_u64(const struct rg_stun_msg *m, uint16_t type, uint64_t *out)
{
    const struct rg_stun_attr *a = rg_stun_find(m, type);
    if (!a)
        return RG_ENOTFOUND;
    if (a->len != 8)
        return RG_EBADMSG;
    *out = ((uint64_t)rd32(a->value) << 32) | rd32(a->value + 4);
    return RG_OK;
}

/* §14.1: reserved byte, family (0x01 IPv4, 0x02 IPv6), port, address. */
static int decode_addr(const struct rg_stun_attr *a, struct rg_addr *out)
{
    if (a->len < 4)
        return RG_EBADMSG;
    uint8_t family = a->value[1];
    size_t iplen = family == 0x01 ? 4 : family == 0x02 ? 16 : 0;
    if (iplen == 0 || a->len != 4 + iplen)
        return RG_EBADMSG;
    struct rg_addr r;
    memset(&r, 0, sizeof(r));
    r.family = iplen == 4 ? RG_AF_INET4 : RG_AF_INET6;
    r.port = rd16(a->value + 2);
    memcpy(r.ip, a->value + 4, iplen);
    *out = r;
    return RG_OK;
}

int rg_stun_get_addr(const struct rg_stun_msg *m, uint16_t type, struct rg_addr *out)
{
    const struct rg_stun_attr *a = rg_stun_find(m, type);
    if (!a)
        return RG_ENOTFOUND;
    return decode_addr(a, out);
}

int rg_stun_get_xor_addr(const struct rg_stun_msg *m, uint16_t type, struct rg_addr *out)
{
    const struct rg_stun_attr *a = rg_stun_find(m, type);
    if (!a)
        return RG_ENOTFOUND;
    struct rg_addr r;
    int rc = decode_addr(a, &r);
    if (rc < 0)
        return rc;
    /* §14.2: port XOR the cookie's top 16 bits; address XOR the cookie
     * (IPv4) or the cookie followed by the transaction ID (IPv6). */
    uint8_t mask[16];
    memcpy(mask, m->data + 4, 4);
    memcpy(mask + 4, m->txid, RG_STUN_TXID_LEN);
    r.port ^= (uint16_t)(RG_STUN_MAGIC_COOKIE >> 16);
    for (size_t i = 0; i < (r.family == RG_AF_INET4 ? 4u : 16u); i++)
        r.ip[i] ^= mask[i];
    *out = r;
    return RG_OK;
}

int rg_stun_get_error(const struct rg_stun_msg *m, int *code, struct rg_str *reason)
{
    const struct rg_stun_attr *a = rg_stun_find(m, RG_STUN_A_ERROR_CODE);
    if (!a)
        return RG_ENOTFOUND;
    /* §14.8: 21 reserved bits, class (3 bits, 3..6), number (0..99). */
    if (a->len < 4 || a->len - 4 > RG_STUN_MAX_REASON)
        return RG_EBADMSG;
    int cls = a->value[2] & 7, num = a->value[3];
    if (cls < 3 || cls > 6 || num > 99)
        return RG_EBADMSG;
    *code = cls * 100 + num;
    *reason = rg_str_make((const char *)a->value + 4, a->len - 4u);
    return RG_OK;
}

int rg_stun_get_unknown(const struct rg_stun_msg *m, uint16_t *out, size_t max, size_t *n)
{
    const struct rg_stun_attr *a = rg_stun_find(m, RG_STUN_A_UNKNOWN_ATTRIBUTES);
    if (!a)
        return RG_ENOTFOUND;
    if (a->len % 2)
        return RG_EBADMSG;
    size_t count = a->len / 2u;
    for (size_t i = 0; i < count && i < max; i++)
        out[i] = rd16(a->value + 2 * i);
    *n = count < max ? count : max;
    return RG_OK;
}

const uint16_t rg_stun_known_ice[] = {
    RG_STUN_A_MAPPED_ADDRESS,
    RG_STUN_A_USERNAME,
    RG_STUN_A_MESSAGE_INTEGRITY,
    RG_STUN_A_ERROR_CODE,
    RG_STUN_A_UNKNOWN_ATTRIBUTES,
    RG_STUN_A_REALM,
    RG_STUN_A_NONCE,
    RG_STUN_A_MESSAGE_INTEGRITY_SHA256,
    RG_STUN_A_XOR_MAPPED_ADDRESS,
    RG_STUN_A_PRIORITY,
    RG_STUN_A_USE_CANDIDATE,
};
const size_t rg_stun_known_ice_count = sizeof(rg_stun_known_ice) / sizeof(rg_stun_known_ice[0]);

static bool in_list(const uint16_t *list, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i] == v)
            return true;
    }
    return false;
}

size_t rg_stun_unknown_required(const struct rg_stun_msg *m, const uint16_t *known, size_t n_known,
                                uint16_t *out, size_t max)
{
    size_t count = 0;
    for (unsigned i = 0; i < m->n_attrs; i++) {
        uint16_t t = m->attrs[i].type;
        if (t >= 0x8000 || in_list(known, n_known, t))
            continue;
        bool seen = false;
        for (unsigned j = 0; j < i && !seen; j++)
            seen = m->attrs[j].type == t;
        if (seen)
            continue;
        if (count < max)
            out[count] = t;
        count++;
    }
    return count;
}
