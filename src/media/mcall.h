/*
 * mcall.h — the media engine's call: streams relayed between two legs, sans-IO.
 *
 * A struct rg_mcall is one call as the ng protocol sees it (call-id,
 * from-tag, to-tag).  Each m= line of the SDP becomes a struct rg_mstream
 * with two sides: side 0 faces the offerer ("from-tag"), side 1 the
 * answerer.  A side (struct rg_mside) is everything rtcgate does toward one
 * peer on one m= line: its local socket(s), the transport the peer speaks
 * (plain RTP/AVP, UDP/TLS/RTP/SAVP(F) with DTLS-SRTP, or RTP/SAVP(F) with
 * SDES a=crypto keys, RFC 4568), an ICE agent when
 * the peer does ICE, a DTLS association and SRTP sessions, and the remote
 * address the media goes to.
 *
 * Packet path (rg_mcall_handle_datagram): a datagram that arrived on one of
 * the call's sockets is classified by its first byte (RFC 7983): STUN goes
 * to the side's ICE agent, DTLS to its association, RTP/RTCP is checked
 * (source passed ICE, or equals the signalled address: no latching, so RTP
 * Bleed and RTP Inject are impossible), SRTP-unprotected when the side is
 * secure, then protected for the other side when that one is secure, and
 * queued toward the other side's media path (ICE selected pair with live
 * consent, or the signalled address).  Everything to send is queued in the
 * call and drained by the caller with rg_mcall_poll_transmit.
 *
 * Time is now_us (monotonic µs) from the caller; randomness and sockets come
 * through struct rg_mcall_env.  One thread (the owning media loop) uses a
 * call.  Ownership: rg_mcall_create returns an owned call (rg_mcall_destroy
 * closes its sockets through env->ports).
 */
#ifndef RG_MEDIA_MCALL_H
#define RG_MEDIA_MCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/str.h"
#include "proto/dtls/dtls_conn.h"
#include "proto/ice/ice.h"
#include "media/mcodec.h"
#include "media/policer.h"
#include "proto/srtp/srtp_ctx.h"

#define RG_MCALL_MAX_STREAMS 8
#define RG_MCALL_ID_MAX 256
#define RG_MCALL_TAG_MAX 128
/* Transmit ring: 16 x ~1.5 kB per call.  The engine drains it every
 * RG_MCALL_TX_SLOTS / 2 relayed datagrams and after each wake-up, so half the
 * ring is always free for an ICE/DTLS burst (a DTLS flight is <= 6 datagrams);
 * 64 slots made the ring 97 kB, the bulk of a call's memory. */
#define RG_MCALL_TX_SLOTS 16
#define RG_MCALL_MAX_PACKET 1500
/* How long after an SDP a non-ICE leg may latch to a NATed source. */
#define RG_MCALL_LATCH_WINDOW_US 10000000

/* Sockets come from the owning loop: open binds a UDP socket on ip (a port
 * from the configured range; rtp_even asks for an even port with the next
 * one free as well when want_pair) and returns its handle (an fd). */
struct rg_mports {
    int (*open)(void *ud, const struct rg_addr *ip, bool want_pair, int fds[2],
                struct rg_addr bound[2]);
    void (*close)(void *ud, int fd);
    void *ud;
};

/* One DTLS profile of the engine (`profiles security dtlsProfile NAME`):
 * its context (versions, ciphers, handshake timer, certificate) and the
 * fingerprint of that certificate (RFC 8122 §5). */
struct rg_mdtls_prof {
    struct rg_dtls_ctx *ctx;
    struct rg_dtls_fp fp;
};

/* What every call of one loop shares. */
struct rg_mcall_env {
    const struct rg_rng *rng;
    const struct rg_log *log;
    struct rg_mports ports;
    struct rg_dtls_ctx *dtls;         /* shared DTLS context (profile + cert) */
    struct rg_dtls_fp local_fp;       /* a=fingerprint of our certificate */
    /* Further DTLS profiles a side may use instead (a trunk group's
     * dtlsProfileName); struct rg_mside_req picks one by 1-based index. */
    const struct rg_mdtls_prof *dtls_profs;
    unsigned n_dtls_profs;
    struct rg_addr media_ip;          /* address advertised and bound */
    struct rg_addr media_ip6;         /* second family for ICE host candidates, or RG_AF_NONE */
    /* The loop's share of the aggregate STUN and DTLS policers (vendor
     * getAggrPolicers "STUN"/"DTLS"); NULL = no policing.  STUN from a
     * source matching the peer's candidates (iceSourceAddressFilterPriority,
     * prefix srflx_prefix for IPv4 server-reflexive) is not policed. */
    struct rg_policer *stun_policer, *dtls_policer;
    unsigned srflx_prefix;
};

enum rg_mtransport {
    RG_MT_RTP_AVP = 0,  /* plain RTP */
    RG_MT_DTLS_SRTP,    /* UDP/TLS/RTP/SAVP(F): DTLS-SRTP (RFC 5764) */
    RG_MT_SDES_SRTP,    /* RTP/SAVP(F) with a=crypto: SDES-SRTP (RFC 4568) */
};

/* SDES suites we offer toward one side (one a=crypto line each, tags 1..n). */
#define RG_MSIDE_SDES_MAX 4

enum rg_mice { RG_MICE_NONE = 0, RG_MICE_LITE, RG_MICE_FULL };

/* How one side is to be presented toward its peer (from ng flags or the
 * trunk group configuration). */
struct rg_mside_plan {
    uint8_t transport;  /* enum rg_mtransport */
    bool avpf;          /* profile ends in F (SAVPF/AVPF) */
    uint8_t ice;        /* enum rg_mice */
    bool rtcp_mux;      /* offer/accept rtcp-mux (RFC 5761) */
    bool dtls_passive;  /* when answering a DTLS actpass offer: be passive */
    bool ip6;           /* media on the IPv6 media address (ng "address family" IP6) */
    struct rg_addr advertise; /* address written in c= instead of the socket's (ng
                                 "media address"), or RG_AF_NONE */
};

/* A request to present a side differently from the side the SDP came from
 * (ng flags); each field is -1 when not requested. */
struct rg_mside_req {
    int8_t transport;    /* enum rg_mtransport */
    int8_t avpf;
    int8_t ice;          /* enum rg_mice */
    int8_t rtcp_mux;
    int8_t dtls_passive;
    int8_t ip6;
    /* RFC 9143: group this side's m= lines with BUNDLE when rtcgate offers
     * toward it: 1 yes, 0 no, -1 the engine default (yes toward a WebRTC
     * side: DTLS-SRTP with ICE and rtcp-mux).  Positional initialisers
     * that stop before it leave it 0. */
    int8_t bundle;
    /* RFC 8445 §2.5: 1 = rtcgate's agent toward the side the SDP comes
     * from is ICE-lite (its answer carries a=ice-lite) although that
     * sender does full ICE (a trunk group with iceWebrtc).  Taken from the
     * first offer only; anything else: an agent as the SDP implies. */
    int8_t from_ice_lite;
    /* DTLS profile of the side receiving this SDP (dtls_prof) and of the
     * side it comes from (from_dtls_prof): 0 = env->dtls / env->local_fp,
     * k = env->dtls_profs[k - 1]; an index beyond the table is the default.
     * Taken when a stream is created (first offer) only. */
    uint8_t dtls_prof, from_dtls_prof;
    struct rg_addr advertise; /* RG_AF_NONE: not requested */
    struct rg_addr sig_src;   /* where the SDP's SIP message came from (ng
                                 "received-from"), RG_AF_NONE: unknown */
    /* Codec changes (ng codec flags, a packet service profile's codec
     * entries); all-zero = none: the offer's codecs pass and the stream is
     * relayed (media/mcodec.h, mcall_xc.c). */
    struct rg_mcodec_req codecs;
};

/* Counters of one side (monotonic since the side was created). */
struct rg_mside_stats {
    uint64_t pkts_in, bytes_in, pkts_out, bytes_out;
    uint64_t rtcp_in, rtcp_out;
    uint64_t drop_source;  /* RTP/RTCP from an address that did not pass ICE / not signalled */
    uint64_t drop_srtp;    /* SRTP authentication or replay failures */
    uint64_t drop_nokeys;  /* media before DTLS finished, or no destination yet */
    uint64_t drop_demux;   /* RTP on a shared (BUNDLE) transport that matches no m= line
                              of the group by MID, SSRC or payload type (RFC 9143 §9.2) */
    uint64_t stun_in, dtls_in;
    uint64_t stun_policed, dtls_policed; /* discarded by the aggregate policers */
    uint64_t dtls_rejected;    /* DTLS input refused (association failed or closed) */
    uint32_t cands_skipped;    /* remote candidates not usable (TCP, mDNS, duplicates) */
    /* Codec this side's peer uses ("PCMU/8000"; "" until an answer), and
     * whether the stream is transcoded (mcall_xc.c). */
    char codec[32];
    bool transcoded;
    uint64_t plc_frames;       /* transcoded: frames concealed toward this side */
};

enum rg_mside_dtls_state { RG_MDTLS_NONE = 0, RG_MDTLS_HANDSHAKE, RG_MDTLS_UP, RG_MDTLS_FAILED };

struct rg_mside {
    struct rg_mside_plan plan;
    /* local */
    int fd_rtp, fd_rtcp;          /* fd_rtcp == -1 with rtcp-mux */
    struct rg_addr local_rtp, local_rtcp;
    int fd_alt;                   /* ICE only: a host candidate of the other family, or -1 */
    struct rg_addr local_alt;
    /* remote, from the peer's SDP */
    bool remote_known;
    bool remote_mux;              /* the peer agreed to rtcp-mux */
    struct rg_addr remote_rtp, remote_rtcp;
    uint8_t remote_ice;           /* enum rg_mice the peer does */
    uint8_t remote_setup;         /* enum rg_sdp_setup the peer sent, 0 = none */
    char remote_ufrag[RG_ICE_CRED_MAX + 1]; /* to notice the peer's ICE restart */
    char remote_tls_id[256];      /* RFC 8842 */
    /* Latching on non-ICE legs (see mcall.c source_ok): one move of the
     * remote address, before latch_until_us, to a source whose IP is the
     * signalled one or the leg's SIP signalling source. */
    struct rg_addr sig_src;       /* SIP source of this leg's SDP, RG_AF_NONE if unknown */
    int64_t latch_until_us;
    bool latched;
    uint64_t latches;
    /* ICE */
    struct rg_ice_agent *ice;
    /* DTLS-SRTP */
    struct rg_dtls_conn *dtls;
    struct rg_dtls_ctx *dtls_ctx;       /* this side's DTLS profile (never NULL once created) */
    const struct rg_dtls_fp *local_fp;  /* fingerprint written in its a=fingerprint */
    uint8_t dtls_role;            /* enum rg_dtls_role, 0 until known */
    bool dtls_deferred;           /* client role: start once ICE has a path */
    uint8_t dtls_state;           /* enum rg_mside_dtls_state */
    struct rg_dtls_fp remote_fp;
    bool has_remote_fp;
    char dtls_fail[128];
    struct rg_srtp *srtp_in, *srtp_out;
    uint16_t srtp_profile;        /* enum rg_srtp_profile once keyed */
    /* SDES-SRTP (RFC 4568): our keys (offered, tags sdes_local_tag[]; after
     * the answer only the accepted one, at index 0), the peer's key in use
     * and the accepted tag (0 until negotiated). */
    struct rg_srtp_key sdes_local[RG_MSIDE_SDES_MAX];
    uint32_t sdes_local_tag[RG_MSIDE_SDES_MAX];
    uint8_t n_sdes_local;
    struct rg_srtp_key sdes_remote;
    uint32_t sdes_tag;
    struct rg_mside_stats st;
};

#define RG_MSTREAM_MAX_PT 32
#define RG_MSTREAM_MAX_SSRC 4

struct rg_mxc;

struct rg_mstream {
    char media[16];               /* "audio", "video" */
    char mid[32];
    struct rg_mside side[2];
    /* BUNDLE offered toward side k and not answered yet: each member keeps
     * its own transport until the answer names the tagged one (RFC 9143
     * §7.2, mcall_bundle.c). */
    bool bundle_offer[2];
    /* id of the RTP MID header extension (RFC 9143 §15.2) in use toward /
     * from side k, 0 = none. */
    uint8_t mid_ext[2];
    /* RFC 9143 §9.2 routing tables of a shared transport: SSRCs side k
     * sends on this m= line, and SSRCs relayed toward side k from it (the
     * most recent RG_MSTREAM_MAX_SSRC; the oldest makes room). */
    uint32_t ssrc_in[2][RG_MSTREAM_MAX_SSRC], ssrc_out[2][RG_MSTREAM_MAX_SSRC];
    uint8_t n_ssrc_in[2], n_ssrc_out[2];
    /* BUNDLE (RFC 9143): per side, the stream whose side owns the transport
     * this side uses (its own index when not bundled). */
    uint8_t transport_of[2];
    /* payload types of the m= line: how RTP on a shared transport finds its
     * stream (RFC 9143 §9.2 requires them distinct across a bundle) */
    uint8_t pt[RG_MSTREAM_MAX_PT];
    uint8_t n_pt;
    /* Codec negotiation and transcoders (mcall_xc.c); NULL when the stream
     * is relayed untouched. */
    struct rg_mxc *xc;
};

struct rg_mtx {
    int fd;
    struct rg_addr dest;
    uint16_t len;
    uint8_t data[RG_MCALL_MAX_PACKET];
};

struct rg_mcall {
    const struct rg_mcall_env *env;
    void *user;                   /* the owning loop's data; untouched here */
    char call_id[RG_MCALL_ID_MAX + 1];
    char tag[2][RG_MCALL_TAG_MAX + 1]; /* from-tag, to-tag */
    bool answered;
    int64_t created_us;
    uint64_t sdp_version[2];
    uint64_t sdp_sess_id;
    struct rg_mstream stream[RG_MCALL_MAX_STREAMS];
    unsigned n_streams;
    /* transmit ring */
    struct rg_mtx tx[RG_MCALL_TX_SLOTS];
    unsigned tx_head, tx_count;
    uint64_t tx_overflow;
};

/* Creates an empty call.  call_id and from_tag are copied (RG_ELIMIT when
 * too long).  Returns RG_OK and *out (owned), RG_ENOMEM. */
RG_MUST_CHECK int rg_mcall_create(const struct rg_mcall_env *env, struct rg_str call_id,
                                  struct rg_str from_tag, int64_t now_us, struct rg_mcall **out);
/* Closes every socket, frees every agent, association and session. */
void rg_mcall_destroy(struct rg_mcall *c);

/* Offer/answer (RFC 3264) through the call: `side` is the side the SDP came
 * from (0: the first offerer, 1: its answerer; a re-offer may come from
 * either), is_offer whether it is an offer; the SDP
 * returned in out is for the opposite side, presented like the source side
 * except where `req` asks otherwise (transport toward that side's peer).  The first offer creates the
 * streams and their sockets; a re-offer with new ICE credentials restarts
 * ICE; new DTLS parameters restart DTLS per RFC 8842.  Returns RG_OK,
 * RG_EBADMSG (bad SDP; *why set), RG_EUNSUPP (*why says what), RG_ELIMIT,
 * RG_ENOMEM, RG_EIO (no socket). */
RG_MUST_CHECK int rg_mcall_sdp(struct rg_mcall *c, int64_t now_us, int side, bool is_offer,
                               struct rg_str sdp_in, const struct rg_mside_req *req,
                               struct rg_buf *out, const char **why);
/* A request that changes nothing: every field -1, no addresses, no codec
 * changes.  Start from this rather than memset(-1): `codecs` must be zero. */
void rg_mside_req_keep(struct rg_mside_req *req);
/* Applies req on top of plan (fields that are -1 keep plan's value). */
void rg_mside_plan_apply(struct rg_mside_plan *plan, const struct rg_mside_req *req);

/* A datagram received on fd from `from` (data may be modified in place; cap
 * is its buffer size).  Datagrams not belonging to the call are ignored. */
void rg_mcall_handle_datagram(struct rg_mcall *c, int64_t now_us, int fd,
                              const struct rg_addr *from, uint8_t *data, size_t len);
void rg_mcall_handle_timeout(struct rg_mcall *c, int64_t now_us);
int64_t rg_mcall_next_timeout_us(const struct rg_mcall *c);
/* Next datagram to send: a view valid until the next call on c.  RG_OK or
 * RG_ENOTFOUND. */
RG_MUST_CHECK int rg_mcall_poll_transmit(struct rg_mcall *c, const struct rg_mtx **out);

/* Calls fn for every socket of the call (to register them with a loop). */
void rg_mcall_each_fd(const struct rg_mcall *c, void (*fn)(void *ud, int fd), void *ud);

/* Internal (mcall.c, mcall_sdp.c): creates side s's DTLS association in
 * s->dtls_role now.  RG_OK or an rg_dtls_conn_new error. */
RG_MUST_CHECK int rg__mside_dtls_start(struct rg_mcall *c, struct rg_mside *s, int64_t now_us);

/* Internal (mcall.c, for mcall_xc.c): sends the plain RTP/RTCP packet
 * data[0..len) (cap bytes of room for the SRTP trailer) to side k of
 * stream si, protected when that side is secure; counted on that side. */
void rg__mcall_send(struct rg_mcall *c, unsigned si, int k, uint8_t *data, size_t len,
                    size_t cap, bool rtcp);

/* Short state names for status output. */
const char *rg_mside_ice_state(const struct rg_mside *s);
const char *rg_mside_dtls_state_name(const struct rg_mside *s);

#endif
