/* Unit tests for the `global registrar` configuration (src/ctl schema,
 * validation, ctl/cfg_registrar) and its use by b2bua/registrar: an
 * operator sets users through the CLI, the password is stored $7$, and the
 * registrar built from the snapshot challenges and accepts REGISTERs. */
#include "harness.h"

#include "b2bua/digest.h"
#include "b2bua/registrar.h"
#include "core/arena.h"
#include "core/rng.h"
#include "ctl/cfg_registrar.h"
#include "ctl/cli.h"
#include "ctl/ctl.h"
#include "ctl/defaults.h"

#define TS 1700000000

struct fx {
    struct rg_rng_seeded st;
    struct rg_rng rng;
    struct rg_secret sec;
    struct rg_ctl ctl;
    struct rg_cli cli;
    struct rg_buf out;
};

static int fx_init(struct fx *f)
{
    memset(f, 0, sizeof(*f));
    rg_rng_seeded_init(&f->st, 11, &f->rng);
    for (int i = 0; i < 32; i++)
        f->sec.key[i] = (uint8_t)(i * 5 + 3);
    f->sec.rng = &f->rng;
    int rc = rg_ctl_init(&f->ctl, &f->sec, NULL, 0);
    if (rc != RG_OK)
        return rc;
    struct rg_buf msgs;
    rg_buf_init(&msgs, 1 << 16);
    struct rg_cfg *c = NULL;
    rc = rg_ctl_parse_text(&f->ctl, rg_str_from_cstr(rg_default_config), &c, &msgs);
    rg_buf_deinit(&msgs);
    if (rc != RG_OK) {
        rg_ctl_deinit(&f->ctl);
        return rc;
    }
    rg_ctl_install(&f->ctl, c);
    rg_cli_init(&f->cli, &f->ctl);
    rg_buf_init(&f->out, 1 << 20);
    return RG_OK;
}

static void fx_deinit(struct fx *f)
{
    rg_buf_deinit(&f->out);
    rg_cli_deinit(&f->cli);
    rg_ctl_deinit(&f->ctl);
}

/* Runs the \n-separated lines; returns the last status, answer in f->out. */
static int run(struct fx *f, const char *lines)
{
    int st = RG_CLI_OK;
    const char *p = lines;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        rg_buf_reset(&f->out);
        st = rg_cli_exec(&f->cli, rg_str_make(p, n), TS, &f->out);
        p += n + (nl ? 1 : 0);
    }
    return st;
}

static bool out_has(const struct fx *f, const char *s)
{
    return f->out.data && strstr(f->out.data, s) != NULL;
}

static void defaults_without_auth(struct rg_t *t)
{
    struct fx f;
    REQUIRE(t, fx_init(&f) == RG_OK);
    struct rg_cfg_snap *snap = rg_ctl_snapshot(&f.ctl);
    struct rg_cfg_registrar r;
    REQUIRE(t, rg_cfg_registrar(snap->cfg, &f.sec, &r) == RG_OK);
    CHECK(t, strcmp(r.reg.realm, "rtcgate") == 0 && r.reg.n_users == 0 && !r.reg.users);
    rg_cfg_registrar_free(&r);
    rg_cfg_snap_put(&f.ctl, snap);
    fx_deinit(&f);
}

static void users_and_secrets(struct rg_t *t)
{
    struct fx f;
    REQUIRE(t, fx_init(&f) == RG_OK);
    CHECK_EQ_INT(t, run(&f, "configure\nset global registrar authentication enabled realm "
                            "example.org minExpires 120 maxExpires 1800 user alice password "
                            "\"Wonder Land\"\nset global registrar user bob password builder\n"
                            "set global registrar user carol\ncommit"),
                 RG_CLI_OK);
    CHECK(t, out_has(&f, "Commit complete."));
    /* The password is shown and saved only encrypted. */
    CHECK_EQ_INT(t, run(&f, "show global registrar"), RG_CLI_OK);
    CHECK(t, out_has(&f, "password $7$") && !out_has(&f, "Wonder") && !out_has(&f, "builder"));
    struct rg_cfg_snap *snap = rg_ctl_snapshot(&f.ctl);
    struct rg_cfg_registrar r;
    REQUIRE(t, rg_cfg_registrar(snap->cfg, &f.sec, &r) == RG_OK);
    CHECK(t, strcmp(r.reg.realm, "example.org") == 0);
    CHECK_EQ_INT(t, r.reg.min_expires_s, 120);
    CHECK_EQ_INT(t, r.reg.max_expires_s, 1800);
    REQUIRE(t, r.reg.n_users == 2); /* carol has no password: not a user */
    CHECK(t, strcmp(r.reg.users[0].username, "alice") == 0 &&
                 strcmp(r.reg.users[0].password, "Wonder Land") == 0);
    CHECK(t, strcmp(r.reg.users[1].username, "bob") == 0 &&
                 strcmp(r.reg.users[1].password, "builder") == 0);
    rg_cfg_registrar_free(&r);
    /* Another system's key cannot read the passwords. */
    struct rg_secret other = f.sec;
    other.key[0] ^= 1;
    CHECK_EQ_INT(t, rg_cfg_registrar(snap->cfg, &other, &r), RG_EAUTH);
    rg_cfg_snap_put(&f.ctl, snap);
    fx_deinit(&f);
}

static void commit_checks(struct rg_t *t)
{
    struct fx f;
    REQUIRE(t, fx_init(&f) == RG_OK);
    CHECK_EQ_INT(t, run(&f, "configure\nset global registrar authentication enabled\ncommit"),
                 RG_CLI_ERROR);
    CHECK(t, out_has(&f, "Aborted: 'global registrar authentication': is enabled but no user"));
    CHECK_EQ_INT(t, run(&f, "revert\nset global registrar minExpires 4000 maxExpires 3000\ncommit"),
                 RG_CLI_ERROR);
    CHECK(t, out_has(&f, "must not be above maxExpires"));
    CHECK_EQ_INT(t, run(&f, "revert\nset global registrar realm \"a\\\"b\"\ncommit"),
                 RG_CLI_ERROR);
    CHECK(t, out_has(&f, "'global registrar realm'"));
    CHECK_EQ_INT(t, run(&f, "revert\nset global registrar maxExpires 10"), RG_CLI_ERROR);
    CHECK(t, out_has(&f, "is out of range"));
    /* Without authentication, users may be listed ahead of enabling it. */
    CHECK_EQ_INT(t, run(&f, "revert\nset global registrar user dave password d\ncommit"),
                 RG_CLI_OK);
    struct rg_cfg_snap *snap = rg_ctl_snapshot(&f.ctl);
    struct rg_cfg_registrar r;
    REQUIRE(t, rg_cfg_registrar(snap->cfg, &f.sec, &r) == RG_OK);
    CHECK_EQ_INT(t, r.reg.n_users, 0);
    rg_cfg_registrar_free(&r);
    rg_cfg_snap_put(&f.ctl, snap);
    fx_deinit(&f);
}

/* A REGISTER to a registrar built from the configuration. */
static int send_register(struct rg_reg *reg, int64_t now, const char *auth,
                         struct rg_reg_reply *rep)
{
    char text[2048];
    int n = snprintf(text, sizeof(text),
                     "REGISTER sip:127.0.0.1 SIP/2.0\r\n"
                     "Via: SIP/2.0/WS x.invalid;branch=z9hG4bK%lld\r\n"
                     "To: <sip:alice@127.0.0.1>\r\nFrom: <sip:alice@127.0.0.1>;tag=1\r\n"
                     "Call-ID: cfg\r\nCSeq: %lld REGISTER\r\n%s"
                     "Contact: <sip:k@x.invalid;transport=ws>;expires=600\r\n"
                     "Content-Length: 0\r\n\r\n",
                     (long long)now, (long long)now + 1, auth);
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 16);
    struct rg_sip_msg *m = NULL;
    struct rg_sip_error err;
    struct rg_addr src = { .family = RG_AF_INET4, .port = 1 };
    int rc = rg_sip_parse(text, (size_t)n, NULL, &a, &m, &err);
    if (rc == RG_OK)
        rc = rg_reg_handle_register(reg, now, m, 5, 0, &src, rep);
    rg_arena_deinit(&a);
    return rc == RG_OK ? rep->status : rc;
}

static void registrar_from_config(struct rg_t *t)
{
    struct fx f;
    REQUIRE(t, fx_init(&f) == RG_OK);
    REQUIRE(t, run(&f, "configure\nset global registrar authentication enabled user alice "
                       "password pw1\ncommit") == RG_CLI_OK);
    struct rg_cfg_snap *snap = rg_ctl_snapshot(&f.ctl);
    struct rg_cfg_registrar r;
    REQUIRE(t, rg_cfg_registrar(snap->cfg, &f.sec, &r) == RG_OK);
    rg_cfg_snap_put(&f.ctl, snap);
    struct rg_reg *reg = NULL;
    REQUIRE(t, rg_reg_new(&r.reg, &f.rng, &reg) == RG_OK);
    rg_cfg_registrar_free(&r); /* the registrar keeps copies */
    struct rg_reg_reply rep;
    CHECK_EQ_INT(t, send_register(reg, 1, "", &rep), 401);
    long at = rg_str_find(rep.hdrs, RG_STR_LIT("nonce=\""));
    REQUIRE(t, at >= 0);
    char nonce[65], resp[RG_DIGEST_HEX_MAX], line[512];
    REQUIRE(t, rg_str_copy_cstr(rg_str_make(rep.hdrs.p + at + 7, 64), nonce, 65) == RG_OK);
    const char *pws[2] = { "wrong", "pw1" };
    int want[2] = { 401, 200 };
    for (int i = 0; i < 2; i++) {
        struct rg_digest_input in = { .alg = RG_DIGEST_MD5, .username = "alice",
                                      .realm = "rtcgate", .password = pws[i],
                                      .method = "REGISTER", .uri = "sip:127.0.0.1",
                                      .nonce = nonce, .nc = "00000001", .cnonce = "c",
                                      .qop = "auth" };
        REQUIRE(t, rg_digest_response(&in, resp) == RG_OK);
        snprintf(line, sizeof(line),
                 "Authorization: Digest username=\"alice\", realm=\"rtcgate\", nonce=\"%s\", "
                 "uri=\"sip:127.0.0.1\", response=\"%s\", algorithm=MD5, qop=auth, "
                 "cnonce=\"c\", nc=00000001\r\n",
                 nonce, resp);
        CHECK_EQ_INT(t, send_register(reg, 2 + i, line, &rep), want[i]);
    }
    CHECK_EQ_INT(t, rg_reg_count(reg), 1);
    rg_reg_free(reg);
    fx_deinit(&f);
}

static int oom_lookup(void *arg)
{
    struct fx *f = arg;
    struct rg_cfg_snap *snap = rg_ctl_snapshot(&f->ctl);
    struct rg_cfg_registrar r;
    int rc = rg_cfg_registrar(snap->cfg, &f->sec, &r);
    rg_cfg_snap_put(&f->ctl, snap);
    if (rc == RG_OK)
        rg_cfg_registrar_free(&r);
    return rc;
}

static void oom_stepping(struct rg_t *t)
{
    struct fx f;
    REQUIRE(t, fx_init(&f) == RG_OK);
    REQUIRE(t, run(&f, "configure\nset global registrar authentication enabled user alice "
                       "password pw1 user bob password pw2\ncommit") == RG_CLI_OK);
    rg_t_oom_step(t, oom_lookup, &f, 50);
    fx_deinit(&f);
}

static const struct rg_test_case cases[] = {
    { "defaults_without_auth", defaults_without_auth },
    { "users_and_secrets", users_and_secrets },
    { "commit_checks", commit_checks },
    { "registrar_from_config", registrar_from_config },
    { "oom_stepping", oom_stepping },
};

RG_TEST_MAIN(cases)
