#include "core/err.h"

const char *rg_strerror(int err)
{
    static const char *const names[] = {
        [0] = "success",
        [1] = "need more input",
        [2] = "malformed message",
        [3] = "protocol violation",
        [4] = "invalid argument",
        [5] = "out of memory",
        [6] = "limit exceeded",
        [7] = "invalid state",
        [8] = "I/O error",
        [9] = "not found",
        [10] = "authentication failed",
        [11] = "not supported",
        [12] = "already exists",
        [13] = "cryptographic failure",
        [14] = "timed out",
    };
    if (err > 0 || err < RG_ERR_MIN)
        return "unknown error";
    return names[-err];
}
