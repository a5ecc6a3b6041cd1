/*
 * ice_impl.h — internals of the ICE agent shared by ice_*.c (not a public
 * API).  See ice.h for the contract and docs/internals/ice.md for the state
 * machine.  Everything is fixed-size inside one heap block; indices into
 * the candidate and pair arrays are stable while an entry is in use.
 */
#ifndef RG_PROTO_ICE_IMPL_H
#define RG_PROTO_ICE_IMPL_H

#include "proto/ice/ice.h"
#include "proto/stun/stun.h"

#define RG_ICE_NONE 0xFF

/* One STUN client transaction (a check or a consent request). */
struct rg_ice_txn {
    bool active;
    bool use_cand; /* request carried USE-CANDIDATE */
    uint8_t role;  /* role claimed in the request (for 487 handling) */
    uint8_t sent;  /* transmissions so far */
    uint32_t rto_ms;
    int64_t next_us; /* next retransmission, or final timeout */
    uint8_t txid[RG_STUN_TXID_LEN];
    /* A cancelled transaction of the same pair (§7.2.5.4 / §7.3.1.4): its
     * response is still accepted until old_until_us. */
    bool has_old;
    bool old_use_cand;
    uint8_t old_role;
    int64_t old_until_us;
    uint8_t old_txid[RG_STUN_TXID_LEN];
};

struct rg_ice_pair {
    bool used;
    bool valid;            /* in the valid list (§7.2.5.3.2) */
    bool nominated;        /* §8.1.1 / §7.3.1.5 */
    bool nominate_on_ok;   /* controlled: USE-CANDIDATE seen before success */
    bool queued;           /* in the triggered-check queue */
    bool want_use_cand;    /* controlling: next check carries USE-CANDIDATE */
    uint8_t state;         /* enum rg_ice_pair_state */
    uint8_t local, remote; /* indices into lc / rc */
    uint8_t valid_pair;    /* index of the valid pair it produced, or NONE */
    uint64_t priority;
    int64_t last_rx_us; /* lite: last authenticated request on this pair */
    struct rg_ice_txn txn;
};

/* Where media flows, and its consent state (RFC 7675). */
struct rg_ice_path {
    bool active;
    bool lost;
    bool disconnected;
    int socket_id;
    struct rg_addr local;
    struct rg_addr remote;
    int64_t last_ok_us; /* last consent success (full) / request (lite) */
    int64_t next_check_us;
    int64_t next_keepalive_us; /* lite: next Binding Indication */
    struct rg_ice_txn txn;
};

struct rg_ice_agent {
    struct rg_ice_config cfg;
    struct rg_ice_local_addr addrs[RG_ICE_MAX_HOST];
    uint8_t mode, role, state;
    uint8_t n_components;
    uint64_t tiebreaker;
    char lufrag[RG_ICE_CRED_MAX + 1], lpwd[RG_ICE_CRED_MAX + 1];
    char rufrag[RG_ICE_CRED_MAX + 1], rpwd[RG_ICE_CRED_MAX + 1];
    bool have_remote_creds;
    bool eoc;         /* end-of-candidates */
    bool restarting;  /* ICE restart under way: old path carries media */
    bool checks_done; /* every component selected: no new checks (§8.3) */
    bool lkey_ok, rkey_ok;
    struct rg_stun_key lkey, rkey; /* HMAC keys: local pwd, remote pwd */
    /* Our credentials before our last restart, until it completes: a peer
     * still using them is answered, and one whose new generation uses them
     * (it never took our new ones) gets them back (ice_recv.c). */
    char prev_lufrag[RG_ICE_CRED_MAX + 1], prev_lpwd[RG_ICE_CRED_MAX + 1];
    bool prev_key_ok;
    struct rg_stun_key prev_key;

    struct rg_ice_cand lc[RG_ICE_MAX_LOCAL];
    size_t n_lc;
    struct rg_ice_cand rc[RG_ICE_MAX_REMOTE];
    size_t n_rc;
    unsigned prflx_seq; /* foundation numbering of learned remote prflx */

    struct rg_ice_pair pairs[RG_ICE_MAX_PAIRS];
    uint8_t trig[RG_ICE_MAX_PAIRS]; /* triggered-check FIFO (§6.1.4.1) */
    size_t trig_head, trig_len;
    int64_t next_pace_us;       /* next Ta slot */
    bool has_valid;             /* a valid pair was found since the last restart */
    int64_t first_valid_us;     /* when (controlling: starts the nomination delay) */
    int64_t selected_pair[3];   /* per component: pair index, -1 none */
    struct rg_ice_path path[3]; /* per component media path */

    struct {
        int socket_id;
        struct rg_addr dest;
        size_t len;
        uint8_t data[RG_ICE_MAX_PACKET];
    } tx[RG_ICE_TX_QUEUE];
    size_t tx_head, tx_len;
    struct rg_ice_event ev[RG_ICE_EVENT_QUEUE];
    size_t ev_head, ev_len;
    uint32_t ev_dropped, tx_dropped;
};

/* ice_agent.c */
void rg_ice_emit(struct rg_ice_agent *a, const struct rg_ice_event *e);
void rg_ice_set_state(struct rg_ice_agent *a, enum rg_ice_state st);
void rg_ice_update_state(struct rg_ice_agent *a, int64_t now_us);
uint8_t *rg_ice_tx_slot(struct rg_ice_agent *a);
void rg_ice_tx_commit(struct rg_ice_agent *a, int socket_id, const struct rg_addr *dest,
                      size_t len);
int rg_ice_local_by_socket(const struct rg_ice_agent *a, int socket_id);
int rg_ice_find_remote(const struct rg_ice_agent *a, const struct rg_addr *addr, uint8_t comp);
int rg_ice_add_remote(struct rg_ice_agent *a, const struct rg_ice_cand *c);

/* ice_pairs.c */
void rg_ice_pairs_reprioritise(struct rg_ice_agent *a);
void rg_ice_pairs_form_remote(struct rg_ice_agent *a, size_t rc_idx);
int rg_ice_pair_find(const struct rg_ice_agent *a, size_t l, size_t r);
int rg_ice_pair_add(struct rg_ice_agent *a, size_t l, size_t r, uint8_t state);
void rg_ice_pairs_initial_states(struct rg_ice_agent *a);
void rg_ice_trig_push(struct rg_ice_agent *a, size_t p);
void rg_ice_unfreeze_foundation(struct rg_ice_agent *a, size_t p);
void rg_ice_pairs_clear(struct rg_ice_agent *a);
void rg_ice_select(struct rg_ice_agent *a, int64_t now_us, size_t p);
/* The previous credentials: forgotten (restart done) or made current again. */
void rg_ice_prev_creds_drop(struct rg_ice_agent *a);
void rg_ice_prev_creds_revert(struct rg_ice_agent *a);
int rg_ice_pick_next_check(struct rg_ice_agent *a);
bool rg_ice_has_next_check(const struct rg_ice_agent *a);

/* ice_check.c */
void rg_ice_send_check(struct rg_ice_agent *a, int64_t now_us, size_t p, bool use_cand);
void rg_ice_checks_timeout(struct rg_ice_agent *a, int64_t now_us);
int64_t rg_ice_checks_next_us(const struct rg_ice_agent *a);
int rg_ice_handle_request(struct rg_ice_agent *a, int64_t now_us, int sock,
                          const struct rg_addr *from, const struct rg_stun_msg *m);
int rg_ice_handle_response(struct rg_ice_agent *a, int64_t now_us, int sock,
                           const struct rg_addr *from, const struct rg_stun_msg *m);
void rg_ice_txn_start(struct rg_ice_agent *a, int64_t now_us, struct rg_ice_txn *t);
void rg_ice_txn_cancel(struct rg_ice_txn *t, int64_t now_us, uint32_t rto_ms);

/* ice_consent.c */
void rg_ice_consent_start(struct rg_ice_agent *a, int64_t now_us, uint8_t comp, size_t p);
void rg_ice_consent_timeout(struct rg_ice_agent *a, int64_t now_us);
int64_t rg_ice_consent_next_us(const struct rg_ice_agent *a);
int rg_ice_consent_response(struct rg_ice_agent *a, int64_t now_us, int sock,
                            const struct rg_addr *from, const struct rg_stun_msg *m);
void rg_ice_consent_request_seen(struct rg_ice_agent *a, int64_t now_us, int sock,
                                 const struct rg_addr *from);
int rg_ice_build_request(struct rg_ice_agent *a, uint8_t *buf, const uint8_t *txid, uint32_t prio,
                         uint8_t role, bool use_cand);

#endif
