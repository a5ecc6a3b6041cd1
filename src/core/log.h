/*
 * log.h — contextual, injected logging.
 *
 * No module owns a global logger: cores receive a const struct rg_log * in
 * their config and log through RG_LOG.  A NULL logger is silent, which is
 * what fuzzers and most unit tests use.  Subsystems are listed once below;
 * levels are per subsystem.  Per-packet paths log only at RG_LOG_TRACE.
 */
#ifndef RG_CORE_LOG_H
#define RG_CORE_LOG_H

#include <stdarg.h>

enum rg_log_level {
    RG_LOG_ERROR = 0,
    RG_LOG_WARN,
    RG_LOG_NOTICE,
    RG_LOG_INFO,
    RG_LOG_DEBUG,
    RG_LOG_TRACE,
};

/* X(name, description) — the one list of log subsystems. */
#define RG_LOG_SUBSYS_LIST(X)                                                  \
    X(core, "core services")                                                   \
    X(sip, "SIP parsing, transactions and dialogs")                            \
    X(sdp, "SDP parsing and offer/answer")                                     \
    X(ice, "ICE and STUN")                                                     \
    X(dtls, "DTLS handshakes")                                                 \
    X(srtp, "SRTP and SRTCP")                                                  \
    X(rtp, "RTP/RTCP relay")                                                   \
    X(codec, "codecs and transcoding")                                         \
    X(ws, "WebSocket")                                                         \
    X(ctl, "configuration, CLI and status")                                    \
    X(ng, "ng control protocol")                                               \
    X(b2bua, "call model")                                                     \
    X(io, "sockets and event loops")

enum rg_log_subsys {
#define RG_X(name, desc) RG_LOG_##name,
    RG_LOG_SUBSYS_LIST(RG_X)
#undef RG_X
    RG_LOG_SUBSYS_COUNT
};

typedef void rg_log_fn(void *ud, enum rg_log_level level, enum rg_log_subsys subsys,
                       const char *ctx, const char *msg);

struct rg_log {
    rg_log_fn *fn;
    void *ud;
    unsigned char level[RG_LOG_SUBSYS_COUNT]; /* max level emitted per subsystem */
};

/* Sets every subsystem to level. */
void rg_log_init(struct rg_log *log, rg_log_fn *fn, void *ud, enum rg_log_level level);
const char *rg_log_subsys_name(enum rg_log_subsys s);
const char *rg_log_level_name(enum rg_log_level l);

/* ctx: optional context such as a Call-ID or leg name (may be NULL). */
void rg_log_emit(const struct rg_log *log, enum rg_log_level level, enum rg_log_subsys subsys,
                 const char *ctx, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define RG_LOG(log, lvl, subsys, ctx, ...)                                         \
    do {                                                                           \
        const struct rg_log *rg_log_p_ = (log);                                    \
        if (rg_log_p_ && rg_log_p_->fn && (lvl) <= rg_log_p_->level[RG_LOG_##subsys]) \
            rg_log_emit(rg_log_p_, (lvl), RG_LOG_##subsys, (ctx), __VA_ARGS__);    \
    } while (0)

#endif
