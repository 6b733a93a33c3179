/*
 * check_study.c - `edxreport check`: what the conventions layer understood
 * (see check_study.h). Text for people, JSON in the findings vocabulary
 * (sides "L"/"R", tests "motor"/"sensory"/"fwave", units in key names).
 */
#include "cli/check_study.h"

#include <math.h>
#include <string.h>

#include "edx/common.h"
#include "edx/study.h"

static json_t *num_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static json_t *str_or_null(const char *s)
{
    return (s && s[0]) ? json_string(s) : json_null();
}

/* jansson refuses invalid UTF-8; texts from files are UTF-8 by the reader's
 * contract, but never let one bad byte drop a whole key. */
static int set_str(json_t *o, const char *key, const char *s)
{
    json_t *v = str_or_null(s);
    if (!v)
        v = json_string("(not UTF-8)");
    return json_object_set_new(o, key, v);
}

static json_t *warning_json(const study_warning *w, const study *st)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    set_str(o, "code", w->code);
    set_str(o, "message", w->message);
    if (st && w->file >= 0 && (size_t)w->file < st->n_files)
        set_str(o, "file", st->files[w->file].path);
    else
        json_object_set_new(o, "file", json_null());
    json_object_set_new(o, "signal", w->signal >= 0 ? json_integer(w->signal) : json_null());
    json_object_set_new(o, "onset_s", num_or_null(w->onset_s));
    json_object_set_new(o, "more", json_integer((json_int_t)w->n_more));
    return o;
}

static void print_warning(FILE *out, const study_warning *w, const char *indent)
{
    if (w->n_more)
        fprintf(out, "%s%s: %s (and %zu more)\n", indent, w->code, w->message, w->n_more);
    else
        fprintf(out, "%s%s: %s\n", indent, w->code, w->message);
}

static json_t *nerve_json(const study *st, const study_nerve_test *n)
{
    json_t *o = json_object(), *sw = json_array();
    if (!o || !sw) {
        json_decref(o);
        json_decref(sw);
        return NULL;
    }
    set_str(o, "nerve", n->nerve);
    set_str(o, "side", conv_side_name(n->side));
    set_str(o, "test", conv_test_name(n->test));
    set_str(o, "recording_site", n->recording_site);
    set_str(o, "file", st->files[n->file].path);
    json_object_set_new(o, "signal", json_integer(n->signal));
    set_str(o, "label", n->label);
    json_object_set_new(o, "sample_rate_hz", json_real(n->sample_rate_hz));
    for (size_t i = 0; i < n->n_sweeps; i++) {
        const study_sweep *w = &n->sweeps[i];
        json_t *s = json_object();
        if (!s)
            continue;
        set_str(s, "site", w->site);
        json_object_set_new(s, "distance_cm", num_or_null(w->distance_cm));
        json_object_set_new(s, "stimulus_s", json_real(w->stimulus_s));
        json_object_set_new(s, "t0_s", num_or_null(w->t0_s));
        json_object_set_new(s, "t1_s", num_or_null(w->t1_s));
        json_object_set_new(s, "record", w->record >= 0 ? json_integer(w->record) : json_null());
        json_object_set_new(s, "duration_ms", num_or_null(w->duration_ms));
        json_object_set_new(s, "intensity_ma", num_or_null(w->intensity_ma));
        if (w->has_reported) {
            json_t *r = json_object();
            if (r) {
                json_object_set_new(r, "latency_ms", num_or_null(w->reported_latency_ms));
                json_object_set_new(r, "amplitude_uv", num_or_null(w->reported_amplitude_uv));
                json_object_set_new(r, "velocity_m_s", num_or_null(w->reported_velocity_m_s));
                json_object_set_new(r, "is_absent", json_boolean(w->is_reported_absent));
            }
            json_object_set_new(s, "reported_by_system", r ? r : json_null());
        } else {
            json_object_set_new(s, "reported_by_system", json_null());
        }
        json_array_append_new(sw, s);
    }
    json_object_set_new(o, "sweeps", sw);
    return o;
}

static json_t *muscle_json(const study *st, const study_muscle *m)
{
    json_t *o = json_object(), *ep = json_array(), *si = json_array(), *tot = json_object();
    if (!o || !ep || !si || !tot) {
        json_decref(o);
        json_decref(ep);
        json_decref(si);
        json_decref(tot);
        return NULL;
    }
    set_str(o, "muscle", m->muscle);
    json_object_set_new(o, "is_known", json_boolean(m->row != NULL));
    set_str(o, "side", conv_side_name(m->side));
    set_str(o, "region", conv_region_name(m->region));
    set_str(o, "roots", m->roots);
    set_str(o, "nerve", m->nerve);
    set_str(o, "file", st->files[m->file].path);
    json_object_set_new(o, "signal", json_integer(m->signal));
    set_str(o, "label", m->label);
    json_object_set_new(o, "sample_rate_hz", json_real(m->sample_rate_hz));
    json_object_set_new(o, "t0_s", num_or_null(m->t0_s));
    json_object_set_new(o, "t1_s", num_or_null(m->t1_s));
    json_object_set_new(o, "has_activation_annotations",
                        json_boolean(m->has_activation_annotations));
    for (int s = CONV_STATE_REST; s < CONV_STATE_COUNT; s++) {
        char key[32];
        snprintf(key, sizeof key, "%s_s", conv_state_name((conv_state)s));
        json_object_set_new(tot, key, json_real(study_muscle_state_s(m, (conv_state)s)));
    }
    json_object_set_new(o, "state_totals", tot);
    for (size_t i = 0; i < m->n_epochs; i++) {
        json_t *e = json_object();
        if (!e)
            continue;
        set_str(e, "state", conv_state_name(m->epochs[i].state));
        json_object_set_new(e, "onset_s", json_real(m->epochs[i].onset_s));
        json_object_set_new(e, "duration_s", json_real(m->epochs[i].duration_s));
        json_array_append_new(ep, e);
    }
    for (size_t i = 0; i < m->n_sites; i++) {
        json_t *e = json_object();
        if (!e)
            continue;
        json_object_set_new(e, "site", json_integer(m->sites[i].number));
        json_object_set_new(e, "onset_s", json_real(m->sites[i].onset_s));
        json_array_append_new(si, e);
    }
    json_object_set_new(o, "epochs", ep);
    json_object_set_new(o, "needle_sites", si);
    return o;
}

static void print_study(FILE *out, const study *st, size_t index)
{
    const study_patient *p = &st->patient;
    fprintf(out, "study %zu: patient %s", index + 1, p->code[0] ? p->code : "(not identified)");
    if (p->sex || p->age_years >= 0) {
        fprintf(out, " (");
        if (p->sex)
            fprintf(out, "%c%s", p->sex, p->age_years >= 0 ? ", " : "");
        if (p->age_years >= 0)
            fprintf(out, "%d y", p->age_years);
        fprintf(out, ")");
    }
    fprintf(out, ", %04d-%02d-%02d %02d:%02d:%02d, folder %s, %zu file%s\n", st->start_year,
            st->start_month, st->start_day, st->start_hour, st->start_minute, st->start_second,
            st->folder, st->n_files, st->n_files == 1 ? "" : "s");
    const study_conditions *c = &st->conditions;
    char a[32], b[32];
    if (!isnan(c->temperature_c) || !isnan(c->height_cm) || c->indication[0] || c->referrer[0]) {
        fprintf(out, "  conditions:");
        if (!isnan(c->temperature_c))
            fprintf(out, " temperature %s C%s%s;", edx_fmt_double(a, sizeof a, c->temperature_c, 1),
                    c->temperature_site[0] ? " at " : "", c->temperature_site);
        if (!isnan(c->height_cm))
            fprintf(out, " height %s cm;", edx_fmt_double(b, sizeof b, c->height_cm, 0));
        if (c->indication[0])
            fprintf(out, " indication: %s;", c->indication);
        if (c->referrer[0])
            fprintf(out, " referrer: %s;", c->referrer);
        fprintf(out, "\n");
    }
    char line[1024];
    for (size_t f = 0; f < st->n_files; f++) {
        const study_file *sf = &st->files[f];
        fprintf(out, "  file %s (%s%s)\n", sf->path, edf_format_name(sf->format),
                sf->has_plus_subfields ? "" : ", no EDF+ subfields");
        for (size_t i = 0; i < st->n_nerve_tests; i++) {
            if (st->nerve_tests[i].file != (int)f)
                continue;
            study_describe_nerve_test(&st->nerve_tests[i], line, sizeof line);
            fprintf(out, "    %s\n", line);
        }
        for (size_t i = 0; i < st->n_muscles; i++) {
            if (st->muscles[i].file != (int)f)
                continue;
            study_describe_muscle(&st->muscles[i], line, sizeof line);
            fprintf(out, "    %s\n", line);
        }
        for (size_t i = 0; i < st->n_warnings; i++)
            if (st->warnings[i].file == (int)f)
                print_warning(out, &st->warnings[i], "    warning ");
    }
    for (size_t i = 0; i < st->n_warnings; i++)
        if (st->warnings[i].file < 0)
            print_warning(out, &st->warnings[i], "  warning ");
}

static json_t *study_json(const study *st)
{
    json_t *o = json_object(), *pat = json_object(), *files = json_array(), *cond = json_object();
    json_t *ncs = json_array(), *emg = json_array(), *warn = json_array();
    if (!o || !pat || !files || !cond || !ncs || !emg || !warn) {
        json_decref(o);
        json_decref(pat);
        json_decref(files);
        json_decref(cond);
        json_decref(ncs);
        json_decref(emg);
        json_decref(warn);
        return NULL;
    }
    const study_patient *p = &st->patient;
    set_str(pat, "code", p->code);
    set_str(pat, "name", p->name);
    char sex[2] = {p->sex, 0};
    set_str(pat, "sex", sex);
    char date[32];
    if (p->birth_year) {
        snprintf(date, sizeof date, "%04d-%02d-%02d", p->birth_year, p->birth_month, p->birth_day);
        set_str(pat, "birthdate", date);
    } else {
        json_object_set_new(pat, "birthdate", json_null());
    }
    json_object_set_new(pat, "age_years", p->age_years >= 0 ? json_integer(p->age_years)
                                                            : json_null());
    json_object_set_new(o, "patient", pat);
    snprintf(date, sizeof date, "%04d-%02d-%02dT%02d:%02d:%02d", st->start_year, st->start_month,
             st->start_day, st->start_hour, st->start_minute, st->start_second);
    set_str(o, "start", date);
    set_str(o, "folder", st->folder);
    for (size_t f = 0; f < st->n_files; f++) {
        json_t *fo = json_object();
        if (!fo)
            continue;
        set_str(fo, "path", st->files[f].path);
        set_str(fo, "format", edf_format_name(st->files[f].format));
        json_object_set_new(fo, "has_plus_subfields",
                            json_boolean(st->files[f].has_plus_subfields));
        json_array_append_new(files, fo);
    }
    json_object_set_new(o, "files", files);
    json_object_set_new(cond, "temperature_c", num_or_null(st->conditions.temperature_c));
    set_str(cond, "temperature_site", st->conditions.temperature_site);
    json_object_set_new(cond, "height_cm", num_or_null(st->conditions.height_cm));
    set_str(cond, "indication", st->conditions.indication);
    set_str(cond, "referrer", st->conditions.referrer);
    json_object_set_new(o, "conditions", cond);
    for (size_t i = 0; i < st->n_nerve_tests; i++) {
        json_t *n = nerve_json(st, &st->nerve_tests[i]);
        if (n)
            json_array_append_new(ncs, n);
    }
    for (size_t i = 0; i < st->n_muscles; i++) {
        json_t *m = muscle_json(st, &st->muscles[i]);
        if (m)
            json_array_append_new(emg, m);
    }
    for (size_t i = 0; i < st->n_warnings; i++) {
        json_t *w = warning_json(&st->warnings[i], st);
        if (w)
            json_array_append_new(warn, w);
    }
    json_object_set_new(o, "nerve_conduction", ncs);
    json_object_set_new(o, "needle_emg", emg);
    json_object_set_new(o, "warnings", warn);
    return o;
}

int check_studies(const char *const *paths, size_t n_paths, FILE *text_out, json_t **json_out)
{
    if (json_out)
        *json_out = NULL;
    if (n_paths && !paths)
        return EDX_ERR_INVALID;
    edx_diags d;
    edx_diags_init(&d);
    conv_tables *t = NULL;
    study_set *set = NULL;
    json_t *root = json_out ? json_object() : NULL;
    json_t *errors = json_out ? json_array() : NULL;
    int rc = (json_out && (!root || !errors)) ? EDX_ERR_NOMEM : EDX_OK;
    if (rc == EDX_OK)
        rc = conv_tables_load(NULL, &d, &t);
    /* problems of the tables (and warnings about local aliases) */
    for (size_t i = 0; i < d.count; i++) {
        if (text_out)
            fprintf(text_out, "%s %s: %s\n",
                    d.items[i].severity == EDX_SEV_ERROR ? "error" : "warning", d.items[i].code,
                    d.items[i].message);
        if (errors) {
            json_t *e = json_object();
            if (e) {
                set_str(e, "code", d.items[i].code);
                set_str(e, "message", d.items[i].message);
                json_array_append_new(errors, e);
            }
        }
    }
    edx_diags_clear(&d);
    if (rc == EDX_OK)
        rc = study_group_paths(t, paths, n_paths, &d, &set);
    if (rc == EDX_OK) {
        json_t *studies = root ? json_array() : NULL;
        for (size_t i = 0; i < set->n_studies; i++) {
            if (text_out)
                print_study(text_out, &set->studies[i], i);
            if (studies) {
                json_t *s = study_json(&set->studies[i]);
                if (s)
                    json_array_append_new(studies, s);
            }
        }
        for (size_t i = 0; i < set->n_warnings; i++) {
            if (text_out)
                print_warning(text_out, &set->warnings[i], "warning ");
            if (errors) {
                json_t *w = warning_json(&set->warnings[i], NULL);
                if (w)
                    json_array_append_new(errors, w);
            }
        }
        if (root) {
            json_object_set_new(root, "studies", studies ? studies : json_array());
        }
    }
    if (root) {
        json_object_set_new(root, "errors", errors);
        errors = NULL;
        *json_out = root;
        root = NULL;
    }
    json_decref(errors);
    json_decref(root);
    study_set_free(set);
    conv_tables_free(t);
    edx_diags_free(&d);
    return rc;
}
