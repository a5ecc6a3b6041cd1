/* ice_recv.c — received Binding requests (RFC 8445 §7.3) and responses
 * (§7.2.5): authentication, role conflicts, peer-reflexive candidates,
 * triggered checks and nomination. */
#include "proto/ice/ice_impl.h"

#include <string.h>

/* Attributes a Binding request may carry that this agent understands. */
static const uint16_t known_attrs[] = {
    RG_STUN_A_USERNAME,       RG_STUN_A_MESSAGE_INTEGRITY, RG_STUN_A_MESSAGE_INTEGRITY_SHA256,
    RG_STUN_A_PRIORITY,       RG_STUN_A_USE_CANDIDATE,     RG_STUN_A_XOR_MAPPED_ADDRESS,
    RG_STUN_A_MAPPED_ADDRESS, RG_STUN_A_ERROR_CODE,
};
#define N_KNOWN (sizeof(known_attrs) / sizeof(known_attrs[0]))
#define MAX_UNKNOWN 8

struct reply {
    int code;       /* 0: success */
    bool integrity; /* add MESSAGE-INTEGRITY (local pwd) */
    bool prev;      /* ... of our previous credentials */
    const uint16_t *unknown;
    size_t n_unknown;
};

static const char *reason(int code)
{
    switch (code) {
    case RG_STUN_E_BAD_REQUEST:
        return "Bad Request";
    case RG_STUN_E_UNAUTHORIZED:
        return "Unauthorized";
    case RG_STUN_E_UNKNOWN_ATTRIBUTE:
        return "Unknown Attribute";
    default:
        return "Role Conflict";
    }
}

static void send_reply(struct rg_ice_agent *a, int sock, const struct rg_addr *to,
                       const struct rg_stun_msg *req, const struct reply *r)
{
    uint8_t *buf = rg_ice_tx_slot(a);
    if (!buf)
        return;
    struct rg_stun_builder b;
    rg_stun_build_response(&b, buf, RG_ICE_MAX_PACKET, req,
                           r->code ? RG_STUN_ERROR : RG_STUN_SUCCESS);
    if (r->code) {
        rg_stun_add_error(&b, r->code, rg_str_from_cstr(reason(r->code)));
        if (r->n_unknown)
            rg_stun_add_unknown(&b, r->unknown, r->n_unknown);
    } else {
        /* §7.3.1.2 / RFC 8489 §14.2: the source the request came from. */
        rg_stun_add_xor_addr(&b, RG_STUN_A_XOR_MAPPED_ADDRESS, to);
    }
    if (r->integrity)
        rg_stun_add_integrity(&b, r->prev ? &a->prev_key : &a->lkey);
    rg_stun_add_fingerprint(&b);
    int n = rg_stun_build_finish(&b);
    if (n > 0)
        rg_ice_tx_commit(a, sock, to, (size_t)n);
}

/* USERNAME is "<ufrag>:<peer's ufrag>" (RFC 8445 §7.2.2). */
static bool user_is(struct rg_str user, const char *ufrag)
{
    size_t ll = strlen(ufrag);
    return ll && user.len > ll && memcmp(user.p, ufrag, ll) == 0 && user.p[ll] == ':';
}

/* RFC 8489 §9.1.3 short-term credentials; RFC 8445 §7.3: USERNAME must
 * start with our ufrag and ':'.  During our restart our previous
 * credentials still authenticate (*prev): RFC 8445 §9 keeps media on the
 * old pair until the restart completes, and the peer's consent checks on it
 * (RFC 7675) may still use them.  Returns 0 or the error code to answer. */
static int authenticate(struct rg_ice_agent *a, const struct rg_stun_msg *m, struct rg_str *user,
                        bool *prev)
{
    if (!m->mi_off || rg_stun_get_username(m, user) != RG_OK)
        return RG_STUN_E_BAD_REQUEST;
    *prev = false;
    if (user_is(*user, a->lufrag))
        return rg_stun_check_integrity(m, &a->lkey) == RG_OK ? 0 : RG_STUN_E_UNAUTHORIZED;
    if (!a->prev_key_ok || !user_is(*user, a->prev_lufrag) ||
        rg_stun_check_integrity(m, &a->prev_key) != RG_OK)
        return RG_STUN_E_UNAUTHORIZED;
    *prev = true;
    return 0;
}

/* A request with our previous credentials and the peer's *current* ufrag
 * comes from its new generation: it restarted but never took our new
 * credentials (seen from Chromium after restartIce() when our candidate
 * kept its address).  We go back to the previous ones, which it
 * does have, so both sides' checks authenticate again. */
static bool peer_kept_prev(const struct rg_ice_agent *a, struct rg_str user)
{
    size_t ll = strlen(a->prev_lufrag);
    struct rg_str peer = rg_str_from(user, ll + 1);
    return a->have_remote_creds && rg_str_eq_cstr(peer, a->rufrag);
}

static void switch_role(struct rg_ice_agent *a, uint8_t role)
{
    if (a->role == role)
        return;
    RG_LOG(a->cfg.log, RG_LOG_INFO, ice, a->cfg.log_ctx, "role conflict: now %s",
           role == RG_ICE_CONTROLLING ? "controlling" : "controlled");
    a->role = role;
    rg_ice_pairs_reprioritise(a);
    for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++)
        a->pairs[i].want_use_cand = false;
    struct rg_ice_event e = {.type = RG_ICE_EV_ROLE, .role = role, .state = a->state};
    rg_ice_emit(a, &e);
}

/* §7.3.1.1: returns true when the request must be answered with 487. */
static bool role_conflict(struct rg_ice_agent *a, const struct rg_stun_msg *m)
{
    uint64_t tb;
    if (a->role == RG_ICE_CONTROLLING &&
        rg_stun_get_u64(m, RG_STUN_A_ICE_CONTROLLING, &tb) == RG_OK) {
        if (a->tiebreaker >= tb)
            return true;
        switch_role(a, RG_ICE_CONTROLLED);
    } else if (a->role == RG_ICE_CONTROLLED &&
               rg_stun_get_u64(m, RG_STUN_A_ICE_CONTROLLED, &tb) == RG_OK) {
        /* A lite agent cannot take the controlling role (§6.1.1): the
         * full peer must. */
        if (a->mode == RG_ICE_LITE || a->tiebreaker < tb)
            return true;
        switch_role(a, RG_ICE_CONTROLLING);
    }
    return false;
}

/* §7.3.1.3: the source of a request that matches no remote candidate is a
 * new peer-reflexive candidate with the request's PRIORITY. */
static int remote_for(struct rg_ice_agent *a, const struct rg_addr *from, uint8_t comp,
                      uint32_t prio)
{
    int r = rg_ice_find_remote(a, from, comp);
    if (r >= 0)
        return r;
    struct rg_ice_cand c = {
        .addr = *from, .priority = prio, .type = RG_ICE_PRFLX, .component = comp};
    /* Any unique foundation will do (§7.3.1.3). */
    unsigned seq = a->prflx_seq++ % 100000u;
    c.foundation[0] = 'r';
    for (int i = 6; i >= 1; i--, seq /= 10)
        c.foundation[i] = (char)('0' + seq % 10);
    r = rg_ice_add_remote(a, &c);
    if (r < 0)
        return r;
    struct rg_ice_event e = {.type = RG_ICE_EV_PRFLX_REMOTE,
                             .component = comp,
                             .remote = *from,
                             .role = a->role,
                             .state = a->state};
    rg_ice_emit(a, &e);
    return r;
}

/* §7.3.1.4 triggered check and §7.3.1.5 nomination (full agent). */
static void full_on_request(struct rg_ice_agent *a, int64_t now_us, size_t p, bool use_cand)
{
    struct rg_ice_pair *pr = &a->pairs[p];
    if (pr->state != RG_ICE_PAIR_SUCCEEDED && !a->checks_done) {
        if (pr->state == RG_ICE_PAIR_IN_PROGRESS) {
            /* Cancel: a new transaction replaces it (the old ID stays
             * acceptable, see ice_check.c). */
            rg_ice_txn_cancel(&pr->txn, now_us, a->cfg.rto_ms);
        }
        pr->state = RG_ICE_PAIR_WAITING;
        rg_ice_trig_push(a, p);
    }
    if (!use_cand || a->role != RG_ICE_CONTROLLED)
        return;
    if (pr->state == RG_ICE_PAIR_SUCCEEDED) {
        size_t v = pr->valid_pair != RG_ICE_NONE ? pr->valid_pair : p;
        rg_ice_select(a, now_us, v);
    } else {
        pr->nominate_on_ok = true;
        rg_ice_trig_push(a, p);
    }
}

static void process_request(struct rg_ice_agent *a, int64_t now_us, int sock,
                            const struct rg_addr *from, const struct rg_stun_msg *m)
{
    int l = rg_ice_local_by_socket(a, sock);
    uint32_t prio = 0;
    if (rg_stun_get_u32(m, RG_STUN_A_PRIORITY, &prio) != RG_OK)
        return;
    int r = remote_for(a, from, a->lc[l].component, prio);
    if (r < 0 || a->lc[l].addr.family != from->family)
        return;
    int p = rg_ice_pair_find(a, (size_t)l, (size_t)r);
    bool use_cand = rg_stun_has(m, RG_STUN_A_USE_CANDIDATE);
    if (a->mode == RG_ICE_LITE) {
        if (p < 0)
            p = rg_ice_pair_add(a, (size_t)l, (size_t)r, RG_ICE_PAIR_SUCCEEDED);
        if (p < 0)
            return;
        /* A lite agent's pairs are valid once an authenticated check
         * arrived on them and was answered (RFC 8445 §2.5). */
        a->pairs[p].valid = true;
        a->pairs[p].last_rx_us = now_us;
        rg_ice_consent_request_seen(a, now_us, sock, from);
        if (use_cand)
            rg_ice_select(a, now_us, (size_t)p);
        return;
    }
    if (p < 0)
        p = rg_ice_pair_add(a, (size_t)l, (size_t)r, RG_ICE_PAIR_WAITING);
    if (p >= 0)
        full_on_request(a, now_us, (size_t)p, use_cand);
}

int rg_ice_handle_request(struct rg_ice_agent *a, int64_t now_us, int sock,
                          const struct rg_addr *from, const struct rg_stun_msg *m)
{
    struct reply r = {0};
    struct rg_str user;
    r.code = authenticate(a, m, &user, &r.prev);
    if (r.code) {
        /* 400/401 carry no MESSAGE-INTEGRITY (RFC 8489 §9.1.3). */
        send_reply(a, sock, from, m, &r);
        return RG_EAUTH;
    }
    r.integrity = true;
    uint16_t unk[MAX_UNKNOWN];
    r.n_unknown = rg_stun_unknown_required(m, known_attrs, N_KNOWN, unk, MAX_UNKNOWN);
    if (r.n_unknown) {
        r.unknown = unk;
        r.n_unknown = r.n_unknown > MAX_UNKNOWN ? MAX_UNKNOWN : r.n_unknown;
        r.code = RG_STUN_E_UNKNOWN_ATTRIBUTE;
        send_reply(a, sock, from, m, &r);
        return RG_EPROTO;
    }
    /* §7.1.1: a check without PRIORITY is malformed. */
    if (!rg_stun_has(m, RG_STUN_A_PRIORITY)) {
        r.code = RG_STUN_E_BAD_REQUEST;
        send_reply(a, sock, from, m, &r);
        return RG_EPROTO;
    }
    if (r.prev && !peer_kept_prev(a, user)) {
        /* The peer's old generation (consent on the old pair): answered,
         * not a check of the restarted session. */
        send_reply(a, sock, from, m, &r);
        rg_ice_consent_request_seen(a, now_us, sock, from);
        return RG_OK;
    }
    if (r.prev) {
        rg_ice_prev_creds_revert(a);
        r.prev = false;
    }
    if (role_conflict(a, m)) {
        r.code = RG_STUN_E_ROLE_CONFLICT;
        send_reply(a, sock, from, m, &r);
        return RG_OK;
    }
    send_reply(a, sock, from, m, &r);
    process_request(a, now_us, sock, from, m);
    return RG_OK;
}

/* ---- Responses ------------------------------------------------------- */

/* The pair whose transaction has this ID; *old says it was a cancelled one. */
static int pair_by_txid(const struct rg_ice_agent *a, const uint8_t *txid, bool *old)
{
    for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++) {
        const struct rg_ice_txn *t = &a->pairs[i].txn;
        if (!a->pairs[i].used)
            continue;
        if (t->active && memcmp(t->txid, txid, RG_STUN_TXID_LEN) == 0) {
            *old = false;
            return (int)i;
        }
        if (t->has_old && memcmp(t->old_txid, txid, RG_STUN_TXID_LEN) == 0) {
            *old = true;
            return (int)i;
        }
    }
    return -1;
}

/* §7.2.5.3.1: the local candidate the mapped address names, learning a
 * local peer-reflexive one if it is new.  -1 when none can be had. */
static int local_for(struct rg_ice_agent *a, int sock, const struct rg_addr *mapped,
                     uint32_t req_prio, size_t base)
{
    for (size_t i = 0; i < a->n_lc; i++) {
        if (a->lc[i].socket_id == sock && rg_addr_eq(&a->lc[i].addr, mapped))
            return (int)i;
    }
    if (a->n_lc >= RG_ICE_MAX_LOCAL)
        return -1;
    struct rg_ice_cand *c = &a->lc[a->n_lc];
    *c = a->lc[base];
    c->addr = *mapped;
    c->type = RG_ICE_PRFLX;
    c->priority = req_prio;
    c->foundation[0] = 'p';
    struct rg_ice_event e = {.type = RG_ICE_EV_PRFLX_LOCAL,
                             .component = c->component,
                             .socket_id = sock,
                             .local = *mapped,
                             .role = a->role,
                             .state = a->state};
    rg_ice_emit(a, &e);
    return (int)a->n_lc++;
}

static void check_failed(struct rg_ice_pair *p)
{
    p->state = RG_ICE_PAIR_FAILED;
    p->want_use_cand = false;
}

/* §7.2.5.3: a successful check; returns the index of the valid pair. */
static int check_succeeded(struct rg_ice_agent *a, int64_t now_us, size_t p,
                           const struct rg_addr *mapped)
{
    struct rg_ice_pair *pr = &a->pairs[p];
    const struct rg_ice_cand *l = &a->lc[pr->local];
    uint32_t req_prio =
        l->type == RG_ICE_PRFLX
            ? l->priority
            : rg_ice_priority(RG_ICE_PRFLX, (l->priority >> 8) & 0xFFFF, l->component);
    int nl = local_for(a, l->socket_id, mapped, req_prio, pr->local);
    int v = (int)p;
    if (nl >= 0 && (size_t)nl != pr->local) {
        v = rg_ice_pair_find(a, (size_t)nl, pr->remote);
        if (v < 0)
            v = rg_ice_pair_add(a, (size_t)nl, pr->remote, RG_ICE_PAIR_SUCCEEDED);
        if (v < 0)
            v = (int)p;
    }
    pr->state = RG_ICE_PAIR_SUCCEEDED;
    pr->valid_pair = (uint8_t)v;
    a->pairs[v].valid = true;
    if (a->pairs[v].state != RG_ICE_PAIR_IN_PROGRESS)
        a->pairs[v].state = RG_ICE_PAIR_SUCCEEDED;
    rg_ice_unfreeze_foundation(a, p);
    if (!a->has_valid) {
        a->has_valid = true;
        a->first_valid_us = now_us;
    }
    return v;
}

static int on_success(struct rg_ice_agent *a, int64_t now_us, int sock, const struct rg_addr *from,
                      const struct rg_stun_msg *m, size_t p, bool use_cand)
{
    struct rg_ice_pair *pr = &a->pairs[p];
    struct rg_addr mapped;
    /* §7.2.5.2.1: the response must come back on the same 5-tuple. */
    if (sock != a->lc[pr->local].socket_id || !rg_addr_eq(from, &a->rc[pr->remote].addr) ||
        rg_stun_get_xor_addr(m, RG_STUN_A_XOR_MAPPED_ADDRESS, &mapped) != RG_OK) {
        check_failed(pr);
        return RG_OK;
    }
    int v = check_succeeded(a, now_us, p, &mapped);
    if (use_cand)
        pr->want_use_cand = false;
    /* §8.1.1: the controlling agent's USE-CANDIDATE check succeeded;
     * §7.3.1.5: the controlled agent saw USE-CANDIDATE before success. */
    if ((use_cand && a->role == RG_ICE_CONTROLLING) ||
        (pr->nominate_on_ok && a->role == RG_ICE_CONTROLLED))
        rg_ice_select(a, now_us, (size_t)v);
    return RG_OK;
}

int rg_ice_handle_response(struct rg_ice_agent *a, int64_t now_us, int sock,
                           const struct rg_addr *from, const struct rg_stun_msg *m)
{
    bool old;
    int p = pair_by_txid(a, m->txid, &old);
    if (p < 0)
        return RG_ENOTFOUND;
    /* §7.2.5: responses are authenticated with the peer's password; a
     * failure means discard, no state change. */
    if (!a->rkey_ok || rg_stun_check_integrity(m, &a->rkey) != RG_OK)
        return RG_EAUTH;
    struct rg_ice_txn *t = &a->pairs[p].txn;
    bool use_cand = old ? t->old_use_cand : t->use_cand;
    uint8_t role = old ? t->old_role : t->role;
    if (old)
        t->has_old = false;
    else
        t->active = false;
    /* A cancelled check's success also settles the re-check that replaced
     * it, unless that one nominates. */
    if (old && m->cls == RG_STUN_SUCCESS && t->active && !t->use_cand)
        t->active = false;
    if (m->cls == RG_STUN_SUCCESS)
        return on_success(a, now_us, sock, from, m, (size_t)p, use_cand);
    int code = 0;
    struct rg_str why;
    if (rg_stun_get_error(m, &code, &why) == RG_OK && code == RG_STUN_E_ROLE_CONFLICT) {
        /* §7.2.5.1: take the role opposite to the one we claimed, retry. */
        switch_role(a, role == RG_ICE_CONTROLLING ? RG_ICE_CONTROLLED : RG_ICE_CONTROLLING);
        a->pairs[p].state = RG_ICE_PAIR_WAITING;
        rg_ice_trig_push(a, (size_t)p);
        return RG_OK;
    }
    check_failed(&a->pairs[p]); /* §7.2.5.2.4: other errors fail the check */
    return RG_OK;
}
