/* Unit tests for io/sip_transport on 127.0.0.1 (loopback only): UDP, TCP,
 * TLS and WebSocket listeners, answers on the same flow, 400s that keep the
 * connection, outgoing connections and their reuse, keep-alive, limits. */
#include "harness.h"

#include <errno.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/rng.h"
#include "io/sip_transport.h"
#include "io/udp.h"
#include "proto/dtls/dtls_cert.h"
#include "proto/sip/sip_build.h"
#include "proto/ws/ws_conn.h"

#define OPT(id)                                                                                    \
    "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK" id "\r\n"  \
    "From: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: " id "\r\nCSeq: 1 OPTIONS\r\n"     \
    "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
/* RFC 4475 §3.1.2.18 style: no Call-ID */
#define BAD                                                                                        \
    "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bKbad\r\n"     \
    "From: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\nCSeq: 1 OPTIONS\r\nContent-Length: "        \
    "0\r\n\r\n"

struct env {
    struct rg_loop loop;
    struct rg_sip_tp *tp;
    unsigned rx, closed;
    struct rg_sip_rx last;
    char last_data[2048];
    uint64_t last_closed;
    bool answer;
};

/* Answers every request with 200 built by the SIP codec, on its flow. */
static void on_rx(void *ud, const struct rg_sip_rx *rx)
{
    struct env *e = ud;
    e->rx++;
    e->last = *rx;
    size_t n = rx->data.len < sizeof(e->last_data) - 1 ? rx->data.len : sizeof(e->last_data) - 1;
    memcpy(e->last_data, rx->data.p, n);
    e->last_data[n] = '\0';
    if (!e->answer || !rx->msg->is_request)
        return;
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_msg *r = NULL;
    struct rg_buf out;
    rg_buf_init(&out, 65535);
    if (rg_sip_make_response(rx->msg, &a, 200, RG_STR_LIT("OK"), RG_STR_LIT("t9"), &r) == RG_OK &&
        rg_sip_serialize(r, &out) == RG_OK &&
        rg_sip_tp_send(e->tp, &rx->flow, out.data, out.len) != RG_OK)
        e->answer = false; /* noticed by the test: no answer arrives */
    rg_buf_deinit(&out);
    rg_arena_deinit(&a);
}

static void on_closed(void *ud, uint64_t conn, enum rg_sip_tp_kind kind)
{
    struct env *e = ud;
    (void)kind;
    e->closed++;
    e->last_closed = conn;
}

static void env_init(struct rg_t *t, struct env *e, struct rg_sip_tp_cfg *over)
{
    memset(e, 0, sizeof(*e));
    e->answer = true;
    signal(SIGPIPE, SIG_IGN); /* as rtcgated: OpenSSL writes with write(2) */
    REQUIRE(t, rg_loop_init(&e->loop) == RG_OK);
    struct rg_sip_tp_cfg cfg = over ? *over : (struct rg_sip_tp_cfg){0};
    cfg.loop = &e->loop;
    cfg.rx = on_rx;
    cfg.closed = on_closed;
    cfg.ud = e;
    REQUIRE(t, rg_sip_tp_new(&cfg, &e->tp) == RG_OK);
}

static void env_deinit(struct env *e)
{
    rg_sip_tp_free(e->tp);
    rg_loop_deinit(&e->loop);
}

static int listen_on(struct rg_t *t, struct env *e, enum rg_sip_tp_kind k, SSL_CTX *tls,
                     struct rg_addr *bound)
{
    struct rg_sip_listener_spec spec = {.kind = k, .tls = tls, .zone = "Z1"};
    CHECK_OK(t, rg_addr_parse_ip(RG_STR_LIT("127.0.0.1"), &spec.addr));
    int idx = rg_sip_tp_listen(e->tp, &spec, bound);
    CHECK(t, idx >= 0 && bound->port != 0);
    return idx;
}

static void pump(struct env *e, int ticks)
{
    for (int i = 0; i < ticks; i++)
        if (rg_loop_run_once(&e->loop, 5) != RG_OK)
            break;
}

static int tcp_client(const struct rg_addr *to)
{
    struct sockaddr_storage ss;
    unsigned sl = sizeof(ss);
    if (rg_udp_addr_to_sockaddr(to, (struct sockaddr *)&ss, &sl) != RG_OK)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&ss, sl) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Pumps the loop and reads fd until want appears in what came (or 2 s). */
static bool read_until(struct env *e, int fd, char *buf, size_t cap, size_t *len, const char *want)
{
    for (int i = 0; i < 400; i++) {
        pump(e, 1);
        ssize_t n = recv(fd, buf + *len, cap - 1 - *len, MSG_DONTWAIT);
        if (n > 0)
            *len += (size_t)n;
        buf[*len] = '\0';
        if (strstr(buf, want))
            return true;
        if (n == 0)
            return false;
    }
    return false;
}

static void udp_options_and_400(struct rg_t *t)
{
    struct env e;
    env_init(t, &e, NULL);
    struct rg_addr srv, any, me;
    int idx = listen_on(t, &e, RG_SIP_TP_UDP, NULL, &srv);
    CHECK_OK(t, rg_addr_parse_ip(RG_STR_LIT("127.0.0.1"), &any));
    int fd = rg_udp_open(&any, &me);
    REQUIRE(t, fd >= 0);
    CHECK_OK(t, rg_udp_send(fd, &srv, OPT("u1"), sizeof(OPT("u1")) - 1));
    char buf[4096];
    size_t len = 0;
    CHECK(t, read_until(&e, fd, buf, sizeof(buf), &len, "SIP/2.0 200 OK\r\n"));
    CHECK(t, strstr(buf, "Call-ID: u1\r\n") != NULL);
    CHECK_EQ_INT(t, e.rx, 1);
    CHECK_EQ_INT(t, e.last.kind, RG_SIP_TP_UDP);
    CHECK(t, !e.last.reliable && e.last.flow.conn == 0 && e.last.listener == (unsigned)idx);
    CHECK(t, rg_addr_eq(&e.last.src, &me) && rg_addr_eq(&e.last.local, &srv));
    CHECK(t, strcmp(e.last.zone, "Z1") == 0);
    /* malformed: 400 from the transport, no delivery; keep-alive ignored */
    CHECK_OK(t, rg_udp_send(fd, &srv, "\r\n\r\n", 4));
    CHECK_OK(t, rg_udp_send(fd, &srv, BAD, sizeof(BAD) - 1));
    len = 0;
    CHECK(t, read_until(&e, fd, buf, sizeof(buf), &len, "\r\n\r\n"));
    CHECK(t, strncmp(buf, "SIP/2.0 400 Bad Request - Missing Call-ID\r\n", 43) == 0);
    CHECK(t, strstr(buf, "branch=z9hG4bKbad") != NULL);
    CHECK_EQ_INT(t, e.rx, 1);
    close(fd);
    env_deinit(&e);
}

static void tcp_options_400_keepalive_close(struct rg_t *t)
{
    struct env e;
    env_init(t, &e, NULL);
    struct rg_addr srv;
    listen_on(t, &e, RG_SIP_TP_TCP, NULL, &srv);
    int fd = tcp_client(&srv);
    REQUIRE(t, fd >= 0);
    /* a malformed request, a ping and a good one in one write */
    static const char both[] = BAD "\r\n\r\n" OPT("t1");
    CHECK(t, send(fd, both, sizeof(both) - 1, 0) == (ssize_t)sizeof(both) - 1);
    char buf[8192];
    size_t len = 0;
    CHECK(t, read_until(&e, fd, buf, sizeof(buf), &len, "Call-ID: t1"));
    CHECK(t, strncmp(buf, "SIP/2.0 400 ", 12) == 0);
    char *pong = strstr(buf, "Content-Length: 0\r\n\r\n\r\nSIP/2.0 200 OK\r\n");
    CHECK(t, pong != NULL); /* 400, CRLF pong, 200: in order, same connection */
    CHECK_EQ_INT(t, e.rx, 1);
    CHECK(t, e.last.reliable && e.last.kind == RG_SIP_TP_TCP && e.last.flow.conn != 0);
    CHECK_EQ_INT(t, rg_sip_tp_conn_count(e.tp), 1);
    uint64_t id = e.last.flow.conn;
    close(fd);
    for (int i = 0; i < 200 && !e.closed; i++)
        pump(&e, 1);
    CHECK_EQ_INT(t, e.closed, 1);
    CHECK(t, e.last_closed == id);
    CHECK_EQ_INT(t, rg_sip_tp_conn_count(e.tp), 0);
    struct rg_sip_flow gone = {.conn = id};
    CHECK_EQ_INT(t, rg_sip_tp_send(e.tp, &gone, "x", 1), RG_ENOTFOUND);
    env_deinit(&e);
}

/* No Content-Length on a stream: 400, then the connection is closed. */
static void tcp_unframeable_closes(struct rg_t *t)
{
    struct env e;
    env_init(t, &e, NULL);
    struct rg_addr srv;
    listen_on(t, &e, RG_SIP_TP_TCP, NULL, &srv);
    int fd = tcp_client(&srv);
    REQUIRE(t, fd >= 0);
    static const char in[] = "OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKn\r\n"
                             "Call-ID: n1\r\nCSeq: 1 OPTIONS\r\n\r\n";
    CHECK(t, send(fd, in, sizeof(in) - 1, 0) == (ssize_t)sizeof(in) - 1);
    char buf[4096];
    size_t len = 0;
    CHECK(t, read_until(&e, fd, buf, sizeof(buf), &len, "\r\n\r\n"));
    CHECK(t, strncmp(buf, "SIP/2.0 400 ", 12) == 0);
    CHECK(t, strstr(buf, "Call-ID: n1\r\n") != NULL);
    CHECK(t, !read_until(&e, fd, buf, sizeof(buf), &len, "never")); /* EOF */
    CHECK_EQ_INT(t, e.closed, 1);
    close(fd);
    env_deinit(&e);
}

static void limits_max_conns_and_idle(struct rg_t *t)
{
    struct env e;
    struct rg_sip_tp_cfg cfg = {.max_conns = 2, .idle_us = 300000};
    env_init(t, &e, &cfg);
    struct rg_addr srv;
    listen_on(t, &e, RG_SIP_TP_TCP, NULL, &srv);
    int fds[3];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 3; i++) {
        fds[i] = tcp_client(&srv);
        REQUIRE(t, fds[i] >= 0);
        pump(&e, 3);
    }
    CHECK_EQ_INT(t, rg_sip_tp_conn_count(e.tp), 2);
    char buf[64];
    size_t len = 0;
    CHECK(t, !read_until(&e, fds[2], buf, sizeof(buf), &len, "x")); /* closed at once */
    for (int i = 0; i < 600 && e.closed < 2; i++)
        pump(&e, 1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK_EQ_INT(t, e.closed, 2);
    CHECK(t, s >= 0.29 && s < 3.0); /* not before the idle time, not never */
    CHECK_EQ_INT(t, rg_sip_tp_conn_count(e.tp), 0);
    for (int i = 0; i < 3; i++)
        close(fds[i]);
    env_deinit(&e);
}

/* Outgoing TCP: connect, send, reuse the connection, and requests coming
 * back on it arrive with the same flow. */
static void send_to_tcp_reuses(struct rg_t *t)
{
    struct env e;
    env_init(t, &e, NULL);
    e.answer = false;
    struct rg_addr peer;
    CHECK_OK(t, rg_addr_parse_ip(RG_STR_LIT("127.0.0.1"), &peer));
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sin);
    REQUIRE(t, bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == 0 && listen(lfd, 4) == 0 &&
                   getsockname(lfd, (struct sockaddr *)&sin, &sl) == 0);
    peer.port = ntohs(sin.sin_port);
    struct rg_sip_flow f1, f2;
    CHECK_OK(t,
             rg_sip_tp_send_to(e.tp, RG_SIP_TP_TCP, &peer, OPT("o1"), sizeof(OPT("o1")) - 1, &f1));
    CHECK_OK(t,
             rg_sip_tp_send_to(e.tp, RG_SIP_TP_TCP, &peer, OPT("o2"), sizeof(OPT("o2")) - 1, &f2));
    CHECK(t, f1.conn != 0 && f1.conn == f2.conn);
    CHECK_EQ_INT(t, rg_sip_tp_conn_count(e.tp), 1);
    pump(&e, 3);
    int afd = accept(lfd, NULL, NULL);
    REQUIRE(t, afd >= 0);
    char buf[4096];
    size_t len = 0;
    CHECK(t, read_until(&e, afd, buf, sizeof(buf), &len, "Call-ID: o2"));
    CHECK(t, strstr(buf, "Call-ID: o1") < strstr(buf, "Call-ID: o2"));
    CHECK(t, send(afd, OPT("back"), sizeof(OPT("back")) - 1, 0) > 0);
    for (int i = 0; i < 200 && !e.rx; i++)
        pump(&e, 1);
    CHECK_EQ_INT(t, e.rx, 1);
    CHECK(t, e.last.flow.conn == f1.conn && e.last.listener == RG_SIP_TP_MAX_LISTENERS);
    /* UDP without a UDP listener, and WS by address, are refused */
    CHECK_EQ_INT(t, rg_sip_tp_send_to(e.tp, RG_SIP_TP_UDP, &peer, "x", 1, NULL), RG_ENOTFOUND);
    CHECK_EQ_INT(t, rg_sip_tp_send_to(e.tp, RG_SIP_TP_WS, &peer, "x", 1, NULL), RG_EUNSUPP);
    rg_sip_tp_close(e.tp, f1.conn);
    for (int i = 0; i < 100 && !e.closed; i++)
        pump(&e, 1);
    CHECK_EQ_INT(t, e.closed, 1);
    close(afd);
    close(lfd);
    env_deinit(&e);
}

/* A connect that fails is reported closed. */
static void send_to_refused(struct rg_t *t)
{
    struct env e;
    env_init(t, &e, NULL);
    struct rg_addr peer;
    CHECK_OK(t, rg_addr_parse_ip(RG_STR_LIT("127.0.0.1"), &peer));
    peer.port = 1; /* nothing listens there */
    struct rg_sip_flow f;
    CHECK_OK(t, rg_sip_tp_send_to(e.tp, RG_SIP_TP_TCP, &peer, "x", 1, &f));
    for (int i = 0; i < 200 && !e.closed; i++)
        pump(&e, 1);
    CHECK_EQ_INT(t, e.closed, 1);
    CHECK(t, e.last_closed == f.conn);
    env_deinit(&e);
}

/* A WebSocket client (rg_ws_conn) over a real socket. */
static bool ws_exchange(struct rg_t *t, struct env *e, struct rg_ws_conn *c, int fd,
                        struct rg_ws_event *ev)
{
    char buf[8192];
    for (int i = 0; i < 400; i++) {
        struct rg_str out = rg_ws_conn_poll_transmit(c);
        if (out.len && send(fd, out.p, out.len, 0) == (ssize_t)out.len)
            rg_ws_conn_tx_done(c, out.len);
        pump(e, 1);
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0)
            CHECK_OK(t, rg_ws_conn_handle_input(c, 0, buf, (size_t)n));
        rg_ws_conn_poll_event(c, 0, ev);
        if (ev->type != RG_WS_EV_NONE)
            return true;
    }
    return false;
}

static void ws_options_and_http(struct rg_t *t)
{
    char dir[] = "/tmp/rg_tpweb_XXXXXX";
    REQUIRE(t, mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof(path), "%s/index.html", dir);
    FILE *f = fopen(path, "w");
    REQUIRE(t, f != NULL);
    fputs("<title>rtcgate</title>", f);
    fclose(f);
    struct env e;
    struct rg_sip_tp_cfg cfg = {.web_root = dir};
    env_init(t, &e, &cfg);
    struct rg_addr srv;
    listen_on(t, &e, RG_SIP_TP_WS, NULL, &srv);
    int fd = tcp_client(&srv);
    REQUIRE(t, fd >= 0);
    struct rg_rng_seeded st;
    struct rg_rng rng;
    rg_rng_seeded_init(&st, 3, &rng);
    struct rg_ws_conn c;
    struct rg_ws_conn_cfg cc = {.role = RG_WS_CLIENT,
                                .rng = &rng,
                                .host = RG_STR_LIT("x"),
                                .path = RG_STR_LIT("/anything")};
    REQUIRE(t, rg_ws_conn_init(&c, &cc, 0) == RG_OK);
    struct rg_ws_event ev;
    CHECK(t, ws_exchange(t, &e, &c, fd, &ev) && ev.type == RG_WS_EV_OPEN && ev.sip);
    CHECK_OK(t, rg_ws_conn_send(&c, RG_WS_OP_TEXT, OPT("w1"), sizeof(OPT("w1")) - 1));
    CHECK(t, ws_exchange(t, &e, &c, fd, &ev) && ev.type == RG_WS_EV_MESSAGE);
    CHECK(t, rg_str_has_prefix(ev.data, "SIP/2.0 200 OK\r\n"));
    CHECK_EQ_INT(t, e.last.kind, RG_SIP_TP_WS);
    /* the 400 for a malformed one comes back the same way, connection kept */
    CHECK_OK(t, rg_ws_conn_send(&c, RG_WS_OP_TEXT, BAD, sizeof(BAD) - 1));
    CHECK(t, ws_exchange(t, &e, &c, fd, &ev) && ev.type == RG_WS_EV_MESSAGE);
    CHECK(t, rg_str_has_prefix(ev.data, "SIP/2.0 400 "));
    CHECK_OK(t, rg_ws_conn_send(&c, RG_WS_OP_TEXT, OPT("w2"), sizeof(OPT("w2")) - 1));
    CHECK(t, ws_exchange(t, &e, &c, fd, &ev) && ev.type == RG_WS_EV_MESSAGE);
    CHECK(t, rg_str_find(ev.data, RG_STR_LIT("Call-ID: w2")) > 0);
    rg_ws_conn_deinit(&c);
    close(fd);
    /* plain GET on the same port */
    fd = tcp_client(&srv);
    REQUIRE(t, fd >= 0);
    static const char get[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    CHECK(t, send(fd, get, sizeof(get) - 1, 0) > 0);
    char buf[4096];
    size_t len = 0;
    CHECK(t, read_until(&e, fd, buf, sizeof(buf), &len, "</title>"));
    CHECK(t, strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    close(fd);
    env_deinit(&e);
    unlink(path);
    rmdir(dir);
}

static SSL_CTX *server_ctx(struct rg_t *t)
{
    struct rg_rng_seeded st;
    struct rg_rng rng;
    rg_rng_seeded_init(&st, 5, &rng);
    struct rg_dtls_cert *cert = NULL;
    CHECK_OK(t, rg_dtls_cert_generate(&rng, "rtcgate-test", (int64_t)time(NULL), 2, &cert));
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (cert && ctx) {
        CHECK(t, SSL_CTX_use_certificate(ctx, rg_dtls_cert_x509(cert)) == 1);
        CHECK(t, SSL_CTX_use_PrivateKey(ctx, rg_dtls_cert_pkey(cert)) == 1);
    }
    rg_dtls_cert_free(cert);
    return ctx;
}

static void tls_options(struct rg_t *t)
{
    struct env e;
    env_init(t, &e, NULL);
    SSL_CTX *sctx = server_ctx(t);
    REQUIRE(t, sctx != NULL);
    struct rg_addr srv;
    listen_on(t, &e, RG_SIP_TP_TLS, sctx, &srv);
    SSL_CTX_free(sctx); /* the listener holds its own reference */
    int fd = tcp_client(&srv);
    REQUIRE(t, fd >= 0);
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = SSL_new(cctx);
    SSL_set_fd(ssl, fd);
    struct timeval tv = {0, 5000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int hs = 0;
    for (int i = 0; i < 400 && hs != 1; i++) {
        hs = SSL_connect(ssl);
        pump(&e, 1);
    }
    CHECK_EQ_INT(t, hs, 1);
    CHECK(t, SSL_write(ssl, OPT("s1"), sizeof(OPT("s1")) - 1) > 0);
    char buf[4096];
    int len = 0;
    for (int i = 0; i < 400 && !strstr(buf, "Call-ID: s1"); i++) {
        pump(&e, 1);
        int n = SSL_read(ssl, buf + len, (int)sizeof(buf) - 1 - len);
        if (n > 0)
            len += n;
        buf[len] = '\0';
    }
    CHECK(t, strncmp(buf, "SIP/2.0 200 OK\r\n", 16) == 0);
    CHECK_EQ_INT(t, e.last.kind, RG_SIP_TP_TLS);
    SSL_free(ssl);
    SSL_CTX_free(cctx);
    close(fd);
    env_deinit(&e);
}

/* A TLS client that never sends its ClientHello is dropped after the
 * handshake time, not the (long) idle time. */
static void tls_handshake_timeout(struct rg_t *t)
{
    struct env e;
    struct rg_sip_tp_cfg cfg = {.connect_timeout_us = 1000000};
    env_init(t, &e, &cfg);
    SSL_CTX *sctx = server_ctx(t);
    REQUIRE(t, sctx != NULL);
    struct rg_addr srv;
    listen_on(t, &e, RG_SIP_TP_TLS, sctx, &srv);
    SSL_CTX_free(sctx);
    int fd = tcp_client(&srv);
    REQUIRE(t, fd >= 0);
    for (int i = 0; i < 10; i++)
        pump(&e, 1);
    CHECK_EQ_INT(t, rg_sip_tp_conn_count(e.tp), 1);
    for (int i = 0; i < 800 && !e.closed; i++)
        pump(&e, 1);
    CHECK_EQ_INT(t, e.closed, 1);
    CHECK_EQ_INT(t, rg_sip_tp_conn_count(e.tp), 0);
    close(fd);
    env_deinit(&e);
}

static const struct rg_test_case cases[] = {
    {"tls_handshake_timeout", tls_handshake_timeout},
    {"udp_options_and_400", udp_options_and_400},
    {"tcp_options_400_keepalive_close", tcp_options_400_keepalive_close},
    {"tcp_unframeable_closes", tcp_unframeable_closes},
    {"limits_max_conns_and_idle", limits_max_conns_and_idle},
    {"send_to_tcp_reuses", send_to_tcp_reuses},
    {"send_to_refused", send_to_refused},
    {"ws_options_and_http", ws_options_and_http},
    {"tls_options", tls_options},
};

RG_TEST_MAIN(cases)
