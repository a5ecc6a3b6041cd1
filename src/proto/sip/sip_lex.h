/*
 * sip_lex.h — character classes and a cursor shared by the SIP parsers
 * (internal to src/proto/sip).  The grammar is RFC 3261 §25.1.  Inside a
 * header value, folding has already been validated by the message splitter,
 * so CR and LF only ever occur as part of "CRLF WSP" and count as LWS here.
 * Header only, pure functions.
 */
#ifndef RG_PROTO_SIP_LEX_H
#define RG_PROTO_SIP_LEX_H

#include <stdbool.h>
#include <string.h>

#include "core/str.h"

/* RFC 3261 §25.1 token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+"
 * / "`" / "'" / "~". */
static inline bool rg_sip_is_token(int c)
{
    switch (c) {
    case '-':
    case '.':
    case '!':
    case '%':
    case '*':
    case '_':
    case '+':
    case '`':
    case '\'':
    case '~':
        return true;
    default:
        return rg_is_alnum(c);
    }
}

/* unreserved = alphanum / mark (§25.1). */
static inline bool rg_sip_is_unreserved(int c)
{
    switch (c) {
    case '-':
    case '_':
    case '.':
    case '!':
    case '~':
    case '*':
    case '\'':
    case '(':
    case ')':
        return true;
    default:
        return rg_is_alnum(c);
    }
}

/* word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" /
 * "~" / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" /
 * "{" / "}") — the Call-ID alphabet (§25.1). */
static inline bool rg_sip_is_word(int c)
{
    switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case ':':
    case '\\':
    case '"':
    case '/':
    case '[':
    case ']':
    case '?':
    case '{':
    case '}':
        return true;
    default:
        return rg_sip_is_token(c);
    }
}

static inline bool rg_sip_is_lws(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct rg_sip_cur {
    const char *p;
    const char *e;
};

static inline struct rg_sip_cur rg_sip_cur_make(struct rg_str s)
{
    return (struct rg_sip_cur){s.p, s.p + s.len};
}

static inline bool rg_sip_cur_end(const struct rg_sip_cur *c)
{
    return c->p >= c->e;
}

static inline int rg_sip_cur_peek(const struct rg_sip_cur *c)
{
    return c->p < c->e ? (unsigned char)*c->p : -1;
}

/* Skips LWS; returns true when at least one byte was skipped. */
static inline bool rg_sip_cur_lws(struct rg_sip_cur *c)
{
    const char *s = c->p;
    while (c->p < c->e && rg_sip_is_lws((unsigned char)*c->p))
        c->p++;
    return c->p != s;
}

/* Skips LWS, then consumes ch if it is next. */
static inline bool rg_sip_cur_eat(struct rg_sip_cur *c, char ch)
{
    struct rg_sip_cur t = *c;
    rg_sip_cur_lws(&t);
    if (t.p < t.e && *t.p == ch) {
        t.p++;
        *c = t;
        return true;
    }
    return false;
}

/* Reads 1*token characters; false (cursor unchanged) when none. */
static inline bool rg_sip_cur_token(struct rg_sip_cur *c, struct rg_str *out)
{
    const char *s = c->p;
    while (c->p < c->e && rg_sip_is_token((unsigned char)*c->p))
        c->p++;
    *out = rg_str_make(s, (size_t)(c->p - s));
    return out->len > 0;
}

/* Reads a quoted-string (§25.1: DQUOTE *(qdtext / quoted-pair) DQUOTE) and
 * returns its inside, escapes kept.  qdtext excludes control characters
 * other than LWS; quoted-pair may escape any octet but CR and LF. */
static inline bool rg_sip_cur_quoted(struct rg_sip_cur *c, struct rg_str *inner)
{
    const char *q = c->p;
    if (q >= c->e || *q != '"')
        return false;
    q++;
    const char *s = q;
    while (q < c->e) {
        unsigned char ch = (unsigned char)*q;
        if (ch == '"') {
            *inner = rg_str_make(s, (size_t)(q - s));
            c->p = q + 1;
            return true;
        }
        if (ch == '\\') {
            if (q + 1 >= c->e || q[1] == '\r' || q[1] == '\n' || (unsigned char)q[1] > 0x7f)
                return false;
            q += 2;
            continue;
        }
        if (ch < 0x20 && !rg_sip_is_lws(ch))
            return false;
        if (ch == 0x7f)
            return false;
        q++;
    }
    return false;
}

#endif
