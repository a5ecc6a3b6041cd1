/* RFC 4733 telephone-event payloads and relay (see dtmf.h). */
#include "media/dtmf.h"

#include <string.h>

/* Output segments one input packet may open; more means a bogus jump in
 * duration and the excess is skipped rather than sent (bounded output). */
#define DTMF_MAX_ROLLOVERS 6
#define DTMF_SEG_MAX 0xFFFFu

int rg_dtmf_parse(const uint8_t *p, size_t len, struct rg_dtmf_event *out)
{
    if (!p || len < RG_DTMF_PAYLOAD_LEN || len % RG_DTMF_PAYLOAD_LEN)
        return RG_EBADMSG;
    /* RFC 4733 §2.3: event(8) E(1) R(1) volume(6) duration(16); R ignored. */
    out->event = p[0];
    out->end = (p[1] & 0x80) != 0;
    out->volume = p[1] & 0x3F;
    out->duration = (uint16_t)((p[2] << 8) | p[3]);
    return RG_OK;
}

int rg_dtmf_build(const struct rg_dtmf_event *e, uint8_t *out, size_t out_max)
{
    if (out_max < RG_DTMF_PAYLOAD_LEN)
        return RG_ELIMIT;
    if (e->volume > 63)
        return RG_EINVAL;
    out[0] = e->event;
    out[1] = (uint8_t)((e->end ? 0x80 : 0) | e->volume);
    out[2] = (uint8_t)(e->duration >> 8);
    out[3] = (uint8_t)e->duration;
    return RG_DTMF_PAYLOAD_LEN;
}

char rg_dtmf_event_char(uint8_t event)
{
    static const char chars[] = "0123456789*#ABCD";
    return event < 16 ? chars[event] : '?';
}

int rg_dtmf_mode_parse(struct rg_str s, enum rg_dtmf_mode *out)
{
    static const struct {
        const char *name;
        enum rg_dtmf_mode mode;
    } names[] = {
        { "rfc2833", RG_DTMF_RFC2833 },      { "none", RG_DTMF_NONE },
        { "outOfBand", RG_DTMF_OOB },        { "bothOobAnd2833", RG_DTMF_BOTH },
        { "eitherOobOrRfc2833", RG_DTMF_EITHER },
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (rg_str_caseeq_cstr(s, names[i].name)) {
            *out = names[i].mode;
            return RG_OK;
        }
    }
    return RG_ENOTFOUND;
}

int rg_dtmf_freqs(uint8_t event, unsigned *low_hz, unsigned *high_hz)
{
    /* ITU-T Q.23 keypad: rows 697/770/852/941, columns 1209/1336/1477/1633. */
    static const uint8_t pos[16] = { 13, 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 14, 3, 7, 11, 15 };
    static const unsigned rows[4] = { 697, 770, 852, 941 };
    static const unsigned cols[4] = { 1209, 1336, 1477, 1633 };
    if (event >= 16)
        return RG_EINVAL;
    *low_hz = rows[pos[event] / 4];
    *high_hz = cols[pos[event] % 4];
    return RG_OK;
}

void rg_dtmf_relay_init(struct rg_dtmf_relay *r, unsigned in_clock_hz, unsigned out_clock_hz,
                        bool relay, bool report)
{
    memset(r, 0, sizeof(*r));
    r->in_clock_hz = in_clock_hz ? in_clock_hz : 8000;
    r->out_clock_hz = out_clock_hz ? out_clock_hz : 8000;
    r->relay = relay;
    r->report = report;
}

static void put_pkt(const struct rg_dtmf_relay *r, struct rg_dtmf_out_pkt *p, uint32_t dur,
                    bool end, bool marker)
{
    struct rg_dtmf_event e = { r->event, end, r->volume, (uint16_t)dur };
    p->ts = r->out_start_ts + (uint32_t)r->out_seg_off;
    p->marker = marker;
    if (rg_dtmf_build(&e, p->payload, sizeof(p->payload)) < 0)
        memset(p->payload, 0, sizeof(p->payload)); /* unreachable: volume <= 63 */
}

static uint64_t out_total(const struct rg_dtmf_relay *r)
{
    return r->in_dur * r->out_clock_hz / r->in_clock_hz;
}

static void report_digit(struct rg_dtmf_relay *r)
{
    if (!r->report)
        return;
    if (r->n_digits == RG_DTMF_MAX_DIGITS) {
        memmove(r->digits, r->digits + 1, sizeof(r->digits[0]) * (RG_DTMF_MAX_DIGITS - 1));
        r->n_digits--;
        r->dropped++;
    }
    r->digits[r->n_digits].event = r->event;
    r->digits[r->n_digits].duration_ms = (uint32_t)(r->in_dur * 1000 / r->in_clock_hz);
    r->n_digits++;
}

/* Ends the current event: three identical end packets (RFC 4733 §2.5.1.4). */
static int end_event(struct rg_dtmf_relay *r, struct rg_dtmf_out_pkt *out)
{
    int n = 0;
    r->active = false;
    r->ended = true;
    report_digit(r);
    if (!r->relay)
        return 0;
    uint64_t dur = out_total(r) - r->out_seg_off;
    for (int i = 0; i < 3; i++)
        put_pkt(r, &out[n++], (uint32_t)(dur > DTMF_SEG_MAX ? DTMF_SEG_MAX : dur), true, false);
    return n;
}

/* Classifies the packet against the current event; returns -1 to drop it,
 * 1 when it starts a new event, 0 when it continues the current one. */
static int classify(struct rg_dtmf_relay *r, uint32_t in_ts, const struct rg_dtmf_event *ev)
{
    bool known = r->active || r->ended;
    if (known && in_ts == r->in_ts && ev->event == r->event) {
        if (r->ended || r->in_base + ev->duration < r->in_dur)
            return -1; /* end retransmission or reordered older update */
        return 0;
    }
    /* §2.5.1.3: a long event continues in a segment whose timestamp is the
     * previous one plus the previous segment's (maximal) duration. */
    if (r->active && ev->event == r->event && in_ts - r->in_ts == DTMF_SEG_MAX) {
        r->in_base += DTMF_SEG_MAX;
        r->in_ts = in_ts;
        return 0;
    }
    /* A straggler of an earlier event (timestamp before the current one). */
    if (known && (int32_t)(in_ts - r->in_ts) < 0)
        return -1;
    return 1;
}

int rg_dtmf_relay_input(struct rg_dtmf_relay *r, uint32_t in_ts, const uint8_t *payload,
                        size_t len, uint32_t out_now_ts,
                        struct rg_dtmf_out_pkt out[RG_DTMF_MAX_OUT])
{
    struct rg_dtmf_event ev;
    if (rg_dtmf_parse(payload, len, &ev) < 0)
        return RG_EBADMSG;
    int kind = classify(r, in_ts, &ev);
    if (kind < 0) {
        r->dropped++;
        return 0;
    }
    int n = 0;
    bool first = false;
    if (kind == 1) {
        if (r->active)
            n += end_event(r, out);
        r->active = true;
        r->ended = false;
        r->event = ev.event;
        r->in_ts = in_ts;
        r->in_base = 0;
        r->in_dur = 0;
        r->out_start_ts = out_now_ts;
        r->out_seg_off = 0;
        first = true;
    }
    r->volume = ev.volume;
    r->in_dur = r->in_base + ev.duration;
    if (r->relay) {
        for (int k = 0; out_total(r) - r->out_seg_off > DTMF_SEG_MAX; k++) {
            if (k < DTMF_MAX_ROLLOVERS) {
                put_pkt(r, &out[n++], DTMF_SEG_MAX, false, first);
                first = false;
            }
            r->out_seg_off += DTMF_SEG_MAX;
        }
    }
    if (ev.end)
        return n + end_event(r, out + n);
    if (r->relay)
        put_pkt(r, &out[n++], (uint32_t)(out_total(r) - r->out_seg_off), false, first);
    return n;
}

int rg_dtmf_relay_flush(struct rg_dtmf_relay *r, struct rg_dtmf_out_pkt out[RG_DTMF_MAX_OUT])
{
    if (!r->active)
        return 0;
    return end_event(r, out);
}

bool rg_dtmf_relay_active(const struct rg_dtmf_relay *r)
{
    return r->active;
}

int rg_dtmf_relay_pop_digit(struct rg_dtmf_relay *r, struct rg_dtmf_digit *out)
{
    if (r->n_digits == 0)
        return RG_ENOTFOUND;
    *out = r->digits[0];
    memmove(r->digits, r->digits + 1, sizeof(r->digits[0]) * (r->n_digits - 1));
    r->n_digits--;
    return RG_OK;
}
