/*
 * ice_sim.h — a deterministic in-memory network for ICE agents (header only,
 * for tests).
 *
 * Up to RG_SIM_NODES agents, each with sockets bound to addresses; a
 * virtual clock; datagrams in flight with configurable loss, delay and
 * jitter (jitter reorders); an optional NAT per node that rewrites the
 * source of everything the node sends to one public address per socket and
 * routes packets to that public address back.  NAT behaviour (RFC 4787):
 * full cone (any source may come in), port-restricted (only sources the
 * node has sent to) or symmetric (port-restricted, and a new public port
 * per destination).  A node may be "silent"
 * (neither sends nor receives), the way a browser tab that was closed is.
 * All randomness comes from one seeded rg_rng, so a seed replays exactly.
 */
#ifndef RG_TESTS_ICE_SIM_H
#define RG_TESTS_ICE_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/rng.h"
#include "proto/ice/ice.h"

#define RG_SIM_NODES 3
#define RG_SIM_SOCKS 4
#define RG_SIM_INFLIGHT 1024

enum rg_sim_nat { RG_SIM_NAT_FULL_CONE = 0, RG_SIM_NAT_PORT_RESTRICTED, RG_SIM_NAT_SYMMETRIC };

struct rg_sim_pkt {
    int64_t at_us;
    int node, sock;
    struct rg_addr from;
    size_t len;
    uint8_t data[RG_ICE_MAX_PACKET];
};

struct rg_sim_node {
    struct rg_ice_agent *agent;
    struct rg_ice_local_addr socks[RG_SIM_SOCKS];
    size_t n_socks;
    bool nat;                              /* rewrite sources to nat_addr[] */
    uint8_t nat_kind;                      /* enum rg_sim_nat */
    struct rg_addr nat_addr[RG_SIM_SOCKS]; /* public address per socket */
    /* Destinations each socket sent to (filtering; symmetric port = base + i). */
    struct rg_addr peers[RG_SIM_SOCKS][8];
    size_t n_peers[RG_SIM_SOCKS];
    bool silent;
    /* What the node saw and did. */
    uint8_t state;
    unsigned n_events[8];
    unsigned sent_requests, sent_indications, sent_success, sent_errors, received;
    int64_t consent_lost_us; /* -1: never */
    struct rg_ice_event last_selected;
};

struct rg_sim {
    int64_t now_us;
    struct rg_rng rng;
    struct rg_rng_seeded rng_state;
    unsigned loss_permille;
    int64_t delay_us, jitter_us;
    struct rg_sim_node node[RG_SIM_NODES];
    size_t n_nodes;
    struct rg_sim_pkt *q; /* RG_SIM_INFLIGHT slots, at_us < 0: free */
    unsigned dropped, delivered;
    bool stuck; /* an agent asked for a timeout in the past after handling it */
};

static inline int rg_sim_init(struct rg_sim *s, uint64_t seed)
{
    memset(s, 0, sizeof(*s));
    rg_rng_seeded_init(&s->rng_state, seed, &s->rng);
    s->delay_us = 10000;
    s->q = rg_calloc(RG_SIM_INFLIGHT, sizeof(*s->q));
    if (!s->q)
        return RG_ENOMEM;
    for (size_t i = 0; i < RG_SIM_INFLIGHT; i++)
        s->q[i].at_us = -1;
    for (size_t i = 0; i < RG_SIM_NODES; i++)
        s->node[i].consent_lost_us = -1;
    return RG_OK;
}

static inline void rg_sim_deinit(struct rg_sim *s)
{
    for (size_t i = 0; i < s->n_nodes; i++)
        rg_ice_agent_free(s->node[i].agent);
    rg_free(s->q);
}

static inline struct rg_addr rg_sim_addr(const char *ip, uint16_t port)
{
    struct rg_addr a;
    memset(&a, 0, sizeof(a));
    if (rg_addr_parse_ip(rg_str_from_cstr(ip), &a) != RG_OK)
        abort();
    a.port = port;
    return a;
}

/* Adds a node with the given agent config (addrs are its sockets). */
static inline int rg_sim_add(struct rg_sim *s, struct rg_ice_config *cfg)
{
    struct rg_sim_node *n = &s->node[s->n_nodes];
    if (s->n_nodes >= RG_SIM_NODES || cfg->n_addrs > RG_SIM_SOCKS)
        return RG_ELIMIT;
    memcpy(n->socks, cfg->addrs, cfg->n_addrs * sizeof(cfg->addrs[0]));
    n->n_socks = cfg->n_addrs;
    int rc = rg_ice_agent_new(cfg, &n->agent);
    if (rc < 0)
        return rc;
    return (int)s->n_nodes++;
}

/* Exchanges credentials and host candidates between nodes i and j the way
 * an SDP offer/answer would, then signals end-of-candidates. */
static inline int rg_sim_signal(struct rg_sim *s, size_t i, size_t j)
{
    struct rg_ice_agent *a = s->node[i].agent, *b = s->node[j].agent;
    int rc = rg_ice_agent_set_remote_credentials(b, s->now_us, rg_ice_agent_local_ufrag(a),
                                                 rg_ice_agent_local_pwd(a));
    for (size_t k = 0; rc >= 0 && k < rg_ice_agent_local_count(a); k++) {
        struct rg_ice_cand c;
        rc = rg_ice_agent_local_candidate(a, k, &c);
        if (rc >= 0)
            rc = rg_ice_agent_add_remote_candidate(b, s->now_us, &c);
    }
    if (rc >= 0)
        rg_ice_agent_end_of_candidates(b, s->now_us);
    return rc;
}

static inline bool rg_sim_rand(struct rg_sim *s, unsigned permille)
{
    return permille && rg_rng_u32(&s->rng) % 1000u < permille;
}

static inline int rg_sim_peer_index(const struct rg_sim_node *n, size_t k,
                                    const struct rg_addr *peer)
{
    for (size_t i = 0; i < n->n_peers[k]; i++) {
        if (rg_addr_eq(&n->peers[k][i], peer))
            return (int)i;
    }
    return -1;
}

/* The public source a NATed node's socket k shows toward dest. */
static inline struct rg_addr rg_sim_public(struct rg_sim_node *n, size_t k,
                                           const struct rg_addr *dest)
{
    int i = rg_sim_peer_index(n, k, dest);
    if (i < 0 && n->n_peers[k] < 8) {
        i = (int)n->n_peers[k]++;
        n->peers[k][i] = *dest;
    }
    struct rg_addr a = n->nat_addr[k];
    if (n->nat_kind == RG_SIM_NAT_SYMMETRIC && i > 0)
        a.port = (uint16_t)(a.port + i);
    return a;
}

/* The address node n's socket k appears from toward peer (without opening
 * a mapping). */
static inline struct rg_addr rg_sim_seen_as(const struct rg_sim_node *n, size_t k,
                                            const struct rg_addr *peer)
{
    if (!n->nat)
        return n->socks[k].addr;
    struct rg_addr a = n->nat_addr[k];
    int i = rg_sim_peer_index(n, k, peer);
    if (n->nat_kind == RG_SIM_NAT_SYMMETRIC && i > 0)
        a.port = (uint16_t)(a.port + i);
    return a;
}

/* Where a datagram from src to dest lands: node and socket index, or
 * false (unroutable or filtered by a NAT). */
static inline bool rg_sim_route(const struct rg_sim *s, const struct rg_addr *src,
                                const struct rg_addr *dest, int *node, int *sock)
{
    for (size_t i = 0; i < s->n_nodes; i++) {
        const struct rg_sim_node *n = &s->node[i];
        for (size_t k = 0; k < n->n_socks; k++) {
            if (!n->nat) {
                if (!rg_addr_eq(&n->socks[k].addr, dest))
                    continue;
            } else {
                int pi = rg_sim_peer_index(n, k, src);
                struct rg_addr pub = n->nat_addr[k];
                if (n->nat_kind == RG_SIM_NAT_SYMMETRIC && pi > 0)
                    pub.port = (uint16_t)(pub.port + pi);
                if (!rg_addr_eq(&pub, dest))
                    continue;
                if (n->nat_kind != RG_SIM_NAT_FULL_CONE && pi < 0)
                    return false; /* filtered: never sent there */
            }
            *node = (int)i;
            *sock = (int)k;
            return true;
        }
    }
    return false;
}

static inline void rg_sim_count_sent(struct rg_sim_node *n, const uint8_t *d, size_t len)
{
    if (len < 2)
        return;
    unsigned cls = ((d[0] & 0x01) << 1) | ((d[1] & 0x10) >> 4);
    if (cls == 0)
        n->sent_requests++;
    else if (cls == 1)
        n->sent_indications++;
    else if (cls == 2)
        n->sent_success++;
    else if (cls == 3)
        n->sent_errors++;
}

/* Puts a datagram on the wire from node i socket index k. */
static inline void rg_sim_send(struct rg_sim *s, size_t i, size_t k, const struct rg_addr *dest,
                               const uint8_t *data, size_t len)
{
    struct rg_sim_node *n = &s->node[i];
    int node, sock;
    struct rg_addr from = n->nat ? rg_sim_public(n, k, dest) : n->socks[k].addr;
    if (n->silent || len > RG_ICE_MAX_PACKET || !rg_sim_route(s, &from, dest, &node, &sock) ||
        rg_sim_rand(s, s->loss_permille)) {
        s->dropped++;
        return;
    }
    for (size_t q = 0; q < RG_SIM_INFLIGHT; q++) {
        struct rg_sim_pkt *p = &s->q[q];
        if (p->at_us >= 0)
            continue;
        int64_t jit = s->jitter_us ? (int64_t)(rg_rng_u32(&s->rng) % (uint32_t)s->jitter_us) : 0;
        p->at_us = s->now_us + s->delay_us + jit;
        p->node = node;
        p->sock = sock;
        p->from = from;
        p->len = len;
        memcpy(p->data, data, len);
        return;
    }
    s->dropped++;
}

static inline size_t rg_sim_sock_index(const struct rg_sim_node *n, int socket_id)
{
    for (size_t k = 0; k < n->n_socks; k++) {
        if (n->socks[k].socket_id == socket_id)
            return k;
    }
    abort(); /* the agent named a socket it was never given */
}

/* Drains transmits and events of node i. */
static inline void rg_sim_drain(struct rg_sim *s, size_t i)
{
    struct rg_sim_node *n = &s->node[i];
    struct rg_ice_transmit tx;
    while (rg_ice_agent_poll_transmit(n->agent, &tx) == RG_OK) {
        if (tx.len == 0 || tx.len > RG_ICE_MAX_PACKET)
            abort();
        if (!n->silent)
            rg_sim_count_sent(n, tx.data, tx.len);
        rg_sim_send(s, i, rg_sim_sock_index(n, tx.socket_id), &tx.dest, tx.data, tx.len);
    }
    struct rg_ice_event e;
    while (rg_ice_agent_poll_event(n->agent, &e) == RG_OK) {
        if (e.type < 8)
            n->n_events[e.type]++;
        if (e.type == RG_ICE_EV_STATE)
            n->state = e.state;
        if (e.type == RG_ICE_EV_SELECTED_PAIR)
            n->last_selected = e;
        if (e.type == RG_ICE_EV_CONSENT_LOST && n->consent_lost_us < 0)
            n->consent_lost_us = s->now_us;
    }
}

/* Runs the network until until_us, or until done(s, arg) is true. */
static inline void rg_sim_run(struct rg_sim *s, int64_t until_us,
                              bool (*done)(struct rg_sim *, void *), void *arg)
{
    for (long guard = 0; guard < 10000000; guard++) {
        for (size_t i = 0; i < s->n_nodes; i++)
            rg_sim_drain(s, i);
        if (done && done(s, arg))
            return;
        int64_t t = until_us;
        for (size_t q = 0; q < RG_SIM_INFLIGHT; q++) {
            if (s->q[q].at_us >= 0 && s->q[q].at_us < t)
                t = s->q[q].at_us;
        }
        for (size_t i = 0; i < s->n_nodes; i++) {
            int64_t n = rg_ice_agent_next_timeout_us(s->node[i].agent);
            if (n < t)
                t = n;
        }
        if (t < s->now_us)
            t = s->now_us;
        if (t >= until_us) {
            s->now_us = until_us;
            return;
        }
        s->now_us = t;
        for (size_t q = 0; q < RG_SIM_INFLIGHT; q++) {
            struct rg_sim_pkt *p = &s->q[q];
            if (p->at_us < 0 || p->at_us > t)
                continue;
            p->at_us = -1;
            struct rg_sim_node *n = &s->node[p->node];
            if (n->silent)
                continue;
            n->received++;
            s->delivered++;
            (void)rg_ice_agent_handle_packet(n->agent, t, n->socks[p->sock].socket_id, &p->from,
                                             p->data, p->len);
        }
        for (size_t i = 0; i < s->n_nodes; i++) {
            struct rg_ice_agent *a = s->node[i].agent;
            if (rg_ice_agent_next_timeout_us(a) <= t) {
                rg_ice_agent_handle_timeout(a, t);
                if (rg_ice_agent_next_timeout_us(a) <= t)
                    s->stuck = true;
            }
        }
        if (s->stuck)
            return;
    }
    s->stuck = true;
}

#endif
