#include "core/alloc.h"

#include <stdlib.h>

/* Per-thread test state.  These are the only mutable globals in core/ and
 * they exist for the OOM-stepping tests; production never sets them. */
static _Thread_local long fail_countdown = -1;
static _Thread_local long fail_count;
static _Thread_local long outstanding;

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
        outstanding++;
    return p;
}

void *rg_calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p)
        outstanding++;
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
    outstanding--;
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
    return outstanding;
}
