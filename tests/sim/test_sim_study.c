/*
 * test_sim_study.c - whole simulated studies: same seed -> same bytes; every
 * file reads without error in our reader and (EDF+C) in EDFlib; the
 * conventions layer understands the study as planned; the truth agrees with
 * the files (velocities, event counts, stimulus annotations).
 */
#include <dirent.h>
#include <edflib.h>
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
#include "edx/edf.h"
#include "edx/sim.h"
#include "edx/study.h"

typedef struct fixture {
    conv_tables *tables;
    edfb_tmpdir dir;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    edx_diags d;
    edx_diags_init(&d);
    if (!f || conv_tables_load(NULL, &d, &f->tables) != EDX_OK || edfb_tmpdir_create(&f->dir))
        return -1;
    edx_diags_free(&d);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    conv_tables_free(f->tables);
    edfb_tmpdir_remove(&f->dir);
    free(f);
    return 0;
}

static void write_study(fixture *f, const char *sub, const char *scenario, uint64_t seed,
                        char *path, size_t size)
{
    snprintf(path, size, "%s/%s", f->dir.path, sub);
    sim_options o;
    sim_options_init(&o);
    o.scenario = scenario;
    o.seed = seed;
    o.rest_s = 30;
    edx_diags d;
    edx_diags_init(&d);
    int rc = sim_write_study(&o, f->tables, path, &d);
    if (rc)
        edft_dump(&d, scenario);
    assert_int_equal(rc, EDX_OK);
    edx_diags_free(&d);
}

/* Sorted names of the regular files in a folder. */
static size_t list_files(const char *dir, char names[][128], size_t max)
{
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) && n < max)
        if (e->d_name[0] != '.')
            snprintf(names[n++], 128, "%.127s", e->d_name);
    closedir(dp);
    qsort(names, n, 128, (int (*)(const void *, const void *))strcmp);
    return n;
}

static unsigned char *slurp(const char *path, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *size = (size_t)n;
    return buf;
}

static bool same_bytes(const char *a, const char *b)
{
    size_t na, nb;
    unsigned char *x = slurp(a, &na), *y = slurp(b, &nb);
    bool same = na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

static void test_same_seed_same_bytes(void **state)
{
    fixture *f = *state;
    char a[600], b[600], c[600];
    write_study(f, "a", "als", 7, a, sizeof a);
    write_study(f, "b", "als", 7, b, sizeof b);
    write_study(f, "c", "als", 8, c, sizeof c);
    static char na[64][128], nb[64][128];
    size_t n = list_files(a, na, 64);
    assert_int_equal(n, list_files(b, nb, 64));
    assert_true(n >= 8);
    size_t differ = 0;
    for (size_t i = 0; i < n; i++) {
        char pa[800], pb[800], pc[800];
        assert_string_equal(na[i], nb[i]);
        snprintf(pa, sizeof pa, "%s/%s", a, na[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, na[i]);
        snprintf(pc, sizeof pc, "%s/%s", c, na[i]);
        if (!same_bytes(pa, pb))
            fail_msg("%s differs between two runs with the same seed", na[i]);
        differ += same_bytes(pa, pc) ? 0 : 1;
    }
    assert_true(differ >= n - 1); /* another seed changes (nearly) everything */
}

/* Every recording reads without an error diagnostic, every sample decodes,
 * and the EDF+C files open in EDFlib too. */
static void check_readable(const char *dir)
{
    static char names[64][128];
    size_t n = list_files(dir, names, 64);
    for (size_t i = 0; i < n; i++) {
        if (!strstr(names[i], ".edf"))
            continue;
        char path[800];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        edx_diags d;
        edx_diags_init(&d);
        edf_file *ef = NULL;
        assert_int_equal(edf_open(path, &d, &ef), EDX_OK);
        for (size_t k = 0; k < d.count; k++)
            if (d.items[k].severity == EDX_SEV_ERROR || strncmp(d.items[k].code, "EDF-", 4) == 0)
                fail_msg("%s: %s %s", names[i], d.items[k].code, d.items[k].message);
        assert_int_equal(edft_read_everything(ef), 0);
        const edf_info *info = edf_get_info(ef);
        bool is_c = info->format == EDF_FORMAT_EDFPLUS_C;
        edf_close(ef);
        edx_diags_free(&d);
        if (strncmp(names[i], "emg_", 4) == 0 && !strstr(names[i], ".gz")) {
            assert_true(is_c);
            struct edf_hdr_struct *h = calloc(1, sizeof *h);
            assert_non_null(h);
            if (edfopen_file_readonly(path, h, EDFLIB_READ_ALL_ANNOTATIONS) != 0)
                fail_msg("EDFlib refuses %s (filetype %d)", names[i], h->filetype);
            assert_int_equal(h->edfsignals, 1);
            assert_true(h->annotations_in_file >= 7);
            edfclose_file(h->handle);
            free(h);
        }
    }
}

static json_t *load_truth(const char *dir)
{
    char path[800];
    snprintf(path, sizeof path, "%s/truth.json", dir);
    json_error_t err;
    json_t *t = json_load_file(path, 0, &err);
    if (!t)
        fail_msg("truth.json: %s (line %d)", err.text, err.line);
    assert_string_equal(json_string_value(json_object_get(t, "schema")), "edxreport-truth/1");
    return t;
}

/* The conventions layer sees one study with the planned tests and muscles. */
static void check_conventions(fixture *f, const char *dir, json_t *truth)
{
    static char names[64][128], full[64][800];
    const char *paths[64];
    size_t n_paths = 0, n_names = list_files(dir, names, 64);
    for (size_t i = 0; i < n_names; i++)
        if (strstr(names[i], ".edf")) {
            snprintf(full[n_paths], sizeof full[n_paths], "%.600s/%.127s", dir, names[i]);
            paths[n_paths] = full[n_paths];
            n_paths++;
        }
    study_set *set = NULL;
    edx_diags d;
    edx_diags_init(&d);
    assert_int_equal(study_group_paths(f->tables, paths, n_paths, &d, &set), EDX_OK);
    assert_int_equal(set->n_studies, 1);
    const study *s = &set->studies[0];
    json_t *ncs = json_object_get(truth, "nerve_conduction");
    json_t *emg = json_object_get(truth, "needle_emg");
    assert_int_equal(s->n_nerve_tests, json_array_size(ncs));
    assert_int_equal(s->n_muscles, json_array_size(emg));
    for (size_t i = 0; i < s->n_warnings; i++)
        fail_msg("conventions warning %s: %s", s->warnings[i].code, s->warnings[i].message);
    for (size_t i = 0; i < s->n_muscles; i++) {
        const study_muscle *m = &s->muscles[i];
        bool planned = false;
        size_t k;
        json_t *tm;
        json_array_foreach(emg, k, tm)
            planned |= strcmp(json_string_value(json_object_get(tm, "muscle")), m->muscle) == 0;
        if (!planned)
            fail_msg("the label %s reads as %s, which the truth does not list", m->label, m->muscle);
        assert_true(m->has_activation_annotations);
        assert_int_equal(m->n_sites, 3);
        assert_non_null(m->row);
    }
    for (size_t i = 0; i < s->n_nerve_tests; i++) {
        const study_nerve_test *n = &s->nerve_tests[i];
        assert_true(n->nerve[0]);
        assert_true(n->n_sweeps >= 1);
        for (size_t k = 0; k < n->n_sweeps; k++)
            assert_false(isnan(n->sweeps[k].distance_cm));
    }
    assert_false(isnan(s->conditions.temperature_c));
    assert_false(isnan(s->conditions.height_cm));
    study_set_free(set);
    edx_diags_free(&d);
}

/* velocity == delta distance / delta onset latency, for every segment */
static void check_velocities(json_t *truth)
{
    size_t i, k;
    json_t *n;
    json_array_foreach(json_object_get(truth, "nerve_conduction"), i, n) {
        json_t *sites = json_object_get(n, "sites"), *seg;
        json_array_foreach(json_object_get(n, "segments"), k, seg) {
            json_t *a = json_array_get(sites, k), *b = json_array_get(sites, k + 1);
            double dd = json_number_value(json_object_get(b, "distance_cm")) -
                        json_number_value(json_object_get(a, "distance_cm"));
            double dl = json_number_value(json_object_get(b, "onset_latency_ms")) -
                        json_number_value(json_object_get(a, "onset_latency_ms"));
            double v = json_number_value(json_object_get(seg, "velocity_m_s"));
            assert_true(dl > 0);
            /* truth rounds latencies to 1 us and velocities to 0.01 m/s */
            assert_float_equal(v, 10.0 * dd / dl, 0.05 + fabs(v) * 0.002);
        }
    }
}

/* Rows of a muscle's events table, counted by type. */
static void count_tsv(const char *path, json_t *counts)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[512];
    assert_non_null(fgets(line, sizeof line, fp));
    assert_string_equal(line, "time_s\ttype\tunit\tamplitude_uv\tduration_ms\tphases\tfirst_polarity\n");
    while (fgets(line, sizeof line, fp)) {
        char *tab = strchr(line, '\t'), *end = tab ? strchr(tab + 1, '\t') : NULL;
        assert_non_null(end);
        *end = '\0';
        json_t *c = json_object_get(counts, tab + 1);
        json_object_set_new(counts, tab + 1, json_integer(c ? json_integer_value(c) + 1 : 1));
    }
    fclose(fp);
}

static void check_event_counts(const char *dir, json_t *truth)
{
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(truth, "needle_emg"), i, m) {
        char path[800];
        snprintf(path, sizeof path, "%s/%s", dir, json_string_value(json_object_get(m, "events")));
        json_t *counts = json_object();
        count_tsv(path, counts);
        json_t *injected = json_object_get(json_object_get(m, "spontaneous"), "injected");
        const char *type;
        json_t *v;
        json_object_foreach(injected, type, v) {
            json_t *c = json_object_get(counts, type);
            assert_int_equal(json_integer_value(v), c ? json_integer_value(c) : 0);
        }
        /* what is in rest cannot exceed what was injected */
        json_t *fib = json_object_get(json_object_get(m, "spontaneous"), "fibrillation");
        assert_true(json_integer_value(json_object_get(fib, "discharges")) <=
                    json_integer_value(json_object_get(injected, "fibrillation")));
        json_decref(counts);
    }
}

static void test_study_files_and_truth(void **state)
{
    fixture *f = *state;
    char dir[600];
    write_study(f, "ulnar", "ulnar_elbow", 3, dir, sizeof dir);
    check_readable(dir);
    json_t *truth = load_truth(dir);
    check_conventions(f, dir, truth);
    check_velocities(truth);
    check_event_counts(dir, truth);
    json_decref(truth);
}

/* Every scenario generates, reads cleanly and carries its expected pattern. */
static void test_every_scenario(void **state)
{
    fixture *f = *state;
    static const char *const expected[][2] = {
        {"normal", "normal"},
        {"benign_fasciculation", "benign_fasciculation"},
        {"als", "suspicious_mnd"},
        {"axonal_polyneuropathy", "neuropathy"},
        {"demyelinating_polyneuropathy", "neuropathy"},
        {"carpal_tunnel", "neuropathy"},
        {"ulnar_elbow", "neuropathy"},
        {"l5_radiculopathy", "radiculopathy"},
        {"myopathy", "myopathy"},
        {"neuromyotonia", "peripheral_nerve_hyperexcitability"},
        {"cramp_fasciculation", "benign_fasciculation"},
    };
    assert_int_equal(sim_scenario_count(), sizeof expected / sizeof expected[0]);
    for (size_t i = 0; i < sim_scenario_count(); i++) {
        char dir[600];
        assert_string_equal(sim_scenario_name(i), expected[i][0]);
        write_study(f, expected[i][0], expected[i][0], 11, dir, sizeof dir);
        check_readable(dir);
        json_t *truth = load_truth(dir);
        json_t *interp = json_object_get(truth, "interpretation");
        assert_string_equal(json_string_value(json_object_get(interp, "pattern")), expected[i][1]);
        size_t n_nc = json_array_size(json_object_get(truth, "nerve_conduction"));
        size_t n_emg = json_array_size(json_object_get(truth, "needle_emg"));
        assert_in_range(n_nc, 4, 9);
        assert_in_range(n_emg, 6, 12);
        check_conventions(f, dir, truth);
        json_decref(truth);
    }
}

static void test_options_rejected(void **state)
{
    fixture *f = *state;
    static const struct { const char *scenario; double age, severity, rest; int mains; } bad[] = {
        {"flu", NAN, NAN, NAN, 0},  {"normal", 12, NAN, NAN, 0}, {"normal", NAN, 1.5, NAN, 0},
        {"normal", NAN, NAN, 10, 0}, {"normal", NAN, NAN, NAN, 55}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sim_options o;
        sim_options_init(&o);
        o.scenario = bad[i].scenario;
        o.age_years = bad[i].age;
        o.severity = bad[i].severity;
        o.rest_s = bad[i].rest;
        o.mains_hz = bad[i].mains;
        edx_diags d;
        edx_diags_init(&d);
        char dir[600];
        snprintf(dir, sizeof dir, "%s/bad%zu", f->dir.path, i);
        assert_int_equal(sim_write_study(&o, f->tables, dir, &d), EDX_ERR_INVALID);
        assert_non_null(edft_find(&d, "SIM-OPTION"));
        edx_diags_free(&d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_rejected),
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_study_files_and_truth),
        cmocka_unit_test(test_every_scenario),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
