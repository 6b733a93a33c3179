/*
 * test_edf_records.c - the time line and the samples: EDF+D gaps and
 * segments, record onsets, reads by time, BDF 24-bit samples, several
 * annotation signals, annotation-only files, reads across record boundaries
 * and past the end, whole-record reads, and the EDF+ specification's motor
 * nerve conduction example.
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

#include "edf_builder.h"
#include "edf_testutil.h"

#define EPS 1e-9

static void open_ok(edft_mem *m, const edfb *b)
{
    int rc = edft_open_builder(m, b);
    if (rc != EDX_OK || m->f == NULL) {
        edft_dump(&m->diags, "open failed");
        fail_msg("edf_open_mem returned %d", rc);
    }
}

/* ---- EDF+D time line ------------------------------------------------------ */

/* Records at +0, +0.1, +5, +5.1, +5.2, +20 with 0.1 s records: three segments. */
static edfb *make_gappy(edfb_kind kind)
{
    static const char *const onsets[] = {"+0", "+0.1", "+5", "+5.1", "+5.2", "+20"};
    edfb *b = edfb_new(kind);
    edfb_set(b, EDFB_DURATION, "0.1");
    int sig = edfb_add_signal(b, "EMG", 10); /* 100 Hz */
    edfb_add_annotation_signal(b, 60);
    for (int r = 0; r < 6; r++) {
        int rec = edfb_add_record_at(b, onsets[r]);
        for (int k = 0; k < 10; k++)
            edfb_set_sample(b, rec, sig, k, r * 100 + k);
    }
    return b;
}

static void test_edfplus_d_segments(void **state)
{
    (void)state;
    static const edfb_kind kinds[] = {EDFB_EDFPLUS_D, EDFB_BDFPLUS_D};
    for (size_t ki = 0; ki < 2; ki++) {
        edfb *b = make_gappy(kinds[ki]);
        edft_mem m;
        open_ok(&m, b);
        assert_int_equal(0, m.diags.count); /* gaps are legal in +D */
        assert_int_equal(3, edf_segment_count(m.f));
        static const struct { int64_t first, n; double onset; } want[] = {
            {0, 2, 0.0}, {2, 3, 5.0}, {5, 1, 20.0}};
        for (size_t i = 0; i < 3; i++) {
            const edf_segment *g = edf_get_segment(m.f, i);
            assert_non_null(g);
            assert_int_equal(want[i].first, g->first_record);
            assert_int_equal(want[i].n, g->n_records);
            assert_float_equal(want[i].onset, g->onset_s, EPS);
        }
        assert_null(edf_get_segment(m.f, 3));
        static const double onset[] = {0.0, 0.1, 5.0, 5.1, 5.2, 20.0};
        for (int r = 0; r < 6; r++)
            assert_float_equal(onset[r], edf_record_onset_s(m.f, r), EPS);
        assert_true(isnan(edf_record_onset_s(m.f, 6)));
        assert_true(isnan(edf_record_onset_s(m.f, -1)));
        assert_float_equal(20.1, edf_get_info(m.f)->duration_s, EPS);
        edft_close(&m);
        edfb_free(b);
    }
}

typedef struct timecase {
    double t0, t1;
    size_t cap;
    size_t n;        /* samples expected */
    double t_first;  /* NAN: none */
    int32_t first_value;
} timecase;

static const timecase timecases[] = {
    {0.0, 100.0, 1000, 20, 0.0, 0},       /* stops at the first gap */
    {0.05, 100.0, 1000, 15, 0.05, 5},     /* starts at the first sample at or after t0 */
    {0.051, 100.0, 1000, 14, 0.06, 6},
    {0.0, 0.05, 1000, 5, 0.0, 0},         /* stops at t1 (exclusive) */
    {0.0, 100.0, 3, 3, 0.0, 0},           /* stops at cap */
    {0.15, 0.17, 1000, 2, 0.15, 105},     /* inside the second record */
    {1.0, 100.0, 1000, 30, 5.0, 200},     /* t0 in a gap: the next segment */
    {5.25, 5.3, 1000, 5, 5.25, 405},
    {5.29, 100.0, 1000, 1, 5.29, 409},    /* last sample of a segment */
    {20.0, 21.0, 1000, 10, 20.0, 500},
    {20.1, 30.0, 1000, 0, NAN, 0},        /* after the end */
    {0.2, 4.9, 1000, 0, NAN, 0},          /* wholly inside a gap */
};

static void test_read_time_uv(void **state)
{
    (void)state;
    edfb *b = make_gappy(EDFB_EDFPLUS_D);
    /* 1 digital step = 1 uV, so values compare exactly */
    edfb_set_scaling(b, 0, "-32768", "32767", "-32768", "32767");
    edft_mem m;
    open_ok(&m, b);
    double out[1000];
    for (size_t i = 0; i < sizeof timecases / sizeof timecases[0]; i++) {
        const timecase *c = &timecases[i];
        size_t n = 999;
        double t_first = -1;
        int rc = edf_read_time_uv(m.f, 0, c->t0, c->t1, out, c->cap, &n, &t_first);
        assert_int_equal(EDX_OK, rc);
        if (n != c->n)
            fail_msg("case %zu [%g, %g): %zu samples, want %zu", i, c->t0, c->t1, n, c->n);
        if (c->n > 0) {
            assert_float_equal(c->t_first, t_first, 1e-9);
            assert_float_equal((double)c->first_value, out[0], 1e-9);
            for (size_t k = 1; k < n; k++) /* consecutive samples of one segment */
                assert_float_equal(out[k - 1] + (fmod(out[k - 1], 100) == 9 ? 91 : 1), out[k],
                                   1e-9);
        }
    }
    size_t n = 5;
    double t = 0;
    assert_int_equal(EDX_ERR_INVALID, edf_read_time_uv(m.f, 7, 0, 1, out, 10, &n, &t));
    assert_int_equal(0, n);
    assert_int_equal(EDX_ERR_INVALID, edf_read_time_uv(m.f, 0, 2.0, 1.0, out, 10, &n, &t));
    edft_close(&m);
    edfb_free(b);
}

/* ---- samples ---------------------------------------------------------------- */

static void test_bdf_24bit_samples(void **state)
{
    (void)state;
    static const int32_t vals[] = {-1, -8388608, 8388607, 0, 1, -2, 0x123456, -0x123456,
                                   0x7FFF, -0x8000, 0x10000, 255, -256};
    const size_t nv = sizeof vals / sizeof vals[0];
    static const edfb_kind kinds[] = {EDFB_BDF, EDFB_BDFPLUS_C};
    for (size_t ki = 0; ki < 2; ki++) {
        edfb *b = edfb_new(kinds[ki]);
        int s = edfb_add_signal(b, "EMG", (int)nv);
        int s2 = edfb_add_signal(b, "EMG2", 1);
        if (edfb_kind_is_plus(kinds[ki]))
            edfb_add_annotation_signal(b, 30);
        int r = edfb_add_record_at(b, "+0");
        edfb_set_samples(b, r, s, vals, nv);
        edfb_set_sample(b, r, s2, 0, -8388608);
        edft_mem m;
        open_ok(&m, b);
        int32_t dig[32];
        double uv[32];
        size_t n = 0;
        assert_int_equal(EDX_OK, edf_read_digital(m.f, s, 0, nv, dig, &n));
        assert_int_equal(nv, n);
        for (size_t i = 0; i < nv; i++)
            if (dig[i] != vals[i])
                fail_msg("sample %zu: %d, want %d", i, dig[i], vals[i]);
        /* default BDF scaling is 1 uV per step */
        assert_int_equal(EDX_OK, edf_read_uv(m.f, s, 0, nv, uv, &n));
        for (size_t i = 0; i < nv; i++)
            assert_float_equal((double)vals[i], uv[i], 1e-6);
        assert_int_equal(EDX_OK, edf_read_digital(m.f, s2, 0, 1, dig, &n));
        assert_int_equal(-8388608, dig[0]);
        edft_close(&m);
        edfb_free(b);
    }
}

static void test_edf_16bit_extremes(void **state)
{
    (void)state;
    static const int32_t vals[] = {-32768, 32767, -1, 0, 1, 255, 256, -256};
    edfb *b = edfb_new(EDFB_EDF);
    int s = edfb_add_signal(b, "X", 8);
    edfb_set_scaling(b, s, "-32768", "32767", "-32768", "32767");
    int r = edfb_add_record(b);
    edfb_set_samples(b, r, s, vals, 8);
    edft_mem m;
    open_ok(&m, b);
    int32_t dig[8];
    double ph[8];
    size_t n = 0;
    assert_int_equal(EDX_OK, edf_read_digital(m.f, s, 0, 8, dig, &n));
    assert_int_equal(8, n);
    assert_memory_equal(vals, dig, sizeof vals);
    assert_int_equal(EDX_OK, edf_read_physical(m.f, s, 0, 8, ph, &n));
    for (int i = 0; i < 8; i++)
        assert_float_equal(vals[i], ph[i], 1e-9);
    edft_close(&m);
    edfb_free(b);
}

/* Samples numbered across records, with several signals of different rates. */
static void test_reads_across_records_and_past_end(void **state)
{
    (void)state;
    edfb *b = edfb_new(EDFB_EDF);
    int a = edfb_add_signal(b, "A", 7);
    int c = edfb_add_signal(b, "C", 3);
    for (int r = 0; r < 4; r++) {
        int rec = edfb_add_record(b);
        for (int k = 0; k < 7; k++)
            edfb_set_sample(b, rec, a, k, r * 100 + k);
        for (int k = 0; k < 3; k++)
            edfb_set_sample(b, rec, c, k, -(r * 100 + k));
    }
    edft_mem m;
    open_ok(&m, b);
    assert_int_equal(28, edf_signal_samples(m.f, a));
    assert_int_equal(12, edf_signal_samples(m.f, c));
    int32_t out[40];
    size_t n = 0;
    /* across boundaries */
    assert_int_equal(EDX_OK, edf_read_digital(m.f, a, 5, 10, out, &n));
    assert_int_equal(10, n);
    static const int32_t want[] = {5, 6, 100, 101, 102, 103, 104, 105, 106, 200};
    assert_memory_equal(want, out, sizeof want);
    assert_int_equal(EDX_OK, edf_read_digital(m.f, c, 2, 5, out, &n));
    static const int32_t want_c[] = {-2, -100, -101, -102, -200};
    assert_memory_equal(want_c, out, sizeof want_c);
    /* everything at once */
    assert_int_equal(EDX_OK, edf_read_digital(m.f, a, 0, 28, out, &n));
    assert_int_equal(28, n);
    assert_int_equal(306, out[27]);
    /* past the end: fewer */
    for (size_t i = 0; i < 40; i++)
        out[i] = 12345;
    assert_int_equal(EDX_OK, edf_read_digital(m.f, a, 25, 10, out, &n));
    assert_int_equal(3, n);
    assert_int_equal(304, out[0]);
    assert_int_equal(306, out[2]);
    assert_int_equal(12345, out[3]); /* nothing written beyond n_read */
    assert_int_equal(EDX_OK, edf_read_digital(m.f, a, 28, 10, out, &n));
    assert_int_equal(0, n);
    assert_int_equal(EDX_OK, edf_read_digital(m.f, a, 1000000, 10, out, &n));
    assert_int_equal(0, n);
    assert_int_equal(EDX_OK, edf_read_digital(m.f, a, 0, 0, out, &n));
    assert_int_equal(0, n);
    double uv[40];
    assert_int_equal(EDX_OK, edf_read_uv(m.f, c, 10, 10, uv, &n));
    assert_int_equal(2, n);
    assert_float_equal(-0.1 * 301, uv[0], 1e-9);
    /* invalid arguments */
    assert_int_equal(EDX_ERR_INVALID, edf_read_digital(m.f, a, -1, 3, out, &n));
    assert_int_equal(0, n);
    assert_int_equal(EDX_ERR_INVALID, edf_read_digital(m.f, 2, 0, 3, out, &n));
    assert_int_equal(EDX_ERR_INVALID, edf_read_digital(m.f, -1, 0, 3, out, &n));
    assert_int_equal(EDX_ERR_INVALID, edf_read_uv(m.f, 5, 0, 3, uv, &n));
    assert_int_equal(0, edf_signal_samples(m.f, 9));
    edft_close(&m);
    edfb_free(b);
}

/* Whole records: raw bytes and decoding agree with per-signal reads. */
static void test_record_raw_and_decode(void **state)
{
    (void)state;
    edfb *b = edft_make_simple(EDFB_BDFPLUS_C, 3, 5, 4);
    edft_mem m;
    open_ok(&m, b);
    const edf_info *in = edf_get_info(m.f);
    uint8_t *buf = malloc((size_t)in->record_bytes);
    assert_non_null(buf);
    for (int r = 0; r < 4; r++) {
        assert_int_equal(EDX_OK, edf_read_record_raw(m.f, r, buf));
        assert_memory_equal(m.data + edfb_data_offset(b, r, 0), buf, (size_t)in->record_bytes);
        for (int s = 0; s < 3; s++) {
            int32_t dig[5], dig2[5];
            double uv[5];
            size_t n = 0;
            assert_int_equal(EDX_OK, edf_decode_digital(m.f, s, buf, dig));
            assert_int_equal(EDX_OK, edf_read_digital(m.f, s, r * 5, 5, dig2, &n));
            assert_memory_equal(dig, dig2, sizeof dig);
            assert_int_equal(edft_pattern(EDFB_BDFPLUS_C, r, s, 4), dig[4]);
            assert_int_equal(EDX_OK, edf_decode_uv(m.f, s, buf, uv));
            assert_float_equal((double)dig[2], uv[2], 1e-6);
        }
        assert_int_equal(EDX_ERR_UNSUPPORTED, edf_decode_uv(m.f, 3, buf, (double[40]){0}));
    }
    assert_int_equal(EDX_ERR_INVALID, edf_read_record_raw(m.f, 4, buf));
    assert_int_equal(EDX_ERR_INVALID, edf_read_record_raw(m.f, -1, buf));
    assert_int_equal(EDX_ERR_INVALID, edf_decode_digital(m.f, 4, buf, (int32_t[8]){0}));
    free(buf);
    edft_close(&m);
    edfb_free(b);
}

/* ---- annotation signals -------------------------------------------------------- */

static void test_several_annotation_signals(void **state)
{
    (void)state;
    edfb *b = edfb_new(EDFB_EDFPLUS_C);
    edfb_set(b, EDFB_DURATION, "1");
    int a1 = edfb_add_annotation_signal(b, 60);
    int emg = edfb_add_signal(b, "EMG", 4);
    int a2 = edfb_add_annotation_signal(b, 90);
    const char *t0[] = {"Rest"}, *t1[] = {"Needle site 2"}, *t2[] = {"Minimal contraction"};
    int r0 = edfb_add_record_at(b, "+0"); /* time-keeping goes into the first one */
    edfb_append_tal(b, r0, a1, "+0.5", "0.25", t0, 1);
    edfb_append_tal(b, r0, a2, "+0.75", NULL, t1, 1);
    int r1 = edfb_add_record_at(b, "+1");
    edfb_append_tal(b, r1, a2, "+1.5", "10", t2, 1);
    (void)emg;
    edft_mem m;
    open_ok(&m, b);
    assert_int_equal(3, edf_get_info(m.f)->n_signals);
    assert_true(edf_get_signal(m.f, a1)->is_annotation);
    assert_false(edf_get_signal(m.f, emg)->is_annotation);
    assert_true(edf_get_signal(m.f, a2)->is_annotation);
    assert_int_equal(1, edf_segment_count(m.f));
    assert_int_equal(3, edf_annotation_count(m.f));
    static const struct { double onset, dur; const char *text; int64_t rec; int sig; } want[] = {
        {0.5, 0.25, "Rest", 0, 0}, {0.75, -1, "Needle site 2", 0, 2},
        {1.5, 10.0, "Minimal contraction", 1, 2}};
    for (size_t i = 0; i < 3; i++) {
        const edf_annotation *a = edf_annotation_at(m.f, i);
        assert_float_equal(want[i].onset, a->onset_s, EPS);
        if (want[i].dur < 0)
            assert_true(a->duration_s < 0);
        else
            assert_float_equal(want[i].dur, a->duration_s, EPS);
        assert_string_equal(want[i].text, a->text);
        assert_int_equal(want[i].rec, a->record);
        assert_int_equal(want[i].sig, a->signal);
    }
    assert_null(edf_annotation_at(m.f, 3));
    edft_close(&m);
    edfb_free(b);
}

/* An annotation-only file: record duration 0, onsets from the TALs. */
static void test_annotation_only_file(void **state)
{
    (void)state;
    edfb *b = edfb_new(EDFB_EDFPLUS_C);
    edfb_set(b, EDFB_DURATION, "0");
    int a = edfb_add_annotation_signal(b, 80);
    static const char *const onsets[] = {"+0", "+3.5", "+10"};
    static const char *const texts[] = {"Start", "Stimulus", "End"};
    for (int r = 0; r < 3; r++) {
        int rec = edfb_add_record_at(b, onsets[r]);
        edfb_append_tal(b, rec, a, onsets[r], NULL, &texts[r], 1);
    }
    edft_mem m;
    open_ok(&m, b);
    const edf_info *in = edf_get_info(m.f);
    assert_int_equal(0, m.diags.n_errors);
    assert_int_equal(3, in->n_records);
    assert_float_equal(0.0, in->record_duration_s, 0);
    assert_float_equal(0.0, edf_get_signal(m.f, a)->sample_rate_hz, 0);
    assert_int_equal(3, edf_annotation_count(m.f));
    assert_float_equal(3.5, edf_record_onset_s(m.f, 1), EPS);
    for (int i = 0; i < 3; i++)
        assert_string_equal(texts[i], edf_annotation_at(m.f, (size_t)i)->text);
    assert_float_equal(10.0, edf_annotation_at(m.f, 2)->onset_s, EPS);
    edft_close(&m);
    edfb_free(b);
}

/* ---- the EDF+ specification's motor nerve conduction example --------------------- */

static void test_mnc_fixture(void **state)
{
    (void)state;
    edfb *b = edfb_fixture_mnc();
    assert_non_null(b);
    edft_mem m;
    open_ok(&m, b);
    assert_int_equal(0, m.diags.count);
    const edf_info *in = edf_get_info(m.f);
    assert_int_equal(EDF_FORMAT_EDFPLUS_D, in->format);
    assert_string_equal("MNC R Median Nerve", in->recording.additional);
    assert_string_equal("Haagse Harry", in->patient.name);
    assert_int_equal(2002, in->start_year);
    assert_int_equal(2, in->n_records);
    assert_float_equal(0.05, in->record_duration_s, EPS);
    int sig = edf_find_signal(m.f, "R APB");
    assert_int_equal(0, sig);
    const edf_signal *s = edf_get_signal(m.f, sig);
    assert_string_equal("mV", s->physdim);
    assert_float_equal(10000.0, s->sample_rate_hz, 1e-6);
    /* both records' onsets: a real gap */
    assert_int_equal(2, edf_segment_count(m.f));
    assert_float_equal(0.0, edf_record_onset_s(m.f, 0), EPS);
    assert_float_equal(EDFB_MNC_ONSET1_S, edf_record_onset_s(m.f, 1), EPS);
    /* all annotations, in file order */
    static const struct { double onset; const char *text; int64_t rec; } want[] = {
        {0.0, EDFB_MNC_TEXT_STIM0, 0}, {0.0, EDFB_MNC_TEXT_RESP0, 0},
        {EDFB_MNC_ONSET1_S, EDFB_MNC_TEXT_STIM1, 1}, {EDFB_MNC_ONSET1_S, EDFB_MNC_TEXT_RESP1, 1}};
    assert_int_equal(4, edf_annotation_count(m.f));
    for (size_t i = 0; i < 4; i++) {
        const edf_annotation *a = edf_annotation_at(m.f, i);
        assert_string_equal(want[i].text, a->text);
        assert_float_equal(want[i].onset, a->onset_s, EPS);
        assert_true(a->duration_s < 0);
        assert_int_equal(want[i].rec, a->record);
        assert_int_equal(1, a->signal);
    }
    /* the sweeps: the CMAP peaks at -7.2 mV, 1.5 ms after each onset latency */
    for (int r = 0; r < 2; r++) {
        double uv[EDFB_MNC_SPR], t_first = 0;
        size_t n = 0;
        double t0 = edf_record_onset_s(m.f, r);
        assert_int_equal(EDX_OK, edf_read_time_uv(m.f, sig, t0, t0 + 1.0, uv, EDFB_MNC_SPR, &n,
                                                  &t_first));
        assert_int_equal(EDFB_MNC_SPR, n); /* stops at the end of the sweep */
        assert_float_equal(t0, t_first, EPS);
        size_t kmin = 0;
        for (size_t k = 0; k < n; k++) {
            assert_float_equal((double)edfb_fixture_mnc_sample(r, (int)k), uv[k], 1e-6);
            if (uv[k] < uv[kmin])
                kmin = k;
        }
        assert_float_equal(-7200.0, uv[kmin], 1e-6);
        assert_int_equal(r == 0 ? 38 + 15 : 78 + 15, kmin);
    }
    edft_close(&m);
    edfb_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edfplus_d_segments),
        cmocka_unit_test(test_read_time_uv),
        cmocka_unit_test(test_bdf_24bit_samples),
        cmocka_unit_test(test_edf_16bit_extremes),
        cmocka_unit_test(test_reads_across_records_and_past_end),
        cmocka_unit_test(test_record_raw_and_decode),
        cmocka_unit_test(test_several_annotation_signals),
        cmocka_unit_test(test_annotation_only_file),
        cmocka_unit_test(test_mnc_fixture),
    };
    return cmocka_run_group_tests_name("edf_records", tests, NULL, NULL);
}
