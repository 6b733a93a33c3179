/*
 * test_emg_hidden.c - a fibrillating fibre whose discharges template
 * matching spread over end-plate trains (src/emg/hidden.c): found by its
 * initial positivity, size and rhythm, taken out as a fibrillation (or a
 * positive sharp wave when its largest deflection is positive); irregular
 * end-plate spikes alone, some of them read initial positive, give none,
 * nor does a regular run too short to be a fibre firing on, nor
 * discharges of one size at a fibrillation's rate that keep no rhythm.
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

enum { MAX_EVENTS = 3000 };
#define REST_S 20.0

static int cmp_event_time(const void *a, const void *b)
{
    double x = ((const emg_event *)a)->time_s, y = ((const emg_event *)b)->time_s;
    return (x > y) - (x < y);
}

/* A discharge; unit 0 until given one. */
static emg_event discharge(double t_s, double amp_uv, int first, int largest)
{
    emg_event e = {t_s, (float)amp_uv, 2.0f, 0, EMG_UNCLASSIFIED, 2, (int8_t)first, 1, 0, 0, 0};
    e.main_sign = (int8_t)largest;
    return e;
}

/* End-plate spikes: irregular (Poisson) at rate_hz over the rest, 80-180 uV,
 * initial negative but `positive_share` of them read initial positive. */
static size_t end_plate_spikes(emg_event *ev, double rate_hz, double positive_share, synth_rng *g)
{
    size_t n = 0;
    for (double t = 0.3 - log(synth_uniform(g)) / rate_hz; t < REST_S;
         t -= log(synth_uniform(g)) / rate_hz) {
        int first = synth_uniform(g) < positive_share ? 1 : -1;
        ev[n++] = discharge(t, 80.0 + 100.0 * synth_uniform(g), first, -1);
    }
    return n;
}

/* A fibre at rate_hz (interval jitter 2 %), amp_uv (noise 6 uV) over
 * [t0_s, t1_s); `negative_share` of its discharges read initial negative
 * (noise, overlaps); largest: the sign of its largest deflection. */
static size_t fibre(emg_event *ev, double rate_hz, double t0_s, double t1_s, double amp_uv,
                    double negative_share, int largest, synth_rng *g)
{
    size_t n = 0;
    for (double t = t0_s; t < t1_s; t += (1.0 + 0.02 * synth_normal(g)) / rate_hz) {
        int first = synth_uniform(g) < negative_share ? -1 : 1;
        ev[n++] = discharge(t, amp_uv + 6.0 * synth_normal(g), first, largest);
    }
    return n;
}

/* The result of events ev[0..n) (sorted here), put alternately into two
 * end-plate trains (units 1 and 2) as template matching might, timed and
 * classified as summary.c does. The fibre's discharges carry flag_busy 1,
 * a marker of this test's that the analysis does not read. */
static emg_spont_result two_end_plate_trains(emg_event *ev, size_t n)
{
    qsort(ev, n, sizeof *ev, cmp_event_time);
    emg_spont_result r;
    memset(&r, 0, sizeof r);
    r.events = malloc(n * sizeof *r.events);
    r.trains = calloc(2, sizeof *r.trains);
    assert_non_null(r.events);
    assert_non_null(r.trains);
    memcpy(r.events, ev, n * sizeof *ev);
    r.n_events = n;
    r.n_trains = 2;
    for (size_t i = 0; i < n; i++)
        r.events[i].unit = (uint32_t)(1 + i % 2);
    double *times = malloc(n * sizeof *times);
    float *amps = malloc(n * sizeof *amps);
    assert_non_null(times);
    assert_non_null(amps);
    for (size_t k = 0; k < 2; k++) {
        emg_train *t = &r.trains[k];
        t->unit = (uint32_t)(k + 1);
        t->site = 1;
        t->shape = (emg_features){.amplitude_uv = 130,
                                  .duration_ms = 3.5,
                                  .phases = 2,
                                  .turns = 1,
                                  .first_polarity = -1,
                                  .main_sign = -1,
                                  .max_pos_uv = 40,
                                  .max_neg_uv = -90,
                                  .after_peak_ms = 2.0,
                                  .area_uv_ms = 120};
        emg_rebuild_train(&r, k, times, amps);
        assert_int_equal(t->type, EMG_END_PLATE);
    }
    free(times);
    free(amps);
    return r;
}

/* Trains added after the first two, of type `type`; *fibre_in, *others_in:
 * the fibre's discharges (flag_busy 1) and the others in them. */
static size_t added(const emg_spont_result *r, emg_type type, size_t *fibre_in, size_t *others_in)
{
    size_t n = 0;
    *fibre_in = *others_in = 0;
    for (size_t k = 2; k < r->n_trains; k++)
        n += r->trains[k].type == type;
    for (size_t i = 0; i < r->n_events; i++)
        if (r->events[i].unit > 2 && r->trains[r->events[i].unit - 1].type == type) {
            *fibre_in += r->events[i].flag_busy;
            *others_in += !r->events[i].flag_busy;
        }
    return n;
}

static size_t with_fibre(emg_event *ev, int largest, synth_rng *g)
{
    size_t n = end_plate_spikes(ev, 40.0, 0.1, g);
    size_t nf = fibre(ev + n, 13.0, 0.34, REST_S, 115.0, 0.35, largest, g);
    for (size_t i = n; i < n + nf; i++)
        ev[i].flag_busy = 1;
    return n + nf;
}

static void expect_fibre_found(int largest, emg_type want)
{
    for (unsigned seed = 1; seed <= 5; seed++) {
        synth_rng g = {seed};
        emg_event *ev = malloc(MAX_EVENTS * sizeof *ev);
        assert_non_null(ev);
        size_t n = with_fibre(ev, largest, &g), fibre_n = 0;
        for (size_t i = 0; i < n; i++)
            fibre_n += ev[i].flag_busy;
        emg_spont_result r = two_end_plate_trains(ev, n);
        assert_int_equal(emg_hidden_fibrillation(&r), EDX_OK);
        size_t fibre_in, others_in;
        assert_int_equal(added(&r, want, &fibre_in, &others_in), 1);
        assert_true(fibre_in >= 9 * fibre_n / 10);
        assert_true(others_in <= fibre_n / 20);
        free(r.events);
        free(r.trains);
        free(ev);
    }
}

/* A fibre at 13 Hz among end-plate spikes at 40 Hz, split between two
 * end-plate trains, a third of its discharges read initial negative. */
static void test_fibrillation_among_end_plate_spikes(void **state)
{
    (void)state;
    expect_fibre_found(-1, EMG_FIBRILLATION);
}

/* The same with a positive largest deflection: a positive sharp wave. */
static void test_psw_among_end_plate_spikes(void **state)
{
    (void)state;
    expect_fibre_found(1, EMG_PSW);
}

static void expect_none(size_t (*make)(emg_event *, synth_rng *))
{
    for (unsigned seed = 1; seed <= 10; seed++) {
        synth_rng g = {seed};
        emg_event *ev = malloc(MAX_EVENTS * sizeof *ev);
        assert_non_null(ev);
        emg_spont_result r = two_end_plate_trains(ev, make(ev, &g));
        assert_int_equal(emg_hidden_fibrillation(&r), EDX_OK);
        assert_int_equal(r.n_trains, 2);
        free(r.events);
        free(r.trains);
        free(ev);
    }
}

/* End-plate spikes at 40 Hz, a fifth of them read initial positive. */
static size_t spikes_only(emg_event *ev, synth_rng *g)
{
    return end_plate_spikes(ev, 40.0, 0.2, g);
}

/* ... with a regular run of 3 s (not a fibre firing on while the needle
 * stays). */
static size_t short_run(emg_event *ev, synth_rng *g)
{
    size_t n = end_plate_spikes(ev, 40.0, 0.1, g);
    return n + fibre(ev + n, 13.0, 5.0, 8.0, 115.0, 0.0, -1, g);
}

/* ... with positive discharges of one size at 10 Hz keeping no rhythm. */
static size_t no_rhythm(emg_event *ev, synth_rng *g)
{
    size_t n = end_plate_spikes(ev, 40.0, 0.1, g);
    for (double t = 0.3 - log(synth_uniform(g)) / 10.0; t < REST_S;
         t -= log(synth_uniform(g)) / 10.0)
        ev[n++] = discharge(t, 115.0 + 6.0 * synth_normal(g), 1, -1);
    return n;
}

static void test_end_plate_spikes_alone(void **state)
{
    (void)state;
    expect_none(spikes_only);
}

static void test_short_regular_run(void **state)
{
    (void)state;
    expect_none(short_run);
}

static void test_one_size_without_rhythm(void **state)
{
    (void)state;
    expect_none(no_rhythm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fibrillation_among_end_plate_spikes),
        cmocka_unit_test(test_psw_among_end_plate_spikes),
        cmocka_unit_test(test_end_plate_spikes_alone),
        cmocka_unit_test(test_short_regular_run),
        cmocka_unit_test(test_one_size_without_rhythm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
