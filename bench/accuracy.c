/*
 * accuracy.c - bench_accuracy: scores findings against simulated truth.
 *
 *   bench_accuracy [--json] STUDY_DIR...
 *
 * Each STUDY_DIR holds truth.json (edxreport simulate) and, once an analyser
 * has run, findings.json (edxreport analyze --json) with the events tables
 * it names. Prints one table (or, with --json, the same numbers as JSON);
 * the rules are in bench/README.md, "accuracy". Scoring lives in
 * accuracy_score.c, accuracy_events.c and accuracy_report.c.
 *
 * Exit status: 0 scored (whatever the scores), 64 usage, 66 a study without
 * a readable truth, 70 out of memory or output failed.
 */
#include <stdio.h>
#include <string.h>

#include "accuracy_score.h"

enum { EX_OK = 0, EX_USAGE = 64, EX_NOINPUT = 66, EX_SOFTWARE = 70 };

static void usage(FILE *out)
{
    fputs("usage: bench_accuracy [--json] STUDY_DIR...\n"
          "Scores each STUDY_DIR's findings.json against its truth.json and prints one\n"
          "table (bench/README.md, \"accuracy\"); --json prints the numbers as JSON.\n",
          out);
}

static int print_json(const acc_totals *t)
{
    json_t *j = acc_totals_json(t);
    if (!j)
        return EX_SOFTWARE;
    int rc = json_dumpf(j, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(j);
    return (rc || fputc('\n', stdout) == EOF) ? EX_SOFTWARE : EX_OK;
}

int main(int argc, char **argv)
{
    int first = 1;
    bool is_json = false;
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return EX_OK;
    }
    if (argc > 1 && !strcmp(argv[1], "--json")) {
        is_json = true;
        first = 2;
    }
    if (first >= argc || argv[first][0] == '-') {
        usage(stderr);
        return EX_USAGE;
    }
    acc_totals t;
    acc_totals_init(&t, stderr);
    int status = EX_OK;
    for (int i = first; i < argc && status == EX_OK; i++) {
        int rc = acc_add_study_dir(&t, argv[i]);
        status = rc == EDX_OK ? EX_OK : rc == EDX_ERR_NOMEM ? EX_SOFTWARE : EX_NOINPUT;
    }
    if (status == EX_OK)
        status = is_json ? print_json(&t) : acc_print_table(&t, stdout) ? EX_SOFTWARE : EX_OK;
    acc_totals_free(&t);
    if (status == EX_OK && fflush(stdout) != 0)
        status = EX_SOFTWARE;
    return status;
}
