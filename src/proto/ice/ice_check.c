/* ice_check.c — connectivity checks: sending, pacing and retransmitting
 * (RFC 8445 §6.1.4, §7.2, §14; RFC 8489 §6.2.1), answering (§7.3), role
 * conflicts (§7.3.1.1, §7.2.5.1), peer-reflexive learning (§7.3.1.3,
 * §7.2.5.3.1) and nomination (§8.1.1, §7.3.1.5). */
#include "proto/ice/ice_impl.h"

#include <string.h>

/* RFC 8489 §6.2.1: after the last of Rc transmissions wait Rm * RTO. */
#define RG_ICE_RM 16

int rg_ice_build_request(struct rg_ice_agent *a, uint8_t *buf, const uint8_t *txid, uint32_t prio,
                         uint8_t role, bool use_cand)
{
    /* §7.2.2: USERNAME is "remote-ufrag:local-ufrag"; both are <= 256. */
    char user[2 * RG_ICE_CRED_MAX + 2];
    size_t ul = strlen(a->rufrag), ll = strlen(a->lufrag);
    memcpy(user, a->rufrag, ul);
    user[ul] = ':';
    memcpy(user + ul + 1, a->lufrag, ll);
    struct rg_stun_builder b;
    rg_stun_build_init(&b, buf, RG_ICE_MAX_PACKET, RG_STUN_BINDING, RG_STUN_REQUEST, txid);
    rg_stun_add(&b, RG_STUN_A_USERNAME, user, ul + 1 + ll);
    rg_stun_add_u32(&b, RG_STUN_A_PRIORITY, prio);
    rg_stun_add_u64(
        &b, role == RG_ICE_CONTROLLING ? RG_STUN_A_ICE_CONTROLLING : RG_STUN_A_ICE_CONTROLLED,
        a->tiebreaker);
    if (use_cand)
        rg_stun_add_flag(&b, RG_STUN_A_USE_CANDIDATE);
    rg_stun_add_integrity(&b, &a->rkey);
    rg_stun_add_fingerprint(&b);
    return rg_stun_build_finish(&b);
}

/* §7.1.1: PRIORITY is what a peer-reflexive candidate learned from this
 * check would get: type prflx, the local candidate's local preference. */
static uint32_t request_priority(const struct rg_ice_cand *l)
{
    if (l->type == RG_ICE_PRFLX)
        return l->priority;
    return rg_ice_priority(RG_ICE_PRFLX, (l->priority >> 8) & 0xFFFF, l->component);
}

static void txn_transmit(struct rg_ice_agent *a, int64_t now_us, const struct rg_ice_cand *l,
                         const struct rg_addr *dest, struct rg_ice_txn *t)
{
    uint8_t *buf = rg_ice_tx_slot(a);
    if (buf) {
        int n = rg_ice_build_request(a, buf, t->txid, request_priority(l), t->role, t->use_cand);
        if (n > 0)
            rg_ice_tx_commit(a, l->socket_id, dest, (size_t)n);
    }
    t->sent++;
    if (t->sent < a->cfg.max_transmits) {
        t->next_us = now_us + (int64_t)t->rto_ms * 1000;
        if (t->rto_ms < 60000)
            t->rto_ms *= 2;
    } else {
        t->next_us = now_us + (int64_t)a->cfg.rto_ms * RG_ICE_RM * 1000;
    }
}

/* Keeps a superseded transaction's ID so a late response still counts. */
void rg_ice_txn_cancel(struct rg_ice_txn *t, int64_t now_us, uint32_t rto_ms)
{
    if (!t->active)
        return;
    t->has_old = true;
    t->old_use_cand = t->use_cand;
    t->old_role = t->role;
    t->old_until_us = now_us + (int64_t)rto_ms * RG_ICE_RM * 1000;
    memcpy(t->old_txid, t->txid, RG_STUN_TXID_LEN);
    t->active = false;
}

void rg_ice_txn_start(struct rg_ice_agent *a, int64_t now_us, struct rg_ice_txn *t)
{
    rg_ice_txn_cancel(t, now_us, a->cfg.rto_ms);
    rg_stun_txid_new(a->cfg.rng, t->txid);
    t->active = true;
    t->sent = 0;
    t->role = a->role;
    t->rto_ms = a->cfg.rto_ms;
}

void rg_ice_send_check(struct rg_ice_agent *a, int64_t now_us, size_t p, bool use_cand)
{
    struct rg_ice_pair *pr = &a->pairs[p];
    rg_ice_txn_start(a, now_us, &pr->txn);
    pr->txn.use_cand = use_cand;
    /* §14.3: RTO = MAX(500 ms, N * Ta), N the pairs waiting or in progress. */
    uint32_t n = (uint32_t)(rg_ice_agent_pair_count(a, RG_ICE_PAIR_WAITING) +
                            rg_ice_agent_pair_count(a, RG_ICE_PAIR_IN_PROGRESS));
    if (n * a->cfg.ta_ms > pr->txn.rto_ms)
        pr->txn.rto_ms = n * a->cfg.ta_ms;
    pr->state = RG_ICE_PAIR_IN_PROGRESS;
    txn_transmit(a, now_us, &a->lc[pr->local], &a->rc[pr->remote].addr, &pr->txn);
}

static void pair_timeouts(struct rg_ice_agent *a, int64_t now_us)
{
    for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++) {
        struct rg_ice_pair *p = &a->pairs[i];
        if (!p->used)
            continue;
        if (p->txn.has_old && now_us >= p->txn.old_until_us)
            p->txn.has_old = false;
        if (!p->txn.active || now_us < p->txn.next_us)
            continue;
        if (p->txn.sent < a->cfg.max_transmits) {
            txn_transmit(a, now_us, &a->lc[p->local], &a->rc[p->remote].addr, &p->txn);
            continue;
        }
        /* §7.2.5.2.4 / RFC 8489 §6.2.1: no response: the check failed.
         * A pair that already succeeded (a re-check or a nomination that
         * went unanswered) stays valid; the nomination may be retried. */
        p->txn.active = false;
        p->want_use_cand = false;
        if (!p->valid && p->state != RG_ICE_PAIR_SUCCEEDED)
            p->state = RG_ICE_PAIR_FAILED;
        else
            p->state = RG_ICE_PAIR_SUCCEEDED;
    }
}

static bool better_pending(const struct rg_ice_agent *a, uint8_t comp, uint64_t prio)
{
    for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++) {
        const struct rg_ice_pair *p = &a->pairs[i];
        if (p->used && a->lc[p->local].component == comp && p->priority > prio &&
            p->state != RG_ICE_PAIR_FAILED && p->state != RG_ICE_PAIR_SUCCEEDED)
            return true;
    }
    return false;
}

/* The highest-priority valid pair of a component (-1: none); *busy tells
 * whether a nomination for it is already under way. */
static int best_valid(const struct rg_ice_agent *a, uint8_t comp, bool *busy)
{
    int best = -1;
    *busy = false;
    for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++) {
        const struct rg_ice_pair *p = &a->pairs[i];
        if (!p->used || a->lc[p->local].component != comp)
            continue;
        *busy |= p->want_use_cand;
        if (p->valid && (best < 0 || p->priority > a->pairs[best].priority))
            best = (int)i;
    }
    return best;
}

/* §8.1.1 regular nomination: once the best pair is valid, or no better one
 * can come soon, repeat its check with USE-CANDIDATE. */
static void maybe_nominate(struct rg_ice_agent *a, int64_t now_us)
{
    if (a->mode != RG_ICE_FULL || a->role != RG_ICE_CONTROLLING || !a->have_remote_creds)
        return;
    for (uint8_t c = 1; c <= a->n_components; c++) {
        bool busy;
        if (a->selected_pair[c] >= 0)
            continue;
        int b = best_valid(a, c, &busy);
        if (b < 0 || busy)
            continue;
        if (better_pending(a, c, a->pairs[b].priority) &&
            now_us < a->first_valid_us + (int64_t)a->cfg.nominate_delay_ms * 1000)
            continue;
        a->pairs[b].want_use_cand = true;
        rg_ice_trig_push(a, (size_t)b);
    }
}

void rg_ice_checks_timeout(struct rg_ice_agent *a, int64_t now_us)
{
    if (a->mode != RG_ICE_FULL)
        return;
    pair_timeouts(a, now_us);
    maybe_nominate(a, now_us);
    if (!a->have_remote_creds || now_us < a->next_pace_us)
        return;
    int p = rg_ice_pick_next_check(a);
    if (p < 0)
        return;
    rg_ice_send_check(a, now_us, (size_t)p, a->pairs[p].want_use_cand);
    a->next_pace_us = now_us + (int64_t)a->cfg.ta_ms * 1000;
}

static int64_t nominate_next_us(const struct rg_ice_agent *a)
{
    if (a->role != RG_ICE_CONTROLLING || !a->has_valid)
        return INT64_MAX;
    for (uint8_t c = 1; c <= a->n_components; c++) {
        bool busy;
        if (a->selected_pair[c] < 0 && best_valid(a, c, &busy) >= 0 && !busy)
            return a->first_valid_us + (int64_t)a->cfg.nominate_delay_ms * 1000;
    }
    return INT64_MAX;
}

int64_t rg_ice_checks_next_us(const struct rg_ice_agent *a)
{
    if (a->mode != RG_ICE_FULL)
        return INT64_MAX;
    int64_t t = INT64_MAX;
    for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++) {
        const struct rg_ice_pair *p = &a->pairs[i];
        if (p->used && p->txn.active && p->txn.next_us < t)
            t = p->txn.next_us;
        if (p->used && p->txn.has_old && p->txn.old_until_us < t)
            t = p->txn.old_until_us;
    }
    if (a->have_remote_creds && rg_ice_has_next_check(a) && a->next_pace_us < t)
        t = a->next_pace_us;
    int64_t n = nominate_next_us(a);
    return n < t ? n : t;
}
