#include "media/mtable.h"

#include <string.h>

#include "core/alloc.h"

struct rg_mtable_entry {
    struct rg_mtable_entry *next;
    struct rg_mcall *call;
};

/* FNV-1a: call-ids are short; no adversary benefits from collisions here
 * because the table is bounded and chains are scanned, not recursed. */
static size_t hash(struct rg_str s)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < s.len; i++)
        h = (h ^ (uint8_t)s.p[i]) * 1099511628211ULL;
    return (size_t)h;
}

void rg_mtable_init(struct rg_mtable *t, size_t max)
{
    memset(t, 0, sizeof(*t));
    t->max = max;
}

void rg_mtable_deinit(struct rg_mtable *t)
{
    for (size_t i = 0; i < t->n_buckets; i++) {
        struct rg_mtable_entry *e = t->bucket[i];
        while (e) {
            struct rg_mtable_entry *n = e->next;
            rg_free(e);
            e = n;
        }
    }
    rg_free(t->bucket);
    memset(t, 0, sizeof(*t));
}

static int grow(struct rg_mtable *t)
{
    size_t nb = t->n_buckets ? t->n_buckets * 2 : 64;
    struct rg_mtable_entry **b = rg_calloc(nb, sizeof(*b));
    if (!b)
        return RG_ENOMEM;
    for (size_t i = 0; i < t->n_buckets; i++) {
        struct rg_mtable_entry *e = t->bucket[i];
        while (e) {
            struct rg_mtable_entry *n = e->next;
            size_t h = hash(rg_str_from_cstr(e->call->call_id)) & (nb - 1);
            e->next = b[h];
            b[h] = e;
            e = n;
        }
    }
    rg_free(t->bucket);
    t->bucket = b;
    t->n_buckets = nb;
    return RG_OK;
}

int rg_mtable_put(struct rg_mtable *t, struct rg_mcall *c)
{
    if (t->count >= t->max)
        return RG_ELIMIT;
    if (t->count >= t->n_buckets && grow(t) != RG_OK)
        return RG_ENOMEM;
    struct rg_mtable_entry *e = rg_malloc(sizeof(*e));
    if (!e)
        return RG_ENOMEM;
    size_t h = hash(rg_str_from_cstr(c->call_id)) & (t->n_buckets - 1);
    e->call = c;
    e->next = t->bucket[h];
    t->bucket[h] = e;
    t->count++;
    return RG_OK;
}

static struct rg_mtable_entry **slot(const struct rg_mtable *t, struct rg_str id)
{
    if (!t->n_buckets)
        return NULL;
    struct rg_mtable_entry **p = &t->bucket[hash(id) & (t->n_buckets - 1)];
    while (*p && !rg_str_eq_cstr(id, (*p)->call->call_id))
        p = &(*p)->next;
    return *p ? p : NULL;
}

struct rg_mcall *rg_mtable_get(const struct rg_mtable *t, struct rg_str call_id)
{
    struct rg_mtable_entry **p = slot(t, call_id);
    return p ? (*p)->call : NULL;
}

struct rg_mcall *rg_mtable_take(struct rg_mtable *t, struct rg_str call_id)
{
    struct rg_mtable_entry **p = slot(t, call_id);
    if (!p)
        return NULL;
    struct rg_mtable_entry *e = *p;
    struct rg_mcall *c = e->call;
    *p = e->next;
    rg_free(e);
    t->count--;
    return c;
}

void rg_mtable_each(const struct rg_mtable *t, void (*fn)(void *ud, struct rg_mcall *c), void *ud)
{
    for (size_t i = 0; i < t->n_buckets; i++)
        for (struct rg_mtable_entry *e = t->bucket[i]; e; e = e->next)
            fn(ud, e->call);
}
