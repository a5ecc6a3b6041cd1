/*
 * cfg_registrar.h — the `global registrar` settings as a struct rg_reg_cfg
 * (b2bua/registrar.h), a typed look-up in the manner of cfg_access.h.
 *
 * Passwords are stored `$7$` (secret.h) and decrypted here with the
 * system's key; the clear text lives only in the struct this fills (owned,
 * wiped and freed by rg_cfg_registrar_free).  Reads an immutable snapshot;
 * thread-safe on it.
 */
#ifndef RG_CTL_CFG_REGISTRAR_H
#define RG_CTL_CFG_REGISTRAR_H

#include "b2bua/registrar.h"
#include "core/err.h"
#include "ctl/cfg.h"
#include "ctl/secret.h"

#define RG_CFG_REG_MAX_USERS 10000

struct rg_cfg_registrar {
    struct rg_reg_cfg reg;      /* ready for rg_reg_new; points into the fields below */
    struct rg_reg_user *users;  /* owned */
    char *strings;              /* owned: realm, user names, clear passwords */
    size_t strings_len;
};

/* Fills *out from c.  Digest users are given only when `authentication`
 * is enabled (otherwise every REGISTER is accepted, as the registrar's
 * contract says for zero users).  RG_OK, RG_EAUTH (a password that this
 * system's key cannot decrypt), RG_EPROTO (authentication enabled without
 * any user), RG_ELIMIT (too many users) or RG_ENOMEM.  *out is written only
 * on RG_OK; free it with rg_cfg_registrar_free. */
RG_MUST_CHECK int rg_cfg_registrar(const struct rg_cfg *c, const struct rg_secret *sec,
                                   struct rg_cfg_registrar *out);
void rg_cfg_registrar_free(struct rg_cfg_registrar *r);

#endif
