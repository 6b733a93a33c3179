/*
 * test_edf_gzip.c - edf_open on files: plain and gzip-compressed (.edf.gz,
 * .bdf.gz, any case) for every format, corrupt gzip data, missing files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "edf_builder.h"
#include "edf_testutil.h"


/* The file at path and the same bytes opened from memory give the same recording. */
static void compare_with_mem(const char *path, const edfb *b, bool want_gzip)
{
    edx_diags d;
    edx_diags_init(&d);
    edf_file *f = NULL;
    int rc = edf_open(path, &d, &f);
    if (rc != EDX_OK) {
        edft_dump(&d, path);
        fail_msg("%s: edf_open returned %d", path, rc);
    }
    edft_mem m;
    assert_int_equal(EDX_OK, edft_open_builder(&m, b));
    const edf_info *a = edf_get_info(f), *c = edf_get_info(m.f);
    assert_int_equal(want_gzip, a->is_gzip);
    assert_int_equal(c->format, a->format);
    assert_int_equal(c->n_records, a->n_records);
    assert_int_equal(c->n_signals, a->n_signals);
    assert_int_equal(c->file_bytes, a->file_bytes);
    assert_string_equal(c->patient_raw, a->patient_raw);
    assert_int_equal(d.count, m.diags.count);
    for (int s = 0; s < a->n_signals; s++) {
        if (edf_get_signal(f, s)->is_annotation)
            continue;
        int64_t n = edf_signal_samples(f, s);
        assert_int_equal(edf_signal_samples(m.f, s), n);
        int32_t *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
        assert_non_null(x);
        assert_non_null(y);
        size_t nx = 0, ny = 0;
        assert_int_equal(EDX_OK, edf_read_digital(f, s, 0, (size_t)n, x, &nx));
        assert_int_equal(EDX_OK, edf_read_digital(m.f, s, 0, (size_t)n, y, &ny));
        assert_int_equal(n, nx);
        assert_int_equal(n, ny);
        assert_memory_equal(x, y, (size_t)n * sizeof *x);
        free(x);
        free(y);
    }
    assert_int_equal(edf_annotation_count(m.f), edf_annotation_count(f));
    for (size_t i = 0; i < edf_annotation_count(f); i++)
        assert_string_equal(edf_annotation_at(m.f, i)->text, edf_annotation_at(f, i)->text);
    assert_int_equal(edf_segment_count(m.f), edf_segment_count(f));
    edft_close(&m);
    edf_close(f);
    edx_diags_free(&d);
}

static void test_every_format_plain_and_gzip(void **state)
{
    const edfb_tmpdir *t = *state;
    static const struct {
        edfb_kind kind;
        const char *plain, *gz;
    } cases[] = {
        {EDFB_EDF, "a.edf", "a.edf.gz"},
        {EDFB_EDFPLUS_C, "b.edf", "b.edf.gz"},
        {EDFB_EDFPLUS_D, "c.EDF", "c.EDF.GZ"},
        {EDFB_BDF, "d.bdf", "d.bdf.gz"},
        {EDFB_BDFPLUS_C, "e.bdf", "e.Bdf.Gz"},
        {EDFB_BDFPLUS_D, "f.BDF", "f.bdf.gz"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        edfb *b = edft_make_simple(cases[i].kind, 3, 50, 7);
        if (edfb_kind_is_plus(cases[i].kind)) {
            const char *texts[] = {"Rest", "Zo\xc3\xab"};
            edfb_append_tal(b, 3, 3, "+0.35", "0.1", texts, 2);
        }
        char p1[600], p2[600];
        assert_non_null(edfb_tmpdir_file(t, cases[i].plain, p1, sizeof p1));
        assert_non_null(edfb_tmpdir_file(t, cases[i].gz, p2, sizeof p2));
        assert_int_equal(0, edfb_write_file(b, p1));
        assert_int_equal(0, edfb_write_gz(b, p2));
        compare_with_mem(p1, b, false);
        compare_with_mem(p2, b, true);
        edfb_free(b);
    }
}

/* A longer gzip file: samples stream from the decompressed copy at any position. */
static void test_gzip_long_recording(void **state)
{
    const edfb_tmpdir *t = *state;
    edfb *b = edfb_new(EDFB_EDFPLUS_C);
    edfb_set(b, EDFB_DURATION, "0.1");
    int s0 = edfb_add_signal(b, "EMG R TibAnt", 1000); /* 10 kHz */
    int s1 = edfb_add_signal(b, "EMG L FDI", 1000);
    edfb_add_annotation_signal(b, 30);
    for (int r = 0; r < 100; r++) { /* 10 s */
        char on[32];
        int rec = edfb_add_record_at(b, edft_onset_text(r, on, sizeof on));
        for (int k = 0; k < 1000; k++) {
            edfb_set_sample(b, rec, s0, k, (int32_t)((r * 1000 + k) % 65536) - 32768);
            edfb_set_sample(b, rec, s1, k, (r * 37 + k) % 2000 - 1000);
        }
    }
    char path[600];
    edfb_tmpdir_file(t, "long.edf.gz", path, sizeof path);
    assert_int_equal(0, edfb_write_gz(b, path));
    edx_diags d;
    edx_diags_init(&d);
    edf_file *f = NULL;
    assert_int_equal(EDX_OK, edf_open(path, &d, &f));
    assert_true(edf_get_info(f)->is_gzip);
    assert_int_equal(100, edf_get_info(f)->n_records);
    static const int64_t firsts[] = {0, 999, 50000, 99990, 12345};
    for (size_t i = 0; i < sizeof firsts / sizeof firsts[0]; i++) {
        int32_t out[20];
        size_t n = 0;
        assert_int_equal(EDX_OK, edf_read_digital(f, s0, firsts[i], 20, out, &n));
        assert_int_equal(firsts[i] + 20 <= 100000 ? 20 : 100000 - firsts[i], n);
        for (size_t k = 0; k < n; k++)
            assert_int_equal((int32_t)((firsts[i] + (int64_t)k) % 65536) - 32768, out[k]);
    }
    edf_close(f);
    edx_diags_free(&d);
    edfb_free(b);
}

/* Broken gzip data: an error diagnostic, no file. */
static void test_corrupt_gzip(void **state)
{
    const edfb_tmpdir *t = *state;
    edfb *b = edft_make_simple(EDFB_EDFPLUS_C, 2, 200, 20);
    char good[600];
    edfb_tmpdir_file(t, "good.edf.gz", good, sizeof good);
    assert_int_equal(0, edfb_write_gz(b, good));
    FILE *fp = fopen(good, "rb");
    assert_non_null(fp);
    uint8_t buf[65536];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    assert_true(n > 100 && n < sizeof buf);

    static const char *const names[] = {"flipped.edf.gz", "badcrc.edf.gz", "truncated.edf.gz"};
    for (int i = 0; i < 3; i++) {
        uint8_t *copy = malloc(n);
        assert_non_null(copy);
        memcpy(copy, buf, n);
        size_t len = n;
        if (i == 2)
            len = n / 2;               /* stream ends early */
        else if (i == 0)
            for (size_t k = 20; k < 60; k++)
                copy[k] ^= 0xA5;      /* deflate data garbled */
        else
            copy[n - 6] ^= 0xFF;      /* CRC-32 of the trailer wrong */
        char path[600];
        edfb_tmpdir_file(t, names[i], path, sizeof path);
        fp = fopen(path, "wb");
        assert_non_null(fp);
        assert_int_equal(len, fwrite(copy, 1, len, fp));
        fclose(fp);
        free(copy);
        edx_diags d;
        edx_diags_init(&d);
        edf_file *f = NULL;
        int rc = edf_open(path, &d, &f);
        const edx_diag *x = edft_find(&d, "EDF-GZIP");
        if (x == NULL) {
            edft_dump(&d, names[i]);
            edf_close(f);
            fail_msg("%s: no EDF-GZIP diagnostic (edf_open returned %d)", names[i], rc);
        }
        if (i == 2) {
            /* a cut stream may be read as far as it goes, but never silently */
            if (rc == EDX_OK)
                assert_int_equal(EDX_SEV_WARNING, x->severity);
            else
                assert_int_equal(EDX_SEV_ERROR, x->severity);
        } else {
            /* garbled data or a wrong CRC: the bytes cannot be trusted */
            assert_true(rc < 0);
            assert_null(f);
            assert_int_equal(EDX_SEV_ERROR, x->severity);
        }
        edf_close(f);
        edx_diags_free(&d);
    }
    edfb_free(b);
}

/* A gzip file whose content is a truncated recording: diagnosed like the plain one,
 * with offsets in the decompressed bytes. */
static void test_gzip_truncated_content(void **state)
{
    const edfb_tmpdir *t = *state;
    edfb *b = edft_make_simple(EDFB_BDF, 2, 10, 4);
    uint8_t *data;
    size_t size;
    assert_int_equal(0, edfb_build(b, &data, &size));
    char path[600];
    edfb_tmpdir_file(t, "cut.bdf.gz", path, sizeof path);
    assert_int_equal(0, edfb_write_bytes_gz(path, data, size - 7));
    free(data);
    edx_diags d;
    edx_diags_init(&d);
    edf_file *f = NULL;
    assert_int_equal(EDX_OK, edf_open(path, &d, &f));
    assert_int_equal(3, edf_get_info(f)->n_records);
    assert_int_equal((int64_t)size - 7, edf_get_info(f)->file_bytes);
    const edx_diag *x = edft_find(&d, "EDF-RECORD-TRUNCATED");
    assert_non_null(x);
    assert_int_equal(edfb_data_offset(b, 3, 0), x->byte_offset);
    edf_close(f);
    edx_diags_free(&d);
    edfb_free(b);
}

static void test_missing_and_odd_paths(void **state)
{
    const edfb_tmpdir *t = *state;
    char path[600];
    edx_diags d;
    edx_diags_init(&d);
    edf_file *f = NULL;
    edfb_tmpdir_file(t, "does-not-exist.edf", path, sizeof path);
    assert_int_equal(EDX_ERR_NOT_FOUND, edf_open(path, &d, &f));
    assert_null(f);
    const edx_diag *x = edft_find(&d, "EDF-OPEN");
    assert_non_null(x);
    assert_int_equal(EDX_SEV_ERROR, x->severity);
    assert_non_null(strstr(x->message, "does-not-exist.edf"));
    edx_diags_clear(&d);

    edfb_tmpdir_file(t, "adir.edf", path, sizeof path);
    assert_int_equal(0, mkdir(path, 0700));
    assert_true(edf_open(path, &d, &f) < 0);
    assert_null(f);
    assert_true(d.n_errors > 0);
    edx_diags_clear(&d);

    edfb_tmpdir_file(t, "empty.edf", path, sizeof path);
    assert_int_equal(0, edfb_write_bytes(path, "", 0));
    assert_true(edf_open(path, &d, &f) < 0);
    assert_non_null(edft_find(&d, "EDF-HEADER-TRUNCATED"));
    edx_diags_clear(&d);

    edfb_tmpdir_file(t, "empty.edf.gz", path, sizeof path);
    assert_int_equal(0, edfb_write_bytes_gz(path, "", 0));
    assert_true(edf_open(path, &d, &f) < 0);
    assert_null(f);
    assert_true(d.n_errors > 0);
    edx_diags_free(&d);
    edf_close(NULL); /* allowed */
}

/* The temp-folder helper removes nested folders and files. */
static void test_tmpdir_helper(void **state)
{
    (void)state;
    edfb_tmpdir t2;
    assert_int_equal(0, edfb_tmpdir_create(&t2));
    char p[600], q[700];
    edfb_tmpdir_file(&t2, "sub", p, sizeof p);
    assert_int_equal(0, mkdir(p, 0700));
    snprintf(q, sizeof q, "%s/x.edf", p);
    assert_int_equal(0, edfb_write_bytes(q, "abc", 3));
    char saved[sizeof t2.path];
    memcpy(saved, t2.path, sizeof saved);
    assert_int_equal(0, edfb_tmpdir_remove(&t2));
    struct stat st;
    assert_int_not_equal(0, stat(saved, &st));
    assert_null(edfb_tmpdir_file(&(edfb_tmpdir){"x"}, "name", p, 3)); /* does not fit */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_format_plain_and_gzip),
        cmocka_unit_test(test_gzip_long_recording),
        cmocka_unit_test(test_corrupt_gzip),
        cmocka_unit_test(test_gzip_truncated_content),
        cmocka_unit_test(test_missing_and_odd_paths),
        cmocka_unit_test(test_tmpdir_helper),
    };
    return cmocka_run_group_tests_name("edf_gzip", tests, edft_setup_tmpdir, edft_teardown_tmpdir);
}
