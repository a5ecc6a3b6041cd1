/*
 * dtls_cert.c — certificate generation, loading and fingerprints.
 */
#include "proto/dtls/dtls_cert.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "core/alloc.h"

struct rg_dtls_cert {
    EVP_PKEY *pkey;
    X509 *x509;
};

struct hash_info {
    enum rg_dtls_hash h;
    const char *sdp, *cfg;
    uint8_t len;
};

static const struct hash_info hashes[] = {
    { RG_DTLS_HASH_SHA1, "sha-1", "sha1", 20 },
    { RG_DTLS_HASH_SHA224, "sha-224", "sha224", 28 },
    { RG_DTLS_HASH_SHA256, "sha-256", "sha256", 32 },
    { RG_DTLS_HASH_SHA384, "sha-384", "sha384", 48 },
    { RG_DTLS_HASH_SHA512, "sha-512", "sha512", 64 },
};

static const struct hash_info *hinfo(enum rg_dtls_hash h)
{
    for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
        if (hashes[i].h == h)
            return &hashes[i];
    return NULL;
}

const char *rg_dtls_hash_name(enum rg_dtls_hash h)
{
    const struct hash_info *hi = hinfo(h);
    return hi ? hi->sdp : "";
}

size_t rg_dtls_hash_len(enum rg_dtls_hash h)
{
    const struct hash_info *hi = hinfo(h);
    return hi ? hi->len : 0;
}

int rg_dtls_hash_parse(struct rg_str s, enum rg_dtls_hash *out)
{
    for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
        if (rg_str_caseeq_cstr(s, hashes[i].sdp) || rg_str_caseeq_cstr(s, hashes[i].cfg)) {
            *out = hashes[i].h;
            return RG_OK;
        }
    }
    return RG_EUNSUPP;
}

static const EVP_MD *md_of(enum rg_dtls_hash h)
{
    switch (h) {
    case RG_DTLS_HASH_SHA1:
        return EVP_sha1();
    case RG_DTLS_HASH_SHA224:
        return EVP_sha224();
    case RG_DTLS_HASH_SHA256:
        return EVP_sha256();
    case RG_DTLS_HASH_SHA384:
        return EVP_sha384();
    case RG_DTLS_HASH_SHA512:
        return EVP_sha512();
    }
    return NULL;
}

int rg_dtls_fp_parse(struct rg_str value, struct rg_dtls_fp *out)
{
    struct rg_str v = rg_str_trim(value);
    long sp = rg_str_find_char(v, ' ');
    if (sp <= 0)
        return RG_EBADMSG;
    struct rg_dtls_fp fp;
    memset(&fp, 0, sizeof(fp));
    int rc = rg_dtls_hash_parse(rg_str_head(v, (size_t)sp), &fp.hash);
    if (rc != RG_OK)
        return rc;
    struct rg_str hex = rg_str_trim(rg_str_from(v, (size_t)sp + 1));
    size_t want = rg_dtls_hash_len(fp.hash);
    /* fingerprint = 2UHEX *(":" 2UHEX); lower case accepted (RFC 8122 §5
     * says "case-insensitive" for the comparison). */
    if (hex.len != want * 3 - 1)
        return RG_EBADMSG;
    for (size_t i = 0; i < want; i++) {
        const char *p = hex.p + i * 3;
        if (!rg_is_hex((unsigned char)p[0]) || !rg_is_hex((unsigned char)p[1]))
            return RG_EBADMSG;
        if (i + 1 < want && p[2] != ':')
            return RG_EBADMSG;
        fp.d[i] = (uint8_t)(rg_hex_val((unsigned char)p[0]) * 16 + rg_hex_val((unsigned char)p[1]));
    }
    fp.len = (uint8_t)want;
    *out = fp;
    return RG_OK;
}

int rg_dtls_fp_format(const struct rg_dtls_fp *fp, char *out, size_t out_size)
{
    static const char hexd[] = "0123456789ABCDEF";
    const struct hash_info *hi = hinfo(fp->hash);
    if (!hi || fp->len != hi->len)
        return RG_EINVAL;
    size_t name_len = strlen(hi->sdp);
    if (out_size < name_len + 1 + (size_t)fp->len * 3)
        return RG_ELIMIT;
    memcpy(out, hi->sdp, name_len);
    char *p = out + name_len;
    *p++ = ' ';
    for (size_t i = 0; i < fp->len; i++) {
        *p++ = hexd[fp->d[i] >> 4];
        *p++ = hexd[fp->d[i] & 15];
        *p++ = i + 1 < fp->len ? ':' : '\0';
    }
    return RG_OK;
}

bool rg_dtls_fp_eq(const struct rg_dtls_fp *a, const struct rg_dtls_fp *b)
{
    return a->hash == b->hash && a->len == b->len && a->len <= RG_DTLS_FP_MAX &&
           CRYPTO_memcmp(a->d, b->d, a->len) == 0;
}

int rg_dtls_x509_fingerprint(const struct x509_st *x509, enum rg_dtls_hash h,
                             struct rg_dtls_fp *out)
{
    const EVP_MD *md = md_of(h);
    if (!md || !x509)
        return RG_EINVAL;
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    /* RFC 8122 §5: the hash is over the DER form of the certificate. */
    if (!X509_digest(x509, md, d, &n) || n != rg_dtls_hash_len(h))
        return RG_ECRYPTO;
    out->hash = h;
    out->len = (uint8_t)n;
    memcpy(out->d, d, n);
    return RG_OK;
}

int rg_dtls_cert_fingerprint(const struct rg_dtls_cert *c, enum rg_dtls_hash h,
                             struct rg_dtls_fp *out)
{
    return rg_dtls_x509_fingerprint(c->x509, h, out);
}

struct x509_st *rg_dtls_cert_x509(const struct rg_dtls_cert *c)
{
    return c->x509;
}

struct evp_pkey_st *rg_dtls_cert_pkey(const struct rg_dtls_cert *c)
{
    return c->pkey;
}

void rg_dtls_cert_free(struct rg_dtls_cert *c)
{
    if (!c)
        return;
    EVP_PKEY_free(c->pkey);
    X509_free(c->x509);
    rg_free(c);
}

/* Takes ownership of pkey and x509 (freed on failure). */
static int wrap(EVP_PKEY *pkey, X509 *x509, struct rg_dtls_cert **out)
{
    struct rg_dtls_cert *c = rg_calloc(1, sizeof(*c));
    if (!c) {
        EVP_PKEY_free(pkey);
        X509_free(x509);
        return RG_ENOMEM;
    }
    c->pkey = pkey;
    c->x509 = x509;
    *out = c;
    return RG_OK;
}

static int fill_cert(X509 *x, EVP_PKEY *pkey, const struct rg_rng *rng, const char *cn,
                     int64_t now_unix_s, uint32_t valid_days)
{
    uint8_t serial[8];
    rg_rng_bytes(rng, serial, sizeof(serial));
    serial[0] &= 0x7f; /* RFC 5280 §4.1.2.2: positive */
    serial[0] |= 0x01; /* and never zero */
    BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
    X509_NAME *name = X509_get_subject_name(x);
    int ok = bn && X509_set_version(x, X509_VERSION_3) &&
             BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) &&
             ASN1_TIME_set(X509_getm_notBefore(x), (time_t)(now_unix_s - 86400)) &&
             ASN1_TIME_set(X509_getm_notAfter(x),
                           (time_t)(now_unix_s + (int64_t)valid_days * 86400)) &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn,
                                        -1, -1, 0) &&
             X509_set_issuer_name(x, name) && X509_set_pubkey(x, pkey) &&
             X509_sign(x, pkey, EVP_sha256()) > 0;
    BN_free(bn);
    return ok ? RG_OK : RG_ECRYPTO;
}

int rg_dtls_cert_generate(const struct rg_rng *rng, const char *common_name, int64_t now_unix_s,
                          uint32_t valid_days, struct rg_dtls_cert **out)
{
    size_t cn_len = common_name ? strlen(common_name) : 0;
    if (cn_len == 0 || cn_len > 64 || valid_days == 0 || valid_days > 3650)
        return RG_EINVAL;
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    int rc = pkey && x ? fill_cert(x, pkey, rng, common_name, now_unix_s, valid_days)
                       : RG_ECRYPTO;
    if (rc != RG_OK) {
        EVP_PKEY_free(pkey);
        X509_free(x);
        return rc;
    }
    return wrap(pkey, x, out);
}

/* PEM pass-phrase callback: userdata is the NUL-terminated pass or NULL. */
static int pem_pass_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const char *pass = u;
    if (!pass)
        return 0;
    size_t n = strlen(pass);
    if (n > (size_t)size)
        return 0;
    memcpy(buf, pass, n);
    return (int)n;
}

int rg_dtls_cert_from_pem(const char *pem, size_t len, const char *pass, struct rg_dtls_cert **out)
{
    if (!pem || len == 0 || len > 1024 * 1024)
        return RG_EINVAL;
    BIO *b1 = BIO_new_mem_buf(pem, (int)len);
    BIO *b2 = BIO_new_mem_buf(pem, (int)len);
    X509 *x = b1 ? PEM_read_bio_X509(b1, NULL, NULL, NULL) : NULL;
    EVP_PKEY *k = b2 ? PEM_read_bio_PrivateKey(b2, NULL, pem_pass_cb, (void *)pass) : NULL;
    BIO_free(b1);
    BIO_free(b2);
    int rc = RG_OK;
    if (!x)
        rc = RG_EBADMSG;
    else if (!k)
        rc = pass ? RG_EAUTH : RG_EBADMSG;
    else if (X509_check_private_key(x, k) != 1)
        rc = RG_EAUTH;
    ERR_clear_error();
    if (rc != RG_OK) {
        X509_free(x);
        EVP_PKEY_free(k);
        return rc;
    }
    return wrap(k, x, out);
}

int rg_dtls_cert_from_pkcs12(const uint8_t *der, size_t len, const char *pass,
                             struct rg_dtls_cert **out)
{
    if (!der || len == 0 || len > 1024 * 1024)
        return RG_EINVAL;
    const unsigned char *p = der;
    PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
    if (!p12) {
        ERR_clear_error();
        return RG_EBADMSG;
    }
    EVP_PKEY *k = NULL;
    X509 *x = NULL;
    STACK_OF(X509) *ca = NULL;
    int ok = PKCS12_parse(p12, pass ? pass : "", &k, &x, &ca);
    PKCS12_free(p12);
    sk_X509_pop_free(ca, X509_free);
    int rc = RG_OK;
    if (!ok)
        rc = RG_EAUTH; /* MAC check failed: wrong pass phrase */
    else if (!x || !k)
        rc = RG_EBADMSG;
    else if (X509_check_private_key(x, k) != 1)
        rc = RG_EAUTH;
    ERR_clear_error();
    if (rc != RG_OK) {
        X509_free(x);
        EVP_PKEY_free(k);
        return rc;
    }
    return wrap(k, x, out);
}

/* Appends everything written to the memory BIO b. */
static int append_bio(BIO *b, struct rg_buf *out)
{
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    if (n <= 0)
        return RG_ECRYPTO;
    return rg_buf_append(out, data, (size_t)n);
}

int rg_dtls_cert_to_pem(const struct rg_dtls_cert *c, struct rg_buf *out)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return RG_ENOMEM;
    int rc = RG_ECRYPTO;
    if (PEM_write_bio_X509(b, c->x509) &&
        PEM_write_bio_PrivateKey(b, c->pkey, NULL, NULL, 0, NULL, NULL))
        rc = append_bio(b, out);
    BIO_free(b);
    return rc;
}

int rg_dtls_cert_to_pkcs12(const struct rg_dtls_cert *c, const char *pass, struct rg_buf *out)
{
    if (!pass || !*pass)
        return RG_EINVAL;
    PKCS12 *p12 = PKCS12_create(pass, "rtcgate", c->pkey, c->x509, NULL, 0, 0, 0, 0, 0);
    BIO *b = BIO_new(BIO_s_mem());
    int rc = RG_ECRYPTO;
    if (p12 && b && i2d_PKCS12_bio(b, p12))
        rc = append_bio(b, out);
    PKCS12_free(p12);
    BIO_free(b);
    return rc;
}
