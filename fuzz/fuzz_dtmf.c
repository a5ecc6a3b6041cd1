/*
 * fuzz_dtmf.c — RFC 4733 payloads and the telephone-event relay.
 * Input: byte 0 picks the clocks (8000/48000 each way) and relay/report;
 * then 12-byte records: input timestamp (4), payload (4), output "now"
 * timestamp (4); a record whose first byte is 0xFF flushes instead.
 * Invariants: payload parse/build round trip (R bit cleared); at most
 * RG_DTMF_MAX_OUT packets per input; every output parses, has volume <= 63;
 * ends come exactly three at a time with one timestamp and duration; no
 * output at all when relaying is off; the digit queue stays bounded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/dtmf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void check_out(const struct rg_dtmf_out_pkt *o, int n, bool relay)
{
    if (n < 0 || n > RG_DTMF_MAX_OUT || (!relay && n != 0))
        abort();
    int ends = 0;
    for (int i = 0; i < n; i++) {
        struct rg_dtmf_event e;
        if (rg_dtmf_parse(o[i].payload, 4, &e) != RG_OK || e.volume > 63)
            abort();
        if (e.end) {
            if (ends % 3 && (o[i].ts != o[i - 1].ts || memcmp(o[i].payload, o[i - 1].payload, 4)))
                abort();
            ends++;
        } else if (ends % 3) {
            abort(); /* a partial end triple */
        }
    }
    if (ends % 3)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct rg_dtmf_event e;
    if (size >= 5 && rg_dtmf_parse(data + 1, 4, &e) == RG_OK) {
        uint8_t back[4];
        if (rg_dtmf_build(&e, back, 4) != 4 || back[0] != data[1] ||
            back[1] != (data[2] & 0xBF) || back[2] != data[3] || back[3] != data[4])
            abort();
    }
    struct rg_dtmf_relay r;
    bool relay = data[0] & 4;
    rg_dtmf_relay_init(&r, data[0] & 1 ? 48000 : 8000, data[0] & 2 ? 48000 : 8000, relay,
                       data[0] & 8);
    struct rg_dtmf_out_pkt o[RG_DTMF_MAX_OUT];
    for (size_t off = 1; off + 12 <= size; off += 12) {
        int n;
        if (data[off] == 0xFF)
            n = rg_dtmf_relay_flush(&r, o);
        else
            n = rg_dtmf_relay_input(&r, rd32(data + off), data + off + 4, 4, rd32(data + off + 8), o);
        check_out(o, n, relay);
        if (r.n_digits > RG_DTMF_MAX_DIGITS)
            abort();
    }
    struct rg_dtmf_digit d;
    unsigned popped = 0;
    while (rg_dtmf_relay_pop_digit(&r, &d) == RG_OK)
        popped++;
    if (popped > RG_DTMF_MAX_DIGITS || (!(data[0] & 8) && popped))
        abort(); /* digits only when reporting, never more than the queue */
    return 0;
}
