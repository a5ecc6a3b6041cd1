/* Proxy-like helpers a B2BUA leg needs: CANCEL construction (RFC 3261 §9.1),
 * Max-Forwards (§16.3 item 3, §16.6 item 3), loop detection (§16.3 item 4)
 * and Route pre-processing with loose and strict routers (§16.4, §16.12). */
#include <stdio.h>
#include <string.h>

#include "proto/sip/sip_build.h"
#include "proto/sip/sip_dialog.h"
#include "proto/sip/sip_hdr.h"

#define VALUE_MAX 2048

static bool is_invite(const struct rg_sip_msg *m)
{
    return rg_str_eq_cstr(m->method, "INVITE");
}

int rg_sip_cancel_build(const struct rg_sip_msg *inv, struct rg_arena *arena,
                        struct rg_sip_msg **out)
{
    if (!inv->is_request || !is_invite(inv) || !inv->n_vias || !inv->has_cseq)
        return RG_EINVAL;
    struct rg_sip_msg *m;
    int rc = rg_sip_msg_new_request(arena, RG_STR_LIT("CANCEL"), inv->ruri_text, &m);
    bool via_done = false;
    /* Only the top Via (the INVITE's own, with its branch) is kept. */
    for (size_t i = 0; rc == RG_OK && i < inv->n_hdrs; i++) {
        const struct rg_sip_hdr *h = &inv->hdrs[i];
        if (h->id == RG_SIP_H_VIA && !via_done) {
            via_done = true;
            if (rg_sip_hdr_count_commas(h->value) > 1)
                return RG_EINVAL;
            rc = rg_sip_msg_add(m, arena, h->name, h->value);
        } else if (h->id == RG_SIP_H_FROM || h->id == RG_SIP_H_TO || h->id == RG_SIP_H_CALL_ID ||
                   h->id == RG_SIP_H_ROUTE || h->id == RG_SIP_H_MAX_FORWARDS) {
            rc = rg_sip_msg_add(m, arena, h->name, h->value);
        }
    }
    if (rc == RG_OK && inv->max_forwards < 0) /* §8.1.1.6: every request has one */
        rc = rg_sip_msg_add(m, arena, RG_STR_LIT("Max-Forwards"), RG_STR_LIT("70"));
    char v[32];
    int n = snprintf(v, sizeof(v), "%u CANCEL", (unsigned)inv->cseq);
    if (rc == RG_OK)
        rc = rg_sip_msg_add(m, arena, RG_STR_LIT("CSeq"), rg_str_make(v, (size_t)n));
    if (rc != RG_OK)
        return rc;
    struct rg_sip_error e;
    rc = rg_sip_msg_index(m, arena, &e);
    if (rc != RG_OK)
        return rc == RG_ENOMEM ? rc : RG_EINVAL;
    *out = m;
    return RG_OK;
}

int rg_sip_max_forwards_next(const struct rg_sip_msg *in, uint32_t *out)
{
    if (in->max_forwards == 0)
        return RG_EPROTO;
    *out = in->max_forwards < 0 ? 70 : (uint32_t)in->max_forwards - 1;
    return RG_OK;
}

bool rg_sip_loop_detect(const struct rg_sip_msg *m, struct rg_str host, uint16_t port,
                        const char *ours_prefix)
{
    uint32_t want = port ? port : 5060;
    for (size_t i = 0; i < m->n_vias; i++) {
        const struct rg_sip_via *v = &m->vias[i];
        uint32_t p = v->port ? v->port : 5060;
        if (p == want && rg_str_caseeq(v->host, host) &&
            (!ours_prefix || (v->branch.p && rg_str_has_prefix(v->branch, ours_prefix))))
            return true;
    }
    return false;
}

/* Text of one Route value: "<uri>;params". */
static int value_text(const struct rg_sip_addr *a, char *v, size_t cap, size_t *len)
{
    int k = snprintf(v, cap, "<%.*s>", (int)a->uri.raw.len, a->uri.raw.p);
    if (k < 0 || (size_t)k >= cap)
        return RG_ELIMIT;
    size_t n = (size_t)k;
    for (uint16_t i = 0; i < a->params.n; i++) {
        const struct rg_sip_param *p = &a->params.v[i];
        k = snprintf(v + n, cap - n, ";%.*s%s%.*s", (int)p->name.len, p->name.p,
                     p->value.p ? "=" : "", (int)p->value.len, p->value.p ? p->value.p : "");
        if (k < 0 || (size_t)k >= cap - n)
            return RG_ELIMIT;
        n += (size_t)k;
    }
    *len = n;
    return RG_OK;
}

/* Rewrites m's Route headers as routes[first..last) (one header each). */
static int rewrite_routes(struct rg_sip_msg *m, struct rg_arena *arena, size_t first, size_t last)
{
    struct rg_sip_addrs r = m->routes; /* views stay valid: the strings are not freed */
    size_t at = m->n_hdrs;
    for (size_t i = 0; i < m->n_hdrs; i++)
        if (m->hdrs[i].id == RG_SIP_H_ROUTE) {
            at = i;
            break;
        }
    (void)rg_sip_msg_remove(m, RG_STR_LIT("Route"));
    for (size_t i = first; i < last; i++) {
        char v[VALUE_MAX];
        size_t n;
        int rc = value_text(&r.v[i], v, sizeof(v), &n);
        if (rc == RG_OK)
            rc = rg_sip_msg_insert(m, arena, at++, RG_STR_LIT("Route"), rg_str_make(v, n));
        if (rc != RG_OK)
            return rc;
    }
    return RG_OK;
}

int rg_sip_route_preprocess(struct rg_sip_msg *m, struct rg_arena *arena,
                            rg_sip_is_ours_fn *is_ours, void *ud)
{
    if (!m->is_request)
        return RG_EINVAL;
    size_t first = 0, last = m->routes.n;
    struct rg_str ruri = m->ruri_text;
    /* §16.4: the previous hop was a strict router and put our URI in the
     * Request-URI; the real one is the last Route value. */
    if (last && is_ours(ud, &m->ruri)) {
        ruri = rg_arena_str(arena, m->routes.v[last - 1].uri.raw);
        if (!ruri.p)
            return RG_ENOMEM;
        last--;
    }
    if (first < last && is_ours(ud, &m->routes.v[first].uri))
        first++;
    if (first == 0 && last == m->routes.n)
        return RG_OK;
    struct rg_sip_uri u;
    int rc = rg_sip_uri_parse(ruri, RG_SIP_URI_WHOLE, arena, &u, NULL);
    if (rc != RG_OK)
        return rc == RG_ENOMEM ? rc : RG_EBADMSG;
    rc = rewrite_routes(m, arena, first, last);
    if (rc != RG_OK)
        return rc;
    m->ruri_text = ruri;
    m->ruri = u;
    struct rg_sip_error e;
    rc = rg_sip_msg_index(m, arena, &e);
    return rc == RG_OK || rc == RG_ENOMEM ? rc : RG_EBADMSG;
}
