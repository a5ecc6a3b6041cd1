/*
 * harness.h — the unit-test harness (header only).
 *
 * A test file defines its cases as functions taking struct rg_t *, lists them
 * in a table and ends with RG_TEST_MAIN(table).  The runner prints one line
 * per case, "ok - <file>/<case>" or "FAIL - <file>/<case>", then
 * "# <file>: N passed, N failed", and exits non-zero when any case failed.
 * After each case it checks that every block allocated through rg_malloc was
 * freed (a leak fails the case).  argv[1], if given, runs only the cases
 * whose name contains it.  Tests run from the project root (meson workdir),
 * so vectors are read as "tests/vectors/...".
 */
#ifndef RG_TESTS_HARNESS_H
#define RG_TESTS_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/str.h"

struct rg_t {
    const char *name;
    int failures;
};

struct rg_test_case {
    const char *name;
    void (*fn)(struct rg_t *t);
};

static inline void rg_t_fail(struct rg_t *t, const char *file, int line, const char *what)
{
    t->failures++;
    fprintf(stderr, "  %s:%d: %s: check failed: %s\n", file, line, t->name, what);
}

static inline void rg_t_hexdump(const char *label, const void *p, size_t n)
{
    const unsigned char *b = p;
    fprintf(stderr, "    %s (%zu bytes):", label, n);
    for (size_t i = 0; i < n && i < 256; i++)
        fprintf(stderr, "%s%02x", i % 32 ? " " : "\n      ", b[i]);
    fprintf(stderr, "%s\n", n > 256 ? " ..." : "");
}

#define CHECK(t, cond)                                                         \
    do {                                                                       \
        if (!(cond))                                                           \
            rg_t_fail((t), __FILE__, __LINE__, #cond);                         \
    } while (0)

/* Like CHECK but returns from the test on failure (for preconditions). */
#define REQUIRE(t, cond)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            rg_t_fail((t), __FILE__, __LINE__, #cond);                         \
            return;                                                            \
        }                                                                      \
    } while (0)

#define CHECK_EQ_INT(t, a, b)                                                  \
    do {                                                                       \
        long long rg_a_ = (long long)(a), rg_b_ = (long long)(b);              \
        if (rg_a_ != rg_b_) {                                                  \
            rg_t_fail((t), __FILE__, __LINE__, #a " == " #b);                  \
            fprintf(stderr, "    got %lld, want %lld\n", rg_a_, rg_b_);        \
        }                                                                      \
    } while (0)

#define CHECK_OK(t, expr)                                                      \
    do {                                                                       \
        int rg_rc_ = (expr);                                                   \
        if (rg_rc_ < 0) {                                                      \
            rg_t_fail((t), __FILE__, __LINE__, #expr);                         \
            fprintf(stderr, "    returned %d (%s)\n", rg_rc_, rg_strerror(rg_rc_)); \
        }                                                                      \
    } while (0)

/* Compares a struct rg_str view with a C string. */
#define CHECK_STR(t, view, cstr)                                               \
    do {                                                                       \
        struct rg_str rg_v_ = (view);                                          \
        const char *rg_c_ = (cstr);                                            \
        if (!rg_str_eq_cstr(rg_v_, rg_c_)) {                                   \
            rg_t_fail((t), __FILE__, __LINE__, #view " == " #cstr);            \
            fprintf(stderr, "    got \"%.*s\", want \"%s\"\n", (int)rg_v_.len,   \
                    rg_v_.p ? rg_v_.p : "", rg_c_);                            \
        }                                                                      \
    } while (0)

#define CHECK_MEM(t, a, alen, b, blen)                                         \
    do {                                                                       \
        size_t rg_al_ = (alen), rg_bl_ = (blen);                               \
        if (rg_al_ != rg_bl_ || memcmp((a), (b), rg_al_) != 0) {               \
            rg_t_fail((t), __FILE__, __LINE__, #a " == " #b);                  \
            rg_t_hexdump("got", (a), rg_al_);                                  \
            rg_t_hexdump("want", (b), rg_bl_);                                 \
        }                                                                      \
    } while (0)

/*
 * OOM stepping: runs fn(arg) with the n-th allocation failing, n = 0, 1, ...
 * fn must return RG_OK on success and RG_ENOMEM when an allocation failed
 * (any other result while allocations fail, a leak, or a crash fails the
 * test).  Stops at the first n where fn succeeds without any refused
 * allocation; gives up after max_steps.
 */
static inline void rg_t_oom_step(struct rg_t *t, int (*fn)(void *arg), void *arg, long max_steps)
{
    for (long n = 0; n < max_steps; n++) {
        long before = rg_alloc_outstanding();
        rg_alloc_fail_after(n);
        int rc = fn(arg);
        long refused = rg_alloc_failures();
        rg_alloc_fail_never();
        if (rg_alloc_outstanding() != before) {
            fprintf(stderr, "  %s: leak after failing allocation %ld\n", t->name, n);
            t->failures++;
            return;
        }
        if (refused == 0) {
            if (rc != RG_OK) {
                fprintf(stderr, "  %s: fn failed (%d) with no refused allocation\n", t->name, rc);
                t->failures++;
            }
            return;
        }
        if (rc != RG_ENOMEM && rc != RG_OK) {
            fprintf(stderr, "  %s: allocation %ld refused gave %d (%s), want ENOMEM\n", t->name, n,
                    rc, rg_strerror(rc));
            t->failures++;
            return;
        }
    }
    fprintf(stderr, "  %s: OOM stepping did not finish in %ld steps\n", t->name, max_steps);
    t->failures++;
}

/* Reads a whole file into rg_malloc'd memory (NUL-terminated); NULL on error. */
static inline char *rg_t_read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = rg_malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
        if (len + 1 == cap) {
            char *nb = rg_realloc(buf, cap * 2);
            if (!nb) {
                rg_free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) {
        buf[len] = '\0';
        *len_out = len;
    }
    return buf;
}

static inline const char *rg_t_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static inline int rg_t_run(const struct rg_test_case *cases, size_t n, const char *file,
                           int argc, char **argv)
{
    const char *suite = rg_t_basename(file);
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && !strstr(cases[i].name, argv[1]))
            continue;
        struct rg_t t = { cases[i].name, 0 };
        long before = rg_alloc_outstanding();
        cases[i].fn(&t);
        rg_alloc_fail_never();
        if (rg_alloc_outstanding() != before) {
            fprintf(stderr, "  %s: %ld block(s) leaked\n", t.name, rg_alloc_outstanding() - before);
            t.failures++;
        }
        printf("%s - %s/%s\n", t.failures ? "FAIL" : "ok", suite, cases[i].name);
        fflush(stdout);
        if (t.failures)
            failed++;
        else
            passed++;
    }
    printf("# %s: %d passed, %d failed\n", suite, passed, failed);
    return failed ? 1 : 0;
}

#define RG_TEST_MAIN(cases)                                                    \
    int main(int argc, char **argv)                                            \
    {                                                                          \
        return rg_t_run((cases), sizeof(cases) / sizeof((cases)[0]), __FILE__, argc, argv); \
    }

#endif
