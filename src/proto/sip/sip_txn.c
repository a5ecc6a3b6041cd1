/* SIP transaction layer: RFC 3261 §17 (state machines, matching), RFC 6026
 * (Accepted states, timers L and M), RFC 3262 §3 (reliable provisionals) and
 * the UAS core's 2xx retransmission (RFC 3261 §13.3.1.4). */
#include "proto/sip/sip_txn.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "proto/sip/sip_build.h"
#include "proto/sip/sip_hdr.h"

#define BRANCH_MAX 128
#define HOST_MAX 256
#define METHOD_MAX 32
#define CALLID_MAX 256
#define SLOT_BITS 20
#define TIMER_MAX_US (600 * 1000000LL)
/* A client INVITE transaction in Proceeding waits at most this long for a
 * final response (like a proxy's timer C, RFC 3261 §16.6 item 11), so a
 * peer that never answers cannot hold a slot forever. */
#define PROCEEDING_MAX_US (180 * 1000000LL)

enum txn_kind { K_ICT = 1, K_NICT, K_IST, K_NIST };
enum txn_state {
    S_CALLING = 1, /* ICT */
    S_TRYING,      /* NICT, NIST */
    S_PROCEEDING,
    S_COMPLETED,
    S_CONFIRMED, /* IST */
    S_ACCEPTED,  /* ICT, IST (RFC 6026) */
};
enum rel_kind { REL_NONE = 0, REL_2XX, REL_1XX };

struct txn {
    uint64_t id; /* 0: free slot */
    uint8_t kind, state, rel;
    bool auto100_pending; /* IST: resp holds an unsent 100 Trying */
    struct rg_sip_tinfo peer;
    char branch[BRANCH_MAX], host[HOST_MAX], method[METHOD_MAX], callid[CALLID_MAX];
    uint8_t branch_len, method_len;
    uint16_t host_len, callid_len;
    uint32_t port, cseq, rseq;
    char *req, *resp, *relb; /* owned: request (client), last response or ACK, rel msg */
    size_t req_len, resp_len, relb_len;
    int64_t t_retx, retx_iv, t_end, t_trying, t_rel, rel_iv, t_rel_end; /* INT64_MAX: off */
};

struct tx_item {
    char *data;
    size_t len;
    struct rg_sip_tinfo to;
};

struct rg_sip_txl {
    struct rg_sip_txl_cfg cfg;
    struct txn *t;
    uint32_t n_used;
    uint64_t seq;
    struct tx_item *txq;
    uint32_t txq_cap, txq_head, txq_n;
    char *polled; /* last transmit handed out */
    struct rg_sip_event *evq;
    uint32_t evq_cap, evq_head, evq_n, msg_events;
    struct rg_buf scratch;
    struct rg_arena arena;
};

static struct rg_str tstr(const char *p, size_t n)
{
    return rg_str_make(p, n);
}

int rg_sip_txl_new(const struct rg_sip_txl_cfg *cfg, struct rg_sip_txl **out)
{
    struct rg_sip_txl_cfg c = cfg ? *cfg : RG_SIP_TXL_CFG_DEFAULT;
    /* Upper bounds keep 64*T1 and every doubling far from overflow. */
    if (c.t1_us <= 0 || c.t2_us < c.t1_us || c.t4_us <= 0 || c.trying_delay_us < 0 ||
        c.t1_us > TIMER_MAX_US || c.t2_us > TIMER_MAX_US || c.t4_us > TIMER_MAX_US ||
        c.trying_delay_us > TIMER_MAX_US ||
        c.max_txns == 0 || c.max_txns >= (1u << SLOT_BITS) || c.max_msg_bytes < 256)
        return RG_EINVAL;
    struct rg_sip_txl *x = rg_calloc(1, sizeof(*x));
    if (!x)
        return RG_ENOMEM;
    x->cfg = c;
    x->txq_cap = c.max_txns * 2 + 16;
    x->evq_cap = c.max_txns * 3 + 16;
    x->t = rg_calloc(c.max_txns, sizeof(*x->t));
    x->txq = rg_calloc(x->txq_cap, sizeof(*x->txq));
    x->evq = rg_calloc(x->evq_cap, sizeof(*x->evq));
    if (!x->t || !x->txq || !x->evq) {
        rg_free(x->t);
        rg_free(x->txq);
        rg_free(x->evq);
        rg_free(x);
        return RG_ENOMEM;
    }
    rg_buf_init(&x->scratch, c.max_msg_bytes);
    rg_arena_init(&x->arena, 8192, 4 * c.max_msg_bytes + 65536);
    *out = x;
    return RG_OK;
}

static void txn_clear(struct rg_sip_txl *x, struct txn *t)
{
    if (!t->id)
        return;
    rg_free(t->req);
    rg_free(t->resp);
    rg_free(t->relb);
    memset(t, 0, sizeof(*t));
    x->n_used--;
}

void rg_sip_txl_free(struct rg_sip_txl *x)
{
    if (!x)
        return;
    for (uint32_t i = 0; i < x->cfg.max_txns; i++)
        txn_clear(x, &x->t[i]);
    for (uint32_t i = 0; i < x->txq_n; i++)
        rg_free(x->txq[(x->txq_head + i) % x->txq_cap].data);
    rg_free(x->polled);
    rg_buf_deinit(&x->scratch);
    rg_arena_deinit(&x->arena);
    rg_free(x->t);
    rg_free(x->txq);
    rg_free(x->evq);
    rg_free(x);
}

uint32_t rg_sip_txl_count(const struct rg_sip_txl *x)
{
    return x->n_used;
}

/* ---- queues ---- */

static bool ev_room(const struct rg_sip_txl *x)
{
    return x->evq_n < x->evq_cap;
}

static void ev_push(struct rg_sip_txl *x, enum rg_sip_ev_kind kind, uint64_t txn,
                    const struct rg_sip_msg *msg, const struct rg_sip_tinfo *from)
{
    struct rg_sip_event *e = &x->evq[(x->evq_head + x->evq_n) % x->evq_cap];
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->txn = txn;
    e->msg = msg;
    if (from)
        e->from = *from;
    x->evq_n++;
    if (msg)
        x->msg_events++;
}

int rg_sip_txl_poll_event(struct rg_sip_txl *x, struct rg_sip_event *out)
{
    if (!x->evq_n)
        return RG_EAGAIN;
    *out = x->evq[x->evq_head];
    x->evq_head = (x->evq_head + 1) % x->evq_cap;
    x->evq_n--;
    if (out->msg)
        x->msg_events--;
    return RG_OK;
}

/* Queues a copy of data[0..len).  RG_ELIMIT when the queue is full. */
static int tx_push(struct rg_sip_txl *x, const char *data, size_t len,
                   const struct rg_sip_tinfo *to)
{
    if (x->txq_n == x->txq_cap)
        return RG_ELIMIT;
    char *c = rg_malloc(len ? len : 1);
    if (!c)
        return RG_ENOMEM;
    memcpy(c, data, len);
    struct tx_item *it = &x->txq[(x->txq_head + x->txq_n) % x->txq_cap];
    it->data = c;
    it->len = len;
    it->to = *to;
    x->txq_n++;
    return RG_OK;
}

int rg_sip_txl_poll_transmit(struct rg_sip_txl *x, struct rg_sip_transmit *out)
{
    rg_free(x->polled);
    x->polled = NULL;
    if (!x->txq_n)
        return RG_EAGAIN;
    struct tx_item *it = &x->txq[x->txq_head];
    x->txq_head = (x->txq_head + 1) % x->txq_cap;
    x->txq_n--;
    x->polled = it->data;
    out->data = it->data;
    out->len = it->len;
    out->to = it->to;
    return RG_OK;
}

/* Serializes m into a new owned copy. */
static int dup_msg(struct rg_sip_txl *x, const struct rg_sip_msg *m, char **out, size_t *len)
{
    rg_buf_reset(&x->scratch);
    int rc = rg_sip_serialize(m, &x->scratch);
    if (rc != RG_OK)
        return rc;
    char *c = rg_malloc(x->scratch.len);
    if (!c)
        return RG_ENOMEM;
    memcpy(c, x->scratch.data, x->scratch.len);
    *out = c;
    *len = x->scratch.len;
    return RG_OK;
}

/* ---- matching ---- */

static bool is_method(struct rg_str m, const char *s)
{
    return rg_str_eq_cstr(m, s);
}

static struct txn *find_client(struct rg_sip_txl *x, struct rg_str branch, struct rg_str method)
{
    for (uint32_t i = 0; i < x->cfg.max_txns; i++) {
        struct txn *t = &x->t[i];
        if (t->id && (t->kind == K_ICT || t->kind == K_NICT) &&
            rg_str_eq(tstr(t->branch, t->branch_len), branch) &&
            rg_str_eq(tstr(t->method, t->method_len), method))
            return t;
    }
    return NULL;
}

/* RFC 3261 §17.2.3: branch, sent-by and method (ACK matches INVITE). */
static struct txn *find_server(struct rg_sip_txl *x, const struct rg_sip_via *v,
                               struct rg_str method)
{
    for (uint32_t i = 0; i < x->cfg.max_txns; i++) {
        struct txn *t = &x->t[i];
        if (t->id && (t->kind == K_IST || t->kind == K_NIST) && t->port == v->port &&
            rg_str_eq(tstr(t->branch, t->branch_len), v->branch) &&
            rg_str_caseeq(tstr(t->host, t->host_len), v->host) &&
            rg_str_eq(tstr(t->method, t->method_len), method))
            return t;
    }
    return NULL;
}

static struct txn *find_id(struct rg_sip_txl *x, uint64_t id)
{
    uint32_t slot = (uint32_t)(id & ((1u << SLOT_BITS) - 1));
    if (!id || slot >= x->cfg.max_txns || x->t[slot].id != id)
        return NULL;
    return &x->t[slot];
}

/* Takes a free slot and fills the keys; NULL when full or a key is too
 * long to store. */
static struct txn *txn_alloc(struct rg_sip_txl *x, enum txn_kind kind, struct rg_str branch,
                             struct rg_str method, const struct rg_sip_msg *m)
{
    const struct rg_sip_via *v = &m->vias[0];
    if (branch.len > BRANCH_MAX || method.len > METHOD_MAX || v->host.len > HOST_MAX ||
        m->call_id.len > CALLID_MAX)
        return NULL;
    for (uint32_t i = 0; i < x->cfg.max_txns; i++) {
        struct txn *t = &x->t[i];
        if (t->id)
            continue;
        t->id = (++x->seq << SLOT_BITS) | i;
        t->kind = (uint8_t)kind;
        memcpy(t->branch, branch.p, branch.len);
        t->branch_len = (uint8_t)branch.len;
        memcpy(t->method, method.p, method.len);
        t->method_len = (uint8_t)method.len;
        memcpy(t->host, v->host.p, v->host.len);
        t->host_len = (uint16_t)v->host.len;
        if (m->call_id.len)
            memcpy(t->callid, m->call_id.p, m->call_id.len);
        t->callid_len = (uint16_t)m->call_id.len;
        t->port = v->port;
        t->cseq = m->cseq;
        t->t_retx = t->t_end = t->t_trying = t->t_rel = t->t_rel_end = INT64_MAX;
        x->n_used++;
        return t;
    }
    return NULL;
}

/* ---- sending ---- */

/* Retransmissions that do not fit the queue are skipped: to the peer that
 * looks like one more lost datagram, and the next timer tries again. */
static void resend(struct rg_sip_txl *x, const char *data, size_t len,
                   const struct rg_sip_tinfo *to)
{
    if (data)
        (void)tx_push(x, data, len, to);
}

static int64_t later(int64_t now_us, int64_t d)
{
    return d >= INT64_MAX - now_us ? INT64_MAX : now_us + d;
}

/* ---- client transactions (RFC 3261 §17.1) ---- */

/* First Via header value of m when it holds exactly one Via. */
static struct rg_str top_via_value(const struct rg_sip_msg *m)
{
    for (size_t i = 0; i < m->n_hdrs; i++)
        if (m->hdrs[i].id == RG_SIP_H_VIA)
            return rg_sip_hdr_count_commas(m->hdrs[i].value) > 1 ? RG_STR_NULL : m->hdrs[i].value;
    return RG_STR_NULL;
}

static struct rg_str hdr_value(const struct rg_sip_msg *m, enum rg_sip_hdr_id id)
{
    for (size_t i = 0; i < m->n_hdrs; i++)
        if (m->hdrs[i].id == id)
            return m->hdrs[i].value;
    return RG_STR_NULL;
}

/* RFC 3261 §17.1.1.3: the ACK for a non-2xx final response to the INVITE
 * in t->req: Request-URI, Call-ID, From, CSeq number, the one Via and the
 * Route headers of the INVITE, To of the response. */
static int build_ack(struct rg_sip_txl *x, struct txn *t, const struct rg_sip_msg *resp)
{
    rg_arena_reset(&x->arena);
    struct rg_sip_msg *inv, *ack;
    struct rg_sip_error e;
    int rc = rg_sip_parse(t->req, t->req_len, NULL, &x->arena, &inv, &e);
    if (rc != RG_OK)
        return rc == RG_ENOMEM ? rc : RG_EINVAL;
    struct rg_str via = top_via_value(inv);
    if (!via.p)
        return RG_EINVAL;
    char cseq[32];
    int n = snprintf(cseq, sizeof(cseq), "%u ACK", (unsigned)inv->cseq);
    rc = rg_sip_msg_new_request(&x->arena, RG_STR_LIT("ACK"), inv->ruri_text, &ack);
    if (rc == RG_OK)
        rc = rg_sip_msg_add(ack, &x->arena, RG_STR_LIT("Via"), via);
    if (rc == RG_OK)
        rc = rg_sip_msg_add(ack, &x->arena, RG_STR_LIT("Max-Forwards"), RG_STR_LIT("70"));
    if (rc == RG_OK)
        rc = rg_sip_msg_add(ack, &x->arena, RG_STR_LIT("From"), hdr_value(inv, RG_SIP_H_FROM));
    if (rc == RG_OK)
        rc = rg_sip_msg_add(ack, &x->arena, RG_STR_LIT("To"), hdr_value(resp, RG_SIP_H_TO));
    if (rc == RG_OK)
        rc = rg_sip_msg_add(ack, &x->arena, RG_STR_LIT("Call-ID"), inv->call_id);
    if (rc == RG_OK)
        rc = rg_sip_msg_add(ack, &x->arena, RG_STR_LIT("CSeq"), tstr(cseq, (size_t)n));
    for (size_t i = 0; rc == RG_OK && i < inv->n_hdrs; i++)
        if (inv->hdrs[i].id == RG_SIP_H_ROUTE)
            rc = rg_sip_msg_add(ack, &x->arena, RG_STR_LIT("Route"), inv->hdrs[i].value);
    if (rc != RG_OK)
        return rc;
    rg_free(t->resp);
    t->resp = NULL;
    return dup_msg(x, ack, &t->resp, &t->resp_len);
}

int rg_sip_txl_request(struct rg_sip_txl *x, int64_t now_us, const struct rg_sip_msg *req,
                       const struct rg_sip_tinfo *to, uint64_t *txn)
{
    if (!req->is_request || req->n_vias == 0 || !req->has_cseq ||
        !rg_sip_branch_is_rfc3261(req->vias[0].branch) || is_method(req->method, "ACK"))
        return RG_EINVAL;
    if (find_client(x, req->vias[0].branch, req->method))
        return RG_EEXIST;
    bool invite = is_method(req->method, "INVITE");
    char *data;
    size_t len;
    int rc = dup_msg(x, req, &data, &len);
    if (rc != RG_OK)
        return rc;
    struct txn *t = NULL;
    if (x->txq_n < x->txq_cap)
        t = txn_alloc(x, invite ? K_ICT : K_NICT, req->vias[0].branch, req->method, req);
    if (!t) {
        rg_free(data);
        return RG_ELIMIT;
    }
    rc = tx_push(x, data, len, to);
    if (rc != RG_OK) {
        rg_free(data);
        txn_clear(x, t);
        return rc;
    }
    t->req = data;
    t->req_len = len;
    t->peer = *to;
    t->state = invite ? S_CALLING : S_TRYING;
    /* Timers A / E only on unreliable transports; B / F = 64*T1. */
    t->retx_iv = x->cfg.t1_us;
    if (!to->reliable)
        t->t_retx = later(now_us, x->cfg.t1_us);
    t->t_end = later(now_us, 64 * x->cfg.t1_us);
    *txn = t->id;
    return RG_OK;
}

/* Final response: Completed with timer D (ICT) or K (NICT), zero on a
 * reliable transport, where the transaction ends at once. */
static void client_completed(struct rg_sip_txl *x, struct txn *t, int64_t now_us)
{
    int64_t wait = t->kind == K_ICT ? 32000000LL : x->cfg.t4_us;
    if (wait < 64 * x->cfg.t1_us && t->kind == K_ICT)
        wait = 64 * x->cfg.t1_us; /* §17.1.1.2: D >= 64*T1 for unreliable */
    t->state = S_COMPLETED;
    t->t_retx = INT64_MAX;
    t->t_end = t->peer.reliable ? now_us : later(now_us, wait);
}

static int ict_response(struct rg_sip_txl *x, struct txn *t, int64_t now_us,
                        const struct rg_sip_msg *m)
{
    bool live = t->state == S_CALLING || t->state == S_PROCEEDING;
    if (m->status < 200) {
        if (!live)
            return RG_OK;
        t->state = S_PROCEEDING;
        t->t_retx = INT64_MAX;
        t->t_end = later(now_us, PROCEEDING_MAX_US);
    } else if (m->status < 300) {
        /* RFC 6026 §8.4: Accepted; every 2xx goes to the TU, which ACKs. */
        if (live) {
            t->state = S_ACCEPTED;
            t->t_retx = INT64_MAX;
            t->t_end = later(now_us, 64 * x->cfg.t1_us); /* timer M */
        } else if (t->state != S_ACCEPTED) {
            return RG_OK;
        }
    } else if (live) {
        int rc = build_ack(x, t, m);
        if (rc != RG_OK)
            return rc;
        resend(x, t->resp, t->resp_len, &t->peer);
        client_completed(x, t, now_us);
    } else {
        if (t->state == S_COMPLETED)
            resend(x, t->resp, t->resp_len, &t->peer); /* absorbed, ACK again */
        return RG_OK;
    }
    ev_push(x, RG_SIP_EV_RESPONSE, t->id, m, NULL);
    return RG_OK;
}

static int nict_response(struct rg_sip_txl *x, struct txn *t, int64_t now_us,
                         const struct rg_sip_msg *m)
{
    if (t->state != S_TRYING && t->state != S_PROCEEDING)
        return RG_OK; /* Completed absorbs retransmitted finals (§17.1.2.2) */
    if (m->status < 200) {
        if (t->state == S_TRYING && !t->peer.reliable)
            t->t_retx = later(now_us, x->cfg.t2_us); /* E fires at T2 in Proceeding */
        t->state = S_PROCEEDING;
    } else {
        client_completed(x, t, now_us);
    }
    ev_push(x, RG_SIP_EV_RESPONSE, t->id, m, NULL);
    return RG_OK;
}

static int client_message(struct rg_sip_txl *x, int64_t now_us, const struct rg_sip_msg *m)
{
    struct txn *t = find_client(x, m->vias[0].branch, m->cseq_method);
    if (!t) {
        ev_push(x, RG_SIP_EV_STRAY, 0, m, NULL);
        return RG_OK;
    }
    if (t->kind == K_ICT)
        return ict_response(x, t, now_us, m);
    return nict_response(x, t, now_us, m);
}

static void client_timers(struct rg_sip_txl *x, struct txn *t, int64_t now_us)
{
    if (t->t_end <= now_us) {
        /* B, F and the Proceeding bound are failures; D, K, M end quietly. */
        bool fail = t->state == S_CALLING || t->state == S_TRYING || t->state == S_PROCEEDING;
        if (fail && !ev_room(x))
            return;
        if (fail)
            ev_push(x, RG_SIP_EV_TIMEOUT, t->id, NULL, &t->peer);
        txn_clear(x, t);
        return;
    }
    if (t->t_retx <= now_us) {
        resend(x, t->req, t->req_len, &t->peer);
        if (t->kind == K_ICT)
            t->retx_iv *= 2; /* timer A doubles without the T2 cap (§17.1.1.2) */
        else if (t->state == S_PROCEEDING)
            t->retx_iv = x->cfg.t2_us;
        else
            t->retx_iv = t->retx_iv * 2 < x->cfg.t2_us ? t->retx_iv * 2 : x->cfg.t2_us;
        t->t_retx = later(now_us, t->retx_iv);
    }
}

/* ---- server transactions (RFC 3261 §17.2) ---- */

/* An ACK: for a non-2xx it belongs to the INVITE server transaction; one
 * for a 2xx (new branch) goes to the TU and stops the 2xx retransmission
 * of the INVITE with the same Call-ID and CSeq number (§13.3.1.4). */
static int server_ack(struct rg_sip_txl *x, int64_t now_us, const struct rg_sip_msg *m,
                      const struct rg_sip_tinfo *from)
{
    struct txn *t = find_server(x, &m->vias[0], RG_STR_LIT("INVITE"));
    if (t && (t->state == S_COMPLETED || t->state == S_CONFIRMED)) {
        if (t->state == S_COMPLETED) {
            t->state = S_CONFIRMED;
            t->t_retx = INT64_MAX;
            t->t_end = t->peer.reliable ? now_us : later(now_us, x->cfg.t4_us); /* timer I */
        }
        return RG_OK;
    }
    for (uint32_t i = 0; i < x->cfg.max_txns; i++) {
        struct txn *s = &x->t[i];
        if (s->id && s->kind == K_IST && s->rel == REL_2XX && s->cseq == m->cseq &&
            rg_str_eq(tstr(s->callid, s->callid_len), m->call_id)) {
            s->rel = REL_NONE;
            s->t_rel = s->t_rel_end = INT64_MAX;
        }
    }
    ev_push(x, RG_SIP_EV_ACK, 0, m, from);
    return RG_OK;
}

/* A retransmitted request: resend the last response where the state
 * machine says so (§17.2.1, §17.2.2, RFC 6026 §8.7). */
static void server_retransmission(struct rg_sip_txl *x, struct txn *t)
{
    if (t->kind == K_IST && t->state == S_PROCEEDING && t->auto100_pending) {
        t->auto100_pending = false;
        t->t_trying = INT64_MAX;
    }
    /* IST Accepted/Confirmed and NIST Trying absorb it silently. */
    if (t->state == S_PROCEEDING || t->state == S_COMPLETED)
        resend(x, t->resp, t->resp_len, &t->peer);
}

/* The 100 Trying an INVITE server transaction sends for the TU. */
static int prepare_trying(struct rg_sip_txl *x, struct txn *t, int64_t now_us,
                          const struct rg_sip_msg *m)
{
    rg_arena_reset(&x->arena);
    struct rg_sip_msg *r;
    int rc = rg_sip_make_response(m, &x->arena, 100, RG_STR_LIT("Trying"), RG_STR_NULL, &r);
    if (rc == RG_OK)
        rc = dup_msg(x, r, &t->resp, &t->resp_len);
    if (rc != RG_OK)
        return rc;
    t->auto100_pending = true;
    t->t_trying = later(now_us, x->cfg.trying_delay_us);
    if (x->cfg.trying_delay_us == 0) {
        resend(x, t->resp, t->resp_len, &t->peer);
        t->auto100_pending = false;
        t->t_trying = INT64_MAX;
    }
    return RG_OK;
}

static int server_message(struct rg_sip_txl *x, int64_t now_us, const struct rg_sip_msg *m,
                          const struct rg_sip_tinfo *from)
{
    const struct rg_sip_via *v = &m->vias[0];
    if (!rg_sip_branch_is_rfc3261(v->branch)) {
        ev_push(x, is_method(m->method, "ACK") ? RG_SIP_EV_ACK : RG_SIP_EV_STRAY, 0, m, from);
        return RG_OK;
    }
    if (is_method(m->method, "ACK"))
        return server_ack(x, now_us, m, from);
    struct txn *t = find_server(x, v, m->method);
    if (t) {
        server_retransmission(x, t);
        return RG_OK;
    }
    bool invite = is_method(m->method, "INVITE");
    t = txn_alloc(x, invite ? K_IST : K_NIST, v->branch, m->method, m);
    if (!t)
        return RG_ELIMIT;
    t->peer = *from;
    t->state = invite ? S_PROCEEDING : S_TRYING;
    if (invite) {
        int rc = prepare_trying(x, t, now_us, m);
        if (rc != RG_OK) {
            txn_clear(x, t);
            return rc;
        }
    }
    uint64_t id = t->id, cancels = 0;
    if (is_method(m->method, "CANCEL")) {
        struct txn *inv = find_server(x, v, RG_STR_LIT("INVITE"));
        cancels = inv ? inv->id : 0;
    }
    ev_push(x, RG_SIP_EV_REQUEST, id, m, from);
    x->evq[(x->evq_head + x->evq_n - 1) % x->evq_cap].cancels = cancels;
    return RG_OK;
}

/* RFC 3262 §3, §7.1: a provisional response sent reliably carries
 * Require: 100rel and an RSeq. */
static bool reliable_1xx(const struct rg_sip_msg *r, uint32_t *rseq)
{
    bool req100 = false;
    for (size_t i = 0; i < r->require.n; i++)
        if (rg_str_caseeq_cstr(r->require.v[i], "100rel"))
            req100 = true;
    const struct rg_sip_hdr *h = rg_sip_msg_find(r, RG_STR_LIT("RSeq"), NULL);
    uint64_t v;
    if (!req100 || !h || rg_str_to_u64(h->value, UINT32_MAX, &v) != RG_OK || v == 0)
        return false;
    *rseq = (uint32_t)v;
    return true;
}

static void set_rel(struct rg_sip_txl *x, struct txn *t, int64_t now_us, uint8_t kind, char *data,
                    size_t len)
{
    rg_free(t->relb);
    t->relb = data;
    t->relb_len = len;
    t->rel = kind;
    t->rel_iv = x->cfg.t1_us;
    t->t_rel = later(now_us, x->cfg.t1_us);
    t->t_rel_end = later(now_us, 64 * x->cfg.t1_us);
    /* §13.3.1.4: the 2xx is retransmitted where the transport does not
     * already deliver it; the wait for the ACK runs either way. */
    if (kind == REL_2XX && t->peer.reliable)
        t->t_rel = INT64_MAX;
}

/* IST state change for response r; copy (owned, or NULL) is what the UAS
 * core retransmits: the 2xx or a reliable provisional. */
static void ist_respond(struct rg_sip_txl *x, struct txn *t, int64_t now_us,
                        const struct rg_sip_msg *r, char *copy, size_t len)
{
    uint32_t rseq = 0;
    if (r->status < 200 && copy && reliable_1xx(r, &rseq)) {
        set_rel(x, t, now_us, REL_1XX, copy, len);
        t->rseq = rseq;
    } else if (r->status >= 200 && r->status < 300) {
        t->state = S_ACCEPTED;
        t->t_end = later(now_us, 64 * x->cfg.t1_us); /* timer L */
        set_rel(x, t, now_us, REL_2XX, copy, len);
    } else if (r->status >= 300) {
        t->state = S_COMPLETED;
        rg_free(t->relb);
        t->relb = NULL;
        t->rel = REL_NONE;
        t->t_rel = t->t_rel_end = INT64_MAX;
        t->retx_iv = x->cfg.t1_us;
        if (!t->peer.reliable)
            t->t_retx = later(now_us, x->cfg.t1_us); /* timer G */
        t->t_end = later(now_us, 64 * x->cfg.t1_us); /* timer H */
    }
}

/* May resp go out on t now?  RG_OK, RG_ESTATE. */
static int may_respond(const struct txn *t, const struct rg_sip_msg *r, bool *keep_copy)
{
    uint32_t rseq;
    bool rel1xx = r->status < 200 && reliable_1xx(r, &rseq);
    *keep_copy = false;
    if (t->kind == K_NIST)
        return t->state == S_TRYING || t->state == S_PROCEEDING ? RG_OK : RG_ESTATE;
    if (t->state == S_ACCEPTED && r->status / 100 == 2)
        return RG_OK; /* RFC 6026 §8.5: the TU's 2xx retransmissions pass */
    if (t->state != S_PROCEEDING || (t->rel == REL_1XX && rel1xx))
        return RG_ESTATE;
    *keep_copy = rel1xx || r->status / 100 == 2;
    return RG_OK;
}

int rg_sip_txl_respond(struct rg_sip_txl *x, int64_t now_us, uint64_t id,
                       const struct rg_sip_msg *r)
{
    struct txn *t = find_id(x, id);
    if (!t || (t->kind != K_IST && t->kind != K_NIST))
        return RG_ENOTFOUND;
    if (r->is_request || r->status < 100 || r->status > 699)
        return RG_EINVAL;
    bool keep;
    int rc = may_respond(t, r, &keep);
    if (rc != RG_OK)
        return rc;
    char *data = NULL, *copy = NULL;
    size_t len = 0;
    rc = dup_msg(x, r, &data, &len);
    if (rc == RG_OK && keep && !(copy = rg_malloc(len)))
        rc = RG_ENOMEM;
    if (rc == RG_OK)
        rc = tx_push(x, data, len, &t->peer);
    if (rc != RG_OK) {
        rg_free(data);
        rg_free(copy);
        return rc;
    }
    if (t->kind == K_IST && t->state == S_ACCEPTED) {
        rg_free(data); /* passed through; the UAS core already retransmits */
        return RG_OK;
    }
    if (copy)
        memcpy(copy, data, len);
    rg_free(t->resp);
    t->resp = data;
    t->resp_len = len;
    t->auto100_pending = false;
    t->t_trying = INT64_MAX;
    if (t->kind == K_IST) {
        ist_respond(x, t, now_us, r, copy, len);
    } else if (r->status < 200) {
        t->state = S_PROCEEDING;
    } else {
        t->state = S_COMPLETED; /* timer J: 64*T1 unreliable, 0 reliable */
        t->t_end = t->peer.reliable ? now_us : later(now_us, 64 * x->cfg.t1_us);
    }
    return RG_OK;
}

int rg_sip_txl_prack(struct rg_sip_txl *x, uint64_t id, uint32_t rseq)
{
    struct txn *t = find_id(x, id);
    if (!t || t->kind != K_IST || t->rel != REL_1XX || t->rseq != rseq)
        return RG_ENOTFOUND;
    rg_free(t->relb);
    t->relb = NULL;
    t->rel = REL_NONE;
    t->t_rel = t->t_rel_end = INT64_MAX;
    return RG_OK;
}

/* The UAS core's retransmitters: 2xx until ACK, reliable 1xx until PRACK. */
static void rel_timers(struct rg_sip_txl *x, struct txn *t, int64_t now_us)
{
    if (t->t_rel_end <= now_us) {
        if (!ev_room(x))
            return;
        ev_push(x, t->rel == REL_2XX ? RG_SIP_EV_NO_ACK : RG_SIP_EV_PRACK_TIMEOUT, t->id, NULL,
                &t->peer);
        rg_free(t->relb);
        t->relb = NULL;
        t->rel = REL_NONE;
        t->t_rel = t->t_rel_end = INT64_MAX;
        return;
    }
    if (t->t_rel <= now_us) {
        resend(x, t->relb, t->relb_len, &t->peer);
        /* 2xx: doubling up to T2 (§13.3.1.4); reliable 1xx: doubling
         * (RFC 3262 §3 sets no cap). */
        t->rel_iv *= 2;
        if (t->rel == REL_2XX && t->rel_iv > x->cfg.t2_us)
            t->rel_iv = x->cfg.t2_us;
        t->t_rel = later(now_us, t->rel_iv);
    }
}

static void server_timers(struct rg_sip_txl *x, struct txn *t, int64_t now_us)
{
    if (t->t_rel <= now_us || t->t_rel_end <= now_us)
        rel_timers(x, t, now_us);
    if (t->t_trying <= now_us) {
        t->t_trying = INT64_MAX;
        t->auto100_pending = false;
        resend(x, t->resp, t->resp_len, &t->peer);
    }
    if (t->t_end <= now_us) {
        if (t->rel == REL_2XX && t->t_rel_end <= now_us)
            return; /* NO_ACK not yet queued: retry when the queue has room */
        bool fail = t->kind == K_IST && t->state == S_COMPLETED; /* timer H */
        if (fail && !ev_room(x))
            return;
        if (fail)
            ev_push(x, RG_SIP_EV_TIMEOUT, t->id, NULL, &t->peer);
        txn_clear(x, t);
        return;
    }
    if (t->t_retx <= now_us) {
        resend(x, t->resp, t->resp_len, &t->peer); /* timer G */
        t->retx_iv = t->retx_iv * 2 < x->cfg.t2_us ? t->retx_iv * 2 : x->cfg.t2_us;
        t->t_retx = later(now_us, t->retx_iv);
    }
}

int rg_sip_txl_handle_message(struct rg_sip_txl *x, int64_t now_us, const struct rg_sip_msg *m,
                              const struct rg_sip_tinfo *from)
{
    if (x->msg_events)
        return RG_ESTATE;
    if (!ev_room(x))
        return RG_ELIMIT;
    if (m->n_vias == 0 || !m->has_cseq) {
        ev_push(x, RG_SIP_EV_STRAY, 0, m, from);
        return RG_OK;
    }
    if (m->is_request)
        return server_message(x, now_us, m, from);
    return client_message(x, now_us, m);
}

int64_t rg_sip_txl_next_timeout_us(const struct rg_sip_txl *x)
{
    int64_t best = INT64_MAX;
    for (uint32_t i = 0; i < x->cfg.max_txns; i++) {
        const struct txn *t = &x->t[i];
        if (!t->id)
            continue;
        int64_t v[5] = {t->t_retx, t->t_end, t->t_trying, t->t_rel, t->t_rel_end};
        for (int k = 0; k < 5; k++)
            if (v[k] < best)
                best = v[k];
    }
    return best;
}

void rg_sip_txl_handle_timeout(struct rg_sip_txl *x, int64_t now_us)
{
    for (uint32_t i = 0; i < x->cfg.max_txns; i++) {
        struct txn *t = &x->t[i];
        if (!t->id)
            continue;
        if (t->kind == K_ICT || t->kind == K_NICT)
            client_timers(x, t, now_us);
        else
            server_timers(x, t, now_us);
    }
}

int rg_sip_txl_send_stateless(struct rg_sip_txl *x, const struct rg_sip_msg *m,
                              const struct rg_sip_tinfo *to)
{
    rg_buf_reset(&x->scratch);
    int rc = rg_sip_serialize(m, &x->scratch);
    if (rc != RG_OK)
        return rc;
    return tx_push(x, x->scratch.data, x->scratch.len, to);
}

void rg_sip_txl_flow_failed(struct rg_sip_txl *x, uint64_t flow)
{
    for (uint32_t i = 0; i < x->cfg.max_txns; i++) {
        struct txn *t = &x->t[i];
        if (!t->id || !t->peer.reliable || t->peer.flow != flow || !ev_room(x))
            continue;
        ev_push(x, RG_SIP_EV_TRANSPORT, t->id, NULL, &t->peer);
        txn_clear(x, t);
    }
}
