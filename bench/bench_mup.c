/*
 * bench_mup.c - MUP analysis of needle-EMG recordings: throughput next to
 * decoding, and the per-muscle findings.
 *
 *   bench_mup [--quiet] FILE...
 *
 * Groups the files into studies, and for every muscle with contraction
 * epochs times (best of 3) reading those epochs' samples (decode) and the
 * whole MUP analysis (read + analyse), prints one JSON line per muscle
 * ("muscle", "side", "mup", "recruitment", "decode_s", "mup_s",
 * "spontaneous_s": the rest analysis of include/edx/emg.h, for comparison) unless
 * --quiet, then a summary: MB of EDF samples per second for each, and the
 * analysis time relative to decoding.
 *
 * As in the report pipeline (src/findings/needle_json.c), the MUP analysis is
 * handed the mains frequency that the spontaneous-activity analysis found at
 * rest, and looks for hum itself only when none was found there; the
 * spontaneous timing is of that analysis alone.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edx/edf.h"
#include "edx/emg.h"
#include "edx/study.h"
#include "findings/mup_json.h"
#include "edx/common.h"

/* Reads the contraction epochs' samples; returns the bytes they take in the file. */
static double decode(const study *s, const study_muscle *m, double *sink)
{
    edf_file *f = NULL;
    if (edf_open(s->files[m->file].path, NULL, &f) != EDX_OK)
        return 0;
    size_t cap = (size_t)m->sample_rate_hz + 16;
    double *buf = malloc(cap * sizeof *buf), bytes = 0;
    int width = edf_format_is_bdf(edf_get_info(f)->format) ? 3 : 2;
    for (size_t i = 0; buf && i < m->n_epochs; i++) {
        const study_epoch *e = &m->epochs[i];
        if (e->state < CONV_STATE_MINIMAL)
            continue;
        for (double t = e->onset_s; t < e->onset_s + e->duration_s;) {
            size_t n = 0;
            double tf = NAN;
            if (edf_read_time_uv(f, m->signal, t, fmin(t + 1.0, e->onset_s + e->duration_s), buf,
                                 cap, &n, &tf) || n == 0)
                break;
            *sink += buf[n / 2];
            bytes += (double)n * width;
            t = tf + (double)n / m->sample_rate_hz;
        }
    }
    free(buf);
    edf_close(f);
    return bytes;
}

static double best_of_3_decode(const study *s, const study_muscle *m, double *bytes)
{
    double best = HUGE_VAL, sink = 0;
    for (int k = 0; k < 3; k++) {
        double t0 = edx_monotonic_s();
        *bytes = decode(s, m, &sink);
        best = fmin(best, edx_monotonic_s() - t0);
    }
    return sink == 12345.678 ? 0 : best; /* keeps the reads */
}

/* Best of 3 of the spontaneous-activity analysis of the muscle (rest); sets
 * *mains_hz to the mains frequency it found (0: none, NAN: not looked for),
 * for the MUP analysis. */
static double best_of_3_spont(const study *s, const study_muscle *m, double *mains_hz)
{
    double best = HUGE_VAL;
    emg_options opt;
    emg_options_default(&opt);
    for (int k = 0; k < 3; k++) {
        edf_file *f = NULL;
        double t0 = edx_monotonic_s();
        if (edf_open(s->files[m->file].path, NULL, &f) != EDX_OK)
            return NAN;
        emg_spont_result r;
        memset(&r, 0, sizeof r);
        int rc = emg_spont_analyse(f, m, &opt, &r, NULL);
        *mains_hz = rc == EDX_OK ? r.mains_hz : NAN;
        emg_spont_free(&r);
        edf_close(f);
        if (rc != EDX_OK)
            return NAN;
        best = fmin(best, edx_monotonic_s() - t0);
    }
    return best;
}

static int one_muscle(const study *s, const study_muscle *m, const emg_mup_normals *nm,
                      bool quiet, double *dec_s, double *mup_s, double *spont_s, double *bytes)
{
    double b = 0, mains_hz = 0, td = best_of_3_decode(s, m, &b), tm = HUGE_VAL;
    double ts = best_of_3_spont(s, m, &mains_hz);
    json_t *mup = NULL, *rec = NULL, *w = NULL;
    for (int k = 0; k < 3; k++) {
        json_decref(mup), json_decref(rec), json_decref(w);
        w = json_array();
        double t0 = edx_monotonic_s();
        if (fnd_mup_muscle_json(s, m, nm, mains_hz, NULL, w, &mup, &rec) != EDX_OK)
            return 1;
        tm = fmin(tm, edx_monotonic_s() - t0);
    }
    *dec_s += td, *mup_s += tm, *bytes += b, *spont_s += isnan(ts) ? 0 : ts;
    if (!quiet) {
        json_t *line = json_pack("{s:s, s:s, s:O, s:O, s:O, s:f, s:f, s:f}", "muscle", m->muscle,
                                 "side", conv_side_name(m->side), "mup", mup, "recruitment", rec,
                                 "warnings", w, "decode_s", td, "mup_s", tm, "spontaneous_s",
                                 isnan(ts) ? -1.0 : ts);
        char *text = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (text)
            printf("%s\n", text);
        free(text);
        json_decref(line);
    }
    json_decref(mup), json_decref(rec), json_decref(w);
    return 0;
}

int main(int argc, char **argv)
{
    int first = 1;
    bool quiet = argc > 1 && strcmp(argv[1], "--quiet") == 0;
    first += quiet;
    if (first >= argc) {
        fputs("usage: bench_mup [--quiet] FILE...\n", stderr);
        return 64;
    }
    conv_tables *t = NULL;
    emg_mup_normals *nm = NULL;
    study_set *set = NULL;
    if (conv_tables_load(NULL, NULL, &t) || emg_mup_normals_load(NULL, NULL, &nm) ||
        study_group_paths(t, (const char *const *)argv + first, (size_t)(argc - first), NULL, &set)) {
        fputs("bench_mup: cannot load the tables or read the files\n", stderr);
        return 66;
    }
    double dec_s = 0, mup_s = 0, spont_s = 0, bytes = 0;
    int rc = 0;
    for (size_t i = 0; i < set->n_studies && !rc; i++)
        for (size_t k = 0; k < set->studies[i].n_muscles && !rc; k++)
            rc = one_muscle(&set->studies[i], &set->studies[i].muscles[k], nm, quiet, &dec_s,
                            &mup_s, &spont_s, &bytes);
    double mb = bytes / 1e6;
    printf("# contraction samples %.1f MB: decode %.1f MB/s, MUP analysis (read + analyse) "
           "%.1f MB/s, analysis / decode time %.2f\n",
           mb, mb / dec_s, mb / mup_s, mup_s / dec_s);
    printf("# spontaneous-activity analysis %.3f s, MUP analysis %.3f s: MUP adds %.0f %%\n",
           spont_s, mup_s, spont_s > 0 ? 100.0 * mup_s / spont_s : NAN);
    study_set_free(set);
    emg_mup_normals_free(nm);
    conv_tables_free(t);
    return rc ? 70 : 0;
}
