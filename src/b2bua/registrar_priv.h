/*
 * registrar_priv.h — the registrar's internals shared by registrar.c (table,
 * nonces) and registrar_req.c (REGISTER processing).  Not for other modules.
 */
#ifndef RG_B2BUA_REGISTRAR_PRIV_H
#define RG_B2BUA_REGISTRAR_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "b2bua/registrar.h"
#include "core/arena.h"

#define RG_REG_MAX_TABLE 1000000u /* max_bindings bound */
#define RG_REG_MAX_USERS 100000u
#define RG_REG_PASSWORD_MAX 256
#define RG_REG_MAX_PER_AOR 16   /* bindings of one AoR (503 past it) */
#define RG_REG_MAX_CONTACTS 16  /* Contact values in one REGISTER */
#define RG_REG_AOR_MAX 256
#define RG_REG_CONTACT_MAX 1024
#define RG_REG_INSTANCE_MAX 256
#define RG_REG_CALLID_MAX 256
#define RG_REG_HDRS_MAX 32768
#define RG_REG_SCRATCH_MAX (256 * 1024)
#define RG_REG_NONCE_LEN 64

/* One binding; its strings live in data[] of the same block. */
struct rg_reg_bind {
    int64_t expires_us;
    uint64_t seq; /* registration order (refreshes count as new) */
    uint64_t flow_conn;
    unsigned flow_listener;
    struct rg_addr src;
    uint32_t cseq;
    uint32_t reg_id;
    bool has_reg_id;  /* RFC 5626 outbound binding: keyed by instance + reg-id */
    size_t user_len;  /* aor = user "@" host, or just host when user_len == 0 */
    struct rg_str aor, contact, instance, call_id;
    char data[];
};

struct rg_reg_cuser {
    char *username;
    char *password;
};

struct rg_reg {
    const struct rg_rng *rng;
    unsigned max_bindings; /* the limit (503 past it) */
    unsigned n_slots;      /* length of slots (>= max_bindings; grows on reconfigure) */
    uint32_t min_expires_s, max_expires_s, default_expires_s, nonce_life_s;
    bool md5_first;
    char *realm;
    struct rg_reg_cuser *users;
    size_t n_users;
    uint8_t nonce_key[32];
    struct rg_reg_bind **slots; /* n_slots entries, NULL = free */
    size_t n;
    uint64_t seq;
    struct rg_buf hdrs;      /* reply header lines */
    struct rg_arena scratch; /* per-request parsing */
};

/* True when b is a binding of user@host (empty host: any). */
bool rg_reg_bind_aor_is(const struct rg_reg_bind *b, struct rg_str user, struct rg_str host);

/* Writes a fresh nonce bound to now_us.  RG_OK or RG_ECRYPTO. */
int rg_reg_nonce_make(const struct rg_reg *r, int64_t now_us, char out[RG_REG_NONCE_LEN + 1]);
/* RG_OK (ours and fresh), RG_ETIMEDOUT (ours but stale) or RG_EAUTH. */
int rg_reg_nonce_check(const struct rg_reg *r, int64_t now_us, const char *nonce);

#endif
