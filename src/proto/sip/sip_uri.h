/*
 * sip_uri.h — SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966), sans-IO.
 *
 * Parsing is zero-copy: every view in a struct rg_sip_uri points into the
 * caller's buffer, which must outlive the URI and stay unchanged.  Views keep
 * the %HH escapes exactly as written (RFC 3261 §19.1.2); rg_sip_unescape()
 * decodes one into an arena when a caller needs the value.  Parameter and
 * header arrays live in the caller's arena.  Other schemes (RFC 3986
 * absoluteURI, e.g. "soap.beep:" or "isbn:") parse with scheme
 * RG_SIP_SCHEME_OTHER and their text after ':' in .opaque.
 * Thread-safe: pure functions over caller-owned memory.
 */
#ifndef RG_PROTO_SIP_URI_H
#define RG_PROTO_SIP_URI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"

/* At most this many ;params or ?headers in one URI or header value. */
#define RG_SIP_MAX_PARAMS 32

enum rg_sip_scheme {
    RG_SIP_SCHEME_SIP = 1,
    RG_SIP_SCHEME_SIPS,
    RG_SIP_SCHEME_TEL,
    RG_SIP_SCHEME_OTHER,
};

/* One "name[=value]" item.  value.p is NULL when there was no '='. */
struct rg_sip_param {
    struct rg_str name;
    struct rg_str value;
};

struct rg_sip_params {
    struct rg_sip_param *v; /* arena-owned, n entries */
    uint16_t n;
};

struct rg_sip_uri {
    enum rg_sip_scheme scheme;
    struct rg_str raw;      /* the whole URI as written */
    struct rg_str user;     /* escaped; .p NULL when absent; tel: the number */
    struct rg_str password; /* escaped; .p NULL when absent */
    struct rg_str host;     /* IPv6 references keep their [brackets] */
    uint32_t port;          /* 0 when absent */
    bool host_ipv6;
    struct rg_sip_params params;  /* ;uri-parameters */
    struct rg_sip_params headers; /* ?headers (sip/sips only) */
    struct rg_str opaque;         /* OTHER: everything after "scheme:" */
};

/* How a URI ends when it is not delimited by <>: an addr-spec in a
 * From/To/Contact value without angle brackets cannot carry ;params or
 * ?headers (RFC 3261 §20.10), so those belong to the header instead. */
enum rg_sip_uri_ctx {
    RG_SIP_URI_WHOLE = 0, /* s is exactly the URI (Request-URI, inside <>) */
    RG_SIP_URI_BARE,      /* addr-spec without <>: stop before ';' ',' '?' or LWS */
};

/* Parses s into *out (params in arena).  In RG_SIP_URI_BARE mode the URI
 * may be a prefix of s; *used (optional) receives its length.  Returns
 * RG_OK, RG_EBADMSG (syntax), RG_ELIMIT (too many params) or RG_ENOMEM.
 * *out and *used are written only on success. */
RG_MUST_CHECK int rg_sip_uri_parse(struct rg_str s, enum rg_sip_uri_ctx ctx, struct rg_arena *arena,
                                   struct rg_sip_uri *out, size_t *used);

/* RFC 3261 §19.1.4 equivalence (sip/sips; tel and OTHER compare the raw
 * text case-insensitively after unescaping). */
bool rg_sip_uri_equal(const struct rg_sip_uri *a, const struct rg_sip_uri *b);

/* Finds a parameter by case-insensitive name; NULL when absent. */
const struct rg_sip_param *rg_sip_param_find(const struct rg_sip_params *ps, const char *name);

/* Decodes %HH escapes of s into arena memory and writes the view to *out.
 * Returns RG_OK, RG_EBADMSG (a '%' not followed by two hex digits) or
 * RG_ENOMEM.  The result may contain NUL bytes (e.g. "%00"). */
RG_MUST_CHECK int rg_sip_unescape(struct rg_str s, struct rg_arena *arena, struct rg_str *out);

/* Compares a and b after decoding %HH escapes in both, optionally ignoring
 * ASCII case. */
bool rg_sip_escaped_equal(struct rg_str a, struct rg_str b, bool nocase);

#endif
