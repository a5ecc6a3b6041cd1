/*
 * ng_cmd.h — the rtpengine-compatible "ng" commands that act on calls:
 * offer, answer, delete, query (sans-IO; one media loop's calls).
 *
 * The dictionary keys and flag spellings are the ones Kamailio's and
 * OpenSIPS's rtpengine modules send (sipwise/rtpengine
 * docs/ng_control_protocol.md): "transport-protocol", "ICE" (force, remove,
 * force-lite / lite, default), "DTLS" (off, no, disable, passive, active),
 * "rtcp-mux" (offer, require, demux, accept, reject), "SDES" (off, …),
 * "replace" (origin, session-connection), "direction", "address family",
 * "media address", the "codec" dictionary (strip, offer, transcode, mask,
 * accept), "ptime", "bundle" (offer, accept) and the "flags" list (including
 * codec-strip-X style flags, media/mcodec.h, and "BUNDLE-offer").  Flags this engine does not know
 * are named in the reply's "warning" instead of being dropped silently.
 * ping, list and statistics span every loop and are answered by the control
 * loop (io/ng_server.c).
 *
 * Ownership: the struct rg_ngcmd and its call table belong to one media
 * loop; calls it removes are handed back (*gone) for the loop to destroy
 * after it has stopped watching their sockets.
 */
#ifndef RG_MEDIA_NG_CMD_H
#define RG_MEDIA_NG_CMD_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "media/mcall.h"
#include "media/mtable.h"
#include "proto/ng/ng_msg.h"

struct rg_ngcmd_stats {
    uint64_t offers, answers, deletes, queries, errors;
};

struct rg_ngcmd {
    const struct rg_mcall_env *env; /* borrowed */
    struct rg_mtable calls;
    struct rg_ngcmd_stats st;
};

void rg_ngcmd_init(struct rg_ngcmd *n, const struct rg_mcall_env *env, size_t max_calls);
/* Destroys every call (closing its sockets through env->ports). */
void rg_ngcmd_deinit(struct rg_ngcmd *n);

/* Executes one request and writes the whole reply datagram ("<cookie>
 * <dict>") into reply.  *touched receives the call whose sockets may have
 * changed (NULL if none), *gone a call removed from the table (destroy it
 * with rg_mcall_destroy once its sockets are no longer watched).  Protocol
 * errors become {"result": "error", "error-reason": …} replies; the return
 * value is RG_OK unless the reply itself could not be written. */
RG_MUST_CHECK int rg_ngcmd_execute(struct rg_ngcmd *n, int64_t now_us, const struct rg_ng_msg *m,
                                   struct rg_buf *reply, struct rg_mcall **touched,
                                   struct rg_mcall **gone);

/* The typed offer/answer behind the ng command, also used in-process by the
 * B2BUA: creates the call on a first offer, works out which leg the SDP
 * comes from by its tags, and writes the SDP for the other leg into out.
 * *touched receives the call (even on failure, its sockets may exist).
 * Returns RG_OK or an rg_err with *why. */
RG_MUST_CHECK int rg_ngcmd_sdp(struct rg_ngcmd *n, int64_t now_us, struct rg_str call_id,
                               struct rg_str from_tag, struct rg_str to_tag, bool answer,
                               struct rg_str sdp, const struct rg_mside_req *req,
                               struct rg_buf *out, struct rg_mcall **touched, const char **why);
/* Removes the call (NULL when unknown); the caller destroys it once its
 * sockets are no longer watched. */
struct rg_mcall *rg_ngcmd_delete(struct rg_ngcmd *n, struct rg_str call_id);

/* Parses the presentation flags of a request (exposed for tests).  unknown
 * collects the names of flags and values not understood, comma-separated.
 * Returns RG_OK or RG_EUNSUPP (*why says which value cannot be honoured). */
RG_MUST_CHECK int rg_ngcmd_req(const struct rg_bencode *dict, struct rg_mside_req *out,
                               struct rg_buf *unknown, const char **why);

#endif
