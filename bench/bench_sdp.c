/*
 * bench_sdp.c — SDP parse and print rates on one core.  Reads real SDPs from
 * tests/vectors/sdp (run from the project root, as tools/bench.sh does) and
 * times each operation for at least one second with CLOCK_MONOTONIC.
 * Prints figures only, never pass/fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "harness.h"
#include "proto/sdp/sdp.h"

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

/* Parses (and with print, prints) text repeatedly for >= 1 s. */
static void run(const char *label, const char *file, int print)
{
    size_t len;
    char *text = rg_t_read_file(file, &len);
    if (!text) {
        printf("sdp_%s %s: cannot read %s\n", print ? "print" : "parse", label, file);
        return;
    }
    struct rg_arena arena;
    rg_arena_init(&arena, 16384, 1 << 22);
    struct rg_buf out;
    rg_buf_init(&out, 1 << 20);
    struct rg_sdp *s = NULL;
    long n = 0;
    int bad = 0;
    double t0 = now_s(), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), t;
    do {
        for (int i = 0; i < 256; i++) {
            rg_arena_reset(&arena);
            bad |= rg_sdp_parse(rg_str_make(text, len), NULL, &arena, &s, NULL) != RG_OK;
            if (print && !bad) {
                rg_buf_reset(&out);
                bad |= rg_sdp_print(s, &out) != RG_OK;
            }
        }
        n += 256;
        t = now_s() - t0;
    } while (t < 1.0);
    /* On a shared machine wall time includes time the thread was not
     * running; the CPU-time rate is what one core actually sustains. */
    double cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    if (bad)
        printf("sdp_%s %s: FAILED to parse/print\n", print ? "parse+print" : "parse", label);
    else
        printf("sdp_%s %s (%zu bytes): %.0f SDP/s (%.2f us/SDP, %.1f MB/s) on one core;"
               " %.0f SDP/s per CPU-second\n",
               print ? "parse+print" : "parse", label, len, n / t, t * 1e6 / n,
               n * (double)len / t / 1e6, cpu > 0 ? n / cpu : 0.0);
    rg_buf_deinit(&out);
    rg_arena_deinit(&arena);
    rg_free(text);
}

int main(void)
{
    static const struct {
        const char *label, *file;
    } v[] = {
        { "a Chrome offer", "tests/vectors/sdp/chromium156-audio-offer.sdp" },
        { "a Chrome audio+video offer", "tests/vectors/sdp/chromium156-av-offer.sdp" },
        { "a Firefox offer", "tests/vectors/sdp/firefox153esr-av-data-offer.sdp" },
        { "a sipp offer", "tests/vectors/sdp/sipp3.6-uac-invite.sdp" },
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        run(v[i].label, v[i].file, 0);
    run("a Chrome offer", v[0].file, 1);
    return 0;
}
