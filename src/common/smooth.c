/*
 * smooth.c - the centred moving mean shared by the measuring stages (EMG
 * features, MUP markers, noise-limited nerve conduction onsets), and the
 * walk out of a waveform to where its baseline returns (MUP markers, the
 * simulator's truth of the same).
 */
#include <math.h>

#include "edx/common.h"

void edx_moving_mean(const double *x, size_t n, size_t w, double *out)
{
    size_t h = w / 2;
    double s = 0;
    size_t lo = 0, hi = 0; /* window [lo, hi) */
    for (size_t i = 0; i < n; i++) {
        size_t want_lo = i > h ? i - h : 0, want_hi = i + h + 1 < n ? i + h + 1 : n;
        while (hi < want_hi)
            s += x[hi++];
        while (lo < want_lo)
            s -= x[lo++];
        out[i] = s / (double)(hi - lo);
    }
}

size_t edx_quiet_end(const double *s, size_t n, size_t from, int dir, size_t quiet, double level)
{
    size_t marker = from, run = 0;
    for (size_t i = from; run < quiet;) {
        if (fabs(s[i]) >= level) {
            marker = i;
            run = 0;
        } else {
            run++;
        }
        if ((dir > 0 && i + 1 >= n) || (dir < 0 && i == 0))
            break;
        i = dir > 0 ? i + 1 : i - 1;
    }
    return marker;
}
