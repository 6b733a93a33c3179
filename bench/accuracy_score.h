/*
 * accuracy_score.h - scores an analyser's findings (shared/spec/findings-json.md)
 * against the simulator's truth (src/sim/truth.c, edxreport-truth(5)). The
 * yardstick of bench/accuracy.sh; rules in bench/README.md, "accuracy".
 *
 * Not part of the edx library: these sources are compiled into bench_accuracy
 * and into tests/bench/test_accuracy_scorer. It uses jansson and the number
 * helpers of edx/common.h; it never prints except to the warning stream the
 * caller hands in.
 *
 *   accuracy_events.c   events tables, rest filtering, matching, quantiles
 *   accuracy_score.c    one study's truth and findings into running totals
 *   accuracy_report.c   the totals as a text table and as JSON
 */
#ifndef EDX_BENCH_ACCURACY_SCORE_H
#define EDX_BENCH_ACCURACY_SCORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "edx/common.h"

/* A found discharge matches a truth discharge when |dt| <= 5 ms. */
#define ACC_MATCH_TOLERANCE_S 0.005

/* ---- numbers -------------------------------------------------------------- */

/* Quantile p (0..1) of sorted[0..n), linear between closest ranks (the
 * "R-7" rule: position p * (n - 1)). NAN when n == 0. */
double acc_quantile(const double *sorted, size_t n, double p);

/* n, median and 95th percentile of |error|, and median of the signed error
 * (the bias) of err[0..n). Fields are NAN when n == 0. */
typedef struct acc_stat {
    size_t n;
    double median_abs, p95_abs, bias;
} acc_stat;
int acc_summarise(const double *err, size_t n, acc_stat *out);

/* ---- discharges ----------------------------------------------------------- */

/* The discharge types scored; the first ACC_CORE_TYPES always have a row,
 * the others only when some findings report them. */
typedef enum acc_type {
    ACC_FIBRILLATION,
    ACC_PSW,
    ACC_FASCICULATION,
    ACC_CRD,
    ACC_MYOTONIC,
    ACC_MYOKYMIC,
    ACC_NEUROMYOTONIC,
    ACC_CRAMP,
    ACC_END_PLATE,
    ACC_TYPE_COUNT
} acc_type;
enum {
    ACC_CORE_TYPES = ACC_MYOKYMIC + 1,
    ACC_EXTRA_TYPES = ACC_TYPE_COUNT - ACC_CORE_TYPES,
    ACC_EXTRA_SETS = 1 << ACC_EXTRA_TYPES /* subsets of the extra types */
};

/* Whether a type is one of `any`'s when the extra types in the bit set
 * `extras` (bit k: type ACC_CORE_TYPES + k) are scored. */
bool acc_type_in_set(int type, unsigned extras);

/* The events.tsv name of a type ("positive_sharp_wave"). */
const char *acc_type_name(acc_type t);
/* The type of an events.tsv name, or -1 when it is not scored ("mup"). */
int acc_type_find(const char *name);

typedef struct acc_event {
    double time_s;
    int type; /* acc_type */
} acc_event;

typedef struct acc_events {
    acc_event *v;
    size_t n, cap;
    size_t bad_rows; /* rows skipped because time or columns were unreadable */
} acc_events;

void acc_events_free(acc_events *e);
/* Appends one event. Returns EDX_OK or EDX_ERR_NOMEM. */
int acc_events_push(acc_events *e, double time_s, int type);
/* Sorts by time (then type). */
void acc_events_sort(acc_events *e);

/* When a muscle was at rest: the truth's epochs (states, needle moves and
 * the insertion window after each move), as truth.c's in_rest() uses it. */
typedef struct acc_timeline {
    double *rest_start_s, *rest_end_s;
    size_t n_rest;
    double *move_s;
    size_t n_moves;
    double insertion_window_s;
} acc_timeline;

/* From a truth muscle's "epochs" object. EDX_ERR_FORMAT when it is not one. */
int acc_timeline_from_json(const json_t *epochs, acc_timeline *tl);
void acc_timeline_free(acc_timeline *tl);
/* In a rest epoch and not within the insertion window after a needle move. */
bool acc_in_rest(const acc_timeline *tl, double t_s);
/* Seconds of rest acc_in_rest() counts. */
double acc_rest_s(const acc_timeline *tl);

/* Reads an events table (columns found by the header's names "time_s" and
 * "type"), keeping scored types at times where acc_in_rest() holds, sorted
 * by time. EDX_ERR_NOT_FOUND / EDX_ERR_IO / EDX_ERR_FORMAT (no such columns)
 * / EDX_ERR_NOMEM. */
int acc_events_read(const char *path, const acc_timeline *tl, acc_events *out);

/*
 * Pairs found with truth events one to one, always taking next the closest
 * remaining pair with |dt| <= tol_s (greedy by smallest |dt|; at equal |dt|
 * a pair of one type before a pair of two). Both lists must be sorted by
 * time (ties by type, as acc_events_sort leaves them). The two lists are merged (two pointers) into one
 * time-ordered list; the closest remaining truth/found pair is always
 * adjacent in it, so only adjacent pairs enter a heap and the whole match
 * is O((n + m) log(n + m)). found_of_truth[i] becomes the index of the found
 * event paired with truth[i], or -1. Returns the number of pairs, or
 * EDX_ERR_INVALID (unsorted) / EDX_ERR_NOMEM.
 */
long acc_match(const acc_event *truth, size_t n_truth, const acc_event *found, size_t n_found,
               double tol_s, ptrdiff_t *found_of_truth);

/* ---- totals over studies ---------------------------------------------------- */

typedef enum acc_metric {
    ACC_CMAP_ONSET,     /* ms, motor tests */
    ACC_SNAP_ONSET,     /* ms, sensory tests */
    ACC_PEAK_LATENCY,   /* ms */
    ACC_CMAP_AMPLITUDE, /* % of the truth */
    ACC_SNAP_AMPLITUDE, /* % of the truth */
    /* ... of the SNAPs whose truth amplitude is 20 dB or more above the
     * noise of the waveform measured (the site's noise_uv): how close to
     * the truth a measurement comes when noise does not decide it */
    ACC_SNAP_AMPLITUDE_20DB,
    ACC_MOTOR_VELOCITY,        /* m/s, per segment */
    ACC_SENSORY_VELOCITY,      /* m/s */
    ACC_SENSORY_VELOCITY_20DB, /* ... of those SNAPs */
    ACC_F_MIN_LATENCY,         /* ms */
    ACC_F_PERSISTENCE,         /* percentage points */
    ACC_METRIC_COUNT
} acc_metric;

/* The key of a metric in bench_accuracy --json ("onset_latency_ms"). */
const char *acc_metric_key(acc_metric m);
/* Its label in the table ("onset latency (ms)"). */
const char *acc_metric_label(acc_metric m);

/* Signed errors (found - truth) of one metric, over every study. */
typedef struct acc_series {
    double *err;
    size_t n, cap;
    size_t missed;        /* truth had a value; findings had none (absent or null) */
    bool is_implemented;  /* some findings reported a value */
} acc_series;

typedef struct acc_detect {
    size_t truth_n, found_n, matched_n;
} acc_detect;

typedef struct acc_agree {
    size_t n, agree_n;
    bool is_implemented; /* some findings reported a value */
} acc_agree;

enum { ACC_PATTERN_MAX = 24, ACC_NAME_MAX = 48 };

/* Per muscle mean MUP duration (ms) and amplitude (% of the truth) errors
 * where truth and findings both have them (accuracy_mup.c). */
typedef struct acc_mup {
    double *duration_err_ms, *amplitude_err_pct;
    size_t n, cap;
    size_t missed;       /* truth had MUPs; findings had no mean */
    bool is_implemented; /* some findings reported a mean */
} acc_mup;
/* Adds one muscle (found_muscle may be NULL). EDX_OK or EDX_ERR_NOMEM. */
int acc_mup_add(acc_mup *m, const json_t *truth_muscle, const json_t *found_muscle);
void acc_mup_free(acc_mup *m);
void acc_mup_print(const acc_mup *m, FILE *out);
json_t *acc_mup_json(const acc_mup *m);

typedef struct acc_totals {
    FILE *warn; /* problems with findings are described here; may be NULL */
    size_t studies, studies_with_findings;
    /* nerve conduction */
    acc_series nc[ACC_METRIC_COUNT];
    size_t truth_sites, sites_missed; /* sites with a truth onset latency */
    bool has_nc;                      /* some findings had nerve_conduction entries */
    /* discharges in rest */
    bool has_events;                  /* some findings named an events table */
    bool type_in_findings[ACC_TYPE_COUNT];
    acc_detect type[ACC_TYPE_COUNT];
    /* Matched whatever the type, over the core types and a subset of the
     * extra ones; which subset counts is known only at the end (those some
     * findings reported: acc_extra_set), so every subset is kept. */
    acc_detect any[ACC_EXTRA_SETS];
    size_t wrong_type[ACC_EXTRA_SETS][ACC_TYPE_COUNT][ACC_TYPE_COUNT]; /* [set][truth][found] */
    /* muscles whose truth has no fibrillation or PSW in rest: how many,
     * their rest (s) and the fibrillations and PSWs found there */
    size_t clean_muscles, clean_found;
    double clean_rest_s;
    /* fibrillations ([0]) and PSWs ([1]) of the muscles whose truth has a
     * needle site on the end plate (end-plate noise and spikes there), and
     * how many such muscles */
    acc_detect end_plate_fib[2];
    size_t end_plate_muscles;
    /* fasciculations per simulated scenario (the truth's "simulation"
     * "scenario", "(unknown)" without one; "(other)" once the table is
     * full), in order of first appearance: which kinds of study a
     * sensitivity or precision below the whole corpus's comes from */
    char scenario[ACC_PATTERN_MAX][ACC_NAME_MAX];
    size_t n_scenarios;
    acc_detect fasc_by_scenario[ACC_PATTERN_MAX];
    /* per muscle */
    acc_agree grade, mup, recruitment;
    acc_mup mup_size;
    /* interpretation: [truth][found] over pattern names; "(none)" when the
     * findings have no pattern, "(other)" once the table is full */
    bool has_pattern;
    char pattern[ACC_PATTERN_MAX][ACC_NAME_MAX];
    size_t n_patterns;
    size_t confusion[ACC_PATTERN_MAX][ACC_PATTERN_MAX];
} acc_totals;

void acc_totals_init(acc_totals *t, FILE *warn);
/* The extra types some findings reported, as a bit set for any / wrong_type. */
unsigned acc_extra_set(const acc_totals *t);
void acc_totals_free(acc_totals *t);

/*
 * Adds one study. truth_dir and findings_dir are the folders the events
 * tables named in each file are relative to; findings may be NULL (no
 * findings file: every implemented section counts it as missed). Returns
 * EDX_OK, or a negative edx_err when the truth is unusable (EDX_ERR_FORMAT,
 * EDX_ERR_NOT_FOUND for its events tables) or memory runs out. Problems in
 * the findings never fail: they count as misses and are described on warn.
 */
int acc_add_study(acc_totals *t, const json_t *truth, const char *truth_dir,
                  const json_t *findings, const char *findings_dir);

/* Loads DIR/truth.json and, when present, DIR/findings.json, and adds them. */
int acc_add_study_dir(acc_totals *t, const char *dir);

/* ---- output ----------------------------------------------------------------- */

/* The table (bench/README.md). EDX_OK, EDX_ERR_IO or EDX_ERR_NOMEM. */
int acc_print_table(const acc_totals *t, FILE *out);
/* The same numbers as a JSON object ("schema": "edxreport-accuracy/1"),
 * or NULL when memory runs out. */
json_t *acc_totals_json(const acc_totals *t);

#endif /* EDX_BENCH_ACCURACY_SCORE_H */
