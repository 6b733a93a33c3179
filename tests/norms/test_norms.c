/*
 * test_norms.c - the shipped normals.tsv against clinical.md (one line per
 * case), the lookup rules (most specific band, fallback to "all"), norms_flag,
 * bad rows in temporary tables, and locale independence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edf_testutil.h"
#include "edx/norms.h"

/* ---- helpers ---------------------------------------------------------------- */

static norms_table *load_shipped(edx_diags *d)
{
    norms_table *t = NULL;
    edx_diags_init(d);
    int rc = norms_table_load(NULL, d, &t);
    if (rc != EDX_OK || d->count != 0)
        edft_dump(d, "normals.tsv");
    assert_int_equal(EDX_OK, rc);
    assert_non_null(t);
    return t;
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(0, fclose(fp));
}

/* The first diagnostic with this code, which must exist and mention text. */
static void expect_diag(const edx_diags *d, const char *code, const char *text)
{
    for (size_t i = 0; i < d->count; i++) {
        if (strcmp(d->items[i].code, code) == 0 && strstr(d->items[i].message, text)) {
            assert_int_equal(EDX_SEV_WARNING, d->items[i].severity);
            return;
        }
    }
    edft_dump(d, "diagnostics");
    fail_msg("no %s diagnostic mentioning '%s'", code, text);
}

/* ---- the shipped table ---------------------------------------------------------- */

static void test_shipped_loads_clean(void **state)
{
    (void)state;
    edx_diags d;
    norms_table *t = load_shipped(&d);
    assert_int_equal(0, d.count);
    assert_int_equal(125, norms_table_count(t));
    static const char *const nerves[] = {"median", "ulnar", "peroneal", "tibial", "radial",
                                         "sural", "superficial peroneal"};
    size_t per_nerve[7] = {0};
    for (size_t i = 0; i < norms_table_count(t); i++) {
        const norms_limit *l = norms_table_at(t, i);
        assert_true(l->source[0] != '\0');
        assert_true(isfinite(l->value) && l->value > 0);
        for (size_t k = 0; k < 7; k++)
            per_nerve[k] += strcmp(l->nerve, nerves[k]) == 0;
    }
    for (size_t k = 0; k < 7; k++)
        assert_true(per_nerve[k] >= 2);
    assert_null(norms_table_at(t, norms_table_count(t)));
    norms_table_free(t);
    edx_diags_free(&d);
}

/* One lookup and the clinical.md value it must return (value in the table's
 * output unit: µV for amplitudes). */
typedef struct lookup_case {
    const char *nerve, *test, *site, *param, *from, *to;
    double age, height;
    norms_sex sex;
    int rc;
    norms_kind kind;
    double value;
    const char *band;
} lookup_case;

#define N NAN
#define ANY NORMS_SEX_ANY
#define M NORMS_SEX_MALE
#define F NORMS_SEX_FEMALE
static const lookup_case cases[] = {
    /* median DML (S01): 4.5 all; men 50-79 4.7; women 4.4; unknown sex -> all */
    {"median", "motor", "APB", "onset_latency_ms", NULL, NULL, 40, N, ANY, 0, NORMS_ULN, 4.5, "all"},
    {"median", "motor", "APB", "onset_latency_ms", NULL, NULL, N, N, ANY, 0, NORMS_ULN, 4.5, "all"},
    {"median", "motor", "APB", "onset_latency_ms", NULL, NULL, 65, N, M, 0, NORMS_ULN, 4.7, "age 50-79 y, male"},
    {"median", "motor", "APB", "onset_latency_ms", NULL, NULL, 30, N, M, 0, NORMS_ULN, 4.6, "age 19-49 y, male"},
    {"median", "motor", "APB", "onset_latency_ms", NULL, NULL, 30, N, F, 0, NORMS_ULN, 4.4, "age 19-49 y, female"},
    {"median", "motor", "APB", "onset_latency_ms", NULL, NULL, N, N, M, 0, NORMS_ULN, 4.5, "all"},
    {"median", "motor", "APB", "onset_latency_ms", NULL, NULL, 49.9, N, M, 0, NORMS_ULN, 4.6, "age 19-49 y, male"},
    /* median CMAP amplitude by age: 5.9 / 4.2 / 3.8 mV, all 4.1 mV */
    {"median", "motor", "APB", "amplitude_uv", NULL, NULL, 25, N, ANY, 0, NORMS_LLN, 5900, "age 19-39 y"},
    {"median", "motor", "APB", "amplitude_uv", NULL, NULL, 45, N, F, 0, NORMS_LLN, 4200, "age 40-59 y"},
    {"median", "motor", "APB", "amplitude_uv", NULL, NULL, 70, N, ANY, 0, NORMS_LLN, 3800, "age 60-79 y"},
    {"median", "motor", "APB", "amplitude_uv", NULL, NULL, N, N, ANY, 0, NORMS_LLN, 4100, "all"},
    {"median", "motor", "APB", "amplitude_uv", NULL, NULL, 85, N, ANY, 0, NORMS_LLN, 4100, "all"},
    {"median", "motor", "APB", "velocity_m_s", "wrist", "elbow", 30, N, F, 0, NORMS_LLN, 53, NULL},
    {"median", "motor", "APB", "duration_ms", NULL, NULL, N, N, ANY, 0, NORMS_ULN, 8.0, NULL},
    {"median", "motor", "APB", "amplitude_drop_pct", "wrist", "elbow", N, N, ANY, 0, NORMS_ULN, 24, NULL},
    /* ulnar (S02): across elbow 43, forearm 52; names compare loosely */
    {"ulnar", "motor", "ADM", "velocity_m_s", "below elbow", "above elbow", N, N, ANY, 0, NORMS_LLN, 43, NULL},
    {"Ulnar", "motor", "adm", "velocity_m_s", "Below-Elbow", "ABOVE ELBOW", 50, 170, M, 0, NORMS_LLN, 43, NULL},
    {"ulnar", "motor", "ADM", "velocity_m_s", "wrist", "below elbow", N, N, ANY, 0, NORMS_LLN, 52, NULL},
    {"ulnar", "motor", "ADM", "velocity_m_s", "above elbow", "below elbow", N, N, ANY, EDX_ERR_NOT_FOUND, 0, 0, NULL},
    {"ulnar", "motor", "ADM", "onset_latency_ms", NULL, NULL, N, N, ANY, 0, NORMS_ULN, 3.7, NULL},
    {"ulnar", "motor", "ADM", "amplitude_uv", NULL, NULL, N, N, ANY, 0, NORMS_LLN, 7900, NULL},
    /* peroneal CV ankle-fibular head by height and age (S03) */
    {"peroneal", "motor", "EDB", "velocity_m_s", "ankle", "below fibular head", 30, 165, ANY, 0, NORMS_LLN, 43, "age 19-39 y, height <170 cm"},
    {"peroneal", "motor", "EDB", "velocity_m_s", "ankle", "below fibular head", 60, 165, ANY, 0, NORMS_LLN, 39, NULL},
    {"peroneal", "motor", "EDB", "velocity_m_s", "ankle", "below fibular head", 30, 170, ANY, 0, NORMS_LLN, 37, "age 19-39 y, height >=170 cm"},
    {"peroneal", "motor", "EDB", "velocity_m_s", "ankle", "below fibular head", 60, 185, ANY, 0, NORMS_LLN, 36, NULL},
    {"peroneal", "motor", "EDB", "velocity_m_s", "ankle", "below fibular head", 60, N, ANY, 0, NORMS_LLN, 38, "all"},
    {"peroneal", "motor", "EDB", "velocity_m_s", "ankle", "below fibular head", N, 165, ANY, 0, NORMS_LLN, 38, "all"},
    {"peroneal", "motor", "EDB", "velocity_m_s", "below fibular head", "above fibular head", 30, 165, ANY, 0, NORMS_LLN, 42, NULL},
    {"peroneal", "motor", "EDB", "amplitude_uv", NULL, NULL, 50, N, ANY, 0, NORMS_LLN, 1100, NULL},
    /* tibial (S04) */
    {"tibial", "motor", "AH", "velocity_m_s", "ankle", "popliteal fossa", 55, 165, ANY, 0, NORMS_LLN, 37, NULL},
    {"tibial", "motor", "AH", "amplitude_uv", NULL, NULL, 65, N, ANY, 0, NORMS_LLN, 1100, NULL},
    /* F waves by age x height (S09) */
    {"tibial", "fwave", "AH", "fwave_min_latency_ms", NULL, NULL, 30, 175, ANY, 0, NORMS_ULN, 60.0, "age 19-39 y, height 170-180 cm"},
    {"tibial", "fwave", "AH", "fwave_min_latency_ms", NULL, NULL, 30, 180, ANY, 0, NORMS_ULN, 61.9, NULL},
    {"tibial", "fwave", "AH", "fwave_min_latency_ms", NULL, NULL, 45, 159.5, ANY, 0, NORMS_ULN, 56.0, NULL},
    {"tibial", "fwave", "AH", "fwave_min_latency_ms", NULL, NULL, 70, 190, ANY, 0, NORMS_ULN, 68.5, NULL},
    {"tibial", "fwave", "AH", "fwave_min_latency_ms", NULL, NULL, N, 175, ANY, 0, NORMS_ULN, 61.4, "all"},
    {"median", "fwave", "APB", "fwave_min_latency_ms", NULL, NULL, 60, 165, ANY, 0, NORMS_ULN, 30.3, NULL},
    {"ulnar", "fwave", "ADM", "fwave_min_latency_ms", NULL, NULL, 30, 175, ANY, 0, NORMS_ULN, 30.2, NULL},
    {"peroneal", "fwave", "EDB", "fwave_min_latency_ms", NULL, NULL, 50, 172, ANY, 0, NORMS_ULN, 63.6, NULL},
    /* sensory (S05-S07; radial and superficial peroneal P&S) */
    {"sural", "sensory", "lateral malleolus", "amplitude_uv", NULL, NULL, N, N, ANY, 0, NORMS_LLN, 4, NULL},
    {"sural", "sensory", NULL, "peak_latency_ms", NULL, NULL, N, N, ANY, 0, NORMS_ULN, 4.5, NULL},
    {"median", "sensory", "D2", "peak_latency_ms", NULL, NULL, N, N, ANY, 0, NORMS_ULN, 4.0, NULL},
    {"median", "sensory", "D2", "peak_latency_ms", "palm", NULL, N, N, ANY, 0, NORMS_ULN, 2.3, NULL},
    {"median", "sensory", "D3", "amplitude_uv", NULL, NULL, N, N, ANY, 0, NORMS_LLN, 14, NULL},
    {"ulnar", "sensory", "D5", "amplitude_uv", NULL, NULL, N, N, ANY, 0, NORMS_LLN, 10, NULL},
    {"radial", "sensory", "snuffbox", "peak_latency_ms", NULL, NULL, N, N, ANY, 0, NORMS_ULN, 2.8, NULL},
    {"superficial peroneal", "sensory", "ankle", "amplitude_uv", NULL, NULL, N, N, ANY, 0, NORMS_LLN, 6, NULL},
    /* not in the table */
    {"femoral", "motor", "quadriceps", "onset_latency_ms", NULL, NULL, N, N, ANY, EDX_ERR_NOT_FOUND, 0, 0, NULL},
    {"median", "sensory", "D2", "fwave_min_latency_ms", NULL, NULL, N, N, ANY, EDX_ERR_NOT_FOUND, 0, 0, NULL},
    {"median", "motor", "ADM", "onset_latency_ms", NULL, NULL, N, N, ANY, EDX_ERR_NOT_FOUND, 0, 0, NULL},
};
#undef N

static void check_case(const norms_table *t, const lookup_case *c, size_t i)
{
    norms_query q = norms_query_init(c->nerve, c->test, c->site, c->param);
    q.segment_from = c->from;
    q.segment_to = c->to;
    q.age_years = c->age;
    q.height_cm = c->height;
    q.sex = c->sex;
    norms_limit lim;
    int rc = norms_find(t, &q, &lim);
    if (rc != c->rc)
        fail_msg("case %zu (%s %s %s): rc %d, expected %d", i, c->nerve, c->test, c->param, rc,
                 c->rc);
    if (rc != EDX_OK)
        return;
    if (lim.kind != c->kind || fabs(lim.value - c->value) > 1e-9)
        fail_msg("case %zu (%s %s %s): got %s %.3f (line %d), expected %.3f", i, c->nerve,
                 c->test, c->param, lim.kind == NORMS_ULN ? "ULN" : "LLN", lim.value, lim.line,
                 c->value);
    if (c->band && strcmp(c->band, lim.band) != 0)
        fail_msg("case %zu: band '%s', expected '%s'", i, lim.band, c->band);
}

static void test_lookup_cases(void **state)
{
    (void)state;
    edx_diags d;
    norms_table *t = load_shipped(&d);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_case(t, &cases[i], i);
    norms_table_free(t);
    edx_diags_free(&d);
}

static void test_technique_and_source(void **state)
{
    (void)state;
    edx_diags d;
    norms_table *t = load_shipped(&d);
    norms_query q = norms_query_init("median", "motor", "APB", "onset_latency_ms");
    q.age_years = 55;
    q.sex = NORMS_SEX_MALE;
    norms_limit lim;
    assert_int_equal(EDX_OK, norms_find(t, &q, &lim));
    assert_true(lim.age_min == 50 && lim.age_max == 79 && lim.sex == NORMS_SEX_MALE);
    assert_true(isnan(lim.height_min_cm) && isnan(lim.height_max_cm));
    assert_true(lim.distance_cm == 8 && lim.temp_min_c == 32);
    assert_true(lim.lff_min_hz == 2 && lim.lff_max_hz == 3);
    assert_string_equal("ms", lim.unit);
    assert_non_null(strstr(lim.source, "S01"));
    q = norms_query_init("radial", "sensory", "snuffbox", "amplitude_uv");
    assert_int_equal(EDX_OK, norms_find(t, &q, &lim));
    assert_non_null(strstr(lim.source, "[S]")); /* the evidence tag is kept */
    assert_true(isnan(lim.temp_min_c) && lim.distance_cm == 10);
    assert_string_equal("uV", lim.unit);
    q = norms_query_init("median", "motor", "APB", NULL);
    assert_int_equal(EDX_ERR_INVALID, norms_find(t, &q, &lim));
    assert_int_equal(EDX_ERR_INVALID, norms_find(NULL, &q, &lim));
    norms_table_free(t);
    edx_diags_free(&d);
}

/* ---- flags -------------------------------------------------------------------- */

typedef struct flag_case {
    norms_kind kind;
    const char *param;
    double limit, value;
    const char *flag; /* NULL = normal */
} flag_case;

static void test_flags(void **state)
{
    (void)state;
    static const flag_case fc[] = {
        {NORMS_ULN, "onset_latency_ms", 4.5, 4.6, "prolonged"},
        {NORMS_ULN, "onset_latency_ms", 4.5, 4.5, NULL},
        {NORMS_ULN, "peak_latency_ms", 4.0, 4.1, "prolonged"},
        {NORMS_ULN, "duration_ms", 8.0, 9.0, "prolonged"},
        {NORMS_ULN, "fwave_min_latency_ms", 31.6, 35, "prolonged"},
        {NORMS_LLN, "amplitude_uv", 4100, 4000, "low"},
        {NORMS_LLN, "amplitude_uv", 4100, 4100, NULL},
        {NORMS_LLN, "amplitude_pp_uv", 13, 5, "low"},
        {NORMS_LLN, "velocity_m_s", 49, 40, "slow"},
        {NORMS_LLN, "velocity_m_s", 49, 60, NULL},
        {NORMS_ULN, "amplitude_drop_pct", 24, 50, "excessive"},
        {NORMS_ULN, "side_latency_diff_ms", 0.7, 1.0, "excessive"},
        {NORMS_ULN, "velocity_drop_m_s", 15, 20, "excessive"},
        {NORMS_ULN, "onset_latency_ms", 4.5, NAN, NULL},
    };
    for (size_t i = 0; i < sizeof fc / sizeof fc[0]; i++) {
        norms_limit lim;
        memset(&lim, 0, sizeof lim);
        lim.kind = fc[i].kind;
        lim.value = fc[i].limit;
        snprintf(lim.parameter, sizeof lim.parameter, "%s", fc[i].param);
        const char *got = norms_flag(&lim, fc[i].value);
        if ((got == NULL) != (fc[i].flag == NULL) || (got && strcmp(got, fc[i].flag) != 0))
            fail_msg("flag case %zu: '%s', expected '%s'", i, got ? got : "(none)",
                     fc[i].flag ? fc[i].flag : "(none)");
    }
    assert_null(norms_flag(NULL, 1.0));
}

/* ---- bad tables ---------------------------------------------------------------- */

static void test_bad_rows_skipped(void **state)
{
    char path[600];
    assert_non_null(edfb_tmpdir_file(*state, "normals.tsv", path, sizeof path));
    write_text(path, "# a comment\n"
                     "nerve\ttest\trecording_site\tparameter\tsegment\tlimit_kind\tvalue\tunit\t"
                     "age_min\tage_max\tsex\tsource\n"
                     "median\tmotor\tAPB\tonset_latency_ms\t\tuln\t4.5\tms\t*\t*\t*\tS01\n"
                     "median\tmotor\tAPB\tamplitude_uv\t\tlln\t4.1x\tmV\t*\t*\t*\tS01\n"
                     "median\tmotor\tAPB\tamplitude_uv\t\tmax\t4.1\tmV\t*\t*\t*\tS01\n"
                     "\n"
                     "median\tmotor\tAPB\tamplitude_uv\t\tlln\t4.1\tmV\t*\t*\t*\t\n"
                     "median\tmotor\tAPB\tamplitude_uv\t\tlln\t4.1\tms\t*\t*\t*\tS01\n"
                     "median\tmotor\tAPB\tlatency\t\tuln\t4.1\tms\t*\t*\t*\tS01\n"
                     "median\tmotor\tAPB\tamplitude_uv\t\tlln\t4,1\tmV\t*\t*\t*\tS01\n"
                     "median\tmotor\tAPB\tamplitude_uv\t\tlln\t5.9\tmV\t19\t39\t*\tS01\n"
                     "median\tmotor\tAPB\tamplitude_uv\t\tlln\t5.9\tmV\t39\t19\t*\tS01\n"
                     "median\tmotor\tAPB\tonset_latency_ms\t\tuln\t4.7\tms\t50\t79\tX\tS01\n"
                     "median\tblink\tAPB\tonset_latency_ms\t\tuln\t4.7\tms\t50\t79\tM\tS01\n");
    edx_diags d;
    edx_diags_init(&d);
    norms_table *t = NULL;
    assert_int_equal(EDX_OK, norms_table_load(((edfb_tmpdir *)*state)->path, &d, &t));
    assert_int_equal(2, norms_table_count(t)); /* lines 3 and 11 */
    assert_int_equal(3, norms_table_at(t, 0)->line);
    assert_int_equal(11, norms_table_at(t, 1)->line);
    assert_true(norms_table_at(t, 1)->value == 5900);
    char where[700];
    snprintf(where, sizeof where, "%s:4:", path);
    expect_diag(&d, "NORMS-ROW-BAD-NUMBER", where);
    snprintf(where, sizeof where, "%s:5:", path);
    expect_diag(&d, "NORMS-ROW-BAD-KIND", where);
    snprintf(where, sizeof where, "%s:7:", path);
    expect_diag(&d, "NORMS-ROW-NO-SOURCE", where);
    snprintf(where, sizeof where, "%s:8:", path);
    expect_diag(&d, "NORMS-ROW-BAD-UNIT", where);
    snprintf(where, sizeof where, "%s:9:", path);
    expect_diag(&d, "NORMS-ROW-BAD-PARAMETER", where);
    snprintf(where, sizeof where, "%s:10:", path); /* "4,1": never a decimal comma */
    expect_diag(&d, "NORMS-ROW-BAD-NUMBER", where);
    snprintf(where, sizeof where, "%s:12:", path);
    expect_diag(&d, "NORMS-ROW-MALFORMED", where);
    snprintf(where, sizeof where, "%s:13:", path);
    expect_diag(&d, "NORMS-ROW-MALFORMED", where);
    snprintf(where, sizeof where, "%s:14:", path);
    expect_diag(&d, "NORMS-ROW-BAD-TEST", where);
    assert_int_equal(9, d.count);
    assert_int_equal(0, d.n_errors);
    norms_table_free(t);
    edx_diags_free(&d);
}

static void test_bad_files(void **state)
{
    char path[600];
    edx_diags d;
    edx_diags_init(&d);
    norms_table *t = (norms_table *)&d; /* must be reset to NULL */
    assert_int_equal(EDX_ERR_NOT_FOUND,
                     norms_table_load(((edfb_tmpdir *)*state)->path, &d, &t));
    assert_null(t);
    assert_non_null(edft_find(&d, "NORMS-TABLE-UNREADABLE"));
    edx_diags_clear(&d);
    assert_non_null(edfb_tmpdir_file(*state, "normals.tsv", path, sizeof path));
    write_text(path, "nerve\ttest\tparameter\tlimit_kind\tvalue\tunit\tsource\n");
    assert_int_equal(EDX_ERR_CONFIG, norms_table_load_file(path, &d, &t));
    assert_null(t);
    const edx_diag *g = edft_find(&d, "NORMS-TABLE-MALFORMED");
    assert_non_null(g);
    assert_non_null(strstr(g->message, "recording_site"));
    assert_int_equal(EDX_SEV_ERROR, g->severity);
    edx_diags_clear(&d);
    write_text(path, "# only comments\n\n");
    assert_int_equal(EDX_ERR_CONFIG, norms_table_load_file(path, &d, &t));
    edx_diags_free(&d);
}

/* ---- locale ---------------------------------------------------------------------- */

/* Under a comma-decimal locale (where the machine has one) the shipped table
 * still loads clean with the same numbers. */
static void test_comma_locale(void **state)
{
    (void)state;
    if (!edft_use_comma_locale())
        skip();
    edx_diags d;
    edx_diags_init(&d);
    norms_table *t = NULL;
    int rc = norms_table_load(NULL, &d, &t);
    norms_limit lim;
    norms_query q = norms_query_init("tibial", "fwave", "AH", "fwave_min_latency_ms");
    q.age_years = 30;
    q.height_cm = 175;
    int rc2 = t ? norms_find(t, &q, &lim) : EDX_ERR_INVALID;
    setlocale(LC_NUMERIC, "C");
    assert_int_equal(EDX_OK, rc);
    assert_int_equal(0, d.count);
    assert_int_equal(EDX_OK, rc2);
    assert_true(fabs(lim.value - 60.0) < 1e-9);
    assert_string_equal("age 19-39 y, height 170-180 cm", lim.band);
    norms_table_free(t);
    edx_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_loads_clean),
        cmocka_unit_test(test_lookup_cases),
        cmocka_unit_test(test_technique_and_source),
        cmocka_unit_test(test_flags),
        cmocka_unit_test_setup_teardown(test_bad_rows_skipped, edft_setup_tmpdir,
                                        edft_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_bad_files, edft_setup_tmpdir,
                                        edft_teardown_tmpdir),
        cmocka_unit_test(test_comma_locale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
