/*
 * fuzz_registrar.c — the location service (b2bua/registrar) driven by
 * untrusted REGISTERs, connection closes and the passing of time.
 * Input: byte 0 chooses the configuration (bit 0: digest users configured,
 * bit 1: MD5 challenge first); the rest is split at NUL bytes into
 * steps.  A step's first byte: bits 0-1 the operation (0, 1 REGISTER the
 * rest as a SIP message; 2 close connection; 3 run timers, and with
 * connection id 7 reconfigure: digest users on or off, the table 2 or 8),
 * bits 2-4 the connection id (0 = UDP), bits 5-7 how far the clock moves
 * (x 97 s).
 * Invariants: a parsed REGISTER always gets RG_OK and one of the statuses
 * the contract lists, with header lines each ending CRLF and present only
 * on 200/401/423 (Min-Expires on 423, two WWW-Authenticate on 401, a
 * Contact per live binding of the AoR on 200); the table never exceeds its
 * bound; a 200 to a REGISTER whose only Contact is kept leaves the AoR with
 * a binding; look-ups return only live bindings; after timers run the
 * next deadline lies in the future; a closed connection keeps no binding
 * that lookup can see; reconfiguring keeps the bindings.  Every allocation is freed (LeakSanitizer).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b2bua/registrar.h"
#include "core/arena.h"
#include "core/rng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BINDINGS 8
#define SEC 1000000LL

static const struct rg_reg_user users[] = { { "alice", "secret" }, { "bob", "builder" } };

static void check_hdrs(const struct rg_reg_reply *rep)
{
    struct rg_str h = rep->hdrs;
    if (!rep->reason)
        abort();
    switch (rep->status) {
    case 200: case 400: case 401: case 403: case 423: case 500: case 503:
        break;
    default:
        abort();
    }
    if (h.len && rep->status != 200 && rep->status != 401 && rep->status != 423)
        abort();
    if (h.len && (h.len < 2 || h.p[h.len - 2] != '\r' || h.p[h.len - 1] != '\n'))
        abort();
    if (rep->status == 423 && !rg_str_has_prefix(h, "Min-Expires: "))
        abort();
    if (rep->status == 401 && rg_str_find(h, RG_STR_LIT("WWW-Authenticate: Digest ")) != 0)
        abort();
}

static size_t count_lines(struct rg_str h, const char *prefix)
{
    size_t n = 0;
    while (h.len) {
        long e = rg_str_find(h, RG_STR_LIT("\r\n"));
        if (e < 0)
            abort();
        if (rg_str_has_prefix(h, prefix))
            n++;
        h = rg_str_from(h, (size_t)e + 2);
    }
    return n;
}

static void check_register(struct rg_reg *reg, int64_t now, const struct rg_sip_msg *m,
                           uint64_t conn, const struct rg_addr *src)
{
    struct rg_reg_reply rep;
    int rc = rg_reg_handle_register(reg, now, m, conn, 0, src, &rep);
    bool is_reg = m->is_request && rg_str_eq_cstr(m->method, "REGISTER");
    if (!is_reg) {
        if (rc != RG_EINVAL)
            abort();
        return;
    }
    if (rc != RG_OK)
        abort();
    check_hdrs(&rep);
    if (rep.status == 401 && count_lines(rep.hdrs, "WWW-Authenticate: ") != 2)
        abort();
    if (rg_reg_count(reg) > MAX_BINDINGS)
        abort();
    if (rep.status != 200 || !m->to)
        return;
    const struct rg_sip_uri *u = &m->to->uri;
    struct rg_str user = u->user.p ? u->user : RG_STR_LIT("");
    struct rg_reg_binding b[32];
    size_t n = rg_reg_lookup(reg, now, user, u->host, b, 32);
    if (n != count_lines(rep.hdrs, "Contact: "))
        abort();
    for (size_t i = 0; i < n; i++) {
        if (b[i].expires_us <= now || !rg_str_caseeq(rg_str_from(b[i].aor, b[i].aor.len - u->host.len),
                                                 u->host))
            abort();
    }
}

static void check_closed(struct rg_reg *reg, int64_t now, uint64_t conn)
{
    size_t before = rg_reg_count(reg);
    rg_reg_flow_closed(reg, conn);
    if (rg_reg_count(reg) > before)
        abort();
    struct rg_reg_binding b[32];
    size_t n = rg_reg_lookup(reg, now, RG_STR_LIT("alice"), RG_STR_LIT(""), b, 32);
    for (size_t i = 0; conn && i < n; i++)
        if (b[i].flow_conn == conn)
            abort();
}

static void step(struct rg_reg *reg, struct rg_arena *arena, int64_t *now, const uint8_t *p,
                 size_t n)
{
    if (n == 0)
        return;
    uint8_t c = p[0];
    uint64_t conn = (c >> 2) & 7;
    *now += (int64_t)(c >> 5) * 97 * SEC;
    struct rg_addr src = { .family = RG_AF_INET4, .port = 5060, .ip = { 10, 0, 0, 1 } };
    if ((c & 3) == 2) {
        check_closed(reg, *now, conn);
    } else if ((c & 3) == 3 && conn == 7) {
        size_t before = rg_reg_count(reg);
        struct rg_reg_cfg cfg = { .max_bindings = (c & 0x20) ? MAX_BINDINGS : 2,
                                  .users = users, .n_users = (c & 0x40) ? 2 : 0 };
        if (rg_reg_reconfigure(reg, &cfg) != RG_OK || rg_reg_count(reg) != before)
            abort();
    } else if ((c & 3) == 3) {
        rg_reg_handle_timeout(reg, *now);
        if (rg_reg_next_timeout_us(reg) <= *now)
            abort();
    } else {
        struct rg_sip_msg *m = NULL;
        struct rg_sip_error err;
        rg_arena_reset(arena);
        if (rg_sip_parse((const char *)p + 1, n - 1, NULL, arena, &m, &err) == RG_OK)
            check_register(reg, *now, m, conn, &src);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    struct rg_rng_seeded st;
    struct rg_rng rng;
    rg_rng_seeded_init(&st, 7, &rng);
    struct rg_reg_cfg cfg = { .max_bindings = MAX_BINDINGS, .md5_first = data[0] & 2 };
    if (data[0] & 1) {
        cfg.users = users;
        cfg.n_users = 2;
    }
    struct rg_reg *reg = NULL;
    if (rg_reg_new(&cfg, &rng, &reg) != RG_OK)
        abort();
    struct rg_arena arena;
    rg_arena_init(&arena, 4096, 1 << 20);
    int64_t now = 1000 * SEC;
    size_t i = 1;
    while (i < size) {
        const uint8_t *z = memchr(data + i, 0, size - i);
        size_t n = z ? (size_t)(z - (data + i)) : size - i;
        step(reg, &arena, &now, data + i, n);
        i += n + 1;
    }
    rg_arena_deinit(&arena);
    rg_reg_free(reg);
    return 0;
}
