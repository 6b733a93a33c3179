/*
 * emg_synth.h - hand-made needle EMG waveforms for the tests: sums of
 * Gaussian phases with known polarity, phases and duration, a seeded
 * normal noise source, and mains hum; and two helpers for results made by
 * hand.
 */
#ifndef EDX_TESTS_EMG_SYNTH_H
#define EDX_TESTS_EMG_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "edx/emg.h"

typedef struct synth_rng {
    uint64_t s;
} synth_rng;

double synth_uniform(synth_rng *r);          /* (0, 1) */
double synth_normal(synth_rng *r);           /* N(0, 1) */

/* One phase: amplitude (signed, uV), centre and width (ms). */
typedef struct synth_phase {
    double amp_uv, at_ms, sd_ms;
} synth_phase;

typedef struct synth_shape {
    synth_phase ph[8];
    size_t n;
} synth_shape;

/* Triphasic fibrillation, initial positive: + - +, ~2.5 ms, pp ~ amp. */
synth_shape synth_fib(double amp_uv);
/* End-plate spike, initial negative, biphasic, ~4 ms. */
synth_shape synth_end_plate(double amp_uv);
/* Positive sharp wave: sharp positive, then a long low negative (~12 ms). */
synth_shape synth_psw(double amp_uv);
/* Polyphasic motor unit potential over ~10 ms (5 phases). */
synth_shape synth_mup(double amp_uv);

/* Adds the shape with its time zero at t_ms into x (fs_hz, x[0] at 0 ms). */
void synth_add(double *x, size_t n, double fs_hz, const synth_shape *s, double t_ms);
/* Adds white noise of sd_uv. */
void synth_noise(double *x, size_t n, double sd_uv, synth_rng *r);
/* Adds hum at f_hz (amplitude amp_uv) with a third harmonic at 0.3. */
void synth_hum(double *x, size_t n, double fs_hz, double f_hz, double amp_uv);

/* Discharges of r in train `unit`. */
size_t synth_count_unit(const emg_spont_result *r, uint32_t unit);
/* A result over the caller's trains and events (not copied, not freed). */
emg_spont_result synth_result(emg_train *tr, size_t n_trains, emg_event *ev, size_t n_events);
/* Frees a result a test made with malloc (its events and trains). */
void synth_free_result(emg_spont_result *r);

#endif
