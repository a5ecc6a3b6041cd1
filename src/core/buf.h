/*
 * buf.h — a bounded, growable byte buffer for building output.
 *
 * Every rg_buf has a maximum size fixed at init; appends past it fail with
 * RG_ELIMIT and leave the buffer unchanged.  The buffer owns its storage
 * (rg_buf_deinit frees it).  Contents are always NUL-terminated after a
 * successful append so text can be handed to C APIs, but len excludes the NUL.
 * Single-threaded: owned by whoever initialised it.
 */
#ifndef RG_CORE_BUF_H
#define RG_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/str.h"

struct rg_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
};

/* max: the largest len this buffer may ever hold. */
void rg_buf_init(struct rg_buf *b, size_t max);
void rg_buf_deinit(struct rg_buf *b);
/* Empties the buffer, keeps its storage. */
void rg_buf_reset(struct rg_buf *b);

RG_MUST_CHECK int rg_buf_append(struct rg_buf *b, const void *p, size_t n);
RG_MUST_CHECK int rg_buf_append_str(struct rg_buf *b, struct rg_str s);
RG_MUST_CHECK int rg_buf_append_cstr(struct rg_buf *b, const char *s);
RG_MUST_CHECK int rg_buf_append_byte(struct rg_buf *b, uint8_t c);
RG_MUST_CHECK int rg_buf_appendf(struct rg_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
RG_MUST_CHECK int rg_buf_vappendf(struct rg_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* View of the current contents (valid until the next mutation). */
static inline struct rg_str rg_buf_str(const struct rg_buf *b)
{
    return (struct rg_str){ b->data, b->len };
}

#endif
