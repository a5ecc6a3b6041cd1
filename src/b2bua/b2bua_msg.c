/*
 * b2bua_msg.c — the messages the B2BUA writes on each leg (see b2bua.h):
 * responses, the INVITE on leg B, in-dialog requests and ACKs.
 */
#include <stdio.h>
#include <string.h>

#include "b2bua/b2bua_priv.h"
#include "proto/sip/sip_build.h"

static const char *const tp_names[RG_B2B_TP_COUNT] = {"UDP", "TCP", "TLS", "WS", "WSS"};
static const char *const tp_params[RG_B2B_TP_COUNT] = {"", ";transport=tcp", ";transport=tls",
                                                       ";transport=ws", ";transport=wss"};

/* Our address on transport tp, else on any transport we listen on. */
static const struct rg_b2b_local *local_for(const struct rg_b2b *b, enum rg_b2b_tp tp)
{
    if (b->cfg.local[tp].host[0])
        return &b->cfg.local[tp];
    for (int k = 0; k < RG_B2B_TP_COUNT; k++)
        if (b->cfg.local[k].host[0])
            return &b->cfg.local[k];
    return &b->cfg.local[tp];
}

void rg__b2b_via(const struct rg_b2b *b, const struct b2b_leg *l, struct rg_sip_via_spec *v,
                 char *port_buf)
{
    (void)port_buf;
    const struct rg_b2b_local *loc = local_for(b, l->tp);
    v->transport = tp_names[l->tp];
    v->host = loc->host[0] ? loc->host : "127.0.0.1";
    v->port = loc->port;
    v->rport = l->tp == RG_B2B_UDP;
}

int rg__b2b_contact(const struct rg_b2b *b, const struct b2b_leg *l, char *out, size_t n)
{
    const struct rg_b2b_local *loc = local_for(b, l->tp);
    int w = snprintf(out, n, "sip:rtcgate@%s:%u%s", loc->host[0] ? loc->host : "127.0.0.1",
                     (unsigned)loc->port, tp_params[l->tp]);
    return w > 0 && (size_t)w < n ? RG_OK : RG_ELIMIT;
}

struct rg_str rg__b2b_sdp_body(const struct rg_sip_msg *m)
{
    const struct rg_sip_ctype *ct = m->content_type;
    if (!ct || m->body.len == 0 || !rg_str_caseeq_cstr(ct->type, "application") ||
        !rg_str_caseeq_cstr(ct->subtype, "sdp"))
        return RG_STR_NULL;
    return m->body;
}

/* SDP attributes (RFC 8866 §6 and the RFCs WebRTC and SIP media use) that
 * always cross; any other a= line crosses only when both trunk groups
 * enable sdpAttributesSelectiveRelay. */
static const char *const known_attrs[] = {
    "rtpmap", "fmtp", "ptime", "maxptime", "sendrecv", "sendonly", "recvonly", "inactive",
    "rtcp", "rtcp-mux", "rtcp-rsize", "rtcp-fb", "ice-ufrag", "ice-pwd", "ice-lite",
    "ice-options", "candidate", "end-of-candidates", "remote-candidates", "fingerprint", "setup",
    "tls-id", "connection", "crypto", "mid", "group", "msid", "msid-semantic", "ssrc",
    "ssrc-group", "extmap", "extmap-allow-mixed", "silenceSupp", "framerate", "label",
    "content", "sctp-port", "max-message-size", "sctpmap", "rid", "simulcast", "orient", NULL};

static bool known_attr(struct rg_str line)
{
    struct rg_str name = rg_str_from(line, 2);
    for (size_t i = 0; i < name.len; i++) {
        if (name.p[i] == ':' || name.p[i] == '\r') {
            name = rg_str_head(name, i);
            break;
        }
    }
    for (size_t i = 0; known_attrs[i]; i++)
        if (rg_str_caseeq_cstr(name, known_attrs[i]))
            return true;
    return false;
}

struct rg_str rg__b2b_sdp_filter(struct rg_b2b *b, const struct b2b_call *c, struct rg_str sdp)
{
    if (c->attr_relay || !sdp.len)
        return sdp;
    rg_buf_reset(&b->sdp_out);
    while (sdp.len) {
        long nl = rg_str_find_char(sdp, '\n');
        size_t n = nl < 0 ? sdp.len : (size_t)nl + 1;
        struct rg_str line = rg_str_head(sdp, n);
        sdp = rg_str_from(sdp, n);
        if (rg_str_has_prefix(line, "a=") && !known_attr(line))
            continue;
        if (rg_buf_append_str(&b->sdp_out, line) != RG_OK)
            return RG_STR_NULL;
    }
    return rg_buf_str(&b->sdp_out);
}

struct rg_sip_msg *rg__b2b_copy(struct rg_arena *a, const struct rg_sip_msg *m)
{
    struct rg_buf tmp;
    rg_buf_init(&tmp, 65535);
    struct rg_sip_msg *out = NULL;
    if (rg_sip_serialize(m, &tmp) == RG_OK) {
        char *data = rg_arena_alloc(a, tmp.len ? tmp.len : 1);
        struct rg_sip_error err;
        if (data) {
            memcpy(data, tmp.data, tmp.len);
            if (rg_sip_parse(data, tmp.len, NULL, a, &out, &err) != RG_OK)
                out = NULL;
        }
    }
    rg_buf_deinit(&tmp);
    return out;
}

/* RFC 3261 §16.7 item 6 style choices for what leg A hears when leg B
 * fails: redirects are not followed here (480), authentication challenges
 * of the trunk cannot be answered by the caller across a B2BUA (403),
 * everything else keeps its code. */
uint16_t rg__b2b_map_status(uint16_t status)
{
    if (status >= 300 && status < 400)
        return 480;
    if (status == 401 || status == 407)
        return 403;
    if (status < 300 || status > 699)
        return 500;
    return status;
}

static int add_common(struct rg_sip_msg *r, struct rg_arena *a, bool contact_cfg, const char *ct)
{
    int rc = RG_OK;
    if (contact_cfg) {
        char v[160];
        int w = snprintf(v, sizeof(v), "<%s>", ct);
        rc = w > 0 && (size_t)w < sizeof(v)
                 ? rg_sip_msg_add(r, a, RG_STR_LIT("Contact"), rg_str_make(v, (size_t)w))
                 : RG_ELIMIT;
        if (rc == RG_OK)
            rc = rg_sip_msg_add(r, a, RG_STR_LIT("Allow"),
                                RG_STR_LIT("INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK"));
    }
    return rc;
}

/* RFC 4028 §9: a 2xx to a request asking for a session timer says who
 * refreshes and how often; requests without Session-Expires get none. */
static int stimer_answer(struct rg_b2b *b, int64_t now, struct b2b_leg *l,
                         const struct rg_sip_msg *req, struct rg_sip_msg *r)
{
    uint32_t se;
    enum rg_sip_refresher ref;
    if (rg_sip_se_parse(req, &se, &ref) != RG_OK)
        return RG_OK;
    return rg_sip_stimer_answer(&l->st, req, r, &b->tmp, b->cfg.session_expires_s,
                                b->cfg.min_se_s, now);
}

int rg__b2b_respond(struct rg_b2b *b, int64_t now, struct b2b_call *c, int leg,
                    const struct rg_sip_msg *req, uint64_t txn, uint16_t status,
                    const char *reason, struct rg_str sdp)
{
    struct b2b_leg *l = &c->leg[leg];
    struct rg_sip_msg *r = NULL;
    char contact[160];
    rg_arena_reset(&b->tmp);
    int rc = rg_sip_make_response(req, &b->tmp, status, rg_str_from_cstr(reason),
                                  status > 100 ? rg_str_from_cstr(l->tag) : RG_STR_NULL, &r);
    bool dialog = status > 100 && status < 300 && (rg_str_eq_cstr(req->method, "INVITE") ||
                                                   rg_str_eq_cstr(req->method, "UPDATE"));
    if (rc == RG_OK)
        rc = rg__b2b_contact(b, l, contact, sizeof(contact));
    if (rc == RG_OK)
        rc = add_common(r, &b->tmp, dialog, contact);
    if (rc == RG_OK && sdp.len)
        rc = rg_sip_msg_set_body(r, &b->tmp, RG_STR_LIT("application/sdp"),
                                 rg__b2b_sdp_filter(b, c, sdp));
    if (rc == RG_OK)
        rc = rg_sip_msg_index(r, &b->tmp, &(struct rg_sip_error){0});
    if (rc == RG_OK && dialog && status >= 200)
        rc = stimer_answer(b, now, l, req, r);
    if (rc == RG_OK)
        rc = rg_sip_txl_respond(b->txl, now, txn, r);
    return rc;
}

const char *const rg__b2b_extensions[] = {"outbound", "path", "timer", "replaces", "ice", NULL};

static bool supported_tag(struct rg_str tag)
{
    for (const char *const *e = rg__b2b_extensions; *e; e++)
        if (rg_str_eq_cstr(tag, *e))
            return true;
    return false;
}

/* RFC 3261 §8.2.2.3: the 420 lists every Require option tag not supported. */
static int add_unsupported(struct rg_sip_msg *r, struct rg_arena *a, const struct rg_sip_msg *req)
{
    char v[512];
    size_t n = 0;
    for (size_t i = 0; i < req->require.n; i++) {
        struct rg_str t = req->require.v[i];
        if (supported_tag(t) || n + t.len + 2 > sizeof(v))
            continue;
        if (n) {
            memcpy(v + n, ", ", 2);
            n += 2;
        }
        memcpy(v + n, t.p, t.len);
        n += t.len;
    }
    return n ? rg_sip_msg_add(r, a, RG_STR_LIT("Unsupported"), rg_str_make(v, n)) : RG_OK;
}

int rg__b2b_reply(struct rg_b2b *b, int64_t now, const struct rg_sip_msg *req, uint64_t txn,
                  uint16_t status, const char *reason)
{
    char tag[RG_SIP_TAG_CHARS + 1];
    rg_sip_tag_new(b->cfg.rng, tag);
    struct rg_sip_msg *r = NULL;
    rg_arena_reset(&b->tmp);
    int rc = rg_sip_make_response(req, &b->tmp, status, rg_str_from_cstr(reason),
                                  rg_str_from_cstr(tag), &r);
    if (rc == RG_OK && status == 200 && rg_str_eq_cstr(req->method, "OPTIONS")) {
        /* RFC 3261 §11.2: what we would accept. */
        rc = rg_sip_msg_add(r, &b->tmp, RG_STR_LIT("Allow"),
                            RG_STR_LIT("INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK, REGISTER"));
        if (rc == RG_OK)
            rc = rg_sip_msg_add(r, &b->tmp, RG_STR_LIT("Accept"), RG_STR_LIT("application/sdp"));
        if (rc == RG_OK)
            rc = rg_sip_msg_add(r, &b->tmp, RG_STR_LIT("Supported"),
                                RG_STR_LIT("outbound, timer"));
    }
    if (rc == RG_OK && status == 420)
        rc = add_unsupported(r, &b->tmp, req);
    if (rc == RG_OK && status == 415)
        rc = rg_sip_msg_add(r, &b->tmp, RG_STR_LIT("Accept"), RG_STR_LIT("application/sdp"));
    if (rc == RG_OK)
        rc = rg_sip_msg_index(r, &b->tmp, &(struct rg_sip_error){0});
    if (rc == RG_OK)
        rc = rg_sip_txl_respond(b->txl, now, txn, r);
    return rc;
}

/* RFC 4028 §8.1: 422 with our Min-SE. */
int rg__b2b_reply_min_se(struct rg_b2b *b, int64_t now, const struct rg_sip_msg *req, uint64_t txn)
{
    char tag[RG_SIP_TAG_CHARS + 1];
    rg_sip_tag_new(b->cfg.rng, tag);
    struct rg_sip_msg *r = NULL;
    rg_arena_reset(&b->tmp);
    int rc = rg_sip_make_response(req, &b->tmp, 422, RG_STR_LIT("Session Interval Too Small"),
                                  rg_str_from_cstr(tag), &r);
    if (rc == RG_OK)
        rc = rg_sip_stimer_add_min_se(r, &b->tmp, b->cfg.min_se_s);
    if (rc == RG_OK)
        rc = rg_sip_txl_respond(b->txl, now, txn, r);
    return rc;
}

/* "SIP/2.0/<tp> host:port;branch=z9hG4bKrgb<random>[;rport]": our Via on
 * an initial INVITE, with the prefix loop detection looks for. */
static int own_via(struct rg_b2b *b, const struct b2b_leg *l, struct rg_sip_msg *m)
{
    struct rg_sip_via_spec v;
    char tok[RG_SIP_TAG_CHARS + 1], val[256], port[8] = "";
    rg__b2b_via(b, l, &v, NULL);
    rg_sip_tag_new(b->cfg.rng, tok);
    if (v.port)
        snprintf(port, sizeof(port), ":%u", (unsigned)v.port);
    int w = snprintf(val, sizeof(val), "SIP/2.0/%s %s%s;branch=%s%s%s", v.transport, v.host, port,
                     B2B_BRANCH_PREFIX, tok, v.rport ? ";rport" : "");
    if (w <= 0 || (size_t)w >= sizeof(val))
        return RG_ELIMIT;
    (void)!rg_sip_msg_remove(m, RG_STR_LIT("Via"));
    return rg_sip_msg_insert(m, &b->tmp, 0, RG_STR_LIT("Via"), rg_str_make(val, (size_t)w));
}

/* Headers of the INVITE on B beyond the basics: Max-Forwards one less than
 * A's (§16.6 item 3), what we support, RFC 4028 session timer, the SDP. */
static int invite_b_extras(struct rg_b2b *b, struct b2b_call *c, struct rg_sip_msg *m,
                           struct rg_str sdp)
{
    uint32_t mf = 70;
    int rc = rg_sip_max_forwards_next(c->a_inv, &mf);
    char v[16];
    snprintf(v, sizeof(v), "%u", (unsigned)(rc == RG_OK ? mf : 70));
    rc = rg_sip_msg_replace(m, &b->tmp, RG_STR_LIT("Max-Forwards"), rg_str_from_cstr(v));
    if (rc == RG_OK)
        rc = rg_sip_msg_add(m, &b->tmp, RG_STR_LIT("Allow"),
                            RG_STR_LIT("INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK"));
    if (rc == RG_OK)
        rc = rg_sip_stimer_offer(m, &b->tmp, b->cfg.session_expires_s, b->cfg.min_se_s, false);
    if (rc == RG_OK && sdp.len)
        rc = rg_sip_msg_set_body(m, &b->tmp, RG_STR_LIT("application/sdp"),
                                 rg__b2b_sdp_filter(b, c, sdp));
    return rc;
}

int rg__b2b_send_invite_b(struct rg_b2b *b, int64_t now, struct b2b_call *c, struct rg_str sdp,
                          struct rg_str ruri)
{
    struct b2b_leg *l = &c->leg[1];
    const struct rg_b2b_local *loc = local_for(b, l->tp);
    char from[256], to[512], ruri_c[512], call_id[64], contact[160], tok[RG_SIP_TAG_CHARS + 1];
    const struct rg_sip_addr *af = c->a_inv->from;
    rg_sip_tag_new(b->cfg.rng, tok);
    snprintf(call_id, sizeof(call_id), "rg%s%llx", tok, (unsigned long long)b->next_id++);
    int w = snprintf(from, sizeof(from), "%s%.*s%s<sip:%s@%s>;tag=%s",
                     af->display.len ? "\"" : "", (int)af->display.len, af->display.p,
                     af->display.len ? "\" " : "", c->leg[0].number[0] ? c->leg[0].number
                                                                       : "anonymous",
                     loc->host[0] ? loc->host : "127.0.0.1", l->tag);
    int w2 = snprintf(to, sizeof(to), "<%.*s>", (int)ruri.len, ruri.p);
    if (w <= 0 || (size_t)w >= sizeof(from) || w2 <= 0 || (size_t)w2 >= sizeof(to) ||
        rg_str_copy_cstr(ruri, ruri_c, sizeof(ruri_c)) != RG_OK ||
        rg__b2b_contact(b, l, contact, sizeof(contact)) != RG_OK)
        return RG_ELIMIT;
    struct rg_sip_req_spec spec = {"INVITE", ruri_c, from, to, call_id, contact, 1};
    struct rg_sip_via_spec via;
    rg__b2b_via(b, l, &via, NULL);
    struct rg_sip_msg *m = NULL;
    rg_arena_reset(&b->tmp);
    int rc = rg_sip_request_build(&b->tmp, &spec, &via, b->cfg.rng, &m);
    if (rc == RG_OK)
        rc = own_via(b, l, m);
    if (rc == RG_OK)
        rc = invite_b_extras(b, c, m, sdp);
    if (rc == RG_OK)
        rc = rg_sip_msg_index(m, &b->tmp, &(struct rg_sip_error){0});
    if (rc == RG_OK) {
        c->b_inv = rg__b2b_copy(&c->arena, m);
        rc = c->b_inv ? rg_sip_txl_request(b->txl, now, c->b_inv, &l->peer, &c->b_txn)
                      : RG_ENOMEM;
    }
    return rc;
}

int rg__b2b_send_in_dialog(struct rg_b2b *b, int64_t now, struct b2b_call *c, int leg,
                           const char *method, struct rg_str sdp, uint64_t *txn)
{
    struct b2b_leg *l = &c->leg[leg];
    if (!l->has_dlg)
        return RG_ESTATE;
    struct rg_sip_via_spec via;
    rg__b2b_via(b, l, &via, NULL);
    struct rg_sip_msg *m = NULL;
    rg_arena_reset(&b->tmp);
    int rc = rg_sip_dialog_request(&l->dlg, &b->tmp, method, &via, b->cfg.rng, &m);
    if (rc == RG_OK && sdp.len)
        rc = rg_sip_msg_set_body(m, &b->tmp, RG_STR_LIT("application/sdp"),
                                 rg__b2b_sdp_filter(b, c, sdp));
    if (rc == RG_OK && (strcmp(method, "INVITE") == 0 || strcmp(method, "UPDATE") == 0))
        rc = rg_sip_msg_add(m, &b->tmp, RG_STR_LIT("Allow"),
                            RG_STR_LIT("INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK"));
    if (rc == RG_OK)
        rc = rg_sip_msg_index(m, &b->tmp, &(struct rg_sip_error){0});
    if (rc == RG_OK)
        rc = rg_sip_txl_request(b->txl, now, m, &l->peer, txn);
    return rc;
}

int rg__b2b_ack(struct rg_b2b *b, struct b2b_call *c, int leg, uint32_t cseq)
{
    struct b2b_leg *l = &c->leg[leg];
    struct rg_sip_via_spec via;
    rg__b2b_via(b, l, &via, NULL);
    struct rg_sip_msg *m = NULL;
    rg_arena_reset(&b->tmp);
    int rc = rg_sip_dialog_ack(&l->dlg, &b->tmp, cseq, &via, b->cfg.rng, &m);
    if (rc == RG_OK)
        rc = rg_sip_txl_send_stateless(b->txl, m, &l->peer);
    return rc;
}
