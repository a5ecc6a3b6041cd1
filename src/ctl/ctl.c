/*
 * ctl.c — running snapshot, commit and text load (see ctl.h).
 */
#include "ctl/ctl.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "ctl/cmd.h"

static struct rg_cfg_snap *snap_new(struct rg_cfg *cfg, uint64_t gen)
{
    struct rg_cfg_snap *s = rg_calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->refs = 1;
    s->gen = gen;
    s->cfg = cfg;
    return s;
}

int rg_ctl_init(struct rg_ctl *ctl, const struct rg_secret *sec, const char *certs_dir,
                int64_t now_us)
{
    memset(ctl, 0, sizeof(*ctl));
    struct rg_cfg *empty = rg_cfg_new();
    ctl->running = empty ? snap_new(empty, 1) : NULL;
    if (!ctl->running) {
        rg_cfg_free(empty);
        return RG_ENOMEM;
    }
    pthread_mutex_init(&ctl->lock, NULL);
    ctl->sec = *sec;
    ctl->env.certs_dir = certs_dir;
    ctl->env.sec = &ctl->sec;
    ctl->prompt_host = "admin@rtcgate";
    rg_cds_table_init(&ctl->cds);
    rg_aggr_init(ctl->aggr, now_us);
    return RG_OK;
}

void rg_ctl_deinit(struct rg_ctl *ctl)
{
    rg_cfg_snap_put(ctl, ctl->running);
    ctl->running = NULL;
    rg_cds_table_deinit(&ctl->cds);
    pthread_mutex_destroy(&ctl->lock);
}

struct rg_cfg_snap *rg_ctl_snapshot(struct rg_ctl *ctl)
{
    pthread_mutex_lock(&ctl->lock);
    struct rg_cfg_snap *s = ctl->running;
    s->refs++;
    pthread_mutex_unlock(&ctl->lock);
    return s;
}

void rg_cfg_snap_put(struct rg_ctl *ctl, struct rg_cfg_snap *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&ctl->lock);
    long left = --s->refs;
    pthread_mutex_unlock(&ctl->lock);
    if (left == 0) {
        rg_cfg_free(s->cfg);
        rg_free(s);
    }
}

static void swap_running(struct rg_ctl *ctl, struct rg_cfg_snap *next)
{
    pthread_mutex_lock(&ctl->lock);
    struct rg_cfg_snap *old = ctl->running;
    ctl->running = next;
    pthread_mutex_unlock(&ctl->lock);
    rg_cfg_snap_put(ctl, old);
}

void rg_ctl_install(struct rg_ctl *ctl, struct rg_cfg *cfg)
{
    struct rg_cfg_snap *s = snap_new(cfg, ctl->running->gen + 1);
    if (!s) {
        rg_cfg_free(cfg);
        return;
    }
    swap_running(ctl, s);
}

int rg_ctl_parse_text(const struct rg_ctl *ctl, struct rg_str text, struct rg_cfg **out,
                      struct rg_buf *msgs)
{
    struct rg_cmd_line *l = rg_malloc(sizeof(*l));
    struct rg_cfg *cfg = rg_cfg_new();
    struct rg_cmd_err err;
    int rc = l && cfg ? RG_OK : RG_ENOMEM;
    size_t pos = 0, lineno = 0;
    while (rc == RG_OK && pos < text.len) {
        size_t end = pos;
        while (end < text.len && text.p[end] != '\n')
            end++;
        struct rg_str line = rg_str_trim(rg_str_make(text.p + pos, end - pos));
        if (line.len && line.p[line.len - 1] == '\r')
            line.len--;
        pos = end + 1;
        lineno++;
        if (line.len == 0 || line.p[0] == '#')
            continue;
        rc = rg_cmd_tokenize(line, l, &err);
        if (rc == RG_OK && (l->n == 0 || !rg_str_eq_cstr(l->tok[0].s, "set"))) {
            snprintf(err.msg, sizeof(err.msg), "syntax error: only set lines are allowed");
            rc = RG_EBADMSG;
        }
        if (rc == RG_OK)
            rc = rg_cmd_set(cfg, l, 1, &ctl->sec, &err);
        if (rc == RG_EBADMSG || rc == RG_ELIMIT) {
            if (rg_buf_appendf(msgs, "line %zu: %s\n", lineno, err.msg) != RG_OK) {
            /* the message is best effort */
        }
            rc = RG_EBADMSG;
        }
    }
    rg_free(l);
    if (rc != RG_OK) {
        rg_cfg_free(cfg);
        return rc;
    }
    *out = cfg;
    return RG_OK;
}

int rg_ctl_to_text(const struct rg_cfg *cfg, struct rg_buf *out)
{
    int rc = rg_buf_append_cstr(out, "# rtcgate configuration: set lines, written by commit.\n");
    if (rc == RG_OK)
        rc = rg_cfg_set_lines(&cfg->root, out);
    if (rc == RG_OK)
        rc = rg_buf_append_cstr(out, "# end of configuration\n");
    return rc;
}

int rg_ctl_commit(struct rg_ctl *ctl, struct rg_cfg *cand, bool validate_files,
                  struct rg_buf *msgs)
{
    struct rg_cfg_env env = ctl->env;
    if (!validate_files)
        env.certs_dir = NULL;
    int rc = rg_cfg_validate(cand, &env, msgs);
    if (rc != RG_OK)
        return rc;
    if (rg_cfg_equal(cand, ctl->running->cfg)) {
        rg_cfg_free(cand);
        return RG_EEXIST;
    }
    struct rg_cfg_snap *next = snap_new(cand, ctl->running->gen + 1);
    if (!next)
        return RG_ENOMEM;
    if (ctl->save) {
        struct rg_buf text;
        rg_buf_init(&text, 64u << 20);
        rc = rg_ctl_to_text(cand, &text);
        if (rc == RG_OK)
            rc = ctl->save(ctl->save_ud, rg_buf_str(&text));
        rg_buf_deinit(&text);
        if (rc != RG_OK) {
            rg_free(next);
            if (rg_buf_appendf(msgs, "Aborted: failed to save the configuration: %s\n",
                                 rg_strerror(rc)) != RG_OK) {
            /* the message is best effort */
        }
            return RG_EIO;
        }
    }
    swap_running(ctl, next);
    if (ctl->applied)
        ctl->applied(ctl->applied_ud, next);
    return RG_OK;
}
