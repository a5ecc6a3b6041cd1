/*
 * fuzz_cli.c — the CLI command parser and validator on the schema
 * (ctl/cmd, ctl/cli, ctl/validate, ctl/cfg_show).
 *
 * Input: lines.  A line starting with TAB asks for completion of the rest,
 * one starting with '?' for help; any other line is executed in one session
 * (the first is preceded by `configure`).  Invariants checked (abort):
 *  - every executed command ends with [ok][…] or [error][…] (then, in
 *    configuration mode, "\n[edit]\n"), a [yes,no] question, or nothing
 *    for blank/comment lines; exec never fails with an error code;
 *  - an [error] answer to set/delete leaves the candidate unchanged;
 *  - the candidate written as set lines reads back to an equal tree, and
 *    its show output is bounded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "ctl/cli.h"
#include "ctl/cmd.h"
#include "ctl/defaults.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reports which invariant broke, then aborts. */
static void fail(int which)
{
    fprintf(stderr, "fuzz_cli: invariant %d violated\n", which);
    abort();
}

static struct rg_rng_seeded g_seed;
static struct rg_rng g_rng;
static struct rg_secret g_sec;
static struct rg_ctl g_ctl;
static struct rg_cfg *g_template;

static void setup(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    rg_rng_seeded_init(&g_seed, 1, &g_rng);
    g_sec.rng = &g_rng;
    struct rg_buf msgs;
    rg_buf_init(&msgs, 1 << 16);
    if (rg_ctl_init(&g_ctl, &g_sec, NULL, 0) != RG_OK ||
        rg_ctl_parse_text(&g_ctl, rg_str_from_cstr(rg_default_config), &g_template, &msgs) != RG_OK)
        fail(1);
    rg_buf_deinit(&msgs);
}

static void check_answer(const struct rg_cli *s, int st, struct rg_str line, const struct rg_buf *out)
{
    if (st < 0)
        fail(2);
    struct rg_str t = rg_str_trim(line);
    if (st == RG_CLI_CLOSED || st == RG_CLI_CONFIRM)
        return;
    if (out->len == 0) {
        if (t.len && t.p[0] != '#' && t.p[0] != '!')
            fail(3); /* only blank and comment lines answer nothing */
        return;
    }
    const char *end = out->data + out->len;
    size_t tail = s->config ? strlen("\n[edit]\n") : 0;
    if (tail && (out->len < tail || memcmp(end - tail, "\n[edit]\n", tail) != 0))
        fail(4);
    const char *last = end - tail;
    const char *bol = last - 1;
    while (bol > out->data && bol[-1] != '\n')
        bol--;
    const char *want = st == RG_CLI_ERROR ? "[error][" : "[ok][";
    if ((size_t)(last - bol) < strlen(want) || memcmp(bol, want, strlen(want)) != 0)
        fail(5);
}

static void check_roundtrip(const struct rg_cfg *c)
{
    struct rg_buf text, msgs;
    rg_buf_init(&text, 1 << 22);
    rg_buf_init(&msgs, 1 << 16);
    struct rg_cfg *back = NULL;
    if (rg_ctl_to_text(c, &text) != RG_OK)
        fail(6);
    if (rg_ctl_parse_text(&g_ctl, rg_buf_str(&text), &back, &msgs) != RG_OK) {
        fprintf(stderr, "round trip: %.*s\n", (int)msgs.len, msgs.data ? msgs.data : "");
        fail(7);
    }
    if (!rg_cfg_equal(c, back))
        fail(8);
    rg_buf_reset(&text);
    if (rg_cfg_show(&back->root, &text) != RG_OK)
        fail(9);
    rg_cfg_free(back);
    rg_buf_deinit(&text);
    rg_buf_deinit(&msgs);
}

static bool is_edit(struct rg_str line)
{
    struct rg_str t = rg_str_trim(line);
    return rg_str_has_caseprefix(t, "set ") || rg_str_has_caseprefix(t, "del");
}

/* The candidate as set lines (cheaper than a clone under ASan). */
static void snapshot_text(const struct rg_cli *s, struct rg_buf *b)
{
    rg_buf_reset(b);
    if (s->cand && rg_cfg_set_lines(&s->cand->root, b) != RG_OK)
        fail(14);
}

static void run_line(struct rg_cli *s, struct rg_str line, struct rg_buf *out, struct rg_buf *before,
                     struct rg_buf *after)
{
    rg_buf_reset(out);
    if (line.len && line.p[0] == '\t') {
        if (rg_cli_complete(s, rg_str_from(line, 1), out) < 0)
            fail(10);
        return;
    }
    if (line.len && line.p[0] == '?') {
        if (rg_cli_help(s, rg_str_from(line, 1), out) < 0)
            fail(11);
        return;
    }
    bool edit = s->config && s->cand && is_edit(line);
    if (edit)
        snapshot_text(s, before);
    int st = rg_cli_exec(s, line, 1700000000, out);
    check_answer(s, st, line, out);
    if (edit && st == RG_CLI_ERROR) {
        snapshot_text(s, after);
        if (before->len != after->len || memcmp(before->data, after->data, before->len) != 0)
            fail(13); /* a refused line changed the candidate */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    struct rg_cfg *start = NULL;
    if (size > 16384 || rg_cfg_clone(g_template, &start) != RG_OK)
        return 0;
    rg_ctl_install(&g_ctl, start);
    struct rg_cli s;
    struct rg_buf out, before, after;
    rg_cli_init(&s, &g_ctl);
    rg_buf_init(&out, 1 << 22);
    rg_buf_init(&before, 1 << 22);
    rg_buf_init(&after, 1 << 22);
    run_line(&s, RG_STR_LIT("configure"), &out, &before, &after);
    size_t pos = 0;
    for (int n = 0; pos < size && n < 64; n++) {
        const uint8_t *nl = memchr(data + pos, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - data - pos) : size - pos;
        run_line(&s, rg_str_make((const char *)data + pos, len), &out, &before, &after);
        pos += len + 1;
        if (!s.cand && !s.config)
            run_line(&s, RG_STR_LIT("configure"), &out, &before, &after);
    }
    if (s.cand)
        check_roundtrip(s.cand);
    rg_buf_deinit(&out);
    rg_buf_deinit(&before);
    rg_buf_deinit(&after);
    rg_cli_deinit(&s);
    return 0;
}
