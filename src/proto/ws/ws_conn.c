/*
 * ws_conn.c — a WebSocket connection: handshake, framing and the close
 * handshake as one sans-IO state machine.  See ws_conn.h.
 */
#include "proto/ws/ws_conn.h"

#include <string.h>

/* Largest control frame on the wire: 2-byte header, mask, 125 bytes. */
#define CTL_FRAME_MAX (2 + 4 + RG_WS_MAX_CONTROL)
#define DEFAULT_MAX_MSG (64 * 1024)
#define DEFAULT_HANDSHAKE_US (10 * 1000000LL)
#define DEFAULT_CLOSE_US (5 * 1000000LL)

static void apply_defaults(struct rg_ws_conn_cfg *cfg)
{
    if (cfg->max_msg == 0)
        cfg->max_msg = DEFAULT_MAX_MSG;
    if (cfg->max_in == 0)
        cfg->max_in = cfg->max_msg + 16 * 1024;
    if (cfg->max_in < RG_WS_HTTP_MAX_HEAD * 2)
        cfg->max_in = RG_WS_HTTP_MAX_HEAD * 2;
    if (cfg->max_out == 0)
        cfg->max_out = cfg->max_msg * 4;
    /* Room for one frame of max_msg plus the control-frame reserve. */
    if (cfg->max_out < cfg->max_msg + 14 + 3 * CTL_FRAME_MAX)
        cfg->max_out = cfg->max_msg + 14 + 3 * CTL_FRAME_MAX;
    if (cfg->max_out < RG_WS_HTTP_MAX_HEAD)
        cfg->max_out = RG_WS_HTTP_MAX_HEAD;
    if (cfg->handshake_timeout_us <= 0)
        cfg->handshake_timeout_us = DEFAULT_HANDSHAKE_US;
    if (cfg->close_timeout_us <= 0)
        cfg->close_timeout_us = DEFAULT_CLOSE_US;
}

int rg_ws_conn_init(struct rg_ws_conn *c, const struct rg_ws_conn_cfg *cfg, int64_t now_us)
{
    struct rg_ws_conn n;
    memset(&n, 0, sizeof(n));
    n.cfg = *cfg;
    apply_defaults(&n.cfg);
    if (n.cfg.role == RG_WS_CLIENT && (!n.cfg.rng || !n.cfg.rng->fill))
        return RG_EINVAL;
    rg_buf_init(&n.in, n.cfg.max_in);
    rg_buf_init(&n.out, n.cfg.max_out);
    n.state = RG_WS_CONN_HANDSHAKE;
    n.deadline_us = now_us + n.cfg.handshake_timeout_us;
    if (n.cfg.role == RG_WS_CLIENT) {
        int rc = rg_ws_client_request(&n.out, cfg->host, cfg->path, cfg->origin, cfg->rng, n.key);
        if (rc != RG_OK) {
            rg_buf_deinit(&n.out);
            return rc;
        }
    }
    /* The request strings were borrowed for the call only. */
    n.cfg.host = n.cfg.path = n.cfg.origin = RG_STR_NULL;
    rg_ws_decoder_init(&n.dec, n.cfg.role, n.cfg.max_msg);
    *c = n;
    return RG_OK;
}

void rg_ws_conn_deinit(struct rg_ws_conn *c)
{
    rg_buf_deinit(&c->in);
    rg_buf_deinit(&c->out);
    rg_ws_decoder_deinit(&c->dec);
}

enum rg_ws_conn_state rg_ws_conn_state(const struct rg_ws_conn *c)
{
    return c->state;
}

bool rg_ws_conn_finished(const struct rg_ws_conn *c)
{
    return c->state == RG_WS_CONN_CLOSED || c->state == RG_WS_CONN_HTTP;
}

/* Moves unprocessed bytes of b (from *off) to its start. */
static void compact(struct rg_buf *b, size_t *off)
{
    if (*off == 0)
        return;
    size_t rest = b->len - *off;
    if (rest)
        memmove(b->data, b->data + *off, rest);
    b->len = rest;
    b->data[rest] = '\0';
    *off = 0;
}

int rg_ws_conn_handle_input(struct rg_ws_conn *c, int64_t now_us, const void *p, size_t n)
{
    (void)now_us;
    if (rg_ws_conn_finished(c) || n == 0)
        return RG_OK;
    if (c->in.len - c->in_off + n > c->cfg.max_in)
        return RG_ELIMIT;
    compact(&c->in, &c->in_off);
    bool after_cr = c->in.len > c->in_off && c->in.data[c->in.len - 1] == '\r';
    int rc = rg_buf_append(&c->in, p, n);
    if (rc == RG_OK && c->state == RG_WS_CONN_HANDSHAKE && !c->hs_dirty) {
        /* The head parser's answer can only change from "need more" when a
         * control byte (CR, LF, or an invalid one) arrives, when any byte
         * follows a CR, or at the size limit; skipping other re-parses keeps
         * byte-by-byte senders from costing quadratic time. */
        const uint8_t *b = p;
        c->hs_dirty = after_cr;
        for (size_t i = 0; i < n && !c->hs_dirty; i++)
            c->hs_dirty = b[i] < 0x20 || b[i] == 0x7f;
    }
    return rc;
}

/* Whether the handshake head is worth parsing again. */
static bool head_may_be_ready(const struct rg_ws_conn *c)
{
    return c->hs_dirty || c->in.len - c->in_off >= RG_WS_HTTP_MAX_HEAD;
}

struct rg_str rg_ws_conn_poll_transmit(const struct rg_ws_conn *c)
{
    return rg_str_make(c->out.data ? c->out.data + c->out_off : "", c->out.len - c->out_off);
}

void rg_ws_conn_tx_done(struct rg_ws_conn *c, size_t n)
{
    size_t left = c->out.len - c->out_off;
    c->out_off += n < left ? n : left;
    if (c->out_off == c->out.len) {
        rg_buf_reset(&c->out);
        c->out_off = 0;
    }
}

int64_t rg_ws_conn_poll_timeout(const struct rg_ws_conn *c)
{
    if (c->state == RG_WS_CONN_HANDSHAKE || c->state == RG_WS_CONN_CLOSING)
        return c->deadline_us;
    return INT64_MAX;
}

void rg_ws_conn_handle_timeout(struct rg_ws_conn *c, int64_t now_us)
{
    if (now_us < rg_ws_conn_poll_timeout(c))
        return;
    /* Handshake: give up silently.  Closing: §7.1.1 lets us drop the TCP
     * connection when the peer does not answer our close in time. */
    c->timed_out = true;
}

/* Queues a frame if it leaves `reserve` bytes of max_out free. */
static int queue_frame(struct rg_ws_conn *c, unsigned opcode, const void *p, size_t n,
                       size_t reserve)
{
    size_t frame = n + (n < 126 ? 2 : n <= 0xffff ? 4 : 10) + 4;
    if (c->out.len - c->out_off + frame + reserve > c->cfg.max_out)
        return RG_ELIMIT;
    compact(&c->out, &c->out_off);
    uint8_t mask[4];
    if (c->cfg.role == RG_WS_CLIENT)
        rg_rng_bytes(c->cfg.rng, mask, sizeof(mask)); /* §5.3: fresh per frame */
    return rg_ws_frame_encode(&c->out, true, opcode, p, n,
                              c->cfg.role == RG_WS_CLIENT ? mask : NULL);
}

static int queue_close(struct rg_ws_conn *c, unsigned code, struct rg_str reason)
{
    if (c->close_sent)
        return RG_OK;
    size_t frame = CTL_FRAME_MAX;
    if (c->out.len - c->out_off + frame > c->cfg.max_out)
        return RG_ELIMIT;
    compact(&c->out, &c->out_off);
    uint8_t mask[4];
    if (c->cfg.role == RG_WS_CLIENT)
        rg_rng_bytes(c->cfg.rng, mask, sizeof(mask));
    int rc =
        rg_ws_frame_encode_close(&c->out, code, reason, c->cfg.role == RG_WS_CLIENT ? mask : NULL);
    if (rc == RG_OK)
        c->close_sent = true;
    return rc;
}

int rg_ws_conn_send(struct rg_ws_conn *c, unsigned opcode, const void *p, size_t n)
{
    if (c->state != RG_WS_CONN_OPEN)
        return RG_ESTATE;
    if ((opcode != RG_WS_OP_TEXT && opcode != RG_WS_OP_BINARY) || (n > 0 && !p))
        return RG_EINVAL;
    if (n > c->cfg.max_msg)
        return RG_ELIMIT;
    if (opcode == RG_WS_OP_TEXT && !rg_ws_utf8_valid(p, n))
        return RG_EINVAL;
    return queue_frame(c, opcode, p, n, 2 * CTL_FRAME_MAX);
}

int rg_ws_conn_ping(struct rg_ws_conn *c, const void *p, size_t n)
{
    if (c->state != RG_WS_CONN_OPEN)
        return RG_ESTATE;
    if (n > RG_WS_MAX_CONTROL || (n > 0 && !p))
        return RG_EINVAL;
    return queue_frame(c, RG_WS_OP_PING, p, n, CTL_FRAME_MAX);
}

int rg_ws_conn_close(struct rg_ws_conn *c, int64_t now_us, unsigned code, struct rg_str reason)
{
    if (c->state != RG_WS_CONN_OPEN)
        return RG_ESTATE;
    if (code != 0 && !rg_ws_close_code_valid(code))
        return RG_EINVAL;
    int rc = queue_close(c, code, reason);
    if (rc != RG_OK)
        return rc;
    c->state = RG_WS_CONN_CLOSING;
    c->deadline_us = now_us + c->cfg.close_timeout_us;
    return RG_OK;
}

/* Reports a failure: state CLOSED, nothing more is read. */
static void fail(struct rg_ws_conn *c, struct rg_ws_event *ev, unsigned code, const char *why)
{
    if (code != RG_WS_CLOSE_ABNORMAL && c->state != RG_WS_CONN_HANDSHAKE) {
        /* §7.1.7: send a close frame with the code, then drop the
         * connection.  If the queue is full the TCP close says it all. */
        (void)queue_close(c, code, rg_str_from_cstr(why));
    }
    c->state = RG_WS_CONN_CLOSED;
    c->in_off = c->in.len;
    ev->type = RG_WS_EV_ERROR;
    ev->close_code = code;
    ev->why = why;
    RG_LOG(c->cfg.log, RG_LOG_INFO, ws, NULL, "connection failed (%u): %s", code, why);
}

static void server_handshake(struct rg_ws_conn *c, struct rg_ws_event *ev)
{
    if (!head_may_be_ready(c))
        return;
    const char *p = c->in.data + c->in_off;
    int rc = rg_ws_http_parse_request(p, c->in.len - c->in_off, &c->head);
    c->hs_dirty = false;
    if (rc == RG_EAGAIN)
        return;
    if (rc < 0) {
        static const struct rg_ws_http_head empty; /* const: GET-less request */
        struct rg_ws_server_result r;
        c->state = RG_WS_CONN_CLOSED;
        c->in_off = c->in.len;
        ev->type = RG_WS_EV_REJECTED;
        ev->status = 400;
        ev->why = rc == RG_ELIMIT ? "request head too large" : "malformed HTTP request";
        /* An empty head fails every check: a plain 400 goes out. */
        if (rg_ws_server_respond(&empty, &c->cfg.server, &c->out, &r) != RG_OK)
            ev->why = "malformed HTTP request (no room for the 400)";
        return;
    }
    c->in_off += (size_t)rc;
    ev->http = &c->head;
    if (!rg_ws_http_is_upgrade(&c->head)) {
        c->state = RG_WS_CONN_HTTP;
        ev->type = RG_WS_EV_HTTP;
        return;
    }
    struct rg_ws_server_result r;
    if (rg_ws_server_respond(&c->head, &c->cfg.server, &c->out, &r) != RG_OK) {
        fail(c, ev, RG_WS_CLOSE_ABNORMAL, "no room for the handshake response");
        return;
    }
    if (r.status != 101) {
        c->state = RG_WS_CONN_CLOSED;
        c->in_off = c->in.len;
        ev->type = RG_WS_EV_REJECTED;
        ev->status = r.status;
        ev->why = r.why;
        RG_LOG(c->cfg.log, RG_LOG_INFO, ws, NULL, "handshake rejected (%u): %s", r.status, r.why);
        return;
    }
    c->sip = r.sip;
    c->state = RG_WS_CONN_OPEN;
    ev->type = RG_WS_EV_OPEN;
    ev->sip = r.sip;
}

static void client_handshake(struct rg_ws_conn *c, struct rg_ws_event *ev)
{
    if (!head_may_be_ready(c))
        return;
    const char *p = c->in.data + c->in_off;
    int rc = rg_ws_http_parse_response(p, c->in.len - c->in_off, &c->head);
    c->hs_dirty = false;
    if (rc == RG_EAGAIN)
        return;
    if (rc < 0) {
        fail(c, ev, RG_WS_CLOSE_ABNORMAL, "malformed HTTP response");
        return;
    }
    c->in_off += (size_t)rc;
    bool sip = false;
    if (rg_ws_client_verify(&c->head, c->key, &sip) != RG_OK) {
        fail(c, ev, RG_WS_CLOSE_ABNORMAL, "server refused or broke the handshake");
        ev->http = &c->head;
        return;
    }
    c->sip = sip;
    c->state = RG_WS_CONN_OPEN;
    ev->type = RG_WS_EV_OPEN;
    ev->sip = sip;
    ev->http = &c->head;
}

/* A close frame arrived: answer it (§5.5.1) and finish. */
static void on_close(struct rg_ws_conn *c, const struct rg_ws_msg *m, struct rg_ws_event *ev)
{
    if (!c->close_sent) {
        /* Echo the code; a close without a code is answered without one. */
        unsigned code = m->close_code == RG_WS_CLOSE_NO_STATUS ? 0 : m->close_code;
        (void)queue_close(c, code, RG_STR_NULL);
    }
    c->state = RG_WS_CONN_CLOSED;
    c->in_off = c->in.len;
    ev->type = RG_WS_EV_CLOSE;
    ev->close_code = m->close_code;
    ev->close_reason = m->close_reason;
}

static void frames(struct rg_ws_conn *c, struct rg_ws_event *ev)
{
    size_t used = 0;
    struct rg_ws_msg m;
    const uint8_t *p = (const uint8_t *)c->in.data + c->in_off;
    int rc = rg_ws_decoder_feed(&c->dec, p, c->in.len - c->in_off, &used, &m);
    if (rc == RG_EAGAIN) {
        c->in_off = c->in.len;
        return;
    }
    if (rc < 0) {
        fail(c, ev, c->dec.fail_code ? c->dec.fail_code : RG_WS_CLOSE_INTERNAL,
             c->dec.fail_why ? c->dec.fail_why : "decoder failed");
        return;
    }
    c->in_off += used;
    ev->data = m.data;
    switch (m.opcode) {
    case RG_WS_OP_PING:
        /* §5.5.2: answer with the same payload unless closing; if the queue
         * is full this pong is dropped (§5.5.3 allows answering only the
         * latest ping). */
        if (c->state == RG_WS_CONN_OPEN)
            (void)queue_frame(c, RG_WS_OP_PONG, m.data.p, m.data.len, CTL_FRAME_MAX);
        ev->type = RG_WS_EV_PING;
        break;
    case RG_WS_OP_PONG:
        ev->type = RG_WS_EV_PONG;
        break;
    case RG_WS_OP_CLOSE:
        on_close(c, &m, ev);
        break;
    default:
        ev->type = RG_WS_EV_MESSAGE;
        ev->opcode = m.opcode;
        break;
    }
}

void rg_ws_conn_poll_event(struct rg_ws_conn *c, int64_t now_us, struct rg_ws_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    rg_ws_conn_handle_timeout(c, now_us);
    if (c->timed_out && !rg_ws_conn_finished(c)) {
        bool closing = c->state == RG_WS_CONN_CLOSING;
        c->state = RG_WS_CONN_CLOSED;
        c->in_off = c->in.len;
        ev->type = closing ? RG_WS_EV_CLOSE : RG_WS_EV_ERROR;
        ev->close_code = RG_WS_CLOSE_ABNORMAL;
        ev->why = closing ? "peer did not answer the close" : "handshake timed out";
        return;
    }
    if (c->in_off == c->in.len)
        return;
    switch (c->state) {
    case RG_WS_CONN_HANDSHAKE:
        if (c->cfg.role == RG_WS_SERVER)
            server_handshake(c, ev);
        else
            client_handshake(c, ev);
        break;
    case RG_WS_CONN_OPEN:
    case RG_WS_CONN_CLOSING:
        frames(c, ev);
        break;
    default:
        break;
    }
}
