/* Building, editing and serializing SIP messages: RFC 3261 §7, §8.2.6. */
#include "proto/sip/sip_build.h"

#include <stdio.h>
#include <string.h>

#include "proto/sip/sip_lex.h"

static bool is_token(struct rg_str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (!rg_sip_is_token((unsigned char)s.p[i]))
            return false;
    return s.len > 0;
}

static bool is_text(struct rg_str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] == '\r' || s.p[i] == '\n' || s.p[i] == '\0')
            return false;
    return true;
}

static struct rg_sip_msg *new_msg(struct rg_arena *arena)
{
    struct rg_sip_msg *m = rg_arena_zalloc(arena, sizeof(*m));
    if (m) {
        m->lim = RG_SIP_LIMITS_DEFAULT;
        m->max_forwards = -1;
        m->content_length = -1;
    }
    return m;
}

int rg_sip_msg_new_request(struct rg_arena *arena, struct rg_str method, struct rg_str ruri,
                           struct rg_sip_msg **out)
{
    if (!is_token(method) || !is_text(ruri))
        return RG_EINVAL;
    struct rg_sip_msg *m = new_msg(arena);
    if (!m)
        return RG_ENOMEM;
    m->is_request = true;
    m->method = rg_arena_str(arena, method);
    m->ruri_text = rg_arena_str(arena, ruri);
    if (!m->method.p || !m->ruri_text.p)
        return RG_ENOMEM;
    int rc = rg_sip_uri_parse(m->ruri_text, RG_SIP_URI_WHOLE, arena, &m->ruri, NULL);
    if (rc == RG_OK && m->ruri.headers.n)
        rc = RG_EINVAL;
    if (rc != RG_OK)
        return rc == RG_ENOMEM ? rc : RG_EINVAL;
    *out = m;
    return RG_OK;
}

int rg_sip_msg_new_response(struct rg_arena *arena, uint16_t status, struct rg_str reason,
                            struct rg_sip_msg **out)
{
    if (status < 100 || status > 699 || !is_text(reason))
        return RG_EINVAL;
    struct rg_sip_msg *m = new_msg(arena);
    if (!m)
        return RG_ENOMEM;
    m->status = status;
    m->reason = rg_arena_str(arena, reason);
    if (!m->reason.p)
        return RG_ENOMEM;
    *out = m;
    return RG_OK;
}

/* Inserts a header whose views are already owned by someone long-lived. */
static int insert_view(struct rg_sip_msg *m, struct rg_arena *arena, size_t at, struct rg_str name,
                       struct rg_str value)
{
    if (m->n_hdrs >= m->lim.max_headers || name.len + value.len + 2 > m->lim.max_header_bytes)
        return RG_ELIMIT;
    if (m->n_hdrs == m->cap_hdrs) {
        size_t cap = m->cap_hdrs ? m->cap_hdrs * 2 : 16;
        struct rg_sip_hdr *h = rg_arena_alloc(arena, cap * sizeof(*h));
        if (!h)
            return RG_ENOMEM;
        if (m->n_hdrs)
            memcpy(h, m->hdrs, m->n_hdrs * sizeof(*h));
        m->hdrs = h;
        m->cap_hdrs = cap;
    }
    if (at > m->n_hdrs)
        at = m->n_hdrs;
    memmove(&m->hdrs[at + 1], &m->hdrs[at], (m->n_hdrs - at) * sizeof(*m->hdrs));
    m->hdrs[at] = (struct rg_sip_hdr){rg_sip_hdr_lookup(name), name, value};
    m->n_hdrs++;
    return RG_OK;
}

int rg_sip_msg_insert(struct rg_sip_msg *m, struct rg_arena *arena, size_t at, struct rg_str name,
                      struct rg_str value)
{
    value = rg_str_trim(value);
    if (!is_token(name) || !is_text(value))
        return RG_EINVAL;
    struct rg_str n = rg_arena_str(arena, name), v = rg_arena_str(arena, value);
    if (!n.p || !v.p)
        return RG_ENOMEM;
    return insert_view(m, arena, at, n, v);
}

int rg_sip_msg_add(struct rg_sip_msg *m, struct rg_arena *arena, struct rg_str name,
                   struct rg_str value)
{
    return rg_sip_msg_insert(m, arena, m->n_hdrs, name, value);
}

/* Does header h carry the header called name (any form)? */
static bool same_header(const struct rg_sip_hdr *h, enum rg_sip_hdr_id id, struct rg_str name)
{
    return id != RG_SIP_H_OTHER ? h->id == id : rg_str_caseeq(h->name, name);
}

size_t rg_sip_msg_remove(struct rg_sip_msg *m, struct rg_str name)
{
    enum rg_sip_hdr_id id = rg_sip_hdr_lookup(name);
    size_t k = 0, removed = 0;
    for (size_t i = 0; i < m->n_hdrs; i++) {
        if (same_header(&m->hdrs[i], id, name))
            removed++;
        else
            m->hdrs[k++] = m->hdrs[i];
    }
    m->n_hdrs = k;
    return removed;
}

int rg_sip_msg_replace(struct rg_sip_msg *m, struct rg_arena *arena, struct rg_str name,
                       struct rg_str value)
{
    enum rg_sip_hdr_id id = rg_sip_hdr_lookup(name);
    size_t at = m->n_hdrs;
    for (size_t i = 0; i < m->n_hdrs && at == m->n_hdrs; i++)
        if (same_header(&m->hdrs[i], id, name))
            at = i;
    if (at == m->n_hdrs)
        return rg_sip_msg_add(m, arena, name, value);
    value = rg_str_trim(value);
    if (!is_token(name) || !is_text(value))
        return RG_EINVAL;
    struct rg_str v = rg_arena_str(arena, value);
    if (!v.p)
        return RG_ENOMEM;
    struct rg_sip_hdr keep = m->hdrs[at];
    keep.value = v;
    rg_sip_msg_remove(m, name);
    return insert_view(m, arena, at, keep.name, keep.value);
}

int rg_sip_msg_set_body(struct rg_sip_msg *m, struct rg_arena *arena, struct rg_str ctype,
                        struct rg_str body)
{
    if (body.len > m->lim.max_msg_bytes)
        return RG_ELIMIT;
    struct rg_str b = body.len ? rg_arena_str(arena, body) : rg_str_make("", 0);
    if (!b.p)
        return RG_ENOMEM;
    int rc = RG_OK;
    if (ctype.len)
        rc = rg_sip_msg_replace(m, arena, RG_STR_LIT("Content-Type"), ctype);
    else
        rg_sip_msg_remove(m, RG_STR_LIT("Content-Type"));
    char num[24];
    int n = snprintf(num, sizeof(num), "%zu", body.len);
    if (rc == RG_OK)
        rc =
            rg_sip_msg_replace(m, arena, RG_STR_LIT("Content-Length"), rg_str_make(num, (size_t)n));
    if (rc == RG_OK) {
        m->body = b;
        m->content_length = (int64_t)body.len;
    }
    return rc;
}

/* The To value with ";tag=" appended, in the arena. */
static int to_with_tag(const struct rg_sip_hdr *to, struct rg_str tag, struct rg_arena *arena,
                       struct rg_str *out)
{
    size_t n = to->value.len + 5 + tag.len;
    char *p = rg_arena_alloc(arena, n);
    if (!p)
        return RG_ENOMEM;
    memcpy(p, to->value.p, to->value.len);
    memcpy(p + to->value.len, ";tag=", 5);
    memcpy(p + to->value.len + 5, tag.p, tag.len);
    *out = rg_str_make(p, n);
    return RG_OK;
}

static int copy_headers(const struct rg_sip_msg *req, struct rg_sip_msg *m, struct rg_arena *arena,
                        uint16_t status, struct rg_str to_tag)
{
    int rc = RG_OK;
    bool rr = status > 100 && status < 300;
    for (size_t i = 0; i < req->n_hdrs && rc == RG_OK; i++) {
        const struct rg_sip_hdr *h = &req->hdrs[i];
        struct rg_str v = h->value;
        if (h->id == RG_SIP_H_TO && status > 100 && to_tag.len && req->to && !req->to->tag.p) {
            if (!is_token(to_tag))
                return RG_EINVAL;
            rc = to_with_tag(h, to_tag, arena, &v);
        }
        if (rc == RG_OK && (h->id == RG_SIP_H_VIA || h->id == RG_SIP_H_FROM ||
                            h->id == RG_SIP_H_TO || h->id == RG_SIP_H_CALL_ID ||
                            h->id == RG_SIP_H_CSEQ || (rr && h->id == RG_SIP_H_RECORD_ROUTE)))
            rc = insert_view(m, arena, m->n_hdrs, h->name, v);
    }
    if (rc == RG_OK)
        rc = insert_view(m, arena, m->n_hdrs, RG_STR_LIT("Content-Length"), RG_STR_LIT("0"));
    return rc;
}

int rg_sip_make_response(const struct rg_sip_msg *req, struct rg_arena *arena, uint16_t status,
                         struct rg_str reason, struct rg_str to_tag, struct rg_sip_msg **out)
{
    if (!req->is_request)
        return RG_EINVAL;
    struct rg_sip_msg *m;
    int rc = rg_sip_msg_new_response(arena, status, reason, &m);
    if (rc != RG_OK)
        return rc;
    m->lim = req->lim;
    m->body = rg_str_make("", 0);
    rc = copy_headers(req, m, arena, status, to_tag);
    if (rc != RG_OK)
        return rc;
    struct rg_sip_error err;
    rc = rg_sip_msg_index(m, arena, &err);
    if (rc != RG_OK)
        return rc == RG_ENOMEM ? rc : RG_EINVAL;
    m->content_length = 0;
    *out = m;
    return RG_OK;
}

static int put_headers(const struct rg_sip_msg *m, struct rg_buf *b)
{
    bool cl_done = false;
    int rc = RG_OK;
    for (size_t i = 0; i < m->n_hdrs && rc == RG_OK; i++) {
        const struct rg_sip_hdr *h = &m->hdrs[i];
        if (h->id == RG_SIP_H_CONTENT_LENGTH) {
            if (!cl_done)
                rc = rg_buf_appendf(b, "%.*s: %zu\r\n", (int)h->name.len, h->name.p, m->body.len);
            cl_done = true;
            continue;
        }
        rc = rg_buf_append_str(b, h->name);
        if (rc == RG_OK)
            rc = rg_buf_append(b, ": ", 2);
        if (rc == RG_OK)
            rc = rg_buf_append_str(b, h->value);
        if (rc == RG_OK)
            rc = rg_buf_append(b, "\r\n", 2);
    }
    if (rc == RG_OK && !cl_done)
        rc = rg_buf_appendf(b, "Content-Length: %zu\r\n", m->body.len);
    return rc;
}

int rg_sip_serialize(const struct rg_sip_msg *m, struct rg_buf *out)
{
    size_t start = out->len;
    int rc;
    if (m->is_request)
        rc = rg_buf_appendf(out, "%.*s %.*s SIP/2.0\r\n", (int)m->method.len, m->method.p,
                            (int)m->ruri_text.len, m->ruri_text.p);
    else
        rc = rg_buf_appendf(out, "SIP/2.0 %03u %.*s\r\n", (unsigned)m->status, (int)m->reason.len,
                            m->reason.p);
    if (rc == RG_OK)
        rc = put_headers(m, out);
    if (rc == RG_OK)
        rc = rg_buf_append(out, "\r\n", 2);
    if (rc == RG_OK && m->body.len)
        rc = rg_buf_append_str(out, m->body);
    if (rc != RG_OK) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return rc;
}
