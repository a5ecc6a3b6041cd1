/*
 * dtls_conn.h — DTLS-SRTP associations, sans-IO (RFC 5763, RFC 5764).
 *
 * A struct rg_dtls_ctx holds what a DTLS profile (vendor "dtlsProfile")
 * and a certificate fix: versions, cipher list, handshake timer,
 * retransmission start, cookie exchange, session cache, the use_srtp
 * profiles in order of preference.  A struct rg_dtls_conn is one DTLS
 * association on one ICE component, in the client or server role decided
 * by a=setup (RFC 5763 §5).  It is driven by five calls:
 *
 *   handle_input(now_us, datagram)   a received DTLS datagram (the caller
 *                                    demultiplexes, RFC 7983 §7: 20..63)
 *   handle_timeout(now_us)           when now_us >= next_timeout_us()
 *   next_timeout_us()                earliest deadline, INT64_MAX if none
 *   poll_transmit(buf)               next datagram to send (≤ profile MTU)
 *   poll_event(ev)                   CONNECTED (SRTP keys) / FAILED / CLOSED
 *
 * The peer's certificate is accepted only if its digest equals one of the
 * remote a=fingerprint values (RFC 8122 §5, RFC 5763 §5); self-signed
 * certificates are the norm.  When the fingerprint is not known yet (DTLS
 * can arrive before the SDP answer), the handshake may finish but keys are
 * withheld until rg_dtls_conn_set_remote_fingerprints() confirms them.
 * A mismatch fails the association: FAILED with a reason, never keys.
 *
 * Time: now_us is monotonic microseconds from the caller.  OpenSSL's DTLS
 * retransmission timer also reads the wall clock itself (OpenSSL 3.0);
 * see docs/internals/dtls.md for what this means.
 *
 * Ownership: ctx and conn belong to the caller; a conn keeps a reference
 * to its ctx's SSL_CTX, so the ctx may be freed first.  Threads: a ctx may
 * be shared read-only by threads once made; a conn is used by one thread.
 * OpenSSL's per-thread error queue is cleared before each operation.
 */
#ifndef RG_PROTO_DTLS_CONN_H
#define RG_PROTO_DTLS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/log.h"
#include "proto/dtls/dtls_cert.h"
#include "proto/srtp/srtp_ctx.h"

enum rg_dtls_role { RG_DTLS_CLIENT = 1, RG_DTLS_SERVER = 2 };

#define RG_DTLS_MAX_SRTP_PROFILES 4
#define RG_DTLS_MAX_REMOTE_FP 4
#define RG_DTLS_MAX_PEER_ID 64
#define RG_DTLS_COOKIE_SECRET_LEN 32
#define RG_DTLS_DEFAULT_MTU 1200
#define RG_DTLS_MIN_MTU 256
#define RG_DTLS_MAX_MTU 9000
/* Largest datagram handle_input accepts (a full record plus slack). */
#define RG_DTLS_MAX_DATAGRAM 18432
/* ECDHE with ECDSA or RSA certificates; AEAD suites first, CBC-SHA ones
 * for DTLS 1.0 peers. */
#define RG_DTLS_DEFAULT_CIPHERS                                                \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"             \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"               \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:"                 \
    "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES128-SHA:"      \
    "ECDHE-RSA-AES256-SHA"

struct rg_dtls_profile {
    bool v1_0;                     /* allow DTLS 1.0 (needs security level 0) */
    bool v1_2;                     /* allow DTLS 1.2; at least one must be set */
    const char *ciphers;           /* OpenSSL cipher list; NULL = default above */
    uint32_t handshake_timer_ms;   /* give up after this; 0 = 5,000; max 60,000 */
    uint32_t rtx_initial_ms;       /* first retransmission; 0 = 1,000 (RFC 6347 §4.2.4.1) */
    uint32_t session_cache_s;      /* server-side session resumption; 0 = off */
    bool cookie_exchange;          /* server sends HelloVerifyRequest (RFC 6347 §4.2.1) */
    enum rg_srtp_profile srtp[RG_DTLS_MAX_SRTP_PROFILES]; /* preference order */
    uint8_t n_srtp;                /* 1..4 */
    uint16_t mtu;                  /* largest datagram sent; 0 = RG_DTLS_DEFAULT_MTU */
};

struct rg_dtls_ctx;
struct rg_dtls_conn;

struct rg_dtls_conn_cfg {
    enum rg_dtls_role role;
    struct rg_dtls_fp remote_fp[RG_DTLS_MAX_REMOTE_FP]; /* any one must match */
    uint8_t n_remote_fp;                                /* 0: not known yet */
    /* Peer identity for HelloVerifyRequest cookies (e.g. the remote
     * address text); copied, at most RG_DTLS_MAX_PEER_ID bytes. */
    const uint8_t *peer_id;
    size_t peer_id_len;
};

enum rg_dtls_state {
    RG_DTLS_ST_HANDSHAKING = 1,
    RG_DTLS_ST_AWAIT_FP,   /* handshake done, remote fingerprint not yet known */
    RG_DTLS_ST_CONNECTED,
    RG_DTLS_ST_FAILED,
    RG_DTLS_ST_CLOSED,
};

enum rg_dtls_fail {
    RG_DTLS_FAIL_NONE = 0,
    RG_DTLS_FAIL_FINGERPRINT, /* peer certificate does not match a=fingerprint */
    RG_DTLS_FAIL_TIMEOUT,     /* handshake timer expired */
    RG_DTLS_FAIL_VERSION,     /* no common DTLS version */
    RG_DTLS_FAIL_CIPHER,      /* no shared cipher suite */
    RG_DTLS_FAIL_NO_SRTP,     /* use_srtp not negotiated (RFC 5764 §4.1.1) */
    RG_DTLS_FAIL_ALERT,       /* the peer sent a fatal alert */
    RG_DTLS_FAIL_PROTOCOL,    /* any other handshake error */
    RG_DTLS_FAIL_INTERNAL,    /* OpenSSL or memory failure */
};

enum rg_dtls_event_type { RG_DTLS_EV_CONNECTED = 1, RG_DTLS_EV_FAILED, RG_DTLS_EV_CLOSED };

struct rg_dtls_event {
    enum rg_dtls_event_type type;
    /* CONNECTED: keys from "EXTRACTOR-dtls_srtp" (RFC 5764 §4.2); local is
     * what this side protects with (client: client_write), remote is what
     * it unprotects with. */
    struct rg_srtp_key local, remote;
    /* FAILED: why, and a human-readable reason (OpenSSL's, or ours). */
    enum rg_dtls_fail fail;
    char reason[128];
};

/* Negotiated parameters for status displays (valid once CONNECTED). */
struct rg_dtls_info {
    char version[16]; /* "DTLSv1.2" */
    char cipher[64];  /* OpenSSL name, e.g. "ECDHE-ECDSA-AES128-GCM-SHA256" */
    enum rg_srtp_profile srtp;
    bool resumed;
};

/* Maps a vendor cipherSuite token ("rsa-with-aes-128-cbc-sha",
 * "tls_ecdhe_ecdsa_with_aes_128_gcm_sha256", ...) to its OpenSSL name.
 * "nosuite" gives RG_ENOTFOUND (skip it); unknown tokens RG_EUNSUPP. */
RG_MUST_CHECK int rg_dtls_cipher_from_token(struct rg_str token, const char **openssl_name);

/* Creates a context.  profile and cookie_secret (32 bytes, needed only
 * with cookie_exchange; may be NULL otherwise) are copied; cert is
 * referenced.  log may be NULL.  RG_EINVAL on a bad profile (no version,
 * no SRTP profile, timer out of range, cipher list matching nothing),
 * RG_ENOMEM, RG_ECRYPTO. */
RG_MUST_CHECK int rg_dtls_ctx_new(const struct rg_dtls_profile *profile,
                                  const struct rg_dtls_cert *cert, const uint8_t *cookie_secret,
                                  const struct rg_log *log, struct rg_dtls_ctx **out);
void rg_dtls_ctx_free(struct rg_dtls_ctx *ctx);

/* Creates an association.  A client queues its ClientHello at once (poll
 * it with poll_transmit); both start the handshake timer at now_us (a
 * server's timer restarts at its first datagram).  cfg is copied. */
RG_MUST_CHECK int rg_dtls_conn_new(struct rg_dtls_ctx *ctx, const struct rg_dtls_conn_cfg *cfg,
                                   int64_t now_us, struct rg_dtls_conn **out);
void rg_dtls_conn_free(struct rg_dtls_conn *c);

/* Sets or replaces the accepted remote fingerprints (1..4).  If the
 * handshake already finished, checks the peer certificate now and queues
 * CONNECTED or FAILED.  RG_EINVAL (count), RG_ESTATE (failed/closed). */
RG_MUST_CHECK int rg_dtls_conn_set_remote_fingerprints(struct rg_dtls_conn *c,
                                                       const struct rg_dtls_fp *fps, size_t n);

/* Feeds one received datagram.  RG_OK (also when the datagram was
 * discarded as garbage, as DTLS does, RFC 6347 §4.1.2.7), RG_ESTATE after
 * FAILED/CLOSED, RG_ELIMIT when longer than RG_DTLS_MAX_DATAGRAM.  A fatal
 * handshake error is reported as a FAILED event, not a return value. */
RG_MUST_CHECK int rg_dtls_conn_handle_input(struct rg_dtls_conn *c, int64_t now_us,
                                            const uint8_t *data, size_t len);
/* Runs due timers: retransmission and the handshake timer. */
RG_MUST_CHECK int rg_dtls_conn_handle_timeout(struct rg_dtls_conn *c, int64_t now_us);
int64_t rg_dtls_conn_next_timeout_us(const struct rg_dtls_conn *c);

/* Copies the next datagram to out.  RG_OK with *out_len, RG_EAGAIN when
 * nothing is queued, RG_ELIMIT when cap is smaller than the datagram
 * (it stays queued; RG_DTLS_MAX_MTU always fits). */
RG_MUST_CHECK int rg_dtls_conn_poll_transmit(struct rg_dtls_conn *c, uint8_t *out, size_t cap,
                                             size_t *out_len);
/* Pops the next event.  RG_OK or RG_EAGAIN. */
RG_MUST_CHECK int rg_dtls_conn_poll_event(struct rg_dtls_conn *c, struct rg_dtls_event *ev);

/* Sends close_notify (RFC 6347 §4.1 / RFC 5246 §7.2.1) and moves to CLOSED. */
RG_MUST_CHECK int rg_dtls_conn_close(struct rg_dtls_conn *c);

enum rg_dtls_state rg_dtls_conn_state(const struct rg_dtls_conn *c);
enum rg_dtls_role rg_dtls_conn_role(const struct rg_dtls_conn *c);
/* RG_OK once the handshake finished, RG_ESTATE before. */
RG_MUST_CHECK int rg_dtls_conn_info(const struct rg_dtls_conn *c, struct rg_dtls_info *out);

#endif
