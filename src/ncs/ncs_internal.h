/*
 * ncs_internal.h - shared pieces of the nerve conduction stage.
 *
 *   sweep.c   one sweep -> baseline, noise, artefact end, response measures
 *   site.c    robust statistics and waveform helpers used by sweep.c
 */
#ifndef EDX_NCS_INTERNAL_H
#define EDX_NCS_INTERNAL_H

#include <stddef.h>

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

/* Integral (samples x µV) of max(0, b - x) between the sub-sample positions
 * from and to, trapezoids with partial end intervals. */
double ncs_neg_area(const double *x, size_t n, double b, double from, double to);

#endif /* EDX_NCS_INTERNAL_H */
