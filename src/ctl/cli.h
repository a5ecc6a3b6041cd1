/*
 * cli.h — one operator session of the ConfD/Juniper-style CLI.
 *
 * A session is in operational mode (prompt `admin@rtcgate> `) or
 * configuration mode (`admin@rtcgate% `) with a private candidate: a copy of
 * running plus the set/delete lines typed since `configure` or the last
 * commit.  `commit` validates the whole candidate and installs it through
 * rg_ctl_commit; if another session committed meanwhile, the typed lines
 * are replayed onto the new running configuration first (ConfD private
 * mode merges the same way).
 *
 * rg_cli_exec takes one typed line and appends the full transcript the
 * operator sees after the prompt: output, caret line + `syntax error: …`,
 * `Aborted: …`, `Commit complete.`, then `[ok][YYYY-MM-DD HH:MM:SS]` or
 * `[error][…]` and, in configuration mode, a blank line and `[edit]`.
 * Time stamps are UTC from wall_s (injected).  Sessions run on the control
 * thread; each owns its candidate.
 */
#ifndef RG_CTL_CLI_H
#define RG_CTL_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"
#include "ctl/ctl.h"

enum rg_cli_status {
    RG_CLI_OK = 0,   /* ended with [ok] (or nothing to do) */
    RG_CLI_ERROR,    /* ended with [error] */
    RG_CLI_CONFIRM,  /* asked a [yes,no] question: the next line is the answer */
    RG_CLI_CLOSED,   /* the session ended (exit in operational mode) */
};

struct rg_cli {
    struct rg_ctl *ctl;
    bool config;         /* configuration mode */
    bool confirm;        /* waiting for yes/no */
    struct rg_cfg *cand; /* configuration mode: private candidate */
    uint64_t base_gen;   /* running generation the candidate is based on */
    struct rg_buf log;   /* set/delete lines since configure/commit */
};

void rg_cli_init(struct rg_cli *s, struct rg_ctl *ctl);
void rg_cli_deinit(struct rg_cli *s);

/* "admin@rtcgate> " or "admin@rtcgate% " (static storage of ctl). */
size_t rg_cli_prompt(const struct rg_cli *s, char *out, size_t out_size);

/* Runs one line.  Returns an enum rg_cli_status (>= 0) or RG_ENOMEM /
 * RG_ELIMIT when out could not hold the answer. */
int rg_cli_exec(struct rg_cli *s, struct rg_str line, int64_t wall_s, struct rg_buf *out);

/* Tab completion: the words that may replace the last (partial) word of
 * line, one per line as "word\thelp\n".  Returns the count or < 0. */
int rg_cli_complete(struct rg_cli *s, struct rg_str line, struct rg_buf *out);
/* `?`: "Possible completions:\n  word  - help\n…" for the position at the
 * end of line. */
int rg_cli_help(struct rg_cli *s, struct rg_str line, struct rg_buf *out);

#endif
