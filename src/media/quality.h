/*
 * quality.h — objective audio measurements for codec and pipeline tests
 * and the transcoding benchmark.
 *
 *   rg_quality_align   lag (samples) that best aligns test with ref
 *                      (normalised cross-correlation);
 *   rg_quality_segsnr  segmental SNR in dB: mean over 20 ms frames with
 *                      speech (ref above -50 dBFS) of the per-frame SNR
 *                      clamped to [-10, 35] dB;
 *   rg_quality_lsd     log-spectral distance in dB: mean over active
 *                      frames of the RMS difference of the two 10*log10
 *                      power spectra (256-point Hann-windowed FFT, 50 %
 *                      overlap, bins up to rate/2, both spectra floored
 *                      60 dB below the reference frame's peak);
 *   rg_quality_tone_power  Goertzel power of one frequency;
 *   rg_quality_speechlike  a deterministic speech-like test signal
 *                      (glottal pulses through moving formant resonators,
 *                      fricative noise, pauses), for when no recording is
 *                      available.
 * Pure functions, no allocation, thread-safe.
 */
#ifndef RG_MEDIA_QUALITY_H
#define RG_MEDIA_QUALITY_H

#include <stddef.h>
#include <stdint.h>

/* Lag in [-max_lag, max_lag] maximising correlation of test[i + lag] with
 * ref[i] over the overlap. */
long rg_quality_align(const int16_t *ref, const int16_t *test, size_t n, long max_lag);
double rg_quality_segsnr(const int16_t *ref, const int16_t *test, size_t n, unsigned rate);
double rg_quality_lsd(const int16_t *ref, const int16_t *test, size_t n);
double rg_quality_tone_power(const int16_t *pcm, size_t n, double freq_hz, unsigned rate);
void rg_quality_speechlike(int16_t *out, size_t n, unsigned rate, uint32_t seed);

#endif
