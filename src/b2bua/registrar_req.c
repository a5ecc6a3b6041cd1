/*
 * registrar_req.c — processing one REGISTER (RFC 3261 §10.3 steps 1-8,
 * RFC 5626 §6 for +sip.instance/reg-id) and its digest authentication
 * (RFC 7616 §3.3-§3.4, RFC 8760 for SIP).  See registrar.h.
 */
#include <string.h>

#include "b2bua/digest.h"
#include "b2bua/registrar.h"
#include "b2bua/registrar_priv.h"
#include "core/alloc.h"

/* One Contact of the request and what it will do to the table. */
struct reg_contact {
    const struct rg_sip_addr *a;
    uint32_t expires_s;
    struct rg_str instance;
    uint32_t reg_id;
    bool has_reg_id;
    bool skip;                 /* a later Contact of the request has the same key */
    long match;                /* slot of the binding it updates, or -1 */
    struct rg_reg_bind *fresh; /* the new block (NULL: a removal) */
};

struct reg_req {
    const struct rg_sip_msg *req;
    int64_t now_us;
    uint64_t flow_conn;
    unsigned flow_listener;
    const struct rg_addr *src;
    char aor[RG_REG_AOR_MAX];
    size_t aor_len, user_len;
    struct rg_str user, host; /* views into aor */
    bool star, outbound;
    struct reg_contact c[RG_REG_MAX_CONTACTS];
    size_t n;
};

static const char *reason_of(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 423:
        return "Interval Too Brief";
    case 503:
        return "Service Unavailable";
    default:
        return "Server Internal Error";
    }
}

/* Step 5: the address-of-record is the To URI reduced to user@host. */
static int aor_from_to(struct reg_req *rr)
{
    const struct rg_sip_uri *u = &rr->req->to->uri;
    if ((u->scheme != RG_SIP_SCHEME_SIP && u->scheme != RG_SIP_SCHEME_SIPS) || u->host.len == 0)
        return 400;
    size_t ulen = u->user.p ? u->user.len : 0;
    size_t need = ulen + (ulen ? 1 : 0) + u->host.len;
    if (need >= sizeof(rr->aor))
        return 400;
    if (ulen) {
        memcpy(rr->aor, u->user.p, ulen);
        rr->aor[ulen] = '@';
    }
    memcpy(rr->aor + (ulen ? ulen + 1 : 0), u->host.p, u->host.len);
    rr->aor_len = need;
    rr->user_len = ulen;
    rr->user = rg_str_make(rr->aor, ulen);
    rr->host = rg_str_make(rr->aor + (ulen ? ulen + 1 : 0), u->host.len);
    return 0;
}

/* ---- authentication (step 3) and authorization (step 4) ---- */

static int challenge(struct rg_reg *r, struct reg_req *rr, bool stale)
{
    char nonce[RG_REG_NONCE_LEN + 1];
    if (rg_reg_nonce_make(r, rr->now_us, nonce) != RG_OK)
        return 500;
    enum rg_digest_alg order[2] = { RG_DIGEST_SHA256, RG_DIGEST_MD5 };
    if (r->md5_first) {
        order[0] = RG_DIGEST_MD5;
        order[1] = RG_DIGEST_SHA256;
    }
    /* RFC 8760 §2.4: one challenge per algorithm, in order of preference
     * (see md5_first in registrar.h for why MD5 comes last). */
    for (int i = 0; i < 2; i++) {
        if (rg_buf_appendf(&r->hdrs,
                           "WWW-Authenticate: Digest realm=\"%s\", nonce=\"%s\", "
                           "algorithm=%s, qop=\"auth\"%s\r\n",
                           r->realm, nonce, rg_digest_alg_name(order[i]),
                           stale ? ", stale=true" : "") != RG_OK)
            return 500;
    }
    return 401;
}

static const struct rg_reg_cuser *find_user(const struct rg_reg *r,
                                            const struct rg_digest_creds *cr)
{
    for (size_t i = 0; i < r->n_users; i++) {
        const struct rg_reg_cuser *u = &r->users[i];
        if (!cr->userhash) {
            if (strcmp(u->username, cr->username) == 0)
                return u;
            continue;
        }
        /* RFC 7616 §3.4.4: userhash = H(unq(username) ":" unq(realm)). */
        char h[RG_DIGEST_HEX_MAX];
        struct rg_str parts[2] = { rg_str_from_cstr(u->username), rg_str_from_cstr(r->realm) };
        if (rg_digest_hash_join(cr->alg, parts, 2, h) == RG_OK &&
            rg_digest_hex_equal(h, cr->username))
            return u;
    }
    return NULL;
}

/* The Authorization header for our realm: 0 found, else a status. */
static int pick_creds(const struct rg_reg *r, const struct rg_sip_msg *req,
                      struct rg_digest_creds *cr)
{
    size_t pos = 0;
    const struct rg_sip_hdr *h;
    bool bad = false, any = false;
    while ((h = rg_sip_msg_find(req, RG_STR_LIT("Authorization"), &pos)) != NULL) {
        int rc = rg_digest_parse(h->value, cr);
        any = true;
        if (rc == RG_EBADMSG)
            bad = true;
        if (rc == RG_OK && strcmp(cr->realm, r->realm) == 0)
            return 0;
    }
    return (bad && any) ? 400 : 401;
}

static int verify_creds(struct rg_reg *r, struct reg_req *rr, const struct rg_digest_creds *cr,
                        const struct rg_reg_cuser **who)
{
    bool with_qop = cr->qop[0] != '\0';
    if (with_qop && strcmp(cr->qop, "auth") != 0)
        return challenge(r, rr, false); /* we offered qop="auth" only */
    if (with_qop && (!cr->cnonce[0] || !cr->nc[0]))
        return 400;
    /* RFC 7616 §3.4.6: the digest-uri must name the request's target. */
    if (!rg_str_eq_cstr(rr->req->ruri_text, cr->uri))
        return 400;
    const struct rg_reg_cuser *u = find_user(r, cr);
    int nonce_rc = rg_reg_nonce_check(r, rr->now_us, cr->nonce);
    if (!u || nonce_rc == RG_EAUTH)
        return challenge(r, rr, false);
    char want[RG_DIGEST_HEX_MAX];
    struct rg_digest_input in = {
        .alg = cr->alg, .sess = cr->sess, .username = u->username, .realm = r->realm,
        .password = u->password, .method = "REGISTER", .uri = cr->uri, .nonce = cr->nonce,
        .nc = cr->nc, .cnonce = cr->cnonce, .qop = cr->qop,
    };
    if (rg_digest_response(&in, want) != RG_OK)
        return 500;
    if (!rg_digest_hex_equal(want, cr->response))
        return challenge(r, rr, false);
    /* A right answer to an old nonce: ask again without asking for the
     * password again (RFC 7616 §3.3 stale). */
    if (nonce_rc == RG_ETIMEDOUT)
        return challenge(r, rr, true);
    *who = u;
    return 0;
}

static int authenticate(struct rg_reg *r, struct reg_req *rr)
{
    if (r->n_users == 0)
        return 0;
    struct rg_digest_creds cr;
    int st = pick_creds(r, rr->req, &cr);
    if (st == 401)
        return challenge(r, rr, false);
    if (st != 0)
        return st;
    const struct rg_reg_cuser *u = NULL;
    st = verify_creds(r, rr, &cr, &u);
    if (st != 0)
        return st;
    /* Step 4: the authenticated user may change only its own AoR. */
    if (!rg_sip_escaped_equal(rr->user, rg_str_from_cstr(u->username), false))
        return 403;
    return 0;
}

/* ---- contacts (step 6) ---- */

/* Expires header (RFC 3261 §20.19): -1 absent, else seconds (capped). */
static int header_expires(const struct rg_sip_msg *req, int64_t *out)
{
    const struct rg_sip_hdr *h = rg_sip_msg_find(req, RG_STR_LIT("Expires"), NULL);
    *out = -1;
    if (!h)
        return 0;
    uint64_t v = 0;
    int rc = rg_str_to_u64(rg_str_trim(h->value), UINT64_MAX, &v);
    if (rc == RG_EBADMSG)
        return 400;
    *out = (rc == RG_ELIMIT || v > UINT32_MAX) ? (int64_t)UINT32_MAX : (int64_t)v;
    return 0;
}

static int contact_params(struct rg_reg *r, struct reg_contact *c, int64_t hdr_expires)
{
    const struct rg_sip_param *p = rg_sip_param_find(&c->a->params, "expires");
    uint64_t v = hdr_expires >= 0 ? (uint64_t)hdr_expires : r->default_expires_s;
    if (p) {
        int rc = p->value.p ? rg_str_to_u64(p->value, UINT64_MAX, &v) : RG_EBADMSG;
        if (rc == RG_EBADMSG)
            return 400;
        if (rc == RG_ELIMIT)
            v = UINT32_MAX;
    }
    if (v != 0 && v < r->min_expires_s)
        return 423;
    c->expires_s = v > r->max_expires_s ? r->max_expires_s : (uint32_t)v;
    /* RFC 5626 §6: with +sip.instance and reg-id the binding is keyed by
     * them, not by the Contact URI (a reg-id alone is ignored). */
    const struct rg_sip_param *inst = rg_sip_param_find(&c->a->params, "+sip.instance");
    const struct rg_sip_param *rid = rg_sip_param_find(&c->a->params, "reg-id");
    if (inst && inst->value.p && inst->value.len > 0) {
        if (inst->value.len > RG_REG_INSTANCE_MAX)
            return 400;
        c->instance = inst->value;
    }
    if (rid && c->instance.len > 0) {
        uint32_t id = 0;
        if (!rid->value.p || rg_str_to_u32(rid->value, 0x7fffffffu, &id) != RG_OK || id == 0)
            return 400;
        c->reg_id = id;
        c->has_reg_id = true;
    }
    if (c->a->uri.raw.len > RG_REG_CONTACT_MAX)
        return 400;
    return 0;
}

/* Same binding key: instance + reg-id for outbound, else URI equality. */
static bool same_key(const struct reg_contact *a, const struct reg_contact *b)
{
    if (a->has_reg_id || b->has_reg_id)
        return a->has_reg_id && b->has_reg_id && a->reg_id == b->reg_id &&
               rg_str_eq(a->instance, b->instance);
    return rg_sip_uri_equal(&a->a->uri, &b->a->uri);
}

static int plan_contacts(struct rg_reg *r, struct reg_req *rr)
{
    const struct rg_sip_addrs *cs = &rr->req->contacts;
    int64_t hdr_expires;
    int st = header_expires(rr->req, &hdr_expires);
    if (st != 0)
        return st;
    for (size_t i = 0; i < cs->n; i++)
        rr->star |= cs->v[i].star;
    if (rr->star) /* §10.3 step 6: "*" only alone and with Expires: 0 */
        return (cs->n == 1 && hdr_expires == 0) ? 0 : 400;
    if (cs->n > RG_REG_MAX_CONTACTS)
        return 503;
    size_t with_reg_id = 0;
    for (size_t i = 0; i < cs->n; i++) {
        struct reg_contact *c = &rr->c[i];
        memset(c, 0, sizeof(*c));
        c->a = &cs->v[i];
        c->match = -1;
        st = contact_params(r, c, hdr_expires);
        if (st != 0)
            return st;
        with_reg_id += c->has_reg_id;
        for (size_t j = 0; j < i; j++)
            rr->c[j].skip |= same_key(&rr->c[j], c);
    }
    rr->n = cs->n;
    /* RFC 5626 §6: more than one Contact with a reg-id is refused. */
    if (with_reg_id > 1)
        return 400;
    rr->outbound = with_reg_id == 1;
    return 0;
}

/* ---- matching existing bindings (step 7) ---- */

static bool bind_matches(struct rg_reg *r, const struct rg_reg_bind *b,
                         const struct reg_contact *c)
{
    if (c->has_reg_id || b->has_reg_id)
        return c->has_reg_id && b->has_reg_id && b->reg_id == c->reg_id &&
               rg_str_eq(b->instance, c->instance);
    struct rg_sip_uri u;
    rg_arena_reset(&r->scratch);
    if (rg_sip_uri_parse(b->contact, RG_SIP_URI_WHOLE, &r->scratch, &u, NULL) != RG_OK)
        return rg_str_eq(b->contact, c->a->uri.raw);
    return rg_sip_uri_equal(&u, &c->a->uri);
}

/* §10.3 step 7: the same Call-ID with a CSeq not above the binding's is
 * an out-of-order request: the whole update fails. */
static bool out_of_order(const struct reg_req *rr, const struct rg_reg_bind *b)
{
    return rg_str_eq(b->call_id, rr->req->call_id) && rr->req->cseq <= b->cseq;
}

static int match_star(struct rg_reg *r, struct reg_req *rr, size_t *removed)
{
    for (unsigned i = 0; i < r->n_slots; i++) {
        const struct rg_reg_bind *b = r->slots[i];
        if (!b || !rg_reg_bind_aor_is(b, rr->user, rr->host))
            continue;
        if (out_of_order(rr, b))
            return 500;
        (*removed)++;
    }
    return 0;
}

static int match_contacts(struct rg_reg *r, struct reg_req *rr, size_t *aor_now, size_t *adds,
                          size_t *removes)
{
    for (unsigned i = 0; i < r->n_slots; i++) {
        const struct rg_reg_bind *b = r->slots[i];
        if (!b || !rg_reg_bind_aor_is(b, rr->user, rr->host))
            continue;
        (*aor_now)++;
        for (size_t k = 0; k < rr->n; k++) {
            struct reg_contact *c = &rr->c[k];
            if (c->skip || c->match >= 0 || !bind_matches(r, b, c))
                continue;
            if (out_of_order(rr, b))
                return 500;
            c->match = (long)i;
            *removes += c->expires_s == 0;
        }
    }
    for (size_t k = 0; k < rr->n; k++)
        *adds += !rr->c[k].skip && rr->c[k].match < 0 && rr->c[k].expires_s > 0;
    return 0;
}

static struct rg_reg_bind *new_bind(struct rg_reg *r, const struct reg_req *rr,
                                    const struct reg_contact *c)
{
    struct rg_str parts[4] = { rg_str_make(rr->aor, rr->aor_len), c->a->uri.raw, c->instance,
                               rr->req->call_id };
    size_t total = 0;
    for (int i = 0; i < 4; i++)
        total += parts[i].len;
    struct rg_reg_bind *b = rg_calloc(1, sizeof(*b) + total + 1);
    if (!b)
        return NULL;
    struct rg_str *dst[4] = { &b->aor, &b->contact, &b->instance, &b->call_id };
    char *p = b->data;
    for (int i = 0; i < 4; i++) {
        if (parts[i].len)
            memcpy(p, parts[i].p, parts[i].len);
        *dst[i] = rg_str_make(p, parts[i].len);
        p += parts[i].len;
    }
    b->user_len = rr->user_len;
    b->expires_us = rr->now_us + (int64_t)c->expires_s * 1000000;
    b->seq = ++r->seq;
    b->flow_conn = rr->flow_conn;
    b->flow_listener = rr->flow_listener;
    b->src = *rr->src;
    b->cseq = rr->req->cseq;
    b->reg_id = c->reg_id;
    b->has_reg_id = c->has_reg_id;
    return b;
}

static void drop_fresh(struct reg_req *rr)
{
    for (size_t k = 0; k < rr->n; k++) {
        rg_free(rr->c[k].fresh);
        rr->c[k].fresh = NULL;
    }
}

/* Checks order and capacity, allocates the new blocks: 0 or a status. */
static int prepare(struct rg_reg *r, struct reg_req *rr)
{
    size_t aor_now = 0, adds = 0, removes = 0;
    int st = rr->star ? match_star(r, rr, &removes)
                      : match_contacts(r, rr, &aor_now, &adds, &removes);
    if (st != 0 || rr->star)
        return st;
    /* Only additions can overflow (a refresh always fits, even after the
     * limit was lowered by rg_reg_reconfigure). */
    if (adds > 0 && (aor_now - removes + adds > RG_REG_MAX_PER_AOR ||
                     r->n - removes + adds > r->max_bindings))
        return 503;
    for (size_t k = 0; k < rr->n; k++) {
        struct reg_contact *c = &rr->c[k];
        if (c->skip || c->expires_s == 0)
            continue;
        c->fresh = new_bind(r, rr, c);
        if (!c->fresh) {
            drop_fresh(rr);
            return 500;
        }
    }
    return 0;
}

/* Cannot fail: every block was allocated by prepare(). */
static void commit(struct rg_reg *r, struct reg_req *rr)
{
    if (rr->star) {
        for (unsigned i = 0; i < r->n_slots; i++) {
            if (r->slots[i] && rg_reg_bind_aor_is(r->slots[i], rr->user, rr->host)) {
                rg_free(r->slots[i]);
                r->slots[i] = NULL;
                r->n--;
            }
        }
        return;
    }
    /* Updates and removals in place first, so that additions find the
     * slots the removals free (prepare() counted them). */
    for (size_t k = 0; k < rr->n; k++) {
        struct reg_contact *c = &rr->c[k];
        if (c->skip || c->match < 0)
            continue;
        rg_free(r->slots[c->match]);
        r->slots[c->match] = c->fresh;
        r->n -= c->fresh ? 0 : 1;
        c->fresh = NULL;
    }
    unsigned free_slot = 0;
    for (size_t k = 0; k < rr->n; k++) {
        struct reg_contact *c = &rr->c[k];
        if (c->skip || !c->fresh)
            continue;
        while (r->slots[free_slot])
            free_slot++;
        r->slots[free_slot] = c->fresh;
        r->n++;
        c->fresh = NULL;
    }
}

/* Step 8: 200 lists every binding of the AoR with its remaining time. */
static int build_ok(struct rg_reg *r, struct reg_req *rr)
{
    for (unsigned i = 0; i < r->n_slots; i++) {
        const struct rg_reg_bind *b = r->slots[i];
        if (!b || b->expires_us <= rr->now_us || !rg_reg_bind_aor_is(b, rr->user, rr->host))
            continue;
        int64_t left_s = (b->expires_us - rr->now_us + 999999) / 1000000;
        int rc = rg_buf_appendf(&r->hdrs, "Contact: <%.*s>;expires=%lld", (int)b->contact.len,
                                b->contact.p, (long long)left_s);
        if (rc == RG_OK && b->has_reg_id)
            rc = rg_buf_appendf(&r->hdrs, ";+sip.instance=%.*s;reg-id=%u",
                                (int)b->instance.len, b->instance.p, b->reg_id);
        if (rc == RG_OK)
            rc = rg_buf_append_cstr(&r->hdrs, "\r\n");
        if (rc != RG_OK)
            return 500;
    }
    /* RFC 5626 §6: a registrar that applied outbound says so. */
    if (rr->outbound && rg_buf_append_cstr(&r->hdrs, "Require: outbound\r\n") != RG_OK)
        return 500;
    return 200;
}

static int process(struct rg_reg *r, struct reg_req *rr)
{
    int st = aor_from_to(rr);
    if (st == 0)
        st = authenticate(r, rr);
    if (st == 0 && rr->req->contacts.n == 0)
        return build_ok(r, rr); /* §10.3 step 6: a query */
    if (st == 0)
        st = plan_contacts(r, rr);
    if (st == 423) {
        if (rg_buf_appendf(&r->hdrs, "Min-Expires: %u\r\n", r->min_expires_s) != RG_OK)
            return 500;
        return 423;
    }
    if (st == 0)
        st = prepare(r, rr);
    if (st != 0)
        return st;
    commit(r, rr);
    return build_ok(r, rr);
}

int rg_reg_handle_register(struct rg_reg *r, int64_t now_us, const struct rg_sip_msg *req,
                           uint64_t flow_conn, unsigned flow_listener, const struct rg_addr *src,
                           struct rg_reg_reply *out)
{
    if (!r || !req || !src || !out || !req->is_request ||
        !rg_str_eq_cstr(req->method, "REGISTER"))
        return RG_EINVAL;
    rg_buf_reset(&r->hdrs);
    int st = 400;
    if (req->to && req->call_id.p && req->has_cseq) {
        struct reg_req rr = { .req = req, .now_us = now_us, .flow_conn = flow_conn,
                              .flow_listener = flow_listener, .src = src };
        st = req->call_id.len > RG_REG_CALLID_MAX ? 400 : process(r, &rr);
    }
    rg_arena_reset(&r->scratch);
    if (st != 200 && st != 401 && st != 423)
        rg_buf_reset(&r->hdrs);
    out->status = st;
    out->reason = reason_of(st);
    out->hdrs = rg_buf_str(&r->hdrs);
    return RG_OK;
}
