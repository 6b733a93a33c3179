/*
 * mup_measure.c - the parameters of one averaged MUP (shared clinical
 * reference 2.1; standard parameter set of Stålberg et al. [S58]).
 *
 *   amplitude   peak to peak (largest negative to largest positive).
 *   markers     onset and end (edxreport(1), "MOTOR UNIT POTENTIALS"): the
 *               average is smoothed by a centred 1 ms moving mean (the level
 *               of the trace as a reader sees it, without its noise) and by
 *               a light 0.3 ms one (that keeps phases of about 1 ms period,
 *               which the 1 ms mean cancels); walking outwards from the main
 *               spike, the MUP ends where the 1 ms trace has stayed within
 *               L of the baseline, and the light one within L plus twice its
 *               noise, for MUP_QUIET_MS. L is 5 % of the amplitude held
 *               within 2-10 uV (the 10 uV of a visual reading at the usual
 *               100 uV/div gain [U]), and never within 3 SD of the noise
 *               left in the smoothed average (from its first and last
 *               MUP_FLANK_MS). A marker is moved inwards (at most 0.5 ms)
 *               only on a steep flank, which the 1 ms mean leaves early; on
 *               a slow one the noise of the light trace, not the MUP, would
 *               stop that walk, always inside the end (on simulated
 *               averages 0.2 ms short per MUP [E]). A component beyond that
 *               stretch of baseline is a satellite, not part of the
 *               duration [S58].
 *   phases      baseline crossings + 1 between the markers, counting only
 *               excursions beyond max(L, 5 % of the amplitude); >= 5 is
 *               polyphasic [S55].
 *   turns       direction changes of at least 25 uV between the markers
 *               [clinical reference 2.1, U].
 *   area        rectified area between the markers; size index per [S57].
 *   rise time   from the positive peak before the main negative peak (or,
 *               with none, from where the spike leaves the baseline band
 *               L) to that peak, within 1.5 ms; near field when < 0.5 ms
 *               [U].
 *   satellite   a component beyond 2L after the end marker (or before the
 *               onset), separated from the MUP by baseline [S58].
 *   measurable  the duration is read only when the baseline is seen on both
 *               sides: each marker at least MUP_EDGE_MS inside the window,
 *               the smoothed average outside the MUP (beyond 1 ms of
 *               either marker) within L in rms, and noise has raised L to
 *               at most 3 times its 5 % value (beyond that the bias of the
 *               markers grew to several ms on simulated moderate-force
 *               averages [E]). Otherwise another unit's
 *               leftovers or baseline wander set the markers, not this MUP
 *               (the reader's "baseline not reached"); the MUP still counts
 *               for amplitude, phases and firing.
 */
#include <math.h>
#include <stdlib.h>

#include "edx/emg.h"
#include "edx/mup.h"
#include "emg/mup/mup_internal.h"

#define MUP_LEVEL_FRAC 0.05     /* of the amplitude [E: a visual reading of small MUPs] */
#define MUP_LEVEL_MIN_UV 2.0
#define MUP_LEVEL_MAX_UV 10.0   /* visual reading at 100 uV/div [U] */
#define MUP_LEVEL_NOISE 3.0     /* x residual noise rms */
#define MUP_SMOOTH_MS 1.0       /* moving mean the markers are read on [E] */
#define MUP_FINE_MS 0.3         /* light mean that keeps phases of ~1 ms period [E] */
/* The light trace's level lies MUP_FINE_MARGIN noise rms above its own 3 SD
 * floor: its noise (about twice that of the 1 ms mean) is not read as a
 * phase [E]. A flank the 1 ms mean leaves early: the light trace reaches
 * MUP_STEEP times the level within half that mean's width [E]. */
#define MUP_FINE_MARGIN 2.0
#define MUP_STEEP 5.0
#define MUP_REFINE_NOISE 3.0    /* a marker moves in only over f clearly below the level [E] */
#define MUP_QUIET_MS 1.0        /* baseline stretch that ends a MUP [E] */
#define MUP_FLANK_MS 2.0        /* window ends giving the residual noise */
#define MUP_RISE_SEARCH_MS 1.5
#define MUP_SAT_MIN_MS 0.3      /* a satellite lasts at least this long above 2L */
#define MUP_EDGE_MS 3.0         /* baseline needed outside each marker [E] */
#define MUP_NOISE_LEVEL_MAX 3.0 /* noise may raise the level to this many times L [E] */

/* Robust rms of s over its first and last nb samples (|z| has median
 * 0.6745 sigma); uses scratch[0..2 nb). */
static double flank_noise(const double *s, size_t n, size_t nb, double *scratch)
{
    size_t m = 0;
    for (size_t k = 0; k < nb && k < n; k++) {
        scratch[m++] = fabs(s[k]);
        scratch[m++] = fabs(s[n - 1 - k]);
    }
    return m ? emg_mup_quantile(scratch, m, 0.5) / 0.6745 : 0;
}

/* From `from` outwards (dir), the last sample where the MUP is off the
 * baseline before `quiet` samples on it: where |s| (the 1 ms mean) reaches
 * `level` or |f| (the light mean) reaches `level_fine`. */
static size_t quiet_end(const double *s, const double *f, size_t n, size_t from, int dir,
                        size_t quiet, double level, double level_fine)
{
    size_t marker = from, run = 0;
    for (size_t i = from; run < quiet;) {
        bool off = fabs(s[i]) >= level || fabs(f[i]) >= level_fine;
        marker = off ? i : marker;
        run = off ? 0 : run + 1;
        if ((dir > 0 && i + 1 >= n) || (dir < 0 && i == 0))
            break;
        i = dir > 0 ? i + 1 : i - 1;
    }
    return marker;
}

/* Moves a marker inwards (dir -1 for the onset, +1 for the end), by at
 * most h samples, to where the light mean f reaches the level less
 * MUP_REFINE_NOISE times its noise: the 1 ms mean leaves the baseline up
 * to half its width early on a flank that climbs steeply from it, which
 * is only moved for when f reaches MUP_STEEP times the level within those
 * h samples. On a slow flank it is not: there f lies about the level and
 * its noise, not the MUP, would set where the walk stops (always inwards). */
static size_t refine(const double *f, size_t n, size_t marker, size_t spike, int dir, size_t h,
                     double level, double noise_fine)
{
    bool steep = false;
    for (size_t k = 0; k <= h && !steep; k++) {
        size_t i = dir < 0 ? marker + k : marker - k;
        steep = i < n && fabs(f[i]) >= MUP_STEEP * level;
    }
    for (size_t k = 0; k <= h && steep; k++) {
        size_t i = dir < 0 ? marker + k : marker - k;
        if ((dir < 0 && i >= spike) || (dir > 0 && i <= spike))
            break;
        if (fabs(f[i]) >= level - MUP_REFINE_NOISE * noise_fine)
            return i;
    }
    return marker;
}

/* Rms of the smoothed average s outside [a - g, z + g]: what is left of
 * the baseline once the MUP is set aside; 0 when nothing is left. */
static double outside_rms(const double *s, size_t n, size_t a, size_t z, size_t g)
{
    double e = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (i + g < a || i > z + g) {
            e += s[i] * s[i];
            m++;
        }
    return m ? sqrt(e / (double)m) : 0;
}

/* From a marker found at a noise-raised level, walks on outwards (dir)
 * while the smoothed trace keeps its sign and keeps falling towards the
 * baseline, down to base_uv: the MUP's tail below the noise level, read
 * the way the onset of a nerve response is walked back to the baseline. */
static size_t extend(const double *s, size_t n, size_t marker, int dir, double base_uv)
{
    size_t i = marker;
    while ((dir > 0 && i + 1 < n) || (dir < 0 && i > 0)) {
        size_t j = dir > 0 ? i + 1 : i - 1;
        if (fabs(s[j]) <= base_uv || s[j] * s[i] <= 0 || fabs(s[j]) > fabs(s[i]))
            break;
        i = j;
    }
    return i;
}

/* Onset and end markers of v (see the head of this file); whether the
 * baseline around them allows a duration. */
static int markers(const double *v, size_t n, double fs_hz, size_t spike, double amplitude_uv,
                   size_t *a, size_t *z, double *level_uv, bool *measurable)
{
    double ms = 1000.0 / fs_hz;
    double *s = malloc(3 * n * sizeof *s);
    if (!s)
        return EDX_ERR_NOMEM;
    double *f = s + n, *scratch = s + 2 * n;
    size_t w = (size_t)(MUP_SMOOTH_MS / ms) | 1, nb = (size_t)(MUP_FLANK_MS / ms + 0.5);
    nb = nb ? nb : 1;
    edx_moving_mean(v, n, w, s);
    edx_moving_mean(v, n, (size_t)(MUP_FINE_MS / ms + 0.5) | 1, f);
    double base_uv = fmin(MUP_LEVEL_MAX_UV, fmax(MUP_LEVEL_MIN_UV, MUP_LEVEL_FRAC * amplitude_uv));
    double level = fmax(base_uv, MUP_LEVEL_NOISE * flank_noise(s, n, nb, scratch));
    double noise_fine = flank_noise(f, n, nb, scratch);
    double level_fine = fmax(base_uv, MUP_LEVEL_NOISE * noise_fine) + MUP_FINE_MARGIN * noise_fine;
    size_t quiet = (size_t)(MUP_QUIET_MS / ms) + 1;
    size_t a0 = quiet_end(s, f, n, spike, -1, quiet, level, level_fine);
    size_t z0 = quiet_end(s, f, n, spike, +1, quiet, level, level_fine);
    size_t a1 = extend(s, n, a0, -1, base_uv), z1 = extend(s, n, z0, +1, base_uv);
    *a = a1 != a0 ? a1 : refine(f, n, a0, spike, -1, w / 2, level, noise_fine);
    *z = z1 != z0 ? z1 : refine(f, n, z0, spike, +1, w / 2, level, noise_fine);
    *level_uv = level;
    size_t edge = (size_t)(MUP_EDGE_MS / ms + 0.5);
    *measurable = *a >= edge && *z + edge < n && outside_rms(s, n, *a, *z, w) < level &&
                  level <= MUP_NOISE_LEVEL_MAX * base_uv;
    free(s);
    return EDX_OK;
}

static int count_phases(const double *v, size_t a, size_t z, double thr)
{
    int phases = 0, sign = 0;
    for (size_t i = a; i <= z; i++) {
        if (fabs(v[i]) < thr)
            continue;
        int sg = v[i] > 0 ? 1 : -1;
        if (sg != sign)
            phases++;
        sign = sg;
    }
    return phases;
}

int emg_mup_count_turns(const double *v, size_t a, size_t z, double min_uv)
{
    if (z <= a)
        return 0;
    int turns = 0, dir = 0;
    double ext = v[a]; /* last extreme */
    for (size_t i = a + 1; i <= z; i++) {
        if (dir >= 0 && v[i] > ext) {
            ext = v[i];
            dir = dir ? dir : (v[i] - v[a] >= min_uv ? 1 : 0);
        } else if (dir <= 0 && v[i] < ext) {
            ext = v[i];
            dir = dir ? dir : (v[a] - v[i] >= min_uv ? -1 : 0);
        } else if (dir > 0 && ext - v[i] >= min_uv) {
            turns++, dir = -1, ext = v[i];
        } else if (dir < 0 && v[i] - ext >= min_uv) {
            turns++, dir = 1, ext = v[i];
        }
    }
    return turns;
}

/* Rise time of the main spike: walking back from its negative peak up the
 * spike's flank to the positive peak before it, or, when the spike starts
 * from baseline (no positive phase before it), to where it leaves the
 * baseline band. Inside the band the walk stops at the first sample lower
 * than the next (a noise ripple); below it, ripples on the flank do not stop
 * it. Taking the largest sample of the search window instead read the
 * baseline's noise as the positive peak of every negative-first MUP. */
static double rise_time_ms(const double *v, size_t n, double fs_hz, double level)
{
    size_t neg = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] < v[neg])
            neg = i;
    size_t back = (size_t)(MUP_RISE_SEARCH_MS * fs_hz / 1000.0 + 0.5);
    size_t lo = neg > back ? neg - back : 0, j = neg;
    while (j > lo && (v[j - 1] > v[j] || v[j] < -level))
        j--;
    return (double)(neg - j) * 1000.0 / fs_hz;
}

/* A satellite: >= MUP_SAT_MIN_MS beyond 2L outside [a, z]; latency from a. */
static double satellite_ms(const double *v, size_t n, size_t a, size_t z, double level,
                           double fs_hz)
{
    size_t need = (size_t)(MUP_SAT_MIN_MS * fs_hz / 1000.0 + 0.5), run = 0;
    for (size_t i = z + 1; i < n; i++) {
        run = fabs(v[i]) >= 2 * level ? run + 1 : 0;
        if (run >= (need ? need : 1))
            return (double)(i + 1 - run) * 1000.0 / fs_hz - (double)a * 1000.0 / fs_hz;
    }
    run = 0;
    for (size_t i = a; i-- > 0;) {
        run = fabs(v[i]) >= 2 * level ? run + 1 : 0;
        if (run >= (need ? need : 1))
            return ((double)i - (double)a) * 1000.0 / fs_hz;
    }
    return NAN;
}

/* Amplitude, level and markers of v into out (as emg_mup_markers()), the
 * markers' samples into *a and *z and the phase level into *level. */
static int read_markers(const double *v, size_t n, double fs_hz, size_t spike, double noise_uv,
                        emg_mup_shape *out, size_t *a, size_t *z, double *level)
{
    if (!v || !out || n < 3 || spike >= n || !(fs_hz > 0))
        return EDX_ERR_INVALID;
    double lo = v[0], hi = v[0];
    for (size_t i = 1; i < n; i++) { /* selects, not calls; a NaN sample is passed over */
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    out->amplitude_uv = hi - lo;
    *level = fmin(MUP_LEVEL_MAX_UV, fmax(MUP_LEVEL_MIN_UV, MUP_LEVEL_FRAC * (hi - lo)));
    *level = fmax(*level, MUP_LEVEL_NOISE * (noise_uv > 0 ? noise_uv : 0));
    if (fabs(v[spike]) < *level && hi < *level && -lo < *level)
        return EDX_ERR_RANGE;
    double ms = 1000.0 / fs_hz;
    int rc = markers(v, n, fs_hz, spike, out->amplitude_uv, a, z, &out->level_uv,
                     &out->duration_measurable);
    if (rc)
        return rc;
    out->onset_ms = (double)*a * ms;
    out->end_ms = (double)*z * ms;
    out->duration_ms = (double)(*z - *a + 1) * ms;
    return EDX_OK;
}

int emg_mup_markers(const double *v, size_t n, double fs_hz, size_t spike, double noise_uv,
                    emg_mup_shape *out)
{
    size_t a, z;
    double level;
    return read_markers(v, n, fs_hz, spike, noise_uv, out, &a, &z, &level);
}

int emg_mup_measure(const double *v, size_t n, double fs_hz, size_t spike, double noise_uv,
                    emg_mup_shape *out)
{
    size_t a, z;
    double level;
    int rc = read_markers(v, n, fs_hz, spike, noise_uv, out, &a, &z, &level);
    if (rc)
        return rc;
    double ms = 1000.0 / fs_hz;
    out->phases = count_phases(v, a, z, fmax(level, MUP_LEVEL_FRAC * out->amplitude_uv));
    out->turns = emg_mup_count_turns(v, a, z, EMG_MUP_TURN_UV);
    double area = 0;
    for (size_t i = a; i <= z; i++)
        area += fabs(v[i]) * ms;
    out->area_uv_ms = area;
    double amp_mv = out->amplitude_uv / 1000.0;
    out->size_index = amp_mv > 0 ? 2.0 * log10(amp_mv) + (area / 1000.0) / amp_mv : NAN;
    out->rise_time_ms = rise_time_ms(v, n, fs_hz, level);
    out->satellite_ms = satellite_ms(v, n, a, z, level, fs_hz);
    out->has_satellite = !isnan(out->satellite_ms);
    return EDX_OK;
}
