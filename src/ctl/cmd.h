/*
 * cmd.h — CLI command lines against the schema: tokens, set/delete/show
 * paths and completion.
 *
 * Tokens are separated by spaces or tabs; "double quotes" group a value
 * with spaces.  Inside quotes only \" and \\ are escapes: every other
 * backslash is kept as typed, so the seed's "a=setup:actpass\r\n" is stored
 * with a literal backslash-r-backslash-n that the SMM engine interprets
 * later.  `[ a b ]` is a leaf-list value; `|` starts a pipe (show only).
 *
 * Element names and enum values may be abbreviated to any unique prefix
 * (the seed's `state enable` for `enabled`).  After a leaf value the next
 * token names another child of the same container (`fileName x type local`).
 * Errors carry the byte offset of the offending token (the caret line) and
 * the vendor's wording (`syntax error: "70" is out of range.`).
 *
 * All functions are pure apart from writing the cfg they are handed; one
 * thread at a time per cfg.
 */
#ifndef RG_CTL_CMD_H
#define RG_CTL_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/str.h"
#include "ctl/cfg.h"
#include "ctl/schema.h"
#include "ctl/secret.h"

#define RG_CMD_MAX_LINE 8192
#define RG_CMD_MAX_TOKS 256
#define RG_CMD_ERR_MAX 512

struct rg_cmd_tok {
    struct rg_str s; /* unescaped text (points into rg_cmd_line.text) */
    size_t off;      /* byte offset of the token in the typed line */
    bool quoted;
};

struct rg_cmd_line {
    struct rg_cmd_tok tok[RG_CMD_MAX_TOKS];
    size_t n;
    bool trailing_space; /* the line ends with a separator (completion) */
    char text[RG_CMD_MAX_LINE];
};

struct rg_cmd_err {
    size_t off; /* caret position in the typed line */
    char msg[RG_CMD_ERR_MAX];
};

/* Splits line into *out.  RG_OK, or RG_EBADMSG / RG_ELIMIT with *err set. */
RG_MUST_CHECK int rg_cmd_tokenize(struct rg_str line, struct rg_cmd_line *out,
                                  struct rg_cmd_err *err);

/* `set` of tokens [from, l->n): checks the whole line first and then, when
 * cfg is not NULL, applies it, so a refused line changes nothing.  Plain
 * secrets are encrypted with sec (needed when the line holds a secret).
 * RG_OK; RG_EBADMSG with *err; RG_ENOMEM / RG_ELIMIT. */
RG_MUST_CHECK int rg_cmd_set(struct rg_cfg *cfg, const struct rg_cmd_line *l, size_t from,
                             const struct rg_secret *sec, struct rg_cmd_err *err);

/* What a show/delete path designates. */
struct rg_cmd_target {
    const struct rg_sch_node *sch;  /* designated schema node (root for an empty path) */
    struct rg_cfg_node *node;       /* its data node, NULL when absent */
    struct rg_cfg_node *parent;     /* data node holding it, NULL when absent */
    bool whole_list;                /* path ended at a list name without a key */
};

/* Resolves the path in tokens [from, to) against cfg (read only). */
RG_MUST_CHECK int rg_cmd_path(const struct rg_cfg *cfg, const struct rg_cmd_line *l, size_t from,
                              size_t to, struct rg_cmd_target *t, struct rg_cmd_err *err);

/* Completion: reports each word that may follow tokens [from, l->n) (the
 * last one being a partial word unless l->trailing_space), with a one-line
 * help text, through fn.  set_mode: leaves take values (set) rather than end
 * the path (show/delete).  Returns the number of candidates reported. */
typedef void rg_cmd_compl_fn(void *ud, const char *word, const char *help);
size_t rg_cmd_complete(const struct rg_cfg *cfg, const struct rg_cmd_line *l, size_t from,
                       bool set_mode, rg_cmd_compl_fn *fn, void *ud);

#endif
