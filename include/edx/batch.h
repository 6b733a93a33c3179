/*
 * edx/batch.h - the nightly batch: a folder of recordings in, one set of
 * outputs per study out, safe to rerun, safe to kill, safe to shard.
 *
 *   scan     every recording below the input folders (sorted, recursive)
 *   group    the files into studies (study_group_paths' rules); a file the
 *            reader cannot open is "quarantined" with the reader's reason
 *   select   the studies of this shard (stable hash of the study id)
 *   work     a pool of worker processes, one study per worker: the worker
 *            hashes the study's inputs, skips it when its last good run had
 *            the same inputs and versions, else runs the caller's job, hashes
 *            what the job wrote and records the run in the state folder;
 *            a worker that crashes, hangs past the time limit or runs out of
 *            memory makes its study "failed" with the reason, not the run
 *   manifest one JSON file per run (and shard) listing every input, status,
 *            output and duration, written whole or not at all
 *
 * The pipeline knows nothing of the batch: the caller passes the per-study
 * job as a callback (the program's job analyses and renders; tests inject
 * jobs that crash or hang). Nothing here prints; the caller gets one
 * callback per finished study and a summary.
 *
 * Output folder layout:
 *   <out>/<study-id>.*                        what the job wrote
 *   <out>/manifest.json                       the last run's manifest
 *   <out>/manifest-shard-K-of-N.json          ... of shard K of N
 *   <out>/.edxreport/state/<study-id>.json    the last good run of a study
 *   <out>/.edxreport/batch[-shard-K-of-N].lock  one run (of a shard) at a time
 */
#ifndef EDX_BATCH_H
#define EDX_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edx/common.h"
#include "edx/study.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Errors of batch_run beyond edx_err. */
enum {
    BATCH_ERR_LOCKED = -64,     /* another run (of this shard) holds the lock */
    BATCH_ERR_INTERRUPTED = -65 /* SIGINT, SIGTERM or SIGHUP stopped the run */
};

/* "another run holds the lock", ...; edx_strerror() for the others. */
const char *batch_strerror(int err);

/* ---- scanning (src/batch/scan.c) ------------------------------------------ */

typedef struct batch_paths {
    char **items;
    size_t count, capacity;
} batch_paths;

/* Names ending in .edf, .bdf, .edf.gz, .bdf.gz, in any case. */
bool batch_is_recording_name(const char *name);

/*
 * Adds a file as given, or every recording below a folder (recursive, hidden
 * entries skipped, each folder's entries in byte order). EDX_OK,
 * EDX_ERR_NOT_FOUND (the path does not exist), EDX_ERR_IO (a folder cannot be
 * read), EDX_ERR_NOMEM; err holds a sentence naming the path.
 */
int batch_scan_add(batch_paths *p, const char *path, char *err, size_t err_size);
void batch_paths_free(batch_paths *p); /* leaves it empty */

/* ---- shards (src/batch/scan.c) --------------------------------------------- */

typedef struct batch_shard {
    unsigned index; /* K: 0..count-1 */
    unsigned count; /* N: 1 (or 0) means every study */
} batch_shard;

/* "K/N" with 0 <= K < N <= 100000. EDX_OK or EDX_ERR_INVALID. */
int batch_shard_parse(const char *text, batch_shard *out);

/* FNV-1a 64 of the bytes of the id: the same on every machine and run. */
uint64_t batch_id_hash(const char *id);

/* Whether the shard owns an id (every id when count <= 1). */
bool batch_shard_owns(const batch_shard *s, const char *id);

/* ---- the per-study job ------------------------------------------------------ */

enum { BATCH_ID_MAX = 160, BATCH_REASON_MAX = 512, BATCH_MAX_OUTPUTS = 256 };

typedef enum batch_status {
    BATCH_DONE = 0,
    BATCH_SKIPPED_UNCHANGED,
    BATCH_FAILED,
    BATCH_QUARANTINED
} batch_status;

/* "done", "skipped-unchanged", "failed", "quarantined". */
const char *batch_status_name(batch_status s);

/* What a job is given (in the worker process). */
typedef struct batch_job_input {
    const study *study;
    const char *id;      /* file-name-safe, unique in the run */
    const char *out_dir; /* write here, whole or not at all */
} batch_job_input;

/* What a job reports: the names (no folder) of the files it wrote into
 * out_dir, and for a job that did not succeed, why. */
typedef struct batch_job_output {
    char *names[BATCH_MAX_OUTPUTS];
    size_t n_names;
    batch_status status; /* BATCH_DONE, BATCH_FAILED or BATCH_QUARANTINED */
    char reason[BATCH_REASON_MAX];
} batch_job_output;

/* Records a file the job wrote. EDX_OK, EDX_ERR_RANGE, EDX_ERR_NOMEM. */
int batch_job_add_output(batch_job_output *out, const char *name);

/*
 * Runs in a worker process of its own; may crash or hang without harm to the
 * run. Writes its files (edx_write_file_atomic) and names them with
 * batch_job_add_output. Returns EDX_OK when the study is done; otherwise
 * sets out->status (FAILED by default) and out->reason.
 */
typedef int (*batch_job_fn)(void *user, const batch_job_input *in, batch_job_output *out);

/* ---- the run ---------------------------------------------------------------- */

typedef struct batch_file {
    char *path;
    uint64_t size_bytes;
    char sha256[EDX_SHA256_HEX_SIZE]; /* "" when it could not be read */
} batch_file;

/* One line of the manifest: a study, or a quarantined file (id "", one
 * input). */
typedef struct batch_entry {
    char id[BATCH_ID_MAX];
    char *folder;            /* the study's folder; NULL for a quarantined file */
    batch_status status;
    char reason[BATCH_REASON_MAX]; /* failed: why; quarantined: the diagnostic */
    batch_file *inputs;
    size_t n_inputs;
    batch_file *outputs;     /* path is the name in the output folder */
    size_t n_outputs;
    double duration_s;       /* wall clock of its worker (0 for quarantined) */
    long max_rss_kb;         /* peak resident memory of its worker, 0 if unknown */
    int pid;                 /* of its worker, 0 when none ran */
} batch_entry;

/* Called in the run's process after each entry is final (done = 1..total). */
typedef void (*batch_progress_fn)(void *user, const batch_entry *e, size_t done, size_t total);

typedef struct batch_options {
    const char *const *inputs;   /* files or folders to scan */
    size_t n_inputs;
    const char *out_dir;         /* created if missing (its parent must exist) */
    const conv_tables *tables;   /* for grouping */
    unsigned jobs;               /* worker processes; 0: the online cores */
    double timeout_s;            /* per study; 0: none */
    uint64_t memory_limit_bytes; /* RLIMIT_AS of each worker; 0: none */
    bool is_forced;              /* redo studies even when unchanged */
    batch_shard shard;
    /* What makes outputs differ besides the inputs; a change redoes every
     * study. NULL is read as "". */
    const char *software_version;
    const char *norms_version;
    const char *config_version;  /* e.g. the report template's hash */
    batch_job_fn job;
    void *job_user;
    batch_progress_fn progress;
    void *progress_user;
    /* Block SIGINT, SIGTERM and SIGHUP during the run and read them from a
     * signalfd: the workers are killed, the manifest written, and
     * BATCH_ERR_INTERRUPTED returned. false: signals act as usual. */
    bool handles_signals;
} batch_options;

typedef struct batch_result {
    batch_entry *entries; /* studies in order, then quarantined files */
    size_t n_entries;
    size_t n_status[4];   /* by batch_status */
    size_t n_studies_total; /* studies found before the shard was applied */
    double duration_s;
    uint64_t input_bytes;   /* of the entries' inputs */
    long max_rss_kb;        /* largest worker */
    char manifest_path[4096];
    int stale_lock_pid;     /* a killed run's lock taken over, else 0 */
    char message[BATCH_REASON_MAX]; /* why batch_run failed */
} batch_result;

/*
 * Runs the batch. EDX_OK when every selected study was dealt with (some may
 * have failed: see n_status), EDX_ERR_NOT_FOUND (an input does not exist, cannot
 * be read or holds no recordings), EDX_ERR_IO (the output folder, the lock, the state
 * or the manifest cannot be written), BATCH_ERR_LOCKED, BATCH_ERR_INTERRUPTED
 * (the manifest is written with what was finished), EDX_ERR_INVALID,
 * EDX_ERR_NOMEM. res->message says what went wrong.
 */
int batch_run(const batch_options *opt, batch_result *res);
void batch_result_free(batch_result *res); /* leaves it zeroed */

/* The manifest file name in the output folder for a shard. */
void batch_manifest_name(const batch_shard *s, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* EDX_BATCH_H */
