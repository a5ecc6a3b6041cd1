/*
 * udp.h — UDP sockets for the media and signalling loops (the only socket
 * code besides the other src/io files).
 *
 * Sockets are non-blocking.  Receiving and sending are batched with
 * recvmmsg/sendmmsg so one system call moves up to RG_UDP_BATCH datagrams:
 * at audio packet sizes the system calls, not SRTP, dominate the per-packet
 * cost.  Addresses cross this boundary as struct rg_addr (core/addr.h).
 * A struct rg_udp_batch is owned by one loop thread.
 */
#ifndef RG_IO_UDP_H
#define RG_IO_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"

#define RG_UDP_BATCH 32
#define RG_UDP_MAX_DATAGRAM 1500

struct rg_udp_batch {
    unsigned count; /* datagrams held */
    struct rg_addr peer[RG_UDP_BATCH];
    uint16_t len[RG_UDP_BATCH];
    uint8_t data[RG_UDP_BATCH][RG_UDP_MAX_DATAGRAM];
};

/* Converts between struct rg_addr and a sockaddr (sockaddr_in/_in6) held
 * in storage of *len bytes.  Return RG_OK or RG_EINVAL. */
struct sockaddr;
int rg_udp_addr_to_sockaddr(const struct rg_addr *a, struct sockaddr *sa, unsigned *len);
int rg_udp_addr_from_sockaddr(const struct sockaddr *sa, struct rg_addr *out);

/* Opens a non-blocking UDP socket bound to local (port 0 = any port).
 * Returns the fd (owned by the caller, close with close(2)) or a negative
 * rg_err.  *bound receives the address actually bound. */
RG_MUST_CHECK int rg_udp_open(const struct rg_addr *local, struct rg_addr *bound);

/* Opens a socket on the first free port in [port_lo, port_hi] at or after
 * *cursor, stepping by `step` (2 keeps RTP on even ports); advances *cursor.
 * Returns fd or RG_ELIMIT when the range is exhausted. */
RG_MUST_CHECK int rg_udp_open_in_range(const struct rg_addr *ip, uint16_t port_lo, uint16_t port_hi,
                                       unsigned step, uint16_t *cursor, struct rg_addr *bound);

/* Receives up to RG_UDP_BATCH datagrams into b (replacing its contents).
 * Returns the count (0 when nothing is pending) or RG_EIO. */
RG_MUST_CHECK int rg_udp_recv_batch(int fd, struct rg_udp_batch *b);

/* Sends datagrams[i] (len[i] bytes) to peers[i] for i < n with as few system
 * calls as possible.  Returns how many were handed to the kernel (a full
 * socket buffer stops early) or RG_EIO. */
RG_MUST_CHECK int rg_udp_send_batch(int fd, const struct rg_addr *peers, const uint8_t *const *datagrams,
                                    const uint16_t *len, unsigned n);

/* One datagram. Returns RG_OK, RG_EAGAIN (socket buffer full) or RG_EIO. */
RG_MUST_CHECK int rg_udp_send(int fd, const struct rg_addr *peer, const void *p, size_t n);

#endif
