/* Unit tests for src/proto/ng: bencode decoding (every valid input also at
 * every prefix), limits, the writer, ng framing with the rtpengine ping /
 * pong example and a full offer, and OOM stepping of the parser. */
#include "harness.h"

#include "core/arena.h"
#include "proto/ng/bencode.h"
#include "proto/ng/ng_msg.h"

/* Parses s whole (expecting want) and, when want is a length, checks every
 * shorter prefix says RG_EAGAIN. */
static void parse_case(struct rg_t *t, const char *s, size_t len, int want,
                       const struct rg_bencode_limits *lim)
{
    struct rg_arena a;
    rg_arena_init(&a, 1024, 1 << 20);
    const struct rg_bencode *root = NULL;
    int rc = rg_bencode_parse(&a, s, len, lim, &root);
    if (rc != want) {
        fprintf(stderr, "    \"%.*s\": got %d want %d\n", (int)len, s, rc, want);
        t->failures++;
    }
    if (want > 0 && rc == want) {
        for (size_t i = 0; i < (size_t)want; i++) {
            rg_arena_reset(&a);
            if (rg_bencode_parse(&a, s, i, lim, &root) != RG_EAGAIN) {
                fprintf(stderr, "    \"%.*s\": prefix %zu not EAGAIN\n", (int)len, s, i);
                t->failures++;
                break;
            }
        }
    }
    rg_arena_deinit(&a);
}

static void syntax(struct rg_t *t)
{
    static const struct {
        const char *s;
        int rc; /* > 0: bytes used */
    } cases[] = {
        {"i0e", 3},
        {"i-42e", 5},
        {"i9223372036854775807e", 21},
        {"i-9223372036854775808e", 22},
        {"i9223372036854775808e", RG_EBADMSG},
        {"i-9223372036854775809e", RG_EBADMSG},
        {"i99999999999999999999999", RG_EBADMSG},
        {"i-0e", RG_EBADMSG},
        {"i03e", RG_EBADMSG},
        {"ie", RG_EBADMSG},
        {"i-e", RG_EBADMSG},
        {"i+1e", RG_EBADMSG},
        {"i1", RG_EAGAIN},
        {"0:", 2},
        {"4:spam", 6},
        {"4:spamXYZ", 6}, /* trailing bytes are the caller's */
        {"03:abc", RG_EBADMSG},
        {"4:abc", RG_EAGAIN},
        {"-1:a", RG_EBADMSG},
        {"le", 2},
        {"de", 2},
        {"l4:spami42ee", 12},
        {"d3:bar4:spam3:fooi42ee", 22},
        {"d3:fooi1e3:bari2ee", 18},         /* unsorted keys are accepted */
        {"d3:fooi1e3:fooi2ee", RG_EBADMSG}, /* duplicate key */
        {"di1ei2ee", RG_EBADMSG},           /* integer key */
        {"d3:fooe", RG_EBADMSG},            /* key without value */
        {"l", RG_EAGAIN},
        {"d3:foo", RG_EAGAIN},
        {"x", RG_EBADMSG},
        {"", RG_EAGAIN},
        {"e", RG_EBADMSG},
        {"l1:a", RG_EAGAIN},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        parse_case(t, cases[i].s, strlen(cases[i].s), cases[i].rc, NULL);
}

static void limits(struct rg_t *t)
{
    char deep[80];
    for (int i = 0; i < 40; i++) {
        deep[i] = 'l';
        deep[40 + i] = 'e';
    }
    struct rg_bencode_limits lim = {.max_depth = 40};
    parse_case(t, deep, 80, 80, &lim);
    lim.max_depth = 39;
    parse_case(t, deep, 80, RG_ELIMIT, &lim);
    parse_case(t, deep, 80, RG_ELIMIT, NULL); /* default depth 16 */
    struct rg_bencode_limits nodes = {.max_nodes = 3};
    parse_case(t, "li1ei2ee", 8, 8, &nodes);
    parse_case(t, "li1ei2ei3ee", 11, RG_ELIMIT, &nodes);
    struct rg_bencode_limits str = {.max_str = 4};
    parse_case(t, "4:spam", 6, 6, &str);
    parse_case(t, "5:spams", 7, RG_ELIMIT, &str);
    parse_case(t, "999999:", 7, RG_EAGAIN, NULL); /* may still come, within 1 MiB */
    parse_case(t, "9999999:", 8, RG_ELIMIT, NULL);
    /* An arena too small for the tree reports ENOMEM. */
    struct rg_arena a;
    rg_arena_init(&a, 128, 256);
    const struct rg_bencode *root;
    CHECK_EQ_INT(t, rg_bencode_parse(&a, "li1ei2ei3ei4ei5ee", 17, NULL, &root), RG_ENOMEM);
    rg_arena_deinit(&a);
}

static void ping_pong(struct rg_t *t)
{
    size_t len;
    char *ping = rg_t_read_file("tests/vectors/ng/ping.txt", &len);
    REQUIRE(t, ping != NULL);
    struct rg_arena a;
    rg_arena_init(&a, 1024, 65536);
    struct rg_ng_msg m;
    CHECK_OK(t, rg_ng_parse(&a, ping, len, NULL, &m));
    CHECK_STR(t, m.cookie, "5323_1");
    struct rg_str cmd;
    CHECK_OK(t, rg_ng_command(&m, &cmd));
    CHECK_STR(t, cmd, "ping");
    char *pong = rg_t_read_file("tests/vectors/ng/pong.txt", &len);
    struct rg_buf b;
    rg_buf_init(&b, 256);
    CHECK_OK(t, rg_ng_reply_pong(&b, m.cookie));
    if (pong)
        CHECK_MEM(t, b.data, b.len, pong, len);
    rg_buf_reset(&b);
    CHECK_OK(t, rg_ng_reply_error(&b, m.cookie, "Unknown call-id"));
    CHECK_STR(t, rg_buf_str(&b), "5323_1 d12:error-reason15:Unknown call-id6:result5:errore");
    /* The reply is itself a well-formed ng message. */
    struct rg_ng_msg r;
    CHECK_OK(t, rg_ng_parse(&a, b.data, b.len, NULL, &r));
    struct rg_str res;
    CHECK_OK(t, rg_bencode_dict_str(r.dict, "result", &res));
    CHECK_STR(t, res, "error");
    rg_buf_deinit(&b);
    rg_arena_deinit(&a);
    rg_free(ping);
    rg_free(pong);
}

static void offer(struct rg_t *t)
{
    size_t len = 0, sdp_len = 0;
    char *msg = rg_t_read_file("tests/vectors/ng/offer.txt", &len);
    char *sdp = rg_t_read_file("tests/vectors/ng/offer-sdp.txt", &sdp_len);
    struct rg_arena a;
    rg_arena_init(&a, 1024, 65536);
    struct rg_ng_msg m;
    if (!msg || !sdp || rg_ng_parse(&a, msg, len, NULL, &m) != RG_OK) {
        CHECK(t, !"offer vector parses");
        goto out;
    }
    CHECK_STR(t, m.cookie, "20511_3");
    struct rg_str v;
    CHECK_OK(t, rg_ng_command(&m, &v));
    CHECK_STR(t, v, "offer");
    CHECK_OK(t, rg_bencode_dict_str(m.dict, "sdp", &v));
    CHECK_MEM(t, v.p, v.len, sdp, sdp_len); /* binary-safe: CRLF, NUL, "e4:" */
    CHECK_OK(t, rg_bencode_dict_str(m.dict, "from-tag", &v));
    CHECK_STR(t, v, "as8d7f6a5");
    int64_t n = 0;
    CHECK_OK(t, rg_bencode_dict_int(m.dict, "delay-buffer", &n));
    CHECK_EQ_INT(t, n, 100);
    CHECK_EQ_INT(t, rg_bencode_dict_int(m.dict, "ICE", &n), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_bencode_dict_str(m.dict, "to-tag", &v), RG_ENOTFOUND);
    const struct rg_bencode *flags = rg_bencode_dict_list(m.dict, "flags");
    REQUIRE(t, flags != NULL);
    CHECK_EQ_INT(t, flags->count, 3);
    CHECK(t, rg_bencode_list_has_str(flags, "trust-address"));
    CHECK(t, !rg_bencode_list_has_str(flags, "trust"));
    const char *want[] = {"trust-address", "SIP-source-address", "loop-protect"};
    int i = 0;
    for (const struct rg_bencode *e = rg_bencode_first(flags); e; e = e->next, i++)
        CHECK(t, i < 3 && e->type == RG_BENC_STR && rg_str_eq_cstr(e->str, want[i]));
    CHECK_EQ_INT(t, i, 3);
    CHECK(t,
          rg_bencode_list_has_str(rg_bencode_dict_list(m.dict, "replace"), "session-connection"));
    CHECK(t, rg_bencode_dict_list(m.dict, "sdp") == NULL);
    CHECK_EQ_INT(t, m.dict->count, 11);
    /* Re-encoding the tree gives back the same bytes (keys in their order). */
    struct rg_buf b;
    rg_buf_init(&b, 4096);
    struct rg_bencode_writer w;
    rg_bencode_writer_init(&w, &b);
    rg_bencode_put_node(&w, m.dict);
    CHECK_OK(t, rg_bencode_writer_finish(&w));
    CHECK_MEM(t, b.data, b.len, msg + 8, len - 8);
    rg_buf_deinit(&b);
    /* Every prefix of the document is a valid incomplete value. */
    parse_case(t, msg + 8, len - 8, (int)(len - 8), NULL);
out:
    rg_arena_deinit(&a);
    rg_free(msg);
    rg_free(sdp);
}

static void framing_errors(struct rg_t *t)
{
    static const struct {
        const char *s;
        int rc;
    } cases[] = {
        {"d7:command4:pinge", RG_EBADMSG}, /* no cookie */
        {"5323_1", RG_EBADMSG},
        {"5323_1 ", RG_EBADMSG},
        {"5323_1  d7:command4:pinge", RG_EBADMSG},
        {"5323_1 d7:command4:pinge\n", RG_EBADMSG}, /* trailing byte */
        {"5323_1 d7:command4:ping", RG_EBADMSG},    /* truncated */
        {"5323_1 l4:pinge", RG_EBADMSG},            /* not a dictionary */
        {"5323_1 {\"command\":\"ping\"}", RG_EUNSUPP},
        {" d7:command4:pinge", RG_EBADMSG},
        {"53\t23 d7:command4:pinge", RG_EBADMSG},
        {"x de", RG_OK},
    };
    struct rg_arena a;
    rg_arena_init(&a, 1024, 65536);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rg_ng_msg m = {.cookie = RG_STR_LIT("untouched")};
        int rc = rg_ng_parse(&a, cases[i].s, strlen(cases[i].s), NULL, &m);
        if (rc != cases[i].rc) {
            fprintf(stderr, "    \"%s\": got %d want %d\n", cases[i].s, rc, cases[i].rc);
            t->failures++;
        }
        if (rc != RG_OK)
            CHECK_STR(t, m.cookie, "untouched");
    }
    char big[RG_NG_MAX_COOKIE + 20];
    memset(big, 'c', RG_NG_MAX_COOKIE + 1);
    memcpy(big + RG_NG_MAX_COOKIE + 1, " de", 4);
    struct rg_ng_msg m;
    CHECK_EQ_INT(t, rg_ng_parse(&a, big, strlen(big), NULL, &m), RG_ELIMIT);
    CHECK_OK(t, rg_ng_parse(&a, big + 1, strlen(big + 1), NULL, &m));
    rg_arena_deinit(&a);
    struct rg_buf b;
    rg_buf_init(&b, 64);
    CHECK_EQ_INT(t, rg_ng_reply_pong(&b, RG_STR_LIT("a b")), RG_EINVAL);
    CHECK_EQ_INT(t, rg_ng_reply_pong(&b, RG_STR_NULL), RG_EINVAL);
    CHECK_EQ_INT(t, b.len, 0);
    rg_buf_deinit(&b);
}

static void writer(struct rg_t *t)
{
    struct rg_buf b;
    rg_buf_init(&b, 64);
    struct rg_bencode_writer w;
    rg_ng_reply_begin(&w, &b, RG_STR_LIT("7_1"));
    rg_bencode_put_cstr(&w, "result");
    rg_bencode_put_cstr(&w, "ok");
    rg_bencode_put_cstr(&w, "list");
    rg_bencode_put_list(&w);
    rg_bencode_put_int(&w, -7);
    rg_bencode_put_str(&w, rg_str_make("a\0b", 3));
    rg_bencode_put_end(&w);
    CHECK_OK(t, rg_ng_reply_finish(&w));
    CHECK_MEM(t, b.data, b.len, "7_1 d6:result2:ok4:listli-7e3:a\0bee", 35);
    /* Unbalanced and over-long writes. */
    rg_bencode_writer_init(&w, &b);
    rg_bencode_put_end(&w);
    CHECK_EQ_INT(t, rg_bencode_writer_finish(&w), RG_ESTATE);
    rg_bencode_writer_init(&w, &b);
    rg_bencode_put_list(&w);
    CHECK_EQ_INT(t, rg_bencode_writer_finish(&w), RG_ESTATE);
    rg_buf_reset(&b);
    rg_bencode_writer_init(&w, &b);
    for (int i = 0; i < 10; i++)
        rg_bencode_put_cstr(&w, "0123456789");
    CHECK_EQ_INT(t, rg_bencode_writer_finish(&w), RG_ELIMIT);
    CHECK(t, b.len <= 64);
    rg_buf_deinit(&b);
    rg_buf_init(&b, 1000);
    rg_bencode_writer_init(&w, &b);
    for (int i = 0; i < RG_BENCODE_MAX_DEPTH + 1; i++)
        rg_bencode_put_list(&w);
    CHECK_EQ_INT(t, rg_bencode_writer_finish(&w), RG_ELIMIT);
    rg_buf_deinit(&b);
}

static int parse_offer(void *arg)
{
    const char *msg = arg;
    struct rg_arena a;
    rg_arena_init(&a, 256, 1 << 20);
    struct rg_ng_msg m;
    int rc = rg_ng_parse(&a, msg, strlen(msg), NULL, &m);
    struct rg_buf b;
    rg_buf_init(&b, 4096);
    if (rc == RG_OK) {
        struct rg_bencode_writer w;
        rg_ng_reply_begin(&w, &b, m.cookie);
        rg_bencode_put_cstr(&w, "sdp");
        struct rg_str sdp = RG_STR_NULL;
        rc = rg_bencode_dict_str(m.dict, "sdp", &sdp);
        rg_bencode_put_str(&w, sdp);
        if (rc == RG_OK)
            rc = rg_ng_reply_finish(&w);
    }
    rg_buf_deinit(&b);
    rg_arena_deinit(&a);
    return rc;
}

static void oom_parse(struct rg_t *t)
{
    /* The vector has a NUL inside the SDP: use a text-only offer here. */
    rg_t_oom_step(t, parse_offer,
                  (void *)"1_2 d7:command5:offer7:call-id3:abc8:from-tag1:t5:flagsl13:"
                          "trust-address12:loop-protecte3:sdp13:v=0\r\ns=-\r\nt=0e",
                  100);
}

static const struct rg_test_case cases[] = {
    {"syntax", syntax},
    {"limits", limits},
    {"ping_pong", ping_pong},
    {"offer", offer},
    {"framing_errors", framing_errors},
    {"writer", writer},
    {"oom_parse", oom_parse},
};

RG_TEST_MAIN(cases)
