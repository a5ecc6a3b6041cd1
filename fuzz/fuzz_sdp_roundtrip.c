/*
 * fuzz_sdp_roundtrip.c — parse -> print -> parse must give an equal
 * structure (rg_sdp_equal), and printing the second parse must give the
 * same bytes as the first print (the printer is a fixed point).  Inputs that
 * do not parse are ignored.  Aborts on a violated invariant.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "proto/sdp/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rg_sdp_limits lim;
    rg_sdp_limits_default(&lim);
    lim.keep_bad_attrs = size > 0 && (data[size - 1] & 1);
    struct rg_arena a1, a2;
    rg_arena_init(&a1, 4096, 1 << 22);
    rg_arena_init(&a2, 4096, 1 << 22);
    struct rg_buf p1, p2;
    rg_buf_init(&p1, 1 << 20);
    rg_buf_init(&p2, 1 << 20);
    struct rg_sdp *s1 = NULL, *s2 = NULL;
    if (rg_sdp_parse(rg_str_make((const char *)data, size), &lim, &a1, &s1, NULL) == RG_OK) {
        if (rg_sdp_print(s1, &p1) != RG_OK)
            abort();
        if (rg_sdp_parse(rg_buf_str(&p1), &lim, &a2, &s2, NULL) != RG_OK)
            abort();
        if (!rg_sdp_equal(s1, s2) || !rg_sdp_equal(s2, s1))
            abort();
        if (rg_sdp_print(s2, &p2) != RG_OK || p1.len != p2.len ||
            memcmp(p1.data, p2.data, p1.len) != 0)
            abort();
    }
    rg_buf_deinit(&p1);
    rg_buf_deinit(&p2);
    rg_arena_deinit(&a1);
    rg_arena_deinit(&a2);
    return 0;
}
