#include "core/str.h"

#include <string.h>

#include "core/err.h"

struct rg_str rg_str_from_cstr(const char *s)
{
    return (struct rg_str){ s, s ? strlen(s) : 0 };
}

bool rg_str_eq(struct rg_str a, struct rg_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool rg_str_caseeq(struct rg_str a, struct rg_str b)
{
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++) {
        if (rg_lower((unsigned char)a.p[i]) != rg_lower((unsigned char)b.p[i]))
            return false;
    }
    return true;
}

bool rg_str_eq_cstr(struct rg_str a, const char *s)
{
    return rg_str_eq(a, rg_str_from_cstr(s));
}

bool rg_str_caseeq_cstr(struct rg_str a, const char *s)
{
    return rg_str_caseeq(a, rg_str_from_cstr(s));
}

bool rg_str_has_prefix(struct rg_str s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.len >= n && memcmp(s.p, prefix, n) == 0;
}

bool rg_str_has_caseprefix(struct rg_str s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.len >= n && rg_str_caseeq(rg_str_head(s, n), rg_str_make(prefix, n));
}

struct rg_str rg_str_trim(struct rg_str s)
{
    while (s.len && rg_is_wsp((unsigned char)s.p[0])) {
        s.p++;
        s.len--;
    }
    while (s.len && rg_is_wsp((unsigned char)s.p[s.len - 1]))
        s.len--;
    return s;
}

long rg_str_find_char(struct rg_str s, char c)
{
    if (s.len == 0)
        return -1;
    const char *hit = memchr(s.p, c, s.len);
    return hit ? (long)(hit - s.p) : -1;
}

long rg_str_find(struct rg_str s, struct rg_str needle)
{
    if (needle.len == 0)
        return 0;
    if (needle.len > s.len)
        return -1;
    for (size_t i = 0; i + needle.len <= s.len; i++) {
        if (s.p[i] == needle.p[0] && memcmp(s.p + i, needle.p, needle.len) == 0)
            return (long)i;
    }
    return -1;
}

struct rg_str rg_str_from(struct rg_str s, size_t off)
{
    if (off > s.len)
        off = s.len;
    return (struct rg_str){ s.p + off, s.len - off };
}

struct rg_str rg_str_head(struct rg_str s, size_t n)
{
    if (n > s.len)
        n = s.len;
    return (struct rg_str){ s.p, n };
}

int rg_str_to_u64(struct rg_str s, uint64_t max, uint64_t *out)
{
    if (s.len == 0)
        return RG_EBADMSG;
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        int c = (unsigned char)s.p[i];
        if (!rg_is_digit(c))
            return RG_EBADMSG;
        uint64_t d = (uint64_t)(c - '0');
        if (v > (max - d) / 10)
            return RG_ELIMIT;
        v = v * 10 + d;
    }
    *out = v;
    return RG_OK;
}

int rg_str_to_u32(struct rg_str s, uint32_t max, uint32_t *out)
{
    uint64_t v;
    int rc = rg_str_to_u64(s, max, &v);
    if (rc == RG_OK)
        *out = (uint32_t)v;
    return rc;
}

int rg_str_to_i64(struct rg_str s, int64_t min, int64_t max, int64_t *out)
{
    bool neg = s.len > 0 && s.p[0] == '-';
    uint64_t mag;
    uint64_t lim = neg ? (uint64_t)(-(min + 1)) + 1 : (uint64_t)(max < 0 ? 0 : max);
    int rc = rg_str_to_u64(rg_str_from(s, neg ? 1 : 0), lim, &mag);
    if (rc != RG_OK)
        return rc;
    int64_t v = neg ? (mag == 0 ? 0 : -(int64_t)(mag - 1) - 1) : (int64_t)mag;
    if (v < min || v > max)
        return RG_ELIMIT;
    *out = v;
    return RG_OK;
}

int rg_str_copy_cstr(struct rg_str s, char *dst, size_t dst_size)
{
    if (dst_size == 0 || s.len >= dst_size)
        return RG_ELIMIT;
    if (s.len)
        memcpy(dst, s.p, s.len);
    dst[s.len] = '\0';
    return RG_OK;
}
