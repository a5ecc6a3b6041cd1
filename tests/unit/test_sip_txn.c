/* Unit tests for the SIP transaction layer (RFC 3261 §17, RFC 6026, RFC
 * 3262 §3) in simulated time. */
#include "harness.h"

#include "core/rng.h"
#include "proto/sip/sip_dialog.h"
#include "sip_txn_util.h"

#define S 1000000LL
#define MS 1000LL

static const struct rg_sip_tinfo UDP = {false, 1, {RG_AF_INET4, 5060, {192, 0, 2, 1}}};
static const struct rg_sip_tinfo TCP = {true, 7, {RG_AF_INET4, 5060, {192, 0, 2, 1}}};

static const char INVITE[] = "INVITE sip:bob@example.com SIP/2.0\n"
                             "Via: SIP/2.0/UDP pc.example.com:5060;branch=z9hG4bKinv1\n"
                             "Max-Forwards: 70\n"
                             "From: <sip:alice@example.com>;tag=a1\n"
                             "To: <sip:bob@example.com>\n"
                             "Call-ID: call-1@pc\n"
                             "CSeq: 1 INVITE\n"
                             "Contact: <sip:alice@pc.example.com>\n"
                             "Route: <sip:p1.example.com;lr>\n"
                             "Content-Length: 0\n\n";

static const char OPTIONS[] = "OPTIONS sip:bob@example.com SIP/2.0\n"
                              "Via: SIP/2.0/UDP pc.example.com;branch=z9hG4bKopt1\n"
                              "Max-Forwards: 70\n"
                              "From: <sip:alice@example.com>;tag=a1\n"
                              "To: <sip:bob@example.com>\n"
                              "Call-ID: opt-1@pc\n"
                              "CSeq: 5 OPTIONS\n"
                              "Content-Length: 0\n\n";

/* A response to req (parsed text) with status and To tag "b1". */
static struct rg_sip_msg *resp_to(struct rg_arena *a, const struct rg_sip_msg *req, uint16_t st)
{
    struct rg_sip_msg *r = NULL;
    if (rg_sip_make_response(req, a, st, RG_STR_LIT("X"), RG_STR_LIT("b1"), &r) != RG_OK)
        return NULL;
    return r;
}

/* Runs timers up to end_us; records when transmits happened in at[]
 * (up to max) and returns their number. */
static int run_until(struct rg_sip_txl *x, int64_t end_us, int64_t *at, int max)
{
    int n = 0;
    for (int guard = 0; guard < 10000; guard++) {
        int64_t t = rg_sip_txl_next_timeout_us(x);
        if (t > end_us)
            break;
        rg_sip_txl_handle_timeout(x, t);
        struct rg_sip_transmit tx;
        while (rg_sip_txl_poll_transmit(x, &tx) == RG_OK) {
            if (n < max)
                at[n] = t;
            n++;
        }
    }
    return n;
}

static int count_events(struct rg_sip_txl *x, enum rg_sip_ev_kind kind, struct rg_sip_event *last)
{
    struct rg_sip_event e;
    int n = 0;
    while (rg_sip_txl_poll_event(x, &e) == RG_OK)
        if (e.kind == kind) {
            n++;
            if (last)
                *last = e;
        }
    return n;
}

static struct rg_sip_txl *mk(void)
{
    struct rg_sip_txl *x = NULL;
    if (rg_sip_txl_new(NULL, &x) != RG_OK)
        return NULL;
    return x;
}

static void ict_timer_a_b_udp(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_txl *x = mk();
    struct rg_sip_msg *inv = tu_parse(&a, INVITE);
    REQUIRE(t, x && inv);
    uint64_t id;
    REQUIRE(t, rg_sip_txl_request(x, 0, inv, &UDP, &id) == RG_OK);
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, NULL), 1);
    CHECK_EQ_INT(t, rg_sip_txl_request(x, 0, inv, &UDP, &id), RG_EEXIST);
    int64_t at[16];
    /* Timer A: T1, 2T1, 4T1 ... (no T2 cap for INVITE, §17.1.1.2). */
    int n = run_until(x, 31999 * MS, at, 16);
    CHECK_EQ_INT(t, n, 6);
    const int64_t want[6] = {500 * MS, 1500 * MS, 3500 * MS, 7500 * MS, 15500 * MS, 31500 * MS};
    for (int i = 0; i < 6 && i < n; i++)
        CHECK_EQ_INT(t, at[i], want[i]);
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_TIMEOUT, NULL), 0);
    /* Timer B = 64*T1. */
    CHECK_EQ_INT(t, rg_sip_txl_next_timeout_us(x), 32 * S);
    rg_sip_txl_handle_timeout(x, 32 * S);
    struct rg_sip_event e = {0};
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_TIMEOUT, &e), 1);
    CHECK(t, e.txn == id);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 0);
    CHECK_EQ_INT(t, rg_sip_txl_next_timeout_us(x), INT64_MAX);
    rg_sip_txl_free(x);
    rg_arena_deinit(&a);
}

static void ict_reliable_no_retransmit(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_txl *x = mk();
    struct rg_sip_msg *inv = tu_parse(&a, INVITE);
    REQUIRE(t, x && inv);
    uint64_t id;
    REQUIRE(t, rg_sip_txl_request(x, 0, inv, &TCP, &id) == RG_OK);
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, NULL), 1);
    int64_t at[4];
    CHECK_EQ_INT(t, run_until(x, 31999 * MS, at, 4), 0);
    CHECK_EQ_INT(t, rg_sip_txl_next_timeout_us(x), 32 * S); /* B still runs */
    /* A 486 over TCP: ACK sent, timer D = 0, the transaction ends now. */
    struct rg_sip_msg *r = resp_to(&a, inv, 486);
    REQUIRE(t, r);
    CHECK_OK(t, rg_sip_txl_handle_message(x, 1 * S, r, &TCP));
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_RESPONSE, NULL), 1);
    struct rg_sip_msg *ack = NULL;
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, &ack), 1);
    REQUIRE(t, ack);
    CHECK_STR(t, ack->method, "ACK");
    rg_sip_txl_handle_timeout(x, 1 * S);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 0);
    rg_sip_txl_free(x);
    rg_arena_deinit(&a);
}

static void ict_non2xx_ack_and_timer_d(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_txl *x = mk();
    struct rg_sip_msg *inv = tu_parse(&a, INVITE);
    REQUIRE(t, x && inv);
    uint64_t id;
    REQUIRE(t, rg_sip_txl_request(x, 0, inv, &UDP, &id) == RG_OK);
    (void)tu_drain_tx(x, &a, NULL);
    struct rg_sip_msg *r180 = resp_to(&a, inv, 180), *r486 = resp_to(&a, inv, 486);
    REQUIRE(t, r180 && r486);
    CHECK_OK(t, rg_sip_txl_handle_message(x, 100 * MS, r180, &UDP));
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_RESPONSE, NULL), 1);
    int64_t at[4];
    CHECK_EQ_INT(t, run_until(x, 10 * S, at, 4), 0); /* Proceeding: A stopped */
    CHECK_OK(t, rg_sip_txl_handle_message(x, 10 * S, r486, &UDP));
    struct rg_sip_event e = {0};
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_RESPONSE, &e), 1);
    CHECK(t, e.txn == id && e.msg == r486);
    struct rg_sip_msg *ack = NULL;
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, &ack), 1);
    REQUIRE(t, ack);
    /* §17.1.1.3: same R-URI, branch, From, Call-ID, CSeq number; To of the
     * response; Route of the INVITE. */
    CHECK_STR(t, ack->method, "ACK");
    CHECK_STR(t, ack->ruri_text, "sip:bob@example.com");
    CHECK_STR(t, ack->vias[0].branch, "z9hG4bKinv1");
    CHECK_EQ_INT(t, ack->n_vias, 1);
    CHECK_EQ_INT(t, ack->cseq, 1);
    CHECK_STR(t, ack->cseq_method, "ACK");
    CHECK_STR(t, ack->to->tag, "b1");
    CHECK_STR(t, ack->from->tag, "a1");
    CHECK_STR(t, ack->call_id, "call-1@pc");
    CHECK_EQ_INT(t, ack->routes.n, 1);
    /* A retransmitted 486 is absorbed and ACKed again. */
    CHECK_OK(t, rg_sip_txl_handle_message(x, 11 * S, r486, &UDP));
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_RESPONSE, NULL), 0);
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, NULL), 1);
    /* Timer D: 32 s after the first final response. */
    CHECK_EQ_INT(t, rg_sip_txl_next_timeout_us(x), 42 * S);
    rg_sip_txl_handle_timeout(x, 42 * S - 1);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 1);
    rg_sip_txl_handle_timeout(x, 42 * S);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 0);
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_TIMEOUT, NULL), 0);
    rg_sip_txl_free(x);
    rg_arena_deinit(&a);
}

static void ict_2xx_accepted_timer_m(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_txl *x = mk();
    struct rg_sip_msg *inv = tu_parse(&a, INVITE);
    REQUIRE(t, x && inv);
    uint64_t id;
    REQUIRE(t, rg_sip_txl_request(x, 0, inv, &UDP, &id) == RG_OK);
    (void)tu_drain_tx(x, &a, NULL);
    struct rg_sip_msg *ok = resp_to(&a, inv, 200);
    REQUIRE(t, ok);
    CHECK_OK(t, rg_sip_txl_handle_message(x, 1 * S, ok, &UDP));
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_RESPONSE, NULL), 1);
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, NULL), 0); /* the TU ACKs a 2xx */
    /* RFC 6026: retransmitted 2xx go to the TU too. */
    CHECK_OK(t, rg_sip_txl_handle_message(x, 2 * S, ok, &UDP));
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_RESPONSE, NULL), 1);
    CHECK_EQ_INT(t, rg_sip_txl_next_timeout_us(x), 33 * S); /* timer M */
    rg_sip_txl_handle_timeout(x, 33 * S);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 0);
    /* After M a 2xx is stray (the TU still sees it). */
    CHECK_OK(t, rg_sip_txl_handle_message(x, 34 * S, ok, &UDP));
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_STRAY, NULL), 1);
    rg_sip_txl_free(x);
    rg_arena_deinit(&a);
}

static void nict_timers_e_f_k(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_txl *x = mk();
    struct rg_sip_msg *opt = tu_parse(&a, OPTIONS);
    REQUIRE(t, x && opt);
    uint64_t id;
    REQUIRE(t, rg_sip_txl_request(x, 0, opt, &UDP, &id) == RG_OK);
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, NULL), 1);
    int64_t at[16];
    /* Timer E doubles up to T2 = 4 s. */
    int n = run_until(x, 31999 * MS, at, 16);
    const int64_t want[] = {500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500};
    CHECK_EQ_INT(t, n, 10);
    for (int i = 0; i < 10 && i < n; i++)
        CHECK_EQ_INT(t, at[i], want[i] * MS);
    rg_sip_txl_handle_timeout(x, 32 * S); /* timer F */
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_TIMEOUT, NULL), 1);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 0);

    /* Proceeding: E at T2; final: Completed, K = T4. */
    REQUIRE(t, rg_sip_txl_request(x, 100 * S, opt, &UDP, &id) == RG_OK);
    (void)tu_drain_tx(x, &a, NULL);
    struct rg_sip_msg *r100 = resp_to(&a, opt, 100), *r200 = resp_to(&a, opt, 200);
    REQUIRE(t, r100 && r200);
    CHECK_OK(t, rg_sip_txl_handle_message(x, 100 * S + 100 * MS, r100, &UDP));
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_RESPONSE, NULL), 1);
    n = run_until(x, 109 * S, at, 16);
    CHECK_EQ_INT(t, n, 2);
    CHECK_EQ_INT(t, at[0], 104 * S + 100 * MS);
    CHECK_EQ_INT(t, at[1], 108 * S + 100 * MS);
    CHECK_OK(t, rg_sip_txl_handle_message(x, 109 * S, r200, &UDP));
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_RESPONSE, NULL), 1);
    CHECK_OK(t, rg_sip_txl_handle_message(x, 110 * S, r200, &UDP)); /* absorbed */
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_RESPONSE, NULL), 0);
    CHECK_EQ_INT(t, rg_sip_txl_next_timeout_us(x), 114 * S);
    CHECK_EQ_INT(t, run_until(x, 114 * S, at, 16), 0);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 0);

    /* Over TCP: no E, K = 0. */
    REQUIRE(t, rg_sip_txl_request(x, 200 * S, opt, &TCP, &id) == RG_OK);
    (void)tu_drain_tx(x, &a, NULL);
    CHECK_EQ_INT(t, run_until(x, 231 * S, at, 16), 0);
    CHECK_OK(t, rg_sip_txl_handle_message(x, 231 * S, r200, &TCP));
    rg_sip_txl_handle_timeout(x, 231 * S);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 0);
    rg_sip_txl_free(x);
    rg_arena_deinit(&a);
}

/* Feeds req to x and returns the server transaction of the REQUEST event. */
static uint64_t serve(struct rg_t *t, struct rg_sip_txl *x, int64_t now, const struct rg_sip_msg *q,
                      const struct rg_sip_tinfo *from)
{
    CHECK_OK(t, rg_sip_txl_handle_message(x, now, q, from));
    struct rg_sip_event e;
    uint64_t id = 0;
    while (rg_sip_txl_poll_event(x, &e) == RG_OK)
        if (e.kind == RG_SIP_EV_REQUEST)
            id = e.txn;
    return id;
}

static void ist_trying_g_h_i(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_txl *x = mk();
    struct rg_sip_msg *inv = tu_parse(&a, INVITE);
    REQUIRE(t, x && inv);
    uint64_t id = serve(t, x, 0, inv, &UDP);
    REQUIRE(t, id != 0);
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, NULL), 0);
    /* 100 Trying after 200 ms when the TU is silent (§17.2.1). */
    CHECK_EQ_INT(t, rg_sip_txl_next_timeout_us(x), 200 * MS);
    rg_sip_txl_handle_timeout(x, 200 * MS);
    struct rg_sip_msg *m = NULL;
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, &m), 1);
    REQUIRE(t, m);
    CHECK_EQ_INT(t, m->status, 100);
    CHECK(t, m->to->tag.p == NULL);
    /* A retransmitted INVITE: absorbed, the last provisional resent. */
    CHECK_EQ_INT(t, serve(t, x, 300 * MS, inv, &UDP), 0);
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, &m), 1);
    CHECK_EQ_INT(t, m->status, 100);
    struct rg_sip_msg *r = resp_to(&a, inv, 486);
    REQUIRE(t, r);
    CHECK_OK(t, rg_sip_txl_respond(x, 1 * S, id, r));
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, NULL), 1);
    CHECK_EQ_INT(t, rg_sip_txl_respond(x, 1 * S, id, r), RG_ESTATE);
    int64_t at[16];
    /* Timer G: T1 doubling up to T2. */
    int n = run_until(x, 12500 * MS, at, 16);
    CHECK_EQ_INT(t, n, 5);
    const int64_t want[] = {1500, 2500, 4500, 8500, 12500};
    for (int i = 0; i < 5 && i < n; i++)
        CHECK_EQ_INT(t, at[i], want[i] * MS);
    /* A retransmitted INVITE in Completed gets the 486 again. */
    CHECK_EQ_INT(t, serve(t, x, 12600 * MS, inv, &UDP), 0);
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, &m), 1);
    CHECK_EQ_INT(t, m->status, 486);
    /* The ACK (same branch) is absorbed: Confirmed, G stops, I = T4. */
    struct rg_sip_msg *ack =
        tu_parse(&a, "ACK sip:bob@example.com SIP/2.0\n"
                     "Via: SIP/2.0/UDP pc.example.com:5060;branch=z9hG4bKinv1\n"
                     "From: <sip:alice@example.com>;tag=a1\n"
                     "To: <sip:bob@example.com>;tag=b1\n"
                     "Call-ID: call-1@pc\nCSeq: 1 ACK\n\n");
    REQUIRE(t, ack);
    CHECK_OK(t, rg_sip_txl_handle_message(x, 13 * S, ack, &UDP));
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_ACK, NULL), 0);
    CHECK_EQ_INT(t, rg_sip_txl_next_timeout_us(x), 18 * S);
    CHECK_EQ_INT(t, run_until(x, 18 * S, at, 16), 0);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 0);

    /* Timer H: no ACK within 64*T1 is a timeout. */
    id = serve(t, x, 100 * S, inv, &UDP);
    CHECK_OK(t, rg_sip_txl_respond(x, 100 * S, id, r));
    (void)run_until(x, 132 * S - 1, at, 16);
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_TIMEOUT, NULL), 0);
    rg_sip_txl_handle_timeout(x, 132 * S);
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_TIMEOUT, NULL), 1);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 0);
    rg_sip_txl_free(x);
    rg_arena_deinit(&a);
}

static void ist_reliable_no_g_and_i_zero(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_txl *x = mk();
    struct rg_sip_msg *inv = tu_parse(&a, INVITE);
    REQUIRE(t, x && inv);
    uint64_t id = serve(t, x, 0, inv, &TCP);
    struct rg_sip_msg *r = resp_to(&a, inv, 603), *m = NULL;
    REQUIRE(t, r);
    CHECK_OK(t, rg_sip_txl_respond(x, 10 * MS, id, r));
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, &m), 1);
    CHECK_EQ_INT(t, m->status, 603);
    int64_t at[4];
    CHECK_EQ_INT(t, run_until(x, 20 * S, at, 4), 0); /* no timer G over TCP */
    CHECK_EQ_INT(t, rg_sip_txl_next_timeout_us(x), 32 * S + 10 * MS); /* H runs */
    struct rg_sip_msg *ack = tu_parse(&a, "ACK sip:bob@example.com SIP/2.0\n"
                                          "Via: SIP/2.0/UDP pc.example.com:5060;branch=z9hG4bKinv1\n"
                                          "From: <sip:alice@example.com>;tag=a1\n"
                                          "To: <sip:bob@example.com>;tag=b1\n"
                                          "Call-ID: call-1@pc\nCSeq: 1 ACK\n\n");
    REQUIRE(t, ack);
    CHECK_OK(t, rg_sip_txl_handle_message(x, 21 * S, ack, &TCP));
    CHECK_EQ_INT(t, rg_sip_txl_next_timeout_us(x), 21 * S); /* timer I = 0 */
    rg_sip_txl_handle_timeout(x, 21 * S);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 0);
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_TIMEOUT, NULL), 0);
    rg_sip_txl_free(x);
    rg_arena_deinit(&a);
}

static void ist_2xx_retransmitted_until_ack(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_txl *x = mk();
    struct rg_sip_msg *inv = tu_parse(&a, INVITE);
    REQUIRE(t, x && inv);
    uint64_t id = serve(t, x, 0, inv, &UDP);
    struct rg_sip_msg *ok = resp_to(&a, inv, 200);
    REQUIRE(t, ok);
    CHECK_OK(t, rg_sip_txl_respond(x, 0, id, ok));
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, NULL), 1); /* no 100 Trying after a final */
    rg_sip_txl_handle_timeout(x, 500 * MS);
    struct rg_sip_msg *m = NULL;
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, &m), 1);
    REQUIRE(t, m);
    CHECK_EQ_INT(t, m->status, 200);
    CHECK_STR(t, m->to->tag, "b1");
    /* The TU's own retransmission passes through unchanged (RFC 6026). */
    CHECK_OK(t, rg_sip_txl_respond(x, 600 * MS, id, ok));
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, NULL), 1);
    int64_t at[16];
    /* §13.3.1.4: T1 doubling up to T2. */
    int n = run_until(x, 12 * S, at, 16);
    CHECK_EQ_INT(t, n, 4);
    CHECK_EQ_INT(t, at[0], 1500 * MS);
    CHECK_EQ_INT(t, at[3], 11500 * MS);
    /* RFC 6026 Accepted: a retransmitted INVITE is absorbed silently. */
    CHECK_EQ_INT(t, serve(t, x, 12 * S, inv, &UDP), 0);
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, NULL), 0);
    /* The ACK for the 2xx (new branch) goes to the TU and stops them. */
    struct rg_sip_msg *ack = tu_parse(&a, "ACK sip:bob@pc2 SIP/2.0\n"
                                          "Via: SIP/2.0/UDP pc.example.com;branch=z9hG4bKack9\n"
                                          "From: <sip:alice@example.com>;tag=a1\n"
                                          "To: <sip:bob@example.com>;tag=b1\n"
                                          "Call-ID: call-1@pc\nCSeq: 1 ACK\n\n");
    REQUIRE(t, ack);
    CHECK_OK(t, rg_sip_txl_handle_message(x, 13 * S, ack, &UDP));
    struct rg_sip_event e = {0};
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_ACK, &e), 1);
    CHECK(t, e.msg == ack);
    CHECK_EQ_INT(t, run_until(x, 31 * S, at, 16), 0);
    rg_sip_txl_handle_timeout(x, 32 * S); /* timer L */
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 0);
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_NO_ACK, NULL), 0);

    /* Without an ACK: NO_ACK after 64*T1 (the TU then sends BYE). */
    id = serve(t, x, 100 * S, inv, &UDP);
    CHECK_OK(t, rg_sip_txl_respond(x, 100 * S, id, ok));
    n = run_until(x, 140 * S, at, 16);
    CHECK_EQ_INT(t, n, 1 + 10); /* the 2xx, then 0.5 1.5 3.5 7.5 11.5 ... 31.5 */
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_NO_ACK, &e), 1);
    CHECK(t, e.txn == id);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 0);
    rg_sip_txl_free(x);
    rg_arena_deinit(&a);
}

static void nist_timer_j(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_txl *x = mk();
    struct rg_sip_msg *opt = tu_parse(&a, OPTIONS);
    REQUIRE(t, x && opt);
    uint64_t id = serve(t, x, 0, opt, &UDP);
    REQUIRE(t, id);
    CHECK_EQ_INT(t, rg_sip_txl_next_timeout_us(x), INT64_MAX); /* no auto 100 */
    CHECK_EQ_INT(t, serve(t, x, 1, opt, &UDP), 0);             /* Trying: absorbed */
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, NULL), 0);
    struct rg_sip_msg *ok = resp_to(&a, opt, 200), *m = NULL;
    REQUIRE(t, ok);
    CHECK_OK(t, rg_sip_txl_respond(x, 1 * S, id, ok));
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, &m), 1);
    CHECK_EQ_INT(t, m->status, 200);
    CHECK_STR(t, m->to->tag, "b1");
    CHECK_EQ_INT(t, serve(t, x, 2 * S, opt, &UDP), 0); /* Completed: resend */
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, NULL), 1);
    CHECK_EQ_INT(t, rg_sip_txl_next_timeout_us(x), 33 * S);
    rg_sip_txl_handle_timeout(x, 33 * S);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 0);
    /* TCP: J = 0. */
    id = serve(t, x, 40 * S, opt, &TCP);
    CHECK_OK(t, rg_sip_txl_respond(x, 40 * S, id, ok));
    rg_sip_txl_handle_timeout(x, 40 * S);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 0);
    CHECK_EQ_INT(t, rg_sip_txl_respond(x, 40 * S, id, ok), RG_ENOTFOUND);
    rg_sip_txl_free(x);
    rg_arena_deinit(&a);
}

static void cancel_matches_invite(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_txl *x = mk();
    struct rg_sip_msg *inv = tu_parse(&a, INVITE), *cancel = NULL;
    REQUIRE(t, x && inv);
    REQUIRE(t, rg_sip_cancel_build(inv, &a, &cancel) == RG_OK);
    uint64_t ist = serve(t, x, 0, inv, &UDP);
    CHECK_OK(t, rg_sip_txl_handle_message(x, 1 * S, cancel, &UDP));
    struct rg_sip_event e = {0};
    REQUIRE(t, rg_sip_txl_poll_event(x, &e) == RG_OK);
    CHECK_EQ_INT(t, e.kind, RG_SIP_EV_REQUEST);
    CHECK(t, e.cancels == ist && e.txn != ist);
    /* The TU answers 200 to the CANCEL and 487 to the INVITE (§9.2). */
    struct rg_sip_msg *r200 = resp_to(&a, cancel, 200), *r487 = resp_to(&a, inv, 487);
    REQUIRE(t, r200 && r487);
    CHECK_OK(t, rg_sip_txl_respond(x, 1 * S, e.txn, r200));
    CHECK_OK(t, rg_sip_txl_respond(x, 1 * S, ist, r487));
    struct rg_sip_transmit tx;
    int n = 0;
    while (rg_sip_txl_poll_transmit(x, &tx) == RG_OK) {
        struct rg_sip_msg *m = tu_parse_tx(&a, &tx);
        REQUIRE(t, m);
        CHECK(t, (m->status == 200 && rg_str_eq_cstr(m->cseq_method, "CANCEL")) ||
                     (m->status == 487 && rg_str_eq_cstr(m->cseq_method, "INVITE")));
        n++;
    }
    CHECK_EQ_INT(t, n, 2); /* no timer ran: the TU's 487 replaced the pending 100 */
    /* A CANCEL whose INVITE is unknown names none. */
    struct rg_sip_txl *y = mk();
    REQUIRE(t, y);
    CHECK_OK(t, rg_sip_txl_handle_message(y, 0, cancel, &UDP));
    REQUIRE(t, rg_sip_txl_poll_event(y, &e) == RG_OK);
    CHECK(t, e.kind == RG_SIP_EV_REQUEST && e.cancels == 0);
    rg_sip_txl_free(y);
    rg_sip_txl_free(x);
    rg_arena_deinit(&a);
}

static void reliable_provisional_prack(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_txl *x = mk();
    struct rg_sip_msg *inv = tu_parse(&a, INVITE);
    REQUIRE(t, x && inv);
    uint64_t id = serve(t, x, 0, inv, &TCP);
    struct rg_sip_msg *r183 = resp_to(&a, inv, 183);
    REQUIRE(t, r183);
    CHECK_OK(t, rg_sip_msg_add(r183, &a, RG_STR_LIT("Require"), RG_STR_LIT("100rel")));
    CHECK_OK(t, rg_sip_msg_add(r183, &a, RG_STR_LIT("RSeq"), RG_STR_LIT("7")));
    CHECK_OK(t, rg_sip_msg_index(r183, &a, NULL));
    CHECK_OK(t, rg_sip_txl_respond(x, 0, id, r183));
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, NULL), 1);
    /* No second reliable 1xx until the first is PRACKed (RFC 3262 §3). */
    CHECK_EQ_INT(t, rg_sip_txl_respond(x, 0, id, r183), RG_ESTATE);
    int64_t at[16];
    /* Retransmitted (even over TCP) at T1, 2T1, 4T1 ... */
    int n = run_until(x, 4 * S, at, 16);
    CHECK_EQ_INT(t, n, 3);
    CHECK_EQ_INT(t, at[0], 500 * MS);
    CHECK_EQ_INT(t, at[2], 3500 * MS);
    CHECK_EQ_INT(t, rg_sip_txl_prack(x, id, 8), RG_ENOTFOUND);
    CHECK_OK(t, rg_sip_txl_prack(x, id, 7));
    CHECK_EQ_INT(t, run_until(x, 40 * S, at, 16), 0);
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_PRACK_TIMEOUT, NULL), 0);
    /* The next one is never PRACKed: PRACK_TIMEOUT after 64*T1. */
    CHECK_OK(t, rg_sip_msg_replace(r183, &a, RG_STR_LIT("RSeq"), RG_STR_LIT("8")));
    CHECK_OK(t, rg_sip_msg_index(r183, &a, NULL));
    CHECK_OK(t, rg_sip_txl_respond(x, 40 * S, id, r183));
    (void)run_until(x, 72 * S, at, 16);
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_PRACK_TIMEOUT, NULL), 1);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 1); /* the INVITE still waits for its final */
    rg_sip_txl_free(x);
    rg_arena_deinit(&a);
}

static void misc_contracts(struct rg_t *t)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_txl_cfg cfg = RG_SIP_TXL_CFG_DEFAULT;
    cfg.max_txns = 2;
    cfg.trying_delay_us = 0;
    struct rg_sip_txl *x = NULL;
    REQUIRE(t, rg_sip_txl_new(&cfg, &x) == RG_OK);
    struct rg_sip_msg *inv = tu_parse(&a, INVITE), *opt = tu_parse(&a, OPTIONS);
    REQUIRE(t, inv && opt);
    /* Pending message events block the next message. */
    CHECK_OK(t, rg_sip_txl_handle_message(x, 0, inv, &TCP));
    CHECK_EQ_INT(t, rg_sip_txl_handle_message(x, 0, opt, &TCP), RG_ESTATE);
    struct rg_sip_msg *m = NULL;
    CHECK_EQ_INT(t, tu_drain_tx(x, &a, &m), 1); /* trying_delay 0: at once */
    CHECK_EQ_INT(t, m->status, 100);
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_REQUEST, NULL), 1);
    CHECK_OK(t, rg_sip_txl_handle_message(x, 0, opt, &TCP));
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_REQUEST, NULL), 1);
    /* The table is full. */
    uint64_t id;
    CHECK_EQ_INT(t, rg_sip_txl_request(x, 0, opt, &UDP, &id), RG_ELIMIT);
    /* A broken connection ends its transactions. */
    rg_sip_txl_flow_failed(x, TCP.flow);
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_TRANSPORT, NULL), 2);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 0);
    /* A response nobody asked for is stray; ACK is not a client txn. */
    struct rg_sip_msg *r = resp_to(&a, opt, 200), *ack = NULL;
    REQUIRE(t, r);
    CHECK_OK(t, rg_sip_txl_handle_message(x, 0, r, &UDP));
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_STRAY, NULL), 1);
    ack = tu_parse(&a, "ACK sip:b@h SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\n"
                       "From: <sip:a@h>;tag=1\nTo: <sip:b@h>\nCall-ID: c\nCSeq: 1 ACK\n\n");
    REQUIRE(t, ack);
    CHECK_EQ_INT(t, rg_sip_txl_request(x, 0, ack, &UDP, &id), RG_EINVAL);
    /* A pre-RFC 3261 request is stray. */
    struct rg_sip_msg *old = tu_parse(&a, "OPTIONS sip:b@h SIP/2.0\nVia: SIP/2.0/UDP h;branch=x\n"
                                          "From: <sip:a@h>;tag=1\nTo: <sip:b@h>\nCall-ID: c\n"
                                          "CSeq: 1 OPTIONS\n\n");
    REQUIRE(t, old);
    CHECK_OK(t, rg_sip_txl_handle_message(x, 0, old, &UDP));
    CHECK_EQ_INT(t, count_events(x, RG_SIP_EV_STRAY, NULL), 1);
    CHECK_EQ_INT(t, rg_sip_txl_count(x), 0);
    cfg.t1_us = 0;
    struct rg_sip_txl *y = NULL;
    CHECK_EQ_INT(t, rg_sip_txl_new(&cfg, &y), RG_EINVAL);
    rg_sip_txl_free(x);
    rg_arena_deinit(&a);
}

struct oom_ctx {
    const char *req;
};

/* A whole client and server exchange with allocation failures injected. */
static int oom_exchange(void *arg)
{
    struct oom_ctx *c = arg;
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_txl *x = NULL;
    int rc = rg_sip_txl_new(NULL, &x);
    if (rc != RG_OK) {
        rg_arena_deinit(&a);
        return rc;
    }
    struct rg_sip_msg *q = tu_parse(&a, c->req), *r = NULL;
    uint64_t id = 0;
    if (!q)
        rc = RG_ENOMEM;
    if (rc == RG_OK)
        rc = rg_sip_txl_request(x, 0, q, &UDP, &id);
    if (rc == RG_OK &&
        rg_sip_make_response(q, &a, 486, RG_STR_LIT("Busy"), RG_STR_LIT("t"), &r) != RG_OK)
        rc = RG_ENOMEM;
    if (rc == RG_OK)
        rc = rg_sip_txl_handle_message(x, 1, r, &UDP);
    struct rg_sip_event e;
    while (rg_sip_txl_poll_event(x, &e) == RG_OK)
        ;
    if (rc == RG_OK)
        rc = rg_sip_txl_handle_message(x, 2, q, &UDP); /* now as a server */
    uint64_t sid = 0;
    while (rg_sip_txl_poll_event(x, &e) == RG_OK)
        sid = e.kind == RG_SIP_EV_REQUEST ? e.txn : sid;
    if (rc == RG_OK)
        rc = rg_sip_txl_respond(x, 3, sid, r);
    rg_sip_txl_handle_timeout(x, 1000 * S);
    rg_sip_txl_free(x);
    rg_arena_deinit(&a);
    return rc;
}

static void oom_stepping(struct rg_t *t)
{
    struct oom_ctx c = {INVITE};
    rg_t_oom_step(t, oom_exchange, &c, 200);
    c.req = OPTIONS;
    rg_t_oom_step(t, oom_exchange, &c, 200);
}

#include "test_sip_txn_net.inc"

static const struct rg_test_case cases[] = {
    {"ict_timer_a_b_udp", ict_timer_a_b_udp},
    {"ict_reliable_no_retransmit", ict_reliable_no_retransmit},
    {"ict_non2xx_ack_and_timer_d", ict_non2xx_ack_and_timer_d},
    {"ict_2xx_accepted_timer_m", ict_2xx_accepted_timer_m},
    {"nict_timers_e_f_k", nict_timers_e_f_k},
    {"ist_trying_g_h_i", ist_trying_g_h_i},
    {"ist_reliable_no_g_and_i_zero", ist_reliable_no_g_and_i_zero},
    {"ist_2xx_retransmitted_until_ack", ist_2xx_retransmitted_until_ack},
    {"nist_timer_j", nist_timer_j},
    {"cancel_matches_invite", cancel_matches_invite},
    {"reliable_provisional_prack", reliable_provisional_prack},
    {"misc_contracts", misc_contracts},
    {"oom_stepping", oom_stepping},
    {"lossy_udp_call", lossy_udp_call},
    {"tcp_call", tcp_call},
};

RG_TEST_MAIN(cases)
