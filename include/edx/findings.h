/*
 * edx/findings.h - the findings file (shared spec findings-json.md,
 * man/edxreport-findings.5): everything the analysers found, as JSON built
 * with jansson. Units are in the key names; a value that could not be
 * measured is null with a reason in the item's warnings.
 *
 * This stage also runs the pipeline for one study: measure (ncs/, emg/),
 * compare (norms/), reason (classify/), write. The report and the batch read
 * what it returns; nothing here prints or writes files.
 */
#ifndef EDX_FINDINGS_H
#define EDX_FINDINGS_H

#include <jansson.h>
#include <stdbool.h>

#include "edx/ncs.h"
#include "edx/study.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FND_SCHEMA "edxreport-findings/1"

/* ---- the pipeline (src/findings/analyze.c) -------------------------------- */

typedef struct fnd_options {
    const char *template_dir; /* NULL: edx_find_template_dir() */
    /* A limb colder than the normal limits assume: false (default) = slowing
     * and prolonged latencies are not called abnormal; true = values are
     * corrected by the factors below before comparison (clinical.md 3.4). */
    bool correct_cold_limb;
    double cold_velocity_m_s_per_c; /* 0: 1.5 [S62] */
    double cold_latency_ms_per_c;   /* 0: 0.2 [S64] */
} fnd_options;

/* Loaded tables (conventions, normal limits, ...); immutable once open and
 * shared by every study of a run. */
typedef struct fnd_context fnd_context;

/* EDX_OK, EDX_ERR_CONFIG (a table is wrong: diagnostics say which),
 * EDX_ERR_NOT_FOUND (no template folder), EDX_ERR_NOMEM. */
int fnd_context_open(const fnd_options *opt, edx_diags *d, fnd_context **out);
void fnd_context_free(fnd_context *ctx); /* NULL is fine */
const conv_tables *fnd_context_tables(const fnd_context *ctx);
/* "normals.tsv <sha256 prefix>": names the normal-limits table in outputs. */
const char *fnd_context_norms_version(const fnd_context *ctx);

/* A file written beside the findings (a muscle's events.tsv). */
typedef struct fnd_attachment {
    char name[128];  /* file name, no folder: "R-tibialis-anterior.events.tsv" */
    char *data;
    size_t size;
} fnd_attachment;

typedef struct fnd_result {
    json_t *findings;        /* the whole findings object */
    fnd_attachment *attachments;
    size_t n_attachments;
} fnd_result;

/* Analyses one study. A measurement that fails becomes null with a reason in
 * the findings (never a failed study); errors are for memory and arguments.
 * EDX_OK, EDX_ERR_INVALID, EDX_ERR_NOMEM. */
int fnd_analyze_study(const fnd_context *ctx, const study *s, fnd_result *out, edx_diags *d);
void fnd_result_free(fnd_result *r); /* leaves it zeroed; NULL is fine */

/* The findings as the file holds them: UTF-8, two-space indent, keys in
 * insertion order, a final newline; identical findings give identical
 * bytes. The caller frees the string. NULL when out of memory. */
char *fnd_dump(const json_t *findings, size_t *size);

/* A stable, file-name-safe id of a study: "<patient code>-<YYYYMMDD>-<hhmmss>"
 * (letters, digits, '-', '_', '.'; the folder name when there is no code).
 * Returns the length needed, like snprintf. */
size_t fnd_study_id(const study *s, char *buf, size_t size);

/* ---- the parts (each a new reference) ---------------------------------------- */

/* One element of "nerve_conduction" for a measured motor or sensory test
 * (res NULL: a test that was not measured; reason goes into its warnings). */
json_t *fnd_nerve_json(const study_nerve_test *t, const ncs_nerve_result *res,
                       const char *reason);

/* The same for an F-wave test: the M response of the median sweep as its
 * site, and "fwave" (null when not measured). */
json_t *fnd_fwave_json(const study_nerve_test *t, const ncs_fwave_result *r);

/* "ncs_comparisons" from the measured "nerve_conduction" items
 * (src/findings/ncs_compare.c): median-ulnar/radial peak-latency
 * differences (D2-D5, ring, thumb, palmar, combined sensory index) per side
 * and side-to-side amplitude drops. A new array; NULL when out of memory. */
json_t *fnd_ncs_comparisons(const json_t *nerve_conduction);

/* "study" (id, patient, start, files with sha256) and "conditions". */
json_t *fnd_study_json(const study *s);
json_t *fnd_conditions_json(const study *s);

/* One element of "needle_emg" for a muscle (src/findings/needle_json.c);
 * may add an events.tsv attachment to out. */
json_t *fnd_muscle_json(const fnd_context *ctx, const study *s, const study_muscle *m,
                        fnd_result *out, edx_diags *d);

#ifdef __cplusplus
}
#endif
#endif /* EDX_FINDINGS_H */
