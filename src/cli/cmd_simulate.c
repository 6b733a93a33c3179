/*
 * cmd_simulate.c - "edxreport simulate": write a simulated study with its
 * truth (include/edx/sim.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "edx/common.h"
#include "edx/sim.h"
#include "edx/study.h"

static void simulate_usage(FILE *out)
{
    fprintf(out, "usage: edxreport simulate --scenario NAME [--seed N] [--age Y] [--height CM]\n"
                 "                          [--temperature C] [--severity 0..1] [--mains 50|60]\n"
                 "                          [--nc-hum UV] [--rest S] [--gzip] -o DIR\n"
                 "       edxreport simulate --list\n\n"
                 "Writes one simulated patient study to DIR: nerve conduction as EDF+D, needle\n"
                 "EMG as EDF+C, truth.json and one truth.<muscle>.events.tsv per muscle. The\n"
                 "same options always give byte-identical files. See edxreport-truth(5).\n\n"
                 "  --scenario NAME   one of --list\n"
                 "  --seed N          random seed (default 1)\n"
                 "  --age Y           patient age, 18..95 (default: the scenario's)\n"
                 "  --height CM       height, 140..210\n"
                 "  --temperature C   limb temperature, 26..37\n"
                 "  --severity X      disease severity, 0..1\n"
                 "  --mains HZ        mains frequency, 50 or 60 (default 50)\n"
                 "  --nc-hum UV       mains hum in the nerve conduction recordings, 0..50 uV\n"
                 "                    (default 1)\n"
                 "  --rest S          rest per muscle in seconds, 30..120 (default 60)\n"
                 "  --gzip            write needle EMG as .edf.gz\n"
                 "  -o, --output DIR  output folder (created; its parent must exist)\n\n"
                 "exit status: 0 written, 64 usage, 73 cannot write, 78 tables unloadable\n");
}

static void list_scenarios(FILE *out)
{
    for (size_t i = 0; i < sim_scenario_count(); i++)
        fprintf(out, "%-30s %s\n", sim_scenario_name(i), sim_scenario_summary(i));
}

static int number_arg(const char *opt, const char *v, double *out)
{
    if (!v || edx_parse_double(v, strlen(v), out) != EDX_OK || !isfinite(*out)) {
        fprintf(stderr, "edxreport simulate: %s needs a number, not '%s'\n", opt, v ? v : "");
        return -1;
    }
    return 0;
}

/* Returns 0 to go on, 1 when done (help, list), or an exit status. */
static int parse_args(int argc, char **argv, sim_options *o, const char **out_dir)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        double x = 0;
        int64_t seed = 0;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            simulate_usage(stdout);
            return 1;
        } else if (!strcmp(a, "--version")) {
            cli_print_version(stdout);
            return 1;
        } else if (!strcmp(a, "--list")) {
            list_scenarios(stdout);
            return 1;
        } else if (!strcmp(a, "--gzip")) {
            o->gzip = true;
            continue;
        } else if (!v) {
            fprintf(stderr, "edxreport simulate: %s needs a value\n", a);
            return CLI_EX_USAGE;
        } else if (!strcmp(a, "--scenario")) {
            o->scenario = v;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            *out_dir = v;
        } else if (!strcmp(a, "--seed")) {
            if (edx_parse_int64(v, strlen(v), &seed) != EDX_OK || seed < 0) {
                fprintf(stderr, "edxreport simulate: --seed needs a whole number >= 0\n");
                return CLI_EX_USAGE;
            }
            o->seed = (uint64_t)seed;
        } else if (number_arg(a, v, &x) != 0) {
            return CLI_EX_USAGE;
        } else if (!strcmp(a, "--age")) {
            o->age_years = x;
        } else if (!strcmp(a, "--height")) {
            o->height_cm = x;
        } else if (!strcmp(a, "--temperature")) {
            o->temperature_c = x;
        } else if (!strcmp(a, "--severity")) {
            o->severity = x;
        } else if (!strcmp(a, "--rest")) {
            o->rest_s = x;
        } else if (!strcmp(a, "--mains")) {
            o->mains_hz = (int)x;
        } else if (!strcmp(a, "--nc-hum")) {
            o->nc_hum_uv = x;
        } else {
            fprintf(stderr, "edxreport simulate: unknown option '%s'\n", a);
            return CLI_EX_USAGE;
        }
        i++;
    }
    return 0;
}

static void print_diags(const edx_diags *d)
{
    for (size_t i = 0; i < d->count; i++)
        fprintf(stderr, "edxreport simulate: %s %s: %s\n",
                d->items[i].severity == EDX_SEV_ERROR ? "error" : "warning", d->items[i].code,
                d->items[i].message);
}

int cmd_simulate(int argc, char **argv)
{
    sim_options o;
    sim_options_init(&o);
    o.scenario = NULL;
    const char *out_dir = NULL;
    int rc = parse_args(argc, argv, &o, &out_dir);
    if (rc)
        return rc == 1 ? CLI_EX_OK : rc;
    if (!o.scenario || !out_dir) {
        fprintf(stderr, "edxreport simulate: --scenario and -o are required\n");
        simulate_usage(stderr);
        return CLI_EX_USAGE;
    }
    edx_diags d;
    edx_diags_init(&d);
    if (sim_options_check(&o, &d) != EDX_OK) {
        print_diags(&d);
        edx_diags_free(&d);
        return CLI_EX_USAGE;
    }
    conv_tables *t = NULL;
    if (conv_tables_load(NULL, &d, &t) != EDX_OK) {
        print_diags(&d);
        edx_diags_free(&d);
        return CLI_EX_CONFIG;
    }
    edx_diags_clear(&d);
    rc = sim_write_study(&o, t, out_dir, &d);
    print_diags(&d);
    edx_diags_free(&d);
    conv_tables_free(t);
    if (rc == EDX_OK)
        return CLI_EX_OK;
    return rc == EDX_ERR_INVALID ? CLI_EX_USAGE : rc == EDX_ERR_CONFIG ? CLI_EX_CONFIG
                                                                         : CLI_EX_CANTCREAT;
}
