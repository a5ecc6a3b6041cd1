/*
 * sip_stream.c — SIP over a byte stream or WebSocket, sans sockets (see
 * sip_stream.h).
 */
#include "io/sip_stream.h"

#include <string.h>

static const char k_pong[] = "\r\n";

int rg_sip_stream_init(struct rg_sip_stream *s, const struct rg_sip_stream_cfg *cfg, int64_t now_us)
{
    memset(s, 0, sizeof(*s));
    s->cfg = *cfg;
    if (s->cfg.lim.max_msg_bytes == 0)
        s->cfg.lim = RG_SIP_LIMITS_DEFAULT;
    if (s->cfg.max_out == 0)
        s->cfg.max_out = RG_SIP_STREAM_MAX_OUT_DEFAULT;
    if (s->cfg.max_out < s->cfg.lim.max_msg_bytes + 64)
        s->cfg.max_out = s->cfg.lim.max_msg_bytes + 64;
    if (s->cfg.idle_us <= 0)
        s->cfg.idle_us = RG_SIP_STREAM_IDLE_DEFAULT_US;
    s->last_rx_us = now_us;
    /* A WebSocket port also answers one HTTP request: room for one file. */
    rg_buf_init(&s->out, s->cfg.max_out + (s->cfg.ws ? s->cfg.max_http : 0));
    if (!s->cfg.ws) {
        rg_sip_framer_init(&s->fr, &s->cfg.lim);
        return RG_OK;
    }
    /* RFC 7118 §4.1: the client offers the "sip" subprotocol; without it
     * the upgrade is refused with 400. */
    struct rg_ws_conn_cfg wc = {
        .role = RG_WS_SERVER,
        .max_msg = s->cfg.lim.max_msg_bytes,
        .max_out = s->cfg.max_out,
        .server = {.require_sip = true},
        .log = cfg->log,
    };
    int rc = rg_ws_conn_init(&s->wsc, &wc, now_us);
    if (rc != RG_OK)
        rg_buf_deinit(&s->out);
    return rc;
}

void rg_sip_stream_deinit(struct rg_sip_stream *s)
{
    if (s->cfg.ws)
        rg_ws_conn_deinit(&s->wsc);
    else
        rg_sip_framer_deinit(&s->fr);
    rg_buf_deinit(&s->out);
}

/* Appends to the raw output queue, compacting what was already written. */
static int out_append(struct rg_sip_stream *s, const void *p, size_t n)
{
    if (s->out_off > 0) {
        memmove(s->out.data, s->out.data + s->out_off, s->out.len - s->out_off);
        s->out.len -= s->out_off;
        s->out_off = 0;
    }
    return rg_buf_append(&s->out, p, n);
}

int rg_sip_stream_input(struct rg_sip_stream *s, int64_t now_us, const void *p, size_t n)
{
    if (rg_sip_stream_finished(s) || s->http || s->bad)
        return (int)(n > INT32_MAX ? INT32_MAX : n);
    if (n > INT32_MAX)
        n = INT32_MAX;
    s->last_rx_us = now_us;
    if (s->cfg.ws) {
        int rc = rg_ws_conn_handle_input(&s->wsc, now_us, p, n);
        if (rc == RG_ELIMIT)
            return 0;
        return rc == RG_OK ? (int)n : rc;
    }
    if (s->msg_out)
        return 0;
    int rc = rg_sip_framer_feed(&s->fr, p, n);
    if (rc == RG_ESTATE) /* framer failed: the rest is discarded */
        return (int)n;
    return rc;
}

/* RFC 5626 §4.4.1: counts the CR/LF bytes the framer is about to drop and
 * answers each CRLFCRLF with a CRLF. */
static void stream_keepalive(struct rg_sip_stream *s)
{
    size_t k = 0;
    while (k < s->fr.in.len && (s->fr.in.data[k] == '\r' || s->fr.in.data[k] == '\n'))
        k++;
    s->ka_run += k;
    while (s->ka_run >= 4) {
        s->ka_run -= 4;
        if (s->out.len - s->out_off + 2 > s->cfg.max_out || out_append(s, k_pong, 2) != RG_OK)
            break; /* output full: the peer is not reading; pongs are optional */
    }
    if (k < s->fr.in.len)
        s->ka_run = 0; /* a message starts: a partial ping is no ping */
}

static void poll_raw(struct rg_sip_stream *s, struct rg_sip_stream_ev *ev)
{
    if (s->msg_out) {
        rg_sip_framer_consume(&s->fr);
        s->msg_out = false;
    }
    stream_keepalive(s);
    struct rg_str msg;
    struct rg_sip_error err;
    int rc = rg_sip_framer_next(&s->fr, &msg, &err);
    if (rc == RG_OK) {
        s->msg_out = true;
        ev->type = RG_SIP_STREAM_EV_MESSAGE;
        ev->data = msg;
    } else if (rc == RG_EBADMSG) {
        /* RFC 3261 §18.3: without a usable Content-Length the stream cannot
         * be re-synchronised; the owner answers 400 and closes. */
        s->bad = true; /* finished at the next poll, after the owner's 400 */
        s->why = err.phrase ? err.phrase : "framing error";
        ev->type = RG_SIP_STREAM_EV_BADFRAME;
        ev->data = rg_buf_str(&s->fr.in);
        ev->why = s->why;
    }
}

static bool all_crlf(struct rg_str d)
{
    for (size_t i = 0; i < d.len; i++)
        if (d.p[i] != '\r' && d.p[i] != '\n')
            return false;
    return true;
}

/* The upgrade's request path against the configured wsPath. */
static bool path_ok(const struct rg_sip_stream *s, const struct rg_ws_http_head *h)
{
    const char *want = s->cfg.ws_path;
    if (!want || !*want || strcmp(want, "/") == 0 || !h)
        return true;
    struct rg_str t = h->target;
    long q = rg_str_find_char(t, '?');
    if (q >= 0)
        t.len = (size_t)q;
    return rg_str_eq_cstr(t, want);
}

/* Handles one WebSocket event; true when it becomes a stream event. */
static bool ws_event(struct rg_sip_stream *s, int64_t now_us, const struct rg_ws_event *w,
                     struct rg_sip_stream_ev *ev)
{
    switch (w->type) {
    case RG_WS_EV_HTTP:
        s->http = true;
        ev->type = RG_SIP_STREAM_EV_HTTP;
        ev->method = w->http->method;
        ev->target = w->http->target;
        return true;
    case RG_WS_EV_OPEN:
        if (!path_ok(s, w->http)) {
            /* RFC 6455 §7.4.1: 1008, the endpoint's policy. */
            if (rg_ws_conn_close(&s->wsc, now_us, RG_WS_CLOSE_POLICY, RG_STR_LIT("wrong path")) !=
                RG_OK)
                s->finished = true;
            s->why = "wrong WebSocket path";
            return false;
        }
        ev->type = RG_SIP_STREAM_EV_OPEN;
        ev->sip = w->sip;
        return true;
    case RG_WS_EV_MESSAGE:
        if (all_crlf(w->data)) {
            /* keep-alive ping as JsSIP/SIP.js send it; a full output queue
             * drops the pong (the peer is not reading anyway) */
            if (w->data.len >= 4 && rg_ws_conn_send(&s->wsc, RG_WS_OP_TEXT, k_pong, 2) != RG_OK)
                RG_LOG(s->cfg.log, RG_LOG_DEBUG, io, NULL, "keep-alive pong dropped");
            return false;
        }
        ev->type = RG_SIP_STREAM_EV_MESSAGE;
        ev->data = w->data;
        return true;
    case RG_WS_EV_REJECTED:
    case RG_WS_EV_CLOSE:
    case RG_WS_EV_ERROR:
        s->why = w->why ? w->why : "websocket closed";
        return false;
    default:
        return false;
    }
}

void rg_sip_stream_poll(struct rg_sip_stream *s, int64_t now_us, struct rg_sip_stream_ev *ev)
{
    memset(ev, 0, sizeof(*ev));
    if (s->bad)
        s->finished = true;
    if (!s->finished && !s->http) {
        if (!s->cfg.ws) {
            poll_raw(s, ev);
            if (ev->type != RG_SIP_STREAM_EV_NONE)
                return;
        } else {
            for (;;) {
                struct rg_ws_event w;
                rg_ws_conn_poll_event(&s->wsc, now_us, &w);
                if (w.type == RG_WS_EV_NONE)
                    break;
                if (ws_event(s, now_us, &w, ev))
                    return;
            }
        }
    }
    if (rg_sip_stream_finished(s) && !s->closed_told) {
        s->closed_told = true;
        ev->type = RG_SIP_STREAM_EV_CLOSED;
        ev->why = s->why ? s->why : "closed";
    }
}

int rg_sip_stream_send(struct rg_sip_stream *s, const void *p, size_t n)
{
    if (rg_sip_stream_finished(s) || s->http)
        return RG_ESTATE;
    if (n > s->cfg.lim.max_msg_bytes)
        return RG_ELIMIT;
    if (!s->cfg.ws) {
        if (s->out.len - s->out_off + n > s->cfg.max_out)
            return RG_ELIMIT;
        return out_append(s, p, n);
    }
    /* RFC 7118 §5: text frames for UTF-8 messages, binary otherwise. */
    int rc = rg_ws_conn_send(&s->wsc, RG_WS_OP_TEXT, p, n);
    if (rc == RG_EINVAL)
        rc = rg_ws_conn_send(&s->wsc, RG_WS_OP_BINARY, p, n);
    return rc;
}

int rg_sip_stream_http_reply(struct rg_sip_stream *s, const void *p, size_t n)
{
    if (!s->http || s->finished)
        return RG_ESTATE;
    int rc = out_append(s, p, n);
    if (rc == RG_OK) {
        s->finished = true;
        s->why = "http reply sent";
    }
    return rc;
}

void rg_sip_stream_close(struct rg_sip_stream *s, int64_t now_us)
{
    if (s->cfg.ws && rg_ws_conn_state(&s->wsc) == RG_WS_CONN_OPEN &&
        rg_ws_conn_close(&s->wsc, now_us, RG_WS_CLOSE_NORMAL, RG_STR_NULL) == RG_OK)
        return;
    s->finished = true;
    if (!s->why)
        s->why = "closed locally";
}

struct rg_str rg_sip_stream_tx(const struct rg_sip_stream *s)
{
    if (s->cfg.ws) {
        struct rg_str w = rg_ws_conn_poll_transmit(&s->wsc);
        if (w.len)
            return w;
    }
    return rg_str_make(s->out.data + s->out_off, s->out.len - s->out_off);
}

void rg_sip_stream_tx_done(struct rg_sip_stream *s, size_t n)
{
    if (s->cfg.ws && rg_ws_conn_poll_transmit(&s->wsc).len) {
        rg_ws_conn_tx_done(&s->wsc, n);
        return;
    }
    size_t left = s->out.len - s->out_off;
    s->out_off += n < left ? n : left;
    if (s->out_off == s->out.len) {
        s->out_off = 0;
        rg_buf_reset(&s->out);
    }
}

int64_t rg_sip_stream_timeout(const struct rg_sip_stream *s)
{
    if (s->finished)
        return INT64_MAX;
    int64_t t = s->last_rx_us + s->cfg.idle_us;
    if (s->cfg.ws) {
        int64_t w = rg_ws_conn_poll_timeout(&s->wsc);
        if (w < t)
            t = w;
    }
    return t;
}

void rg_sip_stream_handle_timeout(struct rg_sip_stream *s, int64_t now_us)
{
    if (s->cfg.ws)
        rg_ws_conn_handle_timeout(&s->wsc, now_us);
    if (!s->finished && now_us >= s->last_rx_us + s->cfg.idle_us) {
        s->finished = true;
        s->why = "idle timeout";
    }
}

bool rg_sip_stream_finished(const struct rg_sip_stream *s)
{
    if (s->finished)
        return true;
    return s->cfg.ws && !s->http && rg_ws_conn_finished(&s->wsc);
}
