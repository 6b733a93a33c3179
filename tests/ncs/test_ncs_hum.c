/*
 * test_ncs_hum.c - mains hum read from the sweeps of one sensory site and
 * taken out (src/ncs/hum.c), on hand-made sweeps whose hum, response and
 * noise are known separately.
 *
 * Each sweep: a level of its own, a SNAP at a size of its own (a slightly
 * submaximal first sweep), a stimulus artefact that grows with the current,
 * white noise, and hum in recording time: 50 (or 60) Hz with the 3rd, 5th
 * and 7th harmonics at 0.3, 0.15 and 0.07 of the fundamental, a flat-topped
 * wave like that of transformers. The sweeps start at irregular seconds, so
 * they meet the mains at different phases. What the tests hold:
 *   - strong hum is found at its frequency and taken out down to a small
 *     part of itself, the response and levels left as they were;
 *   - with no hum nothing is taken out and the sweeps are left bit for bit;
 *   - sweeps that all start on one phase of the mains (whole seconds apart)
 *     cannot show the hum apart from the response: nothing is taken out;
 *   - two sweeps are too few.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ncs/ncs_internal.h"

#define PI 3.14159265358979323846

/* 20 kHz, 2 ms before the stimulus, 12 ms sweeps (as the simulator's). */
enum { FS_HZ = 20000, PRE = 40, LEN = 240, MAX_ROWS = 8 };

typedef struct hum_case {
    size_t n_rows;
    double hum_uv, mains_hz, noise_uv;
    bool same_phase; /* sweeps whole seconds apart */
} hum_case;

typedef struct made {
    ncs_aligned a;
    double clean[MAX_ROWS * LEN]; /* the sweeps without hum */
    double gain[MAX_ROWS];
    double x[MAX_ROWS * LEN], t0[MAX_ROWS];
} made;

static double lcg_normal(uint64_t *st)
{
    double u[2];
    for (int i = 0; i < 2; i++) {
        *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
        u[i] = ((double)(*st >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2.0 * log(u[0])) * cos(2.0 * PI * u[1]);
}

static double hum_at(double t_s, double hum_uv, double mains_hz)
{
    static const double gain[4] = {1.0, 0.3, 0.15, 0.07};
    double v = 0;
    for (int h = 0; h < 4; h++)
        v += gain[h] * sin(2.0 * PI * mains_hz * (2 * h + 1) * t_s + 0.4 * h);
    return hum_uv * v;
}

/* A 20 µV SNAP starting 2.6 ms after the stimulus (negative first, then a
 * positive phase), and the artefact: a 0.1 ms shock, then a tail. */
static double response_uv(double t_ms)
{
    double v = (t_ms - 2.4) / 0.3;
    return v > 0 ? -20.0 * 0.55 * pow(v, 2.5) * exp(-v) * (1.0 - v / 3.5) : 0.0;
}

static double artefact_uv(double t_ms, double current)
{
    if (t_ms < 0)
        return 0;
    return current * (t_ms < 0.1 ? 30.0 : -5.0 * exp(-(t_ms - 0.1) / 0.3));
}

static void make(const hum_case *c, uint64_t seed, made *m)
{
    memset(m, 0, sizeof *m);
    uint64_t st = seed;
    for (size_t i = 0; i < c->n_rows; i++) {
        /* 2-3.3 s apart at no particular phase, or exactly 2 s apart */
        m->t0[i] = 2.0 * (double)i + (c->same_phase ? 0.0 : 0.137 * (double)(i * i));
        m->gain[i] = i == 0 ? 0.93 : 1.0;
        double level = 2.0 * lcg_normal(&st), current = 8.0 + 2.0 * (double)i;
        for (size_t k = 0; k < LEN; k++) {
            double t_ms = (double)((long)k - PRE) * 1000.0 / FS_HZ;
            double v = level + m->gain[i] * response_uv(t_ms) + artefact_uv(t_ms, current) +
                       c->noise_uv * lcg_normal(&st);
            m->clean[i * LEN + k] = v;
            m->x[i * LEN + k] = v + hum_at(m->t0[i] + (double)k / FS_HZ, c->hum_uv, c->mains_hz);
        }
    }
    m->a.x = m->x;
    m->a.n_sweeps = c->n_rows;
    m->a.len = LEN;
    m->a.pre = PRE;
    m->a.fs_hz = FS_HZ;
    m->a.row_t0_s = m->t0;
}

/* RMS over every sample of what is left of the hum (rows less the clean
 * rows, less each row's mean: the levels are not the hum's). */
static double hum_left_uv(const made *m)
{
    double ss = 0;
    for (size_t i = 0; i < m->a.n_sweeps; i++) {
        double mean = 0;
        for (size_t k = 0; k < LEN; k++)
            mean += (m->x[i * LEN + k] - m->clean[i * LEN + k]) / LEN;
        for (size_t k = 0; k < LEN; k++) {
            double d = m->x[i * LEN + k] - m->clean[i * LEN + k] - mean;
            ss += d * d;
        }
    }
    return sqrt(ss / (double)(m->a.n_sweeps * LEN));
}

/* The column the response starts at less 0.5 ms: the hum is read before
 * the stimulus and from there on (the artefact left out). */
static const size_t read_from = PRE + 46;

/* Eight seeds of case c. With want_removed: the hum is found at its
 * frequency, its RMS is read within 15 % and less than 8 % of it is left.
 * Without: nothing is taken out and the sweeps are left bit for bit (sweeps
 * on one phase are given equal sizes: the hum they share is then exactly a
 * waveform common to all of them). */
static void check(const hum_case *c, bool want_removed)
{
    for (uint64_t seed = 1; seed <= 8; seed++) {
        made *m = malloc(sizeof *m);
        assert_non_null(m);
        make(c, seed, m);
        for (size_t i = 0; c->same_phase && i < c->n_rows; i++)
            m->gain[i] = 1.0;
        double before = hum_left_uv(m), copy[MAX_ROWS * LEN];
        memcpy(copy, m->x, sizeof copy);
        ncs_hum h;
        assert_int_equal(ncs_hum_remove(&m->a, PRE, read_from, m->gain, &h), EDX_OK);
        assert_int_equal(h.removed, want_removed);
        if (want_removed) {
            assert_true(fabs(h.freq_hz - c->mains_hz) <= 0.021);
            assert_true(fabs(h.rms_uv - before) <= 0.15 * before);
            double after = hum_left_uv(m);
            print_message("%.0f Hz, %.1f uV: F %.0f, hum RMS %.2f -> %.3f uV\n", c->mains_hz,
                          c->hum_uv, h.f_ratio, before, after);
            assert_true(after <= 0.08 * before);
        } else {
            assert_memory_equal(copy, m->x, sizeof copy);
        }
        free(m);
    }
}

static void test_strong_hum_50(void **state)
{
    (void)state;
    hum_case c = {4, 5.0, 50.0, 1.0, false};
    check(&c, true);
}

/* 60 Hz mains running 0.1 Hz slow: the frequency is found on the grid. */
static void test_strong_hum_60(void **state)
{
    (void)state;
    hum_case c = {6, 3.0, 59.9, 1.0, false};
    check(&c, true);
}

static void test_no_hum(void **state)
{
    (void)state;
    hum_case c = {4, 0.0, 50.0, 1.0, false};
    check(&c, false);
}

/* Whole seconds apart, every sweep meets the mains at one phase: its hum is
 * then part of the waveform they share, and no fit can tell it from the
 * response. */
static void test_same_phase(void **state)
{
    (void)state;
    hum_case c = {4, 5.0, 50.0, 1.0, true};
    check(&c, false);
}

static void test_two_sweeps(void **state)
{
    (void)state;
    hum_case c = {2, 5.0, 50.0, 1.0, false};
    check(&c, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strong_hum_50), cmocka_unit_test(test_strong_hum_60),
        cmocka_unit_test(test_no_hum),        cmocka_unit_test(test_same_phase),
        cmocka_unit_test(test_two_sweeps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
