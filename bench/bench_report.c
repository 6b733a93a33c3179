/*
 * bench_report.c - how long rendering a report takes and how big it is.
 *
 *   bench_report FINDINGS.json [RUNS]
 *
 * Loads the findings once, then renders the PDF RUNS times (default 20) in
 * memory, as the batch does, and prints the minimum and median wall time per
 * render and the size of the PDF. Targets (issue: the PDF report): at most
 * 0.3 s per report and 2 MB. The traces re-read the recordings the findings
 * name, so run it from the folder analyze ran in (or next to the findings).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edx/report.h"
#include "edx/common.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_report FINDINGS.json [RUNS]\n");
        return 64;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 20;
    if (runs < 1 || runs > 10000)
        runs = 20;
    json_error_t jerr;
    json_t *f = json_load_file(argv[1], 0, &jerr);
    edx_diags d;
    edx_diags_init(&d);
    rpt_config *cfg = NULL;
    if (!f || rpt_config_load(NULL, &d, &cfg) != EDX_OK) {
        fprintf(stderr, "bench_report: cannot load %s or the report configuration\n", argv[1]);
        json_decref(f);
        edx_diags_free(&d);
        return 1;
    }
    char dir[4096];
    const char *slash = strrchr(argv[1], '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - argv[1]) : 1, slash ? argv[1] : ".");
    rpt_options opt = {.is_deterministic = true, .findings_dir = dir};
    double *t = malloc((size_t)runs * sizeof *t);
    size_t size = 0;
    int rc = t ? EDX_OK : EDX_ERR_NOMEM;
    for (int i = 0; rc == EDX_OK && i < runs; i++) {
        unsigned char *pdf = NULL;
        double t0 = edx_monotonic_s();
        rc = rpt_render(cfg, f, &opt, &pdf, &size, &d);
        t[i] = edx_monotonic_s() - t0;
        free(pdf);
    }
    if (rc == EDX_OK) {
        qsort(t, (size_t)runs, sizeof *t, cmp_double);
        printf("report render: %d runs, min %.1f ms, median %.1f ms; PDF %zu bytes "
               "(targets: <= 300 ms, <= 2097152 bytes)\n",
               runs, t[0] * 1e3, t[runs / 2] * 1e3, size);
    } else {
        fprintf(stderr, "bench_report: rendering failed: %s\n", edx_strerror(rc));
    }
    free(t);
    rpt_config_free(cfg);
    json_decref(f);
    edx_diags_free(&d);
    return rc == EDX_OK ? 0 : 1;
}
