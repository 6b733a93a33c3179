/*
 * fuzz_study.c - one recording through the whole job of a night: grouped as
 * a study, measured (nerve conduction, F-waves, needle EMG at rest and in
 * contraction), interpreted, and its report rendered to PDF in memory.
 *
 * The study model refers to recordings by path, so the input is written to
 * a temporary file first (.bdf when it starts with BDF's 0xFF, .edf.gz when
 * with gzip's magic, .edf otherwise; in $TMPDIR, else /tmp) and removed
 * afterwards. The tables and the report layout are loaded for each input:
 * nothing outlives one call. Whatever the bytes, the job must end in
 * findings or in a diagnostic, never in a crash, a leak or undefined
 * behaviour (the targets build with AddressSanitizer and UBSan).
 */
#define _DEFAULT_SOURCE /* mkstemps */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edx/findings.h"
#include "edx/report.h"
#include "edx/study.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *suffix_for(const uint8_t *data, size_t size)
{
    if (size >= 1 && data[0] == 0xFF)
        return ".bdf";
    if (size >= 2 && data[0] == 0x1F && data[1] == 0x8B)
        return ".edf.gz";
    return ".edf";
}

/* The input as a file; 0 on success, its path in path. */
static int write_input(const uint8_t *data, size_t size, char *path, size_t cap)
{
    const char *dir = getenv("TMPDIR"), *suffix = suffix_for(data, size);
    int n = snprintf(path, cap, "%s/edx-fuzz-XXXXXX%s", dir && *dir ? dir : "/tmp", suffix);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    int fd = mkstemps(path, (int)strlen(suffix));
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    close(fd);
    if (done != size) {
        unlink(path);
        return -1;
    }
    return 0;
}

/* Findings and report of every study the file makes. */
static void run_job(const fnd_context *ctx, const rpt_config *rpt, const char *path, edx_diags *d)
{
    study_set *set = NULL;
    const char *paths[1] = {path};
    if (study_group_paths(fnd_context_tables(ctx), paths, 1, d, &set) != EDX_OK) {
        study_set_free(set);
        return;
    }
    for (size_t i = 0; i < set->n_studies; i++) {
        fnd_result r;
        if (fnd_analyze_study(ctx, &set->studies[i], &r, d) != EDX_OK)
            continue;
        size_t size = 0;
        free(fnd_dump(r.findings, &size));
        rpt_options opt = {true, NULL};
        unsigned char *pdf = NULL;
        if (rpt_render(rpt, r.findings, &opt, &pdf, &size, d) == EDX_OK)
            free(pdf);
        fnd_result_free(&r);
    }
    study_set_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4096];
    if (write_input(data, size, path, sizeof path) != 0)
        return 0;
    edx_diags d;
    edx_diags_init(&d);
    fnd_options fo = {NULL, false, 0, 0};
    fnd_context *ctx = NULL;
    rpt_config *rpt = NULL;
    if (fnd_context_open(&fo, &d, &ctx) == EDX_OK && rpt_config_load(NULL, &d, &rpt) == EDX_OK)
        run_job(ctx, rpt, path, &d);
    rpt_config_free(rpt);
    fnd_context_free(ctx);
    edx_diags_free(&d);
    unlink(path);
    return 0;
}
