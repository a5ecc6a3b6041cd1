/* Unit tests for src/proto/ws/ws_frame.c: RFC 6455 §5.7 vectors, protocol
 * errors and their close codes, UTF-8, fragmentation, OOM stepping.  Every
 * input is fed whole and one byte at a time. */
#include "harness.h"

#include "core/buf.h"
#include "proto/ws/ws_frame.h"
#include "ws_test_util.h"

#define MAX_GOT 8

struct got {
    int rc;        /* RG_EAGAIN when everything was consumed cleanly */
    unsigned fail; /* decoder's close code on failure */
    int n;
    uint8_t op[MAX_GOT];
    size_t len[MAX_GOT];
    char data[MAX_GOT][130];
    unsigned code[MAX_GOT];
    char reason[MAX_GOT][130];
};

/* Feeds p in chunks of `step` bytes (0: whole) and records what comes out. */
static void run(enum rg_ws_role role, size_t max_msg, const uint8_t *p, size_t n, size_t step,
                struct got *g)
{
    struct rg_ws_decoder d;
    memset(g, 0, sizeof(*g));
    rg_ws_decoder_init(&d, role, max_msg);
    g->rc = RG_EAGAIN;
    for (size_t off = 0; off < n && g->rc == RG_EAGAIN;) {
        size_t chunk = step && n - off > step ? step : n - off;
        size_t at = 0;
        while (g->rc == RG_EAGAIN) {
            size_t used = 0;
            struct rg_ws_msg m;
            int rc = rg_ws_decoder_feed(&d, p + off + at, chunk - at, &used, &m);
            if (rc == RG_EAGAIN)
                break;
            if (rc != RG_OK) {
                g->rc = rc;
                g->fail = d.fail_code;
                break;
            }
            at += used;
            if (g->n < MAX_GOT) {
                g->op[g->n] = m.opcode;
                g->len[g->n] = m.data.len;
                memcpy(g->data[g->n], m.data.p, m.data.len < 129 ? m.data.len : 129);
                g->code[g->n] = m.close_code;
                memcpy(g->reason[g->n], m.close_reason.p, m.close_reason.len);
            }
            g->n++;
        }
        off += chunk;
    }
    if (g->rc != RG_EAGAIN) {
        size_t used;
        struct rg_ws_msg m;
        /* A failed decoder stays failed. */
        if (rg_ws_decoder_feed(&d, (const uint8_t *)"\x81\x00", 2, &used, &m) != RG_ESTATE)
            g->rc = 12345;
    }
    rg_ws_decoder_deinit(&d);
}

/* Decodes hex then runs it whole and bytewise; both must agree. */
static void run_hex(struct rg_t *t, enum rg_ws_role role, size_t max_msg, const char *hex,
                    struct got *g)
{
    uint8_t buf[1024];
    long n = ws_t_hex(hex, buf, sizeof(buf));
    REQUIRE(t, n >= 0);
    struct got g1;
    run(role, max_msg, buf, (size_t)n, 0, g);
    run(role, max_msg, buf, (size_t)n, 1, &g1);
    CHECK_EQ_INT(t, g1.rc, g->rc);
    CHECK_EQ_INT(t, g1.fail, g->fail);
    CHECK_EQ_INT(t, g1.n, g->n);
    CHECK(t, memcmp(g1.data, g->data, sizeof(g->data)) == 0);
}

static void vec_single_frames(struct rg_t *t)
{
    static const char *const names[] = {"unmasked-hello", "masked-hello", "unmasked-ping",
                                        "masked-pong"};
    static const uint8_t ops[] = {RG_WS_OP_TEXT, RG_WS_OP_TEXT, RG_WS_OP_PING, RG_WS_OP_PONG};
    for (int i = 0; i < 4; i++) {
        size_t n;
        uint8_t *v = ws_t_vector(names[i], &n);
        REQUIRE(t, v != NULL);
        /* Masked frames come from clients, so a server decodes them. */
        enum rg_ws_role role = (v[1] & 0x80) ? RG_WS_SERVER : RG_WS_CLIENT;
        for (size_t step = 0; step <= 1; step++) {
            struct got g;
            run(role, 1024, v, n, step, &g);
            CHECK_EQ_INT(t, g.rc, RG_EAGAIN);
            CHECK_EQ_INT(t, g.n, 1);
            CHECK_EQ_INT(t, g.op[0], ops[i]);
            CHECK_MEM(t, g.data[0], g.len[0], "Hello", 5);
            /* The same bytes reaching the other role break §5.1. */
            run(role == RG_WS_SERVER ? RG_WS_CLIENT : RG_WS_SERVER, 1024, v, n, step, &g);
            CHECK_EQ_INT(t, g.rc, RG_EPROTO);
            CHECK_EQ_INT(t, g.fail, RG_WS_CLOSE_PROTOCOL);
        }
        rg_free(v);
    }
}

static void vec_fragmented(struct rg_t *t)
{
    size_t n1, n2, np;
    uint8_t *f1 = ws_t_vector("fragment-1-hel", &n1);
    uint8_t *f2 = ws_t_vector("fragment-2-lo", &n2);
    uint8_t *ping = ws_t_vector("unmasked-ping", &np);
    uint8_t all[64];
    if (f1 && f2 && ping) {
        /* §5.4: a control frame may arrive between fragments. */
        memcpy(all, f1, n1);
        memcpy(all + n1, ping, np);
        memcpy(all + n1 + np, f2, n2);
        for (size_t step = 0; step <= 1; step++) {
            struct got g;
            run(RG_WS_CLIENT, 1024, all, n1 + np + n2, step, &g);
            CHECK_EQ_INT(t, g.rc, RG_EAGAIN);
            CHECK_EQ_INT(t, g.n, 2);
            CHECK_EQ_INT(t, g.op[0], RG_WS_OP_PING);
            CHECK_EQ_INT(t, g.op[1], RG_WS_OP_TEXT);
            CHECK_MEM(t, g.data[1], g.len[1], "Hello", 5);
            /* Two fragments of 3 + 2 bytes exceed a 4-byte limit: 1009. */
            run(RG_WS_CLIENT, 4, all, n1 + np + n2, step, &g);
            CHECK_EQ_INT(t, g.rc, RG_EPROTO);
            CHECK_EQ_INT(t, g.fail, RG_WS_CLOSE_TOO_BIG);
            CHECK_EQ_INT(t, g.n, 1); /* the ping still came out */
        }
    }
    CHECK(t, f1 && f2 && ping);
    rg_free(f1);
    rg_free(f2);
    rg_free(ping);
}

static void check_binary(struct rg_t *t, const char *name, size_t plen, size_t hdr)
{
    size_t n;
    uint8_t *v = ws_t_vector(name, &n);
    REQUIRE(t, v != NULL);
    CHECK_EQ_INT(t, n, hdr + plen);
    for (size_t step = 0; step <= 1; step++) {
        struct got g;
        run(RG_WS_CLIENT, plen, v, n, step ? 997 : 0, &g);
        CHECK_EQ_INT(t, g.rc, RG_EAGAIN);
        CHECK_EQ_INT(t, g.n, 1);
        CHECK_EQ_INT(t, g.op[0], RG_WS_OP_BINARY);
        CHECK_EQ_INT(t, g.len[0], plen);
        CHECK_MEM(t, g.data[0], 100, v + hdr, 100);
        run(RG_WS_CLIENT, plen - 1, v, hdr, step, &g); /* header alone is enough */
        CHECK_EQ_INT(t, g.fail, RG_WS_CLOSE_TOO_BIG);
    }
    struct rg_ws_frame_hdr h;
    CHECK_EQ_INT(t, rg_ws_frame_parse_header(v, hdr - 1, &h), RG_EAGAIN);
    CHECK_EQ_INT(t, rg_ws_frame_parse_header(v, n, &h), (int)hdr);
    CHECK(t, h.len == plen && h.fin && !h.masked && h.opcode == RG_WS_OP_BINARY);
    struct rg_buf b;
    rg_buf_init(&b, 70000);
    CHECK_OK(t, rg_ws_frame_encode(&b, true, RG_WS_OP_BINARY, v + hdr, plen, NULL));
    CHECK_MEM(t, b.data, b.len, v, n);
    rg_buf_deinit(&b);
    rg_free(v);
}

static void vec_lengths(struct rg_t *t)
{
    check_binary(t, "binary-256", 256, 4);
    check_binary(t, "binary-64k", 65536, 10);
    /* Byte-at-a-time over 64 KiB of payload, once. */
    size_t n;
    uint8_t *v = ws_t_vector("binary-64k", &n);
    REQUIRE(t, v != NULL);
    struct got g;
    run(RG_WS_CLIENT, 65536, v, n, 1, &g);
    CHECK_EQ_INT(t, g.n, 1);
    CHECK_EQ_INT(t, g.len[0], 65536);
    rg_free(v);
}

static void vec_encode(struct rg_t *t)
{
    static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    const char *names[] = {"unmasked-hello", "masked-hello", "unmasked-ping", "masked-pong"};
    const unsigned ops[] = {RG_WS_OP_TEXT, RG_WS_OP_TEXT, RG_WS_OP_PING, RG_WS_OP_PONG};
    for (int i = 0; i < 4; i++) {
        size_t n;
        uint8_t *v = ws_t_vector(names[i], &n);
        REQUIRE(t, v != NULL);
        struct rg_buf b;
        rg_buf_init(&b, 64);
        CHECK_OK(t, rg_ws_frame_encode(&b, true, ops[i], "Hello", 5, (i & 1) ? key : NULL));
        CHECK_MEM(t, b.data, b.len, v, n);
        rg_buf_deinit(&b);
        rg_free(v);
    }
    struct rg_buf b;
    rg_buf_init(&b, 200);
    uint8_t big[126] = {0};
    CHECK_EQ_INT(t, rg_ws_frame_encode(&b, true, RG_WS_OP_PING, big, 126, NULL), RG_EINVAL);
    CHECK_EQ_INT(t, rg_ws_frame_encode(&b, false, RG_WS_OP_CLOSE, big, 2, NULL), RG_EINVAL);
    CHECK_EQ_INT(t, rg_ws_frame_encode(&b, true, 3, big, 2, NULL), RG_EINVAL);
    CHECK_EQ_INT(t, rg_ws_frame_encode(&b, true, RG_WS_OP_BINARY, big, 126, NULL), RG_OK);
    CHECK_EQ_INT(t, b.len, 130); /* 126 needs the 16-bit form */
    CHECK_EQ_INT(t, rg_ws_frame_encode(&b, true, RG_WS_OP_BINARY, big, 126, NULL), RG_ELIMIT);
    CHECK_EQ_INT(t, b.len, 130); /* unchanged on failure */
    rg_buf_deinit(&b);
}

struct bad {
    enum rg_ws_role role;
    const char *hex;
    unsigned code; /* 0: accepted */
    int n;         /* messages before the end or failure */
};

static void protocol_errors(struct rg_t *t)
{
    static const struct bad cases[] = {
        {RG_WS_SERVER, "8185 00000000 48656c6c6f", 0, 1},      /* zero mask is still a mask */
        {RG_WS_CLIENT, "c100", RG_WS_CLOSE_PROTOCOL, 0},       /* RSV1 */
        {RG_WS_CLIENT, "9100", RG_WS_CLOSE_PROTOCOL, 0},       /* RSV3... RSV2 */
        {RG_WS_CLIENT, "8300", RG_WS_CLOSE_PROTOCOL, 0},       /* opcode 3 */
        {RG_WS_CLIENT, "8b00", RG_WS_CLOSE_PROTOCOL, 0},       /* opcode 0xB */
        {RG_WS_CLIENT, "0900", RG_WS_CLOSE_PROTOCOL, 0},       /* fragmented ping */
        {RG_WS_CLIENT, "897e007e", RG_WS_CLOSE_PROTOCOL, 0},   /* 126-byte ping */
        {RG_WS_CLIENT, "8000", RG_WS_CLOSE_PROTOCOL, 0},       /* stray continuation */
        {RG_WS_CLIENT, "0101418100", RG_WS_CLOSE_PROTOCOL, 0}, /* TEXT inside TEXT */
        {RG_WS_CLIENT, "827e0005", RG_WS_CLOSE_PROTOCOL, 0},   /* non-minimal 16-bit */
        {RG_WS_CLIENT, "827f00000000000000c8", RG_WS_CLOSE_PROTOCOL, 0}, /* non-minimal 64 */
        {RG_WS_CLIENT, "827f8000000000000000", RG_WS_CLOSE_PROTOCOL, 0}, /* top bit */
        {RG_WS_CLIENT, "8102c328", RG_WS_CLOSE_INVALID_DATA, 0},         /* bad continuation */
        {RG_WS_CLIENT, "8101c0", RG_WS_CLOSE_INVALID_DATA, 0},           /* C0 never valid */
        {RG_WS_CLIENT, "8101c3", RG_WS_CLOSE_INVALID_DATA, 0},           /* cut character */
        {RG_WS_CLIENT, "0101c38001a9", 0, 1},                    /* "é" split across fragments */
        {RG_WS_CLIENT, "0101c38201a9", RG_WS_CLOSE_PROTOCOL, 0}, /* BINARY in TEXT */
        {RG_WS_CLIENT, "0101f0800100", RG_WS_CLOSE_INVALID_DATA, 0}, /* F0 80 overlong */
        {RG_WS_CLIENT, "8203c328ff", 0, 1},                          /* binary is not checked */
        {RG_WS_CLIENT, "880103", RG_WS_CLOSE_PROTOCOL, 0},           /* 1-byte close */
        {RG_WS_CLIENT, "880203ed", RG_WS_CLOSE_PROTOCOL, 0},         /* 1005 */
        {RG_WS_CLIENT, "880203ee", RG_WS_CLOSE_PROTOCOL, 0},         /* 1006 */
        {RG_WS_CLIENT, "880203ec", RG_WS_CLOSE_PROTOCOL, 0},         /* 1004 */
        {RG_WS_CLIENT, "880203e7", RG_WS_CLOSE_PROTOCOL, 0},         /* 999 */
        {RG_WS_CLIENT, "880203f7", RG_WS_CLOSE_PROTOCOL, 0},         /* 1015 */
        {RG_WS_CLIENT, "88020bb7", RG_WS_CLOSE_PROTOCOL, 0},         /* 2999 */
        {RG_WS_CLIENT, "88021388", RG_WS_CLOSE_PROTOCOL, 0},         /* 5000 */
        {RG_WS_CLIENT, "88020bb8", 0, 1},                            /* 3000 */
        {RG_WS_CLIENT, "880413870000", 0, 1},                        /* 4999, reason "\0\0" */
        {RG_WS_CLIENT, "880213870000", RG_WS_CLOSE_PROTOCOL, 1},     /* then a stray CONT */
        {RG_WS_CLIENT, "880403e8ff41", RG_WS_CLOSE_INVALID_DATA, 0}, /* reason not UTF-8 */
        {RG_WS_CLIENT, "8800", 0, 1},                                /* empty close */
        {RG_WS_CLIENT, "810081008900", 0, 3},                        /* empty frames */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct got g;
        run_hex(t, cases[i].role, 64, cases[i].hex, &g);
        if (g.fail != cases[i].code || g.n != cases[i].n) {
            fprintf(stderr, "    case %zu (%s): fail %u n %d\n", i, cases[i].hex, g.fail, g.n);
            t->failures++;
        }
        CHECK_EQ_INT(t, g.rc, cases[i].code ? RG_EPROTO : RG_EAGAIN);
    }
}

static void close_frames(struct rg_t *t)
{
    struct got g;
    run_hex(t, RG_WS_CLIENT, 64, "880603e8627965", &g);
    CHECK_EQ_INT(t, g.rc, RG_EAGAIN); /* length 6, 5 bytes: incomplete */
    CHECK_EQ_INT(t, g.n, 0);
    run_hex(t, RG_WS_CLIENT, 64, "880503e8627965", &g);
    CHECK_EQ_INT(t, g.n, 1);
    CHECK_EQ_INT(t, g.code[0], 1000);
    CHECK(t, strcmp(g.reason[0], "bye") == 0);
    run_hex(t, RG_WS_CLIENT, 64, "8800", &g);
    CHECK_EQ_INT(t, g.code[0], RG_WS_CLOSE_NO_STATUS);
    /* Encoder: reason cut at 123 bytes on a character boundary. */
    char reason[200];
    for (int i = 0; i < 100; i += 2) {
        reason[i] = (char)0xc3;
        reason[i + 1] = (char)0xa9;
    }
    struct rg_buf b;
    rg_buf_init(&b, 256);
    CHECK_OK(t, rg_ws_frame_encode_close(&b, 4000, rg_str_make(reason, 100), NULL));
    CHECK_EQ_INT(t, b.len, 2 + 2 + 100);
    rg_buf_reset(&b);
    for (int i = 100; i < 200; i++)
        reason[i] = (char)(i & 1 ? 0xa9 : 0xc3);
    CHECK_OK(t, rg_ws_frame_encode_close(&b, 1000, rg_str_make(reason, 200), NULL));
    CHECK_EQ_INT(t, (unsigned char)b.data[1], 2 + 122); /* 123 would split "é" */
    CHECK(t, rg_ws_utf8_valid(b.data + 4, b.len - 4));
    run(RG_WS_CLIENT, 64, (const uint8_t *)b.data, b.len, 1, &g);
    CHECK_EQ_INT(t, g.n, 1);
    CHECK_EQ_INT(t, g.code[0], 1000);
    rg_buf_reset(&b);
    CHECK_EQ_INT(t, rg_ws_frame_encode_close(&b, 1005, RG_STR_NULL, NULL), RG_EINVAL);
    CHECK_OK(t, rg_ws_frame_encode_close(&b, 0, RG_STR_LIT("ignored"), NULL));
    CHECK_MEM(t, b.data, b.len, "\x88\x00", 2);
    rg_buf_deinit(&b);
    CHECK(t, rg_ws_close_code_valid(1000) && rg_ws_close_code_valid(1011));
    CHECK(t, rg_ws_close_code_valid(4999) && !rg_ws_close_code_valid(1016));
}

static void utf8(struct rg_t *t)
{
    CHECK(t, rg_ws_utf8_valid("", 0));
    CHECK(t, rg_ws_utf8_valid("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", 11)); /* κόσμε */
    CHECK(t, rg_ws_utf8_valid("\xf4\x8f\xbf\xbf", 4));                              /* U+10FFFF */
    CHECK(t, rg_ws_utf8_valid("\xef\xbf\xbf", 3));                                  /* U+FFFF */
    CHECK(t, !rg_ws_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    CHECK(t, !rg_ws_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    CHECK(t, !rg_ws_utf8_valid("\xe0\x80\xaf", 3));     /* overlong */
    CHECK(t, !rg_ws_utf8_valid("\xc1\xbf", 2));         /* overlong */
    CHECK(t, !rg_ws_utf8_valid("\xf5\x80\x80\x80", 4));
    CHECK(t, !rg_ws_utf8_valid("\x80", 1));
    CHECK(t, !rg_ws_utf8_valid("\xe2\x82", 2)); /* cut */
    /* Split across feeds. */
    struct rg_ws_utf8 u;
    rg_ws_utf8_init(&u);
    CHECK_OK(t, rg_ws_utf8_feed(&u, (const uint8_t *)"a\xf0\x9f", 3));
    CHECK(t, !rg_ws_utf8_complete(&u));
    CHECK_OK(t, rg_ws_utf8_feed(&u, (const uint8_t *)"\x98", 1));
    CHECK_OK(t, rg_ws_utf8_feed(&u, (const uint8_t *)"\x80", 1));
    CHECK(t, rg_ws_utf8_complete(&u));
    CHECK_EQ_INT(t, rg_ws_utf8_feed(&u, (const uint8_t *)"\xa0", 1), RG_EBADMSG);
    CHECK(t, rg_ws_utf8_complete(&u)); /* state untouched on failure */
}

/* OOM stepping: a fragmented 64 KiB+ message allocates as it grows. */
static int decode_big(void *arg)
{
    const uint8_t *v = arg;
    struct rg_ws_decoder d;
    rg_ws_decoder_init(&d, RG_WS_CLIENT, 1 << 17);
    size_t used = 0, off = 0;
    struct rg_ws_msg m;
    int rc = RG_EAGAIN;
    for (int i = 0; i < 3 && rc == RG_EAGAIN; i++) {
        /* The same frame three times, the first two as fragments. */
        uint8_t h[4];
        memcpy(h, v, 4);
        h[0] = (uint8_t)((i == 2 ? 0x80 : 0) | (i == 0 ? RG_WS_OP_BINARY : RG_WS_OP_CONT));
        rc = rg_ws_decoder_feed(&d, h, 4, &used, &m);
        if (rc == RG_EAGAIN)
            rc = rg_ws_decoder_feed(&d, v + 4, 40000, &used, &m);
        off = used;
    }
    if (rc == RG_OK && (m.data.len != 120000 || m.opcode != RG_WS_OP_BINARY || off != 40000))
        rc = RG_EINVAL;
    if (rc == RG_ENOMEM && d.fail_code != RG_WS_CLOSE_INTERNAL)
        rc = RG_EINVAL;
    rg_ws_decoder_deinit(&d);
    return rc;
}

static void oom_decoder(struct rg_t *t)
{
    static uint8_t v[4 + 40000];
    CHECK_EQ_INT(t, ws_t_hex("027e9c40", v, 4), 4);
    for (size_t i = 0; i < 40000; i++)
        v[4 + i] = (uint8_t)i;
    rg_t_oom_step(t, decode_big, v, 100);
}

static const struct rg_test_case cases[] = {
    {"vec_single_frames", vec_single_frames},
    {"vec_fragmented", vec_fragmented},
    {"vec_lengths", vec_lengths},
    {"vec_encode", vec_encode},
    {"protocol_errors", protocol_errors},
    {"close_frames", close_frames},
    {"utf8", utf8},
    {"oom_decoder", oom_decoder},
};

RG_TEST_MAIN(cases)
