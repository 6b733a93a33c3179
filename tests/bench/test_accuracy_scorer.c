/*
 * test_accuracy_scorer.c - the accuracy benchmark's scorer (bench/accuracy_score.h):
 * the 5 ms one-to-one match, the rest filter, quantiles, nerve conduction
 * errors, agreement, the pattern confusion table, and "not implemented"
 * when findings are absent. Truth and findings are small hand-made files.
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

#include "accuracy_score.h"
#include "edf_builder.h"
#include "edf_testutil.h"

/* ---- helpers ---------------------------------------------------------------- */

static void write_file(const edfb_tmpdir *d, const char *name, const char *text)
{
    char path[1024];
    assert_non_null(edfb_tmpdir_file(d, name, path, sizeof path));
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    if (!j)
        fail_msg("bad test JSON: %s (line %d)", err.text, err.line);
    return j;
}

static long match_times(const double *truth_s, size_t nt, const double *found_s, size_t nf,
                        ptrdiff_t *link)
{
    acc_event t[8], f[8];
    assert_true(nt <= 8 && nf <= 8);
    for (size_t i = 0; i < nt; i++)
        t[i] = (acc_event){truth_s[i], ACC_FIBRILLATION};
    for (size_t i = 0; i < nf; i++)
        f[i] = (acc_event){found_s[i], ACC_FIBRILLATION};
    return acc_match(t, nt, f, nf, ACC_MATCH_TOLERANCE_S, link);
}

/* ---- matching ---------------------------------------------------------------- */

static void test_match_tolerance(void **state)
{
    (void)state;
    ptrdiff_t link[8];
    const double truth[] = {1.0, 2.0};
    const double inside[] = {1.0049, 1.9951};  /* +4.9 ms, -4.9 ms */
    const double outside[] = {1.0051, 1.9949}; /* +5.1 ms, -5.1 ms */
    assert_int_equal(match_times(truth, 2, inside, 2, link), 2);
    assert_int_equal(link[0], 0);
    assert_int_equal(link[1], 1);
    assert_int_equal(match_times(truth, 2, outside, 2, link), 0);
    assert_int_equal(link[0], -1);
    assert_int_equal(link[1], -1);
    assert_int_equal(match_times(truth, 2, outside, 0, link), 0);
    assert_int_equal(match_times(truth, 0, outside, 2, link), 0);
}

static void test_match_one_to_one_closest_first(void **state)
{
    (void)state;
    ptrdiff_t link[8];
    /* Two found near one truth: one pair only. */
    const double t1[] = {1.0}, f1[] = {0.999, 1.002};
    assert_int_equal(match_times(t1, 1, f1, 2, link), 1);
    assert_int_equal(link[0], 0);
    /* One found between two truths goes to the closer one (1 ms, not 3 ms). */
    const double t2[] = {1.000, 1.004}, f2[] = {1.003};
    assert_int_equal(match_times(t2, 2, f2, 1, link), 1);
    assert_int_equal(link[0], -1);
    assert_int_equal(link[1], 0);
    /* Greedy by smallest |dt|: 1.004-1.0035 first; 1.000 is then 7.5 ms from 1.0075. */
    const double t3[] = {1.000, 1.004}, f3[] = {1.0035, 1.0075};
    assert_int_equal(match_times(t3, 2, f3, 2, link), 1);
    assert_int_equal(link[1], 0);
    /* A chain where each removal exposes a new neighbour pair. */
    const double t4[] = {1.000, 1.010, 1.020}, f4[] = {1.004, 1.014, 1.024};
    assert_int_equal(match_times(t4, 3, f4, 3, link), 3);
    assert_int_equal(link[0], 0);
    assert_int_equal(link[2], 2);
}

/* Simultaneous discharges of two types pair each with its own type. */
static void test_match_simultaneous_types(void **state)
{
    (void)state;
    const acc_event truth[] = {{1.0, ACC_FIBRILLATION}, {1.0, ACC_PSW}, {2.0, ACC_MYOKYMIC}};
    const acc_event found[] = {{1.0, ACC_FIBRILLATION}, {1.0, ACC_PSW}, {2.0, ACC_CRAMP},
                               {2.0, ACC_END_PLATE}};
    ptrdiff_t link[3];
    assert_int_equal(acc_match(truth, 3, found, 4, ACC_MATCH_TOLERANCE_S, link), 3);
    assert_int_equal(link[0], 0);
    assert_int_equal(link[1], 1);
    assert_true(link[2] == 2 || link[2] == 3);
}

static void test_match_unsorted_and_large(void **state)
{
    (void)state;
    ptrdiff_t link[8];
    const double unsorted[] = {2.0, 1.0}, f[] = {1.0};
    assert_int_equal(match_times(unsorted, 2, f, 1, link), EDX_ERR_INVALID);

    /* 200 000 events each side, found 1 ms late: all pair, in no time. */
    enum { N = 200000 };
    acc_event *t = malloc(N * sizeof *t), *g = malloc(N * sizeof *g);
    ptrdiff_t *l = malloc(N * sizeof *l);
    assert_non_null(t);
    assert_non_null(g);
    assert_non_null(l);
    for (size_t i = 0; i < N; i++) {
        t[i] = (acc_event){0.003 * (double)i, ACC_FIBRILLATION};
        g[i] = (acc_event){0.003 * (double)i + 0.001, ACC_FIBRILLATION};
    }
    assert_int_equal(acc_match(t, N, g, N, ACC_MATCH_TOLERANCE_S, l), N);
    for (size_t i = 0; i < N; i += 9973)
        assert_int_equal(l[i], (ptrdiff_t)i);
    free(t);
    free(g);
    free(l);
}

/* ---- rest filter and events tables --------------------------------------------- */

/* The header of an events table (shared/spec/findings-json.md). */
#define EVENTS_HEADER "time_s\ttype\tunit\tamplitude_uv\tduration_ms\tphases\tfirst_polarity\n"

static const char *const epochs_json =
    "{\"states\": [{\"state\": \"rest\", \"start_s\": 0, \"duration_s\": 10},"
    "              {\"state\": \"minimal\", \"start_s\": 10, \"duration_s\": 10},"
    "              {\"state\": \"rest\", \"start_s\": 20, \"duration_s\": 10}],"
    " \"needle_moves_s\": [0, 20], \"insertion_window_s\": 0.3}";

static void test_rest_filter(void **state)
{
    (void)state;
    json_t *e = parse(epochs_json);
    acc_timeline tl;
    assert_int_equal(acc_timeline_from_json(e, &tl), EDX_OK);
    assert_false(acc_in_rest(&tl, 0.1));   /* insertion window */
    assert_false(acc_in_rest(&tl, 0.299));
    assert_true(acc_in_rest(&tl, 0.31));
    assert_true(acc_in_rest(&tl, 9.99));
    assert_false(acc_in_rest(&tl, 15.0));  /* contraction */
    assert_false(acc_in_rest(&tl, 20.2));  /* window after the second move */
    assert_true(acc_in_rest(&tl, 25.0));
    assert_false(acc_in_rest(&tl, 30.0));  /* after the end */
    assert_float_equal(acc_rest_s(&tl), 2 * (10.0 - 0.3), 1e-9); /* less the windows */
    acc_timeline_free(&tl);
    json_decref(e);
    json_t *bad = parse("{\"states\": []}");
    assert_int_equal(acc_timeline_from_json(bad, &tl), EDX_ERR_FORMAT);
    json_decref(bad);
}

static void test_events_read(void **state)
{
    const edfb_tmpdir *d = *state;
    write_file(d, "ev.tsv",
               EVENTS_HEADER
               "25.5\tpositive_sharp_wave\t2\t80\t6\t2\tpositive\n"
               "5.0\tfibrillation\t1\t50\t1.5\t2\tpositive\n"
               "0.1\tfibrillation\t1\t50\t1.5\t2\tpositive\n"  /* insertion window */
               "0.2\tinsertional\t0\t50\t1.5\t2\tpositive\n"   /* not scored */
               "15.0\tfasciculation\t3\t500\t8\t4\tnegative\n" /* contraction */
               "6.0\tmup\t4\t500\t8\t4\tnegative\n"            /* not scored */
               "x\tfibrillation\t1\t50\t1.5\t2\tpositive\n"    /* bad time */
               "7,5\tfibrillation\t1\t50\t1.5\t2\tpositive\n"  /* a comma is not a point */
               "\n");
    json_t *e = parse(epochs_json);
    acc_timeline tl;
    acc_events ev;
    char path[1024];
    assert_int_equal(acc_timeline_from_json(e, &tl), EDX_OK);
    assert_int_equal(acc_events_read(edfb_tmpdir_file(d, "ev.tsv", path, sizeof path), &tl, &ev),
                     EDX_OK);
    assert_int_equal(ev.n, 2);
    assert_int_equal(ev.bad_rows, 2);
    assert_true(ev.v[0].time_s == 5.0 && ev.v[0].type == ACC_FIBRILLATION);
    assert_true(ev.v[1].time_s == 25.5 && ev.v[1].type == ACC_PSW);
    acc_events_free(&ev);
    assert_int_equal(acc_events_read(edfb_tmpdir_file(d, "none.tsv", path, sizeof path), &tl, &ev),
                     EDX_ERR_NOT_FOUND);
    write_file(d, "nohdr.tsv", "when\tkind\n1\tfibrillation\n");
    assert_int_equal(acc_events_read(edfb_tmpdir_file(d, "nohdr.tsv", path, sizeof path), &tl, &ev),
                     EDX_ERR_FORMAT);
    acc_timeline_free(&tl);
    json_decref(e);
}

/* ---- quantiles ---------------------------------------------------------------------- */

static void test_quantiles(void **state)
{
    (void)state;
    const double err[] = {-1, 2, -3, 4, 5};
    acc_stat s;
    assert_int_equal(acc_summarise(err, 5, &s), EDX_OK);
    assert_int_equal(s.n, 5);
    assert_float_equal(s.median_abs, 3.0, 1e-12);
    assert_float_equal(s.p95_abs, 4.8, 1e-12); /* position 0.95 * 4 = 3.8 */
    assert_float_equal(s.bias, 2.0, 1e-12);    /* median of -3 -1 2 4 5 */
    const double even[] = {1, 2, 3, 4};
    assert_float_equal(acc_quantile(even, 4, 0.5), 2.5, 1e-12);
    double twenty[20];
    for (int i = 0; i < 20; i++)
        twenty[i] = i + 1;
    assert_float_equal(acc_quantile(twenty, 20, 0.95), 19.05, 1e-12);
    assert_float_equal(acc_quantile(twenty, 1, 0.95), 1.0, 1e-12);
    assert_true(isnan(acc_quantile(twenty, 0, 0.5)));
    assert_int_equal(acc_summarise(err, 0, &s), EDX_OK);
    assert_true(isnan(s.median_abs) && isnan(s.p95_abs) && isnan(s.bias));
}

/* ---- whole studies -------------------------------------------------------------------- */

/* One motor median (two sites, one segment), one F-wave, one muscle. */
static const char *const truth_text =
    "{\"nerve_conduction\": ["
    "  {\"nerve\": \"median\", \"side\": \"R\", \"test\": \"motor\", \"recording_site\": \"APB\","
    "   \"sites\": [{\"site\": \"wrist\", \"onset_latency_ms\": 3.5, \"peak_latency_ms\": 7.0,"
    "                \"amplitude_uv\": 8000},"
    "               {\"site\": \"elbow\", \"onset_latency_ms\": 7.5, \"peak_latency_ms\": 11.0,"
    "                \"amplitude_uv\": 7600}],"
    "   \"segments\": [{\"from\": \"wrist\", \"to\": \"elbow\", \"velocity_m_s\": 55.0}],"
    "   \"sensory_velocity_m_s\": null, \"fwave\": null},"
    "  {\"nerve\": \"tibial\", \"side\": \"R\", \"test\": \"fwave\", \"recording_site\": \"AH\","
    "   \"sites\": [], \"segments\": [],"
    "   \"fwave\": {\"min_latency_ms\": 48.0, \"persistence_pct\": 90.0}}],"
    " \"needle_emg\": [{\"muscle\": \"tibialis anterior\", \"side\": \"R\","
    "   \"spontaneous\": {\"fib_psw_grade\": \"2+\"}, \"mup\": {\"pattern\": \"neurogenic\"},"
    "   \"recruitment\": {\"pattern\": \"reduced\"}, \"events\": \"truth.ta.events.tsv\","
    "   \"epochs\": null}],"
    " \"interpretation\": {\"pattern\": \"?\"}}";

static const char *const truth_events =
    EVENTS_HEADER "0.1\tfibrillation\t1\t50\t1.5\t2\tpositive\n" /* insertion window: not counted */
                  "1.0\tfibrillation\t1\t50\t1.5\t2\tpositive\n"
                  "2.0\tfibrillation\t1\t50\t1.5\t2\tpositive\n"
                  "3.0\tfibrillation\t1\t50\t1.5\t2\tpositive\n"
                  "4.0\tpositive_sharp_wave\t2\t80\t6\t2\tpositive\n"
                  "15.0\tfasciculation\t3\t500\t8\t4\tnegative\n"; /* contraction: not counted */

static const char *const found_events =
    EVENTS_HEADER "0.1\tfibrillation\t0\t50\t1.5\t2\tpositive\n" /* insertion window: not counted */
                  "1.0049\tfibrillation\t0\t50\t1.5\t2\tpositive\n"       /* +4.9 ms: matched */
                  "2.0051\tfibrillation\t0\t50\t1.5\t2\tpositive\n"       /* +5.1 ms: not */
                  "3.001\tpositive_sharp_wave\t0\t50\t1.5\t2\tpositive\n" /* in time, wrong type */
                  "4.0\tpositive_sharp_wave\t0\t80\t6\t2\tpositive\n"
                  "15.0\tfasciculation\t0\t500\t8\t4\tnegative\n"; /* contraction: not counted */

static const char *const findings_text =
    "{\"nerve_conduction\": ["
    "  {\"nerve\": \"median\", \"side\": \"R\", \"test\": \"motor\", \"recording_site\": \"APB\","
    "   \"sites\": [{\"site\": \"wrist\", \"onset_latency_ms\": 3.6, \"peak_latency_ms\": 6.8,"
    "                \"amplitude_uv\": 8800},"
    "               {\"site\": \"elbow\", \"onset_latency_ms\": null, \"peak_latency_ms\": null,"
    "                \"amplitude_uv\": null}],"
    "   \"segments\": [{\"from\": \"wrist\", \"to\": \"elbow\", \"velocity_m_s\": 52.0}]}],"
    " \"needle_emg\": [{\"muscle\": \"tibialis anterior\", \"side\": \"R\","
    "   \"spontaneous\": {\"fib_psw_grade\": \"2+\"}, \"mup\": {\"pattern\": \"myopathic\"},"
    "   \"recruitment\": null, \"events\": \"ta.events.tsv\"}],"
    " \"interpretation\": {\"pattern\": \"?\"}}";

static void set_pattern(json_t *root, const char *pattern)
{
    json_t *interp = json_object_get(root, "interpretation");
    assert_int_equal(json_object_set_new(interp, "pattern", json_string(pattern)), 0);
}

static json_t *make_truth(const char *pattern)
{
    json_t *root = parse(truth_text);
    json_t *muscle = json_array_get(json_object_get(root, "needle_emg"), 0);
    assert_int_equal(json_object_set_new(muscle, "epochs", parse(epochs_json)), 0);
    set_pattern(root, pattern);
    return root;
}

static json_t *make_findings(const char *pattern)
{
    json_t *root = parse(findings_text);
    set_pattern(root, pattern);
    return root;
}

/* The neuropathy study with the events tables above, scored once into *t. */
static void score_neuropathy(const edfb_tmpdir *d, acc_totals *t, json_t **truth, json_t **found)
{
    write_file(d, "truth.ta.events.tsv", truth_events);
    write_file(d, "ta.events.tsv", found_events);
    *truth = make_truth("neuropathy");
    *found = make_findings("neuropathy");
    acc_totals_init(t, NULL);
    assert_int_equal(acc_add_study(t, *truth, d->path, *found, d->path), EDX_OK);
}

static void test_study_scores(void **state)
{
    const edfb_tmpdir *d = *state;
    json_t *truth, *found;
    acc_totals t;
    score_neuropathy(d, &t, &truth, &found);

    /* nerve conduction: the elbow site is null in findings, so missed */
    assert_true(t.has_nc);
    assert_int_equal(t.truth_sites, 2);
    assert_int_equal(t.sites_missed, 1);
    assert_int_equal(t.nc[ACC_CMAP_ONSET].n, 1);
    assert_int_equal(t.nc[ACC_CMAP_ONSET].missed, 1);
    assert_float_equal(t.nc[ACC_CMAP_ONSET].err[0], 0.1, 1e-9);
    assert_float_equal(t.nc[ACC_PEAK_LATENCY].err[0], -0.2, 1e-9);
    assert_float_equal(t.nc[ACC_CMAP_AMPLITUDE].err[0], 10.0, 1e-9);
    assert_float_equal(t.nc[ACC_MOTOR_VELOCITY].err[0], -3.0, 1e-9);
    assert_false(t.nc[ACC_SENSORY_VELOCITY].is_implemented);
    /* the findings lack the F-wave: truth counts it as missed, the row is not implemented */
    assert_false(t.nc[ACC_F_MIN_LATENCY].is_implemented);
    assert_int_equal(t.nc[ACC_F_MIN_LATENCY].missed, 1);

    /* discharges: truth 3 fib + 1 PSW in rest; found 2 fib + 2 PSW in rest */
    assert_true(t.has_events);
    assert_int_equal(t.type[ACC_FIBRILLATION].truth_n, 3);
    assert_int_equal(t.type[ACC_FIBRILLATION].found_n, 2);
    assert_int_equal(t.type[ACC_FIBRILLATION].matched_n, 1);
    assert_int_equal(t.type[ACC_PSW].truth_n, 1);
    assert_int_equal(t.type[ACC_PSW].found_n, 2);
    assert_int_equal(t.type[ACC_PSW].matched_n, 1);
    assert_int_equal(t.type[ACC_FASCICULATION].truth_n, 0);
    assert_int_equal(acc_extra_set(&t), 0);
    assert_int_equal(t.any[0].truth_n, 4);
    assert_int_equal(t.any[0].found_n, 4);
    assert_int_equal(t.any[0].matched_n, 3);
    assert_int_equal(t.wrong_type[0][ACC_FIBRILLATION][ACC_PSW], 1);
    assert_int_equal(t.clean_muscles, 0); /* truth has fibrillations here */

    /* agreement */
    assert_true(t.grade.is_implemented && t.grade.n == 1 && t.grade.agree_n == 1);
    assert_true(t.mup.is_implemented && t.mup.n == 1 && t.mup.agree_n == 0);
    assert_false(t.recruitment.is_implemented);
    assert_int_equal(t.recruitment.n, 1);

    acc_totals_free(&t);
    json_decref(truth);
    json_decref(found);
}

/* A sensory nerve of one site (20 uV, 50 m/s in truth) found with the
 * given noise: scored into *t. */
static void score_sensory(double noise_uv, acc_totals *t)
{
    json_t *truth = parse(
        "{\"nerve_conduction\": [{\"nerve\": \"sural\", \"side\": \"R\", \"test\": \"sensory\","
        " \"recording_site\": \"ankle\", \"sites\": [{\"site\": \"calf\", \"onset_latency_ms\": "
        "2.8,"
        " \"amplitude_uv\": 20.0}], \"segments\": [], \"sensory_velocity_m_s\": 50.0}],"
        " \"needle_emg\": [], \"interpretation\": {\"pattern\": \"normal\"}}");
    json_t *found = parse(
        "{\"nerve_conduction\": [{\"nerve\": \"sural\", \"side\": \"R\", \"test\": \"sensory\","
        " \"recording_site\": \"ankle\", \"sites\": [{\"site\": \"calf\", \"onset_latency_ms\": "
        "2.75,"
        " \"amplitude_uv\": 21.0, \"noise_uv\": 1.0}], \"sensory_velocity_m_s\": 51.0}],"
        " \"needle_emg\": [], \"interpretation\": {\"pattern\": \"normal\"}}");
    json_t *site = json_array_get(
        json_object_get(json_array_get(json_object_get(found, "nerve_conduction"), 0), "sites"), 0);
    assert_int_equal(json_object_set_new(site, "noise_uv", json_real(noise_uv)), 0);
    acc_totals_init(t, NULL);
    assert_int_equal(acc_add_study(t, truth, NULL, found, NULL), EDX_OK);
    json_decref(truth);
    json_decref(found);
}

/* SNAP amplitude and sensory velocity are scored again over the SNAPs 20 dB
 * or more above the noise of the waveform measured, and only those. */
static void test_snap_snr_band(void **state)
{
    (void)state;
    acc_totals t;
    score_sensory(2.0, &t); /* 20 uV over 2 uV: 20 dB */
    assert_int_equal(t.nc[ACC_SNAP_AMPLITUDE].n, 1);
    assert_int_equal(t.nc[ACC_SNAP_AMPLITUDE_20DB].n, 1);
    assert_float_equal(t.nc[ACC_SNAP_AMPLITUDE_20DB].err[0], 5.0, 1e-9);
    assert_int_equal(t.nc[ACC_SENSORY_VELOCITY_20DB].n, 1);
    assert_float_equal(t.nc[ACC_SENSORY_VELOCITY_20DB].err[0], 1.0, 1e-9);
    acc_totals_free(&t);
    score_sensory(2.5, &t); /* 18 dB */
    assert_int_equal(t.nc[ACC_SNAP_AMPLITUDE].n, 1);
    assert_int_equal(t.nc[ACC_SENSORY_VELOCITY].n, 1);
    assert_int_equal(t.nc[ACC_SNAP_AMPLITUDE_20DB].n + t.nc[ACC_SNAP_AMPLITUDE_20DB].missed, 0);
    assert_int_equal(t.nc[ACC_SENSORY_VELOCITY_20DB].n, 0);
    acc_totals_free(&t);
}

/* The same muscle scored twice, the second time with a needle site on the
 * end plate: only that one's fibrillations and PSWs are kept apart. */
static void test_end_plate_site_apart(void **state)
{
    const edfb_tmpdir *d = *state;
    json_t *truth, *found;
    acc_totals t;
    score_neuropathy(d, &t, &truth, &found);
    assert_int_equal(t.end_plate_muscles, 0);
    assert_int_equal(t.end_plate_fib[0].truth_n, 0);
    json_t *muscle = json_array_get(json_object_get(truth, "needle_emg"), 0);
    assert_int_equal(json_object_set_new(muscle, "end_plate_site", json_true()), 0);
    assert_int_equal(acc_add_study(&t, truth, d->path, found, d->path), EDX_OK);
    assert_int_equal(t.end_plate_muscles, 1);
    /* as test_study_scores: fibrillations 3 truth, 2 found, 1 matched; PSW 1, 2, 1 */
    assert_int_equal(t.end_plate_fib[0].truth_n, 3);
    assert_int_equal(t.end_plate_fib[0].found_n, 2);
    assert_int_equal(t.end_plate_fib[0].matched_n, 1);
    assert_int_equal(t.end_plate_fib[1].truth_n, 1);
    assert_int_equal(t.end_plate_fib[1].found_n, 2);
    assert_int_equal(t.end_plate_fib[1].matched_n, 1);
    assert_int_equal(t.type[ACC_FIBRILLATION].truth_n, 6); /* both studies */
    acc_totals_free(&t);
    json_decref(truth);
    json_decref(found);
}

/* A muscle whose truth has no fibrillation or PSW in rest (one in the
 * insertion window does not count): the fibrillation and PSW found in its
 * rest are false positives, over its 19.4 s of rest. */
static void test_clean_muscle_false_positives(void **state)
{
    const edfb_tmpdir *d = *state;
    write_file(d, "truth.ta.events.tsv",
               EVENTS_HEADER "0.1\tfibrillation\t1\t50\t1.5\t2\tpositive\n"
                             "5.0\tfasciculation\t3\t500\t8\t4\tnegative\n");
    write_file(d, "ta.events.tsv", found_events);
    json_t *truth = make_truth("normal"), *found = make_findings("normal");
    acc_totals t;
    acc_totals_init(&t, NULL);
    assert_int_equal(acc_add_study(&t, truth, d->path, found, d->path), EDX_OK);
    assert_int_equal(t.clean_muscles, 1);
    assert_int_equal(t.clean_found, 4); /* 2 fibrillations and 2 PSWs in rest */
    assert_float_equal(t.clean_rest_s, 19.4, 1e-9);
    acc_totals_free(&t);
    json_decref(truth);
    json_decref(found);
}

static size_t cell(const acc_totals *t, const char *truth, const char *found)
{
    size_t r = SIZE_MAX, c = SIZE_MAX;
    for (size_t i = 0; i < t->n_patterns; i++) {
        r = strcmp(t->pattern[i], truth) == 0 ? i : r;
        c = strcmp(t->pattern[i], found) == 0 ? i : c;
    }
    return (r == SIZE_MAX || c == SIZE_MAX) ? 0 : t->confusion[r][c];
}

static void test_pattern_confusion(void **state)
{
    const edfb_tmpdir *d = *state;
    write_file(d, "truth.ta.events.tsv", truth_events);
    write_file(d, "ta.events.tsv", found_events);
    const char *const pairs[][2] = {{"normal", "normal"},
                                    {"suspicious_mnd", "neuropathy"},
                                    {"neuropathy", "neuropathy"},
                                    {"suspicious_mnd", "suspicious_mnd"},
                                    {"myopathy", NULL}}; /* findings without a pattern */
    acc_totals t;
    acc_totals_init(&t, NULL);
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        json_t *truth = make_truth(pairs[i][0]);
        json_t *found = make_findings(pairs[i][1] ? pairs[i][1] : "x");
        if (!pairs[i][1])
            json_object_del(found, "interpretation");
        assert_int_equal(acc_add_study(&t, truth, d->path, found, d->path), EDX_OK);
        json_decref(truth);
        json_decref(found);
    }
    assert_true(t.has_pattern);
    assert_int_equal(t.studies, 5);
    assert_int_equal(cell(&t, "normal", "normal"), 1);
    assert_int_equal(cell(&t, "suspicious_mnd", "neuropathy"), 1);
    assert_int_equal(cell(&t, "suspicious_mnd", "suspicious_mnd"), 1);
    assert_int_equal(cell(&t, "neuropathy", "neuropathy"), 1);
    assert_int_equal(cell(&t, "myopathy", "(none)"), 1);
    assert_int_equal(cell(&t, "neuropathy", "suspicious_mnd"), 0);
    json_t *j = acc_totals_json(&t);
    assert_non_null(j);
    json_t *interp = json_object_get(j, "interpretation");
    assert_int_equal(json_integer_value(json_object_get(interp, "correct")), 3);
    assert_float_equal(json_number_value(json_object_get(interp, "accuracy_pct")), 60.0, 1e-9);
    json_decref(j);
    acc_totals_free(&t);
}

/* Extra types (end_plate here) count, in their row and in `any`, only once
 * some findings report them. */
static void test_extra_types(void **state)
{
    const edfb_tmpdir *d = *state;
    const char *hdr = EVENTS_HEADER;
    char text[1024];
    snprintf(text, sizeof text, "%s%s", hdr,
             "1.0\tfibrillation\t1\t50\t1.5\t2\tpositive\n"
             "2.0\tend_plate\t0\t20\t1\t2\tnegative\n"
             "3.0\tend_plate\t0\t20\t1\t2\tnegative\n");
    write_file(d, "truth.ta.events.tsv", text);
    json_t *truth = make_truth("normal"), *found = make_findings("normal");
    for (int with_end_plate = 0; with_end_plate < 2; with_end_plate++) {
        snprintf(text, sizeof text, "%s%s%s", hdr, "1.001\tfibrillation\t0\t50\t1.5\t2\tpositive\n",
                 with_end_plate ? "2.001\tend_plate\t0\t20\t1\t2\tnegative\n" : "");
        write_file(d, "ta.events.tsv", text);
        acc_totals t;
        acc_totals_init(&t, NULL);
        assert_int_equal(acc_add_study(&t, truth, d->path, found, d->path), EDX_OK);
        unsigned set = acc_extra_set(&t);
        assert_int_equal(set, with_end_plate ? 1u << (ACC_END_PLATE - ACC_CORE_TYPES) : 0u);
        assert_int_equal(t.type[ACC_END_PLATE].truth_n, 2);
        assert_int_equal(t.any[set].truth_n, with_end_plate ? 3 : 1);
        assert_int_equal(t.any[set].found_n, with_end_plate ? 2 : 1);
        assert_int_equal(t.any[set].matched_n, with_end_plate ? 2 : 1);
        json_t *j = acc_totals_json(&t);
        json_t *types = json_object_get(json_object_get(j, "discharges"), "types");
        assert_int_equal(json_object_get(types, "end_plate") != NULL, with_end_plate);
        assert_non_null(json_object_get(types, "myokymic"));
        json_decref(j);
        acc_totals_free(&t);
    }
    json_decref(truth);
    json_decref(found);
}

/* More pattern names than the table holds: the rest go to "(other)". */
static void test_pattern_overflow(void **state)
{
    const edfb_tmpdir *d = *state;
    write_file(d, "truth.ta.events.tsv", truth_events);
    acc_totals t;
    acc_totals_init(&t, NULL);
    for (int i = 0; i < 2 * ACC_PATTERN_MAX; i++) {
        char name[32];
        snprintf(name, sizeof name, "pattern_%d", i);
        json_t *truth = make_truth(name);
        assert_int_equal(acc_add_study(&t, truth, d->path, NULL, NULL), EDX_OK);
        json_decref(truth);
    }
    assert_int_equal(t.n_patterns, ACC_PATTERN_MAX);
    assert_string_equal(t.pattern[ACC_PATTERN_MAX - 1], "(other)");
    size_t total = 0;
    for (size_t r = 0; r < t.n_patterns; r++)
        for (size_t c = 0; c < t.n_patterns; c++)
            total += t.confusion[r][c];
    assert_int_equal(total, 2 * ACC_PATTERN_MAX);
    acc_totals_free(&t);
}

/* Reads a whole stream into a string (caller frees). */
static char *slurp(FILE *f)
{
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *s = calloc((size_t)n + 1, 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    return s;
}

static void test_not_implemented_without_findings(void **state)
{
    const edfb_tmpdir *d = *state;
    write_file(d, "truth.ta.events.tsv", truth_events);
    json_t *truth = make_truth("normal");
    char path[1024];
    assert_non_null(edfb_tmpdir_file(d, "truth.json", path, sizeof path));
    assert_int_equal(json_dump_file(truth, path, 0), 0);
    json_decref(truth);
    acc_totals t;
    acc_totals_init(&t, NULL);
    assert_int_equal(acc_add_study_dir(&t, d->path), EDX_OK); /* no findings.json */
    assert_int_equal(t.studies, 1);
    assert_int_equal(t.studies_with_findings, 0);
    assert_false(t.has_nc || t.has_events || t.has_pattern);
    for (int m = 0; m < ACC_METRIC_COUNT; m++)
        assert_false(t.nc[m].is_implemented);
    assert_false(t.grade.is_implemented || t.mup.is_implemented || t.recruitment.is_implemented);
    assert_int_equal(t.type[ACC_FIBRILLATION].truth_n, 3); /* truth is still counted */

    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(acc_print_table(&t, f), EDX_OK);
    char *table = slurp(f);
    fclose(f);
    size_t n_not = 0;
    for (const char *p = table; (p = strstr(p, "not implemented")) != NULL; p++)
        n_not++;
    /* 11 NC rows + sites, 6 core types + any + wrong type, 3 muscle rows, patterns */
    assert_int_equal(n_not, 11 + 1 + 6 + 1 + 1 + 3 + 1);
    assert_null(strstr(table, "0.0")); /* no zeros pretending to be measurements */
    free(table);

    json_t *j = acc_totals_json(&t);
    assert_non_null(j);
    assert_false(json_is_true(json_object_get(json_object_get(j, "discharges"), "implemented")));
    json_t *onset = json_object_get(json_object_get(j, "nerve_conduction"), "onset_latency_ms");
    assert_false(json_is_true(json_object_get(onset, "implemented")));
    assert_null(json_object_get(onset, "n"));
    json_t *interp = json_object_get(j, "interpretation");
    assert_false(json_is_true(json_object_get(interp, "implemented")));
    json_decref(j);
    acc_totals_free(&t);
}

/* Fasciculations are also counted per simulated scenario, a study without
 * one under "(unknown)", and printed and written per scenario. */
static void test_fasciculation_by_scenario(void **state)
{
    const edfb_tmpdir *d = *state;
    write_file(d, "truth.ta.events.tsv",
               EVENTS_HEADER "5.0\tfasciculation\t3\t500\t8\t4\tnegative\n"
                             "6.0\tfasciculation\t3\t500\t8\t4\tnegative\n"
                             "15.0\tfasciculation\t3\t500\t8\t4\tnegative\n"); /* contraction */
    write_file(d, "ta.events.tsv",
               EVENTS_HEADER "5.001\tfasciculation\t0\t500\t8\t4\tnegative\n"
                             "7.0\tfasciculation\t0\t500\t8\t4\tnegative\n");
    json_t *truth = make_truth("benign_fasciculation"), *found = make_findings("normal");
    acc_totals t;
    acc_totals_init(&t, NULL);
    assert_int_equal(acc_add_study(&t, truth, d->path, found, d->path), EDX_OK);
    assert_int_equal(
        json_object_set_new(truth, "simulation", parse("{\"scenario\": \"benign_fasciculation\"}")),
        0);
    assert_int_equal(acc_add_study(&t, truth, d->path, found, d->path), EDX_OK);
    assert_int_equal(acc_add_study(&t, truth, d->path, found, d->path), EDX_OK);
    assert_int_equal(t.n_scenarios, 2);
    assert_string_equal(t.scenario[0], "(unknown)");
    assert_string_equal(t.scenario[1], "benign_fasciculation");
    const acc_detect *u = &t.fasc_by_scenario[0], *b = &t.fasc_by_scenario[1];
    assert_true(u->truth_n == 2 && u->found_n == 2 && u->matched_n == 1);
    assert_true(b->truth_n == 4 && b->found_n == 4 && b->matched_n == 2);
    assert_int_equal(t.type[ACC_FASCICULATION].truth_n, 6);

    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(acc_print_table(&t, f), EDX_OK);
    char *table = slurp(f);
    fclose(f);
    const char *row = strstr(table, "\n    benign_fasciculation ");
    assert_non_null(row);
    unsigned n_truth = 0, n_found = 0, n_matched = 0;
    char sens[32], prec[32];
    assert_int_equal(sscanf(row, " benign_fasciculation %u %u %u %31s %31s", &n_truth, &n_found,
                            &n_matched, sens, prec),
                     5);
    assert_true(n_truth == 4 && n_found == 4 && n_matched == 2);
    assert_string_equal(sens, "50.0");
    assert_string_equal(prec, "50.0");
    free(table);
    json_t *j = acc_totals_json(&t);
    json_t *by = json_object_get(json_object_get(j, "discharges"), "fasciculation_by_scenario");
    json_t *bf = json_object_get(by, "benign_fasciculation");
    assert_int_equal(json_integer_value(json_object_get(bf, "matched")), 2);
    assert_float_equal(json_real_value(json_object_get(bf, "sensitivity_pct")), 50.0, 1e-9);
    assert_non_null(json_object_get(by, "(unknown)"));
    json_decref(j);
    acc_totals_free(&t);
    json_decref(truth);
    json_decref(found);
}

/* A study without findings, beside one with them, counts as a miss. */
static void test_missing_findings_count_as_miss(void **state)
{
    const edfb_tmpdir *d = *state;
    write_file(d, "truth.ta.events.tsv", truth_events);
    write_file(d, "ta.events.tsv", found_events);
    json_t *truth = make_truth("normal"), *found = make_findings("normal");
    acc_totals t;
    acc_totals_init(&t, NULL);
    assert_int_equal(acc_add_study(&t, truth, d->path, found, d->path), EDX_OK);
    assert_int_equal(acc_add_study(&t, truth, d->path, NULL, NULL), EDX_OK);
    assert_int_equal(t.studies_with_findings, 1);
    assert_true(t.has_events && t.has_pattern);
    assert_int_equal(t.type[ACC_FIBRILLATION].truth_n, 6);
    assert_int_equal(t.type[ACC_FIBRILLATION].matched_n, 1);
    assert_int_equal(cell(&t, "normal", "(none)"), 1);
    assert_int_equal(t.nc[ACC_CMAP_ONSET].missed, 1 + 2);
    assert_int_equal(t.grade.n, 2);
    assert_int_equal(t.grade.agree_n, 1);
    acc_totals_free(&t);
    json_decref(truth);
    json_decref(found);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_tolerance),
        cmocka_unit_test(test_match_one_to_one_closest_first),
        cmocka_unit_test(test_match_simultaneous_types),
        cmocka_unit_test(test_match_unsorted_and_large),
        cmocka_unit_test(test_rest_filter),
        cmocka_unit_test_setup_teardown(test_events_read, edft_setup_tmpdir, edft_teardown_tmpdir),
        cmocka_unit_test(test_quantiles),
        cmocka_unit_test(test_snap_snr_band),
        cmocka_unit_test_setup_teardown(test_study_scores, edft_setup_tmpdir, edft_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_end_plate_site_apart, edft_setup_tmpdir,
                                        edft_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_fasciculation_by_scenario, edft_setup_tmpdir,
                                        edft_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_clean_muscle_false_positives, edft_setup_tmpdir,
                                        edft_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_pattern_confusion, edft_setup_tmpdir,
                                        edft_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_extra_types, edft_setup_tmpdir, edft_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_pattern_overflow, edft_setup_tmpdir,
                                        edft_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_not_implemented_without_findings, edft_setup_tmpdir,
                                        edft_teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_missing_findings_count_as_miss, edft_setup_tmpdir,
                                        edft_teardown_tmpdir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
