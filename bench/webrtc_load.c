/*
 * webrtc_load.c — WebRTC call-setup load generator: a real SIP-over-
 * WebSocket + ICE + DTLS-SRTP client, built on rtcgate's own sans-IO
 * libraries (proto/ws, sip, sdp, stun, dtls).
 *
 * Each call does what a browser with JsSIP does: opens a WebSocket (RFC
 * 6455, subprotocol "sip", RFC 7118) to the SBC, sends an INVITE whose
 * body is a WebRTC offer (UDP/TLS/RTP/SAVPF, ICE credentials and one host
 * candidate on its own UDP socket, a=fingerprint of an ECDSA P-256
 * certificate, a=setup, rtcp-mux), waits for the 200 and ACKs it (RFC 3261
 * §13.2.2.4, Route from the reversed Record-Route, Request-URI = Contact),
 * runs ICE as the controlling agent (RFC 8445 §7.2.2: STUN Binding with
 * USERNAME, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE, MESSAGE-INTEGRITY and
 * FINGERPRINT, retransmitted until a success response whose integrity
 * checks; it also answers the SBC's own checks), then the DTLS handshake
 * (RFC 5763/5764) in the role the answer's a=setup leaves it — the DTLS
 * client when the SBC answers passive (the offer says a=setup:active by
 * default) — and checks the SBC's certificate against its a=fingerprint.
 * A call is "set up" when DTLS delivers SRTP keys.  It then sends BYE,
 * waits for its 200 and closes the WebSocket.
 *
 * --parallel calls run at once (closed loop: a finished call is replaced
 * at once) for --seconds; --rate caps new calls per second.  Printed:
 * setups/s, INVITE-to-keys latency (median, p99), failures by stage, and,
 * with --pid, the server's CPU (utime+stime of all its threads from
 * /proc/PID/stat) per setup and its utilisation.  Figures, never pass/fail
 * (exit 0 unless the arguments are wrong); the last line is "RESULT k=v".
 *
 * Usage: webrtc_load --ws ws://HOST:PORT/PATH [--target sip:echo@HOST]
 *        [--parallel N] [--seconds S] [--rate R] [--pid PID]
 *        [--setup active|actpass] [--hold-ms MS] [--local IP]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/rng.h"
#include "core/str.h"
#include "io/rng_os.h"
#include "io/udp.h"
#include "proto/dtls/dtls_cert.h"
#include "proto/dtls/dtls_conn.h"
#include "proto/sdp/sdp.h"
#include "proto/sip/sip_msg.h"
#include "proto/stun/stun.h"
#include "proto/ws/ws_conn.h"

#define MAX_PARALLEL 2000
#define CALL_TIMEOUT_US 15000000LL
#define STUN_RTO_US 100000LL
#define MAX_LAT 1000000

enum stage { ST_FREE = 0, ST_CONNECT, ST_WS, ST_INVITE, ST_ICE, ST_DTLS, ST_HOLD, ST_BYE, ST_N };
static const char *const stage_name[ST_N] = {"free", "tcp-connect", "websocket", "invite",
                                              "ice", "dtls", "hold", "bye"};

struct call {
    enum stage st;
    unsigned idx;
    int tcp, udp;
    bool ws_init, want_out;
    struct rg_ws_conn ws;
    struct rg_addr local, remote; /* our UDP candidate; the SBC's */
    char call_id[24], tag[12], lufrag[9], lpwd[25], rufrag[64], rpwd[128];
    char to[512], ruri[512], route[1024];
    struct rg_dtls_fp rfp;
    bool we_client, remote_lite, our_check_ok, their_check_seen;
    struct rg_stun_key lkey, rkey;
    bool keys;
    uint8_t txid[RG_STUN_TXID_LEN];
    int64_t t0, next_us, deadline_us;
    struct rg_dtls_conn *dtls;
    unsigned status; /* final INVITE status when not 200 */
};

struct opts {
    struct rg_addr ws_addr;
    char ws_host[128], ws_path[128], target[128], local_ip[64];
    unsigned parallel, seconds, rate, hold_ms;
    int pid;
    bool setup_actpass;
};

struct load {
    struct opts o;
    struct rg_rng rng;
    int ep;
    struct call calls[MAX_PARALLEL];
    struct rg_dtls_ctx *dctx;
    struct rg_dtls_fp lfp;
    char lfp_text[RG_DTLS_FP_STRLEN];
    uint64_t started, setups, done, failed[ST_N], status_fail;
    uint32_t *lat_us;
    size_t n_lat;
    bool measuring, stopping;
    struct rg_buf msg;
};

static bool g_debug; /* RG_LOAD_DEBUG set: per-call progress on stderr */

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t proc_cpu_ticks(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    /* fields 14 and 15 (utime, stime) after "pid (comm)" */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return ut + st;
}

/* ---- sockets ---------------------------------------------------------- */

static void ep_set(struct load *L, int fd, uint64_t key, bool out, bool add)
{
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.u64 = key};
    (void)epoll_ctl(L->ep, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
}

static void call_free(struct load *L, struct call *c, enum stage failed_at)
{
    if (failed_at != ST_FREE && !L->stopping)
        L->failed[failed_at]++;
    if (c->tcp >= 0)
        close(c->tcp);
    if (c->udp >= 0)
        close(c->udp);
    if (c->ws_init)
        rg_ws_conn_deinit(&c->ws);
    if (c->keys) {
        rg_stun_key_deinit(&c->lkey);
        rg_stun_key_deinit(&c->rkey);
    }
    rg_dtls_conn_free(c->dtls);
    unsigned idx = c->idx;
    memset(c, 0, sizeof(*c));
    c->idx = idx;
    c->tcp = c->udp = -1;
    c->st = ST_FREE;
}

static void flush_ws(struct load *L, struct call *c)
{
    for (;;) {
        struct rg_str t = rg_ws_conn_poll_transmit(&c->ws);
        if (t.len == 0)
            break;
        ssize_t w = send(c->tcp, t.p, t.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w <= 0) {
            if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !c->want_out) {
                c->want_out = true;
                ep_set(L, c->tcp, (uint64_t)c->idx << 1, true, false);
            }
            return;
        }
        rg_ws_conn_tx_done(&c->ws, (size_t)w);
    }
    if (c->want_out) {
        c->want_out = false;
        ep_set(L, c->tcp, (uint64_t)c->idx << 1, false, false);
    }
}

static void udp_send(struct call *c, const void *p, size_t n)
{
    (void)!rg_udp_send(c->udp, &c->remote, p, n);
}

/* ---- SIP ---------------------------------------------------------------- */

static const char ICE_CHARS[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
static const char TOKEN_CHARS[] = "abcdefghijklmnopqrstuvwxyz0123456789";

static bool send_sip(struct load *L, struct call *c)
{
    if (rg_ws_conn_send(&c->ws, RG_WS_OP_TEXT, L->msg.data, L->msg.len) != RG_OK)
        return false;
    flush_ws(L, c);
    return true;
}

static int build_offer(struct load *L, struct call *c, struct rg_buf *b)
{
    char ip[RG_ADDR_IP_STRLEN];
    (void)rg_addr_format_ip(&c->local, ip, sizeof(ip));
    return rg_buf_appendf(
        b,
        "v=0\r\no=- %" PRIu64 " 2 IN IP4 %s\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
        "a=msid-semantic: WMS\r\nm=audio %u UDP/TLS/RTP/SAVPF 111 0 8\r\nc=IN IP4 %s\r\n"
        "a=candidate:1 1 udp 2122260223 %s %u typ host generation 0\r\n"
        "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:%s\r\na=setup:%s\r\na=mid:0\r\n"
        "a=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
        "a=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n",
        rg_rng_u64(&L->rng) >> 2, ip, c->local.port, ip, ip, c->local.port, c->lufrag, c->lpwd,
        L->lfp_text, L->o.setup_actpass ? "actpass" : "active");
}

static bool send_invite(struct load *L, struct call *c)
{
    char branch[17], sdp_buf[2048];
    struct rg_buf sdp;
    rg_buf_init(&sdp, sizeof(sdp_buf));
    if (build_offer(L, c, &sdp) != RG_OK) {
        rg_buf_deinit(&sdp);
        return false;
    }
    rg_rng_token(&L->rng, TOKEN_CHARS, branch, 16);
    rg_buf_reset(&L->msg);
    int rc = rg_buf_appendf(
        &L->msg,
        "INVITE %s SIP/2.0\r\nVia: SIP/2.0/WS load.invalid;branch=z9hG4bK%s\r\n"
        "Max-Forwards: 70\r\nTo: <%s>\r\nFrom: <sip:load@load.invalid>;tag=%s\r\n"
        "Call-ID: %s\r\nCSeq: 1 INVITE\r\n"
        "Contact: <sip:load@load.invalid;transport=ws;ob>\r\n"
        "Allow: INVITE,ACK,CANCEL,BYE,OPTIONS\r\nSupported: outbound\r\n"
        "User-Agent: rtcgate-webrtc-load\r\nContent-Type: application/sdp\r\n"
        "Content-Length: %zu\r\n\r\n%s",
        L->o.target, branch, L->o.target, c->tag, c->call_id, sdp.len, (const char *)sdp.data);
    rg_buf_deinit(&sdp);
    return rc == RG_OK && send_sip(L, c);
}

/* ACK for the 2xx, or BYE (RFC 3261 §13.2.2.4, §15.1.1). */
static bool send_in_dialog(struct load *L, struct call *c, const char *method, unsigned cseq)
{
    char branch[17];
    rg_rng_token(&L->rng, TOKEN_CHARS, branch, 16);
    rg_buf_reset(&L->msg);
    int rc = rg_buf_appendf(&L->msg,
                            "%s %s SIP/2.0\r\nVia: SIP/2.0/WS load.invalid;branch=z9hG4bK%s\r\n"
                            "Max-Forwards: 70\r\n%sTo: %s\r\nFrom: <sip:load@load.invalid>;tag=%s\r\n"
                            "Call-ID: %s\r\nCSeq: %u %s\r\nContent-Length: 0\r\n\r\n",
                            method, c->ruri, branch, c->route, c->to, c->tag, c->call_id, cseq,
                            method);
    return rc == RG_OK && send_sip(L, c);
}

/* A 200 to a request from the SBC (a BYE or OPTIONS), echoing its Via,
 * From, To, Call-ID and CSeq (RFC 3261 §8.2.6.2). */
static void answer_request(struct load *L, struct call *c, const struct rg_sip_msg *m)
{
    rg_buf_reset(&L->msg);
    int rc = rg_buf_append_cstr(&L->msg, "SIP/2.0 200 OK\r\n");
    for (size_t i = 0; i < m->n_hdrs && rc == RG_OK; i++) {
        enum rg_sip_hdr_id id = m->hdrs[i].id;
        if (id == RG_SIP_H_VIA || id == RG_SIP_H_FROM || id == RG_SIP_H_TO ||
            id == RG_SIP_H_CALL_ID || id == RG_SIP_H_CSEQ)
            rc = rg_buf_appendf(&L->msg, "%.*s: %.*s\r\n", (int)m->hdrs[i].name.len,
                                m->hdrs[i].name.p, (int)m->hdrs[i].value.len, m->hdrs[i].value.p);
    }
    if (rc == RG_OK && rg_buf_append_cstr(&L->msg, "Content-Length: 0\r\n\r\n") == RG_OK)
        (void)send_sip(L, c);
}

/* Dialog state from the 200: To with tag, remote target, route set. */
static bool take_dialog(struct call *c, const struct rg_sip_msg *m)
{
    const struct rg_sip_hdr *to = NULL;
    size_t rl = 0;
    c->route[0] = '\0';
    for (size_t i = 0; i < m->n_hdrs; i++)
        if (m->hdrs[i].id == RG_SIP_H_TO)
            to = &m->hdrs[i];
    if (!to || m->contacts.n == 0 || to->value.len >= sizeof(c->to) ||
        m->contacts.v[0].uri.raw.len >= sizeof(c->ruri))
        return false;
    memcpy(c->to, to->value.p, to->value.len);
    c->to[to->value.len] = '\0';
    memcpy(c->ruri, m->contacts.v[0].uri.raw.p, m->contacts.v[0].uri.raw.len);
    c->ruri[m->contacts.v[0].uri.raw.len] = '\0';
    /* UAC route set: the Record-Route entries in reverse order (§12.1.2),
     * also when several share one header line. */
    for (size_t i = m->record_routes.n; i-- > 0;) {
        const struct rg_str u = m->record_routes.v[i].uri.raw;
        int n = snprintf(c->route + rl, sizeof(c->route) - rl, "Route: <%.*s>\r\n", (int)u.len,
                         u.p);
        if (n < 0 || (size_t)n >= sizeof(c->route) - rl)
            return false;
        rl += (size_t)n;
    }
    return true;
}

/* ICE credentials, candidate, fingerprint and setup from the answer. */
static bool take_answer(struct call *c, struct rg_str body)
{
    struct rg_arena a;
    struct rg_sdp *sdp = NULL;
    bool ok = false, have_cand = false, have_fp = false;
    int setup = 0;
    rg_arena_init(&a, 16384, 1u << 20);
    if (rg_sdp_parse(body, NULL, &a, &sdp, NULL) != RG_OK || sdp->n_media == 0)
        goto out;
    for (int pass = 0; pass < 2; pass++) {
        const struct rg_sdp_attrs *l = pass ? &sdp->media[0].attrs : &sdp->attrs;
        for (uint32_t i = 0; i < l->n; i++) {
            const struct rg_sdp_attr *at = &l->v[i];
            if (at->kind == RG_SDP_A_ICE_UFRAG)
                (void)rg_str_copy_cstr(at->u.text, c->rufrag, sizeof(c->rufrag));
            else if (at->kind == RG_SDP_A_ICE_PWD)
                (void)rg_str_copy_cstr(at->u.text, c->rpwd, sizeof(c->rpwd));
            else if (at->kind == RG_SDP_A_ICE_LITE)
                c->remote_lite = true;
            else if (at->kind == RG_SDP_A_SETUP)
                setup = at->u.setup;
            else if (at->kind == RG_SDP_A_FINGERPRINT && !have_fp)
                have_fp = rg_dtls_fp_parse(at->value, &c->rfp) == RG_OK;
            else if (at->kind == RG_SDP_A_CANDIDATE && !have_cand &&
                     at->u.cand.component == 1 && at->u.cand.addr.family == RG_AF_INET4 &&
                     rg_str_caseeq_cstr(at->u.cand.transport, "udp")) {
                c->remote = at->u.cand.addr;
                c->remote.port = at->u.cand.port;
                have_cand = true;
            }
        }
    }
    /* RFC 5763 §5: the answerer's active makes us the server. */
    c->we_client = setup != RG_SDP_SETUP_ACTIVE;
    ok = have_cand && have_fp && c->rufrag[0] && c->rpwd[0];
out:
    rg_arena_deinit(&a);
    return ok;
}

/* ---- ICE and DTLS --------------------------------------------------------- */

static void stun_check(struct load *L, struct call *c)
{
    uint8_t buf[512];
    char user[200];
    struct rg_stun_builder b;
    int n = snprintf(user, sizeof(user), "%s:%s", c->rufrag, c->lufrag);
    rg_stun_build_init(&b, buf, sizeof(buf), RG_STUN_BINDING, RG_STUN_REQUEST, c->txid);
    rg_stun_add_str(&b, RG_STUN_A_USERNAME, rg_str_make(user, (size_t)n));
    rg_stun_add_u32(&b, RG_STUN_A_PRIORITY, 1853824767u); /* prflx, RFC 8445 §5.1.2.1 */
    rg_stun_add_u64(&b, RG_STUN_A_ICE_CONTROLLING, rg_rng_u64(&L->rng));
    rg_stun_add_flag(&b, RG_STUN_A_USE_CANDIDATE);
    rg_stun_add_integrity(&b, &c->rkey);
    rg_stun_add_fingerprint(&b);
    if (rg_stun_build_finish(&b) > 0)
        udp_send(c, buf, b.len);
    c->next_us = now_us() + STUN_RTO_US;
}

static void dtls_pump(struct load *L, struct call *c);

static void start_dtls(struct load *L, struct call *c)
{
    struct rg_dtls_conn_cfg cfg = {.role = c->we_client ? RG_DTLS_CLIENT : RG_DTLS_SERVER,
                                   .n_remote_fp = 1};
    cfg.remote_fp[0] = c->rfp;
    if (rg_dtls_conn_new(L->dctx, &cfg, now_us(), &c->dtls) != RG_OK) {
        call_free(L, c, ST_DTLS);
        return;
    }
    c->st = ST_DTLS;
    if (g_debug)
        fprintf(stderr, "webrtc_load: %s +%.1f ms ICE done, DTLS as %s\n", c->call_id,
                (now_us() - c->t0) / 1000.0, c->we_client ? "client" : "server");
    dtls_pump(L, c);
}

static void on_stun(struct load *L, struct call *c, const uint8_t *p, size_t n,
                    const struct rg_addr *src)
{
    struct rg_stun_msg m;
    if (rg_stun_parse(p, n, &m) != RG_OK || m.method != RG_STUN_BINDING)
        return;
    if (m.cls == RG_STUN_REQUEST) { /* the SBC's own check (full ICE) */
        if (rg_stun_check_integrity(&m, &c->lkey) != RG_OK)
            return;
        uint8_t buf[256];
        struct rg_stun_builder b;
        rg_stun_build_response(&b, buf, sizeof(buf), &m, RG_STUN_SUCCESS);
        rg_stun_add_xor_addr(&b, RG_STUN_A_XOR_MAPPED_ADDRESS, src);
        rg_stun_add_integrity(&b, &c->lkey);
        rg_stun_add_fingerprint(&b);
        if (rg_stun_build_finish(&b) > 0)
            (void)!rg_udp_send(c->udp, src, buf, b.len);
        c->their_check_seen = true;
    } else if (c->st == ST_ICE && m.cls == RG_STUN_SUCCESS &&
               memcmp(m.txid, c->txid, RG_STUN_TXID_LEN) == 0 &&
               rg_stun_check_integrity(&m, &c->rkey) == RG_OK) {
        c->our_check_ok = true;
    }
    /* A full agent needs its own (triggered) check to pass before it
     * takes DTLS from us: start once it has checked us (RFC 8445 §7.3.1.4);
     * a lite one (RFC 8445 §2.5) relies on our check alone. */
    if (c->st == ST_ICE && c->our_check_ok && (c->remote_lite || c->their_check_seen))
        start_dtls(L, c);
}

static void on_keys(struct load *L, struct call *c)
{
    int64_t t = now_us();
    if (L->measuring) {
        L->setups++;
        if (L->n_lat < MAX_LAT)
            L->lat_us[L->n_lat++] = (uint32_t)((t - c->t0) > UINT32_MAX ? UINT32_MAX : t - c->t0);
    }
    c->st = ST_HOLD;
    c->next_us = t + (int64_t)L->o.hold_ms * 1000;
    if (g_debug)
        fprintf(stderr, "webrtc_load: %s +%.1f ms keys\n", c->call_id, (t - c->t0) / 1000.0);
}

static void dtls_pump(struct load *L, struct call *c)
{
    uint8_t out[RG_DTLS_MAX_MTU];
    size_t n;
    while (rg_dtls_conn_poll_transmit(c->dtls, out, sizeof(out), &n) == RG_OK)
        udp_send(c, out, n);
    struct rg_dtls_event ev;
    while (c->st == ST_DTLS && rg_dtls_conn_poll_event(c->dtls, &ev) == RG_OK) {
        if (ev.type == RG_DTLS_EV_CONNECTED)
            on_keys(L, c);
        else {
            if (!L->stopping)
                fprintf(stderr, "webrtc_load: DTLS failed: %s\n", ev.reason);
            call_free(L, c, ST_DTLS);
            return;
        }
    }
}

/* ---- per-call events ---------------------------------------------------- */

static void on_response(struct load *L, struct call *c, const struct rg_sip_msg *m)
{
    bool invite = rg_str_eq_cstr(m->cseq_method, "INVITE");
    if (m->status < 200)
        return;
    if (!invite) {
        if (rg_str_eq_cstr(m->cseq_method, "BYE") && c->st == ST_BYE) {
            if (m->status >= 300 && !L->stopping)
                fprintf(stderr, "webrtc_load: BYE got %u\n", m->status);
            L->done++;
            call_free(L, c, m->status < 300 ? ST_FREE : ST_BYE);
        }
        return;
    }
    if (c->st != ST_INVITE)
        return; /* a retransmitted 200: our ACK went already */
    if (m->status >= 300) {
        c->status = m->status;
        if (!L->stopping) {
            L->status_fail++;
            fprintf(stderr, "webrtc_load: INVITE got %u\n", m->status);
        }
        call_free(L, c, ST_INVITE);
        return;
    }
    if (g_debug)
        fprintf(stderr, "webrtc_load: answer:\n%.*s\n", (int)m->body.len, m->body.p);
    if (!take_dialog(c, m) || !take_answer(c, m->body) || !send_in_dialog(L, c, "ACK", 1) ||
        rg_stun_key_init(&c->rkey, c->rpwd, strlen(c->rpwd)) != RG_OK) {
        call_free(L, c, ST_INVITE);
        return;
    }
    if (rg_stun_key_init(&c->lkey, c->lpwd, strlen(c->lpwd)) != RG_OK) {
        rg_stun_key_deinit(&c->rkey);
        call_free(L, c, ST_INVITE);
        return;
    }
    c->keys = true;
    c->st = ST_ICE;
    if (g_debug) {
        char a[RG_ADDR_STRLEN];
        (void)rg_addr_format(&c->remote, a, sizeof(a));
        fprintf(stderr, "webrtc_load: %s +%.1f ms answered, ICE toward %s ufrag %s; target %s\n%s",
                c->call_id, (now_us() - c->t0) / 1000.0, a, c->rufrag, c->ruri, c->route);
    }
    rg_stun_txid_new(&L->rng, c->txid);
    stun_check(L, c);
}

static void on_sip(struct load *L, struct call *c, struct rg_str data)
{
    struct rg_arena a;
    struct rg_sip_msg *m = NULL;
    struct rg_sip_error err;
    const struct rg_sip_limits lim = RG_SIP_LIMITS_DEFAULT;
    rg_arena_init(&a, 16384, 1u << 20);
    if (rg_sip_parse(data.p, data.len, &lim, &a, &m, &err) == RG_OK) {
        if (!m->is_request) {
            if (g_debug && m->status >= 300)
                fprintf(stderr, "webrtc_load: got\n%.*s\n", (int)data.len, data.p);
            on_response(L, c, m);
        } else if (!rg_str_eq_cstr(m->method, "ACK")) {
            answer_request(L, c, m);
            if (rg_str_eq_cstr(m->method, "BYE"))
                call_free(L, c, c->st); /* the SBC ended the call */
        }
    }
    rg_arena_deinit(&a);
}

static void on_tcp(struct load *L, struct call *c, uint32_t events)
{
    int64_t t = now_us();
    if (c->st == ST_CONNECT && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int err = 0;
        socklen_t el = sizeof(err);
        if (getsockopt(c->tcp, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
            call_free(L, c, ST_CONNECT);
            return;
        }
        c->st = ST_WS;
    }
    if (events & EPOLLIN) {
        char buf[16384];
        ssize_t n = recv(c->tcp, buf, sizeof(buf), MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN)) {
            call_free(L, c, c->st);
            return;
        }
        if (n > 0 && rg_ws_conn_handle_input(&c->ws, t, buf, (size_t)n) != RG_OK) {
            call_free(L, c, c->st);
            return;
        }
    }
    struct rg_ws_event ev;
    for (;;) {
        rg_ws_conn_poll_event(&c->ws, t, &ev);
        if (ev.type == RG_WS_EV_NONE)
            break;
        if (ev.type == RG_WS_EV_OPEN && c->st == ST_WS) {
            if (g_debug)
                fprintf(stderr, "webrtc_load: %s +%.1f ms WebSocket open\n", c->call_id,
                        (t - c->t0) / 1000.0);
            c->st = ST_INVITE;
            if (!send_invite(L, c)) {
                call_free(L, c, ST_INVITE);
                return;
            }
        } else if (ev.type == RG_WS_EV_MESSAGE) {
            enum stage before = c->st;
            on_sip(L, c, ev.data);
            if (c->st == ST_FREE || (before != c->st && c->st == ST_FREE))
                return;
        } else if (ev.type == RG_WS_EV_CLOSE || ev.type == RG_WS_EV_ERROR ||
                   ev.type == RG_WS_EV_REJECTED) {
            call_free(L, c, c->st);
            return;
        }
    }
    flush_ws(L, c);
}

static void on_udp(struct load *L, struct call *c)
{
    uint8_t buf[RG_DTLS_MAX_DATAGRAM];
    for (int i = 0; i < 16 && c->st != ST_FREE; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        ssize_t n = recvfrom(c->udp, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
        if (n <= 0)
            return;
        struct rg_addr src;
        if (rg_udp_addr_from_sockaddr((struct sockaddr *)&ss, &src) != RG_OK)
            continue;
        /* RFC 7983 §7: 0..3 STUN, 20..63 DTLS, 128..191 RTP/RTCP. */
        if (buf[0] < 4)
            on_stun(L, c, buf, (size_t)n, &src);
        else if (buf[0] >= 20 && buf[0] < 64) {
            /* As the DTLS server, the ClientHello may overtake our check's
             * success response: the SBC saw USE-CANDIDATE already. */
            if (c->st == ST_ICE && !c->we_client)
                start_dtls(L, c);
            if (c->st != ST_DTLS || !c->dtls)
                continue;
            (void)!rg_dtls_conn_handle_input(c->dtls, now_us(), buf, (size_t)n);
            dtls_pump(L, c);
        }
    }
}

static void call_start(struct load *L, struct call *c)
{
    struct rg_addr lip = {0};
    c->tcp = c->udp = -1;
    if (rg_addr_parse_ip(rg_str_from_cstr(L->o.local_ip), &lip) != RG_OK)
        return;
    c->udp = rg_udp_open(&lip, &c->local);
    if (c->udp < 0) {
        c->udp = -1;
        call_free(L, c, ST_CONNECT);
        return;
    }
    c->tcp = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_storage ss;
    unsigned sl = sizeof(ss);
    (void)rg_udp_addr_to_sockaddr(&L->o.ws_addr, (struct sockaddr *)&ss, &sl);
    int one = 1;
    if (c->tcp < 0 || setsockopt(c->tcp, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
        (connect(c->tcp, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS)) {
        call_free(L, c, ST_CONNECT);
        return;
    }
    int64_t t = now_us();
    struct rg_ws_conn_cfg wc = {.role = RG_WS_CLIENT, .rng = &L->rng,
                                .host = rg_str_from_cstr(L->o.ws_host),
                                .path = rg_str_from_cstr(L->o.ws_path)};
    if (rg_ws_conn_init(&c->ws, &wc, t) != RG_OK) {
        call_free(L, c, ST_CONNECT);
        return;
    }
    c->ws_init = true;
    rg_rng_token(&L->rng, TOKEN_CHARS, c->call_id, sizeof(c->call_id) - 1);
    rg_rng_token(&L->rng, TOKEN_CHARS, c->tag, sizeof(c->tag) - 1);
    rg_rng_token(&L->rng, ICE_CHARS, c->lufrag, sizeof(c->lufrag) - 1);
    rg_rng_token(&L->rng, ICE_CHARS, c->lpwd, sizeof(c->lpwd) - 1);
    c->st = ST_CONNECT;
    c->t0 = t;
    c->deadline_us = t + CALL_TIMEOUT_US;
    ep_set(L, c->tcp, (uint64_t)c->idx << 1, true, true);
    ep_set(L, c->udp, ((uint64_t)c->idx << 1) | 1, false, true);
    c->want_out = true;
    L->started++;
}

/* Timers: STUN retransmission, DTLS, the hold before BYE, the deadline. */
static void call_timers(struct load *L, struct call *c, int64_t t)
{
    if (c->st == ST_FREE)
        return;
    if (t >= c->deadline_us) {
        if (!L->stopping)
            fprintf(stderr, "webrtc_load: call timed out in %s\n", stage_name[c->st]);
        call_free(L, c, c->st);
        return;
    }
    if (c->ws_init && t >= rg_ws_conn_poll_timeout(&c->ws)) {
        rg_ws_conn_handle_timeout(&c->ws, t);
        on_tcp(L, c, 0);
        if (c->st == ST_FREE)
            return;
    }
    if (c->st == ST_ICE && t >= c->next_us)
        stun_check(L, c);
    else if (c->st == ST_DTLS && t >= rg_dtls_conn_next_timeout_us(c->dtls)) {
        (void)!rg_dtls_conn_handle_timeout(c->dtls, t);
        dtls_pump(L, c);
    } else if (c->st == ST_HOLD && t >= c->next_us) {
        c->st = ST_BYE;
        if (!send_in_dialog(L, c, "BYE", 2))
            call_free(L, c, ST_BYE);
    }
}

static int parse_ws_url(const char *url, struct opts *o)
{
    if (strncmp(url, "ws://", 5) != 0)
        return RG_EINVAL;
    const char *h = url + 5, *slash = strchr(h, '/');
    size_t hl = slash ? (size_t)(slash - h) : strlen(h);
    if (hl == 0 || hl >= sizeof(o->ws_host))
        return RG_EINVAL;
    memcpy(o->ws_host, h, hl);
    o->ws_host[hl] = '\0';
    snprintf(o->ws_path, sizeof(o->ws_path), "%s", slash ? slash : "/");
    const char *colon = strrchr(o->ws_host, ':');
    uint32_t port = 80;
    if (colon && rg_str_to_u32(rg_str_from_cstr(colon + 1), 65535, &port) != RG_OK)
        return RG_EINVAL;
    size_t il = colon ? (size_t)(colon - o->ws_host) : hl;
    if (rg_addr_parse_ip(rg_str_make(o->ws_host, il), &o->ws_addr) != RG_OK)
        return RG_EINVAL;
    o->ws_addr.port = (uint16_t)port;
    return RG_OK;
}

static int usage(void)
{
    fprintf(stderr, "usage: webrtc_load --ws ws://IP:PORT/PATH [--target sip:echo@IP] "
                    "[--parallel N] [--seconds S] [--rate R] [--pid PID]\n"
                    "                   [--setup active|actpass] [--hold-ms MS] [--local IP]\n");
    return 2;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){.parallel = 20, .seconds = 10};
    snprintf(o->local_ip, sizeof(o->local_ip), "127.0.0.1");
    bool have_ws = false;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        uint32_t n = 0;
        bool num = rg_str_to_u32(rg_str_from_cstr(v), 1000000, &n) == RG_OK;
        if (strcmp(k, "--ws") == 0)
            have_ws = parse_ws_url(v, o) == RG_OK;
        else if (strcmp(k, "--target") == 0)
            snprintf(o->target, sizeof(o->target), "%s", v);
        else if (strcmp(k, "--local") == 0)
            snprintf(o->local_ip, sizeof(o->local_ip), "%s", v);
        else if (strcmp(k, "--setup") == 0)
            o->setup_actpass = strcmp(v, "actpass") == 0;
        else if (num && strcmp(k, "--parallel") == 0 && n >= 1 && n <= MAX_PARALLEL)
            o->parallel = n;
        else if (num && strcmp(k, "--seconds") == 0 && n >= 1)
            o->seconds = n;
        else if (num && strcmp(k, "--rate") == 0)
            o->rate = n;
        else if (num && strcmp(k, "--hold-ms") == 0)
            o->hold_ms = n;
        else if (num && strcmp(k, "--pid") == 0)
            o->pid = (int)n;
        else
            return usage();
    }
    if (argc % 2 == 0 || !have_ws)
        return usage();
    if (!o->target[0]) {
        char ip[RG_ADDR_IP_STRLEN];
        (void)rg_addr_format_ip(&o->ws_addr, ip, sizeof(ip));
        snprintf(o->target, sizeof(o->target), "sip:echo@%s", ip);
    }
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int setup_dtls(struct load *L)
{
    struct rg_dtls_cert *cert = NULL;
    /* First retransmission after 100 ms, as browsers do, not OpenSSL's
     * 1 s: a lost first flight must not dominate the latency figure. */
    struct rg_dtls_profile prof = {.v1_2 = true, .n_srtp = 2, .handshake_timer_ms = 10000,
                                   .rtx_initial_ms = 100};
    prof.srtp[0] = RG_SRTP_AES128_CM_SHA1_80;
    prof.srtp[1] = RG_SRTP_AEAD_AES_128_GCM;
    int rc = rg_dtls_cert_generate(&L->rng, "webrtc-load", (int64_t)time(NULL), 30, &cert);
    if (rc == RG_OK)
        rc = rg_dtls_cert_fingerprint(cert, RG_DTLS_HASH_SHA256, &L->lfp);
    if (rc == RG_OK)
        rc = rg_dtls_fp_format(&L->lfp, L->lfp_text, sizeof(L->lfp_text));
    if (rc == RG_OK)
        rc = rg_dtls_ctx_new(&prof, cert, NULL, NULL, &L->dctx);
    rg_dtls_cert_free(cert);
    return rc;
}

/* Runs the event loop until `until`; starts calls while `starting`. */
static void run_until(struct load *L, int64_t until, bool starting)
{
    struct epoll_event evs[256];
    int64_t t0 = now_us();
    uint64_t started0 = L->started;
    while (now_us() < until) {
        int64_t t = now_us();
        for (unsigned i = 0; starting && i < L->o.parallel; i++) {
            if (L->calls[i].st != ST_FREE)
                continue;
            if (L->o.rate && (double)(L->started - started0) >=
                                 (double)(t - t0) / 1e6 * L->o.rate + 1)
                break;
            call_start(L, &L->calls[i]);
        }
        int n = epoll_wait(L->ep, evs, 256, 2);
        for (int k = 0; k < n; k++) {
            struct call *c = &L->calls[evs[k].data.u64 >> 1];
            if (c->st == ST_FREE)
                continue;
            if (evs[k].data.u64 & 1)
                on_udp(L, c);
            else
                on_tcp(L, c, evs[k].events);
        }
        t = now_us();
        for (unsigned i = 0; i < L->o.parallel; i++)
            call_timers(L, &L->calls[i], t);
        if (!starting) {
            unsigned busy = 0;
            for (unsigned i = 0; i < L->o.parallel; i++)
                busy += L->calls[i].st != ST_FREE;
            if (busy == 0)
                return;
        }
    }
}

static void report(struct load *L, double secs, uint64_t cpu_ticks, const struct rusage *ru)
{
    double tick = (double)sysconf(_SC_CLK_TCK);
    double rate = (double)L->setups / secs;
    qsort(L->lat_us, L->n_lat, sizeof(L->lat_us[0]), cmp_u32);
    double p50 = L->n_lat ? L->lat_us[L->n_lat / 2] / 1000.0 : 0;
    double p99 = L->n_lat ? L->lat_us[(L->n_lat * 99) / 100] / 1000.0 : 0;
    uint64_t failed = 0;
    printf("webrtc_load: %u in parallel for %.1f s: %" PRIu64 " setups (WebSocket + INVITE + "
           "ICE + DTLS keys), %.1f setups/s\n", L->o.parallel, secs, L->setups, rate);
    printf("  INVITE-to-keys latency: median %.2f ms, p99 %.2f ms\n", p50, p99);
    for (int s = ST_CONNECT; s < ST_N; s++) {
        failed += L->failed[s];
        if (L->failed[s])
            printf("  failed in %s: %" PRIu64 "\n", stage_name[s], L->failed[s]);
    }
    double cpu_ms = 0;
    if (L->o.pid) {
        cpu_ms = (double)cpu_ticks / tick * 1000.0;
        printf("  server pid %d: %.0f ms CPU = %.1f%% of one core, %.3f ms CPU per setup\n",
               L->o.pid, cpu_ms, cpu_ms / 10.0 / secs, L->setups ? cpu_ms / L->setups : 0);
    }
    double self_ms = (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000.0 +
                     (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1000.0;
    printf("  load generator CPU: %.0f ms (%.3f ms per setup)\n", self_ms,
           L->setups ? self_ms / L->setups : 0);
    printf("RESULT setups=%" PRIu64 " seconds=%.1f rate=%.1f failed=%" PRIu64
           " p50_ms=%.2f p99_ms=%.2f server_cpu_ms_per_setup=%.3f\n",
           L->setups, secs, rate, failed, p50, p99, L->setups ? cpu_ms / L->setups : 0);
}

int main(int argc, char **argv)
{
    static struct load L;
    if (parse_args(argc, argv, &L.o) != 0)
        return 2;
    rg_rng_os_init(&L.rng);
    g_debug = getenv("RG_LOAD_DEBUG") != NULL;
    L.ep = epoll_create1(0);
    L.lat_us = rg_malloc(sizeof(uint32_t) * MAX_LAT);
    rg_buf_init(&L.msg, 16384);
    struct rlimit rl = {8192, 8192};
    (void)setrlimit(RLIMIT_NOFILE, &rl);
    if (L.ep < 0 || !L.lat_us || setup_dtls(&L) != RG_OK) {
        fprintf(stderr, "webrtc_load: set-up failed\n");
        return 1;
    }
    for (unsigned i = 0; i < MAX_PARALLEL; i++) {
        L.calls[i].idx = i;
        L.calls[i].tcp = L.calls[i].udp = -1;
    }
    /* 1 s warm-up, then the measured window, then drain. */
    run_until(&L, now_us() + 1000000, true);
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    uint64_t c0 = L.o.pid ? proc_cpu_ticks(L.o.pid) : 0;
    int64_t t0 = now_us();
    L.measuring = true;
    run_until(&L, t0 + (int64_t)L.o.seconds * 1000000, true);
    L.measuring = false;
    double secs = (double)(now_us() - t0) / 1e6;
    uint64_t c1 = L.o.pid ? proc_cpu_ticks(L.o.pid) : 0;
    getrusage(RUSAGE_SELF, &r1);
    run_until(&L, now_us() + 5000000, false);
    L.stopping = true;
    for (unsigned i = 0; i < L.o.parallel; i++)
        if (L.calls[i].st != ST_FREE)
            call_free(&L, &L.calls[i], ST_FREE);
    struct rusage d = {0};
    d.ru_utime.tv_sec = r1.ru_utime.tv_sec - r0.ru_utime.tv_sec;
    d.ru_utime.tv_usec = r1.ru_utime.tv_usec - r0.ru_utime.tv_usec;
    d.ru_stime.tv_sec = r1.ru_stime.tv_sec - r0.ru_stime.tv_sec;
    d.ru_stime.tv_usec = r1.ru_stime.tv_usec - r0.ru_stime.tv_usec;
    report(&L, secs, c1 - c0, &d);
    rg_dtls_ctx_free(L.dctx);
    rg_buf_deinit(&L.msg);
    rg_free(L.lat_us);
    close(L.ep);
    return 0;
}
