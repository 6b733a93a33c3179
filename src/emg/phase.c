/*
 * phase.c - two fibres firing at nearly one rate, taken apart by following
 * each one's phase from discharge to discharge.
 *
 * A fibrillating fibre fires regularly, at 0.5-15 Hz, its rate at most
 * slowing gradually [S52, S51]: each discharge falls about one interval
 * after the one before. Two fibres whose potentials are alike in size and
 * shape, and whose rates differ by less than the rhythm tolerance, share one
 * train whose intervals mix both phases and fit no one rhythm (split.c
 * takes apart only trains with two sizes, or with one rhythm holding most
 * discharges). Following one fibre - from each discharge to the one
 * nearest where its next is due, the interval updated as it goes - takes
 * out a chain that keeps its rhythm; what remains is the other fibre's.
 *
 * Such a chain also forms by chance among dense irregular discharges
 * (end-plate spikes at tens of Hz [S53, S47]): a chain stands only when the
 * other discharges are too sparse to supply its members by chance [E].
 */
#include <math.h>
#include <stddef.h>

#include "edx/common.h"
#include "emg/emg_internal.h"

/* Fibrillation rate 0.5-15 Hz [S52]: the intervals a chain may keep. */
#define MIN_INTERVAL_S (1.0 / 15.0)
#define MAX_INTERVAL_S 2.0
/* Two fibres at most 15 Hz each [S52]: a train faster than twice that on
 * average holds other activity, not two fibrillations [E]. */
#define MAX_PAIR_RATE_HZ 30.0
/* A discharge is the fibre's next when within 12 % of the interval from
 * where it is due (trains.c FIT_TOLERANCE) [E]. */
#define TOLERANCE 0.12
/* Weight of each new interval in the running one: follows the gradual
 * slowing of self-inhibition (clinical.md 1.1 [S52]) over a few
 * discharges, not one discharge's jitter [E]. */
#define SMOOTH 0.25
/* Missed discharges in a row before the chain ends (trains.c MAX_MULTIPLE
 * less one) [E]. */
#define MAX_MISSES 5
/* Candidate intervals: from each discharge to each of its next few [E]. */
#define SEEDS 3
/* Chance: were all the train's discharges where the chain runs irregular,
 * each window the chain looks in would hold one with the probability
 * their density gives; the chain's hits beyond its first two (which set
 * its interval) must be a binomial tail below 1 % once multiplied by the
 * chains tried (hidden.c) [E]. Two fibres at one rate give that density
 * too, but one fibre's chain is unbroken; a chain picked from random
 * discharges needs misses. */
#define MAX_CHANCE 0.01
/* A chain holds at least this many discharges (split.c SPLIT_MIN_N) and
 * takes four of five it is due: a fibre near the noise has some of its
 * discharges missed, and chance is judged apart (MAX_CHANCE) [E]. */
#define MIN_CHAIN 10
#define MIN_HIT_SHARE 0.8
/* One of two (or three) fibres firing through the train: a third of its
 * discharges at least, over half its length - not a short run that a few
 * irregular discharges happened to form [E]. */
#define MIN_TRAIN_SHARE (1.0 / 3.0)
#define MIN_SPAN_SHARE 0.5

typedef struct chain {
    size_t hits, misses; /* misses: between hits only */
    double base_s;       /* the interval it started with */
    double first_s, last_s;
} chain;

/* Index of the discharge of t[0..n) nearest x within tol of it, or n. */
static size_t nearest(const double *t, size_t n, double x, double tol)
{
    size_t k = edx_lower_bound(t, n, x), best = n;
    double d = tol;
    if (k < n && t[k] - x <= d) {
        d = t[k] - x;
        best = k;
    }
    if (k > 0 && x - t[k - 1] <= d)
        best = k - 1;
    return best;
}

/* Follows the rhythm from discharge j (interval base, dir +1 later or -1
 * earlier), adding to c and, when mark is not NULL, marking the discharges
 * taken. */
static void follow(const double *t, size_t n, size_t j, double base, int dir, chain *c,
                   unsigned char *mark)
{
    double anchor = t[j];
    size_t missed = 0;
    for (;;) {
        double due = anchor + (double)dir * (double)(missed + 1) * base;
        if (due < t[0] - TOLERANCE * base || due > t[n - 1] + TOLERANCE * base)
            return;
        size_t k = nearest(t, n, due, TOLERANCE * base);
        if (k == n) {
            if (++missed > MAX_MISSES)
                return;
            continue;
        }
        double step = fabs(t[k] - anchor) / (double)(missed + 1);
        base = (1.0 - SMOOTH) * base + SMOOTH * step;
        c->hits++;
        c->misses += missed;
        c->first_s = fmin(c->first_s, t[k]);
        c->last_s = fmax(c->last_s, t[k]);
        if (mark)
            mark[k] = 1;
        anchor = t[k];
        missed = 0;
    }
}

/* The chain through discharges i and j (its first interval t[j] - t[i]). */
static chain track(const double *t, size_t n, size_t i, size_t j, unsigned char *mark)
{
    chain c = {1, 0, t[j] - t[i], t[i], t[i]};
    if (mark)
        mark[i] = 1;
    follow(t, n, i, c.base_s, +1, &c, mark);
    follow(t, n, i, c.base_s, -1, &c, mark);
    return c;
}

/* Whether chain c of train t[0..n) stands: long, through the train,
 * nearly unbroken, and beyond what the train's discharges where it runs
 * give by chance among the `tried` chains (MAX_CHANCE). */
static bool stands(const chain *c, const double *t, size_t n, size_t tried)
{
    double span_s = c->last_s - c->first_s;
    if (c->hits < MIN_CHAIN || c->hits >= n || !(span_s > 0) ||
        (double)c->hits < MIN_TRAIN_SHARE * (double)n ||
        span_s < MIN_SPAN_SHARE * (t[n - 1] - t[0]) ||
        (double)c->hits < MIN_HIT_SHARE * (double)(c->hits + c->misses))
        return false;
    size_t within = edx_lower_bound(t, n, c->last_s + 1e-9) - edx_lower_bound(t, n, c->first_s);
    double p = -expm1(-(double)within / span_s * 2.0 * TOLERANCE * c->base_s);
    return emg_log10_binomial_tail(c->hits - 2, c->hits + c->misses - 2, p) +
               log10((double)tried) <=
           log10(MAX_CHANCE);
}

size_t emg_phase_chain(const double *t, size_t n, unsigned char *mark)
{
    for (size_t i = 0; i < n; i++)
        mark[i] = 0;
    double span_s = n >= 2 ? t[n - 1] - t[0] : 0;
    if (n < 2 * MIN_CHAIN || !(span_s > 0) || (double)n / span_s > MAX_PAIR_RATE_HZ)
        return 0;
    size_t best_i = n, best_j = n, best_hits = 0, tried = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n && j <= i + SEEDS; j++) {
            double d = t[j] - t[i];
            if (d < MIN_INTERVAL_S || d > MAX_INTERVAL_S)
                continue;
            chain c = track(t, n, i, j, NULL);
            tried++;
            if (c.hits > best_hits && stands(&c, t, n, tried)) {
                best_hits = c.hits;
                best_i = i;
                best_j = j;
            }
        }
    }
    if (best_i == n)
        return 0;
    chain c = track(t, n, best_i, best_j, mark);
    if (stands(&c, t, n, tried)) /* against every chain tried */
        return best_hits;
    for (size_t i = 0; i < n; i++)
        mark[i] = 0;
    return 0;
}
