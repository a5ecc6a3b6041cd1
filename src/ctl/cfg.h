/*
 * cfg.h — configuration data: a tree of nodes typed by the schema.
 *
 * A struct rg_cfg is one whole configuration (running, a session's
 * candidate, or a file being loaded).  Nodes are containers, list entries
 * (key != NULL) and leaves (val != NULL) pointing at their schema node;
 * there are no per-object C structs.  Siblings are kept in schema order,
 * entries of a list with an integer key in numeric order and other entries
 * in the order they were created (the vendor's show order).  Values are
 * canonical text (schema.h); ENUMLIST values are space-separated.
 *
 * Ownership: the tree owns every node and string (rg_malloc).  A tree is
 * used by one thread at a time; the running configuration is shared through
 * the refcounted immutable struct rg_cfg_snap (ctl.h).  Bounded: at most
 * RG_CFG_MAX_NODES nodes per tree.
 */
#ifndef RG_CTL_CFG_H
#define RG_CTL_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"
#include "ctl/schema.h"

#define RG_CFG_MAX_NODES 100000

struct rg_cfg_node {
    const struct rg_sch_node *sch;
    struct rg_cfg_node *parent, *first, *last, *next, *prev;
    char *key; /* list entry key; NULL otherwise */
    char *val; /* leaf value; NULL otherwise */
};

struct rg_cfg {
    struct rg_cfg_node root;
    size_t nnodes;
};

/* Returns an empty tree (owned; rg_cfg_free) or NULL on OOM. */
struct rg_cfg *rg_cfg_new(void);
void rg_cfg_free(struct rg_cfg *c);
/* Deep copy.  *out written only on success. */
RG_MUST_CHECK int rg_cfg_clone(const struct rg_cfg *c, struct rg_cfg **out);
/* True when both trees hold the same nodes and values. */
bool rg_cfg_equal(const struct rg_cfg *a, const struct rg_cfg *b);

/* Child of parent with schema sch (and key, for list entries), or NULL. */
struct rg_cfg_node *rg_cfg_find(const struct rg_cfg_node *parent, const struct rg_sch_node *sch,
                                struct rg_str key);
/* Finds or creates that child.  RG_OK, RG_ENOMEM or RG_ELIMIT. */
RG_MUST_CHECK int rg_cfg_ensure(struct rg_cfg *c, struct rg_cfg_node *parent,
                                const struct rg_sch_node *sch, struct rg_str key,
                                struct rg_cfg_node **out);
/* Sets leaf sch under parent to val (canonical text). */
RG_MUST_CHECK int rg_cfg_set(struct rg_cfg *c, struct rg_cfg_node *parent,
                             const struct rg_sch_node *sch, struct rg_str val);
/* Removes n and its subtree (n must not be the root). */
void rg_cfg_remove(struct rg_cfg *c, struct rg_cfg_node *n);

/* Looks a node up by keypath text, e.g. "profiles security dtlsProfile d1"
 * or "system media mediaAddress" (element names spelled out in full, list
 * names followed by their key).  Returns NULL when absent or invalid. */
const struct rg_cfg_node *rg_cfg_lookup(const struct rg_cfg *c, const char *path);
/* Value of the leaf at path, else its schema default, else NULL. */
const char *rg_cfg_get(const struct rg_cfg *c, const char *path);
/* Same, relative to node n ("services natTraversal iceSupport"). */
const char *rg_cfg_get_at(const struct rg_cfg_node *n, const char *relpath);
/* Integer leaf with default; RG_ENOTFOUND when neither is present. */
RG_MUST_CHECK int rg_cfg_get_int(const struct rg_cfg_node *n, const char *relpath, int64_t *out);

/* Writes the keypath of n ("profiles security dtlsProfile d1 CertName"). */
RG_MUST_CHECK int rg_cfg_path(const struct rg_cfg_node *n, struct rg_buf *out);

/* Appends v as it must be typed: bare, or "quoted" when empty or holding
 * spaces or ;{}[]"'|#.  Inside quotes \" and \\ are escapes only where
 * needed so every other backslash (the seed's \r\n) stays literal. */
RG_MUST_CHECK int rg_cfg_quote(struct rg_buf *out, const char *v);

/* Show output (cfg_show.c).  The children of n in the vendor's brace layout:
 * `leaf value;` aligned per block, `name key { … }`, 4-space indent. */
RG_MUST_CHECK int rg_cfg_show(const struct rg_cfg_node *n, struct rg_buf *out);
/* n itself, for `show` of a whole list: `name key { … }` or `leaf value;`. */
RG_MUST_CHECK int rg_cfg_show_node(const struct rg_cfg_node *n, struct rg_buf *out);
/* `set <keypath> <value>` lines for every leaf and childless list entry
 * under n (n included), i.e. the persistence format and `| display set`. */
RG_MUST_CHECK int rg_cfg_set_lines(const struct rg_cfg_node *n, struct rg_buf *out);

#endif
