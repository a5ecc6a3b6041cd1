/*
 * sip_reply.c — 400 responses from raw requests and static HTTP files (see
 * sip_reply.h).
 */
#include "io/sip_reply.h"

#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"

/* Headers a response must echo (RFC 3261 §8.2.6.2), long and compact. */
static bool echoed_name(struct rg_str n, bool *is_to)
{
    static const char *const names[] = {"via", "v", "from", "f", "to", "t", "call-id", "i", "cseq"};
    *is_to = rg_str_caseeq_cstr(n, "to") || rg_str_caseeq_cstr(n, "t");
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (rg_str_caseeq_cstr(n, names[i]))
            return true;
    return false;
}

/* One physical line without its CR LF; *next is where the next one starts. */
static struct rg_str next_line(struct rg_str raw, size_t *pos)
{
    size_t b = *pos, e = b;
    while (e < raw.len && raw.p[e] != '\n')
        e++;
    *pos = e < raw.len ? e + 1 : e;
    if (e > b && raw.p[e - 1] == '\r')
        e--;
    return rg_str_make(raw.p + b, e - b);
}

/* Printable text and HTAB only: nothing that could split the header. */
static bool clean_text(struct rg_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

static bool has_tag(struct rg_str v)
{
    for (size_t i = 0; i + 4 <= v.len; i++)
        if (v.p[i] == ';') {
            struct rg_str rest = rg_str_trim(rg_str_from(v, i + 1));
            struct rg_str eq = rg_str_trim(rg_str_from(rest, 3));
            if (rg_str_has_caseprefix(rest, "tag") && eq.len && eq.p[0] == '=')
                return true;
        }
    return false;
}

/* Appends the echoed header lines; *vias counts Via lines. */
static int copy_headers(struct rg_str raw, size_t pos, struct rg_str to_tag, struct rg_buf *out,
                        unsigned *vias)
{
    bool copying = false, is_to = false, tagged = false;
    int rc = RG_OK;
    while (rc == RG_OK && pos < raw.len) {
        struct rg_str l = next_line(raw, &pos);
        bool cont = l.len && (l.p[0] == ' ' || l.p[0] == '\t');
        if (l.len == 0 || !clean_text(l)) {
            break; /* end of the head, or bytes we will not echo */
        } else if (cont) {
            if (copying)
                rc = rg_buf_appendf(out, "\r\n%.*s", (int)l.len, l.p);
            tagged = tagged || (copying && is_to && has_tag(l));
            continue;
        }
        if (copying && is_to && !tagged && to_tag.len)
            rc = rg_buf_appendf(out, ";tag=%.*s", (int)to_tag.len, to_tag.p);
        if (copying && rc == RG_OK)
            rc = rg_buf_append_cstr(out, "\r\n");
        long colon = rg_str_find_char(l, ':');
        struct rg_str nm = colon > 0 ? rg_str_trim(rg_str_head(l, (size_t)colon)) : RG_STR_NULL;
        copying = colon > 0 && echoed_name(nm, &is_to);
        if (copying && rc == RG_OK) {
            tagged = is_to && has_tag(rg_str_from(l, (size_t)colon + 1));
            if (rg_str_caseeq_cstr(nm, "via") || rg_str_caseeq_cstr(nm, "v"))
                (*vias)++;
            rc = rg_buf_append_str(out, l);
        }
    }
    if (rc == RG_OK && copying && is_to && !tagged && to_tag.len)
        rc = rg_buf_appendf(out, ";tag=%.*s", (int)to_tag.len, to_tag.p);
    if (rc == RG_OK && copying)
        rc = rg_buf_append_cstr(out, "\r\n");
    return rc;
}

int rg_sip_reply_bad_request(struct rg_str raw, const char *phrase, struct rg_str to_tag,
                             struct rg_buf *out)
{
    return rg_sip_reply_refused(raw, 400, phrase, to_tag, out);
}

int rg_sip_reply_refused(struct rg_str raw, unsigned status, const char *phrase,
                         struct rg_str to_tag, struct rg_buf *out)
{
    if (status < 400 || status > 699 || !phrase || !clean_text(rg_str_from_cstr(phrase)) ||
        !clean_text(to_tag))
        return RG_EINVAL;
    size_t pos = 0;
    while (pos < raw.len && (raw.p[pos] == '\r' || raw.p[pos] == '\n'))
        pos++; /* RFC 3261 §7.5: CRLFs before the start line are ignored */
    struct rg_str start = next_line(raw, &pos);
    if (start.len == 0 || rg_str_has_prefix(start, "SIP/") || rg_str_find_char(start, ' ') <= 0)
        return RG_ENOTFOUND; /* a response, or not SIP at all: never answered */
    size_t mark = out->len;
    unsigned vias = 0;
    int rc = rg_buf_appendf(out, "SIP/2.0 %u %s\r\n", status, phrase);
    if (rc == RG_OK)
        rc = copy_headers(raw, pos, to_tag, out, &vias);
    if (rc == RG_OK && vias == 0)
        rc = RG_ENOTFOUND;
    if (rc == RG_OK)
        rc = rg_buf_append_cstr(out, "Content-Length: 0\r\n\r\n");
    if (rc != RG_OK) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
    }
    return rc;
}

static bool seg_char(char c)
{
    return rg_is_alnum((unsigned char)c) || c == '.' || c == '_' || c == '-';
}

int rg_sip_http_map_path(struct rg_str target, char *out, size_t out_size)
{
    long q = rg_str_find_char(target, '?');
    if (q >= 0)
        target.len = (size_t)q;
    if (target.len == 0 || target.p[0] != '/')
        return RG_ENOTFOUND;
    struct rg_str rel = rg_str_from(target, 1);
    if (rel.len == 0)
        rel = RG_STR_LIT("index.html");
    if (rel.len >= RG_SIP_HTTP_MAX_PATH)
        return RG_ELIMIT;
    bool seg_start = true;
    for (size_t i = 0; i < rel.len; i++) {
        char c = rel.p[i];
        if (c == '/') {
            if (seg_start)
                return RG_ENOTFOUND; /* empty segment ("//" or a trailing '/') */
            seg_start = true;
            continue;
        }
        if (!seg_char(c) || (seg_start && c == '.'))
            return RG_ENOTFOUND;
        seg_start = false;
    }
    if (seg_start)
        return RG_ENOTFOUND;
    return rg_str_copy_cstr(rel, out, out_size);
}

static const char *content_type(const char *path)
{
    static const char *const map[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".wav", "audio/wav"},
        {".txt", "text/plain; charset=utf-8"},
    };
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        size_t e = strlen(map[i][0]);
        if (n > e && strcmp(path + n - e, map[i][0]) == 0)
            return map[i][1];
    }
    return "application/octet-stream";
}

/* Reads web_root/rel (a regular file of at most RG_SIP_HTTP_MAX_FILE). */
static int read_file(const char *web_root, const char *rel, char **data, size_t *len)
{
    int dir = open(web_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return RG_ENOTFOUND;
    int fd = openat(dir, rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    close(dir);
    struct stat st;
    if (fd < 0)
        return RG_ENOTFOUND;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > RG_SIP_HTTP_MAX_FILE) {
        close(fd);
        return RG_ENOTFOUND;
    }
    size_t n = (size_t)st.st_size, got = 0;
    char *p = rg_malloc(n ? n : 1);
    if (!p) {
        close(fd);
        return RG_ENOMEM;
    }
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    *data = p;
    *len = got;
    return RG_OK;
}

static int status_reply(struct rg_buf *out, unsigned status, const char *reason)
{
    return rg_buf_appendf(out,
                          "HTTP/1.1 %u %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                          "Content-Length: %zu\r\nConnection: close\r\n%s\r\n%u %s\n",
                          status, reason, strlen(reason) + 5,
                          status == 405 ? "Allow: GET, HEAD\r\n" : "", status, reason);
}

int rg_sip_http_reply(const char *web_root, struct rg_str method, struct rg_str target,
                      struct rg_buf *out)
{
    bool head = rg_str_eq_cstr(method, "HEAD");
    if (!head && !rg_str_eq_cstr(method, "GET"))
        return status_reply(out, 405, "Method Not Allowed");
    char rel[RG_SIP_HTTP_MAX_PATH];
    char *data = NULL;
    size_t len = 0;
    int rc = web_root ? rg_sip_http_map_path(target, rel, sizeof(rel)) : RG_ENOTFOUND;
    if (rc == RG_OK)
        rc = read_file(web_root, rel, &data, &len);
    if (rc == RG_ENOMEM)
        return rc;
    if (rc != RG_OK)
        return status_reply(out, 404, "Not Found");
    size_t mark = out->len;
    rc = rg_buf_appendf(out,
                        "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                        "Cache-Control: no-cache\r\nConnection: close\r\n\r\n",
                        content_type(rel), len);
    if (rc == RG_OK && !head)
        rc = rg_buf_append(out, data, len);
    rg_free(data);
    if (rc != RG_OK) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
    }
    return rc;
}
