/*
 * xcode_load.c — load generator for transcoded calls through an ng media
 * relay (rtcgated --ng or rtpengine): Opus <-> PCMU, both directions.
 *
 * Sets up N calls through the relay's ng port with the same commands for
 * every relay: an offer from an "Opus" leg A (opus/48000/2 PT 111 +
 * telephone-event/48000, plain RTP/AVP) with rtpengine's codec flags
 * ("codec": {"mask": ["all"], "transcode": ["PCMU"]}), and an answer from a
 * G.711 leg B (PCMU + telephone-event/8000).  Then every A leg sends 20 ms
 * Opus frames (a browser-like encoding of a 1 kHz tone: libopus 48 kHz,
 * complexity 9, 32 kbit/s, replayed in a loop with running sequence
 * numbers and timestamps) and every B leg sends 20 ms PCMU frames, paced
 * evenly over the ptime; the relay decodes and re-encodes both directions.
 *
 * Figures (never pass/fail): packets each way, loss, the relay's CPU
 * (utime+stime of every thread, /proc/PID/stat) over the window as µs per
 * call-second and calls per core, and VmRSS growth per call after warm-up.
 * The last line is "RESULT k=v ..." for tools/bench-xcode.sh.
 *   xcode_load --ng IP:PORT --pid PID --name NAME --calls N [--seconds S] [--warmup S]
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "media/codec.h"
#include "proto/ng/bencode.h"
#include "proto/sdp/sdp.h"

#define MAX_CALLS 4000
#define LOOP_PKTS 50 /* one second of Opus replayed */
#define POOL 16      /* generator sockets per leg kind (more receive buffer) */

struct call {
    struct sockaddr_in relay_a, relay_b; /* relay ports facing A and B */
    uint16_t seq_a, seq_b;
    uint32_t ts_a, ts_b;
    bool nb; /* the relay's answer said maxplaybackrate <= 8000 (RFC 7587 §6.1) */
};

struct gen {
    int ng_fd, fa[POOL], fb[POOL];
    struct sockaddr_in ng_addr, aa[POOL], ab[POOL];
    struct call *c;
    unsigned n;
    uint8_t opus[2][LOOP_PKTS][400]; /* [0] fullband 48 kHz, [1] narrowband */
    size_t opus_len[2][LOOP_PKTS];
    uint8_t pcmu[160];
    uint64_t sent_a, sent_b, got_a, got_b, bad_pt;
};

static void die(const char *what)
{
    fprintf(stderr, "xcode_load: %s: %s\n", what, errno ? strerror(errno) : "failed");
    exit(1);
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double proc_cpu_s(long pid)
{
    char path[64], line[2048];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(line, sizeof(line), f))
        die("read /proc/PID/stat");
    fclose(f);
    char *p = strrchr(line, ')'); /* proc(5): utime, stime are fields 14, 15 */
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        die("parse /proc/PID/stat");
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long proc_rss_kb(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

/* UDP RcvbufErrors of this network namespace (/proc/net/snmp): datagrams
 * dropped because a receiver (relay or generator) was not reading. */
static long long udp_rcvbuf_errors(void)
{
    char names[1024] = "", vals[1024] = "", line[1024];
    FILE *f = fopen("/proc/net/snmp", "r");
    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "Udp:", 4) != 0)
            continue;
        snprintf(names[0] ? vals : names, sizeof(names), "%s", line);
    }
    if (f)
        fclose(f);
    /* the header line names the columns, the next line has the values */
    const char *n = names, *v = vals;
    while (*n && *v) {
        int nl = 0, vl = 0;
        char name[64];
        long long val;
        if (sscanf(n, " %63s%n", name, &nl) != 1 || sscanf(v, " %lld%n", &val, &vl) != 1) {
            if (sscanf(v, " %*s%n", &vl) < 0 || vl == 0)
                break;
            n += nl;
            v += vl;
            continue;
        }
        if (!strcmp(name, "RcvbufErrors"))
            return val;
        n += nl;
        v += vl;
    }
    return -1;
}

static int udp_socket(struct sockaddr_in *bound)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        die("socket");
    int big = 8 << 20;
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    struct sockaddr_in a = { .sin_family = AF_INET };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    socklen_t l = sizeof(a);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) < 0)
        die("bind");
    (void)fcntl(fd, F_SETFL, O_NONBLOCK);
    *bound = a;
    return fd;
}

/* ---- media ------------------------------------------------------------------------ */

/* What a browser sends: 20 ms Opus of a 1 kHz tone at 32 kbit/s,
 * complexity 9, fullband unless the answer limited the playback rate. */
static void make_opus(struct gen *g, int v, unsigned rate)
{
    struct rg_codec_params bp = { .sample_hz = rate, .complexity = 9, .complexity_set = true,
                                  .bitrate_bps = 32000 };
    struct rg_codec_enc *oe = NULL;
    if (rg_codec_enc_create(rg_codec_by_id(RG_CODEC_OPUS), &bp, &oe) != RG_OK)
        die("codec");
    static int16_t pcm[960];
    double ph = 0;
    unsigned fr = rate / 50;
    for (int k = 0; k < LOOP_PKTS; k++) {
        for (unsigned i = 0; i < fr; i++, ph += 2 * 3.14159265358979 * 1000 / rate)
            pcm[i] = (int16_t)(8000 * __builtin_sin(ph));
        int n = rg_codec_encode(oe, pcm, fr, g->opus[v][k], sizeof(g->opus[v][k]));
        if (n <= 0)
            die("opus encode");
        g->opus_len[v][k] = (size_t)n;
    }
    rg_codec_enc_destroy(oe);
}

static void make_media(struct gen *g)
{
    make_opus(g, 0, 48000);
    make_opus(g, 1, 8000);
    struct rg_codec_enc *ue = NULL;
    if (rg_codec_enc_create(rg_codec_by_id(RG_CODEC_PCMU), NULL, &ue) != RG_OK)
        die("codec");
    static int16_t pcm[960];
    for (int i = 0; i < 160; i++)
        pcm[i] = (int16_t)(8000 * __builtin_sin(2 * 3.14159265358979 * 1000 * i / 8000));
    if (rg_codec_encode(ue, pcm, 160, g->pcmu, sizeof(g->pcmu)) != 160)
        die("pcmu encode");
    rg_codec_enc_destroy(ue);
}

/* ---- ng ------------------------------------------------------------------------ */

static void benc_str(struct rg_buf *b, const char *s)
{
    (void)!rg_buf_appendf(b, "%zu:%s", strlen(s), s);
}

static void benc_kv(struct rg_buf *b, const char *k, const char *v)
{
    benc_str(b, k);
    benc_str(b, v);
}

static struct rg_str ng_sdp(struct gen *g, struct rg_arena *a, const char *cookie,
                            const struct rg_buf *req)
{
    static char rx[65536];
    size_t cl = strlen(cookie);
    for (int attempt = 0; attempt < 3; attempt++) {
        if (sendto(g->ng_fd, req->data, req->len, 0, (struct sockaddr *)&g->ng_addr,
                   sizeof(g->ng_addr)) < 0)
            die("ng sendto");
        struct pollfd p = { .fd = g->ng_fd, .events = POLLIN };
        while (poll(&p, 1, 2000) > 0) {
            ssize_t n = recv(g->ng_fd, rx, sizeof(rx) - 1, 0);
            if (n <= (ssize_t)cl || memcmp(rx, cookie, cl) != 0 || rx[cl] != ' ')
                continue;
            const struct rg_bencode *d;
            struct rg_str r, sdp;
            if (rg_bencode_parse(a, rx + cl + 1, (size_t)n - cl - 1, NULL, &d) > 0 &&
                rg_bencode_dict_str(d, "result", &r) == RG_OK && rg_str_eq_cstr(r, "ok") &&
                rg_bencode_dict_str(d, "sdp", &sdp) == RG_OK)
                return sdp;
            fprintf(stderr, "xcode_load: %s refused: %.*s\n", cookie, (int)(n - (ssize_t)cl),
                    rx + cl);
            exit(1);
        }
    }
    fprintf(stderr, "xcode_load: no ng reply to %s\n", cookie);
    exit(1);
}

static void sdp_port(struct rg_str text, struct sockaddr_in *out)
{
    struct rg_arena a;
    rg_arena_init(&a, 16384, 1 << 20);
    struct rg_sdp *sdp;
    struct rg_sdp_error err = { 0 };
    if (rg_sdp_parse(text, NULL, &a, &sdp, &err) != RG_OK || sdp->n_media < 1)
        die("relay SDP");
    memset(out, 0, sizeof(*out));
    out->sin_family = AF_INET;
    out->sin_port = htons(sdp->media[0].port);
    inet_pton(AF_INET, "127.0.0.1", &out->sin_addr);
    rg_arena_deinit(&a);
}

static void setup_call(struct gen *g, unsigned i)
{
    char sdp[1024], callid[64], cookie[32];
    snprintf(callid, sizeof(callid), "xl-%ld-%u", (long)getpid(), i);
    for (int side = 0; side < 2; side++) {
        struct rg_buf req;
        rg_buf_init(&req, 8192);
        snprintf(cookie, sizeof(cookie), "x%u_%d", i, side);
        (void)!rg_buf_appendf(&req, "%s d", cookie);
        unsigned port = ntohs(side == 0 ? g->aa[i % POOL].sin_port : g->ab[i % POOL].sin_port);
        if (side == 0)
            snprintf(sdp, sizeof(sdp),
                     "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                     "m=audio %u RTP/AVP 111 110\r\na=rtpmap:111 opus/48000/2\r\n"
                     "a=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:110 telephone-event/48000\r\n"
                     "a=rtcp-mux\r\na=sendrecv\r\n",
                     port);
        else
            snprintf(sdp, sizeof(sdp),
                     "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                     "m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n"
                     "a=rtcp-mux\r\na=sendrecv\r\n",
                     port);
        benc_kv(&req, "call-id", callid);
        if (side == 0)
            (void)!rg_buf_append_cstr(&req, "5:codecd4:maskl3:alle9:transcodel4:PCMUee");
        benc_kv(&req, "command", side == 0 ? "offer" : "answer");
        benc_kv(&req, "from-tag", "ft");
        benc_str(&req, "replace");
        (void)!rg_buf_append_cstr(&req, "l6:origin18:session-connectione");
        benc_kv(&req, "sdp", sdp);
        if (side == 1)
            benc_kv(&req, "to-tag", "tt");
        (void)!rg_buf_append_cstr(&req, "e");
        struct rg_arena a;
        rg_arena_init(&a, 16384, 1 << 20);
        struct rg_str rsdp = ng_sdp(g, &a, cookie, &req);
        sdp_port(rsdp, side == 0 ? &g->c[i].relay_b : &g->c[i].relay_a);
        long mpr = rg_str_find(rsdp, RG_STR_LIT("maxplaybackrate="));
        if (side == 1 && mpr >= 0)
            g->c[i].nb = strtol(rsdp.p + mpr + 16, NULL, 10) <= 8000;
        rg_arena_deinit(&a);
        rg_buf_deinit(&req);
    }
    g->c[i].seq_a = (uint16_t)(i * 7);
    g->c[i].ts_a = i * 1000u;
    g->c[i].seq_b = (uint16_t)(i * 13);
    g->c[i].ts_b = i * 3000u;
}

/* ---- traffic -------------------------------------------------------------------- */

static void send_rtp(int fd, const struct sockaddr_in *to, uint8_t pt, uint16_t seq, uint32_t ts,
                     uint32_t ssrc, const uint8_t *p, size_t len)
{
    uint8_t pkt[512];
    pkt[0] = 0x80;
    pkt[1] = pt;
    pkt[2] = (uint8_t)(seq >> 8);
    pkt[3] = (uint8_t)seq;
    for (int i = 0; i < 4; i++) {
        pkt[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
        pkt[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    }
    memcpy(pkt + 12, p, len);
    (void)sendto(fd, pkt, 12 + len, 0, (const struct sockaddr *)to, sizeof(*to));
}

static void receive(struct gen *g, bool count)
{
    uint8_t buf[2048];
    for (int k = 0; k < 2 * POOL; k++) {
        ssize_t n;
        while ((n = recv(k >= POOL ? g->fb[k - POOL] : g->fa[k], buf, sizeof(buf), 0)) > 0) {
            if (n < 12 || (buf[1] >= 200 && buf[1] <= 204) || !count)
                continue;
            uint8_t pt = buf[1] & 0x7f;
            if (k < POOL) {
                g->got_a++;
                g->bad_pt += pt != 111 && pt != 110;
            } else {
                g->got_b++;
                g->bad_pt += pt != 0 && pt != 101;
            }
        }
    }
}

/* Sends 20 ms frames on every leg for `secs`, each call at its own offset
 * in the 20 ms period. */
static void traffic(struct gen *g, double secs, bool count)
{
    int64_t start = mono_us(), end = start + (int64_t)(secs * 1e6);
    uint64_t frame = 0;
    for (int64_t t0 = start; t0 < end; t0 += 20000, frame++) {
        for (unsigned slot = 0; slot < 20; slot++) {
            int64_t due = t0 + slot * 1000;
            while (mono_us() < due)
                receive(g, count), usleep(200);
            for (unsigned i = slot; i < g->n; i += 20) {
                struct call *c = &g->c[i];
                unsigned k = (unsigned)(frame % LOOP_PKTS);
                send_rtp(g->fa[i % POOL], &c->relay_a, 111 | (frame == 0 ? 0x80 : 0), c->seq_a++,
                         c->ts_a, 0x1000 + i, g->opus[c->nb][k], g->opus_len[c->nb][k]);
                c->ts_a += 960;
                send_rtp(g->fb[i % POOL], &c->relay_b, 0 | (frame == 0 ? 0x80 : 0), c->seq_b++, c->ts_b,
                         0x9000 + i, g->pcmu, 160);
                c->ts_b += 160;
                if (count) {
                    g->sent_a++;
                    g->sent_b++;
                }
            }
        }
    }
    receive(g, count);
}

int main(int argc, char **argv)
{
    const char *ng = "127.0.0.1:22223", *name = "relay";
    long pid = 0;
    unsigned calls = 100;
    double secs = 10, warm = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--ng"))
            ng = argv[i + 1];
        else if (!strcmp(argv[i], "--pid"))
            pid = strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--name"))
            name = argv[i + 1];
        else if (!strcmp(argv[i], "--calls"))
            calls = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--seconds"))
            secs = strtod(argv[i + 1], NULL);
        else if (!strcmp(argv[i], "--warmup"))
            warm = strtod(argv[i + 1], NULL);
    }
    if (!pid || calls == 0 || calls > MAX_CALLS) {
        fprintf(stderr, "usage: xcode_load --ng IP:PORT --pid PID --name NAME --calls N "
                        "[--seconds S] [--warmup S]\n");
        return 2;
    }
    static struct gen g;
    g.n = calls;
    g.c = calloc(calls, sizeof(*g.c));
    if (!g.c)
        die("calloc");
    make_media(&g);
    for (int k = 0; k < POOL; k++) {
        g.fa[k] = udp_socket(&g.aa[k]);
        g.fb[k] = udp_socket(&g.ab[k]);
    }
    struct sockaddr_in any;
    g.ng_fd = udp_socket(&any);
    (void)fcntl(g.ng_fd, F_SETFL, 0);
    char host[64];
    snprintf(host, sizeof(host), "%s", ng);
    char *colon = strrchr(host, ':');
    if (!colon)
        die("--ng IP:PORT");
    *colon = 0;
    g.ng_addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)strtol(colon + 1, NULL, 10)) };
    inet_pton(AF_INET, host, &g.ng_addr.sin_addr);
    long rss0 = proc_rss_kb(pid);
    for (unsigned i = 0; i < calls; i++)
        setup_call(&g, i);
    traffic(&g, warm, false);
    long rss1 = proc_rss_kb(pid);
    double cpu0 = proc_cpu_s(pid);
    long long rcv0 = udp_rcvbuf_errors();
    int64_t w0 = mono_us();
    traffic(&g, secs, true);
    double cpu = proc_cpu_s(pid) - cpu0, wall = (double)(mono_us() - w0) / 1e6;
    long long rcv_drops = udp_rcvbuf_errors() - rcv0;
    usleep(300000);
    receive(&g, true);
    double us_per_call_s = cpu * 1e6 / (calls * wall);
    /* delivered / sent in the window (the relay's jitter buffer shifts a
     * few warm-up packets into the window, so this can exceed 100 %) */
    double loss_a = g.sent_b ? 100.0 * (double)g.got_a / (double)g.sent_b : 0;
    double loss_b = g.sent_a ? 100.0 * (double)g.got_b / (double)g.sent_a : 0;
    printf("%s: %u Opus<->PCMU calls, %.1f s: Opus sent %llu, PCMU out %llu (%.1f%% delivered); PCMU "
           "sent %llu, Opus out %llu (%.1f%% delivered); wrong PT %llu; UDP receive-buffer "
           "drops %lld\n",
           name, calls, wall, (unsigned long long)g.sent_a, (unsigned long long)g.got_b, loss_b,
           (unsigned long long)g.sent_b, (unsigned long long)g.got_a, loss_a,
           (unsigned long long)g.bad_pt, rcv_drops);
    unsigned nb = 0;
    for (unsigned i = 0; i < calls; i++)
        nb += g.c[i].nb;
    printf("%s: Opus legs told maxplaybackrate 8000 (browser encodes narrowband): %u of %u\n",
           name, nb, calls);
    printf("%s: CPU %.2f s = %.0f us per call-second = %.0f calls per core; RSS %ld -> %ld kB "
           "(%.1f kB per call)\n",
           name, cpu, us_per_call_s, us_per_call_s > 0 ? 1e6 / us_per_call_s : 0, rss0, rss1,
           (double)(rss1 - rss0) / calls);
    printf("RESULT name=%s calls=%u us_per_call_s=%.0f calls_per_core=%.0f kb_per_call=%.1f "
           "delivered_pcmu=%.1f delivered_opus=%.1f\n",
           name, calls, us_per_call_s, us_per_call_s > 0 ? 1e6 / us_per_call_s : 0,
           (double)(rss1 - rss0) / calls, loss_b, loss_a);
    free(g.c);
    return 0;
}
