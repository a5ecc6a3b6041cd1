/*
 * g711.h — ITU-T G.711 μ-law and A-law companding.
 *
 * Pure functions on 16-bit linear PCM, following the ITU-T G.711 (11/88)
 * segment rules and the G.191 reference expansion (decoded values are the
 * segment mid-points scaled to 16 bits: μ-law ±32124, A-law ±32256 at full
 * scale).  Thread-safe, no state.  The codec vtables (PCMU, PCMA) built on
 * these live in g711.c and add PLC (media/plc.h, G.711 Appendix I style).
 */
#ifndef RG_MEDIA_G711_H
#define RG_MEDIA_G711_H

#include <stddef.h>
#include <stdint.h>

uint8_t rg_g711_ulaw_encode(int16_t x);
int16_t rg_g711_ulaw_decode(uint8_t code);
uint8_t rg_g711_alaw_encode(int16_t x);
int16_t rg_g711_alaw_decode(uint8_t code);

/* Whole buffers: out[i] = f(in[i]) for i < n. */
void rg_g711_ulaw_encode_buf(const int16_t *in, size_t n, uint8_t *out);
void rg_g711_ulaw_decode_buf(const uint8_t *in, size_t n, int16_t *out);
void rg_g711_alaw_encode_buf(const int16_t *in, size_t n, uint8_t *out);
void rg_g711_alaw_decode_buf(const uint8_t *in, size_t n, int16_t *out);

#endif
