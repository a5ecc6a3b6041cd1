/*
 * sdp_parse.c — RFC 8866 line parser.  The body is split into lines (CRLF,
 * or LF from sloppy peers), each line is "<type>=<value>" (RFC 8866 5), and
 * lines must come in the order of RFC 8866 5 ("v o s i u e p c b t r z k a",
 * then per media "m i c b k a").  Arrays are sized by counting the lines of
 * a section before filling it, so every allocation is exact and bounded.
 */
#include "proto/sdp/sdp_internal.h"

#include <string.h>

void rg_sdp_limits_default(struct rg_sdp_limits *lim)
{
    lim->max_bytes = 64 * 1024;
    lim->max_lines = 2000;
    lim->max_line_len = 4096;
    lim->max_media = 64;
    lim->max_attrs = 512;
    lim->max_list = 256;
    lim->keep_bad_attrs = false;
}

struct pst {
    const struct rg_sdp_limits *lim;
    struct rg_arena *arena;
    struct rg_str *lines;
    uint32_t n_lines;
    uint32_t i; /* line being parsed */
    const char *why;
    uint32_t why_line;
};

static int bad(struct pst *ps, int rc, const char *why)
{
    ps->why = why;
    ps->why_line = ps->i + 1;
    return rc;
}

static char type_of(const struct pst *ps, uint32_t i)
{
    return ps->lines[i].p[0];
}

static struct rg_str value_of(const struct pst *ps, uint32_t i)
{
    return rg_str_from(ps->lines[i], 2);
}

/* Splits text into lines; checks "<letter>=" and clean text on each. */
static int split_lines(struct pst *ps, struct rg_str text, uint8_t *eol)
{
    uint32_t n = 0;
    for (size_t k = 0; k < text.len; k++)
        n += text.p[k] == '\n';
    n++;
    if (n > ps->lim->max_lines + 1u)
        return bad(ps, RG_ELIMIT, "too many lines");
    ps->lines = rg_arena_alloc(ps->arena, (size_t)n * sizeof(*ps->lines));
    if (!ps->lines)
        return bad(ps, RG_ENOMEM, "out of memory");
    bool crlf = false, lf = false;
    size_t pos = 0;
    ps->n_lines = 0;
    while (pos < text.len) {
        struct rg_str rest = rg_str_from(text, pos);
        long nl = rg_str_find_char(rest, '\n');
        size_t len = nl < 0 ? rest.len : (size_t)nl;
        pos += nl < 0 ? len : len + 1;
        bool cr = len > 0 && rest.p[len - 1] == '\r';
        if (nl >= 0) {
            crlf |= cr;
            lf |= !cr;
        }
        ps->lines[ps->n_lines++] = rg_str_make(rest.p, cr ? len - 1 : len);
    }
    /* Trailing empty lines (a stray extra CRLF) are tolerated. */
    while (ps->n_lines && ps->lines[ps->n_lines - 1].len == 0)
        ps->n_lines--;
    if (ps->n_lines > ps->lim->max_lines)
        return bad(ps, RG_ELIMIT, "too many lines");
    for (ps->i = 0; ps->i < ps->n_lines; ps->i++) {
        struct rg_str l = ps->lines[ps->i];
        if (l.len > ps->lim->max_line_len)
            return bad(ps, RG_ELIMIT, "line too long");
        if (l.len < 2 || l.p[0] < 'a' || l.p[0] > 'z' || l.p[1] != '=')
            return bad(ps, RG_EBADMSG, "line is not <type>=<value>");
        if (!rg_sdp__clean_text(l))
            return bad(ps, RG_EBADMSG, "NUL or CR inside a line");
    }
    *eol = crlf && lf ? RG_SDP_EOL_MIXED : lf ? RG_SDP_EOL_LF : RG_SDP_EOL_CRLF;
    return RG_OK;
}

/* Exactly n SP-separated tokens. */
static bool split_n(struct rg_str v, struct rg_str *out, int n)
{
    for (int k = 0; k < n; k++) {
        if (!rg_sdp__next_tok(&v, &out[k]))
            return false;
    }
    struct rg_str extra;
    return !rg_sdp__next_tok(&v, &extra);
}

static bool digits(struct rg_str s)
{
    if (s.len == 0)
        return false;
    for (size_t k = 0; k < s.len; k++) {
        if (!rg_is_digit((unsigned char)s.p[k]))
            return false;
    }
    return true;
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> */
static int parse_origin(struct pst *ps, struct rg_sdp_origin *o)
{
    struct rg_str f[6];
    if (!split_n(value_of(ps, ps->i), f, 6))
        return bad(ps, RG_EBADMSG, "o= needs 6 fields");
    if (!digits(f[1]) || !digits(f[2]))
        return bad(ps, RG_EBADMSG, "o= session id and version must be digits");
    if (!rg_sdp__is_token(f[3]) || !rg_sdp__is_token(f[4]))
        return bad(ps, RG_EBADMSG, "bad o= network or address type");
    *o = (struct rg_sdp_origin){ f[0], f[1], f[2], f[3], f[4], f[5] };
    return RG_OK;
}

/* c=<nettype> <addrtype> <connection-address> (RFC 8866 5.7) */
static int parse_conn(struct pst *ps, struct rg_sdp_conn *c)
{
    struct rg_str f[3];
    if (!split_n(value_of(ps, ps->i), f, 3))
        return bad(ps, RG_EBADMSG, "c= needs 3 fields");
    if (!rg_sdp__is_token(f[0]) || !rg_sdp__is_token(f[1]))
        return bad(ps, RG_EBADMSG, "bad c= network or address type");
    memset(c, 0, sizeof(*c));
    c->nettype = f[0];
    c->addrtype = f[1];
    c->address = f[2];
    long slash = rg_str_find_char(f[2], '/');
    struct rg_str ip = slash < 0 ? f[2] : rg_str_head(f[2], (size_t)slash);
    if (rg_addr_parse_ip(ip, &c->addr) != RG_OK)
        memset(&c->addr, 0, sizeof(c->addr));
    return RG_OK;
}

/* b=<bwtype>:<bandwidth> (RFC 8866 5.8) */
static int parse_bw(struct pst *ps, struct rg_sdp_bw *b)
{
    struct rg_str v = value_of(ps, ps->i);
    long colon = rg_str_find_char(v, ':');
    if (colon <= 0)
        return bad(ps, RG_EBADMSG, "b= needs <type>:<value>");
    b->type = rg_str_head(v, (size_t)colon);
    if (!rg_sdp__is_token(b->type))
        return bad(ps, RG_EBADMSG, "bad b= type");
    if (rg_str_to_u64(rg_str_from(v, (size_t)colon + 1), UINT64_MAX, &b->value) != RG_OK)
        return bad(ps, RG_EBADMSG, "bad b= bandwidth");
    return RG_OK;
}

/* a=<attribute>[:<value>] (RFC 8866 5.13) */
static int parse_attr(struct pst *ps, struct rg_sdp_attrs *list)
{
    struct rg_str v = value_of(ps, ps->i);
    long colon = rg_str_find_char(v, ':');
    struct rg_sdp_attr *a = &list->v[list->n];
    a->name = colon < 0 ? v : rg_str_head(v, (size_t)colon);
    a->value = colon < 0 ? RG_STR_NULL : rg_str_from(v, (size_t)colon + 1);
    if (!rg_sdp__is_token(a->name))
        return bad(ps, RG_EBADMSG, "bad attribute name");
    const char *why = "bad attribute";
    int rc = rg_sdp__attr_decode(a, ps->arena, ps->lim->max_list, &why);
    if (rc == RG_EBADMSG && ps->lim->keep_bad_attrs)
        rc = RG_OK;
    if (rc != RG_OK)
        return bad(ps, rc, rc == RG_ENOMEM ? "out of memory" : why);
    list->n++;
    return RG_OK;
}

/* Counts lines of type t from line `from` up to the next m= line. */
static uint32_t count_type(const struct pst *ps, uint32_t from, char t)
{
    uint32_t n = 0;
    for (uint32_t k = from; k < ps->n_lines && type_of(ps, k) != 'm'; k++)
        n += type_of(ps, k) == t;
    return n;
}

static void *alloc_n(struct pst *ps, uint32_t n, size_t size)
{
    return rg_arena_alloc(ps->arena, (size_t)(n ? n : 1) * size);
}

/* Allocates the attribute array of a section starting at line from. */
static int alloc_attrs(struct pst *ps, struct rg_sdp_attrs *list, uint32_t from)
{
    uint32_t n = count_type(ps, from, 'a');
    if (n > ps->lim->max_attrs) {
        ps->i = from;
        return bad(ps, RG_ELIMIT, "too many attributes in one section");
    }
    list->v = alloc_n(ps, n, sizeof(*list->v));
    list->n = 0;
    list->cap = n;
    return list->v ? RG_OK : bad(ps, RG_ENOMEM, "out of memory");
}

/* Session-level order: RFC 8866 5 "v o s i u e p c b t r z k a". */
static const char sess_order[] = "vosiuepcbtrzka";
static const char media_order[] = "micbka";

static int rank(const char *order, char t)
{
    const char *hit = strchr(order, t);
    if (!hit || t == '\0')
        return -1;
    int r = (int)(hit - order);
    return t == 'r' ? r - 1 : r; /* t and r interleave */
}

static bool repeatable(char t, bool media)
{
    return t == 'a' || t == 'b' || (!media && (t == 'e' || t == 'p' || t == 't' || t == 'r')) ||
           (media && t == 'c');
}

static int check_order(struct pst *ps, const char *order, bool media, int *last)
{
    char t = type_of(ps, ps->i);
    int r = rank(order, t);
    if (r < 0)
        return bad(ps, RG_EBADMSG, media ? "line type not allowed in a media section"
                                         : "unknown or misplaced session line type");
    if (r < *last || (r == *last && !repeatable(t, media)))
        return bad(ps, RG_EBADMSG, "line out of RFC 8866 order or repeated");
    if (t == 'r' && *last != r)
        return bad(ps, RG_EBADMSG, "r= without t=");
    *last = r;
    return RG_OK;
}

static int alloc_session(struct pst *ps, struct rg_sdp *s)
{
    s->emails = alloc_n(ps, count_type(ps, 0, 'e'), sizeof(*s->emails));
    s->phones = alloc_n(ps, count_type(ps, 0, 'p'), sizeof(*s->phones));
    s->bws = alloc_n(ps, count_type(ps, 0, 'b'), sizeof(*s->bws));
    s->times = alloc_n(ps, count_type(ps, 0, 't'), sizeof(*s->times));
    if (!s->emails || !s->phones || !s->bws || !s->times)
        return bad(ps, RG_ENOMEM, "out of memory");
    return alloc_attrs(ps, &s->attrs, 0);
}

static int parse_time(struct pst *ps, struct rg_sdp *s)
{
    struct rg_str f[2];
    struct rg_sdp_time *t = &s->times[s->n_times];
    if (!split_n(value_of(ps, ps->i), f, 2) || rg_str_to_u64(f[0], UINT64_MAX, &t->start) ||
        rg_str_to_u64(f[1], UINT64_MAX, &t->stop))
        return bad(ps, RG_EBADMSG, "bad t= times");
    uint32_t n = 0;
    for (uint32_t k = ps->i + 1; k < ps->n_lines && type_of(ps, k) == 'r'; k++)
        n++;
    t->repeats = alloc_n(ps, n, sizeof(*t->repeats));
    if (!t->repeats)
        return bad(ps, RG_ENOMEM, "out of memory");
    t->n_repeats = 0;
    s->n_times++;
    return RG_OK;
}

static int session_line(struct pst *ps, struct rg_sdp *s)
{
    struct rg_str v = value_of(ps, ps->i);
    switch (type_of(ps, ps->i)) {
    case 'v':
        return rg_str_eq_cstr(v, "0") ? RG_OK : bad(ps, RG_EBADMSG, "v= must be 0");
    case 'o':
        return parse_origin(ps, &s->origin);
    case 's':
        s->name = v;
        return RG_OK;
    case 'i':
        s->info = v;
        return RG_OK;
    case 'u':
        s->uri = v;
        return RG_OK;
    case 'e':
        s->emails[s->n_emails++] = v;
        return RG_OK;
    case 'p':
        s->phones[s->n_phones++] = v;
        return RG_OK;
    case 'c':
        s->has_conn = true;
        return parse_conn(ps, &s->conn);
    case 'b':
        return parse_bw(ps, &s->bws[s->n_bws++]);
    case 't':
        return parse_time(ps, s);
    case 'r': {
        struct rg_sdp_time *t = &s->times[s->n_times - 1];
        t->repeats[t->n_repeats++] = v;
        return RG_OK;
    }
    case 'z':
        s->zone = v;
        return RG_OK;
    case 'k':
        s->key = v;
        return RG_OK;
    default:
        return parse_attr(ps, &s->attrs);
    }
}

static int parse_session(struct pst *ps, struct rg_sdp *s)
{
    int rc = alloc_session(ps, s);
    if (rc != RG_OK)
        return rc;
    int last = -1;
    ps->i = 0;
    if (type_of(ps, 0) != 'v')
        return bad(ps, RG_EBADMSG, "SDP must start with v=");
    for (; ps->i < ps->n_lines && type_of(ps, ps->i) != 'm'; ps->i++) {
        rc = check_order(ps, sess_order, false, &last);
        if (rc == RG_OK)
            rc = session_line(ps, s);
        if (rc != RG_OK)
            return rc;
    }
    if (!s->origin.username.p || !s->name.p || s->n_times == 0) {
        ps->i--; /* name the last session line */
        return bad(ps, RG_EBADMSG, "session needs o=, s= and t= lines");
    }
    return RG_OK;
}

/* m=<media> <port>[/<number of ports>] <proto> <fmt> ... (RFC 8866 5.14) */
static int parse_mline(struct pst *ps, struct rg_sdp_media *m)
{
    struct rg_str v = value_of(ps, ps->i), media, port, proto, f;
    if (!rg_sdp__next_tok(&v, &media) || !rg_sdp__next_tok(&v, &port) ||
        !rg_sdp__next_tok(&v, &proto))
        return bad(ps, RG_EBADMSG, "m= needs media, port, proto and formats");
    if (!rg_sdp__is_token(media))
        return bad(ps, RG_EBADMSG, "bad m= media");
    long slash = rg_str_find_char(port, '/');
    uint32_t pv, count = 0;
    if (rg_str_to_u32(slash < 0 ? port : rg_str_head(port, (size_t)slash), 65535, &pv) != RG_OK)
        return bad(ps, RG_EBADMSG, "bad m= port");
    if (slash >= 0 &&
        (rg_str_to_u32(rg_str_from(port, (size_t)slash + 1), 65535, &count) != RG_OK || !count))
        return bad(ps, RG_EBADMSG, "bad m= number of ports");
    for (size_t k = 0; k < proto.len; k++) {
        if (proto.p[k] != '/' && !rg_sdp__is_token(rg_str_make(proto.p + k, 1)))
            return bad(ps, RG_EBADMSG, "bad m= proto");
    }
    struct rg_str probe = v;
    uint32_t n = 0;
    while (rg_sdp__next_tok(&probe, &f))
        n++;
    if (n == 0)
        return bad(ps, RG_EBADMSG, "m= without formats");
    if (n > ps->lim->max_list)
        return bad(ps, RG_ELIMIT, "too many m= formats");
    m->fmts = alloc_n(ps, n, sizeof(*m->fmts));
    if (!m->fmts)
        return bad(ps, RG_ENOMEM, "out of memory");
    while (rg_sdp__next_tok(&v, &f)) {
        if (!rg_sdp__is_token(f))
            return bad(ps, RG_EBADMSG, "bad m= format");
        m->fmts[m->n_fmts++] = f;
    }
    m->media = media;
    m->port = (uint16_t)pv;
    m->port_count = count;
    m->proto = proto;
    return RG_OK;
}

static int media_line(struct pst *ps, struct rg_sdp_media *m)
{
    struct rg_str v = value_of(ps, ps->i);
    switch (type_of(ps, ps->i)) {
    case 'i':
        m->info = v;
        return RG_OK;
    case 'c':
        return parse_conn(ps, &m->conns[m->n_conns++]);
    case 'b':
        return parse_bw(ps, &m->bws[m->n_bws++]);
    case 'k':
        m->key = v;
        return RG_OK;
    default:
        return parse_attr(ps, &m->attrs);
    }
}

static int parse_media(struct pst *ps, struct rg_sdp_media *m)
{
    uint32_t first = ps->i + 1;
    memset(m, 0, sizeof(*m));
    int rc = parse_mline(ps, m);
    if (rc != RG_OK)
        return rc;
    m->conns = alloc_n(ps, count_type(ps, first, 'c'), sizeof(*m->conns));
    m->bws = alloc_n(ps, count_type(ps, first, 'b'), sizeof(*m->bws));
    if (!m->conns || !m->bws)
        return bad(ps, RG_ENOMEM, "out of memory");
    rc = alloc_attrs(ps, &m->attrs, first);
    if (rc != RG_OK)
        return rc;
    int last = 0;
    for (ps->i = first; ps->i < ps->n_lines && type_of(ps, ps->i) != 'm'; ps->i++) {
        rc = check_order(ps, media_order, true, &last);
        if (rc == RG_OK)
            rc = media_line(ps, m);
        if (rc != RG_OK)
            return rc;
    }
    return RG_OK;
}

static int parse_all(struct pst *ps, struct rg_str text, struct rg_sdp *s)
{
    int rc = split_lines(ps, text, &s->eol);
    if (rc != RG_OK)
        return rc;
    if (ps->n_lines == 0) {
        ps->why_line = 0;
        ps->why = "empty SDP";
        return RG_EBADMSG;
    }
    rc = parse_session(ps, s);
    if (rc != RG_OK)
        return rc;
    uint32_t nm = 0;
    for (uint32_t k = ps->i; k < ps->n_lines; k++)
        nm += type_of(ps, k) == 'm';
    if (nm > ps->lim->max_media)
        return bad(ps, RG_ELIMIT, "too many m= sections");
    s->media = alloc_n(ps, nm, sizeof(*s->media));
    if (!s->media)
        return bad(ps, RG_ENOMEM, "out of memory");
    s->cap_media = nm;
    while (ps->i < ps->n_lines) {
        rc = parse_media(ps, &s->media[s->n_media]);
        if (rc != RG_OK)
            return rc;
        s->n_media++;
    }
    return RG_OK;
}

int rg_sdp_parse(struct rg_str text, const struct rg_sdp_limits *lim, struct rg_arena *arena,
                 struct rg_sdp **out, struct rg_sdp_error *err)
{
    struct rg_sdp_limits def;
    if (!lim) {
        rg_sdp_limits_default(&def);
        lim = &def;
    }
    struct pst ps = { .lim = lim, .arena = arena, .why = "bad SDP" };
    int rc;
    struct rg_sdp *s = NULL;
    if (!text.p && text.len)
        rc = RG_EINVAL;
    else if (text.len > lim->max_bytes || text.len > RG_SDP_MAX_BYTES_CAP)
        rc = bad(&ps, RG_ELIMIT, "SDP too large"), ps.why_line = 0;
    else if (!(s = rg_arena_zalloc(arena, sizeof(*s))))
        rc = bad(&ps, RG_ENOMEM, "out of memory"), ps.why_line = 0;
    else
        rc = parse_all(&ps, text, s);
    if (rc != RG_OK) {
        if (err) {
            err->line = ps.why_line;
            err->what = ps.why;
        }
        return rc;
    }
    *out = s;
    return RG_OK;
}
