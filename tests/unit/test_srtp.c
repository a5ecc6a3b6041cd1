/*
 * Unit tests for src/proto/srtp: RFC 3711 Appendix B vectors, known-answer
 * packets computed independently with OpenSSL primitives (so a wrong key or
 * salt split in the wrapper shows up), round trips of all four profiles,
 * forged and replayed packets dropped and counted, the resync rule, and
 * RFC 4568 key-params.
 */
#include "harness.h"

#include "core/base64.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/buf.h"
#include "proto/srtp/srtp_ctx.h"
#include "proto/srtp/srtp_sdes.h"

/* Reads the hex value called name from a vector file. */
static size_t vec_get(struct rg_t *t, const char *path, const char *name, uint8_t *out, size_t cap)
{
    size_t len = 0, n = 0;
    char *text = rg_t_read_file(path, &len);
    if (!text) {
        rg_t_fail(t, __FILE__, __LINE__, path);
        return 0;
    }
    size_t nl = strlen(name);
    for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, name, nl) != 0 || (line[nl] != ' ' && line[nl] != '\t'))
            continue;
        const char *p = line + nl;
        while (*p == ' ' || *p == '\t')
            p++;
        while (rg_is_hex(p[0]) && rg_is_hex(p[1]) && n < cap) {
            out[n++] = (uint8_t)(rg_hex_val(p[0]) * 16 + rg_hex_val(p[1]));
            p += 2;
        }
        break;
    }
    rg_free(text);
    if (n == 0)
        rg_t_fail(t, __FILE__, __LINE__, name);
    return n;
}

/* AES-CTR keystream (RFC 3711 §4.1.1) with OpenSSL, independent of libsrtp. */
static void aes_ctr(const uint8_t *key, size_t key_len, const uint8_t iv[16], uint8_t *buf, size_t n)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int outl = 0;
    EVP_EncryptInit_ex(c, key_len == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr(), NULL, key, iv);
    EVP_EncryptUpdate(c, buf, &outl, buf, (int)n);
    EVP_CIPHER_CTX_free(c);
}

/* RFC 3711 §4.3.1/§4.3.3 AES-CM PRF with kdr 0: x = salt XOR (label << 48). */
static void kdf(const uint8_t *mkey, size_t klen, const uint8_t *msalt, size_t slen, uint8_t label,
                uint8_t *out, size_t n)
{
    uint8_t iv[16] = { 0 };
    memcpy(iv, msalt, slen); /* a 96-bit GCM salt is padded with zeros (RFC 7714 §11) */
    iv[7] ^= label;
    memset(out, 0, n);
    aes_ctr(mkey, klen, iv, out, n);
}

static void rfc3711_b2_keystream(struct rg_t *t)
{
    const char *f = "tests/vectors/rfc3711/b2_keystream.txt";
    uint8_t key[16], iv[16], want[16];
    REQUIRE(t, vec_get(t, f, "key", key, 16) == 16 && vec_get(t, f, "iv", iv, 16) == 16);
    size_t n = 0x10002 * 16;
    uint8_t *ks = rg_calloc(1, n);
    REQUIRE(t, ks != NULL);
    aes_ctr(key, 16, iv, ks, n);
    static const struct { const char *name; size_t block; } blocks[] = {
        { "block_0000", 0 }, { "block_0001", 1 }, { "block_0002", 2 },
        { "block_feff", 0xfeff }, { "block_ff00", 0xff00 }, { "block_ff01", 0xff01 },
    };
    for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
        REQUIRE(t, vec_get(t, f, blocks[i].name, want, 16) == 16);
        CHECK_MEM(t, ks + blocks[i].block * 16, 16, want, 16);
    }
    rg_free(ks);
}

static void rfc3711_b3_kdf(struct rg_t *t)
{
    const char *f = "tests/vectors/rfc3711/b3_kdf.txt";
    uint8_t mk[16], ms[14], ck[16], cs[14], ak[20], got[20];
    REQUIRE(t, vec_get(t, f, "master_key", mk, 16) == 16);
    REQUIRE(t, vec_get(t, f, "master_salt", ms, 14) == 14);
    REQUIRE(t, vec_get(t, f, "cipher_key", ck, 16) == 16);
    REQUIRE(t, vec_get(t, f, "cipher_salt", cs, 14) == 14);
    REQUIRE(t, vec_get(t, f, "auth_key", ak, 20) == 20);
    kdf(mk, 16, ms, 14, 0x00, got, 16);
    CHECK_MEM(t, got, 16, ck, 16);
    kdf(mk, 16, ms, 14, 0x02, got, 14);
    CHECK_MEM(t, got, 14, cs, 14);
    kdf(mk, 16, ms, 14, 0x01, got, 20);
    CHECK_MEM(t, got, 20, ak, 20);
}

static size_t make_rtp(uint8_t *pkt, uint16_t seq, uint32_t ssrc, size_t payload)
{
    pkt[0] = 0x80;
    pkt[1] = 0x00; /* PCMU */
    pkt[2] = (uint8_t)(seq >> 8);
    pkt[3] = (uint8_t)seq;
    uint32_t ts = (uint32_t)seq * 160u;
    for (int i = 0; i < 4; i++) {
        pkt[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
        pkt[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    }
    for (size_t i = 0; i < payload; i++)
        pkt[12 + i] = (uint8_t)(i * 7 + seq);
    return 12 + payload;
}

/* Expected SRTP packet computed from the RFC, not from libsrtp. */
static size_t expected_srtp(const struct rg_srtp_key *k, const uint8_t *rtp, size_t len,
                            uint8_t *out)
{
    uint8_t ek[32], es[14] = { 0 }, ak[20];
    uint32_t ssrc_be;
    memcpy(&ssrc_be, rtp + 8, 4);
    memcpy(out, rtp, len);
    kdf(k->key, k->key_len, k->salt, k->salt_len, 0x00, ek, k->key_len);
    kdf(k->key, k->key_len, k->salt, k->salt_len, 0x02, es, k->salt_len);
    if (k->profile == RG_SRTP_AES128_CM_SHA1_80 || k->profile == RG_SRTP_AES128_CM_SHA1_32) {
        kdf(k->key, k->key_len, k->salt, k->salt_len, 0x01, ak, 20);
        uint8_t iv[16] = { 0 };
        memcpy(iv, es, 14);
        for (int i = 0; i < 4; i++)
            iv[4 + i] ^= rtp[8 + i];
        iv[12] ^= rtp[2]; /* index = ROC(0) || SEQ, shifted by 16 */
        iv[13] ^= rtp[3];
        aes_ctr(ek, 16, iv, out + 12, len - 12);
        uint8_t mac[20], msg[320];
        unsigned int ml = 0;
        memcpy(msg, out, len);
        memset(msg + len, 0, 4); /* ROC 0 appended (RFC 3711 §4.2) */
        HMAC(EVP_sha1(), ak, 20, msg, len + 4, mac, &ml);
        size_t tag = k->profile == RG_SRTP_AES128_CM_SHA1_80 ? 10 : 4;
        memcpy(out + len, mac, tag);
        return len + tag;
    }
    /* RFC 7714 §8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt, AAD = header. */
    uint8_t iv[12] = { 0 };
    memcpy(iv + 2, rtp + 8, 4);
    iv[10] = rtp[2];
    iv[11] = rtp[3];
    for (int i = 0; i < 12; i++)
        iv[i] ^= es[i];
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int outl = 0;
    EVP_EncryptInit_ex(c, k->key_len == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm(), NULL, NULL, NULL);
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL);
    EVP_EncryptInit_ex(c, NULL, NULL, ek, iv);
    EVP_EncryptUpdate(c, NULL, &outl, rtp, 12);
    EVP_EncryptUpdate(c, out + 12, &outl, rtp + 12, (int)len - 12);
    EVP_EncryptFinal_ex(c, out + 12 + outl, &outl);
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + len);
    EVP_CIPHER_CTX_free(c);
    return len + 16;
}

/*
 * SRTCP with AES_CM_128_HMAC_SHA1_80, from RFC 3711: labels 3/4/5 (§4.3.2),
 * keystream over everything after the 8-byte header with IV built from the
 * SSRC and the 31-bit SRTCP index (§4.1.1), then E|index and HMAC-SHA1-80
 * over header, ciphertext and E|index (§3.4).  The index is taken from the
 * packet under test (libsrtp's first value) and checked to be small.
 */
static size_t expected_srtcp(const struct rg_srtp_key *k, const uint8_t *rtcp, size_t len,
                             uint32_t index, uint8_t *out)
{
    uint8_t ek[16], es[14], ak[20], iv[16] = { 0 };
    kdf(k->key, 16, k->salt, 14, 0x03, ek, 16);
    kdf(k->key, 16, k->salt, 14, 0x05, es, 14);
    kdf(k->key, 16, k->salt, 14, 0x04, ak, 20);
    memcpy(out, rtcp, len);
    memcpy(iv, es, 14);
    for (int i = 0; i < 4; i++) {
        iv[4 + i] ^= rtcp[4 + i];
        iv[10 + i] ^= (uint8_t)(index >> (24 - 8 * i));
    }
    aes_ctr(ek, 16, iv, out + 8, len - 8);
    uint32_t ei = index | 0x80000000u;
    for (int i = 0; i < 4; i++)
        out[len + i] = (uint8_t)(ei >> (24 - 8 * i));
    uint8_t mac[20];
    unsigned int ml = 0;
    HMAC(EVP_sha1(), ak, 20, out, len + 4, mac, &ml);
    memcpy(out + len + 4, mac, 10);
    return len + 14;
}

static void known_answer_srtcp(struct rg_t *t)
{
    REQUIRE(t, rg_srtp_global_init() == RG_OK);
    struct rg_srtp_key k;
    memset(&k, 0, sizeof(k));
    k.profile = RG_SRTP_AES128_CM_SHA1_80;
    k.key_len = 16;
    k.salt_len = 14;
    REQUIRE(t, vec_get(t, "tests/vectors/rfc3711/b3_kdf.txt", "master_key", k.key, 16) == 16);
    REQUIRE(t, vec_get(t, "tests/vectors/rfc3711/b3_kdf.txt", "master_salt", k.salt, 14) == 14);
    struct rg_srtp_cfg cfg = { .key = k, .dir = RG_SRTP_OUTBOUND };
    struct rg_srtp *tx = NULL;
    REQUIRE(t, rg_srtp_new(&cfg, &tx) == RG_OK);
    for (int n = 0; n < 3; n++) {
        /* receiver report with one report block: 32 bytes */
        uint8_t pkt[128] = { 0x81, 201, 0, 7, 0xca, 0xfe, 0xba, 0xbe }, orig[128], want[128];
        for (int i = 8; i < 32; i++)
            pkt[i] = (uint8_t)(i * 3 + n);
        memcpy(orig, pkt, 32);
        size_t out = 0;
        CHECK_OK(t, rg_srtp_protect_rtcp(tx, pkt, 32, sizeof(pkt), &out));
        REQUIRE(t, out == 46);
        uint32_t ei = (uint32_t)pkt[32] << 24 | (uint32_t)pkt[33] << 16 | pkt[34] << 8 | pkt[35];
        CHECK(t, (ei & 0x80000000u) != 0); /* E: encrypted */
        uint32_t index = ei & 0x7fffffffu;
        CHECK(t, index <= 3);
        size_t wl = expected_srtcp(&k, orig, 32, index, want);
        CHECK_MEM(t, pkt, out, want, wl);
    }
    rg_srtp_free(tx);
}

static const enum rg_srtp_profile all_profiles[] = {
    RG_SRTP_AES128_CM_SHA1_80, RG_SRTP_AES128_CM_SHA1_32, RG_SRTP_AEAD_AES_128_GCM,
    RG_SRTP_AEAD_AES_256_GCM,
};

static struct rg_srtp_key test_key(enum rg_srtp_profile p, uint8_t seed)
{
    struct rg_srtp_key k;
    memset(&k, 0, sizeof(k));
    k.profile = p;
    k.key_len = (uint8_t)rg_srtp_profile_key_len(p);
    k.salt_len = (uint8_t)rg_srtp_profile_salt_len(p);
    for (int i = 0; i < k.key_len; i++)
        k.key[i] = (uint8_t)(seed + i * 13);
    for (int i = 0; i < k.salt_len; i++)
        k.salt[i] = (uint8_t)(seed ^ (i * 29));
    return k;
}

static struct rg_srtp *mk(struct rg_t *t, const struct rg_srtp_key *k, enum rg_srtp_dir dir,
                          uint16_t window, uint16_t resync)
{
    struct rg_srtp_cfg cfg = { .key = *k, .dir = dir, .replay_window = window,
                               .resync_after = resync };
    struct rg_srtp *s = NULL;
    CHECK_OK(t, rg_srtp_new(&cfg, &s));
    return s;
}

static void known_answer_all_profiles(struct rg_t *t)
{
    REQUIRE(t, rg_srtp_global_init() == RG_OK);
    for (size_t i = 0; i < 4; i++) {
        struct rg_srtp_key k = test_key(all_profiles[i], (uint8_t)(0x40 + i));
        if (i == 0) { /* the RFC 3711 B.3 master key for the first profile */
            REQUIRE(t, vec_get(t, "tests/vectors/rfc3711/b3_kdf.txt", "master_key", k.key, 16) == 16);
            REQUIRE(t, vec_get(t, "tests/vectors/rfc3711/b3_kdf.txt", "master_salt", k.salt, 14) == 14);
        }
        struct rg_srtp *tx = mk(t, &k, RG_SRTP_OUTBOUND, 0, 0);
        REQUIRE(t, tx != NULL);
        uint8_t pkt[256], want[256];
        size_t len = make_rtp(pkt, 4711, 0xdecafbad, 160), out = 0;
        size_t wl = expected_srtp(&k, pkt, len, want);
        CHECK_OK(t, rg_srtp_protect_rtp(tx, pkt, len, sizeof(pkt), &out));
        CHECK_MEM(t, pkt, out, want, wl);
        rg_srtp_free(tx);
    }
}

static void roundtrip_all_profiles(struct rg_t *t)
{
    REQUIRE(t, rg_srtp_global_init() == RG_OK);
    for (size_t i = 0; i < 4; i++) {
        enum rg_srtp_profile p = all_profiles[i];
        struct rg_srtp_key k = test_key(p, (uint8_t)i);
        if (i != 1) { /* profiles with an MKI (RFC 3711 §3.1) */
            k.mki_len = 2;
            k.mki[0] = 0x12;
            k.mki[1] = 0x34;
        }
        struct rg_srtp *tx = mk(t, &k, RG_SRTP_OUTBOUND, 0, 0);
        struct rg_srtp *rx = mk(t, &k, RG_SRTP_INBOUND, 0, 0);
        REQUIRE(t, tx && rx);
        /* Sequence numbers wrap: the rollover counter must follow (RFC 3711 §3.3.1). */
        for (uint32_t n = 0; n < 40; n++) {
            uint16_t seq = (uint16_t)(65520 + n);
            uint8_t pkt[300], orig[300];
            size_t len = make_rtp(pkt, seq, 0x11223344, 160), out = 0, back = 0;
            memcpy(orig, pkt, len);
            CHECK_OK(t, rg_srtp_protect_rtp(tx, pkt, len, sizeof(pkt), &out));
            CHECK_EQ_INT(t, out, len + rg_srtp_profile_rtp_tag_len(p) + k.mki_len);
            CHECK(t, memcmp(pkt + 12, orig + 12, 16) != 0); /* payload encrypted */
            CHECK_OK(t, rg_srtp_unprotect_rtp(rx, pkt, out, &back));
            CHECK_MEM(t, pkt, back, orig, len);
        }
        /* RTCP: sender report header + SSRC, SRTCP adds E|index and tag. */
        uint8_t rtcp[64] = { 0x80, 200, 0, 6, 0x11, 0x22, 0x33, 0x44 }, orig[64];
        for (int j = 8; j < 28; j++)
            rtcp[j] = (uint8_t)j;
        memcpy(orig, rtcp, 28);
        size_t out = 0, back = 0;
        CHECK_OK(t, rg_srtp_protect_rtcp(tx, rtcp, 28, sizeof(rtcp), &out));
        CHECK_EQ_INT(t, out, 28 + 4 + rg_srtp_profile_rtcp_tag_len(p) + k.mki_len);
        int rrc = rg_srtp_unprotect_rtcp(rx, rtcp, out, &back);
        if (rrc != RG_OK)
            fprintf(stderr, "    profile %s\n", rg_srtp_profile_name(p));
        CHECK_OK(t, rrc);
        CHECK_MEM(t, rtcp, back, orig, 28);
        struct rg_srtp_stats st;
        rg_srtp_get_stats(rx, &st);
        CHECK_EQ_INT(t, st.ok, 41);
        CHECK_EQ_INT(t, st.auth_fail + st.replay_fail + st.other_fail, 0);
        rg_srtp_free(tx);
        rg_srtp_free(rx);
    }
}

static void forged_packets_dropped_and_counted(struct rg_t *t)
{
    REQUIRE(t, rg_srtp_global_init() == RG_OK);
    for (size_t i = 0; i < 4; i++) {
        struct rg_srtp_key k = test_key(all_profiles[i], 9);
        struct rg_srtp_key wrong = test_key(all_profiles[i], 10);
        struct rg_srtp *tx = mk(t, &k, RG_SRTP_OUTBOUND, 0, 0);
        struct rg_srtp *evil = mk(t, &wrong, RG_SRTP_OUTBOUND, 0, 0);
        struct rg_srtp *rx = mk(t, &k, RG_SRTP_INBOUND, 0, 0);
        REQUIRE(t, tx && rx && evil);
        uint8_t pkt[300];
        size_t len = make_rtp(pkt, 100, 0xabcdef01, 160), out = 0, back = 0;
        CHECK_OK(t, rg_srtp_protect_rtp(tx, pkt, len, sizeof(pkt), &out));
        pkt[40] ^= 0x01; /* one flipped payload bit */
        CHECK_EQ_INT(t, rg_srtp_unprotect_rtp(rx, pkt, out, &back), RG_EAUTH);
        len = make_rtp(pkt, 101, 0xabcdef01, 160);
        CHECK_OK(t, rg_srtp_protect_rtp(evil, pkt, len, sizeof(pkt), &out));
        CHECK_EQ_INT(t, rg_srtp_unprotect_rtp(rx, pkt, out, &back), RG_EAUTH);
        /* Truncated and non-RTP input. */
        CHECK_EQ_INT(t, rg_srtp_unprotect_rtp(rx, pkt, 11, &back), RG_EBADMSG);
        uint8_t junk[40] = { 0 };
        CHECK(t, rg_srtp_unprotect_rtcp(rx, junk, sizeof(junk), &back) < 0);
        struct rg_srtp_stats st;
        rg_srtp_get_stats(rx, &st);
        CHECK_EQ_INT(t, st.auth_fail, 2);
        CHECK_EQ_INT(t, st.ok, 0);
        CHECK_EQ_INT(t, st.other_fail + st.auth_fail, 4);
        /* A forged SRTCP packet (relayed RTCP must not be spoofable either). */
        uint8_t rtcp[96] = { 0x80, 201, 0, 1, 0xab, 0xcd, 0xef, 0x01 };
        size_t rl = 0;
        CHECK_OK(t, rg_srtp_protect_rtcp(evil, rtcp, 8, sizeof(rtcp), &rl));
        CHECK_EQ_INT(t, rg_srtp_unprotect_rtcp(rx, rtcp, rl, &back), RG_EAUTH);
        rg_srtp_get_stats(rx, &st);
        CHECK_EQ_INT(t, st.auth_fail, 3);
        /* The genuine stream still works after the forgeries. */
        len = make_rtp(pkt, 102, 0xabcdef01, 160);
        CHECK_OK(t, rg_srtp_protect_rtp(tx, pkt, len, sizeof(pkt), &out));
        CHECK_OK(t, rg_srtp_unprotect_rtp(rx, pkt, out, &back));
        rg_srtp_free(tx);
        rg_srtp_free(evil);
        rg_srtp_free(rx);
    }
}

static void replay_dropped_and_counted(struct rg_t *t)
{
    REQUIRE(t, rg_srtp_global_init() == RG_OK);
    struct rg_srtp_key k = test_key(RG_SRTP_AEAD_AES_128_GCM, 3);
    struct rg_srtp *tx = mk(t, &k, RG_SRTP_OUTBOUND, 0, 0);
    struct rg_srtp *rx = mk(t, &k, RG_SRTP_INBOUND, 64, 0);
    REQUIRE(t, tx && rx);
    uint8_t saved[3][300], pkt[300];
    size_t saved_len[3] = { 0 }, out = 0, back = 0;
    for (uint16_t seq = 1; seq <= 200; seq++) {
        size_t len = make_rtp(pkt, seq, 7, 160);
        CHECK_OK(t, rg_srtp_protect_rtp(tx, pkt, len, sizeof(pkt), &out));
        int slot = seq == 100 ? 0 : seq == 150 ? 1 : seq == 190 ? 2 : -1;
        if (slot >= 0) { /* held back: delivered late below */
            memcpy(saved[slot], pkt, out);
            saved_len[slot] = out;
            continue;
        }
        uint8_t copy[300];
        memcpy(copy, pkt, out);
        CHECK_OK(t, rg_srtp_unprotect_rtp(rx, pkt, out, &back));
        if (seq == 120) /* the same packet again: replay */
            CHECK_EQ_INT(t, rg_srtp_unprotect_rtp(rx, copy, out, &back), RG_EPROTO);
    }
    /* seq 100 is 100 behind 200: outside a 64 window; 150 and 190 inside. */
    CHECK_EQ_INT(t, rg_srtp_unprotect_rtp(rx, saved[0], saved_len[0], &back), RG_EPROTO);
    CHECK_OK(t, rg_srtp_unprotect_rtp(rx, saved[1], saved_len[1], &back));
    CHECK_OK(t, rg_srtp_unprotect_rtp(rx, saved[2], saved_len[2], &back));
    struct rg_srtp_stats st;
    rg_srtp_get_stats(rx, &st);
    CHECK_EQ_INT(t, st.replay_fail, 2);
    CHECK_EQ_INT(t, st.ok, 199);
    /* The sender refuses to reuse an index (keystream reuse). */
    size_t len = make_rtp(pkt, 5, 7, 160);
    CHECK_EQ_INT(t, rg_srtp_protect_rtp(tx, pkt, len, sizeof(pkt), &out), RG_EPROTO);
    rg_srtp_free(tx);
    rg_srtp_free(rx);
}

/* A UA restarts its sequence numbers after hold with the same SSRC and key. */
static void resync_after_sequence_reset(struct rg_t *t)
{
    REQUIRE(t, rg_srtp_global_init() == RG_OK);
    struct rg_srtp_key k = test_key(RG_SRTP_AES128_CM_SHA1_80, 5);
    struct rg_srtp_key wrong = test_key(RG_SRTP_AES128_CM_SHA1_80, 6);
    /* mode 0: resync off; 1: on; 2: on, with forged old packets first */
    for (int mode = 0; mode < 3; mode++) {
        int with_resync = mode > 0;
        struct rg_srtp *tx = mk(t, &k, RG_SRTP_OUTBOUND, 0, 0);
        struct rg_srtp *rx = mk(t, &k, RG_SRTP_INBOUND, 0, with_resync ? 8 : 0);
        struct rg_srtp *evil = mk(t, &wrong, RG_SRTP_OUTBOUND, 0, 0);
        REQUIRE(t, tx && rx && evil);
        uint8_t pkt[300];
        size_t out = 0, back = 0, len;
        for (uint16_t seq = 3000; seq < 5000; seq++) {
            len = make_rtp(pkt, seq, 42, 160);
            CHECK_OK(t, rg_srtp_protect_rtp(tx, pkt, len, sizeof(pkt), &out));
            CHECK_OK(t, rg_srtp_unprotect_rtp(rx, pkt, out, &back));
        }
        /* 20 forged packets with old sequence numbers never trigger a resync. */
        for (uint16_t seq = 10; mode == 2 && seq < 30; seq++) {
            len = make_rtp(pkt, seq, 42, 160);
            CHECK_OK(t, rg_srtp_protect_rtp(evil, pkt, len, sizeof(pkt), &out));
            CHECK(t, rg_srtp_unprotect_rtp(rx, pkt, out, &back) < 0);
        }
        /* After "resume" the sender starts again at 1 with a fresh context. */
        rg_srtp_free(tx);
        tx = mk(t, &k, RG_SRTP_OUTBOUND, 0, 0);
        int accepted = 0;
        for (uint16_t seq = 1; seq <= 30; seq++) {
            len = make_rtp(pkt, seq, 42, 160);
            CHECK_OK(t, rg_srtp_protect_rtp(tx, pkt, len, sizeof(pkt), &out));
            if (rg_srtp_unprotect_rtp(rx, pkt, out, &back) == RG_OK)
                accepted++;
        }
        struct rg_srtp_stats st;
        rg_srtp_get_stats(rx, &st);
        if (mode == 2) {
            /* the forgeries counted as replay rejections but could not resync;
             * the first genuine packet then proves the key */
            CHECK_EQ_INT(t, accepted, 30);
            CHECK_EQ_INT(t, st.resyncs, 1);
            CHECK_EQ_INT(t, st.auth_fail + st.replay_fail, 20);
        } else if (mode == 1) {
            /* packets 1..7 dropped, the 8th proves the key and restarts the window */
            CHECK_EQ_INT(t, accepted, 23);
            CHECK_EQ_INT(t, st.resyncs, 1);
        } else {
            CHECK_EQ_INT(t, accepted, 0);
            CHECK_EQ_INT(t, st.resyncs, 0);
        }
        rg_srtp_free(tx);
        rg_srtp_free(rx);
        rg_srtp_free(evil);
    }
}

static void bad_arguments(struct rg_t *t)
{
    REQUIRE(t, rg_srtp_global_init() == RG_OK);
    struct rg_srtp_key k = test_key(RG_SRTP_AES128_CM_SHA1_80, 1);
    struct rg_srtp_cfg cfg = { .key = k, .dir = RG_SRTP_OUTBOUND };
    struct rg_srtp *s = NULL;
    cfg.key.salt_len = 12;
    CHECK_EQ_INT(t, rg_srtp_new(&cfg, &s), RG_EINVAL);
    cfg.key = k;
    cfg.replay_window = 32;
    CHECK_EQ_INT(t, rg_srtp_new(&cfg, &s), RG_EINVAL);
    cfg.replay_window = 0;
    cfg.key.profile = RG_SRTP_NONE;
    CHECK_EQ_INT(t, rg_srtp_new(&cfg, &s), RG_EINVAL);
    CHECK(t, s == NULL);
    cfg.key = test_key(RG_SRTP_AES128_CM_SHA1_32, 1);
    cfg.key.mki_len = 1;
    CHECK_EQ_INT(t, rg_srtp_new(&cfg, &s), RG_EUNSUPP);
    cfg.key = k;
    REQUIRE(t, rg_srtp_new(&cfg, &s) == RG_OK);
    uint8_t pkt[200];
    size_t len = make_rtp(pkt, 1, 1, 160), out = 0;
    CHECK_EQ_INT(t, rg_srtp_protect_rtp(s, pkt, len, len + 4, &out), RG_ELIMIT);
    CHECK_EQ_INT(t, rg_srtp_unprotect_rtp(s, pkt, len, &out), RG_EINVAL); /* wrong direction */
    rg_srtp_free(s);
    enum rg_srtp_profile p = RG_SRTP_NONE;
    CHECK_OK(t, rg_srtp_profile_parse(RG_STR_LIT("aead-aes-256-gcm"), &p));
    CHECK_EQ_INT(t, p, RG_SRTP_AEAD_AES_256_GCM);
    CHECK_OK(t, rg_srtp_profile_parse(RG_STR_LIT("SRTP_AES128_CM_SHA1_32"), &p));
    CHECK_EQ_INT(t, p, RG_SRTP_AES128_CM_SHA1_32);
    CHECK_EQ_INT(t, rg_srtp_profile_parse(RG_STR_LIT("F8_128_HMAC_SHA1_80"), &p), RG_EUNSUPP);
}

static void sdes_rfc4568_example(struct rg_t *t)
{
    /* RFC 4568 §4 example attribute value. */
    struct rg_str v = RG_STR_LIT(
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4");
    struct rg_srtp_sdes s;
    REQUIRE(t, rg_srtp_sdes_parse_crypto(v, &s) == RG_OK);
    CHECK_EQ_INT(t, s.tag, 1);
    CHECK_EQ_INT(t, s.key.profile, RG_SRTP_AES128_CM_SHA1_80);
    CHECK_EQ_INT(t, s.key.key_len, 16);
    CHECK_EQ_INT(t, s.key.salt_len, 14);
    CHECK_EQ_INT(t, s.lifetime, 1u << 20);
    static const uint8_t mki[4] = { 0, 0, 0, 1 };
    CHECK_MEM(t, s.key.mki, s.key.mki_len, mki, 4);
    CHECK_EQ_INT(t, s.key.key[0], 0x3d); /* 'PS1u' = 3d 2d 6e */
    CHECK_EQ_INT(t, s.key.key[2], 0x6e);
    struct rg_buf b;
    rg_buf_init(&b, 256);
    CHECK_OK(t, rg_srtp_sdes_format_crypto(&s, &b));
    CHECK_STR(t, rg_buf_str(&b), "1 AES_CM_128_HMAC_SHA1_80 "
                                 "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4");
    rg_buf_deinit(&b);
    /* Key usable: the parsed key builds a session. */
    REQUIRE(t, rg_srtp_global_init() == RG_OK);
    struct rg_srtp *ss = mk(t, &s.key, RG_SRTP_OUTBOUND, 0, 0);
    rg_srtp_free(ss);
}

static void sdes_variants_and_errors(struct rg_t *t)
{
    struct rg_srtp_sdes s;
    /* GCM: 28-byte key||salt (RFC 7714 §14.2), session params kept, no lifetime. */
    uint8_t raw[28];
    for (int i = 0; i < 28; i++)
        raw[i] = (uint8_t)i;
    char b64[64], line[160];
    REQUIRE(t, rg_base64_encode(raw, 28, b64, sizeof(b64)) > 0);
    snprintf(line, sizeof(line), "7\tAEAD_AES_128_GCM  inline:%s  UNENCRYPTED_SRTCP ", b64);
    REQUIRE(t, rg_srtp_sdes_parse_crypto(rg_str_from_cstr(line), &s) == RG_OK);
    CHECK_EQ_INT(t, s.tag, 7);
    CHECK_EQ_INT(t, s.key.salt_len, 12);
    CHECK_MEM(t, s.key.salt, 12, raw + 16, 12);
    CHECK_EQ_INT(t, s.lifetime, 0);
    CHECK_STR(t, s.session_params, "UNENCRYPTED_SRTCP");
    struct rg_srtp_key key;
    uint64_t life = 0;
    const char *key30 = "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";
    char kp[128];
    snprintf(kp, sizeof(kp), "%s|1048576", key30);
    CHECK_OK(t, rg_srtp_sdes_parse_key_params(RG_SRTP_AES128_CM_SHA1_32, rg_str_from_cstr(kp), &key, &life));
    CHECK_EQ_INT(t, life, 1048576);
    static const struct { const char *suffix; int rc; } bad[] = {
        { "|2^49", RG_ELIMIT },         /* over 2^48 */
        { "|1:5", RG_ELIMIT },          /* MKI longer than we support */
        { "|256:1", RG_EBADMSG },       /* MKI value does not fit */
        { "|1:4|2^20", RG_EBADMSG },    /* lifetime must come first */
        { "|2^20|1:4|x", RG_EBADMSG },  /* a fourth field */
        { "|0", RG_EBADMSG },
        { ";inline:AAAA|1:1", RG_EUNSUPP }, /* several keys */
        { "|", RG_EBADMSG },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(kp, sizeof(kp), "%s%s", key30, bad[i].suffix);
        int rc = rg_srtp_sdes_parse_key_params(RG_SRTP_AES128_CM_SHA1_80, rg_str_from_cstr(kp), &key, &life);
        if (rc != bad[i].rc)
            fprintf(stderr, "    case %zu: %s gave %d\n", i, kp, rc);
        CHECK_EQ_INT(t, rc, bad[i].rc);
    }
    /* Key of the wrong length for the suite, bad base64, unknown method. */
    CHECK_EQ_INT(t, rg_srtp_sdes_parse_key_params(RG_SRTP_AEAD_AES_256_GCM, rg_str_from_cstr(key30), &key, &life), RG_EINVAL);
    CHECK_EQ_INT(t, rg_srtp_sdes_parse_key_params(RG_SRTP_AES128_CM_SHA1_80, RG_STR_LIT("inline:PS1u*CVe"), &key, &life), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_srtp_sdes_parse_key_params(RG_SRTP_AES128_CM_SHA1_80, RG_STR_LIT("uri:http://x"), &key, &life), RG_EUNSUPP);
    CHECK_EQ_INT(t, rg_srtp_sdes_parse_crypto(RG_STR_LIT("1 F8_128_HMAC_SHA1_80 inline:AAAA"), &s), RG_EUNSUPP);
    CHECK_EQ_INT(t, rg_srtp_sdes_parse_crypto(RG_STR_LIT("1234567890 AES_CM_128_HMAC_SHA1_80 inline:AAAA"), &s), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_srtp_sdes_parse_crypto(RG_STR_LIT("1 AES_CM_128_HMAC_SHA1_80"), &s), RG_EBADMSG);
    char *big = rg_malloc(RG_SDES_MAX_VALUE + 2);
    REQUIRE(t, big != NULL);
    snprintf(big, RG_SDES_MAX_VALUE + 2, "1 AES_CM_128_HMAC_SHA1_80 %s ", key30);
    memset(big + strlen(big), 'X', RG_SDES_MAX_VALUE + 1 - strlen(big));
    big[RG_SDES_MAX_VALUE + 1] = '\0';
    CHECK_EQ_INT(t, rg_srtp_sdes_parse_crypto(rg_str_from_cstr(big), &s), RG_ELIMIT);
    big[RG_SDES_MAX_VALUE] = '\0';
    CHECK_OK(t, rg_srtp_sdes_parse_crypto(rg_str_from_cstr(big), &s));
    rg_free(big);
    /* Base64 of the key-salt (core/base64, tested in test_base64): a key
     * whose '=' padding a peer dropped is still read. */
    struct rg_srtp_key k1, k2;
    CHECK_OK(t, rg_srtp_sdes_parse_key_params(
                    RG_SRTP_AEAD_AES_256_GCM,
                    RG_STR_LIT("inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis="),
                    &k1, &life));
    CHECK_OK(t, rg_srtp_sdes_parse_key_params(
                    RG_SRTP_AEAD_AES_256_GCM,
                    RG_STR_LIT("inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis"),
                    &k2, &life));
    CHECK_EQ_INT(t, k1.key_len, 32);
    CHECK_EQ_INT(t, k1.key[31], 31);
    CHECK_EQ_INT(t, k1.salt[11], 43);
    CHECK_MEM(t, k1.key, k1.key_len, k2.key, k2.key_len);
    CHECK_EQ_INT(t, rg_srtp_sdes_parse_key_params(
                        RG_SRTP_AEAD_AES_256_GCM,
                        RG_STR_LIT("inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKiv="),
                        &k2, &life),
                 RG_EBADMSG); /* non-canonical trailing bits */
}

static int format_work(void *arg)
{
    const struct rg_srtp_sdes *s = arg;
    struct rg_buf b;
    rg_buf_init(&b, 1024);
    int rc = RG_OK;
    for (int i = 0; i < 6 && rc == RG_OK; i++)
        rc = rg_srtp_sdes_format_crypto(s, &b);
    rg_buf_deinit(&b);
    return rc;
}

static void sdes_format_oom_and_limit(struct rg_t *t)
{
    struct rg_srtp_sdes s;
    memset(&s, 0, sizeof(s));
    s.tag = 2;
    s.key = test_key(RG_SRTP_AEAD_AES_256_GCM, 77);
    s.lifetime = 1000;
    rg_t_oom_step(t, format_work, &s, 50);
    struct rg_buf b;
    rg_buf_init(&b, 20);
    CHECK_EQ_INT(t, rg_srtp_sdes_format_crypto(&s, &b), RG_ELIMIT);
    CHECK_EQ_INT(t, b.len, 0);
    rg_buf_deinit(&b);
    /* Formatting then parsing gives the same key back. */
    rg_buf_init(&b, 200);
    REQUIRE(t, rg_srtp_sdes_format_crypto(&s, &b) == RG_OK);
    struct rg_srtp_sdes back;
    REQUIRE(t, rg_srtp_sdes_parse_crypto(rg_buf_str(&b), &back) == RG_OK);
    CHECK_MEM(t, back.key.key, back.key.key_len, s.key.key, 32);
    CHECK_EQ_INT(t, back.lifetime, 1000);
    rg_buf_deinit(&b);
}

static const struct rg_test_case cases[] = {
    { "rfc3711_b2_keystream", rfc3711_b2_keystream },
    { "rfc3711_b3_kdf", rfc3711_b3_kdf },
    { "known_answer_all_profiles", known_answer_all_profiles },
    { "known_answer_srtcp", known_answer_srtcp },
    { "roundtrip_all_profiles", roundtrip_all_profiles },
    { "forged_packets_dropped_and_counted", forged_packets_dropped_and_counted },
    { "replay_dropped_and_counted", replay_dropped_and_counted },
    { "resync_after_sequence_reset", resync_after_sequence_reset },
    { "bad_arguments", bad_arguments },
    { "sdes_rfc4568_example", sdes_rfc4568_example },
    { "sdes_variants_and_errors", sdes_variants_and_errors },
    { "sdes_format_oom_and_limit", sdes_format_oom_and_limit },
};

RG_TEST_MAIN(cases)
