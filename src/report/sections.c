/*
 * sections.c - which sections a study gets, in order; a section with
 * nothing to show is left out by its own function.
 */
#include <stdio.h>
#include <string.h>

#include "report/rpt_internal.h"

void rpt_sections(rpt_ctx *c)
{
    rpt_ncs_tables(c);
    rpt_emg_table(c);
    rpt_summary(c);
}

static const rpt_col rec_cols[] = {
    {"Recording", NULL, 0.52f, 'l'}, {"Format", NULL, 0.10f, 'l'},
    {"Size", "bytes", 0.12f, 'r'},   {"SHA-256 (first 16)", NULL, 0.26f, 'l'},
};

/* The recordings the findings name, with their hashes (the audit trail). */
static void recordings(rpt_ctx *c)
{
    const json_t *files = json_object_get(json_object_get(c->findings, "study"), "files");
    if (json_array_size(files) == 0)
        return;
    rpt_heading(c, "Recordings analysed", 40);
    rpt_table t;
    rpt_table_begin(c, &t, rec_cols, 4, RPT_FS_SMALL + 0.5f);
    size_t i;
    const json_t *f;
    json_array_foreach(files, i, f) {
        rpt_cell cl[4] = {0};
        const char *path = rpt_str(f, "path");
        const char *slash = path ? strrchr(path, '/') : NULL;
        rpt_cell_set(&cl[0], slash ? slash + 1 : path);
        rpt_cell_set(&cl[1], rpt_str(f, "format"));
        rpt_fmt_num(f, "size_bytes", 0, 1, cl[2].text, sizeof cl[2].text);
        const char *h = rpt_str(f, "sha256");
        snprintf(cl[3].text, sizeof cl[3].text, "%.16s", h ? h : "");
        rpt_table_row(c, &t, cl, false);
    }
    rpt_table_end(c, &t);
}

void rpt_appendix(rpt_ctx *c)
{
    rpt_ncs_traces(c);
    rpt_emg_panels(c);
    recordings(c);
}
