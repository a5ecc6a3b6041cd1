/*
 * Unit tests for src/ctl/psp_codec.c: a packet service profile's codec
 * entries become the media engine's codec request.  Uses the factory
 * defaults plus the seed page's codecEntry / PSP lines
 * (tests/vectors/seed/psp_codecs.txt), and a G.729/G.722 trunk profile
 * typed here; the request then drives a real offer through rg_mcall_sdp.
 */
#include "harness.h"

#include "ctl/ctl.h"
#include "ctl/defaults.h"
#include "ctl/psp_codec.h"
#include "media/dtmf.h"
#include "media/mcall.h"

struct fx {
    struct rg_rng_seeded st;
    struct rg_rng rng;
    struct rg_secret sec;
    struct rg_ctl ctl;
    struct rg_cfg *cfg;
};

static const char *trunk_lines =
    "set profiles media codecEntry G729-30 codec G729 packetSize 30 dtmf relay outOfBand\n"
    "set profiles media codecEntry G722-HD codec G722 packetSize 20\n"
    "set profiles media codecEntry VIDEO codec VP8\n"
    "set profiles media codecEntry G711-ANY codec G711 packetSize 20\n"
    "set profiles media packetServiceProfile PSP_TRUNK codec codecEntry1 VIDEO codecEntry2 "
    "G729-30 codecEntry3 G722-HD codecEntry4 G711-ANY\n"
    "set profiles media packetServiceProfile PSP_TRUNK honorRemotePrecedence enabled\n"
    "set profiles media packetServiceProfile PSP_NONE rtcpOptions rtcp enable\n";

static bool fx_init(struct fx *f)
{
    memset(f, 0, sizeof(*f));
    rg_rng_seeded_init(&f->st, 3, &f->rng);
    for (int i = 0; i < 32; i++)
        f->sec.key[i] = (uint8_t)(i + 1);
    f->sec.rng = &f->rng;
    int irc = rg_ctl_init(&f->ctl, &f->sec, NULL, 0);
    if (irc != RG_OK) {
        fprintf(stderr, "    ctl init: %s\n", rg_strerror(irc));
        return false;
    }
    size_t len = 0;
    char *seed = rg_t_read_file("tests/vectors/seed/psp_codecs.txt", &len);
    struct rg_buf text, msgs;
    rg_buf_init(&text, 1 << 20);
    rg_buf_init(&msgs, 1 << 16);
    int rc = seed ? rg_buf_append_cstr(&text, rg_default_config) : RG_ENOTFOUND;
    if (rc == RG_OK)
        rc = rg_buf_append_str(&text, rg_str_make(seed, len));
    if (rc == RG_OK)
        rc = rg_buf_append_cstr(&text, trunk_lines);
    if (rc == RG_OK)
        rc = rg_ctl_parse_text(&f->ctl, rg_buf_str(&text), &f->cfg, &msgs);
    if (rc != RG_OK)
        fprintf(stderr, "    config: %s %.*s\n", rg_strerror(rc), (int)msgs.len, msgs.data);
    rg_free(seed);
    rg_buf_deinit(&text);
    rg_buf_deinit(&msgs);
    return rc == RG_OK;
}

static void fx_free(struct fx *f)
{
    rg_cfg_free(f->cfg);
    rg_ctl_deinit(&f->ctl);
}

/* PSP_WRTC: the factory entries (OPUS-Default, G711-DEFAULT, G711A-DEFAULT)
 * plus the seed's codecEntry12 OPUS-Default (the same codec once). */
static void seed_psp_wrtc(struct rg_t *t)
{
    struct fx f;
    REQUIRE(t, fx_init(&f));
    struct rg_mcodec_req r;
    memset(&r, 0x55, sizeof(r));
    unsigned skipped = 9;
    CHECK_EQ_INT(t, rg_psp_codec_req(f.cfg, "PSP_WRTC", &r, &skipped), 3);
    CHECK_EQ_INT(t, skipped, 0);
    CHECK(t, r.mask_all && !r.strip_all && r.ours_first);
    CHECK_EQ_INT(t, r.item[0].codec, RG_CODEC_OPUS);
    CHECK(t, r.item[0].has_pt && r.item[0].pt == 111 && r.item[0].ptime_ms == 20);
    CHECK_EQ_INT(t, r.item[1].codec, RG_CODEC_PCMU);
    CHECK(t, r.item[1].has_pt && r.item[1].pt == 0);
    CHECK_EQ_INT(t, r.item[2].codec, RG_CODEC_PCMA);
    CHECK(t, r.item[2].has_pt && r.item[2].pt == 8);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(t, r.item[i].op, RG_MCODEC_TRANSCODE);
    CHECK(t, r.dtmf_set && r.dtmf_mode == RG_DTMF_RFC2833); /* schema default */
    CHECK_EQ_INT(t, r.ptime_ms, 20);
    CHECK_EQ_INT(t, rg_psp_codec_req(f.cfg, "DEFAULT", &r, NULL), 2);
    CHECK(t, r.item[0].codec == RG_CODEC_PCMU && r.item[1].codec == RG_CODEC_PCMA);
    fx_free(&f);
}

static void trunk_profile(struct rg_t *t)
{
    struct fx f;
    REQUIRE(t, fx_init(&f));
    struct rg_mcodec_req r;
    unsigned skipped = 0;
    CHECK_EQ_INT(t, rg_psp_codec_req(f.cfg, "PSP_TRUNK", &r, &skipped), 4);
    CHECK_EQ_INT(t, skipped, 1); /* VP8 has no coder here */
    CHECK(t, r.mask_all && !r.ours_first); /* honorRemotePrecedence enabled */
    CHECK(t, r.item[0].codec == RG_CODEC_G729 && r.item[0].ptime_ms == 30 && !r.item[0].has_pt);
    CHECK(t, r.item[1].codec == RG_CODEC_G722 && r.item[1].ptime_ms == 20);
    /* G711 law deriveFromOtherLeg: both laws, μ first */
    CHECK(t, r.item[2].codec == RG_CODEC_PCMU && r.item[3].codec == RG_CODEC_PCMA);
    CHECK(t, r.dtmf_set && r.dtmf_mode == RG_DTMF_OOB);
    CHECK_EQ_INT(t, r.ptime_ms, 30);
    struct rg_mcodec_req before = r;
    CHECK_EQ_INT(t, rg_psp_codec_req(f.cfg, "NOPE", &r, NULL), RG_ENOTFOUND);
    CHECK(t, memcmp(&before, &r, sizeof(r)) == 0); /* untouched on failure */
    CHECK_EQ_INT(t, rg_psp_codec_req(f.cfg, "PSP_NONE", &r, NULL), 0);
    CHECK(t, !rg_mcodec_req_any(&r));
    fx_free(&f);
}

static int fake_open(void *ud, const struct rg_addr *ip, bool pair, int fds[2],
                     struct rg_addr bound[2])
{
    int *next = ud;
    for (int k = 0; k < (pair ? 2 : 1); k++) {
        fds[k] = (*next)++;
        bound[k] = *ip;
        bound[k].port = (uint16_t)(20000 + fds[k]);
    }
    if (!pair)
        fds[1] = -1;
    return RG_OK;
}

static void fake_close(void *ud, int fd)
{
    (void)ud;
    (void)fd;
}

/* The B2BUA's use: a browser's Opus offer toward a trunk with the DEFAULT
 * profile is offered as PCMU, PCMA in the profile's order with
 * telephone-event/8000 and a=ptime:20; Opus is not offered. */
static void drives_an_offer(struct rg_t *t)
{
    struct fx f;
    REQUIRE(t, fx_init(&f));
    int next = 100;
    struct rg_mcall_env env = { .rng = &f.rng };
    env.ports = (struct rg_mports){ .open = fake_open, .close = fake_close, .ud = &next };
    (void)rg_addr_parse_ip(RG_STR_LIT("127.0.0.1"), &env.media_ip);
    struct rg_mside_req req;
    memset(&req, -1, sizeof(req));
    memset(&req.advertise, 0, sizeof(req.advertise));
    memset(&req.sig_src, 0, sizeof(req.sig_src));
    CHECK_EQ_INT(t, rg_psp_codec_req(f.cfg, "DEFAULT", &req.codecs, NULL), 2);
    struct rg_mcall *c = NULL;
    REQUIRE(t, rg_mcall_create(&env, RG_STR_LIT("c"), RG_STR_LIT("f"), 0, &c) == RG_OK);
    struct rg_buf out;
    rg_buf_init(&out, 8192);
    const char *why = NULL;
    const char *offer = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
                        "m=audio 4000 RTP/AVP 111 8 126\r\na=rtpmap:111 opus/48000/2\r\n"
                        "a=rtpmap:8 PCMA/8000\r\na=rtpmap:126 telephone-event/48000\r\n";
    CHECK_OK(t, rg_mcall_sdp(c, 0, 0, true, rg_str_from_cstr(offer), &req, &out, &why));
    struct rg_str s = rg_buf_str(&out);
    /* profile order (PCMU before the offerer's PCMA), event at 8000 */
    CHECK(t, rg_str_find(s, RG_STR_LIT("RTP/AVP 0 8 96\r\n")) >= 0);
    CHECK(t, rg_str_find(s, RG_STR_LIT("a=rtpmap:96 telephone-event/8000")) >= 0);
    CHECK(t, rg_str_find(s, RG_STR_LIT("a=ptime:20")) >= 0);
    CHECK(t, rg_str_find(s, RG_STR_LIT("opus")) < 0 && rg_str_find(s, RG_STR_LIT("/48000")) < 0);
    rg_buf_deinit(&out);
    rg_mcall_destroy(c);
    fx_free(&f);
}

static const struct rg_test_case cases[] = {
    { "seed_psp_wrtc", seed_psp_wrtc },
    { "trunk_profile", trunk_profile },
    { "drives_an_offer", drives_an_offer },
};

RG_TEST_MAIN(cases)
