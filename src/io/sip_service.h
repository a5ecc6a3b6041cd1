/*
 * sip_service.h — the SIP transports the running configuration asks for,
 * and the interim request handler rtcgated uses until the B2BUA takes the
 * messages over.
 *
 * rg_sip_service_start reads every enabled `addressContext * zone *
 * sipSigPort *` (ipAddressV4 and/or ipAddressV6, portNumber,
 * transportProtocolsAllowed, wsPath, tlsCertName) and opens one listener
 * per address and transport.  sip-tls-tcp and sip-wss use the PKCS#12
 * certificate tlsCertName names (`system security pki certificate`;
 * defaultDtlsSBCCert when none is given), decrypting its passPhrase with
 * the system secret.  A listener that cannot be opened fails the start.
 *
 * Until a handler is set (rg_sip_service_set_handler), requests are
 * answered by the interim UAS: OPTIONS gets 200 (RFC 3261 §11.2) built
 * with the SIP codec, ACK is absorbed, other requests get 501 (§21.5.2);
 * responses are dropped.
 *
 * Ownership: opts are read during start only (cfg, sec and certs_dir need
 * not outlive it); loop, rng and log are borrowed for the service's life.
 * Loop thread only.
 */
#ifndef RG_IO_SIP_SERVICE_H
#define RG_IO_SIP_SERVICE_H

#include <stddef.h>

#include "core/log.h"
#include "core/rng.h"
#include "ctl/cfg.h"
#include "ctl/secret.h"
#include "io/loop.h"
#include "io/sip_transport.h"

struct rg_sip_service_opts {
    struct rg_loop *loop;
    const struct rg_cfg *cfg;
    const struct rg_secret *sec; /* for passPhrase; may be NULL without TLS */
    const char *certs_dir;       /* STATE/certs */
    const char *web_root;        /* files for HTTP on WebSocket ports; NULL: none */
    const struct rg_rng *rng;    /* tags */
    const struct rg_log *log;
};

struct rg_sip_service;

/* RG_OK with *out (rg_sip_service_stop), or the first listener's error
 * (RG_EIO: cannot bind; RG_EAUTH/RG_ENOTFOUND: certificate), RG_ENOMEM.
 * Zero listeners is RG_OK. */
RG_MUST_CHECK int rg_sip_service_start(const struct rg_sip_service_opts *o,
                                       struct rg_sip_service **out);
void rg_sip_service_stop(struct rg_sip_service *s);

/* The transport layer (owned by the service). */
struct rg_sip_tp *rg_sip_service_tp(struct rg_sip_service *s);
/* Routes received messages and closed connections to the next layer
 * instead of the interim UAS (NULL rx restores it). */
void rg_sip_service_set_handler(struct rg_sip_service *s, rg_sip_tp_rx_fn *rx,
                                rg_sip_tp_closed_fn *closed, void *ud);

/* The default web root: $RTCGATE_WEB_ROOT, else "web" next to the running
 * executable (build/web).  RG_OK or RG_ELIMIT/RG_EIO. */
RG_MUST_CHECK int rg_sip_service_default_web_root(char *out, size_t out_size);

#endif
