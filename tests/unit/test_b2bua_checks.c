/* The B2BUA's answers to requests outside any call that it must refuse:
 * OPTIONS gets the UAS checks an INVITE gets (RFC 3261 §11.2, §8.2.2:
 * 416, 420, 415), a request without an RFC 3261 branch a stateless 400
 * (RFC 4475 §3.2.1), fed with the RFC 4475 torture messages themselves. */
#include <string.h>

#include "harness.h"

#include "b2bua/b2bua.h"
#include "core/arena.h"
#include "core/rng.h"
#include "ctl/ctl.h"
#include "ctl/defaults.h"
#include "media/mcall.h"
#include "proto/sip/sip_build.h"

struct tb {
    struct rg_rng_seeded st;
    struct rg_rng rng;
    struct rg_secret sec;
    struct rg_ctl ctl;
    struct rg_cfg *cfg;
    struct rg_b2b *b;
    struct rg_arena a;
    int n_eng;
};

static int no_sdp(void *ud, uint64_t cookie, struct rg_str id, struct rg_str from,
                  struct rg_str to, bool answer, struct rg_str sdp,
                  const struct rg_mside_req *req)
{
    struct tb *t = ud;
    (void)cookie, (void)id, (void)from, (void)to, (void)answer, (void)sdp, (void)req;
    t->n_eng++;
    return RG_OK;
}

static void no_del(void *ud, struct rg_str id)
{
    (void)ud, (void)id;
}

static int tb_init(struct tb *t)
{
    memset(t, 0, sizeof(*t));
    rg_rng_seeded_init(&t->st, 7, &t->rng);
    t->sec.rng = &t->rng;
    rg_arena_init(&t->a, 65536, 16u << 20);
    int rc = rg_ctl_init(&t->ctl, &t->sec, NULL, 0);
    struct rg_buf msgs;
    rg_buf_init(&msgs, 4096);
    if (rc == RG_OK)
        rc = rg_ctl_parse_text(&t->ctl, rg_str_from_cstr(rg_default_config), &t->cfg, &msgs);
    rg_buf_deinit(&msgs);
    struct rg_b2b_cfg c = {.cfg = t->cfg, .rng = &t->rng, .max_calls = 4};
    snprintf(c.local[RG_B2B_UDP].host, sizeof(c.local[0].host), "127.0.0.1");
    c.local[RG_B2B_UDP].port = 5060;
    struct rg_b2b_env env = {.sdp = no_sdp, .del = no_del, .ud = t};
    if (rc == RG_OK)
        rc = rg_b2b_new(&c, &env, &t->b);
    return rc;
}

static void tb_deinit(struct tb *t)
{
    rg_b2b_free(t->b);
    rg_cfg_free(t->cfg);
    rg_ctl_deinit(&t->ctl);
    rg_arena_deinit(&t->a);
}

/* Unsupported and Accept of the last final response status_for saw. */
static char last_unsupported[256], last_accept[64];

static void copy_hdr(const struct rg_sip_msg *r, const char *name, char *out, size_t cap)
{
    const struct rg_sip_hdr *h = rg_sip_msg_find(r, rg_str_from_cstr(name), NULL);
    size_t n = h ? (h->value.len < cap - 1 ? h->value.len : cap - 1) : 0;
    if (n)
        memcpy(out, h->value.p, n);
    out[n] = 0;
}

/* Feeds an RFC 4475 file over UDP from 127.0.0.1:40000 and returns the
 * status of the one response sent back to that source (0: none). */
static unsigned status_for(struct rg_t *t, struct tb *b, const char *file)
{
    char path[128];
    snprintf(path, sizeof(path), "tests/vectors/rfc4475/%s", file);
    size_t n = 0;
    char *data = rg_t_read_file(path, &n);
    CHECK(t, data != NULL);
    if (!data)
        return 0;
    struct rg_sip_msg *m = NULL;
    struct rg_sip_error err;
    unsigned status = 0;
    if (rg_sip_parse(data, n, NULL, &b->a, &m, &err) == RG_OK) {
        struct rg_b2b_rx rx = {.msg = m, .kind = RG_B2B_UDP, .zone = "ZONE_SIP"};
        rx.from.flow = RG_B2B_FLOW_TO(RG_B2B_UDP);
        (void)!rg_addr_parse_ip(RG_STR_LIT("127.0.0.1"), &rx.from.addr);
        rx.from.addr.port = 40000;
        CHECK_OK(t, rg_b2b_handle_rx(b->b, 1000000, &rx));
        struct rg_sip_transmit tx;
        while (rg_b2b_poll_transmit(b->b, &tx) == RG_OK) {
            struct rg_sip_msg *r = NULL;
            CHECK(t, tx.to.addr.port == 40000);
            if (rg_sip_parse(tx.data, tx.len, NULL, &b->a, &r, &err) == RG_OK && !r->is_request &&
                r->status >= 200) {
                status = r->status;
                copy_hdr(r, "Unsupported", last_unsupported, sizeof(last_unsupported));
                copy_hdr(r, "Accept", last_accept, sizeof(last_accept));
            }
        }
    } else {
        CHECK(t, !"vector parses");
    }
    rg_free(data);
    return status;
}

static void options_checked_like_invite(struct rg_t *t)
{
    struct tb b;
    CHECK_OK(t, tb_init(&b));
    CHECK_EQ_INT(t, status_for(t, &b, "unkscm.dat"), 416);  /* §3.3.2 */
    CHECK_EQ_INT(t, status_for(t, &b, "bext01.dat"), 420);  /* §3.3.5 */
    /* RFC 3261 §8.2.2.3: the tags of Require we lack (Proxy-Require is a
     * proxy's business), so the client can retry without them. */
    CHECK_STR(t, rg_str_from_cstr(last_unsupported), "nothingSupportsThis, nothingSupportsThisEither");
    CHECK_EQ_INT(t, status_for(t, &b, "invut.dat"), 415);   /* §3.3.6, an INVITE */
    CHECK_STR(t, rg_str_from_cstr(last_accept), "application/sdp");       /* RFC 3261 §21.4.13 */
    CHECK_EQ_INT(t, status_for(t, &b, "lwsdisp.dat"), 200); /* §3.1.1.6: a valid OPTIONS */
    CHECK_EQ_INT(t, b.n_eng, 0);                            /* no call was started */
    tb_deinit(&b);
}

static void pre_3261_branch_refused(struct rg_t *t)
{
    struct tb b;
    CHECK_OK(t, tb_init(&b));
    CHECK_EQ_INT(t, status_for(t, &b, "badbranch.dat"), 400); /* §3.2.1 */
    CHECK_EQ_INT(t, rg_b2b_call_count(b.b), 0);
    tb_deinit(&b);
}

static const struct rg_test_case cases[] = {
    {"options_checked_like_invite", options_checked_like_invite},
    {"pre_3261_branch_refused", pre_3261_branch_refused},
};

RG_TEST_MAIN(cases)
