/*
 * srtp_sdes.c — RFC 4568 key-params parsing and formatting.
 */
#include "proto/srtp/srtp_sdes.h"

#include "core/base64.h"

#include <string.h>

/* RFC 4568 §9.1 key-salt is RFC 4648 base64; a peer that drops the '='
 * padding is accepted by restoring it before the strict decoder runs. */
static int key_salt_decode(struct rg_str b64, uint8_t *out, size_t cap, size_t *n)
{
    char tmp[RG_BASE64_ENC_LEN(RG_SRTP_MAX_KEY_LEN + RG_SRTP_MAX_SALT_LEN) + 4];
    if (b64.len + 3 >= sizeof(tmp))
        return RG_ELIMIT;
    memcpy(tmp, b64.p, b64.len);
    size_t len = b64.len;
    while (len % 4)
        tmp[len++] = '=';
    int rc = rg_base64_decode(rg_str_make(tmp, len), out, cap);
    if (rc < 0)
        return rc;
    *n = (size_t)rc;
    return RG_OK;
}

static int parse_lifetime(struct rg_str s, uint64_t *out)
{
    uint64_t v;
    if (rg_str_has_prefix(s, "2^")) {
        int rc = rg_str_to_u64(rg_str_from(s, 2), 63, &v);
        if (rc != RG_OK)
            return rc;
        v = UINT64_C(1) << v;
    } else {
        int rc = rg_str_to_u64(s, UINT64_MAX, &v);
        if (rc != RG_OK)
            return rc;
    }
    if (v == 0)
        return RG_EBADMSG;
    if (v > RG_SDES_MAX_LIFETIME)
        return RG_ELIMIT;
    *out = v;
    return RG_OK;
}

/* mki = mki-value ":" mki-length, length 1..128 bytes (RFC 4568 §9.2). */
static int parse_mki(struct rg_str s, struct rg_srtp_key *key)
{
    long colon = rg_str_find_char(s, ':');
    if (colon <= 0)
        return RG_EBADMSG;
    uint64_t value;
    uint32_t len;
    int rc = rg_str_to_u32(rg_str_from(s, (size_t)colon + 1), 128, &len);
    if (rc != RG_OK)
        return rc == RG_ELIMIT ? RG_EBADMSG : rc;
    if (len == 0)
        return RG_EBADMSG;
    if (len > RG_SRTP_MAX_MKI_LEN)
        return RG_ELIMIT;
    rc = rg_str_to_u64(rg_str_head(s, (size_t)colon), UINT64_MAX, &value);
    if (rc != RG_OK)
        return RG_EBADMSG;
    if (len < 8 && value >> (8 * len) != 0)
        return RG_EBADMSG; /* value does not fit its declared length */
    key->mki_len = (uint8_t)len;
    for (uint32_t i = 0; i < len; i++)
        key->mki[len - 1 - i] = (uint8_t)(value >> (8 * i));
    return RG_OK;
}

static int parse_key_salt(enum rg_srtp_profile profile, struct rg_str b64,
                          struct rg_srtp_key *key)
{
    uint8_t raw[RG_SRTP_MAX_KEY_LEN + RG_SRTP_MAX_SALT_LEN];
    size_t n = 0, klen = rg_srtp_profile_key_len(profile);
    size_t slen = rg_srtp_profile_salt_len(profile);
    if (klen == 0)
        return RG_EINVAL;
    int rc = key_salt_decode(b64, raw, sizeof(raw), &n);
    if (rc == RG_ELIMIT)
        return RG_EINVAL;
    if (rc != RG_OK)
        return rc;
    if (n != klen + slen)
        return RG_EINVAL;
    key->profile = profile;
    memcpy(key->key, raw, klen);
    key->key_len = (uint8_t)klen;
    memcpy(key->salt, raw + klen, slen);
    key->salt_len = (uint8_t)slen;
    return RG_OK;
}

int rg_srtp_sdes_parse_key_params(enum rg_srtp_profile profile, struct rg_str kp,
                                  struct rg_srtp_key *key, uint64_t *lifetime)
{
    if (rg_str_find_char(kp, ';') >= 0)
        return RG_EUNSUPP;
    if (!rg_str_has_caseprefix(kp, "inline:"))
        return rg_str_find_char(kp, ':') > 0 ? RG_EUNSUPP : RG_EBADMSG;
    struct rg_str rest = rg_str_from(kp, 7);
    struct rg_str part[3];
    size_t nparts = 0;
    while (nparts < 3) {
        long bar = rg_str_find_char(rest, '|');
        part[nparts++] = bar < 0 ? rest : rg_str_head(rest, (size_t)bar);
        if (bar < 0)
            break;
        rest = rg_str_from(rest, (size_t)bar + 1);
        if (nparts == 3)
            return RG_EBADMSG; /* a fourth field */
    }
    struct rg_srtp_key k;
    memset(&k, 0, sizeof(k));
    uint64_t life = 0;
    int rc = parse_key_salt(profile, part[0], &k);
    for (size_t i = 1; rc == RG_OK && i < nparts; i++) {
        /* The optional fields are told apart by the ':' of the MKI. */
        if (rg_str_find_char(part[i], ':') >= 0)
            rc = k.mki_len ? RG_EBADMSG : parse_mki(part[i], &k);
        else if (life == 0 && k.mki_len == 0)
            rc = parse_lifetime(part[i], &life);
        else
            rc = RG_EBADMSG;
    }
    if (rc != RG_OK)
        return rc;
    *key = k;
    *lifetime = life;
    return RG_OK;
}

/* Splits off the next token delimited by SP/HTAB. */
static struct rg_str next_token(struct rg_str *s)
{
    size_t i = 0;
    while (i < s->len && rg_is_wsp((unsigned char)s->p[i]))
        i++;
    size_t start = i;
    while (i < s->len && !rg_is_wsp((unsigned char)s->p[i]))
        i++;
    struct rg_str tok = rg_str_make(s->p + start, i - start);
    *s = rg_str_from(*s, i);
    return tok;
}

int rg_srtp_sdes_parse_crypto(struct rg_str value, struct rg_srtp_sdes *out)
{
    if (value.len > RG_SDES_MAX_VALUE)
        return RG_ELIMIT;
    /* RFC 4568 §9.1: tokens of VCHAR separated by WSP; anything else
     * (NUL, CR, LF, non-ASCII) cannot be part of an SDP attribute. */
    for (size_t i = 0; i < value.len; i++) {
        unsigned char ch = (unsigned char)value.p[i];
        if ((ch < 0x21 || ch > 0x7e) && !rg_is_wsp(ch))
            return RG_EBADMSG;
    }
    struct rg_str rest = value;
    struct rg_str tag = next_token(&rest);
    struct rg_str suite = next_token(&rest);
    struct rg_str kp = next_token(&rest);
    if (tag.len == 0 || tag.len > 9 || suite.len == 0 || kp.len == 0)
        return RG_EBADMSG;
    uint32_t tagv;
    if (rg_str_to_u32(tag, RG_SDES_MAX_TAG, &tagv) != RG_OK)
        return RG_EBADMSG;
    struct rg_srtp_sdes s;
    memset(&s, 0, sizeof(s));
    s.tag = tagv;
    enum rg_srtp_profile p;
    if (rg_srtp_profile_parse(suite, &p) != RG_OK)
        return RG_EUNSUPP;
    int rc = rg_srtp_sdes_parse_key_params(p, kp, &s.key, &s.lifetime);
    if (rc != RG_OK)
        return rc;
    s.session_params = rg_str_trim(rest);
    *out = s;
    return RG_OK;
}

int rg_srtp_sdes_format_crypto(const struct rg_srtp_sdes *sdes, struct rg_buf *out)
{
    const struct rg_srtp_key *k = &sdes->key;
    size_t klen = rg_srtp_profile_key_len(k->profile);
    if (klen == 0 || k->key_len != klen || k->salt_len != rg_srtp_profile_salt_len(k->profile) ||
        k->mki_len > RG_SRTP_MAX_MKI_LEN || sdes->tag > RG_SDES_MAX_TAG ||
        sdes->lifetime > RG_SDES_MAX_LIFETIME)
        return RG_EINVAL;
    uint8_t raw[RG_SRTP_MAX_KEY_LEN + RG_SRTP_MAX_SALT_LEN];
    memcpy(raw, k->key, k->key_len);
    memcpy(raw + k->key_len, k->salt, k->salt_len);
    char b64[80];
    if (rg_base64_encode(raw, (size_t)k->key_len + k->salt_len, b64, sizeof(b64)) < 0)
        return RG_EINVAL;
    size_t saved = out->len;
    int rc = rg_buf_appendf(out, "%u %s inline:%s", (unsigned)sdes->tag,
                            rg_srtp_profile_name(k->profile), b64);
    uint64_t life = sdes->lifetime;
    if (rc == RG_OK && life != 0) {
        if ((life & (life - 1)) == 0)
            rc = rg_buf_appendf(out, "|2^%d", __builtin_ctzll(life));
        else
            rc = rg_buf_appendf(out, "|%llu", (unsigned long long)life);
    }
    if (rc == RG_OK && k->mki_len > 0) {
        uint64_t v = 0;
        for (size_t i = 0; i < k->mki_len; i++)
            v = (v << 8) | k->mki[i];
        rc = rg_buf_appendf(out, "|%llu:%u", (unsigned long long)v, (unsigned)k->mki_len);
    }
    if (rc == RG_OK && sdes->session_params.len > 0) {
        rc = rg_buf_append_byte(out, ' ');
        if (rc == RG_OK)
            rc = rg_buf_append_str(out, sdes->session_params);
    }
    if (rc != RG_OK) {
        out->len = saved;
        if (out->data)
            out->data[saved] = '\0';
    }
    return rc;
}
