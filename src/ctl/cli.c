/*
 * cli.c — CLI sessions: modes, set/delete/commit/revert/exit (see cli.h).
 * show, completion and help are in cli_show.c.
 */
#include "ctl/cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "ctl/cli_priv.h"

#define LOG_MAX (4u << 20)

void rg_cli_init(struct rg_cli *s, struct rg_ctl *ctl)
{
    memset(s, 0, sizeof(*s));
    s->ctl = ctl;
    rg_buf_init(&s->log, LOG_MAX);
}

void rg_cli_deinit(struct rg_cli *s)
{
    rg_cfg_free(s->cand);
    s->cand = NULL;
    rg_buf_deinit(&s->log);
}

size_t rg_cli_prompt(const struct rg_cli *s, char *out, size_t out_size)
{
    int n = snprintf(out, out_size, "%s%c ", s->ctl->prompt_host, s->config ? '%' : '>');
    return n > 0 ? (size_t)n : 0;
}

bool rg_cli_is_prefix(struct rg_str tok, const char *word)
{
    size_t n = strlen(word);
    return tok.len > 0 && tok.len <= n && rg_str_caseeq(tok, rg_str_make(word, tok.len));
}

/* The verbs of each mode, for dispatch, completion and help. */
static const struct rg_cli_verb op_verbs[] = {
    { "configure", RG_V_CONFIGURE, "Enter configuration mode" },
    { "exit", RG_V_EXIT, "Exit the management session" },
    { "help", RG_V_HELP, "Provide help information" },
    { "quit", RG_V_EXIT, "Exit the management session" },
    { "set", RG_V_SET, "Set CLI properties (paginate, screen, complete-on-space)" },
    { "show", RG_V_SHOW, "Show configuration, status and tables" },
    { NULL, 0, NULL },
};

static const struct rg_cli_verb cfg_verbs[] = {
    { "commit", RG_V_COMMIT, "Commit the candidate configuration" },
    { "configure", RG_V_CONFIGURE, "Already in configuration mode" },
    { "delete", RG_V_DELETE, "Delete a configuration element" },
    { "exit", RG_V_EXIT, "Exit configuration mode" },
    { "help", RG_V_HELP, "Provide help information" },
    { "quit", RG_V_EXIT, "Exit configuration mode" },
    { "revert", RG_V_REVERT, "Discard the changes not committed" },
    { "rollback", RG_V_REVERT, "Return the candidate to the running configuration" },
    { "run", RG_V_RUN, "Run an operational-mode command" },
    { "set", RG_V_SET, "Set a configuration value" },
    { "show", RG_V_SHOW, "Show the candidate configuration" },
    { "top", RG_V_TOP, "Go to the top of the configuration tree" },
    { "validate", RG_V_VALIDATE, "Validate the candidate configuration" },
    { NULL, 0, NULL },
};

const struct rg_cli_verb *rg_cli_verbs(const struct rg_cli *s)
{
    return s->config ? cfg_verbs : op_verbs;
}

/* Verbs are matched case-insensitively (the seed types `Commit`), with
 * unique-prefix abbreviation (`config`). */
static int find_verb(const struct rg_cli *s, struct rg_str tok, const struct rg_cli_verb **out)
{
    const struct rg_cli_verb *hit = NULL;
    int n = 0;
    for (const struct rg_cli_verb *v = rg_cli_verbs(s); v->name; v++) {
        if (rg_str_caseeq_cstr(tok, v->name)) {
            *out = v;
            return 1;
        }
        if (rg_cli_is_prefix(tok, v->name)) {
            if (!hit || hit->id != v->id)
                n++;
            hit = v;
        }
    }
    if (n == 1)
        *out = hit;
    return n;
}

int rg_cli_footer(struct rg_cli *s, int status, int64_t wall_s, struct rg_buf *out)
{
    char ts[32];
    time_t t = (time_t)wall_s;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(ts, sizeof(ts), "1970-01-01 00:00:00");
    int rc = rg_buf_appendf(out, "[%s][%s]\n", status == RG_CLI_ERROR ? "error" : "ok", ts);
    if (rc == RG_OK && s->config)
        rc = rg_buf_append_cstr(out, "\n[edit]\n");
    return rc == RG_OK ? status : rc;
}

int rg_cli_syntax_error(struct rg_cli *s, const struct rg_cmd_err *err, int64_t wall_s,
                        struct rg_buf *out)
{
    char prompt[64];
    size_t col = rg_cli_prompt(s, prompt, sizeof(prompt)) + err->off;
    int rc = RG_OK;
    for (size_t i = 0; i < col && i < RG_CMD_MAX_LINE + 64 && rc == RG_OK; i++)
        rc = rg_buf_append_byte(out, '-');
    if (rc == RG_OK)
        rc = rg_buf_appendf(out, "^\n%s\n", err->msg);
    return rc == RG_OK ? rg_cli_footer(s, RG_CLI_ERROR, wall_s, out) : rc;
}

int rg_cli_error_at(struct rg_cli *s, size_t off, const char *msg, int64_t wall_s,
                    struct rg_buf *out)
{
    struct rg_cmd_err err;
    err.off = off;
    snprintf(err.msg, sizeof(err.msg), "%s", msg);
    return rg_cli_syntax_error(s, &err, wall_s, out);
}

/* Rebuilds the candidate as running + the lines typed so far. */
static int rebuild_candidate(struct rg_cli *s, struct rg_buf *msgs)
{
    struct rg_cfg_snap *run = rg_ctl_snapshot(s->ctl);
    struct rg_cfg *c = NULL;
    struct rg_cmd_line *l = rg_malloc(sizeof(*l));
    int rc = l ? rg_cfg_clone(run->cfg, &c) : RG_ENOMEM;
    uint64_t gen = run->gen;
    rg_cfg_snap_put(s->ctl, run);
    for (size_t pos = 0; rc == RG_OK && pos < s->log.len;) {
        const char *nl = memchr(s->log.data + pos, '\n', s->log.len - pos);
        size_t end = nl ? (size_t)(nl - s->log.data) : s->log.len;
        struct rg_cmd_err err;
        rc = rg_cmd_tokenize(rg_str_make(s->log.data + pos, end - pos), l, &err);
        if (rc == RG_OK)
            rc = rg_cli_apply_logged(s, c, l, &err);
        if (rc == RG_EBADMSG)
            if (rg_buf_appendf(msgs, "Aborted: %.*s: %s\n", (int)(end - pos), s->log.data + pos,
                                 err.msg) != RG_OK) {
            /* the message is best effort */
        }
        pos = end + 1;
    }
    rg_free(l);
    if (rc != RG_OK) {
        rg_cfg_free(c);
        return rc;
    }
    rg_cfg_free(s->cand);
    s->cand = c;
    s->base_gen = gen;
    return RG_OK;
}

static void reset_candidate(struct rg_cli *s)
{
    rg_buf_reset(&s->log);
    struct rg_buf ignore;
    rg_buf_init(&ignore, 0);
    (void)rebuild_candidate(s, &ignore);
    rg_buf_deinit(&ignore);
}

static int do_configure(struct rg_cli *s, int64_t wall_s, struct rg_buf *out)
{
    if (s->config)
        return rg_cli_footer(s, RG_CLI_OK, wall_s, out);
    rg_buf_reset(&s->log);
    struct rg_buf ignore;
    rg_buf_init(&ignore, 0);
    int rc = rebuild_candidate(s, &ignore);
    rg_buf_deinit(&ignore);
    if (rc != RG_OK)
        return rc;
    s->config = true;
    rc = rg_buf_append_cstr(out, "Entering configuration mode private\n");
    return rc == RG_OK ? rg_cli_footer(s, RG_CLI_OK, wall_s, out) : rc;
}

static int log_line(struct rg_cli *s, struct rg_str line)
{
    int rc = rg_buf_append_str(&s->log, rg_str_trim(line));
    return rc == RG_OK ? rg_buf_append_byte(&s->log, '\n') : rc;
}

static int do_set(struct rg_cli *s, const struct rg_cmd_line *l, struct rg_str line,
                  int64_t wall_s, struct rg_buf *out)
{
    struct rg_cmd_err err;
    if (!s->config) {
        /* Operational `set` only changes CLI properties; they are accepted
         * and have no effect (there is no pager). */
        static const char *const props[] = { "paginate", "screen", "complete-on-space",
                                             "timestamp", "idle-timeout", NULL };
        for (const char *const *p = props; l->n >= 2 && *p; p++) {
            if (rg_str_eq_cstr(l->tok[1].s, *p))
                return rg_cli_footer(s, RG_CLI_OK, wall_s, out);
        }
        return rg_cli_error_at(s, l->n >= 2 ? l->tok[1].off : l->tok[0].off + 4,
                               "syntax error: not a CLI property (type configure to change the "
                               "configuration)",
                               wall_s, out);
    }
    int rc = rg_cmd_set(s->cand, l, 1, &s->ctl->sec, &err);
    if (rc == RG_EBADMSG)
        return rg_cli_syntax_error(s, &err, wall_s, out);
    if (rc == RG_OK)
        rc = log_line(s, line);
    if (rc != RG_OK) {
        if (rg_buf_appendf(out, "Error: %s\n", rg_strerror(rc)) != RG_OK) {
            /* the message is best effort */
        }
        return rg_cli_footer(s, RG_CLI_ERROR, wall_s, out);
    }
    return rg_cli_footer(s, RG_CLI_OK, wall_s, out);
}

/* Applies one logged set/delete line to c (replay). */
int rg_cli_apply_logged(struct rg_cli *s, struct rg_cfg *c, const struct rg_cmd_line *l,
                        struct rg_cmd_err *err)
{
    if (l->n == 0)
        return RG_OK;
    if (rg_str_caseeq_cstr(l->tok[0].s, "delete"))
        return rg_cli_delete_in(c, l, err);
    return rg_cmd_set(c, l, 1, &s->ctl->sec, err);
}

int rg_cli_delete_in(struct rg_cfg *c, const struct rg_cmd_line *l, struct rg_cmd_err *err)
{
    struct rg_cmd_target t;
    int rc = rg_cmd_path(c, l, 1, l->n, &t, err);
    if (rc != RG_OK)
        return rc;
    if (l->n < 2) {
        err->off = l->tok[0].off + l->tok[0].s.len + 1;
        snprintf(err->msg, sizeof(err->msg), "syntax error: incomplete path");
        return RG_EBADMSG;
    }
    bool any = false;
    if (t.whole_list && t.parent) {
        struct rg_cfg_node *k = t.parent->first;
        while (k) {
            struct rg_cfg_node *next = k->next;
            if (k->sch == t.sch) {
                rg_cfg_remove(c, k);
                any = true;
            }
            k = next;
        }
    } else if (t.node && t.node->parent) {
        rg_cfg_remove(c, t.node);
        any = true;
    }
    if (!any) {
        err->off = l->tok[l->n - 1].off;
        snprintf(err->msg, sizeof(err->msg), "syntax error: element does not exist");
        return RG_EBADMSG;
    }
    return RG_OK;
}

static int do_delete(struct rg_cli *s, const struct rg_cmd_line *l, struct rg_str line,
                     int64_t wall_s, struct rg_buf *out)
{
    struct rg_cmd_err err;
    int rc = rg_cli_delete_in(s->cand, l, &err);
    if (rc == RG_EBADMSG)
        return rg_cli_syntax_error(s, &err, wall_s, out);
    if (rc == RG_OK)
        rc = log_line(s, line);
    return rc == RG_OK ? rg_cli_footer(s, RG_CLI_OK, wall_s, out) : rc;
}

/* Validation or commit of the candidate (check_only: `validate`). */
static int do_commit(struct rg_cli *s, bool check_only, int64_t wall_s, struct rg_buf *out)
{
    struct rg_cfg *copy = NULL;
    int rc = RG_OK;
    if (s->base_gen != s->ctl->running->gen)
        rc = rebuild_candidate(s, out);
    if (rc == RG_EBADMSG || rc == RG_ELIMIT)
        return rg_cli_footer(s, RG_CLI_ERROR, wall_s, out);
    if (rc == RG_OK && check_only) {
        rc = rg_cfg_validate(s->cand, &s->ctl->env, out);
        if (rc == RG_EPROTO)
            return rg_cli_footer(s, RG_CLI_ERROR, wall_s, out);
        rc = rc == RG_OK ? rg_buf_append_cstr(out, "Validation complete.\n") : rc;
        return rc == RG_OK ? rg_cli_footer(s, RG_CLI_OK, wall_s, out) : rc;
    }
    if (rc == RG_OK)
        rc = rg_cfg_clone(s->cand, &copy);
    if (rc != RG_OK)
        return rc;
    rc = rg_ctl_commit(s->ctl, copy, true, out);
    if (rc == RG_EEXIST) {
        rg_buf_reset(&s->log);
        rc = rg_buf_append_cstr(out, "No modifications to commit.\n");
        return rc == RG_OK ? rg_cli_footer(s, RG_CLI_OK, wall_s, out) : rc;
    }
    if (rc != RG_OK) {
        rg_cfg_free(copy);
        return rg_cli_footer(s, RG_CLI_ERROR, wall_s, out);
    }
    rg_buf_reset(&s->log);
    s->base_gen = s->ctl->running->gen;
    rc = rg_buf_append_cstr(out, "Commit complete.\n");
    return rc == RG_OK ? rg_cli_footer(s, RG_CLI_OK, wall_s, out) : rc;
}

static bool dirty(const struct rg_cli *s)
{
    return s->log.len > 0 && !rg_cfg_equal(s->cand, s->ctl->running->cfg);
}

static int leave_config(struct rg_cli *s, int64_t wall_s, struct rg_buf *out)
{
    rg_cfg_free(s->cand);
    s->cand = NULL;
    rg_buf_reset(&s->log);
    s->config = false;
    return rg_cli_footer(s, RG_CLI_OK, wall_s, out);
}

static int do_exit(struct rg_cli *s, const struct rg_cmd_line *l, int64_t wall_s,
                   struct rg_buf *out)
{
    if (!s->config)
        return RG_CLI_CLOSED;
    bool no_confirm = l->n >= 2 && rg_str_eq_cstr(l->tok[1].s, "no-confirm");
    if (dirty(s) && !no_confirm) {
        s->confirm = true;
        int rc = rg_buf_append_cstr(out, "Discard changes and continue? [yes,no] ");
        return rc == RG_OK ? RG_CLI_CONFIRM : rc;
    }
    return leave_config(s, wall_s, out);
}

static int on_answer(struct rg_cli *s, struct rg_str line, int64_t wall_s, struct rg_buf *out)
{
    struct rg_str a = rg_str_trim(line);
    s->confirm = false;
    if (rg_str_caseeq_cstr(a, "yes") || rg_str_caseeq_cstr(a, "y"))
        return leave_config(s, wall_s, out);
    int rc = rg_buf_append_cstr(out, "Aborted: by user\n");
    return rc == RG_OK ? rg_cli_footer(s, RG_CLI_OK, wall_s, out) : rc;
}

static int do_help(struct rg_cli *s, int64_t wall_s, struct rg_buf *out)
{
    int rc = rg_buf_append_cstr(out, "Commands:\n");
    for (const struct rg_cli_verb *v = rg_cli_verbs(s); v->name && rc == RG_OK; v++)
        rc = rg_buf_appendf(out, "  %-10s - %s\n", v->name, v->help);
    if (rc == RG_OK)
        rc = rg_buf_append_cstr(out, "Type ? after a word for the possible completions.\n");
    return rc == RG_OK ? rg_cli_footer(s, RG_CLI_OK, wall_s, out) : rc;
}

static int dispatch(struct rg_cli *s, const struct rg_cmd_line *l, struct rg_str line,
                    int64_t wall_s, struct rg_buf *out)
{
    const struct rg_cli_verb *v = NULL;
    int n = find_verb(s, l->tok[0].s, &v);
    if (n != 1)
        return rg_cli_error_at(s, l->tok[0].off,
                               n ? "syntax error: ambiguous command" : "syntax error: unknown command",
                               wall_s, out);
    switch (v->id) {
    case RG_V_CONFIGURE:
        return do_configure(s, wall_s, out);
    case RG_V_SET:
        return do_set(s, l, line, wall_s, out);
    case RG_V_DELETE:
        return do_delete(s, l, line, wall_s, out);
    case RG_V_COMMIT:
        return do_commit(s, l->n >= 2 && rg_str_eq_cstr(l->tok[1].s, "check"), wall_s, out);
    case RG_V_VALIDATE:
        return do_commit(s, true, wall_s, out);
    case RG_V_REVERT:
        reset_candidate(s);
        return rg_cli_footer(s, RG_CLI_OK, wall_s, out);
    case RG_V_EXIT:
        return do_exit(s, l, wall_s, out);
    case RG_V_SHOW:
        return rg_cli_show(s, l, 1, s->config, wall_s, out);
    case RG_V_RUN:
        if (l->n >= 2 && l->tok[1].s.len >= 2 && rg_cli_is_prefix(l->tok[1].s, "show"))
            return rg_cli_show(s, l, 2, false, wall_s, out);
        return rg_cli_error_at(s, l->n >= 2 ? l->tok[1].off : l->tok[0].off,
                               "syntax error: run supports show", wall_s, out);
    case RG_V_TOP:
        return rg_cli_footer(s, RG_CLI_OK, wall_s, out);
    default:
        return do_help(s, wall_s, out);
    }
}

int rg_cli_exec(struct rg_cli *s, struct rg_str line, int64_t wall_s, struct rg_buf *out)
{
    if (s->confirm)
        return on_answer(s, line, wall_s, out);
    struct rg_str t = rg_str_trim(line);
    if (t.len == 0 || t.p[0] == '#' || t.p[0] == '!')
        return RG_CLI_OK; /* blank or comment: nothing, prompt again */
    struct rg_cmd_line *l = rg_malloc(sizeof(*l));
    if (!l)
        return RG_ENOMEM;
    struct rg_cmd_err err;
    int rc = rg_cmd_tokenize(line, l, &err);
    if (rc == RG_OK)
        rc = dispatch(s, l, line, wall_s, out);
    else
        rc = rg_cli_syntax_error(s, &err, wall_s, out);
    rg_free(l);
    return rc;
}
