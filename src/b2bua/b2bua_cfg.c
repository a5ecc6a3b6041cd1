/*
 * b2bua_cfg.c — configuration look-ups of the call model (see b2bua_cfg.h).
 */
#include "b2bua/b2bua_cfg.h"

#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "ctl/cfg_access.h"
#include "ctl/psp_codec.h"

static void put(struct b2b_tgname *o, const char *tg, const char *zone, const char *ac)
{
    (void)!rg_str_copy_cstr(rg_str_from_cstr(tg ? tg : ""), o->tg, sizeof(o->tg));
    (void)!rg_str_copy_cstr(rg_str_from_cstr(zone ? zone : ""), o->zone, sizeof(o->zone));
    (void)!rg_str_copy_cstr(rg_str_from_cstr(ac ? ac : ""), o->ac, sizeof(o->ac));
}

/* The longest ingressIpPrefix of trunk group t that holds src: its length,
 * or -1 when none does (or t has none). */
static int tg_prefix_match(const struct rg_cfg_node *t, const struct rg_addr *src)
{
    int best = -1;
    for (const struct rg_cfg_node *p = t->first; p && src; p = p->next) {
        struct rg_addr net;
        int64_t len = -1;
        if (strcmp(p->sch->name, "ingressIpPrefix") != 0 || !p->key ||
            rg_addr_parse_ip(rg_str_from_cstr(p->key), &net) != RG_OK ||
            rg_cfg_get_int(p, "prefixLength", &len) != RG_OK || len < 0 ||
            len > (net.family == RG_AF_INET4 ? 32 : 128) || net.family != src->family)
            continue;
        if (len > best && rg_addr_prefix_eq(&net, src, (unsigned)len))
            best = (int)len;
    }
    return best;
}

static bool tg_has_prefixes(const struct rg_cfg_node *t)
{
    for (const struct rg_cfg_node *p = t->first; p; p = p->next) {
        if (strcmp(p->sch->name, "ingressIpPrefix") == 0)
            return true;
    }
    return false;
}

/* Among the enabled trunk groups of zone z: the longest prefix match of
 * src, else the first one without prefixes. */
static const struct rg_cfg_node *pick_tg(const struct rg_cfg_node *z, const struct rg_addr *src)
{
    const struct rg_cfg_node *best = NULL, *plain = NULL;
    int best_len = -1;
    for (const struct rg_cfg_node *t = z->first; t; t = t->next) {
        const char *st = rg_cfg_get_at(t, "state");
        if (strcmp(t->sch->name, "sipTrunkGroup") != 0 || (st && strcmp(st, "enabled")))
            continue;
        int len = tg_prefix_match(t, src);
        if (len > best_len) {
            best = t;
            best_len = len;
        }
        if (!plain && !tg_has_prefixes(t))
            plain = t;
    }
    return best ? best : plain;
}

void rg__b2b_zone_tg(const struct rg_cfg *cfg, const char *zone, const struct rg_addr *src,
                     struct b2b_tgname *out)
{
    for (const struct rg_cfg_node *ac = cfg && zone ? cfg->root.first : NULL; ac; ac = ac->next) {
        if (strcmp(ac->sch->name, "addressContext") != 0)
            continue;
        for (const struct rg_cfg_node *z = ac->first; z; z = z->next) {
            if (!z->key || strcmp(z->key, zone) != 0)
                continue;
            const struct rg_cfg_node *t = pick_tg(z, src);
            if (t) {
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
                    rg__b2b_zone_tg(cfg, z->key, NULL, out);
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

int rg__b2b_tg_dtls_passive(const struct rg_cfg *cfg, const char *tg)
{
    struct rg_tg_ref ref;
    if (!cfg || !tg || !tg[0] || rg_cfg_trunk_group(cfg, tg, &ref) != RG_OK)
        return -1;
    const char *prof = rg_cfg_get_at(ref.tg, "media dtlsProfileName");
    char path[128];
    snprintf(path, sizeof(path), "profiles security dtlsProfile %s dtlsRole", prof ? prof : "");
    const char *role = prof ? rg_cfg_get(cfg, path) : NULL;
    return role ? strcmp(role, "server") == 0 : -1;
}

uint8_t rg__b2b_tg_dtls_prof(const struct rg_cfg *cfg, const char *tg, const char *const *names,
                             unsigned n)
{
    struct rg_tg_ref ref;
    if (!cfg || !tg || !tg[0] || !names || rg_cfg_trunk_group(cfg, tg, &ref) != RG_OK)
        return 0;
    const char *prof = rg_cfg_get_at(ref.tg, "media dtlsProfileName");
    for (unsigned i = 0; prof && i < n && i < UINT8_MAX; i++)
        if (names[i] && strcmp(names[i], prof) == 0)
            return (uint8_t)(i + 1);
    return 0;
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
