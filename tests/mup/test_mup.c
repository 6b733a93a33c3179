/*
 * test_mup.c - the MUP analyser (include/edx/mup.h) on waveforms made here:
 * known duration, phases and turns; trains of two units with known
 * amplitudes and rates; recruitment series with a known recruitment ratio;
 * the normal-limits table and the pattern rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "edx/mup.h"
#include "emg/mup/mup_internal.h"

#define PI 3.14159265358979323846

/* k half-waves of a sine of amplitude a_uv over [t0, t0 + d) ms, zero elsewhere. */
static void sine_mup(double *v, size_t n, double fs, double t0_ms, double d_ms, int k, double a_uv)
{
    for (size_t i = 0; i < n; i++) {
        double t = (double)i * 1000.0 / fs - t0_ms;
        v[i] = t >= 0 && t < d_ms ? -a_uv * sin(PI * k * t / d_ms) : 0.0;
    }
}

static void measure_sine(double fs, int k, double d_ms, double tol_ms)
{
    size_t n = (size_t)(40.0 * fs / 1000.0);
    double *v = calloc(n, sizeof *v);
    sine_mup(v, n, fs, 15.0, d_ms, k, 500.0);
    emg_mup_shape s;
    size_t spike = (size_t)((15.0 + d_ms / (2.0 * k)) * fs / 1000.0);
    assert_int_equal(emg_mup_measure(v, n, fs, spike, 0.0, &s), EDX_OK);
    assert_float_equal(s.amplitude_uv, 1000.0, 10.0);
    assert_float_equal(s.duration_ms, d_ms, tol_ms);
    assert_int_equal(s.phases, k);
    assert_int_equal(s.turns, k);
    assert_false(s.has_satellite);
    free(v);
}

static void test_triphasic_10khz(void **state)
{
    (void)state;
    measure_sine(10000.0, 3, 10.0, 0.25);
}

static void test_polyphasic_10khz(void **state)
{
    (void)state;
    measure_sine(10000.0, 6, 14.0, 0.25);
}

static void test_triphasic_4khz(void **state)
{
    (void)state;
    measure_sine(4000.0, 3, 10.0, 0.5);
}

/* Rise time of the main spike (clinical reference 2.1): one line per case.
 * A spike of width w_ms, its negative peak at 20 ms, positive-first (one
 * sine period, positive half first: rise w/2) or leaving the baseline
 * negative (a negative half-wave then a slow positive one: rise w/2); a
 * baseline blip of blip_uv 1.2 ms before the peak must not be taken for
 * the positive peak. */
typedef struct rise_case {
    double w_ms;
    bool positive_first;
    double blip_uv, lo_ms, hi_ms;
} rise_case;

static void rise_mup(double *v, size_t n, double fs, const rise_case *c)
{
    double peak_ms = 20.0,
           t0 = c->positive_first ? peak_ms - 0.75 * c->w_ms : peak_ms - 0.5 * c->w_ms;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i * 1000.0 / fs - t0;
        v[i] = 0.0;
        if (c->positive_first && t >= 0 && t < c->w_ms)
            v[i] = 800.0 * sin(2.0 * PI * t / c->w_ms);
        else if (!c->positive_first && t >= 0 && t < c->w_ms)
            v[i] = -800.0 * sin(PI * t / c->w_ms);
        else if (!c->positive_first && t >= c->w_ms && t < 4.0 * c->w_ms)
            v[i] = 300.0 * sin(PI * (t - c->w_ms) / (3.0 * c->w_ms));
    }
    v[(size_t)((peak_ms - 1.2) * fs / 1000.0)] += c->blip_uv;
}

static void test_rise_time(void **state)
{
    (void)state;
    static const rise_case cases[] = {
        /* w_ms  positive_first  blip_uv  lo_ms  hi_ms */
        {0.6, true, 0.0, 0.25, 0.35},  /* positive peak 0.3 ms before */
        {0.6, true, 30.0, 0.25, 0.35}, /* a blip far smaller than that peak */
        {0.6, false, 0.0, 0.25, 0.45}, /* from the baseline: 0.3 ms, a sample or two more */
        {0.6, false, 6.0, 0.25, 0.45}, /* a blip on the baseline is not a positive peak */
        {1.6, false, 6.0, 0.75, 0.95}, /* a slow spike stays slow */
    };
    double fs = 20000.0;
    size_t n = (size_t)(40.0 * fs / 1000.0);
    double *v = calloc(n, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rise_mup(v, n, fs, &cases[i]);
        emg_mup_shape s;
        assert_int_equal(emg_mup_measure(v, n, fs, (size_t)(20.0 * fs / 1000.0), 0.0, &s), EDX_OK);
        if (s.rise_time_ms < cases[i].lo_ms || s.rise_time_ms > cases[i].hi_ms)
            fail_msg("case %zu: rise time %.3f ms, expected %.2f-%.2f", i, s.rise_time_ms,
                     cases[i].lo_ms, cases[i].hi_ms);
    }
    free(v);
}

static void test_satellite(void **state)
{
    (void)state;
    double fs = 10000.0, v[400], w[400];
    sine_mup(v, 400, fs, 10.0, 8.0, 3, 500.0);
    sine_mup(w, 400, fs, 25.0, 1.0, 2, 60.0); /* 7 ms after the end, separated by baseline */
    for (size_t i = 0; i < 400; i++)
        v[i] += w[i];
    emg_mup_shape s;
    assert_int_equal(emg_mup_measure(v, 400, fs, 110, 0.0, &s), EDX_OK);
    assert_float_equal(s.duration_ms, 8.0, 0.25);
    assert_true(s.has_satellite);
    assert_float_equal(s.satellite_ms, 15.0, 0.3);
}

/* A 1 mV triphasic MUP (L = 10 uV) in a 40 ms window at 10 kHz, with a
 * positive exponential tail (40 uV, tau 3 ms) from its last peak, and a
 * 4 ms-period ripple of `flank_uv` in the window's first and last 2 ms
 * that raises the noise level of the markers. */
static void tailed_mup(double *v, size_t n, double fs, double onset_ms, double flank_uv)
{
    sine_mup(v, n, fs, onset_ms, 10.0, 3, 500.0);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i * 1000.0 / fs, t_peak = onset_ms + 10.0 * 5.0 / 6.0;
        if (t >= t_peak)
            v[i] += 40.0 * exp(-(t - t_peak) / 3.0);
        if (t < 2.0 || t >= (double)n * 1000.0 / fs - 2.0)
            v[i] += flank_uv * sin(2.0 * PI * t / 4.0);
    }
}

static void test_tail_under_noise_level(void **state)
{
    (void)state;
    double fs = 10000.0, v[400];
    tailed_mup(v, 400, fs, 12.0, 5.0); /* level about 1.5 L */
    emg_mup_shape s;
    assert_int_equal(emg_mup_measure(v, 400, fs, 137, 0.0, &s), EDX_OK);
    assert_true(s.level_uv > 12.0 && s.level_uv < 20.0);
    /* the tail falls below L = 10 uV 4.2 ms after the MUP's last peak
     * (20.3 ms): the end is walked on to it, not cut where the tail
     * crosses the noise level */
    assert_float_equal(s.end_ms, 24.5, 0.4);
    assert_true(s.duration_measurable);
}

static void test_duration_not_measurable(void **state)
{
    (void)state;
    double fs = 10000.0, v[400];
    emg_mup_shape s;
    tailed_mup(v, 400, fs, 12.0, 0.0);
    assert_int_equal(emg_mup_measure(v, 400, fs, 137, 0.0, &s), EDX_OK);
    assert_true(s.duration_measurable);
    /* onset 1 ms from the window's start: the baseline before it is not seen */
    tailed_mup(v, 400, fs, 1.0, 0.0);
    assert_int_equal(emg_mup_measure(v, 400, fs, 27, 0.0, &s), EDX_OK);
    assert_false(s.duration_measurable);
    /* noise raising the level beyond three times L */
    tailed_mup(v, 400, fs, 12.0, 16.0);
    assert_int_equal(emg_mup_measure(v, 400, fs, 137, 0.0, &s), EDX_OK);
    assert_true(s.level_uv > 30.0);
    assert_false(s.duration_measurable);
    /* a slow wander beside the MUP, above the level */
    tailed_mup(v, 400, fs, 12.0, 0.0);
    for (size_t i = 300; i < 400; i++)
        v[i] += 30.0;
    assert_int_equal(emg_mup_measure(v, 400, fs, 137, 0.0, &s), EDX_OK);
    assert_false(s.duration_measurable);
}

/* A MUP whose late phases oscillate: a 1 mV triphasic MUP over 6 ms, then
 * three 1 ms periods of +-25 uV (phases, not baseline: L = 10 uV) up to
 * 24 ms. A 1 ms moving mean cancels a 1 ms period, so read on it alone the
 * MUP would end with the spike (21 ms); its duration runs to 24 ms [S58]. */
static void test_oscillating_late_phases(void **state)
{
    (void)state;
    double fs = 10000.0, v[400];
    sine_mup(v, 400, fs, 15.0, 6.0, 3, 500.0);
    for (size_t i = 0; i < 400; i++) {
        double t = (double)i * 1000.0 / fs;
        if (t >= 21.0 && t < 24.0)
            v[i] += 25.0 * sin(2.0 * PI * (t - 21.0));
    }
    emg_mup_shape s;
    assert_int_equal(emg_mup_measure(v, 400, fs, 160, 0.0, &s), EDX_OK);
    assert_float_equal(s.onset_ms, 15.0, 0.15);
    assert_float_equal(s.end_ms, 24.0, 0.3);
    assert_true(s.duration_measurable);
}

static void test_flat_is_range(void **state)
{
    (void)state;
    double v[100] = {0};
    emg_mup_shape s;
    assert_int_equal(emg_mup_measure(v, 100, 10000.0, 50, 0.0, &s), EDX_ERR_RANGE);
    assert_int_equal(emg_mup_measure(NULL, 100, 10000.0, 50, 0.0, &s), EDX_ERR_INVALID);
}

/* ---- synthetic contraction -------------------------------------------------- */

typedef struct synth_unit {
    double rate_hz, amp_uv, d_ms;
    int k;
    double sync_ms; /* > 0: fires this long after the previous unit's discharges, +-1 ms */
} synth_unit;

static uint64_t rng_state;
static double rng_uniform(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}
static double rng_normal(void)
{
    double u = rng_uniform() + 1e-12, w = rng_uniform();
    return sqrt(-2.0 * log(u)) * cos(2.0 * PI * w);
}

/* A MUP-like shape: k half-waves under an envelope peaking at 40 % of the
 * duration, so that one spike slope is the steepest, as in real MUPs. */
static void skewed_mup(double *v, size_t n, double fs, double t0_ms, double d_ms, int k, double pp_uv)
{
    double peak = 0;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i * 1000.0 / fs - t0_ms, e = (t - 0.4 * d_ms) / (0.2 * d_ms);
        v[i] = t >= 0 && t < d_ms ? -sin(PI * k * t / d_ms) * (0.25 + exp(-e * e)) : 0.0;
    }
    double lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++)
        lo = fmin(lo, v[i]), hi = fmax(hi, v[i]);
    peak = hi - lo;
    for (size_t i = 0; i < n; i++)
        v[i] *= pp_uv / peak;
}

#define SYNTH_UNITS 8
#define SYNTH_MAX 512

/* A contraction of seconds s with the units firing regularly (interval CV
 * 0.1) plus white noise and 50 Hz hum (odd harmonics, fundamental hum_uv);
 * returns the samples (caller frees). */
static double *synth(double fs, double secs, const synth_unit *u, size_t nu, double noise_uv,
                     double hum_uv, size_t *n_out)
{
    size_t n = (size_t)(secs * fs);
    double *x = calloc(n, sizeof *x);
    rng_state = 12345;
    for (size_t i = 0; i < n; i++) {
        double ph = 2.0 * PI * 50.0 * (double)i / fs;
        x[i] = noise_uv * rng_normal() + hum_uv * (sin(ph) + sin(3 * ph) / 3 + sin(5 * ph) / 5);
    }
    size_t wl = (size_t)(30.0 * fs / 1000.0);
    double *w = calloc(wl, sizeof *w);
    double(*times)[SYNTH_MAX] = calloc(SYNTH_UNITS, sizeof *times);
    assert_non_null(times);
    size_t n_times[SYNTH_UNITS] = {0};
    assert_true(nu <= SYNTH_UNITS);
    for (size_t k = 0; k < nu; k++) {
        skewed_mup(w, wl, fs, 5.0, u[k].d_ms, u[k].k, u[k].amp_uv);
        size_t nt = 0;
        if (u[k].sync_ms > 0 && k > 0) /* synchronised to unit k - 1 */
            for (size_t i = 0; i < n_times[k - 1]; i++)
                times[k][nt++] =
                    times[k - 1][i] + (u[k].sync_ms + 6.0 * rng_uniform() - 3.0) / 1000.0;
        else
            for (double t = 0.05 + 0.013 * (double)k; t < secs - 0.05 && nt < SYNTH_MAX;
                 t += (1.0 + 0.1 * rng_normal()) / u[k].rate_hz)
                times[k][nt++] = t;
        n_times[k] = nt;
        for (size_t i = 0; i < nt; i++) {
            size_t i0 = (size_t)(times[k][i] * fs);
            for (size_t j = 0; j < wl && i0 + j < n; j++)
                x[i0 + j] += w[j];
        }
    }
    free(w);
    free(times);
    *n_out = n;
    return x;
}

/* mains_hz: what emg_mup_set_mains() is told (NAN: no call) */
static emg_mup_analyser *run_mains(double fs, conv_state st, const synth_unit *u, size_t nu,
                                   double secs, double hum_uv, double mains_hz)
{
    size_t n;
    double *x = synth(fs, secs, u, nu, 5.0, hum_uv, &n);
    emg_mup_analyser *a = NULL;
    assert_int_equal(emg_mup_new(fs, NULL, &a), EDX_OK);
    if (!isnan(mains_hz))
        assert_int_equal(emg_mup_set_mains(a, mains_hz), EDX_OK);
    assert_int_equal(emg_mup_begin_epoch(a, st), EDX_OK);
    for (size_t off = 0; off < n; off += 777) /* odd blocks: streaming must not matter */
        assert_int_equal(emg_mup_feed(a, x + off, n - off < 777 ? n - off : 777,
                                      (double)off / fs), EDX_OK);
    assert_int_equal(emg_mup_end_epoch(a), EDX_OK);
    free(x);
    return a;
}

static emg_mup_analyser *run_hum(double fs, conv_state st, const synth_unit *u, size_t nu,
                                 double secs, double hum_uv)
{
    return run_mains(fs, st, u, nu, secs, hum_uv, hum_uv > 0 ? 50.0 : 0.0);
}

static emg_mup_analyser *run(double fs, conv_state st, const synth_unit *u, size_t nu, double secs)
{
    return run_hum(fs, st, u, nu, secs, 0.0);
}

static const emg_mup_unit *find_unit(const emg_mup_analyser *a, double amp_uv)
{
    for (size_t i = 0; i < emg_mup_unit_count(a); i++) {
        const emg_mup_unit *u = emg_mup_unit_at(a, i);
        if (u->is_accepted && fabs(u->shape.amplitude_uv - amp_uv) < 0.1 * amp_uv)
            return u;
    }
    return NULL;
}

static void two_units(double fs)
{
    synth_unit u[2] = {{9.0, 800.0, 8.0, 3, 0}, {13.0, 400.0, 12.0, 5, 0}};
    emg_mup_analyser *a = run(fs, CONV_STATE_MINIMAL, u, 2, 6.0);
    const emg_mup_unit *x = find_unit(a, 800.0), *y = find_unit(a, 400.0);
    assert_non_null(x);
    assert_non_null(y);
    assert_float_equal(x->rate_hz, 9.0, 0.8);
    assert_float_equal(y->rate_hz, 13.0, 1.0);
    assert_float_equal(x->shape.duration_ms, 8.0, 0.6);
    assert_float_equal(y->shape.duration_ms, 12.0, 0.6);
    assert_int_equal(x->shape.phases, 3);
    assert_int_equal(y->shape.phases, 5);
    emg_mup_free(a);
}

static void test_two_units_10khz(void **state)
{
    (void)state;
    two_units(10000.0);
}

static void test_two_units_4khz(void **state)
{
    (void)state;
    two_units(4000.0);
}

/* Hum and busy neighbours: a small unit among two large ones firing at
 * close rates, in 30 uV of 50 Hz hum. Without hum removal the average
 * keeps hum (rates near 50 Hz / 5 sample it at drifting but correlated
 * phases); without peeling the neighbours off, their discharges inside the
 * small unit's windows are left in its average; either stretches or cuts
 * the duration read at 10 uV. */
static void test_hum_and_neighbours(void **state)
{
    (void)state;
    synth_unit u[3] = {
        {10.0, 600.0, 8.0, 3, 0}, {10.4, 2500.0, 14.0, 3, 0}, {11.0, 1800.0, 12.0, 4, 0}};
    emg_mup_analyser *a = run_hum(10000.0, CONV_STATE_MODERATE, u, 3, 5.0, 30.0);
    const emg_mup_unit *x = find_unit(a, 600.0), *y = find_unit(a, 2500.0);
    assert_non_null(x);
    assert_non_null(y);
    assert_float_equal(x->shape.duration_ms, 8.0, 0.6);
    assert_float_equal(y->shape.duration_ms, 14.0, 0.6);
    assert_int_equal(x->shape.phases, 3);
    emg_mup_free(a);
}

/* Hum found by the analyser itself when not told of it (small units: large
 * ones at these rates hide 30 uV of hum from the detector, which is why the
 * verdict at rest is passed on); told that there is none (none found at
 * rest), it neither looks for nor removes any; told of 50 Hz, it removes
 * that. */
static void test_mains_modes(void **state)
{
    (void)state;
    synth_unit u[2] = {{10.0, 200.0, 8.0, 3, 0}, {13.0, 300.0, 12.0, 4, 0}};
    emg_mup_analyser *a = run_mains(10000.0, CONV_STATE_MINIMAL, u, 2, 4.0, 30.0, NAN);
    assert_float_equal(emg_mup_mains_hz(a), 50.0, 0);
    const emg_mup_unit *x = find_unit(a, 200.0);
    assert_non_null(x);
    assert_float_equal(x->shape.duration_ms, 8.0, 0.6);
    emg_mup_free(a);
    a = run_mains(10000.0, CONV_STATE_MINIMAL, u, 2, 4.0, 30.0, 0.0);
    assert_float_equal(emg_mup_mains_hz(a), 0.0, 0);
    emg_mup_free(a);
    a = run_mains(10000.0, CONV_STATE_MINIMAL, u, 2, 4.0, 0.0, 50.0);
    assert_float_equal(emg_mup_mains_hz(a), 50.0, 0);
    emg_mup_free(a);
    a = NULL;
    assert_int_equal(emg_mup_new(10000.0, NULL, &a), EDX_OK);
    assert_int_equal(emg_mup_set_mains(a, 55.0), EDX_ERR_INVALID);
    emg_mup_free(a);
}

/* Peel-off of the neighbours' own MUPs only: a unit synchronised to a
 * larger one (firing 10-16 ms after it, as motor units of one muscle
 * share drive) leaves a smeared copy of itself in that unit's average;
 * subtracting the whole average window took it out of the unit's own
 * windows (its average came out at 519 uV instead of 800). */
static void test_peel_keeps_own_tail(void **state)
{
    (void)state;
    synth_unit u[3] = {
        {15.3, 1500.0, 9.0, 3, 0}, {0, 800.0, 14.0, 3, 13.0}, {17.2, 1200.0, 10.0, 3, 0}};
    emg_mup_analyser *a = run(10000.0, CONV_STATE_MODERATE, u, 3, 8.0);
    const emg_mup_unit *x = find_unit(a, 800.0);
    assert_non_null(x);
    assert_true(x->shape.duration_measurable);
    assert_float_equal(x->shape.duration_ms, 14.0, 0.8);
    emg_mup_free(a);
}

/* A unit whose spikes rise above the counting threshold (3.5 x the slope
 * noise) but not the measuring one (5 x) is counted among the units firing
 * and left out of the MUP means; the large unit beside it is measured as
 * before. (Detected at 5 x alone, the small unit was not seen at all.) */
static void test_faint_unit_counted_not_measured(void **state)
{
    (void)state;
    synth_unit u[2] = {{9.0, 800.0, 8.0, 3, 0}, {12.0, 325.0, 12.0, 3, 0}};
    emg_mup_analyser *a = run(10000.0, CONV_STATE_MINIMAL, u, 2, 8.0);
    const emg_mup_unit *x = find_unit(a, 800.0), *y = find_unit(a, 325.0);
    assert_non_null(x);
    assert_non_null(y);
    assert_false(x->is_faint);
    assert_true(y->is_faint);
    assert_float_equal(y->rate_hz, 12.0, 1.0);
    assert_int_equal(emg_mup_epoch_at(a, 0)->n_units, 2);
    emg_mup_summary s;
    assert_int_equal(emg_mup_summarise(a, NULL, &s), EDX_OK);
    assert_int_equal(s.count, 1);
    assert_float_equal(s.amplitude_uv_mean, 800.0, 40.0);
    emg_mup_free(a);
}

/* A unit firing every 40 ms (25 Hz, +-10 %) of which two discharges in
 * three went to no track (superimposed on others): its intervals are 40,
 * 80, 120 ms and the median reads about 80 ms (12 Hz); the firing interval
 * is 40 ms. A few stray short intervals (another unit's discharge taken
 * for this one's) do not halve it; intervals with no common base give
 * none. */
static void test_firing_interval_with_missed_discharges(void **state)
{
    (void)state;
    double isi[64], copy[64];
    size_t k = 0;
    rng_state = 777;
    for (int i = 0; i < 40; i++) {
        int m = i % 3 == 0 ? 1 : i % 3 == 1 ? 2 : 3; /* 1, 2 and 3 intervals spanned */
        double sum = 0;
        for (int j = 0; j < m; j++)
            sum += 40.0 * (1.0 + 0.1 * (2.0 * rng_uniform() - 1.0));
        isi[k++] = sum;
    }
    memcpy(copy, isi, k * sizeof *isi);
    assert_true(emg_mup_quantile(copy, k, 0.5) > 70.0); /* what the median read */
    memcpy(copy, isi, k * sizeof *isi);
    assert_float_equal(emg_mup_firing_interval_ms(copy, k), 40.0, 2.5);
    isi[k++] = 21.0, isi[k++] = 19.5, isi[k++] = 20.5; /* stray discharges */
    memcpy(copy, isi, k * sizeof *isi);
    assert_float_equal(emg_mup_firing_interval_ms(copy, k), 40.0, 2.5);
    double none[4] = {30.0, 47.0, 71.0, 113.0};
    assert_true(isnan(emg_mup_firing_interval_ms(none, 4)));
}

static void test_rate_limits(void **state)
{
    (void)state;
    emg_mup_analyser *a = NULL;
    assert_int_equal(emg_mup_new(2000.0, NULL, &a), EDX_ERR_UNSUPPORTED);
    edx_diags d;
    edx_diags_init(&d);
    assert_int_equal(emg_mup_new(4000.0, &d, &a), EDX_OK);
    assert_int_equal(edx_diags_count_code(&d, "EMG-MUP-RATE"), 1);
    edx_diags_free(&d);
    emg_mup_free(a);
}

/* ---- recruitment ------------------------------------------------------------------ */

static void test_reduced_recruitment(void **state)
{
    (void)state; /* one unit at 20 Hz: ratio 20 > 5 [S110] */
    synth_unit u[1] = {{20.0, 1500.0, 12.0, 3, 0}};
    emg_mup_analyser *a = run(10000.0, CONV_STATE_MODERATE, u, 1, 4.0);
    emg_recruit_summary r;
    emg_recruit_summarise(a, &r);
    assert_float_equal(r.max_firing_hz, 20.0, 1.5);
    assert_float_equal(r.recruitment_ratio, 20.0, 1.5);
    assert_int_equal(r.pattern, EMG_RECRUIT_REDUCED);
    emg_mup_free(a);
}

static void test_normal_recruitment(void **state)
{
    (void)state; /* 3 units, fastest 15 Hz: ratio 5, not more */
    synth_unit u[3] = {
        {15.0, 900.0, 9.0, 3, 0}, {11.5, 500.0, 10.0, 4, 0}, {8.0, 1300.0, 8.0, 2, 0}};
    emg_mup_analyser *a = run(10000.0, CONV_STATE_MODERATE, u, 3, 5.0);
    emg_recruit_summary r;
    emg_recruit_summarise(a, &r);
    assert_float_equal(r.recruitment_ratio, 5.0, 0.6);
    assert_int_equal(r.pattern, EMG_RECRUIT_NORMAL);
    emg_mup_free(a);
}

static void test_early_recruitment(void **state)
{
    (void)state; /* 4 units all below 11 Hz [S54] */
    synth_unit u[4] = {{8.0, 300.0, 6.0, 3, 0},
                       {9.0, 450.0, 5.0, 4, 0},
                       {7.0, 200.0, 6.0, 2, 0},
                       {10.0, 600.0, 5.5, 5, 0}};
    emg_mup_analyser *a = run(10000.0, CONV_STATE_MINIMAL, u, 4, 6.0);
    emg_recruit_summary r;
    emg_recruit_summarise(a, &r);
    assert_true(r.units_at_low_rate >= 3.0);
    assert_int_equal(r.pattern, EMG_RECRUIT_EARLY);
    emg_mup_free(a);
}

/* Feeds one more epoch of synthetic units into an analyser. */
static void add_epoch(emg_mup_analyser *a, conv_state st, const synth_unit *u, size_t nu,
                      double secs)
{
    size_t n;
    double *x = synth(10000.0, secs, u, nu, 5.0, 0.0, &n);
    assert_int_equal(emg_mup_begin_epoch(a, st), EDX_OK);
    assert_int_equal(emg_mup_feed(a, x, n, 0.0), EDX_OK);
    assert_int_equal(emg_mup_end_epoch(a), EDX_OK);
    free(x);
}

/* Three needle sites: at one, a single unit fires at 20 Hz (ratio 20, as
 * if caught between two recruitments); at the other two, three units with
 * the fastest at 13 Hz (ratio ~4.3). The muscle's ratio is the median of
 * the moderate epochs, so recruitment stays normal; two sites like the
 * first make it reduced. */
static void test_recruitment_median_of_sites(void **state)
{
    (void)state;
    synth_unit one[1] = {{20.0, 1500.0, 12.0, 3, 0}};
    synth_unit three[3] = {
        {13.0, 900.0, 9.0, 3, 0}, {10.5, 500.0, 10.0, 4, 0}, {8.0, 1300.0, 8.0, 2, 0}};
    emg_mup_analyser *a = NULL;
    assert_int_equal(emg_mup_new(10000.0, NULL, &a), EDX_OK);
    add_epoch(a, CONV_STATE_MODERATE, one, 1, 4.0);
    add_epoch(a, CONV_STATE_MODERATE, three, 3, 5.0);
    add_epoch(a, CONV_STATE_MODERATE, three, 3, 5.0);
    emg_recruit_summary r;
    emg_recruit_summarise(a, &r);
    assert_float_equal(r.recruitment_ratio, 13.0 / 3.0, 0.6);
    assert_int_equal(r.pattern, EMG_RECRUIT_NORMAL);
    add_epoch(a, CONV_STATE_MODERATE, one, 1, 4.0);
    add_epoch(a, CONV_STATE_MODERATE, one, 1, 4.0);
    emg_recruit_summarise(a, &r);
    assert_float_equal(r.recruitment_ratio, 20.0, 1.5);
    assert_int_equal(r.pattern, EMG_RECRUIT_REDUCED);
    emg_mup_free(a);
}

/* ---- normal limits and rules ------------------------------------------------------ */

static const char *table =
    "# test\n"
    "muscle\tage_min\tage_max\tamplitude_uv_mean\tamplitude_uv_lln\tamplitude_uv_uln\t"
    "duration_ms_mean\tduration_ms_lln\tduration_ms_uln\tpolyphasic_pct_uln\tsource\n"
    "*\t0\t59\t700\t505\t895\t10.2\t7.4\t13.0\t15\tS56\n"
    "*\t60\t120\t875\t631\t1119\t11.2\t8.1\t14.3\t15\tS60\n"
    "tibialis anterior\t0\t120\t661.5\t477.5\t845.5\t9.35\t7.5\t11.2\t35\tS28\n"
    "bad row\t0\tx\n";

static void test_normals(void **state)
{
    (void)state;
    emg_mup_normals *n = NULL;
    edx_diags d;
    edx_diags_init(&d);
    assert_int_equal(emg_mup_normals_parse(table, "t.tsv", &d, &n), EDX_OK);
    assert_int_equal(edx_diags_count_code(&d, "EMG-MUP-NORMALS-ROW"), 1);
    assert_string_equal(emg_mup_normals_find(n, "tibialis anterior", 70)->source, "S28");
    assert_string_equal(emg_mup_normals_find(n, "deltoid", 70)->source, "S60");
    assert_string_equal(emg_mup_normals_find(n, "deltoid", -1)->source, "S56");
    /* 5 MUPs widen the biceps limits of 20 (7.4-13.0) as [S56] did (6.6-14.2) */
    emg_mup_limits l;
    emg_mup_limits_for_count(emg_mup_normals_find(n, "biceps brachii", 40), 5, &l);
    assert_float_equal(l.duration_ms_lln, 6.6, 0.3);
    assert_float_equal(l.duration_ms_uln, 14.2, 0.3);
    emg_mup_normals_free(n);
    assert_int_equal(emg_mup_normals_parse("muscle\tage_min\n", "t", &d, &n), EDX_ERR_CONFIG);
    edx_diags_free(&d);
}

static void test_shipped_normals(void **state)
{
    (void)state;
    emg_mup_normals *n = NULL;
    edx_diags d;
    edx_diags_init(&d);
    assert_int_equal(emg_mup_normals_load(NULL, &d, &n), EDX_OK);
    assert_int_equal(d.n_warnings, 0);
    assert_float_equal(emg_mup_normals_find(n, "tibialis anterior", 40)->duration_ms_uln, 11.2, 1e-9);
    emg_mup_normals_free(n);
    edx_diags_free(&d);
}

/* One line per case: the size and duration flags, polyphasia as the
 * guarded flag (is_polyphasic) and as the bare share above its limit
 * (over), recruitment, and the pattern wanted. */
typedef struct rule_case {
    bool is_long, is_short, is_large, is_small, is_poly, over;
    emg_recruit_pattern rec;
    emg_mup_pattern want;
} rule_case;

static void test_rules(void **state)
{
    (void)state;
    const emg_recruit_pattern N = EMG_RECRUIT_NORMAL, R = EMG_RECRUIT_REDUCED,
                              E = EMG_RECRUIT_EARLY;
    const rule_case cases[] = {
        {false, false, false, false, false, false, N, EMG_MUP_NORMAL},
        {true, false, false, false, false, false, N, EMG_MUP_NEUROGENIC},
        {false, false, true, false, false, false, N, EMG_MUP_NORMAL},
        {false, false, true, false, false, false, R, EMG_MUP_NEUROGENIC},
        {false, false, true, false, false, true, N, EMG_MUP_NEUROGENIC},
        {false, false, true, false, false, false, E, EMG_MUP_NORMAL},
        {false, true, false, false, false, false, N, EMG_MUP_MYOPATHIC},
        {false, false, false, true, true, true, N, EMG_MUP_MYOPATHIC},
        {false, false, false, true, false, true, N, EMG_MUP_MYOPATHIC},
        {false, false, false, true, false, false, N, EMG_MUP_NORMAL},
        {false, false, false, true, false, false, E, EMG_MUP_MYOPATHIC},
        {false, false, false, true, false, false, R, EMG_MUP_NORMAL},
        {false, false, false, false, true, true, E, EMG_MUP_MYOPATHIC},
        {false, false, false, false, true, true, R, EMG_MUP_NEUROGENIC},
        {false, false, false, false, true, true, N, EMG_MUP_INDETERMINATE},
        {false, false, false, false, false, true, E, EMG_MUP_NORMAL},
        {false, false, false, false, false, false, R, EMG_MUP_NORMAL},
        {false, false, false, false, false, false, E, EMG_MUP_NORMAL},
        {true, false, false, true, false, false, N, EMG_MUP_INDETERMINATE},
        {false, true, true, false, true, true, N, EMG_MUP_INDETERMINATE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        emg_mup_summary s;
        memset(&s, 0, sizeof s);
        s.count = 20;
        s.is_long = cases[i].is_long, s.is_short = cases[i].is_short;
        s.is_large = cases[i].is_large, s.is_small = cases[i].is_small;
        s.is_polyphasic = cases[i].is_poly, s.is_poly_over_limit = cases[i].over;
        s.recruit.pattern = cases[i].rec;
        if (emg_mup_classify(&s) != cases[i].want)
            fail_msg("rule case %zu: got %d, want %d", i, (int)emg_mup_classify(&s),
                     (int)cases[i].want);
    }
}

/* Polyphasia of few MUPs: one of five is not above a 15 % limit, three of
 * five are (binomial tail 2.7 %); from 20 MUPs on the share decides. */
static void test_polyphasia_of_few(void **state)
{
    (void)state;
    assert_false(emg_mup_is_polyphasic(5, 20.0, 15.0));
    assert_false(emg_mup_is_polyphasic(5, 40.0, 15.0)); /* P(>= 2) = 16 % */
    assert_true(emg_mup_is_polyphasic(5, 60.0, 15.0));
    assert_false(emg_mup_is_polyphasic(10, 10.0, 15.0));
    assert_true(emg_mup_is_polyphasic(20, 20.0, 15.0));
    assert_false(emg_mup_is_polyphasic(20, 15.0, 15.0));
    assert_false(emg_mup_is_polyphasic(0, 0.0, 15.0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_triphasic_10khz),
        cmocka_unit_test(test_polyphasic_10khz),
        cmocka_unit_test(test_triphasic_4khz),
        cmocka_unit_test(test_satellite),
        cmocka_unit_test(test_rise_time),
        cmocka_unit_test(test_flat_is_range),
        cmocka_unit_test(test_oscillating_late_phases),
        cmocka_unit_test(test_tail_under_noise_level),
        cmocka_unit_test(test_duration_not_measurable),
        cmocka_unit_test(test_two_units_10khz),
        cmocka_unit_test(test_two_units_4khz),
        cmocka_unit_test(test_rate_limits),
        cmocka_unit_test(test_reduced_recruitment),
        cmocka_unit_test(test_normal_recruitment),
        cmocka_unit_test(test_early_recruitment),
        cmocka_unit_test(test_recruitment_median_of_sites),
        cmocka_unit_test(test_normals),
        cmocka_unit_test(test_shipped_normals),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_polyphasia_of_few),
        cmocka_unit_test(test_hum_and_neighbours),
        cmocka_unit_test(test_mains_modes),
        cmocka_unit_test(test_peel_keeps_own_tail),
        cmocka_unit_test(test_faint_unit_counted_not_measured),
        cmocka_unit_test(test_firing_interval_with_missed_discharges),
    };
    return cmocka_run_group_tests_name("mup", tests, NULL, NULL);
}
