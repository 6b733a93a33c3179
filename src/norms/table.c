/*
 * table.c - templates/normals.tsv loaded into an immutable norms_table.
 *
 * Format: UTF-8 text, tab-separated; lines starting with '#' and empty lines
 * are ignored; the first other line is the header naming the columns (any
 * order, unknown columns ignored). Required columns: nerve, test,
 * recording_site, parameter, limit_kind, value, unit, source. Optional (a
 * missing column, an empty cell or '*' mean "any" / "not stated"): segment,
 * age_min, age_max, height_min_cm, height_max_cm, sex (M|F), distance_cm,
 * temp_min_c, lff_hz ("2-3" or "20"). Numbers use '.' whatever the locale
 * (edx_parse_double). The full description is in the table's own header.
 *
 * A bad row is skipped with a warning "<path>:<line>: ..." and the rest of
 * the table still loads.
 */
#include "edx/norms.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NT_MAX_BYTES = 1024 * 1024, NT_MAX_CELLS = 24, NT_PATH_MAX = 1024 };

typedef enum col {
    C_NERVE, C_TEST, C_SITE, C_PARAM, C_SEGMENT, C_KIND, C_VALUE, C_UNIT,
    C_AGE_MIN, C_AGE_MAX, C_H_MIN, C_H_MAX, C_SEX, C_DIST, C_TEMP, C_LFF, C_SOURCE,
    C_COUNT
} col;

static const char *const col_names[C_COUNT] = {
    "nerve", "test", "recording_site", "parameter", "segment", "limit_kind", "value", "unit",
    "age_min", "age_max", "height_min_cm", "height_max_cm", "sex", "distance_cm",
    "temp_min_c", "lff_hz", "source"};
static const bool col_required[C_COUNT] = {
    [C_NERVE] = true, [C_TEST] = true, [C_SITE] = true, [C_PARAM] = true, [C_KIND] = true,
    [C_VALUE] = true, [C_UNIT] = true, [C_SOURCE] = true};

typedef enum unit_class { U_TIME, U_AMP, U_VEL, U_PCT } unit_class;

typedef struct param_def {
    const char *name;
    unit_class unit;
} param_def;

static const param_def params[] = {
    {"onset_latency_ms", U_TIME},      {"peak_latency_ms", U_TIME},
    {"amplitude_uv", U_AMP},           {"amplitude_pp_uv", U_AMP},
    {"velocity_m_s", U_VEL},           {"duration_ms", U_TIME},
    {"fwave_min_latency_ms", U_TIME},  {"amplitude_drop_pct", U_PCT},
    {"area_drop_pct", U_PCT},          {"duration_increase_pct", U_PCT},
    {"side_latency_diff_ms", U_TIME},  {"side_amplitude_diff_pct", U_PCT},
    {"velocity_drop_m_s", U_VEL},      {"velocity_drop_pct", U_PCT},
};

struct norms_table {
    norms_limit *rows;
    size_t n, cap;
};

typedef struct reader {
    const char *path;
    char *data;
    size_t size, pos;
    int line;
    char *cells[NT_MAX_CELLS];
    size_t n_cells;
    int cols[C_COUNT]; /* cell index per column, -1 when absent */
} reader;

/* ---- reading ---------------------------------------------------------------- */

static void split_cells(reader *r, char *line)
{
    r->n_cells = 0;
    char *c = line;
    for (;;) {
        char *tab = strchr(c, '\t');
        if (tab)
            *tab = '\0';
        if (r->n_cells < NT_MAX_CELLS)
            r->cells[r->n_cells++] = c;
        if (!tab)
            return;
        c = tab + 1;
    }
}

/* Splits the next non-comment, non-empty line into cells. false at the end. */
static bool next_line(reader *r)
{
    while (r->pos < r->size) {
        char *line = r->data + r->pos;
        char *nl = memchr(line, '\n', r->size - r->pos);
        size_t len = nl ? (size_t)(nl - line) : r->size - r->pos;
        r->pos += len + (nl ? 1 : 0);
        r->line++;
        line[len] = '\0';
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        split_cells(r, line);
        return true;
    }
    return false;
}

static const char *cell(const reader *r, col c)
{
    int i = r->cols[c];
    return (i >= 0 && (size_t)i < r->n_cells) ? r->cells[i] : "";
}

static int read_header(reader *r, edx_diags *d)
{
    if (!next_line(r)) {
        edx_diag_add(d, EDX_SEV_ERROR, "NORMS-TABLE-MALFORMED", EDX_LOC_NONE,
                     "%s: no header row", r->path);
        return EDX_ERR_CONFIG;
    }
    for (int c = 0; c < C_COUNT; c++) {
        r->cols[c] = -1;
        for (size_t i = 0; i < r->n_cells; i++)
            if (strcmp(r->cells[i], col_names[c]) == 0)
                r->cols[c] = (int)i;
        if (r->cols[c] < 0 && col_required[c]) {
            edx_diag_add(d, EDX_SEV_ERROR, "NORMS-TABLE-MALFORMED", EDX_LOC_NONE,
                         "%s:%d: the header has no column '%s'", r->path, r->line,
                         col_names[c]);
            return EDX_ERR_CONFIG;
        }
    }
    return EDX_OK;
}

/* ---- one row ---------------------------------------------------------------- */

/* Copies s without leading/trailing spaces into dst (truncating). */
static void copy_trim(char *dst, size_t size, const char *s)
{
    while (*s == ' ')
        s++;
    size_t len = strlen(s);
    while (len > 0 && s[len - 1] == ' ')
        len--;
    if (len >= size)
        len = size - 1;
    memcpy(dst, s, len);
    dst[len] = '\0';
}

static bool is_any(const char *s)
{
    while (*s == ' ')
        s++;
    return s[0] == '\0' || (s[0] == '*' && s[1] == '\0');
}

#define ROW_WARN(r, d, code, ...)                                                   \
    do {                                                                            \
        char msg_[200];                                                             \
        snprintf(msg_, sizeof msg_, __VA_ARGS__);                                   \
        edx_diag_add((d), EDX_SEV_WARNING, (code), EDX_LOC_NONE, "%s:%d: %s",       \
                     (r)->path, (r)->line, msg_);                                   \
    } while (0)

/* An optional number: "" or '*' give NAN. false (with a warning) when bad. */
static bool opt_number(const reader *r, col c, double *out, edx_diags *d)
{
    const char *s = cell(r, c);
    *out = NAN;
    if (is_any(s))
        return true;
    if (edx_parse_double(s, strlen(s), out) != EDX_OK || !isfinite(*out)) {
        ROW_WARN(r, d, "NORMS-ROW-BAD-NUMBER", "%s '%s' is not a number", col_names[c], s);
        return false;
    }
    return true;
}

/* lff_hz: "", "*", "20" or "2-3". */
static bool lff_range(const reader *r, norms_limit *lim, edx_diags *d)
{
    const char *s = cell(r, C_LFF);
    lim->lff_min_hz = lim->lff_max_hz = NAN;
    if (is_any(s))
        return true;
    const char *dash = strchr(s + 1, '-');
    size_t len1 = dash ? (size_t)(dash - s) : strlen(s);
    double lo, hi;
    bool ok = edx_parse_double(s, len1, &lo) == EDX_OK;
    hi = lo;
    if (ok && dash)
        ok = edx_parse_double(dash + 1, strlen(dash + 1), &hi) == EDX_OK;
    if (!ok || !(lo >= 0) || !(hi >= lo)) {
        ROW_WARN(r, d, "NORMS-ROW-BAD-NUMBER", "lff_hz '%s' is not a number or range", s);
        return false;
    }
    lim->lff_min_hz = lo;
    lim->lff_max_hz = hi;
    return true;
}

static const param_def *param_of(const char *s)
{
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
        if (strcmp(params[i].name, s) == 0)
            return &params[i];
    return NULL;
}

/* Checks the unit against the parameter and scales the value to it. */
static bool unit_scale(const reader *r, const param_def *p, norms_limit *lim, edx_diags *d)
{
    const char *u = cell(r, C_UNIT);
    double scale = 1.0;
    bool ok;
    switch (p->unit) {
    case U_TIME: ok = strcmp(u, "ms") == 0; lim->unit = "ms"; break;
    case U_VEL: ok = strcmp(u, "m/s") == 0; lim->unit = "m/s"; break;
    case U_PCT: ok = strcmp(u, "%") == 0; lim->unit = "%"; break;
    default:
        lim->unit = "uV";
        ok = strcmp(u, "uV") == 0 || strcmp(u, "\xC2\xB5V") == 0 || strcmp(u, "mV") == 0;
        scale = strcmp(u, "mV") == 0 ? 1000.0 : 1.0;
        break;
    }
    if (!ok) {
        ROW_WARN(r, d, "NORMS-ROW-BAD-UNIT", "unit '%s' does not fit parameter '%s' (wants %s)",
                 u, p->name, p->unit == U_AMP ? "uV or mV" : lim->unit);
        return false;
    }
    lim->value *= scale;
    return true;
}

static bool names_ok(const reader *r, norms_limit *lim, edx_diags *d)
{
    copy_trim(lim->nerve, sizeof lim->nerve, cell(r, C_NERVE));
    copy_trim(lim->test, sizeof lim->test, cell(r, C_TEST));
    copy_trim(lim->recording_site, sizeof lim->recording_site, cell(r, C_SITE));
    copy_trim(lim->parameter, sizeof lim->parameter, cell(r, C_PARAM));
    if (!is_any(cell(r, C_SEGMENT)))
        copy_trim(lim->segment, sizeof lim->segment, cell(r, C_SEGMENT));
    copy_trim(lim->source, sizeof lim->source, cell(r, C_SOURCE));
    if (!lim->nerve[0] || !lim->recording_site[0]) {
        ROW_WARN(r, d, "NORMS-ROW-MALFORMED", "no nerve or recording site");
        return false;
    }
    if (strcmp(lim->test, "motor") != 0 && strcmp(lim->test, "sensory") != 0 &&
        strcmp(lim->test, "fwave") != 0) {
        ROW_WARN(r, d, "NORMS-ROW-BAD-TEST", "test '%s' is not motor, sensory or fwave",
                 lim->test);
        return false;
    }
    if (!lim->source[0]) {
        ROW_WARN(r, d, "NORMS-ROW-NO-SOURCE", "the row cites no source");
        return false;
    }
    return true;
}

static bool kind_value_ok(const reader *r, norms_limit *lim, edx_diags *d)
{
    const char *k = cell(r, C_KIND);
    if (strcmp(k, "uln") == 0)
        lim->kind = NORMS_ULN;
    else if (strcmp(k, "lln") == 0)
        lim->kind = NORMS_LLN;
    else {
        ROW_WARN(r, d, "NORMS-ROW-BAD-KIND", "limit_kind '%s' is not uln or lln", k);
        return false;
    }
    const param_def *p = param_of(lim->parameter);
    if (!p) {
        ROW_WARN(r, d, "NORMS-ROW-BAD-PARAMETER", "unknown parameter '%s'", lim->parameter);
        return false;
    }
    if (is_any(cell(r, C_VALUE))) {
        ROW_WARN(r, d, "NORMS-ROW-BAD-NUMBER", "no value");
        return false;
    }
    return opt_number(r, C_VALUE, &lim->value, d) && unit_scale(r, p, lim, d);
}

static bool sex_ok(const reader *r, norms_limit *lim, edx_diags *d)
{
    const char *s = cell(r, C_SEX);
    lim->sex = NORMS_SEX_ANY;
    if (is_any(s))
        return true;
    if (strcmp(s, "M") == 0 || strcmp(s, "male") == 0)
        lim->sex = NORMS_SEX_MALE;
    else if (strcmp(s, "F") == 0 || strcmp(s, "female") == 0)
        lim->sex = NORMS_SEX_FEMALE;
    else {
        ROW_WARN(r, d, "NORMS-ROW-MALFORMED", "sex '%s' is not M, F or *", s);
        return false;
    }
    return true;
}

static bool ordered(double lo, double hi)
{
    return isnan(lo) || isnan(hi) || lo <= hi;
}

static bool bands_ok(const reader *r, norms_limit *lim, edx_diags *d)
{
    if (!opt_number(r, C_AGE_MIN, &lim->age_min, d) ||
        !opt_number(r, C_AGE_MAX, &lim->age_max, d) ||
        !opt_number(r, C_H_MIN, &lim->height_min_cm, d) ||
        !opt_number(r, C_H_MAX, &lim->height_max_cm, d) ||
        !opt_number(r, C_DIST, &lim->distance_cm, d) ||
        !opt_number(r, C_TEMP, &lim->temp_min_c, d) || !lff_range(r, lim, d) ||
        !sex_ok(r, lim, d))
        return false;
    if (!ordered(lim->age_min, lim->age_max) ||
        !ordered(lim->height_min_cm, lim->height_max_cm)) {
        ROW_WARN(r, d, "NORMS-ROW-MALFORMED", "a band's minimum exceeds its maximum");
        return false;
    }
    return true;
}

/* "lo-hi unit", "<hi unit", ">=lo unit" into buf at *len. */
static void band_part(char *buf, size_t size, const char *what, double lo, double hi,
                      const char *unit)
{
    char a[32], b[32];
    size_t len = strlen(buf);
    if (isnan(lo) && isnan(hi))
        return;
    const char *sep = len ? ", " : "";
    edx_fmt_double_g(a, sizeof a, lo);
    edx_fmt_double_g(b, sizeof b, hi);
    if (isnan(lo))
        snprintf(buf + len, size - len, "%s%s <%s %s", sep, what, b, unit);
    else if (isnan(hi))
        snprintf(buf + len, size - len, "%s%s >=%s %s", sep, what, a, unit);
    else
        snprintf(buf + len, size - len, "%s%s %s-%s %s", sep, what, a, b, unit);
}

static void describe_band(norms_limit *lim)
{
    char *b = lim->band;
    b[0] = '\0';
    band_part(b, sizeof lim->band, "age", lim->age_min, lim->age_max, "y");
    band_part(b, sizeof lim->band, "height", lim->height_min_cm, lim->height_max_cm, "cm");
    if (lim->sex != NORMS_SEX_ANY) {
        size_t len = strlen(b);
        snprintf(b + len, sizeof lim->band - len, "%s%s", len ? ", " : "",
                 lim->sex == NORMS_SEX_MALE ? "male" : "female");
    }
    if (!b[0])
        snprintf(b, sizeof lim->band, "all");
}

static bool parse_row(const reader *r, norms_limit *lim, edx_diags *d)
{
    memset(lim, 0, sizeof *lim);
    if (!names_ok(r, lim, d) || !kind_value_ok(r, lim, d) || !bands_ok(r, lim, d))
        return false;
    lim->line = r->line;
    describe_band(lim);
    return true;
}

static int table_push(norms_table *t, const norms_limit *lim)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        norms_limit *rows = realloc(t->rows, cap * sizeof *rows);
        if (!rows)
            return EDX_ERR_NOMEM;
        t->rows = rows;
        t->cap = cap;
    }
    t->rows[t->n++] = *lim;
    return EDX_OK;
}

/* ---- public ----------------------------------------------------------------- */

static int load_rows(reader *r, norms_table *t, edx_diags *d)
{
    int rc = read_header(r, d);
    while (rc == EDX_OK && next_line(r)) {
        norms_limit lim;
        if (parse_row(r, &lim, d))
            rc = table_push(t, &lim);
    }
    return rc;
}

int norms_table_load_file(const char *path, edx_diags *d, norms_table **out)
{
    if (!path || !out)
        return EDX_ERR_INVALID;
    *out = NULL;
    reader r;
    memset(&r, 0, sizeof r);
    r.path = path;
    int rc = edx_read_small_file(path, NT_MAX_BYTES, &r.data, &r.size);
    if (rc != EDX_OK) {
        edx_diag_add(d, EDX_SEV_ERROR, "NORMS-TABLE-UNREADABLE", EDX_LOC_NONE, "%s: %s", path,
                     edx_strerror(rc));
        return rc;
    }
    norms_table *t = calloc(1, sizeof *t);
    rc = t ? load_rows(&r, t, d) : EDX_ERR_NOMEM;
    free(r.data);
    if (rc != EDX_OK) {
        norms_table_free(t);
        return rc;
    }
    *out = t;
    return EDX_OK;
}

int norms_table_load(const char *template_dir, edx_diags *d, norms_table **out)
{
    char dir[NT_PATH_MAX], path[NT_PATH_MAX + 16];
    if (!out)
        return EDX_ERR_INVALID;
    *out = NULL;
    if (!template_dir) {
        int rc = edx_find_template_dir(dir, sizeof dir);
        if (rc != EDX_OK) {
            edx_diag_add(d, EDX_SEV_ERROR, "NORMS-TABLE-UNREADABLE", EDX_LOC_NONE,
                         "the templates folder was not found");
            return rc;
        }
        template_dir = dir;
    }
    int n = snprintf(path, sizeof path, "%s/normals.tsv", template_dir);
    if (n < 0 || (size_t)n >= sizeof path)
        return EDX_ERR_RANGE;
    return norms_table_load_file(path, d, out);
}

void norms_table_free(norms_table *t)
{
    if (!t)
        return;
    free(t->rows);
    free(t);
}

size_t norms_table_count(const norms_table *t)
{
    return t ? t->n : 0;
}

const norms_limit *norms_table_at(const norms_table *t, size_t i)
{
    return (t && i < t->n) ? &t->rows[i] : NULL;
}
