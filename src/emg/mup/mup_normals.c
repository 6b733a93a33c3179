/*
 * mup_normals.c - templates/mup_normals.tsv: muscle- and age-specific limits
 * of the mean MUP amplitude and duration and of polyphasia (format in the
 * table's own header). A bad row is skipped with a warning naming
 * "<file>:<line>"; a table without a default ('*') row covering adults is
 * EDX_ERR_CONFIG.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edx/mup.h"

enum { MN_MAX_BYTES = 256 * 1024, MN_MAX_ROWS = 1024, MN_COLS = 11 };

/* Relative spread of a mean-of-n limit: hw(n)^2 = A^2 + B^2 / n, fitted to the
 * biceps tolerance limits of mean duration 7.4-13.0 ms (20 MUPs) and
 * 6.6-14.2 ms (5 MUPs) about 10.2 ms [S56]. */
#define SPREAD_A 0.232
#define SPREAD_B 0.650

static const char *const col_names[MN_COLS] = {
    "muscle", "age_min", "age_max", "amplitude_uv_mean", "amplitude_uv_lln",
    "amplitude_uv_uln", "duration_ms_mean", "duration_ms_lln", "duration_ms_uln",
    "polyphasic_pct_uln", "source"};

struct emg_mup_normals {
    emg_mup_limits *rows;
    size_t n;
};

void emg_mup_normals_free(emg_mup_normals *n)
{
    if (!n)
        return;
    free(n->rows);
    free(n);
}

/* Splits a line at tabs into at most max cells (pointers into line). */
static size_t split(char *line, char **cells, size_t max)
{
    size_t k = 0;
    cells[k++] = line;
    for (char *p = line; *p && k < max; p++)
        if (*p == '\t') {
            *p = '\0';
            cells[k++] = p + 1;
        }
    return k;
}

static int header(char **cells, size_t n, int *map)
{
    for (int c = 0; c < MN_COLS; c++) {
        map[c] = -1;
        for (size_t i = 0; i < n; i++)
            if (strcmp(cells[i], col_names[c]) == 0)
                map[c] = (int)i;
        if (map[c] < 0)
            return c;
    }
    return -1;
}

static int row(char **cells, const int *map, emg_mup_limits *r)
{
    memset(r, 0, sizeof r[0]);
    double v[MN_COLS];
    for (int c = 1; c < MN_COLS - 1; c++) {
        const char *s = cells[map[c]];
        if (edx_parse_double(s, strlen(s), &v[c]) != EDX_OK || !isfinite(v[c]) || v[c] < 0)
            return c;
    }
    snprintf(r->muscle, sizeof r->muscle, "%s", cells[map[0]]);
    snprintf(r->source, sizeof r->source, "%s", cells[map[MN_COLS - 1]]);
    r->age_min = (int)v[1], r->age_max = (int)v[2];
    r->amplitude_uv_mean = v[3], r->amplitude_uv_lln = v[4], r->amplitude_uv_uln = v[5];
    r->duration_ms_mean = v[6], r->duration_ms_lln = v[7], r->duration_ms_uln = v[8];
    r->polyphasic_pct_uln = v[9];
    bool ok = r->muscle[0] && r->source[0] && r->age_min <= r->age_max &&
              r->amplitude_uv_lln < r->amplitude_uv_uln && r->duration_ms_lln < r->duration_ms_uln;
    return ok ? -1 : 0;
}

static int parse_lines(char *text, const char *name, edx_diags *d, emg_mup_normals *t)
{
    int map[MN_COLS];
    bool has_header = false;
    size_t line_no = 0;
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        line_no++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        if (!len || line[0] == '#')
            continue;
        char *cells[32];
        size_t nc = split(line, cells, 32);
        if (!has_header) {
            int missing = header(cells, nc, map);
            if (missing >= 0) {
                edx_diag_add(d, EDX_SEV_ERROR, "EMG-MUP-NORMALS", EDX_LOC_NONE,
                             "%s:%zu: the header has no column '%s'", name, line_no,
                             col_names[missing]);
                return EDX_ERR_CONFIG;
            }
            has_header = true;
            continue;
        }
        int bad = MN_COLS;
        for (int c = 0; c < MN_COLS; c++)
            bad = map[c] >= (int)nc ? c : bad;
        if (bad == MN_COLS)
            bad = row(cells, map, &t->rows[t->n]);
        if (bad >= 0 || t->n >= MN_MAX_ROWS) {
            edx_diag_add(d, EDX_SEV_WARNING, "EMG-MUP-NORMALS-ROW", EDX_LOC_NONE,
                         "%s:%zu: row skipped (column '%s' is missing or wrong)", name,
                         line_no, col_names[bad >= 0 && bad < MN_COLS ? bad : 0]);
            continue;
        }
        t->n++;
    }
    return has_header ? EDX_OK : EDX_ERR_CONFIG;
}

int emg_mup_normals_parse(const char *text, const char *name, edx_diags *d,
                          emg_mup_normals **out)
{
    if (!text || !out)
        return EDX_ERR_INVALID;
    *out = NULL;
    emg_mup_normals *t = calloc(1, sizeof *t);
    char *copy = strdup(text);
    if (t)
        t->rows = calloc(MN_MAX_ROWS, sizeof *t->rows);
    if (!t || !copy || !t->rows) {
        free(copy);
        emg_mup_normals_free(t);
        return EDX_ERR_NOMEM;
    }
    int rc = parse_lines(copy, name ? name : EMG_MUP_NORMALS_FILE, d, t);
    free(copy);
    if (rc == EDX_OK && strcmp(emg_mup_normals_find(t, "", 40)->muscle, "*") != 0) {
        edx_diag_add(d, EDX_SEV_ERROR, "EMG-MUP-NORMALS", EDX_LOC_NONE,
                     "%s: no default ('*') row for adults", name ? name : EMG_MUP_NORMALS_FILE);
        rc = EDX_ERR_CONFIG;
    }
    if (rc) {
        emg_mup_normals_free(t);
        return rc;
    }
    *out = t;
    return EDX_OK;
}

int emg_mup_normals_load(const char *template_dir, edx_diags *d, emg_mup_normals **out)
{
    char dir[4096], path[4200];
    if (template_dir)
        snprintf(dir, sizeof dir, "%s", template_dir);
    else if (edx_find_template_dir(dir, sizeof dir) != EDX_OK)
        return EDX_ERR_NOT_FOUND;
    snprintf(path, sizeof path, "%s/%s", dir, EMG_MUP_NORMALS_FILE);
    char *text = NULL;
    size_t size = 0;
    int rc = edx_read_small_file(path, MN_MAX_BYTES, &text, &size);
    if (rc) {
        edx_diag_add(d, EDX_SEV_ERROR, "EMG-MUP-NORMALS", EDX_LOC_NONE, "%s: %s", path,
                     edx_strerror(rc));
        return rc == EDX_ERR_NOMEM ? rc : EDX_ERR_CONFIG;
    }
    rc = emg_mup_normals_parse(text, path, d, out);
    free(text);
    return rc;
}

const emg_mup_limits *emg_mup_normals_find(const emg_mup_normals *n, const char *muscle,
                                           int age_years)
{
    static const emg_mup_limits none = {"", 0, 0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, ""};
    const emg_mup_limits *own = NULL, *def = NULL;
    int age = age_years < 0 ? 40 : age_years; /* unknown age: the adult row */
    for (size_t i = 0; n && i < n->n; i++) {
        const emg_mup_limits *r = &n->rows[i];
        if (age < r->age_min || age > r->age_max)
            continue;
        if (!own && muscle && strcmp(r->muscle, muscle) == 0)
            own = r;
        if (!def && strcmp(r->muscle, "*") == 0)
            def = r;
    }
    return own ? own : def ? def : &none;
}

void emg_mup_limits_for_count(const emg_mup_limits *l, size_t n, emg_mup_limits *out)
{
    *out = *l;
    if (n == 0 || n >= EMG_MUP_MIN_COUNT)
        return;
    double f = sqrt((SPREAD_A * SPREAD_A + SPREAD_B * SPREAD_B / (double)n) /
                    (SPREAD_A * SPREAD_A + SPREAD_B * SPREAD_B / EMG_MUP_MIN_COUNT));
    out->amplitude_uv_lln = l->amplitude_uv_mean - f * (l->amplitude_uv_mean - l->amplitude_uv_lln);
    out->amplitude_uv_uln = l->amplitude_uv_mean + f * (l->amplitude_uv_uln - l->amplitude_uv_mean);
    out->duration_ms_lln = l->duration_ms_mean - f * (l->duration_ms_mean - l->duration_ms_lln);
    out->duration_ms_uln = l->duration_ms_mean + f * (l->duration_ms_uln - l->duration_ms_mean);
}
