/* One direction of a transcoded stream (see transcode.h). */
#include "media/transcode.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "media/resample.h"
#include "media/rtcp_stats.h"

/* An event without end packets is closed after this long (RFC 4733 §2.5.2.2
 * lets receivers time out; 3 × the usual 50 ms update interval plus slack). */
#define XC_DTMF_TIMEOUT_US 500000
#define XC_MAX_STEPS 64 /* jitter-buffer steps per pull (bounded work) */

struct rg_xc_qent {
    uint32_t ts;
    uint16_t seq;
    uint16_t len;
    uint8_t pt;
    bool marker;
};

struct rg_xc {
    struct rg_xc_cfg cfg;
    unsigned rate;    /* FIFO and encoder rate */
    unsigned in_rate; /* decoder rate (differs only with the resampler) */
    bool use_rs;
    struct rg_resampler rs;
    int16_t *rsbuf;   /* resampled copy of scratch */
    struct rg_codec_dec *dec;
    struct rg_codec_dec *cn_dec;
    struct rg_codec_enc *enc;
    bool in_cn;        /* the last frame was comfort noise */
    int64_t cn_next_us; /* CN generation while the sender is silent; 0 = off */
    struct rg_jb jb;
    /* PCM */
    int16_t *scratch; /* one decoded packet */
    size_t scratch_cap;
    int16_t *fifo;
    size_t fifo_len, fifo_cap, out_frame;
    /* output timeline */
    uint32_t out_ssrc, out_ts;
    uint16_t out_seq;
    bool marker_next, emitted;
    int64_t last_emit_us;
    /* DTMF */
    struct rg_dtmf_relay dtmf;
    bool dtmf_on, dtmf_inband;
    int64_t dtmf_last_us, suppress_until_us;
    double tone_phase[2];
    /* output queue */
    struct rg_xc_qent q[RG_XC_QUEUE];
    uint8_t *qstore;
    size_t q_max;
    unsigned q_head, q_len;
    /* RTCP */
    struct rg_rtcp_rx rx;
    struct rg_rtcp_tx tx;
    struct rg_xc_stats st;
};

/* Largest payload for one output packet of ptime_ms. */
static size_t out_payload_max(const struct rg_codec *c, unsigned ptime_ms)
{
    switch (c->id) {
    case RG_CODEC_PCMU:
    case RG_CODEC_PCMA:
    case RG_CODEC_G722:
        return 8 * ptime_ms;
    case RG_CODEC_G729:
        return ptime_ms + 2;
    default:
        /* Opus: up to 128 kbit/s leaves libopus room at any telephony rate. */
        return 16 * ptime_ms + 8 > RG_CODEC_MAX_PAYLOAD ? RG_CODEC_MAX_PAYLOAD
                                                       : 16 * ptime_ms + 8;
    }
}

static size_t in_payload_max(const struct rg_xc_cfg *cfg)
{
    if (cfg->max_in_payload)
        return cfg->max_in_payload > RG_CODEC_MAX_PAYLOAD * 3 ? RG_CODEC_MAX_PAYLOAD * 3
                                                             : cfg->max_in_payload;
    if (cfg->in_codec->id == RG_CODEC_OPUS)
        return RG_CODEC_MAX_PAYLOAD;
    return out_payload_max(cfg->in_codec, 120);
}

/* Decoder and encoder rates: equal whenever one side is Opus (it runs at
 * the other side's rate); 16 <-> 8 kHz between fixed-rate codecs goes
 * through the resampler; anything else is RG_EUNSUPP. */
static int pick_rates(const struct rg_xc_cfg *cfg, unsigned *in_hz, unsigned *out_hz)
{
    const struct rg_codec *a = cfg->in_codec, *b = cfg->out_codec;
    unsigned ia, ob;
    if (cfg->sample_hz) {
        ia = ob = cfg->sample_hz;
    } else if (!(a->flags & RG_CODEC_F_VARRATE)) {
        ia = a->sample_hz;
        ob = rg_codec_rate_ok(b, ia) ? ia : b->sample_hz;
    } else if (!(b->flags & RG_CODEC_F_VARRATE)) {
        ob = b->sample_hz;
        ia = rg_codec_rate_ok(a, ob) ? ob : a->sample_hz;
    } else {
        ia = ob = a->sample_hz;
    }
    if (!rg_codec_rate_ok(a, ia) || !rg_codec_rate_ok(b, ob))
        return RG_EUNSUPP;
    if (ia != ob && !((ia == 16000 && ob == 8000) || (ia == 8000 && ob == 16000)))
        return RG_EUNSUPP;
    *in_hz = ia;
    *out_hz = ob;
    return RG_OK;
}

static int check_cfg(const struct rg_xc_cfg *c)
{
    if (!c->in_codec || !c->out_codec || !c->in_codec->ops || !c->out_codec->ops ||
        !(c->in_codec->flags & RG_CODEC_F_AUDIO) || !(c->out_codec->flags & RG_CODEC_F_AUDIO))
        return RG_EINVAL;
    if (c->in_pt < 0 || c->in_pt > 127 || c->out_pt < 0 || c->out_pt > 127 ||
        c->in_te_pt > 127 || c->out_te_pt > 127 || c->in_cn_pt > 127)
        return RG_EINVAL;
    if (c->in_te_pt == c->in_pt || c->in_cn_pt == c->in_pt || c->out_te_pt == c->out_pt)
        return RG_EINVAL; /* an event must never share the audio PT */
    if (!rg_codec_ptime_ok(c->out_codec, c->out_ptime_ms))
        return RG_EINVAL;
    if (c->in_ptime_ms && (c->in_ptime_ms < 10 || c->in_ptime_ms > 120))
        return RG_EINVAL;
    return RG_OK;
}

static void setup_dtmf(struct rg_xc *xc)
{
    const struct rg_xc_cfg *c = &xc->cfg;
    bool has_te = c->out_te_pt >= 0;
    bool relay = false, report = false;
    switch (c->dtmf_mode) {
    case RG_DTMF_RFC2833:
        relay = has_te;
        xc->dtmf_inband = !has_te;
        break;
    case RG_DTMF_BOTH:
        relay = has_te;
        report = true;
        xc->dtmf_inband = !has_te;
        break;
    case RG_DTMF_EITHER:
        relay = has_te;
        report = !has_te;
        break;
    case RG_DTMF_OOB:
        report = true;
        break;
    case RG_DTMF_NONE:
        break;
    }
    xc->dtmf_on = c->in_te_pt >= 0 && c->dtmf_mode != RG_DTMF_NONE;
    unsigned in_hz = c->in_te_clock_hz ? c->in_te_clock_hz : c->in_codec->clock_hz;
    unsigned out_hz = c->out_te_clock_hz ? c->out_te_clock_hz : c->out_codec->clock_hz;
    rg_dtmf_relay_init(&xc->dtmf, in_hz, out_hz, relay, report);
}

static int alloc_buffers(struct rg_xc *xc)
{
    xc->scratch_cap = (size_t)xc->in_rate * 120 / 1000;
    size_t rs_cap = (size_t)xc->rate * 120 / 1000 + 1;
    xc->out_frame = (size_t)xc->rate * xc->cfg.out_ptime_ms / 1000;
    xc->fifo_cap = rs_cap + xc->out_frame;
    if (xc->use_rs) {
        xc->rsbuf = rg_malloc(rs_cap * sizeof(int16_t));
        if (!xc->rsbuf)
            return RG_ENOMEM;
    }
    xc->q_max = out_payload_max(xc->cfg.out_codec, xc->cfg.out_ptime_ms);
    if (xc->q_max < RG_DTMF_PAYLOAD_LEN)
        xc->q_max = RG_DTMF_PAYLOAD_LEN;
    xc->scratch = rg_malloc(xc->scratch_cap * sizeof(int16_t));
    xc->fifo = rg_malloc(xc->fifo_cap * sizeof(int16_t));
    xc->qstore = rg_malloc(RG_XC_QUEUE * xc->q_max);
    if (!xc->scratch || !xc->fifo || !xc->qstore)
        return RG_ENOMEM;
    return RG_OK;
}

static int build_codecs(struct rg_xc *xc)
{
    struct rg_codec_params ip = xc->cfg.in_params, op = xc->cfg.out_params;
    ip.sample_hz = xc->in_rate;
    op.sample_hz = xc->rate;
    int rc = rg_codec_dec_create(xc->cfg.in_codec, &ip, &xc->dec);
    if (rc == RG_OK)
        rc = rg_codec_enc_create(xc->cfg.out_codec, &op, &xc->enc);
    if (rc == RG_OK && xc->cfg.in_cn_pt >= 0)
        rc = rg_codec_dec_create(rg_codec_by_id(RG_CODEC_CN), &ip, &xc->cn_dec);
    if (rc == RG_OK) {
        struct rg_jb_cfg jc = { xc->cfg.in_codec->clock_hz, xc->cfg.in_ptime_ms,
                                xc->cfg.jb_min_ms, xc->cfg.jb_max_ms, in_payload_max(&xc->cfg) };
        rc = rg_jb_init(&xc->jb, &jc);
    }
    return rc;
}

int rg_xc_create(const struct rg_xc_cfg *cfg, const struct rg_rng *rng, struct rg_xc **out)
{
    int rc = check_cfg(cfg);
    unsigned in_hz = 0, out_hz = 0;
    if (rc == RG_OK)
        rc = pick_rates(cfg, &in_hz, &out_hz);
    if (rc < 0)
        return rc;
    struct rg_xc *xc = rg_calloc(1, sizeof(*xc));
    if (!xc)
        return RG_ENOMEM;
    xc->cfg = *cfg;
    if (!xc->cfg.in_ptime_ms)
        xc->cfg.in_ptime_ms = 20;
    xc->rate = out_hz;
    xc->in_rate = in_hz;
    xc->use_rs = in_hz != out_hz && rg_resampler_init(&xc->rs, in_hz, out_hz);
    rc = alloc_buffers(xc);
    if (rc == RG_OK)
        rc = build_codecs(xc);
    if (rc < 0) {
        rg_xc_destroy(xc);
        return rc;
    }
    setup_dtmf(xc);
    /* RFC 3550 §5.1: random initial sequence number and timestamp. */
    xc->out_ssrc = rg_rng_u32(rng);
    xc->out_seq = (uint16_t)rg_rng_u32(rng);
    xc->out_ts = rg_rng_u32(rng);
    xc->marker_next = true;
    rg_rtcp_rx_init(&xc->rx, cfg->in_codec->clock_hz);
    rg_rtcp_tx_init(&xc->tx, xc->out_ssrc, cfg->out_codec->clock_hz);
    *out = xc;
    return RG_OK;
}

void rg_xc_destroy(struct rg_xc *xc)
{
    if (!xc)
        return;
    rg_codec_dec_destroy(xc->dec);
    rg_codec_dec_destroy(xc->cn_dec);
    rg_codec_enc_destroy(xc->enc);
    rg_jb_deinit(&xc->jb);
    rg_free(xc->scratch);
    rg_free(xc->rsbuf);
    rg_free(xc->fifo);
    rg_free(xc->qstore);
    rg_free(xc);
}

/* ---- output queue ----------------------------------------------------- */

static uint8_t *q_payload(struct rg_xc *xc, unsigned idx)
{
    return xc->qstore + (size_t)idx * xc->q_max;
}

/* Reserves the next queue entry (dropping the oldest when full). */
static struct rg_xc_qent *q_push(struct rg_xc *xc, uint8_t pt, uint32_t ts, bool marker,
                                 unsigned *idx)
{
    if (xc->q_len == RG_XC_QUEUE) {
        xc->q_head = (xc->q_head + 1) % RG_XC_QUEUE;
        xc->q_len--;
        xc->st.queue_drops++;
    }
    *idx = (xc->q_head + xc->q_len) % RG_XC_QUEUE;
    struct rg_xc_qent *e = &xc->q[*idx];
    e->pt = pt;
    e->ts = ts;
    e->marker = marker;
    e->seq = xc->out_seq++;
    e->len = 0;
    xc->q_len++;
    return e;
}

static void queue_events(struct rg_xc *xc, const struct rg_dtmf_out_pkt *ev, int n)
{
    for (int i = 0; i < n; i++) {
        unsigned idx;
        struct rg_xc_qent *e = q_push(xc, (uint8_t)xc->cfg.out_te_pt, ev[i].ts, ev[i].marker, &idx);
        memcpy(q_payload(xc, idx), ev[i].payload, RG_DTMF_PAYLOAD_LEN);
        e->len = RG_DTMF_PAYLOAD_LEN;
        xc->st.out_events++;
    }
}

/* ---- input ------------------------------------------------------------ */

static void dtmf_ended(struct rg_xc *xc, int64_t now_us)
{
    /* Audio recorded during the event is still in the jitter buffer: keep
     * it suppressed for one buffer delay so no tone leaks after the end. */
    xc->suppress_until_us = now_us + xc->jb.target_us + 20000;
}

static int push_event(struct rg_xc *xc, const struct rg_xc_in *p, int64_t now_us)
{
    struct rg_dtmf_out_pkt ev[RG_DTMF_MAX_OUT];
    bool was_active = rg_dtmf_relay_active(&xc->dtmf);
    int n = rg_dtmf_relay_input(&xc->dtmf, p->ts, p->payload, p->len, xc->out_ts, ev);
    if (n < 0)
        return n;
    xc->dtmf_last_us = now_us;
    if (!was_active && rg_dtmf_relay_active(&xc->dtmf)) {
        xc->tone_phase[0] = xc->tone_phase[1] = 0;
    }
    if (was_active && !rg_dtmf_relay_active(&xc->dtmf))
        dtmf_ended(xc, now_us);
    queue_events(xc, ev, n);
    return RG_OK;
}

int rg_xc_push(struct rg_xc *xc, const struct rg_xc_in *p, int64_t now_us)
{
    xc->st.in_packets++;
    bool is_te = xc->cfg.in_te_pt >= 0 && p->pt == xc->cfg.in_te_pt;
    bool is_cn = xc->cfg.in_cn_pt >= 0 && p->pt == xc->cfg.in_cn_pt;
    if (p->pt != xc->cfg.in_pt && !is_te && !is_cn) {
        xc->st.in_dropped++;
        return RG_ENOTFOUND;
    }
    if (!p->payload && p->len) {
        xc->st.in_dropped++;
        return RG_EINVAL;
    }
    rg_rtcp_rx_packet(&xc->rx, p->ssrc, p->seq, p->ts, p->len, now_us);
    if (is_te) {
        if (!xc->dtmf_on) {
            xc->st.in_dropped++;
            return RG_OK; /* mode "none": events are not carried */
        }
        int rc = push_event(xc, p, now_us);
        if (rc < 0)
            xc->st.in_dropped++;
        return rc;
    }
    int rc = rg_jb_push(&xc->jb, p->seq, p->ts, p->pt, p->marker, p->payload, p->len, now_us);
    if (rc < 0)
        xc->st.in_dropped++;
    return rc;
}

/* ---- decode, repacketize, encode -------------------------------------- */

/* Q.23 dual tone at the event's volume (RFC 4733 §3.2: -dBm0; 0 dBm0 is a
 * sine 3.14 dB below full scale, G.711 §A.2). */
static void tone_fill(struct rg_xc *xc, int16_t *pcm, size_t n)
{
    unsigned lo, hi;
    if (rg_dtmf_freqs(xc->dtmf.event, &lo, &hi) < 0) {
        memset(pcm, 0, n * sizeof(*pcm));
        return;
    }
    double amp = 22733.0 * pow(10.0, -(double)xc->dtmf.volume / 20.0) / 2.0;
    double w0 = 2 * M_PI * lo / xc->rate, w1 = 2 * M_PI * hi / xc->rate;
    for (size_t i = 0; i < n; i++) {
        pcm[i] = (int16_t)lrint(amp * (sin(xc->tone_phase[0]) + sin(xc->tone_phase[1])));
        xc->tone_phase[0] = fmod(xc->tone_phase[0] + w0, 2 * M_PI);
        xc->tone_phase[1] = fmod(xc->tone_phase[1] + w1, 2 * M_PI);
    }
}

/* Encodes (or suppresses) the first out_frame samples of the FIFO. */
static void emit_frame(struct rg_xc *xc, int64_t now_us)
{
    int16_t *pcm = xc->fifo;
    bool event = rg_dtmf_relay_active(&xc->dtmf) || now_us < xc->suppress_until_us;
    if (event && xc->dtmf_inband && rg_dtmf_relay_active(&xc->dtmf)) {
        tone_fill(xc, pcm, xc->out_frame);
        event = false;
    }
    if (event) {
        xc->st.suppressed++;
    } else {
        uint8_t buf[RG_CODEC_MAX_PAYLOAD];
        int len = rg_codec_encode(xc->enc, pcm, xc->out_frame, buf,
                                  xc->q_max < sizeof(buf) ? xc->q_max : sizeof(buf));
        if (len < 0) {
            xc->st.decode_errors++;
        } else if (len == 0) {
            xc->st.dtx_skipped++;
            xc->marker_next = true; /* the next packet starts a talkspurt */
        } else {
            unsigned idx;
            struct rg_xc_qent *e = q_push(xc, (uint8_t)xc->cfg.out_pt, xc->out_ts,
                                          xc->marker_next, &idx);
            memcpy(q_payload(xc, idx), buf, (size_t)len);
            e->len = (uint16_t)len;
            xc->marker_next = false;
            xc->st.out_audio++;
        }
    }
    xc->out_ts += rg_codec_samples_to_ts(xc->cfg.out_codec, xc->rate, (uint32_t)xc->out_frame);
    xc->fifo_len -= xc->out_frame;
    memmove(xc->fifo, xc->fifo + xc->out_frame, xc->fifo_len * sizeof(int16_t));
    xc->last_emit_us = now_us;
    xc->emitted = true;
}

/* Samples to conceal for one missing frame: the last frame length, in
 * whole 10 ms units (what every codec's concealment accepts). */
static size_t conceal_len(const struct rg_xc *xc)
{
    size_t unit = xc->in_rate / 100;
    size_t n = rg_codec_ts_to_samples(xc->cfg.in_codec, xc->in_rate, rg_jb_frame_ts(&xc->jb));
    n -= n % unit;
    if (n == 0)
        n = unit;
    return n > xc->scratch_cap ? xc->scratch_cap - xc->scratch_cap % unit : n;
}

static int conceal(struct rg_xc *xc, size_t n)
{
    if (xc->in_cn && xc->cn_dec) {
        xc->st.cn_frames++;
        return rg_codec_conceal(xc->cn_dec, xc->scratch, n);
    }
    xc->st.plc_frames++;
    return rg_codec_conceal(xc->dec, xc->scratch, n);
}

/* After a silence the output timeline jumps by the time that passed, and
 * the next packet carries the marker (RFC 3551 §4.1). */
static void resync_output(struct rg_xc *xc, int64_t now_us)
{
    xc->marker_next = true;
    if (!xc->emitted || now_us <= xc->last_emit_us)
        return;
    uint64_t gap = (uint64_t)(now_us - xc->last_emit_us) * xc->rate / 1000000u;
    gap -= gap % xc->out_frame;
    if (gap > xc->out_frame)
        xc->out_ts += rg_codec_samples_to_ts(xc->cfg.out_codec, xc->rate,
                                             (uint32_t)(gap - xc->out_frame));
}

static int decode_packet(struct rg_xc *xc, const struct rg_jb_pkt *pkt, int64_t now_us)
{
    if (pkt->resync)
        resync_output(xc, now_us);
    bool cn = xc->cn_dec && pkt->pt == xc->cfg.in_cn_pt;
    int n = rg_codec_decode(cn ? xc->cn_dec : xc->dec, pkt->payload, pkt->len, xc->scratch,
                            xc->scratch_cap);
    if (n < 0) {
        xc->st.decode_errors++;
        return conceal(xc, conceal_len(xc));
    }
    xc->in_cn = cn;
    if (cn)
        xc->st.cn_frames++;
    return n;
}

/* Appends n decoded samples (in_rate) to the FIFO, resampled if needed,
 * and encodes every complete output frame. */
static void to_fifo(struct rg_xc *xc, size_t n, int64_t now_us)
{
    const int16_t *src = xc->scratch;
    if (xc->use_rs) {
        n = rg_resampler_run(&xc->rs, xc->scratch, n, xc->rsbuf);
        src = xc->rsbuf;
    }
    memcpy(xc->fifo + xc->fifo_len, src, n * sizeof(int16_t));
    xc->fifo_len += n;
    while (xc->fifo_len >= xc->out_frame)
        emit_frame(xc, now_us);
}

/* RFC 3389 §4: after a CN packet the receiver keeps generating noise until
 * the next packet, however long the sender stays quiet; the jitter buffer
 * has gone silent by then, so the frames are clocked here. */
static bool cn_due(struct rg_xc *xc, int64_t now_us)
{
    /* ... and until the packet that ends the silence is played. */
    if (!xc->in_cn || !xc->cn_dec || !(xc->jb.silent || xc->jb.resync_pending)) {
        xc->cn_next_us = 0;
        return false;
    }
    if (xc->cn_next_us == 0)
        xc->cn_next_us = now_us;
    if (now_us < xc->cn_next_us)
        return false;
    xc->cn_next_us += (int64_t)conceal_len(xc) * 1000000 / xc->in_rate;
    return true;
}

/* One jitter-buffer step; returns false when nothing was due. */
static bool decode_step(struct rg_xc *xc, int64_t now_us)
{
    struct rg_jb_pkt pkt, fec;
    enum rg_jb_result r = rg_jb_pop(&xc->jb, now_us, &pkt, &fec);
    int n;
    if (r == RG_JB_NONE && !cn_due(xc, now_us))
        return false;
    if (r == RG_JB_NONE) {
        n = conceal(xc, conceal_len(xc));
        if (n > 0)
            to_fifo(xc, (size_t)n, now_us);
        return n > 0;
    }
    if (r == RG_JB_PACKET) {
        n = decode_packet(xc, &pkt, now_us);
    } else if (r == RG_JB_LOST && fec.payload && fec.pt == xc->cfg.in_pt &&
               (xc->cfg.in_codec->flags & RG_CODEC_F_FEC)) {
        /* RFC 6716 §2.1.7: the next packet carries the lost frame's LBRR. */
        n = rg_codec_decode_fec(xc->dec, fec.payload, fec.len, xc->scratch, conceal_len(xc));
        if (n >= 0)
            xc->st.fec_frames++;
        else
            n = conceal(xc, conceal_len(xc));
    } else {
        n = conceal(xc, conceal_len(xc));
    }
    if (n <= 0) {
        n = (int)conceal_len(xc);
        memset(xc->scratch, 0, (size_t)n * sizeof(int16_t));
    }
    rg_jb_played(&xc->jb, rg_codec_samples_to_ts(xc->cfg.in_codec, xc->in_rate, (uint32_t)n));
    to_fifo(xc, (size_t)n, now_us);
    return true;
}

int rg_xc_pull(struct rg_xc *xc, int64_t now_us, struct rg_xc_out *out)
{
    if (rg_dtmf_relay_active(&xc->dtmf) && now_us - xc->dtmf_last_us > XC_DTMF_TIMEOUT_US) {
        struct rg_dtmf_out_pkt ev[RG_DTMF_MAX_OUT];
        queue_events(xc, ev, rg_dtmf_relay_flush(&xc->dtmf, ev));
        dtmf_ended(xc, now_us);
    }
    /* Room for the largest burst one step can add (a 120 ms packet cut into
     * 10 ms frames), so decoding never overruns the queue. */
    for (int i = 0; i < XC_MAX_STEPS && xc->q_len + 12 <= RG_XC_QUEUE; i++)
        if (!decode_step(xc, now_us))
            break;
    if (xc->q_len == 0)
        return 0;
    const struct rg_xc_qent *e = &xc->q[xc->q_head];
    memcpy(out->payload, q_payload(xc, xc->q_head), e->len);
    out->len = e->len;
    out->ssrc = xc->out_ssrc;
    out->ts = e->ts;
    out->seq = e->seq;
    out->pt = e->pt;
    out->marker = e->marker;
    xc->q_head = (xc->q_head + 1) % RG_XC_QUEUE;
    xc->q_len--;
    xc->st.out_packets++;
    rg_rtcp_tx_packet(&xc->tx, out->ts, out->len, now_us);
    return 1;
}

int64_t rg_xc_next_us(const struct rg_xc *xc)
{
    if (xc->q_len)
        return 0; /* ready now */
    int64_t t = rg_jb_next_us(&xc->jb);
    if (xc->cn_next_us && xc->cn_next_us < t)
        t = xc->cn_next_us;
    if (rg_dtmf_relay_active(&xc->dtmf) && xc->dtmf_last_us + XC_DTMF_TIMEOUT_US + 1 < t)
        t = xc->dtmf_last_us + XC_DTMF_TIMEOUT_US + 1;
    return t;
}

unsigned rg_xc_sample_hz(const struct rg_xc *xc)
{
    return xc->rate;
}

uint32_t rg_xc_out_ssrc(const struct rg_xc *xc)
{
    return xc->out_ssrc;
}

void rg_xc_get_stats(const struct rg_xc *xc, struct rg_xc_stats *out)
{
    *out = xc->st;
    rg_jb_get_stats(&xc->jb, &out->jb);
}

int rg_xc_pop_digit(struct rg_xc *xc, struct rg_dtmf_digit *out)
{
    return rg_dtmf_relay_pop_digit(&xc->dtmf, out);
}

void rg_xc_rtcp_input(struct rg_xc *xc, const uint8_t *p, size_t len, int64_t now_us)
{
    uint32_t ssrc;
    uint64_t ntp;
    if (rg_rtcp_find_sr(p, len, &ssrc, &ntp) == RG_OK && xc->rx.started && ssrc == xc->rx.ssrc)
        rg_rtcp_rx_sr(&xc->rx, ntp, now_us);
}

int rg_xc_build_sr(const struct rg_xc *to_leg, struct rg_xc *from_leg, int64_t now_us,
                   uint64_t ntp_now, uint8_t *out, size_t out_max)
{
    struct rg_rtcp_block b;
    size_t n = 0;
    if (from_leg && rg_rtcp_rx_block(&from_leg->rx, now_us, &b) == RG_OK)
        n = 1;
    if (!to_leg->tx.sent)
        return rg_rtcp_build_rr(to_leg->out_ssrc, &b, n, out, out_max);
    return rg_rtcp_build_sr(&to_leg->tx, ntp_now, now_us, &b, n, out, out_max);
}
