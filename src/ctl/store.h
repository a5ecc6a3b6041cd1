/*
 * store.h — the state directory: saved configuration, secret key, certs.
 *
 * Layout of DIR (rtcgated --state-dir DIR; mode 0700):
 *   rtcgate.conf   the running configuration as set lines (ctl.h)
 *   secret.key     32 random bytes encrypting `$7$` secrets (mode 0600)
 *   certs/         PKCS#12 files named by certificate fileName
 *   cli.sock       the CLI socket (io/cli_server.h)
 * Every file is replaced crash-safely: written to NAME.tmp, fsync'd,
 * renamed over NAME, then the directory is fsync'd, so after a crash at any
 * moment NAME is the complete old or the complete new content.  Blocking
 * I/O on the control thread.
 */
#ifndef RG_CTL_STORE_H
#define RG_CTL_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"
#include "core/rng.h"
#include "core/str.h"

#define RG_STORE_PATH_MAX 3072

struct rg_store {
    char dir[RG_STORE_PATH_MAX];
    char conf[RG_STORE_PATH_MAX + 32];
    char certs[RG_STORE_PATH_MAX + 32];
    char sock[RG_STORE_PATH_MAX + 32];
    char key[RG_STORE_PATH_MAX + 32];
};

/* Creates DIR and DIR/certs (0700) if needed, fills the paths and removes
 * temporary files a crash may have left.  RG_OK, RG_ELIMIT (path too long),
 * RG_EIO. */
RG_MUST_CHECK int rg_store_open(struct rg_store *st, const char *dir);

/* Replaces dir/name with n bytes at p, crash-safely (see above). */
RG_MUST_CHECK int rg_store_write_atomic(const char *dir, const char *name, const void *p,
                                        size_t n, mode_t mode);

/* rg_ctl_save_fn for rtcgate.conf; ud is the struct rg_store. */
int rg_store_save_conf(void *ud, struct rg_str text);

/* Reads rtcgate.conf into rg_malloc'd memory (NUL-terminated, at most
 * 64 MiB).  RG_OK, RG_ENOTFOUND (no saved configuration), RG_EIO. */
RG_MUST_CHECK int rg_store_load_conf(const struct rg_store *st, char **text, size_t *len);

/* Loads secret.key, or creates it from rng when absent. */
RG_MUST_CHECK int rg_store_secret_key(const struct rg_store *st, const struct rg_rng *rng,
                                      uint8_t key[32]);

#endif
