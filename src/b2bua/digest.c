/*
 * digest.c — Digest credentials parsing and response computation
 * (RFC 7616 §3.4, RFC 8760, RFC 3261 §22.4).  See digest.h.
 */
#include "b2bua/digest.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

const char *rg_digest_alg_name(enum rg_digest_alg alg)
{
    switch (alg) {
    case RG_DIGEST_SHA256:
        return "SHA-256";
    case RG_DIGEST_SHA512_256:
        return "SHA-512-256";
    case RG_DIGEST_MD5:
    default:
        return "MD5";
    }
}

static const EVP_MD *alg_md(enum rg_digest_alg alg)
{
    switch (alg) {
    case RG_DIGEST_MD5:
        return EVP_md5();
    case RG_DIGEST_SHA256:
        return EVP_sha256();
    case RG_DIGEST_SHA512_256:
        return EVP_sha512_256();
    default:
        return NULL;
    }
}

int rg_digest_hash_join(enum rg_digest_alg alg, const struct rg_str *parts, size_t n,
                        char hex[RG_DIGEST_HEX_MAX])
{
    const EVP_MD *md = alg_md(alg);
    if (!md)
        return RG_EINVAL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return RG_ECRYPTO;
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    int ok = EVP_DigestInit_ex(ctx, md, NULL);
    for (size_t i = 0; ok && i < n; i++) {
        if (i > 0)
            ok = EVP_DigestUpdate(ctx, ":", 1);
        if (ok && parts[i].len > 0)
            ok = EVP_DigestUpdate(ctx, parts[i].p, parts[i].len);
    }
    if (ok)
        ok = EVP_DigestFinal_ex(ctx, d, &dlen);
    EVP_MD_CTX_free(ctx);
    if (!ok || dlen * 2 >= RG_DIGEST_HEX_MAX)
        return RG_ECRYPTO;
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < dlen; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[2 * dlen] = '\0';
    return RG_OK;
}

/* RFC 7616 §3.4.1-§3.4.3: A1 (with the -sess variant), A2 for qop "auth"
 * or none, then KD(H(A1), nonce:nc:cnonce:qop:H(A2)). */
int rg_digest_response(const struct rg_digest_input *in, char hex[RG_DIGEST_HEX_MAX])
{
    bool with_qop = in->qop && in->qop[0];
    if (with_qop && strcmp(in->qop, "auth") != 0)
        return RG_EINVAL;
    char ha1[RG_DIGEST_HEX_MAX], ha2[RG_DIGEST_HEX_MAX];
    struct rg_str p[6] = { rg_str_from_cstr(in->username), rg_str_from_cstr(in->realm),
                           rg_str_from_cstr(in->password) };
    int rc = rg_digest_hash_join(in->alg, p, 3, ha1);
    if (rc == RG_OK && in->sess) {
        p[0] = rg_str_from_cstr(ha1);
        p[1] = rg_str_from_cstr(in->nonce);
        p[2] = rg_str_from_cstr(in->cnonce ? in->cnonce : "");
        rc = rg_digest_hash_join(in->alg, p, 3, ha1);
    }
    if (rc != RG_OK)
        return rc;
    p[0] = rg_str_from_cstr(in->method);
    p[1] = rg_str_from_cstr(in->uri);
    rc = rg_digest_hash_join(in->alg, p, 2, ha2);
    if (rc != RG_OK)
        return rc;
    p[0] = rg_str_from_cstr(ha1);
    p[1] = rg_str_from_cstr(in->nonce);
    if (!with_qop) {
        p[2] = rg_str_from_cstr(ha2);
        return rg_digest_hash_join(in->alg, p, 3, hex);
    }
    p[2] = rg_str_from_cstr(in->nc ? in->nc : "");
    p[3] = rg_str_from_cstr(in->cnonce ? in->cnonce : "");
    p[4] = rg_str_from_cstr(in->qop);
    p[5] = rg_str_from_cstr(ha2);
    return rg_digest_hash_join(in->alg, p, 6, hex);
}

bool rg_digest_hex_equal(const char *a, const char *b)
{
    char la[RG_DIGEST_HEX_MAX], lb[RG_DIGEST_HEX_MAX];
    size_t na = strnlen(a, RG_DIGEST_HEX_MAX), nb = strnlen(b, RG_DIGEST_HEX_MAX);
    if (na != nb || na == 0 || na >= RG_DIGEST_HEX_MAX)
        return false;
    for (size_t i = 0; i < na; i++) {
        la[i] = (char)rg_lower((unsigned char)a[i]);
        lb[i] = (char)rg_lower((unsigned char)b[i]);
    }
    return CRYPTO_memcmp(la, lb, na) == 0;
}

/* ---- parsing (RFC 7235 §2.1 auth-param, RFC 7230 §3.2.6 quoted-string) ---- */

static bool is_tchar(int c)
{
    return rg_is_alnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool is_lws(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct cursor {
    const char *p, *end;
};

static void skip_lws(struct cursor *c)
{
    while (c->p < c->end && is_lws((unsigned char)*c->p))
        c->p++;
}

/* Reads a token or a quoted-string value into dst (unescaped). */
static int read_value(struct cursor *c, char *dst, size_t dst_size, bool *quoted)
{
    size_t n = 0;
    *quoted = c->p < c->end && *c->p == '"';
    if (*quoted) {
        c->p++;
        for (;;) {
            if (c->p >= c->end)
                return RG_EBADMSG;
            char ch = *c->p++;
            if (ch == '"')
                break;
            if (ch == '\\') {
                if (c->p >= c->end)
                    return RG_EBADMSG;
                ch = *c->p++;
            }
            if ((unsigned char)ch < 0x20 && ch != '\t')
                return RG_EBADMSG;
            if (n + 1 >= dst_size)
                return RG_EBADMSG;
            dst[n++] = ch;
        }
    } else {
        while (c->p < c->end && is_tchar((unsigned char)*c->p)) {
            if (n + 1 >= dst_size)
                return RG_EBADMSG;
            dst[n++] = *c->p++;
        }
        if (n == 0)
            return RG_EBADMSG;
    }
    dst[n] = '\0';
    return RG_OK;
}

enum field_bit {
    F_USER = 1 << 0,
    F_REALM = 1 << 1,
    F_NONCE = 1 << 2,
    F_URI = 1 << 3,
    F_RESPONSE = 1 << 4,
    F_CNONCE = 1 << 5,
    F_OPAQUE = 1 << 6,
    F_QOP = 1 << 7,
    F_NC = 1 << 8,
    F_ALG = 1 << 9,
    F_USERHASH = 1 << 10,
};

static const struct {
    const char *name;
    unsigned bit;
    size_t off, size;
} fields[] = {
#define FIELD(n, b, m) { n, b, offsetof(struct rg_digest_creds, m), sizeof(((struct rg_digest_creds *)0)->m) }
    FIELD("username", F_USER, username),     FIELD("realm", F_REALM, realm),
    FIELD("nonce", F_NONCE, nonce),          FIELD("uri", F_URI, uri),
    FIELD("response", F_RESPONSE, response), FIELD("cnonce", F_CNONCE, cnonce),
    FIELD("opaque", F_OPAQUE, opaque),       FIELD("qop", F_QOP, qop),
    FIELD("nc", F_NC, nc),
#undef FIELD
};

static int set_alg(struct rg_digest_creds *cr, const char *v)
{
    static const struct {
        const char *name;
        enum rg_digest_alg alg;
        bool sess;
    } algs[] = {
        { "MD5", RG_DIGEST_MD5, false },
        { "MD5-sess", RG_DIGEST_MD5, true },
        { "SHA-256", RG_DIGEST_SHA256, false },
        { "SHA-256-sess", RG_DIGEST_SHA256, true },
        { "SHA-512-256", RG_DIGEST_SHA512_256, false },
        { "SHA-512-256-sess", RG_DIGEST_SHA512_256, true },
    };
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (rg_str_caseeq_cstr(rg_str_from_cstr(v), algs[i].name)) {
            cr->alg = algs[i].alg;
            cr->sess = algs[i].sess;
            return RG_OK;
        }
    }
    return RG_EUNSUPP;
}

/* One name=value pair; *seen guards against duplicates. */
static int parse_param(struct cursor *c, struct rg_digest_creds *cr, unsigned *seen)
{
    const char *name = c->p;
    while (c->p < c->end && is_tchar((unsigned char)*c->p))
        c->p++;
    struct rg_str nm = rg_str_make(name, (size_t)(c->p - name));
    skip_lws(c);
    if (nm.len == 0 || c->p >= c->end || *c->p != '=')
        return RG_EBADMSG;
    c->p++;
    skip_lws(c);
    char other[RG_DIGEST_URI_MAX];
    char *dst = other;
    size_t dst_size = sizeof(other);
    unsigned bit = 0;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (rg_str_caseeq_cstr(nm, fields[i].name)) {
            bit = fields[i].bit;
            dst = (char *)cr + fields[i].off;
            dst_size = fields[i].size;
        }
    }
    if (rg_str_caseeq_cstr(nm, "algorithm"))
        bit = F_ALG;
    else if (rg_str_caseeq_cstr(nm, "userhash"))
        bit = F_USERHASH;
    if (bit & *seen)
        return RG_EBADMSG;
    *seen |= bit;
    bool quoted = false;
    int rc = read_value(c, dst, dst_size, &quoted);
    if (rc != RG_OK)
        return rc;
    if (bit == F_ALG)
        return set_alg(cr, other);
    if (bit == F_USERHASH)
        cr->userhash = rg_str_caseeq_cstr(rg_str_from_cstr(other), "true");
    return RG_OK;
}

int rg_digest_parse(struct rg_str value, struct rg_digest_creds *out)
{
    struct cursor c = { value.p, value.p + value.len };
    skip_lws(&c);
    if (!rg_str_has_caseprefix(rg_str_make(c.p, (size_t)(c.end - c.p)), "Digest"))
        return RG_EUNSUPP;
    c.p += 6;
    if (c.p >= c.end || !is_lws((unsigned char)*c.p))
        return RG_EUNSUPP;
    struct rg_digest_creds cr;
    memset(&cr, 0, sizeof(cr));
    cr.alg = RG_DIGEST_MD5;
    unsigned seen = 0;
    for (;;) {
        skip_lws(&c);
        while (c.p < c.end && (*c.p == ',' || is_lws((unsigned char)*c.p)))
            c.p++;
        if (c.p >= c.end)
            break;
        int rc = parse_param(&c, &cr, &seen);
        if (rc != RG_OK)
            return rc;
        skip_lws(&c);
        if (c.p < c.end && *c.p != ',')
            return RG_EBADMSG;
    }
    unsigned need = F_USER | F_REALM | F_NONCE | F_URI | F_RESPONSE;
    if ((seen & need) != need)
        return RG_EBADMSG;
    *out = cr;
    return RG_OK;
}
