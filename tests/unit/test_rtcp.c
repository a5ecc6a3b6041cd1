/* Unit tests for src/proto/rtp/rtcp*: RFC 3550 A.2 validation, typed
 * parsing of every packet type, and the builders. */
#include "harness.h"

#include "proto/rtp/rtcp.h"

/* SR (1 report block) + SDES CNAME + BYE with reason, typed in by hand
 * from the RFC 3550 §6.4.1, §6.5.1 and §6.6 layouts. */
static const uint8_t COMPOUND[] = {
    /* SR: V=2 RC=1 PT=200 length=12 */
    0x81, 200, 0x00, 0x0c, 0x11, 0x22, 0x33, 0x44,
    0xe5, 0x4a, 0x6b, 0x20, 0x80, 0x00, 0x00, 0x00, /* NTP */
    0x00, 0x01, 0xe2, 0x40,                         /* RTP ts 123456 */
    0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x3e, 0x80, /* 100 pkts, 16000 octets */
    0xaa, 0xbb, 0xcc, 0xdd, 0x19, 0xff, 0xff, 0xfe, /* 25/256 lost, cum -2 */
    0x00, 0x01, 0x00, 0x10, 0x00, 0x00, 0x00, 0x20, /* ext seq 65552, jitter 32 */
    0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x80, 0x00, /* LSR, DLSR */
    /* SDES: SC=1, CNAME "abc", null + pad */
    0x81, 202, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44,
    0x01, 0x03, 'a', 'b', 'c', 0x00, 0x00, 0x00,
    /* BYE: SC=1, reason "bye" */
    0x81, 203, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0x03, 'b', 'y', 'e',
};

static void compound_parse(struct rg_t *t)
{
    CHECK_OK(t, rg_rtcp_validate(COMPOUND, sizeof(COMPOUND), 0));
    struct rg_rtcp_iter it;
    struct rg_rtcp_pkt p;
    rg_rtcp_iter_init(&it, COMPOUND, sizeof(COMPOUND));
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1);
    struct rg_rtcp_rr sr;
    REQUIRE(t, rg_rtcp_parse_rr(&p, &sr) == RG_OK);
    CHECK(t, sr.has_sender_info && sr.ssrc == 0x11223344u);
    CHECK(t, sr.ntp == 0xe54a6b2080000000ull);
    CHECK_EQ_INT(t, sr.rtp_ts, 123456);
    CHECK_EQ_INT(t, sr.packet_count, 100);
    CHECK_EQ_INT(t, sr.octet_count, 16000);
    REQUIRE(t, sr.n_reports == 1);
    CHECK(t, sr.reports[0].ssrc == 0xaabbccddu);
    CHECK_EQ_INT(t, sr.reports[0].fraction_lost, 25);
    CHECK_EQ_INT(t, sr.reports[0].cumulative_lost, -2);
    CHECK_EQ_INT(t, sr.reports[0].ext_highest_seq, 65552);
    CHECK_EQ_INT(t, sr.reports[0].jitter, 32);
    CHECK_EQ_INT(t, sr.reports[0].lsr, 0x12345678);
    CHECK_EQ_INT(t, sr.reports[0].dlsr, 0x8000);
    CHECK_EQ_INT(t, sr.ext_len, 0);
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1);
    struct rg_rtcp_sdes_iter si;
    struct rg_rtcp_sdes_item item;
    REQUIRE(t, rg_rtcp_sdes_init(&si, &p) == RG_OK);
    REQUIRE(t, rg_rtcp_sdes_next(&si, &item) == 1);
    CHECK(t, item.ssrc == 0x11223344u && item.type == 1);
    CHECK_MEM(t, item.data, item.len, "abc", 3);
    CHECK_EQ_INT(t, rg_rtcp_sdes_next(&si, &item), 0);
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1);
    struct rg_rtcp_bye bye;
    REQUIRE(t, rg_rtcp_parse_bye(&p, &bye) == RG_OK);
    CHECK(t, bye.n_ssrc == 1 && bye.ssrc[0] == 0x11223344u);
    CHECK_MEM(t, bye.reason, bye.reason_len, "bye", 3);
    CHECK_EQ_INT(t, rg_rtcp_next(&it, &p), 0);
    CHECK_EQ_INT(t, rg_rtcp_parse_bye(&p, &bye) == RG_OK, 1);
    struct rg_rtcp_rr rr;
    CHECK_EQ_INT(t, rg_rtcp_parse_rr(&p, &rr), RG_EINVAL); /* BYE is no RR */
}

static void compound_rules(struct rg_t *t)
{
    uint8_t buf[sizeof(COMPOUND)];
    /* Every strict prefix that does not end on a packet boundary fails. */
    for (size_t cut = 0; cut < sizeof(COMPOUND); cut++) {
        int rc = rg_rtcp_validate(COMPOUND, cut, 0);
        bool boundary = cut == 52 || cut == 68;
        CHECK_EQ_INT(t, rc, boundary ? RG_OK : RG_EBADMSG);
    }
    /* First packet must be SR/RR... */
    CHECK_EQ_INT(t, rg_rtcp_validate(COMPOUND + 52, sizeof(COMPOUND) - 52, 0), RG_EBADMSG);
    /* ...unless reduced-size RTCP (RFC 5506) is in use. */
    CHECK_OK(t, rg_rtcp_validate(COMPOUND + 52, sizeof(COMPOUND) - 52, RG_RTCP_REDUCED_SIZE));
    /* Padding bit on a packet that is not the last. */
    memcpy(buf, COMPOUND, sizeof(buf));
    buf[52] |= 0x20;
    CHECK_EQ_INT(t, rg_rtcp_validate(buf, sizeof(buf), 0), RG_EBADMSG);
    /* Padding on the last packet with a sane count is fine: "bye" reason
     * plus... make the BYE carry 4 bytes padding instead. */
    memcpy(buf, COMPOUND, sizeof(buf));
    buf[68] |= 0x20;
    buf[sizeof(buf) - 1] = 4; /* count 4 eats the reason: still valid */
    CHECK_OK(t, rg_rtcp_validate(buf, sizeof(buf), 0));
    buf[sizeof(buf) - 1] = 9; /* more than the packet body */
    CHECK_EQ_INT(t, rg_rtcp_validate(buf, sizeof(buf), 0), RG_EBADMSG);
    /* Version 1 in a later packet. */
    memcpy(buf, COMPOUND, sizeof(buf));
    buf[68] = 0x41;
    CHECK_EQ_INT(t, rg_rtcp_validate(buf, sizeof(buf), 0), RG_EBADMSG);
    /* Length field one word too long. */
    memcpy(buf, COMPOUND, sizeof(buf));
    buf[71] = 3;
    CHECK_EQ_INT(t, rg_rtcp_validate(buf, sizeof(buf), 0), RG_EBADMSG);
    /* An RTP packet (PT 96, no marker) is never RTCP, even reduced-size. */
    const uint8_t rtp[12] = { 0x80, 96, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2 };
    CHECK_EQ_INT(t, rg_rtcp_validate(rtp, sizeof(rtp), RG_RTCP_REDUCED_SIZE), RG_EBADMSG);
    /* RC larger than what the SR holds. */
    memcpy(buf, COMPOUND, sizeof(buf));
    buf[0] = 0x82;
    struct rg_rtcp_iter it;
    struct rg_rtcp_pkt p;
    struct rg_rtcp_rr rr;
    rg_rtcp_iter_init(&it, buf, sizeof(buf));
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1);
    CHECK_EQ_INT(t, rg_rtcp_parse_rr(&p, &rr), RG_EBADMSG);
}

static void builders_round_trip(struct rg_t *t)
{
    uint8_t buf[512];
    size_t off = 0;
    struct rg_rtcp_rr rr;
    memset(&rr, 0, sizeof(rr));
    rr.ssrc = 42;
    rr.n_reports = 2;
    rr.reports[0].ssrc = 7;
    rr.reports[0].cumulative_lost = -9000000; /* clamps to -2^23 */
    rr.reports[1].ssrc = 8;
    rr.reports[1].fraction_lost = 255;
    rr.reports[1].cumulative_lost = 12345;
    int n = rg_rtcp_write_rr(&rr, buf, sizeof(buf));
    REQUIRE(t, n == 8 + 48);
    off += (size_t)n;
    n = rg_rtcp_write_sdes_cname(42, "user@host", 9, buf + off, sizeof(buf) - off);
    REQUIRE(t, n == 4 + 16);
    off += (size_t)n;
    uint32_t gone = 42;
    n = rg_rtcp_write_bye(&gone, 1, "end", 3, buf + off, sizeof(buf) - off);
    REQUIRE(t, n == 12);
    off += (size_t)n;
    CHECK_OK(t, rg_rtcp_validate(buf, off, 0));
    struct rg_rtcp_iter it;
    struct rg_rtcp_pkt p;
    rg_rtcp_iter_init(&it, buf, off);
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1);
    CHECK_EQ_INT(t, p.pt, RG_RTCP_RR);
    struct rg_rtcp_rr back;
    REQUIRE(t, rg_rtcp_parse_rr(&p, &back) == RG_OK);
    CHECK(t, !back.has_sender_info && back.n_reports == 2);
    CHECK_EQ_INT(t, back.reports[0].cumulative_lost, -0x800000);
    CHECK_EQ_INT(t, back.reports[1].cumulative_lost, 12345);
    CHECK_EQ_INT(t, back.reports[1].fraction_lost, 255);
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1);
    struct rg_rtcp_sdes_iter si;
    struct rg_rtcp_sdes_item item;
    REQUIRE(t, rg_rtcp_sdes_init(&si, &p) == RG_OK);
    REQUIRE(t, rg_rtcp_sdes_next(&si, &item) == 1);
    CHECK_MEM(t, item.data, item.len, "user@host", 9);
    CHECK_EQ_INT(t, rg_rtcp_sdes_next(&si, &item), 0);
    /* SR with sender info. */
    rr.has_sender_info = true;
    rr.ntp = 0x0102030405060708ull;
    rr.octet_count = 99;
    n = rg_rtcp_write_rr(&rr, buf, sizeof(buf));
    REQUIRE(t, n == 28 + 48);
    CHECK_EQ_INT(t, rg_rtcp_write_rr(&rr, buf, 75), RG_ELIMIT);
    rg_rtcp_iter_init(&it, buf, (size_t)n);
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1);
    REQUIRE(t, rg_rtcp_parse_rr(&p, &back) == RG_OK);
    CHECK(t, back.has_sender_info && back.ntp == 0x0102030405060708ull && back.octet_count == 99);
}

static void nack(struct rg_t *t)
{
    /* Wrap-around and a gap wider than 16 need two pairs. */
    const uint16_t lost[] = { 65534, 65535, 0, 3, 14, 20, 21 };
    uint8_t buf[64];
    int n = rg_rtcp_write_nack(1, 2, lost, 7, buf, sizeof(buf));
    REQUIRE(t, n == 12 + 8);
    CHECK_OK(t, rg_rtcp_validate(buf, (size_t)n, RG_RTCP_REDUCED_SIZE));
    struct rg_rtcp_iter it;
    struct rg_rtcp_pkt p;
    struct rg_rtcp_fb fb;
    rg_rtcp_iter_init(&it, buf, (size_t)n);
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1);
    REQUIRE(t, rg_rtcp_parse_fb(&p, &fb) == RG_OK);
    CHECK(t, p.pt == RG_RTCP_RTPFB && fb.fmt == 1 && fb.sender_ssrc == 1 && fb.media_ssrc == 2);
    uint16_t got[32];
    size_t cnt = 0;
    CHECK_OK(t, rg_rtcp_nack_list(&fb, got, 32, &cnt));
    CHECK_MEM(t, got, cnt * 2, lost, sizeof(lost));
    CHECK_EQ_INT(t, rg_rtcp_nack_list(&fb, got, 3, &cnt), RG_ELIMIT);
    CHECK_EQ_INT(t, cnt, 3);
    /* PID 100 BLP 0x8001: 100, 101, 116. */
    const uint8_t fci[] = { 0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 100, 0x80, 0x01 };
    rg_rtcp_iter_init(&it, fci, sizeof(fci));
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1);
    REQUIRE(t, rg_rtcp_parse_fb(&p, &fb) == RG_OK);
    CHECK_OK(t, rg_rtcp_nack_list(&fb, got, 32, &cnt));
    const uint16_t want[] = { 100, 101, 116 };
    CHECK_MEM(t, got, cnt * 2, want, sizeof(want));
}

static void psfb(struct rg_t *t)
{
    uint8_t buf[128];
    struct rg_rtcp_iter it;
    struct rg_rtcp_pkt p;
    struct rg_rtcp_fb fb;
    int n = rg_rtcp_write_pli(5, 6, buf, sizeof(buf));
    REQUIRE(t, n == 12);
    rg_rtcp_iter_init(&it, buf, 12);
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1 && rg_rtcp_parse_fb(&p, &fb) == RG_OK);
    CHECK(t, p.pt == RG_RTCP_PSFB && fb.fmt == 1 && fb.media_ssrc == 6 && fb.fci_len == 0);
    CHECK_EQ_INT(t, rg_rtcp_write_pli(5, 6, buf, 11), RG_ELIMIT);

    const struct rg_rtcp_fir_entry fir[2] = { { 0x1111, 7 }, { 0x2222, 255 } };
    n = rg_rtcp_write_fir(5, fir, 2, buf, sizeof(buf));
    REQUIRE(t, n == 28);
    rg_rtcp_iter_init(&it, buf, (size_t)n);
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1 && rg_rtcp_parse_fb(&p, &fb) == RG_OK);
    struct rg_rtcp_fir_entry fe[4];
    size_t cnt = 0;
    CHECK_OK(t, rg_rtcp_parse_fir(&fb, fe, 4, &cnt));
    CHECK(t, cnt == 2 && fe[1].ssrc == 0x2222 && fe[1].seq == 255 && fb.media_ssrc == 0);

    const uint32_t ss[2] = { 0xa, 0xb };
    n = rg_rtcp_write_remb(5, 1500000, ss, 2, buf, sizeof(buf));
    REQUIRE(t, n == 28);
    rg_rtcp_iter_init(&it, buf, (size_t)n);
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1 && rg_rtcp_parse_fb(&p, &fb) == RG_OK);
    struct rg_rtcp_remb remb;
    CHECK_OK(t, rg_rtcp_parse_remb(&fb, &remb));
    CHECK(t, remb.bitrate_bps == 1500000 && remb.n_ssrc == 2 && remb.ssrc[1] == 0xb);
    /* Rounds down to 18 significant bits. */
    n = rg_rtcp_write_remb(5, 1000000007ull, NULL, 0, buf, sizeof(buf));
    rg_rtcp_iter_init(&it, buf, (size_t)n);
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1 && rg_rtcp_parse_fb(&p, &fb) == RG_OK);
    CHECK_OK(t, rg_rtcp_parse_remb(&fb, &remb));
    CHECK(t, remb.bitrate_bps <= 1000000007ull && remb.bitrate_bps > 1000000007ull - 4096);
    /* Exponent 63 with a full mantissa saturates. */
    buf[17] = 0xff;
    buf[18] = 0xff;
    buf[19] = 0xff;
    CHECK_OK(t, rg_rtcp_parse_remb(&fb, &remb));
    CHECK(t, remb.bitrate_bps == UINT64_MAX);
    memcpy(buf + 12, "ABCD", 4);
    CHECK_EQ_INT(t, rg_rtcp_parse_remb(&fb, &remb), RG_ENOTFOUND);
}

static void twcc_app_xr(struct rg_t *t)
{
    /* transport-cc: base 0x0102, count 3, ref time -1, fb count 9, one
     * run-length chunk and three 1-byte deltas (+2 bytes padding). */
    const uint8_t tw[] = { 0x8f, 205, 0, 6, 0, 0, 0, 1, 0, 0, 0, 2, 0x01, 0x02, 0x00, 0x03,
                           0xff, 0xff, 0xff, 0x09, 0x20, 0x03, 0x04, 0x05, 0x06, 0, 0, 0 };
    struct rg_rtcp_iter it;
    struct rg_rtcp_pkt p;
    struct rg_rtcp_fb fb;
    rg_rtcp_iter_init(&it, tw, sizeof(tw));
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1 && rg_rtcp_parse_fb(&p, &fb) == RG_OK);
    struct rg_rtcp_twcc tc;
    CHECK_OK(t, rg_rtcp_parse_twcc(&fb, &tc));
    CHECK(t, tc.base_seq == 0x0102 && tc.status_count == 3 && tc.reference_time == -1);
    CHECK(t, tc.fb_count == 9 && tc.chunks_len == 8 && tc.chunks[0] == 0x20);

    const uint8_t app[] = { 0x83, 204, 0, 3, 0, 0, 0, 9, 'r', 't', 'c', 'g', 1, 2, 3, 4 };
    rg_rtcp_iter_init(&it, app, sizeof(app));
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1);
    struct rg_rtcp_app a;
    CHECK_OK(t, rg_rtcp_parse_app(&p, &a));
    CHECK(t, a.subtype == 3 && a.ssrc == 9 && memcmp(a.name, "rtcg", 4) == 0 && a.data_len == 4);

    /* XR: RRTR block (type 4, 2 words) then DLRR (type 5, 3 words). */
    const uint8_t xr[] = { 0x80, 207, 0, 8, 0, 0, 0, 9,
                           4, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8,
                           5, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3 };
    rg_rtcp_iter_init(&it, xr, sizeof(xr));
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1);
    struct rg_rtcp_xr_iter xi;
    struct rg_rtcp_xr_block blk;
    uint32_t ssrc = 0;
    REQUIRE(t, rg_rtcp_xr_init(&xi, &p, &ssrc) == RG_OK);
    CHECK_EQ_INT(t, ssrc, 9);
    REQUIRE(t, rg_rtcp_xr_next(&xi, &blk) == 1);
    CHECK(t, blk.type == 4 && blk.len == 8 && blk.data[7] == 8);
    REQUIRE(t, rg_rtcp_xr_next(&xi, &blk) == 1);
    CHECK(t, blk.type == 5 && blk.len == 12);
    CHECK_EQ_INT(t, rg_rtcp_xr_next(&xi, &blk), 0);
    CHECK_OK(t, rg_rtcp_validate(xr, sizeof(xr), RG_RTCP_REDUCED_SIZE));
}

static void sdes_multi_chunk(struct rg_t *t)
{
    /* Two chunks: (1: CNAME "a", NAME "bob") and (2: CNAME "xy"). */
    const uint8_t s[] = { 0x82, 202, 0, 7,
                          0, 0, 0, 1, 1, 1, 'a', 2, 3, 'b', 'o', 'b', 0, 0, 0, 0,
                          0, 0, 0, 2, 1, 2, 'x', 'y', 0, 0, 0, 0 };
    struct rg_rtcp_iter it;
    struct rg_rtcp_pkt p;
    rg_rtcp_iter_init(&it, s, sizeof(s));
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1);
    struct rg_rtcp_sdes_iter si;
    struct rg_rtcp_sdes_item item;
    REQUIRE(t, rg_rtcp_sdes_init(&si, &p) == RG_OK);
    REQUIRE(t, rg_rtcp_sdes_next(&si, &item) == 1);
    CHECK(t, item.ssrc == 1 && item.type == 1 && item.len == 1);
    REQUIRE(t, rg_rtcp_sdes_next(&si, &item) == 1);
    CHECK(t, item.ssrc == 1 && item.type == 2);
    CHECK_MEM(t, item.data, item.len, "bob", 3);
    REQUIRE(t, rg_rtcp_sdes_next(&si, &item) == 1);
    CHECK(t, item.ssrc == 2 && item.type == 1);
    CHECK_MEM(t, item.data, item.len, "xy", 2);
    CHECK_EQ_INT(t, rg_rtcp_sdes_next(&si, &item), 0);
    /* SC says 3 chunks: the missing one is an error. */
    uint8_t bad[sizeof(s)];
    memcpy(bad, s, sizeof(s));
    bad[0] = 0x83;
    rg_rtcp_iter_init(&it, bad, sizeof(bad));
    REQUIRE(t, rg_rtcp_next(&it, &p) == 1);
    REQUIRE(t, rg_rtcp_sdes_init(&si, &p) == RG_OK);
    int rc;
    while ((rc = rg_rtcp_sdes_next(&si, &item)) == 1) {
    }
    CHECK_EQ_INT(t, rc, RG_EBADMSG);
}

static const struct rg_test_case cases[] = {
    { "compound_parse", compound_parse },
    { "compound_rules", compound_rules },
    { "builders_round_trip", builders_round_trip },
    { "nack", nack },
    { "psfb_pli_fir_remb", psfb },
    { "twcc_app_xr", twcc_app_xr },
    { "sdes_multi_chunk", sdes_multi_chunk },
};

RG_TEST_MAIN(cases)
