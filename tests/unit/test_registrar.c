/* Unit tests for src/b2bua/registrar.c and digest.c: RFC 3261 §10.3
 * location service, RFC 5626 outbound bindings as JsSIP and SIP.js send
 * them, expiry on simulated time, digest authentication (RFC 7616 §3.9.1
 * vectors, RFC 8760 challenges, stale nonces), OOM stepping. */
#include "harness.h"

#include <stdarg.h>

#include "b2bua/digest.h"
#include "b2bua/registrar.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/rng.h"

#define SEC 1000000LL

/* ---- helpers ---- */

struct fx {
    struct rg_rng_seeded st;
    struct rg_rng rng;
    struct rg_reg *reg;
    struct rg_arena arena;
    char text[8192];
    struct rg_reg_reply rep;
    struct rg_addr src;
};

static int fx_init(struct fx *f, const struct rg_reg_cfg *cfg)
{
    memset(f, 0, sizeof(*f));
    rg_rng_seeded_init(&f->st, 42, &f->rng);
    rg_arena_init(&f->arena, 4096, 1 << 20);
    f->src.family = RG_AF_INET4;
    f->src.ip[0] = 127;
    f->src.ip[3] = 1;
    f->src.port = 40000;
    return rg_reg_new(cfg, &f->rng, &f->reg);
}

static void fx_deinit(struct fx *f)
{
    rg_reg_free(f->reg);
    rg_arena_deinit(&f->arena);
}

/* Parses text (LF line ends become CRLF) and hands it to the registrar.
 * Returns the status, or a negative error when parsing failed. */
static int fx_send(struct fx *f, int64_t now_us, uint64_t conn, const char *fmt, ...)
{
    char raw[sizeof(f->text) / 2];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(raw))
        return RG_ELIMIT;
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        if (raw[i] == '\n')
            f->text[o++] = '\r';
        f->text[o++] = raw[i];
    }
    rg_arena_reset(&f->arena);
    struct rg_sip_msg *m = NULL;
    struct rg_sip_error err;
    int rc = rg_sip_parse(f->text, o, NULL, &f->arena, &m, &err);
    if (rc != RG_OK)
        return rc;
    rc = rg_reg_handle_register(f->reg, now_us, m, conn, 0, &f->src, &f->rep);
    return rc == RG_OK ? f->rep.status : rc;
}

static bool hdrs_have(const struct fx *f, const char *needle)
{
    return rg_str_find(f->rep.hdrs, rg_str_from_cstr(needle)) >= 0;
}

static size_t count_of(const struct fx *f, const char *needle)
{
    size_t n = 0;
    struct rg_str s = f->rep.hdrs;
    long at;
    while ((at = rg_str_find(s, rg_str_from_cstr(needle))) >= 0) {
        n++;
        s = rg_str_from(s, (size_t)at + 1);
    }
    return n;
}

/* A REGISTER as JsSIP 3.13 sends it over WebSocket (Registrator.js: the
 * Contact carries +sip.ice, reg-id=1 and a quoted +sip.instance, then
 * expires; Supported lists path, gruu and outbound). */
static const char jssip_fmt[] =
    "REGISTER sip:127.0.0.1 SIP/2.0\n"
    "Via: SIP/2.0/WS 3q9e4mrbl2m6.invalid;branch=z9hG4bK%u\n"
    "Max-Forwards: 69\n"
    "To: <sip:%s@127.0.0.1>\n"
    "From: <sip:%s@127.0.0.1>;tag=7l9kq36pt1\n"
    "Call-ID: %s\n"
    "CSeq: %u REGISTER\n"
    "%s"
    "Contact: <sip:ph0nb3ck@3q9e4mrbl2m6.invalid;transport=ws>;+sip.ice;reg-id=1;"
    "+sip.instance=\"<urn:uuid:2e6a1a4b-4bf8-4c5f-8a53-5e4c2f0c4ad9>\";expires=%u\n"
    "Expires: %u\n"
    "Allow: INVITE,ACK,CANCEL,BYE,UPDATE,MESSAGE,OPTIONS,REFER,INFO,NOTIFY\n"
    "Supported: path,gruu,outbound\n"
    "User-Agent: JsSIP 3.13.8\n"
    "Content-Length: 0\n\n";

static int jssip(struct fx *f, int64_t now, uint64_t conn, const char *user, const char *callid,
                 unsigned cseq, unsigned expires, const char *auth)
{
    return fx_send(f, now, conn, jssip_fmt, cseq * 7919u, user, user, callid, cseq, auth,
                   expires, expires);
}

/* A REGISTER as SIP.js 0.21 sends it (Registerer.generateContactHeader:
 * no reg-id unless configured, expires as a Contact parameter only). */
static const char sipjs_fmt[] =
    "REGISTER sip:127.0.0.1 SIP/2.0\n"
    "Via: SIP/2.0/WS 7bcg6ap1fu1s.invalid;branch=z9hG4bK%u\n"
    "To: <sip:%s@127.0.0.1>\n"
    "From: <sip:%s@127.0.0.1>;tag=ff0l2e6ajn\n"
    "CSeq: %u REGISTER\n"
    "Call-ID: a7k8gm1akd0v4p5gb9lvg8\n"
    "Max-Forwards: 70\n"
    "Contact: <sip:2l4a8ohc@7bcg6ap1fu1s.invalid;transport=ws>;expires=%u\n"
    "Allow: ACK,CANCEL,INVITE,MESSAGE,BYE,OPTIONS,INFO,NOTIFY,REFER,SUBSCRIBE\n"
    "Supported: path, gruu, outbound\n"
    "User-Agent: SIP.js/0.21.2\n"
    "Content-Length: 0\n\n";

static size_t lookup(const struct fx *f, int64_t now, const char *user, const char *host,
                     struct rg_reg_binding *out, size_t max)
{
    return rg_reg_lookup(f->reg, now, rg_str_from_cstr(user), rg_str_from_cstr(host), out, max);
}

/* ---- RFC 7616 §3.9.1 vectors ---- */

static bool vec_get(const char *file, const char *key, char *out, size_t out_size)
{
    FILE *fp = fopen(file, "r");
    if (!fp)
        return false;
    char line[1024];
    bool found = false;
    size_t klen = strlen(key);
    while (!found && fgets(line, sizeof(line), fp)) {
        if (strncmp(line, key, klen) != 0 || line[klen] != ':')
            continue;
        struct rg_str v = rg_str_trim(rg_str_from_cstr(line + klen + 1));
        while (v.len && (v.p[v.len - 1] == '\n' || v.p[v.len - 1] == '\r'))
            v.len--;
        found = rg_str_copy_cstr(v, out, out_size) == RG_OK;
    }
    fclose(fp);
    return found;
}

static void check_vector(struct rg_t *t, const char *file, enum rg_digest_alg alg)
{
    char v[12][1024];
    static const char *keys[] = { "method", "uri",    "username", "password",
                                  "realm",  "nonce",  "nc",       "cnonce",
                                  "qop",    "opaque", "response", "authorization" };
    for (int i = 0; i < 12; i++)
        REQUIRE(t, vec_get(file, keys[i], v[i], sizeof(v[i])));
    struct rg_digest_creds cr;
    REQUIRE(t, rg_digest_parse(rg_str_from_cstr(v[11]), &cr) == RG_OK);
    CHECK(t, cr.alg == alg && !cr.sess && !cr.userhash);
    CHECK(t, strcmp(cr.username, v[2]) == 0 && strcmp(cr.realm, v[4]) == 0);
    CHECK(t, strcmp(cr.uri, v[1]) == 0 && strcmp(cr.nonce, v[5]) == 0);
    CHECK(t, strcmp(cr.nc, v[6]) == 0 && strcmp(cr.cnonce, v[7]) == 0);
    CHECK(t, strcmp(cr.qop, v[8]) == 0 && strcmp(cr.opaque, v[9]) == 0);
    CHECK(t, strcmp(cr.response, v[10]) == 0);
    char hex[RG_DIGEST_HEX_MAX];
    struct rg_digest_input in = { .alg = alg, .username = v[2], .realm = v[4], .password = v[3],
                                  .method = v[0], .uri = v[1], .nonce = v[5], .nc = v[6],
                                  .cnonce = v[7], .qop = v[8] };
    REQUIRE(t, rg_digest_response(&in, hex) == RG_OK);
    CHECK(t, strcmp(hex, v[10]) == 0);
    CHECK(t, rg_digest_hex_equal(hex, cr.response));
    in.password = "Circle of life"; /* one letter off */
    REQUIRE(t, rg_digest_response(&in, hex) == RG_OK);
    CHECK(t, !rg_digest_hex_equal(hex, cr.response));
}

static void digest_rfc7616_vectors(struct rg_t *t)
{
    check_vector(t, "tests/vectors/rfc7616/3.9.1-md5.txt", RG_DIGEST_MD5);
    check_vector(t, "tests/vectors/rfc7616/3.9.1-sha256.txt", RG_DIGEST_SHA256);
}

static void digest_parse_edges(struct rg_t *t)
{
    struct rg_digest_creds cr;
    const char *ok = "digest username=\"a\\\"b\",realm=r,nonce=\"n\" , uri=\"sip:x\","
                     "response=\"00\",algorithm=sha-512-256-SESS,userhash=true";
    REQUIRE(t, rg_digest_parse(rg_str_from_cstr(ok), &cr) == RG_OK);
    CHECK(t, strcmp(cr.username, "a\"b") == 0 && strcmp(cr.realm, "r") == 0);
    CHECK(t, cr.alg == RG_DIGEST_SHA512_256 && cr.sess && cr.userhash);
    CHECK_EQ_INT(t, rg_digest_parse(RG_STR_LIT("Basic QWxhZGRpbjpvcGVu"), &cr), RG_EUNSUPP);
    CHECK_EQ_INT(t, rg_digest_parse(RG_STR_LIT("Digest username=\"a\", realm=\"r\", nonce=\"n\", "
                                               "uri=\"u\", response=\"1\", algorithm=SHA-1"),
                                    &cr),
                 RG_EUNSUPP);
    /* missing response, duplicate realm, unterminated quote, empty token */
    CHECK_EQ_INT(t, rg_digest_parse(RG_STR_LIT("Digest username=a, realm=r, nonce=n, uri=u"), &cr),
                 RG_EBADMSG);
    CHECK_EQ_INT(t, rg_digest_parse(RG_STR_LIT("Digest username=a, realm=r, realm=r, nonce=n, "
                                               "uri=u, response=1"),
                                    &cr),
                 RG_EBADMSG);
    CHECK_EQ_INT(t, rg_digest_parse(RG_STR_LIT("Digest username=\"a"), &cr), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_digest_parse(RG_STR_LIT("Digest username=, realm=r"), &cr), RG_EBADMSG);
    CHECK_EQ_INT(t, rg_digest_parse(RG_STR_LIT("Digest username=a b"), &cr), RG_EBADMSG);
    char longv[600];
    memset(longv, 'x', sizeof(longv));
    char hdr[800];
    snprintf(hdr, sizeof(hdr), "Digest realm=\"%.*s\"", (int)sizeof(longv), longv);
    CHECK_EQ_INT(t, rg_digest_parse(rg_str_from_cstr(hdr), &cr), RG_EBADMSG);
    CHECK(t, !rg_digest_hex_equal("abcd", "abc"));
    CHECK(t, rg_digest_hex_equal("ABCD", "abcd"));
}

#include "test_registrar.inc"

static const struct rg_test_case cases[] = {
    { "digest_rfc7616_vectors", digest_rfc7616_vectors },
    { "digest_parse_edges", digest_parse_edges },
    { "jssip_outbound_binding", jssip_outbound_binding },
    { "sipjs_contact_binding", sipjs_contact_binding },
    { "expiry_simulated_time", expiry_simulated_time },
    { "expires_bounds", expires_bounds },
    { "star_unregisters_all", star_unregisters_all },
    { "table_bounds", table_bounds },
    { "aor_matching_and_bad_requests", aor_matching_and_bad_requests },
    { "digest_challenge_and_answer", digest_challenge_and_answer },
    { "digest_stale_nonce", digest_stale_nonce },
    { "digest_userhash", digest_userhash },
    { "config_checks", config_checks },
    { "reconfigure_keeps_bindings", reconfigure_keeps_bindings },
    { "reconfigure_oom", reconfigure_oom },
    { "oom_stepping", oom_stepping },
};

RG_TEST_MAIN(cases)
