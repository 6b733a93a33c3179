/*
 * emg_panels.c - per muscle with spontaneous activity, a panel: a raster of
 * each discharge type over the rest analysed (one tick per discharge, from
 * the muscle's events table named in the findings) and an example of each
 * type found, re-read from the recording at the first such discharge
 * (negativity up, calibration bars). Muscles without an events table get
 * no panel; the table already has their rates.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/rpt_internal.h"

enum { N_TYPES = 6, EXAMPLE_N = 160, EVENTS_MAX_BYTES = 16 * 1024 * 1024 };
#define PANEL_H 96.0f

static const char *const types[N_TYPES][2] = {
    {"fibrillation", "Fibrillation"},       {"positive_sharp_wave", "PSW"},
    {"fasciculation", "Fasciculation"},     {"complex_repetitive", "CRD"},
    {"myotonic", "Myotonic"},               {"myokymic", "Myokymic"},
};

typedef struct events {
    double *t[N_TYPES];
    size_t n[N_TYPES], cap[N_TYPES];
    double t_min, t_max;
} events;

static void events_free(events *e)
{
    for (int k = 0; k < N_TYPES; k++)
        free(e->t[k]);
}

static void add_event(events *e, int k, double t)
{
    if (e->n[k] == e->cap[k]) {
        size_t cap = e->cap[k] ? 2 * e->cap[k] : 64;
        double *p = realloc(e->t[k], cap * sizeof *p);
        if (!p)
            return;
        e->t[k] = p;
        e->cap[k] = cap;
    }
    e->t[k][e->n[k]++] = t;
    e->t_min = fmin(e->t_min, t);
    e->t_max = fmax(e->t_max, t);
}

/* Reads the spontaneous discharges of an events.tsv (time_s, type, ...). */
static bool read_events(rpt_ctx *c, const char *name, events *e)
{
    char path[4096], *text = NULL;
    size_t size = 0;
    memset(e, 0, sizeof *e);
    e->t_min = INFINITY;
    e->t_max = -INFINITY;
    if (!rpt_resolve_path(c, name, path, sizeof path) ||
        edx_read_small_file(path, EVENTS_MAX_BYTES, &text, &size) != EDX_OK)
        return false;
    for (char *ln = text, *next; ln && *ln; ln = next) {
        next = strchr(ln, '\n');
        if (next)
            *next++ = '\0';
        char *tab = strchr(ln, '\t');
        double t;
        if (!tab || edx_parse_double(ln, (size_t)(tab - ln), &t) != EDX_OK)
            continue; /* the header line, or a bad row */
        char *type = tab + 1, *end = strchr(type, '\t');
        size_t len = end ? (size_t)(end - type) : strlen(type);
        for (int k = 0; k < N_TYPES; k++)
            if (strlen(types[k][0]) == len && !strncmp(type, types[k][0], len))
                add_event(e, k, t);
    }
    free(text);
    return e->t_max >= e->t_min;
}

static void raster(rpt_ctx *c, const events *e, float x, float top, float w)
{
    float row = 12, lab = 62;
    double span = fmax(e->t_max - e->t_min, 1.0), t0 = e->t_min;
    int r = 0;
    for (int k = 0; k < N_TYPES; k++) {
        if (!e->n[k])
            continue;
        float y = top - 16 - row * (float)r++;
        char label[64];
        snprintf(label, sizeof label, "%s (%zu)", types[k][1], e->n[k]);
        rpt_text(c, c->font, 6.5f, x, y - 3, lab - 4, 'l', label);
        HPDF_Page_SetLineWidth(c->page, 0.5f);
        for (size_t i = 0; i < e->n[k]; i++) {
            float xi = x + lab + (float)((e->t[k][i] - t0) / span) * (w - lab);
            HPDF_Page_MoveTo(c->page, xi, y - 4);
            HPDF_Page_LineTo(c->page, xi, y + 4);
        }
        HPDF_Page_Stroke(c->page);
    }
    char axis[96], a[32], b[32];
    snprintf(axis, sizeof axis, "rest, %s\xE2\x80\x93%s s of the recording",
             edx_fmt_double(a, sizeof a, t0, 0), edx_fmt_double(b, sizeof b, t0 + span, 0));
    rpt_text(c, c->font, 6.0f, x + lab, top - PANEL_H + 6, w - lab, 'l', axis);
}

/* One example waveform of type k: -5..25 ms around its first discharge. */
static void example(rpt_ctx *c, edf_file *f, const study_muscle *m, const events *e, int k,
                    float x, float top, float w)
{
    double g[EXAMPLE_N], t = e->t[k][0], peak = 0;
    if (rpt_read_window(f, m->signal, t - 0.01, t + 0.04, t, -5, 25, g, EXAMPLE_N) != EDX_OK)
        return;
    double mean = 0;
    for (int i = 0; i < 20; i++)
        mean += isfinite(g[i]) ? g[i] / 20 : 0;
    for (int i = 0; i < EXAMPLE_N; i++)
        peak = isfinite(g[i]) ? fmax(peak, fabs(g[i] - mean)) : peak;
    double cal = peak > 500 ? 500 : peak > 200 ? 200 : peak > 100 ? 100 : 50;
    double uv_per_pt = fmax(peak, cal) / 26.0;
    float base = top - 44;
    rpt_text(c, c->bold, 6.5f, x + w / 2, top - 10, w - 4, 'c', types[k][1]);
    HPDF_Page_SetLineWidth(c->page, 0.6f);
    bool pen = false;
    for (int i = 0; i < EXAMPLE_N; i++) {
        if (!isfinite(g[i])) {
            pen = false;
            continue;
        }
        float xi = x + 2 + (w - 4) * (float)i / (EXAMPLE_N - 1);
        float yi = base + (float)(-(g[i] - mean) / uv_per_pt);
        if (pen)
            HPDF_Page_LineTo(c->page, xi, yi);
        else
            HPDF_Page_MoveTo(c->page, xi, yi);
        pen = true;
    }
    HPDF_Page_Stroke(c->page);
    float x1 = x + w - 4, x0 = x1 - (w - 4) * 5 / 30, y0 = top - PANEL_H + 12;
    HPDF_Page_SetLineWidth(c->page, 1.0f);
    HPDF_Page_MoveTo(c->page, x0, y0 + (float)(cal / uv_per_pt));
    HPDF_Page_LineTo(c->page, x0, y0);
    HPDF_Page_LineTo(c->page, x1, y0);
    HPDF_Page_Stroke(c->page);
    char lab[32];
    snprintf(lab, sizeof lab, "%.0f \xC2\xB5V, 5 ms", cal);
    rpt_text(c, c->font, 5.8f, x1, y0 - 7, w, 'r', lab);
}

static void muscle_panel(rpt_ctx *c, const json_t *m, const events *e)
{
    rpt_need(c, PANEL_H + 8);
    float x = rpt_body_left(c), w = rpt_body_width(c), top = c->y;
    HPDF_Page_SetLineWidth(c->page, 0.4f);
    HPDF_Page_SetGrayStroke(c->page, 0.6f);
    HPDF_Page_Rectangle(c->page, x, top - PANEL_H, w, PANEL_H);
    HPDF_Page_Stroke(c->page);
    HPDF_Page_SetGrayStroke(c->page, 0.0f);
    char title[160], name[96];
    rpt_sanitize(rpt_str(m, "muscle"), name, sizeof name);
    snprintf(title, sizeof title, "%s %s", rpt_str(m, "side") ? rpt_str(m, "side") : "", name);
    rpt_text(c, c->bold, RPT_FS_SMALL + 0.5f, x + 4, top - 10, w * 0.45f, 'l', title);
    raster(c, e, x + 4, top, w * 0.45f);
    rpt_source *src = rpt_source_get(c);
    const study_muscle *sm = rpt_source_muscle(src, m);
    edf_file *f = NULL;
    if (sm && rpt_source_open_file(src, sm->file, &f) == EDX_OK) {
        float ex = x + w * 0.5f, ew = (w * 0.5f - 4) / 4;
        for (int k = 0, slot = 0; k < N_TYPES && slot < 4; k++)
            if (e->n[k])
                example(c, f, sm, e, k, ex + ew * (float)slot++, top, ew);
        edf_close(f);
    }
    c->y = top - PANEL_H - 8;
}

void rpt_emg_panels(rpt_ctx *c)
{
    size_t i;
    const json_t *m;
    bool headed = false;
    json_array_foreach(json_object_get(c->findings, "needle_emg"), i, m) {
        const char *name = rpt_str(m, "events");
        events e;
        if (!name || !read_events(c, name, &e)) {
            if (name)
                events_free(&e);
            continue;
        }
        if (!headed) {
            rpt_heading(c, "Needle EMG: spontaneous activity at rest", PANEL_H + 10);
            rpt_paragraph(c, c->font, 6.5f, 0,
                          "Left: one tick per discharge over the rest analysed (count in "
                          "brackets). Right: the first discharge of each type, negativity up.");
            headed = true;
        }
        muscle_panel(c, m, &e);
        events_free(&e);
    }
}
