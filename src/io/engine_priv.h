/*
 * engine_priv.h — what engine.c and engine_client.c share: the job that
 * crosses threads, the queues that carry jobs, and the engine's threads'
 * state.  Not for use outside src/io/engine*.c.
 */
#ifndef RG_IO_ENGINE_PRIV_H
#define RG_IO_ENGINE_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/buf.h"
#include "io/engine.h"
#include "io/loop.h"
#include "io/udp.h"
#include "media/ng_cmd.h"
#include "proto/ng/ng_msg.h"

#define NG_MAX_REQUEST 65536
#define NG_MAX_REPLY (128 * 1024)
#define MAX_CALLS_PER_LOOP 100000
#define MAX_LOOPS 16

enum job_kind {
    JOB_NG = 0,   /* an ng datagram from the control loop */
    JOB_SDP,      /* in-process offer/answer (struct rg_engine_client) */
    JOB_DELETE,   /* in-process delete */
    JOB_QUERY,    /* in-process status query */
    JOB_STOP,     /* tells a media loop to quit */
};

struct job {
    struct job *next;
    enum job_kind kind;
    struct rg_addr from;
    size_t len;
    char req[NG_MAX_REQUEST];  /* JOB_NG: the datagram; JOB_SDP: the SDP */
    struct rg_buf reply;       /* JOB_NG: the reply datagram; JOB_SDP: the SDP out */
    bool created, deleted;     /* a call appeared in / left the loop */
    char call_id[RG_MCALL_ID_MAX + 1];
    /* in-process requests */
    char tag[2][RG_MCALL_TAG_MAX + 1];
    bool answer;
    struct rg_mside_req mreq;
    int rc;
    char why[128];
    struct rg_engine_client *client;
    rg_engine_done_fn *fn;
    rg_engine_info_fn *info_fn; /* JOB_QUERY */
    struct rg_engine_call_info info;
    void *ud;
};

struct jobq {
    pthread_mutex_t mu;
    struct job *head, *tail;
    int efd;
};

struct mloop;

struct mcall_io {
    struct rg_mcall *c;
    struct rg_loop_timer timer;
    struct mloop *ml;
};

struct mloop {
    struct rg_engine *e;
    pthread_t th;
    struct rg_loop loop;
    struct jobq in;
    struct rg_rng rng;
    struct rg_mcall_env env;
    struct rg_ngcmd ng;
    uint16_t port_lo, port_hi, cursor;
    struct mcall_io **fdmap;
    size_t fdmap_n;
    struct rg_udp_batch batch;
    atomic_ulong calls;
    /* this loop's share of the aggregate policers, and their counters
     * published for other threads (relaxed stores after each packet batch) */
    struct rg_policer stun_pol, dtls_pol;
    atomic_ulong pub[4];
};

/* Replies to the last ng requests by cookie, so a retransmitted request
 * (the client timed out waiting) is answered again instead of executed
 * twice; a request still being executed is answered once, when done. */
#define NG_CACHE_SLOTS 64
struct ng_cached {
    struct rg_addr from;
    char cookie[RG_NG_MAX_COOKIE + 1];
    bool pending;
    struct rg_buf reply;
};

struct rg_engine_client {
    struct rg_engine *e;
    struct rg_loop *loop;
    struct jobq q;
};

struct rg_engine {
    struct rg_engine_opts o;
    struct mloop *loops;
    unsigned n_loops;
    pthread_t ctl_th;
    struct rg_loop ctl;
    int ng_fd;
    struct jobq done;
    int stop_efd;
    struct rg_dtls_cert *cert;
    struct rg_dtls_ctx *dtls;
    struct rg_dtls_fp fp;
    /* Extra DTLS profiles (engine_dtls.c) */
    struct rg_mdtls_prof prof[RG_ENGINE_DTLS_PROFS];
    struct rg_dtls_cert *prof_cert[RG_ENGINE_DTLS_PROFS];
    char prof_name[RG_ENGINE_DTLS_PROFS][RG_ENGINE_DTLS_NAME];
    const char *prof_names[RG_ENGINE_DTLS_PROFS];
    unsigned n_prof;
    struct rg_rng rng;
    /* control-loop registry of live call-ids, for "list" */
    char **ids;
    size_t n_ids, cap_ids;
    atomic_ulong total_calls;
    char req_buf[NG_MAX_REQUEST];
    struct ng_cached cache[NG_CACHE_SLOTS];
    unsigned cache_next;
};


/* Job queues: a mutex-guarded list plus an eventfd that wakes the owner. */
RG_MUST_CHECK int rg__engine_jobq_init(struct jobq *q);
void rg__engine_jobq_push(struct jobq *q, struct job *j);
struct job *rg__engine_jobq_pop(struct jobq *q);
void rg__engine_jobq_drain_efd(struct jobq *q);
void rg__engine_job_free(struct job *j);
/* engine_dtls.c: extra DTLS profiles.  take: right after copying the
 * options (takes every certificate); make: after the default context;
 * free: in stop. */
void rg__engine_take_profs(struct rg_engine *e, const struct rg_engine_opts *o);
void rg__engine_make_profs(struct rg_engine *e, const struct rg_engine_opts *o);
void rg__engine_free_profs(struct rg_engine *e);
/* The media loop owning call_id. */
size_t rg__engine_route(const struct rg_engine *e, struct rg_str call_id);

#endif
