/*
 * header.c - the first page's patient and study block, the disclaimer box
 * and the sign-off block at the end of the report.
 */
#include <stdio.h>
#include <string.h>

#include "report/rpt_internal.h"

typedef struct field {
    const char *label;
    char value[RPT_TEXT_MAX];
} field;

static void fmt_date(const char *iso, char *out, size_t size)
{
    int y, m, d;
    if (iso && sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) == 3 && m >= 1 && m <= 12 && d >= 1 &&
        d <= 31) {
        static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        snprintf(out, size, "%02d %s %04d", d, mon[m - 1], y);
    } else {
        snprintf(out, size, "not recorded");
    }
}

static void fill_fields(const rpt_ctx *c, field f[9])
{
    const json_t *st = json_object_get(c->findings, "study");
    const json_t *pat = json_object_get(st, "patient");
    const json_t *cond = json_object_get(c->findings, "conditions");
    const char *none = "not recorded";
    double v;
    char born[64], tmp[64];
    f[0] = (field){"Patient", ""};
    snprintf(f[0].value, sizeof f[0].value, "%s", rpt_str(pat, "name") ? rpt_str(pat, "name") : none);
    f[1] = (field){"Patient code", ""};
    snprintf(f[1].value, sizeof f[1].value, "%s", rpt_str(pat, "code") ? rpt_str(pat, "code") : none);
    f[2] = (field){"Sex", ""};
    const char *sex = rpt_str(pat, "sex");
    snprintf(f[2].value, sizeof f[2].value, "%s",
             sex && !strcmp(sex, "F") ? "female" : sex && !strcmp(sex, "M") ? "male" : none);
    f[3] = (field){"Date of birth (age)", ""};
    fmt_date(rpt_str(pat, "birthdate"), born, sizeof born);
    if (rpt_num(pat, "age_years", &v))
        snprintf(f[3].value, sizeof f[3].value, "%s (%s y)", born, edx_fmt_double(tmp, sizeof tmp, v, 0));
    else
        snprintf(f[3].value, sizeof f[3].value, "%s", born);
    f[4] = (field){"Study date", ""};
    const char *start = rpt_str(st, "start");
    fmt_date(start, born, sizeof born);
    snprintf(f[4].value, sizeof f[4].value, "%s%s%.5s", born,
             start && strlen(start) >= 16 ? ", " : "", start && strlen(start) >= 16 ? start + 11 : "");
    f[5] = (field){"Referred by", ""};
    snprintf(f[5].value, sizeof f[5].value, "%s", rpt_str(st, "referrer") ? rpt_str(st, "referrer") : none);
    f[6] = (field){"Height", ""};
    if (rpt_num(cond, "height_cm", &v))
        snprintf(f[6].value, sizeof f[6].value, "%s cm", edx_fmt_double(tmp, sizeof tmp, v, 0));
    else
        snprintf(f[6].value, sizeof f[6].value, "%s", none);
    f[7] = (field){"Limb temperature", ""};
    if (rpt_num(cond, "temperature_c", &v)) {
        const char *site = rpt_str(cond, "temperature_site");
        snprintf(f[7].value, sizeof f[7].value, "%s \xC2\xB0" "C%s%s",
                 edx_fmt_double(tmp, sizeof tmp, v, 1), site ? ", " : "", site ? site : "");
    } else {
        snprintf(f[7].value, sizeof f[7].value, "%s", none);
    }
    f[8] = (field){"Study id", ""};
    snprintf(f[8].value, sizeof f[8].value, "%s", rpt_str(st, "id") ? rpt_str(st, "id") : none);
}

void rpt_patient_block(rpt_ctx *c)
{
    field f[9];
    fill_fields(c, f);
    const char *ind = rpt_str(json_object_get(c->findings, "study"), "indication");
    float left = rpt_body_left(c), w = rpt_body_width(c), col = w / 3, row = 20;
    int ind_lines = rpt_paragraph_lines(c, c->font, RPT_FS_BODY, w - 12,
                                        ind ? ind : "not recorded");
    if (ind_lines > 3)
        ind_lines = 3;
    float h = 3 * row + 14 + 10 + (float)ind_lines * RPT_FS_BODY * 1.3f;
    rpt_need(c, h + 6);
    float top = c->y;
    HPDF_Page_SetGrayFill(c->page, 0.94f);
    HPDF_Page_Rectangle(c->page, left, top - h, w, h);
    HPDF_Page_Fill(c->page);
    HPDF_Page_SetGrayFill(c->page, 0.0f);
    for (int i = 0; i < 9; i++) {
        float x = left + 6 + col * (float)(i / 3), y = top - 9 - row * (float)(i % 3);
        rpt_text(c, c->font, 6.5f, x, y, col - 10, 'l', f[i].label);
        rpt_text(c, i == 0 ? c->bold : c->font, RPT_FS_BODY + (i == 0 ? 1.0f : 0.0f), x, y - 9,
                 col - 10, 'l', f[i].value);
    }
    float y = top - 3 * row - 8;
    rpt_text(c, c->font, 6.5f, left + 6, y, w - 12, 'l', "Indication / clinical question");
    c->y = y - 3;
    char buf[RPT_LINE_MAX];
    rpt_sanitize(ind ? ind : "not recorded", buf, sizeof buf);
    /* at most three lines: a hostile indication must not push the layout */
    const char *p = buf;
    for (int i = 0; i < ind_lines && *p; i++) {
        char line[RPT_TEXT_MAX];
        size_t k = i + 1 < ind_lines ? rpt_wrap_len(c, c->font, RPT_FS_BODY, p, w - 12) : strlen(p);
        snprintf(line, sizeof line, "%.*s", (int)k, p);
        rpt_text(c, c->font, RPT_FS_BODY, left + 6, c->y - RPT_FS_BODY, w - 12, 'l', line);
        c->y -= RPT_FS_BODY * 1.3f;
        p += k;
        while (*p == ' ')
            p++;
    }
    c->y = top - h - 8;
}

static const char *const disclaimer_text =
    "This is an automated, preliminary analysis of the recorded signals. It is not a diagnosis. "
    "Every statement is phrased \xE2\x80\x9C" "consistent with\xE2\x80\x9D and must be reviewed, "
    "corrected where needed, and signed by a qualified physician (electrodiagnostic medicine) "
    "who integrates the history and examination before any clinical use. EMG and nerve "
    "conduction findings are not disease-specific; motor neuron disease in particular needs "
    "clinical upper-motor-neuron signs, documented progression and exclusion of mimics, which "
    "this software cannot assess. Nerves, muscles and regions not studied are not assessed, "
    "not normal.";

void rpt_disclaimer_box(rpt_ctx *c)
{
    float left = rpt_body_left(c), w = rpt_body_width(c);
    int lines = rpt_paragraph_lines(c, c->font, RPT_FS_SMALL + 0.5f, w - 16, disclaimer_text);
    float h = 14 + 6 + (float)lines * (RPT_FS_SMALL + 0.5f) * 1.3f + 4;
    rpt_need(c, h + 4);
    float top = c->y;
    HPDF_Page_SetLineWidth(c->page, 1.2f);
    HPDF_Page_SetGrayStroke(c->page, 0.0f);
    HPDF_Page_Rectangle(c->page, left, top - h, w, h);
    HPDF_Page_Stroke(c->page);
    rpt_text(c, c->bold, RPT_FS_BODY, left + 8, top - 12, w - 16, 'l',
             "PRELIMINARY \xE2\x80\x93 FOR REVIEW AND SIGNATURE BY A QUALIFIED PHYSICIAN");
    c->y = top - 18;
    rpt_paragraph(c, c->font, RPT_FS_SMALL + 0.5f, 8, disclaimer_text);
    c->y = top - h - 8;
}

void rpt_signoff(rpt_ctx *c)
{
    rpt_need(c, 70);
    c->y -= 10;
    rpt_paragraph(c, c->font, RPT_FS_SMALL + 0.5f, 0,
                  "Interpretation by the physician (to be completed or confirmed on review):");
    float left = rpt_body_left(c), w = rpt_body_width(c);
    HPDF_Page_SetLineWidth(c->page, 0.4f);
    HPDF_Page_SetGrayStroke(c->page, 0.5f);
    for (int i = 0; i < 2; i++) {
        c->y -= 16;
        HPDF_Page_MoveTo(c->page, left, c->y);
        HPDF_Page_LineTo(c->page, left + w, c->y);
        HPDF_Page_Stroke(c->page);
    }
    HPDF_Page_SetGrayStroke(c->page, 0.0f);
    c->y -= 18;
    rpt_text(c, c->bold, RPT_FS_BODY, left, c->y, w, 'l', c->cfg->signoff);
    c->y -= 10;
}
