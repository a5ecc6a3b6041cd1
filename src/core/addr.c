#include "core/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

int rg_addr_parse_ip(struct rg_str s, struct rg_addr *out)
{
    char tmp[RG_ADDR_IP_STRLEN];
    if (rg_str_copy_cstr(s, tmp, sizeof(tmp)) != RG_OK)
        return RG_EBADMSG;
    struct rg_addr a = { 0 };
    if (inet_pton(AF_INET, tmp, a.ip) == 1) {
        a.family = RG_AF_INET4;
    } else if (inet_pton(AF_INET6, tmp, a.ip) == 1) {
        a.family = RG_AF_INET6;
    } else {
        return RG_EBADMSG;
    }
    *out = a;
    return RG_OK;
}

int rg_addr_format_ip(const struct rg_addr *a, char *out, size_t out_size)
{
    int af = a->family == RG_AF_INET4 ? AF_INET : a->family == RG_AF_INET6 ? AF_INET6 : -1;
    if (af < 0)
        return RG_EINVAL;
    if (!inet_ntop(af, a->ip, out, (socklen_t)out_size))
        return RG_ELIMIT;
    return RG_OK;
}

int rg_addr_format(const struct rg_addr *a, char *out, size_t out_size)
{
    char ip[RG_ADDR_IP_STRLEN];
    int rc = rg_addr_format_ip(a, ip, sizeof(ip));
    if (rc != RG_OK)
        return rc;
    int n = snprintf(out, out_size, a->family == RG_AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
                     (unsigned)a->port);
    return n < 0 || (size_t)n >= out_size ? RG_ELIMIT : RG_OK;
}

static size_t ip_len(const struct rg_addr *a)
{
    return a->family == RG_AF_INET4 ? 4 : a->family == RG_AF_INET6 ? 16 : 0;
}

bool rg_addr_ip_eq(const struct rg_addr *a, const struct rg_addr *b)
{
    return a->family == b->family && memcmp(a->ip, b->ip, ip_len(a)) == 0;
}

bool rg_addr_eq(const struct rg_addr *a, const struct rg_addr *b)
{
    return rg_addr_ip_eq(a, b) && a->port == b->port;
}

bool rg_addr_prefix_eq(const struct rg_addr *a, const struct rg_addr *b, unsigned prefix_bits)
{
    if (a->family != b->family || a->family == RG_AF_NONE)
        return false;
    unsigned max = (unsigned)ip_len(a) * 8;
    if (prefix_bits > max)
        prefix_bits = max;
    unsigned full = prefix_bits / 8, rest = prefix_bits % 8;
    if (memcmp(a->ip, b->ip, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a->ip[full] & mask) == (b->ip[full] & mask);
}
