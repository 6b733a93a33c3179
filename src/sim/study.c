/*
 * study.c - sim_write_study(): plan, render and write a whole study.
 *
 * Every file is written under a temporary name in the output folder and
 * renamed into place when complete, so a reader never sees half a file;
 * truth.json comes last, so its presence means the study is complete.
 * Each nerve and muscle draws from a seed derived from the study seed and
 * its own file name: the same options always give the same bytes.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/plan.h"

typedef struct out_path {
    char final[4096];
    char tmp[4096];
} out_path;

static int make_paths(out_path *op, const char *dir, const char *name, edx_diags *d)
{
    int a = snprintf(op->final, sizeof op->final, "%s/%s", dir, name);
    int b = snprintf(op->tmp, sizeof op->tmp, "%s/.%s.tmp%ld", dir, name, (long)getpid());
    if (a < 0 || b < 0 || (size_t)b >= sizeof op->tmp) {
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-WRITE", EDX_LOC_NONE,
                     "output path too long: %s/%s", dir, name);
        return EDX_ERR_RANGE;
    }
    return EDX_OK;
}

static int commit(const out_path *op, int rc, edx_diags *d)
{
    if (rc == EDX_OK && rename(op->tmp, op->final) != 0) {
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-WRITE", EDX_LOC_FIELD(op->final, EDX_DIAG_NONE),
                     "cannot move the finished file into place: %s", strerror(errno));
        rc = EDX_ERR_IO;
    }
    if (rc != EDX_OK)
        unlink(op->tmp);
    return rc;
}

static int make_dir(const char *dir, edx_diags *d)
{
    struct stat st;
    if (mkdir(dir, 0777) == 0 || (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)))
        return EDX_OK;
    edx_diag_add(d, EDX_SEV_ERROR, "SIM-WRITE", EDX_LOC_FIELD(dir, EDX_DIAG_NONE),
                 "cannot create the output folder: %s", strerror(errno ? errno : ENOTDIR));
    return EDX_ERR_IO;
}

/* gzip src into dst (zlib's gzip header carries no time stamp: mtime 0). */
static int gzip_file(const char *src, const char *dst, edx_diags *d)
{
    FILE *in = fopen(src, "rb");
    gzFile out = in ? gzopen(dst, "wb9") : NULL;
    int rc = (in && out) ? EDX_OK : EDX_ERR_IO;
    char buf[1 << 16];
    size_t n;
    while (rc == EDX_OK && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (gzwrite(out, buf, (unsigned)n) != (int)n)
            rc = EDX_ERR_IO;
    if (in && ferror(in))
        rc = EDX_ERR_IO;
    if (out && gzclose(out) != Z_OK)
        rc = EDX_ERR_IO;
    if (in)
        fclose(in);
    if (rc)
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-WRITE", EDX_LOC_FIELD(dst, EDX_DIAG_NONE),
                     "cannot write the compressed recording");
    return rc;
}

static uint64_t part_seed(const sim_study_plan *sp, const char *file)
{
    return sim_stream_id(file, sp->opt.seed);
}

static int write_nerves(const sim_study_plan *sp, const char *dir, sim_nc_output *nc,
                        edx_diags *d)
{
    for (size_t i = 0; i < sp->n_nerves; i++) {
        const sim_nerve_entry *e = &sp->nerves[i];
        int rc = sim_nc_render(&e->plan, part_seed(sp, e->file), 0.0, &nc[i], d);
        out_path op;
        if (!rc)
            rc = make_paths(&op, dir, e->file, d);
        if (rc)
            return rc;
        rc = sim_write_nc_file(op.tmp, sp, e, &nc[i], 2 * (int)i, i == 0, d);
        if ((rc = commit(&op, rc, d)))
            return rc;
    }
    return EDX_OK;
}

static int write_events(const char *dir, sim_muscle_result *r, edx_diags *d)
{
    out_path op;
    int rc = make_paths(&op, dir, r->events_file, d);
    if (rc)
        return rc;
    FILE *f = fopen(op.tmp, "w");
    rc = f ? sim_events_write_tsv(f, &r->events) : EDX_ERR_IO;
    if (f && fclose(f) != 0)
        rc = EDX_ERR_IO;
    if (rc)
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-WRITE", EDX_LOC_FIELD(op.final, EDX_DIAG_NONE),
                     "cannot write the events table: %s", strerror(errno));
    return commit(&op, rc, d);
}

static int write_muscle(const sim_study_plan *sp, const char *dir, size_t i,
                        sim_muscle_result *r, edx_diags *d)
{
    const sim_muscle_entry *m = &sp->muscles[i];
    size_t n = (size_t)(m->plan.fs_hz * m->plan.duration_s + 0.5);
    double *uv = calloc(n ? n : 1, sizeof *uv);
    if (!uv)
        return EDX_ERR_NOMEM;
    int rc = sim_emg_render(&m->plan, part_seed(sp, m->file), uv, n, &r->events, &r->mup, d);
    sim_events_sort(&r->events);
    char name[SIM_NAME_MAX + 8];
    snprintf(name, sizeof name, "%s%s", m->file, sp->opt.gzip ? ".gz" : "");
    out_path op;
    char raw_tmp[sizeof op.tmp + 8];
    if (!rc)
        rc = make_paths(&op, dir, name, d);
    if (!rc) {
        snprintf(raw_tmp, sizeof raw_tmp, "%s.edf", op.tmp);
        int minutes = 2 * (int)(sp->n_nerves + i) + 1;
        rc = sim_write_emg_file(sp->opt.gzip ? raw_tmp : op.tmp, sp, m, minutes, uv, n, d);
        if (!rc && sp->opt.gzip)
            rc = gzip_file(raw_tmp, op.tmp, d);
        if (sp->opt.gzip)
            unlink(raw_tmp);
        rc = commit(&op, rc, d);
    }
    free(uv);
    if (!rc)
        rc = write_events(dir, r, d);
    return rc;
}

static int write_truth(const sim_study_plan *sp, const char *dir, const sim_nc_output *nc,
                       const sim_muscle_result *mr, edx_diags *d)
{
    out_path op;
    int rc = make_paths(&op, dir, "truth.json", d);
    if (rc)
        return rc;
    json_t *root = sim_truth_json(sp, nc, mr);
    rc = root ? EDX_OK : EDX_ERR_NOMEM;
    if (!rc && json_dump_file(root, op.tmp, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) != 0) {
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-WRITE", EDX_LOC_FIELD(op.final, EDX_DIAG_NONE),
                     "cannot write the truth file");
        rc = EDX_ERR_IO;
    }
    json_decref(root);
    return commit(&op, rc, d);
}

int sim_write_study(const sim_options *o, const struct conv_tables *tables, const char *out_dir,
                    edx_diags *d)
{
    if (!o || !tables || !out_dir)
        return EDX_ERR_INVALID;
    sim_study_plan *sp = calloc(1, sizeof *sp);
    sim_nc_output *nc = calloc(SIM_MAX_NERVES, sizeof *nc);
    sim_muscle_result *mr = calloc(SIM_MAX_MUSCLES, sizeof *mr);
    int rc = (sp && nc && mr) ? EDX_OK : EDX_ERR_NOMEM;
    if (!rc)
        rc = sim_plan_build(o, tables, sp, d);
    if (!rc && o->is_ncs_only)
        sp->n_muscles = 0;
    if (!rc)
        rc = make_dir(out_dir, d);
    if (!rc)
        rc = write_nerves(sp, out_dir, nc, d);
    for (size_t i = 0; !rc && i < sp->n_muscles; i++) {
        const char *file = sp->muscles[i].file;
        snprintf(mr[i].events_file, sizeof mr[i].events_file, "truth.%.*s.events.tsv",
                 (int)(strlen(file) - 4), file);
        rc = write_muscle(sp, out_dir, i, &mr[i], d);
    }
    if (!rc)
        rc = write_truth(sp, out_dir, nc, mr, d);
    for (size_t i = 0; nc && i < SIM_MAX_NERVES; i++)
        sim_nc_output_free(&nc[i]);
    for (size_t i = 0; mr && i < SIM_MAX_MUSCLES; i++)
        sim_events_free(&mr[i].events);
    free(sp);
    free(nc);
    free(mr);
    return rc;
}
