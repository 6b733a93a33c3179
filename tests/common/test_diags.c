/*
 * test_diags.c - the diagnostics sink: what is kept, the bounds
 * (EDX_DIAG_PER_CODE per code, EDX_DIAG_MAX in all), the counters, and the
 * error names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edx/common.h"

static void test_init_add_fields(void **state)
{
    (void)state;
    edx_diags d;
    edx_diags_init(&d);
    assert_int_equal(0, d.count);
    assert_int_equal(0, d.n_errors + d.n_warnings + d.n_suppressed);

    edx_diag_add(&d, EDX_SEV_WARNING, "EDF-TEST-ONE", EDX_LOC_FIELD("ns", 252), "bad %s %d",
                 "value", 7);
    edx_loc loc = {"label", 256, 3, 1};
    edx_diag_add(&d, EDX_SEV_ERROR, "EDF-TEST-TWO", loc, "second");
    edx_diag_add(&d, EDX_SEV_WARNING, "EDF-TEST-THREE", EDX_LOC_NONE, "third");

    assert_int_equal(3, d.count);
    assert_int_equal(1, d.n_errors);
    assert_int_equal(2, d.n_warnings);
    assert_int_equal(0, d.n_suppressed);

    const edx_diag *a = &d.items[0];
    assert_string_equal("EDF-TEST-ONE", a->code);
    assert_int_equal(EDX_SEV_WARNING, a->severity);
    assert_string_equal("ns", a->field);
    assert_int_equal(252, a->byte_offset);
    assert_int_equal(EDX_DIAG_NONE, a->record);
    assert_int_equal(EDX_DIAG_NONE, a->signal);
    assert_string_equal("bad value 7", a->message);

    const edx_diag *b = &d.items[1];
    assert_int_equal(EDX_SEV_ERROR, b->severity);
    assert_string_equal("label", b->field);
    assert_int_equal(256, b->byte_offset);
    assert_int_equal(3, b->record);
    assert_int_equal(1, b->signal);

    const edx_diag *c = &d.items[2];
    assert_string_equal("", c->field);
    assert_int_equal(EDX_DIAG_NONE, c->byte_offset);
    assert_int_equal(EDX_DIAG_NONE, c->record);
    assert_int_equal(EDX_DIAG_NONE, c->signal);

    assert_int_equal(1, edx_diags_count_code(&d, "EDF-TEST-TWO"));
    assert_int_equal(0, edx_diags_count_code(&d, "EDF-TEST"));
    edx_diags_free(&d);
}

static void test_null_sink_and_free_twice(void **state)
{
    (void)state;
    edx_diag_add(NULL, EDX_SEV_ERROR, "EDF-X", EDX_LOC_NONE, "dropped %d", 1);
    edx_diags d;
    edx_diags_init(&d);
    edx_diags_free(&d); /* empty */
    edx_diag_add(&d, EDX_SEV_WARNING, "EDF-X", EDX_LOC_NONE, "x");
    edx_diags_free(&d);
    assert_null(d.items);
    assert_int_equal(0, d.count);
    edx_diags_free(&d); /* freeing twice is harmless */
    edx_diags_free(NULL);
}

static void test_long_field_and_message_truncated(void **state)
{
    (void)state;
    edx_diags d;
    edx_diags_init(&d);
    char longfield[100];
    memset(longfield, 'f', sizeof longfield - 1);
    longfield[sizeof longfield - 1] = '\0';
    char longmsg[1000];
    memset(longmsg, 'm', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    edx_diag_add(&d, EDX_SEV_WARNING, "EDF-LONG", EDX_LOC_FIELD(longfield, 0), "%s", longmsg);
    assert_int_equal(1, d.count);
    assert_int_equal(sizeof d.items[0].field - 1, strlen(d.items[0].field));
    assert_int_equal(sizeof d.items[0].message - 1, strlen(d.items[0].message));
    edx_diags_free(&d);
}

/* The same warning code is kept EDX_DIAG_PER_CODE times; the rest counted. */
static void test_per_code_bound(void **state)
{
    (void)state;
    edx_diags d;
    edx_diags_init(&d);
    const int n = 3 * EDX_DIAG_PER_CODE + 5;
    for (int i = 0; i < n; i++)
        edx_diag_add(&d, EDX_SEV_WARNING, "TAL-REPEATED", EDX_LOC_NONE, "number %d", i);
    edx_diag_add(&d, EDX_SEV_WARNING, "TAL-OTHER", EDX_LOC_NONE, "other");
    assert_int_equal(EDX_DIAG_PER_CODE, edx_diags_count_code(&d, "TAL-REPEATED"));
    assert_int_equal(1, edx_diags_count_code(&d, "TAL-OTHER"));
    assert_int_equal(EDX_DIAG_PER_CODE + 1, d.count);
    assert_int_equal(n - EDX_DIAG_PER_CODE, d.n_suppressed);
    assert_int_equal(n + 1, d.n_warnings);
    /* the first ones are kept, in order */
    assert_string_equal("number 0", d.items[0].message);
    assert_string_equal("number 7", d.items[EDX_DIAG_PER_CODE - 1].message);
    edx_diags_free(&d);
}

/* At most EDX_DIAG_MAX items whatever the codes; errors still counted. */
static void test_total_bound(void **state)
{
    (void)state;
    const size_t n = EDX_DIAG_MAX + 100;
    char(*codes)[24] = calloc(n, sizeof *codes); /* codes must outlive the sink */
    assert_non_null(codes);
    edx_diags d;
    edx_diags_init(&d);
    for (size_t i = 0; i < n; i++) {
        snprintf(codes[i], sizeof codes[i], "EDF-CODE-%zu", i);
        edx_diag_add(&d, i % 2 ? EDX_SEV_ERROR : EDX_SEV_WARNING, codes[i], EDX_LOC_NONE, "%zu",
                     i);
    }
    assert_int_equal(EDX_DIAG_MAX, d.count);
    assert_true(d.capacity <= EDX_DIAG_MAX);
    assert_int_equal(n - EDX_DIAG_MAX, d.n_suppressed);
    assert_int_equal(n / 2, d.n_errors);
    assert_int_equal(n - n / 2, d.n_warnings);
    assert_string_equal("EDF-CODE-0", d.items[0].code);
    assert_string_equal("EDF-CODE-511", d.items[EDX_DIAG_MAX - 1].code);
    edx_diags_free(&d);
    free(codes);
}

/* A million repeated diagnostics do not make the sink grow. */
static void test_flood_stays_bounded(void **state)
{
    (void)state;
    edx_diags d;
    edx_diags_init(&d);
    for (int i = 0; i < 1000000; i++)
        edx_diag_add(&d, EDX_SEV_WARNING, "EDF-FLOOD", EDX_LOC_NONE, "w");
    assert_int_equal(EDX_DIAG_PER_CODE, d.count);
    assert_true(d.capacity <= EDX_DIAG_MAX);
    assert_int_equal(1000000 - EDX_DIAG_PER_CODE, d.n_suppressed);
    edx_diags_free(&d);
}

static void test_clear(void **state)
{
    (void)state;
    edx_diags d;
    edx_diags_init(&d);
    for (int i = 0; i < 20; i++)
        edx_diag_add(&d, EDX_SEV_ERROR, "EDF-E", EDX_LOC_NONE, "e");
    edx_diags_clear(&d);
    assert_int_equal(0, d.count);
    assert_int_equal(0, d.n_errors);
    assert_int_equal(0, d.n_warnings);
    assert_int_equal(0, d.n_suppressed);
    assert_int_equal(0, edx_diags_count_code(&d, "EDF-E"));
    edx_diag_add(&d, EDX_SEV_WARNING, "EDF-W", EDX_LOC_NONE, "after clear");
    assert_int_equal(1, d.count);
    assert_string_equal("after clear", d.items[0].message);
    edx_diags_free(&d);
}

static void test_strerror(void **state)
{
    (void)state;
    static const int codes[] = {EDX_OK,          EDX_ERR_NOMEM,    EDX_ERR_IO,
                                EDX_ERR_FORMAT,  EDX_ERR_INVALID,  EDX_ERR_NOT_FOUND,
                                EDX_ERR_RANGE,   EDX_ERR_UNSUPPORTED, EDX_ERR_CONFIG};
    const size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *s = edx_strerror(codes[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        assert_string_not_equal("unknown error", s);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(edx_strerror(codes[j]), s);
    }
    assert_string_equal("unknown error", edx_strerror(-999));
    assert_string_equal("unknown error", edx_strerror(12));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_add_fields),
        cmocka_unit_test(test_null_sink_and_free_twice),
        cmocka_unit_test(test_long_field_and_message_truncated),
        cmocka_unit_test(test_per_code_bound),
        cmocka_unit_test(test_total_bound),
        cmocka_unit_test(test_flood_stays_bounded),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests_name("common_diags", tests, NULL, NULL);
}
