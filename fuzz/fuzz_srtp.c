/*
 * fuzz_srtp.c — SRTP/SRTCP unprotect (src/proto/srtp/srtp_ctx.c) fed
 * arbitrary, replayed and tampered packets, differentially against libsrtp2
 * (srtp_lib.h, the test oracle).
 *
 * Input: byte 0 picks the profile and whether an MKI is used; then records
 * of [op][len][len bytes].  op % 5: 0 RTP plaintext protected by both
 * senders and delivered; 1 the bytes delivered as SRTP as they are; 2 the
 * last protected packet with one bit flipped; 3 RTCP plaintext protected and
 * delivered; 4 the last protected packet delivered again (replay).
 * Invariants (abort): both senders agree on verdict and bytes; both
 * receivers agree on success or failure and on the plaintext; a success
 * returns the original plaintext; lengths never grow on unprotect; the
 * statistics count every call.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/srtp/srtp_ctx.h"
#include "proto/srtp/srtp_lib.h"

#define CAP (300 + RG_SRTP_MAX_TRAILER)

struct fz {
    struct rg_srtp *tx, *rx;
    struct rg_srtp_lib *ltx, *lrx;
    uint8_t last[CAP];
    size_t last_len;
    bool last_rtcp;
    uint64_t calls;
};

static void deliver(struct fz *f, const uint8_t *pkt, size_t len, bool rtcp, const uint8_t *plain,
                    size_t plen)
{
    uint8_t a[CAP], b[CAP];
    size_t al = 0, bl = 0;
    memcpy(a, pkt, len);
    memcpy(b, pkt, len);
    int ra = rtcp ? rg_srtp_unprotect_rtcp(f->rx, a, len, &al)
                  : rg_srtp_unprotect_rtp(f->rx, a, len, &al);
    int rb = rtcp ? rg_srtp_lib_unprotect_rtcp(f->lrx, b, len, &bl)
                  : rg_srtp_lib_unprotect_rtp(f->lrx, b, len, &bl);
    f->calls++;
    if ((ra == RG_OK) != (rb == RG_OK))
        abort();
    if (ra != RG_OK)
        return;
    if (al > len || al != bl || memcmp(a, b, al) != 0)
        abort();
    if (plain && (al != plen || memcmp(a, plain, plen) != 0))
        abort();
}

static void protect(struct fz *f, const uint8_t *body, size_t n, bool rtcp)
{
    uint8_t plain[CAP], a[CAP], b[CAP];
    size_t min = rtcp ? 8 : 12, pl = n < min ? min : n, al = 0, bl = 0;
    if (pl > 300)
        pl = 300;
    memset(plain, 0, sizeof(plain));
    memcpy(plain, body, n < pl ? n : pl);
    plain[0] = (uint8_t)(0x80 | (plain[0] & 0x3f));
    memcpy(a, plain, pl);
    memcpy(b, plain, pl);
    int ra = rtcp ? rg_srtp_protect_rtcp(f->tx, a, pl, sizeof(a), &al)
                  : rg_srtp_protect_rtp(f->tx, a, pl, sizeof(a), &al);
    int rb = rtcp ? rg_srtp_lib_protect_rtcp(f->ltx, b, pl, sizeof(b), &bl)
                  : rg_srtp_lib_protect_rtp(f->ltx, b, pl, sizeof(b), &bl);
    /* A header that does not fit: we refuse (EINVAL), libsrtp may too. */
    if (ra == RG_EINVAL)
        return;
    if ((ra == RG_OK) != (rb == RG_OK))
        { fprintf(stderr, "protect ours %d lib %d rtcp %d len %zu hdr %02x %02x %02x %02x\n", ra, rb, rtcp, pl, plain[0], plain[1], plain[2], plain[3]); abort(); }
    if (ra != RG_OK)
        return;
    if (al != bl || memcmp(a, b, al) != 0 || al > pl + RG_SRTP_MAX_TRAILER)
        abort();
    memcpy(f->last, a, al);
    f->last_len = al;
    f->last_rtcp = rtcp;
    deliver(f, a, al, rtcp, plain, pl);
}

static bool setup(struct fz *f, uint8_t sel)
{
    static const enum rg_srtp_profile ps[] = { RG_SRTP_AES128_CM_SHA1_80,
                                               RG_SRTP_AES128_CM_SHA1_32,
                                               RG_SRTP_AEAD_AES_128_GCM,
                                               RG_SRTP_AEAD_AES_256_GCM };
    struct rg_srtp_key k;
    memset(&k, 0, sizeof(k));
    k.profile = ps[sel % 4];
    k.key_len = (uint8_t)rg_srtp_profile_key_len(k.profile);
    k.salt_len = (uint8_t)rg_srtp_profile_salt_len(k.profile);
    for (int i = 0; i < k.key_len; i++)
        k.key[i] = (uint8_t)(i * 11 + sel);
    for (int i = 0; i < k.salt_len; i++)
        k.salt[i] = (uint8_t)(i * 5 + 1);
    if ((sel & 4) && k.profile != RG_SRTP_AES128_CM_SHA1_32) {
        k.mki_len = (uint8_t)(1 + (sel >> 3) % 4);
        memset(k.mki, 0xa5, k.mki_len);
    }
    struct rg_srtp_cfg o = { .key = k, .dir = RG_SRTP_OUTBOUND };
    struct rg_srtp_cfg i = { .key = k, .dir = RG_SRTP_INBOUND };
    return rg_srtp_new(&o, &f->tx) == RG_OK && rg_srtp_new(&i, &f->rx) == RG_OK &&
           rg_srtp_lib_new(&o, &f->ltx) == RG_OK && rg_srtp_lib_new(&i, &f->lrx) == RG_OK;
}

static void teardown(struct fz *f)
{
    struct rg_srtp_stats st;
    rg_srtp_get_stats(f->rx, &st);
    if (st.ok + st.auth_fail + st.replay_fail + st.other_fail != f->calls)
        abort();
    rg_srtp_free(f->tx);
    rg_srtp_free(f->rx);
    rg_srtp_lib_free(f->ltx);
    rg_srtp_lib_free(f->lrx);
}

static void op(struct fz *f, uint8_t code, const uint8_t *body, size_t n)
{
    switch (code % 5) {
    case 0:
        protect(f, body, n, false);
        break;
    case 1:
        deliver(f, body, n, (code & 0x80) != 0, NULL, 0);
        break;
    case 2:
        if (f->last_len > 0 && n > 0) {
            uint8_t t[CAP];
            memcpy(t, f->last, f->last_len);
            t[body[0] % f->last_len] ^= (uint8_t)(1u << (code >> 5));
            deliver(f, t, f->last_len, f->last_rtcp, NULL, 0);
        }
        break;
    case 3:
        protect(f, body, n, true);
        break;
    default:
        if (f->last_len > 0)
            deliver(f, f->last, f->last_len, f->last_rtcp, NULL, 0);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool inited;
    if (!inited) {
        if (rg_srtp_lib_global_init() != RG_OK)
            abort();
        inited = true;
    }
    if (size < 1)
        return 0;
    struct fz f;
    memset(&f, 0, sizeof(f));
    if (!setup(&f, data[0]))
        abort();
    size_t pos = 1;
    for (unsigned ops = 0; pos + 2 <= size && ops < 64; ops++) {
        uint8_t code = data[pos];
        size_t n = data[pos + 1];
        pos += 2;
        if (n > size - pos)
            n = size - pos;
        op(&f, code, data + pos, n);
        pos += n;
    }
    teardown(&f);
    return 0;
}
