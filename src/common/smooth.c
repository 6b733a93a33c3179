/*
 * smooth.c - the centred moving mean shared by the measuring stages (EMG
 * features, MUP markers, noise-limited nerve conduction onsets).
 */
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
