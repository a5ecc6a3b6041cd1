/*
 * bench_stun.c — STUN codec throughput on one core: parse + verify
 * MESSAGE-INTEGRITY + FINGERPRINT of a typical ICE binding request
 * (USERNAME, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE, MI, FP), and
 * encoding the same request.  Prints figures, never pass/fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "proto/stun/stun.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: the machine may be shared */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int encode(uint8_t *out, size_t cap, struct rg_stun_key *k, const uint8_t *txid)
{
    struct rg_stun_builder b;
    rg_stun_build_init(&b, out, cap, RG_STUN_BINDING, RG_STUN_REQUEST, txid);
    rg_stun_add_str(&b, RG_STUN_A_USERNAME, RG_STR_LIT("Fq2v:9s8R"));
    rg_stun_add_u32(&b, RG_STUN_A_PRIORITY, 1853824767u);
    rg_stun_add_u64(&b, RG_STUN_A_ICE_CONTROLLING, 0x1122334455667788ull);
    rg_stun_add_flag(&b, RG_STUN_A_USE_CANDIDATE);
    rg_stun_add_integrity(&b, k);
    rg_stun_add_fingerprint(&b);
    return rg_stun_build_finish(&b);
}

static void report(const char *what, long n, double secs)
{
    printf("%s: %.0f msgs/s (%.3f us/msg) on one core\n", what, (double)n / secs,
           secs * 1e6 / (double)n);
}

int main(void)
{
    struct rg_rng rng;
    struct rg_rng_seeded st;
    rg_rng_seeded_init(&st, 1, &rng);
    struct rg_stun_key k;
    const char *pwd = "3Xv8cJ0VJ4a1Xy5Oq2pH9mNe"; /* 24 chars, like a browser ICE pwd */
    if (rg_stun_key_init(&k, pwd, strlen(pwd)) != RG_OK)
        return 1;
    uint8_t txid[RG_STUN_TXID_LEN], msg[256];
    rg_stun_txid_new(&rng, txid);
    int len = encode(msg, sizeof(msg), &k, txid);
    if (len <= 0)
        return 1;
    const long iters = 400000;
    long ok = 0;
    double t0 = now_s();
    for (long i = 0; i < iters; i++) {
        struct rg_stun_msg m;
        struct rg_str user;
        uint32_t prio;
        if (rg_stun_parse(msg, (size_t)len, &m) == RG_OK &&
            rg_stun_check_fingerprint(&m) == RG_OK && rg_stun_check_integrity(&m, &k) == RG_OK &&
            rg_stun_get_username(&m, &user) == RG_OK &&
            rg_stun_get_u32(&m, RG_STUN_A_PRIORITY, &prio) == RG_OK)
            ok++;
    }
    double t1 = now_s();
    if (ok != iters)
        return 1;
    report("stun_binding_request_integrity (parse+verify MI+FP)", iters, t1 - t0);
    long total = 0;
    t0 = now_s();
    for (long i = 0; i < iters; i++) {
        txid[0] = (uint8_t)i;
        total += encode(msg, sizeof(msg), &k, txid);
    }
    t1 = now_s();
    if (total != (long)len * iters)
        return 1;
    report("stun_binding_request_integrity (encode with MI+FP)", iters, t1 - t0);
    rg_stun_key_deinit(&k);
    return 0;
}
