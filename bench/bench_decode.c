/*
 * bench_decode.c - decode throughput and memory of `edxreport check --decode`
 * on a large EDF, against reading the same bytes with `cat > /dev/null`.
 *
 *   bench_decode EDXREPORT FILE [SIZE_MB]
 *
 * Writes FILE (16 channels x 48 kHz, 16-bit, 1 s records, EDF+C) when it
 * does not exist yet, warms the page cache, then runs each command three
 * times and prints the best wall time, the throughput and the peak RSS of
 * the child (wait4's ru_maxrss).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { NSIG_DATA = 16, RATE = 48000 };

static void field(char *dst, size_t n, const char *text)
{
    memset(dst, ' ', n);
    memcpy(dst, text, strlen(text) < n ? strlen(text) : n);
}

/* Header of an EDF+C file with 16 EMG signals and one annotation signal. */
static size_t make_header(char *h, long records)
{
    int ns = NSIG_DATA + 1;
    size_t hb = 256 * (size_t)(ns + 1);
    memset(h, ' ', hb);
    char buf[96];
    field(h, 8, "0");
    field(h + 8, 80, "BENCH-1 F 02-MAY-1951 Bench_Patient");
    field(h + 88, 80, "Startdate 02-MAR-2024 X X edxreport_bench");
    field(h + 168, 8, "02.03.24");
    field(h + 176, 8, "10.00.00");
    snprintf(buf, sizeof buf, "%zu", hb);
    field(h + 184, 8, buf);
    field(h + 192, 44, "EDF+C");
    snprintf(buf, sizeof buf, "%ld", records);
    field(h + 236, 8, buf);
    field(h + 244, 8, "1");
    snprintf(buf, sizeof buf, "%d", ns);
    field(h + 252, 4, buf);
    char *p = h + 256;
    const size_t w[] = {16, 80, 8, 8, 8, 8, 8, 80, 8, 32};
    for (int c = 0; c < 10; c++) {
        for (int s = 0; s < ns; s++) {
            int an = s == NSIG_DATA;
            switch (c) {
            case 0: snprintf(buf, sizeof buf, an ? "EDF Annotations" : "EMG R Muscle%d", s); break;
            case 2: snprintf(buf, sizeof buf, an ? "" : "uV"); break;
            case 3: snprintf(buf, sizeof buf, an ? "-1" : "-8000"); break;
            case 4: snprintf(buf, sizeof buf, an ? "1" : "8000"); break;
            case 5: snprintf(buf, sizeof buf, "-32768"); break;
            case 6: snprintf(buf, sizeof buf, "32767"); break;
            case 8: snprintf(buf, sizeof buf, "%d", an ? 30 : RATE); break;
            default: buf[0] = '\0';
            }
            field(p, w[c], buf);
            p += w[c];
        }
    }
    return hb;
}

static int write_file(const char *path, long size_mb)
{
    long rec_bytes = (long)NSIG_DATA * RATE * 2 + 60;
    long records = (size_mb * 1000000L + rec_bytes - 1) / rec_bytes;
    FILE *fp = fopen(path, "wb");
    if (fp == NULL)
        return -1;
    char *h = malloc(256 * (NSIG_DATA + 2));
    size_t hb = make_header(h, records);
    fwrite(h, 1, hb, fp);
    free(h);
    uint8_t *rec = malloc((size_t)rec_bytes);
    uint32_t x = 12345;
    for (long r = 0; r < records; r++) {
        for (long i = 0; i < (long)NSIG_DATA * RATE; i++) {
            x = x * 1664525u + 1013904223u;
            int16_t v = (int16_t)(2000.0 * sin((double)i * 0.01) + (double)(x >> 22) - 512);
            rec[2 * i] = (uint8_t)(v & 0xff);
            rec[2 * i + 1] = (uint8_t)((uint16_t)v >> 8);
        }
        memset(rec + rec_bytes - 60, 0, 60);
        int n = snprintf((char *)rec + rec_bytes - 60, 60, "+%ld\x14\x14", r);
        (void)n;
        if (fwrite(rec, 1, (size_t)rec_bytes, fp) != (size_t)rec_bytes) {
            fclose(fp);
            free(rec);
            return -1;
        }
    }
    free(rec);
    return fclose(fp);
}

typedef struct run_result {
    double seconds;
    long maxrss_kb;
    int status;
} run_result;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static run_result run(char *const argv[])
{
    run_result r = {0, 0, -1};
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    struct rusage ru;
    int st = 0;
    if (pid > 0 && wait4(pid, &st, 0, &ru) == pid) {
        r.seconds = now() - t0;
        r.maxrss_kb = ru.ru_maxrss;
        r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    return r;
}

static run_result best_of(char *const argv[], int n)
{
    run_result best = {INFINITY, 0, 0};
    for (int i = 0; i < n; i++) {
        run_result r = run(argv);
        if (r.status != 0)
            return r;
        if (r.seconds < best.seconds)
            best.seconds = r.seconds;
        if (r.maxrss_kb > best.maxrss_kb)
            best.maxrss_kb = r.maxrss_kb;
    }
    return best;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_decode EDXREPORT FILE [SIZE_MB]\n");
        return 64;
    }
    long size_mb = argc > 3 ? atol(argv[3]) : 1100;
    struct stat st;
    if (stat(argv[2], &st) != 0) {
        fprintf(stderr, "writing %s (%ld MB)...\n", argv[2], size_mb);
        if (write_file(argv[2], size_mb) != 0) {
            fprintf(stderr, "cannot write %s: %s\n", argv[2], strerror(errno));
            return 73;
        }
        stat(argv[2], &st);
    }
    double mb = (double)st.st_size / 1e6;
    char *cat_argv[] = {"cat", argv[2], NULL};
    char *dec_argv[] = {argv[1], "check", "--decode", argv[2], NULL};
    run(cat_argv); /* warm the page cache */
    run_result c = best_of(cat_argv, 3);
    run_result d = best_of(dec_argv, 3);
    if (c.status != 0 || d.status != 0) {
        fprintf(stderr, "a command failed (cat %d, edxreport %d)\n", c.status, d.status);
        return 1;
    }
    printf("file:                %s, %.1f MB (16 ch x 48 kHz, 16-bit)\n", argv[2], mb);
    printf("cat > /dev/null:     %.3f s, %.0f MB/s\n", c.seconds, mb / c.seconds);
    printf("check --decode:      %.3f s, %.0f MB/s (%.0f %% of cat), peak RSS %.1f MB\n",
           d.seconds, mb / d.seconds, 100.0 * c.seconds / d.seconds, d.maxrss_kb / 1024.0);
    printf("targets:             >= 50 %% of cat, peak RSS <= 32 MB: %s\n",
           (c.seconds / d.seconds >= 0.5 && d.maxrss_kb <= 32 * 1024) ? "met" : "NOT met");
    return 0;
}
