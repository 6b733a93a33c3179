/*
 * hum.c - mains hum taken out of the sweeps of one sensory site before they
 * are averaged, and of an F-wave test's before they are measured.
 *
 * A SNAP of 10-40 µV lasts 1-2 ms; the hum of a poorly grounded limb is of
 * the order of microvolts and changes by a large part of that within the
 * 1-1.5 ms between the baseline before the onset and the negative peak, so
 * it moves amplitude and onset directly. Averaging removes it only as far as
 * the sweeps fall at random phases of the mains, by the square root of their
 * number: three to ten sweeps leave most of it.
 *
 * One sweep cannot show it: 10 ms of a 20 ms period, most of it taken by the
 * artefact and the response (a sinusoid and its harmonics fitted across
 * that gap run wild). All the sweeps of the site together can: the mains is
 * one continuous interference, a function of the time t of the recording,
 * and sweeps started seconds apart meet it at different phases, while the
 * response is the same in each but for its size. The model of sample k of
 * sweep i (t = the sweep's start + k / fs), outside [lo, hi):
 *
 *     x_i(k) = c_i + g_i s(k) + sum over h in {1, 3, 5, 7} of
 *              a_h sin(2 pi h f t) + b_h cos(2 pi h f t) + noise
 *
 * c_i the sweep's own level (the baseline wanders between sweeps), s(k) the
 * response (any waveform locked to the stimulus) at the sweep's known size
 * g_i, the harmonics those of the magnetic pick-up from transformers and
 * lights (odd). The levels and the response are eliminated exactly, by
 * centring each sweep and then projecting each column on the sizes g; the
 * 8 coefficients come from the normal equations (Cholesky). What is left
 * of the hum after the projection is the part that differs between the
 * sweeps, which is why the phases must differ: sweeps whose start times
 * fall on one phase (or an export that rewrites them) leave the system
 * singular and nothing is removed. The mains frequency f is tried in steps
 * of FREQ_STEP_HZ within FREQ_SPAN_HZ of 50 Hz and of 60 Hz (grid
 * frequency stays within +- 0.2 Hz in normal operation
 * [U; ENTSO-E and NERC operating ranges]; over the seconds between the
 * sweeps of a site a step of 0.01 Hz moves the fundamental by under
 * 0.2 rad), the best refined to 0.00125 Hz, and the frequency of least
 * residual kept. An F-wave test (fwave.c) is read the same way, from the
 * samples before its F window, the M response common to its sweeps.
 *
 * The fitted hum is subtracted from every sample of every sweep (levels and
 * response left) when it explains beyond chance: F = (explained sum of
 * squares / 8) / (residual sum of squares / residual degrees of freedom),
 * divided by the samples in DECORR_MS (white and 1/f noise are correlated
 * from sample to sample: counted per sample the ratio finds hum in every
 * sweep), at least HUM_F_MIN [E; simulator, 70 sensory sites in 4
 * scenarios with no hum: F 0.3-3.7 (median 0.8); with 1 uV of hum (the
 * simulator's default) up to 9.0; with 2 uV 29 of 70 reach 10, with 3 uV
 * 49. Around 1 uV the fit's own error (about 0.2 uV RMS over four sweeps,
 * and what of the response is not common to the sweeps: submaximal ones
 * differ in shape, the artefact's tail in size) is as large as the hum it
 * removes: taken out from F >= 5, SNAP amplitudes of the accuracy corpora
 * (1 uV) moved by up to 3 % and p95s either way (4.9 -> 5.8 % on one, 6.0
 * -> 5.8 on another); from 10 only a few small dispersed SNAPs, read
 * absent before, change. Strong hum is the larger error by far:
 * bench/accuracy.sh --nc-hum 5 --seeds 8 --scenarios normal,carpal_tunnel,
 * ulnar_elbow,axonal_polyneuropathy,demyelinating_polyneuropathy, SNAP
 * amplitude |err| p95 (SNR >= 20 dB) 21.1 -> 8.8 %, sensory velocity p95
 * 7.4 -> 1.8 m/s, SNAP onset p95 2.62 -> 0.22 ms, F minimal latency p95
 * 0.76 -> 0.47 ms (2 tests without F-waves -> 0), and SNAPs of 1 uV or
 * less no longer measured on the hum as responses of 2-8 uV; with
 * --nc-hum 3, 18.7 -> 13.2 %, 2.68 -> 2.43 m/s, 0.68 -> 0.19 ms].
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncs/ncs_internal.h"

#define PI 3.14159265358979323846
#define N_HARM 4
#define N_COEF (2 * N_HARM)
#define FREQ_SPAN_HZ 0.2
#define FREQ_STEP_HZ 0.01
#define FREQ_REFINE 3
#define HUM_F_MIN 10.0
#define DECORR_MS 0.5
#define MIN_SWEEPS 3
#define MIN_DOF_PER_COEF 2.0
static const int harmonic[N_HARM] = {1, 3, 5, 7};
static const double mains_hz[2] = {50.0, 60.0};

/* The usable columns ks (outside [lo, hi)), and per sweep (n_sweeps each):
 * the running sine and cosine of the fundamental (s1, c1), the means over
 * the usable columns of the sample and of the N_COEF hum columns (mean,
 * NZ values a sweep) and one column's values (z, NZ a sweep). The fit runs
 * column by column, so its memory does not grow with the sweeps' length. */
#define NZ (1 + N_COEF)
typedef struct hum_work {
    size_t *ks;
    size_t n_k;
    double *s1, *c1, *mean, *z;
} hum_work;

/* sin and cos of h w for the harmonics, from those of w (s1, c1). */
static void harmonics_of(double s1, double c1, double *col)
{
    double c = c1, s = s1;
    int at = 1;
    for (int h = 0; h < N_HARM; h++) {
        while (at < harmonic[h]) {
            double cn = c * c1 - s * s1;
            s = s * c1 + c * s1, c = cn;
            at++;
        }
        col[2 * h] = s;
        col[2 * h + 1] = c;
    }
}

static void harmonics(double w, double *col)
{
    harmonics_of(sin(w), cos(w), col);
}

/* The fundamental's phase at column k of row i (t runs to hours: the phase
 * is reduced before the sine). */
static double phase(const ncs_aligned *a, size_t i, size_t k, double f)
{
    return 2.0 * PI * fmod(f * (a->row_t0_s[i] + (double)k / a->fs_hz), 1.0);
}

/* Consecutive columns advance the phase by one step: the sine and cosine
 * follow by rotation, set afresh at each run's start and every RESEED
 * samples so that rounding cannot build up. */
#define RESEED 64
static void advance(const ncs_aligned *a, hum_work *w, size_t i, size_t j, double f, double cs,
                    double sn)
{
    if (j % RESEED == 0 || w->ks[j] != w->ks[j - 1] + 1) {
        double ph = phase(a, i, w->ks[j], f);
        w->s1[i] = sin(ph), w->c1[i] = cos(ph);
    } else {
        double c = w->c1[i] * cs - w->s1[i] * sn;
        w->s1[i] = w->s1[i] * cs + w->c1[i] * sn, w->c1[i] = c;
    }
}

/* Sweep i's sample and hum columns at usable column j into z (NZ). */
static void values_at(const ncs_aligned *a, hum_work *w, size_t i, size_t j, double f, double cs,
                      double sn, double *z)
{
    advance(a, w, i, j, f, cs, sn);
    harmonics_of(w->s1[i], w->c1[i], z + 1);
    z[0] = a->x[i * a->len + w->ks[j]];
}

/* The normal equations at frequency f (A: N_COEF x N_COEF, lower half; b)
 * and the sum of squares of the data, all after the levels (each sweep
 * centred) and the response at each sweep's size (least squares over the
 * sweeps at each column) are taken out. */
static void normal_equations(const ncs_aligned *a, hum_work *w, double f, const double *gain,
                             double *A, double *b, double *tss)
{
    size_t n = a->n_sweeps, m = w->n_k;
    double step = 2.0 * PI * f / a->fs_hz, cs = cos(step), sn = sin(step), z[NZ], gg = 0;
    memset(w->mean, 0, n * NZ * sizeof *w->mean);
    for (size_t j = 0; j < m; j++) /* pass 1: each sweep's means */
        for (size_t i = 0; i < n; i++) {
            values_at(a, w, i, j, f, cs, sn, z);
            for (int c = 0; c < NZ; c++)
                w->mean[i * NZ + c] += z[c] / (double)m;
        }
    for (size_t i = 0; i < n; i++)
        gg += gain[i] * gain[i];
    *tss = 0;
    for (size_t j = 0; j < m; j++) { /* pass 2: centred, less the response */
        double proj[NZ] = {0};
        for (size_t i = 0; i < n; i++) {
            double *zi = w->z + i * NZ;
            values_at(a, w, i, j, f, cs, sn, zi);
            for (int c = 0; c < NZ; c++) {
                zi[c] -= w->mean[i * NZ + c];
                proj[c] += gg > 0 ? gain[i] * zi[c] / gg : 0.0;
            }
        }
        for (size_t i = 0; i < n; i++) {
            double *zi = w->z + i * NZ;
            for (int c = 0; c < NZ; c++)
                zi[c] -= gain[i] * proj[c];
            for (int r = 0; r < N_COEF; r++) {
                b[r] += zi[1 + r] * zi[0];
                for (int c = 0; c <= r; c++)
                    A[r * N_COEF + c] += zi[1 + r] * zi[1 + c];
            }
            *tss += zi[0] * zi[0];
        }
    }
}

/* Solves the symmetric positive definite m x m system A c = b in place
 * (Cholesky); false when A is not positive definite enough to trust. */
static bool solve_spd(double *A, double *b, int m)
{
    for (int j = 0; j < m; j++) {
        double d = A[j * m + j];
        for (int k = 0; k < j; k++)
            d -= A[j * m + k] * A[j * m + k];
        if (!(d > 1e-9 * (A[j * m + j] + 1e-300)))
            return false;
        A[j * m + j] = sqrt(d);
        for (int i = j + 1; i < m; i++) {
            double s = A[i * m + j];
            for (int k = 0; k < j; k++)
                s -= A[i * m + k] * A[j * m + k];
            A[i * m + j] = s / A[j * m + j];
        }
    }
    for (int i = 0; i < m; i++) { /* L y = b */
        double s = b[i];
        for (int k = 0; k < i; k++)
            s -= A[i * m + k] * b[k];
        b[i] = s / A[i * m + i];
    }
    for (int i = m - 1; i >= 0; i--) { /* L' c = y */
        double s = b[i];
        for (int k = i + 1; k < m; k++)
            s -= A[k * m + i] * b[k];
        b[i] = s / A[i * m + i];
    }
    return true;
}

/* Least-squares hum at frequency f: coefficients into coef, residual and
 * hum-free sums of squares into *rss and *tss; false when singular. */
static bool fit_at(const ncs_aligned *a, hum_work *w, double f, const double *gain, double *coef,
                   double *rss, double *tss)
{
    double A[N_COEF * N_COEF] = {0}, b[N_COEF] = {0};
    normal_equations(a, w, f, gain, A, b, tss);
    for (int r = 0; r < N_COEF; r++)
        for (int c = r + 1; c < N_COEF; c++)
            A[r * N_COEF + c] = A[c * N_COEF + r];
    memcpy(coef, b, sizeof b);
    if (!solve_spd(A, coef, N_COEF))
        return false;
    double explained = 0;
    for (int r = 0; r < N_COEF; r++)
        explained += coef[r] * b[r]; /* c' X'y: the fitted sum of squares */
    *rss = fmax(*tss - explained, 0.0);
    return true;
}

/* The frequency of the least residual, in steps of FREQ_STEP_HZ within
 * FREQ_SPAN_HZ of 50 and of 60 Hz, then refined by halving the step
 * around the best FREQ_REFINE times (an F-wave test's sweeps span some 20
 * s, over which half a step moves the 7th harmonic by 2 rad). */
static bool best_fit(const ncs_aligned *a, hum_work *w, const double *gain, double *f_out,
                     double *coef, double *rss, double *tss)
{
    double c[N_COEF], r, t;
    *rss = INFINITY;
    int steps = (int)lround(FREQ_SPAN_HZ / FREQ_STEP_HZ);
    for (int m = 0; m < 2; m++)
        for (int s = -steps; s <= steps; s++) {
            double f = mains_hz[m] + s * FREQ_STEP_HZ;
            if (fit_at(a, w, f, gain, c, &r, &t) && r < *rss)
                *rss = r, *tss = t, *f_out = f, memcpy(coef, c, sizeof c);
        }
    double step = FREQ_STEP_HZ;
    for (int k = 0; k < FREQ_REFINE && isfinite(*rss); k++) {
        step /= 2.0;
        double f0 = *f_out;
        for (int sgn = -1; sgn <= 1; sgn += 2)
            if (fit_at(a, w, f0 + sgn * step, gain, c, &r, &t) && r < *rss)
                *rss = r, *tss = t, *f_out = f0 + sgn * step, memcpy(coef, c, sizeof c);
    }
    return isfinite(*rss) && *rss > 0;
}

/* Subtracts the hum from every sample; returns its RMS about each sweep's
 * own mean (what of it the sweeps show). */
static double subtract(ncs_aligned *a, double f, const double *coef)
{
    double col[N_COEF], ss = 0;
    for (size_t i = 0; i < a->n_sweeps; i++) {
        double sum = 0, sum2 = 0;
        for (size_t k = 0; k < a->len; k++) {
            double h = 0;
            harmonics(phase(a, i, k, f), col);
            for (int r = 0; r < N_COEF; r++)
                h += coef[r] * col[r];
            a->x[i * a->len + k] -= h;
            sum += h, sum2 += h * h;
        }
        ss += sum2 - sum * sum / (double)a->len;
    }
    return sqrt(fmax(ss, 0.0) / (double)(a->n_sweeps * a->len));
}

int ncs_hum_remove(ncs_aligned *a, size_t lo, size_t hi, const double *gain, ncs_hum *out)
{
    memset(out, 0, sizeof *out);
    if (a->n_sweeps < MIN_SWEEPS || a->row_t0_s == NULL)
        return EDX_OK;
    hum_work w = {malloc(a->len * sizeof *w.ks), 0, NULL, NULL, NULL, NULL};
    if (w.ks == NULL)
        return EDX_ERR_NOMEM;
    for (size_t k = 0; k < a->len; k++)
        if (k < lo || k >= hi)
            w.ks[w.n_k++] = k;
    /* parameters: the hum's, a level per row and the response per column */
    double n_samples = (double)(a->n_sweeps * w.n_k);
    double resid_dof = n_samples - N_COEF - (double)a->n_sweeps - (double)w.n_k;
    double per_decorr = fmax(1.0, DECORR_MS * a->fs_hz / 1000.0);
    int rc = EDX_OK;
    if (resid_dof / per_decorr >= MIN_DOF_PER_COEF * N_COEF) {
        size_t n = a->n_sweeps;
        w.s1 = malloc(n * (2 + 2 * NZ) * sizeof *w.s1);
        w.c1 = w.s1 ? w.s1 + n : NULL;
        w.mean = w.s1 ? w.s1 + 2 * n : NULL;
        w.z = w.s1 ? w.s1 + 2 * n + n * NZ : NULL;
        rc = w.s1 ? EDX_OK : EDX_ERR_NOMEM;
    }
    double coef[N_COEF], rss = 0, tss = 0, f = 0;
    if (w.z && best_fit(a, &w, gain, &f, coef, &rss, &tss)) {
        out->freq_hz = f;
        out->f_ratio = (tss - rss) / N_COEF / (rss / resid_dof) / per_decorr;
        out->removed = out->f_ratio >= HUM_F_MIN;
    }
    if (out->removed)
        out->rms_uv = subtract(a, f, coef);
    free(w.s1);
    free(w.ks);
    return rc;
}

size_t ncs_hum_gains(const ncs_aligned *a, const double *ref, const ncs_response *r, double *gain)
{
    for (size_t i = 0; i < a->n_sweeps; i++)
        gain[i] = 1.0;
    size_t b0, on, end;
    if (!ncs_size_span(a, r, a->pre, &b0, &on, &end))
        return 0;
    for (size_t i = 0; i < a->n_sweeps; i++) {
        double se, g = ncs_scale_fit(a->x + i * a->len, ref, b0, on, end, &se);
        gain[i] = isfinite(g) ? g : 1.0;
    }
    return b0;
}

const char *ncs_hum_note(const ncs_hum *h, char *buf, size_t size)
{
    char f[16], uv[16];
    edx_fmt_double(f, sizeof f, h->freq_hz, 2);
    edx_fmt_double(uv, sizeof uv, h->rms_uv, 1);
    snprintf(buf, size, "mains hum (%s Hz, %s uV RMS) taken out of the sweeps before measuring", f,
             uv);
    return buf;
}
