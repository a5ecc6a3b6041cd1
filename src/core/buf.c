#include "core/buf.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

void rg_buf_init(struct rg_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void rg_buf_deinit(struct rg_buf *b)
{
    rg_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void rg_buf_reset(struct rg_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for len + extra bytes plus the terminating NUL. */
static int reserve(struct rg_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return RG_ELIMIT;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return RG_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = rg_realloc(b->data, cap);
    if (!p)
        return RG_ENOMEM;
    b->data = p;
    b->cap = cap;
    return RG_OK;
}

int rg_buf_append(struct rg_buf *b, const void *p, size_t n)
{
    int rc = reserve(b, n);
    if (rc != RG_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return RG_OK;
}

int rg_buf_append_str(struct rg_buf *b, struct rg_str s)
{
    return rg_buf_append(b, s.p, s.len);
}

int rg_buf_append_cstr(struct rg_buf *b, const char *s)
{
    return rg_buf_append(b, s, strlen(s));
}

int rg_buf_append_byte(struct rg_buf *b, uint8_t c)
{
    return rg_buf_append(b, &c, 1);
}

int rg_buf_vappendf(struct rg_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return RG_EINVAL;
    int rc = reserve(b, (size_t)n);
    if (rc != RG_OK)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return RG_OK;
}

int rg_buf_appendf(struct rg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = rg_buf_vappendf(b, fmt, ap);
    va_end(ap);
    return rc;
}
