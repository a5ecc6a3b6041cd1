/* Unit tests for src/core: views, buffers, arenas, allocator hooks, RNG. */
#include "harness.h"

#include "core/addr.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/rng.h"

static void str_numbers(struct rg_t *t)
{
    uint64_t v = 0;
    CHECK_EQ_INT(t, rg_str_to_u64(RG_STR_LIT("18446744073709551615"), UINT64_MAX, &v), RG_OK);
    CHECK(t, v == UINT64_MAX);
    CHECK_EQ_INT(t, rg_str_to_u64(RG_STR_LIT("18446744073709551616"), UINT64_MAX, &v), RG_ELIMIT);
    CHECK_EQ_INT(t, rg_str_to_u64(RG_STR_LIT(""), 10, &v), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_str_to_u64(RG_STR_LIT("+1"), 10, &v), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_str_to_u64(RG_STR_LIT("11"), 10, &v), RG_ELIMIT);
    int64_t s = 0;
    CHECK_EQ_INT(t, rg_str_to_i64(RG_STR_LIT("-9223372036854775808"), INT64_MIN, INT64_MAX, &s), RG_OK);
    CHECK(t, s == INT64_MIN);
    CHECK_EQ_INT(t, rg_str_to_i64(RG_STR_LIT("-5"), -4, 4, &s), RG_ELIMIT);
    CHECK_EQ_INT(t, rg_str_to_i64(RG_STR_LIT("4"), -4, 4, &s), RG_OK);
    CHECK_EQ_INT(t, s, 4);
}

static void str_compare(struct rg_t *t)
{
    CHECK(t, rg_str_caseeq_cstr(RG_STR_LIT("Content-Length"), "content-LENGTH"));
    CHECK(t, !rg_str_caseeq_cstr(RG_STR_LIT("Content-Length"), "content-lengt"));
    CHECK_STR(t, rg_str_trim(RG_STR_LIT(" \t abc \t")), "abc");
    CHECK_EQ_INT(t, rg_str_find(RG_STR_LIT("a=rtcp-mux\r\n"), RG_STR_LIT("\r\n")), 10);
    CHECK_EQ_INT(t, rg_str_find_char(RG_STR_LIT("abc"), 'z'), -1);
    char small[4];
    CHECK_EQ_INT(t, rg_str_copy_cstr(RG_STR_LIT("abcd"), small, sizeof(small)), RG_ELIMIT);
    CHECK_EQ_INT(t, rg_str_copy_cstr(RG_STR_LIT("abc"), small, sizeof(small)), RG_OK);
}

static void buf_bounded(struct rg_t *t)
{
    struct rg_buf b;
    rg_buf_init(&b, 10);
    CHECK_OK(t, rg_buf_append_cstr(&b, "hello"));
    CHECK_OK(t, rg_buf_appendf(&b, "%d", 1234));
    CHECK_EQ_INT(t, rg_buf_append_cstr(&b, "xx"), RG_ELIMIT);
    CHECK_STR(t, rg_buf_str(&b), "hello1234");
    CHECK_OK(t, rg_buf_append_byte(&b, '!'));
    CHECK_EQ_INT(t, rg_buf_append_byte(&b, '!'), RG_ELIMIT);
    CHECK_EQ_INT(t, b.len, 10);
    rg_buf_deinit(&b);
}

static int arena_work(void *arg)
{
    (void)arg;
    struct rg_arena a;
    rg_arena_init(&a, 64, 4096);
    int rc = RG_OK;
    for (int i = 0; i < 20; i++) {
        if (!rg_arena_strdup(&a, RG_STR_LIT("some text that fills chunks"))) {
            rc = RG_ENOMEM;
            break;
        }
    }
    rg_arena_deinit(&a);
    return rc;
}

static void arena_limits(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 64, 256);
    CHECK(t, rg_arena_alloc(&a, 200) != NULL);
    CHECK(t, rg_arena_alloc(&a, 200) == NULL); /* over max_total */
    rg_arena_reset(&a);
    CHECK(t, rg_arena_alloc(&a, 8) != NULL);
    rg_arena_deinit(&a);
    rg_t_oom_step(t, arena_work, NULL, 100);
}

static void rng_deterministic(struct rg_t *t)
{
    struct rg_rng_seeded s1, s2;
    struct rg_rng r1, r2;
    rg_rng_seeded_init(&s1, 42, &r1);
    rg_rng_seeded_init(&s2, 42, &r2);
    CHECK(t, rg_rng_u64(&r1) == rg_rng_u64(&r2));
    char tok[17];
    rg_rng_token(&r1, "ab", tok, 16);
    CHECK_EQ_INT(t, strlen(tok), 16);
    CHECK(t, strspn(tok, "ab") == 16);
}

static void err_names(struct rg_t *t)
{
    CHECK(t, strcmp(rg_strerror(RG_EBADMSG), "malformed message") == 0);
    CHECK(t, strcmp(rg_strerror(-1000), "unknown error") == 0);
    CHECK(t, strcmp(rg_strerror(RG_ERR_MIN), "timed out") == 0);
}

static void addr_parse_format(struct rg_t *t)
{
    struct rg_addr a, b;
    char out[RG_ADDR_STRLEN];
    CHECK_OK(t, rg_addr_parse_ip(RG_STR_LIT("192.0.2.1"), &a));
    CHECK_EQ_INT(t, a.family, RG_AF_INET4);
    a.port = 5060;
    CHECK_OK(t, rg_addr_format(&a, out, sizeof(out)));
    CHECK(t, strcmp(out, "192.0.2.1:5060") == 0);
    CHECK_OK(t, rg_addr_parse_ip(RG_STR_LIT("2001:db8::1"), &b));
    b.port = 3478;
    CHECK_OK(t, rg_addr_format(&b, out, sizeof(out)));
    CHECK(t, strcmp(out, "[2001:db8::1]:3478") == 0);
    CHECK_EQ_INT(t, rg_addr_parse_ip(RG_STR_LIT("192.0.2.256"), &a), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_addr_parse_ip(RG_STR_LIT("host.local"), &a), RG_EBADMSG);
    struct rg_addr c, d;
    CHECK_OK(t, rg_addr_parse_ip(RG_STR_LIT("10.1.200.7"), &c));
    CHECK_OK(t, rg_addr_parse_ip(RG_STR_LIT("10.1.3.9"), &d));
    CHECK(t, rg_addr_prefix_eq(&c, &d, 16));
    CHECK(t, !rg_addr_prefix_eq(&c, &d, 17));
    CHECK(t, rg_addr_prefix_eq(&c, &d, 0));
}

static const struct rg_test_case cases[] = {
    { "addr_parse_format", addr_parse_format },
    { "str_numbers", str_numbers },   { "str_compare", str_compare },
    { "buf_bounded", buf_bounded },   { "arena_limits", arena_limits },
    { "rng_deterministic", rng_deterministic }, { "err_names", err_names },
};

RG_TEST_MAIN(cases)
