/*
 * Unit tests for src/proto/dtls (certificates: test_dtls_cert.c): DTLS-SRTP
 * client <-> server over memory with a simulated clock (loss, reordering,
 * MTU, cookies), the failure paths a user sees (fingerprint mismatch,
 * handshake timer, version and cipher mismatch, no use_srtp), the
 * CertificateRequest contents Chrome checks, and the a=setup / a=tls-id
 * decisions.
 */
#include "harness.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <time.h>

#include "core/buf.h"
#include "core/rng.h"
#include "proto/dtls/dtls_cert.h"
#include "proto/dtls/dtls_conn.h"
#include "proto/dtls/dtls_sdp.h"
#include "proto/srtp/srtp_ctx.h"

#define T0 1000000000LL /* arbitrary simulated start, µs */
#define NOW_UNIX 1790000000LL

struct dg {
    uint8_t b[RG_DTLS_MAX_MTU];
    size_t n;
};

struct side {
    struct rg_dtls_ctx *ctx;
    struct rg_dtls_conn *c;
    struct rg_dtls_cert *cert;
    struct rg_dtls_event ev[8];
    int nev;
    int sent;
};

struct pair {
    struct side cl, sv;
};

/* Per-datagram policy: return true to drop.  dir 0: client->server. */
typedef bool drop_fn(void *ud, int dir, int round, int idx, const struct dg *d);

static struct rg_dtls_cert *make_cert(struct rg_t *t, uint64_t seed, const char *cn)
{
    struct rg_rng_seeded st;
    struct rg_rng rng;
    rg_rng_seeded_init(&st, seed, &rng);
    struct rg_dtls_cert *c = NULL;
    CHECK_OK(t, rg_dtls_cert_generate(&rng, cn, NOW_UNIX, 30, &c));
    return c;
}

static struct rg_dtls_profile base_profile(void)
{
    struct rg_dtls_profile p;
    memset(&p, 0, sizeof(p));
    p.v1_2 = true;
    p.srtp[0] = RG_SRTP_AEAD_AES_128_GCM;
    p.srtp[1] = RG_SRTP_AEAD_AES_256_GCM;
    p.srtp[2] = RG_SRTP_AES128_CM_SHA1_80;
    p.srtp[3] = RG_SRTP_AES128_CM_SHA1_32;
    p.n_srtp = 4;
    return p;
}

static const uint8_t secret[RG_DTLS_COOKIE_SECRET_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/* Builds ctx + conn for one side; fp_of is the peer's cert (NULL: unknown
 * fingerprint), wrong_fp corrupts it. */
static int make_side(struct side *s, const struct rg_dtls_profile *prof, enum rg_dtls_role role,
                     const struct rg_dtls_cert *fp_of, bool wrong_fp, int64_t t0)
{
    int rc = rg_dtls_ctx_new(prof, s->cert, secret, NULL, &s->ctx);
    if (rc != RG_OK)
        return rc;
    struct rg_dtls_conn_cfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.role = role;
    cfg.peer_id = (const uint8_t *)"192.0.2.1:5000";
    cfg.peer_id_len = 14;
    if (fp_of) {
        rc = rg_dtls_cert_fingerprint(fp_of, RG_DTLS_HASH_SHA256, &cfg.remote_fp[0]);
        if (rc != RG_OK)
            return rc;
        if (wrong_fp)
            cfg.remote_fp[0].d[5] ^= 0x40;
        cfg.n_remote_fp = 1;
    }
    return rg_dtls_conn_new(s->ctx, &cfg, t0, &s->c);
}

static void pair_init_at(struct rg_t *t, struct pair *p, const struct rg_dtls_profile *pc,
                         const struct rg_dtls_profile *ps, int fp_mode, int64_t t0)
{
    memset(p, 0, sizeof(*p));
    p->cl.cert = make_cert(t, 11, "client");
    p->sv.cert = make_cert(t, 22, "server");
    /* fp_mode: 0 both right, 1 client sees a wrong server fp, 2 server sees
     * a wrong client fp, 3 client does not know the server fp yet. */
    CHECK_OK(t, make_side(&p->sv, ps, RG_DTLS_SERVER, p->cl.cert, fp_mode == 2, t0));
    CHECK_OK(t, make_side(&p->cl, pc, RG_DTLS_CLIENT, fp_mode == 3 ? NULL : p->sv.cert,
                          fp_mode == 1, t0));
}

static void pair_init(struct rg_t *t, struct pair *p, const struct rg_dtls_profile *pc,
                      const struct rg_dtls_profile *ps, int fp_mode)
{
    pair_init_at(t, p, pc, ps, fp_mode, T0);
}

static void pair_free(struct pair *p)
{
    struct side *s[2] = { &p->cl, &p->sv };
    for (int i = 0; i < 2; i++) {
        rg_dtls_conn_free(s[i]->c);
        rg_dtls_ctx_free(s[i]->ctx);
        rg_dtls_cert_free(s[i]->cert);
    }
}

static void drain_events(struct side *s)
{
    while (s->nev < 8 && s->c && rg_dtls_conn_poll_event(s->c, &s->ev[s->nev]) == RG_OK)
        s->nev++;
}

/* Collects one flight from `from`, optionally reversed, delivers it. */
static int move(struct side *from, struct side *to, int64_t now, int dir, int round, drop_fn *drop,
                void *ud, int reverse, size_t mtu_check)
{
    static struct dg flight[64];
    int n = 0;
    while (n < 64 && rg_dtls_conn_poll_transmit(from->c, flight[n].b, sizeof(flight[n].b),
                                                &flight[n].n) == RG_OK) {
        if (mtu_check && flight[n].n > mtu_check)
            return -1000;
        n++;
    }
    from->sent += n;
    for (int i = 0; i < n; i++) {
        int k = reverse & (1 << dir) ? n - 1 - i : i;
        if (drop && drop(ud, dir, round, k, &flight[k]))
            continue;
        int rc = rg_dtls_conn_handle_input(to->c, now, flight[k].b, flight[k].n);
        if (rc != RG_OK && rc != RG_ESTATE)
            return rc;
    }
    return n;
}

/* Runs rounds until neither side has anything to send.  reverse: bit 0
 * reverses each client flight, bit 1 each server flight. */
static void pump(struct rg_t *t, struct pair *p, int64_t now, drop_fn *drop, void *ud,
                 int reverse, size_t mtu_check)
{
    for (int round = 0; round < 50; round++) {
        int a = move(&p->cl, &p->sv, now, 0, round, drop, ud, reverse, mtu_check);
        int b = move(&p->sv, &p->cl, now, 1, round, drop, ud, reverse, mtu_check);
        CHECK(t, a >= 0 && b >= 0);
        if (a <= 0 && b <= 0)
            break;
    }
    drain_events(&p->cl);
    drain_events(&p->sv);
}

static const struct rg_dtls_event *find_ev(const struct side *s, enum rg_dtls_event_type type)
{
    for (int i = 0; i < s->nev; i++)
        if (s->ev[i].type == type)
            return &s->ev[i];
    return NULL;
}

/* The exported keys agree and work: protect with one side, unprotect with the other. */
static void check_keys_usable(struct rg_t *t, const struct rg_dtls_event *a,
                              const struct rg_dtls_event *b)
{
    CHECK_MEM(t, a->local.key, a->local.key_len, b->remote.key, b->remote.key_len);
    CHECK_MEM(t, a->local.salt, a->local.salt_len, b->remote.salt, b->remote.salt_len);
    CHECK_MEM(t, a->remote.key, a->remote.key_len, b->local.key, b->local.key_len);
    CHECK(t, memcmp(a->local.key, a->remote.key, a->local.key_len) != 0);
    REQUIRE(t, rg_srtp_global_init() == RG_OK);
    struct rg_srtp_cfg tx_cfg = { .key = a->local, .dir = RG_SRTP_OUTBOUND };
    struct rg_srtp_cfg rx_cfg = { .key = b->remote, .dir = RG_SRTP_INBOUND };
    struct rg_srtp *tx = NULL, *rx = NULL;
    CHECK_OK(t, rg_srtp_new(&tx_cfg, &tx));
    CHECK_OK(t, rg_srtp_new(&rx_cfg, &rx));
    REQUIRE(t, tx && rx);
    uint8_t pkt[256] = { 0x80, 0, 0, 1, 0, 0, 0, 160, 1, 2, 3, 4 };
    memset(pkt + 12, 0x55, 160);
    size_t out = 0, back = 0;
    CHECK_OK(t, rg_srtp_protect_rtp(tx, pkt, 172, sizeof(pkt), &out));
    CHECK_OK(t, rg_srtp_unprotect_rtp(rx, pkt, out, &back));
    CHECK_EQ_INT(t, back, 172);
    CHECK_EQ_INT(t, pkt[100], 0x55);
    rg_srtp_free(tx);
    rg_srtp_free(rx);
}

static void handshake_each_srtp_profile(struct rg_t *t)
{
    static const enum rg_srtp_profile ps[] = { RG_SRTP_AES128_CM_SHA1_80,
                                               RG_SRTP_AES128_CM_SHA1_32,
                                               RG_SRTP_AEAD_AES_128_GCM,
                                               RG_SRTP_AEAD_AES_256_GCM };
    for (size_t i = 0; i < 4; i++) {
        struct rg_dtls_profile pc = base_profile(), sv = base_profile();
        sv.srtp[0] = ps[i];
        sv.n_srtp = 1;
        struct pair p;
        pair_init(t, &p, &pc, &sv, 0);
        REQUIRE(t, p.cl.c && p.sv.c);
        pump(t, &p, T0 + 1000, NULL, NULL, 0, RG_DTLS_DEFAULT_MTU);
        const struct rg_dtls_event *a = find_ev(&p.cl, RG_DTLS_EV_CONNECTED);
        const struct rg_dtls_event *b = find_ev(&p.sv, RG_DTLS_EV_CONNECTED);
        CHECK(t, a && b);
        if (a && b) {
            CHECK_EQ_INT(t, a->local.profile, ps[i]);
            CHECK_EQ_INT(t, b->local.profile, ps[i]);
            CHECK_EQ_INT(t, a->local.key_len, rg_srtp_profile_key_len(ps[i]));
            check_keys_usable(t, a, b);
            check_keys_usable(t, b, a);
        }
        struct rg_dtls_info info;
        CHECK_OK(t, rg_dtls_conn_info(p.sv.c, &info));
        CHECK(t, strcmp(info.version, "DTLSv1.2") == 0);
        CHECK(t, strcmp(info.cipher, "ECDHE-ECDSA-AES128-GCM-SHA256") == 0);
        CHECK_EQ_INT(t, info.srtp, ps[i]);
        CHECK_EQ_INT(t, rg_dtls_conn_state(p.cl.c), RG_DTLS_ST_CONNECTED);
        CHECK(t, rg_dtls_conn_next_timeout_us(p.cl.c) == INT64_MAX);
        CHECK(t, rg_dtls_conn_next_timeout_us(p.sv.c) == INT64_MAX);
        pair_free(&p);
    }
}

/* The server's order of preference decides among shared profiles. */
static void srtp_profile_preference(struct rg_t *t)
{
    struct rg_dtls_profile pc = base_profile(), sv = base_profile();
    pc.srtp[0] = RG_SRTP_AES128_CM_SHA1_80;
    pc.srtp[1] = RG_SRTP_AEAD_AES_128_GCM;
    pc.n_srtp = 2;
    sv.srtp[0] = RG_SRTP_AEAD_AES_256_GCM;
    sv.srtp[1] = RG_SRTP_AEAD_AES_128_GCM;
    sv.srtp[2] = RG_SRTP_AES128_CM_SHA1_80;
    sv.n_srtp = 3;
    struct pair p;
    pair_init(t, &p, &pc, &sv, 0);
    REQUIRE(t, p.cl.c && p.sv.c);
    pump(t, &p, T0, NULL, NULL, 0, 0);
    const struct rg_dtls_event *a = find_ev(&p.cl, RG_DTLS_EV_CONNECTED);
    REQUIRE(t, a != NULL);
    CHECK_EQ_INT(t, a->local.profile, RG_SRTP_AEAD_AES_128_GCM);
    pair_free(&p);
}

static void no_common_srtp_profile_fails(struct rg_t *t)
{
    struct rg_dtls_profile pc = base_profile(), sv = base_profile();
    pc.srtp[0] = RG_SRTP_AES128_CM_SHA1_80;
    pc.n_srtp = 1;
    sv.srtp[0] = RG_SRTP_AEAD_AES_256_GCM;
    sv.n_srtp = 1;
    struct pair p;
    pair_init(t, &p, &pc, &sv, 0);
    REQUIRE(t, p.cl.c && p.sv.c);
    pump(t, &p, T0, NULL, NULL, 0, 0);
    const struct rg_dtls_event *a = find_ev(&p.cl, RG_DTLS_EV_FAILED);
    const struct rg_dtls_event *b = find_ev(&p.sv, RG_DTLS_EV_FAILED);
    CHECK(t, a && a->fail == RG_DTLS_FAIL_NO_SRTP);
    CHECK(t, b && b->fail == RG_DTLS_FAIL_NO_SRTP);
    CHECK(t, !find_ev(&p.cl, RG_DTLS_EV_CONNECTED) && !find_ev(&p.sv, RG_DTLS_EV_CONNECTED));
    pair_free(&p);
}

static void fingerprint_mismatch_fails_the_leg(struct rg_t *t)
{
    for (int mode = 1; mode <= 2; mode++) {
        struct rg_dtls_profile pr = base_profile();
        struct pair p;
        pair_init(t, &p, &pr, &pr, mode);
        REQUIRE(t, p.cl.c && p.sv.c);
        pump(t, &p, T0, NULL, NULL, 0, 0);
        const struct side *checker = mode == 1 ? &p.cl : &p.sv;
        const struct side *other = mode == 1 ? &p.sv : &p.cl;
        const struct rg_dtls_event *e = find_ev(checker, RG_DTLS_EV_FAILED);
        REQUIRE(t, e != NULL);
        CHECK_EQ_INT(t, e->fail, RG_DTLS_FAIL_FINGERPRINT);
        CHECK(t, strstr(e->reason, "fingerprint") != NULL);
        CHECK_EQ_INT(t, rg_dtls_conn_state(checker->c), RG_DTLS_ST_FAILED);
        /* No keys anywhere; the other side learns through the alert. */
        CHECK(t, !find_ev(&p.cl, RG_DTLS_EV_CONNECTED) && !find_ev(&p.sv, RG_DTLS_EV_CONNECTED));
        const struct rg_dtls_event *o = find_ev(other, RG_DTLS_EV_FAILED);
        CHECK(t, o && o->fail == RG_DTLS_FAIL_ALERT);
        uint8_t junk[32] = { 22, 0xfe, 0xfd };
        CHECK_EQ_INT(t, rg_dtls_conn_handle_input(checker->c, T0, junk, sizeof(junk)), RG_ESTATE);
        pair_free(&p);
    }
}

/* DTLS may finish before the SDP answer arrives: keys wait for it. */
static void fingerprint_learned_after_handshake(struct rg_t *t)
{
    for (int good = 0; good < 2; good++) {
        struct rg_dtls_profile pr = base_profile();
        struct pair p;
        pair_init(t, &p, &pr, &pr, 3);
        REQUIRE(t, p.cl.c && p.sv.c);
        pump(t, &p, T0, NULL, NULL, 0, 0);
        CHECK_EQ_INT(t, rg_dtls_conn_state(p.cl.c), RG_DTLS_ST_AWAIT_FP);
        CHECK_EQ_INT(t, p.cl.nev, 0);
        CHECK(t, find_ev(&p.sv, RG_DTLS_EV_CONNECTED) != NULL);
        struct rg_dtls_fp fps[2];
        CHECK_OK(t, rg_dtls_cert_fingerprint(p.sv.cert, RG_DTLS_HASH_SHA1, &fps[0]));
        CHECK_OK(t, rg_dtls_cert_fingerprint(p.sv.cert, RG_DTLS_HASH_SHA512, &fps[1]));
        if (!good)
            fps[1].d[0] ^= 1; /* the strongest hash decides (RFC 8122 §5) */
        CHECK_OK(t, rg_dtls_conn_set_remote_fingerprints(p.cl.c, fps, 2));
        drain_events(&p.cl);
        REQUIRE(t, p.cl.nev == 1);
        CHECK_EQ_INT(t, p.cl.ev[0].type, good ? RG_DTLS_EV_CONNECTED : RG_DTLS_EV_FAILED);
        if (good)
            check_keys_usable(t, &p.cl.ev[0], find_ev(&p.sv, RG_DTLS_EV_CONNECTED));
        pair_free(&p);
    }
}

static void handshake_timer_expiry(struct rg_t *t)
{
    struct rg_dtls_profile pr = base_profile();
    pr.handshake_timer_ms = 3000;
    struct pair p;
    pair_init(t, &p, &pr, &pr, 0);
    REQUIRE(t, p.cl.c && p.sv.c);
    /* The client's datagrams go nowhere; the simulated clock runs. */
    int64_t now = T0;
    int steps = 0;
    while (rg_dtls_conn_state(p.cl.c) == RG_DTLS_ST_HANDSHAKING && steps++ < 100) {
        uint8_t b[2048];
        size_t n;
        while (rg_dtls_conn_poll_transmit(p.cl.c, b, sizeof(b), &n) == RG_OK)
            ;
        int64_t next = rg_dtls_conn_next_timeout_us(p.cl.c);
        CHECK(t, next > now - 1 && next <= T0 + 3000000);
        now = next;
        CHECK_OK(t, rg_dtls_conn_handle_timeout(p.cl.c, now));
        if (now < T0 + 3000000)
            CHECK_EQ_INT(t, rg_dtls_conn_state(p.cl.c), RG_DTLS_ST_HANDSHAKING);
    }
    drain_events(&p.cl);
    REQUIRE(t, p.cl.nev == 1);
    CHECK_EQ_INT(t, p.cl.ev[0].fail, RG_DTLS_FAIL_TIMEOUT);
    CHECK(t, strstr(p.cl.ev[0].reason, "3000 ms") != NULL);
    CHECK_EQ_INT(t, now, T0 + 3000000);
    /* The server has seen nothing: its timer has not started. */
    CHECK(t, rg_dtls_conn_next_timeout_us(p.sv.c) == INT64_MAX);
    pair_free(&p);
}

static void version_mismatch_fails_clearly(struct rg_t *t)
{
    struct rg_dtls_profile pc = base_profile(), sv = base_profile();
    sv.v1_0 = true;
    sv.v1_2 = false;
    struct pair p;
    pair_init(t, &p, &pc, &sv, 0);
    REQUIRE(t, p.cl.c && p.sv.c);
    pump(t, &p, T0, NULL, NULL, 0, 0);
    const struct rg_dtls_event *a = find_ev(&p.cl, RG_DTLS_EV_FAILED);
    const struct rg_dtls_event *b = find_ev(&p.sv, RG_DTLS_EV_FAILED);
    REQUIRE(t, a && b);
    CHECK_EQ_INT(t, b->fail, RG_DTLS_FAIL_VERSION);
    CHECK_EQ_INT(t, a->fail, RG_DTLS_FAIL_VERSION);
    CHECK(t, strstr(b->reason, "protocol") != NULL || strstr(b->reason, "version") != NULL);
    pair_free(&p);
}

static void dtls10_when_both_allow_it(struct rg_t *t)
{
    struct rg_dtls_profile pr = base_profile();
    pr.v1_0 = true;
    pr.v1_2 = false;
    struct pair p;
    pair_init(t, &p, &pr, &pr, 0);
    REQUIRE(t, p.cl.c && p.sv.c);
    pump(t, &p, T0, NULL, NULL, 0, 0);
    const struct rg_dtls_event *a = find_ev(&p.cl, RG_DTLS_EV_CONNECTED);
    const struct rg_dtls_event *b = find_ev(&p.sv, RG_DTLS_EV_CONNECTED);
    REQUIRE(t, a && b);
    check_keys_usable(t, a, b);
    struct rg_dtls_info info;
    CHECK_OK(t, rg_dtls_conn_info(p.cl.c, &info));
    CHECK(t, strcmp(info.version, "DTLSv1") == 0);
    pair_free(&p);
}

static void no_shared_cipher(struct rg_t *t)
{
    struct rg_dtls_profile pc = base_profile(), sv = base_profile();
    sv.ciphers = "AES128-SHA"; /* RSA key exchange cannot use an ECDSA cert */
    struct pair p;
    pair_init(t, &p, &pc, &sv, 0);
    REQUIRE(t, p.cl.c && p.sv.c);
    pump(t, &p, T0, NULL, NULL, 0, 0);
    const struct rg_dtls_event *b = find_ev(&p.sv, RG_DTLS_EV_FAILED);
    REQUIRE(t, b != NULL);
    CHECK_EQ_INT(t, b->fail, RG_DTLS_FAIL_CIPHER);
    CHECK(t, strcmp(b->reason, "no shared cipher") == 0);
    CHECK(t, find_ev(&p.cl, RG_DTLS_EV_FAILED) != NULL);
    pair_free(&p);
}

/* Finds handshake messages of the given type in a datagram of plaintext
 * (epoch 0) records; returns the body of the first one. */
static const uint8_t *find_hs(const struct dg *d, uint8_t hs_type, size_t *body_len)
{
    size_t off = 0;
    while (off + 13 <= d->n) {
        size_t rl = (size_t)d->b[off + 11] << 8 | d->b[off + 12];
        if (off + 13 + rl > d->n)
            break;
        const uint8_t *r = d->b + off + 13;
        /* content type 22 (handshake), epoch 0, 12-byte handshake header */
        if (d->b[off] == 22 && d->b[off + 3] == 0 && d->b[off + 4] == 0 && rl >= 12 &&
            r[0] == hs_type) {
            *body_len = rl - 12;
            return r + 12;
        }
        off += 13 + rl;
    }
    return NULL;
}

static struct dg *captured;
static int n_captured;
static bool capture_fn(void *ud, int dir, int round, int idx, const struct dg *d)
{
    (void)ud;
    (void)round;
    (void)idx;
    if (dir == 1 && n_captured < 16)
        captured[n_captured++] = *d;
    return false;
}

/* Chrome >= 124 requires ecdsa_sign (64) in CertificateRequest
 * certificate_types (RFC 5246 §7.4.4); cookies send HelloVerifyRequest. */
static void certificate_request_and_cookie(struct rg_t *t)
{
    struct rg_dtls_profile pc = base_profile(), sv = base_profile();
    sv.cookie_exchange = true;
    struct pair p;
    pair_init(t, &p, &pc, &sv, 0);
    REQUIRE(t, p.cl.c && p.sv.c);
    captured = rg_calloc(16, sizeof(struct dg));
    REQUIRE(t, captured != NULL);
    n_captured = 0;
    pump(t, &p, T0, capture_fn, NULL, 0, 0);
    CHECK(t, find_ev(&p.cl, RG_DTLS_EV_CONNECTED) && find_ev(&p.sv, RG_DTLS_EV_CONNECTED));
    size_t blen = 0;
    REQUIRE(t, n_captured > 1);
    CHECK(t, find_hs(&captured[0], 3, &blen) != NULL); /* hello_verify_request first */
    const uint8_t *cr = NULL;
    for (int i = 0; i < n_captured && !cr; i++)
        cr = find_hs(&captured[i], 13, &blen);
    REQUIRE(t, cr != NULL && blen >= 1 && blen >= 1u + cr[0]);
    bool ecdsa_sign = false;
    for (size_t i = 0; i < cr[0]; i++)
        ecdsa_sign |= cr[1 + i] == 64;
    CHECK(t, ecdsa_sign);
    rg_free(captured);
    pair_free(&p);
}

static void reordered_flights_complete(struct rg_t *t)
{
    struct rg_dtls_profile pr = base_profile();
    pr.mtu = 400; /* more datagrams per flight to reorder */
    struct pair p;
    pair_init(t, &p, &pr, &pr, 0);
    REQUIRE(t, p.cl.c && p.sv.c);
    /* Server flights arrive last datagram first: OpenSSL buffers the
     * handshake messages that come early (RFC 6347 §4.2.2).  A client
     * flight reversed puts Finished before ChangeCipherSpec, which needs a
     * retransmission: lost_flights_are_retransmitted covers that. */
    pump(t, &p, T0, NULL, NULL, 2, 400);
    const struct rg_dtls_event *a = find_ev(&p.cl, RG_DTLS_EV_CONNECTED);
    const struct rg_dtls_event *b = find_ev(&p.sv, RG_DTLS_EV_CONNECTED);
    CHECK(t, a && b);
    if (a && b)
        check_keys_usable(t, a, b);
    CHECK(t, p.sv.sent >= 3); /* the certificate flight was split by the MTU */
    pair_free(&p);
}

struct loss {
    int dropped;
    int server_flights_seen, client_flights_seen;
};

/* Drops the whole first server flight and the client's second flight once;
 * client flights also arrive reversed (Finished before ChangeCipherSpec). */
static bool loss_fn(void *ud, int dir, int round, int idx, const struct dg *d)
{
    struct loss *l = ud;
    (void)idx;
    (void)d;
    if (dir == 1 && round == 0) {
        l->dropped++;
        return true;
    }
    if (dir == 0 && round == 1 && l->client_flights_seen++ == 0) {
        l->dropped++;
        return true;
    }
    return false;
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Loss needs OpenSSL's retransmission timer, which reads the wall clock
 * (see docs/internals/dtls.md), so this test's clock is the real monotonic
 * clock, with a 40 ms first retransmission to keep it short.
 */
static void lost_flights_are_retransmitted(struct rg_t *t)
{
    struct rg_dtls_profile pr = base_profile();
    pr.rtx_initial_ms = 40;
    pr.handshake_timer_ms = 30000; /* real time: a loaded machine is slow */
    pr.mtu = 400; /* client flights of several datagrams, delivered reversed */
    struct pair p;
    int64_t start = mono_us();
    pair_init_at(t, &p, &pr, &pr, 0, start);
    REQUIRE(t, p.cl.c && p.sv.c);
    struct loss l = { 0 };
    int round = 0;
    /* The loop ends as soon as both sides connect; the 30 s bound only
     * matters on a machine so loaded that retransmissions run late. */
    while (mono_us() - start < 30000000 && !(find_ev(&p.cl, RG_DTLS_EV_CONNECTED) &&
                                             find_ev(&p.sv, RG_DTLS_EV_CONNECTED))) {
        int64_t now = mono_us();
        int a = move(&p.cl, &p.sv, now, 0, round, loss_fn, &l, 1, 0);
        int b = move(&p.sv, &p.cl, now, 1, round, loss_fn, &l, 1, 0);
        if (a > 0 || b > 0)
            round++;
        drain_events(&p.cl);
        drain_events(&p.sv);
        int64_t next = rg_dtls_conn_next_timeout_us(p.cl.c);
        int64_t ns = rg_dtls_conn_next_timeout_us(p.sv.c);
        next = ns < next ? ns : next;
        now = mono_us();
        if (next > now && next != INT64_MAX && a <= 0 && b <= 0) {
            int64_t wait = next - now > 100000 ? 100000 : next - now;
            struct timespec ts = { 0, (long)wait * 1000 };
            nanosleep(&ts, NULL);
        }
        now = mono_us();
        CHECK_OK(t, rg_dtls_conn_handle_timeout(p.cl.c, now));
        CHECK_OK(t, rg_dtls_conn_handle_timeout(p.sv.c, now));
    }
    CHECK(t, l.dropped >= 2);
    CHECK(t, p.cl.sent > 3); /* the client's final flight went twice */
    const struct rg_dtls_event *a = find_ev(&p.cl, RG_DTLS_EV_CONNECTED);
    const struct rg_dtls_event *b = find_ev(&p.sv, RG_DTLS_EV_CONNECTED);
    CHECK(t, a && b);
    if (a && b)
        check_keys_usable(t, a, b);
    pair_free(&p);
}

static void close_notify_reaches_peer(struct rg_t *t)
{
    struct rg_dtls_profile pr = base_profile();
    struct pair p;
    pair_init(t, &p, &pr, &pr, 0);
    REQUIRE(t, p.cl.c && p.sv.c);
    pump(t, &p, T0, NULL, NULL, 0, 0);
    REQUIRE(t, rg_dtls_conn_state(p.sv.c) == RG_DTLS_ST_CONNECTED);
    CHECK_OK(t, rg_dtls_conn_close(p.cl.c));
    CHECK_EQ_INT(t, rg_dtls_conn_state(p.cl.c), RG_DTLS_ST_CLOSED);
    CHECK_EQ_INT(t, rg_dtls_conn_close(p.cl.c), RG_ESTATE);
    pump(t, &p, T0, NULL, NULL, 0, 0);
    CHECK(t, find_ev(&p.sv, RG_DTLS_EV_CLOSED) != NULL);
    CHECK_EQ_INT(t, rg_dtls_conn_state(p.sv.c), RG_DTLS_ST_CLOSED);
    pair_free(&p);
}

/* Junk must be discarded without killing a server waiting for a client. */
static void garbage_then_real_client(struct rg_t *t)
{
    struct rg_dtls_profile pr = base_profile();
    struct pair p;
    pair_init(t, &p, &pr, &pr, 0);
    REQUIRE(t, p.cl.c && p.sv.c);
    struct rg_rng_seeded st;
    struct rg_rng rng;
    rg_rng_seeded_init(&st, 99, &rng);
    uint8_t junk[600];
    for (int i = 0; i < 200; i++) {
        size_t n = 1 + rg_rng_u32(&rng) % sizeof(junk);
        rg_rng_bytes(&rng, junk, n);
        if (i % 2) { /* looks like a DTLS 1.2 handshake record */
            junk[0] = 22;
            junk[1] = 0xfe;
            junk[2] = 0xfd;
        }
        CHECK_OK(t, rg_dtls_conn_handle_input(p.sv.c, T0, junk, n));
    }
    CHECK_EQ_INT(t, rg_dtls_conn_handle_input(p.sv.c, T0, junk, RG_DTLS_MAX_DATAGRAM + 1),
                 RG_ELIMIT);
    drain_events(&p.sv);
    CHECK_EQ_INT(t, rg_dtls_conn_state(p.sv.c), RG_DTLS_ST_HANDSHAKING);
    pump(t, &p, T0, NULL, NULL, 0, 0);
    CHECK(t, find_ev(&p.sv, RG_DTLS_EV_CONNECTED) != NULL);
    pair_free(&p);
}

static void bad_profiles_rejected(struct rg_t *t)
{
    struct rg_dtls_cert *cert = make_cert(t, 5, "x");
    REQUIRE(t, cert != NULL);
    struct rg_dtls_ctx *ctx = NULL;
    struct rg_dtls_profile pr = base_profile();
    pr.v1_2 = false;
    CHECK_EQ_INT(t, rg_dtls_ctx_new(&pr, cert, NULL, NULL, &ctx), RG_EINVAL);
    pr = base_profile();
    pr.n_srtp = 0;
    CHECK_EQ_INT(t, rg_dtls_ctx_new(&pr, cert, NULL, NULL, &ctx), RG_EINVAL);
    pr = base_profile();
    pr.ciphers = "NO-SUCH-CIPHER";
    CHECK_EQ_INT(t, rg_dtls_ctx_new(&pr, cert, NULL, NULL, &ctx), RG_EINVAL);
    pr = base_profile();
    pr.cookie_exchange = true;
    CHECK_EQ_INT(t, rg_dtls_ctx_new(&pr, cert, NULL, NULL, &ctx), RG_EINVAL);
    pr = base_profile();
    pr.handshake_timer_ms = 61000;
    CHECK_EQ_INT(t, rg_dtls_ctx_new(&pr, cert, NULL, NULL, &ctx), RG_EINVAL);
    CHECK(t, ctx == NULL);
    const char *name = NULL;
    CHECK_OK(t, rg_dtls_cipher_from_token(RG_STR_LIT("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"), &name));
    CHECK(t, name && strcmp(name, "ECDHE-RSA-AES128-SHA") == 0);
    CHECK_EQ_INT(t, rg_dtls_cipher_from_token(RG_STR_LIT("nosuite"), &name), RG_ENOTFOUND);
    CHECK_EQ_INT(t, rg_dtls_cipher_from_token(RG_STR_LIT("rc4"), &name), RG_EUNSUPP);
    rg_dtls_cert_free(cert);
}

struct conn_work {
    struct rg_dtls_ctx *ctx;
};

static int conn_new_work(void *arg)
{
    struct conn_work *w = arg;
    struct rg_dtls_conn_cfg cfg = { .role = RG_DTLS_CLIENT };
    struct rg_dtls_conn *c = NULL;
    int rc = rg_dtls_conn_new(w->ctx, &cfg, T0, &c);
    if (rc == RG_OK && rg_dtls_conn_state(c) == RG_DTLS_ST_FAILED)
        rc = RG_ENOMEM; /* the ClientHello could not be queued */
    rg_dtls_conn_free(c);
    return rc;
}

static void conn_oom_stepping(struct rg_t *t)
{
    struct rg_dtls_cert *cert = make_cert(t, 5, "x");
    struct rg_dtls_profile pr = base_profile();
    struct conn_work w = { NULL };
    REQUIRE(t, cert && rg_dtls_ctx_new(&pr, cert, NULL, NULL, &w.ctx) == RG_OK);
    rg_t_oom_step(t, conn_new_work, &w, 20);
    rg_dtls_ctx_free(w.ctx);
    rg_dtls_cert_free(cert);
}

static void setup_roles(struct rg_t *t)
{
    enum rg_dtls_setup s, a;
    enum rg_dtls_role r;
    CHECK_OK(t, rg_dtls_setup_parse(RG_STR_LIT(" actpass"), &s));
    CHECK_EQ_INT(t, s, RG_DTLS_SETUP_ACTPASS);
    CHECK_EQ_INT(t, rg_dtls_setup_parse(RG_STR_LIT("act"), &s), RG_EBADMSG);
    CHECK_OK(t, rg_dtls_setup_answer(RG_DTLS_SETUP_ACTPASS, RG_DTLS_SERVER, &a));
    CHECK_EQ_INT(t, a, RG_DTLS_SETUP_PASSIVE);
    CHECK_OK(t, rg_dtls_setup_answer(RG_DTLS_SETUP_ACTPASS, RG_DTLS_CLIENT, &a));
    CHECK_EQ_INT(t, a, RG_DTLS_SETUP_ACTIVE);
    CHECK_OK(t, rg_dtls_setup_answer(RG_DTLS_SETUP_ACTIVE, RG_DTLS_CLIENT, &a));
    CHECK_EQ_INT(t, a, RG_DTLS_SETUP_PASSIVE);
    CHECK_OK(t, rg_dtls_setup_answer(RG_DTLS_SETUP_PASSIVE, RG_DTLS_SERVER, &a));
    CHECK_EQ_INT(t, a, RG_DTLS_SETUP_ACTIVE);
    CHECK_EQ_INT(t, rg_dtls_setup_answer(RG_DTLS_SETUP_HOLDCONN, RG_DTLS_SERVER, &a), RG_EPROTO);
    CHECK_OK(t, rg_dtls_role_from_remote_setup(RG_DTLS_SETUP_ACTIVE, &r));
    CHECK_EQ_INT(t, r, RG_DTLS_SERVER);
    CHECK_OK(t, rg_dtls_role_from_remote_setup(RG_DTLS_SETUP_PASSIVE, &r));
    CHECK_EQ_INT(t, r, RG_DTLS_CLIENT);
    CHECK_EQ_INT(t, rg_dtls_role_from_remote_setup(RG_DTLS_SETUP_ACTPASS, &r), RG_EPROTO);
    CHECK(t, strcmp(rg_dtls_setup_name(RG_DTLS_SETUP_HOLDCONN), "holdconn") == 0);
}

static void tls_id_decides_restart(struct rg_t *t)
{
    struct rg_dtls_remote_sdp old, cur;
    memset(&old, 0, sizeof(old));
    REQUIRE(t, rg_dtls_fp_parse(RG_STR_LIT("sha-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB"), &old.fp[0]) == RG_OK);
    old.n_fp = 1;
    old.setup = RG_DTLS_SETUP_ACTIVE;
    old.tls_id = RG_STR_LIT("abcdefghij0123456789");
    const char *why = NULL;
    cur = old; /* same everything (e.g. an ICE restart with the same tls-id) */
    CHECK(t, !rg_dtls_reoffer_needs_new_association(&old, &cur, &why));
    cur.tls_id = RG_STR_LIT("abcdefghij0123456780");
    CHECK(t, rg_dtls_reoffer_needs_new_association(&old, &cur, &why));
    CHECK(t, why && strstr(why, "tls-id"));
    cur = old;
    cur.setup = RG_DTLS_SETUP_ACTPASS; /* re-offer actpass: no role change implied */
    CHECK(t, !rg_dtls_reoffer_needs_new_association(&old, &cur, &why));
    cur.setup = RG_DTLS_SETUP_PASSIVE;
    CHECK(t, rg_dtls_reoffer_needs_new_association(&old, &cur, &why));
    /* No tls-id (Chrome-style ICE restart): same fingerprint keeps DTLS. */
    old.tls_id = RG_STR_NULL;
    cur = old;
    CHECK(t, !rg_dtls_reoffer_needs_new_association(&old, &cur, &why));
    cur.fp[0].d[3] ^= 1;
    CHECK(t, rg_dtls_reoffer_needs_new_association(&old, &cur, &why));
    CHECK(t, why && strstr(why, "fingerprint"));
    CHECK(t, rg_dtls_tls_id_valid(RG_STR_LIT("dGhpcyBpcyBhIHRscy1pZA_-+/")));
    CHECK(t, !rg_dtls_tls_id_valid(RG_STR_LIT("short")));
    CHECK(t, !rg_dtls_tls_id_valid(RG_STR_LIT("abcdefghij0123456789=")));
}

static const struct rg_test_case cases[] = {
    { "conn_oom_stepping", conn_oom_stepping },
    { "handshake_each_srtp_profile", handshake_each_srtp_profile },
    { "srtp_profile_preference", srtp_profile_preference },
    { "no_common_srtp_profile_fails", no_common_srtp_profile_fails },
    { "fingerprint_mismatch_fails_the_leg", fingerprint_mismatch_fails_the_leg },
    { "fingerprint_learned_after_handshake", fingerprint_learned_after_handshake },
    { "handshake_timer_expiry", handshake_timer_expiry },
    { "version_mismatch_fails_clearly", version_mismatch_fails_clearly },
    { "dtls10_when_both_allow_it", dtls10_when_both_allow_it },
    { "no_shared_cipher", no_shared_cipher },
    { "certificate_request_and_cookie", certificate_request_and_cookie },
    { "reordered_flights_complete", reordered_flights_complete },
    { "lost_flights_are_retransmitted", lost_flights_are_retransmitted },
    { "close_notify_reaches_peer", close_notify_reaches_peer },
    { "garbage_then_real_client", garbage_then_real_client },
    { "bad_profiles_rejected", bad_profiles_rejected },
    { "setup_roles", setup_roles },
    { "tls_id_decides_restart", tls_id_decides_restart },
};

RG_TEST_MAIN(cases)
