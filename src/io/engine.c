/*
 * engine.c — media loops and the ng control loop (see engine.h).
 */
#include "io/engine.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "io/loop.h"
#include "io/rng_os.h"
#include "io/udp.h"
#include "media/ng_cmd.h"
#include "proto/ng/ng_msg.h"

#include "io/engine_priv.h"

/* ---- media loop: sockets ---------------------------------------------------- */

static void on_media_fd(struct rg_loop *loop, int fd, unsigned events, void *ud);

static int fdmap_set(struct mloop *ml, int fd, struct mcall_io *m)
{
    if ((size_t)fd >= ml->fdmap_n) {
        size_t n = ml->fdmap_n ? ml->fdmap_n : 1024;
        while (n <= (size_t)fd)
            n *= 2;
        struct mcall_io **p = rg_realloc(ml->fdmap, n * sizeof(*p));
        if (!p)
            return RG_ENOMEM;
        memset(p + ml->fdmap_n, 0, (n - ml->fdmap_n) * sizeof(*p));
        ml->fdmap = p;
        ml->fdmap_n = n;
    }
    ml->fdmap[fd] = m;
    return RG_OK;
}

static int watch(struct mloop *ml, int fd)
{
    if (fdmap_set(ml, fd, NULL) != RG_OK ||
        rg_loop_add_fd(&ml->loop, fd, RG_LOOP_IN, on_media_fd, ml) != RG_OK) {
        close(fd);
        return RG_EIO;
    }
    return RG_OK;
}

/* rg_mports.open: an even RTP port and, for a pair, the odd one after it. */
static int ports_open(void *ud, const struct rg_addr *ip, bool want_pair, int fds[2],
                      struct rg_addr bound[2])
{
    struct mloop *ml = ud;
    unsigned span = (unsigned)(ml->port_hi - ml->port_lo) + 1;
    for (unsigned tries = 0; tries < span; tries += 2) {
        int fd = rg_udp_open_in_range(ip, ml->port_lo, ml->port_hi, 2, &ml->cursor, &bound[0]);
        if (fd < 0)
            return fd;
        if (!want_pair) {
            fds[0] = fd;
            fds[1] = -1;
            return watch(ml, fd);
        }
        struct rg_addr odd = bound[0];
        odd.port++;
        int fd2 = odd.port <= ml->port_hi ? rg_udp_open(&odd, &bound[1]) : RG_ELIMIT;
        if (fd2 >= 0) {
            fds[0] = fd;
            fds[1] = fd2;
            if (watch(ml, fd) != RG_OK) {
                close(fd2);
                return RG_EIO;
            }
            return watch(ml, fd2);
        }
        close(fd);
    }
    return RG_ELIMIT;
}

static void ports_close(void *ud, int fd)
{
    struct mloop *ml = ud;
    rg_loop_del_fd(&ml->loop, fd);
    if ((size_t)fd < ml->fdmap_n)
        ml->fdmap[fd] = NULL;
    close(fd);
}

/* ---- media loop: packets and timers -------------------------------------------- */

static void on_call_timer(struct rg_loop *loop, void *ud);

/* Sends what the call queued, batching runs that leave through one socket. */
static void flush(struct mloop *ml, struct mcall_io *m)
{
    const struct rg_mtx *tx[RG_UDP_BATCH];
    for (;;) {
        unsigned n = 0;
        while (n < RG_UDP_BATCH && rg_mcall_poll_transmit(m->c, &tx[n]) == RG_OK)
            n++;
        if (n == 0)
            break;
        for (unsigned i = 0; i < n;) {
            struct rg_addr dest[RG_UDP_BATCH];
            const uint8_t *data[RG_UDP_BATCH];
            uint16_t len[RG_UDP_BATCH];
            unsigned k = 0;
            int fd = tx[i]->fd;
            while (i < n && tx[i]->fd == fd) {
                dest[k] = tx[i]->dest;
                data[k] = tx[i]->data;
                len[k++] = tx[i]->len;
                i++;
            }
            if (rg_udp_send_batch(fd, dest, data, len, k) < 0)
                RG_LOG(ml->e->o.log, RG_LOG_DEBUG, io, m->c->call_id, "send failed on fd %d", fd);
        }
    }
}

static void rearm(struct mloop *ml, struct mcall_io *m)
{
    int64_t next = rg_mcall_next_timeout_us(m->c);
    if (next == INT64_MAX)
        rg_loop_timer_stop(&ml->loop, &m->timer);
    else if (rg_loop_timer_start(&ml->loop, &m->timer, next, on_call_timer, m) != RG_OK)
        RG_LOG(ml->e->o.log, RG_LOG_WARN, io, m->c->call_id, "cannot arm call timer");
}

static void on_call_timer(struct rg_loop *loop, void *ud)
{
    struct mcall_io *m = ud;
    rg_mcall_handle_timeout(m->c, rg_loop_now_us(loop));
    flush(m->ml, m);
    rearm(m->ml, m);
}

static void publish_policers(struct mloop *ml)
{
    atomic_store_explicit(&ml->pub[0], ml->stun_pol.accepted, memory_order_relaxed);
    atomic_store_explicit(&ml->pub[1], ml->stun_pol.discarded, memory_order_relaxed);
    atomic_store_explicit(&ml->pub[2], ml->dtls_pol.accepted, memory_order_relaxed);
    atomic_store_explicit(&ml->pub[3], ml->dtls_pol.discarded, memory_order_relaxed);
}

void rg_engine_policer_counts(const struct rg_engine *e, struct rg_engine_policer_counts *out)
{
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < e->n_loops; i++) {
        out->stun_accepted += atomic_load_explicit(&e->loops[i].pub[0], memory_order_relaxed);
        out->stun_discarded += atomic_load_explicit(&e->loops[i].pub[1], memory_order_relaxed);
        out->dtls_accepted += atomic_load_explicit(&e->loops[i].pub[2], memory_order_relaxed);
        out->dtls_discarded += atomic_load_explicit(&e->loops[i].pub[3], memory_order_relaxed);
    }
}

static void on_media_fd(struct rg_loop *loop, int fd, unsigned events, void *ud)
{
    struct mloop *ml = ud;
    (void)events;
    /* A bounded number of batches per wake-up keeps one busy socket from
     * starving the others. */
    for (int round = 0; round < 8; round++) {
        int n = rg_udp_recv_batch(fd, &ml->batch);
        if (n <= 0)
            return;
        struct mcall_io *m = (size_t)fd < ml->fdmap_n ? ml->fdmap[fd] : NULL;
        if (!m)
            continue;
        int64_t now = rg_loop_now_us(loop);
        for (int i = 0; i < n; i++) {
            rg_mcall_handle_datagram(m->c, now, fd, &ml->batch.peer[i], ml->batch.data[i],
                                     ml->batch.len[i]);
            if (m->c->tx_count >= RG_MCALL_TX_SLOTS / 2)
                flush(ml, m);
        }
        flush(ml, m);
        rearm(ml, m);
        publish_policers(ml);
        if (n < RG_UDP_BATCH)
            return;
    }
}

/* ---- media loop: commands ------------------------------------------------------ */

static void map_fd(void *ud, int fd)
{
    struct mcall_io *m = ud;
    (void)fdmap_set(m->ml, fd, m);
}

static void adopt(struct mloop *ml, struct rg_mcall *c, int64_t now)
{
    struct mcall_io *m = c->user;
    if (!m) {
        m = rg_calloc(1, sizeof(*m));
        if (!m)
            return;
        m->c = c;
        m->ml = ml;
        c->user = m;
        atomic_fetch_add(&ml->calls, 1);
    }
    rg_mcall_each_fd(c, map_fd, m);
    rg_mcall_handle_timeout(c, now);
    flush(ml, m);
    rearm(ml, m);
}

static void bury(struct mloop *ml, struct rg_mcall *c)
{
    struct mcall_io *m = c->user;
    if (m) {
        rg_loop_timer_stop(&ml->loop, &m->timer);
        atomic_fetch_sub(&ml->calls, 1);
        rg_free(m);
    }
    rg_mcall_destroy(c);
}

static void run_ng_job(struct mloop *ml, struct job *j, int64_t now)
{
    struct rg_arena a;
    rg_arena_init(&a, 8192, 4u << 20);
    struct rg_ng_msg msg;
    if (rg_ng_parse(&a, j->req, j->len, NULL, &msg) == RG_OK) {
        struct rg_mcall *touched = NULL, *gone = NULL;
        size_t before = ml->ng.calls.count;
        if (rg_ngcmd_execute(&ml->ng, now, &msg, &j->reply, &touched, &gone) != RG_OK)
            rg_buf_reset(&j->reply);
        if (touched)
            adopt(ml, touched, now);
        j->created = ml->ng.calls.count > before;
        if (gone) {
            j->deleted = true;
            (void)rg_str_copy_cstr(rg_str_from_cstr(gone->call_id), j->call_id, sizeof(j->call_id));
            bury(ml, gone);
        } else if (touched) {
            (void)rg_str_copy_cstr(rg_str_from_cstr(touched->call_id), j->call_id,
                                   sizeof(j->call_id));
        }
    }
    rg_arena_deinit(&a);
}

/* JOB_QUERY: the first stream of the call, both sides. */
static void query_call(struct mloop *ml, struct job *j)
{
    const struct rg_mcall *c = rg_mtable_get(&ml->ng.calls, rg_str_from_cstr(j->call_id));
    j->rc = c ? RG_OK : RG_ENOTFOUND;
    if (!c || c->n_streams == 0)
        return;
    const struct rg_mstream *st = &c->stream[0];
    j->info.n_streams = c->n_streams;
    snprintf(j->info.media, sizeof(j->info.media), "%s", st->media);
    for (int k = 0; k < 2; k++) {
        unsigned tr = st->transport_of[k] < c->n_streams ? st->transport_of[k] : 0;
        const struct rg_mside *s = &c->stream[tr].side[k];
        struct rg_engine_side_info *o = &j->info.side[k];
        o->local_rtp = s->local_rtp;
        o->local_rtcp = s->local_rtcp;
        o->remote_rtp = s->remote_rtp;
        o->remote_rtcp = s->remote_rtcp;
        o->rtcp_mux = s->fd_rtcp < 0;
        o->transport = s->plan.transport;
        o->ice_local = s->plan.ice;
        o->ice_remote = s->remote_ice;
        snprintf(o->ice_state, sizeof(o->ice_state), "%s", rg_mside_ice_state(s));
        snprintf(o->dtls_state, sizeof(o->dtls_state), "%s", rg_mside_dtls_state_name(s));
        o->srtp_profile = s->srtp_out ? s->srtp_profile : 0;
        o->pkts_in = s->st.pkts_in;
        o->bytes_in = s->st.bytes_in;
        snprintf(o->codec, sizeof(o->codec), "%s", st->side[k].st.codec);
        o->transcoded = st->side[k].st.transcoded;
    }
}

static void run_typed_job(struct mloop *ml, struct job *j, int64_t now)
{
    const char *why = NULL;
    if (j->kind == JOB_QUERY) {
        query_call(ml, j);
    } else if (j->kind == JOB_SDP) {
        struct rg_mcall *touched = NULL;
        j->rc = rg_ngcmd_sdp(&ml->ng, now, rg_str_from_cstr(j->call_id),
                             rg_str_from_cstr(j->tag[0]), rg_str_from_cstr(j->tag[1]), j->answer,
                             rg_str_make(j->req, j->len), &j->mreq, &j->reply, &touched, &why);
        if (touched)
            adopt(ml, touched, now);
    } else {
        struct rg_mcall *gone = rg_ngcmd_delete(&ml->ng, rg_str_from_cstr(j->call_id));
        j->rc = gone ? RG_OK : RG_ENOTFOUND;
        if (gone)
            bury(ml, gone);
    }
    if (why)
        (void)rg_str_copy_cstr(rg_str_from_cstr(why), j->why, sizeof(j->why));
}

static void run_job(struct mloop *ml, struct job *j)
{
    int64_t now = rg_loop_now_us(&ml->loop);
    if (j->kind == JOB_NG) {
        run_ng_job(ml, j, now);
        rg__engine_jobq_push(&ml->e->done, j);
    } else {
        run_typed_job(ml, j, now);
        rg__engine_jobq_push(&j->client->q, j);
    }
}

static void on_jobs(struct rg_loop *loop, int fd, unsigned events, void *ud)
{
    struct mloop *ml = ud;
    (void)fd;
    (void)events;
    rg__engine_jobq_drain_efd(&ml->in);
    struct job *j;
    while ((j = rg__engine_jobq_pop(&ml->in)) != NULL) {
        if (j->kind == JOB_STOP) {
            rg__engine_job_free(j);
            rg_loop_stop(loop);
            continue;
        }
        run_job(ml, j);
    }
}

static void *mloop_main(void *arg)
{
    struct mloop *ml = arg;
    if (rg_loop_run(&ml->loop) != RG_OK)
        RG_LOG(ml->e->o.log, RG_LOG_ERROR, io, NULL, "media loop failed");
    return NULL;
}

static void bury_one(void *ud, struct rg_mcall *c)
{
    struct mcall_io *m = c->user;
    (void)ud;
    rg_free(m);
    c->user = NULL;
}

static void mloop_deinit(struct mloop *ml)
{
    rg_mtable_each(&ml->ng.calls, bury_one, NULL);
    rg_ngcmd_deinit(&ml->ng);
    rg_loop_deinit(&ml->loop);
    close(ml->in.efd);
    pthread_mutex_destroy(&ml->in.mu);
    rg_free(ml->fdmap);
}

static int mloop_init(struct rg_engine *e, struct mloop *ml, unsigned idx)
{
    ml->e = e;
    unsigned span = (unsigned)(e->o.port_hi - e->o.port_lo + 1) / e->n_loops;
    ml->port_lo = (uint16_t)(e->o.port_lo + idx * span);
    ml->port_lo += ml->port_lo % 2; /* RTP on even ports (RFC 3550 §11) */
    ml->port_hi = (uint16_t)(e->o.port_lo + (idx + 1) * span - 1);
    if (ml->port_hi <= ml->port_lo)
        return RG_EINVAL;
    ml->cursor = ml->port_lo;
    rg_rng_os_init(&ml->rng);
    int64_t now = 0; /* the first packet's time refills the bucket to full */
    unsigned n = e->n_loops;
    bool stun = e->o.stun_bucket && e->o.stun_rate, dtls = e->o.dtls_bucket && e->o.dtls_rate;
    if (stun)
        rg_policer_init(&ml->stun_pol, RG_POL_PKTRATE, (e->o.stun_bucket + n - 1) / n,
                        (e->o.stun_rate + n - 1) / n, now);
    if (dtls)
        rg_policer_init(&ml->dtls_pol, RG_POL_PKTRATE, (e->o.dtls_bucket + n - 1) / n,
                        (e->o.dtls_rate + n - 1) / n, now);
    ml->env = (struct rg_mcall_env){
        .stun_policer = stun ? &ml->stun_pol : NULL,
        .dtls_policer = dtls ? &ml->dtls_pol : NULL,
        .srflx_prefix = e->o.srflx_prefix,
        .rng = &ml->rng, .log = e->o.log, .dtls = e->dtls, .local_fp = e->fp,
        .dtls_profs = e->prof, .n_dtls_profs = e->n_prof,
        .media_ip = e->o.media_ip, .media_ip6 = e->o.media_ip6,
        .ports = { .open = ports_open, .close = ports_close, .ud = ml },
    };
    rg_ngcmd_init(&ml->ng, &ml->env, MAX_CALLS_PER_LOOP);
    if (rg_loop_init(&ml->loop) != RG_OK || rg__engine_jobq_init(&ml->in) != RG_OK)
        return RG_EIO;
    return rg_loop_add_fd(&ml->loop, ml->in.efd, RG_LOOP_IN, on_jobs, ml);
}

/* ---- control loop -------------------------------------------------------------- */

size_t rg__engine_route(const struct rg_engine *e, struct rg_str call_id)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < call_id.len; i++)
        h = (h ^ (uint8_t)call_id.p[i]) * 1099511628211ULL;
    return (size_t)(h % e->n_loops);
}

static void registry_add(struct rg_engine *e, const char *id)
{
    for (size_t i = 0; i < e->n_ids; i++)
        if (strcmp(e->ids[i], id) == 0)
            return;
    if (e->n_ids == e->cap_ids) {
        size_t cap = e->cap_ids ? e->cap_ids * 2 : 64;
        char **p = rg_realloc(e->ids, cap * sizeof(*p));
        if (!p)
            return;
        e->ids = p;
        e->cap_ids = cap;
    }
    size_t n = strlen(id) + 1;
    char *copy = rg_malloc(n);
    if (!copy)
        return;
    memcpy(copy, id, n);
    e->ids[e->n_ids++] = copy;
    atomic_fetch_add(&e->total_calls, 1);
}

static void registry_del(struct rg_engine *e, const char *id)
{
    for (size_t i = 0; i < e->n_ids; i++) {
        if (strcmp(e->ids[i], id) == 0) {
            rg_free(e->ids[i]);
            e->ids[i] = e->ids[--e->n_ids];
            return;
        }
    }
}

static void reply_list(struct rg_engine *e, const struct rg_ng_msg *m, struct rg_buf *out)
{
    struct rg_bencode_writer w;
    rg_ng_reply_begin(&w, out, m->cookie);
    rg_bencode_put_cstr(&w, "calls");
    rg_bencode_put_list(&w);
    for (size_t i = 0; i < e->n_ids; i++)
        rg_bencode_put_cstr(&w, e->ids[i]);
    rg_bencode_put_end(&w);
    rg_bencode_put_cstr(&w, "result");
    rg_bencode_put_cstr(&w, "ok");
    if (rg_ng_reply_finish(&w) != RG_OK)
        rg_buf_reset(out);
}

static void reply_statistics(struct rg_engine *e, const struct rg_ng_msg *m, struct rg_buf *out)
{
    unsigned long own = 0;
    for (unsigned i = 0; i < e->n_loops; i++)
        own += atomic_load(&e->loops[i].calls);
    struct rg_bencode_writer w;
    rg_ng_reply_begin(&w, out, m->cookie);
    rg_bencode_put_cstr(&w, "result");
    rg_bencode_put_cstr(&w, "ok");
    rg_bencode_put_cstr(&w, "statistics");
    rg_bencode_put_dict(&w);
    rg_bencode_put_cstr(&w, "currentstatistics");
    rg_bencode_put_dict(&w);
    rg_bencode_put_cstr(&w, "sessionsown");
    rg_bencode_put_int(&w, (int64_t)own);
    rg_bencode_put_end(&w);
    rg_bencode_put_cstr(&w, "totalstatistics");
    rg_bencode_put_dict(&w);
    rg_bencode_put_cstr(&w, "totalsessions");
    rg_bencode_put_int(&w, (int64_t)atomic_load(&e->total_calls));
    rg_bencode_put_end(&w);
    rg_bencode_put_end(&w);
    if (rg_ng_reply_finish(&w) != RG_OK)
        rg_buf_reset(out);
}

static void send_reply(struct rg_engine *e, const struct rg_addr *to, const struct rg_buf *b)
{
    if (b->len && rg_udp_send(e->ng_fd, to, b->data, b->len) != RG_OK)
        RG_LOG(e->o.log, RG_LOG_WARN, ng, NULL, "could not send ng reply");
}

/* Handles one request in the control loop; returns a job for a media loop
 * (ownership passes) or NULL when answered here. */
static struct ng_cached *cache_find(struct rg_engine *e, const struct rg_addr *from,
                                     struct rg_str cookie)
{
    for (unsigned i = 0; i < NG_CACHE_SLOTS; i++) {
        struct ng_cached *c = &e->cache[i];
        if (c->cookie[0] && rg_addr_eq(&c->from, from) && rg_str_eq_cstr(cookie, c->cookie))
            return c;
    }
    return NULL;
}

/* Remembers a request being executed (its reply comes in cache_done). */
static void cache_pending(struct rg_engine *e, const struct rg_addr *from, struct rg_str cookie)
{
    struct ng_cached *c = &e->cache[e->cache_next++ % NG_CACHE_SLOTS];
    if (rg_str_copy_cstr(cookie, c->cookie, sizeof(c->cookie)) != RG_OK)
        c->cookie[0] = '\0';
    c->from = *from;
    c->pending = true;
    if (!c->reply.max)
        rg_buf_init(&c->reply, NG_MAX_REPLY);
    rg_buf_reset(&c->reply);
}

static void cache_done(struct rg_engine *e, const struct rg_addr *from, const struct rg_buf *reply)
{
    struct rg_str cookie = rg_str_make(reply->data, reply->len);
    long sp = rg_str_find_char(cookie, ' ');
    if (sp <= 0)
        return;
    struct ng_cached *c = cache_find(e, from, rg_str_head(cookie, (size_t)sp));
    if (c && c->pending) {
        c->pending = false;
        if (rg_buf_append_str(&c->reply, rg_buf_str(reply)) != RG_OK)
            c->cookie[0] = '\0';
    }
}

static void on_request(struct rg_engine *e, const struct rg_addr *from, const char *req, size_t len)
{
    struct rg_arena a;
    rg_arena_init(&a, 8192, 4u << 20);
    struct rg_ng_msg m;
    struct rg_str cmd, call_id;
    struct rg_buf out;
    struct ng_cached *cached;
    rg_buf_init(&out, NG_MAX_REPLY);
    if (rg_ng_parse(&a, req, len, NULL, &m) != RG_OK) {
        RG_LOG(e->o.log, RG_LOG_NOTICE, ng, NULL, "unparsable ng request (%zu bytes)", len);
    } else if (rg_ng_command(&m, &cmd) != RG_OK) {
        (void)!rg_ng_reply_error(&out, m.cookie, "no command");
    } else if (rg_str_caseeq_cstr(cmd, "ping")) {
        (void)!rg_ng_reply_pong(&out, m.cookie);
    } else if (rg_str_caseeq_cstr(cmd, "list")) {
        reply_list(e, &m, &out);
    } else if (rg_str_caseeq_cstr(cmd, "statistics")) {
        reply_statistics(e, &m, &out);
    } else if (rg_bencode_dict_str(m.dict, "call-id", &call_id) != RG_OK) {
        (void)!rg_ng_reply_error(&out, m.cookie, "missing call-id");
    } else if ((cached = cache_find(e, from, m.cookie)) != NULL) {
        /* A retransmission: answer again (or not yet, if still running). */
        if (!cached->pending)
            (void)!rg_buf_append_str(&out, rg_buf_str(&cached->reply));
    } else {
        struct job *j = rg_calloc(1, sizeof(*j));
        if (j) {
            cache_pending(e, from, m.cookie);
            j->from = *from;
            j->len = len;
            memcpy(j->req, req, len);
            rg_buf_init(&j->reply, NG_MAX_REPLY);
            rg__engine_jobq_push(&e->loops[rg__engine_route(e, call_id)].in, j);
        }
    }
    send_reply(e, from, &out);
    rg_buf_deinit(&out);
    rg_arena_deinit(&a);
}

/* ng requests carry whole SDPs, larger than media datagrams: read them
 * one at a time into a 64 KiB buffer. */
static void on_ng(struct rg_loop *loop, int fd, unsigned events, void *ud)
{
    struct rg_engine *e = ud;
    (void)loop;
    (void)events;
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        ssize_t n = recvfrom(fd, e->req_buf, sizeof(e->req_buf), MSG_DONTWAIT | MSG_TRUNC,
                             (struct sockaddr *)&ss, &sl);
        if (n < 0)
            return;
        struct rg_addr from;
        if ((size_t)n > sizeof(e->req_buf) ||
            rg_udp_addr_from_sockaddr((struct sockaddr *)&ss, &from) != RG_OK)
            continue;
        on_request(e, &from, e->req_buf, (size_t)n);
    }
}

static void on_done(struct rg_loop *loop, int fd, unsigned events, void *ud)
{
    struct rg_engine *e = ud;
    (void)loop;
    (void)fd;
    (void)events;
    rg__engine_jobq_drain_efd(&e->done);
    struct job *j;
    while ((j = rg__engine_jobq_pop(&e->done)) != NULL) {
        if (j->created && j->call_id[0])
            registry_add(e, j->call_id);
        if (j->deleted)
            registry_del(e, j->call_id);
        cache_done(e, &j->from, &j->reply);
        send_reply(e, &j->from, &j->reply);
        rg__engine_job_free(j);
    }
}

static void on_stop(struct rg_loop *loop, int fd, unsigned events, void *ud)
{
    (void)fd;
    (void)events;
    (void)ud;
    rg_loop_stop(loop);
}

static void *ctl_main(void *arg)
{
    struct rg_engine *e = arg;
    if (rg_loop_run(&e->ctl) != RG_OK)
        RG_LOG(e->o.log, RG_LOG_ERROR, io, NULL, "ng control loop failed");
    return NULL;
}

/* ---- start and stop ------------------------------------------------------------- */

int rg_engine_parse_hostport(const char *s, struct rg_addr *out)
{
    const char *colon = strrchr(s, ':');
    if (!colon)
        return RG_EINVAL;
    struct rg_str host = rg_str_make(s, (size_t)(colon - s));
    if (host.len >= 2 && host.p[0] == '[' && host.p[host.len - 1] == ']')
        host = rg_str_make(host.p + 1, host.len - 2);
    uint32_t port;
    struct rg_addr a;
    if (rg_addr_parse_ip(host, &a) != RG_OK ||
        rg_str_to_u32(rg_str_from_cstr(colon + 1), 65535, &port) != RG_OK || port == 0)
        return RG_EINVAL;
    a.port = (uint16_t)port;
    *out = a;
    return RG_OK;
}

static int make_dtls(struct rg_engine *e)
{
    if (rg_srtp_global_init() != RG_OK)
        return RG_ECRYPTO;
    int rc = RG_OK;
    e->cert = e->o.cert;
    e->o.cert = NULL;
    if (!e->cert)
        rc = rg_dtls_cert_generate(&e->rng, "rtcgate", (int64_t)time(NULL), 30, &e->cert);
    if (rc != RG_OK)
        return rc;
    /* Browser-grade defaults: DTLS 1.2, ECDHE suites, AEAD SRTP first
     * (RFC 7714), AES-CM for peers without GCM. */
    struct rg_dtls_profile p = {
        .v1_2 = true,
        .handshake_timer_ms = 30000,
        .srtp = { RG_SRTP_AEAD_AES_128_GCM, RG_SRTP_AES128_CM_SHA1_80, RG_SRTP_AEAD_AES_256_GCM,
                  RG_SRTP_AES128_CM_SHA1_32 },
        .n_srtp = 4,
    };
    rc = rg_dtls_ctx_new(e->o.dtls_profile ? e->o.dtls_profile : &p, e->cert, NULL, e->o.log,
                         &e->dtls);
    if (rc == RG_OK)
        rc = rg_dtls_cert_fingerprint(e->cert, RG_DTLS_HASH_SHA256, &e->fp);
    return rc;
}

static int start_loops(struct rg_engine *e)
{
    for (unsigned i = 0; i < e->n_loops; i++) {
        int rc = mloop_init(e, &e->loops[i], i);
        if (rc != RG_OK)
            return rc;
    }
    for (unsigned i = 0; i < e->n_loops; i++)
        if (pthread_create(&e->loops[i].th, NULL, mloop_main, &e->loops[i]) != 0)
            return RG_EIO;
    return RG_OK;
}

static int start_ctl(struct rg_engine *e)
{
    struct rg_addr bound;
    /* No ng address: the engine serves only the in-process API (B2BUA). */
    if (e->o.ng.family != RG_AF_NONE) {
        e->ng_fd = rg_udp_open(&e->o.ng, &bound);
        if (e->ng_fd < 0)
            return RG_EIO;
    }
    e->stop_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (e->stop_efd < 0 || rg_loop_init(&e->ctl) != RG_OK ||
        rg__engine_jobq_init(&e->done) != RG_OK ||
        (e->ng_fd >= 0 && rg_loop_add_fd(&e->ctl, e->ng_fd, RG_LOOP_IN, on_ng, e) != RG_OK) ||
        rg_loop_add_fd(&e->ctl, e->done.efd, RG_LOOP_IN, on_done, e) != RG_OK ||
        rg_loop_add_fd(&e->ctl, e->stop_efd, RG_LOOP_IN, on_stop, e) != RG_OK)
        return RG_EIO;
    return pthread_create(&e->ctl_th, NULL, ctl_main, e) == 0 ? RG_OK : RG_EIO;
}

/* CPUs this process may run on (taskset, cpusets), not all online ones:
 * a daemon pinned to one core runs one media loop. */
static unsigned usable_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 0 ? (unsigned)cpus : 1;
}

int rg_engine_start(const struct rg_engine_opts *o, struct rg_engine **out)
{
    struct rg_engine *e = rg_calloc(1, sizeof(*e));
    if (!e) {
        for (unsigned i = 0; o->dtls_profs && i < o->n_dtls_profs; i++)
            rg_dtls_cert_free(o->dtls_profs[i].cert);
        return RG_ENOMEM;
    }
    e->o = *o;
    rg__engine_take_profs(e, o);
    e->ng_fd = e->stop_efd = -1;
    e->n_loops = o->n_loops ? o->n_loops : usable_cpus();
    if (e->n_loops > MAX_LOOPS)
        e->n_loops = MAX_LOOPS;
    rg_rng_os_init(&e->rng);
    e->loops = rg_calloc(e->n_loops, sizeof(*e->loops));
    int rc = e->loops ? make_dtls(e) : RG_ENOMEM;
    if (rc == RG_OK)
        rg__engine_make_profs(e, o);
    if (rc == RG_OK &&
        (o->port_hi < o->port_lo || (unsigned)(o->port_hi - o->port_lo) < 4 * e->n_loops))
        rc = RG_EINVAL;
    if (rc == RG_OK)
        rc = start_loops(e);
    if (rc == RG_OK)
        rc = start_ctl(e);
    if (rc != RG_OK) {
        rg_engine_stop(e);
        return rc;
    }
    *out = e;
    return RG_OK;
}

void rg_engine_stop(struct rg_engine *e)
{
    if (!e)
        return;
    if (e->ctl_th) {
        uint64_t one = 1;
        ssize_t w = write(e->stop_efd, &one, sizeof(one));
        (void)w;
        pthread_join(e->ctl_th, NULL);
    }
    for (unsigned i = 0; e->loops && i < e->n_loops; i++) {
        struct mloop *ml = &e->loops[i];
        if (ml->th) {
            struct job *j = rg_calloc(1, sizeof(*j));
            if (j) {
                j->kind = JOB_STOP;
                rg__engine_jobq_push(&ml->in, j);
            }
            pthread_join(ml->th, NULL);
        }
        if (ml->e) {
            struct job *j;
            while ((j = rg__engine_jobq_pop(&ml->in)) != NULL)
                rg__engine_job_free(j);
            mloop_deinit(ml);
        }
    }
    struct job *j;
    while (e->done.efd > 0 && (j = rg__engine_jobq_pop(&e->done)) != NULL)
        rg__engine_job_free(j);
    if (e->ng_fd >= 0)
        close(e->ng_fd);
    if (e->stop_efd >= 0)
        close(e->stop_efd);
    if (e->done.efd > 0)
        close(e->done.efd);
    rg_loop_deinit(&e->ctl);
    for (unsigned i = 0; i < NG_CACHE_SLOTS; i++)
        rg_buf_deinit(&e->cache[i].reply);
    for (size_t i = 0; i < e->n_ids; i++)
        rg_free(e->ids[i]);
    rg_free(e->ids);
    rg_free(e->loops);
    rg__engine_free_profs(e);
    rg_dtls_ctx_free(e->dtls);
    rg_dtls_cert_free(e->cert);
    rg_dtls_cert_free(e->o.cert); /* when start failed before taking it */
    rg_free(e);
}

