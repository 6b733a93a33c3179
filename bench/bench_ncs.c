/*
 * bench_ncs.c - how long nerve conduction analysis takes: simulates nerve
 * tests (motor, sensory, F-wave) of several scenarios until there are at
 * least 20, then times measuring all of them (reading the EDF+D files
 * included), five times, and prints the median per test and for a
 * 20-nerve study. Target: a 20-nerve study well under a second.
 *
 * usage: bench_ncs WORK_DIR
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edx/ncs.h"
#include "edx/sim.h"
#include "edx/study.h"
#include "edx/common.h"

enum { MIN_TESTS = 20, ROUNDS = 5, MAX_STUDIES = 8, MAX_FILES = 128 };

/* Adds the .edf files of dir to paths (strdup'ed). */
static void add_files(const char *dir, char **paths, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && *n < MAX_FILES) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 4, ".edf") != 0)
            continue;
        char *p = malloc(strlen(dir) + len + 2);
        if (p == NULL)
            break;
        sprintf(p, "%s/%s", dir, e->d_name);
        paths[(*n)++] = p;
    }
    if (d)
        closedir(d);
}

static int measure_all(const study_set *set, edx_diags *d)
{
    for (size_t s = 0; s < set->n_studies; s++)
        for (size_t i = 0; i < set->studies[s].n_nerve_tests; i++) {
            const study *st = &set->studies[s];
            const study_nerve_test *t = &st->nerve_tests[i];
            edf_file *f = NULL;
            if (edf_open(st->files[t->file].path, d, &f) != EDX_OK)
                return 1;
            int rc;
            if (t->test == CONV_TEST_FWAVE) {
                ncs_fwave_result r;
                rc = ncs_measure_fwave(f, t, &r, d);
            } else {
                ncs_nerve_result r;
                rc = ncs_measure_nerve(f, t, t->test == CONV_TEST_SENSORY, &r, d);
            }
            edf_close(f);
            if (rc != EDX_OK)
                return 1;
        }
    return 0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_ncs WORK_DIR\n");
        return 64;
    }
    static const char *const scenarios[] = {"normal", "carpal_tunnel", "ulnar_elbow",
                                            "demyelinating_polyneuropathy", "l5_radiculopathy"};
    edx_diags d;
    edx_diags_init(&d);
    conv_tables *t = NULL;
    if (conv_tables_load(NULL, &d, &t) != EDX_OK)
        return 78;
    char dirs[MAX_STUDIES][600];
    char *paths[MAX_FILES];
    size_t n_dirs = 0, n_tests = 0, n_paths = 0;
    study_set *set = NULL;
    while (n_tests < MIN_TESTS && n_dirs < MAX_STUDIES) {
        sim_options o;
        sim_options_init(&o);
        o.scenario = scenarios[n_dirs % 5];
        o.seed = 900 + n_dirs;
        o.is_ncs_only = true;
        snprintf(dirs[n_dirs], sizeof dirs[0], "%s/ncs-%zu", argv[1], n_dirs);
        if (sim_write_study(&o, t, dirs[n_dirs], &d) != EDX_OK)
            return 1;
        add_files(dirs[n_dirs], paths, &n_paths);
        n_dirs++;
        study_set_free(set);
        set = NULL;
        if (study_group_paths(t, (const char *const *)paths, n_paths, &d, &set) != EDX_OK)
            return 1;
        n_tests = 0;
        for (size_t s = 0; s < set->n_studies; s++)
            n_tests += set->studies[s].n_nerve_tests;
    }
    double times[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = edx_monotonic_s();
        if (measure_all(set, &d) != 0)
            return 1;
        times[r] = edx_monotonic_s() - t0;
    }
    qsort(times, ROUNDS, sizeof times[0], cmp);
    double per_test_ms = 1000.0 * times[ROUNDS / 2] / (double)n_tests;
    printf("nerve conduction: %zu tests (motor, sensory, F-wave) in %.1f ms (median of %d)\n",
           n_tests, 1000.0 * times[ROUNDS / 2], ROUNDS);
    printf("  %.2f ms per test; a 20-nerve study: %.0f ms (target: well under 1000 ms)\n",
           per_test_ms, 20.0 * per_test_ms);
    study_set_free(set);
    conv_tables_free(t);
    edx_diags_free(&d);
    for (size_t i = 0; i < n_paths; i++)
        free(paths[i]);
    return 0;
}
