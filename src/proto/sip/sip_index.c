/* Header index, mandatory-header rules and request checks: RFC 3261 §8.1.1,
 * §8.2.2, §16.3, §20. */
#include "proto/sip/sip_hdr.h"
#include "proto/sip/sip_msg.h"

#include <string.h>

/* Upper bounds of the values of each list kind, capped at max + 1 so a
 * parser can still detect "too many". */
static size_t list_bound(const struct rg_sip_msg *m, enum rg_sip_hdr_id id, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_hdrs && n <= max; i++)
        if (m->hdrs[i].id == id)
            n += rg_sip_hdr_count_commas(m->hdrs[i].value);
    return n > max ? max + 1 : n;
}

static int alloc_lists(struct rg_sip_msg *m, struct rg_arena *arena)
{
    size_t nv = list_bound(m, RG_SIP_H_VIA, m->lim.max_vias);
    size_t nc = list_bound(m, RG_SIP_H_CONTACT, m->lim.max_list);
    size_t nr = list_bound(m, RG_SIP_H_ROUTE, m->lim.max_list);
    size_t nrr = list_bound(m, RG_SIP_H_RECORD_ROUTE, m->lim.max_list);
    size_t na = 2 + nc + nr + nrr; /* from, to, then the lists */
    m->vias = nv ? rg_arena_alloc(arena, nv * sizeof(*m->vias)) : NULL;
    struct rg_sip_addr *a = rg_arena_alloc(arena, na * sizeof(*a));
    if ((nv && !m->vias) || !a)
        return RG_ENOMEM;
    m->contacts.v = a + 2;
    m->routes.v = a + 2 + nc;
    m->record_routes.v = a + 2 + nc + nr;
    return RG_OK;
}

static void reset_index(struct rg_sip_msg *m)
{
    m->n_vias = 0;
    m->from = m->to = NULL;
    m->call_id = RG_STR_NULL;
    m->has_cseq = false;
    m->max_forwards = -1;
    m->content_length = -1;
    m->content_type = NULL;
    memset(&m->contacts, 0, sizeof(m->contacts));
    memset(&m->routes, 0, sizeof(m->routes));
    memset(&m->record_routes, 0, sizeof(m->record_routes));
    memset(&m->supported, 0, sizeof(m->supported));
    memset(&m->require, 0, sizeof(m->require));
    memset(&m->proxy_require, 0, sizeof(m->proxy_require));
}

/* Which bound a header hit when its parser returned RG_ELIMIT: the number
 * of values of its kind, or the parameters of one value. */
static enum rg_sip_reason limit_reason(const struct rg_sip_msg *m, enum rg_sip_hdr_id id)
{
    switch (id) {
    case RG_SIP_H_VIA:
        return m->n_vias >= m->lim.max_vias ? RG_SIP_R_TOO_MANY_VIAS : RG_SIP_R_TOO_MANY_PARAMS;
    case RG_SIP_H_CONTACT:
        return m->contacts.n >= m->lim.max_list ? RG_SIP_R_TOO_MANY_VALUES
                                                : RG_SIP_R_TOO_MANY_PARAMS;
    case RG_SIP_H_ROUTE:
        return m->routes.n >= m->lim.max_list ? RG_SIP_R_TOO_MANY_VALUES : RG_SIP_R_TOO_MANY_PARAMS;
    case RG_SIP_H_RECORD_ROUTE:
        return m->record_routes.n >= m->lim.max_list ? RG_SIP_R_TOO_MANY_VALUES
                                                     : RG_SIP_R_TOO_MANY_PARAMS;
    case RG_SIP_H_SUPPORTED:
    case RG_SIP_H_REQUIRE:
    case RG_SIP_H_PROXY_REQUIRE:
        return RG_SIP_R_TOO_MANY_VALUES;
    default:
        return RG_SIP_R_TOO_MANY_PARAMS;
    }
}

static enum rg_sip_reason why(int rc, enum rg_sip_reason syntax)
{
    return rc == RG_ELIMIT ? RG_SIP_R_TOO_MANY_PARAMS : syntax;
}

static int index_addr(struct rg_sip_msg *m, const struct rg_sip_hdr *h, struct rg_arena *arena,
                      enum rg_sip_reason *r)
{
    struct rg_sip_addr *slot = (struct rg_sip_addr *)m->contacts.v - 2;
    int rc;
    size_t n = 0;
    switch (h->id) {
    case RG_SIP_H_FROM:
    case RG_SIP_H_TO: {
        bool from = h->id == RG_SIP_H_FROM;
        *r = from ? RG_SIP_R_DUP_FROM : RG_SIP_R_DUP_TO;
        if (from ? m->from != NULL : m->to != NULL)
            return RG_EBADMSG;
        struct rg_sip_addr *a = from ? &slot[0] : &slot[1];
        rc = rg_sip_hdr_addrs(h->value, RG_SIP_ADDR_ONE, arena, a, 1, &n);
        *r = from ? RG_SIP_R_FROM : RG_SIP_R_TO;
        if (rc == RG_OK && from)
            m->from = a;
        else if (rc == RG_OK)
            m->to = a;
        return rc;
    }
    case RG_SIP_H_CONTACT:
        *r = RG_SIP_R_CONTACT;
        rc = rg_sip_hdr_addrs(h->value, RG_SIP_ADDR_CONTACT, arena, m->contacts.v, m->lim.max_list,
                              &m->contacts.n);
        break;
    case RG_SIP_H_ROUTE:
        *r = RG_SIP_R_ROUTE;
        rc = rg_sip_hdr_addrs(h->value, RG_SIP_ADDR_ROUTE, arena, m->routes.v, m->lim.max_list,
                              &m->routes.n);
        break;
    default:
        *r = RG_SIP_R_RECORD_ROUTE;
        rc = rg_sip_hdr_addrs(h->value, RG_SIP_ADDR_ROUTE, arena, m->record_routes.v,
                              m->lim.max_list, &m->record_routes.n);
        break;
    }
    *r = why(rc, *r);
    return rc;
}

static int index_scalar(struct rg_sip_msg *m, const struct rg_sip_hdr *h, enum rg_sip_reason *r)
{
    uint64_t v;
    switch (h->id) {
    case RG_SIP_H_CALL_ID:
        *r = RG_SIP_R_CALL_ID;
        if (rg_sip_hdr_callid(h->value) != RG_OK)
            return RG_EBADMSG;
        *r = RG_SIP_R_DUP_CALL_ID;
        if (m->call_id.p)
            return RG_EBADMSG;
        m->call_id = h->value;
        return RG_OK;
    case RG_SIP_H_CSEQ: {
        uint32_t n;
        struct rg_str meth;
        *r = RG_SIP_R_CSEQ;
        if (rg_sip_hdr_cseq(h->value, &n, &meth) != RG_OK)
            return RG_EBADMSG;
        *r = RG_SIP_R_DUP_CSEQ;
        if (m->has_cseq)
            return RG_EBADMSG;
        m->has_cseq = true;
        m->cseq = n;
        m->cseq_method = meth;
        return RG_OK;
    }
    case RG_SIP_H_MAX_FORWARDS: /* 0-255 (§20.22; RFC 4475 §3.1.2.4) */
        *r = RG_SIP_R_MAX_FORWARDS;
        if (rg_sip_hdr_uint(h->value, 255, &v) != RG_OK)
            return RG_EBADMSG;
        *r = RG_SIP_R_DUP_MAX_FORWARDS;
        if (m->max_forwards >= 0)
            return RG_EBADMSG;
        m->max_forwards = (int32_t)v;
        return RG_OK;
    case RG_SIP_H_CONTENT_LENGTH:
        *r = RG_SIP_R_CONTENT_LENGTH;
        if (rg_sip_hdr_uint(h->value, m->lim.max_msg_bytes, &v) != RG_OK)
            return RG_EBADMSG;
        *r = RG_SIP_R_DUP_CONTENT_LENGTH;
        if (m->content_length >= 0)
            return RG_EBADMSG;
        m->content_length = (int64_t)v;
        return RG_OK;
    default:
        *r = RG_SIP_R_DATE;
        return rg_sip_hdr_date(h->value);
    }
}

static int index_other(struct rg_sip_msg *m, const struct rg_sip_hdr *h, struct rg_arena *arena,
                       enum rg_sip_reason *r)
{
    int rc;
    switch (h->id) {
    case RG_SIP_H_VIA:
        rc = rg_sip_hdr_via(h->value, arena, m->vias, m->lim.max_vias, &m->n_vias);
        *r = why(rc, RG_SIP_R_VIA);
        return rc;
    case RG_SIP_H_CONTENT_TYPE: {
        *r = RG_SIP_R_DUP_CONTENT_TYPE;
        if (m->content_type)
            return RG_EBADMSG;
        struct rg_sip_ctype *ct = rg_arena_alloc(arena, sizeof(*ct));
        if (!ct)
            return RG_ENOMEM;
        rc = rg_sip_hdr_ctype(h->value, arena, ct);
        *r = why(rc, RG_SIP_R_CONTENT_TYPE);
        if (rc == RG_OK)
            m->content_type = ct;
        return rc;
    }
    default: {
        struct rg_sip_tokens *t = h->id == RG_SIP_H_SUPPORTED ? &m->supported
                                  : h->id == RG_SIP_H_REQUIRE ? &m->require
                                                              : &m->proxy_require;
        rc = rg_sip_hdr_tokens(h->value, h->id == RG_SIP_H_SUPPORTED, arena, t, m->lim.max_list);
        *r = why(rc, RG_SIP_R_OPTION_TAGS);
        return rc;
    }
    }
}

static int index_one(struct rg_sip_msg *m, const struct rg_sip_hdr *h, struct rg_arena *arena,
                     enum rg_sip_reason *r)
{
    switch (h->id) {
    case RG_SIP_H_FROM:
    case RG_SIP_H_TO:
    case RG_SIP_H_CONTACT:
    case RG_SIP_H_ROUTE:
    case RG_SIP_H_RECORD_ROUTE:
        return index_addr(m, h, arena, r);
    case RG_SIP_H_CALL_ID:
    case RG_SIP_H_CSEQ:
    case RG_SIP_H_MAX_FORWARDS:
    case RG_SIP_H_CONTENT_LENGTH:
    case RG_SIP_H_DATE:
        return index_scalar(m, h, r);
    case RG_SIP_H_VIA:
    case RG_SIP_H_CONTENT_TYPE:
    case RG_SIP_H_SUPPORTED:
    case RG_SIP_H_REQUIRE:
    case RG_SIP_H_PROXY_REQUIRE:
        return index_other(m, h, arena, r);
    default:
        return RG_OK;
    }
}

/* Mandatory headers (§8.1.1 for requests; a response carries the same
 * To/From/CSeq/Call-ID/Via, §8.2.6.2) and the CSeq method rule (§8.1.1.5). */
static enum rg_sip_reason missing(const struct rg_sip_msg *m)
{
    if (!m->to)
        return RG_SIP_R_MISSING_TO;
    if (!m->from)
        return RG_SIP_R_MISSING_FROM;
    if (!m->has_cseq)
        return RG_SIP_R_MISSING_CSEQ;
    if (!m->call_id.p)
        return RG_SIP_R_MISSING_CALL_ID;
    if (m->n_vias == 0)
        return RG_SIP_R_MISSING_VIA;
    if (m->is_request && !rg_str_eq(m->method, m->cseq_method))
        return RG_SIP_R_CSEQ_METHOD;
    return RG_SIP_R_NONE;
}

int rg_sip_msg_index(struct rg_sip_msg *m, struct rg_arena *arena, struct rg_sip_error *err)
{
    reset_index(m);
    int rc = alloc_lists(m, arena);
    if (rc != RG_OK)
        return rc;
    for (size_t i = 0; i < m->n_hdrs; i++) {
        enum rg_sip_reason r = RG_SIP_R_NONE;
        rc = index_one(m, &m->hdrs[i], arena, &r);
        if (rc == RG_ENOMEM)
            return rc;
        if (rc != RG_OK) {
            rg_sip_error_set(err, rc == RG_ELIMIT ? limit_reason(m, m->hdrs[i].id) : r);
            return RG_EBADMSG;
        }
    }
    enum rg_sip_reason r = missing(m);
    if (r != RG_SIP_R_NONE) {
        rg_sip_error_set(err, r);
        return RG_EBADMSG;
    }
    return RG_OK;
}

bool rg_sip_branch_is_rfc3261(struct rg_str branch)
{
    return branch.len > 7 && rg_str_has_prefix(branch, "z9hG4bK");
}

static bool in_cstr_list(const char *const *list, struct rg_str s)
{
    for (size_t i = 0; list && list[i]; i++)
        if (rg_str_caseeq_cstr(s, list[i]))
            return true;
    return false;
}

/* "type/" prefix of a policy content type equals prefix (any case). */
static bool type_prefix_eq(const char *type, struct rg_str prefix)
{
    return rg_str_caseeq(rg_str_head(rg_str_from_cstr(type), prefix.len), prefix);
}

/* "type/subtype" of a policy entry equals ct's type and subtype. */
static bool ctype_in(const char *const *list, const struct rg_sip_ctype *ct)
{
    for (size_t i = 0; list[i]; i++) {
        struct rg_str s = rg_str_from_cstr(list[i]);
        long slash = rg_str_find_char(s, '/');
        if (slash > 0 && rg_str_caseeq(rg_str_head(s, (size_t)slash), ct->type) &&
            rg_str_caseeq(rg_str_from(s, (size_t)slash + 1), ct->subtype))
            return true;
    }
    return false;
}

/* True when some media range of Accept (§20.1) covers one of our types. */
static bool accept_ok(const struct rg_sip_msg *m, const struct rg_sip_policy *p)
{
    const struct rg_sip_hdr *h = rg_sip_msg_find(m, RG_STR_LIT("Accept"), NULL);
    if (!h || h->value.len == 0 || !p->content_types)
        return true;
    for (size_t pos = 0; (h = rg_sip_msg_find(m, RG_STR_LIT("Accept"), &pos)) != NULL;) {
        struct rg_str v = h->value;
        while (v.len) {
            long comma = rg_str_find_char(v, ',');
            struct rg_str item = comma >= 0 ? rg_str_head(v, (size_t)comma) : v;
            v = comma >= 0 ? rg_str_from(v, (size_t)comma + 1) : RG_STR_NULL;
            long semi = rg_str_find_char(item, ';');
            item = rg_str_trim(semi >= 0 ? rg_str_head(item, (size_t)semi) : item);
            while (item.len && (item.p[0] == '\r' || item.p[0] == '\n' || item.p[0] == ' ' ||
                                item.p[0] == '\t'))
                item = rg_str_from(item, 1);
            if (rg_str_eq_cstr(item, "*/*") || in_cstr_list(p->content_types, item))
                return true;
            long slash = rg_str_find_char(item, '/');
            if (slash > 0 && rg_str_eq_cstr(rg_str_from(item, (size_t)slash), "/*"))
                for (size_t i = 0; p->content_types[i]; i++)
                    if (type_prefix_eq(p->content_types[i], rg_str_head(item, (size_t)slash + 1)))
                        return true;
        }
    }
    return false;
}

static enum rg_sip_reason check(const struct rg_sip_msg *m, const struct rg_sip_policy *p)
{
    static const char *const scheme_names[] = {"", "sip", "sips", "tel"};
    struct rg_str scheme =
        m->ruri.scheme == RG_SIP_SCHEME_OTHER
            ? rg_str_head(m->ruri.raw, (size_t)rg_str_find_char(m->ruri.raw, ':'))
            : rg_str_from_cstr(scheme_names[m->ruri.scheme]);
    if (p->schemes && !in_cstr_list(p->schemes, scheme))
        return RG_SIP_R_UNSUPPORTED_SCHEME; /* §8.2.2.1 */
    if (p->strict_branch && rg_str_eq_cstr(m->vias[0].branch, "z9hG4bK"))
        return RG_SIP_R_BAD_BRANCH; /* cookie only, RFC 4475 §3.2.1 */
    if (p->is_proxy && m->max_forwards == 0)
        return RG_SIP_R_TOO_MANY_HOPS; /* §16.3 item 2 */
    for (size_t i = 0; i < m->require.n; i++)
        if (!in_cstr_list(p->extensions, m->require.v[i]))
            return RG_SIP_R_BAD_EXTENSION; /* §8.2.2.3 */
    for (size_t i = 0; p->is_proxy && i < m->proxy_require.n; i++)
        if (!in_cstr_list(p->extensions, m->proxy_require.v[i]))
            return RG_SIP_R_BAD_EXTENSION; /* §16.3 item 5 */
    if (m->body.len && m->content_type && p->content_types &&
        !ctype_in(p->content_types, m->content_type))
        return RG_SIP_R_UNSUPPORTED_MEDIA; /* §8.2.3 */
    if (!accept_ok(m, p))
        return RG_SIP_R_NOT_ACCEPTABLE; /* §8.2.3, RFC 4475 §3.3.15 */
    return RG_SIP_R_NONE;
}

int rg_sip_check_request(const struct rg_sip_msg *m, const struct rg_sip_policy *p,
                         struct rg_sip_error *err)
{
    if (!m->is_request)
        return RG_EINVAL;
    enum rg_sip_reason r = check(m, p);
    if (r == RG_SIP_R_NONE)
        return RG_OK;
    rg_sip_error_set(err, r);
    return RG_EPROTO;
}

bool rg_sip_msg_equal(const struct rg_sip_msg *a, const struct rg_sip_msg *b)
{
    if (a->is_request != b->is_request || !rg_str_eq(a->method, b->method) ||
        !rg_str_eq(a->ruri_text, b->ruri_text) || a->status != b->status ||
        !rg_str_eq(a->reason, b->reason) || !rg_str_eq(a->body, b->body))
        return false;
    size_t i = 0, j = 0;
    for (;;) {
        while (i < a->n_hdrs && a->hdrs[i].id == RG_SIP_H_CONTENT_LENGTH)
            i++;
        while (j < b->n_hdrs && b->hdrs[j].id == RG_SIP_H_CONTENT_LENGTH)
            j++;
        if (i == a->n_hdrs || j == b->n_hdrs)
            return i == a->n_hdrs && j == b->n_hdrs;
        if (a->hdrs[i].id != b->hdrs[j].id || !rg_str_caseeq(a->hdrs[i].name, b->hdrs[j].name) ||
            !rg_str_eq(a->hdrs[i].value, b->hdrs[j].value))
            return false;
        i++;
        j++;
    }
}
