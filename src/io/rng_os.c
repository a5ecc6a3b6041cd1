#include "io/rng_os.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

static void os_fill(void *ud, uint8_t *out, size_t n)
{
    (void)ud;
    while (n) {
        ssize_t r = getrandom(out, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            /* Without kernel randomness no key, ufrag or tag would be safe. */
            abort();
        }
        out += r;
        n -= (size_t)r;
    }
}

void rg_rng_os_init(struct rg_rng *out)
{
    out->fill = os_fill;
    out->ud = NULL;
}
