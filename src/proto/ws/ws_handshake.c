/*
 * ws_handshake.c — HTTP/1.1 head parsing (RFC 7230 §3) and the WebSocket
 * opening handshake (RFC 6455 §4, RFC 7118 §4.1).  See ws_handshake.h.
 */
#include "proto/ws/ws_handshake.h"

#include <string.h>

#include <openssl/evp.h>

#include "core/base64.h"

/* RFC 6455 §1.3 / §4.2.2: the GUID appended to the key before hashing. */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* Longest method and target we keep (the demo page and the ws endpoint use
 * short paths; anything longer is not for us). */
#define MAX_METHOD 16

/* RFC 7230 §3.2.6 tchar. */
static bool is_tchar(unsigned char c)
{
    return rg_is_alnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* VCHAR / obs-text, as allowed in field values (RFC 7230 §3.2). */
static bool is_field_char(unsigned char c)
{
    return (c >= 0x21 && c != 0x7f) || c == ' ' || c == '\t';
}

/*
 * Finds the CRLF ending the line that starts at pos, scanning buf[pos..lim).
 * Writes the index of its CR to *eol.  A bare LF, a CR not followed by LF or
 * a control character (but HTAB) is malformed; no CR yet means RG_EAGAIN.
 */
static int find_line(const char *buf, size_t pos, size_t lim, size_t *eol)
{
    for (size_t i = pos; i < lim; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\r') {
            if (i + 1 == lim)
                return RG_EAGAIN;
            if (buf[i + 1] != '\n')
                return RG_EBADMSG;
            *eol = i;
            return RG_OK;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return RG_EBADMSG;
    }
    return RG_EAGAIN;
}

/* Parses "HTTP/1.<digit>" at the start of s; returns the minor version. */
static int parse_version(struct rg_str s)
{
    if (s.len != 8 || !rg_str_has_prefix(s, "HTTP/1.") || !rg_is_digit((unsigned char)s.p[7]))
        return RG_EBADMSG;
    return s.p[7] - '0';
}

/* request-line = method SP request-target SP HTTP-version (RFC 7230 §3.1.1) */
static int parse_request_line(struct rg_str line, struct rg_ws_http_head *h)
{
    size_t i = 0;
    while (i < line.len && is_tchar((unsigned char)line.p[i]))
        i++;
    if (i == 0 || i > MAX_METHOD || i == line.len || line.p[i] != ' ')
        return RG_EBADMSG;
    h->method = rg_str_head(line, i);
    size_t t = ++i;
    while (i < line.len && (unsigned char)line.p[i] > 0x20 && (unsigned char)line.p[i] < 0x7f)
        i++;
    if (i == t || i == line.len || line.p[i] != ' ')
        return RG_EBADMSG;
    h->target = rg_str_make(line.p + t, i - t);
    int minor = parse_version(rg_str_from(line, i + 1));
    if (minor < 0)
        return minor;
    h->version_minor = (unsigned)minor;
    return RG_OK;
}

/* status-line = HTTP-version SP status-code SP reason-phrase (§3.1.2); a
 * missing reason (no second SP) is tolerated. */
static int parse_status_line(struct rg_str line, struct rg_ws_http_head *h)
{
    if (line.len < 12 || line.p[8] != ' ')
        return RG_EBADMSG;
    int minor = parse_version(rg_str_head(line, 8));
    if (minor < 0)
        return minor;
    uint32_t code;
    if (rg_str_to_u32(rg_str_make(line.p + 9, 3), 999, &code) != RG_OK || code < 100)
        return RG_EBADMSG;
    if (line.len > 12 && line.p[12] != ' ')
        return RG_EBADMSG;
    for (size_t i = 13; i < line.len; i++) {
        if (!is_field_char((unsigned char)line.p[i]))
            return RG_EBADMSG;
    }
    h->version_minor = (unsigned)minor;
    h->status = code;
    h->reason = rg_str_from(line, 13);
    return RG_OK;
}

/* header-field = field-name ":" OWS field-value OWS (§3.2); no whitespace
 * before the colon (§3.2.4), no obs-fold. */
static int parse_field(struct rg_str line, struct rg_ws_http_head *h)
{
    size_t i = 0;
    while (i < line.len && is_tchar((unsigned char)line.p[i]))
        i++;
    if (i == 0 || i == line.len || line.p[i] != ':')
        return RG_EBADMSG;
    for (size_t k = i + 1; k < line.len; k++) {
        if (!is_field_char((unsigned char)line.p[k]))
            return RG_EBADMSG;
    }
    if (h->n_fields == RG_WS_HTTP_MAX_HEADERS)
        return RG_ELIMIT;
    struct rg_ws_http_field *f = &h->fields[h->n_fields++];
    f->name = rg_str_head(line, i);
    f->value = rg_str_trim(rg_str_from(line, i + 1));
    return RG_OK;
}

static int parse_head(const char *buf, size_t len, bool request, struct rg_ws_http_head *out)
{
    struct rg_ws_http_head h;
    memset(&h, 0, sizeof(h));
    size_t lim = len < RG_WS_HTTP_MAX_HEAD ? len : RG_WS_HTTP_MAX_HEAD;
    size_t pos = 0;
    for (bool first = true;; first = false) {
        size_t eol = 0;
        int rc = find_line(buf, pos, lim, &eol);
        if (rc == RG_EAGAIN)
            return lim == RG_WS_HTTP_MAX_HEAD ? RG_ELIMIT : RG_EAGAIN;
        if (rc < 0)
            return rc;
        struct rg_str line = rg_str_make(buf + pos, eol - pos);
        pos = eol + 2;
        if (first)
            rc = request ? parse_request_line(line, &h) : parse_status_line(line, &h);
        else if (line.len == 0)
            break;
        else
            rc = parse_field(line, &h);
        if (rc < 0)
            return rc;
    }
    h.head_len = pos;
    *out = h;
    return (int)pos;
}

int rg_ws_http_parse_request(const char *buf, size_t len, struct rg_ws_http_head *out)
{
    return parse_head(buf, len, true, out);
}

int rg_ws_http_parse_response(const char *buf, size_t len, struct rg_ws_http_head *out)
{
    return parse_head(buf, len, false, out);
}

int rg_ws_http_field(const struct rg_ws_http_head *h, const char *name, struct rg_str *out)
{
    const struct rg_ws_http_field *found = NULL;
    for (size_t i = 0; i < h->n_fields; i++) {
        if (!rg_str_caseeq_cstr(h->fields[i].name, name))
            continue;
        if (found)
            return RG_EBADMSG;
        found = &h->fields[i];
    }
    if (!found)
        return RG_ENOTFOUND;
    *out = found->value;
    return RG_OK;
}

/* Walks the comma-separated lists of every field called name. */
static bool list_has(const struct rg_ws_http_head *h, const char *name, const char *token,
                     bool nocase)
{
    struct rg_str want = rg_str_from_cstr(token);
    for (size_t i = 0; i < h->n_fields; i++) {
        if (!rg_str_caseeq_cstr(h->fields[i].name, name))
            continue;
        struct rg_str rest = h->fields[i].value;
        while (rest.len > 0) {
            long comma = rg_str_find_char(rest, ',');
            size_t n = comma < 0 ? rest.len : (size_t)comma;
            struct rg_str item = rg_str_trim(rg_str_head(rest, n));
            if (nocase ? rg_str_caseeq(item, want) : rg_str_eq(item, want))
                return true;
            rest = rg_str_from(rest, n + (comma < 0 ? 0 : 1));
        }
    }
    return false;
}

bool rg_ws_http_has_token(const struct rg_ws_http_head *h, const char *name, const char *token)
{
    return list_has(h, name, token, true);
}

bool rg_ws_http_is_upgrade(const struct rg_ws_http_head *req)
{
    return rg_ws_http_has_token(req, "Upgrade", "websocket") &&
           rg_ws_http_has_token(req, "Connection", "upgrade");
}

int rg_ws_accept_key(struct rg_str key, char out[RG_WS_ACCEPT_LEN + 1])
{
    char in[64 + sizeof(ws_guid)];
    if (key.len > 64)
        return RG_ELIMIT;
    memcpy(in, key.p, key.len);
    memcpy(in + key.len, ws_guid, sizeof(ws_guid) - 1);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (EVP_Digest(in, key.len + sizeof(ws_guid) - 1, md, &md_len, EVP_sha1(), NULL) != 1 ||
        md_len != 20)
        return RG_ECRYPTO;
    char tmp[RG_WS_ACCEPT_LEN + 1];
    if (rg_base64_encode(md, 20, tmp, sizeof(tmp)) != RG_WS_ACCEPT_LEN)
        return RG_ECRYPTO;
    memcpy(out, tmp, sizeof(tmp));
    return RG_OK;
}

/* Sets the decision in *r and returns the status (RFC 6455 §4.2.1). */
static unsigned check_upgrade(const struct rg_ws_http_head *req, const struct rg_ws_server_cfg *cfg,
                              struct rg_ws_server_result *r)
{
    struct rg_str host, key, version, origin = RG_STR_NULL;
    uint8_t raw[16];
    r->why = "not a GET with HTTP/1.1 or later";
    if (!rg_str_eq_cstr(req->method, "GET") || req->version_minor < 1)
        return 400;
    r->why = "Host missing or repeated";
    if (rg_ws_http_field(req, "Host", &host) != RG_OK || host.len == 0)
        return 400;
    r->why = "no Upgrade: websocket / Connection: upgrade";
    if (!rg_ws_http_is_upgrade(req))
        return 400;
    /* §4.4: an unsupported version gets 426 and the versions we speak. */
    r->why = "Sec-WebSocket-Version is not 13";
    if (rg_ws_http_field(req, "Sec-WebSocket-Version", &version) != RG_OK ||
        !rg_str_eq_cstr(version, "13"))
        return 426;
    r->why = "Sec-WebSocket-Key is not base64 of 16 bytes";
    if (rg_ws_http_field(req, "Sec-WebSocket-Key", &key) != RG_OK || key.len != RG_WS_KEY_LEN ||
        rg_base64_decode(key, raw, sizeof(raw)) != 16)
        return 400;
    r->why = "Origin repeated";
    int rc = rg_ws_http_field(req, "Origin", &origin);
    if (rc == RG_EBADMSG)
        return 400;
    r->origin = rc == RG_OK ? origin : rg_str_make("", 0);
    r->why = "Origin refused";
    if (cfg->origin_check && !cfg->origin_check(cfg->origin_ud, r->origin, host))
        return 403;
    /* RFC 7118 §4.1: subprotocol names are compared exactly. */
    r->sip = list_has(req, "Sec-WebSocket-Protocol", "sip", false);
    r->why = "subprotocol sip not offered";
    if (!r->sip && cfg->require_sip)
        return 400;
    r->why = "";
    return 101;
}

static int write_101(struct rg_buf *out, const struct rg_ws_http_head *req, bool sip)
{
    struct rg_str key;
    char accept[RG_WS_ACCEPT_LEN + 1];
    int rc = rg_ws_http_field(req, "Sec-WebSocket-Key", &key);
    if (rc == RG_OK)
        rc = rg_ws_accept_key(key, accept);
    if (rc != RG_OK)
        return rc;
    return rg_buf_appendf(out,
                          "HTTP/1.1 101 Switching Protocols\r\n"
                          "Upgrade: websocket\r\n"
                          "Connection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: %s\r\n"
                          "%s"
                          "\r\n",
                          accept, sip ? "Sec-WebSocket-Protocol: sip\r\n" : "");
}

static int write_error(struct rg_buf *out, unsigned status, const char *why)
{
    const char *reason = status == 403   ? "Forbidden"
                         : status == 426 ? "Upgrade Required"
                                         : "Bad Request";
    return rg_buf_appendf(out,
                          "HTTP/1.1 %u %s\r\n"
                          "%s"
                          "Content-Type: text/plain\r\n"
                          "Content-Length: %zu\r\n"
                          "Connection: close\r\n"
                          "\r\n"
                          "%s\n",
                          status, reason, status == 426 ? "Sec-WebSocket-Version: 13\r\n" : "",
                          strlen(why) + 1, why);
}

static void buf_truncate(struct rg_buf *b, size_t len)
{
    b->len = len;
    if (b->data)
        b->data[len] = '\0';
}

int rg_ws_server_respond(const struct rg_ws_http_head *req, const struct rg_ws_server_cfg *cfg,
                         struct rg_buf *out, struct rg_ws_server_result *res)
{
    struct rg_ws_server_result r;
    memset(&r, 0, sizeof(r));
    r.origin = rg_str_make("", 0);
    r.status = check_upgrade(req, cfg, &r);
    size_t mark = out->len;
    int rc = r.status == 101 ? write_101(out, req, r.sip) : write_error(out, r.status, r.why);
    if (rc != RG_OK) {
        buf_truncate(out, mark);
        return rc;
    }
    *res = r;
    return RG_OK;
}

static bool visible_ascii(struct rg_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        if ((unsigned char)s.p[i] <= 0x20 || (unsigned char)s.p[i] >= 0x7f)
            return false;
    }
    return true;
}

int rg_ws_client_request(struct rg_buf *out, struct rg_str host, struct rg_str path,
                         struct rg_str origin, const struct rg_rng *rng,
                         char key_out[RG_WS_KEY_LEN + 1])
{
    if (host.len == 0 || path.len == 0 || path.p[0] != '/' || !visible_ascii(host) ||
        !visible_ascii(path) || !visible_ascii(origin) || host.len > 1024 || path.len > 4096 ||
        origin.len > 1024)
        return RG_EINVAL;
    uint8_t raw[16];
    char key[RG_WS_KEY_LEN + 1];
    rg_rng_bytes(rng, raw, sizeof(raw));
    if (rg_base64_encode(raw, sizeof(raw), key, sizeof(key)) != RG_WS_KEY_LEN)
        return RG_EINVAL;
    size_t mark = out->len;
    int rc = rg_buf_appendf(out,
                            "GET %.*s HTTP/1.1\r\n"
                            "Host: %.*s\r\n"
                            "Upgrade: websocket\r\n"
                            "Connection: Upgrade\r\n"
                            "Sec-WebSocket-Key: %s\r\n"
                            "Sec-WebSocket-Version: 13\r\n"
                            "Sec-WebSocket-Protocol: sip\r\n",
                            (int)path.len, path.p, (int)host.len, host.p, key);
    if (rc == RG_OK && origin.len > 0)
        rc = rg_buf_appendf(out, "Origin: %.*s\r\n", (int)origin.len, origin.p);
    if (rc == RG_OK)
        rc = rg_buf_append_cstr(out, "\r\n");
    if (rc != RG_OK) {
        buf_truncate(out, mark);
        return rc;
    }
    memcpy(key_out, key, sizeof(key));
    return RG_OK;
}

int rg_ws_client_verify(const struct rg_ws_http_head *resp, const char *key, bool *sip)
{
    char want[RG_WS_ACCEPT_LEN + 1];
    struct rg_str accept, proto, ext;
    if (resp->status != 101 || !rg_ws_http_has_token(resp, "Upgrade", "websocket") ||
        !rg_ws_http_has_token(resp, "Connection", "upgrade"))
        return RG_EPROTO;
    if (rg_ws_accept_key(rg_str_from_cstr(key), want) != RG_OK ||
        rg_ws_http_field(resp, "Sec-WebSocket-Accept", &accept) != RG_OK ||
        !rg_str_eq_cstr(accept, want))
        return RG_EPROTO;
    /* §4.1: we offered no extension, so the server must not select one. */
    if (rg_ws_http_field(resp, "Sec-WebSocket-Extensions", &ext) != RG_ENOTFOUND)
        return RG_EPROTO;
    int rc = rg_ws_http_field(resp, "Sec-WebSocket-Protocol", &proto);
    if (rc == RG_ENOTFOUND) {
        *sip = false;
        return RG_OK;
    }
    if (rc != RG_OK || !rg_str_eq_cstr(proto, "sip"))
        return RG_EPROTO;
    *sip = true;
    return RG_OK;
}
