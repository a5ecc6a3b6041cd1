/*
 * cfg.c — the configuration data tree (see cfg.h).
 */
#include "ctl/cfg.h"

#include <string.h>

#include "core/alloc.h"

static char *dup_str(struct rg_str s)
{
    char *p = rg_malloc(s.len + 1);
    if (!p)
        return NULL;
    if (s.len)
        memcpy(p, s.p, s.len);
    p[s.len] = '\0';
    return p;
}

struct rg_cfg *rg_cfg_new(void)
{
    struct rg_cfg *c = rg_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->root.sch = rg_sch_root();
    return c;
}

static void free_kids(struct rg_cfg_node *n)
{
    struct rg_cfg_node *k = n->first;
    while (k) {
        struct rg_cfg_node *next = k->next;
        free_kids(k);
        rg_free(k->key);
        rg_free(k->val);
        rg_free(k);
        k = next;
    }
    n->first = n->last = NULL;
}

void rg_cfg_free(struct rg_cfg *c)
{
    if (!c)
        return;
    free_kids(&c->root);
    rg_free(c);
}

/* Position of a schema node among its parent's children (show order). */
static ptrdiff_t sch_index(const struct rg_cfg_node *parent, const struct rg_sch_node *sch)
{
    return sch - parent->sch->kids;
}

static bool key_less(const struct rg_sch_node *sch, const char *a, const char *b)
{
    if (sch->type != RG_TY_INT)
        return false; /* insertion order */
    size_t la = strlen(a), lb = strlen(b);
    return la != lb ? la < lb : strcmp(a, b) < 0;
}

/* Links n into parent before the first sibling that sorts after it. */
static void link_child(struct rg_cfg_node *parent, struct rg_cfg_node *n)
{
    ptrdiff_t idx = sch_index(parent, n->sch);
    struct rg_cfg_node *at = parent->first;
    while (at) {
        ptrdiff_t ai = sch_index(parent, at->sch);
        if (ai > idx || (ai == idx && n->key && key_less(n->sch, n->key, at->key)))
            break;
        at = at->next;
    }
    n->parent = parent;
    n->next = at;
    n->prev = at ? at->prev : parent->last;
    if (n->prev)
        n->prev->next = n;
    else
        parent->first = n;
    if (at)
        at->prev = n;
    else
        parent->last = n;
}

struct rg_cfg_node *rg_cfg_find(const struct rg_cfg_node *parent, const struct rg_sch_node *sch,
                                struct rg_str key)
{
    for (struct rg_cfg_node *k = parent->first; k; k = k->next) {
        if (k->sch != sch)
            continue;
        if (sch->kind != RG_SCH_LIST || rg_str_eq_cstr(key, k->key))
            return k;
    }
    return NULL;
}

int rg_cfg_ensure(struct rg_cfg *c, struct rg_cfg_node *parent, const struct rg_sch_node *sch,
                  struct rg_str key, struct rg_cfg_node **out)
{
    struct rg_cfg_node *n = rg_cfg_find(parent, sch, key);
    if (n) {
        *out = n;
        return RG_OK;
    }
    if (c->nnodes >= RG_CFG_MAX_NODES)
        return RG_ELIMIT;
    n = rg_calloc(1, sizeof(*n));
    if (!n)
        return RG_ENOMEM;
    n->sch = sch;
    if (sch->kind == RG_SCH_LIST && !(n->key = dup_str(key))) {
        rg_free(n);
        return RG_ENOMEM;
    }
    link_child(parent, n);
    c->nnodes++;
    *out = n;
    return RG_OK;
}

int rg_cfg_set(struct rg_cfg *c, struct rg_cfg_node *parent, const struct rg_sch_node *sch,
               struct rg_str val)
{
    char *v = dup_str(val);
    if (!v)
        return RG_ENOMEM;
    struct rg_cfg_node *n;
    int rc = rg_cfg_ensure(c, parent, sch, RG_STR_NULL, &n);
    if (rc != RG_OK) {
        rg_free(v);
        return rc;
    }
    rg_free(n->val);
    n->val = v;
    return RG_OK;
}

static size_t count_nodes(const struct rg_cfg_node *n)
{
    size_t k = 1;
    for (const struct rg_cfg_node *c = n->first; c; c = c->next)
        k += count_nodes(c);
    return k;
}

void rg_cfg_remove(struct rg_cfg *c, struct rg_cfg_node *n)
{
    if (!n->parent)
        return;
    c->nnodes -= count_nodes(n);
    if (n->prev)
        n->prev->next = n->next;
    else
        n->parent->first = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        n->parent->last = n->prev;
    free_kids(n);
    rg_free(n->key);
    rg_free(n->val);
    rg_free(n);
}

static int clone_kids(struct rg_cfg *dst, struct rg_cfg_node *to, const struct rg_cfg_node *from)
{
    for (const struct rg_cfg_node *k = from->first; k; k = k->next) {
        struct rg_cfg_node *n;
        int rc;
        if (k->sch->kind == RG_SCH_LEAF) {
            rc = rg_cfg_set(dst, to, k->sch, rg_str_from_cstr(k->val));
            if (rc == RG_OK)
                continue;
            return rc;
        }
        rc = rg_cfg_ensure(dst, to, k->sch, rg_str_from_cstr(k->key), &n);
        if (rc == RG_OK)
            rc = clone_kids(dst, n, k);
        if (rc != RG_OK)
            return rc;
    }
    return RG_OK;
}

int rg_cfg_clone(const struct rg_cfg *c, struct rg_cfg **out)
{
    struct rg_cfg *d = rg_cfg_new();
    if (!d)
        return RG_ENOMEM;
    int rc = clone_kids(d, &d->root, &c->root);
    if (rc != RG_OK) {
        rg_cfg_free(d);
        return rc;
    }
    *out = d;
    return RG_OK;
}

/* Containers with nothing set below them carry no configuration (they are
 * not presence containers): equality skips them. */
static bool empty_container(const struct rg_cfg_node *n)
{
    if (n->sch->kind != RG_SCH_CONTAINER)
        return false;
    for (const struct rg_cfg_node *k = n->first; k; k = k->next) {
        if (!empty_container(k))
            return false;
    }
    return true;
}

static const struct rg_cfg_node *skip_empty(const struct rg_cfg_node *n)
{
    while (n && empty_container(n))
        n = n->next;
    return n;
}

static bool node_equal(const struct rg_cfg_node *a, const struct rg_cfg_node *b)
{
    const struct rg_cfg_node *x = skip_empty(a->first), *y = skip_empty(b->first);
    for (; x && y; x = skip_empty(x->next), y = skip_empty(y->next)) {
        if (x->sch != y->sch || (x->key == NULL) != (y->key == NULL) ||
            (x->val == NULL) != (y->val == NULL))
            return false;
        if ((x->key && strcmp(x->key, y->key)) || (x->val && strcmp(x->val, y->val)))
            return false;
        if (!node_equal(x, y))
            return false;
    }
    return !x && !y;
}

bool rg_cfg_equal(const struct rg_cfg *a, const struct rg_cfg *b)
{
    return node_equal(&a->root, &b->root);
}

/* Walks relpath (space-separated names, list names followed by keys). */
static const struct rg_cfg_node *walk(const struct rg_cfg_node *n, const char *path,
                                      const struct rg_sch_node **last_sch)
{
    const struct rg_sch_node *sch = n ? n->sch : NULL;
    const char *p = path;
    *last_sch = NULL;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, ' ');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        const struct rg_sch_node *k = NULL;
        for (const struct rg_sch_node *s = sch ? sch->kids : NULL; s && s->name; s++) {
            if (strlen(s->name) == l && memcmp(s->name, p, l) == 0)
                k = s;
        }
        if (!k)
            return NULL;
        p += l;
        struct rg_str key = RG_STR_NULL;
        if (k->kind == RG_SCH_LIST) {
            while (*p == ' ')
                p++;
            e = strchr(p, ' ');
            key = rg_str_make(p, e ? (size_t)(e - p) : strlen(p));
            if (key.len == 0)
                return NULL;
            p += key.len;
        }
        *last_sch = k;
        sch = k;
        n = n ? rg_cfg_find(n, k, key) : NULL;
    }
    return n;
}

const struct rg_cfg_node *rg_cfg_lookup(const struct rg_cfg *c, const char *path)
{
    const struct rg_sch_node *s;
    return walk(&c->root, path, &s);
}

const char *rg_cfg_get_at(const struct rg_cfg_node *n, const char *relpath)
{
    const struct rg_sch_node *s;
    const struct rg_cfg_node *hit = walk(n, relpath, &s);
    if (hit && hit->val)
        return hit->val;
    if (s && s->kind == RG_SCH_LEAF)
        return s->def;
    return NULL;
}

const char *rg_cfg_get(const struct rg_cfg *c, const char *path)
{
    return rg_cfg_get_at(&c->root, path);
}

int rg_cfg_get_int(const struct rg_cfg_node *n, const char *relpath, int64_t *out)
{
    const char *v = rg_cfg_get_at(n, relpath);
    int64_t x;
    if (!v || rg_str_to_i64(rg_str_from_cstr(v), INT64_MIN, INT64_MAX, &x) != RG_OK)
        return RG_ENOTFOUND;
    *out = x;
    return RG_OK;
}

static int path_rec(const struct rg_cfg_node *n, struct rg_buf *out)
{
    if (!n->parent)
        return RG_OK;
    int rc = path_rec(n->parent, out);
    if (rc == RG_OK && n->parent->parent)
        rc = rg_buf_append_byte(out, ' ');
    if (rc == RG_OK)
        rc = rg_buf_append_cstr(out, n->sch->name);
    if (rc == RG_OK && n->key)
        rc = rg_buf_appendf(out, " %s", n->key);
    return rc;
}

int rg_cfg_path(const struct rg_cfg_node *n, struct rg_buf *out)
{
    return path_rec(n, out);
}

static bool needs_quotes(const char *v)
{
    if (!*v)
        return true;
    for (const char *p = v; *p; p++) {
        if (strchr(" \t;{}[]\"'|#\\", *p) || (unsigned char)*p < 0x20)
            return true;
    }
    return false;
}

int rg_cfg_quote(struct rg_buf *out, const char *v)
{
    if (!needs_quotes(v))
        return rg_buf_append_cstr(out, v);
    int rc = rg_buf_append_byte(out, '"');
    for (const char *p = v; *p && rc == RG_OK; p++) {
        /* A backslash is doubled only where the reader would take it as an
         * escape: before '"', '\\' or the closing quote. */
        bool esc = *p == '"' || (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '\0'));
        if (esc)
            rc = rg_buf_append_byte(out, '\\');
        if (rc == RG_OK)
            rc = rg_buf_append_byte(out, (uint8_t)*p);
    }
    return rc == RG_OK ? rg_buf_append_byte(out, '"') : rc;
}
