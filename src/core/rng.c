#include "core/rng.h"

#include <string.h>

uint32_t rg_rng_u32(const struct rg_rng *r)
{
    uint32_t v;
    rg_rng_bytes(r, &v, sizeof(v));
    return v;
}

uint64_t rg_rng_u64(const struct rg_rng *r)
{
    uint64_t v;
    rg_rng_bytes(r, &v, sizeof(v));
    return v;
}

void rg_rng_token(const struct rg_rng *r, const char *alphabet, char *out, size_t n)
{
    size_t k = strlen(alphabet);
    for (size_t i = 0; i < n; i++) {
        /* Rejection sampling keeps the distribution uniform. */
        uint8_t b;
        do {
            rg_rng_bytes(r, &b, 1);
        } while (b >= 256 - (256 % k));
        out[i] = alphabet[b % k];
    }
    out[n] = '\0';
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t xoshiro_next(uint64_t s[4])
{
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static void seeded_fill(void *ud, uint8_t *out, size_t n)
{
    struct rg_rng_seeded *st = ud;
    while (n) {
        uint64_t v = xoshiro_next(st->s);
        size_t k = n < 8 ? n : 8;
        memcpy(out, &v, k);
        out += k;
        n -= k;
    }
}

void rg_rng_seeded_init(struct rg_rng_seeded *st, uint64_t seed, struct rg_rng *out)
{
    for (int i = 0; i < 4; i++) {
        seed += 0x9e3779b97f4a7c15ULL;
        uint64_t z = seed;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        st->s[i] = z ^ (z >> 31);
    }
    out->fill = seeded_fill;
    out->ud = st;
}
