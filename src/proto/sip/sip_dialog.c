/* SIP dialogs and UA request builders: RFC 3261 §8.1.1, §9.1, §12, §13.2.2.4,
 * §14, §16.4; RFC 3262 (PRACK); RFC 3311 §5.2 (UPDATE glare). */
#include "proto/sip/sip_dialog.h"

#include <stdio.h>
#include <string.h>

#include "proto/sip/sip_build.h"
#include "proto/sip/sip_hdr.h"

#define DIALOG_ARENA_MAX (64 * 1024)
#define VALUE_MAX 2048

static const char TOKEN_ALPHABET[] = "abcdefghijklmnopqrstuvwxyz0123456789";

void rg_sip_tag_new(const struct rg_rng *rng, char *out)
{
    rg_rng_token(rng, TOKEN_ALPHABET, out, RG_SIP_TAG_CHARS);
}

static struct rg_str cs(const char *s)
{
    return rg_str_from_cstr(s);
}

static bool is_method(struct rg_str m, const char *s)
{
    return rg_str_eq_cstr(m, s);
}

static struct rg_str hdr_value(const struct rg_sip_msg *m, enum rg_sip_hdr_id id)
{
    for (size_t i = 0; i < m->n_hdrs; i++)
        if (m->hdrs[i].id == id)
            return m->hdrs[i].value;
    return RG_STR_NULL;
}

int rg_sip_add_via(struct rg_sip_msg *m, struct rg_arena *arena, const struct rg_sip_via_spec *via,
                   const struct rg_rng *rng)
{
    char branch[RG_SIP_TAG_CHARS + 1], v[VALUE_MAX], port[8] = "";
    rg_sip_tag_new(rng, branch);
    if (via->port)
        snprintf(port, sizeof(port), ":%u", (unsigned)via->port);
    int n = snprintf(v, sizeof(v), "SIP/2.0/%s %s%s;branch=z9hG4bK%s%s", via->transport, via->host,
                     port, branch, via->rport ? ";rport" : "");
    if (n < 0 || (size_t)n >= sizeof(v))
        return RG_ELIMIT;
    return rg_sip_msg_insert(m, arena, 0, RG_STR_LIT("Via"), rg_str_make(v, (size_t)n));
}

static int add_cseq(struct rg_sip_msg *m, struct rg_arena *arena, uint32_t n, struct rg_str meth)
{
    char v[64];
    int len = snprintf(v, sizeof(v), "%u %.*s", (unsigned)n, (int)meth.len, meth.p);
    if (len < 0 || (size_t)len >= sizeof(v))
        return RG_EINVAL;
    return rg_sip_msg_add(m, arena, RG_STR_LIT("CSeq"), rg_str_make(v, (size_t)len));
}

static int add_contact(struct rg_sip_msg *m, struct rg_arena *arena, struct rg_str uri)
{
    char v[VALUE_MAX];
    int n = snprintf(v, sizeof(v), "<%.*s>", (int)uri.len, uri.p);
    if (n < 0 || (size_t)n >= sizeof(v))
        return RG_ELIMIT;
    return rg_sip_msg_add(m, arena, RG_STR_LIT("Contact"), rg_str_make(v, (size_t)n));
}

static int finish(struct rg_sip_msg *m, struct rg_arena *arena, struct rg_sip_msg **out)
{
    struct rg_sip_error e;
    int rc = rg_sip_msg_index(m, arena, &e);
    if (rc != RG_OK)
        return rc == RG_ENOMEM ? rc : RG_EINVAL;
    *out = m;
    return RG_OK;
}

int rg_sip_request_build(struct rg_arena *arena, const struct rg_sip_req_spec *s,
                         const struct rg_sip_via_spec *via, const struct rg_rng *rng,
                         struct rg_sip_msg **out)
{
    struct rg_sip_msg *m;
    int rc = rg_sip_msg_new_request(arena, cs(s->method), cs(s->ruri), &m);
    if (rc == RG_OK)
        rc = rg_sip_add_via(m, arena, via, rng);
    if (rc == RG_OK)
        rc = rg_sip_msg_add(m, arena, RG_STR_LIT("Max-Forwards"), RG_STR_LIT("70"));
    if (rc == RG_OK)
        rc = rg_sip_msg_add(m, arena, RG_STR_LIT("From"), cs(s->from));
    if (rc == RG_OK)
        rc = rg_sip_msg_add(m, arena, RG_STR_LIT("To"), cs(s->to));
    if (rc == RG_OK)
        rc = rg_sip_msg_add(m, arena, RG_STR_LIT("Call-ID"), cs(s->call_id));
    if (rc == RG_OK)
        rc = add_cseq(m, arena, s->cseq, cs(s->method));
    if (rc == RG_OK && s->contact)
        rc = add_contact(m, arena, cs(s->contact));
    if (rc != RG_OK)
        return rc;
    return finish(m, arena, out);
}

/* ---- dialog state ---- */

static int dcopy(struct rg_sip_dialog *d, struct rg_str s, struct rg_str *out)
{
    struct rg_str c = rg_arena_str(&d->arena, s.p ? s : rg_str_make("", 0));
    if (!c.p)
        return RG_ENOMEM;
    *out = c;
    return RG_OK;
}

/* "<uri>;params" text of a Route/Record-Route value (display names dropped). */
static int route_text(struct rg_sip_dialog *d, const struct rg_sip_addr *a, struct rg_str *out)
{
    char v[VALUE_MAX];
    size_t n = 0;
    int k = snprintf(v, sizeof(v), "<%.*s>", (int)a->uri.raw.len, a->uri.raw.p);
    if (k < 0 || (size_t)k >= sizeof(v))
        return RG_ELIMIT;
    n = (size_t)k;
    for (uint16_t i = 0; i < a->params.n; i++) {
        const struct rg_sip_param *p = &a->params.v[i];
        k = snprintf(v + n, sizeof(v) - n, ";%.*s%s%.*s", (int)p->name.len, p->name.p,
                     p->value.p ? "=" : "", (int)p->value.len, p->value.p ? p->value.p : "");
        if (k < 0 || (size_t)k >= sizeof(v) - n)
            return RG_ELIMIT;
        n += (size_t)k;
    }
    return dcopy(d, rg_str_make(v, n), out);
}

/* Route set from Record-Route values rr, reversed for a UAC (§12.1.2). */
static int set_routes(struct rg_sip_dialog *d, const struct rg_sip_addrs *rr, bool reverse)
{
    if (rr->n > RG_SIP_DIALOG_MAX_ROUTES)
        return RG_ELIMIT;
    for (size_t i = 0; i < rr->n; i++) {
        const struct rg_sip_addr *a = &rr->v[reverse ? rr->n - 1 - i : i];
        int rc = route_text(d, a, &d->routes[i]);
        if (rc == RG_OK)
            rc = dcopy(d, a->uri.raw, &d->route_uris[i]);
        if (rc != RG_OK)
            return rc;
        if (i == 0)
            d->strict_first = rg_sip_param_find(&a->uri.params, "lr") == NULL;
    }
    d->n_routes = rr->n;
    return RG_OK;
}

static int uac_fill(struct rg_sip_dialog *d, const struct rg_sip_msg *req,
                    const struct rg_sip_msg *resp, struct rg_str local_contact)
{
    bool ok2xx = resp->status >= 200;
    struct rg_str target = resp->contacts.n ? resp->contacts.v[0].uri.raw : req->ruri_text;
    int rc = dcopy(d, req->call_id, &d->call_id);
    if (rc == RG_OK)
        rc = dcopy(d, req->from->tag, &d->local_tag);
    if (rc == RG_OK)
        rc = dcopy(d, resp->to->tag, &d->remote_tag);
    if (rc == RG_OK)
        rc = dcopy(d, hdr_value(req, RG_SIP_H_FROM), &d->local_addr);
    if (rc == RG_OK)
        rc = dcopy(d, hdr_value(resp, RG_SIP_H_TO), &d->remote_addr);
    if (rc == RG_OK)
        rc = dcopy(d, target, &d->remote_target);
    if (rc == RG_OK)
        rc = dcopy(d, local_contact, &d->local_contact);
    if (rc == RG_OK)
        rc = set_routes(d, &resp->record_routes, true);
    d->state = ok2xx ? RG_SIP_DLG_CONFIRMED : RG_SIP_DLG_EARLY;
    d->local_seq = req->cseq;
    d->secure = req->ruri.scheme == RG_SIP_SCHEME_SIPS;
    return rc;
}

int rg_sip_dialog_uac(struct rg_sip_dialog *d, const struct rg_sip_msg *req,
                      const struct rg_sip_msg *resp, struct rg_str local_contact)
{
    if (!req->is_request || resp->is_request || resp->status <= 100 || resp->status >= 300 ||
        !resp->to || !resp->to->tag.len || !req->from || !req->from->tag.p ||
        (resp->status >= 200 && !resp->contacts.n) ||
        (resp->contacts.n && resp->contacts.v[0].star))
        return RG_EINVAL;
    struct rg_sip_dialog n;
    memset(&n, 0, sizeof(n));
    rg_arena_init(&n.arena, 2048, DIALOG_ARENA_MAX);
    int rc = uac_fill(&n, req, resp, local_contact);
    if (rc != RG_OK) {
        rg_arena_deinit(&n.arena);
        return rc;
    }
    *d = n;
    return RG_OK;
}

static int uas_fill(struct rg_sip_dialog *d, const struct rg_sip_msg *req, struct rg_str local_tag,
                    struct rg_str local_contact)
{
    char v[VALUE_MAX];
    struct rg_str to = hdr_value(req, RG_SIP_H_TO);
    int n =
        snprintf(v, sizeof(v), "%.*s;tag=%.*s", (int)to.len, to.p, (int)local_tag.len, local_tag.p);
    if (n < 0 || (size_t)n >= sizeof(v))
        return RG_ELIMIT;
    int rc = dcopy(d, req->call_id, &d->call_id);
    if (rc == RG_OK)
        rc = dcopy(d, local_tag, &d->local_tag);
    if (rc == RG_OK)
        rc = dcopy(d, req->from->tag, &d->remote_tag);
    if (rc == RG_OK)
        rc = dcopy(d, rg_str_make(v, (size_t)n), &d->local_addr);
    if (rc == RG_OK)
        rc = dcopy(d, hdr_value(req, RG_SIP_H_FROM), &d->remote_addr);
    if (rc == RG_OK)
        rc = dcopy(d, req->contacts.v[0].uri.raw, &d->remote_target);
    if (rc == RG_OK)
        rc = dcopy(d, local_contact, &d->local_contact);
    if (rc == RG_OK)
        rc = set_routes(d, &req->record_routes, false);
    return rc;
}

int rg_sip_dialog_uas(struct rg_sip_dialog *d, const struct rg_sip_msg *req,
                      struct rg_str local_tag, struct rg_str local_contact,
                      const struct rg_rng *rng)
{
    if (!req->is_request || !req->from || !req->to || req->to->tag.p || !req->contacts.n ||
        req->contacts.v[0].star || !local_tag.len)
        return RG_EINVAL;
    struct rg_sip_dialog n;
    memset(&n, 0, sizeof(n));
    rg_arena_init(&n.arena, 2048, DIALOG_ARENA_MAX);
    int rc = uas_fill(&n, req, local_tag, local_contact);
    if (rc != RG_OK) {
        rg_arena_deinit(&n.arena);
        return rc;
    }
    n.is_uas = true;
    n.state = RG_SIP_DLG_EARLY;
    n.remote_seq = req->cseq;
    n.remote_seq_set = true;
    n.local_seq = (rg_rng_u32(rng) & 0x3fffffffu) + 1; /* < 2^31 with room (§8.1.1.5) */
    n.secure = req->ruri.scheme == RG_SIP_SCHEME_SIPS;
    if (is_method(req->method, "INVITE")) {
        n.remote_invite_pending = true;
        n.remote_invite_cseq = req->cseq;
    }
    *d = n;
    return RG_OK;
}

void rg_sip_dialog_deinit(struct rg_sip_dialog *d)
{
    rg_arena_deinit(&d->arena);
    memset(d, 0, sizeof(*d));
}

void rg_sip_dialog_confirm(struct rg_sip_dialog *d)
{
    if (d->state == RG_SIP_DLG_EARLY)
        d->state = RG_SIP_DLG_CONFIRMED;
}

void rg_sip_dialog_remote_invite_done(struct rg_sip_dialog *d)
{
    d->remote_invite_pending = false;
}

bool rg_sip_dialog_matches(const struct rg_sip_dialog *d, const struct rg_sip_msg *m)
{
    if (!m->from || !m->to || !rg_str_eq(m->call_id, d->call_id))
        return false;
    const struct rg_sip_addr *ours = m->is_request ? m->to : m->from;
    const struct rg_sip_addr *theirs = m->is_request ? m->from : m->to;
    struct rg_str rt = theirs->tag.p ? theirs->tag : rg_str_make("", 0);
    return ours->tag.p && rg_str_eq(ours->tag, d->local_tag) && rg_str_eq(rt, d->remote_tag);
}

static int take_target(struct rg_sip_dialog *d, const struct rg_sip_msg *m)
{
    if (!m->contacts.n || m->contacts.v[0].star)
        return RG_OK;
    if (rg_str_eq(m->contacts.v[0].uri.raw, d->remote_target))
        return RG_OK; /* unchanged: no arena growth on every refresh */
    return dcopy(d, m->contacts.v[0].uri.raw, &d->remote_target);
}

int rg_sip_dialog_on_response(struct rg_sip_dialog *d, const struct rg_sip_msg *r)
{
    if (r->is_request || r->status < 200)
        return RG_OK;
    bool inv = is_method(r->cseq_method, "INVITE"), upd = is_method(r->cseq_method, "UPDATE");
    if ((inv || upd) && d->local_invite_pending)
        d->local_invite_pending = false;
    if (r->status < 300) {
        int rc = RG_OK;
        if (inv && d->state == RG_SIP_DLG_EARLY && !d->is_uas) {
            d->state = RG_SIP_DLG_CONFIRMED;
            rc = set_routes(d, &r->record_routes, true);
        }
        if (rc == RG_OK && (inv || upd))
            rc = take_target(d, r);
        if (is_method(r->cseq_method, "BYE"))
            d->state = RG_SIP_DLG_TERMINATED;
        return rc;
    }
    /* An early dialog has had only its initial INVITE (no re-INVITE before
     * the 2xx, §14.1); PRACKs may have moved local_seq past it. */
    if (inv && d->state == RG_SIP_DLG_EARLY && !d->is_uas)
        d->state = RG_SIP_DLG_TERMINATED;
    if (r->status == 481 || r->status == 408) /* §12.2.1.2 */
        d->state = RG_SIP_DLG_TERMINATED;
    if (is_method(r->cseq_method, "BYE"))
        d->state = RG_SIP_DLG_TERMINATED; /* whatever the answer, the session ends */
    return RG_OK;
}

uint16_t rg_sip_dialog_on_request(struct rg_sip_dialog *d, const struct rg_sip_msg *q)
{
    if (is_method(q->method, "ACK")) {
        if (q->cseq == d->remote_invite_cseq)
            d->remote_invite_pending = false;
        return 0;
    }
    if (is_method(q->method, "CANCEL"))
        return 0;
    if (d->remote_seq_set && q->cseq < d->remote_seq)
        return 500; /* out of order (§12.2.2) */
    bool inv = is_method(q->method, "INVITE"), upd = is_method(q->method, "UPDATE");
    if ((inv || upd) && d->local_invite_pending)
        return 491; /* §14.2, RFC 3311 §5.2 */
    if (inv && d->remote_invite_pending)
        return 500; /* §14.2: with Retry-After */
    d->remote_seq = q->cseq;
    d->remote_seq_set = true;
    if (inv) {
        d->remote_invite_pending = true;
        d->remote_invite_cseq = q->cseq;
    }
    if ((inv || upd) && take_target(d, q) != RG_OK)
        return 500;
    if (is_method(q->method, "BYE"))
        d->state = RG_SIP_DLG_TERMINATED;
    return 0;
}

/* §12.2.1.1: Request-URI and Route headers from the route set. */
static int route_request(struct rg_sip_dialog *d, struct rg_arena *arena, struct rg_str method,
                         struct rg_sip_msg **out)
{
    struct rg_sip_msg *m;
    bool strict = d->n_routes && d->strict_first;
    int rc =
        rg_sip_msg_new_request(arena, method, strict ? d->route_uris[0] : d->remote_target, &m);
    for (size_t i = strict ? 1 : 0; rc == RG_OK && i < d->n_routes; i++)
        rc = rg_sip_msg_add(m, arena, RG_STR_LIT("Route"), d->routes[i]);
    if (rc == RG_OK && strict) {
        char v[VALUE_MAX];
        int n = snprintf(v, sizeof(v), "<%.*s>", (int)d->remote_target.len, d->remote_target.p);
        if (n < 0 || (size_t)n >= sizeof(v))
            return RG_ELIMIT;
        rc = rg_sip_msg_add(m, arena, RG_STR_LIT("Route"), rg_str_make(v, (size_t)n));
    }
    if (rc == RG_OK)
        *out = m;
    return rc;
}

static int build(struct rg_sip_dialog *d, struct rg_arena *arena, struct rg_str method,
                 uint32_t cseq, const struct rg_sip_via_spec *via, const struct rg_rng *rng,
                 struct rg_sip_msg **out)
{
    struct rg_sip_msg *m;
    int rc = route_request(d, arena, method, &m);
    if (rc == RG_OK)
        rc = rg_sip_add_via(m, arena, via, rng);
    if (rc == RG_OK)
        rc = rg_sip_msg_insert(m, arena, 1, RG_STR_LIT("Max-Forwards"), RG_STR_LIT("70"));
    if (rc == RG_OK)
        rc = rg_sip_msg_add(m, arena, RG_STR_LIT("From"), d->local_addr);
    if (rc == RG_OK)
        rc = rg_sip_msg_add(m, arena, RG_STR_LIT("To"), d->remote_addr);
    if (rc == RG_OK)
        rc = rg_sip_msg_add(m, arena, RG_STR_LIT("Call-ID"), d->call_id);
    if (rc == RG_OK)
        rc = add_cseq(m, arena, cseq, method);
    if (rc == RG_OK && (is_method(method, "INVITE") || is_method(method, "UPDATE")) &&
        d->local_contact.len)
        rc = add_contact(m, arena, d->local_contact);
    if (rc != RG_OK)
        return rc;
    return finish(m, arena, out);
}

int rg_sip_dialog_request(struct rg_sip_dialog *d, struct rg_arena *arena, const char *method,
                          const struct rg_sip_via_spec *via, const struct rg_rng *rng,
                          struct rg_sip_msg **out)
{
    struct rg_str meth = cs(method);
    if (is_method(meth, "ACK") || is_method(meth, "CANCEL") || d->state == RG_SIP_DLG_TERMINATED)
        return RG_EINVAL;
    bool offer = is_method(meth, "INVITE") || is_method(meth, "UPDATE");
    if (offer && d->local_invite_pending)
        return RG_ESTATE;
    if (d->local_seq >= UINT32_MAX - 1)
        return RG_ELIMIT;
    int rc = build(d, arena, meth, d->local_seq + 1, via, rng, out);
    if (rc != RG_OK)
        return rc;
    d->local_seq++;
    if (offer)
        d->local_invite_pending = true;
    return RG_OK;
}

int rg_sip_dialog_ack(struct rg_sip_dialog *d, struct rg_arena *arena, uint32_t invite_cseq,
                      const struct rg_sip_via_spec *via, const struct rg_rng *rng,
                      struct rg_sip_msg **out)
{
    return build(d, arena, RG_STR_LIT("ACK"), invite_cseq, via, rng, out);
}

static bool has_tag(const struct rg_sip_tokens *t, const char *tag)
{
    for (size_t i = 0; i < t->n; i++)
        if (rg_str_caseeq_cstr(t->v[i], tag))
            return true;
    return false;
}

static int rseq_of(const struct rg_sip_msg *r, uint32_t *rseq)
{
    const struct rg_sip_hdr *h = rg_sip_msg_find(r, RG_STR_LIT("RSeq"), NULL);
    uint32_t v;
    if (r->is_request || r->status <= 100 || r->status >= 200 || !has_tag(&r->require, "100rel") ||
        !h || rg_str_to_u32(h->value, UINT32_MAX, &v) != RG_OK || v == 0)
        return RG_EINVAL;
    *rseq = v;
    return RG_OK;
}

int rg_sip_dialog_rel_1xx(struct rg_sip_dialog *d, const struct rg_sip_msg *resp, uint32_t *rseq)
{
    uint32_t v;
    if (rseq_of(resp, &v) != RG_OK)
        return RG_EINVAL;
    if (d->rseq_seen && v == d->last_rseq)
        return RG_EEXIST; /* retransmission (RFC 3262 §4) */
    if (d->rseq_seen && v != d->last_rseq + 1)
        return RG_EPROTO;
    d->rseq_seen = true;
    d->last_rseq = v;
    *rseq = v;
    return RG_OK;
}

int rg_sip_dialog_prack(struct rg_sip_dialog *d, struct rg_arena *arena,
                        const struct rg_sip_msg *resp, const struct rg_sip_via_spec *via,
                        const struct rg_rng *rng, struct rg_sip_msg **out)
{
    uint32_t rseq;
    if (rseq_of(resp, &rseq) != RG_OK)
        return RG_EINVAL;
    char v[96];
    int n = snprintf(v, sizeof(v), "%u %u %.*s", (unsigned)rseq, (unsigned)resp->cseq,
                     (int)resp->cseq_method.len, resp->cseq_method.p);
    if (n < 0 || (size_t)n >= sizeof(v))
        return RG_EINVAL;
    struct rg_sip_msg *m;
    int rc = rg_sip_dialog_request(d, arena, "PRACK", via, rng, &m);
    if (rc == RG_OK)
        rc = rg_sip_msg_add(m, arena, RG_STR_LIT("RAck"), rg_str_make(v, (size_t)n));
    if (rc != RG_OK)
        return rc;
    return finish(m, arena, out);
}

int rg_sip_rack_parse(const struct rg_sip_msg *prack, uint32_t *rseq, uint32_t *cseq,
                      struct rg_str *method)
{
    const struct rg_sip_hdr *h = rg_sip_msg_find(prack, RG_STR_LIT("RAck"), NULL);
    if (!h)
        return RG_ENOTFOUND;
    struct rg_str s = h->value;
    long sp = rg_str_find_char(s, ' ');
    if (sp <= 0)
        return RG_EBADMSG;
    uint32_t r, c;
    struct rg_str meth;
    if (rg_str_to_u32(rg_str_head(s, (size_t)sp), UINT32_MAX, &r) != RG_OK ||
        rg_sip_hdr_cseq(rg_str_trim(rg_str_from(s, (size_t)sp + 1)), &c, &meth) != RG_OK)
        return RG_EBADMSG;
    *rseq = r;
    *cseq = c;
    *method = meth;
    return RG_OK;
}

int64_t rg_sip_glare_retry_us(const struct rg_sip_dialog *d, const struct rg_rng *rng)
{
    uint32_t r = rg_rng_u32(rng);
    if (!d->is_uas)
        return (2100 + 10 * (int64_t)(r % 191)) * 1000; /* 2.1 .. 4.0 s */
    return 10 * (int64_t)(r % 201) * 1000;              /* 0 .. 2.0 s */
}
