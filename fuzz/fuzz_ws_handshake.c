/*
 * fuzz_ws_handshake.c — HTTP head parsing and the WebSocket handshake
 * (proto/ws/ws_handshake), and a server rg_ws_conn driven by the input.
 * Input: byte 0 = flags (bit 0: require sip, bit 1: refuse origins, bits
 * 2-7: chunk size for the connection), rest = bytes from the client.
 * Invariants: a parsed head parses to the same length from its exact
 * prefix and not from a shorter one (EAGAIN), fields are views inside the
 * input; a 101 is only written for a request that passes the client-side
 * check (Accept matches the key); error responses are 400/403/426; the
 * connection never buffers more than its limits and whole/chunked feeds
 * give the same events.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "proto/ws/ws_conn.h"
#include "proto/ws/ws_handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool refuse_all(void *ud, struct rg_str origin, struct rg_str host)
{
    (void)ud;
    (void)host;
    return origin.len == 0;
}

static bool inside(struct rg_str s, const char *p, size_t n)
{
    return s.len == 0 || (s.p >= p && s.p + s.len <= p + n);
}

static void check_head(const char *p, size_t n, bool request, const struct rg_ws_server_cfg *cfg)
{
    struct rg_ws_http_head h, h2;
    int rc = request ? rg_ws_http_parse_request(p, n, &h) : rg_ws_http_parse_response(p, n, &h);
    if (rc <= 0)
        return;
    size_t len = (size_t)rc;
    if (len > n || len > RG_WS_HTTP_MAX_HEAD || h.n_fields > RG_WS_HTTP_MAX_HEADERS)
        abort();
    int again =
        request ? rg_ws_http_parse_request(p, len, &h2) : rg_ws_http_parse_response(p, len, &h2);
    int shorter = request ? rg_ws_http_parse_request(p, len - 1, &h2)
                          : rg_ws_http_parse_response(p, len - 1, &h2);
    if (again != rc || shorter != RG_EAGAIN)
        abort();
    for (size_t i = 0; i < h.n_fields; i++) {
        if (!inside(h.fields[i].name, p, len) || !inside(h.fields[i].value, p, len) ||
            h.fields[i].name.len == 0)
            abort();
    }
    if (!request)
        return;
    struct rg_buf out;
    rg_buf_init(&out, 4096);
    struct rg_ws_server_result r;
    if (rg_ws_server_respond(&h, cfg, &out, &r) != RG_OK)
        abort();
    struct rg_ws_http_head resp;
    /* Error responses carry a short text body after the head. */
    int hl = rg_ws_http_parse_response(out.data, out.len, &resp);
    if (hl <= 0 || (size_t)hl > out.len || (r.status == 101 && (size_t)hl != out.len) ||
        resp.status != r.status)
        abort();
    if (r.status == 101) {
        struct rg_str key;
        char kbuf[RG_WS_KEY_LEN + 1];
        bool sip = false;
        if (rg_ws_http_field(&h, "Sec-WebSocket-Key", &key) != RG_OK ||
            rg_str_copy_cstr(key, kbuf, sizeof(kbuf)) != RG_OK ||
            rg_ws_client_verify(&resp, kbuf, &sip) != RG_OK || sip != r.sip)
            abort();
    } else if (r.status != 400 && r.status != 403 && r.status != 426) {
        abort();
    }
    rg_buf_deinit(&out);
}

struct trace {
    uint64_t hash;
    unsigned events;
};

static void conn_run(const uint8_t *p, size_t n, size_t step, const struct rg_ws_server_cfg *sc,
                     struct trace *tr)
{
    struct rg_ws_conn_cfg cfg = {.role = RG_WS_SERVER, .max_msg = 2048, .server = *sc};
    struct rg_ws_conn c;
    memset(tr, 0, sizeof(*tr));
    if (rg_ws_conn_init(&c, &cfg, 0) != RG_OK)
        abort();
    for (size_t off = 0; off < n; off += step) {
        size_t k = n - off < step ? n - off : step;
        if (rg_ws_conn_handle_input(&c, 1, p + off, k) != RG_OK)
            abort(); /* events are drained after every input, so it fits */
        for (;;) {
            struct rg_ws_event ev;
            rg_ws_conn_poll_event(&c, 1, &ev);
            if (ev.type == RG_WS_EV_NONE)
                break;
            tr->events++;
            tr->hash = (tr->hash ^ (uint64_t)ev.type) * 1099511628211ULL;
            for (size_t i = 0; i < ev.data.len; i++)
                tr->hash = (tr->hash ^ (uint8_t)ev.data.p[i]) * 1099511628211ULL;
            /* Echo, as the daemon answers; a received message is always
             * sendable (valid UTF-8 text, within max_msg). */
            if (ev.type == RG_WS_EV_MESSAGE &&
                rg_ws_conn_send(&c, ev.opcode, ev.data.p, ev.data.len) == RG_EINVAL)
                abort();
        }
        struct rg_str tx = rg_ws_conn_poll_transmit(&c);
        if (tx.len > c.cfg.max_out || c.in.len > c.cfg.max_in)
            abort();
        rg_ws_conn_tx_done(&c, tx.len);
    }
    rg_ws_conn_deinit(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct rg_ws_server_cfg cfg = {.require_sip = data[0] & 1,
                                   .origin_check = (data[0] & 2) ? refuse_all : NULL};
    size_t step = data[0] >> 2 ? (size_t)(data[0] >> 2) : 1;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    check_head(p, n, true, &cfg);
    check_head(p, n, false, &cfg);
    struct trace whole, parts;
    conn_run(data + 1, n, RG_WS_HTTP_MAX_HEAD * 2, &cfg, &whole);
    conn_run(data + 1, n, step, &cfg, &parts);
    if (whole.hash != parts.hash || whole.events != parts.events)
        abort();
    return 0;
}
