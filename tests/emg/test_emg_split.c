/*
 * test_emg_split.c - one train holding two generators' discharges
 * (src/emg/split.c): two fibrillating fibres of one shape but two sizes are
 * taken apart, each keeping its rhythm; discharges that fall into the wrong
 * size group where the other rhythm misses one go back to it; two fibres
 * of one size are told apart by their rhythms; irregular
 * discharges with two sizes, and irregular spikes of one spread of sizes,
 * stay one train; a fibre potential's lesser phase detected as a train of
 * its own goes (src/emg/summary.c); two fibres of one size at nearly one
 * rate are followed phase by phase (src/emg/phase.c); a fibre's discharge
 * matched to another train where the fibre misses one goes back to it,
 * a myokymic unit's discharges split off into a train of their own go
 * back to it, and so do a fibre's whose train's mean waveform a neighbour
 * changed (src/emg/pieces.c); two fibres' discharges summed, taken for a
 * fasciculation, go back to the rhythms that miss them, and a unit's run
 * above 150 Hz amid a neuromyotonic discharge leaves its other firing
 * (src/emg/split.c).
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

/* A result owning a copy of events ev[0..n) and n_trains zeroed trains. */
static emg_spont_result result_with(const emg_event *ev, size_t n, size_t n_trains)
{
    emg_spont_result r;
    memset(&r, 0, sizeof r);
    r.events = malloc(n * sizeof *r.events);
    r.trains = calloc(n_trains, sizeof *r.trains);
    assert_non_null(r.events);
    assert_non_null(r.trains);
    memcpy(r.events, ev, n * sizeof *ev);
    r.n_events = n;
    r.n_trains = n_trains;
    return r;
}

/* r with events[0..n) (sorted here) all in train 1 of the given mean shape,
 * timed and classified as summary.c does. */
static void one_train(emg_spont_result *r, emg_event *ev, size_t n, int polarity, double amp_uv)
{
    qsort(ev, n, sizeof *ev, cmp_event_time);
    *r = result_with(ev, n, 1);
    emg_train *t = &r->trains[0];
    t->unit = 1;
    t->shape = (emg_features){.amplitude_uv = amp_uv,
                              .duration_ms = 3.0,
                              .phases = 3,
                              .turns = 1,
                              .first_polarity = polarity,
                              .main_sign = -polarity,
                              .max_pos_uv = amp_uv / 3,
                              .max_neg_uv = -2 * amp_uv / 3,
                              .after_peak_ms = 1.5,
                              .area_uv_ms = amp_uv};
    double times[MAX_EVENTS];
    float amps[MAX_EVENTS];
    for (size_t i = 0; i < n; i++) {
        times[i] = r->events[i].time_s;
        amps[i] = r->events[i].amplitude_uv;
    }
    emg_train_timing(times, amps, n, t);
    t->type = emg_classify_train(t);
}

/* r: discharges ev[0..n) of two fibres, one train of no rhythm (one_train),
 * which emg_split_mixed() splits into two fibrillation trains. */
static void split_in_two_fibrillations(emg_spont_result *r, emg_event *ev, size_t n, double amp_uv)
{
    one_train(r, ev, n, 1, amp_uv);
    assert_int_not_equal(r->trains[0].type, EMG_FIBRILLATION); /* mixed: no rhythm */
    assert_int_equal(emg_split_mixed(r), EDX_OK);
    assert_int_equal(r->n_trains, 2);
    assert_int_equal(r->trains[0].type, EMG_FIBRILLATION);
    assert_int_equal(r->trains[1].type, EMG_FIBRILLATION);
}

static emg_event discharge(double t_s, double amp_uv, int polarity)
{
    return (emg_event){t_s, (float)amp_uv, 3.0f, 1, EMG_UNCLASSIFIED, 3, (int8_t)polarity, 0, 0, 0,
                       0};
}

/* A fibre at `rate_hz` (interval jitter 1 %) of size amp_uv (noise 4 uV)
 * over 20 s into ev; returns how many. */
static size_t fibre(emg_event *ev, double rate_hz, double t0_s, double amp_uv, synth_rng *g)
{
    size_t n = 0;
    for (double t = t0_s; t < t0_s + 20.0; t += (1.0 + 0.01 * synth_normal(g)) / rate_hz)
        ev[n++] = discharge(t, amp_uv + 4.0 * synth_normal(g), 1);
    return n;
}

/* fibre() appended at ev[n..) as unit `unit`; how many. */
static size_t fibre_as(emg_event *ev, size_t n, double rate_hz, double t0_s, double amp_uv,
                       uint32_t unit, synth_rng *g)
{
    size_t m = fibre(ev + n, rate_hz, t0_s, amp_uv, g);
    for (size_t i = n; i < n + m; i++)
        ev[i].unit = unit;
    return m;
}

/* Two fibres of one shape, 70 uV at 10 Hz and 100 uV at 6.1 Hz, in one
 * train: irregular together, two fibrillation trains apart. Five of the
 * small fibre's discharges measured large (an overlap) go back to it. */
static void test_two_fibres_split(void **state)
{
    (void)state;
    synth_rng g = {11};
    emg_event ev[MAX_EVENTS];
    size_t n_small = fibre(ev, 10.0, 1.0, 70.0, &g);
    for (size_t i = 20; i < 70; i += 10)
        ev[i].amplitude_uv = 101.0f;
    size_t n = n_small + fibre(ev + n_small, 6.1, 1.013, 100.0, &g);
    emg_spont_result r;
    split_in_two_fibrillations(&r, ev, n, 85.0);
    assert_int_equal(r.trains[1].unit, 2);
    assert_int_equal(synth_count_unit(&r, 1), n_small);
    assert_int_equal(synth_count_unit(&r, 2), n - n_small);
    assert_true(fabs(r.trains[0].rate_hz - 10.0) < 0.3);
    assert_true(fabs(r.trains[1].rate_hz - 6.1) < 0.2);
    /* each part's size is its own */
    assert_true(r.trains[0].shape.amplitude_uv < 75.0 && r.trains[1].shape.amplitude_uv > 95.0);
    synth_free_result(&r);
}

/* Two fibres of one size, 12.5 Hz and 2.8 Hz: no two sizes, but the
 * faster rhythm holds most discharges; taken out, it leaves the slower
 * fibre's, which keep a rhythm of their own. */
static void test_two_rhythms_split(void **state)
{
    (void)state;
    synth_rng g = {14};
    emg_event ev[MAX_EVENTS];
    size_t n_fast = fibre(ev, 12.5, 1.0, 60.0, &g);
    size_t n = n_fast + fibre(ev + n_fast, 2.8, 1.031, 60.0, &g);
    emg_spont_result r;
    split_in_two_fibrillations(&r, ev, n, 60.0);
    assert_true(fabs(r.trains[0].rate_hz - 12.5) < 0.3);
    assert_true(fabs(r.trains[1].rate_hz - 2.8) < 0.1);
    /* a slow discharge may fall where a fast one is due: a few at most */
    assert_true(synth_count_unit(&r, 1) >= n_fast && synth_count_unit(&r, 1) <= n_fast + 3);
    synth_free_result(&r);
}

static void time_train(emg_spont_result *r, size_t k, double amp_uv);

/* A fibre at rate_hz with interval jitter cv, amp_uv, from t0_s over 20 s,
 * into ev; returns how many. */
static size_t fibre_cv(emg_event *ev, double rate_hz, double cv, double t0_s, double amp_uv,
                       synth_rng *g)
{
    size_t n = 0;
    for (double t = t0_s; t < t0_s + 20.0; t += (1.0 + cv * synth_normal(g)) / rate_hz)
        ev[n++] = discharge(t, amp_uv + 4.0 * synth_normal(g), 1);
    return n;
}

/* Two fibres of one size at 5.0 and 5.4 Hz (rates 8 % apart, within the
 * rhythm tolerance; interval CV 2 %): no two sizes, no rhythm holding most
 * discharges. Following one fibre's phase from discharge to discharge
 * takes it out; the other's remain: two fibrillation trains. Where the two
 * fire together a discharge or two may go to the other. */
static void test_two_fibres_one_rate_split(void **state)
{
    (void)state;
    synth_rng g = {15};
    emg_event ev[MAX_EVENTS];
    size_t n_a = fibre_cv(ev, 5.0, 0.02, 1.0, 60.0, &g);
    size_t n = n_a + fibre_cv(ev + n_a, 5.4, 0.02, 1.09, 60.0, &g);
    emg_spont_result r;
    split_in_two_fibrillations(&r, ev, n, 60.0);
    double lo = fmin(r.trains[0].rate_hz, r.trains[1].rate_hz);
    double hi = fmax(r.trains[0].rate_hz, r.trains[1].rate_hz);
    assert_true(fabs(lo - 5.0) < 0.15 && fabs(hi - 5.4) < 0.15);
    size_t n_lo = synth_count_unit(&r, r.trains[0].rate_hz < r.trains[1].rate_hz ? 1 : 2);
    assert_true(n_lo + 4 >= n_a && n_lo <= n_a + 4);
    synth_free_result(&r);
}

/* Initially positive discharges at random (Poisson, rate_hz) from 1 to 21 s
 * into ev[] (MAX_EVENTS), sizes alternating between amp_a_uv and amp_b_uv
 * (+-4 uV); returns how many. */
static size_t random_discharges(synth_rng *g, double rate_hz, double amp_a_uv, double amp_b_uv,
                                emg_event *ev)
{
    size_t n = 0;
    for (double t = 1.0; t < 21.0 && n < MAX_EVENTS; t += -log(synth_uniform(g)) / rate_hz) {
        ev[n] = discharge(t, (n % 2 ? amp_b_uv : amp_a_uv) + 4.0 * synth_normal(g), 1);
        n++;
    }
    return n;
}

/* One train of discharges ev[0..n) (initial positive, mean amp_uv) that
 * emg_split_mixed() leaves whole. */
static void assert_kept_whole(emg_event *ev, size_t n, double amp_uv)
{
    emg_spont_result r;
    one_train(&r, ev, n, 1, amp_uv);
    assert_int_equal(emg_split_mixed(&r), EDX_OK);
    assert_int_equal(r.n_trains, 1);
    assert_int_equal(synth_count_unit(&r, 1), n);
    synth_free_result(&r);
}

/* Irregular discharges stay one train, one line per case: spikes of one
 * size at 12 Hz, dense enough that chains of discharges a fibrillation
 * interval apart form by chance (none stands); and discharges of two sizes,
 * neither of which keeps a rhythm. */
static void test_irregular_kept(void **state)
{
    (void)state;
    static const struct {
        uint64_t seed;
        double rate_hz, amp_a_uv, amp_b_uv, mean_uv;
    } cases[] = {
        {16, 12.0, 60.0, 60.0, 60.0},  /* one size */
        {12, 15.0, 100.0, 70.0, 85.0}, /* two sizes */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        synth_rng g = {cases[k].seed};
        emg_event ev[MAX_EVENTS];
        size_t n =
            random_discharges(&g, cases[k].rate_hz, cases[k].amp_a_uv, cases[k].amp_b_uv, ev);
        assert_kept_whole(ev, n, cases[k].mean_uv);
    }
}

/* Pairs of end-plate spikes summed (two irregular spikes within a
 * fraction of a millisecond, ~200 uV), the 23 discharges of one train at
 * about 2 per second over 11 s. Ten of them, one second apart with two
 * missed, keep a fibrillation's rhythm by chance: the window each due
 * discharge is looked for in holds one of the train's with a probability
 * near 0.4, and dozens of chains are tried. No chain stands (phase.c), so
 * no fibrillation is made of them. */
static void test_chance_chain_among_summed_spikes(void **state)
{
    (void)state;
    static const double t[] = {9.15706,  10.95969, 11.93273, 12.38864, 12.85466, 13.21766,
                               13.80979, 14.20814, 14.78762, 15.35351, 15.76709, 15.82247,
                               16.40123, 16.57506, 17.00539, 17.74697, 18.31784, 18.73642,
                               19.30691, 19.77082, 19.85932, 19.92417, 19.93545};
    enum { N = sizeof t / sizeof t[0] };
    unsigned char mark[N];
    assert_int_equal(emg_phase_chain(t, N, mark), 0);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(mark[i], 0);
}

/* A 60 uV fibre at 6 Hz (train 1) whose every fifth discharge matched
 * another train (train 2, unclassified, with four stray discharges of its
 * own off the rhythm): the discharges half way across train 1's gaps go
 * back to it (src/emg/pieces.c), the strays stay. Train 3, end-plate
 * spikes at 40 Hz, dense enough to fill any gap by chance, gives none. */
static void test_gap_filled_from_other_train(void **state)
{
    (void)state;
    synth_rng g = {17};
    emg_event ev[MAX_EVENTS];
    size_t n_fib = fibre_cv(ev, 6.0, 0.02, 1.0, 60.0, &g), n = n_fib, n_moved = 0;
    for (size_t i = 4; i + 1 < n_fib; i += 5) {
        ev[i].unit = 2;
        n_moved++;
    }
    for (size_t i = 0; i < 4; i++)
        ev[n++] =
            (emg_event){2.03 + 4.0 * (double)i, 50.0f, 3.0f, 2, EMG_UNCLASSIFIED, 3, 1, 0, 0, 0, 0};
    for (double t = 1.0; t < 21.0 && n < MAX_EVENTS; t += -log(synth_uniform(&g)) / 40.0) {
        ev[n] = discharge(t, 60.0 + 4.0 * synth_normal(&g), -1);
        ev[n++].unit = 3;
    }
    qsort(ev, n, sizeof *ev, cmp_event_time);
    emg_spont_result r = result_with(ev, n, 3);
    for (size_t k = 0; k < 3; k++)
        time_train(&r, k, 60.0);
    assert_int_equal(r.trains[0].type, EMG_FIBRILLATION);
    assert_int_equal(r.trains[1].type, EMG_UNCLASSIFIED);
    size_t n_ep = synth_count_unit(&r, 3);
    assert_int_equal(emg_join_pieces(&r), EDX_OK);
    assert_int_equal(synth_count_unit(&r, 1), n_fib);
    assert_int_equal(synth_count_unit(&r, 2), 4);
    assert_int_equal(synth_count_unit(&r, 3), n_ep);
    assert_int_equal(r.trains[0].type, EMG_FIBRILLATION);
    synth_free_result(&r);
}

/* A 50 uV fibre at 8 Hz (train 1) two of whose discharges in a row, every
 * ninth and tenth, matched another train (train 2, whose mean waveform is
 * not alike: no piece to join whole): both are due where they lie (whole
 * intervals from the neighbours across the gap) and go back to train 1. */
static void test_run_of_missed_filled(void **state)
{
    (void)state;
    synth_rng g = {18};
    emg_event ev[MAX_EVENTS];
    size_t n = fibre_cv(ev, 8.0, 0.02, 1.0, 50.0, &g);
    for (size_t i = 8; i + 2 < n; i += 10)
        ev[i].unit = ev[i + 1].unit = 2;
    emg_spont_result r = result_with(ev, n, 2);
    time_train(&r, 0, 50.0);
    time_train(&r, 1, 50.0);
    r.trains[1].shape.duration_ms = 4.0; /* its mean changed: not a piece alike */
    assert_int_equal(r.trains[0].type, EMG_FIBRILLATION);
    assert_int_equal(emg_join_pieces(&r), EDX_OK);
    assert_int_equal(synth_count_unit(&r, 1), n);
    assert_int_equal(synth_count_unit(&r, 2), 0);
    synth_free_result(&r);
}

/* End-plate spikes: irregular, initial negative, sizes spread evenly from
 * 80 to 200 uV (no two modes): one end-plate train, not split. */
static void test_end_plate_spread_kept(void **state)
{
    (void)state;
    synth_rng g = {13};
    emg_event ev[MAX_EVENTS];
    size_t n = 0;
    for (double t = 1.0; t < 21.0 && n < MAX_EVENTS; t += -log(synth_uniform(&g)) / 20.0)
        ev[n++] = discharge(t, 80.0 + 120.0 * synth_uniform(&g), -1);
    emg_spont_result r;
    one_train(&r, ev, n, -1, 140.0);
    assert_int_equal(r.trains[0].type, EMG_END_PLATE);
    assert_int_equal(emg_split_mixed(&r), EDX_OK);
    assert_int_equal(r.n_trains, 1);
    assert_int_equal(r.trains[0].type, EMG_END_PLATE);
    synth_free_result(&r);
}

/* Train k of r (unit k + 1) from the events of that unit, with the given
 * mean waveform's measures, timed and classified (emg_rebuild_train). */
static void shaped_train(emg_spont_result *r, size_t k, emg_features shape)
{
    double times[MAX_EVENTS];
    float amps[MAX_EVENTS];
    r->trains[k].unit = (uint32_t)(k + 1);
    r->trains[k].shape = shape;
    emg_rebuild_train(r, k, times, amps);
}

/* ... a single fibre's shape of amp_uv. */
static void time_train(emg_spont_result *r, size_t k, double amp_uv)
{
    shaped_train(r, k,
                 (emg_features){.amplitude_uv = amp_uv,
                                .duration_ms = 1.5,
                                .phases = 1,
                                .first_polarity = 1,
                                .main_sign = 1,
                                .max_pos_uv = amp_uv,
                                .after_peak_ms = 0.8,
                                .area_uv_ms = amp_uv / 2});
}

/* A 60 uV fibre at 8 Hz (train 1) and, in train 2, a 25 uV lesser phase
 * of each of its discharges detected on its own 1.5 ms later, its timing
 * jittering by up to 1 ms in noise; train 3, an independent 25 uV fibre
 * at 3 Hz (a small fibrillation: 20-300 uV [S52]). Train 2 is part of
 * train 1's potential (a fibre potential lasts 1-5 ms [S52]) and goes;
 * train 3 stays a fibrillation. */
static void test_lesser_phase_dropped(void **state)
{
    (void)state;
    synth_rng g = {21};
    emg_event ev[MAX_EVENTS];
    size_t n_main = fibre(ev, 8.0, 1.0, 60.0, &g), n = n_main;
    for (size_t i = 0; i < n_main; i++) {
        ev[n] = discharge(ev[i].time_s + 0.0015 + 0.002 * (synth_uniform(&g) - 0.5), 25.0, 1);
        ev[n++].unit = 2;
    }
    size_t n_other = fibre_as(ev, n, 3.0, 1.07, 25.0, 3, &g);
    n += n_other;
    qsort(ev, n, sizeof *ev, cmp_event_time);
    emg_spont_result r = result_with(ev, n, 3);
    time_train(&r, 0, 60.0);
    time_train(&r, 1, 25.0);
    time_train(&r, 2, 25.0);
    assert_int_equal(r.trains[1].type, EMG_FIBRILLATION); /* regular: by itself a fib */
    assert_int_equal(emg_drop_locked(&r), EDX_OK);
    assert_int_equal(synth_count_unit(&r, 1), n_main);
    assert_int_equal(synth_count_unit(&r, 2), 0);
    assert_int_equal(r.trains[1].type, EMG_UNCLASSIFIED);
    assert_int_equal(synth_count_unit(&r, 3), n_other);
    assert_int_equal(r.trains[2].type, EMG_FIBRILLATION);
    synth_free_result(&r);
}

/* Train k of r (unit k + 1) from the events of that unit: a motor unit
 * potential's shape of amp_uv, timed and classified (emg_rebuild_train). */
static void mup_train(emg_spont_result *r, size_t k, double amp_uv)
{
    shaped_train(r, k,
                 (emg_features){.amplitude_uv = amp_uv,
                                .duration_ms = 10.0,
                                .phases = 3,
                                .first_polarity = 1,
                                .main_sign = -1,
                                .max_pos_uv = amp_uv / 3,
                                .max_neg_uv = -2 * amp_uv / 3,
                                .after_peak_ms = 6.0,
                                .area_uv_ms = 2 * amp_uv});
}

static emg_event mup_discharge(double t_s, double amp_uv, uint32_t unit)
{
    return (emg_event){t_s, (float)amp_uv, 10.0f, unit, EMG_UNCLASSIFIED, 3, 1, 0, 0, 0, 0};
}

/* A myokymic unit (500 uV, bursts of three discharges 20 ms apart every
 * 0.9-1.1 s, train 1) whose second discharge of every other burst formed
 * train 2: train 2's discharges each measure as train 1's and all fall
 * within train 1's bursts, and go back to it. Train 3, a unit of the same
 * shape fasciculating at random (isolated discharges), and train 4, a
 * 250 uV unit firing inside the bursts, stay apart [S43, S34]. */
static void test_split_burst_joined(void **state)
{
    (void)state;
    synth_rng g = {23};
    emg_event ev[MAX_EVENTS];
    size_t n = 0, n_burst = 0, n_fasc = 0, n_small = 0;
    for (double t = 1.0; t < 21.0; t += 0.9 + 0.2 * synth_uniform(&g), n_burst++)
        for (size_t i = 0; i < 3; i++) {
            uint32_t unit = i == 1 && n_burst % 2 ? 2 : 1;
            ev[n++] = mup_discharge(t + 0.02 * (double)i, 500.0 + 20.0 * synth_normal(&g), unit);
            if (i == 2 && n_burst % 3 == 0) {
                ev[n++] = mup_discharge(t + 0.05, 250.0 + 10.0 * synth_normal(&g), 4);
                n_small++;
            }
        }
    for (double t = 1.45; t < 21.0; t += 2.0 + synth_uniform(&g), n_fasc++)
        ev[n++] = mup_discharge(t, 480.0 + 20.0 * synth_normal(&g), 3);
    qsort(ev, n, sizeof *ev, cmp_event_time);
    emg_spont_result r = result_with(ev, n, 4);
    mup_train(&r, 0, 500.0);
    mup_train(&r, 1, 500.0);
    mup_train(&r, 2, 480.0);
    mup_train(&r, 3, 250.0);
    assert_int_equal(r.trains[0].type, EMG_MYOKYMIC);
    size_t n_split = synth_count_unit(&r, 2), n_whole = synth_count_unit(&r, 1) + n_split;
    assert_true(n_split >= 3);
    assert_int_equal(emg_join_pieces(&r), EDX_OK);
    assert_int_equal(synth_count_unit(&r, 1), n_whole);
    assert_int_equal(synth_count_unit(&r, 2), 0);
    assert_int_equal(r.trains[0].type, EMG_MYOKYMIC);
    assert_int_equal(synth_count_unit(&r, 3), n_fasc);
    assert_int_equal(synth_count_unit(&r, 4), n_small);
    synth_free_result(&r);
}

/* One myotonic run of a fibre (src/emg/trains.c): 14 discharges whose
 * interval shortens from 30 to 14 ms as the size grows from 60 to
 * 120 uV, 70 at 14 ms as steady as a CRD, and 14 that slow and shrink
 * back. The steady middle keeps a rhythm its ends leave, but the two never
 * alternate: one generator that changes, not two - kept whole. */
static void test_myotonic_run_kept_whole(void **state)
{
    (void)state;
    synth_rng g = {29};
    emg_event ev[MAX_EVENTS];
    size_t n = 0;
    double t = 1.0;
    for (int i = 0; i < 98; i++) {
        int from_end = i < 14 ? 14 - i : i >= 84 ? i - 83 : 0; /* 1..14 on the ramps */
        double ramp = (double)from_end / 14.0;
        ev[n++] = discharge(t, 120.0 - 60.0 * ramp + 2.0 * synth_normal(&g), 1);
        t += 0.014 * pow(30.0 / 14.0, ramp) * (1.0 + 0.002 * synth_normal(&g));
    }
    emg_spont_result r;
    one_train(&r, ev, n, 1, 110.0);
    assert_int_equal(r.trains[0].type, EMG_MYOTONIC);
    synth_free_result(&r);
    assert_kept_whole(ev, n, 110.0); /* unsplit, the train keeps its class */
}

/* A 600 uV serrated CRD complex's shape. */
static emg_features crd_shape(double duration_ms, int phases, double after_peak_ms,
                              double area_uv_ms)
{
    return (emg_features){.amplitude_uv = 600.0,
                          .duration_ms = duration_ms,
                          .phases = phases,
                          .turns = 5,
                          .first_polarity = 1,
                          .main_sign = -1,
                          .max_pos_uv = 250.0,
                          .max_neg_uv = -350.0,
                          .after_peak_ms = after_peak_ms,
                          .area_uv_ms = area_uv_ms};
}

/* A CRD (train 1: 600 uV, a complex of 7 phases, 12 Hz, interval CV
 * 0.2 %) six of whose discharges, at irregular times, were read 1.7 ms
 * late, on another of its phases, and matched alone (train 2: MUP-sized
 * single discharges seconds apart - "fasciculations"): each lies where the
 * CRD's discharge is due and goes back to it (src/emg/pieces.c). */
static void test_crd_takes_back_its_discharges(void **state)
{
    (void)state;
    synth_rng g = {31};
    emg_event ev[MAX_EVENTS];
    static const size_t read_late[] = {20, 47, 95, 130, 171, 203};
    size_t n = 0, n_moved = 0;
    for (double t = 1.0; t < 21.0; t += (1.0 + 0.002 * synth_normal(&g)) / 12.0) {
        bool moved = n_moved < 6 && n == read_late[n_moved];
        ev[n++] = mup_discharge(t + (moved ? 0.0017 : 0.0), 600.0 + 10.0 * synth_normal(&g),
                                moved ? 2 : 1);
        n_moved += moved;
    }
    emg_spont_result r = result_with(ev, n, 2);
    emg_features crd = crd_shape(11.5, 7, 8.0, 1000.0);
    shaped_train(&r, 0, crd);
    crd.phases = 5, crd.duration_ms = 9.2; /* read on another phase: another mean */
    shaped_train(&r, 1, crd);
    assert_int_equal(r.trains[0].type, EMG_CRD);
    assert_int_equal(r.trains[1].type, EMG_FASCICULATION);
    assert_int_equal(n_moved, 6);
    assert_int_equal(emg_join_pieces(&r), EDX_OK);
    assert_int_equal(synth_count_unit(&r, 1), n);
    assert_int_equal(synth_count_unit(&r, 2), 0);
    assert_int_equal(r.trains[0].type, EMG_CRD);
    synth_free_result(&r);
}

/* A CRD complex (train 1, 600 uV, 74 Hz: 13.5 ms cycles) whose small late
 * fibre (train 2, 30 uV) was detected on its own 6.75 ms after each
 * complex, halfway to the next: which complex is nearest alternates with
 * the jitter, so its lag to the nearest one flips sign, but its lag to the
 * one before stays fixed. It is part of the complex and goes [S46]; a
 * fibrillation (train 3, 60 uV at 3 Hz) firing meanwhile stays. */
static void test_crd_component_dropped(void **state)
{
    (void)state;
    synth_rng g = {41};
    emg_event ev[MAX_EVENTS];
    size_t n = 0, n_crd = 0;
    for (double t = 1.0; t < 7.0 && n + 2 < MAX_EVENTS;
         t += (1.0 + 0.003 * synth_normal(&g)) / 74.0) {
        ev[n++] = mup_discharge(t, 600.0 + 10.0 * synth_normal(&g), 1);
        ev[n] = discharge(t + 0.00675 + 0.0001 * synth_normal(&g), 30.0, -1);
        ev[n++].unit = 2;
        n_crd++;
    }
    size_t n_fib = fibre_as(ev, n, 3.0, 1.11, 60.0, 3, &g);
    n += n_fib;
    qsort(ev, n, sizeof *ev, cmp_event_time);
    emg_spont_result r = result_with(ev, n, 3);
    emg_features crd = crd_shape(6.0, 6, 4.0, 800.0);
    shaped_train(&r, 0, crd);
    time_train(&r, 1, 30.0);
    time_train(&r, 2, 60.0);
    assert_int_equal(r.trains[0].type, EMG_CRD);
    assert_int_equal(emg_drop_locked(&r), EDX_OK);
    assert_int_equal(synth_count_unit(&r, 1), n_crd);
    assert_int_equal(synth_count_unit(&r, 2), 0);
    assert_int_equal(synth_count_unit(&r, 3), n_fib);
    synth_free_result(&r);
}

/* A PSW's shape of amp_uv (initial positive, dominant, long slow phase). */
static emg_features psw_shape(double amp_uv)
{
    return (emg_features){.amplitude_uv = amp_uv,
                          .duration_ms = 12.0,
                          .phases = 2,
                          .first_polarity = 1,
                          .main_sign = 1,
                          .max_pos_uv = 0.7 * amp_uv,
                          .max_neg_uv = -0.3 * amp_uv,
                          .after_peak_ms = 10.5,
                          .area_uv_ms = 4 * amp_uv};
}

/* A 35 uV PSW fibre at 5.8 Hz whose discharges template matching put in
 * two trains: train 1, two of every three, whose mean waveform a neighbour
 * left with a small initial negative phase and a longer tail (first
 * polarity, phases and duration no longer the fibre's: not classified),
 * and train 2, the rest, a PSW. Each discharge measures as the fibre's:
 * the pieces are one rhythm and join (src/emg/pieces.c), with the PSW's
 * mean waveform: one PSW train of all the discharges. Train 3, a 35 uV
 * fibrillation of its own shape at 4.1 Hz, stays apart, and so does train
 * 4, pieces of the fibre's rhythm whose discharges each measure twice its
 * size (another generator). */
static void test_rhythm_pieces_joined_by_discharges(void **state)
{
    (void)state;
    synth_rng g = {29};
    emg_event ev[MAX_EVENTS];
    size_t n_psw = fibre_cv(ev, 5.8, 0.02, 1.0, 35.0, &g), n = n_psw, n_fib = 0, n_big = 0;
    for (size_t i = 0; i < n_psw; i++) {
        ev[i].duration_ms = 11.0f;
        ev[i].phases = 2;
        ev[i].unit = i % 3 == 2 ? 2 : 1;
    }
    for (double t = 1.11; t < 21.0; t += 1.0 / 4.1, n_fib++) {
        ev[n] = discharge(t, 35.0 + 4.0 * synth_normal(&g), 1);
        ev[n++].unit = 3;
    }
    for (size_t i = 1; i + 1 < n_psw && n < MAX_EVENTS; i += 9, n_big++) {
        ev[n] = ev[i];
        ev[n].time_s += 0.5 / 5.8;
        ev[n].amplitude_uv = 70.0f;
        ev[n++].unit = 4;
    }
    qsort(ev, n, sizeof *ev, cmp_event_time);
    emg_spont_result r = result_with(ev, n, 4);
    emg_features muddled = psw_shape(35.0);
    muddled.first_polarity = -1;
    muddled.phases = 3;
    muddled.duration_ms = 19.0;
    shaped_train(&r, 0, muddled);
    shaped_train(&r, 1, psw_shape(35.0));
    time_train(&r, 2, 35.0);
    shaped_train(&r, 3, psw_shape(70.0));
    assert_int_equal(r.trains[0].type, EMG_UNCLASSIFIED);
    assert_int_equal(r.trains[1].type, EMG_PSW);
    assert_int_equal(r.trains[2].type, EMG_FIBRILLATION);
    assert_int_equal(emg_join_pieces(&r), EDX_OK);
    assert_int_equal(synth_count_unit(&r, 1) + synth_count_unit(&r, 2), n_psw);
    assert_int_equal(synth_count_unit(&r, 1), n_psw);
    assert_int_equal(r.trains[0].type, EMG_PSW);
    assert_int_equal(synth_count_unit(&r, 3), n_fib);
    assert_int_equal(synth_count_unit(&r, 4), n_big);
    synth_free_result(&r);
}

/* A 170 uV fibrillation at 10 Hz (train 1) and a 125 uV PSW at 7 Hz
 * (train 2) of one site discharge together now and then; at 5 s and 12 s
 * the sum matched neither and formed train 3, MUP-sized: a
 * "fasciculation". Each sum lies where both rhythms miss a discharge, no
 * larger than their potentials together: it goes to one of them (the
 * nearer due), which keeps its class, and train 3 is left empty. Train 4,
 * a 700 uV fasciculation, has one discharge where both fibres' are hidden
 * under it (15 s) and one between theirs: larger than the fibres summed,
 * it stays whole. */
static void test_summed_discharges_return(void **state)
{
    (void)state;
    synth_rng g = {31};
    emg_event ev[MAX_EVENTS];
    size_t n = 0;
    for (int k = 0; k < 200; k++)
        if (k != 40 && k != 110 && k != 140) {
            ev[n] = discharge(1.0 + k / 10.0 + 0.0002 * synth_normal(&g), 170.0, 1);
            ev[n++].unit = 1;
        }
    for (int k = 0; k < 140; k++)
        if (k != 28 && k != 77 && k != 98) {
            ev[n] = discharge(1.0004 + k / 7.0 + 0.0002 * synth_normal(&g), 125.0, 1);
            ev[n].duration_ms = 10.0f;
            ev[n++].unit = 2;
        }
    static const double sums_s[2] = {5.0003, 12.0003}, fasc_s[2] = {8.0503, 15.0002};
    for (int i = 0; i < 2; i++) {
        ev[n] = discharge(sums_s[i], 260.0, 1);
        ev[n].duration_ms = 9.0f;
        ev[n++].unit = 3;
        ev[n] = discharge(fasc_s[i], 700.0, 1);
        ev[n].duration_ms = 11.0f;
        ev[n++].unit = 4;
    }
    qsort(ev, n, sizeof *ev, cmp_event_time);
    emg_spont_result r = result_with(ev, n, 4);
    time_train(&r, 0, 170.0);
    shaped_train(&r, 1, psw_shape(125.0));
    emg_features mup = {.amplitude_uv = 260.0,
                        .duration_ms = 9.0,
                        .phases = 3,
                        .turns = 2,
                        .first_polarity = 1,
                        .main_sign = -1,
                        .max_pos_uv = 100.0,
                        .max_neg_uv = -160.0,
                        .after_peak_ms = 6.0,
                        .area_uv_ms = 600.0};
    shaped_train(&r, 2, mup);
    mup.amplitude_uv = 700.0;
    shaped_train(&r, 3, mup);
    static const emg_type before[4] = {EMG_FIBRILLATION, EMG_PSW, EMG_FASCICULATION,
                                       EMG_FASCICULATION};
    for (size_t k = 0; k < 4; k++)
        assert_int_equal(r.trains[k].type, before[k]);
    assert_int_equal(emg_return_summed(&r), EDX_OK);
    assert_int_equal(synth_count_unit(&r, 1) + synth_count_unit(&r, 2), 197 + 137 + 2);
    assert_int_equal(synth_count_unit(&r, 3), 0);
    assert_int_equal(r.trains[2].n, 0);
    assert_int_equal(synth_count_unit(&r, 4), 2);
    for (size_t k = 0; k < 2; k++)
        assert_int_equal(r.trains[k].type, before[k]);
    assert_int_equal(r.trains[3].type, EMG_FASCICULATION);
    synth_free_result(&r);
}

/* A unit of hyperexcitable axons (500 uV) fires myokymic bursts (three
 * discharges 23 ms apart, about twice a second) and a neuromyotonic
 * discharge at 200 Hz from 9.9 to 10.4 s [S43, S44]. Template matching put
 * the bursts and the middle of the neuromyotonic discharge (10.0-10.145 s)
 * in train 1, which no rule places, and the rest of that discharge in
 * train 2, neuromyotonic. The run at 200 Hz amid train 2's span becomes a
 * neuromyotonic train of its own; six discharges at 200 Hz at 5 s, amid
 * no neuromyotonic discharge (end-plate spikes of several generators can
 * follow one another that fast), stay in train 1 with the bursts. */
static void test_neuromyotonic_run_split_off(void **state)
{
    (void)state;
    synth_rng g = {37};
    emg_event ev[MAX_EVENTS];
    size_t n = 0, n_one = 0;
    for (double t = 1.0; t < 41.0; t += 0.4 + 0.2 * synth_uniform(&g))
        if (t < 9.7 || t > 10.6)
            for (size_t i = 0; i < 3; i++, n_one++)
                ev[n++] = mup_discharge(t + 0.023 * (double)i, 500.0 + 20.0 * synth_normal(&g), 1);
    for (size_t k = 0; k < 6; k++, n_one++)
        ev[n++] = mup_discharge(5.3 + 0.005 * (double)k, 500.0 + 20.0 * synth_normal(&g), 1);
    size_t n_fast = 0;
    for (size_t k = 0; k < 100; k++) {
        bool middle = k >= 20 && k < 50;
        ev[n++] =
            mup_discharge(9.9 + 0.005 * (double)k, 500.0 + 20.0 * synth_normal(&g), middle ? 1 : 2);
        n_fast += middle;
    }
    qsort(ev, n, sizeof *ev, cmp_event_time);
    emg_spont_result r = result_with(ev, n, 2);
    mup_train(&r, 0, 500.0);
    mup_train(&r, 1, 500.0);
    assert_int_equal(r.trains[0].type, EMG_UNCLASSIFIED);
    assert_int_equal(r.trains[1].type, EMG_NEUROMYOTONIC);
    assert_int_equal(emg_split_mixed(&r), EDX_OK);
    assert_int_equal(r.n_trains, 3);
    assert_int_equal(synth_count_unit(&r, 3), n_fast);
    assert_int_equal(r.trains[2].type, EMG_NEUROMYOTONIC);
    assert_int_equal(synth_count_unit(&r, 1), n_one);
    assert_int_equal(synth_count_unit(&r, 2), 100 - n_fast);
    synth_free_result(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_fibres_split),
        cmocka_unit_test(test_two_rhythms_split),
        cmocka_unit_test(test_two_fibres_one_rate_split),
        cmocka_unit_test(test_irregular_kept),
        cmocka_unit_test(test_chance_chain_among_summed_spikes),
        cmocka_unit_test(test_end_plate_spread_kept),
        cmocka_unit_test(test_lesser_phase_dropped),
        cmocka_unit_test(test_gap_filled_from_other_train),
        cmocka_unit_test(test_summed_discharges_return),
        cmocka_unit_test(test_neuromyotonic_run_split_off),
        cmocka_unit_test(test_run_of_missed_filled),
        cmocka_unit_test(test_split_burst_joined),
        cmocka_unit_test(test_myotonic_run_kept_whole),
        cmocka_unit_test(test_crd_takes_back_its_discharges),
        cmocka_unit_test(test_crd_component_dropped),
        cmocka_unit_test(test_rhythm_pieces_joined_by_discharges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
