/*
 * fuzz_sip_dialog.c — dialogs, routing helpers and session timers on
 * arbitrary messages.
 *
 * Input: two SIP messages separated by the first "\0\0" (the rest is the
 * second).  The first is treated as a request we sent or received, the
 * second as a response or an in-dialog request.  Every helper runs on them:
 * UAC and UAS dialog creation, response and request handling, in-dialog
 * request, ACK and PRACK building, CANCEL, Max-Forwards, loop detection,
 * Route pre-processing, RFC 4028 negotiation.
 * Invariants: every message built serializes within 64 KiB and parses
 * again with the same method, Call-ID and CSeq; a dialog's CSeq only grows;
 * session-timer schedules lie after their start.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/rng.h"
#include "proto/sip/sip_build.h"
#include "proto/sip/sip_dialog.h"
#include "proto/sip/sip_stimer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rg_sip_via_spec VIA = {"UDP", "192.0.2.1", 5060, true};

/* Serializes m and parses it back; aborts when it does not survive. */
static void reparse(const struct rg_sip_msg *m)
{
    struct rg_buf b;
    rg_buf_init(&b, 65535);
    struct rg_arena a;
    rg_arena_init(&a, 8192, 1 << 20);
    if (rg_sip_serialize(m, &b) == RG_OK) {
        struct rg_sip_msg *p;
        struct rg_sip_error e = {0};
        int rc = rg_sip_parse(b.data, b.len, NULL, &a, &p, &e);
        /* The one growth serialization may cause: a Content-Length added to
         * a message that already had the maximum number of headers. */
        bool full = e.reason == RG_SIP_R_TOO_MANY_HEADERS && m->n_hdrs >= m->lim.max_headers;
        if (rc == RG_EBADMSG && !full)
            abort();
        if (rc == RG_OK && (p->cseq != m->cseq || !rg_str_eq(p->call_id, m->call_id) ||
                            (m->is_request && !rg_str_eq(p->method, m->method))))
            abort();
    }
    rg_arena_deinit(&a);
    rg_buf_deinit(&b);
}

static void in_dialog(struct rg_sip_dialog *d, const struct rg_sip_msg *second,
                      struct rg_arena *a, const struct rg_rng *rng)
{
    static const char *const methods[] = {"BYE", "INVITE", "UPDATE", "INFO", "OPTIONS"};
    uint32_t before = d->local_seq;
    if (second->is_request)
        (void)rg_sip_dialog_on_request(d, second);
    else if (rg_sip_dialog_on_response(d, second) != RG_OK)
        return;
    struct rg_sip_msg *m;
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        if (rg_sip_dialog_request(d, a, methods[i], &VIA, rng, &m) == RG_OK)
            reparse(m);
    if (d->local_seq < before)
        abort();
    if (rg_sip_dialog_ack(d, a, 1, &VIA, rng, &m) == RG_OK)
        reparse(m);
    uint32_t rseq;
    if (!second->is_request && rg_sip_dialog_rel_1xx(d, second, &rseq) == RG_OK &&
        rg_sip_dialog_prack(d, a, second, &VIA, rng, &m) == RG_OK) {
        uint32_t r, c;
        struct rg_str meth;
        reparse(m);
        if (rg_sip_rack_parse(m, &r, &c, &meth) != RG_OK || r != rseq)
            abort();
    }
}

static bool ours(void *ud, const struct rg_sip_uri *u)
{
    (void)ud;
    return rg_str_caseeq_cstr(u->host, "192.0.2.1");
}

static void helpers(struct rg_sip_msg *first, struct rg_sip_msg *second, struct rg_arena *a)
{
    struct rg_sip_msg *m;
    if (rg_sip_cancel_build(first, a, &m) == RG_OK)
        reparse(m);
    uint32_t mf;
    if (rg_sip_max_forwards_next(first, &mf) == RG_OK && mf > 70 && first->max_forwards < 0)
        abort();
    (void)rg_sip_loop_detect(first, RG_STR_LIT("192.0.2.1"), 5060, "z9hG4bK");
    struct rg_sip_stimer st;
    enum rg_sip_stimer_action what;
    if (first->is_request && !second->is_request &&
        rg_sip_stimer_answer(&st, first, second, a, 1800, 90, 1000) == RG_OK) {
        reparse(second);
        if (st.active && rg_sip_stimer_next_us(&st, &what) <= 1000)
            abort();
    }
    if (rg_sip_stimer_accept(&st, second, 0) == RG_OK && st.active &&
        rg_sip_stimer_next_us(&st, &what) <= 0)
        abort();
    if (first->is_request && rg_sip_route_preprocess(first, a, ours, NULL) == RG_OK)
        reparse(first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t cut = size;
    for (size_t i = 0; i + 1 < size; i++)
        if (data[i] == 0 && data[i + 1] == 0) {
            cut = i;
            break;
        }
    struct rg_arena a;
    rg_arena_init(&a, 8192, 4 << 20);
    struct rg_rng rng;
    struct rg_rng_seeded st;
    rg_rng_seeded_init(&st, 3, &rng);
    struct rg_sip_msg *first, *second;
    struct rg_sip_error e;
    const char *p = (const char *)data;
    if (cut + 2 <= size && rg_sip_parse(p, cut, NULL, &a, &first, &e) == RG_OK &&
        rg_sip_parse(p + cut + 2, size - cut - 2, NULL, &a, &second, &e) == RG_OK) {
        struct rg_sip_dialog d;
        if (rg_sip_dialog_uac(&d, first, second, RG_STR_LIT("sip:me@192.0.2.1")) == RG_OK) {
            in_dialog(&d, second, &a, &rng);
            rg_sip_dialog_deinit(&d);
        }
        if (rg_sip_dialog_uas(&d, first, RG_STR_LIT("t1"), RG_STR_LIT("sip:me@192.0.2.1"),
                              &rng) == RG_OK) {
            in_dialog(&d, second, &a, &rng);
            rg_sip_dialog_deinit(&d);
        }
        helpers(first, second, &a);
    }
    rg_arena_deinit(&a);
    return 0;
}
