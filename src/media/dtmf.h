/*
 * dtmf.h — RFC 4733 telephone-event payloads and their relay between legs.
 *
 * rg_dtmf_parse/build handle the 4-byte event payload (RFC 4733 §2.3:
 * event, E bit, R bit, 6-bit volume, 16-bit duration).
 *
 * struct rg_dtmf_relay turns the event packets of one leg into the event
 * packets of the other:
 *   - the output uses the OUTPUT leg's telephone-event payload type, never
 *     the audio (e.g. Opus) one;
 *   - durations are converted between the two telephone-event clocks
 *     (48000 for a browser leg with Opus, 8000 for a SIP leg with G.711),
 *     RFC 4733 §2.5.1.2;
 *   - the event timestamp is rebased onto the output stream's own timeline
 *     (the RTP timestamp the next outgoing audio packet would carry when
 *     the event starts), so it lines up with the output audio;
 *   - events longer than 0xFFFF output units are split into segments
 *     (§2.5.1.3), and input segments are joined;
 *   - the end of an event is sent three times (§2.5.1.4), incoming
 *     retransmissions are absorbed, stale (reordered) updates dropped.
 * While an event is active the caller suppresses the other audio of the
 * same direction (rg_dtmf_relay_active).  Digits are also reported to the
 * caller when the configured mode asks for out-of-band signalling.
 * Sans-IO; owned and used by one thread; no allocation.
 */
#ifndef RG_MEDIA_DTMF_H
#define RG_MEDIA_DTMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/str.h"

#define RG_DTMF_PAYLOAD_LEN 4
/* Most packets one input packet can produce (end x3 of a previous event,
 * output segment rollovers and the new packet). */
#define RG_DTMF_MAX_OUT 12
#define RG_DTMF_MAX_DIGITS 16

struct rg_dtmf_event {
    uint8_t event;     /* 0-9, 10 '*', 11 '#', 12-15 A-D (RFC 4733 §3.2) */
    bool end;          /* E bit */
    uint8_t volume;    /* 0..63, -dBm0 */
    uint16_t duration; /* in the stream's clock units */
};

/* Parses a telephone-event payload (len must be a multiple of 4, >= 4; only
 * the first event is used).  RG_OK or RG_EBADMSG. */
RG_MUST_CHECK int rg_dtmf_parse(const uint8_t *p, size_t len, struct rg_dtmf_event *out);
/* Writes 4 bytes; returns 4 or RG_ELIMIT / RG_EINVAL (volume > 63). */
RG_MUST_CHECK int rg_dtmf_build(const struct rg_dtmf_event *e, uint8_t *out, size_t out_max);
/* '0'..'9', '*', '#', 'A'..'D' for events 0..15, else '?'. */
char rg_dtmf_event_char(uint8_t event);

/* codecEntry "dtmf relay <mode>" (vendor-config-model §2.6). */
enum rg_dtmf_mode {
    RG_DTMF_RFC2833 = 0,  /* relay as RFC 4733 events */
    RG_DTMF_NONE,         /* drop events (in-band audio, if any, passes) */
    RG_DTMF_OOB,          /* report digits to the caller only */
    RG_DTMF_BOTH,         /* relay and report (bothOobAnd2833) */
    RG_DTMF_EITHER,       /* relay when the output leg has telephone-event, else report */
};
/* Parses the vendor names ("rfc2833", "none", "outOfBand", "bothOobAnd2833",
 * "eitherOobOrRfc2833"); RG_OK or RG_ENOTFOUND. */
RG_MUST_CHECK int rg_dtmf_mode_parse(struct rg_str s, enum rg_dtmf_mode *out);

struct rg_dtmf_out_pkt {
    uint32_t ts;     /* output stream timeline */
    bool marker;     /* first packet of an event (RFC 4733 §2.5.1.1) */
    uint8_t payload[RG_DTMF_PAYLOAD_LEN];
};

struct rg_dtmf_digit {
    uint8_t event;
    uint32_t duration_ms;
};

struct rg_dtmf_relay {
    unsigned in_clock_hz, out_clock_hz;
    bool relay, report;
    /* current event */
    bool active, ended;
    uint8_t event, volume;
    uint32_t in_ts;        /* input timestamp of the current input segment */
    uint64_t in_base;      /* input units of earlier input segments */
    uint64_t in_dur;       /* total input duration seen so far */
    uint32_t out_start_ts; /* output timestamp of the event start */
    uint64_t out_seg_off;  /* output units before the current output segment */
    /* digits for out-of-band reporting */
    struct rg_dtmf_digit digits[RG_DTMF_MAX_DIGITS];
    unsigned n_digits;
    unsigned long dropped; /* stale, duplicate or unusable packets */
};

/* relay: emit RFC 4733 packets; report: queue digits for rg_dtmf_relay_pop_digit. */
void rg_dtmf_relay_init(struct rg_dtmf_relay *r, unsigned in_clock_hz, unsigned out_clock_hz,
                        bool relay, bool report);
/* Feeds one input event packet.  out_now_ts: the output stream timestamp
 * where a new event would start.  Writes up to RG_DTMF_MAX_OUT packets to
 * out[] and returns their count, or RG_EBADMSG for a bad payload. */
RG_MUST_CHECK int rg_dtmf_relay_input(struct rg_dtmf_relay *r, uint32_t in_ts,
                                      const uint8_t *payload, size_t len, uint32_t out_now_ts,
                                      struct rg_dtmf_out_pkt out[RG_DTMF_MAX_OUT]);
/* Ends an event whose end packets never came (caller's timeout): writes the
 * three end packets; returns their count (0 when no event is active). */
int rg_dtmf_relay_flush(struct rg_dtmf_relay *r, struct rg_dtmf_out_pkt out[RG_DTMF_MAX_OUT]);
/* True while an event is in progress (audio should be suppressed). */
bool rg_dtmf_relay_active(const struct rg_dtmf_relay *r);
/* Oldest reported digit; RG_OK or RG_ENOTFOUND. */
RG_MUST_CHECK int rg_dtmf_relay_pop_digit(struct rg_dtmf_relay *r, struct rg_dtmf_digit *out);

/* Low/high frequencies (Hz) of a DTMF event (ITU-T Q.23); RG_OK or RG_EINVAL. */
RG_MUST_CHECK int rg_dtmf_freqs(uint8_t event, unsigned *low_hz, unsigned *high_hz);

#endif
