/*
 * test_ncs_nerve.c - whole nerve tests: the EDF+ specification's own motor
 * nerve conduction example gives its 55 m/s, and simulated nerves give
 * their true velocities and latencies.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "edf_builder.h"
#include "edf_testutil.h"
#include "edx/ncs.h"
#include "edx/sim.h"
#include "edx/study.h"

/* Groups one file into a study and measures its first nerve test. */
static void measure_file(const char *path, ncs_nerve_result *res, conv_test *test)
{
    edx_diags d;
    edx_diags_init(&d);
    conv_tables *t = NULL;
    assert_int_equal(conv_tables_load(NULL, &d, &t), EDX_OK);
    const char *paths[] = {path};
    study_set *set = NULL;
    assert_int_equal(study_group_paths(t, paths, 1, &d, &set), EDX_OK);
    assert_int_equal(set->n_studies, 1);
    assert_true(set->studies[0].n_nerve_tests >= 1);
    const study_nerve_test *nt = &set->studies[0].nerve_tests[0];
    *test = nt->test;
    edf_file *f = NULL;
    assert_int_equal(edf_open(path, &d, &f), EDX_OK);
    assert_int_equal(ncs_measure_nerve(f, nt, nt->test == CONV_TEST_SENSORY, res, &d), EDX_OK);
    edf_close(f);
    study_set_free(set);
    conv_tables_free(t);
    edx_diags_free(&d);
}

static void test_edf_spec_example_55_m_s(void **state)
{
    edfb_tmpdir *dir = *state;
    char path[600];
    edfb *b = edfb_fixture_mnc();
    assert_non_null(b);
    assert_int_equal(edfb_write_file(b, edfb_tmpdir_file(dir, "mnc.edf", path, sizeof path)), 0);
    edfb_free(b);
    ncs_nerve_result res;
    conv_test test;
    measure_file(path, &res, &test);
    assert_int_equal(test, CONV_TEST_MOTOR);
    assert_int_equal(res.n_sites, 2);
    assert_string_equal(res.sites[0].site, "wrist");
    assert_float_equal(res.sites[0].response.onset_latency_ms, 3.8, 0.05);
    assert_float_equal(res.sites[1].response.onset_latency_ms, 7.8, 0.05);
    assert_float_equal(res.sites[0].response.amplitude_uv, 7200, 72);
    assert_int_equal(res.n_segments, 1);
    print_message("EDF+ example: %.2f m/s\n", res.segments[0].velocity_m_s);
    assert_float_equal(res.segments[0].velocity_m_s, 55.0, 1.0);
    assert_true(res.sites[1].has_reported);
    assert_false(res.sites[1].reported_disagrees);
}

/* Segment k's true velocity of the study's ulnar motor test (truth.json). */
static double truth_velocity(const char *dir, size_t k)
{
    char path[700];
    snprintf(path, sizeof path, "%s/truth.json", dir);
    json_t *t = json_load_file(path, 0, NULL);
    assert_non_null(t);
    double v = NAN;
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(t, "nerve_conduction"), i, n)
        if (!strcmp(json_string_value(json_object_get(n, "nerve")), "ulnar") &&
            !strcmp(json_string_value(json_object_get(n, "test")), "motor"))
            v = json_number_value(
                json_object_get(json_array_get(json_object_get(n, "segments"), k), "velocity_m_s"));
    json_decref(t);
    return v;
}

/* Simulated normal and demyelinating ulnar nerves: velocities within 1.5 m/s. */
static void test_simulated_velocities(void **state)
{
    edfb_tmpdir *dir = *state;
    edx_diags d;
    edx_diags_init(&d);
    conv_tables *t = NULL;
    assert_int_equal(conv_tables_load(NULL, &d, &t), EDX_OK);
    static const char *const scenarios[] = {"normal", "demyelinating_polyneuropathy"};
    for (size_t s = 0; s < 2; s++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            char out[600], path[700];
            snprintf(out, sizeof out, "%s/%s-%llu", dir->path, scenarios[s],
                     (unsigned long long)seed);
            sim_options o;
            sim_options_init(&o);
            o.scenario = scenarios[s];
            o.seed = seed;
            o.rest_s = 30;
            assert_int_equal(sim_write_study(&o, t, out, &d), EDX_OK);
            snprintf(path, sizeof path, "%s/nc_r_ulnar_motor.edf", out);
            ncs_nerve_result res;
            conv_test test;
            measure_file(path, &res, &test);
            assert_int_equal(res.n_segments, 2);
            for (size_t k = 0; k < res.n_segments; k++) {
                double v = res.segments[k].velocity_m_s, truth = truth_velocity(out, k);
                assert_true(isfinite(v));
                /* the target is p95 <= 1.5 m/s over many studies (bench/accuracy.sh);
                 * here every single segment, dispersed ones included, within 3 m/s */
                if (fabs(v - truth) > 3.0)
                    fail_msg("%s seed %llu segment %zu: %.2f m/s, truth %.2f", scenarios[s],
                             (unsigned long long)seed, k, v, truth);
                if (s == 1) /* demyelinating range: < 70 % of the ulnar LLN 52 m/s [S02, S14] */
                    assert_true(v < 0.7 * 52.0);
            }
        }
    conv_tables_free(t);
    edx_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_edf_spec_example_55_m_s, edft_setup_tmpdir,
                                        edft_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_simulated_velocities, edft_setup_tmpdir,
                                        edft_teardown_tmpdir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
