/*
 * mup_measure.c - the parameters of one averaged MUP (shared clinical
 * reference 2.1; standard parameter set of Stålberg et al. [S58]).
 *
 *   amplitude   peak to peak (largest negative to largest positive).
 *   markers     onset and end by a level-and-slope rule (edxreport(1),
 *               "MOTOR UNIT POTENTIALS"): searching outwards from the main
 *               spike, the MUP ends where the waveform has been "at
 *               baseline" for MUP_QUIET_MS: inside max(L, 10 % of the
 *               amplitude) and changing by less than L over the
 *               MUP_SLOPE_WINDOW_MS on its outer side. L is 5 % of the
 *               amplitude held within 2-10 uV (the 10 uV of a visual reading
 *               at the usual 100 uV/div gain [U]), and never below 3x the
 *               residual noise of the average. A flat offset left by other
 *               units does not lengthen the MUP.
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
 */
#include <math.h>
#include <stdlib.h>

#include "edx/mup.h"
#include "emg/mup/mup_internal.h"

#define MUP_LEVEL_FRAC 0.05     /* of the amplitude [E: a visual reading of small MUPs] */
#define MUP_LEVEL_MIN_UV 2.0
#define MUP_LEVEL_MAX_UV 10.0   /* visual reading at 100 uV/div [U] */
#define MUP_LEVEL_NOISE 3.0     /* x residual noise rms */
#define MUP_QUIET_MS 1.5        /* baseline stretch that ends a MUP [E] */
#define MUP_SLOPE_WINDOW_MS 1.0 /* slope criterion window [E] */
#define MUP_SLOPE_PER_LEVEL 1.0 /* flat: changes less than L per window [E] */
#define MUP_GUARD_FRAC 0.1      /* flat parts beyond 10 % of the amplitude are MUP [E] */
#define MUP_RISE_SEARCH_MS 1.5
#define MUP_SAT_MIN_MS 0.3      /* a satellite lasts at least this long above 2L */

/* Whether sample i is "at baseline" seen from the MUP: within the guard
 * band and flat over the slope window on its outer side (dir -1: before it,
 * +1: after it), i.e. changing by less than `slope` uV over the window. */
static bool is_flat(const double *v, size_t n, size_t i, int dir, size_t w, double slope,
                    double guard)
{
    if (fabs(v[i]) >= guard)
        return false;
    size_t j = dir < 0 ? (i >= w ? i - w : 0) : (i + w < n ? i + w : n - 1);
    return fabs(v[j] - v[i]) < slope;
}

/* Scans from `from` by `dir` (+1/-1) for the first run of `quiet` flat
 * samples; returns the last non-flat sample before it (the marker). */
static size_t find_marker(const double *v, size_t n, size_t from, int dir, size_t quiet,
                          size_t hw, double slope, double guard)
{
    size_t marker = from, run = 0;
    for (size_t i = from;; i = dir > 0 ? i + 1 : i - 1) {
        if (is_flat(v, n, i, dir, hw, slope, guard)) {
            if (++run >= quiet)
                return marker;
        } else {
            run = 0;
            marker = i;
        }
        if ((dir > 0 && i + 1 >= n) || (dir < 0 && i == 0))
            return marker;
    }
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

int emg_mup_measure(const double *v, size_t n, double fs_hz, size_t spike, double noise_uv,
                    emg_mup_shape *out)
{
    if (!v || !out || n < 3 || spike >= n || !(fs_hz > 0))
        return EDX_ERR_INVALID;
    double lo = v[0], hi = v[0];
    for (size_t i = 1; i < n; i++)
        lo = fmin(lo, v[i]), hi = fmax(hi, v[i]);
    out->amplitude_uv = hi - lo;
    double level = fmin(MUP_LEVEL_MAX_UV, fmax(MUP_LEVEL_MIN_UV, MUP_LEVEL_FRAC * (hi - lo)));
    level = fmax(level, MUP_LEVEL_NOISE * (noise_uv > 0 ? noise_uv : 0));
    out->level_uv = level;
    if (fabs(v[spike]) < level && hi < level && -lo < level)
        return EDX_ERR_RANGE;
    double ms = 1000.0 / fs_hz;
    size_t quiet = (size_t)(MUP_QUIET_MS / ms + 0.5), hw = (size_t)(MUP_SLOPE_WINDOW_MS / ms + 0.5);
    quiet = quiet ? quiet : 1;
    hw = hw ? hw : 1;
    double slope = level * MUP_SLOPE_PER_LEVEL, guard = fmax(level, MUP_GUARD_FRAC * out->amplitude_uv);
    size_t a = find_marker(v, n, spike, -1, quiet, hw, slope, guard);
    size_t z = find_marker(v, n, spike, +1, quiet, hw, slope, guard);
    out->onset_ms = (double)a * ms;
    out->end_ms = (double)z * ms;
    out->duration_ms = (double)(z - a + 1) * ms;
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
