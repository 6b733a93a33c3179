/*
 * test_emg_stream.c - the per-sample stages of the analyser (decimation,
 * detection band, run detection, sub-sample shift) give the values of their
 * plain definitions, sample for sample, however the signal is cut into
 * blocks: the fast loops (whole groups, chunks, skipped quiet blocks, a
 * part of the output only) must not change a single value. The selection
 * behind every median (noise level, baselines) picks what sorting would.
 * The decimating reader (integer sums of the stored samples) gives the
 * means the double-precision decimator gives, across EDF+D gaps, for EDF
 * and BDF.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "edf_builder.h"
#include "edx/emg.h"
#include "emg/emg_internal.h"

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

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_select_is_the_sorted_kth(void **state)
{
    (void)state;
    enum { M = 97 };
    double v[M], sorted[M], w[M];
    uint64_t rng = 17;
    for (size_t n = 1; n <= M; n += 8) {
        for (int dup = 0; dup <= 1; dup++) {
            for (size_t i = 0; i < n; i++) /* with many ties, or none */
                v[i] = dup ? floor(4.0 * uniform(&rng)) : uniform(&rng) - 0.5;
            memcpy(sorted, v, n * sizeof *v);
            qsort(sorted, n, sizeof *sorted, cmp);
            for (size_t k = 0; k < n; k++) {
                memcpy(w, v, n * sizeof *v);
                assert_true(emg_select_kth(w, n, k) == sorted[k]);
            }
        }
    }
    double one[3] = {2, 2, 2};
    assert_true(emg_select_kth(one, 3, 1) == 2);
    assert_true(emg_small_median(v, 0) != emg_small_median(v, 0)); /* NAN */
}

/* EDF+D or BDF+D: 1 s records of SPR samples, records 0-1, then 3-4 after a
 * gap; the file's samples are noise of +-amp digital units. */
enum { SPR = 4003 }; /* not a multiple of the factors: groups span records */

static uint8_t *recording(edfb_kind kind, int32_t amp, size_t *size)
{
    edfb *b = edfb_new(kind);
    int sig = edfb_add_signal(b, "EMG R TibAnt", SPR);
    if (edfb_kind_is_bdf(kind))
        edfb_set_scaling(b, sig, "-8388608", "8388607", "-8388608", "8388607");
    else
        edfb_set_scaling(b, sig, "-3276.8", "3276.7", "-32768", "32767");
    int ann = edfb_add_annotation_signal(b, 60);
    static const char *on[] = {"+0", "+1", "+3", "+4"};
    int32_t d[SPR];
    uint64_t rng = 23;
    for (int r = 0; r < 4; r++) {
        int rec = edfb_add_record_at(b, on[r]);
        for (int i = 0; i < SPR; i++)
            d[i] = (int32_t)((2.0 * uniform(&rng) - 1.0) * amp);
        edfb_set_samples(b, rec, sig, d, SPR);
    }
    (void)ann;
    uint8_t *data = NULL;
    assert_int_equal(edfb_build(b, &data, size), 0);
    edfb_free(b);
    return data;
}

static void test_reader_means_are_the_decimator_means(void **state)
{
    (void)state;
    const edfb_kind kinds[] = {EDFB_EDFPLUS_D, EDFB_BDFPLUS_D};
    const int32_t amp[] = {32767, 8388607};
    for (size_t k = 0; k < 2; k++) {
        size_t size = 0;
        uint8_t *data = recording(kinds[k], amp[k], &size);
        edx_diags d;
        edx_diags_init(&d);
        edf_file *f = NULL;
        assert_int_equal(edf_open_mem(data, size, "gaps.edf", &d, &f), EDX_OK);
        for (int factor = 1; factor <= 5; factor += 3) {
            static double want[4 * SPR], got[4 * SPR];
            size_t n_want = 0, n_got = 0, n;
            const double *x;
            int64_t first;
            double t_s, t_want = -1, t_got = -2;
            emg_reader r;
            emg_decimator dz;
            emg_decimator_init(&dz, factor);
            assert_int_equal(emg_reader_open(&r, f, 0, 0.3, 4.9, 1000), EDX_OK);
            while (emg_reader_next(&r, &x, &n, &first, &t_s) == EDX_OK && n > 0) {
                t_want = t_want < 0 ? t_s : t_want;
                n_want += emg_decimate(&dz, x, n, want + n_want);
            }
            emg_reader_close(&r);
            assert_int_equal(emg_reader_open_mean(&r, f, 0, 0.3, 4.9, 1000, factor), EDX_OK);
            while (emg_reader_next(&r, &x, &n, &first, &t_s) == EDX_OK && n > 0) {
                t_got = t_got < -1 ? t_s : t_got;
                memcpy(got + n_got, x, n * sizeof *x);
                n_got += n;
            }
            emg_reader_close(&r);
            assert_int_equal(n_got, n_want);
            /* both segments: a read that starts half a sample before a
             * segment's end goes on in the next one */
            assert_true(n_got > (size_t)(3.2 * SPR / factor));
            assert_true(t_got == t_want);
            for (size_t i = 0; i < n_got; i++) /* the same mean, to rounding */
                assert_true(fabs(got[i] - want[i]) <= 1e-9 * (1.0 + fabs(want[i])));
        }
        edf_close(f);
        edx_diags_free(&d);
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decimator_is_the_group_mean),
        cmocka_unit_test(test_hpmean_is_its_formula),
        cmocka_unit_test(test_runs_found_at_every_offset),
        cmocka_unit_test(test_resample_range_is_part_of_the_whole),
        cmocka_unit_test(test_select_is_the_sorted_kth),
        cmocka_unit_test(test_reader_means_are_the_decimator_means),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
