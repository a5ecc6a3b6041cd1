/*
 * bench_dtls.c — full DTLS-SRTP handshakes in memory (ECDSA P-256 both
 * sides, mutual certificates and fingerprints as in WebRTC, MTU 1200):
 * handshakes per second per core for the pair, and server / client CPU per
 * handshake (CLOCK_THREAD_CPUTIME_ID around each side's calls).
 * Reference: peer-systems.md §2.3, ~0.64 ms server CPU with raw OpenSSL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "proto/dtls/dtls_conn.h"

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu[2];

/* Moves datagrams from a to b, charging b's handle_input to side `who`. */
static int move(struct rg_dtls_conn *a, struct rg_dtls_conn *b, int who)
{
    uint8_t d[RG_DTLS_MAX_MTU];
    size_t n;
    int moved = 0;
    for (;;) {
        double t0 = cpu_s();
        int rc = rg_dtls_conn_poll_transmit(a, d, sizeof(d), &n);
        cpu[1 - who] += cpu_s() - t0;
        if (rc != RG_OK)
            break;
        t0 = cpu_s();
        if (rg_dtls_conn_handle_input(b, 0, d, n) != RG_OK)
            return -1;
        cpu[who] += cpu_s() - t0;
        moved++;
    }
    return moved;
}

static int one(struct rg_dtls_ctx *cc, struct rg_dtls_ctx *sc, const struct rg_dtls_fp *cfp,
               const struct rg_dtls_fp *sfp)
{
    struct rg_dtls_conn_cfg ccfg = { .role = RG_DTLS_CLIENT, .n_remote_fp = 1 };
    struct rg_dtls_conn_cfg scfg = { .role = RG_DTLS_SERVER, .n_remote_fp = 1 };
    ccfg.remote_fp[0] = *sfp;
    scfg.remote_fp[0] = *cfp;
    struct rg_dtls_conn *c = NULL, *s = NULL;
    double t0 = cpu_s();
    int rc = rg_dtls_conn_new(cc, &ccfg, 0, &c);
    cpu[1] += cpu_s() - t0;
    t0 = cpu_s();
    rc |= rg_dtls_conn_new(sc, &scfg, 0, &s);
    cpu[0] += cpu_s() - t0;
    for (int i = 0; rc == RG_OK && i < 10; i++) {
        int a = move(c, s, 0), b = move(s, c, 1);
        if (a < 0 || b < 0)
            rc = -1;
        if (a == 0 && b == 0)
            break;
    }
    struct rg_dtls_event ev;
    int ok = rc == RG_OK && rg_dtls_conn_poll_event(c, &ev) == RG_OK &&
             ev.type == RG_DTLS_EV_CONNECTED && rg_dtls_conn_poll_event(s, &ev) == RG_OK &&
             ev.type == RG_DTLS_EV_CONNECTED;
    rg_dtls_conn_free(c);
    rg_dtls_conn_free(s);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    struct rg_rng_seeded st;
    struct rg_rng rng;
    rg_rng_seeded_init(&st, 1, &rng);
    struct rg_dtls_cert *ccert = NULL, *scert = NULL;
    struct rg_dtls_ctx *cc = NULL, *sc = NULL;
    struct rg_dtls_profile p;
    memset(&p, 0, sizeof(p));
    p.v1_2 = true;
    p.srtp[0] = RG_SRTP_AEAD_AES_128_GCM;
    p.srtp[1] = RG_SRTP_AES128_CM_SHA1_80;
    p.n_srtp = 2;
    struct rg_dtls_fp cfp, sfp;
    if (rg_dtls_cert_generate(&rng, "c", 1790000000, 30, &ccert) != RG_OK ||
        rg_dtls_cert_generate(&rng, "s", 1790000000, 30, &scert) != RG_OK ||
        rg_dtls_ctx_new(&p, ccert, NULL, NULL, &cc) != RG_OK ||
        rg_dtls_ctx_new(&p, scert, NULL, NULL, &sc) != RG_OK ||
        rg_dtls_cert_fingerprint(ccert, RG_DTLS_HASH_SHA256, &cfp) != RG_OK ||
        rg_dtls_cert_fingerprint(scert, RG_DTLS_HASH_SHA256, &sfp) != RG_OK)
        return 1;
    for (long i = 0; i < n; i++) {
        if (one(cc, sc, &cfp, &sfp) != 0) {
            fprintf(stderr, "bench_dtls: handshake %ld failed\n", i);
            return 1;
        }
    }
    double total = cpu[0] + cpu[1];
    printf("dtls %ld handshakes: server %.3f ms CPU each (%.0f/s/core), client %.3f ms, "
           "pair %.0f handshakes/s/core\n",
           n, cpu[0] / (double)n * 1e3, (double)n / cpu[0], cpu[1] / (double)n * 1e3,
           (double)n / total);
    rg_dtls_ctx_free(cc);
    rg_dtls_ctx_free(sc);
    rg_dtls_cert_free(ccert);
    rg_dtls_cert_free(scert);
    return 0;
}
