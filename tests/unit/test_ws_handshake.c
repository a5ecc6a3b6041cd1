/* Unit tests for src/proto/ws/ws_handshake.c: the RFC 6455 §1.3 example,
 * RFC 7118 "sip" selection, rejections (400/403/426), HTTP syntax errors,
 * limits, the client side, and OOM stepping.  Heads are parsed whole and
 * at every prefix (what one byte at a time delivers). */
#include "harness.h"

#include "core/rng.h"
#include "proto/ws/ws_handshake.h"

#define SIP_REQ                                                                                    \
    "GET / HTTP/1.1\r\n"                                                                           \
    "Host: sip-ws.example.com\r\n"                                                                 \
    "Upgrade: websocket\r\n"                                                                       \
    "Connection: Upgrade\r\n"                                                                      \
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"                                              \
    "Origin: http://www.example.com\r\n"                                                           \
    "Sec-WebSocket-Protocol: sip\r\n"                                                              \
    "Sec-WebSocket-Version: 13\r\n"                                                                \
    "\r\n"

/* Parses text at every prefix: all must say EAGAIN but the whole one. */
static int parse_prefixes(struct rg_t *t, bool request, const char *text, size_t len,
                          struct rg_ws_http_head *h)
{
    for (size_t i = 0; i < len; i++) {
        int rc =
            request ? rg_ws_http_parse_request(text, i, h) : rg_ws_http_parse_response(text, i, h);
        if (rc != RG_EAGAIN) {
            fprintf(stderr, "    prefix %zu gave %d\n", i, rc);
            t->failures++;
            return rc;
        }
    }
    return request ? rg_ws_http_parse_request(text, len, h)
                   : rg_ws_http_parse_response(text, len, h);
}

static void accept_key(struct rg_t *t)
{
    char out[RG_WS_ACCEPT_LEN + 1];
    CHECK_OK(t, rg_ws_accept_key(RG_STR_LIT("dGhlIHNhbXBsZSBub25jZQ=="), out));
    CHECK(t, strcmp(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0);
}

static void rfc6455_example(struct rg_t *t)
{
    size_t len;
    char *req = rg_t_read_file("tests/vectors/rfc6455/s1.3-client-handshake.http", &len);
    REQUIRE(t, req != NULL);
    struct rg_ws_http_head h;
    CHECK_EQ_INT(t, parse_prefixes(t, true, req, len, &h), (int)len);
    CHECK_STR(t, h.method, "GET");
    CHECK_STR(t, h.target, "/chat");
    CHECK_EQ_INT(t, h.version_minor, 1);
    CHECK_EQ_INT(t, h.n_fields, 7);
    CHECK(t, rg_ws_http_is_upgrade(&h));
    CHECK(t, rg_ws_http_has_token(&h, "sec-websocket-protocol", "superchat"));
    struct rg_buf out;
    rg_buf_init(&out, 4096);
    struct rg_ws_server_cfg cfg = {.require_sip = false};
    struct rg_ws_server_result r;
    CHECK_OK(t, rg_ws_server_respond(&h, &cfg, &out, &r));
    CHECK_EQ_INT(t, r.status, 101);
    CHECK(t, !r.sip);
    CHECK_STR(t, r.origin, "http://example.com");
    CHECK_STR(t, rg_buf_str(&out),
              "HTTP/1.1 101 Switching Protocols\r\n"
              "Upgrade: websocket\r\n"
              "Connection: Upgrade\r\n"
              "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
              "\r\n");
    /* The same client offering only chat/superchat to a sip-only server. */
    rg_buf_reset(&out);
    cfg.require_sip = true;
    CHECK_OK(t, rg_ws_server_respond(&h, &cfg, &out, &r));
    CHECK_EQ_INT(t, r.status, 400);
    CHECK(t, rg_str_has_prefix(rg_buf_str(&out), "HTTP/1.1 400 Bad Request\r\n"));
    rg_buf_deinit(&out);
    rg_free(req);

    char *resp = rg_t_read_file("tests/vectors/rfc6455/s1.3-server-handshake.http", &len);
    REQUIRE(t, resp != NULL);
    CHECK_EQ_INT(t, parse_prefixes(t, false, resp, len, &h), (int)len);
    CHECK_EQ_INT(t, h.status, 101);
    CHECK_STR(t, h.reason, "Switching Protocols");
    bool sip = true;
    /* Accept matches, but "chat" was never offered by our client. */
    CHECK_EQ_INT(t, rg_ws_client_verify(&h, "dGhlIHNhbXBsZSBub25jZQ==", &sip), RG_EPROTO);
    rg_free(resp);
}

static void sip_subprotocol(struct rg_t *t)
{
    struct rg_ws_http_head h;
    CHECK_EQ_INT(t, parse_prefixes(t, true, SIP_REQ, strlen(SIP_REQ), &h), (int)strlen(SIP_REQ));
    struct rg_buf out;
    rg_buf_init(&out, 4096);
    struct rg_ws_server_cfg cfg = {.require_sip = true};
    struct rg_ws_server_result r;
    CHECK_OK(t, rg_ws_server_respond(&h, &cfg, &out, &r));
    CHECK_EQ_INT(t, r.status, 101);
    CHECK(t, r.sip);
    const char *want = "HTTP/1.1 101 Switching Protocols\r\n"
                       "Upgrade: websocket\r\n"
                       "Connection: Upgrade\r\n"
                       "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                       "Sec-WebSocket-Protocol: sip\r\n"
                       "\r\n";
    CHECK_STR(t, rg_buf_str(&out), want);
    /* A client receiving that answer accepts it and learns "sip". */
    struct rg_ws_http_head resp;
    CHECK_EQ_INT(t, parse_prefixes(t, false, want, strlen(want), &resp), (int)strlen(want));
    bool sip = false;
    CHECK_OK(t, rg_ws_client_verify(&resp, "dGhlIHNhbXBsZSBub25jZQ==", &sip));
    CHECK(t, sip);
    CHECK_EQ_INT(t, rg_ws_client_verify(&resp, "AAAAAAAAAAAAAAAAAAAAAA==", &sip), RG_EPROTO);
    rg_buf_deinit(&out);
}

struct reject_case {
    const char *from, *to; /* textual edit of SIP_REQ */
    unsigned status;
};

static bool refuse_evil(void *ud, struct rg_str origin, struct rg_str host)
{
    int *calls = ud;
    (*calls)++;
    return !rg_str_eq_cstr(origin, "http://evil.example") &&
           rg_str_eq_cstr(host, "sip-ws.example.com");
}

static void edit(char *dst, size_t cap, const char *from, const char *to)
{
    const char *at = strstr(SIP_REQ, from);
    size_t pre = at ? (size_t)(at - SIP_REQ) : strlen(SIP_REQ);
    snprintf(dst, cap, "%.*s%s%s", (int)pre, SIP_REQ, at ? to : "", at ? at + strlen(from) : "");
}

static void rejections(struct rg_t *t)
{
    static const struct reject_case cases[] = {
        {"Version: 13", "Version: 8", 426},
        {"Sec-WebSocket-Version: 13\r\n", "", 426},
        {"Key: dGhlIHNhbXBsZSBub25jZQ==", "Key: dGhlIHNhbXBsZSBub25jZQ", 400},
        {"Key: dGhlIHNhbXBsZSBub25jZQ==", "Key: dGhlIHNhbXBsZSBub25jZT==", 400},
        {"Key: dGhlIHNhbXBsZSBub25jZQ==", "Key: dGhlIHNhbXBsZSBub25j", 400},
        {"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "", 400},
        {"GET /", "POST /", 400},
        {"HTTP/1.1\r\nHost", "HTTP/1.0\r\nHost", 400},
        {"Host: sip-ws.example.com\r\n", "", 400},
        {"Host: sip-ws.example.com\r\n", "Host: a\r\nHost: b\r\n", 400},
        {"Upgrade: websocket", "Upgrade: h2c", 400},
        {"Connection: Upgrade", "Connection: keep-alive", 400},
        {"Origin: http://www.example.com", "Origin: http://evil.example", 403},
        {"Origin: http://www.example.com\r\n", "Origin: a\r\nOrigin: b\r\n", 400},
        {"Protocol: sip", "Protocol: SIP", 400},
        {"Protocol: sip", "Protocol: sips", 400},
        {"Sec-WebSocket-Protocol: sip\r\n", "", 400},
        /* Accepted variants: token lists, case, repeated list fields. */
        {"Connection: Upgrade", "Connection: keep-alive, Upgrade", 101},
        {"Upgrade: websocket", "Upgrade: WebSocket", 101},
        {"Protocol: sip", "Protocol: foo, sip\r\nSec-WebSocket-Protocol: bar", 101},
        {"Protocol: sip", "Protocol: foo\r\nSec-WebSocket-Protocol: sip , bar", 101},
        {"Origin: http://www.example.com\r\n", "", 101},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char req[1024];
        edit(req, sizeof(req), cases[i].from, cases[i].to);
        struct rg_ws_http_head h;
        int n = rg_ws_http_parse_request(req, strlen(req), &h);
        CHECK_EQ_INT(t, n, (int)strlen(req));
        struct rg_buf out;
        rg_buf_init(&out, 4096);
        int calls = 0;
        struct rg_ws_server_cfg cfg = {
            .require_sip = true, .origin_check = refuse_evil, .origin_ud = &calls};
        struct rg_ws_server_result r = {0};
        CHECK_OK(t, rg_ws_server_respond(&h, &cfg, &out, &r));
        if (r.status != cases[i].status) {
            fprintf(stderr, "    case %zu: status %u (%s)\n", i, r.status, r.why);
            t->failures++;
        }
        char line[40];
        snprintf(line, sizeof(line), "HTTP/1.1 %u ", cases[i].status);
        CHECK(t, rg_str_has_prefix(rg_buf_str(&out), line));
        bool has_version = strstr(out.data, "\r\nSec-WebSocket-Version: 13\r\n") != NULL;
        CHECK(t, has_version == (cases[i].status == 426));
        if (cases[i].status == 403)
            CHECK_EQ_INT(t, calls, 1);
        rg_buf_deinit(&out);
    }
}

static void http_syntax(struct rg_t *t)
{
    static const struct {
        const char *text;
        int rc;
    } cases[] = {
        {"GET / HTTP/1.1\nHost: a\r\n\r\n", RG_EBADMSG},         /* bare LF */
        {"GET / HTTP/1.1\r\nHost: a\r\n x\r\n\r\n", RG_EBADMSG}, /* obs-fold */
        {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", RG_EBADMSG},      /* space before colon */
        {"GET / HTTP/2.0\r\n\r\n", RG_EBADMSG},
        {"GET /  HTTP/1.1\r\n\r\n", RG_EBADMSG},
        {"GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", RG_EBADMSG},
        {"GET / HTTP/1.1\r\nHo\"st: a\r\n\r\n", RG_EBADMSG},
        {"GET / HTTP/1.1\r\n: a\r\n\r\n", RG_EBADMSG},
        {"GET / HTTP/1.1\rHost: a\r\n\r\n", RG_EBADMSG}, /* CR without LF */
        {"\x16\x03\x01\x02\x00", RG_EBADMSG},            /* TLS ClientHello */
        {"\r\nGET / HTTP/1.1\r\n\r\n", RG_EBADMSG},
        {"GET /a\xc3\xa9 HTTP/1.1\r\n\r\n", RG_EBADMSG}, /* raw UTF-8 target */
        {"GET / HTTP/1.1\r\nX: caf\xc3\xa9\r\n\r\n", 0}, /* obs-text value */
        {"GET /index.html?x=1 HTTP/1.0\r\n\r\n", 0},
        {"GET / HTTP/1.1\r\nHost:a\r\nX:\r\n\r\n", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rg_ws_http_head h;
        const char *s = cases[i].text;
        int rc = rg_ws_http_parse_request(s, strlen(s), &h);
        int want = cases[i].rc ? cases[i].rc : (int)strlen(s);
        if (rc != want) {
            fprintf(stderr, "    case %zu: got %d want %d\n", i, rc, want);
            t->failures++;
        }
    }
    static const char *const bad_status[] = {"HTTP/1.1 10 OK\r\n\r\n", "HTTP/1.1 099 X\r\n\r\n",
                                             "HTTP/1.1 101Switching\r\n\r\n",
                                             "HTTP/1.1  101 X\r\n\r\n", "ICY 200 OK\r\n\r\n"};
    for (size_t i = 0; i < 5; i++) {
        struct rg_ws_http_head h;
        CHECK_EQ_INT(t, rg_ws_http_parse_response(bad_status[i], strlen(bad_status[i]), &h),
                     RG_EBADMSG);
    }
    struct rg_ws_http_head h;
    CHECK_EQ_INT(t, rg_ws_http_parse_response("HTTP/1.1 101\r\n\r\n", 16, &h), 16);
    CHECK_EQ_INT(t, h.status, 101);
}

static void limits_and_plain_get(struct rg_t *t)
{
    static char big[RG_WS_HTTP_MAX_HEAD + 64];
    struct rg_ws_http_head h;
    size_t n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\n");
    for (int i = 0; i < RG_WS_HTTP_MAX_HEADERS; i++)
        n += (size_t)snprintf(big + n, sizeof(big) - n, "X-%d: v\r\n", i);
    memcpy(big + n, "\r\n", 3);
    CHECK_EQ_INT(t, rg_ws_http_parse_request(big, n + 2, &h), (int)n + 2);
    memcpy(big + n, "Y: 1\r\n\r\n", 9);
    CHECK_EQ_INT(t, rg_ws_http_parse_request(big, n + 8, &h), RG_ELIMIT);
    /* One long field: the head can never fit. */
    n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX: ");
    memset(big + n, 'a', sizeof(big) - n);
    CHECK_EQ_INT(t, rg_ws_http_parse_request(big, RG_WS_HTTP_MAX_HEAD - 1, &h), RG_EAGAIN);
    CHECK_EQ_INT(t, rg_ws_http_parse_request(big, RG_WS_HTTP_MAX_HEAD, &h), RG_ELIMIT);
    CHECK_EQ_INT(t, rg_ws_http_parse_request(big, sizeof(big), &h), RG_ELIMIT);
    /* The demo page request: not an upgrade; method and path exposed. */
    const char *get = "GET /phone.html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
                      "Connection: keep-alive\r\n\r\nextra";
    CHECK_EQ_INT(t, parse_prefixes(t, true, get, strlen(get) - 5, &h), (int)strlen(get) - 5);
    CHECK_EQ_INT(t, rg_ws_http_parse_request(get, strlen(get), &h), (int)strlen(get) - 5);
    CHECK(t, !rg_ws_http_is_upgrade(&h));
    CHECK_STR(t, h.method, "GET");
    CHECK_STR(t, h.target, "/phone.html");
    struct rg_str v;
    CHECK_OK(t, rg_ws_http_field(&h, "host", &v));
    CHECK_STR(t, v, "127.0.0.1:8080");
    CHECK_EQ_INT(t, rg_ws_http_field(&h, "Upgrade", &v), RG_ENOTFOUND);
}

static void client_round_trip(struct rg_t *t)
{
    struct rg_rng_seeded st;
    struct rg_rng rng;
    rg_rng_seeded_init(&st, 7, &rng);
    struct rg_buf req, resp;
    rg_buf_init(&req, 2048);
    rg_buf_init(&resp, 2048);
    char key[RG_WS_KEY_LEN + 1], key2[RG_WS_KEY_LEN + 1];
    CHECK_OK(t, rg_ws_client_request(&req, RG_STR_LIT("127.0.0.1:8080"), RG_STR_LIT("/ws"),
                                     RG_STR_LIT("http://127.0.0.1:8080"), &rng, key));
    CHECK_EQ_INT(t, strlen(key), RG_WS_KEY_LEN);
    struct rg_ws_http_head h;
    CHECK_EQ_INT(t, parse_prefixes(t, true, req.data, req.len, &h), (int)req.len);
    CHECK_STR(t, h.target, "/ws");
    struct rg_ws_server_cfg cfg = {.require_sip = true};
    struct rg_ws_server_result r;
    CHECK_OK(t, rg_ws_server_respond(&h, &cfg, &resp, &r));
    CHECK_EQ_INT(t, r.status, 101);
    CHECK_STR(t, r.origin, "http://127.0.0.1:8080");
    CHECK_EQ_INT(t, parse_prefixes(t, false, resp.data, resp.len, &h), (int)resp.len);
    bool sip = false;
    CHECK_OK(t, rg_ws_client_verify(&h, key, &sip));
    CHECK(t, sip);
    /* Keys differ per request. */
    rg_buf_reset(&req);
    CHECK_OK(t,
             rg_ws_client_request(&req, RG_STR_LIT("h"), RG_STR_LIT("/"), RG_STR_NULL, &rng, key2));
    CHECK(t, strcmp(key, key2) != 0);
    CHECK(t, strstr(req.data, "Origin") == NULL);
    size_t before = req.len;
    CHECK_EQ_INT(
        t, rg_ws_client_request(&req, RG_STR_LIT("h"), RG_STR_LIT("/a b"), RG_STR_NULL, &rng, key2),
        RG_EINVAL);
    CHECK_EQ_INT(t,
                 rg_ws_client_request(&req, RG_STR_LIT("h\r\nX: y"), RG_STR_LIT("/"), RG_STR_NULL,
                                      &rng, key2),
                 RG_EINVAL);
    CHECK_EQ_INT(t, req.len, before);
    /* Bad answers from a server. */
    static const char *const bad[] = {
        "HTTP/1.1 200 OK\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
        "HTTP/1.1 101 X\r\nConnection: upgrade\r\nSec-WebSocket-Accept: @\r\n\r\n",
        "HTTP/1.1 101 X\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
        "Sec-WebSocket-Accept: @\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
        "HTTP/1.1 101 X\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
        "Sec-WebSocket-Accept: @\r\nSec-WebSocket-Accept: @\r\n\r\n",
    };
    char acc[RG_WS_ACCEPT_LEN + 1];
    CHECK_OK(t, rg_ws_accept_key(rg_str_from_cstr(key), acc));
    for (size_t i = 0; i < 4; i++) {
        char text[512];
        size_t o = 0;
        for (const char *c = bad[i]; *c && o + RG_WS_ACCEPT_LEN + 1 < sizeof(text); c++) {
            if (*c == '@') {
                memcpy(text + o, acc, RG_WS_ACCEPT_LEN);
                o += RG_WS_ACCEPT_LEN;
            } else {
                text[o++] = *c;
            }
        }
        text[o] = '\0';
        CHECK_EQ_INT(t, rg_ws_http_parse_response(text, strlen(text), &h), (int)strlen(text));
        CHECK_EQ_INT(t, rg_ws_client_verify(&h, key, &sip), RG_EPROTO);
    }
    rg_buf_deinit(&req);
    rg_buf_deinit(&resp);
}

/* OOM stepping over everything that allocates: the output buffers. */
static int handshake_work(void *arg)
{
    (void)arg;
    struct rg_ws_http_head h;
    if (rg_ws_http_parse_request(SIP_REQ, strlen(SIP_REQ), &h) < 0)
        return RG_EINVAL;
    struct rg_buf out;
    rg_buf_init(&out, 4096);
    struct rg_ws_server_cfg cfg = {.require_sip = true};
    struct rg_ws_server_result r;
    int rc = rg_ws_server_respond(&h, &cfg, &out, &r);
    if (rc == RG_OK && (r.status != 101 || out.len < 100))
        rc = RG_EINVAL;
    if (rc == RG_ENOMEM && out.len != 0)
        rc = RG_EINVAL; /* failure must leave the buffer as it was */
    struct rg_rng_seeded st;
    struct rg_rng rng;
    rg_rng_seeded_init(&st, 1, &rng);
    char key[RG_WS_KEY_LEN + 1];
    rg_buf_reset(&out);
    if (rc == RG_OK)
        rc = rg_ws_client_request(&out, RG_STR_LIT("example.com"), RG_STR_LIT("/"),
                                  RG_STR_LIT("https://example.com"), &rng, key);
    rg_buf_deinit(&out);
    return rc;
}

static void oom_handshake(struct rg_t *t)
{
    rg_t_oom_step(t, handshake_work, NULL, 50);
    /* Output bound: a response that cannot fit fails cleanly. */
    struct rg_ws_http_head h;
    REQUIRE(t, rg_ws_http_parse_request(SIP_REQ, strlen(SIP_REQ), &h) > 0);
    struct rg_buf out;
    rg_buf_init(&out, 64);
    struct rg_ws_server_cfg cfg = {.require_sip = true};
    struct rg_ws_server_result r = {.status = 7};
    CHECK_EQ_INT(t, rg_ws_server_respond(&h, &cfg, &out, &r), RG_ELIMIT);
    CHECK_EQ_INT(t, out.len, 0);
    CHECK_EQ_INT(t, r.status, 7);
    rg_buf_deinit(&out);
}

static const struct rg_test_case cases[] = {
    {"accept_key", accept_key},
    {"rfc6455_example", rfc6455_example},
    {"sip_subprotocol", sip_subprotocol},
    {"rejections", rejections},
    {"http_syntax", http_syntax},
    {"limits_and_plain_get", limits_and_plain_get},
    {"client_round_trip", client_round_trip},
    {"oom_handshake", oom_handshake},
};

RG_TEST_MAIN(cases)
