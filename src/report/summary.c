/*
 * summary.c - summary and impression: what was flagged, in plain words; the
 * automated pattern ("consistent with ..."), the regions with lower motor
 * neuron signs, the evidence the classifier weighed, and the limitations
 * (cold limb, short rest, unknown muscles, technical notes).
 */
#include <stdio.h>
#include <string.h>

#include "report/rpt_internal.h"

enum { MAX_NOTES = 24 };

static const char *const pattern_words[][2] = {
    {"normal", "a normal study"},
    {"benign_fasciculation", "fasciculations without signs of denervation or reinnervation"},
    {"neuropathy", "a peripheral neuropathy"},
    {"suspicious_mnd", "widespread lower motor neuron involvement, as seen in motor neuron "
                       "disease in the appropriate clinical context"},
    {"myopathy", "a myopathic process"},
    {"radiculopathy", "a radiculopathy"},
    {"indeterminate", "no definite pattern (indeterminate)"},
};

static void bullet(rpt_ctx *c, const char *mark, HPDF_Font f, const char *text)
{
    rpt_need(c, RPT_FS_BODY * 1.4f);
    float y = c->y;
    rpt_text(c, c->bold, RPT_FS_BODY, rpt_body_left(c) + 4, y - RPT_FS_BODY, 12, 'l', mark);
    rpt_paragraph(c, f, RPT_FS_BODY, 16, text);
}

/* Appends "words value" for each abnormal parameter of item (as the tables
 * mark them) to buf. */
static void abnormal_params(const json_t *item, const char *const *params, size_t n_params,
                            const char *where, char *buf, size_t size, size_t *at)
{
    static const char *const words[][2] = {
        {"onset_latency_ms", "onset latency"}, {"peak_latency_ms", "peak latency"},
        {"amplitude_uv", "amplitude"}, {"duration_ms", "duration"},
        {"velocity_m_s", "conduction velocity"}, {"amplitude_drop_pct", "amplitude drop"},
        {"duration_increase_pct", "duration increase"}, {"min_latency_ms", "F-wave latency"},
        {"persistence_pct", "F-wave persistence"}};
    for (size_t p = 0; p < n_params; p++) {
        rpt_cell v;
        rpt_value_cells(item, params[p], 1, 1, &v, NULL);
        if (!v.is_abnormal)
            continue;
        const char *w = params[p];
        for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
            if (!strcmp(words[k][0], params[p]))
                w = words[k][1];
        bool is_amp = !strcmp(params[p], "amplitude_uv");
        bool up = strstr(v.text, "\xE2\x96\xB2") != NULL, down = strstr(v.text, "\xE2\x96\xBC") != NULL;
        const char *dir = !up && !down              ? "abnormal"
                          : up && strstr(params[p], "latency") ? "prolonged"
                          : up && strstr(params[p], "duration") ? "prolonged"
                          : up                                  ? "increased"
                          : strstr(params[p], "velocity")       ? "slowed"
                                                                : "reduced";
        int m = snprintf(buf + *at, size - *at, "%s%s %s%s%s", *at ? "; " : "", w,
                         strstr(v.text, "absent") ? "absent" : dir, where ? " at " : "", where ? where : "");
        (void)is_amp;
        if (m > 0 && (size_t)m < size - *at)
            *at += (size_t)m;
    }
}

/* Abnormal findings of the nerve conduction tests, one line per test, as
 * the tables mark them. */
static bool ncs_summary(rpt_ctx *c)
{
    static const char *const site_params[] = {"onset_latency_ms", "peak_latency_ms", "amplitude_uv", "duration_ms"};
    static const char *const seg_params[] = {"velocity_m_s", "amplitude_drop_pct", "duration_increase_pct"};
    static const char *const fw_params[] = {"min_latency_ms", "persistence_pct"};
    size_t i, k;
    const json_t *n, *s;
    bool any = false;
    json_array_foreach(json_object_get(c->findings, "nerve_conduction"), i, n) {
        char line[RPT_LINE_MAX], flags[RPT_TEXT_MAX] = "";
        size_t at = 0;
        json_array_foreach(json_object_get(n, "sites"), k, s)
            abnormal_params(s, site_params, 4, rpt_str(s, "site"), flags, sizeof flags, &at);
        json_array_foreach(json_object_get(n, "segments"), k, s) {
            char where[128];
            snprintf(where, sizeof where, "%.50s\xE2\x80\x93%.50s", rpt_str(s, "from") ? rpt_str(s, "from") : "?",
                     rpt_str(s, "to") ? rpt_str(s, "to") : "?");
            abnormal_params(s, seg_params, 3, where, flags, sizeof flags, &at);
        }
        if (json_is_object(json_object_get(n, "fwave")))
            abnormal_params(json_object_get(n, "fwave"), fw_params, 2, NULL, flags, sizeof flags, &at);
        if (!at)
            continue;
        const char *side = rpt_str(n, "side");
        snprintf(line, sizeof line, "%s %s %s: %s", side ? side : "", rpt_str(n, "nerve") ? rpt_str(n, "nerve") : "?",
                 rpt_str(n, "test") ? rpt_str(n, "test") : "", flags);
        bullet(c, "\xE2\x80\xA2", c->font, line);
        any = true;
    }
    return any;
}

static bool emg_summary(rpt_ctx *c)
{
    size_t i;
    const json_t *m;
    bool any = false;
    json_array_foreach(json_object_get(c->findings, "needle_emg"), i, m) {
        const json_t *sp = json_object_get(m, "spontaneous");
        char parts[RPT_TEXT_MAX] = "", line[RPT_LINE_MAX];
        size_t at = 0;
        static const struct { const char *key, *word; } kinds[] = {
            {"fibrillation", "fibrillation potentials"},
            {"positive_sharp_wave", "positive sharp waves"},
            {"fasciculation", "fasciculation potentials"},
            {"complex_repetitive", "complex repetitive discharges"},
            {"myotonic", "myotonic discharges"},
            {"myokymic", "myokymic discharges"}};
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            double r = 0;
            if (rpt_num(json_object_get(sp, kinds[k].key), "per_min", &r) && r > 0) {
                char num[32];
                int w = snprintf(parts + at, sizeof parts - at, "%s%s (%s/min)", at ? ", " : "",
                                 kinds[k].word, edx_fmt_double(num, sizeof num, r, 1));
                if (w > 0 && (size_t)w < sizeof parts - at)
                    at += (size_t)w;
            }
        }
        const char *mp = rpt_str(json_object_get(m, "mup"), "pattern");
        const char *rp = rpt_str(json_object_get(m, "recruitment"), "pattern");
        if (mp && strcmp(mp, "normal") && strcmp(mp, "indeterminate")) {
            int w = snprintf(parts + at, sizeof parts - at, "%s%s MUPs", at ? ", " : "",
                             !strcmp(mp, "neurogenic") ? "large, long-duration (neurogenic-type)"
                             : !strcmp(mp, "myopathic") ? "short-duration, low-amplitude (myopathic-type)"
                                                        : mp);
            if (w > 0 && (size_t)w < sizeof parts - at)
                at += (size_t)w;
        }
        if (rp && strcmp(rp, "normal") && strcmp(rp, "null")) {
            int w = snprintf(parts + at, sizeof parts - at, "%s%s recruitment", at ? ", " : "", rp);
            if (w > 0 && (size_t)w < sizeof parts - at)
                at += (size_t)w;
        }
        if (!at)
            continue;
        snprintf(line, sizeof line, "%s %s: %s", rpt_str(m, "side") ? rpt_str(m, "side") : "",
                 rpt_str(m, "muscle") ? rpt_str(m, "muscle") : "?", parts);
        bullet(c, "\xE2\x80\xA2", c->font, line);
        any = true;
    }
    return any;
}

/* Four boxes, bulbar to lumbosacral: LMN signs / studied without / not studied. */
static void region_boxes(rpt_ctx *c, const json_t *interp)
{
    static const char *const regions[] = {"bulbar", "cervical", "thoracic", "lumbosacral"};
    float w = (rpt_body_width(c) - 30) / 4, h = 26, left = rpt_body_left(c);
    rpt_need(c, h + 14);
    rpt_text(c, c->bold, RPT_FS_BODY, left, c->y - RPT_FS_BODY, 0, 'l',
             "Regions with lower motor neuron signs (needle EMG)");
    c->y -= 13;
    for (int r = 0; r < 4; r++) {
        bool lmn = false, studied = false;
        size_t i;
        const json_t *v;
        json_array_foreach(json_object_get(interp, "regions_with_lmn_signs"), i, v) {
            const char *s = json_string_value(v);
            lmn = lmn || (s && !strcmp(s, regions[r]));
        }
        json_array_foreach(json_object_get(c->findings, "needle_emg"), i, v) {
            const char *s = rpt_str(v, "region");
            studied = studied || (s && !strcmp(s, regions[r]));
        }
        float x = left + (float)r * (w + 10);
        HPDF_Page_SetGrayFill(c->page, lmn ? 0.15f : studied ? 0.93f : 1.0f);
        HPDF_Page_SetLineWidth(c->page, lmn ? 1.5f : 0.6f);
        if (!studied && !lmn)
            HPDF_Page_SetDash(c->page, (const HPDF_UINT16[]){2, 2}, 2, 0);
        HPDF_Page_Rectangle(c->page, x, c->y - h, w, h);
        HPDF_Page_FillStroke(c->page);
        HPDF_Page_SetDash(c->page, NULL, 0, 0);
        HPDF_Page_SetGrayFill(c->page, lmn ? 1.0f : 0.0f);
        rpt_text(c, c->bold, RPT_FS_BODY, x + w / 2, c->y - 11, w - 6, 'c', regions[r]);
        rpt_text(c, lmn ? c->bold : c->font, RPT_FS_SMALL, x + w / 2, c->y - 21, w - 6, 'c',
                 lmn ? "\xE2\x96\xA0 LMN signs" : studied ? "\xE2\x96\xA1 studied, none" : "not studied");
        HPDF_Page_SetGrayFill(c->page, 0.0f);
    }
    c->y -= h + 8;
}

static void interpretation(rpt_ctx *c, const json_t *interp)
{
    const char *pattern = rpt_str(interp, "pattern"), *sub = rpt_str(interp, "subtype");
    const char *words = NULL;
    for (size_t i = 0; i < sizeof pattern_words / sizeof pattern_words[0]; i++)
        if (pattern && !strcmp(pattern, pattern_words[i][0]))
            words = pattern_words[i][1];
    char line[RPT_LINE_MAX], subw[96], patw[96];
    rpt_words(sub, subw, sizeof subw);
    rpt_words(pattern, patw, sizeof patw);
    snprintf(line, sizeof line, "Automated pattern: consistent with %s%s%s%s.",
             words ? words : patw[0] ? patw : "no stated pattern", subw[0] ? " (subtype: " : "", subw,
             subw[0] ? ")" : "");
    rpt_need(c, 40);
    rpt_paragraph(c, c->bold, RPT_FS_BODY + 0.5f, 0, line);
    const char *st = rpt_str(interp, "statement");
    if (st && st[0]) {
        c->y -= 2;
        rpt_paragraph(c, c->font, RPT_FS_BODY + 0.5f, 0, st);
    }
    c->y -= 4;
    region_boxes(c, interp);
    const json_t *ev = json_object_get(interp, "evidence");
    if (json_array_size(ev) == 0)
        return;
    rpt_need(c, 30);
    rpt_text(c, c->bold, RPT_FS_BODY, rpt_body_left(c), c->y - RPT_FS_BODY, 0, 'l',
             "Evidence weighed (\xE2\x9C\x93 holds, \xE2\x9C\x97 does not hold)");
    c->y -= 12;
    size_t i;
    const json_t *e;
    json_array_foreach(ev, i, e) {
        char text[RPT_LINE_MAX], rule[128];
        rpt_words(rpt_str(e, "rule"), rule, sizeof rule);
        const char *detail = rpt_str(e, "detail");
        if (detail && detail[0])
            snprintf(text, sizeof text, "%s", detail);
        else
            snprintf(text, sizeof text, "%s", rule);
        bool holds = json_is_true(json_object_get(e, "holds"));
        bullet(c, holds ? "\xE2\x9C\x93" : "\xE2\x9C\x97", c->font, text);
    }
}

/* Limitations: one bullet each, at most MAX_NOTES. */
static void note(rpt_ctx *c, size_t *n, const char *text)
{
    if (*n < MAX_NOTES)
        bullet(c, "!", c->font, text);
    (*n)++;
}

static void item_notes(rpt_ctx *c, size_t *n, const json_t *list, const char *what, const char *key)
{
    size_t i, k;
    const json_t *it, *w;
    json_array_foreach(list, i, it) {
        char label[160];
        const char *side = rpt_str(it, "side");
        snprintf(label, sizeof label, "%s%s%s%s%s", side ? side : "", side ? " " : "",
                 rpt_str(it, key) ? rpt_str(it, key) : what,
                 rpt_str(it, "test") ? " " : "", rpt_str(it, "test") ? rpt_str(it, "test") : "");
        json_array_foreach(json_object_get(it, "warnings"), k, w) {
            char line[RPT_LINE_MAX];
            snprintf(line, sizeof line, "%s: %s", label, json_string_value(w) ? json_string_value(w) : "?");
            note(c, n, line);
        }
        const json_t *s;
        json_array_foreach(json_object_get(it, "sites"), k, s) {
            size_t j;
            json_array_foreach(json_object_get(s, "warnings"), j, w) {
                char line[RPT_LINE_MAX];
                snprintf(line, sizeof line, "%s, %s: %s", label, rpt_str(s, "site") ? rpt_str(s, "site") : "?",
                         json_string_value(w) ? json_string_value(w) : "?");
                note(c, n, line);
            }
        }
    }
}

static void limitations(rpt_ctx *c)
{
    rpt_heading(c, "Limitations and technical notes", 30);
    size_t n = 0;
    double t;
    const json_t *cond = json_object_get(c->findings, "conditions");
    if (!rpt_num(cond, "temperature_c", &t))
        note(c, &n, "Limb temperature was not recorded: slowing from a cold limb cannot be excluded.");
    else if (t < 32.0) {
        char line[256], num[32];
        snprintf(line, sizeof line, "Cold limb (%s \xC2\xB0" "C, below 32 \xC2\xB0" "C): latencies may be "
                 "prolonged and velocities slowed by temperature.", edx_fmt_double(num, sizeof num, t, 1));
        note(c, &n, line);
    }
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(c->findings, "needle_emg"), i, m) {
        double rest;
        if (rpt_num(m, "rest_s", &rest) && rest < 30) {
            char line[256], num[32];
            snprintf(line, sizeof line, "%s %s: only %s s of rest analysed; rare discharges may be missed.",
                     rpt_str(m, "side") ? rpt_str(m, "side") : "", rpt_str(m, "muscle") ? rpt_str(m, "muscle") : "?",
                     edx_fmt_double(num, sizeof num, rest, 0));
            note(c, &n, line);
        }
        if (!rpt_str(m, "region")) {
            char line[256];
            snprintf(line, sizeof line, "%s: muscle not in the muscle table; its region is unknown and it "
                     "does not count towards regions.", rpt_str(m, "muscle") ? rpt_str(m, "muscle") : "?");
            note(c, &n, line);
        }
    }
    item_notes(c, &n, json_object_get(c->findings, "nerve_conduction"), "nerve", "nerve");
    item_notes(c, &n, json_object_get(c->findings, "needle_emg"), "muscle", "muscle");
    item_notes(c, &n, json_object_get(json_object_get(c->findings, "study"), "files"), "file", "path");
    if (n > MAX_NOTES) {
        char line[128];
        snprintf(line, sizeof line, "%zu further notes are in the findings file.", n - MAX_NOTES);
        bullet(c, "!", c->font, line);
    }
    if (n == 0)
        rpt_paragraph(c, c->font, RPT_FS_BODY, 0, "None recorded.");
}

void rpt_summary(rpt_ctx *c)
{
    rpt_heading(c, "Summary of findings", 40);
    bool any = ncs_summary(c);
    any = emg_summary(c) || any;
    if (!any)
        rpt_paragraph(c, c->font, RPT_FS_BODY, 0,
                      "No value is flagged abnormal in the findings. Values are only flagged where a "
                      "normal limit applies; see the tables.");
    const json_t *interp = json_object_get(c->findings, "interpretation");
    rpt_heading(c, "Impression (automated, preliminary)", 50);
    if (json_is_object(interp))
        interpretation(c, interp);
    else
        rpt_paragraph(c, c->font, RPT_FS_BODY, 0,
                      "No automated interpretation is available for this study; the findings above "
                      "are for the physician to interpret.");
    limitations(c);
}
