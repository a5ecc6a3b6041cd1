/*
 * mcall_sdes.h — SDES-SRTP (RFC 4568) key negotiation for one side of a
 * media stream; internal to src/media (used by mcall_sdp.c).
 *
 * A side whose plan is RG_MT_SDES_SRTP learns the peer's key from the
 * peer's a=crypto lines (rg_msdes_learn) and writes its own key(s) into the
 * SDP toward that peer (rg_msdes_write).  The peer's key keys the inbound
 * SRTP session (it protects what the peer sends, RFC 4568 §6.1); our key,
 * drawn from the call's injected rng, keys the outbound one.  Sans-IO; the
 * side's owner thread only; sessions are owned by the side (side_free).
 */
#ifndef RG_MEDIA_MCALL_SDES_H
#define RG_MEDIA_MCALL_SDES_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/err.h"
#include "media/mcall.h"
#include "proto/sdp/sdp.h"

/* Takes the peer's key from media section m.  peer_offers: m is an offer
 * (the first a=crypto line with a supported suite and no session
 * parameters is accepted, our answer key is drawn for its suite and tag);
 * otherwise m answers our offer (the line whose tag and suite match one of
 * ours is accepted; a peer that re-offers after the first exchange is
 * answered like an offer).  On success the side's SRTP sessions are (re)made
 * when a key changed.  RG_OK, RG_EUNSUPP (no usable line; *why), RG_EBADMSG
 * (answer matches none of our tags; *why), RG_ENOMEM, RG_ECRYPTO. */
RG_MUST_CHECK int rg_msdes_learn(const struct rg_mcall_env *env, struct rg_mside *s,
                                 const struct rg_sdp_media *m, bool peer_offers,
                                 const char **why);

/* Adds our a=crypto line(s) toward the side to attribute list l (arena a):
 * offering and nothing negotiated yet: one fresh key per supported suite,
 * tags 1..n; otherwise the accepted tag with our key (nothing when no key
 * was negotiated: a rejected stream).  RG_OK, RG_ENOMEM, RG_ELIMIT. */
RG_MUST_CHECK int rg_msdes_write(const struct rg_mcall_env *env, struct rg_mside *s,
                                 struct rg_sdp_attrs *l, struct rg_arena *a, bool offering);

#endif
