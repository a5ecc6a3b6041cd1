/*
 * test_sip_reply_status.c — rg_sip_reply_refused: the stateless answer to a
 * request the codec refused carries the codec's status, so RFC 4475
 * §3.1.2.16 (badvers.dat, SIP/7.0) gets 505 Version Not Supported (RFC 3261
 * §21.5.6), everything else 400.
 */
#include "harness.h"

#include "core/buf.h"
#include "io/sip_reply.h"
#include "proto/sip/sip_msg.h"

static struct rg_str file_view(struct rg_t *t, const char *path, char **mem)
{
    size_t n = 0;
    *mem = rg_t_read_file(path, &n);
    CHECK(t, *mem != NULL);
    return rg_str_make(*mem ? *mem : "", *mem ? n : 0);
}

/* The codec's verdict on badvers.dat is 505, and the reply says so with
 * the request's Via, CSeq and Call-ID copied. */
static void badvers_gets_505(struct rg_t *t)
{
    char *mem;
    struct rg_str raw = file_view(t, "tests/vectors/rfc4475/badvers.dat", &mem);
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1u << 20);
    struct rg_sip_msg *m = NULL;
    struct rg_sip_error err = {0};
    const struct rg_sip_limits lim = RG_SIP_LIMITS_DEFAULT;
    CHECK_EQ_INT(t, rg_sip_parse(raw.p, raw.len, &lim, &a, &m, &err), RG_EBADMSG);
    CHECK_EQ_INT(t, err.status, 505);
    struct rg_buf out;
    rg_buf_init(&out, 8192);
    CHECK_OK(t, rg_sip_reply_refused(raw, err.status, err.phrase, RG_STR_LIT("v1"), &out));
    struct rg_str o = rg_buf_str(&out);
    CHECK(t, rg_str_has_prefix(o, "SIP/2.0 505 Version Not Supported\r\n"));
    CHECK(t, rg_str_find(o, RG_STR_LIT("Call-ID: badvers.")) > 0);
    CHECK(t, rg_str_find(o, RG_STR_LIT("CSeq:    1 OPTIONS\r\n")) > 0);
    CHECK(t, rg_str_has_prefix(rg_str_from(o, o.len - 21), "Content-Length: 0\r\n\r\n"));
    rg_buf_deinit(&out);
    rg_arena_deinit(&a);
    rg_free(mem);
}

/* Statuses outside 400..699 are refused and nothing is written;
 * rg_sip_reply_bad_request is the 400 case. */
static void status_bounds(struct rg_t *t)
{
    static const char in[] = "OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                             "CSeq: 1 OPTIONS\r\n\r\n";
    struct rg_str raw = rg_str_make(in, sizeof(in) - 1);
    struct rg_buf out;
    rg_buf_init(&out, 4096);
    CHECK_EQ_INT(t, rg_sip_reply_refused(raw, 399, "X", RG_STR_NULL, &out), RG_EINVAL);
    CHECK_EQ_INT(t, rg_sip_reply_refused(raw, 700, "X", RG_STR_NULL, &out), RG_EINVAL);
    CHECK_EQ_INT(t, out.len, 0);
    CHECK_OK(t, rg_sip_reply_refused(raw, 699, "Nope", RG_STR_NULL, &out));
    CHECK(t, rg_str_has_prefix(rg_buf_str(&out), "SIP/2.0 699 Nope\r\n"));
    rg_buf_reset(&out);
    CHECK_OK(t, rg_sip_reply_bad_request(raw, "Bad Request", RG_STR_NULL, &out));
    CHECK_STR(t, rg_buf_str(&out),
              "SIP/2.0 400 Bad Request\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
              "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
    rg_buf_deinit(&out);
}

static const struct rg_test_case cases[] = {
    {"badvers_gets_505", badvers_gets_505},
    {"status_bounds", status_bounds},
};

RG_TEST_MAIN(cases)
