/*
 * Tests for src/io/engine's in-process API (what the B2BUA uses instead of
 * ng over UDP): a real engine with its threads on 127.0.0.1, an offer and an
 * answer submitted from a caller's event loop, completions delivered on that
 * loop, and RTP relayed between two plain peers through the sockets the
 * engine allocated; then delete, and a delete of an unknown call.
 */
#include "harness.h"

#include <stdio.h>
#include <unistd.h>

#include "io/engine.h"
#include "io/loop.h"
#include "io/udp.h"
#include "media/mcall.h"
#include "proto/dtls/dtls_cert.h"

struct done {
    int calls;
    int rc;
    char sdp[8192];
    char why[128];
};

static void on_done(void *ud, int rc, struct rg_str sdp, const char *why)
{
    struct done *d = ud;
    d->calls++;
    d->rc = rc;
    (void)rg_str_copy_cstr(rg_str_head(sdp, sizeof(d->sdp) - 1), d->sdp, sizeof(d->sdp));
    snprintf(d->why, sizeof(d->why), "%s", why ? why : "");
}

static bool wait_done(struct rg_loop *l, const struct done *d, int want)
{
    for (int i = 0; i < 200 && d->calls < want; i++)
        if (rg_loop_run_once(l, 20) != RG_OK)
            return false;
    return d->calls >= want;
}

static uint16_t sdp_port(const char *sdp)
{
    const char *m = strstr(sdp, "m=audio ");
    unsigned p = 0;
    return m && sscanf(m, "m=audio %u", &p) == 1 ? (uint16_t)p : 0;
}

static void plain_sdp(char *out, size_t n, uint16_t port)
{
    snprintf(out, n,
             "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio %u RTP/AVP 0\r\n"
             "c=IN IP4 127.0.0.1\r\na=rtpmap:0 PCMU/8000\r\n",
             port);
}

static void offer_answer_relay_delete(struct rg_t *t)
{
    struct rg_engine_opts o = { .port_lo = 37000, .port_hi = 37199, .n_loops = 2 };
    REQUIRE(t, rg_addr_parse_ip(RG_STR_LIT("127.0.0.1"), &o.ng) == RG_OK);
    o.media_ip = o.ng;
    struct rg_engine *e = NULL;
    REQUIRE(t, rg_engine_start(&o, &e) == RG_OK);
    struct rg_loop loop;
    REQUIRE(t, rg_loop_init(&loop) == RG_OK);
    struct rg_engine_client *cl = NULL;
    REQUIRE(t, rg_engine_client_new(e, &loop, &cl) == RG_OK);

    struct rg_addr any = o.ng, a_addr, b_addr;
    int a = rg_udp_open(&any, &a_addr), b = rg_udp_open(&any, &b_addr);
    REQUIRE(t, a >= 0 && b >= 0);
    char sdp[512];
    struct rg_mside_req keep = { -1, -1, -1, -1, -1 };
    struct done d = { 0 };
    plain_sdp(sdp, sizeof(sdp), a_addr.port);
    CHECK_OK(t, rg_engine_sdp(cl, RG_STR_LIT("call-x"), RG_STR_LIT("fa"), RG_STR_NULL, false,
                              rg_str_from_cstr(sdp), &keep, on_done, &d));
    REQUIRE(t, wait_done(&loop, &d, 1));
    CHECK_OK(t, d.rc);
    uint16_t to_b = sdp_port(d.sdp); /* where B must send, from the offer B sees */
    plain_sdp(sdp, sizeof(sdp), b_addr.port);
    CHECK_OK(t, rg_engine_sdp(cl, RG_STR_LIT("call-x"), RG_STR_LIT("fa"), RG_STR_LIT("tb"), true,
                              rg_str_from_cstr(sdp), &keep, on_done, &d));
    REQUIRE(t, wait_done(&loop, &d, 2));
    CHECK_OK(t, d.rc);
    uint16_t to_a = sdp_port(d.sdp); /* where A must send */
    CHECK(t, to_a != 0 && to_b != 0 && to_a != to_b);

    /* A -> engine -> B, and B -> engine -> A. */
    uint8_t rtp[172] = { 0x80, 0x00, 0x00, 0x01 };
    struct rg_addr dst = o.ng;
    dst.port = to_a;
    CHECK_OK(t, rg_udp_send(a, &dst, rtp, sizeof(rtp)));
    dst.port = to_b;
    rtp[3] = 2;
    CHECK_OK(t, rg_udp_send(b, &dst, rtp, sizeof(rtp)));
    static struct rg_udp_batch batch;
    int got_b = 0, got_a = 0;
    for (int i = 0; i < 200 && (!got_a || !got_b); i++) {
        if (!got_b && rg_udp_recv_batch(b, &batch) > 0)
            got_b = batch.len[0] == sizeof(rtp) && batch.data[0][3] == 1;
        if (!got_a && rg_udp_recv_batch(a, &batch) > 0)
            got_a = batch.len[0] == sizeof(rtp) && batch.data[0][3] == 2;
        usleep(5000);
    }
    CHECK(t, got_a && got_b);

    CHECK_OK(t, rg_engine_delete(cl, RG_STR_LIT("call-x"), on_done, &d));
    REQUIRE(t, wait_done(&loop, &d, 3));
    CHECK_OK(t, d.rc);
    CHECK_OK(t, rg_engine_delete(cl, RG_STR_LIT("call-x"), on_done, &d));
    REQUIRE(t, wait_done(&loop, &d, 4));
    CHECK_EQ_INT(t, d.rc, RG_ENOTFOUND);
    /* An answer for a call that does not exist fails with a reason. */
    CHECK_OK(t, rg_engine_sdp(cl, RG_STR_LIT("nope"), RG_STR_LIT("f"), RG_STR_LIT("t"), true,
                              rg_str_from_cstr(sdp), &keep, on_done, &d));
    REQUIRE(t, wait_done(&loop, &d, 5));
    CHECK_EQ_INT(t, d.rc, RG_ENOTFOUND);
    CHECK(t, strstr(d.why, "unknown call-id") != NULL);

    close(a);
    close(b);
    rg_engine_client_free(cl);
    rg_loop_deinit(&loop);
    rg_engine_stop(e);
}

/* The fingerprint in an offer toward a DTLS-SRTP side made with profile k. */
static void offer_fp(struct rg_t *t, struct rg_engine_client *cl, struct rg_loop *loop,
                     const char *id, uint8_t k, struct done *d, char *fp, size_t fpsz)
{
    char sdp[512];
    plain_sdp(sdp, sizeof(sdp), 40000);
    struct rg_mside_req r = { RG_MT_DTLS_SRTP, 1, RG_MICE_FULL, 1, -1, -1, -1, -1 };
    r.dtls_prof = k;
    int want = d->calls + 1;
    fp[0] = '\0';
    CHECK_OK(t, rg_engine_sdp(cl, rg_str_from_cstr(id), RG_STR_LIT("fa"), RG_STR_NULL, false,
                              rg_str_from_cstr(sdp), &r, on_done, d));
    REQUIRE(t, wait_done(loop, d, want));
    CHECK_OK(t, d->rc);
    const char *a = strstr(d->sdp, "a=fingerprint:sha-256 ");
    if (a)
        snprintf(fp, fpsz, "%.*s", (int)strcspn(a, "\r\n"), a);
}

/* Extra DTLS profiles (a trunk group's dtlsProfileName): the engine keeps
 * those it can build, in order, and an offer made with profile k carries
 * that profile's certificate fingerprint (RFC 8122 §5); a profile without a
 * certificate of its own uses the engine's; one whose suites OpenSSL
 * refuses is left out. */
static void dtls_profiles_by_index(struct rg_t *t)
{
    struct rg_rng_seeded rs;
    struct rg_rng rng;
    rg_rng_seeded_init(&rs, 5, &rng);
    struct rg_dtls_cert *c2 = NULL;
    REQUIRE(t, rg_dtls_cert_generate(&rng, "tg2", 1790000000LL, 30, &c2) == RG_OK);
    struct rg_dtls_fp fp2;
    char want2[RG_DTLS_FP_STRLEN + 32], fpt[RG_DTLS_FP_STRLEN];
    REQUIRE(t, rg_dtls_cert_fingerprint(c2, RG_DTLS_HASH_SHA256, &fp2) == RG_OK);
    REQUIRE(t, rg_dtls_fp_format(&fp2, fpt, sizeof(fpt)) == RG_OK);
    snprintf(want2, sizeof(want2), "a=fingerprint:%s", fpt);
    struct rg_dtls_profile bad = { .v1_2 = true, .ciphers = "NO-SUCH-SUITE", .n_srtp = 1,
                                   .srtp = { RG_SRTP_AES128_CM_SHA1_80 } };
    struct rg_engine_dtls_prof profs[] = { { "P_CERT", c2, NULL }, { "P_BAD", NULL, &bad },
                                           { "P_DEF", NULL, NULL } };
    struct rg_engine_opts o = { .port_lo = 37200, .port_hi = 37399, .n_loops = 1,
                                .dtls_profs = profs, .n_dtls_profs = 3 };
    REQUIRE(t, rg_addr_parse_ip(RG_STR_LIT("127.0.0.1"), &o.media_ip) == RG_OK);
    struct rg_engine *e = NULL;
    REQUIRE(t, rg_engine_start(&o, &e) == RG_OK);
    const char *const *names = NULL;
    CHECK_EQ_INT(t, rg_engine_dtls_profiles(e, &names), 2);
    CHECK(t, strcmp(names[0], "P_CERT") == 0 && strcmp(names[1], "P_DEF") == 0);
    struct rg_loop loop;
    REQUIRE(t, rg_loop_init(&loop) == RG_OK);
    struct rg_engine_client *cl = NULL;
    REQUIRE(t, rg_engine_client_new(e, &loop, &cl) == RG_OK);
    struct done d = { 0 };
    char f0[160], f1[160], f2[160], f9[160];
    offer_fp(t, cl, &loop, "c0", 0, &d, f0, sizeof(f0));
    offer_fp(t, cl, &loop, "c1", 1, &d, f1, sizeof(f1));
    offer_fp(t, cl, &loop, "c2", 2, &d, f2, sizeof(f2));
    offer_fp(t, cl, &loop, "c9", 9, &d, f9, sizeof(f9)); /* beyond the table: default */
    CHECK(t, strcmp(f1, want2) == 0);
    CHECK(t, f0[0] && strcmp(f0, f1) != 0);
    CHECK(t, strcmp(f2, f0) == 0 && strcmp(f9, f0) == 0);
    rg_engine_client_free(cl);
    rg_loop_deinit(&loop);
    rg_engine_stop(e);
}

static const struct rg_test_case cases[] = {
    { "dtls_profiles_by_index", dtls_profiles_by_index },
    { "offer_answer_relay_delete", offer_answer_relay_delete },
};

RG_TEST_MAIN(cases)
