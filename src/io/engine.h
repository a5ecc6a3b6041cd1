/*
 * engine.h — the media engine's threads: N media loops that own their calls
 * and one control loop serving the ng protocol on UDP.
 *
 * Calls are sharded whole across media loops by a hash of their call-id, so
 * every packet of a call is handled by the one thread that owns it and the
 * per-packet path takes no lock.  The control loop parses each ng request,
 * answers ping/list/statistics itself and hands offer/answer/delete/query to
 * the owning loop through that loop's command queue (a mutex-guarded list
 * plus an eventfd: control traffic only); the loop executes it and hands the
 * reply back the same way.  Each media loop allocates its sockets from its
 * own slice of the port range.
 */
#ifndef RG_IO_ENGINE_H
#define RG_IO_ENGINE_H

#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"
#include "core/log.h"

struct rg_engine_opts {
    struct rg_addr ng;        /* where the ng control protocol listens */
    struct rg_addr media_ip;  /* address media sockets bind and advertise */
    struct rg_addr media_ip6; /* optional second family for ICE host candidates (RG_AF_NONE) */
    uint16_t port_lo, port_hi;
    unsigned n_loops;         /* media loops; 0 = one per CPU (at most 16) */
    const struct rg_log *log; /* may be NULL; must outlive the engine */
};

struct rg_engine;

/* Starts the threads.  Returns RG_OK and *out (stop with rg_engine_stop),
 * RG_EIO (ng socket), RG_ECRYPTO (DTLS certificate), RG_ENOMEM. */
RG_MUST_CHECK int rg_engine_start(const struct rg_engine_opts *o, struct rg_engine **out);
/* Stops every thread, destroys every call and frees the engine. */
void rg_engine_stop(struct rg_engine *e);

/* Parses "ADDR:PORT" ("[v6]:port" too).  RG_OK or RG_EINVAL. */
RG_MUST_CHECK int rg_engine_parse_hostport(const char *s, struct rg_addr *out);

#endif
