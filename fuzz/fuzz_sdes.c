/*
 * fuzz_sdes.c — the SDP-facing text parsers of the media security cores:
 * a=crypto values (RFC 4568), a=fingerprint values (RFC 8122), a=setup and
 * tls-id.  Invariants: whatever parses formats back and re-parses to the
 * same key / fingerprint; base64 round trips.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "proto/dtls/dtls_cert.h"
#include "proto/dtls/dtls_sdp.h"
#include "core/base64.h"
#include "proto/srtp/srtp_sdes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_crypto(struct rg_str s)
{
    struct rg_srtp_sdes a, b;
    if (rg_srtp_sdes_parse_crypto(s, &a) != RG_OK)
        return;
    struct rg_buf buf;
    rg_buf_init(&buf, 4096);
    if (rg_srtp_sdes_format_crypto(&a, &buf) != RG_OK)
        abort();
    /* Canonical output can be a little longer than the input (base64
     * padding, "2^0" for "1"), so near RG_SDES_MAX_VALUE it may not parse
     * again; it must never grow by more than that. */
    if (buf.len > s.len + 8)
        abort();
    if (buf.len > RG_SDES_MAX_VALUE) {
        rg_buf_deinit(&buf);
        return;
    }
    if (rg_srtp_sdes_parse_crypto(rg_buf_str(&buf), &b) != RG_OK)
        abort();
    if (a.tag != b.tag || a.lifetime != b.lifetime || memcmp(&a.key, &b.key, sizeof(a.key)) != 0 ||
        !rg_str_eq(a.session_params, b.session_params))
        abort();
    rg_buf_deinit(&buf);
}

static void check_fp(struct rg_str s)
{
    struct rg_dtls_fp a, b;
    if (rg_dtls_fp_parse(s, &a) != RG_OK)
        return;
    char text[RG_DTLS_FP_STRLEN];
    if (rg_dtls_fp_format(&a, text, sizeof(text)) != RG_OK)
        abort();
    if (rg_dtls_fp_parse(rg_str_from_cstr(text), &b) != RG_OK || !rg_dtls_fp_eq(&a, &b))
        abort();
}

static void check_b64(struct rg_str s)
{
    uint8_t raw[512], raw2[512];
    char text[800];
    int n = rg_base64_decode(s, raw, sizeof(raw));
    if (n < 0)
        return;
    if (rg_base64_encode(raw, (size_t)n, text, sizeof(text)) < 0)
        abort();
    int n2 = rg_base64_decode(rg_str_from_cstr(text), raw2, sizeof(raw2));
    if (n2 != n || memcmp(raw, raw2, (size_t)n) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rg_str s = rg_str_make((const char *)data, size);
    check_crypto(s);
    check_fp(s);
    check_b64(s);
    enum rg_dtls_setup setup;
    if (rg_dtls_setup_parse(s, &setup) == RG_OK && rg_dtls_setup_name(setup)[0] == '\0')
        abort();
    (void)rg_dtls_tls_id_valid(s);
    return 0;
}
