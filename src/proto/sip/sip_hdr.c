/* Per-header parsers: RFC 3261 §20 and §25.1, RFC 3581. */
#include "proto/sip/sip_hdr.h"

#include <string.h>

#include "proto/sip/sip_lex.h"

/* gen-value = token / host / quoted-string (§25.1).  The view keeps the
 * quotes of a quoted-string.  allow_colon admits bare IPv6 addresses
 * (RFC 5118 received=). */
static bool gen_value(struct rg_sip_cur *c, bool allow_colon, struct rg_str *out)
{
    const char *s = c->p;
    struct rg_str in;
    if (rg_sip_cur_peek(c) == '"') {
        if (!rg_sip_cur_quoted(c, &in))
            return false;
    } else if (rg_sip_cur_peek(c) == '[') {
        while (c->p < c->e && *c->p != ']') {
            int ch = (unsigned char)*c->p;
            if (ch != '[' && ch != ':' && ch != '.' && !rg_is_hex(ch))
                return false;
            c->p++;
        }
        if (c->p >= c->e)
            return false;
        c->p++;
    } else {
        while (c->p < c->e &&
               (rg_sip_is_token((unsigned char)*c->p) || (allow_colon && *c->p == ':')))
            c->p++;
    }
    *out = rg_str_make(s, (size_t)(c->p - s));
    return out->len > 0;
}

/* *( SEMI generic-param ) into arena memory. */
static int gen_params(struct rg_sip_cur *c, bool allow_colon, struct rg_arena *arena,
                      struct rg_sip_params *out)
{
    struct rg_sip_param tmp[RG_SIP_MAX_PARAMS];
    size_t n = 0;
    while (rg_sip_cur_eat(c, ';')) {
        if (n == RG_SIP_MAX_PARAMS)
            return RG_ELIMIT;
        struct rg_sip_param p = {RG_STR_NULL, RG_STR_NULL};
        rg_sip_cur_lws(c);
        if (!rg_sip_cur_token(c, &p.name))
            return RG_EBADMSG;
        if (rg_sip_cur_eat(c, '=')) {
            rg_sip_cur_lws(c);
            if (!gen_value(c, allow_colon, &p.value))
                return RG_EBADMSG;
        }
        tmp[n++] = p;
    }
    out->v = NULL;
    out->n = 0;
    if (n == 0)
        return RG_OK;
    out->v = rg_arena_alloc(arena, n * sizeof(tmp[0]));
    if (!out->v)
        return RG_ENOMEM;
    memcpy(out->v, tmp, n * sizeof(tmp[0]));
    out->n = (uint16_t)n;
    return RG_OK;
}

/* After a list element: end of value, or a comma and another element. */
static int list_next(struct rg_sip_cur *c, bool *more)
{
    rg_sip_cur_lws(c);
    if (rg_sip_cur_end(c)) {
        *more = false;
        return RG_OK;
    }
    if (*c->p != ',')
        return RG_EBADMSG;
    c->p++;
    *more = true;
    return RG_OK;
}

size_t rg_sip_hdr_count_commas(struct rg_str v)
{
    size_t n = 1;
    for (size_t i = 0; i < v.len; i++)
        n += v.p[i] == ',';
    return n;
}

/* sent-by = host [ COLON port ] (§25.1). */
static int sent_by(struct rg_sip_cur *c, struct rg_sip_via *via)
{
    const char *s = c->p;
    if (rg_sip_cur_peek(c) == '[') { /* IPv6reference (§25.1) */
        c->p++;
        while (c->p < c->e && (rg_is_hex((unsigned char)*c->p) || *c->p == ':' || *c->p == '.'))
            c->p++;
        if (c->p >= c->e || *c->p != ']' || c->p - s < 3)
            return RG_EBADMSG;
        c->p++;
    } else {
        while (c->p < c->e && (rg_is_alnum((unsigned char)*c->p) || *c->p == '-' || *c->p == '.'))
            c->p++;
    }
    struct rg_str host = rg_str_make(s, (size_t)(c->p - s));
    if (host.len == 0)
        return RG_EBADMSG;
    via->host = host;
    via->port = 0;
    if (rg_sip_cur_eat(c, ':')) {
        rg_sip_cur_lws(c);
        const char *d = c->p;
        while (c->p < c->e && rg_is_digit((unsigned char)*c->p))
            c->p++;
        uint32_t port;
        if (c->p - d > 5 || rg_str_to_u32(rg_str_make(d, (size_t)(c->p - d)), 65535, &port))
            return RG_EBADMSG;
        via->port = port;
    }
    return RG_OK;
}

/* Fills branch/received/maddr/rport/ttl from the via params. */
static int via_known_params(struct rg_sip_via *via)
{
    via->rport = -1;
    via->ttl = -1;
    for (uint16_t i = 0; i < via->params.n; i++) {
        const struct rg_sip_param *p = &via->params.v[i];
        uint64_t v;
        if (rg_str_caseeq_cstr(p->name, "branch")) {
            if (!p->value.p || p->value.p[0] == '"')
                return RG_EBADMSG;
            via->branch = p->value;
        } else if (rg_str_caseeq_cstr(p->name, "received")) {
            if (!p->value.p)
                return RG_EBADMSG;
            via->received = p->value;
        } else if (rg_str_caseeq_cstr(p->name, "maddr")) {
            if (!p->value.p)
                return RG_EBADMSG;
            via->maddr = p->value;
        } else if (rg_str_caseeq_cstr(p->name, "ttl")) {
            if (!p->value.p || rg_str_to_u64(p->value, 255, &v) != RG_OK)
                return RG_EBADMSG;
            via->ttl = (int32_t)v;
        } else if (rg_str_caseeq_cstr(p->name, "rport")) {
            via->rport = 0;
            if (p->value.p && (rg_str_to_u64(p->value, 65535, &v) != RG_OK || v == 0))
                return RG_EBADMSG;
            if (p->value.p)
                via->rport = (int32_t)v;
        }
    }
    return RG_OK;
}

/* via-parm = sent-protocol LWS sent-by *( SEMI via-params ) (§25.1). */
static int via_one(struct rg_sip_cur *c, struct rg_arena *arena, struct rg_sip_via *via)
{
    memset(via, 0, sizeof(*via));
    rg_sip_cur_lws(c);
    if (!rg_sip_cur_token(c, &via->protocol) || !rg_sip_cur_eat(c, '/'))
        return RG_EBADMSG;
    rg_sip_cur_lws(c);
    if (!rg_sip_cur_token(c, &via->version) || !rg_sip_cur_eat(c, '/'))
        return RG_EBADMSG;
    rg_sip_cur_lws(c);
    if (!rg_sip_cur_token(c, &via->transport) || !rg_sip_cur_lws(c))
        return RG_EBADMSG;
    int rc = sent_by(c, via);
    if (rc == RG_OK)
        rc = gen_params(c, true, arena, &via->params);
    if (rc == RG_OK)
        rc = via_known_params(via);
    return rc;
}

int rg_sip_hdr_via(struct rg_str v, struct rg_arena *arena, struct rg_sip_via *out, size_t max,
                   size_t *n)
{
    struct rg_sip_cur c = rg_sip_cur_make(v);
    bool more = true;
    while (more) {
        if (*n >= max)
            return RG_ELIMIT;
        int rc = via_one(&c, arena, &out[*n]);
        if (rc == RG_OK)
            rc = list_next(&c, &more);
        if (rc != RG_OK)
            return rc;
        (*n)++;
    }
    return RG_OK;
}

/* display-name = *(token LWS) / quoted-string (§25.1), then "<" (LAQUOT
 * allows LWS before "<" only). */
static int display_name(struct rg_sip_cur *c, struct rg_sip_addr *a, bool *bracket)
{
    rg_sip_cur_lws(c);
    *bracket = false;
    if (rg_sip_cur_peek(c) == '"') {
        if (!rg_sip_cur_quoted(c, &a->display))
            return RG_EBADMSG;
        a->display_quoted = true;
        if (!rg_sip_cur_eat(c, '<'))
            return RG_EBADMSG;
        *bracket = true;
        return RG_OK;
    }
    if (rg_sip_cur_peek(c) == '<') {
        c->p++;
        *bracket = true;
        return RG_OK;
    }
    struct rg_sip_cur t = *c;
    struct rg_str tok;
    const char *first = t.p, *last = t.p;
    while (rg_sip_cur_token(&t, &tok)) {
        if (rg_sip_cur_peek(&t) == ':' && last == first)
            return RG_OK; /* "scheme:" — an addr-spec without <> */
        last = t.p;
        rg_sip_cur_lws(&t);
        if (rg_sip_cur_peek(&t) == '<') {
            a->display = rg_str_make(first, (size_t)(last - first));
            c->p = t.p + 1;
            *bracket = true;
            return RG_OK;
        }
    }
    return RG_EBADMSG;
}

static int addr_one(struct rg_sip_cur *c, enum rg_sip_addr_kind kind, struct rg_arena *arena,
                    struct rg_sip_addr *a)
{
    memset(a, 0, sizeof(*a));
    bool bracket;
    int rc = display_name(c, a, &bracket);
    if (rc != RG_OK)
        return rc;
    if (!bracket && kind == RG_SIP_ADDR_ROUTE)
        return RG_EBADMSG;
    if (bracket) {
        const char *gt = memchr(c->p, '>', (size_t)(c->e - c->p));
        if (!gt)
            return RG_EBADMSG;
        rc = rg_sip_uri_parse(rg_str_make(c->p, (size_t)(gt - c->p)), RG_SIP_URI_WHOLE, arena,
                              &a->uri, NULL);
        c->p = gt + 1;
        a->bracketed = true;
    } else {
        size_t used = 0;
        rc = rg_sip_uri_parse(rg_str_make(c->p, (size_t)(c->e - c->p)), RG_SIP_URI_BARE, arena,
                              &a->uri, &used);
        c->p += used;
    }
    if (rc == RG_OK)
        rc = gen_params(c, false, arena, &a->params);
    if (rc != RG_OK)
        return rc;
    const struct rg_sip_param *tag = rg_sip_param_find(&a->params, "tag");
    if (tag && (!tag->value.p || tag->value.p[0] == '"' || tag->value.p[0] == '['))
        return RG_EBADMSG;
    if (tag)
        a->tag = tag->value;
    return RG_OK;
}

int rg_sip_hdr_addrs(struct rg_str v, enum rg_sip_addr_kind kind, struct rg_arena *arena,
                     struct rg_sip_addr *out, size_t max, size_t *n)
{
    struct rg_sip_cur c = rg_sip_cur_make(v);
    if (kind == RG_SIP_ADDR_CONTACT && v.len == 1 && v.p[0] == '*') {
        if (*n >= max)
            return RG_ELIMIT;
        memset(&out[*n], 0, sizeof(out[0]));
        out[(*n)++].star = true;
        return RG_OK;
    }
    bool more = true;
    while (more) {
        if (*n >= max)
            return RG_ELIMIT;
        int rc = addr_one(&c, kind, arena, &out[*n]);
        if (rc == RG_OK)
            rc = list_next(&c, &more);
        if (rc != RG_OK)
            return rc;
        (*n)++;
        if (kind == RG_SIP_ADDR_ONE && more)
            return RG_EBADMSG;
    }
    return RG_OK;
}

int rg_sip_hdr_uint(struct rg_str v, uint64_t max, uint64_t *out)
{
    return rg_str_to_u64(v, max, out) == RG_OK ? RG_OK : RG_EBADMSG;
}

/* CSeq = 1*DIGIT LWS Method; the number is below 2**31 (§8.1.1.5). */
int rg_sip_hdr_cseq(struct rg_str v, uint32_t *num, struct rg_str *method)
{
    struct rg_sip_cur c = rg_sip_cur_make(v);
    const char *d = c.p;
    while (c.p < c.e && rg_is_digit((unsigned char)*c.p))
        c.p++;
    uint64_t n;
    if (rg_str_to_u64(rg_str_make(d, (size_t)(c.p - d)), 0x7fffffffu, &n) != RG_OK)
        return RG_EBADMSG;
    struct rg_str m;
    if (!rg_sip_cur_lws(&c) || !rg_sip_cur_token(&c, &m))
        return RG_EBADMSG;
    rg_sip_cur_lws(&c);
    if (!rg_sip_cur_end(&c))
        return RG_EBADMSG;
    *num = (uint32_t)n;
    *method = m;
    return RG_OK;
}

/* media-type = m-type SLASH m-subtype *(SEMI m-parameter) (§20.15). */
int rg_sip_hdr_ctype(struct rg_str v, struct rg_arena *arena, struct rg_sip_ctype *out)
{
    struct rg_sip_cur c = rg_sip_cur_make(v);
    struct rg_sip_ctype t;
    if (!rg_sip_cur_token(&c, &t.type) || !rg_sip_cur_eat(&c, '/'))
        return RG_EBADMSG;
    rg_sip_cur_lws(&c);
    if (!rg_sip_cur_token(&c, &t.subtype))
        return RG_EBADMSG;
    int rc = gen_params(&c, false, arena, &t.params);
    if (rc != RG_OK)
        return rc;
    for (uint16_t i = 0; i < t.params.n; i++)
        if (!t.params.v[i].value.p || t.params.v[i].value.p[0] == '[')
            return RG_EBADMSG;
    rg_sip_cur_lws(&c);
    if (!rg_sip_cur_end(&c))
        return RG_EBADMSG;
    *out = t;
    return RG_OK;
}

/* option-tag *(COMMA option-tag) (§20.32, §20.37). */
int rg_sip_hdr_tokens(struct rg_str v, bool allow_empty, struct rg_arena *arena,
                      struct rg_sip_tokens *out, size_t max)
{
    if (v.len == 0)
        return allow_empty ? RG_OK : RG_EBADMSG;
    if (out->n >= max)
        return RG_ELIMIT;
    size_t cap = rg_sip_hdr_count_commas(v);
    if (out->n + cap > max)
        cap = max - out->n + 1;
    struct rg_str *nv = rg_arena_alloc(arena, (out->n + cap) * sizeof(*nv));
    if (!nv)
        return RG_ENOMEM;
    if (out->n)
        memcpy(nv, out->v, out->n * sizeof(*nv));
    size_t n = out->n;
    struct rg_sip_cur c = rg_sip_cur_make(v);
    bool more = true;
    while (more) {
        if (n >= max)
            return RG_ELIMIT;
        rg_sip_cur_lws(&c);
        if (!rg_sip_cur_token(&c, &nv[n]))
            return RG_EBADMSG;
        n++;
        if (list_next(&c, &more) != RG_OK)
            return RG_EBADMSG;
    }
    out->v = nv;
    out->n = n;
    return RG_OK;
}

/* callid = word [ "@" word ] (§25.1). */
int rg_sip_hdr_callid(struct rg_str v)
{
    size_t ats = 0;
    if (v.len == 0 || v.p[0] == '@' || v.p[v.len - 1] == '@')
        return RG_EBADMSG;
    for (size_t i = 0; i < v.len; i++) {
        int ch = (unsigned char)v.p[i];
        if (ch == '@')
            ats++;
        else if (!rg_sip_is_word(ch))
            return RG_EBADMSG;
    }
    return ats <= 1 ? RG_OK : RG_EBADMSG;
}

static bool digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!rg_is_digit((unsigned char)p[i]))
            return false;
    return true;
}

static bool in_list(struct rg_str s, const char *list)
{
    for (const char *l = list; *l; l += 3)
        if (rg_str_eq(s, rg_str_make(l, 3)))
            return true;
    return false;
}

/* rfc1123-date = wkday "," SP date1 SP time SP "GMT" (§20.17), e.g.
 * "Sat, 13 Nov 2010 23:29:00 GMT"; only GMT is allowed. */
int rg_sip_hdr_date(struct rg_str v)
{
    if (v.len != 29)
        return RG_EBADMSG;
    const char *p = v.p;
    if (!in_list(rg_str_make(p, 3), "MonTueWedThuFriSatSun") || p[3] != ',' || p[4] != ' ' ||
        !digits(p + 5, 2) || p[7] != ' ' ||
        !in_list(rg_str_make(p + 8, 3), "JanFebMarAprMayJunJulAugSepOctNovDec") || p[11] != ' ' ||
        !digits(p + 12, 4) || p[16] != ' ' || !digits(p + 17, 2) || p[19] != ':' ||
        !digits(p + 20, 2) || p[22] != ':' || !digits(p + 23, 2) || p[25] != ' ' ||
        memcmp(p + 26, "GMT", 3) != 0)
        return RG_EBADMSG;
    return RG_OK;
}
