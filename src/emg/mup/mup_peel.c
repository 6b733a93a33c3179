/*
 * mup_peel.c - removes the other units from each unit's discharge windows
 * before they are averaged ("peel-off", the usual step of decomposition-
 * based quantitative EMG; the details here are engineering choices [E]).
 *
 * At moderate effort a 45 ms window around one unit's discharge holds,
 * on average, several discharges of the other active units. Averaging
 * (a median of the cleanest half) shrinks them but does not remove them:
 * what is left lies at the level (a few to tens of uV) where a MUP's onset
 * and end are read, and stretches or cuts its duration. Every unit's
 * discharge times are known once the epoch is decomposed, so each member
 * window has the preliminary averages of the other units subtracted at
 * their discharge times (sub-sample, by cubic interpolation); the averages
 * are then taken again from the peeled windows (src/emg/mup/mup_units.c).
 *
 * Only a unit's own MUP is subtracted, not its whole 45 ms window: the
 * rest of that window holds what averaging left of the other units,
 * among them, at moderate effort, the very unit being cleaned (its
 * discharges fall in the other unit's windows at all lags). Subtracting
 * the whole window took a smeared copy of each unit out of its own
 * members and cut its tail: on simulated moderate-force averages the
 * durations came out 0.25 ms short on average, by more than 2 ms for 35 %
 * of the units; with the own part alone, 0.3 ms long and 32 % [E].
 *
 * A discharge of another track within MUP_PEEL_SELF_MS of the member's own
 * is left alone: it is the same discharge seen on another slope (a track
 * not merged) or a superimposition that the average's median already
 * rejects. Tracks with fewer than MUP_MIN_DISCHARGES have averages too
 * noisy to subtract and are not peeled off.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emg/mup/mup_decompose.h"

#define MUP_PEEL_SELF_MS 3.0 /* [E] */
#define MUP_PEEL_MARGIN_MS 1.0 /* [E] */

static bool is_unit_track(const mup_track *t)
{
    return !t->is_merged && !t->is_weak && t->n_times >= MUP_MIN_DISCHARGES;
}

/* The samples of a unit's kept average that are not zero: [lo, hi]. */
typedef struct {
    long lo, hi;
} peel_span;

/* Subtracts average `w` of a unit discharging at `tb` from the member
 * window `row` aligned at `tm`, where it reaches the average's span `sp`:
 * beyond it the interpolation reads only zeros, and taking a zero away
 * changes nothing (at most the sign of a zero, which no average, median
 * or energy shows). */
static void subtract_at(const emg_mup_analyser *a, float *row, double tm, const double *w,
                        peel_span sp, double tb)
{
    double off = (tm - tb) * a->fs; /* member sample k is the average's sample k + off */
    long k0 = (long)ceil(-off), k1 = (long)floor((double)(a->win - 1) - off);
    /* the cubic reads samples i - 1 .. i + 2 about position k + off */
    long s0 = (long)ceil((double)sp.lo - 3.0 - off), s1 = (long)floor((double)sp.hi + 3.0 - off);
    k0 = k0 > s0 ? k0 : s0;
    k1 = k1 < s1 ? k1 : s1;
    k0 = k0 > 0 ? k0 : 0;
    k1 = k1 < (long)a->win - 1 ? k1 : (long)a->win - 1;
    if (k0 > k1)
        return;
    emg_mup_interp_run_float(w, a->win, off, (size_t)k0, (size_t)k1 + 1, row + k0, -1);
}

/* The kept averages of the tracks (avg: a->win samples each) and where
 * they are not zero (has: whether a track has one). */
typedef struct {
    double *avg;
    peel_span *span;
    bool *has;
} peel_avgs;

static void peel_member(const emg_mup_analyser *a, size_t self, float *row, double tm,
                        const peel_avgs *pa)
{
    const peel_span *span = pa->span;
    const bool *has = pa->has;
    double span_s = (double)a->win / a->fs, self_s = MUP_PEEL_SELF_MS / 1000.0;
    for (size_t j = 0; j < a->n_tracks; j++) {
        if (j == self || !has[j] || span[j].lo > span[j].hi)
            continue;
        const mup_track *b = &a->tracks[j];
        for (size_t i = edx_lower_bound(b->times, b->n_times, tm - span_s);
             i < b->n_times && b->times[i] < tm + span_s; i++)
            if (fabs(b->times[i] - tm) >= self_s)
                subtract_at(a, row, tm, pa->avg + j * a->win, span[j], b->times[i]);
    }
}

/* Keeps of a unit's average w only its own MUP: between its markers
 * (read at the plain level, without the noise raise, so that all of it
 * that shows above the level is kept), widened by MUP_PEEL_MARGIN_MS and
 * tapered to zero over as much again. Nothing is kept when no MUP stands
 * out. EDX_OK or EDX_ERR_NOMEM. */
static int keep_own_part(const emg_mup_analyser *a, double *w, peel_span *sp)
{
    sp->lo = 0;
    sp->hi = -1;
    emg_mup_shape sh;
    double ms = 1000.0 / a->fs;
    int rc = emg_mup_markers(w, a->win, a->fs, a->pre, 0, &sh);
    if (rc == EDX_ERR_NOMEM)
        return rc;
    if (rc != EDX_OK) {
        for (size_t k = 0; k < a->win; k++)
            w[k] = 0;
        return EDX_OK;
    }
    double g = MUP_PEEL_MARGIN_MS / ms;
    double lo = sh.onset_ms / ms - g, hi = sh.end_ms / ms + g;
    for (size_t k = 0; k < a->win; k++) {
        double x = (double)k, f = 1;
        if (x < lo - g || x > hi + g)
            f = 0;
        else if (x < lo)
            f = 0.5 - 0.5 * cos(EMG_PI * (x - (lo - g)) / g);
        else if (x > hi)
            f = 0.5 - 0.5 * cos(EMG_PI * ((hi + g) - x) / g);
        w[k] *= f;
        if (w[k] != 0) {
            sp->lo = sp->hi < sp->lo ? (long)k : sp->lo;
            sp->hi = (long)k;
        }
    }
    return EDX_OK;
}

/* The kept averages of the unit tracks into pa. EDX_OK or EDX_ERR_NOMEM. */
static int unit_averages(emg_mup_analyser *a, peel_avgs *pa, double *scratch)
{
    for (size_t i = 0; i < a->n_tracks; i++) {
        mup_track *t = &a->tracks[i];
        if (!is_unit_track(t) || t->n_members == 0)
            continue;
        emg_mup_one_per_discharge(t);
        emg_mup_average(a, t->members, t->n_members, pa->avg + i * a->win, scratch);
        if (keep_own_part(a, pa->avg + i * a->win, &pa->span[i]) != EDX_OK)
            return EDX_ERR_NOMEM;
        pa->has[i] = true;
    }
    return EDX_OK;
}

int emg_mup_peel(emg_mup_analyser *a)
{
    size_t n = a->n_tracks, units = 0;
    for (size_t i = 0; i < n; i++)
        units += is_unit_track(&a->tracks[i]) && a->tracks[i].n_members > 0;
    if (units < 2)
        return EDX_OK; /* no other unit to peel off */
    peel_avgs pa;
    pa.avg = malloc(n * a->win * sizeof *pa.avg);
    /* for emg_mup_average(): the members' deviations, then a baseline's samples */
    double *scratch = malloc((a->win + EMG_MUP_MAX_MEMBERS) * sizeof *scratch);
    pa.has = calloc(n, sizeof *pa.has);
    pa.span = malloc(n * sizeof *pa.span);
    int rc = pa.avg && scratch && pa.has && pa.span ? EDX_OK : EDX_ERR_NOMEM;
    if (!rc)
        rc = unit_averages(a, &pa, scratch);
    for (size_t i = 0; i < n && !rc; i++) {
        mup_track *t = &a->tracks[i];
        if (!pa.has[i])
            continue;
        for (size_t m = 0; m < t->n_members; m++)
            peel_member(a, i, t->members + m * a->win, t->member_t[m], &pa);
    }
    free(pa.avg), free(scratch), free(pa.has), free(pa.span);
    return rc;
}
