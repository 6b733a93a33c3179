/*
 * run.c - batch_run: scan, group, quarantine what cannot be read, select the
 * shard's studies, lock the output folder, run the pool, write the manifest.
 */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch/internal.h"
#include "edx/edf.h"
#include "edx/findings.h"
#include "edx/common.h"

typedef struct run {
    batch_options opt;   /* the caller's, with jobs resolved */
    batch_result *res;
    batch_paths paths;
    study_set *set;
    size_t *study_of;    /* entry -> study index */
    size_t n_study_entries;
    char state_dir[4096];
    batch_lock lock;
    int sig_fd;
    bool has_old_mask;
    sigset_t old_mask;
} run;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(run *r, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->res->message, sizeof r->res->message, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- output folder --------------------------------------------------------------- */

static int make_dir(const char *path)
{
    if (mkdir(path, 0755) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && access(path, W_OK | X_OK) == 0)
            return EDX_OK;
        if (errno == 0)
            errno = ENOTDIR;
    }
    return EDX_ERR_IO;
}

static int prepare_output(run *r)
{
    char dir[4096];
    const char *out = r->opt.out_dir;
    if (make_dir(out) != EDX_OK)
        return fail(r, EDX_ERR_IO, "cannot write to the output folder %s: %s", out,
                    strerror(errno));
    snprintf(dir, sizeof dir, "%s/.edxreport", out);
    int n = snprintf(r->state_dir, sizeof r->state_dir, "%s/state", dir);
    if (n < 0 || (size_t)n >= sizeof r->state_dir)
        return fail(r, EDX_ERR_IO, "output folder name too long: %s", out);
    if (make_dir(dir) != EDX_OK || make_dir(r->state_dir) != EDX_OK)
        return fail(r, EDX_ERR_IO, "cannot create %s: %s", r->state_dir, strerror(errno));
    char lock[4096 + 64];
    if (r->opt.shard.count > 1)
        snprintf(lock, sizeof lock, "%s/batch-shard-%u-of-%u.lock", dir, r->opt.shard.index,
                 r->opt.shard.count);
    else
        snprintf(lock, sizeof lock, "%s/batch.lock", dir);
    int rc = batch_lock_acquire(lock, &r->lock, r->res->message, sizeof r->res->message);
    r->res->stale_lock_pid = r->lock.stale_pid;
    /* Temporary files of killed writers. Only when unsharded: shards on other
     * machines may be writing theirs, and their pids mean nothing here. */
    if (rc == EDX_OK && r->opt.shard.count <= 1) {
        (void)edx_atomic_sweep_stale(out, NULL);
        (void)edx_atomic_sweep_stale(r->state_dir, NULL);
    }
    return rc;
}

/* ---- signals ------------------------------------------------------------------------ */

static int block_signals(run *r)
{
    r->sig_fd = -1;
    if (!r->opt.handles_signals)
        return EDX_OK;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, &r->old_mask) != 0)
        return fail(r, EDX_ERR_IO, "cannot block signals: %s", strerror(errno));
    r->has_old_mask = true;
    r->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (r->sig_fd < 0)
        return fail(r, EDX_ERR_IO, "cannot watch signals: %s", strerror(errno));
    return EDX_OK;
}

/* Reads signals that came after the pool; true when there was one. */
static bool restore_signals(run *r)
{
    bool got = false;
    if (r->sig_fd >= 0) {
        struct signalfd_siginfo si;
        while (read(r->sig_fd, &si, sizeof si) == (ssize_t)sizeof si)
            got = true;
        close(r->sig_fd);
        r->sig_fd = -1;
    }
    if (r->has_old_mask)
        sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
    r->has_old_mask = false;
    return got;
}

/* ---- entries --------------------------------------------------------------------------- */

static batch_entry *new_entry(run *r)
{
    batch_result *res = r->res;
    if ((res->n_entries & (res->n_entries - 1)) == 0) { /* 0, 1, 2, 4, ...: grow */
        size_t cap = res->n_entries ? res->n_entries * 2 : 1;
        batch_entry *e = realloc(res->entries, cap * sizeof *e);
        size_t *of = realloc(r->study_of, cap * sizeof *of);
        if (e)
            res->entries = e;
        if (of)
            r->study_of = of;
        if (!e || !of)
            return NULL;
    }
    batch_entry *e = &res->entries[res->n_entries++];
    memset(e, 0, sizeof *e);
    return e;
}

static int set_inputs(batch_entry *e, const char *const *paths, size_t n)
{
    e->inputs = calloc(n ? n : 1, sizeof *e->inputs);
    if (e->inputs == NULL)
        return EDX_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        if ((e->inputs[e->n_inputs++].path = strdup(paths[i])) == NULL)
            return EDX_ERR_NOMEM;
    return EDX_OK;
}

/* A study id not yet taken by a study of the run, in any shard (studies are
 * in a stable order, so every shard names them alike): "<id>", else
 * "<id>_2", "<id>_3", ... Adds it to `taken`. */
static int unique_id(batch_paths *taken, const char *base, char *id, size_t size)
{
    snprintf(id, size, "%s", base);
    for (unsigned k = 2;; k++) {
        bool is_taken = false;
        for (size_t i = 0; i < taken->count && !is_taken; i++)
            is_taken = strcmp(taken->items[i], id) == 0;
        if (!is_taken)
            return batch_paths_push(taken, id);
        snprintf(id, size, "%.*s_%u", (int)(size - 12), base, k);
    }
}

/* The entry of one study of the shard. */
static int add_study(run *r, size_t index, const char *id)
{
    const study *s = &r->set->studies[index];
    const char **paths = calloc(s->n_files ? s->n_files : 1, sizeof *paths);
    batch_entry *e = paths ? new_entry(r) : NULL;
    if (e == NULL) {
        free(paths);
        return EDX_ERR_NOMEM;
    }
    r->study_of[r->res->n_entries - 1] = index;
    snprintf(e->id, sizeof e->id, "%s", id);
    for (size_t k = 0; k < s->n_files; k++)
        paths[k] = s->files[k].path;
    int rc = set_inputs(e, paths, s->n_files);
    free(paths);
    if (rc == EDX_OK && (e->folder = strdup(s->folder ? s->folder : "")) == NULL)
        rc = EDX_ERR_NOMEM;
    return rc;
}

static int add_studies(run *r)
{
    batch_paths taken = {0};
    int rc = EDX_OK;
    for (size_t i = 0; rc == EDX_OK && i < r->set->n_studies; i++) {
        char base[BATCH_ID_MAX], id[BATCH_ID_MAX];
        fnd_study_id(&r->set->studies[i], base, sizeof base);
        rc = unique_id(&taken, base, id, sizeof id);
        r->res->n_studies_total++;
        if (rc == EDX_OK && batch_shard_owns(&r->opt.shard, id))
            rc = add_study(r, i, id);
    }
    batch_paths_free(&taken);
    r->n_study_entries = r->res->n_entries;
    return rc == EDX_OK ? EDX_OK : fail(r, rc, "out of memory");
}

static int quarantine(run *r, const char *path, const char *why)
{
    if (!batch_shard_owns(&r->opt.shard, path))
        return EDX_OK;
    batch_entry *e = new_entry(r);
    if (e == NULL || set_inputs(e, &path, 1) != EDX_OK)
        return fail(r, EDX_ERR_NOMEM, "out of memory");
    e->status = BATCH_QUARANTINED;
    snprintf(e->reason, sizeof e->reason, "%s", why);
    (void)batch_hash_inputs(e);
    snprintf(e->reason, sizeof e->reason, "%s", why);
    return EDX_OK;
}

/* Diagnostics that say part of a file's data is missing: such a file is
 * quarantined rather than analysed as if it were whole. */
static const char *const missing_data_codes[] = {"EDF-RECORD-TRUNCATED", "EDF-RECORDS-MISSING",
                                                 "EDF-NO-RECORDS"};

/* Why the reader says a file must not be analysed ("" when it may be). */
static void quarantine_reason(int rc, const edx_diags *d, char *why, size_t size)
{
    why[0] = '\0';
    for (size_t i = 0; i < d->count && !why[0]; i++) {
        const edx_diag *x = &d->items[i];
        bool missing = false;
        for (size_t k = 0; k < sizeof missing_data_codes / sizeof *missing_data_codes; k++)
            missing = missing || strcmp(x->code, missing_data_codes[k]) == 0;
        if ((rc != EDX_OK && x->severity == EDX_SEV_ERROR) || missing)
            snprintf(why, size, "%s: %s", x->code, x->message);
    }
    if (rc != EDX_OK && !why[0])
        snprintf(why, size, "cannot be read: %s", edx_strerror(rc));
}

/* Groups the files into studies; files the reader cannot open, or finds
 * data missing from, are kept aside (with its diagnostic) to be
 * quarantined. */
static int group(run *r, batch_paths *bad, batch_paths *why)
{
    edx_diags d;
    edx_diags_init(&d);
    int rc = study_set_new(&r->set);
    for (size_t i = 0; rc == EDX_OK && i < r->paths.count; i++) {
        const char *path = r->paths.items[i];
        char reason[BATCH_REASON_MAX];
        edf_file *f = NULL;
        edx_diags_clear(&d);
        int orc = edf_open(path, &d, &f);
        if (orc == EDX_ERR_NOMEM)
            rc = orc;
        quarantine_reason(f ? orc : (orc ? orc : EDX_ERR_FORMAT), &d, reason, sizeof reason);
        if (rc == EDX_OK && reason[0]) {
            if (batch_paths_push(bad, path) != EDX_OK || batch_paths_push(why, reason) != EDX_OK)
                rc = EDX_ERR_NOMEM;
        } else if (rc == EDX_OK)
            rc = study_set_add_edf(r->set, r->opt.tables, path, f);
        edf_close(f);
    }
    edx_diags_free(&d);
    if (rc == EDX_OK)
        rc = study_set_finish(r->set);
    if (rc != EDX_OK)
        return fail(r, rc, "cannot group the recordings into studies: %s", edx_strerror(rc));
    return EDX_OK;
}

static int build_entries(run *r)
{
    batch_paths bad = {0}, why = {0};
    int rc = group(r, &bad, &why);
    if (rc == EDX_OK)
        rc = add_studies(r);
    for (size_t i = 0; rc == EDX_OK && i < bad.count && i < why.count; i++)
        rc = quarantine(r, bad.items[i], why.items[i]);
    batch_paths_free(&bad);
    batch_paths_free(&why);
    return rc;
}

static int scan(run *r)
{
    for (size_t i = 0; i < r->opt.n_inputs; i++) {
        char err[512];
        int rc = batch_scan_add(&r->paths, r->opt.inputs[i], err, sizeof err);
        if (rc != EDX_OK)
            return fail(r, rc == EDX_ERR_NOMEM ? rc : EDX_ERR_NOT_FOUND, "%s", err);
    }
    if (r->paths.count == 0)
        return fail(r, EDX_ERR_NOT_FOUND, "no recordings (*.edf, *.bdf, *.edf.gz, *.bdf.gz) in %s%s",
                    r->opt.n_inputs ? r->opt.inputs[0] : "the inputs",
                    r->opt.n_inputs > 1 ? " and the other inputs" : "");
    return EDX_OK;
}

/* ---- the run ----------------------------------------------------------------------------- */

static int work(run *r)
{
    batch_result *res = r->res;
    size_t q = 0;
    for (size_t i = r->n_study_entries; i < res->n_entries; i++)
        if (r->opt.progress)
            r->opt.progress(r->opt.progress_user, &res->entries[i], ++q, res->n_entries);
    batch_work w = {.opt = &r->opt, .studies = r->set->studies, .study_of = r->study_of,
                    .state_dir = r->state_dir,
                    .key = {r->opt.software_version, r->opt.norms_version, r->opt.config_version},
                    .lock = &r->lock, .sig_fd = r->sig_fd, .has_old_mask = r->has_old_mask,
                    .old_mask = r->old_mask};
    return batch_pool_run(&w, res->entries, r->n_study_entries, q, res->n_entries, res->message,
                          sizeof res->message);
}

static void tally(batch_result *res)
{
    memset(res->n_status, 0, sizeof res->n_status);
    res->input_bytes = 0;
    res->max_rss_kb = 0;
    for (size_t i = 0; i < res->n_entries; i++) {
        const batch_entry *e = &res->entries[i];
        res->n_status[e->status]++;
        for (size_t k = 0; k < e->n_inputs; k++)
            res->input_bytes += e->inputs[k].size_bytes;
        if (e->max_rss_kb > res->max_rss_kb)
            res->max_rss_kb = e->max_rss_kb;
    }
}

static int finish(run *r, int rc, double t0, time_t started)
{
    batch_result *res = r->res;
    if (restore_signals(r) && rc == EDX_OK)
        rc = BATCH_ERR_INTERRUPTED;
    if (rc == BATCH_ERR_INTERRUPTED)
        snprintf(res->message, sizeof res->message, "interrupted by a signal");
    res->duration_s = edx_monotonic_s() - t0;
    tally(res);
    char name[64], err[BATCH_REASON_MAX];
    batch_manifest_name(&r->opt.shard, name, sizeof name);
    snprintf(res->manifest_path, sizeof res->manifest_path, "%s/%s", r->opt.out_dir, name);
    int mrc = batch_manifest_write(res->manifest_path, &r->opt, res, started, err, sizeof err);
    if (mrc != EDX_OK && (rc == EDX_OK || rc == BATCH_ERR_INTERRUPTED)) {
        snprintf(res->message, sizeof res->message, "cannot write the manifest: %.400s", err);
        rc = EDX_ERR_IO;
    }
    return rc;
}

static int check_options(const batch_options *opt, batch_result *res)
{
    if (opt && opt->out_dir && opt->tables && opt->job && (opt->inputs || !opt->n_inputs))
        return EDX_OK;
    snprintf(res->message, sizeof res->message, "batch_run: missing output folder, tables or job");
    return EDX_ERR_INVALID;
}

int batch_run(const batch_options *opt, batch_result *res)
{
    if (res == NULL)
        return EDX_ERR_INVALID;
    memset(res, 0, sizeof *res);
    int rc = check_options(opt, res);
    if (rc != EDX_OK)
        return rc;
    double t0 = edx_monotonic_s();
    time_t started = time(NULL);
    run r = {.opt = *opt, .res = res, .lock = {.fd = -1}, .sig_fd = -1};
    if (r.opt.jobs == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        r.opt.jobs = n > 0 ? (unsigned)n : 1;
    }
    rc = scan(&r);
    /* signals are watched before the lock is taken: a SIGTERM in between
     * would otherwise end the run with the lock held and no manifest */
    if (rc == EDX_OK)
        rc = block_signals(&r);
    if (rc == EDX_OK)
        rc = prepare_output(&r);
    if (rc == EDX_OK)
        rc = build_entries(&r);
    if (rc == EDX_OK)
        rc = work(&r);
    if (rc == EDX_OK || rc == BATCH_ERR_INTERRUPTED)
        rc = finish(&r, rc, t0, started);
    else
        restore_signals(&r);
    batch_lock_release(&r.lock);
    batch_paths_free(&r.paths);
    study_set_free(r.set);
    free(r.study_of);
    return rc;
}

void batch_result_free(batch_result *res)
{
    if (res == NULL)
        return;
    for (size_t i = 0; i < res->n_entries; i++) {
        batch_files_free(res->entries[i].inputs, res->entries[i].n_inputs);
        batch_files_free(res->entries[i].outputs, res->entries[i].n_outputs);
        free(res->entries[i].folder);
    }
    free(res->entries);
    memset(res, 0, sizeof *res);
}
