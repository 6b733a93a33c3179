/*
 * features.c - what a potential looks like: amplitude, duration, phases,
 * turns, first polarity, rise time and area (clinical.md 1.3 item 1 and
 * 2.1 for the definitions).
 */
#include <math.h>
#include <string.h>

#include "edx/emg.h"
#include "emg/emg_hot.h"

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

/* The waveform as extent() reads it: x, or its centred moving mean over
 * 2 half + 1 samples (fewer at the ends), worked out only where the walk
 * goes - it rarely goes far from the peak - by sliding the window. */
typedef struct smoothed {
    const double *x;
    size_t n, half; /* half 0: x itself */
    size_t lo, hi;  /* the window [lo, hi) summed in sum */
    double sum;
} smoothed;

static double smoothed_at(smoothed *s, size_t k)
{
    if (s->half == 0)
        return s->x[k];
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
    return s->sum / (double)(hi - lo);
}

/* Largest and smallest value of x[0..n), n > 0: four lanes of selects, so
 * that the loop vectorises. */
EMG_HOT_CLONES
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

/* Onset and end: walking out from the peak, the last sample beyond the
 * departure level before a quiet stretch of `quiet` samples below it, so
 * that a neighbouring potential in the window does not count [E]. */
static void extent(smoothed *x, size_t pk, double level, size_t quiet, size_t *a, size_t *z)
{
    size_t i = pk, below = 0;
    for (size_t k = pk; k-- > 0 && below < quiet;) {
        if (fabs(smoothed_at(x, k)) >= level) {
            i = k;
            below = 0;
        } else {
            below++;
        }
    }
    size_t j = pk;
    below = 0;
    for (size_t k = pk + 1; k < x->n && below < quiet; k++) {
        if (fabs(smoothed_at(x, k)) >= level) {
            j = k;
            below = 0;
        } else {
            below++;
        }
    }
    *a = i;
    *z = j + 1;
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
    for (size_t i = 1; i < n; i++)
        if (fabs(x[i]) > fabs(x[pk]))
            pk = i;
    return emg_features_measure_at(x, n, pk, fs_hz, noise_uv, QUIET_MS, f);
}

int emg_features_measure_at(const double *x, size_t n, size_t pk, double fs_hz, double noise_uv,
                            double quiet_ms, emg_features *f)
{
    if (!x || !f || n == 0 || pk >= n || !(fs_hz > 0) || !(quiet_ms >= 0))
        return EDX_ERR_INVALID;
    memset(f, 0, sizeof *f);
    double ms = 1000.0 / fs_hz;
    double hi, lo;
    value_range(x, n, &hi, &lo);
    f->max_pos_uv = fmax(hi, 0);
    f->max_neg_uv = fmin(lo, 0);
    f->amplitude_uv = f->max_pos_uv - f->max_neg_uv;
    f->peak_index = pk;
    f->main_sign = x[pk] >= 0 ? 1 : -1;
    double noise = noise_uv > 0 ? noise_uv : 0;
    size_t a, z;
    size_t quiet = (size_t)(quiet_ms * fs_hz / 1000.0) + 1;
    size_t w = (size_t)(SMOOTH_MS * fs_hz / 1000.0);
    smoothed xs = {x, n, w >= 3 && n >= w ? w / 2 : 0, 0, 0, 0};
    /* departure: 5 % of the amplitude, at most 10 uV (how a reader sees a
     * large potential leave the baseline), never within 3 noise SD [E] */
    extent(&xs, pk, fmax(3.0 * noise, fmin(0.05 * f->amplitude_uv, DEPART_MAX_UV)), quiet, &a, &z);
    /* the potential's own peaks: inside its extent only */
    size_t imax = pk, imin = pk;
    for (size_t i = a; i < z; i++) {
        imax = x[i] > x[imax] ? i : imax;
        imin = x[i] < x[imin] ? i : imin;
    }
    f->max_pos_uv = fmax(x[imax], 0);
    f->max_neg_uv = fmin(x[imin], 0);
    f->amplitude_uv = f->max_pos_uv - f->max_neg_uv;
    if (a >= z)
        return EDX_OK;
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
    return EDX_OK;
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
