/* Unit tests for io/sip_stream (SIP over a byte stream and over WebSocket,
 * without sockets) and io/sip_reply (400s and static HTTP files). */
#include "harness.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/rng.h"
#include "io/sip_reply.h"
#include "io/sip_stream.h"
#include "proto/ws/ws_conn.h"

static const char k_opt[] = "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n"
                            "Via: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK1\r\n"
                            "From: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: abc\r\n"
                            "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 4\r\n\r\nbody";

struct got {
    unsigned msgs, bad, http, open, closed;
    char last[4096];
    size_t last_len;
    struct rg_buf tx;
};

static void drain(struct rg_sip_stream *s, int64_t now, struct got *g)
{
    for (;;) {
        struct rg_sip_stream_ev ev;
        rg_sip_stream_poll(s, now, &ev);
        if (ev.type == RG_SIP_STREAM_EV_NONE)
            break;
        g->msgs += ev.type == RG_SIP_STREAM_EV_MESSAGE;
        g->bad += ev.type == RG_SIP_STREAM_EV_BADFRAME;
        g->http += ev.type == RG_SIP_STREAM_EV_HTTP;
        g->open += ev.type == RG_SIP_STREAM_EV_OPEN;
        g->closed += ev.type == RG_SIP_STREAM_EV_CLOSED;
        if (ev.type == RG_SIP_STREAM_EV_MESSAGE && ev.data.len < sizeof(g->last)) {
            memcpy(g->last, ev.data.p, ev.data.len);
            g->last_len = ev.data.len;
        }
        if (ev.type == RG_SIP_STREAM_EV_HTTP && ev.data.len < sizeof(g->last)) {
            memcpy(g->last, ev.target.p, ev.target.len);
            g->last_len = ev.target.len;
        }
    }
    struct rg_str tx = rg_sip_stream_tx(s);
    if (rg_buf_append_str(&g->tx, tx) == RG_OK)
        rg_sip_stream_tx_done(s, tx.len);
}

/* Feeds p in pieces of chunk bytes. */
static void feed(struct rg_t *t, struct rg_sip_stream *s, const char *p, size_t n, size_t chunk,
                 struct got *g)
{
    size_t off = 0;
    while (off < n) {
        size_t k = n - off < chunk ? n - off : chunk;
        int taken = rg_sip_stream_input(s, 0, p + off, k);
        REQUIRE(t, taken > 0);
        off += (size_t)taken;
        drain(s, 0, g);
    }
}

static void raw_init(struct rg_t *t, struct rg_sip_stream *s, struct got *g, size_t max_out)
{
    struct rg_sip_stream_cfg cfg = {.max_out = max_out, .idle_us = 1000000};
    memset(g, 0, sizeof(*g));
    rg_buf_init(&g->tx, 1 << 20);
    CHECK_OK(t, rg_sip_stream_init(s, &cfg, 0));
}

static void raw_messages_whole_and_bytewise(struct rg_t *t)
{
    for (size_t chunk = 1; chunk <= sizeof(k_opt) * 2; chunk = chunk * 3 + 1) {
        struct rg_sip_stream s;
        struct got g;
        raw_init(t, &s, &g, 0);
        feed(t, &s, k_opt, sizeof(k_opt) - 1, chunk, &g);
        feed(t, &s, k_opt, sizeof(k_opt) - 1, chunk, &g);
        CHECK_EQ_INT(t, g.msgs, 2);
        CHECK_MEM(t, g.last, g.last_len, k_opt, sizeof(k_opt) - 1);
        CHECK_EQ_INT(t, g.tx.len, 0);
        CHECK_OK(t, rg_sip_stream_send(&s, "SIP/2.0 200 OK\r\n\r\n", 18));
        drain(&s, 0, &g);
        CHECK_STR(t, rg_buf_str(&g.tx), "SIP/2.0 200 OK\r\n\r\n");
        CHECK(t, !rg_sip_stream_finished(&s));
        rg_sip_stream_deinit(&s);
        rg_buf_deinit(&g.tx);
    }
}

/* RFC 5626 §4.4.1: CRLFCRLF between messages is a ping, CRLF the pong. */
static void raw_keepalive_ping_pong(struct rg_t *t)
{
    static const char in[] = "\r\n\r\n\r\n\r\n";
    for (size_t chunk = 1; chunk <= 8; chunk *= 2) {
        struct rg_sip_stream s;
        struct got g;
        raw_init(t, &s, &g, 0);
        feed(t, &s, in, 8, chunk, &g);
        CHECK_STR(t, rg_buf_str(&g.tx), "\r\n\r\n");
        rg_buf_reset(&g.tx);
        feed(t, &s, k_opt, sizeof(k_opt) - 1, chunk, &g);
        feed(t, &s, "\r\n\r\n", 4, chunk, &g);
        CHECK_EQ_INT(t, g.msgs, 1);
        CHECK_STR(t, rg_buf_str(&g.tx), "\r\n");
        rg_sip_stream_deinit(&s);
        rg_buf_deinit(&g.tx);
    }
}

/* RFC 3261 §18.3: a stream message must carry Content-Length. */
static void raw_missing_content_length(struct rg_t *t)
{
    static const char in[] = "OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK3\r\n\r\n";
    struct rg_sip_stream s;
    struct got g;
    raw_init(t, &s, &g, 0);
    CHECK_EQ_INT(t, rg_sip_stream_input(&s, 0, in, sizeof(in) - 1), (int)sizeof(in) - 1);
    struct rg_sip_stream_ev ev;
    rg_sip_stream_poll(&s, 0, &ev);
    CHECK_EQ_INT(t, ev.type, RG_SIP_STREAM_EV_BADFRAME);
    CHECK_MEM(t, ev.data.p, ev.data.len, in, sizeof(in) - 1);
    CHECK(t, !rg_sip_stream_finished(&s)); /* room for the owner's 400 */
    CHECK_OK(t, rg_sip_stream_send(&s, "SIP/2.0 400 x\r\n\r\n", 17));
    drain(&s, 0, &g);
    CHECK(t, rg_sip_stream_finished(&s));
    CHECK_EQ_INT(t, g.closed, 1);
    CHECK_STR(t, rg_buf_str(&g.tx), "SIP/2.0 400 x\r\n\r\n");
    CHECK_EQ_INT(t, rg_sip_stream_input(&s, 0, k_opt, 10), 10); /* dropped */
    drain(&s, 0, &g);
    CHECK_EQ_INT(t, g.msgs, 0);
    rg_sip_stream_deinit(&s);
    rg_buf_deinit(&g.tx);
}

static void raw_limits_and_idle(struct rg_t *t)
{
    struct rg_sip_stream s;
    struct got g;
    raw_init(t, &s, &g, 1);
    static char big[70000];
    memset(big, 'a', sizeof(big));
    CHECK_EQ_INT(t, rg_sip_stream_send(&s, big, sizeof(big)), RG_ELIMIT);
    /* max_out is raised to one maximal message; a second one does not fit */
    CHECK_OK(t, rg_sip_stream_send(&s, big, 65535));
    CHECK_EQ_INT(t, rg_sip_stream_send(&s, big, 100), RG_ELIMIT);
    CHECK_EQ_INT(t, rg_sip_stream_timeout(&s), 1000000);
    rg_sip_stream_handle_timeout(&s, 999999);
    CHECK(t, !rg_sip_stream_finished(&s));
    CHECK_EQ_INT(t, rg_sip_stream_input(&s, 500000, "\r\n", 2), 2);
    CHECK_EQ_INT(t, rg_sip_stream_timeout(&s), 1500000);
    rg_sip_stream_handle_timeout(&s, 1500000);
    CHECK(t, rg_sip_stream_finished(&s));
    struct rg_sip_stream_ev ev;
    rg_sip_stream_poll(&s, 1500000, &ev);
    CHECK_EQ_INT(t, ev.type, RG_SIP_STREAM_EV_CLOSED);
    CHECK(t, strcmp(ev.why, "idle timeout") == 0);
    rg_sip_stream_deinit(&s);
    rg_buf_deinit(&g.tx);
}

/* A client rg_ws_conn talking to a server stream, bytes handed over by
 * hand. */
struct ws_pair {
    struct rg_sip_stream s;
    struct rg_ws_conn c;
    struct rg_rng_seeded st;
    struct rg_rng rng;
    struct got g;
};

static void ws_pump(struct rg_t *t, struct ws_pair *p)
{
    for (int i = 0; i < 8; i++) {
        struct rg_str out = rg_ws_conn_poll_transmit(&p->c);
        if (out.len) {
            REQUIRE(t, rg_sip_stream_input(&p->s, 0, out.p, out.len) == (int)out.len);
            rg_ws_conn_tx_done(&p->c, out.len);
        }
        drain(&p->s, 0, &p->g);
        if (p->g.tx.len) {
            REQUIRE(t, rg_ws_conn_handle_input(&p->c, 0, p->g.tx.data, p->g.tx.len) == RG_OK);
            rg_buf_reset(&p->g.tx);
        }
    }
}

static void ws_pair_init(struct rg_t *t, struct ws_pair *p, const char *path, const char *want)
{
    memset(p, 0, sizeof(*p));
    rg_rng_seeded_init(&p->st, 7, &p->rng);
    rg_buf_init(&p->g.tx, 1 << 20);
    struct rg_sip_stream_cfg sc = {.ws = true, .ws_path = want};
    CHECK_OK(t, rg_sip_stream_init(&p->s, &sc, 0));
    struct rg_ws_conn_cfg cc = {.role = RG_WS_CLIENT,
                                .rng = &p->rng,
                                .host = RG_STR_LIT("127.0.0.1:8080"),
                                .path = rg_str_from_cstr(path)};
    CHECK_OK(t, rg_ws_conn_init(&p->c, &cc, 0));
    ws_pump(t, p);
    struct rg_ws_event ev;
    rg_ws_conn_poll_event(&p->c, 0, &ev); /* the 101 (or the refusal) */
}

static void ws_pair_deinit(struct ws_pair *p)
{
    rg_sip_stream_deinit(&p->s);
    rg_ws_conn_deinit(&p->c);
    rg_buf_deinit(&p->g.tx);
}

/* Next client event that is not NONE-ish. */
static void client_event(struct ws_pair *p, struct rg_ws_event *ev)
{
    do
        rg_ws_conn_poll_event(&p->c, 0, ev);
    while (ev->type == RG_WS_EV_OPEN);
}

static void ws_sip_messages_and_keepalive(struct rg_t *t)
{
    struct ws_pair p;
    ws_pair_init(t, &p, "/any/path", "/");
    CHECK_EQ_INT(t, p.g.open, 1);
    CHECK_EQ_INT(t, rg_ws_conn_state(&p.c), RG_WS_CONN_OPEN);
    CHECK_OK(t, rg_ws_conn_send(&p.c, RG_WS_OP_TEXT, k_opt, sizeof(k_opt) - 1));
    ws_pump(t, &p);
    CHECK_EQ_INT(t, p.g.msgs, 1);
    CHECK_MEM(t, p.g.last, p.g.last_len, k_opt, sizeof(k_opt) - 1);
    /* RFC 7118 §5: the answer is one WebSocket message on the same connection */
    CHECK_OK(t, rg_sip_stream_send(&p.s, "SIP/2.0 200 OK\r\n\r\n", 18));
    ws_pump(t, &p);
    struct rg_ws_event ev;
    client_event(&p, &ev);
    CHECK_EQ_INT(t, ev.type, RG_WS_EV_MESSAGE);
    CHECK_STR(t, ev.data, "SIP/2.0 200 OK\r\n\r\n");
    /* keep-alive as JsSIP sends it: "\r\n\r\n" answered with "\r\n" */
    CHECK_OK(t, rg_ws_conn_send(&p.c, RG_WS_OP_TEXT, "\r\n\r\n", 4));
    ws_pump(t, &p);
    client_event(&p, &ev);
    CHECK_EQ_INT(t, ev.type, RG_WS_EV_MESSAGE);
    CHECK_STR(t, ev.data, "\r\n");
    CHECK_EQ_INT(t, p.g.msgs, 1);
    /* close handshake: the stream finishes */
    CHECK_OK(t, rg_ws_conn_close(&p.c, 0, 1000, RG_STR_NULL));
    ws_pump(t, &p);
    CHECK(t, rg_sip_stream_finished(&p.s));
    CHECK_EQ_INT(t, p.g.closed, 1);
    ws_pair_deinit(&p);
}

static void ws_wrong_path_closed(struct rg_t *t)
{
    struct ws_pair p;
    ws_pair_init(t, &p, "/other", "/sip");
    CHECK_EQ_INT(t, p.g.open, 0);
    struct rg_ws_event ev;
    client_event(&p, &ev);
    CHECK_EQ_INT(t, ev.type, RG_WS_EV_CLOSE);
    CHECK_EQ_INT(t, ev.close_code, 1008);
    ws_pair_deinit(&p);
    ws_pair_init(t, &p, "/sip?x=1", "/sip");
    CHECK_EQ_INT(t, p.g.open, 1);
    ws_pair_deinit(&p);
}

static void ws_plain_http_get(struct rg_t *t)
{
    static const char req[] = "GET /index.html?v=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
    struct rg_sip_stream s;
    struct got g;
    memset(&g, 0, sizeof(g));
    rg_buf_init(&g.tx, 1 << 20);
    struct rg_sip_stream_cfg sc = {.ws = true, .max_http = 64};
    CHECK_OK(t, rg_sip_stream_init(&s, &sc, 0));
    feed(t, &s, req, sizeof(req) - 1, 3, &g);
    CHECK_EQ_INT(t, g.http, 1);
    CHECK_MEM(t, g.last, g.last_len, "/index.html?v=1", 15);
    CHECK_EQ_INT(t, rg_sip_stream_send(&s, "x", 1), RG_ESTATE);
    CHECK_OK(t, rg_sip_stream_http_reply(&s, "HTTP/1.1 404 Not Found\r\n\r\n", 26));
    CHECK_EQ_INT(t, rg_sip_stream_http_reply(&s, "x", 1), RG_ESTATE);
    drain(&s, 0, &g);
    CHECK_STR(t, rg_buf_str(&g.tx), "HTTP/1.1 404 Not Found\r\n\r\n");
    CHECK(t, rg_sip_stream_finished(&s));
    rg_sip_stream_deinit(&s);
    rg_buf_deinit(&g.tx);
}

static struct rg_str file_str(struct rg_t *t, const char *path, char **mem)
{
    size_t n = 0;
    *mem = rg_t_read_file(path, &n);
    CHECK(t, *mem != NULL);
    return rg_str_make(*mem, *mem ? n : 0);
}

/* RFC 4475 §3.1.2.18 (insuf.dat): no Call-ID, From, To; the 400 still
 * echoes what is there (Via, CSeq) so the client can match it. */
static void reply_400_from_torture(struct rg_t *t)
{
    char *mem;
    struct rg_str raw = file_str(t, "tests/vectors/rfc4475/insuf.dat", &mem);
    struct rg_buf out;
    rg_buf_init(&out, 8192);
    CHECK_OK(
        t, rg_sip_reply_bad_request(raw, "Bad Request - Missing Call-ID", RG_STR_LIT("x1"), &out));
    struct rg_str o = rg_buf_str(&out);
    CHECK(t, rg_str_has_prefix(o, "SIP/2.0 400 Bad Request - Missing Call-ID\r\n"));
    CHECK(t, rg_str_find(o, RG_STR_LIT("Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\r\n")) >
                 0);
    CHECK(t, rg_str_find(o, RG_STR_LIT("CSeq: 193942 INVITE\r\n")) > 0);
    CHECK(t, rg_str_find(o, RG_STR_LIT("Content-Type")) < 0);
    CHECK(t, rg_str_has_prefix(rg_str_from(o, o.len - 21), "Content-Length: 0\r\n\r\n"));
    rg_free(mem);
    /* compact names, To without tag gets ours, folded Via kept */
    static const char in[] =
        "OPTIONS sip:x SIP/2.0\r\nv: SIP/2.0/TCP h\r\n ;branch=z9hG4bK9\r\n"
        "t: <sip:x@y>\r\nf: <sip:a@b>;tag=9\r\ni: c1\r\nCSeq: 1 INVITE\r\n\r\n";
    rg_buf_reset(&out);
    CHECK_OK(t, rg_sip_reply_bad_request(rg_str_make(in, sizeof(in) - 1), "Bad Request",
                                         RG_STR_LIT("x2"), &out));
    CHECK_STR(t, rg_buf_str(&out),
              "SIP/2.0 400 Bad Request\r\nv: SIP/2.0/TCP h\r\n ;branch=z9hG4bK9\r\n"
              "t: <sip:x@y>;tag=x2\r\nf: <sip:a@b>;tag=9\r\ni: c1\r\nCSeq: 1 INVITE\r\n"
              "Content-Length: 0\r\n\r\n");
    /* responses and Via-less requests are never answered */
    rg_buf_reset(&out);
    CHECK_EQ_INT(t,
                 rg_sip_reply_bad_request(RG_STR_LIT("SIP/2.0 200 OK\r\nVia: x\r\n\r\n"), "B",
                                          RG_STR_NULL, &out),
                 RG_ENOTFOUND);
    CHECK_EQ_INT(t,
                 rg_sip_reply_bad_request(RG_STR_LIT("OPTIONS sip:x SIP/2.0\r\nTo: x\r\n\r\n"), "B",
                                          RG_STR_NULL, &out),
                 RG_ENOTFOUND);
    CHECK_EQ_INT(t, out.len, 0);
    CHECK_EQ_INT(t,
                 rg_sip_reply_bad_request(RG_STR_LIT("OPTIONS x SIP/2.0\r\nVia: x\r\n"), "a\r\nb",
                                          RG_STR_NULL, &out),
                 RG_EINVAL);
    rg_buf_deinit(&out);
}

static void http_paths(struct rg_t *t)
{
    char p[RG_SIP_HTTP_MAX_PATH];
    CHECK_OK(t, rg_sip_http_map_path(RG_STR_LIT("/"), p, sizeof(p)));
    CHECK(t, strcmp(p, "index.html") == 0);
    CHECK_OK(t, rg_sip_http_map_path(RG_STR_LIT("/?x=/../y"), p, sizeof(p)));
    CHECK(t, strcmp(p, "index.html") == 0);
    CHECK_OK(t, rg_sip_http_map_path(RG_STR_LIT("/js/jssip-3.10.min.js"), p, sizeof(p)));
    CHECK(t, strcmp(p, "js/jssip-3.10.min.js") == 0);
    static const char *const bad[] = {"/../etc/passwd",
                                      "/a/../../b",
                                      "/.git/config",
                                      "//etc",
                                      "/a//b",
                                      "/a/",
                                      "x",
                                      "/%2e%2e/x",
                                      "/a\\b",
                                      ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_EQ_INT(t, rg_sip_http_map_path(rg_str_from_cstr(bad[i]), p, sizeof(p)), RG_ENOTFOUND);
}

static void http_files(struct rg_t *t)
{
    char dir[] = "/tmp/rg_web_XXXXXX";
    REQUIRE(t, mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof(path), "%s/index.html", dir);
    FILE *f = fopen(path, "w");
    REQUIRE(t, f != NULL);
    fputs("<p>hi</p>", f);
    fclose(f);
    struct rg_buf out;
    rg_buf_init(&out, 1 << 16);
    CHECK_OK(t, rg_sip_http_reply(dir, RG_STR_LIT("GET"), RG_STR_LIT("/"), &out));
    CHECK_STR(t, rg_buf_str(&out),
              "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
              "Content-Length: 9\r\nCache-Control: no-cache\r\n"
              "Connection: close\r\n\r\n<p>hi</p>");
    rg_buf_reset(&out);
    CHECK_OK(t, rg_sip_http_reply(dir, RG_STR_LIT("HEAD"), RG_STR_LIT("/index.html"), &out));
    CHECK(t, rg_str_has_prefix(rg_buf_str(&out), "HTTP/1.1 200 OK\r\n"));
    CHECK(t, rg_str_find(rg_buf_str(&out), RG_STR_LIT("<p>")) < 0);
    rg_buf_reset(&out);
    CHECK_OK(t, rg_sip_http_reply(dir, RG_STR_LIT("GET"), RG_STR_LIT("/nope.js"), &out));
    CHECK(t, rg_str_has_prefix(rg_buf_str(&out), "HTTP/1.1 404 Not Found\r\n"));
    rg_buf_reset(&out);
    CHECK_OK(t, rg_sip_http_reply(dir, RG_STR_LIT("POST"), RG_STR_LIT("/"), &out));
    CHECK(t, rg_str_has_prefix(rg_buf_str(&out), "HTTP/1.1 405 Method Not Allowed\r\n"));
    rg_buf_reset(&out);
    CHECK_OK(t, rg_sip_http_reply(NULL, RG_STR_LIT("GET"), RG_STR_LIT("/"), &out));
    CHECK(t, rg_str_has_prefix(rg_buf_str(&out), "HTTP/1.1 404 Not Found\r\n"));
    rg_buf_deinit(&out);
    unlink(path);
    rmdir(dir);
}

static int oom_stream_once(void *arg)
{
    (void)arg;
    struct rg_sip_stream s;
    struct rg_sip_stream_cfg cfg = {0};
    int rc = rg_sip_stream_init(&s, &cfg, 0);
    if (rc != RG_OK)
        return rc;
    int taken = rg_sip_stream_input(&s, 0, k_opt, sizeof(k_opt) - 1);
    rc = taken < 0 ? taken : RG_OK;
    struct rg_sip_stream_ev ev;
    rg_sip_stream_poll(&s, 0, &ev);
    if (rc == RG_OK && taken > 0 && ev.type != RG_SIP_STREAM_EV_MESSAGE)
        rc = RG_EINVAL;
    if (rc == RG_OK)
        rc = rg_sip_stream_send(&s, k_opt, sizeof(k_opt) - 1);
    if (rc == RG_OK) {
        struct rg_buf out;
        rg_buf_init(&out, 4096);
        rc = rg_sip_reply_bad_request(rg_str_make(k_opt, sizeof(k_opt) - 1), "Bad", RG_STR_NULL,
                                      &out);
        rg_buf_deinit(&out);
    }
    rg_sip_stream_deinit(&s);
    return rc;
}

static void oom_stepping(struct rg_t *t)
{
    rg_t_oom_step(t, oom_stream_once, NULL, 100);
}

static const struct rg_test_case cases[] = {
    {"raw_messages_whole_and_bytewise", raw_messages_whole_and_bytewise},
    {"raw_keepalive_ping_pong", raw_keepalive_ping_pong},
    {"raw_missing_content_length", raw_missing_content_length},
    {"raw_limits_and_idle", raw_limits_and_idle},
    {"ws_sip_messages_and_keepalive", ws_sip_messages_and_keepalive},
    {"ws_wrong_path_closed", ws_wrong_path_closed},
    {"ws_plain_http_get", ws_plain_http_get},
    {"reply_400_from_torture", reply_400_from_torture},
    {"http_paths", http_paths},
    {"http_files", http_files},
    {"oom_stepping", oom_stepping},
};

RG_TEST_MAIN(cases)
