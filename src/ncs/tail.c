/*
 * tail.c - the slow tail of a stimulus artefact as a sum of two decaying
 * exponentials (sweep.c step 2b).
 *
 * After the shock the amplifier and the electrode-skin interface recover:
 * a fast overshoot and a slower tail, each decaying towards the baseline as
 * a first-order system does (the AC-coupled input stage, the electrode's
 * double layer) [E]. A short-latency response (radial or median SNAP at
 * 10-14 cm) can start on that tail before it is back within the noise of
 * the baseline. The tail is modelled as
 *     x(j) - B = a1 r1^(j - t0) + a2 r2^(j - t0),  r = exp(-dt / tau)
 * with B the pre-stimulus baseline and t0 the first fitted sample. The time
 * constants are searched on a geometric grid (0.05 ms up to twice the
 * span, at most 10 ms: a longer one is not identifiable from the span) and
 * the amplitudes are the least-squares solution for each. The single
 * exponential is the model unless two (tau2 >= 2 tau1, both within the
 * span, a span of >= 1 ms) lower the squared error by more than 16 s^2, the
 * chi-square(2) 99.97 % point for the two extra parameters in noise of SD s
 * [E]: a short span cannot tell two terms apart and their extrapolation
 * would run wild. Two terms of opposite sign must also make a monotone tail
 * after the first 0.25 ms (a fast overshoot may turn into the slow tail
 * there): a pair with a later turning point is a bump, which is what a
 * response looks like, not an amplifier recovering. Geometric sums give every cross term in closed form, so a
 * fit costs one pass over the span per time constant. Nothing is
 * allocated.
 */
#include <math.h>

#include "ncs/ncs_internal.h"

#define TAU_MIN_MS 0.05
#define TAU_MAX_MS 10.0
#define TAU_STEP 1.05
#define TAU_GRID 112 /* > log(TAU_MAX_MS / TAU_MIN_MS) / log(TAU_STEP) */
#define TAU_RATIO 2.0
#define PAIR_MIN_SPAN_MS 1.0
#define PAIR_GAIN_K2 16.0
#define TURN_MAX_MS 0.25

/* sum_{k<n} q^k */
static double geo(double q, size_t n)
{
    return q < 1.0 ? (1.0 - pow(q, (double)n)) / (1.0 - q) : (double)n;
}

typedef struct grid {
    size_t m;
    double tau[TAU_GRID], r[TAU_GRID], sde[TAU_GRID];
    double sdd;
} grid;

static void fill_grid(const double *x, size_t lo, size_t hi, double base, double dt_ms,
                      grid *g)
{
    double tau_max = fmin(TAU_MAX_MS, 2.0 * (double)(hi - lo) * dt_ms);
    g->m = 0;
    g->sdd = 0;
    for (size_t j = lo; j < hi; j++)
        g->sdd += (x[j] - base) * (x[j] - base);
    for (double tau = TAU_MIN_MS; tau <= tau_max && g->m < TAU_GRID; tau *= TAU_STEP) {
        double r = exp(-dt_ms / tau), e = 1.0, s = 0;
        for (size_t j = lo; j < hi; j++, e *= r)
            s += (x[j] - base) * e;
        g->tau[g->m] = tau;
        g->r[g->m] = r;
        g->sde[g->m++] = s;
    }
}

static void try_single(const grid *g, size_t n, ncs_tail *out, double *best)
{
    for (size_t i = 0; i < g->m; i++) {
        double see = geo(g->r[i] * g->r[i], n), a = g->sde[i] / see;
        double err = g->sdd - a * g->sde[i];
        if (err < *best) {
            *best = err;
            *out = (ncs_tail){a, g->tau[i], 0.0, 0.0, out->t0};
        }
    }
}

/* Where the derivative of a1 e^(-u/t1) + a2 e^(-u/t2) (t1 < t2) changes
 * sign, in ms from t0; 0 when it never does after t0. */
static double turning_ms(double a1, double t1, double a2, double t2)
{
    if (a1 * a2 >= 0)
        return 0.0;
    double ratio = fabs(a1) * t2 / (fabs(a2) * t1);
    return ratio > 1.0 ? log(ratio) / (1.0 / t1 - 1.0 / t2) : 0.0;
}

static void try_pairs(const grid *g, size_t n, double span_ms, ncs_tail *out, double *best)
{
    for (size_t i = 0; i < g->m; i++) {
        double s11 = geo(g->r[i] * g->r[i], n);
        for (size_t k = i + 1; k < g->m; k++) {
            if (g->tau[k] < TAU_RATIO * g->tau[i] || g->tau[k] > span_ms)
                continue;
            double s22 = geo(g->r[k] * g->r[k], n), s12 = geo(g->r[i] * g->r[k], n);
            double det = s11 * s22 - s12 * s12;
            if (!(det > 1e-9 * s11 * s22))
                continue;
            double a1 = (g->sde[i] * s22 - g->sde[k] * s12) / det;
            double a2 = (g->sde[k] * s11 - g->sde[i] * s12) / det;
            double err = g->sdd - a1 * g->sde[i] - a2 * g->sde[k];
            if (err < *best && turning_ms(a1, g->tau[i], a2, g->tau[k]) <= TURN_MAX_MS) {
                *best = err;
                *out = (ncs_tail){a1, g->tau[i], a2, g->tau[k], out->t0};
            }
        }
    }
}

void ncs_fit_tail(const double *x, size_t lo, size_t hi, double base, double dt_ms,
                  double sigma, ncs_tail *out)
{
    *out = (ncs_tail){0.0, 0.0, 0.0, 0.0, lo};
    if (hi <= lo + 4)
        return;
    grid g;
    fill_grid(x, lo, hi, base, dt_ms, &g);
    double best = INFINITY, span_ms = (double)(hi - lo) * dt_ms;
    try_single(&g, hi - lo, out, &best);
    if (span_ms < PAIR_MIN_SPAN_MS)
        return;
    ncs_tail pair = *out;
    double best_pair = best - PAIR_GAIN_K2 * sigma * sigma;
    try_pairs(&g, hi - lo, span_ms, &pair, &best_pair);
    if (pair.tau2_ms > 0)
        *out = pair;
}

double ncs_tail_at(const ncs_tail *t, size_t j, double dt_ms)
{
    if (j < t->t0)
        return 0.0;
    double u = (double)(j - t->t0) * dt_ms, v = 0.0;
    if (t->tau1_ms > 0)
        v += t->a1_uv * exp(-u / t->tau1_ms);
    if (t->tau2_ms > 0)
        v += t->a2_uv * exp(-u / t->tau2_ms);
    return v;
}
