/*
 * schema_type.c — value checking and type descriptions for schema.h.
 */
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "ctl/schema.h"

static bool is_name_char(int c)
{
    return rg_is_alnum(c) || c == '_' || c == '-' || c == '.' || c == ':' || c == '+' || c == '@';
}

/* Names (list keys and references) appear unquoted in show output and set
 * lines, so they are limited to characters that need no quoting. */
static bool valid_name(struct rg_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        if (!is_name_char((unsigned char)s.p[i]))
            return false;
    }
    return true;
}

static bool printable(struct rg_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

static enum rg_sch_verr put(struct rg_str s, char *out, size_t out_size)
{
    return rg_str_copy_cstr(s, out, out_size) == RG_OK ? RG_SCH_VOK : RG_SCH_VINVALID;
}

static enum rg_sch_verr check_int(const struct rg_sch_node *n, struct rg_str tok, char *out,
                                  size_t out_size)
{
    int64_t v;
    for (size_t i = 0; i < tok.len; i++) {
        if (!rg_is_digit((unsigned char)tok.p[i]) && !(i == 0 && tok.p[0] == '-' && tok.len > 1))
            return RG_SCH_VINVALID;
    }
    int rc = rg_str_to_i64(tok, INT64_MIN, INT64_MAX, &v);
    if (rc == RG_ELIMIT)
        return RG_SCH_VRANGE;
    if (rc != RG_OK)
        return RG_SCH_VINVALID;
    if (v < n->min || v > n->max)
        return RG_SCH_VRANGE;
    int w = snprintf(out, out_size, "%lld", (long long)v);
    return w > 0 && (size_t)w < out_size ? RG_SCH_VOK : RG_SCH_VINVALID;
}

static enum rg_sch_verr check_enum(const struct rg_sch_node *n, struct rg_str tok, char *out,
                                   size_t out_size)
{
    const char *canon = NULL;
    enum rg_sch_match m = rg_sch_enum_match(n->en, tok, &canon);
    if (m == RG_SCH_AMBIGUOUS)
        return RG_SCH_VAMBIGUOUS;
    if (m != RG_SCH_UNIQUE)
        return RG_SCH_VINVALID;
    return put(rg_str_from_cstr(canon), out, out_size);
}

/* "a,b,c": each element an enum value, no repeats; canonical spellings. */
static enum rg_sch_verr check_enumset(const struct rg_sch_node *n, struct rg_str tok, char *out,
                                      size_t out_size)
{
    size_t len = 0, start = 0;
    if (tok.len == 0)
        return RG_SCH_VINVALID;
    out[0] = '\0';
    for (size_t i = 0; i <= tok.len; i++) {
        if (i < tok.len && tok.p[i] != ',')
            continue;
        const char *canon = NULL;
        struct rg_str el = rg_str_make(tok.p + start, i - start);
        enum rg_sch_match m = rg_sch_enum_match(n->en, el, &canon);
        if (m == RG_SCH_AMBIGUOUS)
            return RG_SCH_VAMBIGUOUS;
        if (m != RG_SCH_UNIQUE)
            return RG_SCH_VINVALID;
        size_t cl = strlen(canon);
        for (const char *p = out; *p;) { /* repeats are refused */
            const char *e = strchr(p, ',');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            if (l == cl && memcmp(p, canon, cl) == 0)
                return RG_SCH_VINVALID;
            p += l + (e ? 1 : 0);
        }
        if (len + cl + 2 > out_size)
            return RG_SCH_VINVALID;
        if (len)
            out[len++] = ',';
        memcpy(out + len, canon, cl + 1);
        len += cl;
        start = i + 1;
    }
    return RG_SCH_VOK;
}

static bool valid_host(struct rg_str s)
{
    if (s.len == 0 || s.len > 253)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        int c = (unsigned char)s.p[i];
        if (!rg_is_alnum(c) && c != '-' && c != '.')
            return false;
    }
    return true;
}

static bool valid_prefix(struct rg_str s)
{
    if (rg_str_eq_cstr(s, "default"))
        return true;
    if (s.len == 0 || s.len > 32)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        int c = (unsigned char)s.p[i];
        if (!rg_is_digit(c) && c != '+' && c != '*' && c != '#')
            return false;
    }
    return true;
}

static enum rg_sch_verr check_ip(const struct rg_sch_node *n, struct rg_str tok, char *out,
                                 size_t out_size)
{
    struct rg_addr a;
    if (rg_addr_parse_ip(tok, &a) != RG_OK)
        return RG_SCH_VINVALID;
    if (n->type == RG_TY_IPV4 && a.family != RG_AF_INET4)
        return RG_SCH_VINVALID;
    return rg_addr_format_ip(&a, out, out_size) == RG_OK ? RG_SCH_VOK : RG_SCH_VINVALID;
}

enum rg_sch_verr rg_sch_check_value(const struct rg_sch_node *n, struct rg_str tok, char *out,
                                    size_t out_size)
{
    bool is_key = n->kind == RG_SCH_LIST;
    if (tok.len > RG_SCH_VALUE_MAX || !printable(tok))
        return RG_SCH_VINVALID;
    switch (n->type) {
    case RG_TY_INT:
        return check_int(n, tok, out, out_size);
    case RG_TY_ENUM:
    case RG_TY_ENUMLIST:
        return check_enum(n, tok, out, out_size);
    case RG_TY_ENUMSET:
        return check_enumset(n, tok, out, out_size);
    case RG_TY_IPV4:
    case RG_TY_IP:
        return check_ip(n, tok, out, out_size);
    case RG_TY_PREFIX:
        return valid_prefix(tok) ? put(tok, out, out_size) : RG_SCH_VINVALID;
    case RG_TY_HOST:
        return valid_host(tok) ? put(tok, out, out_size) : RG_SCH_VINVALID;
    case RG_TY_LEAFREF:
        if (!valid_name(tok))
            return RG_SCH_VINVALID;
        return tok.len < 1 || tok.len > 23 ? RG_SCH_VRANGE : put(tok, out, out_size);
    case RG_TY_SECRET:
        return put(tok, out, out_size);
    case RG_TY_STRING:
    case RG_TY_REGEX:
        if (is_key && !valid_name(tok))
            return RG_SCH_VINVALID;
        if ((int64_t)tok.len < n->min || (int64_t)tok.len > n->max)
            return RG_SCH_VRANGE;
        return put(tok, out, out_size);
    default:
        return RG_SCH_VINVALID;
    }
}

static void enum_text(const struct rg_sch_enum *en, const char *sep, char *out, size_t out_size)
{
    size_t len = 0;
    out[0] = '\0';
    for (const char *const *v = en->values; *v; v++) {
        int w = snprintf(out + len, out_size - len, "%s%s", v == en->values ? "" : sep, *v);
        if (w < 0 || (size_t)w >= out_size - len)
            return;
        len += (size_t)w;
    }
}

void rg_sch_type_text(const struct rg_sch_node *n, char *out, size_t out_size)
{
    char tmp[640];
    switch (n->type) {
    case RG_TY_INT:
        snprintf(out, out_size, "<%lld-%lld>", (long long)n->min, (long long)n->max);
        return;
    case RG_TY_ENUM:
        enum_text(n->en, " | ", out, out_size);
        return;
    case RG_TY_ENUMLIST:
        enum_text(n->en, " ", tmp, sizeof(tmp));
        snprintf(out, out_size, "[ %s ]", tmp);
        return;
    case RG_TY_ENUMSET:
        enum_text(n->en, ",", tmp, sizeof(tmp));
        snprintf(out, out_size, "<comma list of %s>", tmp);
        return;
    case RG_TY_LEAFREF:
        snprintf(out, out_size, "<name of %s>", n->ref);
        return;
    case RG_TY_SECRET:
        snprintf(out, out_size, "<secret; plain text or $7$...>");
        return;
    case RG_TY_IPV4:
        snprintf(out, out_size, "<IPv4 address>");
        return;
    case RG_TY_IP:
        snprintf(out, out_size, "<IP address>");
        return;
    case RG_TY_PREFIX:
        snprintf(out, out_size, "<default | called-number prefix, 1-32 of 0-9+*#>");
        return;
    case RG_TY_HOST:
        snprintf(out, out_size, "<IP address or host name>");
        return;
    case RG_TY_REGEX:
        snprintf(out, out_size, "<regular expression, %lld-%lld chars>", (long long)n->min,
                 (long long)n->max);
        return;
    default:
        snprintf(out, out_size, "<string, %lld-%lld chars>", (long long)n->min, (long long)n->max);
        return;
    }
}
