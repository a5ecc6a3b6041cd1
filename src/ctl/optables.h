/*
 * optables.h — operational (read-only) tables of the CLI.
 *
 * `show status global callDetailStatus`: one record per call with the
 * seed's field names, in the seed's order and layout.  The B2BUA (a later
 * issue) fills a struct rg_cds_table through rg_cds_put/rg_cds_remove on the
 * control thread; until then the table is empty and the CLI answers
 * "No entries found.".
 *
 * `show table addressContext default ipAccessControlList getAggrPolicers`:
 * the aggregate STUN/DTLS/link policers (media/policer.h) with their live
 * accept/discard counters, in the seed's column layout.
 *
 * Formatters write into a bounded rg_buf and return RG_OK or RG_ELIMIT /
 * RG_ENOMEM.  Tables are owned by the control thread.
 */
#ifndef RG_CTL_OPTABLES_H
#define RG_CTL_OPTABLES_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "media/policer.h"

/* The seed's callDetailStatus fields, in its order, then our extensions
 * (from RG_CDS_FIRST_EXT on; shown only when not empty): the codec each
 * leg's peer uses ("PCMU/8000"), next to mediaType passthru/transcoded. */
#define RG_CDS_FIELDS(X)                                                                           \
    X(mediaStreams) X(state) X(callingNumber) X(calledNumber) X(addressTransPerformed)             \
    X(origCalledNum) X(scenarioType) X(callDuration) X(mediaType) X(associatedGcid1)               \
    X(associatedGcid2) X(associatedGcidLegId1) X(associatedGcidLegId2)                            \
    X(ingressSessionBandwidthkbps) X(egressSessionBandwidthkbps) X(ingressRemoteIpSockAddr)        \
    X(ingressRemotePort) X(egressRemoteIpSockAddr) X(egressRemotePort)                             \
    X(ingressMediaStream1LocalIpSockAddr) X(ingressMediaStream1RemoteIpSockAddr)                   \
    X(egressMediaStream1LocalIpSockAddr) X(egressMediaStream1RemoteIpSockAddr)                     \
    X(ingressMediaStream1Security) X(egressMediaStream1Security) X(ingressMediaStream1Bandwidth)    \
    X(egressMediaStream1Bandwidth) X(ingressMediaStream1IceState) X(egressMediaStream1IceState)    \
    X(ingressDtlsStream1) X(egressDtlsStream1) X(iceCallTypes) X(ingressACName)                    \
    X(ingressZoneName) X(ingressTrunkName) X(egressACName) X(egressZoneName) X(egressTrunkName)   \
    X(ingressMediaStream1Codec) X(egressMediaStream1Codec)

enum rg_cds_field {
#define RG_X(n) RG_CDS_##n,
    RG_CDS_FIELDS(RG_X)
#undef RG_X
    RG_CDS_NFIELDS
};
#define RG_CDS_FIRST_EXT RG_CDS_ingressMediaStream1Codec

#define RG_CDS_VALUE_MAX 128
#define RG_CDS_MAX_CALLS 100000

struct rg_cds_record {
    uint32_t gcid; /* global call id: the list key */
    char val[RG_CDS_NFIELDS][RG_CDS_VALUE_MAX]; /* text; "" shows as "" */
};

struct rg_cds_table {
    struct rg_cds_record *rec; /* owned, sorted by gcid */
    size_t n, cap;
};

const char *rg_cds_field_name(enum rg_cds_field f);
void rg_cds_table_init(struct rg_cds_table *t);
void rg_cds_table_deinit(struct rg_cds_table *t);
/* Inserts or replaces the record with r->gcid (copied). */
RG_MUST_CHECK int rg_cds_put(struct rg_cds_table *t, const struct rg_cds_record *r);
/* RG_OK or RG_ENOTFOUND. */
int rg_cds_remove(struct rg_cds_table *t, uint32_t gcid);

/* Appends the records in the seed's layout ("No entries found." when n is 0):
 *   callDetailStatus 44 {
 *       mediaStreams                        audio;
 *       ingressMediaStream1LocalIpSockAddr  "10.54.45.56/ 1538 (rtcp: 1539)";
 *   }
 * Values that are empty or hold spaces, '/' or ';' are double-quoted. */
RG_MUST_CHECK int rg_cds_format(const struct rg_cds_record *r, size_t n, struct rg_buf *out);

/* One row of getAggrPolicers. */
struct rg_aggr_policer {
    unsigned id;
    const char *type; /* "Link", "StunDtls" */
    const char *zone; /* "-" when none */
    const char *name; /* "STUN" */
    struct rg_policer pol;
};

#define RG_AGGR_COUNT 4
/* The seed's four rows (LINK_pkt0, LINK_pkt1, STUN, DTLS) with its bucket
 * sizes and rates, started at now_us. */
void rg_aggr_init(struct rg_aggr_policer rows[RG_AGGR_COUNT], int64_t now_us);
RG_MUST_CHECK int rg_aggr_format(const struct rg_aggr_policer *rows, size_t n, struct rg_buf *out);

/* `show table system licenseInfo`. */
RG_MUST_CHECK int rg_license_format(struct rg_buf *out);

#endif
