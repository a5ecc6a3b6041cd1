/* Unit tests for SIP/SIPS/tel URIs: RFC 3261 §19.1, §19.1.4, RFC 3966. */
#include "harness.h"

#include "core/arena.h"
#include "proto/sip/sip_uri.h"

static int parse(struct rg_arena *a, const char *s, struct rg_sip_uri *u)
{
    return rg_sip_uri_parse(rg_str_from_cstr(s), RG_SIP_URI_WHOLE, a, u, NULL);
}

static void sip_full(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 1024, 1 << 16);
    struct rg_sip_uri u;
    REQUIRE(t, parse(&a,
                     "sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr"
                     "?subject=project%20x&priority=urgent",
                     &u) == RG_OK);
    CHECK_EQ_INT(t, u.scheme, RG_SIP_SCHEME_SIPS);
    CHECK_STR(t, u.user, "alice");
    CHECK_STR(t, u.password, "secret");
    CHECK_STR(t, u.host, "[2001:db8::1]");
    CHECK(t, u.host_ipv6);
    CHECK_EQ_INT(t, u.port, 5061);
    REQUIRE(t, u.params.n == 2);
    CHECK_STR(t, u.params.v[0].name, "transport");
    CHECK_STR(t, u.params.v[0].value, "tcp");
    CHECK_STR(t, u.params.v[1].name, "lr");
    CHECK(t, u.params.v[1].value.p == NULL);
    REQUIRE(t, u.headers.n == 2);
    CHECK_STR(t, u.headers.v[0].value, "project%20x");
    CHECK_STR(t, rg_sip_param_find(&u.headers, "PRIORITY")->value, "urgent");

    REQUIRE(t, parse(&a, "sip:example.com", &u) == RG_OK);
    CHECK(t, u.user.p == NULL && u.password.p == NULL && u.port == 0);
    REQUIRE(t, parse(&a, "SIP:Bob@192.0.2.4:5060;user=phone", &u) == RG_OK);
    CHECK_EQ_INT(t, u.scheme, RG_SIP_SCHEME_SIP);
    CHECK_STR(t, u.host, "192.0.2.4");
    REQUIRE(t, parse(&a, "sip:[::1]", &u) == RG_OK);
    CHECK_STR(t, u.host, "[::1]");
    rg_arena_deinit(&a);
}

static void sip_invalid(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 1024, 1 << 16);
    struct rg_sip_uri u;
    const char *bad[] = {
        "sip:",
        "sip:@example.com",
        "sip:a@",
        "sip:a@example.com:",
        "sip:a@example.com:65536",
        "sip:a@example.com:5x",
        "sip:[2001:db8::1",
        "sip:2001:db8::1",
        "sip:a%4@h",
        "sip:a%ZZ@h",
        "sip:a b@h",
        "sip:a@h;",
        "sip:a@h;=x",
        "sip:a@h?",
        "sip:a@h?x",
        "sip:a@-h",
        "<sip:a@h>",
        ":x",
        "1sip:a@h",
        "tel:",
        "tel:12;",
        "tel:+1 2",
        "mailto:a b",
        "x:",
        "sip:a@h;p=\"q\"",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(&a, bad[i], &u) != RG_EBADMSG) {
            fprintf(stderr, "    accepted \"%s\"\n", bad[i]);
            t->failures++;
        }
    }
    rg_arena_deinit(&a);
}

static void tel_and_other(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 1024, 1 << 16);
    struct rg_sip_uri u;
    REQUIRE(t, parse(&a, "tel:+1-201-555-0123;phone-context=example.com;ext=22", &u) == RG_OK);
    CHECK_EQ_INT(t, u.scheme, RG_SIP_SCHEME_TEL);
    CHECK_STR(t, u.user, "+1-201-555-0123");
    CHECK_EQ_INT(t, u.params.n, 2);
    CHECK_STR(t, rg_sip_param_find(&u.params, "ext")->value, "22");
    REQUIRE(t, parse(&a, "tel:7042;phone-context=example.com", &u) == RG_OK);
    CHECK_STR(t, u.user, "7042");
    REQUIRE(t, parse(&a, "soap.beep://192.0.2.103:3002", &u) == RG_OK);
    CHECK_EQ_INT(t, u.scheme, RG_SIP_SCHEME_OTHER);
    CHECK_STR(t, u.opaque, "//192.0.2.103:3002");
    rg_arena_deinit(&a);
}

/* An addr-spec without <> stops at ';', ',', '?' and LWS (§20.10). */
static void bare_mode(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 1024, 1 << 16);
    struct rg_sip_uri u;
    size_t used = 0;
    CHECK_OK(
        t, rg_sip_uri_parse(RG_STR_LIT("sip:a@example.com;tag=1"), RG_SIP_URI_BARE, &a, &u, &used));
    CHECK_EQ_INT(t, used, 17);
    CHECK_EQ_INT(t, u.params.n, 0);
    CHECK_OK(t, rg_sip_uri_parse(RG_STR_LIT("sip:a@example.com , sip:b@h"), RG_SIP_URI_BARE, &a, &u,
                                 &used));
    CHECK_EQ_INT(t, used, 17);
    rg_arena_deinit(&a);
}

struct pair {
    const char *a, *b;
};

/* RFC 3261 §19.1.4: the equivalent and non-equivalent examples. */
static const struct pair same[] = {
    {"sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"},
    {"sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"},
    {"sip:carol@chicago.com", "sip:carol@chicago.com;security=on"},
    {"sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"},
    {"sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
     "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"},
    {"sip:alice@atlanta.com?subject=project%20x&priority=urgent",
     "sip:alice@atlanta.com?priority=urgent&subject=project%20x"},
};

static const struct pair differ[] = {
    {"SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"},
    {"sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"},
    {"sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"},
    {"sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"},
    {"sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"},
    {"sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"},
    {"sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;newparam=6"},
    {"sips:bob@biloxi.com", "sip:bob@biloxi.com"},
    {"sip:bob:pw@biloxi.com", "sip:bob@biloxi.com"},
};

static void compare(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 1024, 1 << 16);
    struct rg_sip_uri x, y;
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        REQUIRE(t, parse(&a, same[i].a, &x) == RG_OK && parse(&a, same[i].b, &y) == RG_OK);
        if (!rg_sip_uri_equal(&x, &y) || !rg_sip_uri_equal(&y, &x)) {
            fprintf(stderr, "    should match: %s / %s\n", same[i].a, same[i].b);
            t->failures++;
        }
    }
    for (size_t i = 0; i < sizeof(differ) / sizeof(differ[0]); i++) {
        REQUIRE(t, parse(&a, differ[i].a, &x) == RG_OK && parse(&a, differ[i].b, &y) == RG_OK);
        if (rg_sip_uri_equal(&x, &y) || rg_sip_uri_equal(&y, &x)) {
            fprintf(stderr, "    should differ: %s / %s\n", differ[i].a, differ[i].b);
            t->failures++;
        }
    }
    rg_arena_deinit(&a);
}

static void escapes(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 1024, 1 << 16);
    struct rg_str out;
    CHECK_OK(t, rg_sip_unescape(RG_STR_LIT("I%20have%2fspaces%00"), &a, &out));
    CHECK_MEM(t, out.p, out.len, "I have/spaces\0", 14);
    CHECK_EQ_INT(t, rg_sip_unescape(RG_STR_LIT("bad%2"), &a, &out), RG_EBADMSG);
    CHECK(t, rg_sip_escaped_equal(RG_STR_LIT("%41b"), RG_STR_LIT("Ab"), false));
    CHECK(t, !rg_sip_escaped_equal(RG_STR_LIT("%41b"), RG_STR_LIT("ab"), false));
    CHECK(t, rg_sip_escaped_equal(RG_STR_LIT("%41b"), RG_STR_LIT("ab"), true));
    rg_arena_deinit(&a);
}

static void limits(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 1024, 1 << 16);
    char s[512];
    size_t n = (size_t)snprintf(s, sizeof(s), "sip:h");
    for (int i = 0; i < RG_SIP_MAX_PARAMS; i++)
        n += (size_t)snprintf(s + n, sizeof(s) - n, ";p%d", i);
    struct rg_sip_uri u;
    CHECK_EQ_INT(t, parse(&a, s, &u), RG_OK);
    CHECK_EQ_INT(t, u.params.n, RG_SIP_MAX_PARAMS);
    snprintf(s + n, sizeof(s) - n, ";one-more");
    CHECK_EQ_INT(t, parse(&a, s, &u), RG_ELIMIT);
    rg_arena_deinit(&a);
}

static int uri_oom(void *arg)
{
    (void)arg;
    struct rg_arena a;
    rg_arena_init(&a, 64, 1 << 16);
    struct rg_sip_uri u;
    struct rg_str d;
    int rc = parse(&a, "sip:%61lice@h;a=1;b;c=3?x=1&y=2", &u);
    if (rc == RG_OK)
        rc = rg_sip_unescape(u.user, &a, &d);
    rg_arena_deinit(&a);
    return rc;
}

static void oom(struct rg_t *t)
{
    rg_t_oom_step(t, uri_oom, NULL, 50);
}

static const struct rg_test_case cases[] = {
    {"sip_full", sip_full},
    {"sip_invalid", sip_invalid},
    {"tel_and_other", tel_and_other},
    {"bare_mode", bare_mode},
    {"compare", compare},
    {"escapes", escapes},
    {"limits", limits},
    {"oom", oom},
};

RG_TEST_MAIN(cases)
