/*
 * mcall_xc.h — codec negotiation and transcoding inside a media call
 * (internal to mcall.c / mcall_sdp.c; sans-IO, one thread: the call's loop).
 *
 * Offer (RFC 3264 §5): when the request carries codec changes
 * (rg_mside_req.codecs), the audio m= line passed on is edited: stripped
 * and masked codecs leave, transcode codecs are added (static PT, the
 * preferred PT, or a free dynamic one), telephone-event is added at the
 * clock of every added codec when the offerer can send events (RFC 4733
 * §7.1.1: an event clock per audio clock), ptime is set.  The offerer's
 * formats are remembered.
 *
 * Answer (RFC 3264 §6): when the answerer's first codec is one the offerer
 * offered, the stream is relayed untouched (zero per-packet cost, the
 * answer only loses formats the offerer never offered).  Otherwise the
 * stream is transcoded: the offerer's side keeps its preferred codec
 * (accept-X first, then the offer's order), the answer toward the offerer
 * names that codec and its telephone-event, and two struct rg_xc (one per
 * direction) are built.  Their RTP goes out on the call's timer with their
 * own SSRC/sequence/timestamps; RTCP from a peer is consumed (LSR/DLSR)
 * and every leg gets its own SR/RR from the transcoder's counters at
 * RFC 3550 §6.3 intervals instead of a relayed report.
 *
 * Ownership: a stream owns its struct rg_mxc (freed by rg__mxc_free).
 */
#ifndef RG_MEDIA_MCALL_XC_H
#define RG_MEDIA_MCALL_XC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "media/mcall.h"

struct rg_sdp;

/* The codec part of an offer or answer coming from side `from` (after the
 * transport part): edits sdp (arena a) for the other side and creates or
 * drops transcoders.  RG_OK, RG_EUNSUPP (*why: no codec in common and none
 * to transcode), RG_ENOMEM, RG_ELIMIT. */
RG_MUST_CHECK int rg__mxc_sdp(struct rg_mcall *c, int from, bool offer, struct rg_sdp *sdp,
                              struct rg_arena *a, const struct rg_mside_req *req,
                              const char **why);
/* A decrypted RTP or RTCP packet that side k of stream si sent (the stream
 * has an rg_mxc).  Returns false when the stream is not transcoding (the
 * caller relays it), true when the packet was consumed. */
bool rg__mxc_input(struct rg_mcall *c, unsigned si, int k, const uint8_t *data, size_t len,
                   bool rtcp, int64_t now_us);
/* Runs every transcoder of the call due at now_us and queues its packets. */
void rg__mxc_timeout(struct rg_mcall *c, int64_t now_us);
/* When a stream's transcoders want rg__mxc_timeout; INT64_MAX when idle
 * or x is NULL. */
int64_t rg__mxc_next_us(const struct rg_mxc *x);
void rg__mxc_free(struct rg_mxc *x);

#endif
