#include "core/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"

struct rg_arena_chunk {
    struct rg_arena_chunk *next;
    size_t size;
    size_t used;
    alignas(max_align_t) unsigned char mem[];
};

void rg_arena_init(struct rg_arena *a, size_t chunk_size, size_t max_total)
{
    a->head = NULL;
    a->chunk_size = chunk_size ? chunk_size : 4096;
    a->max_total = max_total;
    a->total = 0;
}

void rg_arena_deinit(struct rg_arena *a)
{
    struct rg_arena_chunk *c = a->head;
    while (c) {
        struct rg_arena_chunk *next = c->next;
        rg_free(c);
        c = next;
    }
    a->head = NULL;
    a->total = 0;
}

void rg_arena_reset(struct rg_arena *a)
{
    if (!a->head)
        return;
    /* Keep the oldest chunk (the last in the list) for reuse. */
    struct rg_arena_chunk *c = a->head, *keep = NULL;
    while (c) {
        struct rg_arena_chunk *next = c->next;
        if (next == NULL) {
            keep = c;
        } else {
            a->total -= c->size;
            rg_free(c);
        }
        c = next;
    }
    keep->used = 0;
    keep->next = NULL;
    a->head = keep;
}

void *rg_arena_alloc(struct rg_arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    size_t need = (size + align - 1) & ~(align - 1);
    if (need < size)
        return NULL;
    struct rg_arena_chunk *c = a->head;
    if (c && c->size - c->used >= need) {
        void *p = c->mem + c->used;
        c->used += need;
        return p;
    }
    size_t csize = need > a->chunk_size ? need : a->chunk_size;
    if (csize > a->max_total || a->total > a->max_total - csize)
        return NULL;
    c = rg_malloc(sizeof(*c) + csize);
    if (!c)
        return NULL;
    c->size = csize;
    c->used = need;
    c->next = a->head;
    a->head = c;
    a->total += csize;
    return c->mem;
}

void *rg_arena_zalloc(struct rg_arena *a, size_t size)
{
    void *p = rg_arena_alloc(a, size);
    if (p)
        memset(p, 0, size);
    return p;
}

char *rg_arena_strdup(struct rg_arena *a, struct rg_str s)
{
    char *p = rg_arena_alloc(a, s.len + 1);
    if (!p)
        return NULL;
    if (s.len)
        memcpy(p, s.p, s.len);
    p[s.len] = '\0';
    return p;
}

struct rg_str rg_arena_str(struct rg_arena *a, struct rg_str s)
{
    char *p = rg_arena_strdup(a, s);
    return (struct rg_str){ p, p ? s.len : 0 };
}
