/*
 * mup_measure.c - the parameters of one averaged MUP (shared clinical
 * reference 2.1; standard parameter set of Stålberg et al. [S58]).
 *
 *   amplitude   peak to peak (largest negative to largest positive).
 *   markers     onset and end (edxreport(1), "MOTOR UNIT POTENTIALS"): the
 *               average is smoothed by a centred 1 ms moving mean (the level
 *               of the trace as a reader sees it, without its noise);
 *               walking outwards from the main spike, the MUP ends where
 *               the smoothed trace has stayed within L of the baseline for
 *               MUP_QUIET_MS. L is 5 % of the amplitude held within 2-10 uV
 *               (the 10 uV of a visual reading at the usual 100 uV/div gain
 *               [U]), and never within 3 SD of the noise left in the
 *               smoothed average (from its first and last MUP_FLANK_MS). A
 *               component beyond that stretch of baseline is a satellite,
 *               not part of the duration [S58].
 *   phases      baseline crossings + 1 between the markers, counting only
 *               excursions beyond max(L, 5 % of the amplitude); >= 5 is
 *               polyphasic [S55].
 *   turns       direction changes of at least 25 uV between the markers
 *               [clinical reference 2.1, U].
 *   area        rectified area between the markers; size index per [S57].
 *   rise time   largest positive peak in the 1.5 ms before the main
 *               negative peak to that peak; near field when < 0.5 ms [U].
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
#define MUP_FINE_MS 0.2         /* lighter smoothing the markers are refined on [E] */
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

/* The centred mean of v[i - h .. i + h] (fewer at the ends of v[0..n)):
 * the lightly smoothed trace, read only where a marker is refined. */
static double mean_about(const double *v, size_t n, size_t i, size_t h)
{
    size_t lo = i > h ? i - h : 0, hi = i + h + 1 < n ? i + h + 1 : n;
    double s = 0;
    for (size_t k = lo; k < hi; k++)
        s += v[k];
    return s / (double)(hi - lo);
}

/* Moves a marker found on the 1 ms mean inwards (dir -1 for the onset,
 * +1 for the end) to where v smoothed by a centred mean of 2 fh + 1
 * samples leaves the level: the wide mean leaves it up to half its width
 * early on a steep flank. */
static size_t refine(const double *v, size_t n, size_t fh, size_t marker, size_t spike, int dir,
                     size_t h, double level)
{
    for (size_t k = 0; k <= h; k++) {
        size_t i = dir < 0 ? marker + k : marker - k;
        if ((dir < 0 && i >= spike) || (dir > 0 && i <= spike))
            break;
        if (fabs(mean_about(v, n, i, fh)) >= level)
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
    double *s = malloc(2 * n * sizeof *s);
    if (!s)
        return EDX_ERR_NOMEM;
    size_t w = (size_t)(MUP_SMOOTH_MS / ms) | 1, nb = (size_t)(MUP_FLANK_MS / ms + 0.5);
    edx_moving_mean(v, n, w, s);
    double base_uv = fmin(MUP_LEVEL_MAX_UV, fmax(MUP_LEVEL_MIN_UV, MUP_LEVEL_FRAC * amplitude_uv));
    double level = fmax(base_uv, MUP_LEVEL_NOISE * flank_noise(s, n, nb ? nb : 1, s + n));
    size_t quiet = (size_t)(MUP_QUIET_MS / ms) + 1;
    size_t a0 = edx_quiet_end(s, n, spike, -1, quiet, level), a1 = extend(s, n, a0, -1, base_uv);
    size_t z0 = edx_quiet_end(s, n, spike, +1, quiet, level), z1 = extend(s, n, z0, +1, base_uv);
    size_t fh = ((size_t)(MUP_FINE_MS / ms) | 1) / 2;
    *a = a1 != a0 ? a1 : refine(v, n, fh, a0, spike, -1, w / 2, level);
    *z = z1 != z0 ? z1 : refine(v, n, fh, z0, spike, +1, w / 2, level);
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

static double rise_time_ms(const double *v, size_t n, double fs_hz)
{
    size_t neg = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] < v[neg])
            neg = i;
    size_t back = (size_t)(MUP_RISE_SEARCH_MS * fs_hz / 1000.0 + 0.5);
    size_t lo = neg > back ? neg - back : 0, pos = neg;
    for (size_t i = lo; i < neg; i++)
        if (v[i] > v[pos])
            pos = i;
    return (double)(neg - pos) * 1000.0 / fs_hz;
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
    out->rise_time_ms = rise_time_ms(v, n, fs_hz);
    out->satellite_ms = satellite_ms(v, n, a, z, level, fs_hz);
    out->has_satellite = !isnan(out->satellite_ms);
    return EDX_OK;
}
