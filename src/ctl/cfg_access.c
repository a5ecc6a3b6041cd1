/*
 * cfg_access.c — typed look-ups on a configuration (see cfg_access.h).
 */
#include "ctl/cfg_access.h"

#include <stdio.h>
#include <string.h>

static const struct rg_cfg_node *child(const struct rg_cfg_node *n, const char *name)
{
    for (const struct rg_cfg_node *k = n ? n->first : NULL; k; k = k->next) {
        if (strcmp(k->sch->name, name) == 0)
            return k;
    }
    return NULL;
}

int rg_cfg_trunk_group(const struct rg_cfg *c, const char *name, struct rg_tg_ref *out)
{
    for (const struct rg_cfg_node *ac = c->root.first; ac; ac = ac->next) {
        if (strcmp(ac->sch->name, "addressContext") != 0)
            continue;
        for (const struct rg_cfg_node *z = ac->first; z; z = z->next) {
            for (const struct rg_cfg_node *tg = z->first; tg; tg = tg->next) {
                if (strcmp(tg->sch->name, "sipTrunkGroup") == 0 && strcmp(tg->key, name) == 0) {
                    out->tg = tg;
                    out->address_context = ac->key;
                    out->zone = z->key;
                    return RG_OK;
                }
            }
        }
    }
    return RG_ENOTFOUND;
}

enum rg_ice_mode rg_cfg_tg_ice(const struct rg_cfg_node *tg)
{
    const char *v = rg_cfg_get_at(tg, "services natTraversal iceSupport");
    if (v && strcmp(v, "iceWebrtc") == 0)
        return RG_ICE_WEBRTC;
    if (v && strcmp(v, "iceLync") == 0)
        return RG_ICE_LYNC;
    if (v && strcmp(v, "iceFull") == 0)
        return RG_ICE_FULL;
    return RG_ICE_NONE;
}

static const struct rg_cfg_node *entry(const struct rg_cfg_node *list_parent, const char *list,
                                       const char *key)
{
    for (const struct rg_cfg_node *k = list_parent ? list_parent->first : NULL; k; k = k->next) {
        if (k->key && strcmp(k->sch->name, list) == 0 && strcmp(k->key, key) == 0)
            return k;
    }
    return NULL;
}

int rg_cfg_psp_codecs(const struct rg_cfg *c, const char *psp,
                      const struct rg_cfg_node *out[RG_PSP_MAX_CODECS])
{
    const struct rg_cfg_node *media = rg_cfg_lookup(c, "profiles media");
    const struct rg_cfg_node *p = entry(media, "packetServiceProfile", psp);
    if (!p)
        return RG_ENOTFOUND;
    int n = 0;
    /* Children are in schema order: codecEntry1 … codecEntry12. */
    for (const struct rg_cfg_node *k = child(p, "codec") ? child(p, "codec")->first : NULL; k;
         k = k->next) {
        const struct rg_cfg_node *ce = entry(media, "codecEntry", k->val);
        if (ce && n < RG_PSP_MAX_CODECS)
            out[n++] = ce;
    }
    return n;
}

static bool prefix_of(const char *prefix, struct rg_str number)
{
    size_t n = strlen(prefix);
    return n <= number.len && memcmp(prefix, number.p, n) == 0;
}

int rg_cfg_route_lookup(const struct rg_cfg *c, struct rg_str number, struct rg_route *out)
{
    const struct rg_cfg_node *best = NULL, *fallback = NULL;
    const struct rg_cfg_node *g = rg_cfg_lookup(c, "global");
    for (const struct rg_cfg_node *k = g ? g->first : NULL; k; k = k->next) {
        if (!k->key || strcmp(k->sch->name, "staticRoute") != 0)
            continue;
        if (strcmp(k->key, "default") == 0)
            fallback = k;
        else if (prefix_of(k->key, number) && (!best || strlen(k->key) > strlen(best->key)))
            best = k;
    }
    best = best ? best : fallback;
    int64_t port = 0;
    if (!best || rg_cfg_get_int(best, "destinationPort", &port) != RG_OK)
        return RG_ENOTFOUND;
    out->prefix = best->key;
    out->trunk_group = rg_cfg_get_at(best, "trunkGroup");
    out->host = rg_cfg_get_at(best, "destinationAddress");
    out->port = (unsigned)port;
    out->transport = rg_cfg_get_at(best, "transport");
    return RG_OK;
}

void rg_cfg_log_levels(const struct rg_cfg *c, struct rg_log *log)
{
    static const char *const names[] = { "error", "warn", "notice", "info", "debug", "trace" };
    for (int i = 0; i < RG_LOG_SUBSYS_COUNT; i++) {
        char path[96];
        snprintf(path, sizeof(path), "system logging level %s",
                 rg_log_subsys_name((enum rg_log_subsys)i));
        const char *v = rg_cfg_get(c, path);
        log->level[i] = RG_LOG_NOTICE;
        for (int l = 0; v && l <= RG_LOG_TRACE; l++) {
            if (strcmp(v, names[l]) == 0)
                log->level[i] = (unsigned char)l;
        }
    }
}
