/*
 * pki.c — PKCS#12 loading and factory certificate generation (see pki.h).
 */
#include "ctl/pki.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

int rg_pki_check_p12(const char *path, const char *pass, char *why, size_t why_size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
        return RG_ENOTFOUND;
    }
    PKCS12 *p12 = d2i_PKCS12_fp(f, NULL);
    fclose(f);
    if (!p12) {
        ERR_clear_error();
        snprintf(why, why_size, "%s is not a PKCS#12 file", path);
        return RG_EBADMSG;
    }
    int rc = RG_OK;
    if (!PKCS12_verify_mac(p12, pass, -1)) {
        snprintf(why, why_size, "wrong passPhrase for %s (PKCS#12 MAC check failed)", path);
        rc = RG_EAUTH;
    }
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    if (rc == RG_OK && !PKCS12_parse(p12, pass, &key, &cert, NULL)) {
        snprintf(why, why_size, "cannot decrypt %s with the passPhrase given", path);
        rc = RG_EAUTH;
    } else if (rc == RG_OK && (!key || !cert)) {
        snprintf(why, why_size, "%s holds no private key and certificate", path);
        rc = RG_EBADMSG;
    }
    EVP_PKEY_free(key);
    X509_free(cert);
    PKCS12_free(p12);
    ERR_clear_error();
    return rc;
}

static X509 *self_signed(EVP_PKEY *key, const char *cn)
{
    X509 *x = X509_new();
    X509_NAME *name = x ? X509_get_subject_name(x) : NULL;
    int ok = x && name && X509_set_version(x, 2) == 1;
    unsigned char serial[8];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ok = ok && fd >= 0 && read(fd, serial, sizeof(serial)) == (ssize_t)sizeof(serial);
    if (fd >= 0)
        close(fd);
    serial[0] &= 0x7f;
    BIGNUM *bn = ok ? BN_bin2bn(serial, sizeof(serial), NULL) : NULL;
    ok = ok && bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -86400) != NULL;
    ok = ok && X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 86400) != NULL;
    ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn,
                                          -1, -1, 0) == 1;
    ok = ok && X509_set_issuer_name(x, name) == 1 && X509_set_pubkey(x, key) == 1;
    ok = ok && X509_sign(x, key, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static int write_file(const char *path, PKCS12 *p12)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
        return RG_ELIMIT;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return RG_EIO;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        return RG_EIO;
    }
    int ok = i2d_PKCS12_fp(f, p12) == 1 && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return RG_EIO;
    }
    return RG_OK;
}

int rg_pki_generate_p12(const char *path, const char *pass, const char *cn)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = key ? self_signed(key, cn) : NULL;
    PKCS12 *p12 = cert ? PKCS12_create(pass, cn, key, cert, NULL, 0, 0, 0, 0, 0) : NULL;
    int rc = p12 ? write_file(path, p12) : RG_ECRYPTO;
    PKCS12_free(p12);
    X509_free(cert);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return rc;
}
