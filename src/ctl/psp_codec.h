/*
 * psp_codec.h — a packet service profile's codec entries as the media
 * engine's codec request (media/mcodec.h).
 *
 * The B2BUA builds the struct rg_mside_req for the offer it sends toward a
 * leg from that leg's packet service profile (vendor model §2.4-2.6):
 *
 *   codecEntry1..12 in order   → "transcode X" items in preference order
 *                                 (G711 law muLaw → PCMU, aLaw → PCMA,
 *                                 deriveFromOtherLeg → PCMU then PCMA;
 *                                 G711SS/G729AB as G711/G729; entries the
 *                                 engine cannot code — G723, G726, T38,
 *                                 video — are skipped and counted)
 *   preferredRtpPayloadType    → the item's PT preference (128 = dynamic)
 *   packetSize                 → the item's ptime (10..60 ms; larger values
 *                                 are clamped to 60); the first entry's is
 *                                 the offer's a=ptime
 *   dtmf relay                 → the request's DTMF mode (first entry)
 *   honorRemotePrecedence      → disabled: the offer follows the profile's
 *                                 order (ours_first); enabled: the remote
 *                                 offer's order is kept
 *
 * and every other codec of the incoming offer is masked (not offered to
 * this leg, still usable on the offering leg), so the stream is relayed
 * when the legs share a profile codec and transcoded otherwise.
 *
 * Reads an immutable configuration snapshot; thread-safe on it.
 */
#ifndef RG_CTL_PSP_CODEC_H
#define RG_CTL_PSP_CODEC_H

#include "core/err.h"
#include "ctl/cfg.h"
#include "media/mcodec.h"

/* Fills *out (written only on success) for packetServiceProfile psp.
 * *skipped (may be NULL) receives how many entries had no coder here.
 * Returns the number of codec items (0: the profile lists no codec, *out
 * asks for no change), RG_ENOTFOUND (no such profile), RG_ELIMIT (more
 * codecs than RG_MCODEC_MAX). */
RG_MUST_CHECK int rg_psp_codec_req(const struct rg_cfg *c, const char *psp,
                                   struct rg_mcodec_req *out, unsigned *skipped);

#endif
