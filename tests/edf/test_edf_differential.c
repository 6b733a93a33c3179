/*
 * test_edf_differential.c - our reader against EDFlib 1.23.
 *
 * Files are written with EDFlib's writer (EDF+C and BDF+C: the only kinds it
 * writes) with varied record durations (non-integer sample rates), scalings
 * (negative gain, offsets), signals and annotations, and also made byte by
 * byte with the builder. Each is read by EDFlib (EDFLIB_READ_ALL_ANNOTATIONS)
 * and by our reader; digital and physical samples, sample rates, labels,
 * units, ranges, start date/time, patient fields and annotations must agree.
 *
 * EDFlib gotchas honoured (docs: toolchain.md section 2): annotation text at
 * most 40 bytes, at most one annotation per record per annotation signal,
 * digital samples written directly (its phys->dig conversion truncates),
 * physical ranges that print exactly in 8 characters, the header struct on
 * the heap, every file closed. EDFlib annotation onsets are 100 ns units from
 * the file start minus the sub-second offset; ours are seconds from the
 * header start time: ours = (onset + starttime_subsecond) / 1e7.
 *
 * EDFlib is reached through edflib_ref.h: its edf_annotation_at() has the
 * same name as ours (see there).
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
#include "edflib_ref.h"

/* ---- what EDFlib writes -------------------------------------------------- */

static const ref_wcfg wcfgs[] = {
    {"EDF+C 1 s, two rates", 0, 100000, 5, 0, 1, 2,
     {{"EMG R TibAnt", "uV", 1000, -3276.8, 3276.7, -32768, 32767},
      {"EMG L FDI", "mV", 250, -10, 10, -32768, 32767}},
     3, {{5000, -1, "Rest"}, {15000, 20000, "Minimal contraction"}, {32500, 0, "Needle site 2"}}},
    {"EDF+C 1953.125 Hz, negative gain", 0, 6400, 20, 0, 2, 3,
     {{"NC R APB", "mV", 125, 25, -25, -32768, 32767},
      {"EMG Biceps", "uV", 64, -500, 1500, -2048, 2047},
      {"Temp", "degC", 1, 20, 40, 0, 1000}},
     6, {{100, -1, "Zo\xc3\xab M\xc3\xbcller \xc2\xb5V"}, {700, 1500, "Stimulus 0.2ms x 8.2mA"},
         {1300, -1, "Response 7.2mV at 3.8ms"}, {2000, 250, "Insertion"},
         {6400, -1, "\xe2\x80\x93 artefact \xce\xa9"}, {12000, 5000, "Maximal contraction"}}},
    {"BDF+C 10 kHz, sub-second start", 1, 5000, 10, 2500000, 1, 2,
     {{"EMG R Deltoid", "uV", 500, -262144, 262143, -8388608, 8388607},
      {"Trigger", "V", 1, 0, 5, 0, 5}},
     4, {{0, -1, "Start"}, {600, 100, "Burst"}, {2600, -1, "Needle site 1"}, {4999, -1, "End"}}},
    {"BDF+C 20 kHz, 1 ms records", 1, 100, 30, 1000, 3, 4,
     {{"A", "uV", 20, -100, 300, -1000, 1000},
      {"B", "uV", 20, 1000, -1000, -8388608, 8388607},
      {"C", "nV", 10, -0.5, 0.25, -4096, 4095},
      {"D", "mV", 5, -1, 1, -8388608, 8388607}},
     5, {{1, -1, "a"}, {2, -1, "b"}, {10, 3, "c"}, {105, -1, "d"}, {250, 10, "e"}}},
    {"EDF+C 2.5 s records", 0, 250000, 4, 9990000, 1, 1,
     {{"EMG L Vastus", "uV", 7, -0.5, 0.25, -2048, 2047}},
     2, {{12500, -1, "Moderate contraction"}, {50000, 25000, "Full"}}},
};

/* ---- the comparison ------------------------------------------------------------ */

static void rtrim(const char *in, char *out, size_t size)
{
    snprintf(out, size, "%s", in);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == ' ')
        out[--n] = '\0';
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int mismatch(const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "MISMATCH [%s]: ", what);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 1;
}

/*
 * Compares the file at path as read by EDFlib and by us. Returns the number
 * of mismatches (each printed), or -1 when EDFlib refuses the file
 * (*edflib_type set to its error).
 */
static int compare_file(const char *path, const char *what, int *edflib_type)
{
    ref_info *ref = calloc(1, sizeof *ref);
    assert_non_null(ref);
    if (ref_open(path, ref) != 0) {
        *edflib_type = ref->filetype;
        free(ref);
        return -1;
    }
    int nbad = 0;
    edx_diags d;
    edx_diags_init(&d);
    edf_file *f = NULL;
    if (edf_open(path, &d, &f) != EDX_OK) {
        edft_dump(&d, what);
        ref_close(ref);
        free(ref);
        edx_diags_free(&d);
        return mismatch(what, "our reader refuses a file EDFlib reads");
    }
    if (d.count != 0) {
        edft_dump(&d, what);
        nbad += mismatch(what, "%zu diagnostics for a file EDFlib accepts", d.count);
    }
    const edf_info *in = edf_get_info(f);
    bool plus = ref->filetype == 1 || ref->filetype == 3;
    bool bdf = ref->filetype == 2 || ref->filetype == 3;
    if (edf_format_is_bdf(in->format) != bdf || edf_format_is_plus(in->format) != plus)
        nbad += mismatch(what, "format %s vs EDFlib type %d", edf_format_name(in->format),
                         ref->filetype);
    if (in->n_records != ref->n_records)
        nbad += mismatch(what, "records %lld vs %lld", (long long)in->n_records, ref->n_records);
    if (fabs(in->record_duration_s - (double)ref->record_duration_100ns / 1e7) > 1e-9)
        nbad += mismatch(what, "record duration %.9g vs %lld", in->record_duration_s,
                         ref->record_duration_100ns);
    if (in->start_year != ref->year || in->start_month != ref->month ||
        in->start_day != ref->day || in->start_hour != ref->hour ||
        in->start_minute != ref->minute || in->start_second != ref->second)
        nbad += mismatch(what, "start date/time differs");
    if (fabs(in->start_subsecond_s - (double)ref->subsecond_100ns / 1e7) > 1e-7)
        nbad += mismatch(what, "sub-second start %.9f vs %lld", in->start_subsecond_s,
                         ref->subsecond_100ns);
    if (plus) {
        char code[96], name[96];
        rtrim(ref->patientcode, code, sizeof code);
        rtrim(ref->patient_name, name, sizeof name);
        if (strcmp(name, "X") == 0) /* EDFlib keeps the EDF+ "unknown" mark; we give "" */
            name[0] = '\0';
        if (strcmp(in->patient.code, code) != 0 || strcmp(in->patient.name, name) != 0)
            nbad += mismatch(what, "patient '%s' '%s' vs '%s' '%s'", in->patient.code,
                             in->patient.name, code, name);
        if (ref->birth_year != 0 && (in->patient.birth_year != ref->birth_year ||
                                     in->patient.birth_month != ref->birth_month ||
                                     in->patient.birth_day != ref->birth_day))
            nbad += mismatch(what, "birth date differs");
        char sex = strncmp(ref->gender, "Female", 6) == 0 ? 'F'
                   : strncmp(ref->gender, "Male", 4) == 0 ? 'M' : 0;
        if (in->patient.sex != sex)
            nbad += mismatch(what, "sex %d vs '%s'", in->patient.sex, ref->gender);
    }

    /* signals: EDFlib leaves the annotation signals out and renumbers */
    int e = 0;
    for (int s = 0; s < in->n_signals; s++) {
        const edf_signal *sg = edf_get_signal(f, s);
        if (sg->is_annotation)
            continue;
        if (e >= ref->n_signals || e >= REF_MAX_SIGNALS) {
            nbad += mismatch(what, "more ordinary signals than EDFlib's %d", ref->n_signals);
            break;
        }
        const ref_signal *p = &ref->sig[e];
        char label[32], dim[16];
        rtrim(p->label, label, sizeof label);
        rtrim(p->physdim, dim, sizeof dim);
        if (strcmp(label, sg->label) != 0 || strcmp(dim, sg->physdim) != 0)
            nbad += mismatch(what, "signal %d: '%s' [%s] vs '%s' [%s]", s, sg->label,
                             sg->physdim, label, dim);
        double rate = (double)p->spr * 1e7 / (double)ref->record_duration_100ns;
        if (sg->samples_per_record != p->spr || fabs(sg->sample_rate_hz - rate) > 1e-9 * rate)
            nbad += mismatch(what, "signal %d: rate %.12g vs %.12g", s, sg->sample_rate_hz, rate);
        if (sg->dig_min != p->dmin || sg->dig_max != p->dmax || sg->phys_min != p->pmin ||
            sg->phys_max != p->pmax)
            nbad += mismatch(what, "signal %d: ranges differ", s);
        int64_t n = edf_signal_samples(f, s);
        if (n != p->smp_in_file) {
            nbad += mismatch(what, "signal %d: %lld samples vs %lld", s, (long long)n,
                             p->smp_in_file);
            e++;
            continue;
        }
        int32_t *ours = malloc((size_t)n * sizeof *ours + 1);
        int *theirs = malloc((size_t)n * sizeof *theirs + 1);
        double *pours = malloc((size_t)n * sizeof *pours + 1);
        double *ptheirs = malloc((size_t)n * sizeof *ptheirs + 1);
        assert_true(ours && theirs && pours && ptheirs);
        size_t got = 0;
        assert_int_equal(EDX_OK, edf_read_digital(f, s, 0, (size_t)n, ours, &got));
        assert_int_equal(n, got);
        assert_int_equal(EDX_OK, edf_read_physical(f, s, 0, (size_t)n, pours, &got));
        assert_int_equal(n, ref_read_digital(ref, e, (int)n, theirs));
        assert_int_equal(n, ref_read_physical(ref, e, (int)n, ptheirs));
        double tol = 1e-9 * fabs(p->pmax - p->pmin);
        for (int64_t k = 0; k < n; k++) {
            if (ours[k] != theirs[k]) {
                nbad += mismatch(what, "signal %d sample %lld: %d vs %d", s, (long long)k,
                                 ours[k], theirs[k]);
                break;
            }
            if (fabs(pours[k] - ptheirs[k]) > tol) {
                nbad += mismatch(what, "signal %d sample %lld: %.12g vs %.12g", s,
                                 (long long)k, pours[k], ptheirs[k]);
                break;
            }
        }
        free(ours);
        free(theirs);
        free(pours);
        free(ptheirs);
        e++;
    }
    if (e != ref->n_signals)
        nbad += mismatch(what, "%d ordinary signals vs EDFlib's %d", e, ref->n_signals);

    /* annotations, in file order */
    size_t na = edf_annotation_count(f);
    if ((long long)na != ref->n_annotations)
        nbad += mismatch(what, "%zu annotations vs %lld", na, ref->n_annotations);
    for (long long i = 0; i < ref->n_annotations && (size_t)i < na; i++) {
        long long onset_100ns = 0, dur_100ns = 0;
        char text[600];
        assert_int_equal(0, ref_get_annotation(ref, (int)i, &onset_100ns, &dur_100ns, text,
                                               sizeof text));
        const edf_annotation *a = edf_annotation_at(f, (size_t)i);
        double onset = (double)(onset_100ns + ref->subsecond_100ns) / 1e7;
        if (fabs(a->onset_s - onset) > 1e-7)
            nbad += mismatch(what, "annotation %lld onset %.9f vs %.9f", i, a->onset_s, onset);
        if (dur_100ns == -10000000LL ? a->duration_s >= 0
                                     : fabs(a->duration_s - (double)dur_100ns / 1e7) > 1e-7)
            nbad += mismatch(what, "annotation %lld duration %.9f vs %lld", i, a->duration_s,
                             dur_100ns);
        if (strcmp(a->text, text) != 0)
            nbad += mismatch(what, "annotation %lld text '%s' vs '%s'", i, a->text, text);
    }
    edf_close(f);
    edx_diags_free(&d);
    ref_close(ref);
    free(ref);
    return nbad;
}

/* ---- the tests ---------------------------------------------------------------------- */


static void test_files_written_by_edflib(void **state)
{
    const edfb_tmpdir *t = *state;
    int nbad = 0;
    for (size_t i = 0; i < sizeof wcfgs / sizeof wcfgs[0]; i++) {
        char name[32], path[600];
        snprintf(name, sizeof name, "edflib-%zu.%s", i,
                 wcfgs[i].bdf ? "bdf" : "edf");
        edfb_tmpdir_file(t, name, path, sizeof path);
        if (ref_write(&wcfgs[i], path) != 0)
            fail_msg("%s: EDFlib could not write it", wcfgs[i].name);
        int type = 0;
        int r = compare_file(path, wcfgs[i].name, &type);
        if (r < 0)
            fail_msg("%s: EDFlib refuses its own file (%d)", wcfgs[i].name, type);
        nbad += r;
    }
    assert_int_equal(0, ref_open_files());
    if (nbad > 0)
        fail_msg("%d mismatches (listed above)", nbad);
}

/* The annotations EDFlib wrote are the ones we asked for (a check of the harness). */
static void test_edflib_annotations_as_written(void **state)
{
    const edfb_tmpdir *t = *state;
    const ref_wcfg *c = &wcfgs[1];
    char path[600];
    edfb_tmpdir_file(t, "ann.edf", path, sizeof path);
    assert_int_equal(0, ref_write(c, path));
    edx_diags d;
    edx_diags_init(&d);
    edf_file *f = NULL;
    assert_int_equal(EDX_OK, edf_open(path, &d, &f));
    assert_int_equal(c->n_ann, edf_annotation_count(f));
    for (int i = 0; i < c->n_ann; i++) {
        const edf_annotation *a = edf_annotation_at(f, (size_t)i);
        assert_string_equal(c->ann[i].text, a->text);
        assert_float_equal((double)c->ann[i].onset_100us / 1e4, a->onset_s, 1e-9);
        if (c->ann[i].dur_100us < 0)
            assert_true(a->duration_s < 0);
        else
            assert_float_equal((double)c->ann[i].dur_100us / 1e4, a->duration_s, 1e-9);
    }
    /* and the samples are the ones written */
    uint64_t rng = REF_RNG_SEED;
    for (int r = 0; r < c->n_records; r++)
        for (int s = 0; s < c->n_sigs; s++)
            for (int k = 0; k < c->sigs[s].spr; k++) {
                int want = ref_sample_value(&c->sigs[s], &rng, r, k);
                int32_t got = 0;
                size_t n = 0;
                assert_int_equal(EDX_OK, edf_read_digital(f, s, (int64_t)r * c->sigs[s].spr + k,
                                                          1, &got, &n));
                assert_int_equal(want, got);
            }
    edf_close(f);
    edx_diags_free(&d);
}

/* Byte-built EDF+C and BDF+C files through the same comparison. */
static edfb *built_case(int i)
{
    edfb *b = NULL;
    switch (i) {
    case 0:
        b = edft_make_simple(EDFB_EDFPLUS_C, 2, 100, 6);
        break;
    case 1:
        b = edft_make_simple(EDFB_BDFPLUS_C, 3, 33, 5);
        break;
    case 2: { /* sub-second start, annotations with durations, negative gain */
        b = edfb_new(EDFB_EDFPLUS_C);
        edfb_set(b, EDFB_PATIENT, "MCH-0234567 F 02-MAY-1951 Haagse_Harry");
        edfb_set(b, EDFB_RECORDING, "Startdate 02-MAR-2002 EMR7 Tech Equipment");
        edfb_set(b, EDFB_DURATION, "0.064");
        int s = edfb_add_signal(b, "NC R APB", 125);
        edfb_set_scaling(b, s, "25", "-25", "-32768", "32767");
        edfb_set_signal(b, s, EDFB_S_PHYSDIM, "mV");
        int a = edfb_add_annotation_signal(b, 120);
        static const char *const on[] = {"+0.5", "+0.564", "+0.628", "+0.692"};
        for (int r = 0; r < 4; r++) {
            int rec = edfb_add_record_at(b, on[r]);
            for (int k = 0; k < 125; k++)
                edfb_set_sample(b, rec, s, k, (r * 125 + k) * 97 % 65536 - 32768);
            const char *texts[] = {r % 2 ? "Response 7.2mV at 3.8ms" : "Stimulus"};
            edfb_append_tal(b, rec, a, on[r], r % 2 ? "0.0125" : NULL, texts, 1);
        }
        break;
    }
    case 3: /* the MNC example, continuous: one record after the other */
        b = edfb_fixture_mnc();
        edfb_set(b, EDFB_RESERVED, "EDF+C");
        edfb_clear_slot(b, 1, 1);
        edfb_append_timekeeping(b, 1, 1, "+0.05");
        break;
    case 4: { /* BDF+C with 24-bit extremes and two annotation signals */
        b = edfb_new(EDFB_BDFPLUS_C);
        int s = edfb_add_signal(b, "EMG", 4);
        int a1 = edfb_add_annotation_signal(b, 45);
        int a2 = edfb_add_annotation_signal(b, 45);
        static const int32_t v[] = {-8388608, 8388607, -1, 0};
        for (int r = 0; r < 3; r++) {
            char on[16];
            snprintf(on, sizeof on, "+%d", r);
            int rec = edfb_add_record_at(b, on);
            edfb_set_samples(b, rec, s, v, 4);
            const char *t1[] = {"first"}, *t2[] = {"Zo\xc3\xab"};
            edfb_append_tal(b, rec, a1, on, NULL, t1, 1);
            edfb_append_tal(b, rec, a2, on, "1", t2, 1);
        }
        break;
    }
    default:
        break;
    }
    return b;
}

static void test_byte_built_files(void **state)
{
    const edfb_tmpdir *t = *state;
    int nbad = 0, accepted = 0;
    enum { N_BUILT = 5 };
    for (int i = 0; i < N_BUILT; i++) {
        edfb *b = built_case(i);
        assert_non_null(b);
        char name[32], path[600];
        snprintf(name, sizeof name, "built-%d.%s", i,
                 edfb_kind_is_bdf(edfb_get_kind(b)) ? "bdf" : "edf");
        edfb_tmpdir_file(t, name, path, sizeof path);
        assert_int_equal(0, edfb_write_file(b, path));
        int type = 0;
        int r = compare_file(path, name, &type);
        if (r < 0)
            fprintf(stderr, "note: EDFlib refuses %s (filetype %d)\n", name, type);
        else {
            accepted++;
            nbad += r;
        }
        edfb_free(b);
    }
    assert_int_equal(0, ref_open_files());
    if (nbad > 0)
        fail_msg("%d mismatches (listed above)", nbad);
    /* every one of them is a valid EDF+C/BDF+C file */
    assert_int_equal(N_BUILT, accepted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files_written_by_edflib),
        cmocka_unit_test(test_edflib_annotations_as_written),
        cmocka_unit_test(test_byte_built_files),
    };
    return cmocka_run_group_tests_name("edf_differential", tests, edft_setup_tmpdir, edft_teardown_tmpdir);
}
