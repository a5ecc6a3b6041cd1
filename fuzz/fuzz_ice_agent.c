/*
 * fuzz_ice_agent.c — one ICE agent driven by a script of operations.
 *
 * Byte 0 picks mode and role.  Then each operation is one opcode byte and
 * its operands:
 *   0 advance time by N ms (1 byte) and run due timeouts
 *   1 deliver raw bytes (1 length byte + bytes) from address k
 *   2 deliver an authentic-looking Binding request (flags byte, address k)
 *     signed with the agent's password, a wrong one, or (flag 0x80, after
 *     a restart) the agent's previous ufrag/password
 *   3 answer the agent's last request (flags byte, address k): success or
 *     error (487/400), signed right or wrong, from the right source or not
 *   4 add a remote candidate (address k, type byte)
 *   5 end-of-candidates
 *   6 ICE restart (local) then new remote credentials
 * Invariants (abort() on violation): every transmit is 1..RG_ICE_MAX_PACKET
 * bytes of valid STUN with a good FINGERPRINT on a configured socket;
 * after handle_timeout(now) the next timeout lies after now; the media
 * path only ever leads to an address that answered or sent an
 * authenticated check; may_send implies inbound_ok; event fields are in
 * range.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "proto/ice/ice.h"
#include "proto/stun/stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_ADDR 8
#define PEER_PWD "peerpasswordpeerpassword"

struct fz {
    struct rg_ice_agent *a;
    struct rg_rng rng;
    struct rg_rng_seeded rs;
    int64_t now_us;
    struct rg_addr addr[N_ADDR];
    bool passed[N_ADDR]; /* answered or checked us authentically */
    bool have_req;
    bool have_prev; /* the agent's credentials before the last op-6 restart */
    char prev_u[RG_ICE_CRED_MAX + 1], prev_p[RG_ICE_CRED_MAX + 1];
    uint8_t req_txid[RG_STUN_TXID_LEN];
    int req_sock;
    struct rg_addr req_dest;
};

/* HMAC keys are costly to set up; the agent's passwords repeat across runs
 * (seeded RNG), so keep a few. */
#define N_KEYS 16
static struct {
    bool ok;
    size_t len;
    char pwd[RG_ICE_CRED_MAX + 1];
    struct rg_stun_key k;
} keys[N_KEYS];
static unsigned key_next;

static struct rg_stun_key *key_for(const char *pwd, size_t len)
{
    for (unsigned i = 0; i < N_KEYS; i++) {
        if (keys[i].ok && keys[i].len == len && memcmp(keys[i].pwd, pwd, len) == 0)
            return &keys[i].k;
    }
    unsigned i = key_next++ % N_KEYS;
    if (keys[i].ok)
        rg_stun_key_deinit(&keys[i].k);
    keys[i].ok = false;
    if (len > RG_ICE_CRED_MAX || rg_stun_key_init(&keys[i].k, pwd, len) != RG_OK)
        abort();
    memcpy(keys[i].pwd, pwd, len);
    keys[i].len = len;
    keys[i].ok = true;
    return &keys[i].k;
}

static void make_addrs(struct fz *f)
{
    static const char *const ips[N_ADDR] = {"198.51.100.2", "198.51.100.3", "203.0.113.9",
                                            "2001:db8::2",  "2001:db8::3",  "192.0.2.77",
                                            "198.51.100.2", "2001:db8::2"};
    for (int i = 0; i < N_ADDR; i++) {
        if (rg_addr_parse_ip(rg_str_from_cstr(ips[i]), &f->addr[i]) != RG_OK)
            abort();
        f->addr[i].port = (uint16_t)(6000 + (i >= 6 ? 1 : 0));
    }
}

static int addr_index(const struct fz *f, const struct rg_addr *a)
{
    for (int i = 0; i < N_ADDR; i++) {
        if (rg_addr_eq(&f->addr[i], a))
            return i;
    }
    return -1;
}

static void check_invariants(struct fz *f)
{
    struct rg_ice_transmit tx;
    while (rg_ice_agent_poll_transmit(f->a, &tx) == RG_OK) {
        struct rg_stun_msg m;
        if (tx.len == 0 || tx.len > RG_ICE_MAX_PACKET || (tx.socket_id != 1 && tx.socket_id != 2))
            abort();
        if (rg_stun_parse(tx.data, tx.len, &m) != RG_OK || rg_stun_check_fingerprint(&m) != RG_OK)
            abort();
        if (m.cls == RG_STUN_REQUEST) {
            f->have_req = true;
            memcpy(f->req_txid, m.txid, RG_STUN_TXID_LEN);
            f->req_sock = tx.socket_id;
            f->req_dest = tx.dest;
        }
    }
    struct rg_ice_event e;
    while (rg_ice_agent_poll_event(f->a, &e) == RG_OK) {
        if (e.type < RG_ICE_EV_STATE || e.type > RG_ICE_EV_PRFLX_LOCAL ||
            e.state > RG_ICE_STATE_DISCONNECTED || e.role > RG_ICE_CONTROLLED)
            abort();
    }
    for (uint8_t c = 1; c <= 2; c++) {
        int sock;
        struct rg_addr r;
        if (rg_ice_agent_media_path(f->a, c, &sock, &r) != RG_OK)
            continue;
        int k = addr_index(f, &r);
        if (k < 0 || !f->passed[k])
            abort(); /* selected a pair that never succeeded */
        if (!rg_ice_agent_may_send(f->a, sock, &r) || !rg_ice_agent_inbound_ok(f->a, sock, &r))
            abort();
    }
    for (uint8_t c = 1; c <= 2; c++) {
        struct rg_ice_cand lc, rc;
        if (rg_ice_agent_selected(f->a, c, &lc, &rc) != RG_OK)
            continue;
        int k = addr_index(f, &rc.addr);
        if (k < 0 || !f->passed[k] || lc.component != c || rc.component != c ||
            (lc.socket_id != 1 && lc.socket_id != 2))
            abort();
    }
}

static void deliver(struct fz *f, int sock, int k, const uint8_t *p, size_t n)
{
    int rc = rg_ice_agent_handle_packet(f->a, f->now_us, sock, &f->addr[k], p, n);
    /* Raw bytes that the agent accepted as authentic (libFuzzer can learn
     * MACs from comparisons) count as a peer that answered. */
    if (rc == RG_OK && n >= 2 && (p[0] & 0x01) == 0 && (p[1] & 0x10) == 0)
        f->passed[k] = true;
    else if (rc == RG_OK && n >= 2 && (p[0] & 0x01) && !(p[1] & 0x10))
        f->passed[k] = true;
}

static void op_request(struct fz *f, uint8_t flags, int k)
{
    uint8_t buf[RG_ICE_MAX_PACKET], txid[RG_STUN_TXID_LEN];
    char user[RG_ICE_CRED_MAX + 8];
    struct rg_str lu = rg_ice_agent_local_ufrag(f->a), lp = rg_ice_agent_local_pwd(f->a);
    if ((flags & 0x80) && f->have_prev) {
        lu = rg_str_from_cstr(f->prev_u);
        lp = rg_str_from_cstr(f->prev_p);
    }
    memcpy(user, lu.p, lu.len);
    memcpy(user + lu.len, ":peer", 6);
    bool good = !(flags & 1);
    struct rg_stun_key *k1 = key_for(good ? lp.p : "wrongwrongwrongwrongwrong", good ? lp.len : 25);
    rg_stun_txid_new(&f->rng, txid);
    struct rg_stun_builder b;
    rg_stun_build_init(&b, buf, sizeof(buf), RG_STUN_BINDING, RG_STUN_REQUEST, txid);
    rg_stun_add_str(&b, RG_STUN_A_USERNAME, rg_str_from_cstr(user));
    if (!(flags & 2))
        rg_stun_add_u32(&b, RG_STUN_A_PRIORITY, 0x6E0000FFu - (flags >> 5));
    if (flags & 4)
        rg_stun_add_flag(&b, RG_STUN_A_USE_CANDIDATE);
    if (flags & 8)
        rg_stun_add_u64(&b, RG_STUN_A_ICE_CONTROLLING, (uint64_t)flags << 56);
    else if (flags & 16)
        rg_stun_add_u64(&b, RG_STUN_A_ICE_CONTROLLED, (uint64_t)flags << 56);
    rg_stun_add_integrity(&b, k1);
    rg_stun_add_fingerprint(&b);
    int n = rg_stun_build_finish(&b);
    if (n <= 0)
        abort();
    deliver(f, (flags & 0x40) ? 2 : 1, k, buf, (size_t)n);
}

static void op_response(struct fz *f, uint8_t flags, int k)
{
    if (!f->have_req)
        return;
    uint8_t buf[RG_ICE_MAX_PACKET];
    struct rg_stun_builder b;
    bool err = flags & 1;
    rg_stun_build_init(&b, buf, sizeof(buf), RG_STUN_BINDING, err ? RG_STUN_ERROR : RG_STUN_SUCCESS,
                       f->req_txid);
    if (err)
        rg_stun_add_error(&b, (flags & 2) ? 487 : 400, RG_STR_LIT("x"));
    else
        rg_stun_add_xor_addr(&b, RG_STUN_A_XOR_MAPPED_ADDRESS, &f->addr[(flags >> 4) & 7]);
    if (!(flags & 4))
        rg_stun_add_integrity(&b, key_for(PEER_PWD, strlen(PEER_PWD)));
    rg_stun_add_fingerprint(&b);
    int n = rg_stun_build_finish(&b);
    if (n <= 0)
        abort();
    const struct rg_addr *from = (flags & 8) ? &f->addr[k] : &f->req_dest;
    int ki = addr_index(f, from);
    if (ki < 0)
        return; /* the agent sent to an address we do not model */
    if (!err && !(flags & 4))
        f->passed[ki] = true;
    (void)rg_ice_agent_handle_packet(f->a, f->now_us, f->req_sock, from, buf, (size_t)n);
}

static void op_candidate(struct fz *f, int k, uint8_t t)
{
    struct rg_ice_cand c;
    memset(&c, 0, sizeof(c));
    c.addr = f->addr[k];
    c.type = t & 3;
    c.component = (t & 4) ? 2 : 1;
    c.priority = rg_ice_priority(c.type, 65535 - (t >> 3), c.component);
    c.foundation[0] = (char)('a' + (t & 7));
    int rc = rg_ice_agent_add_remote_candidate(f->a, f->now_us, &c);
    if (rc != RG_OK && rc != RG_EEXIST && rc != RG_ELIMIT)
        abort();
}

static void advance(struct fz *f, uint8_t ms)
{
    f->now_us += (int64_t)ms * 1000 + 1;
    int64_t next = rg_ice_agent_next_timeout_us(f->a);
    for (int guard = 0; next <= f->now_us; guard++) {
        if (guard > 10000)
            abort();
        rg_ice_agent_handle_timeout(f->a, f->now_us);
        int64_t n2 = rg_ice_agent_next_timeout_us(f->a);
        if (n2 <= f->now_us)
            abort(); /* handled, yet due again: the caller would spin */
        next = n2;
        check_invariants(f);
    }
}

static uint8_t next_byte(const uint8_t **p, const uint8_t *end)
{
    return *p < end ? *(*p)++ : 0;
}

static void run_op(struct fz *f, const uint8_t **pp, const uint8_t *end)
{
    uint8_t op = next_byte(pp, end) % 7;
    if (op == 0) {
        advance(f, next_byte(pp, end));
    } else if (op == 1) {
        size_t n = next_byte(pp, end);
        uint8_t y = next_byte(pp, end);
        if ((size_t)(end - *pp) < n)
            n = (size_t)(end - *pp);
        deliver(f, (y & 0x80) ? 2 : 1, y % N_ADDR, *pp, n);
        *pp += n;
    } else if (op == 2 || op == 3 || op == 4) {
        uint8_t x = next_byte(pp, end), y = next_byte(pp, end);
        if (op == 2)
            op_request(f, x, y % N_ADDR);
        else if (op == 3)
            op_response(f, x, y % N_ADDR);
        else
            op_candidate(f, x % N_ADDR, y);
    } else if (op == 5) {
        rg_ice_agent_end_of_candidates(f->a, f->now_us);
    } else {
        struct rg_str u = rg_ice_agent_local_ufrag(f->a), pw = rg_ice_agent_local_pwd(f->a);
        memcpy(f->prev_u, u.p, u.len);
        f->prev_u[u.len] = '\0';
        memcpy(f->prev_p, pw.p, pw.len);
        f->prev_p[pw.len] = '\0';
        f->have_prev = true;
        if (rg_ice_agent_restart(f->a, f->now_us) == RG_OK &&
            rg_ice_agent_set_remote_credentials(f->a, f->now_us, RG_STR_LIT("peer"),
                                                RG_STR_LIT(PEER_PWD)) != RG_OK)
            abort();
    }
    check_invariants(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct fz f;
    memset(&f, 0, sizeof(f));
    rg_rng_seeded_init(&f.rs, 7, &f.rng);
    make_addrs(&f);
    struct rg_ice_local_addr la[2] = {{.socket_id = 1, .component = 1},
                                      {.socket_id = 2, .component = 1}};
    (void)rg_addr_parse_ip(RG_STR_LIT("192.0.2.1"), &la[0].addr);
    (void)rg_addr_parse_ip(RG_STR_LIT("2001:db8::1"), &la[1].addr);
    la[0].addr.port = la[1].addr.port = 5000;
    if (data[0] & 4)
        la[1].component = 2;
    struct rg_ice_config cfg = {.mode = (data[0] & 1) ? RG_ICE_LITE : RG_ICE_FULL,
                                .role = (data[0] & 2) ? RG_ICE_CONTROLLED : RG_ICE_CONTROLLING,
                                .rng = &f.rng,
                                .addrs = la,
                                .n_addrs = 2,
                                .prefer_ipv6 = data[0] & 8};
    if (rg_ice_agent_new(&cfg, &f.a) != RG_OK)
        abort();
    if (!(data[0] & 16) &&
        rg_ice_agent_set_remote_credentials(f.a, 0, RG_STR_LIT("peer"), RG_STR_LIT(PEER_PWD)))
        abort();
    const uint8_t *p = data + 1, *end = data + size;
    for (int ops = 0; p < end && ops < 4096; ops++)
        run_op(&f, &p, end);
    advance(&f, 255);
    rg_ice_agent_free(f.a);
    return 0;
}
