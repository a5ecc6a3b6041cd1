/*
 * daemon.c — rtcgated start-up and control loop (see daemon.h).
 */
#include "io/daemon.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <sys/signalfd.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/log.h"
#include "ctl/cfg_access.h"
#include "ctl/ctl.h"
#include "ctl/defaults.h"
#include "ctl/pki.h"
#include "ctl/store.h"
#include "io/cli_server.h"
#include "io/b2bua_io.h"
#include "io/engine.h"
#include "io/loop.h"
#include "io/rng_os.h"
#include "io/sip_service.h"
#include "proto/dtls/dtls_cert.h"
#include "proto/dtls/dtls_conn.h"

struct daemon {
    struct rg_store store;
    struct rg_rng rng;
    struct rg_secret sec;
    struct rg_ctl ctl;
    struct rg_loop loop;
    struct rg_cli_server cli;
    struct rg_log log;
    struct rg_log engine_log;
    struct rg_engine *engine;
    struct rg_b2bua_io *b2b; /* for commits to reach the registrar */
    int sigfd;
};

/* getAggrPolicers shows the engine's live STUN/DTLS policer counters. */
static void refresh_aggr(void *ud, struct rg_ctl *ctl)
{
    struct daemon *d = ud;
    if (!d->engine)
        return;
    struct rg_engine_policer_counts pc;
    rg_engine_policer_counts(d->engine, &pc);
    for (size_t i = 0; i < RG_AGGR_COUNT; i++) {
        struct rg_policer *p = &ctl->aggr[i].pol;
        if (strcmp(ctl->aggr[i].name, "STUN") == 0) {
            p->accepted = pc.stun_accepted;
            p->discarded = pc.stun_discarded;
        } else if (strcmp(ctl->aggr[i].name, "DTLS") == 0) {
            p->accepted = pc.dtls_accepted;
            p->discarded = pc.dtls_discarded;
        }
    }
}

static void log_stderr(void *ud, enum rg_log_level level, enum rg_log_subsys subsys,
                       const char *ctx, const char *msg)
{
    (void)ud;
    fprintf(stderr, "rtcgated: %s %s%s%s: %s\n", rg_log_level_name(level),
            rg_log_subsys_name(subsys), ctx ? " " : "", ctx ? ctx : "", msg);
}

/* After each commit: new log levels, and a note of the generation. */
static void on_applied(void *ud, const struct rg_cfg_snap *snap)
{
    struct daemon *d = ud;
    rg_cfg_log_levels(snap->cfg, &d->log);
    rg_b2bua_io_config_applied(d->b2b, snap->cfg);
    RG_LOG(&d->log, RG_LOG_NOTICE, ctl, NULL, "configuration generation %llu committed",
           (unsigned long long)snap->gen);
}

/* First start: a fresh certificate and the embedded default, committed. */
static int first_start(struct daemon *d)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    char pass[33], path[RG_STORE_PATH_MAX + 64], enc[RG_SECRET_MAX_TEXT];
    rg_rng_token(&d->rng, alphabet, pass, 32);
    snprintf(path, sizeof(path), "%s/%s", d->store.certs, RG_DEFAULT_CERT_FILE);
    int rc = rg_pki_generate_p12(path, pass, "rtcgate");
    if (rc != RG_OK) {
        fprintf(stderr, "rtcgated: cannot create %s: %s\n", path, rg_strerror(rc));
        return rc;
    }
    rc = rg_secret_encrypt(&d->sec, rg_str_from_cstr(pass), enc, sizeof(enc));
    struct rg_buf text, msgs;
    rg_buf_init(&text, 1 << 20);
    rg_buf_init(&msgs, 1 << 20);
    if (rc == RG_OK)
        rc = rg_buf_appendf(&text, "%sset system security pki certificate %s passPhrase %s\n",
                            rg_default_config, RG_DEFAULT_CERT_NAME, enc);
    struct rg_cfg *cfg = NULL;
    if (rc == RG_OK)
        rc = rg_ctl_parse_text(&d->ctl, rg_buf_str(&text), &cfg, &msgs);
    if (rc == RG_OK) {
        rc = rg_ctl_commit(&d->ctl, cfg, true, &msgs);
        if (rc != RG_OK && rc != RG_EEXIST)
            rg_cfg_free(cfg);
        rc = rc == RG_EEXIST ? RG_OK : rc;
    }
    if (rc != RG_OK)
        fprintf(stderr, "rtcgated: embedded default refused: %s%s\n", rg_strerror(rc),
                msgs.data ? msgs.data : "");
    rg_buf_deinit(&text);
    rg_buf_deinit(&msgs);
    return rc;
}

static int load_saved(struct daemon *d, const char *text, size_t len)
{
    struct rg_buf msgs;
    rg_buf_init(&msgs, 1 << 20);
    struct rg_cfg *cfg = NULL;
    int rc = rg_ctl_parse_text(&d->ctl, rg_str_make(text, len), &cfg, &msgs);
    /* File checks are skipped here: a missing .p12 must not keep the daemon
     * (and so the CLI that can fix it) from starting. */
    if (rc == RG_OK)
        rc = rg_cfg_validate(cfg, NULL, &msgs);
    if (rc == RG_OK)
        rg_ctl_install(&d->ctl, cfg);
    else
        rg_cfg_free(cfg);
    if (msgs.len)
        fprintf(stderr, "rtcgated: %s: %s", d->store.conf, msgs.data);
    rg_buf_deinit(&msgs);
    return rc;
}

/* --ng/--media-address/--media-ports override running (not saved). */
static int apply_overrides(struct daemon *d, const struct rg_daemon_opts *o)
{
    char lines[1024] = "";
    size_t n = 0;
    if (o->ng) {
        const char *colon = strrchr(o->ng, ':');
        if (!colon)
            return RG_EINVAL;
        n += (size_t)snprintf(lines + n, sizeof(lines) - n,
                              "set system ngControl address %.*s port %s state enabled\n",
                              (int)(colon - o->ng), o->ng, colon + 1);
    }
    if (o->media_address && n < sizeof(lines))
        n += (size_t)snprintf(lines + n, sizeof(lines) - n, "set system media mediaAddress %s\n",
                              o->media_address);
    if (o->media_ports && n < sizeof(lines)) {
        const char *dash = strchr(o->media_ports, '-');
        if (!dash)
            return RG_EINVAL;
        n += (size_t)snprintf(lines + n, sizeof(lines) - n,
                              "set system media mediaPortRange min %.*s max %s\n",
                              (int)(dash - o->media_ports), o->media_ports, dash + 1);
    }
    if (n == 0)
        return RG_OK;
    if (n >= sizeof(lines))
        return RG_ELIMIT;
    struct rg_buf text, msgs;
    rg_buf_init(&text, 64u << 20);
    rg_buf_init(&msgs, 1 << 20);
    struct rg_cfg_snap *snap = rg_ctl_snapshot(&d->ctl);
    struct rg_cfg *cfg = NULL;
    int rc = rg_ctl_to_text(snap->cfg, &text);
    rg_cfg_snap_put(&d->ctl, snap);
    if (rc == RG_OK)
        rc = rg_buf_append_cstr(&text, lines);
    if (rc == RG_OK)
        rc = rg_ctl_parse_text(&d->ctl, rg_buf_str(&text), &cfg, &msgs);
    if (rc == RG_OK)
        rc = rg_cfg_validate(cfg, NULL, &msgs);
    if (rc == RG_OK)
        rg_ctl_install(&d->ctl, cfg);
    else
        rg_cfg_free(cfg);
    if (rc != RG_OK)
        fprintf(stderr, "rtcgated: bad command-line override: %s", msgs.data ? msgs.data : "\n");
    rg_buf_deinit(&text);
    rg_buf_deinit(&msgs);
    return rc;
}

static void on_signal(struct rg_loop *loop, int fd, unsigned events, void *ud)
{
    struct signalfd_siginfo si;
    (void)events;
    (void)ud;
    if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
        rg_loop_stop(loop);
}

static int setup(struct daemon *d, const struct rg_daemon_opts *o)
{
    int rc = rg_store_open(&d->store, o->state_dir);
    if (rc != RG_OK) {
        fprintf(stderr, "rtcgated: cannot use state directory %s\n", o->state_dir);
        return rc;
    }
    rg_rng_os_init(&d->rng);
    d->sec.rng = &d->rng;
    rc = rg_store_secret_key(&d->store, &d->rng, d->sec.key);
    if (rc == RG_OK)
        rc = rg_loop_init(&d->loop);
    if (rc == RG_OK)
        rc = rg_ctl_init(&d->ctl, &d->sec, d->store.certs, rg_loop_now_us(&d->loop));
    if (rc != RG_OK) {
        fprintf(stderr, "rtcgated: start-up failed: %s\n", rg_strerror(rc));
        return rc;
    }
    d->ctl.save = rg_store_save_conf;
    d->ctl.save_ud = &d->store;
    rg_log_init(&d->log, log_stderr, d, RG_LOG_NOTICE);
    char *text = NULL;
    size_t len = 0;
    rc = rg_store_load_conf(&d->store, &text, &len);
    if (rc == RG_ENOTFOUND)
        rc = first_start(d);
    else if (rc == RG_OK)
        rc = load_saved(d, text, len);
    rg_free(text);
    if (rc == RG_OK)
        rc = apply_overrides(d, o);
    if (rc == RG_OK) {
        struct rg_cfg_snap *snap = rg_ctl_snapshot(&d->ctl);
        rg_cfg_log_levels(snap->cfg, &d->log);
        rg_cfg_snap_put(&d->ctl, snap);
        d->ctl.applied = on_applied;
        d->ctl.applied_ud = d;
    }
    return rc;
}

/* Reads a whole small file (at most 1 MiB); returns rg_malloc'd bytes or NULL. */
static char *read_small_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1u << 20, n = 0;
    char *buf = rg_malloc(cap);
    if (buf)
        n = fread(buf, 1, cap, f);
    bool ok = buf && !ferror(f) && n < cap;
    fclose(f);
    if (!ok) {
        rg_free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* The certificate a DTLS profile names (CertName), loaded from DIR/certs
 * with the decrypted passphrase; NULL when unset or not loadable. */
static struct rg_dtls_cert *dtls_cert(struct daemon *d, const struct rg_cfg *c,
                                      const struct rg_cfg_node *pn)
{
    char path[RG_STORE_PATH_MAX + 300], key[300], pass[RG_SECRET_MAX_PLAIN + 1];
    const char *name = rg_cfg_get_at(pn, "CertName");
    if (!name)
        return NULL;
    snprintf(key, sizeof(key), "system security pki certificate %s", name);
    const struct rg_cfg_node *cn = rg_cfg_lookup(c, key);
    const char *file = cn ? rg_cfg_get_at(cn, "fileName") : NULL;
    const char *enc = cn ? rg_cfg_get_at(cn, "passPhrase") : NULL;
    char *der = NULL;
    size_t len = 0;
    struct rg_dtls_cert *cert = NULL;
    if (file && enc && rg_secret_decrypt(&d->sec, rg_str_from_cstr(enc), pass, sizeof(pass)) == RG_OK) {
        snprintf(path, sizeof(path), "%s/%s", d->store.certs, file);
        der = read_small_file(path, &len);
    }
    if (!der || rg_dtls_cert_from_pkcs12((const uint8_t *)der, len, pass, &cert) != RG_OK)
        cert = NULL;
    rg_free(der);
    return cert;
}

/* One DTLS profile of the configuration (`profiles security dtlsProfile
 * NAME`): its certificate (*cert NULL when unset or not loadable: the
 * engine's is used, generated for the default profile) and its versions,
 * timer and cipher suites (vendor tokens). */
static void engine_dtls(struct daemon *d, const struct rg_cfg *c, const struct rg_cfg_node *pn,
                        struct rg_dtls_cert **cert, struct rg_dtls_profile *p, char *ciphers,
                        size_t ciphers_size)
{
    *cert = dtls_cert(d, c, pn);
    const char *v;
    p->v1_0 = (v = rg_cfg_get_at(pn, "v1_0")) && !strcmp(v, "enabled");
    p->v1_2 = (v = rg_cfg_get_at(pn, "v1_2")) && !strcmp(v, "enabled");
    uint32_t secs = 5;
    if ((v = rg_cfg_get_at(pn, "handshakeTimer")))
        (void)!rg_str_to_u32(rg_str_from_cstr(v), 60, &secs);
    p->handshake_timer_ms = secs * 1000;
    size_t n = 0;
    ciphers[0] = '\0';
    for (int i = 1; i <= 3; i++) {
        char leaf[32];
        const char *ossl;
        snprintf(leaf, sizeof(leaf), "cipherSuite%d", i);
        v = rg_cfg_get_at(pn, leaf);
        if (!v || rg_dtls_cipher_from_token(rg_str_from_cstr(v), &ossl) != RG_OK)
            continue;
        int w = snprintf(ciphers + n, ciphers_size - n, "%s%s", n ? ":" : "", ossl);
        if (w > 0 && (size_t)w < ciphers_size - n)
            n += (size_t)w;
    }
    p->ciphers = n ? ciphers : NULL;
    static const enum rg_srtp_profile srtp[] = { RG_SRTP_AEAD_AES_128_GCM, RG_SRTP_AES128_CM_SHA1_80,
                                                 RG_SRTP_AEAD_AES_256_GCM,
                                                 RG_SRTP_AES128_CM_SHA1_32 };
    memcpy(p->srtp, srtp, sizeof(srtp));
    p->n_srtp = 4;
}

/* DTLS profiles of the engine: defaultDtlsProfile (the engine's own
 * context; its certificate generated when not loadable) and every other
 * `profiles security dtlsProfile` as an extra profile a trunk group's
 * dtlsProfileName selects (at most RG_ENGINE_DTLS_PROFS). */
struct engine_dtls_set {
    struct rg_dtls_profile def;
    char def_ciphers[512];
    struct rg_engine_dtls_prof x[RG_ENGINE_DTLS_PROFS];
    struct rg_dtls_profile xp[RG_ENGINE_DTLS_PROFS];
    char xc[RG_ENGINE_DTLS_PROFS][512];
};

static void engine_dtls_all(struct daemon *d, const struct rg_cfg *c, struct engine_dtls_set *s,
                            struct rg_engine_opts *eo)
{
    const struct rg_cfg_node *sec = rg_cfg_lookup(c, "profiles security");
    const struct rg_cfg_node *def = rg_cfg_lookup(c, "profiles security dtlsProfile defaultDtlsProfile");
    if (def) {
        engine_dtls(d, c, def, &eo->cert, &s->def, s->def_ciphers, sizeof(s->def_ciphers));
        eo->dtls_profile = &s->def;
    }
    if (!eo->cert)
        fprintf(stderr, "rtcgated: DTLS certificate of defaultDtlsProfile not loaded; the engine "
                        "generates one\n");
    unsigned n = 0;
    for (const struct rg_cfg_node *ch = sec ? sec->first : NULL; ch; ch = ch->next) {
        if (!ch->key || ch == def || strcmp(ch->sch->name, "dtlsProfile") != 0)
            continue;
        if (n == RG_ENGINE_DTLS_PROFS) {
            fprintf(stderr, "rtcgated: DTLS profile %s ignored (more than %d)\n", ch->key,
                    RG_ENGINE_DTLS_PROFS);
            continue;
        }
        engine_dtls(d, c, ch, &s->x[n].cert, &s->xp[n], s->xc[n], sizeof(s->xc[n]));
        s->x[n].name = ch->key;
        s->x[n].profile = &s->xp[n];
        n++;
    }
    eo->dtls_profs = s->x;
    eo->n_dtls_profs = n;
}

/* The media engine with its ng control port (issue 4), from the running
 * configuration (`system ngControl`, `system media`), which --ng,
 * --media-address and --media-ports override.  The engine gets its own copy
 * of the log settings: its threads must not read the ones commits change. */
static int start_engine(struct daemon *d, struct rg_engine **out)
{
    struct rg_cfg_snap *snap = rg_ctl_snapshot(&d->ctl);
    const struct rg_cfg *c = snap->cfg;
    const char *state = rg_cfg_get(c, "system ngControl state");
    bool ng_on = state && strcmp(state, "enabled") == 0;
    int rc = RG_OK;
    /* The engine runs for the B2BUA even when the ng port is disabled. */
    if (rg_cfg_get(c, "system media mediaAddress")) {
        const char *ng_ip = ng_on ? rg_cfg_get(c, "system ngControl address") : "0.0.0.0";
        const char *ng_port = ng_on ? rg_cfg_get(c, "system ngControl port") : "0";
        const char *ip = rg_cfg_get(c, "system media mediaAddress");
        const char *lo = rg_cfg_get(c, "system media mediaPortRange min");
        const char *hi = rg_cfg_get(c, "system media mediaPortRange max");
        uint32_t port = 0, plo = 0, phi = 0;
        d->engine_log = d->log;
        struct rg_engine_opts eo = { .log = &d->engine_log };
        if (!ng_ip || !ng_port || !ip || !lo || !hi ||
            rg_addr_parse_ip(rg_str_from_cstr(ng_ip), &eo.ng) != RG_OK ||
            rg_str_to_u32(rg_str_from_cstr(ng_port), 65535, &port) != RG_OK ||
            rg_addr_parse_ip(rg_str_from_cstr(ip), &eo.media_ip) != RG_OK ||
            rg_str_to_u32(rg_str_from_cstr(lo), 65535, &plo) != RG_OK ||
            rg_str_to_u32(rg_str_from_cstr(hi), 65535, &phi) != RG_OK) {
            rc = RG_EINVAL;
        } else {
            eo.ng.port = (uint16_t)port;
            if (!ng_on)
                eo.ng.family = RG_AF_NONE;
            const char *ip6 = rg_cfg_get(c, "system media mediaAddressV6");
            if (ip6 && rg_addr_parse_ip(rg_str_from_cstr(ip6), &eo.media_ip6) != RG_OK)
                rc = RG_EINVAL;
            eo.port_lo = (uint16_t)plo;
            eo.port_hi = (uint16_t)phi;
            struct engine_dtls_set dset; /* read by rg_engine_start only */
            memset(&dset, 0, sizeof(dset));
            engine_dtls_all(d, c, &dset, &eo);
            eo.srflx_prefix = 16; /* iceSourceAddressFilterPriority default */
            for (size_t i = 0; i < RG_AGGR_COUNT; i++) {
                const struct rg_aggr_policer *r = &d->ctl.aggr[i];
                if (strcmp(r->name, "STUN") == 0) {
                    eo.stun_bucket = r->pol.bucket;
                    eo.stun_rate = r->pol.rate;
                } else if (strcmp(r->name, "DTLS") == 0) {
                    eo.dtls_bucket = r->pol.bucket;
                    eo.dtls_rate = r->pol.rate;
                }
            }
            if (rc == RG_OK)
                rc = rg_engine_start(&eo, out);
            else {
                rg_dtls_cert_free(eo.cert);
                for (unsigned i = 0; i < eo.n_dtls_profs; i++)
                    rg_dtls_cert_free(dset.x[i].cert);
            }
        }
        if (rc != RG_OK)
            fprintf(stderr, "rtcgated: media engine not started: %s\n", rg_strerror(rc));
        else if (ng_on)
            fprintf(stderr, "rtcgated: ng control on %s:%s, media %s ports %s-%s\n", ng_ip,
                    ng_port, ip, lo, hi);
        else
            fprintf(stderr, "rtcgated: media %s ports %s-%s (ng control disabled)\n", ip, lo, hi);
    }
    rg_cfg_snap_put(&d->ctl, snap);
    return rc;
}

/* SIP listeners of the running configuration's zones (issue 5). */
static int start_sip(struct daemon *d, struct rg_sip_service **out)
{
    char web[4096];
    struct rg_cfg_snap *snap = rg_ctl_snapshot(&d->ctl);
    struct rg_sip_service_opts so = { .loop = &d->loop, .cfg = snap->cfg, .sec = &d->sec,
                                      .certs_dir = d->store.certs, .rng = &d->rng,
                                      .log = &d->log };
    if (rg_sip_service_default_web_root(web, sizeof(web)) == RG_OK)
        so.web_root = web;
    int rc = rg_sip_service_start(&so, out);
    rg_cfg_snap_put(&d->ctl, snap);
    if (rc != RG_OK)
        fprintf(stderr, "rtcgated: SIP transports not started: %s\n", rg_strerror(rc));
    return rc;
}

int rg_daemon_run(const struct rg_daemon_opts *o)
{
    struct daemon *d = rg_calloc(1, sizeof(*d));
    if (!d)
        return 1;
    d->sigfd = -1;
    d->loop.epfd = -1;
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = setup(d, o);
    if (rc == RG_OK) {
        d->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        rc = d->sigfd >= 0 ? rg_loop_add_fd(&d->loop, d->sigfd, RG_LOOP_IN, on_signal, d)
                           : RG_EIO;
    }
    if (rc == RG_OK)
        rc = rg_cli_server_start(&d->cli, &d->loop, &d->ctl, d->store.sock);
    struct rg_engine *engine = NULL;
    if (rc == RG_OK)
        rc = start_engine(d, &engine);
    d->engine = engine;
    d->ctl.refresh = refresh_aggr;
    d->ctl.refresh_ud = d;
    struct rg_sip_service *sip = NULL;
    if (rc == RG_OK)
        rc = start_sip(d, &sip);
    struct rg_b2bua_io *b2b = NULL;
    if (rc == RG_OK && sip && engine) {
        struct rg_b2bua_io_opts bo = { .loop = &d->loop, .sip = sip, .engine = engine,
                                       .ctl = &d->ctl, .sec = &d->sec, .rng = &d->rng,
                                       .log = &d->log };
        rc = rg_b2bua_io_start(&bo, &b2b);
        if (rc != RG_OK)
            fprintf(stderr, "rtcgated: B2BUA not started: %s\n", rg_strerror(rc));
        d->b2b = b2b;
    }
    if (rc == RG_OK) {
        fprintf(stderr, "rtcgated: ready; state directory %s, CLI socket %s\n", d->store.dir,
                d->store.sock);
        rc = rg_loop_run(&d->loop);
        rg_cli_server_stop(&d->cli);
    }
    d->engine = NULL;
    d->b2b = NULL;
    rg_engine_stop(engine);
    rg_b2bua_io_stop(b2b); /* after the engine: its client's completions died with it */
    rg_sip_service_stop(sip);
    if (d->sigfd >= 0)
        close(d->sigfd);
    if (d->ctl.running)
        rg_ctl_deinit(&d->ctl);
    if (d->loop.epfd >= 0)
        rg_loop_deinit(&d->loop);
    rg_free(d);
    return rc == RG_OK ? 0 : 1;
}
