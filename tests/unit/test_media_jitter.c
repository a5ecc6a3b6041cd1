/* Unit tests for src/media/jitter: reorder, loss, late, duplicates, DTX
 * gaps and delay adaptation on a simulated clock. */
#include "harness.h"

#include "core/rng.h"
#include "media/jitter.h"

#define FRAME_TS 160 /* 20 ms at 8000 Hz */

static int init8k(struct rg_jb *jb)
{
    struct rg_jb_cfg c = { 8000, 20, 0, 0, 200 };
    return rg_jb_init(jb, &c);
}

static void push(struct rg_t *t, struct rg_jb *jb, uint16_t seq, int64_t now_us, int want)
{
    uint8_t pl[2] = { (uint8_t)seq, (uint8_t)(seq >> 8) };
    int rc = rg_jb_push(jb, seq, 1000u + (uint32_t)(seq - 100) * FRAME_TS, 0, false, pl, 2, now_us);
    CHECK_EQ_INT(t, rc, want);
}

/* Steps the clock in 1 ms ticks up to until_us, recording what comes out:
 * sequence numbers for packets, -1 lost, -2 underrun. */
static size_t run(struct rg_jb *jb, int64_t *now, int64_t until_us, int *log, size_t max)
{
    size_t n = 0;
    for (; *now <= until_us; *now += 1000) {
        struct rg_jb_pkt p, f;
        enum rg_jb_result r;
        while ((r = rg_jb_pop(jb, *now, &p, &f)) != RG_JB_NONE && n < max) {
            log[n++] = r == RG_JB_PACKET ? p.seq : r == RG_JB_LOST ? -1 : -2;
            if (r == RG_JB_PACKET && (p.payload[0] | p.payload[1] << 8) != p.seq)
                log[n - 1] = -100; /* payload mix-up */
            rg_jb_played(jb, FRAME_TS);
        }
    }
    return n;
}

static void reorder_and_loss(struct rg_t *t)
{
    struct rg_jb jb;
    REQUIRE(t, init8k(&jb) == RG_OK);
    int64_t now = 0;
    push(t, &jb, 100, 0, RG_OK);
    push(t, &jb, 102, 20000, RG_OK); /* 101 arrives after 102 */
    push(t, &jb, 101, 25000, RG_OK);
    push(t, &jb, 101, 26000, RG_EEXIST);
    push(t, &jb, 104, 60000, RG_OK); /* 103 lost */
    push(t, &jb, 105, 80000, RG_OK);
    int log[16];
    size_t n = run(&jb, &now, 200000, log, 16);
    const int want[] = { 100, 101, 102, -1, 104, 105 };
    REQUIRE(t, n >= 6);
    for (size_t i = 0; i < 6; i++)
        CHECK_EQ_INT(t, log[i], want[i]);
    push(t, &jb, 103, now, RG_ETIMEDOUT); /* too late now */
    struct rg_jb_stats st;
    rg_jb_get_stats(&jb, &st);
    CHECK_EQ_INT(t, st.lost, 1);
    CHECK_EQ_INT(t, st.duplicate, 1);
    CHECK_EQ_INT(t, st.late, 1);
    CHECK_EQ_INT(t, st.played, 5);
    rg_jb_deinit(&jb);
}

/* The FEC packet handed out with a loss is the one after it. */
static void loss_offers_next_for_fec(struct rg_t *t)
{
    struct rg_jb jb;
    REQUIRE(t, init8k(&jb) == RG_OK);
    push(t, &jb, 100, 0, RG_OK);
    push(t, &jb, 102, 40000, RG_OK);
    struct rg_jb_pkt p, f;
    CHECK_EQ_INT(t, rg_jb_pop(&jb, 20000, &p, &f), RG_JB_PACKET);
    rg_jb_played(&jb, FRAME_TS);
    CHECK_EQ_INT(t, rg_jb_pop(&jb, 39000, &p, &f), RG_JB_NONE); /* 101 not due yet */
    CHECK_EQ_INT(t, rg_jb_pop(&jb, 40000, &p, &f), RG_JB_LOST);
    REQUIRE(t, f.payload != NULL);
    CHECK_EQ_INT(t, f.seq, 102);
    rg_jb_played(&jb, FRAME_TS);
    CHECK_EQ_INT(t, rg_jb_pop(&jb, 65000, &p, &f), RG_JB_PACKET);
    CHECK_EQ_INT(t, p.seq, 102);
    rg_jb_deinit(&jb);
}

/* Packets played no earlier than they arrive and in order under jitter;
 * the target grows with jitter and stays within bounds. */
static unsigned jitter_run(struct rg_t *t, int jitter_ms, uint64_t seed)
{
    struct rg_rng_seeded s;
    struct rg_rng rng;
    rg_rng_seeded_init(&s, seed, &rng);
    struct rg_jb jb;
    if (init8k(&jb) != RG_OK)
        return 0;
    int64_t arrival[400];
    for (int i = 0; i < 400; i++)
        arrival[i] = i * 20000 + (jitter_ms ? (int64_t)(rg_rng_u32(&rng) % (jitter_ms * 1000)) : 0);
    int next_push = 0, expect = 100, lost = 0;
    for (int64_t now = 0; now < 400 * 20000 + 300000; now += 1000) {
        for (int i = 0; i < 400; i++) { /* true arrival order: reordering included */
            if (arrival[i] > now - 1000 && arrival[i] <= now) {
                uint8_t pl[2] = { 0, 0 };
                (void)rg_jb_push(&jb, (uint16_t)(100 + i), 1000u + i * FRAME_TS, 0, i % 50 == 0,
                                 pl, 2, now);
                next_push++;
            }
        }
        struct rg_jb_pkt p, f;
        enum rg_jb_result r;
        while ((r = rg_jb_pop(&jb, now, &p, &f)) != RG_JB_NONE) {
            if (r == RG_JB_PACKET) {
                CHECK(t, p.seq >= expect);
                CHECK(t, arrival[p.seq - 100] <= now);
                expect = p.seq + 1;
            } else if (r == RG_JB_LOST) {
                lost++;
            }
            rg_jb_played(&jb, FRAME_TS);
        }
    }
    struct rg_jb_stats st;
    rg_jb_get_stats(&jb, &st);
    CHECK(t, st.target_ms >= RG_JB_MIN_MS && st.target_ms <= RG_JB_MAX_MS);
    /* once adapted, (almost) nothing is lost to lateness */
    CHECK(t, st.played >= (jitter_ms > 100 ? 370u : 390u));
    if (getenv("JB_DEBUG"))
        fprintf(stderr, "    jitter %u us played %lu late %lu lost %lu\n", st.jitter_us, st.played, st.late, st.lost);
    rg_jb_deinit(&jb);
    return st.target_ms;
}

static void adapts_to_jitter(struct rg_t *t)
{
    unsigned calm = jitter_run(t, 0, 1), mid = jitter_run(t, 30, 2), wild = jitter_run(t, 150, 3);
    fprintf(stderr, "    target: %u ms (no jitter), %u ms (30 ms), %u ms (150 ms)\n", calm, mid,
            wild);
    CHECK_EQ_INT(t, calm, RG_JB_MIN_MS + 0);
    CHECK(t, mid > calm);
    CHECK(t, wild > mid);
    CHECK(t, wild <= RG_JB_MAX_MS);
}

/* DTX: sequence continues but the timestamp jumps 1 s.  The buffer
 * conceals at most RG_JB_MAX_CONCEAL_MS, stays quiet, then resumes on time
 * with the packet flagged as a resync. */
static void dtx_gap(struct rg_t *t)
{
    struct rg_jb jb;
    REQUIRE(t, init8k(&jb) == RG_OK);
    uint8_t pl[1] = { 0 };
    CHECK_OK(t, rg_jb_push(&jb, 7, 0, 0, false, pl, 1, 0));
    int64_t now = 0;
    int played = 0, under = 0;
    bool resync_seen = false;
    for (; now < 1100000; now += 1000) {
        if (now == 1000000)
            CHECK_OK(t, rg_jb_push(&jb, 8, 8000 + FRAME_TS, 0, true, pl, 1, now));
        struct rg_jb_pkt p, f;
        enum rg_jb_result r;
        while ((r = rg_jb_pop(&jb, now, &p, &f)) != RG_JB_NONE) {
            played += r == RG_JB_PACKET;
            under += r == RG_JB_UNDERRUN && now < 1000000;
            if (r == RG_JB_PACKET && p.seq == 8)
                resync_seen = p.resync;
            CHECK(t, r != RG_JB_LOST);
            rg_jb_played(&jb, FRAME_TS);
        }
    }
    CHECK_EQ_INT(t, played, 2);
    CHECK_EQ_INT(t, under, RG_JB_MAX_CONCEAL_MS / 20);
    CHECK(t, resync_seen);
    CHECK_EQ_INT(t, rg_jb_next_us(&jb) > now - 1000, 1);
    rg_jb_deinit(&jb);
}

/* A sequence jump (sender restart) resynchronises instead of stalling. */
static void seq_jump(struct rg_t *t)
{
    struct rg_jb jb;
    REQUIRE(t, init8k(&jb) == RG_OK);
    int64_t now = 0;
    push(t, &jb, 100, 0, RG_OK);
    push(t, &jb, 101, 20000, RG_OK);
    uint8_t pl[2] = { 0x30, 0x75 }; /* 30000 */
    CHECK_OK(t, rg_jb_push(&jb, 30000, 5555, 0, false, pl, 2, 40000));
    int log[8];
    size_t n = run(&jb, &now, 150000, log, 8);
    CHECK(t, n >= 1);
    CHECK_EQ_INT(t, n ? log[0] : 0, 30000);
    struct rg_jb_stats st;
    rg_jb_get_stats(&jb, &st);
    CHECK_EQ_INT(t, st.resyncs, 1);
    uint8_t big[201] = { 0 };
    CHECK_EQ_INT(t, rg_jb_push(&jb, 30001, 5555 + FRAME_TS, 0, false, big, 201, now), RG_ELIMIT);
    rg_jb_deinit(&jb);
    struct rg_jb_cfg bad = { 0, 20, 0, 0, 100 };
    CHECK_EQ_INT(t, rg_jb_init(&jb, &bad), RG_EINVAL);
}

static int jb_oom(void *arg)
{
    (void)arg;
    struct rg_jb jb;
    int rc = init8k(&jb);
    if (rc != RG_OK)
        return rc;
    uint8_t pl[200] = { 0 };
    for (uint16_t i = 0; i < 40 && rc == RG_OK; i++) /* slots wrap: buffers are reused */
        rc = rg_jb_push(&jb, i, i * FRAME_TS, 0, false, pl, 10 + i * 4, i * 20000);
    struct rg_jb_stats st;
    rg_jb_get_stats(&jb, &st);
    rg_jb_deinit(&jb);
    if (rc == RG_ENOMEM && st.nomem != 1)
        return RG_EINVAL;
    return rc;
}

static void oom(struct rg_t *t)
{
    rg_t_oom_step(t, jb_oom, NULL, 100);
}

static const struct rg_test_case cases[] = {
    { "reorder_and_loss", reorder_and_loss },
    { "loss_offers_next_for_fec", loss_offers_next_for_fec },
    { "adapts_to_jitter", adapts_to_jitter },
    { "dtx_gap", dtx_gap },
    { "seq_jump", seq_jump },
    { "oom", oom },
};

RG_TEST_MAIN(cases)
