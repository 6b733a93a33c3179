/*
 * mup_internal.h - what the files of src/emg/mup/ share.
 *
 *   mup_measure.c    one averaged MUP's parameters
 *   mup_dsp.c        small numeric routines (robust noise, quantiles,
 *                    column means and medians, template distances); the
 *                    interpolation is inline below
 *   mup_decompose.c  the streaming decomposer (detection, template
 *                    matching, averaging)
 *   mup_units.c      turning a finished track into an emg_mup_unit
 *   mup_summary.c    per-muscle summary, recruitment, pattern
 *   mup_normals.c    templates/mup_normals.tsv
 */
#ifndef EDX_EMG_MUP_INTERNAL_H
#define EDX_EMG_MUP_INTERNAL_H

#include <stddef.h>

#include "common/hot.h"
#include "edx/mup.h"

#define EMG_MUP_TURN_UV 25.0 /* minimum turn amplitude [clinical reference 2.1, U] */

int emg_mup_count_turns(const double *v, size_t a, size_t z, double min_uv);

/* emg_mup_measure() of the amplitude, level and markers alone (onset, end,
 * duration and whether it is measurable): where only the markers count. */
int emg_mup_markers(const double *v, size_t n, double fs_hz, size_t spike, double noise_uv,
                    emg_mup_shape *out);

/* Robust rms of white noise from the 20th percentile of |x| (for a normal
 * variable P20(|x|) = 0.2533 sigma); reorders a scratch copy. NAN when n = 0.
 * guess: an rms it is likely near (the last block's), 0 or NAN when none;
 * the result is the same either way, found sooner when the guess is good. */
double emg_mup_robust_rms(const double *x, size_t n, double guess, double *scratch);

/* The Catmull-Rom cubic through p0..p3 at fraction f between p1 and p2. */
static inline double emg_mup_cubic(double p0, double p1, double p2, double p3, double f)
{
    return p1 + 0.5 * f *
                    (p2 - p0 +
                     f * (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3 + f * (3.0 * (p1 - p2) + p3 - p0)));
}

/* Value of x at fractional position t (Catmull-Rom cubic); clamps at ends.
 * Inline: it is called for every sample of each window taken and peeled. */
static inline double emg_mup_interp(const double *x, size_t n, double t)
{
    if (n == 0)
        return 0;
    if (t <= 0)
        return x[0];
    if (t >= (double)(n - 1))
        return x[n - 1];
    size_t i = (size_t)t;
    double f = t - (double)i;
    return emg_mup_cubic(x[i > 0 ? i - 1 : 0], x[i], x[i + 1], x[i + 2 < n ? i + 2 : n - 1], f);
}

/* out[k - k0] = emg_mup_interp(x, n, t0 + (double)k) for k in [k0, k1),
 * the same cubic (rounded in another order), taken a stretch of one
 * fraction at a time. */
void emg_mup_interp_run(const double *restrict x, size_t n, double t0, size_t k0, size_t k1,
                        double *restrict out);

/* The same values, rounded to float, into out[k - k0] (sign +1) or taken
 * from it (sign -1). */
void emg_mup_interp_run_float(const double *restrict x, size_t n, double t0, size_t k0, size_t k1,
                              float *restrict out, int sign);

/* Quantile p of v[0..n), interpolated between the order statistics about
 * p (n - 1) as in a sorted copy (reorders v). NAN when n = 0. */
double emg_mup_quantile(double *v, size_t n, double p);
/* The interval a unit fires at, from its intervals isi[0..k) (ms) when
 * some discharges were missed and intervals come as 2-4 times it (see
 * src/emg/mup/mup_units.c); NAN when no interval qualifies (isi untouched),
 * otherwise isi is overwritten. */
double emg_mup_firing_interval_ms(double *isi, size_t k);

/* Mean of each column of m rows of `stride` floats into out[0..stride)
 * (0 when m = 0). */
void emg_mup_column_means(const float *rows, size_t m, size_t stride, double *out);

/* Median of each column over the rows pick[0..m) of `stride` floats into
 * out[0..stride) (NAN when m = 0). m <= EMG_MUP_MAX_MEMBERS. */
void emg_mup_column_medians(const float *rows, const size_t *pick, size_t m, size_t stride,
                            double *out);

/* Normalised difference ||a - b||^2 / max(||a||^2, ||b||^2) of a[i] and
 * b[i + shift], over the samples where both exist. */
double emg_mup_distance(const double *a, const double *b, size_t n, int shift);

/* Sum of x[i]^2 over x[0..n), in index order. */
double emg_mup_energy(const double *x, size_t n);

/* The least energy x[0..n) (emg_mup_energy() e) keeps where a shift of
 * up to smax samples leaves it. */
double emg_mup_kept_energy(const double *x, double e, size_t n, size_t smax);

/* A floor under emg_mup_distance(a, b, n, s) for every |s| <= smax, from
 * energies alone: ea and eb are emg_mup_energy() of a and b, ka and kb
 * their emg_mup_kept_energy() for smax. 0 when the sizes allow any
 * distance. */
double emg_mup_shift_floor(double ea, double ka, double eb, double kb);

/* emg_mup_distance() when it is below `bound`, otherwise a value at least
 * `bound` (HUGE_VAL when the sum stopped early). e_max: the larger of
 * emg_mup_energy() of a and of b (0: no early stop). */
double emg_mup_distance_below(const double *a, const double *b, size_t n, int shift, double e_max,
                              double bound);

#endif
