/*
 * test_conv_manpage.c - man/edxreport-conventions.5 matches what the code
 * accepts: every line of its example blocks marked ".\" examples: <kind>"
 * is understood without a warning, and is a case of <kind>.cases, so every
 * form the man page shows has a test with its exact expected result.
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

/* roff escapes used in the examples, back to text */
static void unroff(const char *in, char *out, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; in[i] && n + 4 < size; i++) {
        if (in[i] == '\\' && in[i + 1] == '-') {
            out[n++] = '-';
            i++;
        } else if (in[i] == '\\' && in[i + 1] == 'e') {
            out[n++] = '\\';
            i++;
        } else if (strncmp(in + i, "\\(de", 4) == 0) {
            out[n++] = (char)0xC2;
            out[n++] = (char)0xB0;
            i += 3;
        } else {
            out[n++] = in[i];
        }
    }
    out[n] = '\0';
}

static bool in_cases(const conv_case *c, int n, const char *text)
{
    for (int i = 0; i < n; i++)
        if (strcmp(c[i].input, text) == 0)
            return true;
    return false;
}

static void test_examples(void **state)
{
    const conv_tables *t = *state;
    FILE *fp = fopen(CONV_MAN_PAGE, "r");
    assert_non_null(fp);
    conv_case *cases[3];
    int n_cases[3];
    static const char *const kinds[3] = {"annotations", "labels", "testcodes"};
    for (int k = 0; k < 3; k++) {
        char name[64];
        snprintf(name, sizeof name, "%s.cases", kinds[k]);
        n_cases[k] = conv_cases_read(name, &cases[k]);
        assert_true(n_cases[k] > 0);
    }
    char line[4096], text[4096];
    int kind = -1, lineno = 0, failed = 0, checked[3] = {0, 0, 0};
    bool in_block = false;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, ".\\\" examples: ", 14) == 0) {
            kind = -1;
            for (int k = 0; k < 3; k++)
                if (strcmp(line + 14, kinds[k]) == 0)
                    kind = k;
            assert_true(kind >= 0);
            continue;
        }
        if (strcmp(line, ".EX") == 0) {
            in_block = kind >= 0;
            continue;
        }
        if (strcmp(line, ".EE") == 0) {
            in_block = false;
            kind = -1;
            continue;
        }
        if (!in_block || !line[0])
            continue;
        unroff(line, text, sizeof text);
        const char *code = NULL;
        bool understood = false;
        if (kind == 0) {
            conv_annot a;
            conv_parse_annotation(t, text, strlen(text), &a);
            understood = a.what != 0;
            code = a.warning.code;
        } else if (kind == 1) {
            conv_label l;
            conv_parse_label(t, text, strlen(text) >= 16, &l);
            understood = l.muscle || l.recording_site[0];
            code = l.warning.code;
        } else {
            conv_testcode c;
            conv_parse_testcode(t, text, strlen(text), &c);
            understood = c.found && c.nerve[0];
            code = c.warning.code;
        }
        checked[kind]++;
        if (!understood || code) {
            fprintf(stderr, "man page line %d (%s): '%s' not understood%s%s\n", lineno,
                    kinds[kind], text, code ? ": " : "", code ? code : "");
            failed++;
        }
        if (!in_cases(cases[kind], n_cases[kind], text)) {
            fprintf(stderr, "man page line %d: '%s' is not a case of %s.cases\n", lineno, text,
                    kinds[kind]);
            failed++;
        }
    }
    fclose(fp);
    for (int k = 0; k < 3; k++) {
        conv_cases_free(cases[k], n_cases[k]);
        assert_true(checked[k] > 0); /* every kind of example block is there */
    }
    assert_int_equal(failed, 0);
}

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

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_examples)};
    return cmocka_run_group_tests_name("conv_manpage", tests, setup, teardown);
}
