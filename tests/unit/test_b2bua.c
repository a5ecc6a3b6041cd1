/* Unit tests for the B2BUA call model (src/b2bua): a browser (WebSocket
 * flow) and a SIP trunk (UDP) simulated in memory, an engine that answers
 * when the test says so, simulated time.  Behaviour checked is what the
 * peers would see on the wire. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

#include "b2bua/b2bua.h"
#include "core/arena.h"
#include "core/rng.h"
#include "ctl/ctl.h"
#include "ctl/defaults.h"
#include "media/mcall.h"
#include "proto/sip/sip_build.h"

#define MAX_OUT 64
#define BROWSER_CONN 5u
#define ALICE_CONN 77u

static const char WEBRTC_SDP[] = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                                 "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\n"
                                 "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef012345\r\n"
                                 "a=fingerprint:sha-256 AA:BB\r\na=setup:actpass\r\n"
                                 "a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n";
static const char PLAIN_SDP[] = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                                "m=audio 16000 RTP/AVP 0\r\nc=IN IP4 127.0.0.1\r\n";

struct eng_req {
    uint64_t cookie;
    char id[64], from[8], to[8];
    bool answer;
    struct rg_mside_req req;
    char sdp[2048];
};

struct out {
    char data[8192];
    size_t len;
    struct rg_sip_tinfo to;
    struct rg_sip_msg *m;
};

struct tb {
    struct rg_rng_seeded st;
    struct rg_rng rng;
    struct rg_secret sec;
    struct rg_ctl ctl;
    struct rg_cfg *cfg;
    struct rg_b2b *b;
    struct rg_arena a;
    int64_t now;
    struct eng_req eng[16];
    int n_eng;
    int n_del;
    char last_del[64];
    struct out out[MAX_OUT];
    int n_out;
    bool registered; /* alice has a binding */
};

/* ---- the fake engine and registrar ---------------------------------------------- */

static int fake_sdp(void *ud, uint64_t cookie, struct rg_str id, struct rg_str from,
                    struct rg_str to, bool answer, struct rg_str sdp,
                    const struct rg_mside_req *req)
{
    struct tb *t = ud;
    if (t->n_eng >= 16)
        return RG_ELIMIT;
    struct eng_req *e = &t->eng[t->n_eng++];
    memset(e, 0, sizeof(*e));
    e->cookie = cookie;
    (void)!rg_str_copy_cstr(id, e->id, sizeof(e->id));
    (void)!rg_str_copy_cstr(from, e->from, sizeof(e->from));
    (void)!rg_str_copy_cstr(to, e->to, sizeof(e->to));
    (void)!rg_str_copy_cstr(sdp, e->sdp, sizeof(e->sdp));
    e->answer = answer;
    e->req = *req;
    return RG_OK;
}

static void fake_del(void *ud, struct rg_str id)
{
    struct tb *t = ud;
    t->n_del++;
    (void)!rg_str_copy_cstr(id, t->last_del, sizeof(t->last_del));
}

static bool fake_lookup(void *ud, int64_t now, struct rg_str user, struct rg_str *contact,
                        struct rg_sip_tinfo *to, enum rg_b2b_tp *tp)
{
    struct tb *t = ud;
    (void)now;
    if (!t->registered || !rg_str_eq_cstr(user, "alice"))
        return false;
    *contact = RG_STR_LIT("sip:k8s7d@df7jal23ls0d.invalid;transport=ws");
    to->flow = ALICE_CONN;
    to->reliable = true;
    (void)!rg_addr_parse_ip(RG_STR_LIT("127.0.0.1"), &to->addr);
    to->addr.port = 40000;
    *tp = RG_B2B_WS;
    return true;
}

/* ---- plumbing ------------------------------------------------------------------------- */

static void collect(struct tb *t)
{
    struct rg_sip_transmit tx;
    while (rg_b2b_poll_transmit(t->b, &tx) == RG_OK) {
        if (t->n_out >= MAX_OUT || tx.len >= sizeof(t->out[0].data))
            continue;
        struct out *o = &t->out[t->n_out++];
        memcpy(o->data, tx.data, tx.len);
        o->len = tx.len;
        o->to = tx.to;
        struct rg_sip_error err;
        if (rg_sip_parse(o->data, o->len, NULL, &t->a, &o->m, &err) != RG_OK)
            o->m = NULL;
    }
}

static int tb_init_cfg(struct tb *t, bool with_reg, const char *extra_cfg);

static int tb_init(struct tb *t, bool with_reg)
{
    return tb_init_cfg(t, with_reg, NULL);
}

static int tb_init_cfg(struct tb *t, bool with_reg, const char *extra_cfg)
{
    memset(t, 0, sizeof(*t));
    rg_rng_seeded_init(&t->st, 11, &t->rng);
    t->sec.rng = &t->rng;
    rg_arena_init(&t->a, 65536, 16u << 20);
    int rc = rg_ctl_init(&t->ctl, &t->sec, NULL, 0);
    struct rg_buf msgs;
    rg_buf_init(&msgs, 4096);
    char *text = rg_arena_alloc(&t->a, strlen(rg_default_config) + 4096);
    if (rc == RG_OK && !text)
        rc = RG_ENOMEM;
    if (rc == RG_OK) {
        snprintf(text, strlen(rg_default_config) + 4096, "%s%s", rg_default_config,
                 extra_cfg ? extra_cfg : "");
        rc = rg_ctl_parse_text(&t->ctl, rg_str_from_cstr(text), &t->cfg, &msgs);
    }
    rg_buf_deinit(&msgs);
    /* The engine's extra DTLS profiles, as the io glue passes them. */
    static const char *const dtls_profs[] = { "DTLS_A", "DTLS_B" };
    struct rg_b2b_cfg c = {.cfg = t->cfg, .rng = &t->rng, .max_calls = 8,
                           .dtls_profs = dtls_profs, .n_dtls_profs = 2};
    snprintf(c.local[RG_B2B_UDP].host, sizeof(c.local[0].host), "127.0.0.1");
    c.local[RG_B2B_UDP].port = 5060;
    snprintf(c.local[RG_B2B_WS].host, sizeof(c.local[0].host), "127.0.0.1");
    c.local[RG_B2B_WS].port = 8080;
    struct rg_b2b_env env = {.sdp = fake_sdp, .del = fake_del, .ud = t};
    if (with_reg)
        env.reg_lookup = fake_lookup;
    t->now = 1000000;
    if (rc == RG_OK)
        rc = rg_b2b_new(&c, &env, &t->b);
    return rc;
}

static void tb_deinit(struct tb *t)
{
    rg_b2b_free(t->b);
    rg_cfg_free(t->cfg);
    rg_ctl_deinit(&t->ctl);
    rg_arena_deinit(&t->a);
}

/* Feeds text (LF line ends become CRLF) from a flow. */
static void feed(struct tb *t, const char *text, uint64_t flow, enum rg_b2b_tp kind, uint16_t port,
                 const char *zone)
{
    char *buf = text ? rg_arena_alloc(&t->a, 2 * strlen(text) + 1) : NULL;
    size_t n = 0;
    if (!buf)
        return; /* only while allocations are made to fail */
    for (const char *p = text; *p; p++) {
        if (*p == '\n' && (p == text || p[-1] != '\r'))
            buf[n++] = '\r';
        buf[n++] = *p;
    }
    struct rg_sip_msg *m = NULL;
    struct rg_sip_error err;
    int rc = rg_sip_parse(buf, n, NULL, &t->a, &m, &err);
    if (rc == RG_EBADMSG)
        fprintf(stderr, "  test message does not parse: %s\n", err.phrase);
    if (rc != RG_OK)
        return;
    struct rg_b2b_rx rx = {.msg = m, .kind = kind, .zone = zone};
    rx.from.flow = flow;
    rx.from.reliable = kind != RG_B2B_UDP;
    (void)!rg_addr_parse_ip(RG_STR_LIT("127.0.0.1"), &rx.from.addr);
    rx.from.addr.port = port;
    (void)!rg_b2b_handle_rx(t->b, t->now, &rx);
    collect(t);
}

static void from_browser(struct tb *t, const char *text)
{
    feed(t, text, BROWSER_CONN, RG_B2B_WS, 50000, "ZONE_WRTC");
}

static void from_trunk(struct tb *t, const char *text)
{
    feed(t, text, RG_B2B_FLOW_TO(RG_B2B_UDP), RG_B2B_UDP, 5080, "ZONE_SIP");
}

/* Feeds a message object (a response we made) from the trunk or browser. */
static void feed_msg(struct tb *t, const struct rg_sip_msg *m, bool trunk)
{
    struct rg_buf b;
    rg_buf_init(&b, 65535);
    if (rg_sip_serialize(m, &b) == RG_OK) {
        char *s = rg_arena_strdup(&t->a, rg_buf_str(&b));
        if (trunk)
            from_trunk(t, s);
        else
            feed(t, s, ALICE_CONN, RG_B2B_WS, 40000, "ZONE_WRTC");
    }
    rg_buf_deinit(&b);
}

/* Answers request req (sent by the B2BUA) with status, optional SDP and
 * extra headers ("Name: value" lines separated by \n). */
static void answer_ex(struct tb *t, const struct rg_sip_msg *req, uint16_t status, const char *sdp,
                      bool trunk, const char *extra)
{
    struct rg_sip_msg *r = NULL;
    if (rg_sip_make_response(req, &t->a, status, RG_STR_LIT("X"), RG_STR_LIT("peer-tag"), &r) !=
        RG_OK)
        return;
    (void)!rg_sip_msg_add(r, &t->a, RG_STR_LIT("Contact"), RG_STR_LIT("<sip:peer@127.0.0.1:5080>"));
    for (const char *p = extra; p && *p;) {
        const char *colon = strchr(p, ':'), *nl = strchr(p, '\n');
        size_t end = nl ? (size_t)(nl - p) : strlen(p);
        if (!colon || (size_t)(colon - p) > end)
            break;
        (void)!rg_sip_msg_add(r, &t->a, rg_str_make(p, (size_t)(colon - p)),
                              rg_str_trim(rg_str_make(colon + 1, end - (size_t)(colon - p) - 1)));
        p = nl ? nl + 1 : p + end;
    }
    if (sdp)
        (void)!rg_sip_msg_set_body(r, &t->a, RG_STR_LIT("application/sdp"),
                                   rg_str_from_cstr(sdp));
    (void)!rg_sip_msg_index(r, &t->a, &(struct rg_sip_error){0});
    feed_msg(t, r, trunk);
}

static void answer(struct tb *t, const struct rg_sip_msg *req, uint16_t status, const char *sdp,
                   bool trunk)
{
    answer_ex(t, req, status, sdp, trunk, NULL);
}

/* The engine finishes request i with out_sdp (or fails with rc). */
static void engine_done(struct tb *t, int i, int rc, const char *out_sdp)
{
    rg_b2b_engine_done(t->b, t->now, t->eng[i].cookie, rc, rg_str_from_cstr(out_sdp), NULL);
    collect(t);
}

/* Last message sent that is a request of method (or a response of status
 * to method when status != 0). */
static struct out *find(struct tb *t, const char *method, uint16_t status)
{
    for (int i = t->n_out - 1; i >= 0; i--) {
        struct rg_sip_msg *m = t->out[i].m;
        if (!m)
            continue;
        if (!status && m->is_request && rg_str_eq_cstr(m->method, method))
            return &t->out[i];
        if (status && !m->is_request && m->status == status &&
            rg_str_eq_cstr(m->cseq_method, method))
            return &t->out[i];
    }
    return NULL;
}

static void advance(struct tb *t, int64_t us)
{
    int64_t end = t->now + us;
    while (t->now < end) {
        int64_t next = rg_b2b_next_timeout_us(t->b);
        t->now = next < end ? (next > t->now ? next : t->now + 1) : end;
        rg_b2b_handle_timeout(t->b, t->now);
        collect(t);
    }
}

#define BROWSER_INVITE_HDRS                                                                        \
    "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKnashds7;rport=50000;received=127.0.0.1\n" \
    "From: \"Bob\" <sip:1001@127.0.0.1>;tag=jsfrom1\n"                                            \
    "To: <sip:echo@127.0.0.1>\n"                                                                 \
    "Call-ID: jscall1\n"                                                                         \
    "Contact: <sip:k8s7d@df7jal23ls0d.invalid;transport=ws;ob>\n"                                \
    "Supported: ice, replaces, outbound\n"

static char *browser_invite(struct tb *t, const char *mf)
{
    char *s = rg_arena_alloc(&t->a, 4096);
    if (!s)
        return NULL;
    snprintf(s, 4096,
             "INVITE sip:echo@127.0.0.1 SIP/2.0\n" BROWSER_INVITE_HDRS
             "Max-Forwards: %s\nCSeq: 7 INVITE\nContent-Type: application/sdp\n"
             "Content-Length: %zu\n\n%s",
             mf, strlen(WEBRTC_SDP), WEBRTC_SDP);
    return s;
}

/* A browser call up to the 200 on both legs; returns B's INVITE. */
/* REQUIRE for functions returning a pointer. */
#define NEED(t, cond)                                                                              \
    do {                                                                                           \
        CHECK(t, cond);                                                                            \
        if (!(cond))                                                                               \
            return NULL;                                                                           \
    } while (0)

static struct rg_sip_msg *call_up(struct rg_t *rt, struct tb *t)
{
    from_browser(t, browser_invite(t, "70"));
    struct out *trying = find(t, "INVITE", 100);
    CHECK(rt, trying && trying->to.flow == BROWSER_CONN);
    NEED(rt, t->n_eng == 1);
    CHECK(rt, !t->eng[0].answer && strcmp(t->eng[0].from, "a") == 0);
    CHECK_EQ_INT(rt, t->eng[0].req.transport, RG_MT_RTP_AVP);
    CHECK_EQ_INT(rt, t->eng[0].req.ice, RG_MICE_NONE);
    CHECK_EQ_INT(rt, t->eng[0].req.rtcp_mux, 0);
    CHECK_EQ_INT(rt, t->eng[0].req.from_ice_lite, 1); /* TG_WRTC iceWebrtc: lite to the browser */
    engine_done(t, 0, RG_OK, PLAIN_SDP);
    struct out *inv = find(t, "INVITE", 0);
    NEED(rt, inv != NULL);
    CHECK(rt, inv->to.flow == RG_B2B_FLOW_TO(RG_B2B_UDP) && inv->to.addr.port == 5080);
    CHECK_STR(rt, inv->m->ruri_text, "sip:echo@127.0.0.1:5080");
    CHECK_EQ_INT(rt, inv->m->max_forwards, 69);
    CHECK(rt, rg_str_has_prefix(inv->m->vias[0].branch, "z9hG4bKrgb"));
    CHECK_STR(rt, inv->m->body, PLAIN_SDP);
    CHECK(rt, !rg_str_eq_cstr(inv->m->call_id, "jscall1")); /* its own Call-ID */
    CHECK_STR(rt, inv->m->from->uri.user, "1001");
    answer(t, inv->m, 180, NULL, true);
    struct out *ring = find(t, "INVITE", 180);
    CHECK(rt, ring && ring->to.flow == BROWSER_CONN && ring->m->to->tag.len > 0);
    answer(t, inv->m, 200, PLAIN_SDP, true);
    CHECK(rt, find(t, "ACK", 0) != NULL);
    NEED(rt, t->n_eng == 2);
    CHECK(rt, t->eng[1].answer && strcmp(t->eng[1].to, "b") == 0);
    CHECK_EQ_INT(rt, t->eng[1].req.dtls_passive, 1); /* defaultDtlsProfile dtlsRole server */
    engine_done(t, 1, RG_OK, WEBRTC_SDP);
    struct out *ok = find(t, "INVITE", 200);
    NEED(rt, ok != NULL);
    CHECK(rt, ok->to.flow == BROWSER_CONN);
    CHECK_STR(rt, ok->m->body, WEBRTC_SDP);
    CHECK(rt, ok->m->contacts.n == 1);
    return inv->m;
}

static void ack_from_browser(struct rg_t *rt, struct tb *t)
{
    struct out *ok = find(t, "INVITE", 200);
    REQUIRE(rt, ok != NULL);
    char *s = rg_arena_alloc(&t->a, 2048);
    struct rg_str tag = ok->m->to->tag;
    snprintf(s, 2048,
             "ACK sip:rtcgate@127.0.0.1:8080;transport=ws SIP/2.0\n"
             "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKack1\n"
             "From: \"Bob\" <sip:1001@127.0.0.1>;tag=jsfrom1\nTo: <sip:echo@127.0.0.1>;tag=%.*s\n"
             "Call-ID: jscall1\nCSeq: 7 ACK\nMax-Forwards: 70\nContent-Length: 0\n\n",
             (int)tag.len, tag.p);
    from_browser(t, s);
}

static void ack_and_bye_from_browser(struct rg_t *rt, struct tb *t)
{
    ack_from_browser(rt, t);
    struct out *ok = find(t, "INVITE", 200);
    REQUIRE(rt, ok != NULL);
    char *s = rg_arena_alloc(&t->a, 2048);
    struct rg_str tag = ok->m->to->tag;
    snprintf(s, 2048,
             "BYE sip:rtcgate@127.0.0.1:8080;transport=ws SIP/2.0\n"
             "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKbye1\n"
             "From: \"Bob\" <sip:1001@127.0.0.1>;tag=jsfrom1\nTo: <sip:echo@127.0.0.1>;tag=%.*s\n"
             "Call-ID: jscall1\nCSeq: 8 BYE\nMax-Forwards: 70\nContent-Length: 0\n\n",
             (int)tag.len, tag.p);
    from_browser(t, s);
}

static void browser_calls_trunk(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, false) == RG_OK);
    call_up(rt, &t);
    CHECK_EQ_INT(rt, (int)rg_b2b_call_count(t.b), 1);
    ack_and_bye_from_browser(rt, &t);
    struct out *ok = find(&t, "BYE", 200);
    CHECK(rt, ok && ok->to.flow == BROWSER_CONN);
    struct out *bye = find(&t, "BYE", 0);
    REQUIRE(rt, bye != NULL);
    CHECK(rt, bye->to.addr.port == 5080);
    CHECK_STR(rt, bye->m->ruri_text, "sip:peer@127.0.0.1:5080"); /* B's Contact */
    CHECK_EQ_INT(rt, t.n_del, 1);
    CHECK_EQ_INT(rt, (int)rg_b2b_call_count(t.b), 0);
    answer(&t, bye->m, 200, NULL, true);
    advance(&t, 40000000); /* every transaction ends */
    tb_deinit(&t);
}

static void trunk_hangs_up(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, false) == RG_OK);
    struct rg_sip_msg *inv = call_up(rt, &t);
    REQUIRE(rt, inv != NULL);
    char *s = rg_arena_alloc(&t.a, 2048);
    struct rg_str our_from = rg_sip_msg_find(inv, RG_STR_LIT("From"), NULL)->value;
    snprintf(s, 2048,
             "BYE sip:rtcgate@127.0.0.1:5060 SIP/2.0\n"
             "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKsb1\n"
             "From: <sip:echo@127.0.0.1>;tag=peer-tag\nTo: %.*s\nCall-ID: %.*s\n"
             "CSeq: 2 BYE\nMax-Forwards: 70\nContent-Length: 0\n\n",
             (int)our_from.len, our_from.p, (int)inv->call_id.len, inv->call_id.p);
    from_trunk(&t, s);
    struct out *ok = find(&t, "BYE", 200);
    CHECK(rt, ok && ok->to.addr.port == 5080);
    struct out *bye = find(&t, "BYE", 0);
    CHECK(rt, bye && bye->to.flow == BROWSER_CONN);
    CHECK(rt, bye && rg_str_eq_cstr(bye->m->ruri_text,
                                   "sip:k8s7d@df7jal23ls0d.invalid;transport=ws;ob"));
    CHECK_EQ_INT(rt, t.n_del, 1);
    CHECK_EQ_INT(rt, (int)rg_b2b_call_count(t.b), 0);
    tb_deinit(&t);
}

static void cancel_before_answer(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, false) == RG_OK);
    from_browser(&t, browser_invite(&t, "70"));
    engine_done(&t, 0, RG_OK, PLAIN_SDP);
    struct out *inv = find(&t, "INVITE", 0);
    REQUIRE(rt, inv != NULL);
    answer(&t, inv->m, 180, NULL, true);
    from_browser(&t, "CANCEL sip:echo@127.0.0.1 SIP/2.0\n"
                     "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKnashds7\n"
                     "From: \"Bob\" <sip:1001@127.0.0.1>;tag=jsfrom1\nTo: <sip:echo@127.0.0.1>\n"
                     "Call-ID: jscall1\nCSeq: 7 CANCEL\nMax-Forwards: 70\nContent-Length: 0\n\n");
    CHECK(rt, find(&t, "CANCEL", 200) != NULL);
    CHECK(rt, find(&t, "INVITE", 487) != NULL);
    struct out *c = find(&t, "CANCEL", 0);
    REQUIRE(rt, c != NULL);
    CHECK(rt, rg_str_eq(c->m->vias[0].branch, inv->m->vias[0].branch)); /* §9.1 */
    answer(&t, c->m, 200, NULL, true);
    answer(&t, inv->m, 487, NULL, true);
    CHECK(rt, find(&t, "ACK", 0) != NULL); /* the txl's ACK for the 487 */
    CHECK_EQ_INT(rt, t.n_del, 1);
    CHECK_EQ_INT(rt, (int)rg_b2b_call_count(t.b), 0);
    tb_deinit(&t);
}

static void cancel_while_engine_works(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, false) == RG_OK);
    from_browser(&t, browser_invite(&t, "70"));
    from_browser(&t, "CANCEL sip:echo@127.0.0.1 SIP/2.0\n"
                     "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKnashds7\n"
                     "From: \"Bob\" <sip:1001@127.0.0.1>;tag=jsfrom1\nTo: <sip:echo@127.0.0.1>\n"
                     "Call-ID: jscall1\nCSeq: 7 CANCEL\nMax-Forwards: 70\nContent-Length: 0\n\n");
    CHECK(rt, find(&t, "INVITE", 487) != NULL);
    engine_done(&t, 0, RG_OK, PLAIN_SDP);
    CHECK(rt, find(&t, "INVITE", 0) == NULL); /* the trunk never hears of it */
    CHECK_EQ_INT(rt, t.n_del, 1);
    CHECK_EQ_INT(rt, (int)rg_b2b_call_count(t.b), 0);
    tb_deinit(&t);
}

static void failure_mapped(struct rg_t *rt, uint16_t from_trunk_status, uint16_t want)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, false) == RG_OK);
    from_browser(&t, browser_invite(&t, "70"));
    engine_done(&t, 0, RG_OK, PLAIN_SDP);
    struct out *inv = find(&t, "INVITE", 0);
    REQUIRE(rt, inv != NULL);
    answer(&t, inv->m, from_trunk_status, NULL, true);
    struct out *r = find(&t, "INVITE", want);
    CHECK(rt, r && r->to.flow == BROWSER_CONN);
    if (!r)
        fprintf(stderr, "  %u from the trunk: no %u to the browser\n", from_trunk_status, want);
    CHECK_EQ_INT(rt, t.n_del, 1);
    CHECK_EQ_INT(rt, (int)rg_b2b_call_count(t.b), 0);
    tb_deinit(&t);
}

static void error_mapping(struct rg_t *rt)
{
    failure_mapped(rt, 486, 486);
    failure_mapped(rt, 404, 404);
    failure_mapped(rt, 480, 480);
    failure_mapped(rt, 488, 488);
    failure_mapped(rt, 503, 503);
    failure_mapped(rt, 603, 603);
    failure_mapped(rt, 302, 480);
    failure_mapped(rt, 407, 403);
}

static void trunk_timeout_is_408(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, false) == RG_OK);
    from_browser(&t, browser_invite(&t, "70"));
    engine_done(&t, 0, RG_OK, PLAIN_SDP);
    advance(&t, 31000000);
    CHECK(rt, find(&t, "INVITE", 408) == NULL);
    int invites = 0;
    for (int i = 0; i < t.n_out; i++)
        invites += t.out[i].m && t.out[i].m->is_request && rg_str_eq_cstr(t.out[i].m->method,
                                                                           "INVITE");
    CHECK(rt, invites >= 6); /* timer A retransmissions over UDP */
    advance(&t, 2000000);
    CHECK(rt, find(&t, "INVITE", 408) != NULL); /* timer B */
    CHECK_EQ_INT(rt, t.n_del, 1);
    CHECK_EQ_INT(rt, (int)rg_b2b_call_count(t.b), 0);
    tb_deinit(&t);
}

static void refused_requests(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, false) == RG_OK);
    from_browser(&t, browser_invite(&t, "0"));
    CHECK(rt, find(&t, "INVITE", 483) != NULL);
    /* Our own INVITE coming back (a trunk routing to us): 482. */
    from_trunk(&t, "INVITE sip:echo@127.0.0.1 SIP/2.0\n"
                   "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKpx\n"
                   "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKrgbXYZ\n"
                   "From: <sip:1@127.0.0.1>;tag=f\nTo: <sip:echo@127.0.0.1>\nCall-ID: loop\n"
                   "CSeq: 1 INVITE\nMax-Forwards: 60\nContent-Type: application/sdp\n"
                   "Content-Length: 10\n\nv=0\r\ns=-\r\n");
    CHECK(rt, find(&t, "INVITE", 482) != NULL);
    /* Routed back to its own source (the default route names 127.0.0.1:5080). */
    from_trunk(&t, "INVITE sip:bob@127.0.0.1 SIP/2.0\n"
                   "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKpy\n"
                   "From: <sip:1@127.0.0.1>;tag=f\nTo: <sip:bob@127.0.0.1>\nCall-ID: back\n"
                   "Contact: <sip:1@127.0.0.1:5080>\n"
                   "CSeq: 1 INVITE\nMax-Forwards: 60\nContent-Type: application/sdp\n"
                   "Content-Length: 10\n\nv=0\r\ns=-\r\n");
    CHECK(rt, find(&t, "INVITE", 404) != NULL);

    from_browser(&t, "INVITE sip:echo@127.0.0.1 SIP/2.0\n"
                     "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKnosdp\n"
                     "From: <sip:1001@127.0.0.1>;tag=x\nTo: <sip:echo@127.0.0.1>\nCall-ID: nosdp\n"
                     "Contact: <sip:k8s7d@df7jal23ls0d.invalid;transport=ws>\n"
                     "Max-Forwards: 70\nCSeq: 9 INVITE\nContent-Length: 0\n\n");
    CHECK(rt, find(&t, "INVITE", 488) != NULL);
    from_browser(&t, "INVITE sip:echo@127.0.0.1 SIP/2.0\n"
                     "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKnoct\n"
                     "From: <sip:1001@127.0.0.1>;tag=x\nTo: <sip:echo@127.0.0.1>\nCall-ID: noct\n"
                     "Max-Forwards: 70\nCSeq: 9 INVITE\nContent-Type: application/sdp\n"
                     "Content-Length: 10\n\nv=0\r\ns=-\r\n");
    CHECK(rt, find(&t, "INVITE", 400) != NULL); /* §8.1.1.8: no Contact */
    CHECK(rt, find(&t, "INVITE", 488) != NULL);
    from_browser(&t, "OPTIONS sip:127.0.0.1 SIP/2.0\n" BROWSER_INVITE_HDRS
                     "Max-Forwards: 70\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n");
    struct out *o = find(&t, "OPTIONS", 200);
    CHECK(rt, o && rg_sip_msg_find(o->m, RG_STR_LIT("Allow"), NULL) != NULL);
    from_browser(&t, "REGISTER sip:127.0.0.1 SIP/2.0\n" BROWSER_INVITE_HDRS
                     "Max-Forwards: 70\nCSeq: 1 REGISTER\nContent-Length: 0\n\n");
    CHECK(rt, find(&t, "REGISTER", 501) != NULL); /* no location service given */
    from_browser(&t, "BYE sip:127.0.0.1 SIP/2.0\n" BROWSER_INVITE_HDRS
                     "Max-Forwards: 70\nCSeq: 1 BYE\nContent-Length: 0\n\n");
    CHECK(rt, find(&t, "BYE", 481) != NULL);
    CHECK_EQ_INT(rt, t.n_eng, 0);
    CHECK_EQ_INT(rt, (int)rg_b2b_call_count(t.b), 0);
    tb_deinit(&t);
}

static void engine_refuses_offer(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, false) == RG_OK);
    from_browser(&t, browser_invite(&t, "70"));
    engine_done(&t, 0, RG_EUNSUPP, "");
    CHECK(rt, find(&t, "INVITE", 488) != NULL);
    CHECK(rt, find(&t, "INVITE", 0) == NULL);
    CHECK_EQ_INT(rt, t.n_del, 1);
    CHECK_EQ_INT(rt, (int)rg_b2b_call_count(t.b), 0);
    tb_deinit(&t);
}

static void sip_calls_browser(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, true) == RG_OK);
    t.registered = true;
    char *s = rg_arena_alloc(&t.a, 4096);
    snprintf(s, 4096,
             "INVITE sip:alice@127.0.0.1:5060 SIP/2.0\n"
             "Via: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bKsipp1\n"
             "From: <sip:2002@127.0.0.1:5090>;tag=sf\nTo: <sip:alice@127.0.0.1>\n"
             "Call-ID: sippcall\nCSeq: 1 INVITE\nMax-Forwards: 70\n"
             "Contact: <sip:sipp@127.0.0.1:5090>\nContent-Type: application/sdp\n"
             "Content-Length: %zu\n\n%s",
             strlen(PLAIN_SDP), PLAIN_SDP);
    feed(&t, s, RG_B2B_FLOW_TO(RG_B2B_UDP), RG_B2B_UDP, 5090, "ZONE_SIP");
    REQUIRE(rt, t.n_eng == 1);
    CHECK_EQ_INT(rt, t.eng[0].req.transport, RG_MT_DTLS_SRTP);
    CHECK_EQ_INT(rt, t.eng[0].req.avpf, 1);
    CHECK_EQ_INT(rt, t.eng[0].req.rtcp_mux, 1);
    CHECK_EQ_INT(rt, t.eng[0].req.ice, RG_MICE_LITE); /* TG_WRTC: iceWebrtc */
    CHECK_EQ_INT(rt, t.eng[0].req.from_ice_lite, 0);  /* TG_SIP: iceSupport none */
    /* TG_WRTC's PSP_WRTC: Opus (PT 111), then G.711 μ-law and A-law. */
    CHECK_EQ_INT(rt, t.eng[0].req.codecs.n, 3);
    CHECK(rt, t.eng[0].req.codecs.item[0].codec == RG_CODEC_OPUS &&
                  t.eng[0].req.codecs.item[0].pt == 111);
    engine_done(&t, 0, RG_OK, WEBRTC_SDP);
    struct out *inv = find(&t, "INVITE", 0);
    REQUIRE(rt, inv != NULL);
    CHECK(rt, inv->to.flow == ALICE_CONN);
    CHECK_STR(rt, inv->m->ruri_text, "sip:k8s7d@df7jal23ls0d.invalid;transport=ws");
    CHECK_STR(rt, inv->m->vias[0].transport, "WS");
    answer(&t, inv->m, 200, WEBRTC_SDP, false);
    CHECK(rt, find(&t, "ACK", 0) != NULL);
    REQUIRE(rt, t.n_eng == 2);
    engine_done(&t, 1, RG_OK, PLAIN_SDP);
    struct out *ok = find(&t, "INVITE", 200);
    CHECK(rt, ok && ok->to.addr.port == 5090 && rg_str_eq_cstr(ok->m->body, PLAIN_SDP));
    /* The browser's connection breaks: the SIP side gets a BYE. */
    rg_b2b_flow_closed(t.b, t.now, ALICE_CONN);
    collect(&t);
    struct out *bye = find(&t, "BYE", 0);
    CHECK(rt, bye && bye->to.addr.port == 5090);
    CHECK_EQ_INT(rt, t.n_del, 1);
    CHECK_EQ_INT(rt, (int)rg_b2b_call_count(t.b), 0);
    /* Nobody registered: 404. */
    t.registered = false;
    feed(&t, s, RG_B2B_FLOW_TO(RG_B2B_UDP), RG_B2B_UDP, 5080, "ZONE_SIP");
    tb_deinit(&t);
}

/* The codecs offered to a leg come from its trunk group's packet service
 * profile (ctl/psp_codec.h); answers and profiles without codecs ask for
 * no change (all-zero). */
static bool codecs_zero(const struct rg_mcodec_req *r)
{
    static const struct rg_mcodec_req zero;
    return memcmp(r, &zero, sizeof(zero)) == 0;
}

static void profile_codecs(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, false) == RG_OK);
    call_up(rt, &t); /* TG_SIP: PSP DEFAULT = G711-DEFAULT, G711A-DEFAULT */
    const struct rg_mcodec_req *r = &t.eng[0].req.codecs;
    CHECK_EQ_INT(rt, r->n, 2);
    CHECK(rt, r->mask_all && r->ours_first && !r->strip_all);
    CHECK_EQ_INT(rt, r->ptime_ms, 20);
    CHECK(rt, r->item[0].op == RG_MCODEC_TRANSCODE && r->item[0].codec == RG_CODEC_PCMU);
    CHECK(rt, r->item[0].has_pt && r->item[0].pt == 0);
    CHECK(rt, r->item[1].codec == RG_CODEC_PCMA && r->item[1].pt == 8);
    CHECK(rt, codecs_zero(&t.eng[1].req.codecs)); /* the answer */
    tb_deinit(&t);

    static const char *const g729 =
        "set profiles media codecEntry G729-T codec G729 packetSize 30 dtmf relay rfc2833\n"
        "set profiles media codecEntry G722-T codec G722 packetSize 20 "
        "preferredRtpPayloadType 9\n"
        "set profiles media packetServiceProfile PSP_T codec codecEntry1 G729-T codecEntry2 "
        "G722-T\n"
        "set profiles media packetServiceProfile PSP_T honorRemotePrecedence enabled\n"
        "set addressContext default zone ZONE_SIP sipTrunkGroup TG_SIP policy media "
        "packetServiceProfile PSP_T\n";
    REQUIRE(rt, tb_init_cfg(&t, false, g729) == RG_OK);
    from_browser(&t, browser_invite(&t, "70"));
    REQUIRE(rt, t.n_eng == 1);
    r = &t.eng[0].req.codecs;
    CHECK_EQ_INT(rt, r->n, 2);
    CHECK(rt, r->item[0].codec == RG_CODEC_G729 && !r->item[0].has_pt);
    CHECK_EQ_INT(rt, r->item[0].ptime_ms, 30);
    CHECK(rt, r->item[1].codec == RG_CODEC_G722 && r->item[1].pt == 9);
    CHECK(rt, r->mask_all && !r->ours_first && r->dtmf_set);
    CHECK_EQ_INT(rt, r->ptime_ms, 30);
    tb_deinit(&t);

    /* A profile without codec entries: no codec changes (the demo's relay). */
    static const char *const none =
        "set profiles media packetServiceProfile PSP_N rtcpOptions rtcp enable\n"
        "set addressContext default zone ZONE_SIP sipTrunkGroup TG_SIP policy media "
        "packetServiceProfile PSP_N\n";
    REQUIRE(rt, tb_init_cfg(&t, false, none) == RG_OK);
    from_browser(&t, browser_invite(&t, "70"));
    REQUIRE(rt, t.n_eng == 1);
    CHECK(rt, codecs_zero(&t.eng[0].req.codecs));
    tb_deinit(&t);
}

static void reinvite_hold(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, false) == RG_OK);
    call_up(rt, &t);
    struct out *ok = find(&t, "INVITE", 200);
    REQUIRE(rt, ok != NULL);
    struct rg_str tag = ok->m->to->tag;
    char *s = rg_arena_alloc(&t.a, 4096);
    snprintf(s, 4096,
             "INVITE sip:rtcgate@127.0.0.1:8080;transport=ws SIP/2.0\n"
             "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKre1\n"
             "From: \"Bob\" <sip:1001@127.0.0.1>;tag=jsfrom1\nTo: <sip:echo@127.0.0.1>;tag=%.*s\n"
             "Call-ID: jscall1\nCSeq: 9 INVITE\nMax-Forwards: 70\n"
             "Contact: <sip:k8s7d@df7jal23ls0d.invalid;transport=ws;ob>\n"
             "Content-Type: application/sdp\nContent-Length: %zu\n\n%sa=sendonly\r\n",
             (int)tag.len, tag.p, strlen(WEBRTC_SDP) + 12, WEBRTC_SDP);
    int before = t.n_out;
    from_browser(&t, s);
    REQUIRE(rt, t.n_eng == 3);
    CHECK(rt, !t.eng[2].answer && strcmp(t.eng[2].from, "a") == 0 &&
                  strcmp(t.eng[2].id, t.eng[0].id) == 0);
    engine_done(&t, 2, RG_OK, "v=0\r\na=sendonly\r\n");
    struct out *re = find(&t, "INVITE", 0);
    REQUIRE(rt, re != NULL && (int)(re - t.out) >= before);
    CHECK_STR(rt, re->m->ruri_text, "sip:peer@127.0.0.1:5080");
    CHECK_STR(rt, re->m->body, "v=0\r\na=sendonly\r\n");
    CHECK(rt, re->m->to && rg_str_eq_cstr(re->m->to->tag, "peer-tag"));
    answer(&t, re->m, 200, "v=0\r\na=recvonly\r\n", true);
    REQUIRE(rt, t.n_eng == 4);
    CHECK(rt, t.eng[3].answer && strcmp(t.eng[3].to, "b") == 0);
    engine_done(&t, 3, RG_OK, "v=0\r\na=recvonly\r\n");
    struct out *ok2 = find(&t, "INVITE", 200);
    CHECK(rt, ok2 && ok2->m->cseq == 9 && rg_str_eq_cstr(ok2->m->body, "v=0\r\na=recvonly\r\n"));
    CHECK_EQ_INT(rt, t.n_del, 0);
    tb_deinit(&t);
}

static void no_ack_ends_call(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, false) == RG_OK);
    call_up(rt, &t);
    advance(&t, 40000000); /* 64*T1 without the browser's ACK */
    CHECK(rt, find(&t, "BYE", 0) != NULL);
    CHECK_EQ_INT(rt, t.n_del, 1);
    CHECK_EQ_INT(rt, (int)rg_b2b_call_count(t.b), 0);
    tb_deinit(&t);
}

static int oom_call(void *arg)
{
    (void)arg;
    struct tb t;
    int rc = tb_init(&t, false);
    if (rc == RG_OK) {
        from_browser(&t, browser_invite(&t, "70"));
        if (t.n_eng == 1) {
            engine_done(&t, 0, RG_OK, PLAIN_SDP);
            struct out *inv = find(&t, "INVITE", 0);
            if (inv && inv->m)
                answer(&t, inv->m, 200, PLAIN_SDP, true);
            if (t.n_eng == 2)
                engine_done(&t, 1, RG_OK, WEBRTC_SDP);
        }
    }
    if (t.b)
        tb_deinit(&t);
    else {
        rg_cfg_free(t.cfg);
        rg_ctl_deinit(&t.ctl);
        rg_arena_deinit(&t.a);
    }
    return rc;
}

static void oom_stepping(struct rg_t *rt)
{
    rg_t_oom_step(rt, oom_call, NULL, 20000);
}

static int count_req(struct tb *t, const char *method)
{
    int n = 0;
    for (int i = 0; i < t->n_out; i++)
        n += t->out[i].m && t->out[i].m->is_request && rg_str_eq_cstr(t->out[i].m->method, method);
    return n;
}

static void early_media_then_200(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, false) == RG_OK);
    from_browser(&t, browser_invite(&t, "70"));
    engine_done(&t, 0, RG_OK, PLAIN_SDP);
    struct out *inv = find(&t, "INVITE", 0);
    REQUIRE(rt, inv != NULL);
    /* A reliable 183 (RFC 3262): PRACKed on the trunk leg, relayed plainly. */
    answer_ex(&t, inv->m, 183, PLAIN_SDP, true, "Require: 100rel\nRSeq: 1");
    struct out *pr = find(&t, "PRACK", 0);
    CHECK(rt, pr && pr->to.addr.port == 5080 &&
                  rg_sip_msg_find(pr->m, RG_STR_LIT("RAck"), NULL) != NULL);
    REQUIRE(rt, t.n_eng == 2);
    CHECK(rt, t.eng[1].answer);
    engine_done(&t, 1, RG_OK, WEBRTC_SDP);
    struct out *early = find(&t, "INVITE", 183);
    REQUIRE(rt, early != NULL);
    CHECK_STR(rt, early->m->body, WEBRTC_SDP);
    CHECK_EQ_INT(rt, (int)early->m->require.n, 0); /* no 100rel toward the browser */
    answer(&t, inv->m, 200, PLAIN_SDP, true); /* the same SDP: no second engine answer */
    CHECK_EQ_INT(rt, t.n_eng, 2);
    struct out *ok = find(&t, "INVITE", 200);
    CHECK(rt, ok && rg_str_eq_cstr(ok->m->body, WEBRTC_SDP));
    tb_deinit(&t);
}

static void session_timers(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, false) == RG_OK);
    /* Below our Min-SE: 422 with Min-SE (RFC 4028 §8.1). */
    from_browser(&t, "INVITE sip:echo@127.0.0.1 SIP/2.0\n"
                     "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKse\n"
                     "From: <sip:1001@127.0.0.1>;tag=x\nTo: <sip:echo@127.0.0.1>\nCall-ID: se\n"
                     "Contact: <sip:k8s7d@df7jal23ls0d.invalid;transport=ws>\n"
                     "Session-Expires: 30\nMax-Forwards: 70\nCSeq: 9 INVITE\n"
                     "Content-Type: application/sdp\nContent-Length: 10\n\nv=0\r\ns=-\r\n");
    struct out *r422 = find(&t, "INVITE", 422);
    CHECK(rt, r422 && rg_sip_msg_find(r422->m, RG_STR_LIT("Min-SE"), NULL) != NULL);
    /* The trunk makes us the refresher: an UPDATE at half the interval. */
    from_browser(&t, browser_invite(&t, "70"));
    engine_done(&t, 0, RG_OK, PLAIN_SDP);
    struct out *inv = find(&t, "INVITE", 0);
    REQUIRE(rt, inv && rg_sip_msg_find(inv->m, RG_STR_LIT("Session-Expires"), NULL));
    answer_ex(&t, inv->m, 200, PLAIN_SDP, true, "Session-Expires: 120;refresher=uac\nRequire: timer");
    engine_done(&t, 1, RG_OK, WEBRTC_SDP);
    ack_from_browser(rt, &t);
    advance(&t, 59000000);
    CHECK_EQ_INT(rt, count_req(&t, "UPDATE"), 0);
    advance(&t, 2000000);
    struct out *up = find(&t, "UPDATE", 0);
    REQUIRE(rt, up != NULL);
    CHECK(rt, up->to.addr.port == 5080 && up->m->body.len == 0);
    answer(&t, up->m, 200, NULL, true);
    CHECK_EQ_INT(rt, (int)rg_b2b_call_count(t.b), 1);
    /* Then the refresh fails: the call ends on both legs (§10). */
    advance(&t, 60000000);
    up = find(&t, "UPDATE", 0);
    REQUIRE(rt, up != NULL);
    answer(&t, up->m, 481, NULL, true);
    CHECK_EQ_INT(rt, (int)rg_b2b_call_count(t.b), 0);
    CHECK(rt, find(&t, "BYE", 0) != NULL);
    CHECK_EQ_INT(rt, t.n_del, 1);
    tb_deinit(&t);
}

static void session_expires_without_refresh(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, false) == RG_OK);
    from_browser(&t, browser_invite(&t, "70"));
    engine_done(&t, 0, RG_OK, PLAIN_SDP);
    struct out *inv = find(&t, "INVITE", 0);
    REQUIRE(rt, inv != NULL);
    answer_ex(&t, inv->m, 200, PLAIN_SDP, true, "Session-Expires: 90;refresher=uas");
    engine_done(&t, 1, RG_OK, WEBRTC_SDP);
    ack_from_browser(rt, &t);
    advance(&t, 50000000);
    CHECK_EQ_INT(rt, (int)rg_b2b_call_count(t.b), 1);
    advance(&t, 20000000); /* 90 - 30 s without a refresh from the trunk */
    CHECK_EQ_INT(rt, (int)rg_b2b_call_count(t.b), 0);
    bool to_browser = false, to_trunk = false;
    for (int i = 0; i < t.n_out; i++) {
        struct out *o = &t.out[i];
        if (o->m && o->m->is_request && rg_str_eq_cstr(o->m->method, "BYE")) {
            to_browser |= o->to.flow == BROWSER_CONN;
            to_trunk |= o->to.addr.port == 5080;
        }
    }
    CHECK(rt, to_browser && to_trunk);
    CHECK_EQ_INT(rt, t.n_del, 1);
    tb_deinit(&t);
}

static void glare_and_update(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, false) == RG_OK);
    struct rg_sip_msg *inv = call_up(rt, &t);
    REQUIRE(rt, inv != NULL);
    ack_from_browser(rt, &t);
    struct rg_str tag = find(&t, "INVITE", 200)->m->to->tag;
    char *s = rg_arena_alloc(&t.a, 4096);
    for (int k = 0; k < 2; k++) {
        snprintf(s, 4096,
                 "UPDATE sip:rtcgate@127.0.0.1:8080;transport=ws SIP/2.0\n"
                 "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKup%d\n"
                 "From: \"Bob\" <sip:1001@127.0.0.1>;tag=jsfrom1\nTo: <sip:echo@127.0.0.1>;tag=%.*s\n"
                 "Call-ID: jscall1\nCSeq: %d UPDATE\nMax-Forwards: 70\n"
                 "Contact: <sip:k8s7d@df7jal23ls0d.invalid;transport=ws;ob>\n"
                 "Content-Type: application/sdp\nContent-Length: %zu\n\n%s",
                 k, (int)tag.len, tag.p, 20 + k, strlen(WEBRTC_SDP), WEBRTC_SDP);
        from_browser(&t, s);
    }
    CHECK(rt, find(&t, "UPDATE", 491) != NULL); /* the second while the first is pending */
    REQUIRE(rt, t.n_eng == 3);
    engine_done(&t, 2, RG_OK, "v=0\r\na=sendonly\r\n"); /* a change for the trunk: relayed */
    struct out *up = find(&t, "UPDATE", 0);
    REQUIRE(rt, up != NULL);
    CHECK(rt, up->to.addr.port == 5080 && rg_str_eq_cstr(up->m->body, "v=0\r\na=sendonly\r\n"));
    answer(&t, up->m, 200, PLAIN_SDP, true);
    REQUIRE(rt, t.n_eng == 4);
    engine_done(&t, 3, RG_OK, WEBRTC_SDP);
    struct out *ok = find(&t, "UPDATE", 200);
    CHECK(rt, ok && ok->m->cseq == 20 && rg_str_eq_cstr(ok->m->body, WEBRTC_SDP));
    CHECK_EQ_INT(rt, count_req(&t, "ACK"), 1); /* UPDATE's 2xx needs none */
    tb_deinit(&t);
}

static void unknown_attributes(struct rg_t *rt, const char *extra, bool kept)
{
    struct tb t;
    REQUIRE(rt, tb_init_cfg(&t, false, extra) == RG_OK);
    from_browser(&t, browser_invite(&t, "70"));
    REQUIRE(rt, t.n_eng == 1);
    engine_done(&t, 0, RG_OK,
                "v=0\r\ns=-\r\nm=audio 2000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                "a=x-vendor:42\r\na=sendrecv\r\n");
    struct out *inv = find(&t, "INVITE", 0);
    REQUIRE(rt, inv != NULL);
    CHECK(rt, rg_str_find(inv->m->body, RG_STR_LIT("a=rtpmap:0 PCMU/8000\r\n")) >= 0);
    CHECK(rt, rg_str_find(inv->m->body, RG_STR_LIT("a=sendrecv\r\n")) >= 0);
    CHECK(rt, (rg_str_find(inv->m->body, RG_STR_LIT("a=x-vendor:42")) >= 0) == kept);
    tb_deinit(&t);
}

static void sdp_attribute_relay(struct rg_t *rt)
{
    unknown_attributes(rt, NULL, false);
    unknown_attributes(rt,
                       "set addressContext default zone ZONE_WRTC sipTrunkGroup TG_WRTC media "
                       "sdpAttributesSelectiveRelay enabled\n",
                       false); /* one trunk group is not enough */
    unknown_attributes(rt,
                       "set addressContext default zone ZONE_WRTC sipTrunkGroup TG_WRTC media "
                       "sdpAttributesSelectiveRelay enabled\n"
                       "set addressContext default zone ZONE_SIP sipTrunkGroup TG_SIP media "
                       "sdpAttributesSelectiveRelay enabled\n",
                       true);
}

/* iceFull on the browser's trunk group: a full agent answers its offer. */
static void ice_full_toward_offerer(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init_cfg(&t, false,
                            "set addressContext default zone ZONE_WRTC sipTrunkGroup TG_WRTC "
                            "services natTraversal iceSupport iceFull\n") == RG_OK);
    from_browser(&t, browser_invite(&t, "70"));
    REQUIRE(rt, t.n_eng == 1);
    CHECK_EQ_INT(rt, t.eng[0].req.from_ice_lite, 0);
    tb_deinit(&t);
}

/* dtlsRole of the offering browser's trunk group's DTLS profile: client
 * answers its actpass active; a trunk group without a profile (TG_LO, the
 * ingress trunk group by source prefix) leaves the engine's default. */
static void dtls_role_from_profile(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init_cfg(&t, false,
                            "set profiles security dtlsProfile defaultDtlsProfile dtlsRole "
                            "client\n") == RG_OK);
    from_browser(&t, browser_invite(&t, "70"));
    REQUIRE(rt, t.n_eng == 1);
    engine_done(&t, 0, RG_OK, PLAIN_SDP);
    struct out *inv = find(&t, "INVITE", 0);
    REQUIRE(rt, inv != NULL);
    answer(&t, inv->m, 200, PLAIN_SDP, true);
    REQUIRE(rt, t.n_eng == 2);
    CHECK(rt, t.eng[1].answer);
    CHECK_EQ_INT(rt, t.eng[1].req.dtls_passive, 0);
    tb_deinit(&t);
    REQUIRE(rt, tb_init_cfg(&t, false,
                            "set addressContext default zone ZONE_WRTC sipTrunkGroup TG_LO "
                            "ingressIpPrefix 127.0.0.0 8\n") == RG_OK);
    from_browser(&t, browser_invite(&t, "70"));
    REQUIRE(rt, t.n_eng == 1);
    engine_done(&t, 0, RG_OK, PLAIN_SDP);
    inv = find(&t, "INVITE", 0);
    REQUIRE(rt, inv != NULL);
    answer(&t, inv->m, 200, PLAIN_SDP, true);
    REQUIRE(rt, t.n_eng == 2);
    CHECK_EQ_INT(rt, t.eng[1].req.dtls_passive, -1);
    tb_deinit(&t);
}

/* A trunk group naming a second DTLS profile (`media dtlsProfileName`) gets
 * that profile's certificate and suites on its leg: the engine request says
 * which by index; the other leg (TG_SIP, no DTLS profile of its own) keeps
 * the default, and a name the engine does not have falls back to it. */
static void dtls_profile_per_trunk_group(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init_cfg(&t, false,
                            "set profiles security dtlsProfile DTLS_B dtlsRole server\n"
                            "set addressContext default zone ZONE_WRTC sipTrunkGroup TG_WRTC "
                            "media dtlsProfileName DTLS_B\n") == RG_OK);
    from_browser(&t, browser_invite(&t, "70"));
    REQUIRE(rt, t.n_eng == 1);
    CHECK_EQ_INT(rt, t.eng[0].req.from_dtls_prof, 2); /* the browser's leg: DTLS_B */
    CHECK_EQ_INT(rt, t.eng[0].req.dtls_prof, 0);      /* the SIP leg: default */
    tb_deinit(&t);
    REQUIRE(rt, tb_init_cfg(&t, false,
                            "set profiles security dtlsProfile DTLS_C dtlsRole server\n"
                            "set addressContext default zone ZONE_WRTC sipTrunkGroup TG_WRTC "
                            "media dtlsProfileName DTLS_C\n") == RG_OK);
    from_browser(&t, browser_invite(&t, "70"));
    REQUIRE(rt, t.n_eng == 1);
    CHECK_EQ_INT(rt, t.eng[0].req.from_dtls_prof, 0);
    tb_deinit(&t);
}

static void ice_restart_absorbed(struct rg_t *rt)
{
    struct tb t;
    REQUIRE(rt, tb_init(&t, false) == RG_OK);
    call_up(rt, &t);
    ack_from_browser(rt, &t);
    struct rg_str tag = find(&t, "INVITE", 200)->m->to->tag;
    int invites = count_req(&t, "INVITE");
    char *s = rg_arena_alloc(&t.a, 4096);
    snprintf(s, 4096,
             "INVITE sip:rtcgate@127.0.0.1:8080;transport=ws SIP/2.0\n"
             "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKrst\n"
             "From: \"Bob\" <sip:1001@127.0.0.1>;tag=jsfrom1\nTo: <sip:echo@127.0.0.1>;tag=%.*s\n"
             "Call-ID: jscall1\nCSeq: 30 INVITE\nMax-Forwards: 70\n"
             "Contact: <sip:k8s7d@df7jal23ls0d.invalid;transport=ws;ob>\n"
             "Content-Type: application/sdp\nContent-Length: %zu\n\n%s",
             (int)tag.len, tag.p, strlen(WEBRTC_SDP), WEBRTC_SDP);
    from_browser(&t, s);
    REQUIRE(rt, t.n_eng == 3);
    /* The engine's SDP for the trunk is the one it already has (new o=
     * version only): the trunk hears nothing, its last answer is reused. */
    engine_done(&t, 2, RG_OK,
                "v=0\r\no=- 1 3 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                "m=audio 16000 RTP/AVP 0\r\nc=IN IP4 127.0.0.1\r\n");
    CHECK_EQ_INT(rt, count_req(&t, "INVITE"), invites);
    REQUIRE(rt, t.n_eng == 4);
    CHECK(rt, t.eng[3].answer && strcmp(t.eng[3].to, "b") == 0 &&
                  strcmp(t.eng[3].sdp, PLAIN_SDP) == 0);
    engine_done(&t, 3, RG_OK, WEBRTC_SDP);
    struct out *ok = find(&t, "INVITE", 200);
    CHECK(rt, ok && ok->m->cseq == 30 && rg_str_eq_cstr(ok->m->body, WEBRTC_SDP));
    tb_deinit(&t);
}

static const struct rg_test_case cases[] = {
    {"browser_calls_trunk", browser_calls_trunk},
    {"trunk_hangs_up", trunk_hangs_up},
    {"cancel_before_answer", cancel_before_answer},
    {"cancel_while_engine_works", cancel_while_engine_works},
    {"error_mapping", error_mapping},
    {"trunk_timeout_is_408", trunk_timeout_is_408},
    {"refused_requests", refused_requests},
    {"engine_refuses_offer", engine_refuses_offer},
    {"sip_calls_browser", sip_calls_browser},
    {"reinvite_hold", reinvite_hold},
    {"no_ack_ends_call", no_ack_ends_call},
    {"early_media_then_200", early_media_then_200},
    {"session_timers", session_timers},
    {"session_expires_without_refresh", session_expires_without_refresh},
    {"glare_and_update", glare_and_update},
    {"sdp_attribute_relay", sdp_attribute_relay},
    {"ice_full_toward_offerer", ice_full_toward_offerer},
    {"dtls_role_from_profile", dtls_role_from_profile},
    {"dtls_profile_per_trunk_group", dtls_profile_per_trunk_group},
    {"ice_restart_absorbed", ice_restart_absorbed},
    {"oom_stepping", oom_stepping},
    {"profile_codecs", profile_codecs},
};

RG_TEST_MAIN(cases)
