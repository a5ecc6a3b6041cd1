/*
 * fuzz_demux.c — RFC 7983 classifier.  Invariants: the kind agrees with the
 * first byte ranges and with rg_stun_is_message; an RTCP classification
 * has a PT byte of 192..223; nothing reads past size.
 */
#include <stdlib.h>

#include "proto/rtp/demux.h"
#include "proto/stun/stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum rg_demux_kind k = rg_demux_classify(data, size);
    if (size == 0)
        return k == RG_DEMUX_DROP ? 0 : (abort(), 0);
    uint8_t b = data[0];
    switch (k) {
    case RG_DEMUX_STUN:
        if (b > 3 || !rg_stun_is_message(data, size))
            abort();
        break;
    case RG_DEMUX_ZRTP:
        if (b < 16 || b > 19 || size < 12)
            abort();
        break;
    case RG_DEMUX_DTLS:
        if (b < 20 || b > 63)
            abort();
        break;
    case RG_DEMUX_TURN_CHANNEL:
        if (b < 64 || b > 79 || size < 4)
            abort();
        break;
    case RG_DEMUX_RTP:
        if (b < 128 || b > 191 || size < 12 || (data[1] >= 192 && data[1] <= 223))
            abort();
        break;
    case RG_DEMUX_RTCP:
        if (b < 128 || b > 191 || size < 8 || data[1] < 192 || data[1] > 223)
            abort();
        break;
    case RG_DEMUX_DROP:
        if (b <= 3 && rg_stun_is_message(data, size))
            abort();
        break;
    }
    if (!rg_demux_kind_name(k))
        abort();
    return 0;
}
