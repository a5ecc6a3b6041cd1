/*
 * rng_os.h — the kernel CSPRNG as a struct rg_rng (getrandom(2)).
 * The daemon hands this to every protocol core.  Thread-safe (stateless).
 */
#ifndef RG_IO_RNG_OS_H
#define RG_IO_RNG_OS_H

#include "core/rng.h"

/* Fills *out with a generator backed by getrandom(2). */
void rg_rng_os_init(struct rg_rng *out);

#endif
