/*
 * mup_dsp.c - small numeric routines of the MUP analyser. They live here
 * because the shared needle-EMG DSP header did not offer them when this
 * analyser was written; they are candidates to move there.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "emg/mup/mup_internal.h"

#define P20_OF_ABS_NORMAL 0.2533 /* P(|z| < 0.2533) = 0.20 for z ~ N(0, 1) */

/* Sorts v[0..n) ascending by insertion: fastest for the few values (up to
 * EMG_MUP_MAX_MEMBERS) most quantiles are taken of. Doubles that
 * compare equal differ at most in the sign of a zero, which no sum or
 * quantile taken from the sorted values can show. */
static void sort_small(double *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        double x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* The k-th smallest of v[0..n), k < n (Hoare's selection: v is reordered
 * so that v[0..k) <= v[k] <= v[k+1..n)). Expected O(n), where a sort of a
 * scan block took most of the decomposition's time. */
static double select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double p0 = v[lo], p1 = v[lo + (hi - lo) / 2], p2 = v[hi];
        double pivot = fmax(fmin(p0, p1), fmin(fmax(p0, p1), p2)); /* median of three */
        size_t i = lo, j = hi;
        for (;;) {
            while (v[i] < pivot)
                i++;
            while (pivot < v[j])
                j--;
            if (i >= j)
                break;
            double x = v[i];
            v[i++] = v[j];
            v[j--] = x;
        }
        /* v[lo..j] <= pivot <= v[j+1..hi], both parts non-empty */
        if (k <= j)
            hi = j;
        else
            lo = j + 1;
    }
    return v[k];
}

/* Quantile p of the sorted v[0..n), n > 0. */
static double sorted_quantile(const double *v, size_t n, double p)
{
    double pos = p * (double)(n - 1);
    size_t i = (size_t)pos;
    double f = pos - (double)i;
    return i + 1 < n ? v[i] + f * (v[i + 1] - v[i]) : v[n - 1];
}

double emg_mup_quantile(double *v, size_t n, double p)
{
    if (n == 0)
        return NAN;
    if (n <= EMG_MUP_MAX_MEMBERS) {
        sort_small(v, n);
        return sorted_quantile(v, n, p);
    }
    double pos = p * (double)(n - 1);
    size_t i = (size_t)pos;
    double f = pos - (double)i;
    if (i + 1 >= n)
        return select_kth(v, n, n - 1);
    /* the values a sort would put at i and i + 1 */
    double lo = select_kth(v, n, i), hi = v[i + 1];
    for (size_t k = i + 2; k < n; k++)
        hi = v[k] < hi ? v[k] : hi;
    return lo + f * (hi - lo);
}

#define PIVOT_SAMPLE 256 /* values the pivots of abs_order_pair() are taken from */
#define PIVOT_MARGIN 16  /* ranks either side: 2.5 standard deviations of the rank */
/* With a guess of the rms, the 20th percentile is looked for within this
 * share of where the guess puts it (about 6 % of the values of normal
 * noise lie there), before pivots are sampled. */
#define GUESS_BAND 0.15

/* The order statistics i and i + 1 of |x[0..n)| into *lo and *hi, as a
 * selection over all of them gives them, when rank i lies between the
 * values p_lo and p_hi: one pass that counts the values below p_lo and
 * keeps those between in scratch, and a selection among those. False,
 * nothing known, when the ranks are not among the kept or a value is NaN. */
static bool abs_band_pair(const double *x, size_t n, size_t i, double p_lo, double p_hi,
                          double *scratch, double *lo, double *hi)
{
    size_t below = 0, m = 0;
    bool any_nan = false;
    for (size_t j = 0; j < n; j++) {
        double v = fabs(x[j]);
        below += v < p_lo;
        any_nan |= isnan(v);
        scratch[m] = v;
        m += (v >= p_lo) & (v <= p_hi); /* &, not &&: no branch to mispredict */
    }
    if (any_nan || below > i || i + 1 >= below + m)
        return false;
    *lo = select_kth(scratch, m, i - below);
    double h = scratch[i - below + 1]; /* the smallest of the rest */
    for (size_t k = i - below + 2; k < m; k++)
        h = scratch[k] < h ? scratch[k] : h;
    *hi = h;
    return true;
}

/* abs_band_pair() (n >= 4 PIVOT_SAMPLE) between two pivots taken from an
 * even sample of the values, where rank i should lie between them (about
 * an eighth of the values). */
static bool abs_order_pair(const double *x, size_t n, size_t i, double *scratch, double *lo,
                           double *hi)
{
    double smp[PIVOT_SAMPLE];
    for (size_t j = 0; j < PIVOT_SAMPLE; j++)
        smp[j] = fabs(x[j * (n / PIVOT_SAMPLE)]);
    size_t r = i / (n / PIVOT_SAMPLE);
    r = r < PIVOT_SAMPLE ? r : PIVOT_SAMPLE - 1;
    size_t rl = r > PIVOT_MARGIN ? r - PIVOT_MARGIN : 0;
    size_t rh = r + PIVOT_MARGIN < PIVOT_SAMPLE ? r + PIVOT_MARGIN : PIVOT_SAMPLE - 1;
    double p_lo = select_kth(smp, PIVOT_SAMPLE, rl), p_hi = select_kth(smp, PIVOT_SAMPLE, rh);
    return abs_band_pair(x, n, i, p_lo, p_hi, scratch, lo, hi);
}

double emg_mup_robust_rms(const double *x, size_t n, double guess, double *scratch)
{
    if (n == 0)
        return NAN;
    size_t k = n / 5;
    double p = (double)k / (double)(n > 1 ? n - 1 : 1);
    /* as emg_mup_quantile() takes it */
    double pos = p * (double)(n - 1), lo, hi;
    size_t i = (size_t)pos;
    double q = guess * P20_OF_ABS_NORMAL; /* where the 20th percentile should lie */
    bool found = false;
    if (n >= 4 * PIVOT_SAMPLE && i + 1 < n) {
        found = q > 0 && q < HUGE_VAL &&
                abs_band_pair(x, n, i, q * (1.0 - GUESS_BAND), q * (1.0 + GUESS_BAND), scratch, &lo,
                              &hi);
        found = found || abs_order_pair(x, n, i, scratch, &lo, &hi);
    }
    if (found)
        return (lo + (pos - (double)i) * (hi - lo)) / P20_OF_ABS_NORMAL;
    for (size_t j = 0; j < n; j++)
        scratch[j] = fabs(x[j]);
    return emg_mup_quantile(scratch, n, p) / P20_OF_ABS_NORMAL;
}

/* The samples k = 0, 1, ... from which t + k (t = fl(t0 + k0) in
 * [2^(e-1), 2^e), as emg_mup_interp() is given it) stays below 2^e, and the
 * cubic reads x[i + k - 1 .. i + k + 2] inside x[0..n), i = floor(t): there
 * fl(t0 + k0 + k) = t + k exactly (k is a whole number of t's ulps, and
 * rounding to the same grid keeps the parity that breaks ties), so every
 * sample has the fraction of t. t in [1, n - 2). */
static size_t one_fraction_run(double t, size_t n)
{
    int e;
    frexp(t, &e);
    double room = ceil(ldexp(1.0, e) - t); /* exact: both lie in t's binade */
    size_t i = (size_t)t, len = n - 2 - i;
    return room < (double)len ? (size_t)room : len;
}

/* The cubic of emg_mup_cubic() at fraction f as four weights, one per
 * sample it reads. */
typedef struct {
    double w0, w1, w2, w3;
} cubic_weights;

static cubic_weights weights_at(double f)
{
    double f2 = f * f, f3 = f2 * f;
    cubic_weights c = {0.5 * (-f + 2.0 * f2 - f3), 0.5 * (2.0 - 5.0 * f2 + 3.0 * f3),
                       0.5 * (f + 4.0 * f2 - 3.0 * f3), 0.5 * (f3 - f2)};
    return c;
}

/* o[j] = the cubic through p[j .. j + 3] at fraction f, j in [0, len): one
 * fraction for the whole run, so four fixed weights, four products a
 * sample (a vector loop under the dynamic cost model, src/emg/mup/
 * CMakeLists.txt). */
EDX_HOT_CLONES
static void cubic_run(const double *restrict p, size_t len, double f, double *restrict o)
{
    cubic_weights c = weights_at(f);
    for (size_t j = 0; j < len; j++)
        o[j] = c.w0 * p[j] + c.w1 * p[j + 1] + c.w2 * p[j + 2] + c.w3 * p[j + 3];
}

/* As cubic_run(), each value rounded to float and stored in o[j] (sign
 * +1) or taken from it (sign -1): what a double run and a pass over it
 * give, without the pass. */
EDX_HOT_CLONES
static void cubic_run_float(const double *restrict p, size_t len, double f, float *restrict o,
                            int sign)
{
    cubic_weights c = weights_at(f);
    if (sign > 0)
        for (size_t j = 0; j < len; j++)
            o[j] = (float)(c.w0 * p[j] + c.w1 * p[j + 1] + c.w2 * p[j + 2] + c.w3 * p[j + 3]);
    else
        for (size_t j = 0; j < len; j++)
            o[j] -= (float)(c.w0 * p[j] + c.w1 * p[j + 1] + c.w2 * p[j + 2] + c.w3 * p[j + 3]);
}

/* The runs of emg_mup_interp_run() into out (double) or outf (float, with
 * sign as for cubic_run_float()). */
static void interp_runs(const double *restrict x, size_t n, double t0, size_t k0, size_t k1,
                        double *restrict out, float *restrict outf, int sign)
{
    for (size_t k = k0; k < k1;) {
        double t = t0 + (double)k;
        if (n < 4 || !(t >= 1.0 && t < (double)(n - 2))) { /* the ends: clamped */
            double v = emg_mup_interp(x, n, t);
            if (out)
                out[k - k0] = v;
            else
                outf[k - k0] = sign > 0 ? (float)v : outf[k - k0] - (float)v;
            k++;
            continue;
        }
        size_t i = (size_t)t, len = one_fraction_run(t, n);
        len = len < k1 - k ? len : k1 - k;
        if (out)
            cubic_run(x + i - 1, len, t - (double)i, out + (k - k0));
        else
            cubic_run_float(x + i - 1, len, t - (double)i, outf + (k - k0), sign);
        k += len;
    }
}

void emg_mup_interp_run(const double *restrict x, size_t n, double t0, size_t k0, size_t k1,
                        double *restrict out)
{
    interp_runs(x, n, t0, k0, k1, out, NULL, 1);
}

void emg_mup_interp_run_float(const double *restrict x, size_t n, double t0, size_t k0, size_t k1,
                              float *restrict out, int sign)
{
    interp_runs(x, n, t0, k0, k1, NULL, out, sign);
}

/* Columns of member windows sorted at a time: EMG_MUP_MAX_MEMBERS rows of
 * them take 8 kB of stack. */
#define COL_BLOCK 64

/* Puts the smaller of a[c] and b[c] in a[c], the larger in b[c], for the
 * COL_BLOCK columns (a fixed count and no overlap, so that it vectorises;
 * when equal, a keeps its own value and b its own, and a NaN stays where it
 * is). The two selects are those of the minps and maxps instructions (NaN
 * or equal: the second operand), so gcc emits them rather than a compare
 * and two blends; isless() keeps it from sharing one compare between them,
 * which loses that. */
static void compare_exchange(float *restrict a, float *restrict b)
{
    for (size_t c = 0; c < COL_BLOCK; c++) {
        float x = a[c], y = b[c];
        float lo = y < x ? y : x, hi = isless(y, x) ? x : y;
        a[c] = lo;
        b[c] = hi;
    }
}

/* Copies columns [c0, c0 + n) of the rows pick[0..m) (`stride` floats
 * apart) into blk (row r at r * COL_BLOCK, zeros past n) and sorts each
 * column, ascending, with Batcher's odd-even merge network (any m). Every
 * column takes the same compare-exchanges, so the work runs along rows,
 * without the branches of a sort per column, which took most of the
 * averaging's time. */
EDX_HOT_CLONES
static void sort_columns(const float *rows, const size_t *pick, size_t m, size_t stride, size_t c0,
                         size_t n, float *blk)
{
    for (size_t r = 0; r < m; r++) {
        memcpy(blk + r * COL_BLOCK, rows + (pick ? pick[r] : r) * stride + c0, n * sizeof *blk);
        memset(blk + r * COL_BLOCK + n, 0, (COL_BLOCK - n) * sizeof *blk);
    }
    for (size_t p = 1; p < m; p *= 2)
        for (size_t k = p; k >= 1; k /= 2)
            for (size_t j = k % p; j + k < m; j += 2 * k)
                for (size_t i = j; i < j + k && i + k < m; i++)
                    if ((i ^ (i + k)) < 2 * p) /* both in one merged run of 2p */
                        compare_exchange(blk + i * COL_BLOCK, blk + (i + k) * COL_BLOCK);
}

EDX_HOT_CLONES
void emg_mup_column_means(const float *restrict rows, size_t m, size_t stride, double *restrict out)
{
    for (size_t c = 0; c < stride; c++)
        out[c] = 0;
    size_t r = 0;
    for (; r + 4 <= m; r += 4) { /* four rows a pass: fewer loads and stores of the sums */
        const float *r0 = rows + r * stride, *r1 = r0 + stride, *r2 = r1 + stride;
        const float *r3 = r2 + stride;
        for (size_t c = 0; c < stride; c++)
            out[c] += ((double)r0[c] + (double)r1[c]) + ((double)r2[c] + (double)r3[c]);
    }
    for (; r < m; r++)
        for (size_t c = 0; c < stride; c++)
            out[c] += rows[r * stride + c];
    for (size_t c = 0; c < stride; c++)
        out[c] = m ? out[c] / (double)m : 0;
}

void emg_mup_column_medians(const float *rows, const size_t *pick, size_t m, size_t stride,
                            double *out)
{
    float blk[EMG_MUP_MAX_MEMBERS * COL_BLOCK];
    double pos = 0.5 * (double)(m > 0 ? m - 1 : 0);
    size_t i = (size_t)pos;
    double f = pos - (double)i;
    for (size_t c0 = 0; c0 < stride; c0 += COL_BLOCK) {
        size_t n = stride - c0 < COL_BLOCK ? stride - c0 : COL_BLOCK;
        if (m == 0) {
            for (size_t c = 0; c < n; c++)
                out[c0 + c] = NAN;
            continue;
        }
        sort_columns(rows, pick, m, stride, c0, n, blk);
        for (size_t c = 0; c < n; c++) { /* as sorted_quantile(column, m, 0.5) */
            double v0 = blk[i * COL_BLOCK + c];
            out[c0 + c] = i + 1 < m ? v0 + f * (blk[(i + 1) * COL_BLOCK + c] - v0) : v0;
        }
    }
}

double emg_mup_energy(const double *x, size_t n)
{
    double e = 0;
    for (size_t i = 0; i < n; i++)
        e += x[i] * x[i];
    return e;
}

/* How much larger than the largest sum of squares the caller can give a
 * sum of the same squares over part of the samples may come out: the
 * rounding of n additions is below n 2^-53, and n stays below 10^5. */
#define ENERGY_MARGIN 1e-9

/* Sum of (x[i] - y[i])^2 over i in [0, n), in four interleaved partial
 * sums: another order than emg_mup_distance_below()'s, so another
 * rounding, but within n 2^-53 of the exact sum, relative. */
EDX_HOT_CLONES
static double squared_diff_sum(const double *x, const double *y, size_t n)
{
    double s[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (size_t l = 0; l < 4; l++) {
            double d = x[i + l] - y[i + l];
            s[l] += d * d;
        }
    for (; i < n; i++)
        s[0] += (x[i] - y[i]) * (x[i] - y[i]);
    return (s[0] + s[1]) + (s[2] + s[3]);
}

/* Whether the squared differences of x[0..n) and y[0..n) are sure to
 * reach `stop` in emg_mup_distance_below()'s order too: their sum over the
 * middle eighth and the middle half (where a MUP's spike lies, so where
 * most of it is), then over all, each compared with `stop` raised by more
 * than the rounding of either order. */
static bool surely_reaches(const double *x, const double *y, size_t n, double stop)
{
    double sure = stop * (1.0 + ENERGY_MARGIN);
    size_t q = n / 4, c = (n - n / 8) / 2;
    if (n >= 64 && squared_diff_sum(x + c, y + c, n - 2 * c) >= sure)
        return true;
    double mid = squared_diff_sum(x + q, y + q, n - 2 * q);
    if (mid >= sure)
        return true;
    return mid + squared_diff_sum(x, y, q) + squared_diff_sum(x + n - q, y + n - q, q) >= sure;
}

double emg_mup_distance_below(const double *a, const double *b, size_t n, int shift, double e_max,
                              double bound)
{
    /* compare where both are defined: a[i] and b[i + shift] for i in [i0, i1) */
    size_t i0 = shift < 0 ? (size_t)(-(long)shift) : 0, i1 = shift > 0 ? (size_t)shift : 0;
    i1 = i1 < n ? n - i1 : 0;
    /* The squared differences only add up: once their sum reaches the bound
     * times the largest energy the distance can be divided by, the
     * distance will not come out below the bound. */
    double stop = bound * e_max * (1.0 + ENERGY_MARGIN);
    if (stop > 0 && stop < HUGE_VAL && i1 > i0 &&
        surely_reaches(a + i0, b + (size_t)((long)i0 + shift), i1 - i0, stop))
        return HUGE_VAL;
    double ea = 0, eb = 0, ed = 0;
    for (size_t i = i0; i < i1; i++) {
        double bv = b[(size_t)((long)i + shift)];
        ea += a[i] * a[i];
        eb += bv * bv;
        ed += (a[i] - bv) * (a[i] - bv);
        if ((i - i0) % 8 == 7 && stop > 0 && ed >= stop)
            return HUGE_VAL;
    }
    double e = fmax(ea, eb);
    return e > 0 ? ed / e : 1.0;
}

/* e less the larger of the first and the last smax samples' energies */
double emg_mup_kept_energy(const double *x, double e, size_t n, size_t smax)
{
    smax = smax < n ? smax : n;
    double head = emg_mup_energy(x, smax), tail = emg_mup_energy(x + n - smax, smax);
    double k = e - (head > tail ? head : tail);
    return k > 0 ? k : 0;
}

/* Over the samples a shift leaves, |a - b|^2 >= (|a| - |b|)^2 (the
 * triangle inequality), and the distance divides by at most max(ea, eb):
 * when even the least a keeps outweighs all of b, the distance is at least
 * (sqrt(ka) - sqrt(eb))^2 / max(ea, eb), and so the other way round.
 * The floor is lowered by 1e-6 of itself, far more than the rounding of
 * sums taken in another order. */
double emg_mup_shift_floor(double ea, double ka, double eb, double kb)
{
    double hi = ea > eb ? ea : eb, gap = 0;
    if (!(hi > 0) || !(hi < HUGE_VAL))
        return 0;
    if (ka > eb)
        gap = sqrt(ka) - sqrt(eb);
    else if (kb > ea)
        gap = sqrt(kb) - sqrt(ea);
    return gap * gap / hi * (1.0 - 1e-6);
}

double emg_mup_distance(const double *a, const double *b, size_t n, int shift)
{
    return emg_mup_distance_below(a, b, n, shift, 0, HUGE_VAL);
}
