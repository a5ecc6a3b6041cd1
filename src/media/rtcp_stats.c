/* RTCP counters and SR/RR builders (see rtcp_stats.h). */
#include "media/rtcp_stats.h"

#include <string.h>

#define RTP_SEQ_MOD (1u << 16)
#define MAX_DROPOUT 3000 /* A.1 */
#define MAX_MISORDER 100
#define MIN_SEQUENTIAL 2

void rg_rtcp_rx_init(struct rg_rtcp_rx *rx, unsigned clock_hz)
{
    memset(rx, 0, sizeof(*rx));
    rx->clock_hz = clock_hz ? clock_hz : 8000;
}

static void rx_reset_seq(struct rg_rtcp_rx *rx, uint16_t seq)
{
    rx->base_seq = seq;
    rx->max_seq = seq;
    rx->bad_seq = RTP_SEQ_MOD + 1;
    rx->cycles = 0;
    rx->received = 0;
    rx->received_prior = 0;
    rx->expected_prior = 0;
    rx->octets = 0;
    rx->have_transit = false;
    rx->jitter_q4 = 0;
}

/* RFC 3550 A.1 update_seq; returns true when the packet counts. */
static bool rx_update_seq(struct rg_rtcp_rx *rx, uint16_t seq)
{
    uint16_t udelta = (uint16_t)(seq - rx->max_seq);
    if (rx->probation) {
        if (seq == (uint16_t)(rx->max_seq + 1)) {
            rx->probation--;
            rx->max_seq = seq;
            if (rx->probation == 0) {
                rx_reset_seq(rx, seq);
                return true;
            }
        } else {
            rx->probation = MIN_SEQUENTIAL - 1;
            rx->max_seq = seq;
        }
        return false;
    }
    if (udelta < MAX_DROPOUT) {
        if (seq < rx->max_seq)
            rx->cycles += RTP_SEQ_MOD;
        rx->max_seq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
        if (seq == rx->bad_seq) {
            rx_reset_seq(rx, seq); /* the source restarted */
        } else {
            rx->bad_seq = (seq + 1) & (RTP_SEQ_MOD - 1);
            return false;
        }
    }
    return true; /* duplicate or reordered packets count too (A.1) */
}

void rg_rtcp_rx_packet(struct rg_rtcp_rx *rx, uint32_t ssrc, uint16_t seq, uint32_t ts,
                       size_t payload_len, int64_t arrival_us)
{
    if (!rx->started || ssrc != rx->ssrc) {
        unsigned clock = rx->clock_hz;
        rg_rtcp_rx_init(rx, clock);
        rx->started = true;
        rx->ssrc = ssrc;
        rx_reset_seq(rx, seq);
        rx->max_seq = (uint16_t)(seq - 1);
        rx->probation = MIN_SEQUENTIAL;
    }
    if (!rx_update_seq(rx, seq))
        return;
    rx->received++;
    rx->octets += payload_len;
    /* A.8: transit = arrival (in timestamp units) - RTP timestamp. */
    uint32_t arrival_ts = (uint32_t)((uint64_t)arrival_us * rx->clock_hz / 1000000u);
    int32_t transit = (int32_t)(arrival_ts - ts);
    if (rx->have_transit) {
        int64_t d = (int64_t)transit - rx->transit;
        if (d < 0)
            d = -d;
        if (d > INT32_MAX)
            d = INT32_MAX;
        rx->jitter_q4 += (uint32_t)d - ((rx->jitter_q4 + 8) >> 4);
    }
    rx->transit = transit;
    rx->have_transit = true;
}

void rg_rtcp_rx_sr(struct rg_rtcp_rx *rx, uint64_t ntp, int64_t arrival_us)
{
    rx->lsr = (uint32_t)(ntp >> 16);
    rx->lsr_arrival_us = arrival_us;
    rx->have_sr = true;
}

int64_t rg_rtcp_rx_lost(const struct rg_rtcp_rx *rx)
{
    uint32_t ext_max = rx->cycles + rx->max_seq;
    int64_t expected = (int64_t)ext_max - rx->base_seq + 1;
    return expected - rx->received;
}

int rg_rtcp_rx_block(struct rg_rtcp_rx *rx, int64_t now_us, struct rg_rtcp_block *out)
{
    if (!rx->started || rx->received == 0)
        return RG_ESTATE;
    uint32_t ext_max = rx->cycles + rx->max_seq;
    uint32_t expected = ext_max - rx->base_seq + 1;
    int64_t lost = rg_rtcp_rx_lost(rx);
    /* A.3: 24-bit signed cumulative loss, 8-bit interval fraction. */
    if (lost > 0x7FFFFF)
        lost = 0x7FFFFF;
    if (lost < -0x800000)
        lost = -0x800000;
    uint32_t exp_int = expected - rx->expected_prior;
    uint32_t rec_int = rx->received - rx->received_prior;
    rx->expected_prior = expected;
    rx->received_prior = rx->received;
    int64_t lost_int = (int64_t)exp_int - rec_int;
    uint8_t fraction = 0;
    if (exp_int != 0 && lost_int > 0)
        fraction = (uint8_t)((lost_int << 8) / exp_int > 255 ? 255 : (lost_int << 8) / exp_int);
    struct rg_rtcp_block b = { rx->ssrc, fraction, (int32_t)lost, ext_max, rx->jitter_q4 >> 4,
                               0, 0 };
    if (rx->have_sr) {
        b.lsr = rx->lsr;
        int64_t d = now_us - rx->lsr_arrival_us;
        b.dlsr = d > 0 ? (uint32_t)((uint64_t)d * 65536u / 1000000u) : 0;
    }
    *out = b;
    return RG_OK;
}

void rg_rtcp_tx_init(struct rg_rtcp_tx *tx, uint32_t ssrc, unsigned clock_hz)
{
    memset(tx, 0, sizeof(*tx));
    tx->ssrc = ssrc;
    tx->clock_hz = clock_hz ? clock_hz : 8000;
}

void rg_rtcp_tx_packet(struct rg_rtcp_tx *tx, uint32_t ts, size_t payload_len, int64_t now_us)
{
    tx->packets++;
    tx->octets += (uint32_t)payload_len;
    tx->sent = true;
    tx->last_ts = ts;
    tx->last_us = now_us;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_block(uint8_t *p, const struct rg_rtcp_block *b)
{
    put32(p, b->ssrc);
    put32(p + 4, ((uint32_t)b->fraction_lost << 24) | ((uint32_t)b->cum_lost & 0xFFFFFF));
    put32(p + 8, b->ext_max_seq);
    put32(p + 12, b->jitter);
    put32(p + 16, b->lsr);
    put32(p + 20, b->dlsr);
}

/* Common header (RFC 3550 §6.4.1): V=2, P=0, RC, PT, length in words - 1. */
static int build(uint8_t pt, uint32_t ssrc, const uint8_t *info, size_t info_len,
                 const struct rg_rtcp_block *blocks, size_t n, uint8_t *out, size_t out_max)
{
    if (n > 31 || (n && !blocks))
        return RG_EINVAL;
    size_t len = 8 + info_len + 24 * n;
    if (len > out_max)
        return RG_ELIMIT;
    out[0] = (uint8_t)(0x80 | n);
    out[1] = pt;
    out[2] = (uint8_t)((len / 4 - 1) >> 8);
    out[3] = (uint8_t)(len / 4 - 1);
    put32(out + 4, ssrc);
    if (info_len)
        memcpy(out + 8, info, info_len);
    for (size_t i = 0; i < n; i++)
        put_block(out + 8 + info_len + 24 * i, &blocks[i]);
    return (int)len;
}

int rg_rtcp_build_sr(const struct rg_rtcp_tx *tx, uint64_t ntp_now, int64_t now_us,
                     const struct rg_rtcp_block *blocks, size_t n, uint8_t *out, size_t out_max)
{
    uint8_t info[20];
    uint32_t ts = tx->last_ts;
    if (tx->sent && now_us > tx->last_us)
        ts += (uint32_t)((uint64_t)(now_us - tx->last_us) * tx->clock_hz / 1000000u);
    put32(info, (uint32_t)(ntp_now >> 32));
    put32(info + 4, (uint32_t)ntp_now);
    put32(info + 8, ts);
    put32(info + 12, tx->packets);
    put32(info + 16, tx->octets);
    return build(200, tx->ssrc, info, sizeof(info), blocks, n, out, out_max);
}

int rg_rtcp_build_rr(uint32_t ssrc, const struct rg_rtcp_block *blocks, size_t n, uint8_t *out,
                     size_t out_max)
{
    return build(201, ssrc, NULL, 0, blocks, n, out, out_max);
}

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int rg_rtcp_find_sr(const uint8_t *p, size_t len, uint32_t *ssrc, uint64_t *ntp)
{
    size_t off = 0;
    if (len < 4)
        return RG_EBADMSG;
    while (off + 4 <= len) {
        if ((p[off] >> 6) != 2)
            return RG_EBADMSG;
        size_t plen = ((size_t)((p[off + 2] << 8) | p[off + 3]) + 1) * 4;
        if (plen > len - off)
            return RG_EBADMSG;
        if (p[off + 1] == 200 && plen >= 28) {
            *ssrc = get32(p + off + 4);
            *ntp = ((uint64_t)get32(p + off + 8) << 32) | get32(p + off + 12);
            return RG_OK;
        }
        off += plen;
    }
    return off == len ? RG_ENOTFOUND : RG_EBADMSG;
}
