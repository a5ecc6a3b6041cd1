/*
 * mcall_bundle.c — BUNDLE offers, answers and routing of a media call
 * (RFC 9143); see mcall_bundle.h for the contract.
 */
#include "media/mcall_bundle.h"

#include <stdio.h>
#include <string.h>

/* ---- group membership ----------------------------------------------------- */

/* True when another stream rides on stream t's transport toward side k. */
static bool shared(const struct rg_mcall *c, unsigned t, int k)
{
    for (unsigned j = 0; j < c->n_streams; j++)
        if (j != t && c->stream[j].transport_of[k] == t)
            return true;
    return false;
}

/* True when stream i is listed in a group toward side k (offered or
 * negotiated). */
static bool grouped(const struct rg_mcall *c, unsigned i, int k)
{
    return c->stream[i].bundle_offer[k] || shared(c, c->stream[i].transport_of[k], k);
}

static bool webrtc_plan(const struct rg_mside_plan *p)
{
    return p->transport == RG_MT_DTLS_SRTP && p->rtcp_mux && p->ice != RG_MICE_NONE;
}

/* RFC 9143 §9.2: routing by payload type needs each PT in one member only. */
static bool pts_disjoint(const struct rg_mstream *a, const struct rg_mstream *b)
{
    for (unsigned i = 0; i < a->n_pt; i++)
        for (unsigned j = 0; j < b->n_pt; j++)
            if (a->pt[i] == b->pt[j])
                return false;
    return true;
}

/* A unique a=mid for stream i when it has none (RFC 5888 §4: unique in the
 * session).  At most RG_MCALL_MAX_STREAMS names are taken, so one of the
 * first RG_MCALL_MAX_STREAMS + 1 candidates is free. */
static void give_mid(struct rg_mcall *c, unsigned i)
{
    struct rg_mstream *st = &c->stream[i];
    for (unsigned n = i; !st->mid[0] && n <= i + RG_MCALL_MAX_STREAMS; n++) {
        char cand[sizeof(st->mid)];
        snprintf(cand, sizeof(cand), "%u", n);
        bool used = false;
        for (unsigned j = 0; j < c->n_streams; j++)
            used |= strcmp(c->stream[j].mid, cand) == 0;
        if (!used)
            memcpy(st->mid, cand, sizeof(cand));
    }
}

void rg_mbundle_plan_offer(struct rg_mcall *c, int to, const struct rg_mside_req *req)
{
    unsigned members[RG_MCALL_MAX_STREAMS], n = 0;
    if (req->bundle == 0)
        return;
    for (unsigned i = 0; i < c->n_streams; i++) {
        const struct rg_mstream *st = &c->stream[i];
        /* Only WebRTC sides bundle (shared ICE/DTLS-SRTP transport with
         * rtcp-mux, RFC 9143 §9.3); a disabled m= line stays out. */
        if (!webrtc_plan(&st->side[to].plan) || st->transport_of[to] != i ||
            !st->side[1 - to].remote_known || shared(c, i, to))
            continue;
        bool ok = true;
        for (unsigned m = 0; m < n; m++)
            ok &= pts_disjoint(st, &c->stream[members[m]]);
        if (ok)
            members[n++] = i;
    }
    if (n < 2)
        return;
    for (unsigned m = 0; m < n; m++) {
        give_mid(c, members[m]);
        c->stream[members[m]].bundle_offer[to] = true;
        c->stream[members[m]].mid_ext[to] = 0; /* chosen when the group is written */
    }
}

/* ---- the answer ------------------------------------------------------------ */

static long stream_by_mid(const struct rg_mcall *c, struct rg_str mid)
{
    for (unsigned i = 0; i < c->n_streams; i++)
        if (c->stream[i].mid[0] && rg_str_eq_cstr(mid, c->stream[i].mid))
            return (long)i;
    return -1;
}

/* Side s gives up its own transport for the tagged m= line's (o). */
static void release(struct rg_mcall *c, struct rg_mside *s, const struct rg_mside *o)
{
    const struct rg_mports *p = &c->env->ports;
    int *fds[3] = { &s->fd_rtp, &s->fd_rtcp, &s->fd_alt };
    for (int f = 0; f < 3; f++) {
        if (*fds[f] >= 0)
            p->close(p->ud, *fds[f]);
        *fds[f] = -1;
    }
    rg_ice_agent_free(s->ice);
    rg_dtls_conn_free(s->dtls);
    rg_srtp_free(s->srtp_in);
    rg_srtp_free(s->srtp_out);
    s->ice = NULL;
    s->dtls = NULL;
    s->srtp_in = s->srtp_out = NULL;
    s->dtls_state = RG_MDTLS_NONE;
    s->dtls_deferred = false;
    s->dtls_role = 0;
    s->local_rtp = s->local_rtcp = o->local_rtp;
}

/* The answer's BUNDLE group, checked against the offer (RFC 9143 §7.3: only
 * offered members, in one group).  *n = 0 when the answer has none. */
static int answer_group(const struct rg_mcall *c, int from, const struct rg_sdp *sdp,
                        unsigned idx[RG_MCALL_MAX_STREAMS], unsigned *n, const char **why)
{
    *n = 0;
    for (long g = rg_sdp_attr_find(&sdp->attrs, RG_SDP_A_GROUP, 0); g >= 0;
         g = rg_sdp_attr_find(&sdp->attrs, RG_SDP_A_GROUP, (uint32_t)g + 1)) {
        const struct rg_sdp_group *grp = &sdp->attrs.v[g].u.group;
        if (!rg_str_eq_cstr(grp->semantics, "BUNDLE") || grp->n_ids == 0)
            continue;
        if (*n) {
            *why = "the answer splits the offered BUNDLE group (RFC 9143 §7.3)";
            return RG_EBADMSG;
        }
        for (uint32_t k = 0; k < grp->n_ids; k++) {
            long s = stream_by_mid(c, grp->ids[k]);
            bool dup = false;
            for (unsigned j = 0; s >= 0 && j < *n; j++)
                dup |= idx[j] == (unsigned)s;
            if (s < 0 || dup || !c->stream[s].bundle_offer[from] || *n == RG_MCALL_MAX_STREAMS) {
                *why = "the answer bundles an m= line that was not offered bundled (RFC 9143 §7.4)";
                return RG_EBADMSG;
            }
            idx[(*n)++] = (unsigned)s;
        }
    }
    return RG_OK;
}

int rg_mbundle_take_answer(struct rg_mcall *c, int from, const struct rg_sdp *sdp,
                           const char **why)
{
    bool pending = false;
    for (unsigned i = 0; i < c->n_streams; i++)
        pending |= c->stream[i].bundle_offer[from];
    if (!pending)
        return RG_OK;
    unsigned idx[RG_MCALL_MAX_STREAMS], n = 0;
    int rc = answer_group(c, from, sdp, idx, &n, why);
    for (unsigned i = 0; i < c->n_streams; i++)
        c->stream[i].bundle_offer[from] = false;
    if (rc != RG_OK)
        return rc;
    /* §7.4: the offerer-tagged m= line (the answer's first tag) lends its
     * address:port and transport to every member. */
    for (unsigned j = 1; j < n; j++) {
        struct rg_mstream *st = &c->stream[idx[j]];
        release(c, &st->side[from], &c->stream[idx[0]].side[from]);
        st->transport_of[from] = (uint8_t)idx[0];
    }
    return RG_OK;
}

/* ---- SSRC tables --------------------------------------------------------- */

static long ssrc_find(const uint32_t *t, uint8_t n, uint32_t ssrc)
{
    for (uint8_t i = 0; i < n; i++)
        if (t[i] == ssrc)
            return i;
    return -1;
}

static void ssrc_remove(uint32_t *t, uint8_t *n, uint32_t ssrc)
{
    long i = ssrc_find(t, *n, ssrc);
    if (i < 0)
        return;
    memmove(t + i, t + i + 1, (size_t)(*n - i - 1) * sizeof(*t));
    (*n)--;
}

/* Binds ssrc to stream i in side k's incoming (out = false) or outgoing
 * table; a table maps one SSRC to one m= line (RFC 9143 §9.2), the oldest
 * entry makes room. */
static void ssrc_bind(struct rg_mcall *c, unsigned i, int k, uint32_t ssrc, bool out)
{
    struct rg_mstream *st = &c->stream[i];
    uint32_t *t = out ? st->ssrc_out[k] : st->ssrc_in[k];
    uint8_t *n = out ? &st->n_ssrc_out[k] : &st->n_ssrc_in[k];
    if (ssrc_find(t, *n, ssrc) >= 0)
        return;
    for (unsigned j = 0; j < c->n_streams; j++) {
        struct rg_mstream *o = &c->stream[j];
        if (j != i)
            ssrc_remove(out ? o->ssrc_out[k] : o->ssrc_in[k],
                        out ? &o->n_ssrc_out[k] : &o->n_ssrc_in[k], ssrc);
    }
    if (*n == RG_MSTREAM_MAX_SSRC) {
        memmove(t, t + 1, (RG_MSTREAM_MAX_SSRC - 1) * sizeof(*t));
        (*n)--;
    }
    t[(*n)++] = ssrc;
}

/* The member of owner's group on side k bound to ssrc, or -1. */
static long ssrc_member(const struct rg_mcall *c, unsigned owner, int k, uint32_t ssrc, bool out)
{
    for (unsigned j = 0; j < c->n_streams; j++) {
        const struct rg_mstream *st = &c->stream[j];
        if (st->transport_of[k] != owner)
            continue;
        if (out ? ssrc_find(st->ssrc_out[k], st->n_ssrc_out[k], ssrc) >= 0
                : ssrc_find(st->ssrc_in[k], st->n_ssrc_in[k], ssrc) >= 0)
            return (long)j;
    }
    return -1;
}

void rg_mbundle_learn(struct rg_mcall *c, unsigned i, int from, const struct rg_sdp_media *m)
{
    struct rg_mstream *st = &c->stream[i];
    st->mid_ext[from] = 0;
    for (uint32_t a = 0; a < m->attrs.n; a++) {
        const struct rg_sdp_attr *at = &m->attrs.v[a];
        if (at->kind == RG_SDP_A_EXTMAP && at->u.extmap.id >= 1 && at->u.extmap.id <= 255 &&
            rg_str_eq_cstr(at->u.extmap.uri, RG_MBUNDLE_MID_URI))
            st->mid_ext[from] = (uint8_t)at->u.extmap.id;
        else if (at->kind == RG_SDP_A_SSRC)
            ssrc_bind(c, i, from, at->u.ssrc.id, false);
    }
}

/* ---- writing --------------------------------------------------------------- */

static bool extmap_has(const struct rg_sdp_media *m, unsigned id, bool mid_uri)
{
    for (uint32_t a = 0; a < m->attrs.n; a++) {
        const struct rg_sdp_attr *at = &m->attrs.v[a];
        if (at->kind == RG_SDP_A_EXTMAP &&
            (at->u.extmap.id == id || (mid_uri && rg_str_eq_cstr(at->u.extmap.uri, RG_MBUNDLE_MID_URI))))
            return true;
    }
    return false;
}

/* RFC 8285 §7 / RFC 9143 §9.1: one id for the MID extension in every member
 * (the one a member already uses, else the first one-byte id no member
 * uses); 0 when none is free. */
static uint8_t pick_mid_ext(const struct rg_mcall *c, const struct rg_sdp *sdp, int to)
{
    for (unsigned i = 0; i < c->n_streams && i < sdp->n_media; i++) {
        const struct rg_sdp_media *m = &sdp->media[i];
        for (uint32_t a = 0; c->stream[i].bundle_offer[to] && a < m->attrs.n; a++)
            if (m->attrs.v[a].kind == RG_SDP_A_EXTMAP &&
                rg_str_eq_cstr(m->attrs.v[a].u.extmap.uri, RG_MBUNDLE_MID_URI))
                return (uint8_t)m->attrs.v[a].u.extmap.id;
    }
    for (unsigned id = 1; id <= 14; id++) {
        bool used = false;
        for (unsigned i = 0; i < c->n_streams && i < sdp->n_media; i++)
            used |= c->stream[i].bundle_offer[to] && extmap_has(&sdp->media[i], id, false);
        if (!used)
            return (uint8_t)id;
    }
    return 0;
}

/* Appends " mid" of stream i to the group value v (n used, cap bytes). */
static int group_add(const struct rg_mcall *c, unsigned i, char *v, size_t cap, size_t *n)
{
    int w = snprintf(v + *n, cap - *n, " %s", c->stream[i].mid);
    if (w < 0 || (size_t)w >= cap - *n)
        return RG_ELIMIT;
    *n += (size_t)w;
    return RG_OK;
}

/* One group line: `first` (the tagged m= line), then the other members. */
static int group_line(struct rg_mcall *c, struct rg_sdp *sdp, struct rg_arena *a, int to,
                      unsigned first, bool pending)
{
    char v[512] = "BUNDLE";
    size_t n = strlen(v);
    int rc = group_add(c, first, v, sizeof(v), &n);
    for (unsigned j = 0; rc == RG_OK && j < c->n_streams; j++) {
        bool member = pending ? c->stream[j].bundle_offer[to] : c->stream[j].transport_of[to] == first;
        if (j != first && member)
            rc = group_add(c, j, v, sizeof(v), &n);
    }
    return rc == RG_OK ? rg_sdp_attr_add(&sdp->attrs, a, "group", rg_str_make(v, n)) : rc;
}

int rg_mbundle_write_group(struct rg_mcall *c, struct rg_sdp *sdp, struct rg_arena *a, int to)
{
    int rc = RG_OK;
    long first_pending = -1;
    for (unsigned i = 0; rc == RG_OK && i < c->n_streams; i++) {
        if (c->stream[i].transport_of[to] == i && shared(c, i, to))
            rc = group_line(c, sdp, a, to, i, false);
        if (c->stream[i].bundle_offer[to] && first_pending < 0)
            first_pending = (long)i;
    }
    if (rc != RG_OK || first_pending < 0)
        return rc;
    uint8_t id = pick_mid_ext(c, sdp, to);
    for (unsigned i = 0; i < c->n_streams; i++)
        if (c->stream[i].bundle_offer[to])
            c->stream[i].mid_ext[to] = id;
    return group_line(c, sdp, a, to, (unsigned)first_pending, true);
}

int rg_mbundle_write_media(struct rg_mcall *c, unsigned i, int to, struct rg_sdp_media *m,
                           struct rg_arena *a)
{
    unsigned id = c->stream[i].mid_ext[to];
    if (!grouped(c, i, to)) {
        /* The MID extension only means something inside a BUNDLE group: a
         * side without one is not told of it (RFC 8285 §6: unknown or
         * unneeded extensions are simply not negotiated). */
        for (long x = (long)m->attrs.n - 1; x >= 0; x--)
            if (m->attrs.v[x].kind == RG_SDP_A_EXTMAP &&
                rg_str_eq_cstr(m->attrs.v[x].u.extmap.uri, RG_MBUNDLE_MID_URI))
                (void)!rg_sdp_attr_remove(&m->attrs, (uint32_t)x);
        return RG_OK;
    }
    if (!id || extmap_has(m, id, true))
        return RG_OK;
    char v[64];
    int w = snprintf(v, sizeof(v), "%u %s", id, RG_MBUNDLE_MID_URI);
    if (w < 0 || (size_t)w >= sizeof(v))
        return RG_ELIMIT;
    return rg_sdp_attr_add(&m->attrs, a, "extmap", rg_str_make(v, (size_t)w));
}

/* ---- routing --------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The value of header extension `id` (RFC 8285 §4.2 one-byte or §4.3
 * two-byte form) of an RTP packet, bounded by len. */
static bool rtp_ext(const uint8_t *d, size_t len, unsigned id, struct rg_str *val)
{
    if (!(d[0] & 0x10))
        return false;
    size_t off = 12 + 4u * (d[0] & 0x0f);
    if (off + 4 > len)
        return false;
    unsigned profile = be16(d + off);
    size_t p = off + 4, end = p + 4u * be16(d + off + 2);
    bool one = profile == 0xBEDE, two = (profile & 0xfff0) == 0x1000;
    if (end > len || (!one && !two))
        return false;
    while (p < end) {
        if (d[p] == 0) { /* padding */
            p++;
            continue;
        }
        unsigned eid = one ? d[p] >> 4 : d[p];
        if (one && eid == 15) /* stop: the rest is not to be read */
            return false;
        if (two && p + 2 > end)
            return false;
        size_t el = one ? (size_t)(d[p] & 0x0f) + 1 : d[p + 1], hl = one ? 1 : 2;
        if (p + hl + el > end)
            return false;
        if (eid == id && el > 0) {
            *val = rg_str_make((const char *)d + p + hl, el);
            return true;
        }
        p += hl + el;
    }
    return false;
}

static bool has_pt(const struct rg_mstream *st, uint8_t pt)
{
    for (unsigned i = 0; i < st->n_pt; i++)
        if (st->pt[i] == pt)
            return true;
    return false;
}

static unsigned demux_rtp(struct rg_mcall *c, unsigned owner, int k, const uint8_t *d, size_t len)
{
    uint32_t ssrc = be32(d + 8);
    uint8_t pt = d[1] & 0x7f, id = 0;
    long by_pt = -1;
    int n_pt = 0;
    for (unsigned j = 0; j < c->n_streams; j++) {
        const struct rg_mstream *st = &c->stream[j];
        if (st->transport_of[k] != owner)
            continue;
        id = id ? id : st->mid_ext[k];
        if (has_pt(st, pt)) {
            by_pt = (long)j;
            n_pt++;
        }
    }
    struct rg_str mid;
    if (id && rtp_ext(d, len, id, &mid)) {
        /* §9.2: the MID names the m= line and binds the SSRC to it; an
         * unknown MID is not decoded. */
        long j = stream_by_mid(c, mid);
        if (j < 0 || c->stream[j].transport_of[k] != owner)
            return c->n_streams;
        ssrc_bind(c, (unsigned)j, k, ssrc, false);
        return has_pt(&c->stream[j], pt) ? (unsigned)j : c->n_streams;
    }
    long j = ssrc_member(c, owner, k, ssrc, false);
    if (j >= 0)
        return has_pt(&c->stream[j], pt) ? (unsigned)j : c->n_streams;
    if (n_pt != 1)
        return c->n_streams;
    ssrc_bind(c, (unsigned)by_pt, k, ssrc, false);
    return (unsigned)by_pt;
}

/* The m= line of one RTCP packet p (plen bytes): its sender, else the
 * media it reports on or gives feedback about (RFC 9143 §9.2). */
static long rtcp_member(const struct rg_mcall *c, unsigned owner, int k, const uint8_t *p,
                        size_t plen)
{
    unsigned count = p[0] & 0x1f;
    size_t blocks = 0;
    long j = -1;
    switch (p[1]) {
    case 200: /* SR: sender info, then report blocks */
    case 201: /* RR */
        j = ssrc_member(c, owner, k, be32(p + 4), false);
        blocks = p[1] == 200 ? 28 : 8;
        for (unsigned b = 0; j < 0 && b < count && blocks + 24 * (b + 1) <= plen; b++)
            j = ssrc_member(c, owner, k, be32(p + blocks + 24 * b), true);
        return j;
    case 202: /* SDES: first chunk */
    case 203: /* BYE */
        return count ? ssrc_member(c, owner, k, be32(p + 4), false) : -1;
    case 205: /* RTPFB */
    case 206: /* PSFB: media source SSRC */
        if (plen >= 12)
            j = ssrc_member(c, owner, k, be32(p + 8), true);
        return j >= 0 ? j : ssrc_member(c, owner, k, be32(p + 4), false);
    default:
        return -1;
    }
}

static unsigned demux_rtcp(const struct rg_mcall *c, unsigned owner, int k, const uint8_t *d,
                           size_t len)
{
    size_t off = 0;
    for (int n = 0; off + 8 <= len && n < 64; n++) {
        size_t plen = 4u * ((size_t)be16(d + off + 2) + 1);
        if (off + plen > len)
            break;
        long j = rtcp_member(c, owner, k, d + off, plen);
        if (j >= 0)
            return (unsigned)j;
        off += plen;
    }
    return owner; /* §9.2: still processed; the tagged m= line's peer gets it */
}

unsigned rg_mbundle_demux(struct rg_mcall *c, unsigned owner, int k, const uint8_t *data,
                          size_t len, bool rtcp)
{
    unsigned si = owner;
    if (len >= 12 && shared(c, owner, k))
        si = rtcp ? demux_rtcp(c, owner, k, data, len) : demux_rtp(c, owner, k, data, len);
    else if (len < 12 && shared(c, owner, k))
        si = rtcp ? owner : c->n_streams;
    /* Media relayed toward a shared transport: its SSRC names this m= line
     * in the reports that peer sends back. */
    if (!rtcp && si < c->n_streams && len >= 12 &&
        shared(c, c->stream[si].transport_of[1 - k], 1 - k))
        ssrc_bind(c, si, 1 - k, be32(data + 8), true);
    return si;
}
