/*
 * test_conv_grammar.c - the annotation, label and test-code grammars, one
 * case a line in annotations.cases, labels.cases and testcodes.cases. Every
 * failing case is reported with its line; the test fails if any does.
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

static int setup(void **state)
{
    *state = conv_cases_tables();
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    conv_tables_free(*state);
    return 0;
}

static void test_annotations(void **state)
{
    const conv_tables *t = *state;
    conv_case *cases;
    int n = conv_cases_read("annotations.cases", &cases);
    assert_true(n > 50);
    int failed = 0;
    for (int i = 0; i < n; i++) {
        conv_annot a;
        assert_int_equal(conv_parse_annotation(t, cases[i].input, cases[i].input_len, &a), 0);
        char got[1024];
        conv_annot_describe(&a, got, sizeof got);
        if (strcmp(got, cases[i].expected) != 0) {
            fprintf(stderr, "annotations.cases:%d: '%s'\n  expected: %s\n  got:      %s\n",
                    cases[i].line, cases[i].input, cases[i].expected, got);
            failed++;
        }
        /* a named warning always comes with a message */
        if (a.warning.code)
            assert_true(a.warning.message[0] != '\0');
    }
    conv_cases_free(cases, n);
    assert_int_equal(failed, 0);
}

static void test_labels(void **state)
{
    const conv_tables *t = *state;
    conv_case *cases;
    int n = conv_cases_read("labels.cases", &cases);
    assert_true(n > 10);
    int failed = 0;
    for (int i = 0; i < n; i++) {
        conv_label l;
        /* as the study layer does: a 16-byte label may be cut short */
        assert_int_equal(conv_parse_label(t, cases[i].input, strlen(cases[i].input) >= 16, &l), 0);
        char got[512];
        conv_cases_describe_label(&l, got, sizeof got);
        if (strcmp(got, cases[i].expected) != 0) {
            fprintf(stderr, "labels.cases:%d: '%s'\n  expected: %s\n  got:      %s\n",
                    cases[i].line, cases[i].input, cases[i].expected, got);
            failed++;
        }
        if (l.warning.code && strcmp(l.warning.code, "CONV-LABEL-EMPTY") != 0)
            assert_non_null(strstr(l.warning.message, cases[i].input)); /* names the label */
    }
    conv_cases_free(cases, n);
    assert_int_equal(failed, 0);
}

static void test_testcodes(void **state)
{
    const conv_tables *t = *state;
    conv_case *cases;
    int n = conv_cases_read("testcodes.cases", &cases);
    assert_true(n > 5);
    int failed = 0;
    for (int i = 0; i < n; i++) {
        conv_testcode c;
        assert_int_equal(conv_parse_testcode(t, cases[i].input, cases[i].input_len, &c), 0);
        char got[512];
        conv_cases_describe_testcode(&c, got, sizeof got);
        if (strcmp(got, cases[i].expected) != 0) {
            fprintf(stderr, "testcodes.cases:%d: '%s'\n  expected: %s\n  got:      %s\n",
                    cases[i].line, cases[i].input, cases[i].expected, got);
            failed++;
        }
    }
    conv_cases_free(cases, n);
    assert_int_equal(failed, 0);
}

/* Texts cut at every length never crash and never read past the length. */
static void test_every_prefix(void **state)
{
    const conv_tables *t = *state;
    conv_case *cases;
    int n = conv_cases_read("annotations.cases", &cases);
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; k <= cases[i].input_len; k++) {
            char *copy = malloc(k ? k : 1);
            assert_non_null(copy);
            memcpy(copy, cases[i].input, k);
            conv_annot a;
            assert_int_equal(conv_parse_annotation(t, copy, k, &a), 0);
            free(copy);
        }
    }
    conv_cases_free(cases, n);
}

static void test_invalid_arguments(void **state)
{
    conv_annot a;
    conv_label l;
    conv_testcode c;
    assert_int_equal(conv_parse_annotation(*state, NULL, 3, &a), EDX_ERR_INVALID);
    assert_int_equal(conv_parse_annotation(*state, "Rest", 4, NULL), EDX_ERR_INVALID);
    assert_int_equal(conv_parse_label(*state, NULL, false, &l), EDX_ERR_INVALID);
    assert_int_equal(conv_parse_testcode(*state, NULL, 2, &c), EDX_ERR_INVALID);
    /* a NULL table set is allowed: nothing matches */
    assert_int_equal(conv_parse_annotation(NULL, "Stimulus right wrist at 6.5cm", 29, &a), 0);
    assert_true(a.what & CONV_HAS_STIMULUS);
    assert_string_equal(a.site, "wrist");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_annotations),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_testcodes),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_invalid_arguments),
    };
    return cmocka_run_group_tests_name("conv_grammar", tests, setup, teardown);
}
