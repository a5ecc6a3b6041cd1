/*
 * cfg_registrar.c — `global registrar` to struct rg_reg_cfg (see
 * cfg_registrar.h).
 */
#include "ctl/cfg_registrar.h"

#include <string.h>

#include <openssl/crypto.h>

#include "core/alloc.h"

/* Users with a password, in configuration order. */
static size_t count_users(const struct rg_cfg_node *r)
{
    size_t n = 0;
    for (const struct rg_cfg_node *k = r ? r->first : NULL; k; k = k->next)
        n += strcmp(k->sch->name, "user") == 0 && rg_cfg_get_at(k, "password") != NULL;
    return n;
}

/* Appends s and its NUL to the string block at *off. */
static const char *put(char *block, size_t *off, const char *s, size_t n)
{
    char *d = block + *off;
    memcpy(d, s, n);
    d[n] = '\0';
    *off += n + 1;
    return d;
}

static int fill_users(const struct rg_cfg_node *r, const struct rg_secret *sec,
                      struct rg_cfg_registrar *o, size_t *off)
{
    size_t i = 0;
    for (const struct rg_cfg_node *k = r->first; k; k = k->next) {
        const char *enc = strcmp(k->sch->name, "user") == 0 ? rg_cfg_get_at(k, "password") : NULL;
        if (!enc)
            continue;
        char plain[RG_SECRET_MAX_PLAIN + 1];
        int rc = rg_secret_decrypt(sec, rg_str_from_cstr(enc), plain, sizeof(plain));
        if (rc != RG_OK) {
            OPENSSL_cleanse(plain, sizeof(plain));
            return RG_EAUTH;
        }
        o->users[i].username = put(o->strings, off, k->key, strlen(k->key));
        o->users[i].password = put(o->strings, off, plain, strlen(plain));
        OPENSSL_cleanse(plain, sizeof(plain));
        i++;
    }
    o->reg.users = o->users;
    o->reg.n_users = i;
    return RG_OK;
}

static int fill(const struct rg_cfg *c, const struct rg_cfg_node *r, const struct rg_secret *sec,
                bool auth, struct rg_cfg_registrar *o)
{
    const char *realm = rg_cfg_get(c, "global registrar realm");
    size_t n = auth ? count_users(r) : 0, off = 0;
    o->strings_len = strlen(realm) + 1 + n * (2 * (RG_SECRET_MAX_PLAIN + 1));
    o->strings = rg_malloc(o->strings_len);
    o->users = n ? rg_calloc(n, sizeof(*o->users)) : NULL;
    if (!o->strings || (n && !o->users))
        return RG_ENOMEM;
    o->reg.realm = put(o->strings, &off, realm, strlen(realm));
    int64_t v = 0;
    if (rg_cfg_get_int(r, "minExpires", &v) == RG_OK)
        o->reg.min_expires_s = (uint32_t)v;
    if (rg_cfg_get_int(r, "maxExpires", &v) == RG_OK)
        o->reg.max_expires_s = (uint32_t)v;
    return n ? fill_users(r, sec, o, &off) : RG_OK;
}

int rg_cfg_registrar(const struct rg_cfg *c, const struct rg_secret *sec,
                     struct rg_cfg_registrar *out)
{
    const struct rg_cfg_node *r = rg_cfg_lookup(c, "global registrar");
    const char *a = rg_cfg_get(c, "global registrar authentication");
    bool auth = a && strcmp(a, "enabled") == 0;
    if (auth && count_users(r) == 0)
        return RG_EPROTO;
    if (auth && count_users(r) > RG_CFG_REG_MAX_USERS)
        return RG_ELIMIT;
    struct rg_cfg_registrar o;
    memset(&o, 0, sizeof(o));
    if (!r) {
        /* Nothing configured: schema defaults, no authentication. */
        const char *realm = rg_cfg_get(c, "global registrar realm");
        o.strings_len = strlen(realm) + 1;
        o.strings = rg_malloc(o.strings_len);
        if (!o.strings)
            return RG_ENOMEM;
        size_t off = 0;
        o.reg.realm = put(o.strings, &off, realm, strlen(realm));
        *out = o;
        return RG_OK;
    }
    int rc = fill(c, r, sec, auth, &o);
    if (rc != RG_OK) {
        rg_cfg_registrar_free(&o);
        return rc;
    }
    *out = o;
    return RG_OK;
}

void rg_cfg_registrar_free(struct rg_cfg_registrar *r)
{
    if (r->strings)
        OPENSSL_cleanse(r->strings, r->strings_len);
    rg_free(r->strings);
    rg_free(r->users);
    memset(r, 0, sizeof(*r));
}
