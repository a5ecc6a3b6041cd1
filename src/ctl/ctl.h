/*
 * ctl.h — the control plane: running configuration, commit, load.
 *
 * struct rg_ctl holds the running configuration as a refcounted immutable
 * snapshot (struct rg_cfg_snap).  Readers on any thread — later the call
 * handling loops — take a reference with rg_ctl_snapshot() and drop it with
 * rg_cfg_snap_put(); a commit validates the whole candidate, persists it
 * through the save hook (crash-safe: store.h) and only then swaps the
 * snapshot, so a failed commit leaves running untouched and new calls see
 * either the old or the new configuration, never a mix.  Commit, load and
 * the CLI sessions run on the control thread only; rg_ctl_snapshot is
 * thread-safe.
 */
#ifndef RG_CTL_CTL_H
#define RG_CTL_CTL_H

#include <pthread.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"
#include "ctl/cfg.h"
#include "ctl/optables.h"
#include "ctl/secret.h"
#include "ctl/validate.h"

struct rg_cfg_snap {
    long refs;          /* guarded by rg_ctl.lock */
    uint64_t gen;       /* commit generation, 1 = loaded at start */
    struct rg_cfg *cfg; /* immutable while shared */
};

/* Persists the configuration text (set lines).  RG_OK or an error (the
 * commit is then aborted). */
typedef int rg_ctl_save_fn(void *ud, struct rg_str text);
/* Told after each successful commit (on the control thread). */
typedef void rg_ctl_applied_fn(void *ud, const struct rg_cfg_snap *snap);
struct rg_ctl;
/* Asked to bring the operational tables (aggr counters) up to date just
 * before they are shown (on the control thread). */
typedef void rg_ctl_refresh_fn(void *ud, struct rg_ctl *ctl);

struct rg_ctl {
    pthread_mutex_t lock;
    struct rg_cfg_snap *running;
    struct rg_cfg_env env;
    struct rg_secret sec;
    rg_ctl_save_fn *save;
    void *save_ud;
    rg_ctl_applied_fn *applied;
    void *applied_ud;
    rg_ctl_refresh_fn *refresh;
    void *refresh_ud;
    struct rg_cds_table cds;
    struct rg_aggr_policer aggr[RG_AGGR_COUNT];
    const char *prompt_host; /* "admin@rtcgate" */
};

/* Initialises with an empty running configuration.  sec->rng and
 * certs_dir (may be NULL) are borrowed. */
RG_MUST_CHECK int rg_ctl_init(struct rg_ctl *ctl, const struct rg_secret *sec,
                              const char *certs_dir, int64_t now_us);
void rg_ctl_deinit(struct rg_ctl *ctl);

/* A new reference to the running snapshot (never NULL after init). */
struct rg_cfg_snap *rg_ctl_snapshot(struct rg_ctl *ctl);
void rg_cfg_snap_put(struct rg_ctl *ctl, struct rg_cfg_snap *s);

/* Parses configuration text (set lines, `#` comments, blank lines) into a
 * new tree.  On a bad line returns RG_EBADMSG and appends
 * "line N: <message>" to msgs. */
RG_MUST_CHECK int rg_ctl_parse_text(const struct rg_ctl *ctl, struct rg_str text,
                                    struct rg_cfg **out, struct rg_buf *msgs);

/* Validates cand; on success saves it (when it differs from running),
 * installs it as running and takes ownership of it.  Appends warnings and
 * the `Aborted: …` line to msgs.  Returns RG_OK (committed), RG_EEXIST
 * (identical to running: nothing to commit, cand is freed), RG_EPROTO
 * (refused; cand stays with the caller), RG_EIO (save failed). */
RG_MUST_CHECK int rg_ctl_commit(struct rg_ctl *ctl, struct rg_cfg *cand, bool validate_files,
                                struct rg_buf *msgs);

/* Installs cfg as running without validation or saving (start-up). */
void rg_ctl_install(struct rg_ctl *ctl, struct rg_cfg *cfg);

/* Serialises cfg as the persistence text (header comment + set lines). */
RG_MUST_CHECK int rg_ctl_to_text(const struct rg_cfg *cfg, struct rg_buf *out);

#endif
