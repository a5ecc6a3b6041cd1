/*
 * sip_stimer.h — SIP session timers (RFC 4028), sans-IO.
 *
 * Negotiation helpers for the Session-Expires and Min-SE headers on both
 * sides of an INVITE or UPDATE, and the schedule of a running session
 * timer: the refresher re-INVITEs/UPDATEs at half the interval (§10); the
 * other side sends BYE when the session expires, less min(32 s, interval/3)
 * (§10).  struct rg_sip_stimer is plain caller-owned state; no allocation
 * except header values written into the caller's arena.  Times are int64
 * microseconds, intervals seconds as on the wire.
 */
#ifndef RG_PROTO_SIP_STIMER_H
#define RG_PROTO_SIP_STIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "proto/sip/sip_msg.h"

/* RFC 4028 §4: Min-SE is never below 90 s; §4 recommends 1800 s. */
#define RG_SIP_MIN_SE_FLOOR 90

enum rg_sip_refresher { RG_SIP_REFRESHER_NONE = 0, RG_SIP_REFRESHER_UAC, RG_SIP_REFRESHER_UAS };

struct rg_sip_stimer {
    bool active;
    bool we_refresh;
    uint32_t interval_s;
    int64_t started_us; /* last successful (re)start */
};

enum rg_sip_stimer_action { RG_SIP_ST_NONE = 0, RG_SIP_ST_REFRESH, RG_SIP_ST_BYE };

/* Session-Expires of m: RG_OK with *se and *ref (NONE when no refresher
 * parameter), RG_ENOTFOUND when absent, RG_EBADMSG when malformed. */
RG_MUST_CHECK int rg_sip_se_parse(const struct rg_sip_msg *m, uint32_t *se,
                                  enum rg_sip_refresher *ref);
/* Min-SE of m (RG_ENOTFOUND when absent). */
RG_MUST_CHECK int rg_sip_min_se_parse(const struct rg_sip_msg *m, uint32_t *min_se);

/* UAC: adds Session-Expires: se (with ;refresher=uac when we_refresh),
 * Min-SE: min_se and Supported: timer to request m, re-indexes it. */
RG_MUST_CHECK int rg_sip_stimer_offer(struct rg_sip_msg *m, struct rg_arena *arena, uint32_t se,
                                      uint32_t min_se, bool we_refresh);

/* UAS, on a request: returns 0 to go on, or 422 when its Session-Expires
 * is below our min_se (§8.1: answer with Min-SE: min_se, e.g. via
 * rg_sip_stimer_add_min_se). */
uint16_t rg_sip_stimer_check(const struct rg_sip_msg *req, uint32_t min_se);
RG_MUST_CHECK int rg_sip_stimer_add_min_se(struct rg_sip_msg *resp, struct rg_arena *arena,
                                           uint32_t min_se);

/* UAS, answering req with the 2xx resp (§9): the interval is the
 * request's Session-Expires lowered to our preference pref_se but never
 * below either Min-SE; without Session-Expires in the request we ask for
 * pref_se with refresher=uas (pref_se 0: no timer then).  The refresher is
 * the request's choice, else the UAC when it supports "timer", else us.
 * Writes Session-Expires (and Require: timer when the UAC refreshes) into
 * resp, fills *st started at now_us. */
RG_MUST_CHECK int rg_sip_stimer_answer(struct rg_sip_stimer *st, const struct rg_sip_msg *req,
                                       struct rg_sip_msg *resp, struct rg_arena *arena,
                                       uint32_t pref_se, uint32_t min_se, int64_t now_us);

/* UAC, on the 2xx resp (§7.2): the session timer it set, or none when
 * resp has no Session-Expires.  RG_OK or RG_EBADMSG. */
RG_MUST_CHECK int rg_sip_stimer_accept(struct rg_sip_stimer *st, const struct rg_sip_msg *resp,
                                       int64_t now_us);

/* UAC, on a 422 (§7.3): the Session-Expires to retry with (its Min-SE,
 * at least our old se).  RG_OK, RG_EBADMSG (no usable Min-SE). */
RG_MUST_CHECK int rg_sip_stimer_on_422(const struct rg_sip_msg *resp, uint32_t old_se,
                                       uint32_t *new_se);

/* A refresh succeeded (2xx to re-INVITE/UPDATE): restart the interval. */
void rg_sip_stimer_restart(struct rg_sip_stimer *st, int64_t now_us);

/* When the next action is due and which it is (RG_SIP_ST_NONE and
 * INT64_MAX when inactive). */
int64_t rg_sip_stimer_next_us(const struct rg_sip_stimer *st, enum rg_sip_stimer_action *what);

#endif
