/*
 * ice_util.h — shared helpers of the ICE unit tests (header only): agent
 * configs, candidates, a signalled pair of agents on the simulated network
 * and the checks every converged pair of agents must pass.
 */
#ifndef RG_TESTS_ICE_UTIL_H
#define RG_TESTS_ICE_UTIL_H

#include "harness.h"
#include "sim/ice_sim.h"

#define SEC 1000000LL

static inline struct rg_ice_cand cand(const char *ip, uint16_t port, enum rg_ice_cand_type type)
{
    struct rg_ice_cand c;
    memset(&c, 0, sizeof(c));
    c.addr = rg_sim_addr(ip, port);
    c.type = (uint8_t)type;
    c.component = 1;
    c.priority = rg_ice_priority(type, 65535, 1);
    memcpy(c.foundation, "1", 2);
    return c;
}

/* ---- Agent setup helpers ------------------------------------------------ */

struct setup {
    struct rg_ice_local_addr addrs[4];
    struct rg_ice_config cfg;
};

static inline void setup_init(struct setup *s, struct rg_sim *sim, enum rg_ice_mode mode,
                              enum rg_ice_role role)
{
    memset(s, 0, sizeof(*s));
    s->cfg.mode = mode;
    s->cfg.role = role;
    s->cfg.rng = &sim->rng;
    s->cfg.addrs = s->addrs;
}

static inline void setup_addr(struct setup *s, const char *ip, uint16_t port, int sock,
                              uint8_t comp)
{
    struct rg_ice_local_addr *l = &s->addrs[s->cfg.n_addrs++];
    l->addr = rg_sim_addr(ip, port);
    l->socket_id = sock;
    l->component = comp;
}

/* Node 0 ("A", 192.0.2.1 / 2001:db8::1) and node 1 ("B", 198.51.100.2 /
 * 2001:db8::2), signalled to each other. */
static inline int two_agents(struct rg_sim *sim, uint64_t seed, enum rg_ice_mode ma,
                             enum rg_ice_role ra, enum rg_ice_mode mb, enum rg_ice_role rb,
                             bool dual)
{
    int rc = rg_sim_init(sim, seed);
    if (rc < 0)
        return rc;
    struct setup s;
    setup_init(&s, sim, ma, ra);
    setup_addr(&s, "192.0.2.1", 5000, 1, 1);
    if (dual)
        setup_addr(&s, "2001:db8::1", 5000, 2, 1);
    s.cfg.prefer_ipv6 = true;
    if ((rc = rg_sim_add(sim, &s.cfg)) < 0)
        return rc;
    setup_init(&s, sim, mb, rb);
    setup_addr(&s, "198.51.100.2", 6000, 1, 1);
    if (dual)
        setup_addr(&s, "2001:db8::2", 6000, 2, 1);
    s.cfg.prefer_ipv6 = true;
    if ((rc = rg_sim_add(sim, &s.cfg)) < 0)
        return rc;
    if ((rc = rg_sim_signal(sim, 0, 1)) < 0)
        return rc;
    return rg_sim_signal(sim, 1, 0);
}

static inline bool both_completed(struct rg_sim *s, void *arg)
{
    (void)arg;
    return rg_ice_agent_state(s->node[0].agent) == RG_ICE_STATE_COMPLETED &&
           rg_ice_agent_state(s->node[1].agent) == RG_ICE_STATE_COMPLETED;
}

/* Both agents use the same path, in opposite directions, and may send on
 * it; nobody else may. */
static inline void check_converged(struct rg_t *t, struct rg_sim *sim)
{
    struct rg_ice_agent *a = sim->node[0].agent, *b = sim->node[1].agent;
    int sa, sb;
    struct rg_addr ra, rb;
    REQUIRE(t, rg_ice_agent_media_path(a, 1, &sa, &ra) == RG_OK);
    REQUIRE(t, rg_ice_agent_media_path(b, 1, &sb, &rb) == RG_OK);
    const struct rg_sim_node *na = &sim->node[0], *nb = &sim->node[1];
    size_t ka = rg_sim_sock_index(na, sa), kb = rg_sim_sock_index(nb, sb);
    struct rg_addr seen_b = rg_sim_seen_as(nb, kb, &na->socks[ka].addr);
    struct rg_addr seen_a = rg_sim_seen_as(na, ka, &nb->socks[kb].addr);
    CHECK(t, rg_addr_eq(&ra, &seen_b));
    CHECK(t, rg_addr_eq(&rb, &seen_a));
    CHECK(t, rg_ice_agent_may_send(a, sa, &ra));
    CHECK(t, rg_ice_agent_may_send(b, sb, &rb));
    CHECK(t, rg_ice_agent_inbound_ok(a, sa, &ra));
    CHECK(t, rg_ice_agent_inbound_ok(b, sb, &rb));
    struct rg_addr evil = rg_sim_addr("233.252.0.66", 4444);
    CHECK(t, !rg_ice_agent_may_send(a, sa, &evil));
    CHECK(t, !rg_ice_agent_inbound_ok(a, sa, &evil));
    CHECK(t, !rg_ice_agent_inbound_ok(b, sb, &evil));
    CHECK(t, !rg_ice_agent_may_send(a, sa + 100, &ra)); /* wrong socket */
    CHECK(t, !sim->stuck);
    CHECK(t, na->n_events[RG_ICE_EV_SELECTED_PAIR] >= 1);
    CHECK(t, nb->n_events[RG_ICE_EV_SELECTED_PAIR] >= 1);
}

/* Both still have a media path with consent (a lost consent round may have
 * made one DISCONNECTED for a moment). */
static inline void check_media_alive(struct rg_t *t, struct rg_sim *sim)
{
    for (size_t n = 0; n < 2; n++) {
        int sock;
        struct rg_addr r;
        CHECK_OK(t, rg_ice_agent_media_path(sim->node[n].agent, 1, &sock, &r));
        CHECK(t, rg_ice_agent_may_send(sim->node[n].agent, sock, &r));
        CHECK_EQ_INT(t, sim->node[n].n_events[RG_ICE_EV_CONSENT_LOST], 0);
    }
    CHECK(t, !sim->stuck);
}

#endif
