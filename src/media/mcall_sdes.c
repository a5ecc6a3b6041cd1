/*
 * mcall_sdes.c — SDES-SRTP key negotiation of a media side (RFC 4568); see
 * mcall_sdes.h for the contract.
 */
#include "media/mcall_sdes.h"

#include <string.h>

#include "proto/srtp/srtp_sdes.h"

/* What we offer, most widely deployed first (RFC 4568 §6.2, RFC 7714 §14.1):
 * many SIP devices only look at the first line. */
static const enum rg_srtp_profile sdes_suites[RG_MSIDE_SDES_MAX] = {
    RG_SRTP_AES128_CM_SHA1_80,
    RG_SRTP_AES128_CM_SHA1_32,
    RG_SRTP_AEAD_AES_128_GCM,
    RG_SRTP_AEAD_AES_256_GCM,
};

static bool suite_supported(enum rg_srtp_profile p)
{
    for (size_t i = 0; i < RG_MSIDE_SDES_MAX; i++)
        if (sdes_suites[i] == p)
            return true;
    return false;
}

static void draw_key(const struct rg_mcall_env *env, enum rg_srtp_profile p,
                     struct rg_srtp_key *k)
{
    memset(k, 0, sizeof(*k));
    k->profile = p;
    k->key_len = (uint8_t)rg_srtp_profile_key_len(p);
    k->salt_len = (uint8_t)rg_srtp_profile_salt_len(p);
    rg_rng_bytes(env->rng, k->key, k->key_len);
    rg_rng_bytes(env->rng, k->salt, k->salt_len);
}

static bool key_eq(const struct rg_srtp_key *a, const struct rg_srtp_key *b)
{
    return a->profile == b->profile && a->key_len == b->key_len && a->salt_len == b->salt_len &&
           a->mki_len == b->mki_len && memcmp(a->key, b->key, a->key_len) == 0 &&
           memcmp(a->salt, b->salt, a->salt_len) == 0 && memcmp(a->mki, b->mki, a->mki_len) == 0;
}

/* Index of our key with tag/suite, or -1. */
static int find_local(const struct rg_mside *s, uint32_t tag, enum rg_srtp_profile p)
{
    for (int i = 0; i < s->n_sdes_local; i++)
        if (s->sdes_local_tag[i] == tag && s->sdes_local[i].profile == p)
            return i;
    return -1;
}

/* The line of m to accept: when answering, one matching our tags;
 * otherwise the first usable one.  Lines with session parameters are
 * skipped: we implement none, and an answerer must not accept a line whose
 * parameters it does not understand (RFC 4568 §6.3, §7.1.1). */
static int pick_line(const struct rg_mside *s, const struct rg_sdp_media *m, bool match_ours,
                     struct rg_srtp_sdes *out)
{
    for (uint32_t i = 0; i < m->attrs.n; i++) {
        const struct rg_sdp_attr *at = &m->attrs.v[i];
        struct rg_srtp_sdes sd;
        if (at->kind != RG_SDP_A_CRYPTO || !at->value.p ||
            rg_srtp_sdes_parse_crypto(at->value, &sd) != RG_OK ||
            !suite_supported(sd.key.profile) || sd.session_params.len != 0)
            continue;
        if (match_ours && find_local(s, sd.tag, sd.key.profile) < 0)
            continue;
        *out = sd;
        return RG_OK;
    }
    return RG_ENOTFOUND;
}

/* Makes the side's sessions for (remote, local), replacing the old ones
 * only when both new ones exist (or the key did not change). */
static int install(struct rg_mside *s, const struct rg_srtp_key *remote,
                   const struct rg_srtp_key *local)
{
    struct rg_srtp *in = NULL, *out = NULL;
    bool new_in = !s->srtp_in || !key_eq(remote, &s->sdes_remote);
    bool new_out = !s->srtp_out || !key_eq(local, &s->sdes_local[0]) || s->n_sdes_local != 1;
    struct rg_srtp_cfg ci = { .key = *remote, .dir = RG_SRTP_INBOUND };
    struct rg_srtp_cfg co = { .key = *local, .dir = RG_SRTP_OUTBOUND };
    int rc = new_in ? rg_srtp_new(&ci, &in) : RG_OK;
    if (rc == RG_OK && new_out)
        rc = rg_srtp_new(&co, &out);
    if (rc != RG_OK) {
        rg_srtp_free(in);
        return rc;
    }
    if (new_in) {
        rg_srtp_free(s->srtp_in);
        s->srtp_in = in;
    }
    if (new_out) {
        rg_srtp_free(s->srtp_out);
        s->srtp_out = out;
    }
    return RG_OK;
}

int rg_msdes_learn(const struct rg_mcall_env *env, struct rg_mside *s,
                   const struct rg_sdp_media *m, bool peer_offers, const char **why)
{
    struct rg_srtp_sdes sd;
    bool answer = !peer_offers && pick_line(s, m, true, &sd) == RG_OK;
    if (!answer && !peer_offers && s->sdes_tag == 0) {
        /* RFC 4568 §7.1.3: the answer must accept one of our lines. */
        *why = "the answer's a=crypto matches none of the offered tags (RFC 4568 §7.1.3)";
        return RG_EBADMSG;
    }
    if (!answer && pick_line(s, m, false, &sd) != RG_OK) {
        *why = "RTP/SAVP media without a supported a=crypto line (RFC 4568 §7.1.2)";
        return RG_EUNSUPP;
    }
    struct rg_srtp_key local;
    int li = answer ? find_local(s, sd.tag, sd.key.profile) : -1;
    if (li >= 0)
        local = s->sdes_local[li];
    else if (s->n_sdes_local == 1 && s->sdes_tag == sd.tag &&
             s->sdes_local[0].profile == sd.key.profile)
        local = s->sdes_local[0]; /* same line re-offered: keep our key */
    else
        draw_key(env, sd.key.profile, &local);
    int rc = install(s, &sd.key, &local);
    if (rc != RG_OK) {
        *why = "could not create the SDES-SRTP sessions";
        return rc;
    }
    s->sdes_remote = sd.key;
    s->sdes_local[0] = local;
    s->sdes_local_tag[0] = sd.tag;
    s->n_sdes_local = 1;
    s->sdes_tag = sd.tag;
    s->srtp_profile = (uint16_t)sd.key.profile;
    return RG_OK;
}

static int add_line(struct rg_sdp_attrs *l, struct rg_arena *a, uint32_t tag,
                    const struct rg_srtp_key *k)
{
    struct rg_srtp_sdes sd = { .tag = tag, .key = *k };
    struct rg_buf b;
    rg_buf_init(&b, 256);
    int rc = rg_srtp_sdes_format_crypto(&sd, &b);
    if (rc == RG_OK)
        rc = rg_sdp_attr_add(l, a, "crypto", rg_buf_str(&b));
    rg_buf_deinit(&b);
    return rc;
}

int rg_msdes_write(const struct rg_mcall_env *env, struct rg_mside *s, struct rg_sdp_attrs *l,
                   struct rg_arena *a, bool offering)
{
    if (offering && s->sdes_tag == 0 && s->n_sdes_local == 0) {
        for (int i = 0; i < RG_MSIDE_SDES_MAX; i++) {
            draw_key(env, sdes_suites[i], &s->sdes_local[i]);
            s->sdes_local_tag[i] = (uint32_t)i + 1;
        }
        s->n_sdes_local = RG_MSIDE_SDES_MAX;
    }
    if (!offering && s->sdes_tag == 0)
        return RG_OK; /* a rejected (port 0) stream has no key to answer with */
    int rc = RG_OK;
    for (int i = 0; rc == RG_OK && i < s->n_sdes_local; i++)
        rc = add_line(l, a, s->sdes_local_tag[i], &s->sdes_local[i]);
    return rc;
}
