/*
 * Unit tests for src/media/mcall: a whole WebRTC <-> plain RTP call through
 * the engine in memory, with simulated time.  The "browser" is built from
 * rtcgate's own cores (a full ICE agent, a DTLS client/server, SRTP); the
 * SIP side is a plain RTP peer.  Checks what a user would notice: media
 * flows both ways once ICE and DTLS are up; RTP from an address that did not
 * pass ICE (or was not signalled) is not relayed (RTP Bleed / Inject);
 * forged SRTP is dropped and counted; a fingerprint mismatch fails the leg
 * and no media crosses.
 */
#include "harness.h"

#include <stdio.h>

#include "media/mcall.h"
#include "proto/dtls/dtls_cert.h"
#include "proto/dtls/dtls_conn.h"
#include "proto/ice/ice.h"
#include "proto/rtp/demux.h"
#include "proto/sdp/sdp.h"
#include "proto/srtp/srtp_ctx.h"

#define NOW_UNIX 1790000000LL
#define STEP_US 5000

struct net {
    /* engine side */
    struct rg_rng_seeded rs;
    struct rg_rng rng;
    struct rg_mcall_env env;
    struct rg_dtls_cert *cert;
    struct rg_mcall *call;
    int next_fd;
    int fds[8];
    struct rg_addr fd_addr[8];
    int n_fds;
    /* browser */
    struct rg_rng_seeded brs;
    struct rg_rng brng;
    struct rg_addr b_addr;
    struct rg_ice_agent *b_ice;
    struct rg_dtls_cert *b_cert, *b_fake_cert;
    struct rg_dtls_ctx *b_dctx;
    struct rg_dtls_conn *b_dtls;
    struct rg_srtp *b_in, *b_out;
    int b_media_in;      /* SRTP packets the browser decrypted */
    int b_bad_in;
    /* plain peer */
    struct rg_addr p_addr;
    int p_media_in;
    uint8_t p_last[256];
    size_t p_last_len;
    int64_t now;
};

static int fake_open(void *ud, const struct rg_addr *ip, bool pair, int fds[2],
                     struct rg_addr bound[2])
{
    struct net *n = ud;
    for (int k = 0; k < (pair ? 2 : 1); k++) {
        if (n->n_fds == 8)
            return RG_ELIMIT;
        fds[k] = n->next_fd++;
        bound[k] = *ip;
        bound[k].port = (uint16_t)(20000 + 2 * n->n_fds / (pair ? 2 : 1) + k);
        n->fds[n->n_fds] = fds[k];
        n->fd_addr[n->n_fds++] = bound[k];
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

static int fd_for(const struct net *n, const struct rg_addr *a)
{
    for (int i = 0; i < n->n_fds; i++)
        if (rg_addr_eq(&n->fd_addr[i], a))
            return n->fds[i];
    return -1;
}

static struct rg_addr addr(const char *ip, uint16_t port)
{
    struct rg_addr a;
    (void)rg_addr_parse_ip(rg_str_from_cstr(ip), &a);
    a.port = port;
    return a;
}

static struct rg_dtls_profile profile(void)
{
    struct rg_dtls_profile p = { .v1_2 = true, .handshake_timer_ms = 10000,
                                 .srtp = { RG_SRTP_AEAD_AES_128_GCM, RG_SRTP_AES128_CM_SHA1_80 },
                                 .n_srtp = 2 };
    return p;
}

static int net_init(struct net *n, bool wrong_fingerprint)
{
    memset(n, 0, sizeof(*n));
    n->next_fd = 100;
    n->now = 1000000;
    rg_rng_seeded_init(&n->rs, 1, &n->rng);
    rg_rng_seeded_init(&n->brs, 2, &n->brng);
    n->b_addr = addr("192.0.2.10", 50000);
    n->p_addr = addr("192.0.2.20", 40000);
    struct rg_dtls_profile p = profile();
    if (rg_srtp_global_init() != RG_OK)
        return RG_ECRYPTO;
    if (rg_dtls_cert_generate(&n->rng, "engine", NOW_UNIX, 30, &n->cert) != RG_OK ||
        rg_dtls_ctx_new(&p, n->cert, NULL, NULL, &n->env.dtls) != RG_OK ||
        rg_dtls_cert_fingerprint(n->cert, RG_DTLS_HASH_SHA256, &n->env.local_fp) != RG_OK ||
        rg_dtls_cert_generate(&n->brng, "browser", NOW_UNIX, 30, &n->b_cert) != RG_OK ||
        rg_dtls_cert_generate(&n->brng, "other", NOW_UNIX, 30, &n->b_fake_cert) != RG_OK ||
        rg_dtls_ctx_new(&p, n->b_cert, NULL, NULL, &n->b_dctx) != RG_OK)
        return RG_ECRYPTO;
    (void)wrong_fingerprint;
    n->env.rng = &n->rng;
    n->env.media_ip = addr("198.51.100.1", 0);
    n->env.ports = (struct rg_mports){ .open = fake_open, .close = fake_close, .ud = n };
    struct rg_ice_local_addr la = { .addr = n->b_addr, .socket_id = 1, .component = 1 };
    struct rg_ice_config ic = { .mode = RG_ICE_FULL, .role = RG_ICE_CONTROLLING, .rng = &n->brng,
                                .addrs = &la, .n_addrs = 1 };
    return rg_ice_agent_new(&ic, &n->b_ice);
}

static void net_deinit(struct net *n)
{
    rg_mcall_destroy(n->call);
    rg_ice_agent_free(n->b_ice);
    rg_dtls_conn_free(n->b_dtls);
    rg_srtp_free(n->b_in);
    rg_srtp_free(n->b_out);
    rg_dtls_ctx_free(n->b_dctx);
    rg_dtls_ctx_free(n->env.dtls);
    rg_dtls_cert_free(n->cert);
    rg_dtls_cert_free(n->b_cert);
    rg_dtls_cert_free(n->b_fake_cert);
}

/* The browser's offer: JSEP-style audio with ICE, DTLS actpass, rtcp-mux. */
static void browser_offer(struct net *n, bool wrong_fp, struct rg_buf *out)
{
    struct rg_dtls_fp fp;
    char fpt[RG_DTLS_FP_STRLEN];
    (void)!rg_dtls_cert_fingerprint(wrong_fp ? n->b_fake_cert : n->b_cert, RG_DTLS_HASH_SHA256, &fp);
    (void)!rg_dtls_fp_format(&fp, fpt, sizeof(fpt));
    struct rg_str uf = rg_ice_agent_local_ufrag(n->b_ice), pw = rg_ice_agent_local_pwd(n->b_ice);
    struct rg_ice_cand c;
    (void)!rg_ice_agent_local_candidate(n->b_ice, 0, &c);
    (void)!rg_buf_appendf(out,
                         "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nt=0 0\r\n"
                         "a=group:BUNDLE 0\r\nm=audio 50000 UDP/TLS/RTP/SAVPF 111\r\n"
                         "c=IN IP4 192.0.2.10\r\na=mid:0\r\na=ice-ufrag:%.*s\r\na=ice-pwd:%.*s\r\n"
                         "a=candidate:1 1 udp %u 192.0.2.10 50000 typ host\r\n"
                         "a=fingerprint:%s\r\na=setup:actpass\r\na=rtcp-mux\r\n"
                         "a=rtpmap:111 opus/48000/2\r\na=sendrecv\r\n",
                         (int)uf.len, uf.p, (int)pw.len, pw.p, c.priority, fpt);
}

/* Reads our answer toward the browser: ICE credentials, candidate, setup. */
static int browser_take_answer(struct rg_t *t, struct net *n, struct rg_str sdp_text)
{
    struct rg_arena a;
    rg_arena_init(&a, 8192, 1 << 20);
    struct rg_sdp *sdp;
    struct rg_sdp_error err;
    int rc = rg_sdp_parse(sdp_text, NULL, &a, &sdp, &err);
    if (rc != RG_OK || sdp->n_media != 1) {
        CHECK(t, !"our answer parses with one m= line");
        rg_arena_deinit(&a);
        return RG_EBADMSG;
    }
    const struct rg_sdp_media *m = &sdp->media[0];
    CHECK(t, rg_str_eq_cstr(m->proto, "UDP/TLS/RTP/SAVPF"));
    CHECK(t, rg_sdp_attr_find(&m->attrs, RG_SDP_A_RTCP_MUX, 0) >= 0);
    CHECK(t, rg_sdp_attr_find(&m->attrs, RG_SDP_A_FINGERPRINT, 0) >= 0);
    long uf = rg_sdp_attr_find(&m->attrs, RG_SDP_A_ICE_UFRAG, 0);
    long pw = rg_sdp_attr_find(&m->attrs, RG_SDP_A_ICE_PWD, 0);
    long ca = rg_sdp_attr_find(&m->attrs, RG_SDP_A_CANDIDATE, 0);
    long su = rg_sdp_attr_find(&m->attrs, RG_SDP_A_SETUP, 0);
    rc = RG_EBADMSG;
    if (uf >= 0 && pw >= 0 && ca >= 0 && su >= 0) {
        const struct rg_sdp_candidate *sc = &m->attrs.v[ca].u.cand;
        struct rg_ice_cand c = { .addr = sc->addr, .priority = sc->priority, .component = 1,
                                 .type = RG_ICE_HOST };
        c.addr.port = sc->port;
        snprintf(c.foundation, sizeof(c.foundation), "x");
        rc = rg_ice_agent_set_remote_credentials(n->b_ice, n->now, m->attrs.v[uf].u.text,
                                                 m->attrs.v[pw].u.text);
        if (rc == RG_OK)
            rc = rg_ice_agent_add_remote_candidate(n->b_ice, n->now, &c);
        rg_ice_agent_end_of_candidates(n->b_ice, n->now);
        /* We answered actpass: the engine chose; the browser takes the other role. */
        bool engine_active = m->attrs.v[su].u.setup == RG_SDP_SETUP_ACTIVE;
        struct rg_dtls_conn_cfg cfg = { .role = engine_active ? RG_DTLS_SERVER : RG_DTLS_CLIENT,
                                        .n_remote_fp = 1, .remote_fp[0] = n->env.local_fp };
        if (rc == RG_OK)
            rc = rg_dtls_conn_new(n->b_dctx, &cfg, n->now, &n->b_dtls);
    }
    rg_arena_deinit(&a);
    return rc;
}

static void peer_receive(struct net *n, const struct rg_mtx *tx)
{
    if (rg_addr_eq(&tx->dest, &n->p_addr)) {
        if (rg_demux_classify(tx->data, tx->len) == RG_DEMUX_RTP) {
            n->p_media_in++;
            n->p_last_len = tx->len < sizeof(n->p_last) ? tx->len : sizeof(n->p_last);
            memcpy(n->p_last, tx->data, n->p_last_len);
        }
        return;
    }
    if (!rg_addr_eq(&tx->dest, &n->b_addr))
        return;
    uint8_t buf[RG_MCALL_MAX_PACKET];
    memcpy(buf, tx->data, tx->len);
    size_t len = tx->len;
    struct rg_addr from = n->fd_addr[0];
    for (int i = 0; i < n->n_fds; i++)
        if (n->fds[i] == tx->fd)
            from = n->fd_addr[i];
    switch (rg_demux_classify(buf, len)) {
    case RG_DEMUX_STUN:
        (void)rg_ice_agent_handle_packet(n->b_ice, n->now, 1, &from, buf, len);
        break;
    case RG_DEMUX_DTLS:
        if (n->b_dtls)
            (void)!rg_dtls_conn_handle_input(n->b_dtls, n->now, buf, len);
        break;
    case RG_DEMUX_RTP:
        if (n->b_in && rg_srtp_unprotect_rtp(n->b_in, buf, len, &len) == RG_OK)
            n->b_media_in++;
        else
            n->b_bad_in++;
        break;
    default:
        break;
    }
}

/* Browser -> engine datagram from the browser's address. */
static void browser_send(struct net *n, const struct rg_addr *dest, const uint8_t *p, size_t len)
{
    int fd = fd_for(n, dest);
    uint8_t buf[RG_MCALL_MAX_PACKET];
    if (fd < 0 || len > sizeof(buf))
        return;
    memcpy(buf, p, len);
    rg_mcall_handle_datagram(n->call, n->now, fd, &n->b_addr, buf, len);
}

static void browser_pump(struct net *n)
{
    struct rg_ice_transmit it;
    while (rg_ice_agent_poll_transmit(n->b_ice, &it) == RG_OK)
        browser_send(n, &it.dest, it.data, it.len);
    int sock;
    struct rg_addr dest;
    if (!n->b_dtls || rg_ice_agent_media_path(n->b_ice, 1, &sock, &dest) != RG_OK)
        return;
    uint8_t d[RG_DTLS_MAX_MTU];
    size_t dl;
    while (rg_dtls_conn_poll_transmit(n->b_dtls, d, sizeof(d), &dl) == RG_OK)
        browser_send(n, &dest, d, dl);
    struct rg_dtls_event ev;
    while (rg_dtls_conn_poll_event(n->b_dtls, &ev) == RG_OK) {
        if (ev.type != RG_DTLS_EV_CONNECTED)
            continue;
        struct rg_srtp_cfg in = { .key = ev.remote, .dir = RG_SRTP_INBOUND };
        struct rg_srtp_cfg out = { .key = ev.local, .dir = RG_SRTP_OUTBOUND };
        (void)!rg_srtp_new(&in, &n->b_in);
        (void)!rg_srtp_new(&out, &n->b_out);
    }
}

/* Runs the simulated network for ms milliseconds. */
static void run(struct net *n, int ms)
{
    for (int step = 0; step < ms * 1000 / STEP_US; step++) {
        n->now += STEP_US;
        rg_mcall_handle_timeout(n->call, n->now);
        rg_ice_agent_handle_timeout(n->b_ice, n->now);
        if (n->b_dtls && rg_dtls_conn_next_timeout_us(n->b_dtls) <= n->now)
            (void)!rg_dtls_conn_handle_timeout(n->b_dtls, n->now);
        for (int k = 0; k < 4; k++) {
            browser_pump(n);
            const struct rg_mtx *tx;
            while (rg_mcall_poll_transmit(n->call, &tx) == RG_OK)
                peer_receive(n, tx);
        }
    }
}

static size_t make_rtp(uint8_t *b, uint16_t seq, uint8_t fill)
{
    memset(b, 0, 12);
    b[0] = 0x80;
    b[1] = 111;
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    b[11] = 0x42; /* SSRC 0x00000042 */
    memset(b + 12, fill, 100);
    return 112;
}

/* Sets up the call: offer from the browser, answer from the plain peer. */
static int setup_call(struct rg_t *t, struct net *n, bool wrong_fp)
{
    struct rg_buf offer, out;
    rg_buf_init(&offer, 8192);
    rg_buf_init(&out, 65536);
    const char *why = NULL;
    browser_offer(n, wrong_fp, &offer);
    int rc = rg_mcall_create(&n->env, RG_STR_LIT("call-1"), RG_STR_LIT("ft"), n->now, &n->call);
    struct rg_mside_req to_plain = { .transport = RG_MT_RTP_AVP, .avpf = 0, .ice = RG_MICE_NONE,
                                     .rtcp_mux = 0, .dtls_passive = -1 };
    struct rg_mside_req keep = { -1, -1, -1, -1, -1 };
    if (rc == RG_OK)
        rc = rg_mcall_sdp(n->call, n->now, 0, true, rg_buf_str(&offer), &to_plain, &out, &why);
    CHECK(t, rc == RG_OK);
    CHECK(t, rg_str_find(rg_buf_str(&out), RG_STR_LIT("RTP/AVP 111")) >= 0);
    CHECK(t, rg_str_find(rg_buf_str(&out), RG_STR_LIT("a=candidate")) < 0);
    CHECK(t, rg_str_find(rg_buf_str(&out), RG_STR_LIT("a=fingerprint")) < 0);
    const char *answer = "v=0\r\no=- 2 2 IN IP4 192.0.2.20\r\ns=-\r\nt=0 0\r\n"
                         "m=audio 40000 RTP/AVP 111\r\nc=IN IP4 192.0.2.20\r\n"
                         "a=rtpmap:111 opus/48000/2\r\na=sendrecv\r\n";
    rg_buf_reset(&out);
    if (rc == RG_OK)
        rc = rg_mcall_sdp(n->call, n->now, 1, false, rg_str_from_cstr(answer), &keep, &out, &why);
    if (rc == RG_OK)
        rc = browser_take_answer(t, n, rg_buf_str(&out));
    if (rc != RG_OK)
        fprintf(stderr, "    setup failed: %d %s\n", rc, why ? why : "");
    rg_buf_deinit(&offer);
    rg_buf_deinit(&out);
    return rc;
}

static const struct rg_mside *side(const struct net *n, int k)
{
    return &n->call->stream[0].side[k];
}

static void call_flows_both_ways(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, false) == RG_OK);
    REQUIRE(t, setup_call(t, &n, false) == RG_OK);
    run(&n, 3000);
    CHECK(t, rg_ice_agent_state(n.b_ice) >= RG_ICE_STATE_CONNECTED);
    CHECK_EQ_INT(t, side(&n, 0)->dtls_state, RG_MDTLS_UP);
    REQUIRE(t, n.b_out != NULL);
    /* Browser -> plain peer: SRTP in, plain RTP out with the same payload. */
    int sock;
    struct rg_addr dest;
    REQUIRE(t, rg_ice_agent_media_path(n.b_ice, 1, &sock, &dest) == RG_OK);
    for (uint16_t s = 1; s <= 10; s++) {
        uint8_t pkt[RG_MCALL_MAX_PACKET];
        size_t len = make_rtp(pkt, s, 0xAB);
        REQUIRE(t, rg_srtp_protect_rtp(n.b_out, pkt, len, sizeof(pkt), &len) == RG_OK);
        browser_send(&n, &dest, pkt, len);
        run(&n, 20);
    }
    CHECK_EQ_INT(t, n.p_media_in, 10);
    CHECK_EQ_INT(t, n.p_last_len, 112);
    CHECK_EQ_INT(t, n.p_last[12], 0xAB);
    /* Plain peer -> browser: plain in, SRTP out that the browser decrypts. */
    struct rg_addr eng1 = side(&n, 1)->local_rtp;
    for (uint16_t s = 1; s <= 10; s++) {
        uint8_t pkt[RG_MCALL_MAX_PACKET];
        size_t len = make_rtp(pkt, s, 0xCD);
        rg_mcall_handle_datagram(n.call, n.now, fd_for(&n, &eng1), &n.p_addr, pkt, len);
        run(&n, 20);
    }
    CHECK_EQ_INT(t, n.b_media_in, 10);
    CHECK_EQ_INT(t, n.b_bad_in, 0);
    net_deinit(&n);
}

static void rtp_bleed_and_forged_srtp(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, false) == RG_OK);
    REQUIRE(t, setup_call(t, &n, false) == RG_OK);
    run(&n, 3000);
    REQUIRE(t, n.b_out != NULL);
    struct rg_addr eng0 = side(&n, 0)->local_rtp, eng1 = side(&n, 1)->local_rtp;
    struct rg_addr attacker = addr("203.0.113.66", 5555);
    uint8_t pkt[RG_MCALL_MAX_PACKET];
    /* RTP Bleed: an address that never passed ICE sends to the WebRTC side
     * and to the plain side; nothing may reach the other leg. */
    for (uint16_t s = 1; s <= 5; s++) {
        size_t len = make_rtp(pkt, s, 0x11);
        rg_mcall_handle_datagram(n.call, n.now, fd_for(&n, &eng0), &attacker, pkt, len);
        len = make_rtp(pkt, s, 0x22);
        rg_mcall_handle_datagram(n.call, n.now, fd_for(&n, &eng1), &attacker, pkt, len);
        run(&n, 20);
    }
    CHECK_EQ_INT(t, n.p_media_in, 0);
    CHECK_EQ_INT(t, n.b_media_in + n.b_bad_in, 0);
    CHECK_EQ_INT(t, side(&n, 0)->st.drop_source, 5);
    CHECK_EQ_INT(t, side(&n, 1)->st.drop_source, 5);
    /* Forged SRTP from the browser's own (ICE-validated) address: a valid
     * RTP header with a tag nobody computed. */
    for (uint16_t s = 1; s <= 5; s++) {
        size_t len = make_rtp(pkt, s, 0x33);
        memset(pkt + len, 0x5A, 16);
        browser_send(&n, &eng0, pkt, len + 16);
    }
    run(&n, 20);
    CHECK_EQ_INT(t, n.p_media_in, 0);
    CHECK_EQ_INT(t, side(&n, 0)->st.drop_srtp, 5);
    net_deinit(&n);
}

static void fingerprint_mismatch_fails_leg(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, true) == RG_OK);
    REQUIRE(t, setup_call(t, &n, true) == RG_OK);
    run(&n, 3000);
    CHECK_EQ_INT(t, side(&n, 0)->dtls_state, RG_MDTLS_FAILED);
    CHECK(t, side(&n, 0)->srtp_in == NULL && side(&n, 0)->srtp_out == NULL);
    CHECK(t, strcmp(rg_mside_dtls_state_name(side(&n, 0)), "failed") == 0);
    /* Whatever the browser sends now, nothing reaches the plain peer. */
    struct rg_addr eng0 = side(&n, 0)->local_rtp;
    uint8_t pkt[RG_MCALL_MAX_PACKET];
    for (uint16_t s = 1; s <= 5; s++) {
        size_t len = make_rtp(pkt, s, 0x44);
        if (n.b_out && rg_srtp_protect_rtp(n.b_out, pkt, len, sizeof(pkt), &len) != RG_OK)
            continue;
        browser_send(&n, &eng0, pkt, len);
    }
    run(&n, 20);
    CHECK_EQ_INT(t, n.p_media_in, 0);
    CHECK(t, side(&n, 0)->st.drop_nokeys >= 5);
    net_deinit(&n);
}

static void unsupported_and_bad_sdp(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, false) == RG_OK);
    REQUIRE(t, rg_mcall_create(&n.env, RG_STR_LIT("c2"), RG_STR_LIT("ft"), n.now, &n.call) == RG_OK);
    struct rg_mside_req keep = { -1, -1, -1, -1, -1 };
    struct rg_buf out;
    rg_buf_init(&out, 65536);
    const char *why = NULL;
    CHECK_EQ_INT(t, rg_mcall_sdp(n.call, n.now, 0, true, RG_STR_LIT("v=0\r\nbogus\r\n"), &keep, &out, &why),
                 RG_EBADMSG);
    CHECK(t, why != NULL);
    const char *nofp = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nt=0 0\r\n"
                       "m=audio 50000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 192.0.2.10\r\n";
    why = NULL;
    CHECK_EQ_INT(t, rg_mcall_sdp(n.call, n.now, 0, true, rg_str_from_cstr(nofp), &keep, &out, &why),
                 RG_EBADMSG);
    CHECK(t, why && strstr(why, "fingerprint"));
    rg_buf_deinit(&out);
    net_deinit(&n);
}

static const struct rg_test_case cases[] = {
    { "call_flows_both_ways", call_flows_both_ways },
    { "rtp_bleed_and_forged_srtp", rtp_bleed_and_forged_srtp },
    { "fingerprint_mismatch_fails_leg", fingerprint_mismatch_fails_leg },
    { "unsupported_and_bad_sdp", unsupported_and_bad_sdp },
};

RG_TEST_MAIN(cases)
