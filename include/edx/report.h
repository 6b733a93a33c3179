/*
 * edx/report.h - the PDF report a neurologist reviews and signs, rendered
 * with libharu from the findings (findings-json.md) and the recordings the
 * findings name (for the traces). The report never recomputes a measurement:
 * every number it prints comes from the findings.
 */
#ifndef EDX_REPORT_H
#define EDX_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "edx/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* templates/report.ini: paper size, institution, logo, sign-off line. */
typedef struct rpt_config rpt_config;

/* path NULL: <template folder>/report.ini. EDX_OK, EDX_ERR_NOT_FOUND,
 * EDX_ERR_CONFIG (with a diagnostic naming the line), EDX_ERR_NOMEM. */
int rpt_config_load(const char *path, edx_diags *d, rpt_config **out);
void rpt_config_free(rpt_config *c); /* NULL is fine */

typedef struct rpt_options {
    /* Identical inputs give identical bytes: no clock time (the date of
     * SOURCE_DATE_EPOCH, else the study date), fixed document id. */
    bool is_deterministic;
    /* Where the findings file lies (NULL: the current folder). Recording
     * paths in study.files that do not open as given are tried relative to
     * it, for the traces. */
    const char *findings_dir;
} rpt_options;

/*
 * Renders the report of one study into memory (*pdf, *size; the caller frees
 * *pdf), so that the caller writes it whole or not at all. EDX_OK,
 * EDX_ERR_INVALID (findings not of schema edxreport-findings/1),
 * EDX_ERR_NOMEM, EDX_ERR_IO (a font or logo cannot be read).
 */
int rpt_render(const rpt_config *cfg, const json_t *findings, const rpt_options *opt,
               unsigned char **pdf, size_t *size, edx_diags *d);

#ifdef __cplusplus
}
#endif
#endif /* EDX_REPORT_H */
