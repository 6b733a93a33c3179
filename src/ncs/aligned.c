/*
 * aligned.c - the sweeps of one site (or one F-wave test) read into one
 * array and aligned on their stimulus sample, for averaging (sensory) and
 * for the median sweep (F-waves).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ncs/ncs_internal.h"

int ncs_load_aligned(edf_file *f, const study_nerve_test *t, const size_t *idx, size_t n_idx,
                     ncs_aligned *out)
{
    memset(out, 0, sizeof *out);
    size_t n = n_idx < NCS_ALIGNED_MAX ? n_idx : NCS_ALIGNED_MAX;
    double *raw[NCS_ALIGNED_MAX] = {0};
    size_t len[NCS_ALIGNED_MAX], stim[NCS_ALIGNED_MAX], pre = SIZE_MAX, post = SIZE_MAX, got = 0;
    double first_s[NCS_ALIGNED_MAX];
    int rc = EDX_OK;
    out->fs_hz = edf_get_signal(f, t->signal)->sample_rate_hz;
    for (size_t i = 0; rc == EDX_OK && i < n; i++) {
        double off = 0;
        size_t k = idx ? idx[i] : i;
        int r = ncs_read_sweep(f, t->signal, &t->sweeps[k], &raw[got], &len[got], &off);
        if (r == EDX_ERR_NOMEM)
            rc = r;
        if (r != EDX_OK)
            continue; /* an unreadable sweep is left out */
        stim[got] = (size_t)lround(off * out->fs_hz);
        first_s[got] = t->sweeps[k].stimulus_s - off;
        if (stim[got] >= len[got]) {
            free(raw[got]);
            continue;
        }
        pre = stim[got] < pre ? stim[got] : pre;
        post = len[got] - stim[got] < post ? len[got] - stim[got] : post;
        got++;
    }
    if (rc == EDX_OK && got > 0) {
        out->x = malloc(got * (pre + post) * sizeof *out->x);
        out->row_t0_s = malloc(got * sizeof *out->row_t0_s);
        if (out->x == NULL || out->row_t0_s == NULL) {
            ncs_aligned_free(out);
            rc = EDX_ERR_NOMEM;
        }
    }
    if (rc == EDX_OK && got > 0) {
        out->n_sweeps = got, out->len = pre + post, out->pre = pre;
        for (size_t i = 0; i < got; i++) {
            memcpy(out->x + i * out->len, raw[i] + stim[i] - pre, out->len * sizeof *out->x);
            out->row_t0_s[i] = first_s[i] + (double)(stim[i] - pre) / out->fs_hz;
        }
    }
    for (size_t i = 0; i < got; i++)
        free(raw[i]);
    return rc;
}

size_t ncs_scaled_mean(const ncs_aligned *a, const double *scale, double *avg)
{
    double sw = 0;
    size_t used = 0;
    memset(avg, 0, a->len * sizeof *avg);
    for (size_t i = 0; i < a->n_sweeps; i++) {
        if (!(scale[i] > 0))
            continue;
        for (size_t k = 0; k < a->len; k++)
            avg[k] += scale[i] * a->x[i * a->len + k];
        sw += scale[i];
        used++;
    }
    for (size_t k = 0; used && k < a->len; k++)
        avg[k] /= sw;
    return used;
}

bool ncs_size_span(const ncs_aligned *a, const ncs_response *r, size_t lo, size_t *b0, size_t *on,
                   size_t *end)
{
    if (r->is_absent || !(r->duration_ms > 0) || !(r->onset_latency_ms >= 0))
        return false;
    double per_ms = a->fs_hz / 1000.0, at = (double)a->pre + floor(r->onset_latency_ms * per_ms);
    if (!(at < (double)a->len))
        return false;
    *on = (size_t)at;
    size_t half = (size_t)(0.5 * per_ms);
    *b0 = *on > lo + half ? *on - half : lo;
    double stop = (double)*on + ceil(2.0 * r->duration_ms * per_ms) + 1.0;
    *end = stop < (double)a->len ? (size_t)stop : a->len;
    return *on > *b0 && *end > *on + 1;
}

void ncs_aligned_free(ncs_aligned *a)
{
    free(a->x);
    free(a->row_t0_s);
    memset(a, 0, sizeof *a);
}
