/*
 * test_report.c - the report stage in memory: configuration, text
 * sanitising, rendering of every kind of study (full, long, NCS only, EMG
 * only, hostile text), determinism, and errors as values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edx/report.h"
#include "fixture.h"
#include "report/rpt_internal.h"

static rpt_config *load_config(void)
{
    edx_diags d;
    edx_diags_init(&d);
    rpt_config *cfg = NULL;
    assert_int_equal(rpt_config_load(NULL, &d, &cfg), EDX_OK);
    edx_diags_free(&d);
    return cfg;
}

/* Renders and checks the PDF's frame; returns it (caller frees). */
static unsigned char *render(json_t *f, bool deterministic, size_t *size)
{
    rpt_config *cfg = load_config();
    edx_diags d;
    edx_diags_init(&d);
    rpt_options opt = {.is_deterministic = deterministic};
    unsigned char *pdf = NULL;
    assert_int_equal(rpt_render(cfg, f, &opt, &pdf, size, &d), EDX_OK);
    assert_non_null(pdf);
    assert_true(*size > 1000 && *size < 2u * 1024 * 1024);
    assert_memory_equal(pdf, "%PDF-", 5);
    bool has_eof = false;
    for (size_t i = *size - 16; i + 5 <= *size; i++)
        has_eof = has_eof || memcmp(pdf + i, "%%EOF", 5) == 0;
    assert_true(has_eof);
    assert_int_equal(d.n_errors, 0);
    edx_diags_free(&d);
    rpt_config_free(cfg);
    return pdf;
}

static void render_kind(size_t nerves, size_t muscles, unsigned parts)
{
    json_t *f = fx_findings(nerves, muscles, parts);
    size_t size = 0;
    free(render(f, true, &size));
    json_decref(f);
}

static void test_full(void **state)
{
    (void)state;
    render_kind(10, 8, FX_FULL);
}

static void test_long(void **state)
{
    (void)state;
    render_kind(20, 20, FX_FULL);
}

static void test_ncs_only(void **state)
{
    (void)state;
    render_kind(10, 0, FX_NCS);
}

static void test_emg_only(void **state)
{
    (void)state;
    render_kind(0, 8, FX_EMG | FX_INTERP);
}

static void test_hostile(void **state)
{
    (void)state;
    render_kind(10, 8, FX_FULL | FX_HOSTILE);
}

static void test_empty_study(void **state)
{
    (void)state;
    render_kind(0, 0, 0);
}

static void test_deterministic(void **state)
{
    (void)state;
    json_t *f = fx_findings(10, 8, FX_FULL);
    size_t n1 = 0, n2 = 0;
    unsigned char *a = render(f, true, &n1), *b = render(f, true, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1);
    free(a);
    free(b);
    json_decref(f);
}

static void test_invalid_schema(void **state)
{
    (void)state;
    rpt_config *cfg = load_config();
    edx_diags d;
    edx_diags_init(&d);
    json_t *f = json_pack("{s:s}", "schema", "something-else/2");
    unsigned char *pdf = (unsigned char *)"x";
    size_t size = 1;
    assert_int_equal(rpt_render(cfg, f, NULL, &pdf, &size, &d), EDX_ERR_INVALID);
    assert_null(pdf);
    assert_int_equal(edx_diags_count_code(&d, "RPT-SCHEMA"), 1);
    assert_int_equal(rpt_render(NULL, f, NULL, &pdf, &size, &d), EDX_ERR_INVALID);
    json_decref(f);
    edx_diags_free(&d);
    rpt_config_free(cfg);
}

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/edx_rpt_ini_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_config(void **state)
{
    (void)state;
    edx_diags d;
    edx_diags_init(&d);
    rpt_config *cfg = NULL;
    char *ok = write_temp("# comment\n[page]\nsize = letter\n\n[institution]\nname = X\n"
                          "logo = logo.png\ncolour = red\n");
    assert_int_equal(rpt_config_load(ok, &d, &cfg), EDX_OK);
    assert_string_equal(cfg->paper, "Letter");
    assert_non_null(strstr(cfg->logo_path, "/tmp/logo.png"));
    assert_int_equal(edx_diags_count_code(&d, "RPT-CONFIG-UNKNOWN"), 1);
    rpt_config_free(cfg);
    char *bad = write_temp("[page]\nsize = A4\nthis line is wrong\n");
    assert_int_equal(rpt_config_load(bad, &d, &cfg), EDX_ERR_CONFIG);
    assert_null(cfg);
    assert_non_null(strstr(d.items[d.count - 1].message, ":3:"));
    char *paper = write_temp("[page]\nsize = A3\n");
    assert_int_equal(rpt_config_load(paper, &d, &cfg), EDX_ERR_CONFIG);
    assert_int_equal(rpt_config_load("/nonexistent/report.ini", &d, &cfg), EDX_ERR_NOT_FOUND);
    unlink(ok);
    unlink(bad);
    unlink(paper);
    free(ok);
    free(bad);
    free(paper);
    edx_diags_free(&d);
}

static void test_missing_fonts(void **state)
{
    (void)state;
    edx_diags d;
    edx_diags_init(&d);
    rpt_config *cfg = NULL;
    char *ini = write_temp("[fonts]\ndir = /nonexistent\n");
    assert_int_equal(rpt_config_load(ini, &d, &cfg), EDX_OK);
    json_t *f = fx_findings(2, 2, FX_FULL);
    unsigned char *pdf = NULL;
    size_t size = 0;
    assert_int_equal(rpt_render(cfg, f, NULL, &pdf, &size, &d), EDX_ERR_IO);
    assert_null(pdf);
    assert_true(edx_diags_count_code(&d, "RPT-FONT") >= 1);
    json_decref(f);
    rpt_config_free(cfg);
    unlink(ini);
    free(ini);
    edx_diags_free(&d);
}

/* One line per case: input, expected output of rpt_sanitize. */
static const char *const sanitize_cases[][2] = {
    {"M\xC3\xBCller, Zo\xC3\xAB", "M\xC3\xBCller, Zo\xC3\xAB"},      /* UTF-8 kept */
    {"a\x01\x1b[31mb", "a [31mb"},                                     /* controls -> space */
    {"  a \t\n b  ", "a b"},                                           /* runs of space */
    {"x\xFF\xFEy", "x??y"},                                            /* invalid bytes */
    {"\xC0\xAF", "??"},                                                /* overlong */
    {"\xED\xA0\x80", "???"},                                           /* surrogate */
    {"\xF0\x9F\x98\x80!", "?!"},                                       /* astral: emoji */
    {"\xE2\x80\xAE" "abc\xE2\x80\xAC", "abc"},                         /* bidi overrides */
    {"\xD7\xA9\xD7\x9C", "\xD7\xA9\xD7\x9C"},                          /* Hebrew kept */
    {"\xE2\x80\x8B" "z", "z"},                                         /* zero width */
    {"\xC3", "?"},                                                     /* cut sequence */
};

static void test_sanitize(void **state)
{
    (void)state;
    char out[64];
    for (size_t i = 0; i < sizeof sanitize_cases / sizeof sanitize_cases[0]; i++) {
        rpt_sanitize(sanitize_cases[i][0], out, sizeof out);
        if (strcmp(out, sanitize_cases[i][1]) != 0)
            fail_msg("case %zu: got '%s'", i, out);
    }
    rpt_sanitize(NULL, out, sizeof out);
    assert_string_equal(out, "");
    /* a full buffer stops at a character boundary */
    char small[6];
    rpt_sanitize("\xC3\xBC\xC3\xBC\xC3\xBC", small, sizeof small);
    assert_string_equal(small, "\xC3\xBC\xC3\xBC");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sanitize),      cmocka_unit_test(test_config),
        cmocka_unit_test(test_invalid_schema), cmocka_unit_test(test_missing_fonts),
        cmocka_unit_test(test_full),          cmocka_unit_test(test_long),
        cmocka_unit_test(test_ncs_only),      cmocka_unit_test(test_emg_only),
        cmocka_unit_test(test_hostile),       cmocka_unit_test(test_empty_study),
        cmocka_unit_test(test_deterministic),
    };
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
