/*
 * study.c - one recording file understood: its signals' kinds, the nerve
 * conduction tests with their sweeps, the needle-EMG muscles with their
 * epochs and needle sites, the conditions, and a warning for everything that
 * could not be placed (recording-conventions.md sections 2 to 4).
 *
 * Annotations are read once, in onset order. "Test:", "Nerve:" and
 * "Muscle:" set a context that holds for what follows them. Nerve
 * conduction sweeps are made in study_nc.c.
 */
#include "study_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sampling rates (recording-conventions.md sections 3.1 and 4): 10 kHz or
 * more expected; needle EMG from 4 kHz is analysed with a warning. */
#define RATE_EXPECTED_HZ 10000.0
#define RATE_EMG_MIN_HZ 4000.0

int study_warn(study *st, const char *code, int file, int signal, double onset_s,
               const char *fmt, ...)
{
    size_t same = 0, last = SIZE_MAX;
    for (size_t i = 0; i < st->n_warnings; i++) {
        if (st->warnings[i].file == file && strcmp(st->warnings[i].code, code) == 0) {
            same++;
            last = i;
        }
    }
    if (same >= STUDY_WARNINGS_PER_CODE) {
        st->warnings[last].n_more++;
        return EDX_OK;
    }
    void *items = st->warnings;
    if (conv_push(&items, st->n_warnings, sizeof st->warnings[0]) != EDX_OK)
        return EDX_ERR_NOMEM;
    st->warnings = items;
    study_warning *w = &st->warnings[st->n_warnings++];
    memset(w, 0, sizeof *w);
    w->code = code;
    w->file = file;
    w->signal = signal;
    w->onset_s = onset_s;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(w->message, sizeof w->message, fmt, ap);
    va_end(ap);
    if (r < 0)
        w->message[0] = '\0';
    return EDX_OK;
}

void study_clear(study *st)
{
    if (!st)
        return;
    free(st->folder);
    for (size_t i = 0; i < st->n_files; i++)
        free(st->files[i].path);
    free(st->files);
    for (size_t i = 0; i < st->n_nerve_tests; i++)
        free(st->nerve_tests[i].sweeps);
    free(st->nerve_tests);
    for (size_t i = 0; i < st->n_muscles; i++) {
        free(st->muscles[i].epochs);
        free(st->muscles[i].sites);
    }
    free(st->muscles);
    free(st->warnings);
    memset(st, 0, sizeof *st);
}

/* ---- needle EMG ----------------------------------------------------------------------- */

static int open_muscle(ctx *c, sig_state *s, double t0)
{
    study *st = c->st;
    void *items = st->muscles;
    int rc = conv_grow(&items, &c->cap_muscles, st->n_muscles, sizeof st->muscles[0]);
    if (rc != EDX_OK)
        return rc;
    st->muscles = items;
    study_muscle *m = &st->muscles[st->n_muscles];
    memset(m, 0, sizeof *m);
    const conv_muscle *row = NULL;
    conv_side side = s->label.side;
    if (s->is_labelled_muscle) {
        row = s->label.muscle;
    } else if (c->has_muscle_ctx) {
        row = c->muscle;
        if (!side)
            side = c->muscle_side;
    }
    m->row = row;
    if (row) {
        conv_fmt(m->muscle, sizeof m->muscle, "%s", row->name);
        m->region = row->region;
        conv_fmt(m->roots, sizeof m->roots, "%s", row->roots);
        conv_fmt(m->nerve, sizeof m->nerve, "%s", row->nerve);
    } else {
        conv_fmt(m->muscle, sizeof m->muscle, "%s",
                 c->has_muscle_ctx && !s->is_labelled_muscle ? c->muscle_text : s->label.rest);
    }
    m->side = side;
    m->file = 0;
    m->signal = s->index;
    conv_fmt(m->label, sizeof m->label, "%s", s->sig->label);
    m->sample_rate_hz = s->sig->sample_rate_hz;
    m->t0_s = t0;
    m->t1_s = NAN;
    s->muscle_entry = st->n_muscles++;
    return EDX_OK;
}

/* Muscle: switches the muscle of the signals whose label names none. */
static int switch_muscle(ctx *c, double onset)
{
    study *st = c->st;
    for (int i = 0; i < c->n_sigs; i++) {
        sig_state *s = &c->sigs[i];
        if (s->kind != CONV_KIND_EMG)
            continue;
        if (s->is_labelled_muscle) {
            const study_muscle *cur = &st->muscles[s->muscle_entry];
            if (c->muscle != cur->row) {
                int rc = study_warn(st, "CONV-MUSCLE-CONFLICT", 0, s->index, onset,
                                    "'Muscle: %s' ignored: label '%s' names %s", c->muscle_text,
                                    s->sig->label, cur->muscle);
                if (rc != EDX_OK)
                    return rc;
            }
            continue;
        }
        study_muscle *cur = &st->muscles[s->muscle_entry];
        if (cur->n_epochs == 0 && cur->n_sites == 0 && onset - cur->t0_s < 1.0 &&
            s->muscle_entry == st->n_muscles - 1) {
            /* nothing recorded yet under the old name: rename it */
            free(cur->epochs);
            free(cur->sites);
            double t0 = cur->t0_s;
            st->n_muscles--;
            int rc = open_muscle(c, s, t0);
            if (rc != EDX_OK)
                return rc;
            continue;
        }
        cur->t1_s = onset;
        int rc = open_muscle(c, s, onset);
        if (rc != EDX_OK)
            return rc;
    }
    return EDX_OK;
}

static int add_epoch(ctx *c, const edf_annotation *an, const conv_annot *a)
{
    study *st = c->st;
    if (!(an->duration_s > 0.0))
        return study_warn(st, "CONV-EPOCH-NO-DURATION", 0, -1, an->onset_s,
                          "'%s' has no duration, so it marks no epoch",
                          conv_state_name(a->state));
    for (int i = 0; i < c->n_sigs; i++) {
        sig_state *s = &c->sigs[i];
        if (s->kind != CONV_KIND_EMG)
            continue;
        study_muscle *m = &st->muscles[s->muscle_entry];
        void *items = m->epochs;
        int rc = conv_push(&items, m->n_epochs, sizeof m->epochs[0]);
        if (rc != EDX_OK)
            return rc;
        m->epochs = items;
        m->epochs[m->n_epochs++] = (study_epoch){a->state, an->onset_s, an->duration_s};
        m->has_activation_annotations = true;
    }
    return EDX_OK;
}

static int add_needle_site(ctx *c, const edf_annotation *an, const conv_annot *a)
{
    study *st = c->st;
    for (int i = 0; i < c->n_sigs; i++) {
        sig_state *s = &c->sigs[i];
        if (s->kind != CONV_KIND_EMG)
            continue;
        study_muscle *m = &st->muscles[s->muscle_entry];
        void *items = m->sites;
        int rc = conv_push(&items, m->n_sites, sizeof m->sites[0]);
        if (rc != EDX_OK)
            return rc;
        m->sites = items;
        m->sites[m->n_sites++] = (study_needle_site){a->needle_site, an->onset_s};
    }
    return EDX_OK;
}

/* ---- conditions ------------------------------------------------------------------------- */

static int add_conditions(ctx *c, const edf_annotation *an, const conv_annot *a)
{
    study_conditions *k = &c->st->conditions;
    int rc = EDX_OK;
    if (a->what & CONV_HAS_TEMPERATURE) {
        if (isnan(k->temperature_c)) {
            k->temperature_c = a->temperature_c;
            conv_fmt(k->temperature_site, sizeof k->temperature_site, "%s", a->temperature_site);
        } else if (k->temperature_c != a->temperature_c) {
            rc = study_warn(c->st, "CONV-TEMPERATURE-MULTIPLE", 0, -1, an->onset_s,
                            "several temperatures; the first (%g C%s%s) is used, %g C%s%s is not",
                            k->temperature_c, k->temperature_site[0] ? " " : "",
                            k->temperature_site, a->temperature_c,
                            a->temperature_site[0] ? " " : "", a->temperature_site);
        }
    }
    if (rc == EDX_OK && (a->what & CONV_HAS_HEIGHT)) {
        if (isnan(k->height_cm))
            k->height_cm = a->height_cm;
        else if (k->height_cm != a->height_cm)
            rc = study_warn(c->st, "CONV-CONDITION-CONFLICT", 0, -1, an->onset_s,
                            "two heights (%g cm and %g cm); the first is used", k->height_cm,
                            a->height_cm);
    }
    char *text = NULL;
    const char *what = NULL;
    if (a->what & CONV_HAS_INDICATION) {
        text = k->indication;
        what = "indication";
    } else if (a->what & CONV_HAS_REFERRER) {
        text = k->referrer;
        what = "referrer";
    }
    if (rc == EDX_OK && text) {
        if (!text[0])
            conv_fmt(text, CONV_TEXT_MAX, "%s", a->text);
        else if (strcmp(text, a->text) != 0)
            rc = study_warn(c->st, "CONV-CONDITION-CONFLICT", 0, -1, an->onset_s,
                            "two texts for %s; the first is used", what);
    }
    return rc;
}

/* ---- the file ---------------------------------------------------------------------------- */

/* A cheap look at a text: does it start a stimulus or a test code? Decides
 * the kind of unprefixed signals before the real pass. */
static bool text_starts(const char *s, const char *kw)
{
    while (*s && conv_is_space((unsigned char)*s))
        s++;
    size_t k = strlen(kw);
    return strlen(s) >= k && conv_eq_word(s, k, kw);
}

static bool text_has_xml_stimulus(const char *s)
{
    if (!text_starts(s, "<EDF_XMLnote"))
        return false;
    for (const char *p = s; *p; p++)
        if (p[0] == '<' && strlen(p + 1) >= 8 && conv_eq_word(p + 1, 8, "stimulus"))
            return true;
    return false;
}

typedef struct order_item {
    double onset;
    size_t index;
} order_item;

static int cmp_order(const void *a, const void *b)
{
    const order_item *x = a, *y = b;
    if (x->onset < y->onset)
        return -1;
    if (x->onset > y->onset)
        return 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int setup_signals(ctx *c, bool has_stim, bool has_test)
{
    const study_input *in = c->in;
    study *st = c->st;
    int rc = EDX_OK;
    for (int i = 0; i < in->info->n_signals && rc == EDX_OK; i++) {
        const edf_signal *sig = &in->signals[i];
        sig_state *s = &c->sigs[c->n_sigs];
        memset(s, 0, sizeof *s);
        s->index = i;
        s->sig = sig;
        s->muscle_entry = SIZE_MAX;
        if (sig->is_annotation)
            continue;
        if (!(sig->uv_per_unit > 0.0)) {
            rc = study_warn(st, "CONV-SIGNAL-UNIT", 0, i, NAN,
                            "signal '%s' is in '%s', not a voltage (uV, mV, V): skipped",
                            sig->label, sig->physdim);
            continue;
        }
        /* a label that fills all 16 header bytes may be cut short */
        bool is_cut = strlen(sig->label) >= 16;
        conv_parse_label(c->t, sig->label, is_cut, &s->label);
        s->kind = s->label.kind;
        if (s->kind == CONV_KIND_UNKNOWN)
            s->kind = (c->file_code.found || has_test || has_stim) ? CONV_KIND_NC : CONV_KIND_EMG;
        if (s->label.warning.code &&
            (rc = study_warn(st, s->label.warning.code, 0, i, NAN, "%s",
                             s->label.warning.message)) != EDX_OK)
            break;
        if (!s->label.has_prefix && s->kind == CONV_KIND_EMG && !s->label.muscle)
            rc = study_warn(st, "CONV-UNKNOWN-MUSCLE", 0, i, NAN,
                            "label '%s': '%s' is not a muscle of %s", sig->label, s->label.rest,
                            CONV_MUSCLES_FILE);
        if (rc == EDX_OK && !s->label.has_prefix && s->kind == CONV_KIND_NC &&
            !s->label.recording_site[0])
            rc = study_warn(st, "CONV-UNKNOWN-RECORDING-SITE", 0, i, NAN,
                            "label '%s': '%s' is not a recording site of %s", sig->label,
                            s->label.rest, CONV_NERVES_FILE);
        double rate = sig->sample_rate_hz;
        if (rc == EDX_OK && s->kind == CONV_KIND_EMG && rate < RATE_EMG_MIN_HZ)
            rc = study_warn(st, "CONV-SAMPLE-RATE-TOO-LOW", 0, i, NAN,
                            "signal '%s' is sampled at %g Hz; needle EMG needs 4 kHz or more "
                            "(10 kHz expected)", sig->label, rate);
        else if (rc == EDX_OK && rate < RATE_EXPECTED_HZ)
            rc = study_warn(st, "CONV-LOW-SAMPLE-RATE", 0, i, NAN,
                            "signal '%s' is sampled at %g Hz (10 kHz expected): %s resolution "
                            "%.3g ms", sig->label, rate,
                            s->kind == CONV_KIND_NC ? "latency" : "time",
                            rate > 0 ? 1000.0 / rate : 0.0);
        s->is_labelled_muscle = s->kind == CONV_KIND_EMG && s->label.muscle != NULL;
        if (rc == EDX_OK && s->kind == CONV_KIND_EMG)
            rc = open_muscle(c, s, in->n_segments ? in->segments[0].onset_s : 0.0);
        c->n_sigs++;
    }
    return rc;
}

static int handle_annotation(ctx *c, const edf_annotation *an)
{
    study *st = c->st;
    conv_annot a;
    const char *text = an->text ? an->text : "";
    int rc = conv_parse_annotation(c->t, text, strlen(text), &a);
    if (rc != EDX_OK)
        return rc;
    if (a.warning.code &&
        (rc = study_warn(st, a.warning.code, 0, -1, an->onset_s, "%s", a.warning.message)) !=
            EDX_OK)
        return rc;
    if (a.what & CONV_HAS_TEST) {
        c->test = a.test;
        if (a.nerve[0] || a.side) {
            c->has_nerve_ctx = true;
            conv_fmt(c->nerve, sizeof c->nerve, "%s", a.nerve);
            c->side = a.side;
        }
    }
    if (a.what & CONV_HAS_NERVE) {
        c->has_nerve_ctx = true;
        conv_fmt(c->nerve, sizeof c->nerve, "%s", a.nerve);
        c->side = a.side;
    }
    if (a.what & CONV_HAS_MUSCLE) {
        c->has_muscle_ctx = true;
        c->muscle = a.muscle;
        c->muscle_side = a.side;
        conv_fmt(c->muscle_text, sizeof c->muscle_text, "%s", a.muscle_text);
        if ((rc = switch_muscle(c, an->onset_s)) != EDX_OK)
            return rc;
    }
    if ((a.what & CONV_HAS_STIMULUS) && (rc = study_nc_stimulus(c, an, &a)) != EDX_OK)
        return rc;
    if ((a.what & CONV_HAS_RESPONSE) && (rc = study_nc_response(c, an, &a)) != EDX_OK)
        return rc;
    if ((a.what & CONV_HAS_STATE) && (rc = add_epoch(c, an, &a)) != EDX_OK)
        return rc;
    if ((a.what & CONV_HAS_NEEDLE_SITE) && (rc = add_needle_site(c, an, &a)) != EDX_OK)
        return rc;
    return add_conditions(c, an, &a);
}

static int finish_emg(ctx *c)
{
    study *st = c->st;
    double end = study_file_end_s(c->in);
    int rc = EDX_OK;
    for (size_t i = 0; i < st->n_muscles && rc == EDX_OK; i++) {
        study_muscle *m = &st->muscles[i];
        if (isnan(m->t1_s))
            m->t1_s = end;
        if (!m->side)
            rc = study_warn(st, "CONV-NO-SIDE", 0, m->signal, NAN,
                            "muscle '%s' (signal '%s'): no side (L or R)", m->muscle, m->label);
    }
    return rc;
}

int study_build_file(const conv_tables *t, const study_input *in, study *st)
{
    if (!t || !in || !in->info || !in->path || !st || (in->info->n_signals > 0 && !in->signals))
        return EDX_ERR_INVALID;
    memset(st, 0, sizeof *st);
    const edf_info *info = in->info;
    st->conditions.temperature_c = st->conditions.height_cm = NAN;
    st->patient.age_years = -1;
    /* the folder: everything before the last '/' */
    const char *slash = strrchr(in->path, '/');
    size_t flen = slash ? (size_t)(slash - in->path) : 1;
    st->folder = malloc(flen + 1);
    st->files = calloc(1, sizeof *st->files);
    char *path = malloc(strlen(in->path) + 1);
    if (!st->folder || !st->files || !path) {
        free(path);
        study_clear(st);
        return EDX_ERR_NOMEM;
    }
    if (slash)
        memcpy(st->folder, in->path, flen);
    else
        st->folder[0] = '.';
    st->folder[flen] = '\0';
    if (slash && flen == 0) /* "/x.edf" */
        memcpy(st->folder, "/", 2);
    memcpy(path, in->path, strlen(in->path) + 1);
    study_file *f = &st->files[0];
    st->n_files = 1;
    f->path = path;
    f->format = info->format;
    f->has_plus_subfields = info->has_plus_subfields;
    f->start_year = info->start_year;
    f->start_month = info->start_month;
    f->start_day = info->start_day;
    f->start_hour = info->start_hour;
    f->start_minute = info->start_minute;
    f->start_second = info->start_second;
    f->duration_s = info->duration_s;
    f->n_signals = info->n_signals;
    st->start_year = info->start_year;
    st->start_month = info->start_month;
    st->start_day = info->start_day;
    st->start_hour = info->start_hour;
    st->start_minute = info->start_minute;
    st->start_second = info->start_second;
    if (info->has_plus_subfields) {
        conv_fmt(st->patient.code, sizeof st->patient.code, "%s", info->patient.code);
        conv_fmt(st->patient.name, sizeof st->patient.name, "%s", info->patient.name);
        st->patient.sex = info->patient.sex;
        st->patient.birth_year = info->patient.birth_year;
        st->patient.birth_month = info->patient.birth_month;
        st->patient.birth_day = info->patient.birth_day;
    }

    ctx c;
    memset(&c, 0, sizeof c);
    c.t = t;
    c.in = in;
    c.st = st;
    int rc = EDX_OK;
    /* the test code: EDF+ extra recording subfields, or a legacy file's whole field */
    const char *rec = info->has_plus_subfields ? info->recording.additional : info->recording_raw;
    conv_parse_testcode(t, rec, strlen(rec), &c.file_code);
    if (c.file_code.warning.code)
        rc = study_warn(st, c.file_code.warning.code, 0, -1, NAN, "recording field: %s",
                        c.file_code.warning.message);
    if (rc == EDX_OK && !info->has_plus_subfields)
        rc = study_warn(st, "CONV-LEGACY-FILE", 0, -1, NAN,
                        "%s has no EDF+ patient and recording subfields: the patient is not "
                        "identified and the file joins the study of its folder", in->path);

    bool has_stim = false, has_test = false;
    for (size_t i = 0; i < in->n_annots; i++) {
        const char *s = in->annots[i].text ? in->annots[i].text : "";
        has_stim = has_stim || text_starts(s, "stimulus") || text_has_xml_stimulus(s);
        has_test = has_test || text_starts(s, "test:") || text_starts(s, "test :");
    }
    c.sigs = calloc((size_t)(info->n_signals > 0 ? info->n_signals : 1), sizeof *c.sigs);
    order_item *order = calloc(in->n_annots ? in->n_annots : 1, sizeof *order);
    if (!c.sigs || !order)
        rc = EDX_ERR_NOMEM;
    if (rc == EDX_OK)
        rc = setup_signals(&c, has_stim, has_test);
    if (rc == EDX_OK) {
        for (size_t i = 0; i < in->n_annots; i++)
            order[i] = (order_item){in->annots[i].onset_s, i};
        qsort(order, in->n_annots, sizeof *order, cmp_order);
        for (size_t i = 0; i < in->n_annots && rc == EDX_OK; i++)
            rc = handle_annotation(&c, &in->annots[order[i].index]);
    }
    if (rc == EDX_OK)
        rc = study_nc_finish(&c);
    if (rc == EDX_OK)
        rc = finish_emg(&c);
    free(order);
    free(c.sigs);
    if (rc != EDX_OK)
        study_clear(st);
    return rc;
}
