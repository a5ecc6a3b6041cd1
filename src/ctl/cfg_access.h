/*
 * cfg_access.h — typed look-ups other modules use on a configuration
 * snapshot (ctl.h: take one with rg_ctl_snapshot, read, put it back).
 *
 * They read the tree only and return views into it (valid while the
 * snapshot is held); defaults come from the schema.  Thread-safe on an
 * immutable snapshot.
 */
#ifndef RG_CTL_CFG_ACCESS_H
#define RG_CTL_CFG_ACCESS_H

#include <stddef.h>

#include "core/err.h"
#include "core/str.h"
#include "core/log.h"
#include "ctl/cfg.h"

enum rg_ice_mode { RG_ICE_NONE = 0, RG_ICE_WEBRTC, RG_ICE_LYNC, RG_ICE_FULL };

struct rg_tg_ref {
    const struct rg_cfg_node *tg;  /* the sipTrunkGroup entry */
    const char *address_context;   /* its addressContext key */
    const char *zone;              /* its zone key */
};

/* Finds trunk group name in any address context and zone.  RG_OK or
 * RG_ENOTFOUND. */
RG_MUST_CHECK int rg_cfg_trunk_group(const struct rg_cfg *c, const char *name,
                                     struct rg_tg_ref *out);
/* The trunk group's `services natTraversal iceSupport`. */
enum rg_ice_mode rg_cfg_tg_ice(const struct rg_cfg_node *tg);

#define RG_PSP_MAX_CODECS 12
/* The codecEntry nodes of packetServiceProfile psp in preference order
 * (codecEntry1..12, gaps skipped).  Returns the count, or RG_ENOTFOUND. */
int rg_cfg_psp_codecs(const struct rg_cfg *c, const char *psp,
                      const struct rg_cfg_node *out[RG_PSP_MAX_CODECS]);

struct rg_route {
    const char *prefix;      /* matched key ("default" for the catch-all) */
    const char *trunk_group;
    const char *host;
    unsigned port;
    const char *transport;   /* udp tcp tls ws wss */
};

/* Longest `global staticRoute` prefix of the called number (digits, '+',
 * '*', '#'), else the `default` route.  RG_OK or RG_ENOTFOUND. */
RG_MUST_CHECK int rg_cfg_route_lookup(const struct rg_cfg *c, struct rg_str number,
                                      struct rg_route *out);

/* Sets log->level[] from `system logging level <subsystem>` (default notice). */
void rg_cfg_log_levels(const struct rg_cfg *c, struct rg_log *log);

#endif
