/*
 * plc.h — waveform packet-loss concealment for codecs without their own
 * (G.711, G.722), in the manner of ITU-T G.711 Appendix I: the pitch period
 * of the last 20 ms is estimated (AMDF), lost audio is synthesised by
 * repeating the last period, full level for the first 10 ms then fading
 * linearly to silence at 60 ms, and the first good frame after a loss is
 * cross-faded with the synthetic continuation over a quarter period.
 * Works at 8 or 16 kHz.  Plain struct, no allocation, one thread.
 */
#ifndef RG_MEDIA_PLC_H
#define RG_MEDIA_PLC_H

#include <stddef.h>
#include <stdint.h>

#define RG_PLC_MAX_RATE 16000
#define RG_PLC_HIST (RG_PLC_MAX_RATE * 40 / 1000)   /* 40 ms */
#define RG_PLC_PITCH_MAX (RG_PLC_MAX_RATE / 66)     /* lowest pitch 66 Hz */

struct rg_plc {
    unsigned rate;
    size_t hist_len;
    int16_t hist[RG_PLC_HIST];        /* newest sample last */
    int16_t pbuf[RG_PLC_PITCH_MAX];   /* the period being repeated */
    unsigned pitch, pos;
    unsigned long missing;            /* samples concealed in this loss run */
};

/* rate: 8000 or 16000 (others are clamped to the nearest). */
void rg_plc_init(struct rg_plc *p, unsigned rate);
/* Records a decoded frame (after a loss, cross-fades its start in place). */
void rg_plc_good(struct rg_plc *p, int16_t *pcm, size_t n);
/* Writes n samples of concealment. */
void rg_plc_conceal(struct rg_plc *p, int16_t *out, size_t n);

#endif
