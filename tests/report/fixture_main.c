/*
 * fixture_main.c - writes a report fixture for the shell tests:
 *   report_fixture full|long|ncs|emg|hostile OUT.json
 *   report_fixture complete IN.json OUT.json   (real findings + EMG + interpretation)
 */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

int main(int argc, char **argv)
{
    json_t *f = NULL;
    const char *out = argc > 2 ? argv[argc - 1] : NULL;
    if (argc == 4 && !strcmp(argv[1], "complete")) {
        json_error_t err;
        f = json_load_file(argv[2], 0, &err);
        if (f)
            fx_complete(f);
    } else if (argc == 3) {
        const char *k = argv[1];
        f = !strcmp(k, "full")      ? fx_findings(10, 8, FX_FULL)
            : !strcmp(k, "long")    ? fx_findings(20, 20, FX_FULL)
            : !strcmp(k, "ncs")     ? fx_findings(10, 0, FX_NCS)
            : !strcmp(k, "emg")     ? fx_findings(0, 8, FX_EMG | FX_INTERP)
            : !strcmp(k, "hostile") ? fx_findings(10, 8, FX_FULL | FX_HOSTILE)
                                    : NULL;
    }
    if (!f || !out) {
        fprintf(stderr, "usage: report_fixture full|long|ncs|emg|hostile OUT.json\n"
                        "       report_fixture complete IN.json OUT.json\n");
        json_decref(f);
        return 64;
    }
    int rc = json_dump_file(f, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(f);
    return rc == 0 ? 0 : 1;
}
