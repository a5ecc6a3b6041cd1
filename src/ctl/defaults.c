/*
 * defaults.c — the embedded default configuration text (see defaults.h).
 *
 * Why defaultDtlsProfile differs from the seed's sample (v1_0 only, sha1,
 * rsa-with-aes-128-cbc-sha): Chrome and Firefox offer only DTLS 1.2 and
 * ECDHE suites and sign with ECDSA certificates, so that profile fails with
 * the seed's own "no shared cipher" error; RFC 8827 §6.5 requires DTLS 1.2
 * and RFC 8122 §5 sha-256 fingerprints for WebRTC.
 */
#include "ctl/defaults.h"

const char rg_default_config[] =
    "set system security pki certificate defaultDtlsSBCCert state enabled fileName "
    "defaultDtlsSBCCert.p12 type local\n"
    "set profiles security dtlsProfile defaultDtlsProfile handshakeTimer 5 sessionResumpTimer 300 "
    "cipherSuite1 tls_ecdhe_ecdsa_with_aes_128_gcm_sha256 cipherSuite2 "
    "tls_ecdhe_ecdsa_with_aes_256_gcm_sha384 cipherSuite3 tls_ecdhe_ecdsa_with_aes_128_cbc_sha "
    "dtlsRole server hashType sha256 CertName defaultDtlsSBCCert cookieExchange enabled v1_0 "
    "disabled v1_1 disabled v1_2 enabled\n"
    "set profiles security cryptoSuiteProfile defaultCryptoSuites entry 1 cryptoSuite "
    "AES-CM-128-HMAC-SHA1-80\n"
    "set profiles security cryptoSuiteProfile defaultCryptoSuites entry 2 cryptoSuite "
    "AEAD-AES-128-GCM\n"
    "set profiles media codecEntry G711-DEFAULT codec G711 law muLaw packetSize 20 "
    "preferredRtpPayloadType 0\n"
    "set profiles media codecEntry G711A-DEFAULT codec G711 law aLaw packetSize 20 "
    "preferredRtpPayloadType 8\n"
    "set profiles media codecEntry OPUS-Default codec opus packetSize 20 preferredRtpPayloadType "
    "111 fax failureHandling continue toneTreatment none\n"
    "set profiles media packetServiceProfile DEFAULT codec codecEntry1 G711-DEFAULT codecEntry2 "
    "G711A-DEFAULT\n"
    "set profiles media packetServiceProfile PSP_WRTC codec codecEntry1 OPUS-Default codecEntry2 "
    "G711-DEFAULT codecEntry3 G711A-DEFAULT\n"
    "set profiles media packetServiceProfile PSP_WRTC dtls dtlsCryptoSuiteProfile "
    "defaultCryptoSuites dtlsFlags allowDtlsFallback enable enableDtlsSrtp enable\n"
    "set profiles media packetServiceProfile PSP_WRTC rtcpOptions rtcp enable rtcpMux enable\n"
    "set addressContext default zone ZONE_WRTC sipSigPort 1 ipAddressV4 127.0.0.1 portNumber 8080 "
    "transportProtocolsAllowed sip-ws state enabled\n"
    "set addressContext default zone ZONE_WRTC sipTrunkGroup TG_WRTC services natTraversal "
    "iceSupport iceWebrtc mediaNat disabled\n"
    "set addressContext default zone ZONE_WRTC sipTrunkGroup TG_WRTC media dtlsProfileName "
    "defaultDtlsProfile\n"
    "set addressContext default zone ZONE_WRTC sipTrunkGroup TG_WRTC policy media "
    "packetServiceProfile PSP_WRTC\n"
    "set addressContext default zone ZONE_SIP sipSigPort 1 ipAddressV4 127.0.0.1 portNumber 5060 "
    "transportProtocolsAllowed sip-udp state enabled\n"
    "set addressContext default zone ZONE_SIP sipTrunkGroup TG_SIP policy media "
    "packetServiceProfile DEFAULT\n"
    "set global staticRoute default trunkGroup TG_SIP destinationAddress 127.0.0.1 "
    "destinationPort 5080 transport udp\n"
    "set system media mediaAddress 127.0.0.1 mediaPortRange min 20000 max 30000\n"
    "set system ngControl address 127.0.0.1 port 2223 state disabled\n";
