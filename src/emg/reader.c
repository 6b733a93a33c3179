/*
 * reader.c - one muscle's part of a signal, block by block.
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
    return EDX_OK;
}

int emg_reader_next(emg_reader *r, const double **x, size_t *n, int64_t *first, double *t_s)
{
    *n = 0;
    *x = r->buf;
    if (r->next_s >= r->end_s)
        return EDX_OK;
    double t_first = 0;
    size_t got = 0;
    int rc = edf_read_time_uv(r->file, r->signal, r->next_s, r->end_s, r->buf, r->cap, &got,
                              &t_first);
    if (rc)
        return rc;
    if (got == 0) {
        r->next_s = r->end_s;
        return EDX_OK;
    }
    *n = got;
    *t_s = t_first;
    /* absolute index: samples counted on the header time line */
    *first = (int64_t)floor(t_first * r->fs_hz + 0.5);
    /* half a sample past the last one read: the next read starts after it */
    r->next_s = t_first + ((double)got - 0.5) / r->fs_hz;
    if (r->next_s < t_first + 1e-9) /* never stall */
        r->next_s = t_first + 1.0 / r->fs_hz;
    return EDX_OK;
}

void emg_reader_close(emg_reader *r)
{
    if (!r)
        return;
    free(r->buf);
    memset(r, 0, sizeof *r);
}
