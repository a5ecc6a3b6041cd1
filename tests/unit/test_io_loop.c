/* Unit tests for src/io/loop.c: timer heap order, re-arming and stopping,
 * fd callbacks, removal from inside a callback, one clock read per tick. */
#include "harness.h"

#include <unistd.h>

#include "io/loop.h"

struct rec {
    int order[16];
    int n;
    int64_t seen_now[16];
};

struct tcase {
    struct rec *r;
    int id;
};

static void on_timer(struct rg_loop *l, void *ud)
{
    struct tcase *c = ud;
    if (c->r->n < 16) {
        c->r->seen_now[c->r->n] = rg_loop_now_us(l);
        c->r->order[c->r->n++] = c->id;
    }
}

static void timers_in_deadline_order(struct rg_t *t)
{
    struct rg_loop l;
    REQUIRE(t, rg_loop_init(&l) == RG_OK);
    struct rec r = { { 0 }, 0, { 0 } };
    struct rg_loop_timer tm[6];
    struct tcase c[6];
    static const int64_t delay_us[6] = { 5000, 1000, 3000, 2000, 4000, 6000 };
    int64_t now = rg_loop_now_us(&l);
    memset(tm, 0, sizeof(tm));
    for (int i = 0; i < 6; i++) {
        c[i] = (struct tcase){ &r, i };
        CHECK_OK(t, rg_loop_timer_start(&l, &tm[i], now + delay_us[i], on_timer, &c[i]));
    }
    rg_loop_timer_stop(&l, &tm[4]);                                           /* never fires */
    CHECK_OK(t, rg_loop_timer_start(&l, &tm[5], now + 500, on_timer, &c[5])); /* moved first */
    for (int i = 0; i < 50 && r.n < 5; i++)
        CHECK_OK(t, rg_loop_run_once(&l, 10));
    static const int want[5] = { 5, 1, 3, 2, 0 };
    CHECK_EQ_INT(t, r.n, 5);
    for (int i = 0; i < 5 && i < r.n; i++)
        CHECK_EQ_INT(t, r.order[i], want[i]);
    for (int i = 1; i < r.n; i++)
        CHECK(t, r.seen_now[i] >= r.seen_now[i - 1]);
    CHECK(t, tm[4].idx == 0);
    rg_loop_deinit(&l);
}

struct pipe_ctx {
    int fds[2];
    int calls;
    int other_fd;
};

static void on_read(struct rg_loop *l, int fd, unsigned events, void *ud)
{
    struct pipe_ctx *p = ud;
    char b[8];
    p->calls++;
    if (events & RG_LOOP_IN)
        (void)!read(fd, b, sizeof(b));
    /* Removing another ready fd from inside a callback: its callback of
     * this tick must not run. */
    rg_loop_del_fd(l, p->other_fd);
    rg_loop_del_fd(l, fd);
}

static void fd_callbacks(struct rg_t *t)
{
    struct rg_loop l;
    REQUIRE(t, rg_loop_init(&l) == RG_OK);
    struct pipe_ctx a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    REQUIRE(t, pipe(a.fds) == 0 && pipe(b.fds) == 0);
    a.other_fd = b.fds[0];
    b.other_fd = a.fds[0];
    CHECK_OK(t, rg_loop_add_fd(&l, a.fds[0], RG_LOOP_IN, on_read, &a));
    CHECK_OK(t, rg_loop_add_fd(&l, b.fds[0], RG_LOOP_IN, on_read, &b));
    CHECK_EQ_INT(t, rg_loop_add_fd(&l, a.fds[0], RG_LOOP_IN, on_read, &a), RG_EEXIST);
    CHECK(t, write(a.fds[1], "x", 1) == 1 && write(b.fds[1], "y", 1) == 1);
    CHECK_OK(t, rg_loop_run_once(&l, 100));
    CHECK_EQ_INT(t, a.calls + b.calls, 1);
    CHECK_OK(t, rg_loop_run_once(&l, 0));
    CHECK_EQ_INT(t, a.calls + b.calls, 1);
    for (int i = 0; i < 2; i++) {
        close(a.fds[i]);
        close(b.fds[i]);
    }
    rg_loop_deinit(&l);
}

static const struct rg_test_case cases[] = {
    { "timers_in_deadline_order", timers_in_deadline_order },
    { "fd_callbacks", fd_callbacks },
};

RG_TEST_MAIN(cases)
