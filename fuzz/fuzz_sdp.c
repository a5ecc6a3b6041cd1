/*
 * fuzz_sdp.c — the SDP parser on arbitrary bytes, with small limits so
 * limit paths are reached, and checks on what a successful parse returns:
 * counts within the limits, every view inside the input, and a print that
 * succeeds.  Aborts on a violated invariant.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/arena.h"
#include "core/buf.h"
#include "proto/sdp/sdp.h"

static void inside(const uint8_t *data, size_t size, struct rg_str s)
{
    if (s.p && s.len && ((const uint8_t *)s.p < data || (const uint8_t *)s.p + s.len > data + size))
        abort();
}

static void check_attrs(const uint8_t *data, size_t size, const struct rg_sdp_attrs *l,
                        const struct rg_sdp_limits *lim)
{
    if (l->n > lim->max_attrs)
        abort();
    for (uint32_t i = 0; i < l->n; i++) {
        inside(data, size, l->v[i].name);
        inside(data, size, l->v[i].value);
        if (l->v[i].kind >= RG_SDP_A_KIND_COUNT)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rg_sdp_limits lim;
    rg_sdp_limits_default(&lim);
    lim.max_media = 8;
    lim.max_attrs = 64;
    lim.max_list = 16;
    lim.keep_bad_attrs = size > 0 && (data[0] & 1);
    struct rg_arena arena;
    rg_arena_init(&arena, 4096, 1 << 20);
    struct rg_sdp *s = NULL;
    struct rg_sdp_error err = { 0, NULL };
    int rc = rg_sdp_parse(rg_str_make((const char *)data, size), &lim, &arena, &s, &err);
    if (rc == RG_OK) {
        if (!s || s->n_media > lim.max_media)
            abort();
        check_attrs(data, size, &s->attrs, &lim);
        inside(data, size, s->name);
        for (uint32_t i = 0; i < s->n_media; i++) {
            check_attrs(data, size, &s->media[i].attrs, &lim);
            if (s->media[i].n_fmts == 0 || s->media[i].n_fmts > lim.max_list)
                abort();
        }
        struct rg_buf b;
        rg_buf_init(&b, 1 << 20);
        if (rg_sdp_print(s, &b) != RG_OK || b.len > size + 16 + 2 * (size_t)lim.max_lines)
            abort();
        rg_buf_deinit(&b);
    } else if (rc != RG_EBADMSG && rc != RG_ELIMIT && rc != RG_ENOMEM) {
        abort();
    } else if (!err.what || err.line > lim.max_lines + 1) {
        abort();
    }
    rg_arena_deinit(&arena);
    return 0;
}
