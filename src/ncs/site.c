/*
 * site.c - robust statistics and waveform helpers for the per-sweep
 * measurement (sweep.c). No state, no allocation.
 */
#include <math.h>
#include <stdlib.h>

#include "ncs/ncs_internal.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double ncs_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
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
