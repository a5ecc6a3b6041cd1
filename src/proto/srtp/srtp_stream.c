/*
 * srtp_stream.c — per-SSRC SRTP state (see srtp_stream.h).
 */
#include "proto/srtp/srtp_stream.h"

#include <string.h>

#include "core/alloc.h"

void rg_srtp_streams_init(struct rg_srtp_streams *ss, uint16_t window)
{
    memset(ss, 0, sizeof(*ss));
    ss->window = window;
    ss->ring_bits = 64;
    while (ss->ring_bits < window)
        ss->ring_bits <<= 1;
}

void rg_srtp_streams_clear(struct rg_srtp_streams *ss)
{
    for (uint16_t i = 0; i < ss->n; i++)
        rg_free(ss->v[i].rtp_win);
    rg_free(ss->v);
    memset(ss, 0, sizeof(*ss));
}

static size_t ring_bytes(const struct rg_srtp_streams *ss)
{
    return ss->ring_bits / 8;
}

/* A slot for a new stream: grows the table, or recycles the least recently
 * used entry when RG_SRTP_MAX_STREAMS are in use. */
static struct rg_srtp_stream *new_slot(struct rg_srtp_streams *ss)
{
    if (ss->n == ss->cap && ss->cap < RG_SRTP_MAX_STREAMS) {
        uint16_t cap = ss->cap ? (uint16_t)(ss->cap * 2) : 2;
        if (cap > RG_SRTP_MAX_STREAMS)
            cap = RG_SRTP_MAX_STREAMS;
        struct rg_srtp_stream *v = rg_realloc(ss->v, cap * sizeof(*v));
        if (!v)
            return NULL;
        ss->v = v;
        ss->cap = cap;
    }
    if (ss->n < ss->cap) {
        uint64_t *w = rg_calloc(1, ring_bytes(ss));
        if (!w)
            return NULL;
        struct rg_srtp_stream *st = &ss->v[ss->n++];
        memset(st, 0, sizeof(*st));
        st->rtp_win = w;
        return st;
    }
    struct rg_srtp_stream *lru = &ss->v[0];
    for (uint16_t i = 1; i < ss->n; i++)
        if (ss->v[i].last_use < lru->last_use)
            lru = &ss->v[i];
    uint64_t *w = lru->rtp_win;
    memset(w, 0, ring_bytes(ss));
    memset(lru, 0, sizeof(*lru));
    lru->rtp_win = w;
    return lru;
}

struct rg_srtp_stream *rg_srtp_streams_find(struct rg_srtp_streams *ss, uint32_t ssrc)
{
    for (uint16_t i = 0; i < ss->n; i++) {
        if (ss->v[i].ssrc == ssrc) {
            ss->v[i].last_use = ++ss->clock;
            return &ss->v[i];
        }
    }
    return NULL;
}

int rg_srtp_streams_get(struct rg_srtp_streams *ss, uint32_t ssrc, bool create,
                        struct rg_srtp_stream **out)
{
    struct rg_srtp_stream *found = rg_srtp_streams_find(ss, ssrc);
    if (found || !create) {
        *out = found;
        return RG_OK;
    }
    struct rg_srtp_stream *st = new_slot(ss);
    if (!st)
        return RG_ENOMEM;
    st->ssrc = ssrc;
    st->last_use = ++ss->clock;
    *out = st;
    return RG_OK;
}

int64_t rg_srtp_stream_rtp_index(const struct rg_srtp_stream *st, uint16_t seq)
{
    if (!st || !st->rtp_seen)
        return seq;
    int64_t roc = (int64_t)(st->rtp_top >> 16);
    int sl = (int)(st->rtp_top & 0xffff), s = seq;
    int64_t v = roc;
    /* RFC 3711 Appendix A: the ROC guess closest to the highest index. */
    if (sl < 32768) {
        /* ROC - 1 does not exist before the first rollover: then the
         * packet is read as ROC 0, far ahead (as libsrtp does). */
        if (s - sl > 32768 && roc > 0)
            v = roc - 1;
    } else if (sl - 32768 > s) {
        v = roc + 1;
    }
    if (v > 0xffffffffLL)
        return -1;
    return (v << 16) | s;
}

static bool bit(const uint64_t *w, uint64_t b)
{
    return (w[b >> 6] >> (b & 63)) & 1u;
}

static void set_bit(uint64_t *w, uint64_t b, bool on)
{
    if (on)
        w[b >> 6] |= (uint64_t)1 << (b & 63);
    else
        w[b >> 6] &= ~((uint64_t)1 << (b & 63));
}

int rg_srtp_stream_rtp_check(const struct rg_srtp_streams *ss, const struct rg_srtp_stream *st,
                             int64_t idx)
{
    if (idx < 0)
        return RG_EPROTO;
    if (!st || !st->rtp_seen || (uint64_t)idx > st->rtp_top)
        return RG_OK;
    uint64_t back = st->rtp_top - (uint64_t)idx;
    if (back >= ss->window)
        return RG_EPROTO; /* too old */
    return bit(st->rtp_win, (uint64_t)idx & (ss->ring_bits - 1)) ? RG_EPROTO : RG_OK;
}

void rg_srtp_stream_rtp_accept(const struct rg_srtp_streams *ss, struct rg_srtp_stream *st,
                               int64_t idx)
{
    uint64_t i = (uint64_t)idx, mask = ss->ring_bits - 1;
    if (!st->rtp_seen) {
        memset(st->rtp_win, 0, ring_bytes(ss));
        st->rtp_seen = true;
        st->rtp_top = i;
    } else if (i > st->rtp_top) {
        uint64_t d = i - st->rtp_top;
        if (d >= ss->ring_bits)
            memset(st->rtp_win, 0, ring_bytes(ss));
        else
            for (uint64_t k = st->rtp_top + 1; k < i; k++)
                set_bit(st->rtp_win, k & mask, false);
        st->rtp_top = i;
    }
    set_bit(st->rtp_win, i & mask, true);
}

void rg_srtp_stream_rtp_reset(const struct rg_srtp_streams *ss, struct rg_srtp_stream *st)
{
    st->rtp_seen = false;
    st->rtp_top = 0;
    memset(st->rtp_win, 0, ring_bytes(ss));
}

int rg_srtp_stream_rtcp_next(struct rg_srtp_stream *st, uint32_t *out)
{
    /* The first index sent is 1, as libsrtp does (RFC 3711 leaves it open). */
    if (st->rtcp_next >= 0x7fffffffu)
        return RG_EPROTO;
    *out = ++st->rtcp_next;
    return RG_OK;
}

int rg_srtp_stream_rtcp_check(const struct rg_srtp_stream *st, uint32_t index)
{
    if (!st || !st->rtcp_seen || index > st->rtcp_top)
        return RG_OK;
    if (st->rtcp_top - index >= RG_SRTP_RTCP_WINDOW)
        return RG_EPROTO;
    return bit(st->rtcp_win, index % RG_SRTP_RTCP_WINDOW) ? RG_EPROTO : RG_OK;
}

void rg_srtp_stream_rtcp_accept(struct rg_srtp_stream *st, uint32_t index)
{
    if (!st->rtcp_seen) {
        memset(st->rtcp_win, 0, sizeof(st->rtcp_win));
        st->rtcp_seen = true;
        st->rtcp_top = index;
    } else if (index > st->rtcp_top) {
        if (index - st->rtcp_top >= RG_SRTP_RTCP_WINDOW)
            memset(st->rtcp_win, 0, sizeof(st->rtcp_win));
        else
            for (uint32_t k = st->rtcp_top + 1; k < index; k++)
                set_bit(st->rtcp_win, k % RG_SRTP_RTCP_WINDOW, false);
        st->rtcp_top = index;
    }
    set_bit(st->rtcp_win, index % RG_SRTP_RTCP_WINDOW, true);
}
