/*
 * fuzz_stun.c — STUN parser, getters, integrity and fingerprint checks.
 * Invariants: a parsed message re-encodes (same method, class, txid and
 * attribute values, zero padding) into a message that parses to the same
 * index; frame_len agrees with the parser; getters stay within the datagram.
 */
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "proto/stun/stun.h"

static struct rg_stun_key key;
static int key_ready;

/* Getters answer RG_OK, RG_ENOTFOUND or RG_EBADMSG and nothing else. */
static void getter_rc(int rc)
{
    if (rc != RG_OK && rc != RG_ENOTFOUND && rc != RG_EBADMSG)
        abort();
}

static void check_rc(int rc)
{
    if (rc != RG_OK && rc != RG_ENOTFOUND && rc != RG_EAUTH)
        abort();
}

static void exercise_getters(const struct rg_stun_msg *m)
{
    struct rg_str s;
    struct rg_addr a;
    uint32_t u32;
    uint64_t u64;
    int code;
    uint16_t list[8];
    size_t n;
    if (rg_stun_get_username(m, &s) == RG_OK && s.len > RG_STUN_MAX_USERNAME)
        abort();
    if (rg_stun_get_error(m, &code, &s) == RG_OK && (code < 300 || code > 699))
        abort();
    if (rg_stun_get_unknown(m, list, 8, &n) == RG_OK && n > 8)
        abort();
    getter_rc(rg_stun_get_u32(m, RG_STUN_A_PRIORITY, &u32));
    getter_rc(rg_stun_get_u64(m, RG_STUN_A_ICE_CONTROLLING, &u64));
    if (rg_stun_get_xor_addr(m, RG_STUN_A_XOR_MAPPED_ADDRESS, &a) == RG_OK &&
        a.family != RG_AF_INET4 && a.family != RG_AF_INET6)
        abort();
    getter_rc(rg_stun_get_addr(m, RG_STUN_A_MAPPED_ADDRESS, &a));
    (void)rg_stun_unknown_required(m, rg_stun_known_ice, rg_stun_known_ice_count, list, 8);
    check_rc(rg_stun_check_fingerprint(m));
    if (key_ready) {
        check_rc(rg_stun_check_integrity(m, &key));
        check_rc(rg_stun_check_integrity_sha256(m, &key));
    }
}

/* The same attributes closed with MESSAGE-INTEGRITY and FINGERPRINT must
 * verify with the key and fail with another one. */
static void signed_round_trip(const struct rg_stun_msg *m)
{
    static uint8_t out[RG_STUN_HEADER_LEN + 65535];
    if (!key_ready || m->mi_off || m->mi256_off || m->fp_off || m->n_attrs + 3 > RG_STUN_MAX_ATTRS)
        return;
    struct rg_stun_builder b;
    rg_stun_build_init(&b, out, sizeof(out), m->method, (enum rg_stun_class)m->cls, m->txid);
    for (unsigned i = 0; i < m->n_attrs; i++)
        rg_stun_add(&b, m->attrs[i].type, m->attrs[i].value, m->attrs[i].len);
    rg_stun_add_integrity(&b, &key);
    rg_stun_add_integrity_sha256(&b, &key);
    rg_stun_add_fingerprint(&b);
    int n = rg_stun_build_finish(&b);
    if (n == RG_ELIMIT)
        return; /* no room for the 68 extra bytes */
    struct rg_stun_msg r;
    if (n < 0 || rg_stun_parse(out, (size_t)n, &r) != RG_OK ||
        rg_stun_check_integrity(&r, &key) != RG_OK ||
        rg_stun_check_integrity_sha256(&r, &key) != RG_OK ||
        rg_stun_check_fingerprint(&r) != RG_OK || r.n_attrs != m->n_attrs + 3)
        abort();
    out[n - 9] ^= 1; /* last byte of MI-SHA256 */
    if (rg_stun_check_integrity_sha256(&r, &key) != RG_EAUTH ||
        rg_stun_check_fingerprint(&r) != RG_EAUTH || rg_stun_check_integrity(&r, &key) != RG_OK)
        abort();
}

static void round_trip(const struct rg_stun_msg *m)
{
    static uint8_t out[RG_STUN_HEADER_LEN + 65535];
    struct rg_stun_builder b;
    rg_stun_build_init(&b, out, sizeof(out), m->method, (enum rg_stun_class)m->cls, m->txid);
    for (unsigned i = 0; i < m->n_attrs; i++)
        rg_stun_add(&b, m->attrs[i].type, m->attrs[i].value, m->attrs[i].len);
    int n = rg_stun_build_finish(&b);
    if (n < 0)
        abort(); /* it fit before, so it fits again */
    struct rg_stun_msg r;
    if (rg_stun_parse(out, (size_t)n, &r) != RG_OK || r.n_attrs != m->n_attrs ||
        r.method != m->method || r.cls != m->cls || memcmp(r.txid, m->txid, 12) != 0)
        abort();
    for (unsigned i = 0; i < m->n_attrs; i++) {
        if (r.attrs[i].type != m->attrs[i].type || r.attrs[i].len != m->attrs[i].len ||
            memcmp(r.attrs[i].value, m->attrs[i].value, m->attrs[i].len) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!key_ready)
        key_ready = rg_stun_key_init(&key, "VOkJxbRl1RmTxUk/WvJxBt", 22) == RG_OK;
    int fl = rg_stun_frame_len(data, size);
    struct rg_stun_msg m;
    int rc = rg_stun_parse(data, size, &m);
    if (rc == RG_OK) {
        if (fl != (int)size || !rg_stun_is_message(data, size) || m.len != size)
            abort();
        for (unsigned i = 0; i < m.n_attrs; i++) {
            const uint8_t *v = m.attrs[i].value;
            if (v < data + RG_STUN_HEADER_LEN || v + m.attrs[i].len > data + size)
                abort();
        }
        exercise_getters(&m);
        round_trip(&m);
        signed_round_trip(&m);
    } else if (rc != RG_EBADMSG && rc != RG_ELIMIT) {
        abort();
    }
    return 0;
}
