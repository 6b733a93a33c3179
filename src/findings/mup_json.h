/*
 * findings/mup_json.h - the "mup" and "recruitment" parts of a needle_emg
 * element (shared spec findings-json.md), from a muscle's contraction epochs.
 */
#ifndef EDX_FINDINGS_MUP_JSON_H
#define EDX_FINDINGS_MUP_JSON_H

#include <jansson.h>

#include "edx/mup.h"
#include "edx/study.h"

/*
 * Reads the muscle's minimal, moderate and maximal contraction epochs from
 * its file, block by block, and runs the MUP analyser over them, removing
 * mains hum at mains_hz (found at rest: 50 or 60; 0: none found there, none
 * removed; NAN: not looked for at rest, so the analyser looks for it). *out is
 * NULL (EDX_OK) when there is nothing to analyse; the reason is appended to
 * `warnings` (a JSON array). EDX_ERR_NOMEM, EDX_ERR_INVALID.
 */
int fnd_mup_analyze_muscle(const study *s, const study_muscle *m, double mains_hz,
                           edx_diags *d, json_t *warnings, emg_mup_analyser **out);

/* "mup": the spec's keys plus count per epoch, limits, flags, stability,
 * satellites and warnings. NULL analyser or no MUP: JSON null. */
json_t *fnd_mup_json(const emg_mup_analyser *a, const emg_mup_summary *sum);

/* "recruitment": pattern, max_firing_hz, recruitment ratio and frequency,
 * interference pattern at maximal effort. JSON null without units. */
json_t *fnd_recruitment_json(const emg_mup_analyser *a, const emg_mup_summary *sum);

/*
 * Both for one muscle (mains_hz as for fnd_mup_analyze_muscle): analyse, compare with `normals` (NULL: loaded from
 * the template folder for this call), and set *mup and *recruitment (new
 * references, JSON null when not measured) with reasons in `warnings`.
 * EDX_OK or EDX_ERR_NOMEM.
 */
int fnd_mup_muscle_json(const study *s, const study_muscle *m, const emg_mup_normals *normals,
                        double mains_hz, edx_diags *d, json_t *warnings, json_t **mup,
                        json_t **recruitment);

#endif
