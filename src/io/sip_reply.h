/*
 * sip_reply.h — answers the transport layer writes itself, from raw bytes:
 * a 400 to a request the SIP codec refused, and the static-file HTTP
 * responses of a WebSocket port (the demo page).
 *
 * rg_sip_reply_bad_request is pure (no I/O, fuzzed).  rg_sip_http_map_path
 * is pure; rg_sip_http_reply reads one file below the web root (blocking
 * open/read of a small file, on the signalling loop's thread).
 * Output goes to a caller-owned bounded struct rg_buf, appended only on
 * success.
 */
#ifndef RG_IO_SIP_REPLY_H
#define RG_IO_SIP_REPLY_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

#define RG_SIP_HTTP_MAX_FILE (4u * 1024u * 1024u)
#define RG_SIP_HTTP_MAX_PATH 256

/*
 * RFC 3261 §8.2.6 / §21.4.1: a "400 <phrase>" to a malformed request,
 * copying its Via, From, To, Call-ID and CSeq header lines (long or compact
 * names, folded lines kept) as they were received so the client can match
 * it; To gets ";tag=<to_tag>" when it has no tag and to_tag is not empty.
 * raw is the received message; phrase has no CR/LF ("Bad Request - ...").
 * Returns RG_OK, RG_ENOTFOUND when raw is not a request or has no Via line
 * (no answer can reach its sender), RG_EINVAL (phrase), RG_ELIMIT/RG_ENOMEM.
 */
RG_MUST_CHECK int rg_sip_reply_bad_request(struct rg_str raw, const char *phrase,
                                           struct rg_str to_tag, struct rg_buf *out);
/* The same with another final status (400..699, else RG_EINVAL): the
 * codec's own verdict, e.g. 505 for an unknown SIP version (RFC 3261
 * §21.5.6, RFC 4475 §3.1.2.16). */
RG_MUST_CHECK int rg_sip_reply_refused(struct rg_str raw, unsigned status, const char *phrase,
                                       struct rg_str to_tag, struct rg_buf *out);

/*
 * Maps an HTTP request-target to a relative file path: the query is
 * dropped, "/" becomes "index.html"; only [A-Za-z0-9._-] segments separated
 * by '/' are accepted, and no segment may start with '.' (no "..", no
 * hidden files), so the result never leaves the web root.  Writes a
 * NUL-terminated path into out (out_size bytes).  RG_OK, RG_ENOTFOUND
 * (target refused), RG_ELIMIT (too long).
 */
RG_MUST_CHECK int rg_sip_http_map_path(struct rg_str target, char *out, size_t out_size);

/*
 * A complete HTTP/1.1 response to method/target, serving files from
 * web_root (NULL: nothing is served): 200 with Content-Type by extension,
 * 404, or 405 for methods other than GET and HEAD.  Always "Connection:
 * close".  RG_OK (a response was appended), RG_ELIMIT, RG_ENOMEM.
 */
RG_MUST_CHECK int rg_sip_http_reply(const char *web_root, struct rg_str method,
                                    struct rg_str target, struct rg_buf *out);

#endif
