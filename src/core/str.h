/*
 * str.h — zero-copy string views.
 *
 * A struct rg_str borrows bytes it does not own: it is valid only as long as
 * the buffer it points into is alive and unchanged.  Parsers hand out views
 * into the complete, immutable message they were given.  Views are not
 * NUL-terminated.  All functions here are pure.
 */
#ifndef RG_CORE_STR_H
#define RG_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rg_str {
    const char *p;
    size_t len;
};

#define RG_STR_NULL ((struct rg_str){ NULL, 0 })
/* View of a string literal. */
#define RG_STR_LIT(s) ((struct rg_str){ (s), sizeof(s) - 1 })

/* View of a NUL-terminated C string (borrowed). */
struct rg_str rg_str_from_cstr(const char *s);
static inline struct rg_str rg_str_make(const char *p, size_t len)
{
    return (struct rg_str){ p, len };
}

bool rg_str_eq(struct rg_str a, struct rg_str b);
/* ASCII case-insensitive comparison. */
bool rg_str_caseeq(struct rg_str a, struct rg_str b);
bool rg_str_eq_cstr(struct rg_str a, const char *s);
bool rg_str_caseeq_cstr(struct rg_str a, const char *s);
bool rg_str_has_prefix(struct rg_str s, const char *prefix);
bool rg_str_has_caseprefix(struct rg_str s, const char *prefix);

/* Removes leading and trailing SP and HTAB. */
struct rg_str rg_str_trim(struct rg_str s);
/* Index of the first c in s, or -1. */
long rg_str_find_char(struct rg_str s, char c);
/* Index of the first occurrence of needle in s, or -1. */
long rg_str_find(struct rg_str s, struct rg_str needle);
/* The part of s from byte off to the end (off clamped to s.len). */
struct rg_str rg_str_from(struct rg_str s, size_t off);
/* The first n bytes of s (n clamped). */
struct rg_str rg_str_head(struct rg_str s, size_t n);

/* Decimal digits only, no sign, no leading '+', value <= max.
 * Returns RG_OK and writes *out, or RG_EBADMSG / RG_ELIMIT. */
int rg_str_to_u64(struct rg_str s, uint64_t max, uint64_t *out);
int rg_str_to_u32(struct rg_str s, uint32_t max, uint32_t *out);
/* Optional leading '-' then digits, value within [min, max]. */
int rg_str_to_i64(struct rg_str s, int64_t min, int64_t max, int64_t *out);

/* Copies s into dst as a NUL-terminated string; fails with RG_ELIMIT if it
 * does not fit in dst_size (dst untouched then). */
int rg_str_copy_cstr(struct rg_str s, char *dst, size_t dst_size);

/* Character classes used by the text protocols. */
static inline bool rg_is_digit(int c)
{
    return c >= '0' && c <= '9';
}
static inline bool rg_is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static inline bool rg_is_alnum(int c)
{
    return rg_is_digit(c) || rg_is_alpha(c);
}
static inline bool rg_is_hex(int c)
{
    return rg_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static inline int rg_hex_val(int c)
{
    if (rg_is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
static inline int rg_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}
static inline bool rg_is_wsp(int c)
{
    return c == ' ' || c == '\t';
}

#endif
