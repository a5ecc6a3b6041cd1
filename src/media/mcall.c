/*
 * mcall.c — the media call's packet path: demultiplex, ICE, DTLS, SRTP and
 * relay between the two sides of each stream (see mcall.h for the contract).
 */
#include "media/mcall.h"
#include "media/mcall_bundle.h"

#include <string.h>

#include "core/alloc.h"
#include "media/mcall_xc.h"
#include "proto/rtp/demux.h"

int rg_mcall_create(const struct rg_mcall_env *env, struct rg_str call_id, struct rg_str from_tag,
                    int64_t now_us, struct rg_mcall **out)
{
    struct rg_mcall *c = rg_calloc(1, sizeof(*c));
    if (!c)
        return RG_ENOMEM;
    if (rg_str_copy_cstr(call_id, c->call_id, sizeof(c->call_id)) != RG_OK ||
        rg_str_copy_cstr(from_tag, c->tag[0], sizeof(c->tag[0])) != RG_OK) {
        rg_free(c);
        return RG_ELIMIT;
    }
    c->env = env;
    c->created_us = now_us;
    c->sdp_sess_id = rg_rng_u32(env->rng);
    *out = c;
    return RG_OK;
}

static void side_free(const struct rg_mcall_env *env, struct rg_mside *s)
{
    if (s->fd_rtp >= 0)
        env->ports.close(env->ports.ud, s->fd_rtp);
    if (s->fd_rtcp >= 0)
        env->ports.close(env->ports.ud, s->fd_rtcp);
    if (s->fd_alt >= 0)
        env->ports.close(env->ports.ud, s->fd_alt);
    rg_ice_agent_free(s->ice);
    rg_dtls_conn_free(s->dtls);
    rg_srtp_free(s->srtp_in);
    rg_srtp_free(s->srtp_out);
}

void rg_mcall_destroy(struct rg_mcall *c)
{
    if (!c)
        return;
    for (unsigned i = 0; i < c->n_streams; i++) {
        for (int k = 0; k < 2; k++)
            side_free(c->env, &c->stream[i].side[k]);
        rg__mxc_free(c->stream[i].xc);
    }
    rg_free(c);
}

/* ---- transmit ring ------------------------------------------------------ */

static struct rg_mtx *tx_reserve(struct rg_mcall *c)
{
    if (c->tx_count == RG_MCALL_TX_SLOTS) {
        c->tx_overflow++;
        return NULL;
    }
    return &c->tx[(c->tx_head + c->tx_count) % RG_MCALL_TX_SLOTS];
}

static void tx_commit(struct rg_mcall *c)
{
    c->tx_count++;
}

int rg_mcall_poll_transmit(struct rg_mcall *c, const struct rg_mtx **out)
{
    if (c->tx_count == 0)
        return RG_ENOTFOUND;
    *out = &c->tx[c->tx_head];
    c->tx_head = (c->tx_head + 1) % RG_MCALL_TX_SLOTS;
    c->tx_count--;
    /* Drained: restart at slot 0, so that a call relaying one packet per
     * wake-up keeps reusing one hot slot instead of walking all 16 (48 kB
     * of cache and resident memory per call).  Views already handed out
     * stay valid: nothing is written until the next handle_* call. */
    if (c->tx_count == 0)
        c->tx_head = 0;
    return RG_OK;
}

static void tx_copy(struct rg_mcall *c, int fd, const struct rg_addr *dest, const uint8_t *p,
                    size_t n)
{
    struct rg_mtx *t = tx_reserve(c);
    if (!t || n > sizeof(t->data))
        return;
    t->fd = fd;
    t->dest = *dest;
    t->len = (uint16_t)n;
    memcpy(t->data, p, n);
    tx_commit(c);
}

/* ---- media path of a side ----------------------------------------------- */

/* Where media for component `comp` of side s goes: the ICE selected pair
 * (only while consent lives, RFC 7675), else the signalled address. */
static bool side_path(const struct rg_mside *s, bool rtcp, int *fd, struct rg_addr *dest)
{
    bool use_rtcp_port = rtcp && s->fd_rtcp >= 0 && !s->remote_mux;
    if (s->ice) {
        return rg_ice_agent_media_path(s->ice, use_rtcp_port ? 2 : 1, fd, dest) == RG_OK;
    }
    if (!s->remote_known)
        return false;
    *fd = use_rtcp_port ? s->fd_rtcp : s->fd_rtp;
    *dest = use_rtcp_port ? s->remote_rtcp : s->remote_rtp;
    return true;
}

static void keys_up(struct rg_mside *s, const struct rg_dtls_event *ev)
{
    struct rg_srtp_cfg in = { .key = ev->remote, .dir = RG_SRTP_INBOUND };
    struct rg_srtp_cfg out = { .key = ev->local, .dir = RG_SRTP_OUTBOUND };
    rg_srtp_free(s->srtp_in);
    rg_srtp_free(s->srtp_out);
    s->srtp_in = s->srtp_out = NULL;
    if (rg_srtp_new(&in, &s->srtp_in) != RG_OK || rg_srtp_new(&out, &s->srtp_out) != RG_OK) {
        s->dtls_state = RG_MDTLS_FAILED;
        (void)rg_str_copy_cstr(RG_STR_LIT("SRTP session setup failed"), s->dtls_fail,
                               sizeof(s->dtls_fail));
        return;
    }
    s->srtp_profile = (uint16_t)ev->local.profile;
    s->dtls_state = RG_MDTLS_UP;
}

/* Drains what the side's ICE agent and DTLS association have to say. */
static void side_pump(struct rg_mcall *c, struct rg_mside *s, int64_t now_us)
{
    if (s->ice) {
        struct rg_ice_transmit it;
        while (rg_ice_agent_poll_transmit(s->ice, &it) == RG_OK)
            tx_copy(c, it.socket_id, &it.dest, it.data, it.len);
        struct rg_ice_event ev;
        while (rg_ice_agent_poll_event(s->ice, &ev) == RG_OK) {
            RG_LOG(c->env->log, RG_LOG_DEBUG, ice, c->call_id, "ice event %u state %s", ev.type,
                   rg_ice_state_name((enum rg_ice_state)ev.state));
        }
    }
    int pfd;
    struct rg_addr pdest;
    if (s->dtls_deferred && side_path(s, false, &pfd, &pdest) &&
        rg__mside_dtls_start(c, s, now_us) != RG_OK)
        RG_LOG(c->env->log, RG_LOG_WARN, dtls, c->call_id, "DTLS association not created");
    if (!s->dtls)
        return;
    struct rg_dtls_event dev;
    while (rg_dtls_conn_poll_event(s->dtls, &dev) == RG_OK) {
        if (dev.type == RG_DTLS_EV_CONNECTED) {
            keys_up(s, &dev);
        } else if (dev.type == RG_DTLS_EV_FAILED) {
            s->dtls_state = RG_MDTLS_FAILED;
            (void)rg_str_copy_cstr(rg_str_from_cstr(dev.reason), s->dtls_fail,
                                   sizeof(s->dtls_fail));
            RG_LOG(c->env->log, RG_LOG_WARN, dtls, c->call_id, "DTLS failed: %s", dev.reason);
        }
    }
    /* DTLS flights wait in the association until a path exists: sending
     * before ICE selected a pair would go nowhere (and leak to unchecked
     * addresses). */
    int fd;
    struct rg_addr dest;
    if (!side_path(s, false, &fd, &dest))
        return;
    for (;;) {
        struct rg_mtx *t = tx_reserve(c);
        size_t n = 0;
        if (!t || rg_dtls_conn_poll_transmit(s->dtls, t->data, sizeof(t->data), &n) != RG_OK)
            break;
        t->fd = fd;
        t->dest = dest;
        t->len = (uint16_t)n;
        tx_commit(c);
    }
}

/* ---- relay ---------------------------------------------------------------- */

/*
 * Who may send media on a side.  With ICE: only addresses that passed a
 * connectivity check.  Without ICE: the signalled address, or — once, within
 * RG_MCALL_LATCH_WINDOW_US of the SDP — a source whose IP is the signalled IP
 * (a NAT changed only the port) or the IP the leg's SIP signalling came from
 * (a phone behind NAT that wrote its private address in the SDP).  The
 * remote address then moves there for good and every other source is
 * dropped.  RTP Bleed and RTP Inject need a stranger to be believed: here a
 * stranger can only be latched by spoofing the peer's own IP during the
 * first seconds of the call, and never after the first latch.
 */
static bool source_ok(struct rg_mside *s, int64_t now_us, int fd, const struct rg_addr *from,
                      bool rtcp)
{
    if (s->ice)
        return rg_ice_agent_inbound_ok(s->ice, fd, from);
    if (!s->remote_known)
        return false;
    if (rg_addr_eq(from, &s->remote_rtp) || rg_addr_eq(from, &s->remote_rtcp))
        return true;
    bool same_ip = rg_addr_ip_eq(from, &s->remote_rtp) ||
                   (s->sig_src.family != RG_AF_NONE && rg_addr_ip_eq(from, &s->sig_src));
    if (s->latched || now_us > s->latch_until_us || !same_ip)
        return false;
    s->latched = true;
    s->latches++;
    if (rtcp && !s->remote_mux && fd == s->fd_rtcp) {
        s->remote_rtcp = *from;
    } else {
        s->remote_rtp = *from;
        s->remote_rtcp = *from;
        if (!s->remote_mux)
            s->remote_rtcp.port = (uint16_t)(from->port + 1); /* RFC 3550 §11 */
    }
    return true;
}

/* The side that owns the transport side k of stream i uses (BUNDLE). */
static struct rg_mside *transport(struct rg_mcall *c, unsigned i, int k)
{
    return &c->stream[c->stream[i].transport_of[k]].side[k];
}

/* s: the side the packet arrived on (its transport's owner); the packet is
 * counted on its stream's side and sent through the other side's transport. */
static void relay(struct rg_mcall *c, int64_t now_us, unsigned owner, int k, int fd,
                  const struct rg_addr *from, uint8_t *data, size_t len, bool rtcp)
{
    struct rg_mside *s = &c->stream[owner].side[k];
    if (!source_ok(s, now_us, fd, from, rtcp)) {
        s->st.drop_source++;
        return;
    }
    if (s->plan.transport != RG_MT_RTP_AVP) {
        if (!s->srtp_in) {
            s->st.drop_nokeys++;
            return;
        }
        int rc = rtcp ? rg_srtp_unprotect_rtcp(s->srtp_in, data, len, &len)
                      : rg_srtp_unprotect_rtp(s->srtp_in, data, len, &len);
        if (rc != RG_OK) {
            s->st.drop_srtp++;
            return;
        }
    }
    /* On a shared (BUNDLE) transport: which m= line, once authenticated. */
    unsigned si = rg_mbundle_demux(c, owner, k, data, len, rtcp);
    if (si >= c->n_streams) {
        s->st.drop_demux++;
        return;
    }
    struct rg_mside *in = &c->stream[si].side[k];
    struct rg_mside *out = &c->stream[si].side[1 - k];
    struct rg_mside *d = transport(c, si, 1 - k);
    in->st.pkts_in++;
    in->st.bytes_in += len;
    in->st.rtcp_in += rtcp;
    /* Transcoded (mcall_xc.c): decoded now, re-encoded on the timer. */
    if (c->stream[si].xc && rg__mxc_input(c, si, k, data, len, rtcp, now_us))
        return;
    int ofd;
    struct rg_addr dest;
    struct rg_mtx *t = tx_reserve(c);
    bool secure = d->plan.transport != RG_MT_RTP_AVP;
    if (!t || (secure && !d->srtp_out) || !side_path(d, rtcp, &ofd, &dest) ||
        len + RG_SRTP_MAX_TRAILER > sizeof(t->data)) {
        out->st.drop_nokeys++;
        return;
    }
    memcpy(t->data, data, len);
    if (secure) {
        int rc = rtcp ? rg_srtp_protect_rtcp(d->srtp_out, t->data, len, sizeof(t->data), &len)
                      : rg_srtp_protect_rtp(d->srtp_out, t->data, len, sizeof(t->data), &len);
        if (rc != RG_OK) {
            out->st.drop_srtp++;
            return;
        }
    }
    t->fd = ofd;
    t->dest = dest;
    t->len = (uint16_t)len;
    tx_commit(c);
    out->st.pkts_out++;
    out->st.bytes_out += len;
    out->st.rtcp_out += rtcp;
}

void rg__mcall_send(struct rg_mcall *c, unsigned si, int k, uint8_t *data, size_t len,
                    size_t cap, bool rtcp)
{
    struct rg_mside *out = &c->stream[si].side[k];
    struct rg_mside *d = transport(c, si, k);
    bool secure = d->plan.transport != RG_MT_RTP_AVP;
    int ofd;
    struct rg_addr dest;
    if ((secure && !d->srtp_out) || !side_path(d, rtcp, &ofd, &dest)) {
        out->st.drop_nokeys++;
        return;
    }
    if (secure) {
        int rc = rtcp ? rg_srtp_protect_rtcp(d->srtp_out, data, len, cap, &len)
                      : rg_srtp_protect_rtp(d->srtp_out, data, len, cap, &len);
        if (rc != RG_OK) {
            out->st.drop_srtp++;
            return;
        }
    }
    tx_copy(c, ofd, &dest, data, len);
    out->st.pkts_out++;
    out->st.bytes_out += len;
    out->st.rtcp_out += rtcp;
}

static bool find_fd(struct rg_mcall *c, int fd, struct rg_mstream **st, int *side)
{
    for (unsigned i = 0; i < c->n_streams; i++) {
        for (int k = 0; k < 2; k++) {
            const struct rg_mside *s = &c->stream[i].side[k];
            if (s->fd_rtp == fd || (s->fd_rtcp >= 0 && s->fd_rtcp == fd) ||
                (s->fd_alt >= 0 && s->fd_alt == fd)) {
                *st = &c->stream[i];
                *side = k;
                return true;
            }
        }
    }
    return false;
}

void rg_mcall_handle_datagram(struct rg_mcall *c, int64_t now_us, int fd,
                              const struct rg_addr *from, uint8_t *data, size_t len)
{
    struct rg_mstream *st;
    int k;
    if (!find_fd(c, fd, &st, &k))
        return;
    struct rg_mside *s = &st->side[k];
    switch (rg_demux_classify(data, len)) {
    case RG_DEMUX_STUN:
        s->st.stun_in++;
        if (!s->ice)
            return;
        /* F12: STUN from the peer's own candidate addresses is processed at
         * full rate; everything else shares the aggregate STUN policer. */
        if (c->env->stun_policer &&
            !rg_ice_agent_source_is_priority(s->ice, from, c->env->srflx_prefix) &&
            !rg_policer_admit(c->env->stun_policer, now_us, len)) {
            s->st.stun_policed++;
            return;
        }
        (void)rg_ice_agent_handle_packet(s->ice, now_us, fd, from, data, len);
        break;
    case RG_DEMUX_DTLS:
        s->st.dtls_in++;
        if (c->env->dtls_policer && !rg_policer_admit(c->env->dtls_policer, now_us, len)) {
            s->st.dtls_policed++;
            return;
        }
        if (s->dtls && source_ok(s, now_us, fd, from, false) &&
            rg_dtls_conn_handle_input(s->dtls, now_us, data, len) != RG_OK)
            s->st.dtls_rejected++; /* after failure/close, or oversized */
        break;
    case RG_DEMUX_RTP:
    case RG_DEMUX_RTCP:
        relay(c, now_us, (unsigned)(st - c->stream), k, fd, from, data, len,
              rg_demux_classify(data, len) == RG_DEMUX_RTCP);
        return;
    default:
        return;
    }
    side_pump(c, s, now_us);
}

void rg_mcall_handle_timeout(struct rg_mcall *c, int64_t now_us)
{
    for (unsigned i = 0; i < c->n_streams; i++) {
        for (int k = 0; k < 2; k++) {
            struct rg_mside *s = &c->stream[i].side[k];
            if (s->ice && rg_ice_agent_next_timeout_us(s->ice) <= now_us)
                rg_ice_agent_handle_timeout(s->ice, now_us);
            if (s->dtls && rg_dtls_conn_next_timeout_us(s->dtls) <= now_us &&
                rg_dtls_conn_handle_timeout(s->dtls, now_us) != RG_OK)
                s->st.dtls_rejected++;
            side_pump(c, s, now_us);
        }
    }
    rg__mxc_timeout(c, now_us);
}

int64_t rg_mcall_next_timeout_us(const struct rg_mcall *c)
{
    int64_t next = INT64_MAX;
    for (unsigned i = 0; i < c->n_streams; i++) {
        for (int k = 0; k < 2; k++) {
            const struct rg_mside *s = &c->stream[i].side[k];
            int64_t t;
            if (s->ice && (t = rg_ice_agent_next_timeout_us(s->ice)) < next)
                next = t;
            if (s->dtls && (t = rg_dtls_conn_next_timeout_us(s->dtls)) < next)
                next = t;
        }
        int64_t t = rg__mxc_next_us(c->stream[i].xc);
        next = t < next ? t : next;
    }
    return next;
}

void rg_mcall_each_fd(const struct rg_mcall *c, void (*fn)(void *ud, int fd), void *ud)
{
    for (unsigned i = 0; i < c->n_streams; i++) {
        for (int k = 0; k < 2; k++) {
            const struct rg_mside *s = &c->stream[i].side[k];
            if (s->fd_rtp >= 0)
                fn(ud, s->fd_rtp);
            if (s->fd_rtcp >= 0)
                fn(ud, s->fd_rtcp);
            if (s->fd_alt >= 0)
                fn(ud, s->fd_alt);
        }
    }
}

const char *rg_mside_ice_state(const struct rg_mside *s)
{
    return s->ice ? rg_ice_state_name(rg_ice_agent_state(s->ice)) : "none";
}

const char *rg_mside_dtls_state_name(const struct rg_mside *s)
{
    static const char *const names[] = { "none", "handshake", "up", "failed" };
    return s->dtls_state < 4 ? names[s->dtls_state] : "?";
}
