/*
 * mup_summary.c - one muscle: distinct MUPs, their means against the
 * muscle's limits, recruitment, and the pattern (shared clinical reference
 * 2.3 and 2.4; rules in edxreport(1), "MOTOR UNIT POTENTIALS").
 *
 * Recruitment (clinical reference 2.4):
 *   reduced  the recruitment ratio (fastest rate / units firing; the median
 *            over the moderate epochs, else the minimal ones) exceeds 5
 *            [S110, Daube rule] with half a unit more counted
 *            (UNITS_HIDDEN), while the fastest unit fires faster than a
 *            normal first unit does when the second joins: 90 - 19 ms
 *            recruitment interval, i.e. > 14 Hz [S54];
 *   early    three or more units fire together while none fires as fast as
 *            the normal recruitment frequency (11 Hz, 90 ms [S54]), in at
 *            least half of the minimal epochs (else moderate ones): in a
 *            normal muscle the second unit joins only when the first
 *            reaches it. Force is not recorded, so this is relative to rate
 *            only, and the findings say so.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emg/mup/mup_decompose.h"

#define SAME_UNIT_MAX 0.05           /* normalised difference of two averages [E] */
#define RATIO_REDUCED 5.0            /* [S110] */
#define RECRUIT_FAST_HZ (1000.0 / (90.0 - 19.0)) /* [S54] mean - 1 SD interval */
#define RECRUIT_FREQ_HZ (1000.0 / 90.0)          /* [S54] */
#define EARLY_UNITS 3.0
#define RISE_NEAR_MS 0.5             /* near field [clinical reference 2.1, U] */
#define RATIO_MIN_RATE_HZ 10.0       /* ratio read only with a unit >= 10 Hz [S110] */
/* Units firing beyond those separated: at moderate effort superimposition
 * hides some (a unit amid others may seldom fire clear of them), and the
 * ratio is a count of a few; reduced recruitment is read only when the
 * ratio exceeds its limit with half a unit more counted [E]. */
#define UNITS_HIDDEN 0.5

const char *emg_mup_pattern_name(emg_mup_pattern p)
{
    switch (p) {
    case EMG_MUP_NORMAL: return "normal";
    case EMG_MUP_NEUROGENIC: return "neurogenic";
    case EMG_MUP_MYOPATHIC: return "myopathic";
    default: return "indeterminate";
    }
}

const char *emg_recruit_pattern_name(emg_recruit_pattern p)
{
    switch (p) {
    case EMG_RECRUIT_NORMAL: return "normal";
    case EMG_RECRUIT_REDUCED: return "reduced";
    case EMG_RECRUIT_EARLY: return "early";
    default: return NULL;
    }
}

static bool is_min_mod(conv_state s)
{
    return s == CONV_STATE_MINIMAL || s == CONV_STATE_MODERATE;
}

/* What is read per epoch: the recruitment ratio (epochs with a unit at
 * 10 Hz or more [S110]), or the units firing while none reaches the
 * recruitment frequency (0 when one does; epochs with units). */
typedef enum epoch_metric { METRIC_RATIO, METRIC_RATIO_HIDDEN, METRIC_LOW_RATE_UNITS } epoch_metric;

static bool metric_read(const emg_mup_epoch_stats *e, conv_state state, epoch_metric m)
{
    if (e->state != state || !e->n_units)
        return false;
    return m == METRIC_LOW_RATE_UNITS || e->max_rate_hz >= RATIO_MIN_RATE_HZ;
}

static double metric_of(const emg_mup_epoch_stats *e, epoch_metric m)
{
    if (m == METRIC_RATIO)
        return e->recruitment_ratio;
    if (m == METRIC_RATIO_HIDDEN)
        return e->max_rate_hz / (e->units_estimate + UNITS_HIDDEN);
    return e->max_rate_hz < RECRUIT_FREQ_HZ ? e->units_estimate : 0.0;
}

/* The k-th smallest value (0-based) of a metric over the epochs of one
 * effort that read it; there are a handful, so counting beats sorting. */
static double kth_value(const emg_mup_analyser *a, conv_state state, epoch_metric m, size_t k)
{
    for (size_t i = 0; i < a->n_epochs; i++) {
        if (!metric_read(&a->epochs[i], state, m))
            continue;
        double x = metric_of(&a->epochs[i], m);
        size_t below = 0, upto = 0;
        for (size_t j = 0; j < a->n_epochs; j++) {
            if (!metric_read(&a->epochs[j], state, m))
                continue;
            below += metric_of(&a->epochs[j], m) < x;
            upto += metric_of(&a->epochs[j], m) <= x;
        }
        if (below <= k && k < upto)
            return x;
    }
    return NAN;
}

/* The median of a metric over the epochs of the first effort in order that
 * reads it at all; NAN when none does. Several needle sites give several
 * epochs of each effort, and one caught between two recruitments must not
 * decide for the muscle. */
static double median_metric(const emg_mup_analyser *a, const conv_state order[2], epoch_metric m)
{
    for (int o = 0; o < 2; o++) {
        size_t n = 0;
        for (size_t i = 0; i < a->n_epochs; i++)
            n += metric_read(&a->epochs[i], order[o], m);
        if (n)
            return 0.5 *
                   (kth_value(a, order[o], m, (n - 1) / 2) + kth_value(a, order[o], m, n / 2));
    }
    return NAN;
}

void emg_recruit_summarise(const emg_mup_analyser *a, emg_recruit_summary *r)
{
    memset(r, 0, sizeof *r);
    r->max_firing_hz = r->recruitment_ratio = r->recruitment_frequency_hz = NAN;
    r->turns_per_s = r->mean_turn_amplitude_uv = NAN;
    for (size_t i = 0; i < a->n_epochs; i++) {
        const emg_mup_epoch_stats *e = &a->epochs[i];
        if (e->state == CONV_STATE_MAXIMAL) {
            r->has_maximal = true;
            r->turns_per_s = e->turns_per_s;
            r->mean_turn_amplitude_uv = e->mean_turn_amplitude_uv;
        }
        if (!is_min_mod(e->state) || !e->n_units)
            continue;
        if (isnan(r->max_firing_hz) || e->max_rate_hz > r->max_firing_hz)
            r->max_firing_hz = e->max_rate_hz;
    }
    /* the ratio where several units fire (with one or two it says more
     * about when the next joins); early recruitment at the lowest effort */
    static const conv_state ratio_order[2] = {CONV_STATE_MODERATE, CONV_STATE_MINIMAL};
    static const conv_state early_order[2] = {CONV_STATE_MINIMAL, CONV_STATE_MODERATE};
    r->recruitment_ratio = median_metric(a, ratio_order, METRIC_RATIO);
    double ratio_hidden = median_metric(a, ratio_order, METRIC_RATIO_HIDDEN);
    double low = median_metric(a, early_order, METRIC_LOW_RATE_UNITS);
    r->units_at_low_rate = isnan(low) ? 0 : low;
    /* recruitment frequency: a unit that joined clearly after the first */
    const emg_mup_unit *first = NULL;
    for (size_t i = 0; i < a->n_units; i++) {
        const emg_mup_unit *u = &a->units[i];
        if (u->is_accepted && u->state == CONV_STATE_MINIMAL && (!first || u->first_s < first->first_s))
            first = u;
    }
    for (size_t i = 0; first && i < a->n_units; i++) {
        const emg_mup_unit *u = &a->units[i];
        if (u->is_accepted && u->state == CONV_STATE_MINIMAL && u->first_s > first->first_s + 0.5 &&
            u->first_s < first->last_s) {
            r->recruitment_frequency_hz = first->rate_hz;
            break;
        }
    }
    if (isnan(r->max_firing_hz))
        r->pattern = EMG_RECRUIT_UNKNOWN;
    else if (ratio_hidden > RATIO_REDUCED && r->max_firing_hz > RECRUIT_FAST_HZ)
        r->pattern = EMG_RECRUIT_REDUCED;
    else if (r->units_at_low_rate >= EARLY_UNITS)
        r->pattern = EMG_RECRUIT_EARLY;
    else
        r->pattern = EMG_RECRUIT_NORMAL;
}

emg_mup_pattern emg_mup_classify(const emg_mup_summary *s)
{
    if (s->count == 0)
        return EMG_MUP_INDETERMINATE;
    bool neuro = s->is_long || s->is_large, myo = s->is_short || s->is_small;
    bool reduced = s->recruit.pattern == EMG_RECRUIT_REDUCED;
    bool early = s->recruit.pattern == EMG_RECRUIT_EARLY;
    if (neuro && myo)
        return EMG_MUP_INDETERMINATE;
    /* amplitude alone depends on the needle's position (duration flags only
     * part of neurogenic MUPs, size needs support [S57]): a size sign makes
     * a pattern with duration, polyphasia or recruitment beside it.
     * Polyphasia that supports a size sign need only lie above its limit:
     * the small-sample guard of is_polyphasic is for polyphasia alone, and
     * polyphasia is read together with amplitude and duration [S52]. */
    if (neuro)
        return s->is_long || s->is_poly_over_limit || reduced ? EMG_MUP_NEUROGENIC : EMG_MUP_NORMAL;
    if (myo)
        return s->is_short || s->is_poly_over_limit || early ? EMG_MUP_MYOPATHIC : EMG_MUP_NORMAL;
    /* sizes within limits: two concordant signs still make a pattern [S52];
     * polyphasia alone does not decide [S52]; recruitment alone says nothing
     * about the potentials (it is reported beside them, and the study's
     * rules read it there) */
    if (s->is_polyphasic && early)
        return EMG_MUP_MYOPATHIC;
    if (s->is_polyphasic && reduced)
        return EMG_MUP_NEUROGENIC;
    return s->is_polyphasic ? EMG_MUP_INDETERMINATE : EMG_MUP_NORMAL;
}

bool emg_mup_same_unit(const emg_mup_analyser *a, const emg_mup_unit *x, const emg_mup_unit *y,
                      double *bx, double *by)
{
    size_t w = emg_mup_wide_len(a), lo = x->spike - (w - 1) / 2;
    for (size_t k = 0; k < w; k++)
        bx[k] = x->wave_uv[lo + k], by[k] = y->wave_uv[lo + k];
    int smax = (int)(5.0 * a->fs / 1000.0 + 0.5); /* as MUP_MERGE_SHIFT_MS */
    double ex = emg_mup_energy(bx, w), ey = emg_mup_energy(by, w), e_max = fmax(ex, ey);
    double kx = emg_mup_kept_energy(bx, ex, w, (size_t)smax);
    if (emg_mup_shift_floor(ex, kx, ey, emg_mup_kept_energy(by, ey, w, (size_t)smax)) >=
        SAME_UNIT_MAX)
        return false; /* sizes too far apart at any shift */
    for (int s = -smax; s <= smax; s++)
        if (emg_mup_distance_below(bx, by, w, s, e_max, SAME_UNIT_MAX) < SAME_UNIT_MAX)
            return true;
    return false;
}

/* Of two averages of one unit, the better measurement: the one with less
 * noise left in it (relative to its size), which is usually the one from
 * the lower force, where fewer other units fire into its window [S58];
 * on a tie, the one of more discharges. */
static bool is_cleaner(const emg_mup_unit *x, const emg_mup_unit *y)
{
    double rx = x->residual_uv / x->shape.amplitude_uv, ry = y->residual_uv / y->shape.amplitude_uv;
    if (rx != ry)
        return rx < ry;
    return x->n_averaged > y->n_averaged;
}

/* Marks in keep[] the accepted units that are not repeats of another. */
static size_t distinct(const emg_mup_analyser *a, bool *keep, double *bx, double *by)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_units; i++) {
        keep[i] = a->units[i].is_accepted && !a->units[i].is_faint;
        for (size_t j = 0; j < i && keep[i]; j++)
            if (keep[j] && emg_mup_same_unit(a, &a->units[i], &a->units[j], bx, by)) {
                if (is_cleaner(&a->units[i], &a->units[j]))
                    keep[j] = false;
                else
                    keep[i] = false;
            }
    }
    for (size_t i = 0; i < a->n_units; i++)
        n += keep[i];
    return n;
}

static void means(const emg_mup_analyser *a, const bool *keep, emg_mup_summary *s)
{
    size_t poly = 0, sat = 0, far = 0, k = 0;
    double var[EMG_MUP_MAX_UNITS * 8];
    for (size_t i = 0; i < a->n_units; i++) {
        if (!keep[i])
            continue;
        const emg_mup_shape *m = &a->units[i].shape;
        s->amplitude_uv_mean += m->amplitude_uv;
        if (m->duration_measurable) {
            s->duration_ms_mean += m->duration_ms;
            s->duration_count++;
        }
        s->phases_mean += m->phases;
        s->turns_mean += m->turns;
        s->size_index_mean += m->size_index;
        poly += m->phases >= 5; /* [S55] */
        sat += m->has_satellite;
        far += !(m->rise_time_ms < RISE_NEAR_MS);
        if (k < sizeof var / sizeof *var && !isnan(a->units[i].variability_pct))
            var[k++] = a->units[i].variability_pct;
    }
    double n = (double)s->count;
    s->amplitude_uv_mean /= n;
    s->duration_ms_mean = s->duration_count ? s->duration_ms_mean / (double)s->duration_count : NAN;
    s->phases_mean /= n;
    s->turns_mean /= n;
    s->size_index_mean /= n;
    s->polyphasic_pct = 100.0 * (double)poly / n;
    s->satellite_pct = 100.0 * (double)sat / n;
    s->far_field_pct = 100.0 * (double)far / n;
    s->variability_pct_median = emg_mup_quantile(var, k, 0.5);
}

/* The polyphasia limit is a share of 20 MUPs [S55]. Of fewer, one or two
 * polyphasic MUPs say little (1 of 5 is 20 %): the share is above its
 * limit only when that many polyphasic MUPs would be found in fewer than
 * 5 % of muscles whose share is at the limit (one-sided binomial tail) [E]. */
#define POLY_TAIL_P 0.05

bool emg_mup_is_polyphasic(size_t n, double pct, double uln_pct)
{
    if (n == 0)
        return false;
    if (n >= EMG_MUP_MIN_COUNT)
        return pct > uln_pct;
    size_t k = (size_t)floor(pct * (double)n / 100.0 + 0.5);
    double p = uln_pct / 100.0, term = pow(1.0 - p, (double)n), tail = 0;
    for (size_t i = 0; i <= n; i++) { /* term = C(n,i) p^i (1-p)^(n-i) */
        if (i >= k)
            tail += term;
        term *= p > 0 && p < 1 ? (double)(n - i) / (double)(i + 1) * p / (1.0 - p) : 0;
    }
    return pct > uln_pct && tail < POLY_TAIL_P;
}

int emg_mup_summarise(const emg_mup_analyser *a, const emg_mup_limits *limits,
                      emg_mup_summary *s)
{
    if (!a || !s)
        return EDX_ERR_INVALID;
    memset(s, 0, sizeof *s);
    emg_recruit_summarise(a, &s->recruit);
    if (a->n_units == 0 || !a->cand) {
        s->pattern = EMG_MUP_INDETERMINATE;
        s->is_limited = true;
        return EDX_OK;
    }
    bool *keep = calloc(a->n_units, sizeof *keep);
    size_t w = emg_mup_wide_len(a);
    double *bx = malloc(2 * w * sizeof *bx);
    if (!keep || !bx) {
        free(keep);
        free(bx);
        return EDX_ERR_NOMEM;
    }
    s->count = distinct(a, keep, bx, bx + w);
    if (s->count)
        means(a, keep, s);
    free(keep);
    free(bx);
    s->is_limited = s->count < EMG_MUP_MIN_COUNT;
    if (limits) {
        emg_mup_limits_for_count(limits, s->count, &s->limits);
        emg_mup_limits by_duration; /* the duration's limits widen for its own count */
        emg_mup_limits_for_count(limits, s->duration_count, &by_duration);
        s->limits.duration_ms_lln = by_duration.duration_ms_lln;
        s->limits.duration_ms_uln = by_duration.duration_ms_uln;
        s->is_long = s->duration_count && s->duration_ms_mean > s->limits.duration_ms_uln;
        s->is_short = s->duration_count && s->duration_ms_mean < s->limits.duration_ms_lln;
        s->is_large = s->count && s->amplitude_uv_mean > s->limits.amplitude_uv_uln;
        s->is_small = s->count && s->amplitude_uv_mean < s->limits.amplitude_uv_lln;
        s->is_polyphasic = emg_mup_is_polyphasic(s->count, s->polyphasic_pct,
                                                 s->limits.polyphasic_pct_uln);
        s->is_poly_over_limit = s->count && s->polyphasic_pct > s->limits.polyphasic_pct_uln;
        s->pattern = emg_mup_classify(s);
    } else {
        s->pattern = EMG_MUP_INDETERMINATE;
    }
    return EDX_OK;
}
