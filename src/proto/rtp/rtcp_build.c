/*
 * rtcp_build.c — RTCP packet builders: SR/RR (RFC 3550 §6.4), SDES CNAME
 * (§6.5), BYE (§6.6), PLI and generic NACK (RFC 4585 §6.2.1, §6.3.1), FIR
 * (RFC 5104 §4.3.1) and REMB (draft-alvestrand-rmcat-remb-03).
 */
#include <string.h>

#include "proto/rtp/rtcp.h"

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, (uint16_t)(v >> 16));
    wr16(p + 2, (uint16_t)v);
}

/* Common header; total is a multiple of 4 (§6.4.1 length = words - 1). */
static void header(uint8_t *out, uint8_t count, uint8_t pt, size_t total)
{
    out[0] = (uint8_t)(0x80 | (count & 0x1F));
    out[1] = pt;
    wr16(out + 2, (uint16_t)(total / 4 - 1));
}

int rg_rtcp_write_rr(const struct rg_rtcp_rr *rr, uint8_t *out, size_t cap)
{
    if (!rr || !out || rr->n_reports > RG_RTCP_MAX_REPORTS)
        return RG_EINVAL;
    size_t total = 8 + (rr->has_sender_info ? 20u : 0u) + 24u * rr->n_reports;
    if (total > cap)
        return RG_ELIMIT;
    header(out, rr->n_reports, rr->has_sender_info ? RG_RTCP_SR : RG_RTCP_RR, total);
    wr32(out + 4, rr->ssrc);
    size_t off = 8;
    if (rr->has_sender_info) {
        wr32(out + 8, (uint32_t)(rr->ntp >> 32));
        wr32(out + 12, (uint32_t)rr->ntp);
        wr32(out + 16, rr->rtp_ts);
        wr32(out + 20, rr->packet_count);
        wr32(out + 24, rr->octet_count);
        off = 28;
    }
    for (unsigned i = 0; i < rr->n_reports; i++, off += 24) {
        const struct rg_rtcp_report *r = &rr->reports[i];
        wr32(out + off, r->ssrc);
        /* Cumulative loss is 24-bit signed: clamp (RFC 3550 §6.4.1). */
        int32_t cl = r->cumulative_lost;
        cl = cl > 0x7FFFFF ? 0x7FFFFF : cl < -0x800000 ? -0x800000 : cl;
        wr32(out + off + 4, ((uint32_t)r->fraction_lost << 24) | ((uint32_t)cl & 0xFFFFFF));
        wr32(out + off + 8, r->ext_highest_seq);
        wr32(out + off + 12, r->jitter);
        wr32(out + off + 16, r->lsr);
        wr32(out + off + 20, r->dlsr);
    }
    return (int)total;
}

int rg_rtcp_write_sdes_cname(uint32_t ssrc, const char *cname, size_t cname_len, uint8_t *out,
                             size_t cap)
{
    if (!out || cname_len == 0 || cname_len > 255 || !cname)
        return RG_EINVAL;
    /* SSRC, CNAME item, at least one null octet, pad to 32 bits. */
    size_t chunk = (4 + 2 + cname_len + 1 + 3) & ~(size_t)3;
    size_t total = 4 + chunk;
    if (total > cap)
        return RG_ELIMIT;
    header(out, 1, RG_RTCP_SDES, total);
    wr32(out + 4, ssrc);
    out[8] = 1; /* CNAME */
    out[9] = (uint8_t)cname_len;
    memcpy(out + 10, cname, cname_len);
    memset(out + 10 + cname_len, 0, total - 10 - cname_len);
    return (int)total;
}

int rg_rtcp_write_bye(const uint32_t *ssrc, size_t n, const char *reason, size_t reason_len,
                      uint8_t *out, size_t cap)
{
    if (!out || n > RG_RTCP_MAX_REPORTS || (n && !ssrc) || reason_len > 255 ||
        (reason_len && !reason))
        return RG_EINVAL;
    size_t body = 4 * n + (reason_len ? 1 + reason_len : 0);
    size_t total = 4 + ((body + 3) & ~(size_t)3);
    if (total > cap)
        return RG_ELIMIT;
    header(out, (uint8_t)n, RG_RTCP_BYE, total);
    for (size_t i = 0; i < n; i++)
        wr32(out + 4 + 4 * i, ssrc[i]);
    size_t off = 4 + 4 * n;
    memset(out + off, 0, total - off);
    if (reason_len) {
        out[off] = (uint8_t)reason_len;
        memcpy(out + off + 1, reason, reason_len);
    }
    return (int)total;
}

static int fb_header(uint8_t *out, size_t cap, uint8_t pt, uint8_t fmt, uint32_t sender,
                     uint32_t media, size_t fci_len)
{
    size_t total = 12 + fci_len;
    if (total > cap)
        return RG_ELIMIT;
    if (total / 4 - 1 > 0xFFFF)
        return RG_EINVAL;
    header(out, fmt, pt, total);
    wr32(out + 4, sender);
    wr32(out + 8, media);
    return (int)total;
}

int rg_rtcp_write_pli(uint32_t sender, uint32_t media, uint8_t *out, size_t cap)
{
    if (!out)
        return RG_EINVAL;
    return fb_header(out, cap, RG_RTCP_PSFB, RG_RTCP_FMT_PLI, sender, media, 0);
}

int rg_rtcp_write_fir(uint32_t sender, const struct rg_rtcp_fir_entry *e, size_t n, uint8_t *out,
                      size_t cap)
{
    if (!out || !e || n == 0 || n > 8191)
        return RG_EINVAL;
    /* RFC 5104 §4.3.1.2: the media source SSRC is unused and set to 0. */
    int total = fb_header(out, cap, RG_RTCP_PSFB, RG_RTCP_FMT_FIR, sender, 0, 8 * n);
    if (total < 0)
        return total;
    for (size_t i = 0; i < n; i++) {
        wr32(out + 12 + 8 * i, e[i].ssrc);
        wr32(out + 16 + 8 * i, (uint32_t)e[i].seq << 24);
    }
    return total;
}

/* Packs seqs into PID/BLP pairs in one pass; returns the pair count and
 * writes them to fci when it is not NULL. */
static size_t nack_pack(const uint16_t *seqs, size_t n, uint8_t *fci)
{
    size_t pairs = 0;
    uint16_t pid = 0, blp = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t d = (uint16_t)(seqs[i] - pid);
        if (pairs && d == 0)
            continue;
        if (pairs && d >= 1 && d <= 16) {
            blp |= (uint16_t)(1u << (d - 1));
        } else {
            if (pairs && fci) {
                wr16(fci + 4 * (pairs - 1), pid);
                wr16(fci + 4 * (pairs - 1) + 2, blp);
            }
            pid = seqs[i];
            blp = 0;
            pairs++;
        }
    }
    if (pairs && fci) {
        wr16(fci + 4 * (pairs - 1), pid);
        wr16(fci + 4 * (pairs - 1) + 2, blp);
    }
    return pairs;
}

int rg_rtcp_write_nack(uint32_t sender, uint32_t media, const uint16_t *seqs, size_t n,
                       uint8_t *out, size_t cap)
{
    if (!out || !seqs || n == 0 || n > 0xFFFF)
        return RG_EINVAL;
    size_t pairs = nack_pack(seqs, n, NULL);
    int total = fb_header(out, cap, RG_RTCP_RTPFB, RG_RTCP_FMT_NACK, sender, media, 4 * pairs);
    if (total < 0)
        return total;
    nack_pack(seqs, n, out + 12);
    return total;
}

int rg_rtcp_write_remb(uint32_t sender, uint64_t bitrate_bps, const uint32_t *ssrc, size_t n,
                       uint8_t *out, size_t cap)
{
    if (!out || n > 255 || (n && !ssrc))
        return RG_EINVAL;
    unsigned exp = 0;
    uint64_t mantissa = bitrate_bps;
    while (mantissa > 0x3FFFF) {
        mantissa >>= 1;
        exp++;
    }
    int total = fb_header(out, cap, RG_RTCP_PSFB, RG_RTCP_FMT_AFB, sender, 0, 8 + 4 * n);
    if (total < 0)
        return total;
    memcpy(out + 12, "REMB", 4);
    out[16] = (uint8_t)n;
    out[17] = (uint8_t)((exp << 2) | (unsigned)(mantissa >> 16));
    wr16(out + 18, (uint16_t)mantissa);
    for (size_t i = 0; i < n; i++)
        wr32(out + 20 + 4 * i, ssrc[i]);
    return total;
}
