/* Unit tests for SIP stream framing (RFC 3261 §18.3, RFC 5626 §3.5.1): every
 * RFC 4475 vector fed whole and byte by byte, framing verdicts, limits, OOM. */
#include "harness.h"

#include "core/arena.h"
#include "proto/sip/sip_frame.h"
#include "proto/sip/sip_msg.h"

#define VEC "tests/vectors/rfc4475/"

struct vec {
    char *data;
    size_t len;
    struct rg_arena arena;
    struct rg_sip_msg *m;
    struct rg_sip_error err;
    int rc;
};

static void vec_open(struct vec *v, const char *path)
{
    memset(v, 0, sizeof(*v));
    v->data = rg_t_read_file(path, &v->len);
    rg_arena_init(&v->arena, 4096, 1 << 20);
    v->rc = v->data ? rg_sip_parse(v->data, v->len, NULL, &v->arena, &v->m, &v->err) : RG_EIO;
}

static void vec_close(struct vec *v)
{
    rg_arena_deinit(&v->arena);
    rg_free(v->data);
}

/* Feeds data to a framer in chunks of step bytes (0: all at once); returns
 * the first framed message length, 0 if none, -1 on framing error. */
static long frame_in_steps(const char *data, size_t len, size_t step, struct rg_sip_error *err)
{
    struct rg_sip_framer f;
    rg_sip_framer_init(&f, NULL);
    long got = 0;
    for (size_t off = 0; off < len && got == 0;) {
        size_t n = step ? step : len;
        if (n > len - off)
            n = len - off;
        int took = rg_sip_framer_feed(&f, data + off, n);
        if (took < 0) {
            got = -1;
            break;
        }
        off += (size_t)took;
        struct rg_str msg;
        int rc = rg_sip_framer_next(&f, &msg, err);
        if (rc == RG_OK)
            got = (long)msg.len;
        else if (rc != RG_EAGAIN || took == 0)
            got = -1;
    }
    rg_sip_framer_deinit(&f);
    return got;
}

static const char *const all_vectors[] = {
    "wsinv",    "intmeth",    "esc01",      "escnull",  "esc02",     "lwsdisp",  "longreq",
    "dblreq",   "semiuri",    "transports", "mpart01",  "unreason",  "noreason", "badinv01",
    "clerr",    "ncl",        "scalar02",   "scalarlg", "quotbal",   "ltgtruri", "lwsruri",
    "lwsstart", "trws",       "escruri",    "baddate",  "regbadct",  "badaspec", "baddn",
    "badvers",  "mismatch01", "mismatch02", "bigcode",  "badbranch", "insuf",    "unkscm",
    "novelsc",  "unksm2",     "bext01",     "invut",    "regaut01",  "multi01",  "mcl01",
    "bcast",    "zeromf",     "cparam01",   "cparam02", "regescrt",  "sdp01",    "inv2543",
};

/* Stream framing: whole and byte by byte must frame the same message, and
 * the framed message must parse like the datagram (RFC 3261 §18.3). */
static void rfc4475_stream(struct rg_t *t)
{
    for (size_t i = 0; i < sizeof(all_vectors) / sizeof(all_vectors[0]); i++) {
        char path[128];
        snprintf(path, sizeof(path), VEC "%s.dat", all_vectors[i]);
        struct vec v;
        vec_open(&v, path);
        struct rg_sip_error e1 = {0}, e2 = {0};
        long whole = frame_in_steps(v.data, v.len, 0, &e1);
        long bytewise = frame_in_steps(v.data, v.len, 1, &e2);
        if (whole != bytewise || e1.reason != e2.reason) {
            fprintf(stderr, "    %s: whole %ld, bytewise %ld\n", all_vectors[i], whole, bytewise);
            t->failures++;
        }
        if (whole > 0) {
            struct rg_sip_msg *m;
            struct rg_sip_error e;
            int rc = rg_sip_parse(v.data, (size_t)whole, NULL, &v.arena, &m, &e);
            CHECK_EQ_INT(t, rc, v.rc);
            if (rc == RG_OK && v.rc == RG_OK)
                CHECK(t, rg_sip_msg_equal(m, v.m));
        }
        vec_close(&v);
    }
}

/* Framing verdicts for specific vectors. */
static void stream_specific(struct rg_t *t)
{
    struct vec v;
    struct rg_sip_error e = {0};
    vec_open(&v, VEC "clerr.dat"); /* body shorter than CL: wait for more */
    CHECK_EQ_INT(t, frame_in_steps(v.data, v.len, 1, &e), 0);
    vec_close(&v);
    vec_open(&v, VEC "inv2543.dat"); /* a stream message needs Content-Length */
    CHECK_EQ_INT(t, frame_in_steps(v.data, v.len, 0, &e), -1);
    CHECK_EQ_INT(t, e.reason, RG_SIP_R_MISSING_CONTENT_LENGTH);
    vec_close(&v);
    vec_open(&v, VEC "mcl01.dat");
    CHECK_EQ_INT(t, frame_in_steps(v.data, v.len, 0, &e), -1);
    CHECK_EQ_INT(t, e.reason, RG_SIP_R_DUP_CONTENT_LENGTH);
    vec_close(&v);
    vec_open(&v, VEC "ncl.dat");
    CHECK_EQ_INT(t, frame_in_steps(v.data, v.len, 0, &e), -1);
    CHECK_EQ_INT(t, e.reason, RG_SIP_R_CONTENT_LENGTH);
    vec_close(&v);

    /* dblreq over a stream: two messages, after keep-alive CRLFs. */
    vec_open(&v, VEC "dblreq.dat");
    struct rg_sip_framer f;
    rg_sip_framer_init(&f, NULL);
    const char *ka = "\r\n\r\n";
    CHECK_EQ_INT(t, rg_sip_framer_feed(&f, ka, 4), 4);
    struct rg_str msg;
    CHECK_EQ_INT(t, rg_sip_framer_next(&f, &msg, &e), RG_EAGAIN);
    CHECK_EQ_INT(t, rg_sip_framer_feed(&f, v.data, v.len), (int)v.len);
    int rc = rg_sip_framer_next(&f, &msg, &e);
    CHECK_EQ_INT(t, rc, RG_OK);
    CHECK(t, rc == RG_OK && rg_str_has_prefix(msg, "REGISTER ") && msg.len == 300);
    CHECK_EQ_INT(t, rg_sip_framer_feed(&f, "x", 1), RG_ESTATE); /* consume first */
    rg_sip_framer_consume(&f);
    rc = rg_sip_framer_next(&f, &msg, &e);
    CHECK_EQ_INT(t, rc, RG_OK);
    /* In a stream the INVITE's Content-Length (150) is authoritative... */
    CHECK(t, rc == RG_OK && rg_str_has_prefix(msg, "INVITE sip:joe@example.com") && msg.len == 443);
    rg_sip_framer_consume(&f);
    /* ...so its 5 extra body bytes then start a message without CL. */
    CHECK_EQ_INT(t, rg_sip_framer_next(&f, &msg, &e), RG_EBADMSG);
    CHECK_EQ_INT(t, e.reason, RG_SIP_R_MISSING_CONTENT_LENGTH);
    CHECK_EQ_INT(t, rg_sip_framer_feed(&f, "x", 1), RG_ESTATE);
    rg_sip_framer_deinit(&f);
    vec_close(&v);
}

static void chrome_invite(struct rg_t *t)
{
    struct vec v;
    vec_open(&v, "tests/vectors/sip/chrome_invite.sip");
    REQUIRE(t, v.rc == RG_OK);
    struct rg_sip_error e;
    for (size_t step = 1; step <= 16; step++)
        CHECK_EQ_INT(t, frame_in_steps(v.data, v.len, step, &e), (long)v.len);
    /* Stateless framing of a growing prefix, keeping the scan state. */
    size_t scan = 0, len = 0;
    for (size_t n = 0; n < v.len; n++) {
        int rc = rg_sip_frame_len(v.data, n, NULL, &scan, &len, &e);
        if (rc != RG_EAGAIN) {
            fprintf(stderr, "    prefix %zu gave %d\n", n, rc);
            t->failures++;
            break;
        }
    }
    CHECK_EQ_INT(t, rg_sip_frame_len(v.data, v.len, NULL, &scan, &len, &e), RG_OK);
    CHECK_EQ_INT(t, len, v.len);
    vec_close(&v);
}

/* Two messages arriving in one read larger than the buffer: the framer
 * takes what fits, the rest is fed after the first message is consumed. */
static void partial_feed(struct rg_t *t)
{
    struct vec v;
    vec_open(&v, "tests/vectors/sip/chrome_invite.sip");
    REQUIRE(t, v.rc == RG_OK);
    char *two = rg_malloc(2 * v.len);
    REQUIRE(t, two != NULL);
    memcpy(two, v.data, v.len);
    memcpy(two + v.len, v.data, v.len);
    struct rg_sip_limits lim = RG_SIP_LIMITS_DEFAULT;
    lim.max_msg_bytes = v.len + 10;
    struct rg_sip_framer f;
    rg_sip_framer_init(&f, &lim);
    struct rg_sip_error e;
    struct rg_str msg;
    size_t off = 0;
    int got = 0;
    for (int round = 0; round < 4 && got < 2; round++) {
        int took = rg_sip_framer_feed(&f, two + off, 2 * v.len - off);
        REQUIRE(t, took >= 0);
        off += (size_t)took;
        if (rg_sip_framer_next(&f, &msg, &e) == RG_OK) {
            CHECK_MEM(t, msg.p, msg.len, v.data, v.len);
            got++;
            rg_sip_framer_consume(&f);
        }
    }
    CHECK_EQ_INT(t, got, 2);
    CHECK_EQ_INT(t, off, 2 * v.len);
    rg_sip_framer_deinit(&f);
    rg_free(two);
    vec_close(&v);
}

static char *g_data;
static size_t g_len;

static int frame_oom(void *arg)
{
    (void)arg;
    struct rg_sip_framer f;
    rg_sip_framer_init(&f, NULL);
    int rc = RG_OK;
    for (size_t i = 0; i < g_len && rc == RG_OK; i += 100) {
        size_t n = g_len - i < 100 ? g_len - i : 100;
        rc = rg_sip_framer_feed(&f, g_data + i, n);
        rc = rc == (int)n ? RG_OK : rc < 0 ? rc : RG_EINVAL;
    }
    struct rg_str msg;
    struct rg_sip_error e;
    if (rc == RG_OK)
        rc = rg_sip_framer_next(&f, &msg, &e);
    rg_sip_framer_deinit(&f);
    return rc;
}

static void oom_framer(struct rg_t *t)
{
    g_data = rg_t_read_file("tests/vectors/sip/chrome_invite.sip", &g_len);
    REQUIRE(t, g_data != NULL);
    rg_t_oom_step(t, frame_oom, NULL, 100);
    rg_free(g_data);
}

static const struct rg_test_case cases[] = {
    {"rfc4475_stream", rfc4475_stream}, {"stream_specific", stream_specific},
    {"chrome_invite", chrome_invite},   {"partial_feed", partial_feed},
    {"oom_framer", oom_framer},
};

RG_TEST_MAIN(cases)
