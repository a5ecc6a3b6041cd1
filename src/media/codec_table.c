/*
 * codec_table.c — the one explicit list of codecs (see codec.h) and the
 * encoder/decoder wrappers that dispatch through it.
 */
#include "media/codec.h"

#include "core/alloc.h"

/* RFC 3551 §4.5.14: PCMU, static PT 0, 8 kHz. */
static const struct rg_codec codec_pcmu = {
    .id = RG_CODEC_PCMU, .name = "PCMU", .clock_hz = 8000, .channels = 1, .static_pt = 0,
    .sample_hz = 8000, .rates = { 8000 }, .frame_ms = 10, .ptime_min_ms = 10,
    .ptime_max_ms = 60, .flags = RG_CODEC_F_AUDIO, .ops = &rg_codec_ops_pcmu,
};
/* RFC 3551 §4.5.14: PCMA, static PT 8. */
static const struct rg_codec codec_pcma = {
    .id = RG_CODEC_PCMA, .name = "PCMA", .clock_hz = 8000, .channels = 1, .static_pt = 8,
    .sample_hz = 8000, .rates = { 8000 }, .frame_ms = 10, .ptime_min_ms = 10,
    .ptime_max_ms = 60, .flags = RG_CODEC_F_AUDIO, .ops = &rg_codec_ops_pcma,
};
/* RFC 3551 §4.5.2: G722, static PT 9, sampled at 16 kHz, RTP clock 8000. */
static const struct rg_codec codec_g722 = {
    .id = RG_CODEC_G722, .name = "G722", .clock_hz = 8000, .channels = 1, .static_pt = 9,
    .sample_hz = 16000, .rates = { 16000 }, .frame_ms = 10, .ptime_min_ms = 10,
    .ptime_max_ms = 60, .flags = RG_CODEC_F_AUDIO, .ops = &rg_codec_ops_g722,
};
/* RFC 3551 §4.5.6: G729, static PT 18, 10 ms frames, Annex B via "annexb". */
static const struct rg_codec codec_g729 = {
    .id = RG_CODEC_G729, .name = "G729", .clock_hz = 8000, .channels = 1, .static_pt = 18,
    .sample_hz = 8000, .rates = { 8000 }, .frame_ms = 10, .ptime_min_ms = 10,
    .ptime_max_ms = 60, .flags = RG_CODEC_F_AUDIO | RG_CODEC_F_DTX, .ops = &rg_codec_ops_g729,
};
/* RFC 7587 §4.1/§6.1: opus/48000/2, dynamic PT, 10..60 ms (§4.2 allows 2.5..120;
 * we pick a telephony subset in 10 ms steps). */
static const struct rg_codec codec_opus = {
    .id = RG_CODEC_OPUS, .name = "opus", .clock_hz = 48000, .channels = 2, .static_pt = -1,
    .sample_hz = 48000, .rates = { 8000, 16000, 48000 }, .frame_ms = 10, .ptime_min_ms = 10,
    .ptime_max_ms = 60,
    .flags = RG_CODEC_F_AUDIO | RG_CODEC_F_FEC | RG_CODEC_F_DTX | RG_CODEC_F_VARRATE,
    .ops = &rg_codec_ops_opus,
};
/* RFC 3389 / RFC 3551 §4.5.3: CN, static PT 13 (8000; other rates use a dynamic PT). */
static const struct rg_codec codec_cn = {
    .id = RG_CODEC_CN, .name = "CN", .clock_hz = 8000, .channels = 1, .static_pt = 13,
    .sample_hz = 8000, .rates = { 8000, 16000, 48000 }, .frame_ms = 10, .ptime_min_ms = 10,
    .ptime_max_ms = 60, .flags = RG_CODEC_F_VARRATE, .ops = &rg_codec_ops_cn,
};
/* RFC 4733 §7.1.1: telephone-event, dynamic PT, clock of the audio codec. */
static const struct rg_codec codec_tel_event = {
    .id = RG_CODEC_TEL_EVENT, .name = "telephone-event", .clock_hz = 8000, .channels = 1,
    .static_pt = -1, .sample_hz = 8000, .rates = { 8000, 16000, 48000 }, .frame_ms = 10,
    .ptime_min_ms = 10, .ptime_max_ms = 60, .flags = 0, .ops = NULL,
};

/* THE table: order is the default offer preference. */
static const struct rg_codec *const rg_codecs[] = {
    [RG_CODEC_PCMU] = &codec_pcmu,          [RG_CODEC_PCMA] = &codec_pcma,
    [RG_CODEC_G722] = &codec_g722,          [RG_CODEC_G729] = &codec_g729,
    [RG_CODEC_OPUS] = &codec_opus,          [RG_CODEC_CN] = &codec_cn,
    [RG_CODEC_TEL_EVENT] = &codec_tel_event,
};

/* Vendor codecEntry "codec <type>" names (vendor-config-model.md §2.6). */
struct rg_codec_cfg_name {
    const char *cfg;
    enum rg_codec_id ids[2];
    size_t n;
    bool silence_supp;
};

static const struct rg_codec_cfg_name rg_codec_cfg_names[] = {
    { "g711", { RG_CODEC_PCMU, RG_CODEC_PCMA }, 2, false },
    { "g711ss", { RG_CODEC_PCMU, RG_CODEC_PCMA }, 2, true },
    { "g711u", { RG_CODEC_PCMU }, 1, false },
    { "g711a", { RG_CODEC_PCMA }, 1, false },
    { "g722", { RG_CODEC_G722 }, 1, false },
    { "g729", { RG_CODEC_G729 }, 1, false },
    { "g729a", { RG_CODEC_G729 }, 1, false },
    { "g729ab", { RG_CODEC_G729 }, 1, true },
    { "opus", { RG_CODEC_OPUS }, 1, false },
};

size_t rg_codec_count(void)
{
    return sizeof(rg_codecs) / sizeof(rg_codecs[0]);
}

const struct rg_codec *rg_codec_at(size_t i)
{
    return i < rg_codec_count() ? rg_codecs[i] : rg_codecs[0];
}

const struct rg_codec *rg_codec_by_id(enum rg_codec_id id)
{
    if ((unsigned)id >= rg_codec_count())
        return NULL;
    return rg_codecs[id];
}

const struct rg_codec *rg_codec_find(struct rg_str name, unsigned clock_hz)
{
    for (size_t i = 0; i < rg_codec_count(); i++) {
        const struct rg_codec *c = rg_codecs[i];
        if (!rg_str_caseeq_cstr(name, c->name))
            continue;
        /* telephone-event and CN follow the audio clock (RFC 4733 §7.1.1). */
        if (c->clock_hz == clock_hz || (rg_codec_rate_ok(c, clock_hz) && !c->ops) ||
            (c->id == RG_CODEC_CN && rg_codec_rate_ok(c, clock_hz)))
            return c;
    }
    return NULL;
}

const struct rg_codec *rg_codec_by_static_pt(int pt)
{
    for (size_t i = 0; i < rg_codec_count(); i++)
        if (pt >= 0 && rg_codecs[i]->static_pt == pt)
            return rg_codecs[i];
    return NULL;
}

int rg_codec_cfg_lookup(struct rg_str cfg_name, const struct rg_codec **out, size_t max,
                        bool *silence_supp)
{
    size_t n = sizeof(rg_codec_cfg_names) / sizeof(rg_codec_cfg_names[0]);
    for (size_t i = 0; i < n; i++) {
        const struct rg_codec_cfg_name *e = &rg_codec_cfg_names[i];
        if (!rg_str_caseeq_cstr(cfg_name, e->cfg))
            continue;
        if (e->n > max)
            return RG_ELIMIT;
        for (size_t k = 0; k < e->n; k++)
            out[k] = rg_codecs[e->ids[k]];
        if (silence_supp)
            *silence_supp = e->silence_supp;
        return (int)e->n;
    }
    return RG_ENOTFOUND;
}

bool rg_codec_rate_ok(const struct rg_codec *c, unsigned sample_hz)
{
    for (size_t i = 0; i < 4 && c->rates[i]; i++)
        if (c->rates[i] == sample_hz)
            return true;
    return false;
}

uint32_t rg_codec_samples_to_ts(const struct rg_codec *c, unsigned sample_hz, uint32_t n)
{
    return (uint32_t)((uint64_t)n * c->clock_hz / sample_hz);
}

uint32_t rg_codec_ts_to_samples(const struct rg_codec *c, unsigned sample_hz, uint32_t ts)
{
    return (uint32_t)((uint64_t)ts * sample_hz / c->clock_hz);
}

bool rg_codec_ptime_ok(const struct rg_codec *c, unsigned ptime_ms)
{
    return ptime_ms >= c->ptime_min_ms && ptime_ms <= c->ptime_max_ms &&
           ptime_ms % c->frame_ms == 0;
}

static unsigned codec_rate(const struct rg_codec *c, const struct rg_codec_params *p)
{
    unsigned hz = p && p->sample_hz ? p->sample_hz : c->sample_hz;
    return rg_codec_rate_ok(c, hz) ? hz : 0;
}

int rg_codec_enc_create(const struct rg_codec *c, const struct rg_codec_params *p,
                        struct rg_codec_enc **out)
{
    unsigned hz = c && c->ops ? codec_rate(c, p) : 0;
    if (!hz)
        return RG_EINVAL;
    struct rg_codec_enc *e = rg_calloc(1, sizeof(*e));
    if (!e)
        return RG_ENOMEM;
    e->codec = c;
    e->sample_hz = hz;
    int rc = c->ops->enc_create(p, hz, &e->st);
    if (rc < 0) {
        rg_free(e);
        return rc;
    }
    *out = e;
    return RG_OK;
}

void rg_codec_enc_destroy(struct rg_codec_enc *e)
{
    if (!e)
        return;
    e->codec->ops->enc_destroy(e->st);
    rg_free(e);
}

int rg_codec_encode(struct rg_codec_enc *e, const int16_t *pcm, size_t n, uint8_t *out,
                    size_t out_max)
{
    return e->codec->ops->encode(e->st, pcm, n, out, out_max);
}

int rg_codec_dec_create(const struct rg_codec *c, const struct rg_codec_params *p,
                        struct rg_codec_dec **out)
{
    unsigned hz = c && c->ops ? codec_rate(c, p) : 0;
    if (!hz)
        return RG_EINVAL;
    struct rg_codec_dec *d = rg_calloc(1, sizeof(*d));
    if (!d)
        return RG_ENOMEM;
    d->codec = c;
    d->sample_hz = hz;
    int rc = c->ops->dec_create(p, hz, &d->st);
    if (rc < 0) {
        rg_free(d);
        return rc;
    }
    *out = d;
    return RG_OK;
}

void rg_codec_dec_destroy(struct rg_codec_dec *d)
{
    if (!d)
        return;
    d->codec->ops->dec_destroy(d->st);
    rg_free(d);
}

int rg_codec_decode(struct rg_codec_dec *d, const uint8_t *in, size_t len, int16_t *pcm,
                    size_t max)
{
    if (!in || len == 0)
        return RG_EBADMSG;
    return d->codec->ops->decode(d->st, in, len, pcm, max);
}

int rg_codec_conceal(struct rg_codec_dec *d, int16_t *pcm, size_t n)
{
    return d->codec->ops->conceal(d->st, pcm, n);
}

int rg_codec_decode_fec(struct rg_codec_dec *d, const uint8_t *in, size_t len, int16_t *pcm,
                        size_t n)
{
    if (!d->codec->ops->decode_fec)
        return RG_EUNSUPP;
    return d->codec->ops->decode_fec(d->st, in, len, pcm, n);
}
