/*
 * template.c - sub-sample alignment (up-sampling by cubic interpolation) and
 * the comparisons that decide whether two potentials come from one
 * generator.
 */
#include <math.h>

#include "edx/emg.h"

double emg_peak_refine(const double *x, size_t n, size_t i)
{
    if (!x || i == 0 || i + 1 >= n)
        return (double)i;
    double a = x[i - 1], b = x[i], c = x[i + 1];
    double den = a - 2.0 * b + c;
    if (den == 0)
        return (double)i;
    double d = 0.5 * (a - c) / den;
    return (double)i + (d > 0.5 ? 0.5 : d < -0.5 ? -0.5 : d);
}

static double at(const double *x, size_t n, long k)
{
    return k < 0 ? x[0] : k >= (long)n ? x[n - 1] : x[k];
}

void emg_resample(const double *x, size_t n, double shift, double *out, size_t n_out)
{
    if (!x || !out || n == 0)
        return;
    for (size_t k = 0; k < n_out; k++) {
        double p = (double)k + shift, fl = floor(p), t = p - fl;
        long j = (long)fl;
        double p0 = at(x, n, j - 1), p1 = at(x, n, j), p2 = at(x, n, j + 1),
               p3 = at(x, n, j + 2);
        /* Catmull-Rom spline through p1..p2 */
        out[k] = p1 + 0.5 * t *
                          (p2 - p0 +
                           t * (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3 +
                                t * (3.0 * (p1 - p2) + p3 - p0)));
    }
}

double emg_ncc(const double *a, const double *b, size_t n)
{
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
    }
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

double emg_fit(const double *s, const double *t, size_t n, double *residual_per_sample)
{
    double st = 0, tt = 0, ss = 0;
    for (size_t i = 0; i < n; i++) {
        st += s[i] * t[i];
        tt += t[i] * t[i];
        ss += s[i] * s[i];
    }
    double g = tt > 0 ? st / tt : 0;
    if (residual_per_sample)
        *residual_per_sample = n ? fmax(ss - g * st, 0) / (double)n : 0;
    return g;
}
