/*
 * sim_internal.h - the simulator's parts and the plans that connect them.
 *
 *   scenario.c / plan_*.c   scenario + options -> a study plan (nerve plans,
 *                           muscle plans, patient, conditions, expected pattern)
 *   nc_*.c                  nerve plan -> sweeps (µV) + nerve truth
 *   emg_*.c                 muscle plan -> continuous signal (µV) + events +
 *                           MUP truth
 *   noise.c, rng.c          shared: reproducible random numbers, recording noise
 *   edfd_writer.c           our EDF+D writer (EDFlib writes only EDF+C)
 *   emg_file.c              needle EMG files through EDFlib (EDF+C)
 *   truth.c                 truth.json (jansson)
 *   study.c                 sim_write_study(): orchestration, atomic outputs
 *
 * Units are in the names. Polarity follows the EDF+ rule: the stored value
 * is the potential of the active electrode relative to the reference, so a
 * negative (upward on screen) CMAP peak is stored as a negative number.
 */
#ifndef EDX_SIM_INTERNAL_H
#define EDX_SIM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edx/common.h"
#include "edx/sim.h"

#define SIM_PI 3.14159265358979323846

/* ------------------------------------------------------------------ rng.c */

/* xoshiro256** (Blackman & Vigna 2018) seeded through splitmix64. Each part
 * of a study draws from its own stream, so adding a muscle does not change
 * the nerves' noise. */
typedef struct sim_rng {
    uint64_t s[4];
} sim_rng;

void sim_rng_init(sim_rng *r, uint64_t seed, uint64_t stream);
uint64_t sim_rng_next(sim_rng *r);
double sim_rng_uniform(sim_rng *r);                    /* [0, 1) */
double sim_rng_range(sim_rng *r, double lo, double hi); /* [lo, hi) */
uint32_t sim_rng_below(sim_rng *r, uint32_t n);        /* 0..n-1, n > 0 */
double sim_rng_normal(sim_rng *r);                     /* N(0, 1) */
double sim_rng_exponential(sim_rng *r, double mean);
/* Log-normal with the given median and standard deviation of ln(x). */
double sim_rng_lognormal(sim_rng *r, double median, double sigma_ln);
/* A stream id from a text (FNV-1a), e.g. a muscle or nerve name. */
uint64_t sim_stream_id(const char *text, uint64_t salt);

/* ---------------------------------------------------------------- noise.c */

typedef struct sim_noise {
    double white_uv;          /* rms of the white (amplifier + electrode) noise */
    double pink_uv;           /* rms of the 1/f component */
    int mains_hz;             /* 50 or 60; 0 = none */
    double mains_uv;          /* amplitude of the fundamental; odd harmonics 3, 5, 7 fall off */
    double wander_uv;         /* baseline wander amplitude (< 1 Hz) */
    double movement_per_min;  /* rate of movement artefacts (slow large transients) */
    double movement_uv;       /* their typical amplitude */
} sim_noise;

/*
 * Adds noise to x[0..n) sampled at fs_hz, whose first sample is at t0_s on the
 * study's time line (mains phase is continuous in t0_s). When movement is
 * not NULL, the onsets of movement artefacts added are appended there (as
 * seconds from t0) up to *n_movement < max_movement. Returns EDX_OK or
 * EDX_ERR_NOMEM.
 */
int sim_noise_add(double *x, size_t n, double fs_hz, double t0_s, const sim_noise *p,
                  sim_rng *r, double *movement, size_t *n_movement, size_t max_movement);

/* --------------------------------------------------------------- events.c */

typedef enum sim_event_type {
    SIM_EV_FIBRILLATION,
    SIM_EV_PSW,            /* positive sharp wave */
    SIM_EV_FASCICULATION,
    SIM_EV_CRD,            /* one complex of a complex repetitive discharge */
    SIM_EV_MYOTONIC,
    SIM_EV_MYOKYMIC,
    SIM_EV_NEUROMYOTONIC,
    SIM_EV_CRAMP,
    SIM_EV_END_PLATE,      /* end-plate spike (end-plate noise is not listed) */
    SIM_EV_INSERTIONAL,
    SIM_EV_MUP,            /* voluntary motor unit discharge */
    SIM_EV_COUNT
} sim_event_type;

/* findings-json.md vocabulary: "fibrillation", "positive_sharp_wave", ...,
 * "end_plate", "mup"; plus "neuromyotonic", "cramp", "insertional". */
const char *sim_event_type_name(sim_event_type t);

/* One generated discharge. time_s is the instant of the waveform's largest
 * absolute deflection, in seconds from the start of the file. */
typedef struct sim_event {
    double time_s;
    sim_event_type type;
    int unit;               /* generator id, unique within the muscle */
    double amplitude_uv;    /* peak-to-peak of the noise-free waveform */
    double duration_ms;     /* departure from / return to baseline */
    int phases;             /* baseline crossings + 1 */
    int first_polarity;     /* +1 first deflection positive (stored > 0,
                               drawn downward), -1 negative */
} sim_event;

typedef struct sim_events {
    sim_event *v;
    size_t n, cap;
} sim_events;

int sim_events_push(sim_events *e, const sim_event *ev);
void sim_events_sort(sim_events *e); /* by time, then unit */
void sim_events_free(sim_events *e);

/* ------------------------------------------------------- muscle plan (emg) */

typedef enum sim_epoch_kind {
    SIM_EPOCH_REST,
    SIM_EPOCH_MINIMAL,
    SIM_EPOCH_MODERATE,
    SIM_EPOCH_MAXIMAL
} sim_epoch_kind;

typedef struct sim_epoch {
    sim_epoch_kind kind;
    double start_s, duration_s;
} sim_epoch;

typedef enum sim_mup_kind {
    SIM_MUP_NORMAL,
    SIM_MUP_NEUROGENIC,   /* chronic reinnervation: long, large, polyphasic, unstable early */
    SIM_MUP_MYOPATHIC     /* short, small, polyphasic; early recruitment */
} sim_mup_kind;

enum { SIM_MAX_EPOCHS = 16, SIM_MAX_NEEDLE_MOVES = 8 };

typedef struct sim_muscle_plan {
    const char *muscle;     /* canonical name (templates/muscles.tsv) */
    const char *label;      /* EDF label, e.g. "EMG R TibAnt" (<= 16 chars) */
    char side;              /* 'L' or 'R' */
    const char *region;     /* bulbar, cervical, thoracic, lumbosacral */
    double fs_hz;
    double duration_s;      /* whole file */
    sim_epoch epochs[SIM_MAX_EPOCHS];
    size_t n_epochs;
    double needle_move_s[SIM_MAX_NEEDLE_MOVES]; /* "Needle site n" instants */
    size_t n_needle_moves;
    double age_years;
    double temperature_c;

    /* motor unit pool */
    sim_mup_kind mup_kind;
    double mup_severity;      /* 0..1: how far MUPs are from normal */
    double mu_loss;           /* 0..1: fraction of motor units lost (reduced recruitment) */
    bool mup_unstable;        /* increased jitter and blocking */

    /* spontaneous activity: numbers of generators over the recording */
    int fib_units;
    int psw_units;
    int fasc_units;           /* fasciculating motor units */
    double fasc_per_min;      /* whole-muscle fasciculation rate */
    double fasc_complex_fraction; /* 0..1 of fasciculating units that are complex */
    bool fasc_unstable;
    int crd_units;
    int myotonic_runs;
    int myokymic_units;
    int neuromyotonic_trains;
    int cramp_bursts;
    bool end_plate;           /* needle near an end plate at one site */

    sim_noise noise;
} sim_muscle_plan;

/* What the renderer knows about the voluntary MUPs and recruitment it drew. */
typedef struct sim_mup_truth {
    int count;                    /* distinct voluntary units that fired */
    double amplitude_uv_mean;
    double duration_ms_mean;
    double phases_mean;
    double polyphasic_pct;        /* >= 5 phases */
    const char *pattern;          /* normal | neurogenic | myopathic */
    const char *recruitment;      /* normal | reduced | early */
    double max_firing_hz;
} sim_mup_truth;

/*
 * Renders one muscle: writes fs_hz * duration_s samples (µV, EDF+ polarity)
 * to out_uv (n must equal that count), appends every discharge drawn to ev
 * (spontaneous activity anywhere in the file, insertional bursts after needle
 * moves, voluntary MUPs in contraction epochs) and fills mt.
 */
int sim_emg_render(const sim_muscle_plan *p, uint64_t seed, double *out_uv, size_t n,
                   sim_events *ev, sim_mup_truth *mt, edx_diags *d);

/* --------------------------------------------------------- nerve plan (nc) */

typedef enum sim_nc_test { SIM_NC_MOTOR, SIM_NC_SENSORY, SIM_NC_FWAVE } sim_nc_test;

enum { SIM_MAX_SITES = 6, SIM_MAX_SWEEPS = 64 };

typedef struct sim_nc_site {
    const char *name;      /* stimulation site as templates/nerves.tsv names it */
    const char *position;  /* side word of the Stimulus annotation: "right" or "left" */
    double distance_cm;    /* stimulus cathode to active recording electrode */
} sim_nc_site;

typedef struct sim_nerve_plan {
    const char *nerve;            /* findings vocabulary: median, ulnar, peroneal, ... */
    char side;
    sim_nc_test test;
    const char *recording_site;   /* APB, ADM, EDB, AH, D2, D5, lateral malleolus, ... */
    sim_nc_site sites[SIM_MAX_SITES]; /* distal to proximal; F-waves: one site */
    size_t n_sites;
    double age_years, height_cm, temperature_c;

    /* pathology knobs (0 = normal) */
    double axon_loss;             /* 0..1 fraction of axons lost */
    double demyelination;         /* 0..1 diffuse: slowing + dispersion everywhere */
    /* Segment k: k = 0 from the recording site to sites[0] (distal segment,
     * including terminal conduction), k >= 1 from sites[k-1] to sites[k]. */
    double seg_slowing[SIM_MAX_SITES]; /* 0..1 extra fractional CV loss in segment k */
    double seg_block[SIM_MAX_SITES];   /* 0..1 fraction of fibres blocked in segment k */
    double f_persistence;         /* 0..1 probability a sweep has an F wave; < 0 = default */

    int n_sweeps;                 /* motor/sensory sweeps per site; F-wave sweeps */
    double prestim_ms;            /* baseline before the stimulus; < 0 = default, 0 = none */
    double sweep_ms;              /* record length; <= 0 = default for the nerve and test */
    double stim_duration_ms;
    sim_noise noise;
} sim_nerve_plan;

typedef struct sim_site_truth {
    double onset_latency_ms;   /* noise-free response first reaches 1 % of its negative peak */
    double first_arrival_ms;   /* fastest conducting fibre's arrival */
    double peak_latency_ms;    /* negative peak */
    double amplitude_uv;       /* baseline to negative peak (positive number) */
    double peak_to_peak_uv;
    double duration_ms;        /* negative phase duration */
    double area_uv_ms;         /* negative phase area (positive number) */
    double intensity_ma;       /* supramaximal stimulus used */
} sim_site_truth;

typedef struct sim_segment_truth {
    double velocity_m_s;          /* delta distance / delta truth onset latency */
    double fastest_fibre_m_s;     /* fastest fibre's true CV in the segment */
    double amplitude_drop_pct;
    double area_drop_pct;
    double duration_increase_pct;
} sim_segment_truth;

typedef struct sim_fwave_truth {
    double min_latency_ms;
    double max_latency_ms;
    double mean_latency_ms;
    double persistence_pct;
    double chronodispersion_ms;
    double latency_ms[SIM_MAX_SWEEPS];  /* per sweep, NAN when no F wave */
} sim_fwave_truth;

/* One sweep = one EDF+D data record. */
typedef struct sim_sweep {
    size_t site;               /* index into plan sites */
    double onset_s;            /* record start on the file's time line */
    double stimulus_s;         /* stimulus instant (record onset + pre-stimulus) */
    double intensity_ma;
    double *uv;                /* samples, µV, EDF+ polarity */
} sim_sweep;

typedef struct sim_nc_output {
    double fs_hz;
    size_t samples_per_sweep;
    double prestim_ms;
    sim_sweep sweeps[SIM_MAX_SWEEPS];
    size_t n_sweeps;
    sim_site_truth site[SIM_MAX_SITES];
    sim_segment_truth segment[SIM_MAX_SITES]; /* segment[k] between sites k-1 and k; [0] unused */
    sim_fwave_truth fwave;                    /* F-wave tests only */
    double sensory_velocity_m_s;              /* sensory: distance / truth onset, distal site */
} sim_nc_output;

/* Renders a nerve test (t0_s: where its first sweep starts on the study time
 * line). The caller frees with sim_nc_output_free(). */
int sim_nc_render(const sim_nerve_plan *p, uint64_t seed, double t0_s, sim_nc_output *out,
                  edx_diags *d);
void sim_nc_output_free(sim_nc_output *out);

/* --------------------------------------------------------- edfd_writer.c */

typedef struct sim_edf_ident {
    char patient[81];     /* EDF+ patient field */
    char recording[81];   /* EDF+ recording field ("Startdate dd-MMM-yyyy ...") */
    int year, month, day, hour, minute, second;
} sim_edf_ident;

typedef struct sim_annot {
    double onset_s;       /* on the file's time line */
    double duration_s;    /* < 0: none */
    char text[96];
} sim_annot;

typedef struct sim_edf_signal {
    const char *label;     /* <= 16 chars */
    const char *prefilter; /* <= 80 chars */
    double fs_hz;
    double phys_min, phys_max;  /* µV */
    int dig_min, dig_max;
} sim_edf_signal;

/*
 * Writes an EDF+D file with one signal: record i starts at record_onset_s[i]
 * and holds samples_per_record samples from records[i]. Each annotation goes
 * into the TAL of the record it falls in (or the last record before it).
 * Writes to path directly; the caller does the temporary-name dance.
 */
int sim_edfd_write(const char *path, const sim_edf_ident *id, const sim_edf_signal *sig,
                   size_t samples_per_record, const double *const *records,
                   const double *record_onset_s, size_t n_records, const sim_annot *annots,
                   size_t n_annots, edx_diags *d);

#endif /* EDX_SIM_INTERNAL_H */
