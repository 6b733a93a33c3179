/*
 * test_edf_header.c - the header as the reader gives it: formats, EDF+
 * patient and recording subfields, start date and time, the sub-second
 * offset, sample rates, scaling, units and signal texts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "edf_builder.h"
#include "edf_testutil.h"

#define EPS 1e-9

/* Opens m and fails the test (with the diagnostics printed) if it does not open. */
static void open_ok(edft_mem *m, const edfb *b)
{
    int rc = edft_open_builder(m, b);
    if (rc != EDX_OK || m->f == NULL) {
        edft_dump(&m->diags, "open failed");
        fail_msg("edf_open_mem returned %d", rc);
    }
}

/* ---- formats ------------------------------------------------------------- */

typedef struct fmtcase {
    edfb_kind kind;
    edf_format want;
    const char *name;
    bool plus, bdf;
} fmtcase;

static const fmtcase fmtcases[] = {
    {EDFB_EDF, EDF_FORMAT_EDF, "EDF", false, false},
    {EDFB_EDFPLUS_C, EDF_FORMAT_EDFPLUS_C, "EDF+C", true, false},
    {EDFB_EDFPLUS_D, EDF_FORMAT_EDFPLUS_D, "EDF+D", true, false},
    {EDFB_BDF, EDF_FORMAT_BDF, "BDF", false, true},
    {EDFB_BDFPLUS_C, EDF_FORMAT_BDFPLUS_C, "BDF+C", true, true},
    {EDFB_BDFPLUS_D, EDF_FORMAT_BDFPLUS_D, "BDF+D", true, true},
};

static void test_formats(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof fmtcases / sizeof fmtcases[0]; i++) {
        const fmtcase *c = &fmtcases[i];
        assert_string_equal(c->name, edf_format_name(c->want));
        assert_int_equal(c->plus, edf_format_is_plus(c->want));
        assert_int_equal(c->bdf, edf_format_is_bdf(c->want));

        edfb *b = edft_make_simple(c->kind, 2, 10, 3);
        assert_non_null(b);
        edft_mem m;
        open_ok(&m, b);
        const edf_info *in = edf_get_info(m.f);
        if (in->format != c->want)
            fail_msg("%s read as %s", c->name, edf_format_name(in->format));
        assert_string_equal(c->bdf ? "BIOSEMI" : "0", in->version);
        assert_int_equal(c->plus ? 3 : 2, in->n_signals);
        assert_int_equal(3, in->n_records);
        assert_int_equal(edfb_header_bytes(b), in->header_bytes);
        assert_int_equal(edfb_record_bytes(b), in->record_bytes);
        assert_int_equal(m.size, in->file_bytes);
        assert_false(in->is_gzip);
        assert_float_equal(0.1, in->record_duration_s, EPS);
        assert_float_equal(0.3, in->duration_s, EPS);
        if (c->plus) {
            const edf_signal *a = edf_get_signal(m.f, 2);
            assert_true(a->is_annotation);
            assert_string_equal(c->bdf ? "BDF Annotations" : "EDF Annotations", a->label);
            assert_true(in->has_plus_subfields);
        }
        assert_false(edf_get_signal(m.f, 0)->is_annotation);
        /* a valid file gives no diagnostics at all */
        if (m.diags.count != 0) {
            edft_dump(&m.diags, c->name);
            fail_msg("%s: %zu diagnostics for a valid file", c->name, m.diags.count);
        }
        edft_close(&m);
        edfb_free(b);
    }
}

/* In a plain EDF file a signal named "EDF Annotations" is an ordinary signal. */
static void test_annotation_label_in_plain_edf(void **state)
{
    (void)state;
    edfb *b = edfb_new(EDFB_EDF);
    edfb_add_signal(b, "EDF Annotations", 4);
    edfb_add_record(b);
    edft_mem m;
    open_ok(&m, b);
    assert_false(edf_get_signal(m.f, 0)->is_annotation);
    assert_int_equal(EDF_FORMAT_EDF, edf_get_info(m.f)->format);
    edft_close(&m);
    edfb_free(b);
}

/* ---- EDF+ patient and recording subfields ----------------------------------- */

typedef struct patcase {
    const char *field;
    const char *code;
    char sex;
    int by, bm, bd;
    const char *name;
    const char *additional;
    bool parseable;
} patcase;

static const patcase patcases[] = {
    {"MCH-0234567 F 02-MAY-1951 Haagse_Harry", "MCH-0234567", 'F', 1951, 5, 2, "Haagse Harry", "", true},
    {"X X X X", "", 0, 0, 0, 0, "", "", true},
    {"P-1 M 31-dec-1999 Jan_de_Vries more_info", "P-1", 'M', 1999, 12, 31, "Jan de Vries", "more info", true},
    {"P-2 X 01-JAN-2001 X", "P-2", 0, 2001, 1, 1, "", "", true},
    {"P-3 F X Mia", "P-3", 'F', 0, 0, 0, "Mia", "", true},
    {"P-4 Q 01-JAN-2001 Bob", "P-4", 0, 0, 0, 0, "Bob", "", false},   /* sex not F/M/X */
    {"P-5 M 1951-05-02 Bob", "P-5", 'M', 0, 0, 0, "Bob", "", false},  /* not dd-MMM-yyyy */
    {"only two", "", 0, 0, 0, 0, "", "", false},
};

static void test_patient_subfields(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof patcases / sizeof patcases[0]; i++) {
        const patcase *c = &patcases[i];
        edfb *b = edft_make_simple(EDFB_EDFPLUS_C, 1, 4, 1);
        edfb_set(b, EDFB_PATIENT, c->field);
        edft_mem m;
        open_ok(&m, b);
        const edf_info *in = edf_get_info(m.f);
        assert_string_equal(c->field, in->patient_raw);
        if (c->parseable) {
            assert_string_equal(c->code, in->patient.code);
            assert_string_equal(c->name, in->patient.name);
            assert_string_equal(c->additional, in->patient.additional);
            assert_int_equal(c->sex, in->patient.sex);
            assert_int_equal(c->by, in->patient.birth_year);
            assert_int_equal(c->bm, in->patient.birth_month);
            assert_int_equal(c->bd, in->patient.birth_day);
            assert_true(in->has_plus_subfields);
            assert_null(edft_find(&m.diags, "EDF-PLUS-PATIENT"));
        } else {
            assert_false(in->has_plus_subfields);
            const edx_diag *d = edft_find(&m.diags, "EDF-PLUS-PATIENT");
            if (d == NULL)
                fail_msg("case %zu '%s': no EDF-PLUS-PATIENT", i, c->field);
            assert_int_equal(EDX_SEV_WARNING, d->severity);
            assert_int_equal(8, d->byte_offset);
        }
        edft_close(&m);
        edfb_free(b);
    }
}

typedef struct reccase {
    const char *field;
    int y, mo, d;
    const char *admin, *tech, *equip, *additional;
    bool parseable;
} reccase;

static const reccase reccases[] = {
    {"Startdate 02-MAR-2002 EMR7 Tech Equipment MNC R Median Nerve", 2002, 3, 2, "EMR7", "Tech",
     "Equipment", "MNC R Median Nerve", true},
    {"Startdate 02-MAR-2002 X X X", 2002, 3, 2, "", "", "", "", true},
    {"Startdate X X X X", 0, 0, 0, "", "", "", "", true},
    {"Startdate 02-MAR-2002 PSG-1234/2002 NN Telemetry03", 2002, 3, 2, "PSG-1234/2002", "NN",
     "Telemetry03", "", true},
    {"Startdate 02-MAR-2002 A Dr_Jan_Smit B", 2002, 3, 2, "A", "Dr Jan Smit", "B", "", true},
    {"Begindate 02-MAR-2002 X X X", 0, 0, 0, "", "", "", "", false},
    {"Startdate 2002-03-02 X X X", 0, 0, 0, "", "", "", "", false},
    {"", 0, 0, 0, "", "", "", "", false},
};

static void test_recording_subfields(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof reccases / sizeof reccases[0]; i++) {
        const reccase *c = &reccases[i];
        edfb *b = edft_make_simple(EDFB_EDFPLUS_D, 1, 4, 1);
        edfb_set(b, EDFB_RECORDING, c->field);
        edft_mem m;
        open_ok(&m, b);
        const edf_info *in = edf_get_info(m.f);
        assert_string_equal(c->field, in->recording_raw);
        if (c->parseable) {
            assert_true(in->has_plus_subfields);
            assert_int_equal(c->y, in->recording.start_year);
            assert_int_equal(c->mo, in->recording.start_month);
            assert_int_equal(c->d, in->recording.start_day);
            assert_string_equal(c->admin, in->recording.admincode);
            assert_string_equal(c->tech, in->recording.technician);
            assert_string_equal(c->equip, in->recording.equipment);
            assert_string_equal(c->additional, in->recording.additional);
            assert_null(edft_find(&m.diags, "EDF-PLUS-RECORDING"));
        } else {
            assert_false(in->has_plus_subfields);
            const edx_diag *d = edft_find(&m.diags, "EDF-PLUS-RECORDING");
            if (d == NULL)
                fail_msg("case %zu '%s': no EDF-PLUS-RECORDING", i, c->field);
            assert_int_equal(88, d->byte_offset);
        }
        edft_close(&m);
        edfb_free(b);
    }
}

/* ---- start date and time ---------------------------------------------------- */

typedef struct datecase {
    edfb_kind kind;
    const char *date, *time, *recording; /* recording NULL: default */
    int y, mo, d, h, mi, s;
    const char *diag;  /* expected diagnostic code or NULL for none */
} datecase;

static const datecase datecases[] = {
    /* EDF: 85-99 are 1985-1999, 00-84 are 2000-2084 */
    {EDFB_EDF, "02.03.85", "10.20.30", NULL, 1985, 3, 2, 10, 20, 30, NULL},
    {EDFB_EDF, "31.12.99", "23.59.59", NULL, 1999, 12, 31, 23, 59, 59, NULL},
    {EDFB_EDF, "01.01.00", "00.00.00", NULL, 2000, 1, 1, 0, 0, 0, NULL},
    {EDFB_EDF, "15.06.84", "12.00.00", NULL, 2084, 6, 15, 12, 0, 0, NULL},
    {EDFB_EDF, "15.06.24", "08.05.03", NULL, 2024, 6, 15, 8, 5, 3, NULL},
    {EDFB_BDF, "15.06.86", "08.05.03", NULL, 1986, 6, 15, 8, 5, 3, NULL},
    /* EDF+: the recording field's Startdate gives the 4-digit year */
    {EDFB_EDFPLUS_C, "02.03.02", "10.00.00", "Startdate 02-MAR-2002 X X X", 2002, 3, 2, 10, 0, 0, NULL},
    {EDFB_EDFPLUS_C, "02.03.85", "10.00.00", "Startdate 02-MAR-2085 X X X", 2085, 3, 2, 10, 0, 0, NULL},
    {EDFB_BDFPLUS_D, "02.03.84", "10.00.00", "Startdate 02-MAR-1984 X X X", 1984, 3, 2, 10, 0, 0, NULL},
    /* EDF+ after 2084: the header says "yy" and only the recording field has the date */
    {EDFB_EDFPLUS_C, "02.03.yy", "10.00.00", "Startdate 02-MAR-2090 X X X", 2090, 3, 2, 10, 0, 0, NULL},
    /* broken dates and times */
    {EDFB_EDF, "32.01.02", "10.00.00", NULL, 0, 0, 0, 10, 0, 0, "EDF-STARTDATE"},
    {EDFB_EDF, "01.13.02", "10.00.00", NULL, 0, 0, 0, 10, 0, 0, "EDF-STARTDATE"},
    {EDFB_EDF, "1.1.2002", "10.00.00", NULL, 0, 0, 0, 10, 0, 0, "EDF-STARTDATE"},
    {EDFB_EDF, "", "10.00.00", NULL, 0, 0, 0, 10, 0, 0, "EDF-STARTDATE"},
    {EDFB_EDF, "02.03.02", "24.00.00", NULL, 2002, 3, 2, 0, 0, 0, "EDF-STARTTIME"},
    {EDFB_EDF, "02.03.02", "10.61.00", NULL, 2002, 3, 2, 0, 0, 0, "EDF-STARTTIME"},
    {EDFB_EDF, "02.03.02", "ab.cd.ef", NULL, 2002, 3, 2, 0, 0, 0, "EDF-STARTTIME"},
    {EDFB_EDF, "02.03.02", "10:20:30", NULL, 2002, 3, 2, 10, 20, 30, "EDF-STARTTIME"},
    {EDFB_EDFPLUS_C, "02.03.02", "10.00.00", "Startdate 03-MAR-2002 X X X", 2002, 3, 2, 10, 0, 0,
     "EDF-STARTDATE-MISMATCH"},
};

static void test_start_date_time(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof datecases / sizeof datecases[0]; i++) {
        const datecase *c = &datecases[i];
        edfb *b = edft_make_simple(c->kind, 1, 4, 1);
        edfb_set(b, EDFB_STARTDATE, c->date);
        edfb_set(b, EDFB_STARTTIME, c->time);
        if (c->recording != NULL)
            edfb_set(b, EDFB_RECORDING, c->recording);
        edft_mem m;
        open_ok(&m, b);
        const edf_info *in = edf_get_info(m.f);
        if (in->start_year != c->y || in->start_month != c->mo || in->start_day != c->d ||
            in->start_hour != c->h || in->start_minute != c->mi || in->start_second != c->s)
            fail_msg("case %zu (%s %s): got %04d-%02d-%02d %02d:%02d:%02d", i, c->date, c->time,
                     in->start_year, in->start_month, in->start_day, in->start_hour,
                     in->start_minute, in->start_second);
        if (c->diag != NULL) {
            const edx_diag *d = edft_find(&m.diags, c->diag);
            if (d == NULL) {
                edft_dump(&m.diags, c->date);
                fail_msg("case %zu: no %s", i, c->diag);
            }
            assert_int_equal(EDX_SEV_WARNING, d->severity);
        } else if (edft_find_prefix(&m.diags, "EDF-START") != NULL) {
            edft_dump(&m.diags, c->date);
            fail_msg("case %zu: unexpected start date/time diagnostic", i);
        }
        edft_close(&m);
        edfb_free(b);
    }
}

/* The first record's time-keeping TAL gives the sub-second start. */
static void test_subsecond_start(void **state)
{
    (void)state;
    static const struct {
        const char *onset;
        double subsecond;
    } cases[] = {{"+0", 0.0}, {"+0.25", 0.25}, {"+0.5", 0.5}, {"+0.0001", 0.0001}, {"+0.999", 0.999}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        edfb *b = edfb_new(EDFB_EDFPLUS_C);
        edfb_set(b, EDFB_DURATION, "1");
        int sig = edfb_add_signal(b, "EMG", 8);
        int ann = edfb_add_annotation_signal(b, 60);
        edfb_add_record_at(b, cases[i].onset);
        /* the second record follows on: onset + 1 s, written with the same fraction */
        char next[32];
        snprintf(next, sizeof next, "+1%s", cases[i].onset + 2); /* "+1" + ".25" */
        edfb_add_record_at(b, next);
        const char *texts[] = {"Mark"};
        edfb_append_tal(b, 1, ann, "+1.75", NULL, texts, 1);
        (void)sig;
        edft_mem m;
        open_ok(&m, b);
        const edf_info *in = edf_get_info(m.f);
        assert_float_equal(cases[i].subsecond, in->start_subsecond_s, EPS);
        assert_float_equal(cases[i].subsecond, edf_record_onset_s(m.f, 0), EPS);
        assert_float_equal(1.0 + cases[i].subsecond, edf_record_onset_s(m.f, 1), EPS);
        assert_int_equal(1, edf_segment_count(m.f));
        /* annotation onsets stay relative to the header's start time */
        assert_int_equal(1, edf_annotation_count(m.f));
        assert_float_equal(1.75, edf_annotation_at(m.f, 0)->onset_s, EPS);
        assert_int_equal(0, m.diags.count);
        edft_close(&m);
        edfb_free(b);
    }
}

/* ---- sample rates, scaling, units ------------------------------------------- */

typedef struct ratecase {
    const char *duration;
    int spr;
    double rate;
} ratecase;

static const ratecase ratecases[] = {
    {"1", 20000, 20000.0},
    {"0.064", 125, 1953.125},   /* non-integer rate */
    {"0.05", 500, 10000.0},
    {"0.1", 1, 10.0},
    {"3", 1, 1.0 / 3.0},
    {"0.001", 48, 48000.0},
    {"10", 25, 2.5},
};

static void test_sample_rates(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ratecases / sizeof ratecases[0]; i++) {
        const ratecase *c = &ratecases[i];
        edfb *b = edfb_new(EDFB_EDF);
        edfb_set(b, EDFB_DURATION, c->duration);
        edfb_add_signal(b, "A", c->spr);
        edfb_add_signal(b, "B", 1);
        edfb_add_record(b);
        edfb_add_record(b);
        edft_mem m;
        open_ok(&m, b);
        const edf_signal *s = edf_get_signal(m.f, 0);
        if (fabs(s->sample_rate_hz - c->rate) > 1e-9 * c->rate)
            fail_msg("case %zu: %d samples per %s s gave %.12g Hz, want %.12g", i, c->spr,
                     c->duration, s->sample_rate_hz, c->rate);
        assert_int_equal(c->spr, s->samples_per_record);
        assert_int_equal(2 * c->spr, edf_signal_samples(m.f, 0));
        assert_int_equal(2, edf_signal_samples(m.f, 1));
        assert_int_equal(0, m.diags.count);
        edft_close(&m);
        edfb_free(b);
    }
}

typedef struct scalecase {
    edfb_kind kind;
    const char *pmin, *pmax, *dmin, *dmax, *dim;
    double gain, offset, uv_per_unit;
    int32_t digital;
    double physical;
} scalecase;

static const scalecase scalecases[] = {
    {EDFB_EDF, "-3276.8", "3276.7", "-32768", "32767", "uV", 0.1, 0.0, 1.0, 1234, 123.4},
    {EDFB_EDF, "-50", "150", "-1000", "1000", "uV", 0.1, 50.0, 1.0, 0, 50.0},
    {EDFB_EDF, "100", "-100", "-1000", "1000", "uV", -0.1, 0.0, 1.0, 500, -50.0}, /* negative gain */
    {EDFB_EDF, "-25", "25", "-25000", "25000", "mV", 0.001, 0.0, 1000.0, -7200, -7.2},
    {EDFB_EDF, "0", "1", "0", "1000", "V", 0.001, 0.0, 1e6, 500, 0.5},
    {EDFB_EDF, "0", "100", "0", "100", "nV", 1.0, 0.0, 1e-3, 42, 42.0},
    {EDFB_EDF, "-1", "1", "-32768", "32767", "bpm", 2.0 / 65535.0, -1.0 + 65536.0 / 65535.0, 0.0,
     -32768, -1.0},
    {EDFB_BDF, "-1000", "1000", "-100000", "100000", "uV", 0.01, 0.0, 1.0, -100000, -1000.0},
    {EDFB_BDF, "-8388608", "8388607", "-8388608", "8388607", "uV", 1.0, 0.0, 1.0, -8388608, -8388608.0},
    {EDFB_BDF, "500", "-500", "-8388608", "8388607", "UV", -1000.0 / 16777215.0,
     500.0 - 8388608.0 * 1000.0 / 16777215.0, 1.0, 8388607, -500.0},
};

static void test_scaling(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof scalecases / sizeof scalecases[0]; i++) {
        const scalecase *c = &scalecases[i];
        edfb *b = edfb_new(c->kind);
        int s = edfb_add_signal(b, "X", 2);
        edfb_set_scaling(b, s, c->pmin, c->pmax, c->dmin, c->dmax);
        edfb_set_signal(b, s, EDFB_S_PHYSDIM, c->dim);
        int r = edfb_add_record(b);
        edfb_set_sample(b, r, s, 0, c->digital);
        edft_mem m;
        open_ok(&m, b);
        const edf_signal *sg = edf_get_signal(m.f, 0);
        assert_true(sg->is_scalable);
        if (fabs(sg->gain - c->gain) > 1e-12 * fabs(c->gain) ||
            fabs(sg->offset - c->offset) > 1e-9)
            fail_msg("case %zu: gain %.17g offset %.17g, want %.17g %.17g", i, sg->gain,
                     sg->offset, c->gain, c->offset);
        assert_float_equal(c->uv_per_unit, sg->uv_per_unit, 1e-15);
        double phys = 0;
        size_t n = 0;
        assert_int_equal(EDX_OK, edf_read_physical(m.f, 0, 0, 1, &phys, &n));
        assert_int_equal(1, n);
        if (fabs(phys - c->physical) > 1e-9 * (1 + fabs(c->physical)))
            fail_msg("case %zu: digital %d read as %.17g, want %.17g", i, c->digital, phys,
                     c->physical);
        /* physical = gain * digital + offset */
        assert_float_equal(sg->gain * c->digital + sg->offset, phys, 1e-9 * (1 + fabs(phys)));
        double uv = 0;
        int rc = edf_read_uv(m.f, 0, 0, 1, &uv, &n);
        if (c->uv_per_unit > 0) {
            assert_int_equal(EDX_OK, rc);
            assert_float_equal(c->physical * c->uv_per_unit, uv,
                               1e-9 * (1 + fabs(c->physical * c->uv_per_unit)));
        } else {
            assert_int_equal(EDX_ERR_UNSUPPORTED, rc);
            assert_int_equal(0, n);
        }
        edft_close(&m);
        edfb_free(b);
    }
}

typedef struct unitcase {
    const char *unit;
    double uv;
} unitcase;

static const unitcase unitcases[] = {
    {"uV", 1.0}, {"UV", 1.0}, {"uv", 1.0}, {"\xc2\xb5V", 1.0}, {"\xce\xbcV", 1.0},
    {"mV", 1e3}, {"MV", 1e3}, {"V", 1e6}, {"v", 1e6}, {"nV", 1e-3},
    {"", 0.0}, {"bpm", 0.0}, {"mA", 0.0}, {"%", 0.0}, {"kV", 0.0},
};

static void test_unit_to_uv(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof unitcases / sizeof unitcases[0]; i++) {
        double got = edf_unit_to_uv(unitcases[i].unit);
        if (got != unitcases[i].uv)
            fail_msg("unit '%s': %g, want %g", unitcases[i].unit, got, unitcases[i].uv);
    }
}

/* Texts are trimmed; Latin-1 bytes become UTF-8; edf_find_signal matches trimmed labels. */
static void test_signal_texts(void **state)
{
    (void)state;
    edfb *b = edfb_new(EDFB_EDFPLUS_C);
    int s0 = edfb_add_signal(b, "EMG R TibAnt", 10);
    int s1 = edfb_add_signal(b, "NC R APB", 10);
    int s2 = edfb_add_signal(b, "x", 10);
    edfb_add_annotation_signal(b, 30);
    edfb_set_signal(b, s0, EDFB_S_TRANSDUCER, "concentric needle");
    edfb_set_signal(b, s0, EDFB_S_PREFILTER, "HP:20Hz LP:10kHz");
    edfb_set_signal(b, s1, EDFB_S_PHYSDIM, "mV");
    edfb_set_signal_bytes(b, s2, EDFB_S_LABEL, "Ch \xb5 1", 6); /* Latin-1 micro sign */
    edfb_set_signal(b, s2, EDFB_S_PHYSDIM, "\xb5V");          /* Latin-1 "µV" */
    edfb_add_record_at(b, "+0");
    edft_mem m;
    open_ok(&m, b);
    const edf_signal *a = edf_get_signal(m.f, s0);
    assert_string_equal("EMG R TibAnt", a->label);
    assert_string_equal("concentric needle", a->transducer);
    assert_string_equal("HP:20Hz LP:10kHz", a->prefilter);
    assert_string_equal("uV", a->physdim);
    assert_string_equal("mV", edf_get_signal(m.f, s1)->physdim);
    assert_string_equal("Ch \xc2\xb5 1", edf_get_signal(m.f, s2)->label);
    assert_string_equal("\xc2\xb5V", edf_get_signal(m.f, s2)->physdim);
    assert_float_equal(1.0, edf_get_signal(m.f, s2)->uv_per_unit, 0);
    assert_non_null(edft_find(&m.diags, "EDF-NON-ASCII"));
    assert_int_equal(s1, edf_find_signal(m.f, "NC R APB"));
    assert_int_equal(s0, edf_find_signal(m.f, "EMG R TibAnt"));
    assert_int_equal(3, edf_find_signal(m.f, "EDF Annotations"));
    assert_int_equal(-1, edf_find_signal(m.f, "emg r tibant"));
    assert_int_equal(-1, edf_find_signal(m.f, "NC R"));
    assert_null(edf_get_signal(m.f, 4));
    assert_null(edf_get_signal(m.f, -1));
    assert_int_equal(0, edf_get_signal(m.f, 0)->offset_in_record);
    assert_int_equal(20, edf_get_signal(m.f, 1)->offset_in_record);
    assert_int_equal(60, edf_get_signal(m.f, 3)->offset_in_record);
    edft_close(&m);
    edfb_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_annotation_label_in_plain_edf),
        cmocka_unit_test(test_patient_subfields),
        cmocka_unit_test(test_recording_subfields),
        cmocka_unit_test(test_start_date_time),
        cmocka_unit_test(test_subsecond_start),
        cmocka_unit_test(test_sample_rates),
        cmocka_unit_test(test_scaling),
        cmocka_unit_test(test_unit_to_uv),
        cmocka_unit_test(test_signal_texts),
    };
    return cmocka_run_group_tests_name("edf_header", tests, NULL, NULL);
}
