/*
 * fuzz_transcode.c — the transcoding pipeline fed arbitrary RTP.
 * Input: byte 0 picks a codec pair and output ptime; then records of
 * kind(1) seq-delta(1, signed) ts-delta(2) time-delta-ms(1) len(1) payload.
 * kind & 3 selects the audio PT, the telephone-event PT, the CN PT or an
 * unknown one; kind & 4 sets the marker.  After each push every due packet
 * is pulled.
 * Invariants: output sequence numbers step by exactly one; one SSRC; the
 * PT is the output audio or telephone-event PT (never the input's);
 * telephone-event payloads are 4 bytes and parse; audio payloads fit the
 * output ptime; the packets due at any instant are bounded by what the
 * jitter buffer can hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "media/transcode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct pair {
    enum rg_codec_id in, out;
};

static const struct pair pairs[8] = {
    { RG_CODEC_OPUS, RG_CODEC_PCMU }, { RG_CODEC_PCMU, RG_CODEC_OPUS },
    { RG_CODEC_OPUS, RG_CODEC_G722 }, { RG_CODEC_G722, RG_CODEC_OPUS },
    { RG_CODEC_OPUS, RG_CODEC_G729 }, { RG_CODEC_G729, RG_CODEC_OPUS },
    { RG_CODEC_G722, RG_CODEC_PCMU }, { RG_CODEC_OPUS, RG_CODEC_PCMA },
};

static struct rg_xc *make(uint8_t sel)
{
    const struct pair *p = &pairs[sel & 7];
    struct rg_xc_cfg c;
    memset(&c, 0, sizeof(c));
    c.in_codec = rg_codec_by_id(p->in);
    c.out_codec = rg_codec_by_id(p->out);
    c.in_pt = 100;
    c.in_te_pt = 101;
    c.in_cn_pt = (sel & 0x40) ? 13 : -1;
    c.out_pt = 110;
    c.out_te_pt = (sel & 0x80) ? -1 : 111;
    c.out_ptime_ms = 10 * (1 + (sel >> 3) % 6);
    c.dtmf_mode = (enum rg_dtmf_mode)((sel >> 3) % 5);
    c.in_params.fec = true;
    c.out_params.complexity = 0;
    c.out_params.complexity_set = true;
    struct rg_rng_seeded s;
    struct rg_rng rng;
    rg_rng_seeded_init(&s, sel, &rng);
    struct rg_xc *xc = NULL;
    if (rg_xc_create(&c, &rng, &xc) != RG_OK)
        return NULL;
    return xc;
}

struct state {
    bool have;
    uint16_t seq;
    uint32_t ssrc;
};

static void drain(struct rg_xc *xc, int64_t now, struct state *st, unsigned ptime_ms)
{
    static struct rg_xc_out o; /* 1.5 KiB: kept off the fuzzer's stack */
    /* Bound: every buffered packet (RG_JB_SLOTS, each up to 120 ms cut into
     * 10 ms frames) plus a concealment tail and DTMF packets. */
    for (int i = 0; i < RG_JB_SLOTS * 12 + 64; i++) {
        int r = rg_xc_pull(xc, now, &o);
        if (r == 0)
            return;
        if (r != 1)
            abort();
        if (st->have && ((uint16_t)(o.seq - st->seq) != 1 || o.ssrc != st->ssrc))
            abort();
        st->have = true;
        st->seq = o.seq;
        st->ssrc = o.ssrc;
        if (o.pt == 111) {
            struct rg_dtmf_event e;
            if (o.len != 4 || rg_dtmf_parse(o.payload, 4, &e) != RG_OK)
                abort();
        } else if (o.pt != 110 || o.len == 0 || o.len > 16 * ptime_ms + 8) {
            abort();
        }
    }
    abort(); /* more packets due at once than the buffer can hold */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct rg_xc *xc = make(data[0]);
    if (!xc)
        abort(); /* every pair in the table must be constructible */
    unsigned ptime = 10 * (1 + (data[0] >> 3) % 6);
    struct state st = { false, 0, 0 };
    static const uint8_t pts[4] = { 100, 101, 13, 55 };
    uint16_t seq = 1;
    uint32_t ts = 1000;
    int64_t now = 0;
    size_t off = 1;
    for (int rec = 0; rec < 500 && off + 6 <= size; rec++) {
        const uint8_t *r = data + off;
        size_t len = r[5];
        if (off + 6 + len > size)
            len = size - off - 6;
        seq = (uint16_t)(seq + (int8_t)r[1]);
        ts += (uint32_t)((r[2] << 8) | r[3]);
        now += (int64_t)r[4] * 1000;
        struct rg_xc_in in = { r + 6, len, 0x55, ts, seq, pts[r[0] & 3], (r[0] & 4) != 0 };
        (void)rg_xc_push(xc, &in, now);
        drain(xc, now, &st, ptime);
        int64_t next = rg_xc_next_us(xc);
        if (next <= now + 250000 && next > now) {
            now = next;
            drain(xc, now, &st, ptime);
        }
        off += 6 + len;
    }
    rg_xc_destroy(xc);
    return 0;
}
