/*
 * ws_test_util.h — helpers shared by the WebSocket unit tests: hex decoding
 * and the RFC 6455 §5.7 vector file (tests/vectors/rfc6455/s5.7-frames.txt).
 * Header only; memory from rg_malloc, freed by the caller with rg_free.
 */
#ifndef RG_TESTS_WS_TEST_UTIL_H
#define RG_TESTS_WS_TEST_UTIL_H

#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/str.h"

/* Decodes hex digits (spaces ignored) into out; returns the byte count or -1. */
static inline long ws_t_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *hex; hex++) {
        if (*hex == ' ')
            continue;
        int v = rg_hex_val((unsigned char)*hex);
        if (v < 0)
            return -1;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n == cap)
            return -1;
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    return hi < 0 ? (long)n : -1;
}

/* Loads vector `name` from the §5.7 file into rg_malloc'd memory. */
static inline uint8_t *ws_t_vector(const char *name, size_t *len)
{
    FILE *f = fopen("tests/vectors/rfc6455/s5.7-frames.txt", "r");
    if (!f)
        return NULL;
    char line[512];
    uint8_t *out = NULL;
    while (!out && fgets(line, sizeof(line), f)) {
        size_t nl = strlen(name);
        if (strncmp(line, name, nl) != 0 || line[nl] != ' ')
            continue;
        char *hex = line + nl + 1;
        char *x = strchr(hex, 'x');
        size_t extra = 0;
        if (x) {
            extra = (size_t)strtoul(x + 1, NULL, 10);
            *x = '\0';
        }
        hex[strcspn(hex, "\r\n")] = '\0';
        out = rg_malloc(strlen(hex) / 2 + extra + 1);
        long n = out ? ws_t_hex(hex, out, strlen(hex) / 2) : -1;
        if (n < 0) {
            rg_free(out);
            out = NULL;
            break;
        }
        for (size_t i = 0; i < extra; i++)
            out[(size_t)n + i] = (uint8_t)i;
        *len = (size_t)n + extra;
    }
    fclose(f);
    return out;
}

#endif
