/*
 * test_sim_edfd.c - our EDF+D writer, read back by edxreport's own reader:
 * format, record count and onsets, annotations (text, onset, duration,
 * record), samples within one digital step, saturation, record duration
 * digits, locale independence and the error paths.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edf_testutil.h"
#include "edx/edf.h"
#include "sim/sim_internal.h"

enum { SPR = 440, NREC = 5, SPR_ALLOC = 1000 }; /* records hold room for other rates */

static const double onsets_s[NREC] = {10.0, 11.5, 13.25, 20.0, 21.123};

typedef struct fixture {
    double *rec[NREC];
    sim_annot ann[8];
    size_t n_ann;
    sim_edf_ident id;
    sim_edf_signal sig;
} fixture;

static double sample_uv(size_t r, size_t k)
{
    /* a CMAP-like dip plus a ramp; record 4 overdrives both rails */
    double t = (double)k / 20.0;
    double v = -8000.0 * exp(-pow((t - 6.0) / 1.5, 2)) + 13.7 * (double)r + 0.123 * (double)k;
    if (r == 4 && k == 10)
        v = 1e6;
    if (r == 4 && k == 11)
        v = -1e6;
    return v;
}

static void make_fixture(fixture *f)
{
    memset(f, 0, sizeof *f);
    for (size_t r = 0; r < NREC; r++) {
        f->rec[r] = malloc(SPR_ALLOC * sizeof(double));
        assert_non_null(f->rec[r]);
        for (size_t k = 0; k < SPR_ALLOC; k++)
            f->rec[r][k] = sample_uv(r, k);
    }
    snprintf(f->id.patient, sizeof f->id.patient, "X M 01-JAN-1970 Sim_Patient");
    snprintf(f->id.recording, sizeof f->id.recording,
             "Startdate 02-MAR-2024 X X edxreport-sim MNC R Median Nerve");
    f->id.year = 2024;
    f->id.month = 3;
    f->id.day = 2;
    f->id.hour = 9;
    f->id.minute = 5;
    f->id.second = 7;
    f->sig = (sim_edf_signal){"NC R APB", "HP:2Hz LP:10kHz", 20000.0, -20000.0, 20000.0,
                              -32768, 32767};
    const struct {
        double on, dur;
        const char *text;
    } a[] = {
        {10.002, -1, "Stimulus right wrist 0.2ms x 22.5mA at 8cm from recording site"},
        {0.5, -1, "Temperature 33.0 C"}, /* before the first record: goes into record 0 */
        {11.502, -1, "Stimulus right wrist 0.2ms x 25.1mA at 8cm from recording site"},
        {13.252, 0.0002, "Stimulus right elbow 0.2ms x 30.4mA at 28cm from recording site"},
        {15.0, 2.5, "Test: MNC R Median Nerve"}, /* in the gap: last record before it */
        {21.123 + 0.002, -1, "Stimulus right axilla 0.2ms x 38.3mA at 38cm from recording site"},
        {0.1 + 0.2, -1, "Height 170 cm"},
    };
    f->n_ann = sizeof a / sizeof a[0];
    for (size_t i = 0; i < f->n_ann; i++) {
        f->ann[i].onset_s = a[i].on;
        f->ann[i].duration_s = a[i].dur;
        snprintf(f->ann[i].text, sizeof f->ann[i].text, "%s", a[i].text);
    }
}

static void free_fixture(fixture *f)
{
    for (size_t r = 0; r < NREC; r++)
        free(f->rec[r]);
}

static int write_fixture(const fixture *f, const char *path, const double *onsets, size_t n,
                         edx_diags *d)
{
    return sim_edfd_write(path, &f->id, &f->sig, SPR, (const double *const *)f->rec, onsets, n,
                          f->ann, f->n_ann, d);
}

static void path_in(void **state, const char *name, char *buf, size_t size)
{
    assert_non_null(edfb_tmpdir_file(*state, name, buf, size));
}

/* ---- the round trip ------------------------------------------------------------------ */

static void check_header(edf_file *ef)
{
    const edf_info *in = edf_get_info(ef);
    assert_int_equal(in->format, EDF_FORMAT_EDFPLUS_D);
    assert_int_equal(in->n_records, NREC);
    assert_int_equal(in->n_signals, 2);
    assert_true(in->record_duration_s == 0.022);
    assert_int_equal(in->start_year, 2024);
    assert_int_equal(in->start_hour, 9);
    assert_int_equal(in->start_second, 7);
    const edf_signal *s = edf_get_signal(ef, 0);
    assert_string_equal(s->label, "NC R APB");
    assert_string_equal(s->physdim, "uV");
    assert_string_equal(s->prefilter, "HP:2Hz LP:10kHz");
    assert_true(s->sample_rate_hz == 20000.0);
    assert_int_equal(s->samples_per_record, SPR);
    assert_true(edf_get_signal(ef, 1)->is_annotation);
}

static void check_time_line(edf_file *ef)
{
    /* 10.0 + 0.022 != 11.5 ...: every record is its own segment */
    assert_int_equal(edf_segment_count(ef), NREC);
    for (int64_t r = 0; r < NREC; r++)
        assert_true(edf_record_onset_s(ef, r) == onsets_s[r]);
}

static void check_annotations(edf_file *ef, const fixture *f)
{
    assert_int_equal(edf_annotation_count(ef), f->n_ann);
    /* written in time order; each in the record it falls in (or the one before) */
    static const size_t order[] = {6, 1, 0, 2, 3, 4, 5};
    static const int64_t record[] = {0, 0, 0, 1, 2, 2, 4};
    for (size_t i = 0; i < f->n_ann; i++) {
        const edf_annotation *a = edf_annotation_at(ef, i);
        const sim_annot *w = &f->ann[order[i]];
        assert_string_equal(a->text, w->text);
        assert_true(a->onset_s == w->onset_s);
        assert_true(a->duration_s == w->duration_s || (a->duration_s < 0 && w->duration_s < 0));
        assert_int_equal(a->record, record[i]);
    }
}

static void check_samples(edf_file *ef, const fixture *f)
{
    const edf_signal *s = edf_get_signal(ef, 0);
    double lsb = (f->sig.phys_max - f->sig.phys_min) / 65535.0;
    double *got = malloc(SPR * sizeof *got);
    assert_non_null(got);
    for (size_t r = 0; r < NREC; r++) {
        size_t n = 0;
        assert_int_equal(edf_read_uv(ef, 0, (int64_t)(r * SPR), SPR, got, &n), EDX_OK);
        assert_int_equal(n, SPR);
        for (size_t k = 0; k < SPR; k++) {
            double want = fmin(fmax(f->rec[r][k], s->phys_min), s->phys_max);
            assert_true(fabs(got[k] - want) <= lsb);
        }
    }
    int32_t dig[SPR];
    size_t n = 0;
    assert_int_equal(edf_read_digital(ef, 0, 4 * SPR, SPR, dig, &n), EDX_OK);
    assert_int_equal(dig[10], 32767); /* saturated, not wrapped */
    assert_int_equal(dig[11], -32768);
    free(got);
}

static void test_roundtrip(void **state)
{
    fixture f;
    make_fixture(&f);
    char path[600];
    path_in(state, "mnc.edf", path, sizeof path);
    edx_diags d;
    edx_diags_init(&d);
    assert_int_equal(write_fixture(&f, path, onsets_s, NREC, &d), EDX_OK);
    assert_int_equal(d.count, 0);
    edf_file *ef = NULL;
    assert_int_equal(edf_open(path, &d, &ef), EDX_OK);
    if (d.count > 0)
        edft_dump(&d, "reading our EDF+D");
    assert_int_equal(d.count, 0); /* not even a warning */
    check_header(ef);
    check_time_line(ef);
    check_annotations(ef, &f);
    check_samples(ef, &f);
    edf_close(ef);
    edx_diags_free(&d);
    free_fixture(&f);
}

/* Header bytes as the specification lays them out. */
static void test_header_bytes(void **state)
{
    fixture f;
    make_fixture(&f);
    char path[600];
    path_in(state, "hdr.edf", path, sizeof path);
    assert_int_equal(write_fixture(&f, path, onsets_s, NREC, NULL), EDX_OK);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char h[768];
    assert_int_equal(fread(h, 1, sizeof h, fp), sizeof h);
    assert_memory_equal(h, "0       ", 8);
    assert_memory_equal(h + 168, "02.03.2409.05.07768     EDF+D", 29);
    assert_memory_equal(h + 236, "5       0.022   2   ", 20);
    assert_memory_equal(h + 256 + 16, "EDF Annotations ", 16);
    for (size_t i = 0; i < sizeof h; i++)
        assert_true(h[i] >= 0x20 && h[i] <= 0x7e);
    /* first record's annotation bytes start with the time-keeping TAL */
    assert_int_equal(fseek(fp, 768 + 2 * SPR, SEEK_SET), 0);
    char tal[16];
    assert_int_equal(fread(tal, 1, sizeof tal, fp), sizeof tal);
    /* 0.1 + 0.2 is 0.30000000000000004: printed so that it reads back */
    assert_memory_equal(tal, "+10\x14\x14\0+0.3000000", 16);
    fclose(fp);
    free_fixture(&f);
}

static void test_contiguous(void **state)
{
    fixture f;
    make_fixture(&f);
    f.n_ann = 0;
    double on[3] = {0.0, 0.022, 0.044};
    char path[600];
    path_in(state, "contig.edf", path, sizeof path);
    edx_diags d;
    edx_diags_init(&d);
    assert_int_equal(write_fixture(&f, path, on, 3, &d), EDX_OK);
    edf_file *ef = NULL;
    assert_int_equal(edf_open(path, &d, &ef), EDX_OK);
    assert_int_equal(edf_segment_count(ef), 1);
    assert_int_equal(edf_annotation_count(ef), 0);
    /* the annotation signal holds just "+0.022\x14\x14\0" (9 bytes, even: 10) */
    assert_int_equal(edf_get_signal(ef, 1)->samples_per_record, 5);
    edf_close(ef);
    edx_diags_free(&d);
    free_fixture(&f);
}

/* ---- record duration digits ------------------------------------------------------------- */

static void test_record_duration(void **state)
{
    fixture f;
    make_fixture(&f);
    f.n_ann = 0;
    char path[600];
    path_in(state, "dur.edf", path, sizeof path);
    const struct {
        double fs;
        size_t spr;
        int rc;
    } cases[] = {
        {20000.0, 425, EDX_OK}, {25600.0, 256, EDX_OK}, {48000.0, 480, EDX_OK},
        {10000.0, 333, EDX_OK}, {30000.0, 1000, EDX_ERR_RANGE}, {4096.0, 300, EDX_ERR_RANGE},
    };
    double on[1] = {3.0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        f.sig.fs_hz = cases[i].fs;
        edx_diags d;
        edx_diags_init(&d);
        int rc = sim_edfd_write(path, &f.id, &f.sig, cases[i].spr, (const double *const *)f.rec,
                                on, 1, NULL, 0, &d);
        assert_int_equal(rc, cases[i].rc);
        if (rc == EDX_OK) {
            edf_file *ef = NULL;
            assert_int_equal(edf_open(path, &d, &ef), EDX_OK);
            double rate = edf_get_signal(ef, 0)->sample_rate_hz;
            assert_true(fabs(rate - cases[i].fs) <= 1e-9 * cases[i].fs);
            edf_close(ef);
        } else {
            assert_int_equal(edx_diags_count_code(&d, "SIM-EDFD"), 1);
        }
        edx_diags_free(&d);
    }
    free_fixture(&f);
}

/* ---- numbers whatever the locale -------------------------------------------------------- */

static void test_locale(void **state)
{
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "C.UTF-8"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (setlocale(LC_NUMERIC, names[i]) != NULL)
            break;
    fixture f;
    make_fixture(&f);
    f.sig.phys_min = -2500.5;
    f.sig.phys_max = 2500.5;
    char path[600];
    path_in(state, "locale.edf", path, sizeof path);
    assert_int_equal(write_fixture(&f, path, onsets_s, NREC, NULL), EDX_OK);
    setlocale(LC_NUMERIC, "C");
    edx_diags d;
    edx_diags_init(&d);
    edf_file *ef = NULL;
    assert_int_equal(edf_open(path, &d, &ef), EDX_OK);
    assert_true(edf_get_signal(ef, 0)->phys_min == -2500.5);
    assert_true(edf_record_onset_s(ef, 2) == 13.25);
    assert_true(edf_annotation_at(ef, 0)->onset_s == 0.1 + 0.2);
    edf_close(ef);
    edx_diags_free(&d);
    free_fixture(&f);
}

/* ---- errors --------------------------------------------------------------------------------- */

static void test_errors(void **state)
{
    fixture f;
    make_fixture(&f);
    char path[600];
    path_in(state, "no/such/folder/x.edf", path, sizeof path);
    edx_diags d;
    edx_diags_init(&d);
    assert_int_equal(write_fixture(&f, path, onsets_s, NREC, &d), EDX_ERR_IO);
    assert_int_equal(edx_diags_count_code(&d, "SIM-WRITE"), 1);
    assert_non_null(strstr(d.items[0].message, "no/such/folder/x.edf"));
    edx_diags_clear(&d);

    path_in(state, "bad.edf", path, sizeof path);
    double overlap[NREC] = {10.0, 10.01, 12.0, 13.0, 14.0};
    assert_int_equal(write_fixture(&f, path, overlap, NREC, &d), EDX_ERR_INVALID);
    double backwards[NREC] = {10.0, 9.0, 12.0, 13.0, 14.0};
    assert_int_equal(write_fixture(&f, path, backwards, NREC, &d), EDX_ERR_INVALID);
    assert_int_equal(write_fixture(&f, path, onsets_s, 0, &d), EDX_ERR_INVALID);

    fixture g = f;
    g.sig.label = "a label far longer than sixteen";
    assert_int_equal(write_fixture(&g, path, onsets_s, NREC, &d), EDX_ERR_INVALID);
    g = f;
    g.sig.dig_min = 100;
    g.sig.dig_max = 100;
    assert_int_equal(write_fixture(&g, path, onsets_s, NREC, &d), EDX_ERR_INVALID);
    g = f;
    g.ann[0].text[3] = 0x14;
    assert_int_equal(write_fixture(&g, path, onsets_s, NREC, &d), EDX_ERR_INVALID);
    g = f;
    g.ann[1].onset_s = NAN;
    assert_int_equal(write_fixture(&g, path, onsets_s, NREC, &d), EDX_ERR_INVALID);
    assert_int_equal(edx_diags_count_code(&d, "SIM-EDFD"), 7);
    edx_diags_free(&d);
    free_fixture(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip, edft_setup_tmpdir, edft_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_header_bytes, edft_setup_tmpdir,
                                        edft_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_contiguous, edft_setup_tmpdir, edft_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_record_duration, edft_setup_tmpdir,
                                        edft_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_locale, edft_setup_tmpdir, edft_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_errors, edft_setup_tmpdir, edft_teardown_tmpdir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
