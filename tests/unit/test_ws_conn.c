/* Unit tests for src/proto/ws/ws_conn.c: a client and a server connection
 * wired back to back in memory (bytes moved whole and one at a time), the
 * close handshake, timeouts, failures with their close codes, plain HTTP,
 * rejections, bounds and OOM stepping over a whole session. */
#include "harness.h"

#include "core/rng.h"
#include "proto/ws/ws_conn.h"

#define MAX_EV 16

struct evlog {
    int n;
    enum rg_ws_event_type type[MAX_EV];
    char data[MAX_EV][300];
    size_t len[MAX_EV];
    unsigned code[MAX_EV];
    unsigned status[MAX_EV];
    bool sip[MAX_EV];
    char target[MAX_EV][32];
};

static void drain(struct rg_ws_conn *c, int64_t now_us, struct evlog *log)
{
    for (;;) {
        struct rg_ws_event ev;
        rg_ws_conn_poll_event(c, now_us, &ev);
        if (ev.type == RG_WS_EV_NONE)
            return;
        if (log->n == MAX_EV)
            continue;
        int i = log->n++;
        log->type[i] = ev.type;
        const struct rg_str d = ev.type == RG_WS_EV_CLOSE ? ev.close_reason : ev.data;
        log->len[i] = d.len;
        memcpy(log->data[i], d.p, d.len < sizeof(log->data[i]) ? d.len : sizeof(log->data[i]));
        log->code[i] = ev.close_code;
        log->status[i] = ev.status;
        log->sip[i] = ev.sip;
        if (ev.http)
            (void)rg_str_copy_cstr(ev.http->target, log->target[i], sizeof(log->target[i]));
    }
}

/* Moves everything `from` has to send into `to`, step bytes at a time (0:
 * at once), polling `to`'s events after each piece.  Returns bytes moved. */
static size_t pump(struct rg_ws_conn *from, struct rg_ws_conn *to, size_t step, int64_t now_us,
                   struct evlog *log)
{
    size_t moved = 0;
    for (;;) {
        struct rg_str tx = rg_ws_conn_poll_transmit(from);
        if (tx.len == 0)
            return moved;
        size_t k = step && step < tx.len ? step : tx.len;
        if (rg_ws_conn_handle_input(to, now_us, tx.p, k) != RG_OK)
            return moved;
        rg_ws_conn_tx_done(from, k);
        moved += k;
        drain(to, now_us, log);
    }
}

struct pair {
    struct rg_rng_seeded st;
    struct rg_rng rng;
    struct rg_ws_conn cli, srv;
    struct evlog cl, sl;
};

static int pair_open(struct pair *p, size_t step, size_t max_msg)
{
    memset(p, 0, sizeof(*p));
    rg_rng_seeded_init(&p->st, 99, &p->rng);
    struct rg_ws_conn_cfg cc = {.role = RG_WS_CLIENT,
                                .max_msg = max_msg,
                                .rng = &p->rng,
                                .host = RG_STR_LIT("127.0.0.1:8080"),
                                .path = RG_STR_LIT("/"),
                                .origin = RG_STR_LIT("http://127.0.0.1:8080")};
    struct rg_ws_conn_cfg sc = {
        .role = RG_WS_SERVER, .max_msg = max_msg, .server = {.require_sip = true}};
    int rc = rg_ws_conn_init(&p->cli, &cc, 0);
    if (rc != RG_OK)
        return rc;
    rc = rg_ws_conn_init(&p->srv, &sc, 0);
    if (rc != RG_OK) {
        rg_ws_conn_deinit(&p->cli);
        return rc;
    }
    pump(&p->cli, &p->srv, step, 1, &p->sl);
    pump(&p->srv, &p->cli, step, 1, &p->cl);
    return RG_OK;
}

static void pair_close(struct pair *p)
{
    rg_ws_conn_deinit(&p->cli);
    rg_ws_conn_deinit(&p->srv);
}

static const char sip_msg[] = "OPTIONS sip:127.0.0.1 SIP/2.0\r\n"
                              "Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKhjhs8ass877\r\n"
                              "Max-Forwards: 70\r\nTo: <sip:127.0.0.1>\r\n"
                              "From: <sip:alice@example.com>;tag=1928301774\r\n"
                              "Call-ID: a84b4c76e66710\r\nCSeq: 63104 OPTIONS\r\n"
                              "Content-Length: 0\r\n\r\n";

static void session(struct rg_t *t)
{
    for (size_t step = 0; step <= 1; step++) {
        struct pair p;
        REQUIRE(t, pair_open(&p, step, 0) == RG_OK);
        CHECK_EQ_INT(t, p.sl.n, 1);
        CHECK_EQ_INT(t, p.sl.type[0], RG_WS_EV_OPEN);
        CHECK(t, p.sl.sip[0]);
        CHECK(t, strcmp(p.sl.target[0], "/") == 0);
        CHECK_EQ_INT(t, p.cl.n, 1);
        CHECK_EQ_INT(t, p.cl.type[0], RG_WS_EV_OPEN);
        CHECK(t, p.cl.sip[0]);
        CHECK_EQ_INT(t, rg_ws_conn_state(&p.cli), RG_WS_CONN_OPEN);
        /* One SIP message per WebSocket message, both ways (RFC 7118 §5). */
        CHECK_OK(t, rg_ws_conn_send(&p.cli, RG_WS_OP_TEXT, sip_msg, strlen(sip_msg)));
        struct rg_str tx = rg_ws_conn_poll_transmit(&p.cli);
        CHECK(t, tx.len > 6 && ((uint8_t)tx.p[1] & 0x80)); /* client frames are masked */
        pump(&p.cli, &p.srv, step, 2, &p.sl);
        CHECK_EQ_INT(t, p.sl.n, 2);
        CHECK_EQ_INT(t, p.sl.type[1], RG_WS_EV_MESSAGE);
        CHECK_MEM(t, p.sl.data[1], p.sl.len[1], sip_msg, strlen(sip_msg));
        CHECK_OK(t, rg_ws_conn_send(&p.srv, RG_WS_OP_BINARY, "\x00\x01\x02", 3));
        tx = rg_ws_conn_poll_transmit(&p.srv);
        CHECK_MEM(t, tx.p, tx.len, "\x82\x03\x00\x01\x02", 5); /* server frames are not */
        pump(&p.srv, &p.cli, step, 2, &p.cl);
        CHECK_EQ_INT(t, p.cl.type[1], RG_WS_EV_MESSAGE);
        CHECK_MEM(t, p.cl.data[1], p.cl.len[1], "\x00\x01\x02", 3);
        /* Ping answered automatically. */
        CHECK_OK(t, rg_ws_conn_ping(&p.cli, "hb", 2));
        pump(&p.cli, &p.srv, step, 3, &p.sl);
        CHECK_EQ_INT(t, p.sl.type[2], RG_WS_EV_PING);
        pump(&p.srv, &p.cli, step, 3, &p.cl);
        CHECK_EQ_INT(t, p.cl.type[2], RG_WS_EV_PONG);
        CHECK_MEM(t, p.cl.data[2], p.cl.len[2], "hb", 2);
        /* Close handshake started by the client (§7.1.2). */
        CHECK_OK(t, rg_ws_conn_close(&p.cli, 4, 1000, RG_STR_LIT("bye")));
        CHECK_EQ_INT(t, rg_ws_conn_state(&p.cli), RG_WS_CONN_CLOSING);
        CHECK_EQ_INT(t, rg_ws_conn_send(&p.cli, RG_WS_OP_TEXT, "x", 1), RG_ESTATE);
        CHECK(t, rg_ws_conn_poll_timeout(&p.cli) == 4 + 5000000);
        pump(&p.cli, &p.srv, step, 5, &p.sl);
        CHECK_EQ_INT(t, p.sl.type[3], RG_WS_EV_CLOSE);
        CHECK_EQ_INT(t, p.sl.code[3], 1000);
        CHECK_MEM(t, p.sl.data[3], p.sl.len[3], "bye", 3);
        CHECK(t, rg_ws_conn_finished(&p.srv));
        pump(&p.srv, &p.cli, step, 6, &p.cl);
        CHECK_EQ_INT(t, p.cl.type[3], RG_WS_EV_CLOSE);
        CHECK_EQ_INT(t, p.cl.code[3], 1000); /* echoed */
        CHECK(t, rg_ws_conn_finished(&p.cli));
        CHECK_EQ_INT(t, p.cl.n, 4);
        CHECK_EQ_INT(t, p.sl.n, 4);
        CHECK(t, rg_ws_conn_poll_timeout(&p.cli) == INT64_MAX);
        pair_close(&p);
    }
}

static void response_and_frame_together(struct rg_t *t)
{
    /* The server's 101 and its first frame often share one TCP segment. */
    struct pair p;
    memset(&p, 0, sizeof(p));
    rg_rng_seeded_init(&p.st, 5, &p.rng);
    struct rg_ws_conn_cfg cc = {
        .role = RG_WS_CLIENT, .rng = &p.rng, .host = RG_STR_LIT("h"), .path = RG_STR_LIT("/")};
    struct rg_ws_conn_cfg sc = {.role = RG_WS_SERVER};
    REQUIRE(t, rg_ws_conn_init(&p.cli, &cc, 0) == RG_OK);
    REQUIRE(t, rg_ws_conn_init(&p.srv, &sc, 0) == RG_OK);
    pump(&p.cli, &p.srv, 0, 1, &p.sl);
    CHECK_EQ_INT(t, p.sl.type[0], RG_WS_EV_OPEN);
    CHECK(t, p.sl.sip[0]); /* our client always offers sip */
    CHECK_OK(t, rg_ws_conn_send(&p.srv, RG_WS_OP_TEXT, "hi", 2));
    pump(&p.srv, &p.cli, 0, 1, &p.cl);
    CHECK_EQ_INT(t, p.cl.n, 2);
    CHECK_EQ_INT(t, p.cl.type[0], RG_WS_EV_OPEN);
    CHECK_EQ_INT(t, p.cl.type[1], RG_WS_EV_MESSAGE);
    CHECK_MEM(t, p.cl.data[1], p.cl.len[1], "hi", 2);
    pair_close(&p);
}

static void timeouts(struct rg_t *t)
{
    struct pair p;
    REQUIRE(t, pair_open(&p, 0, 0) == RG_OK);
    /* Server closes; the client never answers. */
    CHECK_OK(t, rg_ws_conn_close(&p.srv, 100, RG_WS_CLOSE_GOING_AWAY, RG_STR_NULL));
    int64_t dl = rg_ws_conn_poll_timeout(&p.srv);
    CHECK(t, dl == 100 + 5000000);
    rg_ws_conn_handle_timeout(&p.srv, dl - 1);
    drain(&p.srv, dl - 1, &p.sl);
    CHECK_EQ_INT(t, p.sl.n, 1);
    rg_ws_conn_handle_timeout(&p.srv, dl);
    drain(&p.srv, dl, &p.sl);
    CHECK_EQ_INT(t, p.sl.n, 2);
    CHECK_EQ_INT(t, p.sl.type[1], RG_WS_EV_CLOSE);
    CHECK_EQ_INT(t, p.sl.code[1], RG_WS_CLOSE_ABNORMAL);
    CHECK(t, rg_ws_conn_finished(&p.srv));
    pair_close(&p);
    /* A server that never gets a request gives up after 10 s. */
    struct rg_ws_conn s;
    struct rg_ws_conn_cfg sc = {.role = RG_WS_SERVER, .handshake_timeout_us = 0};
    REQUIRE(t, rg_ws_conn_init(&s, &sc, 1000) == RG_OK);
    CHECK(t, rg_ws_conn_poll_timeout(&s) == 1000 + 10000000);
    struct evlog log = {0};
    CHECK_OK(t, rg_ws_conn_handle_input(&s, 2000, "GET / HT", 8));
    drain(&s, 2000, &log);
    CHECK_EQ_INT(t, log.n, 0);
    drain(&s, 1000 + 10000000, &log);
    CHECK_EQ_INT(t, log.n, 1);
    CHECK_EQ_INT(t, log.type[0], RG_WS_EV_ERROR);
    CHECK(t, rg_ws_conn_finished(&s));
    CHECK_EQ_INT(t, rg_ws_conn_poll_transmit(&s).len, 0);
    rg_ws_conn_deinit(&s);
}

/* Reads the close frame a failing server queued; returns its code. */
static unsigned sent_close_code(struct rg_ws_conn *c)
{
    struct rg_str tx = rg_ws_conn_poll_transmit(c);
    struct rg_ws_decoder d;
    rg_ws_decoder_init(&d, RG_WS_CLIENT, 1024);
    unsigned code = 0;
    size_t off = 0;
    for (;;) {
        size_t used;
        struct rg_ws_msg m;
        if (rg_ws_decoder_feed(&d, (const uint8_t *)tx.p + off, tx.len - off, &used, &m) != RG_OK)
            break;
        off += used;
        if (m.opcode == RG_WS_OP_CLOSE)
            code = m.close_code;
    }
    rg_ws_decoder_deinit(&d);
    return code;
}

static void failures(struct rg_t *t)
{
    static const struct {
        const char *frame;
        size_t len;
        unsigned code;
    } cases[] = {
        {"\x81\x02hi", 4, RG_WS_CLOSE_PROTOCOL}, /* unmasked */
        {"\x81\x82\x00\x00\x00\x00\xff\xfe", 8, RG_WS_CLOSE_INVALID_DATA},
        {"\x82\x91\x00\x00\x00\x00", 6, RG_WS_CLOSE_TOO_BIG},          /* 17 > 16 */
        {"\x82\xfe\x00\x11\x00\x00\x00\x00", 8, RG_WS_CLOSE_PROTOCOL}, /* non-minimal */
        {"\x88\x82\x00\x00\x00\x00\x03\xed", 8, RG_WS_CLOSE_PROTOCOL}, /* close 1005 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pair p;
        REQUIRE(t, pair_open(&p, 0, 16) == RG_OK);
        for (size_t k = 0; k < cases[i].len; k++) {
            CHECK_OK(t, rg_ws_conn_handle_input(&p.srv, 3, cases[i].frame + k, 1));
            drain(&p.srv, 3, &p.sl);
        }
        CHECK_EQ_INT(t, p.sl.n, 2);
        CHECK_EQ_INT(t, p.sl.type[1], RG_WS_EV_ERROR);
        CHECK_EQ_INT(t, p.sl.code[1], cases[i].code);
        CHECK_EQ_INT(t, sent_close_code(&p.srv), cases[i].code);
        CHECK(t, rg_ws_conn_finished(&p.srv));
        /* Nothing more is read after failing (§7.1.7). */
        CHECK_OK(t, rg_ws_conn_handle_input(&p.srv, 3, "\x89\x80\0\0\0\0", 6));
        drain(&p.srv, 3, &p.sl);
        CHECK_EQ_INT(t, p.sl.n, 2);
        pair_close(&p);
    }
}

static void http_and_rejections(struct rg_t *t)
{
    struct rg_ws_conn_cfg sc = {.role = RG_WS_SERVER, .server = {.require_sip = true}};
    static const struct {
        const char *req;
        enum rg_ws_event_type type;
        unsigned status;
    } cases[] = {
        {"GET /phone.html HTTP/1.1\r\nHost: x\r\n\r\n", RG_WS_EV_HTTP, 0},
        {"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 7\r\n\r\n",
         RG_WS_EV_REJECTED, 426},
        {"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
         RG_WS_EV_REJECTED, 400}, /* no sip offered */
        {"GET / HTTP/1.1\nHost: x\n\n", RG_WS_EV_REJECTED, 400},
        {"\x16\x03\x01\x02\x00\x01", RG_WS_EV_REJECTED, 400}, /* TLS to a ws port */
        {"GET / HTTP/1.1\rX", RG_WS_EV_REJECTED, 400},        /* CR then not LF (fuzz find) */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rg_ws_conn s;
        REQUIRE(t, rg_ws_conn_init(&s, &sc, 0) == RG_OK);
        struct evlog log = {0};
        for (const char *c = cases[i].req; *c; c++) {
            CHECK_OK(t, rg_ws_conn_handle_input(&s, 1, c, 1));
            drain(&s, 1, &log);
        }
        CHECK_EQ_INT(t, log.n, 1);
        CHECK_EQ_INT(t, log.type[0], cases[i].type);
        CHECK_EQ_INT(t, log.status[0], cases[i].status);
        CHECK(t, rg_ws_conn_finished(&s));
        struct rg_str tx = rg_ws_conn_poll_transmit(&s);
        if (cases[i].type == RG_WS_EV_HTTP) {
            CHECK(t, strcmp(log.target[0], "/phone.html") == 0);
            CHECK_EQ_INT(t, tx.len, 0); /* the caller serves the page */
        } else {
            char line[32];
            snprintf(line, sizeof(line), "HTTP/1.1 %u ", cases[i].status);
            CHECK(t, rg_str_has_prefix(tx, line));
        }
        rg_ws_conn_deinit(&s);
    }
}

static void bounds(struct rg_t *t)
{
    struct pair p;
    REQUIRE(t, pair_open(&p, 0, 1000) == RG_OK);
    /* Input: more than max_in at once is refused, nothing taken. */
    static char junk[70000];
    CHECK_EQ_INT(t, rg_ws_conn_handle_input(&p.srv, 1, junk, sizeof(junk)), RG_ELIMIT);
    /* Output: data stops fitting before control frames do. */
    static char msg[1000], msg1001[1001];
    memset(msg, 'a', sizeof(msg));
    CHECK_EQ_INT(t, rg_ws_conn_send(&p.srv, RG_WS_OP_TEXT, msg1001, 1001), RG_ELIMIT);
    CHECK_EQ_INT(t, rg_ws_conn_send(&p.srv, RG_WS_OP_TEXT, "\xff", 1), RG_EINVAL);
    int sent = 0;
    while (rg_ws_conn_send(&p.srv, RG_WS_OP_TEXT, msg, sizeof(msg)) == RG_OK)
        sent++;
    CHECK(t, sent >= 3);
    size_t before = rg_ws_conn_poll_transmit(&p.srv).len;
    CHECK(t, before <= p.srv.cfg.max_out);
    CHECK_OK(t, rg_ws_conn_close(&p.srv, 1, 1000, RG_STR_NULL));
    CHECK(t, rg_ws_conn_poll_transmit(&p.srv).len > before);
    /* The client reads everything, then the close. */
    pump(&p.srv, &p.cli, 0, 1, &p.cl);
    CHECK_EQ_INT(t, p.cl.n, 1 + sent + 1);
    CHECK_EQ_INT(t, p.cl.type[p.cl.n - 1], RG_WS_EV_CLOSE);
    CHECK_EQ_INT(t, p.cl.len[1], 1000);
    pair_close(&p);
    /* A client needs randomness for keys and masks. */
    struct rg_ws_conn c;
    struct rg_ws_conn_cfg cc = {
        .role = RG_WS_CLIENT, .host = RG_STR_LIT("h"), .path = RG_STR_LIT("/")};
    CHECK_EQ_INT(t, rg_ws_conn_init(&c, &cc, 0), RG_EINVAL);
}

/* OOM stepping over a whole session. */
static int session_work(void *arg)
{
    (void)arg;
    struct pair p;
    int rc = pair_open(&p, 0, 0);
    if (rc != RG_OK)
        return rc;
    if (p.sl.n != 1 || p.sl.type[0] != RG_WS_EV_OPEN || p.cl.n != 1 ||
        p.cl.type[0] != RG_WS_EV_OPEN) {
        /* An allocation failed inside the exchange: it must show as an
         * error event or a missing step, never as a wrong success. */
        rc = RG_ENOMEM;
        goto out;
    }
    rc = rg_ws_conn_send(&p.cli, RG_WS_OP_TEXT, sip_msg, strlen(sip_msg));
    if (rc != RG_OK)
        goto out;
    pump(&p.cli, &p.srv, 0, 2, &p.sl);
    if (p.sl.n != 2 || p.sl.type[1] != RG_WS_EV_MESSAGE || p.sl.len[1] != strlen(sip_msg)) {
        rc = p.sl.n == 2 && p.sl.type[1] == RG_WS_EV_ERROR && p.sl.code[1] == 1011 ? RG_ENOMEM
                                                                                   : RG_EINVAL;
        if (p.sl.n == 1)
            rc = RG_ENOMEM; /* input buffer could not grow */
    }
out:
    pair_close(&p);
    return rc;
}

static void oom_session(struct rg_t *t)
{
    rg_t_oom_step(t, session_work, NULL, 200);
}

static const struct rg_test_case cases[] = {
    {"session", session},
    {"response_and_frame_together", response_and_frame_together},
    {"timeouts", timeouts},
    {"failures", failures},
    {"http_and_rejections", http_and_rejections},
    {"bounds", bounds},
    {"oom_session", oom_session},
};

RG_TEST_MAIN(cases)
