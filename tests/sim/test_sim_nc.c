/*
 * test_sim_nc.c - the nerve conduction renderer: determinism, truth
 * identities, normal plans inside the normal limits of clinical.md §4, and
 * the pathology knobs doing what the clinic sees (demyelination slows and
 * disperses, block drops the proximal CMAP without dispersion, cooling slows,
 * axon loss lowers amplitude but not velocity, F-waves at the right
 * latency and persistence). Standard distances are those the study planner
 * uses (8 cm motor, 14 cm digits, ...).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

/* ---- plans --------------------------------------------------------------------------- */

static sim_nerve_plan plan(const char *nerve, sim_nc_test test, const char *rec, double d0,
                           double d1, double d2)
{
    sim_nerve_plan p;
    memset(&p, 0, sizeof p);
    p.nerve = nerve;
    p.side = 'R';
    p.test = test;
    p.recording_site = rec;
    const double d[3] = {d0, d1, d2};
    static const char *const names[3] = {"distal", "middle", "proximal"};
    for (size_t k = 0; k < 3 && d[k] > 0; k++) {
        p.sites[k].name = names[k];
        p.sites[k].position = names[k];
        p.sites[k].distance_cm = d[k];
        p.n_sites = k + 1;
    }
    p.age_years = 45;
    p.height_cm = 170;
    p.temperature_c = 33;
    p.f_persistence = -1;
    p.prestim_ms = -1;
    p.noise.white_uv = 2.0;
    p.noise.mains_hz = 50;
    p.noise.mains_uv = 1.0;
    return p;
}

static sim_nerve_plan median_motor(void)
{
    return plan("median", SIM_NC_MOTOR, "APB", 8, 28, 38);
}

/* Renders or fails the test, printing the diagnostics. */
static void render(const sim_nerve_plan *p, uint64_t seed, sim_nc_output *o)
{
    edx_diags d;
    edx_diags_init(&d);
    int rc = sim_nc_render(p, seed, 100.0, o, &d);
    if (rc != EDX_OK)
        for (size_t i = 0; i < d.count; i++)
            fprintf(stderr, "%s: %s\n", d.items[i].code, d.items[i].message);
    assert_int_equal(rc, EDX_OK);
    assert_int_equal(d.n_errors, 0);
    edx_diags_free(&d);
}

/* ---- determinism ---------------------------------------------------------------------- */

static bool same_output(const sim_nc_output *a, const sim_nc_output *b)
{
    if (a->n_sweeps != b->n_sweeps || a->samples_per_sweep != b->samples_per_sweep)
        return false;
    for (size_t i = 0; i < a->n_sweeps; i++)
        if (a->sweeps[i].onset_s != b->sweeps[i].onset_s ||
            memcmp(a->sweeps[i].uv, b->sweeps[i].uv, a->samples_per_sweep * sizeof(double)) != 0)
            return false;
    return true;
}

static void test_determinism(void **state)
{
    (void)state;
    sim_nerve_plan p = median_motor();
    sim_nc_output a, b, c;
    render(&p, 7, &a);
    render(&p, 7, &b);
    render(&p, 8, &c);
    assert_true(same_output(&a, &b));
    assert_true(a.site[0].onset_latency_ms == b.site[0].onset_latency_ms);
    assert_false(same_output(&a, &c));
    sim_nc_output_free(&a);
    sim_nc_output_free(&b);
    sim_nc_output_free(&c);
}

/* ---- truth identities --------------------------------------------------------------------- */

static void test_truth_identities(void **state)
{
    (void)state;
    sim_nerve_plan ps[] = {median_motor(), plan("ulnar", SIM_NC_MOTOR, "ADM", 8, 26, 36),
                           plan("peroneal", SIM_NC_MOTOR, "EDB", 8, 36, 46)};
    for (size_t n = 0; n < sizeof ps / sizeof ps[0]; n++) {
        sim_nc_output o;
        render(&ps[n], 11 + n, &o);
        for (size_t k = 1; k < ps[n].n_sites; k++) {
            double dd = ps[n].sites[k].distance_cm - ps[n].sites[k - 1].distance_cm;
            double dt = o.site[k].onset_latency_ms - o.site[k - 1].onset_latency_ms;
            assert_true(o.segment[k].velocity_m_s == dd * 10.0 / dt);
            assert_true(o.segment[k].fastest_fibre_m_s >= o.segment[k].velocity_m_s * 0.9);
            double drop = (o.site[k - 1].amplitude_uv - o.site[k].amplitude_uv) /
                          o.site[k - 1].amplitude_uv * 100.0;
            assert_true(fabs(o.segment[k].amplitude_drop_pct - drop) < 1e-9);
        }
        for (size_t k = 0; k < ps[n].n_sites; k++) {
            const sim_site_truth *s = &o.site[k];
            assert_true(s->first_arrival_ms < s->onset_latency_ms);
            assert_true(s->onset_latency_ms < s->peak_latency_ms);
            assert_true(s->peak_to_peak_uv > s->amplitude_uv);
            assert_true(s->area_uv_ms > 0 && s->duration_ms > 0);
        }
        assert_true(isnan(o.segment[0].velocity_m_s));
        sim_nc_output_free(&o);
    }
    sim_nerve_plan s = plan("median", SIM_NC_SENSORY, "D2", 14, 0, 0);
    sim_nc_output o;
    render(&s, 3, &o);
    assert_true(o.sensory_velocity_m_s == 14.0 * 10.0 / o.site[0].onset_latency_ms);
    sim_nc_output_free(&o);
}

/* ---- normal limits (clinical.md §4, default 45 y, 170 cm, 33 °C) -------------------------- */

typedef struct motor_limits {
    const char *nerve, *rec;
    double d[3];
    double dml_max_ms, amp_min_uv, cv_min_m_s, dur_max_ms;
    double cv2_min_m_s; /* second segment, NAN: none */
} motor_limits;

static const motor_limits motor_cases[] = {
    /* S01: DML 4.4 (P&S) / 4.5, CMAP 4.1 mV, CV 49, duration p97 8.0 */
    {"median", "APB", {8, 28, 38}, 4.4, 4100, 49, 8.0, 49},
    /* S02: DML 3.7, 7.9 mV, wrist-BE 52, across elbow 43, duration p97 7.7 */
    {"ulnar", "ADM", {8, 26, 36}, 3.7, 7900, 52, 7.7, 43},
    /* S03: DML 6.5, 1.3 mV, CV 38, across fibular head 42, p97 7.7 */
    {"peroneal", "EDB", {8, 36, 46}, 6.5, 1300, 38, 7.7, 42},
    /* S04: DML 6.1, 4.4 mV, CV 39, p97 8.7 */
    {"tibial", "AH", {8, 46, 0}, 6.1, 4400, 39, 8.7, NAN},
};

static void test_motor_normal_limits(void **state)
{
    (void)state;
    for (size_t n = 0; n < sizeof motor_cases / sizeof motor_cases[0]; n++) {
        const motor_limits *L = &motor_cases[n];
        for (uint64_t seed = 1; seed <= 6; seed++) {
            sim_nerve_plan p = plan(L->nerve, SIM_NC_MOTOR, L->rec, L->d[0], L->d[1], L->d[2]);
            sim_nc_output o;
            render(&p, seed * 101, &o);
            assert_true(o.site[0].onset_latency_ms <= L->dml_max_ms);
            assert_true(o.site[0].onset_latency_ms >= 2.0);
            assert_true(o.site[0].amplitude_uv >= L->amp_min_uv);
            assert_true(o.site[0].duration_ms <= L->dur_max_ms);
            assert_true(o.segment[1].velocity_m_s >= L->cv_min_m_s);
            assert_true(o.segment[1].velocity_m_s <= 75.0);
            if (!isnan(L->cv2_min_m_s))
                assert_true(o.segment[2].velocity_m_s >= L->cv2_min_m_s);
            /* normal proximal drops stay under the p97 of S01-S03 (24-35 %) */
            assert_true(o.segment[1].amplitude_drop_pct < 24.0);
            sim_nc_output_free(&o);
        }
    }
}

typedef struct sensory_limits {
    const char *nerve, *rec;
    double d_cm, onset_max_ms, peak_max_ms, amp_min_uv;
} sensory_limits;

static const sensory_limits sensory_cases[] = {
    {"median", "D2", 14, 3.3, 4.0, 11},            /* S05 */
    {"median", "D3", 14, 3.2, 4.0, 14},            /* S05 */
    {"ulnar", "D5", 14, 3.1, 4.0, 10},             /* S06 */
    {"radial", "snuffbox", 10, 2.8, 2.8, 15},      /* S85 P&S copy */
    {"sural", "lateral malleolus", 14, 3.6, 4.5, 4}, /* S07 */
    {"superficial peroneal", "ankle", 12, 4.4, 4.4, 6}, /* S84, P&S */
};

static void test_sensory_normal_limits(void **state)
{
    (void)state;
    for (size_t n = 0; n < sizeof sensory_cases / sizeof sensory_cases[0]; n++) {
        const sensory_limits *L = &sensory_cases[n];
        for (uint64_t seed = 1; seed <= 6; seed++) {
            sim_nerve_plan p = plan(L->nerve, SIM_NC_SENSORY, L->rec, L->d_cm, 0, 0);
            sim_nc_output o;
            render(&p, seed * 31, &o);
            assert_true(o.site[0].onset_latency_ms <= L->onset_max_ms);
            assert_true(o.site[0].onset_latency_ms >= 1.2);
            assert_true(o.site[0].peak_latency_ms <= L->peak_max_ms);
            assert_true(o.site[0].amplitude_uv >= L->amp_min_uv);
            assert_true(o.site[0].amplitude_uv <= 120.0);
            assert_true(o.sensory_velocity_m_s >= 40.0);
            sim_nc_output_free(&o);
        }
    }
}

typedef struct f_limits {
    const char *nerve, *rec;
    double min_ms, max_ms, persistence_min_pct;
} f_limits;

/* Upper limits at 170-179 cm, 19-49 y (S09); lower bounds ~ mean - 3 SD of
 * S65/S108; persistence ulnar 83 +- 19 %, tibial 97 +- 5 % (S65). */
static const f_limits f_cases[] = {
    {"median", "APB", 20.0, 30.9, 40},
    {"ulnar", "ADM", 20.0, 30.2, 40},
    {"peroneal", "EDB", 38.0, 59.7, 10},
    {"tibial", "AH", 35.0, 60.0, 75},
};

static void test_fwave_normal(void **state)
{
    (void)state;
    for (size_t n = 0; n < sizeof f_cases / sizeof f_cases[0]; n++) {
        const f_limits *L = &f_cases[n];
        for (uint64_t seed = 1; seed <= 4; seed++) {
            sim_nerve_plan p = plan(L->nerve, SIM_NC_FWAVE, L->rec, 8, 0, 0);
            sim_nc_output o;
            render(&p, seed * 17, &o);
            const sim_fwave_truth *f = &o.fwave;
            assert_int_equal(o.n_sweeps, 20);
            assert_true(f->min_latency_ms >= L->min_ms && f->min_latency_ms <= L->max_ms);
            assert_true(f->persistence_pct >= L->persistence_min_pct);
            /* summary consistent with the per-sweep latencies */
            size_t count = 0;
            double lo = INFINITY, hi = -INFINITY;
            for (size_t s = 0; s < o.n_sweeps; s++) {
                if (isnan(f->latency_ms[s]))
                    continue;
                count++;
                lo = fmin(lo, f->latency_ms[s]);
                hi = fmax(hi, f->latency_ms[s]);
            }
            assert_true(fabs(f->persistence_pct - 100.0 * (double)count / 20.0) < 1e-9);
            assert_true(f->min_latency_ms == lo && f->max_latency_ms == hi);
            assert_true(fabs(f->chronodispersion_ms - (hi - lo)) < 1e-12);
            /* the window reaches past the latest F (arm >= 50 ms, leg >= 80 ms) */
            double post_ms = (double)o.samples_per_sweep / o.fs_hz * 1000.0 - o.prestim_ms;
            assert_true(post_ms >= (n < 2 ? 50.0 : 80.0));
            assert_true(post_ms > f->max_latency_ms + 5.0);
            sim_nc_output_free(&o);
        }
    }
}

/* ---- pathology ------------------------------------------------------------------------------ */

static void test_demyelination(void **state)
{
    (void)state;
    sim_nerve_plan p = median_motor();
    sim_nc_output n, o;
    render(&p, 5, &n);
    p.demyelination = 0.8;
    render(&p, 5, &o);
    /* EAN/PNS: CV >= 30 % below LLN (49 m/s) is demyelinating (S14) */
    assert_true(o.segment[1].velocity_m_s < 0.7 * 49.0);
    assert_true(o.site[0].onset_latency_ms > n.site[0].onset_latency_ms + 1.0);
    /* dispersion emerges: longer responses, more so proximally */
    assert_true(o.site[0].duration_ms > n.site[0].duration_ms * 1.2);
    assert_true(o.site[2].duration_ms > o.site[0].duration_ms);
    assert_true(o.segment[1].duration_increase_pct > n.segment[1].duration_increase_pct + 10.0);
    sim_nc_output_free(&n);
    sim_nc_output_free(&o);
}

static void test_conduction_block(void **state)
{
    (void)state;
    sim_nerve_plan p = median_motor();
    sim_nc_output n, o;
    render(&p, 9, &n);
    p.seg_block[1] = 0.6; /* forearm: elbow and axilla responses lose 60 % of units */
    render(&p, 9, &o);
    assert_true(fabs(o.site[0].amplitude_uv - n.site[0].amplitude_uv) < 1e-6);
    assert_true(o.segment[1].amplitude_drop_pct >= 30.0);
    assert_true(o.segment[1].area_drop_pct >= 30.0);
    assert_true(fabs(o.segment[1].duration_increase_pct) < 30.0);
    /* the axilla response is no smaller than the elbow one by much more */
    assert_true(o.segment[2].amplitude_drop_pct < 24.0);
    sim_nc_output_free(&n);
    sim_nc_output_free(&o);
}

static void test_focal_distal_slowing(void **state)
{
    (void)state;
    sim_nerve_plan p = median_motor();
    sim_nc_output n, o;
    render(&p, 4, &n);
    p.seg_slowing[0] = 0.5; /* carpal tunnel */
    render(&p, 4, &o);
    assert_true(o.site[0].onset_latency_ms > 4.4);
    assert_true(o.segment[1].velocity_m_s >= 49.0);
    assert_true(fabs(o.segment[1].velocity_m_s - n.segment[1].velocity_m_s) < 4.0);
    sim_nc_output_free(&n);
    sim_nc_output_free(&o);
}

static void test_cooling(void **state)
{
    (void)state;
    sim_nerve_plan p = median_motor();
    sim_nc_output w, c;
    render(&p, 6, &w);
    p.temperature_c = 26.0;
    render(&p, 6, &c);
    /* ~1.5 m/s and ~0.2 ms per °C (S62, S64): 7 °C */
    double dcv = w.segment[1].velocity_m_s - c.segment[1].velocity_m_s;
    double ddl = c.site[0].onset_latency_ms - w.site[0].onset_latency_ms;
    assert_true(dcv > 7.0 && dcv < 14.0);
    assert_true(ddl > 1.0 && ddl < 1.8);
    sim_nc_output_free(&w);
    sim_nc_output_free(&c);

    sim_nerve_plan s = plan("sural", SIM_NC_SENSORY, "lateral malleolus", 14, 0, 0);
    render(&s, 6, &w);
    s.temperature_c = 26.0;
    render(&s, 6, &c);
    assert_true(c.site[0].duration_ms > w.site[0].duration_ms); /* S61 */
    assert_true(c.site[0].amplitude_uv > w.site[0].amplitude_uv);
    assert_true(c.sensory_velocity_m_s < w.sensory_velocity_m_s - 5.0);
    sim_nc_output_free(&w);
    sim_nc_output_free(&c);
}

static void test_axon_loss(void **state)
{
    (void)state;
    sim_nerve_plan p = plan("peroneal", SIM_NC_MOTOR, "EDB", 8, 36, 46);
    sim_nc_output n, o;
    render(&p, 12, &n);
    p.axon_loss = 0.7;
    render(&p, 12, &o);
    double ratio = o.site[0].amplitude_uv / n.site[0].amplitude_uv;
    /* reinnervation: the CMAP falls, but less than the 70 % of units lost */
    assert_true(ratio < 0.8 && ratio > 0.35);
    assert_true(o.segment[1].velocity_m_s >= 0.8 * 38.0); /* S26 guard band */
    sim_nc_output_free(&n);
    sim_nc_output_free(&o);

    sim_nerve_plan s = plan("sural", SIM_NC_SENSORY, "lateral malleolus", 14, 0, 0);
    render(&s, 12, &n);
    s.axon_loss = 0.7;
    render(&s, 12, &o);
    assert_true(o.site[0].amplitude_uv < 0.5 * n.site[0].amplitude_uv);
    sim_nc_output_free(&n);
    sim_nc_output_free(&o);
}

static void test_age_and_height(void **state)
{
    (void)state;
    sim_nerve_plan p = plan("sural", SIM_NC_SENSORY, "lateral malleolus", 14, 0, 0);
    sim_nc_output y, o;
    p.age_years = 25;
    render(&p, 2, &y);
    p.age_years = 75;
    render(&p, 2, &o);
    assert_true(o.site[0].amplitude_uv < 0.7 * y.site[0].amplitude_uv);
    sim_nc_output_free(&y);
    sim_nc_output_free(&o);

    sim_nerve_plan t = plan("tibial", SIM_NC_MOTOR, "AH", 8, 46, 0);
    t.height_cm = 160;
    render(&t, 2, &y);
    t.height_cm = 190;
    render(&t, 2, &o);
    /* 2-3 m/s per 10 cm (S51): 6-9 m/s over 30 cm */
    double dcv = y.segment[1].velocity_m_s - o.segment[1].velocity_m_s;
    assert_true(dcv > 4.0 && dcv < 11.0);
    sim_nc_output_free(&y);
    sim_nc_output_free(&o);
}

/* ---- the stored sweeps -------------------------------------------------------------------- */

static size_t sample_at(const sim_nc_output *o, double ms_after_stimulus)
{
    return (size_t)lround((o->prestim_ms + ms_after_stimulus) * o->fs_hz / 1000.0);
}

static void test_sweeps_show_the_response(void **state)
{
    (void)state;
    sim_nerve_plan p = median_motor();
    sim_nc_output o;
    render(&p, 21, &o);
    assert_int_equal(o.n_sweeps, 9);
    assert_true(o.fs_hz == 20000.0);
    assert_int_equal(o.samples_per_sweep, 440); /* 2 ms + 20 ms (§3.2 hand) */
    for (size_t k = 0; k < 3; k++) {
        const sim_site_truth *t = &o.site[k];
        const double *x = o.sweeps[3 * k + 2].uv; /* supramaximal */
        double base = 0;
        size_t nb = sample_at(&o, 0) - 2;
        for (size_t j = 0; j < nb; j++)
            base += x[j] / (double)nb;
        double at_peak = x[sample_at(&o, t->peak_latency_ms)] - base;
        assert_true(fabs(at_peak + t->amplitude_uv) < 0.03 * t->amplitude_uv + 30.0);
        /* 0.5 ms after the truth onset the trace has left the baseline */
        double early = x[sample_at(&o, t->onset_latency_ms + 0.5)] - base;
        assert_true(early < -0.01 * t->amplitude_uv);
        /* submaximal first sweep is smaller */
        double first_peak = o.sweeps[3 * k].uv[sample_at(&o, t->peak_latency_ms)] - base;
        assert_true(first_peak > at_peak);
        assert_true(o.sweeps[3 * k].intensity_ma < o.sweeps[3 * k + 1].intensity_ma);
        assert_true(o.sweeps[3 * k + 2].intensity_ma == t->intensity_ma);
    }
    sim_nc_output_free(&o);
}

static void test_artefact(void **state)
{
    (void)state;
    sim_nerve_plan p = plan("median", SIM_NC_SENSORY, "D2", 7, 0, 0); /* palm: short */
    p.noise = (sim_noise){0};
    sim_nc_output o;
    render(&p, 13, &o);
    const double *x = o.sweeps[o.n_sweeps - 1].uv;
    size_t j0 = sample_at(&o, 0);
    assert_true(fabs(x[j0]) > 10.0 * o.site[0].amplitude_uv);
    assert_true(fabs(x[j0 - 1]) < 1e-9); /* nothing before the stimulus without noise */
    assert_true(o.site[0].onset_latency_ms > 0.8); /* truth ignores the artefact */
    sim_nc_output_free(&o);

    p.prestim_ms = 0; /* the sweep starts at the stimulus */
    render(&p, 13, &o);
    assert_true(o.prestim_ms == 0);
    assert_true(o.sweeps[0].stimulus_s == o.sweeps[0].onset_s);
    assert_true(fabs(o.sweeps[0].uv[0]) > 100.0);
    sim_nc_output_free(&o);
}

static void test_time_line(void **state)
{
    (void)state;
    sim_nerve_plan ps[] = {median_motor(), plan("tibial", SIM_NC_FWAVE, "AH", 8, 0, 0)};
    for (size_t n = 0; n < 2; n++) {
        sim_nc_output o;
        render(&ps[n], 5, &o);
        double len_s = (double)o.samples_per_sweep / o.fs_hz;
        assert_true(o.sweeps[0].onset_s == 100.0);
        for (size_t i = 0; i < o.n_sweeps; i++) {
            const sim_sweep *s = &o.sweeps[i];
            assert_true(fabs(s->stimulus_s - s->onset_s - o.prestim_ms / 1000.0) < 1e-9);
            if (i == 0)
                continue;
            double gap = s->onset_s - o.sweeps[i - 1].onset_s;
            assert_true(gap > len_s);
            if (n == 1)
                assert_true(gap >= 0.9 && gap <= 1.3);
            else if (s->site == o.sweeps[i - 1].site)
                assert_true(gap >= 1.0 && gap <= 3.0);
        }
        sim_nc_output_free(&o);
    }
}

static void test_fwave_waveforms(void **state)
{
    (void)state;
    sim_nerve_plan p = plan("median", SIM_NC_FWAVE, "APB", 8, 0, 0);
    p.noise = (sim_noise){0};
    p.f_persistence = 0.5;
    sim_nc_output o;
    render(&p, 23, &o);
    /* a sweep without F is the M response alone: differences are the F-waves */
    size_t quiet = SIZE_MAX;
    for (size_t s = 0; s < o.n_sweeps && quiet == SIZE_MAX; s++)
        if (isnan(o.fwave.latency_ms[s]))
            quiet = s;
    assert_true(quiet != SIZE_MAX);
    size_t n = o.samples_per_sweep, checked = 0;
    double mean_pct = 0;
    double *diff = malloc(n * sizeof *diff);
    assert_non_null(diff);
    for (size_t s = 0; s < o.n_sweeps; s++) {
        if (isnan(o.fwave.latency_ms[s]))
            continue;
        double lo = 0;
        for (size_t j = 0; j < n; j++) {
            diff[j] = o.sweeps[s].uv[j] - o.sweeps[quiet].uv[j];
            lo = fmin(lo, diff[j]);
        }
        /* one to a few units: 1-5 % of the M response on average */
        double pct = -lo / o.site[0].amplitude_uv * 100.0;
        assert_true(pct > 0.1 && pct < 10.0);
        mean_pct += pct;
        double thr = 0.01 * -lo;
        size_t j = 0;
        while (j < n && fabs(diff[j]) < thr)
            j++;
        double t_ms = (double)j * 1000.0 / o.fs_hz - o.prestim_ms;
        assert_true(fabs(t_ms - o.fwave.latency_ms[s]) <= 0.05 + 1e-9);
        checked++;
    }
    assert_true(checked >= 3);
    mean_pct /= (double)checked;
    assert_true(mean_pct >= 1.0 && mean_pct <= 5.0);
    free(diff);
    sim_nc_output_free(&o);

    p.f_persistence = 0.0;
    render(&p, 23, &o);
    assert_true(o.fwave.persistence_pct == 0 && isnan(o.fwave.min_latency_ms));
    sim_nc_output_free(&o);
    p.f_persistence = 1.0;
    render(&p, 23, &o);
    assert_true(o.fwave.persistence_pct == 100.0);
    sim_nc_output_free(&o);
    /* axon loss lowers the default persistence */
    sim_nerve_plan t = plan("tibial", SIM_NC_FWAVE, "AH", 8, 0, 0);
    t.axon_loss = 0.9;
    render(&t, 23, &o);
    assert_true(o.fwave.persistence_pct < 80.0);
    sim_nc_output_free(&o);
}

/* ---- bad plans ----------------------------------------------------------------------------- */

static void expect_error(const sim_nerve_plan *p, int want, const char *code)
{
    edx_diags d;
    edx_diags_init(&d);
    sim_nc_output o;
    assert_int_equal(sim_nc_render(p, 1, 0, &o, &d), want);
    assert_true(edx_diags_count_code(&d, code) >= 1);
    assert_int_equal(o.n_sweeps, 0);
    sim_nc_output_free(&o);
    edx_diags_free(&d);
}

static void test_bad_plans(void **state)
{
    (void)state;
    sim_nerve_plan p = median_motor();
    p.nerve = "saphenous";
    expect_error(&p, EDX_ERR_INVALID, "SIM-NC-NERVE");
    p = plan("radial", SIM_NC_FWAVE, "EIP", 8, 0, 0);
    expect_error(&p, EDX_ERR_INVALID, "SIM-NC-NERVE");
    p = plan("median", SIM_NC_FWAVE, "APB", 8, 28, 0);
    expect_error(&p, EDX_ERR_INVALID, "SIM-NC-PLAN");
    p = median_motor();
    p.sites[2].distance_cm = 20;
    expect_error(&p, EDX_ERR_INVALID, "SIM-NC-PLAN");
    p = median_motor();
    p.n_sweeps = 30; /* 90 sweeps */
    expect_error(&p, EDX_ERR_RANGE, "SIM-NC-PLAN");
    p = median_motor();
    p.demyelination = 1.5;
    expect_error(&p, EDX_ERR_INVALID, "SIM-NC-PLAN");

    sim_nc_output z;
    memset(&z, 0, sizeof z);
    sim_nc_output_free(&z);
    sim_nc_output_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_truth_identities),
        cmocka_unit_test(test_motor_normal_limits),
        cmocka_unit_test(test_sensory_normal_limits),
        cmocka_unit_test(test_fwave_normal),
        cmocka_unit_test(test_demyelination),
        cmocka_unit_test(test_conduction_block),
        cmocka_unit_test(test_focal_distal_slowing),
        cmocka_unit_test(test_cooling),
        cmocka_unit_test(test_axon_loss),
        cmocka_unit_test(test_age_and_height),
        cmocka_unit_test(test_sweeps_show_the_response),
        cmocka_unit_test(test_artefact),
        cmocka_unit_test(test_time_line),
        cmocka_unit_test(test_fwave_waveforms),
        cmocka_unit_test(test_bad_plans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
