/*
 * test_cli_check.c - `edxreport check` end to end: exit statuses, --help and
 * --version, text and JSON output, on files built at test time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "edf_builder.h"
#include "edf_testutil.h"

typedef struct run_out {
    int status;
    char *out; /* stdout, malloc'ed */
} run_out;

/* Runs "$EDX_BIN <args>" through the shell and captures stdout. */
static run_out run(const char *args)
{
    const char *bin = getenv("EDX_BIN");
    assert_non_null(bin);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>/dev/null", bin, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += r;
        if (n + 1 == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    buf[n] = '\0';
    int st = pclose(p);
    run_out o = {WIFEXITED(st) ? WEXITSTATUS(st) : -1, buf};
    return o;
}

typedef struct fixture {
    edfb_tmpdir dir;
    char good[600], bad[600], nested[700];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL || edfb_tmpdir_create(&fx->dir) != 0)
        return -1;
    edfb *b = edft_make_simple(EDFB_EDFPLUS_C, 2, 50, 3);
    edfb_tmpdir_file(&fx->dir, "good.edf", fx->good, sizeof fx->good);
    int rc = edfb_write_file(b, fx->good);
    /* physical minimum == maximum: a signal that cannot be scaled (an error) */
    edfb_set_scaling(b, 0, "100", "100", "-32768", "32767");
    edfb_tmpdir_file(&fx->dir, "bad.edf", fx->bad, sizeof fx->bad);
    rc |= edfb_write_file(b, fx->bad);
    edfb_free(b);
    char sub[600];
    edfb_tmpdir_file(&fx->dir, "sub", sub, sizeof sub);
    snprintf(fx->nested, sizeof fx->nested, "%s/deeper.BDF.gz", sub);
    b = edft_make_simple(EDFB_BDFPLUS_C, 1, 30, 2);
    char mk[700];
    snprintf(mk, sizeof mk, "mkdir -p '%s'", sub);
    rc |= system(mk);
    rc |= edfb_write_gz(b, fx->nested);
    edfb_free(b);
    *state = fx;
    return rc == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    edfb_tmpdir_remove(&fx->dir);
    free(fx);
    return 0;
}

static void test_exit_statuses(void **state)
{
    fixture *fx = *state;
    char args[1400];
    /* arguments before the path, the path (quoted when given), exit status */
    const struct { const char *opts; const char *path; int status; } cases[] = {
        {"check", fx->good, 0},
        {"check", fx->bad, 65},
        {"check", "/nonexistent/file.edf", 66},
        {"check", NULL, 64},
        {"check --bogus", fx->good, 64},
        {"frobnicate", NULL, 64},
        {"check --help", NULL, 0},
        {"check --version", NULL, 0},
        {"--version", NULL, 0},
        {"--help", NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].path != NULL)
            snprintf(args, sizeof args, "%s '%s'", cases[i].opts, cases[i].path);
        else
            snprintf(args, sizeof args, "%s", cases[i].opts);
        run_out o = run(args);
        if (o.status != cases[i].status)
            fail_msg("edxreport %s: exit %d, want %d", args, o.status, cases[i].status);
        free(o.out);
    }
}

static void test_text_output(void **state)
{
    fixture *fx = *state;
    char args[700];
    snprintf(args, sizeof args, "check '%s'", fx->bad);
    run_out o = run(args);
    assert_non_null(strstr(o.out, "EDF+C, 3 signals, 3 records"));
    assert_non_null(strstr(o.out, "error EDF-PHYS-EQUAL (field physical_minimum"));
    assert_non_null(strstr(o.out, "1 file checked, 1 with errors"));
    free(o.out);
    o = run("--version");
    assert_true(strncmp(o.out, "edxreport ", 10) == 0);
    free(o.out);
}

static void test_folder_json(void **state)
{
    fixture *fx = *state;
    char args[700];
    snprintf(args, sizeof args, "check --json --decode '%s'", fx->dir.path);
    run_out o = run(args);
    assert_int_equal(65, o.status); /* bad.edf is in the folder */
    json_error_t err;
    json_t *root = json_loads(o.out, 0, &err);
    if (root == NULL)
        fail_msg("not JSON: %s (line %d)", err.text, err.line);
    json_t *files = json_object_get(root, "files");
    assert_int_equal(3, json_array_size(files)); /* recursive, .BDF.gz in any case */
    size_t unreadable = 0;
    for (size_t i = 0; i < json_array_size(files); i++) {
        json_t *f = json_array_get(files, i);
        if (!json_is_true(json_object_get(f, "readable")))
            unreadable++;
        if (strstr(json_string_value(json_object_get(f, "path")), "deeper") != NULL) {
            assert_string_equal("BDF+C", json_string_value(json_object_get(f, "format")));
            assert_true(json_is_true(json_object_get(f, "gzip")));
            assert_int_equal(60, json_integer_value(json_object_get(f, "decoded_samples")));
        }
    }
    assert_int_equal(1, unreadable);
    json_decref(root);
    free(o.out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_statuses),
        cmocka_unit_test(test_text_output),
        cmocka_unit_test(test_folder_json),
    };
    return cmocka_run_group_tests_name("cli_check", tests, setup, teardown);
}
