/*
 * nerve_json.c - the "nerve_conduction" part of
 * the findings file. Numbers are rounded to what the measurement supports
 * (latencies 0.01 ms, amplitudes 0.1 uV, velocities 0.1 m/s) and written by
 * jansson, which is independent of the locale.
 */
#include <math.h>
#include <stdio.h>

#include "edx/findings.h"
#include "findings/internal.h"

static json_t *strings(char (*items)[160], size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(items[i]));
    return a;
}

static json_t *site_json(const ncs_site_result *s)
{
    const ncs_response *r = &s->response;
    json_t *reported =
        s->has_reported ? json_pack("{s:o, s:o}", "latency_ms", fnd_num(s->reported_latency_ms, 2),
                                    "amplitude_uv", fnd_num(s->reported_amplitude_uv, 1))
                        : json_null();
    json_t *flags = json_array();
    if (r->is_absent)
        json_array_append_new(flags, json_string("absent"));
    json_t *j =
        json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:o, s:o, s:o}", "site",
                  s->site, "distance_cm", fnd_num(s->distance_cm, 1), "onset_latency_ms",
                  fnd_num(r->onset_latency_ms, 2), "peak_latency_ms",
                  fnd_num(r->peak_latency_ms, 2), "amplitude_uv", fnd_num(r->amplitude_uv, 1),
                  "peak_to_peak_uv", fnd_num(r->peak_to_peak_uv, 1), "duration_ms",
                  fnd_num(r->duration_ms, 2), "area_uv_ms", fnd_num(r->area_uv_ms, 1), "sweeps",
                  (int)s->n_sweeps, "sweeps_used", (int)s->n_used, "reported_by_system", reported,
                  "flags", flags, "warnings", strings((char(*)[160])s->warnings, s->n_warnings));
    json_object_set_new(j, "noise_uv", fnd_num(r->noise_uv, 2));
    return j;
}

static json_t *segment_json(const ncs_segment_result *g)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:[]}", "from", g->from, "to", g->to,
                     "velocity_m_s", fnd_num(g->velocity_m_s, 1), "amplitude_drop_pct",
                     fnd_num(g->amplitude_drop_pct, 1), "area_drop_pct",
                     fnd_num(g->area_drop_pct, 1), "duration_increase_pct",
                     fnd_num(g->duration_increase_pct, 1), "flags");
}

json_t *fnd_nerve_json(const study_nerve_test *t, const ncs_nerve_result *res,
                       const char *reason)
{
    char side[2] = {conv_side_name(t->side)[0], '\0'};
    json_t *sites = json_array(), *segs = json_array(), *warnings = json_array();
    for (size_t k = 0; res && k < res->n_sites; k++)
        json_array_append_new(sites, site_json(&res->sites[k]));
    for (size_t k = 0; res && k < res->n_segments; k++)
        json_array_append_new(segs, segment_json(&res->segments[k]));
    if (reason)
        json_array_append_new(warnings, json_string(reason));
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "nerve", t->nerve, "side", side,
                          "test", conv_test_name(t->test), "recording_site", t->recording_site,
                          "sites", sites, "segments", segs);
    json_object_set_new(j, "sensory_velocity_m_s",
                        res && t->test == CONV_TEST_SENSORY ? fnd_num(res->sensory_velocity_m_s, 1)
                                                            : json_null());
    json_object_set_new(j, "fwave", json_null());
    json_object_set_new(j, "warnings", warnings);
    return j;
}

static json_t *fwave_json(const ncs_fwave_result *r)
{
    json_t *lat = json_array();
    for (size_t i = 0; i < r->n_sweeps; i++)
        json_array_append_new(lat, fnd_num(r->latency_ms[i], 2));
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:o, s:o, s:o}", "min_latency_ms",
                     fnd_num(r->min_latency_ms, 2), "max_latency_ms", fnd_num(r->max_latency_ms, 2),
                     "mean_latency_ms", fnd_num(r->mean_latency_ms, 2), "persistence_pct",
                     fnd_num(r->persistence_pct, 1), "chronodispersion_ms",
                     fnd_num(r->chronodispersion_ms, 2), "sweeps", (int)r->n_sweeps, "f_waves",
                     (int)r->n_with_f, "window_from_ms", fnd_num(r->window_from_ms, 2), "noise_uv",
                     fnd_num(r->noise_uv, 1), "latencies_ms", lat);
}

json_t *fnd_fwave_json(const study_nerve_test *t, const ncs_fwave_result *r)
{
    json_t *j = fnd_nerve_json(t, NULL, NULL);
    if (r == NULL)
        return j;
    ncs_site_result m = {0};
    snprintf(m.site, sizeof m.site, "%s", t->n_sweeps ? t->sweeps[0].site : "");
    m.distance_cm = t->n_sweeps ? t->sweeps[0].distance_cm : NAN;
    m.n_sweeps = r->n_sweeps;
    m.n_used = r->n_sweeps;
    m.response = r->m_response;
    json_array_append_new(json_object_get(j, "sites"), site_json(&m));
    json_object_set_new(j, "fwave", r->n_sweeps >= 3 && !r->m_response.is_absent
                                        ? fwave_json(r)
                                        : json_null());
    json_object_set_new(j, "warnings", strings((char (*)[160])r->warnings, r->n_warnings));
    return j;
}
