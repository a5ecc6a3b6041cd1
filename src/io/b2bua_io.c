/*
 * b2bua_io.c — the B2BUA's glue on the daemon loop (see b2bua_io.h).
 */
#include "io/b2bua_io.h"

#include <stdio.h>
#include <string.h>

#include "b2bua/b2bua.h"
#include "b2bua/registrar.h"
#include "core/alloc.h"
#include "ctl/cfg_registrar.h"
#include "io/sip_transport.h"
#include "media/mcall.h"
#include "proto/srtp/srtp_ctx.h"

#define PEND_MAX 8192u
#define INFO_MAX 4096u
#define CDS_PERIOD_US 1000000

/* The engine's last answer about one call, for callDetailStatus. */
struct info {
    struct rg_b2bua_io *g;
    char id[40];
    bool used, busy, valid;
    uint64_t tick;       /* last tick the call was live */
    int64_t first_us;    /* when first queried (bandwidth average) */
    struct rg_engine_call_info ei;
};

/* One engine request in flight: its completion finds the B2BUA here. */
struct pend {
    struct rg_b2bua_io *g;
    uint64_t cookie;
    bool used;
};

struct rg_b2bua_io {
    struct rg_loop *loop;
    struct rg_sip_service *sip;
    struct rg_sip_tp *tp;
    struct rg_ctl *ctl;
    const struct rg_log *log;
    struct rg_cfg_snap *snap;
    struct rg_engine_client *cl;
    struct rg_b2b *b2b;
    struct rg_reg *reg; /* browsers' registrations (NULL: not configured) */
    const struct rg_secret *sec; /* decrypts registrar passwords at each commit */
    struct rg_loop_timer timer;
    bool timer_on;
    bool stopping; /* the engine is gone: nothing to delete */
    struct pend *pend;
    unsigned pend_next;
    /* callDetailStatus: engine answers, the records put last tick */
    struct rg_loop_timer cds_timer;
    bool cds_on;
    uint64_t tick;
    struct info *info;
    uint32_t *put, *live;
    size_t n_put, n_live, max_put;
};

/* ---- sending and timers ------------------------------------------------------------ */

static int64_t next_deadline(const struct rg_b2bua_io *g)
{
    int64_t next = rg_b2b_next_timeout_us(g->b2b);
    int64_t r = g->reg ? rg_reg_next_timeout_us(g->reg) : INT64_MAX;
    return r < next ? r : next;
}

static void flush(struct rg_b2bua_io *g)
{
    struct rg_sip_transmit tx;
    while (rg_b2b_poll_transmit(g->b2b, &tx) == RG_OK) {
        int rc;
        if (tx.to.flow & RG_B2B_FLOW_TO_BIT) {
            enum rg_sip_tp_kind k = (enum rg_sip_tp_kind)(tx.to.flow & 0xff);
            rc = rg_sip_tp_send_to(g->tp, k, &tx.to.addr, tx.data, tx.len, NULL);
        } else {
            struct rg_sip_flow f = {.conn = tx.to.flow, .peer = tx.to.addr};
            rc = rg_sip_tp_send(g->tp, &f, tx.data, tx.len);
        }
        if (rc != RG_OK)
            RG_LOG(g->log, RG_LOG_INFO, b2bua, NULL, "SIP send failed: %s", rg_strerror(rc));
    }
}

static void on_timer(struct rg_loop *loop, void *ud);

/* After every input: send what the call model queued, re-arm the timer. */
static void settle(struct rg_b2bua_io *g)
{
    flush(g);
    int64_t next = next_deadline(g);
    if (g->timer_on) {
        rg_loop_timer_stop(g->loop, &g->timer);
        g->timer_on = false;
    }
    if (next != INT64_MAX && rg_loop_timer_start(g->loop, &g->timer, next, on_timer, g) == RG_OK)
        g->timer_on = true;
}

static void on_timer(struct rg_loop *loop, void *ud)
{
    struct rg_b2bua_io *g = ud;
    g->timer_on = false;
    if (g->reg)
        rg_reg_handle_timeout(g->reg, rg_loop_now_us(loop));
    rg_b2b_handle_timeout(g->b2b, rg_loop_now_us(loop));
    settle(g);
}

/* ---- the transport's callbacks --------------------------------------------------------- */

static void on_rx(void *ud, const struct rg_sip_rx *rx)
{
    struct rg_b2bua_io *g = ud;
    struct rg_b2b_rx r = {.msg = rx->msg, .kind = (enum rg_b2b_tp)rx->kind, .zone = rx->zone};
    r.from.reliable = rx->reliable;
    r.from.addr = rx->src;
    r.from.flow = rx->flow.conn ? rx->flow.conn : RG_B2B_FLOW_TO(rx->kind);
    int rc = rg_b2b_handle_rx(g->b2b, rg_loop_now_us(g->loop), &r);
    if (rc != RG_OK)
        RG_LOG(g->log, RG_LOG_NOTICE, b2bua, NULL, "SIP %.*s not handled: %s",
               (int)rx->msg->method.len, rx->msg->method.p, rg_strerror(rc));
    settle(g);
}

static void on_closed(void *ud, uint64_t conn, enum rg_sip_tp_kind kind)
{
    struct rg_b2bua_io *g = ud;
    (void)kind;
    if (g->reg)
        rg_reg_flow_closed(g->reg, conn); /* registrations die with their connection */
    rg_b2b_flow_closed(g->b2b, rg_loop_now_us(g->loop), conn);
    settle(g);
}

/* ---- the location service --------------------------------------------------------------- */

static void reg_register(void *ud, int64_t now, const struct rg_sip_msg *req,
                         const struct rg_sip_tinfo *from, uint16_t *status, const char **reason,
                         struct rg_str *hdrs)
{
    struct rg_b2bua_io *g = ud;
    struct rg_reg_reply rep;
    uint64_t conn = (from->flow & RG_B2B_FLOW_TO_BIT) ? 0 : from->flow;
    if (rg_reg_handle_register(g->reg, now, req, conn, 0, &from->addr, &rep) != RG_OK)
        return;
    *status = (uint16_t)rep.status;
    *reason = rep.reason;
    *hdrs = rep.hdrs;
}

/* The newest binding of user: over its own connection (WebSocket: the only
 * way back, RFC 7118 §5), or to its source over UDP. */
static bool reg_lookup(void *ud, int64_t now, struct rg_str user, struct rg_str *contact,
                       struct rg_sip_tinfo *to, enum rg_b2b_tp *tp)
{
    struct rg_b2bua_io *g = ud;
    struct rg_reg_binding bnd;
    if (rg_reg_lookup(g->reg, now, user, RG_STR_NULL, &bnd, 1) != 1)
        return false;
    *contact = bnd.contact;
    to->addr = bnd.src;
    to->reliable = bnd.flow_conn != 0;
    bool wss = rg_str_find(bnd.contact, RG_STR_LIT("transport=wss")) >= 0;
    bool ws = rg_str_find(bnd.contact, RG_STR_LIT("transport=ws")) >= 0;
    *tp = !bnd.flow_conn ? RG_B2B_UDP : wss ? RG_B2B_WSS : ws ? RG_B2B_WS : RG_B2B_TCP;
    to->flow = bnd.flow_conn ? bnd.flow_conn : RG_B2B_FLOW_TO(RG_B2B_UDP);
    return true;
}

/* ---- the engine ------------------------------------------------------------------------- */

static void on_engine_done(void *ud, int rc, struct rg_str sdp, const char *why)
{
    struct pend *p = ud;
    struct rg_b2bua_io *g = p->g;
    uint64_t cookie = p->cookie;
    p->used = false;
    rg_b2b_engine_done(g->b2b, rg_loop_now_us(g->loop), cookie, rc, sdp, why);
    settle(g);
}

static int eng_sdp(void *ud, uint64_t cookie, struct rg_str id, struct rg_str from_tag,
                   struct rg_str to_tag, bool answer, struct rg_str sdp,
                   const struct rg_mside_req *req)
{
    struct rg_b2bua_io *g = ud;
    struct pend *p = NULL;
    for (unsigned i = 0; i < PEND_MAX && !p; i++) {
        unsigned k = (g->pend_next + i) % PEND_MAX;
        if (!g->pend[k].used)
            p = &g->pend[k];
    }
    if (!p)
        return RG_ELIMIT;
    g->pend_next = (unsigned)(p - g->pend + 1) % PEND_MAX;
    *p = (struct pend){.g = g, .cookie = cookie, .used = true};
    int rc = rg_engine_sdp(g->cl, id, from_tag, to_tag, answer, sdp, req, on_engine_done, p);
    if (rc != RG_OK)
        p->used = false;
    return rc;
}

static void on_deleted(void *ud, int rc, struct rg_str sdp, const char *why)
{
    (void)ud;
    (void)rc;
    (void)sdp;
    (void)why;
}

static void eng_del(void *ud, struct rg_str id)
{
    struct rg_b2bua_io *g = ud;
    if (g->stopping)
        return;
    if (rg_engine_delete(g->cl, id, on_deleted, NULL) != RG_OK)
        RG_LOG(g->log, RG_LOG_WARN, b2bua, NULL, "engine delete of %.*s not queued",
               (int)id.len, id.p);
}

/* ---- callDetailStatus ------------------------------------------------------------------------ */

static struct info *info_find(struct rg_b2bua_io *g, struct rg_str id, bool make)
{
    struct info *free_slot = NULL;
    for (unsigned i = 0; i < INFO_MAX; i++) {
        struct info *s = &g->info[i];
        if (s->used && rg_str_eq_cstr(id, s->id))
            return s;
        if (!s->used && !s->busy && !free_slot)
            free_slot = s;
    }
    if (!make || !free_slot || rg_str_copy_cstr(id, free_slot->id, sizeof(free_slot->id)) != RG_OK)
        return NULL;
    free_slot->used = true;
    free_slot->valid = false;
    free_slot->g = g;
    free_slot->first_us = rg_loop_now_us(g->loop);
    return free_slot;
}

static void on_info(void *ud, int rc, const struct rg_engine_call_info *ei)
{
    struct info *s = ud;
    s->busy = false;
    if (rc == RG_OK && s->used) {
        s->ei = *ei;
        s->valid = true;
    }
}

static void query_one(void *ud, struct rg_str id)
{
    struct rg_b2bua_io *g = ud;
    struct info *s = info_find(g, id, true);
    if (!s)
        return;
    s->tick = g->tick;
    if (!s->busy && rg_engine_query(g->cl, id, on_info, s) == RG_OK)
        s->busy = true;
}

static void fmt_addr(char *out, size_t n, const struct rg_addr *rtp, const struct rg_addr *rtcp,
                     bool mux)
{
    char ip[64];
    out[0] = '\0';
    if (rtp->family == RG_AF_NONE || rg_addr_format_ip(rtp, ip, sizeof(ip)) != RG_OK)
        return;
    int w = snprintf(out, n, "%.46s/ %u (rtcp: %u)", ip, (unsigned)rtp->port,
                     (unsigned)(mux ? rtp->port : rtcp->port));
    if (w < 0 || (size_t)w >= n)
        out[0] = '\0';
}

static const char *ice_name(const char *st)
{
    if (strcmp(st, "connected") == 0 || strcmp(st, "completed") == 0)
        return "ST_ICE_COMPLETE";
    if (strcmp(st, "checking") == 0)
        return "ST_ICE_CHECKING";
    if (strcmp(st, "new") == 0)
        return "ST_ICE_INIT";
    if (strcmp(st, "failed") == 0)
        return "ST_ICE_FAILED";
    if (strcmp(st, "disconnected") == 0)
        return "ST_ICE_DISCONNECTED";
    return "NONE";
}

static const char *ice_mode(uint8_t m)
{
    return m == RG_MICE_FULL ? "FULL-ICE" : m == RG_MICE_LITE ? "LITE-ICE" : "NONE";
}

static void fmt_security(char *out, size_t n, const struct rg_engine_side_info *s)
{
    if (s->transport == RG_MT_RTP_AVP) {
        snprintf(out, n, "rtp-disabled,rtcp-disabled");
        return;
    }
    const char *suite = s->srtp_profile == RG_SRTP_AES128_CM_SHA1_80   ? "crypto-aescm,hmacsha180"
                        : s->srtp_profile == RG_SRTP_AES128_CM_SHA1_32 ? "crypto-aescm,hmacsha132"
                        : s->srtp_profile ? "crypto-aesgcm"
                                          : "";
    snprintf(out, n, "rtp-Encrypted,rtp-auth,%srtcp-encrypted,rtcp-auth%s%s",
             s->srtp_profile ? "srtp-terminated," : "", suite[0] ? "," : "", suite);
}

static bool media_view(void *ud, struct rg_str id, struct rg_b2b_media_view *v)
{
    struct rg_b2bua_io *g = ud;
    struct info *s = info_find(g, id, false);
    if (!s || !s->valid)
        return false;
    int64_t secs = (rg_loop_now_us(g->loop) - s->first_us) / 1000000;
    snprintf(v->media, sizeof(v->media), "%s", s->ei.media);
    for (int k = 0; k < 2; k++) {
        const struct rg_engine_side_info *e = &s->ei.side[k];
        fmt_addr(v->local[k], sizeof(v->local[k]), &e->local_rtp, &e->local_rtcp, e->rtcp_mux);
        fmt_addr(v->remote[k], sizeof(v->remote[k]), &e->remote_rtp, &e->remote_rtcp,
                 e->rtcp_mux);
        fmt_security(v->security[k], sizeof(v->security[k]), e);
        snprintf(v->ice[k], sizeof(v->ice[k]), "%s", ice_name(e->ice_state));
        snprintf(v->ice_local[k], sizeof(v->ice_local[k]), "%s", ice_mode(e->ice_local));
        snprintf(v->ice_remote[k], sizeof(v->ice_remote[k]), "%s", ice_mode(e->ice_remote));
        const char *d = strcmp(e->dtls_state, "up") == 0          ? "TERMINATED"
                        : strcmp(e->dtls_state, "handshake") == 0 ? "HANDSHAKE"
                        : strcmp(e->dtls_state, "failed") == 0    ? "FAILED"
                                                                  : "DISABLED";
        snprintf(v->dtls[k], sizeof(v->dtls[k]), "%s", d);
        snprintf(v->codec[k], sizeof(v->codec[k]), "%s", e->codec);
        v->transcoded = v->transcoded || e->transcoded;
        v->kbps[k] = secs > 0 ? (unsigned)(e->bytes_in * 8 / 1000 / (uint64_t)secs) : 0;
    }
    return true;
}

static void cds_put(void *ud, const struct rg_cds_record *r)
{
    struct rg_b2bua_io *g = ud;
    if (g->n_live < g->max_put && rg_cds_put(&g->ctl->cds, r) == RG_OK)
        g->live[g->n_live++] = r->gcid;
}

/* Every second: records of live calls in, ended calls out, fresh queries. */
static void cds_refresh(struct rg_b2bua_io *g)
{
    g->tick++;
    g->n_live = 0;
    rg_b2b_each_cds(g->b2b, rg_loop_now_us(g->loop), media_view, g, cds_put, g);
    for (size_t i = 0; i < g->n_put; i++) {
        bool still = false;
        for (size_t k = 0; k < g->n_live && !still; k++)
            still = g->live[k] == g->put[i];
        if (!still)
            (void)rg_cds_remove(&g->ctl->cds, g->put[i]);
    }
    memcpy(g->put, g->live, g->n_live * sizeof(*g->put));
    g->n_put = g->n_live;
    rg_b2b_each_engine_id(g->b2b, query_one, g);
    for (unsigned i = 0; i < INFO_MAX; i++)
        if (g->info[i].used && g->info[i].tick + 2 < g->tick)
            g->info[i].used = false;
}

static void on_cds_timer(struct rg_loop *loop, void *ud)
{
    struct rg_b2bua_io *g = ud;
    cds_refresh(g);
    g->cds_on = rg_loop_timer_start(loop, &g->cds_timer, rg_loop_now_us(loop) + CDS_PERIOD_US,
                                    on_cds_timer, g) == RG_OK;
}

/* ---- start and stop ------------------------------------------------------------------------ */

/* The first sipSigPort of each transport: our Via sent-by and Contact. */
static void local_addrs(const struct rg_cfg *cfg, struct rg_b2b_cfg *bc)
{
    static const char *const names[RG_B2B_TP_COUNT] = {"sip-udp", "sip-tcp", "sip-tls-tcp",
                                                        "sip-ws", "sip-wss"};
    for (const struct rg_cfg_node *ac = cfg->root.first; ac; ac = ac->next) {
        if (strcmp(ac->sch->name, "addressContext") != 0)
            continue;
        for (const struct rg_cfg_node *z = ac->first; z; z = z->next) {
            for (const struct rg_cfg_node *sp = z->first; sp; sp = sp->next) {
                const char *set = rg_cfg_get_at(sp, "transportProtocolsAllowed");
                const char *ip = rg_cfg_get_at(sp, "ipAddressV4");
                const char *st = rg_cfg_get_at(sp, "state");
                int64_t port = 0;
                if (strcmp(sp->sch->name, "sipSigPort") != 0 || !set || !ip || !st ||
                    strcmp(st, "enabled") != 0 || rg_cfg_get_int(sp, "portNumber", &port) != RG_OK)
                    continue;
                for (int k = 0; k < RG_B2B_TP_COUNT; k++) {
                    const char *hit = strstr(set, names[k]);
                    size_t n = strlen(names[k]);
                    if (!hit || (hit[n] && hit[n] != ',') || bc->local[k].host[0])
                        continue;
                    snprintf(bc->local[k].host, sizeof(bc->local[k].host), "%s", ip);
                    bc->local[k].port = (uint16_t)port;
                }
            }
        }
    }
}

int rg_b2bua_io_start(const struct rg_b2bua_io_opts *o, struct rg_b2bua_io **out)
{
    if (!o || !o->loop || !o->sip || !o->engine || !o->ctl || !o->rng)
        return RG_EINVAL;
    struct rg_b2bua_io *g = rg_calloc(1, sizeof(*g));
    if (!g)
        return RG_ENOMEM;
    g->loop = o->loop;
    g->sip = o->sip;
    g->tp = rg_sip_service_tp(o->sip);
    g->ctl = o->ctl;
    g->log = o->log;
    g->sec = o->sec;
    g->snap = rg_ctl_snapshot(o->ctl);
    g->pend = rg_calloc(PEND_MAX, sizeof(*g->pend));
    g->info = rg_calloc(INFO_MAX, sizeof(*g->info));
    g->max_put = o->max_calls ? o->max_calls : 4096;
    g->put = rg_calloc(g->max_put, sizeof(*g->put));
    g->live = rg_calloc(g->max_put, sizeof(*g->live));
    struct rg_b2b_cfg bc = {.cfg = g->snap->cfg, .rng = o->rng, .log = o->log,
                            .max_calls = o->max_calls};
    local_addrs(g->snap->cfg, &bc);
    /* Trunk groups' dtlsProfileName -> the engine's extra DTLS profiles. */
    if (o->engine)
        bc.n_dtls_profs = rg_engine_dtls_profiles(o->engine, &bc.dtls_profs);
    /* A UDP call keeps its INVITE transactions 64*T1 after the 2xx (RFC
     * 6026 timers L and M) and its BYE's for timer J/K: about four per call
     * for 32 s, so 50 calls/s need ~6,400 at once. */
    bc.txl = RG_SIP_TXL_CFG_DEFAULT;
    bc.txl.max_txns = 16384;
    struct rg_b2b_env env = {.sdp = eng_sdp, .del = eng_del, .ud = g};
    struct rg_cfg_registrar rcfg;
    int rr = rg_cfg_registrar(g->snap->cfg, o->sec, &rcfg);
    if (rr == RG_OK) {
        rr = rg_reg_new(&rcfg.reg, o->rng, &g->reg);
        rg_cfg_registrar_free(&rcfg);
    }
    if (rr == RG_OK) {
        env.reg_register = reg_register;
        env.reg_lookup = reg_lookup;
    } else {
        RG_LOG(g->log, RG_LOG_WARN, b2bua, NULL, "no registrar (REGISTER gets 501): %s",
               rg_strerror(rr));
    }
    int rc = g->pend && g->info && g->put && g->live
                 ? rg_engine_client_new(o->engine, o->loop, &g->cl)
                 : RG_ENOMEM;
    if (rc == RG_OK)
        rc = rg_b2b_new(&bc, &env, &g->b2b);
    if (rc != RG_OK) {
        rg_b2bua_io_stop(g);
        return rc;
    }
    rg_sip_service_set_handler(o->sip, on_rx, on_closed, g);
    g->cds_on = rg_loop_timer_start(g->loop, &g->cds_timer,
                                    rg_loop_now_us(g->loop) + CDS_PERIOD_US, on_cds_timer,
                                    g) == RG_OK;
    *out = g;
    return RG_OK;
}

void rg_b2bua_io_config_applied(struct rg_b2bua_io *g, const struct rg_cfg *cfg)
{
    if (!g || !g->reg)
        return;
    struct rg_cfg_registrar rcfg;
    int rc = rg_cfg_registrar(cfg, g->sec, &rcfg);
    if (rc == RG_OK) {
        rc = rg_reg_reconfigure(g->reg, &rcfg.reg);
        rg_cfg_registrar_free(&rcfg);
    }
    if (rc != RG_OK)
        RG_LOG(g->log, RG_LOG_WARN, b2bua, NULL, "registrar keeps its settings: %s",
               rg_strerror(rc));
}

void rg_b2bua_io_stop(struct rg_b2bua_io *g)
{
    if (!g)
        return;
    g->stopping = true;
    if (g->b2b)
        rg_sip_service_set_handler(g->sip, NULL, NULL, NULL);
    if (g->timer_on)
        rg_loop_timer_stop(g->loop, &g->timer);
    if (g->cds_on)
        rg_loop_timer_stop(g->loop, &g->cds_timer);
    for (size_t i = 0; i < g->n_put; i++)
        (void)rg_cds_remove(&g->ctl->cds, g->put[i]);
    rg_b2b_free(g->b2b);
    rg_reg_free(g->reg);
    rg_engine_client_free(g->cl);
    rg_free(g->pend);
    rg_free(g->info);
    rg_free(g->put);
    rg_free(g->live);
    if (g->snap)
        rg_cfg_snap_put(g->ctl, g->snap);
    rg_free(g);
}
