/*
 * study_json.c - the "study" and "conditions" parts of the findings file,
 * and the study id that names the outputs.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "edx/findings.h"
#include "findings/internal.h"

/* Copies text into out keeping letters, digits, '-', '_' and '.', other
 * bytes becoming '_' (runs collapsed); returns the length written. */
static size_t safe_part(const char *text, char *out, size_t size)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p && n + 1 < size; p++) {
        bool ok = isalnum(*p) || *p == '-' || *p == '_' || (*p == '.' && n > 0);
        char c = ok && *p < 0x80 ? (char)*p : '_';
        if (c == '_' && n > 0 && out[n - 1] == '_')
            continue;
        out[n++] = c;
    }
    while (n > 0 && out[n - 1] == '_')
        n--;
    out[n] = '\0';
    return n;
}

size_t fnd_study_id(const study *s, char *buf, size_t size)
{
    char who[96];
    size_t n = safe_part(s->patient.code, who, sizeof who);
    if (n == 0 || !strcmp(who, "X")) {
        const char *slash = s->folder ? strrchr(s->folder, '/') : NULL;
        const char *base = slash ? slash + 1 : (s->folder ? s->folder : "");
        n = safe_part(*base ? base : "study", who, sizeof who);
        if (n == 0)
            snprintf(who, sizeof who, "study");
    }
    int len = snprintf(buf, size, "%s-%04d%02d%02d-%02d%02d%02d", who, s->start_year,
                       s->start_month, s->start_day, s->start_hour, s->start_minute,
                       s->start_second);
    return len < 0 ? 0 : (size_t)len;
}

static json_t *file_json(const study_file *f)
{
    char hex[EDX_SHA256_HEX_SIZE];
    uint64_t size = 0;
    json_t *warnings = json_array();
    json_t *sha = json_null();
    if (edx_sha256_file(f->path, hex, &size) == EDX_OK)
        sha = json_string(hex);
    else
        json_array_append_new(warnings, json_string("the file could not be read again to hash it"));
    return json_pack("{s:s, s:o, s:I, s:s, s:o}", "path", f->path, "sha256", sha, "size_bytes",
                     (json_int_t)size, "format", edf_format_name(f->format), "warnings",
                     warnings);
}

json_t *fnd_study_json(const study *s)
{
    const study_patient *p = &s->patient;
    char birth[16], start[24], sex[2] = {p->sex, '\0'}, id[160];
    snprintf(birth, sizeof birth, "%04d-%02d-%02d", p->birth_year, p->birth_month, p->birth_day);
    snprintf(start, sizeof start, "%04d-%02d-%02dT%02d:%02d:%02d", s->start_year, s->start_month,
             s->start_day, s->start_hour, s->start_minute, s->start_second);
    fnd_study_id(s, id, sizeof id);
    json_t *files = json_array();
    for (size_t i = 0; i < s->n_files; i++)
        json_array_append_new(files, file_json(&s->files[i]));
    json_t *patient = json_pack("{s:s, s:s, s:o, s:o, s:o}", "code", p->code, "name", p->name,
                                "sex", p->sex ? json_string(sex) : json_null(), "birthdate",
                                p->birth_year ? json_string(birth) : json_null(), "age_years",
                                p->age_years >= 0 ? json_integer(p->age_years) : json_null());
    json_t *j = json_pack("{s:s, s:s, s:o, s:s, s:o}", "id", id, "folder", s->folder, "patient",
                          patient, "start", start, "files", files);
    const study_conditions *c = &s->conditions;
    json_object_set_new(j, "indication", c->indication[0] ? json_string(c->indication) : json_null());
    json_object_set_new(j, "referrer", c->referrer[0] ? json_string(c->referrer) : json_null());
    return j;
}

json_t *fnd_conditions_json(const study *s)
{
    const study_conditions *c = &s->conditions;
    return json_pack("{s:o, s:o, s:o}", "temperature_c", fnd_num(c->temperature_c, 1),
                     "temperature_site",
                     c->temperature_site[0] ? json_string(c->temperature_site) : json_null(),
                     "height_cm", fnd_num(c->height_cm, 1));
}
