/*
 * bench_emg.c - speed and memory of the spontaneous-activity analyser on a
 * long needle EMG recording, against decoding the same samples.
 *
 *   bench_emg FILE [MINUTES]
 *
 * Writes FILE when it does not exist: EDF+C, one signal "EMG R TibAnt" at
 * 48 kHz in 1 s records, MINUTES long (default 60), all of it a "Rest"
 * epoch after "Needle site 1", holding white noise (6 uV), 50 Hz hum with
 * its third harmonic, two fibrillation trains (4 Hz at 110 uV, 7 Hz at
 * 190 uV) and a fasciculation every few seconds. Then, with a warm page cache, best of three:
 *   decode    every sample to microvolts (edf_read_uv, 64 Ki samples a call);
 *   analysis  emg_spont_analyse on the muscle as the conventions stage
 *             builds it (a child process: its peak RSS is from wait4).
 * Prints both throughputs in MB/s of EDF, the time ratio and the peak RSS.
 * Targets (issue 6): analysis <= 2 x decode time; peak RSS <= 64 MB.
 */
#define _DEFAULT_SOURCE
#include <edflib.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "edx/emg.h"
#include "edx/study.h"
#include "edx/common.h"

enum { RATE = 48000 };
#define PI 3.14159265358979323846

static double gauss(uint64_t *s)
{
    double u[2];
    for (int k = 0; k < 2; k++) {
        *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
        u[k] = ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2.0 * log(u[0])) * cos(2.0 * PI * u[1]);
}

/* Adds a sum of Gaussian phases {amp, at_ms, sd_ms} centred at t_s, where
 * it falls in the record starting at t0_s. */
static void add_shape(double *x, double t0_s, const double (*ph)[3], int n, double t_s)
{
    for (int k = 0; k < n; k++) {
        double c = t_s + ph[k][1] / 1000.0, w = 5.0 * ph[k][2] / 1000.0;
        long a = (long)floor((c - w - t0_s) * RATE), z = (long)ceil((c + w - t0_s) * RATE);
        for (long i = a < 0 ? 0 : a; i <= z && i < RATE; i++) {
            double d = ((t0_s + (double)i / RATE) - c) * 1000.0 / ph[k][2];
            x[i] += ph[k][0] * exp(-0.5 * d * d);
        }
    }
}

/* Discharge times of one generator over the whole recording. */
typedef struct schedule {
    double *t;
    size_t n, next;
} schedule;

static int plan(schedule *s, double first, double mean_s, double cv, bool is_random,
                double end_s, uint64_t *rng)
{
    size_t cap = (size_t)(end_s / (is_random ? 1.0 : mean_s)) + 16;
    s->t = malloc(cap * sizeof *s->t);
    s->n = s->next = 0;
    for (double t = first; s->t && t < end_s && s->n < cap;) {
        s->t[s->n++] = t;
        t += is_random ? 1.0 + mean_s * fabs(gauss(rng)) : mean_s * (1.0 + cv * gauss(rng));
    }
    return s->t ? 0 : -1;
}

/* Adds the discharges that reach into the record starting at t0. */
static void place(schedule *s, double *x, double t0, const double (*ph)[3], int n_ph)
{
    while (s->next < s->n && s->t[s->next] < t0 - 0.05)
        s->next++;
    for (size_t k = s->next; k < s->n && s->t[k] < t0 + 1.05; k++)
        add_shape(x, t0, ph, n_ph, s->t[k]);
}

static int write_file(const char *path, int minutes)
{
    static const double fib[3][3] = {{25, -0.6, 0.22}, {-80, 0, 0.25}, {35, 0.8, 0.35}};
    static const double fib_b[3][3] = {{45, -0.6, 0.22}, {-140, 0, 0.25}, {60, 0.8, 0.35}};
    static const double mup[4][3] = {{-300, -1, 0.5}, {250, 0.6, 0.5}, {-150, 2.4, 0.6},
                                     {80, 4.5, 0.8}};
    double end_s = minutes * 60.0;
    uint64_t s = 12345;
    schedule f1, f2, fa;
    if (plan(&f1, 0.1, 0.25, 0.02, false, end_s, &s) ||
        plan(&f2, 0.17, 0.143, 0.02, false, end_s, &s) || plan(&fa, 2.0, 6.0, 0, true, end_s, &s))
        return -1;
    int h = edfopen_file_writeonly(path, EDFLIB_FILETYPE_EDFPLUS, 1);
    if (h < 0)
        return -1;
    edf_set_samplefrequency(h, 0, RATE);
    edf_set_physical_maximum(h, 0, 3276.7);
    edf_set_physical_minimum(h, 0, -3276.8);
    edf_set_digital_maximum(h, 0, 32767);
    edf_set_digital_minimum(h, 0, -32768);
    edf_set_label(h, 0, "EMG R TibAnt");
    edf_set_physical_dimension(h, 0, "uV");
    edf_set_patientcode(h, "BENCH-EMG");
    edfwrite_annotation_utf8(h, 0, -1, "Needle site 1");
    edfwrite_annotation_utf8(h, 0, (long long)minutes * 600000, "Rest");
    double *x = malloc(RATE * sizeof *x);
    int rc = x ? 0 : -1;
    for (int rec = 0; !rc && rec < minutes * 60; rec++) {
        double t0 = rec;
        for (int i = 0; i < RATE; i++) {
            double t = t0 + (double)i / RATE;
            x[i] = 6.0 * gauss(&s) + 5.0 * sin(2 * PI * 50 * t) + 1.5 * sin(2 * PI * 150 * t);
        }
        place(&f1, x, t0, fib, 3);
        place(&f2, x, t0, fib_b, 3);
        place(&fa, x, t0, mup, 4);
        rc = edfwrite_physical_samples(h, x);
    }
    free(x);
    free(f1.t);
    free(f2.t);
    free(fa.t);
    return edfclose_file(h) == 0 && rc == 0 ? 0 : -1;
}

static double decode_once(const char *path)
{
    edx_diags d;
    edx_diags_init(&d);
    edf_file *f = NULL;
    double t0 = edx_monotonic_s();
    if (edf_open(path, &d, &f) != EDX_OK)
        return -1;
    enum { BLOCK = 65536 };
    double *buf = malloc(BLOCK * sizeof *buf), sum = 0;
    int64_t n = edf_signal_samples(f, 0);
    for (int64_t k = 0; buf && k < n; k += BLOCK) {
        size_t got = 0;
        edf_read_uv(f, 0, k, BLOCK, buf, &got);
        sum += buf[0];
    }
    double t = edx_monotonic_s() - t0;
    free(buf);
    edf_close(f);
    edx_diags_free(&d);
    return sum == sum ? t : t; /* the sum keeps the reads */
}

/* The analysis in this process; prints "seconds fib_discharges fasc". */
static int analyse_once(const char *path)
{
    edx_diags d;
    edx_diags_init(&d);
    conv_tables *tab = NULL;
    study_set *set = NULL;
    const char *paths[1] = {path};
    double t0 = edx_monotonic_s();
    if (conv_tables_load(NULL, &d, &tab) != EDX_OK ||
        study_group_paths(tab, paths, 1, &d, &set) != EDX_OK || set->n_studies != 1 ||
        set->studies[0].n_muscles != 1)
        return 1;
    const study_muscle *m = &set->studies[0].muscles[0];
    edf_file *f = NULL;
    emg_spont_result r;
    if (edf_open(path, &d, &f) != EDX_OK || emg_spont_analyse(f, m, NULL, &r, &d) != EDX_OK)
        return 1;
    double t = edx_monotonic_s() - t0;
    printf("%.4f %zu %zu %.0f\n", t, r.count[EMG_FIBRILLATION].discharges,
           r.count[EMG_FASCICULATION].discharges, r.rest_s);
    emg_spont_free(&r);
    edf_close(f);
    study_set_free(set);
    conv_tables_free(tab);
    edx_diags_free(&d);
    return 0;
}

/* Runs the analysis in a child; *secs from its report, *rss_kb from wait4. */
static int analyse_child(const char *path, double *secs, long *rss_kb, char *line, size_t size)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], STDOUT_FILENO);
        int rc = analyse_once(path);
        fflush(stdout);
        _exit(rc);
    }
    close(fd[1]);
    FILE *in = fdopen(fd[0], "r");
    line[0] = '\0';
    if (in) {
        if (!fgets(line, (int)size, in))
            line[0] = '\0';
        fclose(in);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    *rss_kb = ru.ru_maxrss;
    *secs = atof(line);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_emg FILE [MINUTES]\n");
        return 64;
    }
    const char *path = argv[1];
    int minutes = argc > 2 ? atoi(argv[2]) : 60;
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("writing %s (%d min at %d Hz)...\n", path, minutes, RATE);
        fflush(stdout);
        if (write_file(path, minutes) != 0 || stat(path, &st) != 0) {
            fprintf(stderr, "bench_emg: cannot write %s\n", path);
            return 1;
        }
    }
    double mb = (double)st.st_size / 1e6, dec = INFINITY, ana = INFINITY;
    long rss = 0;
    char line[256] = "";
    decode_once(path); /* warm the page cache */
    for (int k = 0; k < 3; k++) {
        double t = decode_once(path), a = 0;
        long r = 0;
        if (t < 0 || analyse_child(path, &a, &r, line, sizeof line) != 0) {
            fprintf(stderr, "bench_emg: decode or analysis failed\n");
            return 1;
        }
        dec = fmin(dec, t);
        ana = fmin(ana, a);
        rss = r > rss ? r : rss;
    }
    unsigned long fibs = 0, fasc = 0;
    double rest = 0, ignored;
    sscanf(line, "%lf %lu %lu %lf", &ignored, &fibs, &fasc, &rest);
    printf("emg bench: %s, %.1f MB, %.0f s of rest analysed (%lu fibrillations, %lu "
           "fasciculations)\n", path, mb, rest, fibs, fasc);
    printf("decode:   %8.1f MB/s  (%.2f s)\n", mb / dec, dec);
    printf("analysis: %8.1f MB/s  (%.2f s)  = %.2f x decode time   (target <= 2)\n", mb / ana,
           ana, ana / dec);
    printf("peak RSS of the analysis: %.1f MB   (target <= 64 MB)\n", (double)rss / 1024.0);
    return 0;
}
