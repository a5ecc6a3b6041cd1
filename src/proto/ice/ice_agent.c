/* ice_agent.c — ICE agent lifecycle, candidates, queues, state and queries.
 * Checks live in ice_check.c, pairs in ice_pairs.c, consent in
 * ice_consent.c.  See ice.h for the contract. */
#include "proto/ice/ice_impl.h"

#include <string.h>

#include "core/alloc.h"

/* RFC 8445 §5.3 / RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/". */
static const char ice_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static bool is_ice_chars(struct rg_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        if (!rg_is_alnum((unsigned char)s.p[i]) && s.p[i] != '+' && s.p[i] != '/')
            return false;
    }
    return true;
}

static void cfg_defaults(struct rg_ice_config *c)
{
    if (!c->ta_ms)
        c->ta_ms = 50;
    if (!c->rto_ms)
        c->rto_ms = 500;
    if (!c->max_transmits)
        c->max_transmits = 7;
    if (c->max_transmits > 20)
        c->max_transmits = 20;
    if (!c->nominate_delay_ms)
        c->nominate_delay_ms = 500;
    if (!c->consent_interval_ms)
        c->consent_interval_ms = 5000;
    if (!c->consent_timeout_ms)
        c->consent_timeout_ms = 30000;
    if (!c->disconnect_ms)
        c->disconnect_ms = 8000;
    if (!c->keepalive_ms)
        c->keepalive_ms = 15000;
    if (c->mode == RG_ICE_LITE)
        c->role = RG_ICE_CONTROLLED; /* RFC 8445 §6.1.1: lite is always controlled */
}

static int new_local_creds(struct rg_ice_agent *a)
{
    rg_rng_token(a->cfg.rng, ice_chars, a->lufrag, RG_ICE_UFRAG_LEN);
    rg_rng_token(a->cfg.rng, ice_chars, a->lpwd, RG_ICE_PWD_LEN);
    if (a->lkey_ok)
        rg_stun_key_deinit(&a->lkey);
    a->lkey_ok = false;
    int rc = rg_stun_key_init(&a->lkey, a->lpwd, strlen(a->lpwd));
    if (rc < 0)
        return rc;
    a->lkey_ok = true;
    return RG_OK;
}

/* Host foundation: candidates of the same type and base IP share one
 * (RFC 8445 §5.1.1.3), so it is numbered by the first address with that IP. */
static void host_foundation(const struct rg_ice_agent *a, size_t i, char prefix, char *out)
{
    size_t first = i;
    for (size_t j = 0; j < i; j++) {
        if (rg_addr_ip_eq(&a->addrs[j].addr, &a->addrs[i].addr)) {
            first = j;
            break;
        }
    }
    out[0] = prefix;
    out[1] = (char)('0' + first % 10);
    out[2] = '\0';
}

/* RFC 8445 §5.1.2.1 / RFC 8421: the preferred family ranks first, then the
 * configured order. */
static uint32_t host_local_pref(const struct rg_ice_agent *a, size_t i)
{
    bool v6 = a->addrs[i].addr.family == RG_AF_INET6;
    uint32_t base = (v6 == a->cfg.prefer_ipv6) ? 65535 : 32767;
    return base - (uint32_t)i * 256;
}

static int check_config(const struct rg_ice_config *cfg)
{
    if (!cfg || !cfg->rng || !cfg->rng->fill || !cfg->addrs || cfg->n_addrs == 0 ||
        cfg->n_addrs > RG_ICE_MAX_HOST)
        return RG_EINVAL;
    for (size_t i = 0; i < cfg->n_addrs; i++) {
        const struct rg_ice_local_addr *l = &cfg->addrs[i];
        if ((l->addr.family != RG_AF_INET4 && l->addr.family != RG_AF_INET6) || l->addr.port == 0 ||
            l->component < 1 || l->component > 2)
            return RG_EINVAL;
        for (size_t j = 0; j < i; j++) {
            if (cfg->addrs[j].socket_id == l->socket_id)
                return RG_EINVAL;
        }
    }
    return RG_OK;
}

static void make_host_candidates(struct rg_ice_agent *a)
{
    for (size_t i = 0; i < a->cfg.n_addrs; i++) {
        struct rg_ice_cand *c = &a->lc[a->n_lc++];
        memset(c, 0, sizeof(*c));
        c->addr = a->addrs[i].addr;
        c->base = a->addrs[i].addr;
        c->type = RG_ICE_HOST;
        c->component = a->addrs[i].component;
        c->socket_id = a->addrs[i].socket_id;
        c->priority = rg_ice_priority(RG_ICE_HOST, host_local_pref(a, i), c->component);
        host_foundation(a, i, 'h', c->foundation);
        if (c->component > a->n_components)
            a->n_components = c->component;
    }
}

int rg_ice_agent_new(const struct rg_ice_config *cfg, struct rg_ice_agent **out)
{
    int rc = check_config(cfg);
    if (rc < 0)
        return rc;
    struct rg_ice_agent *a = rg_calloc(1, sizeof(*a));
    if (!a)
        return RG_ENOMEM;
    a->cfg = *cfg;
    memcpy(a->addrs, cfg->addrs, cfg->n_addrs * sizeof(cfg->addrs[0]));
    a->cfg.addrs = a->addrs;
    cfg_defaults(&a->cfg);
    a->mode = (uint8_t)a->cfg.mode;
    a->role = (uint8_t)a->cfg.role;
    a->tiebreaker = rg_rng_u64(a->cfg.rng);
    for (int c = 0; c < 3; c++)
        a->selected_pair[c] = -1;
    make_host_candidates(a);
    rc = new_local_creds(a);
    if (rc < 0) {
        rg_ice_agent_free(a);
        return rc;
    }
    *out = a;
    return RG_OK;
}

void rg_ice_agent_free(struct rg_ice_agent *a)
{
    if (!a)
        return;
    if (a->lkey_ok)
        rg_stun_key_deinit(&a->lkey);
    if (a->rkey_ok)
        rg_stun_key_deinit(&a->rkey);
    rg_ice_prev_creds_drop(a);
    rg_free(a);
}

struct rg_str rg_ice_agent_local_ufrag(const struct rg_ice_agent *a)
{
    return rg_str_from_cstr(a->lufrag);
}

struct rg_str rg_ice_agent_local_pwd(const struct rg_ice_agent *a)
{
    return rg_str_from_cstr(a->lpwd);
}

size_t rg_ice_agent_local_count(const struct rg_ice_agent *a)
{
    return a->cfg.n_addrs; /* host candidates only are signalled */
}

int rg_ice_agent_local_candidate(const struct rg_ice_agent *a, size_t i, struct rg_ice_cand *out)
{
    if (i >= a->cfg.n_addrs)
        return RG_ENOTFOUND;
    *out = a->lc[i];
    return RG_OK;
}

/* Forgets remote candidates, pairs and checks; keeps media paths (RFC 8445
 * §9: media continues on the previously selected pair). */
static void reset_checks(struct rg_ice_agent *a)
{
    rg_ice_pairs_clear(a);
    a->n_rc = 0;
    a->n_lc = a->cfg.n_addrs; /* drop learned local prflx */
    a->eoc = false;
    a->first_valid_us = 0;
    a->has_valid = false;
    for (int c = 0; c < 3; c++) {
        a->selected_pair[c] = -1;
        if (a->path[c].lost)
            memset(&a->path[c], 0, sizeof(a->path[c]));
    }
}

static int set_remote_key(struct rg_ice_agent *a, struct rg_str pwd)
{
    struct rg_stun_key k;
    int rc = rg_stun_key_init(&k, pwd.p, pwd.len);
    if (rc < 0)
        return rc;
    if (a->rkey_ok)
        rg_stun_key_deinit(&a->rkey);
    a->rkey = k;
    a->rkey_ok = true;
    return RG_OK;
}

int rg_ice_agent_set_remote_credentials(struct rg_ice_agent *a, int64_t now_us, struct rg_str ufrag,
                                        struct rg_str pwd)
{
    if (ufrag.len < RG_ICE_UFRAG_MIN || ufrag.len > RG_ICE_CRED_MAX || pwd.len < RG_ICE_PWD_MIN ||
        pwd.len > RG_ICE_CRED_MAX || !is_ice_chars(ufrag) || !is_ice_chars(pwd))
        return RG_EINVAL;
    if (a->have_remote_creds && rg_str_eq_cstr(ufrag, a->rufrag) && rg_str_eq_cstr(pwd, a->rpwd))
        return RG_OK;
    int rc = set_remote_key(a, pwd);
    if (rc < 0)
        return rc;
    if (a->have_remote_creds) {
        RG_LOG(a->cfg.log, RG_LOG_INFO, ice, a->cfg.log_ctx, "remote ICE restart");
        reset_checks(a);
        a->restarting = true;
    }
    memcpy(a->rufrag, ufrag.p, ufrag.len);
    a->rufrag[ufrag.len] = '\0';
    memcpy(a->rpwd, pwd.p, pwd.len);
    a->rpwd[pwd.len] = '\0';
    a->have_remote_creds = true;
    rg_ice_update_state(a, now_us);
    return RG_OK;
}

void rg_ice_prev_creds_drop(struct rg_ice_agent *a)
{
    if (a->prev_key_ok)
        rg_stun_key_deinit(&a->prev_key);
    a->prev_key_ok = false;
    a->prev_lufrag[0] = a->prev_lpwd[0] = '\0';
}

void rg_ice_prev_creds_revert(struct rg_ice_agent *a)
{
    if (!a->prev_key_ok)
        return;
    if (a->lkey_ok)
        rg_stun_key_deinit(&a->lkey);
    a->lkey = a->prev_key;
    a->lkey_ok = true;
    memcpy(a->lufrag, a->prev_lufrag, sizeof(a->lufrag));
    memcpy(a->lpwd, a->prev_lpwd, sizeof(a->lpwd));
    a->prev_key_ok = false;
    a->prev_lufrag[0] = a->prev_lpwd[0] = '\0';
    RG_LOG(a->cfg.log, RG_LOG_INFO, ice, a->cfg.log_ctx,
           "peer kept our previous ICE credentials: using them again");
}

int rg_ice_agent_restart(struct rg_ice_agent *a, int64_t now_us)
{
    char ou[sizeof(a->lufrag)], op[sizeof(a->lpwd)];
    memcpy(ou, a->lufrag, sizeof(ou));
    memcpy(op, a->lpwd, sizeof(op));
    struct rg_stun_key ok = a->lkey;
    bool had = a->lkey_ok;
    a->lkey_ok = false; /* the old key moves to prev_key, not freed */
    int rc = new_local_creds(a);
    if (rc < 0) {
        memcpy(a->lufrag, ou, sizeof(ou));
        memcpy(a->lpwd, op, sizeof(op));
        a->lkey = ok;
        a->lkey_ok = had;
        return rc;
    }
    rg_ice_prev_creds_drop(a);
    if (had) {
        a->prev_key = ok;
        a->prev_key_ok = true;
        memcpy(a->prev_lufrag, ou, sizeof(ou));
        memcpy(a->prev_lpwd, op, sizeof(op));
    }
    reset_checks(a);
    a->have_remote_creds = false;
    a->rufrag[0] = a->rpwd[0] = '\0';
    a->restarting = true;
    RG_LOG(a->cfg.log, RG_LOG_INFO, ice, a->cfg.log_ctx, "local ICE restart");
    rg_ice_update_state(a, now_us);
    return RG_OK;
}

int rg_ice_find_remote(const struct rg_ice_agent *a, const struct rg_addr *addr, uint8_t comp)
{
    for (size_t i = 0; i < a->n_rc; i++) {
        if (a->rc[i].component == comp && rg_addr_eq(&a->rc[i].addr, addr))
            return (int)i;
    }
    return -1;
}

int rg_ice_add_remote(struct rg_ice_agent *a, const struct rg_ice_cand *c)
{
    if (rg_ice_find_remote(a, &c->addr, c->component) >= 0)
        return RG_EEXIST;
    if (a->n_rc >= RG_ICE_MAX_REMOTE)
        return RG_ELIMIT;
    struct rg_ice_cand *r = &a->rc[a->n_rc];
    *r = *c;
    r->foundation[RG_ICE_FOUNDATION_MAX] = '\0';
    r->socket_id = -1;
    r->base = r->addr;
    return (int)a->n_rc++;
}

int rg_ice_agent_add_remote_candidate(struct rg_ice_agent *a, int64_t now_us,
                                      const struct rg_ice_cand *c)
{
    if (!c || c->component < 1 || c->component > 2 || c->addr.port == 0 ||
        (c->addr.family != RG_AF_INET4 && c->addr.family != RG_AF_INET6) || c->type > RG_ICE_RELAY)
        return RG_EINVAL;
    int i = rg_ice_add_remote(a, c);
    if (i < 0)
        return i;
    rg_ice_pairs_form_remote(a, (size_t)i);
    rg_ice_update_state(a, now_us);
    return RG_OK;
}

void rg_ice_agent_end_of_candidates(struct rg_ice_agent *a, int64_t now_us)
{
    a->eoc = true;
    rg_ice_update_state(a, now_us);
}

/* ---- Queues -------------------------------------------------------------- */

void rg_ice_emit(struct rg_ice_agent *a, const struct rg_ice_event *e)
{
    if (a->ev_len == RG_ICE_EVENT_QUEUE) {
        a->ev_dropped++; /* the caller is not draining; drop the newest */
        return;
    }
    a->ev[(a->ev_head + a->ev_len) % RG_ICE_EVENT_QUEUE] = *e;
    a->ev_len++;
}

int rg_ice_agent_poll_event(struct rg_ice_agent *a, struct rg_ice_event *out)
{
    if (!a->ev_len)
        return RG_ENOTFOUND;
    *out = a->ev[a->ev_head];
    a->ev_head = (a->ev_head + 1) % RG_ICE_EVENT_QUEUE;
    a->ev_len--;
    return RG_OK;
}

uint8_t *rg_ice_tx_slot(struct rg_ice_agent *a)
{
    if (a->tx_len == RG_ICE_TX_QUEUE) {
        a->tx_dropped++; /* like a lost datagram: retransmission recovers */
        return NULL;
    }
    return a->tx[(a->tx_head + a->tx_len) % RG_ICE_TX_QUEUE].data;
}

void rg_ice_tx_commit(struct rg_ice_agent *a, int socket_id, const struct rg_addr *dest, size_t len)
{
    size_t i = (a->tx_head + a->tx_len) % RG_ICE_TX_QUEUE;
    a->tx[i].socket_id = socket_id;
    a->tx[i].dest = *dest;
    a->tx[i].len = len;
    a->tx_len++;
}

int rg_ice_agent_poll_transmit(struct rg_ice_agent *a, struct rg_ice_transmit *out)
{
    if (!a->tx_len)
        return RG_ENOTFOUND;
    out->socket_id = a->tx[a->tx_head].socket_id;
    out->dest = a->tx[a->tx_head].dest;
    out->data = a->tx[a->tx_head].data;
    out->len = a->tx[a->tx_head].len;
    a->tx_head = (a->tx_head + 1) % RG_ICE_TX_QUEUE;
    a->tx_len--;
    return RG_OK;
}

/* ---- State ----------------------------------------------------------- */

void rg_ice_set_state(struct rg_ice_agent *a, enum rg_ice_state st)
{
    if (a->state == st)
        return;
    RG_LOG(a->cfg.log, RG_LOG_DEBUG, ice, a->cfg.log_ctx, "state %s -> %s",
           rg_ice_state_name(a->state), rg_ice_state_name(st));
    a->state = (uint8_t)st;
    struct rg_ice_event e = {.type = RG_ICE_EV_STATE, .state = (uint8_t)st, .role = a->role};
    rg_ice_emit(a, &e);
}

static bool all_pairs_failed(const struct rg_ice_agent *a)
{
    size_t n = 0;
    for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++) {
        const struct rg_ice_pair *p = &a->pairs[i];
        if (!p->used)
            continue;
        n++;
        if (p->state != RG_ICE_PAIR_FAILED || p->valid)
            return false;
    }
    return n > 0 && a->trig_len == 0;
}

void rg_ice_update_state(struct rg_ice_agent *a, int64_t now_us)
{
    (void)now_us;
    bool lost = false, disc = false, any = false, all = true;
    for (uint8_t c = 1; c <= a->n_components; c++) {
        const struct rg_ice_path *p = &a->path[c];
        lost |= p->active && p->lost;
        disc |= p->active && p->disconnected;
        any |= p->active && !p->lost;
        all &= a->selected_pair[c] >= 0;
    }
    enum rg_ice_state st;
    if (lost)
        st = RG_ICE_STATE_FAILED;
    else if (disc)
        st = RG_ICE_STATE_DISCONNECTED;
    else if (all && !a->restarting)
        st = RG_ICE_STATE_COMPLETED;
    else if (a->mode == RG_ICE_FULL && a->eoc && all_pairs_failed(a) && !any)
        st = RG_ICE_STATE_FAILED;
    else if (any && !a->restarting)
        st = RG_ICE_STATE_CONNECTED;
    else if (a->have_remote_creds || a->n_rc || a->restarting)
        st = RG_ICE_STATE_CHECKING;
    else
        st = RG_ICE_STATE_NEW;
    rg_ice_set_state(a, st);
}

enum rg_ice_state rg_ice_agent_state(const struct rg_ice_agent *a)
{
    return (enum rg_ice_state)a->state;
}

enum rg_ice_role rg_ice_agent_role(const struct rg_ice_agent *a)
{
    return (enum rg_ice_role)a->role;
}

/* ---- Packets and timers -------------------------------------------------- */

int rg_ice_local_by_socket(const struct rg_ice_agent *a, int socket_id)
{
    for (size_t i = 0; i < a->cfg.n_addrs; i++) {
        if (a->lc[i].socket_id == socket_id)
            return (int)i;
    }
    return -1;
}

int rg_ice_agent_handle_packet(struct rg_ice_agent *a, int64_t now_us, int local_socket_id,
                               const struct rg_addr *from, const uint8_t *bytes, size_t len)
{
    if (!from || !bytes || rg_ice_local_by_socket(a, local_socket_id) < 0)
        return RG_EINVAL;
    struct rg_stun_msg m;
    if (rg_stun_parse(bytes, len, &m) != RG_OK || m.method != RG_STUN_BINDING)
        return RG_EBADMSG;
    /* RFC 8445 §7.3 / §7.2.5: FINGERPRINT, when present, must be right. */
    int fp = rg_stun_check_fingerprint(&m);
    if (fp != RG_OK && fp != RG_ENOTFOUND)
        return RG_EBADMSG;
    int rc;
    if (m.cls == RG_STUN_REQUEST)
        rc = rg_ice_handle_request(a, now_us, local_socket_id, from, &m);
    else if (m.cls == RG_STUN_INDICATION)
        rc = RG_OK; /* keepalive (RFC 8445 §11): nothing to do */
    else {
        rc = rg_ice_consent_response(a, now_us, local_socket_id, from, &m);
        if (rc == RG_ENOTFOUND)
            rc = rg_ice_handle_response(a, now_us, local_socket_id, from, &m);
    }
    rg_ice_update_state(a, now_us);
    return rc;
}

void rg_ice_agent_handle_timeout(struct rg_ice_agent *a, int64_t now_us)
{
    rg_ice_checks_timeout(a, now_us);
    rg_ice_consent_timeout(a, now_us);
    rg_ice_update_state(a, now_us);
}

int64_t rg_ice_agent_next_timeout_us(const struct rg_ice_agent *a)
{
    int64_t t = rg_ice_checks_next_us(a);
    int64_t c = rg_ice_consent_next_us(a);
    return c < t ? c : t;
}

/* ---- Queries ----------------------------------------------------------- */

int rg_ice_agent_media_path(const struct rg_ice_agent *a, uint8_t component, int *socket_id,
                            struct rg_addr *remote)
{
    if (component < 1 || component > 2)
        return RG_ENOTFOUND;
    const struct rg_ice_path *p = &a->path[component];
    if (!p->active || p->lost)
        return RG_ENOTFOUND;
    *socket_id = p->socket_id;
    *remote = p->remote;
    return RG_OK;
}

bool rg_ice_agent_may_send(const struct rg_ice_agent *a, int socket_id, const struct rg_addr *dest)
{
    for (int c = 1; c <= 2; c++) {
        const struct rg_ice_path *p = &a->path[c];
        if (p->active && !p->lost && p->socket_id == socket_id && rg_addr_eq(&p->remote, dest))
            return true;
    }
    return false;
}

bool rg_ice_agent_inbound_ok(const struct rg_ice_agent *a, int socket_id,
                             const struct rg_addr *from)
{
    if (rg_ice_agent_may_send(a, socket_id, from))
        return true;
    for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++) {
        const struct rg_ice_pair *p = &a->pairs[i];
        if (p->used && p->valid && a->lc[p->local].socket_id == socket_id &&
            rg_addr_eq(&a->rc[p->remote].addr, from))
            return true;
    }
    return false;
}

int rg_ice_agent_selected(const struct rg_ice_agent *a, uint8_t component,
                          struct rg_ice_cand *local, struct rg_ice_cand *remote)
{
    if (component < 1 || component > 2 || a->selected_pair[component] < 0)
        return RG_ENOTFOUND;
    const struct rg_ice_pair *p = &a->pairs[a->selected_pair[component]];
    *local = a->lc[p->local];
    *remote = a->rc[p->remote];
    return RG_OK;
}

size_t rg_ice_agent_pair_count(const struct rg_ice_agent *a, enum rg_ice_pair_state st)
{
    size_t n = 0;
    for (size_t i = 0; i < RG_ICE_MAX_PAIRS; i++)
        n += a->pairs[i].used && a->pairs[i].state == st;
    return n;
}

bool rg_ice_agent_source_is_priority(const struct rg_ice_agent *a, const struct rg_addr *src,
                                     unsigned srflx_prefix_v4)
{
    return rg_ice_source_is_priority(a->rc, a->n_rc, src, srflx_prefix_v4);
}
