/* SIP session timers: RFC 4028 §4 - §10. */
#include "proto/sip/sip_stimer.h"

#include <stdio.h>

#include "proto/sip/sip_build.h"

static int put_uint_hdr(struct rg_sip_msg *m, struct rg_arena *arena, const char *name, uint32_t v,
                        const char *suffix)
{
    char s[48];
    int n = snprintf(s, sizeof(s), "%u%s", (unsigned)v, suffix);
    if (n < 0 || (size_t)n >= sizeof(s))
        return RG_EINVAL;
    return rg_sip_msg_replace(m, arena, rg_str_from_cstr(name), rg_str_make(s, (size_t)n));
}

/* delta-seconds *( ";" param ), RFC 4028 §4 grammar (refresher values
 * "uac" / "uas"). */
int rg_sip_se_parse(const struct rg_sip_msg *m, uint32_t *se, enum rg_sip_refresher *ref)
{
    const struct rg_sip_hdr *h = rg_sip_msg_find(m, RG_STR_LIT("Session-Expires"), NULL);
    if (!h)
        return RG_ENOTFOUND;
    struct rg_str v = h->value;
    long semi = rg_str_find_char(v, ';');
    struct rg_str num = rg_str_trim(semi < 0 ? v : rg_str_head(v, (size_t)semi));
    uint32_t n;
    if (rg_str_to_u32(num, UINT32_MAX, &n) != RG_OK || n == 0)
        return RG_EBADMSG;
    enum rg_sip_refresher r = RG_SIP_REFRESHER_NONE;
    while (semi >= 0) {
        v = rg_str_from(v, (size_t)semi + 1);
        semi = rg_str_find_char(v, ';');
        struct rg_str p = rg_str_trim(semi < 0 ? v : rg_str_head(v, (size_t)semi));
        if (rg_str_caseeq_cstr(p, "refresher=uac"))
            r = RG_SIP_REFRESHER_UAC;
        else if (rg_str_caseeq_cstr(p, "refresher=uas"))
            r = RG_SIP_REFRESHER_UAS;
        else if (rg_str_has_caseprefix(p, "refresher"))
            return RG_EBADMSG;
    }
    *se = n;
    *ref = r;
    return RG_OK;
}

int rg_sip_min_se_parse(const struct rg_sip_msg *m, uint32_t *min_se)
{
    const struct rg_sip_hdr *h = rg_sip_msg_find(m, RG_STR_LIT("Min-SE"), NULL);
    if (!h)
        return RG_ENOTFOUND;
    long semi = rg_str_find_char(h->value, ';');
    struct rg_str num = rg_str_trim(semi < 0 ? h->value : rg_str_head(h->value, (size_t)semi));
    uint32_t n;
    if (rg_str_to_u32(num, UINT32_MAX, &n) != RG_OK)
        return RG_EBADMSG;
    *min_se = n;
    return RG_OK;
}

static int reindex(struct rg_sip_msg *m, struct rg_arena *arena)
{
    struct rg_sip_error e;
    int rc = rg_sip_msg_index(m, arena, &e);
    return rc == RG_OK || rc == RG_ENOMEM ? rc : RG_EINVAL;
}

int rg_sip_stimer_offer(struct rg_sip_msg *m, struct rg_arena *arena, uint32_t se, uint32_t min_se,
                        bool we_refresh)
{
    if (se < min_se || min_se < RG_SIP_MIN_SE_FLOOR)
        return RG_EINVAL;
    int rc = put_uint_hdr(m, arena, "Session-Expires", se, we_refresh ? ";refresher=uac" : "");
    if (rc == RG_OK)
        rc = put_uint_hdr(m, arena, "Min-SE", min_se, "");
    if (rc == RG_OK)
        rc = rg_sip_msg_add(m, arena, RG_STR_LIT("Supported"), RG_STR_LIT("timer"));
    return rc == RG_OK ? reindex(m, arena) : rc;
}

uint16_t rg_sip_stimer_check(const struct rg_sip_msg *req, uint32_t min_se)
{
    uint32_t se;
    enum rg_sip_refresher r;
    if (rg_sip_se_parse(req, &se, &r) == RG_OK && se < min_se)
        return 422;
    return 0;
}

int rg_sip_stimer_add_min_se(struct rg_sip_msg *resp, struct rg_arena *arena, uint32_t min_se)
{
    int rc = put_uint_hdr(resp, arena, "Min-SE", min_se, "");
    return rc == RG_OK ? reindex(resp, arena) : rc;
}

static bool supports_timer(const struct rg_sip_msg *m)
{
    for (size_t i = 0; i < m->supported.n; i++)
        if (rg_str_caseeq_cstr(m->supported.v[i], "timer"))
            return true;
    return false;
}

int rg_sip_stimer_answer(struct rg_sip_stimer *st, const struct rg_sip_msg *req,
                         struct rg_sip_msg *resp, struct rg_arena *arena, uint32_t pref_se,
                         uint32_t min_se, int64_t now_us)
{
    uint32_t se = 0, req_min = 0;
    enum rg_sip_refresher ref = RG_SIP_REFRESHER_NONE;
    int rc = rg_sip_se_parse(req, &se, &ref);
    if (rc == RG_EBADMSG)
        return rc;
    bool uac_timer = supports_timer(req);
    if (rc == RG_ENOTFOUND) {
        *st = (struct rg_sip_stimer){0};
        if (pref_se == 0)
            return RG_OK;
        se = pref_se; /* §9: the UAS may still ask for a timer it refreshes */
        ref = RG_SIP_REFRESHER_UAS;
    }
    if (rg_sip_min_se_parse(req, &req_min) != RG_OK)
        req_min = 0;
    uint32_t floor = min_se > req_min ? min_se : req_min;
    if (pref_se && se > pref_se)
        se = pref_se;
    if (se < floor)
        se = floor;
    if (ref == RG_SIP_REFRESHER_NONE)
        ref = uac_timer ? RG_SIP_REFRESHER_UAC : RG_SIP_REFRESHER_UAS;
    if (ref == RG_SIP_REFRESHER_UAC && !uac_timer)
        ref = RG_SIP_REFRESHER_UAS; /* a UAC without "timer" cannot refresh (§9) */
    rc = put_uint_hdr(resp, arena, "Session-Expires", se,
                      ref == RG_SIP_REFRESHER_UAC ? ";refresher=uac" : ";refresher=uas");
    if (rc == RG_OK && uac_timer)
        rc = rg_sip_msg_add(resp, arena, RG_STR_LIT("Require"), RG_STR_LIT("timer"));
    if (rc == RG_OK)
        rc = reindex(resp, arena);
    if (rc != RG_OK)
        return rc;
    *st = (struct rg_sip_stimer){true, ref == RG_SIP_REFRESHER_UAS, se, now_us};
    return RG_OK;
}

int rg_sip_stimer_accept(struct rg_sip_stimer *st, const struct rg_sip_msg *resp, int64_t now_us)
{
    uint32_t se;
    enum rg_sip_refresher ref;
    int rc = rg_sip_se_parse(resp, &se, &ref);
    if (rc == RG_ENOTFOUND) {
        *st = (struct rg_sip_stimer){0};
        return RG_OK;
    }
    if (rc != RG_OK)
        return rc;
    /* §7.2: a missing refresher in the answer means the UAC refreshes. */
    *st = (struct rg_sip_stimer){true, ref != RG_SIP_REFRESHER_UAS, se, now_us};
    return RG_OK;
}

int rg_sip_stimer_on_422(const struct rg_sip_msg *resp, uint32_t old_se, uint32_t *new_se)
{
    uint32_t min_se;
    if (resp->status != 422 || rg_sip_min_se_parse(resp, &min_se) != RG_OK || min_se == 0)
        return RG_EBADMSG;
    *new_se = min_se > old_se ? min_se : old_se;
    return RG_OK;
}

void rg_sip_stimer_restart(struct rg_sip_stimer *st, int64_t now_us)
{
    st->started_us = now_us;
}

int64_t rg_sip_stimer_next_us(const struct rg_sip_stimer *st, enum rg_sip_stimer_action *what)
{
    if (!st->active) {
        *what = RG_SIP_ST_NONE;
        return INT64_MAX;
    }
    int64_t iv = (int64_t)st->interval_s * 1000000;
    if (st->we_refresh) {
        *what = RG_SIP_ST_REFRESH;
        return st->started_us + iv / 2;
    }
    int64_t margin = iv / 3 < 32000000 ? iv / 3 : 32000000;
    *what = RG_SIP_ST_BYE;
    return st->started_us + iv - margin;
}
