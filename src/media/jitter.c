/* Adaptive jitter buffer (see jitter.h). */
#include "media/jitter.h"

#include <string.h>

#include "core/alloc.h"

int rg_jb_init(struct rg_jb *jb, const struct rg_jb_cfg *cfg)
{
    if (!cfg->clock_hz || cfg->clock_hz > 192000 || !cfg->max_payload ||
        cfg->max_payload > 0xFFFF || cfg->frame_ms == 0 || cfg->frame_ms > 120)
        return RG_EINVAL;
    memset(jb, 0, sizeof(*jb));
    jb->cfg = *cfg;
    if (!jb->cfg.min_ms)
        jb->cfg.min_ms = RG_JB_MIN_MS;
    if (!jb->cfg.max_ms || jb->cfg.max_ms > 1000)
        jb->cfg.max_ms = RG_JB_MAX_MS;
    if (jb->cfg.min_ms > jb->cfg.max_ms)
        jb->cfg.min_ms = jb->cfg.max_ms;
    jb->frame_ts = cfg->clock_hz / 1000 * cfg->frame_ms;
    jb->target_us = jb->cfg.min_ms * 1000;
    return RG_OK;
}

void rg_jb_deinit(struct rg_jb *jb)
{
    for (size_t i = 0; i < RG_JB_SLOTS; i++) {
        rg_free(jb->slot[i].buf);
        jb->slot[i].buf = NULL;
        jb->slot[i].cap = 0;
    }
}

static int64_t ts_to_us(const struct rg_jb *jb, int64_t ts)
{
    return ts * 1000000 / (int64_t)jb->cfg.clock_hz;
}

static int64_t due_us(const struct rg_jb *jb, uint32_t ts)
{
    return jb->t_ref_us + ts_to_us(jb, (int32_t)(ts - jb->ts_ref));
}

static int64_t frame_us(const struct rg_jb *jb)
{
    return ts_to_us(jb, jb->frame_ts);
}

/* Target: one frame plus three mean deviations plus a late-packet boost. */
static void retarget(struct rg_jb *jb)
{
    int64_t t = frame_us(jb) + 3 * (jb->jitter_q4_us >> 4) + jb->late_boost_us;
    int64_t lo = (int64_t)jb->cfg.min_ms * 1000, hi = (int64_t)jb->cfg.max_ms * 1000;
    jb->target_us = (unsigned)(t < lo ? lo : t > hi ? hi : t);
    jb->late_boost_us /= 2; /* decays over talkspurts */
}

static void rebase(struct rg_jb *jb, uint16_t seq, uint32_t ts, int64_t now_us)
{
    retarget(jb);
    jb->applied_us = jb->target_us;
    jb->since_adapt = 0;
    jb->next_seq = seq;
    jb->t_ref_us = now_us + jb->applied_us;
    jb->ts_ref = ts;
    jb->play_ts = ts;
    jb->silent = false;
    jb->conceal_us = 0;
    jb->resync_pending = true;
}

static void flush(struct rg_jb *jb)
{
    for (size_t i = 0; i < RG_JB_SLOTS; i++)
        jb->slot[i].used = false;
    jb->count = 0;
}

static void update_jitter(struct rg_jb *jb, uint32_t ts, int64_t now_us)
{
    if (jb->have_transit) {
        int64_t d = (now_us - jb->last_arrival_us) - ts_to_us(jb, (int32_t)(ts - jb->prev_ts));
        if (d < 0)
            d = -d;
        if (d > 1000000)
            d = 1000000;
        jb->jitter_q4_us += d - ((jb->jitter_q4_us + 8) >> 4);
    }
    jb->have_transit = true;
    jb->prev_ts = ts;
    jb->last_arrival_us = now_us;
}

static void late(struct rg_jb *jb)
{
    jb->st.late++;
    if (jb->late_boost_us < 100000)
        jb->late_boost_us += frame_us(jb);
    retarget(jb);
    if (jb->target_us > jb->applied_us) {
        jb->t_ref_us += jb->target_us - jb->applied_us; /* pause playout */
        jb->applied_us = jb->target_us;
    }
}

/* Gradual decrease while playing (one frame at a time). */
static void maybe_shrink(struct rg_jb *jb)
{
    if (++jb->since_adapt < 50)
        return;
    jb->since_adapt = 0;
    retarget(jb);
    int64_t f = frame_us(jb);
    if ((int64_t)jb->target_us + f < (int64_t)jb->applied_us) {
        jb->t_ref_us -= f;
        jb->applied_us -= (unsigned)f;
    }
}

/* Makes the slot's buffer hold len bytes (grown in 64-byte steps). */
static int reserve(struct rg_jb_slot *s, size_t len)
{
    if (len <= s->cap)
        return RG_OK;
    size_t cap = (len + 63) & ~(size_t)63;
    uint8_t *b = rg_realloc(s->buf, cap);
    if (!b)
        return RG_ENOMEM;
    s->buf = b;
    s->cap = (uint16_t)(cap > 0xFFFF ? 0xFFFF : cap);
    return RG_OK;
}

static void store(struct rg_jb *jb, uint16_t seq, uint32_t ts, uint8_t pt, bool marker,
                  const uint8_t *p, size_t len)
{
    struct rg_jb_slot *s = &jb->slot[seq % RG_JB_SLOTS];
    s->used = true;
    s->pt = pt;
    s->seq = seq;
    s->ts = ts;
    s->marker = marker;
    s->len = (uint16_t)len;
    if (len)
        memcpy(s->buf, p, len);
    jb->count++;
}

/* Placement of a packet that is not the first: returns RG_OK to store it. */
static int place(struct rg_jb *jb, uint16_t seq, uint32_t ts, bool marker, int64_t now_us)
{
    int16_t d = (int16_t)(seq - jb->next_seq);
    if (jb->silent && jb->count == 0 && d >= 0) {
        rebase(jb, seq, ts, now_us); /* speech resumes after silence */
        return RG_OK;
    }
    if (d < 0) {
        late(jb);
        return RG_ETIMEDOUT;
    }
    if (d == 0 && (int32_t)(ts - jb->play_ts) < 0 && !jb->silent) {
        jb->next_seq++; /* its time was already concealed */
        late(jb);
        return RG_ETIMEDOUT;
    }
    int64_t early_us = due_us(jb, ts) - now_us;
    if (d >= RG_JB_SLOTS || early_us > (int64_t)jb->cfg.max_ms * 1000 + frame_us(jb) ||
        early_us < -1000000) {
        flush(jb); /* sequence or timestamp jump: start over */
        jb->st.resyncs++;
        rebase(jb, seq, ts, now_us);
        return RG_OK;
    }
    const struct rg_jb_slot *s = &jb->slot[seq % RG_JB_SLOTS];
    if (s->used && s->seq == seq) {
        jb->st.duplicate++;
        return RG_EEXIST;
    }
    if (marker && jb->count == 0 && d == 0)
        rebase(jb, seq, ts, now_us); /* talkspurt start: adapt the delay */
    return RG_OK;
}

int rg_jb_push(struct rg_jb *jb, uint16_t seq, uint32_t ts, uint8_t pt, bool marker,
               const uint8_t *payload, size_t len, int64_t now_us)
{
    jb->st.pushed++;
    if (len > jb->cfg.max_payload) {
        jb->st.too_big++;
        return RG_ELIMIT;
    }
    if (!jb->started) {
        jb->started = true;
        update_jitter(jb, ts, now_us);
        rebase(jb, seq, ts, now_us);
    } else {
        unsigned long resyncs = jb->st.resyncs;
        int rc = place(jb, seq, ts, marker, now_us);
        if (jb->st.resyncs != resyncs)
            jb->have_transit = false; /* a jump is not jitter */
        update_jitter(jb, ts, now_us);
        if (rc < 0)
            return rc;
    }
    if (reserve(&jb->slot[seq % RG_JB_SLOTS], len) < 0) {
        jb->st.nomem++;
        return RG_ENOMEM;
    }
    store(jb, seq, ts, pt, marker, payload, len);
    return RG_OK;
}

static const struct rg_jb_slot *slot_for(const struct rg_jb *jb, uint16_t seq)
{
    const struct rg_jb_slot *s = &jb->slot[seq % RG_JB_SLOTS];
    return s->used && s->seq == seq ? s : NULL;
}

static void fill_pkt(const struct rg_jb_slot *s, struct rg_jb_pkt *p)
{
    p->payload = s->buf;
    p->len = s->len;
    p->ts = s->ts;
    p->seq = s->seq;
    p->pt = s->pt;
    p->marker = s->marker;
    p->resync = false;
}

/* Oldest buffered sequence number (count > 0). */
static uint16_t first_seq(const struct rg_jb *jb)
{
    int best = RG_JB_SLOTS;
    uint16_t seq = jb->next_seq;
    for (size_t i = 0; i < RG_JB_SLOTS; i++) {
        const struct rg_jb_slot *s = &jb->slot[i];
        int d = (int16_t)(s->seq - jb->next_seq);
        if (s->used && d < best) {
            best = d;
            seq = s->seq;
        }
    }
    return seq;
}

static enum rg_jb_result play(struct rg_jb *jb, const struct rg_jb_slot *s, struct rg_jb_pkt *pkt)
{
    fill_pkt(s, pkt);
    pkt->resync = jb->resync_pending || jb->silent;
    jb->resync_pending = false;
    jb->silent = false;
    jb->slot[s->seq % RG_JB_SLOTS].used = false;
    jb->count--;
    jb->next_seq = (uint16_t)(s->seq + 1);
    jb->play_ts = s->ts;
    jb->conceal_us = 0;
    jb->st.played++;
    maybe_shrink(jb);
    return RG_JB_PACKET;
}

static enum rg_jb_result conceal(struct rg_jb *jb, int64_t now_us)
{
    if (now_us < due_us(jb, jb->play_ts))
        return RG_JB_NONE;
    if (jb->conceal_us >= (int64_t)RG_JB_MAX_CONCEAL_MS * 1000) {
        jb->silent = true;
        return RG_JB_NONE;
    }
    jb->conceal_us += frame_us(jb);
    jb->st.underruns++;
    return RG_JB_UNDERRUN;
}

enum rg_jb_result rg_jb_pop(struct rg_jb *jb, int64_t now_us, struct rg_jb_pkt *pkt,
                            struct rg_jb_pkt *fec)
{
    if (!jb->started)
        return RG_JB_NONE;
    if (jb->silent && jb->count > 0 && !slot_for(jb, jb->next_seq)) {
        uint16_t first = first_seq(jb);
        jb->st.lost += (uint16_t)(first - jb->next_seq);
        jb->next_seq = first; /* losses inside a silence need no concealment */
    }
    const struct rg_jb_slot *s = slot_for(jb, jb->next_seq);
    if (s) {
        if (now_us >= due_us(jb, s->ts))
            return play(jb, s, pkt);
        /* A timestamp gap with contiguous sequence numbers is DTX. */
        if (!jb->silent && (int32_t)(s->ts - jb->play_ts) >= (int32_t)jb->frame_ts)
            return conceal(jb, now_us);
        return RG_JB_NONE;
    }
    if (jb->silent)
        return RG_JB_NONE;
    if (jb->count == 0)
        return conceal(jb, now_us);
    if (now_us < due_us(jb, jb->play_ts))
        return RG_JB_NONE;
    /* Missing while later packets exist: lost. */
    jb->next_seq++;
    jb->st.lost++;
    const struct rg_jb_slot *n = slot_for(jb, jb->next_seq);
    if (n)
        fill_pkt(n, fec);
    else
        memset(fec, 0, sizeof(*fec));
    return RG_JB_LOST;
}

void rg_jb_played(struct rg_jb *jb, uint32_t dur_ts)
{
    if (dur_ts == 0 || dur_ts > jb->cfg.clock_hz / 1000 * 120)
        return;
    jb->play_ts += dur_ts;
    jb->frame_ts = dur_ts;
}

int64_t rg_jb_next_us(const struct rg_jb *jb)
{
    if (!jb->started)
        return INT64_MAX;
    const struct rg_jb_slot *s = slot_for(jb, jb->next_seq);
    if (jb->silent) {
        if (s)
            return due_us(jb, s->ts);
        return jb->count ? jb->last_arrival_us : INT64_MAX;
    }
    int64_t t = due_us(jb, jb->play_ts);
    if (s && (int32_t)(s->ts - jb->play_ts) < (int32_t)jb->frame_ts)
        t = due_us(jb, s->ts);
    return t;
}

uint32_t rg_jb_frame_ts(const struct rg_jb *jb)
{
    return jb->frame_ts;
}

void rg_jb_get_stats(const struct rg_jb *jb, struct rg_jb_stats *out)
{
    *out = jb->st;
    out->target_ms = jb->target_us / 1000;
    out->jitter_us = (unsigned)(jb->jitter_q4_us >> 4);
}
