/*
 * loop.c — epoll + binary timer heap (see loop.h).
 */
#include "io/loop.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"

struct rg_loop_fd {
    rg_loop_fd_fn *fn; /* NULL = not watched */
    void *ud;
};

#define MAX_EVENTS 64

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int rg_loop_init(struct rg_loop *l)
{
    memset(l, 0, sizeof(*l));
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0)
        return RG_EIO;
    l->now_us = mono_us();
    return RG_OK;
}

void rg_loop_deinit(struct rg_loop *l)
{
    if (l->epfd >= 0)
        close(l->epfd);
    l->epfd = -1;
    rg_free(l->fds);
    rg_free(l->heap);
    l->fds = NULL;
    l->heap = NULL;
    l->nfds = l->nheap = l->heap_cap = 0;
}

static uint32_t to_epoll(unsigned ev)
{
    return (ev & RG_LOOP_IN ? EPOLLIN : 0) | (ev & RG_LOOP_OUT ? EPOLLOUT : 0);
}

int rg_loop_add_fd(struct rg_loop *l, int fd, unsigned events, rg_loop_fd_fn *fn, void *ud)
{
    if (fd < 0 || fd >= RG_LOOP_MAX_FD || !fn)
        return RG_EINVAL;
    if ((size_t)fd >= l->nfds) {
        size_t n = l->nfds ? l->nfds : 64;
        while (n <= (size_t)fd)
            n *= 2;
        struct rg_loop_fd *t = rg_realloc(l->fds, n * sizeof(*t));
        if (!t)
            return RG_ENOMEM;
        memset(t + l->nfds, 0, (n - l->nfds) * sizeof(*t));
        l->fds = t;
        l->nfds = n;
    }
    if (l->fds[fd].fn)
        return RG_EEXIST;
    struct epoll_event e = { .events = to_epoll(events), .data.fd = fd };
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &e) != 0)
        return RG_EIO;
    l->fds[fd].fn = fn;
    l->fds[fd].ud = ud;
    return RG_OK;
}

int rg_loop_mod_fd(struct rg_loop *l, int fd, unsigned events)
{
    if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].fn)
        return RG_ENOTFOUND;
    struct epoll_event e = { .events = to_epoll(events), .data.fd = fd };
    return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &e) == 0 ? RG_OK : RG_EIO;
}

void rg_loop_del_fd(struct rg_loop *l, int fd)
{
    if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].fn)
        return;
    (void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
    l->fds[fd].fn = NULL;
    l->fds[fd].ud = NULL;
}

static void heap_set(struct rg_loop *l, size_t i, struct rg_loop_timer *t)
{
    l->heap[i] = t;
    t->idx = i + 1;
}

static void sift_up(struct rg_loop *l, size_t i)
{
    struct rg_loop_timer *t = l->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (l->heap[p]->when_us <= t->when_us)
            break;
        heap_set(l, i, l->heap[p]);
        i = p;
    }
    heap_set(l, i, t);
}

static void sift_down(struct rg_loop *l, size_t i)
{
    struct rg_loop_timer *t = l->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= l->nheap)
            break;
        if (c + 1 < l->nheap && l->heap[c + 1]->when_us < l->heap[c]->when_us)
            c++;
        if (l->heap[c]->when_us >= t->when_us)
            break;
        heap_set(l, i, l->heap[c]);
        i = c;
    }
    heap_set(l, i, t);
}

void rg_loop_timer_stop(struct rg_loop *l, struct rg_loop_timer *t)
{
    if (!t->idx)
        return;
    size_t i = t->idx - 1;
    t->idx = 0;
    struct rg_loop_timer *last = l->heap[--l->nheap];
    if (i == l->nheap)
        return;
    heap_set(l, i, last);
    sift_up(l, i);
    sift_down(l, last->idx - 1);
}

int rg_loop_timer_start(struct rg_loop *l, struct rg_loop_timer *t, int64_t when_us,
                        rg_loop_timer_fn *fn, void *ud)
{
    rg_loop_timer_stop(l, t);
    if (l->nheap == l->heap_cap) {
        size_t cap = l->heap_cap ? l->heap_cap * 2 : 16;
        if (cap > RG_LOOP_MAX_TIMERS)
            return RG_ELIMIT;
        struct rg_loop_timer **h = rg_realloc(l->heap, cap * sizeof(*h));
        if (!h)
            return RG_ENOMEM;
        l->heap = h;
        l->heap_cap = cap;
    }
    t->when_us = when_us;
    t->fn = fn;
    t->ud = ud;
    heap_set(l, l->nheap++, t);
    sift_up(l, l->nheap - 1);
    return RG_OK;
}

int64_t rg_loop_now_us(const struct rg_loop *l)
{
    return l->now_us;
}

static int wait_ms(const struct rg_loop *l, int max_wait_ms)
{
    if (l->nheap == 0)
        return max_wait_ms;
    int64_t d = l->heap[0]->when_us - l->now_us;
    int ms = d <= 0 ? 0 : (int)((d + 999) / 1000 > 3600000 ? 3600000 : (d + 999) / 1000);
    return max_wait_ms >= 0 && max_wait_ms < ms ? max_wait_ms : ms;
}

int rg_loop_run_once(struct rg_loop *l, int max_wait_ms)
{
    struct epoll_event ev[MAX_EVENTS];
    int n = epoll_wait(l->epfd, ev, MAX_EVENTS, wait_ms(l, max_wait_ms));
    if (n < 0 && errno != EINTR)
        return RG_EIO;
    l->now_us = mono_us();
    while (l->nheap && l->heap[0]->when_us <= l->now_us) {
        struct rg_loop_timer *t = l->heap[0];
        rg_loop_timer_stop(l, t);
        t->fn(l, t->ud);
    }
    for (int i = 0; i < n; i++) {
        int fd = ev[i].data.fd;
        if ((size_t)fd >= l->nfds || !l->fds[fd].fn)
            continue; /* removed by an earlier callback of this tick */
        unsigned e = (ev[i].events & EPOLLIN ? RG_LOOP_IN : 0) |
                     (ev[i].events & EPOLLOUT ? RG_LOOP_OUT : 0) |
                     (ev[i].events & (EPOLLERR | EPOLLHUP) ? RG_LOOP_ERR : 0);
        l->fds[fd].fn(l, fd, e, l->fds[fd].ud);
    }
    return RG_OK;
}

int rg_loop_run(struct rg_loop *l)
{
    l->stop = false;
    while (!l->stop) {
        int rc = rg_loop_run_once(l, -1);
        if (rc != RG_OK)
            return rc;
    }
    return RG_OK;
}

void rg_loop_stop(struct rg_loop *l)
{
    l->stop = true;
}
