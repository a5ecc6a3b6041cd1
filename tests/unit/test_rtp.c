/* Unit tests for src/proto/rtp: RTP header, RFC 8285 extensions, rewrites,
 * and the RFC 7983 / RFC 5761 demultiplexer. */
#include "harness.h"

#include "proto/rtp/demux.h"
#include "proto/rtp/rtp.h"

/* V=2 P=0 X=1 CC=2, M=1 PT=111, seq 0x1234, ts 0xdeadbeef, SSRC 0x11223344,
 * CSRCs 1 and 2, one-byte extension (id 1 audio level 1 byte, padding
 * byte, id 3 transport-cc 2 bytes), payload "opus". */
static const uint8_t PKT[] = {
    0x92, 0xef, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x11, 0x22, 0x33, 0x44,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
    0xbe, 0xde, 0x00, 0x02, 0x10, 0x85, 0x00, 0x31, 0xab, 0xcd, 0x00, 0x00,
    'o',  'p',  'u',  's',
};

static void parse_fields(struct rg_t *t)
{
    struct rg_rtp r;
    REQUIRE(t, rg_rtp_parse(PKT, sizeof(PKT), &r) == RG_OK);
    CHECK(t, r.marker && r.extension && !r.padding);
    CHECK_EQ_INT(t, r.pt, 111);
    CHECK_EQ_INT(t, r.seq, 0x1234);
    CHECK(t, r.ts == 0xdeadbeefu);
    CHECK(t, r.ssrc == 0x11223344u);
    CHECK_EQ_INT(t, r.cc, 2);
    CHECK_EQ_INT(t, r.csrc[1], 2);
    CHECK_EQ_INT(t, r.ext_profile, 0xBEDE);
    CHECK_EQ_INT(t, r.ext_len, 8);
    CHECK_EQ_INT(t, r.header_len, 32);
    CHECK_MEM(t, r.payload, r.payload_len, "opus", 4);
    struct rg_rtp_ext_elem e;
    CHECK_OK(t, rg_rtp_ext_find(&r, 1, &e));
    CHECK_EQ_INT(t, e.len, 1);
    CHECK_EQ_INT(t, e.data[0], 0x85);
    CHECK_OK(t, rg_rtp_ext_find(&r, 3, &e));
    CHECK_EQ_INT(t, e.len, 2);
    CHECK_EQ_INT(t, e.data[0], 0xab);
    CHECK_EQ_INT(t, rg_rtp_ext_find(&r, 2, &e), RG_ENOTFOUND);
    /* Every truncation fails: the extension or payload view can't lie. */
    for (size_t cut = 0; cut < 32; cut++)
        CHECK_EQ_INT(t, rg_rtp_parse(PKT, cut, &r), RG_EBADMSG);
    CHECK_OK(t, rg_rtp_parse(PKT, 32, &r)); /* empty payload is fine */
    CHECK_EQ_INT(t, r.payload_len, 0);
}

static void padding_rules(struct rg_t *t)
{
    uint8_t p[24] = { 0xa0, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 'a', 'b', 'c', 'd', 0, 0, 0, 4 };
    struct rg_rtp r;
    REQUIRE(t, rg_rtp_parse(p, 20, &r) == RG_OK);
    CHECK_EQ_INT(t, r.pad_len, 4);
    CHECK_EQ_INT(t, r.payload_len, 4);
    p[19] = 0; /* a zero count is invalid */
    CHECK_EQ_INT(t, rg_rtp_parse(p, 20, &r), RG_EBADMSG);
    p[19] = 9; /* more padding than bytes after the header */
    CHECK_EQ_INT(t, rg_rtp_parse(p, 20, &r), RG_EBADMSG);
    p[19] = 8; /* all of the rest is padding: legal */
    CHECK_OK(t, rg_rtp_parse(p, 20, &r));
    CHECK_EQ_INT(t, r.payload_len, 0);
    CHECK_EQ_INT(t, rg_rtp_parse(p, 12, &r), RG_EBADMSG); /* P set, nothing after */
    p[0] = 0x40; /* version 1 */
    CHECK_EQ_INT(t, rg_rtp_parse(p, 20, &r), RG_EBADMSG);
}

static void two_byte_and_id15(struct rg_t *t)
{
    uint8_t p[] = { 0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
                    0x10, 0x07, 0x00, 0x02, /* two-byte, appbits 7 */
                    0x20, 0x00, 0x00, 0xff, 0x03, 0xaa, 0xbb, 0xcc };
    struct rg_rtp r;
    REQUIRE(t, rg_rtp_parse(p, sizeof(p), &r) == RG_OK);
    struct rg_rtp_ext_iter it;
    struct rg_rtp_ext_elem e;
    REQUIRE(t, rg_rtp_ext_iter_init(&it, &r) == RG_OK);
    CHECK(t, it.two_byte);
    CHECK_EQ_INT(t, rg_rtp_ext_next(&it, &e), 1);
    CHECK_EQ_INT(t, e.id, 0x20);
    CHECK_EQ_INT(t, e.len, 0); /* zero-length element, two-byte only */
    CHECK_EQ_INT(t, rg_rtp_ext_next(&it, &e), 1);
    CHECK_EQ_INT(t, e.id, 0xff);
    CHECK_EQ_INT(t, e.len, 3);
    CHECK_EQ_INT(t, rg_rtp_ext_next(&it, &e), 0);
    p[20] = 4; /* element overruns its block */
    REQUIRE(t, rg_rtp_parse(p, sizeof(p), &r) == RG_OK);
    REQUIRE(t, rg_rtp_ext_iter_init(&it, &r) == RG_OK);
    CHECK_EQ_INT(t, rg_rtp_ext_next(&it, &e), 1);
    CHECK_EQ_INT(t, rg_rtp_ext_next(&it, &e), RG_EBADMSG);
    /* One-byte ID 15 stops processing (RFC 8285 §4.2). */
    uint8_t q[] = { 0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0, 2,
                    0x10, 0x01, 0xf0, 0x20, 0x55, 0, 0, 0 };
    REQUIRE(t, rg_rtp_parse(q, sizeof(q), &r) == RG_OK);
    CHECK_OK(t, rg_rtp_ext_find(&r, 1, &e));
    CHECK_EQ_INT(t, rg_rtp_ext_find(&r, 2, &e), RG_ENOTFOUND);
    /* A one-byte element with ID 0 is malformed: 0 is padding (§4.2). */
    q[16] = 0x05;
    REQUIRE(t, rg_rtp_parse(q, sizeof(q), &r) == RG_OK);
    CHECK_EQ_INT(t, rg_rtp_ext_find(&r, 1, &e), RG_EBADMSG);
    q[16] = 0x10;
    /* Unknown profile. */
    q[12] = 0x12;
    REQUIRE(t, rg_rtp_parse(q, sizeof(q), &r) == RG_OK);
    CHECK_EQ_INT(t, rg_rtp_ext_find(&r, 1, &e), RG_EUNSUPP);
}

static void ext_rewrite(struct rg_t *t)
{
    uint8_t buf[128];
    memcpy(buf, PKT, sizeof(PKT));
    size_t len = sizeof(PKT), nl = 0;
    struct rg_rtp r;
    struct rg_rtp_ext_elem e;
    /* Replace id 1 (same form), add id 5 with 4 bytes. */
    CHECK_OK(t, rg_rtp_ext_set(buf, len, sizeof(buf), 1, "\x7f", 1, &nl));
    len = nl;
    CHECK_OK(t, rg_rtp_ext_set(buf, len, sizeof(buf), 5, "WXYZ", 4, &nl));
    len = nl;
    REQUIRE(t, rg_rtp_parse(buf, len, &r) == RG_OK);
    CHECK_EQ_INT(t, r.ext_profile, 0xBEDE);
    CHECK_OK(t, rg_rtp_ext_find(&r, 1, &e));
    CHECK(t, e.len == 1 && e.data[0] == 0x7f);
    CHECK_OK(t, rg_rtp_ext_find(&r, 5, &e));
    CHECK_MEM(t, e.data, e.len, "WXYZ", 4);
    CHECK_OK(t, rg_rtp_ext_find(&r, 3, &e));
    CHECK_MEM(t, r.payload, r.payload_len, "opus", 4);
    CHECK(t, r.ssrc == 0x11223344u && r.cc == 2 && r.marker);
    /* id 20 forces the two-byte form; old elements survive. */
    CHECK_OK(t, rg_rtp_ext_set(buf, len, sizeof(buf), 20, "long-ish", 8, &nl));
    len = nl;
    REQUIRE(t, rg_rtp_parse(buf, len, &r) == RG_OK);
    CHECK_EQ_INT(t, r.ext_profile, 0x1000);
    CHECK_OK(t, rg_rtp_ext_find(&r, 20, &e));
    CHECK_MEM(t, e.data, e.len, "long-ish", 8);
    CHECK_OK(t, rg_rtp_ext_find(&r, 5, &e));
    CHECK_MEM(t, r.payload, r.payload_len, "opus", 4);
    /* Remove them all: the extension and X bit go away. */
    const uint8_t ids[] = { 1, 3, 5, 20 };
    for (size_t i = 0; i < sizeof(ids); i++) {
        CHECK_OK(t, rg_rtp_ext_remove(buf, len, ids[i], &nl));
        len = nl;
    }
    CHECK_EQ_INT(t, rg_rtp_ext_remove(buf, len, 3, &nl), RG_ENOTFOUND);
    REQUIRE(t, rg_rtp_parse(buf, len, &r) == RG_OK);
    CHECK(t, !r.extension);
    CHECK_EQ_INT(t, len, 12 + 8 + 4);
    CHECK_MEM(t, r.payload, r.payload_len, "opus", 4);
    /* Add to a packet with no extension; a too-small buffer is refused and
     * leaves the packet untouched. */
    uint8_t before[64];
    memcpy(before, buf, len);
    CHECK_EQ_INT(t, rg_rtp_ext_set(buf, len, len + 7, 2, "abc", 3, &nl), RG_ELIMIT);
    CHECK_MEM(t, buf, len, before, len);
    CHECK_OK(t, rg_rtp_ext_set(buf, len, len + 8, 2, "abc", 3, &nl));
    CHECK_EQ_INT(t, nl, len + 8);
    CHECK_EQ_INT(t, rg_rtp_ext_set(buf, nl, sizeof(buf), 0, "a", 1, &nl), RG_EINVAL);
}

static void header_rewrites(struct rg_t *t)
{
    uint8_t buf[sizeof(PKT)];
    memcpy(buf, PKT, sizeof(PKT));
    CHECK_OK(t, rg_rtp_set_pt(buf, sizeof(buf), 0));
    CHECK_OK(t, rg_rtp_set_seq(buf, sizeof(buf), 0xfffe));
    CHECK_OK(t, rg_rtp_set_ts(buf, sizeof(buf), 160));
    CHECK_OK(t, rg_rtp_set_ssrc(buf, sizeof(buf), 0xcafebabe));
    CHECK_EQ_INT(t, rg_rtp_set_pt(buf, sizeof(buf), 128), RG_EINVAL);
    CHECK_EQ_INT(t, rg_rtp_set_seq(buf, 11, 1), RG_EINVAL);
    struct rg_rtp r;
    REQUIRE(t, rg_rtp_parse(buf, sizeof(buf), &r) == RG_OK);
    CHECK(t, r.pt == 0 && r.marker && r.seq == 0xfffe && r.ts == 160 && r.ssrc == 0xcafebabeu);
    CHECK_OK(t, rg_rtp_set_marker(buf, sizeof(buf), false));
    CHECK_MEM(t, buf + 12, sizeof(buf) - 12, PKT + 12, sizeof(PKT) - 12);
    CHECK_EQ_INT(t, buf[1], 0);
}

static void write_round_trip(struct rg_t *t)
{
    struct rg_rtp r;
    REQUIRE(t, rg_rtp_parse(PKT, sizeof(PKT), &r) == RG_OK);
    uint8_t out[64];
    int n = rg_rtp_write(&r, out, sizeof(out));
    CHECK_MEM(t, out, (size_t)(n > 0 ? n : 0), PKT, sizeof(PKT));
    CHECK_EQ_INT(t, rg_rtp_write(&r, out, sizeof(PKT) - 1), RG_ELIMIT);
    /* With padding. */
    r.padding = true;
    r.pad_len = 3;
    n = rg_rtp_write(&r, out, sizeof(out));
    REQUIRE(t, n == (int)sizeof(PKT) + 3);
    struct rg_rtp back;
    REQUIRE(t, rg_rtp_parse(out, (size_t)n, &back) == RG_OK);
    CHECK_EQ_INT(t, back.pad_len, 3);
    CHECK_MEM(t, back.payload, back.payload_len, "opus", 4);
    r.pad_len = 0;
    CHECK_EQ_INT(t, rg_rtp_write(&r, out, sizeof(out)), RG_EINVAL);
}

static void demux_table(struct rg_t *t)
{
    uint8_t p[64];
    /* STUN: a real binding request header (length 0). */
    const uint8_t stun[20] = { 0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9,
                               10, 11, 12 };
    CHECK_EQ_INT(t, rg_demux_classify(stun, 20), RG_DEMUX_STUN);
    CHECK_EQ_INT(t, rg_demux_classify(stun, 19), RG_DEMUX_DROP);
    memcpy(p, stun, 20);
    p[5] = 0; /* RFC 3489 form without cookie is not accepted */
    CHECK_EQ_INT(t, rg_demux_classify(p, 20), RG_DEMUX_DROP);
    /* ZRTP: 0x10 0x00, sequence, "ZRTP" cookie. */
    const uint8_t zrtp[12] = { 0x10, 0, 0, 1, 'Z', 'R', 'T', 'P', 0, 0, 0, 1 };
    CHECK_EQ_INT(t, rg_demux_classify(zrtp, 12), RG_DEMUX_ZRTP);
    /* DTLS 1.2 handshake record header. */
    const uint8_t dtls[13] = { 22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    CHECK_EQ_INT(t, rg_demux_classify(dtls, 13), RG_DEMUX_DTLS);
    CHECK_EQ_INT(t, rg_demux_classify(dtls, 12), RG_DEMUX_DROP);
    /* TURN ChannelData 0x4001 with 5 bytes of data and 3 of padding. */
    const uint8_t chan[12] = { 0x40, 0x01, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0 };
    CHECK_EQ_INT(t, rg_demux_classify(chan, 12), RG_DEMUX_TURN_CHANNEL);
    CHECK_EQ_INT(t, rg_demux_classify(chan, 8), RG_DEMUX_DROP);
    CHECK_EQ_INT(t, rg_demux_classify(PKT, sizeof(PKT)), RG_DEMUX_RTP);
    /* RTCP RR: second byte 201; PT 72 with marker bit set is 200 = SR. */
    const uint8_t rr[8] = { 0x80, 201, 0, 1, 1, 2, 3, 4 };
    CHECK_EQ_INT(t, rg_demux_classify(rr, 8), RG_DEMUX_RTCP);
    const uint8_t rtp_pt96m[12] = { 0x80, 0x80 | 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 };
    CHECK_EQ_INT(t, rg_demux_classify(rtp_pt96m, 12), RG_DEMUX_RTP);
    /* Every first byte of the unassigned ranges is dropped. */
    memset(p, 0, sizeof(p));
    for (int b = 0; b < 256; b++) {
        p[0] = (uint8_t)b;
        enum rg_demux_kind k = rg_demux_classify(p, sizeof(p));
        bool unassigned = (b >= 4 && b <= 15) || (b >= 80 && b <= 127) || b >= 192;
        if (unassigned)
            CHECK_EQ_INT(t, k, RG_DEMUX_DROP);
        if (b >= 128 && b <= 191)
            CHECK_EQ_INT(t, k, RG_DEMUX_RTP);
    }
    CHECK_EQ_INT(t, rg_demux_classify(NULL, 0), RG_DEMUX_DROP);
    CHECK_STR(t, rg_str_from_cstr(rg_demux_kind_name(RG_DEMUX_TURN_CHANNEL)), "turn-channel");
}

static const struct rg_test_case cases[] = {
    { "parse_fields", parse_fields },
    { "padding_rules", padding_rules },
    { "two_byte_and_id15", two_byte_and_id15 },
    { "ext_rewrite", ext_rewrite },
    { "header_rewrites", header_rewrites },
    { "write_round_trip", write_round_trip },
    { "demux_table", demux_table },
};

RG_TEST_MAIN(cases)
