#include "core/base64.h"

#include <limits.h>
#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int rg_base64_encode(const uint8_t *in, size_t n, char *out, size_t out_size)
{
    if (n > (size_t)INT_MAX / 4 * 3 - 3)
        return RG_ELIMIT;
    size_t need = RG_BASE64_ENC_LEN(n);
    if (out_size < need + 1)
        return RG_ELIMIT;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return (int)o;
}

static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes one 4-character group; returns the byte count (1..3) or -1. */
static int decode_group(const unsigned char *g, int last, uint8_t b[3])
{
    int pad = 0;
    if (last && g[3] == '=')
        pad = g[2] == '=' ? 2 : 1;
    uint32_t v = 0;
    for (int k = 0; k < 4 - pad; k++) {
        int s = sextet(g[k]);
        if (s < 0)
            return -1;
        v = (v << 6) | (uint32_t)s;
    }
    v <<= 6 * pad;
    /* RFC 4648 §3.5: pad bits must be zero in canonical encoding. */
    if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
        return -1;
    b[0] = (uint8_t)(v >> 16);
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)v;
    return 3 - pad;
}

int rg_base64_decode(struct rg_str in, uint8_t *out, size_t out_size)
{
    if (in.len % 4 != 0 || in.len > (size_t)INT_MAX)
        return RG_EBADMSG;
    size_t total = 0;
    /* First pass validates and counts, so out is written only on success. */
    for (size_t i = 0; i < in.len; i += 4) {
        uint8_t b[3];
        int n = decode_group((const unsigned char *)in.p + i, i + 4 == in.len, b);
        if (n < 0)
            return RG_EBADMSG;
        total += (size_t)n;
    }
    if (total > out_size)
        return RG_ELIMIT;
    size_t o = 0;
    for (size_t i = 0; i < in.len; i += 4) {
        uint8_t b[3];
        int n = decode_group((const unsigned char *)in.p + i, i + 4 == in.len, b);
        memcpy(out + o, b, (size_t)n);
        o += (size_t)n;
    }
    return (int)o;
}
