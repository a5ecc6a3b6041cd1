/*
 * cli_show.c — show (configuration, status, tables), tab completion and `?`
 * help of the CLI (see cli.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "ctl/cli_priv.h"

enum show_kind { SK_CONFIG, SK_STATUS, SK_TABLE };

static const char *const show_words[] = { "configuration", "status", "table", NULL };
static const char *const show_help[] = { "Show the configuration (| display set for set lines)",
                                         "Show operational status (global callDetailStatus)",
                                         "Show operational tables (getAggrPolicers, licenseInfo)" };

/* `| display set` after the path, if any.  Returns RG_OK or RG_EBADMSG. */
static int parse_pipe(const struct rg_cmd_line *l, size_t from, size_t *end, bool *display_set,
                      struct rg_cmd_err *err)
{
    *end = l->n;
    *display_set = false;
    for (size_t i = from; i < l->n; i++) {
        if (l->tok[i].quoted || !rg_str_eq_cstr(l->tok[i].s, "|"))
            continue;
        *end = i;
        if (i + 3 == l->n && rg_cli_is_prefix(l->tok[i + 1].s, "display") &&
            rg_cli_is_prefix(l->tok[i + 2].s, "set")) {
            *display_set = true;
            return RG_OK;
        }
        err->off = i + 1 < l->n ? l->tok[i + 1].off : l->tok[i].off + 2;
        snprintf(err->msg, sizeof(err->msg), "syntax error: expected | display set");
        return RG_EBADMSG;
    }
    return RG_OK;
}

static int show_target(const struct rg_cmd_target *t, bool display_set, struct rg_buf *out)
{
    int rc = RG_OK;
    bool any = false;
    if (t->whole_list) {
        for (struct rg_cfg_node *k = t->parent ? t->parent->first : NULL; k && rc == RG_OK;
             k = k->next) {
            if (k->sch != t->sch)
                continue;
            any = true;
            rc = display_set ? rg_cfg_set_lines(k, out) : rg_cfg_show_node(k, out);
        }
    } else if (t->node) {
        any = true;
        if (display_set)
            rc = rg_cfg_set_lines(t->node, out);
        else if (t->node->sch->kind == RG_SCH_LEAF)
            rc = rg_cfg_show_node(t->node, out);
        else
            rc = rg_cfg_show(t->node, out);
    }
    if (rc == RG_OK && !any)
        rc = rg_buf_append_cstr(out, "No entries found.\n");
    return rc;
}

static int show_config(struct rg_cli *s, const struct rg_cmd_line *l, size_t from, size_t end,
                       bool candidate, bool display_set, int64_t wall_s, struct rg_buf *out)
{
    struct rg_cfg_snap *snap = candidate && s->cand ? NULL : rg_ctl_snapshot(s->ctl);
    const struct rg_cfg *cfg = snap ? snap->cfg : s->cand;
    struct rg_cmd_target t;
    struct rg_cmd_err err;
    int rc = rg_cmd_path(cfg, l, from, end, &t, &err);
    if (rc == RG_OK)
        rc = show_target(&t, display_set, out);
    rg_cfg_snap_put(s->ctl, snap);
    if (rc == RG_EBADMSG)
        return rg_cli_syntax_error(s, &err, wall_s, out);
    return rc == RG_OK ? rg_cli_footer(s, RG_CLI_OK, wall_s, out) : rc;
}

/* Matches tokens [from, end) against words (`*` = any one word).  Returns
 * RG_OK, or RG_EBADMSG with err set. */
static int match_words(const struct rg_cmd_line *l, size_t from, size_t end,
                       const char *const *words, struct rg_cmd_err *err)
{
    size_t i = from;
    for (; words[i - from]; i++) {
        if (i >= end) {
            const struct rg_cmd_tok *last = &l->tok[end - 1];
            err->off = end < l->n ? l->tok[end].off : last->off + last->s.len + 1;
            snprintf(err->msg, sizeof(err->msg), "syntax error: incomplete path");
            return RG_EBADMSG;
        }
        const char *w = words[i - from];
        if (strcmp(w, "*") != 0 && !rg_cli_is_prefix(l->tok[i].s, w)) {
            err->off = l->tok[i].off;
            snprintf(err->msg, sizeof(err->msg), "syntax error: unknown element");
            return RG_EBADMSG;
        }
    }
    if (i < end) {
        err->off = l->tok[i].off;
        snprintf(err->msg, sizeof(err->msg), "syntax error: unknown argument");
        return RG_EBADMSG;
    }
    return RG_OK;
}

static const char *const cds_words[] = { "global", "callDetailStatus", NULL };
static const char *const aggr_words[] = { "addressContext", "*", "ipAccessControlList",
                                          "getAggrPolicers", NULL };
static const char *const lic_words[] = { "system", "licenseInfo", NULL };

static int show_oper(struct rg_cli *s, const struct rg_cmd_line *l, size_t from, size_t end,
                     enum show_kind kind, int64_t wall_s, struct rg_buf *out)
{
    struct rg_cmd_err err;
    int rc;
    if (kind == SK_STATUS) {
        rc = match_words(l, from, end, cds_words, &err);
        if (rc == RG_OK)
            rc = rg_cds_format(s->ctl->cds.rec, s->ctl->cds.n, out);
    } else if (end > from && rg_cli_is_prefix(l->tok[from].s, "system")) {
        rc = match_words(l, from, end, lic_words, &err);
        if (rc == RG_OK)
            rc = rg_license_format(out);
    } else {
        rc = match_words(l, from, end, aggr_words, &err);
        if (rc == RG_OK && !rg_str_eq_cstr(l->tok[from + 1].s, "default")) {
            rc = rg_buf_append_cstr(out, "No entries found.\n");
        } else if (rc == RG_OK) {
            if (s->ctl->refresh)
                s->ctl->refresh(s->ctl->refresh_ud, s->ctl);
            rc = rg_aggr_format(s->ctl->aggr, RG_AGGR_COUNT, out);
        }
    }
    if (rc == RG_EBADMSG)
        return rg_cli_syntax_error(s, &err, wall_s, out);
    return rc == RG_OK ? rg_cli_footer(s, RG_CLI_OK, wall_s, out) : rc;
}

int rg_cli_show(struct rg_cli *s, const struct rg_cmd_line *l, size_t from, bool candidate,
                int64_t wall_s, struct rg_buf *out)
{
    size_t end;
    bool display_set;
    struct rg_cmd_err err;
    if (parse_pipe(l, from, &end, &display_set, &err) != RG_OK)
        return rg_cli_syntax_error(s, &err, wall_s, out);
    if (from < end && !l->tok[from].quoted) {
        struct rg_str w = l->tok[from].s;
        const struct rg_sch_node *k;
        bool schema = rg_sch_child(rg_sch_root(), w, &k) != RG_SCH_NONE;
        for (int i = 0; show_words[i]; i++) {
            bool exact = rg_str_eq_cstr(w, show_words[i]);
            if (!exact && (!rg_cli_is_prefix(w, show_words[i]) || schema))
                continue;
            if (i == SK_CONFIG)
                return show_config(s, l, from + 1, end, candidate, display_set, wall_s, out);
            return show_oper(s, l, from + 1, end, (enum show_kind)i, wall_s, out);
        }
    }
    return show_config(s, l, from, end, candidate, display_set, wall_s, out);
}

/* ---- completion and help ---- */

#define MAX_CANDS 512

struct cands {
    size_t n;
    const char *word[MAX_CANDS];
    const char *help[MAX_CANDS];
    size_t used;
    char store[32768];
};

static const char *keep(struct cands *c, const char *s)
{
    size_t n = strlen(s) + 1;
    if (c->used + n > sizeof(c->store))
        return NULL;
    char *p = c->store + c->used;
    memcpy(p, s, n);
    c->used += n;
    return p;
}

static void add_cand(void *ud, const char *word, const char *help)
{
    struct cands *c = ud;
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->word[i], word) == 0)
            return;
    }
    if (c->n == MAX_CANDS)
        return;
    const char *w = keep(c, word), *h = keep(c, help ? help : "");
    if (w && h) {
        c->word[c->n] = w;
        c->help[c->n++] = h;
    }
}

static void offer_words(struct cands *c, const char *const *words, const char *const *help,
                        struct rg_str partial)
{
    for (size_t i = 0; words[i]; i++) {
        if (strcmp(words[i], "*") == 0)
            add_cand(c, "<name>", "address context name");
        else if (partial.len == 0 || rg_cli_is_prefix(partial, words[i]))
            add_cand(c, words[i], help ? help[i] : "");
    }
}

/* Operational paths (status/table) are fixed word sequences. */
static void complete_oper(struct cands *c, const struct rg_cmd_line *l, size_t from, size_t n,
                          struct rg_str partial, bool table)
{
    const char *const *seqs[2] = { table ? aggr_words : cds_words, table ? lic_words : NULL };
    for (int q = 0; q < 2 && seqs[q]; q++) {
        const char *const *w = seqs[q];
        size_t i = from;
        for (; i < n && w[i - from]; i++) {
            if (strcmp(w[i - from], "*") != 0 && !rg_cli_is_prefix(l->tok[i].s, w[i - from]))
                break;
        }
        if (i == n && w[i - from]) {
            const char *one[2] = { w[i - from], NULL };
            offer_words(c, one, NULL, partial);
        }
    }
}

static void complete_show(struct rg_cli *s, const struct rg_cfg *cfg, const struct rg_cmd_line *l,
                          size_t from, size_t n, struct rg_str partial, struct cands *c)
{
    if (n == from) {
        offer_words(c, show_words, show_help, partial);
        rg_cmd_complete(cfg, l, from, false, add_cand, c);
        return;
    }
    (void)s;
    struct rg_str w = l->tok[from].s;
    if (rg_cli_is_prefix(w, "configuration") && w.len >= 2)
        rg_cmd_complete(cfg, l, from + 1, false, add_cand, c);
    else if (rg_cli_is_prefix(w, "status") && w.len >= 2 && !rg_str_eq_cstr(w, "s"))
        complete_oper(c, l, from + 1, n, partial, false);
    else if (rg_cli_is_prefix(w, "table"))
        complete_oper(c, l, from + 1, n, partial, true);
    else
        rg_cmd_complete(cfg, l, from, false, add_cand, c);
}

/* `?` also offers <cr> when the words typed so far already form a whole
 * set line (ConfD shows the same). */
static void offer_cr(const struct rg_cli_verb *v, const struct rg_cmd_line *l, size_t n,
                     struct cands *c)
{
    struct rg_cmd_err err;
    if (!v || n != l->n)
        return;
    bool whole = v->id != RG_V_SET && v->id != RG_V_DELETE && v->id != RG_V_SHOW && n == 1;
    if (v->id == RG_V_SET && n > 1)
        whole = rg_cmd_set(NULL, l, 1, NULL, &err) == RG_OK;
    if (v->id == RG_V_SHOW)
        whole = true;
    if (whole)
        add_cand(c, "<cr>", "Run the command");
}

static int collect(struct rg_cli *s, struct rg_str line, struct cands *c, bool help)
{
    struct rg_cmd_line *l = rg_malloc(sizeof(*l));
    struct rg_cmd_err err;
    if (!l)
        return RG_ENOMEM;
    c->n = c->used = 0;
    if (rg_cmd_tokenize(line, l, &err) != RG_OK) {
        rg_free(l);
        return 0;
    }
    size_t n = l->n - (l->trailing_space || l->n == 0 ? 0 : 1); /* complete words */
    struct rg_str partial = n < l->n ? l->tok[n].s : RG_STR_NULL;
    struct rg_cfg_snap *snap = s->config && s->cand ? NULL : rg_ctl_snapshot(s->ctl);
    const struct rg_cfg *cfg = snap ? snap->cfg : s->cand;
    const struct rg_cli_verb *v = NULL;
    if (n == 0) {
        for (v = rg_cli_verbs(s); v->name; v++) {
            if (partial.len == 0 || rg_cli_is_prefix(partial, v->name))
                add_cand(c, v->name, v->help);
        }
    } else {
        for (const struct rg_cli_verb *x = rg_cli_verbs(s); x->name; x++) {
            if (rg_cli_is_prefix(l->tok[0].s, x->name) && (!v || v->id == x->id))
                v = x;
        }
    }
    if (v && n > 0 && (v->id == RG_V_SET || v->id == RG_V_DELETE) && s->config)
        rg_cmd_complete(cfg, l, 1, v->id == RG_V_SET, add_cand, c);
    else if (v && n > 0 && v->id == RG_V_SHOW)
        complete_show(s, cfg, l, 1, n, partial, c);
    if (help)
        offer_cr(v, l, n, c);
    rg_cfg_snap_put(s->ctl, snap);
    rg_free(l);
    return (int)c->n;
}

int rg_cli_complete(struct rg_cli *s, struct rg_str line, struct rg_buf *out)
{
    struct cands *c = rg_malloc(sizeof(*c));
    if (!c)
        return RG_ENOMEM;
    int rc = collect(s, line, c, false);
    for (size_t i = 0; rc >= 0 && i < c->n; i++) {
        int r = rg_buf_appendf(out, "%s\t%s\n", c->word[i], c->help[i]);
        rc = r == RG_OK ? rc : r;
    }
    rg_free(c);
    return rc;
}

int rg_cli_help(struct rg_cli *s, struct rg_str line, struct rg_buf *out)
{
    struct cands *c = rg_malloc(sizeof(*c));
    if (!c)
        return RG_ENOMEM;
    int rc = collect(s, line, c, true);
    size_t w = 0;
    for (size_t i = 0; i < c->n; i++)
        w = strlen(c->word[i]) > w ? strlen(c->word[i]) : w;
    if (rc >= 0)
        rc = rg_buf_append_cstr(out, c->n ? "Possible completions:\n"
                                          : "No completions (the line is complete or invalid).\n");
    for (size_t i = 0; rc >= 0 && i < c->n; i++)
        rc = rg_buf_appendf(out, "  %-*s - %s\n", (int)w, c->word[i], c->help[i]);
    int count = (int)c->n;
    rg_free(c);
    return rc < 0 ? rc : count;
}
