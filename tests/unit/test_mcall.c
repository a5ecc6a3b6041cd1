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
    struct rg_dtls_cert *cert, *cert2;
    struct rg_mdtls_prof profs[2]; /* a second certificate; a cipher the browser lacks */
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
    struct rg_dtls_fp expect_fp; /* the engine fingerprint the browser accepts */
    uint8_t prof;                /* DTLS profile of the browser's side (0 = default) */
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
        bound[k].port = (uint16_t)(20000 + n->n_fds); /* unique per socket */
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
    struct rg_dtls_profile p2 = p;
    p2.ciphers = "ECDHE-RSA-AES128-GCM-SHA256"; /* an RSA suite; the browser's key is ECDSA */
    if (rg_dtls_cert_generate(&n->rng, "engine2", NOW_UNIX, 30, &n->cert2) != RG_OK ||
        rg_dtls_ctx_new(&p, n->cert2, NULL, NULL, &n->profs[0].ctx) != RG_OK ||
        rg_dtls_cert_fingerprint(n->cert2, RG_DTLS_HASH_SHA256, &n->profs[0].fp) != RG_OK ||
        rg_dtls_ctx_new(&p2, n->cert, NULL, NULL, &n->profs[1].ctx) != RG_OK)
        return RG_ECRYPTO;
    n->profs[1].fp = n->env.local_fp;
    n->env.dtls_profs = n->profs;
    n->env.n_dtls_profs = 2;
    (void)wrong_fingerprint;
    n->expect_fp = n->env.local_fp;
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
    rg_dtls_ctx_free(n->profs[0].ctx);
    rg_dtls_ctx_free(n->profs[1].ctx);
    rg_dtls_cert_free(n->cert);
    rg_dtls_cert_free(n->cert2);
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
    if (rc != RG_OK || sdp->n_media < 1) {
        CHECK(t, !"our answer parses with an m= line");
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
                                        .n_remote_fp = 1, .remote_fp[0] = n->expect_fp };
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
/* The browser's offer answered by a plain peer; from_lite: rtcgate runs an
 * ICE-lite agent toward the browser (a trunk group with iceWebrtc). */
static int setup_call_ex(struct rg_t *t, struct net *n, bool wrong_fp, bool from_lite)
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
    to_plain.from_ice_lite = from_lite;
    to_plain.from_dtls_prof = n->prof;
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
    /* RFC 8839 §5.3: a lite agent says so in its SDP, a full one does not. */
    if (rc == RG_OK)
        CHECK(t, (rg_str_find(rg_buf_str(&out), RG_STR_LIT("a=ice-lite")) >= 0) == from_lite);
    if (rc != RG_OK)
        fprintf(stderr, "    setup failed: %d %s\n", rc, why ? why : "");
    rg_buf_deinit(&offer);
    rg_buf_deinit(&out);
    return rc;
}

static int setup_call(struct rg_t *t, struct net *n, bool wrong_fp)
{
    return setup_call_ex(t, n, wrong_fp, false);
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

/* iceWebrtc toward an offering browser: rtcgate answers as a lite agent
 * (RFC 8445 §2.5), the browser's full agent controls, media flows. */
static void lite_answer_to_full_offerer(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, false) == RG_OK);
    REQUIRE(t, setup_call_ex(t, &n, false, true) == RG_OK);
    CHECK_EQ_INT(t, side(&n, 0)->plan.ice, RG_MICE_LITE);
    CHECK_EQ_INT(t, side(&n, 0)->remote_ice, RG_MICE_FULL);
    run(&n, 3000);
    CHECK(t, rg_ice_agent_state(n.b_ice) >= RG_ICE_STATE_CONNECTED);
    CHECK_EQ_INT(t, side(&n, 0)->dtls_state, RG_MDTLS_UP);
    struct rg_addr eng1 = side(&n, 1)->local_rtp;
    for (uint16_t s = 1; s <= 5; s++) {
        uint8_t pkt[RG_MCALL_MAX_PACKET];
        size_t len = make_rtp(pkt, s, 0xCD);
        rg_mcall_handle_datagram(n.call, n.now, fd_for(&n, &eng1), &n.p_addr, pkt, len);
        run(&n, 20);
    }
    CHECK_EQ_INT(t, n.b_media_in, 5);
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

/* Sends n plain RTP packets from the SIP peer and runs the network. */
/* Sequence numbers continue across calls: SRTP never protects one index
 * twice (RFC 3711 §3.3.1), so a repeated one would be dropped. */
static void peer_sends(struct net *n, int count, uint8_t fill)
{
    static uint16_t seq = 1000;
    struct rg_addr eng1 = side(n, 1)->local_rtp;
    for (int i = 0; i < count; i++) {
        uint8_t pkt[RG_MCALL_MAX_PACKET];
        size_t len = make_rtp(pkt, seq++, fill);
        rg_mcall_handle_datagram(n->call, n->now, fd_for(n, &eng1), &n->p_addr, pkt, len);
        run(n, 20);
    }
}

/* restartIce() in the browser: a re-offer with new ICE credentials and the
 * same fingerprint.  The engine must answer with new credentials of its own,
 * keep DTLS (same keys), and media must keep flowing. */
static void ice_restart_keeps_media(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, false) == RG_OK);
    REQUIRE(t, setup_call(t, &n, false) == RG_OK);
    run(&n, 3000);
    REQUIRE(t, n.b_in != NULL);
    peer_sends(&n, 5, 0x10);
    CHECK_EQ_INT(t, n.b_media_in, 5);
    struct rg_srtp *keys_before = side(&n, 0)->srtp_out;
    char old_ufrag[64];
    struct rg_str ou = rg_ice_agent_local_ufrag(side(&n, 0)->ice);
    REQUIRE(t, rg_str_copy_cstr(ou, old_ufrag, sizeof(old_ufrag)) == RG_OK);
    REQUIRE(t, rg_ice_agent_restart(n.b_ice, n.now) == RG_OK);
    struct rg_buf offer, out;
    rg_buf_init(&offer, 8192);
    rg_buf_init(&out, 65536);
    browser_offer(&n, false, &offer);
    struct rg_mside_req keep = { -1, -1, -1, -1, -1 };
    const char *why = NULL;
    CHECK_OK(t, rg_mcall_sdp(n.call, n.now, 0, true, rg_buf_str(&offer), &keep, &out, &why));
    rg_buf_reset(&out);
    const char *answer = "v=0\r\no=- 2 3 IN IP4 192.0.2.20\r\ns=-\r\nt=0 0\r\n"
                         "m=audio 40000 RTP/AVP 111\r\nc=IN IP4 192.0.2.20\r\n"
                         "a=rtpmap:111 opus/48000/2\r\na=sendrecv\r\n";
    CHECK_OK(t, rg_mcall_sdp(n.call, n.now, 1, false, rg_str_from_cstr(answer), &keep, &out, &why));
    CHECK(t, rg_str_find(rg_buf_str(&out), rg_str_from_cstr(old_ufrag)) < 0);
    /* The browser takes the new credentials; its DTLS association stays. */
    struct rg_dtls_conn *b_dtls = n.b_dtls;
    n.b_dtls = NULL;
    struct rg_arena a;
    rg_arena_init(&a, 8192, 1 << 20);
    struct rg_sdp *sdp = NULL;
    struct rg_sdp_error err;
    REQUIRE(t, rg_sdp_parse(rg_buf_str(&out), NULL, &a, &sdp, &err) == RG_OK);
    const struct rg_sdp_media *m = &sdp->media[0];
    long uf = rg_sdp_attr_find(&m->attrs, RG_SDP_A_ICE_UFRAG, 0);
    long pw = rg_sdp_attr_find(&m->attrs, RG_SDP_A_ICE_PWD, 0);
    long ca = rg_sdp_attr_find(&m->attrs, RG_SDP_A_CANDIDATE, 0);
    REQUIRE(t, uf >= 0 && pw >= 0 && ca >= 0);
    CHECK_OK(t, rg_ice_agent_set_remote_credentials(n.b_ice, n.now, m->attrs.v[uf].u.text,
                                                    m->attrs.v[pw].u.text));
    struct rg_ice_cand c = { .addr = m->attrs.v[ca].u.cand.addr, .component = 1,
                             .priority = m->attrs.v[ca].u.cand.priority, .type = RG_ICE_HOST };
    c.addr.port = m->attrs.v[ca].u.cand.port;
    snprintf(c.foundation, sizeof(c.foundation), "y");
    CHECK_OK(t, rg_ice_agent_add_remote_candidate(n.b_ice, n.now, &c));
    rg_ice_agent_end_of_candidates(n.b_ice, n.now);
    rg_arena_deinit(&a);
    n.b_dtls = b_dtls;
    run(&n, 3000);
    CHECK(t, side(&n, 0)->srtp_out == keys_before); /* no new DTLS association */
    peer_sends(&n, 5, 0x20);
    CHECK_EQ_INT(t, n.b_media_in, 10);
    rg_buf_deinit(&offer);
    rg_buf_deinit(&out);
    net_deinit(&n);
}

/* RFC 7675: the browser goes silent (no more consent checks); within 30 s
 * the engine stops sending media toward it. */
static void consent_expiry_stops_media(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, false) == RG_OK);
    REQUIRE(t, setup_call(t, &n, false) == RG_OK);
    run(&n, 3000);
    peer_sends(&n, 3, 0x30);
    CHECK_EQ_INT(t, n.b_media_in, 3);
    /* Silence: the browser's agent is gone, its address answers nothing. */
    rg_ice_agent_free(n.b_ice);
    struct rg_ice_local_addr la = { .addr = addr("192.0.2.99", 1), .socket_id = 9, .component = 1 };
    struct rg_ice_config ic = { .mode = RG_ICE_LITE, .rng = &n.brng, .addrs = &la, .n_addrs = 1 };
    REQUIRE(t, rg_ice_agent_new(&ic, &n.b_ice) == RG_OK);
    for (int s = 0; s < 35; s++)
        run(&n, 1000);
    uint64_t dropped = side(&n, 0)->st.drop_nokeys;
    int before = n.b_media_in + n.b_bad_in;
    peer_sends(&n, 5, 0x40);
    CHECK_EQ_INT(t, n.b_media_in + n.b_bad_in, before);
    CHECK_EQ_INT(t, side(&n, 0)->st.drop_nokeys, dropped + 5);
    net_deinit(&n);
}

/* RFC 9143: the browser bundles audio and video on one transport; the SIP
 * side has two m= lines with their own ports.  The answer must group both
 * mids on one port, and each payload type must reach its own SIP stream. */
static void bundle_audio_video(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, false) == RG_OK);
    struct rg_dtls_fp fp;
    char fpt[RG_DTLS_FP_STRLEN];
    REQUIRE(t, rg_dtls_cert_fingerprint(n.b_cert, RG_DTLS_HASH_SHA256, &fp) == RG_OK);
    REQUIRE(t, rg_dtls_fp_format(&fp, fpt, sizeof(fpt)) == RG_OK);
    struct rg_str uf = rg_ice_agent_local_ufrag(n.b_ice), pw = rg_ice_agent_local_pwd(n.b_ice);
    struct rg_buf offer, out;
    rg_buf_init(&offer, 8192);
    rg_buf_init(&out, 65536);
    CHECK_OK(t, rg_buf_appendf(&offer,
        "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
        "m=audio 50000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 192.0.2.10\r\na=mid:0\r\n"
        "a=ice-ufrag:%.*s\r\na=ice-pwd:%.*s\r\n"
        "a=candidate:1 1 udp 2130706431 192.0.2.10 50000 typ host\r\n"
        "a=fingerprint:%s\r\na=setup:actpass\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
        "m=video 50000 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 192.0.2.10\r\na=mid:1\r\n"
        "a=ice-ufrag:%.*s\r\na=ice-pwd:%.*s\r\na=fingerprint:%s\r\na=setup:actpass\r\n"
        "a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n",
        (int)uf.len, uf.p, (int)pw.len, pw.p, fpt, (int)uf.len, uf.p, (int)pw.len, pw.p, fpt));
    const char *why = NULL;
    struct rg_mside_req to_plain = { RG_MT_RTP_AVP, 0, RG_MICE_NONE, 0, -1 };
    struct rg_mside_req keep = { -1, -1, -1, -1, -1 };
    REQUIRE(t, rg_mcall_create(&n.env, RG_STR_LIT("b1"), RG_STR_LIT("ft"), n.now, &n.call) == RG_OK);
    CHECK_OK(t, rg_mcall_sdp(n.call, n.now, 0, true, rg_buf_str(&offer), &to_plain, &out, &why));
    CHECK(t, rg_str_find(rg_buf_str(&out), RG_STR_LIT("a=group")) < 0); /* SIP side: no bundle */
    const char *answer = "v=0\r\no=- 2 2 IN IP4 192.0.2.20\r\ns=-\r\nt=0 0\r\n"
                         "m=audio 40000 RTP/AVP 111\r\nc=IN IP4 192.0.2.20\r\n"
                         "m=video 40002 RTP/AVP 96\r\nc=IN IP4 192.0.2.20\r\n";
    rg_buf_reset(&out);
    CHECK_OK(t, rg_mcall_sdp(n.call, n.now, 1, false, rg_str_from_cstr(answer), &keep, &out, &why));
    CHECK(t, rg_str_find(rg_buf_str(&out), RG_STR_LIT("a=group:BUNDLE 0 1")) >= 0);
    REQUIRE(t, n.call->n_streams == 2);
    uint16_t port0 = side(&n, 0)->local_rtp.port;
    char mline[64];
    snprintf(mline, sizeof(mline), "m=video %u UDP/TLS/RTP/SAVPF 96", port0);
    CHECK(t, rg_str_find(rg_buf_str(&out), rg_str_from_cstr(mline)) >= 0);
    CHECK_EQ_INT(t, n.call->stream[1].transport_of[0], 0);
    CHECK_EQ_INT(t, n.call->stream[1].side[0].fd_rtp, -1); /* no socket of its own */
    REQUIRE(t, browser_take_answer(t, &n, rg_buf_str(&out)) == RG_OK);
    run(&n, 3000);
    REQUIRE(t, n.b_out != NULL);
    /* Audio (PT 111) and video (PT 96) over the one transport. */
    struct rg_addr eng0 = side(&n, 0)->local_rtp;
    for (uint16_t sq = 1; sq <= 6; sq++) {
        uint8_t pkt[RG_MCALL_MAX_PACKET];
        size_t len = make_rtp(pkt, sq, 0x55);
        pkt[1] = sq % 2 ? 111 : 96;
        pkt[11] = sq % 2 ? 0x42 : 0x43; /* one SSRC per m= line (RFC 9143 §9.1) */
        REQUIRE(t, rg_srtp_protect_rtp(n.b_out, pkt, len, sizeof(pkt), &len) == RG_OK);
        browser_send(&n, &eng0, pkt, len);
    }
    run(&n, 20);
    CHECK_EQ_INT(t, n.call->stream[0].side[1].st.pkts_out, 3);
    CHECK_EQ_INT(t, n.call->stream[1].side[1].st.pkts_out, 3);
    CHECK_EQ_INT(t, n.p_media_in, 3); /* the audio ones reached 192.0.2.20:40000 */
    /* Video from the SIP side goes back through the bundled transport. */
    struct rg_addr vid_peer = addr("192.0.2.20", 40002);
    struct rg_addr eng_v = n.call->stream[1].side[1].local_rtp;
    uint8_t pkt[RG_MCALL_MAX_PACKET];
    size_t len = make_rtp(pkt, 77, 0x66);
    pkt[1] = 96;
    rg_mcall_handle_datagram(n.call, n.now, fd_for(&n, &eng_v), &vid_peer, pkt, len);
    run(&n, 20);
    CHECK_EQ_INT(t, n.b_media_in, 1);
    rg_buf_deinit(&offer);
    rg_buf_deinit(&out);
    net_deinit(&n);
}

/* A SIP phone behind NAT writes its private address in the SDP; its media
 * arrives from the NAT's public address.  The engine latches once to a
 * source with the SIP signalling source's IP, within the window, and then
 * sends there; strangers and later moves are refused. */
static int setup_natted_call(struct rg_t *t, struct net *n, int64_t extra_wait_us)
{
    struct rg_buf offer, out;
    rg_buf_init(&offer, 8192);
    rg_buf_init(&out, 65536);
    const char *why = NULL;
    browser_offer(n, false, &offer);
    int rc = rg_mcall_create(&n->env, RG_STR_LIT("nat"), RG_STR_LIT("ft"), n->now, &n->call);
    struct rg_mside_req to_plain = { RG_MT_RTP_AVP, 0, RG_MICE_NONE, 0, -1 };
    struct rg_mside_req from_nat = { -1, -1, -1, -1, -1 };
    from_nat.sig_src = addr("198.51.100.77", 5060); /* the phone's NAT, as SIP saw it */
    if (rc == RG_OK)
        rc = rg_mcall_sdp(n->call, n->now, 0, true, rg_buf_str(&offer), &to_plain, &out, &why);
    const char *answer = "v=0\r\no=- 2 2 IN IP4 10.0.0.5\r\ns=-\r\nt=0 0\r\n"
                         "m=audio 40000 RTP/AVP 111\r\nc=IN IP4 10.0.0.5\r\n"
                         "a=rtpmap:111 opus/48000/2\r\n";
    rg_buf_reset(&out);
    if (rc == RG_OK)
        rc = rg_mcall_sdp(n->call, n->now, 1, false, rg_str_from_cstr(answer), &from_nat, &out, &why);
    if (rc == RG_OK)
        rc = browser_take_answer(t, n, rg_buf_str(&out));
    rg_buf_deinit(&offer);
    rg_buf_deinit(&out);
    if (rc == RG_OK)
        run(n, 3000 + (int)(extra_wait_us / 1000));
    return rc;
}

static void nat_latching(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, false) == RG_OK);
    REQUIRE(t, setup_natted_call(t, &n, 0) == RG_OK);
    REQUIRE(t, n.b_out != NULL);
    struct rg_addr eng1 = side(&n, 1)->local_rtp;
    struct rg_addr natted = addr("198.51.100.77", 61000);
    uint8_t pkt[RG_MCALL_MAX_PACKET];
    size_t len = make_rtp(pkt, 1, 0x71);
    rg_mcall_handle_datagram(n.call, n.now, fd_for(&n, &eng1), &natted, pkt, len);
    run(&n, 20);
    CHECK_EQ_INT(t, n.b_media_in, 1);
    CHECK_EQ_INT(t, side(&n, 1)->latches, 1);
    CHECK(t, rg_addr_eq(&side(&n, 1)->remote_rtp, &natted));
    /* Media toward the phone now goes to the NAT's address. */
    n.p_addr = natted;
    int sock;
    struct rg_addr dest;
    REQUIRE(t, rg_ice_agent_media_path(n.b_ice, 1, &sock, &dest) == RG_OK);
    len = make_rtp(pkt, 2, 0x72);
    REQUIRE(t, rg_srtp_protect_rtp(n.b_out, pkt, len, sizeof(pkt), &len) == RG_OK);
    browser_send(&n, &dest, pkt, len);
    run(&n, 20);
    CHECK_EQ_INT(t, n.p_media_in, 1);
    /* Once latched, another port of the same IP is a stranger. */
    struct rg_addr other = addr("198.51.100.77", 61002);
    len = make_rtp(pkt, 3, 0x73);
    rg_mcall_handle_datagram(n.call, n.now, fd_for(&n, &eng1), &other, pkt, len);
    run(&n, 20);
    CHECK_EQ_INT(t, n.b_media_in, 1);
    CHECK_EQ_INT(t, side(&n, 1)->st.drop_source, 1);
    net_deinit(&n);
    /* After the window, nothing latches: media must come from the SDP address. */
    REQUIRE(t, net_init(&n, false) == RG_OK);
    REQUIRE(t, setup_natted_call(t, &n, RG_MCALL_LATCH_WINDOW_US) == RG_OK);
    eng1 = side(&n, 1)->local_rtp;
    len = make_rtp(pkt, 1, 0x74);
    rg_mcall_handle_datagram(n.call, n.now, fd_for(&n, &eng1), &natted, pkt, len);
    run(&n, 20);
    CHECK_EQ_INT(t, n.b_media_in, 0);
    CHECK_EQ_INT(t, side(&n, 1)->latches, 0);
    net_deinit(&n);
}

/* The engine is the DTLS client toward the browser; ICE takes longer than
 * the DTLS handshake timer (10 s here: a TURN relay, a slow mobile network).
 * The handshake must start when ICE finds a path, not when the answer was
 * written, or the timer would kill the leg before DTLS could even begin. */
static void slow_ice_does_not_fail_dtls(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, false) == RG_OK);
    REQUIRE(t, setup_call(t, &n, false) == RG_OK);
    REQUIRE(t, side(&n, 0)->dtls_role == RG_DTLS_CLIENT);
    /* 12 s during which nothing reaches the browser (its checks are held). */
    for (int i = 0; i < 12000 * 1000 / STEP_US; i++) {
        n.now += STEP_US;
        rg_mcall_handle_timeout(n.call, n.now);
        const struct rg_mtx *tx;
        while (rg_mcall_poll_transmit(n.call, &tx) == RG_OK)
            ;
    }
    CHECK(t, side(&n, 0)->dtls_state != RG_MDTLS_FAILED);
    run(&n, 4000);
    CHECK_EQ_INT(t, side(&n, 0)->dtls_state, RG_MDTLS_UP);
    peer_sends(&n, 3, 0x51);
    CHECK_EQ_INT(t, n.b_media_in, 3);
    net_deinit(&n);
}

/* A trunk group's DTLS profile (dtlsProfileName): the browser's side uses
 * the second profile's certificate; the answer carries its fingerprint, not
 * the default one, and the browser, checking that fingerprint, completes
 * the handshake (RFC 5763 §5) and media flows.  A profile whose only cipher
 * suite the browser cannot use fails the leg. */
static void side_dtls_profile(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, false) == RG_OK);
    n.prof = 1;
    n.expect_fp = n.profs[0].fp;
    REQUIRE(t, setup_call(t, &n, false) == RG_OK);
    char fp2[RG_DTLS_FP_STRLEN], fp1[RG_DTLS_FP_STRLEN];
    REQUIRE(t, rg_dtls_fp_format(&n.profs[0].fp, fp2, sizeof(fp2)) == RG_OK);
    REQUIRE(t, rg_dtls_fp_format(&n.env.local_fp, fp1, sizeof(fp1)) == RG_OK);
    CHECK(t, strcmp(fp1, fp2) != 0);
    CHECK(t, side(&n, 0)->local_fp == &n.profs[0].fp);
    CHECK(t, side(&n, 1)->local_fp == &n.env.local_fp);
    run(&n, 3000);
    CHECK_EQ_INT(t, side(&n, 0)->dtls_state, RG_MDTLS_UP);
    struct rg_addr eng1 = side(&n, 1)->local_rtp;
    for (uint16_t s = 1; s <= 5; s++) {
        uint8_t pkt[RG_MCALL_MAX_PACKET];
        size_t len = make_rtp(pkt, s, 0xCD);
        rg_mcall_handle_datagram(n.call, n.now, fd_for(&n, &eng1), &n.p_addr, pkt, len);
        run(&n, 20);
    }
    CHECK_EQ_INT(t, n.b_media_in, 5);
    net_deinit(&n);
    /* The same call where the browser's side uses the default profile but
     * expects the second certificate: the browser refuses the handshake. */
    REQUIRE(t, net_init(&n, false) == RG_OK);
    n.expect_fp = n.profs[0].fp;
    REQUIRE(t, setup_call(t, &n, false) == RG_OK);
    run(&n, 3000);
    CHECK(t, side(&n, 0)->dtls_state != RG_MDTLS_UP);
    CHECK_EQ_INT(t, n.b_media_in, 0);
    net_deinit(&n);
    /* Profile 2: same certificate, an RSA-only suite list. */
    REQUIRE(t, net_init(&n, false) == RG_OK);
    n.prof = 2;
    REQUIRE(t, setup_call(t, &n, false) == RG_OK);
    run(&n, 3000);
    CHECK_EQ_INT(t, side(&n, 0)->dtls_state, RG_MDTLS_FAILED);
    CHECK(t, side(&n, 0)->srtp_out == NULL);
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
    {"lite_answer_to_full_offerer", lite_answer_to_full_offerer},
    { "call_flows_both_ways", call_flows_both_ways },
    { "rtp_bleed_and_forged_srtp", rtp_bleed_and_forged_srtp },
    { "fingerprint_mismatch_fails_leg", fingerprint_mismatch_fails_leg },
    { "ice_restart_keeps_media", ice_restart_keeps_media },
    { "consent_expiry_stops_media", consent_expiry_stops_media },
    { "bundle_audio_video", bundle_audio_video },
    { "nat_latching", nat_latching },
    { "slow_ice_does_not_fail_dtls", slow_ice_does_not_fail_dtls },
    { "unsupported_and_bad_sdp", unsupported_and_bad_sdp },
    { "side_dtls_profile", side_dtls_profile },
};

RG_TEST_MAIN(cases)
