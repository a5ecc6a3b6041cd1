/*
 * bench_srtp_sessions.c — SRTP cost as a function of the number of live
 * sessions in the process: creates N inbound + N outbound
 * AES_CM_128_HMAC_SHA1_80 sessions through src/proto/srtp (libsrtp), then
 * protects and unprotects one 172-byte packet per session round-robin, then
 * frees them.  With a libsrtp whose crypto backend keeps per-process lists
 * (Debian's libsrtp2 2.5.0 is built against NSS), every figure grows with
 * N; with pre-keyed OpenSSL contexts it stays flat.  A relay with N calls
 * has 2N such sessions.  Thread CPU time; prints figures, never pass/fail.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "proto/srtp/srtp_ctx.h"

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int make(unsigned i, enum rg_srtp_dir dir, struct rg_srtp **out)
{
    struct rg_srtp_cfg c = { .key = { .profile = RG_SRTP_AES128_CM_SHA1_80, .key_len = 16,
                                      .salt_len = 14 },
                             .dir = dir };
    memcpy(c.key.key, &i, sizeof(i));
    return rg_srtp_new(&c, out);
}

static int run(unsigned n, long packets)
{
    struct rg_srtp **o = rg_calloc(n, sizeof(*o)), **in = rg_calloc(n, sizeof(*in));
    if (!o || !in)
        return 1;
    double t0 = cpu_s();
    for (unsigned i = 0; i < n; i++)
        if (make(i, RG_SRTP_OUTBOUND, &o[i]) != RG_OK || make(i, RG_SRTP_INBOUND, &in[i]) != RG_OK)
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
            if (rg_srtp_protect_rtp(o[i], p, 172, sizeof(p), &len) != RG_OK ||
                rg_srtp_unprotect_rtp(in[i], p, len, &len) != RG_OK)
                return 1;
        }
    }
    double t2 = cpu_s();
    for (unsigned i = 0; i < n; i++) {
        rg_srtp_free(o[i]);
        rg_srtp_free(in[i]);
    }
    double t3 = cpu_s();
    printf("srtp sessions %5u x2: new %8.1f us/session, protect+unprotect %8.2f us/packet, "
           "free %8.1f us/session\n", n, (t1 - t0) * 1e6 / (2.0 * n), (t2 - t1) * 1e6 / (double)done,
           (t3 - t2) * 1e6 / (2.0 * n));
    rg_free(o);
    rg_free(in);
    return 0;
}

int main(void)
{
    if (rg_srtp_global_init() != RG_OK)
        return 1;
    static const unsigned ns[] = { 1, 100, 1000, 5000 };
    for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++)
        if (run(ns[k], ns[k] >= 1000 ? 20000 : 100000) != 0) {
            fprintf(stderr, "bench_srtp_sessions: SRTP failed\n");
            return 1;
        }
    return 0;
}
