/*
 * fuzz_sip_reply.c — the replies the SIP transport builds from untrusted
 * bytes (io/sip_reply): the 400 to a refused request and the HTTP path
 * mapping of the demo page.
 * Input: any bytes, used whole as a received SIP message and as an HTTP
 * request-target.
 * Invariants: a 400 is the status line, header lines copied from the input
 * (each one present in it), Content-Length 0 and one empty line — nothing
 * in it can end the head early or add a body; it exists only for input that
 * does not start with "SIP/" and has a Via line; a refusal leaves the
 * buffer unchanged.  A mapped path is relative, has no empty, "." or ".."
 * segment and only [A-Za-z0-9._-/] characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "io/sip_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_400(struct rg_str in)
{
    struct rg_buf out;
    rg_buf_init(&out, 2 * in.len + 256);
    if (rg_buf_append_cstr(&out, "prefix") != RG_OK)
        abort();
    int rc = rg_sip_reply_bad_request(in, "Bad Request - X", RG_STR_LIT("tg"), &out);
    struct rg_str o = rg_str_from(rg_buf_str(&out), 6);
    if (rc != RG_OK) {
        if (o.len != 0 || (rc != RG_ENOTFOUND && rc != RG_ELIMIT))
            abort();
        rg_buf_deinit(&out);
        return;
    }
    if (rg_str_has_prefix(in, "SIP/") || !rg_str_has_prefix(o, "SIP/2.0 400 Bad Request - X\r\n"))
        abort();
    static const char tail[] = "Content-Length: 0\r\n\r\n";
    if (o.len < sizeof(tail) - 1 ||
        memcmp(o.p + o.len - (sizeof(tail) - 1), tail, sizeof(tail) - 1))
        abort();
    if (rg_str_find(o, RG_STR_LIT("\r\n\r\n")) != (long)(o.len - 4))
        abort();
    /* every line between status and Content-Length comes from the input
     * (a To line may have gained ";tag=tg") */
    struct rg_str body = rg_str_from(o, sizeof("SIP/2.0 400 Bad Request - X\r\n") - 1);
    body.len -= sizeof(tail) - 1;
    while (body.len) {
        long e = rg_str_find(body, RG_STR_LIT("\r\n"));
        if (e <= 0)
            abort();
        struct rg_str line = rg_str_head(body, (size_t)e);
        if (rg_str_find(in, line) < 0) {
            struct rg_str tag = RG_STR_LIT(";tag=tg");
            if (line.len < tag.len || !rg_str_eq(rg_str_from(line, line.len - tag.len), tag) ||
                rg_str_find(in, rg_str_head(line, line.len - tag.len)) < 0)
                abort();
        }
        body = rg_str_from(body, (size_t)e + 2);
    }
    rg_buf_deinit(&out);
}

static void check_path(struct rg_str in)
{
    char p[RG_SIP_HTTP_MAX_PATH];
    memset(p, 'z', sizeof(p));
    if (rg_sip_http_map_path(in, p, sizeof(p)) != RG_OK)
        return;
    size_t n = strnlen(p, sizeof(p));
    if (n == 0 || n == sizeof(p) || p[0] == '/' || p[n - 1] == '/')
        abort();
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        bool seg_start = i == 0 || p[i - 1] == '/';
        if (!(rg_is_alnum((unsigned char)c) || c == '.' || c == '_' || c == '-' || c == '/'))
            abort();
        if (seg_start && (c == '.' || c == '/'))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rg_str in = rg_str_make((const char *)data, size);
    check_400(in);
    check_path(in);
    return 0;
}
