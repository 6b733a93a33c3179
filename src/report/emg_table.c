/*
 * emg_table.c - the needle EMG table: per muscle the spontaneous activity at
 * rest (rates per minute over the rest analysed, grade), the motor unit
 * potentials and recruitment. Descriptive words only ("fibrillation
 * potentials", "short-duration MUPs"), as clinical.md §6.3 asks; anything
 * present that is abnormal by definition prints bold with "*".
 */
#include <stdio.h>
#include <string.h>

#include "report/rpt_internal.h"

static const rpt_col emg_cols[] = {
    {"Muscle", NULL, 0.19f, 'l'},           {"Region", "roots", 0.085f, 'l'},
    {"Rest", "s", 0.045f, 'r'},             {"Fibs", "/min", 0.05f, 'r'},
    {"PSWs", "/min", 0.05f, 'r'},           {"Grade", "fib/PSW", 0.055f, 'c'},
    {"Fasc.", "/min", 0.05f, 'r'},          {"Other", "discharges", 0.075f, 'l'},
    {"Amp.", "MUP \xC2\xB5V", 0.055f, 'r'}, {"Dur.", "MUP ms", 0.05f, 'r'},
    {"Poly.", "%", 0.045f, 'r'},            {"MUPs", NULL, 0.075f, 'l'},
    {"Recruit.", NULL, 0.085f, 'l'},        {"Max", "Hz", 0.04f, 'r'},
};
enum { N_EMG = sizeof emg_cols / sizeof emg_cols[0] };

/* A rate per minute, bold with * when the discharge was found. */
static void rate_cell(const json_t *spont, const char *type, rpt_cell *cell)
{
    const json_t *o = json_object_get(spont, type);
    double per_min, n = 0;
    if (!rpt_num(o, "per_min", &per_min)) {
        snprintf(cell->text, sizeof cell->text, "\xE2\x80\x93");
        return;
    }
    char num[32];
    bool found = per_min > 0 || (rpt_num(o, "discharges", &n) && n > 0);
    edx_fmt_double(num, sizeof num, per_min, per_min >= 10 || per_min == 0 ? 0 : 1);
    snprintf(cell->text, sizeof cell->text, "%s%s", num, found ? " *" : "");
    cell->is_abnormal = found;
}

static void other_cell(const json_t *spont, rpt_cell *cell)
{
    static const struct { const char *key, *word; } other[] = {
        {"complex_repetitive", "CRD"}, {"myotonic", "myotonic"}, {"myokymic", "myokymic"},
        {"neuromyotonic", "neuromyotonic"}, {"cramp", "cramp"}};
    size_t at = 0;
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        double n = 0, r = 0;
        const json_t *o = json_object_get(spont, other[i].key);
        if ((rpt_num(o, "discharges", &n) && n > 0) || (rpt_num(o, "per_min", &r) && r > 0)) {
            int k = snprintf(cell->text + at, sizeof cell->text - at, "%s%s", at ? ", " : "",
                             other[i].word);
            if (k > 0 && (size_t)k < sizeof cell->text - at)
                at += (size_t)k;
        }
    }
    if (at) {
        cell->is_abnormal = true;
        if (at + 3 < sizeof cell->text)
            memcpy(cell->text + at, " *", 3);
    } else {
        snprintf(cell->text, sizeof cell->text, "%s", json_is_object(spont) ? "none" : "\xE2\x80\x93");
    }
}

static void word_cell(const char *value, const char *normal, rpt_cell *cell)
{
    char w[64];
    rpt_words(value && !strcmp(value, "neurogenic") ? "neurog." : value && !strcmp(value, "myopathic") ? "myopath." : value, w, sizeof w);
    if (!value) {
        snprintf(cell->text, sizeof cell->text, "\xE2\x80\x93");
        return;
    }
    bool abnormal = strcmp(value, normal) != 0 && strcmp(value, "indeterminate") != 0;
    snprintf(cell->text, sizeof cell->text, "%s%s", w, abnormal ? " *" : "");
    cell->is_abnormal = abnormal;
}

static void muscle_row(rpt_ctx *c, rpt_table *t, const json_t *m)
{
    rpt_cell cl[N_EMG] = {0};
    const char *side = rpt_str(m, "side");
    char name[64];
    rpt_sanitize(rpt_str(m, "muscle"), name, sizeof name);
    snprintf(cl[0].text, sizeof cl[0].text, "%s %s", side ? side : "", name[0] ? name : "unknown");
    char region[32], roots[32];
    rpt_sanitize(rpt_str(m, "region"), region, sizeof region);
    rpt_sanitize(rpt_str(m, "roots"), roots, sizeof roots);
    static const char *const abbrev[][2] = {{"bulbar", "bulb."}, {"cervical", "cerv."},
                                            {"thoracic", "thor."}, {"lumbosacral", "LS"}};
    const char *reg = region[0] ? region : "?";
    for (size_t i = 0; i < 4; i++)
        if (!strcmp(region, abbrev[i][0]))
            reg = abbrev[i][1];
    snprintf(cl[1].text, sizeof cl[1].text, "%s %.24s", reg, roots);
    rpt_fmt_num(m, "rest_s", 0, 1, cl[2].text, sizeof cl[2].text);
    const json_t *sp = json_object_get(m, "spontaneous");
    rate_cell(sp, "fibrillation", &cl[3]);
    rate_cell(sp, "positive_sharp_wave", &cl[4]);
    const char *grade = rpt_str(sp, "fib_psw_grade");
    rpt_cell_set(&cl[5], grade ? grade : "\xE2\x80\x93");
    cl[5].is_abnormal = grade && strcmp(grade, "0") != 0;
    rate_cell(sp, "fasciculation", &cl[6]);
    other_cell(sp, &cl[7]);
    const json_t *mup = json_object_get(m, "mup"), *rec = json_object_get(m, "recruitment");
    rpt_value_cells(mup, "amplitude_uv_mean", 0, 1, &cl[8], NULL);
    rpt_value_cells(mup, "duration_ms_mean", 1, 1, &cl[9], NULL);
    rpt_value_cells(mup, "polyphasic_pct", 0, 1, &cl[10], NULL);
    word_cell(rpt_str(mup, "pattern"), "normal", &cl[11]);
    word_cell(rpt_str(rec, "pattern"), "normal", &cl[12]);
    rpt_fmt_num(rec, "max_firing_hz", 0, 1, cl[13].text, sizeof cl[13].text);
    rpt_table_group(c, t, 1);
    rpt_table_row(c, t, cl, false);
}

void rpt_emg_table(rpt_ctx *c)
{
    const json_t *emg = json_object_get(c->findings, "needle_emg");
    if (json_array_size(emg) == 0)
        return;
    rpt_heading(c, "Needle EMG", 60);
    rpt_table t;
    rpt_table_begin(c, &t, emg_cols, N_EMG, 6.6f);
    size_t i;
    const json_t *m;
    json_array_foreach(emg, i, m)
        muscle_row(c, &t, m);
    rpt_table_end(c, &t);
    rpt_paragraph(c, c->font, 6.5f, 0,
                  "Rates are discharges per minute over the rest analysed; * present (abnormal "
                  "at rest) or an abnormal MUP or recruitment pattern. MUP values are means of "
                  "the analysed motor unit potentials; Poly.: polyphasic MUPs. \xE2\x80\x93: not "
                  "analysed. Regions: bulb. bulbar, cerv. cervical, thor. thoracic, LS lumbosacral; "
                  "neurog./myopath.: neurogenic-/myopathic-type MUPs. Insertional activity is not "
                  "assessed by the software.");
}
