/*
 * analyze.c - the pipeline for one study: measure every nerve test and
 * muscle, compare with the normal limits, classify, and assemble the
 * findings object. Tables are loaded once into a context shared by every
 * study of a run; nothing here is global, prints or writes files.
 */
#include <stdlib.h>
#include <string.h>

#include "edx/classify.h"
#include "edx/edf.h"
#include "edx/findings.h"
#include "edx/norms.h"
#include "findings/internal.h"

struct fnd_context {
    fnd_options opt;
    conv_tables *tables;
    norms_table *norms;
    char norms_version[96];
};

static int norms_version(const char *dir, char *buf, size_t size)
{
    char path[4096 + 16], hex[EDX_SHA256_HEX_SIZE];
    snprintf(path, sizeof path, "%s/normals.tsv", dir);
    int rc = edx_sha256_file(path, hex, NULL);
    if (rc == EDX_OK)
        snprintf(buf, size, "normals.tsv %.12s", hex);
    return rc;
}

int fnd_context_open(const fnd_options *opt, edx_diags *d, fnd_context **out)
{
    *out = NULL;
    char dir[4096];
    if (opt && opt->template_dir)
        snprintf(dir, sizeof dir, "%s", opt->template_dir);
    else if (edx_find_template_dir(dir, sizeof dir) != EDX_OK)
        return EDX_ERR_NOT_FOUND;
    fnd_context *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return EDX_ERR_NOMEM;
    if (opt)
        ctx->opt = *opt;
    ctx->opt.template_dir = NULL; /* not kept: the caller's string */
    if (!(ctx->opt.cold_velocity_m_s_per_c > 0))
        ctx->opt.cold_velocity_m_s_per_c = 1.5; /* [S62] */
    if (!(ctx->opt.cold_latency_ms_per_c > 0))
        ctx->opt.cold_latency_ms_per_c = 0.2; /* [S64] */
    int rc = conv_tables_load(dir, d, &ctx->tables);
    if (rc == EDX_OK)
        rc = norms_table_load(dir, d, &ctx->norms);
    if (rc == EDX_OK && norms_version(dir, ctx->norms_version, sizeof ctx->norms_version) != EDX_OK)
        rc = EDX_ERR_CONFIG;
    if (rc != EDX_OK) {
        fnd_context_free(ctx);
        return rc;
    }
    *out = ctx;
    return EDX_OK;
}

void fnd_context_free(fnd_context *ctx)
{
    if (ctx == NULL)
        return;
    conv_tables_free(ctx->tables);
    norms_table_free(ctx->norms);
    free(ctx);
}

const conv_tables *fnd_context_tables(const fnd_context *ctx)
{
    return ctx->tables;
}

const norms_table *fnd_context_norms(const fnd_context *ctx)
{
    return ctx->norms;
}

const fnd_options *fnd_context_options(const fnd_context *ctx)
{
    return &ctx->opt;
}

const char *fnd_context_norms_version(const fnd_context *ctx)
{
    return ctx->norms_version;
}

static json_t *measure_test(const study *s, const study_nerve_test *t, edx_diags *d)
{
    if (t->test != CONV_TEST_MOTOR && t->test != CONV_TEST_SENSORY && t->test != CONV_TEST_FWAVE)
        return fnd_nerve_json(t, NULL, "unknown test: not measured");
    edf_file *f = NULL;
    if (edf_open(s->files[t->file].path, d, &f) != EDX_OK)
        return fnd_nerve_json(t, NULL, "the recording cannot be read");
    if (t->test == CONV_TEST_FWAVE) {
        ncs_fwave_result fw;
        int frc = ncs_measure_fwave(f, t, &fw, d);
        edf_close(f);
        return frc == EDX_OK ? fnd_fwave_json(t, &fw) : fnd_nerve_json(t, NULL, edx_strerror(frc));
    }
    ncs_nerve_result res;
    int rc = ncs_measure_nerve(f, t, t->test == CONV_TEST_SENSORY, &res, d);
    edf_close(f);
    return rc == EDX_OK ? fnd_nerve_json(t, &res, NULL)
                        : fnd_nerve_json(t, NULL, edx_strerror(rc));
}

static json_t *analyze_test(const fnd_context *ctx, const study *s, const study_nerve_test *t,
                            edx_diags *d)
{
    json_t *j = measure_test(s, t, d);
    if (j)
        fnd_apply_ncs_limits(ctx->norms, &ctx->opt, s, j);
    return j;
}

int fnd_analyze_study(const fnd_context *ctx, const study *s, fnd_result *out, edx_diags *d)
{
    if (ctx == NULL || s == NULL || out == NULL)
        return EDX_ERR_INVALID;
    memset(out, 0, sizeof *out);
    json_t *root = json_object(), *ncs = json_array(), *emg = json_array();
    if (root == NULL || ncs == NULL || emg == NULL) {
        json_decref(root), json_decref(ncs), json_decref(emg);
        return EDX_ERR_NOMEM;
    }
    out->findings = root;
    json_object_set_new(root, "schema", json_string(FND_SCHEMA));
    json_object_set_new(root, "software",
                        json_pack("{s:s, s:s, s:s}", "name", "edxreport", "version",
                                  edx_version(), "norms", ctx->norms_version));
    json_object_set_new(root, "study", fnd_study_json(s));
    json_object_set_new(root, "conditions", fnd_conditions_json(s));
    for (size_t i = 0; i < s->n_nerve_tests; i++)
        json_array_append_new(ncs, analyze_test(ctx, s, &s->nerve_tests[i], d));
    json_object_set_new(root, "nerve_conduction", ncs);
    json_t *cmp = fnd_ncs_comparisons(ncs);
    if (cmp == NULL)
        return EDX_ERR_NOMEM;
    json_object_set_new(root, "ncs_comparisons", cmp);
    for (size_t i = 0; i < s->n_muscles; i++)
        json_array_append_new(emg, fnd_muscle_json(ctx, s, &s->muscles[i], out, d));
    json_object_set_new(root, "needle_emg", emg);
    json_t *interp = cls_interpret(root);
    if (interp == NULL)
        return EDX_ERR_NOMEM;
    json_object_set_new(root, "interpretation", interp);
    return EDX_OK;
}

void fnd_result_free(fnd_result *r)
{
    if (r == NULL)
        return;
    json_decref(r->findings);
    for (size_t i = 0; i < r->n_attachments; i++)
        free(r->attachments[i].data);
    free(r->attachments);
    memset(r, 0, sizeof *r);
}

int fnd_add_attachment(fnd_result *r, const char *name, char *data, size_t size)
{
    fnd_attachment *a = realloc(r->attachments, (r->n_attachments + 1) * sizeof *a);
    if (a == NULL)
        return EDX_ERR_NOMEM;
    r->attachments = a;
    fnd_attachment *at = &a[r->n_attachments++];
    snprintf(at->name, sizeof at->name, "%s", name);
    at->data = data;
    at->size = size;
    return EDX_OK;
}

char *fnd_dump(const json_t *findings, size_t *size)
{
    char *text = json_dumps(findings, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    if (text == NULL)
        return NULL;
    size_t n = strlen(text);
    char *with_nl = realloc(text, n + 2);
    if (with_nl == NULL) {
        free(text);
        return NULL;
    }
    with_nl[n] = '\n';
    with_nl[n + 1] = '\0';
    if (size)
        *size = n + 1;
    return with_nl;
}
