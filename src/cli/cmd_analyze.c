/*
 * cmd_analyze.c - "edxreport analyze": measure the studies found in the
 * given files or folders and print their findings. For now: nerve
 * conduction of motor and sensory tests (F-waves, needle EMG and the
 * interpretation follow with their analysers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "edx/common.h"
#include "edx/edf.h"
#include "edx/findings.h"
#include "edx/ncs.h"
#include "edx/study.h"

static void analyze_usage(FILE *out)
{
    fprintf(out,
            "usage: edxreport analyze [--json | -o FINDINGS.json] FILE...|DIR...\n\n"
            "Measures each study (the files of one patient visit) and prints its findings:\n"
            "nerve conduction (latencies, amplitudes, velocities, block, F-waves) against\n"
            "normal limits, with the median-ulnar/radial comparison studies and side-to-side\n"
            "amplitudes, needle EMG (spontaneous discharges, MUPs, recruitment) and the\n"
            "pattern they are consistent with, with its evidence. With\n"
            "--json, the findings as JSON (one object per study; an array when there are\n"
            "several). With -o, writes the findings file of one study (and its muscles'\n"
            "events.tsv files beside it), whole or not at all. See edxreport(1) and\n"
            "edxreport-findings(5).\n\n"
            "exit status: 0 analysed, 64 usage, 65 a study could not be analysed,\n"
            "66 no recordings, 73 cannot write the output, 78 tables unloadable\n");
}

/* The findings file at path, and its attachments beside it, each whole or
 * not at all. */
static int write_outputs(const char *path, const fnd_result *r)
{
    char err[512], dir[4096];
    size_t size = 0;
    char *text = fnd_dump(r->findings, &size);
    if (text == NULL)
        return EDX_ERR_NOMEM;
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    int rc = EDX_OK;
    for (size_t i = 0; rc == EDX_OK && i < r->n_attachments; i++) {
        char p[4096 + 160];
        snprintf(p, sizeof p, "%s/%s", dir, r->attachments[i].name);
        rc = edx_write_file_atomic(p, r->attachments[i].data, r->attachments[i].size, err,
                                   sizeof err);
    }
    if (rc == EDX_OK)
        rc = edx_write_file_atomic(path, text, size, err, sizeof err);
    free(text);
    if (rc != EDX_OK)
        fprintf(stderr, "edxreport analyze: %s\n", err);
    return rc == EDX_OK ? EDX_OK : EDX_ERR_IO;
}

static void print_text(const json_t *f)
{
    size_t i, k;
    json_t *n, *site;
    printf("study %s\n", json_string_value(json_object_get(json_object_get(f, "study"), "folder")));
    json_array_foreach(json_object_get(f, "nerve_conduction"), i, n) {
        printf("  %s %s %s, %s\n", json_string_value(json_object_get(n, "side")),
               json_string_value(json_object_get(n, "nerve")),
               json_string_value(json_object_get(n, "test")),
               json_string_value(json_object_get(n, "recording_site")));
        json_array_foreach(json_object_get(n, "sites"), k, site) {
            char lat[32] = "absent", amp[32] = "-";
            json_t *l = json_object_get(site, "onset_latency_ms"), *a = json_object_get(site, "amplitude_uv");
            if (json_is_number(l))
                edx_fmt_double(lat, sizeof lat, json_number_value(l), 2);
            if (json_is_number(a))
                edx_fmt_double(amp, sizeof amp, json_number_value(a), 1);
            printf("    %-20s onset %s ms, amplitude %s uV\n",
                   json_string_value(json_object_get(site, "site")), lat, amp);
        }
        json_array_foreach(json_object_get(n, "segments"), k, site) {
            char v[32] = "-";
            json_t *vel = json_object_get(site, "velocity_m_s");
            if (json_is_number(vel))
                edx_fmt_double(v, sizeof v, json_number_value(vel), 1);
            printf("    %s -> %s: %s m/s\n", json_string_value(json_object_get(site, "from")),
                   json_string_value(json_object_get(site, "to")), v);
        }
    }
}

int cmd_analyze(int argc, char **argv)
{
    bool json = false;
    const char *out_path = NULL;
    cli_paths paths = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            analyze_usage(stdout);
            cli_paths_free(&paths);
            return CLI_EX_OK;
        } else if (!strcmp(argv[i], "--version")) {
            cli_print_version(stdout);
            cli_paths_free(&paths);
            return CLI_EX_OK;
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "edxreport analyze: %s needs a file name\n", argv[i]);
                cli_paths_free(&paths);
                return CLI_EX_USAGE;
            }
            out_path = argv[++i];
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "edxreport analyze: unknown option '%s'\n", argv[i]);
            cli_paths_free(&paths);
            return CLI_EX_USAGE;
        } else if (cli_paths_add(&paths, argv[i]) != 0) {
            cli_paths_free(&paths);
            return CLI_EX_NOINPUT;
        }
    }
    if (paths.count == 0) {
        fprintf(stderr, "edxreport analyze: no recordings given or found\n");
        cli_paths_free(&paths);
        return argc > 1 ? CLI_EX_NOINPUT : CLI_EX_USAGE;
    }
    edx_diags d;
    edx_diags_init(&d);
    fnd_context *ctx = NULL;
    study_set *set = NULL;
    int rc = fnd_context_open(NULL, &d, &ctx);
    if (rc == EDX_OK)
        rc = study_group_paths(fnd_context_tables(ctx), (const char *const *)paths.items,
                               paths.count, &d, &set);
    if (rc == EDX_OK && out_path && set->n_studies != 1) {
        fprintf(stderr, "edxreport analyze: -o needs exactly one study, found %zu\n",
                set->n_studies);
        rc = EDX_ERR_INVALID;
    }
    json_t *all = json_array();
    for (size_t i = 0; rc == EDX_OK && i < set->n_studies; i++) {
        fnd_result r;
        rc = fnd_analyze_study(ctx, &set->studies[i], &r, &d);
        if (rc != EDX_OK)
            break;
        if (out_path)
            rc = write_outputs(out_path, &r);
        else if (!json)
            print_text(r.findings);
        json_array_append(all, r.findings);
        fnd_result_free(&r);
    }
    if (rc == EDX_OK && json && !out_path) {
        json_t *out = json_array_size(all) == 1 ? json_array_get(all, 0) : all;
        size_t size = 0;
        char *text = fnd_dump(out, &size);
        if (text)
            fwrite(text, 1, size, stdout);
        free(text);
    }
    json_decref(all);
    study_set_free(set);
    fnd_context_free(ctx);
    edx_diags_free(&d);
    cli_paths_free(&paths);
    if (rc == EDX_ERR_CONFIG) {
        fprintf(stderr, "edxreport analyze: the tables in the template folder cannot be loaded\n");
        return CLI_EX_CONFIG;
    }
    if (rc == EDX_ERR_IO)
        return CLI_EX_CANTCREAT;
    if (rc == EDX_ERR_INVALID)
        return CLI_EX_USAGE;
    if (rc != EDX_OK) {
        fprintf(stderr, "edxreport analyze: %s\n", edx_strerror(rc));
        return CLI_EX_DATAERR;
    }
    return CLI_EX_OK;
}
