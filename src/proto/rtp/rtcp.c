/*
 * rtcp.c — RTCP compound validation (RFC 3550 A.2), iteration and typed
 * parsing of SR/RR, SDES, BYE, APP, RTPFB/PSFB and XR.  See rtcp.h.
 */
#include <string.h>

#include "proto/rtp/rtcp.h"

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd24(const uint8_t *p)
{
    return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}

static uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | rd24(p + 1);
}

void rg_rtcp_iter_init(struct rg_rtcp_iter *it, const uint8_t *data, size_t len)
{
    it->data = data;
    it->len = data ? len : 0;
    it->off = 0;
}

int rg_rtcp_next(struct rg_rtcp_iter *it, struct rg_rtcp_pkt *p)
{
    if (it->off >= it->len)
        return 0;
    const uint8_t *h = it->data + it->off;
    size_t rest = it->len - it->off;
    if (rest < 4 || (h[0] >> 6) != 2)
        return RG_EBADMSG;
    /* §6.4.1: length in 32-bit words minus one, header included. */
    size_t plen = 4 * ((size_t)rd16(h + 2) + 1);
    if (plen > rest)
        return RG_EBADMSG;
    size_t pad = 0;
    bool padding = (h[0] & 0x20) != 0;
    if (padding) {
        pad = h[plen - 1];
        if (pad == 0 || pad > plen - 4)
            return RG_EBADMSG;
    }
    p->pt = h[1];
    p->count = h[0] & 0x1F;
    p->padding = padding;
    p->data = h;
    p->len = plen;
    p->body = h + 4;
    p->body_len = plen - 4 - pad;
    it->off += plen;
    return 1;
}

int rg_rtcp_validate(const uint8_t *data, size_t len, unsigned flags)
{
    if (!data || len < 4)
        return RG_EBADMSG;
    /* A.2: version 2, no padding, SR or RR in the first packet. */
    if (!(flags & RG_RTCP_REDUCED_SIZE) &&
        ((data[0] & 0xE0) != 0x80 || (data[1] != RG_RTCP_SR && data[1] != RG_RTCP_RR)))
        return RG_EBADMSG;
    struct rg_rtcp_iter it;
    struct rg_rtcp_pkt p;
    rg_rtcp_iter_init(&it, data, len);
    int rc, n = 0;
    bool padded = false;
    while ((rc = rg_rtcp_next(&it, &p)) == 1) {
        if (padded)
            return RG_EBADMSG; /* padding only on the last packet */
        padded = p.padding;
        /* A.2 also screens out RTP (PT 72..76 with marker collide). */
        if (p.pt < 192 || p.pt > 223)
            return RG_EBADMSG;
        n++;
    }
    return rc == 0 && n > 0 ? RG_OK : RG_EBADMSG;
}

static void parse_report(const uint8_t *b, struct rg_rtcp_report *r)
{
    r->ssrc = rd32(b);
    r->fraction_lost = b[4];
    uint32_t cl = rd24(b + 5);
    r->cumulative_lost = (int32_t)(cl & 0x800000 ? cl | 0xFF000000u : cl);
    r->ext_highest_seq = rd32(b + 8);
    r->jitter = rd32(b + 12);
    r->lsr = rd32(b + 16);
    r->dlsr = rd32(b + 20);
}

int rg_rtcp_parse_rr(const struct rg_rtcp_pkt *p, struct rg_rtcp_rr *out)
{
    if (!p || !out || (p->pt != RG_RTCP_SR && p->pt != RG_RTCP_RR))
        return RG_EINVAL;
    bool sr = p->pt == RG_RTCP_SR;
    size_t need = 4 + (sr ? 20u : 0u) + 24u * p->count;
    if (p->body_len < need)
        return RG_EBADMSG;
    const uint8_t *b = p->body;
    struct rg_rtcp_rr r;
    memset(&r, 0, sizeof(r));
    r.ssrc = rd32(b);
    r.has_sender_info = sr;
    size_t off = 4;
    if (sr) {
        r.ntp = ((uint64_t)rd32(b + 4) << 32) | rd32(b + 8);
        r.rtp_ts = rd32(b + 12);
        r.packet_count = rd32(b + 16);
        r.octet_count = rd32(b + 20);
        off = 24;
    }
    r.n_reports = p->count;
    for (unsigned i = 0; i < p->count; i++, off += 24)
        parse_report(b + off, &r.reports[i]);
    r.ext = b + off;
    r.ext_len = p->body_len - off;
    *out = r;
    return RG_OK;
}

int rg_rtcp_sdes_init(struct rg_rtcp_sdes_iter *it, const struct rg_rtcp_pkt *p)
{
    if (!it || !p || p->pt != RG_RTCP_SDES)
        return RG_EINVAL;
    it->p = p->body;
    it->len = p->body_len;
    it->off = 0;
    it->chunks_left = p->count;
    it->ssrc = 0;
    it->in_chunk = false;
    return RG_OK;
}

int rg_rtcp_sdes_next(struct rg_rtcp_sdes_iter *it, struct rg_rtcp_sdes_item *item)
{
    for (;;) {
        if (!it->in_chunk) {
            if (it->chunks_left == 0)
                return 0;
            if (it->len - it->off < 4)
                return RG_EBADMSG;
            it->ssrc = rd32(it->p + it->off);
            it->off += 4;
            it->chunks_left--;
            it->in_chunk = true;
        }
        if (it->off >= it->len)
            return RG_EBADMSG; /* §6.5: every chunk ends with a null item */
        uint8_t type = it->p[it->off];
        if (type == 0) {
            /* Null octet(s) then padding to the next 32-bit boundary. */
            size_t next = (it->off + 4) & ~(size_t)3;
            if (next > it->len)
                return RG_EBADMSG;
            it->off = next;
            it->in_chunk = false;
            continue;
        }
        if (it->len - it->off < 2 || it->len - it->off - 2 < it->p[it->off + 1])
            return RG_EBADMSG;
        item->ssrc = it->ssrc;
        item->type = type;
        item->len = it->p[it->off + 1];
        item->data = it->p + it->off + 2;
        it->off += 2u + item->len;
        return 1;
    }
}

int rg_rtcp_parse_bye(const struct rg_rtcp_pkt *p, struct rg_rtcp_bye *out)
{
    if (!p || !out || p->pt != RG_RTCP_BYE)
        return RG_EINVAL;
    size_t off = 4u * p->count;
    if (p->body_len < off)
        return RG_EBADMSG;
    struct rg_rtcp_bye b;
    b.n_ssrc = p->count;
    for (unsigned i = 0; i < p->count; i++)
        b.ssrc[i] = rd32(p->body + 4 * i);
    b.reason = NULL;
    b.reason_len = 0;
    if (off < p->body_len) {
        uint8_t rl = p->body[off];
        if (p->body_len - off - 1 < rl)
            return RG_EBADMSG;
        b.reason = p->body + off + 1;
        b.reason_len = rl;
    }
    *out = b;
    return RG_OK;
}

int rg_rtcp_parse_app(const struct rg_rtcp_pkt *p, struct rg_rtcp_app *out)
{
    if (!p || !out || p->pt != RG_RTCP_APP)
        return RG_EINVAL;
    if (p->body_len < 8 || (p->body_len - 8) % 4)
        return RG_EBADMSG;
    out->subtype = p->count;
    out->ssrc = rd32(p->body);
    memcpy(out->name, p->body + 4, 4);
    out->data = p->body + 8;
    out->data_len = p->body_len - 8;
    return RG_OK;
}

int rg_rtcp_parse_fb(const struct rg_rtcp_pkt *p, struct rg_rtcp_fb *out)
{
    if (!p || !out || (p->pt != RG_RTCP_RTPFB && p->pt != RG_RTCP_PSFB))
        return RG_EINVAL;
    if (p->body_len < 8)
        return RG_EBADMSG;
    out->fmt = p->count;
    out->sender_ssrc = rd32(p->body);
    out->media_ssrc = rd32(p->body + 4);
    out->fci = p->body + 8;
    out->fci_len = p->body_len - 8;
    return RG_OK;
}

int rg_rtcp_nack_list(const struct rg_rtcp_fb *fb, uint16_t *seqs, size_t max, size_t *n)
{
    if (!fb || !n || (max && !seqs))
        return RG_EINVAL;
    if (fb->fci_len == 0 || fb->fci_len % 4)
        return RG_EBADMSG;
    size_t count = 0;
    bool full = false;
    for (size_t off = 0; off < fb->fci_len; off += 4) {
        uint16_t pid = rd16(fb->fci + off), blp = rd16(fb->fci + off + 2);
        for (int bit = -1; bit < 16; bit++) {
            if (bit >= 0 && !(blp & (1u << bit)))
                continue;
            if (count == max) {
                full = true;
                break;
            }
            seqs[count++] = (uint16_t)(pid + bit + 1);
        }
    }
    *n = count;
    return full ? RG_ELIMIT : RG_OK;
}

int rg_rtcp_parse_twcc(const struct rg_rtcp_fb *fb, struct rg_rtcp_twcc *out)
{
    if (!fb || !out || fb->fmt != RG_RTCP_FMT_TWCC)
        return RG_EINVAL;
    if (fb->fci_len < 8)
        return RG_EBADMSG;
    out->base_seq = rd16(fb->fci);
    out->status_count = rd16(fb->fci + 2);
    uint32_t ref = rd24(fb->fci + 4);
    out->reference_time = (int32_t)(ref & 0x800000 ? ref | 0xFF000000u : ref);
    out->fb_count = fb->fci[7];
    out->chunks = fb->fci + 8;
    out->chunks_len = fb->fci_len - 8;
    return RG_OK;
}

int rg_rtcp_parse_fir(const struct rg_rtcp_fb *fb, struct rg_rtcp_fir_entry *out, size_t max,
                      size_t *n)
{
    if (!fb || !n || (max && !out) || fb->fmt != RG_RTCP_FMT_FIR)
        return RG_EINVAL;
    if (fb->fci_len == 0 || fb->fci_len % 8)
        return RG_EBADMSG;
    size_t count = fb->fci_len / 8, k = count < max ? count : max;
    for (size_t i = 0; i < k; i++) {
        out[i].ssrc = rd32(fb->fci + 8 * i);
        out[i].seq = fb->fci[8 * i + 4];
    }
    *n = k;
    return count > max ? RG_ELIMIT : RG_OK;
}

int rg_rtcp_parse_remb(const struct rg_rtcp_fb *fb, struct rg_rtcp_remb *out)
{
    if (!fb || !out || fb->fmt != RG_RTCP_FMT_AFB)
        return RG_EINVAL;
    if (fb->fci_len < 8 || memcmp(fb->fci, "REMB", 4) != 0)
        return fb->fci_len >= 4 && memcmp(fb->fci, "REMB", 4) != 0 ? RG_ENOTFOUND : RG_EBADMSG;
    uint8_t num = fb->fci[4];
    if (fb->fci_len < 8 + 4u * num)
        return RG_EBADMSG;
    if (num > RG_RTCP_MAX_REMB_SSRC)
        return RG_ELIMIT;
    unsigned exp = fb->fci[5] >> 2;
    uint64_t mantissa = rd24(fb->fci + 5) & 0x3FFFF;
    /* Saturate rather than overflow for absurd exponents. */
    out->bitrate_bps =
        (mantissa && exp > 63 - 18 && (mantissa >> (64 - exp)) != 0) ? UINT64_MAX : mantissa << exp;
    out->n_ssrc = num;
    for (unsigned i = 0; i < num; i++)
        out->ssrc[i] = rd32(fb->fci + 8 + 4 * i);
    return RG_OK;
}

int rg_rtcp_xr_init(struct rg_rtcp_xr_iter *it, const struct rg_rtcp_pkt *p, uint32_t *sender_ssrc)
{
    if (!it || !p || !sender_ssrc || p->pt != RG_RTCP_XR)
        return RG_EINVAL;
    if (p->body_len < 4)
        return RG_EBADMSG;
    *sender_ssrc = rd32(p->body);
    it->p = p->body + 4;
    it->len = p->body_len - 4;
    it->off = 0;
    return RG_OK;
}

int rg_rtcp_xr_next(struct rg_rtcp_xr_iter *it, struct rg_rtcp_xr_block *b)
{
    if (it->off >= it->len)
        return 0;
    if (it->len - it->off < 4)
        return RG_EBADMSG;
    const uint8_t *h = it->p + it->off;
    size_t blen = 4u * rd16(h + 2);
    if (it->len - it->off - 4 < blen)
        return RG_EBADMSG;
    b->type = h[0];
    b->specific = h[1];
    b->data = h + 4;
    b->len = blen;
    it->off += 4 + blen;
    return 1;
}
