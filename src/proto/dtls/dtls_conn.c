/*
 * dtls_conn.c — DTLS-SRTP over OpenSSL with memory BIOs.
 *
 * OpenSSL writes each record with its own BIO_write; a memory BIO turns
 * them into one byte stream, so poll_transmit splits that stream back at
 * record boundaries (13-byte DTLS header, RFC 6347 §4.1) and packs whole
 * records into datagrams of at most the profile MTU — several records per
 * datagram are allowed (RFC 6347 §4.1.1).  OpenSSL sizes records and
 * handshake fragments to that MTU (SSL_set_mtu with SSL_OP_NO_QUERY_MTU).
 * Each received datagram is written alone into an emptied read BIO, so
 * OpenSSL never sees two datagrams as one.
 */
#include "proto/dtls/dtls_conn.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/alloc.h"
#include "core/buf.h"

#define TX_MAX 65536       /* queued outgoing bytes; a flight is < 10 KB */
#define EVQ_LEN 4
#define RTX_MAX_US 60000000u /* RFC 6347 §4.2.4.1: at least 60 s */
#define DTLS_HDR_LEN 13
#define DEFAULT_HS_TIMER_MS 5000u
#define DEFAULT_RTX_MS 1000u

struct rg_dtls_ctx {
    SSL_CTX *ssl_ctx;
    const struct rg_log *log;
    uint32_t handshake_timer_ms, rtx_initial_ms;
    uint16_t mtu;
    bool cookie_exchange;
    uint8_t cookie_secret[RG_DTLS_COOKIE_SECRET_LEN];
};

struct rg_dtls_conn {
    SSL *ssl;
    BIO *rbio, *wbio; /* owned by ssl */
    const struct rg_log *log;
    enum rg_dtls_role role;
    enum rg_dtls_state state;
    uint32_t handshake_timer_ms, rtx_initial_us;
    uint16_t mtu;
    bool hs_timer_started;
    bool fp_mismatch;
    int64_t hs_deadline_us;
    int64_t rtx_deadline_us;
    struct rg_dtls_fp remote_fp[RG_DTLS_MAX_REMOTE_FP];
    uint8_t n_remote_fp;
    uint8_t peer_id[RG_DTLS_MAX_PEER_ID];
    size_t peer_id_len;
    uint8_t cookie_secret[RG_DTLS_COOKIE_SECRET_LEN];
    struct rg_buf tx;
    size_t tx_off;
    struct rg_dtls_event ev[EVQ_LEN];
    unsigned ev_head, ev_count;
};

/* ---- configuration ------------------------------------------------------ */

struct cipher_token {
    const char *token, *openssl;
};

/* Vendor cipherSuite tokens (vendor-config-model.md §2.1) → OpenSSL names. */
static const struct cipher_token cipher_tokens[] = {
    { "rsa-with-aes-128-cbc-sha", "AES128-SHA" },
    { "rsa-with-aes-256-cbc-sha", "AES256-SHA" },
    { "rsa-with-aes-128-cbc-sha-256", "AES128-SHA256" },
    { "rsa-with-aes-256-cbc-sha-256", "AES256-SHA256" },
    { "rsa-with-3des-ede-cbc-sha", "DES-CBC3-SHA" },
    { "rsa-with-null-sha", "NULL-SHA" },
    { "tls_ecdhe_rsa_with_aes_128_cbc_sha", "ECDHE-RSA-AES128-SHA" },
    { "tls_ecdhe_rsa_with_aes_256_cbc_sha", "ECDHE-RSA-AES256-SHA" },
    { "tls_ecdhe_rsa_with_aes_128_cbc_sha256", "ECDHE-RSA-AES128-SHA256" },
    { "tls_ecdhe_rsa_with_aes_256_cbc_sha384", "ECDHE-RSA-AES256-SHA384" },
    { "tls_ecdhe_rsa_with_aes_128_gcm_sha256", "ECDHE-RSA-AES128-GCM-SHA256" },
    { "tls_ecdhe_rsa_with_aes_256_gcm_sha384", "ECDHE-RSA-AES256-GCM-SHA384" },
    { "tls_ecdhe_ecdsa_with_aes_128_gcm_sha256", "ECDHE-ECDSA-AES128-GCM-SHA256" },
    { "tls_ecdhe_ecdsa_with_aes_256_gcm_sha384", "ECDHE-ECDSA-AES256-GCM-SHA384" },
    { "tls_ecdhe_ecdsa_with_aes_128_cbc_sha", "ECDHE-ECDSA-AES128-SHA" },
    { "tls_ecdhe_ecdsa_with_aes_256_cbc_sha", "ECDHE-ECDSA-AES256-SHA" },
};

int rg_dtls_cipher_from_token(struct rg_str token, const char **openssl_name)
{
    if (rg_str_caseeq_cstr(token, "nosuite"))
        return RG_ENOTFOUND;
    for (size_t i = 0; i < sizeof(cipher_tokens) / sizeof(cipher_tokens[0]); i++) {
        if (rg_str_caseeq_cstr(token, cipher_tokens[i].token)) {
            *openssl_name = cipher_tokens[i].openssl;
            return RG_OK;
        }
    }
    return RG_EUNSUPP;
}

/* OpenSSL's use_srtp names (RFC 5764 §4.1.2, RFC 7714 §14.2). */
static const char *srtp_openssl_name(enum rg_srtp_profile p)
{
    switch (p) {
    case RG_SRTP_AES128_CM_SHA1_80:
        return "SRTP_AES128_CM_SHA1_80";
    case RG_SRTP_AES128_CM_SHA1_32:
        return "SRTP_AES128_CM_SHA1_32";
    case RG_SRTP_AEAD_AES_128_GCM:
        return "SRTP_AEAD_AES_128_GCM";
    case RG_SRTP_AEAD_AES_256_GCM:
        return "SRTP_AEAD_AES_256_GCM";
    default:
        return NULL;
    }
}

static int check_profile(const struct rg_dtls_profile *p, const uint8_t *cookie_secret)
{
    if (!p->v1_0 && !p->v1_2)
        return RG_EINVAL;
    if (p->n_srtp == 0 || p->n_srtp > RG_DTLS_MAX_SRTP_PROFILES)
        return RG_EINVAL;
    for (size_t i = 0; i < p->n_srtp; i++)
        if (!srtp_openssl_name(p->srtp[i]))
            return RG_EINVAL;
    if (p->handshake_timer_ms > 60000 || p->rtx_initial_ms > 60000)
        return RG_EINVAL;
    if (p->mtu != 0 && (p->mtu < RG_DTLS_MIN_MTU || p->mtu > RG_DTLS_MAX_MTU))
        return RG_EINVAL;
    if (p->cookie_exchange && !cookie_secret)
        return RG_EINVAL;
    return RG_OK;
}

/* ---- OpenSSL callbacks -------------------------------------------------- */

/*
 * RFC 8122 §5: when fingerprints with several hash functions are given,
 * only those with the strongest hash count; the certificate must match one
 * of them (several certificates may be listed).
 */
static bool fp_matches(const struct rg_dtls_conn *c, const X509 *peer)
{
    enum rg_dtls_hash best = 0;
    for (size_t i = 0; i < c->n_remote_fp; i++)
        if (rg_dtls_hash_len(c->remote_fp[i].hash) > rg_dtls_hash_len(best))
            best = c->remote_fp[i].hash;
    struct rg_dtls_fp got;
    if (!peer || rg_dtls_x509_fingerprint(peer, best, &got) != RG_OK)
        return false;
    bool ok = false;
    for (size_t i = 0; i < c->n_remote_fp; i++)
        if (c->remote_fp[i].hash == best && rg_dtls_fp_eq(&c->remote_fp[i], &got))
            ok = true;
    return ok;
}

/*
 * Certificates in WebRTC are self-signed: the chain is not checked, the
 * end-entity certificate is authenticated by its fingerprint instead
 * (RFC 5763 §5).  With no fingerprint yet, the check is deferred.
 */
static int verify_cb(int preverify_ok, X509_STORE_CTX *xs)
{
    (void)preverify_ok;
    if (X509_STORE_CTX_get_error_depth(xs) != 0)
        return 1;
    SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct rg_dtls_conn *c = ssl ? SSL_get_app_data(ssl) : NULL;
    if (!c)
        return 0;
    if (c->n_remote_fp == 0 || fp_matches(c, X509_STORE_CTX_get_current_cert(xs)))
        return 1;
    c->fp_mismatch = true;
    X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REJECTED);
    return 0;
}

/* Retransmission interval: rtx_initial, doubled each time, capped at 60 s
 * (RFC 6347 §4.2.4.1).  OpenSSL restarts at 0 for each new flight. */
static unsigned int timer_cb(SSL *ssl, unsigned int prev_us)
{
    const struct rg_dtls_conn *c = SSL_get_app_data(ssl);
    if (prev_us == 0)
        return c->rtx_initial_us;
    return prev_us >= RTX_MAX_US / 2 ? RTX_MAX_US : prev_us * 2;
}

/* Stateless cookie (RFC 6347 §4.2.1): HMAC-SHA256(secret, peer identity). */
static int cookie_make(const struct rg_dtls_conn *c, unsigned char *out, unsigned int *len)
{
    return HMAC(EVP_sha256(), c->cookie_secret, RG_DTLS_COOKIE_SECRET_LEN, c->peer_id,
                c->peer_id_len, out, len) != NULL;
}

static int cookie_gen_cb(SSL *ssl, unsigned char *cookie, unsigned int *len)
{
    return cookie_make(SSL_get_app_data(ssl), cookie, len);
}

static int cookie_verify_cb(SSL *ssl, const unsigned char *cookie, unsigned int len)
{
    unsigned char want[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!cookie_make(SSL_get_app_data(ssl), want, &n))
        return 0;
    return len == n && CRYPTO_memcmp(cookie, want, n) == 0;
}

/* ---- context ------------------------------------------------------------ */

static int setup_ssl_ctx(SSL_CTX *s, const struct rg_dtls_profile *p,
                         const struct rg_dtls_cert *cert)
{
    char srtp[128] = "";
    size_t off = 0;
    for (size_t i = 0; i < p->n_srtp; i++) {
        int n = snprintf(srtp + off, sizeof(srtp) - off, "%s%s", i ? ":" : "",
                         srtp_openssl_name(p->srtp[i]));
        off += (size_t)n;
    }
    if (!SSL_CTX_set_min_proto_version(s, p->v1_0 ? DTLS1_VERSION : DTLS1_2_VERSION) ||
        !SSL_CTX_set_max_proto_version(s, p->v1_2 ? DTLS1_2_VERSION : DTLS1_VERSION))
        return RG_ECRYPTO;
    /* OpenSSL 3 allows DTLS 1.0 (SHA-1/MD5 PRF) only at security level 0. */
    if (p->v1_0)
        SSL_CTX_set_security_level(s, 0);
    if (!SSL_CTX_set_cipher_list(s, p->ciphers ? p->ciphers : RG_DTLS_DEFAULT_CIPHERS))
        return RG_EINVAL;
    if (SSL_CTX_set_tlsext_use_srtp(s, srtp) != 0) /* 0 means success here */
        return RG_ECRYPTO;
    if (SSL_CTX_use_certificate(s, rg_dtls_cert_x509(cert)) != 1 ||
        SSL_CTX_use_PrivateKey(s, rg_dtls_cert_pkey(cert)) != 1 ||
        SSL_CTX_check_private_key(s) != 1)
        return RG_ECRYPTO;
    /* RFC 5763 §5: both sides present certificates.  An ECDSA server
     * certificate with SSL_VERIFY_PEER makes OpenSSL list ecdsa_sign in
     * CertificateRequest, which Chrome >= 124 requires. */
    SSL_CTX_set_verify(s, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
    SSL_CTX_set_options(s, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION |
                               (p->cookie_exchange ? SSL_OP_COOKIE_EXCHANGE : 0));
    SSL_CTX_set_cookie_generate_cb(s, cookie_gen_cb);
    SSL_CTX_set_cookie_verify_cb(s, cookie_verify_cb);
    static const unsigned char sid_ctx[] = "rtcgate-dtls-srtp";
    if (!SSL_CTX_set_session_id_context(s, sid_ctx, sizeof(sid_ctx) - 1))
        return RG_ECRYPTO;
    if (p->session_cache_s > 0) {
        SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_SERVER);
        SSL_CTX_set_timeout(s, (long)p->session_cache_s);
    } else {
        SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(s, SSL_OP_NO_TICKET);
    }
    return RG_OK;
}

int rg_dtls_ctx_new(const struct rg_dtls_profile *profile, const struct rg_dtls_cert *cert,
                    const uint8_t *cookie_secret, const struct rg_log *log,
                    struct rg_dtls_ctx **out)
{
    int rc = check_profile(profile, cookie_secret);
    if (rc != RG_OK)
        return rc;
    if (!cert)
        return RG_EINVAL;
    struct rg_dtls_ctx *ctx = rg_calloc(1, sizeof(*ctx));
    if (!ctx)
        return RG_ENOMEM;
    ERR_clear_error();
    ctx->ssl_ctx = SSL_CTX_new(DTLS_method());
    rc = ctx->ssl_ctx ? setup_ssl_ctx(ctx->ssl_ctx, profile, cert) : RG_ENOMEM;
    ERR_clear_error();
    if (rc != RG_OK) {
        SSL_CTX_free(ctx->ssl_ctx);
        rg_free(ctx);
        return rc;
    }
    ctx->log = log;
    ctx->handshake_timer_ms =
        profile->handshake_timer_ms ? profile->handshake_timer_ms : DEFAULT_HS_TIMER_MS;
    ctx->rtx_initial_ms = profile->rtx_initial_ms ? profile->rtx_initial_ms : DEFAULT_RTX_MS;
    ctx->mtu = profile->mtu ? profile->mtu : RG_DTLS_DEFAULT_MTU;
    ctx->cookie_exchange = profile->cookie_exchange;
    if (cookie_secret)
        memcpy(ctx->cookie_secret, cookie_secret, RG_DTLS_COOKIE_SECRET_LEN);
    *out = ctx;
    return RG_OK;
}

void rg_dtls_ctx_free(struct rg_dtls_ctx *ctx)
{
    if (!ctx)
        return;
    SSL_CTX_free(ctx->ssl_ctx);
    OPENSSL_cleanse(ctx->cookie_secret, sizeof(ctx->cookie_secret));
    rg_free(ctx);
}

/* ---- events and failure ------------------------------------------------- */

static struct rg_dtls_event *push_event(struct rg_dtls_conn *c, enum rg_dtls_event_type type)
{
    if (c->ev_count == EVQ_LEN)
        return NULL; /* cannot happen: at most one terminal event each */
    struct rg_dtls_event *ev = &c->ev[(c->ev_head + c->ev_count++) % EVQ_LEN];
    memset(ev, 0, sizeof(*ev));
    ev->type = type;
    return ev;
}

static void fail(struct rg_dtls_conn *c, enum rg_dtls_fail why, const char *reason)
{
    if (c->state == RG_DTLS_ST_FAILED || c->state == RG_DTLS_ST_CLOSED)
        return;
    c->state = RG_DTLS_ST_FAILED;
    c->rtx_deadline_us = INT64_MAX;
    /* The vendor's troubleshooting text, e.g. "... no shared cipher". */
    RG_LOG(c->log, RG_LOG_WARN, dtls, NULL, "DTLS_SRTP: *DTLS Error  %s", reason);
    struct rg_dtls_event *ev = push_event(c, RG_DTLS_EV_FAILED);
    if (ev) {
        ev->fail = why;
        rg_str_copy_cstr(rg_str_head(rg_str_from_cstr(reason), sizeof(ev->reason) - 1), ev->reason,
                         sizeof(ev->reason));
    }
}

static enum rg_dtls_fail classify(int reason)
{
    switch (reason) {
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_VERSION_TOO_HIGH:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        return RG_DTLS_FAIL_VERSION;
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_NO_CIPHERS_AVAILABLE:
        return RG_DTLS_FAIL_CIPHER;
    case ERR_R_MALLOC_FAILURE:
        return RG_DTLS_FAIL_INTERNAL;
    default:
        /* Received alerts are reported as SSL_AD_REASON_OFFSET + alert. */
        return reason > SSL_AD_REASON_OFFSET ? RG_DTLS_FAIL_ALERT : RG_DTLS_FAIL_PROTOCOL;
    }
}

/* A fatal error from SSL_do_handshake / SSL_read / DTLSv1_handle_timeout. */
static void fail_from_ssl(struct rg_dtls_conn *c)
{
    if (c->fp_mismatch) {
        fail(c, RG_DTLS_FAIL_FINGERPRINT, "peer certificate does not match a=fingerprint");
        return;
    }
    unsigned long e = ERR_peek_last_error();
    const char *text = e ? ERR_reason_error_string(e) : NULL;
    fail(c, e ? classify(ERR_GET_REASON(e)) : RG_DTLS_FAIL_PROTOCOL,
         text ? text : "handshake failed");
}

/* ---- output ------------------------------------------------------------- */

/* Moves what OpenSSL wrote into the transmit queue. */
static void collect_output(struct rg_dtls_conn *c)
{
    uint8_t chunk[4096];
    for (;;) {
        int n = BIO_read(c->wbio, chunk, sizeof(chunk));
        if (n <= 0)
            break;
        if (c->tx_off == c->tx.len) {
            rg_buf_reset(&c->tx);
            c->tx_off = 0;
        }
        int rc = rg_buf_append(&c->tx, chunk, (size_t)n);
        if (rc != RG_OK) {
            (void)BIO_reset(c->wbio);
            fail(c, RG_DTLS_FAIL_INTERNAL,
                 rc == RG_ENOMEM ? "out of memory" : "transmit queue full");
            return;
        }
    }
}

/* Mirrors OpenSSL's retransmission deadline onto the caller's clock. */
static void update_rtx(struct rg_dtls_conn *c, int64_t now_us)
{
    struct timeval tv;
    if (c->state == RG_DTLS_ST_FAILED || c->state == RG_DTLS_ST_CLOSED ||
        DTLSv1_get_timeout(c->ssl, &tv) <= 0)
        c->rtx_deadline_us = INT64_MAX;
    else
        c->rtx_deadline_us = now_us + (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

int rg_dtls_conn_poll_transmit(struct rg_dtls_conn *c, uint8_t *out, size_t cap, size_t *out_len)
{
    if (c->tx_off >= c->tx.len)
        return RG_EAGAIN;
    const uint8_t *p = (const uint8_t *)c->tx.data + c->tx_off;
    size_t avail = c->tx.len - c->tx_off, n = 0;
    while (n < avail) {
        size_t rl = avail - n < DTLS_HDR_LEN
                        ? avail - n
                        : DTLS_HDR_LEN + ((size_t)p[n + 11] << 8 | p[n + 12]);
        if (rl > avail - n)
            rl = avail - n; /* cannot happen with OpenSSL's output; send as is */
        if (n > 0 && n + rl > c->mtu)
            break;
        n += rl;
    }
    if (n > cap)
        return RG_ELIMIT;
    memcpy(out, p, n);
    c->tx_off += n;
    *out_len = n;
    return RG_OK;
}

int rg_dtls_conn_poll_event(struct rg_dtls_conn *c, struct rg_dtls_event *ev)
{
    if (c->ev_count == 0)
        return RG_EAGAIN;
    *ev = c->ev[c->ev_head];
    memset(&c->ev[c->ev_head], 0, sizeof(c->ev[0])); /* no key copies left behind */
    c->ev_head = (c->ev_head + 1) % EVQ_LEN;
    c->ev_count--;
    return RG_OK;
}

/* ---- handshake completion ----------------------------------------------- */

static void set_key(struct rg_srtp_key *k, enum rg_srtp_profile p, const uint8_t *key,
                    size_t klen, const uint8_t *salt, size_t slen)
{
    memset(k, 0, sizeof(*k));
    k->profile = p;
    memcpy(k->key, key, klen);
    k->key_len = (uint8_t)klen;
    memcpy(k->salt, salt, slen);
    k->salt_len = (uint8_t)slen;
}

/*
 * RFC 5764 §4.2: 2 * (key + salt) bytes from the exporter labelled
 * "EXTRACTOR-dtls_srtp", laid out client_write_key | server_write_key |
 * client_write_salt | server_write_salt.
 */
static void finish(struct rg_dtls_conn *c)
{
    if (!fp_matches(c, SSL_get0_peer_certificate(c->ssl))) {
        fail(c, RG_DTLS_FAIL_FINGERPRINT, "peer certificate does not match a=fingerprint");
        return;
    }
    const SRTP_PROTECTION_PROFILE *sp = SSL_get_selected_srtp_profile(c->ssl);
    enum rg_srtp_profile p = sp ? (enum rg_srtp_profile)sp->id : RG_SRTP_NONE;
    size_t klen = rg_srtp_profile_key_len(p), slen = rg_srtp_profile_salt_len(p);
    if (klen == 0) {
        fail(c, RG_DTLS_FAIL_NO_SRTP, "no SRTP protection profile negotiated (use_srtp)");
        return;
    }
    uint8_t km[2 * (RG_SRTP_MAX_KEY_LEN + RG_SRTP_MAX_SALT_LEN)];
    static const char label[] = "EXTRACTOR-dtls_srtp";
    if (SSL_export_keying_material(c->ssl, km, 2 * (klen + slen), label, sizeof(label) - 1,
                                   NULL, 0, 0) != 1) {
        fail(c, RG_DTLS_FAIL_INTERNAL, "keying material export failed");
        return;
    }
    struct rg_dtls_event *ev = push_event(c, RG_DTLS_EV_CONNECTED);
    if (ev) {
        const uint8_t *ck = km, *sk = km + klen, *cs = km + 2 * klen, *ss = cs + slen;
        bool client = c->role == RG_DTLS_CLIENT;
        set_key(&ev->local, p, client ? ck : sk, klen, client ? cs : ss, slen);
        set_key(&ev->remote, p, client ? sk : ck, klen, client ? ss : cs, slen);
    }
    OPENSSL_cleanse(km, sizeof(km));
    c->state = RG_DTLS_ST_CONNECTED;
    RG_LOG(c->log, RG_LOG_INFO, dtls, NULL, "DTLS-SRTP connected: %s %s, %s%s",
           SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl), rg_srtp_profile_name(p),
           SSL_session_reused(c->ssl) ? " (resumed)" : "");
}

static void handshake_step(struct rg_dtls_conn *c)
{
    ERR_clear_error();
    int r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        if (c->n_remote_fp == 0)
            c->state = RG_DTLS_ST_AWAIT_FP; /* keys wait for the SDP */
        else
            finish(c);
        return;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
        fail_from_ssl(c);
}

/* After the handshake: application data is not used by DTLS-SRTP (data
 * channels are relayed elsewhere) and is discarded; close_notify and
 * alerts end the association; retransmitted peer flights make OpenSSL
 * resend its last flight. */
static void read_after_handshake(struct rg_dtls_conn *c)
{
    uint8_t sink[2048];
    for (int guard = 0; guard < 64; guard++) { /* records in one datagram */
        ERR_clear_error();
        int r = SSL_read(c->ssl, sink, sizeof(sink));
        if (r > 0)
            continue;
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_ZERO_RETURN) {
            c->state = RG_DTLS_ST_CLOSED;
            c->rtx_deadline_us = INT64_MAX;
            push_event(c, RG_DTLS_EV_CLOSED);
        } else if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            fail_from_ssl(c);
        }
        break;
    }
    OPENSSL_cleanse(sink, sizeof(sink));
}

/* ---- the five calls ----------------------------------------------------- */

int rg_dtls_conn_handle_input(struct rg_dtls_conn *c, int64_t now_us, const uint8_t *data,
                              size_t len)
{
    if (c->state == RG_DTLS_ST_FAILED || c->state == RG_DTLS_ST_CLOSED)
        return RG_ESTATE;
    if (len > RG_DTLS_MAX_DATAGRAM)
        return RG_ELIMIT;
    if (len == 0)
        return RG_OK;
    if (!c->hs_timer_started) {
        c->hs_timer_started = true;
        c->hs_deadline_us = now_us + (int64_t)c->handshake_timer_ms * 1000;
    }
    (void)BIO_reset(c->rbio);
    if (BIO_write(c->rbio, data, (int)len) != (int)len) {
        fail(c, RG_DTLS_FAIL_INTERNAL, "out of memory");
        return RG_OK;
    }
    if (c->state == RG_DTLS_ST_HANDSHAKING)
        handshake_step(c);
    else
        read_after_handshake(c);
    (void)BIO_reset(c->rbio);
    collect_output(c);
    update_rtx(c, now_us);
    return RG_OK;
}

int rg_dtls_conn_handle_timeout(struct rg_dtls_conn *c, int64_t now_us)
{
    if (c->state == RG_DTLS_ST_FAILED || c->state == RG_DTLS_ST_CLOSED)
        return RG_OK;
    bool in_handshake = c->state == RG_DTLS_ST_HANDSHAKING || c->state == RG_DTLS_ST_AWAIT_FP;
    if (in_handshake && c->hs_timer_started && now_us >= c->hs_deadline_us) {
        char why[96];
        snprintf(why, sizeof(why), "handshake timer expired (%u ms)", c->handshake_timer_ms);
        fail(c, RG_DTLS_FAIL_TIMEOUT, why);
        return RG_OK;
    }
    if (now_us >= c->rtx_deadline_us) {
        ERR_clear_error();
        /* Acts only when OpenSSL's own (wall-clock) timer has expired too. */
        if (DTLSv1_handle_timeout(c->ssl) < 0)
            fail_from_ssl(c);
        collect_output(c);
    }
    update_rtx(c, now_us);
    return RG_OK;
}

int64_t rg_dtls_conn_next_timeout_us(const struct rg_dtls_conn *c)
{
    if (c->state == RG_DTLS_ST_FAILED || c->state == RG_DTLS_ST_CLOSED)
        return INT64_MAX;
    int64_t t = c->rtx_deadline_us;
    bool in_handshake = c->state == RG_DTLS_ST_HANDSHAKING || c->state == RG_DTLS_ST_AWAIT_FP;
    if (in_handshake && c->hs_timer_started && c->hs_deadline_us < t)
        t = c->hs_deadline_us;
    return t;
}

/* ---- lifecycle ---------------------------------------------------------- */

static int conn_setup_ssl(struct rg_dtls_conn *c, struct rg_dtls_ctx *ctx)
{
    c->ssl = SSL_new(ctx->ssl_ctx);
    if (!c->ssl)
        return RG_ENOMEM;
    c->rbio = BIO_new(BIO_s_mem());
    c->wbio = BIO_new(BIO_s_mem());
    if (!c->rbio || !c->wbio) {
        BIO_free(c->rbio);
        BIO_free(c->wbio);
        return RG_ENOMEM;
    }
    /* An empty memory BIO reads as "retry", i.e. SSL_ERROR_WANT_READ. */
    BIO_set_mem_eof_return(c->rbio, -1);
    BIO_set_mem_eof_return(c->wbio, -1);
    SSL_set_bio(c->ssl, c->rbio, c->wbio);
    SSL_set_app_data(c->ssl, c);
    if (!SSL_set_mtu(c->ssl, c->mtu))
        return RG_EINVAL;
    DTLS_set_timer_cb(c->ssl, timer_cb);
    if (c->role == RG_DTLS_CLIENT)
        SSL_set_connect_state(c->ssl);
    else
        SSL_set_accept_state(c->ssl);
    return RG_OK;
}

int rg_dtls_conn_new(struct rg_dtls_ctx *ctx, const struct rg_dtls_conn_cfg *cfg, int64_t now_us,
                     struct rg_dtls_conn **out)
{
    if ((cfg->role != RG_DTLS_CLIENT && cfg->role != RG_DTLS_SERVER) ||
        cfg->n_remote_fp > RG_DTLS_MAX_REMOTE_FP || cfg->peer_id_len > RG_DTLS_MAX_PEER_ID ||
        (cfg->peer_id_len > 0 && !cfg->peer_id))
        return RG_EINVAL;
    struct rg_dtls_conn *c = rg_calloc(1, sizeof(*c));
    if (!c)
        return RG_ENOMEM;
    c->log = ctx->log;
    c->role = cfg->role;
    c->state = RG_DTLS_ST_HANDSHAKING;
    c->handshake_timer_ms = ctx->handshake_timer_ms;
    c->rtx_initial_us = ctx->rtx_initial_ms * 1000u;
    c->mtu = ctx->mtu;
    c->rtx_deadline_us = INT64_MAX;
    memcpy(c->remote_fp, cfg->remote_fp, sizeof(c->remote_fp));
    c->n_remote_fp = cfg->n_remote_fp;
    if (cfg->peer_id_len)
        memcpy(c->peer_id, cfg->peer_id, cfg->peer_id_len);
    c->peer_id_len = cfg->peer_id_len;
    memcpy(c->cookie_secret, ctx->cookie_secret, sizeof(c->cookie_secret));
    rg_buf_init(&c->tx, TX_MAX);
    ERR_clear_error();
    int rc = conn_setup_ssl(c, ctx);
    if (rc != RG_OK) {
        rg_dtls_conn_free(c);
        ERR_clear_error();
        return rc;
    }
    c->hs_timer_started = true;
    c->hs_deadline_us = now_us + (int64_t)c->handshake_timer_ms * 1000;
    if (c->role == RG_DTLS_CLIENT) {
        handshake_step(c); /* ClientHello */
        collect_output(c);
        update_rtx(c, now_us);
    } else {
        c->hs_timer_started = false; /* starts with the first ClientHello */
    }
    *out = c;
    return RG_OK;
}

void rg_dtls_conn_free(struct rg_dtls_conn *c)
{
    if (!c)
        return;
    SSL_free(c->ssl); /* frees both BIOs */
    rg_buf_deinit(&c->tx);
    OPENSSL_cleanse(c, sizeof(*c)); /* queued events may hold keys */
    rg_free(c);
}

int rg_dtls_conn_set_remote_fingerprints(struct rg_dtls_conn *c, const struct rg_dtls_fp *fps,
                                         size_t n)
{
    if (n == 0 || n > RG_DTLS_MAX_REMOTE_FP)
        return RG_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (rg_dtls_hash_len(fps[i].hash) == 0 || fps[i].len != rg_dtls_hash_len(fps[i].hash))
            return RG_EINVAL;
    if (c->state == RG_DTLS_ST_FAILED || c->state == RG_DTLS_ST_CLOSED)
        return RG_ESTATE;
    memcpy(c->remote_fp, fps, n * sizeof(fps[0]));
    c->n_remote_fp = (uint8_t)n;
    if (c->state == RG_DTLS_ST_AWAIT_FP) {
        finish(c);
    } else if (c->state == RG_DTLS_ST_CONNECTED &&
               !fp_matches(c, SSL_get0_peer_certificate(c->ssl))) {
        /* A changed fingerprint means a new association (RFC 8842 §5);
         * this one cannot continue with keys of another certificate. */
        fail(c, RG_DTLS_FAIL_FINGERPRINT, "peer certificate does not match a=fingerprint");
    }
    return RG_OK;
}

int rg_dtls_conn_close(struct rg_dtls_conn *c)
{
    if (c->state == RG_DTLS_ST_FAILED || c->state == RG_DTLS_ST_CLOSED)
        return RG_ESTATE;
    if (c->state != RG_DTLS_ST_HANDSHAKING) {
        ERR_clear_error();
        (void)SSL_shutdown(c->ssl); /* queues close_notify */
        ERR_clear_error();
        collect_output(c);
    }
    c->state = RG_DTLS_ST_CLOSED;
    c->rtx_deadline_us = INT64_MAX;
    return RG_OK;
}

enum rg_dtls_state rg_dtls_conn_state(const struct rg_dtls_conn *c)
{
    return c->state;
}

enum rg_dtls_role rg_dtls_conn_role(const struct rg_dtls_conn *c)
{
    return c->role;
}

int rg_dtls_conn_info(const struct rg_dtls_conn *c, struct rg_dtls_info *out)
{
    if (!SSL_is_init_finished(c->ssl))
        return RG_ESTATE;
    struct rg_dtls_info info;
    memset(&info, 0, sizeof(info));
    rg_str_copy_cstr(rg_str_head(rg_str_from_cstr(SSL_get_version(c->ssl)), 15), info.version,
                     sizeof(info.version));
    const char *cipher = SSL_get_cipher_name(c->ssl);
    rg_str_copy_cstr(rg_str_head(rg_str_from_cstr(cipher ? cipher : ""), 63), info.cipher,
                     sizeof(info.cipher));
    const SRTP_PROTECTION_PROFILE *sp = SSL_get_selected_srtp_profile(c->ssl);
    info.srtp = sp ? (enum rg_srtp_profile)sp->id : RG_SRTP_NONE;
    info.resumed = SSL_session_reused(c->ssl) != 0;
    *out = info;
    return RG_OK;
}
