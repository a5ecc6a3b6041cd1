/*
 * alloc.h — the only allocator entry points.  All heap memory in rtcgate goes
 * through these so tests can make the n-th allocation fail (OOM stepping) and
 * count outstanding blocks.  Semantics match malloc/calloc/realloc/free.
 * The failure injector is per thread; the outstanding count is per process.
 */
#ifndef RG_CORE_ALLOC_H
#define RG_CORE_ALLOC_H

#include <stddef.h>
#include <stdint.h>

/* Returns owned memory (free with rg_free), or NULL. */
void *rg_malloc(size_t size);
void *rg_calloc(size_t n, size_t size);
void *rg_realloc(void *p, size_t size);
void rg_free(void *p);

/* Test hook: after n more successful allocations, every allocation fails
 * until rg_alloc_fail_never() is called.  n < 0 disables injection. */
void rg_alloc_fail_after(long n);
void rg_alloc_fail_never(void);
/* Number of allocations refused by the injector since the last reset. */
long rg_alloc_failures(void);
/* Blocks currently outstanding in the process (malloc minus free). */
long rg_alloc_outstanding(void);

#endif
