/* Unit tests for SIP dialogs, request builders, routing helpers and
 * session timers (RFC 3261 §12, §9.1, §16; RFC 3262; RFC 4028). */
#include "harness.h"

#include "core/rng.h"
#include "proto/sip/sip_dialog.h"
#include "proto/sip/sip_stimer.h"
#include "sip_txn_util.h"

static const char INVITE[] = "INVITE sip:bob@example.com SIP/2.0\n"
                             "Via: SIP/2.0/UDP pc.example.com;branch=z9hG4bKinv1\n"
                             "Max-Forwards: 70\n"
                             "From: \"Alice\" <sip:alice@example.com>;tag=a1\n"
                             "To: <sip:bob@example.com>\n"
                             "Call-ID: call-1@pc\n"
                             "CSeq: 10 INVITE\n"
                             "Contact: <sip:alice@pc.example.com>\n"
                             "Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>\n"
                             "Supported: timer, 100rel\n"
                             "Session-Expires: 1800\n"
                             "Min-SE: 120\n"
                             "Content-Length: 0\n\n";

static const char RINGING[] = "SIP/2.0 180 Ringing\n"
                              "Via: SIP/2.0/UDP pc.example.com;branch=z9hG4bKinv1\n"
                              "From: \"Alice\" <sip:alice@example.com>;tag=a1\n"
                              "To: <sip:bob@example.com>;tag=b1\n"
                              "Call-ID: call-1@pc\n"
                              "CSeq: 10 INVITE\n"
                              "Contact: <sip:bob@192.0.2.4>\n"
                              "Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>\n"
                              "Require: 100rel\n"
                              "RSeq: 4\n"
                              "Content-Length: 0\n\n";

static const char OK200[] = "SIP/2.0 200 OK\n"
                            "Via: SIP/2.0/UDP pc.example.com;branch=z9hG4bKinv1\n"
                            "From: \"Alice\" <sip:alice@example.com>;tag=a1\n"
                            "To: <sip:bob@example.com>;tag=b1\n"
                            "Call-ID: call-1@pc\n"
                            "CSeq: 10 INVITE\n"
                            "Contact: <sip:bob@192.0.2.5>\n"
                            "Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>\n"
                            "Session-Expires: 1800;refresher=uac\n"
                            "Content-Length: 0\n\n";

static const struct rg_sip_via_spec VIA = {"UDP", "pc.example.com", 5062, true};

struct fixture {
    struct rg_arena a;
    struct rg_rng rng;
    struct rg_rng_seeded st;
};

static void fx_init(struct fixture *f)
{
    rg_arena_init(&f->a, 4096, 1 << 20);
    rg_rng_seeded_init(&f->st, 42, &f->rng);
}

static void uac_dialog_early_then_confirmed(struct rg_t *t)
{
    struct fixture f;
    fx_init(&f);
    struct rg_sip_msg *inv = tu_parse(&f.a, INVITE), *r180 = tu_parse(&f.a, RINGING),
                      *ok = tu_parse(&f.a, OK200), *bye = NULL, *ack = NULL;
    REQUIRE(t, inv && r180 && ok);
    struct rg_sip_dialog d;
    REQUIRE(t, rg_sip_dialog_uac(&d, inv, r180, RG_STR_LIT("sip:alice@pc.example.com")) == RG_OK);
    CHECK_EQ_INT(t, d.state, RG_SIP_DLG_EARLY);
    CHECK_STR(t, d.remote_target, "sip:bob@192.0.2.4");
    /* §12.1.2: route set is the Record-Route reversed. */
    REQUIRE(t, d.n_routes == 2);
    CHECK_STR(t, d.routes[0], "<sip:p1.example.com;lr>");
    CHECK_STR(t, d.routes[1], "<sip:p2.example.com;lr>");
    CHECK(t, rg_sip_dialog_matches(&d, ok));
    CHECK(t, !rg_sip_dialog_matches(&d, inv)); /* a request has our tag in To */
    CHECK_OK(t, rg_sip_dialog_on_response(&d, ok));
    CHECK_EQ_INT(t, d.state, RG_SIP_DLG_CONFIRMED);
    CHECK_STR(t, d.remote_target, "sip:bob@192.0.2.5"); /* target refresh by the 2xx */
    /* §13.2.2.4: ACK with the INVITE's CSeq number, new branch. */
    REQUIRE(t, rg_sip_dialog_ack(&d, &f.a, 10, &VIA, &f.rng, &ack) == RG_OK);
    CHECK_STR(t, ack->method, "ACK");
    CHECK_EQ_INT(t, ack->cseq, 10);
    CHECK_STR(t, ack->ruri_text, "sip:bob@192.0.2.5");
    CHECK(t, rg_sip_branch_is_rfc3261(ack->vias[0].branch));
    CHECK(t, !rg_str_eq(ack->vias[0].branch, inv->vias[0].branch));
    /* §12.2.1.1: BYE to the remote target through the route set. */
    REQUIRE(t, rg_sip_dialog_request(&d, &f.a, "BYE", &VIA, &f.rng, &bye) == RG_OK);
    CHECK_STR(t, bye->ruri_text, "sip:bob@192.0.2.5");
    CHECK_EQ_INT(t, bye->cseq, 11);
    CHECK_STR(t, bye->cseq_method, "BYE");
    CHECK_STR(t, bye->from->tag, "a1");
    CHECK_STR(t, bye->to->tag, "b1");
    CHECK_STR(t, bye->call_id, "call-1@pc");
    CHECK_EQ_INT(t, bye->max_forwards, 70);
    REQUIRE(t, bye->routes.n == 2);
    CHECK_STR(t, bye->routes.v[0].uri.host, "p1.example.com");
    CHECK_EQ_INT(t, bye->vias[0].port, 5062);
    CHECK_EQ_INT(t, bye->vias[0].rport, 0);
    CHECK_EQ_INT(t, bye->contacts.n, 0);
    CHECK_EQ_INT(t, rg_sip_dialog_request(&d, &f.a, "ACK", &VIA, &f.rng, &bye), RG_EINVAL);
    rg_sip_dialog_deinit(&d);
    rg_arena_deinit(&f.a);
}

static void uac_dialog_needs_tag_and_contact(struct rg_t *t)
{
    struct fixture f;
    fx_init(&f);
    struct rg_sip_msg *inv = tu_parse(&f.a, INVITE);
    struct rg_sip_msg *notag = tu_parse(&f.a, "SIP/2.0 180 Ringing\n"
                                              "Via: SIP/2.0/UDP pc.example.com;branch=z9hG4bKinv1\n"
                                              "From: <sip:alice@example.com>;tag=a1\n"
                                              "To: <sip:bob@example.com>\nCall-ID: call-1@pc\n"
                                              "CSeq: 10 INVITE\n\n");
    struct rg_sip_msg *nocontact =
        tu_parse(&f.a, "SIP/2.0 200 OK\n"
                       "Via: SIP/2.0/UDP pc.example.com;branch=z9hG4bKi\n"
                       "From: <sip:alice@example.com>;tag=a1\n"
                       "To: <sip:bob@example.com>;tag=x\n"
                       "Call-ID: call-1@pc\nCSeq: 10 INVITE\n\n");
    REQUIRE(t, inv && notag && nocontact);
    struct rg_sip_dialog d;
    memset(&d, 0x5a, sizeof(d));
    CHECK_EQ_INT(t, rg_sip_dialog_uac(&d, inv, notag, RG_STR_NULL), RG_EINVAL);
    CHECK_EQ_INT(t, rg_sip_dialog_uac(&d, inv, nocontact, RG_STR_NULL), RG_EINVAL);
    CHECK_EQ_INT(t, d.n_routes, (size_t)0x5a5a5a5a5a5a5a5aULL); /* untouched on failure */
    rg_arena_deinit(&f.a);
}

static void uas_dialog_and_in_dialog_requests(struct rg_t *t)
{
    struct fixture f;
    fx_init(&f);
    struct rg_sip_msg *inv = tu_parse(&f.a, INVITE), *bye = NULL, *reinv = NULL;
    REQUIRE(t, inv);
    struct rg_sip_dialog d;
    REQUIRE(t, rg_sip_dialog_uas(&d, inv, RG_STR_LIT("b1"), RG_STR_LIT("sip:bob@192.0.2.5"),
                                 &f.rng) == RG_OK);
    CHECK_EQ_INT(t, d.state, RG_SIP_DLG_EARLY);
    rg_sip_dialog_confirm(&d);
    CHECK_EQ_INT(t, d.state, RG_SIP_DLG_CONFIRMED);
    CHECK(t, d.local_seq > 0 && d.local_seq < (1u << 31));
    /* §12.1.1: route set in Record-Route order. */
    REQUIRE(t, d.n_routes == 2);
    CHECK_STR(t, d.routes[0], "<sip:p2.example.com;lr>");
    REQUIRE(t, rg_sip_dialog_request(&d, &f.a, "BYE", &VIA, &f.rng, &bye) == RG_OK);
    CHECK_STR(t, bye->ruri_text, "sip:alice@pc.example.com");
    CHECK_STR(t, bye->from->tag, "b1");
    CHECK_STR(t, bye->from->uri.user, "bob");
    CHECK_STR(t, bye->to->tag, "a1");
    CHECK_STR(t, bye->to->display, "Alice");
    CHECK_STR(t, bye->routes.v[0].uri.host, "p2.example.com");
    rg_sip_dialog_remote_invite_done(&d);
    /* In-dialog requests from the peer: a re-INVITE with CSeq 11 and a new
     * Contact refreshes the target; one with a lower CSeq gets 500. */
    reinv = tu_parse(&f.a, "INVITE sip:bob@192.0.2.5 SIP/2.0\n"
                           "Via: SIP/2.0/UDP pc.example.com;branch=z9hG4bKre1\n"
                           "From: <sip:alice@example.com>;tag=a1\n"
                           "To: <sip:bob@example.com>;tag=b1\n"
                           "Call-ID: call-1@pc\nCSeq: 11 INVITE\n"
                           "Contact: <sip:alice@198.51.100.9>\n\n");
    REQUIRE(t, reinv);
    CHECK(t, rg_sip_dialog_matches(&d, reinv));
    CHECK_EQ_INT(t, rg_sip_dialog_on_request(&d, reinv), 0);
    CHECK_STR(t, d.remote_target, "sip:alice@198.51.100.9");
    /* A second INVITE before we answered the first: 500 (§14.2). */
    reinv->cseq = 12;
    CHECK_EQ_INT(t, rg_sip_dialog_on_request(&d, reinv), 500);
    rg_sip_dialog_remote_invite_done(&d);
    reinv->cseq = 9;
    CHECK_EQ_INT(t, rg_sip_dialog_on_request(&d, reinv), 500); /* out of order */
    /* Glare: our re-INVITE is pending, theirs gets 491 (§14.2). */
    struct rg_sip_msg *mine = NULL;
    REQUIRE(t, rg_sip_dialog_request(&d, &f.a, "INVITE", &VIA, &f.rng, &mine) == RG_OK);
    CHECK_EQ_INT(t, mine->contacts.n, 1);
    CHECK_EQ_INT(t, rg_sip_dialog_request(&d, &f.a, "UPDATE", &VIA, &f.rng, &mine), RG_ESTATE);
    reinv->cseq = 13;
    CHECK_EQ_INT(t, rg_sip_dialog_on_request(&d, reinv), 491);
    /* Our re-INVITE got 491 in turn: retry after 0-2 s (we are not the
     * Call-ID owner) — and the dialog lets us send again. */
    struct rg_sip_msg *r491 = NULL;
    REQUIRE(t, rg_sip_make_response(mine, &f.a, 491, RG_STR_LIT("Request Pending"), RG_STR_NULL,
                                    &r491) == RG_OK);
    CHECK_OK(t, rg_sip_dialog_on_response(&d, r491));
    CHECK(t, !d.local_invite_pending);
    for (int i = 0; i < 50; i++) {
        int64_t w = rg_sip_glare_retry_us(&d, &f.rng);
        CHECK(t, w >= 0 && w <= 2000000 && w % 10000 == 0);
    }
    d.is_uas = false;
    for (int i = 0; i < 50; i++) {
        int64_t w = rg_sip_glare_retry_us(&d, &f.rng);
        CHECK(t, w >= 2100000 && w <= 4000000 && w % 10000 == 0);
    }
    /* BYE from the peer ends the dialog. */
    struct rg_sip_msg *pbye = tu_parse(&f.a, "BYE sip:bob@192.0.2.5 SIP/2.0\n"
                                             "Via: SIP/2.0/UDP pc.example.com;branch=z9hG4bKb\n"
                                             "From: <sip:alice@example.com>;tag=a1\n"
                                             "To: <sip:bob@example.com>;tag=b1\n"
                                             "Call-ID: call-1@pc\nCSeq: 14 BYE\n\n");
    REQUIRE(t, pbye);
    CHECK_EQ_INT(t, rg_sip_dialog_on_request(&d, pbye), 0);
    CHECK_EQ_INT(t, d.state, RG_SIP_DLG_TERMINATED);
    CHECK_EQ_INT(t, rg_sip_dialog_request(&d, &f.a, "BYE", &VIA, &f.rng, &bye), RG_EINVAL);
    rg_sip_dialog_deinit(&d);
    rg_arena_deinit(&f.a);
}

static void strict_route(struct rg_t *t)
{
    struct fixture f;
    fx_init(&f);
    struct rg_sip_msg *inv = tu_parse(&f.a, INVITE), *req = NULL;
    struct rg_sip_msg *ok = tu_parse(&f.a, "SIP/2.0 200 OK\n"
                                           "Via: SIP/2.0/UDP pc.example.com;branch=z9hG4bKinv1\n"
                                           "From: <sip:alice@example.com>;tag=a1\n"
                                           "To: <sip:bob@example.com>;tag=b1\n"
                                           "Call-ID: call-1@pc\nCSeq: 10 INVITE\n"
                                           "Contact: <sip:bob@192.0.2.5>\n"
                                           "Record-Route: <sip:p2.example.com;lr>\n"
                                           "Record-Route: <sip:strict.example.com>\n\n");
    REQUIRE(t, inv && ok);
    struct rg_sip_dialog d;
    REQUIRE(t, rg_sip_dialog_uac(&d, inv, ok, RG_STR_NULL) == RG_OK);
    CHECK(t, d.strict_first);
    /* §12.2.1.1: a strict first route becomes the Request-URI and the
     * remote target goes last in Route. */
    REQUIRE(t, rg_sip_dialog_request(&d, &f.a, "INFO", &VIA, &f.rng, &req) == RG_OK);
    CHECK_STR(t, req->ruri_text, "sip:strict.example.com");
    REQUIRE(t, req->routes.n == 2);
    CHECK_STR(t, req->routes.v[0].uri.raw, "sip:p2.example.com;lr");
    CHECK_STR(t, req->routes.v[1].uri.raw, "sip:bob@192.0.2.5");
    rg_sip_dialog_deinit(&d);
    rg_arena_deinit(&f.a);
}

static void prack_and_rseq(struct rg_t *t)
{
    struct fixture f;
    fx_init(&f);
    struct rg_sip_msg *inv = tu_parse(&f.a, INVITE), *r180 = tu_parse(&f.a, RINGING), *pr = NULL;
    REQUIRE(t, inv && r180);
    struct rg_sip_dialog d;
    REQUIRE(t, rg_sip_dialog_uac(&d, inv, r180, RG_STR_NULL) == RG_OK);
    uint32_t rseq = 0;
    CHECK_OK(t, rg_sip_dialog_rel_1xx(&d, r180, &rseq));
    CHECK_EQ_INT(t, rseq, 4);
    CHECK_EQ_INT(t, rg_sip_dialog_rel_1xx(&d, r180, &rseq), RG_EEXIST); /* retransmission */
    REQUIRE(t, rg_sip_dialog_prack(&d, &f.a, r180, &VIA, &f.rng, &pr) == RG_OK);
    CHECK_STR(t, pr->method, "PRACK");
    CHECK_EQ_INT(t, pr->cseq, 11);
    uint32_t rs, cseq;
    struct rg_str meth;
    REQUIRE(t, rg_sip_rack_parse(pr, &rs, &cseq, &meth) == RG_OK);
    CHECK_EQ_INT(t, rs, 4);
    CHECK_EQ_INT(t, cseq, 10);
    CHECK_STR(t, meth, "INVITE");
    /* RSeq 6 skips 5: out of order, discarded (RFC 3262 §4). */
    CHECK_OK(t, rg_sip_msg_replace(r180, &f.a, RG_STR_LIT("RSeq"), RG_STR_LIT("6")));
    CHECK_OK(t, rg_sip_msg_index(r180, &f.a, NULL));
    CHECK_EQ_INT(t, rg_sip_dialog_rel_1xx(&d, r180, &rseq), RG_EPROTO);
    CHECK_OK(t, rg_sip_msg_replace(r180, &f.a, RG_STR_LIT("RSeq"), RG_STR_LIT("5")));
    CHECK_OK(t, rg_sip_msg_index(r180, &f.a, NULL));
    CHECK_OK(t, rg_sip_dialog_rel_1xx(&d, r180, &rseq));
    CHECK_EQ_INT(t, rseq, 5);
    /* The INVITE fails after the PRACK moved our CSeq on: the early dialog
     * ends all the same. */
    struct rg_sip_msg *busy = tu_parse(&f.a, "SIP/2.0 486 Busy Here\n"
                                             "Via: SIP/2.0/UDP pc.example.com;branch=z9hG4bKinv1\n"
                                             "From: <sip:alice@example.com>;tag=a1\n"
                                             "To: <sip:bob@example.com>;tag=b1\n"
                                             "Call-ID: call-1@pc\nCSeq: 10 INVITE\n\n");
    REQUIRE(t, busy);
    CHECK_EQ_INT(t, d.state, RG_SIP_DLG_EARLY);
    CHECK_OK(t, rg_sip_dialog_on_response(&d, busy));
    CHECK_EQ_INT(t, d.state, RG_SIP_DLG_TERMINATED);
    /* Not reliable: no Require: 100rel. */
    CHECK_EQ_INT(t, rg_sip_msg_remove(r180, RG_STR_LIT("Require")), 1);
    CHECK_OK(t, rg_sip_msg_index(r180, &f.a, NULL));
    CHECK_EQ_INT(t, rg_sip_dialog_rel_1xx(&d, r180, &rseq), RG_EINVAL);
    rg_sip_dialog_deinit(&d);
    rg_arena_deinit(&f.a);
}

static void cancel_and_hops(struct rg_t *t)
{
    struct fixture f;
    fx_init(&f);
    struct rg_sip_msg *inv = tu_parse(&f.a, INVITE), *c = NULL;
    REQUIRE(t, inv);
    REQUIRE(t, rg_sip_cancel_build(inv, &f.a, &c) == RG_OK);
    CHECK_STR(t, c->method, "CANCEL");
    CHECK_STR(t, c->ruri_text, "sip:bob@example.com");
    CHECK_STR(t, c->vias[0].branch, "z9hG4bKinv1");
    CHECK_EQ_INT(t, c->cseq, 10);
    CHECK_STR(t, c->cseq_method, "CANCEL");
    CHECK_STR(t, c->from->tag, "a1");
    CHECK(t, c->to->tag.p == NULL);
    CHECK_EQ_INT(t, c->record_routes.n, 0);
    CHECK_EQ_INT(t, c->content_length, -1);
    uint32_t mf;
    CHECK_OK(t, rg_sip_max_forwards_next(inv, &mf));
    CHECK_EQ_INT(t, mf, 69);
    inv->max_forwards = 0;
    CHECK_EQ_INT(t, rg_sip_max_forwards_next(inv, &mf), RG_EPROTO);
    inv->max_forwards = -1;
    CHECK_OK(t, rg_sip_max_forwards_next(inv, &mf));
    CHECK_EQ_INT(t, mf, 70);
    /* Loop: our own Via comes back. */
    CHECK(t, rg_sip_loop_detect(inv, RG_STR_LIT("PC.example.com"), 5060, "z9hG4bK"));
    CHECK(t, !rg_sip_loop_detect(inv, RG_STR_LIT("pc.example.com"), 5062, NULL));
    CHECK(t, !rg_sip_loop_detect(inv, RG_STR_LIT("pc.example.com"), 0, "z9hG4bKrg"));
    rg_arena_deinit(&f.a);
}

static bool ours(void *ud, const struct rg_sip_uri *u)
{
    (void)ud;
    return rg_str_caseeq_cstr(u->host, "sbc.example.com");
}

static void route_preprocessing(struct rg_t *t)
{
    struct fixture f;
    fx_init(&f);
    /* Loose: our Route value on top is removed, the R-URI stays. */
    struct rg_sip_msg *m =
        tu_parse(&f.a, "BYE sip:bob@192.0.2.5 SIP/2.0\n"
                       "Via: SIP/2.0/UDP pc;branch=z9hG4bK1\n"
                       "Route: <sip:sbc.example.com;lr>, <sip:p9.example.com;lr>\n"
                       "From: <sip:a@h>;tag=1\nTo: <sip:b@h>;tag=2\n"
                       "Call-ID: c\nCSeq: 2 BYE\n\n");
    REQUIRE(t, m);
    CHECK_OK(t, rg_sip_route_preprocess(m, &f.a, ours, NULL));
    REQUIRE(t, m->routes.n == 1);
    CHECK_STR(t, m->routes.v[0].uri.host, "p9.example.com");
    CHECK_STR(t, m->ruri_text, "sip:bob@192.0.2.5");
    /* Strict: the previous hop put us in the R-URI; the last Route is the
     * real target (§16.4). */
    m = tu_parse(&f.a, "BYE sip:sbc.example.com SIP/2.0\n"
                       "Via: SIP/2.0/UDP pc;branch=z9hG4bK1\n"
                       "Route: <sip:p9.example.com;lr>\nRoute: <sip:bob@192.0.2.5>\n"
                       "From: <sip:a@h>;tag=1\nTo: <sip:b@h>;tag=2\n"
                       "Call-ID: c\nCSeq: 2 BYE\n\n");
    REQUIRE(t, m);
    CHECK_OK(t, rg_sip_route_preprocess(m, &f.a, ours, NULL));
    CHECK_STR(t, m->ruri_text, "sip:bob@192.0.2.5");
    CHECK_STR(t, m->ruri.host, "192.0.2.5");
    REQUIRE(t, m->routes.n == 1);
    CHECK_STR(t, m->routes.v[0].uri.host, "p9.example.com");
    struct rg_buf b;
    rg_buf_init(&b, 4096);
    CHECK_OK(t, rg_sip_serialize(m, &b));
    CHECK(t, strstr(b.data, "BYE sip:bob@192.0.2.5 SIP/2.0\r\n") == b.data);
    CHECK(t, strstr(b.data, "Route: <sip:p9.example.com;lr>\r\n") != NULL);
    CHECK(t, strstr(b.data, "<sip:bob@192.0.2.5>") == NULL);
    rg_buf_deinit(&b);
    rg_arena_deinit(&f.a);
}

static void session_timer_negotiation(struct rg_t *t)
{
    struct fixture f;
    fx_init(&f);
    struct rg_sip_msg *inv = tu_parse(&f.a, INVITE), *ok = NULL;
    REQUIRE(t, inv);
    /* UAS: too small for our Min-SE 3600 → 422 with Min-SE. */
    CHECK_EQ_INT(t, rg_sip_stimer_check(inv, 3600), 422);
    CHECK_EQ_INT(t, rg_sip_stimer_check(inv, 90), 0);
    /* UAS answers: 1800 lowered to our 900 but not below the UAC's 120;
     * the UAC supports timer so it refreshes. */
    REQUIRE(t,
            rg_sip_make_response(inv, &f.a, 200, RG_STR_LIT("OK"), RG_STR_LIT("b1"), &ok) == RG_OK);
    struct rg_sip_stimer uas;
    CHECK_OK(t, rg_sip_stimer_answer(&uas, inv, ok, &f.a, 900, 90, 1000));
    CHECK(t, uas.active && !uas.we_refresh);
    CHECK_EQ_INT(t, uas.interval_s, 900);
    uint32_t se;
    enum rg_sip_refresher ref;
    CHECK_OK(t, rg_sip_se_parse(ok, &se, &ref));
    CHECK_EQ_INT(t, se, 900);
    CHECK_EQ_INT(t, ref, RG_SIP_REFRESHER_UAC);
    CHECK_EQ_INT(t, ok->require.n, 1);
    /* The non-refresher sends BYE at expiry less min(32 s, SE/3) (§10). */
    enum rg_sip_stimer_action what;
    CHECK_EQ_INT(t, rg_sip_stimer_next_us(&uas, &what), 1000 + 868 * 1000000LL);
    CHECK_EQ_INT(t, what, RG_SIP_ST_BYE);
    /* UAC side of the same 2xx: we refresh at half the interval. */
    struct rg_sip_stimer uac;
    CHECK_OK(t, rg_sip_stimer_accept(&uac, ok, 0));
    CHECK(t, uac.active && uac.we_refresh);
    CHECK_EQ_INT(t, rg_sip_stimer_next_us(&uac, &what), 450 * 1000000LL);
    CHECK_EQ_INT(t, what, RG_SIP_ST_REFRESH);
    rg_sip_stimer_restart(&uac, 450 * 1000000LL);
    CHECK_EQ_INT(t, rg_sip_stimer_next_us(&uac, &what), 900 * 1000000LL);
    /* A short interval: margin SE/3. */
    struct rg_sip_stimer s90 = {true, false, 90, 0};
    CHECK_EQ_INT(t, rg_sip_stimer_next_us(&s90, &what), 60 * 1000000LL);
    /* Offer side and 422 retry. */
    struct rg_sip_msg *req = NULL, *r422 = NULL;
    struct rg_sip_req_spec spec = {
        "INVITE", "sip:b@h", "<sip:a@h>;tag=1", "<sip:b@h>", "cid", "sip:a@10.0.0.1", 1};
    REQUIRE(t, rg_sip_request_build(&f.a, &spec, &VIA, &f.rng, &req) == RG_OK);
    CHECK_OK(t, rg_sip_stimer_offer(req, &f.a, 600, 90, true));
    CHECK_OK(t, rg_sip_se_parse(req, &se, &ref));
    CHECK_EQ_INT(t, se, 600);
    CHECK_EQ_INT(t, ref, RG_SIP_REFRESHER_UAC);
    CHECK_EQ_INT(t, req->supported.n, 1);
    REQUIRE(t, rg_sip_make_response(req, &f.a, 422, RG_STR_LIT("Session Interval Too Small"),
                                    RG_STR_LIT("x"), &r422) == RG_OK);
    CHECK_OK(t, rg_sip_stimer_add_min_se(r422, &f.a, 1200));
    uint32_t nse;
    CHECK_OK(t, rg_sip_stimer_on_422(r422, 600, &nse));
    CHECK_EQ_INT(t, nse, 1200);
    /* No Session-Expires in the 2xx: no timer. */
    struct rg_sip_msg *plain = tu_parse(&f.a, RINGING);
    REQUIRE(t, plain);
    CHECK_OK(t, rg_sip_stimer_accept(&uac, plain, 0));
    CHECK(t, !uac.active);
    CHECK_EQ_INT(t, rg_sip_stimer_next_us(&uac, &what), INT64_MAX);
    rg_arena_deinit(&f.a);
}

struct oom_ctx {
    const char *req, *resp;
};

static int oom_dialog(void *arg)
{
    struct oom_ctx *c = arg;
    struct fixture f;
    fx_init(&f);
    struct rg_sip_msg *q = tu_parse(&f.a, c->req), *r = tu_parse(&f.a, c->resp), *bye = NULL;
    int rc = q && r ? RG_OK : RG_ENOMEM;
    struct rg_sip_dialog d;
    if (rc == RG_OK)
        rc = rg_sip_dialog_uac(&d, q, r, RG_STR_LIT("sip:me@h"));
    if (rc == RG_OK) {
        rc = rg_sip_dialog_request(&d, &f.a, "BYE", &VIA, &f.rng, &bye);
        if (rc == RG_OK)
            rc = rg_sip_dialog_on_response(&d, r);
        rg_sip_dialog_deinit(&d);
    }
    if (rc == RG_OK)
        rc = rg_sip_dialog_uas(&d, q, RG_STR_LIT("t"), RG_STR_LIT("sip:me@h"), &f.rng);
    if (rc == RG_OK)
        rg_sip_dialog_deinit(&d);
    rg_arena_deinit(&f.a);
    return rc;
}

static void oom_stepping(struct rg_t *t)
{
    struct oom_ctx c = {INVITE, OK200};
    rg_t_oom_step(t, oom_dialog, &c, 200);
    c.resp = RINGING;
    rg_t_oom_step(t, oom_dialog, &c, 200);
}

static const struct rg_test_case cases[] = {
    {"uac_dialog_early_then_confirmed", uac_dialog_early_then_confirmed},
    {"uac_dialog_needs_tag_and_contact", uac_dialog_needs_tag_and_contact},
    {"uas_dialog_and_in_dialog_requests", uas_dialog_and_in_dialog_requests},
    {"strict_route", strict_route},
    {"prack_and_rseq", prack_and_rseq},
    {"cancel_and_hops", cancel_and_hops},
    {"route_preprocessing", route_preprocessing},
    {"session_timer_negotiation", session_timer_negotiation},
    {"oom_stepping", oom_stepping},
};

RG_TEST_MAIN(cases)
