/*
 * sip_via.c — received= and rport= on the top Via (see sip_via.h).
 */
#include "io/sip_via.h"

#include <string.h>

#include "core/buf.h"

/* Length of the first Via value in v: up to the first comma that is not
 * inside a quoted string or an IPv6 reference (RFC 3261 §7.3.1, §25.1). */
static size_t first_value_len(struct rg_str v)
{
    bool quoted = false, bracket = false;
    for (size_t i = 0; i < v.len; i++) {
        char c = v.p[i];
        if (quoted && c == '\\' && i + 1 < v.len)
            i++;
        else if (c == '"')
            quoted = !quoted;
        else if (!quoted && c == '[')
            bracket = true;
        else if (!quoted && c == ']')
            bracket = false;
        else if (!quoted && !bracket && c == ',')
            return i;
    }
    return v.len;
}

static bool sent_by_is(const struct rg_sip_via *v, const struct rg_addr *src)
{
    struct rg_str h = v->host;
    if (h.len >= 2 && h.p[0] == '[' && h.p[h.len - 1] == ']')
        h = rg_str_make(h.p + 1, h.len - 2);
    struct rg_addr a;
    return rg_addr_parse_ip(h, &a) == RG_OK && rg_addr_ip_eq(&a, src);
}

/* Appends the pieces in order (views may hold any byte, NUL included: a
 * quoted-pair can escape %x00, RFC 3261 §25.1). */
static int append_all(struct rg_buf *b, const struct rg_str *v, size_t n)
{
    int rc = RG_OK;
    for (size_t i = 0; rc == RG_OK && i < n; i++)
        rc = rg_buf_append_str(b, v[i]);
    return rc;
}

/* The new top Via value, params in their order with rport filled and any
 * old received replaced. */
static int build_top(const struct rg_sip_via *v, const struct rg_addr *src, bool add_received,
                     struct rg_buf *b)
{
    const struct rg_str head[] = {v->protocol,  RG_STR_LIT("/"), v->version, RG_STR_LIT("/"),
                                  v->transport, RG_STR_LIT(" "), v->host};
    int rc = append_all(b, head, sizeof(head) / sizeof(head[0]));
    if (rc == RG_OK && v->port)
        rc = rg_buf_appendf(b, ":%u", (unsigned)v->port);
    for (size_t i = 0; rc == RG_OK && i < v->params.n; i++) {
        const struct rg_sip_param *p = &v->params.v[i];
        if (add_received && rg_str_caseeq_cstr(p->name, "received"))
            continue;
        if (rg_str_caseeq_cstr(p->name, "rport") && !p->value.p) {
            rc = rg_buf_appendf(b, ";rport=%u", (unsigned)src->port);
            continue;
        }
        const struct rg_str kv[] = {RG_STR_LIT(";"), p->name, RG_STR_LIT("="), p->value};
        rc = append_all(b, kv, p->value.p ? 4 : 2);
    }
    char ip[RG_ADDR_IP_STRLEN];
    if (rc == RG_OK && add_received) {
        rc = rg_addr_format_ip(src, ip, sizeof(ip));
        if (rc == RG_OK)
            rc = rg_buf_appendf(b, ";received=%s", ip);
    }
    return rc;
}

int rg_sip_via_stamp(struct rg_sip_msg *m, struct rg_arena *arena, const struct rg_addr *src,
                     bool *changed)
{
    if (!m->is_request || m->n_vias == 0 || !src || src->family == RG_AF_NONE || src->port == 0)
        return RG_EINVAL;
    const struct rg_sip_via *v = &m->vias[0];
    bool add_received = v->rport >= 0 || !sent_by_is(v, src);
    bool add_rport = v->rport == 0;
    if (changed)
        *changed = add_received || add_rport;
    if (!add_received && !add_rport)
        return RG_OK;
    size_t h = 0;
    while (h < m->n_hdrs && m->hdrs[h].id != RG_SIP_H_VIA)
        h++;
    if (h == m->n_hdrs)
        return RG_EINVAL;
    struct rg_str old = m->hdrs[h].value;
    struct rg_buf b;
    rg_buf_init(&b, m->lim.max_header_bytes ? m->lim.max_header_bytes : 8192);
    int rc = build_top(v, src, add_received, &b);
    if (rc == RG_OK)
        rc = rg_buf_append_str(&b, rg_str_from(old, first_value_len(old)));
    struct rg_str val = rc == RG_OK ? rg_arena_str(arena, rg_buf_str(&b)) : RG_STR_NULL;
    rg_buf_deinit(&b);
    if (rc != RG_OK)
        return rc;
    if (!val.p)
        return RG_ENOMEM;
    m->hdrs[h].value = val;
    struct rg_sip_error err;
    return rg_sip_msg_index(m, arena, &err);
}
