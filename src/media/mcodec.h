/*
 * mcodec.h — what a request asks of the codecs of an offer: the typed form
 * of rtpengine's ng codec flags and of a packet service profile's codec
 * entries (sans-IO, plain data).
 *
 * A struct rg_mcodec_req travels by value inside struct rg_mside_req (it is
 * copied between threads, so it holds no pointers).  All-zero means "no
 * codec changes": the offer's codecs pass unchanged and the stream is
 * relayed.  The operations follow sipwise/rtpengine
 * docs/ng_control_protocol.md ("codec" dictionary / codec-X flags):
 *
 *   strip X|all   remove X from the offer passed on; never used on the
 *                 offerer's side either
 *   offer X       keep X although "strip all" (a white list); codecs that
 *                 were not in the offer are not added
 *   transcode X   add X to the offer passed on when it is missing: if the
 *                 answerer picks it, the stream is transcoded
 *   mask X|all    remove X from the offer passed on, but the offerer's side
 *                 may still use it (transcoding toward it)
 *   accept X      (answer) the offerer's side uses X when transcoding
 *
 * ptime_ms, dtmf mode and payload-type preferences come from a codec entry
 * (rg_psp_codec_req in ctl/psp_codec.h).  One thread at a time; no
 * ownership.
 */
#ifndef RG_MEDIA_MCODEC_H
#define RG_MEDIA_MCODEC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/str.h"
#include "media/codec.h"

#define RG_MCODEC_MAX 12

enum rg_mcodec_op {
    RG_MCODEC_NONE = 0,
    RG_MCODEC_STRIP,
    RG_MCODEC_OFFER,
    RG_MCODEC_TRANSCODE,
    RG_MCODEC_MASK,
    RG_MCODEC_ACCEPT,
};

struct rg_mcodec_item {
    uint8_t op;       /* enum rg_mcodec_op */
    uint8_t codec;    /* enum rg_codec_id */
    bool has_pt;      /* pt is a preference (codecEntry preferredRtpPayloadType) */
    uint8_t pt;       /* 0..127 */
    uint8_t ptime_ms; /* packet time for this codec (codecEntry packetSize), 0 = 20 */
};

struct rg_mcodec_req {
    uint8_t n;                 /* items used; 0 with no flag below = no changes */
    bool strip_all, mask_all;
    /* Order the offer passed on by item order (a profile's preference)
     * instead of keeping the offerer's order (honorRemotePrecedence). */
    bool ours_first;
    bool dtmf_set;             /* dtmf_mode is meaningful */
    uint8_t dtmf_mode;         /* enum rg_dtmf_mode */
    uint8_t ptime_ms;          /* a=ptime for the offer passed on, 0 = keep */
    struct rg_mcodec_item item[RG_MCODEC_MAX];
};

/* True when r asks for any codec change. */
bool rg_mcodec_req_any(const struct rg_mcodec_req *r);

/* Adds "op name" where name is an encoding name with optional clock and
 * channels ("PCMU", "opus/48000/2", "G722/8000") or "all" (strip and mask
 * only).  An item for the same codec and op is not repeated.  Returns RG_OK,
 * RG_ENOTFOUND (a codec we cannot transcode: the caller reports it),
 * RG_EINVAL (bad op or "all" with another op), RG_ELIMIT (full). */
RG_MUST_CHECK int rg_mcodec_req_add(struct rg_mcodec_req *r, enum rg_mcodec_op op,
                                    struct rg_str name);

/* The item with op for codec, or NULL. */
const struct rg_mcodec_item *rg_mcodec_req_find(const struct rg_mcodec_req *r,
                                                enum rg_mcodec_op op, enum rg_codec_id codec);

/* Codec from an ng codec name as above ("opus/48000/2", "pcmu"); NULL when
 * unknown or not an audio codec with a coder. */
const struct rg_codec *rg_mcodec_parse_name(struct rg_str name);

#endif
