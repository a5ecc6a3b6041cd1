/*
 * sdp_print.c — SDP printer (RFC 8866 5 line order, CRLF endings).  Typed
 * attributes are formatted from their decoded fields with single SP
 * separators, the canonical form of each attribute's grammar; unknown
 * attributes are written back exactly as received.
 */
#include "proto/sdp/sdp_internal.h"

#include <inttypes.h>

#define TRY(expr)                                                              \
    do {                                                                       \
        int rc_ = (expr);                                                      \
        if (rc_ != RG_OK)                                                      \
            return rc_;                                                        \
    } while (0)

static int sp_str(struct rg_buf *b, struct rg_str s)
{
    TRY(rg_buf_append_byte(b, ' '));
    return rg_buf_append_str(b, s);
}

/* The candidate's address: its text, else (builder) its rg_addr. */
static int fmt_cand_addr(struct rg_buf *b, const struct rg_sdp_candidate *c)
{
    if (c->address.p)
        return sp_str(b, c->address);
    char ip[RG_ADDR_IP_STRLEN];
    TRY(rg_addr_format_ip(&c->addr, ip, sizeof(ip)));
    return rg_buf_appendf(b, " %s", ip);
}

static int fmt_candidate(struct rg_buf *b, const struct rg_sdp_candidate *c)
{
    static const char *const tcp[] = { NULL, "active", "passive", "so" };
    static const char *const types[] = { NULL, "host", "srflx", "prflx", "relay" };
    TRY(rg_buf_append_str(b, c->foundation));
    TRY(rg_buf_appendf(b, " %u", (unsigned)c->component));
    TRY(sp_str(b, c->transport));
    TRY(rg_buf_appendf(b, " %" PRIu32, c->priority));
    TRY(fmt_cand_addr(b, c));
    TRY(rg_buf_appendf(b, " %u typ", (unsigned)c->port));
    if (c->type > RG_SDP_CAND_RELAY)
        return RG_EINVAL;
    if (c->type != RG_SDP_CAND_OTHER)
        TRY(rg_buf_appendf(b, " %s", types[c->type]));
    else
        TRY(sp_str(b, c->type_name));
    if (c->raddr.p) {
        TRY(rg_buf_append_cstr(b, " raddr"));
        TRY(sp_str(b, c->raddr));
    }
    if (c->has_rport)
        TRY(rg_buf_appendf(b, " rport %u", (unsigned)c->rport));
    if (c->tcptype > RG_SDP_TCPTYPE_SO)
        return RG_EINVAL;
    if (c->tcptype)
        TRY(rg_buf_appendf(b, " tcptype %s", tcp[c->tcptype]));
    for (uint32_t i = 0; i < c->n_ext; i++) {
        TRY(sp_str(b, c->ext[i].name));
        TRY(sp_str(b, c->ext[i].value));
    }
    return RG_OK;
}

static int fmt_fingerprint(struct rg_buf *b, const struct rg_sdp_fingerprint *fp)
{
    if (fp->len == 0 || fp->len > RG_SDP_FINGERPRINT_MAX)
        return RG_EINVAL;
    TRY(rg_buf_append_str(b, fp->hash));
    for (uint8_t i = 0; i < fp->len; i++)
        TRY(rg_buf_appendf(b, "%c%02X", i ? ':' : ' ', fp->bytes[i]));
    return RG_OK;
}

static int fmt_list(struct rg_buf *b, struct rg_str head, const struct rg_str *v, uint32_t n)
{
    TRY(rg_buf_append_str(b, head));
    for (uint32_t i = 0; i < n; i++)
        TRY(sp_str(b, v[i]));
    return RG_OK;
}

static const char *const dir_names[] = { NULL, "sendrecv", "sendonly", "recvonly", "inactive" };

static int fmt_extmap(struct rg_buf *b, const struct rg_sdp_extmap *e)
{
    TRY(rg_buf_appendf(b, "%u", (unsigned)e->id));
    if (e->dir > RG_SDP_DIR_INACTIVE)
        return RG_EINVAL;
    if (e->dir)
        TRY(rg_buf_appendf(b, "/%s", dir_names[e->dir]));
    TRY(sp_str(b, e->uri));
    return e->attrs.p ? sp_str(b, e->attrs) : RG_OK;
}

static int fmt_crypto(struct rg_buf *b, const struct rg_sdp_crypto *c)
{
    TRY(rg_buf_appendf(b, "%" PRIu32 " ", c->tag));
    TRY(rg_buf_append_str(b, c->suite));
    for (uint32_t i = 0; i < c->n_keys; i++) {
        const struct rg_sdp_key_param *k = &c->keys[i];
        TRY(rg_buf_append_byte(b, i ? ';' : ' '));
        TRY(rg_buf_append_str(b, k->method));
        TRY(rg_buf_append_byte(b, ':'));
        TRY(rg_buf_append_str(b, k->key_salt));
        if (k->lifetime.p) {
            TRY(rg_buf_append_byte(b, '|'));
            TRY(rg_buf_append_str(b, k->lifetime));
        }
        if (k->mki.p) {
            TRY(rg_buf_append_byte(b, '|'));
            TRY(rg_buf_append_str(b, k->mki));
        }
    }
    return c->session_params.p ? sp_str(b, c->session_params) : RG_OK;
}

static int fmt_ptime(struct rg_buf *b, uint32_t us)
{
    TRY(rg_buf_appendf(b, "%" PRIu32, us / 1000));
    uint32_t frac = us % 1000;
    if (!frac)
        return RG_OK;
    int digits = 3;
    while (frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    return rg_buf_appendf(b, ".%0*" PRIu32, digits, frac);
}

static int fmt_misc(struct rg_buf *b, const struct rg_sdp_attr *a)
{
    static const char *const setup[] = { NULL, "active", "passive", "actpass", "holdconn" };
    const struct rg_sdp_rtcp *r = &a->u.rtcp;
    switch (a->kind) {
    case RG_SDP_A_SETUP:
        if (a->u.setup < RG_SDP_SETUP_ACTIVE || a->u.setup > RG_SDP_SETUP_HOLDCONN)
            return RG_EINVAL;
        return rg_buf_append_cstr(b, setup[a->u.setup]);
    case RG_SDP_A_RTCP:
        TRY(rg_buf_appendf(b, "%u", (unsigned)r->port));
        if (!r->nettype.p)
            return RG_OK;
        TRY(sp_str(b, r->nettype));
        TRY(sp_str(b, r->addrtype));
        return sp_str(b, r->address);
    case RG_SDP_A_MSID:
        TRY(rg_buf_append_str(b, a->u.msid.id));
        return a->u.msid.appdata.p ? sp_str(b, a->u.msid.appdata) : RG_OK;
    case RG_SDP_A_PTIME:
    case RG_SDP_A_MAXPTIME:
        return fmt_ptime(b, a->u.ptime_us);
    case RG_SDP_A_SCTP_PORT:
        return rg_buf_appendf(b, "%u", (unsigned)a->u.port);
    case RG_SDP_A_MAX_MESSAGE_SIZE:
        return rg_buf_appendf(b, "%" PRIu64, a->u.max_msg);
    case RG_SDP_A_CRYPTO:
        return fmt_crypto(b, &a->u.crypto);
    case RG_SDP_A_ICE_OPTIONS:
        if (a->u.tokens.n == 0)
            return RG_EINVAL;
        return fmt_list(b, a->u.tokens.v[0], a->u.tokens.v + 1, a->u.tokens.n - 1);
    default: /* ice-ufrag, ice-pwd, tls-id, mid */
        return rg_buf_append_str(b, a->u.text);
    }
}

static int fmt_media_attr(struct rg_buf *b, const struct rg_sdp_attr *a)
{
    const struct rg_sdp_rtpmap *m = &a->u.rtpmap;
    switch (a->kind) {
    case RG_SDP_A_RTPMAP:
        TRY(rg_buf_appendf(b, "%u ", (unsigned)m->pt));
        TRY(rg_buf_append_str(b, m->encoding));
        TRY(rg_buf_appendf(b, "/%" PRIu32, m->clock_hz));
        if (m->params.p) {
            TRY(rg_buf_append_byte(b, '/'));
            TRY(rg_buf_append_str(b, m->params));
        }
        return RG_OK;
    case RG_SDP_A_FMTP:
        TRY(rg_buf_append_str(b, a->u.fmtp.fmt));
        return a->u.fmtp.params.len ? sp_str(b, a->u.fmtp.params) : RG_OK;
    case RG_SDP_A_RTCP_FB:
        if (a->u.fb.pt < 0)
            TRY(rg_buf_append_byte(b, '*'));
        else
            TRY(rg_buf_appendf(b, "%d", a->u.fb.pt));
        TRY(sp_str(b, a->u.fb.type));
        return a->u.fb.param.p ? sp_str(b, a->u.fb.param) : RG_OK;
    case RG_SDP_A_SSRC:
        TRY(rg_buf_appendf(b, "%" PRIu32 " ", a->u.ssrc.id));
        TRY(rg_buf_append_str(b, a->u.ssrc.attr));
        if (!a->u.ssrc.value.p)
            return RG_OK;
        TRY(rg_buf_append_byte(b, ':'));
        return rg_buf_append_str(b, a->u.ssrc.value);
    case RG_SDP_A_SSRC_GROUP:
        TRY(rg_buf_append_str(b, a->u.ssrc_group.semantics));
        for (uint32_t i = 0; i < a->u.ssrc_group.n_ids; i++)
            TRY(rg_buf_appendf(b, " %" PRIu32, a->u.ssrc_group.ids[i]));
        return RG_OK;
    default:
        return fmt_misc(b, a);
    }
}

int rg_sdp_attr_format_value(const struct rg_sdp_attr *a, struct rg_buf *b)
{
    switch (a->kind) {
    case RG_SDP_A_UNKNOWN:
        return a->value.p ? rg_buf_append_str(b, a->value) : RG_OK;
    case RG_SDP_A_ICE_LITE:
    case RG_SDP_A_END_OF_CANDIDATES:
    case RG_SDP_A_RTCP_MUX:
    case RG_SDP_A_RTCP_RSIZE:
    case RG_SDP_A_EXTMAP_ALLOW_MIXED:
    case RG_SDP_A_SENDRECV:
    case RG_SDP_A_SENDONLY:
    case RG_SDP_A_RECVONLY:
    case RG_SDP_A_INACTIVE:
        return RG_OK;
    case RG_SDP_A_CANDIDATE:
        return fmt_candidate(b, &a->u.cand);
    case RG_SDP_A_FINGERPRINT:
        return fmt_fingerprint(b, &a->u.fp);
    case RG_SDP_A_GROUP:
        return fmt_list(b, a->u.group.semantics, a->u.group.ids, a->u.group.n_ids);
    case RG_SDP_A_EXTMAP:
        return fmt_extmap(b, &a->u.extmap);
    default:
        if (a->kind >= RG_SDP_A_KIND_COUNT)
            return RG_EINVAL;
        return fmt_media_attr(b, a);
    }
}

/* True when the attribute is printed as a flag ("a=name", no colon). */
static bool is_flag(const struct rg_sdp_attr *a)
{
    if (a->kind == RG_SDP_A_UNKNOWN)
        return a->value.p == NULL;
    switch (a->kind) {
    case RG_SDP_A_ICE_LITE:
    case RG_SDP_A_END_OF_CANDIDATES:
    case RG_SDP_A_RTCP_MUX:
    case RG_SDP_A_RTCP_RSIZE:
    case RG_SDP_A_EXTMAP_ALLOW_MIXED:
    case RG_SDP_A_SENDRECV:
    case RG_SDP_A_SENDONLY:
    case RG_SDP_A_RECVONLY:
    case RG_SDP_A_INACTIVE:
        return true;
    default:
        return false;
    }
}

static int print_attrs(struct rg_buf *b, const struct rg_sdp_attrs *l)
{
    for (uint32_t i = 0; i < l->n; i++) {
        const struct rg_sdp_attr *a = &l->v[i];
        TRY(rg_buf_append_cstr(b, "a="));
        TRY(rg_buf_append_str(b, a->name));
        if (!is_flag(a)) {
            TRY(rg_buf_append_byte(b, ':'));
            TRY(rg_sdp_attr_format_value(a, b));
        }
        TRY(rg_buf_append_cstr(b, "\r\n"));
    }
    return RG_OK;
}

/* "<t>=<s>\r\n" when s is present. */
static int line(struct rg_buf *b, char t, struct rg_str s)
{
    if (!s.p)
        return RG_OK;
    TRY(rg_buf_appendf(b, "%c=", t));
    TRY(rg_buf_append_str(b, s));
    return rg_buf_append_cstr(b, "\r\n");
}

static int print_conn(struct rg_buf *b, const struct rg_sdp_conn *c)
{
    TRY(rg_buf_append_cstr(b, "c="));
    TRY(rg_buf_append_str(b, c->nettype));
    TRY(sp_str(b, c->addrtype));
    TRY(sp_str(b, c->address));
    return rg_buf_append_cstr(b, "\r\n");
}

static int print_bws(struct rg_buf *b, const struct rg_sdp_bw *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        TRY(rg_buf_append_cstr(b, "b="));
        TRY(rg_buf_append_str(b, v[i].type));
        TRY(rg_buf_appendf(b, ":%" PRIu64 "\r\n", v[i].value));
    }
    return RG_OK;
}

static int print_media(struct rg_buf *b, const struct rg_sdp_media *m)
{
    TRY(rg_buf_append_cstr(b, "m="));
    TRY(rg_buf_append_str(b, m->media));
    TRY(rg_buf_appendf(b, " %u", (unsigned)m->port));
    if (m->port_count)
        TRY(rg_buf_appendf(b, "/%" PRIu32, m->port_count));
    TRY(sp_str(b, m->proto));
    for (uint32_t i = 0; i < m->n_fmts; i++)
        TRY(sp_str(b, m->fmts[i]));
    TRY(rg_buf_append_cstr(b, "\r\n"));
    TRY(line(b, 'i', m->info));
    for (uint32_t i = 0; i < m->n_conns; i++)
        TRY(print_conn(b, &m->conns[i]));
    TRY(print_bws(b, m->bws, m->n_bws));
    TRY(line(b, 'k', m->key));
    return print_attrs(b, &m->attrs);
}

static int print_head(struct rg_buf *b, const struct rg_sdp *s)
{
    const struct rg_sdp_origin *o = &s->origin;
    TRY(rg_buf_append_cstr(b, "v=0\r\no="));
    TRY(rg_buf_append_str(b, o->username));
    TRY(sp_str(b, o->sess_id));
    TRY(sp_str(b, o->sess_version));
    TRY(sp_str(b, o->nettype));
    TRY(sp_str(b, o->addrtype));
    TRY(sp_str(b, o->address));
    TRY(rg_buf_append_cstr(b, "\r\n"));
    TRY(line(b, 's', s->name.p ? s->name : RG_STR_LIT("-")));
    TRY(line(b, 'i', s->info));
    TRY(line(b, 'u', s->uri));
    for (uint32_t i = 0; i < s->n_emails; i++)
        TRY(line(b, 'e', s->emails[i]));
    for (uint32_t i = 0; i < s->n_phones; i++)
        TRY(line(b, 'p', s->phones[i]));
    if (s->has_conn)
        TRY(print_conn(b, &s->conn));
    return print_bws(b, s->bws, s->n_bws);
}

int rg_sdp_print(const struct rg_sdp *s, struct rg_buf *b)
{
    const struct rg_sdp_origin *o = &s->origin;
    if (!o->username.p || !o->sess_id.p || !o->sess_version.p || !o->nettype.p ||
        !o->addrtype.p || !o->address.p)
        return RG_EINVAL; /* a built SDP without rg_sdp_set_origin */
    TRY(print_head(b, s));
    for (uint32_t i = 0; i < s->n_times; i++) {
        const struct rg_sdp_time *t = &s->times[i];
        TRY(rg_buf_appendf(b, "t=%" PRIu64 " %" PRIu64 "\r\n", t->start, t->stop));
        for (uint32_t j = 0; j < t->n_repeats; j++)
            TRY(line(b, 'r', t->repeats[j]));
    }
    if (s->n_times == 0)
        TRY(rg_buf_append_cstr(b, "t=0 0\r\n"));
    TRY(line(b, 'z', s->zone));
    TRY(line(b, 'k', s->key));
    TRY(print_attrs(b, &s->attrs));
    for (uint32_t i = 0; i < s->n_media; i++)
        TRY(print_media(b, &s->media[i]));
    return RG_OK;
}
