/* Unit tests for src/proto/sdp: the real-SDP corpus, typed attributes,
 * malformed lines, limits, OOM stepping, printer and builder. */
#include "harness.h"

#include <dirent.h>

#include "core/arena.h"
#include "core/buf.h"
#include "proto/sdp/sdp.h"

#define VEC_DIR "tests/vectors/sdp"

/* A parse context: arena + result. */
struct px {
    struct rg_arena arena;
    struct rg_sdp *sdp;
    struct rg_sdp_error err;
};

static int px_parse(struct px *p, const char *text, size_t len)
{
    rg_arena_init(&p->arena, 4096, 1 << 22);
    p->sdp = NULL;
    p->err = (struct rg_sdp_error){ 0, NULL };
    return rg_sdp_parse(rg_str_make(text, len), NULL, &p->arena, &p->sdp, &p->err);
}

static int px_parse_cstr(struct px *p, const char *text)
{
    return px_parse(p, text, strlen(text));
}

/* Prints p->sdp into a fresh buffer (caller deinits). */
static int px_print(const struct px *p, struct rg_buf *b)
{
    rg_buf_init(b, 1 << 20);
    return rg_sdp_print(p->sdp, b);
}

static uint32_t count_lines(const char *text, size_t len, char type)
{
    uint32_t n = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if ((i == 0 || text[i - 1] == '\n') && text[i] == type && text[i + 1] == '=')
            n++;
    }
    return n;
}

static uint32_t total_attrs(const struct rg_sdp *s)
{
    uint32_t n = s->attrs.n;
    for (uint32_t i = 0; i < s->n_media; i++)
        n += s->media[i].attrs.n;
    return n;
}

/* Every corpus file: parses, keeps every a= and m= line, prints back
 * byte-identical when the source was canonical, and reparses equal. */
static void check_corpus_file(struct rg_t *t, const char *path, int *canonical)
{
    size_t len = 0;
    char *text = rg_t_read_file(path, &len);
    REQUIRE(t, text != NULL);
    struct px a, b;
    int rc = px_parse(&a, text, len);
    if (rc != RG_OK) {
        fprintf(stderr, "    %s: rc %d line %u: %s\n", path, rc, a.err.line, a.err.what);
        CHECK_OK(t, rc);
    } else {
        CHECK_EQ_INT(t, total_attrs(a.sdp), count_lines(text, len, 'a'));
        CHECK_EQ_INT(t, a.sdp->n_media, count_lines(text, len, 'm'));
        struct rg_buf out;
        CHECK_OK(t, px_print(&a, &out));
        if (out.len == len && memcmp(out.data, text, len) == 0)
            (*canonical)++;
        else
            fprintf(stderr, "    %s: printed text differs from the capture\n", path);
        CHECK_OK(t, px_parse(&b, out.data, out.len));
        if (b.sdp && !rg_sdp_equal(a.sdp, b.sdp)) {
            fprintf(stderr, "    %s: reparse differs\n", path);
            CHECK(t, false);
        }
        rg_arena_deinit(&b.arena);
        rg_buf_deinit(&out);
    }
    rg_arena_deinit(&a.arena);
    rg_free(text);
}

static void corpus_round_trip(struct rg_t *t)
{
    DIR *d = opendir(VEC_DIR);
    REQUIRE(t, d != NULL);
    struct dirent *e;
    int files = 0, canonical = 0;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".sdp") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", VEC_DIR, e->d_name);
        check_corpus_file(t, path, &canonical);
        files++;
    }
    closedir(d);
    CHECK(t, files >= 34);
    /* Every peer in the corpus writes canonical SDP (CRLF, single spaces,
     * RFC line order), so printing must reproduce each file byte for byte:
     * nothing is lost, reordered or rewritten. */
    CHECK_EQ_INT(t, canonical, files);
    printf("# corpus: %d files, %d printed byte-identical\n", files, canonical);
}

static const struct rg_sdp_attr *nth(const struct rg_sdp_attrs *l, enum rg_sdp_attr_kind k, int n)
{
    long at = -1;
    for (int i = 0; i <= n; i++) {
        at = rg_sdp_attr_find(l, k, (uint32_t)(at + 1));
        if (at < 0)
            return NULL;
    }
    return &l->v[at];
}

/* Parses a corpus file into p (caller deinits p->arena and frees *text). */
static bool load(struct rg_t *t, const char *name, struct px *p, char **text)
{
    char path[256];
    size_t len;
    snprintf(path, sizeof(path), "%s/%s", VEC_DIR, name);
    *text = rg_t_read_file(path, &len);
    if (!*text) {
        CHECK(t, *text != NULL);
        return false;
    }
    int rc = px_parse(p, *text, len);
    CHECK_OK(t, rc);
    return rc == RG_OK;
}

static void chrome_offer_media_check(struct rg_t *t, const struct rg_sdp *s)
{
    const struct rg_sdp_media *m = &s->media[0];
    const struct rg_sdp_attr *fp = nth(&m->attrs, RG_SDP_A_FINGERPRINT, 0);
    REQUIRE(t, fp != NULL);
    static const uint8_t want_fp[] = { 0xB8, 0x9C, 0x10, 0x06, 0x68, 0x4F, 0x81, 0x3E,
                                       0xC2, 0x9A, 0x13, 0x95, 0xB2, 0x34, 0x5B, 0xB9,
                                       0x33, 0x55, 0xBE, 0x19, 0x89, 0x22, 0x59, 0xF5,
                                       0x50, 0xFC, 0x47, 0xAD, 0x9D, 0x99, 0x2A, 0xA5 };
    CHECK_STR(t, fp->u.fp.hash, "sha-256");
    CHECK_MEM(t, fp->u.fp.bytes, fp->u.fp.len, want_fp, sizeof(want_fp));
    CHECK_EQ_INT(t, nth(&m->attrs, RG_SDP_A_SETUP, 0)->u.setup, RG_SDP_SETUP_ACTPASS);
    CHECK_STR(t, nth(&m->attrs, RG_SDP_A_MID, 0)->u.text, "0");
    const struct rg_sdp_attr *x3 = nth(&m->attrs, RG_SDP_A_EXTMAP, 2);
    REQUIRE(t, x3 != NULL);
    CHECK_EQ_INT(t, x3->u.extmap.id, 3);
    CHECK_STR(t, x3->u.extmap.uri,
              "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01");
    CHECK_EQ_INT(t, rg_sdp_media_dir(s, m), RG_SDP_DIR_SENDRECV);
    const struct rg_sdp_attr *msid = nth(&m->attrs, RG_SDP_A_MSID, 0);
    CHECK_STR(t, msid->u.msid.appdata, "56f5b07b-e190-4eae-a1c6-1038ee976517");
    CHECK(t, nth(&m->attrs, RG_SDP_A_RTCP_MUX, 0) && nth(&m->attrs, RG_SDP_A_RTCP_RSIZE, 0));
    const struct rg_sdp_attr *opus = nth(&m->attrs, RG_SDP_A_RTPMAP, 0);
    CHECK_EQ_INT(t, opus->u.rtpmap.pt, 111);
    CHECK_STR(t, opus->u.rtpmap.encoding, "opus");
    CHECK_EQ_INT(t, opus->u.rtpmap.clock_hz, 48000);
    CHECK_EQ_INT(t, opus->u.rtpmap.channels, 2);
    const struct rg_sdp_attr *fb = nth(&m->attrs, RG_SDP_A_RTCP_FB, 0);
    CHECK_EQ_INT(t, fb->u.fb.pt, 111);
    CHECK_STR(t, fb->u.fb.type, "transport-cc");
    CHECK(t, fb->u.fb.param.p == NULL);
    const struct rg_sdp_attr *fmtp = nth(&m->attrs, RG_SDP_A_FMTP, 0);
    CHECK_EQ_INT(t, fmtp->u.fmtp.pt, 111);
    REQUIRE(t, fmtp->u.fmtp.n_kv == 2);
    CHECK_STR(t, fmtp->u.fmtp.kv[1].name, "useinbandfec");
    CHECK_STR(t, fmtp->u.fmtp.kv[1].value, "1");
    CHECK(t, rg_sdp_media_conn(s, m) == &m->conns[0]);
    CHECK_STR(t, rg_sdp_media_rtpmap(m, 126)->encoding, "telephone-event");
    CHECK(t, rg_sdp_media_rtpmap(m, 127) == NULL);
    CHECK_STR(t, rg_sdp_media_fmtp(m, 63)->params, "111/111");
    CHECK(t, rg_sdp_media_fmtp(m, 0) == NULL);
    const struct rg_sdp_attr *ssrc = nth(&m->attrs, RG_SDP_A_SSRC, 0);
    CHECK_EQ_INT(t, ssrc->u.ssrc.id, 1142913797u);
    CHECK_STR(t, ssrc->u.ssrc.attr, "cname");
    CHECK_STR(t, ssrc->u.ssrc.value, "j2z7sJHLM85VlEui");
    /* rtcp-xr is unknown here and stays in place, text intact. */
    long xr = rg_sdp_attr_find_name(&m->attrs, "rtcp-xr", 0);
    CHECK(t, xr > 0 && m->attrs.v[xr].kind == RG_SDP_A_UNKNOWN);
    CHECK_STR(t, m->attrs.v[xr].value, "rcvr-rtt=all");
}

static void chrome_offer_fields(struct rg_t *t)
{
    size_t len;
    char *text = rg_t_read_file(VEC_DIR "/chromium156-audio-offer.sdp", &len);
    REQUIRE(t, text != NULL);
    struct px p;
    CHECK_OK(t, px_parse(&p, text, len));
    REQUIRE(t, p.sdp != NULL);
    const struct rg_sdp *s = p.sdp;
    CHECK_EQ_INT(t, s->eol, RG_SDP_EOL_CRLF);
    CHECK_STR(t, s->origin.sess_id, "8420404659248536950");
    CHECK_STR(t, s->origin.address, "127.0.0.1");
    const struct rg_sdp_attr *g = nth(&s->attrs, RG_SDP_A_GROUP, 0);
    REQUIRE(t, g != NULL);
    CHECK_STR(t, g->u.group.semantics, "BUNDLE");
    CHECK_EQ_INT(t, g->u.group.n_ids, 1);
    CHECK_STR(t, g->u.group.ids[0], "0");
    CHECK(t, nth(&s->attrs, RG_SDP_A_EXTMAP_ALLOW_MIXED, 0) != NULL);
    /* msid-semantic is not a typed attribute: kept with its text. */
    CHECK_STR(t, s->attrs.v[2].name, "msid-semantic");
    CHECK_STR(t, s->attrs.v[2].value, " WMS d6b66ffc-1a2b-4f74-b4b8-5a8880a5c9ee");
    REQUIRE(t, s->n_media == 1);
    const struct rg_sdp_media *m = &s->media[0];
    CHECK_STR(t, m->media, "audio");
    CHECK_EQ_INT(t, m->port, 39008);
    CHECK_STR(t, m->proto, "UDP/TLS/RTP/SAVPF");
    CHECK_EQ_INT(t, m->n_fmts, 8);
    CHECK_STR(t, m->fmts[7], "126");
    CHECK_EQ_INT(t, m->conns[0].addr.family, RG_AF_INET4);
    const struct rg_sdp_attr *rtcp = nth(&m->attrs, RG_SDP_A_RTCP, 0);
    REQUIRE(t, rtcp != NULL);
    CHECK_EQ_INT(t, rtcp->u.rtcp.port, 9);
    CHECK_STR(t, rtcp->u.rtcp.address, "0.0.0.0");
    const struct rg_sdp_attr *c0 = nth(&m->attrs, RG_SDP_A_CANDIDATE, 0);
    REQUIRE(t, c0 != NULL);
    CHECK_STR(t, c0->u.cand.foundation, "3477297337");
    CHECK_EQ_INT(t, c0->u.cand.component, 1);
    CHECK_STR(t, c0->u.cand.transport, "udp");
    CHECK_EQ_INT(t, c0->u.cand.priority, 2122260223u);
    CHECK_EQ_INT(t, c0->u.cand.addr.family, RG_AF_INET4);
    CHECK_EQ_INT(t, c0->u.cand.addr.ip[0], 127);
    CHECK_EQ_INT(t, c0->u.cand.port, 39008);
    CHECK_EQ_INT(t, c0->u.cand.type, RG_SDP_CAND_HOST);
    REQUIRE(t, c0->u.cand.n_ext == 3);
    CHECK_STR(t, c0->u.cand.ext[1].name, "network-id");
    CHECK_STR(t, c0->u.cand.ext[2].value, "50");
    const struct rg_sdp_attr *c1 = nth(&m->attrs, RG_SDP_A_CANDIDATE, 1);
    REQUIRE(t, c1 != NULL);
    CHECK_EQ_INT(t, c1->u.cand.tcptype, RG_SDP_TCPTYPE_ACTIVE);
    CHECK_EQ_INT(t, c1->u.cand.port, 9);
    CHECK_STR(t, nth(&m->attrs, RG_SDP_A_ICE_UFRAG, 0)->u.text, "g92/");
    CHECK_STR(t, nth(&m->attrs, RG_SDP_A_ICE_PWD, 0)->u.text, "8BQvB2E7prQnAVZqo3CT18H+");
    CHECK_STR(t, nth(&m->attrs, RG_SDP_A_ICE_OPTIONS, 0)->u.tokens.v[0], "trickle");
    rg_arena_deinit(&p.arena);
    rg_free(text);
}

static void chrome_offer_media(struct rg_t *t)
{
    struct px p;
    char *text;
    if (load(t, "chromium156-audio-offer.sdp", &p, &text))
        chrome_offer_media_check(t, p.sdp);
    rg_arena_deinit(&p.arena);
    rg_free(text);
}

static void chrome_av_and_data(struct rg_t *t)
{
    size_t len;
    char *text = rg_t_read_file(VEC_DIR "/chromium156-av-offer.sdp", &len);
    REQUIRE(t, text != NULL);
    struct px p;
    CHECK_OK(t, px_parse(&p, text, len));
    REQUIRE(t, p.sdp && p.sdp->n_media == 2);
    const struct rg_sdp_media *v = &p.sdp->media[1];
    CHECK_STR(t, v->media, "video");
    const struct rg_sdp_attr *sg = nth(&v->attrs, RG_SDP_A_SSRC_GROUP, 0);
    REQUIRE(t, sg != NULL);
    CHECK_STR(t, sg->u.ssrc_group.semantics, "FID");
    CHECK_EQ_INT(t, sg->u.ssrc_group.n_ids, 2);
    const struct rg_sdp_attr *g = nth(&p.sdp->attrs, RG_SDP_A_GROUP, 0);
    CHECK_EQ_INT(t, g->u.group.n_ids, 2);
    CHECK_STR(t, g->u.group.ids[1], "1");
    long pli = -1;
    for (uint32_t i = 0; i < v->attrs.n && pli < 0; i++) {
        const struct rg_sdp_attr *a = &v->attrs.v[i];
        if (a->kind == RG_SDP_A_RTCP_FB && a->u.fb.param.p && rg_str_eq_cstr(a->u.fb.param, "pli"))
            pli = i;
    }
    CHECK(t, pli > 0);
    rg_arena_deinit(&p.arena);
    rg_free(text);
    text = rg_t_read_file(VEC_DIR "/chromium156-datachannel-offer.sdp", &len);
    REQUIRE(t, text != NULL);
    CHECK_OK(t, px_parse(&p, text, len));
    REQUIRE(t, p.sdp && p.sdp->n_media == 1);
    const struct rg_sdp_media *d = &p.sdp->media[0];
    CHECK_STR(t, d->proto, "UDP/DTLS/SCTP");
    CHECK_STR(t, d->fmts[0], "webrtc-datachannel");
    CHECK_EQ_INT(t, nth(&d->attrs, RG_SDP_A_SCTP_PORT, 0)->u.port, 5000);
    CHECK_EQ_INT(t, nth(&d->attrs, RG_SDP_A_MAX_MESSAGE_SIZE, 0)->u.max_msg, 262144);
    rg_arena_deinit(&p.arena);
    rg_free(text);
}

/* Hand-checked values from the other captured peers. */
static void peer_fields(struct rg_t *t)
{
    struct px p;
    char *text;
    if (load(t, "firefox153esr-datachannel-offer-mdns.sdp", &p, &text)) {
        const struct rg_sdp_media *m = &p.sdp->media[0];
        const struct rg_sdp_candidate *c = &nth(&m->attrs, RG_SDP_A_CANDIDATE, 1)->u.cand;
        CHECK(t, c->is_mdns);
        CHECK_STR(t, c->address, "af516899-c7d1-4983-8fab-fe46e4bb0c60.local");
        CHECK_STR(t, c->transport, "TCP");
        CHECK_EQ_INT(t, c->tcptype, RG_SDP_TCPTYPE_ACTIVE);
        CHECK_EQ_INT(t, nth(&m->attrs, RG_SDP_A_MAX_MESSAGE_SIZE, 0)->u.max_msg, 1073741823);
        CHECK_STR(t, p.sdp->origin.username, "mozilla...THIS_IS_SDPARTA-99.0");
        /* Firefox puts fingerprint and direction at session level. */
        CHECK(t, nth(&p.sdp->attrs, RG_SDP_A_FINGERPRINT, 0) != NULL);
    }
    rg_arena_deinit(&p.arena);
    rg_free(text);
    if (load(t, "chromium156-datachannel-offer-mdns.sdp", &p, &text)) {
        const struct rg_sdp_candidate *c = &nth(&p.sdp->media[0].attrs, RG_SDP_A_CANDIDATE, 0)->u.cand;
        CHECK(t, c->is_mdns);
        CHECK_EQ_INT(t, c->addr.family, RG_AF_NONE);
        CHECK_STR(t, c->address, "e9154494-4206-44ba-9027-e54e2294fba8.local");
        CHECK_EQ_INT(t, c->port, 48914);
        CHECK_STR(t, c->ext[1].name, "network-cost");
    }
    rg_arena_deinit(&p.arena);
    rg_free(text);
    if (load(t, "firefox153esr-audio-offer.sdp", &p, &text)) {
        const struct rg_sdp_media *m = &p.sdp->media[0];
        const struct rg_sdp_extmap *x = &nth(&m->attrs, RG_SDP_A_EXTMAP, 1)->u.extmap;
        CHECK_EQ_INT(t, x->id, 2);
        CHECK_EQ_INT(t, x->dir, RG_SDP_DIR_RECVONLY);
        CHECK_EQ_INT(t, nth(&m->attrs, RG_SDP_A_CANDIDATE, 2)->u.cand.component, 2);
        CHECK_EQ_INT(t, nth(&m->attrs, RG_SDP_A_RTCP, 0)->u.rtcp.port, 53073);
        CHECK_STR(t, nth(&m->attrs, RG_SDP_A_RTPMAP, 1)->u.rtpmap.params, "1");
    }
    rg_arena_deinit(&p.arena);
    rg_free(text);
    if (load(t, "baresip1.0-ice-dtls-invite.sdp", &p, &text)) {
        const struct rg_sdp_attr *fp = nth(&p.sdp->attrs, RG_SDP_A_FINGERPRINT, 0);
        CHECK_STR(t, fp->u.fp.hash, "SHA-256");
        CHECK_EQ_INT(t, fp->u.fp.len, 32);
        CHECK_EQ_INT(t, fp->u.fp.bytes[0], 0x2E);
        CHECK_EQ_INT(t, fp->u.fp.bytes[31], 0x46);
        CHECK_STR(t, nth(&p.sdp->attrs, RG_SDP_A_ICE_UFRAG, 0)->u.text, "UAe4riv");
        const struct rg_sdp_candidate *c = &nth(&p.sdp->media[0].attrs, RG_SDP_A_CANDIDATE, 0)->u.cand;
        CHECK_STR(t, c->foundation, "0ac80001");
        CHECK_EQ_INT(t, c->priority, 2113929471u);
        CHECK_EQ_INT(t, c->n_ext, 0);
    }
    rg_arena_deinit(&p.arena);
    rg_free(text);
    if (load(t, "baresip1.0-sdes-invite.sdp", &p, &text)) {
        const struct rg_sdp_crypto *c = &nth(&p.sdp->media[0].attrs, RG_SDP_A_CRYPTO, 0)->u.crypto;
        CHECK_STR(t, c->suite, "AES_CM_128_HMAC_SHA1_80");
        CHECK_STR(t, c->keys[0].key_salt, "H72EuSlIWgFpRrdxnsrnBEDROaFR4eeJwU5FkyIv");
        CHECK_EQ_INT(t, nth(&p.sdp->media[0].attrs, RG_SDP_A_PTIME, 0)->u.ptime_us, 20000);
    }
    rg_arena_deinit(&p.arena);
    rg_free(text);
    if (load(t, "rtpengine10.5-rtp-to-webrtc-offer.sdp", &p, &text)) {
        const struct rg_sdp_attrs *l = &p.sdp->media[0].attrs;
        const struct rg_sdp_attr *r = nth(l, RG_SDP_A_RTCP, 0);
        CHECK_EQ_INT(t, r->u.rtcp.port, 31001);
        CHECK(t, r->u.rtcp.nettype.p == NULL);
        CHECK_EQ_INT(t, nth(l, RG_SDP_A_CANDIDATE, 1)->u.cand.component, 2);
        CHECK_STR(t, nth(l, RG_SDP_A_MID, 0)->u.text, "1");
    }
    rg_arena_deinit(&p.arena);
    rg_free(text);
    if (load(t, "rtpengine10.5-rtp-to-webrtc-answer.sdp", &p, &text)) {
        const struct rg_sdp_attrs *l = &p.sdp->media[0].attrs;
        CHECK_EQ_INT(t, nth(l, RG_SDP_A_SETUP, 0)->u.setup, RG_SDP_SETUP_ACTIVE);
        CHECK_EQ_INT(t, nth(l, RG_SDP_A_RTCP, 0)->u.rtcp.port, p.sdp->media[0].port);
        CHECK(t, nth(l, RG_SDP_A_END_OF_CANDIDATES, 0) != NULL);
    }
    rg_arena_deinit(&p.arena);
    rg_free(text);
    if (load(t, "werift0.24-offer.sdp", &p, &text)) {
        const struct rg_sdp_candidate *c = &nth(&p.sdp->media[0].attrs, RG_SDP_A_CANDIDATE, 0)->u.cand;
        CHECK_STR(t, c->ext[1].name, "ufrag");
        CHECK_STR(t, c->ext[1].value, "3b17");
        CHECK_EQ_INT(t, p.sdp->n_media, 3);
    }
    rg_arena_deinit(&p.arena);
    rg_free(text);
}

/* Attributes of other peers, typed, with the values checked by hand. */
static const char typed_sdp[] =
    "v=0\n"
    "o=alice 1 2 IN IP6 2001:db8::1\n"
    "s=call\n"
    "c=IN IP6 2001:db8::1\n"
    "b=AS:256\n"
    "t=0 0\n"
    "a=ice-lite\n"
    "a=tls-id:abcdefghij0123456789+/-_\n"
    "m=audio 49170/2 RTP/SAVP 0 101\n"
    "a=candidate:a+b/ 2 TCP 1 f2b4c7d0-43a2-4b1e-9c8e-1234567890ab.local 9 typ srflx raddr "
    "0.0.0.0 rport 0 tcptype passive generation 0\n"
    "a=candidate:x 1 UDP 4294967295 2001:db8::2 3478 typ relay raddr 192.0.2.1 rport 5000\n"
    "a=candidate:y 1 udp 7 192.0.2.9 1 typ foo\n"
    "a=end-of-candidates\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4"
    " FEC_ORDER=FEC_SRTP\n"
    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj;"
    "inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20\n"
    "a=ptime:0.125\n"
    "a=maxptime:40\n"
    "a=rtcp:53020 IN IP4 126.16.64.4\n"
    "a=rtcp-fb:* nack\n"
    "a=extmap:2/sendonly urn:example:x ext-attr\n"
    "a=extmap:4096 urn:example:y\n"
    "a=fmtp:101 0-15\n"
    "a=rtpmap:101 telephone-event/8000\n"
    "a=ssrc:4294967295 cname:\n"
    "a=x-unknown:   keeps  spaces  \n"
    "a=recvonly\n"
    "a=fingerprint:sha-1 4a:ad:b9:b1:3f:82:18:3b:54:02:12:df:3e:5d:49:6b:19:e5:7c:ab\n";

static void typed_attributes(struct rg_t *t)
{
    struct px p;
    CHECK_OK(t, px_parse_cstr(&p, typed_sdp));
    REQUIRE(t, p.sdp && p.sdp->n_media == 1);
    const struct rg_sdp *s = p.sdp;
    CHECK_EQ_INT(t, s->eol, RG_SDP_EOL_LF);
    CHECK_EQ_INT(t, s->conn.addr.family, RG_AF_INET6);
    CHECK_EQ_INT(t, s->bws[0].value, 256);
    CHECK(t, nth(&s->attrs, RG_SDP_A_ICE_LITE, 0) != NULL);
    CHECK_STR(t, nth(&s->attrs, RG_SDP_A_TLS_ID, 0)->u.text, "abcdefghij0123456789+/-_");
    const struct rg_sdp_media *m = &s->media[0];
    CHECK_EQ_INT(t, m->port_count, 2);
    CHECK(t, rg_sdp_media_conn(s, m) == &s->conn); /* inherited from the session */
    const struct rg_sdp_candidate *c = &nth(&m->attrs, RG_SDP_A_CANDIDATE, 0)->u.cand;
    CHECK(t, c->is_mdns);
    CHECK_EQ_INT(t, c->addr.family, RG_AF_NONE);
    CHECK_STR(t, c->address, "f2b4c7d0-43a2-4b1e-9c8e-1234567890ab.local");
    CHECK_EQ_INT(t, c->component, 2);
    CHECK_EQ_INT(t, c->type, RG_SDP_CAND_SRFLX);
    CHECK_STR(t, c->raddr, "0.0.0.0");
    CHECK(t, c->has_rport && c->rport == 0);
    CHECK_EQ_INT(t, c->tcptype, RG_SDP_TCPTYPE_PASSIVE);
    CHECK_EQ_INT(t, c->n_ext, 1);
    c = &nth(&m->attrs, RG_SDP_A_CANDIDATE, 1)->u.cand;
    CHECK_EQ_INT(t, c->priority, 4294967295u);
    CHECK_EQ_INT(t, c->addr.family, RG_AF_INET6);
    CHECK_EQ_INT(t, c->addr.port, 3478);
    CHECK_EQ_INT(t, c->type, RG_SDP_CAND_RELAY);
    c = &nth(&m->attrs, RG_SDP_A_CANDIDATE, 2)->u.cand;
    CHECK_EQ_INT(t, c->type, RG_SDP_CAND_OTHER);
    CHECK_STR(t, c->type_name, "foo");
    CHECK(t, nth(&m->attrs, RG_SDP_A_END_OF_CANDIDATES, 0) != NULL);
    const struct rg_sdp_crypto *cr = &nth(&m->attrs, RG_SDP_A_CRYPTO, 0)->u.crypto;
    CHECK_EQ_INT(t, cr->tag, 1);
    CHECK_STR(t, cr->suite, "AES_CM_128_HMAC_SHA1_80");
    REQUIRE(t, cr->n_keys == 1);
    CHECK_STR(t, cr->keys[0].key_salt, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR");
    CHECK_STR(t, cr->keys[0].lifetime, "2^20");
    CHECK_STR(t, cr->keys[0].mki, "1:4");
    CHECK_STR(t, cr->session_params, "FEC_ORDER=FEC_SRTP");
    cr = &nth(&m->attrs, RG_SDP_A_CRYPTO, 1)->u.crypto;
    CHECK_EQ_INT(t, cr->n_keys, 2);
    CHECK(t, cr->keys[0].lifetime.p == NULL && cr->keys[1].mki.p == NULL);
    CHECK_EQ_INT(t, nth(&m->attrs, RG_SDP_A_PTIME, 0)->u.ptime_us, 125);
    CHECK_EQ_INT(t, nth(&m->attrs, RG_SDP_A_MAXPTIME, 0)->u.ptime_us, 40000);
    CHECK_EQ_INT(t, nth(&m->attrs, RG_SDP_A_RTCP_FB, 0)->u.fb.pt, -1);
    const struct rg_sdp_extmap *x = &nth(&m->attrs, RG_SDP_A_EXTMAP, 0)->u.extmap;
    CHECK_EQ_INT(t, x->dir, RG_SDP_DIR_SENDONLY);
    CHECK_STR(t, x->attrs, "ext-attr");
    CHECK_EQ_INT(t, nth(&m->attrs, RG_SDP_A_EXTMAP, 1)->u.extmap.id, 4096);
    const struct rg_sdp_fmtp *f = &nth(&m->attrs, RG_SDP_A_FMTP, 0)->u.fmtp;
    CHECK_EQ_INT(t, f->n_kv, 1);
    CHECK_STR(t, f->kv[0].name, "0-15");
    CHECK(t, f->kv[0].value.p == NULL);
    const struct rg_sdp_ssrc *ss = &nth(&m->attrs, RG_SDP_A_SSRC, 0)->u.ssrc;
    CHECK(t, ss->value.p != NULL && ss->value.len == 0);
    long u = rg_sdp_attr_find_name(&m->attrs, "x-unknown", 0);
    REQUIRE(t, u >= 0);
    CHECK_STR(t, m->attrs.v[u].value, "   keeps  spaces  ");
    CHECK_EQ_INT(t, rg_sdp_media_dir(s, m), RG_SDP_DIR_RECVONLY);
    const struct rg_sdp_fingerprint *fp = &nth(&m->attrs, RG_SDP_A_FINGERPRINT, 0)->u.fp;
    CHECK_EQ_INT(t, fp->len, 20);
    CHECK_EQ_INT(t, fp->bytes[0], 0x4a);
    /* Printing normalises (CRLF, upper-case hex, ptime) and reparses equal. */
    struct rg_buf out;
    CHECK_OK(t, px_print(&p, &out));
    CHECK(t, strstr(out.data, "a=ptime:0.125\r\n") != NULL);
    CHECK(t, strstr(out.data, "a=fingerprint:sha-1 4A:AD:B9:") != NULL);
    CHECK(t, strstr(out.data, "a=x-unknown:   keeps  spaces  \r\n") != NULL);
    CHECK(t, strstr(out.data, "m=audio 49170/2 RTP/SAVP 0 101\r\n") != NULL);
    struct px q;
    CHECK_OK(t, px_parse(&q, out.data, out.len));
    CHECK(t, q.sdp && rg_sdp_equal(p.sdp, q.sdp));
    CHECK_EQ_INT(t, q.sdp ? q.sdp->eol : -1, RG_SDP_EOL_CRLF);
    rg_buf_deinit(&out);
    rg_arena_deinit(&q.arena);
    rg_arena_deinit(&p.arena);
}

/* LF-only and mixed line endings parse to the same structure as CRLF and
 * are recorded; the printer always writes CRLF. */
static void line_endings(struct rg_t *t)
{
    size_t len;
    char *crlf = rg_t_read_file(VEC_DIR "/chromium156-av-offer.sdp", &len);
    REQUIRE(t, crlf != NULL);
    char *lf = rg_malloc(len + 1), *mixed = rg_malloc(len + 1);
    REQUIRE(t, lf && mixed);
    size_t nl = 0, nm = 0;
    int lines = 0;
    for (size_t i = 0; i < len; i++) {
        if (crlf[i] == '\r')
            continue;
        lf[nl++] = crlf[i];
    }
    for (size_t i = 0; i < len; i++) {
        if (crlf[i] == '\r' && (lines++ % 2))
            continue; /* drop every other CR */
        mixed[nm++] = crlf[i];
    }
    struct px a, b, c;
    CHECK_OK(t, px_parse(&a, crlf, len));
    CHECK_OK(t, px_parse(&b, lf, nl));
    CHECK_OK(t, px_parse(&c, mixed, nm));
    if (a.sdp && b.sdp && c.sdp) {
        CHECK_EQ_INT(t, a.sdp->eol, RG_SDP_EOL_CRLF);
        CHECK_EQ_INT(t, b.sdp->eol, RG_SDP_EOL_LF);
        CHECK_EQ_INT(t, c.sdp->eol, RG_SDP_EOL_MIXED);
        CHECK(t, rg_sdp_equal(a.sdp, b.sdp) && rg_sdp_equal(a.sdp, c.sdp));
        struct rg_buf out;
        CHECK_OK(t, px_print(&b, &out));
        CHECK_MEM(t, out.data, out.len, crlf, len);
        rg_buf_deinit(&out);
    }
    /* A last line without any line ending is accepted too. */
    struct px d;
    CHECK_OK(t, px_parse(&d, crlf, len - 2));
    CHECK(t, d.sdp && a.sdp && rg_sdp_equal(a.sdp, d.sdp));
    rg_arena_deinit(&a.arena);
    rg_arena_deinit(&b.arena);
    rg_arena_deinit(&c.arena);
    rg_arena_deinit(&d.arena);
    rg_free(crlf);
    rg_free(lf);
    rg_free(mixed);
}

struct bad_case {
    const char *sdp;
    size_t len; /* 0: strlen(sdp) */
    int rc;
    uint32_t line;
    const char *what;
};

#define HDR "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"

static const struct bad_case bad_cases[] = {
    { "", 0, RG_EBADMSG, 0, "empty SDP" },
    { "o=- 1 1 IN IP4 0.0.0.0\r\n", 0, RG_EBADMSG, 1, "start with v=" },
    { "v=1\r\n", 0, RG_EBADMSG, 1, "v= must be 0" },
    { "m=audio 9 RTP/AVP 0\r\n", 0, RG_EBADMSG, 1, "start with v=" },
    { "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nm=audio 9 RTP/AVP 0\r\n", 0, RG_EBADMSG, 3, "needs o=, s= and t=" },
    { "v=0\r\ns=-\r\nt=0 0\r\n", 0, RG_EBADMSG, 3, "needs o=" },
    { "v=0\r\no=- 1 1 IN IP4\r\n", 0, RG_EBADMSG, 2, "6 fields" },
    { "v=0\r\no=- x 1 IN IP4 0.0.0.0\r\n", 0, RG_EBADMSG, 2, "digits" },
    { "v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=-\r\ns=-\r\n", 0, RG_EBADMSG, 4, "order" },
    { "v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\nt=0 0\r\ns=-\r\n", 0, RG_EBADMSG, 4, "order" },
    { HDR "x=unknown\r\n", 0, RG_EBADMSG, 5, "session line type" },
    { HDR "junk\r\n", 0, RG_EBADMSG, 5, "<type>=<value>" },
    { HDR "a=x\0y\r\n", sizeof(HDR "a=x\0y\r\n") - 1, RG_EBADMSG, 5, "NUL" },
    { HDR "a=x\ry\r\n", 0, RG_EBADMSG, 5, "NUL or CR" },
    { HDR "m=audio 65536 RTP/AVP 0\r\n", 0, RG_EBADMSG, 5, "bad m= port" },
    { HDR "m=audio -1 RTP/AVP 0\r\n", 0, RG_EBADMSG, 5, "bad m= port" },
    { HDR "m=audio 9/0 RTP/AVP 0\r\n", 0, RG_EBADMSG, 5, "number of ports" },
    { HDR "m=audio 9 RTP/AVP\r\n", 0, RG_EBADMSG, 5, "without formats" },
    { HDR "m=audio 9\r\n", 0, RG_EBADMSG, 5, "m= needs" },
    { HDR "m=audio 9 RTP/AVP 0\r\ns=x\r\n", 0, RG_EBADMSG, 6, "not allowed in a media" },
    { HDR "m=audio 9 RTP/AVP 0\r\na=x\r\nc=IN IP4 1.1.1.1\r\n", 0, RG_EBADMSG, 7, "order" },
    { HDR "c=IN IP4\r\n", 0, RG_EBADMSG, 5, "order" },
    { HDR "b=AS\r\n", 0, RG_EBADMSG, 5, "order" },
    { "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nb=AS:x\r\nt=0 0\r\n", 0, RG_EBADMSG, 4, "bandwidth" },
    { "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4\r\nt=0 0\r\n", 0, RG_EBADMSG, 4, "3 fields" },
    { "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nr=1 2\r\nt=0 0\r\n", 0, RG_EBADMSG, 4, "r= without t=" },
    { "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 x\r\n", 0, RG_EBADMSG, 4, "t= times" },
    { HDR "a=candidate:1 1 udp 1 1.2.3.4 9 typ\r\n", 0, RG_EBADMSG, 5, "too few fields" },
    { HDR "a=candidate:1 0 udp 1 1.2.3.4 9 typ host\r\n", 0, RG_EBADMSG, 5, "component-id" },
    { HDR "a=candidate:1 1 udp 4294967296 1.2.3.4 9 typ host\r\n", 0, RG_EBADMSG, 5, "priority" },
    { HDR "a=candidate:1 1 udp 1 1.2.3.4 70000 typ host\r\n", 0, RG_EBADMSG, 5, "candidate port" },
    { HDR "a=candidate:1 1 udp 1 a@b 9 typ host\r\n", 0, RG_EBADMSG, 5, "candidate address" },
    { HDR "a=candidate:1 1 udp 1 1.2.3.4 9 type host\r\n", 0, RG_EBADMSG, 5, "candidate type" },
    { HDR "a=candidate:1 1 udp 1 1.2.3.4 9 typ host raddr\r\n", 0, RG_EBADMSG, 5, "without a value" },
    { HDR "a=candidate:1 1 tcp 1 1.2.3.4 9 typ host tcptype x\r\n", 0, RG_EBADMSG, 5, "tcptype" },
    { HDR "a=candidate:1 1 udp 1 1.2.3.4 9 typ host rport 99999\r\n", 0, RG_EBADMSG, 5, "rport" },
    { HDR "a=fingerprint:sha-256 AB:C\r\n", 0, RG_EBADMSG, 5, "fingerprint" },
    { HDR "a=fingerprint:sha-256 AB:CG\r\n", 0, RG_EBADMSG, 5, "fingerprint hex" },
    { HDR "a=setup:maybe\r\n", 0, RG_EBADMSG, 5, "setup role" },
    { HDR "a=rtcp-mux:yes\r\n", 0, RG_EBADMSG, 5, "takes no value" },
    { HDR "a=mid\r\n", 0, RG_EBADMSG, 5, "needs a value" },
    { HDR "a=ice-pwd:short\r\n", 0, RG_EBADMSG, 5, "ice-pwd" },
    { HDR "a=ice-ufrag:a b\r\n", 0, RG_EBADMSG, 5, "ice-ufrag" },
    { HDR "a=extmap:0 urn:x\r\n", 0, RG_EBADMSG, 5, "extmap id" },
    { HDR "a=extmap:300 urn:x\r\n", 0, RG_EBADMSG, 5, "extmap id" },
    { HDR "a=extmap:1/up urn:x\r\n", 0, RG_EBADMSG, 5, "extmap direction" },
    { HDR "a=rtpmap:128 x/8000\r\n", 0, RG_EBADMSG, 5, "rtpmap payload" },
    { HDR "a=rtpmap:0 PCMU\r\n", 0, RG_EBADMSG, 5, "clock rate" },
    { HDR "a=rtcp-fb:x nack\r\n", 0, RG_EBADMSG, 5, "rtcp-fb payload" },
    { HDR "a=ssrc:1\r\n", 0, RG_EBADMSG, 5, "without attribute" },
    { HDR "a=ssrc-group:FID 1 x\r\n", 0, RG_EBADMSG, 5, "ssrc-group id" },
    { HDR "a=ptime:1.2345\r\n", 0, RG_EBADMSG, 5, "ptime" },
    { HDR "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline\r\n", 0, RG_EBADMSG, 5, "key-param" },
    { HDR "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:k|1:4|2^20\r\n", 0, RG_EBADMSG, 5, "key" },
    { HDR "a=sctp-port:65536\r\n", 0, RG_EBADMSG, 5, "sctp-port" },
    { HDR "a=tls-id:short\r\n", 0, RG_EBADMSG, 5, "tls-id" },
    { HDR "a=group:BUNDLE a/b\r\n", 0, RG_EBADMSG, 5, "identification-tag" },
    { HDR "a=b@d:x\r\n", 0, RG_EBADMSG, 5, "attribute name" },
    { HDR "\r\na=x\r\n", 0, RG_EBADMSG, 5, "<type>=<value>" },
};

static void malformed_lines(struct rg_t *t)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *bc = &bad_cases[i];
        size_t len = bc->len ? bc->len : strlen(bc->sdp);
        struct px p;
        int rc = px_parse(&p, bc->sdp, len);
        bool ok = rc == bc->rc && p.err.line == bc->line && p.err.what &&
                  strstr(p.err.what, bc->what) != NULL;
        if (!ok)
            fprintf(stderr, "    case %zu: rc %d line %u \"%s\" (want %d line %u \"%s\")\n", i, rc,
                    p.err.line, p.err.what ? p.err.what : "", bc->rc, bc->line, bc->what);
        CHECK(t, ok);
        CHECK(t, p.sdp == NULL);
        rg_arena_deinit(&p.arena);
    }
}

static void keep_bad_attrs(struct rg_t *t)
{
    static const char text[] = HDR "a=candidate:1 0 udp\r\na=setup:actpass\r\n";
    struct rg_sdp_limits lim;
    rg_sdp_limits_default(&lim);
    lim.keep_bad_attrs = true;
    struct rg_arena arena;
    rg_arena_init(&arena, 1024, 1 << 20);
    struct rg_sdp *s = NULL;
    CHECK_OK(t, rg_sdp_parse(RG_STR_LIT(text), &lim, &arena, &s, NULL));
    REQUIRE(t, s && s->attrs.n == 2);
    CHECK_EQ_INT(t, s->attrs.v[0].kind, RG_SDP_A_UNKNOWN);
    CHECK_STR(t, s->attrs.v[0].value, "1 0 udp");
    CHECK_EQ_INT(t, s->attrs.v[1].kind, RG_SDP_A_SETUP);
    rg_arena_deinit(&arena);
}

/* Builds a text of n repetitions of line after HDR. */
static char *repeat_sdp(const char *head, const char *line, uint32_t n, size_t *len)
{
    size_t hl = strlen(head), ll = strlen(line);
    char *s = rg_malloc(hl + ll * n + 1);
    if (!s)
        return NULL;
    memcpy(s, head, hl);
    for (uint32_t i = 0; i < n; i++)
        memcpy(s + hl + ll * i, line, ll);
    *len = hl + ll * n;
    s[*len] = '\0';
    return s;
}

static void limit_case(struct rg_t *t, const char *head, const char *line, uint32_t n,
                       const struct rg_sdp_limits *lim, int want, const char *what)
{
    size_t len = 0;
    char *text = repeat_sdp(head, line, n, &len);
    REQUIRE(t, text != NULL);
    struct rg_arena arena;
    rg_arena_init(&arena, 4096, 1 << 24);
    struct rg_sdp *s = NULL;
    struct rg_sdp_error err = { 0, NULL };
    int rc = rg_sdp_parse(rg_str_make(text, len), lim, &arena, &s, &err);
    CHECK_EQ_INT(t, rc, want);
    if (want != RG_OK && !(err.what && strstr(err.what, what))) {
        fprintf(stderr, "    got \"%s\", want \"%s\"\n", err.what ? err.what : "", what);
        CHECK(t, false);
    }
    rg_arena_deinit(&arena);
    rg_free(text);
}

static void limits(struct rg_t *t)
{
    struct rg_sdp_limits lim;
    rg_sdp_limits_default(&lim);
    limit_case(t, HDR, "a=x\r\n", 512, &lim, RG_OK, "");
    limit_case(t, HDR, "a=x\r\n", 513, &lim, RG_ELIMIT, "too many attributes");
    limit_case(t, HDR, "m=audio 9 RTP/AVP 0\r\n", 64, &lim, RG_OK, "");
    limit_case(t, HDR, "m=audio 9 RTP/AVP 0\r\n", 65, &lim, RG_ELIMIT, "too many m=");
    limit_case(t, HDR, "a=x\r\n", 3000, &lim, RG_ELIMIT, "too many lines");
    limit_case(t, HDR "a=", "x", 4095, &lim, RG_ELIMIT, "line too long");
    limit_case(t, HDR "a=", "x", 4094, &lim, RG_OK, "");
    limit_case(t, HDR "a=group:BUNDLE", " x", 257, &lim, RG_ELIMIT, "too many items");
    limit_case(t, HDR "m=audio 9 RTP/AVP", " 0", 257, &lim, RG_ELIMIT, "too many m= formats");
    limit_case(t, HDR, "a=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n", 1500, &lim, RG_ELIMIT,
               "SDP too large");
    lim.max_media = 2;
    limit_case(t, HDR, "m=audio 9 RTP/AVP 0\r\n", 3, &lim, RG_ELIMIT, "too many m=");
    /* A full arena is reported as ENOMEM. */
    size_t len;
    char *text = rg_t_read_file(VEC_DIR "/chromium156-av-offer.sdp", &len);
    REQUIRE(t, text != NULL);
    struct rg_arena small;
    rg_arena_init(&small, 1024, 4096);
    struct rg_sdp *s = NULL;
    CHECK_EQ_INT(t, rg_sdp_parse(rg_str_make(text, len), NULL, &small, &s, NULL), RG_ENOMEM);
    CHECK(t, s == NULL);
    rg_arena_deinit(&small);
    rg_free(text);
}

/* Every prefix of a real offer parses or fails cleanly; a prefix that ends
 * on a line boundary and keeps the session header parses. */
static void truncations(struct rg_t *t)
{
    size_t len;
    char *text = rg_t_read_file(VEC_DIR "/chromium156-audio-offer.sdp", &len);
    REQUIRE(t, text != NULL);
    int parsed = 0;
    for (size_t n = 0; n <= len; n++) {
        char *copy = rg_malloc(n ? n : 1);
        REQUIRE(t, copy != NULL);
        memcpy(copy, text, n);
        struct px p;
        int rc = px_parse(&p, copy, n);
        CHECK(t, rc == RG_OK || rc == RG_EBADMSG);
        parsed += rc == RG_OK;
        if (n >= 2 && copy[n - 1] == '\n' && n > 60)
            CHECK_OK(t, rc);
        rg_arena_deinit(&p.arena);
        rg_free(copy);
    }
    CHECK(t, parsed > 100);
    rg_free(text);
}

struct oom_arg {
    const char *text;
    size_t len;
};

static int oom_parse_print(void *arg)
{
    const struct oom_arg *o = arg;
    struct rg_arena arena;
    rg_arena_init(&arena, 512, 1 << 22);
    struct rg_sdp *s = NULL;
    int rc = rg_sdp_parse(rg_str_make(o->text, o->len), NULL, &arena, &s, NULL);
    if (rc == RG_OK) {
        struct rg_buf b;
        rg_buf_init(&b, 1 << 20);
        rc = rg_sdp_print(s, &b);
        rg_buf_deinit(&b);
    }
    rg_arena_deinit(&arena);
    return rc;
}

static void oom_stepping(struct rg_t *t)
{
    size_t len;
    char *text = rg_t_read_file(VEC_DIR "/chromium156-av-offer.sdp", &len);
    REQUIRE(t, text != NULL);
    struct oom_arg o = { text, len };
    rg_t_oom_step(t, oom_parse_print, &o, 500);
    rg_free(text);
    o = (struct oom_arg){ typed_sdp, strlen(typed_sdp) };
    rg_t_oom_step(t, oom_parse_print, &o, 500);
}

#include "test_sdp_build.inc"

static const struct rg_test_case cases[] = {
    { "corpus_round_trip", corpus_round_trip },
    { "chrome_offer_fields", chrome_offer_fields },
    { "chrome_offer_media", chrome_offer_media },
    { "chrome_av_and_data", chrome_av_and_data },
    { "typed_attributes", typed_attributes },
    { "peer_fields", peer_fields },
    { "line_endings", line_endings },
    { "malformed_lines", malformed_lines },
    { "keep_bad_attrs", keep_bad_attrs },
    { "limits", limits },
    { "truncations", truncations },
    { "oom_stepping", oom_stepping },
    { "builder_offer", builder_offer },
    { "builder_edit", builder_edit },
    { "builder_oom", builder_oom },
};

RG_TEST_MAIN(cases)
