/*
 * sip_transport.c — SIP listeners and connections on an event loop (see
 * sip_transport.h).
 *
 * TLS runs OpenSSL directly over the non-blocking socket (SSL_set_fd):
 * SSL_read/SSL_write/SSL_do_handshake report WANT_READ / WANT_WRITE and the
 * connection waits for that readiness.  Bytes above TLS go through the same
 * struct rg_sip_stream as plain TCP and WebSocket.  Connections live in a
 * doubly linked list (lookup by id or destination is linear: bounded by
 * max_conns).  A connection is destroyed only when no callback of it is
 * running (busy == 0).
 */
#include "io/sip_transport.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "io/sip_reply.h"
#include "io/sip_stream.h"
#include "io/sip_via.h"
#include "io/udp.h"

#define UDP_MAX_DATAGRAM 65535
#define READ_CHUNK 16384
#define MAX_READS_PER_EVENT 16
#define MAX_ACCEPTS_PER_EVENT 64
#define MAX_DATAGRAMS_PER_EVENT 64
#define NO_LISTENER RG_SIP_TP_MAX_LISTENERS

struct listener {
    struct rg_sip_tp *tp;
    enum rg_sip_tp_kind kind;
    int fd;
    unsigned idx;
    struct rg_addr addr;
    char ws_path[256];
    char zone[32];
    SSL_CTX *tls;
};

struct conn {
    struct conn *next, *prev;
    struct rg_sip_tp *tp;
    uint64_t id;
    int fd;
    enum rg_sip_tp_kind kind;
    unsigned listener;
    struct rg_addr peer, local;
    SSL *ssl;
    bool handshaking, connecting, ssl_want_write, dead;
    int busy;
    unsigned mask;
    int64_t connect_deadline_us;
    struct rg_sip_stream st;
    struct rg_loop_timer timer;
};

struct rg_sip_tp {
    struct rg_sip_tp_cfg cfg;
    char *web_root;
    struct listener l[RG_SIP_TP_MAX_LISTENERS];
    unsigned nl;
    struct conn *conns;
    size_t nconns;
    uint64_t next_id;
    unsigned tag_seq;
    SSL_CTX *client_ctx;
    char *udp_buf;
    struct rg_buf scratch;
    struct rg_arena arena;
};

const char *rg_sip_tp_name(enum rg_sip_tp_kind k)
{
    static const char *const names[RG_SIP_TP_COUNT] = {"UDP", "TCP", "TLS", "WS", "WSS"};
    return (unsigned)k < RG_SIP_TP_COUNT ? names[k] : "?";
}

bool rg_sip_tp_reliable(enum rg_sip_tp_kind k)
{
    return k != RG_SIP_TP_UDP;
}

static bool kind_tls(enum rg_sip_tp_kind k)
{
    return k == RG_SIP_TP_TLS || k == RG_SIP_TP_WSS;
}

static bool kind_ws(enum rg_sip_tp_kind k)
{
    return k == RG_SIP_TP_WS || k == RG_SIP_TP_WSS;
}

int rg_sip_tp_new(const struct rg_sip_tp_cfg *cfg, struct rg_sip_tp **out)
{
    if (!cfg || !cfg->loop || !cfg->rx)
        return RG_EINVAL;
    struct rg_sip_tp *tp = rg_calloc(1, sizeof(*tp));
    if (!tp)
        return RG_ENOMEM;
    tp->cfg = *cfg;
    if (tp->cfg.lim.max_msg_bytes == 0)
        tp->cfg.lim = RG_SIP_LIMITS_DEFAULT;
    if (tp->cfg.max_conns == 0)
        tp->cfg.max_conns = RG_SIP_TP_MAX_CONNS_DEFAULT;
    if (tp->cfg.connect_timeout_us <= 0)
        tp->cfg.connect_timeout_us = 10LL * 1000000LL;
    tp->next_id = 1;
    rg_buf_init(&tp->scratch, RG_SIP_HTTP_MAX_FILE + 4096);
    rg_arena_init(&tp->arena, 16384, 4 * tp->cfg.lim.max_msg_bytes + 65536);
    tp->udp_buf = rg_malloc(UDP_MAX_DATAGRAM + 1);
    size_t wl = cfg->web_root ? strlen(cfg->web_root) : 0;
    tp->web_root = cfg->web_root ? rg_malloc(wl + 1) : NULL;
    int rc = tp->udp_buf && (!cfg->web_root || tp->web_root) ? RG_OK : RG_ENOMEM;
    if (tp->web_root)
        memcpy(tp->web_root, cfg->web_root, wl + 1);
    tp->cfg.web_root = tp->web_root;
    tp->client_ctx = cfg->tls_client;
    if (rc == RG_OK && tp->client_ctx && SSL_CTX_up_ref(tp->client_ctx) != 1)
        tp->client_ctx = NULL;
    if (rc == RG_OK && !tp->client_ctx) {
        /* Outgoing TLS without a configured context: TLS 1.2+ and no peer
         * verification (trunk certificates are not configurable yet). */
        tp->client_ctx = SSL_CTX_new(TLS_client_method());
        if (!tp->client_ctx || SSL_CTX_set_min_proto_version(tp->client_ctx, TLS1_2_VERSION) != 1)
            rc = RG_ECRYPTO;
    }
    if (rc != RG_OK) {
        rg_sip_tp_free(tp);
        return rc;
    }
    *out = tp;
    return RG_OK;
}

static void conn_destroy(struct conn *c, bool notify);

void rg_sip_tp_free(struct rg_sip_tp *tp)
{
    if (!tp)
        return;
    while (tp->conns)
        conn_destroy(tp->conns, false);
    for (unsigned i = 0; i < tp->nl; i++) {
        rg_loop_del_fd(tp->cfg.loop, tp->l[i].fd);
        close(tp->l[i].fd);
        SSL_CTX_free(tp->l[i].tls);
    }
    SSL_CTX_free(tp->client_ctx);
    rg_buf_deinit(&tp->scratch);
    rg_arena_deinit(&tp->arena);
    rg_free(tp->udp_buf);
    rg_free(tp->web_root);
    rg_free(tp);
}

size_t rg_sip_tp_conn_count(const struct rg_sip_tp *tp)
{
    return tp->nconns;
}

/* ---- receiving ---- */

/* RFC 3261 §21.4.1: a request the codec refused gets a 400 on its flow
 * (or the codec's own status: 505 for another SIP version, §21.5.6). */
static void reply_400(struct rg_sip_tp *tp, const struct rg_sip_flow *flow, struct rg_str data,
                      unsigned status, const char *phrase)
{
    char tag[24];
    int tl = snprintf(tag, sizeof(tag), "rg400-%x", ++tp->tag_seq);
    rg_buf_reset(&tp->scratch);
    if (status < 400 || status > 699 || !phrase)
        status = 400;
    if (rg_sip_reply_refused(data, status, phrase ? phrase : "Bad Request",
                             rg_str_make(tag, (size_t)tl), &tp->scratch) != RG_OK)
        return;
    int rc = rg_sip_tp_send(tp, flow, tp->scratch.data, tp->scratch.len);
    if (rc != RG_OK)
        RG_LOG(tp->cfg.log, RG_LOG_INFO, sip, NULL, "400 not sent: %s", rg_strerror(rc));
}

static void deliver(struct rg_sip_tp *tp, struct rg_sip_rx *rx)
{
    struct rg_sip_msg *m = NULL;
    struct rg_sip_error err = {0};
    rg_arena_reset(&tp->arena);
    int rc = rg_sip_parse(rx->data.p, rx->data.len, &tp->cfg.lim, &tp->arena, &m, &err);
    /* RFC 3261 §18.2.1, RFC 3581 §4: received= / rport= on the top Via;
     * a stamp that could not be added leaves the message as it was. */
    if (rc == RG_OK && m->is_request &&
        rg_sip_via_stamp(m, &tp->arena, &rx->src, NULL) == RG_EBADMSG)
        rc = RG_ENOMEM; /* re-indexing failed: never delivered */
    if (rc == RG_OK) {
        rx->msg = m;
        tp->cfg.rx(tp->cfg.ud, rx);
    } else if (rc == RG_EBADMSG) {
        char a[RG_ADDR_STRLEN] = "?";
        (void)rg_addr_format(&rx->src, a, sizeof(a));
        RG_LOG(tp->cfg.log, RG_LOG_INFO, sip, NULL, "malformed message from %s/%s: %s", a,
               rg_sip_tp_name(rx->kind), err.phrase ? err.phrase : "?");
        reply_400(tp, &rx->flow, rx->data, err.status, err.phrase);
    }
    rg_arena_reset(&tp->arena);
}

static bool only_crlf(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != '\r' && p[i] != '\n')
            return false;
    return true;
}

static void on_udp(struct rg_loop *loop, int fd, unsigned events, void *ud)
{
    (void)loop;
    (void)events;
    struct listener *l = ud;
    struct rg_sip_tp *tp = l->tp;
    for (int i = 0; i < MAX_DATAGRAMS_PER_EVENT; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        ssize_t n =
            recvfrom(fd, tp->udp_buf, UDP_MAX_DATAGRAM, MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
        if (n < 0)
            break; /* EAGAIN, or an ICMP error reported on the socket */
        struct rg_sip_rx rx = {
            .kind = RG_SIP_TP_UDP, .local = l->addr, .listener = l->idx, .zone = l->zone};
        if (rg_udp_addr_from_sockaddr((struct sockaddr *)&ss, &rx.src) != RG_OK)
            continue;
        if (n == 0 || only_crlf(tp->udp_buf, (size_t)n))
            continue; /* keep-alive (RFC 5626 §3.5.1 allows CRLF on UDP too) */
        rx.data = rg_str_make(tp->udp_buf, (size_t)n);
        rx.flow = (struct rg_sip_flow){.conn = 0, .listener = l->idx, .peer = rx.src};
        deliver(tp, &rx);
    }
}

/* ---- connections ---- */

static struct conn *conn_find(struct rg_sip_tp *tp, uint64_t id)
{
    for (struct conn *c = tp->conns; c; c = c->next)
        if (c->id == id)
            return c;
    return NULL;
}

static void conn_destroy(struct conn *c, bool notify)
{
    struct rg_sip_tp *tp = c->tp;
    rg_loop_timer_stop(tp->cfg.loop, &c->timer);
    rg_loop_del_fd(tp->cfg.loop, c->fd);
    if (c->ssl) {
        if (!c->handshaking && !c->dead)
            (void)SSL_shutdown(c->ssl); /* close_notify, best effort */
        SSL_free(c->ssl);
    }
    close(c->fd);
    rg_sip_stream_deinit(&c->st);
    if (c->prev)
        c->prev->next = c->next;
    else
        tp->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    tp->nconns--;
    uint64_t id = c->id;
    enum rg_sip_tp_kind kind = c->kind;
    rg_free(c);
    if (notify && tp->cfg.closed)
        tp->cfg.closed(tp->cfg.ud, id, kind);
}

static void ssl_log(struct conn *c, const char *what)
{
    char buf[160];
    unsigned long e = ERR_get_error();
    ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    RG_LOG(c->tp->cfg.log, RG_LOG_INFO, io, NULL, "SIP %s connection %llu: %s: %s",
           rg_sip_tp_name(c->kind), (unsigned long long)c->id, what, e ? buf : "closed");
}

/* One TLS handshake step.  false when the connection failed. */
static bool tls_step(struct conn *c)
{
    ERR_clear_error();
    int r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        c->handshaking = false;
        c->ssl_want_write = false;
        return true;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        c->ssl_want_write = e == SSL_ERROR_WANT_WRITE;
        return true;
    }
    ssl_log(c, "TLS handshake failed");
    return false;
}

/* Writes queued bytes until the socket would block. */
static void conn_flush(struct conn *c)
{
    if (c->dead || c->connecting || c->handshaking)
        return;
    for (;;) {
        struct rg_str tx = rg_sip_stream_tx(&c->st);
        if (tx.len == 0)
            return;
        ssize_t w;
        if (c->ssl) {
            ERR_clear_error();
            int r = SSL_write(c->ssl, tx.p, tx.len > INT32_MAX ? INT32_MAX : (int)tx.len);
            int e = r > 0 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
            c->ssl_want_write = e == SSL_ERROR_WANT_WRITE;
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                return;
            if (r <= 0) {
                ssl_log(c, "TLS write failed");
                c->dead = true;
                return;
            }
            w = r;
        } else {
            w = send(c->fd, tx.p, tx.len, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                return;
            if (w < 0) {
                c->dead = true;
                return;
            }
        }
        rg_sip_stream_tx_done(&c->st, (size_t)w);
    }
}

static void conn_http(struct conn *c, const struct rg_sip_stream_ev *ev)
{
    struct rg_sip_tp *tp = c->tp;
    rg_buf_reset(&tp->scratch);
    int rc = rg_sip_http_reply(tp->web_root, ev->method, ev->target, &tp->scratch);
    if (rc == RG_OK)
        rc = rg_sip_stream_http_reply(&c->st, tp->scratch.data, tp->scratch.len);
    RG_LOG(tp->cfg.log, RG_LOG_INFO, io, NULL, "HTTP %.*s %.*s: %s", (int)ev->method.len,
           ev->method.p, (int)ev->target.len, ev->target.p, rc == RG_OK ? "answered" : "dropped");
    if (rc != RG_OK)
        rg_sip_stream_close(&c->st, rg_loop_now_us(tp->cfg.loop));
}

/* Handles every event the stream has; stops early when c died. */
static void conn_events(struct conn *c)
{
    struct rg_sip_tp *tp = c->tp;
    for (int guard = 0; guard < 100000 && !c->dead; guard++) {
        struct rg_sip_stream_ev ev;
        rg_sip_stream_poll(&c->st, rg_loop_now_us(tp->cfg.loop), &ev);
        struct rg_sip_rx rx = {
            .data = ev.data,
            .kind = c->kind,
            .reliable = true,
            .flow = {.conn = c->id, .listener = c->listener, .peer = c->peer},
            .src = c->peer,
            .local = c->local,
            .listener = c->listener,
            .zone = c->listener < tp->nl ? tp->l[c->listener].zone : "",
        };
        switch (ev.type) {
        case RG_SIP_STREAM_EV_NONE:
            return;
        case RG_SIP_STREAM_EV_MESSAGE:
            deliver(tp, &rx);
            break;
        case RG_SIP_STREAM_EV_BADFRAME:
            RG_LOG(tp->cfg.log, RG_LOG_INFO, sip, NULL, "connection %llu: %s",
                   (unsigned long long)c->id, ev.why);
            reply_400(tp, &rx.flow, ev.data, 400, ev.why);
            break;
        case RG_SIP_STREAM_EV_HTTP:
            conn_http(c, &ev);
            break;
        case RG_SIP_STREAM_EV_OPEN:
        case RG_SIP_STREAM_EV_CLOSED:
            RG_LOG(tp->cfg.log, RG_LOG_DEBUG, io, NULL, "connection %llu: %s",
                   (unsigned long long)c->id, ev.type == RG_SIP_STREAM_EV_OPEN ? "open" : ev.why);
            break;
        }
    }
}

/* Hands n received bytes to the stream, handling events as room frees up. */
static void conn_feed(struct conn *c, const char *p, size_t n)
{
    int64_t now = rg_loop_now_us(c->tp->cfg.loop);
    size_t off = 0;
    bool stalled = false;
    while (off < n && !c->dead) {
        int t = rg_sip_stream_input(&c->st, now, p + off, n - off);
        if (t < 0 || (t == 0 && stalled)) {
            c->dead = true; /* out of memory, or a buffer that never drains */
            return;
        }
        stalled = t == 0;
        off += (size_t)t;
        conn_events(c);
    }
}

/* Reads what the socket has (bounded per event for fairness). */
static void conn_read(struct conn *c)
{
    char buf[READ_CHUNK];
    for (int i = 0; i < MAX_READS_PER_EVENT && !c->dead; i++) {
        ssize_t n;
        if (c->ssl) {
            ERR_clear_error();
            int r = SSL_read(c->ssl, buf, sizeof(buf));
            int e = r > 0 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ)
                return;
            if (e == SSL_ERROR_WANT_WRITE) {
                c->ssl_want_write = true;
                return;
            }
            if (r <= 0) {
                if (e != SSL_ERROR_ZERO_RETURN)
                    ssl_log(c, "TLS read failed");
                c->dead = true;
                return;
            }
            n = r;
        } else {
            n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                return;
            if (n <= 0) {
                c->dead = true; /* peer closed, or reset */
                return;
            }
        }
        conn_feed(c, buf, (size_t)n);
    }
}

static void on_conn_timer(struct rg_loop *loop, void *ud);

/* After any activity: destroy, or re-arm readiness and the timer. */
static void conn_settle(struct conn *c)
{
    if (c->busy)
        return;
    if (!c->dead)
        conn_flush(c);
    bool empty = rg_sip_stream_tx(&c->st).len == 0;
    if (c->dead || (rg_sip_stream_finished(&c->st) && empty && !c->connecting)) {
        conn_destroy(c, true);
        return;
    }
    struct rg_loop *loop = c->tp->cfg.loop;
    unsigned mask = RG_LOOP_IN;
    if (c->connecting || c->ssl_want_write || (!c->handshaking && !empty))
        mask |= RG_LOOP_OUT;
    if (mask != c->mask && rg_loop_mod_fd(loop, c->fd, mask) == RG_OK)
        c->mask = mask;
    int64_t when = rg_sip_stream_timeout(&c->st);
    if ((c->connecting || c->handshaking) && c->connect_deadline_us < when)
        when = c->connect_deadline_us;
    if (rg_sip_stream_finished(&c->st)) /* flushing: bounded by the idle time */
        when = rg_loop_now_us(loop) + c->tp->cfg.connect_timeout_us;
    if (when != INT64_MAX && (c->timer.idx == 0 || c->timer.when_us != when))
        if (rg_loop_timer_start(loop, &c->timer, when, on_conn_timer, c) != RG_OK)
            c->dead = true; /* no timer means no idle limit: do not keep it */
}

static void conn_io(struct conn *c, unsigned events)
{
    if (c->connecting) {
        int err = 0;
        socklen_t el = sizeof(err);
        if (!(events & (RG_LOOP_OUT | RG_LOOP_ERR)))
            return;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
            RG_LOG(c->tp->cfg.log, RG_LOG_INFO, io, NULL, "SIP %s connect failed: %s",
                   rg_sip_tp_name(c->kind), strerror(err));
            c->dead = true;
            return;
        }
        c->connecting = false;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) == 0)
            (void)rg_udp_addr_from_sockaddr((struct sockaddr *)&ss, &c->local);
    }
    if (c->handshaking && !tls_step(c)) {
        c->dead = true;
        return;
    }
    if (!c->handshaking)
        conn_read(c);
}

static void on_conn_fd(struct rg_loop *loop, int fd, unsigned events, void *ud)
{
    (void)loop;
    (void)fd;
    struct conn *c = ud;
    c->busy++;
    conn_io(c, events);
    c->busy--;
    conn_settle(c);
}

static void on_conn_timer(struct rg_loop *loop, void *ud)
{
    struct conn *c = ud;
    int64_t now = rg_loop_now_us(loop);
    c->busy++;
    if ((c->connecting || c->handshaking) && now >= c->connect_deadline_us)
        c->dead = true; /* connect or TLS handshake took too long */
    if (rg_sip_stream_finished(&c->st) && rg_sip_stream_tx(&c->st).len)
        c->dead = true; /* the peer stopped reading what we still had to send */
    rg_sip_stream_handle_timeout(&c->st, now);
    conn_events(c);
    c->busy--;
    conn_settle(c);
}

/* Takes fd (closes it on failure). */
static struct conn *conn_new(struct rg_sip_tp *tp, int fd, enum rg_sip_tp_kind kind,
                             unsigned listener, SSL_CTX *ctx, bool client)
{
    struct conn *c = rg_calloc(1, sizeof(*c));
    const struct listener *l = listener < tp->nl ? &tp->l[listener] : NULL;
    struct rg_sip_stream_cfg sc = {
        .ws = kind_ws(kind),
        .lim = tp->cfg.lim,
        .max_out = tp->cfg.max_out,
        .idle_us = tp->cfg.idle_us,
        .max_http = RG_SIP_HTTP_MAX_FILE + 1024,
        .ws_path = l ? l->ws_path : NULL,
        .log = tp->cfg.log,
    };
    int64_t now = rg_loop_now_us(tp->cfg.loop);
    if (!c || rg_sip_stream_init(&c->st, &sc, now) != RG_OK) {
        rg_free(c);
        close(fd);
        return NULL;
    }
    c->tp = tp;
    c->fd = fd;
    c->kind = kind;
    c->listener = listener;
    c->id = tp->next_id++;
    c->mask = RG_LOOP_IN;
    c->connect_deadline_us = now + tp->cfg.connect_timeout_us;
    bool ok = true;
    if (kind_tls(kind)) {
        c->ssl = SSL_new(ctx);
        ok = c->ssl && SSL_set_fd(c->ssl, fd) == 1;
        if (ok) {
            SSL_set_mode(c->ssl,
                         SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
            if (client)
                SSL_set_connect_state(c->ssl);
            else
                SSL_set_accept_state(c->ssl);
            c->handshaking = true;
        }
    }
    if (ok)
        ok = rg_loop_add_fd(tp->cfg.loop, fd, RG_LOOP_IN, on_conn_fd, c) == RG_OK;
    if (!ok) {
        SSL_free(c->ssl);
        rg_sip_stream_deinit(&c->st);
        rg_free(c);
        close(fd);
        return NULL;
    }
    c->next = tp->conns;
    if (tp->conns)
        tp->conns->prev = c;
    tp->conns = c;
    tp->nconns++;
    return c;
}

/* SIP messages are small writes that wait for an answer: without
 * TCP_NODELAY a 200 queued behind an unacknowledged 180 waits for the
 * peer's delayed ACK (Nagle, RFC 896 / RFC 1122 §4.2.3.4): ~40 ms. */
static void no_delay(int fd)
{
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void on_accept(struct rg_loop *loop, int fd, unsigned events, void *ud)
{
    (void)loop;
    (void)events;
    struct listener *l = ud;
    struct rg_sip_tp *tp = l->tp;
    for (int i = 0; i < MAX_ACCEPTS_PER_EVENT; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0)
            return;
        if (tp->nconns >= tp->cfg.max_conns) {
            RG_LOG(tp->cfg.log, RG_LOG_WARN, io, NULL, "SIP %s: %zu connections, refusing",
                   rg_sip_tp_name(l->kind), tp->nconns);
            close(cfd);
            continue;
        }
        no_delay(cfd);
        struct conn *c = conn_new(tp, cfd, l->kind, l->idx, l->tls, false);
        if (!c)
            continue;
        (void)rg_udp_addr_from_sockaddr((struct sockaddr *)&ss, &c->peer);
        c->local = l->addr;
        conn_settle(c);
    }
}

/* ---- listeners ---- */

static int open_socket(const struct rg_addr *a, int type, bool bind_it, struct rg_addr *bound)
{
    struct sockaddr_storage ss;
    unsigned sl = sizeof(ss);
    if (rg_udp_addr_to_sockaddr(a, (struct sockaddr *)&ss, &sl) != RG_OK)
        return RG_EINVAL;
    int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return RG_EIO;
    int one = 1;
    if (!bind_it)
        return fd;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ss.ss_family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    socklen_t bl = sizeof(ss);
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 ||
        (type == SOCK_STREAM && listen(fd, 128) != 0) ||
        getsockname(fd, (struct sockaddr *)&ss, &bl) != 0 ||
        rg_udp_addr_from_sockaddr((struct sockaddr *)&ss, bound) != RG_OK) {
        close(fd);
        return RG_EIO;
    }
    return fd;
}

int rg_sip_tp_listen(struct rg_sip_tp *tp, const struct rg_sip_listener_spec *spec,
                     struct rg_addr *bound)
{
    if (!spec || (unsigned)spec->kind >= RG_SIP_TP_COUNT || (kind_tls(spec->kind) && !spec->tls))
        return RG_EINVAL;
    if (tp->nl >= RG_SIP_TP_MAX_LISTENERS)
        return RG_ELIMIT;
    struct listener *l = &tp->l[tp->nl];
    memset(l, 0, sizeof(*l));
    if ((spec->ws_path && rg_str_copy_cstr(rg_str_from_cstr(spec->ws_path), l->ws_path,
                                           sizeof(l->ws_path)) != RG_OK) ||
        (spec->zone &&
         rg_str_copy_cstr(rg_str_from_cstr(spec->zone), l->zone, sizeof(l->zone)) != RG_OK))
        return RG_EINVAL;
    bool udp = spec->kind == RG_SIP_TP_UDP;
    int fd = open_socket(&spec->addr, udp ? SOCK_DGRAM : SOCK_STREAM, true, &l->addr);
    if (fd < 0)
        return fd;
    l->tp = tp;
    l->kind = spec->kind;
    l->fd = fd;
    l->idx = tp->nl;
    int rc = rg_loop_add_fd(tp->cfg.loop, fd, RG_LOOP_IN, udp ? on_udp : on_accept, l);
    if (rc == RG_OK && spec->tls && SSL_CTX_up_ref(spec->tls) != 1)
        rc = RG_ECRYPTO;
    if (rc != RG_OK) {
        rg_loop_del_fd(tp->cfg.loop, fd);
        close(fd);
        return rc;
    }
    l->tls = spec->tls;
    if (bound)
        *bound = l->addr;
    char a[RG_ADDR_STRLEN] = "?";
    (void)rg_addr_format(&l->addr, a, sizeof(a));
    RG_LOG(tp->cfg.log, RG_LOG_NOTICE, io, NULL, "SIP %s listening on %s%s%s",
           rg_sip_tp_name(l->kind), a, l->zone[0] ? " zone " : "", l->zone);
    return (int)tp->nl++;
}

/* ---- sending ---- */

static int udp_send(int fd, const struct rg_addr *dst, const void *p, size_t n)
{
    struct sockaddr_storage ss;
    unsigned sl = sizeof(ss);
    if (n > 65507)
        return RG_ELIMIT;
    if (rg_udp_addr_to_sockaddr(dst, (struct sockaddr *)&ss, &sl) != RG_OK)
        return RG_EINVAL;
    ssize_t w = sendto(fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&ss, sl);
    if (w < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK ? RG_EAGAIN : RG_EIO;
    return RG_OK;
}

static int conn_send(struct conn *c, const void *p, size_t n)
{
    if (c->dead)
        return RG_ENOTFOUND;
    int rc = rg_sip_stream_send(&c->st, p, n);
    if (rc == RG_ESTATE)
        return RG_ENOTFOUND; /* closing, or a WebSocket not open yet */
    if (rc == RG_OK)
        conn_settle(c);
    return rc;
}

int rg_sip_tp_send(struct rg_sip_tp *tp, const struct rg_sip_flow *flow, const void *p, size_t n)
{
    if (!flow)
        return RG_EINVAL;
    if (flow->conn == 0) {
        if (flow->listener >= tp->nl || tp->l[flow->listener].kind != RG_SIP_TP_UDP)
            return RG_ENOTFOUND;
        return udp_send(tp->l[flow->listener].fd, &flow->peer, p, n);
    }
    struct conn *c = conn_find(tp, flow->conn);
    return c ? conn_send(c, p, n) : RG_ENOTFOUND;
}

/* Opens an outgoing TCP/TLS connection to dst. */
static int conn_connect(struct rg_sip_tp *tp, enum rg_sip_tp_kind kind, const struct rg_addr *dst,
                        struct conn **out)
{
    if (tp->nconns >= tp->cfg.max_conns)
        return RG_ELIMIT;
    int fd = open_socket(dst, SOCK_STREAM, false, NULL);
    if (fd < 0)
        return fd;
    no_delay(fd);
    struct sockaddr_storage ss;
    unsigned sl = sizeof(ss);
    (void)rg_udp_addr_to_sockaddr(dst, (struct sockaddr *)&ss, &sl);
    if (connect(fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS) {
        close(fd);
        return RG_EIO;
    }
    struct conn *c = conn_new(tp, fd, kind, NO_LISTENER, tp->client_ctx, true);
    if (!c)
        return RG_ENOMEM;
    c->peer = *dst;
    c->connecting = true;
    *out = c;
    return RG_OK;
}

int rg_sip_tp_send_to(struct rg_sip_tp *tp, enum rg_sip_tp_kind kind, const struct rg_addr *dst,
                      const void *p, size_t n, struct rg_sip_flow *flow)
{
    if (!dst || (unsigned)kind >= RG_SIP_TP_COUNT)
        return RG_EINVAL;
    if (kind_ws(kind))
        return RG_EUNSUPP;
    struct rg_sip_flow f = {.peer = *dst, .listener = NO_LISTENER};
    if (kind == RG_SIP_TP_UDP) {
        unsigned i = 0;
        while (i < tp->nl &&
               (tp->l[i].kind != RG_SIP_TP_UDP || tp->l[i].addr.family != dst->family))
            i++;
        if (i == tp->nl)
            return RG_ENOTFOUND;
        f.listener = i;
        int rc = udp_send(tp->l[i].fd, dst, p, n);
        if (rc == RG_OK && flow)
            *flow = f;
        return rc;
    }
    struct conn *c = tp->conns;
    while (c && (c->kind != kind || c->dead || !rg_addr_eq(&c->peer, dst) ||
                 rg_sip_stream_finished(&c->st)))
        c = c->next;
    int rc = c ? RG_OK : conn_connect(tp, kind, dst, &c);
    if (rc != RG_OK)
        return rc;
    f.conn = c->id;
    f.listener = c->listener;
    rc = conn_send(c, p, n);
    if (rc == RG_OK && flow)
        *flow = f;
    return rc;
}

void rg_sip_tp_close(struct rg_sip_tp *tp, uint64_t conn)
{
    struct conn *c = conn_find(tp, conn);
    if (!c)
        return;
    rg_sip_stream_close(&c->st, rg_loop_now_us(tp->cfg.loop));
    conn_settle(c);
}
