/*
 * test_emg_fasc.c - what makes a discharge a fasciculation beside the other
 * motor unit discharges at rest: its size (brief but large potentials,
 * clinical.md 1.1 [S28]), a few random discharges that fit a rhythm only by
 * chance, a bursting unit's isolated discharges [S34], and the bursts'
 * recurrence read robustly when a burst is hidden; and a fasciculation
 * beside another unit's bursts.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edx/emg.h"
#include "emg/emg_internal.h"
#include "emg_synth.h"

#define FS 10000.0

/* The measured shape of the synthetic polyphasic MUP (~10 ms) at amp_uv. */
static emg_features mup_shape(double amp_uv)
{
    synth_shape s = synth_mup(amp_uv);
    double x[400] = {0};
    synth_add(x, 400, FS, &s, 10.0);
    emg_features f;
    emg_features_measure(x, 400, FS, 1.0, &f);
    return f;
}

/* The timing of discharges t (n) and the MUP shape at shape_uv, into tr. */
static void timed_train(const double *t, const float *amp, size_t n, double shape_uv, emg_train *tr)
{
    memset(tr, 0, sizeof *tr);
    tr->shape = mup_shape(shape_uv); /* first, as the analyser has it: the timing reads it */
    emg_train_timing(t, amp, n, tr);
}

/* One line per case: > 5 ms or polyphasic as before; from 2.8 ms [S28]
 * when larger than a fibrillation (300 uV [S52]) or, starting negative,
 * than two end-plate spikes summed (400 uV [S53]). */
static void test_mup_sized_table(void **state)
{
    (void)state;
    static const struct {
        double amp_uv, dur_ms;
        int phases, polarity;
        bool want;
    } c[] = {
        {600, 9.0, 3, +1, true},  /* an ordinary MUP */
        {600, 4.0, 3, +1, true},  /* brief, larger than a fibrillation */
        {600, 2.5, 3, +1, false}, /* briefer than any FP of [S28] */
        {250, 4.0, 3, +1, false}, /* brief and fibrillation-sized */
        {350, 4.0, 2, -1, false}, /* brief, initial negative: two end-plate spikes */
        {450, 4.0, 2, -1, true},  /* ... larger than two */
        {150, 3.0, 5, -1, true},  /* polyphasic */
        {90, 9.0, 3, +1, false},  /* too small */
        {600, 9.0, 1, +1, false}, /* monophasic */
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        if (emg_is_mup_sized(c[i].amp_uv, c[i].dur_ms, c[i].phases, c[i].polarity) != c[i].want)
            fail_msg("case %zu (%.0f uV, %.1f ms, %d phases, %+d): want %s", i, c[i].amp_uv,
                     c[i].dur_ms, c[i].phases, c[i].polarity, c[i].want ? "true" : "false");
}

/* Five discharges of a fasciculating unit over 15 s (a simulated ALS
 * gastrocnemius): three of their four intervals are multiples of one base
 * interval within the tolerance, by chance; that is no rhythm, and the
 * unit fasciculates. Eight discharges 1.8 s apart are a rhythm, and not
 * fasciculations. */
static void test_chance_rhythm_is_not_regular(void **state)
{
    (void)state;
    double t[8] = {4.4203, 4.7935, 6.5880, 12.1479, 19.1688};
    float amp[8] = {1100, 1100, 1100, 1100, 1100, 1100, 1100, 1100};
    emg_train tr;
    timed_train(t, amp, 5, 1100.0, &tr);
    assert_true(tr.regular_fraction >= 0.75); /* the chance fit */
    assert_int_equal(emg_classify_train(&tr), EMG_FASCICULATION);

    for (size_t k = 0; k < 8; k++)
        t[k] = 2.0 + 1.8 * (double)k;
    emg_train_timing(t, amp, 8, &tr);
    assert_int_not_equal(emg_classify_train(&tr), EMG_FASCICULATION);
}

/* Bursts of 4 at 40 Hz every 0.5 s, four of them hidden under other
 * activity (a 2.5 s gap): the recurrence is still semi-rhythmic, and the
 * unit myokymic [S43]. So is it with one stray discharge 6 ms after a
 * burst's first: the intraburst rate is its intervals', not the
 * shortest one's. */
static void test_bursts_with_a_hidden_one(void **state)
{
    (void)state;
    double t[64];
    float amp[64];
    size_t n = 0;
    for (int b = 0; b < 16; b++) {
        if (b >= 6 && b < 10)
            continue; /* hidden */
        for (int i = 0; i < 4; i++) {
            t[n] = 1.0 + 0.5 * b + 0.025 * i;
            amp[n++] = 600;
        }
    }
    emg_train tr;
    timed_train(t, amp, n, 600.0, &tr);
    assert_int_equal(tr.n_bursts, 12);
    assert_true(tr.burst_interval_cv < 0.1);
    assert_int_equal(emg_classify_train(&tr), EMG_MYOKYMIC);

    memmove(t + 2, t + 1, (n - 1) * sizeof *t);
    t[1] = t[0] + 0.006;
    amp[n] = 600;
    emg_train_timing(t, amp, n + 1, &tr);
    assert_float_equal(tr.min_interval_ms, 6.0, 1e-6);
    assert_int_equal(emg_classify_train(&tr), EMG_MYOKYMIC);
}

/* Bursts of 5 at 24 Hz whose pauses are mostly shorter than the 100 ms
 * that groups discharges (2.2 to 5.5 intervals): the bursts of a fast-bursting
 * myokymic unit [S43], which those groups (of 1 to 6 bursts) hide. One
 * long run at 45 Hz that skips every third discharge does not burst; nor
 * do bursts of another shape than a MUP's regroup. */
static void test_bursts_with_short_pauses(void **state)
{
    (void)state;
    static const double pause_ms[23] = {97, 92, 97,  95, 97,  230, 95,  92, 140, 92,  97, 97,
                                        97, 92, 230, 92, 230, 140, 140, 95, 92,  230, 97};
    double t[128], within_s = 1.0 / 24.0;
    float amp[128];
    size_t n = 0;
    t[0] = 1.0;
    for (int b = 0; b < 24; b++)
        for (int i = 0; i < 5; i++, n++) {
            if (n > 0)
                t[n] = t[n - 1] + (i ? within_s : pause_ms[b - 1] / 1000.0);
            amp[n] = 600;
        }
    emg_train tr;
    timed_train(t, amp, n, 600.0, &tr);
    assert_int_equal(tr.n_bursts, 24);
    assert_float_equal(tr.burst_within_ms, 1000.0 * within_s, 1e-6);
    assert_int_equal(emg_classify_train(&tr), EMG_MYOKYMIC);

    emg_train fib;
    memset(&fib, 0, sizeof fib);
    fib.shape = mup_shape(60.0); /* a fibre's size: no MUP */
    emg_train_timing(t, amp, n, &fib);
    assert_int_equal(fib.n_bursts, 8);

    n = 0;
    for (int k = 0; k < 90; k++)
        if (k % 3 != 2) {
            t[n] = 1.0 + k / 45.0;
            amp[n++] = 600;
        }
    timed_train(t, amp, n, 600.0, &tr);
    assert_int_equal(tr.n_bursts, 1);
    assert_int_not_equal(emg_classify_train(&tr), EMG_MYOKYMIC);
}

/* Groups whose every other interval is 3 ms (end-plate spikes reach very
 * short intervals [S47, S53]) are no myokymic bursts, whose discharges
 * fire at 20-70 Hz [S96], however regularly the groups recur. */
static void test_very_short_intervals_are_not_myokymic(void **state)
{
    (void)state;
    static const double within_s[5] = {0, 0.003, 0.033, 0.036, 0.066};
    double t[80];
    float amp[80];
    size_t n = 0;
    for (int b = 0; b < 16; b++)
        for (int i = 0; i < 5; i++) {
            t[n] = 1.0 + 0.5 * b + within_s[i];
            amp[n++] = 300;
        }
    emg_train tr;
    timed_train(t, amp, n, 300.0, &tr);
    assert_int_equal(tr.n_bursts, 16);
    assert_int_not_equal(emg_classify_train(&tr), EMG_MYOKYMIC);

    /* groups whose intervals, all 12 ms or more, wander: no one unit
     * firing at its steady rate within each burst [S43] */
    static const double gap_ms[4][3] = {{12, 45, 20}, {50, 14, 33}, {25, 60, 12}, {18, 40, 55}};
    n = 0;
    for (int b = 0; b < 16; b++) {
        t[n] = 1.0 + 0.5 * b;
        amp[n++] = 300;
        for (int i = 0; i < 3; i++, n++) {
            t[n] = t[n - 1] + gap_ms[b % 4][i] / 1000.0;
            amp[n] = 300;
        }
    }
    emg_train_timing(t, amp, n, &tr);
    assert_true(tr.interval_p10_ms >= 10.0);
    assert_int_not_equal(emg_classify_train(&tr), EMG_MYOKYMIC);
}

/* A myokymic unit (1) and a neuromyotonic one (2): a MUP-sized discharge
 * with none of its unit's others within 250 ms on either side is a
 * fasciculation [S34], and so is one more than three of the unit's
 * intervals within bursts (25 ms) from its others: outside its bursts. One
 * two intervals on (a discharge of the burst missed), a small one, and the
 * bursts' own stay what their train is, and so does one 50 ms into the
 * rest analysed: what fired before it is unknown. Within a burst, one of
 * another size between two of the unit's one interval apart is another
 * unit's (one of the unit's size there stays). Outside its bursts a discharge a
 * third smaller than the unit's others is another unit's: a fasciculation
 * (context.c OTHER_UNIT_SIZE), while one as small within a burst stays.
 * A fasciculating unit (3) whose bursts recur as myokymic ones do fires
 * them as myokymic discharges. Beside a burst, one 1.5 or 2.5 intervals
 * after its last discharge is off the unit's rhythm: a fasciculation;
 * one as far off but with the end of the rest analysed 37.5 ms after it
 * (what followed is unknown) stays. */
static void test_isolated_from_bursts(void **state)
{
    (void)state;
    static const struct {
        double time_s;
        uint32_t unit;
        float amplitude_uv;
        emg_type want;
    } ev[] = {
        {0.050, 1, 600, EMG_MYOKYMIC},        {1.000, 1, 600, EMG_MYOKYMIC},
        {1.025, 1, 600, EMG_MYOKYMIC},        {1.050, 1, 600, EMG_MYOKYMIC},
        {2.000, 1, 600, EMG_MYOKYMIC},        {2.025, 1, 600, EMG_MYOKYMIC},
        {2.050, 1, 420, EMG_MYOKYMIC},        {2.500, 2, 500, EMG_NEUROMYOTONIC},
        {2.505, 2, 500, EMG_NEUROMYOTONIC},   {3.000, 1, 600, EMG_FASCICULATION},
        {4.000, 1, 600, EMG_MYOKYMIC},        {4.025, 1, 600, EMG_MYOKYMIC},
        {4.070, 1, 600, EMG_MYOKYMIC},        {4.180, 1, 600, EMG_FASCICULATION},
        {4.400, 1, 420, EMG_FASCICULATION},   {5.000, 2, 500, EMG_FASCICULATION},
        {5.500, 1, 600, EMG_MYOKYMIC},        {5.510, 1, 420, EMG_FASCICULATION},
        {5.525, 1, 600, EMG_MYOKYMIC},        {5.540, 1, 600, EMG_MYOKYMIC},
        {5.548, 1, 600, EMG_MYOKYMIC},        {6.000, 1, 90, EMG_MYOKYMIC},
        {7.000, 1, 600, EMG_FASCICULATION},   {8.000, 3, 700, EMG_MYOKYMIC},
        {8.030, 3, 700, EMG_MYOKYMIC},        {9.500, 3, 700, EMG_FASCICULATION},
        {10.000, 1, 600, EMG_MYOKYMIC},       {10.025, 1, 600, EMG_MYOKYMIC},
        {10.0625, 1, 600, EMG_FASCICULATION}, {11.000, 1, 600, EMG_MYOKYMIC},
        {11.025, 1, 600, EMG_MYOKYMIC},       {11.0875, 1, 600, EMG_FASCICULATION},
        {11.900, 1, 600, EMG_MYOKYMIC},       {11.925, 1, 600, EMG_MYOKYMIC},
        {11.9625, 1, 600, EMG_MYOKYMIC},
    };
    enum { N = sizeof ev / sizeof ev[0] };
    emg_train tr[3];
    emg_event events[N];
    memset(tr, 0, sizeof tr);
    memset(events, 0, sizeof events);
    tr[0].type = EMG_MYOKYMIC;
    tr[0].burst_within_ms = 25.0; /* the median of unit 1's intervals under 100 ms below */
    tr[1].type = EMG_NEUROMYOTONIC;
    /* unit 3 fires mostly alone, but its bursts recur as myokymic ones do */
    tr[2].type = EMG_FASCICULATION;
    tr[2].n_bursts = 3;
    tr[2].burst_interval_cv = 0.1;
    tr[2].burst_rate_cv = 0.05;
    tr[2].interval_p10_ms = 30.0;
    assert_true(emg_recurring_bursts(&tr[2]));
    for (size_t k = 0; k < N; k++) {
        events[k].time_s = ev[k].time_s;
        events[k].unit = ev[k].unit;
        events[k].type = (uint8_t)tr[ev[k].unit - 1].type;
        events[k].amplitude_uv = ev[k].amplitude_uv;
        events[k].duration_ms = 9.0f;
        events[k].phases = 3;
        events[k].first_polarity = 1;
        tr[ev[k].unit - 1].n++;
    }
    emg_spont_result r = synth_result(tr, 3, events, N);
    const span rest = {0.0, 12.0};
    assert_int_equal(emg_isolated_from_bursts(&r, &rest, 1), EDX_OK);
    for (size_t k = 0; k < N; k++)
        if (events[k].type != ev[k].want)
            fail_msg("discharge at %.3f s of unit %u: got %s, want %s", ev[k].time_s, ev[k].unit,
                     emg_type_name((emg_type)events[k].type), emg_type_name(ev[k].want));
}

/* One discharge of a context test: where, whose, its size and shape, and
 * the class it must end with. */
typedef struct shaped_case {
    double time_s;
    uint32_t unit;
    float amplitude_uv, duration_ms;
    uint8_t phases;
    emg_type want;
} shaped_case;

/* events[k] from c[k], of its train's class, first deflection `polarity`. */
static void shaped_events(const shaped_case *c, size_t n, const emg_train *tr, int polarity,
                          emg_event *events)
{
    memset(events, 0, n * sizeof *events);
    for (size_t k = 0; k < n; k++) {
        events[k].time_s = c[k].time_s;
        events[k].unit = c[k].unit;
        events[k].type = (uint8_t)tr[c[k].unit - 1].type;
        events[k].amplitude_uv = c[k].amplitude_uv;
        events[k].duration_ms = c[k].duration_ms;
        events[k].phases = c[k].phases;
        events[k].first_polarity = (int8_t)polarity;
    }
}

static void expect_types(const shaped_case *c, size_t n, const emg_event *events)
{
    for (size_t k = 0; k < n; k++)
        if (events[k].type != c[k].want)
            fail_msg("discharge at %.4f s of unit %u: got %s, want %s", c[k].time_s, c[k].unit,
                     emg_type_name((emg_type)events[k].type), emg_type_name(c[k].want));
}

/* A fasciculation beside another unit's discharges (emg_fasc_context): a
 * myokymic unit's (1, 1000 uV, 15 ms intervals within bursts) neighbour of
 * another size, off its spike, is another unit firing meanwhile and stays
 * a fasciculation; so does one of the burst's own size off the unit's
 * rhythm (7 ms after its last discharge). One of the burst's size on its
 * rhythm (where a discharge of the burst is missing), one on the spike
 * (within 2 ms) and one beside a neuromyotonic train (2), whose size
 * wanes, are not placed. A discharge whose extent fills its whole window
 * never settled: no simple MUP, unless polyphasic. One line per discharge. */
static void test_fasciculation_beside_bursts(void **state)
{
    (void)state;
    static const shaped_case ev[] = {
        {1.000, 1, 1000, 9.0f, 3, EMG_MYOKYMIC},     {1.012, 3, 600, 9.0f, 3, EMG_FASCICULATION},
        {1.030, 1, 1000, 9.0f, 3, EMG_MYOKYMIC},     {2.000, 1, 1000, 9.0f, 3, EMG_MYOKYMIC},
        {2.015, 4, 950, 9.0f, 3, EMG_UNCLASSIFIED},  {2.030, 1, 1000, 9.0f, 3, EMG_MYOKYMIC},
        {3.000, 1, 1000, 9.0f, 3, EMG_MYOKYMIC},     {3.0015, 5, 600, 9.0f, 3, EMG_UNCLASSIFIED},
        {4.000, 2, 700, 4.0f, 3, EMG_NEUROMYOTONIC}, {4.012, 6, 600, 9.0f, 3, EMG_UNCLASSIFIED},
        {6.000, 7, 600, 32.1f, 3, EMG_UNCLASSIFIED}, {7.000, 8, 600, 32.1f, 6, EMG_FASCICULATION},
        {8.000, 1, 1000, 9.0f, 3, EMG_MYOKYMIC},     {8.015, 1, 1000, 9.0f, 3, EMG_MYOKYMIC},
        {8.022, 9, 950, 9.0f, 3, EMG_FASCICULATION},
    };
    enum { N = sizeof ev / sizeof ev[0], N_UNITS = 9 };
    emg_train tr[N_UNITS];
    emg_event events[N];
    memset(tr, 0, sizeof tr);
    for (size_t k = 0; k < N_UNITS; k++)
        tr[k].type = k == 0 ? EMG_MYOKYMIC : k == 1 ? EMG_NEUROMYOTONIC : EMG_FASCICULATION;
    tr[0].shape.amplitude_uv = 1000.0;
    tr[0].burst_within_ms = 15.0;
    shaped_events(ev, N, tr, 1, events);
    for (size_t k = 0; k < N; k++)
        tr[ev[k].unit - 1].n += ev[k].unit > 2 ? 3 : 1; /* fasciculating units of three */
    emg_spont_result r = synth_result(tr, N_UNITS, events, N);
    assert_int_equal(emg_fasc_context(&r), EDX_OK);
    expect_types(ev, N, events);
}

/* Runs emg_fired_alone on the discharges ev (events: room for n) of trains
 * tr and checks each ends as wanted; the discharges of train `unplaced`
 * (0: none) start unclassified, as emg_fasc_context leaves a brief one. */
static void check_fired_alone(const shaped_case *ev, size_t n, emg_train *tr, size_t n_units,
                              int polarity, uint32_t unplaced, emg_event *events)
{
    shaped_events(ev, n, tr, polarity, events);
    for (size_t k = 0; k < n; k++)
        if (ev[k].unit == unplaced)
            events[k].type = EMG_UNCLASSIFIED;
    emg_spont_result r = synth_result(tr, n_units, events, n);
    assert_int_equal(emg_fired_alone(&r), EDX_OK);
    expect_types(ev, n, events);
}

/* Potentials that fire alone (emg_fired_alone): an unplaced 250 uV, 4 ms
 * biphasic potential whose generator fired once, with nothing within 50 ms
 * and nothing of MUP size within 250 ms, is a fasciculation of a small
 * unit. Not so: one with a small spike 30 ms away (end-plate activity), one
 * with a MUP-sized discharge 150 ms away, one of an end-plate spike's size
 * (180 uV), one briefer than the shortest fasciculation potential (2 ms),
 * one of a generator that fired three times, one that fills its whole
 * window, a monophasic one. A generator that fires in bursts (30 Hz) may
 * fire alone as well; one that fires slowly on (4 Hz) is no fasciculating
 * unit. One line per discharge. */
static void test_fired_alone(void **state)
{
    (void)state;
    static const shaped_case ev[] = {
        {1.000, 1, 250, 4.0f, 2, EMG_FASCICULATION},  {2.000, 2, 250, 4.0f, 2, EMG_UNCLASSIFIED},
        {2.030, 3, 50, 1.5f, 2, EMG_UNCLASSIFIED},    {3.000, 4, 250, 4.0f, 2, EMG_UNCLASSIFIED},
        {3.150, 5, 300, 9.0f, 3, EMG_UNCLASSIFIED},   {4.000, 6, 180, 4.0f, 2, EMG_UNCLASSIFIED},
        {5.000, 7, 250, 2.0f, 2, EMG_UNCLASSIFIED},   {6.000, 8, 250, 4.0f, 2, EMG_UNCLASSIFIED},
        {7.000, 9, 250, 32.0f, 3, EMG_UNCLASSIFIED},  {8.000, 10, 250, 4.0f, 1, EMG_UNCLASSIFIED},
        {9.000, 11, 250, 4.0f, 2, EMG_FASCICULATION}, {10.000, 12, 250, 4.0f, 2, EMG_UNCLASSIFIED},
    };
    enum { N = sizeof ev / sizeof ev[0], N_UNITS = 12 };
    emg_train tr[N_UNITS]; /* all unplaced */
    emg_event events[N];
    memset(tr, 0, sizeof tr);
    for (size_t k = 0; k < N_UNITS; k++)
        tr[k].n = k == 7 ? 3 : 1; /* unit 8 fired twice more elsewhere */
    /* units 11 and 12 fired 40 times elsewhere: 11 in bursts (30 Hz), 12 slowly */
    tr[10].n = tr[11].n = 40;
    tr[10].rate_hz = 30.0;
    tr[11].rate_hz = 4.0;
    check_fired_alone(ev, N, tr, N_UNITS, -1, 0, events);
}

/* Potentials that fire alone beside another generator's spontaneous
 * activity (emg_fired_alone): a myokymic unit (1, 1000 uV, 15 ms intervals
 * within bursts) and a fibrillating fibre (7, 140 uV, every 84 ms). An
 * unplaced 300 uV potential 37 ms after a burst, off the unit's rhythm, is
 * a fasciculation; one on the rhythm (two intervals on), one within 20 ms,
 * one of the burst's own size are not placed. A fasciculating unit's (6)
 * discharge left unplaced for its brevity fires alone: a fasciculation. A
 * potential where the fibre is due (two fibrillations summed) is not
 * placed; one off the fibre's rhythm is a fasciculation. */
static void test_alone_beside_spontaneous(void **state)
{
    (void)state;
    static const shaped_case ev[] = {
        {1.000, 1, 1000, 9.0f, 3, EMG_MYOKYMIC},     {1.015, 1, 1000, 9.0f, 3, EMG_MYOKYMIC},
        {1.045, 2, 300, 4.0f, 2, EMG_UNCLASSIFIED},  {2.000, 1, 1000, 9.0f, 3, EMG_MYOKYMIC},
        {2.015, 1, 1000, 9.0f, 3, EMG_MYOKYMIC},     {2.052, 3, 300, 4.0f, 2, EMG_FASCICULATION},
        {3.000, 1, 1000, 9.0f, 3, EMG_MYOKYMIC},     {3.015, 1, 1000, 9.0f, 3, EMG_MYOKYMIC},
        {3.0345, 4, 300, 4.0f, 2, EMG_UNCLASSIFIED}, {4.000, 1, 1000, 9.0f, 3, EMG_MYOKYMIC},
        {4.015, 1, 1000, 9.0f, 3, EMG_MYOKYMIC},     {4.052, 5, 900, 4.0f, 2, EMG_UNCLASSIFIED},
        {5.000, 6, 300, 4.0f, 2, EMG_FASCICULATION}, {6.000, 7, 140, 3.0f, 3, EMG_FIBRILLATION},
        {6.084, 7, 140, 3.0f, 3, EMG_FIBRILLATION},  {6.168, 8, 230, 3.4f, 3, EMG_UNCLASSIFIED},
        {6.252, 7, 140, 3.0f, 3, EMG_FIBRILLATION},  {7.000, 7, 140, 3.0f, 3, EMG_FIBRILLATION},
        {7.084, 7, 140, 3.0f, 3, EMG_FIBRILLATION},  {7.140, 9, 230, 3.4f, 3, EMG_FASCICULATION},
    };
    enum { N = sizeof ev / sizeof ev[0], N_UNITS = 9 };
    emg_train tr[N_UNITS];
    emg_event events[N];
    memset(tr, 0, sizeof tr);
    tr[0].type = EMG_MYOKYMIC;
    tr[0].shape.amplitude_uv = 1000.0;
    tr[0].burst_within_ms = 15.0;
    tr[5].type = EMG_FASCICULATION;
    tr[6].type = EMG_FIBRILLATION;
    tr[6].shape.amplitude_uv = 140.0;
    tr[6].burst_within_ms = 84.0;
    for (size_t k = 0; k < N; k++)
        tr[ev[k].unit - 1].n++;
    tr[5].n = 3; /* the fasciculating unit fired twice more elsewhere */
    check_fired_alone(ev, N, tr, N_UNITS, 1, 6, events);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mup_sized_table),
        cmocka_unit_test(test_chance_rhythm_is_not_regular),
        cmocka_unit_test(test_bursts_with_a_hidden_one),
        cmocka_unit_test(test_bursts_with_short_pauses),
        cmocka_unit_test(test_very_short_intervals_are_not_myokymic),
        cmocka_unit_test(test_isolated_from_bursts),
        cmocka_unit_test(test_fasciculation_beside_bursts),
        cmocka_unit_test(test_fired_alone),
        cmocka_unit_test(test_alone_beside_spontaneous),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
