/*
 * b2bua_cfg.h — the configuration look-ups of the call model (trunk groups
 * by zone, routes, ICE mode, DTLS fallback), kept apart from the media
 * headers (ctl/cfg_access.h and proto/ice/ice.h both name an enum
 * rg_ice_mode).  Internal to src/b2bua; views point into the snapshot.
 */
#ifndef RG_B2BUA_CFG_H
#define RG_B2BUA_CFG_H

#include <stdbool.h>

#include "core/addr.h"
#include "core/str.h"
#include "ctl/cfg.h"
#include "media/mcodec.h"

#define B2B_NAME_MAX 64

/* A trunk group and where it lives (callDetailStatus names). */
struct b2b_tgname {
    char tg[B2B_NAME_MAX], zone[B2B_NAME_MAX], ac[B2B_NAME_MAX];
};

struct b2b_route {
    const char *host, *transport, *trunk_group;
    unsigned port;
};

/* The ingress trunk group of a request from src (NULL: unknown) received on
 * a listener of zone: among the zone's enabled sipTrunkGroups the one with
 * the longest ingressIpPrefix holding src, else the first without any
 * ingressIpPrefix.  out untouched when none. */
void rg__b2b_zone_tg(const struct rg_cfg *cfg, const char *zone, const struct rg_addr *src,
                     struct b2b_tgname *out);
/* The first trunk group of the first zone with a WebSocket listener. */
void rg__b2b_ws_zone_tg(const struct rg_cfg *cfg, struct b2b_tgname *out);
/* Zone and address context of trunk group tg. */
void rg__b2b_tg_names(const struct rg_cfg *cfg, const char *tg, struct b2b_tgname *out);
/* allowDtlsFallback of the trunk group's packet service profile. */
bool rg__b2b_dtls_fallback(const struct rg_cfg *cfg, const char *tg);
/* media sdpAttributesSelectiveRelay of the trunk group is enabled. */
bool rg__b2b_attr_relay(const struct rg_cfg *cfg, const char *tg);
/* dtlsRole of the trunk group's `media dtlsProfileName`: 1 server (answer
 * an actpass offer with a=setup:passive), 0 client (active), -1 no profile
 * (the engine's default: active). */
int rg__b2b_tg_dtls_passive(const struct rg_cfg *cfg, const char *tg);
/* The trunk group's `media dtlsProfileName` as a 1-based index into
 * names[0..n) (rg_mside_req dtls_prof); 0 when unset, unknown or absent. */
uint8_t rg__b2b_tg_dtls_prof(const struct rg_cfg *cfg, const char *tg, const char *const *names,
                             unsigned n);
/* iceSupport of the trunk group: 0 none, 1 iceWebrtc/iceLync (lite), 2 iceFull. */
int rg__b2b_tg_ice(const struct rg_cfg *cfg, const char *tg);
/* The codec request toward a leg of trunk group tg from its packet service
 * profile's codec entries (ctl/psp_codec.h): *out all-zero (no codec
 * changes, the offer's codecs pass and the stream is relayed) when the
 * trunk group names no profile, the profile does not exist or lists no
 * codec the engine can code.  Returns the number of codec items. */
int rg__b2b_tg_codecs(const struct rg_cfg *cfg, const char *tg, struct rg_mcodec_req *out);
/* rg_cfg_route_lookup.  RG_OK or RG_ENOTFOUND. */
int rg__b2b_route(const struct rg_cfg *cfg, struct rg_str number, struct b2b_route *out);

#endif
