/*
 * schema_doc.h — the schema as indented text: one line per node with its
 * type, default and help (rtcgate --schema; docs/CONFIG.md embeds it).
 */
#ifndef RG_CTL_SCHEMA_DOC_H
#define RG_CTL_SCHEMA_DOC_H

#include "core/buf.h"
#include "ctl/schema.h"

RG_MUST_CHECK int rg_sch_dump(struct rg_buf *out);

#endif
