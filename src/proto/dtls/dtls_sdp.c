/*
 * dtls_sdp.c — a=setup and a=tls-id decisions.
 */
#include "proto/dtls/dtls_sdp.h"

static const char *const setup_names[] = { "", "actpass", "active", "passive", "holdconn" };

int rg_dtls_setup_parse(struct rg_str s, enum rg_dtls_setup *out)
{
    struct rg_str v = rg_str_trim(s);
    for (int i = RG_DTLS_SETUP_ACTPASS; i <= RG_DTLS_SETUP_HOLDCONN; i++) {
        if (rg_str_caseeq_cstr(v, setup_names[i])) {
            *out = (enum rg_dtls_setup)i;
            return RG_OK;
        }
    }
    return RG_EBADMSG;
}

const char *rg_dtls_setup_name(enum rg_dtls_setup s)
{
    return s >= RG_DTLS_SETUP_ACTPASS && s <= RG_DTLS_SETUP_HOLDCONN ? setup_names[s] : "";
}

int rg_dtls_setup_answer(enum rg_dtls_setup offered, enum rg_dtls_role preferred,
                         enum rg_dtls_setup *answer)
{
    switch (offered) {
    case RG_DTLS_SETUP_ACTPASS:
        if (preferred != RG_DTLS_CLIENT && preferred != RG_DTLS_SERVER)
            return RG_EINVAL;
        *answer = preferred == RG_DTLS_CLIENT ? RG_DTLS_SETUP_ACTIVE : RG_DTLS_SETUP_PASSIVE;
        return RG_OK;
    case RG_DTLS_SETUP_ACTIVE:
        *answer = RG_DTLS_SETUP_PASSIVE;
        return RG_OK;
    case RG_DTLS_SETUP_PASSIVE:
        *answer = RG_DTLS_SETUP_ACTIVE;
        return RG_OK;
    default:
        return RG_EPROTO;
    }
}

int rg_dtls_role_from_remote_setup(enum rg_dtls_setup remote, enum rg_dtls_role *role)
{
    if (remote == RG_DTLS_SETUP_ACTIVE) {
        *role = RG_DTLS_SERVER;
        return RG_OK;
    }
    if (remote == RG_DTLS_SETUP_PASSIVE) {
        *role = RG_DTLS_CLIENT;
        return RG_OK;
    }
    return RG_EPROTO;
}

bool rg_dtls_tls_id_valid(struct rg_str s)
{
    if (s.len < RG_DTLS_TLS_ID_MIN || s.len > RG_DTLS_TLS_ID_MAX)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        int c = (unsigned char)s.p[i];
        if (!rg_is_alnum(c) && c != '+' && c != '/' && c != '-' && c != '_')
            return false;
    }
    return true;
}

/* Same set of fingerprints, in any order. */
static bool fp_sets_equal(const struct rg_dtls_remote_sdp *a, const struct rg_dtls_remote_sdp *b)
{
    if (a->n_fp != b->n_fp)
        return false;
    for (size_t i = 0; i < a->n_fp; i++) {
        bool found = false;
        for (size_t j = 0; j < b->n_fp && !found; j++)
            found = rg_dtls_fp_eq(&a->fp[i], &b->fp[j]);
        if (!found)
            return false;
    }
    return true;
}

static bool concrete(enum rg_dtls_setup s)
{
    return s == RG_DTLS_SETUP_ACTIVE || s == RG_DTLS_SETUP_PASSIVE;
}

bool rg_dtls_reoffer_needs_new_association(const struct rg_dtls_remote_sdp *old,
                                           const struct rg_dtls_remote_sdp *cur,
                                           const char **why)
{
    if (old->tls_id.len > 0 && cur->tls_id.len > 0 && !rg_str_eq(old->tls_id, cur->tls_id)) {
        *why = "tls-id changed (RFC 8842 §5)";
        return true;
    }
    if (!fp_sets_equal(old, cur)) {
        *why = "fingerprint changed";
        return true;
    }
    if (concrete(old->setup) && concrete(cur->setup) && old->setup != cur->setup) {
        *why = "DTLS role changed";
        return true;
    }
    *why = cur->tls_id.len > 0 ? "same tls-id" : "same fingerprint and role";
    return false;
}
