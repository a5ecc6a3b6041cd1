/*
 * demux.c — RFC 7983 §7 first-byte demultiplexing with per-kind sanity
 * checks, and RFC 5761 §4 RTP/RTCP separation.  See demux.h.
 */
#include "proto/rtp/demux.h"
#include "proto/stun/stun.h"

static enum rg_demux_kind rtp_or_rtcp(const uint8_t *data, size_t len)
{
    /* RFC 5761 §4: RTCP packet types 192..223 occupy the byte where RTP
     * has M + PT; RTP payload types 64..95 are therefore not used. */
    if (len >= 2 && data[1] >= 192 && data[1] <= 223)
        return len >= 8 ? RG_DEMUX_RTCP : RG_DEMUX_DROP;
    return len >= 12 ? RG_DEMUX_RTP : RG_DEMUX_DROP;
}

static enum rg_demux_kind dtls(const uint8_t *data, size_t len)
{
    if (data[0] <= 31) /* DTLSPlaintext/Ciphertext record (RFC 6347 §4.1) */
        return len >= 13 && data[1] == 0xFE ? RG_DEMUX_DTLS : RG_DEMUX_DROP;
    /* DTLS 1.3 unified header (RFC 9147 §4): first byte 001CSLEE. */
    return len >= 4 ? RG_DEMUX_DTLS : RG_DEMUX_DROP;
}

static enum rg_demux_kind turn_channel(const uint8_t *data, size_t len)
{
    if (len < 4)
        return RG_DEMUX_DROP;
    size_t dlen = (size_t)((data[2] << 8) | data[3]);
    /* RFC 8656 §12.4/§12.5: over UDP the datagram may carry padding. */
    if (4 + dlen > len || len - 4 - dlen > 3)
        return RG_DEMUX_DROP;
    return RG_DEMUX_TURN_CHANNEL;
}

enum rg_demux_kind rg_demux_classify(const uint8_t *data, size_t len)
{
    if (!data || len == 0)
        return RG_DEMUX_DROP;
    uint8_t b = data[0];
    if (b <= 3)
        return rg_stun_is_message(data, len) ? RG_DEMUX_STUN : RG_DEMUX_DROP;
    if (b >= 16 && b <= 19) {
        /* RFC 6189 §5: ZRTP messages carry the magic cookie 'ZRTP'. */
        return len >= 12 && data[4] == 'Z' && data[5] == 'R' && data[6] == 'T' && data[7] == 'P'
                   ? RG_DEMUX_ZRTP
                   : RG_DEMUX_DROP;
    }
    if (b >= 20 && b <= 63)
        return dtls(data, len);
    if (b >= 64 && b <= 79)
        return turn_channel(data, len);
    if (b >= 128 && b <= 191)
        return rtp_or_rtcp(data, len);
    return RG_DEMUX_DROP;
}

const char *rg_demux_kind_name(enum rg_demux_kind k)
{
    switch (k) {
    case RG_DEMUX_STUN:
        return "stun";
    case RG_DEMUX_ZRTP:
        return "zrtp";
    case RG_DEMUX_DTLS:
        return "dtls";
    case RG_DEMUX_TURN_CHANNEL:
        return "turn-channel";
    case RG_DEMUX_RTP:
        return "rtp";
    case RG_DEMUX_RTCP:
        return "rtcp";
    case RG_DEMUX_DROP:
        break;
    }
    return "drop";
}
