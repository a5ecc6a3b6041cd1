/*
 * b2bua_io.h — rtcgated's B2BUA on the daemon loop: joins the call model
 * (b2bua/b2bua.h) to the SIP transports (io/sip_service.h), the media
 * engine's in-process API (io/engine.h), the loop's timers and the
 * callDetailStatus table of the control plane.
 *
 * rg_b2bua_io_start takes the SIP messages over from the service's interim
 * UAS (rg_sip_service_set_handler) and restores it in rg_b2bua_io_stop.
 * Local Via/Contact addresses come from the configuration's sipSigPort
 * entries (the first listener of each transport).  The configuration
 * snapshot is taken at start and kept until stop (listeners do not change
 * without a restart either); only the registrar's settings (`global
 * registrar`: users, realm, expiry limits) follow each commit, through
 * rg_b2bua_io_config_applied, keeping every registration.
 *
 * Ownership: loop, service, engine, ctl, rng and log are borrowed and must
 * outlive the B2BUA.  Loop thread only.
 */
#ifndef RG_IO_B2BUA_IO_H
#define RG_IO_B2BUA_IO_H

#include "core/err.h"
#include "core/log.h"
#include "core/rng.h"
#include "ctl/ctl.h"
#include "ctl/secret.h"
#include "io/engine.h"
#include "io/loop.h"
#include "io/sip_service.h"

struct rg_b2bua_io_opts {
    struct rg_loop *loop;
    struct rg_sip_service *sip;
    struct rg_engine *engine;
    struct rg_ctl *ctl;
    const struct rg_secret *sec; /* decrypts registrar passwords; may be NULL */
    const struct rg_rng *rng;
    const struct rg_log *log;
    unsigned max_calls; /* 0: the call model's default */
};

struct rg_b2bua_io;

/* RG_OK and *out, RG_EINVAL, RG_ENOMEM, RG_EIO. */
RG_MUST_CHECK int rg_b2bua_io_start(const struct rg_b2bua_io_opts *o, struct rg_b2bua_io **out);
/* A commit was applied: the registrar takes its new settings (a failure
 * is logged and the old settings stay).  NULL g is fine.  Loop thread. */
void rg_b2bua_io_config_applied(struct rg_b2bua_io *g, const struct rg_cfg *cfg);
/* Forgets every call and hands SIP back to the interim UAS.  Call it after
 * rg_engine_stop (which destroyed the engine calls; the engine client's
 * pending completions must not outlive it).  NULL is fine. */
void rg_b2bua_io_stop(struct rg_b2bua_io *g);

#endif
