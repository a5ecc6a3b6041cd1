/*
 * bench_srtp_sessions.c — SRTP cost as a function of the number of live
 * sessions in the process, for our implementation (src/proto/srtp,
 * struct rg_srtp: OpenSSL contexts keyed once) and for libsrtp2 (the test
 * oracle, struct rg_srtp_lib): creates N inbound + N outbound
 * AES_CM_128_HMAC_SHA1_80 sessions, protects and unprotects one 172-byte
 * packet per session round-robin, then frees them.  Debian's libsrtp2
 * 2.5.0 is built against NSS, whose per-process lists make every figure
 * grow with N; ours stays flat.  A relay with N calls has 2N sessions.
 * Thread CPU time; prints figures, never pass/fail.  Argument "ours" or
 * "libsrtp" runs one implementation only; the largest N for libsrtp is
 * capped because its teardown alone takes minutes there.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "proto/srtp/srtp_ctx.h"
#include "proto/srtp/srtp_lib.h"

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One implementation behind four calls. */
struct impl {
    const char *name;
    int (*mk)(const struct rg_srtp_cfg *cfg, void **out);
    int (*prot)(void *s, uint8_t *p, size_t len, size_t cap, size_t *out);
    int (*unprot)(void *s, uint8_t *p, size_t len, size_t *out);
    void (*drop)(void *s);
};

static int ours_mk(const struct rg_srtp_cfg *cfg, void **out)
{
    struct rg_srtp *s = NULL;
    int rc = rg_srtp_new(cfg, &s);
    *out = s;
    return rc;
}
static int ours_prot(void *s, uint8_t *p, size_t len, size_t cap, size_t *out)
{
    return rg_srtp_protect_rtp(s, p, len, cap, out);
}
static int ours_unprot(void *s, uint8_t *p, size_t len, size_t *out)
{
    return rg_srtp_unprotect_rtp(s, p, len, out);
}
static void ours_drop(void *s)
{
    rg_srtp_free(s);
}
static int lib_mk(const struct rg_srtp_cfg *cfg, void **out)
{
    struct rg_srtp_lib *s = NULL;
    int rc = rg_srtp_lib_new(cfg, &s);
    *out = s;
    return rc;
}
static int lib_prot(void *s, uint8_t *p, size_t len, size_t cap, size_t *out)
{
    return rg_srtp_lib_protect_rtp(s, p, len, cap, out);
}
static int lib_unprot(void *s, uint8_t *p, size_t len, size_t *out)
{
    return rg_srtp_lib_unprotect_rtp(s, p, len, out);
}
static void lib_drop(void *s)
{
    rg_srtp_lib_free(s);
}

static const struct impl impls[] = {
    { "ours", ours_mk, ours_prot, ours_unprot, ours_drop },
    { "libsrtp", lib_mk, lib_prot, lib_unprot, lib_drop },
};

static int make(const struct impl *im, unsigned i, enum rg_srtp_dir dir, void **out)
{
    struct rg_srtp_cfg c = { .key = { .profile = RG_SRTP_AES128_CM_SHA1_80, .key_len = 16,
                                      .salt_len = 14 },
                             .dir = dir };
    memcpy(c.key.key, &i, sizeof(i));
    return im->mk(&c, out);
}

static int run(const struct impl *im, unsigned n, long packets)
{
    void **o = rg_calloc(n, sizeof(*o)), **in = rg_calloc(n, sizeof(*in));
    if (!o || !in)
        return 1;
    double t0 = cpu_s();
    for (unsigned i = 0; i < n; i++)
        if (make(im, i, RG_SRTP_OUTBOUND, &o[i]) != RG_OK ||
            make(im, i, RG_SRTP_INBOUND, &in[i]) != RG_OK)
            return 1;
    double t1 = cpu_s();
    long done = 0;
    for (uint16_t seq = 1; done < packets; seq++) {
        for (unsigned i = 0; i < n && done < packets; i++, done++) {
            uint8_t p[256] = { 0x80, 0, (uint8_t)(seq >> 8), (uint8_t)seq, 0, 0, 0, 0,
                               (uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8),
                               (uint8_t)i };
            memset(p + 12, 0xff, 160);
            size_t len;
            if (im->prot(o[i], p, 172, sizeof(p), &len) != RG_OK ||
                im->unprot(in[i], p, len, &len) != RG_OK)
                return 1;
        }
    }
    double t2 = cpu_s();
    for (unsigned i = 0; i < n; i++) {
        im->drop(o[i]);
        im->drop(in[i]);
    }
    double t3 = cpu_s();
    printf("srtp %-7s sessions %5u x2: new %8.1f us/session, protect+unprotect %8.2f us/packet, "
           "free %8.1f us/session\n", im->name, n, (t1 - t0) * 1e6 / (2.0 * n),
           (t2 - t1) * 1e6 / (double)done, (t3 - t2) * 1e6 / (2.0 * n));
    rg_free(o);
    rg_free(in);
    return 0;
}

int main(int argc, char **argv)
{
    if (rg_srtp_global_init() != RG_OK || rg_srtp_lib_global_init() != RG_OK)
        return 1;
    static const unsigned ns[] = { 1, 100, 1000, 5000, 10000 };
    for (size_t m = 0; m < 2; m++) {
        const struct impl *im = &impls[m];
        if (argc > 1 && strcmp(argv[1], im->name) != 0)
            continue;
        for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
            if (m == 1 && ns[k] > 5000)
                break; /* libsrtp/NSS: minutes of teardown */
            if (run(im, ns[k], ns[k] >= 1000 ? 20000 : 100000) != 0) {
                fprintf(stderr, "bench_srtp_sessions: SRTP failed\n");
                return 1;
            }
        }
    }
    return 0;
}
