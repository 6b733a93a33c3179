/*
 * edx/ncs.h - nerve conduction measurement: one sweep (µV, EDF+ polarity)
 * -> onset and peak latency, amplitude, negative-phase duration and area.
 *
 * Definitions follow clinical.md §3.1; the method (baseline, stimulus
 * artefact, noise, absence, onset walk-back) is described at the top of
 * src/ncs/sweep.c. Latencies are measured from the stimulus, which need not
 * be the first sample of the sweep (recording-conventions.md §3.1).
 */
#ifndef EDX_NCS_H
#define EDX_NCS_H

#include <stdbool.h>
#include <stddef.h>

#include "edx/common.h"
#include "edx/edf.h"
#include "edx/study.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ncs_kind { NCS_MOTOR, NCS_SENSORY } ncs_kind;

/* One sweep, samples in µV, EDF+ polarity (negative = active electrode
 * negative, drawn upward). */
typedef struct ncs_sweep_input {
    const double *uv;
    size_t n;
    double fs_hz;
    double stimulus_offset_s; /* stimulus time from the first sample (>= 0) */
    ncs_kind kind;
} ncs_sweep_input;

typedef struct ncs_response {
    bool is_absent;          /* no response above noise: latencies, amplitude NAN */
    bool is_saturated;       /* samples at the digital range limits inside the response */
    double onset_latency_ms; /* from the stimulus */
    double peak_latency_ms;  /* negative peak, from the stimulus */
    double amplitude_uv;     /* baseline to negative peak, positive */
    double peak_to_peak_uv;  /* negative peak to the following positive peak */
    double duration_ms;      /* negative phase: onset -> return to baseline of the last one */
    double area_uv_ms;       /* over the duration, positive */
    double noise_uv;         /* robust (MAD-based) noise estimate used */
    double artefact_end_ms;  /* where the stimulus artefact was judged over, from the stimulus */
} ncs_response;

/*
 * Measures one sweep. clip_lo_uv / clip_hi_uv are the physical values of the
 * signal's digital minimum and maximum (pass -INFINITY / INFINITY when not
 * known); samples at those limits inside the response set is_saturated and
 * add an NCS-SATURATED warning. An absent response is a success (EDX_OK,
 * is_absent true). Returns EDX_OK, EDX_ERR_INVALID (bad arguments, with an
 * NCS-INPUT error diagnostic) or EDX_ERR_NOMEM.
 *
 * Diagnostics (warnings): NCS-SATURATED, NCS-LOW-RATE (< 10 kHz),
 * NCS-POLARITY (positive-first response: inverted input or misplaced
 * electrode; reported absent), NCS-NO-BASELINE (no quiet segment found).
 */
int ncs_measure_sweep(const ncs_sweep_input *in, double clip_lo_uv, double clip_hi_uv,
                      ncs_response *out, edx_diags *d);


/* ---- one nerve test of a study (src/ncs/nerve.c) ---------------------------- */

enum { NCS_MAX_SITES = 8, NCS_MAX_WARNINGS = 4 };

/* One stimulation site: the supramaximal response (motor) or the average of
 * the site's sweeps (sensory). */
typedef struct ncs_site_result {
    char site[64];
    double distance_cm;
    size_t n_sweeps, n_used;
    ncs_response response;
    bool has_reported;          /* the acquisition system's "Response" */
    bool reported_disagrees;    /* beyond 0.2 ms or 10 % */
    double reported_latency_ms, reported_amplitude_uv;
    char warnings[NCS_MAX_WARNINGS][160];
    size_t n_warnings;
} ncs_site_result;

/* Between two consecutive sites, distal to proximal. Drops are positive. */
typedef struct ncs_segment_result {
    char from[64], to[64];
    double velocity_m_s;
    double amplitude_drop_pct, area_drop_pct, duration_increase_pct;
} ncs_segment_result;

typedef struct ncs_nerve_result {
    ncs_site_result sites[NCS_MAX_SITES]; /* distal to proximal */
    size_t n_sites;
    ncs_segment_result segments[NCS_MAX_SITES];
    size_t n_segments;
    double sensory_velocity_m_s;          /* distance / onset latency of the distal site */
} ncs_nerve_result;

/* Measures a motor (is_sensory false) or sensory nerve test whose samples are
 * in f (the study file t->file, opened by the caller). */
int ncs_measure_nerve(edf_file *f, const study_nerve_test *t, bool is_sensory,
                      ncs_nerve_result *out, edx_diags *d);

/* ---- an F-wave test (src/ncs/fwave.c) ---------------------------------------- */

enum { NCS_FWAVE_MAX_SWEEPS = 100 };

typedef struct ncs_fwave_result {
    size_t n_sweeps, n_with_f;
    ncs_response m_response;      /* of the median sweep */
    double min_latency_ms, max_latency_ms, mean_latency_ms; /* NAN without F-waves */
    double persistence_pct, chronodispersion_ms;
    double latency_ms[NCS_FWAVE_MAX_SWEEPS]; /* per sweep, NAN: none */
    double window_from_ms;        /* where the F window opened, from the stimulus */
    double noise_uv;              /* of the residuals */
    char warnings[NCS_MAX_WARNINGS][160];
    size_t n_warnings;
} ncs_fwave_result;

/* Measures an F-wave test whose samples are in f. A test without an M
 * response or without F-waves is a success with warnings and NAN values.
 * EDX_OK, EDX_ERR_INVALID, EDX_ERR_FORMAT (a sweep cannot be read),
 * EDX_ERR_NOMEM. */
int ncs_measure_fwave(edf_file *f, const study_nerve_test *t, ncs_fwave_result *out,
                      edx_diags *d);

#ifdef __cplusplus
}
#endif
#endif /* EDX_NCS_H */
