/*
 * fuzz_b2bua.c — the B2BUA call model driven by a script of peers' messages,
 * engine completions and time.
 *
 * Input: a sequence of operations, one opcode byte then arguments:
 *   0 advance: 2 bytes, that many times 10 ms, then handle_timeout
 *   1 deliver: 2 bytes length, then a SIP message from peer (op >> 3) & 3
 *   2 engine: the oldest pending engine request completes (op bit 3: fails)
 *   3 answer: the peer the B2BUA last sent a request to answers it with a
 *     status from a table (op >> 3), with SDP for 18x/2xx
 *   4 flow closed: the browser connection (op bit 3: alice's)
 *   5 template request: a new INVITE from the browser or to alice (op bit 3)
 *   6 in-dialog request from the peer that last got a response from us:
 *     ACK, BYE, re-INVITE, UPDATE, OPTIONS, PRACK, INFO, CANCEL (op >> 3)
 * Peers: 0 browser (WS connection 5), 1 trunk (UDP 127.0.0.1:5080), 2 a SIP
 * caller (UDP 127.0.0.1:5090), 3 alice (WS connection 77, registered).
 * Invariants: every transmit parses as SIP and is addressed to a flow the
 * test knows; the call count stays within max_calls; after handle_timeout
 * no timer is due any more; every engine call the B2BUA created is deleted
 * by the time it is freed (no media leak).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b2bua/b2bua.h"
#include "core/arena.h"
#include "core/rng.h"
#include "ctl/ctl.h"
#include "ctl/defaults.h"
#include "media/mcall.h"
#include "proto/sip/sip_build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CALLS 4
#define MAX_IDS 64
#define MAX_PEND 16

static const char SDP_W[] = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
                            "a=fingerprint:sha-256 AA:BB\r\na=setup:actpass\r\n";
static const char SDP_P[] = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                            "m=audio 16000 RTP/AVP 0\r\nc=IN IP4 127.0.0.1\r\n";

struct fz {
    struct rg_b2b *b;
    struct rg_arena a;
    struct rg_rng rng;
    struct rg_rng_seeded st;
    int64_t now;
    uint64_t pend[MAX_PEND];
    int n_pend;
    char ids[MAX_IDS][40];
    bool deleted[MAX_IDS];
    int n_ids;
    char last_req[8192];    /* the last request the B2BUA sent */
    int last_req_peer;
    char last_resp[8192];   /* the last response it sent */
    int last_resp_peer;
    unsigned seq;
};

static const struct rg_cfg *default_cfg(void)
{
    static struct rg_cfg *cfg;
    static struct rg_ctl ctl;
    static struct rg_rng rng;
    static struct rg_rng_seeded st;
    static struct rg_secret sec;
    if (cfg)
        return cfg;
    rg_rng_seeded_init(&st, 1, &rng);
    sec.rng = &rng;
    struct rg_buf msgs;
    rg_buf_init(&msgs, 4096);
    if (rg_ctl_init(&ctl, &sec, NULL, 0) != RG_OK ||
        rg_ctl_parse_text(&ctl, rg_str_from_cstr(rg_default_config), &cfg, &msgs) != RG_OK)
        abort();
    rg_buf_deinit(&msgs);
    return cfg;
}

static int id_index(struct fz *z, struct rg_str id)
{
    for (int i = 0; i < z->n_ids; i++)
        if (rg_str_eq_cstr(id, z->ids[i]))
            return i;
    return -1;
}

static int f_sdp(void *ud, uint64_t cookie, struct rg_str id, struct rg_str from, struct rg_str to,
                 bool answer, struct rg_str sdp, const struct rg_mside_req *req)
{
    struct fz *z = ud;
    (void)from, (void)to, (void)answer, (void)sdp, (void)req;
    if (z->n_pend >= MAX_PEND)
        return RG_ELIMIT;
    if (id_index(z, id) < 0 && z->n_ids < MAX_IDS &&
        rg_str_copy_cstr(id, z->ids[z->n_ids], sizeof(z->ids[0])) == RG_OK)
        z->n_ids++;
    z->pend[z->n_pend++] = cookie;
    return RG_OK;
}

static void f_del(void *ud, struct rg_str id)
{
    struct fz *z = ud;
    int i = id_index(z, id);
    if (i >= 0)
        z->deleted[i] = true;
}

static bool f_lookup(void *ud, int64_t now, struct rg_str user, struct rg_str *contact,
                     struct rg_sip_tinfo *to, enum rg_b2b_tp *tp)
{
    (void)ud, (void)now;
    if (!rg_str_eq_cstr(user, "alice"))
        return false;
    *contact = RG_STR_LIT("sip:a1@x.invalid;transport=ws");
    *to = (struct rg_sip_tinfo){true, 77, {RG_AF_INET4, 40000, {127, 0, 0, 1}}};
    *tp = RG_B2B_WS;
    return true;
}

static struct rg_sip_tinfo peer_info(int k)
{
    static const uint16_t ports[4] = {50000, 5080, 5090, 40000};
    static const uint64_t flows[4] = {5, RG_B2B_FLOW_TO(RG_B2B_UDP), RG_B2B_FLOW_TO(RG_B2B_UDP),
                                      77};
    struct rg_sip_tinfo t = {k == 0 || k == 3, flows[k], {RG_AF_INET4, ports[k], {127, 0, 0, 1}}};
    return t;
}

static int peer_of(const struct rg_sip_tinfo *to)
{
    for (int k = 0; k < 4; k++) {
        struct rg_sip_tinfo p = peer_info(k);
        if (p.flow == to->flow && (p.reliable || p.addr.port == to->addr.port))
            return k;
    }
    if (to->flow == RG_B2B_FLOW_TO(RG_B2B_UDP))
        return 1; /* a trunk address from the route */
    abort(); /* sent somewhere no peer is */
}

static void drain(struct fz *z)
{
    struct rg_sip_transmit tx;
    while (rg_b2b_poll_transmit(z->b, &tx) == RG_OK) {
        struct rg_arena a;
        rg_arena_init(&a, 8192, 1u << 20);
        struct rg_sip_msg *m;
        struct rg_sip_error err;
        int rc = rg_sip_parse(tx.data, tx.len, NULL, &a, &m, &err);
        if (rc == RG_EBADMSG)
            abort(); /* everything we send must parse */
        if (rc == RG_OK && tx.len < sizeof(z->last_req)) {
            bool req = m->is_request && !rg_str_eq_cstr(m->method, "ACK");
            char *dst = req ? z->last_req : m->is_request ? NULL : z->last_resp;
            if (dst) {
                memcpy(dst, tx.data, tx.len);
                dst[tx.len] = '\0';
                *(req ? &z->last_req_peer : &z->last_resp_peer) = peer_of(&tx.to);
            }
        }
        rg_arena_deinit(&a);
    }
    if (rg_b2b_call_count(z->b) > MAX_CALLS)
        abort();
}

static void deliver(struct fz *z, int k, const char *p, size_t n)
{
    rg_arena_reset(&z->a);
    struct rg_sip_msg *m;
    struct rg_sip_error err;
    if (rg_sip_parse(p, n, NULL, &z->a, &m, &err) != RG_OK)
        return;
    static const enum rg_b2b_tp kinds[4] = {RG_B2B_WS, RG_B2B_UDP, RG_B2B_UDP, RG_B2B_WS};
    static const char *const zones[4] = {"ZONE_WRTC", "ZONE_SIP", "ZONE_SIP", "ZONE_WRTC"};
    struct rg_b2b_rx rx = {m, peer_info(k), kinds[k], zones[k]};
    (void)!rg_b2b_handle_rx(z->b, z->now, &rx);
    drain(z);
}

static void deliver_msg(struct fz *z, int k, const struct rg_sip_msg *m)
{
    struct rg_buf b;
    rg_buf_init(&b, 65535);
    if (rg_sip_serialize(m, &b) == RG_OK) {
        char copy[65536];
        memcpy(copy, b.data, b.len);
        deliver(z, k, copy, b.len);
    }
    rg_buf_deinit(&b);
}

/* The peer that got the last request answers it. */
static void answer(struct fz *z, unsigned sel)
{
    static const uint16_t st[8] = {100, 180, 183, 200, 486, 487, 408, 302};
    struct rg_arena a;
    rg_arena_init(&a, 8192, 1u << 20);
    struct rg_sip_msg *req, *r;
    struct rg_sip_error err;
    uint16_t s = st[sel & 7];
    char tag[16];
    snprintf(tag, sizeof(tag), "pt%u", sel >> 3);
    if (z->last_req[0] &&
        rg_sip_parse(z->last_req, strlen(z->last_req), NULL, &a, &req, &err) == RG_OK &&
        rg_sip_make_response(req, &a, s, RG_STR_LIT("X"), rg_str_from_cstr(tag), &r) == RG_OK) {
        (void)!rg_sip_msg_add(r, &a, RG_STR_LIT("Contact"), RG_STR_LIT("<sip:p@127.0.0.1:5080>"));
        if (s == 183 || s == 200)
            (void)!rg_sip_msg_set_body(r, &a, RG_STR_LIT("application/sdp"),
                                       rg_str_from_cstr(z->last_req_peer == 3 ? SDP_W : SDP_P));
        if (rg_sip_msg_index(r, &a, &err) == RG_OK)
            deliver_msg(z, z->last_req_peer, r);
    }
    rg_arena_deinit(&a);
}

static void template_invite(struct fz *z, bool to_alice)
{
    char m[2048];
    const char *sdp = to_alice ? SDP_P : SDP_W;
    int n = snprintf(m, sizeof(m),
                     "INVITE sip:%s@127.0.0.1 SIP/2.0\r\n"
                     "Via: SIP/2.0/%s 127.0.0.1:%u;branch=z9hG4bKt%u\r\n"
                     "From: <sip:100%u@127.0.0.1>;tag=f%u\r\nTo: <sip:%s@127.0.0.1>\r\n"
                     "Call-ID: c%u\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
                     "Contact: <sip:u@127.0.0.1:%u>\r\nContent-Type: application/sdp\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     to_alice ? "alice" : "echo", to_alice ? "UDP" : "WSS", to_alice ? 5090 : 50000,
                     z->seq, z->seq, z->seq, to_alice ? "alice" : "echo", z->seq,
                     to_alice ? 5090 : 50000, strlen(sdp), sdp);
    z->seq++;
    deliver(z, to_alice ? 2 : 0, m, (size_t)n);
}

/* A request inside the dialog of the last response we sent (from its peer). */
static void in_dialog(struct fz *z, unsigned sel)
{
    static const char *const methods[8] = {"ACK", "BYE",  "INVITE", "UPDATE",
                                           "OPTIONS", "PRACK", "INFO", "CANCEL"};
    struct rg_arena a;
    rg_arena_init(&a, 8192, 1u << 20);
    struct rg_sip_msg *r;
    struct rg_sip_error err;
    const char *meth = methods[sel & 7];
    if (z->last_resp[0] &&
        rg_sip_parse(z->last_resp, strlen(z->last_resp), NULL, &a, &r, &err) == RG_OK && r->from &&
        r->to && r->has_cseq && r->n_vias) {
        char m[4096];
        bool sdp = strcmp(meth, "INVITE") == 0 || strcmp(meth, "UPDATE") == 0;
        bool same_txn = strcmp(meth, "CANCEL") == 0;
        struct rg_str via = rg_sip_msg_find(r, RG_STR_LIT("Via"), NULL)->value;
        int n = snprintf(m, sizeof(m),
                         "%s sip:rtcgate@127.0.0.1 SIP/2.0\r\nVia: %.*s%s%u\r\nFrom: %.*s\r\n"
                         "To: %.*s\r\nCall-ID: %.*s\r\nCSeq: %u %s\r\nMax-Forwards: 70\r\n"
                         "Contact: <sip:u@127.0.0.1>\r\nContent-Type: application/sdp\r\n"
                         "Content-Length: %zu\r\n\r\n%s",
                         meth, (int)via.len, via.p, same_txn ? "" : ";x=", same_txn ? 0 : z->seq++,
                         (int)rg_sip_msg_find(r, RG_STR_LIT("From"), NULL)->value.len,
                         rg_sip_msg_find(r, RG_STR_LIT("From"), NULL)->value.p,
                         (int)rg_sip_msg_find(r, RG_STR_LIT("To"), NULL)->value.len,
                         rg_sip_msg_find(r, RG_STR_LIT("To"), NULL)->value.p,
                         (int)r->call_id.len, r->call_id.p,
                         (unsigned)(r->cseq + (same_txn || sel >> 3 ? 0 : 1)), meth,
                         sdp ? strlen(SDP_P) : 0, sdp ? SDP_P : "");
        if (n > 0 && (size_t)n < sizeof(m))
            deliver(z, z->last_resp_peer, m, (size_t)n);
    }
    rg_arena_deinit(&a);
}

static void engine_step(struct fz *z, bool fail)
{
    if (!z->n_pend)
        return;
    uint64_t c = z->pend[0];
    memmove(z->pend, z->pend + 1, (size_t)(z->n_pend - 1) * sizeof(z->pend[0]));
    z->n_pend--;
    rg_b2b_engine_done(z->b, z->now, c, fail ? RG_EUNSUPP : RG_OK,
                       rg_str_from_cstr((c & 1) ? SDP_W : SDP_P), NULL);
    drain(z);
}

static void advance(struct fz *z, int64_t us)
{
    z->now += us;
    rg_b2b_handle_timeout(z->b, z->now);
    drain(z);
    if (rg_b2b_next_timeout_us(z->b) <= z->now)
        abort(); /* a timer still due after handle_timeout */
}

static size_t step(struct fz *z, const uint8_t *d, size_t n)
{
    uint8_t op = d[0];
    switch (op & 7) {
    case 0:
        if (n < 3)
            return n;
        advance(z, (int64_t)(d[1] | d[2] << 8) * 10000);
        return 3;
    case 1: {
        size_t len = n >= 3 ? (size_t)(d[1] | d[2] << 8) : 0;
        if (n < 3 || len > n - 3)
            return n;
        deliver(z, (op >> 3) & 3, (const char *)d + 3, len);
        return 3 + len;
    }
    case 2:
        engine_step(z, op & 8);
        return 1;
    case 3:
        answer(z, op >> 3);
        return 1;
    case 4:
        rg_b2b_flow_closed(z->b, z->now, (op & 8) ? 77 : 5);
        drain(z);
        return 1;
    case 5:
        template_invite(z, op & 8);
        return 1;
    default:
        in_dialog(z, op >> 3);
        return 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fz z;
    memset(&z, 0, sizeof(z));
    rg_rng_seeded_init(&z.st, 3, &z.rng);
    rg_arena_init(&z.a, 16384, 1u << 20);
    struct rg_b2b_cfg c = {.cfg = default_cfg(), .rng = &z.rng, .max_calls = MAX_CALLS};
    snprintf(c.local[RG_B2B_UDP].host, sizeof(c.local[0].host), "127.0.0.1");
    c.local[RG_B2B_UDP].port = 5060;
    snprintf(c.local[RG_B2B_WS].host, sizeof(c.local[0].host), "127.0.0.1");
    c.local[RG_B2B_WS].port = 8080;
    c.txl = RG_SIP_TXL_CFG_DEFAULT;
    c.txl.max_txns = 64; /* small: the table is allocated per input */
    struct rg_b2b_env env = {.sdp = f_sdp, .del = f_del, .reg_lookup = f_lookup, .ud = &z};
    z.now = 1000000;
    if (rg_b2b_new(&c, &env, &z.b) != RG_OK)
        abort();
    for (size_t off = 0; off < size;)
        off += step(&z, data + off, size - off);
    for (int i = 0; i < 40 && z.n_pend; i++)
        engine_step(&z, false);
    advance(&z, 1200000000);
    rg_b2b_free(z.b);
    for (int i = 0; i < z.n_ids; i++)
        if (!z.deleted[i])
            abort(); /* an engine call outlived its SIP call */
    rg_arena_deinit(&z.a);
    return 0;
}
