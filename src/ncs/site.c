/*
 * site.c - robust statistics and waveform helpers for the per-sweep
 * measurement (sweep.c). No state, no allocation.
 */
#include <math.h>
#include <stdlib.h>

#include "ncs/ncs_internal.h"

double ncs_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, edx_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double ncs_mad_sigma(const double *x, size_t n, double centre, double *tmp)
{
    for (size_t i = 0; i < n; i++)
        tmp[i] = fabs(x[i] - centre);
    return 1.4826 * ncs_median(tmp, n);
}

double ncs_mad_sigma_diff(const double *x, size_t n, double *tmp)
{
    for (size_t i = 0; i + 1 < n; i++)
        tmp[i] = x[i + 1] - x[i];
    double m = ncs_median(tmp, n - 1);
    for (size_t i = 0; i + 1 < n; i++)
        tmp[i] = fabs(tmp[i] - m);
    return 1.4826 * ncs_median(tmp, n - 1) / sqrt(2.0);
}

double ncs_mean(const double *x, size_t a, size_t b)
{
    double s = 0;
    for (size_t i = a; i < b; i++)
        s += x[i];
    return s / (double)(b - a);
}

void ncs_parabolic(const double *x, size_t n, size_t j, double *pos, double *val)
{
    *pos = (double)j;
    *val = x[j];
    if (j == 0 || j + 1 >= n)
        return;
    double y0 = x[j - 1], y1 = x[j], y2 = x[j + 1];
    double den = y0 - 2.0 * y1 + y2;
    if (!(fabs(den) > 0))
        return;
    double dl = 0.5 * (y0 - y2) / den;
    if (dl > 0.5 || dl < -0.5)
        return;
    *pos = (double)j + dl;
    *val = y1 - 0.25 * (y0 - y2) * dl;
}

static double neg_part(double b, double v)
{
    return v < b ? b - v : 0.0;
}

double ncs_neg_area(const double *x, size_t n, double b, double from, double to)
{
    double area = 0;
    for (size_t j = 1; j < n; j++) {
        double ta = (double)(j - 1), tb = (double)j;
        if (tb <= from || ta >= to)
            continue;
        double lo = ta < from ? from : ta, hi = tb > to ? to : tb;
        /* values at the clipped ends by linear interpolation */
        double va = x[j - 1] + (x[j] - x[j - 1]) * (lo - ta);
        double vb = x[j - 1] + (x[j] - x[j - 1]) * (hi - ta);
        area += 0.5 * (neg_part(b, va) + neg_part(b, vb)) * (hi - lo);
    }
    return area;
}

double ncs_crossing(const double *x, size_t lo, size_t jp, double b, double level)
{
    size_t j = jp;
    while (j > lo && b - x[j] >= level)
        j--;
    if (j == jp)
        return (double)jp;
    double d0 = b - x[j], d1 = b - x[j + 1];
    if (!(d1 > d0))
        return (double)j + 1;
    double f = (level - d0) / (d1 - d0);
    return (double)j + (f < 0 ? 0 : f > 1 ? 1 : f);
}

double ncs_onset(const double *x, size_t lo, size_t jp, double b, double amp, double sigma,
                 const ncs_onset_rule *rule)
{
    double f1 = fmax(rule->frac, rule->noise_k * sigma / amp);
    double t1 = ncs_crossing(x, lo, jp, b, f1 * amp);
    if (f1 <= rule->frac)
        return t1;
    double f2 = fmin(rule->f2_ratio * f1, 0.9);
    if (f2 <= f1)
        return t1;
    double t2 = ncs_crossing(x, lo, jp, b, f2 * amp), q = 1.0 / rule->power;
    double r = (pow(f1, q) - pow(rule->frac, q)) / (pow(f2, q) - pow(f1, q));
    double t = t1 - (t2 - t1) * r;
    return t < (double)lo ? (double)lo : t;
}

/* Residual sum of squares, less sum y^2, of the best scale g >= 0 of
 * (j - t0)^p (0 for j <= t0) to y = b - x over [js, je]; *g its scale. */
static double takeoff_rss(const double *x, size_t js, size_t je, double b, double t0, double p,
                          double *g)
{
    double smm = 0, sym = 0;
    for (size_t j = js; j <= je; j++) {
        double u = (double)j - t0, m = u > 0 ? pow(u, p) : 0.0;
        smm += m * m;
        sym += (b - x[j]) * m;
    }
    *g = smm > 0 ? sym / smm : 0.0;
    return *g > 0 ? -sym * sym / smm : INFINITY;
}

/* Candidate take-off instants per sample: 1/20 sample (2.5 µs at 20 kHz),
 * well below the 0.05-0.1 ms the latencies are reported to [E]. */
#define TAKEOFF_GRID 20

double ncs_onset_fit(const double *x, size_t lo, size_t jp, double b, double amp, double guess,
                     const ncs_onset_fit_rule *rule)
{
    double t_hi = ncs_crossing(x, lo, jp, b, rule->hi_frac * amp);
    if (!(guess < t_hi))
        return guess;
    double start = fmax((double)lo, floor(guess - (t_hi - guess)));
    size_t js = (size_t)start, je = (size_t)floor(t_hi);
    if (je < js + 4)
        return guess;
    double best_rss = INFINITY, best_t0 = guess, best_g = 0;
    for (long k = -TAKEOFF_GRID;; k++) {
        double t0 = (double)js + (double)k / TAKEOFF_GRID, g = 0;
        if (t0 >= t_hi)
            break;
        double rss = takeoff_rss(x, js, je, b, t0, rule->power, &g);
        if (rss < best_rss)
            best_rss = rss, best_t0 = t0, best_g = g;
    }
    if (!(best_g > 0))
        return guess;
    double t = best_t0 + pow(rule->frac * amp / best_g, 1.0 / rule->power);
    return t < (double)lo ? (double)lo : t;
}

void ncs_peak_fit(const double *x, size_t n, size_t j, size_t half, double *pos, double *val)
{
    if (half < 2 || j < half || j + half >= n) {
        ncs_parabolic(x, n, j, pos, val);
        return;
    }
    double s0 = 0, s2 = 0, s4 = 0, sy = 0, sxy = 0, sx2y = 0;
    for (size_t k = j - half; k <= j + half; k++) {
        double u = (double)k - (double)j, u2 = u * u;
        s0 += 1, s2 += u2, s4 += u2 * u2;
        sy += x[k], sxy += u * x[k], sx2y += u2 * x[k];
    }
    double c = (s0 * sx2y - s2 * sy) / (s0 * s4 - s2 * s2), b = sxy / s2;
    double a = (sy - c * s2) / s0, v = c != 0 ? -b / (2.0 * c) : 0;
    if (!(fabs(c) > 0) || fabs(v) > (double)half) {
        ncs_parabolic(x, n, j, pos, val);
        return;
    }
    *pos = (double)j + v;
    *val = a - b * b / (4.0 * c);
}

/* Newey-West long-run variance of the score (residual x regressor) over
 * [on, end): sum over lags l <= lmax of Bartlett weight x autocovariance
 * (Newey & West, Econometrica 1987;55:703). */
static double score_variance(const double *x, double b, const double *ref, double b_ref, double g,
                             size_t on, size_t end)
{
    size_t lmax = (end - on) / 4;
    double v = 0;
    for (size_t l = 0; l <= lmax; l++) {
        double w = l == 0 ? 1.0 : 2.0 * (1.0 - (double)l / (double)(lmax + 1)), s = 0;
        for (size_t k = on + l; k < end; k++) {
            double rk = ref[k] - b_ref, rl = ref[k - l] - b_ref;
            s += ((x[k] - b) - g * rk) * rk * ((x[k - l] - b) - g * rl) * rl;
        }
        v += w * s;
    }
    return v;
}

/* Variance of the mean of x over [b0, on) about b, by the same estimator
 * (Bartlett weights, lags up to a quarter of the span). */
static double baseline_variance(const double *x, double b, size_t b0, size_t on)
{
    size_t n = on - b0, lmax = n / 4;
    double v = 0;
    for (size_t l = 0; l <= lmax && n > 1; l++) {
        double w = l == 0 ? 1.0 : 2.0 * (1.0 - (double)l / (double)(lmax + 1)), s = 0;
        for (size_t k = b0 + l; k < on; k++)
            s += (x[k] - b) * (x[k - l] - b);
        v += w * s;
    }
    return v > 0 ? v / ((double)n * (double)(n - 1)) : 0;
}

double ncs_scale_fit(const double *x, const double *ref, size_t b0, size_t on, size_t end,
                     double *se)
{
    double b = ncs_mean(x, b0, on), b_ref = ncs_mean(ref, b0, on), num = 0, den = 0;
    for (size_t k = on; k < end; k++) {
        num += (x[k] - b) * (ref[k] - b_ref);
        den += (ref[k] - b_ref) * (ref[k] - b_ref);
    }
    double g = den > 0 ? num / den : 0, m = (double)(end - on), sum_ref = 0;
    for (size_t k = on; k < end; k++)
        sum_ref += ref[k] - b_ref;
    double v = den > 0 && m > 1 ? score_variance(x, b, ref, b_ref, g, on, end) * m / (m - 1.0) : 0;
    /* the baseline's own error shifts the whole span: g moves by it times
     * sum(ref) / den */
    double vb = baseline_variance(x, b, b0, on) * sum_ref * sum_ref;
    *se = den > 0 ? sqrt(v + vb) / den : 0;
    return g;
}
