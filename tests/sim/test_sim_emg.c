/*
 * test_sim_emg.c - the needle EMG renderer (src/sim/emg_*.c): determinism,
 * each generator's events against clinical.md 1.1 / 2.2-2.4, the signal
 * actually holding the events, voluntary MUP truth, and plan errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

/* ---- helpers ------------------------------------------------------------- */

static void base_plan(sim_muscle_plan *p, double duration_s)
{
    memset(p, 0, sizeof *p);
    p->muscle = "tibialis anterior";
    p->label = "EMG R TibAnt";
    p->side = 'R';
    p->region = "lumbosacral";
    p->fs_hz = 10000;
    p->duration_s = duration_s;
    p->age_years = 50;
    p->temperature_c = 33;
}

static void add_epoch(sim_muscle_plan *p, sim_epoch_kind k, double start_s, double dur_s)
{
    p->epochs[p->n_epochs++] = (sim_epoch){k, start_s, dur_s};
}

typedef struct rendered {
    double *x;
    size_t n;
    sim_events ev;
    sim_mup_truth mt;
} rendered;

static void render(const sim_muscle_plan *p, uint64_t seed, rendered *r)
{
    memset(r, 0, sizeof *r);
    r->n = (size_t)(p->fs_hz * p->duration_s + 0.5);
    r->x = malloc(r->n * sizeof *r->x);
    assert_non_null(r->x);
    edx_diags d;
    edx_diags_init(&d);
    int rc = sim_emg_render(p, seed, r->x, r->n, &r->ev, &r->mt, &d);
    assert_int_equal(EDX_OK, rc);
    assert_int_equal(0, d.n_errors);
    edx_diags_free(&d);
}

static void rendered_free(rendered *r)
{
    free(r->x);
    sim_events_free(&r->ev);
}

/* Events of one type (and unit, unless unit < 0), in time order. */
static size_t pick(const rendered *r, sim_event_type t, int unit, const sim_event **out,
                   size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < r->ev.n; i++)
        if (r->ev.v[i].type == t && (unit < 0 || r->ev.v[i].unit == unit) && k < max)
            out[k++] = &r->ev.v[i];
    return k;
}

static size_t count_type(const rendered *r, sim_event_type t)
{
    size_t k = 0;
    for (size_t i = 0; i < r->ev.n; i++)
        k += r->ev.v[i].type == t;
    return k;
}

/* Distinct unit ids of a type, up to max. */
static size_t units_of(const rendered *r, sim_event_type t, int *ids, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < r->ev.n; i++) {
        if (r->ev.v[i].type != t)
            continue;
        size_t j = 0;
        while (j < k && ids[j] != r->ev.v[i].unit)
            j++;
        if (j == k && k < max)
            ids[k++] = r->ev.v[i].unit;
    }
    return k;
}

/* CV of the intervals between consecutive events closer than max_gap_s. */
static double idi_cv(const sim_event **e, size_t n, double max_gap_s, double *mean_out)
{
    double s = 0, s2 = 0;
    size_t k = 0;
    for (size_t i = 1; i < n; i++) {
        double d = e[i]->time_s - e[i - 1]->time_s;
        if (d > max_gap_s)
            continue;
        s += d;
        s2 += d * d;
        k++;
    }
    if (k < 2)
        return NAN;
    double m = s / k;
    if (mean_out)
        *mean_out = m;
    return sqrt(fmax(s2 / k - m * m, 0)) / m;
}

/* Share of events whose stored sample at time_s holds at least 35 % of the
 * event's peak-to-peak (the peak itself is >= 50 %; overlaps may cut it). */
static double shown_fraction(const rendered *r, double fs_hz, sim_event_type only)
{
    size_t ok = 0, checked = 0;
    for (size_t i = 0; i < r->ev.n; i++) {
        const sim_event *e = &r->ev.v[i];
        size_t k = (size_t)floor(e->time_s * fs_hz + 0.5);
        assert_true(k < r->n);
        if (only != SIM_EV_COUNT && e->type != only)
            continue;
        checked++;
        ok += fabs(r->x[k]) >= 0.35 * e->amplitude_uv;
    }
    assert_true(checked > 0);
    return (double)ok / (double)checked;
}

enum { MAXE = 20000 };
static const sim_event *evbuf[MAXE];

/* ---- determinism --------------------------------------------------------- */

static void busy_plan(sim_muscle_plan *p)
{
    base_plan(p, 30);
    p->n_needle_moves = 2;
    p->needle_move_s[0] = 10;
    p->needle_move_s[1] = 20;
    add_epoch(p, SIM_EPOCH_REST, 0, 20);
    add_epoch(p, SIM_EPOCH_MODERATE, 20, 6);
    add_epoch(p, SIM_EPOCH_MAXIMAL, 26, 3);
    p->fib_units = 3;
    p->psw_units = 1;
    p->fasc_units = 2;
    p->fasc_per_min = 20;
    p->fasc_complex_fraction = 0.5;
    p->fasc_unstable = true;
    p->crd_units = 1;
    p->myotonic_runs = 1;
    p->myokymic_units = 1;
    p->neuromyotonic_trains = 1;
    p->cramp_bursts = 1;
    p->end_plate = true;
    p->mup_kind = SIM_MUP_NEUROGENIC;
    p->mup_severity = 0.5;
    p->mup_unstable = true;
    p->noise.white_uv = 8;
    p->noise.pink_uv = 3;
    p->noise.mains_hz = 50;
    p->noise.mains_uv = 5;
}

static void test_determinism(void **state)
{
    (void)state;
    sim_muscle_plan p;
    busy_plan(&p);
    rendered a, b, c;
    render(&p, 1234, &a);
    render(&p, 1234, &b);
    render(&p, 1235, &c);
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.x, b.x, a.n * sizeof *a.x);
    assert_int_equal(a.ev.n, b.ev.n);
    assert_memory_equal(a.ev.v, b.ev.v, a.ev.n * sizeof *a.ev.v);
    assert_memory_equal(&a.mt, &b.mt, sizeof a.mt);
    assert_true(memcmp(a.x, c.x, a.n * sizeof *a.x) != 0);
    /* every generator kind asked for produced events, all inside the file, sorted */
    for (int t = 0; t < SIM_EV_COUNT; t++)
        assert_true(count_type(&a, (sim_event_type)t) > 0);
    for (size_t i = 0; i < a.ev.n; i++) {
        assert_true(a.ev.v[i].time_s >= 0 && a.ev.v[i].time_s < p.duration_s);
        if (i)
            assert_true(a.ev.v[i].time_s >= a.ev.v[i - 1].time_s);
    }
    rendered_free(&a);
    rendered_free(&b);
    rendered_free(&c);
}

/* A generator added later does not change what the others drew. */
static void test_streams_independent(void **state)
{
    (void)state;
    sim_muscle_plan p;
    base_plan(&p, 20);
    p.fib_units = 2;
    rendered a, b;
    render(&p, 99, &a);
    p.myotonic_runs = 1;
    render(&p, 99, &b);
    size_t na = pick(&a, SIM_EV_FIBRILLATION, -1, evbuf, MAXE);
    const sim_event **fb = malloc(MAXE * sizeof *fb);
    assert_non_null(fb);
    size_t nb = pick(&b, SIM_EV_FIBRILLATION, -1, fb, MAXE);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++)
        assert_memory_equal(evbuf[i], fb[i], sizeof **fb);
    free(fb);
    rendered_free(&a);
    rendered_free(&b);
}

/* ---- fibrillations, PSWs, end plate -------------------------------------- */

static void check_regular_train(const rendered *r, sim_event_type t, int unit, double dmin,
                                double dmax)
{
    size_t n = pick(r, t, unit, evbuf, MAXE);
    assert_true(n >= 10);
    double mean = 0;
    double cv = idi_cv(evbuf, n, 2.5, &mean);
    assert_true(cv < 0.2);
    assert_true(1.0 / mean >= 0.5 && 1.0 / mean <= 15.0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(1, evbuf[i]->first_polarity);
        assert_true(evbuf[i]->amplitude_uv >= 20 && evbuf[i]->amplitude_uv <= 300);
        assert_true(evbuf[i]->duration_ms >= dmin && evbuf[i]->duration_ms <= dmax);
    }
}

static void test_fibrillation_psw(void **state)
{
    (void)state;
    sim_muscle_plan p;
    base_plan(&p, 60);
    p.n_needle_moves = 3;
    p.needle_move_s[0] = 15;
    p.needle_move_s[1] = 30;
    p.needle_move_s[2] = 45;
    p.fib_units = 6;
    p.psw_units = 2;
    rendered r;
    render(&p, 7, &r);
    int ids[32];
    assert_int_equal(6, units_of(&r, SIM_EV_FIBRILLATION, ids, 32));
    bool site_has_fib[4] = {false};
    for (size_t k = 0; k < 6; k++) {
        check_regular_train(&r, SIM_EV_FIBRILLATION, ids[k], 1.0, 5.0);
        size_t n = pick(&r, SIM_EV_FIBRILLATION, ids[k], evbuf, MAXE);
        for (size_t i = 0; i < n; i++) {
            assert_true(evbuf[i]->phases == 2 || evbuf[i]->phases == 3);
            site_has_fib[(int)(evbuf[i]->time_s / 15.0)] = true;
            /* never inside the insertional 300 ms after a move */
            double since = fmod(evbuf[i]->time_s, 15.0);
            assert_true(evbuf[i]->time_s < 15.0 || since >= 0.3);
        }
    }
    /* six generators round-robin over four sites: every site has a train */
    for (int s = 0; s < 4; s++)
        assert_true(site_has_fib[s]);
    assert_int_equal(2, units_of(&r, SIM_EV_PSW, ids, 32));
    for (size_t k = 0; k < 2; k++)
        check_regular_train(&r, SIM_EV_PSW, ids[k], 5.0, 30.0);
    /* only what was asked for, plus the insertional bursts */
    assert_int_equal(r.ev.n, count_type(&r, SIM_EV_FIBRILLATION) + count_type(&r, SIM_EV_PSW) +
                                 count_type(&r, SIM_EV_INSERTIONAL));
    rendered_free(&r);
}

/* Every PSW begins positive ("no initial negativity") and lasts 5-30 ms
 * (clinical.md 1.1): a fibre ending just past the needle gives a negative
 * spike first, a slow phase sinking early a potential under 5 ms, each the
 * shape of a fibrillation, and is drawn again. 180 generators: with one
 * drawn geometry in forty of either kind, some would be. */
static void test_psw_shape(void **state)
{
    (void)state;
    size_t checked = 0;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        sim_muscle_plan p;
        base_plan(&p, 10);
        p.psw_units = 60;
        rendered r;
        render(&p, seed, &r);
        for (size_t i = 0; i < r.ev.n; i++) {
            const sim_event *e = &r.ev.v[i];
            if (e->type != SIM_EV_PSW)
                continue;
            assert_int_equal(1, e->first_polarity);
            /* the truth's duration departs at 5 % of the amplitude, at least
             * 2 uV: under 40 uV that floor may end the slow phase early,
             * however it is drawn */
            if (e->amplitude_uv >= 40.0)
                assert_true(e->duration_ms >= 5.0 && e->duration_ms <= 30.0);
            checked++;
        }
        rendered_free(&r);
    }
    assert_true(checked > 1000);
}

static void test_end_plate(void **state)
{
    (void)state;
    sim_muscle_plan p;
    base_plan(&p, 20);
    p.end_plate = true;
    p.fib_units = 2; /* hard case: end-plate spikes next to fibrillations */
    rendered r;
    render(&p, 3, &r);
    size_t n = pick(&r, SIM_EV_END_PLATE, -1, evbuf, MAXE);
    assert_true(n > 20);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(-1, evbuf[i]->first_polarity);
        assert_true(evbuf[i]->amplitude_uv >= 100 && evbuf[i]->amplitude_uv <= 200);
        assert_true(evbuf[i]->duration_ms >= 3 && evbuf[i]->duration_ms <= 5);
    }
    /* irregular with very short minimum intervals, unlike fibrillations */
    int ids[8];
    size_t nu = units_of(&r, SIM_EV_END_PLATE, ids, 8);
    double min_idi = 1e9, cv_max = 0;
    for (size_t k = 0; k < nu; k++) {
        size_t m = pick(&r, SIM_EV_END_PLATE, ids[k], evbuf, MAXE);
        for (size_t i = 1; i < m; i++)
            min_idi = fmin(min_idi, evbuf[i]->time_s - evbuf[i - 1]->time_s);
        cv_max = fmax(cv_max, idi_cv(evbuf, m, 1e9, NULL));
    }
    assert_true(min_idi < 0.02);
    assert_true(cv_max > 0.5);
    /* noise-free, the spikes show in the signal despite the end-plate noise */
    rendered q;
    memset(&p.noise, 0, sizeof p.noise);
    render(&p, 3, &q);
    assert_true(shown_fraction(&q, p.fs_hz, SIM_EV_END_PLATE) >= 0.8);
    rendered_free(&q);
    rendered_free(&r);
}

/* ---- motor unit generators ----------------------------------------------- */

static void test_fasciculations(void **state)
{
    (void)state;
    sim_muscle_plan p;
    base_plan(&p, 120);
    p.fasc_units = 4;
    p.fasc_per_min = 30;
    p.fasc_complex_fraction = 0.5;
    p.fasc_unstable = true;
    p.mup_kind = SIM_MUP_NEUROGENIC;
    p.mup_severity = 0.6;
    rendered r;
    render(&p, 11, &r);
    size_t n = count_type(&r, SIM_EV_FASCICULATION);
    assert_true(n >= 35 && n <= 90); /* 60 expected, Poisson */
    for (int k = 0; k < 4; k++) {
        size_t m = pick(&r, SIM_EV_FASCICULATION, 30000 + k, evbuf, MAXE);
        assert_true(m >= 3);
        size_t poly = 0;
        for (size_t i = 0; i < m; i++) {
            assert_true(evbuf[i]->amplitude_uv >= 100 && evbuf[i]->amplitude_uv <= 3600);
            if (i) /* isolated: > 250 ms from the unit's previous discharge */
                assert_true(evbuf[i]->time_s - evbuf[i - 1]->time_s > 0.25);
            poly += evbuf[i]->phases >= 5;
        }
        if (k < 2) /* complex units: >= 5 phases (blocking may drop one now and then) */
            assert_true(poly * 4 >= m * 3);
    }
    rendered_free(&r);

    /* benign: simple, stable */
    p.fasc_complex_fraction = 0;
    p.fasc_unstable = false;
    p.mup_kind = SIM_MUP_NORMAL;
    p.mup_severity = 0;
    render(&p, 11, &r);
    n = pick(&r, SIM_EV_FASCICULATION, -1, evbuf, MAXE);
    assert_true(n >= 35);
    for (size_t i = 0; i < n; i++)
        assert_true(evbuf[i]->phases <= 4);
    rendered_free(&r);
}

static void test_neuromyotonic(void **state)
{
    (void)state;
    sim_muscle_plan p;
    base_plan(&p, 30);
    p.neuromyotonic_trains = 2;
    rendered r;
    render(&p, 5, &r);
    for (int k = 0; k < 2; k++) {
        size_t n = pick(&r, SIM_EV_NEUROMYOTONIC, 70000 + k, evbuf, MAXE);
        assert_true(n >= 60); /* 0.5-2 s at 150-300 Hz */
        double span = evbuf[n - 1]->time_s - evbuf[0]->time_s;
        assert_true(span >= 0.4 && span <= 2.0);
        double mean;
        idi_cv(evbuf, n, 0.05, &mean);
        assert_true(1.0 / mean > 150 && 1.0 / mean <= 310);
        double first = 0, last = 0;
        for (size_t i = 0; i < n / 4; i++) {
            first += evbuf[i]->amplitude_uv;
            last += evbuf[n - 1 - i]->amplitude_uv;
        }
        assert_true(last < 0.8 * first); /* waning */
    }
    rendered_free(&r);
}

static double correlation(const double *a, const double *b, size_t n)
{
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++) {
        ma += a[i] / n;
        mb += b[i] / n;
    }
    for (size_t i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return sab / sqrt(saa * sbb);
}

static void test_myotonic(void **state)
{
    (void)state;
    sim_muscle_plan p;
    base_plan(&p, 40);
    p.n_needle_moves = 2;
    p.needle_move_s[0] = 12;
    p.needle_move_s[1] = 26;
    p.myotonic_runs = 3;
    p.mup_kind = SIM_MUP_MYOPATHIC;
    rendered r;
    render(&p, 21, &r);
    int ids[8];
    size_t nu = units_of(&r, SIM_EV_MYOTONIC, ids, 8);
    assert_int_equal(3, nu);
    for (size_t k = 0; k < nu; k++) {
        size_t n = pick(&r, SIM_EV_MYOTONIC, ids[k], evbuf, MAXE);
        assert_true(n >= 10);
        double *rate = malloc(n * sizeof *rate), *amp = malloc(n * sizeof *amp);
        assert_true(rate && amp);
        for (size_t i = 1; i < n; i++) {
            rate[i - 1] = 1.0 / (evbuf[i]->time_s - evbuf[i - 1]->time_s);
            amp[i - 1] = evbuf[i]->amplitude_uv;
            assert_true(rate[i - 1] >= 15 && rate[i - 1] <= 150);
            assert_true(amp[i - 1] >= 10 && amp[i - 1] <= 1000);
        }
        assert_true(correlation(rate, amp, n - 1) > 0.5); /* wax and wane together */
        free(rate);
        free(amp);
    }
    rendered_free(&r);
}

static void test_crd(void **state)
{
    (void)state;
    sim_muscle_plan p;
    base_plan(&p, 30);
    p.crd_units = 2;
    rendered r;
    render(&p, 8, &r);
    for (int k = 0; k < 2; k++) {
        size_t n = pick(&r, SIM_EV_CRD, 40000 + k, evbuf, MAXE);
        assert_true(n >= 10);
        double mean;
        /* before any configuration change the rate is rigid */
        double cv = idi_cv(evbuf, n / 4, 1.0, &mean);
        assert_true(cv < 0.01);
        assert_true(1.0 / mean >= 5 && 1.0 / mean <= 100);
        for (size_t i = 0; i < n; i++) {
            assert_true(evbuf[i]->amplitude_uv >= 100 && evbuf[i]->amplitude_uv <= 1000);
            assert_true(evbuf[i]->phases >= 3);
        }
    }
    rendered_free(&r);
}

static void test_myokymic_cramp(void **state)
{
    (void)state;
    sim_muscle_plan p;
    base_plan(&p, 30);
    p.myokymic_units = 1;
    p.cramp_bursts = 1;
    rendered r;
    render(&p, 4, &r);
    size_t n = pick(&r, SIM_EV_MYOKYMIC, 60000, evbuf, MAXE);
    assert_true(n >= 20);
    /* grouped: short intra-burst intervals (20-70 Hz) and long gaps between bursts */
    size_t intra = 0, gaps = 0, in_burst = 1, max_burst = 0;
    for (size_t i = 1; i < n; i++) {
        double d = evbuf[i]->time_s - evbuf[i - 1]->time_s;
        if (d < 0.06) {
            assert_true(d > 1.0 / 80.0);
            intra++;
            in_burst++;
        } else {
            gaps++;
            max_burst = in_burst > max_burst ? in_burst : max_burst;
            in_burst = 1;
        }
    }
    assert_true(intra > 0 && gaps > 0 && max_burst <= 10);
    int ids[64];
    size_t nu = units_of(&r, SIM_EV_CRAMP, ids, 64);
    assert_true(nu >= 6 && nu <= 12);
    for (size_t k = 0; k < nu; k++) {
        size_t m = pick(&r, SIM_EV_CRAMP, ids[k], evbuf, MAXE);
        double mean;
        idi_cv(evbuf, m, 0.1, &mean);
        assert_true(1.0 / mean >= 38 && 1.0 / mean <= 62);
    }
    rendered_free(&r);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One axon fires one burst at a time: over many units, every interval of a
 * myokymic unit is either an intraburst one (near the unit's shortest) or a
 * silence of at least two of them; never a discharge of one burst falling
 * among those of the next (1.5 % of units draw bursts longer than their
 * period; 300 seeds hold several). */
static void test_myokymic_bursts_apart(void **state)
{
    (void)state;
    size_t units_seen = 0;
    for (uint64_t seed = 1; seed <= 300; seed++) {
        sim_muscle_plan p;
        base_plan(&p, 4);
        p.myokymic_units = 1;
        rendered r;
        render(&p, seed, &r);
        size_t n = pick(&r, SIM_EV_MYOKYMIC, 60000, evbuf, MAXE);
        if (n < 8) {
            rendered_free(&r);
            continue;
        }
        units_seen++;
        double *d = malloc(2 * n * sizeof *d), *sorted = d + n;
        assert_non_null(d);
        for (size_t i = 1; i < n; i++)
            d[i - 1] = sorted[i - 1] = evbuf[i]->time_s - evbuf[i - 1]->time_s;
        qsort(sorted, n - 1, sizeof *sorted, cmp_dbl);
        double q = sorted[(n - 1) / 4]; /* an intraburst interval: bursts hold >= 2 */
        for (size_t i = 0; i + 1 < n; i++) {
            assert_true(d[i] >= 0.7 * q);
            assert_true(d[i] <= 1.3 * q || d[i] >= 1.6 * q);
        }
        free(d);
        rendered_free(&r);
    }
    assert_true(units_seen >= 250);
}

static void test_insertional(void **state)
{
    (void)state;
    sim_muscle_plan p;
    base_plan(&p, 20);
    p.n_needle_moves = 3;
    p.needle_move_s[0] = 5;
    p.needle_move_s[1] = 10;
    p.needle_move_s[2] = 15;
    rendered r;
    render(&p, 2, &r);
    size_t n = pick(&r, SIM_EV_INSERTIONAL, -1, evbuf, MAXE);
    int per_move[3] = {0};
    for (size_t i = 0; i < n; i++) {
        double t = evbuf[i]->time_s;
        int m = (int)(t / 5.0) - 1;
        assert_true(m >= 0 && m < 3);
        assert_true(t - 5.0 * (m + 1) < 0.3);
        per_move[m]++;
    }
    for (int m = 0; m < 3; m++)
        assert_true(per_move[m] >= 1);
    assert_int_equal(n, r.ev.n);
    rendered_free(&r);
}

/* ---- the signal holds the events ----------------------------------------- */

static void test_signal_shows_events(void **state)
{
    (void)state;
    sim_muscle_plan p;
    busy_plan(&p);
    memset(&p.noise, 0, sizeof p.noise);
    p.n_epochs = 0; /* all at rest */
    p.end_plate = false;
    p.cramp_bursts = 0;
    p.neuromyotonic_trains = 0;
    rendered r;
    render(&p, 77, &r);
    assert_true(r.ev.n > 200);
    assert_true(shown_fraction(&r, p.fs_hz, SIM_EV_COUNT) >= 0.97);
    rendered_free(&r);
    /* interference and fused trains overlap by nature; most still show */
    busy_plan(&p);
    memset(&p.noise, 0, sizeof p.noise);
    render(&p, 77, &r);
    assert_true(shown_fraction(&r, p.fs_hz, SIM_EV_COUNT) >= 0.6);
    assert_true(shown_fraction(&r, p.fs_hz, SIM_EV_FIBRILLATION) >= 0.9);
    /* a silent plan gives a silent signal */
    base_plan(&p, 5);
    rendered q;
    render(&p, 1, &q);
    for (size_t i = 0; i < q.n; i++)
        assert_true(q.x[i] == 0.0);
    assert_int_equal(0, q.ev.n);
    rendered_free(&q);
    rendered_free(&r);
}

/* ---- voluntary activity and MUP truth ------------------------------------ */

static void vol_plan(sim_muscle_plan *p, sim_mup_kind kind, double sev, double loss)
{
    base_plan(p, 60);
    p->n_needle_moves = 2;
    p->needle_move_s[0] = 20;
    p->needle_move_s[1] = 40;
    for (int s = 0; s < 3; s++) {
        add_epoch(p, SIM_EPOCH_REST, 20.0 * s, 6);
        add_epoch(p, SIM_EPOCH_MINIMAL, 20.0 * s + 6, 5);
        add_epoch(p, SIM_EPOCH_MODERATE, 20.0 * s + 11, 5);
        add_epoch(p, SIM_EPOCH_MAXIMAL, 20.0 * s + 16, 3);
    }
    p->mup_kind = kind;
    p->mup_severity = sev;
    p->mu_loss = loss;
}

static void test_voluntary_truth(void **state)
{
    (void)state;
    sim_muscle_plan p;
    rendered nor, neu, myo;
    vol_plan(&p, SIM_MUP_NORMAL, 0, 0);
    render(&p, 5, &nor);
    vol_plan(&p, SIM_MUP_NEUROGENIC, 0.8, 0.6);
    render(&p, 5, &neu);
    vol_plan(&p, SIM_MUP_MYOPATHIC, 0.8, 0);
    render(&p, 5, &myo);

    assert_string_equal("normal", nor.mt.pattern);
    assert_string_equal("normal", nor.mt.recruitment);
    assert_string_equal("neurogenic", neu.mt.pattern);
    assert_string_equal("reduced", neu.mt.recruitment);
    assert_string_equal("myopathic", myo.mt.pattern);
    assert_string_equal("early", myo.mt.recruitment);

    assert_true(neu.mt.amplitude_uv_mean > nor.mt.amplitude_uv_mean);
    assert_true(nor.mt.amplitude_uv_mean > myo.mt.amplitude_uv_mean);
    assert_true(neu.mt.duration_ms_mean > nor.mt.duration_ms_mean);
    assert_true(nor.mt.duration_ms_mean > myo.mt.duration_ms_mean);
    assert_true(myo.mt.polyphasic_pct > nor.mt.polyphasic_pct);
    assert_true(neu.mt.polyphasic_pct > nor.mt.polyphasic_pct);
    /* normal MUPs in the adult ranges of clinical.md 2.2 */
    assert_true(nor.mt.amplitude_uv_mean >= 300 && nor.mt.amplitude_uv_mean <= 3000);
    assert_true(nor.mt.duration_ms_mean >= 5 && nor.mt.duration_ms_mean <= 15);
    /* reduced recruitment: few units firing fast; early: many units */
    assert_true(neu.mt.count < nor.mt.count);
    assert_true(neu.mt.max_firing_hz > 15);
    assert_true(myo.mt.count > nor.mt.count);
    assert_true(nor.mt.max_firing_hz >= 8 && nor.mt.max_firing_hz <= 35);

    /* voluntary MUPs only inside contraction epochs */
    for (size_t i = 0; i < nor.ev.n; i++)
        if (nor.ev.v[i].type == SIM_EV_MUP)
            assert_true(fmod(nor.ev.v[i].time_s, 20.0) >= 6.0);
    rendered_free(&nor);
    rendered_free(&neu);
    rendered_free(&myo);
}

/* Minimal effort: 1-3 units, the first near its onset rate. */
static void test_minimal_recruitment(void **state)
{
    (void)state;
    sim_muscle_plan p;
    base_plan(&p, 10);
    add_epoch(&p, SIM_EPOCH_MINIMAL, 1, 8);
    rendered r;
    render(&p, 9, &r);
    int ids[64];
    size_t nu = units_of(&r, SIM_EV_MUP, ids, 64);
    assert_true(nu >= 1 && nu <= 3);
    assert_int_equal((int)nu, r.mt.count);
    for (size_t k = 0; k < nu; k++) {
        size_t n = pick(&r, SIM_EV_MUP, ids[k], evbuf, MAXE);
        double rate = (double)(n - 1) / (evbuf[n - 1]->time_s - evbuf[0]->time_s);
        assert_true(rate >= 4 && rate <= 16);
    }
    rendered_free(&r);
}

/* ---- errors -------------------------------------------------------------- */

static void test_invalid_plan(void **state)
{
    (void)state;
    sim_muscle_plan p;
    base_plan(&p, 2);
    double x[10];
    sim_events ev = {0};
    sim_mup_truth mt;
    edx_diags d;
    edx_diags_init(&d);
    assert_int_equal(EDX_ERR_INVALID, sim_emg_render(&p, 1, x, 10, &ev, &mt, &d));
    assert_int_equal(1, edx_diags_count_code(&d, "SIM-EMG-PLAN"));
    size_t n = 20000;
    double *y = malloc(n * sizeof *y);
    assert_non_null(y);
    p.needle_move_s[0] = 3; /* beyond the file */
    p.n_needle_moves = 1;
    assert_int_equal(EDX_ERR_INVALID, sim_emg_render(&p, 1, y, n, &ev, &mt, &d));
    p.n_needle_moves = 0;
    p.fib_units = -1;
    assert_int_equal(EDX_ERR_INVALID, sim_emg_render(&p, 1, y, n, &ev, &mt, &d));
    p.fib_units = 0;
    assert_int_equal(EDX_ERR_INVALID, sim_emg_render(NULL, 1, y, n, &ev, &mt, &d));
    assert_int_equal(EDX_OK, sim_emg_render(&p, 1, y, n, &ev, &mt, &d));
    assert_int_equal(0, ev.n);
    free(y);
    sim_events_free(&ev);
    edx_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_streams_independent),
        cmocka_unit_test(test_fibrillation_psw),
        cmocka_unit_test(test_psw_shape),
        cmocka_unit_test(test_end_plate),
        cmocka_unit_test(test_fasciculations),
        cmocka_unit_test(test_neuromyotonic),
        cmocka_unit_test(test_myotonic),
        cmocka_unit_test(test_crd),
        cmocka_unit_test(test_myokymic_cramp),
        cmocka_unit_test(test_myokymic_bursts_apart),
        cmocka_unit_test(test_insertional),
        cmocka_unit_test(test_signal_shows_events),
        cmocka_unit_test(test_voluntary_truth),
        cmocka_unit_test(test_minimal_recruitment),
        cmocka_unit_test(test_invalid_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
