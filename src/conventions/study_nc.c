/*
 * study_nc.c - nerve conduction while a file is read: each stimulus becomes
 * one sweep of every nerve conduction signal, filed under the (signal,
 * nerve, side, test) in force at its onset; the system's "Response" texts
 * are attached to the last stimulus; sweeps get their time spans (the data
 * record in EDF+D, up to the next stimulus in EDF+C); F-wave studies are
 * checked against recording-conventions.md section 3.5.
 */
#include "study_internal.h"

#include <math.h>
#include <string.h>

/* F-waves (recording-conventions.md section 3.5): >= 10 sweeps, each at
 * least 50 ms (arm) or 80 ms (leg). */
#define FWAVE_MIN_SWEEPS 10
#define FWAVE_MIN_SWEEP_ARM_MS 50.0
#define FWAVE_MIN_SWEEP_LEG_MS 80.0

static bool is_discontinuous(edf_format f)
{
    return f == EDF_FORMAT_EDFPLUS_D || f == EDF_FORMAT_BDFPLUS_D;
}

/* Time span of a data record, from the segments (EDF+D). */
static bool record_span(const study_input *in, int64_t record, double *t0, double *t1)
{
    for (size_t i = 0; i < in->n_segments; i++) {
        const edf_segment *g = &in->segments[i];
        if (record >= g->first_record && record < g->first_record + g->n_records) {
            *t0 = g->onset_s + (double)(record - g->first_record) * in->info->record_duration_s;
            *t1 = *t0 + in->info->record_duration_s;
            return true;
        }
    }
    return false;
}

double study_file_end_s(const study_input *in)
{
    double first = in->n_segments ? in->segments[0].onset_s : 0.0;
    return first + in->info->duration_s;
}

/* ---- nerve conduction ----------------------------------------------------------------- */

/* The nerve a recording site belongs to when the table leaves no choice
 * (F-wave rows need an explicit FW code and are not used). */
static const char *nerve_of_site(const conv_tables *t, const char *site, conv_test test,
                                 conv_test *test_out)
{
    const char *nerve = NULL;
    conv_test found = CONV_TEST_NONE;
    for (size_t i = 0; i < conv_nerve_count(t); i++) {
        const conv_nerve *n = conv_nerve_at(t, i);
        if (strcmp(n->recording_site, site) != 0)
            continue;
        if (test != CONV_TEST_NONE ? n->test != test : n->test == CONV_TEST_FWAVE)
            continue;
        if ((nerve && strcmp(nerve, n->name) != 0) || (found && found != n->test))
            return NULL; /* two nerves or tests: not ours to choose */
        nerve = n->name;
        found = n->test;
    }
    if (test_out)
        *test_out = found;
    return nerve;
}

typedef struct nc_key {
    char nerve[CONV_NAME_MAX];
    conv_side side;
    conv_test test;
} nc_key;

static void nc_key_of(ctx *c, const sig_state *s, conv_side stim_side, nc_key *k)
{
    memset(k, 0, sizeof *k);
    k->test = c->test ? c->test : c->file_code.test;
    const char *nerve = c->has_nerve_ctx ? c->nerve : c->file_code.nerve;
    if (nerve[0]) {
        conv_fmt(k->nerve, sizeof k->nerve, "%s", nerve);
        if (k->test == CONV_TEST_NONE && s->label.recording_site[0]) {
            conv_test t2 = CONV_TEST_NONE;
            const char *n2 = nerve_of_site(c->t, s->label.recording_site, CONV_TEST_NONE, &t2);
            if (n2 && strcmp(n2, k->nerve) == 0)
                k->test = t2;
        }
    } else if (s->label.recording_site[0]) {
        conv_test t2 = CONV_TEST_NONE;
        const char *n2 = nerve_of_site(c->t, s->label.recording_site, k->test, &t2);
        if (n2) {
            conv_fmt(k->nerve, sizeof k->nerve, "%s", n2);
            if (k->test == CONV_TEST_NONE)
                k->test = t2;
        }
    }
    k->side = s->label.side;
    if (!k->side)
        k->side = c->has_nerve_ctx && c->side ? c->side : c->file_code.side;
    if (!k->side)
        k->side = stim_side;
}

/* The nerve test entry of a signal and key; created when new. */
static int nc_entry(ctx *c, sig_state *s, const nc_key *k, size_t *out)
{
    study *st = c->st;
    for (size_t i = 0; i < st->n_nerve_tests; i++) {
        study_nerve_test *n = &st->nerve_tests[i];
        if (n->signal == s->index && n->side == k->side && n->test == k->test &&
            strcmp(n->nerve, k->nerve) == 0) {
            *out = i;
            return EDX_OK;
        }
    }
    void *items = st->nerve_tests;
    int rc = conv_grow(&items, &c->cap_tests, st->n_nerve_tests, sizeof st->nerve_tests[0]);
    if (rc != EDX_OK)
        return rc;
    st->nerve_tests = items;
    study_nerve_test *n = &st->nerve_tests[st->n_nerve_tests];
    memset(n, 0, sizeof *n);
    memcpy(n->nerve, k->nerve, sizeof n->nerve);
    n->side = k->side;
    n->test = k->test;
    const char *rec = s->label.recording_site[0] ? s->label.recording_site : s->label.rest;
    conv_fmt(n->recording_site, sizeof n->recording_site, "%s", rec);
    n->row = conv_find_nerve_row(c->t, n->nerve, n->test,
                                 s->label.recording_site[0] ? s->label.recording_site : NULL);
    n->file = 0;
    n->signal = s->index;
    conv_fmt(n->label, sizeof n->label, "%s", s->sig->label);
    n->sample_rate_hz = s->sig->sample_rate_hz;
    *out = st->n_nerve_tests++;

    double onset = c->has_last_stim ? c->last_stim_s : NAN;
    if (!n->nerve[0])
        rc = study_warn(st, "CONV-NC-NO-NERVE", 0, s->index, onset,
                        "signal '%s': no nerve named (recording field test code, 'Test:' or "
                        "'Nerve:' annotation) and recording site '%s' does not decide one",
                        s->sig->label, rec);
    if (rc == EDX_OK && n->test == CONV_TEST_NONE)
        rc = study_warn(st, "CONV-NC-NO-TEST", 0, s->index, onset,
                        "signal '%s': no test code (MNC, SNC, FW) and the tables do not decide one",
                        s->sig->label);
    if (rc == EDX_OK && n->side == CONV_SIDE_NONE)
        rc = study_warn(st, "CONV-NO-SIDE", 0, s->index, onset, "signal '%s': no side (L or R)",
                        s->sig->label);
    return rc;
}

int study_nc_stimulus(ctx *c, const edf_annotation *an, const conv_annot *a)
{
    study *st = c->st;
    /* the same stimulus told twice (marker text and XML note): one sweep */
    bool merge = c->has_last_stim && fabs(an->onset_s - c->last_stim_s) < SAME_ONSET_S &&
                 an->record == c->last_stim_record;
    bool any_nc = false;
    if (!merge) {
        c->last_sweep_from = st->n_nerve_tests;
        size_t lowest = SIZE_MAX;
        for (int i = 0; i < c->n_sigs; i++) {
            sig_state *s = &c->sigs[i];
            if (s->kind != CONV_KIND_NC)
                continue;
            any_nc = true;
            nc_key k;
            nc_key_of(c, s, a->side, &k);
            size_t e;
            int rc = nc_entry(c, s, &k, &e);
            if (rc != EDX_OK)
                return rc;
            if (e < lowest)
                lowest = e;
            study_nerve_test *n = &st->nerve_tests[e];
            void *items = n->sweeps;
            if ((rc = conv_push(&items, n->n_sweeps, sizeof n->sweeps[0])) != EDX_OK)
                return rc;
            n->sweeps = items;
            study_sweep *w = &n->sweeps[n->n_sweeps++];
            memset(w, 0, sizeof *w);
            w->stimulus_s = an->onset_s;
            w->record = an->record;
            w->t0_s = w->t1_s = NAN;
            w->distance_cm = w->duration_ms = w->intensity_ma = NAN;
            w->reported_latency_ms = w->reported_amplitude_uv = w->reported_velocity_m_s = NAN;
            s->n_sweeps++;
            if (s->label.side && a->side && s->label.side != a->side &&
                (rc = study_warn(st, "CONV-SIDE-CONFLICT", 0, s->index, an->onset_s,
                                 "signal '%s' is side %s but the stimulus says %s",
                                 s->sig->label, conv_side_name(s->label.side),
                                 conv_side_name(a->side))) != EDX_OK)
                return rc;
        }
        if (lowest != SIZE_MAX && lowest < c->last_sweep_from)
            c->last_sweep_from = lowest;
        c->has_last_stim = true;
        c->last_stim_s = an->onset_s;
        c->last_stim_record = an->record;
        if (!any_nc) {
            c->has_last_stim = false;
            if (!c->warned_no_nc) {
                c->warned_no_nc = true;
                return study_warn(st, "CONV-STIM-NO-NC-SIGNAL", 0, -1, an->onset_s,
                                  "stimulus annotations but no nerve conduction signal (label "
                                  "'NC ...' or a test code)");
            }
            return EDX_OK;
        }
    }
    /* fill the sweeps of the last stimulus (new or merged) */
    for (size_t e = c->last_sweep_from; e < st->n_nerve_tests; e++) {
        study_nerve_test *n = &st->nerve_tests[e];
        if (n->n_sweeps == 0)
            continue;
        study_sweep *w = &n->sweeps[n->n_sweeps - 1];
        if (fabs(w->stimulus_s - c->last_stim_s) >= SAME_ONSET_S)
            continue;
#define FILL(field, value)                                                                   \
    do {                                                                                     \
        if (!isnan(value)) {                                                                 \
            if (!isnan(w->field) && fabs(w->field - (value)) > 1e-9)                          \
                study_warn(st, "CONV-STIM-CONFLICT", 0, n->signal, an->onset_s,              \
                           "two texts of one stimulus disagree on " #field);                 \
            else                                                                             \
                w->field = (value);                                                          \
        }                                                                                    \
    } while (0)
        FILL(distance_cm, a->distance_cm);
        FILL(duration_ms, a->duration_ms);
        FILL(intensity_ma, a->intensity_ma);
#undef FILL
        if (a->site[0] && !w->site[0])
            conv_fmt(w->site, sizeof w->site, "%s", a->site);
        if (a->side && !w->stim_side)
            w->stim_side = a->side;
    }
    return EDX_OK;
}

int study_nc_response(ctx *c, const edf_annotation *an, const conv_annot *a)
{
    study *st = c->st;
    bool same_record = !is_discontinuous(c->in->info->format) || an->record == c->last_stim_record;
    if (!c->has_last_stim || an->onset_s < c->last_stim_s - SAME_ONSET_S || !same_record)
        return study_warn(st, "CONV-RESPONSE-ORPHAN", 0, -1, an->onset_s,
                          "a 'Response' annotation with no stimulus before it");
    for (size_t e = c->last_sweep_from; e < st->n_nerve_tests; e++) {
        study_nerve_test *n = &st->nerve_tests[e];
        if (n->n_sweeps == 0)
            continue;
        study_sweep *w = &n->sweeps[n->n_sweeps - 1];
        if (fabs(w->stimulus_s - c->last_stim_s) >= SAME_ONSET_S)
            continue;
        w->has_reported = true;
        w->is_reported_absent = w->is_reported_absent || a->is_response_absent;
        if (!isnan(a->latency_ms))
            w->reported_latency_ms = a->latency_ms;
        if (!isnan(a->amplitude_uv))
            w->reported_amplitude_uv = a->amplitude_uv;
        if (!isnan(a->velocity_m_s))
            w->reported_velocity_m_s = a->velocity_m_s;
    }
    return EDX_OK;
}

/* Sweep spans, NC entries without stimuli, F-wave and distance checks. */
int study_nc_finish(ctx *c)
{
    study *st = c->st;
    const study_input *in = c->in;
    int rc = EDX_OK;
    for (int i = 0; i < c->n_sigs && rc == EDX_OK; i++) {
        sig_state *s = &c->sigs[i];
        if (s->kind != CONV_KIND_NC || s->n_sweeps > 0)
            continue;
        nc_key k;
        nc_key_of(c, s, CONV_SIDE_NONE, &k);
        size_t e;
        c->has_last_stim = false;
        if ((rc = nc_entry(c, s, &k, &e)) == EDX_OK)
            rc = study_warn(st, "CONV-NC-NO-STIMULUS", 0, s->index, NAN,
                            "nerve conduction signal '%s' has no stimulus annotation, so no sweep",
                            s->sig->label);
    }
    double end = study_file_end_s(in);
    for (size_t e = 0; e < st->n_nerve_tests && rc == EDX_OK; e++) {
        study_nerve_test *n = &st->nerve_tests[e];
        for (size_t k = 0; k < n->n_sweeps; k++) {
            study_sweep *w = &n->sweeps[k];
            if (is_discontinuous(in->info->format) && w->record >= 0 &&
                record_span(in, w->record, &w->t0_s, &w->t1_s))
                continue;
            /* continuous: from the stimulus to the next one of this signal */
            w->t0_s = w->stimulus_s;
            w->t1_s = end;
            for (size_t f = 0; f < st->n_nerve_tests; f++) {
                const study_nerve_test *o = &st->nerve_tests[f];
                if (o->signal != n->signal)
                    continue;
                for (size_t j = 0; j < o->n_sweeps; j++)
                    if (o->sweeps[j].stimulus_s > w->stimulus_s + SAME_ONSET_S &&
                        o->sweeps[j].stimulus_s < w->t1_s)
                        w->t1_s = o->sweeps[j].stimulus_s;
            }
        }
        for (size_t k = 0; k < n->n_sweeps && rc == EDX_OK; k++)
            if (n->test != CONV_TEST_FWAVE && isnan(n->sweeps[k].distance_cm))
                rc = study_warn(st, "CONV-STIM-NO-DISTANCE", 0, n->signal,
                                n->sweeps[k].stimulus_s,
                                "signal '%s': stimulus at %s has no distance to the recording "
                                "site, so no velocity", n->label,
                                n->sweeps[k].site[0] ? n->sweeps[k].site : "an unnamed site");
        if (rc != EDX_OK || n->test != CONV_TEST_FWAVE)
            continue;
        if (n->n_sweeps > 0 && n->n_sweeps < FWAVE_MIN_SWEEPS)
            rc = study_warn(st, "CONV-FWAVE-FEW-SWEEPS", 0, n->signal, NAN,
                            "F-wave study '%s' has %zu sweeps; 10 or more are needed",
                            n->label, n->n_sweeps);
        bool is_leg = strcmp(n->nerve, "peroneal") == 0 || strcmp(n->nerve, "tibial") == 0;
        double min_ms = is_leg ? FWAVE_MIN_SWEEP_LEG_MS : FWAVE_MIN_SWEEP_ARM_MS;
        for (size_t k = 0; k < n->n_sweeps && rc == EDX_OK; k++) {
            double len_ms = (n->sweeps[k].t1_s - n->sweeps[k].stimulus_s) * 1000.0;
            if (len_ms < min_ms - 1e-6) {
                rc = study_warn(st, "CONV-FWAVE-SHORT-SWEEP", 0, n->signal,
                                n->sweeps[k].stimulus_s,
                                "F-wave sweep of '%s' lasts %.1f ms after the stimulus; %s needs "
                                "%g ms", n->label, len_ms, is_leg ? "a leg" : "an arm", min_ms);
                break;
            }
        }
    }
    return rc;
}

