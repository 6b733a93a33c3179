/*
 * cmd_report.c - "edxreport report": the PDF report of one study, from its
 * recordings (analysed first) or from a findings file written by
 * "edxreport analyze -o". The PDF is written whole or not at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "edx/common.h"
#include "edx/findings.h"
#include "edx/report.h"
#include "edx/study.h"

static void report_usage(FILE *out)
{
    fprintf(out,
            "usage: edxreport report [--deterministic] [--config REPORT.ini] -o REPORT.pdf\n"
            "                        STUDY_DIR|FINDINGS.json\n\n"
            "Writes the PDF report of one study: patient and study header, nerve conduction\n"
            "tables with normal limits, traces, needle EMG table and panels, summary and\n"
            "impression, for review and signature by a physician. The input is a folder of\n"
            "recordings (analysed first) or a findings file from 'edxreport analyze -o'.\n"
            "--deterministic (or SOURCE_DATE_EPOCH in the environment) makes identical\n"
            "inputs give byte-identical PDFs. --config defaults to report.ini in the\n"
            "template folder. See edxreport(1) and edxreport-report.ini(5).\n\n"
            "exit status: 0 written, 64 usage, 65 the study or findings cannot be used,\n"
            "66 no such input, 73 cannot write the output, 78 configuration or tables\n");
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Findings of the one study in a folder (or list of recordings). */
static int analyse_folder(const char *path, json_t **out, edx_diags *d)
{
    cli_paths paths = {0};
    if (cli_paths_add(&paths, path) != 0)
        return EDX_ERR_NOT_FOUND;
    fnd_context *ctx = NULL;
    study_set *set = NULL;
    int rc = paths.count ? fnd_context_open(NULL, d, &ctx) : EDX_ERR_NOT_FOUND;
    if (rc == EDX_OK)
        rc = study_group_paths(fnd_context_tables(ctx), (const char *const *)paths.items,
                               paths.count, d, &set);
    if (rc == EDX_OK && set->n_studies != 1) {
        fprintf(stderr, "edxreport report: %s holds %zu studies; a report needs exactly one\n",
                path, set->n_studies);
        rc = EDX_ERR_FORMAT;
    }
    if (rc == EDX_OK) {
        fnd_result r;
        rc = fnd_analyze_study(ctx, &set->studies[0], &r, d);
        if (rc == EDX_OK) {
            *out = json_incref(r.findings);
            fnd_result_free(&r);
        }
    }
    study_set_free(set);
    fnd_context_free(ctx);
    cli_paths_free(&paths);
    return rc;
}

static int load_findings(const char *path, json_t **out)
{
    json_error_t err;
    *out = json_load_file(path, 0, &err);
    if (!*out) {
        fprintf(stderr, "edxreport report: %s:%d: %s\n", path, err.line, err.text);
        return EDX_ERR_FORMAT;
    }
    return EDX_OK;
}

static void print_errors(const edx_diags *d)
{
    for (size_t i = 0; i < d->count; i++)
        if (d->items[i].severity == EDX_SEV_ERROR)
            fprintf(stderr, "edxreport report: %s: %s\n", d->items[i].code, d->items[i].message);
}

static int exit_status(int rc)
{
    switch (rc) {
    case EDX_OK: return CLI_EX_OK;
    case EDX_ERR_NOT_FOUND: return CLI_EX_NOINPUT;
    case EDX_ERR_CONFIG: return CLI_EX_CONFIG;
    case EDX_ERR_IO: return CLI_EX_CANTCREAT;
    default: return CLI_EX_DATAERR;
    }
}

static int run(const char *in, const char *out, const char *config, bool deterministic)
{
    edx_diags d;
    edx_diags_init(&d);
    rpt_config *cfg = NULL;
    json_t *findings = NULL;
    char findings_dir[4096] = "";
    int rc = rpt_config_load(config, &d, &cfg);
    if (rc != EDX_OK)
        rc = EDX_ERR_CONFIG;
    else if (is_dir(in))
        rc = analyse_folder(in, &findings, &d);
    else {
        const char *slash = strrchr(in, '/');
        snprintf(findings_dir, sizeof findings_dir, "%.*s", slash ? (int)(slash - in) : 1,
                 slash ? in : ".");
        rc = load_findings(in, &findings);
    }
    unsigned char *pdf = NULL;
    size_t size = 0;
    if (rc == EDX_OK) {
        rpt_options opt = {.is_deterministic = deterministic,
                           .findings_dir = findings_dir[0] ? findings_dir : NULL};
        rc = rpt_render(cfg, findings, &opt, &pdf, &size, &d);
        if (rc == EDX_ERR_IO)
            rc = EDX_ERR_FORMAT; /* a font or logo: not the output's fault */
    }
    if (rc == EDX_OK) {
        char err[512];
        if (edx_write_file_atomic(out, pdf, size, err, sizeof err) != EDX_OK) {
            fprintf(stderr, "edxreport report: %s\n", err);
            rc = EDX_ERR_IO;
        }
    }
    if (rc != EDX_OK && rc != EDX_ERR_IO)
        print_errors(&d);
    free(pdf);
    json_decref(findings);
    rpt_config_free(cfg);
    edx_diags_free(&d);
    return exit_status(rc);
}

int cmd_report(int argc, char **argv)
{
    const char *out = NULL, *in = NULL, *config = NULL;
    bool deterministic = getenv("SOURCE_DATE_EPOCH") != NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            report_usage(stdout);
            return CLI_EX_OK;
        } else if (!strcmp(argv[i], "--version")) {
            cli_print_version(stdout);
            return CLI_EX_OK;
        } else if (!strcmp(argv[i], "--deterministic")) {
            deterministic = true;
        } else if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output") ||
                   !strcmp(argv[i], "--config")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "edxreport report: %s needs a file name\n", argv[i]);
                return CLI_EX_USAGE;
            }
            *(argv[i][1] == '-' && argv[i][2] == 'c' ? &config : &out) = argv[i + 1];
            i++;
        } else if (argv[i][0] == '-' || in) {
            fprintf(stderr, "edxreport report: unexpected argument '%s'\n", argv[i]);
            report_usage(stderr);
            return CLI_EX_USAGE;
        } else {
            in = argv[i];
        }
    }
    if (!in || !out) {
        report_usage(stderr);
        return CLI_EX_USAGE;
    }
    struct stat st;
    if (stat(in, &st) != 0) {
        fprintf(stderr, "edxreport report: %s: no such file or folder\n", in);
        return CLI_EX_NOINPUT;
    }
    return run(in, out, config, deterministic);
}
