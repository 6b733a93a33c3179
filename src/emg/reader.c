/*
 * reader.c - one muscle's part of a signal, block by block: in microvolts,
 * or as means of groups of samples (the analysis rate of spont.c) summed
 * as the integers the file stores, so that the file's full rate is never
 * converted sample by sample.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edx/emg.h"

int emg_reader_open(emg_reader *r, edf_file *f, int signal, double t0_s, double t1_s,
                    size_t block)
{
    if (!r || !f || block == 0)
        return EDX_ERR_INVALID;
    memset(r, 0, sizeof *r);
    const edf_signal *s = edf_get_signal(f, signal);
    if (!s || !(s->sample_rate_hz > 0) || !(t1_s > t0_s))
        return EDX_ERR_INVALID;
    r->buf = malloc(block * sizeof *r->buf);
    if (!r->buf)
        return EDX_ERR_NOMEM;
    r->file = f;
    r->signal = signal;
    r->fs_hz = s->sample_rate_hz;
    r->next_s = t0_s;
    r->end_s = t1_s;
    r->cap = block;
    r->next_index = -1;
    r->factor = 1;
    return EDX_OK;
}

int emg_reader_open_mean(emg_reader *r, edf_file *f, int signal, double t0_s, double t1_s,
                         size_t block, int factor)
{
    if (factor < 1)
        return EDX_ERR_INVALID;
    int rc = emg_reader_open(r, f, signal, t0_s, t1_s, block);
    if (rc || factor == 1)
        return rc;
    r->factor = factor;
    rc = edf_uv_scale(f, signal, &r->uv_a, &r->uv_b);
    if (rc)
        emg_reader_close(r);
    return rc;
}

/* One read of up to r->cap samples of the file from r->next_s on. */
static int read_block(emg_reader *r, double *out, size_t *n, int64_t *first, double *t_s)
{
    double t_first = 0;
    size_t got = 0;
    size_t means = 0;
    int rc = r->factor > 1
                 ? edf_read_time_means(r->file, r->signal, r->next_s, r->end_s, r->cap, r->factor,
                                       r->uv_a, r->uv_b, &r->carry, out, &means, &got, &t_first)
                 : edf_read_time_uv(r->file, r->signal, r->next_s, r->end_s, out, r->cap, &got,
                                    &t_first);
    if (rc)
        return rc;
    if (got == 0) {
        r->next_s = r->end_s;
        return EDX_OK;
    }
    *n = r->factor > 1 ? means : got;
    *t_s = t_first;
    /* absolute index: samples counted on the header time line */
    *first = (int64_t)floor(t_first * r->fs_hz + 0.5);
    /* half a sample past the last one read: the next read starts after it */
    r->next_s = t_first + ((double)got - 0.5) / r->fs_hz;
    if (r->next_s < t_first + 1e-9) /* never stall */
        r->next_s = t_first + 1.0 / r->fs_hz;
    return EDX_OK;
}

int emg_reader_next_into(emg_reader *r, double *out, size_t *n, int64_t *first, double *t_s)
{
    *n = 0;
    int rc = EDX_OK;
    /* a short read (a segment's last few samples) may complete no group */
    while (!rc && *n == 0 && r->next_s < r->end_s)
        rc = read_block(r, out, n, first, t_s);
    return rc;
}

int emg_reader_next(emg_reader *r, const double **x, size_t *n, int64_t *first, double *t_s)
{
    *x = r->buf;
    return emg_reader_next_into(r, r->buf, n, first, t_s);
}

void emg_reader_close(emg_reader *r)
{
    if (!r)
        return;
    free(r->buf);
    memset(r, 0, sizeof *r);
}
