/*
 * schema.c — THE configuration schema table (see schema.h).
 *
 * Sources for names, ranges and defaults: the seed page and
 * ../shared/reference/vendor-config-model.md (section numbers below).  Points
 * the model marks [A] (assumed) are decided here and listed in
 * docs/CONFIG.md.  The tree is written bottom-up because C needs each child
 * array defined before its parent.
 */
#include "ctl/schema.h"

#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/log.h"

/* Node constructors. */
#define CONT(n, k, h)                                                                              \
    { .name = (n), .kind = RG_SCH_CONTAINER, .kids = (k), .help = (h) }
#define LIST_S(n, lo, hi, k, h)                                                                    \
    { .name = (n), .kind = RG_SCH_LIST, .type = RG_TY_STRING, .min = (lo), .max = (hi),            \
      .kids = (k), .help = (h) }
#define LIST_I(n, lo, hi, k, h)                                                                    \
    { .name = (n), .kind = RG_SCH_LIST, .type = RG_TY_INT, .min = (lo), .max = (hi), .kids = (k),  \
      .help = (h) }
#define LEAF(n, ty, lo, hi, e, r, d, h)                                                            \
    { .name = (n), .kind = RG_SCH_LEAF, .type = (ty), .min = (lo), .max = (hi), .en = (e),         \
      .ref = (r), .def = (d), .help = (h) }
#define L_INT(n, lo, hi, d, h) LEAF(n, RG_TY_INT, lo, hi, NULL, NULL, d, h)
#define L_STR(n, lo, hi, d, h) LEAF(n, RG_TY_STRING, lo, hi, NULL, NULL, d, h)
#define L_ENUM(n, e, d, h) LEAF(n, RG_TY_ENUM, 0, 0, &(e), NULL, d, h)
#define L_REF(n, r, d, h) LEAF(n, RG_TY_LEAFREF, 1, 23, NULL, r, d, h)
#define END { .name = NULL }

#define ENUM(id, ...)                                                                              \
    static const char *const id##_v[] = { __VA_ARGS__, NULL };                                     \
    static const struct rg_sch_enum id = { id##_v, NULL }
#define ENUM_A(id, al, ...)                                                                        \
    static const char *const id##_v[] = { __VA_ARGS__, NULL };                                     \
    static const struct rg_sch_enum id = { id##_v, al }

/* Vendor spells some flags enabled/disabled (TG, profiles) and others
 * enable/disable (PSP flags, codec entries): kept exactly (model §2.4). */
ENUM(en_ed, "disabled", "enabled");
ENUM(en_e, "disable", "enable");

/* ---- addressContext … sipTrunkGroup (model §1, §3.5, §4) ---- */

ENUM(en_ice, "none", "iceWebrtc", "iceLync", "iceFull");

static const struct rg_sch_node adaptive_learning[] = {
    L_INT("maxTcpPinholeTimer", 60, 65535, "300", "Maximum TCP pinhole timer (seconds)"),
    L_INT("maxUdpPinholeTimer", 60, 65535, "300", "Maximum UDP pinhole timer (seconds)"),
    L_INT("reLearningInterval", 1, 240, "10", "Pinhole re-learning interval (minutes)"),
    L_ENUM("state", en_ed, "disabled", "Adaptive pinhole learning"),
    END,
};

static const struct rg_sch_node ice_filter[] = {
    L_INT("serverReflexivePrefixLength", 0, 32, "16",
          "Prefix length matching server-reflexive candidate sources"),
    L_ENUM("state", en_ed, "enabled", "Prioritise STUN from the peer's candidate addresses"),
    END,
};

static const struct rg_sch_node nat_traversal[] = {
    CONT("adaptiveLearning", adaptive_learning, "Adaptive NAT pinhole learning"),
    CONT("iceSourceAddressFilterPriority", ice_filter, "STUN source address priority policing"),
    L_ENUM("iceSupport", en_ice, "none",
           "ICE mode: none, iceWebrtc (ICE-lite), iceLync, iceFull (full agent)"),
    L_ENUM("learnNatForRtpOnly", en_ed, "disabled", "Learn NAT for RTP only"),
    L_ENUM("mediaNat", en_ed, "disabled", "Media latching (mutually exclusive with ICE)"),
    L_INT("outboundTcpKeepaliveTimer", 0, 32767, "0", "Outbound TCP keepalive (seconds, 0 off)"),
    L_INT("outboundUdpKeepaliveTimer", 0, 32767, "0", "Outbound UDP keepalive (seconds, 0 off)"),
    L_INT("secureMediaNatPrefix", 0, 32, "0",
          "Bits of the first media source that must match signalling (0 off)"),
    L_ENUM("signalingNat", en_ed, "disabled", "Signalling NAT traversal"),
    L_INT("tcpKeepaliveTimer", 15, 65535, "60", "TCP keepalive (seconds)"),
    L_INT("udpKeepaliveTimer", 15, 65535, "60", "UDP keepalive (seconds)"),
    END,
};

static const struct rg_sch_node tg_services[] = {
    CONT("natTraversal", nat_traversal, "NAT traversal and ICE"),
    END,
};

static const char *const ip_alias_lower[] = { "iPv4", "ipv4", "iPv6", "ipv6", "IPv4", "ipv4",
                                              "IPv6", "ipv6", NULL };
static const char *const ip_alias_upper[] = { "ipv4", "iPv4", "ipv6", "iPv6", "IPv4", "iPv4",
                                              "IPv6", "iPv6", "ipv4andipv6", "iPv4andiPv6", NULL };
ENUM_A(en_offer_pref, ip_alias_lower, "ipv4", "ipv6", "matchSigAddrType");
ENUM_A(en_answer_pref, ip_alias_lower, "honorRecvPrec", "ipv4", "ipv6", "matchSigAddrType");
ENUM_A(en_addr_type, ip_alias_upper, "iPv4", "iPv6", "iPv4andiPv6", "matchSigAddrType");
ENUM(en_late_media, "convert", "passthru");

static const struct rg_sch_node tg_media_ice[] = {
    L_ENUM("answerPreference", en_answer_pref, "matchSigAddrType",
           "Address family precedence when answering (SDP method ICE)"),
    L_ENUM("offerPreference", en_offer_pref, "matchSigAddrType",
           "Address family precedence when offering (SDP method ICE)"),
    END,
};

static const struct rg_sch_node tg_media[] = {
    L_REF("dtlsProfileName", "profiles security dtlsProfile", NULL, "DTLS profile for this leg"),
    CONT("ice", tg_media_ice, "Dual-stack ICE preferences (needs mediaAddrType iPv4andiPv6)"),
    L_ENUM("lateMediaSupport", en_late_media, "convert", "INVITE without SDP handling"),
    L_ENUM("mediaAddrType", en_addr_type, "matchSigAddrType", "Media address families"),
    L_ENUM("sdpAttributesSelectiveRelay", en_ed, "disabled",
           "Relay unknown SDP attributes (both legs must enable)"),
    END,
};

static const struct rg_sch_node tg_policy_media[] = {
    L_REF("packetServiceProfile", "profiles media packetServiceProfile", "DEFAULT",
          "Packet service profile (codecs, DTLS, RTCP)"),
    END,
};

static const struct rg_sch_node tg_policy[] = {
    CONT("media", tg_policy_media, "Media policy"),
    END,
};

ENUM(en_smm_exec, "none", "fixedOrder");

static const struct rg_sch_node tg_mm[] = {
    L_ENUM("includeAppHdrs", en_ed, "disabled", "Let SMM see application headers"),
    L_REF("inputAdapterProfile", "profiles signaling sipAdaptorProfile", NULL,
          "SMM profile for messages received on this trunk group"),
    L_REF("outputAdapterProfile", "profiles signaling sipAdaptorProfile", NULL,
          "SMM profile for messages sent on this trunk group"),
    L_ENUM("smmProfileExecution", en_smm_exec, "none", "Multi-level SMM execution"),
    END,
};

static const struct rg_sch_node tg_signaling[] = {
    CONT("messageManipulation", tg_mm, "SIP message manipulation (SMM)"),
    END,
};

/* Sonus/Ribbon `ingressIpPrefix <ip> <prefixLength>`: sources whose calls
 * enter on this trunk group (longest prefix of the zone wins). */
static const struct rg_sch_node tg_ingress_prefix[] = {
    { .name = "prefixLength", .kind = RG_SCH_LEAF, .type = RG_TY_INT, .flags = RG_SCH_F_POS,
      .min = 0, .max = 128, .help = "Prefix length in bits (IPv4 at most 32)" },
    END,
};

static const struct rg_sch_node trunk_group[] = {
    L_ENUM("state", en_ed, "enabled", "Administrative state"),
    { .name = "ingressIpPrefix", .kind = RG_SCH_LIST, .type = RG_TY_IP, .kids = tg_ingress_prefix,
      .help = "Source prefix of calls entering on this trunk group (longest match in the zone)" },
    CONT("media", tg_media, "Media settings"),
    CONT("policy", tg_policy, "Policies"),
    CONT("services", tg_services, "Services"),
    CONT("signaling", tg_signaling, "Signalling settings"),
    END,
};

ENUM(en_transports, "sip-udp", "sip-tcp", "sip-tls-tcp", "sip-ws", "sip-wss");

/* rtcgate's SIP listeners, named after the vendor's zone sipSigPort. */
static const struct rg_sch_node sig_port[] = {
    LEAF("ipAddressV4", RG_TY_IPV4, 0, 0, NULL, NULL, NULL, "IPv4 address to listen on"),
    LEAF("ipAddressV6", RG_TY_IP, 0, 0, NULL, NULL, NULL, "IPv6 address to listen on"),
    L_INT("portNumber", 1, 65535, "5060", "Port to listen on"),
    L_STR("wsPath", 1, 255, "/", "WebSocket request path accepted (sip-ws, sip-wss)"),
    L_REF("tlsCertName", "system security pki certificate", NULL,
          "Certificate for sip-tls-tcp and sip-wss"),
    LEAF("transportProtocolsAllowed", RG_TY_ENUMSET, 0, 0, &en_transports, NULL, "sip-udp",
         "Transports, comma separated: sip-udp,sip-tcp,sip-tls-tcp,sip-ws,sip-wss"),
    L_ENUM("state", en_ed, "disabled", "Administrative state"),
    END,
};

static const struct rg_sch_node zone[] = {
    L_INT("id", 1, 2147483647, NULL, "Zone identifier"),
    LIST_I("sipSigPort", 1, 65535, sig_port, "SIP signalling listener of this zone"),
    LIST_S("sipTrunkGroup", 1, 23, trunk_group, "SIP trunk group"),
    END,
};

static const struct rg_sch_node address_context[] = {
    LIST_S("zone", 1, 23, zone, "Zone"),
    END,
};

/* ---- global: static routing table (rtcgate; vendor routes through PSX/ERE) ---- */

ENUM(en_route_transport, "udp", "tcp", "tls", "ws", "wss");

static const struct rg_sch_node route[] = {
    L_REF("trunkGroup", "addressContext * zone * sipTrunkGroup", NULL, "Egress trunk group"),
    LEAF("destinationAddress", RG_TY_HOST, 1, 253, NULL, NULL, NULL, "Next hop host or IP"),
    L_INT("destinationPort", 1, 65535, "5060", "Next hop port"),
    L_ENUM("transport", en_route_transport, "udp", "Next hop transport"),
    END,
};

/* ---- global registrar: REGISTER from browsers (rtcgate; the vendor model
 * has no registrar settings, so the names follow its style) ---- */

static const struct rg_sch_node reg_user[] = {
    LEAF("password", RG_TY_SECRET, 0, 255, NULL, NULL, NULL, "Digest password (stored $7$)"),
    END,
};

static const struct rg_sch_node registrar[] = {
    L_ENUM("authentication", en_ed, "disabled",
           "Digest authentication of REGISTER (RFC 8760; needs at least one user)"),
    L_INT("maxExpires", 60, 86400, "3600", "Longest registration granted (seconds)"),
    L_INT("minExpires", 1, 86400, "60", "Shorter requests get 423 with Min-Expires (seconds)"),
    L_STR("realm", 1, 63, "rtcgate", "Digest realm"),
    LIST_S("user", 1, 63, reg_user, "User allowed to register (To user = digest username)"),
    END,
};

static const struct rg_sch_node global[] = {
    CONT("registrar", registrar, "Registrar for browsers (REGISTER over WebSocket)"),
    { .name = "staticRoute", .kind = RG_SCH_LIST, .type = RG_TY_PREFIX, .min = 1, .max = 32,
      .kids = route, .help = "Called-number prefix route (longest prefix wins; key default = any)" },
    END,
};

/* ---- profiles security (model §2.1, §2.3) ---- */

ENUM(en_cipher, "nosuite", "rsa-with-null-sha", "rsa-with-aes-128-cbc-sha",
     "rsa-with-aes-256-cbc-sha", "rsa-with-3des-ede-cbc-sha", "rsa-with-aes-128-cbc-sha-256",
     "rsa-with-aes-256-cbc-sha-256", "tls_ecdhe_rsa_with_aes_128_cbc_sha",
     "tls_ecdhe_rsa_with_aes_256_cbc_sha", "tls_ecdhe_rsa_with_aes_128_cbc_sha256",
     "tls_ecdhe_rsa_with_aes_256_cbc_sha384", "tls_ecdhe_rsa_with_aes_128_gcm_sha256",
     "tls_ecdhe_rsa_with_aes_256_gcm_sha384", "tls_ecdhe_ecdsa_with_aes_128_cbc_sha",
     "tls_ecdhe_ecdsa_with_aes_256_cbc_sha", "tls_ecdhe_ecdsa_with_aes_128_gcm_sha256",
     "tls_ecdhe_ecdsa_with_aes_256_gcm_sha384", "tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256",
     "tls_ecdhe_rsa_with_chacha20_poly1305_sha256");
ENUM(en_role, "client", "server");
ENUM(en_hash, "md2", "md5", "sha1", "sha224", "sha256", "sha384", "sha512");

/* Leaf order is the order `show` prints (the seed's listing). */
static const struct rg_sch_node dtls_profile[] = {
    L_INT("handshakeTimer", 1, 60, "5", "Seconds allowed for the DTLS handshake"),
    L_INT("sessionResumpTimer", 0, 86400, "300", "Session resumption lifetime (seconds, 0 off)"),
    L_ENUM("cipherSuite1", en_cipher, "rsa-with-aes-128-cbc-sha", "First cipher suite"),
    L_ENUM("cipherSuite2", en_cipher, "nosuite", "Second cipher suite"),
    L_ENUM("cipherSuite3", en_cipher, "nosuite", "Third cipher suite"),
    L_ENUM("dtlsRole", en_role, "server", "DTLS role (server answers a=setup:passive)"),
    L_ENUM("hashType", en_hash, "sha1", "Hash of the a=fingerprint"),
    L_REF("CertName", "system security pki certificate", "defaultDtlsSBCCert",
          "Certificate (must be enabled)"),
    L_ENUM("cookieExchange", en_ed, "enabled", "HelloVerifyRequest cookie exchange"),
    L_ENUM("v1_0", en_ed, "enabled", "Allow DTLS 1.0"),
    L_ENUM("v1_1", en_ed, "disabled", "Allow DTLS 1.1 (no such wire version: same as 1.0)"),
    L_ENUM("v1_2", en_ed, "disabled", "Allow DTLS 1.2 (browsers require it)"),
    END,
};

ENUM(en_crypto_suite, "AES-CM-128-HMAC-SHA1-80", "AES-CM-128-HMAC-SHA1-32", "AEAD-AES-128-GCM",
     "AEAD-AES-256-GCM", "AES-CM-256-HMAC-SHA1-80", "AES-CM-256-HMAC-SHA1-32");
ENUM(en_session_params, "unauthenticatedSRTP", "unencryptedSRTP", "unencryptedSRTCP");

static const struct rg_sch_node crypto_entry[] = {
    L_ENUM("cryptoSuite", en_crypto_suite, "AES-CM-128-HMAC-SHA1-80", "SRTP crypto suite"),
    LEAF("sessionParameterFlags", RG_TY_ENUMLIST, 0, 3, &en_session_params, NULL, NULL,
         "Session parameters (RFC 4568)"),
    END,
};

static const struct rg_sch_node crypto_profile[] = {
    LIST_I("entry", 0, 65535, crypto_entry, "Suite by priority (lowest first)"),
    END,
};

static const struct rg_sch_node prof_security[] = {
    LIST_S("cryptoSuiteProfile", 1, 23, crypto_profile, "SRTP crypto suite profile"),
    LIST_S("dtlsProfile", 1, 23, dtls_profile, "DTLS profile"),
    END,
};

/* ---- profiles media (model §2.4–2.6) ---- */

ENUM(en_codec, "G711", "G711SS", "G722", "G723", "G726", "G729", "G729AB", "opus", "T38", "VP8",
     "VP9", "H264");
ENUM(en_law, "deriveFromOtherLeg", "aLaw", "muLaw");
ENUM(en_fail, "continue", "disconnect");
ENUM(en_tone, "none", "disconnect", "fallbackToG711", "fallbackToG711AllowPeerToNegotiateFaxRelay",
     "faxRelay", "faxRelayOrFallbackToG711", "ignoreDetectionAllowPeerToNegotiateFaxRelay",
     "notifyPeer");
ENUM(en_dtmf_relay, "none", "rfc2833", "outOfBand", "bothOobAnd2833", "eitherOobOrRfc2833");

static const struct rg_sch_node codec_fax[] = {
    L_ENUM("failureHandling", en_fail, "continue", "On fax failure"),
    L_ENUM("toneTreatment", en_tone, "none", "On fax tone detection"),
    END,
};

static const struct rg_sch_node codec_dtmf[] = {
    L_ENUM("relay", en_dtmf_relay, "rfc2833", "DTMF relay method"),
    L_ENUM("removeDigits", en_e, "disable", "Remove in-band digits"),
    END,
};

static const struct rg_sch_node codec_entry[] = {
    L_ENUM("codec", en_codec, NULL, "Codec type"),
    L_ENUM("law", en_law, "deriveFromOtherLeg", "G.711 law (rtcgate: muLaw PCMU, aLaw PCMA)"),
    CONT("dtmf", codec_dtmf, "DTMF handling"),
    CONT("fax", codec_fax, "Fax handling"),
    CONT("modem", codec_fax, "Modem handling"),
    L_INT("packetSize", 10, 120, "20", "Packetisation time (ms)"),
    L_INT("preferredRtpPayloadType", 0, 128, "128", "RTP payload type (128 = dynamic)"),
    L_ENUM("silentSuppression", en_e, "disable", "Silence suppression"),
    END,
};

#define CODEC_SLOT(n) L_REF("codecEntry" #n, "profiles media codecEntry", NULL, "Codec, preference " #n)
static const struct rg_sch_node psp_codec[] = {
    CODEC_SLOT(1), CODEC_SLOT(2), CODEC_SLOT(3),  CODEC_SLOT(4),  CODEC_SLOT(5),  CODEC_SLOT(6),
    CODEC_SLOT(7), CODEC_SLOT(8), CODEC_SLOT(9), CODEC_SLOT(10), CODEC_SLOT(11), CODEC_SLOT(12),
    END,
};

static const struct rg_sch_node psp_dtls_flags[] = {
    L_ENUM("allowDtlsFallback", en_e, "disable", "Fall back to RTP when the other leg has no DTLS"),
    L_ENUM("dtlsSctpRelay", en_e, "disable", "Relay DTLS/SCTP data channels"),
    L_ENUM("dtlsSrtpRelay", en_e, "disable", "Relay DTLS-SRTP end to end"),
    L_ENUM("enableDtlsSrtp", en_e, "disable", "Terminate DTLS-SRTP on this leg"),
    END,
};

static const struct rg_sch_node psp_dtls[] = {
    L_REF("dtlsCryptoSuiteProfile", "profiles security cryptoSuiteProfile", NULL,
          "SRTP suites for DTLS-SRTP"),
    CONT("dtlsFlags", psp_dtls_flags, "DTLS flags"),
    END,
};

static const struct rg_sch_node psp_rtcp[] = {
    L_ENUM("enableRTCPForHeldCalls", en_ed, "disabled", "RTCP for held calls"),
    L_INT("packetLossThreshold", 0, 32767, "0", "Packet loss threshold"),
    L_ENUM("rtcp", en_e, "disable", "RTCP relay/termination"),
    L_ENUM("rtcpMux", en_e, "disable", "RTCP multiplexing (RFC 5761)"),
    L_ENUM("terminationForPassthrough", en_e, "disable", "Terminate RTCP for pass-through"),
    END,
};

static const struct rg_sch_node psp[] = {
    CONT("codec", psp_codec, "Codec list in preference order"),
    CONT("dtls", psp_dtls, "DTLS-SRTP"),
    L_ENUM("honorRemotePrecedence", en_ed, "disabled", "Follow the remote codec order"),
    CONT("rtcpOptions", psp_rtcp, "RTCP options"),
    END,
};

static const struct rg_sch_node prof_media[] = {
    LIST_S("codecEntry", 1, 23, codec_entry, "Codec entry"),
    LIST_S("packetServiceProfile", 1, 23, psp, "Packet service profile"),
    END,
};

/* ---- profiles signaling sipAdaptorProfile (model §3) ---- */

ENUM(en_crit_type, "message", "header", "parameter", "token", "variable", "globalVariable",
     "messageBody");
ENUM(en_msg_types, "all", "request", "response");
ENUM(en_methods, "all", "invite", "ack", "bye", "cancel", "options", "register", "info", "prack",
     "update", "refer", "notify", "subscribe", "message", "publish");
ENUM(en_cond, "exist", "absent", "regex-match", "regex-notmatch");
ENUM(en_num_match, "match", "notMatch");
ENUM(en_action_type, "header", "parameter", "token", "variable", "globalVariable", "messageBody",
     "message");
ENUM(en_op, "add", "delete", "modify", "store", "append", "addDigits", "createuri", "regappend",
     "regdel", "regprepend", "regstore", "regsub");
ENUM(en_operand, "value", "header", "parameter", "token", "variable", "globalVariable",
     "messageBody");
ENUM(en_body_value, "all", "sdp", "first");
ENUM(en_instance, "all", "first", "second", "third", "fourth", "fifth", "last");
ENUM(en_one_all, "one", "all");
ENUM(en_profile_type, "messageManipulation", "flexiblePolicy");

static const struct rg_sch_node crit_regexp[] = {
    L_ENUM("numMatch", en_num_match, "match", "Match or not match"),
    LEAF("string", RG_TY_REGEX, 1, 128, NULL, NULL, NULL, "Regular expression (PCRE2)"),
    END,
};

static const struct rg_sch_node crit_message[] = {
    LEAF("messageTypes", RG_TY_ENUMLIST, 0, 3, &en_msg_types, NULL, NULL,
         "Message types: all, request, response"),
    LEAF("methodTypes", RG_TY_ENUMLIST, 0, 15, &en_methods, NULL, NULL, "Request methods"),
    L_INT("statusCode", 100, 699, NULL, "Response status code (responses only)"),
    L_ENUM("condition", en_cond, "exist", "Condition"),
    END,
};

static const struct rg_sch_node crit_header[] = {
    L_STR("name", 1, 64, NULL, "Header name"),
    L_ENUM("condition", en_cond, "exist", "Condition"),
    L_ENUM("hdrInstance", en_instance, "all", "Header instance"),
    CONT("regexp", crit_regexp, "Regular expression"),
    END,
};

static const struct rg_sch_node crit_body[] = {
    L_ENUM("condition", en_cond, "exist", "Condition"),
    L_ENUM("messageBodyType", en_body_value, "all", "Body selection"),
    CONT("regexp", crit_regexp, "Regular expression"),
    END,
};

static const struct rg_sch_node criterion[] = {
    L_ENUM("type", en_crit_type, NULL, "Criterion type"),
    CONT("message", crit_message, "Message criterion"),
    CONT("header", crit_header, "Header criterion"),
    CONT("messageBody", crit_body, "Message body criterion"),
    END,
};

static const struct rg_sch_node act_from[] = {
    L_ENUM("type", en_operand, NULL, "Source type"),
    L_STR("value", 0, 1024, NULL, "Literal value (kept as typed; \\r\\n interpreted by SMM)"),
    L_STR("headerName", 1, 64, NULL, "Header name"),
    L_ENUM("messageBodyValue", en_body_value, "all", "Body selection"),
    END,
};

static const struct rg_sch_node act_regexp[] = {
    L_ENUM("matchInstance", en_instance, "all", "Which matches"),
    LEAF("string", RG_TY_REGEX, 1, 128, NULL, NULL, NULL, "Regular expression (PCRE2)"),
    END,
};

static const struct rg_sch_node action[] = {
    L_ENUM("type", en_action_type, NULL, "Action type"),
    L_ENUM("operation", en_op, NULL, "Operation"),
    CONT("from", act_from, "Source operand"),
    CONT("to", act_from, "Target operand"),
    CONT("regexp", act_regexp, "Regular expression"),
    END,
};

static const struct rg_sch_node smm_rule[] = {
    L_ENUM("applyMatchHeader", en_one_all, "one", "Apply to one or all matched instances"),
    LIST_I("criterion", 1, 20, criterion, "Criterion (all must match)"),
    LIST_I("action", 1, 128, action, "Action (run in ascending order)"),
    END,
};

static const struct rg_sch_node sip_adaptor[] = {
    L_ENUM("state", en_ed, "disabled", "Administrative state"),
    L_ENUM("profileType", en_profile_type, "messageManipulation", "Profile type"),
    LIST_I("rule", 1, 10000, smm_rule, "Rule (run in ascending order)"),
    END,
};

static const struct rg_sch_node prof_signaling[] = {
    LIST_S("sipAdaptorProfile", 1, 23, sip_adaptor, "SIP adaptor (SMM) profile"),
    END,
};

static const struct rg_sch_node profiles[] = {
    CONT("media", prof_media, "Media profiles"),
    CONT("security", prof_security, "Security profiles"),
    CONT("signaling", prof_signaling, "Signalling profiles"),
    END,
};

/* ---- system ---- */

ENUM(en_cert_type, "local", "remote", "localInternal");

/* Leaf order as the seed's `show configuration system security pki certificate`. */
static const struct rg_sch_node certificate[] = {
    L_ENUM("state", en_ed, "disabled", "Administrative state"),
    L_STR("fileName", 1, 255, NULL, "PKCS#12 file in STATE/certs/"),
    LEAF("passPhrase", RG_TY_SECRET, 0, 255, NULL, NULL, NULL, "PKCS#12 passphrase (stored $7$)"),
    L_ENUM("type", en_cert_type, "local", "Certificate type"),
    END,
};

static const struct rg_sch_node pki[] = {
    LIST_S("certificate", 1, 23, certificate, "Certificate"),
    END,
};

static const struct rg_sch_node security[] = {
    CONT("pki", pki, "Public key infrastructure"),
    END,
};

static const struct rg_sch_node port_range[] = {
    L_INT("min", 1024, 65534, "20000", "Lowest media port"),
    L_INT("max", 1025, 65535, "30000", "Highest media port"),
    END,
};

static const struct rg_sch_node sys_media[] = {
    LEAF("mediaAddress", RG_TY_IP, 0, 0, NULL, NULL, "127.0.0.1", "Local media IP address"),
    LEAF("mediaAddressV6", RG_TY_IP, 0, 0, NULL, NULL, NULL, "Local IPv6 media address"),
    CONT("mediaPortRange", port_range, "Media UDP port range"),
    END,
};

static const struct rg_sch_node ng_control[] = {
    LEAF("address", RG_TY_IP, 0, 0, NULL, NULL, "127.0.0.1", "ng control listen address"),
    L_INT("port", 1, 65535, "2223", "ng control UDP port"),
    L_ENUM("state", en_ed, "disabled", "Serve the rtpengine-compatible ng protocol"),
    END,
};

ENUM(en_level, "error", "warn", "notice", "info", "debug", "trace");

static const struct rg_sch_node log_levels[] = {
#define RG_X(n, d) L_ENUM(#n, en_level, "notice", "Log level: " d),
    RG_LOG_SUBSYS_LIST(RG_X)
#undef RG_X
    END,
};

ENUM(en_log_dest, "stderr", "syslog");

static const struct rg_sch_node logging[] = {
    L_ENUM("destination", en_log_dest, "stderr", "Where log lines go"),
    CONT("level", log_levels, "Level per subsystem"),
    END,
};

static const struct rg_sch_node sys[] = {
    CONT("logging", logging, "Logging"),
    CONT("media", sys_media, "Media engine addresses and ports"),
    CONT("ngControl", ng_control, "ng control protocol listener"),
    CONT("security", security, "Security"),
    END,
};

static const struct rg_sch_node root_kids[] = {
    LIST_S("addressContext", 1, 23, address_context, "Address context"),
    CONT("global", global, "Global objects (routing)"),
    CONT("profiles", profiles, "Profiles"),
    CONT("system", sys, "System"),
    END,
};

static const struct rg_sch_node root = CONT("", root_kids, "configuration root");

const struct rg_sch_node *rg_sch_root(void)
{
    return &root;
}

size_t rg_sch_nkids(const struct rg_sch_node *n)
{
    size_t i = 0;
    while (n->kids && n->kids[i].name)
        i++;
    return i;
}

enum rg_sch_match rg_sch_child(const struct rg_sch_node *n, struct rg_str tok,
                               const struct rg_sch_node **out)
{
    const struct rg_sch_node *hit = NULL;
    size_t nhits = 0;
    if (tok.len == 0 || !n->kids)
        return RG_SCH_NONE;
    for (const struct rg_sch_node *k = n->kids; k->name; k++) {
        if (rg_str_eq_cstr(tok, k->name)) {
            *out = k;
            return RG_SCH_UNIQUE;
        }
        if (strlen(k->name) > tok.len && memcmp(k->name, tok.p, tok.len) == 0) {
            hit = k;
            nhits++;
        }
    }
    if (nhits == 1) {
        *out = hit;
        return RG_SCH_UNIQUE;
    }
    return nhits ? RG_SCH_AMBIGUOUS : RG_SCH_NONE;
}

enum rg_sch_match rg_sch_enum_match(const struct rg_sch_enum *en, struct rg_str tok,
                                    const char **out)
{
    const char *hit = NULL;
    size_t nhits = 0;
    if (!en || tok.len == 0)
        return RG_SCH_NONE;
    for (const char *const *v = en->values; *v; v++) {
        if (rg_str_eq_cstr(tok, *v)) {
            *out = *v;
            return RG_SCH_UNIQUE;
        }
    }
    for (const char *const *a = en->aliases; a && a[0]; a += 2) {
        if (rg_str_eq_cstr(tok, a[0])) {
            *out = a[1];
            return RG_SCH_UNIQUE;
        }
    }
    for (const char *const *v = en->values; *v; v++) {
        if (strlen(*v) > tok.len && memcmp(*v, tok.p, tok.len) == 0) {
            hit = *v;
            nhits++;
        }
    }
    if (nhits == 1) {
        *out = hit;
        return RG_SCH_UNIQUE;
    }
    return nhits ? RG_SCH_AMBIGUOUS : RG_SCH_NONE;
}
