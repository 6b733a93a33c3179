/*
 * render.c - rpt_render: the order of the report.
 *
 *   page 1 ...  patient and study block, disclaimer, nerve conduction tables
 *               (motor, sensory, F-waves), needle EMG table, summary and
 *               impression, limitations, sign-off;
 *   appendix    nerve conduction traces, needle EMG panels, the recordings
 *               with their hashes.
 *
 * A section with nothing to show is left out (a study with only nerve
 * conduction has no EMG heading). Every number printed comes from the
 * findings; the traces are re-read from the recordings the findings name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/rpt_internal.h"

static bool findings_valid(const json_t *f, edx_diags *d)
{
    const char *schema = rpt_str(f, "schema");
    if (!json_is_object(f) || !schema || strcmp(schema, "edxreport-findings/1") != 0) {
        edx_diag_add(d, EDX_SEV_ERROR, "RPT-SCHEMA", EDX_LOC_NONE,
                     "the findings are not of schema edxreport-findings/1");
        return false;
    }
    if (!json_is_object(json_object_get(f, "study"))) {
        edx_diag_add(d, EDX_SEV_ERROR, "RPT-SCHEMA", EDX_LOC_NONE, "the findings have no study");
        return false;
    }
    return true;
}

/* "Müller, Zoë · SIM-02 · 16 Mar 2026": the running head of every page. */
static void make_page_title(rpt_ctx *c)
{
    const json_t *st = json_object_get(c->findings, "study");
    const json_t *pat = json_object_get(st, "patient");
    char name[160], code[96];
    rpt_sanitize(rpt_str(pat, "name"), name, sizeof name);
    rpt_sanitize(rpt_str(pat, "code"), code, sizeof code);
    const char *start = rpt_str(st, "start");
    snprintf(c->page_title, sizeof c->page_title, "%s%s%s%s%.10s", name,
             name[0] && code[0] ? " \xC2\xB7 " : "", code, start ? " \xC2\xB7 " : "",
             start ? start : "");
}

static int render_body(rpt_ctx *c)
{
    int rc = rpt_new_page(c);
    if (rc != EDX_OK)
        return rc;
    rpt_patient_block(c);
    rpt_disclaimer_box(c);
    rpt_sections(c);
    rpt_signoff(c);
    rpt_appendix(c);
    if (rpt_failed(c))
        return EDX_ERR_IO;
    rpt_draw_footers(c);
    return rpt_failed(c) ? EDX_ERR_IO : EDX_OK;
}

int rpt_render(const rpt_config *cfg, const json_t *findings, const rpt_options *opt,
               unsigned char **pdf, size_t *size, edx_diags *d)
{
    if (!cfg || !findings || !pdf || !size)
        return EDX_ERR_INVALID;
    *pdf = NULL;
    *size = 0;
    if (!findings_valid(findings, d))
        return EDX_ERR_INVALID;
    static const rpt_options defaults = {0};
    rpt_ctx c = {0};
    c.cfg = cfg;
    c.opt = opt ? opt : &defaults;
    c.findings = findings;
    c.d = d;
    make_page_title(&c);
    int rc = rpt_doc_open(&c);
    if (rc == EDX_OK)
        rc = render_body(&c);
    if (rc == EDX_OK)
        rc = rpt_doc_save(&c, pdf, size);
    if (rc != EDX_OK && c.hpdf_error != 0)
        edx_diag_add(d, EDX_SEV_ERROR, "RPT-PDF", EDX_LOC_NONE,
                     "the PDF library failed (error 0x%04X, detail %u)", (unsigned)c.hpdf_error,
                     (unsigned)c.hpdf_detail);
    if (c.hpdf_error == HPDF_FAILD_TO_ALLOC_MEM)
        rc = EDX_ERR_NOMEM;
    if (c.pdf)
        HPDF_Free(c.pdf);
    rpt_source_free(c.src);
    return rc;
}
