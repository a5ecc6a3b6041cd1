/*
 * cfg_show.c — `show` brace layout and `set` lines (see cfg.h).
 *
 * Layout of the vendor's (ConfD J-style) output, model §7.3 and the seed:
 *   certificate defaultDtlsSBCCert {
 *       state      enabled;
 *       fileName   defaultDtlsCert.p12;
 *   }
 * Leaf values of one block are aligned one column after the longest leaf
 * name of that block; list entries print as `name key { … }` (or `name key;`
 * when empty); empty containers are not shown (they are not presence
 * containers).
 */
#include <string.h>

#include "ctl/cfg.h"

#define MAX_DEPTH 32

static bool has_content(const struct rg_cfg_node *n)
{
    if (n->sch->kind != RG_SCH_CONTAINER)
        return true;
    for (const struct rg_cfg_node *k = n->first; k; k = k->next) {
        if (has_content(k))
            return true;
    }
    return false;
}

/* True when something below n is set (a leaf or a list entry). */
static bool has_data(const struct rg_cfg_node *n)
{
    for (const struct rg_cfg_node *k = n->first; k; k = k->next) {
        if (k->sch->kind != RG_SCH_CONTAINER || has_data(k))
            return true;
    }
    return false;
}

static int indent(struct rg_buf *out, int depth)
{
    int rc = RG_OK;
    for (int i = 0; i < depth && rc == RG_OK; i++)
        rc = rg_buf_append_cstr(out, "    ");
    return rc;
}

static int leaf_value(struct rg_buf *out, const struct rg_cfg_node *n)
{
    if (n->sch->type != RG_TY_ENUMLIST)
        return rg_cfg_quote(out, n->val);
    return rg_buf_appendf(out, "[ %s ]", n->val);
}

static int show_block(const struct rg_cfg_node *n, int depth, struct rg_buf *out);

static int show_one(const struct rg_cfg_node *k, int depth, size_t width, struct rg_buf *out)
{
    int rc = indent(out, depth);
    if (rc != RG_OK)
        return rc;
    if (k->sch->kind == RG_SCH_LEAF) {
        rc = rg_buf_appendf(out, "%-*s", (int)width, k->sch->name);
        if (rc == RG_OK)
            rc = leaf_value(out, k);
        return rc == RG_OK ? rg_buf_append_cstr(out, ";\n") : rc;
    }
    rc = rg_buf_append_cstr(out, k->sch->name);
    if (rc == RG_OK && k->key)
        rc = rg_buf_appendf(out, " %s", k->key);
    if (rc == RG_OK && !has_data(k))
        return rg_buf_append_cstr(out, ";\n");
    if (rc == RG_OK)
        rc = rg_buf_append_cstr(out, " {\n");
    if (rc == RG_OK)
        rc = show_block(k, depth + 1, out);
    if (rc == RG_OK)
        rc = indent(out, depth);
    return rc == RG_OK ? rg_buf_append_cstr(out, "}\n") : rc;
}

static int show_block(const struct rg_cfg_node *n, int depth, struct rg_buf *out)
{
    size_t width = 0;
    if (depth > MAX_DEPTH)
        return RG_ELIMIT;
    for (const struct rg_cfg_node *k = n->first; k; k = k->next) {
        if (k->sch->kind == RG_SCH_LEAF && strlen(k->sch->name) + 1 > width)
            width = strlen(k->sch->name) + 1;
    }
    for (const struct rg_cfg_node *k = n->first; k; k = k->next) {
        if (!has_content(k))
            continue;
        int rc = show_one(k, depth, width, out);
        if (rc != RG_OK)
            return rc;
    }
    return RG_OK;
}

int rg_cfg_show(const struct rg_cfg_node *n, struct rg_buf *out)
{
    return show_block(n, 0, out);
}

int rg_cfg_show_node(const struct rg_cfg_node *n, struct rg_buf *out)
{
    if (!has_content(n))
        return RG_OK;
    size_t w = n->sch->kind == RG_SCH_LEAF ? strlen(n->sch->name) + 1 : 0;
    return show_one(n, 0, w, out);
}

static int set_lines(const struct rg_cfg_node *n, struct rg_buf *path, struct rg_buf *out,
                     int depth)
{
    size_t mark = path->len;
    int rc = RG_OK;
    if (depth > MAX_DEPTH)
        return RG_ELIMIT;
    if (n->parent) {
        rc = rg_buf_appendf(path, "%s%s", path->len ? " " : "", n->sch->name);
        if (rc == RG_OK && n->key)
            rc = rg_buf_appendf(path, " %s", n->key);
    }
    if (rc == RG_OK && n->sch->kind == RG_SCH_LEAF) {
        rc = rg_buf_appendf(out, "set %.*s ", (int)path->len, path->data);
        if (rc == RG_OK)
            rc = leaf_value(out, n);
        if (rc == RG_OK)
            rc = rg_buf_append_byte(out, '\n');
    } else if (rc == RG_OK && n->key && !has_data(n)) {
        rc = rg_buf_appendf(out, "set %.*s\n", (int)path->len, path->data);
    }
    for (const struct rg_cfg_node *k = n->first; k && rc == RG_OK; k = k->next)
        rc = set_lines(k, path, out, depth + 1);
    path->len = mark;
    if (path->data)
        path->data[mark] = '\0';
    return rc;
}

int rg_cfg_set_lines(const struct rg_cfg_node *n, struct rg_buf *out)
{
    struct rg_buf path;
    rg_buf_init(&path, 4096);
    int rc = RG_OK;
    if (n->parent && n->parent->parent) {
        rc = rg_cfg_path(n->parent, &path);
    }
    if (rc == RG_OK)
        rc = set_lines(n, &path, out, 0);
    rg_buf_deinit(&path);
    return rc;
}
