/* Unit tests for building, editing and serializing SIP messages. */
#include "harness.h"

#include "core/arena.h"
#include "core/buf.h"
#include "proto/sip/sip_build.h"
#include "proto/sip/sip_msg.h"

static void from_scratch(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_msg *m;
    REQUIRE(t, rg_sip_msg_new_request(&a, RG_STR_LIT("OPTIONS"), RG_STR_LIT("sip:bob@example.com"),
                                      &m) == RG_OK);
    CHECK_OK(t,
             rg_sip_msg_add(m, &a, RG_STR_LIT("v"), RG_STR_LIT("SIP/2.0/UDP h;branch=z9hG4bK1")));
    CHECK_OK(t, rg_sip_msg_add(m, &a, RG_STR_LIT("To"), RG_STR_LIT("<sip:bob@example.com>")));
    CHECK_OK(t,
             rg_sip_msg_add(m, &a, RG_STR_LIT("From"), RG_STR_LIT("<sip:al@example.com>;tag=1")));
    CHECK_OK(t, rg_sip_msg_add(m, &a, RG_STR_LIT("Call-ID"), RG_STR_LIT("c1")));
    CHECK_OK(t, rg_sip_msg_add(m, &a, RG_STR_LIT("CSeq"), RG_STR_LIT("1 OPTIONS")));
    CHECK_OK(t, rg_sip_msg_add(m, &a, RG_STR_LIT("Max-Forwards"), RG_STR_LIT("70")));
    CHECK_OK(t, rg_sip_msg_add(m, &a, RG_STR_LIT("X-Old"), RG_STR_LIT("1")));
    CHECK_OK(t, rg_sip_msg_add(m, &a, RG_STR_LIT("x-old"), RG_STR_LIT("2")));
    CHECK_EQ_INT(t, rg_sip_msg_remove(m, RG_STR_LIT("X-OLD")), 2);
    /* A compact name replaces the long form in place. */
    CHECK_OK(t, rg_sip_msg_replace(m, &a, RG_STR_LIT("t"), RG_STR_LIT("<sip:carol@example.com>")));
    CHECK_OK(t, rg_sip_msg_set_body(m, &a, RG_STR_LIT("text/plain"), RG_STR_LIT("hello")));
    CHECK_OK(t, rg_sip_msg_insert(m, &a, 0, RG_STR_LIT("Via"),
                                  RG_STR_LIT("SIP/2.0/TCP p.example.com;branch=z9hG4bKp")));
    CHECK_OK(t, rg_sip_msg_index(m, &a, NULL));
    CHECK_EQ_INT(t, m->n_vias, 2);
    CHECK_STR(t, m->vias[0].host, "p.example.com");
    CHECK_STR(t, m->to->uri.user, "carol");
    CHECK_EQ_INT(t, m->content_length, 5);

    struct rg_buf b;
    rg_buf_init(&b, 4096);
    REQUIRE(t, rg_sip_serialize(m, &b) == RG_OK);
    const char *want = "OPTIONS sip:bob@example.com SIP/2.0\r\n"
                       "Via: SIP/2.0/TCP p.example.com;branch=z9hG4bKp\r\n"
                       "v: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                       "To: <sip:carol@example.com>\r\n"
                       "From: <sip:al@example.com>;tag=1\r\n"
                       "Call-ID: c1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                       "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
    CHECK_MEM(t, b.data, b.len, want, strlen(want));
    struct rg_sip_msg *p;
    struct rg_sip_error e;
    REQUIRE(t, rg_sip_parse(b.data, b.len, NULL, &a, &p, &e) == RG_OK);
    CHECK(t, rg_sip_msg_equal(m, p));
    CHECK_STR(t, p->body, "hello");

    /* Replacing the body fixes Content-Length; an empty type removes it. */
    CHECK_OK(t, rg_sip_msg_set_body(m, &a, RG_STR_NULL, RG_STR_NULL));
    rg_buf_reset(&b);
    REQUIRE(t, rg_sip_serialize(m, &b) == RG_OK);
    CHECK(t, strstr(b.data, "Content-Length: 0\r\n\r\n") != NULL);
    CHECK(t, strstr(b.data, "Content-Type") == NULL);
    /* The index follows the edited table: removing Call-ID by its compact
     * name makes the message invalid again. */
    CHECK_EQ_INT(t, rg_sip_msg_remove(m, RG_STR_LIT("i")), 1);
    CHECK_EQ_INT(t, rg_sip_msg_index(m, &a, &e), RG_EBADMSG);
    CHECK_EQ_INT(t, e.reason, RG_SIP_R_MISSING_CALL_ID);
    CHECK_OK(t, rg_sip_msg_add(m, &a, RG_STR_LIT("Call-ID"), RG_STR_LIT("c2@h")));
    CHECK_OK(t, rg_sip_msg_index(m, &a, &e));
    CHECK_STR(t, m->call_id, "c2@h");
    rg_buf_deinit(&b);
    rg_arena_deinit(&a);
}

static void invalid_edits(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_msg *m;
    CHECK_EQ_INT(t, rg_sip_msg_new_request(&a, RG_STR_LIT("IN VITE"), RG_STR_LIT("sip:h"), &m),
                 RG_EINVAL);
    CHECK_EQ_INT(t, rg_sip_msg_new_request(&a, RG_STR_LIT("INVITE"), RG_STR_LIT("sip:h?x=1"), &m),
                 RG_EINVAL);
    CHECK_EQ_INT(t, rg_sip_msg_new_response(&a, 99, RG_STR_LIT("x"), &m), RG_EINVAL);
    CHECK_EQ_INT(t, rg_sip_msg_new_response(&a, 200, RG_STR_LIT("O\r\nK"), &m), RG_EINVAL);
    REQUIRE(t, rg_sip_msg_new_response(&a, 200, RG_STR_LIT("OK"), &m) == RG_OK);
    /* No header injection through names or values. */
    CHECK_EQ_INT(t, rg_sip_msg_add(m, &a, RG_STR_LIT("X: y"), RG_STR_LIT("z")), RG_EINVAL);
    CHECK_EQ_INT(t, rg_sip_msg_add(m, &a, RG_STR_LIT("X"), RG_STR_LIT("a\r\nVia: evil")),
                 RG_EINVAL);
    CHECK_EQ_INT(t, m->n_hdrs, 0);
    m->lim.max_headers = 2;
    CHECK_OK(t, rg_sip_msg_add(m, &a, RG_STR_LIT("A"), RG_STR_LIT("1")));
    CHECK_OK(t, rg_sip_msg_add(m, &a, RG_STR_LIT("B"), RG_STR_LIT("2")));
    CHECK_EQ_INT(t, rg_sip_msg_add(m, &a, RG_STR_LIT("C"), RG_STR_LIT("3")), RG_ELIMIT);
    /* A too small output buffer is left as it was. */
    struct rg_buf b;
    rg_buf_init(&b, 20);
    CHECK_OK(t, rg_buf_append_cstr(&b, "keep"));
    CHECK_EQ_INT(t, rg_sip_serialize(m, &b), RG_ELIMIT);
    CHECK_STR(t, rg_buf_str(&b), "keep");
    rg_buf_deinit(&b);
    rg_arena_deinit(&a);
}

static void response_to_request(struct rg_t *t)
{
    size_t len;
    char *d = rg_t_read_file("tests/vectors/sip/chrome_invite.sip", &len);
    REQUIRE(t, d != NULL);
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_msg *req, *r180, *r200;
    struct rg_sip_error e;
    REQUIRE(t, rg_sip_parse(d, len, NULL, &a, &req, &e) == RG_OK);
    /* A proxy-added Record-Route is echoed in 1xx/2xx (§12.1.1). */
    CHECK_OK(t, rg_sip_msg_insert(req, &a, 0, RG_STR_LIT("Record-Route"),
                                  RG_STR_LIT("<sip:gw.example.com;lr>")));
    CHECK_OK(t, rg_sip_msg_index(req, &a, &e));
    REQUIRE(t, rg_sip_make_response(req, &a, 180, RG_STR_LIT("Ringing"), RG_STR_LIT("as83kd"),
                                    &r180) == RG_OK);
    CHECK_EQ_INT(t, r180->status, 180);
    CHECK_STR(t, r180->to->tag, "as83kd");
    CHECK_STR(t, r180->from->tag, "8s2c9vq1ke");
    CHECK_STR(t, r180->vias[0].branch, "z9hG4bK4102937");
    CHECK_STR(t, r180->call_id, "u1jb0c3k5l8m7n6o5p4q");
    CHECK_EQ_INT(t, r180->cseq, 6842);
    CHECK_STR(t, r180->cseq_method, "INVITE");
    CHECK_EQ_INT(t, r180->record_routes.n, 1);
    CHECK_EQ_INT(t, r180->contacts.n, 0);
    CHECK_EQ_INT(t, r180->body.len, 0);

    REQUIRE(t, rg_sip_make_response(req, &a, 486, RG_STR_LIT("Busy Here"), RG_STR_LIT("x1"),
                                    &r200) == RG_OK);
    CHECK_EQ_INT(t, r200->record_routes.n, 0);
    struct rg_buf b;
    rg_buf_init(&b, 4096);
    REQUIRE(t, rg_sip_serialize(r200, &b) == RG_OK);
    CHECK(t, rg_str_has_prefix(rg_buf_str(&b), "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/WSS "));
    CHECK(t, strstr(b.data, "To: <sip:bob@example.com>;tag=x1\r\n") != NULL);
    CHECK(t, strstr(b.data, "\r\nContent-Length: 0\r\n\r\n") != NULL);
    struct rg_sip_msg *p;
    REQUIRE(t, rg_sip_parse(b.data, b.len, NULL, &a, &p, &e) == RG_OK);
    CHECK(t, rg_sip_msg_equal(p, r200));
    /* 100 Trying never gets a To tag (§8.2.6.2). */
    REQUIRE(t, rg_sip_make_response(req, &a, 100, RG_STR_LIT("Trying"), RG_STR_LIT("x1"), &r200) ==
                   RG_OK);
    CHECK(t, r200->to->tag.p == NULL);
    CHECK_EQ_INT(t, rg_sip_make_response(r180, &a, 200, RG_STR_LIT("OK"), RG_STR_NULL, &r200),
                 RG_EINVAL);
    rg_buf_deinit(&b);
    rg_arena_deinit(&a);
    rg_free(d);
}

static const char *const valid[] = {
    "wsinv",  "intmeth",  "esc01",      "escnull",  "esc02",    "lwsdisp",  "longreq",
    "dblreq", "semiuri",  "transports", "mpart01",  "unreason", "noreason", "badbranch",
    "unkscm", "novelsc",  "unksm2",     "bext01",   "invut",    "regaut01", "bcast",
    "zeromf", "cparam01", "cparam02",   "regescrt", "sdp01",    "inv2543",
};

/* serialize(parse(x)) parses to an equal message, and serializing again is
 * byte-identical. */
static void round_trip(struct rg_t *t)
{
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        char path[128];
        snprintf(path, sizeof(path), "tests/vectors/rfc4475/%s.dat", valid[i]);
        size_t len;
        char *d = rg_t_read_file(path, &len);
        REQUIRE(t, d != NULL);
        struct rg_arena a;
        rg_arena_init(&a, 4096, 1 << 20);
        struct rg_sip_msg *m1, *m2;
        struct rg_sip_error e;
        struct rg_buf b1, b2;
        rg_buf_init(&b1, 1 << 16);
        rg_buf_init(&b2, 1 << 16);
        bool ok = rg_sip_parse(d, len, NULL, &a, &m1, &e) == RG_OK &&
                  rg_sip_serialize(m1, &b1) == RG_OK &&
                  rg_sip_parse(b1.data, b1.len, NULL, &a, &m2, &e) == RG_OK &&
                  rg_sip_msg_equal(m1, m2) && rg_sip_serialize(m2, &b2) == RG_OK &&
                  b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0 &&
                  m2->n_vias == m1->n_vias && m2->contacts.n == m1->contacts.n;
        if (!ok) {
            fprintf(stderr, "    round trip failed: %s\n", valid[i]);
            t->failures++;
        }
        rg_buf_deinit(&b1);
        rg_buf_deinit(&b2);
        rg_arena_deinit(&a);
        rg_free(d);
    }
}

static int build_oom(void *arg)
{
    (void)arg;
    struct rg_arena a;
    rg_arena_init(&a, 256, 1 << 20);
    struct rg_buf b;
    rg_buf_init(&b, 4096);
    struct rg_sip_msg *m;
    int rc = rg_sip_msg_new_request(&a, RG_STR_LIT("BYE"), RG_STR_LIT("sip:b@h;lr"), &m);
    for (int i = 0; i < 20 && rc == RG_OK; i++)
        rc = rg_sip_msg_add(m, &a, RG_STR_LIT("X-Header"), RG_STR_LIT("some value"));
    if (rc == RG_OK)
        rc = rg_sip_msg_set_body(m, &a, RG_STR_LIT("text/plain"), RG_STR_LIT("body"));
    if (rc == RG_OK)
        rc = rg_sip_serialize(m, &b);
    rg_buf_deinit(&b);
    rg_arena_deinit(&a);
    return rc;
}

static void oom(struct rg_t *t)
{
    rg_t_oom_step(t, build_oom, NULL, 200);
}

static const struct rg_test_case cases[] = {
    {"from_scratch", from_scratch},
    {"invalid_edits", invalid_edits},
    {"response_to_request", response_to_request},
    {"round_trip", round_trip},
    {"oom", oom},
};

RG_TEST_MAIN(cases)
