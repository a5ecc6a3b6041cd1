/* Unit tests for src/io/udp.c and rng_os.c on 127.0.0.1 (loopback only). */
#include "harness.h"

#include <unistd.h>

#include "io/rng_os.h"
#include "io/udp.h"

static struct rg_addr loopback(uint16_t port)
{
    struct rg_addr a;
    (void)rg_addr_parse_ip(RG_STR_LIT("127.0.0.1"), &a);
    a.port = port;
    return a;
}

static void batch_roundtrip(struct rg_t *t)
{
    struct rg_addr any = loopback(0), a_addr, b_addr;
    int a = rg_udp_open(&any, &a_addr);
    int b = rg_udp_open(&any, &b_addr);
    REQUIRE(t, a >= 0 && b >= 0);
    CHECK(t, a_addr.port != 0);
    uint8_t payload[40][8];
    const uint8_t *ptrs[40];
    uint16_t lens[40];
    struct rg_addr peers[40];
    for (int i = 0; i < 40; i++) {
        memset(payload[i], i, sizeof(payload[i]));
        ptrs[i] = payload[i];
        lens[i] = (uint16_t)(i % 8 + 1);
        peers[i] = b_addr;
    }
    CHECK_EQ_INT(t, rg_udp_send_batch(a, peers, ptrs, lens, 40), 40);
    static struct rg_udp_batch batch;
    int got = 0, rounds = 0;
    while (got < 40 && rounds++ < 1000) {
        int n = rg_udp_recv_batch(b, &batch);
        REQUIRE(t, n >= 0);
        for (int i = 0; i < n; i++) {
            CHECK_EQ_INT(t, batch.len[i], got % 8 + 1);
            CHECK_EQ_INT(t, batch.data[i][0], got);
            CHECK(t, rg_addr_eq(&batch.peer[i], &a_addr));
            got++;
        }
        if (n == 0)
            usleep(1000);
    }
    CHECK_EQ_INT(t, got, 40);
    close(a);
    close(b);
}

static void port_range(struct rg_t *t)
{
    struct rg_addr ip = loopback(0), bound1, bound2, bound3;
    uint16_t cursor = 0;
    int f1 = rg_udp_open_in_range(&ip, 39000, 39003, 2, &cursor, &bound1);
    int f2 = rg_udp_open_in_range(&ip, 39000, 39003, 2, &cursor, &bound2);
    REQUIRE(t, f1 >= 0 && f2 >= 0);
    CHECK(t, bound1.port % 2 == 0 && bound2.port % 2 == 0);
    CHECK(t, bound1.port != bound2.port);
    /* Both even ports of the range are taken now. */
    CHECK_EQ_INT(t, rg_udp_open_in_range(&ip, 39000, 39003, 2, &cursor, &bound3), RG_ELIMIT);
    close(f1);
    close(f2);
}

static void os_rng(struct rg_t *t)
{
    struct rg_rng r;
    rg_rng_os_init(&r);
    CHECK(t, rg_rng_u64(&r) != rg_rng_u64(&r));
}

static const struct rg_test_case cases[] = {
    { "batch_roundtrip", batch_roundtrip },
    { "port_range", port_range },
    { "os_rng", os_rng },
};

RG_TEST_MAIN(cases)
