/*
 * b2bua.h — the back-to-back user agent: rtcgate's call model (issue 5),
 * sans-IO.
 *
 * A call has two legs.  Leg A is the caller's: rtcgate is its UAS.  Leg B
 * is the callee's: rtcgate is its UAC.  Every SIP message of a leg stays on
 * that leg (its own Call-ID, tags, CSeq, Via, route set); the B2BUA relays
 * the session between them: provisional and final responses, CANCEL, BYE,
 * re-INVITE and UPDATE, and it bridges the SDP through the media engine
 * (env.sdp, an rg_engine_sdp call in rtcgated): a browser's WebRTC offer
 * becomes a plain RTP/AVP offer toward a SIP trunk and the trunk's answer a
 * WebRTC answer; a SIP offer toward a registered browser becomes a
 * UDP/TLS/RTP/SAVPF offer with ICE, DTLS actpass and rtcp-mux.
 *
 * The B2BUA owns one SIP transaction layer (proto/sip/sip_txn.h).  The io
 * glue feeds it parsed messages (rg_b2b_handle_rx), engine completions
 * (rg_b2b_engine_done), broken connections (rg_b2b_flow_closed) and time
 * (rg_b2b_handle_timeout), and sends what rg_b2b_poll_transmit returns.
 *
 * Flows (struct rg_sip_tinfo.flow): a connection id for a message that came
 * on, or must go back on, a connection (TCP, TLS, WS, WSS); RG_B2B_FLOW_TO(k)
 * for "send to tinfo.addr over transport kind k" (UDP, and new TCP/TLS
 * connections toward a trunk).  Connection ids must stay below 2^63.
 *
 * Configuration: cfg is a borrowed snapshot (rg_b2b_set_cfg swaps it; the
 * caller keeps it alive until the next swap or rg_b2b_free).  Ingress trunk
 * group: among the enabled sipTrunkGroups of the listener's zone, the one
 * whose ingressIpPrefix is the longest match of the source address, else
 * the first without ingressIpPrefix; egress:
 * the routing table (browser callers) or the registrar (SIP callers whose
 * Request-URI user is registered).
 *
 * Threading: one thread (the signalling loop).  Time: int64 microseconds,
 * monotonic.  Randomness: the injected rng.
 */
#ifndef RG_B2BUA_B2BUA_H
#define RG_B2BUA_B2BUA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/str.h"
#include "ctl/cfg.h"
#include "ctl/optables.h"
#include "proto/sip/sip_txn.h"

struct rg_mside_req;
struct rg_reg;

/* Transport kinds, numbered like io/sip_transport.h's enum rg_sip_tp_kind. */
enum rg_b2b_tp { RG_B2B_UDP = 0, RG_B2B_TCP, RG_B2B_TLS, RG_B2B_WS, RG_B2B_WSS, RG_B2B_TP_COUNT };

#define RG_B2B_FLOW_TO_BIT (UINT64_C(1) << 63)
#define RG_B2B_FLOW_TO(kind) (RG_B2B_FLOW_TO_BIT | (uint64_t)(kind))

/* The outside world the call model drives.  Engine requests complete later
 * through rg_b2b_engine_done(cookie); they must not complete from inside
 * the call (the glue queues them: rg_engine_sdp does). */
struct rg_b2b_env {
    /* Offer (answer false: from_tag's side offers) or answer (to_tag's side
     * answers) for engine call `id`.  RG_OK or an error (the call fails). */
    int (*sdp)(void *ud, uint64_t cookie, struct rg_str id, struct rg_str from_tag,
               struct rg_str to_tag, bool answer, struct rg_str sdp,
               const struct rg_mside_req *req);
    /* Forget engine call `id` (no completion is expected). */
    void (*del)(void *ud, struct rg_str id);
    /* The location service (b2bua/registrar.h through the glue); both NULL
     * when there is none (REGISTER gets 501, SIP callers reach only trunks).
     * reg_register answers a REGISTER: fills *status, *reason (static) and
     * *hdrs (extra header lines, each ending CRLF; valid until the next
     * call).  reg_lookup finds the newest binding of user: its Contact URI
     * (valid until the next call), the connection it registered on (0 for
     * UDP), its transport and source. */
    void (*reg_register)(void *ud, int64_t now_us, const struct rg_sip_msg *req,
                         const struct rg_sip_tinfo *from, uint16_t *status, const char **reason,
                         struct rg_str *hdrs);
    bool (*reg_lookup)(void *ud, int64_t now_us, struct rg_str user, struct rg_str *contact,
                       struct rg_sip_tinfo *to, enum rg_b2b_tp *tp);
    void *ud;
};

/* Where rtcgate is reachable over one transport (Via sent-by, Contact). */
struct rg_b2b_local {
    char host[64]; /* IP literal, IPv6 in brackets; "" when none */
    uint16_t port;
};

struct rg_b2b_cfg {
    const struct rg_cfg *cfg;  /* borrowed snapshot */
    struct rg_reg *reg;        /* location service; NULL: no browsers as callees */
    const struct rg_rng *rng;  /* borrowed */
    const struct rg_log *log;  /* may be NULL */
    unsigned max_calls;        /* 0: 4096 */
    struct rg_b2b_local local[RG_B2B_TP_COUNT];
    struct rg_sip_txl_cfg txl; /* t1_us 0: RG_SIP_TXL_CFG_DEFAULT */
    uint32_t session_expires_s; /* RFC 4028 interval we ask for (0: 1800) */
    uint32_t min_se_s;          /* our Min-SE (0: 90) */
    /* Names of the media engine's extra DTLS profiles, in the order of its
     * rg_mcall_env.dtls_profs: a leg whose trunk group's `media
     * dtlsProfileName` is names[i] uses profile i + 1 (rg_mside_req
     * dtls_prof); any other name, the engine's default.  Borrowed. */
    const char *const *dtls_profs;
    unsigned n_dtls_profs;
};

/* A received message. */
struct rg_b2b_rx {
    const struct rg_sip_msg *msg;
    struct rg_sip_tinfo from; /* flow as described above */
    enum rg_b2b_tp kind;
    const char *zone; /* the listener's zone, "" or NULL when unknown */
};

struct rg_b2b;

/* RG_OK and *out (rg_b2b_free), RG_EINVAL, RG_ENOMEM. */
RG_MUST_CHECK int rg_b2b_new(const struct rg_b2b_cfg *cfg, const struct rg_b2b_env *env,
                             struct rg_b2b **out);
/* Frees every call (asking env.del for each engine call). */
void rg_b2b_free(struct rg_b2b *b);
void rg_b2b_set_cfg(struct rg_b2b *b, const struct rg_cfg *cfg);

/* One parsed message from the transport.  RG_OK (handled or answered),
 * RG_ELIMIT (no transaction free: a request was answered 503 statelessly),
 * RG_ENOMEM. */
RG_MUST_CHECK int rg_b2b_handle_rx(struct rg_b2b *b, int64_t now_us, const struct rg_b2b_rx *rx);
/* An engine request finished: rc and the SDP for the other leg (a view
 * valid during the call), why on failure. */
void rg_b2b_engine_done(struct rg_b2b *b, int64_t now_us, uint64_t cookie, int rc,
                        struct rg_str sdp, const char *why);
/* A connection closed: its transactions fail and calls on it end. */
void rg_b2b_flow_closed(struct rg_b2b *b, int64_t now_us, uint64_t conn);
void rg_b2b_handle_timeout(struct rg_b2b *b, int64_t now_us);
int64_t rg_b2b_next_timeout_us(const struct rg_b2b *b);
/* Next message to send: RG_OK and *out (bytes valid until the next call),
 * RG_EAGAIN when none. */
RG_MUST_CHECK int rg_b2b_poll_transmit(struct rg_b2b *b, struct rg_sip_transmit *out);

/* Calls in progress. */
size_t rg_b2b_call_count(const struct rg_b2b *b);

/* The engine's view of a call's first media stream for callDetailStatus,
 * per side (0 = leg A, the ingress; 1 = leg B, the egress), formatted by
 * the glue from the engine; empty strings when unknown. */
struct rg_b2b_media_view {
    char media[16];            /* "audio" */
    char local[2][64];         /* "ip/ port (rtcp: p)" */
    char remote[2][64];
    char security[2][128];     /* "rtp-Encrypted,...,srtp-terminated,..." or "rtp-disabled,..." */
    char ice[2][24];           /* ST_ICE_COMPLETE, ST_ICE_CHECKING, ..., NONE */
    char ice_local[2][12];     /* our ICE toward the side: FULL-ICE, LITE-ICE, NONE */
    char ice_remote[2][12];    /* the peer's */
    char dtls[2][24];          /* TERMINATED, HANDSHAKE, FAILED, DISABLED */
    unsigned kbps[2];          /* received on the side, average since answer */
    char codec[2][32];         /* the side's peer codec ("PCMU/8000"), "" when unknown */
    bool transcoded;           /* mediaType transcoded (else passthru) */
};

/* Calls fn for every call with its callDetailStatus record (the seed's
 * layout, ctl/optables.h); the media fields come from mv(mv_ud, engine
 * call id, out), which returns false when it knows nothing (mv may be
 * NULL). */
typedef bool rg_b2b_media_fn(void *ud, struct rg_str engine_id, struct rg_b2b_media_view *out);
typedef void rg_b2b_cds_fn(void *ud, const struct rg_cds_record *r);
void rg_b2b_each_cds(const struct rg_b2b *b, int64_t now_us, rg_b2b_media_fn *mv, void *mv_ud,
                     rg_b2b_cds_fn *fn, void *ud);
/* The engine call id of every live call (for the glue's status queries). */
typedef void rg_b2b_id_fn(void *ud, struct rg_str engine_id);
void rg_b2b_each_engine_id(const struct rg_b2b *b, rg_b2b_id_fn *fn, void *ud);

#endif
