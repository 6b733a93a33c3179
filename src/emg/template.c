/*
 * template.c - sub-sample alignment (up-sampling by cubic interpolation) and
 * the comparisons that decide whether two potentials come from one
 * generator.
 */
#include <math.h>

#include "common/hot.h"
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

EDX_HOT_CLONES
void emg_resample_range(const double *x, size_t n, double shift, double *out, size_t k0, size_t k1)
{
    if (!x || !out || n == 0 || k1 <= k0)
        return;
    /* one shift for every sample: the Catmull-Rom spline through p1..p2 at
     * t is a 4-tap filter with fixed weights */
    double fl = floor(shift), t = shift - fl;
    long off = (long)fl;
    double w0 = 0.5 * t * (-1.0 + t * (2.0 - t)), w1 = 1.0 + 0.5 * t * t * (-5.0 + 3.0 * t);
    double w2 = 0.5 * t * (1.0 + t * (4.0 - 3.0 * t)), w3 = 0.5 * t * t * (t - 1.0);
    /* interior: k + off - 1 >= 0 and k + off + 2 <= n - 1 */
    long k_lo = 1 - off, k_hi = (long)n - 3 - off; /* inclusive */
    if (k_lo < (long)k0)
        k_lo = (long)k0;
    if (k_hi > (long)k1 - 1)
        k_hi = (long)k1 - 1;
    for (long k = (long)k0; k < (long)k1; k++) {
        if (k == k_lo && k_lo <= k_hi) { /* the vectorisable middle */
            const double *p = x + k_lo + off - 1;
            for (long i = 0; i <= k_hi - k_lo; i++)
                out[k_lo + i] = w0 * p[i] + w1 * p[i + 1] + w2 * p[i + 2] + w3 * p[i + 3];
            k = k_hi;
            continue;
        }
        long j = k + off;
        out[k] = w0 * at(x, n, j - 1) + w1 * at(x, n, j) + w2 * at(x, n, j + 1) +
                 w3 * at(x, n, j + 2);
    }
}

void emg_resample(const double *x, size_t n, double shift, double *out, size_t n_out)
{
    emg_resample_range(x, n, shift, out, 0, n_out);
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
