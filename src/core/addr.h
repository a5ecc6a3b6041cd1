/*
 * addr.h — transport addresses as plain values.
 *
 * struct rg_addr holds an IPv4 or IPv6 address and a port in network-neutral
 * form, so protocol cores (STUN, ICE, SDP) can carry addresses without
 * socket headers.  src/io converts to and from struct sockaddr.  Pure
 * functions, no state.
 */
#ifndef RG_CORE_ADDR_H
#define RG_CORE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

enum rg_addr_family { RG_AF_NONE = 0, RG_AF_INET4 = 4, RG_AF_INET6 = 6 };

struct rg_addr {
    uint8_t family; /* enum rg_addr_family */
    uint16_t port;  /* host byte order */
    uint8_t ip[16]; /* IPv4 uses ip[0..3] */
};

/* Longest text rg_addr_format_ip writes, with NUL ("ffff:...:255.255.255.255"). */
#define RG_ADDR_IP_STRLEN 46
/* Longest "[ip]:port" text, with NUL. */
#define RG_ADDR_STRLEN (RG_ADDR_IP_STRLEN + 8)

/* Parses an IPv4 or IPv6 literal (no brackets, no port); port is set to 0.
 * Returns RG_OK or RG_EBADMSG. */
int rg_addr_parse_ip(struct rg_str s, struct rg_addr *out);
/* Writes the IP as text ("192.0.2.1", "2001:db8::1").  Returns RG_OK or
 * RG_ELIMIT / RG_EINVAL. */
int rg_addr_format_ip(const struct rg_addr *a, char *out, size_t out_size);
/* Writes "ip:port" or "[ip6]:port". */
int rg_addr_format(const struct rg_addr *a, char *out, size_t out_size);

bool rg_addr_eq(const struct rg_addr *a, const struct rg_addr *b);    /* family, ip, port */
bool rg_addr_ip_eq(const struct rg_addr *a, const struct rg_addr *b); /* family, ip */
/* True when the first prefix_bits of both addresses (same family) agree. */
bool rg_addr_prefix_eq(const struct rg_addr *a, const struct rg_addr *b, unsigned prefix_bits);

#endif
