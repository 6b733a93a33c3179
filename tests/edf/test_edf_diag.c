/*
 * test_edf_diag.c - every diagnostic of the reader, one line per case: the
 * broken file is made from a valid one by an edit of the builder or of the
 * built bytes; the case says whether the file still opens and which
 * diagnostic it must give, with its severity and location (field, byte
 * offset, record, signal).
 *
 * The base file (edft_make_simple): 2 ordinary signals "S1", "S2" of 10
 * samples per record, 3 records of 0.1 s; EDF+/BDF+ kinds add an annotation
 * signal (index 2) with time-keeping TALs +0, +0.1, +0.2.
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

#define SKIP (-2) /* record / signal not checked */

/* ---- where a diagnostic must point ------------------------------------------ */

typedef enum wkind { W_ANY, W_NONE, W_MAIN, W_SIG, W_DATA } wkind;

typedef struct where {
    wkind kind;
    int a, b;       /* W_MAIN: field; W_SIG: signal, sfield; W_DATA: record, signal */
    int64_t delta;  /* added to the offset */
} where;

#define ANY {W_ANY, 0, 0, 0}
#define NOWHERE {W_NONE, 0, 0, 0}
#define AT_MAIN(f, d) {W_MAIN, (f), 0, (d)}
#define AT_SIG(s, f, d) {W_SIG, (s), (f), (d)}
#define AT_DATA(r, s, d) {W_DATA, (r), (s), (d)}

static int64_t where_offset(const where *w, const edfb *b)
{
    switch (w->kind) {
    case W_MAIN: return edfb_field_offset((edfb_field)w->a) + w->delta;
    case W_SIG: return edfb_signal_field_offset(b, w->a, (edfb_sfield)w->b) + w->delta;
    case W_DATA: return edfb_data_offset(b, w->a, w->b) + w->delta;
    default: return EDX_DIAG_NONE;
    }
}

/* ---- edits -------------------------------------------------------------------- */

typedef void (*edit_fn)(edfb *b);
typedef void (*patch_fn)(uint8_t **data, size_t *size);

static void set_onsets(edfb *b, const char *o0, const char *o1, const char *o2)
{
    const char *o[3] = {o0, o1, o2};
    for (int r = 0; r < 3; r++) {
        edfb_clear_slot(b, r, 2);
        edfb_append_timekeeping(b, r, 2, o[r]);
    }
}

static void e_records_m1(edfb *b) { edfb_set(b, EDFB_N_RECORDS, "-1"); }
static void e_records_abc(edfb *b) { edfb_set(b, EDFB_N_RECORDS, "abc"); }
static void e_records_5(edfb *b) { edfb_set(b, EDFB_N_RECORDS, "5"); }
static void e_records_2(edfb *b) { edfb_set(b, EDFB_N_RECORDS, "2"); }
static void e_records_0(edfb *b) { edfb_set(b, EDFB_N_RECORDS, "0"); }
static void e_patient_latin1(edfb *b) { edfb_set_bytes(b, EDFB_PATIENT, "M\xfcller", 6); }
static void e_label_latin1(edfb *b) { edfb_set_signal_bytes(b, 0, EDFB_S_LABEL, "EMG \xe9", 5); }
static void e_label_nul(edfb *b) { edfb_set_signal_bytes(b, 0, EDFB_S_LABEL, "EMG\0\0\0\0\0\0\0\0\0\0\0\0\0", 16); }
static void e_patient_nul(edfb *b) { edfb_set_bytes(b, EDFB_PATIENT, "X\0\0\0", 4); }
static void e_label_space(edfb *b) { edfb_set_signal(b, 1, EDFB_S_LABEL, " EMG"); }
static void e_phys_equal(edfb *b) { edfb_set_scaling(b, 0, "5", "5", "-32768", "32767"); }
static void e_physmin_abc(edfb *b) { edfb_set_signal(b, 1, EDFB_S_PHYSMIN, "abc"); }
static void e_physmax_abc(edfb *b) { edfb_set_signal(b, 1, EDFB_S_PHYSMAX, "1..2"); }
static void e_dig_equal(edfb *b) { edfb_set_scaling(b, 0, "-100", "100", "100", "100"); }
static void e_dig_order(edfb *b) { edfb_set_scaling(b, 0, "-100", "100", "100", "-100"); }
static void e_digmin_frac(edfb *b) { edfb_set_signal(b, 1, EDFB_S_DIGMIN, "1.5"); }
static void e_digmax_abc(edfb *b) { edfb_set_signal(b, 1, EDFB_S_DIGMAX, "x"); }
static void e_digmin_big(edfb *b) { edfb_set_signal(b, 0, EDFB_S_DIGMIN, "-40000"); }
static void e_digmax_big(edfb *b) { edfb_set_signal(b, 0, EDFB_S_DIGMAX, "40000"); }
static void e_ns_0(edfb *b) { edfb_set(b, EDFB_NS, "0"); }
static void e_ns_abc(edfb *b) { edfb_set(b, EDFB_NS, "ab"); }
static void e_ns_9999(edfb *b) { edfb_set(b, EDFB_NS, "9999"); }
static void e_ns_5(edfb *b) { edfb_set(b, EDFB_NS, "5"); }
static void e_spr_huge(edfb *b)
{
    edfb_set_signal(b, 0, EDFB_S_SAMPLES, "99999999");
    edfb_set_signal(b, 1, EDFB_S_SAMPLES, "99999999");
}
static void e_spr_neg(edfb *b) { edfb_set_signal(b, 1, EDFB_S_SAMPLES, "-5"); }
static void e_spr_text(edfb *b) { edfb_set_signal(b, 0, EDFB_S_SAMPLES, "ten"); }
static void e_spr_all0(edfb *b)
{
    edfb_set_signal(b, 0, EDFB_S_SAMPLES, "0");
    edfb_set_signal(b, 1, EDFB_S_SAMPLES, "0");
}
static void e_spr_one0(edfb *b) { edfb_set_signal(b, 1, EDFB_S_SAMPLES, "0"); }
static void e_gap_c(edfb *b) { set_onsets(b, "+0", "+0.1", "+0.5"); }
static void e_overlap_c(edfb *b) { set_onsets(b, "+0", "+0.1", "+0.15"); }
static void e_overlap_d(edfb *b) { set_onsets(b, "+0", "+0.1", "+0.15"); }
static void e_dur_abc(edfb *b) { edfb_set(b, EDFB_DURATION, "abc"); }
static void e_dur_neg(edfb *b) { edfb_set(b, EDFB_DURATION, "-1"); }
static void e_dur_0(edfb *b) { edfb_set(b, EDFB_DURATION, "0"); }
static void e_hdrbytes(edfb *b) { edfb_set(b, EDFB_HEADER_BYTES, "1000"); }
static void e_hdrbytes_abc(edfb *b) { edfb_set(b, EDFB_HEADER_BYTES, "big"); }
static void e_startdate(edfb *b) { edfb_set(b, EDFB_STARTDATE, "xx.yy.zz"); }
static void e_starttime(edfb *b) { edfb_set(b, EDFB_STARTTIME, "25.61.00"); }
static void e_version(edfb *b) { edfb_set(b, EDFB_VERSION, "1"); }
static void e_reserved_x(edfb *b) { edfb_set(b, EDFB_RESERVED, "EDF+X"); }
static void e_reserved_bdf(edfb *b) { edfb_set(b, EDFB_RESERVED, "BDF+C"); }
static void e_patient_bad(edfb *b) { edfb_set(b, EDFB_PATIENT, "Jan de Vries 1951"); }
static void e_recording_bad(edfb *b) { edfb_set(b, EDFB_RECORDING, "EMG lab 3"); }
static void e_date_mismatch(edfb *b) { edfb_set(b, EDFB_RECORDING, "Startdate 03-APR-2003 X X X"); }
static void e_no_timekeeping(edfb *b)
{
    edfb_clear_slot(b, 1, 2);
    static const char *const t[] = {"Text"};
    edfb_append_tal(b, 1, 2, "+0.1", NULL, t, 1);
}
static void e_order(edfb *b)
{
    static const char *const a[] = {"A"}, *const c[] = {"B"};
    edfb_append_tal(b, 0, 2, "+0.2", NULL, a, 1);
    edfb_append_tal(b, 1, 2, "+0.05", NULL, c, 1);
}

static void p_cut5(uint8_t **d, size_t *n) { (void)d; *n -= 5; }
static void p_size100(uint8_t **d, size_t *n) { (void)d; *n = 100; }
static void p_size0(uint8_t **d, size_t *n) { (void)d; *n = 0; }
static void p_size255(uint8_t **d, size_t *n) { (void)d; *n = 255; }
static void p_size600(uint8_t **d, size_t *n) { (void)d; *n = 600; }
static void p_append7(uint8_t **d, size_t *n)
{
    uint8_t *p = realloc(*d, *n + 7);
    assert_non_null(p);
    memset(p + *n, 0x55, 7);
    *d = p;
    *n += 7;
}

/* ---- the cases ---------------------------------------------------------------------- */

typedef struct dcase {
    const char *name;
    edfb_kind kind;
    edit_fn edit;
    patch_fn patch;
    bool opens;
    const char *code;
    edx_severity sev;
    const char *field; /* NULL: not checked */
    where at;
    int64_t record;    /* SKIP: not checked */
    int signal;        /* SKIP: not checked */
    int64_t n_records; /* usable records when it opens; SKIP: not checked */
} dcase;

#define W EDX_SEV_WARNING
#define E EDX_SEV_ERROR
#define NO EDX_DIAG_NONE

static const dcase dcases[] = {
    /* record count */
    {"records -1", EDFB_EDF, e_records_m1, NULL, true, "EDF-RECORDS-UNKNOWN", W, "records", AT_MAIN(EDFB_N_RECORDS, 0), NO, NO, 3},
    {"records not a number", EDFB_EDFPLUS_C, e_records_abc, NULL, true, "EDF-RECORDS-UNKNOWN", W, "records", AT_MAIN(EDFB_N_RECORDS, 0), NO, NO, 3},
    {"truncated last record", EDFB_EDF, NULL, p_cut5, true, "EDF-RECORD-TRUNCATED", W, "", AT_DATA(2, 0, 0), 2, NO, 2},
    {"truncated, count -1", EDFB_BDFPLUS_C, e_records_m1, p_cut5, true, "EDF-RECORD-TRUNCATED", W, "", AT_DATA(2, 0, 0), 2, NO, 2},
    {"records more than file", EDFB_EDF, e_records_5, NULL, true, "EDF-RECORDS-MISSING", W, "records", AT_MAIN(EDFB_N_RECORDS, 0), NO, NO, 3},
    {"records fewer than file", EDFB_EDF, e_records_2, NULL, true, "EDF-TRAILING-BYTES", W, "", AT_DATA(2, 0, 0), 2, NO, 2},
    {"bytes after last record", EDFB_BDF, NULL, p_append7, true, "EDF-TRAILING-BYTES", W, "", AT_DATA(3, 0, 0), 3, NO, 3},
    {"no records", EDFB_EDF, e_records_0, NULL, true, "EDF-NO-RECORDS", W, "records", AT_MAIN(EDFB_N_RECORDS, 0), NO, NO, 0},
    /* header text */
    {"Latin-1 patient", EDFB_EDF, e_patient_latin1, NULL, true, "EDF-NON-ASCII", W, "patient", AT_MAIN(EDFB_PATIENT, 1), NO, NO, 3},
    {"Latin-1 label", EDFB_EDFPLUS_C, e_label_latin1, NULL, true, "EDF-NON-ASCII", W, "label", AT_SIG(0, EDFB_S_LABEL, 4), NO, 0, 3},
    {"label NUL-padded", EDFB_EDF, e_label_nul, NULL, true, "EDF-FIELD-NOT-PADDED", W, "label", AT_SIG(0, EDFB_S_LABEL, 3), NO, 0, 3},
    {"patient NUL-padded", EDFB_EDF, e_patient_nul, NULL, true, "EDF-FIELD-NOT-PADDED", W, "patient", AT_MAIN(EDFB_PATIENT, 1), NO, NO, 3},
    {"label leading space", EDFB_EDF, e_label_space, NULL, true, "EDF-LABEL-LEADING-SPACE", W, "label", AT_SIG(1, EDFB_S_LABEL, 0), NO, 1, 3},
    {"version not 0", EDFB_EDF, e_version, NULL, true, "EDF-VERSION", W, "version", AT_MAIN(EDFB_VERSION, 0), NO, NO, 3},
    {"reserved EDF+X", EDFB_EDFPLUS_C, e_reserved_x, NULL, true, "EDF-RESERVED", W, "reserved", AT_MAIN(EDFB_RESERVED, 0), NO, NO, 3},
    {"reserved BDF+C in EDF", EDFB_EDFPLUS_C, e_reserved_bdf, NULL, true, "EDF-RESERVED", W, "reserved", AT_MAIN(EDFB_RESERVED, 0), NO, NO, 3},
    {"bad startdate", EDFB_EDF, e_startdate, NULL, true, "EDF-STARTDATE", W, "startdate", AT_MAIN(EDFB_STARTDATE, 0), NO, NO, 3},
    {"bad starttime", EDFB_EDF, e_starttime, NULL, true, "EDF-STARTTIME", W, "starttime", AT_MAIN(EDFB_STARTTIME, 0), NO, NO, 3},
    {"EDF+ patient", EDFB_EDFPLUS_C, e_patient_bad, NULL, true, "EDF-PLUS-PATIENT", W, "patient", AT_MAIN(EDFB_PATIENT, 0), NO, NO, 3},
    {"EDF+ recording", EDFB_EDFPLUS_D, e_recording_bad, NULL, true, "EDF-PLUS-RECORDING", W, "recording", AT_MAIN(EDFB_RECORDING, 0), NO, NO, 3},
    {"EDF+ startdate mismatch", EDFB_BDFPLUS_C, e_date_mismatch, NULL, true, "EDF-STARTDATE-MISMATCH", W, "recording", AT_MAIN(EDFB_RECORDING, 0), NO, NO, 3},
    /* numbers */
    {"header bytes wrong", EDFB_EDF, e_hdrbytes, NULL, true, "EDF-HEADER-BYTES", W, "header_bytes", AT_MAIN(EDFB_HEADER_BYTES, 0), NO, NO, 3},
    {"header bytes text", EDFB_EDF, e_hdrbytes_abc, NULL, true, "EDF-HEADER-BYTES", W, "header_bytes", AT_MAIN(EDFB_HEADER_BYTES, 0), NO, NO, 3},
    {"duration text", EDFB_EDF, e_dur_abc, NULL, false, "EDF-RECORD-DURATION", E, "record_duration", AT_MAIN(EDFB_DURATION, 0), NO, NO, SKIP},
    {"duration negative", EDFB_EDFPLUS_C, e_dur_neg, NULL, false, "EDF-RECORD-DURATION", E, "record_duration", AT_MAIN(EDFB_DURATION, 0), NO, NO, SKIP},
    {"duration 0 with samples", EDFB_EDF, e_dur_0, NULL, true, "EDF-RECORD-DURATION", E, "record_duration", AT_MAIN(EDFB_DURATION, 0), NO, NO, 3},
    {"physical min == max", EDFB_EDF, e_phys_equal, NULL, true, "EDF-PHYS-EQUAL", E, "physical_minimum", AT_SIG(0, EDFB_S_PHYSMIN, 0), NO, 0, 3},
    {"physical min text", EDFB_EDF, e_physmin_abc, NULL, true, "EDF-PHYS-RANGE", E, "physical_minimum", AT_SIG(1, EDFB_S_PHYSMIN, 0), NO, 1, 3},
    {"physical max text", EDFB_BDF, e_physmax_abc, NULL, true, "EDF-PHYS-RANGE", E, "physical_maximum", AT_SIG(1, EDFB_S_PHYSMAX, 0), NO, 1, 3},
    {"digital min == max", EDFB_EDF, e_dig_equal, NULL, true, "EDF-DIG-EQUAL", E, "digital_maximum", AT_SIG(0, EDFB_S_DIGMAX, 0), NO, 0, 3},
    {"digital max < min", EDFB_EDF, e_dig_order, NULL, true, "EDF-DIG-ORDER", W, "digital_maximum", AT_SIG(0, EDFB_S_DIGMAX, 0), NO, 0, 3},
    {"digital min fraction", EDFB_EDF, e_digmin_frac, NULL, true, "EDF-DIG-RANGE", E, "digital_minimum", AT_SIG(1, EDFB_S_DIGMIN, 0), NO, 1, 3},
    {"digital max text", EDFB_EDF, e_digmax_abc, NULL, true, "EDF-DIG-RANGE", E, "digital_maximum", AT_SIG(1, EDFB_S_DIGMAX, 0), NO, 1, 3},
    {"digital min beyond 16 bits", EDFB_EDF, e_digmin_big, NULL, true, "EDF-DIG-LIMITS", W, "digital_minimum", AT_SIG(0, EDFB_S_DIGMIN, 0), NO, 0, 3},
    {"digital max beyond 16 bits", EDFB_EDF, e_digmax_big, NULL, true, "EDF-DIG-LIMITS", W, "digital_maximum", AT_SIG(0, EDFB_S_DIGMAX, 0), NO, 0, 3},
    /* signal counts and sizes */
    {"ns 0", EDFB_EDF, e_ns_0, NULL, false, "EDF-NO-SIGNALS", E, "signals", AT_MAIN(EDFB_NS, 0), NO, NO, SKIP},
    {"ns text", EDFB_EDFPLUS_D, e_ns_abc, NULL, false, "EDF-NO-SIGNALS", E, "signals", AT_MAIN(EDFB_NS, 0), NO, NO, SKIP},
    {"ns huge", EDFB_EDF, e_ns_9999, NULL, false, "EDF-SIGNALS-RANGE", E, "signals", AT_MAIN(EDFB_NS, 0), NO, NO, SKIP},
    {"ns beyond the file", EDFB_BDF, e_ns_5, NULL, false, "EDF-SIGNALS-RANGE", E, "signals", AT_MAIN(EDFB_NS, 0), NO, NO, SKIP},
    {"samples per record overflow", EDFB_EDF, e_spr_huge, NULL, false, "EDF-RECORD-SIZE", E, "samples_per_record", AT_SIG(1, EDFB_S_SAMPLES, 0), NO, SKIP, SKIP},
    {"samples per record negative", EDFB_EDF, e_spr_neg, NULL, false, "EDF-SAMPLES-PER-RECORD", E, "samples_per_record", AT_SIG(1, EDFB_S_SAMPLES, 0), NO, 1, SKIP},
    {"samples per record text", EDFB_BDFPLUS_C, e_spr_text, NULL, false, "EDF-SAMPLES-PER-RECORD", E, "samples_per_record", AT_SIG(0, EDFB_S_SAMPLES, 0), NO, 0, SKIP},
    {"no samples at all", EDFB_EDF, e_spr_all0, NULL, false, "EDF-RECORD-SIZE", E, "samples_per_record", ANY, NO, SKIP, SKIP},
    {"one signal empty", EDFB_EDF, e_spr_one0, NULL, true, "EDF-SIGNAL-EMPTY", W, "samples_per_record", AT_SIG(1, EDFB_S_SAMPLES, 0), NO, 1, 3},
    /* file size */
    {"file of 100 bytes", EDFB_EDF, NULL, p_size100, false, "EDF-HEADER-TRUNCATED", E, "", ANY, NO, NO, SKIP},
    {"file of 255 bytes", EDFB_EDFPLUS_C, NULL, p_size255, false, "EDF-HEADER-TRUNCATED", E, "", ANY, NO, NO, SKIP},
    {"empty file", EDFB_EDF, NULL, p_size0, false, "EDF-HEADER-TRUNCATED", E, "", ANY, NO, NO, SKIP},
    {"signal headers cut", EDFB_EDF, NULL, p_size600, false, "EDF-SIGNALS-RANGE", E, "signals", AT_MAIN(EDFB_NS, 0), NO, NO, SKIP},
    /* EDF+ time line and TALs */
    {"EDF+C gap", EDFB_EDFPLUS_C, e_gap_c, NULL, true, "EDF-CONTINUITY", W, "", AT_DATA(2, 0, 0), 2, NO, 3},
    {"EDF+C overlap", EDFB_EDFPLUS_C, e_overlap_c, NULL, true, "EDF-CONTINUITY", W, "", AT_DATA(2, 0, 0), 2, NO, 3},
    {"BDF+C gap", EDFB_BDFPLUS_C, e_gap_c, NULL, true, "EDF-CONTINUITY", W, "", AT_DATA(2, 0, 0), 2, NO, 3},
    {"EDF+D overlap", EDFB_EDFPLUS_D, e_overlap_d, NULL, true, "EDF-RECORD-OVERLAP", W, "", AT_DATA(2, 0, 0), 2, NO, 3},
    {"no time-keeping TAL", EDFB_EDFPLUS_C, e_no_timekeeping, NULL, true, "TAL-NO-TIMEKEEPING", W, "", AT_DATA(1, 2, 0), 1, 2, 3},
    {"annotations out of order", EDFB_EDFPLUS_C, e_order, NULL, true, "TAL-ORDER", W, "", ANY, 1, 2, 3},
};

/* An EDF+ file without any annotation signal. */
static void test_plus_without_annotation_signal(void **state)
{
    (void)state;
    static const edfb_kind kinds[] = {EDFB_EDFPLUS_C, EDFB_EDFPLUS_D, EDFB_BDFPLUS_C};
    for (size_t i = 0; i < 3; i++) {
        edfb *b = edfb_new(kinds[i]);
        edfb_set(b, EDFB_DURATION, "0.5");
        edfb_add_signal(b, "EMG", 5);
        edfb_add_record(b);
        edfb_add_record(b);
        edft_mem m;
        assert_int_equal(EDX_OK, edft_open_builder(&m, b));
        const edx_diag *d = edft_find(&m.diags, "EDF-PLUS-NO-ANNOTATIONS");
        assert_non_null(d);
        assert_int_equal(EDX_SEV_WARNING, d->severity);
        /* records taken as contiguous */
        assert_float_equal(0.5, edf_record_onset_s(m.f, 1), 1e-12);
        assert_int_equal(1, edf_segment_count(m.f));
        edft_close(&m);
        edfb_free(b);
    }
}

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 1;
}

/* Checks one case; prints each mismatch and returns how many there were. */
static int check_case(const dcase *c)
{
    int nbad = 0;
    edfb *b = edft_make_simple(c->kind, 2, 10, 3);
    assert_non_null(b);
    if (c->edit != NULL)
        c->edit(b);
    uint8_t *data = NULL;
    size_t size = 0;
    if (edfb_build(b, &data, &size) != 0)
        fail_msg("case '%s': builder: %s", c->name, edfb_error(b));
    if (c->patch != NULL)
        c->patch(&data, &size);
    edft_mem m;
    int rc = edft_open_bytes(&m, data, size);
    free(data);
    if (c->opens && (rc != EDX_OK || m.f == NULL))
        nbad += bad("case '%s': did not open (%d)", c->name, rc);
    if (!c->opens) {
        if (rc >= 0 || m.f != NULL)
            nbad += bad("case '%s': opened, want a failure", c->name);
        if (m.diags.n_errors == 0)
            nbad += bad("case '%s': failed without an error diagnostic", c->name);
    }
    const edx_diag *d = edft_find(&m.diags, c->code);
    if (d == NULL) {
        nbad += bad("case '%s': no %s", c->name, c->code);
    } else {
        if (d->severity != c->sev)
            nbad += bad("case '%s': %s has severity %d, want %d", c->name, c->code,
                        (int)d->severity, (int)c->sev);
        if (c->field != NULL && strcmp(d->field, c->field) != 0)
            nbad += bad("case '%s': %s field '%s', want '%s'", c->name, c->code, d->field,
                        c->field);
        if (c->at.kind != W_ANY) {
            int64_t want = where_offset(&c->at, b);
            if (d->byte_offset != want)
                nbad += bad("case '%s': %s at byte %lld, want %lld", c->name, c->code,
                            (long long)d->byte_offset, (long long)want);
        }
        if (c->record != SKIP && d->record != c->record)
            nbad += bad("case '%s': %s record %lld, want %lld", c->name, c->code,
                        (long long)d->record, (long long)c->record);
        if (c->signal != SKIP && d->signal != c->signal)
            nbad += bad("case '%s': %s signal %d, want %d", c->name, c->code, d->signal,
                        c->signal);
        if (strlen(d->message) == 0)
            nbad += bad("case '%s': empty message", c->name);
    }
    if (c->opens && m.f != NULL) {
        const edf_info *in = edf_get_info(m.f);
        if (c->n_records != SKIP && in->n_records != c->n_records)
            nbad += bad("case '%s': %lld records, want %lld", c->name,
                        (long long)in->n_records, (long long)c->n_records);
        /* whatever was diagnosed, what opened can be read */
        if (edft_read_everything(m.f) != 0)
            nbad += bad("case '%s': opened but cannot be read", c->name);
    }
    if (nbad > 0)
        edft_dump(&m.diags, c->name);
    edft_close(&m);
    edfb_free(b);
    return nbad;
}

static void test_diagnostics_table(void **state)
{
    (void)state;
    int nbad = 0;
    for (size_t i = 0; i < sizeof dcases / sizeof dcases[0]; i++)
        nbad += check_case(&dcases[i]);
    if (nbad > 0)
        fail_msg("%d mismatches (listed above)", nbad);
}

/* What the diagnosed files still give. */
static void test_diagnosed_values(void **state)
{
    (void)state;
    edft_mem m;
    edfb *b = edft_make_simple(EDFB_EDF, 2, 10, 3);
    e_patient_latin1(b);
    e_label_nul(b);
    assert_int_equal(EDX_OK, edft_open_builder(&m, b));
    assert_string_equal("M\xc3\xbcller", edf_get_info(m.f)->patient_raw);
    assert_string_equal("EMG", edf_get_signal(m.f, 0)->label);
    edft_close(&m);
    edfb_free(b);

    /* a signal that cannot be scaled still gives its digital samples */
    b = edft_make_simple(EDFB_EDF, 2, 10, 3);
    e_phys_equal(b);
    assert_int_equal(EDX_OK, edft_open_builder(&m, b));
    assert_false(edf_get_signal(m.f, 0)->is_scalable);
    assert_true(edf_get_signal(m.f, 1)->is_scalable);
    int32_t dig[10];
    double uv[10];
    size_t n = 0;
    assert_int_equal(EDX_OK, edf_read_digital(m.f, 0, 10, 10, dig, &n));
    assert_int_equal(10, n);
    assert_int_equal(edft_pattern(EDFB_EDF, 1, 0, 3), dig[3]);
    assert_int_equal(EDX_ERR_UNSUPPORTED, edf_read_uv(m.f, 0, 0, 10, uv, &n));
    assert_int_equal(EDX_ERR_UNSUPPORTED, edf_read_physical(m.f, 0, 0, 10, uv, &n));
    edft_close(&m);
    edfb_free(b);

    /* digital max < min scales as written: a negative gain */
    b = edft_make_simple(EDFB_EDF, 2, 10, 3);
    e_dig_order(b);
    assert_int_equal(EDX_OK, edft_open_builder(&m, b));
    assert_true(edf_get_signal(m.f, 0)->is_scalable);
    assert_float_equal(-1.0, edf_get_signal(m.f, 0)->gain, 1e-12);
    edft_close(&m);
    edfb_free(b);
}

/* A flood of one warning stays bounded in the sink. */
static void test_flood_of_warnings(void **state)
{
    (void)state;
    edfb *b = edfb_new(EDFB_EDFPLUS_C);
    edfb_set(b, EDFB_DURATION, "1");
    int a = edfb_add_annotation_signal(b, 30);
    for (int r = 0; r < 2000; r++) {
        int rec = edfb_add_record(b);
        edfb_append_bytes(b, rec, a, "zz\0", 3); /* garbage and no time-keeping TAL */
    }
    edft_mem m;
    assert_int_equal(EDX_OK, edft_open_builder(&m, b));
    assert_true(m.diags.count <= EDX_DIAG_MAX);
    assert_int_equal(EDX_DIAG_PER_CODE, edx_diags_count_code(&m.diags, "TAL-SYNTAX"));
    assert_int_equal(EDX_DIAG_PER_CODE, edx_diags_count_code(&m.diags, "TAL-NO-TIMEKEEPING"));
    assert_true(m.diags.n_suppressed >= 2 * (2000 - EDX_DIAG_PER_CODE));
    assert_int_equal(2000, edf_get_info(m.f)->n_records);
    edft_close(&m);
    edfb_free(b);
}

/* More than EDF_MAX_ANNOTATIONS annotations: the rest are counted, not kept. */
static void test_annotation_limit(void **state)
{
    (void)state;
    const size_t n_ann = (size_t)EDF_MAX_ANNOTATIONS + 10;
    edfb_bytes bb = {0};
    assert_int_equal(0, edfb_bytes_timekeeping(&bb, "+0"));
    assert_int_equal(0, edfb_bytes_append_str(&bb, "+0.5\x14"));
    for (size_t i = 0; i < n_ann; i++)
        assert_int_equal(0, edfb_bytes_append(&bb, "a\x14", 2)); /* 2 bytes per annotation */
    assert_int_equal(0, edfb_bytes_append(&bb, "", 1));
    edfb *b = edfb_new(EDFB_EDFPLUS_C);
    int a = edfb_add_annotation_signal(b, bb.size);
    int r = edfb_add_record(b);
    assert_int_equal(0, edfb_append_bytes(b, r, a, bb.data, bb.size));
    edfb_bytes_free(&bb);
    edft_mem m;
    assert_int_equal(EDX_OK, edft_open_builder(&m, b));
    assert_int_equal(EDF_MAX_ANNOTATIONS, edf_annotation_count(m.f));
    const edx_diag *d = edft_find(&m.diags, "EDF-ANNOTATIONS-LIMIT");
    assert_non_null(d);
    assert_int_equal(EDX_SEV_WARNING, d->severity);
    assert_int_equal(0, d->record);
    assert_int_equal(a, d->signal);
    assert_int_equal(1, edx_diags_count_code(&m.diags, "EDF-ANNOTATIONS-LIMIT"));
    assert_string_equal("a", edf_annotation_at(m.f, EDF_MAX_ANNOTATIONS - 1)->text);
    edft_close(&m);
    edfb_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diagnostics_table),
        cmocka_unit_test(test_plus_without_annotation_signal),
        cmocka_unit_test(test_diagnosed_values),
        cmocka_unit_test(test_flood_of_warnings),
        cmocka_unit_test(test_annotation_limit),
    };
    return cmocka_run_group_tests_name("edf_diag", tests, NULL, NULL);
}
