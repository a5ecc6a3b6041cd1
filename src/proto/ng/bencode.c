/*
 * bencode.c — bounded bencode decoder and writer (BEP 3 encoding, as used by
 * the rtpengine ng protocol).  See bencode.h.
 */
#include "proto/ng/bencode.h"

#include <inttypes.h>
#include <string.h>

#define DEFAULT_DEPTH 16
#define DEFAULT_NODES 4096
#define DEFAULT_STR (1024 * 1024)

struct parser {
    struct rg_arena *arena;
    const char *buf;
    size_t len;
    size_t pos;
    size_t nodes;
    struct rg_bencode_limits lim;
};

/*
 * Reads a canonical decimal up to `term` at p->pos: no leading zeros, "-"
 * only when allowed and not for zero.  Returns RG_OK, RG_EAGAIN (input ends
 * first) or RG_EBADMSG.
 */
static int parse_decimal(struct parser *p, char term, bool allow_neg, int64_t *out)
{
    size_t i = p->pos;
    bool neg = false;
    if (allow_neg && i < p->len && p->buf[i] == '-') {
        neg = true;
        i++;
    }
    size_t start = i;
    uint64_t v = 0;
    for (; i < p->len && rg_is_digit((unsigned char)p->buf[i]); i++) {
        unsigned d = (unsigned)(p->buf[i] - '0');
        /* Magnitude up to 2^63 (INT64_MIN's) fits; checked below. */
        if (v > (UINT64_C(1) << 63) / 10 || v * 10 > (UINT64_C(1) << 63) - d)
            return RG_EBADMSG;
        v = v * 10 + d;
    }
    if (i == p->len)
        return RG_EAGAIN;
    size_t ndig = i - start;
    if (p->buf[i] != term || ndig == 0 || (ndig > 1 && p->buf[start] == '0') || (neg && v == 0))
        return RG_EBADMSG;
    if (!neg && v > INT64_MAX)
        return RG_EBADMSG;
    *out = neg ? (v == (UINT64_C(1) << 63) ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    p->pos = i + 1;
    return RG_OK;
}

static struct rg_bencode *new_node(struct parser *p, int *rc)
{
    if (p->nodes == p->lim.max_nodes) {
        *rc = RG_ELIMIT;
        return NULL;
    }
    struct rg_bencode *n = rg_arena_zalloc(p->arena, sizeof(*n));
    if (!n) {
        *rc = RG_ENOMEM;
        return NULL;
    }
    p->nodes++;
    return n;
}

static int parse_string(struct parser *p, struct rg_str *out)
{
    int64_t n;
    int rc = parse_decimal(p, ':', false, &n);
    if (rc != RG_OK)
        return rc;
    if ((uint64_t)n > p->lim.max_str)
        return RG_ELIMIT;
    if ((uint64_t)n > p->len - p->pos)
        return RG_EAGAIN;
    *out = rg_str_make(p->buf + p->pos, (size_t)n);
    p->pos += (size_t)n;
    return RG_OK;
}

static int parse_value(struct parser *p, unsigned depth, struct rg_bencode **out);

/* Has a dictionary already got key k?  (Linear: dictionaries in ng
 * messages are small, and the node limit bounds the total work.) */
static bool has_key(const struct rg_bencode *d, struct rg_str k)
{
    for (const struct rg_bencode *e = d->child; e; e = e->next) {
        if (rg_str_eq(e->key, k))
            return true;
    }
    return false;
}

/* Elements of a list or dict, after its 'l' / 'd', up to and with 'e'. */
static int parse_container(struct parser *p, unsigned depth, struct rg_bencode *n)
{
    struct rg_bencode **tail = &n->child;
    for (;;) {
        if (p->pos == p->len)
            return RG_EAGAIN;
        if (p->buf[p->pos] == 'e') {
            p->pos++;
            return RG_OK;
        }
        struct rg_str key = RG_STR_NULL;
        if (n->type == RG_BENC_DICT) {
            if (!rg_is_digit((unsigned char)p->buf[p->pos]))
                return RG_EBADMSG; /* keys are strings */
            int rc = parse_string(p, &key);
            if (rc != RG_OK)
                return rc;
            if (has_key(n, key))
                return RG_EBADMSG;
        }
        struct rg_bencode *e = NULL;
        int rc = parse_value(p, depth, &e);
        if (rc != RG_OK)
            return rc;
        e->key = key;
        *tail = e;
        tail = &e->next;
        n->count++;
    }
}

static int parse_value(struct parser *p, unsigned depth, struct rg_bencode **out)
{
    if (p->pos == p->len)
        return RG_EAGAIN;
    int rc = RG_OK;
    size_t start = p->pos;
    char c = p->buf[p->pos];
    struct rg_bencode *n = new_node(p, &rc);
    if (!n)
        return rc;
    if (c == 'i') {
        p->pos++;
        n->type = RG_BENC_INT;
        rc = parse_decimal(p, 'e', true, &n->num);
    } else if (rg_is_digit((unsigned char)c)) {
        n->type = RG_BENC_STR;
        rc = parse_string(p, &n->str);
    } else if (c == 'l' || c == 'd') {
        if (depth >= p->lim.max_depth)
            return RG_ELIMIT;
        p->pos++;
        n->type = c == 'l' ? RG_BENC_LIST : RG_BENC_DICT;
        rc = parse_container(p, depth + 1, n);
    } else {
        return RG_EBADMSG;
    }
    if (rc != RG_OK)
        return rc;
    n->raw = rg_str_make(p->buf + start, p->pos - start);
    *out = n;
    return RG_OK;
}

int rg_bencode_parse(struct rg_arena *arena, const char *buf, size_t len,
                     const struct rg_bencode_limits *lim, const struct rg_bencode **out)
{
    struct parser p = {.arena = arena, .buf = buf, .len = len};
    if (lim)
        p.lim = *lim;
    if (p.lim.max_depth == 0)
        p.lim.max_depth = DEFAULT_DEPTH;
    if (p.lim.max_depth > RG_BENCODE_MAX_DEPTH)
        p.lim.max_depth = RG_BENCODE_MAX_DEPTH;
    if (p.lim.max_nodes == 0)
        p.lim.max_nodes = DEFAULT_NODES;
    if (p.lim.max_str == 0)
        p.lim.max_str = DEFAULT_STR;
    if (len > INT32_MAX)
        return RG_ELIMIT;
    struct rg_bencode *root = NULL;
    int rc = parse_value(&p, 0, &root);
    if (rc != RG_OK)
        return rc;
    *out = root;
    return (int)p.pos;
}

/* ---- lookups ----------------------------------------------------------- */

const struct rg_bencode *rg_bencode_dict_get(const struct rg_bencode *d, const char *key)
{
    if (!d || d->type != RG_BENC_DICT)
        return NULL;
    for (const struct rg_bencode *e = d->child; e; e = e->next) {
        if (rg_str_eq_cstr(e->key, key))
            return e;
    }
    return NULL;
}

int rg_bencode_dict_str(const struct rg_bencode *d, const char *key, struct rg_str *out)
{
    const struct rg_bencode *v = rg_bencode_dict_get(d, key);
    if (!v)
        return RG_ENOTFOUND;
    if (v->type != RG_BENC_STR)
        return RG_EBADMSG;
    *out = v->str;
    return RG_OK;
}

int rg_bencode_dict_int(const struct rg_bencode *d, const char *key, int64_t *out)
{
    const struct rg_bencode *v = rg_bencode_dict_get(d, key);
    if (!v)
        return RG_ENOTFOUND;
    if (v->type != RG_BENC_INT)
        return RG_EBADMSG;
    *out = v->num;
    return RG_OK;
}

const struct rg_bencode *rg_bencode_dict_list(const struct rg_bencode *d, const char *key)
{
    const struct rg_bencode *v = rg_bencode_dict_get(d, key);
    return v && v->type == RG_BENC_LIST ? v : NULL;
}

bool rg_bencode_list_has_str(const struct rg_bencode *l, const char *s)
{
    if (!l || l->type != RG_BENC_LIST)
        return false;
    for (const struct rg_bencode *e = l->child; e; e = e->next) {
        if (e->type == RG_BENC_STR && rg_str_eq_cstr(e->str, s))
            return true;
    }
    return false;
}

/* ---- writer ------------------------------------------------------------ */

void rg_bencode_writer_init(struct rg_bencode_writer *w, struct rg_buf *out)
{
    w->out = out;
    w->depth = 0;
    w->err = RG_OK;
}

void rg_bencode_put_str(struct rg_bencode_writer *w, struct rg_str s)
{
    if (w->err == RG_OK)
        w->err = rg_buf_appendf(w->out, "%zu:", s.len);
    if (w->err == RG_OK)
        w->err = rg_buf_append(w->out, s.p, s.len);
}

void rg_bencode_put_cstr(struct rg_bencode_writer *w, const char *s)
{
    rg_bencode_put_str(w, rg_str_from_cstr(s));
}

void rg_bencode_put_int(struct rg_bencode_writer *w, int64_t v)
{
    if (w->err == RG_OK)
        w->err = rg_buf_appendf(w->out, "i%" PRId64 "e", v);
}

static void open_container(struct rg_bencode_writer *w, char c)
{
    if (w->err != RG_OK)
        return;
    if (w->depth == RG_BENCODE_MAX_DEPTH) {
        w->err = RG_ELIMIT;
        return;
    }
    w->err = rg_buf_append_byte(w->out, (uint8_t)c);
    if (w->err == RG_OK)
        w->depth++;
}

void rg_bencode_put_list(struct rg_bencode_writer *w)
{
    open_container(w, 'l');
}

void rg_bencode_put_dict(struct rg_bencode_writer *w)
{
    open_container(w, 'd');
}

void rg_bencode_put_end(struct rg_bencode_writer *w)
{
    if (w->err != RG_OK)
        return;
    if (w->depth == 0) {
        w->err = RG_ESTATE;
        return;
    }
    w->err = rg_buf_append_byte(w->out, 'e');
    if (w->err == RG_OK)
        w->depth--;
}

void rg_bencode_put_node(struct rg_bencode_writer *w, const struct rg_bencode *n)
{
    switch (n->type) {
    case RG_BENC_STR:
        rg_bencode_put_str(w, n->str);
        break;
    case RG_BENC_INT:
        rg_bencode_put_int(w, n->num);
        break;
    case RG_BENC_LIST:
    case RG_BENC_DICT:
        open_container(w, n->type == RG_BENC_LIST ? 'l' : 'd');
        for (const struct rg_bencode *e = n->child; e && w->err == RG_OK; e = e->next) {
            if (n->type == RG_BENC_DICT)
                rg_bencode_put_str(w, e->key);
            rg_bencode_put_node(w, e);
        }
        rg_bencode_put_end(w);
        break;
    default:
        if (w->err == RG_OK)
            w->err = RG_EINVAL;
        break;
    }
}

int rg_bencode_writer_finish(const struct rg_bencode_writer *w)
{
    if (w->err != RG_OK)
        return w->err;
    return w->depth == 0 ? RG_OK : RG_ESTATE;
}
