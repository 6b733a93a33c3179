/*
 * manifest.c - the run manifest: one JSON document per run (and shard),
 * written whole or not at all, listing every input with its size and
 * sha256, each study's status, reason, outputs with their hashes and
 * duration, and the versions that shaped the outputs. man/edxreport.1
 * (BATCH) describes it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch/internal.h"

#define MANIFEST_SCHEMA "edxreport-batch-manifest/1"

static const char *const status_names[] = {"done", "skipped-unchanged", "failed", "quarantined"};

const char *batch_status_name(batch_status s)
{
    return (unsigned)s < 4 ? status_names[s] : "unknown";
}

static int status_from_name(const char *name, batch_status *out)
{
    for (int i = 0; name && i < 4; i++)
        if (strcmp(name, status_names[i]) == 0) {
            *out = (batch_status)i;
            return EDX_OK;
        }
    return EDX_ERR_FORMAT;
}

const char *batch_strerror(int err)
{
    switch (err) {
    case BATCH_ERR_LOCKED:
        return "another run holds the lock";
    case BATCH_ERR_INTERRUPTED:
        return "interrupted by a signal";
    default:
        return edx_strerror(err);
    }
}

void batch_manifest_name(const batch_shard *s, char *buf, size_t size)
{
    if (s == NULL || s->count <= 1)
        snprintf(buf, size, "manifest.json");
    else
        snprintf(buf, size, "manifest-shard-%u-of-%u.json", s->index, s->count);
}

static json_t *files_json(const batch_file *f, size_t n, const char *name_key)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:I, s:o}", name_key, f[i].path, "size_bytes",
                                           (json_int_t)f[i].size_bytes, "sha256",
                                           f[i].sha256[0] ? json_string(f[i].sha256) : json_null()));
    return a;
}

static json_int_t ms(double s)
{
    return (json_int_t)llround(s * 1000.0);
}

json_t *batch_entry_json(const batch_entry *e)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", e->id[0] ? json_string(e->id) : json_null());
    json_object_set_new(j, "folder", e->folder ? json_string(e->folder) : json_null());
    json_object_set_new(j, "status", json_string(batch_status_name(e->status)));
    json_object_set_new(j, "reason", e->reason[0] ? json_string(e->reason) : json_null());
    json_object_set_new(j, "duration_ms", json_integer(ms(e->duration_s)));
    json_object_set_new(j, "max_rss_kb", json_integer(e->max_rss_kb));
    json_object_set_new(j, "inputs", files_json(e->inputs, e->n_inputs, "path"));
    json_object_set_new(j, "outputs", files_json(e->outputs, e->n_outputs, "name"));
    return j;
}

static int files_from_json(const json_t *a, batch_file **out, size_t *n_out)
{
    size_t n = json_array_size(a);
    batch_file *f = calloc(n ? n : 1, sizeof *f);
    if (f == NULL)
        return EDX_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *x = json_array_get(a, i);
        const char *name = json_string_value(json_object_get(x, "name"));
        const char *sha = json_string_value(json_object_get(x, "sha256"));
        f[i].path = strdup(name ? name : "");
        f[i].size_bytes = (uint64_t)json_integer_value(json_object_get(x, "size_bytes"));
        snprintf(f[i].sha256, sizeof f[i].sha256, "%s", sha ? sha : "");
        if (f[i].path == NULL) {
            batch_files_free(f, n);
            return EDX_ERR_NOMEM;
        }
    }
    *out = f;
    *n_out = n;
    return EDX_OK;
}

int batch_entry_from_json(const json_t *j, batch_entry *e)
{
    batch_status st;
    if (!json_is_object(j) ||
        status_from_name(json_string_value(json_object_get(j, "status")), &st) != EDX_OK)
        return EDX_ERR_FORMAT;
    e->status = st;
    const char *reason = json_string_value(json_object_get(j, "reason"));
    snprintf(e->reason, sizeof e->reason, "%s", reason ? reason : "");
    const json_t *inputs = json_object_get(j, "inputs");
    for (size_t i = 0; i < e->n_inputs && i < json_array_size(inputs); i++) {
        const json_t *x = json_array_get(inputs, i);
        const char *sha = json_string_value(json_object_get(x, "sha256"));
        snprintf(e->inputs[i].sha256, sizeof e->inputs[i].sha256, "%s", sha ? sha : "");
        e->inputs[i].size_bytes = (uint64_t)json_integer_value(json_object_get(x, "size_bytes"));
    }
    batch_files_free(e->outputs, e->n_outputs);
    e->outputs = NULL;
    e->n_outputs = 0;
    return files_from_json(json_object_get(j, "outputs"), &e->outputs, &e->n_outputs);
}

static json_t *utc_time(time_t t)
{
    struct tm tm;
    char buf[32];
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return json_null();
    return json_string(buf);
}

static json_t *run_json(const batch_options *opt, const batch_result *res, time_t started)
{
    char shard[32];
    snprintf(shard, sizeof shard, "%u/%u", opt->shard.count > 1 ? opt->shard.index : 0,
             opt->shard.count > 1 ? opt->shard.count : 1);
    json_t *inputs = json_array();
    for (size_t i = 0; i < opt->n_inputs; i++)
        json_array_append_new(inputs, json_string(opt->inputs[i]));
    json_t *counts = json_object();
    for (int s = 0; s < 4; s++)
        json_object_set_new(counts, status_names[s], json_integer((json_int_t)res->n_status[s]));
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:i, s:o}", "schema",
                          MANIFEST_SCHEMA, "edxreport_version",
                          opt->software_version ? opt->software_version : "", "norms_version",
                          opt->norms_version ? opt->norms_version : "", "config_version",
                          opt->config_version ? opt->config_version : "", "inputs", inputs,
                          "output_dir", opt->out_dir, "shard", shard, "jobs", (int)opt->jobs,
                          "timeout_s", opt->timeout_s > 0 ? json_real(opt->timeout_s) : json_null());
    json_object_set_new(j, "forced", json_boolean(opt->is_forced));
    json_object_set_new(j, "started", utc_time(started));
    json_object_set_new(j, "finished", utc_time(time(NULL)));
    json_object_set_new(j, "duration_ms", json_integer(ms(res->duration_s)));
    json_object_set_new(j, "studies_found", json_integer((json_int_t)res->n_studies_total));
    json_object_set_new(j, "counts", counts);
    return j;
}

int batch_manifest_write(const char *path, const batch_options *opt, const batch_result *res,
                         time_t started, char *err, size_t err_size)
{
    json_t *j = run_json(opt, res, started);
    json_t *studies = json_array(), *quarantined = json_array();
    for (size_t i = 0; j && i < res->n_entries; i++) {
        const batch_entry *e = &res->entries[i];
        json_array_append_new(e->status == BATCH_QUARANTINED && e->folder == NULL ? quarantined
                                                                                  : studies,
                              batch_entry_json(e));
    }
    json_object_set_new(j, "studies", studies);
    json_object_set_new(j, "quarantined", quarantined);
    char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (text == NULL) {
        snprintf(err, err_size, "out of memory writing the manifest");
        return EDX_ERR_NOMEM;
    }
    size_t len = strlen(text);
    text[len] = '\0';
    char *with_nl = realloc(text, len + 2);
    if (with_nl == NULL) {
        free(text);
        snprintf(err, err_size, "out of memory writing the manifest");
        return EDX_ERR_NOMEM;
    }
    with_nl[len] = '\n';
    int rc = edx_write_file_atomic(path, with_nl, len + 1, err, err_size);
    free(with_nl);
    return rc;
}
