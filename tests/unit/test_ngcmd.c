/*
 * Unit tests for src/media/ng_cmd: the ng flags Kamailio's rtpengine module
 * sends, unknown flags reported (never silently dropped), and offer / answer
 * / query / delete through the command layer with fake sockets.
 */
#include "harness.h"

#include "core/arena.h"
#include "media/ng_cmd.h"
#include "proto/dtls/dtls_cert.h"
#include "proto/ng/bencode.h"

static const struct rg_bencode *dict(struct rg_arena *a, const char *text)
{
    const struct rg_bencode *d = NULL;
    if (rg_bencode_parse(a, text, strlen(text), NULL, &d) < 0)
        return NULL;
    return d;
}

static void flags_to_request(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_buf unknown;
    rg_buf_init(&unknown, 1024);
    struct rg_mside_req r;
    const char *why = NULL;
    const struct rg_bencode *d = dict(&a, "d3:ICE5:force4:DTLS7:passive8:rtcp-muxl7:requiree"
                                          "18:transport-protocol17:UDP/TLS/RTP/SAVPF"
                                          "5:flagsl13:trust-address10:odd-thing1e"
                                          "9:directionl8:internale"
                                          "13:media address11:203.0.113.9e");
    REQUIRE(t, d != NULL);
    CHECK_OK(t, rg_ngcmd_req(d, &r, &unknown, &why));
    CHECK_EQ_INT(t, r.transport, RG_MT_DTLS_SRTP);
    CHECK_EQ_INT(t, r.avpf, 1);
    CHECK_EQ_INT(t, r.ice, RG_MICE_FULL);
    CHECK_EQ_INT(t, r.rtcp_mux, 1);
    CHECK_EQ_INT(t, r.dtls_passive, 1);
    CHECK_EQ_INT(t, r.advertise.family, RG_AF_INET4);
    /* trust-address is what the engine always does; the rest is reported. */
    CHECK(t, rg_str_find(rg_buf_str(&unknown), RG_STR_LIT("odd-thing1")) >= 0);
    CHECK(t, rg_str_find(rg_buf_str(&unknown), RG_STR_LIT("direction=internal")) >= 0);
    CHECK(t, rg_str_find(rg_buf_str(&unknown), RG_STR_LIT("trust-address")) < 0);
    rg_buf_reset(&unknown);
    d = dict(&a, "d18:transport-protocol7:RTP/AVP3:ICE6:remove8:rtcp-muxl5:demuxe4:SDESl3:offee");
    REQUIRE(t, d != NULL);
    CHECK_OK(t, rg_ngcmd_req(d, &r, &unknown, &why));
    CHECK_EQ_INT(t, r.transport, RG_MT_RTP_AVP);
    CHECK_EQ_INT(t, r.ice, RG_MICE_NONE);
    CHECK_EQ_INT(t, r.rtcp_mux, 0);
    CHECK(t, rg_str_find(rg_buf_str(&unknown), RG_STR_LIT("SDES=off")) < 0);
    d = dict(&a, "d18:transport-protocol8:RTP/FOOBe");
    CHECK_EQ_INT(t, rg_ngcmd_req(d, &r, &unknown, &why), RG_EUNSUPP);
    CHECK(t, why && strstr(why, "transport"));
    rg_buf_deinit(&unknown);
    rg_arena_deinit(&a);
}

struct fake {
    int next_fd, open;
};

static int fopen_(void *ud, const struct rg_addr *ip, bool pair, int fds[2], struct rg_addr b[2])
{
    struct fake *f = ud;
    for (int k = 0; k < (pair ? 2 : 1); k++) {
        fds[k] = f->next_fd++;
        b[k] = *ip;
        b[k].port = (uint16_t)(30000 + fds[k]);
        f->open++;
    }
    if (!pair)
        fds[1] = -1;
    return RG_OK;
}

static void fclose_(void *ud, int fd)
{
    struct fake *f = ud;
    (void)fd;
    f->open--;
}

static int run_cmd(struct rg_ngcmd *n, const char *req, struct rg_buf *reply,
                   struct rg_mcall **gone)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_ng_msg m;
    struct rg_mcall *touched = NULL;
    int rc = rg_ng_parse(&a, req, strlen(req), NULL, &m);
    rg_buf_reset(reply);
    if (rc == RG_OK)
        rc = rg_ngcmd_execute(n, 1000000, &m, reply, &touched, gone);
    rg_arena_deinit(&a);
    return rc;
}

static void offer_answer_query_delete(struct rg_t *t)
{
    struct fake f = { 100, 0 };
    struct rg_rng_seeded st;
    struct rg_rng rng;
    struct rg_dtls_cert *cert = NULL;
    rg_rng_seeded_init(&st, 3, &rng);
    struct rg_dtls_profile p = { .v1_2 = true, .srtp = { RG_SRTP_AES128_CM_SHA1_80 }, .n_srtp = 1 };
    struct rg_mcall_env env = { .rng = &rng,
                                .ports = { .open = fopen_, .close = fclose_, .ud = &f } };
    REQUIRE(t, rg_dtls_cert_generate(&rng, "t", 1790000000LL, 30, &cert) == RG_OK);
    REQUIRE(t, rg_dtls_ctx_new(&p, cert, NULL, NULL, &env.dtls) == RG_OK);
    CHECK_OK(t, rg_dtls_cert_fingerprint(cert, RG_DTLS_HASH_SHA256, &env.local_fp));
    CHECK_OK(t, rg_addr_parse_ip(RG_STR_LIT("127.0.0.1"), &env.media_ip));
    struct rg_ngcmd n;
    rg_ngcmd_init(&n, &env, 4);
    struct rg_buf reply;
    rg_buf_init(&reply, 1 << 16);
    struct rg_mcall *gone = NULL;
    const char *plain = "v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nt=0 0\r\n"
                        "m=audio 40000 RTP/AVP 0\r\nc=IN IP4 192.0.2.20\r\n";
    char req[2048];
    snprintf(req, sizeof(req),
             "c1 d7:call-id2:c17:command5:offer8:from-tag1:a3:sdp%zu:%s"
             "18:transport-protocol17:UDP/TLS/RTP/SAVPF3:ICE5:force5:flagsl7:bogus-fee",
             strlen(plain), plain);
    CHECK_OK(t, run_cmd(&n, req, &reply, &gone));
    CHECK(t, rg_str_find(rg_buf_str(&reply), RG_STR_LIT("6:result2:ok")) >= 0);
    CHECK(t, rg_str_find(rg_buf_str(&reply), RG_STR_LIT("UDP/TLS/RTP/SAVPF 0")) >= 0);
    CHECK(t, rg_str_find(rg_buf_str(&reply), RG_STR_LIT("a=setup:actpass")) >= 0);
    CHECK(t, rg_str_find(rg_buf_str(&reply), RG_STR_LIT("unknown flags ignored: bogus-f")) >= 0);
    /* An answer for a call nobody offered is an error reply, not a crash. */
    snprintf(req, sizeof(req),
             "c2 d7:call-id2:zz7:command6:answer8:from-tag1:a6:to-tag1:b3:sdp%zu:%se",
             strlen(plain), plain);
    CHECK_OK(t, run_cmd(&n, req, &reply, &gone));
    CHECK(t, rg_str_find(rg_buf_str(&reply), RG_STR_LIT("5:error")) >= 0);
    CHECK_OK(t, run_cmd(&n, "c3 d7:call-id2:c17:command5:querye", &reply, &gone));
    CHECK(t, rg_str_find(rg_buf_str(&reply), RG_STR_LIT("7:streamsl")) >= 0);
    CHECK_OK(t, run_cmd(&n, "c4 d7:call-id2:c17:command6:deletee", &reply, &gone));
    REQUIRE(t, gone != NULL);
    rg_mcall_destroy(gone);
    CHECK_EQ_INT(t, f.open, 0); /* every socket of the call closed */
    CHECK_OK(t, run_cmd(&n, "c5 d7:call-id2:c17:command6:deletee", &reply, &gone));
    CHECK(t, rg_str_find(rg_buf_str(&reply), RG_STR_LIT("Call-ID not found")) >= 0);
    /* address family IP6: refused without an IPv6 media address, used with one. */
    snprintf(req, sizeof(req),
             "c6 d14:address family3:IP67:call-id2:c27:command5:offer8:from-tag1:a3:sdp%zu:%se",
             strlen(plain), plain);
    CHECK_OK(t, run_cmd(&n, req, &reply, &gone));
    CHECK(t, rg_str_find(rg_buf_str(&reply), RG_STR_LIT("no IPv6 media address")) >= 0);
    CHECK_OK(t, rg_addr_parse_ip(RG_STR_LIT("::1"), &env.media_ip6));
    CHECK_OK(t, run_cmd(&n, req, &reply, &gone));
    CHECK(t, rg_str_find(rg_buf_str(&reply), RG_STR_LIT("c=IN IP6 ::1")) >= 0);
    CHECK_OK(t, run_cmd(&n, "c7 d7:call-id2:c27:command6:deletee", &reply, &gone));
    REQUIRE(t, gone != NULL);
    rg_mcall_destroy(gone);
    rg_buf_deinit(&reply);
    rg_ngcmd_deinit(&n);
    rg_dtls_ctx_free(env.dtls);
    rg_dtls_cert_free(cert);
}

static const struct rg_test_case cases[] = {
    { "flags_to_request", flags_to_request },
    { "offer_answer_query_delete", offer_answer_query_delete },
};

RG_TEST_MAIN(cases)
