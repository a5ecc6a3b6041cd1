/*
 * fuzz_media_rtcp.c — RTCP counters and SR/RR building (media/rtcp_stats).
 * The input is scanned with rg_rtcp_find_sr, then replayed as a sequence of
 * RTP arrivals (8-byte records: seq(2) ts(4) gap-ms(1) ssrc-flip(1)).
 * Invariants: every report built parses back with rg_rtcp_find_sr (SR) or
 * gives ENOTFOUND (RR); lengths match RFC 3550 §6.4 sizes; the cumulative
 * loss is within the 24-bit signed range.
 */
#include <stdint.h>
#include <stdlib.h>

#include "media/rtcp_stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t ssrc;
    uint64_t ntp;
    int rc = rg_rtcp_find_sr(data, size, &ssrc, &ntp);
    if (rc != RG_OK && rc != RG_ENOTFOUND && rc != RG_EBADMSG)
        abort();
    struct rg_rtcp_rx rx;
    struct rg_rtcp_tx tx;
    rg_rtcp_rx_init(&rx, 8000);
    rg_rtcp_tx_init(&tx, 0xABCD, 48000);
    int64_t now = 0;
    for (size_t off = 0; off + 8 <= size; off += 8) {
        const uint8_t *r = data + off;
        uint32_t ts = ((uint32_t)r[2] << 24) | ((uint32_t)r[3] << 16) | ((uint32_t)r[4] << 8) | r[5];
        now += (int64_t)r[6] * 1000;
        rg_rtcp_rx_packet(&rx, r[7] & 0x80 ? 2 : 1, (uint16_t)((r[0] << 8) | r[1]), ts, r[7], now);
        if (r[7] & 1)
            rg_rtcp_tx_packet(&tx, ts, r[6], now);
        if (r[7] & 2)
            rg_rtcp_rx_sr(&rx, ((uint64_t)ts << 32) | r[6], now);
    }
    struct rg_rtcp_block b;
    size_t n = rg_rtcp_rx_block(&rx, now, &b) == RG_OK ? 1 : 0;
    if (n && (b.cum_lost > 0x7FFFFF || b.cum_lost < -0x800000))
        abort();
    uint8_t out[64];
    int len = rg_rtcp_build_sr(&tx, 0x1122334455667788ull, now, &b, n, out, sizeof(out));
    if (len != (int)(28 + 24 * n) || rg_rtcp_find_sr(out, (size_t)len, &ssrc, &ntp) != RG_OK ||
        ssrc != 0xABCD || ntp != 0x1122334455667788ull)
        abort();
    len = rg_rtcp_build_rr(0xABCD, &b, n, out, sizeof(out));
    if (len != (int)(8 + 24 * n) || rg_rtcp_find_sr(out, (size_t)len, &ssrc, &ntp) != RG_ENOTFOUND)
        abort();
    if (rg_rtcp_build_sr(&tx, 0, now, &b, n, out, 20) != RG_ELIMIT)
        abort();
    return 0;
}
