/* Unit tests for io/sip_via: received= and rport= on the top Via of a
 * received request (RFC 3261 §18.2.1, RFC 3581 §4). */
#include "harness.h"

#include "core/arena.h"
#include "io/sip_via.h"

#define REQ(via)                                                                                   \
    "OPTIONS sip:x@example.com SIP/2.0\r\nVia: " via "\r\nFrom: <sip:a@b>;tag=1\r\n"               \
    "To: <sip:x@example.com>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"

/* Parses req, stamps it as received from ip:port, returns the new top Via
 * header value (arena view) and *changed. */
static struct rg_str stamp(struct rg_t *t, struct rg_arena *a, const char *req, const char *ip,
                           uint16_t port, bool *changed, struct rg_sip_msg **out)
{
    struct rg_sip_msg *m = NULL;
    struct rg_sip_error err;
    struct rg_addr src;
    CHECK_OK(t, rg_addr_parse_ip(rg_str_from_cstr(ip), &src));
    src.port = port;
    CHECK_OK(t, rg_sip_parse(req, strlen(req), NULL, a, &m, &err));
    if (!m)
        return RG_STR_NULL;
    CHECK_OK(t, rg_sip_via_stamp(m, a, &src, changed));
    *out = m;
    return rg_sip_msg_find(m, RG_STR_LIT("Via"), NULL)->value;
}

static void sent_by_matches_source(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    bool changed = true;
    struct rg_sip_msg *m;
    struct rg_str v = stamp(t, &a, REQ("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1"), "192.0.2.1",
                            5060, &changed, &m);
    CHECK(t, !changed);
    CHECK_STR(t, v, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1");
    rg_arena_deinit(&a);
}

/* RFC 3261 §18.2.1: a different address (or a name) gets received=. */
static void received_added(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    bool changed = false;
    struct rg_sip_msg *m;
    struct rg_str v = stamp(t, &a, REQ("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1"),
                            "198.51.100.7", 4000, &changed, &m);
    CHECK(t, changed);
    CHECK_STR(t, v, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;received=198.51.100.7");
    CHECK_STR(t, m->vias[0].received, "198.51.100.7");
    v = stamp(t, &a, REQ("SIP/2.0/TCP pc33.example.com;branch=z9hG4bK2;received=10.0.0.1"),
              "192.0.2.9", 5070, &changed, &m);
    CHECK_STR(t, v, "SIP/2.0/TCP pc33.example.com;branch=z9hG4bK2;received=192.0.2.9");
    v = stamp(t, &a, REQ("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK3"), "2001:db8::1", 5060,
              &changed, &m);
    CHECK(t, !changed);
    v = stamp(t, &a, REQ("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK3"), "2001:db8::9", 5060,
              &changed, &m);
    CHECK_STR(t, v, "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK3;received=2001:db8::9");
    rg_arena_deinit(&a);
}

/* RFC 3581 §4 (the example of §4 and what JsSIP/SIP.js send over WS). */
static void rport_filled(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    bool changed = false;
    struct rg_sip_msg *m;
    struct rg_str v = stamp(t, &a, REQ("SIP/2.0/UDP 10.1.1.1:4540;rport;branch=z9hG4bKkjshdyff"),
                            "192.0.2.1", 9988, &changed, &m);
    CHECK_STR(t, v,
              "SIP/2.0/UDP 10.1.1.1:4540;rport=9988;branch=z9hG4bKkjshdyff;received=192.0.2.1");
    CHECK_EQ_INT(t, m->vias[0].rport, 9988);
    CHECK_STR(t, m->vias[0].branch, "z9hG4bKkjshdyff");
    /* rport present: received= even when sent-by is the source IP */
    v = stamp(t, &a, REQ("SIP/2.0/UDP 192.0.2.1:4540;rport;branch=z9hG4bK5"), "192.0.2.1", 4540,
              &changed, &m);
    CHECK_STR(t, v, "SIP/2.0/UDP 192.0.2.1:4540;rport=4540;branch=z9hG4bK5;received=192.0.2.1");
    v = stamp(t, &a, REQ("SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK6;rport"), "127.0.0.1",
              51000, &changed, &m);
    CHECK_STR(t, v,
              "SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK6;rport=51000;received=127.0.0.1");
    rg_arena_deinit(&a);
}

/* Only the top value changes; the rest of the header and other Via
 * headers stay byte for byte. */
static void other_vias_kept(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    bool changed = false;
    struct rg_sip_msg *m;
    static const char req[] =
        "OPTIONS sip:x@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP a.example;branch=z9hG4bK1;x=\"q,\\\"r\" , SIP/2.0/UDP "
        "b.example;branch=z9hG4bK2\r\n"
        "v: SIP/2.0/TCP c.example;branch=z9hG4bK3\r\nFrom: <sip:a@b>;tag=1\r\n"
        "To: <sip:x@example.com>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n\r\n";
    struct rg_str v = stamp(t, &a, req, "192.0.2.4", 5060, &changed, &m);
    CHECK_STR(t, v,
              "SIP/2.0/UDP a.example;branch=z9hG4bK1;x=\"q,\\\"r\";received=192.0.2.4, "
              "SIP/2.0/UDP b.example;branch=z9hG4bK2");
    CHECK_EQ_INT(t, m->n_vias, 3);
    CHECK_STR(t, m->vias[1].host, "b.example");
    CHECK_STR(t, m->vias[2].host, "c.example");
    rg_arena_deinit(&a);
}

/* RFC 3261 §25.1: a quoted-pair may escape NUL; it survives the rewrite. */
static void quoted_nul_kept(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    static const char req[] = "OPTIONS sip:x@example.com SIP/2.0\r\n"
                              "Via: SIP/2.0/UDP a.example;branch=z9hG4bK1;x=\"\\\0\"\r\n"
                              "From: <sip:a@b>;tag=1\r\nTo: <sip:x@example.com>\r\nCall-ID: c1\r\n"
                              "CSeq: 1 OPTIONS\r\n\r\n";
    struct rg_sip_msg *m = NULL;
    struct rg_sip_error err;
    struct rg_addr src;
    CHECK_OK(t, rg_addr_parse_ip(RG_STR_LIT("192.0.2.1"), &src));
    src.port = 5060;
    CHECK_OK(t, rg_sip_parse(req, sizeof(req) - 1, NULL, &a, &m, &err));
    REQUIRE(t, m != NULL);
    CHECK_OK(t, rg_sip_via_stamp(m, &a, &src, NULL));
    static const char want[] =
        "SIP/2.0/UDP a.example;branch=z9hG4bK1;x=\"\\\0\";received=192.0.2.1";
    struct rg_str v = rg_sip_msg_find(m, RG_STR_LIT("Via"), NULL)->value;
    CHECK_MEM(t, v.p, v.len, want, sizeof(want) - 1);
    rg_arena_deinit(&a);
}

static void refused(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    static const char resp[] = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                               "From: <sip:a@b>;tag=1\r\nTo: <sip:x@y>;tag=2\r\nCall-ID: c\r\n"
                               "CSeq: 1 OPTIONS\r\n\r\n";
    struct rg_sip_msg *m = NULL;
    struct rg_sip_error err;
    struct rg_addr src;
    CHECK_OK(t, rg_addr_parse_ip(RG_STR_LIT("192.0.2.1"), &src));
    CHECK_OK(t, rg_sip_parse(resp, sizeof(resp) - 1, NULL, &a, &m, &err));
    src.port = 5060;
    CHECK_EQ_INT(t, rg_sip_via_stamp(m, &a, &src, NULL), RG_EINVAL);
    /* a request from port 0 cannot be answered with rport=0 */
    m = NULL;
    static const char req[] = REQ("SIP/2.0/UDP 10.1.1.1:4540;rport;branch=z9hG4bK7");
    CHECK_OK(t, rg_sip_parse(req, sizeof(req) - 1, NULL, &a, &m, &err));
    src.port = 0;
    CHECK_EQ_INT(t, rg_sip_via_stamp(m, &a, &src, NULL), RG_EINVAL);
    rg_arena_deinit(&a);
}

static int oom_once(void *arg)
{
    (void)arg;
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_msg *m = NULL;
    struct rg_sip_error err;
    struct rg_addr src;
    static const char req[] = REQ("SIP/2.0/UDP 10.1.1.1:4540;rport;branch=z9hG4bKkjshdyff");
    int rc = rg_addr_parse_ip(RG_STR_LIT("192.0.2.1"), &src);
    src.port = 9988;
    if (rc == RG_OK)
        rc = rg_sip_parse(req, sizeof(req) - 1, NULL, &a, &m, &err);
    if (rc == RG_OK)
        rc = rg_sip_via_stamp(m, &a, &src, NULL);
    if (rc == RG_OK && m->vias[0].rport != 0 && !m->vias[0].received.p)
        rc = RG_EINVAL;
    rg_arena_deinit(&a);
    return rc == RG_ELIMIT ? RG_ENOMEM : rc;
}

static void oom_stepping(struct rg_t *t)
{
    rg_t_oom_step(t, oom_once, NULL, 200);
}

static const struct rg_test_case cases[] = {
    {"sent_by_matches_source", sent_by_matches_source},
    {"received_added", received_added},
    {"rport_filled", rport_filled},
    {"other_vias_kept", other_vias_kept},
    {"quoted_nul_kept", quoted_nul_kept},
    {"refused", refused},
    {"oom_stepping", oom_stepping},
};

RG_TEST_MAIN(cases)
