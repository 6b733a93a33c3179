/*
 * test_conv_study.c - files into studies: what each recording is (nerve
 * tests with sweeps, muscles with epochs), and grouping over folders with
 * mixed files, two patients, legacy EDF files and unreadable files. The
 * recordings are made at test time with the byte-level builder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_cases.h"
#include "edf_builder.h"
#include "edf_testutil.h"

typedef struct fixture {
    conv_tables *t;
    edfb_tmpdir dir;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->t = conv_cases_tables();
    if (!f->t || edfb_tmpdir_create(&f->dir) != 0) {
        conv_tables_free(f->t);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    edfb_tmpdir_remove(&f->dir);
    conv_tables_free(f->t);
    free(f);
    return 0;
}

/* ---- making recordings ---------------------------------------------------------------- */

typedef struct ann {
    int record;         /* data record whose annotation signal holds it */
    const char *onset;  /* "+62.5" */
    const char *dur;    /* NULL: none */
    const char *text;
} ann;

typedef struct spec {
    edfb_kind kind;
    const char *patient, *recording, *startdate;
    const char *labels[3];
    int n_labels;
    const char *physdim;     /* NULL: "uV" */
    int spr;                 /* samples per record */
    const char *duration;    /* record duration */
    int n_rec;
    const char *onsets[4];   /* EDF+D record onsets; NULL: contiguous */
    const ann *anns;
    size_t n_anns;
} spec;

/* Writes the file into the fixture's folder (sub = subfolder or NULL). */
static void write_spec(fixture *f, const char *sub, const char *name, const spec *s, char *path,
                       size_t size)
{
    edfb *b = edfb_new(s->kind);
    assert_non_null(b);
    if (s->patient)
        edfb_set(b, EDFB_PATIENT, s->patient);
    if (s->recording)
        edfb_set(b, EDFB_RECORDING, s->recording);
    if (s->startdate)
        edfb_set(b, EDFB_STARTDATE, s->startdate);
    edfb_set(b, EDFB_STARTTIME, "10.00.00");
    edfb_set(b, EDFB_DURATION, s->duration);
    for (int i = 0; i < s->n_labels; i++) {
        int sig = edfb_add_signal(b, s->labels[i], s->spr);
        assert_true(sig >= 0);
        if (s->physdim)
            edfb_set_signal(b, sig, EDFB_S_PHYSDIM, s->physdim);
    }
    int ann_sig = -1;
    if (edfb_kind_is_plus(s->kind))
        ann_sig = edfb_add_annotation_signal(b, 3000);
    for (int r = 0; r < s->n_rec; r++) {
        if (ann_sig < 0) {
            assert_true(edfb_add_record(b) >= 0);
            continue;
        }
        char onset[32];
        if (s->onsets[0])
            snprintf(onset, sizeof onset, "%s", s->onsets[r]);
        else
            edft_onset_text(r, onset, sizeof onset); /* 0.1 s records */
        assert_true(edfb_add_record_at(b, onset) >= 0);
    }
    for (size_t i = 0; i < s->n_anns; i++) {
        const char *texts[1] = {s->anns[i].text};
        assert_int_equal(edfb_append_tal(b, s->anns[i].record, ann_sig, s->anns[i].onset,
                                         s->anns[i].dur, texts, 1), 0);
    }
    char folder[600];
    if (sub) {
        edfb_tmpdir_file(&f->dir, sub, folder, sizeof folder);
        char cmd[700];
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", folder);
        assert_int_equal(system(cmd), 0);
    } else {
        snprintf(folder, sizeof folder, "%s", f->dir.path);
    }
    snprintf(path, size, "%s/%s", folder, name);
    if (edfb_write_file(b, path) != 0)
        fail_msg("builder: %s", edfb_error(b) ? edfb_error(b) : "write failed");
    edfb_free(b);
}

#define PATIENT_A "MCH-0234567 F 02-MAY-1951 Haagse_Harry"
#define PATIENT_B "PAT-2 M 15-JAN-1980 Jan_Jansen"
#define REC_DAY1 "Startdate 02-MAR-2002 EMG561 BK/JOP Sony."
#define REC_DAY2 "Startdate 03-MAR-2002 EMG562 BK/JOP Sony."

static const ann EMG_TA_ANNS[] = {
    {0, "+0", "62", "Rest"},
    {0, "+0", NULL, "Needle site 1"},
    {0, "+62", "20", "Minimal contraction"},
    {0, "+82", NULL, "Needle site 2"},
    {0, "+90", NULL, "Needle site 3"},
};

static spec emg_spec(const char *patient, const char *recording, const char *date,
                     const char *label)
{
    spec s = {EDFB_EDFPLUS_C, patient, recording, date, {label}, 1, NULL, 2000, "0.1", 3,
              {NULL}, EMG_TA_ANNS, sizeof EMG_TA_ANNS / sizeof EMG_TA_ANNS[0]};
    return s;
}

static void write_fixture_mnc(fixture *f, const char *sub, const char *name, char *path,
                              size_t size)
{
    edfb *b = edfb_fixture_mnc();
    assert_non_null(b);
    char folder[600];
    if (sub) {
        edfb_tmpdir_file(&f->dir, sub, folder, sizeof folder);
        char cmd[700];
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", folder);
        assert_int_equal(system(cmd), 0);
    } else {
        snprintf(folder, sizeof folder, "%s", f->dir.path);
    }
    snprintf(path, size, "%s/%s", folder, name);
    assert_int_equal(edfb_write_file(b, path), 0);
    edfb_free(b);
}

static study_set *group(fixture *f, const char *const *paths, size_t n)
{
    study_set *set = NULL;
    edx_diags d;
    edx_diags_init(&d);
    int rc = study_group_paths(f->t, paths, n, &d, &set);
    if (rc != EDX_OK)
        edft_dump(&d, "grouping");
    edx_diags_free(&d);
    assert_int_equal(rc, EDX_OK);
    return set;
}

static const study_warning *find_warning(const study *st, const char *code)
{
    for (size_t i = 0; i < st->n_warnings; i++)
        if (strcmp(st->warnings[i].code, code) == 0)
            return &st->warnings[i];
    return NULL;
}

static void dump_warnings(const study *st)
{
    for (size_t i = 0; i < st->n_warnings; i++)
        fprintf(stderr, "  %s: %s\n", st->warnings[i].code, st->warnings[i].message);
}

/* ---- what a file is ---------------------------------------------------------------------- */

/* The EDF+ specification's motor conduction file: label "R APB" with the
 * recording field "... MNC R Median Nerve", EDF+D, one sweep per record. */
static void test_spec_motor_file(void **state)
{
    fixture *f = *state;
    char path[700];
    write_fixture_mnc(f, "mnc", "mnc.edf", path, sizeof path);
    const char *paths[] = {path};
    study_set *set = group(f, paths, 1);
    assert_int_equal(set->n_studies, 1);
    const study *st = &set->studies[0];
    assert_string_equal(st->patient.code, "MCH-0234567");
    assert_int_equal(st->patient.sex, 'F');
    assert_int_equal(st->patient.age_years, 50); /* 02-MAY-1951 to 02-MAR-2002 */
    assert_int_equal(st->n_nerve_tests, 1);
    assert_int_equal(st->n_muscles, 0);
    const study_nerve_test *n = &st->nerve_tests[0];
    assert_string_equal(n->nerve, "median");
    assert_int_equal(n->side, CONV_SIDE_RIGHT);
    assert_int_equal(n->test, CONV_TEST_MOTOR);
    assert_string_equal(n->recording_site, "APB");
    assert_non_null(n->row);
    assert_int_equal(n->n_sweeps, 2);
    assert_string_equal(n->sweeps[0].site, "wrist");
    assert_float_equal(n->sweeps[0].distance_cm, 6.5, 1e-9);
    assert_float_equal(n->sweeps[0].intensity_ma, 8.2, 1e-9);
    assert_float_equal(n->sweeps[0].duration_ms, 0.2, 1e-9);
    assert_float_equal(n->sweeps[0].stimulus_s, 0.0, 1e-9);
    assert_float_equal(n->sweeps[0].t0_s, 0.0, 1e-9);
    assert_float_equal(n->sweeps[0].t1_s, 0.05, 1e-9);
    assert_true(n->sweeps[0].has_reported);
    assert_float_equal(n->sweeps[0].reported_latency_ms, 3.8, 1e-9);
    assert_float_equal(n->sweeps[0].reported_amplitude_uv, 7200, 1e-6);
    assert_true(isnan(n->sweeps[0].reported_velocity_m_s));
    assert_string_equal(n->sweeps[1].site, "elbow");
    assert_float_equal(n->sweeps[1].distance_cm, 28.5, 1e-9);
    assert_float_equal(n->sweeps[1].t0_s, 10.0, 1e-9);
    assert_float_equal(n->sweeps[1].reported_velocity_m_s, 55.0, 1e-9);
    char line[256];
    study_describe_nerve_test(n, line, sizeof line);
    assert_string_equal(line, "R median motor, APB: wrist 6.5 cm, elbow 28.5 cm");
    if (st->n_warnings)
        dump_warnings(st);
    assert_int_equal(st->n_warnings, 0);
    study_set_free(set);
}

static void test_emg_file(void **state)
{
    fixture *f = *state;
    char path[700];
    spec s = emg_spec(PATIENT_A, REC_DAY1, "02.03.02", "EMG L TibAnt");
    write_spec(f, "emg", "ta.edf", &s, path, sizeof path);
    const char *paths[] = {path};
    study_set *set = group(f, paths, 1);
    assert_int_equal(set->n_studies, 1);
    const study *st = &set->studies[0];
    assert_int_equal(st->n_muscles, 1);
    const study_muscle *m = &st->muscles[0];
    assert_string_equal(m->muscle, "tibialis anterior");
    assert_int_equal(m->region, CONV_REGION_LUMBOSACRAL);
    assert_int_equal(m->side, CONV_SIDE_LEFT);
    assert_int_equal(m->n_epochs, 2);
    assert_int_equal(m->n_sites, 3);
    assert_true(m->has_activation_annotations);
    assert_float_equal(study_muscle_state_s(m, CONV_STATE_REST), 62.0, 1e-9);
    assert_float_equal(m->sites[1].onset_s, 82.0, 1e-9);
    assert_float_equal(m->sample_rate_hz, 20000.0, 1e-6);
    char line[256];
    study_describe_muscle(m, line, sizeof line);
    assert_string_equal(line, "L tibialis anterior (lumbosacral, L4-L5, deep peroneal): rest 62 s, "
                              "minimal 20 s, 3 needle sites");
    assert_int_equal(st->n_warnings, 0);
    study_set_free(set);
}

static void test_unknown_muscle_and_units(void **state)
{
    fixture *f = *state;
    char path[700];
    static const ann a[] = {{0, "+0", "5", "Rest"}, {0, "+1", NULL, "Coffee break"}};
    spec s = {EDFB_EDFPLUS_C, PATIENT_A, REC_DAY1, "02.03.02",
              {"EMG R Foo", "EMG L FDI", "Temp skin"}, 3, NULL, 300, "0.1", 2,
              {NULL}, a, 2};
    write_spec(f, "unknown", "u.edf", &s, path, sizeof path);
    const char *paths[] = {path};
    study_set *set = group(f, paths, 1);
    const study *st = &set->studies[0];
    /* 3 kHz: too slow for needle EMG, still listed with a warning */
    assert_non_null(find_warning(st, "CONV-SAMPLE-RATE-TOO-LOW"));
    const study_warning *w = find_warning(st, "CONV-UNKNOWN-MUSCLE");
    assert_non_null(w);
    assert_non_null(strstr(w->message, "EMG R Foo"));
    assert_non_null(find_warning(st, "CONV-ANNOTATION-UNKNOWN"));
    /* "Temp skin" has no prefix and no stimulus: needle EMG of an unknown muscle */
    assert_int_equal(st->n_muscles, 3);
    assert_null(st->muscles[0].row);
    assert_string_equal(st->muscles[0].muscle, "Foo");
    assert_string_equal(st->muscles[1].muscle, "first dorsal interosseous");
    study_set_free(set);
}

static void test_signal_not_a_voltage(void **state)
{
    fixture *f = *state;
    char path[700];
    spec s = {EDFB_EDFPLUS_C, PATIENT_A, REC_DAY1, "02.03.02", {"EMG R TA"}, 1, "degC", 2000,
              "0.1", 2, {NULL}, NULL, 0};
    write_spec(f, "unit", "u.edf", &s, path, sizeof path);
    const char *paths[] = {path};
    study_set *set = group(f, paths, 1);
    const study *st = &set->studies[0];
    assert_int_equal(st->n_muscles, 0);
    assert_non_null(find_warning(st, "CONV-SIGNAL-UNIT"));
    study_set_free(set);
}

/* The specification's structured form: the "Stimulus_elbow" marker and its
 * XML note at the same onset are one stimulus; the XML measurements are the
 * system's. Plus conditions. */
static void test_xml_sweeps_and_conditions(void **state)
{
    fixture *f = *state;
    char path[700];
    static const ann a[] = {
        {0, "+0", NULL, "Temperature 32.5 C"},
        {0, "+0", NULL, "Height 178 cm"},
        {0, "+0", NULL, "Indication: carpal tunnel?"},
        {0, "+0", NULL, "Referrer: Dr. Smith"},
        {0, "+0.001", NULL, "Stimulus right wrist 0.2ms x 8.2mA at 65mm from recording site"},
        {1, "+10.001", NULL, "Stimulus_elbow"},
        {1, "+10.001", NULL,
         "<EDF_XMLnote><Stimulus_elbow><duration unit=\"ms\">0.2</duration><intensity "
         "mode=\"current\" unit=\"mA\">15.3</intensity><position>right elbow</position><distance "
         "mode=\"stimulus to recording\" unit=\"cm\">28.5</distance></Stimulus_elbow></EDF_XMLnote>"},
        {1, "+10.001", NULL,
         "<EDF_XMLnote><measurements><latency unit=\"ms\">7.8</latency><amplitude mode=\"baseline "
         "to peak\" unit=\"mV\">7.2</amplitude><velocity mode=\"segmental\" "
         "unit=\"m/s\">55.0</velocity></measurements></EDF_XMLnote>"},
    };
    spec s = {EDFB_EDFPLUS_D, PATIENT_A, "Startdate 02-MAR-2002 X X X MNC R Median", "02.03.02",
              {"NC R APB"}, 1, "mV", 500, "0.05", 2, {"+0", "+10"}, a, sizeof a / sizeof a[0]};
    write_spec(f, "xml", "x.edf", &s, path, sizeof path);
    const char *paths[] = {path};
    study_set *set = group(f, paths, 1);
    const study *st = &set->studies[0];
    if (st->n_warnings)
        dump_warnings(st);
    assert_int_equal(st->n_warnings, 0);
    assert_int_equal(st->n_nerve_tests, 1);
    const study_nerve_test *n = &st->nerve_tests[0];
    assert_int_equal(n->n_sweeps, 2);
    assert_float_equal(n->sweeps[0].distance_cm, 6.5, 1e-9);
    assert_float_equal(n->sweeps[0].stimulus_s, 0.001, 1e-9);
    assert_float_equal(n->sweeps[0].t0_s, 0.0, 1e-9); /* pre-stimulus baseline kept */
    assert_string_equal(n->sweeps[1].site, "elbow");
    assert_float_equal(n->sweeps[1].distance_cm, 28.5, 1e-9);
    assert_float_equal(n->sweeps[1].intensity_ma, 15.3, 1e-9);
    assert_float_equal(n->sweeps[1].reported_amplitude_uv, 7200, 1e-6);
    assert_float_equal(st->conditions.temperature_c, 32.5, 1e-9);
    assert_float_equal(st->conditions.height_cm, 178, 1e-9);
    assert_string_equal(st->conditions.indication, "carpal tunnel?");
    assert_string_equal(st->conditions.referrer, "Dr. Smith");
    study_set_free(set);
}

/* "Nerve:" switches the nerve for the stimuli that follow (EDF+C), and the
 * sweeps of a continuous file run to the next stimulus. */
static void test_nerve_context_and_fwave(void **state)
{
    fixture *f = *state;
    char path[700];
    static const ann a[] = {
        {0, "+0", NULL, "Test: MNC R ulnar"},
        {0, "+0.01", NULL, "Stimulus right wrist at 8cm"},
        {0, "+0.05", NULL, "Stimulus right below elbow at 28cm"},
        {0, "+0.1", NULL, "Nerve: R median"},
        {0, "+0.11", NULL, "Stimulus right wrist at 8cm"},
        {0, "+0.2", NULL, "Test: FW R median"},
        {0, "+0.21", NULL, "Stimulus right wrist"},
        {0, "+0.25", NULL, "Stimulus right wrist"},
        {0, "+0.28", NULL, "Response 3mV at 5ms"},
    };
    spec s = {EDFB_EDFPLUS_C, PATIENT_A, REC_DAY1, "02.03.02", {"NC R Hand"}, 1, NULL, 2000,
              "0.1", 3, {NULL}, a, sizeof a / sizeof a[0]};
    write_spec(f, "ctx", "c.edf", &s, path, sizeof path);
    const char *paths[] = {path};
    study_set *set = group(f, paths, 1);
    const study *st = &set->studies[0];
    assert_int_equal(st->n_nerve_tests, 3);
    assert_string_equal(st->nerve_tests[0].nerve, "ulnar");
    assert_int_equal(st->nerve_tests[0].n_sweeps, 2);
    assert_float_equal(st->nerve_tests[0].sweeps[0].t1_s, 0.05, 1e-9);
    assert_string_equal(st->nerve_tests[0].sweeps[1].site, "below elbow");
    assert_string_equal(st->nerve_tests[1].nerve, "median");
    assert_int_equal(st->nerve_tests[1].test, CONV_TEST_MOTOR);
    assert_int_equal(st->nerve_tests[2].test, CONV_TEST_FWAVE);
    assert_int_equal(st->nerve_tests[2].n_sweeps, 2);
    assert_float_equal(st->nerve_tests[2].sweeps[1].t1_s, 0.3, 1e-9); /* end of file */
    assert_true(st->nerve_tests[2].sweeps[1].has_reported);
    assert_non_null(find_warning(st, "CONV-UNKNOWN-RECORDING-SITE"));
    assert_non_null(find_warning(st, "CONV-FWAVE-FEW-SWEEPS"));
    assert_non_null(find_warning(st, "CONV-FWAVE-SHORT-SWEEP"));
    char line[256];
    study_describe_nerve_test(&st->nerve_tests[2], line, sizeof line);
    assert_string_equal(line, "R median fwave, Hand: wrist (2 sweeps)");
    study_set_free(set);
}

/* "Muscle:" names the muscle of an EMG signal whose label does not. */
static void test_muscle_annotations(void **state)
{
    fixture *f = *state;
    char path[700];
    static const ann a[] = {
        {0, "+0", NULL, "Muscle: L TA"},
        {0, "+0", "30", "Rest"},
        {0, "+40", NULL, "Muscle: L vastus lateralis"},
        {0, "+40", "10", "Rest"},
        {0, "+50", "5", "Maximal"},
        {0, "+56", NULL, "Needle site 2"},
    };
    spec s = {EDFB_EDFPLUS_C, PATIENT_A, REC_DAY1, "02.03.02", {"EMG"}, 1, NULL, 2000, "0.1", 2,
              {NULL}, a, sizeof a / sizeof a[0]};
    write_spec(f, "muscle", "m.edf", &s, path, sizeof path);
    const char *paths[] = {path};
    study_set *set = group(f, paths, 1);
    const study *st = &set->studies[0];
    assert_int_equal(st->n_muscles, 2);
    assert_string_equal(st->muscles[0].muscle, "tibialis anterior");
    assert_float_equal(st->muscles[0].t1_s, 40.0, 1e-9);
    assert_string_equal(st->muscles[1].muscle, "vastus lateralis");
    assert_int_equal(st->muscles[1].side, CONV_SIDE_LEFT);
    char line[256];
    study_describe_muscle(&st->muscles[1], line, sizeof line);
    assert_string_equal(line, "L vastus lateralis (lumbosacral, L2-L4, femoral): rest 10 s, "
                              "maximal 5 s, 1 needle site");
    assert_non_null(find_warning(st, "CONV-LABEL-NO-SITE"));
    study_set_free(set);
}

/* ---- grouping ------------------------------------------------------------------------------ */

/* One folder: the patient's NCS and EMG files of one day, another
 * patient's file, a file of the same patient on another day, and a file
 * that is not EDF at all. */
static void test_mixed_folder(void **state)
{
    fixture *f = *state;
    char p_mnc[700], p_emg[700], p_other[700], p_day2[700], p_bad[700];
    write_fixture_mnc(f, "mixed", "1-mnc.edf", p_mnc, sizeof p_mnc);
    spec s = emg_spec(PATIENT_A, REC_DAY1, "02.03.02", "EMG R TibAnt");
    write_spec(f, "mixed", "2-emg.edf", &s, p_emg, sizeof p_emg);
    s = emg_spec(PATIENT_B, REC_DAY1, "02.03.02", "EMG L FDI");
    write_spec(f, "mixed", "3-other.edf", &s, p_other, sizeof p_other);
    s = emg_spec(PATIENT_A, REC_DAY2, "03.03.02", "EMG L Deltoid");
    write_spec(f, "mixed", "4-day2.edf", &s, p_day2, sizeof p_day2);
    snprintf(p_bad, sizeof p_bad, "%s/mixed/5-notes.edf", f->dir.path);
    assert_int_equal(edfb_write_bytes(p_bad, "not an EDF file\n", 16), 0);
    const char *paths[] = {p_day2, p_bad, p_other, p_emg, p_mnc};
    study_set *set = group(f, paths, 5);
    assert_int_equal(set->n_studies, 3);
    /* sorted by folder, patient code, start */
    const study *a1 = &set->studies[0], *a2 = &set->studies[1], *b = &set->studies[2];
    assert_string_equal(a1->patient.code, "MCH-0234567");
    assert_int_equal(a1->start_day, 2);
    assert_int_equal(a1->n_files, 2);
    assert_int_equal(a1->n_nerve_tests, 1);
    assert_int_equal(a1->n_muscles, 1);
    assert_int_equal(a1->muscles[0].file, 1);
    assert_non_null(strstr(a1->files[a1->muscles[0].file].path, "2-emg.edf"));
    assert_int_equal(a2->start_day, 3);
    assert_int_equal(a2->n_files, 1);
    assert_string_equal(b->patient.code, "PAT-2");
    assert_int_equal(b->patient.age_years, 22);
    assert_int_equal(set->n_warnings, 1);
    assert_string_equal(set->warnings[0].code, "CONV-FILE-UNREADABLE");
    assert_non_null(strstr(set->warnings[0].message, "5-notes.edf"));
    study_set_free(set);
}

static void test_two_patients_one_folder(void **state)
{
    fixture *f = *state;
    char p1[700], p2[700];
    spec s = emg_spec(PATIENT_B, REC_DAY1, "02.03.02", "EMG R TA");
    write_spec(f, "two", "b.edf", &s, p1, sizeof p1);
    s = emg_spec(PATIENT_A, REC_DAY1, "02.03.02", "EMG R TA");
    write_spec(f, "two", "a.edf", &s, p2, sizeof p2);
    const char *paths[] = {p1, p2};
    study_set *set = group(f, paths, 2);
    assert_int_equal(set->n_studies, 2);
    assert_string_equal(set->studies[0].patient.code, "MCH-0234567");
    assert_string_equal(set->studies[1].patient.code, "PAT-2");
    assert_int_equal(set->studies[0].n_files, 1);
    study_set_free(set);
}

static void test_same_patient_two_folders(void **state)
{
    fixture *f = *state;
    char p1[700], p2[700];
    spec s = emg_spec(PATIENT_A, REC_DAY1, "02.03.02", "EMG R TA");
    write_spec(f, "f1", "a.edf", &s, p1, sizeof p1);
    write_spec(f, "f2", "a.edf", &s, p2, sizeof p2);
    const char *paths[] = {p1, p2};
    study_set *set = group(f, paths, 2);
    assert_int_equal(set->n_studies, 2);
    study_set_free(set);
}

/* Legacy EDF (no EDF+ subfields) joins its folder's study. */
static void test_legacy_joins_folder(void **state)
{
    fixture *f = *state;
    char p1[700], p2[700];
    spec s = emg_spec(PATIENT_A, REC_DAY1, "02.03.02", "EMG R TA");
    write_spec(f, "legacy", "plus.edf", &s, p1, sizeof p1);
    spec l = {EDFB_EDF, "Harry H.", "some recording MNC R Median", "02.03.02", {"R APB"}, 1, "mV",
              500, "0.05", 2, {NULL}, NULL, 0};
    write_spec(f, "legacy", "old.edf", &l, p2, sizeof p2);
    const char *paths[] = {p2, p1};
    study_set *set = group(f, paths, 2);
    assert_int_equal(set->n_studies, 1);
    const study *st = &set->studies[0];
    assert_int_equal(st->n_files, 2);
    assert_string_equal(st->patient.code, "MCH-0234567");
    assert_true(st->files[0].has_plus_subfields);
    assert_false(st->files[1].has_plus_subfields);
    assert_non_null(find_warning(st, "CONV-LEGACY-FILE"));
    /* its test code comes from the free-text recording field; no stimuli */
    assert_int_equal(st->n_nerve_tests, 1);
    assert_string_equal(st->nerve_tests[0].nerve, "median");
    assert_int_equal(st->nerve_tests[0].file, 1);
    assert_non_null(find_warning(st, "CONV-NC-NO-STIMULUS"));
    study_set_free(set);
}

static void test_legacy_only_folder(void **state)
{
    fixture *f = *state;
    char p1[700], p2[700];
    spec l = {EDFB_EDF, "anonymous", "needle", "02.03.02", {"EMG R TA"}, 1, NULL, 2000, "0.1", 2,
              {NULL}, NULL, 0};
    write_spec(f, "legacyonly", "1.edf", &l, p1, sizeof p1);
    l.startdate = "05.03.02";
    l.labels[0] = "EMG L TA";
    write_spec(f, "legacyonly", "2.edf", &l, p2, sizeof p2);
    const char *paths[] = {p1, p2};
    study_set *set = group(f, paths, 2);
    assert_int_equal(set->n_studies, 1);
    assert_int_equal(set->studies[0].n_files, 2);
    assert_int_equal(set->studies[0].n_muscles, 2);
    assert_false(set->studies[0].muscles[0].has_activation_annotations);
    assert_int_equal(set->studies[0].patient.age_years, -1);
    char line[256];
    study_describe_muscle(&set->studies[0].muscles[0], line, sizeof line);
    assert_string_equal(line, "R tibialis anterior (lumbosacral, L4-L5, deep peroneal): no "
                              "activation annotations");
    study_set_free(set);
}

static void test_legacy_ambiguous(void **state)
{
    fixture *f = *state;
    char p1[700], p2[700], p3[700], p4[700];
    spec s = emg_spec(PATIENT_A, REC_DAY1, "02.03.02", "EMG R TA");
    write_spec(f, "amb", "a.edf", &s, p1, sizeof p1);
    s = emg_spec(PATIENT_B, REC_DAY1, "02.03.02", "EMG R TA");
    write_spec(f, "amb", "b.edf", &s, p2, sizeof p2);
    spec l = {EDFB_EDF, "x", "y", "02.03.02", {"EMG R TA"}, 1, NULL, 2000, "0.1", 1, {NULL},
              NULL, 0};
    write_spec(f, "amb", "old.edf", &l, p3, sizeof p3);
    const char *paths[] = {p1, p2, p3};
    study_set *set = group(f, paths, 3);
    assert_int_equal(set->n_studies, 3);
    bool seen = false;
    for (size_t i = 0; i < set->n_studies; i++)
        seen = seen || find_warning(&set->studies[i], "CONV-LEGACY-AMBIGUOUS") != NULL;
    assert_true(seen);
    study_set_free(set);
    /* with different days, the legacy file's date picks the study */
    s = emg_spec(PATIENT_B, REC_DAY2, "03.03.02", "EMG R TA");
    write_spec(f, "amb2", "b.edf", &s, p2, sizeof p2);
    s = emg_spec(PATIENT_A, REC_DAY1, "02.03.02", "EMG R TA");
    write_spec(f, "amb2", "a.edf", &s, p1, sizeof p1);
    write_spec(f, "amb2", "old.edf", &l, p4, sizeof p4);
    const char *paths2[] = {p1, p2, p4};
    set = group(f, paths2, 3);
    assert_int_equal(set->n_studies, 2);
    assert_int_equal(set->studies[0].n_files, 2);
    assert_string_equal(set->studies[0].patient.code, "MCH-0234567");
    study_set_free(set);
}

/* study_input directly, without a file: the API tests and fuzzers use. */
static void test_input_without_file(void **state)
{
    fixture *f = *state;
    edf_signal sig[2];
    memset(sig, 0, sizeof sig);
    strcpy(sig[0].label, "NC L Digit2");
    strcpy(sig[0].physdim, "uV");
    sig[0].uv_per_unit = 1;
    sig[0].sample_rate_hz = 5000;
    strcpy(sig[1].label, "EDF Annotations");
    sig[1].is_annotation = true;
    edf_annotation anns[] = {
        {0.5, -1, "Stimulus left wrist 0.1ms x 12mA at 140mm", 0, 1},
        {0.1, -1, "Response 20uV at 3.0ms", 0, 1}, /* before any stimulus */
        {0.6, -1, "Response 25uV at 3.1ms", 0, 1},
    };
    edf_info info;
    memset(&info, 0, sizeof info);
    info.format = EDF_FORMAT_EDFPLUS_C;
    info.has_plus_subfields = true;
    strcpy(info.patient.code, "P-1");
    info.patient.birth_year = 1990;
    info.patient.birth_month = 6;
    info.patient.birth_day = 15;
    strcpy(info.recording.additional, "SNC L Median");
    info.start_year = 2020;
    info.start_month = 6;
    info.start_day = 14;
    info.n_signals = 2;
    info.duration_s = 2.0;
    info.record_duration_s = 1.0;
    study_input in = {"rel.edf", &info, sig, anns, 3, NULL, 0};
    study_set *set;
    assert_int_equal(study_set_new(&set), 0);
    assert_int_equal(study_set_add_input(set, f->t, &in), 0);
    assert_int_equal(study_set_finish(set), 0);
    assert_int_equal(study_set_finish(set), EDX_ERR_INVALID);
    const study *st = &set->studies[0];
    assert_string_equal(st->folder, ".");
    assert_int_equal(st->patient.age_years, 29); /* a day before the 30th birthday */
    assert_int_equal(st->n_nerve_tests, 1);
    const study_nerve_test *n = &st->nerve_tests[0];
    assert_string_equal(n->nerve, "median");
    assert_int_equal(n->test, CONV_TEST_SENSORY);
    assert_string_equal(n->recording_site, "D2");
    assert_float_equal(n->sweeps[0].distance_cm, 14.0, 1e-9);
    assert_float_equal(n->sweeps[0].t1_s, 2.0, 1e-9);
    assert_float_equal(n->sweeps[0].reported_amplitude_uv, 25.0, 1e-9);
    assert_non_null(find_warning(st, "CONV-RESPONSE-ORPHAN"));
    assert_non_null(find_warning(st, "CONV-LOW-SAMPLE-RATE"));
    study_set_free(set);
}

/* Many bad annotations: a bounded number of warnings, the rest counted. */
static void test_warning_bounds(void **state)
{
    fixture *f = *state;
    enum { N = 100 };
    edf_annotation anns[N];
    for (int i = 0; i < N; i++)
        anns[i] = (edf_annotation){i * 0.1, -1, "Rest of the day", 0, 1};
    edf_signal sig[2];
    memset(sig, 0, sizeof sig);
    strcpy(sig[0].label, "EMG R TA");
    sig[0].uv_per_unit = 1;
    sig[0].sample_rate_hz = 20000;
    sig[1].is_annotation = true;
    edf_info info;
    memset(&info, 0, sizeof info);
    info.format = EDF_FORMAT_EDFPLUS_C;
    info.has_plus_subfields = true;
    info.n_signals = 2;
    study_input in = {"/x/y.edf", &info, sig, anns, N, NULL, 0};
    study_set *set;
    assert_int_equal(study_set_new(&set), 0);
    assert_int_equal(study_set_add_input(set, f->t, &in), 0);
    assert_int_equal(study_set_finish(set), 0);
    const study *st = &set->studies[0];
    size_t kept = 0, more = 0;
    for (size_t i = 0; i < st->n_warnings; i++) {
        if (strcmp(st->warnings[i].code, "CONV-ANNOTATION-UNKNOWN") == 0) {
            kept++;
            more += st->warnings[i].n_more;
        }
    }
    assert_int_equal(kept, STUDY_WARNINGS_PER_CODE);
    assert_int_equal(kept + more, N);
    study_set_free(set);
}

/* A run whose every file failed to open: no study, and nothing sorted
 * (qsort may not be given the NULL array of an empty set). */
static void test_empty_set(void **state)
{
    (void)state;
    study_set *set;
    assert_int_equal(study_set_new(&set), 0);
    assert_int_equal(study_set_finish(set), 0);
    assert_int_equal(set->n_studies, 0);
    study_set_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_motor_file),
        cmocka_unit_test(test_emg_file),
        cmocka_unit_test(test_unknown_muscle_and_units),
        cmocka_unit_test(test_signal_not_a_voltage),
        cmocka_unit_test(test_xml_sweeps_and_conditions),
        cmocka_unit_test(test_nerve_context_and_fwave),
        cmocka_unit_test(test_muscle_annotations),
        cmocka_unit_test(test_mixed_folder),
        cmocka_unit_test(test_two_patients_one_folder),
        cmocka_unit_test(test_same_patient_two_folders),
        cmocka_unit_test(test_legacy_joins_folder),
        cmocka_unit_test(test_legacy_only_folder),
        cmocka_unit_test(test_legacy_ambiguous),
        cmocka_unit_test(test_input_without_file),
        cmocka_unit_test(test_warning_bounds),
        cmocka_unit_test(test_empty_set),
    };
    return cmocka_run_group_tests_name("conv_study", tests, setup, teardown);
}
