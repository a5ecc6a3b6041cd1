/*
 * test_srtp_oracle.c — our SRTP/SRTCP (src/proto/srtp/srtp_ctx.c) against
 * the RFC 7714 vectors and, differentially, against libsrtp2 (srtp_lib.h):
 * every profile, with and without MKI, thousands of packets with sequence
 * wrap-around (ROC), reordering, duplicates, forged packets, several SSRCs
 * and SRTCP — protected by one implementation, unprotected by the other,
 * and each packet's verdict compared.
 */
#include <string.h>

#include "harness.h"
#include "proto/srtp/srtp_ctx.h"
#include "proto/srtp/srtp_lib.h"
#include "proto/srtp/srtp_xform.h"

/* Reads "name hex" (and "name2 hex" continued) from a vector file. */
static size_t vec(struct rg_t *t, const char *path, const char *name, uint8_t *out, size_t cap)
{
    size_t len = 0, n = 0;
    char *text = rg_t_read_file(path, &len);
    if (!text) {
        rg_t_fail(t, __FILE__, __LINE__, path);
        return 0;
    }
    char n2[32];
    size_t nl = strlen(name);
    if (nl + 2 > sizeof(n2)) {
        rg_free(text);
        return 0;
    }
    memcpy(n2, name, nl);
    n2[nl] = '2';
    n2[nl + 1] = '\0';
    for (int pass = 0; pass < 2; pass++) {
        const char *want = pass ? n2 : name;
        size_t wl = strlen(want);
        for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
            if (strncmp(l, want, wl) != 0 || l[wl] != ' ')
                continue;
            const char *p = l + wl + 1;
            while (rg_is_hex(p[0]) && rg_is_hex(p[1]) && n < cap) {
                out[n++] = (uint8_t)(rg_hex_val(p[0]) * 16 + rg_hex_val(p[1]));
                p += 2;
            }
            break;
        }
    }
    rg_free(text);
    if (n == 0)
        rg_t_fail(t, __FILE__, __LINE__, name);
    return n;
}

static int vec_xform(struct rg_t *t, const char *path, enum rg_srtp_profile p, bool rtcp,
                     bool enc, struct rg_srtp_xform *x)
{
    struct rg_srtp_session_keys sk;
    memset(&sk, 0, sizeof(sk));
    if (vec(t, path, "key", sk.enc, sizeof(sk.enc)) != rg_srtp_profile_key_len(p) ||
        vec(t, path, "salt", sk.salt, sizeof(sk.salt)) != 12)
        return RG_EINVAL;
    return rg_srtp_xform_init(x, p, rtcp, enc, &sk);
}

/* RFC 7714 §16.1.1: seal gives the vector; open gives the plaintext back;
 * one flipped bit anywhere fails. */
static void rfc7714_srtp_aes128(struct rg_t *t)
{
    const char *f = "tests/vectors/rfc7714/srtp_aes128.txt";
    uint8_t plain[128], prot[128], pkt[160];
    size_t pl = vec(t, f, "plain", plain, sizeof(plain));
    size_t ql = vec(t, f, "protected", prot, sizeof(prot));
    REQUIRE(t, pl == 50 && ql == 66);
    struct rg_srtp_xform tx, rx;
    REQUIRE(t, vec_xform(t, f, RG_SRTP_AEAD_AES_128_GCM, false, true, &tx) == RG_OK);
    REQUIRE(t, vec_xform(t, f, RG_SRTP_AEAD_AES_128_GCM, false, false, &rx) == RG_OK);
    memcpy(pkt, plain, pl);
    int n = rg_srtp_xform_rtp_seal(&tx, pkt, 12, pl, 0, NULL, 0);
    CHECK_MEM(t, pkt, (size_t)(n > 0 ? n : 0), prot, ql);
    memcpy(pkt, prot, ql);
    CHECK_OK(t, rg_srtp_xform_rtp_open(&rx, pkt, 12, ql - 16, pkt + ql - 16, 0, false));
    CHECK_MEM(t, pkt, pl, plain, pl);
    for (size_t i = 0; i < ql; i += 7) {
        memcpy(pkt, prot, ql);
        pkt[i] ^= 0x10;
        CHECK(t, rg_srtp_xform_rtp_open(&rx, pkt, 12, ql - 16, pkt + ql - 16, 0, false) ==
                     RG_EAUTH);
    }
    /* The wrong ROC is a different IV: fails too. */
    memcpy(pkt, prot, ql);
    CHECK(t, rg_srtp_xform_rtp_open(&rx, pkt, 12, ql - 16, pkt + ql - 16, 1, false) == RG_EAUTH);
    rg_srtp_xform_clear(&tx);
    rg_srtp_xform_clear(&rx);
}

static void srtcp_vector(struct rg_t *t, const char *f, enum rg_srtp_profile p)
{
    uint8_t plain[128], prot[128], pkt[160];
    size_t pl = vec(t, f, "plain", plain, sizeof(plain));
    size_t ql = vec(t, f, "protected", prot, sizeof(prot));
    REQUIRE(t, pl == 52 && ql == 72);
    struct rg_srtp_xform tx, rx;
    REQUIRE(t, vec_xform(t, f, p, true, true, &tx) == RG_OK);
    REQUIRE(t, vec_xform(t, f, p, true, false, &rx) == RG_OK);
    memcpy(pkt, plain, pl);
    int n = rg_srtp_xform_rtcp_seal(&tx, pkt, pl, 0x5d4, NULL, 0);
    CHECK_MEM(t, pkt, (size_t)(n > 0 ? n : 0), prot, ql);
    memcpy(pkt, prot, ql);
    CHECK_OK(t, rg_srtp_xform_rtcp_open(&rx, pkt, pl, pkt + ql - 4, pkt + pl));
    CHECK_MEM(t, pkt, pl, plain, pl);
    memcpy(pkt, prot, ql);
    pkt[ql - 1] ^= 1; /* the index is authenticated (AAD) */
    CHECK(t, rg_srtp_xform_rtcp_open(&rx, pkt, pl, pkt + ql - 4, pkt + pl) == RG_EAUTH);
    rg_srtp_xform_clear(&tx);
    rg_srtp_xform_clear(&rx);
}

static void rfc7714_srtcp(struct rg_t *t)
{
    srtcp_vector(t, "tests/vectors/rfc7714/srtcp_aes128.txt", RG_SRTP_AEAD_AES_128_GCM);
    srtcp_vector(t, "tests/vectors/rfc7714/srtcp_aes256.txt", RG_SRTP_AEAD_AES_256_GCM);
}

/* xorshift64*: deterministic, seeded per case. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static struct rg_srtp_key rand_key(enum rg_srtp_profile p, bool mki, uint64_t *r)
{
    struct rg_srtp_key k;
    memset(&k, 0, sizeof(k));
    k.profile = p;
    k.key_len = (uint8_t)rg_srtp_profile_key_len(p);
    k.salt_len = (uint8_t)rg_srtp_profile_salt_len(p);
    for (int i = 0; i < k.key_len; i++)
        k.key[i] = (uint8_t)rnd(r);
    for (int i = 0; i < k.salt_len; i++)
        k.salt[i] = (uint8_t)rnd(r);
    if (mki) {
        k.mki_len = (uint8_t)(1 + rnd(r) % RG_SRTP_MAX_MKI_LEN);
        for (int i = 0; i < k.mki_len; i++)
            k.mki[i] = (uint8_t)rnd(r);
    }
    return k;
}

/* An RTP packet: random CSRC count, sometimes a header extension, random
 * payload of 0..299 bytes. */
static size_t rand_rtp(uint8_t *pkt, uint16_t seq, uint32_t ssrc, uint64_t *r)
{
    uint64_t v = rnd(r);
    unsigned cc = (v & 7) == 0 ? (unsigned)(v >> 3) % 4 : 0;
    bool ext = (v >> 8) % 5 == 0;
    pkt[0] = (uint8_t)(0x80 | (ext ? 0x10 : 0) | cc);
    pkt[1] = (uint8_t)(v >> 16) & 0x7f;
    pkt[2] = (uint8_t)(seq >> 8);
    pkt[3] = (uint8_t)seq;
    for (int i = 0; i < 4; i++) {
        pkt[4 + i] = (uint8_t)(v >> (24 + 8 * i));
        pkt[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    }
    size_t len = 12 + 4 * cc;
    for (size_t i = 12; i < len; i++)
        pkt[i] = (uint8_t)rnd(r);
    if (ext) {
        unsigned words = (unsigned)(rnd(r) % 3);
        pkt[len] = 0xbe;
        pkt[len + 1] = 0xde;
        pkt[len + 2] = 0;
        pkt[len + 3] = (uint8_t)words;
        len += 4;
        for (unsigned i = 0; i < 4 * words; i++)
            pkt[len++] = (uint8_t)rnd(r);
    }
    size_t pay = rnd(r) % 300;
    for (size_t i = 0; i < pay; i++)
        pkt[len++] = (uint8_t)rnd(r);
    return len;
}

struct pair {
    struct rg_srtp *tx, *rx;
    struct rg_srtp_lib *ltx, *lrx;
};

static bool pair_new(struct pair *p, const struct rg_srtp_key *k)
{
    memset(p, 0, sizeof(*p));
    struct rg_srtp_cfg o = { .key = *k, .dir = RG_SRTP_OUTBOUND };
    struct rg_srtp_cfg i = { .key = *k, .dir = RG_SRTP_INBOUND };
    return rg_srtp_new(&o, &p->tx) == RG_OK && rg_srtp_new(&i, &p->rx) == RG_OK &&
           rg_srtp_lib_new(&o, &p->ltx) == RG_OK && rg_srtp_lib_new(&i, &p->lrx) == RG_OK;
}

static void pair_free(struct pair *p)
{
    rg_srtp_free(p->tx);
    rg_srtp_free(p->rx);
    rg_srtp_lib_free(p->ltx);
    rg_srtp_lib_free(p->lrx);
}

#define HIST 64

struct run {
    struct rg_t *t;
    struct pair p;
    uint64_t r;
    uint8_t hist[HIST][400]; /* protected packets already delivered */
    size_t hist_len[HIST];
    unsigned nhist, ok, replays, forged;
    enum rg_srtp_profile profile;
    unsigned mki_len;
};

/* Delivers one protected packet to both receivers (ours gets one copy,
 * libsrtp another); the verdicts and plaintexts must agree. */
static void deliver(struct run *u, const uint8_t *srtp, size_t len, const uint8_t *plain,
                    size_t plen, bool rtcp)
{
    uint8_t a[400], b[400];
    size_t al = 0, bl = 0;
    memcpy(a, srtp, len);
    memcpy(b, srtp, len);
    int ra = rtcp ? rg_srtp_unprotect_rtcp(u->p.rx, a, len, &al)
                  : rg_srtp_unprotect_rtp(u->p.rx, a, len, &al);
    int rb = rtcp ? rg_srtp_lib_unprotect_rtcp(u->p.lrx, b, len, &bl)
                  : rg_srtp_lib_unprotect_rtp(u->p.lrx, b, len, &bl);
    if (ra != rb) {
        fprintf(stderr, "    verdict ours %d libsrtp %d (rtcp %d, profile %d, mki %u)\n", ra, rb,
                rtcp, (int)u->profile, u->mki_len);
        rg_t_hexdump("packet", srtp, len);
    }
    CHECK_EQ_INT(u->t, ra, rb);
    if (ra == RG_OK && rb == RG_OK) {
        u->ok++;
        CHECK_MEM(u->t, a, al, b, bl);
        if (plain)
            CHECK_MEM(u->t, a, al, plain, plen);
    }
}

static void remember(struct run *u, const uint8_t *pkt, size_t len)
{
    unsigned i = u->nhist++ % HIST;
    memcpy(u->hist[i], pkt, len);
    u->hist_len[i] = len;
}

/* Sometimes delivers a forged copy (one flipped bit) of a fresh packet
 * before the genuine one: must fail authentication and change nothing. */
static void forge(struct run *u, const uint8_t *pkt, size_t len, bool rtcp)
{
    uint64_t v = rnd(&u->r);
    if (v % 12 != 0)
        return;
    uint8_t f[400];
    memcpy(f, pkt, len);
    size_t skip = rtcp ? 8 : 12; /* a flipped SSRC/SEQ would be another stream */
    f[skip + (v >> 8) % (len - skip)] ^= (uint8_t)(1u << ((v >> 40) % 8));
    u->forged++;
    deliver(u, f, len, NULL, 0, rtcp);
}

/* Sometimes replays a packet delivered before: must be refused. */
static void replay(struct run *u, bool rtcp)
{
    if (u->nhist == 0 || rnd(&u->r) % 10 != 0)
        return;
    unsigned i = (unsigned)(rnd(&u->r) % (u->nhist < HIST ? u->nhist : HIST));
    u->replays++;
    deliver(u, u->hist[i], u->hist_len[i], NULL, 0, rtcp);
}

/* Next sequence number: mostly +1, sometimes a step back (reordering) or
 * a duplicate, sometimes a jump forward. */
static uint16_t next_seq(uint16_t seq, uint64_t *r)
{
    uint64_t v = rnd(r) % 100;
    if (v < 80)
        return (uint16_t)(seq + 1);
    if (v < 90)
        return (uint16_t)(seq - rnd(r) % 40);
    if (v < 95)
        return seq;
    return (uint16_t)(seq + 2 + rnd(r) % 3000);
}

/* RTP: both senders protect the same packet: same verdict and same bytes;
 * the result goes to both receivers. */
static void cross_rtp(struct run *u, unsigned packets)
{
    uint32_t ssrcs[3] = { (uint32_t)rnd(&u->r), (uint32_t)rnd(&u->r), (uint32_t)rnd(&u->r) };
    uint16_t seqs[3] = { 65000, (uint16_t)rnd(&u->r), 65530 };
    for (unsigned n = 0; n < packets; n++) {
        unsigned s = (unsigned)(rnd(&u->r) % 3);
        seqs[s] = next_seq(seqs[s], &u->r);
        uint8_t plain[400], a[400], b[400];
        size_t pl = rand_rtp(plain, seqs[s], ssrcs[s], &u->r), al = 0, bl = 0;
        memcpy(a, plain, pl);
        memcpy(b, plain, pl);
        int ra = rg_srtp_protect_rtp(u->p.tx, a, pl, sizeof(a), &al);
        int rb = rg_srtp_lib_protect_rtp(u->p.ltx, b, pl, sizeof(b), &bl);
        CHECK_EQ_INT(u->t, ra, rb);
        if (ra != RG_OK || rb != RG_OK)
            continue;
        CHECK_MEM(u->t, a, al, b, bl);
        forge(u, a, al, false);
        deliver(u, a, al, plain, pl, false);
        remember(u, a, al);
        replay(u, false);
    }
}

/* SRTCP: each sender protects a copy; the receivers get our packet and
 * libsrtp's in turn. */
static void cross_rtcp(struct run *u, unsigned packets)
{
    u->nhist = 0;
    uint32_t ssrc = (uint32_t)rnd(&u->r);
    for (unsigned n = 0; n < packets; n++) {
        uint8_t plain[400], a[400], b[400];
        size_t pl = 8 + 4 * (rnd(&u->r) % 40), al = 0, bl = 0;
        plain[0] = 0x81;
        plain[1] = 201;
        plain[2] = 0;
        plain[3] = (uint8_t)(pl / 4 - 1);
        for (int i = 0; i < 4; i++)
            plain[4 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
        for (size_t i = 8; i < pl; i++)
            plain[i] = (uint8_t)rnd(&u->r);
        memcpy(a, plain, pl);
        memcpy(b, plain, pl);
        CHECK_OK(u->t, rg_srtp_protect_rtcp(u->p.tx, a, pl, sizeof(a), &al));
        CHECK_OK(u->t, rg_srtp_lib_protect_rtcp(u->p.ltx, b, pl, sizeof(b), &bl));
        CHECK_MEM(u->t, a, al, b, bl); /* same index sequence, same bytes */
        forge(u, a, al, true);
        deliver(u, n % 2 ? a : b, al, plain, pl, true);
        remember(u, n % 2 ? a : b, al);
        replay(u, true);
    }
}

static void cross_profile(struct rg_t *t, enum rg_srtp_profile p, bool mki, uint64_t seed)
{
    static struct run u; /* large: keep it off the stack */
    memset(&u, 0, sizeof(u));
    u.t = t;
    u.r = seed;
    struct rg_srtp_key k = rand_key(p, mki, &u.r);
    u.profile = p;
    u.mki_len = k.mki_len;
    REQUIRE(t, pair_new(&u.p, &k));
    cross_rtp(&u, 4000);
    unsigned rtp_ok = u.ok;
    cross_rtcp(&u, 600);
    CHECK(t, rtp_ok > 3000 && u.ok > rtp_ok + 500);
    CHECK(t, u.replays > 50 && u.forged > 50);
    struct rg_srtp_stats a, b;
    rg_srtp_get_stats(u.p.rx, &a);
    rg_srtp_lib_get_stats(u.p.lrx, &b);
    CHECK(t, a.ok == b.ok && a.auth_fail == b.auth_fail && a.replay_fail == b.replay_fail);
    CHECK(t, a.auth_fail > 0 && a.replay_fail > 0);
    pair_free(&u.p);
}

static void differential_all_profiles(struct rg_t *t)
{
    REQUIRE(t, rg_srtp_lib_global_init() == RG_OK);
    static const enum rg_srtp_profile ps[] = { RG_SRTP_AES128_CM_SHA1_80,
                                               RG_SRTP_AES128_CM_SHA1_32,
                                               RG_SRTP_AEAD_AES_128_GCM,
                                               RG_SRTP_AEAD_AES_256_GCM };
    for (size_t i = 0; i < 4; i++) {
        cross_profile(t, ps[i], false, 0x1234567 + i);
        if (ps[i] != RG_SRTP_AES128_CM_SHA1_32)
            cross_profile(t, ps[i], true, 0x7654321 + i);
    }
}

/* Before the first rollover there is no ROC - 1: a SEQ far "behind" the
 * highest is read as ROC 0 and ahead (RFC 3711 Appendix A would guess
 * ROC - 1); libsrtp does the same.  Both directions, then a real wrap. */
static void roc_zero_has_no_predecessor(struct rg_t *t)
{
    REQUIRE(t, rg_srtp_lib_global_init() == RG_OK);
    uint64_t r = 99;
    struct rg_srtp_key k = rand_key(RG_SRTP_AES128_CM_SHA1_80, false, &r);
    struct pair p;
    REQUIRE(t, pair_new(&p, &k));
    static const uint16_t seqs[] = { 2314, 61173, 61174, 65535, 0, 1 };
    for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
        uint8_t a[400], b[400], plain[400];
        size_t pl = rand_rtp(plain, seqs[i], 0x0badcafe, &r), al = 0, bl = 0;
        memcpy(a, plain, pl);
        memcpy(b, plain, pl);
        CHECK_OK(t, rg_srtp_protect_rtp(p.tx, a, pl, sizeof(a), &al));
        CHECK_OK(t, rg_srtp_lib_protect_rtp(p.ltx, b, pl, sizeof(b), &bl));
        CHECK_MEM(t, a, al, b, bl);
        CHECK_OK(t, rg_srtp_lib_unprotect_rtp(p.lrx, b, bl, &bl));
        CHECK_OK(t, rg_srtp_unprotect_rtp(p.rx, a, al, &al));
        CHECK_MEM(t, a, al, plain, pl);
    }
    pair_free(&p);
}

static const struct rg_test_case cases[] = {
    { "roc_zero_has_no_predecessor", roc_zero_has_no_predecessor },
    { "rfc7714_srtp_aes128", rfc7714_srtp_aes128 },
    { "rfc7714_srtcp", rfc7714_srtcp },
    { "differential_all_profiles", differential_all_profiles },
};

RG_TEST_MAIN(cases)
