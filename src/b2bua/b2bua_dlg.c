/*
 * b2bua_dlg.c — in-dialog requests (BYE, re-INVITE, UPDATE, OPTIONS,
 * PRACK), the relay of re-offers through the engine, session timers
 * (RFC 4028) and the end of calls (see b2bua.h).
 */
#include <string.h>

#include "b2bua/b2bua_priv.h"

/* Ends the call: BYE (or the final answer / CANCEL when a leg is not
 * confirmed yet) on every leg except `from` (-1: both legs). */
void rg__b2b_bye(struct rg_b2b *b, int64_t now, struct b2b_call *c, int from)
{
    for (int l = 0; l < 2; l++) {
        if (l == from)
            continue;
        struct b2b_leg *g = &c->leg[l];
        if (l == 0 && !c->a_answered) {
            if (!c->cancelled)
                (void)!rg__b2b_respond(b, now, c, 0, c->a_inv, c->a_txn,
                                      c->fail_status ? c->fail_status : 480,
                                      c->fail_status == 488 ? "Not Acceptable Here"
                                                            : "Temporarily Unavailable",
                                      RG_STR_NULL);
        } else if (g->has_dlg && g->dlg.state == RG_SIP_DLG_CONFIRMED) {
            uint64_t txn;
            (void)!rg__b2b_send_in_dialog(b, now, c, l, "BYE", RG_STR_NULL, &txn);
        } else if (l == 1 && c->b_inv && c->state == CS_CALLING) {
            struct rg_sip_msg *cm = NULL;
            uint64_t txn;
            rg_arena_reset(&b->tmp);
            if (rg_sip_cancel_build(c->b_inv, &b->tmp, &cm) == RG_OK)
                (void)!rg_sip_txl_request(b->txl, now, cm, &g->peer, &txn);
        }
    }
    rg__b2b_end(b, c);
}

static void pend_clear(struct b2b_call *c)
{
    c->pend.active = false;
    c->pend.absorbed = false;
    c->pend.srv_txn = c->pend.cli_txn = 0;
    c->pend.req = NULL;
    rg_arena_reset(&c->pend.arena);
}

static struct rg_buf *sent_sdp(struct b2b_call *c, int leg)
{
    return leg == 0 ? &c->a_sdp : &c->b_sdp;
}

/* A re-INVITE or UPDATE: with an offer it goes through the engine to the
 * other leg (hold/resume, ICE restart: same engine tags, so the engine
 * keeps the call and restarts what changed); without one it is a session
 * refresh answered here (RFC 4028 §10; a re-INVITE gets our last SDP). */
static void reoffer(struct rg_b2b *b, int64_t now, struct b2b_call *c, int leg,
                    const struct rg_sip_event *ev)
{
    const struct rg_sip_msg *m = ev->msg;
    bool update = rg_str_eq_cstr(m->method, "UPDATE");
    struct rg_str sdp = rg__b2b_sdp_body(m);
    if (c->state != CS_UP && !(update && sdp.len == 0)) {
        (void)!rg__b2b_reply(b, now, m, ev->txn, 491, "Request Pending");
        return;
    }
    if (!sdp.len) {
        struct rg_buf *last = sent_sdp(c, leg);
        (void)!rg__b2b_respond(b, now, c, leg, m, ev->txn, 200, "OK",
                              update ? RG_STR_NULL : rg_buf_str(last));
        if (!update)
            rg_sip_dialog_remote_invite_done(&c->leg[leg].dlg);
        return;
    }
    if (c->pend.active || c->op != OP_NONE) {
        (void)!rg__b2b_reply(b, now, m, ev->txn, 491, "Request Pending"); /* §14.2 */
        return;
    }
    c->pend.req = rg__b2b_copy(&c->pend.arena, m);
    if (!c->pend.req) {
        (void)!rg__b2b_reply(b, now, m, ev->txn, 500, "Server Internal Error");
        return;
    }
    c->pend.active = true;
    c->pend.leg = leg;
    c->pend.srv_txn = ev->txn;
    c->pend.is_update = update;
    if (rg__b2b_engine(b, c, OP_REOFFER, leg, false, sdp) != RG_OK) {
        (void)!rg__b2b_respond(b, now, c, leg, c->pend.req, ev->txn, 500, "Server Internal Error",
                              RG_STR_NULL);
        pend_clear(c);
    }
}

static void pend_fail(struct rg_b2b *b, int64_t now, struct b2b_call *c, uint16_t st,
                      const char *reason)
{
    int leg = c->pend.leg;
    (void)!rg__b2b_respond(b, now, c, leg, c->pend.req, c->pend.srv_txn, st, reason, RG_STR_NULL);
    if (!c->pend.is_update)
        rg_sip_dialog_remote_invite_done(&c->leg[leg].dlg);
    pend_clear(c);
}

/* The next line of s (with its end), advancing s. */
static struct rg_str next_line(struct rg_str *s)
{
    long nl = rg_str_find_char(*s, '\n');
    size_t n = nl < 0 ? s->len : (size_t)nl + 1;
    struct rg_str line = rg_str_head(*s, n);
    *s = rg_str_from(*s, n);
    return line;
}

/* Lines of an SDP that make the session a peer sees (RFC 3264 §8): media
 * lines, addresses, bandwidth, formats and their parameters, packet time
 * and direction.  Not the origin (its version moves with every re-offer)
 * nor what the peer never accepted (a browser drops unanswered extmap
 * lines from its next offer). */
static bool significant(struct rg_str l)
{
    static const char *const keep[] = {"m=", "c=", "b=", "a=rtpmap:", "a=fmtp:", "a=ptime:",
                                       "a=maxptime:", "a=sendrecv", "a=sendonly", "a=recvonly",
                                       "a=inactive", "a=rtcp:", NULL};
    for (size_t i = 0; keep[i]; i++)
        if (rg_str_has_prefix(l, keep[i]))
            return true;
    return false;
}

static struct rg_str next_significant(struct rg_str *s)
{
    while (s->len) {
        struct rg_str l = next_line(s);
        if (significant(l))
            return l;
    }
    return RG_STR_NULL;
}

/* Two SDPs describing the same session for the peer. */
static bool same_session(struct rg_str x, struct rg_str y)
{
    for (;;) {
        struct rg_str a = next_significant(&x), b = next_significant(&y);
        if (!a.len && !b.len)
            return true;
        if (!rg_str_eq(a, b))
            return false;
    }
}

void rg__b2b_reoffer_done(struct rg_b2b *b, int64_t now, struct b2b_call *c, int rc,
                          struct rg_str sdp)
{
    if (!c->pend.active)
        return;
    int leg = c->pend.leg, other = 1 - leg;
    if (rc != RG_OK) {
        pend_fail(b, now, c, 488, "Not Acceptable Here");
        return;
    }
    struct rg_buf *last = sent_sdp(c, leg);
    if (c->pend.cli_txn || c->pend.absorbed) { /* OP_REANSWER: back to the offerer */
        rg_buf_reset(last);
        (void)!rg_buf_append_str(last, sdp);
        (void)!rg__b2b_respond(b, now, c, leg, c->pend.req, c->pend.srv_txn, 200, "OK", sdp);
        if (!c->pend.is_update)
            rg_sip_dialog_remote_invite_done(&c->leg[leg].dlg);
        rg_sip_stimer_restart(&c->leg[leg].st, now);
        pend_clear(c);
        return;
    }
    struct rg_buf *to = sent_sdp(c, other);
    /* A re-offer that changes nothing for leg B (a browser's ICE restart:
     * new credentials toward the browser only) is answered with B's last
     * answer instead of a re-INVITE B may not expect (RFC 3264 §8 leaves
     * an unchanged session unchanged). */
    if (other == 1 && c->b_ans.len && same_session(sdp, rg_buf_str(to))) {
        c->pend.absorbed = true;
        if (rg__b2b_engine(b, c, OP_REANSWER, other, true, rg_buf_str(&c->b_ans)) != RG_OK)
            pend_fail(b, now, c, 500, "Server Internal Error");
        return;
    }
    rg_buf_reset(to);
    (void)!rg_buf_append_str(to, sdp);
    if (rg__b2b_send_in_dialog(b, now, c, other, c->pend.is_update ? "UPDATE" : "INVITE", sdp,
                               &c->pend.cli_txn) != RG_OK)
        pend_fail(b, now, c, 500, "Server Internal Error");
}

/* The other leg answered the relayed re-INVITE/UPDATE (or it failed). */
void rg__b2b_dialog_response(struct rg_b2b *b, int64_t now, struct b2b_call *c,
                             const struct rg_sip_event *ev)
{
    int other = 1 - c->pend.leg;
    if (ev->kind != RG_SIP_EV_RESPONSE) {
        pend_fail(b, now, c, ev->kind == RG_SIP_EV_TIMEOUT ? 408 : 503, "No Answer");
        rg__b2b_bye(b, now, c, -1); /* §12.2.1.2: 408 to an in-dialog request */
        return;
    }
    const struct rg_sip_msg *m = ev->msg;
    if (m->status < 200)
        return;
    (void)!rg_sip_dialog_on_response(&c->leg[other].dlg, m);
    if (m->status < 300 && !c->pend.is_update)
        (void)!rg__b2b_ack(b, c, other, m->cseq);
    if (m->status >= 300) {
        uint16_t st = m->status == 491 ? 491 : rg__b2b_map_status(m->status);
        bool gone = m->status == 481 || m->status == 408;
        pend_fail(b, now, c, st, st == 491 ? "Request Pending" : "Refused");
        if (gone)
            rg__b2b_bye(b, now, c, -1);
        return;
    }
    rg_sip_stimer_restart(&c->leg[other].st, now);
    struct rg_str sdp = rg__b2b_sdp_body(m);
    if (other == 1 && sdp.len) {
        rg_buf_reset(&c->b_ans);
        if (rg_buf_append_str(&c->b_ans, sdp) != RG_OK)
            rg_buf_reset(&c->b_ans);
    }
    if (!sdp.len || rg__b2b_engine(b, c, OP_REANSWER, other, true, sdp) != RG_OK)
        pend_fail(b, now, c, 488, "Not Acceptable Here");
}

void rg__b2b_in_dialog(struct rg_b2b *b, int64_t now, const struct rg_sip_event *ev)
{
    const struct rg_sip_msg *m = ev->msg;
    int leg = 0;
    struct b2b_call *c = rg__b2b_find_dialog(b, m, &leg);
    if (!c) {
        (void)!rg__b2b_reply(b, now, m, ev->txn, 481, "Call/Transaction Does Not Exist");
        return;
    }
    uint16_t st = rg_sip_dialog_on_request(&c->leg[leg].dlg, m);
    if (st) {
        (void)!rg__b2b_reply(b, now, m, ev->txn, st, st == 491 ? "Request Pending"
                                                              : "Server Internal Error");
        return;
    }
    if (rg_str_eq_cstr(m->method, "BYE")) {
        (void)!rg__b2b_respond(b, now, c, leg, m, ev->txn, 200, "OK", RG_STR_NULL);
        rg__b2b_bye(b, now, c, leg);
    } else if (rg_str_eq_cstr(m->method, "INVITE") || rg_str_eq_cstr(m->method, "UPDATE")) {
        reoffer(b, now, c, leg, ev);
    } else if (rg_str_eq_cstr(m->method, "OPTIONS")) {
        (void)!rg__b2b_reply(b, now, m, ev->txn, 200, "OK");
    } else if (rg_str_eq_cstr(m->method, "PRACK")) {
        /* We send no reliable provisionals (RFC 3262 §3: nothing to acknowledge). */
        (void)!rg__b2b_reply(b, now, m, ev->txn, 481, "Call/Transaction Does Not Exist");
    } else {
        (void)!rg__b2b_reply(b, now, m, ev->txn, 501, "Not Implemented");
    }
}

/* ---- session timers (RFC 4028) ---------------------------------------------- */

static void stimer_step(struct rg_b2b *b, int64_t now, struct b2b_call *c)
{
    for (int l = 0; l < 2 && c->state == CS_UP; l++) {
        enum rg_sip_stimer_action what;
        int64_t due = rg_sip_stimer_next_us(&c->leg[l].st, &what);
        if (due > now)
            continue;
        if (what == RG_SIP_ST_BYE) {
            rg__b2b_bye(b, now, c, -1); /* §10: the session expired */
            return;
        }
        /* §7.4: we refresh with an UPDATE without SDP (no offer needed). */
        uint64_t txn;
        if (rg__b2b_send_in_dialog(b, now, c, l, "UPDATE", RG_STR_NULL, &txn) == RG_OK)
            c->leg[l].st_txn = txn;
        rg_sip_stimer_restart(&c->leg[l].st, now);
    }
}

void rg_b2b_handle_timeout(struct rg_b2b *b, int64_t now_us)
{
    /* What the events make us send may start timers that are due at once
     * (timer J/K/I are zero on reliable transports): run those too, a
     * bounded number of rounds. */
    for (int round = 0; round < 8 && rg_b2b_next_timeout_us(b) <= now_us; round++) {
        rg_sip_txl_handle_timeout(b->txl, now_us);
        struct rg_sip_event ev;
        while (rg_sip_txl_poll_event(b->txl, &ev) == RG_OK)
            rg__b2b_dispatch(b, now_us, &ev, NULL);
        for (unsigned i = 0; i < b->max_calls; i++)
            if (b->calls[i].state == CS_UP)
                stimer_step(b, now_us, &b->calls[i]);
    }
}

int64_t rg_b2b_next_timeout_us(const struct rg_b2b *b)
{
    int64_t t = rg_sip_txl_next_timeout_us(b->txl);
    for (unsigned i = 0; i < b->max_calls; i++) {
        const struct b2b_call *c = &b->calls[i];
        for (int l = 0; l < 2 && c->state == CS_UP; l++) {
            enum rg_sip_stimer_action what;
            int64_t d = rg_sip_stimer_next_us(&c->leg[l].st, &what);
            if (d < t)
                t = d;
        }
    }
    return t;
}
