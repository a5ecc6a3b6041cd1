/*
 * base64.h — RFC 4648 §4 base64 (standard alphabet, '=' padding).
 *
 * Used by the WebSocket handshake (Sec-WebSocket-Key / -Accept, RFC 6455
 * §4.2.2) and available to any module that needs it.  Pure functions, no
 * state, no allocation; callers provide the output arrays.
 */
#ifndef RG_CORE_BASE64_H
#define RG_CORE_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/str.h"

/* Encoded length of n bytes, without the NUL. */
#define RG_BASE64_ENC_LEN(n) ((((n) + 2) / 3) * 4)

/* Encodes in[0..n) into out and NUL-terminates it; out_size must be at least
 * RG_BASE64_ENC_LEN(n) + 1.  Returns the encoded length, or RG_ELIMIT (out
 * untouched). */
RG_MUST_CHECK int rg_base64_encode(const uint8_t *in, size_t n, char *out, size_t out_size);

/* Decodes canonical padded base64 (length a multiple of 4, no whitespace,
 * unused trailing bits zero, RFC 4648 §3.5) into out.  Returns the decoded
 * length, RG_EBADMSG for non-canonical or invalid text, or RG_ELIMIT when
 * out_size is too small.  out is written only on success. */
RG_MUST_CHECK int rg_base64_decode(struct rg_str in, uint8_t *out, size_t out_size);

#endif
