/*
 * sip_service.c — listeners from the configuration and the interim UAS
 * (see sip_service.h).
 */
#include "io/sip_service.h"

#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "proto/dtls/dtls_cert.h"
#include "proto/sip/sip_build.h"

#define MAX_P12_BYTES (256u * 1024u)

struct rg_sip_service {
    struct rg_sip_tp *tp;
    const struct rg_rng *rng;
    const struct rg_log *log;
    rg_sip_tp_rx_fn *rx;
    rg_sip_tp_closed_fn *closed;
    void *ud;
    struct rg_arena arena;
    struct rg_buf out;
};

/* ---- interim UAS ---- */

static int interim_answer(struct rg_sip_service *s, const struct rg_sip_rx *rx, uint16_t status,
                          const char *reason)
{
    char tag[17];
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    rg_rng_token(s->rng, alphabet, tag, 16);
    tag[16] = '\0';
    struct rg_sip_msg *r = NULL;
    rg_arena_reset(&s->arena);
    rg_buf_reset(&s->out);
    int rc = rg_sip_make_response(rx->msg, &s->arena, status, rg_str_from_cstr(reason),
                                  rg_str_make(tag, 16), &r);
    if (rc == RG_OK && status == 200) {
        /* RFC 3261 §11.2: what we would accept. */
        rc = rg_sip_msg_add(r, &s->arena, RG_STR_LIT("Allow"), RG_STR_LIT("OPTIONS, ACK"));
        if (rc == RG_OK)
            rc = rg_sip_msg_add(r, &s->arena, RG_STR_LIT("Accept"), RG_STR_LIT("application/sdp"));
        if (rc == RG_OK)
            rc = rg_sip_msg_add(r, &s->arena, RG_STR_LIT("Supported"), RG_STR_LIT("outbound"));
    }
    if (rc == RG_OK)
        rc = rg_sip_serialize(r, &s->out);
    if (rc == RG_OK)
        rc = rg_sip_tp_send(s->tp, &rx->flow, s->out.data, s->out.len);
    rg_arena_reset(&s->arena);
    return rc;
}

static void on_rx(void *ud, const struct rg_sip_rx *rx)
{
    struct rg_sip_service *s = ud;
    if (s->rx) {
        s->rx(s->ud, rx);
        return;
    }
    const struct rg_sip_msg *m = rx->msg;
    if (!m->is_request || rg_str_eq_cstr(m->method, "ACK"))
        return;
    bool options = rg_str_eq_cstr(m->method, "OPTIONS");
    int rc = interim_answer(s, rx, options ? 200 : 501, options ? "OK" : "Not Implemented");
    RG_LOG(s->log, RG_LOG_INFO, sip, NULL, "%.*s over %s answered %d: %s", (int)m->method.len,
           m->method.p, rg_sip_tp_name(rx->kind), options ? 200 : 501, rg_strerror(rc));
}

static void on_closed(void *ud, uint64_t conn, enum rg_sip_tp_kind kind)
{
    struct rg_sip_service *s = ud;
    if (s->closed)
        s->closed(s->ud, conn, kind);
}

/* ---- configuration ---- */

/* A server SSL_CTX with the PKCS#12 certificate `name`. */
static int tls_ctx(const struct rg_sip_service_opts *o, const char *name, SSL_CTX **out)
{
    char path[512], key[128], pass[RG_SECRET_MAX_PLAIN + 1];
    snprintf(key, sizeof(key), "system security pki certificate %s fileName", name);
    const char *file = rg_cfg_get(o->cfg, key);
    snprintf(key, sizeof(key), "system security pki certificate %s passPhrase", name);
    const char *enc = rg_cfg_get(o->cfg, key);
    if (!file || !enc || !o->sec || !o->certs_dir || strchr(file, '/'))
        return RG_ENOTFOUND;
    if (rg_secret_decrypt(o->sec, rg_str_from_cstr(enc), pass, sizeof(pass)) != RG_OK)
        return RG_EAUTH;
    snprintf(path, sizeof(path), "%s/%s", o->certs_dir, file);
    FILE *f = fopen(path, "rb");
    uint8_t *der = rg_malloc(MAX_P12_BYTES);
    size_t n = f && der ? fread(der, 1, MAX_P12_BYTES, f) : 0;
    if (f)
        fclose(f);
    struct rg_dtls_cert *cert = NULL;
    int rc = n ? rg_dtls_cert_from_pkcs12(der, n, pass, &cert) : RG_ENOTFOUND;
    rg_free(der);
    memset(pass, 0, sizeof(pass));
    if (rc != RG_OK)
        return rc;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_use_certificate(ctx, rg_dtls_cert_x509(cert)) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, rg_dtls_cert_pkey(cert)) != 1)
        rc = RG_ECRYPTO;
    rg_dtls_cert_free(cert);
    if (rc != RG_OK) {
        SSL_CTX_free(ctx);
        return rc;
    }
    *out = ctx;
    return RG_OK;
}

static bool has_transport(const char *set, const char *t)
{
    size_t n = strlen(t);
    for (const char *p = set; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, t, n) == 0)
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

/* Opens the listeners of one sipSigPort entry. */
static int open_port(struct rg_sip_service *s, const struct rg_sip_service_opts *o,
                     const struct rg_cfg_node *sp, const char *zone)
{
    static const char *const names[RG_SIP_TP_COUNT] = {"sip-udp", "sip-tcp", "sip-tls-tcp",
                                                       "sip-ws", "sip-wss"};
    const char *ips[2] = {rg_cfg_get_at(sp, "ipAddressV4"), rg_cfg_get_at(sp, "ipAddressV6")};
    const char *set = rg_cfg_get_at(sp, "transportProtocolsAllowed");
    const char *cert = rg_cfg_get_at(sp, "tlsCertName");
    int64_t port = 0;
    int rc = rg_cfg_get_int(sp, "portNumber", &port);
    SSL_CTX *ctx = NULL;
    for (int k = 0; rc == RG_OK && k < RG_SIP_TP_COUNT; k++) {
        if (!has_transport(set, names[k]))
            continue;
        if ((k == RG_SIP_TP_TLS || k == RG_SIP_TP_WSS) && !ctx)
            rc = tls_ctx(o, cert ? cert : "defaultDtlsSBCCert", &ctx);
        for (int i = 0; rc == RG_OK && i < 2; i++) {
            struct rg_sip_listener_spec spec = {.kind = (enum rg_sip_tp_kind)k,
                                                .tls = ctx,
                                                .ws_path = rg_cfg_get_at(sp, "wsPath"),
                                                .zone = zone};
            if (!ips[i])
                continue;
            if (rg_addr_parse_ip(rg_str_from_cstr(ips[i]), &spec.addr) != RG_OK) {
                rc = RG_EINVAL;
                break;
            }
            spec.addr.port = (uint16_t)port;
            int r = rg_sip_tp_listen(s->tp, &spec, NULL);
            if (r < 0) {
                fprintf(stderr, "rtcgated: SIP %s listener %s port %lld: %s\n", names[k], ips[i],
                        (long long)port, rg_strerror(r));
                rc = r;
            }
        }
    }
    SSL_CTX_free(ctx);
    return rc;
}

static int open_listeners(struct rg_sip_service *s, const struct rg_sip_service_opts *o)
{
    int rc = RG_OK;
    for (const struct rg_cfg_node *ac = o->cfg->root.first; ac && rc == RG_OK; ac = ac->next) {
        if (strcmp(ac->sch->name, "addressContext") != 0)
            continue;
        for (const struct rg_cfg_node *z = ac->first; z && rc == RG_OK; z = z->next) {
            for (const struct rg_cfg_node *sp = z->first; sp && rc == RG_OK; sp = sp->next) {
                const char *st = rg_cfg_get_at(sp, "state");
                if (strcmp(sp->sch->name, "sipSigPort") == 0 && st && strcmp(st, "enabled") == 0)
                    rc = open_port(s, o, sp, z->key);
            }
        }
    }
    return rc;
}

int rg_sip_service_start(const struct rg_sip_service_opts *o, struct rg_sip_service **out)
{
    if (!o || !o->loop || !o->cfg || !o->rng)
        return RG_EINVAL;
    struct rg_sip_service *s = rg_calloc(1, sizeof(*s));
    if (!s)
        return RG_ENOMEM;
    s->rng = o->rng;
    s->log = o->log;
    rg_arena_init(&s->arena, 8192, 1u << 20);
    rg_buf_init(&s->out, 65535);
    struct rg_sip_tp_cfg tc = {.loop = o->loop,
                               .rx = on_rx,
                               .closed = on_closed,
                               .ud = s,
                               .log = o->log,
                               .web_root = o->web_root};
    int rc = rg_sip_tp_new(&tc, &s->tp);
    if (rc == RG_OK)
        rc = open_listeners(s, o);
    if (rc != RG_OK) {
        rg_sip_service_stop(s);
        return rc;
    }
    *out = s;
    return RG_OK;
}

void rg_sip_service_stop(struct rg_sip_service *s)
{
    if (!s)
        return;
    rg_sip_tp_free(s->tp);
    rg_arena_deinit(&s->arena);
    rg_buf_deinit(&s->out);
    rg_free(s);
}

struct rg_sip_tp *rg_sip_service_tp(struct rg_sip_service *s)
{
    return s->tp;
}

void rg_sip_service_set_handler(struct rg_sip_service *s, rg_sip_tp_rx_fn *rx,
                                rg_sip_tp_closed_fn *closed, void *ud)
{
    s->rx = rx;
    s->closed = rx ? closed : NULL;
    s->ud = ud;
}

int rg_sip_service_default_web_root(char *out, size_t out_size)
{
    const char *env = getenv("RTCGATE_WEB_ROOT");
    if (env && *env)
        return rg_str_copy_cstr(rg_str_from_cstr(env), out, out_size);
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return RG_EIO;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    int w = snprintf(out, out_size, "%s/web", exe);
    return w > 0 && (size_t)w < out_size ? RG_OK : RG_ELIMIT;
}
