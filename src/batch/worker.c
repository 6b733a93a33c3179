/*
 * worker.c - what a worker process does with its study: hash the inputs,
 * skip the study when its last good run is current, else run the job, hash
 * what it wrote and record the run. The result goes back to the run's
 * process as one JSON object on a pipe (pool.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/internal.h"

int batch_job_add_output(batch_job_output *out, const char *name)
{
    if (out == NULL || name == NULL || name[0] == '\0' || strchr(name, '/') != NULL)
        return EDX_ERR_INVALID;
    if (out->n_names >= BATCH_MAX_OUTPUTS)
        return EDX_ERR_RANGE;
    char *copy = strdup(name);
    if (copy == NULL)
        return EDX_ERR_NOMEM;
    out->names[out->n_names++] = copy;
    return EDX_OK;
}

static void job_output_free(batch_job_output *out)
{
    for (size_t i = 0; i < out->n_names; i++)
        free(out->names[i]);
    out->n_names = 0;
}

static void set_failed(batch_entry *e, batch_status st, const char *reason)
{
    e->status = st;
    snprintf(e->reason, sizeof e->reason, "%s", reason);
}

/* Why a job that returned rc did not finish its study. */
static void job_failure(const batch_work *w, int rc, batch_job_output *out, batch_entry *e)
{
    batch_status st = out->status == BATCH_QUARANTINED ? BATCH_QUARANTINED : BATCH_FAILED;
    if (out->reason[0])
        set_failed(e, st, out->reason);
    else if (rc == EDX_ERR_NOMEM && w->opt->memory_limit_bytes > 0) {
        char why[128];
        snprintf(why, sizeof why, "out of memory (limit %llu MiB)",
                 (unsigned long long)(w->opt->memory_limit_bytes >> 20));
        set_failed(e, st, why);
    } else
        set_failed(e, st, edx_strerror(rc));
}

static void run_job(const batch_work *w, batch_entry *e, size_t study_index)
{
    batch_job_output out;
    memset(&out, 0, sizeof out);
    out.status = BATCH_FAILED;
    batch_job_input in = {&w->studies[study_index], e->id, w->opt->out_dir};
    int rc = w->opt->job(w->opt->job_user, &in, &out);
    char err[BATCH_REASON_MAX];
    if (rc != EDX_OK)
        job_failure(w, rc, &out, e);
    else if (out.n_names == 0)
        set_failed(e, BATCH_FAILED, "the job wrote no output");
    else if (batch_hash_outputs(w->opt->out_dir, out.names, out.n_names, e, err, sizeof err) !=
             EDX_OK)
        set_failed(e, BATCH_FAILED, err);
    else if (batch_state_write(w->state_dir, &w->key, e, err, sizeof err) != EDX_OK)
        set_failed(e, BATCH_FAILED, err);
    else
        e->status = BATCH_DONE;
    job_output_free(&out);
}

char *batch_worker_main(const batch_work *w, batch_entry *e, size_t study_index)
{
    e->reason[0] = '\0';
    if (batch_hash_inputs(e) != EDX_OK)
        e->status = BATCH_FAILED;
    else if (!w->opt->is_forced &&
             batch_state_is_current(w->state_dir, w->opt->out_dir, &w->key, e))
        e->status = BATCH_SKIPPED_UNCHANGED;
    else
        run_job(w, e, study_index);
    json_t *j = batch_entry_json(e);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return text;
}
