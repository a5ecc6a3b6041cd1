/*
 * defaults.h — the embedded default configuration (PRODUCT.md §4).
 *
 * Applied at first start, when the state directory holds no saved
 * configuration: a WRTC zone/trunk group with a SIP-over-WebSocket
 * listener on 127.0.0.1:8080 (ICE iceWebrtc, DTLS-SRTP, rtcp-mux, Opus and
 * G.711), a SIP zone/trunk group on UDP 127.0.0.1:5060, a default route of
 * every number to 127.0.0.1:5080, and the factory objects
 * defaultDtlsProfile (DTLS 1.2, ECDHE-ECDSA suites, sha256),
 * defaultDtlsSBCCert and codec entries G711-DEFAULT, G711A-DEFAULT,
 * OPUS-Default.  The certificate's passphrase is not in this text: the
 * daemon generates it with the key and adds its `passPhrase` line.
 */
#ifndef RG_CTL_DEFAULTS_H
#define RG_CTL_DEFAULTS_H

/* NUL-terminated set lines, one per line. */
extern const char rg_default_config[];
/* File name (in STATE/certs/) of the generated factory certificate. */
#define RG_DEFAULT_CERT_FILE "defaultDtlsSBCCert.p12"
#define RG_DEFAULT_CERT_NAME "defaultDtlsSBCCert"

#endif
