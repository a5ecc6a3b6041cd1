/*
 * validate.h — whole-candidate validation at commit.
 *
 * Checks what the parser cannot check line by line: references (leafrefs
 * such as CertName → an existing *enabled* certificate, dtlsProfileName,
 * packetServiceProfile, codecEntryN, adaptor profiles, a route's trunk
 * group), mandatory leaves, the seed's rule that ICE and mediaNat are
 * mutually exclusive, PCRE2 compilation of every SMM regular expression,
 * media port range order, listener clashes, and — when env->certs_dir is set
 * — that every enabled certificate's PKCS#12 file opens with its passphrase.
 * It also warns (without refusing) about DTLS profiles current browsers
 * cannot use (no DTLS 1.2, no ECDHE suite: the seed's "no shared cipher").
 *
 * Messages use the vendor's wording: the first error as
 * `Aborted: '<keypath>': <reason>` or `Aborted: illegal reference
 * '<keypath>'`; warnings as `Warning: '<keypath>': <reason>`.  Reads the
 * tree only; control thread.
 */
#ifndef RG_CTL_VALIDATE_H
#define RG_CTL_VALIDATE_H

#include "core/buf.h"
#include "core/err.h"
#include "ctl/cfg.h"
#include "ctl/secret.h"

struct rg_cfg_env {
    const char *certs_dir;         /* where fileName is looked up; NULL skips file checks */
    const struct rg_secret *sec;   /* decrypts passPhrase; NULL skips file checks */
};

/* Validates c.  Returns RG_OK (warnings, if any, appended to msgs, one per
 * line), RG_EPROTO with the `Aborted: …` line appended to msgs, or
 * RG_ENOMEM / RG_ELIMIT. */
RG_MUST_CHECK int rg_cfg_validate(const struct rg_cfg *c, const struct rg_cfg_env *env,
                                  struct rg_buf *msgs);

#endif
