/*
 * b2bua_cds.c — callDetailStatus records from live calls (see b2bua.h and
 * ctl/optables.h; layout of the seed's `show status global
 * callDetailStatus`).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "b2bua/b2bua_priv.h"

static void setf(struct rg_cds_record *r, enum rg_cds_field f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void setf(struct rg_cds_record *r, enum rg_cds_field f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->val[f], RG_CDS_VALUE_MAX, fmt, ap);
    va_end(ap);
    if (n < 0)
        r->val[f][0] = '\0';
}

static const char *state_name(const struct b2b_call *c)
{
    switch (c->state) {
    case CS_OFFERING:
        return "Initiating";
    case CS_CALLING:
        return c->b_provisional ? "Alerting" : "Initiating";
    case CS_ANSWERING:
        return "Answering";
    case CS_UP:
        return c->pend.active ? "Modifying" : "Stable";
    default:
        return "Terminating";
    }
}

static const char *scenario(const struct b2b_call *c)
{
    bool a = c->leg[0].webrtc, b = c->leg[1].webrtc;
    return a && !b ? "WEBRTC_TO_SIP" : !a && b ? "SIP_TO_WEBRTC" : a ? "WEBRTC_TO_WEBRTC"
                                                                  : "SIP_TO_SIP";
}

static void sig_addrs(struct rg_cds_record *r, const struct b2b_call *c)
{
    static const enum rg_cds_field ip[2] = {RG_CDS_ingressRemoteIpSockAddr,
                                            RG_CDS_egressRemoteIpSockAddr};
    static const enum rg_cds_field port[2] = {RG_CDS_ingressRemotePort, RG_CDS_egressRemotePort};
    for (int l = 0; l < 2; l++) {
        char buf[64] = "";
        const struct rg_addr *a = &c->leg[l].peer.addr;
        if (a->family != RG_AF_NONE && rg_addr_format_ip(a, buf, sizeof(buf)) == RG_OK) {
            setf(r, ip[l], "%s", buf);
            setf(r, port[l], "%u", (unsigned)a->port);
        }
    }
}

static void media_fields(struct rg_cds_record *r, const struct rg_b2b_media_view *v)
{
    setf(r, RG_CDS_mediaStreams, "%s", v->media[0] ? v->media : "audio");
    setf(r, RG_CDS_ingressMediaStream1LocalIpSockAddr, "%s", v->local[0]);
    setf(r, RG_CDS_ingressMediaStream1RemoteIpSockAddr, "%s", v->remote[0]);
    setf(r, RG_CDS_egressMediaStream1LocalIpSockAddr, "%s", v->local[1]);
    setf(r, RG_CDS_egressMediaStream1RemoteIpSockAddr, "%s", v->remote[1]);
    setf(r, RG_CDS_ingressMediaStream1Security, "%s", v->security[0]);
    setf(r, RG_CDS_egressMediaStream1Security, "%s", v->security[1]);
    setf(r, RG_CDS_ingressMediaStream1Bandwidth, "%u", v->kbps[0]);
    setf(r, RG_CDS_egressMediaStream1Bandwidth, "%u", v->kbps[1]);
    setf(r, RG_CDS_ingressSessionBandwidthkbps, "%u", v->kbps[0]);
    setf(r, RG_CDS_egressSessionBandwidthkbps, "%u", v->kbps[1]);
    setf(r, RG_CDS_ingressMediaStream1IceState, "%s", v->ice[0][0] ? v->ice[0] : "NONE");
    setf(r, RG_CDS_egressMediaStream1IceState, "%s", v->ice[1][0] ? v->ice[1] : "NONE");
    setf(r, RG_CDS_ingressDtlsStream1, "%s", v->dtls[0][0] ? v->dtls[0] : "DISABLED");
    setf(r, RG_CDS_egressDtlsStream1, "%s", v->dtls[1][0] ? v->dtls[1] : "DISABLED");
    setf(r, RG_CDS_iceCallTypes, "ing-lcl-%s,ing-rmt-%s,eg-lcl-%s,eg-rmt-%s",
         v->ice_local[0][0] ? v->ice_local[0] : "NONE",
         v->ice_remote[0][0] ? v->ice_remote[0] : "NONE",
         v->ice_local[1][0] ? v->ice_local[1] : "NONE",
         v->ice_remote[1][0] ? v->ice_remote[1] : "NONE");
}

static void fill(const struct b2b_call *c, int64_t now, const struct rg_b2b_media_view *v,
                 struct rg_cds_record *r)
{
    memset(r, 0, sizeof(*r));
    r->gcid = c->gcid;
    setf(r, RG_CDS_state, "%s", state_name(c));
    setf(r, RG_CDS_callingNumber, "%s", c->leg[0].number);
    setf(r, RG_CDS_calledNumber, "%s", c->leg[1].number);
    setf(r, RG_CDS_addressTransPerformed, "none");
    setf(r, RG_CDS_scenarioType, "%s", scenario(c));
    setf(r, RG_CDS_callDuration, "%lld",
         c->answer_us ? (long long)((now - c->answer_us) / 1000000) : 0LL);
    /* The vendor's words (vendor-config-model.md §5.2): passthru = no DSP. */
    setf(r, RG_CDS_mediaType, "%s", v->transcoded ? "transcoded" : "passthru");
    setf(r, RG_CDS_ingressMediaStream1Codec, "%s", v->codec[0]);
    setf(r, RG_CDS_egressMediaStream1Codec, "%s", v->codec[1]);
    setf(r, RG_CDS_associatedGcid1, "%u", (unsigned)c->gcid);
    setf(r, RG_CDS_associatedGcid2, "%u", (unsigned)c->gcid);
    setf(r, RG_CDS_associatedGcidLegId1, "1");
    setf(r, RG_CDS_associatedGcidLegId2, "0");
    sig_addrs(r, c);
    media_fields(r, v);
    setf(r, RG_CDS_ingressACName, "%s", c->leg[0].n.ac);
    setf(r, RG_CDS_ingressZoneName, "%s", c->leg[0].n.zone);
    setf(r, RG_CDS_ingressTrunkName, "%s", c->leg[0].n.tg);
    setf(r, RG_CDS_egressACName, "%s", c->leg[1].n.ac);
    setf(r, RG_CDS_egressZoneName, "%s", c->leg[1].n.zone);
    setf(r, RG_CDS_egressTrunkName, "%s", c->leg[1].n.tg);
}

void rg_b2b_each_cds(const struct rg_b2b *b, int64_t now_us, rg_b2b_media_fn *mv, void *mv_ud,
                     rg_b2b_cds_fn *fn, void *ud)
{
    struct rg_cds_record r;
    for (unsigned i = 0; i < b->max_calls; i++) {
        const struct b2b_call *c = &b->calls[i];
        if (c->state == CS_FREE)
            continue;
        struct rg_b2b_media_view v;
        memset(&v, 0, sizeof(v));
        if (!mv || !mv(mv_ud, rg_str_from_cstr(c->engine_id), &v))
            memset(&v, 0, sizeof(v));
        fill(c, now_us, &v, &r);
        fn(ud, &r);
    }
}

void rg_b2b_each_engine_id(const struct rg_b2b *b, rg_b2b_id_fn *fn, void *ud)
{
    for (unsigned i = 0; i < b->max_calls; i++)
        if (b->calls[i].state != CS_FREE)
            fn(ud, rg_str_from_cstr(b->calls[i].engine_id));
}
