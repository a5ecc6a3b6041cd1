/*
 * sdp_attr.c — typed decoding of the SDP attributes WebRTC and SIP peers
 * send.  Each decoder takes the value text after "a=name:" and fills one
 * member of struct rg_sdp_attr.u; grammar references are given per decoder.
 * Separators: the RFC grammars use single SP; we accept runs of SP so sloppy
 * peers parse, and the printer writes single SP.
 */
#include "proto/sdp/sdp_internal.h"

#include <string.h>

struct kind_name {
    const char *name;
    uint8_t len; /* strlen(name) */
    uint8_t kind;
    bool flag; /* property attribute: takes no value */
};

static const struct kind_name kinds[] = {
    { "ice-ufrag", 9, RG_SDP_A_ICE_UFRAG, false },
    { "ice-pwd", 7, RG_SDP_A_ICE_PWD, false },
    { "ice-options", 11, RG_SDP_A_ICE_OPTIONS, false },
    { "ice-lite", 8, RG_SDP_A_ICE_LITE, true },
    { "candidate", 9, RG_SDP_A_CANDIDATE, false },
    { "end-of-candidates", 17, RG_SDP_A_END_OF_CANDIDATES, true },
    { "fingerprint", 11, RG_SDP_A_FINGERPRINT, false },
    { "setup", 5, RG_SDP_A_SETUP, false },
    { "tls-id", 6, RG_SDP_A_TLS_ID, false },
    { "mid", 3, RG_SDP_A_MID, false },
    { "group", 5, RG_SDP_A_GROUP, false },
    { "rtcp", 4, RG_SDP_A_RTCP, false },
    { "rtcp-mux", 8, RG_SDP_A_RTCP_MUX, true },
    { "rtcp-rsize", 10, RG_SDP_A_RTCP_RSIZE, true },
    { "rtcp-fb", 7, RG_SDP_A_RTCP_FB, false },
    { "extmap", 6, RG_SDP_A_EXTMAP, false },
    { "extmap-allow-mixed", 18, RG_SDP_A_EXTMAP_ALLOW_MIXED, true },
    { "ssrc", 4, RG_SDP_A_SSRC, false },
    { "ssrc-group", 10, RG_SDP_A_SSRC_GROUP, false },
    { "msid", 4, RG_SDP_A_MSID, false },
    { "rtpmap", 6, RG_SDP_A_RTPMAP, false },
    { "fmtp", 4, RG_SDP_A_FMTP, false },
    { "ptime", 5, RG_SDP_A_PTIME, false },
    { "maxptime", 8, RG_SDP_A_MAXPTIME, false },
    { "crypto", 6, RG_SDP_A_CRYPTO, false },
    { "sctp-port", 9, RG_SDP_A_SCTP_PORT, false },
    { "max-message-size", 16, RG_SDP_A_MAX_MESSAGE_SIZE, false },
    { "sendrecv", 8, RG_SDP_A_SENDRECV, true },
    { "sendonly", 8, RG_SDP_A_SENDONLY, true },
    { "recvonly", 8, RG_SDP_A_RECVONLY, true },
    { "inactive", 8, RG_SDP_A_INACTIVE, true },
};

const char *rg_sdp_attr_kind_name(enum rg_sdp_attr_kind kind)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (kinds[i].kind == kind)
            return kinds[i].name;
    }
    return NULL;
}

bool rg_sdp__attr_is_flag(uint8_t kind)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (kinds[i].kind == kind)
            return kinds[i].flag;
    }
    return false;
}

bool rg_sdp__next_tok(struct rg_str *rest, struct rg_str *tok)
{
    size_t i = 0;
    while (i < rest->len && rest->p[i] == ' ')
        i++;
    size_t j = i;
    while (j < rest->len && rest->p[j] != ' ')
        j++;
    if (j == i)
        return false;
    *tok = rg_str_make(rest->p + i, j - i);
    *rest = rg_str_from(*rest, j);
    return true;
}

/* The rest of *rest after leading spaces, or absent (.p NULL) when empty. */
static struct rg_str tail(struct rg_str rest)
{
    size_t i = 0;
    while (i < rest.len && rest.p[i] == ' ')
        i++;
    return i == rest.len ? RG_STR_NULL : rg_str_from(rest, i);
}

bool rg_sdp__clean_text(struct rg_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (c == '\0' || c == '\r' || c == '\n')
            return false;
    }
    return true;
}

bool rg_sdp__is_token(struct rg_str s)
{
    /* RFC 8866 9: token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39
     * / %x41-5A / %x5E-7E */
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c < 0x21 || c > 0x7e || c == '"' || c == '(' || c == ')' || c == ',' || c == '/' ||
            (c >= 0x3a && c <= 0x40) || c == '[' || c == '\\' || c == ']')
            return false;
    }
    return true;
}

/* Visible ASCII, no SP (URIs, key material). */
static bool vchars(struct rg_str s)
{
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        if ((unsigned char)s.p[i] < 0x21 || (unsigned char)s.p[i] > 0x7e)
            return false;
    }
    return true;
}

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 5.1). */
static bool ice_chars(struct rg_str s, size_t min, size_t max)
{
    if (s.len < min || s.len > max)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        int c = (unsigned char)s.p[i];
        if (!rg_is_alnum(c) && c != '+' && c != '/')
            return false;
    }
    return true;
}

static int fail(const char **why, const char *what)
{
    *why = what;
    return RG_EBADMSG;
}

static int parse_port(struct rg_str s, uint16_t *out)
{
    uint32_t v;
    if (rg_str_to_u32(s, 65535, &v) != RG_OK)
        return RG_EBADMSG;
    *out = (uint16_t)v;
    return RG_OK;
}

/* connection-address text: an IP literal or a hostname (RFC 8839 5.1 allows
 * FQDNs; RFC 8866 9 unicast-address also allows extn-addr). */
static bool host_chars(struct rg_str s)
{
    if (s.len == 0 || s.len > 255)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        int c = (unsigned char)s.p[i];
        if (!rg_is_alnum(c) && c != '-' && c != '.' && c != ':' && c != '_')
            return false;
    }
    return true;
}

static void *list_alloc(struct rg_arena *arena, uint32_t n, size_t size)
{
    if (n == 0)
        n = 1;
    return rg_arena_alloc(arena, (size_t)n * size);
}

/* Counts SP-separated tokens of s. */
static uint32_t count_toks(struct rg_str s)
{
    uint32_t n = 0;
    struct rg_str t;
    while (rg_sdp__next_tok(&s, &t))
        n++;
    return n;
}

/* RFC 8839 5.1 candidate extensions after "typ X": raddr, rport, tcptype
 * (RFC 6544 4.5) and name/value pairs. */
static int cand_exts(struct rg_sdp_candidate *c, struct rg_str rest, struct rg_arena *arena,
                     uint32_t max_list, const char **why)
{
    uint32_t n = count_toks(rest);
    if (n % 2)
        return fail(why, "candidate extension without a value");
    if (n / 2 > max_list)
        return RG_ELIMIT;
    c->ext = list_alloc(arena, n / 2, sizeof(*c->ext));
    if (!c->ext)
        return RG_ENOMEM;
    struct rg_str name, val;
    while (rg_sdp__next_tok(&rest, &name) && rg_sdp__next_tok(&rest, &val)) {
        if (rg_str_eq_cstr(name, "raddr") && !c->raddr.p && !c->has_rport && !c->n_ext &&
            !c->tcptype) {
            if (!host_chars(val))
                return fail(why, "bad candidate raddr");
            c->raddr = val;
        } else if (rg_str_eq_cstr(name, "rport") && !c->has_rport && !c->n_ext && !c->tcptype) {
            if (parse_port(val, &c->rport) != RG_OK)
                return fail(why, "bad candidate rport");
            c->has_rport = true;
        } else if (rg_str_eq_cstr(name, "tcptype") && !c->tcptype) {
            if (rg_str_eq_cstr(val, "active"))
                c->tcptype = RG_SDP_TCPTYPE_ACTIVE;
            else if (rg_str_eq_cstr(val, "passive"))
                c->tcptype = RG_SDP_TCPTYPE_PASSIVE;
            else if (rg_str_eq_cstr(val, "so"))
                c->tcptype = RG_SDP_TCPTYPE_SO;
            else
                return fail(why, "bad candidate tcptype");
        } else {
            c->ext[c->n_ext++] = (struct rg_sdp_pair){ name, val };
        }
    }
    return RG_OK;
}

static const char *const cand_types[] = { NULL, "host", "srflx", "prflx", "relay" };

/* RFC 8839 5.1:
 * foundation SP component-id SP transport SP priority SP connection-address
 * SP port SP "typ" SP cand-type [SP rel-addr] [SP rel-port] *(SP extension) */
static int dec_candidate(struct rg_sdp_candidate *c, struct rg_str v, struct rg_arena *arena,
                         uint32_t max_list, const char **why)
{
    struct rg_str f[8];
    for (int i = 0; i < 8; i++) {
        if (!rg_sdp__next_tok(&v, &f[i]))
            return fail(why, "candidate has too few fields");
    }
    memset(c, 0, sizeof(*c));
    uint32_t comp, prio;
    if (!ice_chars(f[0], 1, 32))
        return fail(why, "bad candidate foundation");
    if (rg_str_to_u32(f[1], 256, &comp) != RG_OK || comp == 0)
        return fail(why, "bad candidate component-id");
    if (!rg_sdp__is_token(f[2]))
        return fail(why, "bad candidate transport");
    if (f[3].len > 10 || rg_str_to_u32(f[3], UINT32_MAX, &prio) != RG_OK)
        return fail(why, "bad candidate priority");
    if (!host_chars(f[4]))
        return fail(why, "bad candidate address");
    if (parse_port(f[5], &c->port) != RG_OK)
        return fail(why, "bad candidate port");
    if (!rg_str_eq_cstr(f[6], "typ") || !rg_sdp__is_token(f[7]))
        return fail(why, "bad candidate type");
    c->foundation = f[0];
    c->component = (uint16_t)comp;
    c->transport = f[2];
    c->priority = prio;
    c->address = f[4];
    if (rg_addr_parse_ip(f[4], &c->addr) == RG_OK)
        c->addr.port = c->port;
    else
        c->is_mdns = f[4].len > 6 && rg_str_caseeq_cstr(rg_str_from(f[4], f[4].len - 6), ".local");
    c->type_name = f[7];
    for (uint8_t t = RG_SDP_CAND_HOST; t <= RG_SDP_CAND_RELAY; t++) {
        if (rg_str_eq_cstr(f[7], cand_types[t]))
            c->type = t;
    }
    return cand_exts(c, v, arena, max_list, why);
}

/* RFC 8122 5: hash-func SP fingerprint; fingerprint = 2UHEX *(":" 2UHEX).
 * Lower-case hex is accepted too (RFC 4572 peers send it). */
static int dec_fingerprint(struct rg_sdp_fingerprint *fp, struct rg_str v, const char **why)
{
    struct rg_str hash, hex;
    if (!rg_sdp__next_tok(&v, &hash) || !rg_sdp__next_tok(&v, &hex) || tail(v).p ||
        !rg_sdp__is_token(hash))
        return fail(why, "bad fingerprint");
    if (hex.len % 3 != 2 || hex.len / 3 + 1 > RG_SDP_FINGERPRINT_MAX)
        return fail(why, "bad fingerprint length");
    uint8_t n = 0;
    for (size_t i = 0; i < hex.len; i += 3) {
        int hi = rg_hex_val((unsigned char)hex.p[i]), lo = rg_hex_val((unsigned char)hex.p[i + 1]);
        if (hi < 0 || lo < 0 || (i + 2 < hex.len && hex.p[i + 2] != ':'))
            return fail(why, "bad fingerprint hex");
        fp->bytes[n++] = (uint8_t)(hi << 4 | lo);
    }
    fp->hash = hash;
    fp->len = n;
    return RG_OK;
}

/* RFC 5888 5: "group:" semantics *(SP identification-tag). */
static int dec_group(struct rg_sdp_group *g, struct rg_str v, struct rg_arena *arena,
                     uint32_t max_list, const char **why)
{
    struct rg_str sem, t;
    if (!rg_sdp__next_tok(&v, &sem) || !rg_sdp__is_token(sem))
        return fail(why, "bad group semantics");
    uint32_t n = count_toks(v);
    if (n > max_list)
        return RG_ELIMIT;
    g->ids = list_alloc(arena, n, sizeof(*g->ids));
    if (!g->ids)
        return RG_ENOMEM;
    g->semantics = sem;
    g->n_ids = 0;
    while (rg_sdp__next_tok(&v, &t)) {
        if (!rg_sdp__is_token(t))
            return fail(why, "bad group identification-tag");
        g->ids[g->n_ids++] = t;
    }
    return RG_OK;
}

/* RFC 3605 2.1: "rtcp:" port [nettype SP addrtype SP connection-address]. */
static int dec_rtcp(struct rg_sdp_rtcp *r, struct rg_str v, const char **why)
{
    struct rg_str port, nt, at, addr;
    memset(r, 0, sizeof(*r));
    if (!rg_sdp__next_tok(&v, &port) || parse_port(port, &r->port) != RG_OK)
        return fail(why, "bad rtcp port");
    if (!rg_sdp__next_tok(&v, &nt))
        return RG_OK;
    if (!rg_sdp__next_tok(&v, &at) || !rg_sdp__next_tok(&v, &addr) || tail(v).p ||
        !rg_sdp__is_token(nt) || !rg_sdp__is_token(at) || !host_chars(addr))
        return fail(why, "bad rtcp address");
    r->nettype = nt;
    r->addrtype = at;
    r->address = addr;
    return RG_OK;
}

/* Payload type 0..127 (RFC 3551 3). */
static int parse_pt(struct rg_str s, int *out)
{
    uint32_t v;
    if (s.len > 3 || rg_str_to_u32(s, 127, &v) != RG_OK)
        return RG_EBADMSG;
    *out = (int)v;
    return RG_OK;
}

/* RFC 4585 4.2: "rtcp-fb:" rtcp-fb-pt SP rtcp-fb-val; pt is "*" or a fmt. */
static int dec_rtcp_fb(struct rg_sdp_rtcp_fb *fb, struct rg_str v, const char **why)
{
    struct rg_str pt, type;
    if (!rg_sdp__next_tok(&v, &pt) || !rg_sdp__next_tok(&v, &type) || !rg_sdp__is_token(type))
        return fail(why, "bad rtcp-fb");
    if (rg_str_eq_cstr(pt, "*"))
        fb->pt = -1;
    else if (parse_pt(pt, &fb->pt) != RG_OK)
        return fail(why, "bad rtcp-fb payload type");
    fb->type = type;
    fb->param = tail(v);
    return RG_OK;
}

static int parse_dir(struct rg_str s, uint8_t *out)
{
    static const char *const names[] = { NULL, "sendrecv", "sendonly", "recvonly", "inactive" };
    for (uint8_t d = RG_SDP_DIR_SENDRECV; d <= RG_SDP_DIR_INACTIVE; d++) {
        if (rg_str_eq_cstr(s, names[d])) {
            *out = d;
            return RG_OK;
        }
    }
    return RG_EBADMSG;
}

/* RFC 8285 7: "extmap:" 1*5DIGIT ["/" direction] SP URI [SP ext-attrs].
 * Valid ids are 1-255 and the 4096-4351 negotiation range. */
static int dec_extmap(struct rg_sdp_extmap *e, struct rg_str v, const char **why)
{
    struct rg_str idt, uri;
    if (!rg_sdp__next_tok(&v, &idt) || !rg_sdp__next_tok(&v, &uri) || !vchars(uri))
        return fail(why, "bad extmap");
    uint8_t dir = RG_SDP_DIR_NONE;
    long slash = rg_str_find_char(idt, '/');
    if (slash >= 0) {
        if (parse_dir(rg_str_from(idt, (size_t)slash + 1), &dir) != RG_OK)
            return fail(why, "bad extmap direction");
        idt = rg_str_head(idt, (size_t)slash);
    }
    uint32_t id;
    if (idt.len > 5 || rg_str_to_u32(idt, 4351, &id) != RG_OK || id == 0 ||
        (id > 255 && id < 4096))
        return fail(why, "bad extmap id");
    e->id = (uint16_t)id;
    e->dir = dir;
    e->uri = uri;
    e->attrs = tail(v);
    return RG_OK;
}

/* RFC 5576 4.1: "ssrc:" ssrc-id SP attribute [":" value]. */
static int dec_ssrc(struct rg_sdp_ssrc *s, struct rg_str v, const char **why)
{
    struct rg_str idt;
    if (!rg_sdp__next_tok(&v, &idt) || rg_str_to_u32(idt, UINT32_MAX, &s->id) != RG_OK)
        return fail(why, "bad ssrc id");
    struct rg_str rest = tail(v);
    if (!rest.p)
        return fail(why, "ssrc without attribute");
    long colon = rg_str_find_char(rest, ':');
    struct rg_str name = colon < 0 ? rest : rg_str_head(rest, (size_t)colon);
    if (!rg_sdp__is_token(name))
        return fail(why, "bad ssrc attribute");
    s->attr = name;
    s->value = colon < 0 ? RG_STR_NULL : rg_str_from(rest, (size_t)colon + 1);
    return RG_OK;
}

/* RFC 5576 4.2: "ssrc-group:" semantics *(SP ssrc-id). */
static int dec_ssrc_group(struct rg_sdp_ssrc_group *g, struct rg_str v, struct rg_arena *arena,
                          uint32_t max_list, const char **why)
{
    struct rg_str sem, t;
    if (!rg_sdp__next_tok(&v, &sem) || !rg_sdp__is_token(sem))
        return fail(why, "bad ssrc-group semantics");
    uint32_t n = count_toks(v);
    if (n > max_list)
        return RG_ELIMIT;
    g->ids = list_alloc(arena, n, sizeof(*g->ids));
    if (!g->ids)
        return RG_ENOMEM;
    g->semantics = sem;
    g->n_ids = 0;
    while (rg_sdp__next_tok(&v, &t)) {
        if (rg_str_to_u32(t, UINT32_MAX, &g->ids[g->n_ids]) != RG_OK)
            return fail(why, "bad ssrc-group id");
        g->n_ids++;
    }
    return RG_OK;
}

/* RFC 8866 6.6: "rtpmap:" payload-type SP encoding-name "/" clock-rate
 * ["/" encoding-params]. */
static int dec_rtpmap(struct rg_sdp_rtpmap *r, struct rg_str v, const char **why)
{
    struct rg_str pt, enc;
    int ptv;
    if (!rg_sdp__next_tok(&v, &pt) || parse_pt(pt, &ptv) != RG_OK)
        return fail(why, "bad rtpmap payload type");
    if (!rg_sdp__next_tok(&v, &enc) || tail(v).p)
        return fail(why, "bad rtpmap encoding");
    long s1 = rg_str_find_char(enc, '/');
    if (s1 <= 0)
        return fail(why, "rtpmap without clock rate");
    struct rg_str name = rg_str_head(enc, (size_t)s1), rest = rg_str_from(enc, (size_t)s1 + 1);
    long s2 = rg_str_find_char(rest, '/');
    struct rg_str clock = s2 < 0 ? rest : rg_str_head(rest, (size_t)s2);
    struct rg_str params = s2 < 0 ? RG_STR_NULL : rg_str_from(rest, (size_t)s2 + 1);
    if (!rg_sdp__is_token(name) || rg_str_to_u32(clock, UINT32_MAX, &r->clock_hz) != RG_OK)
        return fail(why, "bad rtpmap clock rate");
    if (params.p && !rg_sdp__is_token(params))
        return fail(why, "bad rtpmap encoding parameters");
    r->pt = (uint8_t)ptv;
    r->encoding = name;
    r->params = params;
    r->channels = 0;
    if (params.p && rg_str_to_u32(params, 255, &r->channels) != RG_OK)
        r->channels = 0;
    return RG_OK;
}

/* Splits fmtp parameters at ';' into name[=value] pairs (RFC 8866 6.15 leaves
 * the syntax to the format; "k=v;k=v" is what every RTP payload format uses). */
static int fmtp_pairs(struct rg_sdp_fmtp *f, struct rg_arena *arena, uint32_t max_list)
{
    uint32_t n = 1;
    for (size_t i = 0; i < f->params.len; i++)
        n += f->params.p[i] == ';';
    if (n > max_list)
        return RG_ELIMIT;
    f->kv = list_alloc(arena, n, sizeof(*f->kv));
    if (!f->kv)
        return RG_ENOMEM;
    f->n_kv = 0;
    struct rg_str rest = f->params;
    while (rest.len) {
        long semi = rg_str_find_char(rest, ';');
        struct rg_str item = rg_str_trim(semi < 0 ? rest : rg_str_head(rest, (size_t)semi));
        rest = semi < 0 ? rg_str_from(rest, rest.len) : rg_str_from(rest, (size_t)semi + 1);
        if (item.len == 0)
            continue;
        long eq = rg_str_find_char(item, '=');
        struct rg_sdp_pair *p = &f->kv[f->n_kv++];
        p->name = rg_str_trim(eq < 0 ? item : rg_str_head(item, (size_t)eq));
        p->value = eq < 0 ? RG_STR_NULL : rg_str_trim(rg_str_from(item, (size_t)eq + 1));
    }
    return RG_OK;
}

/* RFC 8866 6.15: "fmtp:" fmt SP format-specific-params. */
static int dec_fmtp(struct rg_sdp_fmtp *f, struct rg_str v, struct rg_arena *arena,
                    uint32_t max_list, const char **why)
{
    struct rg_str fmt;
    if (!rg_sdp__next_tok(&v, &fmt) || !rg_sdp__is_token(fmt))
        return fail(why, "bad fmtp format");
    f->fmt = fmt;
    if (parse_pt(fmt, &f->pt) != RG_OK)
        f->pt = -1;
    struct rg_str params = tail(v);
    f->params = params.p ? params : rg_str_make(fmt.p + fmt.len, 0);
    return fmtp_pairs(f, arena, max_list);
}

/* ptime / maxptime (RFC 8866 6.4, 6.5): milliseconds, a fraction allowed
 * ("20", "0.125").  Kept as microseconds; more than 3 decimals are refused. */
static int dec_ptime(uint32_t *out, struct rg_str v, const char **why)
{
    long dot = rg_str_find_char(v, '.');
    struct rg_str ip = dot < 0 ? v : rg_str_head(v, (size_t)dot);
    struct rg_str fp = dot < 0 ? RG_STR_NULL : rg_str_from(v, (size_t)dot + 1);
    uint32_t ms, frac = 0;
    if (rg_str_to_u32(ip, 4000000, &ms) != RG_OK || (dot >= 0 && (fp.len == 0 || fp.len > 3)))
        return fail(why, "bad ptime");
    if (fp.len && rg_str_to_u32(fp, 999, &frac) != RG_OK)
        return fail(why, "bad ptime fraction");
    for (size_t i = fp.len; i < 3; i++)
        frac *= 10;
    *out = ms * 1000 + frac;
    return RG_OK;
}

/* RFC 4568 9.1 key-param = key-method ":" key-info; for "inline",
 * key-info = key-salt ["|" lifetime] ["|" mki]. */
static int crypto_key(struct rg_sdp_key_param *k, struct rg_str s)
{
    long colon = rg_str_find_char(s, ':');
    if (colon <= 0)
        return RG_EBADMSG;
    memset(k, 0, sizeof(*k));
    k->method = rg_str_head(s, (size_t)colon);
    k->info = rg_str_from(s, (size_t)colon + 1);
    if (!rg_sdp__is_token(k->method) || k->info.len == 0)
        return RG_EBADMSG;
    struct rg_str rest = k->info;
    long bar = rg_str_find_char(rest, '|');
    k->key_salt = bar < 0 ? rest : rg_str_head(rest, (size_t)bar);
    while (bar >= 0) {
        rest = rg_str_from(rest, (size_t)bar + 1);
        bar = rg_str_find_char(rest, '|');
        struct rg_str part = bar < 0 ? rest : rg_str_head(rest, (size_t)bar);
        if (part.len == 0)
            return RG_EBADMSG;
        if (rg_str_find_char(part, ':') >= 0 && !k->mki.p)
            k->mki = part;
        else if (!k->lifetime.p && !k->mki.p)
            k->lifetime = part;
        else
            return RG_EBADMSG;
    }
    return k->key_salt.len ? RG_OK : RG_EBADMSG;
}

/* RFC 4568 9.1: "crypto:" tag 1*WSP crypto-suite 1*WSP key-params
 * *(1*WSP session-param). */
static int dec_crypto(struct rg_sdp_crypto *c, struct rg_str v, struct rg_arena *arena,
                      uint32_t max_list, const char **why)
{
    struct rg_str tag, suite, keys;
    if (!rg_sdp__next_tok(&v, &tag) || tag.len > 9 ||
        rg_str_to_u32(tag, 999999999, &c->tag) != RG_OK)
        return fail(why, "bad crypto tag");
    if (!rg_sdp__next_tok(&v, &suite) || !rg_sdp__is_token(suite) ||
        !rg_sdp__next_tok(&v, &keys))
        return fail(why, "bad crypto suite or key");
    uint32_t n = 1;
    for (size_t i = 0; i < keys.len; i++)
        n += keys.p[i] == ';';
    if (n > max_list)
        return RG_ELIMIT;
    c->keys = list_alloc(arena, n, sizeof(*c->keys));
    if (!c->keys)
        return RG_ENOMEM;
    c->n_keys = 0;
    while (c->n_keys < n) {
        long semi = rg_str_find_char(keys, ';');
        struct rg_str one = semi < 0 ? keys : rg_str_head(keys, (size_t)semi);
        if (crypto_key(&c->keys[c->n_keys++], one) != RG_OK)
            return fail(why, "bad crypto key-param");
        keys = rg_str_from(keys, semi < 0 ? keys.len : (size_t)semi + 1);
    }
    c->suite = suite;
    c->session_params = tail(v);
    return RG_OK;
}

static int dec_tokens(struct rg_sdp_attr *a, struct rg_str v, struct rg_arena *arena,
                      uint32_t max_list, const char **why)
{
    uint32_t n = count_toks(v);
    if (n == 0)
        return fail(why, "empty ice-options");
    if (n > max_list)
        return RG_ELIMIT;
    a->u.tokens.v = list_alloc(arena, n, sizeof(struct rg_str));
    if (!a->u.tokens.v)
        return RG_ENOMEM;
    a->u.tokens.n = 0;
    struct rg_str t;
    while (rg_sdp__next_tok(&v, &t)) {
        if (!rg_sdp__is_token(t))
            return fail(why, "bad ice-options token");
        a->u.tokens.v[a->u.tokens.n++] = t;
    }
    return RG_OK;
}

/* Single-token values: ice-ufrag/pwd (RFC 8839 5.4), tls-id (RFC 8842 4),
 * mid (RFC 5888 4), setup (RFC 4145 4), sctp-port and max-message-size
 * (RFC 8841 5.1, 6.1), msid (RFC 8830 2). */
static int dec_simple(struct rg_sdp_attr *a, struct rg_str v, const char **why)
{
    struct rg_str t = rg_str_trim(v), rest = v, first;
    switch (a->kind) {
    case RG_SDP_A_ICE_UFRAG:
        a->u.text = t;
        return ice_chars(t, 4, 256) ? RG_OK : fail(why, "bad ice-ufrag");
    case RG_SDP_A_ICE_PWD:
        a->u.text = t;
        return ice_chars(t, 22, 256) ? RG_OK : fail(why, "bad ice-pwd");
    case RG_SDP_A_TLS_ID:
        a->u.text = t;
        for (size_t i = 0; i < t.len; i++) {
            int c = (unsigned char)t.p[i];
            if (!rg_is_alnum(c) && c != '+' && c != '/' && c != '-' && c != '_')
                return fail(why, "bad tls-id");
        }
        return t.len >= 20 && t.len <= 255 ? RG_OK : fail(why, "bad tls-id length");
    case RG_SDP_A_MID:
        a->u.text = t;
        return rg_sdp__is_token(t) ? RG_OK : fail(why, "bad mid");
    case RG_SDP_A_SETUP:
        for (uint8_t s = RG_SDP_SETUP_ACTIVE; s <= RG_SDP_SETUP_HOLDCONN; s++) {
            static const char *const n[] = { NULL, "active", "passive", "actpass", "holdconn" };
            if (rg_str_eq_cstr(t, n[s])) {
                a->u.setup = s;
                return RG_OK;
            }
        }
        return fail(why, "bad setup role");
    case RG_SDP_A_SCTP_PORT:
        return parse_port(t, &a->u.port) == RG_OK ? RG_OK : fail(why, "bad sctp-port");
    case RG_SDP_A_MAX_MESSAGE_SIZE:
        return rg_str_to_u64(t, UINT64_MAX, &a->u.max_msg) == RG_OK ? RG_OK
                                                                     : fail(why, "bad max-message-size");
    default: /* RG_SDP_A_MSID */
        if (!rg_sdp__next_tok(&rest, &first) || !rg_sdp__is_token(first))
            return fail(why, "bad msid");
        a->u.msid.id = first;
        a->u.msid.appdata = tail(rest);
        return a->u.msid.appdata.p && !rg_sdp__is_token(rg_str_trim(a->u.msid.appdata))
                   ? fail(why, "bad msid appdata")
                   : RG_OK;
    }
}

static int dec_value(struct rg_sdp_attr *a, struct rg_arena *arena, uint32_t max_list,
                     const char **why)
{
    struct rg_str v = a->value;
    switch (a->kind) {
    case RG_SDP_A_ICE_OPTIONS:
        return dec_tokens(a, v, arena, max_list, why);
    case RG_SDP_A_CANDIDATE:
        return dec_candidate(&a->u.cand, v, arena, max_list, why);
    case RG_SDP_A_FINGERPRINT:
        return dec_fingerprint(&a->u.fp, v, why);
    case RG_SDP_A_GROUP:
        return dec_group(&a->u.group, v, arena, max_list, why);
    case RG_SDP_A_RTCP:
        return dec_rtcp(&a->u.rtcp, v, why);
    case RG_SDP_A_RTCP_FB:
        return dec_rtcp_fb(&a->u.fb, v, why);
    case RG_SDP_A_EXTMAP:
        return dec_extmap(&a->u.extmap, v, why);
    case RG_SDP_A_SSRC:
        return dec_ssrc(&a->u.ssrc, v, why);
    case RG_SDP_A_SSRC_GROUP:
        return dec_ssrc_group(&a->u.ssrc_group, v, arena, max_list, why);
    case RG_SDP_A_RTPMAP:
        return dec_rtpmap(&a->u.rtpmap, v, why);
    case RG_SDP_A_FMTP:
        return dec_fmtp(&a->u.fmtp, v, arena, max_list, why);
    case RG_SDP_A_PTIME:
    case RG_SDP_A_MAXPTIME:
        return dec_ptime(&a->u.ptime_us, rg_str_trim(v), why);
    case RG_SDP_A_CRYPTO:
        return dec_crypto(&a->u.crypto, v, arena, max_list, why);
    default:
        return dec_simple(a, v, why);
    }
}

int rg_sdp__attr_decode(struct rg_sdp_attr *a, struct rg_arena *arena, uint32_t max_list,
                        const char **why)
{
    const struct kind_name *k = NULL;
    memset(&a->u, 0, sizeof(a->u));
    a->kind = RG_SDP_A_UNKNOWN;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && !k; i++) {
        if (a->name.len == kinds[i].len && memcmp(a->name.p, kinds[i].name, kinds[i].len) == 0)
            k = &kinds[i];
    }
    if (!k)
        return RG_OK;
    if (k->flag) {
        if (a->value.p)
            return fail(why, "attribute takes no value");
        a->kind = k->kind;
        return RG_OK;
    }
    if (!a->value.p)
        return fail(why, "attribute needs a value");
    a->kind = k->kind;
    int rc = dec_value(a, arena, max_list, why);
    if (rc != RG_OK) {
        a->kind = RG_SDP_A_UNKNOWN;
        memset(&a->u, 0, sizeof(a->u));
        if (rc == RG_ELIMIT)
            *why = "too many items in an attribute list";
    }
    return rc;
}

int rg_sdp__attrs_reserve(struct rg_sdp_attrs *list, struct rg_arena *arena, uint32_t max)
{
    if (list->n >= max)
        return RG_ELIMIT;
    if (list->n < list->cap)
        return RG_OK;
    uint32_t cap = list->cap ? list->cap * 2 : 8;
    if (cap > max)
        cap = max;
    struct rg_sdp_attr *v = rg_arena_alloc(arena, (size_t)cap * sizeof(*v));
    if (!v)
        return RG_ENOMEM;
    if (list->n)
        memcpy(v, list->v, (size_t)list->n * sizeof(*v));
    list->v = v;
    list->cap = cap;
    return RG_OK;
}
