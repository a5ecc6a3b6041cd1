/*
 * optables.c — callDetailStatus, getAggrPolicers and licenseInfo (see
 * optables.h).  Layouts are the seed's samples.
 */
#include "ctl/optables.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

static const char *const cds_names[] = {
#define RG_X(n) #n,
    RG_CDS_FIELDS(RG_X)
#undef RG_X
};

const char *rg_cds_field_name(enum rg_cds_field f)
{
    return (unsigned)f < RG_CDS_NFIELDS ? cds_names[f] : "?";
}

void rg_cds_table_init(struct rg_cds_table *t)
{
    t->rec = NULL;
    t->n = t->cap = 0;
}

void rg_cds_table_deinit(struct rg_cds_table *t)
{
    rg_free(t->rec);
    rg_cds_table_init(t);
}

static size_t lower_bound(const struct rg_cds_table *t, uint32_t gcid)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->rec[mid].gcid < gcid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int rg_cds_put(struct rg_cds_table *t, const struct rg_cds_record *r)
{
    size_t i = lower_bound(t, r->gcid);
    if (i < t->n && t->rec[i].gcid == r->gcid) {
        t->rec[i] = *r;
        return RG_OK;
    }
    if (t->n == RG_CDS_MAX_CALLS)
        return RG_ELIMIT;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct rg_cds_record *p = rg_realloc(t->rec, cap * sizeof(*p));
        if (!p)
            return RG_ENOMEM;
        t->rec = p;
        t->cap = cap;
    }
    memmove(&t->rec[i + 1], &t->rec[i], (t->n - i) * sizeof(*t->rec));
    t->rec[i] = *r;
    t->n++;
    return RG_OK;
}

int rg_cds_remove(struct rg_cds_table *t, uint32_t gcid)
{
    size_t i = lower_bound(t, gcid);
    if (i >= t->n || t->rec[i].gcid != gcid)
        return RG_ENOTFOUND;
    memmove(&t->rec[i], &t->rec[i + 1], (t->n - i - 1) * sizeof(*t->rec));
    t->n--;
    return RG_OK;
}

static int cds_value(struct rg_buf *out, const char *v)
{
    if (*v && !strpbrk(v, " /;\"{}"))
        return rg_buf_append_cstr(out, v);
    return rg_buf_appendf(out, "\"%s\"", v);
}

int rg_cds_format(const struct rg_cds_record *r, size_t n, struct rg_buf *out)
{
    if (n == 0)
        return rg_buf_append_cstr(out, "No entries found.\n");
    size_t width = 0;
    for (int f = 0; f < RG_CDS_NFIELDS; f++) {
        if (strlen(cds_names[f]) > width)
            width = strlen(cds_names[f]);
    }
    int rc = RG_OK;
    for (size_t i = 0; i < n && rc == RG_OK; i++) {
        rc = rg_buf_appendf(out, "callDetailStatus %" PRIu32 " {\n", r[i].gcid);
        for (int f = 0; f < RG_CDS_NFIELDS && rc == RG_OK; f++) {
            char v[RG_CDS_VALUE_MAX];
            memcpy(v, r[i].val[f], sizeof(v));
            v[sizeof(v) - 1] = '\0';
            if (f >= RG_CDS_FIRST_EXT && !v[0])
                continue;
            rc = rg_buf_appendf(out, "    %-*s ", (int)width, cds_names[f]);
            if (rc == RG_OK)
                rc = cds_value(out, v);
            if (rc == RG_OK)
                rc = rg_buf_append_cstr(out, ";\n");
        }
        if (rc == RG_OK)
            rc = rg_buf_append_cstr(out, "}\n");
    }
    return rc;
}

void rg_aggr_init(struct rg_aggr_policer rows[RG_AGGR_COUNT], int64_t now_us)
{
    static const struct {
        unsigned id;
        const char *type, *name;
        enum rg_policer_mode mode;
        uint64_t bucket, rate;
    } seed[RG_AGGR_COUNT] = {
        { 0, "Link", "LINK_pkt0", RG_POL_DATARATE, 300000, 62500000 },
        { 1, "Link", "LINK_pkt1", RG_POL_DATARATE, 300000, 62500000 },
        { 4, "StunDtls", "STUN", RG_POL_PKTRATE, 100, 10000 },
        { 5, "StunDtls", "DTLS", RG_POL_PKTRATE, 100, 10000 },
    };
    for (int i = 0; i < RG_AGGR_COUNT; i++) {
        rows[i].id = seed[i].id;
        rows[i].type = seed[i].type;
        rows[i].zone = "-";
        rows[i].name = seed[i].name;
        rg_policer_init(&rows[i].pol, seed[i].mode, seed[i].bucket, seed[i].rate, now_us);
    }
}

#define AGGR_COLS 9
#define CELL 40

static void aggr_cells(const struct rg_aggr_policer *r, char c[AGGR_COLS][CELL])
{
    bool data = r->pol.mode == RG_POL_DATARATE;
    snprintf(c[0], CELL, "%u", r->id);
    snprintf(c[1], CELL, "%s", r->type);
    snprintf(c[2], CELL, "%s", r->zone);
    snprintf(c[3], CELL, "%s", data ? "DataRate" : "PktRate");
    snprintf(c[4], CELL, "%" PRIu64 " %s", r->pol.bucket, data ? "byte" : "pkt");
    snprintf(c[5], CELL, "%" PRIu64 " %s", r->pol.rate, data ? "byte/s" : "pkt/s");
    snprintf(c[6], CELL, "%" PRIu64, r->pol.accepted);
    snprintf(c[7], CELL, "%" PRIu64, r->pol.discarded);
    snprintf(c[8], CELL, "%s", r->name);
}

static int row(struct rg_buf *out, const size_t *w, const char *const *cells)
{
    int rc = RG_OK;
    for (int i = 0; i < AGGR_COLS && rc == RG_OK; i++)
        rc = rg_buf_appendf(out, "%-*s", (int)w[i], cells[i]);
    return rc == RG_OK ? rg_buf_append_byte(out, '\n') : rc;
}

/* ConfD `show table` layout: two header lines, a dashed rule, each column
 * two spaces wider than its widest cell. */
int rg_aggr_format(const struct rg_aggr_policer *rows, size_t n, struct rg_buf *out)
{
    static const char *const h1[AGGR_COLS] = { "POL",    "POLICING", "ZONE",   "POLICING", "",
                                               "",       "PACKET",   "PACKET", "AGG POL" };
    static const char *const h2[AGGR_COLS] = { "ID",          "TYPE",   "ID",      "MODE",
                                               "BUCKET SIZE", "CREDIT RATE", "ACCEPT", "DISCARD",
                                               "NAME" };
    size_t w[AGGR_COLS], total = 0;
    char c[AGGR_COLS][CELL];
    for (int i = 0; i < AGGR_COLS; i++)
        w[i] = strlen(h1[i]) > strlen(h2[i]) ? strlen(h1[i]) : strlen(h2[i]);
    for (size_t r = 0; r < n; r++) {
        aggr_cells(&rows[r], c);
        for (int i = 0; i < AGGR_COLS; i++)
            w[i] = strlen(c[i]) > w[i] ? strlen(c[i]) : w[i];
    }
    for (int i = 0; i < AGGR_COLS; i++)
        total += (w[i] += 2);
    int rc = row(out, w, h1);
    if (rc == RG_OK)
        rc = row(out, w, h2);
    for (size_t i = 0; i < total && rc == RG_OK; i++)
        rc = rg_buf_append_byte(out, '-');
    if (rc == RG_OK)
        rc = rg_buf_append_byte(out, '\n');
    for (size_t r = 0; r < n && rc == RG_OK; r++) {
        aggr_cells(&rows[r], c);
        const char *cells[AGGR_COLS];
        for (int i = 0; i < AGGR_COLS; i++)
            cells[i] = c[i];
        rc = row(out, w, cells);
    }
    return rc;
}

int rg_license_format(struct rg_buf *out)
{
    return rg_buf_append_cstr(out,
                              "No licences are needed: rtcgate has no licence keys, and every "
                              "feature (SRTP, DTLS,\ntranscoding, policing, SMM) is enabled "
                              "without limit.\n");
}
