/* Unit tests for src/proto/stun: RFC 5769 vectors, parser rules, builder. */
#include "harness.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/rng.h"
#include "proto/stun/stun.h"

static const char *const PWD = "VOkJxbRl1RmTxUk/WvJxBt";

/* Reads tests/vectors/rfc5769/<name>.hex into out; returns its length or 0. */
static size_t load_hex(const char *name, uint8_t *out, size_t max)
{
    char path[256];
    snprintf(path, sizeof(path), "tests/vectors/rfc5769/%s.hex", name);
    size_t tlen = 0, n = 0;
    char *text = rg_t_read_file(path, &tlen);
    if (!text)
        return 0;
    for (size_t i = 0; i + 1 < tlen && n < max;) {
        int hi = rg_hex_val(text[i]), lo = rg_hex_val(text[i + 1]);
        if (hi < 0 || lo < 0) {
            i++;
            continue;
        }
        out[n++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    rg_free(text);
    return n;
}

static const uint8_t TXID[12] = { 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                  0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae };

static void check_mutations(struct rg_t *t, const uint8_t *v, size_t len, struct rg_stun_key *k)
{
    /* Flipping any single bit must be noticed: the parse fails, or a check
     * that passed on the original (fingerprint, integrity) no longer does. */
    uint8_t copy[256];
    REQUIRE(t, len <= sizeof(copy));
    struct rg_stun_msg orig;
    REQUIRE(t, rg_stun_parse(v, len, &orig) == RG_OK);
    bool want_fp = rg_stun_check_fingerprint(&orig) == RG_OK;
    bool want_mi = k && rg_stun_check_integrity(&orig, k) == RG_OK;
    REQUIRE(t, want_fp || want_mi);
    int undetected = 0;
    for (size_t i = 0; i < len * 8; i++) {
        memcpy(copy, v, len);
        copy[i / 8] ^= (uint8_t)(1u << (i % 8));
        struct rg_stun_msg m;
        if (rg_stun_parse(copy, len, &m) < 0)
            continue;
        bool fp_ok = !want_fp || rg_stun_check_fingerprint(&m) == RG_OK;
        bool mi_ok = !want_mi || rg_stun_check_integrity(&m, k) == RG_OK;
        if (fp_ok && mi_ok) {
            undetected++;
            fprintf(stderr, "    undetected flip of bit %zu\n", i);
        }
    }
    CHECK_EQ_INT(t, undetected, 0);
}

static void v21_request(struct rg_t *t)
{
    uint8_t v[256];
    size_t len = load_hex("2.1-sample-request", v, sizeof(v));
    REQUIRE(t, len == 108);
    struct rg_stun_msg m;
    REQUIRE(t, rg_stun_parse(v, len, &m) == RG_OK);
    CHECK_EQ_INT(t, m.method, RG_STUN_BINDING);
    CHECK_EQ_INT(t, m.cls, RG_STUN_REQUEST);
    CHECK_MEM(t, m.txid, 12, TXID, 12);
    struct rg_str s;
    CHECK_OK(t, rg_stun_get_username(&m, &s));
    CHECK_STR(t, s, "evtj:h6vY");
    CHECK_OK(t, rg_stun_get_str(&m, RG_STUN_A_SOFTWARE, &s));
    CHECK_STR(t, s, "STUN test client");
    uint32_t prio = 0;
    CHECK_OK(t, rg_stun_get_u32(&m, RG_STUN_A_PRIORITY, &prio));
    CHECK_EQ_INT(t, prio, 0x6e0001ff);
    uint64_t tb = 0;
    CHECK_OK(t, rg_stun_get_u64(&m, RG_STUN_A_ICE_CONTROLLED, &tb));
    CHECK(t, tb == 0x932ff9b151263b36ull);
    CHECK_EQ_INT(t, rg_stun_get_u64(&m, RG_STUN_A_ICE_CONTROLLING, &tb), RG_ENOTFOUND);
    CHECK(t, !rg_stun_has(&m, RG_STUN_A_USE_CANDIDATE));
    struct rg_stun_key k, bad;
    REQUIRE(t, rg_stun_key_init(&k, PWD, strlen(PWD)) == RG_OK);
    REQUIRE(t, rg_stun_key_init(&bad, "VOkJxbRl1RmTxUk/WvJxBu", 22) == RG_OK);
    CHECK_EQ_INT(t, rg_stun_check_integrity(&m, &k), RG_OK);
    CHECK_EQ_INT(t, rg_stun_check_integrity(&m, &k), RG_OK); /* key reusable */
    CHECK_EQ_INT(t, rg_stun_check_integrity(&m, &bad), RG_EAUTH);
    CHECK_EQ_INT(t, rg_stun_check_integrity_sha256(&m, &k), RG_ENOTFOUND);
    CHECK_EQ_INT(t, rg_stun_check_fingerprint(&m), RG_OK);
    uint16_t unk[4];
    CHECK_EQ_INT(t, rg_stun_unknown_required(&m, rg_stun_known_ice, rg_stun_known_ice_count,
                                             unk, 4), 0);
    check_mutations(t, v, len, &k);

    /* Re-encode: same attributes, same txid, USERNAME padded with 0x20 as
     * in the RFC, gives the same bytes. */
    uint8_t out[256];
    struct rg_stun_builder b;
    rg_stun_build_init(&b, out, sizeof(out), RG_STUN_BINDING, RG_STUN_REQUEST, TXID);
    rg_stun_add_str(&b, RG_STUN_A_SOFTWARE, RG_STR_LIT("STUN test client"));
    rg_stun_add_u32(&b, RG_STUN_A_PRIORITY, 0x6e0001ff);
    rg_stun_add_u64(&b, RG_STUN_A_ICE_CONTROLLED, 0x932ff9b151263b36ull);
    rg_stun_add_padded(&b, RG_STUN_A_USERNAME, "evtj:h6vY", 9, 0x20);
    rg_stun_add_integrity(&b, &k);
    rg_stun_add_fingerprint(&b);
    int n = rg_stun_build_finish(&b);
    CHECK_MEM(t, out, (size_t)(n > 0 ? n : 0), v, len);
    rg_stun_key_deinit(&k);
    rg_stun_key_deinit(&bad);
}

static void response_vector(struct rg_t *t, const char *name, size_t want_len, const char *ip)
{
    uint8_t v[256];
    size_t len = load_hex(name, v, sizeof(v));
    REQUIRE(t, len == want_len);
    struct rg_stun_msg m;
    REQUIRE(t, rg_stun_parse(v, len, &m) == RG_OK);
    CHECK_EQ_INT(t, m.method, RG_STUN_BINDING);
    CHECK_EQ_INT(t, m.cls, RG_STUN_SUCCESS);
    struct rg_str s;
    CHECK_OK(t, rg_stun_get_str(&m, RG_STUN_A_SOFTWARE, &s));
    CHECK_STR(t, s, "test vector");
    struct rg_addr a, want;
    REQUIRE(t, rg_addr_parse_ip(rg_str_from_cstr(ip), &want) == RG_OK);
    want.port = 32853;
    CHECK_OK(t, rg_stun_get_xor_addr(&m, RG_STUN_A_XOR_MAPPED_ADDRESS, &a));
    CHECK(t, rg_addr_eq(&a, &want));
    struct rg_stun_key k;
    REQUIRE(t, rg_stun_key_init(&k, PWD, strlen(PWD)) == RG_OK);
    CHECK_EQ_INT(t, rg_stun_check_integrity(&m, &k), RG_OK);
    CHECK_EQ_INT(t, rg_stun_check_fingerprint(&m), RG_OK);
    check_mutations(t, v, len, &k);

    /* Re-encode (SOFTWARE padded with 0x20 as in the RFC). */
    uint8_t out[256];
    struct rg_stun_builder b;
    rg_stun_build_response(&b, out, sizeof(out), &m, RG_STUN_SUCCESS);
    rg_stun_add_padded(&b, RG_STUN_A_SOFTWARE, "test vector", 11, 0x20);
    rg_stun_add_xor_addr(&b, RG_STUN_A_XOR_MAPPED_ADDRESS, &want);
    rg_stun_add_integrity(&b, &k);
    rg_stun_add_fingerprint(&b);
    int n = rg_stun_build_finish(&b);
    CHECK_MEM(t, out, (size_t)(n > 0 ? n : 0), v, len);
    rg_stun_key_deinit(&k);
}

static void v22_ipv4_response(struct rg_t *t)
{
    response_vector(t, "2.2-ipv4-response", 80, "192.0.2.1");
}

static void v23_ipv6_response(struct rg_t *t)
{
    response_vector(t, "2.3-ipv6-response", 92, "2001:db8:1234:5678:11:2233:4455:6677");
}

static void v24_long_term(struct rg_t *t)
{
    uint8_t v[256];
    size_t len = load_hex("2.4-long-term-request", v, sizeof(v));
    REQUIRE(t, len == 116);
    struct rg_stun_msg m;
    REQUIRE(t, rg_stun_parse(v, len, &m) == RG_OK);
    CHECK_EQ_INT(t, m.cls, RG_STUN_REQUEST);
    static const char user[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf"
                               "\xe3\x82\xb9"; /* マトリックス */
    struct rg_str u, realm, nonce;
    CHECK_OK(t, rg_stun_get_username(&m, &u));
    CHECK_STR(t, u, user);
    CHECK_OK(t, rg_stun_get_str(&m, RG_STUN_A_REALM, &realm));
    CHECK_STR(t, realm, "example.org");
    CHECK_OK(t, rg_stun_get_str(&m, RG_STUN_A_NONCE, &nonce));
    CHECK_STR(t, nonce, "f//499k954d6OL34oL9FSTvy64sA");
    CHECK_EQ_INT(t, rg_stun_check_fingerprint(&m), RG_ENOTFOUND);
    /* The password "The\u00adM\u00aatrIX" after SASLprep (RFC 4013:
     * soft hyphen mapped to nothing, NFKC maps U+00AA to 'a'). */
    uint8_t key[16];
    REQUIRE(t, rg_stun_long_term_key(u, realm, RG_STR_LIT("TheMatrIX"), key) == RG_OK);
    struct rg_stun_key k;
    REQUIRE(t, rg_stun_key_init(&k, key, sizeof(key)) == RG_OK);
    CHECK_EQ_INT(t, rg_stun_check_integrity(&m, &k), RG_OK);
    check_mutations(t, v, len, &k);

    uint8_t out[256];
    struct rg_stun_builder b;
    rg_stun_build_init(&b, out, sizeof(out), RG_STUN_BINDING, RG_STUN_REQUEST, m.txid);
    rg_stun_add_str(&b, RG_STUN_A_USERNAME, u);
    rg_stun_add_str(&b, RG_STUN_A_NONCE, nonce);
    rg_stun_add_str(&b, RG_STUN_A_REALM, realm);
    rg_stun_add_integrity(&b, &k);
    int n = rg_stun_build_finish(&b);
    CHECK_MEM(t, out, (size_t)(n > 0 ? n : 0), v, len);
    rg_stun_key_deinit(&k);

    /* The SHA-256 key (RFC 8489 §9.2.2) is SHA-256 of the same string. */
    uint8_t k256[32], want256[32];
    unsigned wl = 0;
    REQUIRE(t, rg_stun_long_term_key_sha256(u, realm, RG_STR_LIT("TheMatrIX"), k256) == RG_OK);
    char joined[64];
    int jl = snprintf(joined, sizeof(joined), "%s:example.org:TheMatrIX", user);
    REQUIRE(t, EVP_Digest(joined, (size_t)jl, want256, &wl, EVP_sha256(), NULL) == 1);
    CHECK_MEM(t, k256, 32, want256, 32);
    /* A wrong password gives a different key and fails. */
    REQUIRE(t, rg_stun_long_term_key(u, realm, RG_STR_LIT("TheMatrix"), key) == RG_OK);
    REQUIRE(t, rg_stun_key_init(&k, key, sizeof(key)) == RG_OK);
    CHECK_EQ_INT(t, rg_stun_check_integrity(&m, &k), RG_EAUTH);
    rg_stun_key_deinit(&k);
}

/* A typical ICE check: USERNAME, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE,
 * MESSAGE-INTEGRITY, FINGERPRINT. */
static int build_check(uint8_t *out, size_t cap, struct rg_stun_key *k, const uint8_t *txid)
{
    struct rg_stun_builder b;
    rg_stun_build_init(&b, out, cap, RG_STUN_BINDING, RG_STUN_REQUEST, txid);
    rg_stun_add_str(&b, RG_STUN_A_USERNAME, RG_STR_LIT("remoteufrag:localufrag"));
    rg_stun_add_u32(&b, RG_STUN_A_PRIORITY, 1853824767u);
    rg_stun_add_u64(&b, RG_STUN_A_ICE_CONTROLLING, 0x0102030405060708ull);
    rg_stun_add_flag(&b, RG_STUN_A_USE_CANDIDATE);
    rg_stun_add_integrity(&b, k);
    rg_stun_add_fingerprint(&b);
    return rg_stun_build_finish(&b);
}

static void ice_check_round_trip(struct rg_t *t)
{
    struct rg_rng rng;
    struct rg_rng_seeded st;
    rg_rng_seeded_init(&st, 7, &rng);
    uint8_t txid[12], txid2[12];
    rg_stun_txid_new(&rng, txid);
    rg_stun_txid_new(&rng, txid2);
    CHECK(t, memcmp(txid, txid2, 12) != 0);
    struct rg_stun_key k;
    REQUIRE(t, rg_stun_key_init(&k, "pwd-of-the-peer-0123", 20) == RG_OK);
    uint8_t buf[200];
    int n = build_check(buf, sizeof(buf), &k, txid);
    REQUIRE(t, n > 0);
    CHECK_EQ_INT(t, n, 20 + 28 + 8 + 12 + 4 + 24 + 8);
    CHECK(t, rg_stun_is_message(buf, (size_t)n));
    struct rg_stun_msg m;
    REQUIRE(t, rg_stun_parse(buf, (size_t)n, &m) == RG_OK);
    CHECK_MEM(t, m.txid, 12, txid, 12);
    CHECK(t, rg_stun_has(&m, RG_STUN_A_USE_CANDIDATE));
    uint64_t tb = 0;
    CHECK_OK(t, rg_stun_get_u64(&m, RG_STUN_A_ICE_CONTROLLING, &tb));
    CHECK(t, tb == 0x0102030405060708ull);
    CHECK_EQ_INT(t, rg_stun_check_integrity(&m, &k), RG_OK);
    CHECK_EQ_INT(t, rg_stun_check_fingerprint(&m), RG_OK);
    /* Every smaller buffer fails with RG_ELIMIT and writes nothing past it. */
    for (size_t cap = 0; cap < (size_t)n; cap++) {
        uint8_t small[200];
        memset(small, 0xAA, sizeof(small));
        int rc = build_check(small, cap, &k, txid);
        CHECK_EQ_INT(t, rc, RG_ELIMIT);
        for (size_t i = cap; i < sizeof(small); i++)
            CHECK(t, small[i] == 0xAA);
    }
    rg_stun_key_deinit(&k);
}

static void sha256_integrity(struct rg_t *t)
{
    struct rg_stun_key k;
    REQUIRE(t, rg_stun_key_init(&k, "secret", 6) == RG_OK);
    uint8_t buf[256];
    struct rg_stun_builder b;
    rg_stun_build_init(&b, buf, sizeof(buf), RG_STUN_BINDING, RG_STUN_REQUEST, TXID);
    rg_stun_add_str(&b, RG_STUN_A_USERNAME, RG_STR_LIT("a:b"));
    rg_stun_add_integrity(&b, &k);
    rg_stun_add_integrity_sha256(&b, &k);
    rg_stun_add_fingerprint(&b);
    int n = rg_stun_build_finish(&b);
    REQUIRE(t, n > 0);
    struct rg_stun_msg m;
    REQUIRE(t, rg_stun_parse(buf, (size_t)n, &m) == RG_OK);
    CHECK_EQ_INT(t, rg_stun_check_integrity(&m, &k), RG_OK);
    CHECK_EQ_INT(t, rg_stun_check_integrity_sha256(&m, &k), RG_OK);
    CHECK_EQ_INT(t, rg_stun_check_fingerprint(&m), RG_OK);
    /* §14.6 truncation: a sender may send 16..32 bytes; the length field
     * it hashes counts the truncated attribute.  Build one by hand. */
    size_t mi256 = m.mi256_off;
    size_t newlen = mi256 + 4 + 16;
    buf[mi256 + 3] = 16;
    buf[2] = (uint8_t)((newlen - 20) >> 8);
    buf[3] = (uint8_t)(newlen - 20);
    uint8_t full[32];
    unsigned flen = 0;
    REQUIRE(t, HMAC(EVP_sha256(), "secret", 6, buf, mi256, full, &flen) != NULL);
    memcpy(buf + mi256 + 4, full, 16);
    REQUIRE(t, rg_stun_parse(buf, newlen, &m) == RG_OK);
    CHECK_EQ_INT(t, rg_stun_check_integrity_sha256(&m, &k), RG_OK);
    buf[mi256 + 4] ^= 1;
    CHECK_EQ_INT(t, rg_stun_check_integrity_sha256(&m, &k), RG_EAUTH);
    rg_stun_key_deinit(&k);
}

/* A key longer than the 64-byte HMAC block is hashed first (RFC 2104):
 * compare with OpenSSL's one-shot HMAC over the same bytes. */
static void long_key_matches_openssl(struct rg_t *t)
{
    uint8_t longkey[100];
    for (size_t i = 0; i < sizeof(longkey); i++)
        longkey[i] = (uint8_t)(i * 7 + 1);
    struct rg_stun_key k;
    REQUIRE(t, rg_stun_key_init(&k, longkey, sizeof(longkey)) == RG_OK);
    uint8_t buf[128];
    struct rg_stun_builder b;
    rg_stun_build_init(&b, buf, sizeof(buf), RG_STUN_BINDING, RG_STUN_SUCCESS, TXID);
    rg_stun_add_str(&b, RG_STUN_A_SOFTWARE, RG_STR_LIT("rtcgate"));
    rg_stun_add_integrity(&b, &k);
    rg_stun_add_integrity_sha256(&b, &k);
    int n = rg_stun_build_finish(&b);
    REQUIRE(t, n == 20 + 12 + 24 + 36);
    /* MI at offset 32: HMAC-SHA1 over the header (length 36) and the
     * SOFTWARE attribute, i.e. exactly buf[0..32) as first written. */
    uint8_t copy[128], mac[32];
    unsigned ml = 0;
    memcpy(copy, buf, 32);
    copy[3] = 12 + 24;
    REQUIRE(t, HMAC(EVP_sha1(), longkey, sizeof(longkey), copy, 32, mac, &ml) != NULL);
    CHECK_MEM(t, buf + 36, 20, mac, 20);
    /* MI-SHA256 at 56 covers the MI too, with length 72. */
    memcpy(copy, buf, 56);
    copy[3] = 72;
    REQUIRE(t, HMAC(EVP_sha256(), longkey, sizeof(longkey), copy, 56, mac, &ml) != NULL);
    CHECK_MEM(t, buf + 60, 32, mac, 32);
    struct rg_stun_msg m;
    REQUIRE(t, rg_stun_parse(buf, (size_t)n, &m) == RG_OK);
    CHECK_EQ_INT(t, rg_stun_check_integrity(&m, &k), RG_OK);
    CHECK_EQ_INT(t, rg_stun_check_integrity_sha256(&m, &k), RG_OK);
    rg_stun_key_deinit(&k);
    CHECK_EQ_INT(t, rg_stun_key_init(&k, longkey, 257), RG_EINVAL);
    CHECK_EQ_INT(t, rg_stun_key_init(&k, longkey, 0), RG_EINVAL);
}

/* Appends a raw attribute to a hand-built message and fixes the length. */
static size_t raw_attr(uint8_t *buf, size_t len, uint16_t type, const void *v, uint16_t vlen)
{
    buf[len] = (uint8_t)(type >> 8);
    buf[len + 1] = (uint8_t)type;
    buf[len + 2] = (uint8_t)(vlen >> 8);
    buf[len + 3] = (uint8_t)vlen;
    memcpy(buf + len + 4, v, vlen);
    size_t padded = (vlen + 3u) & ~3u;
    memset(buf + len + 4 + vlen, 0, padded - vlen);
    len += 4 + padded;
    buf[2] = (uint8_t)((len - 20) >> 8);
    buf[3] = (uint8_t)(len - 20);
    return len;
}

static size_t raw_header(uint8_t *buf)
{
    static const uint8_t hdr[8] = { 0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42 };
    memcpy(buf, hdr, 8);
    memcpy(buf + 8, TXID, 12);
    return 20;
}

static void parser_rules(struct rg_t *t)
{
    uint8_t buf[2048];
    struct rg_stun_msg m;
    size_t len = raw_header(buf);
    CHECK_EQ_INT(t, rg_stun_parse(buf, len, &m), RG_OK);
    CHECK_EQ_INT(t, m.n_attrs, 0);
    /* Header rules. */
    buf[0] = 0x40;
    CHECK_EQ_INT(t, rg_stun_parse(buf, len, &m), RG_EBADMSG);
    buf[0] = 0;
    buf[4] = 0x22;
    CHECK_EQ_INT(t, rg_stun_parse(buf, len, &m), RG_EBADMSG); /* cookie */
    buf[4] = 0x21;
    CHECK_EQ_INT(t, rg_stun_parse(buf, 19, &m), RG_EBADMSG);
    len = raw_attr(buf, len, RG_STUN_A_USERNAME, "abc", 3);
    CHECK_EQ_INT(t, rg_stun_parse(buf, len, &m), RG_OK);
    for (size_t cut = 0; cut < len; cut++)
        CHECK_EQ_INT(t, rg_stun_parse(buf, cut, &m), RG_EBADMSG);
    /* Attribute length running past the end. */
    buf[23] = 9;
    CHECK_EQ_INT(t, rg_stun_parse(buf, len, &m), RG_EBADMSG);
    buf[23] = 3;
    /* After MESSAGE-INTEGRITY only MI-SHA256 and FINGERPRINT count. */
    uint8_t mac[32] = { 0 };
    len = raw_attr(buf, len, RG_STUN_A_MESSAGE_INTEGRITY, mac, 20);
    len = raw_attr(buf, len, RG_STUN_A_PRIORITY, "\0\0\0\1", 4);
    CHECK_EQ_INT(t, rg_stun_parse(buf, len, &m), RG_OK);
    CHECK(t, !rg_stun_has(&m, RG_STUN_A_PRIORITY));
    len = raw_attr(buf, len, RG_STUN_A_FINGERPRINT, mac, 4);
    CHECK_EQ_INT(t, rg_stun_parse(buf, len, &m), RG_OK);
    CHECK_EQ_INT(t, rg_stun_check_fingerprint(&m), RG_EAUTH);
    /* Nothing may follow FINGERPRINT. */
    size_t l2 = raw_attr(buf, len, RG_STUN_A_SOFTWARE, "x", 1);
    CHECK_EQ_INT(t, rg_stun_parse(buf, l2, &m), RG_EBADMSG);
    /* Integrity attributes with wrong lengths. */
    len = raw_attr(buf, raw_header(buf), RG_STUN_A_MESSAGE_INTEGRITY, mac, 16);
    CHECK_EQ_INT(t, rg_stun_parse(buf, len, &m), RG_EBADMSG);
    len = raw_attr(buf, raw_header(buf), RG_STUN_A_MESSAGE_INTEGRITY_SHA256, mac, 12);
    CHECK_EQ_INT(t, rg_stun_parse(buf, len, &m), RG_EBADMSG);
    len = raw_attr(buf, raw_header(buf), RG_STUN_A_FINGERPRINT, mac, 8);
    CHECK_EQ_INT(t, rg_stun_parse(buf, len, &m), RG_EBADMSG);
    /* The index is bounded. */
    len = raw_header(buf);
    for (int i = 0; i < RG_STUN_MAX_ATTRS; i++)
        len = raw_attr(buf, len, RG_STUN_A_SOFTWARE, "s", 1);
    CHECK_EQ_INT(t, rg_stun_parse(buf, len, &m), RG_OK);
    len = raw_attr(buf, len, RG_STUN_A_SOFTWARE, "s", 1);
    CHECK_EQ_INT(t, rg_stun_parse(buf, len, &m), RG_ELIMIT);
}

static void getters_reject_bad_values(struct rg_t *t)
{
    uint8_t buf[256];
    struct rg_stun_msg m;
    size_t len = raw_header(buf);
    len = raw_attr(buf, len, RG_STUN_A_PRIORITY, "\0\0\0\1\0", 5);
    len = raw_attr(buf, len, RG_STUN_A_ICE_CONTROLLING, "1234", 4);
    len = raw_attr(buf, len, RG_STUN_A_XOR_MAPPED_ADDRESS, "\0\x03\0\0\0\0\0\0", 8);
    len = raw_attr(buf, len, RG_STUN_A_ERROR_CODE, "\0\0\x02\x05", 4);
    len = raw_attr(buf, len, RG_STUN_A_UNKNOWN_ATTRIBUTES, "\0\x01\0", 3);
    REQUIRE(t, rg_stun_parse(buf, len, &m) == RG_OK);
    uint32_t u32 = 77;
    uint64_t u64 = 77;
    struct rg_addr a = { 0 };
    int code = 77;
    struct rg_str r = RG_STR_NULL;
    uint16_t list[4];
    size_t n = 0;
    CHECK_EQ_INT(t, rg_stun_get_u32(&m, RG_STUN_A_PRIORITY, &u32), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_stun_get_u64(&m, RG_STUN_A_ICE_CONTROLLING, &u64), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_stun_get_xor_addr(&m, RG_STUN_A_XOR_MAPPED_ADDRESS, &a), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_stun_get_error(&m, &code, &r), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_stun_get_unknown(&m, list, 4, &n), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_stun_get_username(&m, &r), RG_ENOTFOUND);
    /* Outputs untouched on failure. */
    CHECK_EQ_INT(t, u32, 77);
    CHECK(t, u64 == 77);
    CHECK_EQ_INT(t, code, 77);
    CHECK_EQ_INT(t, a.family, 0);
}

static void unknown_attributes_420(struct rg_t *t)
{
    uint8_t req[256];
    size_t len = raw_header(req);
    len = raw_attr(req, len, 0x7F01, "zz", 2);         /* unknown, required */
    len = raw_attr(req, len, 0xC057, "\0\1\0\0", 4);   /* unknown, optional */
    len = raw_attr(req, len, 0x0003, "\0\0\0\0", 4);   /* CHANGE-REQUEST: required */
    len = raw_attr(req, len, 0x7F01, "zz", 2);         /* repeated */
    len = raw_attr(req, len, RG_STUN_A_PRIORITY, "\0\0\0\1", 4);
    struct rg_stun_msg m;
    REQUIRE(t, rg_stun_parse(req, len, &m) == RG_OK);
    uint16_t unk[8];
    size_t n = rg_stun_unknown_required(&m, rg_stun_known_ice, rg_stun_known_ice_count, unk, 8);
    REQUIRE(t, n == 2);
    CHECK_EQ_INT(t, unk[0], 0x7F01);
    CHECK_EQ_INT(t, unk[1], 0x0003);
    CHECK_EQ_INT(t, rg_stun_unknown_required(&m, rg_stun_known_ice, rg_stun_known_ice_count,
                                             unk, 1), 2);

    uint8_t out[256];
    struct rg_stun_builder b;
    rg_stun_build_response(&b, out, sizeof(out), &m, RG_STUN_ERROR);
    rg_stun_add_error(&b, RG_STUN_E_UNKNOWN_ATTRIBUTE, RG_STR_LIT("Unknown Attribute"));
    rg_stun_add_unknown(&b, unk, n);
    rg_stun_add_fingerprint(&b);
    int olen = rg_stun_build_finish(&b);
    REQUIRE(t, olen > 0);
    struct rg_stun_msg r;
    REQUIRE(t, rg_stun_parse(out, (size_t)olen, &r) == RG_OK);
    CHECK_EQ_INT(t, r.cls, RG_STUN_ERROR);
    CHECK_EQ_INT(t, r.method, RG_STUN_BINDING);
    CHECK_MEM(t, r.txid, 12, TXID, 12);
    int code = 0;
    struct rg_str reason;
    CHECK_OK(t, rg_stun_get_error(&r, &code, &reason));
    CHECK_EQ_INT(t, code, 420);
    CHECK_STR(t, reason, "Unknown Attribute");
    uint16_t got[8];
    size_t gn = 0;
    CHECK_OK(t, rg_stun_get_unknown(&r, got, 8, &gn));
    CHECK_EQ_INT(t, gn, 2);
    CHECK_MEM(t, got, gn * 2, unk, n * 2);
    CHECK_EQ_INT(t, rg_stun_check_fingerprint(&r), RG_OK);
    /* The one-call form gives the same bytes; a request with nothing
     * unknown gives 0 and leaves the buffer alone. */
    uint8_t out2[256];
    CHECK_EQ_INT(t, rg_stun_build_420(&m, rg_stun_known_ice, rg_stun_known_ice_count, NULL, true,
                                      out2, sizeof(out2)), olen);
    CHECK_MEM(t, out2, (size_t)olen, out, (size_t)olen);
    struct rg_stun_msg plain;
    uint8_t bare[64];
    size_t blen = raw_attr(bare, raw_header(bare), RG_STUN_A_PRIORITY, "\0\0\0\1", 4);
    REQUIRE(t, rg_stun_parse(bare, blen, &plain) == RG_OK);
    memset(out2, 0xAA, 4);
    CHECK_EQ_INT(t, rg_stun_build_420(&plain, rg_stun_known_ice, rg_stun_known_ice_count, NULL,
                                      true, out2, sizeof(out2)), 0);
    CHECK(t, out2[0] == 0xAA);
    CHECK_EQ_INT(t, rg_stun_build_420(&m, rg_stun_known_ice, rg_stun_known_ice_count, NULL, true,
                                      out2, 40), RG_ELIMIT);
    /* The error code's bounds. */
    rg_stun_build_response(&b, out, sizeof(out), &m, RG_STUN_ERROR);
    rg_stun_add_error(&b, 700, RG_STR_LIT("x"));
    CHECK_EQ_INT(t, rg_stun_build_finish(&b), RG_EINVAL);
}

static void builder_order_rules(struct rg_t *t)
{
    struct rg_stun_key k;
    REQUIRE(t, rg_stun_key_init(&k, "k", 1) == RG_OK);
    uint8_t out[256];
    struct rg_stun_builder b;
    rg_stun_build_init(&b, out, sizeof(out), RG_STUN_BINDING, RG_STUN_REQUEST, TXID);
    rg_stun_add_fingerprint(&b);
    rg_stun_add_u32(&b, RG_STUN_A_PRIORITY, 1);
    CHECK_EQ_INT(t, rg_stun_build_finish(&b), RG_ESTATE);
    rg_stun_build_init(&b, out, sizeof(out), RG_STUN_BINDING, RG_STUN_REQUEST, TXID);
    rg_stun_add_integrity(&b, &k);
    rg_stun_add_integrity(&b, &k);
    CHECK_EQ_INT(t, rg_stun_build_finish(&b), RG_ESTATE);
    rg_stun_build_init(&b, out, sizeof(out), RG_STUN_BINDING, RG_STUN_REQUEST, TXID);
    rg_stun_add_integrity_sha256(&b, &k);
    rg_stun_add_integrity(&b, &k);
    CHECK_EQ_INT(t, rg_stun_build_finish(&b), RG_ESTATE);
    rg_stun_build_init(&b, out, sizeof(out), 0x1000, RG_STUN_REQUEST, TXID);
    CHECK_EQ_INT(t, rg_stun_build_finish(&b), RG_EINVAL);
    /* Every method and class survives the type interleaving. */
    for (unsigned method = 0; method <= 0xFFF; method += 0x55) {
        for (unsigned cls = 0; cls < 4; cls++) {
            rg_stun_build_init(&b, out, sizeof(out), (uint16_t)method, (enum rg_stun_class)cls,
                               TXID);
            int n = rg_stun_build_finish(&b);
            struct rg_stun_msg m;
            REQUIRE(t, n == 20 && rg_stun_parse(out, 20, &m) == RG_OK);
            CHECK_EQ_INT(t, m.method, method);
            CHECK_EQ_INT(t, m.cls, cls);
        }
    }
    /* Binding success response type is 0x0101, error 0x0111 (RFC 8489 §6). */
    rg_stun_build_init(&b, out, sizeof(out), RG_STUN_BINDING, RG_STUN_ERROR, TXID);
    CHECK(t, out[0] == 0x01 && out[1] == 0x11);
    rg_stun_key_deinit(&k);
}

static void addresses(struct rg_t *t)
{
    const char *ips[] = { "10.0.0.1", "255.255.255.255", "::1", "fe80::1:2:3:4" };
    for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
        struct rg_addr a, x, p;
        REQUIRE(t, rg_addr_parse_ip(rg_str_from_cstr(ips[i]), &a) == RG_OK);
        a.port = (uint16_t)(1000 * i + 7);
        uint8_t out[128];
        struct rg_stun_builder b;
        rg_stun_build_init(&b, out, sizeof(out), RG_STUN_BINDING, RG_STUN_SUCCESS, TXID);
        rg_stun_add_xor_addr(&b, RG_STUN_A_XOR_MAPPED_ADDRESS, &a);
        rg_stun_add_addr(&b, RG_STUN_A_MAPPED_ADDRESS, &a);
        int n = rg_stun_build_finish(&b);
        struct rg_stun_msg m;
        REQUIRE(t, n > 0 && rg_stun_parse(out, (size_t)n, &m) == RG_OK);
        CHECK_OK(t, rg_stun_get_xor_addr(&m, RG_STUN_A_XOR_MAPPED_ADDRESS, &x));
        CHECK_OK(t, rg_stun_get_addr(&m, RG_STUN_A_MAPPED_ADDRESS, &p));
        CHECK(t, rg_addr_eq(&a, &x));
        CHECK(t, rg_addr_eq(&a, &p));
        /* The XOR form must not carry the address in clear. */
        CHECK(t, memcmp(m.attrs[0].value + 4, a.ip, 4) != 0);
    }
}

static void stream_framing(struct rg_t *t)
{
    uint8_t v[256];
    size_t len = load_hex("2.1-sample-request", v, sizeof(v));
    REQUIRE(t, len == 108);
    for (size_t i = 0; i < RG_STUN_HEADER_LEN; i++)
        CHECK_EQ_INT(t, rg_stun_frame_len(v, i), RG_EAGAIN);
    for (size_t i = RG_STUN_HEADER_LEN; i <= len; i++)
        CHECK_EQ_INT(t, rg_stun_frame_len(v, i), 108);
    uint8_t rtp[20] = { 0x80, 0 };
    CHECK_EQ_INT(t, rg_stun_frame_len(rtp, sizeof(rtp)), RG_EBADMSG);
    CHECK(t, !rg_stun_is_message(v, len - 1));
    CHECK(t, rg_stun_is_message(v, len));
}

static void crc32_known(struct rg_t *t)
{
    CHECK(t, rg_stun_crc32(0, (const uint8_t *)"123456789", 9) == 0xCBF43926u);
    uint32_t c = rg_stun_crc32(0, (const uint8_t *)"1234", 4);
    CHECK(t, rg_stun_crc32(c, (const uint8_t *)"56789", 5) == 0xCBF43926u);
}

static const struct rg_test_case cases[] = {
    { "rfc5769_2_1_request", v21_request },
    { "rfc5769_2_2_ipv4_response", v22_ipv4_response },
    { "rfc5769_2_3_ipv6_response", v23_ipv6_response },
    { "rfc5769_2_4_long_term", v24_long_term },
    { "ice_check_round_trip", ice_check_round_trip },
    { "sha256_integrity", sha256_integrity },
    { "long_key_matches_openssl", long_key_matches_openssl },
    { "parser_rules", parser_rules },
    { "getters_reject_bad_values", getters_reject_bad_values },
    { "unknown_attributes_420", unknown_attributes_420 },
    { "builder_order_rules", builder_order_rules },
    { "addresses", addresses },
    { "stream_framing", stream_framing },
    { "crc32_known", crc32_known },
};

RG_TEST_MAIN(cases)
