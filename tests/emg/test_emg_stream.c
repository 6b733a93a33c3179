/*
 * test_emg_stream.c - the per-sample stages of the analyser (decimation,
 * detection band, run detection, sub-sample shift) give the values of their
 * plain definitions, sample for sample, however the signal is cut into
 * blocks: the fast loops (whole groups, chunks, skipped quiet blocks, a
 * part of the output only) must not change a single value.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "edx/emg.h"

enum { N = 5000 };

static double uniform(uint64_t *s)
{
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    return ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
}

static void noise(double *x, size_t n, double uv, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        x[i] = uv * (2.0 * uniform(&seed) - 1.0);
}

/* Block lengths that cross every boundary the loops have: 1, a part of a
 * group, a whole 256-sample chunk and more. */
static size_t next_block(uint64_t *s)
{
    static const size_t len[] = {1, 3, 7, 16, 255, 256, 257, 611};
    return len[(size_t)(uniform(s) * 8.0) % 8];
}

static void test_decimator_is_the_group_mean(void **state)
{
    (void)state;
    static double x[N], out[N], want[N];
    noise(x, N, 100.0, 7);
    for (int f = 2; f <= 5; f++) {
        size_t n_want = N / (size_t)f;
        for (size_t g = 0; g < n_want; g++) {
            double s = 0; /* the definition: added in order, then scaled */
            for (int k = 0; k < f; k++)
                s += x[g * (size_t)f + (size_t)k];
            want[g] = s * (1.0 / f);
        }
        emg_decimator d;
        emg_decimator_init(&d, f);
        uint64_t rng = 99 + (uint64_t)f;
        size_t m = 0;
        for (size_t at = 0; at < N;) {
            size_t len = next_block(&rng);
            len = len < N - at ? len : N - at;
            m += emg_decimate(&d, x + at, len, out + m);
            at += len;
        }
        assert_int_equal(m, n_want);
        for (size_t g = 0; g < n_want; g++)
            assert_true(out[g] == want[g]); /* bit for bit */
    }
}

static void test_hpmean_is_its_formula(void **state)
{
    (void)state;
    enum { W = 33, PAD = W + 2 };
    static double buf[PAD + N], y[N], want[N];
    noise(buf, PAD + N, 50.0, 11);
    const double *x = buf + PAD;
    for (int smooth = 0; smooth <= 1; smooth++) {
        /* the definition: x minus its running mean over W, centred; then
         * [1 2 1] / 4 over that */
        double sum = 0, v[N];
        for (size_t k = 1; k <= W; k++)
            sum += x[-(long)k];
        for (size_t i = 0; i < N; i++) {
            sum += x[i] - x[(long)i - W];
            v[i] = x[(long)i - (W - 1) / 2] - sum * (1.0 / W);
        }
        for (size_t i = 0; i < N; i++) {
            double p0 = i >= 1 ? v[i - 1] : 0, p1 = i >= 2 ? v[i - 2] : 0;
            want[i] = smooth ? 0.25 * (v[i] + 2.0 * p0 + p1) : v[i];
        }
        emg_hpmean h;
        emg_hpmean_init(&h, W, smooth != 0);
        assert_int_equal(emg_hpmean_delay(&h), (W - 1) / 2 + (size_t)smooth);
        uint64_t rng = 5;
        for (size_t at = 0; at < N;) {
            size_t len = next_block(&rng);
            len = len < N - at ? len : N - at;
            emg_hpmean_run(&h, x + at, len, y + at);
            at += len;
        }
        for (size_t i = 0; i < N; i++)
            assert_true(y[i] == want[i]);
    }
}

/* Every supra-threshold sample, wherever it falls in the 16-sample blocks
 * the scan passes over whole, starts a run there. */
static void test_runs_found_at_every_offset(void **state)
{
    (void)state;
    static double y[N];
    emg_run runs[64];
    memset(y, 0, sizeof y);
    size_t at[40];
    for (size_t k = 0; k < 40; k++) {
        at[k] = 50 + 97 * k + k % 16; /* every offset within a block */
        y[at[k]] = k % 2 ? 30.0 : -30.0;
    }
    y[N - 1] = NAN; /* not a number is not quiet either: a run, left open */
    size_t resume = 0;
    size_t n = emg_detect_runs(y, 0, N, 0, 20.0, 5, 200, 20, runs, 64, &resume);
    assert_int_equal(n, 40);
    for (size_t k = 0; k < 40; k++) {
        assert_int_equal(runs[k].start, (int64_t)at[k]);
        assert_int_equal(runs[k].peak, (int64_t)at[k]);
    }
    assert_int_equal(resume, N - 1);
    /* a scan that begins inside a block, just before a sample */
    n = emg_detect_runs(y, at[3] - 1, at[3] + 40, 0, 20.0, 5, 200, 20, runs, 64, &resume);
    assert_int_equal(n, 1);
    assert_int_equal(runs[0].start, (int64_t)at[3]);
    assert_int_equal(resume, at[3] + 40);
}

static void test_resample_range_is_part_of_the_whole(void **state)
{
    (void)state;
    enum { L = 385 };
    double x[L], whole[L], part[L];
    noise(x, L, 80.0, 3);
    const double shifts[] = {-3.7, -0.25, 0.0, 0.4, 2.9};
    for (size_t s = 0; s < 5; s++) {
        emg_resample(x, L, shifts[s], whole, L);
        for (size_t k0 = 0; k0 < L; k0 += 61) {
            size_t k1 = k0 + 50 < L ? k0 + 50 : L;
            for (size_t i = 0; i < L; i++)
                part[i] = -1e300;
            emg_resample_range(x, L, shifts[s], part, k0, k1);
            for (size_t i = 0; i < L; i++)
                assert_true(i >= k0 && i < k1 ? part[i] == whole[i] : part[i] == -1e300);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decimator_is_the_group_mean),
        cmocka_unit_test(test_hpmean_is_its_formula),
        cmocka_unit_test(test_runs_found_at_every_offset),
        cmocka_unit_test(test_resample_range_is_part_of_the_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
