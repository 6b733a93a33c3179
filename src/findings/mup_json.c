/*
 * mup_json.c - one muscle's MUP and recruitment findings: reads the
 * contraction epochs (streaming, one second at a time), runs the MUP
 * analyser (src/emg/mup/), compares with templates/mup_normals.tsv and
 * writes the "mup" and "recruitment" objects of findings-json.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edx/edf.h"
#include "findings/internal.h"
#include "findings/mup_json.h"

#define READ_BLOCK_S 1.0

static void warn(json_t *warnings, const char *text)
{
    if (warnings)
        json_array_append_new(warnings, json_string(text));
}

static bool is_contraction(conv_state s)
{
    return s == CONV_STATE_MINIMAL || s == CONV_STATE_MODERATE || s == CONV_STATE_MAXIMAL;
}

/* Feeds [t0, t1) of the signal; a gap (EDF+D) starts a new epoch. */
static int feed_epoch(edf_file *f, int signal, conv_state state, double t0, double t1, double fs,
                      emg_mup_analyser *a, double *buf, size_t cap)
{
    int rc = emg_mup_begin_epoch(a, state);
    double t = t0, expect = NAN;
    while (!rc && t < t1) {
        size_t n = 0;
        double tf = NAN;
        double stop = fmin(t1, t + READ_BLOCK_S);
        rc = edf_read_time_uv(f, signal, t, stop, buf, cap, &n, &tf);
        if (rc || n == 0)
            break;
        if (!isnan(expect) && fabs(tf - expect) > 1.5 / fs) {
            rc = emg_mup_end_epoch(a);
            if (!rc)
                rc = emg_mup_begin_epoch(a, state);
        }
        if (!rc)
            rc = emg_mup_feed(a, buf, n, tf);
        expect = tf + (double)n / fs;
        t = expect;
    }
    int rc2 = emg_mup_end_epoch(a);
    return rc ? rc : rc2;
}

int fnd_mup_analyze_muscle(const study *s, const study_muscle *m, double mains_hz,
                           edx_diags *d, json_t *warnings, emg_mup_analyser **out)
{
    if (!s || !m || !out)
        return EDX_ERR_INVALID;
    *out = NULL;
    bool any = false;
    for (size_t i = 0; i < m->n_epochs; i++)
        any |= is_contraction(m->epochs[i].state);
    if (!any) {
        warn(warnings, m->has_activation_annotations
                           ? "MUP analysis: no minimal, moderate or maximal contraction epoch"
                           : "MUP analysis: no activation annotations; voluntary activity is "
                             "not separated automatically yet, so MUPs were not measured");
        return EDX_OK;
    }
    if (m->file < 0 || (size_t)m->file >= s->n_files)
        return EDX_ERR_INVALID;
    emg_mup_analyser *a = NULL;
    int rc = emg_mup_new(m->sample_rate_hz, d, &a);
    if (rc == EDX_ERR_UNSUPPORTED) {
        warn(warnings, "MUP analysis: sampling rate below 4 kHz");
        return EDX_OK;
    }
    if (!rc && (mains_hz == 0 || mains_hz == 50 || mains_hz == 60))
        rc = emg_mup_set_mains(a, mains_hz); /* otherwise the analyser looks for it */
    if (rc) {
        emg_mup_free(a);
        return rc;
    }
    if (m->sample_rate_hz < EMG_MUP_EXPECTED_RATE_HZ)
        warn(warnings, "MUP analysis: sampled below 10 kHz; amplitudes and rise times are "
                       "less exact");
    edf_file *f = NULL;
    if (edf_open(s->files[m->file].path, d, &f) != EDX_OK) {
        warn(warnings, "MUP analysis: the recording could not be read");
        emg_mup_free(a);
        return EDX_OK;
    }
    size_t cap = (size_t)(READ_BLOCK_S * m->sample_rate_hz) + 16;
    double *buf = malloc(cap * sizeof *buf);
    rc = buf ? EDX_OK : EDX_ERR_NOMEM;
    for (size_t i = 0; i < m->n_epochs && !rc; i++) {
        const study_epoch *e = &m->epochs[i];
        if (is_contraction(e->state) && e->duration_s > 0)
            rc = feed_epoch(f, m->signal, e->state, e->onset_s, e->onset_s + e->duration_s,
                            m->sample_rate_hz, a, buf, cap);
    }
    free(buf);
    edf_close(f);
    if (rc && rc != EDX_ERR_NOMEM) {
        warn(warnings, "MUP analysis: reading the contraction epochs failed");
        rc = EDX_OK;
    }
    if (rc)
        emg_mup_free(a);
    else
        *out = a;
    return rc;
}

static json_t *epoch_counts(const emg_mup_analyser *a)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < emg_mup_epoch_count(a); i++) {
        const emg_mup_epoch_stats *e = emg_mup_epoch_at(a, i);
        json_t *o = json_pack("{s:s, s:o, s:i, s:i, s:o, s:o}", "state", conv_state_name(e->state),
                              "duration_s", fnd_num(e->duration_s, 2), "spikes",
                              (json_int_t)e->n_spikes, "mups", (json_int_t)e->n_units, "noise_uv",
                              fnd_num(e->noise_uv, 1), "max_firing_hz", fnd_num(e->max_rate_hz, 1));
        json_array_append_new(arr, o);
    }
    return arr;
}

/* Why the mean duration stands on fewer MUPs than the count. */
static void duration_note(const emg_mup_summary *sum, char *msg, size_t size)
{
    snprintf(msg, size,
             "duration read on %zu of %zu MUPs: the other averages did not show the baseline on "
             "both sides (other units' discharges or noise)",
             sum->duration_count, sum->count);
}

json_t *fnd_mup_json(const emg_mup_analyser *a, const emg_mup_summary *sum)
{
    if (!a || !sum || sum->count == 0)
        return json_null();
    const emg_mup_limits *l = &sum->limits;
    json_t *j = json_pack(
        "{s:i, s:o, s:o, s:o, s:o, s:s}", "count", (json_int_t)sum->count, "amplitude_uv_mean",
        fnd_num(sum->amplitude_uv_mean, 1), "duration_ms_mean", fnd_num(sum->duration_ms_mean, 2),
        "phases_mean", fnd_num(sum->phases_mean, 2), "polyphasic_pct",
        fnd_num(sum->polyphasic_pct, 1), "pattern", emg_mup_pattern_name(sum->pattern));
    if (!j)
        return NULL;
    json_object_set_new(
        j, "amplitude_uv_limit",
        json_pack("[o, o]", fnd_num(l->amplitude_uv_lln, 1), fnd_num(l->amplitude_uv_uln, 1)));
    json_object_set_new(
        j, "duration_ms_limit",
        json_pack("[o, o]", fnd_num(l->duration_ms_lln, 2), fnd_num(l->duration_ms_uln, 2)));
    json_object_set_new(j, "polyphasic_pct_limit", fnd_num(l->polyphasic_pct_uln, 1));
    json_object_set_new(j, "limits_source", json_pack("{s:s, s:s}", "muscle", l->muscle, "source", l->source));
    json_t *flags = json_array();
    const char *names[] = {"long", "short", "large", "small", "polyphasic"};
    bool on[] = {sum->is_long, sum->is_short, sum->is_large, sum->is_small, sum->is_polyphasic};
    for (size_t i = 0; i < 5; i++)
        if (on[i])
            json_array_append_new(flags, json_string(names[i]));
    json_object_set_new(j, "flags", flags);
    json_object_set_new(j, "duration_count", json_integer((json_int_t)sum->duration_count));
    json_object_set_new(j, "turns_mean", fnd_num(sum->turns_mean, 2));
    json_object_set_new(j, "size_index_mean", fnd_num(sum->size_index_mean, 2));
    json_object_set_new(j, "satellites_pct", fnd_num(sum->satellite_pct, 1));
    json_object_set_new(j, "variability_pct_median", fnd_num(sum->variability_pct_median, 1));
    json_object_set_new(j, "rise_time_over_0_5_ms_pct", fnd_num(sum->far_field_pct, 1));
    json_object_set_new(j, "epochs", epoch_counts(a));
    json_t *w = json_array();
    if (sum->is_limited) {
        char msg[160];
        snprintf(msg, sizeof msg, "only %zu MUPs (fewer than %d): quantitative claims are limited",
                 sum->count, EMG_MUP_MIN_COUNT);
        json_array_append_new(w, json_string(msg));
    }
    if (sum->duration_count < sum->count) {
        char msg[200];
        duration_note(sum, msg, sizeof msg);
        json_array_append_new(w, json_string(msg));
    }
    if (sum->far_field_pct >= 50.0)
        json_array_append_new(w, json_string("most MUPs have a rise time of 0.5 ms or more (not "
                                             "near field): amplitudes may be underestimated"));
    if (emg_mup_rate_hz(a) < EMG_MUP_EXPECTED_RATE_HZ)
        json_array_append_new(w, json_string("sampled below 10 kHz: amplitudes and rise times are less exact"));
    json_object_set_new(j, "warnings", w);
    return j;
}

json_t *fnd_recruitment_json(const emg_mup_analyser *a, const emg_mup_summary *sum)
{
    if (!a || !sum)
        return json_null();
    const emg_recruit_summary *r = &sum->recruit;
    const char *p = emg_recruit_pattern_name(r->pattern);
    if (!p && !r->has_maximal)
        return json_null();
    json_t *j = json_pack("{s:o, s:o}", "pattern", p ? json_string(p) : json_null(),
                          "max_firing_hz", fnd_num(r->max_firing_hz, 1));
    if (!j)
        return NULL;
    json_object_set_new(j, "recruitment_ratio", fnd_num(r->recruitment_ratio, 2));
    json_object_set_new(j, "recruitment_frequency_hz", fnd_num(r->recruitment_frequency_hz, 1));
    json_object_set_new(j, "units_at_low_rate", fnd_num(r->units_at_low_rate, 0));
    json_object_set_new(
        j, "interference",
        r->has_maximal ? json_pack("{s:o, s:o}", "turns_per_s", fnd_num(r->turns_per_s, 0),
                                   "mean_turn_amplitude_uv", fnd_num(r->mean_turn_amplitude_uv, 1))
                       : json_null());
    json_object_set_new(j, "warnings",
                        json_pack("[s]", "force was not recorded: early recruitment is judged "
                                         "from firing rates and unit counts only"));
    return j;
}

int fnd_mup_muscle_json(const study *s, const study_muscle *m, const emg_mup_normals *normals,
                        double mains_hz, edx_diags *d, json_t *warnings, json_t **mup,
                        json_t **recruitment)
{
    *mup = *recruitment = NULL;
    emg_mup_normals *own = NULL;
    if (!normals && emg_mup_normals_load(NULL, d, &own) == EDX_OK)
        normals = own;
    emg_mup_analyser *a = NULL;
    int rc = fnd_mup_analyze_muscle(s, m, mains_hz, d, warnings, &a);
    emg_mup_summary sum;
    if (!rc && a) {
        int age = s->patient.age_years;
        const emg_mup_limits *l = normals ? emg_mup_normals_find(normals, m->muscle, age) : NULL;
        if (!l)
            warn(warnings, "MUP analysis: no normal limits (mup_normals.tsv not loaded)");
        rc = emg_mup_summarise(a, l, &sum);
        if (!rc && sum.count == 0)
            warn(warnings, "MUP analysis: no MUP could be measured in the contraction epochs");
        else if (!rc && sum.is_limited) {
            char msg[160];
            snprintf(msg, sizeof msg, "MUP analysis: %zu MUPs, fewer than %d: quantitative "
                     "claims are limited", sum.count, EMG_MUP_MIN_COUNT);
            warn(warnings, msg);
        }
        if (!rc && sum.duration_count < sum.count) {
            char msg[200], line[220];
            duration_note(&sum, msg, sizeof msg);
            snprintf(line, sizeof line, "MUP analysis: %s", msg);
            warn(warnings, line);
        }
    }
    if (!rc) {
        *mup = a ? fnd_mup_json(a, &sum) : json_null();
        *recruitment = a ? fnd_recruitment_json(a, &sum) : json_null();
        if (!*mup || !*recruitment)
            rc = EDX_ERR_NOMEM;
    }
    emg_mup_free(a);
    emg_mup_normals_free(own);
    return rc;
}
