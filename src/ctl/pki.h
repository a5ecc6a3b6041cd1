/*
 * pki.h — certificates for `system security pki certificate` (OpenSSL).
 *
 * Loads PKCS#12 files named by `fileName` from the state directory's
 * certs/ folder and makes the factory certificate defaultDtlsSBCCert (an
 * ECDSA P-256 key and a self-signed certificate, RFC 5763 §5: DTLS-SRTP
 * endpoints use self-signed certificates identified by fingerprint) at
 * first start.  No key is ever stored in the repository.  Blocking file
 * I/O: called from the control thread only.
 */
#ifndef RG_CTL_PKI_H
#define RG_CTL_PKI_H

#include <stddef.h>

#include "core/err.h"

/* Opens and decrypts a PKCS#12 file (PKCS12_parse) and checks that it holds
 * a private key and a certificate.  RG_OK; RG_ENOTFOUND (cannot read),
 * RG_EAUTH (wrong passphrase), RG_EBADMSG (not PKCS#12 / no key or cert).
 * why receives a one-line English reason on failure. */
RG_MUST_CHECK int rg_pki_check_p12(const char *path, const char *pass, char *why, size_t why_size);

/* Generates an ECDSA P-256 key and a self-signed certificate (CN=cn, SHA-256,
 * valid for ten years) and writes them as PKCS#12 protected by pass to path
 * (mode 0600, written to path.tmp then renamed).  RG_OK, RG_ECRYPTO, RG_EIO. */
RG_MUST_CHECK int rg_pki_generate_p12(const char *path, const char *pass, const char *cn);

#endif
