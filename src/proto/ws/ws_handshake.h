/*
 * ws_handshake.h — the WebSocket opening handshake (RFC 6455 §4) with the
 * "sip" subprotocol (RFC 7118 §4.1), sans-IO.
 *
 * Server side: rg_ws_http_parse_request() parses an HTTP/1.1 request head
 * out of the bytes received so far (call it again with the longer buffer when
 * it returns RG_EAGAIN; it is bounded by RG_WS_HTTP_MAX_HEAD bytes and
 * RG_WS_HTTP_MAX_HEADERS header fields).  rg_ws_http_is_upgrade() says
 * whether the request asks for a WebSocket; a plain GET (the demo page) is
 * left to the caller, which gets its method and target.
 * rg_ws_server_respond() validates an upgrade request and writes either the
 * 101 Switching Protocols response or a 400/403/426 error response into a
 * bounded struct rg_buf.
 *
 * Client side (tests and tools): rg_ws_client_request() writes an upgrade
 * request with a fresh key from the injected rg_rng;
 * rg_ws_http_parse_response() and rg_ws_client_verify() check the server's
 * answer (§4.1).
 *
 * Ownership: parsed heads hold struct rg_str views into the caller's buffer,
 * valid while that buffer is alive and unchanged.  No allocation except in
 * the output rg_buf.  Pure functions; any thread.
 */
#ifndef RG_PROTO_WS_HANDSHAKE_H
#define RG_PROTO_WS_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/rng.h"
#include "core/str.h"

/* Largest request or response head accepted, CRLFCRLF included. */
#define RG_WS_HTTP_MAX_HEAD 8192
/* Most header fields in one head. */
#define RG_WS_HTTP_MAX_HEADERS 48
/* Length of a Sec-WebSocket-Key / -Accept value (base64 of 16 / 20 bytes). */
#define RG_WS_KEY_LEN 24
#define RG_WS_ACCEPT_LEN 28

struct rg_ws_http_field {
    struct rg_str name;  /* as received; compare case-insensitively */
    struct rg_str value; /* leading and trailing whitespace removed */
};

/* A parsed request or response head (views into the caller's buffer). */
struct rg_ws_http_head {
    struct rg_str method;   /* request method, e.g. "GET"; empty in responses */
    struct rg_str target;   /* request-target, e.g. "/" or "/ws?x=1" */
    struct rg_str reason;   /* response reason phrase (may be empty) */
    unsigned version_minor; /* HTTP/1.x */
    unsigned status;        /* response status code, 0 for requests */
    size_t head_len;        /* bytes up to and including the blank line */
    size_t n_fields;
    struct rg_ws_http_field fields[RG_WS_HTTP_MAX_HEADERS];
};

/*
 * Parses a request head from buf[0..len).  Returns the head length (the
 * bytes consumed; any bytes after it belong to the next protocol) and fills
 * *out, or RG_EAGAIN (no complete head yet, and it can still fit), RG_ELIMIT
 * (head or header count over the limits) or RG_EBADMSG (RFC 7230 §3 syntax
 * violated: bare LF, obs-fold, space before ':', control characters, a
 * version other than HTTP/1.x).  Errors are reported as soon as the prefix
 * shows them.
 */
RG_MUST_CHECK int rg_ws_http_parse_request(const char *buf, size_t len,
                                           struct rg_ws_http_head *out);
/* Same for a response head ("HTTP/1.1 101 Switching Protocols"). */
RG_MUST_CHECK int rg_ws_http_parse_response(const char *buf, size_t len,
                                            struct rg_ws_http_head *out);

/* Value of the only field called name (case-insensitive); RG_ENOTFOUND if
 * absent, RG_EBADMSG if it occurs more than once. */
RG_MUST_CHECK int rg_ws_http_field(const struct rg_ws_http_head *h, const char *name,
                                   struct rg_str *out);
/* True when any field called name holds token in its comma-separated list
 * (RFC 7230 §7), compared case-insensitively. */
bool rg_ws_http_has_token(const struct rg_ws_http_head *h, const char *name, const char *token);

/* True when the request asks for a WebSocket (Upgrade field listing
 * "websocket" and Connection listing "upgrade", RFC 6455 §4.2.1 items 3-4).
 * False means a plain HTTP request the caller may serve itself. */
bool rg_ws_http_is_upgrade(const struct rg_ws_http_head *req);

/* Origin check hook: return true to allow.  origin is empty when the request
 * had no Origin field (non-browser clients, RFC 6455 §4.2.1 item 8). */
typedef bool rg_ws_origin_check_fn(void *ud, struct rg_str origin, struct rg_str host);

struct rg_ws_server_cfg {
    /* When the client does not offer "sip" (RFC 7118 §4.1): true rejects
     * with 400, false accepts without a subprotocol. */
    bool require_sip;
    rg_ws_origin_check_fn *origin_check; /* NULL allows every origin */
    void *origin_ud;
};

/* What rg_ws_server_respond decided. */
struct rg_ws_server_result {
    unsigned status;      /* 101, 400, 403 or 426 */
    bool sip;             /* "sip" subprotocol selected */
    struct rg_str origin; /* view of the Origin field (empty if none) */
    const char *why;      /* static text: reason for a rejection, "" on 101 */
};

/*
 * Validates an upgrade request (RFC 6455 §4.2.1) and appends the response to
 * out: 101 with Sec-WebSocket-Accept (§4.2.2) and "Sec-WebSocket-Protocol:
 * sip" when selected; 426 with "Sec-WebSocket-Version: 13" for another
 * version (§4.4); 403 when the origin hook refuses; 400 for anything else.
 * Returns RG_OK and fills *res (the status says which response was written),
 * or RG_ELIMIT / RG_ENOMEM / RG_ECRYPTO (out is restored to its old length).
 * req and cfg are borrowed.
 */
RG_MUST_CHECK int rg_ws_server_respond(const struct rg_ws_http_head *req,
                                       const struct rg_ws_server_cfg *cfg, struct rg_buf *out,
                                       struct rg_ws_server_result *res);

/* Computes Sec-WebSocket-Accept for key (RFC 6455 §4.2.2: base64 of SHA-1 of
 * key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").  out gets 28 chars + NUL.
 * Returns RG_OK, RG_ELIMIT (key over 64 bytes) or RG_ECRYPTO. */
RG_MUST_CHECK int rg_ws_accept_key(struct rg_str key, char out[RG_WS_ACCEPT_LEN + 1]);

/*
 * Client: appends "GET path HTTP/1.1" with Host, Upgrade, Connection,
 * Sec-WebSocket-Key (16 random bytes from rng, §4.1), Sec-WebSocket-Version
 * 13, Sec-WebSocket-Protocol: sip and, if origin is non-empty, Origin.  The
 * key is returned in key_out for rg_ws_client_verify.  host, path and origin
 * must be visible ASCII (RG_EINVAL).  Returns RG_OK, RG_EINVAL, RG_ELIMIT or
 * RG_ENOMEM (out restored to its old length on failure).
 */
RG_MUST_CHECK int rg_ws_client_request(struct rg_buf *out, struct rg_str host, struct rg_str path,
                                       struct rg_str origin, const struct rg_rng *rng,
                                       char key_out[RG_WS_KEY_LEN + 1]);

/*
 * Client: checks a parsed response against §4.1 (status 101, Upgrade:
 * websocket, Connection: upgrade, Sec-WebSocket-Accept matching key, no
 * extension, subprotocol absent or "sip").  Returns RG_OK and sets *sip, or
 * RG_EPROTO (the client must fail the connection).
 */
RG_MUST_CHECK int rg_ws_client_verify(const struct rg_ws_http_head *resp, const char *key,
                                      bool *sip);

#endif
