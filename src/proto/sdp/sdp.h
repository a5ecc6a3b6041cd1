/*
 * sdp.h — SDP (RFC 8866) parser, printer, builder and structural equality.
 *
 * Contract:
 *  - Sans-IO and pure: no I/O, clock, randomness or global state.  One parsed
 *    struct rg_sdp is used by one thread at a time.
 *  - Ownership: rg_sdp_parse() allocates the struct rg_sdp, its arrays and the
 *    typed attribute data in the caller's struct rg_arena.  Every struct rg_str
 *    in it is a view into the caller's input buffer (or into the arena for
 *    values added by the builder), so the input must stay alive and unchanged
 *    as long as the parsed SDP is used.  Nothing is freed individually: the
 *    arena is freed or reset as a whole.
 *  - Order: session lines are kept in RFC 8866 section 5 order; every a= line
 *    is kept, in its original order, in the attribute list of its section.
 *    Attributes this module knows are also decoded into a typed union
 *    (struct rg_sdp_attr.u); unknown ones keep name and value text only, so
 *    they survive a parse -> print round trip unchanged.
 *  - Printing (rg_sdp_print) writes CRLF line endings and formats typed
 *    attributes from their typed fields, so a builder may change a field
 *    (say a candidate's port) and print.  parse(print(parse(x))) is equal to
 *    parse(x) under rg_sdp_equal for every x that parses.
 *  - Sloppy peers: LF-only line endings are accepted (recorded in
 *    struct rg_sdp.eol); limits bound bytes, lines, line length, media
 *    sections and attributes per section.  Errors name the 1-based line number
 *    and the problem in struct rg_sdp_error.
 *  - Optional text fields: a struct rg_str with .p == NULL is absent; a
 *    present but empty field has .p != NULL and .len == 0.
 */
#ifndef RG_PROTO_SDP_H
#define RG_PROTO_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

/* Hard caps, whatever the caller's limits say. */
#define RG_SDP_MAX_BYTES_CAP (1u << 20)
#define RG_SDP_FINGERPRINT_MAX 64 /* SHA-512 digest bytes (RFC 8122) */

struct rg_sdp_limits {
    size_t max_bytes;       /* whole SDP body */
    uint32_t max_lines;     /* all lines together */
    uint32_t max_line_len;  /* one line, without its line ending */
    uint32_t max_media;     /* m= sections */
    uint32_t max_attrs;     /* a= lines in one section (session or media) */
    uint32_t max_list;      /* items in one list: fmts, group mids, candidate extensions ... */
    bool keep_bad_attrs;    /* a known attribute with a malformed value is kept as
                               RG_SDP_A_UNKNOWN instead of failing the parse */
};

/* Defaults: 64 KiB, 2000 lines, 4096 bytes a line, 64 media, 512 attributes,
 * 256 list items, strict attributes. */
void rg_sdp_limits_default(struct rg_sdp_limits *lim);

/* Filled by rg_sdp_parse on failure: which line (1-based, 0 = not a line
 * problem) and a static English description. */
struct rg_sdp_error {
    uint32_t line;
    const char *what;
};

enum rg_sdp_eol { RG_SDP_EOL_CRLF = 0, RG_SDP_EOL_LF, RG_SDP_EOL_MIXED };

/* ---- typed attributes ---------------------------------------------------- */

/* Keep RG_SDP_A_UNKNOWN first; rg_sdp_attr_kind_name() maps kind to name. */
enum rg_sdp_attr_kind {
    RG_SDP_A_UNKNOWN = 0,
    RG_SDP_A_ICE_UFRAG,        /* RFC 8839 5.4 */
    RG_SDP_A_ICE_PWD,          /* RFC 8839 5.4 */
    RG_SDP_A_ICE_OPTIONS,      /* RFC 8839 5.6 */
    RG_SDP_A_ICE_LITE,         /* RFC 8839 5.3 */
    RG_SDP_A_CANDIDATE,        /* RFC 8839 5.1 */
    RG_SDP_A_END_OF_CANDIDATES, /* RFC 8840 8.2 */
    RG_SDP_A_FINGERPRINT,      /* RFC 8122 5 */
    RG_SDP_A_SETUP,            /* RFC 4145 4 */
    RG_SDP_A_TLS_ID,           /* RFC 8842 4 */
    RG_SDP_A_MID,              /* RFC 5888 4 / RFC 9143 */
    RG_SDP_A_GROUP,            /* RFC 5888 5 */
    RG_SDP_A_RTCP,             /* RFC 3605 2.1 */
    RG_SDP_A_RTCP_MUX,         /* RFC 5761 5.1.1 */
    RG_SDP_A_RTCP_RSIZE,       /* RFC 5506 5 */
    RG_SDP_A_RTCP_FB,          /* RFC 4585 4.2 */
    RG_SDP_A_EXTMAP,           /* RFC 8285 7 */
    RG_SDP_A_EXTMAP_ALLOW_MIXED, /* RFC 8285 6 */
    RG_SDP_A_SSRC,             /* RFC 5576 4.1 */
    RG_SDP_A_SSRC_GROUP,       /* RFC 5576 4.2 */
    RG_SDP_A_MSID,             /* RFC 8830 2 */
    RG_SDP_A_RTPMAP,           /* RFC 8866 6.6 */
    RG_SDP_A_FMTP,             /* RFC 8866 6.15 */
    RG_SDP_A_PTIME,            /* RFC 8866 6.4 */
    RG_SDP_A_MAXPTIME,         /* RFC 8866 6.5 */
    RG_SDP_A_CRYPTO,           /* RFC 4568 9.1 */
    RG_SDP_A_SCTP_PORT,        /* RFC 8841 5.1 */
    RG_SDP_A_MAX_MESSAGE_SIZE, /* RFC 8841 6.1 */
    RG_SDP_A_SENDRECV,         /* RFC 8866 6.7 */
    RG_SDP_A_SENDONLY,
    RG_SDP_A_RECVONLY,
    RG_SDP_A_INACTIVE,
    RG_SDP_A_KIND_COUNT,
};

enum rg_sdp_dir {
    RG_SDP_DIR_NONE = 0, /* not stated (extmap) */
    RG_SDP_DIR_SENDRECV,
    RG_SDP_DIR_SENDONLY,
    RG_SDP_DIR_RECVONLY,
    RG_SDP_DIR_INACTIVE,
};

enum rg_sdp_cand_type {
    RG_SDP_CAND_OTHER = 0, /* an extension type; text in type_name */
    RG_SDP_CAND_HOST,
    RG_SDP_CAND_SRFLX,
    RG_SDP_CAND_PRFLX,
    RG_SDP_CAND_RELAY,
};

enum rg_sdp_tcptype {
    RG_SDP_TCPTYPE_NONE = 0, /* no tcptype extension */
    RG_SDP_TCPTYPE_ACTIVE,   /* RFC 6544 4.5 */
    RG_SDP_TCPTYPE_PASSIVE,
    RG_SDP_TCPTYPE_SO,
};

enum rg_sdp_setup {
    RG_SDP_SETUP_ACTIVE = 1, /* RFC 4145 4 */
    RG_SDP_SETUP_PASSIVE,
    RG_SDP_SETUP_ACTPASS,
    RG_SDP_SETUP_HOLDCONN,
};

/* A name with an optional value (candidate extensions, fmtp parameters). */
struct rg_sdp_pair {
    struct rg_str name;
    struct rg_str value; /* .p == NULL when absent */
};

/* RFC 8839 5.1 candidate-attribute.  address keeps the text (IP literal,
 * FQDN or mDNS ".local" name); addr is filled only for IP literals. */
struct rg_sdp_candidate {
    struct rg_str foundation;
    uint16_t component;      /* 1..256 */
    struct rg_str transport; /* "UDP", "tcp", ... as sent */
    uint32_t priority;
    struct rg_str address;
    struct rg_addr addr; /* IP literal (port copied from port), family RG_AF_NONE for
                            names; equality and printing use address/port */
    bool is_mdns;        /* address ends in ".local" (RFC 8839 5.1, mDNS) */
    uint16_t port;
    uint8_t type;             /* enum rg_sdp_cand_type */
    struct rg_str type_name;  /* text after "typ" */
    struct rg_str raddr;      /* .p == NULL when absent */
    bool has_rport;
    uint16_t rport;
    uint8_t tcptype;          /* enum rg_sdp_tcptype; printed before other extensions */
    struct rg_sdp_pair *ext;  /* other extensions, in order */
    uint32_t n_ext;
};

struct rg_sdp_fingerprint {
    struct rg_str hash; /* "sha-256", as sent */
    uint8_t len;
    uint8_t bytes[RG_SDP_FINGERPRINT_MAX];
};

struct rg_sdp_group { /* RFC 5888: a=group:BUNDLE 0 1 */
    struct rg_str semantics;
    struct rg_str *ids;
    uint32_t n_ids;
};

struct rg_sdp_rtcp { /* RFC 3605: a=rtcp:port [IN IP4 addr] */
    uint16_t port;
    struct rg_str nettype, addrtype, address; /* .p == NULL when absent */
};

struct rg_sdp_rtcp_fb { /* RFC 4585 4.2 */
    int pt;             /* 0..127, or -1 for "*" */
    struct rg_str type; /* "nack", "ccm", "transport-cc", ... */
    struct rg_str param; /* the rest ("pli", "fir"); .p == NULL when absent */
};

struct rg_sdp_extmap { /* RFC 8285 7 */
    uint16_t id;
    uint8_t dir; /* enum rg_sdp_dir, NONE when not given */
    struct rg_str uri;
    struct rg_str attrs; /* extension attributes; .p == NULL when absent */
};

struct rg_sdp_ssrc { /* RFC 5576 4.1 */
    uint32_t id;
    struct rg_str attr;
    struct rg_str value; /* .p == NULL when there is no ":" */
};

struct rg_sdp_ssrc_group { /* RFC 5576 4.2 */
    struct rg_str semantics;
    uint32_t *ids;
    uint32_t n_ids;
};

struct rg_sdp_msid { /* RFC 8830 2 */
    struct rg_str id;
    struct rg_str appdata; /* .p == NULL when absent */
};

struct rg_sdp_rtpmap { /* RFC 8866 6.6 */
    uint8_t pt;
    struct rg_str encoding;
    uint32_t clock_hz;
    struct rg_str params; /* encoding parameters (audio channels); .p == NULL when absent */
    uint32_t channels;    /* params as a number, 0 when absent or not numeric */
};

struct rg_sdp_fmtp { /* RFC 8866 6.15 */
    struct rg_str fmt; /* the format as text */
    int pt;            /* fmt as 0..127, or -1 */
    struct rg_str params; /* everything after the first SP, as sent */
    struct rg_sdp_pair *kv; /* params split at ';' and '=' (trimmed), in order */
    uint32_t n_kv;
};

struct rg_sdp_key_param { /* RFC 4568 9.1 key-param */
    struct rg_str method; /* "inline" */
    struct rg_str info;   /* whole key-info */
    struct rg_str key_salt; /* base64 part of an inline key */
    struct rg_str lifetime; /* .p == NULL when absent */
    struct rg_str mki;      /* "1:4", .p == NULL when absent */
};

struct rg_sdp_crypto { /* RFC 4568 9.1 */
    uint32_t tag;
    struct rg_str suite;
    struct rg_sdp_key_param *keys;
    uint32_t n_keys;
    struct rg_str session_params; /* .p == NULL when absent */
};

struct rg_sdp_attr {
    struct rg_str name;  /* as sent (attribute names are case-sensitive) */
    struct rg_str value; /* after the first ':'; .p == NULL for a flag "a=name" */
    uint8_t kind;        /* enum rg_sdp_attr_kind */
    union {
        struct rg_str text; /* ice-ufrag, ice-pwd, tls-id, mid */
        struct {
            struct rg_str *v;
            uint32_t n;
        } tokens; /* ice-options */
        struct rg_sdp_candidate cand;
        struct rg_sdp_fingerprint fp;
        uint8_t setup; /* enum rg_sdp_setup */
        struct rg_sdp_group group;
        struct rg_sdp_rtcp rtcp;
        struct rg_sdp_rtcp_fb fb;
        struct rg_sdp_extmap extmap;
        struct rg_sdp_ssrc ssrc;
        struct rg_sdp_ssrc_group ssrc_group;
        struct rg_sdp_msid msid;
        struct rg_sdp_rtpmap rtpmap;
        struct rg_sdp_fmtp fmtp;
        uint32_t ptime_us; /* ptime, maxptime: milliseconds * 1000 (fractions allowed) */
        struct rg_sdp_crypto crypto;
        uint16_t port;       /* sctp-port */
        uint64_t max_msg;    /* max-message-size */
    } u;
};

struct rg_sdp_attrs {
    struct rg_sdp_attr *v;
    uint32_t n, cap;
};

/* ---- lines ---------------------------------------------------------------- */

struct rg_sdp_origin { /* o= (RFC 8866 5.2) */
    struct rg_str username, sess_id, sess_version, nettype, addrtype, address;
};

struct rg_sdp_conn { /* c= (RFC 8866 5.7) */
    struct rg_str nettype, addrtype;
    struct rg_str address; /* connection-address text, including any /ttl/num */
    struct rg_addr addr;   /* filled when the part before '/' is an IP literal */
};

struct rg_sdp_bw { /* b= (RFC 8866 5.8) */
    struct rg_str type; /* "AS", "TIAS", "CT", ... */
    uint64_t value;
};

struct rg_sdp_time { /* t= with its r= lines (RFC 8866 5.9, 5.10) */
    uint64_t start, stop;
    struct rg_str *repeats;
    uint32_t n_repeats;
};

struct rg_sdp_media {
    struct rg_str media; /* "audio", "video", "application", ... */
    uint16_t port;
    uint32_t port_count; /* "/<n>" after the port; 0 when absent */
    struct rg_str proto;
    struct rg_str *fmts;
    uint32_t n_fmts;
    struct rg_str info; /* i= */
    struct rg_sdp_conn *conns;
    uint32_t n_conns;
    struct rg_sdp_bw *bws;
    uint32_t n_bws;
    struct rg_str key; /* k= */
    struct rg_sdp_attrs attrs;
};

struct rg_sdp {
    struct rg_sdp_origin origin;
    struct rg_str name; /* s= */
    struct rg_str info; /* i= */
    struct rg_str uri;  /* u= */
    struct rg_str *emails;
    uint32_t n_emails;
    struct rg_str *phones;
    uint32_t n_phones;
    bool has_conn;
    struct rg_sdp_conn conn;
    struct rg_sdp_bw *bws;
    uint32_t n_bws;
    struct rg_sdp_time *times;
    uint32_t n_times;
    struct rg_str zone; /* z= */
    struct rg_str key;  /* k= */
    struct rg_sdp_attrs attrs;
    struct rg_sdp_media *media;
    uint32_t n_media, cap_media;
    uint8_t eol; /* enum rg_sdp_eol seen by the parser (not part of equality) */
};

/* ---- parse, print, compare ---------------------------------------------- */

/* Parses text (a complete SDP body).  lim may be NULL for the defaults.
 * On success *out points to an SDP in arena.  Returns RG_OK, RG_EBADMSG
 * (malformed), RG_ELIMIT (a limit was exceeded) or RG_ENOMEM (arena or
 * allocator); err (may be NULL) then says which line and why.  text must
 * outlive *out. */
RG_MUST_CHECK int rg_sdp_parse(struct rg_str text, const struct rg_sdp_limits *lim,
                               struct rg_arena *arena, struct rg_sdp **out,
                               struct rg_sdp_error *err);

/* Appends sdp as text with CRLF line endings to out.  Returns RG_OK,
 * RG_ELIMIT (out's maximum), RG_ENOMEM, or RG_EINVAL when a field cannot be
 * printed (no o= line set on a built SDP, a fingerprint longer than
 * RG_SDP_FINGERPRINT_MAX, an enum out of range).  On
 * failure out may hold a partial SDP: reset it before reuse. */
RG_MUST_CHECK int rg_sdp_print(const struct rg_sdp *sdp, struct rg_buf *out);

/* Structural equality: same lines, same attribute order, same typed fields
 * (typed attributes compare their decoded fields, not their text). */
bool rg_sdp_equal(const struct rg_sdp *a, const struct rg_sdp *b);
bool rg_sdp_attr_equal(const struct rg_sdp_attr *a, const struct rg_sdp_attr *b);

/* Canonical attribute name of kind ("candidate"), or NULL for UNKNOWN. */
const char *rg_sdp_attr_kind_name(enum rg_sdp_attr_kind kind);

/* Appends the value text of a typed attribute (what follows "a=name:") to
 * out; for UNKNOWN, the stored value.  Same results as rg_sdp_print. */
RG_MUST_CHECK int rg_sdp_attr_format_value(const struct rg_sdp_attr *a, struct rg_buf *out);

/* ---- lookups ------------------------------------------------------------- */

/* Index of the first attribute of kind at index >= from, or -1. */
long rg_sdp_attr_find(const struct rg_sdp_attrs *list, enum rg_sdp_attr_kind kind, uint32_t from);
/* Index of the first attribute named name (case-sensitive) at >= from, or -1. */
long rg_sdp_attr_find_name(const struct rg_sdp_attrs *list, const char *name, uint32_t from);
/* The media direction in force for m (media attribute, else session
 * attribute, else sendrecv: RFC 8866 6.7). */
enum rg_sdp_dir rg_sdp_media_dir(const struct rg_sdp *sdp, const struct rg_sdp_media *m);

/* The c= line in force for m: its first own c=, else the session's, else
 * NULL (RFC 8866 5.7: c= is at session level or in every media section). */
const struct rg_sdp_conn *rg_sdp_media_conn(const struct rg_sdp *sdp, const struct rg_sdp_media *m);
/* The rtpmap of payload type pt in m, or NULL. */
const struct rg_sdp_rtpmap *rg_sdp_media_rtpmap(const struct rg_sdp_media *m, unsigned pt);
/* The fmtp of payload type pt in m, or NULL. */
const struct rg_sdp_fmtp *rg_sdp_media_fmtp(const struct rg_sdp_media *m, unsigned pt);

/* ---- builder ------------------------------------------------------------- */

/* Creates an empty SDP in arena: v=0, s="-", "t=0 0", no media; the caller
 * sets origin (rg_sdp_set_origin).  Returns NULL on ENOMEM. */
struct rg_sdp *rg_sdp_create(struct rg_arena *arena);

/* Sets o= with numeric session id and version and an IP address (IN IP4/IP6).
 * username is copied into arena.  Returns RG_OK, RG_EINVAL or RG_ENOMEM. */
RG_MUST_CHECK int rg_sdp_set_origin(struct rg_sdp *sdp, struct rg_arena *arena,
                                    const char *username, uint64_t sess_id, uint64_t sess_version,
                                    const struct rg_addr *addr);
/* Sets a c= line (IN IP4/IP6 addr) on the session (m == NULL) or replaces
 * media m's c= lines with this one. */
RG_MUST_CHECK int rg_sdp_set_conn(struct rg_sdp *sdp, struct rg_sdp_media *m,
                                  struct rg_arena *arena, const struct rg_addr *addr);

/* Appends an m= section; media, proto and each fmt are copied into arena.
 * *out (may be NULL) points to the new section, valid until the next
 * add/remove of media.  Returns RG_OK, RG_EINVAL, RG_ELIMIT (max_media of
 * the defaults) or RG_ENOMEM. */
RG_MUST_CHECK int rg_sdp_add_media(struct rg_sdp *sdp, struct rg_arena *arena, const char *media,
                                   uint16_t port, const char *proto, const char *const *fmts,
                                   uint32_t n_fmts, struct rg_sdp_media **out);
/* Removes m= section idx (later sections move down).  RG_OK or RG_ENOTFOUND. */
RG_MUST_CHECK int rg_sdp_remove_media(struct rg_sdp *sdp, uint32_t idx);

/* Appends "a=name[:value]" (value.p == NULL: a flag) after copying name and
 * value into arena and decoding it like the parser.  Returns RG_OK,
 * RG_EBADMSG (a known attribute with a malformed value, or a name/value with
 * CR, LF or NUL), RG_ELIMIT or RG_ENOMEM. */
RG_MUST_CHECK int rg_sdp_attr_add(struct rg_sdp_attrs *list, struct rg_arena *arena,
                                  const char *name, struct rg_str value);
/* Appends a typed attribute: formats a->u (a->kind must not be UNKNOWN) into
 * text, then adds it as rg_sdp_attr_add does, so the stored attribute is
 * exactly what a peer parsing our output will see. */
RG_MUST_CHECK int rg_sdp_attr_add_typed(struct rg_sdp_attrs *list, struct rg_arena *arena,
                                        const struct rg_sdp_attr *a);
/* Inserts like rg_sdp_attr_add but at index idx (<= list->n). */
RG_MUST_CHECK int rg_sdp_attr_insert(struct rg_sdp_attrs *list, struct rg_arena *arena,
                                     uint32_t idx, const char *name, struct rg_str value);
/* Removes attribute idx.  RG_OK or RG_ENOTFOUND. */
RG_MUST_CHECK int rg_sdp_attr_remove(struct rg_sdp_attrs *list, uint32_t idx);
/* Removes every attribute of kind (RG_SDP_A_UNKNOWN removes nothing: use
 * rg_sdp_attr_find_name + rg_sdp_attr_remove); returns how many were removed. */
uint32_t rg_sdp_attr_remove_kind(struct rg_sdp_attrs *list, enum rg_sdp_attr_kind kind);
/* Replaces the direction attribute of the list (adds one if none). */
RG_MUST_CHECK int rg_sdp_set_dir(struct rg_sdp_attrs *list, struct rg_arena *arena,
                                 enum rg_sdp_dir dir);

#endif
