/* ice_cand.c — candidate priorities and the STUN source-priority helper. */
#include "proto/ice/ice.h"

uint32_t rg_ice_type_pref(enum rg_ice_cand_type type)
{
    /* RFC 8445 §5.1.2.2: recommended type preferences. */
    switch (type) {
    case RG_ICE_HOST:
        return 126;
    case RG_ICE_PRFLX:
        return 110;
    case RG_ICE_SRFLX:
        return 100;
    default:
        return 0;
    }
}

uint32_t rg_ice_priority(enum rg_ice_cand_type type, uint32_t local_pref, uint8_t component)
{
    /* RFC 8445 §5.1.2.1; local_pref is 16 bits, component 1..256. */
    if (local_pref > 0xFFFF)
        local_pref = 0xFFFF;
    uint32_t comp = component ? component : 1;
    return (rg_ice_type_pref(type) << 24) + (local_pref << 8) + (256 - comp);
}

uint64_t rg_ice_pair_priority(uint32_t controlling_prio, uint32_t controlled_prio)
{
    uint64_t g = controlling_prio, d = controlled_prio;
    uint64_t mn = g < d ? g : d, mx = g < d ? d : g;
    return (mn << 32) + 2 * mx + (g > d ? 1 : 0);
}

const char *rg_ice_state_name(enum rg_ice_state s)
{
    static const char *const names[] = {"new",       "checking", "connected",
                                        "completed", "failed",   "disconnected"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const char *rg_ice_cand_type_name(enum rg_ice_cand_type t)
{
    static const char *const names[] = {"host", "srflx", "prflx", "relay"};
    return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* The prefix length under which a candidate makes a source "priority"
 * (vendor iceSourceAddressFilterPriority rules), or -1 if it never does. */
static int priority_prefix(const struct rg_ice_cand *c, unsigned srflx_prefix_v4)
{
    bool v6 = c->addr.family == RG_AF_INET6;
    if (c->component != 1)
        return -1;
    switch (c->type) {
    case RG_ICE_HOST:
        return v6 ? 128 : -1; /* private IPv4 hosts are unreachable via NAT */
    case RG_ICE_RELAY:
        return v6 ? 128 : 32;
    case RG_ICE_SRFLX:
        if (v6)
            return -1;
        return (int)(srflx_prefix_v4 > 32 ? 32 : srflx_prefix_v4);
    default:
        return -1;
    }
}

bool rg_ice_source_is_priority(const struct rg_ice_cand *remote, size_t n,
                               const struct rg_addr *src, unsigned srflx_prefix_v4)
{
    if (!remote || !src)
        return false;
    for (size_t i = 0; i < n; i++) {
        int bits = priority_prefix(&remote[i], srflx_prefix_v4);
        if (bits < 0 || remote[i].addr.family != src->family)
            continue;
        if (rg_addr_prefix_eq(&remote[i].addr, src, (unsigned)bits))
            return true;
    }
    return false;
}
