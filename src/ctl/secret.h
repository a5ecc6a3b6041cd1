/*
 * secret.h — `$7$` encrypted secrets (certificate passphrases).
 *
 * The vendor stores passphrases encrypted and shows them as `$7$…` (ConfD
 * aes-cfb-128-encrypted-string).  rtcgate encrypts with AES-256-GCM under a
 * 32-byte key generated at first start into STATE/secret.key (mode 0600):
 * text = "$7$" + base64(iv[12] || ciphertext || tag[16]).  A fresh random
 * IV is drawn per encryption, so the same passphrase encrypts differently
 * each time; decryption authenticates, so a `$7$` value from another system
 * (or a typo) is refused.  Pure functions over caller buffers; the rng is
 * injected.  Thread-safe if the rng is.
 */
#ifndef RG_CTL_SECRET_H
#define RG_CTL_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/rng.h"
#include "core/str.h"

#define RG_SECRET_KEY_LEN 32
#define RG_SECRET_MAX_PLAIN 255
/* "$7$" + base64 of 12 + 255 + 16 bytes, with NUL. */
#define RG_SECRET_MAX_TEXT 400

struct rg_secret {
    uint8_t key[RG_SECRET_KEY_LEN];
    const struct rg_rng *rng; /* borrowed: IVs */
};

/* True when v has the `$7$` form (not necessarily decryptable). */
bool rg_secret_is_encrypted(struct rg_str v);
/* Encrypts plain (at most RG_SECRET_MAX_PLAIN bytes) into out as `$7$…`.
 * RG_OK, RG_ELIMIT (too long / out too small) or RG_ECRYPTO. */
RG_MUST_CHECK int rg_secret_encrypt(const struct rg_secret *s, struct rg_str plain, char *out,
                                    size_t out_size);
/* Decrypts a `$7$…` text into out (NUL-terminated).  RG_OK, RG_EBADMSG (not
 * `$7$` base64), RG_EAUTH (wrong key or tampered) or RG_ELIMIT. */
RG_MUST_CHECK int rg_secret_decrypt(const struct rg_secret *s, struct rg_str text, char *out,
                                    size_t out_size);

#endif
