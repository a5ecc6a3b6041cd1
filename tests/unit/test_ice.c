/* Unit tests for src/proto/ice: priorities, candidates, and whole agents
 * talking over the simulated network of tests/sim/ice_sim.h (virtual time,
 * loss, delay, reordering, NAT, silence, attackers). */
#include "harness.h"

#include "core/rng.h"
#include "proto/ice/ice.h"
#include "proto/stun/stun.h"
#include "sim/ice_sim.h"

#define SEC 1000000LL

/* ---- Pure helpers ------------------------------------------------------- */

static void priorities(struct rg_t *t)
{
    /* RFC 8445 §5.1.2.1 with the §5.1.2.2 recommended values. */
    CHECK_EQ_INT(t, rg_ice_priority(RG_ICE_HOST, 65535, 1), 2130706431);
    CHECK_EQ_INT(t, rg_ice_priority(RG_ICE_HOST, 65535, 2), 2130706430);
    CHECK_EQ_INT(t, rg_ice_priority(RG_ICE_SRFLX, 65535, 1), 1694498815);
    CHECK_EQ_INT(t, rg_ice_priority(RG_ICE_PRFLX, 65535, 1), 1862270975);
    CHECK_EQ_INT(t, rg_ice_priority(RG_ICE_RELAY, 0, 1), 255);
    CHECK_EQ_INT(t, rg_ice_priority(RG_ICE_HOST, 0x1FFFF, 1), 2130706431); /* clamped */
    /* §6.1.2.3: 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0). */
    CHECK(t, rg_ice_pair_priority(10, 20) == (10ULL << 32) + 40);
    CHECK(t, rg_ice_pair_priority(20, 10) == (10ULL << 32) + 41);
    CHECK(t, rg_ice_pair_priority(0xFFFFFFFFu, 0xFFFFFFFFu) ==
                 (0xFFFFFFFFULL << 32) + 2 * 0xFFFFFFFFULL);
    CHECK(t, strcmp(rg_ice_state_name(RG_ICE_STATE_COMPLETED), "completed") == 0);
    CHECK(t, strcmp(rg_ice_cand_type_name(RG_ICE_PRFLX), "prflx") == 0);
}

static struct rg_ice_cand cand(const char *ip, uint16_t port, enum rg_ice_cand_type type)
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

static void source_priority(struct rg_t *t)
{
    struct rg_ice_cand r[4] = {
        cand("2001:db8::7", 5000, RG_ICE_HOST),
        cand("198.51.100.9", 3478, RG_ICE_RELAY),
        cand("203.0.113.77", 40000, RG_ICE_SRFLX),
        cand("10.1.2.3", 5000, RG_ICE_HOST),
    };
    struct rg_addr a;
    a = rg_sim_addr("2001:db8::7", 1); /* host /128: port does not matter */
    CHECK(t, rg_ice_source_is_priority(r, 4, &a, 16));
    a = rg_sim_addr("2001:db8::8", 5000);
    CHECK(t, !rg_ice_source_is_priority(r, 4, &a, 16));
    a = rg_sim_addr("198.51.100.9", 9);
    CHECK(t, rg_ice_source_is_priority(r, 4, &a, 16));
    a = rg_sim_addr("198.51.100.10", 3478); /* relay is /32 */
    CHECK(t, !rg_ice_source_is_priority(r, 4, &a, 16));
    a = rg_sim_addr("203.0.5.5", 1); /* srflx /16 */
    CHECK(t, rg_ice_source_is_priority(r, 4, &a, 16));
    CHECK(t, !rg_ice_source_is_priority(r, 4, &a, 24));
    a = rg_sim_addr("10.1.2.3", 5000); /* IPv4 host never counts */
    CHECK(t, !rg_ice_source_is_priority(r, 4, &a, 16));
    CHECK(t, !rg_ice_source_is_priority(r, 0, &a, 16));
    r[1].component = 2; /* only RTP (component 1) candidates count */
    a = rg_sim_addr("198.51.100.9", 9);
    CHECK(t, !rg_ice_source_is_priority(r, 4, &a, 16));
}

/* ---- Agent setup helpers ------------------------------------------------ */

struct setup {
    struct rg_ice_local_addr addrs[4];
    struct rg_ice_config cfg;
};

static void setup_init(struct setup *s, struct rg_sim *sim, enum rg_ice_mode mode,
                       enum rg_ice_role role)
{
    memset(s, 0, sizeof(*s));
    s->cfg.mode = mode;
    s->cfg.role = role;
    s->cfg.rng = &sim->rng;
    s->cfg.addrs = s->addrs;
}

static void setup_addr(struct setup *s, const char *ip, uint16_t port, int sock, uint8_t comp)
{
    struct rg_ice_local_addr *l = &s->addrs[s->cfg.n_addrs++];
    l->addr = rg_sim_addr(ip, port);
    l->socket_id = sock;
    l->component = comp;
}

static void local_candidates(struct rg_t *t)
{
    struct rg_sim sim;
    REQUIRE(t, rg_sim_init(&sim, 1) == RG_OK);
    struct setup s;
    setup_init(&s, &sim, RG_ICE_FULL, RG_ICE_CONTROLLING);
    setup_addr(&s, "192.0.2.1", 5000, 10, 1);
    setup_addr(&s, "2001:db8::1", 5000, 11, 1);
    setup_addr(&s, "192.0.2.1", 5001, 12, 2);
    s.cfg.prefer_ipv6 = true;
    struct rg_ice_agent *a = NULL;
    REQUIRE(t, rg_ice_agent_new(&s.cfg, &a) == RG_OK);
    CHECK_EQ_INT(t, rg_ice_agent_local_count(a), 3);
    struct rg_ice_cand c4, c6, c4b;
    CHECK_OK(t, rg_ice_agent_local_candidate(a, 0, &c4));
    CHECK_OK(t, rg_ice_agent_local_candidate(a, 1, &c6));
    CHECK_OK(t, rg_ice_agent_local_candidate(a, 2, &c4b));
    CHECK_EQ_INT(t, rg_ice_agent_local_candidate(a, 3, &c4), RG_ENOTFOUND);
    CHECK(t, c6.priority > c4.priority); /* RFC 8421: preferred family first */
    CHECK_EQ_INT(t, c4.priority >> 24, 126);
    CHECK_EQ_INT(t, c4b.component, 2);
    CHECK_EQ_INT(t, c4b.priority & 0xFF, 254);
    CHECK(t, strcmp(c4.foundation, c4b.foundation) == 0); /* same base IP */
    CHECK(t, strcmp(c4.foundation, c6.foundation) != 0);
    CHECK_EQ_INT(t, c6.socket_id, 11);
    /* RFC 8445 §5.3: ufrag >= 4, pwd >= 22 ice-chars. */
    struct rg_str u = rg_ice_agent_local_ufrag(a), p = rg_ice_agent_local_pwd(a);
    CHECK(t, u.len >= 4 && p.len >= 22);
    for (size_t i = 0; i < p.len; i++)
        CHECK(t, rg_is_alnum((unsigned char)p.p[i]) || p.p[i] == '+' || p.p[i] == '/');
    CHECK_EQ_INT(t, rg_ice_agent_state(a), RG_ICE_STATE_NEW);
    rg_ice_agent_free(a);
    /* IPv4 preferred instead. */
    s.cfg.prefer_ipv6 = false;
    REQUIRE(t, rg_ice_agent_new(&s.cfg, &a) == RG_OK);
    CHECK_OK(t, rg_ice_agent_local_candidate(a, 0, &c4));
    CHECK_OK(t, rg_ice_agent_local_candidate(a, 1, &c6));
    CHECK(t, c4.priority > c6.priority);
    rg_ice_agent_free(a);
    rg_sim_deinit(&sim);
}

static void bad_config(struct rg_t *t)
{
    struct rg_sim sim;
    REQUIRE(t, rg_sim_init(&sim, 2) == RG_OK);
    struct setup s;
    struct rg_ice_agent *a = NULL;
    setup_init(&s, &sim, RG_ICE_FULL, RG_ICE_CONTROLLING);
    CHECK_EQ_INT(t, rg_ice_agent_new(&s.cfg, &a), RG_EINVAL); /* no addresses */
    setup_addr(&s, "192.0.2.1", 0, 1, 1);
    CHECK_EQ_INT(t, rg_ice_agent_new(&s.cfg, &a), RG_EINVAL); /* port 0 */
    s.addrs[0].addr.port = 9;
    s.addrs[0].component = 3;
    CHECK_EQ_INT(t, rg_ice_agent_new(&s.cfg, &a), RG_EINVAL);
    s.addrs[0].component = 1;
    setup_addr(&s, "192.0.2.2", 9, 1, 1);
    CHECK_EQ_INT(t, rg_ice_agent_new(&s.cfg, &a), RG_EINVAL); /* duplicate socket id */
    s.addrs[1].socket_id = 2;
    REQUIRE(t, rg_ice_agent_new(&s.cfg, &a) == RG_OK);
    struct rg_str pwd = RG_STR_LIT("0123456789012345678901");
    CHECK_EQ_INT(t, rg_ice_agent_set_remote_credentials(a, 0, RG_STR_LIT("abc"), pwd), RG_EINVAL);
    CHECK_EQ_INT(t, rg_ice_agent_set_remote_credentials(a, 0, RG_STR_LIT("ab:c"), pwd),
                 RG_EINVAL);
    CHECK_EQ_INT(t, rg_ice_agent_set_remote_credentials(a, 0, RG_STR_LIT("abcd"),
                                                        RG_STR_LIT("short")),
                 RG_EINVAL);
    CHECK_OK(t, rg_ice_agent_set_remote_credentials(a, 0, RG_STR_LIT("abcd"), pwd));
    struct rg_ice_cand c = cand("198.51.100.1", 7, RG_ICE_HOST);
    CHECK_OK(t, rg_ice_agent_add_remote_candidate(a, 0, &c));
    CHECK_EQ_INT(t, rg_ice_agent_add_remote_candidate(a, 0, &c), RG_EEXIST);
    c.addr.port = 0;
    CHECK_EQ_INT(t, rg_ice_agent_add_remote_candidate(a, 0, &c), RG_EINVAL);
    for (uint16_t i = 0; i < RG_ICE_MAX_REMOTE - 1; i++) {
        c.addr.port = (uint16_t)(100 + i);
        CHECK_OK(t, rg_ice_agent_add_remote_candidate(a, 0, &c));
    }
    c.addr.port = 99;
    CHECK_EQ_INT(t, rg_ice_agent_add_remote_candidate(a, 0, &c), RG_ELIMIT);
    /* Two local IPv4 addresses x 32 remote = 64 pairs, all bounded. */
    CHECK(t, rg_ice_agent_pair_count(a, RG_ICE_PAIR_WAITING) +
                     rg_ice_agent_pair_count(a, RG_ICE_PAIR_FROZEN) <=
                 RG_ICE_MAX_PAIRS);
    CHECK_EQ_INT(t, rg_ice_agent_state(a), RG_ICE_STATE_CHECKING);
    rg_ice_agent_free(a);
    rg_sim_deinit(&sim);
}

struct oom_arg {
    struct rg_sim *sim;
    struct setup *s;
};

static int oom_new(void *arg)
{
    struct oom_arg *o = arg;
    struct rg_ice_agent *a = NULL;
    int rc = rg_ice_agent_new(&o->s->cfg, &a);
    if (rc < 0)
        return rc;
    struct rg_ice_cand c = cand("198.51.100.1", 7, RG_ICE_HOST);
    rc = rg_ice_agent_add_remote_candidate(a, 0, &c);
    rg_ice_agent_free(a);
    return rc;
}

static void oom_stepping(struct rg_t *t)
{
    struct rg_sim sim;
    REQUIRE(t, rg_sim_init(&sim, 3) == RG_OK);
    struct setup s;
    setup_init(&s, &sim, RG_ICE_FULL, RG_ICE_CONTROLLING);
    setup_addr(&s, "192.0.2.1", 5000, 1, 1);
    struct oom_arg o = { &sim, &s };
    rg_t_oom_step(t, oom_new, &o, 20);
    rg_sim_deinit(&sim);
}

/* ---- Two agents on the simulated network -------------------------------- */

/* Node 0 ("A", 192.0.2.1 / 2001:db8::1) and node 1 ("B", 198.51.100.2 /
 * 2001:db8::2), signalled to each other. */
static int two_agents(struct rg_sim *sim, uint64_t seed, enum rg_ice_mode ma, enum rg_ice_role ra,
                      enum rg_ice_mode mb, enum rg_ice_role rb, bool dual)
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

static bool both_completed(struct rg_sim *s, void *arg)
{
    (void)arg;
    return rg_ice_agent_state(s->node[0].agent) == RG_ICE_STATE_COMPLETED &&
           rg_ice_agent_state(s->node[1].agent) == RG_ICE_STATE_COMPLETED;
}

/* Both agents use the same path, in opposite directions, and may send on
 * it; nobody else may. */
static void check_converged(struct rg_t *t, struct rg_sim *sim)
{
    struct rg_ice_agent *a = sim->node[0].agent, *b = sim->node[1].agent;
    int sa, sb;
    struct rg_addr ra, rb;
    REQUIRE(t, rg_ice_agent_media_path(a, 1, &sa, &ra) == RG_OK);
    REQUIRE(t, rg_ice_agent_media_path(b, 1, &sb, &rb) == RG_OK);
    const struct rg_sim_node *na = &sim->node[0], *nb = &sim->node[1];
    size_t ka = rg_sim_sock_index(na, sa), kb = rg_sim_sock_index(nb, sb);
    CHECK(t, rg_addr_eq(&ra, nb->nat ? &nb->nat_addr[kb] : &nb->socks[kb].addr));
    CHECK(t, rg_addr_eq(&rb, na->nat ? &na->nat_addr[ka] : &na->socks[ka].addr));
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

static void full_lite(struct rg_t *t)
{
    struct rg_sim sim;
    REQUIRE(t, two_agents(&sim, 10, RG_ICE_FULL, RG_ICE_CONTROLLING, RG_ICE_LITE,
                          RG_ICE_CONTROLLING /* ignored: lite is controlled */, false) == RG_OK);
    CHECK_EQ_INT(t, rg_ice_agent_role(sim.node[1].agent), RG_ICE_CONTROLLED);
    /* Before any check, nothing may be sent or accepted. */
    struct rg_addr ab = rg_sim_addr("198.51.100.2", 6000);
    CHECK(t, !rg_ice_agent_may_send(sim.node[0].agent, 1, &ab));
    CHECK(t, !rg_ice_agent_inbound_ok(sim.node[0].agent, 1, &ab));
    rg_sim_run(&sim, 10 * SEC, both_completed, NULL);
    CHECK(t, both_completed(&sim, NULL));
    CHECK(t, sim.now_us < 2 * SEC);
    check_converged(t, &sim);
    /* The lite agent never sent a request (RFC 8445 §2.5). */
    CHECK_EQ_INT(t, sim.node[1].sent_requests, 0);
    CHECK(t, sim.node[1].sent_success > 0);
    CHECK_EQ_INT(t, sim.node[0].state, RG_ICE_STATE_COMPLETED); /* seen as an event */
    /* Consent keeps the call up for minutes (both sides refresh it). */
    rg_sim_run(&sim, 200 * SEC, NULL, NULL);
    CHECK(t, both_completed(&sim, NULL));
    CHECK_EQ_INT(t, sim.node[0].n_events[RG_ICE_EV_CONSENT_LOST], 0);
    CHECK_EQ_INT(t, sim.node[1].n_events[RG_ICE_EV_CONSENT_LOST], 0);
    CHECK(t, sim.node[0].sent_requests > 30); /* ~ every 5 s */
    CHECK(t, !sim.stuck);
    rg_sim_deinit(&sim);
}

static void full_full(struct rg_t *t)
{
    struct rg_sim sim;
    REQUIRE(t, two_agents(&sim, 11, RG_ICE_FULL, RG_ICE_CONTROLLING, RG_ICE_FULL,
                          RG_ICE_CONTROLLED, true) == RG_OK);
    rg_sim_run(&sim, 10 * SEC, both_completed, NULL);
    CHECK(t, both_completed(&sim, NULL));
    check_converged(t, &sim);
    /* Both prefer IPv6: the best pair is IPv6 host <-> IPv6 host. */
    CHECK_EQ_INT(t, sim.node[0].last_selected.remote.family, RG_AF_INET6);
    CHECK_EQ_INT(t, sim.node[1].last_selected.remote.family, RG_AF_INET6);
    CHECK_EQ_INT(t, sim.node[0].last_selected.socket_id, 2);
    CHECK_EQ_INT(t, rg_ice_agent_role(sim.node[0].agent), RG_ICE_CONTROLLING);
    CHECK_EQ_INT(t, rg_ice_agent_role(sim.node[1].agent), RG_ICE_CONTROLLED);
    /* The IPv4 pair passed its checks too: media from there is accepted,
     * but not sent there. */
    struct rg_addr b4 = rg_sim_addr("198.51.100.2", 6000);
    CHECK(t, !rg_ice_agent_may_send(sim.node[0].agent, 1, &b4));
    CHECK_EQ_INT(t, sim.node[0].n_events[RG_ICE_EV_ROLE], 0);
    rg_sim_deinit(&sim);
}

static void role_conflict_case(struct rg_t *t, enum rg_ice_role role, uint64_t seed)
{
    struct rg_sim sim;
    REQUIRE(t, two_agents(&sim, seed, RG_ICE_FULL, role, RG_ICE_FULL, role, true) == RG_OK);
    rg_sim_run(&sim, 20 * SEC, both_completed, NULL);
    CHECK(t, both_completed(&sim, NULL));
    check_converged(t, &sim);
    enum rg_ice_role r0 = rg_ice_agent_role(sim.node[0].agent);
    enum rg_ice_role r1 = rg_ice_agent_role(sim.node[1].agent);
    CHECK(t, r0 != r1); /* exactly one controlling agent */
    /* §7.3.1.1: the larger tie-breaker controls; one of the two switched. */
    CHECK_EQ_INT(t, sim.node[0].n_events[RG_ICE_EV_ROLE] + sim.node[1].n_events[RG_ICE_EV_ROLE],
                 1);
    rg_sim_deinit(&sim);
}

static void role_conflict(struct rg_t *t)
{
    for (uint64_t seed = 20; seed < 26; seed++) {
        role_conflict_case(t, RG_ICE_CONTROLLING, seed);
        role_conflict_case(t, RG_ICE_CONTROLLED, seed);
    }
}

static void lossy_case(struct rg_t *t, uint64_t seed, enum rg_ice_mode mb)
{
    struct rg_sim sim;
    REQUIRE(t, two_agents(&sim, seed, RG_ICE_FULL, RG_ICE_CONTROLLING, mb, RG_ICE_CONTROLLED,
                          true) == RG_OK);
    sim.loss_permille = 200;
    sim.delay_us = 40000;
    sim.jitter_us = 120000; /* reorders */
    rg_sim_run(&sim, 60 * SEC, both_completed, NULL);
    CHECK(t, both_completed(&sim, NULL));
    if (!both_completed(&sim, NULL))
        fprintf(stderr, "    seed %llu mode %d: states %d %d\n", (unsigned long long)seed, mb,
                rg_ice_agent_state(sim.node[0].agent), rg_ice_agent_state(sim.node[1].agent));
    check_converged(t, &sim);
    /* 20 % loss does not cost consent: 2 minutes on, media still flows
     * (a consent round may go unanswered: DISCONNECTED for a moment). */
    rg_sim_run(&sim, sim.now_us + 120 * SEC, NULL, NULL);
    for (size_t n = 0; n < 2; n++) {
        int sock;
        struct rg_addr r;
        CHECK_OK(t, rg_ice_agent_media_path(sim.node[n].agent, 1, &sock, &r));
        CHECK(t, rg_ice_agent_may_send(sim.node[n].agent, sock, &r));
        CHECK_EQ_INT(t, sim.node[n].n_events[RG_ICE_EV_CONSENT_LOST], 0);
    }
    CHECK(t, sim.dropped > 0); /* the loss really happened */
    CHECK(t, !sim.stuck);
    rg_sim_deinit(&sim);
}

static void lossy_network(struct rg_t *t)
{
    for (uint64_t seed = 100; seed < 110; seed++) {
        lossy_case(t, seed, RG_ICE_FULL);
        lossy_case(t, seed, RG_ICE_LITE);
    }
}

static void restart_case(struct rg_t *t, enum rg_ice_mode mb, bool b_regenerates)
{
    struct rg_sim sim;
    REQUIRE(t, two_agents(&sim, 30, RG_ICE_FULL, RG_ICE_CONTROLLING, mb, RG_ICE_CONTROLLED,
                          false) == RG_OK);
    rg_sim_run(&sim, 10 * SEC, both_completed, NULL);
    REQUIRE(t, both_completed(&sim, NULL));
    struct rg_ice_agent *a = sim.node[0].agent, *b = sim.node[1].agent;
    char old_ufrag[RG_ICE_CRED_MAX + 1];
    REQUIRE(t, rg_str_copy_cstr(rg_ice_agent_local_ufrag(a), old_ufrag, sizeof(old_ufrag)) == 0);
    int sock;
    struct rg_addr old_remote;
    REQUIRE(t, rg_ice_agent_media_path(a, 1, &sock, &old_remote) == RG_OK);
    /* A offers a restart (RFC 8445 §9): new ufrag/pwd. */
    CHECK_OK(t, rg_ice_agent_restart(a, sim.now_us));
    CHECK(t, !rg_str_eq_cstr(rg_ice_agent_local_ufrag(a), old_ufrag));
    CHECK_EQ_INT(t, rg_ice_agent_state(a), RG_ICE_STATE_CHECKING);
    /* Media continues on the old pair meanwhile. */
    CHECK(t, rg_ice_agent_may_send(a, sock, &old_remote));
    if (b_regenerates)
        CHECK_OK(t, rg_ice_agent_restart(b, sim.now_us));
    CHECK_OK(t, rg_sim_signal(&sim, 0, 1)); /* B sees new remote credentials */
    CHECK_OK(t, rg_sim_signal(&sim, 1, 0));
    rg_sim_run(&sim, sim.now_us + 20 * SEC, both_completed, NULL);
    CHECK(t, both_completed(&sim, NULL));
    check_converged(t, &sim);
    CHECK(t, sim.node[0].n_events[RG_ICE_EV_SELECTED_PAIR] >= 2);
    CHECK(t, sim.node[1].n_events[RG_ICE_EV_SELECTED_PAIR] >= 2);
    /* Old credentials no longer work: consent keeps running on new ones. */
    rg_sim_run(&sim, sim.now_us + 90 * SEC, NULL, NULL);
    CHECK(t, both_completed(&sim, NULL));
    CHECK_EQ_INT(t, sim.node[0].n_events[RG_ICE_EV_CONSENT_LOST], 0);
    rg_sim_deinit(&sim);
}

static void restart(struct rg_t *t)
{
    restart_case(t, RG_ICE_FULL, true);
    restart_case(t, RG_ICE_FULL, false);
    restart_case(t, RG_ICE_LITE, true);
}

/* Peer goes silent after completion; the other side must stop within 30 s. */
static void consent_case(struct rg_t *t, enum rg_ice_mode mb, size_t silent, size_t watcher)
{
    struct rg_sim sim;
    REQUIRE(t, two_agents(&sim, 40, RG_ICE_FULL, RG_ICE_CONTROLLING, mb, RG_ICE_CONTROLLED,
                          false) == RG_OK);
    rg_sim_run(&sim, 10 * SEC, both_completed, NULL);
    REQUIRE(t, both_completed(&sim, NULL));
    rg_sim_run(&sim, sim.now_us + 17 * SEC, NULL, NULL); /* some consent rounds */
    struct rg_ice_agent *w = sim.node[watcher].agent;
    int sock;
    struct rg_addr remote;
    REQUIRE(t, rg_ice_agent_media_path(w, 1, &sock, &remote) == RG_OK);
    int64_t t0 = sim.now_us;
    sim.node[silent].silent = true;
    rg_sim_run(&sim, t0 + 15 * SEC, NULL, NULL);
    CHECK(t, rg_ice_agent_may_send(w, sock, &remote)); /* not yet */
    CHECK_EQ_INT(t, rg_ice_agent_state(w), RG_ICE_STATE_DISCONNECTED);
    rg_sim_run(&sim, t0 + 45 * SEC, NULL, NULL);
    int64_t lost = sim.node[watcher].consent_lost_us;
    CHECK(t, lost >= 0);
    CHECK(t, lost - t0 <= 30 * SEC); /* RFC 7675: within 30 s of silence */
    CHECK(t, lost - t0 >= 20 * SEC); /* and not long before */
    CHECK(t, !rg_ice_agent_may_send(w, sock, &remote));
    CHECK_EQ_INT(t, rg_ice_agent_media_path(w, 1, &sock, &remote), RG_ENOTFOUND);
    CHECK_EQ_INT(t, rg_ice_agent_state(w), RG_ICE_STATE_FAILED);
    CHECK_EQ_INT(t, sim.node[watcher].n_events[RG_ICE_EV_CONSENT_LOST], 1);
    /* After that the watcher sends nothing more toward the silent peer. */
    unsigned before = sim.node[watcher].sent_requests;
    rg_sim_run(&sim, sim.now_us + 60 * SEC, NULL, NULL);
    CHECK_EQ_INT(t, sim.node[watcher].sent_requests, before);
    CHECK(t, !sim.stuck);
    rg_sim_deinit(&sim);
}

static void consent_expiry(struct rg_t *t)
{
    consent_case(t, RG_ICE_FULL, 1, 0); /* full agent's consent checks go unanswered */
    consent_case(t, RG_ICE_FULL, 0, 1);
    consent_case(t, RG_ICE_LITE, 0, 1); /* lite: the browser stops checking */
    consent_case(t, RG_ICE_LITE, 1, 0);
}

static void prflx_nat_case(struct rg_t *t, enum rg_ice_mode ma, uint64_t seed)
{
    struct rg_sim sim;
    REQUIRE(t, two_agents(&sim, seed, ma, RG_ICE_CONTROLLED, RG_ICE_FULL, RG_ICE_CONTROLLING,
                          false) == RG_OK);
    /* A sits behind a NAT: its signalled host address is unreachable and
     * everything it sends appears to come from 203.0.113.5:40000. */
    sim.node[0].nat = true;
    sim.node[0].nat_addr[0] = rg_sim_addr("203.0.113.5", 40000);
    if (ma == RG_ICE_LITE) {
        /* A lite agent never checks, so B must be able to reach it: the
         * NAT was opened by signalling the public address. */
        struct rg_ice_cand c = cand("203.0.113.5", 40000, RG_ICE_SRFLX);
        CHECK_OK(t, rg_ice_agent_add_remote_candidate(sim.node[1].agent, 0, &c));
    }
    rg_sim_run(&sim, 20 * SEC, both_completed, NULL);
    CHECK(t, both_completed(&sim, NULL));
    check_converged(t, &sim);
    struct rg_addr pub = rg_sim_addr("203.0.113.5", 40000);
    CHECK(t, rg_addr_eq(&sim.node[1].last_selected.remote, &pub));
    if (ma == RG_ICE_FULL) {
        CHECK(t, sim.node[1].n_events[RG_ICE_EV_PRFLX_REMOTE] >= 1);
        CHECK(t, sim.node[0].n_events[RG_ICE_EV_PRFLX_LOCAL] >= 1);
    }
    /* The private address never passed a check. */
    struct rg_addr priv = rg_sim_addr("192.0.2.1", 5000);
    CHECK(t, !rg_ice_agent_inbound_ok(sim.node[1].agent, 1, &priv));
    CHECK(t, !rg_ice_agent_may_send(sim.node[1].agent, 1, &priv));
    rg_sim_deinit(&sim);
}

static void prflx_nat(struct rg_t *t)
{
    prflx_nat_case(t, RG_ICE_FULL, 50);
    prflx_nat_case(t, RG_ICE_FULL, 51);
    prflx_nat_case(t, RG_ICE_LITE, 52);
}

/* Builds a Binding request to agent `to` as if from a peer with the given
 * password (right or wrong). */
static int forge_request(struct rg_ice_agent *to, const char *pwd, uint8_t *buf, size_t cap,
                         bool with_mi, bool with_prio, uint16_t extra_attr, struct rg_rng *rng)
{
    char user[RG_ICE_CRED_MAX + 8];
    struct rg_str u = rg_ice_agent_local_ufrag(to);
    memcpy(user, u.p, u.len);
    memcpy(user + u.len, ":evil", 6);
    uint8_t txid[RG_STUN_TXID_LEN];
    rg_stun_txid_new(rng, txid);
    struct rg_stun_key k;
    if (rg_stun_key_init(&k, pwd, strlen(pwd)) != RG_OK)
        return -1;
    struct rg_stun_builder b;
    rg_stun_build_init(&b, buf, cap, RG_STUN_BINDING, RG_STUN_REQUEST, txid);
    rg_stun_add_str(&b, RG_STUN_A_USERNAME, rg_str_from_cstr(user));
    if (with_prio)
        rg_stun_add_u32(&b, RG_STUN_A_PRIORITY, 1862270975);
    rg_stun_add_u64(&b, RG_STUN_A_ICE_CONTROLLING, 42);
    rg_stun_add_flag(&b, RG_STUN_A_USE_CANDIDATE);
    if (extra_attr)
        rg_stun_add_u32(&b, extra_attr, 7);
    if (with_mi)
        rg_stun_add_integrity(&b, &k);
    rg_stun_add_fingerprint(&b);
    rg_stun_key_deinit(&k);
    return rg_stun_build_finish(&b);
}

/* Delivers a forged request and returns the agent's reply error code (0 for
 * success, -1 for no reply). */
static int forged_exchange(struct rg_t *t, struct rg_sim *sim, const char *pwd, bool with_mi,
                           bool with_prio, uint16_t extra, int want_rc)
{
    struct rg_ice_agent *a = sim->node[0].agent;
    struct rg_addr evil = rg_sim_addr("233.252.0.66", 4444);
    uint8_t buf[RG_ICE_MAX_PACKET];
    int n = forge_request(a, pwd, buf, sizeof(buf), with_mi, with_prio, extra, &sim->rng);
    if (n <= 0)
        return -2;
    CHECK_EQ_INT(t, rg_ice_agent_handle_packet(a, sim->now_us, 1, &evil, buf, (size_t)n),
                 want_rc);
    struct rg_ice_transmit tx;
    if (rg_ice_agent_poll_transmit(a, &tx) != RG_OK)
        return -1;
    CHECK(t, rg_addr_eq(&tx.dest, &evil));
    struct rg_stun_msg m;
    if (rg_stun_parse(tx.data, tx.len, &m) != RG_OK)
        return -3;
    int code = 0;
    struct rg_str why;
    if (m.cls == RG_STUN_ERROR && rg_stun_get_error(&m, &code, &why) != RG_OK)
        return -4;
    return code;
}

static void attacker(struct rg_t *t)
{
    struct rg_sim sim;
    REQUIRE(t, two_agents(&sim, 60, RG_ICE_FULL, RG_ICE_CONTROLLED, RG_ICE_FULL,
                          RG_ICE_CONTROLLING, false) == RG_OK);
    rg_sim_run(&sim, 10 * SEC, both_completed, NULL);
    REQUIRE(t, both_completed(&sim, NULL));
    rg_sim_drain(&sim, 0);
    struct rg_ice_agent *a = sim.node[0].agent;
    struct rg_addr evil = rg_sim_addr("233.252.0.66", 4444);
    size_t succeeded = rg_ice_agent_pair_count(a, RG_ICE_PAIR_SUCCEEDED);
    size_t waiting = rg_ice_agent_pair_count(a, RG_ICE_PAIR_WAITING);
    /* RTP Bleed: the attacker never passed ICE, its media is refused. */
    CHECK(t, !rg_ice_agent_inbound_ok(a, 1, &evil));
    /* Wrong password: 401 and no state change (RFC 8489 §9.1.3). */
    CHECK_EQ_INT(t, forged_exchange(t, &sim, "0123456789abcdefghijklmn", true, true, 0, RG_EAUTH),
                 401);
    /* No MESSAGE-INTEGRITY: 400. */
    CHECK_EQ_INT(t, forged_exchange(t, &sim, "0123456789abcdefghijklmn", false, true, 0, RG_EAUTH),
                 400);
    struct rg_ice_event e;
    CHECK_EQ_INT(t, rg_ice_agent_poll_event(a, &e), RG_ENOTFOUND);
    CHECK_EQ_INT(t, rg_ice_agent_pair_count(a, RG_ICE_PAIR_SUCCEEDED), succeeded);
    CHECK_EQ_INT(t, rg_ice_agent_pair_count(a, RG_ICE_PAIR_WAITING), waiting);
    CHECK(t, !rg_ice_agent_inbound_ok(a, 1, &evil));
    CHECK(t, !rg_ice_agent_may_send(a, 1, &evil));
    CHECK_EQ_INT(t, rg_ice_agent_state(a), RG_ICE_STATE_COMPLETED);
    /* With the right password but an unknown comprehension-required
     * attribute: 420; without PRIORITY: 400. */
    char pwd[RG_ICE_CRED_MAX + 1];
    REQUIRE(t, rg_str_copy_cstr(rg_ice_agent_local_pwd(a), pwd, sizeof(pwd)) == 0);
    CHECK_EQ_INT(t, forged_exchange(t, &sim, pwd, true, true, 0x0033, RG_EPROTO), 420);
    CHECK_EQ_INT(t, forged_exchange(t, &sim, pwd, true, false, 0, RG_EPROTO), 400);
    CHECK(t, !rg_ice_agent_inbound_ok(a, 1, &evil));
    /* A stray response with an unknown transaction is ignored. */
    uint8_t buf[128];
    struct rg_stun_builder b;
    uint8_t txid[RG_STUN_TXID_LEN] = { 1, 2, 3 };
    rg_stun_build_init(&b, buf, sizeof(buf), RG_STUN_BINDING, RG_STUN_SUCCESS, txid);
    rg_stun_add_xor_addr(&b, RG_STUN_A_XOR_MAPPED_ADDRESS, &evil);
    int n = rg_stun_build_finish(&b);
    REQUIRE(t, n > 0);
    CHECK_EQ_INT(t, rg_ice_agent_handle_packet(a, sim.now_us, 1, &evil, buf, (size_t)n),
                 RG_ENOTFOUND);
    /* Garbage, a wrong socket, a non-Binding method. */
    CHECK_EQ_INT(t, rg_ice_agent_handle_packet(a, sim.now_us, 1, &evil, buf, 7), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_ice_agent_handle_packet(a, sim.now_us, 99, &evil, buf, (size_t)n),
                 RG_EINVAL);
    rg_stun_build_init(&b, buf, sizeof(buf), RG_STUN_ALLOCATE, RG_STUN_REQUEST, txid);
    n = rg_stun_build_finish(&b);
    CHECK_EQ_INT(t, rg_ice_agent_handle_packet(a, sim.now_us, 1, &evil, buf, (size_t)n),
                 RG_EBADMSG);
    CHECK_EQ_INT(t, rg_ice_agent_poll_event(a, &e), RG_ENOTFOUND);
    CHECK_EQ_INT(t, rg_ice_agent_state(a), RG_ICE_STATE_COMPLETED);
    rg_sim_deinit(&sim);
}

static void all_fail(struct rg_t *t)
{
    struct rg_sim sim;
    REQUIRE(t, rg_sim_init(&sim, 70) == RG_OK);
    struct setup s;
    setup_init(&s, &sim, RG_ICE_FULL, RG_ICE_CONTROLLING);
    setup_addr(&s, "192.0.2.1", 5000, 1, 1);
    s.cfg.max_transmits = 3;
    REQUIRE(t, rg_sim_add(&sim, &s.cfg) == 0);
    struct rg_ice_agent *a = sim.node[0].agent;
    CHECK_OK(t, rg_ice_agent_set_remote_credentials(a, 0, RG_STR_LIT("peer"),
                                                    RG_STR_LIT("0123456789012345678901")));
    struct rg_ice_cand c = cand("198.51.100.99", 1, RG_ICE_HOST);
    CHECK_OK(t, rg_ice_agent_add_remote_candidate(a, 0, &c));
    c.addr.port = 2;
    CHECK_OK(t, rg_ice_agent_add_remote_candidate(a, 0, &c));
    rg_sim_run(&sim, 60 * SEC, NULL, NULL);
    /* Without end-of-candidates a late candidate could still come. */
    CHECK_EQ_INT(t, rg_ice_agent_state(a), RG_ICE_STATE_CHECKING);
    CHECK_EQ_INT(t, rg_ice_agent_pair_count(a, RG_ICE_PAIR_FAILED), 2);
    rg_ice_agent_end_of_candidates(a, sim.now_us);
    CHECK_EQ_INT(t, rg_ice_agent_state(a), RG_ICE_STATE_FAILED);
    CHECK_EQ_INT(t, rg_ice_agent_next_timeout_us(a), INT64_MAX);
    CHECK(t, sim.node[0].sent_requests == 6); /* 2 pairs x Rc = 3 */
    CHECK(t, !sim.stuck);
    rg_sim_deinit(&sim);
}


/* One full agent, the peer played by hand: the first request goes out, the
 * response is crafted (RFC 8445 §7.2.5). */
struct manual {
    struct rg_sim sim;
    struct rg_ice_agent *a;
    uint8_t txid[RG_STUN_TXID_LEN];
    struct rg_addr dest;
    int sock;
};

static int manual_init(struct manual *m, uint64_t seed)
{
    int rc = rg_sim_init(&m->sim, seed);
    if (rc < 0)
        return rc;
    struct setup s;
    setup_init(&s, &m->sim, RG_ICE_FULL, RG_ICE_CONTROLLING);
    setup_addr(&s, "192.0.2.1", 5000, 1, 1);
    if ((rc = rg_sim_add(&m->sim, &s.cfg)) < 0)
        return rc;
    m->a = m->sim.node[0].agent;
    rc = rg_ice_agent_set_remote_credentials(m->a, 0, RG_STR_LIT("peer"),
                                             RG_STR_LIT("0123456789012345678901"));
    struct rg_ice_cand c = cand("198.51.100.2", 6000, RG_ICE_HOST);
    if (rc >= 0)
        rc = rg_ice_agent_add_remote_candidate(m->a, 0, &c);
    if (rc < 0)
        return rc;
    rg_ice_agent_end_of_candidates(m->a, 0);
    rg_ice_agent_handle_timeout(m->a, 0);
    struct rg_ice_transmit tx;
    if (rg_ice_agent_poll_transmit(m->a, &tx) != RG_OK)
        return RG_ENOTFOUND;
    struct rg_stun_msg msg;
    if (rg_stun_parse(tx.data, tx.len, &msg) != RG_OK || msg.cls != RG_STUN_REQUEST)
        return RG_EBADMSG;
    /* RFC 8445 §7.2.2: USERNAME "remote:local", PRIORITY, role, MI, FP. */
    struct rg_str user;
    if (rg_stun_get_username(&msg, &user) != RG_OK || !rg_str_has_prefix(user, "peer:") ||
        !rg_stun_has(&msg, RG_STUN_A_PRIORITY) || !rg_stun_has(&msg, RG_STUN_A_ICE_CONTROLLING) ||
        rg_stun_check_fingerprint(&msg) != RG_OK)
        return RG_EPROTO;
    memcpy(m->txid, msg.txid, RG_STUN_TXID_LEN);
    m->dest = tx.dest;
    m->sock = tx.socket_id;
    return RG_OK;
}

static int manual_reply(struct manual *m, const struct rg_addr *from, int code,
                        const struct rg_addr *mapped, const char *pwd)
{
    uint8_t buf[256];
    struct rg_stun_key k;
    if (rg_stun_key_init(&k, pwd, strlen(pwd)) != RG_OK)
        return RG_ECRYPTO;
    struct rg_stun_builder b;
    rg_stun_build_init(&b, buf, sizeof(buf), RG_STUN_BINDING, code ? RG_STUN_ERROR : RG_STUN_SUCCESS,
                       m->txid);
    if (code)
        rg_stun_add_error(&b, code, RG_STR_LIT("x"));
    else
        rg_stun_add_xor_addr(&b, RG_STUN_A_XOR_MAPPED_ADDRESS, mapped);
    rg_stun_add_integrity(&b, &k);
    rg_stun_add_fingerprint(&b);
    rg_stun_key_deinit(&k);
    int n = rg_stun_build_finish(&b);
    if (n <= 0)
        return n;
    return rg_ice_agent_handle_packet(m->a, m->sim.now_us, m->sock, from, buf, (size_t)n);
}

static void responses(struct rg_t *t)
{
    struct manual m;
    const char *pw = "0123456789012345678901";
    struct rg_addr self = rg_sim_addr("192.0.2.1", 5000), nat = rg_sim_addr("203.0.113.1", 7);
    struct rg_addr other = rg_sim_addr("198.51.100.3", 6000);
    /* Wrong password: discarded, nothing changes. */
    REQUIRE(t, manual_init(&m, 80) == RG_OK);
    CHECK_EQ_INT(t, manual_reply(&m, &m.dest, 0, &self, "wrongwrongwrongwrongwrong"), RG_EAUTH);
    CHECK_EQ_INT(t, rg_ice_agent_pair_count(m.a, RG_ICE_PAIR_IN_PROGRESS), 1);
    /* §7.2.5.2.1: from another address than the request went to: failed. */
    CHECK_OK(t, manual_reply(&m, &other, 0, &self, pw));
    CHECK_EQ_INT(t, rg_ice_agent_pair_count(m.a, RG_ICE_PAIR_FAILED), 1);
    CHECK(t, !rg_ice_agent_inbound_ok(m.a, 1, &other));
    CHECK(t, !rg_ice_agent_inbound_ok(m.a, 1, &m.dest));
    CHECK_EQ_INT(t, rg_ice_agent_state(m.a), RG_ICE_STATE_FAILED);
    rg_sim_deinit(&m.sim);
    /* Success with an unknown mapped address: local peer-reflexive. */
    REQUIRE(t, manual_init(&m, 81) == RG_OK);
    CHECK_OK(t, manual_reply(&m, &m.dest, 0, &nat, pw));
    CHECK_EQ_INT(t, rg_ice_agent_pair_count(m.a, RG_ICE_PAIR_SUCCEEDED), 2);
    CHECK(t, rg_ice_agent_inbound_ok(m.a, 1, &m.dest));
    CHECK(t, !rg_ice_agent_may_send(m.a, 1, &m.dest)); /* valid, not yet nominated */
    struct rg_ice_event e;
    bool prflx = false;
    while (rg_ice_agent_poll_event(m.a, &e) == RG_OK)
        prflx |= e.type == RG_ICE_EV_PRFLX_LOCAL && rg_addr_eq(&e.local, &nat);
    CHECK(t, prflx);
    /* The same response again matches no transaction. */
    CHECK_EQ_INT(t, manual_reply(&m, &m.dest, 0, &nat, pw), RG_ENOTFOUND);
    rg_sim_deinit(&m.sim);
    /* 487 to our ICE-CONTROLLING: we become controlled and retry. */
    REQUIRE(t, manual_init(&m, 82) == RG_OK);
    CHECK_OK(t, manual_reply(&m, &m.dest, 487, &self, pw));
    CHECK_EQ_INT(t, rg_ice_agent_role(m.a), RG_ICE_CONTROLLED);
    CHECK_EQ_INT(t, rg_ice_agent_pair_count(m.a, RG_ICE_PAIR_WAITING), 1);
    m.sim.now_us = rg_ice_agent_next_timeout_us(m.a);
    rg_ice_agent_handle_timeout(m.a, m.sim.now_us);
    struct rg_ice_transmit tx;
    bool controlled = false;
    while (rg_ice_agent_poll_transmit(m.a, &tx) == RG_OK) {
        struct rg_stun_msg msg;
        if (rg_stun_parse(tx.data, tx.len, &msg) == RG_OK)
            controlled |= rg_stun_has(&msg, RG_STUN_A_ICE_CONTROLLED);
    }
    CHECK(t, controlled);
    /* Another error fails the pair. */
    rg_sim_deinit(&m.sim);
    REQUIRE(t, manual_init(&m, 83) == RG_OK);
    CHECK_OK(t, manual_reply(&m, &m.dest, 400, &self, pw));
    CHECK_EQ_INT(t, rg_ice_agent_pair_count(m.a, RG_ICE_PAIR_FAILED), 1);
    rg_sim_deinit(&m.sim);
}

/* §6.1.4.2 / §14.2: one new check per Ta in priority order; RFC 8489
 * §6.2.1 retransmission schedule; failure after Rc + Rm*RTO. */
static void pacing(struct rg_t *t)
{
    struct rg_sim sim;
    REQUIRE(t, rg_sim_init(&sim, 90) == RG_OK);
    struct setup s;
    setup_init(&s, &sim, RG_ICE_FULL, RG_ICE_CONTROLLING);
    setup_addr(&s, "192.0.2.1", 5000, 1, 1);
    REQUIRE(t, rg_sim_add(&sim, &s.cfg) == 0);
    struct rg_ice_agent *a = sim.node[0].agent;
    CHECK_OK(t, rg_ice_agent_set_remote_credentials(a, 0, RG_STR_LIT("peer"),
                                                    RG_STR_LIT("0123456789012345678901")));
    for (uint16_t i = 0; i < 5; i++) {
        /* Added lowest priority first; distinct foundations. */
        struct rg_ice_cand c = cand("198.51.100.2", (uint16_t)(6000 + i), RG_ICE_HOST);
        c.priority = rg_ice_priority(RG_ICE_HOST, 1000 + i, 1);
        c.foundation[0] = (char)('a' + i);
        CHECK_OK(t, rg_ice_agent_add_remote_candidate(a, 0, &c));
    }
    rg_ice_agent_end_of_candidates(a, 0);
    int64_t sent_at[5][8];
    int n_sent[5] = { 0 };
    int order[5], n_order = 0;
    int64_t now = 0;
    for (int guard = 0; guard < 1000 && now < 60 * SEC; guard++) {
        rg_ice_agent_handle_timeout(a, now);
        struct rg_ice_transmit tx;
        while (rg_ice_agent_poll_transmit(a, &tx) == RG_OK) {
            int i = tx.dest.port - 6000;
            REQUIRE(t, i >= 0 && i < 5 && n_sent[i] < 8);
            if (n_sent[i] == 0)
                order[n_order++] = i;
            sent_at[i][n_sent[i]++] = now;
        }
        int64_t next = rg_ice_agent_next_timeout_us(a);
        REQUIRE(t, next > now);
        if (next == INT64_MAX)
            break;
        now = next;
    }
    REQUIRE(t, n_order == 5);
    for (int k = 0; k < 5; k++) {
        CHECK_EQ_INT(t, order[k], 4 - k);                 /* highest priority first */
        CHECK_EQ_INT(t, sent_at[4 - k][0], k * 50000);    /* Ta = 50 ms apart */
        CHECK_EQ_INT(t, n_sent[k], 7);                    /* Rc = 7 */
    }
    static const int64_t sched_ms[7] = { 0, 500, 1500, 3500, 7500, 15500, 31500 };
    for (int j = 0; j < 7; j++)
        CHECK_EQ_INT(t, sent_at[4][j], sched_ms[j] * 1000);
    CHECK_EQ_INT(t, rg_ice_agent_pair_count(a, RG_ICE_PAIR_FAILED), 5);
    CHECK_EQ_INT(t, rg_ice_agent_state(a), RG_ICE_STATE_FAILED);
    /* The last pair failed Rm * RTO = 8 s after its last transmission. */
    CHECK(t, now >= sent_at[0][6] + 8 * SEC);
    rg_sim_deinit(&sim);
}

/* Without rtcp-mux: two components, both must be selected. */
static void two_components(struct rg_t *t)
{
    struct rg_sim sim;
    REQUIRE(t, rg_sim_init(&sim, 91) == RG_OK);
    struct setup s;
    setup_init(&s, &sim, RG_ICE_FULL, RG_ICE_CONTROLLING);
    setup_addr(&s, "192.0.2.1", 5000, 1, 1);
    setup_addr(&s, "192.0.2.1", 5001, 2, 2);
    REQUIRE(t, rg_sim_add(&sim, &s.cfg) == 0);
    setup_init(&s, &sim, RG_ICE_FULL, RG_ICE_CONTROLLED);
    setup_addr(&s, "198.51.100.2", 6000, 1, 1);
    setup_addr(&s, "198.51.100.2", 6001, 2, 2);
    REQUIRE(t, rg_sim_add(&sim, &s.cfg) == 1);
    REQUIRE(t, rg_sim_signal(&sim, 0, 1) == RG_OK && rg_sim_signal(&sim, 1, 0) == RG_OK);
    rg_sim_run(&sim, 10 * SEC, both_completed, NULL);
    CHECK(t, both_completed(&sim, NULL));
    for (size_t n = 0; n < 2; n++) {
        int s1, s2;
        struct rg_addr r1, r2;
        CHECK_OK(t, rg_ice_agent_media_path(sim.node[n].agent, 1, &s1, &r1));
        CHECK_OK(t, rg_ice_agent_media_path(sim.node[n].agent, 2, &s2, &r2));
        CHECK_EQ_INT(t, s1, 1);
        CHECK_EQ_INT(t, s2, 2);
        CHECK_EQ_INT(t, r1.port + 1, r2.port);
        CHECK_EQ_INT(t, sim.node[n].n_events[RG_ICE_EV_SELECTED_PAIR], 2);
        /* RTP may not go to the RTCP address. */
        CHECK(t, !rg_ice_agent_may_send(sim.node[n].agent, 1, &r2));
    }
    rg_sim_deinit(&sim);
}

/* Trickle (RFC 8838): candidates arrive after checks began. */
static void trickle(struct rg_t *t)
{
    struct rg_sim sim;
    REQUIRE(t, rg_sim_init(&sim, 92) == RG_OK);
    struct setup s;
    setup_init(&s, &sim, RG_ICE_FULL, RG_ICE_CONTROLLING);
    setup_addr(&s, "192.0.2.1", 5000, 1, 1);
    REQUIRE(t, rg_sim_add(&sim, &s.cfg) == 0);
    setup_init(&s, &sim, RG_ICE_FULL, RG_ICE_CONTROLLED);
    setup_addr(&s, "198.51.100.2", 6000, 1, 1);
    REQUIRE(t, rg_sim_add(&sim, &s.cfg) == 1);
    struct rg_ice_agent *a = sim.node[0].agent, *b = sim.node[1].agent;
    /* Credentials only: A knows no candidate of B yet, B knows A's. */
    CHECK_OK(t, rg_ice_agent_set_remote_credentials(a, 0, rg_ice_agent_local_ufrag(b),
                                                    rg_ice_agent_local_pwd(b)));
    REQUIRE(t, rg_sim_signal(&sim, 0, 1) == RG_OK);
    rg_sim_run(&sim, 3 * SEC, both_completed, NULL);
    /* B's checks reached A, which learned B as peer-reflexive and
     * completed anyway (§7.3.1.3). */
    CHECK(t, both_completed(&sim, NULL));
    CHECK(t, sim.node[0].n_events[RG_ICE_EV_PRFLX_REMOTE] >= 1);
    /* The late trickled candidate duplicates the prflx address. */
    struct rg_ice_cand c;
    REQUIRE(t, rg_ice_agent_local_candidate(b, 0, &c) == RG_OK);
    CHECK_EQ_INT(t, rg_ice_agent_add_remote_candidate(a, sim.now_us, &c), RG_EEXIST);
    rg_ice_agent_end_of_candidates(a, sim.now_us);
    CHECK_EQ_INT(t, rg_ice_agent_state(a), RG_ICE_STATE_COMPLETED);
    rg_sim_deinit(&sim);
}

static const struct rg_test_case cases[] = {
    { "priorities", priorities },
    { "source_priority", source_priority },
    { "local_candidates", local_candidates },
    { "bad_config", bad_config },
    { "oom_stepping", oom_stepping },
    { "full_lite", full_lite },
    { "full_full", full_full },
    { "role_conflict", role_conflict },
    { "lossy_network", lossy_network },
    { "restart", restart },
    { "consent_expiry", consent_expiry },
    { "prflx_nat", prflx_nat },
    { "attacker", attacker },
    { "all_fail", all_fail },
    { "responses", responses },
    { "pacing", pacing },
    { "two_components", two_components },
    { "trickle", trickle },
};

RG_TEST_MAIN(cases)
