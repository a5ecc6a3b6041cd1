/*
 * cli_priv.h — shared between cli.c and cli_show.c only.
 */
#ifndef RG_CTL_CLI_PRIV_H
#define RG_CTL_CLI_PRIV_H

#include "ctl/cli.h"
#include "ctl/cmd.h"

enum rg_cli_verb_id {
    RG_V_CONFIGURE = 1,
    RG_V_SET,
    RG_V_DELETE,
    RG_V_SHOW,
    RG_V_COMMIT,
    RG_V_VALIDATE,
    RG_V_REVERT,
    RG_V_EXIT,
    RG_V_RUN,
    RG_V_TOP,
    RG_V_HELP,
};

struct rg_cli_verb {
    const char *name;
    int id;
    const char *help;
};

/* Verbs of the session's current mode, ended by a NULL name. */
const struct rg_cli_verb *rg_cli_verbs(const struct rg_cli *s);
/* tok is a non-empty case-insensitive prefix of word. */
bool rg_cli_is_prefix(struct rg_str tok, const char *word);
/* Appends [ok]/[error] + time stamp (+ [edit]); returns status or < 0. */
int rg_cli_footer(struct rg_cli *s, int status, int64_t wall_s, struct rg_buf *out);
/* Caret line + message + [error] footer. */
int rg_cli_syntax_error(struct rg_cli *s, const struct rg_cmd_err *err, int64_t wall_s,
                        struct rg_buf *out);
int rg_cli_error_at(struct rg_cli *s, size_t off, const char *msg, int64_t wall_s,
                    struct rg_buf *out);
/* show … starting at token `from`; candidate: show the session's candidate
 * rather than running. */
int rg_cli_show(struct rg_cli *s, const struct rg_cmd_line *l, size_t from, bool candidate,
                int64_t wall_s, struct rg_buf *out);
int rg_cli_apply_logged(struct rg_cli *s, struct rg_cfg *c, const struct rg_cmd_line *l,
                        struct rg_cmd_err *err);
int rg_cli_delete_in(struct rg_cfg *c, const struct rg_cmd_line *l, struct rg_cmd_err *err);

#endif
