/*
 * relay_load.c — load generator for an ng media relay (rtcgated --ng or
 * rtpengine): SDES-SRTP -> plain RTP audio relay cost.
 *
 * Sets up N calls through the relay's ng port (offer from an SDES-SRTP leg
 * "A": RTP/SAVP, a=crypto AES_CM_128_HMAC_SHA1_80, transport-protocol
 * RTP/AVP toward the answerer; answer from a plain RTP leg "B"), then sends
 * 20 ms audio (12-byte RTP header + 160-byte PCMU payload, SRTP-protected
 * with the call's key) on every A leg, paced evenly over the ptime, and
 * receives the relayed plain RTP on the B legs.  The payload carries the
 * CLOCK_MONOTONIC send time, so latency is receive time minus send time as
 * the generator sees it (its own scheduling included, same for every relay).
 *
 * The relay's CPU is utime+stime of the whole process (every thread) from
 * /proc/PID/stat over the measurement window; its memory is VmRSS from
 * /proc/PID/status before and after setting up the calls.  Legs share a
 * small pool of generator sockets (several calls per socket) so that the
 * generator batches with sendmmsg/recvmmsg; the relay still has its own
 * ports per call.
 *
 * Prints figures, never pass/fail; the last line is "RESULT k=v ..." for
 * tools/bench-relay.sh.  Usage:
 *   relay_load --ng IP:PORT --pid PID --name NAME --streams N
 *              [--seconds S] [--warmup S] [--ptime-ms P] [--local IP]
 *              [--delete yes|no]   (ng delete of every call at the end; no)
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/base64.h"
#include "core/alloc.h"
#include "core/addr.h"
#include "core/arena.h"
#include "core/rng.h"
#include "core/buf.h"
#include "core/str.h"
#include "proto/ng/bencode.h"
#include "proto/sdp/sdp.h"
#include "proto/srtp/srtp_ctx.h"
#include "proto/srtp/srtp_lib.h"
#include "proto/srtp/srtp_sdes.h"

#define POOL 4           /* generator sockets per leg kind */
#define BATCH 64         /* datagrams per sendmmsg / recvmmsg */
#define PAYLOAD 160      /* PCMU, 20 ms at 8 kHz */
#define HIST_US 200000   /* latency histogram: 1 µs bins up to 200 ms */
#define MAX_STREAMS 20000

/* SRTP AES_CM_128_HMAC_SHA1_80 sender (RFC 3711 §4.1.1, §4.2, §4.3) on
 * pre-keyed OpenSSL contexts.  The generator does not use libsrtp for
 * sending: Debian's libsrtp2 (NSS backend) costs grow with the number of
 * live sessions (bench/bench_srtp_sessions.c), which would make the
 * generator, not the relay, the bottleneck at 1,000+ streams.  Checked
 * against libsrtp (rg_srtp_lib_unprotect_rtp, the test oracle) at start-up. */
struct srtp_tx {
    EVP_CIPHER_CTX *aes;   /* AES-128-CTR with the session encryption key */
    EVP_MAC_CTX *mac;      /* HMAC-SHA1 keyed with the session auth key */
    uint8_t salt[14];      /* session salt */
    uint32_t roc;          /* rollover counter (RFC 3711 §3.3.1) */
};

struct stream {
    struct srtp_tx srtp;
    struct sockaddr_in relay_a; /* relay port facing leg A (we send there) */
    uint16_t seq;
    uint32_t ts;
};

struct opts {
    const char *ng, *name, *local;
    long pid;
    unsigned streams;
    double seconds, warmup;
    unsigned ptime_ms;
    bool delete_calls;
};

struct gen {
    struct opts o;
    int ng_fd;
    struct sockaddr_in ng_addr;
    int fa[POOL], fb[POOL];
    struct sockaddr_in aa[POOL], ab[POOL];
    struct stream *st;
    uint64_t *hist;
    uint64_t hist_over;
    uint64_t sent_win, recv_win, recv_all, sent_all, send_err, bad_rx;
    int64_t win_start_ns, win_end_ns;
    double softirq_s; /* machine-wide irq+softirq CPU over the window */
};

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "relay_load: %s: %s\n", what, errno ? strerror(errno) : "failed");
    exit(1);
}

/* ---- /proc figures of the relay ------------------------------------------ */

static double proc_cpu_s(long pid)
{
    char path[64], line[2048];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(line, sizeof(line), f))
        die("read /proc/PID/stat");
    fclose(f);
    /* Fields after the ")" that closes comm: state is field 3; utime and
     * stime are fields 14 and 15 (proc(5)). */
    char *p = strrchr(line, ')');
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        die("parse /proc/PID/stat");
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Machine-wide irq + softirq CPU seconds (/proc/stat "cpu" line): with IRQ
 * time accounting, loopback delivery done in softirq is charged to no
 * process, so it is reported on its own. */
static double proc_softirq_s(void)
{
    unsigned long long v[7] = { 0 };
    FILE *f = fopen("/proc/stat", "r");
    if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                     &v[4], &v[5], &v[6]) != 7)
        die("read /proc/stat");
    fclose(f);
    return (double)(v[5] + v[6]) / (double)sysconf(_SC_CLK_TCK);
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

/* ---- sockets --------------------------------------------------------------- */

static int udp_socket(const char *ip, struct sockaddr_in *bound)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    int sz = 8 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
    struct sockaddr_in a = { .sin_family = AF_INET };
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1)
        die("bad --local address");
    socklen_t al = sizeof(a);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0)
        die("bind");
    *bound = a;
    return fd;
}

/* ---- SRTP sender ---------------------------------------------------------- */

static EVP_MAC *g_hmac;

/* RFC 3711 §4.3.1 with key_derivation_rate 0: AES-CM keystream from IV =
 * (master salt XOR label << 48) * 2^16. */
static void kdf(const uint8_t mk[16], const uint8_t ms[14], uint8_t label, uint8_t *out, int n)
{
    uint8_t iv[16] = { 0 }, zeros[32] = { 0 };
    memcpy(iv, ms, 14);
    iv[7] ^= label;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int ol;
    if (!c || !EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, mk, iv) ||
        !EVP_EncryptUpdate(c, out, &ol, zeros, n))
        die("kdf");
    EVP_CIPHER_CTX_free(c);
}

static void srtp_tx_init(struct srtp_tx *t, const struct rg_srtp_key *k)
{
    uint8_t ek[16], ak[20];
    kdf(k->key, k->salt, 0x00, ek, 16);
    kdf(k->key, k->salt, 0x01, ak, 20);
    kdf(k->key, k->salt, 0x02, t->salt, 14);
    OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA1", 0),
                            OSSL_PARAM_construct_end() };
    t->aes = EVP_CIPHER_CTX_new();
    t->mac = EVP_MAC_CTX_new(g_hmac);
    if (!t->aes || !t->mac || !EVP_EncryptInit_ex(t->aes, EVP_aes_128_ctr(), NULL, ek, NULL) ||
        !EVP_MAC_init(t->mac, ak, sizeof(ak), params))
        die("srtp_tx_init");
    t->roc = 0;
}

static void srtp_tx_free(struct srtp_tx *t)
{
    EVP_CIPHER_CTX_free(t->aes);
    EVP_MAC_CTX_free(t->mac);
}

/* Protects p[0..len) (12-byte header, no CSRC/extension) in place; p has
 * room for the ROC and the tag.  Returns the SRTP length. */
static size_t srtp_tx_protect(struct srtp_tx *t, uint8_t *p, size_t len)
{
    uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
    uint64_t idx = (uint64_t)t->roc << 16 | seq;
    uint8_t iv[16] = { 0 }, mac[EVP_MAX_MD_SIZE];
    memcpy(iv, t->salt, 14);
    for (int i = 0; i < 4; i++)
        iv[4 + i] ^= p[8 + i]; /* SSRC * 2^64 */
    for (int i = 0; i < 6; i++)
        iv[8 + i] ^= (uint8_t)(idx >> (40 - 8 * i)); /* index * 2^16 */
    int ol;
    size_t ml = 0;
    if (!EVP_EncryptInit_ex(t->aes, NULL, NULL, NULL, iv) ||
        !EVP_EncryptUpdate(t->aes, p + 12, &ol, p + 12, (int)len - 12))
        die("protect");
    uint8_t *r = p + len; /* authenticated portion || ROC (RFC 3711 §4.2) */
    r[0] = (uint8_t)(t->roc >> 24), r[1] = (uint8_t)(t->roc >> 16);
    r[2] = (uint8_t)(t->roc >> 8), r[3] = (uint8_t)t->roc;
    EVP_MAC_CTX *m = EVP_MAC_CTX_dup(t->mac);
    if (!m || !EVP_MAC_update(m, p, len + 4) || !EVP_MAC_final(m, mac, &ml, sizeof(mac)))
        die("hmac");
    EVP_MAC_CTX_free(m);
    memcpy(p + len, mac, 10);
    if (seq == 0xffff)
        t->roc++;
    return len + 10;
}

/* Our sender against libsrtp's receiver: a few packets must authenticate
 * and decrypt to what was sent, including across a sequence wrap. */
static void srtp_self_check(void)
{
    struct rg_srtp_key k = { .profile = RG_SRTP_AES128_CM_SHA1_80, .key_len = 16, .salt_len = 14 };
    for (int i = 0; i < 16; i++)
        k.key[i] = (uint8_t)(3 * i + 1);
    for (int i = 0; i < 14; i++)
        k.salt[i] = (uint8_t)(7 * i + 5);
    struct srtp_tx t;
    srtp_tx_init(&t, &k);
    struct rg_srtp_cfg cfg = { .key = k, .dir = RG_SRTP_INBOUND };
    struct rg_srtp_lib *in;
    if (rg_srtp_lib_new(&cfg, &in) != RG_OK)
        die("self-check session");
    for (unsigned n = 0; n < 4; n++) {
        uint16_t seq = (uint16_t)(0xfffe + n);
        uint8_t p[256] = { 0x80, 0, (uint8_t)(seq >> 8), (uint8_t)seq, 0, 0, 0, 1, 0x12, 0x34,
                           0x56, 0x78 }, want[256];
        memset(p + 12, (int)n, PAYLOAD);
        memcpy(want, p, 12 + PAYLOAD);
        size_t len = srtp_tx_protect(&t, p, 12 + PAYLOAD), out;
        if (rg_srtp_lib_unprotect_rtp(in, p, len, &out) != RG_OK || out != 12 + PAYLOAD ||
            memcmp(p, want, out) != 0) {
            errno = 0;
            die("SRTP self-check against libsrtp");
        }
    }
    rg_srtp_lib_free(in);
    srtp_tx_free(&t);
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

/* Sends one request and waits (≤ 5 s, 3 tries) for the reply with its
 * cookie; returns the parsed dictionary (in arena a). */
static const struct rg_bencode *ng_call(struct gen *g, struct rg_arena *a, const char *cookie,
                                        const struct rg_buf *req)
{
    static char rx[262144];
    for (int attempt = 0; attempt < 3; attempt++) {
        if (sendto(g->ng_fd, req->data, req->len, 0, (struct sockaddr *)&g->ng_addr,
                   sizeof(g->ng_addr)) < 0)
            die("ng sendto");
        struct pollfd p = { .fd = g->ng_fd, .events = POLLIN };
        while (poll(&p, 1, 5000 / 3) > 0) {
            ssize_t n = recv(g->ng_fd, rx, sizeof(rx) - 1, 0);
            size_t cl = strlen(cookie);
            if (n <= (ssize_t)cl || memcmp(rx, cookie, cl) != 0 || rx[cl] != ' ')
                continue;
            const struct rg_bencode *d;
            if (rg_bencode_parse(a, rx + cl + 1, (size_t)n - cl - 1, NULL, &d) > 0)
                return d;
        }
    }
    fprintf(stderr, "relay_load: no ng reply to %s\n", cookie);
    exit(1);
}

/* Address and port of the first m= line of a relay's SDP. */
static void sdp_media_addr(struct rg_str text, struct sockaddr_in *out)
{
    struct rg_arena a;
    rg_arena_init(&a, 16384, 1 << 20);
    struct rg_sdp *sdp;
    struct rg_sdp_error err = { 0 };
    if (rg_sdp_parse(text, NULL, &a, &sdp, &err) != RG_OK || sdp->n_media < 1) {
        fprintf(stderr, "relay_load: unparsable SDP from relay: %s\n%.*s\n",
                err.what ? err.what : "?", (int)text.len, text.p);
        exit(1);
    }
    const struct rg_sdp_media *m = &sdp->media[0];
    const struct rg_sdp_conn *c = m->n_conns ? &m->conns[0] : &sdp->conn;
    char ip[64];
    if (rg_addr_format_ip(&c->addr, ip, sizeof(ip)) != RG_OK)
        die("relay SDP address");
    memset(out, 0, sizeof(*out));
    out->sin_family = AF_INET;
    out->sin_port = htons(m->port);
    if (inet_pton(AF_INET, ip, &out->sin_addr) != 1)
        die("relay SDP address is not IPv4");
    rg_arena_deinit(&a);
}

static struct rg_str reply_sdp(const struct rg_bencode *d, const char *what)
{
    struct rg_str r, sdp;
    if (rg_bencode_dict_str(d, "result", &r) != RG_OK || !rg_str_eq_cstr(r, "ok") ||
        rg_bencode_dict_str(d, "sdp", &sdp) != RG_OK) {
        struct rg_str why = RG_STR_NULL;
        (void)!rg_bencode_dict_str(d, "error-reason", &why);
        fprintf(stderr, "relay_load: %s refused: %.*s\n", what, (int)why.len, why.p ? why.p : "");
        exit(1);
    }
    return sdp;
}

static void leg_sdp(char *out, size_t cap, const struct sockaddr_in *a, const char *proto,
                    const char *crypto)
{
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
    snprintf(out, cap,
             "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
             "m=audio %u %s 0\r\n%s%sa=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n"
             "a=sendrecv\r\n",
             ip, ip, ntohs(a->sin_port), proto, crypto ? "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" : "",
             crypto ? crypto : "");
}

/* Offer from A (SDES), answer from B (plain) for call i. */
static void setup_call(struct gen *g, unsigned i, const struct rg_rng *rng)
{
    struct stream *s = &g->st[i];
    struct rg_srtp_key k = { .profile = RG_SRTP_AES128_CM_SHA1_80, .key_len = 16, .salt_len = 14 };
    rg_rng_bytes(rng, k.key, 16);
    rg_rng_bytes(rng, k.salt, 14);
    srtp_tx_init(&s->srtp, &k);
    uint8_t ks[30];
    memcpy(ks, k.key, 16);
    memcpy(ks + 16, k.salt, 14);
    char b64[64], crypto[80], sdp[1024], callid[64], cookie[32];
    if (rg_base64_encode(ks, 30, b64, sizeof(b64)) < 0)
        die("base64");
    snprintf(crypto, sizeof(crypto), "%s\r\n", b64);
    snprintf(callid, sizeof(callid), "rl-%ld-%u", (long)getpid(), i);
    for (int side = 0; side < 2; side++) {
        struct rg_buf req;
        rg_buf_init(&req, 8192);
        snprintf(cookie, sizeof(cookie), "%u_%d", i, side);
        (void)!rg_buf_appendf(&req, "%s d", cookie);
        if (side == 0)
            leg_sdp(sdp, sizeof(sdp), &g->aa[i % POOL], "RTP/SAVP", crypto);
        else
            leg_sdp(sdp, sizeof(sdp), &g->ab[i % POOL], "RTP/AVP", NULL);
        benc_kv(&req, "call-id", callid);
        benc_kv(&req, "command", side == 0 ? "offer" : "answer");
        benc_str(&req, "flags");
        (void)!rg_buf_append_cstr(&req, "l13:trust-addresse");
        benc_kv(&req, "from-tag", "ft");
        benc_str(&req, "replace");
        (void)!rg_buf_append_cstr(&req, "l6:origin18:session-connectione");
        benc_kv(&req, "sdp", sdp);
        if (side == 1)
            benc_kv(&req, "to-tag", "tt");
        else
            benc_kv(&req, "transport-protocol", "RTP/AVP");
        (void)!rg_buf_append_cstr(&req, "e");
        struct rg_arena a;
        rg_arena_init(&a, 16384, 1 << 20);
        const struct rg_bencode *d = ng_call(g, &a, cookie, &req);
        struct rg_str rsdp = reply_sdp(d, side == 0 ? "offer" : "answer");
        if (side == 1)
            sdp_media_addr(rsdp, &s->relay_a); /* the answer toward A names A's relay port */
        rg_arena_deinit(&a);
        rg_buf_deinit(&req);
    }
    s->seq = (uint16_t)rg_rng_u32(rng);
    s->ts = rg_rng_u32(rng);
}

static void delete_call(struct gen *g, unsigned i)
{
    char callid[64], cookie[32];
    snprintf(callid, sizeof(callid), "rl-%ld-%u", (long)getpid(), i);
    snprintf(cookie, sizeof(cookie), "%u_d", i);
    struct rg_buf req;
    rg_buf_init(&req, 1024);
    (void)!rg_buf_appendf(&req, "%s d", cookie);
    benc_kv(&req, "call-id", callid);
    benc_kv(&req, "command", "delete");
    benc_kv(&req, "from-tag", "ft");
    (void)!rg_buf_append_cstr(&req, "e");
    struct rg_arena a;
    rg_arena_init(&a, 4096, 1 << 16);
    (void)ng_call(g, &a, cookie, &req);
    rg_arena_deinit(&a);
    rg_buf_deinit(&req);
}

/* ---- traffic ---------------------------------------------------------------- */

struct txq {
    struct mmsghdr m[BATCH];
    struct iovec iov[BATCH];
    uint8_t buf[BATCH][PAYLOAD + 12 + 4 + RG_SRTP_MAX_TRAILER];
    unsigned n;
};

static void txq_flush(struct gen *g, int fd, struct txq *q)
{
    unsigned done = 0;
    while (done < q->n) {
        int r = sendmmsg(fd, q->m + done, q->n - done, 0);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            g->send_err += q->n - done; /* EAGAIN: the socket buffer is full */
            break;
        }
        done += (unsigned)r;
    }
    q->n = 0;
}

/* Builds packet j (stream j % N, its (j / N)-th packet) into q. */
static void send_packet(struct gen *g, struct txq *qs, uint64_t j, int64_t now)
{
    unsigned i = (unsigned)(j % g->o.streams);
    struct stream *s = &g->st[i];
    struct txq *q = &qs[i % POOL];
    uint8_t *p = q->buf[q->n];
    uint32_t ssrc = i + 1;
    p[0] = 0x80;
    p[1] = 0; /* PT 0 PCMU */
    p[2] = (uint8_t)(s->seq >> 8);
    p[3] = (uint8_t)s->seq;
    memcpy(p + 4, (uint8_t[4]){ (uint8_t)(s->ts >> 24), (uint8_t)(s->ts >> 16),
                                (uint8_t)(s->ts >> 8), (uint8_t)s->ts }, 4);
    memcpy(p + 8, (uint8_t[4]){ (uint8_t)(ssrc >> 24), (uint8_t)(ssrc >> 16),
                                (uint8_t)(ssrc >> 8), (uint8_t)ssrc }, 4);
    memset(p + 12, 0xff, PAYLOAD); /* PCMU silence */
    memcpy(p + 12, &now, sizeof(now));
    s->seq++;
    s->ts += 8 * g->o.ptime_ms;
    size_t len = srtp_tx_protect(&s->srtp, p, 12 + PAYLOAD);
    q->iov[q->n] = (struct iovec){ .iov_base = p, .iov_len = len };
    q->m[q->n].msg_hdr = (struct msghdr){ .msg_name = &s->relay_a,
                                          .msg_namelen = sizeof(s->relay_a),
                                          .msg_iov = &q->iov[q->n], .msg_iovlen = 1 };
    q->n++;
    g->sent_all++;
    if (now >= g->win_start_ns && now < g->win_end_ns)
        g->sent_win++;
    if (q->n == BATCH)
        txq_flush(g, g->fa[i % POOL], q);
}

static unsigned receive_all(struct gen *g)
{
    static uint8_t rb[BATCH][2048];
    struct mmsghdr m[BATCH];
    struct iovec iov[BATCH];
    unsigned total = 0;
    for (int k = 0; k < POOL; k++) {
        for (;;) {
            for (int b = 0; b < BATCH; b++) {
                iov[b] = (struct iovec){ .iov_base = rb[b], .iov_len = sizeof(rb[b]) };
                m[b].msg_hdr = (struct msghdr){ .msg_iov = &iov[b], .msg_iovlen = 1 };
            }
            int n = recvmmsg(g->fb[k], m, BATCH, MSG_DONTWAIT, NULL);
            if (n <= 0)
                break;
            int64_t now = mono_ns();
            for (int b = 0; b < n; b++) {
                int64_t sent;
                if (m[b].msg_len != 12 + PAYLOAD) {
                    g->bad_rx++;
                    continue;
                }
                memcpy(&sent, rb[b] + 12, sizeof(sent));
                g->recv_all++;
                if (sent < g->win_start_ns || sent >= g->win_end_ns)
                    continue;
                g->recv_win++;
                int64_t us = (now - sent) / 1000;
                if (us >= 0 && us < HIST_US)
                    g->hist[us]++;
                else
                    g->hist_over++;
            }
            total += (unsigned)n;
            if (n < BATCH)
                break;
        }
    }
    return total;
}

static double hist_pct(const struct gen *g, double pct)
{
    uint64_t want = (uint64_t)((double)g->recv_win * pct / 100.0), acc = 0;
    for (int us = 0; us < HIST_US; us++) {
        acc += g->hist[us];
        if (acc > want)
            return us;
    }
    return HIST_US;
}

/* Paced sending for warmup + seconds, then a drain; returns the relay CPU
 * seconds over the window. */
static double run_traffic(struct gen *g)
{
    static struct txq qs[POOL];
    int64_t period_ns = (int64_t)g->o.ptime_ms * 1000000;
    int64_t t0 = mono_ns() + 10000000;
    g->win_start_ns = t0 + (int64_t)(g->o.warmup * 1e9);
    g->win_end_ns = g->win_start_ns + (int64_t)(g->o.seconds * 1e9);
    double cpu0 = -1, cpu1 = -1, sirq0 = 0;
    uint64_t j = 0;
    for (;;) {
        int64_t now = mono_ns();
        if (cpu0 < 0 && now >= g->win_start_ns) {
            cpu0 = proc_cpu_s(g->o.pid);
            sirq0 = proc_softirq_s();
        }
        if (now >= g->win_end_ns)
            break;
        /* Packet j is due at t0 + j * period / N: evenly spread. */
        unsigned burst = 0;
        while (burst < g->o.streams && t0 + (int64_t)(j * (uint64_t)period_ns / g->o.streams) <= now) {
            send_packet(g, qs, j++, now);
            burst++;
        }
        for (int k = 0; k < POOL; k++)
            if (qs[k].n)
                txq_flush(g, g->fa[k], &qs[k]);
        unsigned got = receive_all(g);
        if (!burst && !got) {
            int64_t next = t0 + (int64_t)(j * (uint64_t)period_ns / g->o.streams);
            int64_t wait = next - mono_ns();
            if (wait > 0) {
                struct pollfd p[POOL];
                for (int k = 0; k < POOL; k++)
                    p[k] = (struct pollfd){ .fd = g->fb[k], .events = POLLIN };
                struct timespec ts = { .tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000 };
                (void)ppoll(p, POOL, &ts, NULL);
            }
        }
    }
    cpu1 = proc_cpu_s(g->o.pid);
    g->softirq_s = proc_softirq_s() - sirq0;
    /* Drain: packets sent in the window may still be in flight. */
    int64_t end = mono_ns() + 300000000;
    while (mono_ns() < end) {
        if (!receive_all(g))
            usleep(1000);
    }
    return cpu1 - cpu0;
}

/* ---- main ------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr, "usage: relay_load --ng IP:PORT --pid PID --name NAME --streams N "
                    "[--seconds S] [--warmup S] [--ptime-ms P] [--local IP] [--delete yes|no]\n");
    exit(2);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){ .local = "127.0.0.1", .seconds = 10, .warmup = 2, .ptime_ms = 20,
                        .name = "relay" };
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--ng") == 0)
            o->ng = v;
        else if (strcmp(k, "--pid") == 0)
            o->pid = strtol(v, NULL, 10);
        else if (strcmp(k, "--name") == 0)
            o->name = v;
        else if (strcmp(k, "--streams") == 0)
            o->streams = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(k, "--seconds") == 0)
            o->seconds = strtod(v, NULL);
        else if (strcmp(k, "--warmup") == 0)
            o->warmup = strtod(v, NULL);
        else if (strcmp(k, "--ptime-ms") == 0)
            o->ptime_ms = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(k, "--local") == 0)
            o->local = v;
        else if (strcmp(k, "--delete") == 0)
            o->delete_calls = strcmp(v, "yes") == 0;
        else
            usage();
    }
    if (!o->ng || o->pid <= 0 || o->streams == 0 || o->streams > MAX_STREAMS ||
        o->ptime_ms == 0 || o->seconds <= 0)
        usage();
}

static void open_sockets(struct gen *g)
{
    char host[64];
    const char *colon = strrchr(g->o.ng, ':');
    if (!colon || (size_t)(colon - g->o.ng) >= sizeof(host))
        usage();
    memcpy(host, g->o.ng, (size_t)(colon - g->o.ng));
    host[colon - g->o.ng] = 0;
    g->ng_addr = (struct sockaddr_in){ .sin_family = AF_INET,
                                       .sin_port = htons((uint16_t)strtoul(colon + 1, NULL, 10)) };
    if (inet_pton(AF_INET, host, &g->ng_addr.sin_addr) != 1)
        usage();
    struct sockaddr_in dummy;
    g->ng_fd = udp_socket(g->o.local, &dummy);
    for (int k = 0; k < POOL; k++) {
        g->fa[k] = udp_socket(g->o.local, &g->aa[k]);
        g->fb[k] = udp_socket(g->o.local, &g->ab[k]);
    }
}

int main(int argc, char **argv)
{
    static struct gen g;
    parse_opts(argc, argv, &g.o);
    g_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (rg_srtp_lib_global_init() != RG_OK || !g_hmac)
        die("srtp init");
    srtp_self_check();
    open_sockets(&g);
    g.st = rg_calloc(g.o.streams, sizeof(*g.st));
    g.hist = rg_calloc(HIST_US, sizeof(*g.hist));
    if (!g.st || !g.hist)
        die("out of memory");
    struct rg_rng_seeded rs;
    struct rg_rng rng;
    rg_rng_seeded_init(&rs, (uint64_t)mono_ns(), &rng);
    long rss0 = proc_rss_kb(g.o.pid);
    int64_t s0 = mono_ns();
    for (unsigned i = 0; i < g.o.streams; i++)
        setup_call(&g, i, &rng);
    double setup_s = (double)(mono_ns() - s0) / 1e9;
    usleep(200000);
    long rss1 = proc_rss_kb(g.o.pid);
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    double cpu = run_traffic(&g);
    getrusage(RUSAGE_SELF, &ru1);
    long rss2 = proc_rss_kb(g.o.pid);
    if (g.o.delete_calls)
        for (unsigned i = 0; i < g.o.streams; i++)
            delete_call(&g, i);
    double gen_cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
                     (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                     (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
                     (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
    uint64_t lost = g.sent_win > g.recv_win ? g.sent_win - g.recv_win : 0;
    double loss_pct = g.sent_win ? 100.0 * (double)lost / (double)g.sent_win : 0;
    double relayed_pps = (double)g.recv_win / g.o.seconds;
    double us_per_pkt = g.recv_win ? cpu * 1e6 / (double)g.recv_win : 0;
    double pps_core = cpu > 0 ? (double)g.recv_win / cpu : 0;
    double rss_call_kb = (double)(rss1 - rss0) / g.o.streams;
    printf("%s: %u streams, ptime %u ms, window %.1f s (warmup %.1f s); 2-core machine shared "
           "by relay and generator\n", g.o.name, g.o.streams, g.o.ptime_ms, g.o.seconds,
           g.o.warmup);
    double offered = (double)g.o.streams * 1000.0 / g.o.ptime_ms;
    if ((double)g.sent_win < 0.98 * offered * g.o.seconds)
        printf("  WARNING: the generator sent %.0f pkt/s of %.0f offered (CPU starved): the "
               "figures below are not at the nominal load\n", (double)g.sent_win / g.o.seconds,
               offered);
    printf("  call setup: %.2f s (%.0f calls/s through ng)\n", setup_s, g.o.streams / setup_s);
    printf("  packets: sent %" PRIu64 " received %" PRIu64 " lost %" PRIu64 " (%.3f%%), "
           "send errors %" PRIu64 "\n", g.sent_win, g.recv_win, lost, loss_pct, g.send_err);
    printf("  relayed %.0f pkt/s; relay CPU %.2f s = %.2f%% of one core; %.3f us/pkt; "
           "%.0f pkt/s per core\n", relayed_pps, cpu, 100 * cpu / g.o.seconds, us_per_pkt,
           pps_core);
    printf("  machine-wide irq+softirq CPU in the window: %.2f s (not in the relay's figure)\n",
           g.softirq_s);
    printf("  latency p50 %.0f us, p99 %.0f us (over 200 ms: %" PRIu64 ")\n", hist_pct(&g, 50),
           hist_pct(&g, 99), g.hist_over);
    printf("  relay RSS: %ld kB before, %ld kB with calls (%.2f kB/call), %ld kB after "
           "traffic; generator CPU %.0f%% of one core\n", rss0, rss1, rss_call_kb, rss2,
           100 * gen_cpu / (g.o.seconds + g.o.warmup + 0.3));
    printf("RESULT name=%s streams=%u sent=%" PRIu64 " recv=%" PRIu64 " lost=%" PRIu64
           " loss_pct=%.3f p50_us=%.0f p99_us=%.0f cpu_s=%.3f us_per_pkt=%.3f "
           "pps_per_core=%.0f relayed_pps=%.0f rss_kb_per_call=%.2f setup_s=%.2f offered_pps=%.0f "
           "softirq_s=%.2f\n",
           g.o.name, g.o.streams, g.sent_win, g.recv_win, lost, loss_pct, hist_pct(&g, 50),
           hist_pct(&g, 99), cpu, us_per_pkt, pps_core, relayed_pps, rss_call_kb, setup_s, offered, g.softirq_s);
    for (unsigned i = 0; i < g.o.streams; i++)
        srtp_tx_free(&g.st[i].srtp);
    rg_free(g.st);
    rg_free(g.hist);
    return 0;
}
