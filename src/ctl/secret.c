/*
 * secret.c — AES-256-GCM `$7$` secrets (see secret.h).
 */
#include "ctl/secret.h"

#include <string.h>

#include <openssl/evp.h>

#define IV_LEN 12
#define TAG_LEN 16

bool rg_secret_is_encrypted(struct rg_str v)
{
    return rg_str_has_prefix(v, "$7$") && v.len > 3;
}

static int gcm(const struct rg_secret *s, int enc, const uint8_t *iv, const uint8_t *in,
               size_t n, uint8_t *out, uint8_t *tag)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int ok = ctx != NULL, l = 0;
    ok = ok && EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, IV_LEN, NULL) == 1;
    ok = ok && EVP_CipherInit_ex(ctx, NULL, NULL, s->key, iv, enc) == 1;
    ok = ok && (n == 0 || EVP_CipherUpdate(ctx, out, &l, in, (int)n) == 1);
    if (ok && !enc)
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1;
    int fin = ok ? EVP_CipherFinal_ex(ctx, out + l, &l) : 0;
    if (ok && enc && fin == 1)
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return RG_ECRYPTO;
    return fin == 1 ? RG_OK : RG_EAUTH;
}

int rg_secret_encrypt(const struct rg_secret *s, struct rg_str plain, char *out, size_t out_size)
{
    uint8_t raw[IV_LEN + RG_SECRET_MAX_PLAIN + TAG_LEN];
    if (plain.len > RG_SECRET_MAX_PLAIN)
        return RG_ELIMIT;
    size_t raw_len = IV_LEN + plain.len + TAG_LEN;
    if (out_size < 3 + 4 * ((raw_len + 2) / 3) + 1)
        return RG_ELIMIT;
    rg_rng_bytes(s->rng, raw, IV_LEN);
    int rc = gcm(s, 1, raw, (const uint8_t *)plain.p, plain.len, raw + IV_LEN,
                 raw + IV_LEN + plain.len);
    if (rc != RG_OK)
        return rc;
    memcpy(out, "$7$", 3);
    EVP_EncodeBlock((unsigned char *)out + 3, raw, (int)raw_len);
    return RG_OK;
}

int rg_secret_decrypt(const struct rg_secret *s, struct rg_str text, char *out, size_t out_size)
{
    uint8_t raw[3 * (RG_SECRET_MAX_TEXT / 4) + 3];
    uint8_t plain[sizeof(raw)];
    if (!rg_secret_is_encrypted(text))
        return RG_EBADMSG;
    struct rg_str b64 = rg_str_from(text, 3);
    if (b64.len % 4 != 0 || b64.len > RG_SECRET_MAX_TEXT - 4)
        return b64.len % 4 ? RG_EBADMSG : RG_ELIMIT;
    for (size_t i = 0; i < b64.len; i++) {
        int c = (unsigned char)b64.p[i];
        bool pad_ok = c == '=' && i >= b64.len - 2;
        if (!rg_is_alnum(c) && c != '+' && c != '/' && !pad_ok)
            return RG_EBADMSG;
    }
    int n = EVP_DecodeBlock(raw, (const unsigned char *)b64.p, (int)b64.len);
    if (n < 0)
        return RG_EBADMSG;
    n -= (b64.len && b64.p[b64.len - 1] == '=') + (b64.len > 1 && b64.p[b64.len - 2] == '=');
    if (n < IV_LEN + TAG_LEN)
        return RG_EBADMSG;
    size_t plen = (size_t)n - IV_LEN - TAG_LEN;
    if (plen + 1 > out_size)
        return RG_ELIMIT;
    int rc = gcm(s, 0, raw, raw + IV_LEN, plen, plain, raw + IV_LEN + plen);
    if (rc != RG_OK)
        return rc;
    memcpy(out, plain, plen);
    out[plen] = '\0';
    return RG_OK;
}
