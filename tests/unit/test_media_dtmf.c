/* Unit tests for src/media/dtmf: RFC 4733 payloads and relay between a
 * 48000 Hz (browser, Opus) and an 8000 Hz (SIP, G.711) telephone-event. */
#include "harness.h"

#include "media/dtmf.h"

static void payload_round_trip(struct rg_t *t)
{
    /* RFC 4733 §2.3 layout: event 11 ('#'), E=1, volume 10, duration 1000. */
    const uint8_t wire[4] = { 0x0B, 0x8A, 0x03, 0xE8 };
    struct rg_dtmf_event e;
    CHECK_OK(t, rg_dtmf_parse(wire, 4, &e));
    CHECK_EQ_INT(t, e.event, 11);
    CHECK(t, e.end);
    CHECK_EQ_INT(t, e.volume, 10);
    CHECK_EQ_INT(t, e.duration, 1000);
    uint8_t out[4];
    CHECK_EQ_INT(t, rg_dtmf_build(&e, out, sizeof(out)), 4);
    CHECK_MEM(t, out, 4, wire, 4);
    const uint8_t r_bit[4] = { 0x01, 0x4A, 0x00, 0xA0 }; /* R bit set: ignored */
    CHECK_OK(t, rg_dtmf_parse(r_bit, 4, &e));
    CHECK(t, !e.end && e.volume == 10 && e.event == 1);
    CHECK_EQ_INT(t, rg_dtmf_parse(wire, 3, &e), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_dtmf_parse(wire, 6, &e), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_dtmf_build(&e, out, 3), RG_ELIMIT);
    e.volume = 64;
    CHECK_EQ_INT(t, rg_dtmf_build(&e, out, 4), RG_EINVAL);
    CHECK(t, rg_dtmf_event_char(10) == '*' && rg_dtmf_event_char(15) == 'D');
    unsigned lo, hi;
    CHECK_OK(t, rg_dtmf_freqs(5, &lo, &hi));
    CHECK(t, lo == 770 && hi == 1336);
    CHECK_OK(t, rg_dtmf_freqs(0, &lo, &hi));
    CHECK(t, lo == 941 && hi == 1336);
    CHECK_OK(t, rg_dtmf_freqs(11, &lo, &hi));
    CHECK(t, lo == 941 && hi == 1477);
    CHECK_EQ_INT(t, rg_dtmf_freqs(16, &lo, &hi), RG_EINVAL);
    enum rg_dtmf_mode m;
    CHECK_OK(t, rg_dtmf_mode_parse(RG_STR_LIT("eitherOobOrRfc2833"), &m));
    CHECK_EQ_INT(t, m, RG_DTMF_EITHER);
    CHECK_EQ_INT(t, rg_dtmf_mode_parse(RG_STR_LIT("info"), &m), RG_ENOTFOUND);
}

static void mk(uint8_t *p, uint8_t ev, bool end, uint16_t dur)
{
    struct rg_dtmf_event e = { ev, end, 10, dur };
    if (rg_dtmf_build(&e, p, 4) != 4)
        abort();
}

static struct rg_dtmf_event ev_of(const struct rg_dtmf_out_pkt *o)
{
    struct rg_dtmf_event e = { 0, false, 0, 0 };
    if (rg_dtmf_parse(o->payload, 4, &e) != RG_OK)
        abort();
    return e;
}

/* Browser → SIP: a 200 ms '5' at 48000 Hz, updates every 50 ms, end sent
 * three times; the SIP side must see 8000 Hz durations, the output
 * timeline's timestamp, one marker, exactly three ends. */
static void relay_48k_to_8k(struct rg_t *t)
{
    struct rg_dtmf_relay r;
    rg_dtmf_relay_init(&r, 48000, 8000, true, true);
    struct rg_dtmf_out_pkt o[RG_DTMF_MAX_OUT];
    uint8_t p[4];
    const uint32_t in_ts = 0xFFFFF000u, out_ts = 123456;
    int markers = 0, ends = 0;
    for (int k = 1; k <= 4; k++) {
        mk(p, 5, false, (uint16_t)(2400 * k));
        int n = rg_dtmf_relay_input(&r, in_ts, p, 4, out_ts + 160u * k, o);
        REQUIRE(t, n == 1);
        CHECK_EQ_INT(t, o[0].ts, out_ts + 160); /* start is fixed at the first packet */
        CHECK_EQ_INT(t, ev_of(&o[0]).duration, 400 * k);
        CHECK_EQ_INT(t, ev_of(&o[0]).event, 5);
        markers += o[0].marker;
        CHECK(t, rg_dtmf_relay_active(&r));
    }
    for (int k = 0; k < 3; k++) { /* the sender's three ends */
        mk(p, 5, true, 9600);
        int n = rg_dtmf_relay_input(&r, in_ts, p, 4, out_ts, o);
        if (k == 0) {
            REQUIRE(t, n == 3);
            for (int i = 0; i < 3; i++) {
                CHECK(t, ev_of(&o[i]).end);
                CHECK_EQ_INT(t, ev_of(&o[i]).duration, 1600);
                CHECK_EQ_INT(t, o[i].ts, out_ts + 160);
                ends++;
            }
        } else {
            CHECK_EQ_INT(t, n, 0); /* retransmissions absorbed */
        }
    }
    CHECK_EQ_INT(t, markers, 1);
    CHECK_EQ_INT(t, ends, 3);
    CHECK(t, !rg_dtmf_relay_active(&r));
    struct rg_dtmf_digit d;
    CHECK_OK(t, rg_dtmf_relay_pop_digit(&r, &d));
    CHECK_EQ_INT(t, d.event, 5);
    CHECK_EQ_INT(t, d.duration_ms, 200);
    CHECK_EQ_INT(t, rg_dtmf_relay_pop_digit(&r, &d), RG_ENOTFOUND);
}

/* SIP → browser: a 2 s event at 8000 Hz is 96000 units at 48000 Hz, beyond
 * 16 bits, so the output is split into segments (RFC 4733 §2.5.1.3). */
static void relay_8k_to_48k_segments(struct rg_t *t)
{
    struct rg_dtmf_relay r;
    rg_dtmf_relay_init(&r, 8000, 48000, true, false);
    struct rg_dtmf_out_pkt o[RG_DTMF_MAX_OUT];
    uint8_t p[4];
    const uint32_t out0 = 5000;
    uint32_t last_ts = 0, seg_ts = out0;
    for (int k = 1; k <= 40; k++) { /* 50 ms updates up to 2 s */
        mk(p, 9, false, (uint16_t)(400 * k));
        int n = rg_dtmf_relay_input(&r, 777, p, 4, k == 1 ? out0 : out0 + 100u * k, o);
        REQUIRE(t, n >= 1 && n <= 2);
        for (int i = 0; i < n; i++) {
            struct rg_dtmf_event e = ev_of(&o[i]);
            if (e.duration == 0xFFFF && n == 2 && i == 0) {
                CHECK_EQ_INT(t, o[i].ts, seg_ts);
                seg_ts += 0xFFFF;
                continue;
            }
            CHECK_EQ_INT(t, o[i].ts, seg_ts);
            CHECK_EQ_INT(t, (uint64_t)(o[i].ts - out0) + e.duration, 2400u * k);
            last_ts = o[i].ts;
        }
    }
    CHECK_EQ_INT(t, last_ts, out0 + 0xFFFF);
    mk(p, 9, true, 16000);
    int n = rg_dtmf_relay_input(&r, 777, p, 4, 0, o);
    REQUIRE(t, n == 3);
    CHECK_EQ_INT(t, o[2].ts, out0 + 0xFFFF);
    CHECK_EQ_INT(t, ev_of(&o[2]).duration, 96000 - 0xFFFF);
    CHECK(t, ev_of(&o[2]).end);
}

/* Input segments (a long event from a 48 kHz sender) are joined, stale and
 * reordered updates dropped, and a new event closes an unfinished one. */
static void relay_reorder_and_segments(struct rg_t *t)
{
    struct rg_dtmf_relay r;
    rg_dtmf_relay_init(&r, 48000, 8000, true, false);
    struct rg_dtmf_out_pkt o[RG_DTMF_MAX_OUT];
    uint8_t p[4];
    mk(p, 1, false, 60000);
    CHECK_EQ_INT(t, rg_dtmf_relay_input(&r, 1000, p, 4, 50, o), 1);
    mk(p, 1, false, 50000); /* older update arriving late */
    CHECK_EQ_INT(t, rg_dtmf_relay_input(&r, 1000, p, 4, 50, o), 0);
    mk(p, 1, false, 4800); /* next input segment: ts + 0xFFFF */
    REQUIRE(t, rg_dtmf_relay_input(&r, 1000 + 0xFFFF, p, 4, 90, o) == 1);
    CHECK_EQ_INT(t, o[0].ts, 50);
    CHECK_EQ_INT(t, ev_of(&o[0]).duration, (0xFFFF + 4800) / 6);
    mk(p, 2, false, 480); /* a new digit before the old one ended */
    int n = rg_dtmf_relay_input(&r, 200000, p, 4, 900, o);
    REQUIRE(t, n == 4);
    CHECK(t, ev_of(&o[0]).end && ev_of(&o[0]).event == 1);
    CHECK(t, ev_of(&o[3]).event == 2 && o[3].marker && o[3].ts == 900);
    mk(p, 1, false, 480); /* straggler of the old event */
    CHECK_EQ_INT(t, rg_dtmf_relay_input(&r, 1000, p, 4, 950, o), 0);
    CHECK_EQ_INT(t, rg_dtmf_relay_flush(&r, o), 3);
    CHECK_EQ_INT(t, rg_dtmf_relay_flush(&r, o), 0);
    CHECK(t, r.dropped >= 2);
}

/* Out-of-band only: no packets, digits reported. */
static void report_only(struct rg_t *t)
{
    struct rg_dtmf_relay r;
    rg_dtmf_relay_init(&r, 8000, 8000, false, true);
    struct rg_dtmf_out_pkt o[RG_DTMF_MAX_OUT];
    uint8_t p[4];
    for (uint8_t d = 0; d < 20; d++) {
        mk(p, d % 16, false, 800);
        CHECK_EQ_INT(t, rg_dtmf_relay_input(&r, 10000u * d, p, 4, 0, o), 0);
        mk(p, d % 16, true, 800);
        CHECK_EQ_INT(t, rg_dtmf_relay_input(&r, 10000u * d, p, 4, 0, o), 0);
    }
    struct rg_dtmf_digit dg;
    int n = 0;
    while (rg_dtmf_relay_pop_digit(&r, &dg) == RG_OK) {
        CHECK_EQ_INT(t, dg.duration_ms, 100);
        n++;
    }
    CHECK_EQ_INT(t, n, RG_DTMF_MAX_DIGITS); /* bounded, oldest dropped */
}

static const struct rg_test_case cases[] = {
    { "payload_round_trip", payload_round_trip },
    { "relay_48k_to_8k", relay_48k_to_8k },
    { "relay_8k_to_48k_segments", relay_8k_to_48k_segments },
    { "relay_reorder_and_segments", relay_reorder_and_segments },
    { "report_only", report_only },
};

RG_TEST_MAIN(cases)
