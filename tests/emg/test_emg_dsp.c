/*
 * test_emg_dsp.c - the building blocks of edx/emg.h on hand-made waveforms:
 * filters, mains hum, noise level, detection, waveform features (polarity,
 * phases, duration), alignment and template matching, train grouping.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "edx/emg.h"
#include "emg/emg_internal.h"
#include "emg_synth.h"

#define FS 10000.0
#define PI 3.14159265358979323846

static double rms(const double *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i] * x[i];
    return sqrt(s / (double)n);
}

/* ---- filters --------------------------------------------------------------- */

static void test_highpass_removes_offset(void **state)
{
    (void)state;
    enum { N = 20000 };
    static double x[N];
    for (size_t i = 0; i < N; i++)
        x[i] = 100.0;
    emg_bandpass bp;
    assert_int_equal(emg_bandpass_init(&bp, FS, 150.0, 3000.0), EDX_OK);
    /* block by block gives the same as at once */
    emg_bandpass_run(&bp, x, x, N / 2);
    emg_bandpass_run(&bp, x + N / 2, x + N / 2, N / 2);
    assert_true(fabs(x[N - 1]) < 1e-6);
    assert_int_equal(emg_biquad_highpass(&bp.hp, FS, FS), EDX_ERR_INVALID);
}

static void test_bandpass_attenuates_hum(void **state)
{
    (void)state;
    enum { N = 10000 };
    static double x[N];
    memset(x, 0, sizeof x);
    synth_hum(x, N, FS, 50.0, 30.0);
    emg_bandpass bp;
    emg_bandpass_init(&bp, FS, 150.0, 3000.0);
    emg_bandpass_run(&bp, x, x, N);
    /* the 50 Hz fundamental falls by > 15 dB; the 150 Hz harmonic passes at -3 dB */
    assert_true(rms(x + 2000, N - 2000) < 10.0);
}

static void test_decimator_means(void **state)
{
    (void)state;
    double in[10] = {1, 3, 5, 7, 9, 11, 13, 15, 17, 19}, out[8];
    emg_decimator d;
    emg_decimator_init(&d, 4);
    assert_int_equal(emg_decimate(&d, in, 6, out), 1);
    assert_float_equal(out[0], 4.0, 1e-12);
    assert_int_equal(emg_decimate(&d, in + 6, 4, out), 1); /* carries 9, 11 over */
    assert_float_equal(out[0], (9 + 11 + 13 + 15) / 4.0, 1e-12);
}

/* ---- mains ------------------------------------------------------------------ */

static void test_mains_detect_50_and_60(void **state)
{
    (void)state;
    enum { N = 20000 };
    static double x[N];
    synth_rng r = {7};
    for (int f = 50; f <= 60; f += 10) {
        memset(x, 0, sizeof x);
        synth_noise(x, N, 6.0, &r);
        synth_hum(x, N, FS, f, 20.0);
        double hum = 0;
        assert_float_equal(emg_mains_detect(x, N, FS, &hum), f, 0);
        assert_true(hum > 15.0 && hum < 25.0);
    }
    memset(x, 0, sizeof x);
    synth_noise(x, N, 6.0, &r);
    assert_float_equal(emg_mains_detect(x, N, FS, NULL), 0, 0);
}

/* Hum removed; a fasciculation in the hum keeps its amplitude and shape. */
static void test_mains_removal_keeps_potentials(void **state)
{
    (void)state;
    enum { N = 40000 };
    static double x[N], clean[N];
    memset(clean, 0, sizeof clean);
    synth_shape mup = synth_mup(600.0);
    synth_add(clean, N, FS, &mup, 3500.0);
    memcpy(x, clean, sizeof x);
    synth_hum(x, N, FS, 60.0, 40.0);
    emg_mains m;
    assert_int_equal(emg_mains_init(&m, FS, 60.0, 20.0), EDX_OK);
    assert_int_equal(m.period, 500); /* 166.67 samples is no period; 3 cycles are */
    emg_mains_run(&m, x, N / 3, 0);
    emg_mains_run(&m, x + N / 3, N - N / 3, N / 3);
    double err = 0, peak = 0;
    for (size_t i = 34000; i < 36500; i++) {
        err = fmax(err, fabs(x[i] - clean[i]));
        peak = fmax(peak, fabs(clean[i]));
    }
    assert_true(err < 0.05 * peak);  /* the potential is left as it was */
    assert_true(rms(x + 20000, 5000) < 2.0); /* from 40 uV of hum */
    emg_mains_free(&m);
    assert_int_equal(emg_mains_init(&m, FS, 0.0, 20.0), EDX_ERR_INVALID);
}

/* Seconds of dense activity walk the hum template away from the hum, clipped
 * step by clipped step, and leave a residue once they stop; what a block of
 * it taught the template is undone (emg_mains_undo), and a frozen template
 * only subtracts: the hum right after the activity is removed as before. */
static void dense_activity(double *x, size_t n, synth_rng *r)
{
    for (size_t i = 0; i < n; i++)
        x[i] += 300.0 * synth_normal(r);
}

static double residue_after_activity(bool guarded)
{
    enum { N = 40000, A = 20000, B = 30000 };
    static double x[N];
    memset(x, 0, sizeof x);
    synth_hum(x, N, FS, 50.0, 40.0);
    synth_rng r = {11};
    dense_activity(x + A, B - A, &r);
    emg_mains m;
    assert_int_equal(emg_mains_init(&m, FS, 50.0, 20.0), EDX_OK);
    emg_mains_run(&m, x, A, 0);
    if (guarded) {
        emg_mains_mark(&m);
        double before = m.tmpl[17];
        emg_mains_run(&m, x + A, 5000, A); /* learns from the activity ... */
        assert_true(m.tmpl[17] != before);
        emg_mains_undo(&m); /* ... and forgets it */
        assert_float_equal(m.tmpl[17], before, 0);
        m.frozen = true;
        double in = x[A + 5000 + 17];
        emg_mains_run(&m, x + A + 5000, B - A - 5000, A + 5000);
        assert_float_equal(m.tmpl[17], before, 0);
        assert_float_equal(x[A + 5000 + 17], in - m.tmpl[(A + 5000 + 17) % m.period], 1e-9);
        m.frozen = false;
    } else {
        emg_mains_run(&m, x + A, B - A, A);
    }
    emg_mains_run(&m, x + B, N - B, B);
    double res = rms(x + B, 2000); /* the first 0.2 s after the activity */
    emg_mains_free(&m);
    return res;
}

static void test_mains_frozen_through_dense_activity(void **state)
{
    (void)state;
    double walked = residue_after_activity(false), kept = residue_after_activity(true);
    print_message("hum residue after 1 s of dense activity: %.1f uV learning, %.2f uV frozen\n",
                  walked, kept);
    assert_true(kept < 1.0);
    assert_true(walked > 2.0 * kept);
}

/* ---- noise and detection ------------------------------------------------------------ */

static void test_noise_sd_robust(void **state)
{
    (void)state;
    enum { N = 20000 };
    static double x[N], scratch[N];
    memset(x, 0, sizeof x);
    synth_rng r = {11};
    synth_noise(x, N, 5.0, &r);
    synth_shape fib = synth_fib(200.0);
    for (int k = 0; k < 20; k++) /* 20 large potentials hardly move it */
        synth_add(x, N, FS, &fib, 50.0 + 95.0 * k);
    double sd = emg_noise_sd(x, N, 2, scratch);
    assert_true(sd > 4.5 && sd < 5.6);
    assert_float_equal(emg_noise_sd(x, 0, 1, scratch), 0, 0);
}

static void test_detect_runs(void **state)
{
    (void)state;
    enum { N = 3000 };
    static double y[N];
    emg_run runs[16];
    memset(y, 0, sizeof y);
    y[100] = 50, y[103] = -60;  /* one run: gap of 2 < 5 */
    y[400] = 80;                /* a second */
    y[2998] = 90;               /* still open at hi: deferred */
    size_t resume = 0;
    size_t n = emg_detect_runs(y, 0, N, 1000, 40.0, 5, 200, 20, runs, 16, &resume);
    assert_int_equal(n, 2);
    assert_int_equal(runs[0].start, 1100);
    assert_int_equal(runs[0].end, 1104);
    assert_int_equal(runs[0].peak, 1103);
    assert_float_equal(runs[0].peak_uv, -60, 0);
    assert_int_equal(runs[1].peak, 1400);
    assert_int_equal(resume, 2998);
    /* a long run (overlapping discharges) splits at its dominant maxima */
    memset(y, 0, sizeof y);
    for (int i = 0; i < 300; i++)
        y[1000 + i] = 45.0 + 30.0 * sin(2 * PI * i / 60.0);
    n = emg_detect_runs(y, 0, N, 0, 10.0, 5, 200, 20, runs, 16, &resume);
    assert_true(n >= 5 && n <= 6); /* the five maxima, and the rise at the run's end */
    assert_int_equal(resume, N);
}

/* ---- features --------------------------------------------------------------------------- */

static void measure(const synth_shape *s, double noise, emg_features *f)
{
    double x[400] = {0};
    synth_add(x, 400, FS, s, 10.0);
    assert_int_equal(emg_features_measure(x, 400, FS, noise, f), EDX_OK);
}

static void test_features_fibrillation(void **state)
{
    (void)state;
    synth_shape s = synth_fib(100.0);
    emg_features f;
    measure(&s, 2.0, &f);
    assert_int_equal(f.first_polarity, 1); /* initial positive: stored positive */
    assert_int_equal(f.phases, 3);
    assert_int_equal(f.main_sign, -1);
    assert_true(f.duration_ms > 1.5 && f.duration_ms < 3.5);
    assert_true(f.amplitude_uv > 90 && f.amplitude_uv < 110);
    assert_true(f.rise_time_ms > 0.3 && f.rise_time_ms < 1.0);
    assert_true(f.area_uv_ms > 0);
}

static void test_features_end_plate_spike(void **state)
{
    (void)state;
    synth_shape s = synth_end_plate(150.0);
    emg_features f;
    measure(&s, 2.0, &f);
    assert_int_equal(f.first_polarity, -1); /* initial negative */
    assert_int_equal(f.phases, 2);
    assert_true(f.duration_ms > 2.5 && f.duration_ms < 5.0);
}

static void test_features_psw(void **state)
{
    (void)state;
    synth_shape s = synth_psw(150.0);
    emg_features f;
    measure(&s, 2.0, &f);
    assert_int_equal(f.first_polarity, 1);
    assert_int_equal(f.main_sign, 1);
    assert_int_equal(f.phases, 2);
    assert_true(f.duration_ms > 8.0 && f.duration_ms < 16.0);
    assert_true(f.max_pos_uv > -f.max_neg_uv);
}

static void test_features_polyphasic_mup(void **state)
{
    (void)state;
    synth_shape s = synth_mup(800.0);
    emg_features f;
    measure(&s, 5.0, &f);
    assert_int_equal(f.first_polarity, 1);
    assert_int_equal(f.phases, 5);
    assert_true(f.duration_ms > 7.0 && f.duration_ms < 14.0);
    /* a neighbour after a quiet stretch is not part of the potential */
    double x[400] = {0};
    synth_add(x, 400, FS, &s, 10.0);
    synth_shape fib = synth_fib(100.0);
    synth_add(x, 400, FS, &fib, 32.0);
    emg_features g;
    emg_features_measure(x, 400, FS, 5.0, &g);
    assert_float_equal(g.duration_ms, f.duration_ms, 1e-9);
}

/* A small spike measured where it is aligned, with a larger end-plate spike
 * 20 ms later in the window: its own size and duration, not the
 * neighbour's (emg_features_measure would measure the neighbour). */
static void test_features_at_aligned_peak(void **state)
{
    (void)state;
    double x[400] = {0};
    synth_shape small = synth_end_plate(60.0), big = synth_end_plate(180.0);
    synth_add(x, 400, FS, &small, 5.0);
    synth_add(x, 400, FS, &big, 25.0);
    size_t pk = 0;
    for (size_t i = 0; i < 150; i++)
        pk = fabs(x[i]) > fabs(x[pk]) ? i : pk;
    emg_features own, largest;
    assert_int_equal(emg_features_measure_at(x, 400, pk, FS, 2.0, 3.0, &own), EDX_OK);
    assert_int_equal(emg_features_measure(x, 400, FS, 2.0, &largest), EDX_OK);
    assert_int_equal(own.peak_index, pk);
    assert_true(own.amplitude_uv > 50 && own.amplitude_uv < 70);
    assert_true(own.duration_ms < 5.0);
    assert_true(largest.amplitude_uv > 160);
    assert_int_equal(emg_features_measure_at(x, 400, 400, FS, 2.0, 3.0, &own), EDX_ERR_INVALID);
}

/* A simple (triphasic) fasciculation-sized potential with an end-plate
 * spike beginning about 2 ms after it has returned to baseline: measured as
 * one discharge (1 ms of baseline ends it [S58]) it stays simple and brief;
 * a 3 ms stretch would take the spike into its duration and phases. */
static void test_features_single_ends_at_baseline(void **state)
{
    (void)state;
    double x[400] = {0};
    synth_shape mup = {{{120.0, -2.5, 0.7}, {-400.0, 0.0, 0.7}, {200.0, 2.5, 1.0}}, 3};
    synth_shape ep = synth_end_plate(150.0);
    synth_add(x, 400, FS, &mup, 10.0);
    synth_add(x, 400, FS, &ep, 18.5);
    size_t pk = (size_t)(10.0 * FS / 1000.0 + 0.5);
    emg_features alone, single, mean;
    double y[400] = {0};
    synth_add(y, 400, FS, &mup, 10.0);
    assert_int_equal(emg_features_measure_at(y, 400, pk, FS, 2.0, 1.0, &alone), EDX_OK);
    assert_int_equal(emg_features_measure_at(x, 400, pk, FS, 2.0, 1.0, &single), EDX_OK);
    assert_int_equal(emg_features_measure_at(x, 400, pk, FS, 2.0, 3.0, &mean), EDX_OK);
    assert_int_equal(single.phases, 3);
    assert_int_equal(single.first_polarity, 1);
    assert_float_equal(single.duration_ms, alone.duration_ms, 1e-9);
    assert_float_equal(single.amplitude_uv, alone.amplitude_uv, 1e-9);
    assert_true(mean.duration_ms > single.duration_ms + 3.0);
    assert_true(mean.phases > 3);
}

/* A complex potential whose small first spike runs on, without 1 ms of
 * baseline, into a main spike four times larger: measured at the first
 * spike, its extent holds the larger deflection (a leading phase); at the
 * main spike, and for a lone fibrillation, nothing larger follows. A larger
 * potential beyond 1 ms of baseline is not the first's. */
static void test_features_leading_phase(void **state)
{
    (void)state;
    double x[400] = {0}, y[400] = {0};
    synth_shape cx = {{{-60.0, 0.0, 0.25}, {30.0, 0.8, 0.3}, {-250.0, 1.8, 0.3}, {150.0, 2.6, 0.4}},
                      4};
    synth_add(x, 400, FS, &cx, 10.0);
    synth_shape fib = synth_fib(100.0), big = synth_fib(400.0);
    synth_add(y, 400, FS, &fib, 10.0);
    synth_add(y, 400, FS, &big, 20.0);
    size_t lead = 100, main_pk = 118, fib_pk = 0;
    for (size_t i = 80; i < 150; i++)
        fib_pk = fabs(y[i]) > fabs(y[fib_pk]) ? i : fib_pk;
    emg_features f;
    assert_int_equal(emg_features_measure_at(x, 400, lead, FS, 2.0, 1.0, &f), EDX_OK);
    assert_true(emg_features_later_larger(x, 400, lead, FS, &f, 1.5));
    assert_int_equal(emg_features_measure_at(x, 400, main_pk, FS, 2.0, 1.0, &f), EDX_OK);
    assert_false(emg_features_later_larger(x, 400, main_pk, FS, &f, 1.5));
    assert_int_equal(emg_features_measure_at(y, 400, fib_pk, FS, 2.0, 1.0, &f), EDX_OK);
    assert_false(emg_features_later_larger(y, 400, fib_pk, FS, &f, 1.5));
    assert_false(emg_features_later_larger(x, 400, 400, FS, &f, 1.5));
}

/* ---- alignment and matching ------------------------------------------------------------- */

static void test_peak_refine_and_resample(void **state)
{
    (void)state;
    double x[9];
    for (int i = 0; i < 9; i++)
        x[i] = -(i - 4.3) * (i - 4.3); /* vertex at 4.3 */
    assert_float_equal(emg_peak_refine(x, 9, 4), 4.3, 1e-9);
    double lin[8], out[4];
    for (int i = 0; i < 8; i++)
        lin[i] = 2.0 * i;
    emg_resample(lin, 8, 1.25, out, 4); /* a cubic through a line stays on it */
    assert_float_equal(out[0], 2.5, 1e-9);
    assert_float_equal(out[3], 8.5, 1e-9);
}

static void test_ncc_and_fit(void **state)
{
    (void)state;
    double a[5] = {0, 1, -2, 1, 0}, b[5], res = -1;
    for (int i = 0; i < 5; i++)
        b[i] = 2.0 * a[i];
    assert_float_equal(emg_ncc(a, b, 5), 1.0, 1e-12);
    assert_float_equal(emg_fit(b, a, 5, &res), 2.0, 1e-12);
    assert_float_equal(res, 0.0, 1e-12);
}

/* Discharges of two generators in noise, interleaved, slightly shifted and
 * with a slow amplitude drift: two trains, whatever the order. */
static void test_units_group_two_generators(void **state)
{
    (void)state;
    enum { LEN = 321, PRE = 60 };
    emg_units u;
    assert_int_equal(emg_units_init(&u, FS, PRE, LEN, 0.8), EDX_OK);
    synth_rng r = {3};
    synth_shape fib = synth_fib(80.0), ep = synth_end_plate(140.0);
    uint32_t ids[2] = {0, 0};
    for (int k = 0; k < 40; k++) {
        int which = (k * 7) % 3 == 0;
        double w[LEN] = {0}, drift = 1.0 + 0.005 * k;
        synth_shape s = which ? ep : fib;
        for (size_t p = 0; p < s.n; p++)
            s.ph[p].amp_uv *= drift;
        /* aligned on the largest deflection with up to 0.4 sample of error */
        synth_add(w, LEN, FS, &s, PRE / 10.0 + 0.04 * synth_uniform(&r));
        synth_noise(w, LEN, 4.0, &r);
        uint32_t id = 0;
        assert_int_equal(emg_units_assign(&u, w, w, fabs(w[PRE]), 0.1 * k, 1, 4.0, false, &id),
                         EDX_OK);
        if (!ids[which])
            ids[which] = id;
        assert_int_equal(emg_units_root(&u, id), emg_units_root(&u, ids[which]));
    }
    assert_int_not_equal(ids[0], ids[1]);
    /* weak candidates are worth measuring only where an established train is */
    assert_true(emg_units_can_take_weak(&u, 1, 1));
    assert_true(emg_units_can_take_weak(&u, 0, 1));
    assert_false(emg_units_can_take_weak(&u, 2, 3));
    /* a weak candidate never starts a train */
    double flat[LEN] = {0};
    flat[PRE] = 10;
    uint32_t id = 99;
    assert_int_equal(emg_units_assign(&u, flat, flat, 10, 5.0, 1, 4.0, true, &id), EDX_OK);
    assert_int_equal(id, 0);
    emg_units_retire(&u, INFINITY);
    assert_int_equal(u.n_active, 0);
    emg_units_free(&u);
}

/* Trains are matched in the detection band: baseline wander and slow
 * noise on the waveform that is averaged do not split a generator's train,
 * and the time of each discharge refers to the train's mean. */
static void test_units_match_in_band(void **state)
{
    (void)state;
    enum { LEN = 321, PRE = 60 };
    emg_units u;
    assert_int_equal(emg_units_init(&u, FS, PRE, LEN, 0.8), EDX_OK);
    synth_rng r = {11};
    synth_shape fib = synth_fib(60.0);
    uint32_t first = 0;
    for (int k = 0; k < 30; k++) {
        double bw[LEN] = {0}, w[LEN];
        synth_add(bw, LEN, FS, &fib, PRE / 10.0);
        synth_noise(bw, LEN, 4.0, &r);
        /* a slow swing of up to +-40 uV across the window: wander */
        double slope = 80.0 * (synth_uniform(&r) - 0.5) / LEN;
        for (size_t i = 0; i < LEN; i++)
            w[i] = bw[i] + slope * ((double)i - PRE);
        uint32_t id = 0;
        assert_int_equal(emg_units_assign(&u, w, bw, 60.0, 0.2 * k, 1, 4.0, false, &id), EDX_OK);
        first = first ? first : id;
        assert_int_equal(emg_units_root(&u, id), emg_units_root(&u, first));
        assert_true(fabs(u.last_t_s - 0.2 * k) < 2.0 / FS); /* within 2 samples */
    }
    emg_units_retire(&u, INFINITY);
    assert_int_equal(u.rec[first - 1].n, 30);
    emg_units_free(&u);
}

/* A train's mean waveform is measured against the noise of the signal its
 * discharges lay in, not that of the signal when the train closes (a
 * noisier stretch may follow). */
static void test_units_shape_with_own_noise(void **state)
{
    (void)state;
    enum { LEN = 321, PRE = 60 };
    emg_units u;
    assert_int_equal(emg_units_init(&u, FS, PRE, LEN, 0.8), EDX_OK);
    double w[LEN] = {0}, other[LEN] = {0};
    synth_shape mup = synth_mup(250.0), fib = synth_fib(-120.0);
    synth_add(w, LEN, FS, &mup, PRE / 10.0 + 1.0); /* its largest phase at PRE */
    synth_add(other, LEN, FS, &fib, PRE / 10.0);
    uint32_t a = 0, b = 0;
    assert_int_equal(emg_units_assign(&u, w, w, 250.0, 1.0, 1, 2.0, false, &a), EDX_OK);
    /* a second generator, seen where the noise is 15 times higher */
    assert_int_equal(emg_units_assign(&u, other, other, 120.0, 30.0, 1, 30.0, false, &b), EDX_OK);
    assert_int_not_equal(a, b);
    emg_units_retire(&u, INFINITY);
    emg_features want, noisy;
    assert_int_equal(emg_features_measure_at(w, LEN, PRE, FS, 2.0, 3.0, &want), EDX_OK);
    assert_int_equal(emg_features_measure_at(w, LEN, PRE, FS, 30.0, 3.0, &noisy), EDX_OK);
    assert_true(noisy.duration_ms < want.duration_ms - 0.5); /* the test can tell */
    assert_true(fabs(u.rec[a - 1].shape.duration_ms - want.duration_ms) < 0.05);
    assert_int_equal(u.rec[a - 1].shape.phases, want.phases);
    emg_units_free(&u);
}

static int cmp_event_time(const void *a, const void *b)
{
    double x = ((const emg_event *)a)->time_s, y = ((const emg_event *)b)->time_s;
    return (x > y) - (x < y);
}

/* A myotonic-like discharge waning from 300 to 90 uV at 40 Hz, found as
 * three trains as its amplitude fell: joined into one, which then shows
 * the rate and amplitude swing; a train of another shape, or one that
 * starts while the first still fires, stays apart. */
static void test_sequels_joined(void **state)
{
    (void)state;
    enum { N = 150 };
    emg_spont_result r;
    memset(&r, 0, sizeof r);
    r.events = calloc(N + 10, sizeof *r.events);
    r.trains = calloc(4, sizeof *r.trains);
    assert_non_null(r.events);
    assert_non_null(r.trains);
    double t = 1.0;
    for (int i = 0; i < N; i++) {
        double f = (double)i / N, rate = 60.0 - 40.0 * f; /* 60 -> 20 Hz */
        r.events[i] = (emg_event){t,
                                  (float)(300.0 - 210.0 * f),
                                  6.0f,
                                  (uint32_t)(1 + i / 50),
                                  EMG_UNCLASSIFIED,
                                  2,
                                  1,
                                  0,
                                  0,
                                  0,
                                  0};
        t += 1.0 / rate;
    }
    /* another generator, brief and negative first, during the first piece */
    for (int i = 0; i < 10; i++)
        r.events[N + i] =
            (emg_event){1.05 + 0.1 * i, 120.0f, 3.0f, 4, EMG_UNCLASSIFIED, 2, -1, 0, 0, 0, 0};
    r.n_events = N + 10;
    qsort(r.events, r.n_events, sizeof *r.events, cmp_event_time);
    r.n_trains = 4;
    for (uint32_t k = 0; k < 4; k++) {
        emg_train *tr = &r.trains[k];
        tr->unit = k + 1;
        tr->shape.first_polarity = k < 3 ? 1 : -1;
        tr->shape.phases = 2;
        tr->shape.duration_ms = k < 3 ? 6.0 : 3.0;
        tr->shape.amplitude_uv = k < 3 ? 300.0 - 70.0 * k : 120.0;
        double times[N];
        float amps[N];
        size_t n = 0;
        for (size_t i = 0; i < r.n_events; i++)
            if (r.events[i].unit == k + 1) {
                times[n] = r.events[i].time_s;
                amps[n++] = r.events[i].amplitude_uv;
            }
        emg_train_timing(times, amps, n, tr);
    }
    assert_int_equal(emg_join_pieces(&r), EDX_OK);
    assert_int_equal(r.trains[0].n, N);
    assert_int_equal(r.trains[1].n, 0);
    assert_int_equal(r.trains[2].n, 0);
    assert_int_equal(r.trains[3].n, 10);
    assert_true(r.trains[0].rate_swing >= 1.5 && r.trains[0].amp_swing >= 1.5);
    free(r.events);
    free(r.trains);
}

/* Resampling by one shift: the fixed-weight filter gives what the spline
 * through the four neighbours gives, sample by sample, at the edges (held
 * end values) as in the middle, for shifts of either sign and any size. */
static double held(const double *x, size_t n, long j)
{
    return j < 0 ? x[0] : j >= (long)n ? x[n - 1] : x[j];
}

static void test_resample_matches_spline(void **state)
{
    (void)state;
    synth_rng r = {5};
    double x[40], out[48];
    for (int it = 0; it < 2000; it++) {
        size_t n = 1 + (size_t)(39 * synth_uniform(&r)), n_out = 1 + (size_t)(47 * synth_uniform(&r));
        double shift = 120.0 * synth_uniform(&r) - 60.0;
        for (size_t i = 0; i < n; i++)
            x[i] = 200.0 * synth_uniform(&r) - 100.0;
        emg_resample(x, n, shift, out, n_out);
        for (size_t k = 0; k < n_out; k++) {
            double p = (double)k + shift, t = p - floor(p);
            long j = (long)floor(p);
            double p0 = held(x, n, j - 1), p1 = held(x, n, j), p2 = held(x, n, j + 1),
                   p3 = held(x, n, j + 2);
            double want = p1 + 0.5 * t * (p2 - p0 + t * (2 * p0 - 5 * p1 + 4 * p2 - p3 +
                                                         t * (3 * (p1 - p2) + p3 - p0)));
            assert_float_equal(out[k], want, 1e-9);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_highpass_removes_offset),
        cmocka_unit_test(test_units_match_in_band),
        cmocka_unit_test(test_units_shape_with_own_noise),
        cmocka_unit_test(test_resample_matches_spline),
        cmocka_unit_test(test_sequels_joined),
        cmocka_unit_test(test_bandpass_attenuates_hum),
        cmocka_unit_test(test_decimator_means),
        cmocka_unit_test(test_mains_detect_50_and_60),
        cmocka_unit_test(test_mains_removal_keeps_potentials),
        cmocka_unit_test(test_mains_frozen_through_dense_activity),
        cmocka_unit_test(test_noise_sd_robust),
        cmocka_unit_test(test_detect_runs),
        cmocka_unit_test(test_features_fibrillation),
        cmocka_unit_test(test_features_end_plate_spike),
        cmocka_unit_test(test_features_at_aligned_peak),
        cmocka_unit_test(test_features_single_ends_at_baseline),
        cmocka_unit_test(test_features_leading_phase),
        cmocka_unit_test(test_features_psw),
        cmocka_unit_test(test_features_polyphasic_mup),
        cmocka_unit_test(test_peak_refine_and_resample),
        cmocka_unit_test(test_ncc_and_fit),
        cmocka_unit_test(test_units_group_two_generators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
