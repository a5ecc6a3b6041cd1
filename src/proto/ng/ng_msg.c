/*
 * ng_msg.c — "<cookie> <bencoded dict>" framing of the rtpengine ng control
 * protocol.  See ng_msg.h.
 */
#include "proto/ng/ng_msg.h"

#include <string.h>

int rg_ng_parse(struct rg_arena *arena, const char *dgram, size_t len,
                const struct rg_bencode_limits *lim, struct rg_ng_msg *out)
{
    size_t i = 0;
    while (i < len && (unsigned char)dgram[i] > 0x20 && (unsigned char)dgram[i] != 0x7f)
        i++;
    if (i == 0 || i == len || dgram[i] != ' ')
        return i > RG_NG_MAX_COOKIE ? RG_ELIMIT : RG_EBADMSG;
    if (i > RG_NG_MAX_COOKIE)
        return RG_ELIMIT;
    struct rg_str cookie = rg_str_make(dgram, i);
    const char *doc = dgram + i + 1;
    size_t doc_len = len - i - 1;
    if (doc_len > 0 && doc[0] == '{')
        return RG_EUNSUPP;
    if (doc_len == 0 || doc[0] != 'd')
        return RG_EBADMSG;
    const struct rg_bencode *root = NULL;
    int rc = rg_bencode_parse(arena, doc, doc_len, lim, &root);
    if (rc == RG_EAGAIN)
        return RG_EBADMSG; /* a datagram is complete or nothing */
    if (rc < 0)
        return rc;
    if ((size_t)rc != doc_len)
        return RG_EBADMSG;
    out->cookie = cookie;
    out->dict = root;
    return RG_OK;
}

int rg_ng_command(const struct rg_ng_msg *m, struct rg_str *out)
{
    return rg_bencode_dict_str(m->dict, "command", out);
}

void rg_ng_reply_begin(struct rg_bencode_writer *w, struct rg_buf *out, struct rg_str cookie)
{
    rg_bencode_writer_init(w, out);
    if (cookie.len == 0 || cookie.len > RG_NG_MAX_COOKIE || memchr(cookie.p, ' ', cookie.len)) {
        w->err = RG_EINVAL;
        return;
    }
    w->err = rg_buf_append_str(out, cookie);
    if (w->err == RG_OK)
        w->err = rg_buf_append_byte(out, ' ');
    rg_bencode_put_dict(w);
}

int rg_ng_reply_finish(struct rg_bencode_writer *w)
{
    rg_bencode_put_end(w);
    return rg_bencode_writer_finish(w);
}

static void buf_truncate(struct rg_buf *b, size_t len)
{
    b->len = len;
    if (b->data)
        b->data[len] = '\0';
}

int rg_ng_reply_pong(struct rg_buf *out, struct rg_str cookie)
{
    size_t mark = out->len;
    struct rg_bencode_writer w;
    rg_ng_reply_begin(&w, out, cookie);
    rg_bencode_put_cstr(&w, "result");
    rg_bencode_put_cstr(&w, "pong");
    int rc = rg_ng_reply_finish(&w);
    if (rc != RG_OK)
        buf_truncate(out, mark);
    return rc;
}

int rg_ng_reply_error(struct rg_buf *out, struct rg_str cookie, const char *reason)
{
    size_t mark = out->len;
    struct rg_bencode_writer w;
    rg_ng_reply_begin(&w, out, cookie);
    /* Keys in lexicographic order, as bencode asks. */
    rg_bencode_put_cstr(&w, "error-reason");
    rg_bencode_put_cstr(&w, reason);
    rg_bencode_put_cstr(&w, "result");
    rg_bencode_put_cstr(&w, "error");
    int rc = rg_ng_reply_finish(&w);
    if (rc != RG_OK)
        buf_truncate(out, mark);
    return rc;
}
