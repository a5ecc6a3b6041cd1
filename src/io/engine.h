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
#include "core/str.h"
#include "io/loop.h"
#include "proto/dtls/dtls_conn.h"

/* One extra DTLS profile (`profiles security dtlsProfile NAME` other than
 * the default): a trunk group's dtlsProfileName selects it. */
#define RG_ENGINE_DTLS_PROFS 16
#define RG_ENGINE_DTLS_NAME 64
struct rg_engine_dtls_prof {
    const char *name;                      /* at most RG_ENGINE_DTLS_NAME - 1 bytes */
    struct rg_dtls_cert *cert;             /* ownership passes to the engine (also on
                                              failure); NULL = the engine's certificate */
    const struct rg_dtls_profile *profile; /* NULL = the engine's default profile */
};

struct rg_engine_opts {
    struct rg_addr ng;        /* where the ng control protocol listens (RG_AF_NONE: no ng) */
    struct rg_addr media_ip;  /* address media sockets bind and advertise */
    struct rg_addr media_ip6; /* optional second family for ICE host candidates (RG_AF_NONE) */
    uint16_t port_lo, port_hi;
    unsigned n_loops;         /* media loops; 0 = one per CPU (at most 16) */
    /* DTLS: the certificate (ownership passes to the engine; NULL = generate
     * an ECDSA P-256 one) and the profile (NULL = DTLS 1.2, ECDHE, 30 s). */
    struct rg_dtls_cert *cert;
    const struct rg_dtls_profile *dtls_profile;
    /* Extra profiles (at most RG_ENGINE_DTLS_PROFS; read during start only):
     * in rg_mside_req dtls_prof numbering, dtls_profs[i] is i + 1. */
    const struct rg_engine_dtls_prof *dtls_profs;
    unsigned n_dtls_profs;
    /* Aggregate STUN and DTLS policers (bucket in packets, rate in packets/s;
     * 0 = no policing), shared evenly by the media loops, and the IPv4
     * server-reflexive prefix of iceSourceAddressFilterPriority. */
    uint64_t stun_bucket, stun_rate, dtls_bucket, dtls_rate;
    unsigned srflx_prefix;
    const struct rg_log *log; /* may be NULL; must outlive the engine */
};

struct rg_engine;

/* Starts the threads.  Returns RG_OK and *out (stop with rg_engine_stop),
 * RG_EIO (ng socket), RG_ECRYPTO (DTLS certificate), RG_ENOMEM. */
RG_MUST_CHECK int rg_engine_start(const struct rg_engine_opts *o, struct rg_engine **out);
/* The names of the extra DTLS profiles the engine built, in dtls_prof order
 * (name i is profile i + 1): *names valid until rg_engine_stop.  Returns how
 * many. */
unsigned rg_engine_dtls_profiles(const struct rg_engine *e, const char *const **names);
/* Stops every thread, destroys every call and frees the engine. */
void rg_engine_stop(struct rg_engine *e);

/*
 * In-process API (the B2BUA's way to the engine, no UDP): a client is bound
 * to the caller's event loop; each request is executed by the media loop that
 * owns the call, and its completion runs fn(ud, rc, sdp, why) on the caller's
 * loop.  sdp is the SDP for the other leg (a view valid during the call of
 * fn); why explains a failure (may be NULL).  call-ids routed here are not in
 * the ng "list".
 */
struct rg_engine_client;
struct rg_mside_req;
typedef void rg_engine_done_fn(void *ud, int rc, struct rg_str sdp, const char *why);

/* RG_OK and *out (free with rg_engine_client_free before the loop), RG_EIO. */
RG_MUST_CHECK int rg_engine_client_new(struct rg_engine *e, struct rg_loop *loop,
                                       struct rg_engine_client **out);
/* Pending completions are dropped (their fn is not called). */
void rg_engine_client_free(struct rg_engine_client *c);
/* Offer (answer = false: from_tag's leg offers) or answer (to_tag's leg
 * answers) with the presentation request for the other leg.  All views are
 * copied.  RG_OK (fn will run), RG_ELIMIT, RG_ENOMEM. */
RG_MUST_CHECK int rg_engine_sdp(struct rg_engine_client *c, struct rg_str call_id,
                                struct rg_str from_tag, struct rg_str to_tag, bool answer,
                                struct rg_str sdp, const struct rg_mside_req *req,
                                rg_engine_done_fn *fn, void *ud);
/* Ends the call; fn gets RG_OK or RG_ENOTFOUND. */
RG_MUST_CHECK int rg_engine_delete(struct rg_engine_client *c, struct rg_str call_id,
                                   rg_engine_done_fn *fn, void *ud);

/* One side of a call's first stream, for status output (rg_engine_query). */
struct rg_engine_side_info {
    struct rg_addr local_rtp, local_rtcp, remote_rtp, remote_rtcp;
    bool rtcp_mux;
    uint8_t transport;             /* enum rg_mtransport toward the peer */
    uint8_t ice_local, ice_remote; /* enum rg_mice: ours toward the peer, the peer's */
    char ice_state[16];            /* "none", "new", "checking", "connected", "completed", ... */
    char dtls_state[12];           /* "none", "handshake", "up", "failed" */
    uint16_t srtp_profile;         /* enum rg_srtp_profile once keyed, else 0 */
    uint64_t pkts_in, bytes_in;
    char codec[32];                /* the peer's codec ("PCMU/8000"), "" before an answer */
    bool transcoded;               /* the stream is transcoded (media/mcall_xc.c) */
};
struct rg_engine_call_info {
    char media[16];
    unsigned n_streams;
    struct rg_engine_side_info side[2];
};
typedef void rg_engine_info_fn(void *ud, int rc, const struct rg_engine_call_info *info);
/* The state of call_id's first stream; fn gets RG_OK and info (valid during
 * the call of fn) or RG_ENOTFOUND.  RG_OK (fn will run), RG_ELIMIT, RG_ENOMEM. */
RG_MUST_CHECK int rg_engine_query(struct rg_engine_client *c, struct rg_str call_id,
                                  rg_engine_info_fn *fn, void *ud);

/* Packets the aggregate policers accepted and discarded, summed over the
 * media loops (any thread). */
struct rg_engine_policer_counts {
    uint64_t stun_accepted, stun_discarded, dtls_accepted, dtls_discarded;
};
void rg_engine_policer_counts(const struct rg_engine *e, struct rg_engine_policer_counts *out);

/* Parses "ADDR:PORT" ("[v6]:port" too).  RG_OK or RG_EINVAL. */
RG_MUST_CHECK int rg_engine_parse_hostport(const char *s, struct rg_addr *out);

#endif
