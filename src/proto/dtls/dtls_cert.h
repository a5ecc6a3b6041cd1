/*
 * dtls_cert.h — DTLS certificates and their SDP fingerprints.
 *
 * A struct rg_dtls_cert holds a private key and its X.509 certificate
 * (OpenSSL objects, reference counted inside OpenSSL).  It is generated
 * (ECDSA P-256, self-signed, as WebRTC expects: RFC 8827 §6.5) or loaded
 * from PEM or PKCS#12 bytes already in memory; reading files is the
 * config layer's job.  Fingerprints are the SDP a=fingerprint values of
 * RFC 8122 §5: a hash over the DER certificate, printed as upper-case hex
 * pairs joined by ':'.
 *
 * Ownership: rg_dtls_cert_* creators return an object the caller frees with
 * rg_dtls_cert_free; a struct rg_dtls_ctx made from it takes its own
 * references, so the cert may be freed afterwards.  Immutable once made:
 * may be shared by threads for reading.  Randomness: the key pair comes
 * from OpenSSL's DRBG (a private key must not come from an injected test
 * generator); the serial number comes from the injected struct rg_rng.
 */
#ifndef RG_PROTO_DTLS_CERT_H
#define RG_PROTO_DTLS_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/rng.h"
#include "core/str.h"

enum rg_dtls_hash {
    RG_DTLS_HASH_SHA1 = 1,
    RG_DTLS_HASH_SHA224,
    RG_DTLS_HASH_SHA256,
    RG_DTLS_HASH_SHA384,
    RG_DTLS_HASH_SHA512,
};

#define RG_DTLS_FP_MAX 64 /* SHA-512 */
/* Longest "sha-512 AB:...:EF" text with NUL. */
#define RG_DTLS_FP_STRLEN (8 + RG_DTLS_FP_MAX * 3)

struct rg_dtls_fp {
    enum rg_dtls_hash hash;
    uint8_t len;
    uint8_t d[RG_DTLS_FP_MAX];
};

struct rg_dtls_cert;
struct x509_st;     /* OpenSSL X509 */
struct evp_pkey_st; /* OpenSSL EVP_PKEY */

/* "sha-256" etc. (RFC 8122 §5 hash-func tokens); "" when unknown. */
const char *rg_dtls_hash_name(enum rg_dtls_hash h);
/* Accepts the SDP tokens ("sha-256") and the config spelling ("sha256"),
 * case-insensitively.  "md5"/"md2" (RFC 8122 §5: MUST NOT be used) and
 * anything else give RG_EUNSUPP. */
RG_MUST_CHECK int rg_dtls_hash_parse(struct rg_str s, enum rg_dtls_hash *out);
/* Digest length in bytes (20..64), 0 when unknown. */
size_t rg_dtls_hash_len(enum rg_dtls_hash h);

/* Parses an a=fingerprint value "sha-256 AB:CD:..." (RFC 8122 §5; hex
 * digits of either case).  RG_EBADMSG on syntax or a length not matching
 * the hash, RG_EUNSUPP on an unsupported hash. */
RG_MUST_CHECK int rg_dtls_fp_parse(struct rg_str value, struct rg_dtls_fp *out);
/* Writes "sha-256 AB:CD:..." with NUL.  RG_ELIMIT if out_size is too small
 * (RG_DTLS_FP_STRLEN always fits), RG_EINVAL on a bad fp. */
RG_MUST_CHECK int rg_dtls_fp_format(const struct rg_dtls_fp *fp, char *out, size_t out_size);
bool rg_dtls_fp_eq(const struct rg_dtls_fp *a, const struct rg_dtls_fp *b);

/* Generates an ECDSA P-256 key and a self-signed certificate (SHA-256
 * signature, CN = common_name, valid from now_unix_s - 1 day for
 * valid_days).  RG_EINVAL (name empty or > 64 bytes, valid_days 0 or
 * > 3650), RG_ENOMEM, RG_ECRYPTO. */
RG_MUST_CHECK int rg_dtls_cert_generate(const struct rg_rng *rng, const char *common_name,
                                        int64_t now_unix_s, uint32_t valid_days,
                                        struct rg_dtls_cert **out);
/* Loads a certificate and its private key from PEM text (both blocks in one
 * buffer, in any order); pass may be NULL for an unencrypted key.
 * RG_EBADMSG (no cert or key), RG_EAUTH (key does not match the cert or
 * wrong pass phrase), RG_ENOMEM. */
RG_MUST_CHECK int rg_dtls_cert_from_pem(const char *pem, size_t len, const char *pass,
                                        struct rg_dtls_cert **out);
/* Loads from PKCS#12 (DER) bytes, as the vendor's "certificate ... fileName
 * x.p12 passPhrase" does.  Errors as rg_dtls_cert_from_pem. */
RG_MUST_CHECK int rg_dtls_cert_from_pkcs12(const uint8_t *der, size_t len, const char *pass,
                                           struct rg_dtls_cert **out);
/* Appends the certificate and the unencrypted private key as PEM. */
RG_MUST_CHECK int rg_dtls_cert_to_pem(const struct rg_dtls_cert *c, struct rg_buf *out);
/* Appends a PKCS#12 file (OpenSSL 3 defaults: AES-256-CBC, PBKDF2)
 * protected by pass (non-empty). */
RG_MUST_CHECK int rg_dtls_cert_to_pkcs12(const struct rg_dtls_cert *c, const char *pass,
                                         struct rg_buf *out);
void rg_dtls_cert_free(struct rg_dtls_cert *c);

/* The a=fingerprint of this certificate. */
RG_MUST_CHECK int rg_dtls_cert_fingerprint(const struct rg_dtls_cert *c, enum rg_dtls_hash h,
                                           struct rg_dtls_fp *out);
/* Same for any OpenSSL X509 (used for the peer's certificate). */
RG_MUST_CHECK int rg_dtls_x509_fingerprint(const struct x509_st *x509, enum rg_dtls_hash h,
                                           struct rg_dtls_fp *out);
/* Borrowed OpenSSL objects, valid while c lives. */
struct x509_st *rg_dtls_cert_x509(const struct rg_dtls_cert *c);
struct evp_pkey_st *rg_dtls_cert_pkey(const struct rg_dtls_cert *c);

#endif
