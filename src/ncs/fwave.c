/*
 * fwave.c - an F-wave test: minimal latency, persistence, chronodispersion
 * (clinical.md 3.1, [S66, S65]).
 *
 * Method ([E] = engineering choice, checked on the simulator by
 * tests/ncs/test_ncs_fwave.c and bench/accuracy.sh):
 *  1. The sweeps are aligned on their stimulus sample. Their sample-by-sample
 *     median is the M response with its stimulus artefact and slow tail,
 *     which repeat from sweep to sweep, while F-waves come from a few
 *     different motor units each time, at different latencies, in some
 *     sweeps only. The median is measured as a motor sweep (sweep.c) for the
 *     M onset, amplitude and duration.
 *  2. The F window opens at M onset + 2 x the M negative-phase duration (at
 *     least 2 ms), past the M response [E].
 *  3. Each sweep minus a baseline, smoothed by a 0.5 ms moving average,
 *     leaves its F-wave and noise; noise s = 1.4826 x MAD of all residual
 *     samples. A sweep has an F-wave when its residual reaches 6 s (the
 *     absence rule of sweep.c); its polarity is that of the first such
 *     sample, its first extreme the deepest point before the phase turns
 *     back by 3 s. The onset is where a power-law rise, whose moving average
 *     passes through the 4 s and 10 s crossings, reaches 1 % of the peak
 *     (sweep.c step 5), at most 0.5 ms before the 4 s crossing.
 *  4. The baseline is refined twice: at each instant, the median of the
 *     sweeps whose F-wave (of the previous pass) has not started yet; where
 *     too few are left, the M tail is extrapolated as an exponential decay.
 *     The first pass uses the median of all sweeps, which holds no F-wave
 *     before the earliest one starts, so the minimal latency is not biased.
 *  5. Minimal, maximal and mean latency over the sweeps with an F-wave;
 *     persistence = sweeps with an F-wave / sweeps x 100; chronodispersion
 *     = maximal - minimal latency. Fewer than 10 stimuli: the values are
 *     given with a warning, since 10 are needed for a minimal latency within
 *     1 ms of the true one [S66].
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edx/ncs.h"
#include "ncs/ncs_internal.h"

#define F_MIN_SWEEPS 10   /* [S66] */
#define F_DETECT_K 6.0    /* as ABSENT_K in sweep.c [E] */
#define F_WINDOW_DUR_K 2.0
#define F_WINDOW_MIN_MS 2.0
#define F_END_K 3.0       /* an F-wave lasts while its residual is above 3 s [E] */
#define F_EXTRAP_MAX_MS 0.5 /* the take-off extrapolation never moves the onset further [E] */
#define F_PASSES 2
#define F_SMOOTH_MS 0.5   /* moving average: -3 dB near 900 Hz, above F-wave content [E] */

typedef ncs_aligned fw_set;

typedef struct fw_work {
    const fw_set *set;
    size_t from, w, smooth_n;
    double *res;      /* n_sweeps x w smoothed residuals */
    double *tmp;      /* n_sweeps x w scratch */
    double *on;       /* per sweep, samples from the window start, NAN: none */
    size_t *end;
    double *col;      /* n_sweeps */
    double *fallback; /* w: the median of all sweeps */
    double sigma;
} fw_work;

static void fw_warn(ncs_fwave_result *r, const char *msg)
{
    if (r->n_warnings < NCS_MAX_WARNINGS)
        snprintf(r->warnings[r->n_warnings++], sizeof r->warnings[0], "%s", msg);
}

static int median_sweep(const fw_set *s, double *med)
{
    double *col = malloc(s->n_sweeps * sizeof *col);
    if (col == NULL)
        return EDX_ERR_NOMEM;
    for (size_t k = 0; k < s->len; k++) {
        for (size_t i = 0; i < s->n_sweeps; i++)
            col[i] = s->x[i * s->len + k];
        med[k] = ncs_median(col, s->n_sweeps);
    }
    free(col);
    return EDX_OK;
}

/* Centred moving average over m samples (m odd), in place; tmp holds w. */
static void smooth(double *y, size_t w, size_t m, double *tmp)
{
    size_t h = m / 2;
    double acc = 0;
    size_t cnt = 0, lo = 0, hi = 0; /* window [lo, hi) */
    for (size_t k = 0; k < w; k++) {
        size_t want_hi = k + h + 1 < w ? k + h + 1 : w, want_lo = k > h ? k - h : 0;
        for (; hi < want_hi; hi++, cnt++)
            acc += y[hi];
        for (; lo < want_lo; lo++, cnt--)
            acc -= y[lo];
        tmp[k] = acc / (double)cnt;
    }
    memcpy(y, tmp, w * sizeof *y);
}

/* Residuals of every sweep from `from` on against base[0..w), smoothed,
 * into res (n_sweeps x w); returns their robust noise. */
static double residuals(const fw_work *fw, const double *base, double *res)
{
    const fw_set *s = fw->set;
    size_t w = fw->w;
    for (size_t i = 0; i < s->n_sweeps; i++) {
        for (size_t k = 0; k < w; k++)
            res[i * w + k] = s->x[i * s->len + fw->from + k] - base[k];
        smooth(res + i * w, w, fw->smooth_n, fw->tmp);
    }
    double sigma = ncs_mad_sigma(res, s->n_sweeps * w, 0.0, fw->tmp);
    return sigma > 0.05 ? sigma : 0.05;
}

/* First crossing of -level searching forward from `from` (sub-sample). */
static double forward_crossing(const double *y, size_t from, size_t to, double level)
{
    for (size_t j = from + 1; j <= to; j++)
        if (-y[j] >= level) {
            double d0 = -y[j - 1], d1 = -y[j];
            return (double)(j - 1) + (d1 > d0 ? (level - d0) / (d1 - d0) : 1.0);
        }
    return (double)to;
}

/* F(x) of a power-law rise (t - t0)^p seen through a centred moving mean
 * of half-width h: the mean over [x - h, x + h] is g F(x) / (2 h (p + 1)),
 * x = t - t0. */
static double smoothed_rise(double x, double h, double p)
{
    double a = x + h, b = x - h;
    return (a > 0 ? pow(a, p + 1.0) : 0.0) - (b > 0 ? pow(b, p + 1.0) : 0.0);
}

/* The start t0 (as x1 = t1 - t0) of a power-law rise of power p whose
 * moving mean (half-width h) crosses l1 at t1 and l2 at t1 + d: the ratio
 * F(x1 + d) / F(x1) falls from infinity at x1 = -h towards 1, so it is
 * found by bisection. */
static double rise_start(double d, double l1, double l2, double h, double p)
{
    double lo = -h, hi = h + 1.0, want = l2 / l1;
    while (smoothed_rise(hi + d, h, p) / smoothed_rise(hi, h, p) > want && hi < 1e6)
        hi *= 2.0;
    for (int i = 0; i < 60; i++) {
        double mid = 0.5 * (lo + hi);
        if (smoothed_rise(mid + d, h, p) / smoothed_rise(mid, h, p) > want)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* ncs_internal.h. The rise's 1 % point, as sweep.c step 5 and the
 * simulator's truth have it; the start of the rise itself lay 0.4 ms before
 * the truth on noise-free simulated F-waves, and a power law fitted to the
 * moving mean as if unsmoothed 0.16 ms [E; simulator, corpora A-D: F
 * minimal latency |err| p95 0.47, 0.43, 0.46, 0.40 -> 0.28, 0.29, 0.35,
 * 0.28 ms]. */
double ncs_fwave_take_off(const double *y, size_t jp, double sigma, double h, double samples_per_ms)
{
    double amp = -y[jp], l1 = 4.0 * sigma, p = 2.5;
    if (amp <= l1)
        return ncs_crossing(y, 0, jp, 0.0, 0.5 * amp);
    double t1 = ncs_crossing(y, 0, jp, 0.0, l1), l2 = fmin(2.5 * l1, 0.5 * (amp + l1));
    size_t i1 = (size_t)t1;
    double t2 = forward_crossing(y, i1, jp, l2);
    double back;
    if (h > 0 && t2 > t1) {
        double x1 = rise_start(t2 - t1, l1, l2, h, p);
        double g = l1 * 2.0 * h * (p + 1.0) / smoothed_rise(x1, h, p);
        back = x1 - pow(0.01 * amp / g, 1.0 / p);
    } else {
        double q = 1.0 / p;
        back = (t2 - t1) * (pow(l1, q) - pow(0.01 * amp, q)) / (pow(l2, q) - pow(l1, q));
    }
    return t1 - fmin(back, F_EXTRAP_MAX_MS * samples_per_ms);
}

/* The F-wave in one residual: onset (samples from the window start, NAN
 * when none) and the last sample above the detection level. */
static double sweep_onset(double *y, size_t w, double sigma, double h, double samples_per_ms,
                          size_t *end)
{
    size_t k = 0;
    while (k < w && fabs(y[k]) < F_DETECT_K * sigma)
        k++;
    if (k >= w)
        return NAN;
    *end = k;
    for (size_t j = k; j < w; j++)
        if (fabs(y[j]) >= F_END_K * sigma)
            *end = j;
    double sign = y[k] < 0 ? 1.0 : -1.0; /* main phase made negative */
    for (size_t j = 0; j < w; j++)
        y[j] *= sign;
    /* the first extreme: the phase's deepest point before it turns back up
     * by more than the end level (a later, deeper bump is another phase) */
    size_t jp = k;
    for (size_t j = k + 1; j < w && y[j] < 0 && y[j] <= y[jp] + F_END_K * sigma; j++)
        if (y[j] < y[jp])
            jp = j;
    return ncs_fwave_take_off(y, jp, sigma, h, samples_per_ms);
}

/* Detects every sweep's F-wave against base; fills fw->on / fw->end. */
static void detect_all(fw_work *fw, const double *base)
{
    fw->sigma = residuals(fw, base, fw->res);
    for (size_t i = 0; i < fw->set->n_sweeps; i++) {
        fw->end[i] = 0;
        fw->on[i] = sweep_onset(fw->res + i * fw->w, fw->w, fw->sigma, 0.5 * (double)fw->smooth_n,
                                fw->set->fs_hz / 1000.0, &fw->end[i]);
    }
}

/* Continues base[cut..w) from base[0..cut) as an exponential decay fitted
 * through three consecutive window means before cut (held level when they
 * do not decay monotonically, or when too little precedes cut). */
static void extrapolate_tail(double *base, size_t cut, size_t w, size_t win)
{
    if (cut >= w)
        return;
    if (cut < 3 * win || win < 2) {
        double level = cut > 0 ? ncs_mean(base, cut > win ? cut - win : 0, cut) : 0.0;
        for (size_t k = cut; k < w; k++)
            base[k] = level;
        return;
    }
    double m1 = ncs_mean(base, cut - 3 * win, cut - 2 * win);
    double m2 = ncs_mean(base, cut - 2 * win, cut - win), m3 = ncs_mean(base, cut - win, cut);
    double ratio = (m3 - m2) / (m2 - m1);
    bool decays = m2 != m1 && ratio > 0 && ratio < 0.95;
    double c = decays ? m3 - (m3 - m2) * ratio / (1 - ratio) : m3;
    double mid = (double)cut - 0.5 * (double)win;
    for (size_t k = cut; k < w; k++)
        base[k] = decays ? c + (m3 - c) * pow(ratio, ((double)k - mid) / (double)win) : m3;
}

/* The baseline: at each sample, the median of the sweeps whose F-wave (of
 * the previous pass) has not started yet, a margin before its onset, or
 * that have none - the M response and its tail without any F-wave. Where
 * fewer than a quarter of the sweeps (at least 3) are free, from then on
 * the tail is extrapolated as an exponential decay. */
static void clean_baseline(fw_work *fw, double *base)
{
    const fw_set *s = fw->set;
    size_t margin = 2 * fw->smooth_n, need = s->n_sweeps / 4 > 3 ? s->n_sweeps / 4 : 3;
    size_t k = 0;
    for (; k < fw->w; k++) {
        size_t c = 0;
        for (size_t i = 0; i < s->n_sweeps; i++)
            if (isnan(fw->on[i]) || (double)(k + margin) < fw->on[i])
                fw->col[c++] = s->x[i * s->len + fw->from + k];
        if (c < need)
            break;
        base[k] = ncs_median(fw->col, c);
    }
    size_t win = 2 * fw->smooth_n;
    if (k < 3 * win && k > 3)
        win = k / 3;
    extrapolate_tail(base, k, fw->w, win);
}

static void summarise(ncs_fwave_result *r)
{
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    r->n_with_f = 0;
    for (size_t i = 0; i < r->n_sweeps; i++) {
        double v = r->latency_ms[i];
        if (isnan(v))
            continue;
        r->n_with_f++;
        sum += v;
        lo = fmin(lo, v);
        hi = fmax(hi, v);
    }
    bool any = r->n_with_f > 0;
    r->persistence_pct = r->n_sweeps ? 100.0 * (double)r->n_with_f / (double)r->n_sweeps : NAN;
    r->min_latency_ms = any ? lo : NAN;
    r->max_latency_ms = any ? hi : NAN;
    r->mean_latency_ms = any ? sum / (double)r->n_with_f : NAN;
    r->chronodispersion_ms = any ? hi - lo : NAN;
}

/* Two passes: against the median of all sweeps, then against the median of
 * the sweeps without an F-wave at each instant. Latencies in samples from
 * the window start. */
static int find_fwaves(const fw_set *s, const double *med, size_t from, ncs_fwave_result *r)
{
    fw_work fw = {.set = s, .from = from, .w = s->len - from};
    fw.smooth_n = 2 * (size_t)lround(F_SMOOTH_MS * s->fs_hz / 2000.0) + 1;
    size_t n = s->n_sweeps, w = fw.w;
    double *mem = malloc((2 * n * w + 3 * w + 2 * n) * sizeof *mem);
    fw.end = malloc(n * sizeof *fw.end);
    if (mem == NULL || fw.end == NULL) {
        free(mem), free(fw.end);
        return EDX_ERR_NOMEM;
    }
    fw.res = mem, fw.tmp = mem + n * w, fw.on = fw.tmp + n * w, fw.col = fw.on + n;
    double *base = fw.col + n;
    fw.fallback = base + w;
    memcpy(fw.fallback, med + from, w * sizeof *med);
    detect_all(&fw, fw.fallback);
    for (int pass = 0; pass < F_PASSES; pass++) {
        clean_baseline(&fw, base);
        detect_all(&fw, base);
    }
    r->noise_uv = fw.sigma;
    for (size_t i = 0; i < n; i++)
        r->latency_ms[i] = fw.on[i];
    free(mem);
    free(fw.end);
    return EDX_OK;
}

/* Step 1b: mains hum read from all the sweeps together before the F window
 * (hum.c; the M response common to them at each sweep's size) and taken
 * out of every sweep; their median is then taken again. */
static int take_out_hum(fw_set *s, double *med, size_t from, ncs_fwave_result *r)
{
    double gain[NCS_ALIGNED_MAX];
    ncs_hum_gains(s, med, &r->m_response, gain);
    ncs_hum h;
    int rc = ncs_hum_remove(s, from, s->len, gain, &h);
    if (rc != EDX_OK || !h.removed)
        return rc;
    char msg[sizeof r->warnings[0]];
    fw_warn(r, ncs_hum_note(&h, msg, sizeof msg));
    return median_sweep(s, med);
}

static int analyse(fw_set *s, ncs_fwave_result *r, edx_diags *d)
{
    double *med = malloc(s->len * sizeof *med);
    if (med == NULL)
        return EDX_ERR_NOMEM;
    int rc = median_sweep(s, med);
    ncs_sweep_input in = {med, s->len, s->fs_hz, (double)s->pre / s->fs_hz, NCS_MOTOR};
    if (rc == EDX_OK)
        rc = ncs_measure_sweep(&in, -INFINITY, INFINITY, &r->m_response, d);
    if (rc != EDX_OK || r->m_response.is_absent) {
        if (rc == EDX_OK)
            fw_warn(r, "no M response: F-waves not measured");
        free(med);
        return rc;
    }
    double open_ms = r->m_response.onset_latency_ms +
                     fmax(F_WINDOW_DUR_K * r->m_response.duration_ms, F_WINDOW_MIN_MS);
    size_t from = s->pre + (size_t)ceil(open_ms * s->fs_hz / 1000.0);
    r->window_from_ms = open_ms;
    if (from + 8 >= s->len) {
        fw_warn(r, "the sweeps end before the F-wave window opens");
        free(med);
        return EDX_OK;
    }
    rc = take_out_hum(s, med, from, r);
    int frc = rc == EDX_OK ? find_fwaves(s, med, from, r) : rc;
    for (size_t i = 0; frc == EDX_OK && i < s->n_sweeps; i++)
        if (!isnan(r->latency_ms[i]))
            r->latency_ms[i] = open_ms + r->latency_ms[i] * 1000.0 / s->fs_hz;
    free(med);
    return frc;
}

int ncs_measure_fwave(edf_file *f, const study_nerve_test *t, ncs_fwave_result *out,
                      edx_diags *d)
{
    if (f == NULL || t == NULL || out == NULL)
        return EDX_ERR_INVALID;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < NCS_FWAVE_MAX_SWEEPS; i++)
        out->latency_ms[i] = NAN;
    out->noise_uv = out->window_from_ms = NAN;
    fw_set s = {0};
    int rc = ncs_load_aligned(f, t, NULL, t->n_sweeps, &s);
    out->n_sweeps = s.n_sweeps;
    if (rc == EDX_OK && s.n_sweeps < 3) {
        fw_warn(out, "fewer than 3 stimuli: F-waves not measured");
    } else if (rc == EDX_OK) {
        if (t->n_sweeps > NCS_FWAVE_MAX_SWEEPS)
            fw_warn(out, "more stimuli than the analyser keeps: the first ones were used");
        if (s.n_sweeps < F_MIN_SWEEPS)
            fw_warn(out, "fewer than 10 stimuli: minimal latency and persistence are "
                         "less reliable [S66]");
        rc = analyse(&s, out, d);
    }
    ncs_aligned_free(&s);
    summarise(out);
    if (rc == EDX_OK && out->n_sweeps >= 3 && out->n_with_f == 0 && !out->m_response.is_absent)
        fw_warn(out, "no F-wave above noise in any sweep");
    return rc;
}
