/*
 * fuzz_ws_frame.c — the WebSocket frame decoder (proto/ws/ws_frame).
 * Input: byte 0 picks the role (bit 0), the chunk size for a second pass
 * (bits 1-7, 0 meaning 1) ; the rest is the byte stream.
 * Invariants: decoding whole and in chunks yields the same messages and the
 * same failure code; every message respects the limits (size, control
 * length, UTF-8 text, valid close code); re-encoding a message as one frame
 * and decoding it again gives it back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "proto/ws/ws_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MSG 4096

struct trace {
    uint64_t hash;
    unsigned count;
    unsigned fail;
    int rc;
};

static void mix(struct trace *tr, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        tr->hash = (tr->hash ^ b[i]) * 1099511628211ULL;
}

/* Decodes m back from a re-encoding and checks it is the same. */
static void round_trip(enum rg_ws_role role, const struct rg_ws_msg *m)
{
    static const uint8_t key[4] = {0xa5, 0x01, 0x7e, 0xff};
    struct rg_buf b;
    rg_buf_init(&b, MAX_MSG + 64);
    if (rg_ws_frame_encode(&b, true, m->opcode, m->data.p, m->data.len,
                           role == RG_WS_SERVER ? key : NULL) != RG_OK)
        abort();
    struct rg_ws_decoder d;
    rg_ws_decoder_init(&d, role, MAX_MSG);
    size_t used = 0;
    struct rg_ws_msg m2;
    if (rg_ws_decoder_feed(&d, (const uint8_t *)b.data, b.len, &used, &m2) != RG_OK ||
        used != b.len || m2.opcode != m->opcode || m2.data.len != m->data.len ||
        (m->data.len && memcmp(m2.data.p, m->data.p, m->data.len) != 0) ||
        m2.close_code != m->close_code)
        abort();
    rg_ws_decoder_deinit(&d);
    rg_buf_deinit(&b);
}

static void check_msg(enum rg_ws_role role, const struct rg_ws_msg *m)
{
    switch (m->opcode) {
    case RG_WS_OP_TEXT:
        if (!rg_ws_utf8_valid(m->data.p, m->data.len))
            abort();
        /* fall through */
    case RG_WS_OP_BINARY:
        if (m->data.len > MAX_MSG)
            abort();
        break;
    case RG_WS_OP_CLOSE:
        if (m->close_code != RG_WS_CLOSE_NO_STATUS && !rg_ws_close_code_valid(m->close_code))
            abort();
        if (!rg_ws_utf8_valid(m->close_reason.p, m->close_reason.len))
            abort();
        /* fall through */
    case RG_WS_OP_PING:
    case RG_WS_OP_PONG:
        if (m->data.len > RG_WS_MAX_CONTROL)
            abort();
        break;
    default:
        abort();
    }
    round_trip(role, m);
}

static void run(enum rg_ws_role role, const uint8_t *p, size_t n, size_t step, struct trace *tr)
{
    struct rg_ws_decoder d;
    rg_ws_decoder_init(&d, role, MAX_MSG);
    memset(tr, 0, sizeof(*tr));
    tr->rc = RG_EAGAIN;
    for (size_t off = 0; off < n && tr->rc == RG_EAGAIN;) {
        size_t chunk = n - off > step ? step : n - off;
        size_t at = 0;
        for (;;) {
            size_t used = 0;
            struct rg_ws_msg m;
            int rc = rg_ws_decoder_feed(&d, p + off + at, chunk - at, &used, &m);
            if (rc == RG_EAGAIN) {
                if (used != chunk - at)
                    abort();
                break;
            }
            if (rc != RG_OK) {
                tr->rc = rc;
                tr->fail = d.fail_code;
                if (d.fail_code == 0)
                    abort();
                break;
            }
            if (used > chunk - at)
                abort();
            at += used;
            check_msg(role, &m);
            tr->count++;
            mix(tr, &m.opcode, 1);
            mix(tr, m.data.p, m.data.len);
        }
        off += chunk;
    }
    rg_ws_decoder_deinit(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum rg_ws_role role = (data[0] & 1) ? RG_WS_CLIENT : RG_WS_SERVER;
    size_t step = data[0] >> 1 ? (size_t)(data[0] >> 1) : 1;
    struct trace whole, parts;
    run(role, data + 1, size - 1, size, &whole);
    run(role, data + 1, size - 1, step, &parts);
    if (whole.hash != parts.hash || whole.count != parts.count || whole.rc != parts.rc ||
        whole.fail != parts.fail)
        abort();
    return 0;
}
