/*
 * edx/findings.h - the findings file (shared spec findings-json.md,
 * man/edxreport-findings.5 once complete): everything the analysers found,
 * as JSON built with jansson. Units are in the key names; a value that could
 * not be measured is null with a reason in the item's warnings.
 */
#ifndef EDX_FINDINGS_H
#define EDX_FINDINGS_H

#include <jansson.h>

#include "edx/ncs.h"
#include "edx/study.h"

/* One element of "nerve_conduction" for a measured motor or sensory test
 * (res NULL: a test that was not measured, e.g. F-waves before their
 * analyser exists; reason goes into its warnings). New reference. */
json_t *fnd_nerve_json(const study_nerve_test *t, const ncs_nerve_result *res,
                       const char *reason);

/* "study" and "conditions" of a study (patient, start, files). */
json_t *fnd_study_json(const study *s);
json_t *fnd_conditions_json(const study *s);

#endif /* EDX_FINDINGS_H */
