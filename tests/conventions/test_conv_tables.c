/*
 * test_conv_tables.c - the shipped tables (sizes, vocabulary, sources) and
 * the local aliases file: additions work, conflicts and unknown targets are
 * refused with warnings, broken tables are configuration errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_cases.h"
#include "edf_builder.h"

static void test_shipped_tables(void **state)
{
    (void)state;
    conv_tables *t = conv_cases_tables();
    assert_non_null(t);
    assert_true(conv_muscle_count(t) >= 60);
    int regions[5] = {0};
    for (size_t i = 0; i < conv_muscle_count(t); i++) {
        const conv_muscle *m = conv_muscle_at(t, i);
        assert_true(m->source[0] != '\0');
        assert_true(m->roots[0] != '\0');
        assert_true(m->nerve[0] != '\0');
        regions[m->region]++;
    }
    for (int r = CONV_REGION_BULBAR; r <= CONV_REGION_LUMBOSACRAL; r++)
        assert_true(regions[r] > 0); /* all four MND regions can be sampled */
    /* the findings vocabulary */
    static const char *const nerves[] = {"median", "ulnar", "radial", "peroneal", "tibial",
                                         "sural", "superficial peroneal"};
    for (size_t i = 0; i < sizeof nerves / sizeof nerves[0]; i++)
        assert_string_equal(conv_find_nerve_name(t, nerves[i], strlen(nerves[i])), nerves[i]);
    for (size_t i = 0; i < conv_nerve_count(t); i++) {
        const conv_nerve *n = conv_nerve_at(t, i);
        assert_true(n->source[0] != '\0');
        assert_true(n->n_stim_sites >= 1);
    }
    assert_string_equal(conv_find_nerve_name(t, "fibular", 7), "peroneal");
    assert_string_equal(conv_find_nerve_name(t, "Median Nerve", 12), "median");
    assert_string_equal(conv_find_recording_site(t, "digit 2", 7), "D2");
    assert_string_equal(conv_find_recording_site(t, "index", 5), "D2");
    assert_string_equal(conv_find_stim_site(t, "BFH", 3), "below fibular head");
    const conv_nerve *row = conv_find_nerve_row(t, "peroneal", CONV_TEST_MOTOR, "EDB");
    assert_non_null(row);
    assert_string_equal(row->stim_sites[0], "ankle"); /* distal first */
    assert_string_equal(row->stim_sites[1], "below fibular head");
    assert_null(conv_find_nerve_name(t, "femoral", 7));
    conv_tables_free(t);
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_local_aliases(void **state)
{
    (void)state;
    edfb_tmpdir dir;
    assert_int_equal(edfb_tmpdir_create(&dir), 0);
    char path[600];
    edfb_tmpdir_file(&dir, "mine.tsv", path, sizeof path);
    write_text(path, "# our names\n"
                     "kind\talias\tcanonical\tsource\n"
                     "muscle\tTibAnterior\ttibialis anterior\tlab 2024\n"
                     "muscle\tTA2\tTA\tvia an alias\n"
                     "stimulation_site\tfib head\tbelow fibular head\tlab\n"
                     "nerve\tnervus medianus\tmedian\tlab\n"
                     "muscle\tFDI\tdeltoid\tclash\n"
                     "muscle\tFoo\tno such muscle\tlab\n"
                     "colour\tx\ty\tlab\n"
                     "muscle\tBar\tdeltoid\t\n");
    setenv(CONV_LOCAL_ALIASES_ENV, path, 1);
    conv_tables *t = NULL;
    edx_diags d;
    edx_diags_init(&d);
    assert_int_equal(conv_tables_load(getenv("EDX_TEMPLATE_DIR"), &d, &t), EDX_OK);
    unsetenv(CONV_LOCAL_ALIASES_ENV);
    const conv_muscle *m;
    assert_int_equal(conv_find_muscle(t, "TibAnterior", 11, false, &m), CONV_MATCH_EXACT);
    assert_string_equal(m->name, "tibialis anterior");
    assert_int_equal(conv_find_muscle(t, "TA2", 3, false, &m), CONV_MATCH_EXACT);
    assert_string_equal(conv_find_stim_site(t, "Fib Head", 8), "below fibular head");
    assert_string_equal(conv_find_nerve_name(t, "nervus medianus", 15), "median");
    /* FDI still means the first dorsal interosseous */
    assert_int_equal(conv_find_muscle(t, "FDI", 3, false, &m), CONV_MATCH_EXACT);
    assert_string_equal(m->name, "first dorsal interosseous");
    assert_int_equal(edx_diags_count_code(&d, "CONV-ALIAS-CONFLICT"), 1);
    assert_int_equal(edx_diags_count_code(&d, "CONV-ALIAS-TARGET-UNKNOWN"), 1);
    assert_int_equal(edx_diags_count_code(&d, "CONV-ALIAS-MALFORMED"), 2);
    assert_int_equal(d.n_errors, 0);
    conv_tables_free(t);
    edx_diags_free(&d);
    edfb_tmpdir_remove(&dir);
}

/* A broken table stops the program with a configuration error. */
static void test_broken_tables(void **state)
{
    (void)state;
    edfb_tmpdir dir;
    assert_int_equal(edfb_tmpdir_create(&dir), 0);
    char m[600], n[600];
    edfb_tmpdir_file(&dir, "muscles.tsv", m, sizeof m);
    edfb_tmpdir_file(&dir, "nerves.tsv", n, sizeof n);
    static const char nerves_ok[] = "nerve\taliases\ttest\trecording_site\trecording_site_aliases"
                                    "\tstimulation_sites\tsource\n"
                                    "median\t\tmotor\tAPB\t\twrist\tS01\n";
    static const struct {
        const char *muscles, *code;
    } cases[] = {
        {"muscle\taliases\tregion\troots\tnerve\n", "CONV-TABLE-MALFORMED"},
        {"muscle\taliases\tregion\troots\tnerve\tsource\nTA\t\tlegs\tL4\tx\ty\n",
         "CONV-TABLE-MALFORMED"},
        {"muscle\taliases\tregion\troots\tnerve\tsource\ndeltoid\t\tcervical\tC5\taxillary\t\n",
         "CONV-TABLE-NO-SOURCE"},
        {"muscle\taliases\tregion\troots\tnerve\tsource\ndeltoid\tX\tcervical\tC5\ta\ts\n"
         "biceps\tX\tcervical\tC5\tm\ts\n",
         "CONV-TABLE-ALIAS-CONFLICT"},
        {"", "CONV-TABLE-MALFORMED"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_text(m, cases[i].muscles);
        write_text(n, nerves_ok);
        conv_tables *t = NULL;
        edx_diags d;
        edx_diags_init(&d);
        assert_int_equal(conv_tables_load(dir.path, &d, &t), EDX_ERR_CONFIG);
        assert_null(t);
        assert_int_equal(edx_diags_count_code(&d, cases[i].code), 1);
        edx_diags_free(&d);
    }
    /* a missing folder */
    conv_tables *t = NULL;
    assert_int_equal(conv_tables_load("/nonexistent/edx", NULL, &t), EDX_ERR_CONFIG);
    edfb_tmpdir_remove(&dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_tables),
        cmocka_unit_test(test_local_aliases),
        cmocka_unit_test(test_broken_tables),
    };
    return cmocka_run_group_tests_name("conv_tables", tests, NULL, NULL);
}
