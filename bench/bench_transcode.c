/*
 * bench_transcode.c — cost of a transcoded Opus <-> PCMU call.
 *
 * A call is both directions: browser Opus (8 kHz decode) -> PCMU and
 * PCMU -> Opus (8 kHz encode), 20 ms packets, each through a full
 * struct rg_xc (jitter buffer, repacketizer, RTP rewrite).  For Opus
 * complexity 0, 2, 3, 5 and 10 it prints CPU µs per call-second, the calls one
 * core can carry, the memory per call (heap bytes from mallinfo2, so
 * libopus/spandsp state is included) and a quality figure: log-spectral
 * distance and segmental SNR against the original speech-like signal (the
 * metric of tests/unit/test_media_transcode.c speech_quality), next to
 * the browser's own Opus leg alone for comparison.  Also the raw codec
 * cost without the pipeline.  Figures only, no pass/fail.
 */
#include <malloc.h>
#include <opus/opus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "media/g711.h"
#include "media/quality.h"
#include "media/transcode.h"

#define RATE 8000
#define SECONDS 10
#define N (RATE * SECONDS)
#define FRAME 160
#define NPKT (N / FRAME)

struct stream {
    uint8_t pl[NPKT][400];
    int len[NPKT];
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The browser's side: libopus at 8 kHz, complexity 9, 24 kbit/s. */
static void browser_encode(const int16_t *pcm, struct stream *s)
{
    int err;
    OpusEncoder *e = opus_encoder_create(RATE, 1, OPUS_APPLICATION_VOIP, &err);
    opus_encoder_ctl(e, OPUS_SET_COMPLEXITY(9));
    opus_encoder_ctl(e, OPUS_SET_BITRATE(24000));
    for (int i = 0; i < NPKT; i++)
        s->len[i] = opus_encode(e, pcm + i * FRAME, FRAME, s->pl[i], 400);
    opus_encoder_destroy(e);
}

static struct rg_xc_cfg cfg_for(enum rg_codec_id in, int in_pt, enum rg_codec_id out, int out_pt,
                                unsigned complexity)
{
    struct rg_xc_cfg c;
    memset(&c, 0, sizeof(c));
    c.in_codec = rg_codec_by_id(in);
    c.in_pt = in_pt;
    c.in_te_pt = 101;
    c.in_cn_pt = -1;
    c.out_codec = rg_codec_by_id(out);
    c.out_pt = out_pt;
    c.out_te_pt = 101;
    c.out_ptime_ms = 20;
    c.out_params.complexity = complexity;
    c.out_params.complexity_set = true;
    return c;
}

struct call {
    struct rg_xc *a2b, *b2a; /* Opus->PCMU, PCMU->Opus */
};

static int call_open(struct call *c, unsigned complexity, const struct rg_rng *rng)
{
    struct rg_xc_cfg x = cfg_for(RG_CODEC_OPUS, 111, RG_CODEC_PCMU, 0, complexity);
    struct rg_xc_cfg y = cfg_for(RG_CODEC_PCMU, 0, RG_CODEC_OPUS, 111, complexity);
    if (rg_xc_create(&x, rng, &c->a2b) != RG_OK)
        return -1;
    if (rg_xc_create(&y, rng, &c->b2a) != RG_OK) {
        rg_xc_destroy(c->a2b);
        return -1;
    }
    return 0;
}

static void call_close(struct call *c)
{
    rg_xc_destroy(c->a2b);
    rg_xc_destroy(c->b2a);
}

/* Runs one call over the stream; the PCMU side sends what it received
 * (a loop-back SIP phone), so both directions carry speech.  Returns the
 * browser-side Opus packets in out (may be NULL). */
static void call_run(struct call *c, const struct stream *s, int npkt, struct stream *out,
                     size_t *n_out)
{
    static struct rg_xc_out o;
    size_t k = 0;
    for (int i = 0; i < npkt; i++) {
        int64_t now = (int64_t)i * 20000;
        struct rg_xc_in in = { s->pl[i], (size_t)s->len[i], 7, (uint32_t)i * 960, (uint16_t)i,
                               111, i == 0 };
        (void)rg_xc_push(c->a2b, &in, now);
        while (rg_xc_pull(c->a2b, now, &o) == 1) {
            struct rg_xc_in back = { o.payload, o.len, o.ssrc, o.ts, o.seq, o.pt, o.marker };
            (void)rg_xc_push(c->b2a, &back, now);
        }
        while (rg_xc_pull(c->b2a, now, &o) == 1) {
            if (out && k < NPKT && o.pt == 111) {
                memcpy(out->pl[k], o.payload, o.len);
                out->len[k++] = (int)o.len;
            }
        }
    }
    if (n_out)
        *n_out = k;
}

static void quality(const int16_t *orig, const struct stream *s, size_t n, double *lsd,
                    double *snr)
{
    int err;
    OpusDecoder *d = opus_decoder_create(RATE, 1, &err);
    int16_t *pcm = calloc(N + FRAME * 8, sizeof(int16_t));
    size_t got = 0;
    for (size_t i = 0; i < n && got + FRAME <= N; i++) {
        int m = opus_decode(d, s->pl[i], s->len[i], pcm + got, FRAME, 0);
        if (m > 0)
            got += (size_t)m;
    }
    long lag = rg_quality_align(orig, pcm, 2 * RATE, 2000);
    if (lag < 0)
        lag = 0;
    size_t m = got - (size_t)lag;
    *lsd = rg_quality_lsd(orig, pcm + lag, m);
    *snr = rg_quality_segsnr(orig, pcm + lag, m, RATE);
    free(pcm);
    opus_decoder_destroy(d);
}

static long heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long)mi.uordblks;
}

static void bench_pipeline(const int16_t *orig, const struct stream *s, unsigned complexity)
{
    struct rg_rng_seeded seed;
    struct rg_rng rng;
    rg_rng_seeded_init(&seed, complexity, &rng);
    /* memory: 50 calls open together, each after 1 s of traffic (jitter
     * buffer slots sized to real packets) */
    enum { M = 50 };
    static struct call calls[M];
    long before = heap_bytes();
    for (int i = 0; i < M; i++) {
        if (call_open(&calls[i], complexity, &rng) != 0)
            exit(1);
        call_run(&calls[i], s, 50, NULL, NULL);
    }
    long per_call = (heap_bytes() - before) / M;
    for (int i = 0; i < M; i++)
        call_close(&calls[i]);
    /* CPU: the same call run repeatedly */
    struct call c;
    static struct stream out;
    size_t n_out = 0;
    int runs = 3;
    double t0 = cpu_s(), w0 = now_s();
    for (int r = 0; r < runs; r++) {
        if (call_open(&c, complexity, &rng) != 0)
            exit(1);
        call_run(&c, s, NPKT, r == 0 ? &out : NULL, r == 0 ? &n_out : NULL);
        call_close(&c);
    }
    double cpu = cpu_s() - t0, wall = now_s() - w0;
    double us_per_call_s = cpu * 1e6 / (runs * SECONDS);
    double lsd, snr;
    quality(orig, &out, n_out, &lsd, &snr);
    printf("pipeline  complexity %2u: %7.1f us CPU per call-second (wall %.1f), %6.0f calls/core,"
           " %6ld bytes/call, LSD %.2f dB, segSNR %.2f dB\n",
           complexity, us_per_call_s, wall * 1e6 / (runs * SECONDS), 1e6 / us_per_call_s,
           per_call, lsd, snr);
}

/* The four codec operations of a call, without jitter buffer or RTP. */
static void bench_raw(const struct stream *s, unsigned complexity)
{
    int err;
    OpusDecoder *d = opus_decoder_create(RATE, 1, &err);
    OpusEncoder *e = opus_encoder_create(RATE, 1, OPUS_APPLICATION_VOIP, &err);
    opus_encoder_ctl(e, OPUS_SET_COMPLEXITY((int)complexity));
    opus_encoder_ctl(e, OPUS_SET_BITRATE((opus_int32)rg_opus_default_bitrate(RATE)));
    int16_t pcm[FRAME], back[FRAME];
    uint8_t mu[FRAME], pk[400];
    double t_dec = 0, t_enc = 0, t_g711 = 0, t;
    for (int i = 0; i < NPKT; i++) {
        t = cpu_s();
        if (opus_decode(d, s->pl[i], s->len[i], pcm, FRAME, 0) != FRAME)
            exit(1);
        t_dec += cpu_s() - t;
        t = cpu_s();
        rg_g711_ulaw_encode_buf(pcm, FRAME, mu);
        rg_g711_ulaw_decode_buf(mu, FRAME, back);
        t_g711 += cpu_s() - t;
        t = cpu_s();
        if (opus_encode(e, back, FRAME, pk, sizeof(pk)) <= 0)
            exit(1);
        t_enc += cpu_s() - t;
    }
    printf("raw codec complexity %2u: opus8k decode %.1f us, encode %.1f us, G.711 enc+dec %.2f us"
           " per 20 ms frame -> %.0f us per call-second\n",
           complexity, t_dec * 1e6 / NPKT, t_enc * 1e6 / NPKT, t_g711 * 1e6 / NPKT,
           (t_dec + t_enc + t_g711) * 1e6 / SECONDS);
    opus_decoder_destroy(d);
    opus_encoder_destroy(e);
}

int main(void)
{
    static int16_t orig[N];
    static struct stream s;
    rg_quality_speechlike(orig, N, RATE, 11);
    browser_encode(orig, &s);
    double lsd, snr;
    quality(orig, &s, NPKT, &lsd, &snr);
    printf("# Opus<->PCMU transcoded call, 20 ms frames, Opus at 8 kHz, %d s speech-like signal\n",
           SECONDS);
    printf("browser Opus leg alone (complexity 9, 24 kbit/s): LSD %.2f dB, segSNR %.2f dB\n", lsd,
           snr);
    static const unsigned cx[5] = { 0, 2, 3, 5, 10 };
    for (int i = 0; i < 5; i++)
        bench_raw(&s, cx[i]);
    for (int i = 0; i < 5; i++)
        bench_pipeline(orig, &s, cx[i]);
    return 0;
}
