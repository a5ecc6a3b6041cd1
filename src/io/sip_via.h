/*
 * sip_via.h — what a server does to the top Via of a received request
 * (RFC 3261 §18.2.1, RFC 3581 §4): received= with the packet's source IP
 * when the sent-by host is not that IP (always when rport is present), and
 * rport=<source port> when the client asked with an empty rport.  The
 * responses built from the request (rg_sip_make_response copies the Vias)
 * then carry them, and show where they must be sent (RFC 3261 §18.2.2).
 *
 * Pure: edits the message in the caller's arena, no I/O.  Single-threaded.
 */
#ifndef RG_IO_SIP_VIA_H
#define RG_IO_SIP_VIA_H

#include <stdbool.h>

#include "core/addr.h"
#include "core/arena.h"
#include "proto/sip/sip_msg.h"

/* Stamps the top Via of the indexed request m received from src: rewrites
 * the first value of the first Via header (the others are kept byte for
 * byte) and re-indexes m.  *changed (optional) says whether anything was
 * added.  RG_OK; RG_EINVAL (no Via, not a request, src not an address
 * with a port); RG_ELIMIT (the value would pass lim.max_header_bytes);
 * RG_ENOMEM; RG_EBADMSG (re-indexing failed: m must not be used). */
RG_MUST_CHECK int rg_sip_via_stamp(struct rg_sip_msg *m, struct rg_arena *arena,
                                   const struct rg_addr *src, bool *changed);

#endif
