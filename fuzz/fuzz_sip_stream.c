/*
 * fuzz_sip_stream.c — one SIP connection's byte handling (io/sip_stream)
 * and the transport's own replies (io/sip_reply).
 * Input: byte 0 picks the mode (bit 0: WebSocket server, else a TCP/TLS
 * byte stream) and a chunk size (bits 1-7, 0 meaning 1); the rest is what
 * the peer sends.
 * Invariants: feeding everything at once and in chunks gives the same
 * events, messages and output bytes; every message fits the limit; the
 * output queue stays within its bound; a 400 built from any message starts
 * with the status line and ends with its only empty line; a mapped
 * HTTP path never leaves the web root; the idle timeout finishes the
 * stream.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "io/sip_reply.h"
#include "io/sip_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MSG 2048
#define MAX_OUT 8192

/* Events and output bytes are hashed apart: chunking changes how they
 * interleave, not either sequence. */
struct trace {
    uint64_t hash, out_hash;
    size_t out_bytes;
    unsigned msgs;
};

static void fnv(uint64_t *h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        *h = (*h ^ b[i]) * 1099511628211ull;
}

static void mix(struct trace *tr, const void *p, size_t n)
{
    fnv(&tr->hash, p, n);
}

static void check_400(struct rg_str msg)
{
    struct rg_buf out;
    rg_buf_init(&out, MAX_MSG * 5);
    if (rg_sip_reply_bad_request(msg, "Bad Request", RG_STR_LIT("t1"), &out) == RG_OK) {
        struct rg_str s = rg_buf_str(&out);
        if (!rg_str_has_prefix(s, "SIP/2.0 400 Bad Request\r\n") || s.len < 4 ||
            memcmp(s.p + s.len - 4, "\r\n\r\n", 4) != 0 || s.len > 4 * msg.len + 128)
            abort();
        if (rg_str_find(s, RG_STR_LIT("\r\n\r\n")) != (long)(s.len - 4))
            abort(); /* nothing copied may end the head early */
    } else if (out.len != 0) {
        abort();
    }
    rg_buf_deinit(&out);
}

static void check_path(struct rg_str target)
{
    char p[RG_SIP_HTTP_MAX_PATH];
    if (rg_sip_http_map_path(target, p, sizeof(p)) != RG_OK)
        return;
    struct rg_str s = rg_str_from_cstr(p);
    if (s.len == 0 || p[0] == '/' || p[0] == '.' || rg_str_find(s, RG_STR_LIT("/.")) >= 0 ||
        rg_str_find(s, RG_STR_LIT("//")) >= 0)
        abort();
}

static void drain(struct rg_sip_stream *s, struct trace *tr, bool ws_mode)
{
    for (;;) {
        struct rg_sip_stream_ev ev;
        rg_sip_stream_poll(s, 0, &ev);
        if (ev.type == RG_SIP_STREAM_EV_NONE)
            break;
        mix(tr, &ev.type, sizeof(ev.type));
        if (ev.type == RG_SIP_STREAM_EV_MESSAGE) {
            if (ev.data.len > MAX_MSG)
                abort();
            mix(tr, ev.data.p, ev.data.len);
            check_400(ev.data);
            /* Echo the first message only: later ones could find the
             * queue fuller in one feeding pattern than in the other. */
            if (tr->msgs++ == 0 && rg_sip_stream_send(s, ev.data.p, ev.data.len) != RG_OK &&
                !ws_mode)
                abort();
        } else if (ev.type == RG_SIP_STREAM_EV_BADFRAME) {
            /* Where a framing error shows depends on how much was buffered:
             * only the event itself is compared. */
            check_400(ev.data);
        } else if (ev.type == RG_SIP_STREAM_EV_HTTP) {
            mix(tr, ev.target.p, ev.target.len);
            check_path(ev.target);
            if (rg_sip_stream_http_reply(s, "HTTP/1.1 404 x\r\n\r\n", 18) != RG_OK)
                abort();
        }
    }
    struct rg_str tx = rg_sip_stream_tx(s);
    if (tx.len > MAX_OUT + 64 + 1024 + MAX_MSG * 2)
        abort();
    fnv(&tr->out_hash, tx.p, tx.len);
    tr->out_bytes += tx.len;
    rg_sip_stream_tx_done(s, tx.len);
}

static void run(const uint8_t *p, size_t n, bool ws, size_t chunk, struct trace *tr)
{
    struct rg_sip_stream_cfg cfg = {
        .ws = ws, .max_out = MAX_OUT, .max_http = 1024, .idle_us = 1000000};
    cfg.lim = RG_SIP_LIMITS_DEFAULT;
    cfg.lim.max_msg_bytes = MAX_MSG;
    struct rg_sip_stream s;
    if (rg_sip_stream_init(&s, &cfg, 0) != RG_OK)
        abort();
    size_t off = 0;
    int stalls = 0;
    while (off < n && stalls < 2) {
        size_t k = n - off < chunk ? n - off : chunk;
        int t = rg_sip_stream_input(&s, 0, p + off, k);
        if (t < 0)
            abort();
        stalls = t == 0 ? stalls + 1 : 0;
        off += (size_t)t;
        drain(&s, tr, ws);
    }
    mix(tr, &off, sizeof(off));
    rg_sip_stream_handle_timeout(&s, 2000000);
    drain(&s, tr, ws);
    if (!rg_sip_stream_finished(&s))
        abort();
    rg_sip_stream_deinit(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool ws = data[0] & 1;
    size_t chunk = data[0] >> 1 ? data[0] >> 1 : 1;
    struct trace a = {14695981039346656037ull, 14695981039346656037ull, 0, 0}, b = a;
    run(data + 1, size - 1, ws, size, &a);
    run(data + 1, size - 1, ws, chunk, &b);
    if (a.hash != b.hash || a.out_hash != b.out_hash || a.out_bytes != b.out_bytes)
        abort();
    return 0;
}
