/*
 * policer.c — token buckets (see policer.h).
 *
 * Credits are kept in micro-credits so that a rate of R credits per second
 * adds exactly R micro-credits per microsecond, with no division on the
 * packet path.
 */
#include "media/policer.h"

#define MICRO 1000000u

void rg_policer_init(struct rg_policer *p, enum rg_policer_mode mode, uint64_t bucket,
                     uint64_t rate, int64_t now_us)
{
    p->mode = (uint8_t)mode;
    p->bucket = bucket ? bucket : 1;
    p->rate = rate ? rate : 1;
    if (p->bucket > UINT32_MAX)
        p->bucket = UINT32_MAX;
    p->credit_us = p->bucket * MICRO;
    p->last_us = now_us;
    p->accepted = 0;
    p->discarded = 0;
}

static void refill(struct rg_policer *p, int64_t now_us)
{
    uint64_t cap = p->bucket * MICRO;
    if (now_us <= p->last_us)
        return; /* time never runs backwards for a policer */
    uint64_t dt = (uint64_t)(now_us - p->last_us);
    p->last_us = now_us;
    /* Past the time to fill from empty the bucket is full; this also keeps
     * rate * dt from overflowing. */
    if (dt >= cap / p->rate + 1) {
        p->credit_us = cap;
        return;
    }
    uint64_t add = p->rate * dt;
    p->credit_us = cap - p->credit_us < add ? cap : p->credit_us + add;
}

bool rg_policer_admit(struct rg_policer *p, int64_t now_us, size_t len)
{
    refill(p, now_us);
    uint64_t cost = p->mode == RG_POL_DATARATE ? (uint64_t)len : 1;
    if (cost > p->bucket || p->credit_us < cost * MICRO) {
        p->discarded++;
        return false;
    }
    p->credit_us -= cost * MICRO;
    p->accepted++;
    return true;
}
