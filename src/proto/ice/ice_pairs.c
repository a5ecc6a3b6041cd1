/* ice_pairs.c — candidate pairs, the checklist and selection (RFC 8445 §6.1.2,
 * §6.1.4, §8). */
#include "proto/ice/ice_impl.h"

#include <string.h>

static uint64_t pair_prio(const struct rg_ice_agent *a, const struct rg_ice_pair *p)
{
    uint32_t l = a->lc[p->local].priority, r = a->rc[p->remote].priority;
    /* §6.1.2.3: G is the controlling agent's candidate priority. */
    return a->role == RG_ICE_CONTROLLING ? rg_ice_pair_priority(l, r) : rg_ice_pair_priority(r, l);
}

void rg_ice_pairs_reprioritise(struct rg_ice_agent *a)
{
    for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++) {
        if (a->pairs[i].used)
            a->pairs[i].priority = pair_prio(a, &a->pairs[i]);
    }
}

static bool same_foundation(const struct rg_ice_agent *a, const struct rg_ice_pair *p,
                            const struct rg_ice_pair *q)
{
    return strcmp(a->lc[p->local].foundation, a->lc[q->local].foundation) == 0 &&
           strcmp(a->rc[p->remote].foundation, a->rc[q->remote].foundation) == 0;
}

int rg_ice_pair_find(const struct rg_ice_agent *a, size_t l, size_t r)
{
    for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++) {
        if (a->pairs[i].used && a->pairs[i].local == l && a->pairs[i].remote == r)
            return (int)i;
    }
    return -1;
}

static void trig_remove(struct rg_ice_agent *a, size_t p)
{
    size_t n = 0;
    uint8_t keep[RG_ICE_MAX_PAIRS];
    for (size_t i = 0; i < a->trig_len; i++) {
        uint8_t v = a->trig[(a->trig_head + i) % RG_ICE_MAX_PAIRS];
        if (v != p)
            keep[n++] = v;
    }
    memcpy(a->trig, keep, n);
    a->trig_head = 0;
    a->trig_len = n;
    a->pairs[p].queued = false;
}

static bool pair_in_use(const struct rg_ice_agent *a, size_t i)
{
    const struct rg_ice_pair *p = &a->pairs[i];
    for (int c = 1; c <= 2; c++) {
        if (a->selected_pair[c] == (int64_t)i)
            return true;
    }
    for (size_t j = 0; j < RG_ICE_MAX_PAIRS; j++) {
        if (a->pairs[j].used && a->pairs[j].valid_pair == i)
            return true;
    }
    return p->valid || p->nominated || p->state == RG_ICE_PAIR_IN_PROGRESS;
}

/* §6.1.2.5: the list is bounded; a new pair may replace the lowest-priority
 * pair that carries no state worth keeping. */
static int free_slot(struct rg_ice_agent *a, uint64_t prio)
{
    int victim = -1;
    for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++) {
        if (!a->pairs[i].used)
            return (int)i;
        if (pair_in_use(a, i) || a->pairs[i].priority >= prio)
            continue;
        if (victim < 0 || a->pairs[i].priority < a->pairs[victim].priority)
            victim = (int)i;
    }
    if (victim >= 0) {
        trig_remove(a, (size_t)victim);
        memset(&a->pairs[victim], 0, sizeof(a->pairs[victim]));
    }
    return victim;
}

int rg_ice_pair_add(struct rg_ice_agent *a, size_t l, size_t r, uint8_t state)
{
    struct rg_ice_pair tmp = {.used = true, .local = (uint8_t)l, .remote = (uint8_t)r};
    tmp.priority = pair_prio(a, &tmp);
    int i = free_slot(a, tmp.priority);
    if (i < 0)
        return RG_ELIMIT;
    tmp.state = state;
    tmp.valid_pair = RG_ICE_NONE;
    a->pairs[i] = tmp;
    return i;
}

/* RFC 8445 §6.1.2.6 with trickle (RFC 8838 §8): a new pair waits unless a
 * pair of its foundation is already being checked, in which case it stays
 * frozen until that one succeeds. */
static uint8_t initial_state(const struct rg_ice_agent *a, const struct rg_ice_pair *np)
{
    for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++) {
        const struct rg_ice_pair *p = &a->pairs[i];
        if (!p->used || p == np || !same_foundation(a, p, np))
            continue;
        if (p->state == RG_ICE_PAIR_WAITING || p->state == RG_ICE_PAIR_IN_PROGRESS)
            return RG_ICE_PAIR_FROZEN;
    }
    return RG_ICE_PAIR_WAITING;
}

void rg_ice_pairs_form_remote(struct rg_ice_agent *a, size_t rc_idx)
{
    const struct rg_ice_cand *r = &a->rc[rc_idx];
    if (a->mode != RG_ICE_FULL)
        return; /* lite agents form no checklist (RFC 8445 §6.1) */
    /* §6.1.2.2: pair host candidates of the same component and family;
     * local prflx candidates are never paired (§6.1.2.4 prunes them to
     * their base, which is the host pair already formed here). */
    for (size_t l = 0; l < a->cfg.n_addrs; l++) {
        const struct rg_ice_cand *c = &a->lc[l];
        if (c->component != r->component || c->addr.family != r->addr.family)
            continue;
        if (rg_ice_pair_find(a, l, rc_idx) >= 0)
            continue;
        int p = rg_ice_pair_add(a, l, rc_idx, RG_ICE_PAIR_FROZEN);
        if (p >= 0)
            a->pairs[p].state = initial_state(a, &a->pairs[p]);
    }
}

void rg_ice_trig_push(struct rg_ice_agent *a, size_t p)
{
    if (a->pairs[p].queued || a->trig_len >= RG_ICE_MAX_PAIRS)
        return;
    a->trig[(a->trig_head + a->trig_len) % RG_ICE_MAX_PAIRS] = (uint8_t)p;
    a->trig_len++;
    a->pairs[p].queued = true;
}

/* §7.2.5.3.3: a success unfreezes the pairs of the same foundation. */
void rg_ice_unfreeze_foundation(struct rg_ice_agent *a, size_t p)
{
    for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++) {
        struct rg_ice_pair *q = &a->pairs[i];
        if (q->used && q->state == RG_ICE_PAIR_FROZEN && same_foundation(a, q, &a->pairs[p]))
            q->state = RG_ICE_PAIR_WAITING;
    }
}

void rg_ice_pairs_clear(struct rg_ice_agent *a)
{
    memset(a->pairs, 0, sizeof(a->pairs));
    a->trig_head = a->trig_len = 0;
    a->checks_done = false;
}

static bool foundation_active(const struct rg_ice_agent *a, const struct rg_ice_pair *p)
{
    for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++) {
        const struct rg_ice_pair *q = &a->pairs[i];
        if (q->used && q != p && same_foundation(a, p, q) &&
            (q->state == RG_ICE_PAIR_WAITING || q->state == RG_ICE_PAIR_IN_PROGRESS))
            return true;
    }
    return false;
}

static int pop_triggered(struct rg_ice_agent *a)
{
    while (a->trig_len) {
        uint8_t p = a->trig[a->trig_head];
        a->trig_head = (a->trig_head + 1) % RG_ICE_MAX_PAIRS;
        a->trig_len--;
        if (!a->pairs[p].used)
            continue;
        a->pairs[p].queued = false;
        /* §7.3.1.4: a pair that succeeded meanwhile (a cancelled
         * transaction's late answer) needs no new check unless it is
         * being nominated. */
        if (a->pairs[p].state == RG_ICE_PAIR_SUCCEEDED && !a->pairs[p].want_use_cand &&
            !a->pairs[p].nominate_on_ok)
            continue;
        return p;
    }
    return -1;
}

/* §6.1.4.2: triggered queue first, then the highest-priority waiting pair,
 * then the highest-priority frozen pair whose foundation is idle. */
int rg_ice_pick_next_check(struct rg_ice_agent *a)
{
    int t = pop_triggered(a);
    if (t >= 0)
        return t;
    if (a->checks_done)
        return -1;
    int best = -1;
    for (int pass = 0; pass < 2 && best < 0; pass++) {
        uint8_t want = pass == 0 ? RG_ICE_PAIR_WAITING : RG_ICE_PAIR_FROZEN;
        for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++) {
            const struct rg_ice_pair *p = &a->pairs[i];
            if (!p->used || p->state != want || (pass == 1 && foundation_active(a, p)))
                continue;
            if (best < 0 || p->priority > a->pairs[best].priority)
                best = (int)i;
        }
    }
    return best;
}

bool rg_ice_has_next_check(const struct rg_ice_agent *a)
{
    if (a->trig_len)
        return true;
    if (a->checks_done)
        return false;
    for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++) {
        const struct rg_ice_pair *p = &a->pairs[i];
        if (p->used && (p->state == RG_ICE_PAIR_WAITING ||
                        (p->state == RG_ICE_PAIR_FROZEN && !foundation_active(a, p))))
            return true;
    }
    return false;
}

static void emit_selected(struct rg_ice_agent *a, size_t p, uint8_t comp)
{
    const struct rg_ice_cand *l = &a->lc[a->pairs[p].local];
    struct rg_ice_event e = {.type = RG_ICE_EV_SELECTED_PAIR,
                             .role = a->role,
                             .component = comp,
                             .socket_id = l->socket_id,
                             .local = l->addr,
                             .remote = a->rc[a->pairs[p].remote].addr};
    e.state = a->state;
    rg_ice_emit(a, &e);
}

static bool all_selected(const struct rg_ice_agent *a)
{
    for (uint8_t c = 1; c <= a->n_components; c++) {
        if (a->selected_pair[c] < 0)
            return false;
    }
    return true;
}

/* §8.1.2 / §8.2: a nominated pair becomes selected when it beats the current
 * one; once every component has one, checking stops (§8.3). */
void rg_ice_select(struct rg_ice_agent *a, int64_t now_us, size_t p)
{
    struct rg_ice_pair *pr = &a->pairs[p];
    uint8_t comp = a->lc[pr->local].component;
    pr->nominated = true;
    int64_t cur = a->selected_pair[comp];
    if (cur == (int64_t)p || (cur >= 0 && a->pairs[cur].priority > pr->priority))
        return;
    a->selected_pair[comp] = (int64_t)p;
    rg_ice_consent_start(a, now_us, comp, p);
    emit_selected(a, p, comp);
    if (all_selected(a)) {
        a->restarting = false;
        rg_ice_prev_creds_drop(a);
        if (a->mode == RG_ICE_FULL)
            a->checks_done = true;
    }
}
