/*
 * needle_json.c - one element of "needle_emg": the muscle, its region, the
 * rest analysed, the spontaneous activity found there (src/emg/), the motor
 * unit potentials and recruitment (src/emg/mup/ through mup_json.c), and the
 * muscle's events table as an attachment beside the findings.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edx/emg.h"
#include "edx/findings.h"
#include "findings/internal.h"
#include "findings/mup_json.h"

/* Numbers rounded for the file; NAN and infinities become null. */
static json_t *per_min(size_t n, double rest_s)
{
    return rest_s > 0 ? fnd_num((double)n * 60.0 / rest_s, 1) : json_null();
}

static json_t *kind_json(const emg_spont_result *r, emg_type t)
{
    return json_pack("{s:I, s:I, s:o}", "trains", (json_int_t)r->count[t].trains, "discharges",
                     (json_int_t)r->count[t].discharges, "per_min",
                     per_min(r->count[t].discharges, r->rest_s));
}

/* The fasciculating units: the trains with discharges classified as
 * fasciculations, each with how many (per-unit rates and the muscle's rate
 * are kept apart: clinical.md 1.4). A train's other discharges (end-plate
 * spikes or unclassified amid irregular activity) are not counted here, so
 * the list adds up to the muscle's "discharges". NULL without memory. */
static json_t *fasc_units_json(const emg_spont_result *r)
{
    size_t *n_fasc = calloc(r->n_trains + 1, sizeof *n_fasc);
    json_t *a = n_fasc ? json_array() : NULL;
    for (size_t i = 0; a && i < r->n_events; i++)
        if (r->events[i].type == EMG_FASCICULATION && r->events[i].unit >= 1 &&
            r->events[i].unit <= r->n_trains)
            n_fasc[r->events[i].unit - 1]++;
    for (size_t k = 0; a && k < r->n_trains; k++) {
        const emg_train *t = &r->trains[k];
        if (!n_fasc[k])
            continue;
        json_array_append_new(
            a, json_pack("{s:I, s:i, s:I, s:o, s:o, s:o, s:i, s:b, s:i}", "unit",
                         (json_int_t)t->unit, "site", (int)t->site, "discharges",
                         (json_int_t)n_fasc[k], "amplitude_uv", fnd_num(t->shape.amplitude_uv, 1),
                         "duration_ms", fnd_num(t->shape.duration_ms, 2), "first_s",
                         fnd_num(t->first_s, 3), "phases", t->shape.phases, "is_complex",
                         t->shape.phases >= 5, "doublets", t->doublets));
    }
    free(n_fasc);
    return a;
}

static json_t *fasc_json(const emg_spont_result *r)
{
    const emg_type_count *c = &r->count[EMG_FASCICULATION];
    return json_pack("{s:I, s:I, s:o, s:o, s:I, s:I, s:o}", "units", (json_int_t)r->fasc_units,
                     "discharges", (json_int_t)c->discharges, "per_min",
                     per_min(c->discharges, r->rest_s), "complex_pct",
                     fnd_num(r->fasc_complex_pct, 1), "isolated", (json_int_t)r->fasc_isolated,
                     "doublets", (json_int_t)r->doublets, "unit_list", fasc_units_json(r));
}

/* Trains of three discharges or more: timing and mean waveform (the basis
 * of each classification, for the reader to check). */
static json_t *trains_json(const emg_spont_result *r)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < r->n_trains; k++) {
        const emg_train *t = &r->trains[k];
        if (t->n < 3)
            continue;
        json_t *o =
            json_pack("{s:I, s:s, s:i, s:I, s:o, s:o}", "unit", (json_int_t)t->unit, "type",
                      emg_type_name(t->type), "site", (int)t->site, "discharges", (json_int_t)t->n,
                      "first_s", fnd_num(t->first_s, 3), "last_s", fnd_num(t->last_s, 3));
        json_object_set_new(o, "rate_hz", fnd_num(t->rate_hz, 2));
        json_object_set_new(o, "interval_cv", fnd_num(t->interval_cv, 3));
        json_object_set_new(o, "regular_pct", fnd_num(100.0 * t->regular_fraction, 1));
        json_object_set_new(o, "min_interval_ms", fnd_num(t->min_interval_ms, 1));
        json_object_set_new(o, "rate_trend", fnd_num(t->rate_trend, 2));
        json_object_set_new(o, "rate_swing", fnd_num(t->rate_swing, 2));
        json_object_set_new(o, "amplitude_swing", fnd_num(t->amp_swing, 2));
        json_object_set_new(o, "bursts", json_integer(t->n_bursts));
        json_object_set_new(o, "amplitude_uv", fnd_num(t->shape.amplitude_uv, 1));
        json_object_set_new(o, "duration_ms", fnd_num(t->shape.duration_ms, 2));
        json_object_set_new(o, "phases", json_integer(t->shape.phases));
        json_object_set_new(o, "turns", json_integer(t->shape.turns));
        int fp = t->shape.first_polarity;
        json_object_set_new(o, "first_polarity",
                            json_string(fp > 0 ? "positive" : fp < 0 ? "negative" : ""));
        json_object_set_new(o, "largest_polarity",
                            json_string(t->shape.main_sign > 0 ? "positive" : "negative"));
        json_object_set_new(o, "after_peak_ms", fnd_num(t->shape.after_peak_ms, 2));
        json_object_set_new(o, "rise_time_ms", fnd_num(t->shape.rise_time_ms, 2));
        json_object_set_new(o, "area_uv_ms", fnd_num(t->shape.area_uv_ms, 1));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *grade_json(int grade)
{
    static const char *const names[] = {"0", "1+", "2+", "3+", "4+"};
    return grade >= 0 && grade <= 4 ? json_string(names[grade]) : json_null();
}

static json_t *spontaneous_json(const emg_spont_result *r)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    json_object_set_new(j, "fibrillation", kind_json(r, EMG_FIBRILLATION));
    json_object_set_new(j, "positive_sharp_wave", kind_json(r, EMG_PSW));
    json_object_set_new(j, "fasciculation", fasc_json(r));
    json_object_set_new(j, "complex_repetitive", kind_json(r, EMG_CRD));
    json_object_set_new(j, "myotonic", kind_json(r, EMG_MYOTONIC));
    json_object_set_new(j, "myokymic", kind_json(r, EMG_MYOKYMIC));
    json_object_set_new(j, "neuromyotonic", kind_json(r, EMG_NEUROMYOTONIC));
    json_object_set_new(j, "end_plate", kind_json(r, EMG_END_PLATE));
    json_object_set_new(j, "unclassified",
                        json_pack("{s:I}", "discharges",
                                  (json_int_t)r->count[EMG_UNCLASSIFIED].discharges));
    json_object_set_new(j, "fib_psw_grade", grade_json(r->fib_psw_grade));
    json_object_set_new(j, "fib_psw_sites",
                        r->fib_psw_grade >= 0
                            ? json_pack("{s:I, s:I}", "positive", (json_int_t)r->n_sites_positive,
                                        "sampled", (json_int_t)r->n_sites)
                            : json_null());
    json_object_set_new(j, "noise_uv", fnd_num(r->noise_uv, 1));
    json_object_set_new(j, "mains_hz", r->mains_hz > 0 ? json_integer((json_int_t)r->mains_hz)
                                                       : json_null());
    json_object_set_new(j, "mains_uv", r->mains_hz > 0 ? fnd_num(r->mains_uv, 1) : json_null());
    json_object_set_new(j, "analysis_rate_hz", fnd_num(r->sample_rate_hz, 0));
    json_object_set_new(j, "rest_automatic", json_boolean(r->is_rest_automatic));
    json_object_set_new(j, "trains", trains_json(r));
    return j;
}

/* "<study id>.R-tibialis-anterior.events.tsv": the study id (so that the
 * tables of several studies can share an output folder), the side, then the
 * name with '-' for anything but letters and digits. */
static void events_name(const study *s, const study_muscle *m, char *buf, size_t size)
{
    const char *side = conv_side_name(m->side);
    char id[96];
    fnd_study_id(s, id, sizeof id);
    size_t n = (size_t)snprintf(buf, size, "%s.%s%s", id, side, side[0] ? "-" : "");
    for (const char *p = m->muscle; *p && n + 1 < size; p++)
        buf[n++] = isalnum((unsigned char)*p) ? *p : '-';
    snprintf(buf + (n < size ? n : size - 1), size - (n < size ? n : size - 1), ".events.tsv");
}

/* Runs the analyser; fills spontaneous, events and warnings. */
/* Returns the mains frequency found at rest (0: none found, NAN: not looked
 * for, as when the rest was not analysed). */
static double spontaneous(const study *s, const study_muscle *m, fnd_result *out, json_t *j,
                          json_t *warnings, edx_diags *d)
{
    edf_file *f = NULL;
    emg_spont_result r;
    int rc = edf_open(s->files[m->file].path, d, &f);
    size_t n_diags = d ? d->count : 0; /* a NULL sink is allowed (edx_diag_add) */
    if (rc == EDX_OK)
        rc = emg_spont_analyse(f, m, NULL, &r, d);
    edf_close(f);
    if (rc != EDX_OK) {
        /* the analyser's own reason (a sampling rate it cannot read: "...;
         * not analysed") says more than the error's name */
        if (rc == EDX_ERR_UNSUPPORTED && d && d->count > n_diags)
            json_array_append_new(
                warnings, json_sprintf("spontaneous activity: %s", d->items[d->count - 1].message));
        else
            json_array_append_new(
                warnings, json_sprintf("spontaneous activity not analysed: %s", edx_strerror(rc)));
        json_object_set_new(j, "spontaneous", json_null());
        json_object_set_new(j, "events", json_null());
        return NAN;
    }
    json_object_set_new(j, "rest_s", fnd_num(r.rest_s, 1));
    json_object_set_new(j, "spontaneous", spontaneous_json(&r));
    if (r.is_rest_automatic)
        json_array_append_new(warnings, json_string("no activation annotations: rest was "
                                                    "separated from voluntary activity by "
                                                    "the analyser"));
    if (r.fib_psw_grade < 0)
        json_array_append_new(warnings, json_string("no needle site annotations: fibrillations "
                                                    "and PSWs are counted, not graded"));
    if (r.rest_s < 90.0) /* up to 90 s may be needed to exclude fasciculations [S36] */
        json_array_append_new(warnings, json_sprintf("%.0f s of rest analysed; up to 90 s may "
                                                     "be needed to exclude fasciculations",
                                                     floor(r.rest_s)));
    char name[160], *text = NULL;
    size_t size = 0;
    events_name(s, m, name, sizeof name);
    if (emg_events_tsv(&r, &text, &size) == EDX_OK &&
        fnd_add_attachment(out, name, text, size) == EDX_OK) {
        json_object_set_new(j, "events", json_string(name));
    } else {
        free(text);
        json_object_set_new(j, "events", json_null());
    }
    double mains_hz = r.mains_hz;
    emg_spont_free(&r);
    return mains_hz;
}

json_t *fnd_muscle_json(const fnd_context *ctx, const study *s, const study_muscle *m,
                        fnd_result *out, edx_diags *d)
{
    (void)ctx;
    char side[2] = {conv_side_name(m->side)[0], '\0'};
    double rest_s = study_muscle_state_s(m, CONV_STATE_REST);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "muscle", m->muscle, "side", side,
                          "region", conv_region_name(m->region), "roots", m->roots, "nerve",
                          m->nerve);
    json_t *warnings = json_array();
    if (!j || !warnings) {
        json_decref(j);
        json_decref(warnings);
        return NULL;
    }
    json_object_set_new(j, "rest_s", fnd_num(rest_s, 1));
    double mains_hz = spontaneous(s, m, out, j, warnings, d);
    json_t *mup = NULL, *rec = NULL;
    if (fnd_mup_muscle_json(s, m, NULL, mains_hz, d, warnings, &mup, &rec) != EDX_OK) {
        mup = json_null();
        rec = json_null();
    }
    json_object_set_new(j, "mup", mup ? mup : json_null());
    json_object_set_new(j, "recruitment", rec ? rec : json_null());
    /* keep "events" after the analysers' keys, as the contract lists them */
    json_t *ev = json_incref(json_object_get(j, "events"));
    json_object_del(j, "events");
    json_object_set_new(j, "events", ev ? ev : json_null());
    json_object_set_new(j, "warnings", warnings);
    return j;
}
