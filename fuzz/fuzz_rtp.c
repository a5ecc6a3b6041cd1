/*
 * fuzz_rtp.c — RTP parse, extension iteration and rewriting, serialise.
 * Invariants: lengths add up; rg_rtp_write reproduces the packet (padding
 * content aside); after rg_rtp_ext_set the element reads back, the other
 * elements and the payload are unchanged; after rg_rtp_ext_remove it is
 * gone.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/rtp/rtp.h"

#define MAX_ELEMS 300

struct elems {
    size_t n;
    struct rg_rtp_ext_elem e[MAX_ELEMS];
};

/* Collects elements except skip_id; false when the block is malformed. */
static bool collect(const struct rg_rtp *r, uint8_t skip_id, struct elems *out)
{
    out->n = 0;
    struct rg_rtp_ext_iter it;
    if (rg_rtp_ext_iter_init(&it, r) != RG_OK)
        return r->extension == false;
    struct rg_rtp_ext_elem e;
    int rc;
    while ((rc = rg_rtp_ext_next(&it, &e)) == 1) {
        if (e.data < r->ext || e.data + e.len > r->ext + r->ext_len || out->n == MAX_ELEMS)
            abort();
        if (e.id != skip_id)
            out->e[out->n++] = e;
    }
    return rc == 0;
}

static bool same_elems(const struct elems *a, const struct elems *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        if (a->e[i].id != b->e[i].id || a->e[i].len != b->e[i].len ||
            memcmp(a->e[i].data, b->e[i].data, a->e[i].len) != 0)
            return false;
    }
    return true;
}

static void check_write(const uint8_t *data, size_t size, const struct rg_rtp *r)
{
    static uint8_t out[70000];
    int n = rg_rtp_write(r, out, sizeof(out));
    if (n != (int)size)
        abort();
    size_t body = size - r->pad_len;
    if (memcmp(out, data, body) != 0 || (r->pad_len && out[size - 1] != data[size - 1]))
        abort();
}

static void check_rewrite(const uint8_t *data, size_t size, const struct rg_rtp *r)
{
    static uint8_t pkt[70000 + 2048];
    static struct elems before, after;
    if (size < 2 || !collect(r, data[size - 1], &before))
        return;
    uint8_t id = data[size - 1], dlen = data[size - 2] % 20;
    const uint8_t *val = data;
    if (id == 0 || dlen > size)
        return;
    memcpy(pkt, data, size);
    size_t nl = 0;
    int rc = rg_rtp_ext_set(pkt, size, sizeof(pkt), id, val, dlen, &nl);
    if (rc != RG_OK)
        return; /* ELIMIT (large block) or EUNSUPP profile */
    struct rg_rtp w;
    struct rg_rtp_ext_elem e;
    if (rg_rtp_parse(pkt, nl, &w) != RG_OK || rg_rtp_ext_find(&w, id, &e) != RG_OK ||
        e.len != dlen || memcmp(e.data, val, dlen) != 0)
        abort();
    if (!collect(&w, id, &after) || !same_elems(&before, &after))
        abort();
    if (w.payload_len != r->payload_len || memcmp(w.payload, r->payload, r->payload_len) != 0 ||
        w.ssrc != r->ssrc || w.seq != r->seq || w.pad_len != r->pad_len)
        abort();
    size_t nl2 = 0;
    if (rg_rtp_ext_remove(pkt, nl, id, &nl2) != RG_OK || rg_rtp_parse(pkt, nl2, &w) != RG_OK)
        abort();
    if (rg_rtp_ext_find(&w, id, &e) != RG_ENOTFOUND && w.extension)
        abort();
    if (w.payload_len != r->payload_len || memcmp(w.payload, r->payload, r->payload_len) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rg_rtp r;
    int rc = rg_rtp_parse(data, size, &r);
    if (rc != RG_OK) {
        if (rc != RG_EBADMSG)
            abort();
        return 0;
    }
    if (r.header_len + r.payload_len + r.pad_len != size || r.payload != data + r.header_len)
        abort();
    check_write(data, size, &r);
    check_rewrite(data, size, &r);
    return 0;
}
