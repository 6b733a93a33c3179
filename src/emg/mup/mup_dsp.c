/*
 * mup_dsp.c - small numeric routines of the MUP analyser. They live here
 * because the shared needle-EMG DSP header did not offer them when this
 * analyser was written; they are candidates to move there.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emg/mup/mup_internal.h"

#define P20_OF_ABS_NORMAL 0.2533 /* P(|z| < 0.2533) = 0.20 for z ~ N(0, 1) */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double emg_mup_quantile(double *v, size_t n, double p)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    double pos = p * (double)(n - 1);
    size_t i = (size_t)pos;
    double f = pos - (double)i;
    return i + 1 < n ? v[i] + f * (v[i + 1] - v[i]) : v[n - 1];
}

double emg_mup_robust_rms(const double *x, size_t n, double *scratch)
{
    if (n == 0)
        return NAN;
    for (size_t i = 0; i < n; i++)
        scratch[i] = fabs(x[i]);
    size_t k = n / 5;
    /* quickselect would do; a sort of a block is cheap enough next to I/O */
    return emg_mup_quantile(scratch, n, (double)k / (double)(n > 1 ? n - 1 : 1)) /
           P20_OF_ABS_NORMAL;
}

double emg_mup_interp(const double *x, size_t n, double t)
{
    if (n == 0)
        return 0;
    if (t <= 0)
        return x[0];
    if (t >= (double)(n - 1))
        return x[n - 1];
    size_t i = (size_t)t;
    double f = t - (double)i;
    double p0 = x[i > 0 ? i - 1 : 0], p1 = x[i], p2 = x[i + 1], p3 = x[i + 2 < n ? i + 2 : n - 1];
    return p1 + 0.5 * f *
                    (p2 - p0 + f * (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3 +
                                    f * (3.0 * (p1 - p2) + p3 - p0)));
}

double emg_mup_trimmed_mean(const float *rows, size_t m, size_t stride, size_t j,
                            double *scratch)
{
    if (m == 0)
        return 0;
    for (size_t r = 0; r < m; r++)
        scratch[r] = rows[r * stride + j];
    if (m < 4) {
        double s = 0;
        for (size_t r = 0; r < m; r++)
            s += scratch[r];
        return s / (double)m;
    }
    qsort(scratch, m, sizeof *scratch, cmp_double);
    size_t lo = m / 4, hi = m - m / 4;
    double s = 0;
    for (size_t r = lo; r < hi; r++)
        s += scratch[r];
    return s / (double)(hi - lo);
}

double emg_mup_distance(const double *a, const double *b, size_t n, int shift)
{
    double ea = 0, eb = 0, ed = 0;
    for (size_t i = 0; i < n; i++) {
        long j = (long)i + shift;
        if (j < 0 || j >= (long)n)
            continue; /* compare where both are defined */
        double bv = b[j];
        ea += a[i] * a[i];
        eb += bv * bv;
        ed += (a[i] - bv) * (a[i] - bv);
    }
    double e = fmax(ea, eb);
    return e > 0 ? ed / e : 1.0;
}
