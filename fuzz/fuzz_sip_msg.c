/*
 * fuzz_sip_msg.c — the SIP message parser and the stream framer.
 * Invariants: every view of a parsed message lies inside the input; the
 * body never exceeds the input; a stream framed whole and byte by byte
 * (in chunks of 1-8 bytes) gives the same first message length; a framed message is never longer
 * than the input or the size limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "proto/sip/sip_frame.h"
#include "proto/sip/sip_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(struct rg_str s, const uint8_t *data, size_t size)
{
    if (s.p && (s.p < (const char *)data || s.p + s.len > (const char *)data + size))
        abort();
}

static long frame(const uint8_t *data, size_t size, size_t step)
{
    struct rg_sip_framer f;
    rg_sip_framer_init(&f, NULL);
    long got = 0;
    for (size_t off = 0; off < size && got == 0;) {
        size_t n = step && step < size - off ? step : size - off;
        int took = rg_sip_framer_feed(&f, data + off, n);
        if (took < 0) {
            got = -1;
            break;
        }
        off += (size_t)took;
        struct rg_str msg;
        struct rg_sip_error e;
        int rc = rg_sip_framer_next(&f, &msg, &e);
        if (rc == RG_OK)
            got = (long)msg.len;
        else if (rc != RG_EAGAIN || took == 0)
            got = -1;
    }
    rg_sip_framer_deinit(&f);
    return got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_msg *m;
    struct rg_sip_error e;
    int rc = rg_sip_parse((const char *)data, size, NULL, &a, &m, &e);
    if (rc == RG_OK) {
        inside(m->body, data, size);
        inside(m->method, data, size);
        inside(m->reason, data, size);
        for (size_t i = 0; i < m->n_hdrs; i++) {
            inside(m->hdrs[i].name, data, size);
            inside(m->hdrs[i].value, data, size);
        }
        for (size_t i = 0; i < m->n_vias; i++)
            inside(m->vias[i].host, data, size);
        if (!m->to || !m->from || !m->call_id.p || m->n_vias == 0)
            abort();
    } else if (rc == RG_EBADMSG) {
        if (!e.phrase || e.status < 400)
            abort();
    } else {
        abort();
    }
    rg_arena_deinit(&a);
    if (size > 0 && size <= 4096) {
        /* Chunk size 1-8 taken from the input keeps byte-wise feeding cheap. */
        long whole = frame(data, size, 0), bytewise = frame(data, size, 1 + data[size - 1] % 8);
        if (whole != bytewise || whole > (long)size)
            abort();
    }
    return 0;
}
