/*
 * stun.h — STUN message codec (RFC 8489, RFC 5389), sans-IO and zero-copy.
 *
 * Decoding: rg_stun_parse() checks the header and walks the attributes of
 * one complete datagram into a struct rg_stun_msg, an index of views into the
 * caller's bytes (no allocation, bounded count).  The caller keeps the
 * datagram alive and unchanged while it uses the message.  Typed getters read
 * USERNAME, PRIORITY, USE-CANDIDATE, ICE-CONTROLLING/-CONTROLLED, (XOR-)
 * MAPPED-ADDRESS, ERROR-CODE and UNKNOWN-ATTRIBUTES; integrity and
 * fingerprint checks apply the length-field rules of RFC 8489 §14.5–§14.7.
 *
 * Encoding: a struct rg_stun_builder writes a message into a caller buffer of
 * fixed capacity; attributes are appended, then MESSAGE-INTEGRITY(-SHA256)
 * and FINGERPRINT close it.  Errors are sticky: the first failure is kept and
 * reported by rg_stun_build_finish(), so call sites can chain appends.
 *
 * Keys: a struct rg_stun_key holds HMAC-SHA1/-SHA256 pad states (OpenSSL 3
 * EVP digests) so the per-message cost is two context copies plus the hash,
 * not a key schedule.  A key is used by one thread at a time (checking uses
 * its scratch context).
 *
 * Transaction IDs come from an injected struct rg_rng.  No clock, no I/O, no
 * global state.  All functions are safe on arbitrary input bytes.
 */
#ifndef RG_PROTO_STUN_H
#define RG_PROTO_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"
#include "core/rng.h"
#include "core/str.h"

#define RG_STUN_HEADER_LEN 20
#define RG_STUN_MAGIC_COOKIE 0x2112A442u
#define RG_STUN_TXID_LEN 12
/* Attributes kept in the index of one parsed message; more is RG_ELIMIT. */
#define RG_STUN_MAX_ATTRS 32
/* RFC 8489 §14.3: USERNAME is fewer than 509 bytes. */
#define RG_STUN_MAX_USERNAME 508
/* RFC 8489 §14.8: reason phrase at most 763 bytes. */
#define RG_STUN_MAX_REASON 763
/* RFC 8489 §14.7: FINGERPRINT is CRC-32 of the message XOR this. */
#define RG_STUN_FINGERPRINT_XOR 0x5354554eu

/* RFC 8489 §5: message classes (the C1/C0 bits). */
enum rg_stun_class {
    RG_STUN_REQUEST = 0,
    RG_STUN_INDICATION = 1,
    RG_STUN_SUCCESS = 2,
    RG_STUN_ERROR = 3,
};

/* Methods (IANA "STUN Methods"). */
enum rg_stun_method {
    RG_STUN_BINDING = 0x001,
    RG_STUN_ALLOCATE = 0x003,
    RG_STUN_REFRESH = 0x004,
    RG_STUN_SEND = 0x006,
    RG_STUN_DATA = 0x007,
    RG_STUN_CREATE_PERMISSION = 0x008,
    RG_STUN_CHANNEL_BIND = 0x009,
};

/* Attribute types: 0x0000-0x7FFF comprehension-required, 0x8000-0xFFFF
 * comprehension-optional (RFC 8489 §14, §18.3; RFC 8445 §16.1; RFC 8656). */
enum rg_stun_attr_type {
    RG_STUN_A_MAPPED_ADDRESS = 0x0001,
    RG_STUN_A_USERNAME = 0x0006,
    RG_STUN_A_MESSAGE_INTEGRITY = 0x0008,
    RG_STUN_A_ERROR_CODE = 0x0009,
    RG_STUN_A_UNKNOWN_ATTRIBUTES = 0x000A,
    RG_STUN_A_CHANNEL_NUMBER = 0x000C,
    RG_STUN_A_LIFETIME = 0x000D,
    RG_STUN_A_XOR_PEER_ADDRESS = 0x0012,
    RG_STUN_A_DATA = 0x0013,
    RG_STUN_A_REALM = 0x0014,
    RG_STUN_A_NONCE = 0x0015,
    RG_STUN_A_XOR_RELAYED_ADDRESS = 0x0016,
    RG_STUN_A_REQUESTED_TRANSPORT = 0x0019,
    RG_STUN_A_MESSAGE_INTEGRITY_SHA256 = 0x001C,
    RG_STUN_A_PASSWORD_ALGORITHM = 0x001D,
    RG_STUN_A_USERHASH = 0x001E,
    RG_STUN_A_XOR_MAPPED_ADDRESS = 0x0020,
    RG_STUN_A_PRIORITY = 0x0024,
    RG_STUN_A_USE_CANDIDATE = 0x0025,
    RG_STUN_A_PASSWORD_ALGORITHMS = 0x8002,
    RG_STUN_A_ALTERNATE_DOMAIN = 0x8003,
    RG_STUN_A_SOFTWARE = 0x8022,
    RG_STUN_A_ALTERNATE_SERVER = 0x8023,
    RG_STUN_A_FINGERPRINT = 0x8028,
    RG_STUN_A_ICE_CONTROLLED = 0x8029,
    RG_STUN_A_ICE_CONTROLLING = 0x802A,
};

/* Error codes used by ICE and STUN (RFC 8489 §14.8, RFC 8445 §7.3.1.1). */
enum rg_stun_error_code {
    RG_STUN_E_TRY_ALTERNATE = 300,
    RG_STUN_E_BAD_REQUEST = 400,
    RG_STUN_E_UNAUTHORIZED = 401,
    RG_STUN_E_UNKNOWN_ATTRIBUTE = 420,
    RG_STUN_E_STALE_NONCE = 438,
    RG_STUN_E_ROLE_CONFLICT = 487,
    RG_STUN_E_SERVER_ERROR = 500,
};

/* One attribute: a view of its value inside the datagram. */
struct rg_stun_attr {
    uint16_t type;
    uint16_t len;         /* value length, without padding */
    const uint8_t *value; /* borrowed from the parsed datagram */
};

/* A parsed message.  Every pointer borrows the datagram given to
 * rg_stun_parse(). */
struct rg_stun_msg {
    const uint8_t *data; /* the whole message, header included */
    size_t len;          /* 20 + the header's length field */
    uint16_t method;     /* 12 bits */
    uint8_t cls;         /* enum rg_stun_class */
    uint8_t txid[RG_STUN_TXID_LEN];
    /* Offsets of the attribute headers (0: absent). */
    uint32_t mi_off, mi256_off, fp_off;
    uint8_t n_attrs;
    /* Attributes before MESSAGE-INTEGRITY in order, then MESSAGE-INTEGRITY,
     * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT if present.  Attributes
     * after an integrity attribute are ignored as RFC 8489 §14.5/§14.6
     * require and do not appear here. */
    struct rg_stun_attr attrs[RG_STUN_MAX_ATTRS];
};

/* ---- Parsing ----------------------------------------------------------- */

/* True when data looks like an RFC 5389/8489 STUN message: top two bits
 * zero, magic cookie, length a multiple of 4 that matches len exactly. */
bool rg_stun_is_message(const uint8_t *data, size_t len);

/* For stream transports: given a prefix of a stream, returns the total
 * length of the STUN message it starts with (>= 20), RG_EAGAIN if fewer
 * than 20 bytes are available, or RG_EBADMSG if it is no STUN header. */
RG_MUST_CHECK int rg_stun_frame_len(const uint8_t *data, size_t len);

/* Parses one complete message (exactly len bytes).  Returns RG_OK and fills
 * *out; RG_EBADMSG for malformed input (bad header, truncated or
 * overlapping attributes, wrong integrity/fingerprint length, anything
 * after FINGERPRINT); RG_ELIMIT when more than RG_STUN_MAX_ATTRS attributes
 * need indexing.  data is borrowed; *out points into it. */
RG_MUST_CHECK int rg_stun_parse(const uint8_t *data, size_t len, struct rg_stun_msg *out);

/* First attribute of the type, or NULL. */
const struct rg_stun_attr *rg_stun_find(const struct rg_stun_msg *m, uint16_t type);
static inline bool rg_stun_has(const struct rg_stun_msg *m, uint16_t type)
{
    return rg_stun_find(m, type) != NULL;
}

/* Getters: RG_OK (out written), RG_ENOTFOUND (absent) or RG_EBADMSG (the
 * attribute's value is malformed). */
/* Any attribute as a byte view (SOFTWARE, REALM, NONCE, ...). */
RG_MUST_CHECK int rg_stun_get_str(const struct rg_stun_msg *m, uint16_t type, struct rg_str *out);
/* USERNAME, at most RG_STUN_MAX_USERNAME bytes. */
RG_MUST_CHECK int rg_stun_get_username(const struct rg_stun_msg *m, struct rg_str *out);
/* 32-bit value (PRIORITY, LIFETIME): exactly 4 bytes. */
RG_MUST_CHECK int rg_stun_get_u32(const struct rg_stun_msg *m, uint16_t type, uint32_t *out);
/* 64-bit value (ICE-CONTROLLING/-CONTROLLED tie-breaker): exactly 8 bytes. */
RG_MUST_CHECK int rg_stun_get_u64(const struct rg_stun_msg *m, uint16_t type, uint64_t *out);
/* XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS (§14.2). */
RG_MUST_CHECK int rg_stun_get_xor_addr(const struct rg_stun_msg *m, uint16_t type,
                                       struct rg_addr *out);
/* MAPPED-ADDRESS, ALTERNATE-SERVER (§14.1). */
RG_MUST_CHECK int rg_stun_get_addr(const struct rg_stun_msg *m, uint16_t type, struct rg_addr *out);
/* ERROR-CODE (§14.8): code 300..699, reason borrowed. */
RG_MUST_CHECK int rg_stun_get_error(const struct rg_stun_msg *m, int *code, struct rg_str *reason);
/* UNKNOWN-ATTRIBUTES (§14.9): writes up to max types and *n. */
RG_MUST_CHECK int rg_stun_get_unknown(const struct rg_stun_msg *m, uint16_t *out, size_t max,
                                      size_t *n);

/* RFC 8489 §6.3.1/§7.3.1: comprehension-required attributes (< 0x8000) in
 * m that are not in known[0..n_known).  Writes up to max of them (first
 * occurrence of each type) to out and returns how many there are; a
 * request with any must get a 420 listing them.  known may be
 * rg_stun_known_ice (the set rtcgate's ICE agent understands). */
size_t rg_stun_unknown_required(const struct rg_stun_msg *m, const uint16_t *known, size_t n_known,
                                uint16_t *out, size_t max);
extern const uint16_t rg_stun_known_ice[];
extern const size_t rg_stun_known_ice_count;

/* ---- Integrity and fingerprint ----------------------------------------- */

struct evp_md_ctx_st;

/* A credential's HMAC state (RFC 2104): digest contexts that have absorbed
 * key XOR ipad (in) and key XOR opad (out) for SHA-1 [0] and SHA-256 [1],
 * and a scratch context.  Owns them: release with rg_stun_key_deinit.
 * Treat the fields as private. */
struct rg_stun_key {
    struct evp_md_ctx_st *in[2], *out[2], *work;
};

/* key: short-term credential = the password bytes (RFC 8489 §9.1.1, ICE
 * pwd); long-term = the 16-byte output of rg_stun_long_term_key or its
 * SHA-256 form (§9.2.2).  Copies the key.  RG_ECRYPTO on OpenSSL failure,
 * RG_EINVAL on key_len 0 or > 256. */
RG_MUST_CHECK int rg_stun_key_init(struct rg_stun_key *k, const void *key, size_t key_len);
void rg_stun_key_deinit(struct rg_stun_key *k);

/* RFC 8489 §9.2.2 (MD5 algorithm): MD5(username ":" realm ":" password),
 * inputs already processed with OpaqueString / SASLprep by the caller. */
RG_MUST_CHECK int rg_stun_long_term_key(struct rg_str username, struct rg_str realm,
                                        struct rg_str password, uint8_t out[16]);
/* RFC 8489 §9.2.2 (SHA-256 algorithm, PASSWORD-ALGORITHM 0x0002):
 * SHA-256(username ":" realm ":" password). */
RG_MUST_CHECK int rg_stun_long_term_key_sha256(struct rg_str username, struct rg_str realm,
                                               struct rg_str password, uint8_t out[32]);

/* RFC 8489 §14.5 / §14.6.  Returns RG_OK when the attribute is present and
 * matches, RG_ENOTFOUND when absent, RG_EAUTH on mismatch, RG_ECRYPTO when
 * OpenSSL fails.  k is mutated (re-initialised context) but keeps its key. */
RG_MUST_CHECK int rg_stun_check_integrity(const struct rg_stun_msg *m, struct rg_stun_key *k);
RG_MUST_CHECK int rg_stun_check_integrity_sha256(const struct rg_stun_msg *m,
                                                 struct rg_stun_key *k);
/* RFC 8489 §14.7: RG_OK, RG_ENOTFOUND or RG_EAUTH. */
RG_MUST_CHECK int rg_stun_check_fingerprint(const struct rg_stun_msg *m);

/* CRC-32 (ISO 3309 / ITU-T V.42, as zlib) of data, continuing from crc
 * (start with 0). */
uint32_t rg_stun_crc32(uint32_t crc, const uint8_t *data, size_t len);

/* ---- Building ---------------------------------------------------------- */

struct rg_stun_builder {
    uint8_t *buf; /* borrowed from the caller */
    size_t cap;
    size_t len;
    int err; /* first error, sticky */
    bool has_mi, has_mi256, has_fp;
};

/* Fresh random transaction ID (RFC 8489 §6: uniformly random). */
void rg_stun_txid_new(const struct rg_rng *rng, uint8_t txid[RG_STUN_TXID_LEN]);

/* Starts a message in buf[0..cap) (cap is clamped to 65535 + 20).  buf is
 * borrowed and must outlive the builder.  method must fit 12 bits. */
void rg_stun_build_init(struct rg_stun_builder *b, uint8_t *buf, size_t cap, uint16_t method,
                        enum rg_stun_class cls, const uint8_t txid[RG_STUN_TXID_LEN]);
/* Starts a response of class cls to request req (same method and txid). */
void rg_stun_build_response(struct rg_stun_builder *b, uint8_t *buf, size_t cap,
                            const struct rg_stun_msg *req, enum rg_stun_class cls);

/* Appends an attribute, padded with zero bytes.  Fails (sticky) with
 * RG_ELIMIT when the buffer is full, RG_ESTATE after FINGERPRINT or an
 * integrity attribute (only those may follow), RG_EINVAL for len > 65535. */
void rg_stun_add(struct rg_stun_builder *b, uint16_t type, const void *value, size_t len);
/* Same with an explicit padding byte (RFC 5769 vectors pad with 0x20). */
void rg_stun_add_padded(struct rg_stun_builder *b, uint16_t type, const void *value, size_t len,
                        uint8_t pad);
void rg_stun_add_str(struct rg_stun_builder *b, uint16_t type, struct rg_str s);
void rg_stun_add_u32(struct rg_stun_builder *b, uint16_t type, uint32_t v);
void rg_stun_add_u64(struct rg_stun_builder *b, uint16_t type, uint64_t v);
void rg_stun_add_flag(struct rg_stun_builder *b, uint16_t type); /* USE-CANDIDATE */
void rg_stun_add_xor_addr(struct rg_stun_builder *b, uint16_t type, const struct rg_addr *a);
void rg_stun_add_addr(struct rg_stun_builder *b, uint16_t type, const struct rg_addr *a);
/* ERROR-CODE: code 300..699, reason at most RG_STUN_MAX_REASON bytes. */
void rg_stun_add_error(struct rg_stun_builder *b, int code, struct rg_str reason);
void rg_stun_add_unknown(struct rg_stun_builder *b, const uint16_t *types, size_t n);
/* MESSAGE-INTEGRITY (HMAC-SHA1) over everything so far. */
void rg_stun_add_integrity(struct rg_stun_builder *b, struct rg_stun_key *k);
/* MESSAGE-INTEGRITY-SHA256, full 32 bytes. */
void rg_stun_add_integrity_sha256(struct rg_stun_builder *b, struct rg_stun_key *k);
/* FINGERPRINT; nothing may follow. */
void rg_stun_add_fingerprint(struct rg_stun_builder *b);
/* RFC 8489 §6.3.1.1: if request req carries comprehension-required
 * attributes outside known[0..n_known), writes into buf a 420 (Unknown
 * Attribute) error response listing them (up to 32), with
 * MESSAGE-INTEGRITY when k is not NULL and FINGERPRINT when fingerprint,
 * and returns its length; returns 0 when there are none (buf untouched),
 * or a negative error from the builder. */
RG_MUST_CHECK int rg_stun_build_420(const struct rg_stun_msg *req, const uint16_t *known,
                                    size_t n_known, struct rg_stun_key *k, bool fingerprint,
                                    uint8_t *buf, size_t cap);
/* Returns the message length (> 0) or the first error.  buf[0..len) is the
 * complete message; on error its content is unspecified. */
RG_MUST_CHECK int rg_stun_build_finish(struct rg_stun_builder *b);

#endif
