/*
 * fuzz_sip_txn.c — the SIP transaction layer driven by a script.
 *
 * Input: a sequence of operations, each one opcode byte then arguments:
 *   0 advance: 2 bytes of milliseconds, then handle_timeout
 *   1 deliver: peer/reliable bits in the opcode, 2 bytes length, message
 *   2 request: the TU starts INVITE/OPTIONS/BYE/CANCEL toward a peer
 *   3 misc: PRACK, a second response, or a connection failure
 * The TU answers every new server transaction as the opcode's high bits
 * say (none, 100, reliable 183, 200, 486).
 * Invariants: never more transactions than the table holds; every transmit
 * is at most max_msg_bytes and parses as SIP; after handle_timeout no timer
 * is still due and the next one is at most 181 s away; once the TU has
 * answered everything and 20 minutes pass, no transaction is left.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/rng.h"
#include "proto/sip/sip_build.h"
#include "proto/sip/sip_dialog.h"
#include "proto/sip/sip_txn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_TXNS 8
#define MAX_SRV 64

struct fz {
    struct rg_sip_txl *x;
    struct rg_arena a, scratch;
    struct rg_rng rng;
    struct rg_rng_seeded st;
    int64_t now;
    uint64_t srv[MAX_SRV];
    size_t n_srv;
    uint32_t rseq;
    char last[4096]; /* the last request the TU sent, serialized */
    size_t last_len;
};

static struct rg_sip_tinfo peer(unsigned k, bool reliable)
{
    struct rg_sip_tinfo t = {reliable, k, {RG_AF_INET4, (uint16_t)(5060 + k), {10, 0, 0, 1}}};
    return t;
}

static void check_tx(struct fz *z)
{
    struct rg_sip_transmit tx;
    while (rg_sip_txl_poll_transmit(z->x, &tx) == RG_OK) {
        if (tx.len > 65535)
            abort();
        rg_arena_reset(&z->scratch);
        struct rg_sip_msg *m;
        struct rg_sip_error e;
        if (rg_sip_parse(tx.data, tx.len, NULL, &z->scratch, &m, &e) == RG_EBADMSG)
            abort();
    }
    if (rg_sip_txl_count(z->x) > MAX_TXNS)
        abort();
}

static void respond(struct fz *z, uint64_t id, const struct rg_sip_msg *q, unsigned how)
{
    static const uint16_t codes[] = {0, 100, 183, 200, 486, 0, 180, 500};
    uint16_t st = codes[how & 7];
    struct rg_sip_msg *r;
    if (!st || rg_sip_make_response(q, &z->scratch, st, RG_STR_LIT("X"), RG_STR_LIT("ft"), &r))
        return;
    if (st == 183) {
        char v[16];
        int n = snprintf(v, sizeof(v), "%u", (unsigned)++z->rseq);
        if (rg_sip_msg_add(r, &z->scratch, RG_STR_LIT("Require"), RG_STR_LIT("100rel")) ||
            rg_sip_msg_add(r, &z->scratch, RG_STR_LIT("RSeq"), rg_str_make(v, (size_t)n)) ||
            rg_sip_msg_index(r, &z->scratch, NULL))
            return;
    }
    if (rg_sip_txl_respond(z->x, z->now, id, r) == RG_OK && st == 183)
        if (rg_sip_txl_prack(z->x, id, z->rseq + 1) != RG_ENOTFOUND)
            abort(); /* a wrong RSeq never matches */
}

static void drain_events(struct fz *z, unsigned how)
{
    struct rg_sip_event e;
    while (rg_sip_txl_poll_event(z->x, &e) == RG_OK) {
        if (e.kind != RG_SIP_EV_REQUEST)
            continue;
        if (z->n_srv < MAX_SRV)
            z->srv[z->n_srv++] = e.txn;
        respond(z, e.txn, e.msg, how);
    }
}

static void deliver(struct fz *z, uint8_t op, const uint8_t *p, size_t n)
{
    rg_arena_reset(&z->a);
    rg_arena_reset(&z->scratch);
    struct rg_sip_msg *m;
    struct rg_sip_error e;
    if (rg_sip_parse((const char *)p, n, NULL, &z->a, &m, &e) != RG_OK)
        return;
    struct rg_sip_tinfo from = peer((op >> 2) & 3, (op >> 4) & 1);
    int rc = rg_sip_txl_handle_message(z->x, z->now, m, &from);
    if (rc == RG_ESTATE)
        abort(); /* events are always drained */
    drain_events(z, op >> 5);
}

static void start_request(struct fz *z, uint8_t op, uint8_t arg)
{
    static const char *const methods[] = {"INVITE", "OPTIONS", "BYE", "CANCEL"};
    struct rg_sip_req_spec s = {methods[arg & 3],
                                "sip:b@10.0.0.9",
                                "<sip:a@h>;tag=f",
                                "<sip:b@h>",
                                "fuzz-call",
                                "sip:a@10.0.0.1",
                                arg};
    const struct rg_sip_via_spec via = {"UDP", "10.0.0.1", 5060, true};
    struct rg_sip_msg *m;
    rg_arena_reset(&z->scratch);
    if (rg_sip_request_build(&z->scratch, &s, &via, &z->rng, &m) != RG_OK)
        return;
    struct rg_sip_tinfo to = peer((op >> 2) & 3, (op >> 4) & 1);
    uint64_t id;
    if (rg_sip_txl_request(z->x, z->now, m, &to, &id) == RG_OK) {
        struct rg_buf b;
        rg_buf_init(&b, sizeof(z->last) - 1);
        if (rg_sip_serialize(m, &b) == RG_OK) {
            memcpy(z->last, b.data, b.len);
            z->last_len = b.len;
        }
        rg_buf_deinit(&b);
    }
}

/* The peer answers the last request the TU sent (so client transactions
 * see matching responses, which random bytes would hardly produce). */
static void answer_last(struct fz *z, uint8_t arg)
{
    static const uint16_t codes[] = {100, 180, 183, 200, 302, 404, 486, 503};
    rg_arena_reset(&z->a);
    rg_arena_reset(&z->scratch);
    struct rg_sip_msg *q, *r;
    struct rg_sip_error e;
    if (!z->last_len || rg_sip_parse(z->last, z->last_len, NULL, &z->a, &q, &e) != RG_OK ||
        rg_sip_make_response(q, &z->a, codes[(arg >> 2) & 7], RG_STR_LIT("R"), RG_STR_LIT("pt"),
                             &r) != RG_OK)
        return;
    struct rg_sip_tinfo from = peer((arg >> 5) & 3, arg >> 7);
    if (rg_sip_txl_handle_message(z->x, z->now, r, &from) == RG_ESTATE)
        abort();
    drain_events(z, 0);
}

static void advance(struct fz *z, int64_t d_us)
{
    z->now += d_us;
    rg_sip_txl_handle_timeout(z->x, z->now);
    int64_t next = rg_sip_txl_next_timeout_us(z->x);
    if (next <= z->now || (next != INT64_MAX && next - z->now > 181 * 1000000LL))
        abort();
    drain_events(z, 0);
}

static void finish(struct fz *z)
{
    /* The TU answers everything still open; then all must end. */
    rg_arena_reset(&z->a);
    struct rg_sip_msg *q = NULL;
    struct rg_sip_req_spec s = {"OPTIONS", "sip:x@h", "<sip:a@h>;tag=1", "<sip:b@h>", "c", NULL, 1};
    const struct rg_sip_via_spec via = {"UDP", "h", 0, false};
    if (rg_sip_request_build(&z->a, &s, &via, &z->rng, &q) != RG_OK)
        return;
    for (size_t i = 0; i < z->n_srv; i++) {
        struct rg_sip_msg *r;
        rg_arena_reset(&z->scratch);
        if (rg_sip_make_response(q, &z->scratch, 500, RG_STR_LIT("X"), RG_STR_LIT("t"), &r) ==
            RG_OK)
            (void)!rg_sip_txl_respond(z->x, z->now, z->srv[i], r);
        check_tx(z);
    }
    for (int i = 0; i < 12; i++) {
        advance(z, 100 * 1000000LL);
        check_tx(z);
    }
    if (rg_sip_txl_count(z->x) != 0)
        abort();
}

static void run(struct fz *z, const uint8_t *data, size_t size)
{
    size_t i = 0;
    while (i < size) {
        uint8_t op = data[i++];
        if ((op & 3) == 0 && i + 2 <= size) {
            advance(z, ((int64_t)data[i] << 8 | data[i + 1]) * 1000);
            i += 2;
        } else if ((op & 3) == 1 && i + 2 <= size) {
            size_t n = (size_t)data[i] << 8 | data[i + 1];
            i += 2;
            n = n < size - i ? n : size - i;
            deliver(z, op, data + i, n);
            i += n;
        } else if ((op & 3) == 2 && i < size) {
            start_request(z, op, data[i++]);
        } else if ((op & 3) == 3 && i < size) {
            uint8_t arg = data[i++];
            if ((arg & 3) == 2)
                answer_last(z, arg);
            else if (arg & 1)
                rg_sip_txl_flow_failed(z->x, (arg >> 1) & 3);
            else if (z->n_srv)
                (void)!rg_sip_txl_prack(z->x, z->srv[(arg >> 1) % z->n_srv], z->rseq);
            drain_events(z, 0);
        }
        check_tx(z);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz z;
    memset(&z, 0, sizeof(z));
    struct rg_sip_txl_cfg cfg = RG_SIP_TXL_CFG_DEFAULT;
    cfg.max_txns = MAX_TXNS;
    if (rg_sip_txl_new(&cfg, &z.x) != RG_OK)
        return 0;
    rg_arena_init(&z.a, 8192, 1 << 20);
    rg_arena_init(&z.scratch, 8192, 1 << 20);
    rg_rng_seeded_init(&z.st, 1, &z.rng);
    run(&z, data, size);
    finish(&z);
    rg_sip_txl_free(z.x);
    rg_arena_deinit(&z.a);
    rg_arena_deinit(&z.scratch);
    return 0;
}
