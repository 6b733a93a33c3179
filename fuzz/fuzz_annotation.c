/*
 * fuzz_annotation.c - the conventions layer's grammars over arbitrary bytes:
 * annotation texts (plain and <EDF_XMLnote>), signal labels, test codes, and
 * a whole one-file study built from fuzzed annotation lines.
 *
 * The first byte picks the target; the rest is the text. The tables are
 * loaded once from $EDX_TEMPLATE_DIR (or wherever edx_find_template_dir
 * finds them) and kept for the process: harness state, not library state.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edx/study.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static conv_tables *tables(void)
{
    static conv_tables *t;
    static int tried;
    if (!tried) {
        tried = 1;
        edx_diags d;
        edx_diags_init(&d);
        if (conv_tables_load(getenv("EDX_TEMPLATE_DIR"), &d, &t) != EDX_OK)
            abort(); /* a harness without tables fuzzes nothing */
        edx_diags_free(&d);
    }
    return t;
}

static void fuzz_annotation(const conv_tables *t, const char *s, size_t n)
{
    conv_annot a;
    if (conv_parse_annotation(t, s, n, &a) != EDX_OK)
        return;
    char buf[512];
    size_t need = conv_annot_describe(&a, buf, sizeof buf);
    (void)need;
    /* a warning always names itself */
    if (a.warning.code && !a.warning.code[0])
        abort();
}

static void fuzz_label(const conv_tables *t, const char *s, size_t n)
{
    char label[80];
    size_t k = n < sizeof label - 1 ? n : sizeof label - 1;
    memcpy(label, s, k);
    label[k] = '\0';
    conv_label l;
    conv_parse_label(t, label, k >= 16, &l);
    conv_testcode c;
    conv_parse_testcode(t, s, n, &c);
}

/* Lines become annotations 10 ms apart (every third with a duration) of a
 * file with an NC, an unprefixed and an EMG signal. */
static void fuzz_study(const conv_tables *t, const char *s, size_t n)
{
    enum { MAX_LINES = 64 };
    char *copy = malloc(n + 1);
    if (!copy)
        return;
    memcpy(copy, s, n);
    copy[n] = '\0';
    edf_annotation ann[MAX_LINES];
    size_t n_ann = 0;
    char *p = copy;
    while (n_ann < MAX_LINES && p <= copy + n) {
        char *nl = memchr(p, '\n', (size_t)(copy + n - p));
        if (nl)
            *nl = '\0';
        ann[n_ann] = (edf_annotation){0.01 * (double)(n_ann % 7), (n_ann % 3) ? -1.0 : 2.5, p,
                                      (int64_t)(n_ann % 2), 3};
        n_ann++;
        if (!nl)
            break;
        p = nl + 1;
    }
    edf_signal sig[4];
    memset(sig, 0, sizeof sig);
    strcpy(sig[0].label, "NC R APB");
    strcpy(sig[1].label, "R ADM");
    strcpy(sig[2].label, "EMG L_Biceps_Bra");
    strcpy(sig[3].label, "EDF Annotations");
    for (int i = 0; i < 3; i++) {
        sig[i].sample_rate_hz = 20000;
        sig[i].uv_per_unit = 1;
        strcpy(sig[i].physdim, "uV");
    }
    sig[3].is_annotation = true;
    edf_info info;
    memset(&info, 0, sizeof info);
    info.format = (n & 1) ? EDF_FORMAT_EDFPLUS_D : EDF_FORMAT_EDFPLUS_C;
    info.has_plus_subfields = true;
    strcpy(info.patient.code, "FUZZ-1");
    strcpy(info.recording.additional, (n & 2) ? "FW R Median" : "");
    info.start_year = 2024;
    info.start_month = 1;
    info.start_day = 2;
    info.n_signals = 4;
    info.n_records = 2;
    info.record_duration_s = 0.05;
    info.duration_s = 10.05;
    edf_segment seg[2] = {{0, 1, 0.0}, {1, 1, 10.0}};
    study_input in = {"/fuzz/a.edf", &info, sig, ann, n_ann, seg, 2};
    study_set *set = NULL;
    if (study_set_new(&set) == EDX_OK && study_set_add_input(set, t, &in) == EDX_OK &&
        study_set_finish(set) == EDX_OK) {
        char line[512];
        for (size_t i = 0; i < set->n_studies; i++) {
            const study *st = &set->studies[i];
            for (size_t k = 0; k < st->n_nerve_tests; k++)
                study_describe_nerve_test(&st->nerve_tests[k], line, sizeof line);
            for (size_t k = 0; k < st->n_muscles; k++)
                study_describe_muscle(&st->muscles[k], line, sizeof line);
        }
    }
    study_set_free(set);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const conv_tables *t = tables();
    if (size == 0)
        return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 4) {
    case 0:
    case 1: fuzz_annotation(t, s, n); break;
    case 2: fuzz_label(t, s, n); break;
    default: fuzz_study(t, s, n); break;
    }
    return 0;
}
