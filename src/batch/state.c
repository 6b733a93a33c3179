/*
 * state.c - the last good run of each study, so that a rerun skips what has
 * not changed.
 *
 * <out>/.edxreport/state/<id>.json is written (whole or not at all) by the
 * worker after every output of the study was written; it names the inputs
 * by sha256, the versions that shape the outputs, and the outputs with their
 * hashes. A study is unchanged when the same multiset of input hashes and the
 * same versions are recorded and every recorded output is still there with
 * its hash (a run killed between two outputs of a study, or an output edited
 * by hand, therefore redoes the study).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/internal.h"

#define STATE_SCHEMA "edxreport-batch-state/1"

void batch_files_free(batch_file *f, size_t n)
{
    for (size_t i = 0; f && i < n; i++)
        free(f[i].path);
    free(f);
}

int batch_hash_inputs(batch_entry *e)
{
    for (size_t i = 0; i < e->n_inputs; i++) {
        batch_file *f = &e->inputs[i];
        int rc = edx_sha256_file(f->path, f->sha256, &f->size_bytes);
        if (rc != EDX_OK) {
            f->sha256[0] = '\0';
            snprintf(e->reason, sizeof e->reason, "cannot read %s: %s", f->path,
                     edx_strerror(rc));
            return EDX_ERR_IO;
        }
    }
    return EDX_OK;
}

int batch_hash_outputs(const char *out_dir, char *const *names, size_t n, batch_entry *e,
                       char *err, size_t err_size)
{
    batch_file *f = calloc(n ? n : 1, sizeof *f);
    if (f == NULL)
        return EDX_ERR_NOMEM;
    int rc = EDX_OK;
    for (size_t i = 0; i < n && rc == EDX_OK; i++) {
        char path[4096 + 256];
        snprintf(path, sizeof path, "%s/%s", out_dir, names[i]);
        f[i].path = strdup(names[i]);
        if (f[i].path == NULL)
            rc = EDX_ERR_NOMEM;
        else if ((rc = edx_sha256_file(path, f[i].sha256, &f[i].size_bytes)) != EDX_OK)
            snprintf(err, err_size, "the job named output %s, which cannot be read: %s",
                     names[i], edx_strerror(rc));
    }
    if (rc != EDX_OK) {
        batch_files_free(f, n);
        return rc;
    }
    batch_files_free(e->outputs, e->n_outputs);
    e->outputs = f;
    e->n_outputs = n;
    return EDX_OK;
}

static int cmp_hex(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether the state's inputs are the entry's, by hash (order and paths do
 * not matter: a moved archive is unchanged). */
static bool same_inputs(const json_t *inputs, const batch_entry *e)
{
    size_t n = json_array_size(inputs);
    if (n != e->n_inputs || n == 0)
        return false;
    const char **a = calloc(n, sizeof *a), **b = calloc(n, sizeof *b);
    bool same = a && b;
    for (size_t i = 0; same && i < n; i++) {
        a[i] = json_string_value(json_object_get(json_array_get(inputs, i), "sha256"));
        b[i] = e->inputs[i].sha256;
        same = a[i] != NULL;
    }
    if (same) {
        qsort(a, n, sizeof *a, cmp_hex);
        qsort(b, n, sizeof *b, cmp_hex);
        for (size_t i = 0; same && i < n; i++)
            same = strcmp(a[i], b[i]) == 0;
    }
    free(a);
    free(b);
    return same;
}

static bool same_text(const json_t *state, const char *key, const char *want)
{
    const char *have = json_string_value(json_object_get(state, key));
    return have && strcmp(have, want ? want : "") == 0;
}

/* Every recorded output still there with its hash; fills e->outputs. */
static bool outputs_intact(const json_t *outputs, const char *out_dir, batch_entry *e)
{
    size_t n = json_array_size(outputs);
    char *names[BATCH_MAX_OUTPUTS];
    if (n == 0 || n > BATCH_MAX_OUTPUTS)
        return false;
    for (size_t i = 0; i < n; i++) {
        names[i] = (char *)json_string_value(json_object_get(json_array_get(outputs, i), "name"));
        if (names[i] == NULL || strchr(names[i], '/') != NULL)
            return false;
    }
    char err[256];
    if (batch_hash_outputs(out_dir, names, n, e, err, sizeof err) != EDX_OK)
        return false;
    for (size_t i = 0; i < n; i++) {
        const char *sha = json_string_value(json_object_get(json_array_get(outputs, i), "sha256"));
        if (sha == NULL || strcmp(sha, e->outputs[i].sha256) != 0)
            return false;
    }
    return true;
}

static void state_path(const char *state_dir, const char *id, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s.json", state_dir, id);
}

bool batch_state_is_current(const char *state_dir, const char *out_dir, const batch_key *key,
                            batch_entry *e)
{
    char path[4096 + 256];
    state_path(state_dir, e->id, path, sizeof path);
    json_t *state = json_load_file(path, 0, NULL);
    bool current = state && same_text(state, "schema", STATE_SCHEMA) &&
                   same_text(state, "edxreport_version", key->software_version) &&
                   same_text(state, "norms_version", key->norms_version) &&
                   same_text(state, "config_version", key->config_version) &&
                   same_inputs(json_object_get(state, "inputs"), e) &&
                   outputs_intact(json_object_get(state, "outputs"), out_dir, e);
    if (!current) {
        batch_files_free(e->outputs, e->n_outputs);
        e->outputs = NULL;
        e->n_outputs = 0;
    }
    json_decref(state);
    return current;
}

static json_t *files_json(const batch_file *f, size_t n, const char *name_key)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:I, s:s}", name_key, f[i].path, "size_bytes",
                                           (json_int_t)f[i].size_bytes, "sha256", f[i].sha256));
    return a;
}

int batch_state_write(const char *state_dir, const batch_key *key, const batch_entry *e,
                      char *err, size_t err_size)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "schema", STATE_SCHEMA, "id",
                          e->id, "edxreport_version", key->software_version ? key->software_version : "",
                          "norms_version", key->norms_version ? key->norms_version : "",
                          "config_version", key->config_version ? key->config_version : "",
                          "inputs", files_json(e->inputs, e->n_inputs, "path"), "outputs",
                          files_json(e->outputs, e->n_outputs, "name"));
    char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (text == NULL) {
        snprintf(err, err_size, "out of memory writing the state of %s", e->id);
        return EDX_ERR_NOMEM;
    }
    char path[4096 + 256];
    state_path(state_dir, e->id, path, sizeof path);
    int rc = edx_write_file_atomic(path, text, strlen(text), err, err_size);
    free(text);
    return rc;
}
