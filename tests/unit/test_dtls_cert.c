/*
 * Unit tests for src/proto/dtls/dtls_cert: ECDSA P-256 generation, PEM and
 * PKCS#12 round trips, a=fingerprint values (RFC 8122 §5).
 */
#include "harness.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/buf.h"
#include "core/rng.h"
#include "proto/dtls/dtls_cert.h"

#define NOW_UNIX 1790000000LL

static struct rg_dtls_cert *make_cert(struct rg_t *t, uint64_t seed, const char *cn)
{
    struct rg_rng_seeded st;
    struct rg_rng rng;
    rg_rng_seeded_init(&st, seed, &rng);
    struct rg_dtls_cert *c = NULL;
    CHECK_OK(t, rg_dtls_cert_generate(&rng, cn, NOW_UNIX, 30, &c));
    return c;
}

static void cert_generate_and_fingerprint(struct rg_t *t)
{
    struct rg_dtls_cert *c = make_cert(t, 7, "rtcgate");
    struct rg_dtls_cert *c2 = make_cert(t, 7, "rtcgate");
    REQUIRE(t, c && c2);
    X509 *x = rg_dtls_cert_x509(c);
    EVP_PKEY *k = rg_dtls_cert_pkey(c);
    CHECK_EQ_INT(t, EVP_PKEY_get_base_id(k), EVP_PKEY_EC);
    char group[32] = "";
    size_t glen = 0;
    CHECK(t, EVP_PKEY_get_group_name(k, group, sizeof(group), &glen) == 1);
    CHECK(t, strcmp(group, "prime256v1") == 0);
    CHECK_EQ_INT(t, X509_verify(x, k), 1); /* self-signed */
    /* Same injected rng seed → same serial; fresh key each time. */
    CHECK_EQ_INT(t, ASN1_INTEGER_cmp(X509_get0_serialNumber(x),
                                     X509_get0_serialNumber(rg_dtls_cert_x509(c2))), 0);
    /* sha-256 fingerprint = SHA-256 over the DER certificate (RFC 8122 §5). */
    unsigned char *der = NULL;
    int dlen = i2d_X509(x, &der);
    REQUIRE(t, dlen > 0);
    unsigned char want[32];
    unsigned int wl = 0;
    EVP_Digest(der, (size_t)dlen, want, &wl, EVP_sha256(), NULL);
    OPENSSL_free(der);
    struct rg_dtls_fp fp, back;
    CHECK_OK(t, rg_dtls_cert_fingerprint(c, RG_DTLS_HASH_SHA256, &fp));
    CHECK_MEM(t, fp.d, fp.len, want, 32);
    static const size_t lens[] = { 0, 20, 28, 32, 48, 64 };
    for (int h = RG_DTLS_HASH_SHA1; h <= RG_DTLS_HASH_SHA512; h++) {
        char text[RG_DTLS_FP_STRLEN];
        CHECK_OK(t, rg_dtls_cert_fingerprint(c, (enum rg_dtls_hash)h, &fp));
        CHECK_EQ_INT(t, fp.len, lens[h]);
        CHECK_OK(t, rg_dtls_fp_format(&fp, text, sizeof(text)));
        CHECK_EQ_INT(t, strlen(text), strlen(rg_dtls_hash_name(fp.hash)) + 1 + lens[h] * 3 - 1);
        CHECK_OK(t, rg_dtls_fp_parse(rg_str_from_cstr(text), &back));
        CHECK(t, rg_dtls_fp_eq(&fp, &back));
    }
    struct rg_dtls_fp other;
    CHECK_OK(t, rg_dtls_cert_fingerprint(c2, RG_DTLS_HASH_SHA256, &other));
    CHECK_OK(t, rg_dtls_cert_fingerprint(c, RG_DTLS_HASH_SHA256, &fp));
    CHECK(t, !rg_dtls_fp_eq(&fp, &other));
    rg_dtls_cert_free(c);
    rg_dtls_cert_free(c2);
}

static void fingerprint_text(struct rg_t *t)
{
    struct rg_dtls_fp fp;
    const char *ok1 = "SHA-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB";
    CHECK_OK(t, rg_dtls_fp_parse(rg_str_from_cstr(ok1), &fp)); /* RFC 8122 §5 example */
    CHECK_EQ_INT(t, fp.hash, RG_DTLS_HASH_SHA1);
    CHECK_EQ_INT(t, fp.d[0], 0x4a);
    CHECK_EQ_INT(t, fp.d[19], 0xab);
    char text[RG_DTLS_FP_STRLEN];
    CHECK_OK(t, rg_dtls_fp_format(&fp, text, sizeof(text)));
    CHECK(t, strcmp(text, "sha-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB") == 0);
    CHECK_EQ_INT(t, rg_dtls_fp_format(&fp, text, 20), RG_ELIMIT);
    CHECK_OK(t, rg_dtls_fp_parse(RG_STR_LIT("sha-1 4a:ad:b9:b1:3f:82:18:3b:54:02:12:df:3e:5d:49:6b:19:e5:7c:ab"), &fp));
    CHECK_EQ_INT(t, rg_dtls_fp_parse(RG_STR_LIT("md5 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B"), &fp), RG_EUNSUPP);
    CHECK_EQ_INT(t, rg_dtls_fp_parse(RG_STR_LIT("sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB"), &fp), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_dtls_fp_parse(RG_STR_LIT("sha-1 4AAD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:"), &fp), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_dtls_fp_parse(RG_STR_LIT("sha-1 4G:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB"), &fp), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_dtls_fp_parse(RG_STR_LIT("sha-1"), &fp), RG_EBADMSG);
    enum rg_dtls_hash h;
    CHECK_OK(t, rg_dtls_hash_parse(RG_STR_LIT("sha384"), &h));
    CHECK_EQ_INT(t, h, RG_DTLS_HASH_SHA384);
}

static void cert_pem_and_pkcs12(struct rg_t *t)
{
    struct rg_dtls_cert *c = make_cert(t, 8, "p12"), *other = make_cert(t, 9, "other");
    REQUIRE(t, c && other);
    struct rg_dtls_fp want, got;
    CHECK_OK(t, rg_dtls_cert_fingerprint(c, RG_DTLS_HASH_SHA256, &want));
    struct rg_buf pem, p12, mixed;
    rg_buf_init(&pem, 16384);
    rg_buf_init(&p12, 16384);
    rg_buf_init(&mixed, 16384);
    CHECK_OK(t, rg_dtls_cert_to_pem(c, &pem));
    CHECK_OK(t, rg_dtls_cert_to_pkcs12(c, "secret", &p12));
    struct rg_dtls_cert *l = NULL;
    CHECK_OK(t, rg_dtls_cert_from_pem(pem.data, pem.len, NULL, &l));
    CHECK(t, l && rg_dtls_cert_fingerprint(l, RG_DTLS_HASH_SHA256, &got) == RG_OK &&
                 rg_dtls_fp_eq(&want, &got));
    rg_dtls_cert_free(l);
    l = NULL;
    CHECK_OK(t, rg_dtls_cert_from_pkcs12((const uint8_t *)p12.data, p12.len, "secret", &l));
    CHECK(t, l && rg_dtls_cert_fingerprint(l, RG_DTLS_HASH_SHA256, &got) == RG_OK &&
                 rg_dtls_fp_eq(&want, &got));
    rg_dtls_cert_free(l);
    l = NULL;
    CHECK_EQ_INT(t, rg_dtls_cert_from_pkcs12((const uint8_t *)p12.data, p12.len, "wrong", &l), RG_EAUTH);
    CHECK_EQ_INT(t, rg_dtls_cert_from_pkcs12((const uint8_t *)"garbage", 7, "x", &l), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_dtls_cert_from_pem("garbage", 7, NULL, &l), RG_EBADMSG);
    /* this cert with another key */
    struct rg_buf opem;
    rg_buf_init(&opem, 16384);
    CHECK_OK(t, rg_dtls_cert_to_pem(other, &opem));
    const char *key_at = strstr(opem.data, "-----BEGIN PRIVATE KEY-----");
    const char *cert_end = strstr(pem.data, "-----BEGIN PRIVATE KEY-----");
    REQUIRE(t, key_at && cert_end);
    CHECK_OK(t, rg_buf_append(&mixed, pem.data, (size_t)(cert_end - pem.data)));
    CHECK_OK(t, rg_buf_append_cstr(&mixed, key_at));
    CHECK_EQ_INT(t, rg_dtls_cert_from_pem(mixed.data, mixed.len, NULL, &l), RG_EAUTH);
    CHECK(t, l == NULL);
    CHECK_EQ_INT(t, rg_dtls_cert_to_pkcs12(c, "", &p12), RG_EINVAL);
    rg_buf_deinit(&opem);
    rg_buf_deinit(&pem);
    rg_buf_deinit(&p12);
    rg_buf_deinit(&mixed);
    rg_dtls_cert_free(c);
    rg_dtls_cert_free(other);
}

static int generate_work(void *arg)
{
    (void)arg;
    struct rg_rng_seeded st;
    struct rg_rng rng;
    rg_rng_seeded_init(&st, 1, &rng);
    struct rg_dtls_cert *c = NULL;
    int rc = rg_dtls_cert_generate(&rng, "oom", NOW_UNIX, 1, &c);
    rg_dtls_cert_free(c);
    return rc;
}

static void cert_oom_stepping(struct rg_t *t)
{
    rg_t_oom_step(t, generate_work, NULL, 20);
    struct rg_rng_seeded st;
    struct rg_rng rng;
    rg_rng_seeded_init(&st, 1, &rng);
    struct rg_dtls_cert *c = NULL;
    CHECK_EQ_INT(t, rg_dtls_cert_generate(&rng, "", NOW_UNIX, 1, &c), RG_EINVAL);
    CHECK_EQ_INT(t, rg_dtls_cert_generate(&rng, "x", NOW_UNIX, 0, &c), RG_EINVAL);
    CHECK(t, c == NULL);
}

static const struct rg_test_case cases[] = {
    { "cert_generate_and_fingerprint", cert_generate_and_fingerprint },
    { "fingerprint_text", fingerprint_text },
    { "cert_pem_and_pkcs12", cert_pem_and_pkcs12 },
    { "cert_oom_stepping", cert_oom_stepping },
};

RG_TEST_MAIN(cases)
