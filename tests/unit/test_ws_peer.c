/* Real-peer check for src/proto/ws: an rg_ws_conn server on a loopback
 * socket, driven by a tiny poll loop, answers Node's built-in WebSocket
 * client (tests/integration/ws_peer.mjs): subprotocol "sip", a UTF-8 text
 * echo, a 100000-byte binary echo (64-bit length form) and a server-started
 * close with code 1000.  Skipped (with a note) when node is not installed. */
#include "harness.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proto/ws/ws_conn.h"

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool node_has_websocket(void)
{
    return system("node --experimental-websocket -e 'if (typeof WebSocket !== \"function\") "
                  "process.exit(1)' >/dev/null 2>&1") == 0;
}

static int listen_loopback(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Handles events: echo messages, close on "close-me".  Returns false on a
 * failure event. */
static bool serve_events(struct rg_t *t, struct rg_ws_conn *c, bool *opened)
{
    for (;;) {
        struct rg_ws_event ev;
        rg_ws_conn_poll_event(c, now_us(), &ev);
        switch (ev.type) {
        case RG_WS_EV_NONE:
            return true;
        case RG_WS_EV_OPEN:
            *opened = true;
            CHECK(t, ev.sip);
            break;
        case RG_WS_EV_MESSAGE:
            if (rg_str_eq_cstr(ev.data, "close-me"))
                CHECK_OK(t, rg_ws_conn_close(c, now_us(), 1000, RG_STR_LIT("bye")));
            else
                CHECK_OK(t, rg_ws_conn_send(c, ev.opcode, ev.data.p, ev.data.len));
            break;
        case RG_WS_EV_ERROR:
        case RG_WS_EV_REJECTED:
            fprintf(stderr, "    server: %s\n", ev.why ? ev.why : "?");
            return false;
        default:
            break;
        }
    }
}

/* The server loop: until the connection finished and flushed, or 10 s. */
static void serve(struct rg_t *t, int fd)
{
    struct rg_ws_conn_cfg cfg = {
        .role = RG_WS_SERVER, .max_msg = 200000, .server = {.require_sip = true}};
    struct rg_ws_conn c;
    REQUIRE(t, rg_ws_conn_init(&c, &cfg, now_us()) == RG_OK);
    bool opened = false, ok = true;
    int64_t end = now_us() + 10000000;
    static char buf[16384];
    while (ok && now_us() < end) {
        struct rg_str tx = rg_ws_conn_poll_transmit(&c);
        if (tx.len == 0 && rg_ws_conn_finished(&c))
            break; /* §7.1.1: the server closes the TCP connection first */
        struct pollfd p = {.fd = fd, .events = POLLIN | (tx.len ? POLLOUT : 0)};
        if (poll(&p, 1, 100) < 0 && errno != EINTR)
            break;
        if (p.revents & POLLOUT) {
            ssize_t n = send(fd, tx.p, tx.len, MSG_NOSIGNAL);
            if (n > 0)
                rg_ws_conn_tx_done(&c, (size_t)n);
        }
        if (p.revents & (POLLIN | POLLHUP)) {
            ssize_t n = recv(fd, buf, sizeof(buf), 0);
            if (n <= 0)
                break;
            CHECK_OK(t, rg_ws_conn_handle_input(&c, now_us(), buf, (size_t)n));
        }
        rg_ws_conn_handle_timeout(&c, now_us());
        ok = serve_events(t, &c, &opened);
    }
    CHECK(t, opened && ok);
    CHECK(t, rg_ws_conn_finished(&c));
    rg_ws_conn_deinit(&c);
}

static void node_peer(struct rg_t *t)
{
    /* make test installs Node.js (tools/deps.sh); without it this real-peer
     * check cannot run, which is a failure, not a pass. */
    if (!node_has_websocket()) {
        CHECK(t, !"node with a WebSocket client is installed");
        return;
    }
    uint16_t port = 0;
    int lfd = listen_loopback(&port);
    REQUIRE(t, lfd >= 0);
    char port_s[8];
    snprintf(port_s, sizeof(port_s), "%u", port);
    pid_t pid = fork();
    if (pid == 0) {
        execlp("node", "node", "--experimental-websocket", "--no-warnings",
               "tests/integration/ws_peer.mjs", port_s, (char *)NULL);
        _exit(127);
    }
    REQUIRE(t, pid > 0);
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    int fd = poll(&p, 1, 10000) == 1 ? accept(lfd, NULL, NULL) : -1;
    CHECK(t, fd >= 0);
    if (fd >= 0) {
        serve(t, fd);
        close(fd);
    }
    close(lfd);
    int status = 0;
    pid_t r = 0;
    for (int i = 0; i < 100 && (r = waitpid(pid, &status, WNOHANG)) == 0; i++)
        usleep(100000);
    if (r == 0) { /* stuck: stop it, and fail */
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        status = -1;
    }
    CHECK(t, WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static const struct rg_test_case cases[] = {
    {"node_peer", node_peer},
};

RG_TEST_MAIN(cases)
