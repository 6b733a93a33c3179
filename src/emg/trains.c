/*
 * trains.c - what a train of discharges of one generator does in time, and
 * what it is (clinical.md 1.1 table, 1.3 decision sequence). Every number
 * below carries its source ID (clinical-sources.md) or [E] for an
 * engineering choice.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emg/emg_internal.h"

/* ---- thresholds -------------------------------------------------------------- */

/* Fibrillation 1-5 ms, 20-300 uV (< 1 mV), 0.5-15 Hz [S52]; regular [S51]. */
#define FIB_MAX_MS 5.0
#define MEASURE_ALLOWANCE_MS 1.0 /* noise on onset and end of a measured duration [E] */
/* Durations here are measured from a departure of 5 % of the amplitude,
 * which reads longer than the visual estimate behind the 5 ms [E]. */
#define FIB_ALLOWANCE_MS 2.0
#define FIB_MAX_UV 1000.0 /* typically < 1 mV [S52] */
/* ... and at least 20 uV, as PSWs [S52]; myotonic discharges at least
 * 10 uV [S52]. Smaller regular spikes are no fibre's: the noise of a needle
 * recording hides them [S51, clinical.md 3.2], so in a recording quieter
 * than that they are the recording's own (a mains residue, the EDF's
 * quantisation steps) [E; simulator without amplifier noise: 1-2 uV
 * "fibrillations" of one sample in 25 of 382 muscles without any]. */
#define FIB_MIN_UV 20.0
#define MYOTONIC_MIN_UV 10.0
#define FIB_RATE_MIN_HZ 0.5
#define FIB_RATE_MAX_HZ 15.0
/* PSW 5-30 ms ([S52] 10-30, [S45] 5-20): initial positive, no initial negativity. */
#define PSW_MIN_MS 5.0
#define PSW_MAX_MS 30.0
/* ... its slow negative phase may sink into the noise before 5 ms are
 * measured: 3 ms after the positive peak also shows it [E] - on a
 * potential of two phases: one that crosses back to a third phase within
 * those 5 ms has ended, a brief triphasic spike (fibrillation [S52]) */
#define PSW_SLOW_PHASE_MS 3.0
#define PSW_SLOW_PHASE_MAX_PHASES 2
/* A PSW is its positive deflection and the slow negative phase after it
 * [S52, S45]; a third phase is the most the slow phase's tail or the noise
 * adds. A potential of four phases or more is a polyphasic complex (a CRD
 * firing at the fibrillation rate [S46]), however positive its peak [E]. */
#define PSW_MAX_PHASES 3
/* "regular (low IDI CV [E: e.g. < 0.15-0.2])" (clinical.md 1.3); 0.25 leaves
 * room for the gradual slowing of self-inhibition [E]. */
#define REGULAR_CV 0.25
#define REGULAR_FRACTION 0.75 /* intervals fitting the base interval or a multiple [E] */
#define FIT_TOLERANCE 0.12    /* of the base interval [E] */
/* Fewer discharges than this fit some rhythm by chance (an irregular
 * end-plate spike's few intervals can) [E]. */
#define MIN_TRAIN_N 6
#define MAX_MULTIPLE 6.0      /* missed discharges: up to 5 in a row [E] */
#define RHYTHM_FRACTION 0.9   /* nearly every interval fits: the rate is the rhythm's [E] */
/* End-plate spike: initial negative, 3-5 ms, 100-200 uV, irregular [S53, S51];
 * a train whose typical discharge is larger than two of them summed
 * (EP_PAIR_MAX_UV) is something else. */
#define EP_MAX_MS (5.0 + MEASURE_ALLOWANCE_MS)
/* End-plate noise (miniature end-plate potentials): monophasic negative,
 * ~10-40 uV, < 100 uV [S53]; physiological and never a discharge. */
#define EP_NOISE_MAX_UV 100.0
/* ... and at least ~10 uV [S53]: anything smaller is no end-plate potential
 * (see FIB_MIN_UV) [E; simulator without amplifier noise: 11,853 "end-plate
 * spikes" under 10 uV where truth had none]. */
#define EP_MIN_UV 10.0
/* MUP-sized at rest: EMG_MUP_MIN_UV, > ~5 ms (clinical.md 1.3);
 * polyphasic: EMG_POLYPHASIC [S55]. */
#define MUP_MIN_MS 5.0
/* ... and a brief one, down to the shortest FP of [S28] (EMG_FP_MIN_MS), when it
 * is larger than a fibrillation potential's 20-300 uV [S52] and, when it
 * starts negative, than two end-plate spikes (100-200 uV each [S53])
 * summed: a single muscle fibre's spike of that size is rare, and fires
 * regularly [S51], which the fibrillation rule tests first. */
#define FIB_TYPICAL_MAX_UV 300.0
#define EP_PAIR_MAX_UV 400.0
/* Isolated fasciculation: ISI > 250 ms on both sides [S34]: EMG_ISOLATED_S. */
/* Doublet: intra-pair interval 2-20 ms [S83]. */
#define DOUBLET_MIN_S 0.002
#define DOUBLET_MAX_S 0.020
/* CRD: 5-100 Hz, identical complexes, perfectly regular [S46, S52]:
 * interval CV <= 3 % [E]; complex 100 uV - 1 mV [S46]. */
#define CRD_RATE_MIN_HZ 5.0
#define CRD_RATE_MAX_HZ 100.0
/* The complex is 100 uV - 1 mV [S46], but template matching may take one
 * of its fibres' potentials apart, firing at its rate: a CRD's train is at
 * least a fibre potential's FIB_MIN_UV (a smaller rigid rhythm is the
 * recording's own, as there). */
#define CRD_MIN_UV FIB_MIN_UV
#define CRD_MAX_CV 0.03
/* ... "rigidly fixed, then changes abruptly" [S52, S46] (clinical.md 1.3):
 * the CV may also be taken within the steady stretches between abrupt
 * steps, where one interval differs from the one before by more than
 * CRD_MAX_CV. A stretch of fewer than 3 intervals is no steady rate but a
 * detection read on another phase of the complex (one interval longer, the
 * next shorter) or a discharge missed; those are left out, as long as the
 * stretches kept hold half the intervals. A myotonic discharge's waxing
 * and waning [S45] is gradual: no step cuts it, and its whole spread
 * stays; a voluntary unit's intervals (CV ~10 %) leave no stretches [E]. */
#define CRD_STEADY_MIN 3
#define CRD_STEADY_SHARE 0.5
/* polyphasic / serrated complex (clinical.md 1.1 [S46]): 4 phases or 3 turns [E] */
#define CRD_MIN_PHASES 4
#define CRD_MIN_TURNS 3
#define CRD_MAX_SWING 1.3 /* smoothed rate steady within 30 % [E] */
/* Myotonic: 20-80 Hz [S45] (15-150 Hz [S52]); rate AND amplitude wax and
 * wane [S45], where a CRD holds steady [S52, S46]: the amplitude swings by
 * as much as a CRD's steadiness allows (CRD_MAX_SWING) or more, the rate
 * too or at least is not held (interval CV beyond CRD_MAX_CV): the small
 * first and last discharges of a run sink into the noise, and the middle
 * seen swings less than the whole [E]. */
#define MYOTONIC_RATE_MIN_HZ 15.0
#define MYOTONIC_RATE_MAX_HZ 150.0
#define MYOTONIC_SWING CRD_MAX_SWING
/* ... gradually: consecutive intervals differ by a median of < 15 % [E] */
#define MYOTONIC_JITTER 0.15
#define MYOTONIC_MAX_RUNS 2 /* a run or two in a train, not a burst pattern [E] */
/* Myokymic: bursts of a few MUPs recurring several times a second [S43],
 * intraburst 20-70 Hz [S96]: discharges < 100 ms apart form a burst
 * (EMG_BURST_GAP_S) [E]. */
#define MYOKYMIC_MIN_BURSTS 3
#define MYOKYMIC_IN_BURSTS 0.7   /* most discharges belong to bursts [E] */
#define MYOKYMIC_BURST_CV 0.5    /* bursts recur (semi-)rhythmically [S43] [E] */
/* ... each a few identical MUPs of one unit (clinical.md 1.1 [S43]), which
 * fires at a steady rate within it: its intervals there as regular as a
 * regular train's (REGULAR_CV); an end-plate spike train's irregular
 * groups are not [S53] [E] */
#define MYOKYMIC_WITHIN_CV REGULAR_CV
/* intraburst <= 70 Hz [S96] with margin [E], held by 90 % of the
 * intervals: a stray discharge of another unit matched into the train must
 * not undo it, while an end-plate spike train, irregular with very short
 * intervals [S47, S53], keeps failing it [E] */
#define MYOKYMIC_MIN_IDI_MS 10.0
/* ... and at 20-70 Hz [S96]: the median interval within the groups at
 * most that of 15 Hz (20 Hz with room for a discharge missed within a
 * burst, or taken from a neighbour) [E]. A motor unit firing voluntarily
 * at 8-12 Hz with the usual 10-20 % interval spread has half its
 * intervals under the 100 ms that groups discharges, so it "bursts", but
 * at its own rate, not a myokymic one. */
#define MYOKYMIC_MAX_WITHIN_MS (1000.0 / 15.0)
/* The bursts are of MUPs [S43]: the longest MUP-like potential in the
 * reference, a fasciculation in ALS, lasts 23.9 ms [S28]. A mean waveform
 * longer than that has not returned to baseline - many units firing
 * together, a cramp (clinical.md 1.1) - and is no myokymic discharge. */
#define MYOKYMIC_MAX_MS 24.0
/* Neuromyotonic: one motor unit firing > 150 Hz (EMG_NEUROMYOTONIC_HZ).
 * One unit's intervals follow its own rhythm, so most of them fit the
 * train's base interval; several units merged into one train (a cramp, many
 * units firing together at 40-60 Hz [clinical.md 1.1]) fit none: the
 * majority cut is an engineering choice [E]. */
#define NEUROMYOTONIC_REGULAR 0.5
/* Voluntary MUPs fire semi-regularly from ~7.6 Hz at onset [S54]; 4 Hz is
 * the usual lowest stable firing rate [S110]. */
#define VOLUNTARY_MIN_HZ 4.0
#define VOLUNTARY_MAX_HZ 50.0

/* ---- timing -------------------------------------------------------------------- */

/* The terms from h up, each from the one before. C(n, h) = C(n, n - h):
 * the shorter product, as a regular train's fitting intervals are nearly
 * all of them (is_regular runs on every classification). */
double emg_log10_binomial_tail(size_t h, size_t n, double p)
{
    if (h == 0 || !(p > 0) || h > n)
        return h == 0 ? 0.0 : -INFINITY;
    if (p >= 1)
        return 0.0;
    size_t r = h < n - h ? h : n - h;
    double lt = 0; /* ln C(n, h) */
    for (size_t k = 1; k <= r; k++)
        lt += log((double)(n - r + k) / (double)k);
    lt += (double)h * log(p) + (double)(n - h) * log1p(-p);
    double sum = 1.0, term = 1.0; /* relative to the first term */
    for (size_t x = h; x < n; x++) {
        term *= (double)(n - x) / (double)(x + 1) * p / (1.0 - p);
        sum += term;
        if (term < 1e-12 * sum)
            break;
    }
    return (lt + log(sum)) / log(10.0);
}

static double quantile(double *v, size_t n, double p)
{
    return emg_select_kth(v, n, (size_t)(p * (double)(n - 1) + 0.5));
}

/* First index of sorted[0..m) whose difference from c is at least lo (or,
 * with strict, above it): the difference grows with the value. */
static size_t first_from(const double *sorted, size_t m, double c, double lo, bool strict)
{
    size_t a = 0, z = m;
    while (a < z) {
        size_t mid = a + (z - a) / 2;
        double d = sorted[mid] - c;
        if (strict ? d > lo : d >= lo)
            z = mid;
        else
            a = mid + 1;
    }
    return a;
}

/* Share of the intervals (sorted) within FIT_TOLERANCE of 1..MAX_MULTIPLE
 * times base. An interval fits at most one multiple
 * (the tolerance is under half the base), so the share is the sum, over
 * the multiples, of the intervals within the tolerance of each - two
 * binary searches apiece instead of a pass over every interval. */
static double fit_share_sorted(const double *sorted, size_t m, double base)
{
    size_t fit = 0;
    double tol = FIT_TOLERANCE * base;
    for (double k = 1; k <= MAX_MULTIPLE; k++) {
        double c = k * base;
        fit += first_from(sorted, m, c, tol, true) - first_from(sorted, m, c, -tol, false);
    }
    return (double)fit / (double)m;
}

/* CV of v[0..n) (in time order) within the stretches between steps of
 * more than CRD_MAX_CV from one value to the next, pooled over the
 * stretches of CRD_STEADY_MIN or more; NAN when those hold less than
 * CRD_STEADY_SHARE of the values. */
static double steady_cv(const double *v, size_t n)
{
    size_t kept = 0, dof = 0, start = 0;
    double ss = 0, sum = 0;
    for (size_t i = 1; i <= n; i++) {
        if (i < n && fabs(log(v[i] / v[i - 1])) <= CRD_MAX_CV)
            continue;
        size_t len = i - start;
        if (len >= CRD_STEADY_MIN) {
            double mean = 0;
            for (size_t k = start; k < i; k++)
                mean += v[k];
            mean /= (double)len;
            for (size_t k = start; k < i; k++)
                ss += (v[k] - mean) * (v[k] - mean);
            sum += mean * (double)len;
            kept += len;
            dof += len - 1;
        }
        start = i;
    }
    if (n == 0 || (double)kept < CRD_STEADY_SHARE * (double)n || dof == 0)
        return NAN;
    return sqrt(ss / (double)dof) / (sum / (double)kept);
}

/* Base interval of a train that may have missed discharges: among the
 * shorter half of the intervals, the one most others are multiples of (the
 * longest on a tie, so that half the true interval is not chosen). The
 * fitting intervals divided by their multiple give the CV and the rate. */
static double regularity(const double *idi, size_t m, double *scratch, emg_train *t)
{
    memcpy(scratch, idi, m * sizeof *scratch);
    qsort(scratch, m, sizeof *scratch, edx_cmp_double);
    size_t n_cand = m / 2 + 1, step = n_cand > 64 ? n_cand / 64 : 1;
    double base = scratch[0], best = -1;
    for (size_t i = 0; i < n_cand; i += step) {
        double share = fit_share_sorted(scratch, m, scratch[i]);
        if (share >= best - 1e-9) {
            best = share;
            base = scratch[i];
        }
    }
    t->regular_fraction = fmax(best, 0);
    size_t n = 0;
    double s = 0, s2 = 0;
    for (size_t i = 0; i < m; i++) {
        double k = floor(idi[i] / base + 0.5);
        if (k < 1 || k > MAX_MULTIPLE || fabs(idi[i] - k * base) > FIT_TOLERANCE * base)
            continue;
        double v = idi[i] / k;
        scratch[n++] = v;
        s += v;
        s2 += v * v;
    }
    if (n >= 2) {
        double mean = s / (double)n, var = s2 / (double)n - mean * mean;
        t->interval_cv = sqrt(fmax(var, 0)) / mean;
        t->steady_cv = steady_cv(scratch, n);
        t->rate_hz = 1.0 / quantile(scratch, n, 0.5);
    } else {
        t->interval_cv = NAN;
        memcpy(scratch, idi, m * sizeof *scratch);
        t->rate_hz = 1.0 / quantile(scratch, m, 0.5);
    }
    return base;
}

double emg_small_median(double *v, size_t n)
{
    if (n > 16) /* a baseline's few ms, a train's discharges: selection */
        return emg_select_kth(v, n, n / 2);
    for (size_t i = 1; i < n; i++) /* short: insertion sort */
        for (size_t j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n ? v[n / 2] : NAN;
}

/* Max / min of a 5-point moving median of v[0..m): a discharge missed or
 * one of another generator taken for it moves one value, not the median. */
static double swing(const double *v, size_t m)
{
    if (m < 5)
        return 1.0;
    double lo = INFINITY, hi = 0, w[5];
    for (size_t i = 0; i + 5 <= m; i++) {
        memcpy(w, v + i, sizeof w);
        double med = emg_small_median(w, 5);
        lo = fmin(lo, med);
        hi = fmax(hi, med);
    }
    return lo > 0 ? hi / lo : 1.0;
}

/* Median |ln(idi[i+1] / idi[i])|: 0 for a smoothly changing rate, ~1 for
 * a random one. scratch holds m - 1 doubles. */
static double jitter(const double *idi, size_t m, double *scratch)
{
    if (m < 3)
        return NAN;
    for (size_t i = 0; i + 1 < m; i++)
        scratch[i] = fabs(log(idi[i + 1] / idi[i]));
    return quantile(scratch, m - 1, 0.5);
}

/* Spread of intervals d[0..k), robust (1.4826 MAD over the median): a
 * burst hidden under other activity doubles one interval between burst
 * onsets, and a stray discharge halves one within a burst, neither of
 * which may make a semi-rhythmic unit [S43] look irregular [E]. NAN for
 * fewer than two. *median (unless NULL) receives their median (NAN for
 * none). Reorders d. */
static double robust_cv(double *d, size_t k, double *median)
{
    double med = k ? quantile(d, k, 0.5) : NAN;
    if (median)
        *median = med;
    if (k < 2)
        return NAN;
    for (size_t i = 0; i < k; i++)
        d[i] = fabs(d[i] - med);
    return med > 0 ? 1.4826 * quantile(d, k, 0.5) / med : NAN;
}

/* Groups of discharges < gap_s apart and doublets; onset_gap and within
 * (room for n - 1 values each) receive the intervals between group onsets
 * and those within groups, whose spreads say how regularly the groups
 * recur and how steadily the unit fires within them. */
static void group_bursts(const double *time_s, size_t n, double gap_s, double *onset_gap,
                         double *within, emg_train *t)
{
    size_t run = 1, in_bursts = 0, k = 0, w = 0;
    double onset = n ? time_s[0] : 0, prev_onset = NAN;
    t->n_bursts = t->doublets = 0;
    for (size_t i = 1; i <= n; i++) {
        if (i < n && time_s[i] - time_s[i - 1] < gap_s) {
            within[w++] = time_s[i] - time_s[i - 1];
            run++;
            continue;
        }
        if (run >= 2) {
            t->n_bursts++;
            in_bursts += run;
            if (isfinite(prev_onset))
                onset_gap[k++] = onset - prev_onset;
            prev_onset = onset;
        }
        if (run == 2) {
            double d = time_s[i - 1] - time_s[i - 2];
            t->doublets += d >= DOUBLET_MIN_S && d <= DOUBLET_MAX_S;
        }
        run = 1;
        onset = i < n ? time_s[i] : 0;
    }
    t->burst_fraction = n ? (double)in_bursts / (double)n : 0;
    t->burst_interval_cv = robust_cv(onset_gap, k, NULL);
    t->burst_rate_cv = robust_cv(within, w, &t->burst_within_ms);
    t->burst_within_ms *= 1000.0;
}

/* A myokymic unit fires at a steady rate within its bursts [S43] and is
 * silent between them: at a fast burst rate, the silence may last less
 * than the EMG_BURST_GAP_S that groups discharges (bursts of 8 at 24 Hz,
 * 3 Hz apart, leave ~85 ms), and the bursts merge into one steady firing
 * that reads as a voluntary unit's. A pause of PAUSE_INTERVALS of the
 * unit's steady interval within groups is such a silence: with the
 * intervals within bursts as regular as MYOKYMIC_WITHIN_CV allows, it lies
 * over 3 of their spreads beyond their median [E]. */
#define PAUSE_INTERVALS 1.75

static bool is_mup_sized(const emg_features *f);

/* Groups of discharges (group_bursts): those < EMG_BURST_GAP_S apart, or,
 * in a train of MUPs (the shape of t) that those groups show bursting
 * (MYOKYMIC_MIN_BURSTS of them), those between pauses of the unit's steady
 * rhythm when these groups, and not the others, recur as myokymic bursts
 * do (emg_recurring_bursts). One long run stays one: where it skips a
 * discharge (missed, or a myotonic run's slow end [S45]) it does not
 * pause [E]. */
static void bursts(const double *time_s, size_t n, double *onset_gap, double *within, emg_train *t)
{
    group_bursts(time_s, n, EMG_BURST_GAP_S, onset_gap, within, t);
    double pause_s = PAUSE_INTERVALS * t->burst_within_ms / 1000.0;
    if (emg_recurring_bursts(t) || t->n_bursts < MYOKYMIC_MIN_BURSTS ||
        !(pause_s < EMG_BURST_GAP_S) || !is_mup_sized(&t->shape))
        return;
    emg_train paused = *t;
    group_bursts(time_s, n, pause_s, onset_gap, within, &paused);
    if (emg_recurring_bursts(&paused) && paused.burst_fraction >= MYOKYMIC_IN_BURSTS)
        *t = paused;
}

void emg_train_timing(const double *time_s, const float *amp_uv, size_t n, emg_train *t)
{
    t->n = n;
    t->first_s = n ? time_s[0] : NAN;
    t->last_s = n ? time_s[n - 1] : NAN;
    t->rate_hz = t->interval_cv = t->steady_cv = t->min_interval_ms = t->median_interval_ms = NAN;
    t->interval_p10_ms = NAN;
    t->regular_fraction = 0;
    t->rate_trend = t->rate_swing = t->amp_swing = 1.0;
    t->interval_jitter = t->burst_interval_cv = t->burst_rate_cv = t->burst_within_ms = NAN;
    t->n_bursts = t->doublets = 0;
    t->burst_fraction = 0;
    if (n < 2)
        return;
    size_t m = n - 1;
    double *idi = malloc(3 * m * sizeof *idi + sizeof *idi);
    if (!idi)
        return; /* timing stays unknown: the train is left unclassified */
    double *scratch = idi + m, *amp = scratch + m, lo = INFINITY;
    for (size_t i = 0; i < m; i++) {
        idi[i] = fmax(time_s[i + 1] - time_s[i], 1e-6);
        lo = fmin(lo, idi[i]);
        amp[i] = amp_uv[i + 1];
    }
    t->min_interval_ms = lo * 1000.0;
    memcpy(scratch, idi, m * sizeof *scratch);
    t->median_interval_ms = 1000.0 * quantile(scratch, m, 0.5);
    t->interval_p10_ms = 1000.0 * quantile(scratch, m, 0.1);
    double base = regularity(idi, m, scratch, t);
    /* the rate of a regular train is that of its rhythm: an interval
     * spanning a missed discharge counts as its multiple of the base [E] */
    bool rhythmic = t->regular_fraction >= RHYTHM_FRACTION;
    size_t mr = 0;
    for (size_t i = 0; i < m; i++) {
        double k = rhythmic ? floor(idi[i] / base + 0.5) : 1;
        if (rhythmic && (k < 1 || k > MAX_MULTIPLE || fabs(idi[i] - k * base) > FIT_TOLERANCE * base))
            continue;
        scratch[mr++] = k / idi[i];
    }
    t->rate_swing = swing(scratch, mr);
    t->amp_swing = swing(amp, m);
    t->interval_jitter = jitter(idi, m, amp); /* amp is free now */
    if (m >= 8) {
        size_t q = m / 4;
        double a = 0, b = 0;
        for (size_t i = 0; i < q; i++) {
            a += idi[i];
            b += idi[m - 1 - i];
        }
        t->rate_trend = a / b; /* > 1: the rate rose */
    }
    bursts(time_s, n, scratch, amp, t); /* last: its rules read the rest */
    free(idi);
}

/* ---- rules ------------------------------------------------------------------------ */

/* A train's rhythm beyond chance: were its discharges irregular (a Poisson
 * process at their mean rate), an interval would fall within
 * FIT_TOLERANCE of one of the first MAX_MULTIPLE multiples of the base
 * with probability p; the intervals that fit beyond the one that set the
 * base must be a binomial tail below RHYTHM_CHANCE once multiplied by the
 * bases tried (the shorter half of the intervals). A few discharges spread
 * over many seconds fit some base by chance when it may skip five in a row
 * (hidden.c and phase.c judge their chains so) [E]. */
#define RHYTHM_CHANCE 0.01

static bool rhythm_beyond_chance(const emg_train *t)
{
    size_t m = t->n - 1, fit = (size_t)lround(t->regular_fraction * (double)m);
    double span_s = t->last_s - t->first_s, base = 1.0 / t->rate_hz;
    if (m < 2 || fit < 2 || !(span_s > 0) || !(base > 0))
        return false;
    double lambda = (double)m / span_s, tol = FIT_TOLERANCE * base, p = 0;
    for (double k = 1; k <= MAX_MULTIPLE; k++)
        p += exp(-lambda * fmax(k * base - tol, 0)) - exp(-lambda * (k * base + tol));
    return emg_log10_binomial_tail(fit - 1, m - 1, p) + log10((double)(m / 2 + 1)) <=
           log10(RHYTHM_CHANCE);
}

static bool is_regular(const emg_train *t)
{
    return t->regular_fraction >= REGULAR_FRACTION && isfinite(t->interval_cv) &&
           t->interval_cv <= REGULAR_CV && rhythm_beyond_chance(t);
}

/* A MUP is bi- or triphasic or more (clinical.md 2.1): a monophasic slow
 * wave is not one, however long. */
bool emg_is_mup_sized(double amplitude_uv, double duration_ms, int phases, int first_polarity)
{
    double large_uv = first_polarity < 0 ? EP_PAIR_MAX_UV : FIB_TYPICAL_MAX_UV;
    bool brief_but_large = duration_ms >= EMG_FP_MIN_MS && amplitude_uv > large_uv;
    return amplitude_uv >= EMG_MUP_MIN_UV && phases >= 2 &&
           (duration_ms > MUP_MIN_MS || phases >= EMG_POLYPHASIC || brief_but_large);
}

static bool is_mup_sized(const emg_features *f)
{
    return emg_is_mup_sized(f->amplitude_uv, f->duration_ms, f->phases, f->first_polarity);
}

/* Initial positive sharp deflection that dominates, then a long negative
 * phase; no initial negativity [S52, S45]. */
static bool is_psw_shape(const emg_features *f)
{
    return f->first_polarity > 0 && f->main_sign > 0 && f->max_pos_uv >= -f->max_neg_uv &&
           f->duration_ms <= PSW_MAX_MS && f->phases <= PSW_MAX_PHASES &&
           (f->duration_ms >= PSW_MIN_MS ||
            (f->after_peak_ms >= PSW_SLOW_PHASE_MS && f->phases <= PSW_SLOW_PHASE_MAX_PHASES));
}

bool emg_is_psw_shaped(const emg_features *f)
{
    return is_psw_shape(f);
}

/* Brief bi- or triphasic spike [S52] (a monophasic negative one is
 * end-plate activity [S53]). Usually initial positive, but a
 * fibre recorded where its action potential starts (the end-plate zone)
 * gives an initial negative one; what tells it from an end-plate spike is
 * its regular firing [S47]. So the polarity is not required here; regular
 * firing is, by the caller. */
static bool is_fib_shape(const emg_features *f)
{
    return f->duration_ms <= FIB_MAX_MS + FIB_ALLOWANCE_MS && f->amplitude_uv < FIB_MAX_UV &&
           f->phases >= 2 && f->phases <= 3 && f->first_polarity != 0;
}

/* A regular train's spike: bi- or triphasic, or one phase when the mean
 * waveform shows no other. A fibre's lesser phases, a fraction of its main
 * one, sink below three noise SD of the mean of a small fibrillation's
 * discharges (amplitude near the noise); what its one phase could
 * otherwise be, end-plate noise, is monophasic but irregular [S53], and
 * the regular firing the caller requires is the fibrillating fibre's
 * [S51, S47]. */
static bool is_regular_spike_shape(const emg_features *f)
{
    return is_fib_shape(f) ||
           (f->phases == 1 && f->first_polarity != 0 &&
            f->duration_ms <= FIB_MAX_MS + FIB_ALLOWANCE_MS && f->amplitude_uv < FIB_MAX_UV);
}

/* Monophasic negative and under 100 uV: end-plate noise, not a spike [S53]. */
static bool is_end_plate_noise(const emg_features *f)
{
    return f->phases <= 1 && f->first_polarity < 0 && f->amplitude_uv < EP_NOISE_MAX_UV;
}

static emg_type high_rate(const emg_train *t)
{
    const emg_features *f = &t->shape;
    if (t->n >= EMG_NEUROMYOTONIC_MIN_N && t->rate_hz > EMG_NEUROMYOTONIC_HZ &&
        f->amplitude_uv >= EMG_MUP_MIN_UV && t->regular_fraction >= NEUROMYOTONIC_REGULAR)
        return EMG_NEUROMYOTONIC;
    /* CRD: rigidly regular; above the fibrillation range (15 Hz [S52]) a
     * steady rate (no waxing and waning [S45]) is enough, below it the
     * complex must be polyphasic to tell it from a fibrillation */
    bool rigid = t->n >= 10 && f->amplitude_uv >= CRD_MIN_UV && t->rate_hz >= CRD_RATE_MIN_HZ &&
                 t->rate_hz <= CRD_RATE_MAX_HZ &&
                 (t->interval_cv <= CRD_MAX_CV || t->steady_cv <= CRD_MAX_CV) &&
                 t->regular_fraction >= 0.9 && t->rate_swing < CRD_MAX_SWING;
    /* a serrated complex of several fibres lasts ~5-15 ms [S46, S52]: turns
     * on a brief bi- or triphasic spike are one fibre's notch, and that
     * spike firing at the fibrillation rate is a fibrillation [S52, S51] */
    bool serrated = f->turns >= CRD_MIN_TURNS && !is_fib_shape(f);
    bool complex = (f->phases >= CRD_MIN_PHASES || serrated) && !is_psw_shape(f);
    if (rigid && (t->rate_hz > FIB_RATE_MAX_HZ || complex))
        return EMG_CRD;
    /* the rate waxes and wanes (MYOTONIC_SWING) */
    bool rate_moves = t->rate_swing >= MYOTONIC_SWING || t->interval_cv > CRD_MAX_CV;
    if (t->n >= 10 && emg_is_gradual_run(t) && rate_moves && t->amp_swing >= MYOTONIC_SWING &&
        (is_fib_shape(f) || is_psw_shape(f)) && /* single-fibre potentials [S45] */
        f->amplitude_uv >= MYOTONIC_MIN_UV)
        return EMG_MYOTONIC;
    return EMG_UNCLASSIFIED;
}

/* One run or two, not recurring bursts [S43]. */
bool emg_is_gradual_run(const emg_train *t)
{
    return t->rate_hz >= MYOTONIC_RATE_MIN_HZ && t->rate_hz <= MYOTONIC_RATE_MAX_HZ &&
           isfinite(t->interval_jitter) && t->interval_jitter <= MYOTONIC_JITTER &&
           t->n_bursts <= MYOTONIC_MAX_RUNS;
}

bool emg_recurring_bursts(const emg_train *t)
{
    return t->n_bursts >= MYOKYMIC_MIN_BURSTS && isfinite(t->burst_interval_cv) &&
           t->burst_interval_cv <= MYOKYMIC_BURST_CV && isfinite(t->burst_rate_cv) &&
           t->burst_rate_cv <= MYOKYMIC_WITHIN_CV && t->interval_p10_ms >= MYOKYMIC_MIN_IDI_MS &&
           t->burst_within_ms <= MYOKYMIC_MAX_WITHIN_MS;
}

emg_type emg_classify_train(const emg_train *t)
{
    const emg_features *f = &t->shape;
    emg_type ty = high_rate(t);
    if (ty != EMG_UNCLASSIFIED)
        return ty;
    if (t->n >= 3 && f->first_polarity < 0 && f->duration_ms <= EP_MAX_MS && !is_regular(t) &&
        f->amplitude_uv <= EP_PAIR_MAX_UV && f->amplitude_uv >= EP_MIN_UV)
        return is_end_plate_noise(f) ? EMG_UNCLASSIFIED : EMG_END_PLATE;
    /* a single-fibre spike firing in one regular rhythm at 0.5-15 Hz [S52,
     * S51] before bursts: myokymic bursts fire at 20-70 Hz within [S96], and
     * a regular fibrillation at 10-15 Hz has every interval under the
     * 100 ms that groups discharges into a burst */
    if (t->n >= MIN_TRAIN_N && is_regular(t) && t->rate_hz >= FIB_RATE_MIN_HZ &&
        t->rate_hz <= FIB_RATE_MAX_HZ && f->amplitude_uv >= FIB_MIN_UV) {
        if (is_psw_shape(f))
            return EMG_PSW;
        if (is_regular_spike_shape(f))
            return EMG_FIBRILLATION;
    }
    if (is_mup_sized(f) && f->duration_ms <= MYOKYMIC_MAX_MS && emg_recurring_bursts(t) &&
        t->burst_fraction >= MYOKYMIC_IN_BURSTS)
        return EMG_MYOKYMIC;
    if (is_mup_sized(f)) {
        /* random single discharges [S34]; a regular train is not one, and
         * it takes MIN_TRAIN_N discharges to tell (a few intervals fit
         * some multiple of some base interval by chance) */
        if (t->n <= 2 || (t->median_interval_ms >= 1000.0 * EMG_ISOLATED_S &&
                          !(t->n >= MIN_TRAIN_N && is_regular(t))))
            return EMG_FASCICULATION;
        if (is_regular(t) && t->rate_hz >= VOLUNTARY_MIN_HZ && t->rate_hz <= VOLUNTARY_MAX_HZ)
            return EMG_MUP;
    }
    return EMG_UNCLASSIFIED;
}

/* A fibre's chain of discharges found among other activity (hidden.c):
 * regular at 0.5-15 Hz [S52, S51] and smaller than 1 mV; its shape from
 * its discharges' medians. A largest deflection that is positive after an
 * initial positive one is a PSW's [S52, S45], a negative one a
 * fibrillation's spike. Single discharges measure short (a PSW's slow
 * negative phase sinks into the noise), so their duration tells the two
 * apart less well than the sign does. */
emg_type emg_classify_chain(const emg_train *t)
{
    const emg_features *f = &t->shape;
    if (t->n < MIN_TRAIN_N || !is_regular(t) || !(t->rate_hz >= FIB_RATE_MIN_HZ) ||
        !(t->rate_hz <= FIB_RATE_MAX_HZ) || !(f->amplitude_uv < FIB_MAX_UV) ||
        !(f->amplitude_uv >= FIB_MIN_UV))
        return EMG_UNCLASSIFIED;
    if (f->main_sign > 0)
        return EMG_PSW;
    return f->phases <= 3 && f->duration_ms <= FIB_MAX_MS + FIB_ALLOWANCE_MS ? EMG_FIBRILLATION
                                                                             : EMG_UNCLASSIFIED;
}

/* An end-plate spike's shape in a single discharge: initial negative,
 * and at most twice the amplitude of the end-plate train `ep` and twice the
 * end-plate duration [S53, S51]: two of its spikes summed. Two spikes are
 * measured as one discharge while less than 1 ms of baseline lies between
 * them (spont.c SINGLE_QUIET_MS), so side by side they last up to both
 * their durations; their sizes add only where they overlap [E; simulator
 * corpus C, 352 studies: such pairs, 6-9 ms, were 49 false fasciculations,
 * and one in each of four normal studies made it read as benign
 * fasciculation; with the pair's duration, one true fasciculation of 4957
 * is lost]. */
#define EP_PAIR_MAX_MS (2.0 * EP_MAX_MS)
bool emg_event_like_end_plate(const emg_event *e, const emg_train *ep)
{
    return e->first_polarity < 0 && e->duration_ms <= EP_PAIR_MAX_MS &&
           e->amplitude_uv <= 2.0 * ep->shape.amplitude_uv;
}
