/*
 * arena.h — a region allocator.
 *
 * A parsed message, its headers and its SDP live in one arena that is freed
 * as a whole (rg_arena_deinit) or emptied for reuse (rg_arena_reset).  Every
 * arena has a total size limit; an allocation past it returns NULL exactly as
 * an out-of-memory failure does.  Pointers returned are owned by the arena.
 * Single-threaded.
 */
#ifndef RG_CORE_ARENA_H
#define RG_CORE_ARENA_H

#include <stddef.h>

#include "core/str.h"

struct rg_arena_chunk;

struct rg_arena {
    struct rg_arena_chunk *head;
    size_t chunk_size; /* usual size of a new chunk */
    size_t max_total;  /* limit on all chunk bytes together */
    size_t total;      /* chunk bytes allocated so far */
};

void rg_arena_init(struct rg_arena *a, size_t chunk_size, size_t max_total);
void rg_arena_deinit(struct rg_arena *a);
/* Frees all chunks but the first, and forgets every allocation. */
void rg_arena_reset(struct rg_arena *a);

/* Returns size bytes aligned to max_align_t, or NULL (limit or OOM). */
void *rg_arena_alloc(struct rg_arena *a, size_t size);
/* Zero-filled variant. */
void *rg_arena_zalloc(struct rg_arena *a, size_t size);
/* Copies s into the arena; NUL-terminated.  Returns NULL on failure. */
char *rg_arena_strdup(struct rg_arena *a, struct rg_str s);
/* Copies s and returns a view of the copy; .p is NULL on failure. */
struct rg_str rg_arena_str(struct rg_arena *a, struct rg_str s);

#endif
