/*
 * edx/mup.h - motor unit potentials (MUPs) and recruitment under voluntary
 * activation: the "contraction" half of the needle-EMG measure stage.
 *
 * Facts and sources: shared clinical reference section 2 (source ids in
 * brackets, e.g. [S28]); definitions for users in edxreport(1), section
 * "MOTOR UNIT POTENTIALS".
 *
 *   emg_mup_measure_*  one averaged MUP: amplitude, duration (level-and-slope
 *                      markers), phases, turns, area, rise time, satellites
 *   emg_mup_*          the streaming decomposer: contraction epochs are fed
 *                      in blocks of samples (µV); spikes are detected on a
 *                      slope signal, assigned to units by template matching,
 *                      and each unit's discharges are aligned (sub-sample)
 *                      and averaged (interquartile mean)
 *   emg_mup_normals_*  templates/mup_normals.tsv: muscle- and age-specific
 *                      limits of mean amplitude, mean duration, polyphasia
 *   emg_mup_summary_*  per muscle: count, means against the limits, pattern
 *   emg_recruit_*      recruitment (firing rates, recruitment ratio) and the
 *                      interference pattern at maximal effort
 *
 * Units are in the names. Nothing here prints, exits or keeps global state;
 * memory is bounded by EMG_MUP_MAX_UNITS and EMG_MUP_MAX_MEMBERS whatever
 * the length of the recording.
 */
#ifndef EDX_MUP_H
#define EDX_MUP_H

#include <stdbool.h>
#include <stddef.h>

#include "edx/common.h"
#include "edx/study.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    EMG_MUP_MAX_UNITS = 48,   /* units tracked per epoch; further spikes stay unassigned */
    EMG_MUP_MAX_MEMBERS = 32, /* discharges kept per unit for the average */
    EMG_MUP_MIN_COUNT = 20    /* MUPs needed for quantitative claims [S56] */
};

/* Sampling rates: below the expected rate the analysis runs with a warning;
 * below the minimum it is refused (recording conventions, section 4). */
#define EMG_MUP_EXPECTED_RATE_HZ 10000.0
#define EMG_MUP_MIN_RATE_HZ 4000.0

/* ---- one averaged MUP ------------------------------------------------------ */

typedef struct emg_mup_shape {
    double amplitude_uv;     /* peak to peak */
    double duration_ms;      /* onset marker to end marker */
    double onset_ms, end_ms; /* markers, ms from the first sample of the waveform */
    double rise_time_ms;     /* main negative-going spike: positive peak to negative peak */
    double area_uv_ms;       /* rectified area between the markers */
    double size_index;       /* 2 log10(amplitude in mV) + area / amplitude [S57] */
    double level_uv;         /* the departure level of the markers (smoothed average) */
    int phases;              /* baseline crossings + 1 */
    int turns;               /* direction changes of >= EMG_MUP_TURN_UV */
    bool has_satellite;      /* a time-locked component beyond the end marker */
    double satellite_ms;     /* its latency from the onset marker, or NAN */
    bool duration_measurable; /* baseline seen on both sides (edxreport(1)) */
} emg_mup_shape;

/*
 * Measures one averaged MUP v[0..n) sampled at fs_hz (baseline already
 * removed), whose main spike is near index `spike`; noise_uv is the residual
 * noise rms of the average. EDX_OK, EDX_ERR_INVALID, EDX_ERR_NOMEM, or
 * EDX_ERR_RANGE when there is no potential (all within the baseline band).
 */
int emg_mup_measure(const double *v, size_t n, double fs_hz, size_t spike, double noise_uv,
                    emg_mup_shape *out);

/* ---- the decomposer ---------------------------------------------------------- */

typedef struct emg_mup_unit {
    emg_mup_shape shape;
    conv_state state;       /* the epoch it came from */
    size_t n_discharges;    /* assigned to it in that epoch */
    size_t n_averaged;      /* discharges in the average */
    double first_s, last_s; /* first and last discharge */
    double rate_hz;         /* 1 / firing interval (intervals 20-250 ms; missed discharges
                               allowed for, see emg_mup_firing_interval_ms) */
    double max_rate_hz;     /* 90th percentile of instantaneous rates */
    double variability_pct; /* median rms(discharge - average) / rms(average), spike part;
                               NAN for a rejected unit */
    double residual_uv;     /* noise left in the average (its window ends), rms */
    bool is_accepted;       /* enough discharges, a voluntary rate, near field */
    bool is_faint;          /* its spikes lie below the measuring threshold: counted among
                               the units firing, not measured */
    const char *reject;     /* why not accepted ("too few discharges", ...), or NULL */
    double *wave_uv;        /* the average (owned), wave_len samples */
    size_t wave_len;
    size_t spike;           /* index of the alignment point in wave_uv */
} emg_mup_unit;

typedef struct emg_mup_epoch_stats {
    conv_state state;
    double duration_s;
    double noise_uv;          /* robust rms of the quietest samples */
    size_t n_spikes;          /* detected */
    size_t n_assigned;
    size_t n_units;           /* accepted units of this epoch */
    double max_rate_hz;       /* fastest accepted unit */
    double units_estimate;    /* units the ratio counts: n_units, the accepted ones (faint
                                 ones included) */
    double recruitment_ratio; /* max_rate_hz / units_estimate, NAN when no unit */
    /* interference pattern, of maximal effort only (NAN otherwise): Willison turns [U] */
    double turns_per_s;
    double mean_turn_amplitude_uv;
} emg_mup_epoch_stats;

typedef struct emg_mup_analyser emg_mup_analyser; /* opaque */

/* A new analyser for a signal sampled at fs_hz. A rate below
 * EMG_MUP_EXPECTED_RATE_HZ gives a warning diagnostic; below
 * EMG_MUP_MIN_RATE_HZ EDX_ERR_UNSUPPORTED. */
int emg_mup_new(double fs_hz, edx_diags *diags, emg_mup_analyser **out);
void emg_mup_free(emg_mup_analyser *a); /* NULL is fine */

/* Mains hum (50 or 60 Hz, e.g. found at rest by emg_spont_analyse) to
 * remove from every sample before analysis, by the running template of
 * emg_mains; 0: known to be absent (looked for at rest, where it shows
 * best, and not found), so neither removed nor looked for. Without a call
 * the analyser looks for it in the first second fed, where strong
 * voluntary activity can hide it. Call before the first epoch.
 * EDX_ERR_INVALID for another frequency or after feeding has begun. */
int emg_mup_set_mains(emg_mup_analyser *a, double mains_hz);

/* One contraction epoch: begin, feed contiguous blocks (any size), end. A
 * gap (EDF+D) is fed as a new epoch. */
int emg_mup_begin_epoch(emg_mup_analyser *a, conv_state state);
int emg_mup_feed(emg_mup_analyser *a, const double *x_uv, size_t n, double t_first_s);
int emg_mup_end_epoch(emg_mup_analyser *a);

size_t emg_mup_unit_count(const emg_mup_analyser *a);
const emg_mup_unit *emg_mup_unit_at(const emg_mup_analyser *a, size_t i);
size_t emg_mup_epoch_count(const emg_mup_analyser *a);
const emg_mup_epoch_stats *emg_mup_epoch_at(const emg_mup_analyser *a, size_t i);
double emg_mup_rate_hz(const emg_mup_analyser *a);
/* The mains frequency whose hum is removed (set or found): 50, 60, or 0. */
double emg_mup_mains_hz(const emg_mup_analyser *a);

/* ---- normal limits --------------------------------------------------------- */

#define EMG_MUP_NORMALS_FILE "mup_normals.tsv"

typedef struct emg_mup_limits {
    char muscle[CONV_NAME_MAX];    /* the row's muscle, "*" for the default row */
    int age_min, age_max;          /* years, inclusive */
    double amplitude_uv_mean;      /* reference mean of the per-muscle mean amplitude */
    double amplitude_uv_lln, amplitude_uv_uln; /* limits of the mean of 20 MUPs */
    double duration_ms_mean;
    double duration_ms_lln, duration_ms_uln;
    double polyphasic_pct_uln;
    char source[CONV_SOURCE_MAX];
} emg_mup_limits;

typedef struct emg_mup_normals emg_mup_normals; /* opaque, immutable once loaded */

/* Loads template_dir/mup_normals.tsv (NULL: edx_find_template_dir()). Bad
 * rows are warnings and skipped; no usable default row is EDX_ERR_CONFIG. */
int emg_mup_normals_load(const char *template_dir, edx_diags *diags, emg_mup_normals **out);
/* The same from text in memory (tests); `name` is used in messages. */
int emg_mup_normals_parse(const char *text, const char *name, edx_diags *diags,
                          emg_mup_normals **out);
void emg_mup_normals_free(emg_mup_normals *n);

/* The row for a muscle (canonical name) and age (< 0: unknown, the adult
 * row); falls back to the default row. Never NULL for a loaded table. */
const emg_mup_limits *emg_mup_normals_find(const emg_mup_normals *n, const char *muscle,
                                           int age_years);

/* Limits of a mean of n MUPs: the table gives them for 20; fewer widen them
 * as the biceps tolerance limits do for 5 MUPs [S56] (edxreport(1)). */
void emg_mup_limits_for_count(const emg_mup_limits *l, size_t n, emg_mup_limits *out);

/* ---- per muscle -------------------------------------------------------------- */

typedef enum emg_mup_pattern {
    EMG_MUP_INDETERMINATE = 0,
    EMG_MUP_NORMAL,
    EMG_MUP_NEUROGENIC,
    EMG_MUP_MYOPATHIC
} emg_mup_pattern;
const char *emg_mup_pattern_name(emg_mup_pattern p); /* "normal", ... */

typedef enum emg_recruit_pattern {
    EMG_RECRUIT_UNKNOWN = 0,
    EMG_RECRUIT_NORMAL,
    EMG_RECRUIT_REDUCED,
    EMG_RECRUIT_EARLY
} emg_recruit_pattern;
const char *emg_recruit_pattern_name(emg_recruit_pattern p); /* "normal", ...; NULL unknown */

typedef struct emg_recruit_summary {
    emg_recruit_pattern pattern;
    double max_firing_hz;          /* fastest accepted unit, minimal/moderate effort */
    double recruitment_ratio;      /* max over epochs with a unit >= 10 Hz, NAN otherwise */
    double recruitment_frequency_hz; /* first unit's rate when the second fired first, or NAN */
    double units_at_low_rate;        /* median over the minimal epochs (else moderate) of the units
                                        firing while the fastest fires < 11 Hz (0 when it does) */
    bool has_maximal;
    double turns_per_s, mean_turn_amplitude_uv; /* maximal effort, NAN when not recorded */
} emg_recruit_summary;

typedef struct emg_mup_summary {
    size_t count;                  /* accepted, distinct MUPs */
    size_t duration_count;         /* of them, with a measurable duration */
    double amplitude_uv_mean, duration_ms_mean, phases_mean, turns_mean;
    double polyphasic_pct, satellite_pct, variability_pct_median, size_index_mean;
    double far_field_pct;          /* rise time >= 0.5 ms (near-field gate, [U]) */
    emg_mup_limits limits;         /* for `count` MUPs */
    bool is_long, is_short, is_large, is_small, is_polyphasic;
    bool is_poly_over_limit; /* polyphasic share above its limit, without the
                                small-sample guard of is_polyphasic */
    emg_mup_pattern pattern;
    bool is_limited;               /* count < EMG_MUP_MIN_COUNT */
    emg_recruit_summary recruit;
} emg_mup_summary;

/* Distinct accepted units of an analysis (the same unit seen in two epochs
 * counts once), means, limits, flags, recruitment and the pattern. */
int emg_mup_summarise(const emg_mup_analyser *a, const emg_mup_limits *limits,
                      emg_mup_summary *out);

/* The recruitment part alone, from the analyser's epochs and units. */
void emg_recruit_summarise(const emg_mup_analyser *a, emg_recruit_summary *out);

/* The MUP pattern from the summary's flags and recruitment (edxreport(1)). */
emg_mup_pattern emg_mup_classify(const emg_mup_summary *s);

/* Whether pct % polyphasic of n MUPs is above the limit uln_pct (a share of
 * 20 MUPs): for n >= 20 the share itself, for fewer only when that many
 * would be found in under 5 % of muscles at the limit (edxreport(1)). */
bool emg_mup_is_polyphasic(size_t n, double pct, double uln_pct);

#ifdef __cplusplus
}
#endif
#endif /* EDX_MUP_H */
