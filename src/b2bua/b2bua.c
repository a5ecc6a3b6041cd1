/*
 * b2bua.c — calls, the event dispatch and the initial INVITE (see b2bua.h).
 */
#include <stdio.h>
#include <string.h>

#include "b2bua/b2bua_priv.h"
#include "core/alloc.h"
#include "b2bua/b2bua_cfg.h"
#include "proto/sip/sip_build.h"

#define DEFAULT_MAX_CALLS 4096u
#define MAX_CALLS_LIMIT 100000u

/* ---- calls ------------------------------------------------------------------ */

uint64_t rg__b2b_cookie(const struct rg_b2b *b, const struct b2b_call *c)
{
    return ((uint64_t)(c - b->calls) << 32) | c->gen;
}

static struct b2b_call *by_cookie(struct rg_b2b *b, uint64_t cookie)
{
    uint64_t i = cookie >> 32;
    if (i >= b->max_calls)
        return NULL;
    struct b2b_call *c = &b->calls[i];
    return c->state != CS_FREE && c->gen == (uint32_t)cookie ? c : NULL;
}

static struct b2b_call *call_new(struct rg_b2b *b, int64_t now)
{
    for (unsigned i = 0; i < b->max_calls; i++) {
        struct b2b_call *c = &b->calls[i];
        if (c->state != CS_FREE)
            continue;
        uint32_t gen = c->gen + 1;
        memset(c, 0, sizeof(*c));
        c->gen = gen;
        c->state = CS_OFFERING;
        rg_arena_init(&c->arena, 8192, 256u * 1024u);
        rg_arena_init(&c->pend.arena, 4096, 128u * 1024u);
        rg_buf_init(&c->q_sdp, B2B_SDP_MAX);
        rg_buf_init(&c->a_sdp, B2B_SDP_MAX);
        rg_buf_init(&c->b_sdp, B2B_SDP_MAX);
        rg_buf_init(&c->b_ans, B2B_SDP_MAX);
        for (int l = 0; l < 2; l++) {
            rg_sip_tag_new(b->cfg.rng, c->leg[l].tag);
        }
        c->start_us = now;
        c->gcid = ++b->next_gcid;
        snprintf(c->engine_id, sizeof(c->engine_id), "b2b-%u-%llx", c->gcid,
                 (unsigned long long)b->next_id++);
        b->n_calls++;
        return c;
    }
    return NULL;
}

void rg__b2b_end(struct rg_b2b *b, struct b2b_call *c)
{
    if (c->state == CS_FREE)
        return;
    if (b->env.del)
        b->env.del(b->env.ud, rg_str_from_cstr(c->engine_id));
    for (int l = 0; l < 2; l++)
        if (c->leg[l].has_dlg)
            rg_sip_dialog_deinit(&c->leg[l].dlg);
    rg_arena_deinit(&c->arena);
    rg_arena_deinit(&c->pend.arena);
    rg_buf_deinit(&c->q_sdp);
    rg_buf_deinit(&c->a_sdp);
    rg_buf_deinit(&c->b_sdp);
    rg_buf_deinit(&c->b_ans);
    c->state = CS_FREE;
    c->gen++;
    b->n_calls--;
    RG_LOG(b->cfg.log, RG_LOG_INFO, b2bua, NULL, "call %u ended", (unsigned)c->gcid);
}

struct b2b_call *rg__b2b_find_dialog(struct rg_b2b *b, const struct rg_sip_msg *m, int *leg)
{
    for (unsigned i = 0; i < b->max_calls; i++) {
        struct b2b_call *c = &b->calls[i];
        if (c->state == CS_FREE)
            continue;
        for (int l = 0; l < 2; l++) {
            if (c->leg[l].has_dlg && rg_sip_dialog_matches(&c->leg[l].dlg, m)) {
                *leg = l;
                return c;
            }
        }
    }
    return NULL;
}

static struct b2b_call *by_txn(struct rg_b2b *b, uint64_t txn)
{
    for (unsigned i = 0; txn && i < b->max_calls; i++) {
        struct b2b_call *c = &b->calls[i];
        if (c->state != CS_FREE && (c->a_txn == txn || c->b_txn == txn || c->bye_txn == txn ||
                                    c->b_cancel_txn == txn || c->pend.cli_txn == txn ||
                                    c->pend.srv_txn == txn || c->leg[0].st_txn == txn ||
                                    c->leg[1].st_txn == txn))
            return c;
    }
    return NULL;
}

/* The presentation the engine gives the leg that did not send the SDP:
 * a browser gets DTLS-SRTP, SAVPF, ICE and rtcp-mux (RFC 8829, RFC 8827),
 * a SIP trunk plain RTP/AVP without ICE (iceSupport of its trunk group
 * decides ICE toward a SIP peer: iceFull full, iceWebrtc lite).  The
 * codecs offered to that leg come from its trunk group's packet service
 * profile (docs/internals/media.md "From a packet service profile"): the
 * legs relay when they share a profile codec and transcode otherwise; no
 * profile codecs, no codec changes. */
static void presentation(const struct rg_b2b *b, const struct b2b_leg *to, struct rg_mside_req *r)
{
    rg_mside_req_keep(r); /* codec changes: none (zero), not memset(-1) */
    (void)rg__b2b_tg_codecs(b->cfg.cfg, to->n.tg, &r->codecs);
    int ice = rg__b2b_tg_ice(b->cfg.cfg, to->n.tg); /* 0 none, 1 webrtc (lite), 2 full */
    if (to->webrtc) {
        r->transport = RG_MT_DTLS_SRTP;
        r->avpf = 1;
        r->rtcp_mux = 1;
        r->ice = ice == 2 ? RG_MICE_FULL : RG_MICE_LITE;
    } else {
        r->transport = RG_MT_RTP_AVP;
        r->avpf = 0;
        r->rtcp_mux = 0;
        r->ice = ice == 2 ? RG_MICE_FULL : ice == 0 ? RG_MICE_NONE : RG_MICE_LITE;
    }
    if (to->peer.addr.family != RG_AF_NONE)
        r->sig_src = to->peer.addr;
}

int rg__b2b_engine(struct rg_b2b *b, struct b2b_call *c, enum b2b_op op, int from_leg, bool answer,
                   struct rg_str sdp)
{
    static const char *const tags[2] = {"a", "b"};
    struct rg_mside_req req;
    presentation(b, &c->leg[1 - from_leg], &req);
    if (answer) {
        /* The answer's presentation was fixed by the offer. */
        rg_mside_req_keep(&req);
        req.sig_src = c->leg[from_leg].peer.addr;
        /* RFC 5763 §5: our a=setup toward the offerer's actpass follows the
         * dtlsRole of its trunk group's DTLS profile (server: passive). */
        req.dtls_passive = (int8_t)rg__b2b_tg_dtls_passive(b->cfg.cfg, c->leg[1 - from_leg].n.tg);
    } else {
        /* Toward the offerer too ICE follows its trunk group: iceWebrtc
         * (and iceLync) answer with a lite agent, iceFull with a full one. */
        req.from_ice_lite = rg__b2b_tg_ice(b->cfg.cfg, c->leg[from_leg].n.tg) == 1;
        /* Each leg's DTLS certificate and suites: its trunk group's
         * dtlsProfileName (the engine's default when unnamed). */
        req.dtls_prof = rg__b2b_tg_dtls_prof(b->cfg.cfg, c->leg[1 - from_leg].n.tg,
                                             b->cfg.dtls_profs, b->cfg.n_dtls_profs);
        req.from_dtls_prof = rg__b2b_tg_dtls_prof(b->cfg.cfg, c->leg[from_leg].n.tg,
                                                  b->cfg.dtls_profs, b->cfg.n_dtls_profs);
    }
    struct rg_str from = rg_str_from_cstr(answer ? tags[1 - from_leg] : tags[from_leg]);
    struct rg_str to = rg_str_from_cstr(answer ? tags[from_leg] : tags[1 - from_leg]);
    if (!b->env.sdp)
        return RG_EUNSUPP;
    c->op = op;
    int rc = b->env.sdp(b->env.ud, rg__b2b_cookie(b, c), rg_str_from_cstr(c->engine_id), from, to,
                        answer, sdp, &req);
    if (rc != RG_OK)
        c->op = OP_NONE;
    return rc;
}

/* ---- life cycle ------------------------------------------------------------- */

int rg_b2b_new(const struct rg_b2b_cfg *cfg, const struct rg_b2b_env *env, struct rg_b2b **out)
{
    if (!cfg || !env || !cfg->rng || cfg->max_calls > MAX_CALLS_LIMIT)
        return RG_EINVAL;
    struct rg_b2b *b = rg_calloc(1, sizeof(*b));
    if (!b)
        return RG_ENOMEM;
    b->cfg = *cfg;
    b->env = *env;
    b->max_calls = cfg->max_calls ? cfg->max_calls : DEFAULT_MAX_CALLS;
    if (!b->cfg.session_expires_s)
        b->cfg.session_expires_s = 1800;
    if (!b->cfg.min_se_s)
        b->cfg.min_se_s = 90;
    struct rg_sip_txl_cfg tc = cfg->txl.t1_us ? cfg->txl : RG_SIP_TXL_CFG_DEFAULT;
    b->calls = rg_calloc(b->max_calls, sizeof(*b->calls));
    int rc = b->calls ? rg_sip_txl_new(&tc, &b->txl) : RG_ENOMEM;
    if (rc != RG_OK) {
        rg_free(b->calls);
        rg_free(b);
        return rc;
    }
    rg_arena_init(&b->tmp, 16384, 1u << 20);
    rg_buf_init(&b->sdp_out, B2B_SDP_MAX);
    *out = b;
    return RG_OK;
}

void rg_b2b_free(struct rg_b2b *b)
{
    if (!b)
        return;
    for (unsigned i = 0; i < b->max_calls; i++)
        rg__b2b_end(b, &b->calls[i]);
    rg_sip_txl_free(b->txl);
    rg_arena_deinit(&b->tmp);
    rg_buf_deinit(&b->sdp_out);
    rg_free(b->calls);
    rg_free(b);
}

void rg_b2b_set_cfg(struct rg_b2b *b, const struct rg_cfg *cfg)
{
    b->cfg.cfg = cfg;
}

size_t rg_b2b_call_count(const struct rg_b2b *b)
{
    return b->n_calls;
}

/* ---- the initial INVITE ------------------------------------------------------ */




static const char *const schemes[] = {"sip", "sips", "tel", NULL};
static const char *const ctypes[] = {"application/sdp", NULL};

/* Checks of a new INVITE before a call exists: 0 to go on, else the status
 * to answer (RFC 3261 §8.2.2, §16.3 items 3 and 4). */
static uint16_t precheck(struct rg_b2b *b, const struct rg_b2b_rx *rx, const char **reason)
{
    const struct rg_sip_msg *m = rx->msg;
    struct rg_sip_policy pol = {schemes, rg__b2b_extensions, ctypes, false, false};
    struct rg_sip_error err;
    uint32_t mf;
    if (rg_sip_check_request(m, &pol, &err) != RG_OK) {
        *reason = err.phrase;
        return err.status;
    }
    if (rg_sip_max_forwards_next(m, &mf) != RG_OK) {
        *reason = "Too Many Hops";
        return 483;
    }
    const struct rg_b2b_local *loc = &b->cfg.local[rx->kind];
    if (loc->host[0] && rg_sip_loop_detect(m, rg_str_from_cstr(loc->host), loc->port,
                                           B2B_BRANCH_PREFIX)) {
        *reason = "Loop Detected";
        return 482;
    }
    if (rg_sip_stimer_check(m, b->cfg.min_se_s) == 422) {
        *reason = "Session Interval Too Small";
        return 422;
    }
    if (m->contacts.n != 1 || m->contacts.v[0].star) {
        *reason = "Bad Request - Contact required"; /* §8.1.1.8 */
        return 400;
    }
    if (!rg__b2b_sdp_body(m).len) {
        *reason = "Not Acceptable Here - offer required";
        return 488;
    }
    return 0;
}

static bool is_webrtc(enum rg_b2b_tp k)
{
    return k == RG_B2B_WS || k == RG_B2B_WSS;
}

/* Leg B toward the routing table's trunk: 0 and ruri, or a status. */
static uint16_t route_trunk(struct rg_b2b *b, struct b2b_call *c, const struct rg_b2b_rx *rx,
                            char *ruri, size_t n)
{
    struct b2b_route rt;
    struct rg_str user = rx->msg->ruri.user;
    struct b2b_leg *l = &c->leg[1];
    if (!user.len || rg__b2b_route(b->cfg.cfg, user, &rt) != RG_OK)
        return 404;
    if (rg_addr_parse_ip(rg_str_from_cstr(rt.host), &l->peer.addr) != RG_OK)
        return 503; /* no DNS (RFC 3263) here: routes name IP addresses */
    l->peer.addr.port = (uint16_t)(rt.port ? rt.port : 5060);
    const char *t = rt.transport;
    l->tp = strcmp(t, "tcp") == 0 ? RG_B2B_TCP : strcmp(t, "tls") == 0 ? RG_B2B_TLS : RG_B2B_UDP;
    l->peer.flow = RG_B2B_FLOW_TO(l->tp);
    l->peer.reliable = l->tp != RG_B2B_UDP;
    /* A SIP caller routed back to where it came from is a loop (§16.3). */
    if (!is_webrtc(rx->kind) && rg_addr_eq(&l->peer.addr, &rx->from.addr))
        return 404;
    rg__b2b_tg_names(b->cfg.cfg, rt.trunk_group, &l->n);
    int w = snprintf(ruri, n, "sip:%.*s@%s:%u%s", (int)user.len, user.p, rt.host,
                     l->peer.addr.port,
                     l->tp == RG_B2B_TCP ? ";transport=tcp" : l->tp == RG_B2B_TLS ? ";transport=tls"
                                                                                 : "");
    if (w <= 0 || (size_t)w >= n)
        return 404;
    (void)!rg_str_copy_cstr(user, l->number, sizeof(l->number));
    return 0;
}

/* Leg B toward a registered browser, when the R-URI user has a binding. */
static bool route_browser(struct rg_b2b *b, int64_t now, struct b2b_call *c,
                          const struct rg_b2b_rx *rx, char *ruri, size_t n)
{
    struct rg_str contact;
    struct b2b_leg *l = &c->leg[1];
    if (!b->env.reg_lookup || !rx->msg->ruri.user.len ||
        !b->env.reg_lookup(b->env.ud, now, rx->msg->ruri.user, &contact, &l->peer, &l->tp) ||
        rg_str_copy_cstr(contact, ruri, n) != RG_OK)
        return false;
    l->webrtc = true;
    (void)!rg_str_copy_cstr(rx->msg->ruri.user, l->number, sizeof(l->number));
    rg__b2b_ws_zone_tg(b->cfg.cfg, &l->n);
    return true;
}

static void leg_a(struct b2b_call *c, const struct rg_b2b_rx *rx, const struct rg_cfg *cfg)
{
    struct b2b_leg *a = &c->leg[0];
    a->tp = rx->kind;
    a->webrtc = is_webrtc(rx->kind);
    a->peer = rx->from;
    rg__b2b_zone_tg(cfg, rx->zone, &rx->from.addr, &a->n);
    const struct rg_sip_addr *f = rx->msg->from;
    if (f && f->uri.user.len)
        (void)!rg_str_copy_cstr(f->uri.user, a->number, sizeof(a->number));
}

/* Sends "100 Trying" at once (§8.2.6.1, so the txl's delayed one is not
 * needed), makes A's early dialog and routes.  0 or a failure status. */
static uint16_t start_call(struct rg_b2b *b, int64_t now, struct b2b_call *c,
                           const struct rg_b2b_rx *rx, const char **why)
{
    char ruri[512], contact[160];
    (void)!rg__b2b_reply(b, now, c->a_inv, c->a_txn, 100, "Trying");
    leg_a(c, rx, b->cfg.cfg);
    if (rg__b2b_contact(b, &c->leg[0], contact, sizeof(contact)) != RG_OK ||
        rg_sip_dialog_uas(&c->leg[0].dlg, c->a_inv, rg_str_from_cstr(c->leg[0].tag),
                          rg_str_from_cstr(contact), b->cfg.rng) != RG_OK)
        return 500;
    c->leg[0].has_dlg = true;
    uint16_t st = 0;
    if (is_webrtc(rx->kind) || !route_browser(b, now, c, rx, ruri, sizeof(ruri)))
        st = route_trunk(b, c, rx, ruri, sizeof(ruri));
    if (st)
        return st;
    struct rg_str sdp = rg__b2b_sdp_body(c->a_inv);
    /* A WebRTC caller without DTLS toward a trunk: allowed only with
     * allowDtlsFallback on its packet service profile. */
    if (c->leg[0].webrtc && rg_str_find(sdp, RG_STR_LIT("a=fingerprint:")) < 0 &&
        !rg__b2b_dtls_fallback(b->cfg.cfg, c->leg[0].n.tg)) {
        *why = "Not Acceptable Here - DTLS required";
        return 488;
    }
    c->attr_relay = rg__b2b_attr_relay(b->cfg.cfg, c->leg[0].n.tg) &&
                    rg__b2b_attr_relay(b->cfg.cfg, c->leg[1].n.tg);
    char *keep = rg_arena_strdup(&c->arena, rg_str_from_cstr(ruri));
    if (!keep)
        return 500;
    c->b_ruri = keep;
    int rc = rg__b2b_engine(b, c, OP_OFFER_A, 0, false, sdp);
    return rc == RG_OK ? 0 : 503;
}

static void new_invite(struct rg_b2b *b, int64_t now, const struct rg_sip_event *ev,
                       const struct rg_b2b_rx *rx)
{
    const char *reason = NULL;
    uint16_t st = precheck(b, rx, &reason);
    struct b2b_call *c = st ? NULL : call_new(b, now);
    if (!st && !c) {
        st = 503;
        reason = "Service Unavailable - call limit";
    }
    if (st == 422) {
        (void)!rg__b2b_reply_min_se(b, now, ev->msg, ev->txn);
        return;
    }
    if (st) {
        (void)!rg__b2b_reply(b, now, ev->msg, ev->txn, st, reason ? reason : "Rejected");
        return;
    }
    c->a_txn = ev->txn;
    c->a_inv = rg__b2b_copy(&c->arena, ev->msg);
    st = c->a_inv ? start_call(b, now, c, rx, &reason) : 500;
    if (st) {
        const char *r = reason ? reason : st == 404 ? "Not Found" : st == 483 ? "Too Many Hops"
                                           : st == 503 ? "Service Unavailable" : "Server Error";
        (void)!rg__b2b_reply(b, now, ev->msg, ev->txn, st, r);
        rg__b2b_end(b, c);
        return;
    }
    RG_LOG(b->cfg.log, RG_LOG_INFO, b2bua, NULL, "call %u: %s -> %s (%s -> %s)",
           (unsigned)c->gcid, c->leg[0].number, c->leg[1].number, c->leg[0].n.tg, c->leg[1].n.tg);
}

/* ---- leg B's answers to the INVITE ------------------------------------------ */

/* Relays B's answer (status, SDP) to A through the engine, or at once when
 * the SDP is the one already bridged (a 200 repeating the 183's SDP). */
static void relay_answer(struct rg_b2b *b, int64_t now, struct b2b_call *c, uint16_t status,
                         struct rg_str reason, struct rg_str sdp)
{
    if (c->op != OP_NONE) { /* one engine request at a time: keep the latest */
        rg_buf_reset(&c->q_sdp);
        if (rg_buf_append_str(&c->q_sdp, sdp) == RG_OK) {
            c->q_status = status;
            (void)!rg_str_copy_cstr(rg_str_head(reason, sizeof(c->q_reason) - 1), c->q_reason,
                                   sizeof(c->q_reason));
        }
        return;
    }
    c->op_status = status;
    (void)!rg_str_copy_cstr(rg_str_head(reason, sizeof(c->op_reason) - 1), c->op_reason,
                           sizeof(c->op_reason));
    if (c->a_sdp.len && rg_str_eq(sdp, rg_buf_str(&c->b_ans))) {
        c->op = OP_ANSWER_B;
        rg_b2b_engine_done(b, now, rg__b2b_cookie(b, c), RG_OK, rg_buf_str(&c->a_sdp), NULL);
        return;
    }
    rg_buf_reset(&c->b_ans);
    if (rg_buf_append_str(&c->b_ans, sdp) != RG_OK ||
        rg__b2b_engine(b, c, OP_ANSWER_B, 1, true, sdp) != RG_OK) {
        c->fail_status = 500;
        rg__b2b_bye(b, now, c, -1);
    }
}

/* RFC 3262 §4: a reliable provisional from B is PRACKed here (absorbed on
 * leg B) and relayed to A as an ordinary provisional. */
static bool prack_b(struct rg_b2b *b, int64_t now, struct b2b_call *c, const struct rg_sip_msg *m)
{
    uint32_t rseq;
    int rc = rg_sip_dialog_rel_1xx(&c->leg[1].dlg, m, &rseq);
    if (rc == RG_EINVAL)
        return true; /* not reliable */
    if (rc != RG_OK && rc != RG_EEXIST)
        return false;
    struct rg_sip_via_spec via;
    rg__b2b_via(b, &c->leg[1], &via, NULL);
    struct rg_sip_msg *p = NULL;
    uint64_t txn;
    rg_arena_reset(&b->tmp);
    if (rg_sip_dialog_prack(&c->leg[1].dlg, &b->tmp, m, &via, b->cfg.rng, &p) == RG_OK)
        (void)!rg_sip_txl_request(b->txl, now, p, &c->leg[1].peer, &txn);
    return rc == RG_OK;
}

static void b_provisional(struct rg_b2b *b, int64_t now, struct b2b_call *c,
                          const struct rg_sip_msg *m)
{
    if (m->status == 100 || c->state != CS_CALLING)
        return;
    if (!c->leg[1].has_dlg && m->to && m->to->tag.len) {
        char contact[160];
        if (rg__b2b_contact(b, &c->leg[1], contact, sizeof(contact)) == RG_OK &&
            rg_sip_dialog_uac(&c->leg[1].dlg, c->b_inv, m, rg_str_from_cstr(contact)) == RG_OK)
            c->leg[1].has_dlg = true;
    }
    if (c->leg[1].has_dlg && !prack_b(b, now, c, m))
        return;
    c->b_provisional = true;
    struct rg_str sdp = rg__b2b_sdp_body(m);
    if (sdp.len) {
        relay_answer(b, now, c, m->status, m->reason, sdp);
        return;
    }
    char reason[64];
    (void)!rg_str_copy_cstr(rg_str_head(m->reason, sizeof(reason) - 1), reason, sizeof(reason));
    (void)!rg__b2b_respond(b, now, c, 0, c->a_inv, c->a_txn, m->status, reason, RG_STR_NULL);
}

static void b_success(struct rg_b2b *b, int64_t now, struct b2b_call *c, const struct rg_sip_msg *m)
{
    struct b2b_leg *l = &c->leg[1];
    char contact[160];
    if (!l->has_dlg) {
        if (rg__b2b_contact(b, l, contact, sizeof(contact)) != RG_OK ||
            rg_sip_dialog_uac(&l->dlg, c->b_inv, m, rg_str_from_cstr(contact)) != RG_OK)
            return; /* no usable dialog (no Contact): timer B/M ends the call */
        l->has_dlg = true;
    } else if (rg_sip_dialog_on_response(&l->dlg, m) != RG_OK) {
        return;
    }
    (void)!rg__b2b_ack(b, c, 1, c->b_inv->cseq); /* §13.2.2.4: at once, for each 2xx */
    if (c->state != CS_CALLING)
        return; /* a retransmitted 2xx, or one after our CANCEL (BYE sent) */
    if (c->cancelled) {
        rg__b2b_bye(b, now, c, 0);
        return;
    }
    (void)!rg_sip_stimer_accept(&l->st, m, now);
    struct rg_str sdp = rg__b2b_sdp_body(m);
    if (!sdp.len)
        sdp = rg_buf_str(&c->b_ans); /* answer given in a reliable 18x already */
    if (!sdp.len) {
        c->fail_status = 488;
        rg__b2b_bye(b, now, c, 0);
        return;
    }
    c->state = CS_ANSWERING;
    relay_answer(b, now, c, m->status, m->reason, sdp);
}

static void b_failure(struct rg_b2b *b, int64_t now, struct b2b_call *c, const struct rg_sip_msg *m)
{
    if (!c->cancelled && !c->a_answered) {
        uint16_t st = rg__b2b_map_status(m->status);
        char reason[64];
        (void)!rg_str_copy_cstr(rg_str_head(m->reason, sizeof(reason) - 1), reason, sizeof(reason));
        (void)!rg__b2b_respond(b, now, c, 0, c->a_inv, c->a_txn, st,
                              st == m->status ? reason : "Call Failed", RG_STR_NULL);
    }
    rg__b2b_end(b, c);
}

static void on_response(struct rg_b2b *b, int64_t now, const struct rg_sip_event *ev)
{
    struct b2b_call *c = by_txn(b, ev->txn);
    const struct rg_sip_msg *m = ev->msg;
    if (!c)
        return;
    if (ev->txn == c->b_txn) {
        if (m->status < 200)
            b_provisional(b, now, c, m);
        else if (m->status < 300)
            b_success(b, now, c, m);
        else
            b_failure(b, now, c, m);
        return;
    }
    if (ev->txn == c->pend.cli_txn) {
        rg__b2b_dialog_response(b, now, c, ev);
        return;
    }
    for (int l = 0; l < 2; l++) {
        if (ev->txn != c->leg[l].st_txn || m->status < 200)
            continue;
        (void)!rg_sip_dialog_on_response(&c->leg[l].dlg, m);
        if (m->status == 481 || m->status == 408) {
            rg__b2b_bye(b, now, c, -1); /* the session refresh failed (§10) */
            return;
        }
    }
    /* Answers to our BYE, CANCEL and PRACK need nothing more. */
}

/* ---- engine completions -------------------------------------------------------- */

static void offer_done(struct rg_b2b *b, int64_t now, struct b2b_call *c, int rc,
                       struct rg_str sdp, const char *why)
{
    if (c->cancelled) {
        rg__b2b_end(b, c); /* 487 was sent when the CANCEL came */
        return;
    }
    if (rc == RG_OK) {
        rg_buf_reset(&c->b_sdp);
        (void)!rg_buf_append_str(&c->b_sdp, sdp);
        rc = rg__b2b_send_invite_b(b, now, c, sdp, rg_str_from_cstr(c->b_ruri));
    }
    else
        RG_LOG(b->cfg.log, RG_LOG_NOTICE, b2bua, NULL, "call %u: offer refused: %s",
               (unsigned)c->gcid, why ? why : rg_strerror(rc));
    if (rc != RG_OK) {
        bool media = rc == RG_EUNSUPP || rc == RG_EBADMSG;
        (void)!rg__b2b_respond(b, now, c, 0, c->a_inv, c->a_txn, media ? 488 : 503,
                              media ? "Not Acceptable Here" : "Service Unavailable", RG_STR_NULL);
        rg__b2b_end(b, c);
        return;
    }
    c->state = CS_CALLING;
}

static void answer_done(struct rg_b2b *b, int64_t now, struct b2b_call *c, int rc,
                        struct rg_str sdp)
{
    uint16_t st = c->op_status;
    if (rc != RG_OK) {
        if (st >= 200) {
            c->fail_status = 488;
            rg__b2b_bye(b, now, c, 0);
        }
        return; /* an early answer the engine refused: wait for the final one */
    }
    if (c->cancelled && st >= 200) {
        rg__b2b_bye(b, now, c, 0);
        return;
    }
    if (c->a_sdp.data != sdp.p) {
        rg_buf_reset(&c->a_sdp);
        (void)!rg_buf_append_str(&c->a_sdp, sdp);
    }
    if (!c->a_answered)
        (void)!rg__b2b_respond(b, now, c, 0, c->a_inv, c->a_txn, st,
                              c->op_reason[0] ? c->op_reason : "OK", rg_buf_str(&c->a_sdp));
    if (st >= 200 && st < 300 && !c->a_answered) {
        c->a_answered = true;
        rg_sip_dialog_confirm(&c->leg[0].dlg);
        rg_sip_dialog_remote_invite_done(&c->leg[0].dlg);
        c->state = CS_UP;
        c->answer_us = now;
    }
}

void rg_b2b_engine_done(struct rg_b2b *b, int64_t now_us, uint64_t cookie, int rc,
                        struct rg_str sdp, const char *why)
{
    struct b2b_call *c = by_cookie(b, cookie);
    if (!c || c->op == OP_NONE)
        return;
    enum b2b_op op = c->op;
    c->op = OP_NONE;
    if (op == OP_OFFER_A)
        offer_done(b, now_us, c, rc, sdp, why);
    else if (op == OP_ANSWER_B)
        answer_done(b, now_us, c, rc, sdp);
    else
        rg__b2b_reoffer_done(b, now_us, c, rc, sdp);
    /* A B answer that waited for the engine. */
    c = by_cookie(b, cookie);
    if (c && c->op == OP_NONE && c->q_status) {
        uint16_t st = c->q_status;
        c->q_status = 0;
        struct rg_buf q = c->q_sdp;
        rg_buf_init(&c->q_sdp, B2B_SDP_MAX);
        relay_answer(b, now_us, c, st, rg_str_from_cstr(c->q_reason), rg_buf_str(&q));
        rg_buf_deinit(&q);
    }
}

/* ---- CANCEL, failures ---------------------------------------------------------- */

static void on_cancel(struct rg_b2b *b, int64_t now, const struct rg_sip_event *ev)
{
    struct b2b_call *c = ev->cancels ? by_txn(b, ev->cancels) : NULL;
    if (!c || c->a_txn != ev->cancels) {
        (void)!rg__b2b_reply(b, now, ev->msg, ev->txn, 481, "Call/Transaction Does Not Exist");
        return;
    }
    (void)!rg__b2b_reply(b, now, ev->msg, ev->txn, 200, "OK"); /* §9.2 */
    if (c->a_answered || c->cancelled)
        return;
    c->cancelled = true;
    (void)!rg__b2b_respond(b, now, c, 0, c->a_inv, c->a_txn, 487, "Request Terminated",
                          RG_STR_NULL);
    if (c->state == CS_CALLING) {
        struct rg_sip_msg *cm = NULL;
        rg_arena_reset(&b->tmp);
        if (rg_sip_cancel_build(c->b_inv, &b->tmp, &cm) != RG_OK ||
            rg_sip_txl_request(b->txl, now, cm, &c->leg[1].peer, &c->b_cancel_txn) != RG_OK)
            rg__b2b_end(b, c);
    }
    /* OFFERING/ANSWERING: the engine completion ends the call. */
}

/* A client transaction of ours failed (timeout or broken connection). */
static void on_txn_failed(struct rg_b2b *b, int64_t now, const struct rg_sip_event *ev)
{
    struct b2b_call *c = by_txn(b, ev->txn);
    if (!c)
        return;
    bool timeout = ev->kind == RG_SIP_EV_TIMEOUT;
    if (ev->txn == c->b_txn && c->state == CS_CALLING) {
        if (!c->cancelled)
            (void)!rg__b2b_respond(b, now, c, 0, c->a_inv, c->a_txn, timeout ? 408 : 503,
                                  timeout ? "Request Timeout" : "Service Unavailable",
                                  RG_STR_NULL);
        rg__b2b_end(b, c);
    } else if (ev->txn == c->pend.cli_txn) {
        rg__b2b_dialog_response(b, now, c, ev);
    } else if (ev->txn == c->leg[0].st_txn || ev->txn == c->leg[1].st_txn) {
        rg__b2b_bye(b, now, c, -1); /* the session refresh got no answer (§10) */
    } else if (ev->txn == c->bye_txn || ev->txn == c->b_cancel_txn) {
        rg__b2b_end(b, c);
    } else if (ev->txn == c->a_txn && c->state != CS_UP) {
        rg__b2b_end(b, c); /* A vanished before its final answer */
    }
}

/* ---- dispatch --------------------------------------------------------------------- */

static void on_register(struct rg_b2b *b, int64_t now, const struct rg_sip_event *ev)
{
    if (!b->env.reg_register) {
        (void)!rg__b2b_reply(b, now, ev->msg, ev->txn, 501, "Not Implemented");
        return;
    }
    uint16_t st = 500;
    const char *reason = "Server Internal Error";
    struct rg_str hdrs = RG_STR_NULL;
    b->env.reg_register(b->env.ud, now, ev->msg, &ev->from, &st, &reason, &hdrs);
    char tag[RG_SIP_TAG_CHARS + 1];
    rg_sip_tag_new(b->cfg.rng, tag);
    struct rg_sip_msg *r = NULL;
    rg_arena_reset(&b->tmp);
    int rc = rg_sip_make_response(ev->msg, &b->tmp, st, rg_str_from_cstr(reason),
                                  rg_str_from_cstr(tag), &r);
    /* hdrs: "Name: value\r\n" lines. */
    while (rc == RG_OK && hdrs.len) {
        long eol = rg_str_find(hdrs, RG_STR_LIT("\r\n"));
        struct rg_str line = rg_str_head(hdrs, eol < 0 ? hdrs.len : (size_t)eol);
        hdrs = rg_str_from(hdrs, eol < 0 ? hdrs.len : (size_t)eol + 2);
        long colon = rg_str_find_char(line, ':');
        if (colon > 0)
            rc = rg_sip_msg_add(r, &b->tmp, rg_str_trim(rg_str_head(line, (size_t)colon)),
                                rg_str_trim(rg_str_from(line, (size_t)colon + 1)));
    }
    if (rc == RG_OK)
        rc = rg_sip_msg_index(r, &b->tmp, &(struct rg_sip_error){0});
    if (rc == RG_OK)
        (void)!rg_sip_txl_respond(b->txl, now, ev->txn, r);
}

/* OPTIONS is answered as an INVITE would be (RFC 3261 §11.2), after the
 * same checks: 416, 420, 415, 406 (§8.2.2, RFC 4475 §3.3.2-§3.3.5). */
static void on_options(struct rg_b2b *b, int64_t now, const struct rg_sip_event *ev)
{
    struct rg_sip_policy pol = {schemes, rg__b2b_extensions, ctypes, false, false};
    struct rg_sip_error err;
    if (rg_sip_check_request(ev->msg, &pol, &err) == RG_OK)
        (void)!rg__b2b_reply(b, now, ev->msg, ev->txn, 200, "OK");
    else
        (void)!rg__b2b_reply(b, now, ev->msg, ev->txn, err.status, err.phrase);
}

static void on_request(struct rg_b2b *b, int64_t now, const struct rg_sip_event *ev,
                       const struct rg_b2b_rx *rx)
{
    const struct rg_sip_msg *m = ev->msg;
    bool in_dialog = m->to && m->to->tag.len;
    if (rg_str_eq_cstr(m->method, "CANCEL"))
        on_cancel(b, now, ev);
    else if (in_dialog)
        rg__b2b_in_dialog(b, now, ev);
    else if (rg_str_eq_cstr(m->method, "INVITE"))
        new_invite(b, now, ev, rx);
    else if (rg_str_eq_cstr(m->method, "REGISTER"))
        on_register(b, now, ev);
    else if (rg_str_eq_cstr(m->method, "OPTIONS"))
        on_options(b, now, ev);
    else if (rg_str_eq_cstr(m->method, "BYE") || rg_str_eq_cstr(m->method, "PRACK") ||
             rg_str_eq_cstr(m->method, "UPDATE"))
        (void)!rg__b2b_reply(b, now, m, ev->txn, 481, "Call/Transaction Does Not Exist");
    else
        (void)!rg__b2b_reply(b, now, m, ev->txn, 501, "Not Implemented");
}

/* A request the transaction layer cannot match (no RFC 3261 branch: RFC
 * 2543 transactions are not supported) gets a stateless 400, as RFC 4475
 * §3.2.1 allows, instead of silence; stray responses are dropped. */
static void stray_request(struct rg_b2b *b, const struct rg_sip_event *ev)
{
    const struct rg_sip_msg *m = ev->msg;
    if (!m || !m->is_request || rg_str_eq_cstr(m->method, "ACK") || m->n_vias == 0)
        return;
    struct rg_sip_msg *r = NULL;
    rg_arena_reset(&b->tmp);
    if (rg_sip_make_response(m, &b->tmp, 400, RG_STR_LIT("Bad Request - Invalid branch"),
                             RG_STR_NULL, &r) == RG_OK)
        (void)!rg_sip_txl_send_stateless(b->txl, r, &ev->from);
}

void rg__b2b_dispatch(struct rg_b2b *b, int64_t now, const struct rg_sip_event *ev,
                      const struct rg_b2b_rx *rx)
{
    switch (ev->kind) {
    case RG_SIP_EV_REQUEST:
        if (rx)
            on_request(b, now, ev, rx);
        break;
    case RG_SIP_EV_RESPONSE:
        on_response(b, now, ev);
        break;
    case RG_SIP_EV_ACK:
        break; /* the ACK for our 2xx: the txl stopped retransmitting it */
    case RG_SIP_EV_TIMEOUT:
    case RG_SIP_EV_TRANSPORT:
        on_txn_failed(b, now, ev);
        break;
    case RG_SIP_EV_NO_ACK: {
        struct b2b_call *c = by_txn(b, ev->txn);
        if (c)
            rg__b2b_bye(b, now, c, -1); /* §13.3.1.4: no ACK, end the session */
        break;
    }
    case RG_SIP_EV_STRAY:
        stray_request(b, ev);
        break;
    default:
        break; /* PRACK timeouts (we send no reliable 1xx) */
    }
}

static void drain(struct rg_b2b *b, int64_t now, const struct rg_b2b_rx *rx)
{
    struct rg_sip_event ev;
    while (rg_sip_txl_poll_event(b->txl, &ev) == RG_OK)
        rg__b2b_dispatch(b, now, &ev, rx);
}

int rg_b2b_handle_rx(struct rg_b2b *b, int64_t now_us, const struct rg_b2b_rx *rx)
{
    int rc = rg_sip_txl_handle_message(b->txl, now_us, rx->msg, &rx->from);
    if (rc == RG_ELIMIT && rx->msg->is_request && !rg_str_eq_cstr(rx->msg->method, "ACK")) {
        /* No transaction free: a stateless 503 (RFC 3261 §21.5.4). */
        struct rg_sip_msg *r = NULL;
        rg_arena_reset(&b->tmp);
        if (rg_sip_make_response(rx->msg, &b->tmp, 503, RG_STR_LIT("Service Unavailable"),
                                 RG_STR_NULL, &r) == RG_OK)
            (void)!rg_sip_txl_send_stateless(b->txl, r, &rx->from);
    }
    drain(b, now_us, rx);
    return rc == RG_ESTATE ? RG_OK : rc;
}

void rg_b2b_flow_closed(struct rg_b2b *b, int64_t now_us, uint64_t conn)
{
    rg_sip_txl_flow_failed(b->txl, conn);
    drain(b, now_us, NULL);
    for (unsigned i = 0; i < b->max_calls; i++) {
        struct b2b_call *c = &b->calls[i];
        for (int l = 0; l < 2 && c->state != CS_FREE; l++)
            if (c->leg[l].peer.flow == conn && c->leg[l].webrtc)
                rg__b2b_bye(b, now_us, c, l); /* the browser is gone: like its BYE */
    }
}

int rg_b2b_poll_transmit(struct rg_b2b *b, struct rg_sip_transmit *out)
{
    return rg_sip_txl_poll_transmit(b->txl, out);
}
