/*
 * rtcgate — the operator CLI client of rtcgated.
 *
 *   rtcgate [--state-dir DIR]                 interactive (libedit) on a terminal,
 *                                             else commands read from stdin
 *   rtcgate [--state-dir DIR] COMMAND WORDS…  one command
 *   rtcgate --schema                          prints the configuration schema
 *
 * Everything the operator sees is computed by the daemon (io/cli_server.h):
 * prompts, output, completion and `?` help.  In scripted modes (stdin or a
 * command on the command line) each command is echoed after its prompt, so
 * the transcript reads exactly as an interactive session would; a
 * `Discard changes and continue? [yes,no]` question takes the next stdin
 * line as its answer (none: no).  Exit status: 0 when every command ended
 * in [ok], 1 when one ended in [error], 2 when the daemon is unreachable.
 */
#include <errno.h>
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "ctl/schema_doc.h"

#define DEFAULT_STATE_DIR "/var/lib/rtcgate"
#define MAX_LINE 8192

struct conn {
    int fd;
    char prompt[128];
    char rbuf[65536];
    size_t rlen, roff;
};

static struct conn g_conn; /* the libedit callbacks reach the session through this */

static int get_byte(struct conn *c)
{
    if (c->roff == c->rlen) {
        ssize_t r;
        do
            r = read(c->fd, c->rbuf, sizeof(c->rbuf));
        while (r < 0 && errno == EINTR);
        if (r <= 0)
            return -1;
        c->rlen = (size_t)r;
        c->roff = 0;
    }
    return (unsigned char)c->rbuf[c->roff++];
}

/* Reads one response; body goes to *body (malloc'd, NUL-terminated). */
static int read_response(struct conn *c, int *status, char **body)
{
    char hdr[128];
    size_t n = 0;
    int ch;
    while ((ch = get_byte(c)) >= 0 && ch != '\n' && n + 1 < sizeof(hdr))
        hdr[n++] = (char)ch;
    hdr[n] = '\0';
    unsigned long len = 0, plen = 0;
    if (ch != '\n' || sscanf(hdr, "R %d %lu %lu", status, &len, &plen) != 3 || len > (64ul << 20) ||
        plen >= sizeof(c->prompt))
        return -1;
    char *b = rg_malloc(len + 1);
    if (!b)
        return -1;
    for (unsigned long i = 0; i < len + plen; i++) {
        if ((ch = get_byte(c)) < 0) {
            rg_free(b);
            return -1;
        }
        if (i < len)
            b[i] = (char)ch;
        else
            c->prompt[i - len] = (char)ch;
    }
    b[len] = '\0';
    c->prompt[plen] = '\0';
    *body = b;
    return 0;
}

static int request(struct conn *c, char op, const char *line, int *status, char **body)
{
    char buf[MAX_LINE + 4];
    int n = snprintf(buf, sizeof(buf), "%c %s\n", op, line);
    if (n < 0 || (size_t)n >= sizeof(buf) || strchr(line, '\n'))
        return -1;
    for (int off = 0; off < n;) {
        ssize_t w = write(c->fd, buf + off, (size_t)(n - off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += (int)w;
    }
    return read_response(c, status, body);
}

static int connect_daemon(struct conn *c, const char *dir)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/cli.sock", dir) >=
        sizeof(sa.sun_path))
        return -1;
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        fprintf(stderr, "rtcgate: cannot reach rtcgated at %s: %s\n", sa.sun_path,
                strerror(errno));
        return -1;
    }
    int st;
    char *body = NULL;
    if (read_response(c, &st, &body) != 0)
        return -1;
    rg_free(body);
    return 0;
}

/* Runs one command with its transcript; returns the status or -1. */
static int run_scripted(struct conn *c, const char *line, FILE *answers)
{
    int st = 0;
    char *body = NULL;
    printf("%s%s\n", c->prompt, line);
    if (request(c, 'x', line, &st, &body) != 0)
        return -1;
    fputs(body, stdout);
    rg_free(body);
    while (st == 2) { /* yes/no question: the next input line answers it */
        char ans[256] = "no";
        if (answers && fgets(ans, sizeof(ans), answers))
            ans[strcspn(ans, "\r\n")] = '\0';
        else
            snprintf(ans, sizeof(ans), "no");
        printf("%s\n", ans);
        if (request(c, 'x', ans, &st, &body) != 0)
            return -1;
        fputs(body, stdout);
        rg_free(body);
    }
    fflush(stdout);
    return st;
}

static const char *el_prompt(EditLine *el)
{
    (void)el;
    return g_conn.prompt;
}

/* The line up to the cursor (what completion and help look at). */
static void line_to_cursor(EditLine *el, char *out, size_t size)
{
    const LineInfo *li = el_line(el);
    size_t n = (size_t)(li->cursor - li->buffer);
    if (n >= size)
        n = size - 1;
    memcpy(out, li->buffer, n);
    out[n] = '\0';
}

static unsigned char el_help(EditLine *el, int ch)
{
    char line[MAX_LINE];
    int st;
    char *body = NULL;
    line_to_cursor(el, line, sizeof(line));
    size_t quotes = 0;
    for (const char *p = line; *p; p++)
        quotes += *p == '"';
    if (quotes % 2) { /* inside a quoted string `?` is just a character */
        char s[2] = { (char)ch, 0 };
        el_insertstr(el, s);
        return CC_REFRESH;
    }
    if (request(&g_conn, 'h', line, &st, &body) != 0)
        return CC_EOF;
    printf("\n%s", body);
    rg_free(body);
    return CC_REDISPLAY;
}

static unsigned char el_complete(EditLine *el, int ch)
{
    char line[MAX_LINE];
    int st;
    char *body = NULL;
    (void)ch;
    line_to_cursor(el, line, sizeof(line));
    if (request(&g_conn, 'c', line, &st, &body) != 0)
        return CC_EOF;
    const char *last = strrchr(line, ' ');
    const char *partial = last ? last + 1 : line;
    size_t plen = strlen(partial), common = 0, count = 0;
    char first[512] = "";
    for (char *p = body; *p; count++) { /* "word\thelp\n" lines */
        char *tab = strchr(p, '\t'), *nl = strchr(p, '\n');
        if (!tab || !nl)
            break;
        size_t wl = (size_t)(tab - p);
        if (count == 0) {
            common = wl < sizeof(first) ? wl : sizeof(first) - 1;
            memcpy(first, p, common);
        } else {
            size_t i = 0;
            while (i < common && i < wl && first[i] == p[i])
                i++;
            common = i;
        }
        p = nl + 1;
    }
    unsigned char ret = CC_REFRESH;
    if (count == 1 && first[0] != '<') {
        first[common] = '\0';
        el_insertstr(el, first + plen);
        el_insertstr(el, " ");
    } else if (count > 1 && common > plen) {
        first[common] = '\0';
        el_insertstr(el, first + plen);
    } else if (count > 1 || (count == 1 && first[0] == '<')) {
        printf("\n");
        for (char *p = body; *p;) {
            char *tab = strchr(p, '\t'), *nl = strchr(p, '\n');
            if (!tab || !nl)
                break;
            printf("  %.*s\n", (int)(tab - p), p);
            p = nl + 1;
        }
        ret = CC_REDISPLAY;
    }
    rg_free(body);
    return ret;
}

static int interactive(struct conn *c)
{
    EditLine *el = el_init("rtcgate", stdin, stdout, stderr);
    History *h = history_init();
    HistEvent ev;
    if (!el || !h)
        return 2;
    history(h, &ev, H_SETSIZE, 500);
    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_PROMPT, el_prompt);
    el_set(el, EL_HIST, history, h);
    el_set(el, EL_ADDFN, "rg-complete", "Complete the word", el_complete);
    el_set(el, EL_ADDFN, "rg-help", "Possible completions", el_help);
    el_set(el, EL_BIND, "^I", "rg-complete", NULL);
    el_set(el, EL_BIND, "?", "rg-help", NULL);
    int count, rc = 0;
    const char *in;
    while ((in = el_gets(el, &count)) != NULL) {
        char line[MAX_LINE];
        snprintf(line, sizeof(line), "%s", in);
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            history(h, &ev, H_ENTER, line);
        int st;
        char *body = NULL;
        if (request(c, 'x', line, &st, &body) != 0) {
            rc = 2;
            break;
        }
        fputs(body, stdout);
        fflush(stdout);
        rg_free(body);
        if (st == 3)
            break;
        if (st == 2) /* the question is the next prompt */
            c->prompt[0] = '\0';
    }
    history_end(h);
    el_end(el);
    return rc;
}

static int print_schema(void)
{
    struct rg_buf b;
    rg_buf_init(&b, 1 << 22);
    int rc = rg_sch_dump(&b);
    if (rc == RG_OK)
        fputs(b.data, stdout);
    rg_buf_deinit(&b);
    return rc == RG_OK ? 0 : 1;
}

static int scripted_stdin(struct conn *c)
{
    char line[MAX_LINE];
    int worst = 0;
    while (fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        int st = run_scripted(c, line, stdin);
        if (st < 0)
            return 2;
        if (st == 1)
            worst = 1;
        if (st == 3)
            break;
    }
    return worst;
}

int main(int argc, char **argv)
{
    const char *dir = DEFAULT_STATE_DIR;
    int i = 1;
    if (argc > 1 && strcmp(argv[1], "--schema") == 0)
        return print_schema();
    if (argc > 2 && strcmp(argv[1], "--state-dir") == 0) {
        dir = argv[2];
        i = 3;
    }
    if (connect_daemon(&g_conn, dir) != 0)
        return 2;
    if (i < argc) { /* one command from the command line */
        char line[MAX_LINE] = "";
        size_t n = 0;
        for (; i < argc; i++) {
            int w = snprintf(line + n, sizeof(line) - n, "%s%s", n ? " " : "", argv[i]);
            if (w < 0 || (size_t)w >= sizeof(line) - n)
                return 2;
            n += (size_t)w;
        }
        int st = run_scripted(&g_conn, line, NULL);
        return st < 0 ? 2 : st == 1;
    }
    if (isatty(STDIN_FILENO))
        return interactive(&g_conn);
    return scripted_stdin(&g_conn);
}
