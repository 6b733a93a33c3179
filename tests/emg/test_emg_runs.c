/*
 * test_emg_runs.c - a steady PSW taken out of a train it shares with other
 * discharges of its size, though its size and duration measure MUP-sized
 * (src/emg/split.c); a myotonic run whose small first and last discharges
 * fell into trains of their own joined again, and discharges of its shape
 * that break its gradual change left out; a myotonic run whose steady
 * middle went to a train of its own takes it back (src/emg/pieces.c).
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

enum { MAX_EVENTS = 1000 };

static int cmp_event_time(const void *a, const void *b)
{
    double x = ((const emg_event *)a)->time_s, y = ((const emg_event *)b)->time_s;
    return (x > y) - (x < y);
}

static emg_event discharge(double t_s, double amp_uv, uint32_t unit)
{
    return (emg_event){t_s, (float)amp_uv, 6.0f, unit, EMG_UNCLASSIFIED, 2, 1, 0, 0, 1, 0};
}

/* Mean-waveform measures of an initially positive potential: its
 * duration, phases, the sign of its largest deflection and the share of
 * the amplitude above baseline. */
static emg_features shape_of(double amp_uv, double duration_ms, int phases, int main_sign,
                             double positive_share, double after_peak_ms)
{
    return (emg_features){.amplitude_uv = amp_uv,
                          .duration_ms = duration_ms,
                          .phases = phases,
                          .turns = 1,
                          .first_polarity = 1,
                          .main_sign = main_sign,
                          .max_pos_uv = positive_share * amp_uv,
                          .max_neg_uv = -(1.0 - positive_share) * amp_uv,
                          .after_peak_ms = after_peak_ms,
                          .area_uv_ms = amp_uv};
}

/* A PSW's: the positive deflection dominant, a slow phase to 8 ms. */
static emg_features psw_shape(double amp_uv)
{
    return shape_of(amp_uv, 8.0, 2, 1, 0.7, 6.0);
}

/* A brief spike's: triphasic, 3 ms. */
static emg_features spike_shape(double amp_uv)
{
    return shape_of(amp_uv, 3.0, 3, -1, 1.0 / 3.0, 1.5);
}

/* r: events ev[0..n) (sorted here) in n_trains trains, train k of shape
 * shapes[k], each timed and classified as summary.c does. */
static void result_of(emg_spont_result *r, emg_event *ev, size_t n, const emg_features *shapes,
                      size_t n_trains)
{
    qsort(ev, n, sizeof *ev, cmp_event_time);
    memset(r, 0, sizeof *r);
    r->events = malloc(n * sizeof *r->events);
    r->trains = calloc(n_trains, sizeof *r->trains);
    assert_non_null(r->events);
    assert_non_null(r->trains);
    memcpy(r->events, ev, n * sizeof *ev);
    r->n_events = n;
    r->n_trains = n_trains;
    double times[MAX_EVENTS];
    float amps[MAX_EVENTS];
    for (size_t k = 0; k < n_trains; k++) {
        r->trains[k].unit = (uint32_t)(k + 1);
        r->trains[k].shape = shapes[k];
        emg_rebuild_train(r, k, times, amps);
    }
}

/* A PSW of 150 uV at 2.5 Hz (interval CV 3 %) over 20 s, and 14 other
 * discharges of its size at random, in one train: irregular together, and
 * MUP-sized by amplitude and duration, as a PSW is. The PSW's rhythm holds
 * most discharges: taken out, it is a PSW train. */
static void test_psw_taken_out(void **state)
{
    (void)state;
    synth_rng g = {31};
    emg_event ev[MAX_EVENTS];
    size_t n_psw = 0, n = 0;
    for (double t = 1.0; t < 21.0; t += (1.0 + 0.03 * synth_normal(&g)) / 2.5)
        ev[n_psw++] = discharge(t, 150.0 + 6.0 * synth_normal(&g), 1);
    n = n_psw;
    for (int k = 0; k < 14; k++)
        ev[n++] = discharge(1.0 + 20.0 * synth_uniform(&g), 150.0 + 6.0 * synth_normal(&g), 1);
    emg_spont_result r;
    emg_features shape = psw_shape(150.0);
    result_of(&r, ev, n, &shape, 1);
    assert_true(emg_is_mup_sized(150.0, 8.0, 2, 1));
    assert_int_not_equal(r.trains[0].type, EMG_PSW);
    assert_int_equal(emg_split_mixed(&r), EDX_OK);
    size_t psw = r.n_trains;
    for (size_t k = 0; k < r.n_trains; k++)
        if (r.trains[k].type == EMG_PSW)
            psw = k;
    assert_true(psw < r.n_trains);
    size_t held = synth_count_unit(&r, (uint32_t)(psw + 1));
    assert_true(held + 2 >= n_psw && held <= n_psw + 2);
    synth_free_result(&r);
}

/* A myotonic run: four discharges rising from 22 to 36 Hz and from 70 to
 * 180 uV, fifty at 40-45 Hz and 200-250 uV, four falling back. Train 1
 * holds the middle (too steady alone to show the waxing and waning),
 * train 2 the eight at either end (too few for a train's class), train 3
 * six discharges of the same shape at random within the run, train 4 a
 * fibrillation of that shape at 4 Hz through 20 s. Joined, trains 1 and 2
 * are one myotonic train; trains 3 and 4 keep their discharges. */
static void test_myotonic_run_joined(void **state)
{
    (void)state;
    static const double edge_hz[4] = {22, 26, 31, 36}, edge_uv[4] = {70, 100, 140, 180};
    synth_rng g = {32};
    emg_event ev[MAX_EVENTS];
    size_t n = 0, n_run = 0;
    double t = 0.5;
    for (int k = 0; k < 4; k++) {
        ev[n++] = discharge(t, edge_uv[k], 2);
        t += 1.0 / edge_hz[k];
    }
    for (int k = 0; k < 50; k++) {
        double b = sin(3.14159265 * k / 49.0);
        ev[n++] = discharge(t, 200.0 + 50.0 * b, 1);
        t += 1.0 / (40.0 + 5.0 * b);
    }
    for (int k = 3; k >= 0; k--) {
        ev[n++] = discharge(t, edge_uv[k], 2);
        t += 1.0 / edge_hz[k];
    }
    n_run = n;
    for (int k = 0; k < 6; k++)
        ev[n++] = discharge(0.6 + 1.2 * synth_uniform(&g), 60.0 + 150.0 * synth_uniform(&g), 3);
    for (double tf = 0.1; tf < 20.0; tf += (1.0 + 0.02 * synth_normal(&g)) / 4.0)
        ev[n++] = discharge(tf, 120.0 + 4.0 * synth_normal(&g), 4);
    size_t n3 = 6, n4 = n - n_run - n3;
    emg_features shapes[4] = {spike_shape(225.0), spike_shape(120.0), spike_shape(130.0),
                              spike_shape(120.0)};
    emg_spont_result r;
    result_of(&r, ev, n, shapes, 4);
    assert_int_not_equal(r.trains[0].type, EMG_MYOTONIC);
    assert_int_not_equal(r.trains[1].type, EMG_MYOTONIC);
    assert_int_equal(emg_join_pieces(&r), EDX_OK);
    assert_int_equal(r.trains[0].type, EMG_MYOTONIC);
    assert_int_equal(synth_count_unit(&r, 1), n_run);
    assert_int_equal(synth_count_unit(&r, 3), n3);
    assert_int_equal(synth_count_unit(&r, 4), n4);
    assert_int_equal(r.trains[3].type, EMG_FIBRILLATION);
    synth_free_result(&r);
}

/* A myotonic run of 120 discharges: forty waxing from 30 to 80 Hz and from
 * 60 to 200 uV, forty steady at 80 Hz and 200 uV, forty waning back. Train
 * 1 holds the waxing and the waning (myotonic already), train 2 the steady
 * middle (alone, regular at one rate: a complex repetitive discharge),
 * train 3 a complex repetitive discharge of that shape at 50 Hz from 1 to
 * 2 s, amid the run. Joined, train 1 holds the whole run and stays
 * myotonic; train 3, out of step with the run, keeps its discharges and
 * its class. */
static void test_myotonic_run_takes_its_middle(void **state)
{
    (void)state;
    synth_rng g = {33};
    emg_event ev[MAX_EVENTS];
    size_t n = 0;
    double t = 0.5;
    for (int k = 0; k < 120; k++) {
        double f = k < 40 ? k / 39.0 : k < 80 ? 1.0 : (119 - k) / 39.0;
        ev[n++] =
            discharge(t, 60.0 + 140.0 * f + 2.0 * synth_normal(&g), k < 40 || k >= 80 ? 1 : 2);
        t += 1.0 / (30.0 + 50.0 * f);
    }
    size_t n_run = n;
    for (double tc = 1.0; tc < 2.0; tc += 0.02)
        ev[n++] = discharge(tc, 200.0 + 2.0 * synth_normal(&g), 3);
    size_t n3 = n - n_run;
    emg_features shapes[3] = {spike_shape(130.0), spike_shape(200.0), spike_shape(200.0)};
    emg_spont_result r;
    result_of(&r, ev, n, shapes, 3);
    assert_int_equal(r.trains[0].type, EMG_MYOTONIC);
    assert_int_equal(r.trains[1].type, EMG_CRD);
    assert_int_equal(emg_join_pieces(&r), EDX_OK);
    assert_int_equal(r.trains[0].type, EMG_MYOTONIC);
    assert_int_equal(synth_count_unit(&r, 1), n_run);
    assert_int_equal(synth_count_unit(&r, 3), n3);
    assert_int_equal(r.trains[2].type, EMG_CRD);
    synth_free_result(&r);
}

/* A myokymic unit's 14 bursts of two or three discharges 33 ms apart,
 * every 1.2-1.6 s, its discharges lined up on one peak or the other and so
 * split between trains 1 and 2 of one shape and size (a burst's first
 * discharge in one, the rest in the other, by turns at random); train 3 a
 * fasciculating unit of that shape and size firing 12 times at random
 * through the same 20 s. Neither half shows the bursts recurring alone;
 * joined, train 1 holds the unit's every discharge as a myokymic train,
 * and train 3 keeps its own. */
static void test_bursts_split_between_two_trains(void **state)
{
    (void)state;
    synth_rng g = {34};
    emg_event ev[MAX_EVENTS];
    size_t n = 0;
    for (double t = 1.0; t < 20.0; t += 1.2 + 0.4 * synth_uniform(&g)) {
        int in_burst = 2 + (synth_uniform(&g) < 0.5);
        uint32_t half = synth_uniform(&g) < 0.5 ? 1 : 2;
        for (int k = 0; k < in_burst; k++)
            ev[n++] =
                discharge(t + 0.033 * k, 190.0 + 5.0 * synth_normal(&g), k == 0 ? half : 3 - half);
    }
    size_t n_unit = n;
    for (int k = 0; k < 12; k++)
        ev[n++] = discharge(1.0 + 19.0 * synth_uniform(&g), 190.0 + 5.0 * synth_normal(&g), 3);
    emg_features mup = shape_of(190.0, 8.0, 3, -1, 0.4, 6.0);
    emg_features shapes[3] = {mup, mup, mup};
    emg_spont_result r;
    result_of(&r, ev, n, shapes, 3);
    assert_int_not_equal(r.trains[0].type, EMG_MYOKYMIC);
    assert_int_not_equal(r.trains[1].type, EMG_MYOKYMIC);
    assert_int_equal(emg_join_pieces(&r), EDX_OK);
    assert_int_equal(r.trains[0].type, EMG_MYOKYMIC);
    assert_int_equal(synth_count_unit(&r, 1), n_unit);
    assert_int_equal(synth_count_unit(&r, 3), n - n_unit);
    assert_int_equal(r.trains[2].type, EMG_FASCICULATION);
    synth_free_result(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_psw_taken_out),
        cmocka_unit_test(test_myotonic_run_joined),
        cmocka_unit_test(test_myotonic_run_takes_its_middle),
        cmocka_unit_test(test_bursts_split_between_two_trains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
