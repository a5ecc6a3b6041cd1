/*
 * srtp_ctx.c — SRTP/SRTCP sessions (RFC 3711, RFC 7714) on OpenSSL contexts
 * keyed once per session (srtp_xform.c); the per-SSRC state (ROC, replay
 * windows, SRTCP index) lives here.  Why not libsrtp2: docs/internals/srtp.md.
 *
 * Streams: one per SSRC seen, at most RG_SRTP_MAX_STREAMS per session.  An
 * inbound stream is created only by a packet that authenticated, so forged
 * packets cannot create or evict state; when the table is full the least
 * recently used stream is replaced (only the key holder can cause that).
 *
 * Index estimation: RFC 3711 §3.3.1 / Appendix A, against the highest index
 * accepted so far; a new SSRC starts with ROC 0 (RFC 3711 §3.3.1, no ROC is
 * signalled by SDES or DTLS-SRTP).  The sender estimates the same way, so a
 * sequence number that wraps increments its ROC and a sequence number sent
 * twice is refused (a repeated index would reuse keystream).
 *
 * Replay (RFC 3711 §3.3.2): a ring bitmap of the window size rounded up to
 * a power of two, indexed by packet index; advancing clears only the bits
 * passed over.  RTP windows default to 1024 packets (RG_SRTP_DEFAULT_WINDOW:
 * reordering of a video burst on a relay path; 128 bytes per SSRC); SRTCP
 * windows are 128 packets.  The replay check runs before authentication;
 * the window is updated only after it.
 *
 * Resync (cfg.resync_after): some UAs restart RTP sequence numbers with the
 * same SSRC and key after hold or transfer (peer-systems.md §3 item 12).
 * After resync_after consecutive replay rejections of one SSRC, a packet is
 * authenticated as the first packet of a fresh stream (ROC 0); only if that
 * succeeds is the SSRC's state restarted.  Forged packets cannot trigger it;
 * an attacker replaying resync_after genuine old packets while the real
 * stream is silent can make old audio play again — the documented price.
 *
 * MKI: accepted up to 4 bytes and checked on every packet; not with the _32
 * suite (RG_EUNSUPP), for parity with libsrtp which cannot do it.
 */
#include "proto/srtp/srtp_ctx.h"

#include <string.h>

#include "core/alloc.h"
#include "proto/srtp/srtp_stream.h"
#include "proto/srtp/srtp_xform.h"

#define GCM_TAG_LEN 16

struct rg_srtp {
    enum rg_srtp_dir dir;
    enum rg_srtp_profile profile;
    bool gcm;
    uint8_t mki[RG_SRTP_MAX_MKI_LEN];
    uint8_t mki_len;
    uint16_t resync_after;
    uint32_t replay_ssrc; /* SSRC of the current run of replay rejections */
    uint32_t replay_run;
    struct rg_srtp_xform rtp, rtcp;
    struct rg_srtp_streams streams;
    struct rg_srtp_stats stats;
};

struct profile_info {
    enum rg_srtp_profile p;
    uint8_t key_len, salt_len, rtp_tag, rtcp_tag;
    const char *sdes, *vendor, *openssl;
};

static const struct profile_info profiles[] = {
    { RG_SRTP_AES128_CM_SHA1_80, 16, 14, 10, 10, "AES_CM_128_HMAC_SHA1_80",
      "AES-CM-128-HMAC-SHA1-80", "SRTP_AES128_CM_SHA1_80" },
    /* RFC 5764 §4.1.2 / RFC 4568 §6.2.2: SRTCP keeps the 80-bit tag. */
    { RG_SRTP_AES128_CM_SHA1_32, 16, 14, 4, 10, "AES_CM_128_HMAC_SHA1_32",
      "AES-CM-128-HMAC-SHA1-32", "SRTP_AES128_CM_SHA1_32" },
    /* RFC 7714 §12: 12-byte salt, 16-byte tag for SRTP and SRTCP. */
    { RG_SRTP_AEAD_AES_128_GCM, 16, 12, 16, 16, "AEAD_AES_128_GCM", "AEAD-AES-128-GCM",
      "SRTP_AEAD_AES_128_GCM" },
    { RG_SRTP_AEAD_AES_256_GCM, 32, 12, 16, 16, "AEAD_AES_256_GCM", "AEAD-AES-256-GCM",
      "SRTP_AEAD_AES_256_GCM" },
};

static const struct profile_info *info(enum rg_srtp_profile p)
{
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
        if (profiles[i].p == p)
            return &profiles[i];
    return NULL;
}

size_t rg_srtp_profile_key_len(enum rg_srtp_profile p)
{
    const struct profile_info *pi = info(p);
    return pi ? pi->key_len : 0;
}

size_t rg_srtp_profile_salt_len(enum rg_srtp_profile p)
{
    const struct profile_info *pi = info(p);
    return pi ? pi->salt_len : 0;
}

size_t rg_srtp_profile_rtp_tag_len(enum rg_srtp_profile p)
{
    const struct profile_info *pi = info(p);
    return pi ? pi->rtp_tag : 0;
}

size_t rg_srtp_profile_rtcp_tag_len(enum rg_srtp_profile p)
{
    const struct profile_info *pi = info(p);
    return pi ? pi->rtcp_tag : 0;
}

const char *rg_srtp_profile_name(enum rg_srtp_profile p)
{
    const struct profile_info *pi = info(p);
    return pi ? pi->sdes : "";
}

int rg_srtp_profile_parse(struct rg_str name, enum rg_srtp_profile *out)
{
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
        const struct profile_info *pi = &profiles[i];
        if (rg_str_caseeq_cstr(name, pi->sdes) || rg_str_caseeq_cstr(name, pi->vendor) ||
            rg_str_caseeq_cstr(name, pi->openssl)) {
            *out = pi->p;
            return RG_OK;
        }
    }
    return RG_EUNSUPP;
}

/* Nothing process-wide is needed any more (OpenSSL initialises itself);
 * kept so callers need not change. */
int rg_srtp_global_init(void)
{
    return RG_OK;
}

static int check_cfg(const struct rg_srtp_cfg *cfg)
{
    const struct profile_info *pi = info(cfg->key.profile);
    if (!pi || cfg->key.key_len != pi->key_len || cfg->key.salt_len != pi->salt_len)
        return RG_EINVAL;
    if (cfg->key.mki_len > RG_SRTP_MAX_MKI_LEN)
        return RG_EINVAL;
    if (cfg->key.mki_len > 0 && cfg->key.profile == RG_SRTP_AES128_CM_SHA1_32)
        return RG_EUNSUPP;
    if (cfg->dir != RG_SRTP_INBOUND && cfg->dir != RG_SRTP_OUTBOUND)
        return RG_EINVAL;
    if (cfg->replay_window != 0 &&
        (cfg->replay_window < RG_SRTP_MIN_WINDOW || cfg->replay_window > RG_SRTP_MAX_WINDOW))
        return RG_EINVAL;
    return RG_OK;
}

/* Derives and keys both transforms. */
static int key_session(struct rg_srtp *s, const struct rg_srtp_key *k)
{
    struct rg_srtp_session_keys sk;
    bool enc = s->dir == RG_SRTP_OUTBOUND;
    int rc = rg_srtp_xform_derive(k, false, &sk);
    if (rc == RG_OK)
        rc = rg_srtp_xform_init(&s->rtp, k->profile, false, enc, &sk);
    if (rc != RG_OK)
        goto out;
    rc = rg_srtp_xform_derive(k, true, &sk);
    if (rc == RG_OK)
        rc = rg_srtp_xform_init(&s->rtcp, k->profile, true, enc, &sk);
    if (rc != RG_OK)
        rg_srtp_xform_clear(&s->rtp);
out:
    memset(&sk, 0, sizeof(sk));
    return rc;
}

int rg_srtp_new(const struct rg_srtp_cfg *cfg, struct rg_srtp **out)
{
    int rc = check_cfg(cfg);
    if (rc != RG_OK)
        return rc;
    struct rg_srtp *s = rg_calloc(1, sizeof(*s));
    if (!s)
        return RG_ENOMEM;
    s->dir = cfg->dir;
    s->profile = cfg->key.profile;
    s->gcm = cfg->key.salt_len != 14;
    s->resync_after = cfg->dir == RG_SRTP_INBOUND ? cfg->resync_after : 0;
    s->mki_len = cfg->key.mki_len;
    memcpy(s->mki, cfg->key.mki, cfg->key.mki_len);
    rg_srtp_streams_init(&s->streams,
                         cfg->replay_window ? cfg->replay_window : RG_SRTP_DEFAULT_WINDOW);
    rc = key_session(s, &cfg->key);
    if (rc != RG_OK) {
        rg_free(s);
        return rc;
    }
    *out = s;
    return RG_OK;
}

void rg_srtp_free(struct rg_srtp *s)
{
    if (!s)
        return;
    rg_srtp_xform_clear(&s->rtp);
    rg_srtp_xform_clear(&s->rtcp);
    rg_srtp_streams_clear(&s->streams);
    rg_free(s);
}

void rg_srtp_get_stats(const struct rg_srtp *s, struct rg_srtp_stats *out)
{
    *out = s->stats;
}

static uint32_t ssrc_at(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int fail(struct rg_srtp *s, int rc)
{
    if (rc == RG_EAUTH)
        s->stats.auth_fail++;
    else if (rc == RG_EPROTO)
        s->stats.replay_fail++;
    else
        s->stats.other_fail++;
    return rc;
}

int rg_srtp_protect_rtp(struct rg_srtp *s, uint8_t *pkt, size_t len, size_t cap, size_t *out_len)
{
    if (s->dir != RG_SRTP_OUTBOUND || len < 12 || (pkt[0] >> 6) != 2)
        return RG_EINVAL;
    if (len > RG_SRTP_MAX_PACKET || cap < len + RG_SRTP_MAX_TRAILER)
        return RG_ELIMIT;
    int hdr = rg_srtp_rtp_header_len(pkt, len);
    if (hdr < 0)
        return RG_EINVAL;
    uint16_t seq = (uint16_t)((pkt[2] << 8) | pkt[3]);
    struct rg_srtp_stream *st = NULL;
    int rc = rg_srtp_streams_get(&s->streams, ssrc_at(pkt + 8), true, &st);
    if (rc != RG_OK)
        return fail(s, rc);
    int64_t idx = rg_srtp_stream_rtp_index(st, seq);
    rc = rg_srtp_stream_rtp_check(&s->streams, st, idx);
    if (rc != RG_OK)
        return fail(s, rc);
    int n = rg_srtp_xform_rtp_seal(&s->rtp, pkt, (size_t)hdr, len, (uint32_t)(idx >> 16), s->mki,
                                   s->mki_len);
    if (n < 0)
        return fail(s, RG_ECRYPTO);
    rg_srtp_stream_rtp_accept(&s->streams, st, idx);
    s->stats.ok++;
    *out_len = (size_t)n;
    return RG_OK;
}

/* Splits an SRTP packet: plain length, tag and MKI positions. */
static int rtp_split(const struct rg_srtp *s, const uint8_t *pkt, size_t len, size_t *plen,
                     const uint8_t **tag, const uint8_t **mki)
{
    size_t tl = s->rtp.tag_len, ml = s->mki_len;
    if (len < 12 + tl + ml)
        return RG_EBADMSG;
    size_t p = len - tl - ml;
    /* RFC 3711 §3.1: MKI then tag; GCM (RFC 7714 §8.1, libsrtp): tag then MKI. */
    *mki = s->gcm ? pkt + p + tl : pkt + p;
    *plen = p;
    *tag = s->gcm ? pkt + p : pkt + p + ml;
    return RG_OK;
}

/* Replay-rejected packet: restart the SSRC's state if resync applies (see
 * top of file).  Returns true when the stream was restarted. */
static bool try_resync(struct rg_srtp *s, struct rg_srtp_stream *st, uint8_t *pkt, size_t hdr,
                       size_t plen, const uint8_t *tag)
{
    uint32_t ssrc = ssrc_at(pkt + 8);
    if (ssrc != s->replay_ssrc) {
        s->replay_ssrc = ssrc;
        s->replay_run = 0;
    }
    if (s->resync_after == 0 || ++s->replay_run < s->resync_after)
        return false;
    if (rg_srtp_xform_rtp_open(&s->rtp, pkt, hdr, plen, tag, 0, true) != RG_OK)
        return false;
    rg_srtp_stream_rtp_reset(&s->streams, st);
    s->stats.resyncs++;
    s->replay_run = 0;
    return true;
}

int rg_srtp_unprotect_rtp(struct rg_srtp *s, uint8_t *pkt, size_t len, size_t *out_len)
{
    if (s->dir != RG_SRTP_INBOUND)
        return RG_EINVAL;
    if (len > RG_SRTP_MAX_PACKET + RG_SRTP_MAX_TRAILER)
        return fail(s, RG_ELIMIT);
    if (len < 12 || (pkt[0] >> 6) != 2)
        return fail(s, RG_EBADMSG);
    size_t plen;
    const uint8_t *tag, *mki;
    int rc = rtp_split(s, pkt, len, &plen, &tag, &mki);
    int hdr = rc == RG_OK ? rg_srtp_rtp_header_len(pkt, plen) : rc;
    if (hdr < 0)
        return fail(s, RG_EBADMSG);
    uint16_t seq = (uint16_t)((pkt[2] << 8) | pkt[3]);
    uint32_t ssrc = ssrc_at(pkt + 8);
    struct rg_srtp_stream *st = rg_srtp_streams_find(&s->streams, ssrc);
    int64_t idx = rg_srtp_stream_rtp_index(st, seq);
    rc = rg_srtp_stream_rtp_check(&s->streams, st, idx);
    if (rc == RG_EPROTO && try_resync(s, st, pkt, (size_t)hdr, plen, tag)) {
        idx = rg_srtp_stream_rtp_index(st, seq);
        rc = RG_OK;
    }
    if (rc != RG_OK)
        return fail(s, rc);
    /* Like libsrtp: replay before MKI (an unknown MKI is malformed). */
    if (s->mki_len && memcmp(mki, s->mki, s->mki_len) != 0)
        return fail(s, RG_EBADMSG);
    rc = rg_srtp_xform_rtp_open(&s->rtp, pkt, (size_t)hdr, plen, tag, (uint32_t)(idx >> 16), false);
    if (rc != RG_OK)
        return fail(s, rc);
    if (!st && rg_srtp_streams_get(&s->streams, ssrc, true, &st) != RG_OK)
        return fail(s, RG_ENOMEM);
    rg_srtp_stream_rtp_accept(&s->streams, st, idx);
    if (ssrc == s->replay_ssrc)
        s->replay_run = 0;
    s->stats.ok++;
    *out_len = plen;
    return RG_OK;
}

int rg_srtp_protect_rtcp(struct rg_srtp *s, uint8_t *pkt, size_t len, size_t cap,
                         size_t *out_len)
{
    if (s->dir != RG_SRTP_OUTBOUND || len < 8 || (pkt[0] >> 6) != 2)
        return RG_EINVAL;
    if (len > RG_SRTP_MAX_PACKET || cap < len + RG_SRTP_MAX_TRAILER)
        return RG_ELIMIT;
    struct rg_srtp_stream *st = NULL;
    int rc = rg_srtp_streams_get(&s->streams, ssrc_at(pkt + 4), true, &st);
    if (rc != RG_OK)
        return fail(s, rc);
    uint32_t index;
    rc = rg_srtp_stream_rtcp_next(st, &index);
    if (rc != RG_OK)
        return fail(s, rc);
    int n = rg_srtp_xform_rtcp_seal(&s->rtcp, pkt, len, index, s->mki, s->mki_len);
    if (n < 0)
        return fail(s, RG_ECRYPTO);
    s->stats.ok++;
    *out_len = (size_t)n;
    return RG_OK;
}

int rg_srtp_unprotect_rtcp(struct rg_srtp *s, uint8_t *pkt, size_t len, size_t *out_len)
{
    if (s->dir != RG_SRTP_INBOUND)
        return RG_EINVAL;
    if (len > RG_SRTP_MAX_PACKET + RG_SRTP_MAX_TRAILER)
        return fail(s, RG_ELIMIT);
    size_t tl = s->rtcp.tag_len, ml = s->mki_len;
    if (len < 8 + 4 + tl + ml || (pkt[0] >> 6) != 2)
        return fail(s, RG_EBADMSG);
    /* RFC 3711 §3.4: payload | E+index | MKI | tag.
     * RFC 7714 §9.2 (as libsrtp): payload+tag | E+index | MKI. */
    size_t plen = len - 4 - tl - ml;
    const uint8_t *eword = s->gcm ? pkt + plen + tl : pkt + plen;
    const uint8_t *mki = eword + 4;
    const uint8_t *tag = s->gcm ? pkt + plen : mki + ml;
    /* Like libsrtp: for SRTCP the MKI is checked before the replay list. */
    if (ml && memcmp(mki, s->mki, ml) != 0)
        return fail(s, RG_EBADMSG);
    uint32_t index = ssrc_at(eword) & 0x7fffffffu;
    uint32_t ssrc = ssrc_at(pkt + 4);
    struct rg_srtp_stream *st = rg_srtp_streams_find(&s->streams, ssrc);
    int rc = rg_srtp_stream_rtcp_check(st, index);
    if (rc != RG_OK)
        return fail(s, rc);
    uint8_t ew[4];
    memcpy(ew, eword, 4); /* GCM may overwrite it while decrypting in place */
    rc = rg_srtp_xform_rtcp_open(&s->rtcp, pkt, plen, ew, tag);
    if (rc != RG_OK)
        return fail(s, rc);
    if (!st && rg_srtp_streams_get(&s->streams, ssrc, true, &st) != RG_OK)
        return fail(s, RG_ENOMEM);
    rg_srtp_stream_rtcp_accept(st, index);
    s->stats.ok++;
    *out_len = plen;
    return RG_OK;
}
