/*
 * srtp_lib.c — the libsrtp2 wrapper kept as the test oracle for srtp_ctx.c
 * (see srtp_lib.h).  This was the engine's SRTP implementation before the
 * one on pre-keyed OpenSSL contexts (docs/internals/srtp.md).
 *
 * Replay window: RFC 3711 §3.3.2 requires at least 64; libsrtp's default is
 * 128.  We default to 1024: it costs 128 bytes per SSRC and tolerates the
 * reordering of a video burst (hundreds of packets within tens of ms) or a
 * jitter-buffer-less relay path, where a 128 window drops late but genuine
 * packets as "too old".  Security is unchanged: an index is still accepted
 * at most once.
 *
 * Resync (cfg.resync_after): some UAs restart RTP sequence numbers with the
 * same SSRC and key after hold or transfer (peer-systems.md §3 item 12,
 * "replay check failed (index too old)" → one-way audio).  libsrtp checks
 * the replay window *before* the tag, so a forged packet can also be
 * replay-rejected.  We therefore restart the SSRC's replay state only when
 * a packet, after resync_after consecutive replay rejections of that SSRC,
 * authenticates under a fresh probe session with the same key; forged
 * packets can never trigger it.  An attacker able to replay resync_after
 * genuine old packets while the real stream is silent can make old audio
 * play again — that is the documented price; set 0 to disable.
 */
#include "proto/srtp/srtp_lib.h"

#include <string.h>

#include <srtp2/srtp.h>

#include "core/alloc.h"

struct rg_srtp_lib {
    srtp_t session;
    srtp_policy_t policy; /* kept to create probe sessions for resync */
    srtp_master_key_t mkey;
    srtp_master_key_t *mkeys[1];
    uint8_t keysalt[RG_SRTP_MAX_KEY_LEN + RG_SRTP_MAX_SALT_LEN];
    uint8_t mki[RG_SRTP_MAX_MKI_LEN];
    enum rg_srtp_dir dir;
    bool use_mki;
    uint16_t resync_after;
    uint32_t replay_ssrc;   /* SSRC (network order) of the current replay run */
    uint32_t replay_run;    /* consecutive replay rejections of replay_ssrc */
    struct rg_srtp_stats stats;
};

/*
 * srtp_init() registers libsrtp's debug modules and fails when called a
 * second time although the library stays usable; so on failure we probe by
 * creating a throw-away session, which makes this call idempotent without
 * keeping a flag of our own (no mutable globals in proto).
 */
int rg_srtp_lib_global_init(void)
{
    if (srtp_init() == srtp_err_status_ok)
        return RG_OK;
    uint8_t keysalt[30] = { 0 };
    srtp_policy_t pol;
    memset(&pol, 0, sizeof(pol));
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
    pol.ssrc.type = ssrc_any_outbound;
    pol.key = keysalt;
    srtp_t probe = NULL;
    if (srtp_create(&probe, &pol) != srtp_err_status_ok)
        return RG_ECRYPTO;
    srtp_dealloc(probe);
    return RG_OK;
}

static void set_crypto_policy(struct rg_srtp_lib *s, enum rg_srtp_profile p)
{
    switch (p) {
    case RG_SRTP_AES128_CM_SHA1_80:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&s->policy.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&s->policy.rtcp);
        break;
    case RG_SRTP_AES128_CM_SHA1_32:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&s->policy.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&s->policy.rtcp);
        break;
    case RG_SRTP_AEAD_AES_128_GCM:
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&s->policy.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&s->policy.rtcp);
        break;
    default:
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&s->policy.rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&s->policy.rtcp);
        break;
    }
}

static int check_cfg(const struct rg_srtp_cfg *cfg)
{
    /* The one profile table is srtp_ctx.c's (0 = unknown profile). */
    size_t key_len = rg_srtp_profile_key_len(cfg->key.profile);
    if (key_len == 0 || cfg->key.key_len != key_len ||
        cfg->key.salt_len != rg_srtp_profile_salt_len(cfg->key.profile))
        return RG_EINVAL;
    if (cfg->key.mki_len > RG_SRTP_MAX_MKI_LEN)
        return RG_EINVAL;
    /* libsrtp 2.5 looks for the SRTCP MKI using the SRTP tag length, so an
     * MKI with the _32 suite (32-bit SRTP tag, 80-bit SRTCP tag) breaks
     * SRTCP; refuse it rather than fail on the first RTCP packet. */
    if (cfg->key.mki_len > 0 && cfg->key.profile == RG_SRTP_AES128_CM_SHA1_32)
        return RG_EUNSUPP;
    if (cfg->dir != RG_SRTP_INBOUND && cfg->dir != RG_SRTP_OUTBOUND)
        return RG_EINVAL;
    if (cfg->replay_window != 0 &&
        (cfg->replay_window < RG_SRTP_MIN_WINDOW || cfg->replay_window > RG_SRTP_MAX_WINDOW))
        return RG_EINVAL;
    return RG_OK;
}

int rg_srtp_lib_new(const struct rg_srtp_cfg *cfg, struct rg_srtp_lib **out)
{
    int rc = check_cfg(cfg);
    if (rc != RG_OK)
        return rc;
    struct rg_srtp_lib *s = rg_calloc(1, sizeof(*s));
    if (!s)
        return RG_ENOMEM;
    s->dir = cfg->dir;
    s->resync_after = cfg->dir == RG_SRTP_INBOUND ? cfg->resync_after : 0;
    memcpy(s->keysalt, cfg->key.key, cfg->key.key_len);
    memcpy(s->keysalt + cfg->key.key_len, cfg->key.salt, cfg->key.salt_len);
    set_crypto_policy(s, cfg->key.profile);
    s->policy.ssrc.type = cfg->dir == RG_SRTP_INBOUND ? ssrc_any_inbound : ssrc_any_outbound;
    s->policy.window_size = cfg->replay_window ? cfg->replay_window : RG_SRTP_DEFAULT_WINDOW;
    s->policy.allow_repeat_tx = 0; /* a repeated index would reuse keystream */
    if (cfg->key.mki_len > 0) {
        memcpy(s->mki, cfg->key.mki, cfg->key.mki_len);
        s->mkey.key = s->keysalt;
        s->mkey.mki_id = s->mki;
        s->mkey.mki_size = cfg->key.mki_len;
        s->mkeys[0] = &s->mkey;
        s->policy.keys = s->mkeys;
        s->policy.num_master_keys = 1;
        s->use_mki = true;
    } else {
        s->policy.key = s->keysalt;
    }
    srtp_err_status_t st = srtp_create(&s->session, &s->policy);
    if (st != srtp_err_status_ok) {
        rg_free(s);
        return st == srtp_err_status_alloc_fail ? RG_ENOMEM : RG_ECRYPTO;
    }
    *out = s;
    return RG_OK;
}

void rg_srtp_lib_free(struct rg_srtp_lib *s)
{
    if (!s)
        return;
    srtp_dealloc(s->session);
    memset(s->keysalt, 0, sizeof(s->keysalt));
    rg_free(s);
}

void rg_srtp_lib_get_stats(const struct rg_srtp_lib *s, struct rg_srtp_stats *out)
{
    *out = s->stats;
}

/* Counts a failed unprotect and maps the libsrtp status to an rg_err. */
static int count_failure(struct rg_srtp_lib *s, srtp_err_status_t st)
{
    switch (st) {
    case srtp_err_status_auth_fail:
        s->stats.auth_fail++;
        return RG_EAUTH;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
        s->stats.replay_fail++;
        return RG_EPROTO;
    default:
        s->stats.other_fail++;
        return RG_EBADMSG;
    }
}

/* RTP fixed header sanity (RFC 3550 §5.1): version 2, 12 bytes. */
static bool looks_rtp(const uint8_t *pkt, size_t len)
{
    return len >= 12 && (pkt[0] >> 6) == 2;
}

/* RTCP (RFC 3550 §6.4): version 2, 8-byte header with sender SSRC. */
static bool looks_rtcp(const uint8_t *pkt, size_t len)
{
    return len >= 8 && (pkt[0] >> 6) == 2;
}

int rg_srtp_lib_protect_rtp(struct rg_srtp_lib *s, uint8_t *pkt, size_t len, size_t cap, size_t *out_len)
{
    if (s->dir != RG_SRTP_OUTBOUND || !looks_rtp(pkt, len))
        return RG_EINVAL;
    if (len > RG_SRTP_MAX_PACKET || cap < len + RG_SRTP_MAX_TRAILER)
        return RG_ELIMIT;
    int n = (int)len;
    srtp_err_status_t st = srtp_protect_mki(s->session, pkt, &n, s->use_mki, 0);
    if (st != srtp_err_status_ok) {
        if (st == srtp_err_status_replay_fail || st == srtp_err_status_replay_old) {
            s->stats.replay_fail++;
            return RG_EPROTO;
        }
        s->stats.other_fail++;
        return RG_ECRYPTO;
    }
    s->stats.ok++;
    *out_len = (size_t)n;
    return RG_OK;
}

int rg_srtp_lib_protect_rtcp(struct rg_srtp_lib *s, uint8_t *pkt, size_t len, size_t cap,
                         size_t *out_len)
{
    if (s->dir != RG_SRTP_OUTBOUND || !looks_rtcp(pkt, len))
        return RG_EINVAL;
    if (len > RG_SRTP_MAX_PACKET || cap < len + RG_SRTP_MAX_TRAILER)
        return RG_ELIMIT;
    int n = (int)len;
    srtp_err_status_t st = srtp_protect_rtcp_mki(s->session, pkt, &n, s->use_mki, 0);
    if (st != srtp_err_status_ok) {
        s->stats.other_fail++;
        return RG_ECRYPTO;
    }
    s->stats.ok++;
    *out_len = (size_t)n;
    return RG_OK;
}

/*
 * Called after a replay rejection of an RTP packet.  Once resync_after
 * consecutive rejections of one SSRC have been seen, tries the packet (a
 * copy) against a fresh session; only if it authenticates is the SSRC's
 * stream removed so that libsrtp re-clones it with a new replay state.
 * Returns true when the caller should unprotect the packet again.
 */
static bool try_resync(struct rg_srtp_lib *s, const uint8_t *pkt, size_t len)
{
    uint32_t ssrc;
    memcpy(&ssrc, pkt + 8, 4);
    if (ssrc != s->replay_ssrc) {
        s->replay_ssrc = ssrc;
        s->replay_run = 0;
    }
    if (s->resync_after == 0 || ++s->replay_run < s->resync_after)
        return false;
    uint8_t *copy = rg_malloc(len);
    if (!copy)
        return false;
    memcpy(copy, pkt, len);
    srtp_t probe = NULL;
    bool ok = false;
    if (srtp_create(&probe, &s->policy) == srtp_err_status_ok) {
        int n = (int)len;
        ok = srtp_unprotect_mki(probe, copy, &n, s->use_mki) == srtp_err_status_ok;
        srtp_dealloc(probe);
    }
    rg_free(copy);
    if (!ok)
        return false;
    if (srtp_remove_stream(s->session, ssrc) != srtp_err_status_ok)
        return false;
    s->stats.resyncs++;
    s->replay_run = 0;
    return true;
}

int rg_srtp_lib_unprotect_rtp(struct rg_srtp_lib *s, uint8_t *pkt, size_t len, size_t *out_len)
{
    if (s->dir != RG_SRTP_INBOUND)
        return RG_EINVAL;
    if (len > RG_SRTP_MAX_PACKET + RG_SRTP_MAX_TRAILER) {
        s->stats.other_fail++;
        return RG_ELIMIT;
    }
    if (!looks_rtp(pkt, len)) {
        s->stats.other_fail++;
        return RG_EBADMSG;
    }
    int n = (int)len;
    srtp_err_status_t st = srtp_unprotect_mki(s->session, pkt, &n, s->use_mki);
    if ((st == srtp_err_status_replay_fail || st == srtp_err_status_replay_old) &&
        try_resync(s, pkt, len)) {
        n = (int)len;
        st = srtp_unprotect_mki(s->session, pkt, &n, s->use_mki);
    }
    if (st != srtp_err_status_ok)
        return count_failure(s, st);
    s->replay_run = 0;
    s->stats.ok++;
    *out_len = (size_t)n;
    return RG_OK;
}

int rg_srtp_lib_unprotect_rtcp(struct rg_srtp_lib *s, uint8_t *pkt, size_t len, size_t *out_len)
{
    if (s->dir != RG_SRTP_INBOUND)
        return RG_EINVAL;
    if (len > RG_SRTP_MAX_PACKET + RG_SRTP_MAX_TRAILER) {
        s->stats.other_fail++;
        return RG_ELIMIT;
    }
    if (!looks_rtcp(pkt, len)) {
        s->stats.other_fail++;
        return RG_EBADMSG;
    }
    int n = (int)len;
    srtp_err_status_t st = srtp_unprotect_rtcp_mki(s->session, pkt, &n, s->use_mki);
    if (st != srtp_err_status_ok)
        return count_failure(s, st);
    s->stats.ok++;
    *out_len = (size_t)n;
    return RG_OK;
}
