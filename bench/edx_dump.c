/*
 * edx_dump.c - prints a stretch of one signal as "time_ms value_uv" lines,
 * for plotting simulated or real recordings (bench/pictures.sh).
 *
 *   edx_dump FILE T0_S T1_S        the first ordinary signal between two times
 *   edx_dump FILE --record N       one data record (an EDF+D sweep), time
 *                                  from the record's onset
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edx/common.h"
#include "edx/edf.h"

static int first_signal(const edf_file *f)
{
    for (int s = 0; s < edf_get_info(f)->n_signals; s++)
        if (!edf_get_signal(f, s)->is_annotation)
            return s;
    return -1;
}

static int dump(edf_file *f, int sig, double t0_s, double t1_s, double zero_s)
{
    double fs = edf_get_signal(f, sig)->sample_rate_hz;
    size_t cap = (size_t)((t1_s - t0_s) * fs) + 2, n = 0;
    double *uv = malloc(cap * sizeof *uv), first_s = 0;
    if (!uv || edf_read_time_uv(f, sig, t0_s, t1_s, uv, cap, &n, &first_s) != EDX_OK) {
        free(uv);
        return 1;
    }
    char a[32], b[32];
    for (size_t i = 0; i < n; i++)
        printf("%s %s\n", edx_fmt_double(a, sizeof a, (first_s + i / fs - zero_s) * 1000.0, 4),
               edx_fmt_double(b, sizeof b, uv[i], 3));
    free(uv);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: edx_dump FILE T0_S T1_S | edx_dump FILE --record N\n");
        return 64;
    }
    edx_diags d;
    edx_diags_init(&d);
    edf_file *f = NULL;
    if (edf_open(argv[1], &d, &f) != EDX_OK) {
        fprintf(stderr, "edx_dump: cannot read %s\n", argv[1]);
        return 66;
    }
    int sig = first_signal(f), rc = 1;
    double t0 = 0, t1 = 0;
    if (sig >= 0 && strcmp(argv[2], "--record") == 0) {
        int64_t rec = 0;
        edx_parse_int64(argv[3], strlen(argv[3]), &rec);
        t0 = edf_record_onset_s(f, rec);
        t1 = t0 + edf_get_info(f)->record_duration_s;
        rc = dump(f, sig, t0, t1 - 1e-9, t0);
    } else if (sig >= 0 && edx_parse_double(argv[2], strlen(argv[2]), &t0) == EDX_OK &&
               edx_parse_double(argv[3], strlen(argv[3]), &t1) == EDX_OK) {
        rc = dump(f, sig, t0, t1, t0);
    }
    edf_close(f);
    edx_diags_free(&d);
    return rc;
}
