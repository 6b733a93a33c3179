/*
 * recordings.c - the recordings behind the findings, for the traces and the
 * EMG panels: the files named in study.files are read again through the
 * reader and the conventions layer (the same sweeps and epochs the analysers
 * saw), and matched to the findings' nerve tests and muscles by name, side
 * and test. Nothing is measured here; a recording that cannot be found or
 * read gives a panel saying so, never a failed report.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "edx/study.h"
#include "report/rpt_internal.h"

struct rpt_source {
    conv_tables *tables;
    study_set *set;
    const study *st; /* the study of the findings, or NULL */
};

static bool is_file(const char *p)
{
    struct stat s;
    return stat(p, &s) == 0 && S_ISREG(s.st_mode);
}

/* The path as written, else relative to the findings file's folder, else
 * its file name in that folder. */
bool rpt_resolve_path(const rpt_ctx *c, const char *path, char *out, size_t size)
{
    if (!path || !path[0])
        return false;
    snprintf(out, size, "%s", path);
    if (is_file(out))
        return true;
    const char *dir = c->opt->findings_dir;
    if (!dir || path[0] == '/')
        return false;
    snprintf(out, size, "%s/%s", dir, path);
    if (is_file(out))
        return true;
    const char *slash = strrchr(path, '/');
    snprintf(out, size, "%s/%s", dir, slash ? slash + 1 : path);
    return is_file(out);
}

static int open_source(rpt_ctx *c, rpt_source *s)
{
    const json_t *files = json_object_get(json_object_get(c->findings, "study"), "files");
    size_t n = json_array_size(files), k = 0;
    if (n == 0)
        return EDX_ERR_NOT_FOUND;
    char **paths = calloc(n, sizeof *paths);
    if (!paths)
        return EDX_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        char p[4096];
        if (rpt_resolve_path(c, rpt_str(json_array_get(files, i), "path"), p, sizeof p) &&
            (paths[k] = strdup(p)) != NULL)
            k++;
    }
    edx_diags quiet; /* the analysis already reported what is wrong with the files */
    edx_diags_init(&quiet);
    int rc = k ? conv_tables_load(NULL, &quiet, &s->tables) : EDX_ERR_NOT_FOUND;
    if (rc == EDX_OK)
        rc = study_group_paths(s->tables, (const char *const *)paths, k, &quiet, &s->set);
    edx_diags_free(&quiet);
    for (size_t i = 0; i < k; i++)
        free(paths[i]);
    free(paths);
    if (rc == EDX_OK && s->set->n_studies > 0)
        s->st = &s->set->studies[0];
    return rc == EDX_OK && s->st ? EDX_OK : EDX_ERR_NOT_FOUND;
}

rpt_source *rpt_source_get(rpt_ctx *c)
{
    if (c->src || c->src_failed)
        return c->src;
    rpt_source *s = calloc(1, sizeof *s);
    if (s && open_source(c, s) == EDX_OK) {
        c->src = s;
        return s;
    }
    rpt_source_free(s);
    c->src_failed = true;
    edx_diag_add(c->d, EDX_SEV_WARNING, "RPT-NO-RECORDINGS", EDX_LOC_NONE,
                 "the recordings named in the findings cannot be read; the report has no traces");
    return NULL;
}

void rpt_source_free(rpt_source *s)
{
    if (!s)
        return;
    study_set_free(s->set);
    conv_tables_free(s->tables);
    free(s);
}

static bool same(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

const study_nerve_test *rpt_source_nerve(const rpt_source *s, const json_t *item)
{
    const char *side = rpt_str(item, "side");
    for (size_t i = 0; s && s->st && i < s->st->n_nerve_tests; i++) {
        const study_nerve_test *t = &s->st->nerve_tests[i];
        if (same(t->nerve, rpt_str(item, "nerve")) && same(conv_test_name(t->test), rpt_str(item, "test")) &&
            side && (int)t->side == (int)side[0] &&
            (!rpt_str(item, "recording_site") || same(t->recording_site, rpt_str(item, "recording_site"))))
            return t;
    }
    return NULL;
}

const study_muscle *rpt_source_muscle(const rpt_source *s, const json_t *item)
{
    const char *side = rpt_str(item, "side");
    for (size_t i = 0; s && s->st && i < s->st->n_muscles; i++) {
        const study_muscle *m = &s->st->muscles[i];
        if (same(m->muscle, rpt_str(item, "muscle")) && side && (int)m->side == (int)side[0])
            return m;
    }
    return NULL;
}

int rpt_source_open_file(const rpt_source *s, int file, edf_file **f)
{
    *f = NULL;
    if (!s || !s->st || file < 0 || (size_t)file >= s->st->n_files)
        return EDX_ERR_NOT_FOUND;
    edx_diags quiet;
    edx_diags_init(&quiet);
    int rc = edf_open(s->st->files[file].path, &quiet, f);
    edx_diags_free(&quiet);
    return rc;
}

int rpt_read_window(edf_file *f, int signal, double t0_s, double t1_s, double at0_s,
                    double t0_ms, double t1_ms, double *grid, size_t n_grid)
{
    const edf_signal *sig = edf_get_signal(f, signal);
    if (!sig || sig->sample_rate_hz <= 0 || !(t1_s > t0_s) || n_grid < 2)
        return EDX_ERR_INVALID;
    double fs = sig->sample_rate_hz, want = (t1_s - t0_s) * fs;
    if (!(want <= 50e6)) /* before the cast: times from a damaged file can be absurd */
        return EDX_ERR_RANGE;
    size_t cap = (size_t)want + 2;
    double *uv = malloc(cap * sizeof *uv), first_s = 0;
    size_t n = 0;
    if (!uv)
        return EDX_ERR_NOMEM;
    int rc = edf_read_time_uv(f, signal, t0_s, t1_s, uv, cap, &n, &first_s);
    for (size_t i = 0; rc == EDX_OK && i < n_grid; i++) {
        /* time of grid point i, from the reference time at0_s (the stimulus) */
        double t_ms = t0_ms + (t1_ms - t0_ms) * (double)i / (double)(n_grid - 1);
        double k = ((at0_s - first_s) + t_ms / 1000.0) * fs;
        if (!(k >= 0 && k + 1 < (double)n)) { /* outside (or absurd): before any cast */
            grid[i] = NAN;
            continue;
        }
        size_t k0 = (size_t)floor(k);
        double frac = k - (double)k0;
        grid[i] = uv[k0] * (1 - frac) + uv[k0 + 1] * frac;
    }
    free(uv);
    return rc;
}
