/*
 * fuzz_dtls.c — arbitrary datagrams into a DTLS-SRTP association.
 * Input: byte 0 selects options (bit 0: cookie exchange, bit 1: a known
 * remote fingerprint, bit 2: DTLS 1.0 allowed, bit 3: client role, i.e.
 * the datagrams play a server), then datagrams as
 * [len_hi len_lo bytes...].  OpenSSL does the record parsing; we check
 * our side: every datagram we emit is at most the MTU (or one record),
 * events are consistent with the state, nothing is CONNECTED without a
 * fingerprint match (a random peer cannot match), and the handshake timer
 * always ends an unfinished handshake.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/rng.h"
#include "proto/dtls/dtls_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MTU 600

static struct rg_dtls_cert *cert;
static struct rg_dtls_ctx *ctxs[8];

static struct rg_dtls_ctx *get_ctx(unsigned opts)
{
    if (!cert) {
        struct rg_rng_seeded st;
        struct rg_rng rng;
        rg_rng_seeded_init(&st, 1, &rng);
        if (rg_dtls_cert_generate(&rng, "fuzz", 1790000000, 30, &cert) != RG_OK)
            abort();
    }
    if (!ctxs[opts]) {
        static const uint8_t secret[RG_DTLS_COOKIE_SECRET_LEN] = { 9 };
        struct rg_dtls_profile p;
        memset(&p, 0, sizeof(p));
        p.v1_2 = true;
        p.v1_0 = (opts & 4) != 0;
        p.cookie_exchange = (opts & 1) != 0;
        p.srtp[0] = RG_SRTP_AEAD_AES_128_GCM;
        p.srtp[1] = RG_SRTP_AES128_CM_SHA1_80;
        p.n_srtp = 2;
        p.mtu = MTU;
        if (rg_dtls_ctx_new(&p, cert, secret, NULL, &ctxs[opts]) != RG_OK)
            abort();
    }
    return ctxs[opts];
}

static void drain(struct rg_dtls_conn *c)
{
    uint8_t out[RG_DTLS_MAX_MTU];
    size_t n;
    while (rg_dtls_conn_poll_transmit(c, out, sizeof(out), &n) == RG_OK) {
        size_t rec = n >= 13 ? 13 + ((size_t)out[11] << 8 | out[12]) : n;
        if (n == 0 || (n > MTU && rec != n))
            abort();
    }
    struct rg_dtls_event ev;
    while (rg_dtls_conn_poll_event(c, &ev) == RG_OK) {
        if (ev.type == RG_DTLS_EV_CONNECTED)
            abort(); /* the fuzzer cannot hold the fingerprinted key */
        if (ev.type == RG_DTLS_EV_FAILED &&
            (rg_dtls_conn_state(c) != RG_DTLS_ST_FAILED || ev.reason[0] == '\0'))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned opts = data[0] & 7;
    struct rg_dtls_conn_cfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.role = data[0] & 8 ? RG_DTLS_CLIENT : RG_DTLS_SERVER;
    if (opts & 2) {
        cfg.remote_fp[0].hash = RG_DTLS_HASH_SHA256;
        cfg.remote_fp[0].len = 32;
        cfg.n_remote_fp = 1;
    }
    struct rg_dtls_conn *c = NULL;
    if (rg_dtls_conn_new(get_ctx(opts), &cfg, 0, &c) != RG_OK)
        abort();
    size_t off = 1;
    int64_t now = 0;
    /* a server's handshake timer starts with its first datagram */
    bool fed = cfg.role == RG_DTLS_CLIENT;
    drain(c);
    while (off + 2 <= size) {
        size_t len = (size_t)data[off] << 8 | data[off + 1];
        off += 2;
        if (len > size - off)
            len = size - off;
        int rc = rg_dtls_conn_handle_input(c, now, data + off, len);
        fed |= len > 0;
        if (rc != RG_OK && rc != RG_ESTATE)
            abort();
        off += len;
        now += 1000;
        drain(c);
    }
    /* The handshake timer (default 5 s) must end whatever is left. */
    if (rg_dtls_conn_handle_timeout(c, now + 6000000) != RG_OK)
        abort();
    enum rg_dtls_state st = rg_dtls_conn_state(c);
    if (fed && (st == RG_DTLS_ST_HANDSHAKING || st == RG_DTLS_ST_AWAIT_FP ||
                st == RG_DTLS_ST_CONNECTED))
        abort();
    drain(c);
    rg_dtls_conn_free(c);
    return 0;
}
