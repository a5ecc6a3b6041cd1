/*
 * ng_cmd.c — offer, answer, delete and query of the ng control protocol.
 */
#include "media/ng_cmd.h"

#include <stdio.h>
#include <string.h>

#include "proto/ng/bencode.h"

void rg_ngcmd_init(struct rg_ngcmd *n, const struct rg_mcall_env *env, size_t max_calls)
{
    memset(n, 0, sizeof(*n));
    n->env = env;
    rg_mtable_init(&n->calls, max_calls);
}

static void destroy_one(void *ud, struct rg_mcall *c)
{
    (void)ud;
    rg_mcall_destroy(c);
}

void rg_ngcmd_deinit(struct rg_ngcmd *n)
{
    rg_mtable_each(&n->calls, destroy_one, NULL);
    rg_mtable_deinit(&n->calls);
}

/* ---- flags --------------------------------------------------------------- */

static void note_unknown(struct rg_buf *unknown, const char *what, struct rg_str v)
{
    if (unknown->len && rg_buf_append_cstr(unknown, ", ") != RG_OK)
        return;
    if (rg_buf_append_cstr(unknown, what) == RG_OK)
        (void)!rg_buf_append_str(unknown, v);
}

static bool is(struct rg_str v, const char *s)
{
    return rg_str_caseeq_cstr(v, s);
}

/* "transport-protocol": RTP/AVP(F) is plain RTP; UDP/TLS/RTP/SAVP(F) is
 * DTLS-SRTP.  RTP/SAVP(F) is SDES-SRTP (RFC 4568) when the request asks
 * for SDES ("SDES" list with an entry other than off/no) or turns DTLS off
 * ("DTLS": off), and DTLS-SRTP otherwise: rtpengine's WebRTC default,
 * since browsers accept nothing but DTLS-SRTP (RFC 8827 §6.5). */
static int req_transport(struct rg_str v, bool sdes, struct rg_mside_req *r, const char **why)
{
    r->avpf = v.len && v.p[v.len - 1] == 'F';
    if (is(v, "RTP/AVP") || is(v, "RTP/AVPF")) {
        r->transport = RG_MT_RTP_AVP;
        return RG_OK;
    }
    if (is(v, "RTP/SAVP") || is(v, "RTP/SAVPF")) {
        r->transport = sdes ? RG_MT_SDES_SRTP : RG_MT_DTLS_SRTP;
        return RG_OK;
    }
    if (is(v, "UDP/TLS/RTP/SAVP") || is(v, "UDP/TLS/RTP/SAVPF")) {
        r->transport = RG_MT_DTLS_SRTP;
        return RG_OK;
    }
    *why = "unsupported transport-protocol";
    return RG_EUNSUPP;
}

static void req_ice(struct rg_str v, struct rg_mside_req *r, struct rg_buf *unknown)
{
    if (is(v, "force") || is(v, "force-full"))
        r->ice = RG_MICE_FULL;
    else if (is(v, "remove"))
        r->ice = RG_MICE_NONE;
    else if (is(v, "lite") || is(v, "force-lite") || is(v, "force_lite"))
        r->ice = RG_MICE_LITE;
    else if (!is(v, "default"))
        note_unknown(unknown, "ICE=", v);
}

static bool is_off(struct rg_str v)
{
    return is(v, "off") || is(v, "no") || is(v, "disable");
}

/* DTLS=off after an RTP/SAVP(F) transport-protocol already chose SDES in
 * req_transport; toward a UDP/TLS profile it means plain RTP. */
static int req_dtls(struct rg_str v, struct rg_mside_req *r, struct rg_buf *unknown)
{
    if (is(v, "passive"))
        r->dtls_passive = 1;
    else if (is(v, "active"))
        r->dtls_passive = 0;
    else if (is_off(v))
        r->transport = r->transport == RG_MT_DTLS_SRTP ? RG_MT_RTP_AVP : r->transport;
    else
        note_unknown(unknown, "DTLS=", v);
    return RG_OK;
}

static void req_rtcp_mux(const struct rg_bencode *l, struct rg_mside_req *r,
                         struct rg_buf *unknown)
{
    for (const struct rg_bencode *e = rg_bencode_first(l); e; e = e->next) {
        if (e->type != RG_BENC_STR)
            continue;
        if (is(e->str, "offer") || is(e->str, "require") || is(e->str, "accept"))
            r->rtcp_mux = 1;
        else if (is(e->str, "demux") || is(e->str, "reject"))
            r->rtcp_mux = 0;
        else
            note_unknown(unknown, "rtcp-mux=", e->str);
    }
}

/* rtpengine's "bundle" list (or "BUNDLE-<value>" flags): "offer" groups the
 * m= lines of the SDP written toward the side this request presents with
 * BUNDLE (RFC 9143 §7.2); "accept" is what this engine always does.
 * "require"/"strict" (same port / bundle-only offers) are offered as a
 * normal BUNDLE group and reported; "reject" (breaking up a negotiated
 * group) only stops offering one and is reported. */
static void req_bundle_value(struct rg_str v, struct rg_mside_req *r, struct rg_buf *unknown)
{
    if (is(v, "offer")) {
        r->bundle = 1;
    } else if (is(v, "require") || is(v, "strict")) {
        r->bundle = 1;
        note_unknown(unknown, "BUNDLE=", v);
    } else if (is(v, "reject")) {
        r->bundle = 0;
        note_unknown(unknown, "BUNDLE=", v);
    } else if (!is(v, "accept")) {
        note_unknown(unknown, "BUNDLE=", v);
    }
}

static void req_bundle(const struct rg_bencode *dict, struct rg_mside_req *r,
                       struct rg_buf *unknown)
{
    /* Outgoing offers are never bundled unless asked (rtpengine's default). */
    r->bundle = 0;
    const char *keys[] = { "bundle", "BUNDLE" };
    for (size_t k = 0; k < 2; k++) {
        const struct rg_bencode *l = rg_bencode_dict_list(dict, keys[k]);
        for (const struct rg_bencode *e = rg_bencode_first(l); e; e = e->next)
            if (e->type == RG_BENC_STR)
                req_bundle_value(e->str, r, unknown);
    }
    const struct rg_bencode *f = rg_bencode_dict_list(dict, "flags");
    for (const struct rg_bencode *e = rg_bencode_first(f); e; e = e->next)
        if (e->type == RG_BENC_STR && rg_str_has_caseprefix(e->str, "BUNDLE-"))
            req_bundle_value(rg_str_from(e->str, 7), r, unknown);
}

/* Flags whose behaviour is what this engine always does. */
static const char *const always_flags[] = {
    "trust-address", "symmetric", "strict-source", "generate-mid", "SIP-source-address",
    "port-latching", "no-port-latching", "full-rtcp-attribute", "loop-protect", "record-call",
    "asymmetric", "unidirectional", "media-handover", "reset", "all",
};

/* ng codec operation names ("codec" dictionary keys, codec-X- flags). */
static const char *const codec_ops[] = {
    [RG_MCODEC_STRIP] = "strip",   [RG_MCODEC_OFFER] = "offer", [RG_MCODEC_TRANSCODE] = "transcode",
    [RG_MCODEC_MASK] = "mask",     [RG_MCODEC_ACCEPT] = "accept",
};

static void codec_add(struct rg_mcodec_req *r, enum rg_mcodec_op op, struct rg_str name,
                      struct rg_buf *unknown)
{
    if (rg_mcodec_req_add(r, op, name) == RG_OK)
        return;
    /* A codec without a coder here (AMR, VP8, …) cannot be transcoded:
     * say so instead of pretending. */
    note_unknown(unknown, "codec-", rg_str_from_cstr(codec_ops[op]));
    if (rg_buf_append_cstr(unknown, "=") == RG_OK)
        (void)!rg_buf_append_str(unknown, name);
}

/* "codec-strip-PCMA" style flags (Kamailio's rtpengine module passes them
 * in "flags"); true when f was one. */
static bool codec_flag(struct rg_str f, struct rg_mcodec_req *r, struct rg_buf *unknown)
{
    for (int op = RG_MCODEC_STRIP; op <= RG_MCODEC_ACCEPT; op++) {
        char pre[32];
        int n = snprintf(pre, sizeof(pre), "codec-%s-", codec_ops[op]);
        if (n > 0 && rg_str_has_caseprefix(f, pre)) {
            codec_add(r, (enum rg_mcodec_op)op, rg_str_from(f, (size_t)n), unknown);
            return true;
        }
    }
    return false;
}

/* The "codec" dictionary: {"strip": [...], "transcode": [...], ...}. */
static void req_codec(const struct rg_bencode *dict, struct rg_mcodec_req *r,
                      struct rg_buf *unknown)
{
    const struct rg_bencode *cd = rg_bencode_dict_get(dict, "codec");
    for (int op = RG_MCODEC_STRIP; cd && op <= RG_MCODEC_ACCEPT; op++) {
        const struct rg_bencode *l = rg_bencode_dict_list(cd, codec_ops[op]);
        for (const struct rg_bencode *e = rg_bencode_first(l); e; e = e->next)
            if (e->type == RG_BENC_STR)
                codec_add(r, (enum rg_mcodec_op)op, e->str, unknown);
    }
    int64_t ptime;
    if (rg_bencode_dict_int(dict, "ptime", &ptime) == RG_OK && ptime >= 10 && ptime <= 60)
        r->ptime_ms = (uint8_t)ptime;
}

static void req_flags(const struct rg_bencode *l, struct rg_mcodec_req *codecs,
                      struct rg_buf *unknown)
{
    for (const struct rg_bencode *e = rg_bencode_first(l); e; e = e->next) {
        if (e->type == RG_BENC_STR && codec_flag(e->str, codecs, unknown))
            continue;
        bool known = false;
        size_t n_always = sizeof(always_flags) / sizeof(*always_flags);
        for (size_t i = 0; e->type == RG_BENC_STR && i < n_always; i++)
            known |= is(e->str, always_flags[i]);
        known |= e->type == RG_BENC_STR && rg_str_has_caseprefix(e->str, "BUNDLE-"); /* req_bundle */
        if (!known && e->type == RG_BENC_STR)
            note_unknown(unknown, "", e->str);
    }
}

static void req_lists(const struct rg_bencode *dict, struct rg_buf *unknown)
{
    const struct rg_bencode *l = rg_bencode_dict_list(dict, "replace");
    for (const struct rg_bencode *e = rg_bencode_first(l); e; e = e->next) {
        /* We always write our own o= and c= lines. */
        if (e->type == RG_BENC_STR && !is(e->str, "origin") && !is(e->str, "session-connection") &&
            !is(e->str, "session connection"))
            note_unknown(unknown, "replace=", e->str);
    }
    l = rg_bencode_dict_list(dict, "SDES");
    for (const struct rg_bencode *e = rg_bencode_first(l); e; e = e->next) {
        /* "on"/"yes" only select SDES (req_sdes); suite selection and the
         * unencrypted/unauthenticated variants are not implemented. */
        if (e->type == RG_BENC_STR && !is_off(e->str) && !is(e->str, "on") &&
            !is(e->str, "yes"))
            note_unknown(unknown, "SDES=", e->str);
    }
}

/* Whether RTP/SAVP(F) means SDES for this request (rule at req_transport). */
static bool req_sdes(const struct rg_bencode *dict)
{
    struct rg_str v;
    if (rg_bencode_dict_str(dict, "DTLS", &v) == RG_OK && is_off(v))
        return true;
    const struct rg_bencode *l = rg_bencode_dict_list(dict, "SDES");
    for (const struct rg_bencode *e = rg_bencode_first(l); e; e = e->next)
        if (e->type == RG_BENC_STR && !is_off(e->str))
            return true;
    return false;
}

int rg_ngcmd_req(const struct rg_bencode *dict, struct rg_mside_req *r, struct rg_buf *unknown,
                 const char **why)
{
    rg_mside_req_keep(r);
    struct rg_str v;
    if (rg_bencode_dict_str(dict, "transport-protocol", &v) == RG_OK &&
        req_transport(v, req_sdes(dict), r, why) != RG_OK)
        return RG_EUNSUPP;
    if (rg_bencode_dict_str(dict, "ICE", &v) == RG_OK)
        req_ice(v, r, unknown);
    if (rg_bencode_dict_str(dict, "DTLS", &v) == RG_OK)
        (void)req_dtls(v, r, unknown);
    req_rtcp_mux(rg_bencode_dict_list(dict, "rtcp-mux"), r, unknown);
    req_flags(rg_bencode_dict_list(dict, "flags"), &r->codecs, unknown);
    req_codec(dict, &r->codecs, unknown);
    req_lists(dict, unknown);
    /* Kamailio's "received-from": [ "IP4", "<SIP source address>" ]. */
    const struct rg_bencode *rf = rg_bencode_dict_list(dict, "received-from");
    const struct rg_bencode *rf_ip = rg_bencode_first(rf) ? rg_bencode_first(rf)->next : NULL;
    if (rf_ip && rf_ip->type == RG_BENC_STR && rg_addr_parse_ip(rf_ip->str, &r->sig_src) != RG_OK)
        memset(&r->sig_src, 0, sizeof(r->sig_src));
    if (rg_bencode_dict_str(dict, "media address", &v) == RG_OK &&
        rg_addr_parse_ip(v, &r->advertise) != RG_OK) {
        *why = "media address is not an IP address";
        return RG_EUNSUPP;
    }
    /* One media interface: "direction" names nothing to choose between, so
     * say it was not honoured. */
    const struct rg_bencode *dl = rg_bencode_dict_list(dict, "direction");
    for (const struct rg_bencode *e = rg_bencode_first(dl); e; e = e->next)
        if (e->type == RG_BENC_STR)
            note_unknown(unknown, "direction=", e->str);
    if (rg_bencode_dict_str(dict, "address family", &v) == RG_OK) {
        if (!is(v, "IP4") && !is(v, "IP6")) {
            *why = "address family must be IP4 or IP6";
            return RG_EUNSUPP;
        }
        r->ip6 = is(v, "IP6");
    }
    req_bundle(dict, r, unknown);
    return RG_OK;
}

/* ---- replies ------------------------------------------------------------- */

static int reply_error(struct rg_ngcmd *n, const struct rg_ng_msg *m, struct rg_buf *reply,
                       const char *why)
{
    n->st.errors++;
    rg_buf_reset(reply);
    return rg_ng_reply_error(reply, m->cookie, why);
}

static void put_kv_str(struct rg_bencode_writer *w, const char *k, struct rg_str v)
{
    rg_bencode_put_cstr(w, k);
    rg_bencode_put_str(w, v);
}

static int reply_sdp(const struct rg_ng_msg *m, struct rg_buf *reply, struct rg_str sdp,
                     const struct rg_buf *unknown)
{
    struct rg_bencode_writer w;
    rg_buf_reset(reply);
    rg_ng_reply_begin(&w, reply, m->cookie);
    put_kv_str(&w, "result", RG_STR_LIT("ok"));
    put_kv_str(&w, "sdp", sdp);
    if (unknown->len) {
        /* Flags we could not honour are reported, never silently dropped. */
        struct rg_buf msg;
        rg_buf_init(&msg, 4096);
        if (rg_buf_appendf(&msg, "unknown flags ignored: %.*s", (int)unknown->len,
                           unknown->data) == RG_OK)
            put_kv_str(&w, "warning", rg_buf_str(&msg));
        rg_buf_deinit(&msg);
    }
    return rg_ng_reply_finish(&w);
}

/* ---- commands ------------------------------------------------------------ */

int rg_ngcmd_sdp(struct rg_ngcmd *n, int64_t now_us, struct rg_str call_id, struct rg_str from_tag,
                 struct rg_str to_tag, bool answer, struct rg_str sdp,
                 const struct rg_mside_req *req, struct rg_buf *out, struct rg_mcall **touched,
                 const char **why)
{
    struct rg_mcall *c = rg_mtable_get(&n->calls, call_id);
    *touched = NULL;
    if (req->ip6 == 1 && n->env->media_ip6.family == RG_AF_NONE) {
        *why = "no IPv6 media address configured (system media mediaAddressV6)";
        return RG_EUNSUPP;
    }
    if (!c && answer) {
        *why = "unknown call-id";
        return RG_ENOTFOUND;
    }
    if (!c) {
        int rc = rg_mcall_create(n->env, call_id, from_tag, now_us, &c);
        if (rc != RG_OK) {
            *why = "call-id or tag too long";
            return rc;
        }
        if (rg_mtable_put(&n->calls, c) != RG_OK) {
            rg_mcall_destroy(c);
            *why = "call limit reached";
            return RG_ELIMIT;
        }
    }
    /* Which leg the SDP comes from: an offer from the callee's tag is a
     * re-offer by the callee; an answer comes from the to-tag's leg. */
    int from;
    if (!answer)
        from = c->tag[1][0] && rg_str_eq_cstr(from_tag, c->tag[1]) ? 1 : 0;
    else
        from = rg_str_eq_cstr(to_tag, c->tag[0]) ? 0 : 1;
    if (answer && from == 1 && !c->tag[1][0])
        (void)rg_str_copy_cstr(rg_str_head(to_tag, RG_MCALL_TAG_MAX), c->tag[1], sizeof(c->tag[1]));
    *touched = c; /* sockets may exist even when the SDP fails */
    return rg_mcall_sdp(c, now_us, from, !answer, sdp, req, out, why);
}

static int do_sdp(struct rg_ngcmd *n, int64_t now_us, const struct rg_ng_msg *m,
                  struct rg_buf *reply, struct rg_mcall **touched, bool answer)
{
    struct rg_str call_id, from_tag, to_tag = RG_STR_NULL, sdp;
    const char *why = NULL;
    if (rg_bencode_dict_str(m->dict, "call-id", &call_id) != RG_OK ||
        rg_bencode_dict_str(m->dict, "from-tag", &from_tag) != RG_OK ||
        rg_bencode_dict_str(m->dict, "sdp", &sdp) != RG_OK)
        return reply_error(n, m, reply, "missing call-id, from-tag or sdp");
    if (answer && rg_bencode_dict_str(m->dict, "to-tag", &to_tag) != RG_OK)
        return reply_error(n, m, reply, "answer without to-tag");
    struct rg_mside_req req;
    struct rg_buf unknown, out;
    rg_buf_init(&unknown, 2048);
    rg_buf_init(&out, 65536);
    int rc = rg_ngcmd_req(m->dict, &req, &unknown, &why);
    if (rc == RG_OK)
        rc = rg_ngcmd_sdp(n, now_us, call_id, from_tag, to_tag, answer, sdp, &req, &out, touched,
                          &why);
    if (rc == RG_OK)
        rc = reply_sdp(m, reply, rg_buf_str(&out), &unknown);
    else
        rc = reply_error(n, m, reply, why ? why : rg_strerror(rc));
    rg_buf_deinit(&unknown);
    rg_buf_deinit(&out);
    return rc;
}

struct rg_mcall *rg_ngcmd_delete(struct rg_ngcmd *n, struct rg_str call_id)
{
    struct rg_mcall *c = rg_mtable_take(&n->calls, call_id);
    if (c)
        n->st.deletes++;
    return c;
}

static int do_delete(struct rg_ngcmd *n, const struct rg_ng_msg *m, struct rg_buf *reply,
                     struct rg_mcall **gone)
{
    struct rg_str call_id;
    if (rg_bencode_dict_str(m->dict, "call-id", &call_id) != RG_OK)
        return reply_error(n, m, reply, "missing call-id");
    struct rg_mcall *c = rg_ngcmd_delete(n, call_id);
    if (!c)
        return reply_error(n, m, reply, "Call-ID not found");
    *gone = c;
    struct rg_bencode_writer w;
    rg_buf_reset(reply);
    rg_ng_reply_begin(&w, reply, m->cookie);
    put_kv_str(&w, "result", RG_STR_LIT("ok"));
    return rg_ng_reply_finish(&w);
}

static void put_int(struct rg_bencode_writer *w, const char *k, uint64_t v)
{
    rg_bencode_put_cstr(w, k);
    rg_bencode_put_int(w, (int64_t)v);
}

/* Keys in lexicographic byte order, as bencode dictionaries require. */
static void put_side(struct rg_bencode_writer *w, const struct rg_mside *s)
{
    char a[RG_ADDR_STRLEN];
    rg_bencode_put_dict(w);
    put_kv_str(w, "DTLS", rg_str_from_cstr(rg_mside_dtls_state_name(s)));
    put_kv_str(w, "ICE", rg_str_from_cstr(rg_mside_ice_state(s)));
    put_int(w, "bytes-in", s->st.bytes_in);
    put_int(w, "bytes-out", s->st.bytes_out);
    if (s->st.codec[0])
        put_kv_str(w, "codec", rg_str_from_cstr(s->st.codec));
    put_int(w, "dropped-no-keys", s->st.drop_nokeys);
    put_int(w, "dropped-source", s->st.drop_source);
    put_int(w, "dropped-srtp", s->st.drop_srtp);
    if (rg_addr_format(&s->local_rtp, a, sizeof(a)) == RG_OK)
        put_kv_str(w, "local", rg_str_from_cstr(a));
    put_kv_str(w, "mediaType", rg_str_from_cstr(s->st.transcoded ? "transcoded" : "relayed"));
    put_int(w, "packets-in", s->st.pkts_in);
    put_int(w, "packets-out", s->st.pkts_out);
    put_int(w, "plc-frames", s->st.plc_frames);
    if (s->remote_known && rg_addr_format(&s->remote_rtp, a, sizeof(a)) == RG_OK)
        put_kv_str(w, "remote", rg_str_from_cstr(a));
    rg_bencode_put_end(w);
}

static int do_query(struct rg_ngcmd *n, int64_t now_us, const struct rg_ng_msg *m,
                    struct rg_buf *reply)
{
    struct rg_str call_id;
    if (rg_bencode_dict_str(m->dict, "call-id", &call_id) != RG_OK)
        return reply_error(n, m, reply, "missing call-id");
    const struct rg_mcall *c = rg_mtable_get(&n->calls, call_id);
    if (!c)
        return reply_error(n, m, reply, "Call-ID not found");
    n->st.queries++;
    struct rg_bencode_writer w;
    rg_buf_reset(reply);
    rg_ng_reply_begin(&w, reply, m->cookie);
    put_int(&w, "duration", (uint64_t)((now_us - c->created_us) / 1000000));
    put_kv_str(&w, "result", RG_STR_LIT("ok"));
    rg_bencode_put_cstr(&w, "streams");
    rg_bencode_put_list(&w);
    for (unsigned i = 0; i < c->n_streams; i++) {
        rg_bencode_put_dict(&w);
        put_kv_str(&w, "media", rg_str_from_cstr(c->stream[i].media));
        rg_bencode_put_cstr(&w, "from");
        put_side(&w, &c->stream[i].side[0]);
        rg_bencode_put_cstr(&w, "to");
        put_side(&w, &c->stream[i].side[1]);
        rg_bencode_put_end(&w);
    }
    rg_bencode_put_end(&w);
    return rg_ng_reply_finish(&w);
}

int rg_ngcmd_execute(struct rg_ngcmd *n, int64_t now_us, const struct rg_ng_msg *m,
                     struct rg_buf *reply, struct rg_mcall **touched, struct rg_mcall **gone)
{
    struct rg_str cmd;
    *touched = *gone = NULL;
    if (rg_ng_command(m, &cmd) != RG_OK)
        return reply_error(n, m, reply, "no command");
    if (is(cmd, "offer")) {
        n->st.offers++;
        return do_sdp(n, now_us, m, reply, touched, false);
    }
    if (is(cmd, "answer")) {
        n->st.answers++;
        return do_sdp(n, now_us, m, reply, touched, true);
    }
    if (is(cmd, "delete"))
        return do_delete(n, m, reply, gone);
    if (is(cmd, "query"))
        return do_query(n, now_us, m, reply);
    return reply_error(n, m, reply, "Unrecognized command");
}
