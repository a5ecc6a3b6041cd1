/*
 * policer.h — token-bucket policers with accept/discard counters.
 *
 * The vendor's aggregate policers (`show table addressContext default
 * ipAccessControlList getAggrPolicers`, model §6) are token buckets: a
 * bucket of `bucket` credits refilled at `rate` credits per second; a packet
 * costs 1 credit (RG_POL_PKTRATE) or its length in bytes (RG_POL_DATARATE)
 * and is accepted when that many credits are left, else discarded.  Sans-IO:
 * time comes in as now_us (monotonic microseconds).  A policer is owned by
 * the one media thread that calls rg_policer_admit; the counters are plain
 * 64-bit values that the control thread may read (a torn read only shows a
 * slightly stale count on 32-bit hosts).
 */
#ifndef RG_MEDIA_POLICER_H
#define RG_MEDIA_POLICER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rg_policer_mode { RG_POL_PKTRATE = 0, RG_POL_DATARATE = 1 };

struct rg_policer {
    uint8_t mode;          /* enum rg_policer_mode */
    uint64_t bucket;       /* credits (packets or bytes) */
    uint64_t rate;         /* credits per second */
    uint64_t credit_us;    /* credits x 1e6 currently in the bucket */
    int64_t last_us;       /* time of the last refill */
    uint64_t accepted;     /* packets accepted since init */
    uint64_t discarded;    /* packets discarded since init */
};

/* Starts with a full bucket at now_us.  bucket and rate must be > 0 and
 * bucket <= 2^32 (credits are kept in micro-credits). */
void rg_policer_init(struct rg_policer *p, enum rg_policer_mode mode, uint64_t bucket,
                     uint64_t rate, int64_t now_us);

/* Polices one packet of len bytes at now_us; true = accept.  Counts it. */
bool rg_policer_admit(struct rg_policer *p, int64_t now_us, size_t len);

#endif
