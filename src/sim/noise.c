/*
 * noise.c - what a real recording adds to the physiology: amplifier and
 * electrode noise (white plus 1/f), mains hum with odd harmonics, baseline
 * wander and the occasional movement artefact.
 *
 * Levels: needle EMG amplifier noise <= 3-4 uV, about 10 uV with the needle
 * (Norwegian guideline [S51], clinical.md 3.2); the scenarios choose the
 * rest. 1/f noise is approximated by equal-power first-order low-pass
 * sections one decade apart, whose summed spectrum falls close to 1/f
 * between the lowest and highest corner (a standard construction; see e.g.
 * Kasdin NJ, Proc IEEE 1995;83:802 on discrete 1/f^a noise).
 */
#include <math.h>
#include <stdlib.h>

#include "sim/sim_internal.h"

enum { PINK_SECTIONS = 4 };
static const double pink_corner_hz[PINK_SECTIONS] = {1.0, 10.0, 100.0, 1000.0};

static void add_white_and_pink(double *x, size_t n, double fs_hz, const sim_noise *p,
                               sim_rng *r)
{
    double a[PINK_SECTIONS], gain[PINK_SECTIONS], y[PINK_SECTIONS];
    for (int k = 0; k < PINK_SECTIONS; k++) {
        a[k] = exp(-2.0 * SIM_PI * pink_corner_hz[k] / fs_hz);
        /* unit-variance input gives variance (1-a)/(1+a) at the output */
        double sd = sqrt((1.0 - a[k]) / (1.0 + a[k]));
        gain[k] = p->pink_uv / sqrt((double)PINK_SECTIONS) / sd;
        y[k] = sd * sim_rng_normal(r); /* start in the stationary state */
    }
    for (size_t i = 0; i < n; i++) {
        double v = p->white_uv * sim_rng_normal(r);
        if (p->pink_uv > 0)
            for (int k = 0; k < PINK_SECTIONS; k++) {
                y[k] = a[k] * y[k] + (1.0 - a[k]) * sim_rng_normal(r);
                v += gain[k] * y[k];
            }
        x[i] += v;
    }
}

static void add_mains(double *x, size_t n, double fs_hz, double t0_s, const sim_noise *p)
{
    /* Odd harmonics dominate the hum picked up from transformers and lights. */
    static const double harmonic_gain[4] = {1.0, 0.3, 0.15, 0.07};
    for (size_t i = 0; i < n; i++) {
        double t = t0_s + (double)i / fs_hz;
        double v = 0;
        for (int h = 0; h < 4; h++)
            v += harmonic_gain[h] * sin(2.0 * SIM_PI * p->mains_hz * (2 * h + 1) * t);
        x[i] += p->mains_uv * v;
    }
}

static void add_wander(double *x, size_t n, double fs_hz, const sim_noise *p, sim_rng *r)
{
    double f1 = sim_rng_range(r, 0.05, 0.3), f2 = sim_rng_range(r, 0.3, 0.9);
    double ph1 = sim_rng_range(r, 0, 2 * SIM_PI), ph2 = sim_rng_range(r, 0, 2 * SIM_PI);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / fs_hz;
        x[i] += p->wander_uv * (0.7 * sin(2 * SIM_PI * f1 * t + ph1) +
                                0.3 * sin(2 * SIM_PI * f2 * t + ph2));
    }
}

/* A movement artefact: a smooth alpha-function transient of 50-250 ms. */
static void add_movement(double *x, size_t n, double fs_hz, double at_s, sim_rng *r,
                         double amplitude_uv)
{
    double tau_s = sim_rng_range(r, 0.02, 0.08);
    double sign = sim_rng_uniform(r) < 0.5 ? -1.0 : 1.0;
    double amp = sign * sim_rng_lognormal(r, amplitude_uv, 0.4);
    size_t i0 = (size_t)(at_s * fs_hz);
    size_t len = (size_t)(8.0 * tau_s * fs_hz);
    for (size_t j = 0; j < len && i0 + j < n; j++) {
        double u = (double)j / fs_hz / tau_s;
        x[i0 + j] += amp * u * exp(1.0 - u);
    }
}

int sim_noise_add(double *x, size_t n, double fs_hz, double t0_s, const sim_noise *p,
                  sim_rng *r, double *movement, size_t *n_movement, size_t max_movement)
{
    if (!x || !p || !r || fs_hz <= 0)
        return EDX_ERR_INVALID;
    if (p->white_uv > 0 || p->pink_uv > 0)
        add_white_and_pink(x, n, fs_hz, p, r);
    if (p->mains_hz > 0 && p->mains_uv > 0)
        add_mains(x, n, fs_hz, t0_s, p);
    if (p->wander_uv > 0)
        add_wander(x, n, fs_hz, p, r);
    if (p->movement_per_min > 0 && p->movement_uv > 0) {
        double dur_s = (double)n / fs_hz;
        double t = sim_rng_exponential(r, 60.0 / p->movement_per_min);
        while (t < dur_s) {
            add_movement(x, n, fs_hz, t, r, p->movement_uv);
            if (movement && n_movement && *n_movement < max_movement)
                movement[(*n_movement)++] = t;
            t += sim_rng_exponential(r, 60.0 / p->movement_per_min);
        }
    }
    return EDX_OK;
}
