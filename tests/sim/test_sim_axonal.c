/*
 * test_sim_axonal.c - the axonal polyneuropathy scenario against the normal
 * limits the analyser uses (templates/normals.tsv, age- and height-banded):
 * its nerves come out abnormal as clinical.md 5.1 describes a
 * length-dependent axonal sensorimotor polyneuropathy, at every severity,
 * and more so as severity grows. Checked on the truth of nerve-only studies
 * (the nerve files are those of the whole study).
 *
 *  - sural and superficial peroneal SNAPs below their limits (rule
 *    LD-AXONAL-SMPN 1: low or absent distal leg SNAP);
 *  - at least two abnormal nerves, legs at least as affected as arms (rule 2,
 *    and the EDX part of the distal symmetric polyneuropathy definition);
 *  - motor conduction in the axonal range: every segment >= 80 % LLN, distal
 *    latency <= 125 % ULN [S26] (rule 3), so it never reads as demyelinating;
 *  - finger SNAPs within limits at the default severity (length dependence);
 *  - peroneal and tibial CMAPs and distal leg SNAPs falling as severity
 *    grows; the peroneal CMAP low when severe.
 */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "edf_builder.h"
#include "edf_testutil.h"
#include "edx/norms.h"
#include "edx/sim.h"
#include "edx/study.h"

enum { N_SEEDS = 8 };

typedef struct fixture {
    conv_tables *tables;
    norms_table *norms;
    edfb_tmpdir dir;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    edx_diags d;
    edx_diags_init(&d);
    if (!f || conv_tables_load(NULL, &d, &f->tables) != EDX_OK ||
        norms_table_load(NULL, &d, &f->norms) != EDX_OK || edfb_tmpdir_create(&f->dir))
        return -1;
    edx_diags_free(&d);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    conv_tables_free(f->tables);
    norms_table_free(f->norms);
    edfb_tmpdir_remove(&f->dir);
    free(f);
    return 0;
}

/* The truth of a nerve-only axonal study (severity NAN: the scenario's). */
static json_t *axonal_truth(fixture *f, uint64_t seed, double severity)
{
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s/axpn-%llu-%.2f", f->dir.path, (unsigned long long)seed,
             isnan(severity) ? -1.0 : severity);
    sim_options o;
    sim_options_init(&o);
    o.scenario = "axonal_polyneuropathy";
    o.seed = seed;
    o.severity = severity;
    o.is_ncs_only = true;
    edx_diags d;
    edx_diags_init(&d);
    int rc = sim_write_study(&o, f->tables, dir, &d);
    if (rc)
        edft_dump(&d, "axonal_polyneuropathy");
    assert_int_equal(rc, EDX_OK);
    edx_diags_free(&d);
    snprintf(path, sizeof path, "%s/truth.json", dir);
    json_error_t err;
    json_t *t = json_load_file(path, 0, &err);
    assert_non_null(t);
    return t;
}

static const json_t *find_test(const json_t *truth, const char *nerve, const char *test)
{
    size_t i;
    const json_t *n;
    json_array_foreach(
        json_object_get(truth, "nerve_conduction"), i,
        n) if (!strcmp(json_string_value(json_object_get(n, "nerve")), nerve) &&
               !strcmp(json_string_value(json_object_get(n, "test")), test)) return n;
    fail_msg("no %s %s test in the truth", nerve, test);
    return NULL;
}

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static double distal_amplitude_uv(const json_t *truth, const char *nerve, const char *test)
{
    const json_t *site = json_array_get(json_object_get(find_test(truth, nerve, test), "sites"), 0);
    double a = num(site, "amplitude_uv");
    return isnan(a) ? 0.0 : a; /* no conducting fibre: nothing to record */
}

/* The limit the analyser would use for this patient; the row must exist. */
static double limit(const fixture *f, const json_t *truth, const json_t *n, const char *param,
                    const char *from, const char *to)
{
    const json_t *sim = json_object_get(truth, "simulation");
    norms_query q =
        norms_query_init(json_string_value(json_object_get(n, "nerve")),
                         json_string_value(json_object_get(n, "test")),
                         json_string_value(json_object_get(n, "recording_site")), param);
    q.age_years = num(sim, "age_years");
    q.height_cm = num(sim, "height_cm");
    q.segment_from = from;
    q.segment_to = to;
    norms_limit lim;
    assert_int_equal(norms_find(f->norms, &q, &lim), EDX_OK);
    return lim.value;
}

static bool is_low(const fixture *f, const json_t *truth, const char *nerve, const char *test)
{
    const json_t *n = find_test(truth, nerve, test);
    return distal_amplitude_uv(truth, nerve, test) < limit(f, truth, n, "amplitude_uv", NULL, NULL);
}

/* Every motor segment >= 80 % LLN, distal latency <= 125 % ULN [S26]. */
static void check_axonal_range(const fixture *f, const json_t *truth)
{
    size_t i, k;
    const json_t *n, *g;
    json_array_foreach(json_object_get(truth, "nerve_conduction"), i, n)
    {
        if (strcmp(json_string_value(json_object_get(n, "test")), "motor"))
            continue;
        const json_t *site = json_array_get(json_object_get(n, "sites"), 0);
        double dl = num(site, "onset_latency_ms");
        if (isfinite(dl))
            assert_true(dl <= 1.25 * limit(f, truth, n, "onset_latency_ms", NULL, NULL));
        json_array_foreach(json_object_get(n, "segments"), k, g)
        {
            double v = num(g, "velocity_m_s");
            const char *from = json_string_value(json_object_get(g, "from"));
            const char *to = json_string_value(json_object_get(g, "to"));
            if (isfinite(v))
                assert_true(v >= 0.8 * limit(f, truth, n, "velocity_m_s", from, to));
        }
    }
}

static void check_length_dependent(const fixture *f, const json_t *truth, bool hands_normal)
{
    assert_true(is_low(f, truth, "sural", "sensory"));
    assert_true(is_low(f, truth, "superficial peroneal", "sensory"));
    size_t legs = 2 + is_low(f, truth, "peroneal", "motor") + is_low(f, truth, "tibial", "motor");
    size_t arms = is_low(f, truth, "median", "sensory") + is_low(f, truth, "ulnar", "sensory") +
                  is_low(f, truth, "median", "motor") + is_low(f, truth, "ulnar", "motor");
    assert_true(legs >= arms);
    if (hands_normal)
        assert_int_equal(arms, 0);
    check_axonal_range(f, truth);
}

/* The default severity, seeds 1-8 (the accuracy benchmark's studies). */
static void test_default_severity_abnormal(void **state)
{
    fixture *f = *state;
    for (uint64_t seed = 1; seed <= N_SEEDS; seed++) {
        json_t *t = axonal_truth(f, seed, NAN);
        check_length_dependent(f, t, true);
        json_decref(t);
    }
}

/* Severity 0 is still a (mild) polyneuropathy; severity 1 lowers the
 * peroneal CMAP below its limit; amplitudes fall as severity grows. */
static void test_severity_scales(void **state)
{
    fixture *f = *state;
    static const double sev[] = {0.0, 0.6, 1.0};
    static const char *const tests[][2] = {
        {"peroneal", "motor"}, {"tibial", "motor"}, {"sural", "sensory"}, {"median", "sensory"}};
    for (uint64_t seed = 1; seed <= 4; seed++) {
        json_t *t[3];
        for (size_t k = 0; k < 3; k++) {
            t[k] = axonal_truth(f, seed, sev[k]);
            check_length_dependent(f, t[k], false);
        }
        for (size_t j = 0; j < sizeof tests / sizeof tests[0]; j++) {
            double a0 = distal_amplitude_uv(t[0], tests[j][0], tests[j][1]);
            double a1 = distal_amplitude_uv(t[1], tests[j][0], tests[j][1]);
            double a2 = distal_amplitude_uv(t[2], tests[j][0], tests[j][1]);
            if (!(a0 > a1 && a1 > a2))
                fail_msg("seed %llu %s %s: %.2f, %.2f, %.2f uV at severity 0, 0.6, 1",
                         (unsigned long long)seed, tests[j][0], tests[j][1], a0, a1, a2);
        }
        assert_true(is_low(f, t[2], "peroneal", "motor"));
        for (size_t k = 0; k < 3; k++)
            json_decref(t[k]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_severity_abnormal),
        cmocka_unit_test(test_severity_scales),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
