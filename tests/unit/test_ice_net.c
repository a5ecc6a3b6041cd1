/* Scenario tests for src/proto/ice: two agents on the simulated network of
 * tests/sim/ice_sim.h (virtual time, loss, delay, reordering, NATs, silent
 * peers): full<->lite, full<->full, role conflict, loss, restart, consent
 * expiry, peer-reflexive learning, trickle, two components. */
#include "harness.h"

#include "proto/ice/ice.h"
#include "sim/ice_util.h"

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
    /* RFC 8445 §11: the lite agent keeps the binding with indications. */
    CHECK(t, sim.node[1].sent_indications >= 12 && sim.node[1].sent_indications <= 14);
    CHECK_EQ_INT(t, sim.node[0].sent_indications, 0);
    CHECK(t, !sim.stuck);
    rg_sim_deinit(&sim);
}

static void full_full(struct rg_t *t)
{
    struct rg_sim sim;
    REQUIRE(t, two_agents(&sim, 11, RG_ICE_FULL, RG_ICE_CONTROLLING, RG_ICE_FULL, RG_ICE_CONTROLLED,
                          true) == RG_OK);
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

static void role_conflict_case(struct rg_t *t, enum rg_ice_role role, uint64_t seed, unsigned loss)
{
    struct rg_sim sim;
    REQUIRE(t, two_agents(&sim, seed, RG_ICE_FULL, role, RG_ICE_FULL, role, true) == RG_OK);
    sim.loss_permille = loss;
    sim.jitter_us = loss ? 60000 : 0;
    rg_sim_run(&sim, 60 * SEC, both_completed, NULL);
    CHECK(t, both_completed(&sim, NULL));
    check_converged(t, &sim);
    enum rg_ice_role r0 = rg_ice_agent_role(sim.node[0].agent);
    enum rg_ice_role r1 = rg_ice_agent_role(sim.node[1].agent);
    CHECK(t, r0 != r1); /* exactly one controlling agent */
    /* §7.3.1.1: the larger tie-breaker controls; one of the two switched. */
    CHECK_EQ_INT(t, sim.node[0].n_events[RG_ICE_EV_ROLE] + sim.node[1].n_events[RG_ICE_EV_ROLE], 1);
    rg_sim_deinit(&sim);
}

static void role_conflict(struct rg_t *t)
{
    for (uint64_t seed = 20; seed < 26; seed++) {
        role_conflict_case(t, RG_ICE_CONTROLLING, seed, 0);
        role_conflict_case(t, RG_ICE_CONTROLLED, seed, 0);
        role_conflict_case(t, RG_ICE_CONTROLLING, seed, 200);
        role_conflict_case(t, RG_ICE_CONTROLLED, seed, 200);
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
    check_media_alive(t, &sim);
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

static void restart_case(struct rg_t *t, enum rg_ice_mode mb, bool b_regenerates, unsigned loss)
{
    struct rg_sim sim;
    REQUIRE(t, two_agents(&sim, 30 + loss, RG_ICE_FULL, RG_ICE_CONTROLLING, mb, RG_ICE_CONTROLLED,
                          false) == RG_OK);
    sim.loss_permille = loss;
    rg_sim_run(&sim, 60 * SEC, both_completed, NULL);
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
    rg_sim_run(&sim, sim.now_us + 30 * SEC, both_completed, NULL);
    CHECK(t, both_completed(&sim, NULL));
    check_converged(t, &sim);
    CHECK(t, sim.node[0].n_events[RG_ICE_EV_SELECTED_PAIR] >= 2);
    CHECK(t, sim.node[1].n_events[RG_ICE_EV_SELECTED_PAIR] >= 2);
    /* Consent keeps running on the new credentials. */
    rg_sim_run(&sim, sim.now_us + 90 * SEC, NULL, NULL);
    check_media_alive(t, &sim);
    rg_sim_deinit(&sim);
}

static void restart(struct rg_t *t)
{
    for (unsigned loss = 0; loss <= 200; loss += 100) {
        restart_case(t, RG_ICE_FULL, true, loss);
        restart_case(t, RG_ICE_FULL, false, loss);
        restart_case(t, RG_ICE_LITE, true, loss);
    }
}

/* A restarts (RFC 8445 §9) and B answers with new credentials of its own,
 * but A never takes them: it keeps B's old ufrag/pwd and candidates (what
 * Chrome does when B's candidate keeps its address).  B must go back to the
 * old ones; both complete on the restarted session; consent keeps going. */
static void restart_peer_keeps_old_case(struct rg_t *t, unsigned loss)
{
    struct rg_sim sim;
    REQUIRE(t, two_agents(&sim, 40 + loss, RG_ICE_FULL, RG_ICE_CONTROLLING, RG_ICE_FULL,
                          RG_ICE_CONTROLLED, false) == RG_OK);
    sim.loss_permille = loss;
    rg_sim_run(&sim, 60 * SEC, both_completed, NULL);
    REQUIRE(t, both_completed(&sim, NULL));
    struct rg_ice_agent *a = sim.node[0].agent, *b = sim.node[1].agent;
    char bu[RG_ICE_CRED_MAX + 1], bp[RG_ICE_CRED_MAX + 1];
    REQUIRE(t, rg_str_copy_cstr(rg_ice_agent_local_ufrag(b), bu, sizeof(bu)) == RG_OK);
    REQUIRE(t, rg_str_copy_cstr(rg_ice_agent_local_pwd(b), bp, sizeof(bp)) == RG_OK);
    CHECK_OK(t, rg_ice_agent_restart(a, sim.now_us));
    CHECK_OK(t, rg_ice_agent_restart(b, sim.now_us)); /* B's answer: new credentials */
    CHECK(t, !rg_str_eq_cstr(rg_ice_agent_local_ufrag(b), bu));
    CHECK_OK(t, rg_sim_signal(&sim, 0, 1)); /* B takes A's new ones */
    CHECK_OK(t, rg_ice_agent_set_remote_credentials(a, sim.now_us, rg_str_from_cstr(bu),
                                                    rg_str_from_cstr(bp)));
    for (size_t k = 0; k < rg_ice_agent_local_count(b); k++) {
        struct rg_ice_cand c;
        CHECK_OK(t, rg_ice_agent_local_candidate(b, k, &c));
        CHECK_OK(t, rg_ice_agent_add_remote_candidate(a, sim.now_us, &c));
    }
    rg_ice_agent_end_of_candidates(a, sim.now_us);
    rg_sim_run(&sim, sim.now_us + 30 * SEC, both_completed, NULL);
    CHECK(t, both_completed(&sim, NULL));
    CHECK(t, rg_str_eq_cstr(rg_ice_agent_local_ufrag(b), bu)); /* B went back */
    CHECK(t, rg_str_eq_cstr(rg_ice_agent_local_pwd(b), bp));
    check_converged(t, &sim);
    CHECK(t, sim.node[1].n_events[RG_ICE_EV_SELECTED_PAIR] >= 2);
    rg_sim_run(&sim, sim.now_us + 90 * SEC, NULL, NULL);
    check_media_alive(t, &sim);
    rg_sim_deinit(&sim);
}

/* B restarts but its offer has not reached A yet: A's consent checks on the
 * old pair still carry B's old credentials and must be answered (RFC 7675
 * with RFC 8445 §9: media stays on the old pair meanwhile), so A keeps its
 * consent; a check with credentials B never had still gets 401. */
static void restart_old_consent_case(struct rg_t *t, enum rg_ice_mode mb)
{
    struct rg_sim sim;
    REQUIRE(t, two_agents(&sim, 50 + mb, RG_ICE_FULL, RG_ICE_CONTROLLING, mb, RG_ICE_CONTROLLED,
                          false) == RG_OK);
    rg_sim_run(&sim, 60 * SEC, both_completed, NULL);
    REQUIRE(t, both_completed(&sim, NULL));
    struct rg_ice_agent *a = sim.node[0].agent, *b = sim.node[1].agent;
    CHECK_OK(t, rg_ice_agent_restart(b, sim.now_us));
    rg_sim_run(&sim, sim.now_us + 45 * SEC, NULL, NULL);
    CHECK_EQ_INT(t, sim.node[0].n_events[RG_ICE_EV_CONSENT_LOST], 0);
    int sock;
    struct rg_addr r;
    CHECK_OK(t, rg_ice_agent_media_path(a, 1, &sock, &r));
    CHECK(t, !sim.stuck);
    rg_sim_deinit(&sim);
}

static void restart_interop(struct rg_t *t)
{
    for (unsigned loss = 0; loss <= 200; loss += 100)
        restart_peer_keeps_old_case(t, loss);
    restart_old_consent_case(t, RG_ICE_FULL);
    restart_old_consent_case(t, RG_ICE_LITE);
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

/* A browser-like full agent behind each kind of NAT (RFC 4787) reaches the
 * SBC (lite or full); it signals its private host address and the srflx
 * address a STUN server saw. */
static void nat_case(struct rg_t *t, enum rg_sim_nat kind, enum rg_ice_mode mb, uint64_t seed)
{
    struct rg_sim sim;
    REQUIRE(t, rg_sim_init(&sim, seed) == RG_OK);
    struct setup s;
    setup_init(&s, &sim, RG_ICE_FULL, RG_ICE_CONTROLLING);
    setup_addr(&s, "192.0.2.1", 5000, 1, 1);
    REQUIRE(t, rg_sim_add(&sim, &s.cfg) == 0);
    setup_init(&s, &sim, mb, RG_ICE_CONTROLLED);
    setup_addr(&s, "198.51.100.2", 6000, 1, 1);
    REQUIRE(t, rg_sim_add(&sim, &s.cfg) == 1);
    struct rg_sim_node *na = &sim.node[0];
    na->nat = true;
    na->nat_kind = (uint8_t)kind;
    na->nat_addr[0] = rg_sim_addr("203.0.113.5", 40000);
    na->peers[0][0] = rg_sim_addr("192.0.2.200", 3478); /* the STUN server */
    na->n_peers[0] = 1;
    REQUIRE(t, rg_sim_signal(&sim, 0, 1) == RG_OK);
    struct rg_ice_cand c = cand("203.0.113.5", 40000, RG_ICE_SRFLX);
    CHECK_OK(t, rg_ice_agent_add_remote_candidate(sim.node[1].agent, 0, &c));
    REQUIRE(t, rg_sim_signal(&sim, 1, 0) == RG_OK);
    rg_sim_run(&sim, 20 * SEC, both_completed, NULL);
    CHECK(t, both_completed(&sim, NULL));
    check_converged(t, &sim);
    struct rg_addr b = rg_sim_addr("198.51.100.2", 6000);
    struct rg_addr pub = rg_sim_seen_as(na, 0, &b);
    CHECK_EQ_INT(t, pub.port, kind == RG_SIM_NAT_SYMMETRIC ? 40001 : 40000);
    CHECK(t, rg_addr_eq(&sim.node[1].last_selected.remote, &pub));
    struct rg_ice_cand lc, rc;
    CHECK_OK(t, rg_ice_agent_selected(sim.node[1].agent, 1, &lc, &rc));
    CHECK_EQ_INT(t, lc.type, RG_ICE_HOST);
    /* Symmetric: only the peer-reflexive mapping works; otherwise the
     * signalled srflx address is the same as the prflx one. */
    CHECK_EQ_INT(t, rc.type, kind == RG_SIM_NAT_SYMMETRIC ? RG_ICE_PRFLX : RG_ICE_SRFLX);
    CHECK_EQ_INT(t, rg_ice_agent_selected(sim.node[1].agent, 2, &lc, &rc), RG_ENOTFOUND);
    /* The SBC sends media only to the mapping that passed checks. */
    struct rg_addr srflx = rg_sim_addr("203.0.113.5", 40000);
    if (kind == RG_SIM_NAT_SYMMETRIC)
        CHECK(t, !rg_ice_agent_may_send(sim.node[1].agent, 1, &srflx));
    rg_sim_run(&sim, sim.now_us + 60 * SEC, NULL, NULL);
    check_media_alive(t, &sim);
    rg_sim_deinit(&sim);
}

static void nat_kinds(struct rg_t *t)
{
    for (int k = RG_SIM_NAT_FULL_CONE; k <= RG_SIM_NAT_SYMMETRIC; k++) {
        nat_case(t, (enum rg_sim_nat)k, RG_ICE_LITE, 200 + (uint64_t)k);
        nat_case(t, (enum rg_sim_nat)k, RG_ICE_FULL, 210 + (uint64_t)k);
    }
}

static const struct rg_test_case cases[] = {
    {"full_lite", full_lite},
    {"full_full", full_full},
    {"role_conflict", role_conflict},
    {"lossy_network", lossy_network},
    {"restart", restart},
    {"restart_interop", restart_interop},
    {"consent_expiry", consent_expiry},
    {"prflx_nat", prflx_nat},
    {"nat_kinds", nat_kinds},
    {"two_components", two_components},
    {"trickle", trickle},
};

RG_TEST_MAIN(cases)
