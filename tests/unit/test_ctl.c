/* Unit tests for src/ctl: schema, parser, show layouts, validation, CLI
 * sessions and their vendor-style messages, secrets, op tables. */
#include "harness.h"

#include <stdlib.h>
#include <unistd.h>

#include "core/rng.h"
#include "ctl/cfg_access.h"
#include "ctl/cli.h"
#include "ctl/cmd.h"
#include "ctl/defaults.h"
#include "ctl/optables.h"
#include "ctl/pki.h"
#include "ctl/schema_doc.h"
#include "media/policer.h"

#define TS 1700000000 /* 2023-11-14 22:13:20 UTC */

struct fx {
    struct rg_rng_seeded st;
    struct rg_rng rng;
    struct rg_secret sec;
    struct rg_ctl ctl;
    char dir[64];
};

/* pass: passphrase of the factory certificate file (certs_dir set). */
static int fx_init_pass(struct fx *f, const char *certs_dir, const char *pass)
{
    memset(f, 0, sizeof(*f));
    rg_rng_seeded_init(&f->st, 7, &f->rng);
    for (int i = 0; i < 32; i++)
        f->sec.key[i] = (uint8_t)(i * 7 + 1);
    f->sec.rng = &f->rng;
    int rc = rg_ctl_init(&f->ctl, &f->sec, certs_dir, 0);
    if (rc != RG_OK)
        return rc;
    struct rg_buf msgs;
    rg_buf_init(&msgs, 1 << 16);
    struct rg_cfg *c = NULL;
    struct rg_buf text;
    rg_buf_init(&text, 1 << 20);
    rc = rg_buf_append_cstr(&text, rg_default_config);
    if (rc == RG_OK && pass)
        rc = rg_buf_appendf(&text, "set system security pki certificate defaultDtlsSBCCert "
                                   "passPhrase %s\n", pass);
    if (rc == RG_OK)
        rc = rg_ctl_parse_text(&f->ctl, rg_buf_str(&text), &c, &msgs);
    if (rc == RG_OK)
        rg_ctl_install(&f->ctl, c);
    rg_buf_deinit(&msgs);
    rg_buf_deinit(&text);
    if (rc != RG_OK)
        rg_ctl_deinit(&f->ctl);
    return rc;
}

static int fx_init(struct fx *f, const char *certs_dir)
{
    return fx_init_pass(f, certs_dir, NULL);
}

/* Runs lines (separated by \n) in session s; returns the last status and
 * leaves the last answer in out. */
static int run(struct rg_cli *s, const char *lines, struct rg_buf *out)
{
    int st = RG_CLI_OK;
    const char *p = lines;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        rg_buf_reset(out);
        st = rg_cli_exec(s, rg_str_make(p, n), TS, out);
        p += n + (nl ? 1 : 0);
    }
    return st;
}

static char *running_text(struct rg_ctl *ctl)
{
    struct rg_buf b;
    rg_buf_init(&b, 1 << 22);
    struct rg_cfg_snap *s = rg_ctl_snapshot(ctl);
    if (rg_ctl_to_text(s->cfg, &b) != RG_OK)
        rg_buf_reset(&b);
    rg_cfg_snap_put(ctl, s);
    char *t = rg_malloc(b.len + 1);
    if (t) {
        memcpy(t, b.data ? b.data : "", b.len);
        t[b.len] = '\0';
    }
    rg_buf_deinit(&b);
    return t;
}

static void schema_matching(struct rg_t *t)
{
    const struct rg_sch_node *k = NULL;
    const char *v = NULL;
    CHECK_EQ_INT(t, rg_sch_child(rg_sch_root(), RG_STR_LIT("prof"), &k), RG_SCH_UNIQUE);
    CHECK(t, k && strcmp(k->name, "profiles") == 0);
    CHECK_EQ_INT(t, rg_sch_child(rg_sch_root(), RG_STR_LIT("xyz"), &k), RG_SCH_NONE);
    static const char *const ed[] = { "disabled", "enabled", NULL };
    struct rg_sch_enum en = { ed, NULL };
    CHECK_EQ_INT(t, rg_sch_enum_match(&en, RG_STR_LIT("enable"), &v), RG_SCH_UNIQUE);
    CHECK(t, v && strcmp(v, "enabled") == 0); /* the seed's `state enable` */
    CHECK_EQ_INT(t, rg_sch_enum_match(&en, RG_STR_LIT("Enabled"), &v), RG_SCH_NONE);
    struct rg_buf b;
    rg_buf_init(&b, 1 << 20);
    CHECK_OK(t, rg_sch_dump(&b));
    CHECK(t, b.data && strstr(b.data, "iceSupport none | iceWebrtc | iceLync | iceFull  default none"));
    rg_buf_deinit(&b);
}

static void tokenizer_quotes(struct rg_t *t)
{
    static struct rg_cmd_line l;
    struct rg_cmd_err err;
    CHECK_OK(t, rg_cmd_tokenize(RG_STR_LIT("set a \"a=setup:actpass\\r\\n\" \"q\\\"x\\\\\""), &l, &err));
    REQUIRE(t, l.n == 4);
    CHECK_STR(t, l.tok[2].s, "a=setup:actpass\\r\\n"); /* kept as typed */
    CHECK_STR(t, l.tok[3].s, "q\"x\\");
    CHECK_EQ_INT(t, l.tok[2].off, 6);
    CHECK_EQ_INT(t, rg_cmd_tokenize(RG_STR_LIT("set \"open"), &l, &err), RG_EBADMSG);
    CHECK_EQ_INT(t, err.off, 4);
    /* Quoting for show/set lines reads back to the same value. */
    const char *vals[] = { "a=rtcp-fb.*?\\r\\n", "x\\", "a\"b", "a\\\\r", "", "two words" };
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        struct rg_buf b;
        rg_buf_init(&b, 256);
        CHECK_OK(t, rg_cfg_quote(&b, vals[i]));
        CHECK_OK(t, rg_cmd_tokenize(rg_buf_str(&b), &l, &err));
        CHECK(t, l.n == 1 && rg_str_eq_cstr(l.tok[0].s, vals[i]));
        rg_buf_deinit(&b);
    }
}

/* The bad-input table of the issue: vendor wording, caret position, and
 * the running configuration unchanged afterwards. */
struct bad_case {
    const char *name;
    const char *setup;   /* lines run first (in configuration mode) */
    const char *line;    /* the offending line */
    const char *want;    /* a line the answer must contain */
    int caret;           /* expected caret column, -1 = no caret line */
};

static const struct bad_case bad_cases[] = {
    { "out of range", "", "set profiles security dtlsProfile d1 handshakeTimer 70",
      "syntax error: \"70\" is out of range.", 67 },
    { "unknown element", "", "set profiles security dtlsProfile d1 bogusLeaf 5",
      "syntax error: unknown element", 52 },
    { "invalid enum", "",
      "set addressContext default zone ZONE_WRTC sipTrunkGroup TG_WRTC services natTraversal "
      "iceSupport iceLite",
      "syntax error: \"iceLite\" is an invalid value.", 112 },
    { "ambiguous element", "", "set profiles security dtlsProfile d1 v1 enabled",
      "syntax error: \"v1\" is ambiguous (v1_0 v1_1 v1_2).", 52 },
    { "ambiguous value", "", "set profiles security dtlsProfile d1 hashType sha",
      "syntax error: \"sha\" is ambiguous (sha1 sha224 sha256 sha384 sha512).", 61 },
    { "missing value", "", "set profiles security dtlsProfile d1 handshakeTimer",
      "syntax error: missing argument", 67 },
    { "unknown command", "", "frobnicate", "syntax error: unknown command", 15 },
    { "unterminated quote", "", "set profiles media codecEntry \"X",
      "syntax error: unterminated quoted string", 45 },
    { "dangling reference", "set addressContext default zone ZONE_WRTC sipTrunkGroup TG_WRTC media "
      "dtlsProfileName nosuch", "commit",
      "Aborted: illegal reference 'addressContext default zone ZONE_WRTC sipTrunkGroup TG_WRTC "
      "media dtlsProfileName'", -1 },
    { "deleted profile still used", "delete profiles media packetServiceProfile DEFAULT", "commit",
      "Aborted: illegal reference 'addressContext default zone ZONE_SIP sipTrunkGroup TG_SIP policy "
      "media packetServiceProfile'", -1 },
    { "default profile missing", "set addressContext default zone Z2 sipTrunkGroup T2 state enabled\n"
      "delete addressContext default zone ZONE_SIP\ndelete global staticRoute\n"
      "delete profiles media packetServiceProfile DEFAULT",
      "commit",
      "Aborted: illegal reference 'addressContext default zone Z2 sipTrunkGroup T2 policy media "
      "packetServiceProfile'", -1 },
    { "certificate not enabled", "set system security pki certificate c2 fileName x.p12\n"
      "set profiles security dtlsProfile d1 CertName c2", "commit",
      "Aborted: 'profiles security dtlsProfile d1 CertName': certificate c2 is not enabled", -1 },
    { "ICE vs mediaNat", "set addressContext default zone ZONE_WRTC sipTrunkGroup TG_WRTC services "
      "natTraversal mediaNat enabled", "commit",
      "Aborted: 'addressContext default zone ZONE_WRTC sipTrunkGroup TG_WRTC services natTraversal "
      "mediaNat': must be disabled when iceSupport is not none (STUN handling for media NAT and "
      "ICE are mutually exclusive)", -1 },
    { "invalid regexp", "set profiles signaling sipAdaptorProfile P rule 1 action 1 regexp string "
      "\"a=((\"", "commit",
      "Aborted: 'profiles signaling sipAdaptorProfile P rule 1 action 1 regexp string': invalid "
      "regular expression: missing closing parenthesis at offset 4", -1 },
    { "port range order", "set system media mediaPortRange min 30000 max 20000", "commit",
      "Aborted: 'system media mediaPortRange': min must be lower than max", -1 },
    { "codec missing", "set profiles media codecEntry X packetSize 20", "commit",
      "Aborted: 'profiles media codecEntry X codec': is not configured", -1 },
    { "missing p12", "set system security pki certificate c3 state enabled fileName nosuch.p12 "
      "passPhrase x", "commit",
      "Aborted: 'system security pki certificate c3 fileName': cannot read ", -1 },
    { "wrong passphrase", "set system security pki certificate c4 state enabled fileName t.p12 "
      "passPhrase wrong", "commit",
      "Aborted: 'system security pki certificate c4 passPhrase': wrong passPhrase for ", -1 },
    { "foreign $7$", "", "set system security pki certificate c5 passPhrase "
      "$7$D9bBhC0fE+n89v5kimypN4dl1KCGAwRj",
      "syntax error: \"$7$D9bBhC0fE+n89v5kimypN4dl1KCGAwRj\" is an invalid value.", 65 },
};

static int caret_col(const char *out)
{
    const char *c = strchr(out, '^');
    if (!c)
        return -1;
    const char *bol = c;
    while (bol > out && bol[-1] != '\n')
        bol--;
    for (const char *p = bol; p < c; p++) {
        if (*p != '-')
            return -2;
    }
    return (int)(c - bol);
}

static void bad_input_table(struct rg_t *t)
{
    char dir[] = "/tmp/rg_ctl_test_XXXXXX";
    REQUIRE(t, mkdtemp(dir) != NULL);
    char p12[128];
    snprintf(p12, sizeof(p12), "%s/t.p12", dir);
    REQUIRE(t, rg_pki_generate_p12(p12, "right", "test") == RG_OK);
    char factory[128];
    snprintf(factory, sizeof(factory), "%s/%s", dir, RG_DEFAULT_CERT_FILE);
    REQUIRE(t, rg_pki_generate_p12(factory, "right", "test") == RG_OK);
    char why[512];
    CHECK_OK(t, rg_pki_check_p12(p12, "right", why, sizeof(why)));
    CHECK_EQ_INT(t, rg_pki_check_p12(p12, "wrong", why, sizeof(why)), RG_EAUTH);
    struct fx f;
    REQUIRE(t, fx_init_pass(&f, dir, "right") == RG_OK);
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        char *before = running_text(&f.ctl);
        struct rg_cli s;
        struct rg_buf out;
        rg_cli_init(&s, &f.ctl);
        rg_buf_init(&out, 1 << 20);
        CHECK_EQ_INT(t, run(&s, "configure", &out), RG_CLI_OK);
        if (*c->setup)
            CHECK_EQ_INT(t, run(&s, c->setup, &out), RG_CLI_OK);
        int st = run(&s, c->line, &out);
        const char *o = out.data ? out.data : "";
        if (st != RG_CLI_ERROR || !strstr(o, c->want) || !strstr(o, "[error][2023-11-14 22:13:20]") ||
            caret_col(o) != c->caret) {
            fprintf(stderr, "  case %s: status %d caret %d\n%s\n", c->name, st, caret_col(o), o);
            t->failures++;
        }
        char *after = running_text(&f.ctl);
        if (!before || !after || strcmp(before, after) != 0) {
            fprintf(stderr, "  case %s: running configuration changed\n", c->name);
            t->failures++;
        }
        rg_free(before);
        rg_free(after);
        rg_buf_deinit(&out);
        rg_cli_deinit(&s);
    }
    rg_ctl_deinit(&f.ctl);
    unlink(p12);
    unlink(factory);
    rmdir(dir);
}

static void modes_and_messages(struct rg_t *t)
{
    struct fx f;
    REQUIRE(t, fx_init(&f, NULL) == RG_OK);
    struct rg_cli s;
    struct rg_buf out;
    rg_cli_init(&s, &f.ctl);
    rg_buf_init(&out, 1 << 20);
    CHECK_EQ_INT(t, run(&s, "config", &out), RG_CLI_OK);
    CHECK_STR(t, rg_buf_str(&out), "Entering configuration mode private\n[ok][2023-11-14 22:13:20]\n\n[edit]\n");
    char p[64];
    rg_cli_prompt(&s, p, sizeof(p));
    CHECK(t, strcmp(p, "admin@rtcgate% ") == 0);
    CHECK_EQ_INT(t, run(&s, "commit", &out), RG_CLI_OK);
    CHECK_STR(t, rg_buf_str(&out), "No modifications to commit.\n[ok][2023-11-14 22:13:20]\n\n[edit]\n");
    CHECK_EQ_INT(t, run(&s, "set system ngControl port 4000", &out), RG_CLI_OK);
    CHECK_EQ_INT(t, run(&s, "exit", &out), RG_CLI_CONFIRM);
    CHECK_STR(t, rg_buf_str(&out), "Discard changes and continue? [yes,no] ");
    CHECK_EQ_INT(t, run(&s, "no", &out), RG_CLI_OK);
    CHECK(t, s.config);
    CHECK_EQ_INT(t, run(&s, "Commit", &out), RG_CLI_OK); /* the seed's capital C */
    CHECK_STR(t, rg_buf_str(&out), "Commit complete.\n[ok][2023-11-14 22:13:20]\n\n[edit]\n");
    CHECK(t, strcmp(rg_cfg_get(f.ctl.running->cfg, "system ngControl port"), "4000") == 0);
    CHECK_EQ_INT(t, run(&s, "set system ngControl port 4001\nrevert\ncommit", &out), RG_CLI_OK);
    CHECK(t, strstr(out.data, "No modifications to commit.") != NULL);
    CHECK_EQ_INT(t, run(&s, "set system ngControl port 4002\nexit\nyes", &out), RG_CLI_OK);
    CHECK(t, !s.config);
    CHECK(t, strcmp(rg_cfg_get(f.ctl.running->cfg, "system ngControl port"), "4000") == 0);
    CHECK_EQ_INT(t, run(&s, "show status global callDetailStatus", &out), RG_CLI_OK);
    CHECK_STR(t, rg_buf_str(&out), "No entries found.\n[ok][2023-11-14 22:13:20]\n");
    CHECK_EQ_INT(t, run(&s, "show configuration system ngControl | display set", &out), RG_CLI_OK);
    CHECK(t, strstr(out.data, "set system ngControl port 4000\n") != NULL);
    CHECK_EQ_INT(t, run(&s, "exit", &out), RG_CLI_CLOSED);
    rg_buf_deinit(&out);
    rg_cli_deinit(&s);
    rg_ctl_deinit(&f.ctl);
}

/* Two private candidates: the later commit replays its lines on top of the
 * earlier one's result, so neither change is lost. */
static void private_sessions_merge(struct rg_t *t)
{
    struct fx f;
    REQUIRE(t, fx_init(&f, NULL) == RG_OK);
    struct rg_cli a, b;
    struct rg_buf out;
    rg_cli_init(&a, &f.ctl);
    rg_cli_init(&b, &f.ctl);
    rg_buf_init(&out, 1 << 20);
    CHECK_EQ_INT(t, run(&a, "configure\nset system ngControl port 5000", &out), RG_CLI_OK);
    CHECK_EQ_INT(t, run(&b, "configure\nset system media mediaAddress 10.0.0.1\ncommit", &out),
                 RG_CLI_OK);
    struct rg_cfg_snap *old = rg_ctl_snapshot(&f.ctl);
    CHECK_EQ_INT(t, run(&a, "commit", &out), RG_CLI_OK);
    CHECK(t, strcmp(rg_cfg_get(f.ctl.running->cfg, "system ngControl port"), "5000") == 0);
    CHECK(t, strcmp(rg_cfg_get(f.ctl.running->cfg, "system media mediaAddress"), "10.0.0.1") == 0);
    /* A reader's snapshot is immutable: it still shows the old port. */
    CHECK(t, strcmp(rg_cfg_get(old->cfg, "system ngControl port"), "2223") == 0);
    rg_cfg_snap_put(&f.ctl, old);
    rg_buf_deinit(&out);
    rg_cli_deinit(&a);
    rg_cli_deinit(&b);
    rg_ctl_deinit(&f.ctl);
}

static void show_layouts(struct rg_t *t)
{
    struct fx f;
    REQUIRE(t, fx_init(&f, NULL) == RG_OK);
    struct rg_cli s;
    struct rg_buf out;
    rg_cli_init(&s, &f.ctl);
    rg_buf_init(&out, 1 << 20);
    run(&s, "configure\nset profiles security dtlsProfile d1 handshakeTimer 60 sessionResumpTimer "
            "300 cipherSuite1 rsa-with-aes-128-cbc-sha dtlsRole server hashType sha1 CertName "
            "defaultDtlsSBCCert cookieExchange enabled v1_0 enabled v1_1 disabled v1_2 disabled",
        &out);
    CHECK_EQ_INT(t, run(&s, "show profiles security dtlsProfile d1", &out), RG_CLI_OK);
    CHECK_STR(t, rg_buf_str(&out),
              "handshakeTimer     60;\nsessionResumpTimer 300;\n"
              "cipherSuite1       rsa-with-aes-128-cbc-sha;\ndtlsRole           server;\n"
              "hashType           sha1;\nCertName           defaultDtlsSBCCert;\n"
              "cookieExchange     enabled;\nv1_0               enabled;\n"
              "v1_1               disabled;\nv1_2               disabled;\n"
              "[ok][2023-11-14 22:13:20]\n\n[edit]\n");
    run(&s, "set system security pki certificate c fileName f.p12 type local passPhrase pw state "
            "enable",
        &out);
    CHECK_EQ_INT(t, run(&s, "show system security pki certificate", &out), RG_CLI_OK);
    const char *o = out.data;
    const char *c = strstr(o, "certificate c {\n    state      enabled;\n    fileName   f.p12;\n"
                              "    passPhrase $7$");
    CHECK(t, c != NULL);
    CHECK(t, c && strstr(c, ";\n    type       local;\n}\n[ok]"));
    /* Pasting the shown $7$ value back stores the same secret. */
    char enc[RG_SECRET_MAX_TEXT] = "";
    const char *e = c ? strstr(c, "$7$") : NULL;
    if (e)
        snprintf(enc, sizeof(enc), "%.*s", (int)strcspn(e, ";"), e);
    char line[600];
    snprintf(line, sizeof(line), "set system security pki certificate c passPhrase %s", enc);
    CHECK_EQ_INT(t, run(&s, line, &out), RG_CLI_OK);
    char plain[64];
    const char *stored = rg_cfg_get(s.cand, "system security pki certificate c passPhrase");
    CHECK(t, stored && rg_secret_decrypt(&f.sec, rg_str_from_cstr(stored), plain, sizeof(plain)) ==
                           RG_OK && strcmp(plain, "pw") == 0);
    rg_buf_deinit(&out);
    rg_cli_deinit(&s);
    rg_ctl_deinit(&f.ctl);
}

static void completion_and_help(struct rg_t *t)
{
    struct fx f;
    REQUIRE(t, fx_init(&f, NULL) == RG_OK);
    struct rg_cli s;
    struct rg_buf out;
    rg_cli_init(&s, &f.ctl);
    rg_buf_init(&out, 1 << 20);
    CHECK_EQ_INT(t, rg_cli_complete(&s, RG_STR_LIT("conf"), &out), 1);
    CHECK(t, strncmp(out.data, "configure\t", 10) == 0);
    run(&s, "configure", &out);
    rg_buf_reset(&out);
    CHECK_EQ_INT(t, rg_cli_complete(&s, RG_STR_LIT("set profiles security dtlsProfile d1 v1"), &out), 3);
    rg_buf_reset(&out);
    CHECK_EQ_INT(t, rg_cli_complete(&s, RG_STR_LIT("set addressContext default zone ZONE_WRTC "
                                                   "sipTrunkGroup TG_WRTC services natTraversal "
                                                   "iceSupport ice"), &out), 3);
    CHECK(t, strstr(out.data, "iceWebrtc\t") && strstr(out.data, "iceFull\t"));
    rg_buf_reset(&out);
    /* References complete from the existing objects. */
    CHECK_EQ_INT(t, rg_cli_complete(&s, RG_STR_LIT("set profiles media packetServiceProfile X codec "
                                                   "codecEntry1 G7"), &out), 2);
    rg_buf_reset(&out);
    CHECK(t, rg_cli_help(&s, RG_STR_LIT("set profiles security dtlsProfile d1 handshakeTimer "), &out) == 1);
    CHECK(t, strstr(out.data, "Possible completions:\n  <1-60> - Seconds allowed") != NULL);
    rg_buf_reset(&out);
    CHECK(t, rg_cli_help(&s, RG_STR_LIT("set system ngControl port 3000 "), &out) == 4);
    CHECK(t, strstr(out.data, "  <cr>    - Run the command\n") != NULL);
    rg_buf_deinit(&out);
    rg_cli_deinit(&s);
    rg_ctl_deinit(&f.ctl);
}

static void cds_seed_record(struct rg_t *t)
{
    static const char *const v[RG_CDS_NFIELDS] = {
        "audio", "Stable", "33002", "8095300530", "none", "", "SIP_TO_SIP", "4", "passthru", "44",
        "44", "1", "0", "76", "72", "10.54.48.41", "5080", "10.70.52.68", "5060",
        "10.54.45.56/ 1538 (rtcp: 1539)", "10.70.52.68/ 63185 (rtcp: 63186)",
        "10.54.47.56/ 1528 (rtcp: 1529)", "10.70.52.68/ 60526 (rtcp: 60527)",
        "rtp-Encrypted,rtp-auth,srtp-terminated,rtcp-encrypted,rtcp-auth,crypto-aescm,hmacsha180",
        "rtp-disabled,rtcp-disabled", "76", "72", "ST_ICE_COMPLETE", "NONE", "TERMINATED",
        "DISABLED", "ing-lcl-FULL-ICE,ing-rmt-FULL-ICE,eg-lcl-NONE,eg-rmt-NONE", "a1", "INTERNAL",
        "ING_Coper_MaleSwe1", "a1", "EXTERNAL", "MALESWE1_EGR",
    };
    struct rg_cds_table tab;
    rg_cds_table_init(&tab);
    static struct rg_cds_record r;
    memset(&r, 0, sizeof(r));
    r.gcid = 44;
    for (int i = 0; i < RG_CDS_NFIELDS; i++)
        snprintf(r.val[i], sizeof(r.val[i]), "%s", v[i] ? v[i] : ""); /* extensions: empty */
    CHECK_OK(t, rg_cds_put(&tab, &r));
    size_t len = 0;
    char *want = rg_t_read_file("tests/vectors/seed/callDetailStatus.txt", &len);
    REQUIRE(t, want != NULL);
    struct rg_buf out;
    rg_buf_init(&out, 1 << 16);
    CHECK_OK(t, rg_cds_format(tab.rec, tab.n, &out));
    CHECK_MEM(t, out.data, out.len, want, len);
    CHECK_EQ_INT(t, rg_cds_remove(&tab, 44), RG_OK);
    CHECK_EQ_INT(t, rg_cds_remove(&tab, 44), RG_ENOTFOUND);
    rg_buf_reset(&out);
    CHECK_OK(t, rg_cds_format(tab.rec, tab.n, &out));
    CHECK_STR(t, rg_buf_str(&out), "No entries found.\n");
    rg_buf_deinit(&out);
    rg_free(want);
    rg_cds_table_deinit(&tab);
}

/* The vendor's example: bucket 50, 20 pps; the 51st packet 49 ms after a
 * burst of 50 is dropped, one at 50 ms passes. */
static void policer_bucket(struct rg_t *t)
{
    struct rg_policer p;
    rg_policer_init(&p, RG_POL_PKTRATE, 50, 20, 1000);
    for (int i = 0; i < 50; i++)
        CHECK(t, rg_policer_admit(&p, 1000, 100));
    CHECK(t, !rg_policer_admit(&p, 1000 + 49000, 100));
    CHECK(t, rg_policer_admit(&p, 1000 + 50000, 100));
    CHECK_EQ_INT(t, p.accepted, 51);
    CHECK_EQ_INT(t, p.discarded, 1);
    rg_policer_init(&p, RG_POL_DATARATE, 3000, 1000, 0);
    CHECK(t, rg_policer_admit(&p, 0, 3000));
    CHECK(t, !rg_policer_admit(&p, 0, 1));
    CHECK(t, !rg_policer_admit(&p, INT64_MAX, 3001)); /* larger than the bucket */
    CHECK(t, rg_policer_admit(&p, INT64_MAX, 3000));  /* no overflow after a long idle */
}

static void secrets(struct rg_t *t)
{
    struct rg_rng_seeded st;
    struct rg_rng rng;
    rg_rng_seeded_init(&st, 3, &rng);
    struct rg_secret a = { { 1 }, &rng }, b = { { 2 }, &rng };
    char enc[RG_SECRET_MAX_TEXT], plain[RG_SECRET_MAX_PLAIN + 1];
    CHECK_OK(t, rg_secret_encrypt(&a, RG_STR_LIT("gsx9000"), enc, sizeof(enc)));
    CHECK(t, strncmp(enc, "$7$", 3) == 0 && !strstr(enc, "gsx9000"));
    CHECK_OK(t, rg_secret_decrypt(&a, rg_str_from_cstr(enc), plain, sizeof(plain)));
    CHECK(t, strcmp(plain, "gsx9000") == 0);
    CHECK_EQ_INT(t, rg_secret_decrypt(&b, rg_str_from_cstr(enc), plain, sizeof(plain)), RG_EAUTH);
    CHECK(t, rg_secret_decrypt(&a, RG_STR_LIT("$7$D9bBhC0fE+n89v5kimypN4dl1KCGAwRj"), plain,
                               sizeof(plain)) != RG_OK); /* another system's key */
    CHECK_EQ_INT(t, rg_secret_decrypt(&a, RG_STR_LIT("$7$!!!!"), plain, sizeof(plain)), RG_EBADMSG);
}

static int parse_defaults(void *arg)
{
    struct fx *f = arg;
    struct rg_buf msgs, text;
    rg_buf_init(&msgs, 1 << 16);
    rg_buf_init(&text, 1 << 20);
    struct rg_cfg *c = NULL, *d = NULL;
    int rc = rg_ctl_parse_text(&f->ctl, rg_str_from_cstr(rg_default_config), &c, &msgs);
    if (rc == RG_OK)
        rc = rg_ctl_to_text(c, &text);
    if (rc == RG_OK)
        rc = rg_ctl_parse_text(&f->ctl, rg_buf_str(&text), &d, &msgs);
    if (rc == RG_OK && !rg_cfg_equal(c, d))
        rc = RG_EINVAL; /* set lines must read back to the same tree */
    if (rc == RG_OK) {
        rg_buf_reset(&text);
        rc = rg_cfg_show(&d->root, &text);
    }
    rg_cfg_free(c);
    rg_cfg_free(d);
    rg_buf_deinit(&msgs);
    rg_buf_deinit(&text);
    return rc == RG_ELIMIT ? RG_ENOMEM : rc;
}

/* A whole session on a ctl of its own, so that every byte is freed
 * whichever allocation fails. */
static int session_work(void *arg)
{
    struct fx *f = arg;
    int rc = fx_init(f, NULL);
    if (rc != RG_OK)
        return rc;
    struct rg_cli s;
    struct rg_buf out;
    rg_cli_init(&s, &f->ctl);
    rg_buf_init(&out, 1 << 20);
    int st = run(&s, "configure\nset profiles signaling sipAdaptorProfile P rule 1 action 1 "
                     "regexp string \"a=x.*?\\r\\n\" matchInstance all\nshow profiles\n"
                     "set system ngControl port 1234\ncommit",
                 &out);
    rc = st == RG_CLI_OK && out.data && strstr(out.data, "Commit complete.") ? RG_OK : RG_ENOMEM;
    rg_buf_deinit(&out);
    rg_cli_deinit(&s);
    rg_ctl_deinit(&f->ctl);
    return rc;
}

static void oom_stepping(struct rg_t *t)
{
    struct fx f;
    REQUIRE(t, fx_init(&f, NULL) == RG_OK);
    rg_t_oom_step(t, parse_defaults, &f, 5000);
    rg_ctl_deinit(&f.ctl);
    struct fx g;
    rg_t_oom_step(t, session_work, &g, 5000);
}

/* The look-ups later modules use, on the embedded default plus a route. */
static void typed_accessors(struct rg_t *t)
{
    struct fx f;
    REQUIRE(t, fx_init(&f, NULL) == RG_OK);
    struct rg_cli s;
    struct rg_buf out;
    rg_cli_init(&s, &f.ctl);
    rg_buf_init(&out, 1 << 20);
    CHECK_EQ_INT(t, run(&s, "configure\nset global staticRoute +4420 trunkGroup TG_WRTC "
                            "destinationAddress 192.0.2.7 destinationPort 5070 transport tcp\n"
                            "commit", &out), RG_CLI_OK);
    struct rg_cfg_snap *snap = rg_ctl_snapshot(&f.ctl);
    struct rg_tg_ref tg;
    REQUIRE(t, rg_cfg_trunk_group(snap->cfg, "TG_WRTC", &tg) == RG_OK);
    CHECK(t, strcmp(tg.zone, "ZONE_WRTC") == 0 && strcmp(tg.address_context, "default") == 0);
    CHECK_EQ_INT(t, rg_cfg_tg_ice(tg.tg), RG_ICE_WEBRTC);
    REQUIRE(t, rg_cfg_trunk_group(snap->cfg, "TG_SIP", &tg) == RG_OK);
    CHECK_EQ_INT(t, rg_cfg_tg_ice(tg.tg), RG_ICE_NONE); /* schema default */
    CHECK_EQ_INT(t, rg_cfg_trunk_group(snap->cfg, "nosuch", &tg), RG_ENOTFOUND);
    const struct rg_cfg_node *codecs[RG_PSP_MAX_CODECS];
    CHECK_EQ_INT(t, rg_cfg_psp_codecs(snap->cfg, "PSP_WRTC", codecs), 3);
    CHECK(t, strcmp(codecs[0]->key, "OPUS-Default") == 0 && strcmp(codecs[2]->key, "G711A-DEFAULT") == 0);
    CHECK(t, strcmp(rg_cfg_get_at(codecs[0], "preferredRtpPayloadType"), "111") == 0);
    struct rg_route r;
    REQUIRE(t, rg_cfg_route_lookup(snap->cfg, RG_STR_LIT("+442071234567"), &r) == RG_OK);
    CHECK(t, strcmp(r.trunk_group, "TG_WRTC") == 0 && r.port == 5070 && strcmp(r.transport, "tcp") == 0);
    REQUIRE(t, rg_cfg_route_lookup(snap->cfg, RG_STR_LIT("8095300530"), &r) == RG_OK);
    CHECK(t, strcmp(r.prefix, "default") == 0 && strcmp(r.host, "127.0.0.1") == 0 && r.port == 5080);
    rg_cfg_snap_put(&f.ctl, snap);
    rg_buf_deinit(&out);
    rg_cli_deinit(&s);
    rg_ctl_deinit(&f.ctl);
}

static const struct rg_test_case cases[] = {
    { "typed_accessors", typed_accessors },
    { "schema_matching", schema_matching },
    { "tokenizer_quotes", tokenizer_quotes },
    { "bad_input_table", bad_input_table },
    { "modes_and_messages", modes_and_messages },
    { "private_sessions_merge", private_sessions_merge },
    { "show_layouts", show_layouts },
    { "completion_and_help", completion_and_help },
    { "cds_seed_record", cds_seed_record },
    { "policer_bucket", policer_bucket },
    { "secrets", secrets },
    { "oom_stepping", oom_stepping },
};

RG_TEST_MAIN(cases)
