/*
 * cmd.c — tokenizer and schema walker for set/delete/show (see cmd.h).
 *
 * One walker serves set (check pass, then apply pass), show/delete paths
 * and completion: it consumes tokens one at a time, keeping the schema node
 * whose children are expected next and the matching data node.
 */
#include "ctl/cmd.h"

#include <stdio.h>
#include <string.h>

int rg_cmd_tokenize(struct rg_str line, struct rg_cmd_line *out, struct rg_cmd_err *err)
{
    size_t i = 0, w = 0, n = 0;
    if (line.len >= RG_CMD_MAX_LINE) {
        err->off = 0;
        snprintf(err->msg, sizeof(err->msg), "syntax error: line too long");
        return RG_ELIMIT;
    }
    out->trailing_space = line.len == 0;
    while (i < line.len) {
        if (rg_is_wsp((unsigned char)line.p[i])) {
            i++;
            out->trailing_space = true;
            continue;
        }
        out->trailing_space = false;
        if (n == RG_CMD_MAX_TOKS) {
            err->off = i;
            snprintf(err->msg, sizeof(err->msg), "syntax error: too many words");
            return RG_ELIMIT;
        }
        struct rg_cmd_tok *t = &out->tok[n++];
        t->off = i;
        t->quoted = line.p[i] == '"';
        size_t start = w;
        if (!t->quoted) {
            while (i < line.len && !rg_is_wsp((unsigned char)line.p[i]))
                out->text[w++] = line.p[i++];
        } else {
            i++;
            while (i < line.len && line.p[i] != '"') {
                if (line.p[i] == '\\' && i + 1 < line.len &&
                    (line.p[i + 1] == '"' || line.p[i + 1] == '\\'))
                    i++;
                out->text[w++] = line.p[i++];
            }
            if (i >= line.len) {
                err->off = t->off;
                snprintf(err->msg, sizeof(err->msg), "syntax error: unterminated quoted string");
                return RG_EBADMSG;
            }
            i++;
        }
        t->s = rg_str_make(out->text + start, w - start);
    }
    out->n = n;
    return RG_OK;
}

enum wstate { W_NAME, W_KEY, W_VALUE, W_LISTVAL, W_BRACKET, W_DONE };

struct walker {
    struct rg_cfg *cfg;       /* data (may be NULL) */
    bool apply;               /* write cfg */
    bool set_mode;            /* leaves take values */
    const struct rg_secret *sec;
    const struct rg_sch_node *cur; /* node whose children are expected */
    struct rg_cfg_node *curn;      /* its data node, or NULL */
    struct rg_cfg_node *parentn;   /* data node holding curn */
    enum wstate st;
    const struct rg_sch_node *pend; /* list or leaf awaiting key/value */
    size_t pend_off;
    char lv[RG_SCH_VALUE_MAX + 1]; /* leaf-list values being collected */
    size_t lv_count;
    struct rg_cmd_err *err;
};

static int fail(struct walker *w, size_t off, const char *msg)
{
    w->err->off = off;
    snprintf(w->err->msg, sizeof(w->err->msg), "%s", msg);
    return RG_EBADMSG;
}

/* syntax error: "<tok>"<what> */
static int fail_value(struct walker *w, const struct rg_cmd_tok *t, const char *what)
{
    w->err->off = t->off;
    snprintf(w->err->msg, sizeof(w->err->msg), "syntax error: \"%.*s\" %s", (int)t->s.len,
             t->s.p ? t->s.p : "", what);
    return RG_EBADMSG;
}

static int ambiguous(struct walker *w, const struct rg_cmd_tok *t, const struct rg_sch_node *n,
                     bool values)
{
    char list[256] = "";
    size_t len = 0;
    const char *const *v = values ? n->en->values : NULL;
    for (size_t i = 0;; i++) {
        const char *name = values ? v[i] : n->kids[i].name;
        if (!name)
            break;
        if (strlen(name) > t->s.len && memcmp(name, t->s.p, t->s.len) == 0) {
            int k = snprintf(list + len, sizeof(list) - len, "%s%s", len ? " " : "", name);
            if (k > 0 && (size_t)k < sizeof(list) - len)
                len += (size_t)k;
        }
    }
    w->err->off = t->off;
    snprintf(w->err->msg, sizeof(w->err->msg), "syntax error: \"%.*s\" is ambiguous (%s).",
             (int)t->s.len, t->s.p, list);
    return RG_EBADMSG;
}

static int value_error(struct walker *w, const struct rg_cmd_tok *t, enum rg_sch_verr e)
{
    if (e == RG_SCH_VAMBIGUOUS)
        return ambiguous(w, t, w->pend, true);
    if (e == RG_SCH_VRANGE)
        return fail_value(w, t, "is out of range.");
    return fail_value(w, t, "is an invalid value.");
}

static int descend(struct walker *w, const struct rg_sch_node *n, struct rg_str key)
{
    struct rg_cfg_node *next = NULL;
    if (w->apply) {
        int rc = rg_cfg_ensure(w->cfg, w->curn, n, key, &next);
        if (rc != RG_OK)
            return rc;
    } else if (w->curn) {
        next = rg_cfg_find(w->curn, n, key);
    }
    w->parentn = w->curn;
    w->curn = next;
    w->cur = n;
    w->st = W_NAME;
    return RG_OK;
}

static int store_secret(struct walker *w, const struct rg_cmd_tok *t, char *val, size_t size)
{
    char plain[RG_SECRET_MAX_PLAIN + 1];
    if (rg_secret_is_encrypted(t->s)) {
        if (!w->sec || rg_secret_decrypt(w->sec, t->s, plain, sizeof(plain)) != RG_OK)
            return value_error(w, t, RG_SCH_VINVALID);
        return RG_OK;
    }
    if (t->s.len > RG_SECRET_MAX_PLAIN)
        return value_error(w, t, RG_SCH_VRANGE);
    if (!w->apply)
        return RG_OK;
    if (!w->sec)
        return value_error(w, t, RG_SCH_VINVALID);
    /* Setting the passphrase already stored keeps its ciphertext, so that
     * re-applying the same line is not a modification. */
    struct rg_cfg_node *old = w->curn ? rg_cfg_find(w->curn, w->pend, RG_STR_NULL) : NULL;
    if (old && rg_secret_decrypt(w->sec, rg_str_from_cstr(old->val), plain, sizeof(plain)) ==
                   RG_OK &&
        rg_str_eq_cstr(t->s, plain))
        return rg_str_copy_cstr(rg_str_from_cstr(old->val), val, size) == RG_OK ? RG_OK
                                                                               : RG_ELIMIT;
    int rc = rg_secret_encrypt(w->sec, t->s, val, size);
    return rc == RG_OK ? RG_OK : RG_ENOMEM;
}

static int set_leaf(struct walker *w, const struct rg_cmd_tok *t)
{
    char val[RG_SCH_VALUE_MAX + 1];
    enum rg_sch_verr e = rg_sch_check_value(w->pend, t->s, val, sizeof(val));
    if (e != RG_SCH_VOK)
        return value_error(w, t, e);
    if (w->pend->type == RG_TY_SECRET) {
        int rc = store_secret(w, t, val, sizeof(val));
        if (rc != RG_OK)
            return rc;
    }
    w->st = W_NAME;
    if (!w->apply)
        return RG_OK;
    return rg_cfg_set(w->cfg, w->curn, w->pend, rg_str_from_cstr(val));
}

/* Ends a leaf-list value: stores the collected values. */
static int flush_list(struct walker *w)
{
    if (w->lv_count == 0)
        return fail(w, w->pend_off, "syntax error: missing argument");
    w->st = W_NAME;
    if (!w->apply)
        return RG_OK;
    return rg_cfg_set(w->cfg, w->curn, w->pend, rg_str_from_cstr(w->lv));
}

/* Adds one leaf-list value; RG_EAGAIN when t is not a value of the list. */
static int add_list_value(struct walker *w, const struct rg_cmd_tok *t, bool must)
{
    char val[RG_SCH_VALUE_MAX + 1];
    enum rg_sch_verr e = rg_sch_check_value(w->pend, t->s, val, sizeof(val));
    if (e != RG_SCH_VOK)
        return must ? value_error(w, t, e) : RG_EAGAIN;
    size_t len = strlen(w->lv), vl = strlen(val);
    for (const char *p = w->lv; *p;) { /* a repeated value is kept once */
        const char *sp = strchr(p, ' ');
        size_t l = sp ? (size_t)(sp - p) : strlen(p);
        if (l == vl && memcmp(p, val, vl) == 0)
            return RG_OK;
        p += l + (sp ? 1 : 0);
    }
    if ((int64_t)w->lv_count >= w->pend->max || len + vl + 2 > sizeof(w->lv))
        return fail(w, t->off, "syntax error: too many values");
    if (len)
        w->lv[len++] = ' ';
    memcpy(w->lv + len, val, vl + 1);
    w->lv_count++;
    return RG_OK;
}

static int on_name(struct walker *w, const struct rg_cmd_tok *t)
{
    const struct rg_sch_node *k = NULL;
    enum rg_sch_match m = t->quoted ? RG_SCH_NONE : rg_sch_child(w->cur, t->s, &k);
    if (m == RG_SCH_AMBIGUOUS)
        return ambiguous(w, t, w->cur, false);
    if (m == RG_SCH_NONE && w->set_mode && w->cur->kind == RG_SCH_LIST && !t->quoted &&
        w->cur->kids && (w->cur->kids[0].flags & RG_SCH_F_POS)) {
        w->pend = &w->cur->kids[0]; /* `ingressIpPrefix 10.0.0.0 24` */
        w->pend_off = t->off;
        w->lv[0] = '\0';
        w->lv_count = 0;
        return set_leaf(w, t);
    }
    if (m == RG_SCH_NONE)
        return fail(w, t->off, "syntax error: unknown element");
    w->pend = k;
    w->pend_off = t->off;
    if (k->kind == RG_SCH_CONTAINER)
        return descend(w, k, RG_STR_NULL);
    if (k->kind == RG_SCH_LIST) {
        w->st = W_KEY;
        return RG_OK;
    }
    if (!w->set_mode) {
        w->st = W_DONE;
        return RG_OK;
    }
    w->lv[0] = '\0';
    w->lv_count = 0;
    w->st = k->type == RG_TY_ENUMLIST ? W_LISTVAL : W_VALUE;
    return RG_OK;
}

static int on_listval(struct walker *w, const struct rg_cmd_tok *t)
{
    if (w->st == W_BRACKET) {
        if (!t->quoted && rg_str_eq_cstr(t->s, "]"))
            return flush_list(w);
        return add_list_value(w, t, true);
    }
    if (w->lv_count == 0 && !t->quoted && rg_str_eq_cstr(t->s, "[")) {
        w->st = W_BRACKET;
        return RG_OK;
    }
    /* Greedy bare leaf-list: a value unless it names a sibling element. */
    const struct rg_sch_node *k = NULL;
    const char *canon = NULL;
    enum rg_sch_match vm = rg_sch_enum_match(w->pend->en, t->s, &canon);
    bool exact_value = vm == RG_SCH_UNIQUE && rg_str_eq_cstr(t->s, canon);
    bool is_name = rg_sch_child(w->cur, t->s, &k) == RG_SCH_UNIQUE;
    if (w->lv_count == 0)
        return add_list_value(w, t, true);
    if (exact_value || (!is_name && vm == RG_SCH_UNIQUE))
        return add_list_value(w, t, true);
    int rc = flush_list(w);
    return rc == RG_OK ? on_name(w, t) : rc;
}

static int step(struct walker *w, const struct rg_cmd_tok *t)
{
    switch (w->st) {
    case W_NAME:
        return on_name(w, t);
    case W_KEY: {
        char key[RG_SCH_VALUE_MAX + 1];
        enum rg_sch_verr e = rg_sch_check_value(w->pend, t->s, key, sizeof(key));
        if (e != RG_SCH_VOK)
            return value_error(w, t, e);
        return descend(w, w->pend, rg_str_from_cstr(key));
    }
    case W_VALUE:
        return set_leaf(w, t);
    case W_LISTVAL:
    case W_BRACKET:
        return on_listval(w, t);
    default:
        return fail(w, t->off, "syntax error: unknown argument");
    }
}

static int finish(struct walker *w, size_t end_off)
{
    if (w->st == W_LISTVAL && w->lv_count > 0)
        return flush_list(w);
    if (w->st == W_VALUE || w->st == W_LISTVAL || w->st == W_BRACKET)
        return fail(w, end_off, "syntax error: missing argument");
    if (w->set_mode && w->st == W_KEY)
        return fail(w, end_off, "syntax error: incomplete path");
    return RG_OK;
}

static void walker_init(struct walker *w, struct rg_cfg *cfg, bool apply, bool set_mode,
                        const struct rg_secret *sec, struct rg_cmd_err *err)
{
    memset(w, 0, sizeof(*w));
    w->cfg = cfg;
    w->apply = apply && cfg;
    w->set_mode = set_mode;
    w->sec = sec;
    w->cur = rg_sch_root();
    w->curn = cfg ? &cfg->root : NULL;
    w->err = err;
}

static size_t line_end(const struct rg_cmd_line *l)
{
    if (l->n == 0)
        return 0;
    const struct rg_cmd_tok *t = &l->tok[l->n - 1];
    return t->off + t->s.len + (t->quoted ? 2 : 0) + 1;
}

static int run_set(struct rg_cfg *cfg, bool apply, const struct rg_cmd_line *l, size_t from,
                   const struct rg_secret *sec, struct rg_cmd_err *err)
{
    struct walker w;
    walker_init(&w, cfg, apply, true, sec, err);
    if (from >= l->n)
        return fail(&w, line_end(l), "syntax error: incomplete path");
    for (size_t i = from; i < l->n; i++) {
        int rc = step(&w, &l->tok[i]);
        if (rc != RG_OK)
            return rc;
    }
    return finish(&w, line_end(l));
}

int rg_cmd_set(struct rg_cfg *cfg, const struct rg_cmd_line *l, size_t from,
               const struct rg_secret *sec, struct rg_cmd_err *err)
{
    int rc = run_set(cfg, false, l, from, sec, err);
    if (rc != RG_OK || !cfg)
        return rc;
    return run_set(cfg, true, l, from, sec, err);
}

int rg_cmd_path(const struct rg_cfg *cfg, const struct rg_cmd_line *l, size_t from, size_t to,
                struct rg_cmd_target *t, struct rg_cmd_err *err)
{
    struct walker w;
    walker_init(&w, (struct rg_cfg *)cfg, false, false, NULL, err);
    for (size_t i = from; i < to && i < l->n; i++) {
        int rc = step(&w, &l->tok[i]);
        if (rc != RG_OK)
            return rc;
    }
    struct rg_cmd_target r = { w.cur, w.curn, w.parentn, false };
    if (w.st == W_KEY) {
        r.sch = w.pend;
        r.node = NULL;
        r.parent = w.curn;
        r.whole_list = true;
    } else if (w.st == W_DONE) {
        r.sch = w.pend;
        r.parent = w.curn;
        r.node = w.curn ? rg_cfg_find(w.curn, w.pend, RG_STR_NULL) : NULL;
    }
    *t = r;
    return RG_OK;
}

static size_t offer(const char *word, struct rg_str partial, const char *help,
                    rg_cmd_compl_fn *fn, void *ud)
{
    if (strlen(word) < partial.len || memcmp(word, partial.p, partial.len) != 0)
        return 0;
    fn(ud, word, help);
    return 1;
}

/* Names of the existing entries of the list at ref ("a * b" = any key). */
static size_t offer_refs(const struct rg_cfg_node *n, const char *ref, struct rg_str partial,
                         rg_cmd_compl_fn *fn, void *ud, int depth)
{
    size_t count = 0;
    while (*ref == ' ')
        ref++;
    const char *e = strchr(ref, ' ');
    size_t l = e ? (size_t)(e - ref) : strlen(ref);
    if (!n || l == 0 || depth > 16)
        return 0;
    for (const struct rg_cfg_node *k = n->first; k; k = k->next) {
        if (strlen(k->sch->name) != l || memcmp(k->sch->name, ref, l) != 0)
            continue;
        if (!e && k->key)
            count += offer(k->key, partial, k->sch->help, fn, ud);
        else if (e && k->sch->kind == RG_SCH_LIST && e[1] == '*')
            count += offer_refs(k, e + 2, partial, fn, ud, depth + 1);
        else if (e && k->sch->kind == RG_SCH_CONTAINER)
            count += offer_refs(k, e + 1, partial, fn, ud, depth + 1);
    }
    return count;
}

static size_t offer_values(const struct walker *w, const struct rg_cfg *cfg, struct rg_str partial,
                           rg_cmd_compl_fn *fn, void *ud)
{
    const struct rg_sch_node *p = w->pend;
    size_t count = 0;
    if (p->en && p->type != RG_TY_ENUMSET) {
        for (const char *const *v = p->en->values; *v; v++)
            count += offer(*v, partial, p->help, fn, ud);
    } else if (p->type == RG_TY_LEAFREF && cfg) {
        count += offer_refs(&cfg->root, p->ref, partial, fn, ud, 0);
    } else if (p->kind == RG_SCH_LIST && w->curn) {
        for (const struct rg_cfg_node *k = w->curn->first; k; k = k->next) {
            if (k->sch == p)
                count += offer(k->key, partial, p->help, fn, ud);
        }
    }
    if (count == 0 && partial.len == 0) {
        char ty[256];
        rg_sch_type_text(p, ty, sizeof(ty));
        fn(ud, ty, p->help);
        count++;
    }
    return count;
}

size_t rg_cmd_complete(const struct rg_cfg *cfg, const struct rg_cmd_line *l, size_t from,
                       bool set_mode, rg_cmd_compl_fn *fn, void *ud)
{
    struct rg_cmd_err err;
    struct walker w;
    walker_init(&w, (struct rg_cfg *)cfg, false, set_mode, NULL, &err);
    size_t n = l->n - (l->trailing_space || l->n == 0 ? 0 : 1);
    struct rg_str partial = n < l->n ? l->tok[n].s : RG_STR_NULL;
    for (size_t i = from; i < n; i++) {
        if (step(&w, &l->tok[i]) != RG_OK)
            return 0;
    }
    size_t count = 0;
    if (w.st == W_KEY || w.st == W_VALUE || w.st == W_LISTVAL || w.st == W_BRACKET)
        count += offer_values(&w, cfg, partial, fn, ud);
    if (w.st == W_NAME || (w.st == W_LISTVAL && w.lv_count > 0)) {
        for (const struct rg_sch_node *k = w.cur->kids; k && k->name; k++)
            count += offer(k->name, partial, k->help, fn, ud);
    }
    return count;
}
