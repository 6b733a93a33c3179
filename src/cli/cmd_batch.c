/*
 * cmd_batch.c - "edxreport batch": every study below a folder analysed and
 * reported, one worker process per study (src/batch/). This file wires the
 * real per-study job (findings, attachments, PDF), the log lines and the
 * exit status.
 *
 * Test-only hook: EDX_BATCH_TEST_FAULT="crash:<study-id>", "hang:<study-id>"
 * or "nomem:<study-id>" (comma-separated for several) makes the job of that
 * study crash (SIGSEGV), hang, or report an allocation failure, so that the
 * test suite can check that a bad study fails alone. It is read only when
 * set and has no other use.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "edx/batch.h"
#include "edx/common.h"
#include "edx/findings.h"
#include "edx/report.h"

static void batch_usage(FILE *out)
{
    fprintf(out,
            "usage: edxreport batch IN_DIR... -o OUT_DIR [--jobs N] [--timeout S]\n"
            "                       [--memory-limit MB] [--force] [--shard K/N]\n"
            "                       [--config REPORT.ini] [--quiet] [--log FILE]\n\n"
            "Scans IN_DIR recursively, groups the recordings into studies and writes for\n"
            "each study <study-id>.json (findings), <study-id>.pdf (report) and its event\n"
            "tables into OUT_DIR, each file whole or not at all, plus a run manifest\n"
            "(OUT_DIR/manifest.json). Every study runs in a worker process of its own: a\n"
            "study that crashes, hangs or runs out of memory fails alone. Studies whose\n"
            "inputs and versions are unchanged since their last good run are skipped.\n\n"
            "  -o, --output DIR     output folder (created; its parent must exist)\n"
            "  --jobs N             worker processes (default: the online cores)\n"
            "  --timeout S          time limit per study in seconds (default: none)\n"
            "  --memory-limit MB    address-space limit per worker (default: none)\n"
            "  --force              redo studies even when unchanged\n"
            "  --shard K/N          only the studies of shard K of N (0 <= K < N)\n"
            "  --config FILE        report.ini (default: the template folder's)\n"
            "  --quiet              no per-study lines, progress bar or summary\n"
            "  --log FILE           also append the log lines to FILE\n\n"
            "exit status: 0 all done, 1 finished but some studies failed or files were\n"
            "quarantined (listed), 64 usage, 66 no input, 73 cannot write the output,\n"
            "75 another run holds the output folder (or the run was interrupted),\n"
            "78 tables or report configuration unusable. See edxreport(1), BATCH.\n");
}

typedef struct batch_args {
    const char **inputs;
    size_t n_inputs;
    const char *out_dir, *config, *log_path;
    bool is_quiet;
    batch_options opt;
} batch_args;

/* ---- the per-study job (runs in a worker process) ------------------------------- */

typedef struct job_ctx {
    const fnd_context *fnd;
    const rpt_config *rpt;
    const char *fault; /* EDX_BATCH_TEST_FAULT, or NULL */
} job_ctx;

/* The test-only fault hook: does the study named in the hook misbehave? */
static int test_fault(const char *fault, const char *id)
{
    static const char *const kinds[] = {"crash:", "hang:", "nomem:"};
    size_t id_len = strlen(id);
    for (const char *p = fault; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        for (int k = 0; k < 3; k++) {
            size_t kl = strlen(kinds[k]);
            if (strncmp(p, kinds[k], kl) == 0 && strncmp(p + kl, id, id_len) == 0 &&
                (p[kl + id_len] == '\0' || p[kl + id_len] == ','))
                return k + 1;
        }
    return 0;
}

static int write_output(const batch_job_input *in, const char *name, const void *data,
                        size_t size, batch_job_output *out)
{
    char path[4096 + 256];
    snprintf(path, sizeof path, "%s/%s", in->out_dir, name);
    int rc = edx_write_file_atomic(path, data, size, out->reason, sizeof out->reason);
    if (rc == EDX_OK)
        rc = batch_job_add_output(out, name);
    return rc;
}

/* The findings name each muscle's events table ("events"); point them at the
 * file's name in the output folder. */
static void rename_events(json_t *findings, const char *from, const char *to)
{
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(findings, "needle_emg"), i, m) {
        const char *name = json_string_value(json_object_get(m, "events"));
        if (name && strcmp(name, from) == 0)
            json_object_set_new(m, "events", json_string(to));
    }
}

/* Attachments go beside the findings, named after the study's id in the run:
 * the pipeline names them after the study, but a second study with the same
 * id ("<id>_2") needs names of its own. The findings are changed to match. */
static int write_attachments(const batch_job_input *in, fnd_result *r, batch_job_output *out)
{
    char own[BATCH_ID_MAX]; /* the study's own id, without the run's "_2" */
    fnd_study_id(in->study, own, sizeof own);
    size_t own_len = strlen(own);
    for (size_t i = 0; i < r->n_attachments; i++) {
        const char *name = r->attachments[i].name;
        if (strncmp(name, own, own_len) == 0 && name[own_len] == '.')
            name += own_len + 1; /* already named after the study */
        char full[BATCH_ID_MAX + 160];
        snprintf(full, sizeof full, "%s.%s", in->id, name);
        int rc = write_output(in, full, r->attachments[i].data, r->attachments[i].size, out);
        if (rc != EDX_OK)
            return rc;
        rename_events(r->findings, r->attachments[i].name, full);
    }
    return EDX_OK;
}

static void first_error(const edx_diags *d, const char *what, int rc, char *buf, size_t size)
{
    for (size_t i = 0; i < d->count; i++)
        if (d->items[i].severity == EDX_SEV_ERROR) {
            snprintf(buf, size, "%s: %s: %s", what, d->items[i].code, d->items[i].message);
            return;
        }
    snprintf(buf, size, "%s: %s", what, edx_strerror(rc));
}

/* Attachments first (the report reads the events tables from the output
 * folder), then the PDF, then the findings. */
static int render_and_write(const job_ctx *ctx, const batch_job_input *in, fnd_result *r,
                            edx_diags *d, batch_job_output *out)
{
    unsigned char *pdf = NULL;
    size_t pdf_size = 0, json_size = 0;
    int rc = write_attachments(in, r, out);
    if (rc != EDX_OK)
        return rc;
    /* Deterministic: a rerun of unchanged inputs gives identical bytes; the
     * manifest records when the run happened. */
    rpt_options ro = {.is_deterministic = true, .findings_dir = in->out_dir};
    rc = rpt_render(ctx->rpt, r->findings, &ro, &pdf, &pdf_size, d);
    if (rc != EDX_OK) {
        first_error(d, "the report cannot be rendered", rc, out->reason, sizeof out->reason);
        return rc;
    }
    char *json = fnd_dump(r->findings, &json_size);
    char name[BATCH_ID_MAX + 8];
    if (json == NULL)
        rc = EDX_ERR_NOMEM;
    snprintf(name, sizeof name, "%s.pdf", in->id);
    if (rc == EDX_OK)
        rc = write_output(in, name, pdf, pdf_size, out);
    snprintf(name, sizeof name, "%s.json", in->id);
    if (rc == EDX_OK)
        rc = write_output(in, name, json, json_size, out);
    free(json);
    free(pdf);
    return rc;
}

static int study_job(void *user, const batch_job_input *in, batch_job_output *out)
{
    const job_ctx *ctx = user;
    switch (ctx->fault ? test_fault(ctx->fault, in->id) : 0) {
    case 1:
        raise(SIGSEGV);
        break;
    case 2:
        for (;;)
            pause();
    case 3:
        return EDX_ERR_NOMEM;
    default:
        break;
    }
    edx_diags d;
    edx_diags_init(&d);
    fnd_result r;
    int rc = fnd_analyze_study(ctx->fnd, in->study, &r, &d);
    if (rc != EDX_OK)
        first_error(&d, "the study cannot be analysed", rc, out->reason, sizeof out->reason);
    else {
        edx_diags_clear(&d);
        rc = render_and_write(ctx, in, &r, &d, out);
        fnd_result_free(&r);
    }
    edx_diags_free(&d);
    return rc;
}

/* ---- log lines ---------------------------------------------------------------------- */

typedef struct log_ctx {
    FILE *log;    /* --log FILE, or NULL */
    bool is_quiet;
    bool is_tty;  /* stderr is a terminal: progress bar */
    bool has_bar; /* a bar is on the last line of stderr */
} log_ctx;

static void timestamp(char *buf, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, size, "-");
}

static void emit(log_ctx *lg, const char *line)
{
    if (lg->log) {
        fputs(line, lg->log);
        fflush(lg->log);
    }
    if (lg->is_quiet)
        return;
    if (lg->has_bar)
        fputs("\r\033[K", stderr);
    lg->has_bar = false;
    fputs(line, stderr);
}

static void draw_bar(log_ctx *lg, size_t done, size_t total)
{
    if (!lg->is_tty || lg->is_quiet || total == 0)
        return;
    char bar[41];
    size_t fill = done * 40 / total;
    for (size_t i = 0; i < 40; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[40] = '\0';
    fprintf(stderr, "\r[%s] %zu/%zu", bar, done, total);
    lg->has_bar = true;
}

static void on_study(void *user, const batch_entry *e, size_t done, size_t total)
{
    log_ctx *lg = user;
    char when[32], secs[32], line[BATCH_REASON_MAX + 1024];
    timestamp(when, sizeof when);
    snprintf(line, sizeof line, "%s %s %s %s s%s%s\n", when,
             e->folder ? e->id : e->inputs[0].path, batch_status_name(e->status),
             edx_fmt_double(secs, sizeof secs, e->duration_s, 2), e->reason[0] ? ": " : "",
             e->reason);
    emit(lg, line);
    draw_bar(lg, done, total);
}

static void summary(log_ctx *lg, const batch_result *res, int rc)
{
    char when[32], secs[32], line[4096 + 512];
    timestamp(when, sizeof when);
    snprintf(line, sizeof line,
             "%s batch: %zu entries: %zu done, %zu skipped-unchanged, %zu failed, "
             "%zu quarantined in %s s%s%s\n",
             when, res->n_entries, res->n_status[BATCH_DONE],
             res->n_status[BATCH_SKIPPED_UNCHANGED], res->n_status[BATCH_FAILED],
             res->n_status[BATCH_QUARANTINED], edx_fmt_double(secs, sizeof secs, res->duration_s, 1),
             res->manifest_path[0] && (rc == EDX_OK || rc == BATCH_ERR_INTERRUPTED) ? "; manifest "
                                                                                    : "",
             res->manifest_path);
    bool quiet = lg->is_quiet;
    if (res->n_status[BATCH_FAILED] + res->n_status[BATCH_QUARANTINED] > 0)
        lg->is_quiet = false; /* what needs attention is always listed */
    for (size_t i = 0; i < res->n_entries; i++) {
        const batch_entry *e = &res->entries[i];
        if (e->status != BATCH_FAILED && e->status != BATCH_QUARANTINED)
            continue;
        char item[BATCH_REASON_MAX + 600];
        snprintf(item, sizeof item, "%s %s: %s\n", batch_status_name(e->status),
                 e->folder ? e->id : e->inputs[0].path, e->reason);
        emit(lg, item);
    }
    emit(lg, line);
    lg->is_quiet = quiet;
}

/* ---- options ------------------------------------------------------------------------ */

static int need_value(int argc, char **argv, int i)
{
    if (i + 1 < argc)
        return 0;
    fprintf(stderr, "edxreport batch: %s needs a value\n", argv[i]);
    return -1;
}

static int parse_number(const char *opt, const char *text, double min, double max, double *out)
{
    if (edx_parse_double(text, strlen(text), out) == EDX_OK && *out >= min && *out <= max)
        return 0;
    fprintf(stderr, "edxreport batch: %s wants a number from %g to %g, not '%s'\n", opt, min,
            max, text);
    return -1;
}

/* One option at argv[*i]; 1 when it was --help or --version. */
static int parse_option(batch_args *a, int argc, char **argv, int *i)
{
    const char *o = argv[*i];
    double v;
    if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
        batch_usage(stdout);
        return 1;
    } else if (!strcmp(o, "--version")) {
        cli_print_version(stdout);
        return 1;
    } else if (!strcmp(o, "--force")) {
        a->opt.is_forced = true;
    } else if (!strcmp(o, "--quiet") || !strcmp(o, "-q")) {
        a->is_quiet = true;
    } else if (o[0] != '-' || o[1] == '\0') {
        a->inputs[a->n_inputs++] = o;
    } else if (need_value(argc, argv, *i) != 0) {
        return -1;
    } else if (!strcmp(o, "-o") || !strcmp(o, "--output")) {
        a->out_dir = argv[++*i];
    } else if (!strcmp(o, "--config")) {
        a->config = argv[++*i];
    } else if (!strcmp(o, "--log")) {
        a->log_path = argv[++*i];
    } else if (!strcmp(o, "--jobs") || !strcmp(o, "-j")) {
        if (parse_number(o, argv[++*i], 1, 1024, &v) != 0 || v != (unsigned)v)
            return -1;
        a->opt.jobs = (unsigned)v;
    } else if (!strcmp(o, "--timeout")) {
        if (parse_number(o, argv[++*i], 0.001, 1e6, &v) != 0)
            return -1;
        a->opt.timeout_s = v;
    } else if (!strcmp(o, "--memory-limit")) {
        if (parse_number(o, argv[++*i], 16, 1 << 30, &v) != 0)
            return -1;
        a->opt.memory_limit_bytes = (uint64_t)v << 20;
    } else if (!strcmp(o, "--shard")) {
        if (batch_shard_parse(argv[++*i], &a->opt.shard) != EDX_OK) {
            fprintf(stderr, "edxreport batch: --shard wants K/N with 0 <= K < N, not '%s'\n",
                    argv[*i]);
            return -1;
        }
    } else {
        fprintf(stderr, "edxreport batch: unknown option '%s'\n", o);
        return -1;
    }
    return 0;
}

static int parse_args(batch_args *a, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        int rc = parse_option(a, argc, argv, &i);
        if (rc != 0)
            return rc;
    }
    if (a->n_inputs == 0 || a->out_dir == NULL) {
        fprintf(stderr, "edxreport batch: %s\n",
                a->n_inputs == 0 ? "no input folder given" : "no output folder given (-o DIR)");
        batch_usage(stderr);
        return -1;
    }
    return 0;
}

/* ---- the run ------------------------------------------------------------------------- */

/* "report.ini <sha256 prefix>": a changed report configuration redoes every
 * study. */
static void config_version(const char *config, char *buf, size_t size)
{
    char dir[4096], path[4096 + 16], hex[EDX_SHA256_HEX_SIZE] = "";
    if (config)
        snprintf(path, sizeof path, "%s", config);
    else if (edx_find_template_dir(dir, sizeof dir) == EDX_OK)
        snprintf(path, sizeof path, "%s/report.ini", dir);
    else
        path[0] = '\0';
    if (path[0] && edx_sha256_file(path, hex, NULL) == EDX_OK)
        snprintf(buf, size, "report.ini %.16s", hex);
    else
        snprintf(buf, size, "report.ini (none)");
}

static int exit_status(int rc, const batch_result *res)
{
    switch (rc) {
    case EDX_OK:
        return res->n_status[BATCH_FAILED] + res->n_status[BATCH_QUARANTINED] ? CLI_EX_FAILED
                                                                              : CLI_EX_OK;
    case EDX_ERR_NOT_FOUND: return CLI_EX_NOINPUT;
    case EDX_ERR_IO: return CLI_EX_CANTCREAT;
    case BATCH_ERR_LOCKED:
    case BATCH_ERR_INTERRUPTED: return CLI_EX_TEMPFAIL;
    case EDX_ERR_INVALID: return CLI_EX_USAGE;
    default: return CLI_EX_SOFTWARE;
    }
}

static int load_pipeline(const char *config, fnd_context **fnd, rpt_config **rpt)
{
    edx_diags d;
    edx_diags_init(&d);
    int rc = fnd_context_open(NULL, &d, fnd);
    if (rc == EDX_OK)
        rc = rpt_config_load(config, &d, rpt);
    for (size_t i = 0; rc != EDX_OK && i < d.count; i++)
        if (d.items[i].severity == EDX_SEV_ERROR)
            fprintf(stderr, "edxreport batch: %s: %s\n", d.items[i].code, d.items[i].message);
    edx_diags_free(&d);
    return rc;
}

static int run(batch_args *a, log_ctx *lg)
{
    fnd_context *fnd = NULL;
    rpt_config *rpt = NULL;
    if (load_pipeline(a->config, &fnd, &rpt) != EDX_OK) {
        fnd_context_free(fnd);
        fprintf(stderr, "edxreport batch: the tables or the report configuration cannot be "
                        "loaded\n");
        return CLI_EX_CONFIG;
    }
    char cfg_version[96];
    config_version(a->config, cfg_version, sizeof cfg_version);
    job_ctx job = {fnd, rpt, getenv("EDX_BATCH_TEST_FAULT")};
    batch_options *o = &a->opt;
    o->inputs = a->inputs;
    o->n_inputs = a->n_inputs;
    o->out_dir = a->out_dir;
    o->tables = fnd_context_tables(fnd);
    o->software_version = edx_version();
    o->norms_version = fnd_context_norms_version(fnd);
    o->config_version = cfg_version;
    o->job = study_job;
    o->job_user = &job;
    o->progress = on_study;
    o->progress_user = lg;
    o->handles_signals = true;
    batch_result res;
    int rc = batch_run(o, &res);
    if (res.stale_lock_pid)
        fprintf(stderr, "edxreport batch: took over the lock of pid %d, which is gone\n",
                res.stale_lock_pid);
    if (rc == EDX_OK || rc == BATCH_ERR_INTERRUPTED)
        summary(lg, &res, rc);
    if (rc != EDX_OK)
        fprintf(stderr, "edxreport batch: %s\n", res.message[0] ? res.message : batch_strerror(rc));
    int status = exit_status(rc, &res);
    batch_result_free(&res);
    rpt_config_free(rpt);
    fnd_context_free(fnd);
    return status;
}

int cmd_batch(int argc, char **argv)
{
    batch_args a;
    memset(&a, 0, sizeof a);
    a.inputs = calloc((size_t)argc, sizeof *a.inputs);
    if (a.inputs == NULL)
        return CLI_EX_SOFTWARE;
    int rc = parse_args(&a, argc, argv);
    if (rc != 0) {
        free(a.inputs);
        return rc > 0 ? CLI_EX_OK : CLI_EX_USAGE;
    }
    log_ctx lg = {.is_quiet = a.is_quiet, .is_tty = isatty(STDERR_FILENO) == 1};
    if (a.log_path && (lg.log = fopen(a.log_path, "a")) == NULL) {
        fprintf(stderr, "edxreport batch: cannot open the log %s\n", a.log_path);
        free(a.inputs);
        return CLI_EX_CANTCREAT;
    }
    int status = run(&a, &lg);
    if (lg.log)
        fclose(lg.log);
    free(a.inputs);
    return status;
}
