/*
 * engine_client.c — the engine's in-process API (see engine.h) and the job
 * queues shared by all engine threads.
 */
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/alloc.h"
#include "io/engine_priv.h"

int rg__engine_jobq_init(struct jobq *q)
{
    memset(q, 0, sizeof(*q));
    q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (q->efd < 0)
        return RG_EIO;
    pthread_mutex_init(&q->mu, NULL);
    return RG_OK;
}

void rg__engine_jobq_push(struct jobq *q, struct job *j)
{
    j->next = NULL;
    pthread_mutex_lock(&q->mu);
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    pthread_mutex_unlock(&q->mu);
    uint64_t one = 1;
    ssize_t w = write(q->efd, &one, sizeof(one));
    (void)w; /* a full eventfd counter still wakes the reader */
}

struct job *rg__engine_jobq_pop(struct jobq *q)
{
    pthread_mutex_lock(&q->mu);
    struct job *j = q->head;
    if (j) {
        q->head = j->next;
        if (!q->head)
            q->tail = NULL;
    }
    pthread_mutex_unlock(&q->mu);
    return j;
}

void rg__engine_jobq_drain_efd(struct jobq *q)
{
    uint64_t v;
    ssize_t r = read(q->efd, &v, sizeof(v));
    (void)r;
}

void rg__engine_job_free(struct job *j)
{
    if (!j)
        return;
    rg_buf_deinit(&j->reply);
    rg_free(j);
}

/* ---- in-process API ------------------------------------------------------------- */

static void on_client(struct rg_loop *loop, int fd, unsigned events, void *ud)
{
    struct rg_engine_client *c = ud;
    (void)loop;
    (void)fd;
    (void)events;
    rg__engine_jobq_drain_efd(&c->q);
    struct job *j;
    while ((j = rg__engine_jobq_pop(&c->q)) != NULL) {
        if (j->kind == JOB_QUERY)
            j->info_fn(j->ud, j->rc, &j->info);
        else
            j->fn(j->ud, j->rc, rg_buf_str(&j->reply), j->why[0] ? j->why : NULL);
        rg__engine_job_free(j);
    }
}

int rg_engine_client_new(struct rg_engine *e, struct rg_loop *loop, struct rg_engine_client **out)
{
    struct rg_engine_client *c = rg_calloc(1, sizeof(*c));
    if (!c)
        return RG_ENOMEM;
    c->e = e;
    c->loop = loop;
    if (rg__engine_jobq_init(&c->q) != RG_OK) {
        rg_free(c);
        return RG_EIO;
    }
    if (rg_loop_add_fd(loop, c->q.efd, RG_LOOP_IN, on_client, c) != RG_OK) {
        close(c->q.efd);
        rg_free(c);
        return RG_EIO;
    }
    *out = c;
    return RG_OK;
}

void rg_engine_client_free(struct rg_engine_client *c)
{
    if (!c)
        return;
    rg_loop_del_fd(c->loop, c->q.efd);
    struct job *j;
    while ((j = rg__engine_jobq_pop(&c->q)) != NULL)
        rg__engine_job_free(j);
    close(c->q.efd);
    pthread_mutex_destroy(&c->q.mu);
    rg_free(c);
}

static struct job *typed_job(struct rg_engine_client *c, enum job_kind kind, struct rg_str call_id,
                             rg_engine_done_fn *fn, void *ud)
{
    struct job *j = rg_calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    j->kind = kind;
    j->client = c;
    j->fn = fn;
    j->ud = ud;
    rg_buf_init(&j->reply, NG_MAX_REPLY);
    if (rg_str_copy_cstr(call_id, j->call_id, sizeof(j->call_id)) != RG_OK) {
        rg__engine_job_free(j);
        return NULL;
    }
    return j;
}

int rg_engine_sdp(struct rg_engine_client *c, struct rg_str call_id, struct rg_str from_tag,
                  struct rg_str to_tag, bool answer, struct rg_str sdp,
                  const struct rg_mside_req *req, rg_engine_done_fn *fn, void *ud)
{
    if (sdp.len > NG_MAX_REQUEST)
        return RG_ELIMIT;
    struct job *j = typed_job(c, JOB_SDP, call_id, fn, ud);
    if (!j)
        return RG_ENOMEM;
    if (rg_str_copy_cstr(from_tag, j->tag[0], sizeof(j->tag[0])) != RG_OK ||
        rg_str_copy_cstr(to_tag, j->tag[1], sizeof(j->tag[1])) != RG_OK) {
        rg__engine_job_free(j);
        return RG_ELIMIT;
    }
    j->answer = answer;
    j->mreq = *req;
    memcpy(j->req, sdp.p, sdp.len);
    j->len = sdp.len;
    rg__engine_jobq_push(&c->e->loops[rg__engine_route(c->e, call_id)].in, j);
    return RG_OK;
}

int rg_engine_delete(struct rg_engine_client *c, struct rg_str call_id, rg_engine_done_fn *fn,
                     void *ud)
{
    struct job *j = typed_job(c, JOB_DELETE, call_id, fn, ud);
    if (!j)
        return RG_ENOMEM;
    rg__engine_jobq_push(&c->e->loops[rg__engine_route(c->e, call_id)].in, j);
    return RG_OK;
}

int rg_engine_query(struct rg_engine_client *c, struct rg_str call_id, rg_engine_info_fn *fn,
                    void *ud)
{
    struct job *j = typed_job(c, JOB_QUERY, call_id, NULL, ud);
    if (!j)
        return RG_ENOMEM;
    j->info_fn = fn;
    rg__engine_jobq_push(&c->e->loops[rg__engine_route(c->e, call_id)].in, j);
    return RG_OK;
}
