/*
 * loop.h — a small reusable event loop: epoll, a timer heap, fd callbacks.
 *
 * One loop per thread.  rg_loop_run() waits for fd readiness or the next
 * timer, reads the monotonic clock once per tick (rg_loop_now_us() returns
 * that cached value, so every callback of one tick sees the same time, as
 * sans-IO cores expect), then runs due timers and ready fd callbacks.
 * The daemon puts the CLI socket and signals on it now; later issues put
 * SIP/WebSocket listeners and media sockets on loops of their own.
 *
 * Ownership: the loop owns its epoll fd and tables, never the fds or the
 * timer structs it is given (the caller embeds struct rg_loop_timer in its
 * own objects and must stop a timer before freeing it).  A callback may add
 * or remove any fd or timer, including its own.  Not thread-safe: call
 * everything from the loop's thread.
 */
#ifndef RG_IO_LOOP_H
#define RG_IO_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define RG_LOOP_IN 0x1u
#define RG_LOOP_OUT 0x2u
#define RG_LOOP_ERR 0x4u /* error or hang-up (always reported) */
#define RG_LOOP_MAX_FD (1 << 20)
#define RG_LOOP_MAX_TIMERS (1 << 20)

struct rg_loop;
typedef void rg_loop_fd_fn(struct rg_loop *loop, int fd, unsigned events, void *ud);
typedef void rg_loop_timer_fn(struct rg_loop *loop, void *ud);

struct rg_loop_timer {
    int64_t when_us;   /* monotonic deadline */
    size_t idx;        /* heap position + 1; 0 = not armed */
    rg_loop_timer_fn *fn;
    void *ud;
};

struct rg_loop_fd;

struct rg_loop {
    int epfd;
    bool stop;
    int64_t now_us;
    struct rg_loop_fd *fds; /* indexed by fd */
    size_t nfds;
    struct rg_loop_timer **heap;
    size_t nheap, heap_cap;
};

RG_MUST_CHECK int rg_loop_init(struct rg_loop *l);
void rg_loop_deinit(struct rg_loop *l);

/* Watches fd for events (RG_LOOP_IN/OUT).  RG_OK, RG_EEXIST, RG_EIO, RG_ENOMEM. */
RG_MUST_CHECK int rg_loop_add_fd(struct rg_loop *l, int fd, unsigned events, rg_loop_fd_fn *fn,
                                 void *ud);
RG_MUST_CHECK int rg_loop_mod_fd(struct rg_loop *l, int fd, unsigned events);
/* Stops watching fd (does not close it).  No callback for it runs after. */
void rg_loop_del_fd(struct rg_loop *l, int fd);

/* Arms t to run fn(ud) once at when_us (re-arming moves it). */
RG_MUST_CHECK int rg_loop_timer_start(struct rg_loop *l, struct rg_loop_timer *t, int64_t when_us,
                                      rg_loop_timer_fn *fn, void *ud);
void rg_loop_timer_stop(struct rg_loop *l, struct rg_loop_timer *t);

/* The time read at the start of the current tick. */
int64_t rg_loop_now_us(const struct rg_loop *l);
/* One tick: waits at most max_wait_ms (-1 = until an event or timer). */
RG_MUST_CHECK int rg_loop_run_once(struct rg_loop *l, int max_wait_ms);
/* Ticks until rg_loop_stop().  RG_OK or RG_EIO. */
RG_MUST_CHECK int rg_loop_run(struct rg_loop *l);
void rg_loop_stop(struct rg_loop *l);

#endif
