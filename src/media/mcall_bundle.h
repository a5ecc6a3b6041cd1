/*
 * mcall_bundle.h — BUNDLE (RFC 9143) in a media call: offering a BUNDLE
 * group toward a WebRTC side, taking the answer, and routing packets of a
 * shared transport to their m= lines.  Internal to src/media (used by
 * mcall_sdp.c and mcall.c).
 *
 * Offer (RFC 9143 §7.2): when rtcgate offers toward a side that asked for
 * BUNDLE (struct rg_mside_req.bundle), the m= lines that can share a
 * transport (DTLS-SRTP with ICE and rtcp-mux, non-zero port, payload types
 * disjoint from the other members so §9.2 routing by payload type stays
 * unambiguous) are listed in a=group:BUNDLE with an a=mid each and the MID
 * header extension (§9.1, a=extmap with urn:ietf:params:rtp-hdrext:sdes:mid).
 * Each keeps its own unique address:port, ICE credentials and DTLS setup
 * (bundle-only is not used), so an answerer that ignores the group still
 * has one transport per m= line.
 *
 * Answer (§7.4): when the answer keeps the group, the m= line its first
 * identification-tag names (the offerer-tagged one) owns the transport of
 * every member (transport_of); the other members' sockets, ICE agents and
 * DTLS associations are released.  An answer without the group leaves every
 * m= line on its own transport.  Subsequent offers list the negotiated
 * group with the tagged m= line first, one address:port for all members and
 * transport attributes only in the tagged m= line (§7.5, mcall_sdp.c).
 *
 * Routing (§9.2): an authenticated packet on a shared transport belongs to
 * the member named by its MID header extension (which also binds its SSRC),
 * else to the member its SSRC is bound to (a=ssrc or learnt), else to the
 * one member whose payload types include it (which binds the SSRC); RTP
 * matching none is dropped.  RTCP goes to the member of the first SSRC it
 * names that is known (sender SSRCs by what that side sends, report blocks
 * and feedback media SSRCs by what was relayed toward it), else to the
 * tagged m= line.
 *
 * Sans-IO; the owning media loop's thread only; nothing here allocates
 * except through the SDP arena passed in.
 */
#ifndef RG_MEDIA_MCALL_BUNDLE_H
#define RG_MEDIA_MCALL_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "media/mcall.h"
#include "proto/sdp/sdp.h"

#define RG_MBUNDLE_MID_URI "urn:ietf:params:rtp-hdrext:sdes:mid"

/* After an initial offer from the side opposite `to` created the streams:
 * marks the m= lines that will be offered as one BUNDLE group toward side
 * `to` (bundle_offer[to]) when req asks for it (req->bundle 1, or -1 and
 * the side is WebRTC) and at least two m= lines qualify; gives members
 * without an a=mid a unique one.  Never fails. */
void rg_mbundle_plan_offer(struct rg_mcall *c, int to, const struct rg_mside_req *req);

/* An answer from side `from` to rtcgate's offer (RFC 9143 §7.4): when the
 * answer keeps the offered group, moves every member onto the tagged m=
 * line's transport and releases the others' sockets, agents and
 * associations; clears the pending offer either way.  Call before the
 * answer's media sections are taken.  RG_OK, or RG_EBADMSG (*why) when the
 * answer groups an m= line that was not offered bundled. */
RG_MUST_CHECK int rg_mbundle_take_answer(struct rg_mcall *c, int from, const struct rg_sdp *sdp,
                                         const char **why);

/* What side `from`'s media section m says about routing stream i: the MID
 * header extension id (a=extmap) and the SSRCs it sends (a=ssrc). */
void rg_mbundle_learn(struct rg_mcall *c, unsigned i, int from, const struct rg_sdp_media *m);

/* a=group:BUNDLE toward side `to` (pending offer or negotiated group,
 * tagged m= line first), choosing the MID extension id when offering.
 * RG_OK, RG_ELIMIT, RG_ENOMEM. */
RG_MUST_CHECK int rg_mbundle_write_group(struct rg_mcall *c, struct rg_sdp *sdp,
                                         struct rg_arena *a, int to);
/* The MID header extension line in media section m of stream i toward side
 * `to` when i is grouped toward it and m lacks one; removed toward a side
 * i is not grouped toward.  RG_OK, RG_ELIMIT, RG_ENOMEM. */
RG_MUST_CHECK int rg_mbundle_write_media(struct rg_mcall *c, unsigned i, int to,
                                         struct rg_sdp_media *m, struct rg_arena *a);

/* The stream an authenticated RTP/RTCP packet that arrived on side k of
 * stream `owner`'s transport belongs to (RFC 9143 §9.2), or c->n_streams
 * when it belongs to none (drop it).  Also notes the SSRC of media relayed
 * toward a shared transport, for routing that peer's RTCP reports back. */
unsigned rg_mbundle_demux(struct rg_mcall *c, unsigned owner, int k, const uint8_t *data,
                          size_t len, bool rtcp);

#endif
