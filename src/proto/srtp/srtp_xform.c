/*
 * srtp_xform.c — SRTP/SRTCP packet transforms on OpenSSL contexts keyed
 * once per key set (see srtp_xform.h for why).
 *
 * HMAC-SHA1 uses OpenSSL's low-level SHA1 functions: the state after the
 * padded key is a plain struct that is copied per packet (no allocation),
 * whereas copying an EVP_MD_CTX or EVP_MAC_CTX in OpenSSL 3.0 allocates a
 * provider context every time.  These functions are deprecated in 3.0 but
 * present and assembler-optimised (SHA-NI); only this file uses them.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "proto/srtp/srtp_xform.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

_Static_assert(sizeof(SHA_CTX) <= RG_SRTP_SHA1_STATE, "SHA_CTX room");

#define GCM_IV_LEN 12
#define GCM_TAG_LEN 16
#define CM_SALT_LEN 14

static const EVP_CIPHER *ctr_cipher(size_t key_len)
{
    return key_len == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr();
}

/* RFC 3711 §4.3.1/§4.3.3: x = (label || r) XOR master salt, r = 0 (kdr 0),
 * keystream AES-CM(master key, x * 2^16), first n bytes. */
static int prf(const struct rg_srtp_key *k, uint8_t label, uint8_t *out, size_t n)
{
    uint8_t iv[16] = { 0 }, zeros[RG_SRTP_MAX_KEY_LEN] = { 0 };
    memcpy(iv, k->salt, k->salt_len); /* 12-byte GCM salt: zero padded */
    iv[7] ^= label;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int ol = 0, ok = c && EVP_EncryptInit_ex(c, ctr_cipher(k->key_len), NULL, k->key, iv) &&
                     EVP_EncryptUpdate(c, out, &ol, zeros, (int)n) && ol == (int)n;
    EVP_CIPHER_CTX_free(c);
    OPENSSL_cleanse(iv, sizeof(iv));
    return ok ? RG_OK : RG_ECRYPTO;
}

int rg_srtp_xform_derive(const struct rg_srtp_key *k, bool rtcp, struct rg_srtp_session_keys *out)
{
    size_t kl = rg_srtp_profile_key_len(k->profile), sl = rg_srtp_profile_salt_len(k->profile);
    if (kl == 0 || k->key_len != kl || k->salt_len != sl)
        return RG_EINVAL;
    struct rg_srtp_session_keys sk;
    memset(&sk, 0, sizeof(sk));
    uint8_t base = rtcp ? 3 : 0;
    bool gcm = sl != CM_SALT_LEN;
    int rc = prf(k, base, sk.enc, kl);
    if (rc == RG_OK && !gcm)
        rc = prf(k, (uint8_t)(base + 1), sk.auth, RG_SRTP_HMAC_KEY_LEN);
    if (rc == RG_OK)
        rc = prf(k, (uint8_t)(base + 2), sk.salt, sl);
    if (rc == RG_OK)
        *out = sk;
    OPENSSL_cleanse(&sk, sizeof(sk));
    return rc;
}

/* RFC 2104: states after H(K ^ ipad) and H(K ^ opad); K is 20 bytes. */
static void hmac_key(struct rg_srtp_xform *x, const uint8_t key[RG_SRTP_HMAC_KEY_LEN])
{
    uint8_t pad[64];
    SHA_CTX *in = (SHA_CTX *)(void *)x->hmac_in, *out = (SHA_CTX *)(void *)x->hmac_out;
    memset(pad, 0x36, sizeof(pad));
    for (size_t i = 0; i < RG_SRTP_HMAC_KEY_LEN; i++)
        pad[i] ^= key[i];
    SHA1_Init(in);
    SHA1_Update(in, pad, sizeof(pad));
    memset(pad, 0x5c, sizeof(pad));
    for (size_t i = 0; i < RG_SRTP_HMAC_KEY_LEN; i++)
        pad[i] ^= key[i];
    SHA1_Init(out);
    SHA1_Update(out, pad, sizeof(pad));
    OPENSSL_cleanse(pad, sizeof(pad));
}

/* HMAC-SHA1(a || b) into out (20 bytes). */
static void hmac(const struct rg_srtp_xform *x, const uint8_t *a, size_t alen, const uint8_t *b,
                 size_t blen, uint8_t out[SHA_DIGEST_LENGTH])
{
    SHA_CTX c;
    memcpy(&c, x->hmac_in, sizeof(c));
    SHA1_Update(&c, a, alen);
    if (blen)
        SHA1_Update(&c, b, blen);
    uint8_t inner[SHA_DIGEST_LENGTH];
    SHA1_Final(inner, &c);
    memcpy(&c, x->hmac_out, sizeof(c));
    SHA1_Update(&c, inner, sizeof(inner));
    SHA1_Final(out, &c);
}

int rg_srtp_xform_init(struct rg_srtp_xform *x, enum rg_srtp_profile p, bool rtcp, bool encrypt,
                       const struct rg_srtp_session_keys *sk)
{
    size_t kl = rg_srtp_profile_key_len(p), sl = rg_srtp_profile_salt_len(p);
    if (kl == 0)
        return RG_EINVAL;
    memset(x, 0, sizeof(*x));
    x->gcm = sl != CM_SALT_LEN;
    x->encrypt = encrypt;
    x->tag_len = (uint8_t)(rtcp ? rg_srtp_profile_rtcp_tag_len(p) : rg_srtp_profile_rtp_tag_len(p));
    x->salt_len = (uint8_t)sl;
    memcpy(x->salt, sk->salt, sl);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c)
        return RG_ENOMEM;
    const EVP_CIPHER *ci = x->gcm ? (kl == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm())
                                  : ctr_cipher(kl);
    /* Keyed once here; per packet only the IV changes. */
    if (!EVP_CipherInit_ex(c, ci, NULL, sk->enc, NULL, encrypt || !x->gcm ? 1 : 0)) {
        EVP_CIPHER_CTX_free(c);
        return RG_ECRYPTO;
    }
    x->cipher = c;
    if (!x->gcm)
        hmac_key(x, sk->auth);
    return RG_OK;
}

void rg_srtp_xform_clear(struct rg_srtp_xform *x)
{
    EVP_CIPHER_CTX_free(x->cipher);
    OPENSSL_cleanse(x, sizeof(*x));
}

int rg_srtp_rtp_header_len(const uint8_t *pkt, size_t len)
{
    if (len < 12)
        return RG_EBADMSG;
    size_t h = 12 + 4u * (pkt[0] & 0x0f);
    if ((pkt[0] & 0x10) != 0) { /* RFC 3550 §5.3.1 extension */
        if (len < h + 4)
            return RG_EBADMSG;
        h += 4 + 4u * (((size_t)pkt[h + 2] << 8) | pkt[h + 3]);
    }
    return h <= len ? (int)h : RG_EBADMSG;
}

/* AES-CTR over buf[0..n) with the 16-byte counter block iv. */
static int ctr(struct rg_srtp_xform *x, const uint8_t iv[16], uint8_t *buf, size_t n)
{
    int ol = 0;
    if (!EVP_EncryptInit_ex(x->cipher, NULL, NULL, NULL, iv))
        return RG_ECRYPTO;
    if (n > 0 && (!EVP_EncryptUpdate(x->cipher, buf, &ol, buf, (int)n) || ol != (int)n))
        return RG_ECRYPTO;
    return RG_OK;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), i the
 * 48-bit index (SRTP: ROC || SEQ; SRTCP: the 31-bit index). */
static void cm_iv(const struct rg_srtp_xform *x, const uint8_t ssrc[4], uint64_t i, uint8_t iv[16])
{
    memset(iv, 0, 16);
    memcpy(iv, x->salt, CM_SALT_LEN);
    for (int k = 0; k < 4; k++)
        iv[4 + k] ^= ssrc[k];
    for (int k = 0; k < 6; k++)
        iv[8 + k] ^= (uint8_t)(i >> (40 - 8 * k));
}

/* RFC 7714 §8.1 (SRTP: 00 00 || SSRC || ROC || SEQ) and §9.1 (SRTCP:
 * 00 00 || SSRC || 00 00 || 0 || index), XORed with the session salt. */
static void gcm_iv(const struct rg_srtp_xform *x, const uint8_t ssrc[4], uint32_t hi, uint32_t lo,
                   uint8_t iv[GCM_IV_LEN])
{
    memset(iv, 0, GCM_IV_LEN);
    memcpy(iv + 2, ssrc, 4);
    iv[6] = (uint8_t)(hi >> 8);
    iv[7] = (uint8_t)hi;
    put32(iv + 8, lo);
    for (int k = 0; k < GCM_IV_LEN; k++)
        iv[k] ^= x->salt[k];
}

/* AES-GCM seal/open of buf[0..n) with AAD aad[0..alen) (+ aad2, 4 bytes,
 * when not NULL).  Seal writes the tag, open checks it. */
static int gcm(struct rg_srtp_xform *x, const uint8_t iv[GCM_IV_LEN], const uint8_t *aad,
               size_t alen, const uint8_t *aad2, uint8_t *buf, size_t n, uint8_t *tag)
{
    EVP_CIPHER_CTX *c = x->cipher;
    int ol = 0;
    if (!EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, -1) ||
        !EVP_CipherUpdate(c, NULL, &ol, aad, (int)alen) ||
        (aad2 && !EVP_CipherUpdate(c, NULL, &ol, aad2, 4)))
        return RG_ECRYPTO;
    if (n > 0 && (!EVP_CipherUpdate(c, buf, &ol, buf, (int)n) || ol != (int)n))
        return RG_ECRYPTO;
    if (!x->encrypt && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, GCM_TAG_LEN, tag))
        return RG_ECRYPTO;
    uint8_t fin[16];
    if (!EVP_CipherFinal_ex(c, fin, &ol))
        return x->encrypt ? RG_ECRYPTO : RG_EAUTH;
    if (x->encrypt && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, GCM_TAG_LEN, tag))
        return RG_ECRYPTO;
    return RG_OK;
}

int rg_srtp_xform_rtp_seal(struct rg_srtp_xform *x, uint8_t *pkt, size_t hdr, size_t len,
                           uint32_t roc, const uint8_t *mki, size_t mki_len)
{
    uint16_t seq = (uint16_t)((pkt[2] << 8) | pkt[3]);
    int rc;
    if (x->gcm) {
        uint8_t iv[GCM_IV_LEN];
        gcm_iv(x, pkt + 8, roc >> 16, (roc << 16) | seq, iv);
        rc = gcm(x, iv, pkt, hdr, NULL, pkt + hdr, len - hdr, pkt + len);
        if (rc != RG_OK)
            return rc;
        if (mki_len)
            memcpy(pkt + len + GCM_TAG_LEN, mki, mki_len);
        return (int)(len + GCM_TAG_LEN + mki_len);
    }
    uint8_t iv[16], rocb[4], mac[SHA_DIGEST_LENGTH];
    cm_iv(x, pkt + 8, ((uint64_t)roc << 16) | seq, iv);
    rc = ctr(x, iv, pkt + hdr, len - hdr);
    if (rc != RG_OK)
        return rc;
    /* RFC 3711 §4.2: M = authenticated portion || ROC; MKI is not covered. */
    put32(rocb, roc);
    hmac(x, pkt, len, rocb, 4, mac);
    if (mki_len)
        memcpy(pkt + len, mki, mki_len);
    memcpy(pkt + len + mki_len, mac, x->tag_len);
    return (int)(len + mki_len + x->tag_len);
}

int rg_srtp_xform_rtp_open(struct rg_srtp_xform *x, uint8_t *pkt, size_t hdr, size_t plen,
                           const uint8_t *tag, uint32_t roc, bool check_only)
{
    uint16_t seq = (uint16_t)((pkt[2] << 8) | pkt[3]);
    if (x->gcm) {
        uint8_t iv[GCM_IV_LEN], tagc[GCM_TAG_LEN];
        memcpy(tagc, tag, GCM_TAG_LEN);
        gcm_iv(x, pkt + 8, roc >> 16, (roc << 16) | seq, iv);
        if (!check_only)
            return gcm(x, iv, pkt, hdr, NULL, pkt + hdr, plen - hdr, tagc);
        /* GCM authenticates while decrypting: work on a copy. */
        uint8_t copy[RG_SRTP_MAX_PACKET];
        if (plen > sizeof(copy))
            return RG_ELIMIT;
        memcpy(copy, pkt, plen);
        return gcm(x, iv, copy, hdr, NULL, copy + hdr, plen - hdr, tagc);
    }
    uint8_t rocb[4], mac[SHA_DIGEST_LENGTH], iv[16];
    put32(rocb, roc);
    hmac(x, pkt, plen, rocb, 4, mac);
    if (CRYPTO_memcmp(mac, tag, x->tag_len) != 0)
        return RG_EAUTH;
    if (check_only)
        return RG_OK;
    cm_iv(x, pkt + 8, ((uint64_t)roc << 16) | seq, iv);
    return ctr(x, iv, pkt + hdr, plen - hdr);
}

int rg_srtp_xform_rtcp_seal(struct rg_srtp_xform *x, uint8_t *pkt, size_t len, uint32_t index,
                            const uint8_t *mki, size_t mki_len)
{
    uint8_t eword[4];
    put32(eword, index | 0x80000000u); /* E = 1: we always encrypt */
    int rc;
    if (x->gcm) {
        uint8_t iv[GCM_IV_LEN];
        gcm_iv(x, pkt + 4, 0, index, iv);
        /* RFC 7714 §9.2: AAD = first 8 header bytes || E || SRTCP index. */
        rc = gcm(x, iv, pkt, 8, eword, pkt + 8, len - 8, pkt + len);
        if (rc != RG_OK)
            return rc;
        memcpy(pkt + len + GCM_TAG_LEN, eword, 4);
        if (mki_len)
            memcpy(pkt + len + GCM_TAG_LEN + 4, mki, mki_len);
        return (int)(len + GCM_TAG_LEN + 4 + mki_len);
    }
    uint8_t iv[16], mac[SHA_DIGEST_LENGTH];
    cm_iv(x, pkt + 4, index, iv);
    rc = ctr(x, iv, pkt + 8, len - 8);
    if (rc != RG_OK)
        return rc;
    /* RFC 3711 §3.4: the tag covers header, payload and E || index. */
    memcpy(pkt + len, eword, 4);
    hmac(x, pkt, len + 4, NULL, 0, mac);
    if (mki_len)
        memcpy(pkt + len + 4, mki, mki_len);
    memcpy(pkt + len + 4 + mki_len, mac, x->tag_len);
    return (int)(len + 4 + mki_len + x->tag_len);
}

int rg_srtp_xform_rtcp_open(struct rg_srtp_xform *x, uint8_t *pkt, size_t plen,
                            const uint8_t eword[4], const uint8_t *tag)
{
    bool e = (eword[0] & 0x80) != 0;
    uint32_t index = (((uint32_t)eword[0] & 0x7f) << 24) | ((uint32_t)eword[1] << 16) |
                     ((uint32_t)eword[2] << 8) | eword[3];
    if (x->gcm) {
        uint8_t iv[GCM_IV_LEN], tagc[GCM_TAG_LEN];
        memcpy(tagc, tag, GCM_TAG_LEN);
        gcm_iv(x, pkt + 4, 0, index, iv);
        if (e)
            return gcm(x, iv, pkt, 8, eword, pkt + 8, plen - 8, tagc);
        /* RFC 7714 §9.3: unencrypted SRTCP, the whole packet is AAD. */
        return gcm(x, iv, pkt, plen, eword, NULL, 0, tagc);
    }
    uint8_t mac[SHA_DIGEST_LENGTH], iv[16];
    hmac(x, pkt, plen, eword, 4, mac);
    if (CRYPTO_memcmp(mac, tag, x->tag_len) != 0)
        return RG_EAUTH;
    if (!e)
        return RG_OK;
    cm_iv(x, pkt + 4, index, iv);
    return ctr(x, iv, pkt + 8, plen - 8);
}
