#include "core/log.h"

#include <stdio.h>

void rg_log_init(struct rg_log *log, rg_log_fn *fn, void *ud, enum rg_log_level level)
{
    log->fn = fn;
    log->ud = ud;
    for (int i = 0; i < RG_LOG_SUBSYS_COUNT; i++)
        log->level[i] = (unsigned char)level;
}

const char *rg_log_subsys_name(enum rg_log_subsys s)
{
    static const char *const names[] = {
#define RG_X(name, desc) #name,
        RG_LOG_SUBSYS_LIST(RG_X)
#undef RG_X
    };
    return (unsigned)s < RG_LOG_SUBSYS_COUNT ? names[s] : "?";
}

const char *rg_log_level_name(enum rg_log_level l)
{
    static const char *const names[] = { "ERROR", "WARN", "NOTICE", "INFO", "DEBUG", "TRACE" };
    return (unsigned)l <= RG_LOG_TRACE ? names[l] : "?";
}

void rg_log_emit(const struct rg_log *log, enum rg_log_level level, enum rg_log_subsys subsys,
                 const char *ctx, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log->fn(log->ud, level, subsys, ctx, msg);
}
