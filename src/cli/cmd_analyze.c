/*
 * cmd_analyze.c - "edxreport analyze": measure the studies found in the
 * given files or folders and print their findings. For now: nerve
 * conduction of motor and sensory tests (F-waves, needle EMG and the
 * interpretation follow with their analysers).
 */
#include <stdio.h>
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
            "usage: edxreport analyze [--json] FILE...|DIR...\n\n"
            "Measures each study (the files of one patient visit) and prints its findings:\n"
            "nerve conduction latencies, amplitudes, durations, areas and velocities. With\n"
            "--json, the findings as JSON (one object per study; an array when there are\n"
            "several). See edxreport(1).\n\n"
            "exit status: 0 analysed, 64 usage, 65 a study could not be analysed,\n"
            "66 no recordings, 78 tables unloadable\n");
}

static json_t *analyze_test(const study *s, const study_nerve_test *t, edx_diags *d)
{
    if (t->test == CONV_TEST_FWAVE)
        return fnd_nerve_json(t, NULL, "F-wave analysis is not implemented yet");
    if (t->test != CONV_TEST_MOTOR && t->test != CONV_TEST_SENSORY)
        return fnd_nerve_json(t, NULL, "unknown test: not measured");
    edf_file *f = NULL;
    if (edf_open(s->files[t->file].path, d, &f) != EDX_OK)
        return fnd_nerve_json(t, NULL, "the recording cannot be read");
    ncs_nerve_result res;
    int rc = ncs_measure_nerve(f, t, t->test == CONV_TEST_SENSORY, &res, d);
    edf_close(f);
    return rc == EDX_OK ? fnd_nerve_json(t, &res, NULL)
                        : fnd_nerve_json(t, NULL, edx_strerror(rc));
}

static json_t *analyze_study(const study *s)
{
    edx_diags d;
    edx_diags_init(&d);
    json_t *root = json_object(), *ncs = json_array();
    json_object_set_new(root, "schema", json_string("edxreport-findings/1"));
    json_object_set_new(root, "software",
                        json_pack("{s:s, s:s}", "name", "edxreport", "version", edx_version()));
    json_object_set_new(root, "study", fnd_study_json(s));
    json_object_set_new(root, "conditions", fnd_conditions_json(s));
    for (size_t i = 0; i < s->n_nerve_tests; i++) {
        edx_diags_clear(&d);
        json_array_append_new(ncs, analyze_test(s, &s->nerve_tests[i], &d));
    }
    json_object_set_new(root, "nerve_conduction", ncs);
    edx_diags_free(&d);
    return root;
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
    conv_tables *t = NULL;
    study_set *set = NULL;
    int rc = conv_tables_load(NULL, &d, &t);
    if (rc == EDX_OK)
        rc = study_group_paths(t, (const char *const *)paths.items, paths.count, &d, &set);
    if (rc == EDX_OK) {
        json_t *all = json_array();
        for (size_t i = 0; i < set->n_studies; i++) {
            json_t *f = analyze_study(&set->studies[i]);
            if (!json)
                print_text(f);
            json_array_append_new(all, f);
        }
        if (json) {
            json_t *out = json_array_size(all) == 1 ? json_array_get(all, 0) : all;
            json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            fputc('\n', stdout);
        }
        json_decref(all);
    }
    study_set_free(set);
    conv_tables_free(t);
    edx_diags_free(&d);
    cli_paths_free(&paths);
    if (rc == EDX_ERR_CONFIG) {
        fprintf(stderr, "edxreport analyze: the tables in the template folder cannot be loaded\n");
        return CLI_EX_CONFIG;
    }
    if (rc != EDX_OK) {
        fprintf(stderr, "edxreport analyze: %s\n", edx_strerror(rc));
        return CLI_EX_DATAERR;
    }
    return CLI_EX_OK;
}
