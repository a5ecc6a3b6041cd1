/*
 * Unit tests for SDES-SRTP legs in the media engine (RFC 4568): a call
 * between an RTP/SAVP peer keyed with a=crypto and a plain RTP peer, in
 * memory.  Checks what a user would notice: the SDP toward each peer
 * carries the right profile and a usable a=crypto (same tag as accepted, a
 * line per supported suite when we offer); audio protected with the peer's
 * key arrives plain on the other leg and audio from the plain leg arrives
 * protected with the key we announced; forged or wrong-key SRTP is dropped
 * and counted; an answer naming none of our tags or an offer with no
 * supported suite is refused; the ng rule that picks SDES over DTLS.
 */
#include "harness.h"

#include <stdio.h>

#include "core/arena.h"
#include "media/mcall.h"
#include "media/ng_cmd.h"
#include "proto/ng/bencode.h"
#include "proto/srtp/srtp_ctx.h"
#include "proto/srtp/srtp_sdes.h"

struct net {
    struct rg_rng_seeded rs;
    struct rg_rng rng;
    struct rg_mcall_env env;
    struct rg_mcall *call;
    int next_fd;
    struct rg_addr a_addr, b_addr; /* SRTP peer A, plain peer B */
};

static int fake_open(void *ud, const struct rg_addr *ip, bool pair, int fds[2],
                     struct rg_addr bound[2])
{
    struct net *n = ud;
    for (int k = 0; k < (pair ? 2 : 1); k++) {
        fds[k] = n->next_fd++;
        bound[k] = *ip;
        bound[k].port = (uint16_t)(20000 + 2 * fds[k]);
    }
    if (!pair)
        fds[1] = -1;
    return RG_OK;
}

static void fake_close(void *ud, int fd)
{
    (void)ud;
    (void)fd;
}

static struct rg_addr addr(const char *ip, uint16_t port)
{
    struct rg_addr a;
    (void)rg_addr_parse_ip(rg_str_from_cstr(ip), &a);
    a.port = port;
    return a;
}

static void net_init(struct net *n)
{
    memset(n, 0, sizeof(*n));
    n->next_fd = 10;
    rg_rng_seeded_init(&n->rs, 7, &n->rng);
    n->env.rng = &n->rng;
    n->env.media_ip = addr("198.51.100.1", 0);
    n->env.ports = (struct rg_mports){ .open = fake_open, .close = fake_close, .ud = n };
    n->a_addr = addr("192.0.2.10", 40000);
    n->b_addr = addr("192.0.2.20", 42000);
}

/* Key of A (AES_CM_128_HMAC_SHA1_80, RFC 4568 §9.1 example key). */
#define A_KEY "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
static const char *const sdp_a_offer =
    "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
    "m=audio 40000 RTP/SAVP 0\r\n"
    "a=crypto:1 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm\r\n"
    "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" A_KEY "|2^20|1:4 FEC_ORDER=FEC_SRTP\r\n"
    "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" A_KEY "\r\n"
    "a=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";
static const char *const sdp_b_plain =
    "v=0\r\no=- 2 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n"
    "m=audio 42000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";

/* The k-th a=crypto line of sdp (attribute value) parsed. */
static int crypto_line(struct rg_str sdp, int k, struct rg_srtp_sdes *out)
{
    long at = 0;
    for (int i = 0;; i++) {
        long p = rg_str_find(rg_str_from(sdp, (size_t)at), RG_STR_LIT("a=crypto:"));
        if (p < 0)
            return RG_ENOTFOUND;
        at += p + 9;
        if (i == k)
            break;
    }
    struct rg_str rest = rg_str_from(sdp, (size_t)at);
    long eol = rg_str_find(rest, RG_STR_LIT("\r\n"));
    return rg_srtp_sdes_parse_crypto(rg_str_head(rest, eol < 0 ? rest.len : (size_t)eol), out);
}

static size_t make_rtp(uint8_t *p, uint16_t seq, uint32_t ssrc, uint8_t fill)
{
    uint8_t h[12] = { 0x80, 0, (uint8_t)(seq >> 8), (uint8_t)seq, 0, 0, 0, (uint8_t)seq,
                      (uint8_t)(ssrc >> 24), (uint8_t)(ssrc >> 16), (uint8_t)(ssrc >> 8),
                      (uint8_t)ssrc };
    memcpy(p, h, 12);
    memset(p + 12, fill, 160);
    return 172;
}

static struct rg_mside *side(struct net *n, int k)
{
    return &n->call->stream[0].side[k];
}

/* Sends len bytes from `from` into the engine's socket of side k and
 * returns the one datagram it relays (or 0 when none). */
static size_t relay_one(struct net *n, int k, const struct rg_addr *from, uint8_t *p, size_t len,
                        struct rg_mtx *got)
{
    rg_mcall_handle_datagram(n->call, 0, side(n, k)->fd_rtp, from, p, len);
    const struct rg_mtx *tx;
    if (rg_mcall_poll_transmit(n->call, &tx) != RG_OK)
        return 0;
    *got = *tx;
    return tx->len;
}

static struct rg_srtp *session(const struct rg_srtp_key *k, enum rg_srtp_dir dir)
{
    struct rg_srtp_cfg cfg = { .key = *k, .dir = dir };
    struct rg_srtp *s = NULL;
    return rg_srtp_new(&cfg, &s) == RG_OK ? s : NULL;
}

static const struct rg_mside_req keep = { -1, -1, -1, -1, -1 };

static void sdes_offerer_to_plain(struct rg_t *t)
{
    struct net n;
    net_init(&n);
    REQUIRE(t, rg_srtp_global_init() == RG_OK);
    REQUIRE(t, rg_mcall_create(&n.env, RG_STR_LIT("c1"), RG_STR_LIT("fa"), 0, &n.call) == RG_OK);
    struct rg_mside_req to_plain = keep;
    to_plain.transport = RG_MT_RTP_AVP;
    struct rg_buf out;
    rg_buf_init(&out, 65536);
    const char *why = NULL;
    CHECK_OK(t, rg_mcall_sdp(n.call, 0, 0, true, rg_str_from_cstr(sdp_a_offer), &to_plain, &out, &why));
    /* Toward B: plain, no key of A's leaks across. */
    CHECK(t, strstr((char *)out.data, "RTP/AVP 0") && !strstr((char *)out.data, "crypto"));
    rg_buf_reset(&out);
    CHECK_OK(t, rg_mcall_sdp(n.call, 0, 1, false, rg_str_from_cstr(sdp_b_plain), &keep, &out, &why));
    /* Toward A: RTP/SAVP answering line 3 (line 1: unsupported suite, line 2:
     * session parameter we do not implement) with a fresh key of ours. */
    CHECK(t, strstr((char *)out.data, "m=audio 20020 RTP/SAVP 0") != NULL);
    struct rg_srtp_sdes ours, none;
    REQUIRE(t, crypto_line(rg_buf_str(&out), 0, &ours) == RG_OK);
    CHECK_EQ_INT(t, crypto_line(rg_buf_str(&out), 1, &none), RG_ENOTFOUND);
    CHECK_EQ_INT(t, ours.tag, 3);
    CHECK_EQ_INT(t, ours.key.profile, RG_SRTP_AES128_CM_SHA1_80);
    struct rg_srtp_sdes theirs;
    REQUIRE(t, crypto_line(rg_str_from_cstr(sdp_a_offer), 2, &theirs) == RG_OK);
    CHECK(t, memcmp(ours.key.key, theirs.key.key, 16) != 0);
    struct rg_srtp *a_out = session(&theirs.key, RG_SRTP_OUTBOUND);
    struct rg_srtp *a_in = session(&ours.key, RG_SRTP_INBOUND);
    REQUIRE(t, a_out && a_in);
    /* A -> B: protected with A's key, arrives plain at B's signalled address. */
    uint8_t pkt[256], want[256];
    struct rg_mtx got;
    for (uint16_t seq = 1; seq <= 5; seq++) {
        size_t len = make_rtp(pkt, seq, 0xA11CE, (uint8_t)seq);
        memcpy(want, pkt, len);
        CHECK_OK(t, rg_srtp_protect_rtp(a_out, pkt, len, sizeof(pkt), &len));
        CHECK_EQ_INT(t, len, 172 + 10);
        CHECK_EQ_INT(t, relay_one(&n, 0, &n.a_addr, pkt, len, &got), 172);
        CHECK_MEM(t, got.data, got.len, want, 172);
        CHECK(t, rg_addr_eq(&got.dest, &n.b_addr) && got.fd == side(&n, 1)->fd_rtp);
    }
    /* B -> A: plain in, protected with our announced key out. */
    for (uint16_t seq = 1; seq <= 5; seq++) {
        size_t len = make_rtp(pkt, seq, 0xB0B, 0x55);
        memcpy(want, pkt, len);
        REQUIRE(t, relay_one(&n, 1, &n.b_addr, pkt, len, &got) == 182);
        CHECK(t, rg_addr_eq(&got.dest, &n.a_addr));
        CHECK_OK(t, rg_srtp_unprotect_rtp(a_in, got.data, got.len, &len));
        CHECK_MEM(t, got.data, len, want, 172);
    }
    /* Forged (one payload bit flipped) and replayed SRTP is dropped. */
    size_t len = make_rtp(pkt, 9, 0xA11CE, 1);
    CHECK_OK(t, rg_srtp_protect_rtp(a_out, pkt, len, sizeof(pkt), &len));
    uint8_t copy[256];
    memcpy(copy, pkt, len);
    pkt[40] ^= 1;
    CHECK_EQ_INT(t, relay_one(&n, 0, &n.a_addr, pkt, len, &got), 0);
    CHECK_EQ_INT(t, relay_one(&n, 0, &n.a_addr, copy, len, &got), 172);
    memcpy(pkt, copy, len);
    CHECK_EQ_INT(t, relay_one(&n, 0, &n.a_addr, pkt, len, &got), 0);
    CHECK_EQ_INT(t, side(&n, 0)->st.drop_srtp, 2);
    CHECK_EQ_INT(t, side(&n, 0)->st.pkts_in, 6);
    /* A re-offers the same line (re-INVITE): our key and both sessions stay,
     * so audio keeps flowing without a replay-state reset. */
    rg_buf_reset(&out);
    CHECK_OK(t, rg_mcall_sdp(n.call, 0, 0, true, rg_str_from_cstr(sdp_a_offer), &to_plain, &out, &why));
    rg_buf_reset(&out);
    CHECK_OK(t, rg_mcall_sdp(n.call, 0, 1, false, rg_str_from_cstr(sdp_b_plain), &keep, &out, &why));
    struct rg_srtp_sdes again;
    REQUIRE(t, crypto_line(rg_buf_str(&out), 0, &again) == RG_OK);
    CHECK_EQ_INT(t, again.tag, 3);
    CHECK_MEM(t, again.key.key, 16, ours.key.key, 16);
    len = make_rtp(pkt, 10, 0xA11CE, 2);
    CHECK_OK(t, rg_srtp_protect_rtp(a_out, pkt, len, sizeof(pkt), &len));
    CHECK_EQ_INT(t, relay_one(&n, 0, &n.a_addr, pkt, len, &got), 172);
    len = make_rtp(pkt, 6, 0xB0B, 0x55);
    REQUIRE(t, relay_one(&n, 1, &n.b_addr, pkt, len, &got) == 182);
    CHECK_OK(t, rg_srtp_unprotect_rtp(a_in, got.data, got.len, &len));
    rg_srtp_free(a_out);
    rg_srtp_free(a_in);
    rg_buf_deinit(&out);
    rg_mcall_destroy(n.call);
}

/* Plain offerer, SDES asked toward the answerer: one line per suite. */
static void plain_offerer_to_sdes(struct rg_t *t)
{
    struct net n;
    net_init(&n);
    REQUIRE(t, rg_mcall_create(&n.env, RG_STR_LIT("c2"), RG_STR_LIT("fb"), 0, &n.call) == RG_OK);
    struct rg_mside_req to_sdes = keep;
    to_sdes.transport = RG_MT_SDES_SRTP;
    struct rg_buf out;
    rg_buf_init(&out, 65536);
    const char *why = NULL;
    CHECK_OK(t, rg_mcall_sdp(n.call, 0, 0, true, rg_str_from_cstr(sdp_b_plain), &to_sdes, &out, &why));
    CHECK(t, strstr((char *)out.data, " RTP/SAVP 0\r\n") != NULL);
    static const enum rg_srtp_profile want[4] = { RG_SRTP_AES128_CM_SHA1_80,
        RG_SRTP_AES128_CM_SHA1_32, RG_SRTP_AEAD_AES_128_GCM, RG_SRTP_AEAD_AES_256_GCM };
    struct rg_srtp_sdes offered[4], extra;
    for (int i = 0; i < 4; i++) {
        REQUIRE(t, crypto_line(rg_buf_str(&out), i, &offered[i]) == RG_OK);
        CHECK_EQ_INT(t, offered[i].tag, i + 1);
        CHECK_EQ_INT(t, offered[i].key.profile, want[i]);
    }
    CHECK_EQ_INT(t, crypto_line(rg_buf_str(&out), 4, &extra), RG_ENOTFOUND);
    /* A answers the GCM line (tag 3) with its own 128-bit key. */
    char answer[512];
    snprintf(answer, sizeof(answer),
             "v=0\r\no=- 3 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
             "m=audio 40000 RTP/SAVP 0\r\n"
             "a=crypto:3 AEAD_AES_128_GCM inline:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3OA==\r\n");
    rg_buf_reset(&out);
    CHECK_OK(t, rg_mcall_sdp(n.call, 0, 1, false, rg_str_from_cstr(answer), &keep, &out, &why));
    CHECK(t, strstr((char *)out.data, "RTP/AVP 0") && !strstr((char *)out.data, "crypto"));
    CHECK_EQ_INT(t, side(&n, 1)->srtp_profile, RG_SRTP_AEAD_AES_128_GCM);
    struct rg_srtp_sdes theirs;
    REQUIRE(t, crypto_line(rg_str_from_cstr(answer), 0, &theirs) == RG_OK);
    struct rg_srtp *a_out = session(&theirs.key, RG_SRTP_OUTBOUND);
    struct rg_srtp *a_in = session(&offered[2].key, RG_SRTP_INBOUND);
    REQUIRE(t, a_out && a_in);
    uint8_t pkt[256], ref[256];
    struct rg_mtx got;
    size_t len = make_rtp(pkt, 100, 0xB0B, 7);
    memcpy(ref, pkt, len);
    REQUIRE(t, relay_one(&n, 0, &n.b_addr, pkt, len, &got) == 172 + 16);
    CHECK_OK(t, rg_srtp_unprotect_rtp(a_in, got.data, got.len, &len));
    CHECK_MEM(t, got.data, len, ref, 172);
    len = make_rtp(pkt, 200, 0xA11CE, 9);
    memcpy(ref, pkt, len);
    CHECK_OK(t, rg_srtp_protect_rtp(a_out, pkt, len, sizeof(pkt), &len));
    REQUIRE(t, relay_one(&n, 1, &n.a_addr, pkt, len, &got) == 172);
    CHECK_MEM(t, got.data, got.len, ref, 172);
    /* A packet keyed with the offered CM key (not the one A answered) fails. */
    struct rg_srtp *wrong = session(&offered[0].key, RG_SRTP_OUTBOUND);
    len = make_rtp(pkt, 201, 0xA11CE, 9);
    CHECK_OK(t, rg_srtp_protect_rtp(wrong, pkt, len, sizeof(pkt), &len));
    CHECK_EQ_INT(t, relay_one(&n, 1, &n.a_addr, pkt, len, &got), 0);
    CHECK_EQ_INT(t, side(&n, 1)->st.drop_srtp, 1);
    rg_srtp_free(wrong);
    rg_srtp_free(a_out);
    rg_srtp_free(a_in);
    rg_buf_deinit(&out);
    rg_mcall_destroy(n.call);
}

static void refused_offers_and_answers(struct rg_t *t)
{
    struct net n;
    net_init(&n);
    REQUIRE(t, rg_mcall_create(&n.env, RG_STR_LIT("c3"), RG_STR_LIT("fc"), 0, &n.call) == RG_OK);
    struct rg_buf out;
    rg_buf_init(&out, 65536);
    const char *why = NULL;
    const char *only_f8 = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\n"
                          "t=0 0\r\nm=audio 40000 RTP/SAVP 0\r\n"
                          "a=crypto:1 F8_128_HMAC_SHA1_80 inline:" A_KEY "\r\n";
    CHECK_EQ_INT(t, rg_mcall_sdp(n.call, 0, 0, true, rg_str_from_cstr(only_f8), &keep, &out, &why),
                 RG_EUNSUPP);
    CHECK(t, why && strstr(why, "a=crypto"));
    rg_mcall_destroy(n.call);
    REQUIRE(t, rg_mcall_create(&n.env, RG_STR_LIT("c4"), RG_STR_LIT("fd"), 0, &n.call) == RG_OK);
    struct rg_mside_req to_sdes = keep;
    to_sdes.transport = RG_MT_SDES_SRTP;
    rg_buf_reset(&out);
    CHECK_OK(t, rg_mcall_sdp(n.call, 0, 0, true, rg_str_from_cstr(sdp_b_plain), &to_sdes, &out, &why));
    /* Tag 9 was never offered; tag 1 with another suite does not match. */
    const char *bad[2] = { "a=crypto:9 AES_CM_128_HMAC_SHA1_80 inline:" A_KEY "\r\n",
                           "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" A_KEY "\r\n" };
    for (int i = 0; i < 2; i++) {
        char answer[512];
        snprintf(answer, sizeof(answer),
                 "v=0\r\no=- 3 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
                 "m=audio 40000 RTP/SAVP 0\r\n%s", bad[i]);
        why = NULL;
        rg_buf_reset(&out);
        CHECK_EQ_INT(t, rg_mcall_sdp(n.call, 0, 1, false, rg_str_from_cstr(answer), &keep, &out, &why),
                     RG_EBADMSG);
        CHECK(t, why && strstr(why, "tags"));
    }
    CHECK(t, side(&n, 1)->srtp_in == NULL);
    rg_buf_deinit(&out);
    rg_mcall_destroy(n.call);
}

static int ng_req(const char *benc, struct rg_mside_req *r)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 16);
    const struct rg_bencode *d;
    struct rg_buf unknown;
    rg_buf_init(&unknown, 1024);
    const char *why = NULL;
    int rc = rg_bencode_parse(&a, benc, strlen(benc), NULL, &d);
    if (rc == (int)strlen(benc))
        rc = rg_ngcmd_req(d, r, &unknown, &why);
    rg_buf_deinit(&unknown);
    rg_arena_deinit(&a);
    return rc;
}

/* The rule of ng_cmd.c req_transport: RTP/SAVP(F) is SDES only on request. */
static void ng_transport_rule(struct rg_t *t)
{
    struct rg_mside_req r;
    CHECK_OK(t, ng_req("d18:transport-protocol9:RTP/SAVPFe", &r));
    CHECK_EQ_INT(t, r.transport, RG_MT_DTLS_SRTP);
    CHECK_OK(t, ng_req("d4:SDESl2:one18:transport-protocol8:RTP/SAVPe", &r));
    CHECK_EQ_INT(t, r.transport, RG_MT_SDES_SRTP);
    CHECK_OK(t, ng_req("d4:DTLS3:off18:transport-protocol8:RTP/SAVPe", &r));
    CHECK_EQ_INT(t, r.transport, RG_MT_SDES_SRTP);
    CHECK_OK(t, ng_req("d4:SDESl3:offe18:transport-protocol8:RTP/SAVPe", &r));
    CHECK_EQ_INT(t, r.transport, RG_MT_DTLS_SRTP);
    CHECK_OK(t, ng_req("d4:SDESl2:one18:transport-protocol17:UDP/TLS/RTP/SAVPFe", &r));
    CHECK_EQ_INT(t, r.transport, RG_MT_DTLS_SRTP);
    CHECK_OK(t, ng_req("d4:DTLS3:off18:transport-protocol17:UDP/TLS/RTP/SAVPFe", &r));
    CHECK_EQ_INT(t, r.transport, RG_MT_RTP_AVP);
}

static int whole_call(void *arg)
{
    struct net *n = arg;
    struct rg_mcall *c = NULL;
    int rc = rg_mcall_create(&n->env, RG_STR_LIT("c5"), RG_STR_LIT("fe"), 0, &c);
    if (rc != RG_OK)
        return rc;
    struct rg_buf out;
    rg_buf_init(&out, 65536);
    const char *why = NULL;
    struct rg_mside_req to_plain = keep;
    to_plain.transport = RG_MT_RTP_AVP;
    rc = rg_mcall_sdp(c, 0, 0, true, rg_str_from_cstr(sdp_a_offer), &to_plain, &out, &why);
    rg_buf_reset(&out);
    if (rc == RG_OK)
        rc = rg_mcall_sdp(c, 0, 1, false, rg_str_from_cstr(sdp_b_plain), &keep, &out, &why);
    rg_buf_deinit(&out);
    rg_mcall_destroy(c);
    return rc;
}

static void oom_offer_answer(struct rg_t *t)
{
    struct net n;
    net_init(&n);
    rg_t_oom_step(t, whole_call, &n, 500);
}

static const struct rg_test_case cases[] = {
    { "sdes_offerer_to_plain", sdes_offerer_to_plain },
    { "plain_offerer_to_sdes", plain_offerer_to_sdes },
    { "refused_offers_and_answers", refused_offers_and_answers },
    { "ng_transport_rule", ng_transport_rule },
    { "oom_offer_answer", oom_offer_answer },
};

RG_TEST_MAIN(cases)
