/*
 * fuzz_report.c - a findings file from anywhere (`edxreport report
 * FINDINGS.json` takes one a hospital system may have stored or edited):
 * parsed, interpreted again and rendered to PDF in memory. Whatever the
 * bytes, the result is a report or a diagnostic, never a crash, a leak or
 * undefined behaviour. Recordings named in the findings are read for the
 * traces when they exist; the seeds name none.
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "edx/classify.h"
#include "edx/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *findings = json_loadb((const char *)data, size, 0, &err);
    if (!json_is_object(findings)) {
        json_decref(findings);
        return 0;
    }
    json_decref(cls_interpret(findings));
    edx_diags d;
    edx_diags_init(&d);
    rpt_config *rpt = NULL;
    if (rpt_config_load(NULL, &d, &rpt) == EDX_OK) {
        rpt_options opt = {true, NULL};
        unsigned char *pdf = NULL;
        size_t pdf_size = 0;
        if (rpt_render(rpt, findings, &opt, &pdf, &pdf_size, &d) == EDX_OK)
            free(pdf);
    }
    rpt_config_free(rpt);
    edx_diags_free(&d);
    json_decref(findings);
    return 0;
}
