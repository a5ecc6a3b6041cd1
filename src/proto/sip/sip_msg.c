/* SIP message splitting and start lines: RFC 3261 §7, §7.3.1, §18.3. */
#include "proto/sip/sip_msg.h"

#include <string.h>

#include "proto/sip/sip_lex.h"

struct reason_text {
    uint16_t status;
    const char *phrase;
};

static const struct reason_text reasons[RG_SIP_R_COUNT] = {
    [RG_SIP_R_NONE] = {400, "Bad Request"},
    [RG_SIP_R_START_LINE] = {400, "Bad Request - Invalid Request-Line"},
    [RG_SIP_R_REQUEST_URI] = {400, "Bad Request - Invalid Request-URI"},
    [RG_SIP_R_RURI_HEADERS] = {400, "Bad Request - Headers in Request-URI"},
    [RG_SIP_R_VERSION] = {505, "Version Not Supported"},
    [RG_SIP_R_STATUS_LINE] = {400, "Bad Request - Invalid Status-Line"},
    [RG_SIP_R_HEADER_SYNTAX] = {400, "Bad Request - Malformed header line"},
    [RG_SIP_R_NO_BODY_SEPARATOR] = {400, "Bad Request - No empty line after headers"},
    [RG_SIP_R_TOO_LARGE] = {513, "Message Too Large"},
    [RG_SIP_R_TOO_MANY_HEADERS] = {513, "Message Too Large - Too many headers"},
    [RG_SIP_R_HEADER_TOO_LONG] = {513, "Message Too Large - Header too long"},
    [RG_SIP_R_TOO_MANY_VALUES] = {513, "Message Too Large - Too many header values"},
    [RG_SIP_R_TOO_MANY_VIAS] = {513, "Message Too Large - Too many Via values"},
    [RG_SIP_R_TOO_MANY_PARAMS] = {400, "Bad Request - Too many parameters"},
    [RG_SIP_R_VIA] = {400, "Bad Request - Invalid Via"},
    [RG_SIP_R_FROM] = {400, "Bad Request - Invalid From"},
    [RG_SIP_R_TO] = {400, "Bad Request - Invalid To"},
    [RG_SIP_R_CALL_ID] = {400, "Bad Request - Invalid Call-ID"},
    [RG_SIP_R_CSEQ] = {400, "Bad Request - Invalid CSeq"},
    [RG_SIP_R_CSEQ_METHOD] = {400, "Bad Request - CSeq method mismatch"},
    [RG_SIP_R_MAX_FORWARDS] = {400, "Bad Request - Invalid Max-Forwards"},
    [RG_SIP_R_CONTENT_LENGTH] = {400, "Bad Request - Invalid Content-Length"},
    [RG_SIP_R_CL_MISMATCH] = {400, "Bad Request - Content-Length mismatch"},
    [RG_SIP_R_CONTENT_TYPE] = {400, "Bad Request - Invalid Content-Type"},
    [RG_SIP_R_CONTACT] = {400, "Bad Request - Invalid Contact"},
    [RG_SIP_R_ROUTE] = {400, "Bad Request - Invalid Route"},
    [RG_SIP_R_RECORD_ROUTE] = {400, "Bad Request - Invalid Record-Route"},
    [RG_SIP_R_OPTION_TAGS] = {400, "Bad Request - Invalid option tags"},
    [RG_SIP_R_DATE] = {400, "Bad Request - Invalid Date"},
    [RG_SIP_R_DUP_FROM] = {400, "Bad Request - Multiple From"},
    [RG_SIP_R_DUP_TO] = {400, "Bad Request - Multiple To"},
    [RG_SIP_R_DUP_CALL_ID] = {400, "Bad Request - Multiple Call-ID"},
    [RG_SIP_R_DUP_CSEQ] = {400, "Bad Request - Multiple CSeq"},
    [RG_SIP_R_DUP_MAX_FORWARDS] = {400, "Bad Request - Multiple Max-Forwards"},
    [RG_SIP_R_DUP_CONTENT_LENGTH] = {400, "Bad Request - Multiple Content-Length"},
    [RG_SIP_R_DUP_CONTENT_TYPE] = {400, "Bad Request - Multiple Content-Type"},
    [RG_SIP_R_MISSING_VIA] = {400, "Bad Request - Missing Via"},
    [RG_SIP_R_MISSING_FROM] = {400, "Bad Request - Missing From"},
    [RG_SIP_R_MISSING_TO] = {400, "Bad Request - Missing To"},
    [RG_SIP_R_MISSING_CALL_ID] = {400, "Bad Request - Missing Call-ID"},
    [RG_SIP_R_MISSING_CSEQ] = {400, "Bad Request - Missing CSeq"},
    [RG_SIP_R_MISSING_CONTENT_LENGTH] = {400, "Bad Request - Missing Content-Length"},
    [RG_SIP_R_BAD_BRANCH] = {400, "Bad Request - Invalid branch"},
    [RG_SIP_R_UNSUPPORTED_SCHEME] = {416, "Unsupported URI Scheme"},
    [RG_SIP_R_BAD_EXTENSION] = {420, "Bad Extension"},
    [RG_SIP_R_UNSUPPORTED_MEDIA] = {415, "Unsupported Media Type"},
    [RG_SIP_R_NOT_ACCEPTABLE] = {406, "Not Acceptable"},
    [RG_SIP_R_TOO_MANY_HOPS] = {483, "Too Many Hops"},
};

void rg_sip_error_set(struct rg_sip_error *err, enum rg_sip_reason reason)
{
    if (!err)
        return;
    if ((unsigned)reason >= RG_SIP_R_COUNT)
        reason = RG_SIP_R_NONE;
    err->reason = reason;
    err->status = reasons[reason].status;
    err->phrase = reasons[reason].phrase;
}

struct hdr_name {
    const char *name;
    size_t len;
    char compact;
    enum rg_sip_hdr_id id;
};

/* RFC 3261 §7.3.3 compact forms plus those registered later (RFC 3265 o/u,
 * RFC 3515 r, RFC 3892 b, RFC 4028 x, RFC 8224 y, RFC 3841 a/j/d, RFC 4474 n). */
static const struct hdr_name hdr_names[] = {
    {"Via", 3, 'v', RG_SIP_H_VIA},
    {"From", 4, 'f', RG_SIP_H_FROM},
    {"To", 2, 't', RG_SIP_H_TO},
    {"Call-ID", 7, 'i', RG_SIP_H_CALL_ID},
    {"CSeq", 4, 0, RG_SIP_H_CSEQ},
    {"Contact", 7, 'm', RG_SIP_H_CONTACT},
    {"Route", 5, 0, RG_SIP_H_ROUTE},
    {"Record-Route", 12, 0, RG_SIP_H_RECORD_ROUTE},
    {"Max-Forwards", 12, 0, RG_SIP_H_MAX_FORWARDS},
    {"Content-Length", 14, 'l', RG_SIP_H_CONTENT_LENGTH},
    {"Content-Type", 12, 'c', RG_SIP_H_CONTENT_TYPE},
    {"Content-Encoding", 16, 'e', RG_SIP_H_CONTENT_ENCODING},
    {"Supported", 9, 'k', RG_SIP_H_SUPPORTED},
    {"Require", 7, 0, RG_SIP_H_REQUIRE},
    {"Proxy-Require", 13, 0, RG_SIP_H_PROXY_REQUIRE},
    {"Subject", 7, 's', RG_SIP_H_SUBJECT},
    {"Date", 4, 0, RG_SIP_H_DATE},
    {"Accept", 6, 0, RG_SIP_H_ACCEPT},
    {"Event", 5, 'o', RG_SIP_H_EVENT},
    {"Allow-Events", 12, 'u', RG_SIP_H_ALLOW_EVENTS},
    {"Refer-To", 8, 'r', RG_SIP_H_REFER_TO},
    {"Referred-By", 11, 'b', RG_SIP_H_REFERRED_BY},
    {"Session-Expires", 15, 'x', RG_SIP_H_SESSION_EXPIRES},
    {"Identity", 8, 'y', RG_SIP_H_IDENTITY},
    {"Accept-Contact", 14, 'a', RG_SIP_H_ACCEPT_CONTACT},
    {"Reject-Contact", 14, 'j', RG_SIP_H_REJECT_CONTACT},
    {"Request-Disposition", 19, 'd', RG_SIP_H_REQUEST_DISPOSITION},
    {"Identity-Info", 13, 'n', RG_SIP_H_IDENTITY_INFO},
};

#define N_HDR_NAMES (sizeof(hdr_names) / sizeof(hdr_names[0]))

enum rg_sip_hdr_id rg_sip_hdr_lookup(struct rg_str name)
{
    if (name.len == 1) {
        int c = rg_lower((unsigned char)name.p[0]);
        for (size_t i = 0; i < N_HDR_NAMES; i++)
            if (hdr_names[i].compact == c)
                return hdr_names[i].id;
        return RG_SIP_H_OTHER;
    }
    for (size_t i = 0; i < N_HDR_NAMES; i++)
        if (name.len == hdr_names[i].len &&
            rg_str_caseeq(name, rg_str_make(hdr_names[i].name, hdr_names[i].len)))
            return hdr_names[i].id;
    return RG_SIP_H_OTHER;
}

const char *rg_sip_hdr_name(enum rg_sip_hdr_id id)
{
    for (size_t i = 0; i < N_HDR_NAMES; i++)
        if (hdr_names[i].id == id)
            return hdr_names[i].name;
    return NULL;
}

const struct rg_sip_hdr *rg_sip_msg_find(const struct rg_sip_msg *m, struct rg_str name,
                                         size_t *pos)
{
    enum rg_sip_hdr_id id = rg_sip_hdr_lookup(name);
    for (size_t i = pos ? *pos : 0; i < m->n_hdrs; i++) {
        const struct rg_sip_hdr *h = &m->hdrs[i];
        if (id != RG_SIP_H_OTHER ? h->id == id : rg_str_caseeq(h->name, name)) {
            if (pos)
                *pos = i + 1;
            return h;
        }
    }
    return NULL;
}

/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (§25.1).  Returns 1 for
 * SIP/2.0, 0 for another well-formed version, -1 when malformed. */
static int version_kind(struct rg_str v)
{
    if (v.len < 7 || !rg_str_has_caseprefix(v, "SIP/"))
        return -1;
    struct rg_str n = rg_str_from(v, 4);
    long dot = rg_str_find_char(n, '.');
    if (dot <= 0 || (size_t)dot + 1 >= n.len)
        return -1;
    for (size_t i = 0; i < n.len; i++)
        if (i != (size_t)dot && !rg_is_digit((unsigned char)n.p[i]))
            return -1;
    return rg_str_eq_cstr(n, "2.0") ? 1 : 0;
}

/* Request-Line = Method SP Request-URI SP SIP-Version CRLF (§7.1). */
static int request_line(struct rg_str line, struct rg_arena *arena, struct rg_sip_msg *m,
                        struct rg_sip_error *err)
{
    long sp1 = rg_str_find_char(line, ' ');
    struct rg_str rest = rg_str_from(line, (size_t)(sp1 < 0 ? 0 : sp1 + 1));
    long sp2 = rg_str_find_char(rest, ' ');
    enum rg_sip_reason r = RG_SIP_R_START_LINE;
    if (sp1 <= 0 || sp2 <= 0)
        goto bad;
    m->method = rg_str_head(line, (size_t)sp1);
    m->ruri_text = rg_str_head(rest, (size_t)sp2);
    struct rg_str ver = rg_str_from(rest, (size_t)sp2 + 1);
    struct rg_sip_cur c = rg_sip_cur_make(m->method);
    struct rg_str tok;
    if (!rg_sip_cur_token(&c, &tok) || tok.len != m->method.len)
        goto bad;
    for (size_t i = 0; i < line.len; i++)
        if ((unsigned char)line.p[i] <= 0x20 && line.p[i] != ' ')
            goto bad;
    int vk = version_kind(ver);
    if (vk <= 0) {
        r = vk == 0 ? RG_SIP_R_VERSION : RG_SIP_R_START_LINE;
        goto bad;
    }
    int rc = rg_sip_uri_parse(m->ruri_text, RG_SIP_URI_WHOLE, arena, &m->ruri, NULL);
    if (rc == RG_ENOMEM)
        return rc;
    r = rc == RG_ELIMIT ? RG_SIP_R_TOO_MANY_PARAMS : RG_SIP_R_REQUEST_URI;
    if (rc != RG_OK)
        goto bad;
    r = RG_SIP_R_RURI_HEADERS;
    if (m->ruri.headers.n)
        goto bad;
    m->is_request = true;
    return RG_OK;
bad:
    rg_sip_error_set(err, r);
    return RG_EBADMSG;
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF (§7.2);
 * the phrase may be empty (RFC 4475 §3.1.1.13) and may be UTF-8. */
static int status_line(struct rg_str line, struct rg_sip_msg *m, struct rg_sip_error *err)
{
    enum rg_sip_reason r = RG_SIP_R_STATUS_LINE;
    long sp1 = rg_str_find_char(line, ' ');
    if (sp1 < 0)
        goto bad;
    int vk = version_kind(rg_str_head(line, (size_t)sp1));
    if (vk <= 0) {
        r = vk == 0 ? RG_SIP_R_VERSION : RG_SIP_R_STATUS_LINE;
        goto bad;
    }
    struct rg_str rest = rg_str_from(line, (size_t)sp1 + 1);
    uint32_t code;
    if (rest.len < 3 || (rest.len > 3 && rest.p[3] != ' ') ||
        rg_str_to_u32(rg_str_head(rest, 3), 699, &code) != RG_OK || code < 100)
        goto bad;
    struct rg_str reason = rg_str_from(rest, 4);
    for (size_t i = 0; i < reason.len; i++) {
        unsigned char ch = (unsigned char)reason.p[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            goto bad;
    }
    m->status = (uint16_t)code;
    m->reason = reason;
    return RG_OK;
bad:
    rg_sip_error_set(err, r);
    return RG_EBADMSG;
}

/* Length of the line at p (up to CRLF); -1 when no CRLF, -2 on a bare CR
 * or LF inside it. */
static long line_len(const char *p, const char *e)
{
    const char *lf = memchr(p, '\n', (size_t)(e - p));
    if (!lf)
        return -1;
    if (lf == p || lf[-1] != '\r')
        return -2;
    if (memchr(p, '\r', (size_t)(lf - 1 - p)))
        return -2;
    return (long)(lf - 1 - p);
}

/* Fills one header from its logical line (folds included). */
static int header_line(struct rg_str line, struct rg_sip_hdr *h)
{
    size_t i = 0;
    while (i < line.len && rg_sip_is_token((unsigned char)line.p[i]))
        i++;
    if (i == 0)
        return RG_EBADMSG;
    h->name = rg_str_head(line, i);
    while (i < line.len && rg_is_wsp((unsigned char)line.p[i]))
        i++;
    if (i >= line.len || line.p[i] != ':')
        return RG_EBADMSG;
    struct rg_str v = rg_str_from(line, i + 1);
    while (v.len && rg_sip_is_lws((unsigned char)v.p[0])) {
        v.p++;
        v.len--;
    }
    while (v.len && rg_sip_is_lws((unsigned char)v.p[v.len - 1]))
        v.len--;
    h->value = v;
    h->id = rg_sip_hdr_lookup(h->name);
    return RG_OK;
}

/* Splits the header section starting at p into m->hdrs; *body_at receives
 * the offset after the empty line. */
static int split_headers(const char *p, const char *e, struct rg_arena *arena, struct rg_sip_msg *m,
                         const char **body_at, struct rg_sip_error *err)
{
    size_t cap = 1;
    for (const char *q = p; q < e && (q = memchr(q, '\n', (size_t)(e - q))) != NULL; q++)
        cap++;
    if (cap > m->lim.max_headers + 1)
        cap = m->lim.max_headers + 1;
    m->hdrs = rg_arena_alloc(arena, cap * sizeof(*m->hdrs));
    if (!m->hdrs)
        return RG_ENOMEM;
    m->cap_hdrs = cap;
    enum rg_sip_reason r = RG_SIP_R_HEADER_SYNTAX;
    for (;;) {
        if (p == e) { /* datagram ending right after a header line */
            *body_at = e;
            return RG_OK;
        }
        long n = line_len(p, e);
        if (n < 0) {
            r = n == -1 ? RG_SIP_R_NO_BODY_SEPARATOR : RG_SIP_R_HEADER_SYNTAX;
            goto bad;
        }
        if (n == 0)
            break;
        const char *s = p;
        p += n + 2;
        while (p < e && rg_is_wsp((unsigned char)*p)) { /* folded continuation (§7.3.1) */
            long k = line_len(p, e);
            if (k < 0) {
                r = k == -1 ? RG_SIP_R_NO_BODY_SEPARATOR : RG_SIP_R_HEADER_SYNTAX;
                goto bad;
            }
            p += k + 2;
        }
        struct rg_str line = rg_str_make(s, (size_t)(p - 2 - s));
        r = RG_SIP_R_HEADER_TOO_LONG;
        if (line.len > m->lim.max_header_bytes)
            goto bad;
        r = RG_SIP_R_TOO_MANY_HEADERS;
        if (m->n_hdrs >= m->lim.max_headers || m->n_hdrs >= cap)
            goto bad;
        r = RG_SIP_R_HEADER_SYNTAX;
        if (header_line(line, &m->hdrs[m->n_hdrs]) != RG_OK)
            goto bad;
        m->n_hdrs++;
    }
    *body_at = p + 2;
    return RG_OK;
bad:
    rg_sip_error_set(err, r);
    return RG_EBADMSG;
}

static int parse_start(const char *data, const char *e, struct rg_arena *arena,
                       struct rg_sip_msg *m, const char **next, struct rg_sip_error *err)
{
    long n = line_len(data, e);
    bool resp = (size_t)(e - data) >= 4 && rg_str_has_caseprefix(rg_str_make(data, 4), "SIP/");
    if (n <= 0) {
        rg_sip_error_set(err, resp ? RG_SIP_R_STATUS_LINE : RG_SIP_R_START_LINE);
        return RG_EBADMSG;
    }
    struct rg_str line = rg_str_make(data, (size_t)n);
    *next = data + n + 2;
    return resp ? status_line(line, m, err) : request_line(line, arena, m, err);
}

int rg_sip_parse(const char *data, size_t len, const struct rg_sip_limits *lim,
                 struct rg_arena *arena, struct rg_sip_msg **out, struct rg_sip_error *err)
{
    struct rg_sip_limits l = lim ? *lim : RG_SIP_LIMITS_DEFAULT;
    if (!data) {
        data = "";
        len = 0;
    }
    if (len > l.max_msg_bytes) {
        rg_sip_error_set(err, RG_SIP_R_TOO_LARGE);
        return RG_EBADMSG;
    }
    const char *e = data + len;
    while (data + 1 < e && data[0] == '\r' && data[1] == '\n') /* §7.5: ignore leading CRLFs */
        data += 2;
    struct rg_sip_msg *m = rg_arena_zalloc(arena, sizeof(*m));
    if (!m)
        return RG_ENOMEM;
    m->lim = l;
    const char *p, *body;
    int rc = parse_start(data, e, arena, m, &p, err);
    if (rc == RG_OK)
        rc = split_headers(p, e, arena, m, &body, err);
    if (rc == RG_OK)
        rc = rg_sip_msg_index(m, arena, err);
    if (rc != RG_OK)
        return rc;
    size_t avail = (size_t)(e - body);
    if (m->content_length >= 0 && (uint64_t)m->content_length > avail) {
        rg_sip_error_set(err, RG_SIP_R_CL_MISMATCH);
        return RG_EBADMSG;
    }
    m->body = rg_str_make(body, m->content_length >= 0 ? (size_t)m->content_length : avail);
    *out = m;
    return RG_OK;
}
