/*
 * schema_doc.c — prints the schema tree (rtcgate --schema, docs/CONFIG.md).
 */
#include <stdio.h>
#include <string.h>

#include "ctl/schema_doc.h"

static int dump(const struct rg_sch_node *n, int depth, struct rg_buf *out)
{
    int rc = RG_OK;
    for (const struct rg_sch_node *k = n->kids; k && k->name && rc == RG_OK; k++) {
        char ty[700];
        rg_sch_type_text(k, ty, sizeof(ty));
        rc = rg_buf_appendf(out, "%*s", depth * 2, "");
        if (rc != RG_OK)
            break;
        if (k->kind == RG_SCH_CONTAINER)
            rc = rg_buf_appendf(out, "%s  -- %s\n", k->name, k->help);
        else if (k->kind == RG_SCH_LIST)
            rc = rg_buf_appendf(out, "%s %s  -- %s\n", k->name, ty, k->help);
        else
            rc = rg_buf_appendf(out, "%s %s%s%s  -- %s\n", k->name, ty, k->def ? "  default " : "",
                                k->def ? k->def : "", k->help);
        if (rc == RG_OK && k->kind != RG_SCH_LEAF)
            rc = dump(k, depth + 1, out);
    }
    return rc;
}

int rg_sch_dump(struct rg_buf *out)
{
    return dump(rg_sch_root(), 0, out);
}
