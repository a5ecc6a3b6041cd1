/*
 * sdp_eq.c — structural equality of parsed SDPs.  Typed attributes compare
 * their decoded fields (so "a=ptime:20.0" equals "a=ptime:20" and a lower-case
 * fingerprint equals its upper-case print); unknown attributes compare name
 * and value text.  Presence matters: an absent field never equals an empty
 * one.  Line-ending style (struct rg_sdp.eol) is not compared.
 */
#include "proto/sdp/sdp_internal.h"

#include <string.h>

/* Views equal, and both present or both absent. */
static bool seq(struct rg_str a, struct rg_str b)
{
    return (a.p == NULL) == (b.p == NULL) && rg_str_eq(a, b);
}

static bool seq_list(const struct rg_str *a, uint32_t na, const struct rg_str *b, uint32_t nb)
{
    if (na != nb)
        return false;
    for (uint32_t i = 0; i < na; i++) {
        if (!seq(a[i], b[i]))
            return false;
    }
    return true;
}

static bool pairs_eq(const struct rg_sdp_pair *a, uint32_t na, const struct rg_sdp_pair *b,
                     uint32_t nb)
{
    if (na != nb)
        return false;
    for (uint32_t i = 0; i < na; i++) {
        if (!seq(a[i].name, b[i].name) || !seq(a[i].value, b[i].value))
            return false;
    }
    return true;
}

static bool cand_eq(const struct rg_sdp_candidate *a, const struct rg_sdp_candidate *b)
{
    return seq(a->foundation, b->foundation) && a->component == b->component &&
           seq(a->transport, b->transport) && a->priority == b->priority &&
           seq(a->address, b->address) && rg_addr_ip_eq(&a->addr, &b->addr) &&
           a->is_mdns == b->is_mdns && a->port == b->port && a->type == b->type &&
           seq(a->type_name, b->type_name) && seq(a->raddr, b->raddr) &&
           a->has_rport == b->has_rport && a->rport == b->rport && a->tcptype == b->tcptype &&
           pairs_eq(a->ext, a->n_ext, b->ext, b->n_ext);
}

static bool crypto_eq(const struct rg_sdp_crypto *a, const struct rg_sdp_crypto *b)
{
    if (a->tag != b->tag || !seq(a->suite, b->suite) || a->n_keys != b->n_keys ||
        !seq(a->session_params, b->session_params))
        return false;
    for (uint32_t i = 0; i < a->n_keys; i++) {
        const struct rg_sdp_key_param *x = &a->keys[i], *y = &b->keys[i];
        if (!seq(x->method, y->method) || !seq(x->key_salt, y->key_salt) ||
            !seq(x->lifetime, y->lifetime) || !seq(x->mki, y->mki))
            return false;
    }
    return true;
}

static bool typed_eq2(const struct rg_sdp_attr *a, const struct rg_sdp_attr *b)
{
    const struct rg_sdp_ssrc_group *g = &a->u.ssrc_group, *h = &b->u.ssrc_group;
    switch (a->kind) {
    case RG_SDP_A_SSRC:
        return a->u.ssrc.id == b->u.ssrc.id && seq(a->u.ssrc.attr, b->u.ssrc.attr) &&
               seq(a->u.ssrc.value, b->u.ssrc.value);
    case RG_SDP_A_SSRC_GROUP:
        return seq(g->semantics, h->semantics) && g->n_ids == h->n_ids &&
               (g->n_ids == 0 || memcmp(g->ids, h->ids, g->n_ids * sizeof(*g->ids)) == 0);
    case RG_SDP_A_MSID:
        return seq(a->u.msid.id, b->u.msid.id) && seq(a->u.msid.appdata, b->u.msid.appdata);
    case RG_SDP_A_RTPMAP:
        return a->u.rtpmap.pt == b->u.rtpmap.pt &&
               seq(a->u.rtpmap.encoding, b->u.rtpmap.encoding) &&
               a->u.rtpmap.clock_hz == b->u.rtpmap.clock_hz &&
               seq(a->u.rtpmap.params, b->u.rtpmap.params) &&
               a->u.rtpmap.channels == b->u.rtpmap.channels;
    case RG_SDP_A_FMTP:
        return seq(a->u.fmtp.fmt, b->u.fmtp.fmt) && a->u.fmtp.pt == b->u.fmtp.pt &&
               rg_str_eq(a->u.fmtp.params, b->u.fmtp.params) &&
               pairs_eq(a->u.fmtp.kv, a->u.fmtp.n_kv, b->u.fmtp.kv, b->u.fmtp.n_kv);
    case RG_SDP_A_PTIME:
    case RG_SDP_A_MAXPTIME:
        return a->u.ptime_us == b->u.ptime_us;
    case RG_SDP_A_CRYPTO:
        return crypto_eq(&a->u.crypto, &b->u.crypto);
    case RG_SDP_A_SCTP_PORT:
        return a->u.port == b->u.port;
    case RG_SDP_A_MAX_MESSAGE_SIZE:
        return a->u.max_msg == b->u.max_msg;
    default: /* flags */
        return true;
    }
}

static bool typed_eq(const struct rg_sdp_attr *a, const struct rg_sdp_attr *b)
{
    switch (a->kind) {
    case RG_SDP_A_ICE_UFRAG:
    case RG_SDP_A_ICE_PWD:
    case RG_SDP_A_TLS_ID:
    case RG_SDP_A_MID:
        return seq(a->u.text, b->u.text);
    case RG_SDP_A_ICE_OPTIONS:
        return seq_list(a->u.tokens.v, a->u.tokens.n, b->u.tokens.v, b->u.tokens.n);
    case RG_SDP_A_CANDIDATE:
        return cand_eq(&a->u.cand, &b->u.cand);
    case RG_SDP_A_FINGERPRINT:
        return seq(a->u.fp.hash, b->u.fp.hash) && a->u.fp.len == b->u.fp.len &&
               memcmp(a->u.fp.bytes, b->u.fp.bytes, a->u.fp.len) == 0;
    case RG_SDP_A_SETUP:
        return a->u.setup == b->u.setup;
    case RG_SDP_A_GROUP:
        return seq(a->u.group.semantics, b->u.group.semantics) &&
               seq_list(a->u.group.ids, a->u.group.n_ids, b->u.group.ids, b->u.group.n_ids);
    case RG_SDP_A_RTCP:
        return a->u.rtcp.port == b->u.rtcp.port && seq(a->u.rtcp.nettype, b->u.rtcp.nettype) &&
               seq(a->u.rtcp.addrtype, b->u.rtcp.addrtype) &&
               seq(a->u.rtcp.address, b->u.rtcp.address);
    case RG_SDP_A_RTCP_FB:
        return a->u.fb.pt == b->u.fb.pt && seq(a->u.fb.type, b->u.fb.type) &&
               seq(a->u.fb.param, b->u.fb.param);
    case RG_SDP_A_EXTMAP:
        return a->u.extmap.id == b->u.extmap.id && a->u.extmap.dir == b->u.extmap.dir &&
               seq(a->u.extmap.uri, b->u.extmap.uri) && seq(a->u.extmap.attrs, b->u.extmap.attrs);
    default:
        return typed_eq2(a, b);
    }
}

bool rg_sdp_attr_equal(const struct rg_sdp_attr *a, const struct rg_sdp_attr *b)
{
    if (a->kind != b->kind || !seq(a->name, b->name))
        return false;
    if (a->kind == RG_SDP_A_UNKNOWN)
        return seq(a->value, b->value);
    return typed_eq(a, b);
}

static bool attrs_eq(const struct rg_sdp_attrs *a, const struct rg_sdp_attrs *b)
{
    if (a->n != b->n)
        return false;
    for (uint32_t i = 0; i < a->n; i++) {
        if (!rg_sdp_attr_equal(&a->v[i], &b->v[i]))
            return false;
    }
    return true;
}

static bool conn_eq(const struct rg_sdp_conn *a, const struct rg_sdp_conn *b)
{
    return seq(a->nettype, b->nettype) && seq(a->addrtype, b->addrtype) &&
           seq(a->address, b->address) && rg_addr_eq(&a->addr, &b->addr);
}

static bool bws_eq(const struct rg_sdp_bw *a, uint32_t na, const struct rg_sdp_bw *b, uint32_t nb)
{
    if (na != nb)
        return false;
    for (uint32_t i = 0; i < na; i++) {
        if (!seq(a[i].type, b[i].type) || a[i].value != b[i].value)
            return false;
    }
    return true;
}

static bool media_eq(const struct rg_sdp_media *a, const struct rg_sdp_media *b)
{
    if (!seq(a->media, b->media) || a->port != b->port || a->port_count != b->port_count ||
        !seq(a->proto, b->proto) || !seq_list(a->fmts, a->n_fmts, b->fmts, b->n_fmts) ||
        !seq(a->info, b->info) || a->n_conns != b->n_conns || !seq(a->key, b->key) ||
        !bws_eq(a->bws, a->n_bws, b->bws, b->n_bws))
        return false;
    for (uint32_t i = 0; i < a->n_conns; i++) {
        if (!conn_eq(&a->conns[i], &b->conns[i]))
            return false;
    }
    return attrs_eq(&a->attrs, &b->attrs);
}

static bool origin_eq(const struct rg_sdp_origin *a, const struct rg_sdp_origin *b)
{
    return seq(a->username, b->username) && seq(a->sess_id, b->sess_id) &&
           seq(a->sess_version, b->sess_version) && seq(a->nettype, b->nettype) &&
           seq(a->addrtype, b->addrtype) && seq(a->address, b->address);
}

static bool times_eq(const struct rg_sdp *a, const struct rg_sdp *b)
{
    if (a->n_times != b->n_times)
        return false;
    for (uint32_t i = 0; i < a->n_times; i++) {
        const struct rg_sdp_time *x = &a->times[i], *y = &b->times[i];
        if (x->start != y->start || x->stop != y->stop ||
            !seq_list(x->repeats, x->n_repeats, y->repeats, y->n_repeats))
            return false;
    }
    return true;
}

bool rg_sdp_equal(const struct rg_sdp *a, const struct rg_sdp *b)
{
    if (!origin_eq(&a->origin, &b->origin) || !seq(a->name, b->name) || !seq(a->info, b->info) ||
        !seq(a->uri, b->uri) || !seq_list(a->emails, a->n_emails, b->emails, b->n_emails) ||
        !seq_list(a->phones, a->n_phones, b->phones, b->n_phones) ||
        a->has_conn != b->has_conn || (a->has_conn && !conn_eq(&a->conn, &b->conn)) ||
        !bws_eq(a->bws, a->n_bws, b->bws, b->n_bws) || !times_eq(a, b) ||
        !seq(a->zone, b->zone) || !seq(a->key, b->key) || !attrs_eq(&a->attrs, &b->attrs) ||
        a->n_media != b->n_media)
        return false;
    for (uint32_t i = 0; i < a->n_media; i++) {
        if (!media_eq(&a->media[i], &b->media[i]))
            return false;
    }
    return true;
}
