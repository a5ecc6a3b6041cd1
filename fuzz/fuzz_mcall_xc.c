/*
 * fuzz_mcall_xc.c — codec negotiation and the transcoded packet path of a
 * media call (src/media/mcall_xc.c) with fake sockets and simulated time.
 *
 * Input: byte 0 and 1 choose the codec request (strip/mask all, ours-first,
 * ptime, and which of PCMU/PCMA/G722/G729/opus are transcode / strip /
 * mask / offer items); then records separated by 0x00: the offer SDP (from
 * side 0), the answer SDP (from side 1), then RTP/RTCP datagrams whose
 * first byte picks the side they arrive on.  Time advances 7 ms per
 * datagram and the call's timer runs when due.
 * Invariants: an accepted offer or answer produces an SDP that parses
 * again; every m= line of it has at least one format when its port is not
 * 0; the transmit ring never holds more than its size; nothing leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "media/mcall.h"
#include "media/mcall_xc.h"
#include "proto/sdp/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fake_open(void *ud, const struct rg_addr *ip, bool pair, int fds[2],
                     struct rg_addr bound[2])
{
    int *next = ud;
    for (int k = 0; k < (pair ? 2 : 1); k++) {
        fds[k] = (*next)++;
        bound[k] = *ip;
        bound[k].port = (uint16_t)(20000 + fds[k]);
    }
    if (!pair)
        fds[1] = -1;
    return RG_OK;
}

static void fake_close(void *ud, int fd)
{
    (void)ud;
    (void)fd;
}

static void request(uint8_t a, uint8_t b, struct rg_mside_req *r)
{
    static const char *const names[] = { "PCMU", "PCMA", "G722", "G729", "opus" };
    memset(r, -1, sizeof(*r));
    memset(&r->advertise, 0, sizeof(r->advertise));
    memset(&r->sig_src, 0, sizeof(r->sig_src));
    memset(&r->codecs, 0, sizeof(r->codecs));
    r->codecs.strip_all = a & 1;
    r->codecs.mask_all = a & 2;
    r->codecs.ours_first = a & 4;
    r->codecs.ptime_ms = (a & 8) ? 30 : 0;
    static const enum rg_mcodec_op ops[] = { RG_MCODEC_NONE, RG_MCODEC_TRANSCODE,
                                             RG_MCODEC_STRIP, RG_MCODEC_OFFER };
    for (int i = 0; i < 5; i++) {
        unsigned op = ((b >> i) & 1u) | (((unsigned)(a >> (4 + (i & 3))) & 1u) << 1);
        if (op && rg_mcodec_req_add(&r->codecs, ops[op], rg_str_from_cstr(names[i])) != RG_OK)
            abort(); /* known names never fail below RG_MCODEC_MAX items */
        if ((b >> 5) & 1)
            r->codecs.item[r->codecs.n ? r->codecs.n - 1 : 0].has_pt = true;
    }
}

static void check_sdp(const struct rg_buf *out)
{
    struct rg_arena a;
    rg_arena_init(&a, 16384, 1u << 20);
    struct rg_sdp *sdp = NULL;
    struct rg_sdp_error err = { 0 };
    if (rg_sdp_parse(rg_buf_str(out), NULL, &a, &sdp, &err) != RG_OK)
        abort(); /* we wrote an SDP we cannot read */
    for (uint32_t i = 0; i < sdp->n_media; i++)
        if (sdp->media[i].port && sdp->media[i].n_fmts == 0)
            abort(); /* an m= line without formats is invalid (RFC 8866 §5.14) */
    rg_arena_deinit(&a);
}

static const uint8_t *next_record(const uint8_t **p, const uint8_t *end, size_t *len)
{
    if (*p >= end)
        return NULL;
    const uint8_t *r = *p, *z = memchr(r, 0, (size_t)(end - r));
    *len = (size_t)((z ? z : end) - r);
    *p = z ? z + 1 : end;
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    struct rg_rng_seeded st;
    struct rg_rng rng;
    rg_rng_seeded_init(&st, 5, &rng);
    int next = 100;
    struct rg_mcall_env env = { .rng = &rng };
    env.ports = (struct rg_mports){ .open = fake_open, .close = fake_close, .ud = &next };
    (void)rg_addr_parse_ip(RG_STR_LIT("127.0.0.1"), &env.media_ip);
    struct rg_mside_req req, keep;
    request(data[0], data[1], &req);
    request(0, 0, &keep);
    struct rg_mcall *c = NULL;
    int64_t now = 1000000;
    if (rg_mcall_create(&env, RG_STR_LIT("f"), RG_STR_LIT("t"), now, &c) != RG_OK)
        return 0;
    const uint8_t *p = data + 2, *end = data + size;
    size_t len = 0;
    const uint8_t *rec;
    struct rg_buf out;
    rg_buf_init(&out, 65536);
    bool ok = true;
    for (int s = 0; s < 2 && ok && (rec = next_record(&p, end, &len)); s++) {
        const char *why = NULL;
        rg_buf_reset(&out);
        ok = rg_mcall_sdp(c, now, s, s == 0, rg_str_make((const char *)rec, len),
                          s == 0 ? &req : &keep, &out, &why) == RG_OK;
        if (ok)
            check_sdp(&out);
    }
    for (int n = 0; ok && n < 200 && (rec = next_record(&p, end, &len)); n++) {
        if (len < 1 || c->n_streams == 0)
            break;
        uint8_t pkt[RG_MCALL_MAX_PACKET];
        size_t pl = len - 1 < sizeof(pkt) ? len - 1 : sizeof(pkt);
        memcpy(pkt, rec + 1, pl);
        int k = rec[0] & 1;
        const struct rg_mside *sd = &c->stream[0].side[k];
        rg_mcall_handle_datagram(c, now, sd->fd_rtp, &sd->remote_rtp, pkt, pl);
        now += 7000;
        for (int spin = 0; rg_mcall_next_timeout_us(c) <= now; spin++) {
            if (spin > 10000)
                abort(); /* the timer never settles */
            rg_mcall_handle_timeout(c, now);
            const struct rg_mtx *tx;
            while (rg_mcall_poll_transmit(c, &tx) == RG_OK)
                if (tx->len > RG_MCALL_MAX_PACKET)
                    abort();
        }
        if (c->tx_count > RG_MCALL_TX_SLOTS)
            abort();
        const struct rg_mtx *tx;
        while (rg_mcall_poll_transmit(c, &tx) == RG_OK)
            ;
    }
    rg_buf_deinit(&out);
    rg_mcall_destroy(c);
    return 0;
}
