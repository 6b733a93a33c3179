/*
 * edx/classify.h - reason over the measurements of a study: which pattern
 * they are consistent with (normal, benign fasciculation, neuropathy and its
 * type, suspicious for motor neuron disease, radiculopathy, myopathy,
 * peripheral nerve hyperexcitability, indeterminate), with every rule that
 * was evaluated, whether it held and on what evidence (clinical.md 5).
 *
 * The input is the findings object as the measuring stages left it (the
 * "nerve_conduction" elements with their limits and flags, the
 * "needle_emg" elements); the output is its "interpretation". The rules are
 * small named functions in src/classify/, each citing its source.
 */
#ifndef EDX_CLASSIFY_H
#define EDX_CLASSIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "edx/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Minimum rest analysed per muscle for "no spontaneous activity" to count:
 * below it the muscle's rest is "too short" [E; the simulator's and the
 * usual 20-30 s per muscle, clinical.md 1.2]. */
#define CLS_MIN_REST_S 20.0

/*
 * The "interpretation" of findings (new reference): pattern, subtype,
 * regions_with_lmn_signs, regions_studied, secondary (other patterns found
 * alongside, e.g. a carpal tunnel in an MND study), evidence (every rule:
 * rule, holds, detail, source), limitations and statement. NULL only when
 * out of memory.
 */
json_t *cls_interpret(const json_t *findings);

#ifdef __cplusplus
}
#endif
#endif /* EDX_CLASSIFY_H */
