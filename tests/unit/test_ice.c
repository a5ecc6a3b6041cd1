/* Unit tests for src/proto/ice: priorities, candidates, configuration,
 * single agents with the peer played by hand (responses, pacing and
 * retransmission, queues) and forged traffic (RFC 8489 §9.1.3 / RTP Bleed).
 * Scenario tests of two agents are in test_ice_net.c. */
#include "harness.h"

#include "core/rng.h"
#include "proto/ice/ice.h"
#include "proto/stun/stun.h"
#include "sim/ice_util.h"

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
    CHECK_EQ_INT(t, rg_ice_agent_set_remote_credentials(a, 0, RG_STR_LIT("ab:c"), pwd), RG_EINVAL);
    CHECK_EQ_INT(t,
                 rg_ice_agent_set_remote_credentials(a, 0, RG_STR_LIT("abcd"), RG_STR_LIT("short")),
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
    struct oom_arg o = {&sim, &s};
    rg_t_oom_step(t, oom_new, &o, 20);
    rg_sim_deinit(&sim);
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
    CHECK_EQ_INT(t, rg_ice_agent_handle_packet(a, sim->now_us, 1, &evil, buf, (size_t)n), want_rc);
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
    REQUIRE(t, two_agents(&sim, 60, RG_ICE_FULL, RG_ICE_CONTROLLED, RG_ICE_FULL, RG_ICE_CONTROLLING,
                          false) == RG_OK);
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
    uint8_t txid[RG_STUN_TXID_LEN] = {1, 2, 3};
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
    rg_stun_build_init(&b, buf, sizeof(buf), RG_STUN_BINDING,
                       code ? RG_STUN_ERROR : RG_STUN_SUCCESS, m->txid);
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
    int n_sent[5] = {0};
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
        CHECK_EQ_INT(t, order[k], 4 - k);              /* highest priority first */
        CHECK_EQ_INT(t, sent_at[4 - k][0], k * 50000); /* Ta = 50 ms apart */
        CHECK_EQ_INT(t, n_sent[k], 7);                 /* Rc = 7 */
    }
    static const int64_t sched_ms[7] = {0, 500, 1500, 3500, 7500, 15500, 31500};
    for (int j = 0; j < 7; j++)
        CHECK_EQ_INT(t, sent_at[4][j], sched_ms[j] * 1000);
    CHECK_EQ_INT(t, rg_ice_agent_pair_count(a, RG_ICE_PAIR_FAILED), 5);
    CHECK_EQ_INT(t, rg_ice_agent_state(a), RG_ICE_STATE_FAILED);
    /* The last pair failed Rm * RTO = 8 s after its last transmission. */
    CHECK(t, now >= sent_at[0][6] + 8 * SEC);
    rg_sim_deinit(&sim);
}

/* A caller that does not drain: queues stay bounded, nothing breaks, and
 * retransmission recovers what was dropped. */
static void bounded_queues(struct rg_t *t)
{
    struct rg_sim sim;
    REQUIRE(t, rg_sim_init(&sim, 95) == RG_OK);
    struct setup s;
    setup_init(&s, &sim, RG_ICE_FULL, RG_ICE_CONTROLLING);
    setup_addr(&s, "192.0.2.1", 5000, 1, 1);
    REQUIRE(t, rg_sim_add(&sim, &s.cfg) == 0);
    struct rg_ice_agent *a = sim.node[0].agent;
    CHECK_OK(t, rg_ice_agent_set_remote_credentials(a, 0, RG_STR_LIT("peer"),
                                                    RG_STR_LIT("0123456789012345678901")));
    for (uint16_t i = 0; i < 30; i++) {
        struct rg_ice_cand c = cand("198.51.100.2", (uint16_t)(6000 + i), RG_ICE_HOST);
        c.foundation[0] = (char)('A' + i);
        CHECK_OK(t, rg_ice_agent_add_remote_candidate(a, 0, &c));
    }
    int64_t now = 0;
    for (int i = 0; i < 40; i++, now += 50000)
        rg_ice_agent_handle_timeout(a, now);
    struct rg_ice_transmit tx;
    int n = 0;
    while (rg_ice_agent_poll_transmit(a, &tx) == RG_OK)
        n++;
    CHECK_EQ_INT(t, n, RG_ICE_TX_QUEUE);
    /* All 30 pairs were started; the dropped first transmissions come
     * back as retransmissions. */
    CHECK_EQ_INT(t, rg_ice_agent_pair_count(a, RG_ICE_PAIR_IN_PROGRESS), 30);
    bool seen[30] = {false};
    for (int64_t end = now + 4 * SEC; now < end;) {
        now = rg_ice_agent_next_timeout_us(a);
        rg_ice_agent_handle_timeout(a, now);
        while (rg_ice_agent_poll_transmit(a, &tx) == RG_OK)
            seen[tx.dest.port - 6000] = true;
    }
    for (int i = 0; i < 30; i++)
        CHECK(t, seen[i]);
    rg_sim_deinit(&sim);
}

static const struct rg_test_case cases[] = {
    {"priorities", priorities},
    {"source_priority", source_priority},
    {"local_candidates", local_candidates},
    {"bad_config", bad_config},
    {"oom_stepping", oom_stepping},
    {"attacker", attacker},
    {"all_fail", all_fail},
    {"responses", responses},
    {"pacing", pacing},
    {"bounded_queues", bounded_queues},
};

RG_TEST_MAIN(cases)
