/*
 * bencode.h — bencode (BitTorrent BEP 3 encoding) as used by the rtpengine
 * "ng" control protocol: byte strings, integers, lists and dictionaries.
 *
 * Decoder: rg_bencode_parse() builds a tree of struct rg_bencode nodes in a
 * caller-supplied arena.  Strings are views into the input buffer, which
 * must stay alive and unchanged while the tree is used.  Bounded: nesting
 * depth, node count and string length are limited by struct
 * rg_bencode_limits.  Strict: integers and lengths in canonical form (no
 * leading zeros, no "-0"), dictionary keys are strings and unique.  Key
 * order is not enforced, because rtpengine and its clients do not sort keys
 * (docs/ng_control_protocol.md in sipwise/rtpengine says so).
 *
 * Encoder: struct rg_bencode_writer appends to a bounded struct rg_buf with a
 * sticky error, so a reply is written with a run of calls and checked once.
 *
 * Pure functions, no globals; a tree or writer belongs to one thread.
 */
#ifndef RG_PROTO_NG_BENCODE_H
#define RG_PROTO_NG_BENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

enum rg_bencode_type {
    RG_BENC_STR = 1,
    RG_BENC_INT,
    RG_BENC_LIST,
    RG_BENC_DICT,
};

struct rg_bencode {
    uint8_t type;             /* enum rg_bencode_type */
    struct rg_str str;        /* STR: the bytes (binary-safe view) */
    int64_t num;              /* INT */
    struct rg_str key;        /* set when this node is a dictionary value */
    struct rg_bencode *child; /* LIST / DICT: first element (NULL if empty) */
    struct rg_bencode *next;  /* next element of the parent */
    size_t count;             /* LIST / DICT: number of elements */
    struct rg_str raw;        /* the node's whole encoding in the input */
};

struct rg_bencode_limits {
    unsigned max_depth; /* nesting of lists / dicts; 0: 16 (at most 64) */
    size_t max_nodes;   /* nodes in the tree; 0: 4096 */
    size_t max_str;     /* bytes in one string; 0: 1 MiB */
};

/*
 * Parses one value at buf[0..len).  Returns the bytes it used (trailing
 * bytes are the caller's business) and sets *out to the root, or
 * RG_EAGAIN (buf is a valid but incomplete prefix), RG_EBADMSG (malformed),
 * RG_ELIMIT (depth, node count or string length over lim) or RG_ENOMEM
 * (the arena could not grow).  lim may be NULL for the defaults.  Nodes
 * are owned by arena; *out is written only on success.
 */
RG_MUST_CHECK int rg_bencode_parse(struct rg_arena *arena, const char *buf, size_t len,
                                   const struct rg_bencode_limits *lim,
                                   const struct rg_bencode **out);

/* Dictionary lookup by key (byte-exact).  NULL if d is not a dictionary or
 * has no such key. */
const struct rg_bencode *rg_bencode_dict_get(const struct rg_bencode *d, const char *key);
/* Typed lookups: RG_OK and *out, RG_ENOTFOUND (no key), RG_EBADMSG (other
 * type). */
RG_MUST_CHECK int rg_bencode_dict_str(const struct rg_bencode *d, const char *key,
                                      struct rg_str *out);
RG_MUST_CHECK int rg_bencode_dict_int(const struct rg_bencode *d, const char *key, int64_t *out);
/* The list under key, or NULL if absent or not a list. */
const struct rg_bencode *rg_bencode_dict_list(const struct rg_bencode *d, const char *key);
/* True when list l holds a string equal to s (for "flags", "replace"...). */
bool rg_bencode_list_has_str(const struct rg_bencode *l, const char *s);

/* Iteration over a list's or dictionary's elements:
 *   for (const struct rg_bencode *e = rg_bencode_first(l); e; e = e->next) */
static inline const struct rg_bencode *rg_bencode_first(const struct rg_bencode *n)
{
    return n && (n->type == RG_BENC_LIST || n->type == RG_BENC_DICT) ? n->child : NULL;
}

/* Writer: the first failure sticks in err and later calls do nothing. */
#define RG_BENCODE_MAX_DEPTH 64

struct rg_bencode_writer {
    struct rg_buf *out; /* borrowed */
    unsigned depth;     /* open lists / dicts */
    int err;            /* RG_OK or the first error */
};

void rg_bencode_writer_init(struct rg_bencode_writer *w, struct rg_buf *out);
void rg_bencode_put_str(struct rg_bencode_writer *w, struct rg_str s);
void rg_bencode_put_cstr(struct rg_bencode_writer *w, const char *s);
void rg_bencode_put_int(struct rg_bencode_writer *w, int64_t v);
void rg_bencode_put_list(struct rg_bencode_writer *w); /* opens 'l' */
void rg_bencode_put_dict(struct rg_bencode_writer *w); /* opens 'd' */
void rg_bencode_put_end(struct rg_bencode_writer *w);  /* closes the innermost */
/* Writes a whole parsed node (and its subtree) as it was. */
void rg_bencode_put_node(struct rg_bencode_writer *w, const struct rg_bencode *n);
/* RG_OK when everything was written and every list / dict closed;
 * otherwise the sticky error, or RG_ESTATE for unbalanced nesting. */
RG_MUST_CHECK int rg_bencode_writer_finish(const struct rg_bencode_writer *w);

#endif
