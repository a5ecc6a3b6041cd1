/*
 * Unit tests for BUNDLE offers toward a WebRTC peer (src/media/mcall_bundle.c,
 * RFC 9143): a plain SIP offer with audio and video becomes a WebRTC offer
 * grouping both m= lines, each still on its own transport (§7.2); a
 * max-bundle answer moves both onto the tagged transport (§7.4) and media of
 * both m= lines is routed by MID, SSRC and payload type (§9.2) to the two
 * plain ports, and back; an answer without the group keeps two transports;
 * a re-offer keeps the negotiated group (§7.5).  The "browser" is built from
 * rtcgate's own cores (full ICE agents, DTLS client, SRTP), in memory with
 * simulated time.
 */
#include "harness.h"

#include <stdio.h>

#include "core/arena.h"
#include "media/mcall.h"
#include "media/mcall_bundle.h"
#include "media/ng_cmd.h"
#include "proto/dtls/dtls_cert.h"
#include "proto/dtls/dtls_conn.h"
#include "proto/ice/ice.h"
#include "proto/ng/bencode.h"
#include "proto/rtp/demux.h"
#include "proto/sdp/sdp.h"
#include "proto/srtp/srtp_ctx.h"

#define NOW_UNIX 1790000000LL
#define STEP_US 5000
#define MAX_FDS 16

/* One transport of the browser (one ICE agent, one DTLS association). */
struct btr {
    struct rg_addr addr;
    struct rg_ice_agent *ice;
    struct rg_dtls_conn *dtls;
    struct rg_srtp *in, *out;
    int rtp_in, rtcp_in, bad_in;
    uint8_t last_pt;
};

struct net {
    struct rg_rng_seeded rs, brs;
    struct rg_rng rng, brng;
    struct rg_mcall_env env;
    struct rg_dtls_cert *cert, *b_cert;
    struct rg_dtls_ctx *b_dctx;
    struct rg_mcall *call;
    int next_fd, n_fds, n_closed;
    int fds[MAX_FDS];
    struct rg_addr fd_addr[MAX_FDS];
    struct btr b[2];
    struct rg_addr p[2];          /* plain audio and video peers (RTCP on port + 1) */
    int p_rtp[2], p_rtcp[2];
    uint16_t seq;
    int64_t now;
    uint8_t mid_ext;              /* the MID extension id of the engine's offer */
    char offer[8192];             /* the engine's last offer toward the browser */
};

static int fake_open(void *ud, const struct rg_addr *ip, bool pair, int fds[2],
                     struct rg_addr bound[2])
{
    struct net *n = ud;
    for (int k = 0; k < (pair ? 2 : 1); k++) {
        if (n->n_fds == MAX_FDS)
            return RG_ELIMIT;
        fds[k] = n->next_fd++;
        bound[k] = *ip;
        bound[k].port = (uint16_t)(20000 + 2 * n->n_fds);
        n->fds[n->n_fds] = fds[k];
        n->fd_addr[n->n_fds++] = bound[k];
    }
    if (!pair)
        fds[1] = -1;
    return RG_OK;
}

static void fake_close(void *ud, int fd)
{
    struct net *n = ud;
    for (int i = 0; i < n->n_fds; i++)
        if (n->fds[i] == fd) {
            n->fds[i] = -1;
            n->n_closed++;
        }
}

static int fd_for(const struct net *n, const struct rg_addr *a)
{
    for (int i = 0; i < n->n_fds; i++)
        if (n->fds[i] >= 0 && rg_addr_eq(&n->fd_addr[i], a))
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

static int net_init(struct net *n)
{
    memset(n, 0, sizeof(*n));
    n->next_fd = 100;
    n->now = 1000000;
    n->seq = 1;
    rg_rng_seeded_init(&n->rs, 7, &n->rng);
    rg_rng_seeded_init(&n->brs, 8, &n->brng);
    n->p[0] = addr("192.0.2.20", 40000);
    n->p[1] = addr("192.0.2.20", 40002);
    struct rg_dtls_profile p = { .v1_2 = true, .handshake_timer_ms = 10000,
                                 .srtp = { RG_SRTP_AES128_CM_SHA1_80 }, .n_srtp = 1 };
    if (rg_srtp_global_init() != RG_OK ||
        rg_dtls_cert_generate(&n->rng, "engine", NOW_UNIX, 30, &n->cert) != RG_OK ||
        rg_dtls_ctx_new(&p, n->cert, NULL, NULL, &n->env.dtls) != RG_OK ||
        rg_dtls_cert_fingerprint(n->cert, RG_DTLS_HASH_SHA256, &n->env.local_fp) != RG_OK ||
        rg_dtls_cert_generate(&n->brng, "browser", NOW_UNIX, 30, &n->b_cert) != RG_OK ||
        rg_dtls_ctx_new(&p, n->b_cert, NULL, NULL, &n->b_dctx) != RG_OK)
        return RG_ECRYPTO;
    n->env.rng = &n->rng;
    n->env.media_ip = addr("198.51.100.1", 0);
    n->env.ports = (struct rg_mports){ .open = fake_open, .close = fake_close, .ud = n };
    for (int j = 0; j < 2; j++) {
        n->b[j].addr = addr("192.0.2.10", (uint16_t)(50000 + 2 * j));
        struct rg_ice_local_addr la = { .addr = n->b[j].addr, .socket_id = 1, .component = 1 };
        struct rg_ice_config ic = { .mode = RG_ICE_FULL, .role = RG_ICE_CONTROLLED,
                                    .rng = &n->brng, .addrs = &la, .n_addrs = 1 };
        if (rg_ice_agent_new(&ic, &n->b[j].ice) != RG_OK)
            return RG_ENOMEM;
    }
    return RG_OK;
}

static void net_deinit(struct net *n)
{
    rg_mcall_destroy(n->call);
    for (int j = 0; j < 2; j++) {
        rg_ice_agent_free(n->b[j].ice);
        rg_dtls_conn_free(n->b[j].dtls);
        rg_srtp_free(n->b[j].in);
        rg_srtp_free(n->b[j].out);
    }
    rg_dtls_ctx_free(n->b_dctx);
    rg_dtls_ctx_free(n->env.dtls);
    rg_dtls_cert_free(n->cert);
    rg_dtls_cert_free(n->b_cert);
}

static struct rg_mside_req to_webrtc(int bundle)
{
    struct rg_mside_req r = { .transport = RG_MT_DTLS_SRTP, .avpf = 1, .ice = RG_MICE_FULL,
                              .rtcp_mux = 1, .dtls_passive = -1, .ip6 = -1, .bundle = (int8_t)bundle };
    return r;
}

static const char plain_offer_av[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\n"
                                     "c=IN IP4 192.0.2.20\r\nt=0 0\r\n"
                                     "m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"
                                     "a=rtpmap:101 telephone-event/8000\r\n"
                                     "m=video 40002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n";

/* The plain side (side 0) offers; returns the engine's offer toward the
 * WebRTC side in n->offer. */
static int plain_offers(struct net *n, const char *sdp, int bundle)
{
    struct rg_buf out;
    rg_buf_init(&out, sizeof(n->offer) - 1);
    const char *why = NULL;
    struct rg_mside_req req = to_webrtc(bundle);
    int rc = n->call ? RG_OK
                     : rg_mcall_create(&n->env, RG_STR_LIT("b"), RG_STR_LIT("ft"), n->now, &n->call);
    if (rc == RG_OK)
        rc = rg_mcall_sdp(n->call, n->now, 0, true, rg_str_from_cstr(sdp), &req, &out, &why);
    if (rc == RG_OK)
        snprintf(n->offer, sizeof(n->offer), "%.*s", (int)out.len, (const char *)out.data);
    else if (rc != RG_ENOMEM)
        fprintf(stderr, "    offer failed: %d %s\n", rc, why ? why : "");
    rg_buf_deinit(&out);
    return rc;
}

/* Attribute value text of kind in media section m, "" when absent. */
static struct rg_str attr_text(const struct rg_sdp_media *m, enum rg_sdp_attr_kind kind)
{
    long i = rg_sdp_attr_find(&m->attrs, kind, 0);
    return i >= 0 ? m->attrs.v[i].value : RG_STR_LIT("");
}

/* The browser takes the engine's offer: media section j's ICE credentials
 * and candidate for transport j; it will answer setup:active (DTLS client). */
static int browser_take_offer(struct net *n, const struct rg_sdp *sdp, int j)
{
    const struct rg_sdp_media *m = &sdp->media[j];
    long uf = rg_sdp_attr_find(&m->attrs, RG_SDP_A_ICE_UFRAG, 0);
    long pw = rg_sdp_attr_find(&m->attrs, RG_SDP_A_ICE_PWD, 0);
    long ca = rg_sdp_attr_find(&m->attrs, RG_SDP_A_CANDIDATE, 0);
    if (uf < 0 || pw < 0 || ca < 0)
        return RG_EBADMSG;
    const struct rg_sdp_candidate *sc = &m->attrs.v[ca].u.cand;
    struct rg_ice_cand c = { .addr = sc->addr, .priority = sc->priority, .component = 1,
                             .type = RG_ICE_HOST };
    c.addr.port = sc->port;
    snprintf(c.foundation, sizeof(c.foundation), "e%d", j);
    struct btr *b = &n->b[j];
    int rc = rg_ice_agent_set_remote_credentials(b->ice, n->now, m->attrs.v[uf].u.text,
                                                 m->attrs.v[pw].u.text);
    if (rc == RG_OK)
        rc = rg_ice_agent_add_remote_candidate(b->ice, n->now, &c);
    rg_ice_agent_end_of_candidates(b->ice, n->now);
    struct rg_dtls_conn_cfg cfg = { .role = RG_DTLS_CLIENT, .n_remote_fp = 1,
                                    .remote_fp[0] = n->env.local_fp };
    if (rc == RG_OK && !b->dtls)
        rc = rg_dtls_conn_new(n->b_dctx, &cfg, n->now, &b->dtls);
    return rc;
}

/* Transport attributes of browser transport j for its answer. */
static void answer_transport(struct net *n, struct rg_buf *o, int j, const char *fpt)
{
    struct rg_str uf = rg_ice_agent_local_ufrag(n->b[j].ice), pw = rg_ice_agent_local_pwd(n->b[j].ice);
    (void)!rg_buf_appendf(o, "a=ice-ufrag:%.*s\r\na=ice-pwd:%.*s\r\n"
                          "a=candidate:1 1 udp 2130706431 192.0.2.10 %u typ host\r\n"
                          "a=fingerprint:%s\r\na=setup:active\r\n",
                          (int)uf.len, uf.p, (int)pw.len, pw.p, n->b[j].addr.port, fpt);
}

/* The browser's answer: max-bundle (both m= lines on transport 0, Chrome's
 * way: transport attributes repeated, candidates only in the first) or one
 * transport per m= line without a group.  ssrc: declare its SSRCs. */
static void browser_answer(struct net *n, bool bundle, const char *group, struct rg_buf *o)
{
    struct rg_dtls_fp fp;
    char fpt[RG_DTLS_FP_STRLEN];
    (void)!rg_dtls_cert_fingerprint(n->b_cert, RG_DTLS_HASH_SHA256, &fp);
    (void)!rg_dtls_fp_format(&fp, fpt, sizeof(fpt));
    (void)!rg_buf_appendf(o, "v=0\r\no=- 9 2 IN IP4 192.0.2.10\r\ns=-\r\nt=0 0\r\n%s%s%s",
                          bundle ? "a=group:" : "", bundle ? group : "", bundle ? "\r\n" : "");
    static const char *const media[2] = { "audio", "video" };
    static const char *const fmts[2] = { "0 101", "96" };
    for (int j = 0; j < 2; j++) {
        int t = bundle ? 0 : j;
        (void)!rg_buf_appendf(o, "m=%s %u UDP/TLS/RTP/SAVPF %s\r\nc=IN IP4 192.0.2.10\r\n"
                              "a=mid:%d\r\na=extmap:%u " RG_MBUNDLE_MID_URI "\r\n",
                              media[j], n->b[t].addr.port, fmts[j], j, n->mid_ext);
        answer_transport(n, o, t, fpt);
        (void)!rg_buf_appendf(o, "a=rtcp-mux\r\na=ssrc:%u cname:b\r\na=sendrecv\r\n",
                              j ? 0xB1u : 0xA1u);
    }
}

/* Runs the engine's offer through the browser and its answer back. */
static int negotiate(struct rg_t *t, struct net *n, bool bundle, const char *group)
{
    struct rg_arena a;
    rg_arena_init(&a, 8192, 1 << 20);
    struct rg_sdp *sdp = NULL;
    struct rg_sdp_error err;
    int rc = rg_sdp_parse(rg_str_from_cstr(n->offer), NULL, &a, &sdp, &err);
    if (rc == RG_OK && sdp->n_media == 2) {
        long x = rg_sdp_attr_find(&sdp->media[0].attrs, RG_SDP_A_EXTMAP, 0);
        n->mid_ext = x >= 0 ? (uint8_t)sdp->media[0].attrs.v[x].u.extmap.id : 3;
        rc = browser_take_offer(n, sdp, 0);
        if (rc == RG_OK && !bundle)
            rc = browser_take_offer(n, sdp, 1);
    }
    rg_arena_deinit(&a);
    struct rg_buf ans, out;
    rg_buf_init(&ans, 8192);
    rg_buf_init(&out, 65536);
    browser_answer(n, bundle, group, &ans);
    const char *why = NULL;
    struct rg_mside_req keep = { -1, -1, -1, -1, -1 };
    if (rc == RG_OK)
        rc = rg_mcall_sdp(n->call, n->now, 1, false, rg_buf_str(&ans), &keep, &out, &why);
    if (rc != RG_OK)
        fprintf(stderr, "    negotiate: %d %s\n", rc, why ? why : "");
    /* The plain side's answer: plain RTP, no group, no MID extension. */
    CHECK(t, rc != RG_OK || rg_str_find(rg_buf_str(&out), RG_STR_LIT("RTP/AVP")) >= 0);
    CHECK(t, rg_str_find(rg_buf_str(&out), RG_STR_LIT("a=group")) < 0);
    CHECK(t, rg_str_find(rg_buf_str(&out), RG_STR_LIT("sdes:mid")) < 0);
    rg_buf_deinit(&ans);
    rg_buf_deinit(&out);
    return rc;
}

static void browser_receive(struct btr *b, uint8_t *buf, size_t len, const struct rg_addr *from,
                            int64_t now)
{
    switch (rg_demux_classify(buf, len)) {
    case RG_DEMUX_STUN:
        (void)rg_ice_agent_handle_packet(b->ice, now, 1, from, buf, len);
        break;
    case RG_DEMUX_DTLS:
        if (b->dtls)
            (void)!rg_dtls_conn_handle_input(b->dtls, now, buf, len);
        break;
    case RG_DEMUX_RTP:
        if (b->in && rg_srtp_unprotect_rtp(b->in, buf, len, &len) == RG_OK) {
            b->rtp_in++;
            b->last_pt = buf[1] & 0x7f;
        } else {
            b->bad_in++;
        }
        break;
    case RG_DEMUX_RTCP:
        if (b->in && rg_srtp_unprotect_rtcp(b->in, buf, len, &len) == RG_OK)
            b->rtcp_in++;
        break;
    default:
        break;
    }
}

static void deliver(struct net *n, const struct rg_mtx *tx)
{
    for (int k = 0; k < 2; k++) {
        struct rg_addr rtcp = n->p[k];
        rtcp.port++;
        n->p_rtp[k] += rg_addr_eq(&tx->dest, &n->p[k]);
        n->p_rtcp[k] += rg_addr_eq(&tx->dest, &rtcp);
    }
    uint8_t buf[RG_MCALL_MAX_PACKET];
    memcpy(buf, tx->data, tx->len);
    struct rg_addr from = n->fd_addr[0];
    for (int i = 0; i < n->n_fds; i++)
        if (n->fds[i] == tx->fd)
            from = n->fd_addr[i];
    for (int j = 0; j < 2; j++)
        if (rg_addr_eq(&tx->dest, &n->b[j].addr))
            browser_receive(&n->b[j], buf, tx->len, &from, n->now);
}

static void browser_send(struct net *n, int j, const struct rg_addr *dest, const uint8_t *p,
                         size_t len)
{
    int fd = fd_for(n, dest);
    uint8_t buf[RG_MCALL_MAX_PACKET];
    if (fd < 0 || len > sizeof(buf))
        return;
    memcpy(buf, p, len);
    rg_mcall_handle_datagram(n->call, n->now, fd, &n->b[j].addr, buf, len);
}

static void browser_pump(struct net *n, int j)
{
    struct btr *b = &n->b[j];
    struct rg_ice_transmit it;
    while (rg_ice_agent_poll_transmit(b->ice, &it) == RG_OK)
        browser_send(n, j, &it.dest, it.data, it.len);
    int sock;
    struct rg_addr dest;
    if (!b->dtls || rg_ice_agent_media_path(b->ice, 1, &sock, &dest) != RG_OK)
        return;
    uint8_t d[RG_DTLS_MAX_MTU];
    size_t dl;
    while (rg_dtls_conn_poll_transmit(b->dtls, d, sizeof(d), &dl) == RG_OK)
        browser_send(n, j, &dest, d, dl);
    struct rg_dtls_event ev;
    while (rg_dtls_conn_poll_event(b->dtls, &ev) == RG_OK) {
        if (ev.type != RG_DTLS_EV_CONNECTED)
            continue;
        struct rg_srtp_cfg in = { .key = ev.remote, .dir = RG_SRTP_INBOUND };
        struct rg_srtp_cfg out = { .key = ev.local, .dir = RG_SRTP_OUTBOUND };
        (void)!rg_srtp_new(&in, &b->in);
        (void)!rg_srtp_new(&out, &b->out);
    }
}

static void run(struct net *n, int ms)
{
    for (int step = 0; step < ms * 1000 / STEP_US; step++) {
        n->now += STEP_US;
        rg_mcall_handle_timeout(n->call, n->now);
        for (int j = 0; j < 2; j++) {
            rg_ice_agent_handle_timeout(n->b[j].ice, n->now);
            if (n->b[j].dtls && rg_dtls_conn_next_timeout_us(n->b[j].dtls) <= n->now)
                (void)!rg_dtls_conn_handle_timeout(n->b[j].dtls, n->now);
        }
        for (int k = 0; k < 4; k++) {
            browser_pump(n, 0);
            browser_pump(n, 1);
            const struct rg_mtx *tx;
            while (rg_mcall_poll_transmit(n->call, &tx) == RG_OK)
                deliver(n, tx);
        }
    }
}

/* An RTP packet; mid != NULL adds the MID header extension (RFC 8285 §4.2
 * one-byte form, id n->mid_ext). */
static size_t rtp(struct net *n, uint8_t *b, uint8_t pt, uint32_t ssrc, const char *mid)
{
    memset(b, 0, 12);
    b[0] = mid ? 0x90 : 0x80;
    b[1] = pt;
    b[2] = (uint8_t)(n->seq >> 8);
    b[3] = (uint8_t)n->seq++;
    for (int i = 0; i < 4; i++)
        b[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    size_t len = 12;
    if (mid) {
        size_t ml = strlen(mid), words = (1 + ml + 3) / 4;
        b[12] = 0xBE;
        b[13] = 0xDE;
        b[14] = 0;
        b[15] = (uint8_t)words;
        memset(b + 16, 0, 4 * words);
        b[16] = (uint8_t)(n->mid_ext << 4 | (ml - 1));
        memcpy(b + 17, mid, ml);
        len = 16 + 4 * words;
    }
    memset(b + len, 0x5A, 60);
    return len + 60;
}

/* The browser sends one SRTP packet on transport j to the engine's address
 * for that transport. */
static void browser_rtp(struct net *n, int j, uint8_t pt, uint32_t ssrc, const char *mid)
{
    uint8_t pkt[RG_MCALL_MAX_PACKET];
    size_t len = rtp(n, pkt, pt, ssrc, mid);
    int sock;
    struct rg_addr dest;
    if (!n->b[j].out || rg_ice_agent_media_path(n->b[j].ice, 1, &sock, &dest) != RG_OK ||
        rg_srtp_protect_rtp(n->b[j].out, pkt, len, sizeof(pkt), &len) != RG_OK)
        return;
    browser_send(n, j, &dest, pkt, len);
    run(n, 10);
}

/* The plain peer of m= line k sends one RTP packet to the engine. */
static void plain_rtp(struct net *n, int k, uint8_t pt, uint32_t ssrc)
{
    uint8_t pkt[RG_MCALL_MAX_PACKET];
    size_t len = rtp(n, pkt, pt, ssrc, NULL);
    struct rg_addr eng = n->call->stream[k].side[0].local_rtp;
    rg_mcall_handle_datagram(n->call, n->now, fd_for(n, &eng), &n->p[k], pkt, len);
    run(n, 10);
}

static int count(struct rg_str hay, const char *needle)
{
    int c = 0;
    for (long at = rg_str_find(hay, rg_str_from_cstr(needle)); at >= 0;
         at = rg_str_find(hay = rg_str_from(hay, (size_t)at + 1), rg_str_from_cstr(needle)))
        c++;
    return c;
}

/* Whether the engine's offer groups both m= lines (and how). */
static bool offer_bundles(struct rg_t *t, const char *plain, int bundle)
{
    struct net n;
    if (net_init(&n) != RG_OK || plain_offers(&n, plain, bundle) != RG_OK) {
        CHECK(t, !"offer");
        net_deinit(&n);
        return false;
    }
    bool g = rg_str_find(rg_str_from_cstr(n.offer), RG_STR_LIT("a=group:BUNDLE")) >= 0;
    CHECK(t, g == (rg_str_find(rg_str_from_cstr(n.offer), RG_STR_LIT(RG_MBUNDLE_MID_URI)) >= 0));
    net_deinit(&n);
    return g;
}

/* RFC 9143 §7.2: the initial BUNDLE offer lists both mids (audio first, the
 * suggested offerer-tagged m= line), gives each m= line its own address:port,
 * ICE credentials and candidates, DTLS fingerprint and actpass, rtcp-mux
 * (§9.3.1.1) and the MID header extension with one id (§9.1). */
static void offer_shape(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n) == RG_OK);
    REQUIRE(t, plain_offers(&n, plain_offer_av, 1) == RG_OK);
    struct rg_arena a;
    rg_arena_init(&a, 8192, 1 << 20);
    struct rg_sdp *sdp = NULL;
    struct rg_sdp_error err;
    REQUIRE(t, rg_sdp_parse(rg_str_from_cstr(n.offer), NULL, &a, &sdp, &err) == RG_OK);
    REQUIRE(t, sdp->n_media == 2);
    long g = rg_sdp_attr_find(&sdp->attrs, RG_SDP_A_GROUP, 0);
    REQUIRE(t, g >= 0);
    const struct rg_sdp_group *grp = &sdp->attrs.v[g].u.group;
    CHECK(t, rg_str_eq_cstr(grp->semantics, "BUNDLE"));
    REQUIRE(t, grp->n_ids == 2);
    CHECK(t, rg_str_eq_cstr(grp->ids[0], "0") && rg_str_eq_cstr(grp->ids[1], "1"));
    uint16_t ext[2] = { 0, 0 };
    for (int j = 0; j < 2; j++) {
        const struct rg_sdp_media *m = &sdp->media[j];
        CHECK(t, rg_str_eq_cstr(m->proto, "UDP/TLS/RTP/SAVPF"));
        CHECK(t, rg_str_eq_cstr(attr_text(m, RG_SDP_A_MID), j ? "1" : "0"));
        CHECK(t, rg_sdp_attr_find(&m->attrs, RG_SDP_A_RTCP_MUX, 0) >= 0);
        CHECK(t, rg_sdp_attr_find(&m->attrs, RG_SDP_A_CANDIDATE, 0) >= 0);
        CHECK(t, rg_sdp_attr_find(&m->attrs, RG_SDP_A_FINGERPRINT, 0) >= 0);
        CHECK(t, rg_str_eq_cstr(attr_text(m, RG_SDP_A_SETUP), "actpass"));
        long x = rg_sdp_attr_find(&m->attrs, RG_SDP_A_EXTMAP, 0);
        REQUIRE(t, x >= 0);
        CHECK(t, rg_str_eq_cstr(m->attrs.v[x].u.extmap.uri, RG_MBUNDLE_MID_URI));
        ext[j] = m->attrs.v[x].u.extmap.id;
    }
    CHECK(t, ext[0] >= 1 && ext[0] <= 14 && ext[0] == ext[1]);
    CHECK(t, sdp->media[0].port != sdp->media[1].port); /* unique address:port each */
    CHECK(t, !rg_str_eq(attr_text(&sdp->media[0], RG_SDP_A_ICE_UFRAG),
                        attr_text(&sdp->media[1], RG_SDP_A_ICE_UFRAG)));
    CHECK(t, n.call->stream[1].transport_of[1] == 1 && n.call->stream[1].side[1].ice);
    rg_arena_deinit(&a);
    net_deinit(&n);
    /* The engine default (-1) bundles toward WebRTC; ng's default (0) and
     * payload types shared by both m= lines (routing would be ambiguous,
     * §9.2) do not. */
    CHECK(t, offer_bundles(t, plain_offer_av, -1));
    CHECK(t, !offer_bundles(t, plain_offer_av, 0));
    static const char clash[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\n"
                                "t=0 0\r\nm=audio 40000 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n"
                                "m=video 40002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n";
    CHECK(t, !offer_bundles(t, clash, 1));
    /* An existing extmap id is not reused for the MID extension. */
    static const char ext3[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\n"
                               "t=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"
                               "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
                               "m=video 40002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n";
    REQUIRE(t, net_init(&n) == RG_OK);
    REQUIRE(t, plain_offers(&n, ext3, 1) == RG_OK);
    CHECK_EQ_INT(t, count(rg_str_from_cstr(n.offer), "a=extmap:2 " RG_MBUNDLE_MID_URI), 2);
    net_deinit(&n);
}

/* An RTCP receiver report from the browser about the SSRC it received. */
static void browser_rr(struct net *n, uint32_t about)
{
    uint8_t r[RG_MCALL_MAX_PACKET] = { 0x81, 201, 0, 7, 0, 0, 0, 1 };
    for (int i = 0; i < 4; i++)
        r[8 + i] = (uint8_t)(about >> (24 - 8 * i));
    size_t len = 32;
    int sock;
    struct rg_addr dest;
    if (rg_ice_agent_media_path(n->b[0].ice, 1, &sock, &dest) != RG_OK ||
        rg_srtp_protect_rtcp(n->b[0].out, r, len, sizeof(r), &len) != RG_OK)
        return;
    browser_send(n, 0, &dest, r, len);
    run(n, 10);
}

/* max-bundle answer (RFC 9143 §7.4): both m= lines on the audio transport;
 * the video m= line's own socket and ICE agent are released; browser media
 * reaches the right plain port by MID, SSRC and payload type (§9.2), RTCP by
 * the SSRC it reports on, and plain media of both comes back on one
 * transport. */
static void bundled_answer_routes_both_ways(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n) == RG_OK);
    REQUIRE(t, plain_offers(&n, plain_offer_av, 1) == RG_OK);
    REQUIRE(t, negotiate(t, &n, true, "BUNDLE 0 1") == RG_OK);
    const struct rg_mstream *v = &n.call->stream[1];
    CHECK_EQ_INT(t, v->transport_of[1], 0);
    CHECK(t, v->side[1].fd_rtp == -1 && v->side[1].ice == NULL && v->side[1].dtls == NULL);
    CHECK_EQ_INT(t, n.n_closed, 1);
    CHECK(t, !v->bundle_offer[1]);
    run(&n, 3000);
    CHECK_EQ_INT(t, n.call->stream[0].side[1].dtls_state, RG_MDTLS_UP);
    REQUIRE(t, n.b[0].out != NULL);
    for (int i = 0; i < 3; i++) {
        browser_rtp(&n, 0, 0, 0xA1, "0");
        browser_rtp(&n, 0, 96, 0xB1, "1");
    }
    CHECK_EQ_INT(t, n.p_rtp[0], 3);
    CHECK_EQ_INT(t, n.p_rtp[1], 3);
    browser_rtp(&n, 0, 96, 0xB1, NULL); /* SSRC bound by its MID */
    browser_rtp(&n, 0, 96, 0xB2, NULL); /* new SSRC, video payload type */
    browser_rtp(&n, 0, 101, 0xA7, NULL); /* new SSRC, audio payload type */
    CHECK_EQ_INT(t, n.p_rtp[0], 4);
    CHECK_EQ_INT(t, n.p_rtp[1], 5);
    browser_rtp(&n, 0, 0, 0xB2, "0"); /* a MID moves an SSRC (RFC 7941 §4.2.6) */
    CHECK_EQ_INT(t, n.p_rtp[0], 5);
    browser_rtp(&n, 0, 0, 0xA9, "7");  /* a MID of no m= line: not decoded */
    browser_rtp(&n, 0, 96, 0xA1, NULL); /* audio's SSRC cannot move to video */
    browser_rtp(&n, 0, 77, 0xAB, NULL); /* unknown payload type */
    CHECK_EQ_INT(t, n.p_rtp[0] + n.p_rtp[1], 10);
    CHECK_EQ_INT(t, n.call->stream[0].side[1].st.drop_demux, 3);
    CHECK_EQ_INT(t, v->side[1].st.pkts_in, 5);
    plain_rtp(&n, 0, 0, 0xC0);
    plain_rtp(&n, 1, 96, 0xD0);
    CHECK_EQ_INT(t, n.b[0].rtp_in, 2);
    CHECK_EQ_INT(t, n.b[0].last_pt, 96);
    CHECK_EQ_INT(t, n.b[1].rtp_in + n.b[0].bad_in, 0);
    browser_rr(&n, 0xD0);
    CHECK_EQ_INT(t, n.p_rtcp[1], 1);
    browser_rr(&n, 0xC0);
    CHECK_EQ_INT(t, n.p_rtcp[0], 1);
    net_deinit(&n);
}

/* An answerer that does not keep the group (RFC 9143 §7.4: "process the
 * answer as a normal answer"): each m= line keeps its own transport, ICE
 * and DTLS, and media flows on both. */
static void unbundled_answer_keeps_two_transports(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n) == RG_OK);
    REQUIRE(t, plain_offers(&n, plain_offer_av, 1) == RG_OK);
    REQUIRE(t, negotiate(t, &n, false, NULL) == RG_OK);
    const struct rg_mstream *v = &n.call->stream[1];
    CHECK_EQ_INT(t, v->transport_of[1], 1);
    CHECK(t, v->side[1].fd_rtp >= 0 && v->side[1].ice != NULL);
    CHECK_EQ_INT(t, n.n_closed, 0);
    run(&n, 3000);
    CHECK_EQ_INT(t, n.call->stream[0].side[1].dtls_state, RG_MDTLS_UP);
    CHECK_EQ_INT(t, v->side[1].dtls_state, RG_MDTLS_UP);
    browser_rtp(&n, 0, 0, 0xA1, NULL);
    browser_rtp(&n, 1, 96, 0xB1, NULL);
    CHECK_EQ_INT(t, n.p_rtp[0], 1);
    CHECK_EQ_INT(t, n.p_rtp[1], 1);
    plain_rtp(&n, 0, 0, 0xC0);
    plain_rtp(&n, 1, 96, 0xD0);
    CHECK_EQ_INT(t, n.b[0].rtp_in, 1);
    CHECK_EQ_INT(t, n.b[1].rtp_in, 1);
    CHECK_EQ_INT(t, n.b[1].last_pt, 96);
    net_deinit(&n);
}

/* A subsequent offer (RFC 9143 §7.5, e.g. the SIP side's re-INVITE): the
 * negotiated group, the tagged transport's address:port on both m= lines,
 * transport attributes only in the tagged one, the same ICE credentials and
 * DTLS roles; the answer keeps media and keys. */
static void reoffer_keeps_bundle(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n) == RG_OK);
    REQUIRE(t, plain_offers(&n, plain_offer_av, 1) == RG_OK);
    REQUIRE(t, negotiate(t, &n, true, "BUNDLE 0 1") == RG_OK);
    run(&n, 3000);
    REQUIRE(t, n.b[0].out != NULL);
    const struct rg_srtp *keys = n.call->stream[0].side[1].srtp_out;
    char reoffer[sizeof(plain_offer_av) + 16];
    snprintf(reoffer, sizeof(reoffer), "%s", plain_offer_av);
    reoffer[11] = '2'; /* o=- 1 2: a new version */
    REQUIRE(t, plain_offers(&n, reoffer, 0) == RG_OK); /* no flag needed to keep it */
    struct rg_arena a;
    rg_arena_init(&a, 8192, 1 << 20);
    struct rg_sdp *sdp = NULL;
    struct rg_sdp_error err;
    REQUIRE(t, rg_sdp_parse(rg_str_from_cstr(n.offer), NULL, &a, &sdp, &err) == RG_OK);
    REQUIRE(t, sdp->n_media == 2);
    long g = rg_sdp_attr_find(&sdp->attrs, RG_SDP_A_GROUP, 0);
    CHECK(t, g >= 0 && rg_str_eq_cstr(sdp->attrs.v[g].value, "BUNDLE 0 1"));
    CHECK_EQ_INT(t, sdp->media[0].port, n.call->stream[0].side[1].local_rtp.port);
    CHECK_EQ_INT(t, sdp->media[1].port, sdp->media[0].port);
    CHECK(t, rg_str_eq_cstr(attr_text(&sdp->media[0], RG_SDP_A_SETUP), "passive"));
    CHECK(t, rg_str_eq(attr_text(&sdp->media[0], RG_SDP_A_ICE_UFRAG),
                       rg_ice_agent_local_ufrag(n.call->stream[0].side[1].ice)));
    CHECK(t, rg_sdp_attr_find(&sdp->media[1].attrs, RG_SDP_A_ICE_UFRAG, 0) < 0);
    CHECK(t, rg_sdp_attr_find(&sdp->media[1].attrs, RG_SDP_A_CANDIDATE, 0) < 0);
    CHECK(t, rg_sdp_attr_find(&sdp->media[1].attrs, RG_SDP_A_FINGERPRINT, 0) < 0);
    CHECK_EQ_INT(t, count(rg_str_from_cstr(n.offer), RG_MBUNDLE_MID_URI), 2);
    rg_arena_deinit(&a);
    struct rg_buf ans, out;
    rg_buf_init(&ans, 8192);
    rg_buf_init(&out, 65536);
    browser_answer(&n, true, "BUNDLE 0 1", &ans);
    const char *why = NULL;
    struct rg_mside_req keep = { -1, -1, -1, -1, -1 };
    CHECK_OK(t, rg_mcall_sdp(n.call, n.now, 1, false, rg_buf_str(&ans), &keep, &out, &why));
    rg_buf_deinit(&ans);
    rg_buf_deinit(&out);
    run(&n, 1000);
    CHECK(t, n.call->stream[0].side[1].srtp_out == keys);
    CHECK_EQ_INT(t, n.call->stream[1].transport_of[1], 0);
    browser_rtp(&n, 0, 96, 0xB1, "1");
    browser_rtp(&n, 0, 0, 0xA1, "0");
    plain_rtp(&n, 1, 96, 0xD0);
    CHECK_EQ_INT(t, n.p_rtp[0], 1);
    CHECK_EQ_INT(t, n.p_rtp[1], 1);
    CHECK_EQ_INT(t, n.b[0].rtp_in, 1);
    net_deinit(&n);
}

/* The browser re-offers the negotiated group (renegotiation, same ICE and
 * DTLS parameters): the SIP side sees two plain m= lines, the answer to the
 * browser keeps the group on the one transport, keys survive. */
static void browser_reoffer_keeps_bundle(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n) == RG_OK);
    REQUIRE(t, plain_offers(&n, plain_offer_av, 1) == RG_OK);
    REQUIRE(t, negotiate(t, &n, true, "BUNDLE 0 1") == RG_OK);
    run(&n, 3000);
    REQUIRE(t, n.b[0].out != NULL);
    const struct rg_srtp *keys = n.call->stream[0].side[1].srtp_out;
    struct rg_buf offer, out;
    rg_buf_init(&offer, 8192);
    rg_buf_init(&out, 65536);
    browser_answer(&n, true, "BUNDLE 0 1", &offer);
    const char *why = NULL;
    struct rg_mside_req keep = { -1, -1, -1, -1, -1 };
    CHECK_OK(t, rg_mcall_sdp(n.call, n.now, 1, true, rg_buf_str(&offer), &keep, &out, &why));
    CHECK(t, rg_str_find(rg_buf_str(&out), RG_STR_LIT("a=group")) < 0);
    CHECK_EQ_INT(t, count(rg_buf_str(&out), " RTP/AVP "), 2);
    rg_buf_reset(&out);
    CHECK_OK(t, rg_mcall_sdp(n.call, n.now, 0, false, rg_str_from_cstr(plain_offer_av), &keep, &out,
                             &why));
    CHECK(t, rg_str_find(rg_buf_str(&out), RG_STR_LIT("a=group:BUNDLE 0 1")) >= 0);
    char mline[64];
    snprintf(mline, sizeof(mline), "m=video %u ", n.call->stream[0].side[1].local_rtp.port);
    CHECK(t, rg_str_find(rg_buf_str(&out), rg_str_from_cstr(mline)) >= 0);
    CHECK_EQ_INT(t, count(rg_buf_str(&out), "a=ice-ufrag"), 1);
    rg_buf_deinit(&offer);
    rg_buf_deinit(&out);
    run(&n, 1000);
    CHECK(t, n.call->stream[0].side[1].srtp_out == keys);
    browser_rtp(&n, 0, 96, 0xB1, "1");
    plain_rtp(&n, 1, 96, 0xD0);
    CHECK_EQ_INT(t, n.p_rtp[1], 1);
    CHECK_EQ_INT(t, n.b[0].rtp_in, 1);
    net_deinit(&n);
}

/* RFC 9143 §7.3/§7.4: an answer may only group what was offered grouped. */
static void answer_group_checked(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n) == RG_OK);
    REQUIRE(t, plain_offers(&n, plain_offer_av, 1) == RG_OK);
    CHECK_EQ_INT(t, negotiate(t, &n, true, "BUNDLE 0 5"), RG_EBADMSG);
    net_deinit(&n);
    REQUIRE(t, net_init(&n) == RG_OK);
    REQUIRE(t, plain_offers(&n, plain_offer_av, 1) == RG_OK);
    CHECK_EQ_INT(t, negotiate(t, &n, true, "BUNDLE 0 0"), RG_EBADMSG);
    net_deinit(&n);
    /* Not offered at all: a group in the answer does not merge transports. */
    REQUIRE(t, net_init(&n) == RG_OK);
    REQUIRE(t, plain_offers(&n, plain_offer_av, 0) == RG_OK);
    CHECK_OK(t, negotiate(t, &n, true, "BUNDLE 0 1"));
    CHECK_EQ_INT(t, n.call->stream[1].transport_of[1], 1);
    net_deinit(&n);
    /* The answerer picks video as the tagged m= line: audio moves onto it. */
    REQUIRE(t, net_init(&n) == RG_OK);
    REQUIRE(t, plain_offers(&n, plain_offer_av, 1) == RG_OK);
    CHECK_OK(t, negotiate(t, &n, true, "BUNDLE 1 0"));
    CHECK_EQ_INT(t, n.call->stream[0].transport_of[1], 1);
    CHECK(t, n.call->stream[0].side[1].fd_rtp == -1 && n.call->stream[1].side[1].fd_rtp >= 0);
    net_deinit(&n);
}

static const struct rg_bencode *dict(struct rg_arena *a, const char *text)
{
    const struct rg_bencode *d = NULL;
    return rg_bencode_parse(a, text, strlen(text), NULL, &d) < 0 ? NULL : d;
}

/* rtpengine's spellings: "bundle": ["offer"], the "BUNDLE-offer" flag;
 * nothing asked = no bundled offers (rtpengine's default). */
static void ng_bundle_flags(struct rg_t *t)
{
    static const struct {
        const char *benc;
        int bundle;
        const char *reported;
    } v[] = {
        { "d6:bundlel5:offeree", 1, NULL },
        { "d6:BUNDLEl6:accept5:offeree", 1, NULL },
        { "d5:flagsl12:BUNDLE-offeree", 1, NULL },
        { "d5:flagsl12:bundle-offeree", 1, NULL },
        { "de", 0, NULL },
        { "d6:bundlel6:acceptee", 0, NULL },
        { "d6:bundlel6:strictee", 1, "BUNDLE=strict" },
        { "d6:bundlel6:rejectee", 0, "BUNDLE=reject" },
        { "d6:bundlel4:oddsee", 0, "BUNDLE=odds" },
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct rg_arena a;
        rg_arena_init(&a, 4096, 1 << 20);
        struct rg_buf unknown;
        rg_buf_init(&unknown, 1024);
        struct rg_mside_req r;
        const char *why = NULL;
        const struct rg_bencode *d = dict(&a, v[i].benc);
        CHECK(t, d != NULL);
        if (d && rg_ngcmd_req(d, &r, &unknown, &why) == RG_OK) {
            CHECK_EQ_INT(t, r.bundle, v[i].bundle);
            if (v[i].reported)
                CHECK(t, rg_str_find(rg_buf_str(&unknown), rg_str_from_cstr(v[i].reported)) >= 0);
            else
                CHECK_EQ_INT(t, unknown.len, 0);
        }
        rg_buf_deinit(&unknown);
        rg_arena_deinit(&a);
    }
}

struct oom_arg {
    struct net *n;
    char answer[8192];
};

/* Offer with a group, max-bundle answer, re-offer: every allocation may
 * fail; each failure must come back as RG_ENOMEM with nothing leaked. */
static int whole_bundle_call(void *arg)
{
    struct oom_arg *o = arg;
    struct net *n = o->n;
    n->n_fds = 0;
    n->call = NULL;
    int rc = plain_offers(n, plain_offer_av, 1);
    struct rg_buf out;
    rg_buf_init(&out, 65536);
    const char *why = NULL;
    struct rg_mside_req keep = { -1, -1, -1, -1, -1 };
    if (rc == RG_OK)
        rc = rg_mcall_sdp(n->call, n->now, 1, false, rg_str_from_cstr(o->answer), &keep, &out, &why);
    rg_buf_deinit(&out);
    if (rc == RG_OK)
        rc = plain_offers(n, plain_offer_av, 1);
    rg_mcall_destroy(n->call);
    n->call = NULL;
    return rc;
}

static void oom_bundle_offer_answer(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n) == RG_OK);
    static struct oom_arg o;
    o.n = &n;
    n.mid_ext = 1;
    struct rg_buf ans;
    rg_buf_init(&ans, sizeof(o.answer) - 1);
    browser_answer(&n, true, "BUNDLE 0 1", &ans);
    snprintf(o.answer, sizeof(o.answer), "%.*s", (int)ans.len, (const char *)ans.data);
    rg_buf_deinit(&ans);
    REQUIRE(t, whole_bundle_call(&o) == RG_OK);
    rg_t_oom_step(t, whole_bundle_call, &o, 2000);
    net_deinit(&n);
}

static const struct rg_test_case cases[] = {
    { "offer_shape", offer_shape },
    { "bundled_answer_routes_both_ways", bundled_answer_routes_both_ways },
    { "unbundled_answer_keeps_two_transports", unbundled_answer_keeps_two_transports },
    { "reoffer_keeps_bundle", reoffer_keeps_bundle },
    { "browser_reoffer_keeps_bundle", browser_reoffer_keeps_bundle },
    { "answer_group_checked", answer_group_checked },
    { "ng_bundle_flags", ng_bundle_flags },
    { "oom_bundle_offer_answer", oom_bundle_offer_answer },
};

RG_TEST_MAIN(cases)
