/*
 * digest.h — HTTP Digest access authentication as SIP uses it (RFC 7616,
 * RFC 8760 for SIP, RFC 3261 §22.4), server side: parsing an Authorization
 * header value and computing the expected "response".
 *
 * Algorithms: MD5, SHA-256 and SHA-512-256, each also as "-sess" (RFC 7616
 * §3.4.2), hashed with OpenSSL EVP.  qop "auth" or none (RFC 2069
 * compatibility, RFC 3261 §22.4); "auth-int" is parsed but the caller
 * decides whether to accept it (we never offer it).
 *
 * Pure functions over caller memory; no allocation on the heap except what
 * OpenSSL allocates internally for a digest context.  Thread-safe.
 */
#ifndef RG_B2BUA_DIGEST_H
#define RG_B2BUA_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/str.h"

enum rg_digest_alg {
    RG_DIGEST_MD5 = 1,
    RG_DIGEST_SHA256,
    RG_DIGEST_SHA512_256,
};

/* Longest hex digest (SHA-256 and SHA-512-256: 64 hex digits) plus NUL. */
#define RG_DIGEST_HEX_MAX 65

/* Bounds of the fields we keep; a longer field makes the header malformed. */
#define RG_DIGEST_USER_MAX 256
#define RG_DIGEST_FIELD_MAX 256
#define RG_DIGEST_URI_MAX 1024

/* One parsed "Digest ..." credentials value (RFC 7616 §3.4).  Every field is
 * an unquoted, unescaped NUL-terminated copy; "" when absent. */
struct rg_digest_creds {
    char username[RG_DIGEST_USER_MAX];
    char realm[RG_DIGEST_FIELD_MAX];
    char nonce[RG_DIGEST_FIELD_MAX];
    char uri[RG_DIGEST_URI_MAX];
    char response[RG_DIGEST_FIELD_MAX];
    char cnonce[RG_DIGEST_FIELD_MAX];
    char opaque[RG_DIGEST_FIELD_MAX];
    char qop[32];
    char nc[16];
    enum rg_digest_alg alg; /* MD5 when the algorithm parameter is absent */
    bool sess;              /* "<alg>-sess" */
    bool userhash;          /* RFC 7616 §3.4.4: username is H(user:realm) */
};

/* Parses the value of an Authorization header (scheme "Digest", any case,
 * then comma-separated auth-params, RFC 7235 §2.1).  Returns RG_OK and
 * *out, RG_EUNSUPP for another scheme or an unknown algorithm, RG_EBADMSG
 * for bad syntax, a duplicate parameter, a field over its bound or a missing
 * username/realm/nonce/uri/response.  *out written only on RG_OK. */
RG_MUST_CHECK int rg_digest_parse(struct rg_str value, struct rg_digest_creds *out);

/* Hex of H(parts[0] ":" parts[1] ":" ... ) into hex (RG_DIGEST_HEX_MAX
 * bytes).  RG_OK or RG_ECRYPTO. */
RG_MUST_CHECK int rg_digest_hash_join(enum rg_digest_alg alg, const struct rg_str *parts,
                                      size_t n, char hex[RG_DIGEST_HEX_MAX]);

/* The request-digest of RFC 7616 §3.4.1 for the given inputs (NUL-terminated
 * strings; qop "" means the RFC 2069 form H(HA1:nonce:HA2)).  Writes the
 * lowercase hex to hex.  RG_OK, RG_EINVAL (qop other than "" or "auth") or
 * RG_ECRYPTO. */
struct rg_digest_input {
    enum rg_digest_alg alg;
    bool sess;
    const char *username, *realm, *password;
    const char *method, *uri;
    const char *nonce, *nc, *cnonce, *qop;
};
RG_MUST_CHECK int rg_digest_response(const struct rg_digest_input *in,
                                     char hex[RG_DIGEST_HEX_MAX]);

/* Constant-time comparison of two hex digests, ignoring ASCII case (the
 * length is not secret).  True when equal. */
bool rg_digest_hex_equal(const char *a, const char *b);

/* "MD5", "SHA-256", "SHA-512-256". */
const char *rg_digest_alg_name(enum rg_digest_alg alg);

#endif
