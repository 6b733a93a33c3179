/*
 * internal.h - what the files of the batch library share.
 */
#ifndef EDX_BATCH_INTERNAL_H
#define EDX_BATCH_INTERNAL_H

#include <jansson.h>
#include <signal.h>
#include <sys/types.h>

#include "edx/batch.h"

/* ---- scan.c ----------------------------------------------------------------- */

/* Appends a copy of text. EDX_OK or EDX_ERR_NOMEM. */
int batch_paths_push(batch_paths *p, const char *text);

/* ---- lock.c ---------------------------------------------------------------- */

typedef struct batch_lock {
    int fd;        /* -1 when not held */
    int stale_pid; /* the pid named in a lock that was taken over */
} batch_lock;

int batch_lock_acquire(const char *path, batch_lock *lk, char *msg, size_t msg_size);
void batch_lock_release(batch_lock *lk);

/* ---- state.c: the last good run of a study ---------------------------------- */

/* What identifies a run's outputs besides the study id. */
typedef struct batch_key {
    const char *software_version, *norms_version, *config_version;
} batch_key;

/* Hashes every input of e (e->inputs[].path set). EDX_OK or EDX_ERR_IO with
 * a reason in e->reason. */
int batch_hash_inputs(batch_entry *e);

/* Whether <state_dir>/<id>.json records a good run with the same inputs and
 * key, and every output it names is still there with its hash; fills
 * e->outputs from it when so. */
bool batch_state_is_current(const char *state_dir, const char *out_dir, const batch_key *key,
                            batch_entry *e);

/* Records a good run (after its outputs were written). */
int batch_state_write(const char *state_dir, const batch_key *key, const batch_entry *e,
                      char *err, size_t err_size);

/* Hashes the named outputs into e->outputs. */
int batch_hash_outputs(const char *out_dir, char *const *names, size_t n, batch_entry *e,
                       char *err, size_t err_size);

void batch_files_free(batch_file *f, size_t n);

/* ---- manifest.c -------------------------------------------------------------- */

/* One entry as the manifest (and the worker's report) holds it. */
json_t *batch_entry_json(const batch_entry *e);
/* The worker's report back into an entry (status, reason, inputs' hashes,
 * outputs). EDX_OK or EDX_ERR_FORMAT. */
int batch_entry_from_json(const json_t *j, batch_entry *e);

int batch_manifest_write(const char *path, const batch_options *opt, const batch_result *res,
                         time_t started, char *err, size_t err_size);

/* ---- pool.c: the worker processes ---------------------------------------------- */

/* What a worker does with its entry (in the child process). */
typedef struct batch_work {
    const batch_options *opt;
    const study *studies;   /* indexed by the entries' study index */
    const size_t *study_of; /* entry -> study index */
    const char *state_dir;
    batch_key key;
    batch_lock *lock;       /* closed in workers */
    int sig_fd;             /* signalfd of SIGINT, SIGTERM, SIGHUP, or -1 */
    bool has_old_mask;      /* workers restore old_mask */
    sigset_t old_mask;
} batch_work;

/* Runs entries[0..n) through a pool of opt->jobs workers, reporting each
 * finished one. EDX_OK, BATCH_ERR_INTERRUPTED (remaining entries failed
 * "interrupted"), EDX_ERR_IO (the pool itself could not start). */
int batch_pool_run(const batch_work *w, batch_entry *entries, size_t n, size_t done_before,
                   size_t total, char *msg, size_t msg_size);

/* The worker's side: hash, skip or run the job, record; the report as JSON
 * text. Exposed for the pool only. */
char *batch_worker_main(const batch_work *w, batch_entry *e, size_t study_index);

#endif /* EDX_BATCH_INTERNAL_H */
