/*
 * jitter.h — a small adaptive jitter buffer for transcoded streams.
 *
 * Holds the RTP payloads of one incoming stream and releases them in
 * sequence order at their playout time.  Playout time of a timestamp T is
 * t_ref + (T - ts_ref) / clock, where the reference is fixed when playout
 * (re)starts — at the first packet, at a talkspurt start (marker bit, RFC
 * 3551 §4.1) that finds the buffer empty, and after a silence — as
 * arrival time + target delay.  The target follows the measured jitter
 * (an RFC 3550 A.8 style running mean of |transit difference|): about
 * three mean deviations plus one frame, raised after late packets,
 * bounded to [min_ms, max_ms] (default 20..200 ms).  Increases apply at
 * once (playout pauses, nothing is dropped); decreases apply one frame
 * per 50 packets played, or at the next restart.
 *
 * rg_jb_pop says, for the current time, what the decoder must do next:
 *   RG_JB_PACKET  decode this packet;
 *   RG_JB_LOST    a packet is missing and later ones exist: conceal its
 *                 frame, using .fec (the next packet) for in-band FEC;
 *   RG_JB_UNDERRUN nothing arrived in time: conceal one frame without
 *                 consuming a sequence number (DTX or a delay spike);
 *   RG_JB_NONE    nothing due now (or silence after max_conceal_ms).
 * Duplicates, packets behind the playout point and packets too far ahead
 * (a sequence jump resynchronises) are dropped and counted.  The caller
 * reports each frame's length in timestamp units with rg_jb_played so
 * missing packets and underruns advance the playout point correctly.
 * Sans-IO: time comes in as now_us.  Each of the RG_JB_SLOTS slots owns a
 * payload buffer grown (in 64-byte steps, up to max_payload) to the largest
 * packet it has held and reused after that, so memory follows the real
 * packet sizes (a few KiB for telephony Opus) with no allocation in steady
 * state.  Owned by the caller; one thread.
 */
#ifndef RG_MEDIA_JITTER_H
#define RG_MEDIA_JITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define RG_JB_SLOTS 32
#define RG_JB_MIN_MS 20
#define RG_JB_MAX_MS 200
/* Concealment stops (silence) after this many ms without any packet. */
#define RG_JB_MAX_CONCEAL_MS 100

enum rg_jb_result { RG_JB_NONE = 0, RG_JB_PACKET, RG_JB_LOST, RG_JB_UNDERRUN };

struct rg_jb_cfg {
    unsigned clock_hz;      /* RTP clock of the stream */
    unsigned frame_ms;      /* expected packet time (used until packets tell) */
    unsigned min_ms, max_ms;/* target delay bounds; 0 = defaults */
    size_t max_payload;     /* largest payload stored; bigger ones are dropped */
};

struct rg_jb_pkt {
    const uint8_t *payload; /* owned by the buffer, valid until the next push/pop */
    size_t len;
    uint32_t ts;
    uint16_t seq;
    uint8_t pt;
    bool marker;
    bool resync;            /* first packet after a (re)start: timeline jumped */
};

struct rg_jb_stats {
    unsigned long pushed, played, lost, underruns, late, duplicate, too_big, resyncs, nomem;
    unsigned target_ms;
    unsigned jitter_us;
};

struct rg_jb_slot {
    uint8_t *buf;     /* owned, cap bytes */
    uint16_t cap;
    bool used;
    bool marker;
    uint8_t pt;
    uint16_t seq;
    uint32_t ts;
    uint16_t len;
};

struct rg_jb {
    struct rg_jb_cfg cfg;
    struct rg_jb_slot slot[RG_JB_SLOTS];
    unsigned count;
    bool started, silent, resync_pending;
    uint16_t next_seq;
    uint32_t play_ts;        /* timestamp of the next frame to play */
    uint32_t frame_ts;       /* last frame length in timestamp units */
    int64_t t_ref_us;        /* playout time of ts_ref */
    uint32_t ts_ref;
    int64_t last_arrival_us; /* for silence detection */
    int64_t conceal_us;      /* concealed time since the last real packet */
    /* jitter estimate */
    bool have_transit;
    uint32_t prev_ts;
    int64_t jitter_q4_us;    /* mean |D| * 16, microseconds */
    int64_t late_boost_us;
    unsigned target_us;      /* wanted delay */
    unsigned applied_us;     /* delay in effect in the t_ref mapping */
    unsigned since_adapt;    /* packets played since the last decrease check */
    struct rg_jb_stats st;
};

/* RG_OK or RG_EINVAL on a bad config (allocates nothing yet). */
RG_MUST_CHECK int rg_jb_init(struct rg_jb *jb, const struct rg_jb_cfg *cfg);
void rg_jb_deinit(struct rg_jb *jb);
/* Stores a packet (payload copied).  Returns RG_OK, or RG_ELIMIT (too
 * big), RG_EEXIST (duplicate), RG_ETIMEDOUT (late), RG_ENOMEM: all
 * counted, the packet dropped (and later concealed). */
int rg_jb_push(struct rg_jb *jb, uint16_t seq, uint32_t ts, uint8_t pt, bool marker,
               const uint8_t *payload, size_t len, int64_t now_us);
/* What to do at now_us (see above).  *pkt is written for PACKET; for LOST
 * *fec is the next packet when present (fec->payload NULL otherwise). */
enum rg_jb_result rg_jb_pop(struct rg_jb *jb, int64_t now_us, struct rg_jb_pkt *pkt,
                            struct rg_jb_pkt *fec);
/* The frame just returned (or concealed) lasted dur_ts timestamp units. */
void rg_jb_played(struct rg_jb *jb, uint32_t dur_ts);
/* Earliest time pop may return something other than NONE; INT64_MAX when idle. */
int64_t rg_jb_next_us(const struct rg_jb *jb);
/* Expected frame length in timestamp units (for concealment sizes). */
uint32_t rg_jb_frame_ts(const struct rg_jb *jb);
void rg_jb_get_stats(const struct rg_jb *jb, struct rg_jb_stats *out);

#endif
