/*
 * schema.h — the one typed table of rtcgate's configuration.
 *
 * Every configurable object (the vendor objects of the seed page and
 * rtcgate's own settings) is a node of a single static, const tree defined in
 * schema.c.  That tree drives parsing of set/delete/show paths (cmd.c), the
 * data tree (cfg.c), validation at commit (validate.c), show output and set
 * lines (cfg_show.c), tab completion and `?` help (cli.c) and
 * `rtcgate --schema` (docs/CONFIG.md).  Nothing here allocates; everything
 * is immutable and thread-safe.
 *
 * Node kinds follow YANG: a container groups children; a list has entries
 * named by a key (the list node's type/min/max/en describe the key); a leaf
 * holds one value of a type.  Element names are matched case-sensitively with
 * unique-prefix abbreviation; enum values likewise, plus explicit aliases
 * (the seed's `ipv4` vs the vendor's `iPv4`).
 */
#ifndef RG_CTL_SCHEMA_H
#define RG_CTL_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/str.h"

enum rg_sch_kind { RG_SCH_CONTAINER = 1, RG_SCH_LIST, RG_SCH_LEAF };

enum rg_sch_type {
    RG_TY_NONE = 0,
    RG_TY_STRING,   /* min..max bytes */
    RG_TY_INT,      /* decimal, min..max */
    RG_TY_ENUM,     /* one of en->values (or an alias) */
    RG_TY_ENUMLIST, /* leaf-list of enum values: `a b` or `[ a b ]` */
    RG_TY_ENUMSET,  /* comma-separated enum values in one token: `sip-udp,sip-ws` */
    RG_TY_LEAFREF,  /* name of an entry of the list at ->ref (a schema path, `*` = any key) */
    RG_TY_SECRET,   /* stored encrypted, shown `$7$…` (secret.h) */
    RG_TY_IPV4,     /* dotted quad */
    RG_TY_IP,       /* IPv4 or IPv6 literal */
    RG_TY_REGEX,    /* string compiled with PCRE2 at commit */
    RG_TY_PREFIX,   /* called-number prefix: `default` or [0-9+*#]{1,32} */
    RG_TY_HOST,     /* IP literal or DNS name */
};

/* Flags. */
#define RG_SCH_F_OPER 0x01u /* shown only with `details` (rtcgate-specific knobs) */
/* A list entry's leaf whose value may follow the key without its name
 * (`ingressIpPrefix 10.0.0.0 24`, the vendor's two-key list). */
#define RG_SCH_F_POS 0x02u

struct rg_sch_enum {
    const char *const *values;  /* canonical spellings, NULL-terminated */
    const char *const *aliases; /* pairs {alias, canonical}, NULL-terminated; may be NULL */
};

struct rg_sch_node {
    const char *name;
    uint8_t kind; /* enum rg_sch_kind */
    uint8_t type; /* enum rg_sch_type: the leaf's type, or the list key's */
    uint16_t flags;
    int64_t min, max;              /* INT range; STRING/REGEX length */
    const struct rg_sch_enum *en;  /* ENUM*, or NULL */
    const char *ref;               /* LEAFREF target path, or NULL */
    const char *def;               /* default value text, or NULL */
    const char *help;              /* one line */
    const struct rg_sch_node *kids; /* children, ended by a node with name NULL */
};

/* The root container (its children are addressContext, global, profiles,
 * system). */
const struct rg_sch_node *rg_sch_root(void);

/* Number of children of a container/list node. */
size_t rg_sch_nkids(const struct rg_sch_node *n);

/* Result of a name or enum lookup with abbreviation. */
enum rg_sch_match { RG_SCH_NONE = 0, RG_SCH_UNIQUE, RG_SCH_AMBIGUOUS };

/* Finds the child of n named tok: exact name, else the one child whose name
 * starts with tok.  Returns the match kind; *out set on RG_SCH_UNIQUE. */
enum rg_sch_match rg_sch_child(const struct rg_sch_node *n, struct rg_str tok,
                               const struct rg_sch_node **out);

/* Resolves tok against an enum: exact value, exact alias, else unique prefix
 * of a value.  *out is the canonical spelling (static). */
enum rg_sch_match rg_sch_enum_match(const struct rg_sch_enum *en, struct rg_str tok,
                                    const char **out);

/* Why a value was refused (rg_sch_check_value). */
enum rg_sch_verr {
    RG_SCH_VOK = 0,
    RG_SCH_VINVALID,   /* "…" is an invalid value. */
    RG_SCH_VRANGE,     /* "…" is out of range. */
    RG_SCH_VAMBIGUOUS, /* abbreviation matches several enum values */
};

/* Checks tok as a value of leaf (or list key) n and writes its canonical
 * text into out (NUL-terminated, at most out_size bytes).  ENUMLIST values
 * are checked one element at a time.  SECRET values are only checked for
 * length here.  Returns RG_SCH_VOK or the reason. */
enum rg_sch_verr rg_sch_check_value(const struct rg_sch_node *n, struct rg_str tok, char *out,
                                    size_t out_size);

/* Human type description for help and docs: "<1-60>", "<string, 1-23>",
 * "disabled|enabled".  Writes a NUL-terminated string. */
void rg_sch_type_text(const struct rg_sch_node *n, char *out, size_t out_size);

/* Longest value text accepted anywhere (buffers can use this). */
#define RG_SCH_VALUE_MAX 1024

#endif
