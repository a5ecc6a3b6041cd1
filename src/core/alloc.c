#include "core/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>

/* Test state, the only mutable globals in core/.  The failure injector is
 * per thread (a test steps its own allocations, never an engine thread's);
 * the outstanding-block count is process-wide because memory allocated on
 * one thread may be freed on another (engine jobs, calls), and a per-thread
 * count would report that as a leak.  Relaxed atomics: it is a counter. */
static _Thread_local long fail_countdown = -1;
static _Thread_local long fail_count;
static atomic_long outstanding;

static int should_fail(void)
{
    if (fail_countdown < 0)
        return 0;
    if (fail_countdown == 0) {
        fail_count++;
        return 1;
    }
    fail_countdown--;
    return 0;
}

void *rg_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    void *p = malloc(size ? size : 1);
    if (p)
        atomic_fetch_add_explicit(&outstanding, 1, memory_order_relaxed);
    return p;
}

void *rg_calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p)
        atomic_fetch_add_explicit(&outstanding, 1, memory_order_relaxed);
    return p;
}

void *rg_realloc(void *p, size_t size)
{
    if (!p)
        return rg_malloc(size);
    if (should_fail())
        return NULL;
    return realloc(p, size ? size : 1);
}

void rg_free(void *p)
{
    if (!p)
        return;
    atomic_fetch_sub_explicit(&outstanding, 1, memory_order_relaxed);
    free(p);
}

void rg_alloc_fail_after(long n)
{
    fail_countdown = n;
    fail_count = 0;
}

void rg_alloc_fail_never(void)
{
    fail_countdown = -1;
}

long rg_alloc_failures(void)
{
    return fail_count;
}

long rg_alloc_outstanding(void)
{
    return atomic_load_explicit(&outstanding, memory_order_relaxed);
}
