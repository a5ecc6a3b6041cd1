/*
 * b2bua_cfg.c — configuration look-ups of the call model (see b2bua_cfg.h).
 */
#include "b2bua/b2bua_cfg.h"

#include <stdio.h>
#include <string.h>

#include "ctl/cfg_access.h"
#include "ctl/psp_codec.h"

static void put(struct b2b_tgname *o, const char *tg, const char *zone, const char *ac)
{
    (void)!rg_str_copy_cstr(rg_str_from_cstr(tg ? tg : ""), o->tg, sizeof(o->tg));
    (void)!rg_str_copy_cstr(rg_str_from_cstr(zone ? zone : ""), o->zone, sizeof(o->zone));
    (void)!rg_str_copy_cstr(rg_str_from_cstr(ac ? ac : ""), o->ac, sizeof(o->ac));
}

void rg__b2b_zone_tg(const struct rg_cfg *cfg, const char *zone, struct b2b_tgname *out)
{
    for (const struct rg_cfg_node *ac = cfg && zone ? cfg->root.first : NULL; ac; ac = ac->next) {
        if (strcmp(ac->sch->name, "addressContext") != 0)
            continue;
        for (const struct rg_cfg_node *z = ac->first; z; z = z->next) {
            if (!z->key || strcmp(z->key, zone) != 0)
                continue;
            for (const struct rg_cfg_node *t = z->first; t; t = t->next) {
                const char *st = rg_cfg_get_at(t, "state");
                if (strcmp(t->sch->name, "sipTrunkGroup") != 0 || (st && strcmp(st, "enabled")))
                    continue;
                put(out, t->key, z->key, ac->key);
                return;
            }
        }
    }
}

void rg__b2b_ws_zone_tg(const struct rg_cfg *cfg, struct b2b_tgname *out)
{
    for (const struct rg_cfg_node *ac = cfg ? cfg->root.first : NULL; ac; ac = ac->next) {
        if (strcmp(ac->sch->name, "addressContext") != 0)
            continue;
        for (const struct rg_cfg_node *z = ac->first; z; z = z->next) {
            for (const struct rg_cfg_node *sp = z->first; sp; sp = sp->next) {
                const char *t = rg_cfg_get_at(sp, "transportProtocolsAllowed");
                if (strcmp(sp->sch->name, "sipSigPort") == 0 && t && strstr(t, "sip-ws")) {
                    rg__b2b_zone_tg(cfg, z->key, out);
                    return;
                }
            }
        }
    }
}

void rg__b2b_tg_names(const struct rg_cfg *cfg, const char *tg, struct b2b_tgname *out)
{
    struct rg_tg_ref ref;
    if (cfg && tg && rg_cfg_trunk_group(cfg, tg, &ref) == RG_OK)
        put(out, tg, ref.zone, ref.address_context);
}

bool rg__b2b_dtls_fallback(const struct rg_cfg *cfg, const char *tg)
{
    struct rg_tg_ref ref;
    if (!cfg || !tg || !tg[0] || rg_cfg_trunk_group(cfg, tg, &ref) != RG_OK)
        return false;
    const char *psp = rg_cfg_get_at(ref.tg, "policy media packetServiceProfile");
    char path[192];
    snprintf(path, sizeof(path),
             "profiles media packetServiceProfile %s dtls dtlsFlags allowDtlsFallback",
             psp ? psp : "DEFAULT");
    const char *v = rg_cfg_get(cfg, path);
    return v && strcmp(v, "enable") == 0;
}

bool rg__b2b_attr_relay(const struct rg_cfg *cfg, const char *tg)
{
    struct rg_tg_ref ref;
    if (!cfg || !tg || !tg[0] || rg_cfg_trunk_group(cfg, tg, &ref) != RG_OK)
        return false;
    const char *v = rg_cfg_get_at(ref.tg, "media sdpAttributesSelectiveRelay");
    return v && strcmp(v, "enabled") == 0;
}

int rg__b2b_tg_ice(const struct rg_cfg *cfg, const char *tg)
{
    struct rg_tg_ref ref;
    if (!cfg || !tg || !tg[0] || rg_cfg_trunk_group(cfg, tg, &ref) != RG_OK)
        return 0;
    switch (rg_cfg_tg_ice(ref.tg)) {
    case RG_ICE_FULL:
        return 2;
    case RG_ICE_WEBRTC:
    case RG_ICE_LYNC:
        return 1;
    default:
        return 0;
    }
}

int rg__b2b_tg_codecs(const struct rg_cfg *cfg, const char *tg, struct rg_mcodec_req *out)
{
    struct rg_tg_ref ref;
    struct rg_mcodec_req r;
    memset(out, 0, sizeof(*out));
    if (!cfg || !tg || !tg[0] || rg_cfg_trunk_group(cfg, tg, &ref) != RG_OK)
        return 0;
    const char *psp = rg_cfg_get_at(ref.tg, "policy media packetServiceProfile");
    int n = psp ? rg_psp_codec_req(cfg, psp, &r, NULL) : 0;
    if (n <= 0)
        return 0;
    *out = r;
    return n;
}

int rg__b2b_route(const struct rg_cfg *cfg, struct rg_str number, struct b2b_route *out)
{
    struct rg_route rt;
    if (!cfg || rg_cfg_route_lookup(cfg, number, &rt) != RG_OK || !rt.host)
        return RG_ENOTFOUND;
    out->host = rt.host;
    out->transport = rt.transport ? rt.transport : "udp";
    out->trunk_group = rt.trunk_group;
    out->port = rt.port;
    return RG_OK;
}
