/*
 * fuzz_sip_uri.c — SIP/SIPS/tel/other URI parsing and comparison.
 * Invariants: a parsed URI's views lie inside the input and it equals
 * itself (RFC 3261 §19.1.4 is reflexive); a BARE parse consumes at most the
 * input; unescaping a parsed user part succeeds.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/arena.h"
#include "proto/sip/sip_uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(struct rg_str s, const uint8_t *data, size_t size)
{
    if (s.p && (s.p < (const char *)data || s.p + s.len > (const char *)data + size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_str s = rg_str_make((const char *)data, size);
    struct rg_sip_uri u, b;
    size_t used = 0;
    if (rg_sip_uri_parse(s, RG_SIP_URI_WHOLE, &a, &u, NULL) == RG_OK) {
        inside(u.raw, data, size);
        inside(u.user, data, size);
        inside(u.host, data, size);
        for (uint16_t i = 0; i < u.params.n; i++)
            inside(u.params.v[i].value, data, size);
        if (!rg_sip_uri_equal(&u, &u))
            abort();
        struct rg_str dec;
        if (u.scheme <= RG_SIP_SCHEME_SIPS && u.user.p &&
            rg_sip_unescape(u.user, &a, &dec) != RG_OK)
            abort();
    }
    if (rg_sip_uri_parse(s, RG_SIP_URI_BARE, &a, &b, &used) == RG_OK) {
        if (used > size || b.params.n || b.headers.n)
            abort();
        if (!rg_sip_uri_equal(&b, &b))
            abort();
    }
    rg_arena_deinit(&a);
    return 0;
}
