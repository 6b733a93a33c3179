/*
 * detect.c - robust noise level and threshold detection of candidate
 * potentials (runs of supra-threshold samples).
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "common/hot.h"
#include "edx/emg.h"

/* v[lo..hi] reordered so that the values below p (or at most p, with
 * or_equal) come first; returns where the others begin. A swap in every
 * step and no branch on the data: the comparisons of a noise sample are a
 * coin toss, which a branch predictor loses half the time. */
static size_t partition(double *v, size_t lo, size_t hi, double p, bool or_equal)
{
    size_t store = lo;
    for (size_t i = lo; i <= hi; i++) {
        double x = v[i];
        v[i] = v[store];
        v[store] = x;
        store += or_equal ? x <= p : x < p;
    }
    return store;
}

static double median3(double a, double b, double c)
{
    return a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
}

double emg_select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double p = median3(v[lo], v[lo + (hi - lo) / 2], v[hi]);
        size_t lt = partition(v, lo, hi, p, false); /* [lo, lt) < p */
        if (k < lt) {
            hi = lt - 1;
            continue;
        }
        size_t le = partition(v, lt, hi, p, true); /* [lt, le) == p */
        if (k < le)
            return p;
        if (le == lt) /* no value equals p: only a NaN does that */
            break;
        lo = le;
    }
    return v[k];
}

double emg_noise_sd(const double *x, size_t n, size_t stride, double *scratch)
{
    if (!x || !scratch || n == 0)
        return 0;
    if (stride == 0)
        stride = 1;
    size_t m = 0;
    for (size_t i = 0; i < n; i += stride)
        scratch[m++] = fabs(x[i]);
    /* MAD of a zero-mean normal variable is 0.6745 sd */
    return emg_select_kth(scratch, m, m / 2) / 0.6745;
}

/* Index of the largest |y| in [a, b). */
static size_t arg_abs_max(const double *y, size_t a, size_t b)
{
    size_t k = a;
    double best = fabs(y[a]); /* held, not reloaded: no chain through memory */
    for (size_t i = a + 1; i < b; i++)
        if (fabs(y[i]) > best) {
            best = fabs(y[i]);
            k = i;
        }
    return k;
}

static size_t emit(const double *y, size_t a, size_t b, size_t pk, int64_t first, emg_run *out,
                   size_t n, size_t cap)
{
    if (n >= cap)
        return n;
    out[n] = (emg_run){first + (int64_t)a, first + (int64_t)b, first + (int64_t)pk, y[pk]};
    return n + 1;
}

/* A long run split at the maxima of |y| that dominate split_half samples
 * either side; each piece reaches halfway to its neighbours. */
static size_t split_long(const double *y, size_t a, size_t b, double thr, size_t half,
                         int64_t first, emg_run *out, size_t n, size_t cap)
{
    size_t last_peak = 0, piece_start = a;
    bool have = false;
    for (size_t i = a; i < b && n < cap; i++) {
        double v = fabs(y[i]);
        if (v < thr)
            continue;
        size_t lo = i > a + half ? i - half : a, hi = i + half < b ? i + half + 1 : b;
        if (arg_abs_max(y, lo, hi) != i)
            continue;
        if (have) {
            size_t mid = (last_peak + i) / 2;
            n = emit(y, piece_start, mid, last_peak, first, out, n, cap);
            piece_start = mid;
        }
        last_peak = i;
        have = true;
    }
    if (have)
        n = emit(y, piece_start, b, last_peak, first, out, n, cap);
    return n;
}

/* First i in [i, hi) with |y[i]| not below thr (hi when none): blocks of
 * quiet samples are passed over whole (most of a recording is noise). */
EDX_HOT_CLONES
static size_t next_loud(const double *y, size_t i, size_t hi, double thr)
{
    enum { BLOCK = 16 };
    for (; i + BLOCK <= hi; i += BLOCK) {
        int loud = 0;
        for (int k = 0; k < BLOCK; k++)
            loud |= !(fabs(y[i + (size_t)k]) < thr);
        if (loud)
            break;
    }
    while (i < hi && fabs(y[i]) < thr)
        i++;
    return i;
}

size_t emg_detect_runs(const double *y, size_t lo, size_t hi, int64_t first, double threshold,
                       size_t gap, size_t max_len, size_t split_half, emg_run *out, size_t cap,
                       size_t *resume)
{
    size_t n = 0, i = lo;
    *resume = hi;
    while (n < cap && (i = next_loud(y, i, hi, threshold)) < hi) {
        size_t a = i, b = i + 1, quiet = 0;
        for (i++; i < hi; i++) {
            if (fabs(y[i]) >= threshold) {
                b = i + 1;
                quiet = 0;
            } else if (++quiet >= gap) {
                break;
            }
        }
        if (i >= hi && quiet < gap && hi - a < 2 * max_len) { /* open: scan again later */
            *resume = a;
            return n;
        }
        if (b - a > max_len)
            n = split_long(y, a, b, threshold, split_half, first, out, n, cap);
        else
            n = emit(y, a, b, arg_abs_max(y, a, b), first, out, n, cap);
    }
    if (n >= cap && i < hi)
        *resume = i;
    return n;
}
