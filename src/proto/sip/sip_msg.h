/*
 * sip_msg.h — SIP message codec (RFC 3261 §7, §20, §25), sans-IO, zero-copy.
 *
 * rg_sip_parse() turns one complete message (a UDP datagram, or a message cut
 * from a stream by struct rg_sip_framer) into a struct rg_sip_msg.  Every
 * struct the message uses lives in the caller's arena; every struct rg_str
 * points into the caller's buffer (or into the arena for values added by the
 * editor), so the buffer must outlive the message and stay unchanged.  Free
 * everything with rg_arena_deinit/reset.
 *
 * The header table (hdrs) is the message: name and raw value of every header
 * line in order, folded continuation lines included verbatim.  The "index"
 * (vias, from, to, cseq, ...) is derived from it by rg_sip_msg_index(), which
 * rg_sip_parse() runs; after editing headers call it again.
 *
 * What the codec rejects (struct rg_sip_error says why, with a status code
 * and a phrase for the response): syntax of the start line, of header lines
 * and of every header it indexes (Via, From, To, Call-ID, CSeq, Contact,
 * Route, Record-Route, Max-Forwards, Content-Length, Content-Type, Supported,
 * Require, Proxy-Require, Date); single-valued headers present twice; the
 * mandatory headers To, From, CSeq, Call-ID and Via (RFC 3261 §8.1.1; Max-
 * Forwards is not demanded so RFC 2543 requests still parse, RFC 4475
 * §3.4.1); a CSeq method differing from the request method (§8.1.1.5);
 * headers in a Request-URI (§19.1.1 table); and a Content-Length larger than
 * the datagram's body (§18.3).  A datagram that ends right after its last
 * header line, without the empty line, is accepted with an empty body (RFC
 * 4475's baddn.dat is published that way); a stream message is not (the
 * framer waits for CRLF CRLF).  Policy decisions that need the UAS's
 * configuration (416, 420, 415, 406, 483) are in rg_sip_check_request().
 * Thread-safe: no shared state.
 */
#ifndef RG_PROTO_SIP_MSG_H
#define RG_PROTO_SIP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "proto/sip/sip_uri.h"

/* Bounds: exceeding any gives RG_EBADMSG with a specific reason. */
struct rg_sip_limits {
    size_t max_msg_bytes;    /* whole message (RFC 3261 §18.1.1 UDP path MTU aside) */
    size_t max_headers;      /* header lines */
    size_t max_header_bytes; /* one header including its folded lines */
    size_t max_vias;         /* Via values across all Via headers */
    size_t max_list;         /* values of one other multi-value header kind */
};

#define RG_SIP_LIMITS_DEFAULT ((struct rg_sip_limits){65535, 128, 8192, 64, 64})

enum rg_sip_reason {
    RG_SIP_R_NONE = 0,
    RG_SIP_R_START_LINE,
    RG_SIP_R_REQUEST_URI,
    RG_SIP_R_RURI_HEADERS,
    RG_SIP_R_VERSION,
    RG_SIP_R_STATUS_LINE,
    RG_SIP_R_HEADER_SYNTAX,
    RG_SIP_R_NO_BODY_SEPARATOR,
    RG_SIP_R_TOO_LARGE,
    RG_SIP_R_TOO_MANY_HEADERS,
    RG_SIP_R_HEADER_TOO_LONG,
    RG_SIP_R_TOO_MANY_VALUES,
    RG_SIP_R_TOO_MANY_VIAS,
    RG_SIP_R_TOO_MANY_PARAMS,
    RG_SIP_R_VIA,
    RG_SIP_R_FROM,
    RG_SIP_R_TO,
    RG_SIP_R_CALL_ID,
    RG_SIP_R_CSEQ,
    RG_SIP_R_CSEQ_METHOD,
    RG_SIP_R_MAX_FORWARDS,
    RG_SIP_R_CONTENT_LENGTH,
    RG_SIP_R_CL_MISMATCH,
    RG_SIP_R_CONTENT_TYPE,
    RG_SIP_R_CONTACT,
    RG_SIP_R_ROUTE,
    RG_SIP_R_RECORD_ROUTE,
    RG_SIP_R_OPTION_TAGS,
    RG_SIP_R_DATE,
    RG_SIP_R_DUP_FROM,
    RG_SIP_R_DUP_TO,
    RG_SIP_R_DUP_CALL_ID,
    RG_SIP_R_DUP_CSEQ,
    RG_SIP_R_DUP_MAX_FORWARDS,
    RG_SIP_R_DUP_CONTENT_LENGTH,
    RG_SIP_R_DUP_CONTENT_TYPE,
    RG_SIP_R_MISSING_VIA,
    RG_SIP_R_MISSING_FROM,
    RG_SIP_R_MISSING_TO,
    RG_SIP_R_MISSING_CALL_ID,
    RG_SIP_R_MISSING_CSEQ,
    RG_SIP_R_MISSING_CONTENT_LENGTH,
    /* rg_sip_check_request() verdicts */
    RG_SIP_R_BAD_BRANCH,
    RG_SIP_R_UNSUPPORTED_SCHEME,
    RG_SIP_R_BAD_EXTENSION,
    RG_SIP_R_UNSUPPORTED_MEDIA,
    RG_SIP_R_NOT_ACCEPTABLE,
    RG_SIP_R_TOO_MANY_HOPS,
    RG_SIP_R_COUNT
};

/* Why a message was refused.  phrase is static text for the status line,
 * e.g. "Bad Request - Missing Call-ID" to send as "SIP/2.0 400 <phrase>". */
struct rg_sip_error {
    enum rg_sip_reason reason;
    uint16_t status;
    const char *phrase;
};

/* Known header names; compact forms map to the same id (RFC 3261 §7.3.3,
 * and the IANA SIP header registry for o u r b k x y a j d n e). */
enum rg_sip_hdr_id {
    RG_SIP_H_OTHER = 0,
    RG_SIP_H_VIA,
    RG_SIP_H_FROM,
    RG_SIP_H_TO,
    RG_SIP_H_CALL_ID,
    RG_SIP_H_CSEQ,
    RG_SIP_H_CONTACT,
    RG_SIP_H_ROUTE,
    RG_SIP_H_RECORD_ROUTE,
    RG_SIP_H_MAX_FORWARDS,
    RG_SIP_H_CONTENT_LENGTH,
    RG_SIP_H_CONTENT_TYPE,
    RG_SIP_H_CONTENT_ENCODING,
    RG_SIP_H_SUPPORTED,
    RG_SIP_H_REQUIRE,
    RG_SIP_H_PROXY_REQUIRE,
    RG_SIP_H_SUBJECT,
    RG_SIP_H_DATE,
    RG_SIP_H_ACCEPT,
    RG_SIP_H_EVENT,
    RG_SIP_H_ALLOW_EVENTS,
    RG_SIP_H_REFER_TO,
    RG_SIP_H_REFERRED_BY,
    RG_SIP_H_SESSION_EXPIRES,
    RG_SIP_H_IDENTITY,
    RG_SIP_H_ACCEPT_CONTACT,
    RG_SIP_H_REJECT_CONTACT,
    RG_SIP_H_REQUEST_DISPOSITION,
    RG_SIP_H_IDENTITY_INFO,
    RG_SIP_H_COUNT
};

struct rg_sip_hdr {
    enum rg_sip_hdr_id id;
    struct rg_str name;  /* as written */
    struct rg_str value; /* LWS-trimmed; may contain CRLF WSP folds */
};

struct rg_sip_via {
    struct rg_str protocol;                /* "SIP" */
    struct rg_str version;                 /* "2.0" */
    struct rg_str transport;               /* "UDP", "TCP", "TLS", "SCTP", "WS", "WSS", ... */
    struct rg_str host;                    /* sent-by host; IPv6 keeps [brackets] */
    uint32_t port;                         /* 0 when absent */
    struct rg_str branch, received, maddr; /* .p NULL when absent */
    int32_t rport;               /* RFC 3581: -1 absent, 0 without value, else the value */
    int32_t ttl;                 /* -1 absent */
    struct rg_sip_params params; /* all via-params in order */
};

/* name-addr / addr-spec with header parameters (§20.10, §20.20, §20.39). */
struct rg_sip_addr {
    struct rg_str display; /* quoted: inside of the quotes, escapes kept */
    bool display_quoted;
    bool star;      /* Contact: * */
    bool bracketed; /* the URI was written in <> */
    struct rg_sip_uri uri;
    struct rg_str tag; /* .p NULL when absent */
    struct rg_sip_params params;
};

struct rg_sip_addrs {
    struct rg_sip_addr *v;
    size_t n;
};

struct rg_sip_tokens {
    struct rg_str *v;
    size_t n;
};

struct rg_sip_ctype {
    struct rg_str type, subtype;
    struct rg_sip_params params;
};

struct rg_sip_msg {
    bool is_request;
    struct rg_str method; /* request */
    struct rg_str ruri_text;
    struct rg_sip_uri ruri;
    uint16_t status; /* response */
    struct rg_str reason;
    struct rg_sip_hdr *hdrs; /* arena-owned; n_hdrs used of cap_hdrs */
    size_t n_hdrs, cap_hdrs;
    struct rg_str body;
    struct rg_sip_limits lim;
    /* index, filled by rg_sip_msg_index() */
    struct rg_sip_via *vias;
    size_t n_vias;
    const struct rg_sip_addr *from, *to; /* NULL when absent */
    struct rg_str call_id;               /* .p NULL when absent */
    bool has_cseq;
    uint32_t cseq;
    struct rg_str cseq_method;
    int32_t max_forwards;   /* -1 absent */
    int64_t content_length; /* -1 absent */
    const struct rg_sip_ctype *content_type;
    struct rg_sip_addrs contacts, routes, record_routes;
    struct rg_sip_tokens supported, require, proxy_require;
};

/* Parses the complete message data[0..len) (len >= the message: bytes past
 * Content-Length are ignored as RFC 3261 §18.3 says for datagrams; without a
 * Content-Length the body is the rest).  lim NULL means the defaults.
 * Returns RG_OK and *out (arena-owned), RG_EBADMSG with *err filled, or
 * RG_ENOMEM.  *out is written only on success, *err only on RG_EBADMSG. */
RG_MUST_CHECK int rg_sip_parse(const char *data, size_t len, const struct rg_sip_limits *lim,
                               struct rg_arena *arena, struct rg_sip_msg **out,
                               struct rg_sip_error *err);

/* Rebuilds the index of m from its header table (after edits).  Returns
 * RG_OK, RG_EBADMSG (*err filled) or RG_ENOMEM.  On failure the index is
 * left partly filled: do not use it. */
RG_MUST_CHECK int rg_sip_msg_index(struct rg_sip_msg *m, struct rg_arena *arena,
                                   struct rg_sip_error *err);

/* Header id of a name, long or compact form, any case. */
enum rg_sip_hdr_id rg_sip_hdr_lookup(struct rg_str name);
/* Canonical long name of a known id ("Via"); NULL for RG_SIP_H_OTHER. */
const char *rg_sip_hdr_name(enum rg_sip_hdr_id id);

/* First header matching name (any form), starting at index *pos (optional,
 * updated to just past the hit for iteration).  NULL when none. */
const struct rg_sip_hdr *rg_sip_msg_find(const struct rg_sip_msg *m, struct rg_str name,
                                         size_t *pos);

/* Fills *err for reason (static phrase and status). */
void rg_sip_error_set(struct rg_sip_error *err, enum rg_sip_reason reason);

/* RFC 3261 §8.1.1.7: a branch that starts with the magic cookie and has
 * more after it. */
bool rg_sip_branch_is_rfc3261(struct rg_str branch);

/* What a UAS/proxy accepts, for rg_sip_check_request(). */
struct rg_sip_policy {
    const char *const *schemes;       /* accepted R-URI schemes, e.g. "sip" */
    const char *const *extensions;    /* option tags we support */
    const char *const *content_types; /* "application/sdp" ... */
    bool is_proxy;                    /* enforce Max-Forwards (483) */
    bool strict_branch;               /* 400 for a cookie-only branch */
};

/* Application-level checks of a parsed request (RFC 3261 §8.2.2 - §8.2.3,
 * §16.3): returns RG_OK or RG_EPROTO with *err (416, 420, 415, 406, 483,
 * 400 bad branch).  For 420 the caller lists the unsupported tags from
 * m->require in an Unsupported header. */
RG_MUST_CHECK int rg_sip_check_request(const struct rg_sip_msg *m, const struct rg_sip_policy *p,
                                       struct rg_sip_error *err);

/* Structural equality of two indexed messages (start line, header table
 * except Content-Length, body): what a parse→serialize→parse round trip must
 * preserve. */
bool rg_sip_msg_equal(const struct rg_sip_msg *a, const struct rg_sip_msg *b);

#endif
