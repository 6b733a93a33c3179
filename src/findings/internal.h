/*
 * findings/internal.h - what the files of the findings stage share.
 */
#ifndef EDX_FINDINGS_INTERNAL_H
#define EDX_FINDINGS_INTERNAL_H

#include "edx/findings.h"
#include "edx/norms.h"

const norms_table *fnd_context_norms(const fnd_context *ctx);

/* v rounded to `decimals` places; the same as a JSON number, null when v is
 * not finite (json_num.c). */
double fnd_round(double v, int decimals);
json_t *fnd_num(double v, int decimals);

/* Appends a file to write beside the findings; takes ownership of data
 * (malloc'ed) on success, the caller keeps it on failure. EDX_OK or
 * EDX_ERR_NOMEM. */
int fnd_add_attachment(fnd_result *r, const char *name, char *data, size_t size);

/* The options the context was opened with (defaults filled in). */
const fnd_options *fnd_context_options(const fnd_context *ctx);

/* Adds "limits" and "flags" to one element of "nerve_conduction"
 * (ncs_limits.c). */
void fnd_apply_ncs_limits(const norms_table *norms, const fnd_options *opt, const study *s,
                          json_t *nerve);

#endif
