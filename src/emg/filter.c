/*
 * filter.c - second-order sections, a band-pass made of two of them, and a
 * block-averaging decimator. All stream: state is kept between calls.
 *
 * Section design after R. Bristow-Johnson, "Cookbook formulae for audio EQ
 * biquad filter coefficients" (bilinear transform, Q = 1/sqrt(2) gives a
 * Butterworth response).
 */
#include <math.h>
#include <string.h>

#include "common/hot.h"
#include "edx/emg.h"

static int design(emg_biquad *q, double fs_hz, double fc_hz, bool is_high)
{
    if (!q || !(fs_hz > 0) || !(fc_hz > 0) || !(fc_hz < fs_hz / 2))
        return EDX_ERR_INVALID;
    double w0 = 2.0 * EMG_PI * fc_hz / fs_hz, c = cos(w0);
    double alpha = sin(w0) / (2.0 * (1.0 / sqrt(2.0)));
    double a0 = 1.0 + alpha;
    double k = is_high ? (1.0 + c) / 2.0 : (1.0 - c) / 2.0;
    memset(q, 0, sizeof *q);
    q->b0 = k / a0;
    q->b1 = (is_high ? -2.0 * k : 2.0 * k) / a0;
    q->b2 = k / a0;
    q->a1 = -2.0 * c / a0;
    q->a2 = (1.0 - alpha) / a0;
    return EDX_OK;
}

int emg_biquad_highpass(emg_biquad *q, double fs_hz, double fc_hz)
{
    return design(q, fs_hz, fc_hz, true);
}

int emg_biquad_lowpass(emg_biquad *q, double fs_hz, double fc_hz)
{
    return design(q, fs_hz, fc_hz, false);
}

void emg_biquad_run(emg_biquad *q, const double *in, double *out, size_t n)
{
    double b0 = q->b0, b1 = q->b1, b2 = q->b2, a1 = q->a1, a2 = q->a2;
    double z1 = q->z1, z2 = q->z2;
    for (size_t i = 0; i < n; i++) {
        double x = in[i], y = b0 * x + z1;
        z1 = b1 * x - a1 * y + z2;
        z2 = b2 * x - a2 * y;
        out[i] = y;
    }
    q->z1 = z1;
    q->z2 = z2;
}

int emg_bandpass_init(emg_bandpass *bp, double fs_hz, double lo_hz, double hi_hz)
{
    if (!bp)
        return EDX_ERR_INVALID;
    memset(bp, 0, sizeof *bp);
    int rc = emg_biquad_highpass(&bp->hp, fs_hz, lo_hz);
    if (rc)
        return rc;
    bp->has_lp = hi_hz > lo_hz && hi_hz < 0.45 * fs_hz;
    return bp->has_lp ? emg_biquad_lowpass(&bp->lp, fs_hz, hi_hz) : EDX_OK;
}

void emg_bandpass_run(emg_bandpass *bp, const double *in, double *out, size_t n)
{
    emg_biquad_run(&bp->hp, in, out, n);
    if (bp->has_lp)
        emg_biquad_run(&bp->lp, out, out, n);
}

void emg_hpmean_init(emg_hpmean *h, size_t width, bool smooth)
{
    memset(h, 0, sizeof *h);
    h->width = width < 3 ? 3 : width | 1; /* odd: a whole-sample centre */
    h->smooth = smooth;
}

size_t emg_hpmean_delay(const emg_hpmean *h)
{
    return (h->width - 1) / 2 + (h->smooth ? 1 : 0);
}

/* y[i] = (v[i] + 2 v[i-1] + v[i-2]) / 4 with v[-1], v[-2] in prev: its own
 * loop over a copy, so that it vectorises. */
EDX_HOT_CLONES
static void smooth121(double *y, size_t n, double prev[2])
{
    enum { CHUNK = 256 };
    double v[CHUNK + 2];
    for (size_t at = 0; at < n; at += CHUNK) {
        size_t m = n - at < CHUNK ? n - at : CHUNK;
        v[0] = prev[1];
        v[1] = prev[0];
        memcpy(v + 2, y + at, m * sizeof *v);
        for (size_t i = 0; i < m; i++)
            y[at + i] = 0.25 * (v[i + 2] + 2.0 * v[i + 1] + v[i]);
        prev[0] = v[m + 1];
        prev[1] = v[m];
    }
}

void emg_hpmean_run(emg_hpmean *h, const double *x, size_t n, double *y)
{
    size_t w = h->width, half = (w - 1) / 2;
    double inv = 1.0 / (double)w, sum = h->sum;
    if (!h->is_primed) { /* the window before the first sample */
        sum = 0;
        for (size_t k = 1; k <= w; k++)
            sum += x[-(long)k];
        h->is_primed = true;
    }
    for (size_t i = 0; i < n; i++) {
        sum += x[i] - x[(long)i - (long)w];
        y[i] = x[(long)i - (long)half] - sum * inv;
    }
    h->sum = sum;
    if (h->smooth)
        smooth121(y, n, h->prev);
}

void emg_decimator_init(emg_decimator *d, int factor)
{
    d->factor = factor < 1 ? 1 : factor;
    d->count = 0;
    d->sum = 0;
}

size_t emg_decimate(emg_decimator *d, const double *in, size_t n, double *out)
{
    if (d->factor == 1) {
        if (out != in)
            memmove(out, in, n * sizeof *out);
        return n;
    }
    size_t m = 0;
    int f = d->factor, c = d->count;
    double s = d->sum, inv = 1.0 / f;
    for (size_t i = 0; i < n; i++) {
        s += in[i];
        if (++c == f) {
            out[m++] = s * inv;
            s = 0;
            c = 0;
        }
    }
    d->count = c;
    d->sum = s;
    return m;
}
