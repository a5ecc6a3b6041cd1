/* SIP/SIPS/tel URI parsing and comparison: RFC 3261 §19.1, §25.1; RFC 3966. */
#include "proto/sip/sip_uri.h"

#include <string.h>

#include "proto/sip/sip_lex.h"

/* user-unreserved (§25.1): "&" / "=" / "+" / "$" / "," / ";" / "?" / "/". */
static bool is_password_char(int c)
{
    switch (c) {
    case '&':
    case '=':
    case '+':
    case '$':
    case ',':
        return true;
    default:
        return rg_sip_is_unreserved(c);
    }
}

static bool is_user_char(int c)
{
    return c == ';' || c == '?' || c == '/' || is_password_char(c);
}

/* paramchar = param-unreserved / unreserved / escaped (§25.1). */
static bool is_param_char(int c)
{
    switch (c) {
    case '[':
    case ']':
    case '/':
    case ':':
    case '&':
    case '+':
    case '$':
        return true;
    default:
        return rg_sip_is_unreserved(c);
    }
}

/* hnv-unreserved / unreserved (§25.1). */
static bool is_hdr_char(int c)
{
    switch (c) {
    case '[':
    case ']':
    case '/':
    case '?':
    case ':':
    case '+':
    case '$':
        return true;
    default:
        return rg_sip_is_unreserved(c);
    }
}

/* RFC 3986 characters that may appear in an absolute URI of another scheme. */
static bool is_uric(int c)
{
    return c > 0x20 && c < 0x7f && c != '<' && c != '>' && c != '"' && c != '\\';
}

/* Checks that s consists of chars accepted by ok() or %HH escapes. */
static bool valid_escaped(struct rg_str s, bool (*ok)(int))
{
    for (size_t i = 0; i < s.len; i++) {
        int c = (unsigned char)s.p[i];
        if (c == '%') {
            if (i + 2 >= s.len || !rg_is_hex((unsigned char)s.p[i + 1]) ||
                !rg_is_hex((unsigned char)s.p[i + 2]))
                return false;
            i += 2;
        } else if (!ok(c)) {
            return false;
        }
    }
    return true;
}

/* Splits s at separator sep into name[=value] items (params or headers). */
static int parse_items(struct rg_str s, char sep, bool (*ok)(int), bool need_value,
                       struct rg_arena *arena, struct rg_sip_params *out)
{
    size_t n = 1;
    for (size_t i = 0; i < s.len; i++)
        n += s.p[i] == sep;
    if (n > RG_SIP_MAX_PARAMS)
        return RG_ELIMIT;
    struct rg_sip_param *v = rg_arena_alloc(arena, n * sizeof(*v));
    if (!v)
        return RG_ENOMEM;
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= s.len; i++) {
        if (i < s.len && s.p[i] != sep)
            continue;
        struct rg_str item = rg_str_make(s.p + start, i - start);
        long eq = rg_str_find_char(item, '=');
        struct rg_sip_param p = {item, RG_STR_NULL};
        if (eq >= 0) {
            p.name = rg_str_head(item, (size_t)eq);
            p.value = rg_str_from(item, (size_t)eq + 1);
        }
        if (p.name.len == 0 || !valid_escaped(p.name, ok) || (need_value && eq < 0) ||
            (p.value.p && !valid_escaped(p.value, ok)))
            return RG_EBADMSG;
        if (!need_value && p.value.p && p.value.len == 0)
            return RG_EBADMSG;
        v[k++] = p;
        start = i + 1;
    }
    out->v = v;
    out->n = (uint16_t)k;
    return RG_OK;
}

static bool valid_hostname(struct rg_str h)
{
    if (h.len == 0 || h.len > 255)
        return false;
    for (size_t i = 0; i < h.len; i++) {
        int c = (unsigned char)h.p[i];
        if (!rg_is_alnum(c) && c != '-' && c != '.')
            return false;
    }
    return h.p[0] != '.' && h.p[0] != '-';
}

static bool valid_ipv6ref(struct rg_str h)
{
    if (h.len < 4 || h.len > 47 || h.p[0] != '[' || h.p[h.len - 1] != ']')
        return false;
    int colons = 0;
    for (size_t i = 1; i + 1 < h.len; i++) {
        int c = (unsigned char)h.p[i];
        if (c == ':')
            colons++;
        else if (!rg_is_hex(c) && c != '.')
            return false;
    }
    return colons >= 2;
}

/* hostport = host [ ":" port ] (§25.1). */
static int parse_hostport(struct rg_str s, struct rg_sip_uri *u)
{
    struct rg_str host = s, port = RG_STR_NULL;
    if (s.len && s.p[0] == '[') {
        long rb = rg_str_find_char(s, ']');
        if (rb < 0)
            return RG_EBADMSG;
        host = rg_str_head(s, (size_t)rb + 1);
        struct rg_str rest = rg_str_from(s, (size_t)rb + 1);
        if (rest.len && (rest.p[0] != ':' || rest.len == 1))
            return RG_EBADMSG;
        port = rg_str_from(rest, 1);
        if (!valid_ipv6ref(host))
            return RG_EBADMSG;
        u->host_ipv6 = true;
    } else {
        long colon = rg_str_find_char(s, ':');
        if (colon >= 0) {
            host = rg_str_head(s, (size_t)colon);
            port = rg_str_from(s, (size_t)colon + 1);
            if (port.len == 0)
                return RG_EBADMSG;
        }
        if (!valid_hostname(host))
            return RG_EBADMSG;
    }
    if (port.len) {
        uint32_t v;
        if (rg_str_to_u32(port, 65535, &v) != RG_OK || port.len > 5)
            return RG_EBADMSG;
        u->port = v;
    }
    u->host = host;
    return RG_OK;
}

/* sip:/sips: body after the scheme (§19.1.1). */
static int parse_sip_body(struct rg_str s, struct rg_arena *arena, struct rg_sip_uri *u)
{
    long at = rg_str_find_char(s, '@');
    if (at >= 0) {
        struct rg_str ui = rg_str_head(s, (size_t)at);
        long colon = rg_str_find_char(ui, ':');
        u->user = colon >= 0 ? rg_str_head(ui, (size_t)colon) : ui;
        if (colon >= 0) {
            u->password = rg_str_from(ui, (size_t)colon + 1);
            if (!valid_escaped(u->password, is_password_char))
                return RG_EBADMSG;
        }
        if (u->user.len == 0 || !valid_escaped(u->user, is_user_char))
            return RG_EBADMSG;
        s = rg_str_from(s, (size_t)at + 1);
    }
    struct rg_str hp = s, params = RG_STR_NULL, headers = RG_STR_NULL;
    long q = rg_str_find_char(s, '?');
    if (q >= 0) {
        headers = rg_str_from(s, (size_t)q + 1);
        hp = rg_str_head(s, (size_t)q);
        if (headers.len == 0)
            return RG_EBADMSG;
    }
    long semi = rg_str_find_char(hp, ';');
    if (semi >= 0) {
        params = rg_str_from(hp, (size_t)semi + 1);
        hp = rg_str_head(hp, (size_t)semi);
    }
    int rc = parse_hostport(hp, u);
    if (rc == RG_OK && semi >= 0)
        rc = parse_items(params, ';', is_param_char, false, arena, &u->params);
    if (rc == RG_OK && q >= 0)
        rc = parse_items(headers, '&', is_hdr_char, true, arena, &u->headers);
    return rc;
}

/* tel: telephone-subscriber (RFC 3966 §3): number then ;params. */
static int parse_tel_body(struct rg_str s, struct rg_arena *arena, struct rg_sip_uri *u)
{
    long semi = rg_str_find_char(s, ';');
    struct rg_str num = semi >= 0 ? rg_str_head(s, (size_t)semi) : s;
    if (num.len == 0)
        return RG_EBADMSG;
    for (size_t i = 0; i < num.len; i++) {
        int c = (unsigned char)num.p[i];
        if (!rg_is_hex(c) && (c == 0 || !strchr("*#+-.()", c)))
            return RG_EBADMSG;
    }
    u->user = num;
    if (semi >= 0)
        return parse_items(rg_str_from(s, (size_t)semi + 1), ';', is_param_char, false, arena,
                           &u->params);
    return RG_OK;
}

/* Length of a URI written without <> (§20.10): up to ';', ',', '?', LWS. */
static size_t bare_len(struct rg_str s)
{
    size_t i = 0;
    while (i < s.len && !rg_sip_is_lws((unsigned char)s.p[i]) && s.p[i] != ';' && s.p[i] != ',' &&
           s.p[i] != '?' && s.p[i] != '>')
        i++;
    return i;
}

int rg_sip_uri_parse(struct rg_str s, enum rg_sip_uri_ctx ctx, struct rg_arena *arena,
                     struct rg_sip_uri *out, size_t *used)
{
    if (ctx == RG_SIP_URI_BARE)
        s = rg_str_head(s, bare_len(s));
    size_t i = 0;
    while (i < s.len &&
           (rg_is_alnum((unsigned char)s.p[i]) || s.p[i] == '+' || s.p[i] == '-' || s.p[i] == '.'))
        i++;
    if (i == 0 || i >= s.len || s.p[i] != ':' || !rg_is_alpha((unsigned char)s.p[0]))
        return RG_EBADMSG;
    struct rg_sip_uri u;
    memset(&u, 0, sizeof(u));
    u.raw = s;
    struct rg_str scheme = rg_str_head(s, i), body = rg_str_from(s, i + 1);
    int rc;
    if (rg_str_caseeq_cstr(scheme, "sip") || rg_str_caseeq_cstr(scheme, "sips")) {
        u.scheme = scheme.len == 3 ? RG_SIP_SCHEME_SIP : RG_SIP_SCHEME_SIPS;
        rc = parse_sip_body(body, arena, &u);
    } else if (rg_str_caseeq_cstr(scheme, "tel")) {
        u.scheme = RG_SIP_SCHEME_TEL;
        rc = parse_tel_body(body, arena, &u);
    } else {
        u.scheme = RG_SIP_SCHEME_OTHER;
        u.opaque = body;
        rc = body.len ? RG_OK : RG_EBADMSG;
        for (size_t k = 0; rc == RG_OK && k < body.len; k++)
            if (!is_uric((unsigned char)body.p[k]))
                rc = RG_EBADMSG;
    }
    if (rc != RG_OK)
        return rc;
    *out = u;
    if (used)
        *used = s.len;
    return RG_OK;
}

const struct rg_sip_param *rg_sip_param_find(const struct rg_sip_params *ps, const char *name)
{
    for (uint16_t i = 0; i < ps->n; i++)
        if (rg_str_caseeq_cstr(ps->v[i].name, name))
            return &ps->v[i];
    return NULL;
}

/* Next decoded byte of s at *i, or -1 at the end. */
static int next_decoded(struct rg_str s, size_t *i)
{
    if (*i >= s.len)
        return -1;
    int c = (unsigned char)s.p[*i];
    if (c == '%' && *i + 2 < s.len && rg_is_hex((unsigned char)s.p[*i + 1]) &&
        rg_is_hex((unsigned char)s.p[*i + 2])) {
        c = rg_hex_val((unsigned char)s.p[*i + 1]) * 16 + rg_hex_val((unsigned char)s.p[*i + 2]);
        *i += 3;
        return c;
    }
    *i += 1;
    return c;
}

bool rg_sip_escaped_equal(struct rg_str a, struct rg_str b, bool nocase)
{
    size_t i = 0, j = 0;
    for (;;) {
        int x = next_decoded(a, &i), y = next_decoded(b, &j);
        if (nocase && x >= 0 && y >= 0) {
            x = rg_lower(x);
            y = rg_lower(y);
        }
        if (x != y)
            return false;
        if (x < 0)
            return true;
    }
}

int rg_sip_unescape(struct rg_str s, struct rg_arena *arena, struct rg_str *out)
{
    char *d = rg_arena_alloc(arena, s.len + 1);
    if (!d)
        return RG_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] != '%') {
            d[n++] = s.p[i];
            continue;
        }
        if (i + 2 >= s.len || !rg_is_hex((unsigned char)s.p[i + 1]) ||
            !rg_is_hex((unsigned char)s.p[i + 2]))
            return RG_EBADMSG;
        d[n++] = (char)(rg_hex_val((unsigned char)s.p[i + 1]) * 16 +
                        rg_hex_val((unsigned char)s.p[i + 2]));
        i += 2;
    }
    d[n] = '\0';
    *out = rg_str_make(d, n);
    return RG_OK;
}

/* First parameter of ps whose name equals name after unescaping. */
static const struct rg_sip_param *first_named(const struct rg_sip_params *ps, struct rg_str name)
{
    for (uint16_t i = 0; i < ps->n; i++)
        if (rg_sip_escaped_equal(ps->v[i].name, name, true))
            return &ps->v[i];
    return NULL;
}

/* §19.1.4: user, ttl, method, maddr and transport must match when present in
 * either URI; other parameters only when present in both. */
static bool params_equal(const struct rg_sip_params *a, const struct rg_sip_params *b)
{
    static const char *const must[] = {"user", "ttl", "method", "maddr", "transport"};
    for (size_t k = 0; k < sizeof(must) / sizeof(must[0]); k++) {
        const struct rg_sip_param *x = rg_sip_param_find(a, must[k]);
        const struct rg_sip_param *y = rg_sip_param_find(b, must[k]);
        if ((x == NULL) != (y == NULL))
            return false;
        if (x && !rg_sip_escaped_equal(x->value, y->value, true))
            return false;
    }
    for (uint16_t i = 0; i < a->n; i++) {
        const struct rg_sip_param *x = first_named(a, a->v[i].name);
        const struct rg_sip_param *y = first_named(b, a->v[i].name);
        /* Only the first of repeated names counts, so equality stays reflexive. */
        if (x == &a->v[i] && y && !rg_sip_escaped_equal(x->value, y->value, true))
            return false;
    }
    return true;
}

/* §19.1.4: header components must all be present in both and match. */
static bool headers_equal(const struct rg_sip_params *a, const struct rg_sip_params *b)
{
    if (a->n != b->n)
        return false;
    for (uint16_t i = 0; i < a->n; i++) {
        bool hit = false;
        for (uint16_t j = 0; j < b->n && !hit; j++)
            hit = rg_sip_escaped_equal(a->v[i].name, b->v[j].name, true) &&
                  rg_sip_escaped_equal(a->v[i].value, b->v[j].value, false);
        if (!hit)
            return false;
    }
    return true;
}

bool rg_sip_uri_equal(const struct rg_sip_uri *a, const struct rg_sip_uri *b)
{
    if (a->scheme != b->scheme)
        return false;
    if (a->scheme == RG_SIP_SCHEME_TEL || a->scheme == RG_SIP_SCHEME_OTHER)
        return rg_sip_escaped_equal(a->raw, b->raw, true);
    if ((a->user.p == NULL) != (b->user.p == NULL) ||
        !rg_sip_escaped_equal(a->user, b->user, false))
        return false;
    if ((a->password.p == NULL) != (b->password.p == NULL) ||
        !rg_sip_escaped_equal(a->password, b->password, false))
        return false;
    if (!rg_str_caseeq(a->host, b->host) || a->port != b->port)
        return false;
    return params_equal(&a->params, &b->params) && headers_equal(&a->headers, &b->headers);
}
