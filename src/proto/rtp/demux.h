/*
 * demux.h — classifies a datagram arriving on a shared media port
 * (RFC 7983 §7, updating RFC 5764 §5.1.2) and splits RTP from RTCP on a
 * muxed port (RFC 5761 §4).  Pure functions, no state, any input.
 */
#ifndef RG_PROTO_DEMUX_H
#define RG_PROTO_DEMUX_H

#include <stddef.h>
#include <stdint.h>

enum rg_demux_kind {
    RG_DEMUX_DROP = 0,     /* unknown first byte or failed sanity check */
    RG_DEMUX_STUN,         /* first byte 0..3 */
    RG_DEMUX_ZRTP,         /* 16..19 */
    RG_DEMUX_DTLS,         /* 20..63 */
    RG_DEMUX_TURN_CHANNEL, /* 64..79 */
    RG_DEMUX_RTP,          /* 128..191, second byte not 192..223 */
    RG_DEMUX_RTCP,         /* 128..191, second byte 192..223 */
};

/* Classifies by the first byte, then checks the minimum shape of that
 * kind: STUN = RFC 5389/8489 header with magic cookie and a length field
 * matching the datagram; ZRTP = 12+ bytes with the "ZRTP" cookie
 * (RFC 6189 §5); DTLS = a 13-byte record header with a DTLS version
 * (0xFEXX) for content types 20..31, 4+ bytes for the DTLS 1.3 unified
 * header (32..63); TURN ChannelData = channel 0x4000..0x4FFF whose
 * length fits the datagram with at most 3 bytes of padding (RFC 8656
 * §12.4); RTP = 12+ bytes, RTCP = 8+ bytes.  Anything else is DROP. */
enum rg_demux_kind rg_demux_classify(const uint8_t *data, size_t len);

const char *rg_demux_kind_name(enum rg_demux_kind k);

#endif
