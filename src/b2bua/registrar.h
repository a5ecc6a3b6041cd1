/*
 * registrar.h — the location service for browsers that REGISTER over SIP
 * (RFC 3261 §10, RFC 5626 outbound as JsSIP/SIP.js use it with RFC 7118),
 * with optional digest authentication (RFC 8760/7616, MD5 and SHA-256).
 *
 * Sans-IO: requests and `now_us` in; a response description, bindings and
 * the next deadline out.  No sockets, no clock, no globals; nonces come from
 * the injected rng.
 *
 * A binding ties an address-of-record (the To URI's user@host, compared
 * case-insensitively on host) to one Contact URI and the flow the REGISTER
 * came in on (for a WebSocket client the only way back, RFC 7118 §5).  A
 * binding ends when its expiry passes (rg_reg_handle_timeout), when the
 * client unregisters (Expires 0 or Contact: *), or when its flow closes
 * (rg_reg_flow_closed).  Re-registering the same Contact (or the same
 * +sip.instance/reg-id, RFC 5626 §6) refreshes the binding in place.
 *
 * Ownership: the registrar copies everything it keeps.  Views returned by
 * look-ups stay valid until the next non-const call on the registrar.
 * One thread (the signalling loop).
 */
#ifndef RG_B2BUA_REGISTRAR_H
#define RG_B2BUA_REGISTRAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/rng.h"
#include "core/str.h"
#include "proto/sip/sip_msg.h"

/* One user allowed to register (digest credentials). */
struct rg_reg_user {
    const char *username;
    const char *password;
};

struct rg_reg_cfg {
    unsigned max_bindings;      /* table size (0 = 4096) */
    uint32_t min_expires_s;     /* below: 423 Interval Too Brief with Min-Expires (0 = 60) */
    uint32_t max_expires_s;     /* granted at most (0 = 3600) */
    uint32_t default_expires_s; /* when the request names none (0 = 600) */
    /* Digest authentication: NULL/0 users = none required.  The array and
     * strings are copied by rg_reg_new. */
    const char *realm;          /* NULL: "rtcgate" */
    const struct rg_reg_user *users;
    size_t n_users;
    /* How long a nonce stays fresh (0 = 300 s); an older one with a right
     * response gets 401 with stale=true (RFC 7616 §3.3). */
    uint32_t nonce_lifetime_s;
    /* A 401 carries one WWW-Authenticate per algorithm, SHA-256 first as
     * RFC 8760 §2.4 asks (most preferred first), MD5 last: JsSIP 3.x and
     * SIP.js 0.21 keep only the LAST WWW-Authenticate they parse and abort
     * on any algorithm but MD5.  true puts MD5 first instead, for clients
     * that take the first challenge and know only MD5. */
    bool md5_first;
};

/* What to answer a REGISTER with.  The caller builds the response from the
 * request (Via, From, To with a tag, Call-ID, CSeq copied) adding `hdrs`. */
struct rg_reg_reply {
    int status;        /* 200, 400, 401, 403, 423, 500, 503 */
    const char *reason;/* static text, e.g. "OK", "Interval Too Brief" */
    struct rg_str hdrs;/* extra header lines, each ending CRLF (Contact with
                          expires for every binding of the AoR on 200,
                          WWW-Authenticate on 401, Min-Expires on 423);
                          a view into the registrar valid until the next call */
};

/* A registered contact. */
struct rg_reg_binding {
    struct rg_str aor;      /* "user@host" */
    struct rg_str contact;  /* the Contact URI as registered (no <>) */
    uint64_t flow_conn;     /* connection id the REGISTER came on (0: UDP) */
    unsigned flow_listener; /* listener index (UDP) */
    struct rg_addr src;     /* source address of the REGISTER */
    int64_t expires_us;     /* absolute */
};

struct rg_reg;

/* RG_OK and *out (free with rg_reg_free), RG_EINVAL, RG_ENOMEM.
 * rng is borrowed for the registrar's life. */
RG_MUST_CHECK int rg_reg_new(const struct rg_reg_cfg *cfg, const struct rg_rng *rng,
                             struct rg_reg **out);
void rg_reg_free(struct rg_reg *r);

/* Handles one REGISTER (req->method must be REGISTER) received at now_us on
 * the given flow from src.  Always fills *out (errors become 4xx/5xx
 * replies); returns RG_OK, or RG_EINVAL when req is not a REGISTER. */
RG_MUST_CHECK int rg_reg_handle_register(struct rg_reg *r, int64_t now_us,
                                         const struct rg_sip_msg *req, uint64_t flow_conn,
                                         unsigned flow_listener, const struct rg_addr *src,
                                         struct rg_reg_reply *out);

/* Live bindings of the AoR user@host (host compared case-insensitively; an
 * empty host matches any host).  Writes up to max to out, most recent
 * first; returns the count (0 when none). */
size_t rg_reg_lookup(const struct rg_reg *r, int64_t now_us, struct rg_str user,
                     struct rg_str host, struct rg_reg_binding *out, size_t max);

/* Applies new settings (a committed configuration) keeping every binding:
 * limits, realm, users, nonce lifetime, challenge order.  max_bindings can
 * grow; a smaller one refuses new bindings (503) until enough are gone.
 * Nonces issued before stay valid unless the realm changed.  RG_OK,
 * RG_EINVAL or RG_ENOMEM (r unchanged then). */
RG_MUST_CHECK int rg_reg_reconfigure(struct rg_reg *r, const struct rg_reg_cfg *cfg);

/* Drops every binding that came on connection conn (conn != 0). */
void rg_reg_flow_closed(struct rg_reg *r, uint64_t conn);

/* Drops expired bindings.  Next deadline: INT64_MAX when none. */
void rg_reg_handle_timeout(struct rg_reg *r, int64_t now_us);
int64_t rg_reg_next_timeout_us(const struct rg_reg *r);
/* Number of live bindings (for status and tests). */
size_t rg_reg_count(const struct rg_reg *r);

#endif
