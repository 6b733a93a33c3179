/*
 * grouping.c - files into studies (recording-conventions.md section 1): the
 * recordings of one folder that share the EDF+ patient code and start date
 * are one study; a legacy EDF file (no EDF+ subfields) joins the study of
 * its folder. Also reads open EDF files into study inputs.
 */
#include "conv_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int study_set_new(study_set **out)
{
    if (!out)
        return EDX_ERR_INVALID;
    *out = calloc(1, sizeof **out);
    return *out ? EDX_OK : EDX_ERR_NOMEM;
}

void study_set_free(study_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_studies; i++)
        study_clear(&s->studies[i]);
    free(s->studies);
    free(s->warnings);
    free(s);
}

static int set_push(study_set *s, study *st)
{
    void *items = s->studies;
    int rc = conv_push(&items, s->n_studies, sizeof s->studies[0]);
    if (rc != EDX_OK)
        return rc;
    s->studies = items;
    s->studies[s->n_studies++] = *st;
    return EDX_OK;
}

int study_set_add_input(study_set *s, const conv_tables *t, const study_input *in)
{
    if (!s || !t || !in)
        return EDX_ERR_INVALID;
    if (s->is_finished)
        return EDX_ERR_INVALID;
    study st;
    int rc = study_build_file(t, in, &st);
    if (rc != EDX_OK)
        return rc;
    rc = set_push(s, &st);
    if (rc != EDX_OK)
        study_clear(&st);
    return rc;
}

int study_set_add_edf(study_set *s, const conv_tables *t, const char *path, const edf_file *f)
{
    if (!s || !t || !path || !f)
        return EDX_ERR_INVALID;
    const edf_info *info = edf_get_info(f);
    if (!info)
        return EDX_ERR_INVALID;
    study_input in = {path, info, NULL, NULL, 0, NULL, 0};
    size_t n_sig = info->n_signals > 0 ? (size_t)info->n_signals : 0;
    size_t n_ann = edf_annotation_count(f), n_seg = edf_segment_count(f);
    edf_signal *sigs = calloc(n_sig ? n_sig : 1, sizeof *sigs);
    edf_annotation *anns = calloc(n_ann ? n_ann : 1, sizeof *anns);
    edf_segment *segs = calloc(n_seg ? n_seg : 1, sizeof *segs);
    int rc = (sigs && anns && segs) ? EDX_OK : EDX_ERR_NOMEM;
    for (size_t i = 0; rc == EDX_OK && i < n_sig; i++) {
        const edf_signal *g = edf_get_signal(f, (int)i);
        if (!g)
            rc = EDX_ERR_FORMAT;
        else
            sigs[i] = *g;
    }
    for (size_t i = 0; rc == EDX_OK && i < n_ann; i++) {
        const edf_annotation *a = edf_annotation_at(f, i);
        if (!a)
            rc = EDX_ERR_FORMAT;
        else
            anns[i] = *a; /* the text stays the reader's */
    }
    for (size_t i = 0; rc == EDX_OK && i < n_seg; i++) {
        const edf_segment *g = edf_get_segment(f, i);
        if (!g)
            rc = EDX_ERR_FORMAT;
        else
            segs[i] = *g;
    }
    if (rc == EDX_OK) {
        in.signals = sigs;
        in.annots = anns;
        in.n_annots = n_ann;
        in.segments = segs;
        in.n_segments = n_seg;
        rc = study_set_add_input(s, t, &in);
    }
    free(sigs);
    free(anns);
    free(segs);
    return rc;
}

static int set_warn(study_set *s, const char *code, const char *path, const char *why)
{
    void *items = s->warnings;
    if (conv_push(&items, s->n_warnings, sizeof s->warnings[0]) != EDX_OK)
        return EDX_ERR_NOMEM;
    s->warnings = items;
    study_warning *w = &s->warnings[s->n_warnings++];
    memset(w, 0, sizeof *w);
    w->code = code;
    w->file = w->signal = -1;
    w->onset_s = NAN;
    conv_fmt(w->message, sizeof w->message, "%s cannot be read: %s", path, why);
    return EDX_OK;
}

int study_set_add_path(study_set *s, const conv_tables *t, const char *path, edx_diags *diags)
{
    if (!s || !t || !path)
        return EDX_ERR_INVALID;
    size_t before = diags ? diags->count : 0;
    edf_file *f = NULL;
    int rc = edf_open(path, diags, &f);
    if (rc == EDX_ERR_NOMEM)
        return rc;
    if (rc != EDX_OK || !f) {
        const char *why = edx_strerror(rc);
        for (size_t i = before; diags && i < diags->count; i++)
            if (diags->items[i].severity == EDX_SEV_ERROR)
                why = diags->items[i].message;
        return set_warn(s, "CONV-FILE-UNREADABLE", path, why);
    }
    rc = study_set_add_edf(s, t, path, f);
    edf_close(f);
    return rc;
}

/* ---- grouping ------------------------------------------------------------------------------ */

static int cmp_date(const study *a, const study *b)
{
    int x[6] = {a->start_year, a->start_month, a->start_day,
                a->start_hour, a->start_minute, a->start_second};
    int y[6] = {b->start_year, b->start_month, b->start_day,
                b->start_hour, b->start_minute, b->start_second};
    for (int i = 0; i < 6; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

static bool same_day(const study *a, const study *b)
{
    return a->start_year == b->start_year && a->start_month == b->start_month &&
           a->start_day == b->start_day;
}

/* Studies in order: folder, patient code, start. */
static int cmp_group(const void *pa, const void *pb)
{
    const study *a = pa, *b = pb;
    int c = strcmp(a->folder, b->folder);
    if (c)
        return c;
    if ((c = strcmp(a->patient.code, b->patient.code)) != 0)
        return c;
    return cmp_date(a, b);
}

/* Files in order: folder, patient code, start, path. */
static int cmp_file_study(const void *pa, const void *pb)
{
    const study *a = pa, *b = pb;
    int c = cmp_group(a, b);
    return c != 0 ? c : strcmp(a->files[0].path, b->files[0].path);
}

static size_t implicit_cap(size_t n)
{
    size_t c = 8;
    while (c < n)
        c *= 2;
    return c;
}

/* Appends b's items to a's (element size `size`), keeping conv_push's capacity. */
static int append(void **a, size_t *na, void *b, size_t nb, size_t size)
{
    if (nb == 0)
        return EDX_OK;
    size_t cap = implicit_cap(*na + nb);
    void *p = realloc(*a, cap * size);
    if (!p)
        return EDX_ERR_NOMEM;
    memcpy((char *)p + *na * size, b, nb * size);
    *a = p;
    *na += nb;
    return EDX_OK;
}

/* Moves the one-file study src into dst; src is emptied. */
static int merge(study *dst, study *src)
{
    size_t off = dst->n_files;
    for (size_t i = 0; i < src->n_nerve_tests; i++)
        src->nerve_tests[i].file += (int)off;
    for (size_t i = 0; i < src->n_muscles; i++)
        src->muscles[i].file += (int)off;
    for (size_t i = 0; i < src->n_warnings; i++)
        if (src->warnings[i].file >= 0)
            src->warnings[i].file += (int)off;
    void *p = dst->files;
    size_t n = dst->n_files;
    int rc = append(&p, &n, src->files, src->n_files, sizeof src->files[0]);
    if (rc != EDX_OK)
        return rc;
    dst->files = p;
    dst->n_files = n;
    free(src->files);
    src->files = NULL;
    src->n_files = 0;
#define MOVE(field, count)                                                                    \
    do {                                                                                      \
        void *q = dst->field;                                                                 \
        size_t m = dst->count;                                                                \
        if ((rc = append(&q, &m, src->field, src->count, sizeof src->field[0])) != EDX_OK)     \
            return rc;                                                                        \
        dst->field = q;                                                                       \
        dst->count = m;                                                                       \
        free(src->field);                                                                     \
        src->field = NULL;                                                                    \
        src->count = 0;                                                                       \
    } while (0)
    MOVE(nerve_tests, n_nerve_tests);
    MOVE(muscles, n_muscles);
    MOVE(warnings, n_warnings);
#undef MOVE
    /* conditions: the first file's value holds; a different one is reported */
    study_conditions *d = &dst->conditions, *s = &src->conditions;
    int fi = (int)off;
    if (isnan(d->temperature_c)) {
        d->temperature_c = s->temperature_c;
        memcpy(d->temperature_site, s->temperature_site, sizeof d->temperature_site);
    } else if (!isnan(s->temperature_c) && s->temperature_c != d->temperature_c) {
        rc = study_warn(dst, "CONV-TEMPERATURE-MULTIPLE", fi, -1, NAN,
                        "files disagree on the temperature (%g C and %g C); the first is used",
                        d->temperature_c, s->temperature_c);
    }
    if (rc == EDX_OK && isnan(d->height_cm))
        d->height_cm = s->height_cm;
    else if (rc == EDX_OK && !isnan(s->height_cm) && s->height_cm != d->height_cm)
        rc = study_warn(dst, "CONV-CONDITION-CONFLICT", fi, -1, NAN,
                        "files disagree on the height (%g cm and %g cm); the first is used",
                        d->height_cm, s->height_cm);
    if (!d->indication[0])
        memcpy(d->indication, s->indication, sizeof d->indication);
    if (!d->referrer[0])
        memcpy(d->referrer, s->referrer, sizeof d->referrer);
    if (!dst->patient.code[0] && src->patient.code[0])
        dst->patient = src->patient;
    if (cmp_date(src, dst) < 0) {
        dst->start_year = src->start_year;
        dst->start_month = src->start_month;
        dst->start_day = src->start_day;
        dst->start_hour = src->start_hour;
        dst->start_minute = src->start_minute;
        dst->start_second = src->start_second;
    }
    return rc;
}

/* Full years from the birth date to the study's start date. */
static int compute_age(study *st)
{
    study_patient *p = &st->patient;
    p->age_years = -1;
    if (!p->birth_year || !p->birth_month || !p->birth_day || !st->start_year)
        return EDX_OK;
    int age = st->start_year - p->birth_year;
    if (st->start_month < p->birth_month ||
        (st->start_month == p->birth_month && st->start_day < p->birth_day))
        age--;
    if (age < 0 || age > 130)
        return study_warn(st, "CONV-AGE-INVALID", -1, -1, NAN,
                          "birth date %04d-%02d-%02d and study date %04d-%02d-%02d give no age",
                          p->birth_year, p->birth_month, p->birth_day, st->start_year,
                          st->start_month, st->start_day);
    p->age_years = age;
    return EDX_OK;
}


/* Merges a one-file study into group g, or (g == *n) appends it as a new
 * group; either way *one is left empty. */
static int join_or_add(study **groups, size_t *n, size_t g, study *one)
{
    if (g < *n) {
        int rc = merge(&(*groups)[g], one);
        study_clear(one);
        return rc;
    }
    void *items = *groups;
    int rc = conv_push(&items, *n, sizeof **groups);
    if (rc != EDX_OK)
        return rc;
    *groups = items;
    (*groups)[(*n)++] = *one;
    memset(one, 0, sizeof *one);
    return EDX_OK;
}

int study_set_finish(study_set *s)
{
    if (!s || s->is_finished)
        return EDX_ERR_INVALID;
    s->is_finished = true;
    size_t n = s->n_studies;
    study *one = s->studies; /* one study per file, as added; NULL when none */
    if (n > 1)
        qsort(one, n, sizeof *one, cmp_file_study);
    study *groups = NULL;
    size_t n_groups = 0;
    int rc = EDX_OK;
    /* EDF+ files first: folder, patient code, start date */
    for (size_t i = 0; i < n && rc == EDX_OK; i++) {
        if (!one[i].files[0].has_plus_subfields)
            continue;
        size_t g = 0;
        while (g < n_groups &&
               !(groups[g].files[0].has_plus_subfields && strcmp(groups[g].folder, one[i].folder) == 0 &&
                 strcmp(groups[g].patient.code, one[i].patient.code) == 0 &&
                 same_day(&groups[g], &one[i])))
            g++;
        rc = join_or_add(&groups, &n_groups, g, &one[i]);
    }
    size_t n_plus = n_groups;
    /* legacy files: the folder's study */
    for (size_t i = 0; i < n && rc == EDX_OK; i++) {
        if (!one[i].files || one[i].files[0].has_plus_subfields)
            continue;
        size_t match = SIZE_MAX, n_match = 0, day = SIZE_MAX, n_day = 0;
        for (size_t g = 0; g < n_plus; g++) {
            if (strcmp(groups[g].folder, one[i].folder) != 0)
                continue;
            match = g;
            n_match++;
            if (same_day(&groups[g], &one[i])) {
                day = g;
                n_day++;
            }
        }
        size_t target = n_match == 1 ? match : n_day == 1 ? day : SIZE_MAX;
        if (target == SIZE_MAX && n_match > 1)
            rc = study_warn(&one[i], "CONV-LEGACY-AMBIGUOUS", 0, -1, NAN,
                            "%s (plain EDF) lies in a folder with %zu studies and its date does "
                            "not pick one: it is a study of its own", one[i].files[0].path,
                            n_match);
        if (target == SIZE_MAX && n_match == 0) {
            /* a folder of legacy files only: one study for the folder */
            for (size_t g = n_plus; g < n_groups; g++)
                if (strcmp(groups[g].folder, one[i].folder) == 0 &&
                    !groups[g].files[0].has_plus_subfields)
                    target = g;
        }
        if (rc != EDX_OK)
            break;
        rc = join_or_add(&groups, &n_groups, target == SIZE_MAX ? n_groups : target, &one[i]);
    }
    for (size_t i = 0; i < n; i++)
        study_clear(&one[i]);
    free(one);
    s->studies = groups;
    s->n_studies = n_groups;
    for (size_t g = 0; g < n_groups && rc == EDX_OK; g++)
        rc = compute_age(&groups[g]);
    if (n_groups > 1)
        qsort(groups, n_groups, sizeof *groups, cmp_group);
    return rc;
}

int study_group_paths(const conv_tables *t, const char *const *paths, size_t n_paths,
                      edx_diags *diags, study_set **out)
{
    if (!t || !out || (n_paths && !paths))
        return EDX_ERR_INVALID;
    *out = NULL;
    study_set *s;
    int rc = study_set_new(&s);
    for (size_t i = 0; i < n_paths && rc == EDX_OK; i++)
        rc = study_set_add_path(s, t, paths[i], diags);
    if (rc == EDX_OK)
        rc = study_set_finish(s);
    if (rc != EDX_OK) {
        study_set_free(s);
        return rc;
    }
    *out = s;
    return EDX_OK;
}
