/*
 * nc_internal.h - what the nerve conduction parts of the simulator share.
 *
 *   nc_physiology.c  nerve and test -> normal physiology at reference
 *                    conditions (33 °C, 45 years, 170 cm); the plan's age,
 *                    height and temperature; a drawn fibre population; what
 *                    each fibre does under the plan's pathology
 *   nc_render.c      fibres -> sweeps (µV), stimulus artefact, noise, time
 *                    line and the truth measured on noise-free waveforms
 *   nc_fwave.c       F-waves: which units backfire in which sweep, their
 *                    waveforms and the F-wave truth
 *
 * Times are in ms from the stimulus unless the name says otherwise.
 */
#ifndef EDX_SIM_NC_INTERNAL_H
#define EDX_SIM_NC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim_internal.h"

/* Segments 0..SIM_MAX_SITES-1 follow the plan; index NC_F_SEG is the path
 * from the distal stimulation site to the spinal cord (F-waves). */
enum { NC_F_SEG = SIM_MAX_SITES, NC_N_SEG = SIM_MAX_SITES + 1 };

/* Most units that backfire in one F sweep (a few at most in practice). */
enum { NC_F_MAX_UNITS = 12 };

/* The normal physiology of one nerve, test and recording site at reference
 * conditions. Every number has its source beside it in nc_physiology.c. */
typedef struct nc_nerve_def {
    const char *nerve;          /* findings vocabulary */
    sim_nc_test test;           /* SIM_NC_MOTOR or SIM_NC_SENSORY; F-waves use the motor row */
    const char *recording;      /* recording site of this row (case-insensitive); NULL = any */
    bool is_leg;
    int n_fibres;               /* motor units, or modelled sensory fibres */
    double cv_ref_m_s;          /* published mean CV this row reproduces (temperature scale) */
    double cv_mean_m_s;         /* fibre CV distribution: mean, SD and truncation */
    double cv_sd_m_s;
    double cv_hi_sd, cv_lo_sd;
    double residual_ms;         /* distal residual: terminal conduction (+ NMJ for motor) */
    double nmj_ms;              /* synaptic part of the residual (demyelination spares it) */
    double residual_sd_ms;      /* per fibre */
    double tau_ms;              /* unit potential time constant */
    double shape_c;             /* unit potential zero crossing, in tau */
    double size_sigma_ln;       /* spread of unit sizes (ln) */
    double amp_uv;              /* mean amplitude at 45 years (baseline to negative peak) */
    double amp_age_per_year;    /* exponential decline of amplitude with age */
    double seg_cv_factor[SIM_MAX_SITES]; /* segment CV relative to the fibre's CV */
    double threshold_ma;        /* current exciting every fibre at the distal site */
    double sweep_ms;            /* default window after the stimulus */
    /* F-waves (motor rows of median, ulnar, peroneal, tibial only) */
    double f_path_per_height;   /* distal stimulation site -> cord, per cm of height */
    double f_cv_factor;         /* proximal CV relative to the fibre's CV */
    double f_persistence;       /* normal persistence, 0..1; 0 = no F-wave test */
    double f_sweep_ms;          /* default F window after the stimulus */
} nc_nerve_def;

/* One fibre (motor unit or sensory fibre) as drawn for a subject. */
typedef struct nc_fibre {
    double cv_m_s;              /* at reference conditions */
    double size;                /* relative size of its surface potential (median 1) */
    double tau_factor;          /* its potential's duration relative to the nerve's */
    double residual_ms;
    double threshold;           /* electrical threshold relative to the maximal one (0..1] */
    double u_demy[NC_N_SEG];    /* uniform draws: how hard demyelination hits each segment */
    double u_focal[SIM_MAX_SITES];
    double u_block[SIM_MAX_SITES];
    double u_loss;              /* lost when u_loss < axon_loss */
} nc_fibre;

/* A nerve plan turned into a subject: definition, conditions, fibres. */
typedef struct nc_model {
    const nc_nerve_def *def;
    sim_nc_test test;
    size_t n_sites;
    double seg_len_cm[SIM_MAX_SITES];
    nc_fibre *fibre;
    size_t n_fibre;
    double cv_factor_ref;       /* age, height and subject: calibration conditions */
    double cv_factor;           /* the same and temperature */
    double cool_residual_ms;    /* extra distal residual from the limb temperature */
    double tau_factor_temp;     /* potentials lengthen with cooling */
    double amp_factor_temp;     /* and grow */
    double amp_target_uv;       /* healthy distal amplitude for this age and subject */
    double f_path_cm;
    double shape_norm;          /* negative peak of the raw unit shape */
    double art_polarity[SIM_MAX_SITES]; /* stimulus artefact sign per site */
} nc_model;

/* What each fibre does under the plan (or the healthy reference). */
typedef struct nc_cond {
    size_t n_fibre, n_sites;
    double *arrival_ms;         /* [i * n_sites + k]: potential starts, site k stimulated */
    double *seg_cv_m_s;         /* [i * n_sites + k]: CV in segment k */
    unsigned char *conducts;    /* [i * n_sites + k]: reaches the muscle/electrode */
    double *amp_uv;             /* [i]: negative peak of its potential */
    double *tau_ms;             /* [i] */
    double *f_return_ms;        /* [i]: F only: 2 x path / proximal CV + turnaround */
} nc_cond;

/* ---- nc_physiology.c ---- */

/* The row for the plan's nerve, test and recording site, or NULL. */
const nc_nerve_def *nc_find_def(const sim_nerve_plan *p);
/* Checks the plan (SIM-NC-PLAN errors). */
int nc_check_plan(const sim_nerve_plan *p, edx_diags *d);
/* Draws the subject and its fibres. */
int nc_model_init(nc_model *m, const sim_nerve_plan *p, uint64_t seed, edx_diags *d);
void nc_model_free(nc_model *m);
/* Fibre behaviour: healthy_ref = reference conditions without pathology and
 * unit sizes as drawn (for calibration); else the plan, sizes x unit_scale_uv. */
int nc_cond_compute(const nc_model *m, const sim_nerve_plan *p, bool healthy_ref,
                    double unit_scale_uv, nc_cond *c);
void nc_cond_free(nc_cond *c);
/* Default F persistence (0..1) with the plan's axon loss, or its override. */
double nc_f_persistence(const nc_model *m, const sim_nerve_plan *p);
/* Maximal electrical threshold at site k (mA). */
double nc_site_threshold_ma(const nc_model *m, const sim_nerve_plan *p, size_t site);
/* Key text of the plan for random streams ("median/R/motor"). */
void nc_stream_key(const sim_nerve_plan *p, char *buf, size_t size);

/* ---- nc_render.c ---- */

/* Adds fibre i's potential starting at at_ms (amp_uv: its negative peak) to
 * x[0..n), whose sample j lies at t_first_ms + j * dt_ms. */
void nc_add_potential(double *x, size_t n, double t_first_ms, double dt_ms, double at_ms,
                      double amp_uv, double tau_ms, const nc_model *m);
/* First time |x| reaches 1 % of the negative peak, linearly interpolated;
 * NAN when there is no negative deflection. */
double nc_onset_ms(const double *x, size_t n, double t_first_ms, double dt_ms);

/* ---- nc_fwave.c ---- */

typedef struct nc_fdraw {
    size_t n_units;
    size_t unit[NC_F_MAX_UNITS];
} nc_fdraw;

/* Which units backfire in each of n F sweeps. */
void nc_fwave_draw(const nc_model *m, const nc_cond *c, const sim_nerve_plan *p, uint64_t seed,
                   size_t n, nc_fdraw *draws);
/* Adds the F-waves of one sweep. */
void nc_fwave_add(double *x, size_t n, double t_first_ms, double dt_ms, const nc_model *m,
                  const nc_cond *c, const nc_fdraw *draw);
/* Latest end of any F-wave in draws (ms after the stimulus), for the window. */
double nc_fwave_end_ms(const nc_cond *c, const nc_fdraw *draws, size_t n);
/* F-wave truth over n sweeps from noise-free F components. */
int nc_fwave_truth(const nc_model *m, const nc_cond *c, const nc_fdraw *draws, size_t n,
                   double fs_hz, sim_fwave_truth *t);

#endif /* EDX_SIM_NC_INTERNAL_H */
