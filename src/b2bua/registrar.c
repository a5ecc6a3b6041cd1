/*
 * registrar.c — location service (RFC 3261 §10.3), RFC 5626 outbound
 * bindings and digest authentication (RFC 7616/8760).  See registrar.h.
 *
 * The table is an array of n_slots slots, each NULL or one heap block
 * holding a binding and copies of its strings.  A REGISTER is processed in
 * two passes (RFC 3261 §10.3 step 7: the updates are committed only if all
 * of them succeed): the first checks every Contact and allocates the new
 * blocks, the second swaps them into the table and cannot fail.
 */
#include "b2bua/registrar.h"

#include <string.h>

#include <openssl/hmac.h>

#include "b2bua/digest.h"
#include "b2bua/registrar_priv.h"
#include "core/alloc.h"

/* ---- configuration ---- */

static char *dup_cstr(const char *s)
{
    size_t n = strlen(s);
    char *d = rg_malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

/* A realm or user name goes into a quoted-string we build: keep it plain. */
static bool plain_text(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            return false;
    }
    return true;
}

static int copy_users(struct rg_reg *r, const struct rg_reg_cfg *cfg)
{
    if (cfg->n_users == 0)
        return RG_OK;
    if (!cfg->users || cfg->n_users > RG_REG_MAX_USERS)
        return RG_EINVAL;
    r->users = rg_calloc(cfg->n_users, sizeof(*r->users));
    if (!r->users)
        return RG_ENOMEM;
    r->n_users = cfg->n_users;
    for (size_t i = 0; i < cfg->n_users; i++) {
        const struct rg_reg_user *u = &cfg->users[i];
        if (!u->username || !u->password || !plain_text(u->username, RG_DIGEST_USER_MAX - 1) ||
            strlen(u->password) > RG_REG_PASSWORD_MAX)
            return RG_EINVAL;
        r->users[i].username = dup_cstr(u->username);
        r->users[i].password = dup_cstr(u->password);
        if (!r->users[i].username || !r->users[i].password)
            return RG_ENOMEM;
    }
    return RG_OK;
}

/* Limits, realm and users of cfg into r (nothing else of r is touched). */
static int reg_settings(struct rg_reg *r, const struct rg_reg_cfg *cfg)
{
    r->max_bindings = cfg->max_bindings ? cfg->max_bindings : 4096;
    r->min_expires_s = cfg->min_expires_s ? cfg->min_expires_s : 60;
    r->max_expires_s = cfg->max_expires_s ? cfg->max_expires_s : 3600;
    r->default_expires_s = cfg->default_expires_s ? cfg->default_expires_s : 600;
    r->nonce_life_s = cfg->nonce_lifetime_s ? cfg->nonce_lifetime_s : 300;
    r->md5_first = cfg->md5_first;
    if (r->max_bindings > RG_REG_MAX_TABLE || r->min_expires_s > r->max_expires_s)
        return RG_EINVAL;
    if (r->default_expires_s < r->min_expires_s)
        r->default_expires_s = r->min_expires_s;
    if (r->default_expires_s > r->max_expires_s)
        r->default_expires_s = r->max_expires_s;
    const char *realm = cfg->realm ? cfg->realm : "rtcgate";
    if (!plain_text(realm, RG_DIGEST_FIELD_MAX - 1))
        return RG_EINVAL;
    r->realm = dup_cstr(realm);
    if (!r->realm)
        return RG_ENOMEM;
    return copy_users(r, cfg);
}

static void free_settings(struct rg_reg *r)
{
    for (size_t i = 0; r->users && i < r->n_users; i++) {
        rg_free(r->users[i].username);
        rg_free(r->users[i].password);
    }
    rg_free(r->users);
    rg_free(r->realm);
    r->users = NULL;
    r->n_users = 0;
    r->realm = NULL;
}

static int reg_setup(struct rg_reg *r, const struct rg_reg_cfg *cfg)
{
    int rc = reg_settings(r, cfg);
    if (rc != RG_OK)
        return rc;
    r->slots = rg_calloc(r->max_bindings, sizeof(*r->slots));
    if (!r->slots)
        return RG_ENOMEM;
    r->n_slots = r->max_bindings;
    return RG_OK;
}

int rg_reg_reconfigure(struct rg_reg *r, const struct rg_reg_cfg *cfg)
{
    if (!r || !cfg)
        return RG_EINVAL;
    struct rg_reg t;
    memset(&t, 0, sizeof(t));
    int rc = reg_settings(&t, cfg);
    if (rc == RG_OK && t.max_bindings > r->n_slots) {
        /* Grow only: a smaller limit just refuses new bindings (503)
         * until enough of the present ones are gone. */
        struct rg_reg_bind **s = rg_realloc(r->slots, t.max_bindings * sizeof(*s));
        if (s) {
            memset(s + r->n_slots, 0, (t.max_bindings - r->n_slots) * sizeof(*s));
            r->slots = s;
            r->n_slots = t.max_bindings;
        }
        rc = s ? RG_OK : RG_ENOMEM;
    }
    if (rc != RG_OK) {
        free_settings(&t);
        return rc;
    }
    free_settings(r);
    r->realm = t.realm;
    r->users = t.users;
    r->n_users = t.n_users;
    r->max_bindings = t.max_bindings;
    r->min_expires_s = t.min_expires_s;
    r->max_expires_s = t.max_expires_s;
    r->default_expires_s = t.default_expires_s;
    r->nonce_life_s = t.nonce_life_s;
    r->md5_first = t.md5_first;
    return RG_OK;
}

int rg_reg_new(const struct rg_reg_cfg *cfg, const struct rg_rng *rng, struct rg_reg **out)
{
    if (!cfg || !rng || !out)
        return RG_EINVAL;
    struct rg_reg *r = rg_calloc(1, sizeof(*r));
    if (!r)
        return RG_ENOMEM;
    r->rng = rng;
    rg_buf_init(&r->hdrs, RG_REG_HDRS_MAX);
    rg_arena_init(&r->scratch, 4096, RG_REG_SCRATCH_MAX);
    int rc = reg_setup(r, cfg);
    if (rc != RG_OK) {
        rg_reg_free(r);
        return rc;
    }
    /* The nonce key: nonces are MACed so we need not remember them. */
    rg_rng_bytes(rng, r->nonce_key, sizeof(r->nonce_key));
    *out = r;
    return RG_OK;
}

void rg_reg_free(struct rg_reg *r)
{
    if (!r)
        return;
    if (r->slots) {
        for (unsigned i = 0; i < r->n_slots; i++)
            rg_free(r->slots[i]);
        rg_free(r->slots);
    }
    free_settings(r);
    rg_buf_deinit(&r->hdrs);
    rg_arena_deinit(&r->scratch);
    memset(r->nonce_key, 0, sizeof(r->nonce_key));
    rg_free(r);
}

/* ---- the table ---- */

bool rg_reg_bind_aor_is(const struct rg_reg_bind *b, struct rg_str user, struct rg_str host)
{
    struct rg_str buser = rg_str_head(b->aor, b->user_len);
    struct rg_str bhost = rg_str_from(b->aor, b->user_len ? b->user_len + 1 : 0);
    /* RFC 3261 §19.1.4: user case-sensitive after unescaping, host not. */
    if (!rg_sip_escaped_equal(buser, user, false))
        return false;
    return host.len == 0 || rg_str_caseeq(bhost, host);
}

static void fill_binding(const struct rg_reg_bind *b, struct rg_reg_binding *o)
{
    o->aor = b->aor;
    o->contact = b->contact;
    o->flow_conn = b->flow_conn;
    o->flow_listener = b->flow_listener;
    o->src = b->src;
    o->expires_us = b->expires_us;
}

size_t rg_reg_lookup(const struct rg_reg *r, int64_t now_us, struct rg_str user,
                     struct rg_str host, struct rg_reg_binding *out, size_t max)
{
    const struct rg_reg_bind *pick[RG_REG_MAX_PER_AOR];
    size_t n = 0;
    for (unsigned i = 0; i < r->n_slots && n < RG_REG_MAX_PER_AOR; i++) {
        const struct rg_reg_bind *b = r->slots[i];
        if (!b || b->expires_us <= now_us || !rg_reg_bind_aor_is(b, user, host))
            continue;
        /* Insertion by registration order, newest first. */
        size_t j = n++;
        while (j > 0 && pick[j - 1]->seq < b->seq) {
            pick[j] = pick[j - 1];
            j--;
        }
        pick[j] = b;
    }
    size_t k = n < max ? n : max;
    for (size_t i = 0; i < k; i++)
        fill_binding(pick[i], &out[i]);
    return k;
}

void rg_reg_flow_closed(struct rg_reg *r, uint64_t conn)
{
    if (conn == 0)
        return;
    for (unsigned i = 0; i < r->n_slots; i++) {
        if (r->slots[i] && r->slots[i]->flow_conn == conn) {
            rg_free(r->slots[i]);
            r->slots[i] = NULL;
            r->n--;
        }
    }
}

void rg_reg_handle_timeout(struct rg_reg *r, int64_t now_us)
{
    for (unsigned i = 0; i < r->n_slots; i++) {
        if (r->slots[i] && r->slots[i]->expires_us <= now_us) {
            rg_free(r->slots[i]);
            r->slots[i] = NULL;
            r->n--;
        }
    }
}

int64_t rg_reg_next_timeout_us(const struct rg_reg *r)
{
    int64_t next = INT64_MAX;
    for (unsigned i = 0; i < r->n_slots; i++) {
        if (r->slots[i] && r->slots[i]->expires_us < next)
            next = r->slots[i]->expires_us;
    }
    return next;
}

size_t rg_reg_count(const struct rg_reg *r)
{
    return r->n;
}

/* ---- nonces (RFC 7616 §3.3: the server chooses their form) ----
 * nonce = hex(issued_s[8] || random[8] || HMAC-SHA-256(key, those 16)[0..16]):
 * bound to the time it was issued, verifiable without state, and
 * unforgeable without the key drawn from the injected rng. */

static int nonce_mac(const struct rg_reg *r, const uint8_t raw[16], uint8_t mac[16])
{
    uint8_t full[32];
    unsigned len = 0;
    if (!HMAC(EVP_sha256(), r->nonce_key, (int)sizeof(r->nonce_key), raw, 16, full, &len) ||
        len != 32)
        return RG_ECRYPTO;
    memcpy(mac, full, 16);
    return RG_OK;
}

int rg_reg_nonce_make(const struct rg_reg *r, int64_t now_us, char out[RG_REG_NONCE_LEN + 1])
{
    uint8_t raw[32];
    uint64_t ts = (uint64_t)(now_us < 0 ? 0 : now_us / 1000000);
    for (int i = 0; i < 8; i++)
        raw[i] = (uint8_t)(ts >> (56 - 8 * i));
    rg_rng_bytes(r->rng, raw + 8, 8);
    int rc = nonce_mac(r, raw, raw + 16);
    if (rc != RG_OK)
        return rc;
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = digits[raw[i] >> 4];
        out[2 * i + 1] = digits[raw[i] & 15];
    }
    out[RG_REG_NONCE_LEN] = '\0';
    return RG_OK;
}

int rg_reg_nonce_check(const struct rg_reg *r, int64_t now_us, const char *nonce)
{
    uint8_t raw[32], mac[16];
    if (strnlen(nonce, RG_REG_NONCE_LEN + 1) != RG_REG_NONCE_LEN)
        return RG_EAUTH;
    for (int i = 0; i < 32; i++) {
        int hi = rg_hex_val((unsigned char)nonce[2 * i]);
        int lo = rg_hex_val((unsigned char)nonce[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return RG_EAUTH;
        raw[i] = (uint8_t)(hi << 4 | lo);
    }
    if (nonce_mac(r, raw, mac) != RG_OK || CRYPTO_memcmp(mac, raw + 16, 16) != 0)
        return RG_EAUTH;
    uint64_t ts = 0;
    for (int i = 0; i < 8; i++)
        ts = ts << 8 | raw[i];
    uint64_t now_s = (uint64_t)(now_us < 0 ? 0 : now_us / 1000000);
    if (ts > now_s || now_s - ts > r->nonce_life_s)
        return RG_ETIMEDOUT;
    return RG_OK;
}
