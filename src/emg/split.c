/*
 * split.c - one train, two generators: two fibres near the needle can give
 * potentials of one shape but not of one size (a single fibre's potential
 * keeps its amplitude from discharge to discharge [S52]), and template
 * matching, which allows a generator's amplitude to wax and wane (myotonic,
 * neuromyotonic), may put both into one train. Their interleaved
 * discharges then look irregular, and the train is left unclassified or
 * taken for end-plate spikes.
 *
 * A reader tells them apart by size and rhythm together: the train's
 * amplitudes fall into two groups far apart (two modes, not one spread),
 * and at least one group fires with a rhythm of its own. Only then is the
 * train split; a group that keeps no rhythm stays a train of its own and is
 * classified as such. Irregular end-plate spikes, whose amplitudes spread
 * without two modes, and random discharges, which keep no rhythm, stay as
 * they were [E].
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edx/common.h"
#include "emg/emg_internal.h"

/* Each group a sustained train: summary.c's SUSTAINED_N [E]. */
#define SPLIT_MIN_N 10
/* Group means at least 4 pooled SDs apart: one normal spread split at its
 * middle gives 2.7, an even (flat) spread 3.5; two sizes measured in noise
 * give more [E]. */
#define SPLIT_SEPARATION 4.0
/* The rhythm of a group: nearly every interval fits it (trains.c
 * RHYTHM_FRACTION), which few random discharges do by chance [E]. */
#define SPLIT_RHYTHM 0.9
/* A discharge of the other group exactly where the rhythmic group misses
 * one (its neighbours two base intervals apart, it half way, each within
 * trains.c's FIT_TOLERANCE of the base) is the rhythmic generator's: its
 * size was changed by another discharge or the noise [E]. */
#define GAP_TOLERANCE 0.12
/* Generators taken apart from one train at most [E]. */
#define SPLIT_MAX_PARTS 4

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The amplitude between the two groups of a[0..n) (sorted): the split that
 * leaves the least spread within the groups, each SPLIT_MIN_N or more;
 * NAN when their means lie less than SPLIT_SEPARATION pooled SDs apart. */
static double amplitude_gap(const float *a, size_t n)
{
    double s_all = 0, s2_all = 0;
    for (size_t i = 0; i < n; i++) {
        s_all += a[i];
        s2_all += (double)a[i] * a[i];
    }
    double s = 0, s2 = 0, best_within = HUGE_VAL, best_sep = 0, cut = NAN;
    for (size_t k = 1; k < n; k++) {
        s += a[k - 1];
        s2 += (double)a[k - 1] * a[k - 1];
        if (k < SPLIT_MIN_N || n - k < SPLIT_MIN_N)
            continue;
        double n0 = (double)k, n1 = (double)(n - k), m0 = s / n0, m1 = (s_all - s) / n1;
        double within = (s2 - n0 * m0 * m0) + (s2_all - s2 - n1 * m1 * m1);
        if (within < best_within) {
            best_within = within;
            best_sep = (m1 - m0) / sqrt(fmax(within / (n0 + n1 - 2.0), 1e-12));
            cut = 0.5 * ((double)a[k - 1] + (double)a[k]);
        }
    }
    return best_sep >= SPLIT_SEPARATION ? cut : NAN;
}

static bool has_rhythm_type(emg_type ty)
{
    return ty == EMG_FIBRILLATION || ty == EMG_PSW || ty == EMG_CRD;
}

static bool has_rhythm(const emg_train *t)
{
    return t->regular_fraction >= SPLIT_RHYTHM && has_rhythm_type(t->type);
}

/* Trains that may hold two generators: those the rules could not place
 * or took for end-plate spikes; a myotonic run (one fibre whose rate waxes
 * and wanes [S45]) that a steadily firing fibre of its shape joined; and
 * "fasciculations" of a PSW's shape, which at 100 uV and more measure
 * MUP-sized, that a steady PSW and other discharges of its size formed. */
static bool may_split(const emg_train *t)
{
    if (t->n < 2 * SPLIT_MIN_N)
        return false;
    return t->type == EMG_UNCLASSIFIED || t->type == EMG_END_PLATE || t->type == EMG_MYOTONIC ||
           (t->type == EMG_FASCICULATION && emg_is_psw_shaped(&t->shape));
}

/* Mean discharge amplitude of train k (the size its mean waveform has). */
static double mean_amp(const emg_spont_result *r, size_t k)
{
    double s = 0;
    size_t n = 0;
    for (size_t i = 0; i < r->n_events; i++)
        if (r->events[i].unit == k + 1) {
            s += r->events[i].amplitude_uv;
            n++;
        }
    return n ? s / (double)n : NAN;
}

/* The mean-waveform measures of a part: the whole train's, at the part's
 * own size (mean discharge amplitude, own, against the whole's). */
static void scale_shape(emg_features *f, const emg_features *whole_shape, double whole, double own)
{
    *f = *whole_shape;
    if (whole > 0 && own > 0) {
        f->amplitude_uv *= own / whole;
        f->area_uv_ms *= own / whole;
    }
}

/* Whether t lies in the middle of a missed discharge of the rhythm a[0..n)
 * (sorted) with base interval `base`. */
static bool fills_gap(const double *a, size_t n, double base, double t)
{
    size_t lo = edx_lower_bound(a, n, t);
    if (lo == 0 || lo == n)
        return false;
    double gap = a[lo] - a[lo - 1], tol = GAP_TOLERANCE * base;
    return fabs(gap - 2.0 * base) <= tol && fabs(t - (a[lo - 1] + base)) <= tol &&
           fabs(a[lo] - t - base) <= tol;
}

/* Whether t (one of b[0..n), sorted) keeps b's rhythm of base interval
 * `base`: its nearest other discharge a whole number of bases away. */
static bool keeps_rhythm(const double *b, size_t n, double base, double t)
{
    size_t lo = edx_lower_bound(b, n, t);
    double d = INFINITY; /* b[lo] is t itself */
    if (lo > 0)
        d = t - b[lo - 1];
    if (lo + 1 < n)
        d = fmin(d, b[lo + 1] - t);
    double k = floor(d / base + 0.5);
    return k >= 1 && fabs(d - k * base) <= GAP_TOLERANCE * base;
}

/* Gives rhythmic train a the discharges of train b that fill its missed
 * ones, unless they keep b's own rhythm; how many moved. tb: room for
 * b's times. */
static size_t fill_from(emg_spont_result *r, size_t a, size_t b, double *ta, double *tb)
{
    if (!has_rhythm(&r->trains[a]))
        return 0;
    size_t na = emg_train_times(r, a, ta), nb = emg_train_times(r, b, tb), moved = 0;
    bool b_rhythm = has_rhythm(&r->trains[b]);
    double base_a = 1.0 / r->trains[a].rate_hz, base_b = 1.0 / r->trains[b].rate_hz;
    for (size_t e = 0; e < r->n_events; e++) {
        double t = r->events[e].time_s;
        if (r->events[e].unit != b + 1 || !fills_gap(ta, na, base_a, t) ||
            (b_rhythm && keeps_rhythm(tb, nb, base_b, t)))
            continue;
        r->events[e].unit = (uint32_t)(a + 1);
        moved++;
    }
    return moved;
}

/* Each of trains i and j that has a rhythm takes back its discharges from
 * the other (fill_from); both are timed again when any moved. */
static void fill_gaps(emg_spont_result *r, size_t i, size_t j, double *times, float *amps)
{
    double *tb = times + r->n_events + 1;
    size_t moved = fill_from(r, i, j, times, tb);
    moved += fill_from(r, j, i, times, tb);
    if (moved) {
        emg_rebuild_train(r, i, times, amps);
        emg_rebuild_train(r, j, times, amps);
    }
}

/* Moves the marked discharges of train k to a new train (r->n_trains,
 * room made by the caller) and times and classifies both; keeps the split
 * when `keep` says so of the two, undoes it otherwise. Returns whether it
 * was kept. */
static bool try_split(emg_spont_result *r, size_t k, const unsigned char *mark,
                      bool (*keep)(const emg_train *, const emg_train *), double *times,
                      float *amps)
{
    size_t nk = r->n_trains;
    emg_train saved = r->trains[k], *lo = &r->trains[k], *hi = &r->trains[nk];
    double whole = mean_amp(r, k);
    for (size_t i = 0; i < r->n_events; i++)
        if (r->events[i].unit == k + 1 && mark[i])
            r->events[i].unit = (uint32_t)(nk + 1);
    r->n_trains++;
    memset(hi, 0, sizeof *hi);
    hi->unit = (uint32_t)(nk + 1);
    hi->site = saved.site;
    scale_shape(&hi->shape, &saved.shape, whole, mean_amp(r, nk));
    scale_shape(&lo->shape, &saved.shape, whole, mean_amp(r, k));
    emg_rebuild_train(r, nk, times, amps);
    emg_rebuild_train(r, k, times, amps);
    if (keep(lo, hi)) {
        fill_gaps(r, k, nk, times, amps);
        return true;
    }
    emg_move_discharges(r, nk, k);
    *lo = saved;
    r->n_trains--;
    return false;
}

/* A split by size stands when either group keeps a rhythm. */
static bool keep_by_size(const emg_train *lo, const emg_train *hi)
{
    return has_rhythm(lo) || has_rhythm(hi);
}

/* A split by rhythm stands when the rhythm is the train's: it keeps it and
 * two thirds of the discharges. */
static bool keep_by_rhythm(const emg_train *in, const emg_train *rest)
{
    return has_rhythm(in) && 3 * in->n >= 2 * (in->n + rest->n);
}

/* Marks the discharges of train k of at least `cut` uV; how many. */
static size_t mark_by_size(const emg_spont_result *r, size_t k, double cut, unsigned char *mark)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_events; i++) {
        mark[i] =
            r->events[i].unit == k + 1 && !r->events[i].is_due && r->events[i].amplitude_uv >= cut;
        n += mark[i];
    }
    return n;
}

/* How far a discharge `d` s from another misses one or two base intervals
 * (a missed discharge between); INFINITY beyond GAP_TOLERANCE. */
static double step_error(double d, double base)
{
    double e = fmin(fabs(d - base), fabs(d - 2.0 * base));
    return e <= GAP_TOLERANCE * base ? e : INFINITY;
}

/* How well discharge j of t[0..n) keeps the rhythm: the smallest step
 * error to an earlier and to a later discharge (the few nearest, as other
 * discharges may fall between), summed; only one side at the train's
 * ends; INFINITY when a side has none in rhythm. */
static double rhythm_error(const double *t, size_t n, size_t j, double base)
{
    double before = j == 0 ? 0 : INFINITY, after = j + 1 == n ? 0 : INFINITY;
    for (size_t i = j; i > 0 && t[j] - t[i - 1] <= 2.5 * base; i--)
        before = fmin(before, step_error(t[j] - t[i - 1], base));
    for (size_t i = j + 1; i < n && t[i] - t[j] <= 2.5 * base; i++)
        after = fmin(after, step_error(t[i] - t[j], base));
    return before + after;
}

/* Marks the discharges of train k out of its rhythm; how many. The base
 * interval is the median interval: a rhythm holding most discharges gives
 * most intervals (another generator's discharges between halve a few; a
 * base from the intervals' common divisor would take that half). Of two in rhythm less than half a
 * base apart only the one closer to it stays (the other falls where a discharge is due). tk, err:
 * room for its times. */
static size_t mark_off_rhythm(const emg_spont_result *r, size_t k, double *tk, double *err,
                              unsigned char *mark)
{
    size_t n = emg_train_times(r, k, tk), off = 0;
    double base = r->trains[k].median_interval_ms / 1000.0;
    if (!(base > 0))
        return 0;
    for (size_t j = 0; j < n; j++)
        err[j] = rhythm_error(tk, n, j, base);
    for (size_t j = 1; j < n; j++)
        if (isfinite(err[j]) && isfinite(err[j - 1]) && tk[j] - tk[j - 1] < 0.5 * base) {
            if (err[j] < err[j - 1])
                err[j - 1] = INFINITY;
            else
                err[j] = INFINITY;
        }
    for (size_t i = 0, j = 0; i < r->n_events; i++) {
        mark[i] = r->events[i].unit == k + 1 && !isfinite(err[j]);
        j += r->events[i].unit == k + 1;
        off += mark[i];
    }
    return off;
}

/* A split by phase stands when the chain taken out keeps its rhythm. */
static bool keep_by_phase(const emg_train *rest, const emg_train *chained)
{
    (void)rest;
    return has_rhythm(chained) && chained->n >= SPLIT_MIN_N;
}

/* Marks the discharges of train k that one fibre's phase, followed from
 * discharge to discharge, takes (phase.c); how many. tk: room for its
 * times; in: room for as many flags. */
static size_t mark_phase_chain(const emg_spont_result *r, size_t k, double *tk, unsigned char *in,
                               unsigned char *mark)
{
    size_t n = emg_train_times(r, k, tk), taken = emg_phase_chain(tk, n, in);
    for (size_t i = 0, j = 0; i < r->n_events; i++) {
        mark[i] = r->events[i].unit == k + 1 && taken && in[j];
        j += r->events[i].unit == k + 1;
    }
    return taken;
}

/* Whether the n_marked of train k's n discharges and the others alternate
 * in time, as two generators firing together do: the smaller group then
 * falls into runs of two discharges or fewer on average, so the runs of
 * both groups are at least as many as its discharges. One generator that
 * changes (a myotonic run's size and rate wax and wane [S45]; its steady
 * middle keeps a rhythm its ends leave) gives a few long runs [E]. */
static bool groups_interleave(const emg_spont_result *r, size_t k, const unsigned char *mark,
                              size_t n_marked)
{
    size_t n = r->trains[k].n, runs = 0;
    size_t small = n_marked < n - n_marked ? n_marked : n - n_marked;
    int prev = -1;
    for (size_t i = 0; i < r->n_events; i++)
        if (r->events[i].unit == k + 1) {
            runs += mark[i] != prev;
            prev = mark[i];
        }
    return runs >= small;
}

/* Amplitudes of train k, sorted, into a; returns how many. A discharge
 * found where the train had it due (is_due) is the train's by its timing,
 * and smaller than most as the noise hid it: it splits nothing off. */
static size_t amplitudes_of(const emg_spont_result *r, size_t k, float *a)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_events; i++)
        if (r->events[i].unit == k + 1 && !r->events[i].is_due)
            a[n++] = r->events[i].amplitude_uv;
    qsort(a, n, sizeof *a, cmp_float);
    return n;
}

/* ---- a neuromyotonic discharge among a unit's other firing ----------------------------
 * A neuromyotonic discharge fires at 150-300 Hz for 0.5-2 s [S44]; a motor
 * unit of hyperexcitable axons also fires myokymic bursts and single
 * discharges [S43, S44], of one MUP shape, so template matching may put
 * all of it in one train that no rule then places. Runs of
 * EMG_NEUROMYOTONIC_MIN_N or more discharges in a row, each within
 * 1/EMG_NEUROMYOTONIC_HZ s of the one before, that lie within the span of
 * a neuromyotonic train of the site (the rest of that discharge, found
 * apart) are the neuromyotonic firing: they become a train of their own
 * when it is neuromyotonic by the rules (trains.c), and the rest is
 * classified on its own. A few end-plate spikes of several generators can
 * follow one another that fast for a few ms [S53], but not amid a
 * neuromyotonic discharge [E]. */
#define NMT_MAX_INTERVAL_S (1.0 / EMG_NEUROMYOTONIC_HZ)

static bool keep_by_rate(const emg_train *rest, const emg_train *fast)
{
    (void)rest;
    return fast->type == EMG_NEUROMYOTONIC;
}

/* Whether [a_s, b_s] lies within the span of a neuromyotonic train of
 * the site of train k. */
static bool amid_neuromyotonic(const emg_spont_result *r, size_t k, double a_s, double b_s)
{
    for (size_t j = 0; j < r->n_trains; j++) {
        const emg_train *t = &r->trains[j];
        if (j != k && t->n > 0 && t->type == EMG_NEUROMYOTONIC && t->site == r->trains[k].site &&
            t->first_s <= a_s && b_s <= t->last_s)
            return true;
    }
    return false;
}

/* Marks the discharges of train k in runs of EMG_NEUROMYOTONIC_MIN_N or
 * more above EMG_NEUROMYOTONIC_HZ amid a neuromyotonic train of its site;
 * how many. */
static size_t mark_fast_runs(const emg_spont_result *r, size_t k, unsigned char *mark)
{
    size_t marked = 0, run = 0, start = 0, last = 0;
    memset(mark, 0, r->n_events);
    for (size_t i = 0; i <= r->n_events; i++) {
        bool mine = i < r->n_events && r->events[i].unit == k + 1;
        if (i < r->n_events && !mine)
            continue;
        bool goes_on =
            mine && run > 0 && r->events[i].time_s - r->events[last].time_s <= NMT_MAX_INTERVAL_S;
        if (!goes_on && run >= EMG_NEUROMYOTONIC_MIN_N &&
            amid_neuromyotonic(r, k, r->events[start].time_s, r->events[last].time_s)) {
            for (size_t j = start; j <= last; j++)
                mark[j] = r->events[j].unit == k + 1;
            marked += run;
        }
        if (!goes_on)
            start = i;
        run = goes_on ? run + 1 : mine;
        last = mine ? i : last;
    }
    return marked;
}

/* Tries a split of train k by size, then, for a train of fibrillation
 * size, by rhythm, then by one fibre's phase. in: room for n_events flags. */
static bool split_one(emg_spont_result *r, size_t k, unsigned char *mark, unsigned char *in,
                      double *times, float *amps)
{
    double cut = amplitude_gap(amps, amplitudes_of(r, k, amps));
    size_t n_marked;
    if (!isnan(cut) && (n_marked = mark_by_size(r, k, cut, mark)) > 0 &&
        groups_interleave(r, k, mark, n_marked) && try_split(r, k, mark, keep_by_size, times, amps))
        return true;
    const emg_features *f = &r->trains[k].shape;
    if (emg_is_mup_sized(f->amplitude_uv, f->duration_ms, f->phases, f->first_polarity) &&
        !emg_is_psw_shaped(f)) /* a motor unit's irregular firing is not two generators */
        return (n_marked = mark_fast_runs(r, k, mark)) > 0 && n_marked < r->trains[k].n &&
               try_split(r, k, mark, keep_by_rate, times, amps);
    size_t off = mark_off_rhythm(r, k, times, times + r->n_events + 1, mark);
    if (off > 0 && off < r->trains[k].n && groups_interleave(r, k, mark, off) &&
        try_split(r, k, mark, keep_by_rhythm, times, amps))
        return true;
    return mark_phase_chain(r, k, times, in, mark) > 0 &&
           try_split(r, k, mark, keep_by_phase, times, amps);
}

int emg_split_mixed(emg_spont_result *r)
{
    size_t n0 = r->n_trains, cap = n0 + n0 * (SPLIT_MAX_PARTS - 1) + 1;
    double *times = malloc(2 * (r->n_events + 1) * sizeof *times); /* two lists */
    float *amps = malloc((r->n_events + 1) * sizeof *amps);
    size_t *parts = calloc(cap, sizeof *parts); /* of each train's origin, counted there */
    size_t *origin = malloc(cap * sizeof *origin);
    unsigned char *mark = malloc(2 * (r->n_events + 1)), *in = mark ? mark + r->n_events + 1 : NULL;
    int rc = times && amps && parts && origin && mark ? EDX_OK : EDX_ERR_NOMEM;
    for (size_t k = 0; !rc && k < n0; k++)
        origin[k] = k;
    for (size_t k = 0; !rc && k < r->n_trains;) {
        if (!may_split(&r->trains[k]) || parts[origin[k]] + 1 >= SPLIT_MAX_PARTS) {
            k++;
            continue;
        }
        emg_train *grown = realloc(r->trains, (r->n_trains + 1) * sizeof *grown);
        if (!grown) {
            rc = EDX_ERR_NOMEM;
            break;
        }
        r->trains = grown;
        if (split_one(r, k, mark, in, times, amps)) {
            origin[r->n_trains - 1] = origin[k];
            parts[origin[k]]++; /* k again: a part may hold two generators */
        } else {
            k++;
        }
    }
    free(times), free(amps), free(parts), free(origin), free(mark);
    return rc;
}

/* ---- two rhythms' discharges summed ---------------------------------------------------
 * Two fibres of one site that fire each at its own rate (a fibrillation
 * and a positive sharp wave, say) now and then discharge together. Their
 * sum matches neither template, so both trains miss a discharge there, and
 * a generator of a few such sums, large and long enough to be MUP-sized,
 * reads as a fasciculation; as the two rates beat, it even recurs. A
 * fibre keeps its rate and its potential its size [S52, S51]: a discharge
 * of a fasciculation train lying where rhythmic trains of its site miss a
 * discharge that is due (fills_gap), and no larger than those trains'
 * potentials together (within EMG_FIBRE_SIZE_TOLERANCE), is their
 * discharge; it goes to the one it lies nearest to where due, which keeps
 * its class. A motor unit's discharge is mostly larger than the fibres'
 * summed, and one that small falling just there is chance [E; simulator
 * corpus C, 352 studies: 24 of its 187 false fasciculations go back, no
 * true one; taking unplaced trains' discharges too gained nothing]. */

typedef struct rhythm {
    size_t k, at, n, filled; /* train, its times pool[at..at + n), the gap last filled */
    double base_s;
} rhythm;

/* The rhythmic trains of r into rh, their times into pool; how many. */
static size_t rhythms_of(const emg_spont_result *r, rhythm *rh, double *pool)
{
    size_t m = 0, at = 0;
    for (size_t k = 0; k < r->n_trains; k++)
        if (r->trains[k].n > 0 && has_rhythm(&r->trains[k])) {
            rh[m] = (rhythm){k, at, emg_train_times(r, k, pool + at), SIZE_MAX,
                             1.0 / r->trains[k].rate_hz};
            at += rh[m++].n;
        }
    return m;
}

/* The rhythm (index into rh) event e fills a due discharge of, or m. */
static size_t summed_into(const emg_spont_result *r, const emg_event *e, rhythm *rh, size_t m,
                          const double *pool)
{
    double sum_uv = 0, best_s = INFINITY;
    size_t best = m;
    for (size_t j = 0; j < m; j++) {
        const rhythm *h = &rh[j];
        const double *t = pool + h->at;
        if (r->trains[h->k].site != e->site || !fills_gap(t, h->n, h->base_s, e->time_s))
            continue;
        size_t gap = edx_lower_bound(t, h->n, e->time_s);
        if (gap == h->filled)
            continue;
        sum_uv += r->trains[h->k].shape.amplitude_uv;
        double off_s = fabs(e->time_s - (t[gap - 1] + h->base_s));
        if (off_s < best_s)
            best_s = off_s, best = j;
    }
    return best < m && e->amplitude_uv <= (1.0 + EMG_FIBRE_SIZE_TOLERANCE) * sum_uv ? best : m;
}

int emg_return_summed(emg_spont_result *r)
{
    rhythm *rh = malloc((r->n_trains + 1) * sizeof *rh);
    double *pool = malloc((r->n_events + 1) * sizeof *pool);
    float *amps = malloc((r->n_events + 1) * sizeof *amps);
    unsigned char *touched = calloc(r->n_trains + 1, 1);
    if (!rh || !pool || !amps || !touched) {
        free(rh), free(pool), free(amps), free(touched);
        return EDX_ERR_NOMEM;
    }
    size_t m = rhythms_of(r, rh, pool);
    for (size_t i = 0; m > 0 && i < r->n_events; i++) {
        emg_event *e = &r->events[i];
        if (r->trains[e->unit - 1].type != EMG_FASCICULATION)
            continue;
        size_t j = summed_into(r, e, rh, m, pool);
        if (j == m)
            continue;
        rh[j].filled = edx_lower_bound(pool + rh[j].at, rh[j].n, e->time_s);
        touched[e->unit - 1] = touched[rh[j].k] = 1;
        e->unit = (uint32_t)(rh[j].k + 1);
    }
    for (size_t k = 0; k < r->n_trains; k++) {
        if (!touched[k])
            continue;
        emg_type was = r->trains[k].type; /* a rhythm keeps its class, whatever placed it */
        emg_rebuild_train(r, k, pool, amps);
        if (has_rhythm_type(was))
            r->trains[k].type = was;
    }
    free(rh), free(pool), free(amps), free(touched);
    return EDX_OK;
}
