#include "io/udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int rg_udp_addr_to_sockaddr(const struct rg_addr *a, struct sockaddr *sa, unsigned *len)
{
    if (a->family == RG_AF_INET4 && *len >= sizeof(struct sockaddr_in)) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
        memset(s4, 0, sizeof(*s4));
        s4->sin_family = AF_INET;
        s4->sin_port = htons(a->port);
        memcpy(&s4->sin_addr, a->ip, 4);
        *len = sizeof(*s4);
        return RG_OK;
    }
    if (a->family == RG_AF_INET6 && *len >= sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
        memset(s6, 0, sizeof(*s6));
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(a->port);
        memcpy(&s6->sin6_addr, a->ip, 16);
        *len = sizeof(*s6);
        return RG_OK;
    }
    return RG_EINVAL;
}

int rg_udp_addr_from_sockaddr(const struct sockaddr *sa, struct rg_addr *out)
{
    struct rg_addr a = { 0 };
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        a.family = RG_AF_INET4;
        a.port = ntohs(s4->sin_port);
        memcpy(a.ip, &s4->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        a.family = RG_AF_INET6;
        a.port = ntohs(s6->sin6_port);
        memcpy(a.ip, &s6->sin6_addr, 16);
    } else {
        return RG_EINVAL;
    }
    *out = a;
    return RG_OK;
}

int rg_udp_open(const struct rg_addr *local, struct rg_addr *bound)
{
    struct sockaddr_storage ss;
    unsigned sl = sizeof(ss);
    if (rg_udp_addr_to_sockaddr(local, (struct sockaddr *)&ss, &sl) != RG_OK)
        return RG_EINVAL;
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return RG_EIO;
    if (ss.ss_family == AF_INET6) {
        int one = 1;
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
        int rc = errno == EADDRINUSE ? RG_EEXIST : RG_EIO;
        close(fd);
        return rc;
    }
    socklen_t bl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &bl) != 0 ||
        rg_udp_addr_from_sockaddr((struct sockaddr *)&ss, bound) != RG_OK) {
        close(fd);
        return RG_EIO;
    }
    return fd;
}

int rg_udp_open_in_range(const struct rg_addr *ip, uint16_t port_lo, uint16_t port_hi,
                         unsigned step, uint16_t *cursor, struct rg_addr *bound)
{
    if (port_lo == 0 || port_hi < port_lo || step == 0)
        return RG_EINVAL;
    unsigned span = (unsigned)(port_hi - port_lo) + 1;
    unsigned start = (*cursor >= port_lo && *cursor <= port_hi) ? *cursor : port_lo;
    for (unsigned tried = 0; tried < span; tried += step) {
        unsigned port = port_lo + ((start - port_lo + tried) % span);
        struct rg_addr a = *ip;
        a.port = (uint16_t)port;
        int fd = rg_udp_open(&a, bound);
        if (fd >= 0) {
            unsigned next = port + step;
            *cursor = (uint16_t)(next > port_hi ? port_lo : next);
            return fd;
        }
        if (fd != RG_EEXIST)
            return fd;
    }
    return RG_ELIMIT;
}

int rg_udp_recv_batch(int fd, struct rg_udp_batch *b)
{
    struct mmsghdr msgs[RG_UDP_BATCH];
    struct iovec iov[RG_UDP_BATCH];
    struct sockaddr_storage from[RG_UDP_BATCH];
    memset(msgs, 0, sizeof(msgs));
    for (unsigned i = 0; i < RG_UDP_BATCH; i++) {
        iov[i].iov_base = b->data[i];
        iov[i].iov_len = RG_UDP_MAX_DATAGRAM;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
    }
    b->count = 0;
    int n = recvmmsg(fd, msgs, RG_UDP_BATCH, MSG_DONTWAIT, NULL);
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : RG_EIO;
    unsigned kept = 0;
    for (int i = 0; i < n; i++) {
        /* Truncated datagrams are larger than any media packet we relay. */
        if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
            continue;
        if (rg_udp_addr_from_sockaddr((struct sockaddr *)&from[i], &b->peer[kept]) != RG_OK)
            continue;
        if (kept != (unsigned)i)
            memmove(b->data[kept], b->data[i], msgs[i].msg_len);
        b->len[kept] = (uint16_t)msgs[i].msg_len;
        kept++;
    }
    b->count = kept;
    return (int)kept;
}

int rg_udp_send_batch(int fd, const struct rg_addr *peers, const uint8_t *const *datagrams,
                      const uint16_t *len, unsigned n)
{
    struct mmsghdr msgs[RG_UDP_BATCH];
    struct iovec iov[RG_UDP_BATCH];
    struct sockaddr_storage to[RG_UDP_BATCH];
    unsigned sent = 0;
    while (sent < n) {
        unsigned k = n - sent > RG_UDP_BATCH ? RG_UDP_BATCH : n - sent;
        memset(msgs, 0, sizeof(msgs[0]) * k);
        for (unsigned i = 0; i < k; i++) {
            unsigned sl = sizeof(to[i]);
            if (rg_udp_addr_to_sockaddr(&peers[sent + i], (struct sockaddr *)&to[i], &sl) != RG_OK)
                return RG_EINVAL;
            iov[i].iov_base = (void *)datagrams[sent + i];
            iov[i].iov_len = len[sent + i];
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &to[i];
            msgs[i].msg_hdr.msg_namelen = sl;
        }
        int r = sendmmsg(fd, msgs, k, MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return (int)sent;
            return RG_EIO;
        }
        sent += (unsigned)r;
        if ((unsigned)r < k)
            break;
    }
    return (int)sent;
}

int rg_udp_send(int fd, const struct rg_addr *peer, const void *p, size_t n)
{
    struct sockaddr_storage ss;
    unsigned sl = sizeof(ss);
    if (rg_udp_addr_to_sockaddr(peer, (struct sockaddr *)&ss, &sl) != RG_OK)
        return RG_EINVAL;
    ssize_t r = sendto(fd, p, n, MSG_DONTWAIT, (struct sockaddr *)&ss, sl);
    if (r < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? RG_EAGAIN : RG_EIO;
    return RG_OK;
}
