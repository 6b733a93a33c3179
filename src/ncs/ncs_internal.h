/*
 * ncs_internal.h - shared pieces of the nerve conduction stage.
 *
 *   sweep.c   one sweep -> baseline, noise, artefact end, response measures
 *   tail.c    the artefact's tail as decaying exponentials
 *   site.c    robust statistics and waveform helpers
 *   nerve.c   a motor or sensory test: sites, segments
 *   fwave.c   an F-wave test
 *   aligned.c the sweeps of a site aligned on their stimulus
 *   hum.c     mains hum read from a site's sweeps together and taken out
 */
#ifndef EDX_NCS_INTERNAL_H
#define EDX_NCS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "edx/edf.h"
#include "edx/ncs.h"
#include "edx/study.h"

/* Median of v[0..n) (n > 0); reorders v. */
double ncs_median(double *v, size_t n);

/* 1.4826 x median absolute deviation from `centre` of x[0..n), using tmp[0..n)
 * as scratch: the standard deviation of Gaussian noise, robust to outliers
 * (Rousseeuw & Croux 1993). */
double ncs_mad_sigma(const double *x, size_t n, double centre, double *tmp);

/* The same on first differences, divided by sqrt(2): insensitive to the
 * level and to slow drifts. n >= 2; tmp holds n - 1. */
double ncs_mad_sigma_diff(const double *x, size_t n, double *tmp);

/* Mean of x[a..b) (b > a). */
double ncs_mean(const double *x, size_t a, size_t b);

/* Sub-sample position (in samples, from index 0) and value of the extremum
 * at j by a parabola through j-1, j, j+1 (Jacobsen & Kootsookos 2007
 * style three-point interpolation). Ends of the array: no refinement. */
void ncs_parabolic(const double *x, size_t n, size_t j, double *pos, double *val);

/* The same by a least-squares parabola through the 2 half + 1 samples
 * centred on j, which averages the noise of a small response's peak instead
 * of keeping its largest excursion (half < 2 or too near an end: the
 * three-point parabola). */
void ncs_peak_fit(const double *x, size_t n, size_t j, size_t half, double *pos, double *val);

/* Least-squares scale g of x against the reference ref over [on, end),
 * both about their mean over [b0, on) (b0 < on < end); *se = its standard
 * error by the Newey-West estimator (Bartlett weights, lags up to a quarter
 * of the span), which holds when the residual noise is correlated from
 * sample to sample, as hum and 1/f noise are; an error counted as white
 * would be several times too small. */
double ncs_scale_fit(const double *x, const double *ref, size_t b0, size_t on, size_t end,
                     double *se);

/* Integral (samples x µV) of max(0, b - x) between the sub-sample positions
 * from and to, trapezoids with partial end intervals. */
double ncs_neg_area(const double *x, size_t n, double b, double from, double to);

/* Walking back from jp (not below lo): the last sample whose deviation below
 * b is < level, linearly interpolated with the next one (sub-sample
 * position). The response's main phase is negative (below b). */
double ncs_crossing(const double *x, size_t lo, size_t jp, double b, double level);

/* The onset rule of sweep.c step 5: the crossing at frac of amp when that is
 * above noise_k x sigma, else crossings at f1 = noise_k sigma / amp and
 * f2 = f2_ratio f1 extrapolated to frac with a power-law take-off. */
typedef struct ncs_onset_rule {
    double frac, noise_k, f2_ratio, power;
} ncs_onset_rule;
double ncs_onset(const double *x, size_t lo, size_t jp, double b, double amp, double sigma,
                 const ncs_onset_rule *rule);

/* Least-squares refinement of a noise-limited onset (sweep.c step 5): the
 * deviation b - x over the take-off, from as far before the first guess as
 * the guess lies before the crossing at hi_frac of amp up to that crossing,
 * is fitted as g (t - t0)^power after t0 and 0 before it (t0 on a grid of
 * 1/20 sample, g by least squares for each t0); the onset is where the
 * fitted curve reaches frac of amp. Returns guess when the span holds fewer
 * than 5 samples or no rising fit is found. */
typedef struct ncs_onset_fit_rule {
    double frac, hi_frac, power;
} ncs_onset_fit_rule;
double ncs_onset_fit(const double *x, size_t lo, size_t jp, double b, double amp, double guess,
                     const ncs_onset_fit_rule *rule);

/* An artefact tail x(j) - B = a1 exp(-u / tau1) + a2 exp(-u / tau2),
 * u = (j - t0) dt, from sample t0 on (tail.c); a zero tau drops its term. */
typedef struct ncs_tail {
    double a1_uv, tau1_ms, a2_uv, tau2_ms;
    size_t t0;
} ncs_tail;

/* Least-squares tail over x[lo..hi) about the baseline base, in noise of SD
 * sigma: one exponential, or two when they fit significantly better; time
 * constants on a grid; 4 samples or fewer: no tail. */
void ncs_fit_tail(const double *x, size_t lo, size_t hi, double base, double dt_ms,
                  double sigma, ncs_tail *out);

/* The tail's value at sample j (0 before t0). */
double ncs_tail_at(const ncs_tail *t, size_t j, double dt_ms);

/* Samples (µV) of one sweep into a new array; *stim_off_s = stimulus time
 * from the first sample. EDX_ERR_FORMAT when the sweep is too short or starts
 * after its stimulus (nerve.c). */
int ncs_read_sweep(edf_file *f, int signal, const study_sweep *sw, double **uv, size_t *n,
                   double *stim_off_s);

/* Physical values of a signal's digital minimum and maximum (saturation). */
void ncs_clip_limits(const edf_signal *sig, double *lo, double *hi);

/* Sweeps aligned on their stimulus sample (aligned.c): x holds n_sweeps
 * rows of len samples; column pre is the stimulus. */
enum { NCS_ALIGNED_MAX = 100 };
typedef struct ncs_aligned {
    double *x;
    size_t n_sweeps, len, pre;
    double fs_hz;
    double *row_t0_s; /* recording time of each row's first sample (n_sweeps) */
} ncs_aligned;

/* Reads sweeps idx[0..n_idx) of t (idx NULL: the first n_idx), at most
 * NCS_ALIGNED_MAX; unreadable sweeps are left out (n_sweeps counts the
 * others). EDX_OK or EDX_ERR_NOMEM. */
int ncs_load_aligned(edf_file *f, const study_nerve_test *t, const size_t *idx, size_t n_idx,
                     ncs_aligned *out);
void ncs_aligned_free(ncs_aligned *a);

/* Mean of the rows of a weighted by scale[i] (rows with scale <= 0 or NAN
 * left out) into avg (len doubles): for rows that hold one waveform at sizes
 * scale[i] in equal noise, the waveform's least-squares estimate at the size
 * sum(scale^2) / sum(scale). Returns the rows used (0: avg all zero). */
size_t ncs_scaled_mean(const ncs_aligned *a, const double *scale, double *avg);

/* The columns over which a row's size is fitted against a reference whose
 * response is r (ncs_scale_fit): [*on, *end) from r's onset to twice its
 * duration later, or to the rows' end when that comes first (a late,
 * dispersed response: what the rows hold of it), and [*b0, *on) the 0.5 ms
 * before the onset, not before column lo. False when r is absent or no such
 * span lies in the rows. */
bool ncs_size_span(const ncs_aligned *a, const ncs_response *r, size_t lo, size_t *b0, size_t *on,
                   size_t *end);

/* The take-off of an F-wave's first phase, made negative, peak at jp, in a
 * residual y smoothed by a centred moving mean of half-width h samples
 * (fwave.c): the crossing t1 of L1 = 4 sigma walking back from the peak, the
 * first crossing t2 of L2 = min(2.5 L1, half the peak) after it, and a
 * power-law rise (t - t0)^2.5 whose moving mean passes through both; returns
 * where that rise reaches 1 % of the peak (samples), never more than
 * 0.5 ms before t1. A peak within L1: its half-amplitude crossing. */
double ncs_fwave_take_off(const double *y, size_t jp, double sigma, double h,
                          double samples_per_ms);

/* Mains hum of a site's sweeps (hum.c). */
typedef struct ncs_hum {
    bool removed;   /* fitted beyond chance and subtracted */
    double freq_hz; /* the mains frequency that fitted best */
    double rms_uv;  /* RMS of the hum taken out, about each sweep's mean (0: none) */
    double f_ratio; /* explained / residual variance per degree of freedom */
} ncs_hum;

/* Fits mains hum (50 or 60 Hz with the 3rd, 5th and 7th harmonics, one
 * phase in recording time across all rows) to the samples of a's rows
 * outside the columns [lo, hi), each row with its own level and a response
 * common to the rows at the sizes gain[] (n_sweeps values), and, when it
 * explains beyond chance, subtracts it from every sample. Needs at least 3
 * rows and row_t0_s; nothing is removed when the hum cannot be read.
 * EDX_OK, or EDX_ERR_NOMEM (a untouched). */
int ncs_hum_remove(ncs_aligned *a, size_t lo, size_t hi, const double *gain, ncs_hum *out);

/* Each row's size against ref (the rows' average or median) for
 * ncs_hum_remove: ncs_scale_fit over ncs_size_span of the response r
 * measured on ref, not before the stimulus; 1 for every row when there is
 * no such span.
 * Returns the first column of that 0.5 ms, or 0 when there is none (no
 * response, or no pre-stimulus part and an onset within 0.5 ms). */
size_t ncs_hum_gains(const ncs_aligned *a, const double *ref, const ncs_response *r, double *gain);

/* The warning a test or site carries when hum was taken out (buf). */
const char *ncs_hum_note(const ncs_hum *h, char *buf, size_t size);

#endif /* EDX_NCS_INTERNAL_H */
