/* Unit tests for src/media codecs: G.711 tables, the codec table, each
 * coder's tone round trip, Opus FEC vs PLC, CN levels, OOM stepping. */
#include "harness.h"

#include <opus/opus.h>
#include <spandsp.h>

#include "media/codec.h"
#include "media/g711.h"
#include "media/resample.h"
#include "media_util.h"

/* Bit-exact against spandsp's independent G.711 implementation for every
 * input, plus reference points from ITU-T G.711 Tables 1a/2a (decoder
 * output values at 16-bit scale, as in the G.191 reference software).
 * Negative μ-law inputs: G.191 takes the one's complement (|x| - 1) as the
 * magnitude while spandsp 0.0.6 takes -x, so ours at x equals spandsp's at
 * x + 1 — which pins the G.191 rule exactly. */
static void g711_tables(struct rg_t *t)
{
    int bad_u = 0, bad_a = 0;
    for (int x = -32768; x <= 32767; x++) {
        if (x >= 0)
            bad_u += rg_g711_ulaw_encode((int16_t)x) != linear_to_ulaw(x);
        else if (x < -1)
            bad_u += rg_g711_ulaw_encode((int16_t)x) != linear_to_ulaw(x + 1);
        bad_a += rg_g711_alaw_encode((int16_t)x) != linear_to_alaw(x);
    }
    CHECK_EQ_INT(t, bad_u, 0);
    CHECK_EQ_INT(t, bad_a, 0);
    for (int c = 0; c < 256; c++) {
        CHECK_EQ_INT(t, rg_g711_ulaw_decode((uint8_t)c), ulaw_to_linear((uint8_t)c));
        CHECK_EQ_INT(t, rg_g711_alaw_decode((uint8_t)c), alaw_to_linear((uint8_t)c));
    }
    CHECK_EQ_INT(t, rg_g711_ulaw_decode(0x00), -32124);
    CHECK_EQ_INT(t, rg_g711_ulaw_decode(0x80), 32124);
    CHECK_EQ_INT(t, rg_g711_ulaw_decode(0xFF), 0);
    CHECK_EQ_INT(t, rg_g711_ulaw_decode(0x7F), 0);
    CHECK_EQ_INT(t, rg_g711_ulaw_decode(0xF0), 120); /* segment 0 step 8, mid-point */
    CHECK_EQ_INT(t, rg_g711_alaw_decode(0xD5), 8);
    CHECK_EQ_INT(t, rg_g711_alaw_decode(0x55), -8);
    CHECK_EQ_INT(t, rg_g711_alaw_decode(0xAA), 32256);
    CHECK_EQ_INT(t, rg_g711_alaw_decode(0x2A), -32256);
    CHECK_EQ_INT(t, rg_g711_ulaw_encode(0), 0xFF);
    CHECK_EQ_INT(t, rg_g711_ulaw_encode(-1), 0x7F);
    CHECK_EQ_INT(t, rg_g711_alaw_encode(0), 0xD5);
    CHECK_EQ_INT(t, rg_g711_ulaw_encode(32767), 0x80);
    CHECK_EQ_INT(t, rg_g711_alaw_encode(-32768), 0x2A);
    /* Every code but μ-law's negative zero survives decode + encode. */
    for (int c = 0; c < 256; c++) {
        CHECK_EQ_INT(t, rg_g711_alaw_encode(rg_g711_alaw_decode((uint8_t)c)), c);
        if (c != 0x7F)
            CHECK_EQ_INT(t, rg_g711_ulaw_encode(rg_g711_ulaw_decode((uint8_t)c)), c);
    }
}

static void codec_table(struct rg_t *t)
{
    CHECK(t, rg_codec_count() == RG_CODEC_COUNT);
    for (size_t i = 0; i < rg_codec_count(); i++)
        CHECK_EQ_INT(t, rg_codec_at(i)->id, i);
    CHECK(t, rg_codec_by_static_pt(0) == rg_codec_by_id(RG_CODEC_PCMU));
    CHECK(t, rg_codec_by_static_pt(8) == rg_codec_by_id(RG_CODEC_PCMA));
    CHECK(t, rg_codec_by_static_pt(9) == rg_codec_by_id(RG_CODEC_G722));
    CHECK(t, rg_codec_by_static_pt(18) == rg_codec_by_id(RG_CODEC_G729));
    CHECK(t, rg_codec_by_static_pt(13) == rg_codec_by_id(RG_CODEC_CN));
    CHECK(t, rg_codec_by_static_pt(96) == NULL);
    CHECK(t, rg_codec_find(RG_STR_LIT("OPUS"), 48000) == rg_codec_by_id(RG_CODEC_OPUS));
    CHECK(t, rg_codec_find(RG_STR_LIT("opus"), 8000) == NULL);
    CHECK(t, rg_codec_find(RG_STR_LIT("G722"), 8000) == rg_codec_by_id(RG_CODEC_G722));
    CHECK(t, rg_codec_find(RG_STR_LIT("G722"), 16000) == NULL); /* RFC 3551 §4.5.2 */
    CHECK(t, rg_codec_find(RG_STR_LIT("telephone-event"), 48000) ==
                 rg_codec_by_id(RG_CODEC_TEL_EVENT));
    CHECK(t, rg_codec_find(RG_STR_LIT("telephone-event"), 8000) ==
                 rg_codec_by_id(RG_CODEC_TEL_EVENT));
    CHECK(t, rg_codec_find(RG_STR_LIT("telephone-event"), 11025) == NULL);
    const struct rg_codec *c[2];
    bool ss = true;
    CHECK_EQ_INT(t, rg_codec_cfg_lookup(RG_STR_LIT("g711"), c, 2, &ss), 2);
    CHECK(t, c[0]->id == RG_CODEC_PCMU && c[1]->id == RG_CODEC_PCMA && !ss);
    CHECK_EQ_INT(t, rg_codec_cfg_lookup(RG_STR_LIT("G729AB"), c, 2, &ss), 1);
    CHECK(t, c[0]->id == RG_CODEC_G729 && ss);
    CHECK_EQ_INT(t, rg_codec_cfg_lookup(RG_STR_LIT("opus"), c, 2, &ss), 1);
    CHECK_EQ_INT(t, rg_codec_cfg_lookup(RG_STR_LIT("g711"), c, 1, &ss), RG_ELIMIT);
    CHECK_EQ_INT(t, rg_codec_cfg_lookup(RG_STR_LIT("amr"), c, 2, &ss), RG_ENOTFOUND);
    const struct rg_codec *g722 = rg_codec_by_id(RG_CODEC_G722);
    const struct rg_codec *opus = rg_codec_by_id(RG_CODEC_OPUS);
    CHECK_EQ_INT(t, rg_codec_samples_to_ts(g722, 16000, 320), 160);
    CHECK_EQ_INT(t, rg_codec_samples_to_ts(opus, 8000, 160), 960);
    CHECK_EQ_INT(t, rg_codec_ts_to_samples(opus, 16000, 960), 320);
    CHECK(t, rg_codec_ptime_ok(opus, 60) && !rg_codec_ptime_ok(opus, 70));
    CHECK(t, !rg_codec_ptime_ok(rg_codec_by_id(RG_CODEC_PCMU), 25));
    struct rg_codec_enc *e = NULL;
    struct rg_codec_params p = { .sample_hz = 8000 };
    CHECK_EQ_INT(t, rg_codec_enc_create(g722, &p, &e), RG_EINVAL); /* G.722 is 16 kHz */
    CHECK_EQ_INT(t, rg_codec_enc_create(rg_codec_by_id(RG_CODEC_TEL_EVENT), NULL, &e), RG_EINVAL);
    CHECK(t, e == NULL);
}

/* Encodes 1 s of a 1 kHz tone in 20 ms packets and decodes it again. */
static void tone_round_trip(struct rg_t *t, enum rg_codec_id id, unsigned rate)
{
    const struct rg_codec *c = rg_codec_by_id(id);
    struct rg_codec_params p = { .sample_hz = rate, .bitrate_bps = rate == 8000 ? 16000 : 24000 };
    struct rg_codec_enc *e = NULL;
    struct rg_codec_dec *d = NULL;
    REQUIRE(t, rg_codec_enc_create(c, &p, &e) == RG_OK);
    REQUIRE(t, rg_codec_dec_create(c, &p, &d) == RG_OK);
    size_t n = rate, frame = rate / 50, got = 0;
    int16_t *in = rg_malloc(n * sizeof(int16_t)), *out = rg_malloc(n * sizeof(int16_t));
    REQUIRE(t, in && out);
    mt_sine(in, n, 1000, rate, 8000);
    for (size_t off = 0; off + frame <= n; off += frame) {
        uint8_t pkt[RG_CODEC_MAX_PAYLOAD];
        int len = rg_codec_encode(e, in + off, frame, pkt, sizeof(pkt));
        CHECK(t, len > 0);
        if (len <= 0)
            break;
        int m = rg_codec_decode(d, pkt, (size_t)len, out + got, n - got);
        CHECK_EQ_INT(t, m, frame);
        if (m > 0)
            got += (size_t)m;
    }
    CHECK_EQ_INT(t, got, n);
    /* skip the codec's start-up (first 100 ms) */
    size_t skip = rate / 10;
    double margin = mt_tone_margin_db(out + skip, got - skip, 1000, rate);
    double lvl_in = mt_dbfs(in + skip, got - skip), lvl_out = mt_dbfs(out + skip, got - skip);
    if (margin < 25 || fabs(lvl_in - lvl_out) > 3)
        fprintf(stderr, "    %s@%u: margin %.1f dB, level %.1f -> %.1f dBFS\n", c->name, rate,
                margin, lvl_in, lvl_out);
    CHECK(t, margin >= 25);
    CHECK(t, fabs(lvl_in - lvl_out) <= 3);
    rg_free(in);
    rg_free(out);
    rg_codec_enc_destroy(e);
    rg_codec_dec_destroy(d);
}

static void coder_tones(struct rg_t *t)
{
    tone_round_trip(t, RG_CODEC_PCMU, 8000);
    tone_round_trip(t, RG_CODEC_PCMA, 8000);
    tone_round_trip(t, RG_CODEC_G722, 16000);
    tone_round_trip(t, RG_CODEC_G729, 8000);
    tone_round_trip(t, RG_CODEC_OPUS, 8000);
    tone_round_trip(t, RG_CODEC_OPUS, 16000);
    tone_round_trip(t, RG_CODEC_OPUS, 48000);
}

/* Decodes the same Opus stream with every 4th packet lost, once concealing
 * with PLC and once rebuilding from the next packet's FEC; FEC must track
 * the loss-free decode measurably better. */
static void opus_fec_beats_plc(struct rg_t *t)
{
    const struct rg_codec *c = rg_codec_by_id(RG_CODEC_OPUS);
    const unsigned rate = 8000;
    const size_t frame = 160, n = 4 * rate;
    struct rg_codec_params p = { .sample_hz = rate, .bitrate_bps = 20000, .fec = true,
                                 .loss_pct = 25, .complexity = 5 };
    struct rg_codec_enc *e = NULL;
    struct rg_codec_dec *clean = NULL, *plc = NULL, *fec = NULL;
    REQUIRE(t, rg_codec_enc_create(c, &p, &e) == RG_OK);
    REQUIRE(t, rg_codec_dec_create(c, &p, &clean) == RG_OK);
    REQUIRE(t, rg_codec_dec_create(c, &p, &plc) == RG_OK);
    REQUIRE(t, rg_codec_dec_create(c, &p, &fec) == RG_OK);
    int16_t *in = rg_malloc(n * 2), *o0 = rg_malloc(n * 2), *o1 = rg_malloc(n * 2),
            *o2 = rg_malloc(n * 2);
    REQUIRE(t, in && o0 && o1 && o2);
    rg_quality_speechlike(in, n, rate, 7);
    uint8_t pk[2][400];
    int len[2] = { 0, 0 };
    for (size_t f = 0; f * frame < n; f++) {
        int cur = (int)(f % 2);
        len[cur] = rg_codec_encode(e, in + f * frame, frame, pk[cur], sizeof(pk[cur]));
        REQUIRE(t, len[cur] > 0);
        CHECK_EQ_INT(t, rg_codec_decode(clean, pk[cur], (size_t)len[cur], o0 + f * frame, frame),
                     frame);
        bool lost = f % 4 == 2;
        if (lost)
            continue; /* handled when the next packet arrives */
        if (f % 4 == 3) {
            size_t at = (f - 1) * frame;
            CHECK_EQ_INT(t, rg_codec_conceal(plc, o1 + at, frame), frame);
            CHECK_EQ_INT(t, rg_codec_decode_fec(fec, pk[cur], (size_t)len[cur], o2 + at, frame),
                         frame);
        }
        CHECK_EQ_INT(t, rg_codec_decode(plc, pk[cur], (size_t)len[cur], o1 + f * frame, frame),
                     frame);
        CHECK_EQ_INT(t, rg_codec_decode(fec, pk[cur], (size_t)len[cur], o2 + f * frame, frame),
                     frame);
    }
    double snr_plc = rg_quality_segsnr(o0, o1, n, rate), snr_fec = rg_quality_segsnr(o0, o2, n, rate);
    double lsd_plc = rg_quality_lsd(o0, o1, n), lsd_fec = rg_quality_lsd(o0, o2, n);
    fprintf(stderr, "    opus 25%% loss: segSNR plc %.2f fec %.2f dB; LSD plc %.2f fec %.2f dB\n",
            snr_plc, snr_fec, lsd_plc, lsd_fec);
    CHECK(t, snr_fec > snr_plc + 0.5);
    CHECK(t, lsd_fec < lsd_plc - 1.0);
    rg_free(in);
    rg_free(o0);
    rg_free(o1);
    rg_free(o2);
    rg_codec_enc_destroy(e);
    rg_codec_dec_destroy(clean);
    rg_codec_dec_destroy(plc);
    rg_codec_dec_destroy(fec);
}

/* RFC 3389: the level byte written for a noise frame reproduces that level. */
static void cn_levels(struct rg_t *t)
{
    const struct rg_codec *c = rg_codec_by_id(RG_CODEC_CN);
    struct rg_codec_enc *e = NULL;
    struct rg_codec_dec *d = NULL;
    REQUIRE(t, rg_codec_enc_create(c, NULL, &e) == RG_OK);
    REQUIRE(t, rg_codec_dec_create(c, NULL, &d) == RG_OK);
    int16_t in[160], out[160], more[800];
    mt_sine(in, 160, 400, 8000, 3276.7 * sqrt(2.0)); /* rms = -20 dBFS */
    uint8_t pl[4];
    CHECK_EQ_INT(t, rg_codec_encode(e, in, 160, pl, sizeof(pl)), 1);
    CHECK_EQ_INT(t, pl[0], 20);
    CHECK_EQ_INT(t, rg_codec_decode(d, pl, 1, out, 160), 160);
    CHECK(t, fabs(mt_dbfs(out, 160) + 20) < 1.5);
    CHECK_EQ_INT(t, rg_codec_conceal(d, more, 800), 800); /* noise continues */
    CHECK(t, fabs(mt_dbfs(more, 800) + 20) < 1.0);
    uint8_t quiet[3] = { 70, 0x81, 0x22 }; /* -70 dBov plus two reflection coefficients */
    CHECK_EQ_INT(t, rg_codec_decode(d, quiet, 3, out, 160), 160);
    CHECK(t, mt_dbfs(out, 160) < -66 && mt_dbfs(out, 160) > -74);
    uint8_t bad = 0x80; /* reserved MSB */
    CHECK_EQ_INT(t, rg_codec_decode(d, &bad, 1, out, 160), RG_EBADMSG);
    rg_codec_enc_destroy(e);
    rg_codec_dec_destroy(d);
}

/* G.729 Annex B: silence gives SID (2 bytes) or nothing; the decoder turns
 * SID into quiet comfort noise and continues it on untransmitted frames. */
static void g729_dtx(struct rg_t *t)
{
    const struct rg_codec *c = rg_codec_by_id(RG_CODEC_G729);
    struct rg_codec_params p = { .dtx = true };
    struct rg_codec_enc *e = NULL;
    struct rg_codec_dec *d = NULL;
    REQUIRE(t, rg_codec_enc_create(c, &p, &e) == RG_OK);
    REQUIRE(t, rg_codec_dec_create(c, &p, &d) == RG_OK);
    int16_t sil[160] = { 0 }, out[160];
    int voice = 0, sid = 0, none = 0;
    for (int i = 0; i < 50; i++) {
        uint8_t pl[32];
        for (int k = 0; k < 160; k++)
            sil[k] = (int16_t)((k * 7919 + i * 31) % 17 - 8); /* very low noise */
        int len = rg_codec_encode(e, sil, 160, pl, sizeof(pl));
        REQUIRE(t, len >= 0);
        if (len == 0) {
            none++;
            CHECK_EQ_INT(t, rg_codec_conceal(d, out, 160), 160);
            continue;
        }
        voice += len >= 10;
        sid += len % 10 == 2;
        CHECK(t, len % 10 == 0 || len % 10 == 2);
        CHECK(t, rg_codec_decode(d, pl, (size_t)len, out, 160) > 0);
    }
    CHECK(t, sid > 0);
    CHECK(t, none > 20);
    CHECK(t, mt_dbfs(out, 160) < -50);
    uint8_t bad[7] = { 0 };
    CHECK_EQ_INT(t, rg_codec_decode(d, bad, 7, out, 160), RG_EBADMSG);
    rg_codec_enc_destroy(e);
    rg_codec_dec_destroy(d);
}

/* G.711 PLC continues a voiced signal instead of dropping to silence. */
static void g711_plc(struct rg_t *t)
{
    struct rg_codec_dec *d = NULL;
    REQUIRE(t, rg_codec_dec_create(rg_codec_by_id(RG_CODEC_PCMA), NULL, &d) == RG_OK);
    int16_t tone[480], pcm[480], lost[160];
    uint8_t pl[480];
    mt_sine(tone, 480, 440, 8000, 6000);
    rg_g711_alaw_encode_buf(tone, 480, pl);
    CHECK_EQ_INT(t, rg_codec_decode(d, pl, 480, pcm, 480), 480);
    CHECK_EQ_INT(t, rg_codec_conceal(d, lost, 160), 160);
    CHECK(t, mt_dbfs(lost, 160) > mt_dbfs(tone, 480) - 6);
    CHECK(t, mt_tone_margin_db(lost, 160, 440, 8000) > 10);
    rg_codec_dec_destroy(d);
}

/* 2:1 resampler: passband kept, alias/image rejected, chunking invisible. */
static void resampler(struct rg_t *t)
{
    struct rg_resampler r, r2;
    CHECK(t, !rg_resampler_init(&r, 48000, 8000));
    CHECK(t, !rg_resampler_init(&r, 8000, 8000));
    static int16_t in[16000], out[16000], out2[16000];
    /* down: 1 kHz passes, 5 kHz (would alias to 3 kHz) is removed */
    REQUIRE(t, rg_resampler_init(&r, 16000, 8000));
    mt_sine(in, 16000, 1000, 16000, 10000);
    size_t n = rg_resampler_run(&r, in, 16000, out);
    CHECK_EQ_INT(t, n, 8000);
    CHECK(t, fabs(mt_dbfs(out + 400, 7000) - mt_dbfs(in, 16000)) < 0.5);
    REQUIRE(t, rg_resampler_init(&r, 16000, 8000));
    mt_sine(in, 16000, 5000, 16000, 10000);
    n = rg_resampler_run(&r, in, 16000, out);
    CHECK(t, mt_dbfs(out + 400, 7000) < mt_dbfs(in, 16000) - 40);
    /* up: 1 kHz passes, its 7 kHz image is removed */
    REQUIRE(t, rg_resampler_init(&r, 8000, 16000));
    mt_sine(in, 8000, 1000, 8000, 10000);
    n = rg_resampler_run(&r, in, 8000, out);
    CHECK_EQ_INT(t, n, 16000);
    CHECK(t, fabs(mt_dbfs(out + 800, 14000) - mt_dbfs(in, 8000)) < 0.5);
    double img = rg_quality_tone_power(out + 800, 14000, 7000, 16000);
    double sig = rg_quality_tone_power(out + 800, 14000, 1000, 16000);
    CHECK(t, 10 * log10(sig / (img + 1e-9)) > 40);
    /* odd-sized chunks give the same stream as one call */
    REQUIRE(t, rg_resampler_init(&r, 16000, 8000));
    REQUIRE(t, rg_resampler_init(&r2, 16000, 8000));
    mt_sine(in, 16000, 700, 16000, 9000);
    size_t a = rg_resampler_run(&r, in, 16000, out), b = 0;
    for (size_t off = 0; off < 16000; off += 7)
        b += rg_resampler_run(&r2, in + off, off + 7 <= 16000 ? 7 : 16000 - off, out2 + b);
    CHECK_EQ_INT(t, a, b);
    CHECK(t, memcmp(out, out2, a * sizeof(int16_t)) == 0);
}

static int create_all(void *arg)
{
    (void)arg;
    for (size_t i = 0; i < rg_codec_count(); i++) {
        const struct rg_codec *c = rg_codec_at(i);
        if (!c->ops)
            continue;
        struct rg_codec_params p = { .sample_hz = c->sample_hz, .fec = true };
        struct rg_codec_enc *e = NULL;
        struct rg_codec_dec *d = NULL;
        int rc = rg_codec_enc_create(c, &p, &e);
        if (rc < 0)
            return rc;
        rc = rg_codec_dec_create(c, &p, &d);
        rg_codec_enc_destroy(e);
        if (rc < 0)
            return rc;
        rg_codec_dec_destroy(d);
    }
    return RG_OK;
}

static void codec_oom(struct rg_t *t)
{
    rg_t_oom_step(t, create_all, NULL, 200);
}

/* Malformed payloads never crash a decoder and are reported. */
static void decoder_garbage(struct rg_t *t)
{
    int16_t pcm[RG_CODEC_MAX_FRAME_SAMPLES];
    uint8_t junk[1600];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    for (size_t i = 0; i < rg_codec_count(); i++) {
        const struct rg_codec *c = rg_codec_at(i);
        if (!c->ops)
            continue;
        struct rg_codec_dec *d = NULL;
        REQUIRE(t, rg_codec_dec_create(c, NULL, &d) == RG_OK);
        for (size_t len = 0; len < sizeof(junk); len = len * 2 + 1) {
            int n = rg_codec_decode(d, junk, len, pcm, RG_CODEC_MAX_FRAME_SAMPLES);
            CHECK(t, n <= RG_CODEC_MAX_FRAME_SAMPLES);
        }
        CHECK_EQ_INT(t, rg_codec_decode(d, junk, 0, pcm, 100), RG_EBADMSG);
        rg_codec_dec_destroy(d);
    }
}

static const struct rg_test_case cases[] = {
    { "g711_tables", g711_tables },       { "codec_table", codec_table },
    { "coder_tones", coder_tones },       { "opus_fec_beats_plc", opus_fec_beats_plc },
    { "cn_levels", cn_levels },           { "g729_dtx", g729_dtx },
    { "g711_plc", g711_plc },             { "codec_oom", codec_oom },
    { "decoder_garbage", decoder_garbage }, { "resampler", resampler },
};

RG_TEST_MAIN(cases)
