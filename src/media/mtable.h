/*
 * mtable.h — the calls of one media loop, by call-id.
 *
 * A chained hash table (power-of-two buckets, grows at load 1) owning
 * nothing but its buckets: calls are created and destroyed by the caller.
 * One thread (the owning loop).
 */
#ifndef RG_MEDIA_MTABLE_H
#define RG_MEDIA_MTABLE_H

#include <stddef.h>

#include "core/err.h"
#include "core/str.h"
#include "media/mcall.h"

struct rg_mtable_entry;

struct rg_mtable {
    struct rg_mtable_entry **bucket;
    size_t n_buckets, count, max;
};

/* max: most calls held (RG_ELIMIT past it). */
void rg_mtable_init(struct rg_mtable *t, size_t max);
/* Frees the buckets (not the calls). */
void rg_mtable_deinit(struct rg_mtable *t);
RG_MUST_CHECK int rg_mtable_put(struct rg_mtable *t, struct rg_mcall *c);
struct rg_mcall *rg_mtable_get(const struct rg_mtable *t, struct rg_str call_id);
/* Removes and returns the call (NULL when absent). */
struct rg_mcall *rg_mtable_take(struct rg_mtable *t, struct rg_str call_id);
/* Calls fn for every call (fn must not change the table). */
void rg_mtable_each(const struct rg_mtable *t, void (*fn)(void *ud, struct rg_mcall *c), void *ud);

#endif
