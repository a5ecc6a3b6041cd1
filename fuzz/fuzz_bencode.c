/*
 * fuzz_bencode.c — bencode decoder/writer and ng framing (proto/ng).
 * Invariants: a parsed value re-encodes to exactly the bytes it was parsed
 * from (the parser accepts canonical forms only and keeps key order); the
 * re-encoding parses again to the same bytes; the prefix one byte shorter
 * is RG_EAGAIN; every dictionary key is found by lookup; a parsed ng
 * message's cookie gives a reply that parses back with the same cookie.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "proto/ng/bencode.h"
#include "proto/ng/ng_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rg_bencode_limits lim = {.max_depth = 24, .max_nodes = 2000, .max_str = 60000};

static void check_keys(const struct rg_bencode *n, unsigned depth)
{
    if (depth > lim.max_depth)
        abort();
    size_t count = 0;
    for (const struct rg_bencode *e = rg_bencode_first(n); e; e = e->next) {
        count++;
        if (n->type == RG_BENC_DICT) {
            char key[64];
            if (rg_str_copy_cstr(e->key, key, sizeof(key)) == RG_OK && strlen(key) == e->key.len &&
                rg_bencode_dict_get(n, key) != e)
                abort();
        }
        check_keys(e, depth + 1);
    }
    if ((n->type == RG_BENC_LIST || n->type == RG_BENC_DICT) && count != n->count)
        abort();
}

static void round_trip(const char *p, size_t n)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    const struct rg_bencode *root = NULL;
    int rc = rg_bencode_parse(&a, p, n, &lim, &root);
    if (rc > 0) {
        size_t used = (size_t)rc;
        if (used > n || root->raw.p != p || root->raw.len != used)
            abort();
        check_keys(root, 0);
        struct rg_buf b;
        rg_buf_init(&b, n + 16);
        struct rg_bencode_writer w;
        rg_bencode_writer_init(&w, &b);
        rg_bencode_put_node(&w, root);
        if (rg_bencode_writer_finish(&w) != RG_OK || b.len != used || memcmp(b.data, p, used))
            abort();
        struct rg_arena a2;
        rg_arena_init(&a2, 4096, 1 << 20);
        const struct rg_bencode *again;
        if (rg_bencode_parse(&a2, b.data, b.len, &lim, &again) != rc)
            abort();
        rg_arena_deinit(&a2);
        rg_buf_deinit(&b);
        rg_arena_reset(&a);
        if (rg_bencode_parse(&a, p, used - 1, &lim, &root) != RG_EAGAIN)
            abort();
    }
    rg_arena_deinit(&a);
}

static void ng(const char *p, size_t n)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_ng_msg m;
    if (rg_ng_parse(&a, p, n, &lim, &m) == RG_OK) {
        if (m.dict->type != RG_BENC_DICT || m.cookie.len == 0 || m.cookie.len > RG_NG_MAX_COOKIE)
            abort();
        struct rg_buf b;
        rg_buf_init(&b, 512);
        struct rg_str cmd = RG_STR_NULL;
        int rc = rg_ng_command(&m, &cmd);
        if (rc == RG_OK)
            rc = rg_ng_reply_error(&b, m.cookie, "unknown command");
        else
            rc = rg_ng_reply_pong(&b, m.cookie);
        struct rg_ng_msg r;
        if (rc != RG_OK || rg_ng_parse(&a, b.data, b.len, &lim, &r) != RG_OK ||
            !rg_str_eq(r.cookie, m.cookie))
            abort();
        rg_buf_deinit(&b);
    }
    rg_arena_deinit(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    round_trip((const char *)data, size);
    ng((const char *)data, size);
    return 0;
}
