/* Unit tests for src/media/transcode: codec pairs, repacketization,
 * regenerated SSRC/seq/ts, DTMF through the pipeline, loss handling, RTCP
 * and the Opus -> G.711 -> Opus speech-quality bound. */
#include "harness.h"

#include <opus/opus.h>
#include <spandsp.h>

#include "core/rng.h"
#include "media/g711.h"
#include "media/rtcp_stats.h"
#include "media/transcode.h"
#include "media_util.h"

#define MAXP 600
/* When a stream stops, the jitter buffer conceals RG_JB_MAX_CONCEAL_MS
 * (in frames of the input ptime) before going quiet. */
#define TAIL_FRAMES(in_ms) (RG_JB_MAX_CONCEAL_MS / (in_ms))

struct pkts {
    struct rg_xc_out *p;
    size_t n, cap;
};

static bool pkts_init(struct pkts *k, size_t cap)
{
    k->p = rg_calloc(cap, sizeof(*k->p));
    k->n = 0;
    k->cap = cap;
    return k->p != NULL;
}

static void pkts_free(struct pkts *k)
{
    rg_free(k->p);
    k->p = NULL;
}

static struct rg_rng test_rng(struct rg_rng_seeded *s, uint64_t seed)
{
    struct rg_rng r;
    rg_rng_seeded_init(s, seed, &r);
    return r;
}

/* Encodes pcm in frame-sized packets with codec c at rate into k (RTP
 * fields as a sender would set them: ssrc 0x1234, seq from 65530, ts from
 * 4294960000 so both wrap). */
static void make_stream(const struct rg_codec *c, const struct rg_codec_params *p, const int16_t *pcm,
                        size_t n, size_t frame, uint8_t pt, struct pkts *k)
{
    struct rg_codec_enc *e = NULL;
    if (rg_codec_enc_create(c, p, &e) != RG_OK)
        abort();
    uint32_t ts = 4294960000u;
    uint16_t seq = 65530;
    for (size_t off = 0; off + frame <= n && k->n < k->cap; off += frame) {
        struct rg_xc_out *o = &k->p[k->n];
        int len = rg_codec_encode(e, pcm + off, frame, o->payload, sizeof(o->payload));
        if (len < 0)
            abort();
        o->len = (size_t)len;
        o->ts = ts;
        o->seq = seq++;
        o->pt = pt;
        o->ssrc = 0x1234;
        o->marker = off == 0;
        ts += rg_codec_samples_to_ts(c, e->sample_hz, (uint32_t)frame);
        if (len > 0)
            k->n++;
    }
    rg_codec_enc_destroy(e);
}

/* Pushes k->p[i] at arrival[i] (or i * 20 ms) and collects the output on a
 * 1 ms clock until 500 ms after the last arrival.  drop[i] loses a packet. */
static void run_pipe(struct rg_xc *xc, const struct pkts *in, const int64_t *arrival,
                     const bool *drop, struct pkts *out)
{
    int64_t end = (arrival ? arrival[in->n - 1] : (int64_t)in->n * 20000) + 500000;
    size_t next = 0;
    for (int64_t now = 0; now <= end; now += 1000) {
        for (; next < in->n && (arrival ? arrival[next] : (int64_t)next * 20000) <= now; next++) {
            if (drop && drop[next])
                continue;
            const struct rg_xc_out *o = &in->p[next];
            struct rg_xc_in pi = { o->payload, o->len, o->ssrc, o->ts, o->seq, o->pt, o->marker };
            (void)rg_xc_push(xc, &pi, now);
        }
        if (rg_xc_next_us(xc) > now)
            continue;
        while (out->n < out->cap && rg_xc_pull(xc, now, &out->p[out->n]) == 1)
            out->n++;
    }
}

static size_t decode_stream(const struct rg_codec *c, unsigned rate, const struct pkts *k,
                            int pt, int16_t *pcm, size_t max)
{
    struct rg_codec_params p = { .sample_hz = rate };
    struct rg_codec_dec *d = NULL;
    if (rg_codec_dec_create(c, &p, &d) != RG_OK)
        abort();
    size_t n = 0;
    for (size_t i = 0; i < k->n; i++) {
        if (k->p[i].pt != pt)
            continue;
        int m = rg_codec_decode(d, k->p[i].payload, k->p[i].len, pcm + n, max - n);
        if (m > 0)
            n += (size_t)m;
    }
    rg_codec_dec_destroy(d);
    return n;
}

static struct rg_xc_cfg base_cfg(enum rg_codec_id in, int in_pt, enum rg_codec_id out, int out_pt)
{
    struct rg_xc_cfg c = { 0 };
    c.in_codec = rg_codec_by_id(in);
    c.in_pt = in_pt;
    c.in_te_pt = -1;
    c.in_cn_pt = -1;
    c.out_codec = rg_codec_by_id(out);
    c.out_pt = out_pt;
    c.out_te_pt = -1;
    c.out_ptime_ms = 20;
    return c;
}

/* Output RTP fields: one SSRC, seq +1 each packet, audio timestamps
 * advancing by whole output frames. */
static void check_rtp(struct rg_t *t, const struct pkts *out, uint32_t ts_step)
{
    for (size_t i = 1; i < out->n; i++) {
        CHECK(t, out->p[i].ssrc == out->p[0].ssrc);
        CHECK_EQ_INT(t, (uint16_t)(out->p[i].seq - out->p[i - 1].seq), 1);
        CHECK_EQ_INT(t, (out->p[i].ts - out->p[0].ts) % ts_step, 0);
    }
}

static void pair_tone2(struct rg_t *t, enum rg_codec_id in, enum rg_codec_id out, unsigned in_rate,
                       unsigned rate, unsigned out_ptime)
{
    struct rg_xc_cfg cfg = base_cfg(in, 111, out, 112);
    cfg.out_ptime_ms = out_ptime;
    struct rg_rng_seeded s;
    struct rg_rng rng = test_rng(&s, 1);
    struct rg_xc *xc = NULL;
    REQUIRE(t, rg_xc_create(&cfg, &rng, &xc) == RG_OK);
    CHECK_EQ_INT(t, rg_xc_sample_hz(xc), rate);
    size_t n = in_rate * 2;
    int16_t *pcm = rg_malloc(n * 2), *res = rg_malloc(rate * 2 * 4);
    struct pkts ip, op;
    REQUIRE(t, pcm && res && pkts_init(&ip, 120) && pkts_init(&op, 240));
    mt_sine(pcm, n, 1000, in_rate, 8000);
    struct rg_codec_params pp = { .sample_hz = in_rate };
    make_stream(cfg.in_codec, &pp, pcm, n, in_rate / 50, 111, &ip);
    run_pipe(xc, &ip, NULL, NULL, &op);
    size_t got = decode_stream(cfg.out_codec, rate, &op, 112, res, rate * 4);
    CHECK(t, got + rate / 10 >= rate * 2); /* all audio out, bar the codec delay */
    size_t skip = rate / 5;
    double margin = got > 2 * skip ? mt_tone_margin_db(res + skip, got - 2 * skip, 1000, rate) : 0;
    double lvl = got > 2 * skip ? mt_dbfs(res + skip, got - 2 * skip) : -99;
    if (margin < 20 || fabs(lvl - mt_dbfs(pcm, n)) > 4 || getenv("XC_DEBUG"))
        fprintf(stderr, "    %s->%s: margin %.1f dB level %.1f dBFS (%zu samples)\n",
                cfg.in_codec->name, cfg.out_codec->name, margin, lvl, got);
    CHECK(t, margin >= 20);
    CHECK(t, fabs(lvl - mt_dbfs(pcm, n)) <= 4);
    check_rtp(t, &op, rg_codec_samples_to_ts(cfg.out_codec, rate, rate * out_ptime / 1000));
    struct rg_xc_stats st;
    rg_xc_get_stats(xc, &st);
    CHECK_EQ_INT(t, st.plc_frames, TAIL_FRAMES(20));
    CHECK_EQ_INT(t, st.jb.lost, 0);
    rg_free(pcm);
    rg_free(res);
    pkts_free(&ip);
    pkts_free(&op);
    rg_xc_destroy(xc);
}

static void pair_tone(struct rg_t *t, enum rg_codec_id in, enum rg_codec_id out, unsigned rate,
                      unsigned out_ptime)
{
    pair_tone2(t, in, out, rate, rate, out_ptime);
}

static void codec_pairs(struct rg_t *t)
{
    pair_tone(t, RG_CODEC_OPUS, RG_CODEC_PCMU, 8000, 20);
    pair_tone(t, RG_CODEC_PCMU, RG_CODEC_OPUS, 8000, 20);
    pair_tone(t, RG_CODEC_OPUS, RG_CODEC_PCMA, 8000, 30);
    pair_tone(t, RG_CODEC_PCMA, RG_CODEC_OPUS, 8000, 40);
    pair_tone(t, RG_CODEC_OPUS, RG_CODEC_G722, 16000, 20);
    pair_tone(t, RG_CODEC_G722, RG_CODEC_OPUS, 16000, 20);
    pair_tone(t, RG_CODEC_OPUS, RG_CODEC_G729, 8000, 20);
    pair_tone(t, RG_CODEC_G729, RG_CODEC_OPUS, 8000, 60);
    /* the one resampled case: wideband G.722 against narrowband legs */
    pair_tone2(t, RG_CODEC_G722, RG_CODEC_PCMU, 16000, 8000, 20);
    pair_tone2(t, RG_CODEC_PCMA, RG_CODEC_G722, 8000, 16000, 20);
    pair_tone2(t, RG_CODEC_G722, RG_CODEC_G729, 16000, 8000, 20);
}

/* G.711 survives decode + encode bit-exactly, so PCMU 20 ms in -> PCMU
 * 30/60/10 ms out must carry exactly the input bytes, contiguously. */
static void repacketize_one(struct rg_t *t, unsigned ptime)
{
    struct rg_xc_cfg cfg = base_cfg(RG_CODEC_PCMU, 0, RG_CODEC_PCMU, 0);
    cfg.out_ptime_ms = ptime;
    struct rg_rng_seeded s;
    struct rg_rng rng = test_rng(&s, 2);
    struct rg_xc *xc = NULL;
    REQUIRE(t, rg_xc_create(&cfg, &rng, &xc) == RG_OK);
    struct pkts ip, op;
    REQUIRE(t, pkts_init(&ip, 60) && pkts_init(&op, 400));
    uint8_t *all = rg_malloc(60 * 160), *got = rg_malloc(60 * 160 + 1600);
    REQUIRE(t, all && got);
    for (size_t i = 0; i < 60 * 160; i++) {
        all[i] = (uint8_t)((i * 131 + i / 7) % 256);
        if (all[i] == 0x7F)
            all[i] = 0x7E; /* μ-law -0 re-encodes as +0 */
    }
    for (size_t i = 0; i < 60; i++) {
        memcpy(ip.p[i].payload, all + i * 160, 160);
        ip.p[i].len = 160;
        ip.p[i].seq = (uint16_t)(65500 + i);
        ip.p[i].ts = 0xFFFFF000u + (uint32_t)i * 160;
        ip.p[i].pt = 0;
        ip.p[i].ssrc = 99;
        ip.p[i].marker = i == 0;
    }
    ip.n = 60;
    run_pipe(xc, &ip, NULL, NULL, &op);
    size_t len = 0;
    for (size_t i = 0; i < op.n; i++) {
        CHECK_EQ_INT(t, op.p[i].len, 8 * ptime);
        CHECK_EQ_INT(t, op.p[i].marker, i == 0);
        CHECK_EQ_INT(t, op.p[i].ts - op.p[0].ts, 8 * ptime * i); /* contiguous */
        if (len + op.p[i].len <= 60 * 160 + 1600) {
            memcpy(got + len, op.p[i].payload, op.p[i].len);
            len += op.p[i].len;
        }
    }
    /* the input plus the 100 ms concealment tail after the stream stops */
    size_t want = 60 * 160 + 8 * RG_JB_MAX_CONCEAL_MS;
    CHECK_EQ_INT(t, len, want - want % (8 * ptime));
    CHECK(t, len >= 60 * 160 && memcmp(got, all, 60 * 160) == 0);
    struct rg_xc_stats st;
    rg_xc_get_stats(xc, &st);
    CHECK_EQ_INT(t, st.jb.played, 60);
    CHECK_EQ_INT(t, st.jb.lost, 0);
    check_rtp(t, &op, 8 * ptime);
    CHECK(t, op.n > 0 && op.p[0].ssrc != 99);
    rg_free(all);
    rg_free(got);
    pkts_free(&ip);
    pkts_free(&op);
    rg_xc_destroy(xc);
}

static void repacketize(struct rg_t *t)
{
    repacketize_one(t, 30);
    repacketize_one(t, 60);
    repacketize_one(t, 10);
    repacketize_one(t, 20);
}

/* SSRC, first sequence number and first timestamp come from the injected
 * RNG (RFC 3550 §5.1): same seed, same values; another seed, others. */
static void rtp_fields_regenerated(struct rg_t *t)
{
    uint32_t ssrc[3], ts[3];
    uint16_t seq[3];
    const uint64_t seeds[3] = { 10, 10, 11 };
    for (int k = 0; k < 3; k++) {
        struct rg_xc_cfg cfg = base_cfg(RG_CODEC_PCMA, 8, RG_CODEC_PCMU, 0);
        struct rg_rng_seeded s;
        struct rg_rng rng = test_rng(&s, seeds[k]);
        struct rg_xc *xc = NULL;
        REQUIRE(t, rg_xc_create(&cfg, &rng, &xc) == RG_OK);
        struct pkts ip, op;
        REQUIRE(t, pkts_init(&ip, 10) && pkts_init(&op, 20));
        int16_t pcm[1600];
        mt_sine(pcm, 1600, 500, 8000, 3000);
        make_stream(cfg.in_codec, NULL, pcm, 1600, 160, 8, &ip);
        run_pipe(xc, &ip, NULL, NULL, &op);
        REQUIRE(t, op.n > 0);
        ssrc[k] = op.p[0].ssrc;
        seq[k] = op.p[0].seq;
        ts[k] = op.p[0].ts;
        CHECK(t, op.p[0].ssrc == rg_xc_out_ssrc(xc) && op.p[0].ssrc != 0x1234);
        CHECK(t, op.p[0].seq != 65530 && op.p[0].ts != 4294960000u);
        pkts_free(&ip);
        pkts_free(&op);
        rg_xc_destroy(xc);
    }
    CHECK(t, ssrc[0] == ssrc[1] && seq[0] == seq[1] && ts[0] == ts[1]);
    CHECK(t, ssrc[0] != ssrc[2] && ts[0] != ts[2]);
}

/* Adds a DTMF event (RFC 4733) to an audio stream at the given 20 ms slot:
 * updates every 40 ms, 200 ms long, then three end packets. */
static void add_event(struct pkts *k, size_t at, uint8_t ev, uint8_t te_pt, unsigned te_hz,
                      int64_t *arrival)
{
    size_t n0 = k->n;
    uint32_t ts = k->p[at].ts;
    for (int i = 0; i < 8 && k->n < k->cap; i++) {
        struct rg_xc_out *o = &k->p[k->n++];
        uint32_t dur = (uint32_t)(te_hz / 25 * (i < 5 ? i + 1 : 5));
        struct rg_dtmf_event e = { ev, i >= 5, 10, (uint16_t)dur };
        if (rg_dtmf_build(&e, o->payload, 4) != 4)
            abort();
        o->len = 4;
        o->ts = ts;
        o->pt = te_pt;
        o->ssrc = 0x1234;
        o->seq = 0; /* fixed below */
        o->marker = i == 0;
        arrival[k->n - 1] = (int64_t)at * 20000 + (i < 5 ? i : 5) * 40000 + 1000 + i * 10;
    }
    (void)n0;
}

/* Sorts packets by arrival and renumbers sequence numbers in that order. */
static void finalize(struct pkts *k, int64_t *arrival)
{
    for (size_t i = 1; i < k->n; i++) {
        for (size_t j = i; j > 0 && arrival[j] < arrival[j - 1]; j--) {
            struct rg_xc_out tmp = k->p[j];
            int64_t ta = arrival[j];
            k->p[j] = k->p[j - 1];
            arrival[j] = arrival[j - 1];
            k->p[j - 1] = tmp;
            arrival[j - 1] = ta;
        }
    }
    for (size_t i = 0; i < k->n; i++)
        k->p[i].seq = (uint16_t)(1000 + i);
}

struct dtmf_run {
    struct pkts op;
    size_t events, ends, audio, markers;
    uint32_t ev_ts, end_dur, first_audio_ts;
    bool bad_pt;
};

static void dtmf_pipe(struct rg_t *t, struct rg_xc_cfg *cfg, unsigned in_te_hz, int in_audio_pt,
                      struct dtmf_run *r)
{
    struct rg_rng_seeded s;
    struct rg_rng rng = test_rng(&s, 3);
    struct rg_xc *xc = NULL;
    memset(r, 0, sizeof(*r));
    REQUIRE(t, rg_xc_create(cfg, &rng, &xc) == RG_OK);
    struct pkts ip;
    int64_t arrival[80];
    REQUIRE(t, pkts_init(&ip, 80) && pkts_init(&r->op, 200));
    int16_t *pcm = rg_malloc(8000 * 2 * 2);
    REQUIRE(t, pcm);
    mt_sine(pcm, 16000, 1000, 8000, 6000);
    struct rg_codec_params pp = { .sample_hz = 8000 };
    make_stream(cfg->in_codec, &pp, pcm, 60 * 160, 160, (uint8_t)in_audio_pt, &ip);
    for (size_t i = 0; i < ip.n; i++)
        arrival[i] = (int64_t)i * 20000;
    add_event(&ip, 20, 7, (uint8_t)cfg->in_te_pt, in_te_hz, arrival);
    finalize(&ip, arrival);
    run_pipe(xc, &ip, arrival, NULL, &r->op);
    for (size_t i = 0; i < r->op.n; i++) {
        const struct rg_xc_out *o = &r->op.p[i];
        if (i)
            CHECK_EQ_INT(t, (uint16_t)(o->seq - r->op.p[i - 1].seq), 1);
        if (o->pt == cfg->out_pt) {
            if (!r->audio++)
                r->first_audio_ts = o->ts;
            continue;
        }
        if (o->pt != cfg->out_te_pt || o->len != 4) {
            r->bad_pt = true;
            continue;
        }
        struct rg_dtmf_event e;
        CHECK_OK(t, rg_dtmf_parse(o->payload, o->len, &e));
        CHECK_EQ_INT(t, e.event, 7);
        if (!r->events++)
            r->ev_ts = o->ts;
        CHECK_EQ_INT(t, o->ts, r->ev_ts);
        r->markers += o->marker;
        if (e.end) {
            r->ends++;
            r->end_dur = e.duration;
        }
    }
    struct rg_dtmf_digit d;
    if (rg_xc_pop_digit(xc, &d) == RG_OK) {
        CHECK_EQ_INT(t, d.event, 7);
        CHECK_EQ_INT(t, d.duration_ms, 200);
        r->markers += 100; /* digit reported */
    }
    rg_free(pcm);
    pkts_free(&ip);
    rg_xc_destroy(xc);
}

/* Audio packets whose timestamps fall inside the event. */
static size_t audio_during(const struct dtmf_run *r, int pt, uint32_t dur)
{
    size_t n = 0;
    for (size_t i = 0; i < r->op.n; i++)
        if (r->op.p[i].pt == pt && r->op.p[i].ts - r->ev_ts < dur)
            n++;
    return n;
}

/* Browser (Opus, telephone-event/48000 PT 101) -> SIP (PCMU,
 * telephone-event/8000 PT 96): events use PT 96 — never the Opus or PCMU
 * PT — with 8000 Hz durations and the PCMU leg's timestamps (peer bugs:
 * SIP.js#968, rtpengine#778/#1553). */
static void dtmf_opus_to_pcmu(struct rg_t *t)
{
    struct rg_xc_cfg cfg = base_cfg(RG_CODEC_OPUS, 111, RG_CODEC_PCMU, 0);
    cfg.in_te_pt = 101;
    cfg.out_te_pt = 96;
    struct dtmf_run r;
    dtmf_pipe(t, &cfg, 48000, 111, &r);
    CHECK(t, !r.bad_pt);
    CHECK(t, r.events >= 6);
    CHECK_EQ_INT(t, r.ends, 3);
    CHECK_EQ_INT(t, r.markers, 1);
    CHECK_EQ_INT(t, r.end_dur, 1600); /* 200 ms at 8000 Hz */
    CHECK_EQ_INT(t, (r.ev_ts - r.first_audio_ts) % 160, 0); /* on the PCMU timeline */
    CHECK(t, r.ev_ts - r.first_audio_ts < 60 * 160);
    CHECK_EQ_INT(t, audio_during(&r, 0, 1600), 0); /* audio suppressed meanwhile */
    CHECK(t, r.audio > 30);
    pkts_free(&r.op);
}

static void dtmf_pcmu_to_opus(struct rg_t *t)
{
    struct rg_xc_cfg cfg = base_cfg(RG_CODEC_PCMU, 0, RG_CODEC_OPUS, 111);
    cfg.in_te_pt = 96;
    cfg.out_te_pt = 101;
    cfg.dtmf_mode = RG_DTMF_BOTH;
    struct dtmf_run r;
    dtmf_pipe(t, &cfg, 8000, 0, &r);
    CHECK(t, !r.bad_pt);
    CHECK_EQ_INT(t, r.ends, 3);
    CHECK_EQ_INT(t, r.markers, 101); /* one marker, digit reported too */
    CHECK_EQ_INT(t, r.end_dur, 9600); /* 200 ms at 48000 Hz */
    CHECK_EQ_INT(t, (r.ev_ts - r.first_audio_ts) % 960, 0);
    CHECK_EQ_INT(t, audio_during(&r, 111, 9600), 0);
    pkts_free(&r.op);
}

/* Codec entry "dtmf relay none": events dropped, audio untouched;
 * "outOfBand": digit reported, nothing relayed. */
static void dtmf_modes(struct rg_t *t)
{
    struct rg_xc_cfg cfg = base_cfg(RG_CODEC_OPUS, 111, RG_CODEC_PCMA, 8);
    cfg.in_te_pt = 101;
    cfg.out_te_pt = 101;
    cfg.dtmf_mode = RG_DTMF_NONE;
    struct dtmf_run r;
    dtmf_pipe(t, &cfg, 48000, 111, &r);
    CHECK_EQ_INT(t, r.events, 0);
    CHECK_EQ_INT(t, r.markers, 0);
    CHECK(t, !r.bad_pt);
    size_t all_audio = r.audio;
    pkts_free(&r.op);
    cfg.dtmf_mode = RG_DTMF_OOB;
    dtmf_pipe(t, &cfg, 48000, 111, &r);
    CHECK_EQ_INT(t, r.events, 0);
    CHECK_EQ_INT(t, r.markers, 100);
    CHECK(t, r.audio < all_audio); /* suppressed during the digit */
    pkts_free(&r.op);
}

/* No telephone-event on the SIP leg: the digit is played in-band (Q.23
 * tones 852 + 1209 Hz for '7') instead of the audio. */
static void dtmf_inband_fallback(struct rg_t *t)
{
    struct rg_xc_cfg cfg = base_cfg(RG_CODEC_OPUS, 111, RG_CODEC_PCMU, 0);
    cfg.in_te_pt = 101;
    struct dtmf_run r;
    dtmf_pipe(t, &cfg, 48000, 111, &r);
    CHECK(t, !r.bad_pt);
    CHECK_EQ_INT(t, r.events, 0);
    int16_t *pcm = rg_malloc(20000 * 2);
    REQUIRE(t, pcm);
    size_t n = decode_stream(rg_codec_by_id(RG_CODEC_PCMU), 8000, &r.op, 0, pcm, 20000);
    /* find the 100 ms window with most 852 Hz energy */
    double best = 0, b1000 = 0, b1209 = 0;
    for (size_t off = 0; off + 800 <= n; off += 160) {
        double p = rg_quality_tone_power(pcm + off, 800, 852, 8000);
        if (p > best) {
            best = p;
            b1000 = rg_quality_tone_power(pcm + off, 800, 1000, 8000);
            b1209 = rg_quality_tone_power(pcm + off, 800, 1209, 8000);
        }
    }
    CHECK(t, best > 100 * b1000);
    CHECK(t, b1209 > 100 * b1000);
    rg_free(pcm);
    pkts_free(&r.op);
}

/* Opus with in-band FEC, every 7th packet lost: each loss is rebuilt from
 * the next packet's FEC and the PCMU output has no hole. */
static void loss_fec_and_plc(struct rg_t *t)
{
    for (int dir = 0; dir < 2; dir++) {
        struct rg_xc_cfg cfg = dir == 0 ? base_cfg(RG_CODEC_OPUS, 111, RG_CODEC_PCMU, 0)
                                        : base_cfg(RG_CODEC_PCMU, 0, RG_CODEC_OPUS, 111);
        struct rg_rng_seeded s;
        struct rg_rng rng = test_rng(&s, 4);
        struct rg_xc *xc = NULL;
        REQUIRE(t, rg_xc_create(&cfg, &rng, &xc) == RG_OK);
        struct pkts ip, op;
        REQUIRE(t, pkts_init(&ip, 100) && pkts_init(&op, 200));
        int16_t *pcm = rg_malloc(16000 * 2);
        REQUIRE(t, pcm);
        rg_quality_speechlike(pcm, 16000, 8000, 5);
        struct rg_codec_params pp = { .sample_hz = 8000, .fec = true, .loss_pct = 15 };
        make_stream(cfg.in_codec, &pp, pcm, 16000, 160, (uint8_t)cfg.in_pt, &ip);
        bool drop[100] = { false };
        int dropped = 0;
        for (size_t i = 3; i + 2 < ip.n; i += 7) {
            drop[i] = true;
            dropped++;
        }
        run_pipe(xc, &ip, NULL, drop, &op);
        struct rg_xc_stats st;
        rg_xc_get_stats(xc, &st);
        if (dir == 0) {
            CHECK_EQ_INT(t, st.fec_frames, dropped);
            CHECK_EQ_INT(t, st.plc_frames, TAIL_FRAMES(20));
            for (size_t i = 1; i < op.n; i++)
                CHECK_EQ_INT(t, op.p[i].ts - op.p[i - 1].ts, 160);
        } else {
            CHECK_EQ_INT(t, st.plc_frames, dropped + TAIL_FRAMES(20));
            for (size_t i = 1; i < op.n; i++)
                CHECK_EQ_INT(t, op.p[i].ts - op.p[i - 1].ts, 960);
        }
        CHECK_EQ_INT(t, st.jb.lost, dropped);
        CHECK_EQ_INT(t, op.n, ip.n + TAIL_FRAMES(20));
        rg_free(pcm);
        pkts_free(&ip);
        pkts_free(&op);
        rg_xc_destroy(xc);
    }
}

static uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* RTCP SR for the output leg from real counters, with a reception block for
 * the input (RFC 3550 §6.4.1, A.3, A.8) and LSR/DLSR from the peer's SR. */
static void rtcp_reports(struct rg_t *t)
{
    struct rg_xc_cfg cfg = base_cfg(RG_CODEC_PCMA, 8, RG_CODEC_PCMU, 0);
    struct rg_rng_seeded s;
    struct rg_rng rng = test_rng(&s, 6);
    struct rg_xc *xc = NULL;
    REQUIRE(t, rg_xc_create(&cfg, &rng, &xc) == RG_OK);
    uint8_t buf[256];
    CHECK_EQ_INT(t, rg_xc_build_sr(xc, xc, 0, 0, buf, sizeof(buf)), 8); /* empty RR */
    struct pkts ip, op;
    REQUIRE(t, pkts_init(&ip, 50) && pkts_init(&op, 100));
    int16_t pcm[8000];
    mt_sine(pcm, 8000, 700, 8000, 4000);
    make_stream(cfg.in_codec, NULL, pcm, 8000, 160, 8, &ip);
    bool drop[50] = { false };
    drop[10] = drop[11] = drop[30] = true;
    /* the sender's SR (its NTP time 0x0000AAAA BBBB0000) arrives at 0.5 s */
    struct rg_rtcp_tx peer;
    rg_rtcp_tx_init(&peer, 0x1234, 8000);
    int srlen = rg_rtcp_build_sr(&peer, 0x0000AAAABBBB0000ull, 0, NULL, 0, buf, sizeof(buf));
    REQUIRE(t, srlen == 28);
    run_pipe(xc, &ip, NULL, drop, &op);
    rg_xc_rtcp_input(xc, buf, (size_t)srlen, 1400000);
    int len = rg_xc_build_sr(xc, xc, 1900000, 0x0123456789ABCDEFull, buf, sizeof(buf));
    REQUIRE(t, len == 52);
    CHECK_EQ_INT(t, buf[0], 0x81);
    CHECK_EQ_INT(t, buf[1], 200);
    CHECK_EQ_INT(t, (buf[2] << 8) | buf[3], 12);
    CHECK_EQ_INT(t, rd32(buf + 4), rg_xc_out_ssrc(xc));
    CHECK_EQ_INT(t, rd32(buf + 8), 0x01234567);
    CHECK_EQ_INT(t, rd32(buf + 12), 0x89ABCDEF);
    size_t octets = 0;
    for (size_t i = 0; i < op.n; i++)
        octets += op.p[i].len;
    CHECK_EQ_INT(t, rd32(buf + 20), op.n);
    CHECK_EQ_INT(t, rd32(buf + 24), octets);
    const uint8_t *b = buf + 28;
    CHECK_EQ_INT(t, rd32(b), 0x1234);
    CHECK_EQ_INT(t, rd32(b + 4) & 0xFFFFFF, 3);             /* cumulative lost */
    CHECK_EQ_INT(t, rd32(b + 8), 65536u + (uint16_t)(65530 + 49)); /* wrapped once */
    CHECK_EQ_INT(t, rd32(b + 12), 0);                       /* perfectly paced: no jitter */
    CHECK_EQ_INT(t, rd32(b + 16), 0xAAAABBBB);              /* LSR */
    CHECK_EQ_INT(t, rd32(b + 20), 32768);                   /* DLSR: 0.5 s */
    uint32_t ssrc;
    uint64_t ntp;
    CHECK_OK(t, rg_rtcp_find_sr(buf, (size_t)len, &ssrc, &ntp));
    CHECK_EQ_INT(t, ssrc, rg_xc_out_ssrc(xc));
    CHECK_EQ_INT(t, rg_rtcp_find_sr(buf, 27, &ssrc, &ntp), RG_EBADMSG);
    pkts_free(&ip);
    pkts_free(&op);
    rg_xc_destroy(xc);
}

/* Reference chain with libopus called directly (no pipeline code): Opus
 * decode -> G.711 μ-law -> Opus encode (same settings as the pipeline's
 * encoder) -> Opus decode.  G.711 is spandsp's (independent) or, with
 * own_g711, rtcgate's tables. */
static size_t reference_chain(const struct pkts *a, bool own_g711, int16_t *out, size_t max)
{
    int err;
    OpusDecoder *d1 = opus_decoder_create(8000, 1, &err), *d2 = opus_decoder_create(8000, 1, &err);
    OpusEncoder *e = opus_encoder_create(8000, 1, OPUS_APPLICATION_VOIP, &err);
    opus_encoder_ctl(e, OPUS_SET_COMPLEXITY(RG_OPUS_DEFAULT_COMPLEXITY));
    opus_encoder_ctl(e, OPUS_SET_BITRATE((opus_int32)rg_opus_default_bitrate(8000)));
    opus_encoder_ctl(e, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
    opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(0));
    opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(0));
    size_t n = 0;
    for (size_t i = 0; i < a->n && n + 160 <= max; i++) {
        int16_t pcm[160];
        uint8_t pk[400];
        if (opus_decode(d1, a->p[i].payload, (opus_int32)a->p[i].len, pcm, 160, 0) != 160)
            abort();
        for (int k = 0; k < 160; k++)
            pcm[k] = own_g711 ? rg_g711_ulaw_decode(rg_g711_ulaw_encode(pcm[k]))
                              : ulaw_to_linear(linear_to_ulaw(pcm[k]));
        int len = opus_encode(e, pcm, 160, pk, sizeof(pk));
        if (len <= 0 || opus_decode(d2, pk, len, out + n, 160, 0) != 160)
            abort();
        n += 160;
    }
    opus_decoder_destroy(d1);
    opus_decoder_destroy(d2);
    opus_encoder_destroy(e);
    return n;
}

/* Browser Opus -> [xc1] -> PCMU -> [xc2] -> Opus, packets handed between
 * the two pipelines as they come out, 20 ms arrival jitter on the input. */
static size_t pipeline_chain(struct rg_t *t, const struct pkts *a, int16_t *out, size_t max)
{
    struct rg_xc_cfg c1 = base_cfg(RG_CODEC_OPUS, 111, RG_CODEC_PCMU, 0);
    struct rg_xc_cfg c2 = base_cfg(RG_CODEC_PCMU, 0, RG_CODEC_OPUS, 111);
    struct rg_rng_seeded s;
    struct rg_rng rng = test_rng(&s, 8);
    struct rg_xc *x1 = NULL, *x2 = NULL;
    struct pkts op;
    size_t n = 0, next = 0;
    if (rg_xc_create(&c1, &rng, &x1) != RG_OK || rg_xc_create(&c2, &rng, &x2) != RG_OK ||
        !pkts_init(&op, a->n + 50)) {
        CHECK(t, false);
        goto out;
    }
    for (int64_t now = 0; now < (int64_t)a->n * 20000 + 600000; now += 1000) {
        for (; next < a->n && (int64_t)next * 20000 + (int64_t)(next * 7919 % 20) * 1000 <= now;
             next++) {
            const struct rg_xc_out *o = &a->p[next];
            struct rg_xc_in pi = { o->payload, o->len, o->ssrc, o->ts, o->seq, o->pt, o->marker };
            (void)rg_xc_push(x1, &pi, now);
        }
        struct rg_xc_out mid;
        while (rg_xc_pull(x1, now, &mid) == 1) {
            struct rg_xc_in pi = { mid.payload, mid.len, mid.ssrc, mid.ts, mid.seq, mid.pt,
                                   mid.marker };
            (void)rg_xc_push(x2, &pi, now);
        }
        while (op.n < op.cap && rg_xc_pull(x2, now, &op.p[op.n]) == 1)
            op.n++;
    }
    n = decode_stream(rg_codec_by_id(RG_CODEC_OPUS), 8000, &op, 111, out, max);
    pkts_free(&op);
out:
    rg_xc_destroy(x1);
    rg_xc_destroy(x2);
    return n;
}

/* The speech-quality bound.  Metric: log-spectral distance (LSD, dB) after
 * cross-correlation alignment, and segmental SNR (media/quality.h), both
 * against the original signal.  Bounds:
 *   A. reference chain with spandsp's G.711: the pipeline's LSD within
 *      0.3 dB and its segSNR within 1 dB of the reference chain's.  (Opus
 *      re-encodes tiny G.711 rounding differences differently, so the two
 *      outputs are not sample-identical; their quality is.)
 *   B. reference chain with the same G.711 tables: the pipeline output is
 *      identical (LSD 0, segSNR at its 35 dB cap): jitter buffering,
 *      repacketization and the RTP rewrite add no degradation at all. */
static void speech_quality(struct rg_t *t)
{
    const size_t n = 8000 * 6;
    int16_t *orig = rg_malloc(n * 2), *ref = rg_calloc(n, 2), *own = rg_calloc(n, 2),
            *pipe = rg_calloc(n + 8000, 2);
    struct pkts a;
    REQUIRE(t, orig && ref && own && pipe && pkts_init(&a, n / 160));
    rg_quality_speechlike(orig, n, 8000, 11);
    struct rg_codec_params browser = { .sample_hz = 8000, .complexity = 9 };
    make_stream(rg_codec_by_id(RG_CODEC_OPUS), &browser, orig, n, 160, 111, &a);
    size_t nr = reference_chain(&a, false, ref, n);
    size_t no = reference_chain(&a, true, own, n);
    size_t np = pipeline_chain(t, &a, pipe, n + 8000);
    REQUIRE(t, nr == n && no == n && np + 800 >= n);
    long lag = rg_quality_align(own, pipe, 16000, 1600);
    long lag_o = rg_quality_align(orig, ref, 16000, 1600);
    REQUIRE(t, lag >= 0 && (size_t)lag < np && lag_o >= 0);
    size_t m = np - (size_t)lag < n ? np - (size_t)lag : n;
    double lsd_b = rg_quality_lsd(own, pipe + lag, m);
    double snr_b = rg_quality_segsnr(own, pipe + lag, m, 8000);
    m -= (size_t)lag_o;
    double lsd_ref = rg_quality_lsd(orig, ref + lag_o, m);
    double lsd_pipe = rg_quality_lsd(orig, pipe + lag + lag_o, m);
    double snr_ref = rg_quality_segsnr(orig, ref + lag_o, m, 8000);
    double snr_pipe = rg_quality_segsnr(orig, pipe + lag + lag_o, m, 8000);
    fprintf(stderr,
            "    vs original: LSD ref %.3f pipeline %.3f dB, segSNR ref %.2f pipeline %.2f dB; "
            "vs same-table chain: LSD %.3f dB segSNR %.2f dB (lag %ld)\n",
            lsd_ref, lsd_pipe, snr_ref, snr_pipe, lsd_b, snr_b, lag);
    CHECK(t, fabs(lsd_pipe - lsd_ref) <= 0.3);
    CHECK(t, fabs(snr_pipe - snr_ref) <= 1.0);
    CHECK(t, lsd_b < 0.01);
    CHECK(t, snr_b >= 34.9);
    rg_free(orig);
    rg_free(ref);
    rg_free(own);
    rg_free(pipe);
    pkts_free(&a);
}

/* RFC 3389 input: PCMU speech, one CN packet (-40 dBov), then nothing for a
 * second: the PCMA output keeps carrying comfort noise at that level (not
 * 100 ms of PLC then silence), and speech resumes afterwards. */
static void cn_input_keeps_noise(struct rg_t *t)
{
    struct rg_xc_cfg cfg = base_cfg(RG_CODEC_PCMU, 0, RG_CODEC_PCMA, 8);
    cfg.in_cn_pt = 13;
    struct rg_rng_seeded s;
    struct rg_rng rng = test_rng(&s, 13);
    struct rg_xc *xc = NULL;
    REQUIRE(t, rg_xc_create(&cfg, &rng, &xc) == RG_OK);
    struct pkts ip, op;
    int64_t arrival[60];
    REQUIRE(t, pkts_init(&ip, 60) && pkts_init(&op, 200));
    int16_t pcm[8000];
    mt_sine(pcm, 8000, 600, 8000, 5000);
    make_stream(cfg.in_codec, NULL, pcm, 8000, 160, 0, &ip); /* 50 packets, 1 s */
    for (size_t i = 0; i < ip.n; i++)
        arrival[i] = (int64_t)i * 20000 + (i >= 25 ? 1000000 : 0);
    /* packet 24 becomes a CN packet; 25.. resume one second later */
    ip.p[24].pt = 13;
    ip.p[24].payload[0] = 40;
    ip.p[24].len = 1;
    for (size_t i = 25; i < ip.n; i++)
        ip.p[i].ts += 8000;
    ip.p[25].marker = true;
    run_pipe(xc, &ip, arrival, NULL, &op);
    struct rg_xc_stats st;
    rg_xc_get_stats(xc, &st);
    CHECK(t, st.cn_frames >= 45);
    CHECK_EQ_INT(t, st.plc_frames, TAIL_FRAMES(20));
    int16_t *dec = rg_malloc(40000 * 2);
    REQUIRE(t, dec);
    size_t n = decode_stream(rg_codec_by_id(RG_CODEC_PCMA), 8000, &op, 8, dec, 40000);
    CHECK(t, n >= 8000 + 7000); /* speech + (almost) a second of noise */
    double lvl = mt_dbfs(dec + 25 * 160 + 800, 4000); /* inside the gap */
    CHECK(t, lvl > -43 && lvl < -37);
    for (size_t i = 1; i < op.n; i++) /* one continuous timeline */
        CHECK_EQ_INT(t, op.p[i].ts - op.p[i - 1].ts, 160);
    rg_free(dec);
    pkts_free(&ip);
    pkts_free(&op);
    rg_xc_destroy(xc);
}

/* Opus DTX towards the browser (RFC 7587 §3.1.3): silence is not sent, the
 * timestamps keep counting, and the first packet after it has the marker. */
static void opus_dtx_output(struct rg_t *t)
{
    struct rg_xc_cfg cfg = base_cfg(RG_CODEC_PCMU, 0, RG_CODEC_OPUS, 111);
    cfg.out_params.dtx = true;
    struct rg_rng_seeded s;
    struct rg_rng rng = test_rng(&s, 14);
    struct rg_xc *xc = NULL;
    REQUIRE(t, rg_xc_create(&cfg, &rng, &xc) == RG_OK);
    struct pkts ip, op;
    REQUIRE(t, pkts_init(&ip, 200) && pkts_init(&op, 300));
    int16_t *pcm = rg_calloc(8000 * 4, 2);
    REQUIRE(t, pcm);
    mt_sine(pcm, 8000, 500, 8000, 6000);
    mt_sine(pcm + 24000, 8000, 500, 8000, 6000); /* 1 s tone, 2 s silence, 1 s tone */
    make_stream(cfg.in_codec, NULL, pcm, 32000, 160, 0, &ip);
    run_pipe(xc, &ip, NULL, NULL, &op);
    struct rg_xc_stats st;
    rg_xc_get_stats(xc, &st);
    CHECK(t, st.dtx_skipped > 50);
    CHECK(t, op.n < ip.n - 50);
    size_t gaps = 0;
    for (size_t i = 1; i < op.n; i++) {
        uint32_t d = op.p[i].ts - op.p[i - 1].ts;
        CHECK_EQ_INT(t, d % 960, 0);
        if (d > 960) {
            gaps++;
            CHECK(t, op.p[i].marker);
        }
    }
    CHECK(t, gaps >= 1);
    rg_free(pcm);
    pkts_free(&ip);
    pkts_free(&op);
    rg_xc_destroy(xc);
}

static int xc_oom(void *arg)
{
    bool resampled = arg != NULL;
    struct rg_xc_cfg cfg = resampled ? base_cfg(RG_CODEC_G722, 9, RG_CODEC_PCMU, 0)
                                     : base_cfg(RG_CODEC_OPUS, 111, RG_CODEC_G722, 9);
    cfg.in_cn_pt = 13;
    struct rg_rng_seeded s;
    struct rg_rng rng = test_rng(&s, 9);
    struct rg_xc *xc = NULL;
    int rc = rg_xc_create(&cfg, &rng, &xc);
    rg_xc_destroy(xc);
    return rc;
}

static void create_oom_and_config(struct rg_t *t)
{
    rg_t_oom_step(t, xc_oom, NULL, 50);
    rg_t_oom_step(t, xc_oom, t, 50); /* with the resampler */
    struct rg_rng_seeded s;
    struct rg_rng rng = test_rng(&s, 9);
    struct rg_xc *xc = NULL;
    struct rg_xc_cfg c = base_cfg(RG_CODEC_OPUS, 111, RG_CODEC_PCMU, 0);
    c.out_te_pt = 0; /* events with the audio PT */
    CHECK_EQ_INT(t, rg_xc_create(&c, &rng, &xc), RG_EINVAL);
    c = base_cfg(RG_CODEC_OPUS, 111, RG_CODEC_PCMU, 0);
    c.in_te_pt = 111;
    CHECK_EQ_INT(t, rg_xc_create(&c, &rng, &xc), RG_EINVAL);
    c = base_cfg(RG_CODEC_G722, 9, RG_CODEC_OPUS, 111);
    c.sample_hz = 8000; /* G.722 cannot run at 8 kHz */
    CHECK_EQ_INT(t, rg_xc_create(&c, &rng, &xc), RG_EUNSUPP);
    c = base_cfg(RG_CODEC_PCMU, 0, RG_CODEC_PCMA, 8);
    c.out_ptime_ms = 25;
    CHECK_EQ_INT(t, rg_xc_create(&c, &rng, &xc), RG_EINVAL);
    c = base_cfg(RG_CODEC_PCMU, 0, RG_CODEC_TEL_EVENT, 101);
    CHECK_EQ_INT(t, rg_xc_create(&c, &rng, &xc), RG_EINVAL);
    CHECK(t, xc == NULL);
}

/* Unknown payload types and garbage never produce output or crash. */
static void junk_input(struct rg_t *t)
{
    struct rg_xc_cfg cfg = base_cfg(RG_CODEC_OPUS, 111, RG_CODEC_PCMU, 0);
    cfg.in_te_pt = 101;
    cfg.out_te_pt = 101;
    struct rg_rng_seeded s;
    struct rg_rng rng = test_rng(&s, 12);
    struct rg_xc *xc = NULL;
    REQUIRE(t, rg_xc_create(&cfg, &rng, &xc) == RG_OK);
    uint8_t junk[300];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(i * 91 + 7);
    struct rg_xc_in a = { junk, 40, 1, 100, 1, 96, false };
    CHECK_EQ_INT(t, rg_xc_push(xc, &a, 0), RG_ENOTFOUND);
    struct rg_xc_in ev = { junk, 3, 1, 100, 2, 101, false };
    CHECK_EQ_INT(t, rg_xc_push(xc, &ev, 0), RG_EBADMSG);
    struct rg_xc_out o;
    size_t outs = 0;
    for (int64_t now = 0; now < 2000000; now += 5000) {
        struct rg_xc_in p = { junk + (now / 5000) % 200, 1 + (size_t)(now / 5000) % 90, 1,
                              (uint32_t)(now / 20000 * 960), (uint16_t)(3 + now / 20000), 111,
                              false };
        if (now % 20000 == 0)
            (void)rg_xc_push(xc, &p, now);
        while (rg_xc_pull(xc, now, &o) == 1) {
            CHECK(t, o.pt == 0 && o.len == 160);
            outs++;
        }
    }
    CHECK(t, outs > 80); /* garbage is decoded or concealed, timing kept */
    rg_xc_destroy(xc);
}

static const struct rg_test_case cases[] = {
    { "codec_pairs", codec_pairs },
    { "repacketize", repacketize },
    { "rtp_fields_regenerated", rtp_fields_regenerated },
    { "dtmf_opus_to_pcmu", dtmf_opus_to_pcmu },
    { "dtmf_pcmu_to_opus", dtmf_pcmu_to_opus },
    { "dtmf_modes", dtmf_modes },
    { "dtmf_inband_fallback", dtmf_inband_fallback },
    { "loss_fec_and_plc", loss_fec_and_plc },
    { "rtcp_reports", rtcp_reports },
    { "speech_quality", speech_quality },
    { "cn_input_keeps_noise", cn_input_keeps_noise },
    { "opus_dtx_output", opus_dtx_output },
    { "create_oom_and_config", create_oom_and_config },
    { "junk_input", junk_input },
};

RG_TEST_MAIN(cases)
