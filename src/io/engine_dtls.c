/*
 * engine_dtls.c — the media engine's extra DTLS profiles: one context per
 * `profiles security dtlsProfile NAME` the daemon hands over (each with its
 * own certificate or the engine's, its versions, suites and handshake
 * timer), so a trunk group's dtlsProfileName decides the certificate and
 * fingerprint (RFC 8122 §5) its leg presents and the suites it accepts.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/log.h"
#include "io/engine_priv.h"

static bool acceptable(const struct rg_engine_dtls_prof *p, unsigned i)
{
    return i < RG_ENGINE_DTLS_PROFS && p->name && strlen(p->name) < RG_ENGINE_DTLS_NAME;
}

void rg__engine_take_profs(struct rg_engine *e, const struct rg_engine_opts *o)
{
    unsigned n = o->dtls_profs ? o->n_dtls_profs : 0;
    for (unsigned i = 0; i < n; i++) {
        const struct rg_engine_dtls_prof *p = &o->dtls_profs[i];
        if (!acceptable(p, i)) {
            rg_dtls_cert_free(p->cert);
            continue;
        }
        snprintf(e->prof_name[e->n_prof], RG_ENGINE_DTLS_NAME, "%s", p->name);
        e->prof_cert[e->n_prof] = p->cert;
        e->n_prof++;
    }
    e->o.dtls_profs = NULL; /* the caller's table is not kept */
    e->o.n_dtls_profs = 0;
}

/* Context and fingerprint of one profile. */
static int make_prof(struct rg_engine *e, const struct rg_dtls_profile *prof,
                     struct rg_dtls_cert *cert, struct rg_mdtls_prof *out)
{
    struct rg_dtls_profile def = { .v1_2 = true, .handshake_timer_ms = 30000,
                                   .srtp = { RG_SRTP_AEAD_AES_128_GCM, RG_SRTP_AES128_CM_SHA1_80 },
                                   .n_srtp = 2 };
    struct rg_mdtls_prof mp = { 0 };
    int rc = rg_dtls_ctx_new(prof ? prof : &def, cert, NULL, e->o.log, &mp.ctx);
    if (rc == RG_OK)
        rc = rg_dtls_cert_fingerprint(cert, RG_DTLS_HASH_SHA256, &mp.fp);
    if (rc != RG_OK) {
        rg_dtls_ctx_free(mp.ctx);
        return rc;
    }
    *out = mp;
    return RG_OK;
}

/* Builds the contexts of the profiles taken (o: the options of start, whose
 * profile pointers are still valid).  A profile that cannot be built is
 * left out (its trunk groups get the default) and logged; the others keep
 * their order. */
void rg__engine_make_profs(struct rg_engine *e, const struct rg_engine_opts *o)
{
    unsigned k = 0, taken = 0, n = o->dtls_profs ? o->n_dtls_profs : 0;
    for (unsigned i = 0; i < n && taken < e->n_prof; i++) {
        const struct rg_engine_dtls_prof *p = &o->dtls_profs[i];
        if (!acceptable(p, i))
            continue;
        struct rg_dtls_cert *own = e->prof_cert[taken];
        e->prof_cert[taken] = NULL;
        const struct rg_dtls_profile *prof = p->profile ? p->profile : o->dtls_profile;
        int rc = make_prof(e, prof, own ? own : e->cert, &e->prof[k]);
        if (rc == RG_OK) {
            e->prof_cert[k] = own;
            memmove(e->prof_name[k], e->prof_name[taken], RG_ENGINE_DTLS_NAME);
            e->prof_names[k] = e->prof_name[k];
            k++;
        } else {
            RG_LOG(e->o.log, RG_LOG_WARN, io, NULL,
                   "DTLS profile %s not usable (%s): its trunk groups get the default",
                   e->prof_name[taken], rg_strerror(rc));
            rg_dtls_cert_free(own);
        }
        taken++;
    }
    e->n_prof = k;
}

void rg__engine_free_profs(struct rg_engine *e)
{
    for (unsigned i = 0; i < RG_ENGINE_DTLS_PROFS; i++) {
        rg_dtls_ctx_free(e->prof[i].ctx);
        e->prof[i].ctx = NULL;
        rg_dtls_cert_free(e->prof_cert[i]);
        e->prof_cert[i] = NULL;
    }
    e->n_prof = 0;
}

unsigned rg_engine_dtls_profiles(const struct rg_engine *e, const char *const **names)
{
    *names = e->prof_names;
    return e->n_prof;
}
