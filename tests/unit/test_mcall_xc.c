/*
 * Unit tests for src/media/mcall_xc.c: codec negotiation and transcoding
 * through a whole media call (rg_mcall_sdp, rg_mcall_handle_datagram, the
 * call's timer, rg_mcall_poll_transmit) with fake sockets and simulated
 * time.  Both legs are plain RTP so the test sees the payloads; the packet
 * path is the engine's.  Checks what a user would notice: the offer a SIP
 * trunk receives names the codecs asked for, the answer a browser receives
 * names only its own codec, a shared codec is relayed byte for byte, a tone
 * keeps its frequency, speech through Opus -> PCMU -> (echo) -> Opus stays
 * within a stated bound of an offline reference chain, DTMF at 48 kHz
 * arrives as telephone-event/8000 with the duration converted, and ng codec
 * flags become the request.
 */
#include "harness.h"

#include <math.h>
#include <stdio.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "media/codec.h"
#include "media/dtmf.h"
#include "media/mcall.h"
#include "media/mcall_xc.h"
#include "media/ng_cmd.h"
#include "media_util.h"
#include "proto/ng/bencode.h"
#include "proto/rtp/rtp.h"

#define P0_PORT 5000 /* the "browser" (offerer) */
#define P1_PORT 6000 /* the "SIP trunk" (answerer) */

struct net {
    struct rg_rng_seeded rs;
    struct rg_rng rng;
    struct rg_mcall_env env;
    struct rg_mcall *call;
    int next_fd;
    int64_t now;
    struct rg_addr peer[2];
    int fd[2];            /* the engine's socket for each side */
    bool echo1;           /* side 1 reflects what it receives */
    /* what each peer received (RTP only) */
    struct rg_rtp_copy {
        uint8_t pt;
        uint16_t seq;
        uint32_t ts, ssrc;
        bool marker;
        uint8_t payload[512];
        size_t len;
    } * rx[2];
    size_t n_rx[2], cap_rx;
    unsigned rtcp_rx[2];
};

static int fake_open(void *ud, const struct rg_addr *ip, bool pair, int fds[2],
                     struct rg_addr bound[2])
{
    struct net *n = ud;
    for (int k = 0; k < (pair ? 2 : 1); k++) {
        fds[k] = n->next_fd++;
        bound[k] = *ip;
        bound[k].port = (uint16_t)(20000 + fds[k]);
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

static bool net_init(struct net *n, size_t cap)
{
    memset(n, 0, sizeof(*n));
    n->next_fd = 100;
    n->now = 1000000;
    rg_rng_seeded_init(&n->rs, 7, &n->rng);
    n->env.rng = &n->rng;
    n->env.ports = (struct rg_mports){ .open = fake_open, .close = fake_close, .ud = n };
    n->env.media_ip = addr("127.0.0.1", 0);
    n->peer[0] = addr("192.0.2.10", P0_PORT);
    n->peer[1] = addr("192.0.2.20", P1_PORT);
    n->cap_rx = cap;
    n->rx[0] = rg_calloc(cap, sizeof(*n->rx[0]));
    n->rx[1] = rg_calloc(cap, sizeof(*n->rx[1]));
    return n->rx[0] && n->rx[1] &&
           rg_mcall_create(&n->env, RG_STR_LIT("xc-1"), RG_STR_LIT("ft"), n->now, &n->call) ==
               RG_OK;
}

static void net_free(struct net *n)
{
    rg_mcall_destroy(n->call);
    rg_free(n->rx[0]);
    rg_free(n->rx[1]);
}

static struct rg_mside_req keep_req(void)
{
    struct rg_mside_req r;
    memset(&r, -1, sizeof(r));
    memset(&r.advertise, 0, sizeof(r.advertise));
    memset(&r.sig_src, 0, sizeof(r.sig_src));
    memset(&r.codecs, 0, sizeof(r.codecs));
    return r;
}

/* Offer from side 0 with req, answer from side 1; the SDPs each peer got
 * are left in out_offer / out_answer. */
static int negotiate(struct net *n, const char *offer, const struct rg_mside_req *req,
                     const char *answer, struct rg_buf *out_offer, struct rg_buf *out_answer)
{
    const char *why = NULL;
    struct rg_mside_req keep = keep_req();
    int rc = rg_mcall_sdp(n->call, n->now, 0, true, rg_str_from_cstr(offer), req, out_offer, &why);
    if (rc == RG_OK)
        rc = rg_mcall_sdp(n->call, n->now, 1, false, rg_str_from_cstr(answer), &keep, out_answer,
                          &why);
    if (rc != RG_OK)
        fprintf(stderr, "    negotiate: %s (%s)\n", rg_strerror(rc), why ? why : "");
    n->fd[0] = n->call->stream[0].side[0].fd_rtp;
    n->fd[1] = n->call->stream[0].side[1].fd_rtp;
    return rc;
}

static void deliver(struct net *n, int k, uint8_t *pkt, size_t len)
{
    rg_mcall_handle_datagram(n->call, n->now, n->fd[k], &n->peer[k], pkt, len);
}

/* Drains the transmit ring: RTP toward a peer is recorded (and reflected
 * when that peer echoes). */
static void drain(struct net *n)
{
    const struct rg_mtx *tx;
    while (rg_mcall_poll_transmit(n->call, &tx) == RG_OK) {
        int k = rg_addr_ip_eq(&tx->dest, &n->peer[0]) ? 0 : rg_addr_ip_eq(&tx->dest, &n->peer[1]) ? 1 : -1;
        if (k < 0)
            continue;
        if (tx->len >= 2 && tx->data[1] >= 200 && tx->data[1] <= 204) {
            n->rtcp_rx[k]++;
            continue;
        }
        struct rg_rtp r;
        if (rg_rtp_parse(tx->data, tx->len, &r) != RG_OK || n->n_rx[k] >= n->cap_rx ||
            r.payload_len > sizeof(n->rx[k][0].payload))
            continue;
        struct rg_rtp_copy *c = &n->rx[k][n->n_rx[k]++];
        *c = (struct rg_rtp_copy){ .pt = r.pt, .seq = r.seq, .ts = r.ts, .ssrc = r.ssrc,
                                   .marker = r.marker, .len = r.payload_len };
        memcpy(c->payload, r.payload, r.payload_len);
        if (k == 1 && n->echo1) {
            uint8_t copy[RG_MCALL_MAX_PACKET];
            memcpy(copy, tx->data, tx->len);
            size_t len = tx->len;
            deliver(n, 1, copy, len);
        }
    }
}

/* Advances simulated time to `until`, running the call's timer. */
static void run_until(struct net *n, int64_t until)
{
    for (;;) {
        drain(n);
        int64_t t = rg_mcall_next_timeout_us(n->call);
        if (t > until)
            break;
        n->now = t > n->now ? t : n->now;
        rg_mcall_handle_timeout(n->call, n->now);
    }
    n->now = until;
}

static size_t rtp(uint8_t *out, uint8_t pt, uint16_t seq, uint32_t ts, bool m, const uint8_t *p,
                  size_t len)
{
    struct rg_rtp h = { .pt = pt, .seq = seq, .ts = ts, .ssrc = 0xabcdef01u, .marker = m,
                        .payload = p, .payload_len = len };
    int w = rg_rtp_write(&h, out, RG_MCALL_MAX_PACKET);
    return w > 0 ? (size_t)w : 0;
}

/* The "browser" encoder for 160-sample (20 ms at 8 kHz) frames. */
static const struct rg_codec_params nb8k = { .sample_hz = 8000 };

static const char *opus_offer =
    "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
    "m=audio 5000 RTP/AVP 111 110\r\na=rtpmap:111 opus/48000/2\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\na=rtcp-fb:111 transport-cc\r\n"
    "a=rtpmap:110 telephone-event/48000\r\na=sendrecv\r\n";

/* PSP-like request toward a G.711 trunk: mask the browser's codecs, offer
 * PCMU then PCMA. */
static struct rg_mside_req g711_req(void)
{
    struct rg_mside_req r = keep_req();
    r.codecs.mask_all = true;
    if (rg_mcodec_req_add(&r.codecs, RG_MCODEC_TRANSCODE, RG_STR_LIT("PCMU")) != RG_OK ||
        rg_mcodec_req_add(&r.codecs, RG_MCODEC_TRANSCODE, RG_STR_LIT("PCMA")) != RG_OK)
        abort();
    return r;
}

static const char *pcmu_answer =
    "v=0\r\no=- 2 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n"
    "m=audio 6000 RTP/AVP 0 96\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:96 telephone-event/8000\r\n"
    "a=fmtp:96 0-16\r\na=ptime:20\r\na=sendrecv\r\n";

static bool has(const struct rg_buf *b, const char *s)
{
    return rg_str_find(rg_buf_str(b), rg_str_from_cstr(s)) >= 0;
}

/* The offer passed on carries PCMU, PCMA and telephone-event/8000 and no
 * Opus; the answer toward the browser carries only Opus and its event PT. */
static void sdp_transcode(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, 16));
    struct rg_buf off, ans;
    rg_buf_init(&off, 8192);
    rg_buf_init(&ans, 8192);
    struct rg_mside_req r = g711_req();
    REQUIRE(t, negotiate(&n, opus_offer, &r, pcmu_answer, &off, &ans) == RG_OK);
    CHECK(t, has(&off, "RTP/AVP 0 8 96\r\n"));
    CHECK(t, has(&off, "a=rtpmap:0 PCMU/8000\r\n") && has(&off, "a=rtpmap:8 PCMA/8000\r\n"));
    CHECK(t, has(&off, "a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-16\r\n"));
    CHECK(t, !has(&off, "opus") && !has(&off, "transport-cc") && !has(&off, "/48000"));
    CHECK(t, has(&ans, "RTP/AVP 111 110\r\n"));
    CHECK(t, has(&ans, "a=rtpmap:111 opus/48000/2\r\n"));
    CHECK(t, has(&ans, "a=fmtp:111 minptime=10;useinbandfec=1;maxplaybackrate=8000;"
                       "sprop-maxcapturerate=8000\r\n"));
    CHECK(t, has(&ans, "a=rtpmap:110 telephone-event/48000\r\n"));
    CHECK(t, !has(&ans, "PCMU") && !has(&ans, "a=ptime"));
    const struct rg_mstream *st = &n.call->stream[0];
    CHECK(t, st->xc != NULL);
    CHECK(t, st->side[0].st.transcoded && st->side[1].st.transcoded);
    CHECK(t, strcmp(st->side[0].st.codec, "opus/48000") == 0);
    CHECK(t, strcmp(st->side[1].st.codec, "PCMU/8000") == 0);
    rg_buf_deinit(&off);
    rg_buf_deinit(&ans);
    net_free(&n);
}

/* The answerer picks a codec the offerer offered: relayed untouched, and
 * formats the offerer never offered leave the answer. */
static void shared_codec_is_relayed(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, 16));
    static const char *offer =
        "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
        "m=audio 5000 RTP/AVP 111 0\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n";
    static const char *answer =
        "v=0\r\no=- 2 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n"
        "m=audio 6000 RTP/AVP 0 9\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:9 G722/8000\r\n";
    struct rg_buf off, ans;
    rg_buf_init(&off, 8192);
    rg_buf_init(&ans, 8192);
    struct rg_mside_req r = keep_req();
    REQUIRE(t, rg_mcodec_req_add(&r.codecs, RG_MCODEC_TRANSCODE, RG_STR_LIT("G722")) == RG_OK);
    REQUIRE(t, negotiate(&n, offer, &r, answer, &off, &ans) == RG_OK);
    CHECK(t, has(&off, "RTP/AVP 111 0 9\r\n"));
    CHECK(t, has(&ans, "RTP/AVP 0\r\n") && !has(&ans, "G722"));
    CHECK(t, n.call->stream[0].xc == NULL);
    CHECK(t, !n.call->stream[0].side[0].st.transcoded);
    uint8_t pay[160], pkt[RG_MCALL_MAX_PACKET];
    memset(pay, 0x5a, sizeof(pay));
    size_t len = rtp(pkt, 0, 77, 1234, true, pay, sizeof(pay));
    deliver(&n, 0, pkt, len);
    drain(&n);
    REQUIRE(t, n.n_rx[1] == 1);
    CHECK(t, n.rx[1][0].seq == 77 && n.rx[1][0].ts == 1234 && n.rx[1][0].ssrc == 0xabcdef01u);
    CHECK_MEM(t, n.rx[1][0].payload, n.rx[1][0].len, pay, sizeof(pay));
    rg_buf_deinit(&off);
    rg_buf_deinit(&ans);
    net_free(&n);
}

/* Encodes pcm (8 kHz) as the browser would: Opus 20 ms, complexity 9. */
static size_t send_opus(struct net *n, const int16_t *pcm, size_t samples, uint16_t *seq,
                        uint32_t *ts, int64_t t0, struct rg_codec_enc *enc)
{
    size_t sent = 0;
    for (size_t off = 0; off + 160 <= samples; off += 160) {
        uint8_t pay[400], pkt[RG_MCALL_MAX_PACKET];
        int len = rg_codec_encode(enc, pcm + off, 160, pay, sizeof(pay));
        if (len <= 0)
            continue;
        run_until(n, t0 + (int64_t)(off / 160) * 20000);
        size_t pl = rtp(pkt, 111, (*seq)++, *ts, off == 0, pay, (size_t)len);
        *ts += 960;
        deliver(n, 0, pkt, pl);
        sent++;
    }
    return sent;
}

/* Decodes every Opus packet the browser received (in order) at 8 kHz. */
static size_t decode_opus_rx(const struct net *n, int16_t *out, size_t max)
{
    struct rg_codec_dec *d = NULL;
    struct rg_codec_params p = { .sample_hz = 8000 };
    if (rg_codec_dec_create(rg_codec_by_id(RG_CODEC_OPUS), &p, &d) != RG_OK)
        return 0;
    size_t w = 0;
    for (size_t i = 0; i < n->n_rx[0]; i++) {
        if (n->rx[0][i].pt != 111)
            continue;
        int got = rg_codec_decode(d, n->rx[0][i].payload, n->rx[0][i].len, out + w, max - w);
        if (got > 0)
            w += (size_t)got;
    }
    rg_codec_dec_destroy(d);
    return w;
}

/* 1 kHz tone from the browser: the trunk hears PCMU at 1 kHz (own SSRC,
 * 160-tick timestamps), and its echo comes back to the browser as Opus at
 * 1 kHz. */
static void tone_both_ways(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, 400));
    struct rg_buf off, ans;
    rg_buf_init(&off, 8192);
    rg_buf_init(&ans, 8192);
    struct rg_mside_req r = g711_req();
    REQUIRE(t, negotiate(&n, opus_offer, &r, pcmu_answer, &off, &ans) == RG_OK);
    n.echo1 = true;
    int16_t pcm[8000 * 2];
    mt_sine(pcm, 16000, 1000, 8000, 8000);
    struct rg_codec_enc *enc = NULL;
    struct rg_codec_params bp = { .sample_hz = 8000, .complexity = 9, .complexity_set = true };
    REQUIRE(t, rg_codec_enc_create(rg_codec_by_id(RG_CODEC_OPUS), &bp, &enc) == RG_OK);
    uint16_t seq = 1;
    uint32_t ts = 5000;
    size_t sent = send_opus(&n, pcm, 16000, &seq, &ts, n.now, enc);
    run_until(&n, n.now + 7000000); /* past the first RTCP reports */
    rg_codec_enc_destroy(enc);
    CHECK(t, n.n_rx[1] + 3 >= sent);
    int16_t dec[16000];
    size_t nd = 0;
    for (size_t i = 0; i < n.n_rx[1] && nd + 160 <= 16000; i++) {
        CHECK_EQ_INT(t, n.rx[1][i].pt, 0);
        CHECK(t, n.rx[1][i].ssrc != 0xabcdef01u);
        if (i)
            CHECK_EQ_INT(t, n.rx[1][i].ts - n.rx[1][i - 1].ts, 160);
        struct rg_codec_dec *d = NULL;
        if (rg_codec_dec_create(rg_codec_by_id(RG_CODEC_PCMU), NULL, &d) == RG_OK) {
            int got = rg_codec_decode(d, n.rx[1][i].payload, n.rx[1][i].len, dec + nd, 16000 - nd);
            nd += got > 0 ? (size_t)got : 0;
            rg_codec_dec_destroy(d);
        }
    }
    REQUIRE(t, nd > 8000);
    double m1 = mt_tone_margin_db(dec + 1600, nd - 3200, 1000, 8000);
    int16_t *back = rg_malloc(32000 * 2);
    REQUIRE(t, back);
    size_t nb = decode_opus_rx(&n, back, 32000);
    REQUIRE(t, nb > 8000);
    double m0 = mt_tone_margin_db(back + 1600, nb - 3200, 1000, 8000);
    fprintf(stderr, "    tone: trunk margin %.1f dB (%zu pkts), browser margin %.1f dB (%zu pkts), "
                    "RTCP to trunk %u, to browser %u\n",
            m1, n.n_rx[1], m0, n.n_rx[0], n.rtcp_rx[1], n.rtcp_rx[0]);
    CHECK(t, m1 >= 20 && m0 >= 20);
    CHECK(t, n.rtcp_rx[0] >= 1 && n.rtcp_rx[1] >= 1); /* own SR/RR per leg */
    rg_free(back);
    rg_buf_deinit(&off);
    rg_buf_deinit(&ans);
    net_free(&n);
}

/* Reference: what Opus -> G.711 -> Opus does to the same packets offline
 * (libopus decode, μ-law, libopus encode at the engine's settings, decode). */
static size_t reference_chain(const int16_t *orig, size_t n, int16_t *out)
{
    struct rg_codec_params bp = { .sample_hz = 8000, .complexity = 9, .complexity_set = true };
    struct rg_codec_params ep = { .sample_hz = 8000 };
    struct rg_codec_enc *be = NULL, *ee = NULL, *ue = NULL;
    struct rg_codec_dec *bd = NULL, *ed = NULL, *ud = NULL;
    size_t w = 0;
    if (rg_codec_enc_create(rg_codec_by_id(RG_CODEC_OPUS), &bp, &be) == RG_OK &&
        rg_codec_enc_create(rg_codec_by_id(RG_CODEC_OPUS), &ep, &ee) == RG_OK &&
        rg_codec_enc_create(rg_codec_by_id(RG_CODEC_PCMU), NULL, &ue) == RG_OK &&
        rg_codec_dec_create(rg_codec_by_id(RG_CODEC_OPUS), &ep, &bd) == RG_OK &&
        rg_codec_dec_create(rg_codec_by_id(RG_CODEC_OPUS), &ep, &ed) == RG_OK &&
        rg_codec_dec_create(rg_codec_by_id(RG_CODEC_PCMU), NULL, &ud) == RG_OK) {
        for (size_t off = 0; off + 160 <= n; off += 160) {
            uint8_t p[400], u[160], q[400];
            int16_t a[160], b[160];
            int l = rg_codec_encode(be, orig + off, 160, p, sizeof(p));
            if (l <= 0 || rg_codec_decode(bd, p, (size_t)l, a, 160) != 160 ||
                rg_codec_encode(ue, a, 160, u, sizeof(u)) != 160 ||
                rg_codec_decode(ud, u, 160, b, 160) != 160)
                break;
            l = rg_codec_encode(ee, b, 160, q, sizeof(q));
            if (l <= 0 || rg_codec_decode(ed, q, (size_t)l, out + w, 160) != 160)
                break;
            w += 160;
        }
    }
    rg_codec_enc_destroy(be);
    rg_codec_enc_destroy(ee);
    rg_codec_enc_destroy(ue);
    rg_codec_dec_destroy(bd);
    rg_codec_dec_destroy(ed);
    rg_codec_dec_destroy(ud);
    return w;
}

/*
 * Speech-like signal (6 s) from the browser through the engine: Opus ->
 * PCMU toward the trunk, which echoes it, PCMU -> Opus back.  Metric:
 * log-spectral distance and segmental SNR against the original after
 * cross-correlation alignment (quality.h).  Bound: the engine's result is
 * within 0.3 dB LSD and 1 dB segSNR of the offline reference chain (the
 * same bound as the codec-level test in docs/internals/media.md).
 */
static void speech_through_engine(struct rg_t *t)
{
    const size_t n_s = 8000 * 6;
    struct net n;
    REQUIRE(t, net_init(&n, 600));
    struct rg_buf off, ans;
    rg_buf_init(&off, 8192);
    rg_buf_init(&ans, 8192);
    struct rg_mside_req r = g711_req();
    REQUIRE(t, negotiate(&n, opus_offer, &r, pcmu_answer, &off, &ans) == RG_OK);
    n.echo1 = true;
    int16_t *orig = rg_malloc(n_s * 2), *ref = rg_calloc(n_s, 2), *got = rg_calloc(n_s + 8000, 2);
    REQUIRE(t, orig && ref && got);
    rg_quality_speechlike(orig, n_s, 8000, 11);
    struct rg_codec_enc *enc = NULL;
    struct rg_codec_params bp = { .sample_hz = 8000, .complexity = 9, .complexity_set = true };
    REQUIRE(t, rg_codec_enc_create(rg_codec_by_id(RG_CODEC_OPUS), &bp, &enc) == RG_OK);
    uint16_t seq = 100;
    uint32_t ts = 77;
    (void)send_opus(&n, orig, n_s, &seq, &ts, n.now, enc);
    run_until(&n, n.now + 1000000);
    rg_codec_enc_destroy(enc);
    size_t nr = reference_chain(orig, n_s, ref);
    size_t ng = decode_opus_rx(&n, got, n_s + 8000);
    REQUIRE(t, nr == n_s && ng + 1600 >= n_s);
    long lag_r = rg_quality_align(orig, ref, 16000, 1600);
    long lag_g = rg_quality_align(orig, got, 16000, 1600);
    REQUIRE(t, lag_r >= 0 && lag_g >= 0);
    size_t m = n_s - 1600;
    double lsd_r = rg_quality_lsd(orig, ref + lag_r, m - (size_t)lag_r);
    double lsd_g = rg_quality_lsd(orig, got + lag_g, m - (size_t)lag_g);
    double snr_r = rg_quality_segsnr(orig, ref + lag_r, m - (size_t)lag_r, 8000);
    double snr_g = rg_quality_segsnr(orig, got + lag_g, m - (size_t)lag_g, 8000);
    fprintf(stderr, "    engine Opus->PCMU->Opus: LSD %.2f dB (reference %.2f), segSNR %.2f dB "
                    "(reference %.2f), lag %ld samples\n",
            lsd_g, lsd_r, snr_g, snr_r, lag_g);
    CHECK(t, lsd_g <= lsd_r + 0.3);
    CHECK(t, snr_g >= snr_r - 1.0);
    rg_free(orig);
    rg_free(ref);
    rg_free(got);
    rg_buf_deinit(&off);
    rg_buf_deinit(&ans);
    net_free(&n);
}

/* Digit 5 from the browser as telephone-event/48000 (200 ms = 9600
 * ticks) reaches the trunk as telephone-event/8000 PT 96 lasting 1600. */
static void dtmf_48k_to_8k(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, 400));
    struct rg_buf off, ans;
    rg_buf_init(&off, 8192);
    rg_buf_init(&ans, 8192);
    struct rg_mside_req r = g711_req();
    REQUIRE(t, negotiate(&n, opus_offer, &r, pcmu_answer, &off, &ans) == RG_OK);
    int16_t pcm[8000];
    mt_sine(pcm, 8000, 440, 8000, 4000);
    struct rg_codec_enc *enc = NULL;
    REQUIRE(t, rg_codec_enc_create(rg_codec_by_id(RG_CODEC_OPUS), &nb8k, &enc) == RG_OK);
    uint16_t seq = 1;
    uint32_t ts = 1000;
    int64_t t0 = n.now;
    (void)send_opus(&n, pcm, 8000, &seq, &ts, t0, enc); /* 1 s of audio */
    rg_codec_enc_destroy(enc);
    uint32_t ev_ts = ts;
    for (int i = 0; i < 8; i++) {
        uint8_t pay[4], pkt[RG_MCALL_MAX_PACKET];
        struct rg_dtmf_event e = { 5, i >= 5, 10, (uint16_t)(1920 * (i < 5 ? i + 1 : 5)) };
        REQUIRE(t, rg_dtmf_build(&e, pay, sizeof(pay)) == 4);
        run_until(&n, t0 + 1000000 + (int64_t)(i < 5 ? i : 5) * 40000);
        size_t len = rtp(pkt, 110, seq++, ev_ts, i == 0, pay, 4);
        deliver(&n, 0, pkt, len);
    }
    run_until(&n, n.now + 1000000);
    unsigned events = 0, ends = 0;
    uint16_t dur = 0;
    for (size_t i = 0; i < n.n_rx[1]; i++) {
        if (n.rx[1][i].pt != 96)
            continue;
        struct rg_dtmf_event e;
        REQUIRE(t, rg_dtmf_parse(n.rx[1][i].payload, n.rx[1][i].len, &e) == RG_OK);
        CHECK_EQ_INT(t, e.event, 5);
        events++;
        ends += e.end;
        dur = e.duration > dur ? e.duration : dur;
    }
    CHECK(t, events >= 4);
    CHECK_EQ_INT(t, ends, 3);  /* RFC 4733 §2.5.1.4 */
    CHECK_EQ_INT(t, dur, 1600); /* 200 ms at 8000 */
    rg_buf_deinit(&off);
    rg_buf_deinit(&ans);
    net_free(&n);
}

static void ng_codec_flags(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_buf unknown;
    rg_buf_init(&unknown, 1024);
    struct rg_mside_req r;
    const char *why = NULL;
    const char *txt = "d5:codecd4:maskl3:alle9:transcodel4:PCMU12:opus/48000/2e5:stripl3:AMRee"
                      "5:flagsl16:codec-offer-G72220:codec-transcode-G729e5:ptimei30ee";
    const struct rg_bencode *d = NULL;
    REQUIRE(t, rg_bencode_parse(&a, txt, strlen(txt), NULL, &d) >= 0);
    CHECK_OK(t, rg_ngcmd_req(d, &r, &unknown, &why));
    CHECK(t, r.codecs.mask_all && !r.codecs.strip_all);
    CHECK(t, rg_mcodec_req_find(&r.codecs, RG_MCODEC_TRANSCODE, RG_CODEC_PCMU) != NULL);
    CHECK(t, rg_mcodec_req_find(&r.codecs, RG_MCODEC_TRANSCODE, RG_CODEC_OPUS) != NULL);
    CHECK(t, rg_mcodec_req_find(&r.codecs, RG_MCODEC_TRANSCODE, RG_CODEC_G729) != NULL);
    CHECK(t, rg_mcodec_req_find(&r.codecs, RG_MCODEC_OFFER, RG_CODEC_G722) != NULL);
    CHECK_EQ_INT(t, r.codecs.ptime_ms, 30);
    /* AMR has no coder here: reported, not silently dropped */
    CHECK(t, rg_str_find(rg_buf_str(&unknown), RG_STR_LIT("codec-strip=AMR")) >= 0);
    CHECK(t, rg_str_find(rg_buf_str(&unknown), RG_STR_LIT("G729")) < 0);
    rg_buf_reset(&unknown);
    txt = "d5:flagsl13:trust-addressee";
    REQUIRE(t, rg_bencode_parse(&a, txt, strlen(txt), NULL, &d) >= 0);
    CHECK_OK(t, rg_ngcmd_req(d, &r, &unknown, &why));
    CHECK(t, !rg_mcodec_req_any(&r.codecs));
    struct rg_mcodec_req q = { 0 };
    CHECK_EQ_INT(t, rg_mcodec_req_add(&q, RG_MCODEC_TRANSCODE, RG_STR_LIT("all")), RG_EINVAL);
    CHECK_EQ_INT(t, rg_mcodec_req_add(&q, RG_MCODEC_TRANSCODE, RG_STR_LIT("PCMU/16000")),
                 RG_ENOTFOUND);
    CHECK_EQ_INT(t, rg_mcodec_req_add(&q, RG_MCODEC_TRANSCODE, RG_STR_LIT("telephone-event")),
                 RG_ENOTFOUND);
    for (int i = 0; i < RG_MCODEC_MAX; i++)
        CHECK_OK(t, rg_mcodec_req_add(&q, (enum rg_mcodec_op)(1 + i % 5),
                                      rg_str_from_cstr(i < 5 ? "PCMU" : i < 10 ? "PCMA" : "G722")));
    CHECK_EQ_INT(t, rg_mcodec_req_add(&q, RG_MCODEC_STRIP, RG_STR_LIT("G729")), RG_ELIMIT);
    rg_buf_deinit(&unknown);
    rg_arena_deinit(&a);
}

/* Requests that cannot be met fail cleanly with a reason: no usable codec
 * left on the offerer's leg, an answer naming formats never offered, an
 * offer with every codec stripped. */
static void answer_edge_cases(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, 16));
    struct rg_buf off, ans;
    rg_buf_init(&off, 8192);
    rg_buf_init(&ans, 8192);
    struct rg_mside_req r = keep_req();
    r.codecs.strip_all = true; /* strip everything, add PCMA: nothing usable on the offerer */
    REQUIRE(t, rg_mcodec_req_add(&r.codecs, RG_MCODEC_TRANSCODE, RG_STR_LIT("PCMA")) == RG_OK);
    static const char *pcma_answer =
        "v=0\r\no=- 2 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n"
        "m=audio 6000 RTP/AVP 8\r\n";
    CHECK_EQ_INT(t, negotiate(&n, opus_offer, &r, pcma_answer, &off, &ans), RG_EUNSUPP);
    net_free(&n);
    REQUIRE(t, net_init(&n, 16));
    rg_buf_reset(&off);
    rg_buf_reset(&ans);
    static const char *amr_answer =
        "v=0\r\no=- 2 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n"
        "m=audio 6000 RTP/AVP 97\r\na=rtpmap:97 AMR/8000\r\n";
    r = g711_req();
    /* RFC 3264 §6.1: an answer may only name offered formats */
    CHECK_EQ_INT(t, negotiate(&n, opus_offer, &r, amr_answer, &off, &ans), RG_EBADMSG);
    CHECK(t, n.call->stream[0].xc == NULL);
    net_free(&n);
    /* every codec stripped: nothing left to offer */
    REQUIRE(t, net_init(&n, 16));
    r = keep_req();
    r.codecs.strip_all = true;
    const char *why = NULL;
    rg_buf_reset(&off);
    CHECK_EQ_INT(t, rg_mcall_sdp(n.call, n.now, 0, true, rg_str_from_cstr(opus_offer), &r, &off,
                                 &why),
                 RG_EUNSUPP);
    CHECK(t, why && strstr(why, "no codec"));
    rg_buf_deinit(&off);
    rg_buf_deinit(&ans);
    net_free(&n);
}

/* The plain endpoint offers PCMU; the browser answers Opus (transcode
 * opus added toward it): PCMU from the endpoint reaches the browser as Opus
 * at the same frequency. */
static void rtp_offers(struct rg_t *t)
{
    struct net n;
    REQUIRE(t, net_init(&n, 400));
    static const char *offer =
        "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
        "m=audio 5000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
        "a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";
    static const char *answer =
        "v=0\r\no=- 2 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n"
        "m=audio 6000 RTP/AVP 96 97 101\r\na=rtpmap:96 opus/48000/2\r\n"
        "a=fmtp:96 minptime=10;useinbandfec=1\r\na=rtpmap:97 telephone-event/48000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
    struct rg_buf off, ans;
    rg_buf_init(&off, 8192);
    rg_buf_init(&ans, 8192);
    struct rg_mside_req r = keep_req();
    REQUIRE(t, rg_mcodec_req_add(&r.codecs, RG_MCODEC_TRANSCODE, RG_STR_LIT("opus")) == RG_OK);
    REQUIRE(t, negotiate(&n, offer, &r, answer, &off, &ans) == RG_OK);
    CHECK(t, has(&off, "RTP/AVP 0 101 96 97\r\n"));
    CHECK(t, has(&ans, "RTP/AVP 0 101\r\n"));
    REQUIRE(t, n.call->stream[0].xc != NULL);
    uint8_t pay[160], pkt[RG_MCALL_MAX_PACKET];
    int16_t pcm[160 * 100];
    mt_sine(pcm, 160 * 100, 1000, 8000, 8000);
    struct rg_codec_enc *e = NULL;
    REQUIRE(t, rg_codec_enc_create(rg_codec_by_id(RG_CODEC_PCMU), NULL, &e) == RG_OK);
    int64_t t0 = n.now;
    for (int i = 0; i < 100; i++) {
        REQUIRE(t, rg_codec_encode(e, pcm + i * 160, 160, pay, sizeof(pay)) == 160);
        run_until(&n, t0 + i * 20000);
        size_t len = rtp(pkt, 0, (uint16_t)(9 + i), (uint32_t)(i * 160), i == 0, pay, 160);
        deliver(&n, 0, pkt, len);
    }
    rg_codec_enc_destroy(e);
    run_until(&n, n.now + 500000);
    CHECK(t, n.n_rx[1] >= 95);
    for (size_t i = 0; i < n.n_rx[1]; i++)
        CHECK_EQ_INT(t, n.rx[1][i].pt, 96);
    rg_buf_deinit(&off);
    rg_buf_deinit(&ans);
    net_free(&n);
}

/* The trunk's answer asks for 30 ms (a=ptime:30): it receives 240-sample
 * PCMU packets 240 ticks apart while the browser keeps sending 20 ms Opus,
 * and the G.729 profile item's ptime applies when the answer names none. */
static void ptime_from_answer(struct rg_t *t)
{
    static const char *ans30 =
        "v=0\r\no=- 2 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n"
        "m=audio 6000 RTP/AVP 0\r\na=ptime:30\r\n";
    static const char *ans729 =
        "v=0\r\no=- 2 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n"
        "m=audio 6000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n";
    for (int v = 0; v < 2; v++) {
        struct net n;
        REQUIRE(t, net_init(&n, 200));
        struct rg_buf off, ans;
        rg_buf_init(&off, 8192);
        rg_buf_init(&ans, 8192);
        struct rg_mside_req r = g711_req();
        if (v == 1) {
            REQUIRE(t, rg_mcodec_req_add(&r.codecs, RG_MCODEC_TRANSCODE, RG_STR_LIT("G729")) ==
                           RG_OK);
            r.codecs.item[r.codecs.n - 1].ptime_ms = 40;
        }
        REQUIRE(t, negotiate(&n, opus_offer, &r, v ? ans729 : ans30, &off, &ans) == RG_OK);
        int16_t pcm[8000];
        mt_sine(pcm, 8000, 700, 8000, 6000);
        struct rg_codec_enc *enc = NULL;
        REQUIRE(t, rg_codec_enc_create(rg_codec_by_id(RG_CODEC_OPUS), &nb8k, &enc) == RG_OK);
        uint16_t seq = 1;
        uint32_t ts = 0;
        (void)send_opus(&n, pcm, 8000, &seq, &ts, n.now, enc);
        rg_codec_enc_destroy(enc);
        run_until(&n, n.now + 500000);
        unsigned want = v ? 320 : 240;
        CHECK(t, n.n_rx[1] >= (v ? 20u : 28u));
        for (size_t i = 1; i < n.n_rx[1]; i++)
            CHECK_EQ_INT(t, n.rx[1][i].ts - n.rx[1][i - 1].ts, want);
        if (n.n_rx[1] > 2 && v == 0)
            CHECK_EQ_INT(t, n.rx[1][1].len, 240);
        if (n.n_rx[1] > 2 && v == 1)
            CHECK_EQ_INT(t, n.rx[1][1].len, 40); /* 4 x 10-byte G.729 frames */
        rg_buf_deinit(&off);
        rg_buf_deinit(&ans);
        net_free(&n);
    }
}

/* One whole transcoded call (offer, answer, a second of Opus and PCMU,
 * timer, RTCP, teardown) for OOM stepping: every refused allocation ends
 * in RG_ENOMEM or a dropped packet, never a crash or a leak. */
static int oom_call(void *arg)
{
    (void)arg;
    struct net n;
    if (!net_init(&n, 64)) {
        rg_mcall_destroy(n.call);
        rg_free(n.rx[0]);
        rg_free(n.rx[1]);
        return RG_ENOMEM;
    }
    struct rg_buf off, ans;
    rg_buf_init(&off, 8192);
    rg_buf_init(&ans, 8192);
    struct rg_mside_req r = g711_req();
    const char *why = NULL;
    struct rg_mside_req keep = keep_req();
    int rc = rg_mcall_sdp(n.call, n.now, 0, true, rg_str_from_cstr(opus_offer), &r, &off, &why);
    if (rc == RG_OK)
        rc = rg_mcall_sdp(n.call, n.now, 1, false, rg_str_from_cstr(pcmu_answer), &keep, &ans,
                          &why);
    n.fd[0] = n.call->stream[0].side[0].fd_rtp;
    n.fd[1] = n.call->stream[0].side[1].fd_rtp;
    struct rg_codec_enc *enc = NULL;
    if (rc == RG_OK)
        rc = rg_codec_enc_create(rg_codec_by_id(RG_CODEC_OPUS), &nb8k, &enc);
    if (rc == RG_OK) {
        n.echo1 = true;
        int16_t pcm[8000];
        mt_sine(pcm, 8000, 1000, 8000, 6000);
        uint16_t seq = 1;
        uint32_t ts = 0;
        (void)send_opus(&n, pcm, 8000, &seq, &ts, n.now, enc);
        run_until(&n, n.now + 6000000);
    }
    rg_codec_enc_destroy(enc);
    rg_buf_deinit(&off);
    rg_buf_deinit(&ans);
    net_free(&n);
    return rc;
}

static void oom_stepping(struct rg_t *t)
{
    rg_t_oom_step(t, oom_call, NULL, 400);
}

static const struct rg_test_case cases[] = {
    { "oom_stepping", oom_stepping },
    { "ptime_from_answer", ptime_from_answer },
    { "rtp_offers", rtp_offers },
    { "sdp_transcode", sdp_transcode },
    { "shared_codec_is_relayed", shared_codec_is_relayed },
    { "tone_both_ways", tone_both_ways },
    { "speech_through_engine", speech_through_engine },
    { "dtmf_48k_to_8k", dtmf_48k_to_8k },
    { "ng_codec_flags", ng_codec_flags },
    { "answer_edge_cases", answer_edge_cases },
};

RG_TEST_MAIN(cases)
