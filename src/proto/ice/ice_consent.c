/* ice_consent.c — consent freshness (RFC 7675) on the media path of each
 * component.
 *
 * Full agent: a Binding request on the selected pair every
 * consent_interval_ms randomised to 0.8..1.2 times (§5.1), retransmitted by
 * RFC 8489 rules until the next one starts; consent is lost
 * consent_timeout_ms after the last authenticated success response.
 *
 * Lite agent: RFC 8445 §2.5 forbids it to send requests, so it cannot ask
 * for consent.  It uses the peer's own consent checks instead (a browser
 * sends them every few seconds, RFC 7675 §5.1): consent is lost when no
 * authenticated request arrived on the path for consent_timeout_ms.  That
 * is what stops media toward a browser within 30 s of it going silent. */
#include "proto/ice/ice_impl.h"

#include <string.h>

static int64_t jittered_interval_us(const struct rg_ice_agent *a)
{
    /* RFC 7675 §5.1: uniformly 0.8..1.2 times the interval. */
    uint32_t r = rg_rng_u32(a->cfg.rng) % 401u;
    return (int64_t)a->cfg.consent_interval_ms * (800 + r);
}

void rg_ice_consent_start(struct rg_ice_agent *a, int64_t now_us, uint8_t comp, size_t p)
{
    const struct rg_ice_pair *pr = &a->pairs[p];
    const struct rg_ice_cand *l = &a->lc[pr->local];
    struct rg_ice_path *path = &a->path[comp];
    memset(path, 0, sizeof(*path));
    path->active = true;
    path->socket_id = l->socket_id;
    path->local = l->base;
    path->remote = a->rc[pr->remote].addr;
    /* The nominating check (or request, for lite) just succeeded. */
    path->last_ok_us = now_us;
    path->next_check_us = now_us + jittered_interval_us(a);
    path->next_keepalive_us = now_us + (int64_t)a->cfg.keepalive_ms * 1000;
}

/* RFC 8445 §11: a lite agent keeps NAT bindings open with Binding
 * Indications carrying only FINGERPRINT (a full agent's consent checks
 * already do that, RFC 7675 §5.1). */
static void keepalive(struct rg_ice_agent *a, int64_t now_us, struct rg_ice_path *p)
{
    p->next_keepalive_us = now_us + (int64_t)a->cfg.keepalive_ms * 1000;
    uint8_t *buf = rg_ice_tx_slot(a);
    if (!buf)
        return;
    uint8_t txid[RG_STUN_TXID_LEN];
    rg_stun_txid_new(a->cfg.rng, txid);
    struct rg_stun_builder b;
    rg_stun_build_init(&b, buf, RG_ICE_MAX_PACKET, RG_STUN_BINDING, RG_STUN_INDICATION, txid);
    rg_stun_add_fingerprint(&b);
    int n = rg_stun_build_finish(&b);
    if (n > 0)
        rg_ice_tx_commit(a, p->socket_id, &p->remote, (size_t)n);
}

static uint32_t path_priority(const struct rg_ice_agent *a, const struct rg_ice_path *p)
{
    int l = rg_ice_local_by_socket(a, p->socket_id);
    const struct rg_ice_cand *c = &a->lc[l < 0 ? 0 : l];
    return rg_ice_priority(RG_ICE_PRFLX, (c->priority >> 8) & 0xFFFF, c->component);
}

static void consent_send(struct rg_ice_agent *a, int64_t now_us, struct rg_ice_path *p)
{
    struct rg_ice_txn *t = &p->txn;
    uint8_t *buf = rg_ice_tx_slot(a);
    if (buf && a->have_remote_creds) {
        int n = rg_ice_build_request(a, buf, t->txid, path_priority(a, p), a->role, false);
        if (n > 0)
            rg_ice_tx_commit(a, p->socket_id, &p->remote, (size_t)n);
    }
    t->sent++;
    t->next_us = now_us + (int64_t)t->rto_ms * 1000;
    if (t->rto_ms < 8000)
        t->rto_ms *= 2;
    if (t->sent >= a->cfg.max_transmits)
        t->active = false;
}

static void lose(struct rg_ice_agent *a, uint8_t comp)
{
    struct rg_ice_path *p = &a->path[comp];
    p->lost = true;
    p->txn.active = false;
    p->txn.has_old = false;
    RG_LOG(a->cfg.log, RG_LOG_NOTICE, ice, a->cfg.log_ctx, "consent lost (component %u)", comp);
    struct rg_ice_event e = {.type = RG_ICE_EV_CONSENT_LOST,
                             .component = comp,
                             .socket_id = p->socket_id,
                             .local = p->local,
                             .remote = p->remote,
                             .role = a->role,
                             .state = a->state};
    rg_ice_emit(a, &e);
}

static void path_timeout(struct rg_ice_agent *a, int64_t now_us, uint8_t comp)
{
    struct rg_ice_path *p = &a->path[comp];
    int64_t idle = now_us - p->last_ok_us;
    if (idle >= (int64_t)a->cfg.consent_timeout_ms * 1000) {
        lose(a, comp);
        return;
    }
    p->disconnected = idle >= (int64_t)a->cfg.disconnect_ms * 1000;
    if (a->mode != RG_ICE_FULL) {
        if (now_us >= p->next_keepalive_us)
            keepalive(a, now_us, p);
        return;
    }
    if (p->txn.has_old && now_us >= p->txn.old_until_us)
        p->txn.has_old = false;
    if (now_us >= p->next_check_us) {
        rg_ice_txn_start(a, now_us, &p->txn);
        p->next_check_us = now_us + jittered_interval_us(a);
        consent_send(a, now_us, p);
    } else if (p->txn.active && now_us >= p->txn.next_us) {
        consent_send(a, now_us, p);
    }
}

void rg_ice_consent_timeout(struct rg_ice_agent *a, int64_t now_us)
{
    for (uint8_t c = 1; c <= 2; c++) {
        if (a->path[c].active && !a->path[c].lost)
            path_timeout(a, now_us, c);
    }
}

static int64_t path_next_us(const struct rg_ice_agent *a, const struct rg_ice_path *p)
{
    int64_t t = p->last_ok_us + (int64_t)a->cfg.consent_timeout_ms * 1000;
    int64_t d = p->last_ok_us + (int64_t)a->cfg.disconnect_ms * 1000;
    if (!p->disconnected && d < t)
        t = d;
    if (a->mode != RG_ICE_FULL)
        return p->next_keepalive_us < t ? p->next_keepalive_us : t;
    if (p->next_check_us < t)
        t = p->next_check_us;
    if (p->txn.active && p->txn.next_us < t)
        t = p->txn.next_us;
    if (p->txn.has_old && p->txn.old_until_us < t)
        t = p->txn.old_until_us;
    return t;
}

int64_t rg_ice_consent_next_us(const struct rg_ice_agent *a)
{
    int64_t t = INT64_MAX;
    for (uint8_t c = 1; c <= 2; c++) {
        const struct rg_ice_path *p = &a->path[c];
        if (!p->active || p->lost)
            continue;
        int64_t n = path_next_us(a, p);
        if (n < t)
            t = n;
    }
    return t;
}

static void refreshed(struct rg_ice_path *p, int64_t now_us)
{
    p->last_ok_us = now_us;
    p->disconnected = false;
}

int rg_ice_consent_response(struct rg_ice_agent *a, int64_t now_us, int sock,
                            const struct rg_addr *from, const struct rg_stun_msg *m)
{
    for (uint8_t c = 1; c <= 2; c++) {
        struct rg_ice_path *p = &a->path[c];
        struct rg_ice_txn *t = &p->txn;
        bool cur = t->active && memcmp(t->txid, m->txid, RG_STUN_TXID_LEN) == 0;
        bool old = t->has_old && memcmp(t->old_txid, m->txid, RG_STUN_TXID_LEN) == 0;
        if (!p->active || p->lost || (!cur && !old))
            continue;
        /* RFC 7675 §5.1: only an authenticated success on the same
         * 5-tuple refreshes consent. */
        if (!a->rkey_ok || rg_stun_check_integrity(m, &a->rkey) != RG_OK)
            return RG_EAUTH;
        if (cur)
            t->active = false;
        else
            t->has_old = false;
        if (m->cls == RG_STUN_SUCCESS && sock == p->socket_id && rg_addr_eq(from, &p->remote))
            refreshed(p, now_us);
        return RG_OK;
    }
    return RG_ENOTFOUND;
}

void rg_ice_consent_request_seen(struct rg_ice_agent *a, int64_t now_us, int sock,
                                 const struct rg_addr *from)
{
    for (uint8_t c = 1; c <= 2; c++) {
        struct rg_ice_path *p = &a->path[c];
        if (p->active && !p->lost && p->socket_id == sock && rg_addr_eq(from, &p->remote))
            refreshed(p, now_us);
    }
}
