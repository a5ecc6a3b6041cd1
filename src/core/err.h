/*
 * err.h — the one error vocabulary of rtcgate.
 *
 * Every fallible function returns int: RG_OK (0) on success, or a negative
 * enum rg_err value.  Incremental decoders return the number of bytes they
 * consumed (>= 0), RG_EAGAIN when the input is a correct but incomplete prefix,
 * or RG_EBADMSG when it can never become valid.  Out-parameters are written
 * only on success.  Thread-safe: pure functions, no state.
 */
#ifndef RG_CORE_ERR_H
#define RG_CORE_ERR_H

#define RG_MUST_CHECK __attribute__((warn_unused_result))

enum rg_err {
    RG_OK = 0,
    RG_EAGAIN = -1,    /* need more input: a valid prefix so far */
    RG_EBADMSG = -2,   /* malformed input, will never parse */
    RG_EPROTO = -3,    /* well-formed but breaks a protocol rule */
    RG_EINVAL = -4,    /* caller passed an invalid argument */
    RG_ENOMEM = -5,    /* allocation failed */
    RG_ELIMIT = -6,    /* a configured or fixed bound was exceeded */
    RG_ESTATE = -7,    /* call not valid in the object's current state */
    RG_EIO = -8,       /* operating-system I/O failure (io/ only) */
    RG_ENOTFOUND = -9, /* looked-up item does not exist */
    RG_EAUTH = -10,    /* integrity or authentication check failed */
    RG_EUNSUPP = -11,  /* understood but not supported */
    RG_EEXIST = -12,   /* item already exists */
    RG_ECRYPTO = -13,  /* a cryptographic library call failed */
    RG_ETIMEDOUT = -14,
    RG_ERR_MIN = -14,
};

/* Returns a static English description of err (never NULL). */
const char *rg_strerror(int err);

#endif
