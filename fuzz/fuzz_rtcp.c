/*
 * fuzz_rtcp.c — RTCP validation, iteration and every typed parser.
 * Invariants: a validated compound iterates to its end with lengths adding
 * up; views stay inside the datagram; SR/RR, PLI, FIR, NACK and REMB
 * re-encode with the builders and parse back to the same values.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/rtp/rtcp.h"

static void inside(const uint8_t *data, size_t size, const uint8_t *p, size_t n)
{
    if (n && (p < data || p + n > data + size))
        abort();
}

static bool same_report(const struct rg_rtcp_report *a, const struct rg_rtcp_report *b)
{
    return a->ssrc == b->ssrc && a->fraction_lost == b->fraction_lost &&
           a->cumulative_lost == b->cumulative_lost && a->ext_highest_seq == b->ext_highest_seq &&
           a->jitter == b->jitter && a->lsr == b->lsr && a->dlsr == b->dlsr;
}

static void rr_round_trip(const struct rg_rtcp_rr *rr)
{
    uint8_t out[1024];
    int n = rg_rtcp_write_rr(rr, out, sizeof(out));
    if (n < 0)
        abort();
    struct rg_rtcp_iter it;
    struct rg_rtcp_pkt p;
    struct rg_rtcp_rr back;
    rg_rtcp_iter_init(&it, out, (size_t)n);
    if (rg_rtcp_next(&it, &p) != 1 || rg_rtcp_parse_rr(&p, &back) != RG_OK ||
        back.n_reports != rr->n_reports || back.ssrc != rr->ssrc || back.ntp != rr->ntp ||
        back.packet_count != rr->packet_count || back.octet_count != rr->octet_count)
        abort();
    for (unsigned i = 0; i < rr->n_reports; i++) {
        if (!same_report(&back.reports[i], &rr->reports[i]))
            abort();
    }
}

static void nack_round_trip(const struct rg_rtcp_fb *fb)
{
    static uint16_t seqs[70000];
    size_t n = 0;
    int rc = rg_rtcp_nack_list(fb, seqs, sizeof(seqs) / 2, &n);
    if (rc != RG_OK || n == 0 || n > 65535)
        return;
    static uint8_t out[300000];
    int len = rg_rtcp_write_nack(fb->sender_ssrc, fb->media_ssrc, seqs, n, out, sizeof(out));
    if (len < 0)
        abort();
    /* The rebuilt NACK loses exactly the same set of packets (order and
     * duplicates may differ), so parse and compare as sets. */
    struct rg_rtcp_iter it;
    struct rg_rtcp_pkt p;
    struct rg_rtcp_fb back;
    rg_rtcp_iter_init(&it, out, (size_t)len);
    static uint16_t again[70000];
    size_t m = 0;
    if (rg_rtcp_next(&it, &p) != 1 || rg_rtcp_parse_fb(&p, &back) != RG_OK ||
        rg_rtcp_nack_list(&back, again, sizeof(again) / 2, &m) != RG_OK)
        abort();
    static uint8_t set_a[8192], set_b[8192];
    memset(set_a, 0, sizeof(set_a));
    memset(set_b, 0, sizeof(set_b));
    for (size_t i = 0; i < n; i++)
        set_a[seqs[i] >> 3] |= (uint8_t)(1u << (seqs[i] & 7));
    for (size_t i = 0; i < m; i++)
        set_b[again[i] >> 3] |= (uint8_t)(1u << (again[i] & 7));
    if (memcmp(set_a, set_b, sizeof(set_a)) != 0)
        abort();
}

static void feedback(const uint8_t *data, size_t size, const struct rg_rtcp_pkt *p)
{
    struct rg_rtcp_fb fb;
    if (rg_rtcp_parse_fb(p, &fb) != RG_OK)
        return;
    inside(data, size, fb.fci, fb.fci_len);
    if (p->pt == RG_RTCP_RTPFB && fb.fmt == RG_RTCP_FMT_NACK)
        nack_round_trip(&fb);
    struct rg_rtcp_twcc tc;
    if (p->pt == RG_RTCP_RTPFB && fb.fmt == RG_RTCP_FMT_TWCC && rg_rtcp_parse_twcc(&fb, &tc) == 0)
        inside(data, size, tc.chunks, tc.chunks_len);
    struct rg_rtcp_fir_entry fir[RG_RTCP_MAX_FIR];
    size_t n = 0;
    if (p->pt == RG_RTCP_PSFB && fb.fmt == RG_RTCP_FMT_FIR &&
        rg_rtcp_parse_fir(&fb, fir, RG_RTCP_MAX_FIR, &n) == RG_OK && n > RG_RTCP_MAX_FIR)
        abort();
    struct rg_rtcp_remb remb;
    if (p->pt == RG_RTCP_PSFB && fb.fmt == RG_RTCP_FMT_AFB &&
        rg_rtcp_parse_remb(&fb, &remb) == RG_OK && remb.bitrate_bps < (1ull << 40)) {
        uint8_t out[256];
        int len = rg_rtcp_write_remb(fb.sender_ssrc, remb.bitrate_bps, remb.ssrc, remb.n_ssrc, out,
                                     sizeof(out));
        struct rg_rtcp_iter it;
        struct rg_rtcp_pkt q;
        struct rg_rtcp_fb f2;
        struct rg_rtcp_remb r2;
        rg_rtcp_iter_init(&it, out, len > 0 ? (size_t)len : 0);
        if (len < 0 || rg_rtcp_next(&it, &q) != 1 || rg_rtcp_parse_fb(&q, &f2) != RG_OK ||
            rg_rtcp_parse_remb(&f2, &r2) != RG_OK || r2.bitrate_bps != remb.bitrate_bps ||
            r2.n_ssrc != remb.n_ssrc)
            abort();
    }
}

static void one_packet(const uint8_t *data, size_t size, const struct rg_rtcp_pkt *p)
{
    inside(data, size, p->data, p->len);
    inside(data, size, p->body, p->body_len);
    struct rg_rtcp_rr rr;
    if (rg_rtcp_parse_rr(p, &rr) == RG_OK)
        rr_round_trip(&rr);
    struct rg_rtcp_sdes_iter si;
    struct rg_rtcp_sdes_item item;
    if (rg_rtcp_sdes_init(&si, p) == RG_OK) {
        while (rg_rtcp_sdes_next(&si, &item) == 1)
            inside(data, size, item.data, item.len);
    }
    struct rg_rtcp_bye bye;
    if (rg_rtcp_parse_bye(p, &bye) == RG_OK && bye.reason)
        inside(data, size, bye.reason, bye.reason_len);
    struct rg_rtcp_app app;
    if (rg_rtcp_parse_app(p, &app) == RG_OK)
        inside(data, size, app.data, app.data_len);
    struct rg_rtcp_xr_iter xi;
    struct rg_rtcp_xr_block blk;
    uint32_t ssrc;
    if (rg_rtcp_xr_init(&xi, p, &ssrc) == RG_OK) {
        while (rg_rtcp_xr_next(&xi, &blk) == 1)
            inside(data, size, blk.data, blk.len);
    }
    feedback(data, size, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool valid = rg_rtcp_validate(data, size, 0) == RG_OK;
    bool reduced = rg_rtcp_validate(data, size, RG_RTCP_REDUCED_SIZE) == RG_OK;
    if (valid && !reduced)
        abort(); /* reduced-size is strictly more permissive */
    struct rg_rtcp_iter it;
    struct rg_rtcp_pkt p;
    rg_rtcp_iter_init(&it, data, size);
    size_t total = 0;
    int rc;
    while ((rc = rg_rtcp_next(&it, &p)) == 1) {
        total += p.len;
        one_packet(data, size, &p);
    }
    if (reduced && (rc != 0 || total != size))
        abort();
    return 0;
}
