/*
 * rng.h — injected randomness.
 *
 * Protocol cores never call a random number generator themselves; they are
 * given a struct rg_rng (ICE ufrag/pwd, STUN transaction IDs, SSRCs, SIP tags
 * and branches, WebSocket masks).  The daemon passes one backed by the
 * kernel CSPRNG (io/); tests and fuzzers pass the deterministic generator
 * below so runs repeat exactly.  An rg_rng is used by one thread only.
 */
#ifndef RG_CORE_RNG_H
#define RG_CORE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef void rg_rng_fill_fn(void *ud, uint8_t *out, size_t n);

struct rg_rng {
    rg_rng_fill_fn *fill;
    void *ud;
};

static inline void rg_rng_bytes(const struct rg_rng *r, void *out, size_t n)
{
    r->fill(r->ud, out, n);
}

uint32_t rg_rng_u32(const struct rg_rng *r);
uint64_t rg_rng_u64(const struct rg_rng *r);
/* Fills out[0..n) with characters from alphabet (e.g. ICE-chars) and NUL at
 * out[n]; out must hold n + 1 bytes. */
void rg_rng_token(const struct rg_rng *r, const char *alphabet, char *out, size_t n);

/* Deterministic, NOT cryptographic: xoshiro256** seeded by splitmix64.
 * For tests, fuzzers and simulations only. */
struct rg_rng_seeded {
    uint64_t s[4];
};
void rg_rng_seeded_init(struct rg_rng_seeded *st, uint64_t seed, struct rg_rng *out);

#endif
