/* Shared helpers for the media unit tests (header only, test code). */
#ifndef RG_TESTS_MEDIA_UTIL_H
#define RG_TESTS_MEDIA_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stddef.h>

#include "media/quality.h"

static inline void mt_sine(int16_t *out, size_t n, double freq, unsigned rate, double amp)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (int16_t)lrint(amp * sin(2 * M_PI * freq * (double)i / rate));
}

/* dB of the tone power at f over the strongest of a few other probe
 * frequencies (harmonic-free, away from f). */
static inline double mt_tone_margin_db(const int16_t *pcm, size_t n, double f, unsigned rate)
{
    static const double probes[] = { 350, 620, 1450, 2300, 2900 };
    double p = rg_quality_tone_power(pcm, n, f, rate), worst = 1e-12;
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        if (fabs(probes[i] - f) < 150 || probes[i] >= rate / 2.0)
            continue;
        double q = rg_quality_tone_power(pcm, n, probes[i], rate);
        if (q > worst)
            worst = q;
    }
    return 10 * log10(p / worst);
}

/* RMS level in dBFS. */
static inline double mt_dbfs(const int16_t *pcm, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)pcm[i] * pcm[i];
    return 10 * log10(s / (double)n / (32768.0 * 32768.0) + 1e-20);
}

#endif
