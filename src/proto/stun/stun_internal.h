/*
 * stun_internal.h — helpers shared by the STUN parser and builder only.
 * Not part of the public API.
 */
#ifndef RG_PROTO_STUN_INTERNAL_H
#define RG_PROTO_STUN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "proto/stun/stun.h"

/* Index of a hash in struct rg_stun_key; both hashes have 64-byte blocks. */
enum { RG_STUN_HMAC_SHA1 = 0, RG_STUN_HMAC_SHA256 = 1, RG_STUN_HMAC_BLOCK = 64 };

/* HMAC (alg) of msg[0..attr_off) with the header length field adjusted for
 * an attribute at attr_off with a value of value_len bytes (RFC 8489
 * §14.5, §14.6).  Writes up to 32 bytes to out and their count to
 * *out_len.  Uses k's scratch context. */
int rg_stun_mac(struct rg_stun_key *k, unsigned alg, const uint8_t *msg, size_t attr_off,
                size_t value_len, uint8_t out[32], size_t *out_len);
/* FINGERPRINT value for an attribute at attr_off (RFC 8489 §14.7). */
uint32_t rg_stun_fingerprint_of(const uint8_t *msg, size_t attr_off);

#endif
