/*
 * needle_json.c - one element of "needle_emg": the muscle, its region, the
 * rest analysed, and what the needle EMG analysers found.
 */
#include <math.h>

#include "edx/findings.h"
#include "findings/internal.h"

json_t *fnd_muscle_json(const fnd_context *ctx, const study *s, const study_muscle *m,
                        fnd_result *out, edx_diags *d)
{
    (void)ctx, (void)s, (void)out, (void)d;
    char side[2] = {conv_side_name(m->side)[0], '\0'};
    double rest_s = study_muscle_state_s(m, CONV_STATE_REST);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "muscle", m->muscle, "side", side,
                          "region", conv_region_name(m->region), "roots", m->roots, "nerve",
                          m->nerve);
    json_object_set_new(j, "rest_s", isfinite(rest_s) ? json_real(round(rest_s * 10) / 10)
                                                      : json_null());
    json_object_set_new(j, "spontaneous", json_null());
    json_object_set_new(j, "mup", json_null());
    json_object_set_new(j, "recruitment", json_null());
    json_object_set_new(j, "events", json_null());
    json_object_set_new(j, "warnings",
                        json_pack("[s]", "needle EMG analysis is not implemented yet"));
    return j;
}
