/*
 * fuzz_ngcmd.c — the ng command layer and the media call behind it
 * (src/media/ng_cmd.c, mcall.c, mcall_sdp.c) driven by a script of ng
 * requests and datagrams, with fake sockets and simulated time.
 *
 * Input: records separated by the byte 0x00.  A record starting with 'D'
 * is a datagram (second byte picks the fake socket, third the source
 * address) delivered to the call that owns that socket; any other record is
 * an ng request ("<cookie> <bencoded dict>").  Time advances 20 ms per record.
 * Invariants: every request gets a reply that parses as an ng message with a
 * "result"; sockets opened are all closed when the calls are destroyed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "media/ng_cmd.h"
#include "proto/dtls/dtls_cert.h"
#include "proto/dtls/dtls_conn.h"
#include "proto/ng/ng_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fake {
    int next_fd, open_fds;
    int fd_call[64]; /* index by fd - 100: 1 when open */
};

static int fake_open(void *ud, const struct rg_addr *ip, bool pair, int fds[2],
                     struct rg_addr bound[2])
{
    struct fake *f = ud;
    for (int k = 0; k < (pair ? 2 : 1); k++) {
        if (f->next_fd - 100 >= 64)
            return RG_ELIMIT;
        fds[k] = f->next_fd++;
        f->fd_call[fds[k] - 100] = 1;
        f->open_fds++;
        bound[k] = *ip;
        bound[k].port = (uint16_t)(20000 + fds[k]);
    }
    if (!pair)
        fds[1] = -1;
    return RG_OK;
}

static void fake_close(void *ud, int fd)
{
    struct fake *f = ud;
    if (fd < 100 || fd >= 164 || !f->fd_call[fd - 100])
        abort(); /* closing a socket that is not open */
    f->fd_call[fd - 100] = 0;
    f->open_fds--;
}

static struct rg_dtls_ctx *shared_ctx(struct rg_dtls_fp *fp)
{
    static struct rg_dtls_ctx *ctx;
    static struct rg_dtls_fp sfp;
    if (!ctx) {
        struct rg_rng_seeded st;
        struct rg_rng rng;
        static struct rg_dtls_cert *cert;
        rg_rng_seeded_init(&st, 7, &rng);
        struct rg_dtls_profile p = { .v1_2 = true, .srtp = { RG_SRTP_AES128_CM_SHA1_80 },
                                     .n_srtp = 1 };
        if (rg_srtp_global_init() != RG_OK ||
            rg_dtls_cert_generate(&rng, "fuzz", 1790000000LL, 30, &cert) != RG_OK ||
            rg_dtls_ctx_new(&p, cert, NULL, NULL, &ctx) != RG_OK ||
            rg_dtls_cert_fingerprint(cert, RG_DTLS_HASH_SHA256, &sfp) != RG_OK)
            abort();
    }
    *fp = sfp;
    return ctx;
}

static void check_reply(const struct rg_buf *reply)
{
    struct rg_arena a;
    struct rg_ng_msg m;
    struct rg_str result;
    rg_arena_init(&a, 4096, 1 << 20);
    if (reply->len == 0 || rg_ng_parse(&a, reply->data, reply->len, NULL, &m) != RG_OK ||
        rg_bencode_dict_str(m.dict, "result", &result) != RG_OK)
        abort();
    rg_arena_deinit(&a);
}

struct fdmap {
    struct rg_mcall *call[64];
};

static void remember(struct fdmap *map, struct rg_mcall *c)
{
    for (unsigned i = 0; i < c->n_streams; i++) {
        for (int k = 0; k < 2; k++) {
            const struct rg_mside *s = &c->stream[i].side[k];
            if (s->fd_rtp >= 100 && s->fd_rtp < 164)
                map->call[s->fd_rtp - 100] = c;
            if (s->fd_rtcp >= 100 && s->fd_rtcp < 164)
                map->call[s->fd_rtcp - 100] = c;
        }
    }
}

static void forget(struct fdmap *map, const struct rg_mcall *c)
{
    for (int i = 0; i < 64; i++)
        if (map->call[i] == c)
            map->call[i] = NULL;
}

static void drain(struct rg_mcall *c)
{
    const struct rg_mtx *tx;
    while (rg_mcall_poll_transmit(c, &tx) == RG_OK) {
        if (tx->len > RG_MCALL_MAX_PACKET || tx->fd < 100 || tx->fd >= 164)
            abort();
    }
}

/* A datagram record: 'D', socket index, source index, payload. */
static void deliver(struct fdmap *map, int64_t now, const uint8_t *rec, size_t len)
{
    if (len < 3)
        return;
    int fd = 100 + rec[1] % 64;
    struct rg_mcall *c = map->call[fd - 100];
    if (!c)
        return;
    struct rg_addr from = { .family = RG_AF_INET4, .port = (uint16_t)(40000 + rec[2] % 4) };
    from.ip[0] = 192;
    from.ip[3] = (uint8_t)(rec[2] / 4);
    uint8_t buf[RG_MCALL_MAX_PACKET];
    size_t n = len - 3 < sizeof(buf) ? len - 3 : sizeof(buf);
    memcpy(buf, rec + 3, n);
    rg_mcall_handle_datagram(c, now, fd, &from, buf, n);
    drain(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fake f = { .next_fd = 100 };
    struct rg_rng_seeded st;
    struct rg_rng rng;
    rg_rng_seeded_init(&st, 1, &rng);
    struct rg_mcall_env env = { .rng = &rng };
    env.dtls = shared_ctx(&env.local_fp);
    (void)rg_addr_parse_ip(RG_STR_LIT("127.0.0.1"), &env.media_ip);
    env.ports = (struct rg_mports){ .open = fake_open, .close = fake_close, .ud = &f };
    struct rg_ngcmd n;
    rg_ngcmd_init(&n, &env, 8);
    struct rg_buf reply;
    struct fdmap map = { { NULL } };
    rg_buf_init(&reply, 1 << 17);
    int64_t now = 1000000;
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != 0)
            continue;
        const uint8_t *rec = data + start;
        size_t len = i - start;
        start = i + 1;
        now += 20000;
        if (len && rec[0] == 'D') {
            deliver(&map, now, rec, len);
            continue;
        }
        struct rg_arena a;
        struct rg_ng_msg m;
        rg_arena_init(&a, 4096, 1 << 20);
        if (rg_ng_parse(&a, (const char *)rec, len, NULL, &m) == RG_OK) {
            struct rg_mcall *touched = NULL, *gone = NULL;
            rg_buf_reset(&reply);
            if (rg_ngcmd_execute(&n, now, &m, &reply, &touched, &gone) == RG_OK)
                check_reply(&reply);
            if (touched) {
                remember(&map, touched);
                rg_mcall_handle_timeout(touched, now);
                drain(touched);
            }
            if (gone) {
                forget(&map, gone);
                rg_mcall_destroy(gone);
            }
        }
        rg_arena_deinit(&a);
    }
    rg_ngcmd_deinit(&n);
    rg_buf_deinit(&reply);
    if (f.open_fds != 0)
        abort(); /* a call leaked a socket */
    return 0;
}
