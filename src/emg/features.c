/*
 * features.c - what a potential looks like: amplitude, duration, phases,
 * turns, first polarity, rise time and area (clinical.md 1.3 item 1 and
 * 2.1 for the definitions).
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "common/hot.h"
#include "edx/emg.h"

/* A potential ends where the signal stays at baseline this long [E]. */
#define QUIET_MS 3.0
/* Onset and end are read on the waveform smoothed over 0.5 ms, so that
 * noise peaks on a low tail do not stretch it [E]. */
#define SMOOTH_MS 0.5
#define DEPART_MAX_UV 10.0

static double fmax3(double a, double b, double c)
{
    return fmax(a, fmax(b, c));
}

/* The waveform as walk() reads it: x, or its centred moving mean over
 * 2 half + 1 samples (fewer at the ends), worked out only where the walk
 * goes - it rarely goes far from the peak - by sliding the window. */
typedef struct smoothed {
    const double *x;
    size_t n, half; /* half 0: x itself */
    size_t lo, hi;  /* the window [lo, hi) summed in sum */
    double sum;
} smoothed;

/* |smoothed x at k| >= level, without the division: |sum| >= level * count. */
static bool smoothed_reaches(smoothed *s, size_t k, double level)
{
    if (s->half == 0)
        return fabs(s->x[k]) >= level;
    size_t lo = k > s->half ? k - s->half : 0, hi = k + s->half + 1 < s->n ? k + s->half + 1 : s->n;
    if (s->hi <= lo || s->lo >= hi) { /* no overlap: start afresh */
        s->lo = s->hi = lo;
        s->sum = 0;
    }
    while (s->lo > lo)
        s->sum += s->x[--s->lo];
    while (s->hi < hi)
        s->sum += s->x[s->hi++];
    while (s->lo < lo)
        s->sum -= s->x[s->lo++];
    while (s->hi > hi)
        s->sum -= s->x[--s->hi];
    return fabs(s->sum) >= level * (double)(hi - lo);
}

/* Largest and smallest value of x[0..n), n > 0: four lanes of selects, so
 * that the loop vectorises. */
EDX_HOT_CLONES
static void value_range(const double *x, size_t n, double *hi_out, double *lo_out)
{
    double hi[4] = {x[0], x[0], x[0], x[0]}, lo[4] = {x[0], x[0], x[0], x[0]};
    size_t i = 1;
    for (; i + 4 <= n; i += 4)
        for (size_t k = 0; k < 4; k++) {
            hi[k] = x[i + k] > hi[k] ? x[i + k] : hi[k];
            lo[k] = x[i + k] < lo[k] ? x[i + k] : lo[k];
        }
    for (; i < n; i++) {
        hi[0] = x[i] > hi[0] ? x[i] : hi[0];
        lo[0] = x[i] < lo[0] ? x[i] : lo[0];
    }
    for (size_t k = 1; k < 4; k++) {
        hi[0] = hi[k] > hi[0] ? hi[k] : hi[0];
        lo[0] = lo[k] < lo[0] ? lo[k] : lo[0];
    }
    *hi_out = hi[0];
    *lo_out = lo[0];
}

/* Walking out from the peak (dir -1 or +1), the last sample beyond the
 * departure level before a quiet stretch of quiet[q] samples below it, so
 * that a neighbouring potential in the window does not count [E]. One walk
 * serves both lengths (quiet[0] <= quiet[1]): the shorter stretch is met
 * first on the way. */
static void walk(smoothed *x, size_t pk, int dir, double level, const size_t quiet[2],
                 size_t mark[2])
{
    size_t last = pk, below = 0;
    bool is_short_done = false;
    for (size_t k = pk; below < quiet[1];) {
        if (dir < 0 ? k == 0 : k + 1 >= x->n)
            break;
        k = dir < 0 ? k - 1 : k + 1;
        if (smoothed_reaches(x, k, level)) {
            last = k;
            below = 0;
        } else if (++below >= quiet[0] && !is_short_done) {
            mark[0] = last;
            is_short_done = true;
        }
    }
    if (!is_short_done)
        mark[0] = last;
    mark[1] = last;
}

/* Phases (segments of one sign beyond `level`), first polarity. */
static void count_phases(const double *x, size_t a, size_t z, double level, emg_features *f)
{
    int sign = 0;
    for (size_t i = a; i < z; i++) {
        if (fabs(x[i]) < level)
            continue;
        int sg = x[i] > 0 ? 1 : -1;
        if (!sign) {
            f->first_polarity = sg;
            f->phases = 1;
        } else if (sg != sign) {
            f->phases++;
        }
        sign = sg;
    }
}

/* Turns: reversals of at least `step` between extremes of one sign. */
static int count_turns(const double *x, size_t a, size_t z, double step)
{
    if (z <= a + 2)
        return 0;
    int turns = 0, dir = 0;
    double ext = x[a];
    for (size_t i = a + 1; i < z; i++) {
        double d = x[i] - ext;
        if (dir >= 0 && d > 0) {
            ext = x[i];
            dir = 1;
        } else if (dir <= 0 && d < 0) {
            ext = x[i];
            dir = -1;
        } else if (fabs(d) >= step) {
            /* a reversal that stays on one side of the baseline is a turn */
            if ((ext > 0) == (x[i] > 0))
                turns++;
            ext = x[i];
            dir = -dir;
        }
    }
    return turns;
}

int emg_features_measure(const double *x, size_t n, double fs_hz, double noise_uv, emg_features *f)
{
    if (!x || n == 0)
        return EDX_ERR_INVALID;
    size_t pk = 0;
    double best = fabs(x[0]); /* held, not reloaded */
    for (size_t i = 1; i < n; i++)
        if (fabs(x[i]) > best) {
            best = fabs(x[i]);
            pk = i;
        }
    return emg_features_measure_at(x, n, pk, fs_hz, noise_uv, QUIET_MS, f);
}

/* What lies within [a, z): its own peaks, phases, turns, rise and area. */
static void measure_within(const double *x, size_t pk, size_t a, size_t z, double ms, double noise,
                           emg_features *f)
{
    /* the potential's own peaks: inside its extent only */
    size_t imax = pk, imin = pk;
    double hi = x[pk], lo = x[pk]; /* held, not reloaded */
    for (size_t i = a; i < z; i++) {
        if (x[i] > hi) {
            hi = x[i];
            imax = i;
        }
        if (x[i] < lo) {
            lo = x[i];
            imin = i;
        }
    }
    f->max_pos_uv = fmax(x[imax], 0);
    f->max_neg_uv = fmin(x[imin], 0);
    f->amplitude_uv = f->max_pos_uv - f->max_neg_uv;
    if (a >= z)
        return;
    f->onset_ms = (double)a * ms;
    f->end_ms = (double)z * ms;
    f->duration_ms = (double)(z - a) * ms;
    f->after_peak_ms = (double)(z - pk) * ms;
    count_phases(x, a, z, fmax(3.0 * noise, 0.05 * f->amplitude_uv), f);
    f->turns = count_turns(x, a, z, fmax3(25.0, 4.0 * noise, 0.0));
    /* rise: from the opposite extreme before the main peak (or the onset) */
    size_t from = a;
    for (size_t i = a; i < pk; i++)
        if ((x[i] > 0) != (x[pk] > 0) && fabs(x[i]) > fabs(x[from]))
            from = i;
    f->rise_time_ms = (double)(pk - from) * ms;
    double area = 0;
    for (size_t i = a; i < z; i++)
        area += fabs(x[i]);
    f->area_uv_ms = area * ms;
}

int emg_features_measure_two(const double *x, size_t n, size_t pk, double fs_hz, double noise_uv,
                             double quiet_a_ms, double quiet_b_ms, emg_features *fa,
                             emg_features *fb)
{
    if (!x || !fa || !fb || n == 0 || pk >= n || !(fs_hz > 0) || !(quiet_a_ms >= 0) ||
        !(quiet_b_ms >= 0))
        return EDX_ERR_INVALID;
    memset(fa, 0, sizeof *fa);
    double ms = 1000.0 / fs_hz;
    double hi, lo;
    value_range(x, n, &hi, &lo);
    fa->max_pos_uv = fmax(hi, 0);
    fa->max_neg_uv = fmin(lo, 0);
    fa->amplitude_uv = fa->max_pos_uv - fa->max_neg_uv;
    fa->peak_index = pk;
    fa->main_sign = x[pk] >= 0 ? 1 : -1;
    double noise = noise_uv > 0 ? noise_uv : 0;
    /* departure: 5 % of the amplitude, at most 10 uV (how a reader sees a
     * large potential leave the baseline), never within 3 noise SD [E] */
    double level = fmax(3.0 * noise, fmin(0.05 * fa->amplitude_uv, DEPART_MAX_UV));
    *fb = *fa;
    bool is_a_short = quiet_a_ms <= quiet_b_ms;
    double q_short = is_a_short ? quiet_a_ms : quiet_b_ms,
           q_long = is_a_short ? quiet_b_ms : quiet_a_ms;
    size_t quiet[2] = {(size_t)(q_short * fs_hz / 1000.0) + 1,
                       (size_t)(q_long * fs_hz / 1000.0) + 1};
    size_t w = (size_t)(SMOOTH_MS * fs_hz / 1000.0), onset[2], last[2];
    smoothed xs = {x, n, w >= 3 && n >= w ? w / 2 : 0, 0, 0, 0};
    walk(&xs, pk, -1, level, quiet, onset);
    walk(&xs, pk, +1, level, quiet, last);
    int s = is_a_short ? 0 : 1;
    measure_within(x, pk, onset[s], last[s] + 1, ms, noise, fa);
    if (onset[1 - s] == onset[s] && last[1 - s] == last[s])
        *fb = *fa; /* one extent: the same measurement */
    else
        measure_within(x, pk, onset[1 - s], last[1 - s] + 1, ms, noise, fb);
    return EDX_OK;
}

int emg_features_measure_at(const double *x, size_t n, size_t pk, double fs_hz, double noise_uv,
                            double quiet_ms, emg_features *f)
{
    emg_features same;
    return emg_features_measure_two(x, n, pk, fs_hz, noise_uv, quiet_ms, quiet_ms, f, &same);
}

bool emg_features_later_larger(const double *x, size_t n, size_t pk, double fs_hz,
                               const emg_features *f, double ratio)
{
    if (!x || !f || pk >= n || !(fs_hz > 0))
        return false;
    double z = ceil(f->end_ms * fs_hz / 1000.0), lim = ratio * fabs(x[pk]);
    size_t end = z < (double)n ? (size_t)z : n;
    for (size_t i = pk + 1; i < end; i++)
        if (fabs(x[i]) > lim)
            return true;
    return false;
}

double emg_flank_noise_uv(const double *x, size_t n)
{
    if (!x || n < 2)
        return 0;
    double mean = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        mean += x[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    return sqrt(ss / (double)(n - 1));
}
