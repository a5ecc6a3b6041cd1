/*
 * stun_auth.c — MESSAGE-INTEGRITY (HMAC-SHA1), MESSAGE-INTEGRITY-SHA256,
 * FINGERPRINT (CRC-32) and long-term keys: RFC 8489 §9.2.2, §14.5-§14.7.
 * HMAC (RFC 2104) is built on OpenSSL 3 EVP digests; a struct rg_stun_key
 * keeps the inner and outer pad states so a message costs two context
 * copies and the hashing (measured ~20% cheaper than re-initialising an
 * EVP_MAC_CTX).
 * context per hash so checking a message re-initialises instead of
 * re-deriving the key pads.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "proto/stun/stun.h"
#include "proto/stun/stun_internal.h"

/* CRC-32 table for the reflected polynomial 0xEDB88320 (ITU-T V.42). */
static const uint32_t crc_table[256] = {
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu, 0xe963a535u,
    0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u, 0x09b64c2bu, 0x7eb17cbdu,
    0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u, 0xf3b97148u, 0x84be41deu, 0x1adad47du,
    0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u, 0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu,
    0x14015c4fu, 0x63066cd9u, 0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u,
    0xa2677172u, 0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
    0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u, 0x26d930acu,
    0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u, 0xcfba9599u, 0xb8bda50fu,
    0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u, 0x2f6f7c87u, 0x58684c11u, 0xc1611dabu,
    0xb6662d3du, 0x76dc4190u, 0x01db7106u, 0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu,
    0x9fbfe4a5u, 0xe8b8d433u, 0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu,
    0x086d3d2du, 0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
    0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u, 0x8bbeb8eau,
    0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u, 0x4db26158u, 0x3ab551ceu,
    0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u, 0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au,
    0x346ed9fcu, 0xad678846u, 0xda60b8d0u, 0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u,
    0x5005713cu, 0x270241aau, 0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u,
    0xce61e49fu, 0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
    0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au, 0xead54739u,
    0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u, 0x0d6d6a3eu, 0x7a6a5aa8u,
    0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u, 0xf00f9344u, 0x8708a3d2u, 0x1e01f268u,
    0x6906c2feu, 0xf762575du, 0x806567cbu, 0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u,
    0x10da7a5au, 0x67dd4accu, 0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u,
    0xa1d1937eu, 0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
    0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u, 0x316e8eefu,
    0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u, 0xcc0c7795u, 0xbb0b4703u,
    0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u, 0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u,
    0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du, 0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au,
    0x9c0906a9u, 0xeb0e363fu, 0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu,
    0x0cb61b38u, 0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
    0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u, 0x88085ae6u,
    0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u, 0x616bffd3u, 0x166ccf45u,
    0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u, 0xa7672661u, 0xd06016f7u, 0x4969474du,
    0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu, 0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u,
    0x47b2cf7fu, 0x30b5ffe9u, 0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u,
    0xcdd70693u, 0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
    0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

uint32_t rg_stun_crc32(uint32_t crc, const uint8_t *data, size_t len)
{
    crc = ~crc;
    for (size_t i = 0; i < len; i++)
        crc = crc_table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

/* RFC 2104: a key longer than the block is hashed first; the inner and
 * outer contexts absorb key XOR ipad / opad once, here. */
static int hmac_pads(struct rg_stun_key *k, unsigned alg, const EVP_MD *md, const uint8_t *key,
                     size_t key_len)
{
    uint8_t kb[RG_STUN_HMAC_BLOCK] = {0}, pad[RG_STUN_HMAC_BLOCK];
    unsigned l = 0;
    int ok = 1;
    if (key_len > sizeof(kb))
        ok = EVP_Digest(key, key_len, kb, &l, md, NULL);
    else
        memcpy(kb, key, key_len);
    for (size_t i = 0; i < sizeof(pad); i++)
        pad[i] = kb[i] ^ 0x36;
    ok = ok && EVP_DigestInit_ex(k->in[alg], md, NULL) &&
         EVP_DigestUpdate(k->in[alg], pad, sizeof(pad));
    for (size_t i = 0; i < sizeof(pad); i++)
        pad[i] = kb[i] ^ 0x5c;
    ok = ok && EVP_DigestInit_ex(k->out[alg], md, NULL) &&
         EVP_DigestUpdate(k->out[alg], pad, sizeof(pad));
    OPENSSL_cleanse(kb, sizeof(kb));
    OPENSSL_cleanse(pad, sizeof(pad));
    return ok ? RG_OK : RG_ECRYPTO;
}

int rg_stun_key_init(struct rg_stun_key *k, const void *key, size_t key_len)
{
    if (!k || !key || key_len == 0 || key_len > 256)
        return RG_EINVAL;
    struct rg_stun_key nk;
    nk.in[0] = EVP_MD_CTX_new();
    nk.in[1] = EVP_MD_CTX_new();
    nk.out[0] = EVP_MD_CTX_new();
    nk.out[1] = EVP_MD_CTX_new();
    nk.work = EVP_MD_CTX_new();
    int rc = RG_ECRYPTO;
    if (nk.in[0] && nk.in[1] && nk.out[0] && nk.out[1] && nk.work) {
        rc = hmac_pads(&nk, RG_STUN_HMAC_SHA1, EVP_sha1(), key, key_len);
        if (rc == RG_OK)
            rc = hmac_pads(&nk, RG_STUN_HMAC_SHA256, EVP_sha256(), key, key_len);
    }
    if (rc < 0) {
        rg_stun_key_deinit(&nk);
        return rc;
    }
    *k = nk;
    return RG_OK;
}

void rg_stun_key_deinit(struct rg_stun_key *k)
{
    if (!k)
        return;
    for (int i = 0; i < 2; i++) {
        EVP_MD_CTX_free(k->in[i]);
        EVP_MD_CTX_free(k->out[i]);
        k->in[i] = k->out[i] = NULL;
    }
    EVP_MD_CTX_free(k->work);
    k->work = NULL;
}

static int digest_creds(const EVP_MD *type, size_t want, struct rg_str username,
                        struct rg_str realm, struct rg_str password, uint8_t *out)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        return RG_ECRYPTO;
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    int ok = type && EVP_DigestInit_ex(md, type, NULL) &&
             EVP_DigestUpdate(md, username.p, username.len) && EVP_DigestUpdate(md, ":", 1) &&
             EVP_DigestUpdate(md, realm.p, realm.len) && EVP_DigestUpdate(md, ":", 1) &&
             EVP_DigestUpdate(md, password.p, password.len) &&
             EVP_DigestFinal_ex(md, digest, &dlen) && dlen == want;
    EVP_MD_CTX_free(md);
    if (!ok)
        return RG_ECRYPTO;
    memcpy(out, digest, want);
    return RG_OK;
}

int rg_stun_long_term_key(struct rg_str username, struct rg_str realm, struct rg_str password,
                          uint8_t out[16])
{
    return digest_creds(EVP_md5(), 16, username, realm, password, out);
}

int rg_stun_long_term_key_sha256(struct rg_str username, struct rg_str realm,
                                 struct rg_str password, uint8_t out[32])
{
    return digest_creds(EVP_sha256(), 32, username, realm, password, out);
}

/* The header as it must be hashed for an attribute starting at attr_off
 * whose value is value_len bytes: the length field counts up to the end of
 * that attribute (RFC 8489 §14.5, §14.6, §14.7). */
static void adjusted_header(const uint8_t *msg, size_t attr_off, size_t value_len,
                            uint8_t hdr[RG_STUN_HEADER_LEN])
{
    size_t l = attr_off - RG_STUN_HEADER_LEN + 4 + ((value_len + 3) & ~(size_t)3);
    memcpy(hdr, msg, RG_STUN_HEADER_LEN);
    hdr[2] = (uint8_t)(l >> 8);
    hdr[3] = (uint8_t)l;
}

int rg_stun_mac(struct rg_stun_key *k, unsigned alg, const uint8_t *msg, size_t attr_off,
                size_t value_len, uint8_t out[32], size_t *out_len)
{
    if (!k || alg > RG_STUN_HMAC_SHA256 || !k->in[alg] || !k->work)
        return RG_EINVAL;
    uint8_t hdr[RG_STUN_HEADER_LEN], inner[EVP_MAX_MD_SIZE];
    adjusted_header(msg, attr_off, value_len, hdr);
    unsigned il = 0, ol = 0;
    EVP_MD_CTX *w = k->work;
    /* HMAC = H(K^opad || H(K^ipad || text)) from the saved pad states. */
    if (!EVP_MD_CTX_copy_ex(w, k->in[alg]) || !EVP_DigestUpdate(w, hdr, sizeof(hdr)) ||
        !EVP_DigestUpdate(w, msg + RG_STUN_HEADER_LEN, attr_off - RG_STUN_HEADER_LEN) ||
        !EVP_DigestFinal_ex(w, inner, &il) || !EVP_MD_CTX_copy_ex(w, k->out[alg]) ||
        !EVP_DigestUpdate(w, inner, il) || !EVP_DigestFinal_ex(w, inner, &ol) || ol > 32)
        return RG_ECRYPTO;
    memcpy(out, inner, ol);
    *out_len = ol;
    return RG_OK;
}

uint32_t rg_stun_fingerprint_of(const uint8_t *msg, size_t attr_off)
{
    uint8_t hdr[RG_STUN_HEADER_LEN];
    adjusted_header(msg, attr_off, 4, hdr);
    uint32_t crc = rg_stun_crc32(0, hdr, sizeof(hdr));
    crc = rg_stun_crc32(crc, msg + RG_STUN_HEADER_LEN, attr_off - RG_STUN_HEADER_LEN);
    return crc ^ RG_STUN_FINGERPRINT_XOR;
}

static int check_mac(const struct rg_stun_msg *m, uint32_t off, struct rg_stun_key *k, unsigned alg)
{
    if (!off)
        return RG_ENOTFOUND;
    const uint8_t *attr = m->data + off;
    size_t vlen = (size_t)((attr[2] << 8) | attr[3]);
    uint8_t mac[32];
    size_t n = 0;
    int rc = rg_stun_mac(k, alg, m->data, off, vlen, mac, &n);
    if (rc < 0)
        return rc;
    /* §14.6: MI-SHA256 may be truncated to vlen (16..32) bytes. */
    if (vlen > n || CRYPTO_memcmp(mac, attr + 4, vlen) != 0)
        return RG_EAUTH;
    return RG_OK;
}

int rg_stun_check_integrity(const struct rg_stun_msg *m, struct rg_stun_key *k)
{
    if (!m || !k)
        return RG_EINVAL;
    return check_mac(m, m->mi_off, k, RG_STUN_HMAC_SHA1);
}

int rg_stun_check_integrity_sha256(const struct rg_stun_msg *m, struct rg_stun_key *k)
{
    if (!m || !k)
        return RG_EINVAL;
    return check_mac(m, m->mi256_off, k, RG_STUN_HMAC_SHA256);
}

int rg_stun_check_fingerprint(const struct rg_stun_msg *m)
{
    if (!m)
        return RG_EINVAL;
    if (!m->fp_off)
        return RG_ENOTFOUND;
    const uint8_t *v = m->data + m->fp_off + 4;
    uint32_t got = ((uint32_t)v[0] << 24) | ((uint32_t)v[1] << 16) | ((uint32_t)v[2] << 8) | v[3];
    return got == rg_stun_fingerprint_of(m->data, m->fp_off) ? RG_OK : RG_EAUTH;
}
