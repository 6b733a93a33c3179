/*
 * mup_units.c - finishing an epoch: merge tracks of one unit, average each
 * track's discharges, measure, decide whether it is a MUP to count, and
 * note the epoch's firing statistics.
 *
 * A track becomes an accepted MUP when it has MUP_MIN_DISCHARGES, fires at
 * a voluntary rate (4-50 Hz, [S110]) and is at least 50 uV. The near-field
 * gate (rise time < 0.5 ms, clinical reference 2.1 [U]) is reported, not
 * applied: the share of MUPs beyond it is a warning in the findings.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emg/mup/mup_decompose.h"

#define MUP_MERGE_MAX 0.03 /* templates are averages: little noise left [E] */
#define MUP_MERGE_NOISE 4.0 /* as for matching one discharge [E] */
#define MUP_MERGE_MIN 3     /* tracks of fewer discharges are left as they are */
#define MUP_MERGE_SHIFT_MS 5.0 /* a unit aligned on another of its slopes [E] */
#define MUP_MERGE_COARSE_HZ 8000.0 /* from this rate every other shift is tried first [E] */
#define MUP_MERGE_COARSE_SLACK 3.0 /* and kept up to this many times the limit [E] */
#define MUP_LOCK_MAX_S 0.015   /* lags looked at: within one MUP's duration */
#define MUP_LOCK_JITTER_S 0.0003 /* a fixed lag: +-0.3 ms [E] */
#define MUP_LOCK_FRACTION 0.5  /* of the smaller track's discharges [E] */
#define MUP_MIN_RATE_HZ 4.0    /* lowest sustained voluntary rate [S110] */
#define MUP_MAX_RATE_HZ 50.0   /* highest voluntary rate [S110] */
#define MUP_ISI_MIN_MS 20.0    /* 50 Hz */
#define MUP_ISI_MAX_MS 250.0   /* 4 Hz */
#define MUP_HARMONIC_MAX 4.0   /* multiples of the firing interval looked for [E] */
/* An interval within 20 % of a multiple: a unit's intervals at steady
 * voluntary firing vary by 10-20 % [E]. */
#define MUP_HARMONIC_TOL 0.2
#define MUP_HARMONIC_SHARE 0.9      /* of the intervals the best candidate explains [E] */
#define MUP_HARMONIC_ONES 3         /* times the firing interval itself is seen [E] */
#define MUP_HARMONIC_ONES_SHARE 0.2 /* and at least this share of those it explains [E] */
#define MUP_MIN_AMP_UV 50.0    /* [E] */
#define MUP_BASE_MS 2.0        /* window ends that give the baseline */
#define MUP_CLEAN_MIN 6        /* discharges the clean half must keep [E] */
/* The markers of the odd and of the even members' averages may lie this
 * far apart before the duration is left unread. On simulated moderate-force
 * averages units beyond it were off by 2.8 ms (median), within 2 ms by
 * about 1 ms [E]. */
#define MUP_SPLIT_MAX_MS 5.0

static int merge_into(emg_mup_analyser *a, mup_track *dst, mup_track *src, int shift)
{
    size_t need = dst->n_times + src->n_times;
    if (need > dst->cap_times) {
        double *q = realloc(dst->times, need * sizeof *q);
        if (!q)
            return EDX_ERR_NOMEM;
        dst->times = q;
        dst->cap_times = need;
    }
    for (size_t i = 0; i < src->n_times; i++) /* the time of dst's alignment point */
        dst->times[dst->n_times + i] = src->times[i] + (double)shift / a->fs;
    dst->n_times = need;
    for (size_t m = 0; m < src->n_members && dst->n_members < EMG_MUP_MAX_MEMBERS; m++) {
        const float *in = src->members + m * a->win;
        float *out = dst->members + dst->n_members * a->win;
        dst->member_t[dst->n_members] = src->member_t[m] + (double)shift / a->fs;
        for (size_t k = 0; k < a->win; k++) {
            long j = (long)k + shift;
            out[k] = j >= 0 && j < (long)a->win ? in[j] : 0.0f;
        }
        dst->n_members++;
    }
    src->is_merged = true;
    return EDX_OK;
}

/* The wide part ([-MUP_WIDE_MS, +MUP_WIDE_MS] about the alignment point,
 * mean removed) of a track's first members' mean, for comparing tracks. */
static void wide_template(const emg_mup_analyser *a, const mup_track *t, double *out)
{
    size_t m = t->n_members < 8 ? t->n_members : 8, w = emg_mup_wide_len(a);
    size_t lo = a->pre - (w - 1) / 2;
    double mean = 0;
    for (size_t k = 0; k < w; k++)
        out[k] = 0;
    for (size_t r = 0; r < m; r++) /* each sample's sum in member order, samples side by side */
        for (size_t k = 0; k < w; k++)
            out[k] += t->members[r * a->win + lo + k];
    for (size_t k = 0; k < w; k++) {
        out[k] = m ? out[k] / (double)m : 0;
        mean += out[k];
    }
    for (size_t k = 0; k < w; k++)
        out[k] -= mean / (double)w;
}

/* Whether two templates' energies allow a distance below the limits at
 * all: |a - b|^2 / max >= (1 - sqrt(min / max))^2. */
static bool sizes_close(const mup_track *x, const mup_track *y)
{
    double lo = fmin(x->energy, y->energy), hi = fmax(x->energy, y->energy);
    return hi > 0 && lo / hi > 0.5;
}

/* MUP_MERGE_MAX plus MUP_MERGE_NOISE times the share of noise energy two
 * wide templates (means of up to 8 discharges; energies ex, ey) carry. */
static double merge_limit(const emg_mup_analyser *a, double ex, double ey, size_t w)
{
    double var = a->noise_d * a->noise_d / 2.0; /* d = x[i+h] - x[i-h] */
    double e = fmax(ex, ey);
    return e > 0 ? MUP_MERGE_MAX + MUP_MERGE_NOISE * 2.0 * (double)w * var / 8.0 / e : MUP_MERGE_MAX;
}

/* The shift of y against x (|s| <= smax) with the least distance, into
 * *best_s, and that distance when it is below `limit` (otherwise a value
 * at least `limit`). Every step-th shift first, with room to spare
 * (MUP_MERGE_COARSE_SLACK times the limit): a distance changes smoothly
 * with the shift where the samples are this close, so the least lies
 * next to the least of those; then the shifts beside it. */
static double best_shift(const double *x, const double *y, size_t w, int smax, double e_max,
                         double limit, int step, int *best_s)
{
    double best = step > 1 ? MUP_MERGE_COARSE_SLACK * limit : limit;
    *best_s = 0;
    for (int s = -smax; s <= smax; s += step) {
        double dist = emg_mup_distance_below(x, y, w, s, e_max, best);
        if (dist < best)
            best = dist, *best_s = s;
    }
    if (step == 1)
        return best;
    if (!(best < MUP_MERGE_COARSE_SLACK * limit))
        return HUGE_VAL;
    int around = *best_s;
    for (int s = around - step + 1; s < around + step; s++) {
        if (s == around || s < -smax || s > smax)
            continue;
        double dist = emg_mup_distance_below(x, y, w, s, e_max, best);
        if (dist < best)
            best = dist, *best_s = s;
    }
    return best;
}

int emg_mup_merge_tracks(emg_mup_analyser *a)
{
    int smax = (int)(MUP_MERGE_SHIFT_MS * a->fs / 1000.0 + 0.5);
    size_t w = emg_mup_wide_len(a), nt = a->n_tracks ? a->n_tracks : 1;
    double *wt = malloc(nt * (w + 2) * sizeof *wt);
    if (!wt)
        return EDX_ERR_NOMEM;
    double *et = wt + nt * w, *kt = et + nt; /* the templates' energies, kept at any shift */
    for (size_t i = 0; i < a->n_tracks; i++) {
        if (a->tracks[i].n_times < MUP_MERGE_MIN) {
            et[i] = kt[i] = 0; /* never compared */
            continue;
        }
        wide_template(a, &a->tracks[i], wt + i * w);
        et[i] = emg_mup_energy(wt + i * w, w);
        kt[i] = emg_mup_kept_energy(wt + i * w, et[i], w, (size_t)smax);
    }
    int rc = EDX_OK;
    for (size_t i = 0; i < a->n_tracks && !rc; i++) {
        mup_track *ti = &a->tracks[i];
        if (ti->n_times < MUP_MERGE_MIN)
            continue;
        for (size_t j = i + 1; j < a->n_tracks && !ti->is_merged && !rc; j++) {
            mup_track *tj = &a->tracks[j];
            if (tj->is_merged || tj->n_times < MUP_MERGE_MIN || !sizes_close(ti, tj) ||
                tj->is_weak != ti->is_weak)
                continue;
            int best_s = 0;
            double limit = merge_limit(a, et[i], et[j], w);
            if (emg_mup_shift_floor(et[i], kt[i], et[j], kt[j]) >= limit)
                continue; /* sizes too far apart at any shift */
            double best = best_shift(wt + i * w, wt + j * w, w, smax, fmax(et[i], et[j]), limit,
                                     a->fs >= MUP_MERGE_COARSE_HZ ? 2 : 1, &best_s);
            if (best < limit) {
                bool keep_i = ti->n_times >= tj->n_times;
                rc = merge_into(a, keep_i ? ti : tj, keep_i ? tj : ti, keep_i ? best_s : -best_s);
                if (!keep_i) /* tj now holds both: its wide template stays tj's */
                    break;
            }
        }
    }
    free(wt);
    return rc;
}

/* Whether most discharges of `t` follow those of `u` at one fixed lag: a
 * second steep slope of the same MUP detected apart from the first. The
 * times of both are sorted. */
static bool is_locked(const mup_track *t, const mup_track *u, double *lag)
{
    size_t k = 0, n = 0;
    for (size_t i = 0; i < t->n_times; i++) {
        while (k + 1 < u->n_times && u->times[k + 1] <= t->times[i])
            k++;
        double best = HUGE_VAL;
        for (size_t j = k; j < u->n_times && j <= k + 1; j++)
            if (fabs(t->times[i] - u->times[j]) < fabs(best))
                best = t->times[i] - u->times[j];
        if (fabs(best) <= MUP_LOCK_MAX_S)
            lag[n++] = best;
    }
    if (n < MUP_LOCK_FRACTION * (double)t->n_times)
        return false;
    qsort(lag, n, sizeof *lag, edx_cmp_double);
    size_t mode = 0, lo = 0; /* most lags within 2 x MUP_LOCK_JITTER_S of each other */
    for (size_t hi = 0; hi < n; hi++) {
        while (lag[hi] - lag[lo] > 2.0 * MUP_LOCK_JITTER_S)
            lo++;
        mode = hi - lo + 1 > mode ? hi - lo + 1 : mode;
    }
    return mode >= MUP_LOCK_FRACTION * (double)t->n_times;
}

int emg_mup_drop_locked(emg_mup_analyser *a)
{
    size_t most = 0;
    for (size_t i = 0; i < a->n_tracks; i++)
        most = a->tracks[i].n_times > most ? a->tracks[i].n_times : most;
    double *lag = malloc((most + 1) * sizeof *lag);
    if (!lag)
        return EDX_ERR_NOMEM;
    /* once for all pairs, not again for each pair */
    for (size_t i = 0; i < a->n_tracks; i++)
        qsort(a->tracks[i].times, a->tracks[i].n_times, sizeof *a->tracks[i].times, edx_cmp_double);
    for (size_t i = 0; i < a->n_tracks; i++) {
        mup_track *u = &a->tracks[i];
        if (u->is_merged || u->n_times < MUP_MIN_DISCHARGES)
            continue;
        for (size_t j = 0; j < a->n_tracks; j++) {
            mup_track *t = &a->tracks[j];
            if (j == i || t->is_merged || t->n_times > u->n_times ||
                (t->n_times == u->n_times && j < i))
                continue;
            if (is_locked(t, u, lag))
                t->is_merged = true; /* the same unit, seen again */
        }
    }
    free(lag);
    return EDX_OK;
}

/* The multiple (1 to MUP_HARMONIC_MAX) of interval t that isi lies within
 * MUP_HARMONIC_TOL of, or 0. */
static double multiple_of(double isi, double t)
{
    double r = isi / t, m = floor(r + 0.5);
    return m >= 1 && m <= MUP_HARMONIC_MAX && fabs(r / m - 1.0) <= MUP_HARMONIC_TOL ? m : 0;
}

/* How many of isi[0..k) lie near a multiple of t (multiple_of); *ones: how
 * many of them near t itself. */
static size_t harmonic_support(const double *isi, size_t k, double t, size_t *ones)
{
    size_t s = 0;
    *ones = 0;
    for (size_t j = 0; j < k; j++) {
        double m = multiple_of(isi[j], t);
        s += m > 0;
        *ones += m == 1;
    }
    return s;
}

/* The interval a unit fires at when some of its discharges were not
 * assigned to it (superimposed on other units' at moderate effort, where
 * a unit keeps a third of them or fewer): its intervals then come as 2, 3
 * or 4 times that interval, and their median reads the unit at half its
 * rate or less. Of the intervals seen, the longest that explains nearly as
 * many intervals as the best one does (MUP_HARMONIC_SHARE; every multiple
 * of an interval is one of its half too) and is itself seen
 * MUP_HARMONIC_ONES times, for MUP_HARMONIC_ONES_SHARE of those it
 * explains; then the median of interval / multiple over those it explains.
 * NAN when none qualifies, isi then untouched; otherwise overwrites isi. */
double emg_mup_firing_interval_ms(double *isi, size_t k)
{
    /* each interval's support, counted once (the second pass reads it; without
     * room, it is counted again) */
    size_t *support = malloc(2 * (k ? k : 1) * sizeof *support), best = 0, ones;
    for (size_t i = 0; i < k; i++) {
        size_t s = harmonic_support(isi, k, isi[i], &ones);
        if (support)
            support[2 * i] = s, support[2 * i + 1] = ones;
        best = s > best ? s : best;
    }
    double t = NAN;
    for (size_t i = 0; i < k; i++) {
        size_t s = support ? support[2 * i] : harmonic_support(isi, k, isi[i], &ones);
        if (support)
            ones = support[2 * i + 1];
        if ((double)s >= MUP_HARMONIC_SHARE * (double)best && ones >= MUP_HARMONIC_ONES &&
            (double)ones >= MUP_HARMONIC_ONES_SHARE * (double)s && !(isi[i] <= t))
            t = isi[i];
    }
    free(support);
    if (isnan(t))
        return NAN;
    size_t m = 0;
    for (size_t j = 0; j < k; j++) {
        double h = multiple_of(isi[j], t);
        if (h > 0)
            isi[m++] = isi[j] / h; /* m <= j: nothing unread is overwritten */
    }
    return emg_mup_quantile(isi, m, 0.5);
}

/* The rate from intervals of voluntary length: of the fundamental interval
 * (emg_mup_firing_interval_ms), else their median; NAN when fewer than 3. */
static double rate_of(double *times, size_t n, double *isi, double *p90_hz)
{
    qsort(times, n, sizeof *times, edx_cmp_double);
    size_t k = 0;
    for (size_t i = 1; i < n; i++) {
        double ms = (times[i] - times[i - 1]) * 1000.0;
        if (ms >= MUP_ISI_MIN_MS && ms <= MUP_ISI_MAX_MS)
            isi[k++] = ms;
    }
    *p90_hz = NAN;
    if (k < 3)
        return NAN;
    double fast_ms = emg_mup_quantile(isi, k, 0.1);
    *p90_hz = 1000.0 / fast_ms;
    /* isi is left as it was (reordered) when no firing interval qualifies */
    double base_ms = emg_mup_firing_interval_ms(isi, k);
    return 1000.0 / (isnan(base_ms) ? emg_mup_quantile(isi, k, 0.5) : base_ms);
}

/* The sum of squares of row - w about its mean, in one pass: the sums of
 * the differences and of their squares, each as four partial sums (one
 * vector; four samples at a time), then sum sq - sum^2 / win. The
 * differences are a few thousand uV at most over a few hundred samples, so
 * the cancellation costs no digit that a ranking reads. */
EDX_HOT_CLONES
static double deviation(size_t win, const float *restrict row, const double *restrict w)
{
    double s[4] = {0, 0, 0, 0}, q[4] = {0, 0, 0, 0};
    size_t k = 0;
    for (; k + 4 <= win; k += 4)
        for (size_t l = 0; l < 4; l++) {
            double d = (double)row[k + l] - w[k + l];
            s[l] += d;
            q[l] += d * d;
        }
    for (; k < win; k++) {
        double d = (double)row[k] - w[k];
        s[0] += d;
        q[0] += d * d;
    }
    double sum = (s[0] + s[1]) + (s[2] + s[3]), sq = (q[0] + q[1]) + (q[2] + q[3]);
    double e = sq - sum * sum / (double)win;
    return e > 0 ? e : 0;
}

/* Keeps in rank[] the cleanest half of the members: those closest to the
 * preliminary average w over the whole window (fewest other units'
 * potentials in it). Returns how many. dev: the first EMG_MUP_MAX_MEMBERS
 * doubles of scratch. */
static size_t cleanest(const emg_mup_analyser *a, const float *rows, size_t n, const double *w,
                       size_t *rank, double *scratch)
{
    double *dev = scratch;
    size_t m = 0;
    for (; m < n; m++)
        dev[m] = deviation(a->win, rows + m * a->win, w);
    for (m = 0; m < n; m++)
        rank[m] = m;
    for (size_t i = 1; i < n; i++) /* insertion sort by deviation */
        for (size_t j = i; j > 0 && dev[rank[j]] < dev[rank[j - 1]]; j--) {
            size_t x = rank[j];
            rank[j] = rank[j - 1];
            rank[j - 1] = x;
        }
    size_t keep = n / 2;
    return keep >= MUP_CLEAN_MIN ? keep : n;
}

/* Removes the baseline of an average: the line through the medians of its
 * first and last MUP_BASE_MS. */
static void remove_baseline(const emg_mup_analyser *a, double *w, double *scratch)
{
    size_t nb = (size_t)(MUP_BASE_MS * a->fs / 1000.0 + 0.5);
    nb = nb ? nb : 1;
    for (size_t k = 0; k < nb; k++)
        scratch[k] = w[k];
    double b0 = emg_mup_quantile(scratch, nb, 0.5);
    for (size_t k = 0; k < nb; k++)
        scratch[k] = w[a->win - nb + k];
    double b1 = emg_mup_quantile(scratch, nb, 0.5);
    double span = (double)(a->win - nb);
    for (size_t k = 0; k < a->win; k++) {
        double f = ((double)k - (double)nb / 2.0) / span;
        f = f < 1.0 ? f : 1.0; /* fmax(0, fmin(1, f)) without the calls; f is a number */
        w[k] -= b0 + (b1 - b0) * (f > 0.0 ? f : 0.0);
    }
}

/* Clean averaging: the median of the cleanest half of the members, those
 * closest to the mean of all (a discharge of another unit in one window
 * moves a median little, a mean by its share, which is why the mean only
 * ranks them); baseline (window ends) removed.
 * The members from cleanest to least clean into rank[0..n) (when rank is
 * not NULL); returns how many the median took. */
static size_t ranked_average(const emg_mup_analyser *a, const float *rows, size_t n, double *w,
                             double *scratch, size_t *rank)
{
    size_t own[EMG_MUP_MAX_MEMBERS];
    rank = rank ? rank : own;
    emg_mup_column_means(rows, n, a->win, w);
    size_t keep = cleanest(a, rows, n, w, rank, scratch);
    emg_mup_column_medians(rows, rank, keep, a->win, w);
    remove_baseline(a, w, scratch);
    return keep;
}

void emg_mup_average(const emg_mup_analyser *a, const float *rows, size_t n, double *w,
                     double *scratch)
{
    ranked_average(a, rows, n, w, scratch, NULL);
}

/* Median over members of rms(member - average) / rms(average), spike part. */
static double variability_pct(emg_mup_analyser *a, const mup_track *t, const double *w,
                              double *scratch)
{
    double *avg = a->cand, *row = a->win_buf, *sc = scratch + EMG_MUP_MAX_MEMBERS;
    match_part_of(a, w, avg);
    double ea = 0;
    for (size_t k = 0; k < a->mlen; k++)
        ea += avg[k] * avg[k];
    if (!(ea > 0))
        return NAN;
    for (size_t m = 0; m < t->n_members; m++) {
        for (size_t k = a->mlo; k < a->mlo + a->mlen; k++) /* the spike part is all it reads */
            sc[k] = t->members[m * a->win + k];
        match_part_of(a, sc, row);
        double ed = 0;
        for (size_t k = 0; k < a->mlen; k++)
            ed += (row[k] - avg[k]) * (row[k] - avg[k]);
        scratch[m] = 100.0 * sqrt(ed / ea);
    }
    return emg_mup_quantile(scratch, t->n_members, 0.5);
}

/* Residual noise of an average: from the median |v| of the first and last
 * MUP_BASE_MS (robust to other units' leftovers there; |z| has median
 * 0.6745 sigma). */
static double end_noise(const emg_mup_analyser *a, const double *w, double *scratch)
{
    size_t nb = (size_t)(MUP_BASE_MS * a->fs / 1000.0 + 0.5), n = 0;
    for (size_t k = 0; k < nb && k < a->win; k++) {
        scratch[n++] = fabs(w[k]);
        scratch[n++] = fabs(w[a->win - 1 - k]);
    }
    return n ? emg_mup_quantile(scratch, n, 0.5) / 0.6745 : 0;
}

static const char *judge(const emg_mup_unit *u)
{
    if (u->n_discharges < MUP_MIN_DISCHARGES)
        return "too few discharges";
    if (!(u->rate_hz >= MUP_MIN_RATE_HZ && u->rate_hz <= MUP_MAX_RATE_HZ))
        return "no voluntary firing rate";
    if (u->shape.amplitude_uv < MUP_MIN_AMP_UV)
        return "too small";
    return NULL;
}

static int push_unit(emg_mup_analyser *a, const emg_mup_unit *u)
{
    if (a->n_units == a->cap_units) {
        size_t n = a->cap_units ? 2 * a->cap_units : 16;
        emg_mup_unit *q = realloc(a->units, n * sizeof *q);
        if (!q)
            return EDX_ERR_NOMEM;
        a->units = q;
        a->cap_units = n;
    }
    a->units[a->n_units++] = *u;
    return EDX_OK;
}

/* Sorts a track's times and keeps one per discharge: merged tracks may hold
 * the same discharge seen at two of its slopes. */
void emg_mup_one_per_discharge(mup_track *t)
{
    qsort(t->times, t->n_times, sizeof *t->times, edx_cmp_double);
    size_t k = 0;
    for (size_t i = 0; i < t->n_times; i++)
        if (k == 0 || t->times[i] - t->times[k - 1] >= MUP_SAME_DISCHARGE_S)
            t->times[k++] = t->times[i];
    t->n_times = k;
}

/* How far the markers of two averages of disjoint members lie apart, ms,
 * into *ms: a duration set by leftovers of other units depends on which
 * discharges were averaged, a MUP's own does not. The members ranked
 * cleanest by the unit's average (rank[0..keep), of n) are dealt out in
 * turn to two halves of at least MUP_CLEAN_MIN each (the rest of the
 * ranking where the clean part is smaller), whose column medians are
 * compared. NAN when there are too few members or a half shows no MUP. */
static int split_half_ms(const emg_mup_analyser *a, const mup_track *t, const size_t *rank,
                         size_t keep, double *scratch, double *ms)
{
    size_t n = t->n_members, h = keep / 2;
    *ms = NAN;
    if (n / 2 < MUP_CLEAN_MIN)
        return EDX_OK;
    h = h > MUP_CLEAN_MIN ? h : MUP_CLEAN_MIN;
    double *w = malloc(a->win * sizeof *w);
    if (!w)
        return EDX_ERR_NOMEM;
    double on[2], end[2];
    int rc = EDX_OK;
    for (size_t p = 0; p < 2 && rc == EDX_OK; p++) {
        size_t pick[EMG_MUP_MAX_MEMBERS / 2];
        for (size_t i = 0; i < h; i++)
            pick[i] = rank[2 * i + p];
        emg_mup_column_medians(t->members, pick, h, a->win, w);
        remove_baseline(a, w, scratch);
        emg_mup_shape sh;
        rc = emg_mup_markers(w, a->win, a->fs, a->pre, end_noise(a, w, scratch), &sh);
        on[p] = rc == EDX_OK ? sh.onset_ms : NAN;
        end[p] = rc == EDX_OK ? sh.end_ms : NAN;
    }
    free(w);
    if (rc == EDX_OK)
        *ms = fmax(fabs(on[0] - on[1]), fabs(end[0] - end[1]));
    return rc == EDX_ERR_NOMEM ? rc : EDX_OK;
}

static int make_unit(emg_mup_analyser *a, mup_track *t, double *scratch)
{
    emg_mup_one_per_discharge(t);
    emg_mup_unit u;
    memset(&u, 0, sizeof u);
    u.state = a->state;
    u.n_discharges = t->n_times;
    u.n_averaged = t->n_members;
    u.rate_hz = rate_of(t->times, t->n_times, scratch, &u.max_rate_hz);
    u.first_s = t->times[0];
    u.last_s = t->times[t->n_times - 1];
    u.wave_uv = malloc(a->win * sizeof *u.wave_uv);
    if (!u.wave_uv)
        return EDX_ERR_NOMEM;
    u.wave_len = a->win;
    u.spike = a->pre;
    size_t rank[EMG_MUP_MAX_MEMBERS];
    size_t keep = ranked_average(a, t->members, t->n_members, u.wave_uv, scratch, rank);
    u.is_faint = t->is_weak;
    u.residual_uv = end_noise(a, u.wave_uv, scratch);
    int mrc = emg_mup_measure(u.wave_uv, u.wave_len, a->fs, u.spike, u.residual_uv, &u.shape);
    if (mrc == EDX_ERR_NOMEM) {
        free(u.wave_uv);
        return mrc;
    }
    if (mrc != EDX_OK) {
        u.shape.amplitude_uv = 0;
        u.shape.rise_time_ms = NAN;
    }
    /* a rejected unit counts nowhere: what only accepted ones need is not
     * worked out for it */
    u.reject = judge(&u);
    u.is_accepted = u.reject == NULL;
    u.variability_pct = NAN;
    double split_ms = NAN;
    if (u.is_accepted && u.shape.duration_measurable &&
        (mrc = split_half_ms(a, t, rank, keep, scratch, &split_ms)) != EDX_OK) {
        free(u.wave_uv);
        return mrc;
    }
    if (split_ms > MUP_SPLIT_MAX_MS)
        u.shape.duration_measurable = false;
    if (u.is_accepted)
        u.variability_pct = variability_pct(a, t, u.wave_uv, scratch);
    int rc = push_unit(a, &u);
    if (rc)
        free(u.wave_uv);
    return rc;
}

static int push_epoch(emg_mup_analyser *a, const emg_mup_epoch_stats *e)
{
    if (a->n_epochs == a->cap_epochs) {
        size_t n = a->cap_epochs ? 2 * a->cap_epochs : 8;
        emg_mup_epoch_stats *q = realloc(a->epochs, n * sizeof *q);
        if (!q)
            return EDX_ERR_NOMEM;
        a->epochs = q;
        a->cap_epochs = n;
    }
    a->epochs[a->n_epochs++] = *e;
    return EDX_OK;
}

/* The same unit twice in one epoch (aligned on two of its slopes, in tracks
 * too different to merge): the one with fewer discharges is not counted. */
static void dedupe_epoch(emg_mup_analyser *a, size_t first_unit, double *scratch)
{
    size_t w = emg_mup_wide_len(a);
    for (size_t i = first_unit; i < a->n_units; i++)
        for (size_t j = first_unit; j < i && a->units[i].is_accepted; j++) {
            emg_mup_unit *x = &a->units[i], *y = &a->units[j];
            if (!y->is_accepted || !emg_mup_same_unit(a, x, y, scratch, scratch + w))
                continue;
            emg_mup_unit *drop = x->is_faint != y->is_faint          ? (x->is_faint ? x : y)
                                 : x->n_discharges > y->n_discharges ? y
                                                                     : x;
            drop->is_accepted = false;
            drop->reject = "the same unit as another";
        }
}

static void epoch_rates(const emg_mup_analyser *a, size_t first_unit, emg_mup_epoch_stats *e)
{
    e->max_rate_hz = NAN;
    for (size_t i = first_unit; i < a->n_units; i++) {
        const emg_mup_unit *u = &a->units[i];
        if (!u->is_accepted)
            continue;
        e->n_units++;
        if (isnan(e->max_rate_hz) || u->rate_hz > e->max_rate_hz)
            e->max_rate_hz = u->rate_hz;
    }
    e->units_estimate = (double)e->n_units;
    e->recruitment_ratio = e->n_units ? e->max_rate_hz / e->units_estimate : NAN;
}

int emg_mup_finish_epoch(emg_mup_analyser *a)
{
    emg_mup_epoch_stats e;
    memset(&e, 0, sizeof e);
    e.state = a->state;
    e.duration_s = (double)a->n_fed / a->fs;
    e.noise_uv = a->noise_n ? a->noise_sum / (double)a->noise_n : NAN;
    e.n_spikes = a->n_spikes;
    e.n_assigned = a->n_assigned;
    bool maximal = a->state == CONV_STATE_MAXIMAL; /* turns are counted there alone */
    e.turns_per_s = maximal && e.duration_s > 0 ? (double)a->turns / e.duration_s : NAN;
    e.mean_turn_amplitude_uv = maximal && a->turns ? a->turn_amp_sum / (double)a->turns : NAN;
    /* the deviations or variabilities of the members, then a window */
    size_t need = a->win + EMG_MUP_MAX_MEMBERS, first_unit = a->n_units;
    need = need > 2 * emg_mup_wide_len(a) ? need : 2 * emg_mup_wide_len(a);
    for (size_t i = 0; i < a->n_tracks; i++)
        need = a->tracks[i].n_times > need ? a->tracks[i].n_times : need;
    double *scratch = malloc(need * sizeof *scratch);
    if (!scratch)
        return EDX_ERR_NOMEM;
    int rc = EDX_OK;
    for (size_t i = 0; i < a->n_tracks && !rc; i++) {
        mup_track *t = &a->tracks[i];
        if (!t->is_merged && t->n_times >= MUP_MIN_DISCHARGES && a->state != CONV_STATE_MAXIMAL)
            rc = make_unit(a, t, scratch);
    }
    if (!rc)
        dedupe_epoch(a, first_unit, scratch);
    free(scratch);
    if (!rc) {
        epoch_rates(a, first_unit, &e);
        rc = push_epoch(a, &e);
    }
    return rc;
}
