/*
 * bench_sip.c — SIP codec throughput on one core.  Prints messages/s for
 * parsing (datagram), stream framing + parsing, serializing and URI
 * parsing, each run for at least one second of CLOCK_MONOTONIC; the rate is
 * computed from the thread's CPU time (CLOCK_THREAD_CPUTIME_ID).
 * Run from the project root (reads tests/vectors/).  Prints figures only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "proto/sip/sip_build.h"
#include "proto/sip/sip_frame.h"
#include "proto/sip/sip_msg.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = rg_malloc(1 << 16);
    *len = buf ? fread(buf, 1, 1 << 16, f) : 0;
    fclose(f);
    return buf;
}

enum op { OP_PARSE, OP_FRAME_PARSE, OP_SERIALIZE, OP_URI };

static int run_once(enum op op, const char *d, size_t len, struct rg_arena *a, struct rg_buf *b,
                    const struct rg_sip_msg *pre)
{
    struct rg_sip_msg *m;
    struct rg_sip_error e;
    struct rg_sip_uri u;
    size_t n = 0;
    rg_arena_reset(a);
    switch (op) {
    case OP_PARSE:
        return rg_sip_parse(d, len, NULL, a, &m, &e);
    case OP_FRAME_PARSE:
        if (rg_sip_frame_len(d, len, NULL, NULL, &n, &e) != RG_OK)
            return RG_EBADMSG;
        return rg_sip_parse(d, n, NULL, a, &m, &e);
    case OP_SERIALIZE:
        rg_buf_reset(b);
        return rg_sip_serialize(pre, b);
    default:
        return rg_sip_uri_parse(rg_str_make(d, len), RG_SIP_URI_WHOLE, a, &u, NULL);
    }
}

static void bench(const char *label, enum op op, const char *d, size_t len)
{
    struct rg_arena a, pa;
    rg_arena_init(&a, 16384, 1 << 20);
    rg_arena_init(&pa, 16384, 1 << 20);
    struct rg_buf b;
    rg_buf_init(&b, 1 << 16);
    struct rg_sip_msg *pre = NULL;
    struct rg_sip_error e;
    if (op == OP_SERIALIZE && rg_sip_parse(d, len, NULL, &pa, &pre, &e) != RG_OK) {
        printf("%s: does not parse\n", label);
        return;
    }
    long iters = 0;
    double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    double t0 = now_s(), t1 = t0;
    while (t1 - t0 < 1.0) {
        for (int i = 0; i < 1000; i++) {
            if (run_once(op, d, len, &a, &b, pre) != RG_OK) {
                printf("%s: failed\n", label);
                return;
            }
        }
        iters += 1000;
        t1 = now_s();
    }
    /* The rate per core uses this thread's CPU time: on a shared machine the
     * wall clock (CLOCK_MONOTONIC, also shown) counts time spent descheduled. */
    double cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    double per = cpu / (double)iters, wall = (t1 - t0) / (double)iters;
    printf("%s: %.0f msgs/s (%.2f us/msg, %.0f MB/s) on one core; wall clock %.0f msgs/s\n", label,
           1.0 / per, per * 1e6, (double)len / per / 1e6, 1.0 / wall);
    rg_buf_deinit(&b);
    rg_arena_deinit(&a);
    rg_arena_deinit(&pa);
}

int main(void)
{
    size_t clen = 0, wlen = 0, llen = 0;
    char *chrome = read_all("tests/vectors/sip/chrome_invite.sip", &clen);
    char *wsinv = read_all("tests/vectors/rfc4475/wsinv.dat", &wlen);
    char *longreq = read_all("tests/vectors/rfc4475/longreq.dat", &llen);
    if (!chrome || !wsinv || !longreq) {
        fprintf(stderr, "bench_sip: run from the project root (tests/vectors missing)\n");
        return 1;
    }
    printf("# a Chrome INVITE with SDP (SIP messages/s), %zu bytes\n", clen);
    bench("sip_parse chrome_invite", OP_PARSE, chrome, clen);
    bench("sip_frame+parse chrome_invite", OP_FRAME_PARSE, chrome, clen);
    bench("sip_serialize chrome_invite", OP_SERIALIZE, chrome, clen);
    bench("sip_parse rfc4475 wsinv", OP_PARSE, wsinv, wlen);
    bench("sip_parse rfc4475 longreq", OP_PARSE, longreq, llen);
    const char *uri = "sips:alice:pw@[2001:db8::1]:5061;transport=tcp;lr?subject=x&priority=urgent";
    bench("sip_uri_parse", OP_URI, uri, strlen(uri));
    rg_free(chrome);
    rg_free(wsinv);
    rg_free(longreq);
    return 0;
}
