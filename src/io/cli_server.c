/*
 * cli_server.c — the CLI socket (see cli_server.h).
 */
#include "io/cli_server.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "ctl/cli.h"
#include "ctl/cmd.h"

#define OUT_MAX (64u << 20)

struct rg_cli_conn {
    struct rg_cli_server *srv;
    int fd;
    int slot;
    struct rg_cli cli;
    char in[RG_CMD_MAX_LINE + 8];
    size_t inlen;
    struct rg_buf out;
    size_t out_off;
    bool closing; /* close once out is written */
};

static void conn_close(struct rg_cli_conn *c)
{
    rg_loop_del_fd(c->srv->loop, c->fd);
    close(c->fd);
    c->srv->conns[c->slot] = NULL;
    rg_cli_deinit(&c->cli);
    rg_buf_deinit(&c->out);
    rg_free(c);
}

/* Frames one response: header, body, next prompt. */
static int respond(struct rg_cli_conn *c, int status, const struct rg_buf *body)
{
    char prompt[64];
    size_t plen = rg_cli_prompt(&c->cli, prompt, sizeof(prompt));
    int rc = rg_buf_appendf(&c->out, "R %d %zu %zu\n", status, body->len, plen);
    if (rc == RG_OK && body->len)
        rc = rg_buf_append(&c->out, body->data, body->len);
    if (rc == RG_OK)
        rc = rg_buf_append(&c->out, prompt, plen);
    return rc;
}

static int handle(struct rg_cli_conn *c, struct rg_str req)
{
    struct rg_buf body;
    rg_buf_init(&body, OUT_MAX - 128);
    int st;
    char op = req.len ? req.p[0] : 'x';
    struct rg_str line = rg_str_from(req, 2);
    if (op == 'c')
        st = rg_cli_complete(&c->cli, line, &body);
    else if (op == 'h')
        st = rg_cli_help(&c->cli, line, &body);
    else
        st = rg_cli_exec(&c->cli, line, (int64_t)time(NULL), &body);
    if (st < 0) {
        rg_buf_reset(&body);
        if (rg_buf_appendf(&body, "Error: %s\n", rg_strerror(st)) != RG_OK)
            st = RG_ENOMEM;
        st = RG_CLI_ERROR;
    }
    if (op == 'x' && st == RG_CLI_CLOSED)
        c->closing = true;
    int rc = respond(c, st, &body);
    rg_buf_deinit(&body);
    return rc;
}

/* Runs every complete request line in c->in (one at a time while output is
 * pending, so a slow reader cannot make the daemon buffer without bound). */
static bool process_lines(struct rg_cli_conn *c)
{
    while (!c->closing && c->out.len == 0) {
        char *nl = memchr(c->in, '\n', c->inlen);
        if (!nl)
            return c->inlen < sizeof(c->in);
        size_t n = (size_t)(nl - c->in);
        if (handle(c, rg_str_make(c->in, n)) != RG_OK)
            return false;
        memmove(c->in, nl + 1, c->inlen - n - 1);
        c->inlen -= n + 1;
    }
    return true;
}

static bool process_lines(struct rg_cli_conn *c);

/* Writes pending output; when it is all written, runs the next buffered
 * request.  May close (and free) c. */
static void flush_out(struct rg_cli_conn *c)
{
    for (;;) {
        while (c->out_off < c->out.len) {
            ssize_t w = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
                             MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            if (w <= 0) {
                conn_close(c);
                return;
            }
            c->out_off += (size_t)w;
        }
        if (c->out_off < c->out.len)
            break;
        rg_buf_reset(&c->out);
        c->out_off = 0;
        if (c->closing) {
            conn_close(c);
            return;
        }
        if (!process_lines(c)) {
            conn_close(c);
            return;
        }
        if (c->out.len == 0)
            break;
    }
    unsigned ev = c->out.len ? RG_LOOP_OUT : RG_LOOP_IN;
    if (rg_loop_mod_fd(c->srv->loop, c->fd, ev) != RG_OK)
        conn_close(c);
}

static void on_conn(struct rg_loop *loop, int fd, unsigned events, void *ud)
{
    struct rg_cli_conn *c = ud;
    (void)loop;
    (void)fd;
    if (events & RG_LOOP_IN) {
        ssize_t r = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
            conn_close(c);
            return;
        }
        if (r > 0)
            c->inlen += (size_t)r;
    } else if (events & RG_LOOP_ERR && !(events & RG_LOOP_OUT)) {
        conn_close(c);
        return;
    }
    flush_out(c);
}

static void on_accept(struct rg_loop *loop, int fd, unsigned events, void *ud)
{
    struct rg_cli_server *s = ud;
    (void)events;
    int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0)
        return;
    int slot = -1;
    for (int i = 0; i < RG_CLI_MAX_CONNS && slot < 0; i++)
        slot = s->conns[i] ? -1 : i;
    struct rg_cli_conn *c = slot >= 0 ? rg_calloc(1, sizeof(*c)) : NULL;
    if (!c) {
        close(cfd);
        return;
    }
    c->srv = s;
    c->fd = cfd;
    c->slot = slot;
    rg_cli_init(&c->cli, s->ctl);
    rg_buf_init(&c->out, OUT_MAX);
    s->conns[slot] = c;
    struct rg_buf empty;
    rg_buf_init(&empty, 0);
    if (rg_loop_add_fd(loop, cfd, RG_LOOP_IN, on_conn, c) != RG_OK ||
        respond(c, RG_CLI_OK, &empty) != RG_OK) {
        conn_close(c);
        return;
    }
    flush_out(c);
}

int rg_cli_server_start(struct rg_cli_server *s, struct rg_loop *loop, struct rg_ctl *ctl,
                        const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    memset(s, 0, sizeof(*s));
    s->fd = -1;
    if (strlen(path) >= sizeof(sa.sun_path) || strlen(path) >= sizeof(s->path))
        return RG_ELIMIT;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    memcpy(s->path, path, strlen(path) + 1);
    s->loop = loop;
    s->ctl = ctl;
    s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0)
        return RG_EIO;
    unlink(path);
    mode_t old = umask(077); /* the socket is created 0600 */
    int rc = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc != 0 || chmod(path, 0600) != 0 || listen(s->fd, 16) != 0 ||
        rg_loop_add_fd(loop, s->fd, RG_LOOP_IN, on_accept, s) != RG_OK) {
        close(s->fd);
        s->fd = -1;
        return RG_EIO;
    }
    return RG_OK;
}

void rg_cli_server_stop(struct rg_cli_server *s)
{
    for (int i = 0; i < RG_CLI_MAX_CONNS; i++) {
        if (s->conns[i])
            conn_close(s->conns[i]);
    }
    if (s->fd >= 0) {
        rg_loop_del_fd(s->loop, s->fd);
        close(s->fd);
        unlink(s->path);
    }
    s->fd = -1;
}
