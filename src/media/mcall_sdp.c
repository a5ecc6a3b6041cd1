/*
 * mcall_sdp.c — offer/answer through a media call: what rtcgate learns from
 * one leg's SDP and the SDP it writes for the other leg.
 *
 * The SDP for the other leg is the received SDP, edited: our address and
 * ports (c=, m=, a=rtcp), the transport profile of that leg, and the ICE,
 * DTLS and rtcp-mux attributes of *our* side of that leg; the peer's own
 * transport attributes (candidates, credentials, fingerprint, setup, crypto)
 * never cross to the other leg.  Codecs, directions, mids, extmaps and
 * unknown attributes are kept (the relay does not transcode here).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "media/mcall.h"
#include "media/mcall_bundle.h"
#include "media/mcall_sdes.h"
#include "media/mcall_xc.h"
#include "proto/dtls/dtls_sdp.h"
#include "proto/sdp/sdp.h"

/* Attributes that describe one peer's transport: removed before the SDP is
 * written for the other leg (RFC 8839, RFC 5763, RFC 8842, RFC 4568). */
static const enum rg_sdp_attr_kind transport_kinds[] = {
    RG_SDP_A_ICE_UFRAG, RG_SDP_A_ICE_PWD,    RG_SDP_A_ICE_OPTIONS, RG_SDP_A_ICE_LITE,
    RG_SDP_A_CANDIDATE, RG_SDP_A_END_OF_CANDIDATES, RG_SDP_A_FINGERPRINT, RG_SDP_A_SETUP,
    RG_SDP_A_TLS_ID,    RG_SDP_A_RTCP,       RG_SDP_A_RTCP_MUX,    RG_SDP_A_CRYPTO,
    RG_SDP_A_GROUP,
};

static const struct rg_sdp_attr *find_attr(const struct rg_sdp *sdp, const struct rg_sdp_media *m,
                                           enum rg_sdp_attr_kind kind)
{
    long i = rg_sdp_attr_find(&m->attrs, kind, 0);
    if (i >= 0)
        return &m->attrs.v[i];
    i = rg_sdp_attr_find(&sdp->attrs, kind, 0);
    return i >= 0 ? &sdp->attrs.v[i] : NULL;
}

/* The transport a peer speaks, from its m= proto (RFC 5764 §8, RFC 5124). */
static int plan_from_media(const struct rg_sdp *sdp, const struct rg_sdp_media *m,
                           struct rg_mside_plan *p, const char **why)
{
    struct rg_str proto = m->proto;
    memset(p, 0, sizeof(*p));
    p->avpf = proto.len && proto.p[proto.len - 1] == 'F';
    if (rg_str_find(proto, RG_STR_LIT("TLS")) >= 0) {
        p->transport = RG_MT_DTLS_SRTP;
    } else if (rg_str_find(proto, RG_STR_LIT("RTP/SAVP")) >= 0) {
        /* RTP/SAVP(F) without DTLS: keys come in a=crypto (RFC 4568 §3.1). */
        p->transport = RG_MT_SDES_SRTP;
    } else if (rg_str_find(proto, RG_STR_LIT("RTP/AVP")) >= 0) {
        p->transport = RG_MT_RTP_AVP;
    } else {
        *why = "unsupported m= transport protocol";
        return RG_EUNSUPP;
    }
    p->rtcp_mux = rg_sdp_attr_find(&m->attrs, RG_SDP_A_RTCP_MUX, 0) >= 0;
    p->ice = find_attr(sdp, m, RG_SDP_A_ICE_UFRAG) ? RG_MICE_FULL : RG_MICE_NONE;
    return RG_OK;
}

static const char *proto_name(const struct rg_mside_plan *p)
{
    if (p->transport == RG_MT_DTLS_SRTP)
        return p->avpf ? "UDP/TLS/RTP/SAVPF" : "UDP/TLS/RTP/SAVP";
    if (p->transport == RG_MT_SDES_SRTP)
        return p->avpf ? "RTP/SAVPF" : "RTP/SAVP";
    return p->avpf ? "RTP/AVPF" : "RTP/AVP";
}

/* True when s rides on another m= line's transport (RFC 9143). */
static bool side_bundled(const struct rg_mcall *c, const struct rg_mside *s)
{
    size_t i = (size_t)((const char *)s - (const char *)c->stream) / sizeof(c->stream[0]);
    int k = s == &c->stream[i].side[0] ? 0 : 1;
    return c->stream[i].transport_of[k] != i;
}

static int ensure_sockets(struct rg_mcall *c, struct rg_mside *s)
{
    if (s->fd_rtp >= 0 || side_bundled(c, s))
        return RG_OK;
    int fds[2] = { -1, -1 };
    struct rg_addr bound[2];
    bool pair = !s->plan.rtcp_mux;
    const struct rg_mports *ports = &c->env->ports;
    bool v6 = s->plan.ip6 && c->env->media_ip6.family != RG_AF_NONE;
    const struct rg_addr *ip = v6 ? &c->env->media_ip6 : &c->env->media_ip;
    const struct rg_addr *alt = v6 ? &c->env->media_ip : &c->env->media_ip6;
    if (ports->open(ports->ud, ip, pair, fds, bound) != RG_OK)
        return RG_EIO;
    s->fd_rtp = fds[0];
    s->local_rtp = bound[0];
    s->fd_rtcp = pair ? fds[1] : -1;
    s->local_rtcp = pair ? bound[1] : bound[0];
    /* RFC 8445 §5.1.1.1: a host candidate for every configured address, so
     * an ICE side also gets a socket of the second family (rtcp-mux only). */
    if (s->plan.ice != RG_MICE_NONE && !pair && alt->family != RG_AF_NONE &&
        ports->open(ports->ud, alt, false, fds, bound) == RG_OK) {
        s->fd_alt = fds[0];
        s->local_alt = bound[0];
    }
    return RG_OK;
}

static int ensure_ice(struct rg_mcall *c, struct rg_mside *s, bool controlling)
{
    if (s->plan.ice == RG_MICE_NONE || s->ice || side_bundled(c, s))
        return RG_OK;
    struct rg_ice_local_addr la[2] = {
        { .addr = s->local_rtp, .socket_id = s->fd_rtp, .component = 1 },
        { .addr = s->local_rtcp, .socket_id = s->fd_rtcp, .component = 2 },
    };
    if (s->fd_alt >= 0)
        la[1] = (struct rg_ice_local_addr){ .addr = s->local_alt, .socket_id = s->fd_alt,
                                            .component = 1 };
    struct rg_ice_config cfg = {
        .mode = s->plan.ice == RG_MICE_LITE ? RG_ICE_LITE : RG_ICE_FULL,
        .role = controlling ? RG_ICE_CONTROLLING : RG_ICE_CONTROLLED,
        .rng = c->env->rng,
        .log = c->env->log,
        .log_ctx = c->call_id,
        .addrs = la,
        .n_addrs = s->fd_rtcp >= 0 || s->fd_alt >= 0 ? 2 : 1,
    };
    return rg_ice_agent_new(&cfg, &s->ice);
}

static int learn_ice(int64_t now_us, struct rg_mside *s, const struct rg_sdp *sdp,
                     const struct rg_sdp_media *m, const char **why)
{
    const struct rg_sdp_attr *uf = find_attr(sdp, m, RG_SDP_A_ICE_UFRAG);
    const struct rg_sdp_attr *pw = find_attr(sdp, m, RG_SDP_A_ICE_PWD);
    s->remote_ice = uf ? (find_attr(sdp, m, RG_SDP_A_ICE_LITE) ? RG_MICE_LITE : RG_MICE_FULL)
                       : RG_MICE_NONE;
    if (!s->ice || !uf || !pw)
        return RG_OK;
    /* RFC 8445 §9 / RFC 8839 §4.4.1.1.2: new credentials from the peer are
     * an ICE restart, and the answer must carry new ones of ours too; media
     * stays on the old pair until a new one is nominated. */
    if (s->remote_ufrag[0] && !rg_str_eq_cstr(uf->u.text, s->remote_ufrag) &&
        rg_ice_agent_restart(s->ice, now_us) != RG_OK) {
        *why = "ICE restart failed";
        return RG_ENOMEM;
    }
    (void)rg_str_copy_cstr(uf->u.text, s->remote_ufrag, sizeof(s->remote_ufrag));
    if (rg_ice_agent_set_remote_credentials(s->ice, now_us, uf->u.text, pw->u.text) != RG_OK) {
        *why = "invalid ice-ufrag/ice-pwd (RFC 8839 §5.4)";
        return RG_EBADMSG;
    }
    for (uint32_t i = 0; i < m->attrs.n; i++) {
        const struct rg_sdp_attr *a = &m->attrs.v[i];
        if (a->kind != RG_SDP_A_CANDIDATE)
            continue;
        const struct rg_sdp_candidate *sc = &a->u.cand;
        /* Only UDP candidates with IP literals: mDNS names cannot be
         * resolved here (peer-reflexive learning covers them). */
        if (!rg_str_caseeq_cstr(sc->transport, "udp") || sc->addr.family == RG_AF_NONE) {
            s->st.cands_skipped++;
            continue;
        }
        struct rg_ice_cand ic = { .addr = sc->addr, .priority = sc->priority,
                                  .component = (uint8_t)sc->component };
        ic.addr.port = sc->port;
        ic.type = sc->type == RG_SDP_CAND_SRFLX   ? RG_ICE_SRFLX
                  : sc->type == RG_SDP_CAND_PRFLX ? RG_ICE_PRFLX
                  : sc->type == RG_SDP_CAND_RELAY ? RG_ICE_RELAY
                                                  : RG_ICE_HOST;
        (void)rg_str_copy_cstr(rg_str_head(sc->foundation, RG_ICE_FOUNDATION_MAX), ic.foundation,
                               sizeof(ic.foundation));
        if (rg_ice_agent_add_remote_candidate(s->ice, now_us, &ic) != RG_OK)
            s->st.cands_skipped++; /* duplicate or over the agent's bound */
    }
    rg_ice_agent_end_of_candidates(s->ice, now_us);
    return RG_OK;
}

static void drop_dtls(struct rg_mside *s)
{
    s->dtls_deferred = false;
    rg_dtls_conn_free(s->dtls);
    rg_srtp_free(s->srtp_in);
    rg_srtp_free(s->srtp_out);
    s->dtls = NULL;
    s->srtp_in = s->srtp_out = NULL;
    s->dtls_state = RG_MDTLS_NONE;
    s->dtls_role = 0;
}

/* Remote transport parameters of side s from the peer's media section. */
static int learn_remote_addr(struct rg_mside *s, const struct rg_sdp *sdp,
                             const struct rg_sdp_media *m, const char **why)
{
    const struct rg_sdp_conn *conn = m->n_conns ? &m->conns[0] : sdp->has_conn ? &sdp->conn : NULL;
    if (!conn || conn->addr.family == RG_AF_NONE) {
        *why = "no usable c= address";
        return RG_EBADMSG;
    }
    s->remote_rtp = conn->addr;
    s->remote_rtp.port = m->port;
    s->remote_rtcp = s->remote_rtp;
    s->remote_rtcp.port = (uint16_t)(m->port + 1);
    long r = rg_sdp_attr_find(&m->attrs, RG_SDP_A_RTCP, 0);
    if (r >= 0) {
        const struct rg_sdp_rtcp *rt = &m->attrs.v[r].u.rtcp;
        struct rg_addr ra;
        if (rt->address.p && rg_addr_parse_ip(rt->address, &ra) == RG_OK)
            s->remote_rtcp = ra;
        s->remote_rtcp.port = rt->port;
    }
    s->remote_mux = rg_sdp_attr_find(&m->attrs, RG_SDP_A_RTCP_MUX, 0) >= 0;
    if (s->remote_mux)
        s->remote_rtcp = s->remote_rtp;
    s->remote_known = m->port != 0;
    return RG_OK;
}

static int learn_remote(int64_t now_us, struct rg_mside *s, const struct rg_sdp *sdp,
                        const struct rg_sdp_media *m, const char **why)
{
    int rc = learn_remote_addr(s, sdp, m, why);
    if (rc != RG_OK)
        return rc;
    const struct rg_sdp_attr *fp = find_attr(sdp, m, RG_SDP_A_FINGERPRINT);
    struct rg_dtls_fp nfp;
    char txt[RG_DTLS_FP_STRLEN + 8];
    if (fp && rg_str_copy_cstr(fp->value, txt, sizeof(txt)) == RG_OK &&
        rg_dtls_fp_parse(rg_str_from_cstr(txt), &nfp) == RG_OK) {
        const struct rg_sdp_attr *tid = find_attr(sdp, m, RG_SDP_A_TLS_ID);
        char ntid[sizeof(s->remote_tls_id)] = "";
        if (tid)
            (void)rg_str_copy_cstr(rg_str_head(tid->u.text, sizeof(ntid) - 1), ntid, sizeof(ntid));
        /* RFC 8842 §5: a new fingerprint or tls-id means a new DTLS
         * association; the same ones (an ICE restart, hold) keep it, so
         * media keys survive (peer-systems.md §3 item 5). */
        if (s->dtls && (!rg_dtls_fp_eq(&nfp, &s->remote_fp) || strcmp(ntid, s->remote_tls_id)))
            drop_dtls(s);
        s->remote_fp = nfp;
        s->has_remote_fp = true;
        memcpy(s->remote_tls_id, ntid, sizeof(ntid));
    }
    if (s->plan.transport == RG_MT_DTLS_SRTP && !s->has_remote_fp) {
        *why = "DTLS-SRTP media without a usable a=fingerprint (RFC 5763 §5)";
        return RG_EBADMSG;
    }
    const struct rg_sdp_attr *setup = find_attr(sdp, m, RG_SDP_A_SETUP);
    s->remote_setup = setup ? setup->u.setup : 0;
    return learn_ice(now_us, s, sdp, m, why);
}

/* Creates the DTLS association of s once both setups are known. */
int rg__mside_dtls_start(struct rg_mcall *c, struct rg_mside *s, int64_t now_us)
{
    struct rg_dtls_conn_cfg cfg = { .role = (enum rg_dtls_role)s->dtls_role,
                                    .n_remote_fp = s->has_remote_fp ? 1 : 0 };
    if (s->has_remote_fp)
        cfg.remote_fp[0] = s->remote_fp;
    char peer[RG_ADDR_STRLEN];
    if (rg_addr_format(&s->remote_rtp, peer, sizeof(peer)) == RG_OK) {
        cfg.peer_id = (const uint8_t *)peer;
        cfg.peer_id_len = strlen(peer);
    }
    int rc = rg_dtls_conn_new(s->dtls_ctx ? s->dtls_ctx : c->env->dtls, &cfg, now_us, &s->dtls);
    s->dtls_deferred = false;
    s->dtls_state = rc == RG_OK ? RG_MDTLS_HANDSHAKE : RG_MDTLS_FAILED;
    return rc;
}

/* Creates the DTLS association of s once both setups are known.  As the
 * client behind ICE it waits for ICE to find a path: the handshake timer
 * (dtlsProfile handshakeTimer) measures DTLS, not a slow ICE (TURN, mobile
 * networks), and a ClientHello has nowhere to go before that anyway. */
static int ensure_dtls(struct rg_mcall *c, int64_t now_us, struct rg_mside *s,
                       enum rg_dtls_role role)
{
    if (s->plan.transport != RG_MT_DTLS_SRTP || s->dtls || s->dtls_deferred)
        return RG_OK;
    s->dtls_role = (uint8_t)role;
    int sock;
    struct rg_addr dest;
    if (role == RG_DTLS_CLIENT && s->ice &&
        rg_ice_agent_media_path(s->ice, 1, &sock, &dest) != RG_OK) {
        s->dtls_deferred = true;
        s->dtls_state = RG_MDTLS_HANDSHAKE;
        return RG_OK;
    }
    return rg__mside_dtls_start(c, s, now_us);
}

/* Our DTLS role toward side s from the peer's a=setup (RFC 5763 §5): when
 * we answer the peer's offer we choose for actpass (active unless the plan
 * says passive); when the peer answered our actpass, its choice decides. */
static int resolve_dtls(struct rg_mcall *c, int64_t now_us, struct rg_mside *s, bool we_answer,
                        const char **why)
{
    if (s->plan.transport != RG_MT_DTLS_SRTP || s->dtls || s->dtls_deferred)
        return RG_OK;
    enum rg_dtls_role role;
    if (s->remote_setup == RG_SDP_SETUP_ACTIVE)
        role = RG_DTLS_SERVER;
    else if (s->remote_setup == RG_SDP_SETUP_PASSIVE)
        role = RG_DTLS_CLIENT;
    else if (we_answer)
        role = s->plan.dtls_passive ? RG_DTLS_SERVER : RG_DTLS_CLIENT;
    else if (s->remote_setup == 0)
        role = RG_DTLS_SERVER; /* RFC 4145 §4: absent means active */
    else {
        *why = "the answer's a=setup must be active or passive (RFC 5763 §5)";
        return RG_EBADMSG;
    }
    return ensure_dtls(c, now_us, s, role);
}

static int add_fmt(struct rg_sdp_attrs *l, struct rg_arena *a, const char *name, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
static int add_fmt(struct rg_sdp_attrs *l, struct rg_arena *a, const char *name, const char *fmt,
                   ...)
{
    char v[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(v, sizeof(v), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(v))
        return RG_ELIMIT;
    return rg_sdp_attr_add(l, a, name, rg_str_make(v, (size_t)n));
}

static int add_candidates(struct rg_mside *s, struct rg_sdp_attrs *l, struct rg_arena *a)
{
    int rc = RG_OK;
    for (size_t i = 0; rc == RG_OK && i < rg_ice_agent_local_count(s->ice); i++) {
        struct rg_ice_cand ic;
        char ip[RG_ADDR_IP_STRLEN];
        if (rg_ice_agent_local_candidate(s->ice, i, &ic) != RG_OK ||
            rg_addr_format_ip(&ic.addr, ip, sizeof(ip)) != RG_OK)
            continue;
        rc = add_fmt(l, a, "candidate", "%s %u UDP %" PRIu32 " %s %u typ %s", ic.foundation,
                     ic.component, ic.priority, ip, ic.addr.port,
                     rg_ice_cand_type_name((enum rg_ice_cand_type)ic.type));
    }
    if (rc == RG_OK)
        rc = rg_sdp_attr_add(l, a, "end-of-candidates", RG_STR_NULL);
    return rc;
}

/* Our transport attributes for side s into media section m. */
static int write_transport(struct rg_mcall *c, const struct rg_mstream *st, struct rg_mside *s,
                           struct rg_sdp *sdp, struct rg_sdp_media *m, struct rg_arena *a,
                           bool offering)
{
    const struct rg_mside_plan *p = &s->plan;
    int k = (int)(s - st->side);
    unsigned owner = st->transport_of[k];
    if (owner != (unsigned)(st - c->stream)) {
        /* A bundled m= line (RFC 9143 §7.3): the tagged line's address and
         * port, its mid, and no transport attributes of its own. */
        const struct rg_mside *os = &c->stream[owner].side[k];
        m->port = os->local_rtp.port;
        m->proto = rg_arena_str(a, rg_str_from_cstr(proto_name(p)));
        if (!m->proto.p || rg_sdp_set_conn(sdp, m, a, &os->local_rtp) != RG_OK)
            return RG_ENOMEM;
        int rc = rg_sdp_attr_find(&m->attrs, RG_SDP_A_MID, 0) >= 0
                     ? RG_OK
                     : rg_sdp_attr_add(&m->attrs, a, "mid", rg_str_from_cstr(st->mid));
        return rc == RG_OK ? rg_sdp_attr_add(&m->attrs, a, "rtcp-mux", RG_STR_NULL) : rc;
    }
    /* JSEP (RFC 8829 §5.2.1) peers need a=mid in every m= section: keep the
     * one this stream was given, or name it by its index. */
    if (p->transport == RG_MT_DTLS_SRTP && rg_sdp_attr_find(&m->attrs, RG_SDP_A_MID, 0) < 0) {
        int rc = st->mid[0] ? rg_sdp_attr_add(&m->attrs, a, "mid", rg_str_from_cstr(st->mid))
                            : add_fmt(&m->attrs, a, "mid", "%u", (unsigned)(st - c->stream));
        if (rc != RG_OK)
            return rc;
    }
    m->port = s->local_rtp.port;
    m->proto = rg_arena_str(a, rg_str_from_cstr(proto_name(p)));
    const struct rg_addr *conn = p->advertise.family != RG_AF_NONE ? &p->advertise : &s->local_rtp;
    if (!m->proto.p || rg_sdp_set_conn(sdp, m, a, conn) != RG_OK)
        return RG_ENOMEM;
    int rc = RG_OK;
    if (s->fd_rtcp >= 0)
        rc = add_fmt(&m->attrs, a, "rtcp", "%u", s->local_rtcp.port);
    else
        rc = rg_sdp_attr_add(&m->attrs, a, "rtcp-mux", RG_STR_NULL);
    if (rc == RG_OK && s->ice) {
        struct rg_str uf = rg_ice_agent_local_ufrag(s->ice), pw = rg_ice_agent_local_pwd(s->ice);
        rc = rg_sdp_attr_add(&m->attrs, a, "ice-ufrag", uf);
        if (rc == RG_OK)
            rc = rg_sdp_attr_add(&m->attrs, a, "ice-pwd", pw);
        if (rc == RG_OK)
            rc = add_candidates(s, &m->attrs, a);
    }
    if (rc == RG_OK && p->transport == RG_MT_DTLS_SRTP) {
        char fp[RG_DTLS_FP_STRLEN];
        rc = rg_dtls_fp_format(s->local_fp ? s->local_fp : &c->env->local_fp, fp, sizeof(fp));
        if (rc == RG_OK)
            rc = rg_sdp_attr_add(&m->attrs, a, "fingerprint", rg_str_from_cstr(fp));
        /* RFC 5763 §5: offers say actpass unless an association exists,
         * whose roles a re-offer keeps. */
        const char *setup = offering && !s->dtls ? "actpass"
                            : s->dtls_role == RG_DTLS_SERVER ? "passive" : "active";
        if (rc == RG_OK)
            rc = rg_sdp_attr_add(&m->attrs, a, "setup", rg_str_from_cstr(setup));
    }
    if (rc == RG_OK && p->transport == RG_MT_SDES_SRTP)
        rc = rg_msdes_write(c->env, s, &m->attrs, a, offering);
    return rc;
}

static void strip_transport(struct rg_sdp_attrs *l)
{
    for (size_t i = 0; i < sizeof(transport_kinds) / sizeof(transport_kinds[0]); i++)
        (void)rg_sdp_attr_remove_kind(l, transport_kinds[i]);
}

/* Edits the parsed input SDP into the SDP for side `to`. */
static int write_sdp(struct rg_mcall *c, struct rg_sdp *sdp, struct rg_arena *a, int to,
                     bool offering, struct rg_buf *out)
{
    strip_transport(&sdp->attrs);
    bool lite = false;
    for (unsigned i = 0; i < c->n_streams; i++)
        lite |= c->stream[i].side[to].plan.ice == RG_MICE_LITE && c->stream[i].side[to].ice;
    const struct rg_addr *ip = c->n_streams ? &c->stream[0].side[to].local_rtp : &c->env->media_ip;
    int rc = rg_sdp_set_origin(sdp, a, "-", c->sdp_sess_id, ++c->sdp_version[to], ip);
    if (rc == RG_OK && sdp->has_conn)
        rc = rg_sdp_set_conn(sdp, NULL, a, ip);
    if (rc == RG_OK && lite)
        rc = rg_sdp_attr_add(&sdp->attrs, a, "ice-lite", RG_STR_NULL);
    if (rc == RG_OK)
        rc = rg_mbundle_write_group(c, sdp, a, to);
    for (unsigned i = 0; rc == RG_OK && i < sdp->n_media && i < c->n_streams; i++) {
        strip_transport(&sdp->media[i].attrs);
        rc = write_transport(c, &c->stream[i], &c->stream[i].side[to], sdp, &sdp->media[i], a,
                             offering);
        if (rc == RG_OK)
            rc = rg_mbundle_write_media(c, i, to, &sdp->media[i], a);
    }
    return rc == RG_OK ? rg_sdp_print(sdp, out) : rc;
}

void rg_mside_plan_apply(struct rg_mside_plan *p, const struct rg_mside_req *r)
{
    if (r->transport >= 0)
        p->transport = (uint8_t)r->transport;
    if (r->avpf >= 0)
        p->avpf = r->avpf;
    if (r->ice >= 0)
        p->ice = (uint8_t)r->ice;
    if (r->rtcp_mux >= 0)
        p->rtcp_mux = r->rtcp_mux;
    if (r->dtls_passive >= 0)
        p->dtls_passive = r->dtls_passive;
    if (r->ip6 >= 0)
        p->ip6 = r->ip6;
    if (r->advertise.family != RG_AF_NONE)
        p->advertise = r->advertise;
    /* Browsers require rtcp-mux with DTLS-SRTP (JSEP, RFC 8829 §5.1.1)
     * unless someone explicitly asked to demultiplex. */
    if (p->transport == RG_MT_DTLS_SRTP && r->rtcp_mux < 0 && r->transport >= 0)
        p->rtcp_mux = true;
}

/* The DTLS profile a side uses: 0 or an index beyond the table = the
 * engine's default. */
static void side_dtls_prof(const struct rg_mcall_env *env, struct rg_mside *s, unsigned k)
{
    if (k >= 1 && k <= env->n_dtls_profs && env->dtls_profs[k - 1].ctx) {
        s->dtls_ctx = env->dtls_profs[k - 1].ctx;
        s->local_fp = &env->dtls_profs[k - 1].fp;
    } else {
        s->dtls_ctx = env->dtls;
        s->local_fp = &env->local_fp;
    }
}

static int new_stream(struct rg_mcall *c, const struct rg_sdp_media *m, int from,
                      const struct rg_mside_plan *plan_from, const struct rg_mside_req *req)
{
    struct rg_mstream *st = &c->stream[c->n_streams];
    memset(st, 0, sizeof(*st));
    (void)rg_str_copy_cstr(rg_str_head(m->media, sizeof(st->media) - 1), st->media,
                           sizeof(st->media));
    long mid = rg_sdp_attr_find(&m->attrs, RG_SDP_A_MID, 0);
    if (mid >= 0)
        (void)rg_str_copy_cstr(rg_str_head(m->attrs.v[mid].u.text, sizeof(st->mid) - 1), st->mid,
                               sizeof(st->mid));
    st->transport_of[0] = st->transport_of[1] = (uint8_t)c->n_streams;
    for (uint32_t f = 0; f < m->n_fmts && st->n_pt < RG_MSTREAM_MAX_PT; f++) {
        uint32_t pt;
        if (rg_str_to_u32(m->fmts[f], 127, &pt) == RG_OK)
            st->pt[st->n_pt++] = (uint8_t)pt;
    }
    for (int k = 0; k < 2; k++) {
        st->side[k].fd_rtp = st->side[k].fd_rtcp = st->side[k].fd_alt = -1;
        side_dtls_prof(c->env, &st->side[k], k == from ? req->from_dtls_prof : req->dtls_prof);
        st->side[k].plan = *plan_from;
        if (k != from)
            rg_mside_plan_apply(&st->side[k].plan, req);
        else if (req->from_ice_lite == 1 && plan_from->ice == RG_MICE_FULL)
            st->side[k].plan.ice = RG_MICE_LITE; /* a lite agent answers the offerer */
    }
    c->n_streams++;
    return RG_OK;
}

/* RFC 9143 §7: when the peer on side `from` offers m= lines grouped with
 * BUNDLE, the first mid of the group (the tagged m= line) owns the transport
 * every other grouped m= line of that side uses.  Only a transport that
 * demuxes by payload type can be shared, so only secure (WebRTC) sides
 * bundle.  (A group in an answer to rtcgate's own offer is taken by
 * rg_mbundle_take_answer.) */
static void bundle_map(struct rg_mcall *c, int from, unsigned i, const struct rg_sdp *sdp)
{
    struct rg_mstream *st = &c->stream[i];
    if (st->side[from].plan.transport != RG_MT_DTLS_SRTP || !st->mid[0])
        return;
    for (long g = rg_sdp_attr_find(&sdp->attrs, RG_SDP_A_GROUP, 0); g >= 0;
         g = rg_sdp_attr_find(&sdp->attrs, RG_SDP_A_GROUP, (uint32_t)g + 1)) {
        const struct rg_sdp_group *grp = &sdp->attrs.v[g].u.group;
        if (!rg_str_eq_cstr(grp->semantics, "BUNDLE") || grp->n_ids == 0)
            continue;
        bool member = false;
        for (uint32_t k = 0; k < grp->n_ids; k++)
            member |= rg_str_eq_cstr(grp->ids[k], st->mid);
        for (unsigned t = 0; member && t < i; t++) {
            if (rg_str_eq_cstr(grp->ids[0], c->stream[t].mid)) {
                st->transport_of[from] = c->stream[t].transport_of[from];
                return;
            }
        }
    }
}

/* One media section of an offer or answer coming from side `from`. */
static int take_media(struct rg_mcall *c, int64_t now_us, int from, bool offer, unsigned i,
                      const struct rg_sdp *sdp, const struct rg_sdp_media *m,
                      const struct rg_mside_req *req, const char **why)
{
    if (i >= c->n_streams) {
        if (!offer || i >= RG_MCALL_MAX_STREAMS) {
            *why = i >= RG_MCALL_MAX_STREAMS ? "too many m= lines" : "answer adds m= lines";
            return i >= RG_MCALL_MAX_STREAMS ? RG_ELIMIT : RG_EBADMSG;
        }
        struct rg_mside_plan pf;
        int rc = plan_from_media(sdp, m, &pf, why);
        if (rc != RG_OK)
            return rc;
        new_stream(c, m, from, &pf, req);
    } else if (!offer) {
        /* The answer's flags present the offerer's side (set at offer time
         * from its own SDP) as asked now. */
        rg_mside_plan_apply(&c->stream[i].side[1 - from].plan, req);
    }
    if (offer)
        bundle_map(c, from, i, sdp);
    rg_mbundle_learn(c, i, from, m);
    struct rg_mside *s = &c->stream[i].side[from], *o = &c->stream[i].side[1 - from];
    bool bundled = c->stream[i].transport_of[from] != i;
    if (bundled) {
        /* RFC 9143: this m= line rides on the tagged m= line's transport;
         * only its remote address and payload types matter here. */
        int rc = ensure_sockets(c, o);
        if (rc == RG_OK)
            rc = ensure_ice(c, o, true);
        return rc == RG_OK ? learn_remote_addr(s, sdp, m, why) : rc;
    }
    int rc = ensure_sockets(c, s);
    if (rc == RG_OK)
        rc = ensure_sockets(c, o);
    /* RFC 8445 §6.1.1: the offerer of a full/full session controls. */
    if (rc == RG_OK)
        rc = ensure_ice(c, s, s->plan.ice == RG_MICE_FULL && find_attr(sdp, m, RG_SDP_A_ICE_LITE));
    if (rc == RG_OK)
        rc = ensure_ice(c, o, true);
    if (rc != RG_OK) {
        *why = "no media socket or ICE agent available";
        return rc;
    }
    rc = learn_remote(now_us, s, sdp, m, why);
    if (rc == RG_OK && s->plan.transport == RG_MT_SDES_SRTP && m->port != 0)
        rc = rg_msdes_learn(c->env, s, m, offer, why);
    if (rc == RG_OK) {
        /* A new SDP opens a new latching window (a re-INVITE after a NAT
         * rebinding must be able to move the media). */
        s->sig_src = req->sig_src;
        s->latch_until_us = now_us + RG_MCALL_LATCH_WINDOW_US;
        s->latched = false;
    }
    if (rc == RG_OK && !offer)
        rc = resolve_dtls(c, now_us, s, false, why);
    return rc;
}

int rg_mcall_sdp(struct rg_mcall *c, int64_t now_us, int from, bool is_offer, struct rg_str sdp_in,
                 const struct rg_mside_req *req, struct rg_buf *out, const char **why)
{
    struct rg_arena a;
    rg_arena_init(&a, 16384, 1u << 20);
    struct rg_sdp *sdp = NULL;
    struct rg_sdp_error err = { 0 };
    int rc = rg_sdp_parse(sdp_in, NULL, &a, &sdp, &err);
    if (rc != RG_OK) {
        *why = err.what ? err.what : "unparsable SDP";
        rg_arena_deinit(&a);
        return rc == RG_ENOMEM ? rc : RG_EBADMSG;
    }
    bool offering = is_offer;
    unsigned n_before = c->n_streams;
    if (!is_offer)
        rc = rg_mbundle_take_answer(c, from, sdp, why);
    for (unsigned i = 0; rc == RG_OK && i < sdp->n_media; i++)
        rc = take_media(c, now_us, from, is_offer, i, sdp, &sdp->media[i], req, why);
    /* RFC 9143 §7.2: the initial offer toward a WebRTC side may group its
     * m= lines (each still on its own transport until the answer). */
    if (rc == RG_OK && is_offer && n_before == 0)
        rg_mbundle_plan_offer(c, 1 - from, req);
    /* Answering side `to`'s earlier offer: our DTLS role toward it. */
    for (unsigned i = 0; rc == RG_OK && !offering && i < c->n_streams; i++)
        if (c->stream[i].transport_of[1 - from] == i) /* bundled lines share the owner's */
            rc = resolve_dtls(c, now_us, &c->stream[i].side[1 - from], true, why);
    if (rc == RG_OK)
        rc = rg__mxc_sdp(c, from, is_offer, sdp, &a, req, why); /* codecs: relay or transcode */
    if (rc == RG_OK) {
        rc = write_sdp(c, sdp, &a, 1 - from, offering, out);
        if (rc != RG_OK)
            *why = "could not write the SDP";
    }
    if (rc == RG_OK && !offering)
        c->answered = true;
    rg_arena_deinit(&a);
    return rc;
}
