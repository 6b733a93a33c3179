/*
 * mains.c - mains hum: which frequency (50 or 60 Hz, from the data) and its
 * removal by a running periodic template that follows every harmonic.
 *
 * Template subtraction rather than notch filters: notches at 50 Hz and its
 * odd harmonics ring and take a slice out of the spectrum of every potential;
 * a template of the hum's own waveform takes out only what repeats at the
 * mains period. Potentials are not phase locked to the mains, and each
 * sample can move the template by at most alpha * clip_uv, so a discharge
 * leaves no visible trace in it [E]. Seconds of dense activity (a cramp, a
 * neuromyotonic discharge) would still walk it, clipped step by clipped
 * step, tens of uV away from the hum, and leave that behind as a 50 or 60
 * Hz "train" once the activity stops: the caller undoes what a block of
 * such activity taught the template (emg_mains_mark, emg_mains_undo) and
 * freezes it (m->frozen) while its noise estimate says the signal is busy.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/hot.h"
#include "edx/emg.h"

enum { MAX_TONES = 24 }; /* 2 candidates x 4 harmonics x (tone + 2 neighbours) */

/* Power of x at each of f_hz[0..m) (Goertzel), normalised to an amplitude,
 * into uv[]. The tones' recurrences run side by side in one pass over x:
 * each is the same sequence of operations as on its own, and independent
 * of the others, so the processor overlaps them. */
EDX_HOT_CLONES
static void tones_uv(const double *x, size_t n, double fs_hz, const double *f_hz, size_t m,
                     double *uv)
{
    double w[MAX_TONES], c[MAX_TONES], s1[MAX_TONES] = {0}, s2[MAX_TONES] = {0};
    for (size_t k = 0; k < m; k++) {
        w[k] = 2.0 * EMG_PI * f_hz[k] / fs_hz;
        c[k] = 2.0 * cos(w[k]);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < m; k++) {
            double s0 = x[i] + c[k] * s1[k] - s2[k];
            s2[k] = s1[k];
            s1[k] = s0;
        }
    for (size_t k = 0; k < m; k++) {
        double re = s1[k] - s2[k] * cos(w[k]), im = s2[k] * sin(w[k]);
        uv[k] = 2.0 * sqrt(re * re + im * im) / (double)n;
    }
}

/* The frequencies hum_score reads for mains frequency f0 (each odd
 * harmonic up to 7 below fs / 2 - 7 Hz, and its neighbours 7 Hz away),
 * appended to f[]; how many harmonics. */
static int hum_tones(double fs_hz, double f0, double *f, size_t *m)
{
    int n_h = 0;
    for (int h = 1; h <= 7; h += 2, n_h++) {
        double fh = f0 * h;
        if (fh + 7.0 >= fs_hz / 2)
            break;
        f[(*m)++] = fh;
        f[(*m)++] = fh - 7.0;
        f[(*m)++] = fh + 7.0;
    }
    return n_h;
}

/* Hum of a mains frequency from its tones (hum_tones order): fundamental
 * plus odd harmonics, each against the mean of its two neighbours. */
static double hum_score(const double *uv, int n_h, double *fund_uv)
{
    double score = 0;
    for (int k = 0; k < n_h; k++) {
        double on = uv[3 * k], off = 0.5 * (uv[3 * k + 1] + uv[3 * k + 2]);
        if (k == 0 && fund_uv)
            *fund_uv = on;
        score += on - 2.0 * off; /* only what stands out of the neighbourhood */
    }
    return score;
}

double emg_mains_detect(const double *x, size_t n, double fs_hz, double *hum_uv)
{
    if (hum_uv)
        *hum_uv = 0;
    if (!x || n < 16 || !(fs_hz > 200))
        return 0;
    /* A whole number of 10 Hz periods removes leakage from both candidates. */
    size_t n10 = (size_t)(fs_hz / 10.0);
    if (n10 > 0 && n > n10)
        n -= n % n10;
    double f[MAX_TONES], uv[MAX_TONES], u50 = 0, u60 = 0;
    size_t m = 0;
    int h50 = hum_tones(fs_hz, 50.0, f, &m);
    size_t at60 = m;
    int h60 = hum_tones(fs_hz, 60.0, f, &m);
    tones_uv(x, n, fs_hz, f, m, uv);
    double s50 = hum_score(uv, h50, &u50);
    double s60 = hum_score(uv + at60, h60, &u60);
    /* Below 0.5 uV the hum is lost in the noise: nothing to remove [E]. */
    double best = s50 >= s60 ? s50 : s60;
    if (best < 0.5)
        return 0;
    if (hum_uv)
        *hum_uv = s50 >= s60 ? u50 : u60;
    return s50 >= s60 ? 50.0 : 60.0;
}

int emg_mains_init(emg_mains *m, double fs_hz, double mains_hz, double clip_uv)
{
    if (!m || !(fs_hz > 0) || !(mains_hz > 0) || !(clip_uv > 0))
        return EDX_ERR_INVALID;
    memset(m, 0, sizeof *m);
    size_t period = 0;
    for (int k = 1; k <= 30 && !period; k++) {
        double p = k * fs_hz / mains_hz;
        if (fabs(p - round(p)) < 0.02 && p <= fs_hz) /* at most 1 s of template */
            period = (size_t)round(p);
    }
    if (period < 4)
        return EDX_ERR_INVALID;
    m->tmpl = calloc(2 * period, sizeof *m->tmpl);
    if (!m->tmpl)
        return EDX_ERR_NOMEM;
    m->mark = m->tmpl + period;
    m->period = period;
    /* about 0.5 s of mains cycles in the average */
    double periods = 0.5 * fs_hz / (double)period;
    m->alpha = 1.0 / (periods < 4 ? 4 : periods);
    m->clip_uv = clip_uv;
    return EDX_OK;
}

/* The template as it stands subtracted from x[0..n), x[0] at phase pos. */
static void subtract_only(const emg_mains *m, double *x, size_t n, size_t pos)
{
    for (size_t i = 0; i < n; i++) {
        x[i] -= m->tmpl[pos];
        pos = pos + 1 == m->period ? 0 : pos + 1;
    }
}

EDX_HOT_CLONES
void emg_mains_run(emg_mains *m, double *x, size_t n, int64_t first)
{
    if (!m->tmpl)
        return;
    size_t p = m->period;
    size_t pos = (size_t)(((first % (int64_t)p) + (int64_t)p) % (int64_t)p);
    if (m->frozen) {
        subtract_only(m, x, n, pos);
        return;
    }
    double clip = m->clip_uv, *t = m->tmpl;
    /* whole stretches up to the end of the period: no branch inside */
    for (size_t i = 0; i < n;) {
        size_t len = p - pos < n - i ? p - pos : n - i;
        /* start-up: a plain running mean over the periods seen so far */
        double visit = (double)(m->visits / p) + 1.0;
        double a = visit < 1.0 / m->alpha ? 1.0 / visit : m->alpha;
        double *xi = x + i, *tp = t + pos;
        for (size_t k = 0; k < len; k++) {
            double e = xi[k] - tp[k];
            /* fmin(fmax(e, -clip), clip) written as the selects of maxsd
             * and minsd: the same values (a NaN error steps by -clip),
             * without two calls per sample */
            double step = e > -clip ? e : -clip;
            step = step < clip ? step : clip;
            tp[k] += a * step;
            xi[k] = e;
        }
        m->visits += len;
        i += len;
        pos = pos + len == p ? 0 : pos + len;
    }
}

void emg_mains_mark(emg_mains *m)
{
    if (!m->tmpl)
        return;
    memcpy(m->mark, m->tmpl, m->period * sizeof *m->tmpl);
    m->mark_visits = m->visits;
}

void emg_mains_undo(emg_mains *m)
{
    if (!m->tmpl)
        return;
    memcpy(m->tmpl, m->mark, m->period * sizeof *m->tmpl);
    m->visits = m->mark_visits;
}

void emg_mains_free(emg_mains *m)
{
    if (!m)
        return;
    free(m->tmpl);
    m->tmpl = m->mark = NULL;
}
