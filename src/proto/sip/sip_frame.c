/* Stream framing by Content-Length: RFC 3261 §18.3, RFC 5626 §3.5.1. */
#include "proto/sip/sip_frame.h"

#include <limits.h>
#include <string.h>

#include "proto/sip/sip_lex.h"

/* Finds the Content-Length value(s) in the header section h (which ends
 * with CRLF CRLF).  Returns RG_OK with *cl, or RG_EBADMSG with *reason. */
static int find_cl(struct rg_str h, size_t max, uint64_t *cl, enum rg_sip_reason *reason)
{
    bool seen = false;
    size_t i = 0;
    while (i < h.len) {
        const char *lf = memchr(h.p + i, '\n', h.len - i);
        size_t end = lf ? (size_t)(lf - h.p) + 1 : h.len;
        struct rg_str line = rg_str_make(h.p + i, end - i);
        i = end;
        size_t k = 0;
        while (k < line.len && rg_sip_is_token((unsigned char)line.p[k]))
            k++;
        enum rg_sip_hdr_id id = rg_sip_hdr_lookup(rg_str_head(line, k));
        if (k == 0 || id != RG_SIP_H_CONTENT_LENGTH)
            continue;
        struct rg_sip_cur c = rg_sip_cur_make(rg_str_from(line, k));
        while (c.p < c.e && rg_is_wsp((unsigned char)*c.p))
            c.p++;
        if (!rg_sip_cur_eat(&c, ':'))
            continue;
        /* The value may be folded onto following lines (§7.3.1). */
        struct rg_sip_cur v = {c.p, h.p + h.len};
        rg_sip_cur_lws(&v);
        const char *d = v.p;
        while (v.p < v.e && rg_is_digit((unsigned char)*v.p))
            v.p++;
        uint64_t n;
        *reason = RG_SIP_R_CONTENT_LENGTH;
        if (rg_str_to_u64(rg_str_make(d, (size_t)(v.p - d)), max, &n) != RG_OK)
            return RG_EBADMSG;
        *reason = RG_SIP_R_DUP_CONTENT_LENGTH;
        if (seen && n != *cl)
            return RG_EBADMSG;
        seen = true;
        *cl = n;
    }
    *reason = RG_SIP_R_MISSING_CONTENT_LENGTH;
    return seen ? RG_OK : RG_EBADMSG;
}

int rg_sip_frame_len(const char *p, size_t n, const struct rg_sip_limits *lim, size_t *scan,
                     size_t *msg_len, struct rg_sip_error *err)
{
    struct rg_sip_limits l = lim ? *lim : RG_SIP_LIMITS_DEFAULT;
    size_t from = scan && *scan <= n ? *scan : 0;
    size_t i = from > 3 ? from - 3 : 0;
    const char *hit = NULL;
    while (i + 4 <= n) {
        const char *cr = memchr(p + i, '\r', n - i - 3);
        if (!cr)
            break;
        if (memcmp(cr, "\r\n\r\n", 4) == 0) {
            hit = cr;
            break;
        }
        i = (size_t)(cr - p) + 1;
    }
    if (scan)
        *scan = hit ? (size_t)(hit - p) : n;
    if (!hit) {
        if (n >= l.max_msg_bytes) {
            rg_sip_error_set(err, RG_SIP_R_TOO_LARGE);
            return RG_EBADMSG;
        }
        *msg_len = 0;
        return RG_EAGAIN;
    }
    size_t hdr_len = (size_t)(hit - p) + 4;
    uint64_t cl = 0;
    enum rg_sip_reason r = RG_SIP_R_NONE;
    if (find_cl(rg_str_make(p, hdr_len), l.max_msg_bytes, &cl, &r) != RG_OK) {
        rg_sip_error_set(err, r);
        return RG_EBADMSG;
    }
    if (hdr_len + cl > l.max_msg_bytes) {
        rg_sip_error_set(err, RG_SIP_R_TOO_LARGE);
        return RG_EBADMSG;
    }
    *msg_len = hdr_len + (size_t)cl;
    return hdr_len + cl > n ? RG_EAGAIN : RG_OK;
}

void rg_sip_framer_init(struct rg_sip_framer *f, const struct rg_sip_limits *lim)
{
    memset(f, 0, sizeof(*f));
    f->lim = lim ? *lim : RG_SIP_LIMITS_DEFAULT;
    rg_buf_init(&f->in, f->lim.max_msg_bytes);
}

void rg_sip_framer_deinit(struct rg_sip_framer *f)
{
    rg_buf_deinit(&f->in);
}

int rg_sip_framer_feed(struct rg_sip_framer *f, const void *p, size_t n)
{
    if (f->pending || f->failed)
        return RG_ESTATE;
    size_t room = f->in.max - f->in.len;
    size_t take = n < room ? n : room;
    if (take > INT_MAX)
        take = INT_MAX;
    if (take == 0)
        return 0;
    int rc = rg_buf_append(&f->in, p, take);
    return rc == RG_OK ? (int)take : rc;
}

static void drop_front(struct rg_sip_framer *f, size_t n)
{
    memmove(f->in.data, f->in.data + n, f->in.len - n);
    f->in.len -= n;
    if (f->in.data)
        f->in.data[f->in.len] = '\0';
    f->scanned = 0;
    f->need = 0;
}

int rg_sip_framer_next(struct rg_sip_framer *f, struct rg_str *msg, struct rg_sip_error *err)
{
    if (f->failed) {
        rg_sip_error_set(err, RG_SIP_R_TOO_LARGE);
        return RG_EBADMSG;
    }
    if (f->pending) {
        *msg = rg_str_make(f->in.data, f->pending);
        return RG_OK;
    }
    size_t k = 0; /* keep-alive CRLFs (RFC 5626 §3.5.1) */
    while (k < f->in.len && (f->in.data[k] == '\r' || f->in.data[k] == '\n'))
        k++;
    if (k)
        drop_front(f, k);
    if (f->need && f->in.len < f->need)
        return RG_EAGAIN; /* headers seen, body still incomplete */
    size_t len = 0;
    int rc = rg_sip_frame_len(f->in.data, f->in.len, &f->lim, &f->scanned, &len, err);
    if (rc == RG_EBADMSG)
        f->failed = true;
    if (rc == RG_EAGAIN)
        f->need = len;
    if (rc != RG_OK)
        return rc;
    f->need = 0;
    f->pending = len;
    *msg = rg_str_make(f->in.data, len);
    return RG_OK;
}

void rg_sip_framer_consume(struct rg_sip_framer *f)
{
    if (f->pending) {
        drop_front(f, f->pending);
        f->pending = 0;
    }
}
