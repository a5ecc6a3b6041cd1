/*
 * ice.h — the ICE agent (RFC 8445) with consent freshness (RFC 7675), sans-IO.
 *
 * One struct rg_ice_agent runs ICE for one media session (one data stream;
 * with BUNDLE that is the whole call leg toward a browser).  It owns no
 * socket and reads no clock: the caller feeds it
 *   - rg_ice_agent_handle_packet()   every STUN datagram received on one of
 *                                    the agent's local sockets (the caller
 *                                    demultiplexes STUN/DTLS/RTP, RFC 7983);
 *   - rg_ice_agent_handle_timeout()  when rg_ice_agent_next_timeout_us() is
 *                                    reached;
 * and drains
 *   - rg_ice_agent_poll_transmit()   datagrams to send (socket id, dest, bytes);
 *   - rg_ice_agent_poll_event()      state changes, selected pair, role, ...
 * Time is int64 monotonic microseconds (now_us), never decreasing between
 * calls.  Randomness (ufrag/pwd, tie-breaker, transaction IDs, consent
 * jitter) comes from the injected struct rg_rng.
 *
 * Two modes: RG_ICE_FULL (controlling or controlled; checklist, pacing,
 * triggered checks, regular nomination, peer-reflexive candidates, role
 * conflict) and RG_ICE_LITE (RFC 8445 §2.5: answers checks only, always
 * controlled, selects the pair the peer nominates with USE-CANDIDATE).
 *
 * Media gate (RTP Bleed guard): rg_ice_agent_may_send() is true only for the
 * selected pair's remote address while consent is alive;
 * rg_ice_agent_inbound_ok() is true only for remote addresses of pairs that
 * passed a connectivity check.  Media from anywhere else must be dropped.
 *
 * Ownership: the agent is heap-allocated by rg_ice_agent_new and freed by
 * rg_ice_agent_free; it copies everything it is given.  Views it hands out
 * (transmit bytes, credentials) point into the agent and stay valid until
 * the next call that mutates it.  One thread at a time.
 */
#ifndef RG_PROTO_ICE_H
#define RG_PROTO_ICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/str.h"

/* RFC 8445 §5.3: ufrag >= 24 bits (4 ice-chars), pwd >= 128 bits (22). */
#define RG_ICE_UFRAG_LEN 8
#define RG_ICE_PWD_LEN 24
/* RFC 8839 §5.4: ice-ufrag 4..256, ice-pwd 22..256 characters. */
#define RG_ICE_UFRAG_MIN 4
#define RG_ICE_PWD_MIN 22
#define RG_ICE_CRED_MAX 256
/* Bounds of one agent. */
#define RG_ICE_MAX_HOST 8    /* configured local addresses */
#define RG_ICE_MAX_LOCAL 16  /* host + learned local peer-reflexive */
#define RG_ICE_MAX_REMOTE 32 /* signalled + peer-reflexive remote */
#define RG_ICE_MAX_PAIRS 100 /* RFC 8445 §6.1.2.5 suggests 100 */
#define RG_ICE_FOUNDATION_MAX 32
#define RG_ICE_MAX_PACKET 640 /* largest datagram the agent emits */
#define RG_ICE_TX_QUEUE 16
#define RG_ICE_EVENT_QUEUE 32

enum rg_ice_mode { RG_ICE_FULL = 0, RG_ICE_LITE = 1 };
enum rg_ice_role { RG_ICE_CONTROLLING = 0, RG_ICE_CONTROLLED = 1 };

/* RFC 8445 §5.1.1: candidate types. */
enum rg_ice_cand_type { RG_ICE_HOST = 0, RG_ICE_SRFLX, RG_ICE_PRFLX, RG_ICE_RELAY };

/* The agent's overall state (as browsers' iceConnectionState). */
enum rg_ice_state {
    RG_ICE_STATE_NEW = 0,
    RG_ICE_STATE_CHECKING,
    RG_ICE_STATE_CONNECTED,    /* a pair is selected, checks may go on */
    RG_ICE_STATE_COMPLETED,    /* every component selected, checks done */
    RG_ICE_STATE_FAILED,       /* all pairs failed, or consent lost */
    RG_ICE_STATE_DISCONNECTED, /* consent unconfirmed for a while */
};

/* RFC 8445 §6.1.2.6: candidate pair states. */
enum rg_ice_pair_state {
    RG_ICE_PAIR_FROZEN = 0,
    RG_ICE_PAIR_WAITING,
    RG_ICE_PAIR_IN_PROGRESS,
    RG_ICE_PAIR_SUCCEEDED,
    RG_ICE_PAIR_FAILED,
};

/* A candidate.  For local candidates socket_id names the socket (given in
 * the config) whose address is the candidate's base. */
struct rg_ice_cand {
    struct rg_addr addr;
    struct rg_addr base; /* local: host address it is sent from */
    uint32_t priority;
    uint8_t type;      /* enum rg_ice_cand_type */
    uint8_t component; /* 1 = RTP, 2 = RTCP */
    int socket_id;     /* local candidates only */
    char foundation[RG_ICE_FOUNDATION_MAX + 1];
};

/* One configured local media address: a bound UDP socket. */
struct rg_ice_local_addr {
    struct rg_addr addr;
    int socket_id;     /* the caller's handle, reported back in transmits */
    uint8_t component; /* 1, or 2 without rtcp-mux */
};

struct rg_ice_config {
    enum rg_ice_mode mode;
    enum rg_ice_role role;                 /* ignored for lite: always controlled */
    const struct rg_rng *rng;              /* borrowed, must outlive the agent */
    const struct rg_log *log;              /* borrowed, may be NULL */
    const char *log_ctx;                   /* borrowed, may be NULL */
    const struct rg_ice_local_addr *addrs; /* copied */
    size_t n_addrs;                        /* 1..RG_ICE_MAX_HOST */
    bool prefer_ipv6;                      /* RFC 8421: IPv6 local preference higher */
    uint32_t ta_ms;                        /* pacing, 0 = 50 (RFC 8445 §14.2) */
    uint32_t rto_ms;                       /* initial RTO, 0 = 500 (§14.3) */
    uint32_t max_transmits;                /* Rc, 0 = 7 (RFC 8489 §6.2.1) */
    uint32_t nominate_delay_ms;            /* controlling: wait for better pairs, 0 = 500 */
    uint32_t consent_interval_ms;          /* 0 = 5000 (RFC 7675 §5.1) */
    uint32_t consent_timeout_ms;           /* 0 = 30000 (RFC 7675 §5.1) */
    uint32_t disconnect_ms;                /* no consent for this long: disconnected, 0 = 8000 */
    uint32_t keepalive_ms; /* lite: Binding Indication period (RFC 8445 §11 Tr), 0 = 15000 */
};

enum rg_ice_event_type {
    RG_ICE_EV_STATE = 1,     /* state changed to .state */
    RG_ICE_EV_SELECTED_PAIR, /* .component now uses .local -> .remote */
    RG_ICE_EV_ROLE,          /* role changed to .role (conflict resolved) */
    RG_ICE_EV_CONSENT_LOST,  /* RFC 7675: stop sending on .remote */
    RG_ICE_EV_PRFLX_REMOTE,  /* learned remote peer-reflexive .remote */
    RG_ICE_EV_PRFLX_LOCAL,   /* learned local peer-reflexive .local */
};

struct rg_ice_event {
    uint8_t type;  /* enum rg_ice_event_type */
    uint8_t state; /* enum rg_ice_state */
    uint8_t role;  /* enum rg_ice_role */
    uint8_t component;
    int socket_id;
    struct rg_addr local;
    struct rg_addr remote;
};

/* A datagram to send: data points into the agent, valid until the next call
 * on the agent. */
struct rg_ice_transmit {
    int socket_id;
    struct rg_addr dest;
    const uint8_t *data;
    size_t len;
};

struct rg_ice_agent;

/* ---- Lifecycle and configuration --------------------------------------- */

/* Creates an agent: fresh ufrag/pwd and tie-breaker from cfg->rng, one host
 * candidate per configured address.  Returns RG_OK and *out (owned, free
 * with rg_ice_agent_free), RG_EINVAL on a bad config, RG_ENOMEM,
 * RG_ECRYPTO. */
RG_MUST_CHECK int rg_ice_agent_new(const struct rg_ice_config *cfg, struct rg_ice_agent **out);
void rg_ice_agent_free(struct rg_ice_agent *a);

/* Local credentials (views into the agent). */
struct rg_str rg_ice_agent_local_ufrag(const struct rg_ice_agent *a);
struct rg_str rg_ice_agent_local_pwd(const struct rg_ice_agent *a);
size_t rg_ice_agent_local_count(const struct rg_ice_agent *a);
/* i < rg_ice_agent_local_count: RG_OK and *out, else RG_ENOTFOUND. */
RG_MUST_CHECK int rg_ice_agent_local_candidate(const struct rg_ice_agent *a, size_t i,
                                               struct rg_ice_cand *out);

/* Remote ufrag/pwd from SDP (RFC 8839).  Setting different credentials than
 * the current ones is an ICE restart from the peer's side (RFC 8445 §9):
 * checks restart, media stays on the old pair until a new one is selected.
 * RG_EINVAL for lengths outside RFC 8839 limits or non ice-chars. */
RG_MUST_CHECK int rg_ice_agent_set_remote_credentials(struct rg_ice_agent *a, int64_t now_us,
                                                      struct rg_str ufrag, struct rg_str pwd);
/* Adds a remote candidate (SDP or trickled, RFC 8838).  The copy's
 * socket_id/base are ignored.  RG_EEXIST for a duplicate address,
 * RG_ELIMIT when full, RG_EINVAL for component 0, port 0 or no family. */
RG_MUST_CHECK int rg_ice_agent_add_remote_candidate(struct rg_ice_agent *a, int64_t now_us,
                                                    const struct rg_ice_cand *c);
/* No more remote candidates will come (RFC 8838 §13 end-of-candidates;
 * non-trickle callers call it after the SDP candidates).  Only then can the
 * checklist fail. */
void rg_ice_agent_end_of_candidates(struct rg_ice_agent *a, int64_t now_us);
/* ICE restart from our side (RFC 8445 §9): new local ufrag/pwd; remote
 * credentials and candidates are forgotten (the caller sets the new ones
 * from the answer); media continues on the old selected pair. */
RG_MUST_CHECK int rg_ice_agent_restart(struct rg_ice_agent *a, int64_t now_us);

/* ---- The five calls ---------------------------------------------------- */

/* One received STUN datagram: local_socket_id is the socket it arrived on,
 * from the source address.  Returns RG_OK when it was consumed (answered
 * or matched a transaction), RG_EBADMSG if it is no valid STUN, RG_EAUTH if
 * integrity failed (answered 401 for requests, no state change),
 * RG_ENOTFOUND for a response to no transaction of ours, RG_EINVAL for an
 * unknown socket. */
int rg_ice_agent_handle_packet(struct rg_ice_agent *a, int64_t now_us, int local_socket_id,
                               const struct rg_addr *from, const uint8_t *bytes, size_t len);
void rg_ice_agent_handle_timeout(struct rg_ice_agent *a, int64_t now_us);
/* Absolute time of the next needed handle_timeout, INT64_MAX for none. */
int64_t rg_ice_agent_next_timeout_us(const struct rg_ice_agent *a);
/* RG_OK and *out, or RG_ENOTFOUND when nothing is queued. */
RG_MUST_CHECK int rg_ice_agent_poll_transmit(struct rg_ice_agent *a, struct rg_ice_transmit *out);
RG_MUST_CHECK int rg_ice_agent_poll_event(struct rg_ice_agent *a, struct rg_ice_event *out);

/* ---- Queries ----------------------------------------------------------- */

enum rg_ice_state rg_ice_agent_state(const struct rg_ice_agent *a);
enum rg_ice_role rg_ice_agent_role(const struct rg_ice_agent *a);
/* The media path of a component: RG_OK with the socket and remote address
 * (the selected pair, or during a restart the previous one), RG_ENOTFOUND
 * when there is none or consent was lost. */
RG_MUST_CHECK int rg_ice_agent_media_path(const struct rg_ice_agent *a, uint8_t component,
                                          int *socket_id, struct rg_addr *remote);
/* "May I send media from socket_id to dest now?" */
bool rg_ice_agent_may_send(const struct rg_ice_agent *a, int socket_id, const struct rg_addr *dest);
/* "Is inbound media from this address on socket_id accepted?" */
bool rg_ice_agent_inbound_ok(const struct rg_ice_agent *a, int socket_id,
                             const struct rg_addr *from);
/* The selected pair of a component as candidates (for status output: host,
 * srflx, prflx or relay on each side).  RG_OK, or RG_ENOTFOUND when the
 * component has no selected pair (also during a restart). */
RG_MUST_CHECK int rg_ice_agent_selected(const struct rg_ice_agent *a, uint8_t component,
                                        struct rg_ice_cand *local, struct rg_ice_cand *remote);
/* Pair counts by state (for status output and tests). */
size_t rg_ice_agent_pair_count(const struct rg_ice_agent *a, enum rg_ice_pair_state st);

/* ---- Pure helpers ------------------------------------------------------ */

/* RFC 8445 §5.1.2.1: (2^24)*type_pref + (2^8)*local_pref + (256 - component). */
uint32_t rg_ice_priority(enum rg_ice_cand_type type, uint32_t local_pref, uint8_t component);
/* RFC 8445 §5.1.2.2 type preferences: host 126, prflx 110, srflx 100, relay 0. */
uint32_t rg_ice_type_pref(enum rg_ice_cand_type type);
/* RFC 8445 §6.1.2.3: 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0), G the
 * controlling agent's candidate priority. */
uint64_t rg_ice_pair_priority(uint32_t controlling_prio, uint32_t controlled_prio);
const char *rg_ice_state_name(enum rg_ice_state s);
const char *rg_ice_cand_type_name(enum rg_ice_cand_type t);

/* iceSourceAddressFilterPriority: is a STUN packet from src "priority"?
 * True when src matches a remote candidate of component 1 by IP prefix:
 * IPv6 host /128, IPv4 relay /32, IPv6 relay /128, IPv4 server-reflexive
 * /srflx_prefix_v4 (0..32).  IPv4 host and IPv6 srflx/prflx do not count. */
bool rg_ice_source_is_priority(const struct rg_ice_cand *remote, size_t n,
                               const struct rg_addr *src, unsigned srflx_prefix_v4);
/* The same over the agent's current remote candidates. */
bool rg_ice_agent_source_is_priority(const struct rg_ice_agent *a, const struct rg_addr *src,
                                     unsigned srflx_prefix_v4);

#endif
