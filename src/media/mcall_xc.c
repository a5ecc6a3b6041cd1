/*
 * mcall_xc.c — codec negotiation per stream and the transcoded packet path
 * (contract in mcall_xc.h).
 */
#include "media/mcall_xc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "media/transcode.h"
#include "proto/rtp/rtcp.h"
#include "proto/rtp/rtp.h"
#include "proto/sdp/sdp.h"
#include "proto/srtp/srtp_ctx.h"

#define XC_FMTS 24
/* Packets pulled per direction per timer run; the rest waits for the next
 * run (the transmit ring is drained in between). */
#define XC_PULL_BURST 8
/* RFC 3550 §6.2: 5 s minimum report interval, randomised ×[0.5, 1.5]. */
#define XC_RTCP_US 5000000
#define XC_CNAME "rtcgate-xc"

/* One payload format of an m= line. */
struct fmt {
    uint8_t pt;
    int8_t codec;        /* enum rg_codec_id, -1 unknown */
    uint32_t clock_hz;
    char rtpmap[48];     /* rtpmap value after the PT ("opus/48000/2"), "" none */
    char fmtp[192];      /* fmtp parameters, "" none */
};

struct rg_mxc {
    uint8_t offerer;             /* side the offer came from */
    struct rg_mcodec_req req;    /* what the offer's request asked */
    struct fmt off[XC_FMTS];     /* the offerer's formats, its order */
    uint8_t n_off;
    unsigned off_ptime_ms;       /* the offer's a=ptime, 0 none */
    struct fmt add[XC_FMTS];     /* formats we added to the offer passed on */
    uint8_t n_add;
    struct rg_xc *xc[2];         /* xc[k]: what side k sends, encoded for side 1-k */
    /* PTs side k may send that are already the other side's format (an
     * offered format of the offerer, used as it is); -1 none. */
    int16_t pass[2][2];
    int64_t rtcp_next_us[2];     /* next report toward side k */
};

/* ---- formats ------------------------------------------------------------- */

static const struct rg_codec *codec_of(const struct fmt *f)
{
    return f->codec >= 0 ? rg_codec_by_id((enum rg_codec_id)f->codec) : NULL;
}

/* An audio codec we can decode and encode. */
static bool is_speech(const struct fmt *f)
{
    const struct rg_codec *c = codec_of(f);
    return c && c->ops && (c->flags & RG_CODEC_F_AUDIO);
}

static void fmt_of(const struct rg_sdp_media *m, unsigned pt, struct fmt *f)
{
    memset(f, 0, sizeof(*f));
    f->pt = (uint8_t)pt;
    const struct rg_sdp_rtpmap *rm = rg_sdp_media_rtpmap(m, pt);
    const struct rg_codec *cd;
    if (rm) {
        cd = rg_codec_find(rm->encoding, rm->clock_hz);
        f->clock_hz = rm->clock_hz;
        int n = rm->params.p ? snprintf(f->rtpmap, sizeof(f->rtpmap), "%.*s/%u/%.*s",
                                        (int)rm->encoding.len, rm->encoding.p, rm->clock_hz,
                                        (int)rm->params.len, rm->params.p)
                             : snprintf(f->rtpmap, sizeof(f->rtpmap), "%.*s/%u",
                                        (int)rm->encoding.len, rm->encoding.p, rm->clock_hz);
        if (n < 0 || (size_t)n >= sizeof(f->rtpmap)) {
            f->rtpmap[0] = 0;
            cd = NULL;
        }
    } else {
        cd = rg_codec_by_static_pt((int)pt); /* RFC 3551 §6 */
        f->clock_hz = cd ? cd->clock_hz : 0;
    }
    f->codec = cd ? (int8_t)cd->id : -1;
    const struct rg_sdp_fmtp *fp = rg_sdp_media_fmtp(m, pt);
    if (fp && fp->params.len < sizeof(f->fmtp))
        (void)rg_str_copy_cstr(fp->params, f->fmtp, sizeof(f->fmtp));
}

static unsigned read_fmts(const struct rg_sdp_media *m, struct fmt *out, unsigned max)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < m->n_fmts && n < max; i++) {
        uint32_t pt;
        if (rg_str_to_u32(m->fmts[i], 127, &pt) == RG_OK)
            fmt_of(m, pt, &out[n++]);
    }
    return n;
}

static const struct fmt *find_pt(const struct fmt *v, unsigned n, unsigned pt)
{
    for (unsigned i = 0; i < n; i++)
        if (v[i].pt == pt)
            return &v[i];
    return NULL;
}

/* A format of v with codec id at clock (0: any clock), or NULL. */
static const struct fmt *find_codec(const struct fmt *v, unsigned n, int codec, uint32_t clock)
{
    for (unsigned i = 0; i < n; i++)
        if (v[i].codec == codec && (!clock || v[i].clock_hz == clock))
            return &v[i];
    return NULL;
}

static unsigned ptime_of(const struct rg_sdp_media *m)
{
    long i = rg_sdp_attr_find(&m->attrs, RG_SDP_A_PTIME, 0);
    return i >= 0 ? m->attrs.v[i].u.ptime_us / 1000 : 0;
}

static void set_names(struct rg_mstream *st, const struct fmt *f0, const struct fmt *f1,
                      bool transcoded)
{
    const struct fmt *f[2] = { f0, f1 };
    for (int k = 0; k < 2; k++) {
        const struct rg_codec *c = f[k] ? codec_of(f[k]) : NULL;
        st->side[k].st.transcoded = transcoded;
        if (c)
            (void)snprintf(st->side[k].st.codec, sizeof(st->side[k].st.codec), "%s/%u", c->name,
                           c->clock_hz);
        else if (f[k] && f[k]->rtpmap[0])
            (void)rg_str_copy_cstr(rg_str_head(rg_str_from_cstr(f[k]->rtpmap),
                                               sizeof(st->side[k].st.codec) - 1),
                                   st->side[k].st.codec, sizeof(st->side[k].st.codec));
    }
}

/* ---- rewriting an m= line ------------------------------------------------ */

static int add_attr(struct rg_sdp_media *m, struct rg_arena *a, const char *name, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));
static int add_attr(struct rg_sdp_media *m, struct rg_arena *a, const char *name, const char *fmt,
                    ...)
{
    char v[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(v, sizeof(v), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(v))
        return RG_ELIMIT;
    return rg_sdp_attr_add(&m->attrs, a, name, rg_str_make(v, (size_t)n));
}

/* The payload type a codec-level attribute is about, -1 for none/"*". */
static int attr_pt(const struct rg_sdp_attr *at)
{
    if (at->kind == RG_SDP_A_RTPMAP)
        return at->u.rtpmap.pt;
    if (at->kind == RG_SDP_A_FMTP)
        return at->u.fmtp.pt;
    if (at->kind == RG_SDP_A_RTCP_FB)
        return at->u.fb.pt;
    return -1;
}

/* Makes m carry exactly the formats out[] in that order: codec attributes
 * of formats that left are removed (all of them when `fresh`), the missing
 * rtpmap/fmtp lines are written from out[], and a=ptime is replaced when
 * ptime_ms is set. */
static int rewrite_media(struct rg_sdp_media *m, struct rg_arena *a, const struct fmt *out,
                         unsigned n, bool fresh, unsigned ptime_ms)
{
    struct rg_str *fm = rg_arena_alloc(a, (n ? n : 1) * sizeof(*fm));
    if (!fm)
        return RG_ENOMEM;
    for (unsigned i = 0; i < n; i++) {
        char num[4];
        int w = snprintf(num, sizeof(num), "%u", out[i].pt);
        fm[i] = rg_arena_str(a, rg_str_make(num, (size_t)w));
        if (!fm[i].p)
            return RG_ENOMEM;
    }
    m->fmts = fm;
    m->n_fmts = n;
    for (uint32_t i = m->attrs.n; i-- > 0;) {
        const struct rg_sdp_attr *at = &m->attrs.v[i];
        int pt = attr_pt(at);
        bool codec_attr = at->kind == RG_SDP_A_RTPMAP || at->kind == RG_SDP_A_FMTP ||
                          (at->kind == RG_SDP_A_RTCP_FB && pt >= 0);
        bool gone = codec_attr && (fresh || !find_pt(out, n, (unsigned)pt));
        bool ptime = (ptime_ms || fresh) &&
                     (at->kind == RG_SDP_A_PTIME || at->kind == RG_SDP_A_MAXPTIME);
        if ((gone || ptime) && rg_sdp_attr_remove(&m->attrs, i) != RG_OK)
            return RG_EINVAL;
    }
    int rc = RG_OK;
    for (unsigned i = 0; rc == RG_OK && i < n; i++) {
        if (rg_sdp_media_rtpmap(m, out[i].pt))
            continue;
        if (out[i].rtpmap[0])
            rc = add_attr(m, a, "rtpmap", "%u %s", out[i].pt, out[i].rtpmap);
        if (rc == RG_OK && out[i].fmtp[0])
            rc = add_attr(m, a, "fmtp", "%u %s", out[i].pt, out[i].fmtp);
    }
    if (rc == RG_OK && ptime_ms)
        rc = add_attr(m, a, "ptime", "%u", ptime_ms);
    return rc;
}

/* ---- offer ---------------------------------------------------------------- */

/* Whether an offered format stays in the offer passed on (mcodec.h). */
static bool keep_offered(const struct rg_mcodec_req *r, const struct fmt *f)
{
    if (f->codec == RG_CODEC_TEL_EVENT || f->codec == RG_CODEC_CN)
        return true; /* decided by the audio clocks (offer_events) */
    if (!is_speech(f))
        return !r->strip_all && !r->mask_all;
    enum rg_codec_id id = (enum rg_codec_id)f->codec;
    if (rg_mcodec_req_find(r, RG_MCODEC_OFFER, id) || rg_mcodec_req_find(r, RG_MCODEC_TRANSCODE, id))
        return true;
    return !r->strip_all && !r->mask_all && !rg_mcodec_req_find(r, RG_MCODEC_STRIP, id) &&
           !rg_mcodec_req_find(r, RG_MCODEC_MASK, id);
}

static bool pt_used(const struct rg_mxc *x, const struct fmt *out, unsigned n, unsigned pt)
{
    return find_pt(x->off, x->n_off, pt) || find_pt(out, n, pt);
}

/* The preferred PT when free, else the codec's static PT, else a free
 * dynamic one (RFC 3551 §3: 96-127); -1 when none is left. */
static int pick_pt(const struct rg_mxc *x, const struct fmt *out, unsigned n, int pref,
                   int static_pt)
{
    if (pref >= 0 && !pt_used(x, out, n, (unsigned)pref))
        return pref;
    if (static_pt >= 0 && !pt_used(x, out, n, (unsigned)static_pt))
        return static_pt;
    for (unsigned pt = 96; pt < 128; pt++)
        if (!pt_used(x, out, n, pt))
            return (int)pt;
    return -1;
}

static int add_fmt(struct rg_mxc *x, struct fmt *out, unsigned *n, const struct rg_codec *c,
                   uint32_t clock, int pref)
{
    if (*n >= XC_FMTS || x->n_add >= XC_FMTS)
        return RG_ELIMIT;
    int pt = pick_pt(x, out, *n, pref, c->static_pt);
    if (pt < 0)
        return RG_ELIMIT;
    struct fmt f = { .pt = (uint8_t)pt, .codec = (int8_t)c->id, .clock_hz = clock };
    if (c->channels > 1)
        (void)snprintf(f.rtpmap, sizeof(f.rtpmap), "%s/%u/%u", c->name, clock, c->channels);
    else
        (void)snprintf(f.rtpmap, sizeof(f.rtpmap), "%s/%u", c->name, clock);
    if (c->id == RG_CODEC_TEL_EVENT)
        (void)snprintf(f.fmtp, sizeof(f.fmtp), "0-16"); /* RFC 4733 §7.1.1 */
    else if (c->id == RG_CODEC_OPUS)
        (void)snprintf(f.fmtp, sizeof(f.fmtp), "minptime=10;useinbandfec=1"); /* RFC 7587 §6.1 */
    out[(*n)++] = f;
    x->add[x->n_add++] = f;
    return RG_OK;
}

/* telephone-event follows the audio clocks (RFC 4733 §7.1.1): events at a
 * clock no codec of the offer uses leave; when the offerer can send events,
 * every audio clock gets its own. */
static int offer_events(struct rg_mxc *x, struct fmt *out, unsigned *n)
{
    bool had_te = find_codec(x->off, x->n_off, RG_CODEC_TEL_EVENT, 0) != NULL;
    unsigned w = 0;
    for (unsigned i = 0; i < *n; i++) {
        bool ev = out[i].codec == RG_CODEC_TEL_EVENT || out[i].codec == RG_CODEC_CN;
        bool clock_used = false;
        for (unsigned j = 0; ev && j < *n; j++)
            clock_used |= is_speech(&out[j]) && out[j].clock_hz == out[i].clock_hz;
        if (!ev || clock_used)
            out[w++] = out[i];
    }
    *n = w;
    for (unsigned i = 0; had_te && i < w; i++) {
        if (!is_speech(&out[i]) || find_codec(out, *n, RG_CODEC_TEL_EVENT, out[i].clock_hz))
            continue;
        int rc = add_fmt(x, out, n, rg_codec_by_id(RG_CODEC_TEL_EVENT), out[i].clock_hz, -1);
        if (rc != RG_OK)
            return rc;
    }
    return RG_OK;
}

/* A profile's preference order first (ours_first), then the rest. */
static void order_ours(const struct rg_mcodec_req *r, struct fmt *out, unsigned n)
{
    struct fmt tmp[XC_FMTS];
    unsigned w = 0;
    bool taken[XC_FMTS] = { false };
    for (unsigned k = 0; k < r->n && k < RG_MCODEC_MAX; k++) {
        for (unsigned i = 0; i < n; i++) {
            if (!taken[i] && out[i].codec == r->item[k].codec) {
                tmp[w++] = out[i];
                taken[i] = true;
            }
        }
    }
    for (unsigned i = 0; i < n; i++)
        if (!taken[i])
            tmp[w++] = out[i];
    memcpy(out, tmp, n * sizeof(*out));
}

static void drop_xc(struct rg_mxc *x)
{
    for (int k = 0; k < 2; k++) {
        rg_xc_destroy(x->xc[k]);
        x->xc[k] = NULL;
    }
}

static int xc_offer(struct rg_mcall *c, struct rg_mstream *st, int from, struct rg_sdp_media *m,
                    struct rg_arena *a, const struct rg_mcodec_req *r)
{
    if (!st->xc && !(st->xc = rg_calloc(1, sizeof(*st->xc))))
        return RG_ENOMEM;
    struct rg_mxc *x = st->xc;
    drop_xc(x);
    (void)c;
    x->offerer = (uint8_t)from;
    x->req = *r;
    x->n_off = (uint8_t)read_fmts(m, x->off, XC_FMTS);
    x->off_ptime_ms = ptime_of(m);
    x->n_add = 0;
    struct fmt out[XC_FMTS];
    unsigned n = 0;
    for (unsigned i = 0; i < x->n_off; i++)
        if (keep_offered(r, &x->off[i]))
            out[n++] = x->off[i];
    int rc = RG_OK;
    for (unsigned k = 0; rc == RG_OK && k < r->n && k < RG_MCODEC_MAX; k++) {
        const struct rg_mcodec_item *it = &r->item[k];
        const struct rg_codec *cd = rg_codec_by_id((enum rg_codec_id)it->codec);
        if (it->op != RG_MCODEC_TRANSCODE || !cd || find_codec(out, n, cd->id, 0))
            continue;
        rc = add_fmt(x, out, &n, cd, cd->clock_hz, it->has_pt ? it->pt : -1);
    }
    if (rc == RG_OK)
        rc = offer_events(x, out, &n);
    if (rc != RG_OK)
        return rc;
    if (n == 0)
        return RG_EUNSUPP; /* RFC 3264 §5.1: an offered m= line needs a format */
    if (r->ours_first)
        order_ours(r, out, n);
    return rewrite_media(m, a, out, n, false, r->ptime_ms);
}

/* ---- answer --------------------------------------------------------------- */

struct leg {
    const struct fmt *audio, *te, *cn;
    unsigned ptime_ms;
};

/* The event and CN formats of v that go with audio's clock. */
static void leg_extras(const struct fmt *v, unsigned n, struct leg *l)
{
    l->te = find_codec(v, n, RG_CODEC_TEL_EVENT, l->audio->clock_hz);
    if (!l->te)
        l->te = find_codec(v, n, RG_CODEC_TEL_EVENT, 0);
    l->cn = find_codec(v, n, RG_CODEC_CN, l->audio->clock_hz);
}

static unsigned leg_ptime(const struct leg *l)
{
    const struct rg_codec *c = codec_of(l->audio);
    return l->ptime_ms && rg_codec_ptime_ok(c, l->ptime_ms) ? l->ptime_ms : 20;
}

static void xc_cfg(const struct leg *in, const struct leg *out, enum rg_dtmf_mode mode,
                   struct rg_xc_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->in_codec = codec_of(in->audio);
    cfg->in_pt = in->audio->pt;
    cfg->in_te_pt = in->te ? in->te->pt : -1;
    cfg->in_te_clock_hz = in->te ? in->te->clock_hz : 0;
    cfg->in_cn_pt = in->cn ? in->cn->pt : -1;
    cfg->in_ptime_ms = leg_ptime(in);
    cfg->out_codec = codec_of(out->audio);
    cfg->out_pt = out->audio->pt;
    cfg->out_te_pt = out->te ? out->te->pt : -1;
    cfg->out_te_clock_hz = out->te ? out->te->clock_hz : 0;
    cfg->out_ptime_ms = leg_ptime(out);
    cfg->dtmf_mode = mode;
}

/* Whether the offer passed on showed format f of the offerer. */
static bool offered_on(const struct rg_mxc *x, const struct fmt *f)
{
    return find_pt(x->off, x->n_off, f->pt) &&
           (f->codec == RG_CODEC_TEL_EVENT || keep_offered(&x->req, f));
}

/* Both directions between the offerer's leg o and the answerer's leg b. */
static int xc_build(struct rg_mcall *c, struct rg_mxc *x, const struct leg *o,
                    const struct leg *b, enum rg_dtmf_mode mode)
{
    struct rg_xc_cfg ob, bo;
    xc_cfg(o, b, mode, &ob);
    xc_cfg(b, o, mode, &bo);
    struct rg_xc *x_ob = NULL, *x_bo = NULL;
    int rc = rg_xc_create(&ob, c->env->rng, &x_ob);
    if (rc == RG_OK)
        rc = rg_xc_create(&bo, c->env->rng, &x_bo);
    if (rc != RG_OK) {
        rg_xc_destroy(x_ob);
        return rc;
    }
    x->xc[x->offerer] = x_ob;
    x->xc[1 - x->offerer] = x_bo;
    /* The answerer may send in a format of the offer it was shown
     * (RFC 3264 §6.1); toward the offerer that needs no transcoding. */
    const struct fmt *p[2] = { o->audio, o->te };
    int ans = 1 - x->offerer;
    x->pass[x->offerer][0] = x->pass[x->offerer][1] = -1;
    for (int i = 0; i < 2; i++)
        x->pass[ans][i] = p[i] && offered_on(x, p[i]) ? p[i]->pt : -1;
    x->rtcp_next_us[0] = x->rtcp_next_us[1] = INT64_MIN; /* scheduled on the first run */
    return RG_OK;
}

/* Stripped codecs are gone from both legs; masked ones stay usable on the
 * offerer's leg (mcodec.h). */
static bool offerer_may_use(const struct rg_mcodec_req *r, const struct fmt *f)
{
    if (!is_speech(f))
        return false;
    enum rg_codec_id id = (enum rg_codec_id)f->codec;
    if (rg_mcodec_req_find(r, RG_MCODEC_STRIP, id))
        return false;
    return !r->strip_all || rg_mcodec_req_find(r, RG_MCODEC_OFFER, id) ||
           rg_mcodec_req_find(r, RG_MCODEC_TRANSCODE, id);
}

/* The offerer's codec for a transcoded stream: accept-X of the answer's
 * request first, then the offer's order; the first one a transcoder can be
 * built for (rates) wins. */
static int pick_offerer(struct rg_mcall *c, struct rg_mxc *x, const struct rg_mcodec_req *ans_req,
                        const struct leg *b, struct leg *o, enum rg_dtmf_mode mode)
{
    const struct fmt *cand[XC_FMTS];
    unsigned nc = 0;
    for (unsigned k = 0; k < ans_req->n && k < RG_MCODEC_MAX; k++) {
        const struct fmt *f = ans_req->item[k].op == RG_MCODEC_ACCEPT
                                  ? find_codec(x->off, x->n_off, ans_req->item[k].codec, 0)
                                  : NULL;
        if (f && is_speech(f))
            cand[nc++] = f;
    }
    for (unsigned i = 0; i < x->n_off && nc < XC_FMTS; i++)
        if (offerer_may_use(&x->req, &x->off[i]))
            cand[nc++] = &x->off[i];
    for (unsigned i = 0; i < nc; i++) {
        o->audio = cand[i];
        o->ptime_ms = x->off_ptime_ms;
        leg_extras(x->off, x->n_off, o);
        int rc = xc_build(c, x, o, b, mode);
        if (rc != RG_EUNSUPP && rc != RG_EINVAL)
            return rc;
    }
    return RG_EUNSUPP;
}

/* RFC 7587 §6.1: an Opus leg that is transcoded at 8 or 16 kHz tells the
 * sender so (maxplaybackrate, sprop-maxcapturerate): a browser then encodes
 * narrow/wideband, which is cheaper to decode and smaller on the wire, and
 * loses nothing the other leg could carry. */
static void opus_playback(struct fmt *f, unsigned pcm_hz)
{
    if (f->codec != RG_CODEC_OPUS || pcm_hz >= 48000 ||
        rg_str_find(rg_str_from_cstr(f->fmtp), RG_STR_LIT("maxplaybackrate")) >= 0)
        return;
    size_t n = strlen(f->fmtp);
    int w = snprintf(f->fmtp + n, sizeof(f->fmtp) - n,
                     "%smaxplaybackrate=%u;sprop-maxcapturerate=%u", n ? ";" : "", pcm_hz, pcm_hz);
    if (w < 0 || (size_t)w >= sizeof(f->fmtp) - n)
        f->fmtp[n] = 0; /* no room: leave the offer's parameters as they were */
}

/* Answer toward the offerer when relaying: only what the offerer offered. */
static int relay_answer(struct rg_mxc *x, struct rg_sdp_media *m, struct rg_arena *a,
                        const struct fmt *ans, unsigned n)
{
    struct fmt keep[XC_FMTS];
    unsigned w = 0;
    for (unsigned i = 0; i < n; i++)
        if (find_pt(x->off, x->n_off, ans[i].pt))
            keep[w++] = ans[i];
    if (w == 0)
        return RG_EBADMSG; /* RFC 3264 §6.1: the answer must use formats of the offer */
    return w == n ? RG_OK : rewrite_media(m, a, keep, w, false, 0);
}

static int xc_answer(struct rg_mcall *c, struct rg_mstream *st, int from, struct rg_sdp_media *m,
                     struct rg_arena *a, const struct rg_mside_req *req, const char **why)
{
    struct fmt ans[XC_FMTS];
    unsigned n = read_fmts(m, ans, XC_FMTS);
    const struct fmt *chosen = NULL;
    for (unsigned i = 0; i < n && !chosen; i++)
        if (is_speech(&ans[i]) || ans[i].codec < 0)
            chosen = &ans[i];
    struct rg_mxc *x = st->xc;
    if (x)
        drop_xc(x);
    const struct fmt *same = x && chosen ? find_pt(x->off, x->n_off, chosen->pt) : NULL;
    if (!x || !chosen || !is_speech(chosen) || (same && same->codec == chosen->codec)) {
        set_names(st, chosen, chosen, false);
        int rc = x && m->port ? relay_answer(x, m, a, ans, n) : RG_OK;
        if (rc != RG_OK)
            *why = "the answer names no format of the offer";
        rg__mxc_free(x);
        st->xc = NULL;
        return rc;
    }
    struct leg b = { .audio = chosen, .ptime_ms = ptime_of(m) };
    const struct rg_mcodec_item *it =
        rg_mcodec_req_find(&x->req, RG_MCODEC_TRANSCODE, (enum rg_codec_id)chosen->codec);
    if (!b.ptime_ms)
        b.ptime_ms = it && it->ptime_ms ? it->ptime_ms : x->req.ptime_ms;
    leg_extras(ans, n, &b);
    enum rg_dtmf_mode mode = req->codecs.dtmf_set ? (enum rg_dtmf_mode)req->codecs.dtmf_mode
                             : x->req.dtmf_set     ? (enum rg_dtmf_mode)x->req.dtmf_mode
                                                   : RG_DTMF_RFC2833;
    struct leg o = { 0 };
    int rc = pick_offerer(c, x, &req->codecs, &b, &o, mode);
    if (rc != RG_OK) {
        *why = rc == RG_EUNSUPP ? "no codec of the offer can be transcoded to the answer's"
                                : "transcoder setup failed";
        return rc;
    }
    struct fmt out[3];
    unsigned no = 0;
    out[no++] = *o.audio;
    opus_playback(&out[0], rg_xc_sample_hz(x->xc[1 - x->offerer]));
    if (o.te)
        out[no++] = *o.te;
    if (o.cn)
        out[no++] = *o.cn;
    set_names(st, from == 0 ? b.audio : o.audio, from == 0 ? o.audio : b.audio, true);
    return rewrite_media(m, a, out, no, true, 0);
}

int rg__mxc_sdp(struct rg_mcall *c, int from, bool offer, struct rg_sdp *sdp, struct rg_arena *a,
                const struct rg_mside_req *req, const char **why)
{
    for (unsigned i = 0; i < sdp->n_media && i < c->n_streams; i++) {
        struct rg_mstream *st = &c->stream[i];
        struct rg_sdp_media *m = &sdp->media[i];
        if (strcmp(st->media, "audio") != 0)
            continue;
        int rc = RG_OK;
        const char *msg = NULL;
        if (offer && rg_mcodec_req_any(&req->codecs) && m->port) {
            rc = xc_offer(c, st, from, m, a, &req->codecs);
            if (rc == RG_EUNSUPP)
                msg = "the codec flags leave no codec to offer";
        } else if (offer || !m->port) {
            /* An offer without codec changes renegotiates a plain relay;
             * a rejected m= line (port 0) has nothing to transcode. */
            rg__mxc_free(st->xc);
            st->xc = NULL;
        } else {
            rc = xc_answer(c, st, from, m, a, req, &msg);
        }
        if (rc != RG_OK) {
            *why = msg ? msg : "codec negotiation failed";
            return rc;
        }
    }
    return RG_OK;
}

void rg_mside_req_keep(struct rg_mside_req *req)
{
    memset(req, -1, sizeof(*req));
    memset(&req->advertise, 0, sizeof(req->advertise));
    memset(&req->sig_src, 0, sizeof(req->sig_src));
    memset(&req->codecs, 0, sizeof(req->codecs));
}

/* ---- packet path ---------------------------------------------------------- */

bool rg__mxc_input(struct rg_mcall *c, unsigned si, int k, const uint8_t *data, size_t len,
                   bool rtcp, int64_t now_us)
{
    struct rg_mxc *x = c->stream[si].xc;
    struct rg_xc *xc = x->xc[k];
    if (!xc)
        return false; /* negotiated, not transcoding (yet) */
    if (rtcp) {
        /* Reports are per leg now: the peer's SR feeds LSR/DLSR. */
        rg_xc_rtcp_input(xc, data, len, now_us);
        return true;
    }
    struct rg_rtp r;
    if (rg_rtp_parse(data, len, &r) != RG_OK)
        return true;
    /* Already in the other leg's codec (libwebrtc answers with Opus but
     * sends with the offer's first codec): relayed as it is. */
    if (r.pt == x->pass[k][0] || r.pt == x->pass[k][1])
        return false;
    struct rg_xc_in in = { .payload = r.payload, .len = r.payload_len, .ssrc = r.ssrc,
                           .ts = r.ts, .seq = r.seq, .pt = r.pt, .marker = r.marker };
    (void)rg_xc_push(xc, &in, now_us);
    return true;
}

static void send_rtp(struct rg_mcall *c, unsigned si, int k, const struct rg_xc_out *o)
{
    uint8_t pkt[RG_MCALL_MAX_PACKET];
    struct rg_rtp h = { .marker = o->marker, .pt = o->pt, .seq = o->seq, .ts = o->ts,
                        .ssrc = o->ssrc, .payload = o->payload, .payload_len = o->len };
    int n = rg_rtp_write(&h, pkt, sizeof(pkt) - RG_SRTP_MAX_TRAILER);
    if (n > 0)
        rg__mcall_send(c, si, k, pkt, (size_t)n, sizeof(pkt), false);
}

/* RFC 3550 §6.4.1: without a wallclock the NTP timestamp may count from
 * any epoch; the engine's monotonic clock serves (LSR/DLSR round trips
 * only need one timeline per sender). */
static uint64_t ntp_of(int64_t now_us)
{
    uint64_t s = (uint64_t)now_us / 1000000u, us = (uint64_t)now_us % 1000000u;
    return (s << 32) | ((us << 32) / 1000000u);
}

static void send_rtcp(struct rg_mcall *c, unsigned si, int k, int64_t now_us)
{
    struct rg_mxc *x = c->stream[si].xc;
    uint8_t pkt[512];
    size_t room = sizeof(pkt) - RG_SRTP_MAX_TRAILER;
    int n = rg_xc_build_sr(x->xc[1 - k], x->xc[k], now_us, ntp_of(now_us), pkt, room);
    if (n <= 0)
        return;
    /* RFC 3550 §6.1: a compound packet carries an SDES CNAME. */
    int s = rg_rtcp_write_sdes_cname(rg_xc_out_ssrc(x->xc[1 - k]), XC_CNAME,
                                     sizeof(XC_CNAME) - 1, pkt + n, room - (size_t)n);
    if (s > 0)
        n += s;
    rg__mcall_send(c, si, k, pkt, (size_t)n, sizeof(pkt), true);
}

static int64_t rtcp_interval(const struct rg_mcall *c)
{
    return XC_RTCP_US / 2 + (int64_t)(rg_rng_u32(c->env->rng) % XC_RTCP_US);
}

static void run_stream(struct rg_mcall *c, unsigned si, int64_t now_us)
{
    struct rg_mxc *x = c->stream[si].xc;
    for (int k = 0; k < 2; k++) {
        struct rg_xc_out o;
        for (int n = 0; n < XC_PULL_BURST && c->tx_count < RG_MCALL_TX_SLOTS / 2 &&
                        rg_xc_pull(x->xc[k], now_us, &o) == 1;
             n++)
            send_rtp(c, si, 1 - k, &o);
    }
    for (int k = 0; k < 2; k++) {
        if (x->rtcp_next_us[k] == INT64_MIN) {
            x->rtcp_next_us[k] = now_us + rtcp_interval(c) / 2; /* RFC 3550 §6.2 initial */
        } else if (now_us >= x->rtcp_next_us[k]) {
            send_rtcp(c, si, k, now_us);
            x->rtcp_next_us[k] = now_us + rtcp_interval(c);
            struct rg_xc_stats xs;
            rg_xc_get_stats(x->xc[1 - k], &xs);
            c->stream[si].side[k].st.plc_frames = xs.plc_frames;
        }
    }
}

void rg__mxc_timeout(struct rg_mcall *c, int64_t now_us)
{
    for (unsigned i = 0; i < c->n_streams; i++) {
        struct rg_mxc *x = c->stream[i].xc;
        if (x && x->xc[0] && x->xc[1] && rg__mxc_next_us(x) <= now_us)
            run_stream(c, i, now_us);
    }
}

int64_t rg__mxc_next_us(const struct rg_mxc *x)
{
    if (!x || !x->xc[0] || !x->xc[1])
        return INT64_MAX;
    int64_t t = INT64_MAX;
    for (int k = 0; k < 2; k++) {
        int64_t u = rg_xc_next_us(x->xc[k]);
        t = u < t ? u : t;
        u = x->rtcp_next_us[k] == INT64_MIN ? 0 : x->rtcp_next_us[k];
        t = u < t ? u : t;
    }
    return t;
}

void rg__mxc_free(struct rg_mxc *x)
{
    if (!x)
        return;
    drop_xc(x);
    rg_free(x);
}
