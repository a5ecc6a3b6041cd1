/*
 * fuzz_sip_roundtrip.c — parse → serialize → parse.
 * Invariants: a message that parses serializes, the output parses again
 * and is structurally equal (rg_sip_msg_equal), serializing the second
 * parse gives the same bytes, and the output frames as one stream message
 * of exactly its length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "proto/sip/sip_build.h"
#include "proto/sip/sip_frame.h"
#include "proto/sip/sip_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 21);
    struct rg_sip_msg *m1, *m2;
    struct rg_sip_error e;
    struct rg_buf b1, b2;
    rg_buf_init(&b1, 1 << 18);
    rg_buf_init(&b2, 1 << 18);
    if (rg_sip_parse((const char *)data, size, NULL, &a, &m1, &e) == RG_OK) {
        if (rg_sip_serialize(m1, &b1) != RG_OK)
            abort();
        if (rg_sip_parse(b1.data, b1.len, NULL, &a, &m2, &e) != RG_OK)
            abort();
        if (!rg_sip_msg_equal(m1, m2))
            abort();
        if (rg_sip_serialize(m2, &b2) != RG_OK || b1.len != b2.len ||
            memcmp(b1.data, b2.data, b1.len) != 0)
            abort();
        size_t len = 0;
        if (b1.len <= 65535 &&
            (rg_sip_frame_len(b1.data, b1.len, NULL, NULL, &len, &e) != RG_OK || len != b1.len))
            abort();
    }
    rg_buf_deinit(&b1);
    rg_buf_deinit(&b2);
    rg_arena_deinit(&a);
    return 0;
}
