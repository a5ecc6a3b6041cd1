/*
 * fuzz_addr.c — address literals and decimal numbers (core/addr, core/str).
 * Invariants: a parsed address formats and re-parses to the same value; a
 * parsed number prints back to the same digits (without leading zeros).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rg_str s = rg_str_make((const char *)data, size);
    struct rg_addr a, b;
    if (rg_addr_parse_ip(s, &a) == RG_OK) {
        char txt[RG_ADDR_IP_STRLEN];
        if (rg_addr_format_ip(&a, txt, sizeof(txt)) != RG_OK)
            abort();
        if (rg_addr_parse_ip(rg_str_from_cstr(txt), &b) != RG_OK || !rg_addr_eq(&a, &b))
            abort();
    }
    uint64_t v;
    if (rg_str_to_u64(s, UINT64_MAX, &v) == RG_OK) {
        char txt[24];
        snprintf(txt, sizeof(txt), "%llu", (unsigned long long)v);
        size_t skip = 0;
        while (skip + 1 < size && data[skip] == '0')
            skip++;
        if (strlen(txt) != size - skip || memcmp(txt, data + skip, size - skip) != 0)
            abort();
    }
    return 0;
}
