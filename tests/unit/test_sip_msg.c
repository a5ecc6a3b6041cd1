/* Unit tests for the SIP message codec: RFC 4475 vectors (whole datagrams
 * and stream framing, whole and byte by byte), header values, limits, OOM. */
#include "harness.h"

#include "core/arena.h"
#include "proto/sip/sip_frame.h"
#include "proto/sip/sip_msg.h"

#define VEC "tests/vectors/rfc4475/"

struct vec {
    char *data;
    size_t len;
    struct rg_arena arena;
    struct rg_sip_msg *m;
    struct rg_sip_error err;
    int rc;
};

static void vec_open(struct vec *v, const char *path)
{
    memset(v, 0, sizeof(*v));
    v->data = rg_t_read_file(path, &v->len);
    rg_arena_init(&v->arena, 4096, 1 << 20);
    v->rc = v->data ? rg_sip_parse(v->data, v->len, NULL, &v->arena, &v->m, &v->err) : RG_EIO;
}

static void vec_close(struct vec *v)
{
    rg_arena_deinit(&v->arena);
    rg_free(v->data);
}

/* Views compared after %HH decoding. */
static bool unesc_is(struct rg_str s, const char *want, size_t want_len)
{
    return rg_sip_escaped_equal(s, rg_str_make(want, want_len), false);
}

struct bad_case {
    const char *file;
    enum rg_sip_reason reason;
    uint16_t status;
};

/* RFC 4475 §3.1.2 and the §3.3 messages the codec itself refuses. */
static const struct bad_case bad_cases[] = {
    {"badinv01.dat", RG_SIP_R_VIA, 400},
    {"clerr.dat", RG_SIP_R_CL_MISMATCH, 400},
    {"ncl.dat", RG_SIP_R_CONTENT_LENGTH, 400},
    {"scalar02.dat", RG_SIP_R_CSEQ, 400},
    {"scalarlg.dat", RG_SIP_R_CSEQ, 400},
    {"quotbal.dat", RG_SIP_R_TO, 400},
    {"ltgtruri.dat", RG_SIP_R_REQUEST_URI, 400},
    {"lwsruri.dat", RG_SIP_R_START_LINE, 400},
    {"lwsstart.dat", RG_SIP_R_START_LINE, 400},
    /* §3.1.2.10: "acceptable to reject" — we reject trailing SP. */
    {"trws.dat", RG_SIP_R_START_LINE, 400},
    /* §3.1.2.11: we reject rather than silently drop the headers. */
    {"escruri.dat", RG_SIP_R_RURI_HEADERS, 400},
    /* §3.1.2.12: the codec validates Date (only "GMT" is legal). */
    {"baddate.dat", RG_SIP_R_DATE, 400},
    {"regbadct.dat", RG_SIP_R_CONTACT, 400},
    {"badaspec.dat", RG_SIP_R_TO, 400},
    {"baddn.dat", RG_SIP_R_FROM, 400},
    {"badvers.dat", RG_SIP_R_VERSION, 505},
    {"mismatch01.dat", RG_SIP_R_CSEQ_METHOD, 400},
    {"mismatch02.dat", RG_SIP_R_CSEQ_METHOD, 400},
    {"bigcode.dat", RG_SIP_R_STATUS_LINE, 400},
    {"insuf.dat", RG_SIP_R_MISSING_TO, 400},
    {"multi01.dat", RG_SIP_R_DUP_CSEQ, 400},
    {"mcl01.dat", RG_SIP_R_DUP_CONTENT_LENGTH, 400},
};

static void rfc4475_invalid(struct rg_t *t)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        char path[128];
        snprintf(path, sizeof(path), VEC "%s", bad_cases[i].file);
        struct vec v;
        vec_open(&v, path);
        if (v.rc != RG_EBADMSG || v.err.reason != bad_cases[i].reason) {
            fprintf(stderr, "    %s: rc %d reason %d (%s), want reason %d\n", bad_cases[i].file,
                    v.rc, v.err.reason, v.err.phrase ? v.err.phrase : "-", bad_cases[i].reason);
            t->failures++;
        }
        CHECK_EQ_INT(t, v.err.status, bad_cases[i].status);
        CHECK(t, v.err.phrase && strlen(v.err.phrase) > 0);
        vec_close(&v);
    }
}

static void phrases(struct rg_t *t)
{
    struct vec v;
    vec_open(&v, VEC "insuf.dat");
    CHECK(t, strcmp(v.err.phrase, "Bad Request - Missing To") == 0);
    vec_close(&v);
    vec_open(&v, VEC "scalar02.dat");
    CHECK(t, strcmp(v.err.phrase, "Bad Request - Invalid CSeq") == 0);
    vec_close(&v);
    vec_open(&v, VEC "clerr.dat");
    CHECK(t, strcmp(v.err.phrase, "Bad Request - Content-Length mismatch") == 0);
    vec_close(&v);
    /* Every reason has a phrase and a 4xx/5xx status. */
    for (int r = 0; r < RG_SIP_R_COUNT; r++) {
        struct rg_sip_error e;
        rg_sip_error_set(&e, (enum rg_sip_reason)r);
        CHECK(t, e.phrase != NULL && e.status >= 400 && e.status < 600);
    }
}

/* §3.1.1.1 wsinv: folding, escaped quotes, empty Subject, LWS around
 * separators, mixed compact/long names, unknown headers and params,
 * leading zeros. */
static void rfc4475_wsinv(struct rg_t *t)
{
    struct vec v;
    vec_open(&v, VEC "wsinv.dat");
    REQUIRE(t, v.rc == RG_OK);
    struct rg_sip_msg *m = v.m;
    CHECK(t, m->is_request);
    CHECK_STR(t, m->method, "INVITE");
    CHECK_STR(t, m->ruri.user, "vivekg");
    CHECK_STR(t, m->ruri.host, "chair-dnrc.example.com");
    REQUIRE(t, m->ruri.params.n == 1);
    CHECK_STR(t, m->ruri.params.v[0].name, "unknownparam");
    CHECK(t, m->ruri.params.v[0].value.p == NULL);
    REQUIRE(t, m->to && m->from);
    CHECK_STR(t, m->to->tag, "1918181833n");
    CHECK_STR(t, m->to->uri.user, "vivekg");
    CHECK_STR(t, m->from->display, "J Rosenberg \\\\\\\"");
    CHECK(t, m->from->display_quoted);
    CHECK_STR(t, m->from->tag, "98asjd8");
    CHECK_STR(t, m->from->uri.host, "example.com");
    CHECK_EQ_INT(t, m->max_forwards, 68);
    CHECK_STR(t, m->call_id, "wsinv.ndaksdj@192.0.2.1");
    CHECK_EQ_INT(t, m->content_length, 150);
    CHECK_EQ_INT(t, m->body.len, 150);
    CHECK_EQ_INT(t, m->cseq, 9);
    CHECK_STR(t, m->cseq_method, "INVITE");
    REQUIRE(t, m->n_vias == 3);
    CHECK_STR(t, m->vias[0].protocol, "SIP");
    CHECK_STR(t, m->vias[0].version, "2.0");
    CHECK_STR(t, m->vias[0].transport, "UDP");
    CHECK_STR(t, m->vias[0].host, "192.0.2.2");
    CHECK_STR(t, m->vias[0].branch, "390skdjuw");
    CHECK(t, !rg_sip_branch_is_rfc3261(m->vias[0].branch));
    CHECK_STR(t, m->vias[1].transport, "TCP");
    CHECK_STR(t, m->vias[1].host, "spindle.example.com");
    CHECK_STR(t, m->vias[1].branch, "z9hG4bK9ikj8");
    CHECK_STR(t, m->vias[2].host, "192.168.255.111");
    CHECK_STR(t, m->vias[2].branch, "z9hG4bK30239");
    const struct rg_sip_hdr *h = rg_sip_msg_find(m, RG_STR_LIT("Subject"), NULL);
    REQUIRE(t, h != NULL);
    CHECK_STR(t, h->name, "s");
    CHECK_EQ_INT(t, h->value.len, 0);
    h = rg_sip_msg_find(m, RG_STR_LIT("newfangledheader"), NULL);
    REQUIRE(t, h != NULL);
    CHECK_STR(t, h->value, "newfangled value\r\n continued newfangled value");
    h = rg_sip_msg_find(m, RG_STR_LIT("UnknownHeaderWithUnusualValue"), NULL);
    REQUIRE(t, h != NULL);
    CHECK_STR(t, h->value, ";;,,;;,;");
    REQUIRE(t, m->content_type != NULL);
    CHECK_STR(t, m->content_type->type, "application");
    CHECK_STR(t, m->content_type->subtype, "sdp");
    REQUIRE(t, m->routes.n == 1);
    CHECK_STR(t, m->routes.v[0].uri.host, "services.example.com");
    CHECK_EQ_INT(t, m->routes.v[0].uri.params.n, 3);
    CHECK(t, rg_sip_param_find(&m->routes.v[0].uri.params, "lr") != NULL);
    CHECK_STR(t, rg_sip_param_find(&m->routes.v[0].uri.params, "unknownwith")->value, "value");
    REQUIRE(t, m->contacts.n == 1);
    const struct rg_sip_addr *c = &m->contacts.v[0];
    CHECK_STR(t, c->display, "Quoted string \\\"\\\"");
    CHECK_STR(t, c->uri.user, "jdrosen");
    CHECK_EQ_INT(t, c->params.n, 3);
    CHECK_STR(t, rg_sip_param_find(&c->params, "newparam")->value, "newvalue");
    CHECK(t, rg_sip_param_find(&c->params, "secondparam")->value.p == NULL);
    CHECK_STR(t, rg_sip_param_find(&c->params, "q")->value, "0.33");
    vec_close(&v);
}

/* §3.1.1.2 intmeth: unusual token characters everywhere. */
static void rfc4475_intmeth(struct rg_t *t)
{
    struct vec v;
    vec_open(&v, VEC "intmeth.dat");
    REQUIRE(t, v.rc == RG_OK);
    struct rg_sip_msg *m = v.m;
    CHECK_STR(t, m->method, "!interesting-Method0123456789_*+`.%indeed'~");
    CHECK_STR(t, m->ruri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    CHECK_STR(t, m->ruri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    CHECK_STR(t, m->ruri.host, "example.com");
    CHECK_STR(t, m->vias[0].branch, "z9hG4bK-.!%66*_+`'~");
    REQUIRE(t, m->to && m->from);
    /* quoted-pairs including an escaped NUL stay as written. */
    CHECK_MEM(t, m->to->display.p, m->to->display.len, "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f", 20);
    CHECK_STR(t, m->to->uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    CHECK_STR(t, m->from->display, "token1~` token2'+_ token3*%!.-");
    CHECK_STR(t, m->from->tag, "_token~1'+`*%!-.");
    const struct rg_sip_param *fp = rg_sip_param_find(&m->from->params, "fromParam''~+*_!.-%");
    REQUIRE(t, fp != NULL);
    CHECK_STR(t, fp->value,
              "\"\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd1\x8e\xd1\x89\xd0"
              "\xb8\xd0\xb9\"");
    CHECK_STR(t, m->call_id, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    CHECK_EQ_INT(t, m->cseq, 139122385);
    CHECK_EQ_INT(t, m->max_forwards, 255);
    const struct rg_sip_hdr *h = rg_sip_msg_find(m, RG_STR_LIT("extensionHeader-!.%*+_`'~"), NULL);
    REQUIRE(t, h != NULL);
    CHECK_STR(t, h->value, "\xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb");
    vec_close(&v);
}

/* §3.1.1.3 esc01 and §3.1.1.4 escnull: escapes are kept and decode right. */
static void rfc4475_escapes(struct rg_t *t)
{
    struct vec v;
    vec_open(&v, VEC "esc01.dat");
    REQUIRE(t, v.rc == RG_OK);
    CHECK(t, unesc_is(v.m->ruri.user, "sips:user@example.com", 21));
    CHECK_STR(t, v.m->ruri.host, "example.net");
    CHECK(t, unesc_is(v.m->to->uri.user, "user", 4));
    CHECK(t, unesc_is(v.m->from->uri.user, "I have spaces", 13));
    REQUIRE(t, v.m->contacts.n == 1);
    const struct rg_sip_uri *cu = &v.m->contacts.v[0].uri;
    CHECK(t, unesc_is(cu->user, "caller", 6));
    REQUIRE(t, cu->params.n == 2);
    CHECK(t, unesc_is(cu->params.v[0].name, "lr", 2));
    CHECK(t, unesc_is(cu->params.v[1].name, "name", 4));
    struct rg_str dec;
    CHECK_OK(t, rg_sip_unescape(cu->params.v[1].value, &v.arena, &dec));
    CHECK_STR(t, dec, "value%41");
    CHECK_OK(t, rg_sip_unescape(v.m->from->uri.user, &v.arena, &dec));
    CHECK_STR(t, dec, "I have spaces");
    vec_close(&v);

    vec_open(&v, VEC "escnull.dat");
    REQUIRE(t, v.rc == RG_OK);
    CHECK(t, unesc_is(v.m->to->uri.user, "null-\0-null", 11));
    REQUIRE(t, v.m->contacts.n == 2);
    CHECK(t, unesc_is(v.m->contacts.v[0].uri.user, "\0", 1));
    CHECK(t, unesc_is(v.m->contacts.v[1].uri.user, "\0\0", 2));
    CHECK_OK(t, rg_sip_unescape(v.m->contacts.v[1].uri.user, &v.arena, &dec));
    CHECK_MEM(t, dec.p, dec.len, "\0\0", 2);
    vec_close(&v);
}

/* §3.1.1.5 esc02: '%' where it is not an escape. */
static void rfc4475_esc02(struct rg_t *t)
{
    struct vec v;
    vec_open(&v, VEC "esc02.dat");
    REQUIRE(t, v.rc == RG_OK);
    CHECK_STR(t, v.m->method, "RE%47IST%45R");
    CHECK(t, !rg_str_eq_cstr(v.m->method, "REGISTER"));
    CHECK_STR(t, v.m->to->display, "%Z%45");
    CHECK_STR(t, v.m->vias[0].branch, "z9hG4bK209%fzsnel234");
    /* C%6Fntact is an unknown header, not a third Contact. */
    CHECK_EQ_INT(t, v.m->contacts.n, 2);
    CHECK_STR(t, v.m->contacts.v[1].uri.user, "alias3");
    CHECK(t, rg_sip_msg_find(v.m, RG_STR_LIT("C%6Fntact"), NULL) != NULL);
    vec_close(&v);
}

static void rfc4475_small_valid(struct rg_t *t)
{
    struct vec v;
    vec_open(&v, VEC "lwsdisp.dat"); /* §3.1.1.6 */
    REQUIRE(t, v.rc == RG_OK);
    CHECK_STR(t, v.m->from->display, "caller");
    CHECK_STR(t, v.m->from->uri.user, "caller");
    vec_close(&v);

    vec_open(&v, VEC "dblreq.dat"); /* §3.1.1.8: the INVITE after CL 0 is ignored */
    REQUIRE(t, v.rc == RG_OK);
    CHECK_STR(t, v.m->method, "REGISTER");
    CHECK_EQ_INT(t, v.m->body.len, 0);
    CHECK_STR(t, v.m->call_id, "dblreq.0ha0isndaksdj99sdfafnl3lk233412");
    vec_close(&v);

    vec_open(&v, VEC "semiuri.dat"); /* §3.1.1.9 */
    REQUIRE(t, v.rc == RG_OK);
    CHECK_STR(t, v.m->ruri.user, "user;par=u%40example.net");
    CHECK_STR(t, v.m->ruri.host, "example.com");
    CHECK_EQ_INT(t, v.m->ruri.params.n, 0);
    vec_close(&v);

    vec_open(&v, VEC "transports.dat"); /* §3.1.1.10 */
    REQUIRE(t, v.rc == RG_OK && v.m->n_vias == 5);
    const char *tr[] = {"UDP", "SCTP", "TLS", "UNKNOWN", "TCP"};
    for (int i = 0; i < 5; i++)
        CHECK_STR(t, v.m->vias[i].transport, tr[i]);
    CHECK_STR(t, v.m->call_id, "transports.kijh4akdnaqjkwendsasfdj");
    vec_close(&v);

    vec_open(&v, VEC "mpart01.dat"); /* §3.1.1.11: binary body kept whole */
    REQUIRE(t, v.rc == RG_OK);
    CHECK_EQ_INT(t, v.m->body.len, 553);
    CHECK_STR(t, v.m->content_type->subtype, "mixed");
    CHECK_STR(t, rg_sip_param_find(&v.m->content_type->params, "boundary")->value,
              "7a9cbec02ceef655");
    CHECK_EQ_INT(t, v.m->vias[0].rport, 0);
    vec_close(&v);

    vec_open(&v, VEC "unreason.dat"); /* §3.1.1.12 */
    REQUIRE(t, v.rc == RG_OK);
    CHECK(t, !v.m->is_request);
    CHECK_EQ_INT(t, v.m->status, 200);
    CHECK(t, rg_str_has_prefix(v.m->reason, "= 2**3 * 5**2 \xd0\xbd\xd0\xbe"));
    vec_close(&v);

    vec_open(&v, VEC "noreason.dat"); /* §3.1.1.13 */
    REQUIRE(t, v.rc == RG_OK);
    CHECK_EQ_INT(t, v.m->status, 100);
    CHECK_EQ_INT(t, v.m->reason.len, 0);
    vec_close(&v);
}

/* §3.1.1.7 longreq: long values and 34 Via values in many spellings. */
static void rfc4475_longreq(struct rg_t *t)
{
    struct vec v;
    vec_open(&v, VEC "longreq.dat");
    REQUIRE(t, v.rc == RG_OK);
    CHECK_EQ_INT(t, v.m->n_vias, 34);
    CHECK_STR(t, v.m->vias[0].host, "sip33.example.com");
    CHECK_STR(t, v.m->vias[32].host, "sip1.example.com");
    CHECK_STR(t, v.m->vias[33].received, "192.0.2.5");
    CHECK(t, rg_str_has_prefix(v.m->vias[33].branch, "verylonglong"));
    CHECK_STR(t, v.m->to->uri.host, "example.com");
    CHECK_EQ_INT(t, v.m->to->uri.port, 6000);
    CHECK_EQ_INT(t, v.m->to->uri.params.n, 3);
    CHECK_EQ_INT(t, v.m->to->uri.headers.n, 0);
    CHECK_EQ_INT(t, v.m->to->params.n, 0);
    CHECK(t, v.m->to->tag.p == NULL);
    CHECK(t, rg_str_has_prefix(v.m->to->display, "I have a user name of extremeextreme"));
    CHECK(t, rg_str_has_prefix(v.m->from->uri.user, "amazinglylongcallername"));
    CHECK_EQ_INT(t, v.m->from->uri.user.len, 23 * 5);
    CHECK(t, rg_str_has_prefix(v.m->call_id, "longreq.onereallyreally"));
    CHECK_EQ_INT(t, v.m->body.len, 150);
    vec_close(&v);
}

/* §3.2-§3.4 messages the codec accepts, and what rg_sip_check_request()
 * says about them with a UAS policy supporting sip/sips/tel and SDP. */
static const char *const schemes[] = {"sip", "sips", "tel", NULL};
static const char *const exts[] = {"timer", "replaces", "outbound", NULL};
static const char *const ctypes[] = {"application/sdp", NULL};

struct check_case {
    const char *file;
    enum rg_sip_reason reason; /* RG_SIP_R_NONE: accepted */
    bool proxy;
};

static const struct check_case check_cases[] = {
    {"badbranch.dat", RG_SIP_R_BAD_BRANCH, false}, /* strict_branch: we reject */
    {"unkscm.dat", RG_SIP_R_UNSUPPORTED_SCHEME, false},
    {"novelsc.dat", RG_SIP_R_UNSUPPORTED_SCHEME, false},
    /* §3.3.4: unknown schemes in To/From/Contact are not the R-URI: accepted. */
    {"unksm2.dat", RG_SIP_R_NONE, false},
    {"bext01.dat", RG_SIP_R_BAD_EXTENSION, false},
    {"invut.dat", RG_SIP_R_UNSUPPORTED_MEDIA, false},
    {"regaut01.dat", RG_SIP_R_NONE, false},
    {"zeromf.dat", RG_SIP_R_NONE, false},
    {"zeromf.dat", RG_SIP_R_TOO_MANY_HOPS, true},
    {"cparam01.dat", RG_SIP_R_NONE, false},
    {"cparam02.dat", RG_SIP_R_NONE, false},
    {"regescrt.dat", RG_SIP_R_NONE, false},
    {"sdp01.dat", RG_SIP_R_NOT_ACCEPTABLE, false},
    {"inv2543.dat", RG_SIP_R_NONE, false},
};

static void rfc4475_checks(struct rg_t *t)
{
    for (size_t i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
        const struct check_case *cc = &check_cases[i];
        char path[128];
        snprintf(path, sizeof(path), VEC "%s", cc->file);
        struct vec v;
        vec_open(&v, path);
        if (v.rc != RG_OK) {
            fprintf(stderr, "    %s: parse %d (%s)\n", cc->file, v.rc, v.err.phrase);
            t->failures++;
            vec_close(&v);
            continue;
        }
        struct rg_sip_policy p = {schemes, exts, ctypes, cc->proxy, true};
        struct rg_sip_error e = {0};
        int rc = rg_sip_check_request(v.m, &p, &e);
        if (cc->reason == RG_SIP_R_NONE ? rc != RG_OK
                                        : (rc != RG_EPROTO || e.reason != cc->reason)) {
            fprintf(stderr, "    %s: check %d reason %d, want %d\n", cc->file, rc, e.reason,
                    cc->reason);
            t->failures++;
        }
        vec_close(&v);
    }
    struct vec v;
    vec_open(&v, VEC "bext01.dat");
    REQUIRE(t, v.rc == RG_OK);
    REQUIRE(t, v.m->require.n == 2 && v.m->proxy_require.n == 2);
    CHECK_STR(t, v.m->require.v[0], "nothingSupportsThis");
    CHECK_STR(t, v.m->require.v[1], "nothingSupportsThisEither");
    CHECK_STR(t, v.m->proxy_require.v[1], "norDoAnyProxiesSupportThis");
    struct rg_sip_error e;
    struct rg_sip_policy p = {schemes, exts, ctypes, false, false};
    CHECK_EQ_INT(t, rg_sip_check_request(v.m, &p, &e), RG_EPROTO);
    CHECK_EQ_INT(t, e.status, 420);
    vec_close(&v);
}

/* The values §3.3 / §3.4 messages test. */
static void rfc4475_semantics(struct rg_t *t)
{
    struct vec v;
    vec_open(&v, VEC "cparam01.dat"); /* §3.3.12: param belongs to the header */
    REQUIRE(t, v.rc == RG_OK && v.m->contacts.n == 1);
    CHECK(t, !v.m->contacts.v[0].bracketed);
    CHECK_EQ_INT(t, v.m->contacts.v[0].uri.params.n, 0);
    CHECK(t, rg_sip_param_find(&v.m->contacts.v[0].params, "unknownparam") != NULL);
    CHECK_STR(t, v.m->contacts.v[0].uri.user, "+19725552222");
    vec_close(&v);

    vec_open(&v, VEC "cparam02.dat"); /* §3.3.13: param belongs to the URI */
    REQUIRE(t, v.rc == RG_OK && v.m->contacts.n == 1);
    CHECK_EQ_INT(t, v.m->contacts.v[0].params.n, 0);
    CHECK(t, rg_sip_param_find(&v.m->contacts.v[0].uri.params, "unknownparam") != NULL);
    vec_close(&v);

    vec_open(&v, VEC "regescrt.dat"); /* §3.3.14: escaped header in a Contact URI */
    REQUIRE(t, v.rc == RG_OK && v.m->contacts.n == 1);
    const struct rg_sip_uri *u = &v.m->contacts.v[0].uri;
    REQUIRE(t, u->headers.n == 1);
    CHECK_STR(t, u->headers.v[0].name, "Route");
    CHECK(t, unesc_is(u->headers.v[0].value, "<sip:sip.example.com>", 21));
    vec_close(&v);

    vec_open(&v, VEC "unksm2.dat"); /* §3.3.4 */
    REQUIRE(t, v.rc == RG_OK);
    CHECK_EQ_INT(t, v.m->to->uri.scheme, RG_SIP_SCHEME_OTHER);
    CHECK_STR(t, v.m->to->uri.opaque, "2983792873");
    CHECK_STR(t, v.m->from->uri.raw, "http://www.example.com");
    CHECK_STR(t, v.m->contacts.v[0].uri.opaque, "John_Smith");
    vec_close(&v);

    vec_open(&v, VEC "bcast.dat"); /* §3.3.10 */
    REQUIRE(t, v.rc == RG_OK && v.m->n_vias == 2);
    CHECK_STR(t, v.m->vias[1].host, "255.255.255.255");
    vec_close(&v);

    vec_open(&v, VEC "zeromf.dat"); /* §3.3.11 */
    REQUIRE(t, v.rc == RG_OK);
    CHECK_EQ_INT(t, v.m->max_forwards, 0);
    vec_close(&v);

    vec_open(&v, VEC "inv2543.dat"); /* §3.4.1: no branch, no Max-Forwards, no CL */
    REQUIRE(t, v.rc == RG_OK);
    CHECK(t, v.m->vias[0].branch.p == NULL);
    CHECK_EQ_INT(t, v.m->max_forwards, -1);
    CHECK_EQ_INT(t, v.m->content_length, -1);
    CHECK_EQ_INT(t, v.m->body.len, v.len - (size_t)(v.m->body.p - v.data));
    CHECK_STR(t, v.m->to->uri.user, "+16505552222");
    CHECK_STR(t, rg_sip_param_find(&v.m->to->params, "user")->value, "phone");
    CHECK_STR(t, rg_sip_param_find(&v.m->record_routes.v[0].uri.params, "maddr")->value,
              "ss1.example.com");
    vec_close(&v);
}

static void chrome_invite(struct rg_t *t)
{
    struct vec v;
    vec_open(&v, "tests/vectors/sip/chrome_invite.sip");
    REQUIRE(t, v.rc == RG_OK);
    struct rg_sip_msg *m = v.m;
    CHECK_STR(t, m->vias[0].transport, "WSS");
    CHECK_STR(t, m->vias[0].host, "4kq3b8t1m2pc.invalid");
    CHECK(t, rg_sip_branch_is_rfc3261(m->vias[0].branch));
    REQUIRE(t, m->contacts.n == 1);
    CHECK_STR(t, rg_sip_param_find(&m->contacts.v[0].uri.params, "transport")->value, "ws");
    CHECK(t, rg_sip_param_find(&m->contacts.v[0].uri.params, "ob") != NULL);
    CHECK_EQ_INT(t, m->supported.n, 4);
    CHECK_STR(t, m->supported.v[3], "outbound");
    CHECK_STR(t, m->from->display, "Alice");
    CHECK(t, rg_str_has_prefix(m->body, "v=0\r\n"));
    CHECK_EQ_INT(t, m->body.len, m->content_length);
    vec_close(&v);
}

static char *g_data;
static size_t g_len;

static int parse_oom(void *arg)
{
    (void)arg;
    struct rg_arena a;
    rg_arena_init(&a, 512, 1 << 20);
    struct rg_sip_msg *m;
    struct rg_sip_error e;
    int rc = rg_sip_parse(g_data, g_len, NULL, &a, &m, &e);
    rg_arena_deinit(&a);
    return rc;
}

static void oom_stepping(struct rg_t *t)
{
    const char *files[] = {VEC "wsinv.dat", VEC "longreq.dat", VEC "intmeth.dat",
                           "tests/vectors/sip/chrome_invite.sip"};
    for (size_t i = 0; i < 4; i++) {
        g_data = rg_t_read_file(files[i], &g_len);
        REQUIRE(t, g_data != NULL);
        rg_t_oom_step(t, parse_oom, NULL, 500);
        rg_free(g_data);
    }
}

static int parse_str(const char *s, struct rg_sip_limits *lim, struct rg_sip_error *e)
{
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_msg *m;
    int rc = rg_sip_parse(s, strlen(s), lim, &a, &m, e);
    rg_arena_deinit(&a);
    return rc;
}

#define MIN_HDRS                                                                                   \
    "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\nTo: <sip:b@example.com>\r\n"                \
    "From: <sip:a@example.com>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n"

static void limits(struct rg_t *t)
{
    struct rg_sip_error e = {0};
    struct rg_sip_limits lim = RG_SIP_LIMITS_DEFAULT;
    const char *ok = "OPTIONS sip:b@example.com SIP/2.0\r\n" MIN_HDRS "Via: SIP/2.0/UDP a, "
                     "SIP/2.0/UDP b\r\nContent-Length: 0\r\n\r\n";
    CHECK_EQ_INT(t, parse_str(ok, &lim, &e), RG_OK);
    lim.max_vias = 2;
    CHECK_EQ_INT(t, parse_str(ok, &lim, &e), RG_EBADMSG);
    CHECK_EQ_INT(t, e.reason, RG_SIP_R_TOO_MANY_VIAS);
    lim.max_vias = 3;
    CHECK_EQ_INT(t, parse_str(ok, &lim, &e), RG_OK);
    lim = RG_SIP_LIMITS_DEFAULT;
    lim.max_list = 2;
    const char *contacts = "OPTIONS sip:b@example.com SIP/2.0\r\n" MIN_HDRS
                           "Contact: <sip:a@h>, <sip:b@h>\r\nm: <sip:c@h>\r\n\r\n";
    CHECK_EQ_INT(t, parse_str(contacts, &lim, &e), RG_EBADMSG);
    CHECK_EQ_INT(t, e.reason, RG_SIP_R_TOO_MANY_VALUES);
    lim.max_list = 3;
    CHECK_EQ_INT(t, parse_str(contacts, &lim, &e), RG_OK);
    lim = RG_SIP_LIMITS_DEFAULT;
    lim.max_headers = 6;
    CHECK_EQ_INT(t, parse_str(ok, &lim, &e), RG_EBADMSG);
    CHECK_EQ_INT(t, e.reason, RG_SIP_R_TOO_MANY_HEADERS);
    lim = RG_SIP_LIMITS_DEFAULT;
    lim.max_header_bytes = 40;
    CHECK_EQ_INT(t, parse_str(ok, &lim, &e), RG_EBADMSG);
    CHECK_EQ_INT(t, e.reason, RG_SIP_R_HEADER_TOO_LONG);
    lim = RG_SIP_LIMITS_DEFAULT;
    lim.max_msg_bytes = 100;
    CHECK_EQ_INT(t, parse_str(ok, &lim, &e), RG_EBADMSG);
    CHECK_EQ_INT(t, e.reason, RG_SIP_R_TOO_LARGE);
    /* 33 URI parameters exceed RG_SIP_MAX_PARAMS. */
    char big[2048];
    size_t n = (size_t)snprintf(big, sizeof(big), "OPTIONS sip:b@example.com");
    for (int i = 0; i < 33; i++)
        n += (size_t)snprintf(big + n, sizeof(big) - n, ";p%d", i);
    snprintf(big + n, sizeof(big) - n, " SIP/2.0\r\n" MIN_HDRS "\r\n");
    CHECK_EQ_INT(t, parse_str(big, NULL, &e), RG_EBADMSG);
    CHECK_EQ_INT(t, e.reason, RG_SIP_R_TOO_MANY_PARAMS);
    /* ...and so do 33 header parameters. */
    n = (size_t)snprintf(big, sizeof(big),
                         "OPTIONS sip:b@example.com SIP/2.0\r\n" MIN_HDRS "Contact: <sip:c@h>");
    for (int i = 0; i < 33; i++)
        n += (size_t)snprintf(big + n, sizeof(big) - n, ";p%d", i);
    snprintf(big + n, sizeof(big) - n, "\r\n\r\n");
    CHECK_EQ_INT(t, parse_str(big, NULL, &e), RG_EBADMSG);
    CHECK_EQ_INT(t, e.reason, RG_SIP_R_TOO_MANY_PARAMS);
    /* A stream framer refuses more than one maximal message. */
    struct rg_sip_framer f;
    lim = RG_SIP_LIMITS_DEFAULT;
    lim.max_msg_bytes = 64;
    rg_sip_framer_init(&f, &lim);
    CHECK_EQ_INT(t, rg_sip_framer_feed(&f, big, 65), 64); /* takes what fits */
    CHECK_EQ_INT(t, rg_sip_framer_feed(&f, big, 1), 0);
    struct rg_str msg;
    CHECK_EQ_INT(t, rg_sip_framer_next(&f, &msg, &e), RG_EBADMSG);
    CHECK_EQ_INT(t, e.reason, RG_SIP_R_TOO_LARGE);
    rg_sip_framer_deinit(&f);
}

static void header_forms(struct rg_t *t)
{
    struct rg_sip_error e = {0};
    /* Compact forms of every header we index. */
    const char *compact =
        "INVITE sip:b@example.com SIP/2.0\r\nv: SIP/2.0/TCP "
        "[2001:db8::1]:5061;received=2001:db8::9;rport=5061;ttl=16;maddr=h\r\n"
        "t: <sip:b@example.com>\r\nf: sip:a@example.com;tag=9\r\ni: abc@h\r\n"
        "CSeq: 7 INVITE\r\nm: *\r\nk: 100rel, timer\r\nc: text/plain;charset=utf-8\r\n"
        "l: 2\r\n\r\nhi";
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_msg *m;
    REQUIRE(t, rg_sip_parse(compact, strlen(compact), NULL, &a, &m, &e) == RG_OK);
    CHECK_STR(t, m->vias[0].host, "[2001:db8::1]");
    CHECK_EQ_INT(t, m->vias[0].port, 5061);
    CHECK_STR(t, m->vias[0].received, "2001:db8::9");
    CHECK_EQ_INT(t, m->vias[0].rport, 5061);
    CHECK_EQ_INT(t, m->vias[0].ttl, 16);
    CHECK_STR(t, m->vias[0].maddr, "h");
    CHECK(t, m->contacts.n == 1 && m->contacts.v[0].star);
    CHECK_EQ_INT(t, m->supported.n, 2);
    CHECK_STR(t, m->body, "hi");
    CHECK_STR(t, m->call_id, "abc@h");
    CHECK_EQ_INT(t, rg_sip_hdr_lookup(RG_STR_LIT("O")), RG_SIP_H_EVENT);
    CHECK_STR(t, rg_str_from_cstr(rg_sip_hdr_name(RG_SIP_H_CALL_ID)), "Call-ID");
    CHECK_EQ_INT(t, rg_sip_hdr_lookup(RG_STR_LIT("record-route")), RG_SIP_H_RECORD_ROUTE);
    CHECK_EQ_INT(t, rg_sip_hdr_lookup(RG_STR_LIT("X-Foo")), RG_SIP_H_OTHER);
    rg_arena_deinit(&a);

    /* Bad values of single headers, each with its own reason. */
    struct {
        const char *hdr;
        enum rg_sip_reason r;
    } bad[] = {
        {"Max-Forwards: 256\r\n", RG_SIP_R_MAX_FORWARDS},
        {"Max-Forwards: -1\r\n", RG_SIP_R_MAX_FORWARDS},
        {"Route: sip:r@example.com\r\n", RG_SIP_R_ROUTE},
        {"Record-Route: <sip:r@example.com>,\r\n", RG_SIP_R_RECORD_ROUTE},
        {"Contact: <sip:c@example.com\r\n", RG_SIP_R_CONTACT},
        {"Content-Type: text\r\n", RG_SIP_R_CONTENT_TYPE},
        {"Require: a,,b\r\n", RG_SIP_R_OPTION_TAGS},
        {"Call-ID: a b\r\n", RG_SIP_R_CALL_ID},
        {"From: <sip:x@example.com>\r\n", RG_SIP_R_DUP_FROM},
        {"Via: SIP/2.0/UDP h;rport=0\r\n", RG_SIP_R_VIA},
        {"Bad Header: x\r\n", RG_SIP_R_HEADER_SYNTAX},
        {" folded-first: x\r\n", RG_SIP_R_NONE},
        {"X: a\rb\r\n", RG_SIP_R_HEADER_SYNTAX},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char msg[512];
        snprintf(msg, sizeof(msg), "OPTIONS sip:b@example.com SIP/2.0\r\n" MIN_HDRS "%s\r\n",
                 bad[i].hdr);
        int rc = parse_str(msg, NULL, &e);
        if (bad[i].r == RG_SIP_R_NONE) { /* a fold continues the previous header */
            CHECK_EQ_INT(t, rc, RG_EBADMSG);
            continue;
        }
        if (rc != RG_EBADMSG || e.reason != bad[i].r) {
            fprintf(stderr, "    case %zu: rc %d reason %d want %d\n", i, rc, e.reason, bad[i].r);
            t->failures++;
        }
    }
}

/* IPv6 forms in the style of RFC 5118 §4 (SIP torture tests for IPv6):
 * references with and without port, both received= forms, and the
 * unbracketed Request-URI that must be refused. */
static void ipv6_forms(struct rg_t *t)
{
    struct rg_sip_error e = {0};
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 20);
    struct rg_sip_msg *m;
    const char *ok =
        "REGISTER sip:[2001:db8::10]:5070 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3\r\n"
        "Via: SIP/2.0/UDP [2001:db8::9:2]:5061;received=2001:db8::9:256;branch=z9hG4bKas4\r\n"
        "To: <sip:user@[2001:db8::10]>\r\nFrom: <sip:user@[2001:db8::10]>;tag=1\r\n"
        "Call-ID: v6@[2001:db8::9:1]\r\nCSeq: 1 REGISTER\r\n"
        "Contact: \"Caller\" <sip:caller@[2001:db8::1]:5060;transport=udp>\r\n"
        "Content-Length: 0\r\n\r\n";
    REQUIRE(t, rg_sip_parse(ok, strlen(ok), NULL, &a, &m, &e) == RG_OK);
    CHECK_STR(t, m->ruri.host, "[2001:db8::10]");
    CHECK_EQ_INT(t, m->ruri.port, 5070);
    CHECK(t, m->ruri.host_ipv6);
    CHECK_STR(t, m->vias[0].host, "[2001:db8::9:1]");
    CHECK_STR(t, m->vias[0].received, "[2001:db8::9:255]");
    CHECK_EQ_INT(t, m->vias[1].port, 5061);
    CHECK_STR(t, m->vias[1].received, "2001:db8::9:256");
    CHECK_STR(t, m->contacts.v[0].uri.host, "[2001:db8::1]");
    CHECK_EQ_INT(t, m->contacts.v[0].uri.port, 5060);
    CHECK_STR(t, m->call_id, "v6@[2001:db8::9:1]");
    rg_arena_deinit(&a);
    /* RFC 5118 §4.4: an IPv6 address must be in brackets in a SIP URI. */
    const char *bad = "OPTIONS sip:user@2001:db8::10 SIP/2.0\r\n" MIN_HDRS "\r\n";
    CHECK_EQ_INT(t, parse_str(bad, NULL, &e), RG_EBADMSG);
    CHECK_EQ_INT(t, e.reason, RG_SIP_R_REQUEST_URI);
    const char *badvia = "OPTIONS sip:user@h SIP/2.0\r\n" MIN_HDRS
                         "Via: SIP/2.0/UDP [2001:db8::9:1;branch=z9hG4bK1\r\n\r\n";
    CHECK_EQ_INT(t, parse_str(badvia, NULL, &e), RG_EBADMSG);
    CHECK_EQ_INT(t, e.reason, RG_SIP_R_VIA);
}

static const struct rg_test_case cases[] = {
    {"rfc4475_invalid", rfc4475_invalid},
    {"phrases", phrases},
    {"rfc4475_wsinv", rfc4475_wsinv},
    {"rfc4475_intmeth", rfc4475_intmeth},
    {"rfc4475_escapes", rfc4475_escapes},
    {"rfc4475_esc02", rfc4475_esc02},
    {"rfc4475_small_valid", rfc4475_small_valid},
    {"rfc4475_longreq", rfc4475_longreq},
    {"rfc4475_checks", rfc4475_checks},
    {"rfc4475_semantics", rfc4475_semantics},
    {"chrome_invite", chrome_invite},
    {"oom_stepping", oom_stepping},
    {"limits", limits},
    {"header_forms", header_forms},
    {"ipv6_forms", ipv6_forms},
};

RG_TEST_MAIN(cases)
