/* Objective audio measurements (see quality.h). */
#include "media/quality.h"

#include <math.h>
#include <string.h>

#define LSD_N 256

long rg_quality_align(const int16_t *ref, const int16_t *test, size_t n, long max_lag)
{
    long best = 0;
    double best_c = -2;
    for (long lag = -max_lag; lag <= max_lag; lag++) {
        double xy = 0, xx = 0, yy = 0;
        for (size_t i = 0; i < n; i++) {
            long j = (long)i + lag;
            if (j < 0 || j >= (long)n)
                continue;
            xy += (double)ref[i] * test[j];
            xx += (double)ref[i] * ref[i];
            yy += (double)test[j] * test[j];
        }
        double c = xx > 0 && yy > 0 ? xy / sqrt(xx * yy) : -1;
        if (c > best_c) {
            best_c = c;
            best = lag;
        }
    }
    return best;
}

double rg_quality_segsnr(const int16_t *ref, const int16_t *test, size_t n, unsigned rate)
{
    size_t frame = rate / 50;
    double sum = 0;
    size_t frames = 0;
    /* -50 dBFS: frames quieter than this carry no speech to judge. */
    double floor_e = pow(10.0, -50.0 / 10.0) * 32768.0 * 32768.0;
    for (size_t f = 0; frame && f + frame <= n; f += frame) {
        double s = 0, e = 0;
        for (size_t i = f; i < f + frame; i++) {
            double d = (double)ref[i] - test[i];
            s += (double)ref[i] * ref[i];
            e += d * d;
        }
        if (s / (double)frame < floor_e)
            continue;
        double snr = 10.0 * log10(s / (e + 1e-9));
        sum += snr < -10 ? -10 : snr > 35 ? 35 : snr;
        frames++;
    }
    return frames ? sum / (double)frames : 0;
}

/* In-place iterative radix-2 FFT of LSD_N points. */
static void fft(double *re, double *im)
{
    for (size_t i = 1, j = 0; i < LSD_N; i++) {
        size_t bit = LSD_N >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j ^= bit;
        if (i < j) {
            double t = re[i];
            re[i] = re[j];
            re[j] = t;
            t = im[i];
            im[i] = im[j];
            im[j] = t;
        }
    }
    for (size_t len = 2; len <= LSD_N; len <<= 1) {
        double ang = -2 * M_PI / (double)len;
        for (size_t i = 0; i < LSD_N; i += len) {
            for (size_t k = 0; k < len / 2; k++) {
                double wr = cos(ang * (double)k), wi = sin(ang * (double)k);
                double xr = re[i + k + len / 2] * wr - im[i + k + len / 2] * wi;
                double xi = re[i + k + len / 2] * wi + im[i + k + len / 2] * wr;
                re[i + k + len / 2] = re[i + k] - xr;
                im[i + k + len / 2] = im[i + k] - xi;
                re[i + k] += xr;
                im[i + k] += xi;
            }
        }
    }
}

static void power_db(const int16_t *x, double *out)
{
    double re[LSD_N], im[LSD_N];
    for (size_t i = 0; i < LSD_N; i++) {
        double w = 0.5 - 0.5 * cos(2 * M_PI * (double)i / (LSD_N - 1));
        re[i] = w * x[i] / 32768.0;
        im[i] = 0;
    }
    fft(re, im);
    for (size_t k = 0; k <= LSD_N / 2; k++) {
        double p = re[k] * re[k] + im[k] * im[k];
        out[k] = 10.0 * log10(p + 1e-10);
    }
}

double rg_quality_lsd(const int16_t *ref, const int16_t *test, size_t n)
{
    double a[LSD_N / 2 + 1], b[LSD_N / 2 + 1];
    double sum = 0;
    size_t frames = 0;
    for (size_t f = 0; f + LSD_N <= n; f += LSD_N / 2) {
        double e = 0;
        for (size_t i = f; i < f + LSD_N; i++)
            e += (double)ref[i] * ref[i];
        if (e / LSD_N < pow(10.0, -50.0 / 10.0) * 32768.0 * 32768.0)
            continue; /* pause */
        power_db(ref + f, a);
        power_db(test + f, b);
        /* Bins more than 60 dB below the frame's peak are floored there in
         * both spectra: inaudible detail must not dominate the distance. */
        double peak = -1000;
        for (size_t k = 0; k <= LSD_N / 2; k++)
            peak = a[k] > peak ? a[k] : peak;
        double d2 = 0;
        for (size_t k = 0; k <= LSD_N / 2; k++) {
            double x = a[k] < peak - 60 ? peak - 60 : a[k];
            double y = b[k] < peak - 60 ? peak - 60 : b[k];
            d2 += (x - y) * (x - y);
        }
        sum += sqrt(d2 / (LSD_N / 2 + 1));
        frames++;
    }
    return frames ? sum / (double)frames : 0;
}

double rg_quality_tone_power(const int16_t *pcm, size_t n, double freq_hz, unsigned rate)
{
    double w = 2 * M_PI * freq_hz / rate, c = 2 * cos(w);
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double s = pcm[i] + c * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    double p = s1 * s1 + s2 * s2 - c * s1 * s2;
    return n ? p / ((double)n * n) : 0;
}

struct resonator {
    double y1, y2;
};

static double resonate(struct resonator *r, double x, double f, double bw, unsigned rate)
{
    double rr = exp(-M_PI * bw / rate);
    double y = (1 - rr) * x + 2 * rr * cos(2 * M_PI * f / rate) * r->y1 - rr * rr * r->y2;
    r->y2 = r->y1;
    r->y1 = y;
    return y;
}

/* Formant targets (Hz) of a few vowels, cycled through. */
static const double vowels[5][3] = {
    { 730, 1090, 2440 }, { 270, 2290, 3010 }, { 530, 1840, 2480 },
    { 300, 870, 2240 },  { 570, 840, 2410 },
};

void rg_quality_speechlike(int16_t *out, size_t n, unsigned rate, uint32_t seed)
{
    struct resonator r[4];
    memset(r, 0, sizeof(r));
    size_t seg = rate / 4; /* 250 ms syllables */
    double phase = 0, glottal = 0, peak = 1;
    uint32_t x = seed | 1;
    static const double gain = 9000;
    for (size_t i = 0; i < n; i++) {
        size_t s = i / seg, pos = i % seg;
        int kind = (int)(s % 6); /* 0-3 voiced, 4 fricative, 5 pause */
        double env = pos < rate / 50 ? (double)pos / (rate / 50.0)
                     : pos > seg - rate / 50 ? (double)(seg - pos) / (rate / 50.0) : 1;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        double noise = (double)x / 2147483648.0 - 1.0;
        double v = 0;
        if (kind < 4) {
            double f0 = 110 + 60 * sin(2 * M_PI * (double)i / (rate * 1.7)) + 15 * (s % 3);
            phase += f0 / rate;
            double pulse = 0;
            if (phase >= 1) {
                phase -= 1;
                pulse = 1;
            }
            glottal = 0.92 * glottal + pulse; /* spectral tilt */
            const double *fm = vowels[(s + kind) % 5];
            double y = glottal + 0.02 * noise;
            for (int k = 0; k < 3; k++)
                y = resonate(&r[k], y, fm[k] < rate * 0.45 ? fm[k] : rate * 0.45, 80 + 40 * k, rate);
            v = y * 3;
        } else if (kind == 4) {
            double f = rate > 8000 ? 4500 : 3000;
            v = resonate(&r[3], noise, f, 900, rate) * 2.5;
        }
        double smp = v * env * gain * peak;
        out[i] = (int16_t)(smp > 32767 ? 32767 : smp < -32768 ? -32768 : smp);
    }
}
