/*
 * traces.c - the nerve conduction traces: per nerve one panel, the sites
 * stacked distal to proximal at one common gain, negativity upward, with
 * the stimulus (dotted), an onset tick and a negative-peak marker at the
 * latencies the findings give, and calibration bars in ms and mV or µV.
 * F-wave tests get a raster of their sweeps at high gain with the F
 * latencies of the findings ticked.
 *
 * Which sweep is drawn (a display choice, not a measurement): motor, the
 * site's sweep that is most negative at the findings' peak latency (the
 * supramaximal one the analyser chose); sensory, the average of the site's
 * sweeps aligned on the stimulus (what the analyser measured).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/rpt_internal.h"

enum { GRID_MAX = 600, FWAVE_MAX_SWEEPS = 20 };
#define ROW_H 34.0f
#define LABEL_W 62.0f
#define TITLE_H 14.0f
#define AXIS_H 16.0f

typedef struct panel {
    float x, y, w, h;     /* box; y is the top */
    double t0_ms, t1_ms;  /* time window from the stimulus */
    double uv_per_pt;     /* gain */
} panel;

/* 1, 2 or 5 times a power of ten, at least v. */
static double nice_up(double v)
{
    if (!(v > 0))
        return 1;
    double p = pow(10, floor(log10(v)));
    return v <= p ? p : v <= 2 * p ? 2 * p : v <= 5 * p ? 5 * p : 10 * p;
}

static float px(const panel *p, double t_ms)
{
    return p->x + LABEL_W + (float)((t_ms - p->t0_ms) / (p->t1_ms - p->t0_ms)) * (p->w - LABEL_W - 6);
}

static void draw_grid_trace(rpt_ctx *c, const panel *p, const double *g, size_t n, float base)
{
    bool pen = false;
    HPDF_Page_SetLineWidth(c->page, 0.6f);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(g[i])) {
            pen = false;
            continue;
        }
        double t = p->t0_ms + (p->t1_ms - p->t0_ms) * (double)i / (double)(n - 1);
        float y = base + (float)(-g[i] / p->uv_per_pt); /* negativity up */
        if (pen)
            HPDF_Page_LineTo(c->page, px(p, t), y);
        else
            HPDF_Page_MoveTo(c->page, px(p, t), y);
        pen = true;
    }
    HPDF_Page_Stroke(c->page);
}

static double grid_at(const panel *p, const double *g, size_t n, double t_ms)
{
    double k = (t_ms - p->t0_ms) / (p->t1_ms - p->t0_ms) * (double)(n - 1);
    if (!(k >= 0) || k > (double)(n - 1))
        return NAN;
    return g[(size_t)lround(k)];
}

/* Onset: a vertical tick through the trace; peak: a small triangle above. */
static void draw_markers(rpt_ctx *c, const panel *p, const double *g, size_t n, float base,
                         const json_t *site)
{
    double on, pk;
    HPDF_Page_SetLineWidth(c->page, 0.9f);
    if (rpt_num(site, "onset_latency_ms", &on) && on > p->t0_ms && on < p->t1_ms) {
        double v = grid_at(p, g, n, on);
        float y = base + (float)(isfinite(v) ? -v / p->uv_per_pt : 0);
        HPDF_Page_MoveTo(c->page, px(p, on), y - 5);
        HPDF_Page_LineTo(c->page, px(p, on), y + 5);
        HPDF_Page_Stroke(c->page);
    }
    if (rpt_num(site, "peak_latency_ms", &pk) && pk > p->t0_ms && pk < p->t1_ms) {
        double v = grid_at(p, g, n, pk);
        float y = base + (float)(isfinite(v) ? -v / p->uv_per_pt : 0) + 2;
        if (y > base + ROW_H / 2 + 6)
            y = base + ROW_H / 2 + 6;
        float x = px(p, pk);
        HPDF_Page_MoveTo(c->page, x, y);
        HPDF_Page_LineTo(c->page, x - 2.5f, y + 4.5f);
        HPDF_Page_LineTo(c->page, x + 2.5f, y + 4.5f);
        HPDF_Page_ClosePathFillStroke(c->page);
    }
}

/* The site's display grid: see the top of the file. NAN-filled when there
 * is no sweep. */
static void site_grid(const panel *p, edf_file *f, const study_nerve_test *t, const char *site,
                      bool is_motor, double peak_ms, double *g, size_t n)
{
    double *tmp = malloc(n * sizeof *tmp);
    size_t used = 0;
    double best = INFINITY;
    for (size_t i = 0; i < n; i++)
        g[i] = NAN;
    for (size_t s = 0; tmp && site && s < t->n_sweeps; s++) {
        const study_sweep *sw = &t->sweeps[s];
        if (strcmp(sw->site, site) != 0 ||
            rpt_read_window(f, t->signal, sw->t0_s, sw->t1_s, sw->stimulus_s, p->t0_ms, p->t1_ms,
                            tmp, n) != EDX_OK)
            continue;
        if (is_motor) {
            double v = isfinite(peak_ms) ? grid_at(p, tmp, n, peak_ms) : -(double)s;
            if (used == 0 || (isfinite(v) && v < best)) {
                best = isfinite(v) ? v : best;
                memcpy(g, tmp, n * sizeof *g);
            }
        } else {
            for (size_t i = 0; i < n; i++)
                g[i] = used == 0 ? tmp[i] : g[i] + (tmp[i] - g[i]) / (double)(used + 1);
        }
        used++;
    }
    free(tmp);
}

static void cal_bars(rpt_ctx *c, const panel *p, double ms, double uv)
{
    float x1 = p->x + p->w - 8, y0 = p->y - p->h + 5;
    float x0 = x1 - (float)(ms / (p->t1_ms - p->t0_ms)) * (p->w - LABEL_W - 6);
    float h = (float)(uv / p->uv_per_pt);
    HPDF_Page_SetLineWidth(c->page, 1.2f);
    HPDF_Page_MoveTo(c->page, x0, y0 + h);
    HPDF_Page_LineTo(c->page, x0, y0);
    HPDF_Page_LineTo(c->page, x1, y0);
    HPDF_Page_Stroke(c->page);
    char lab[64], num[32];
    snprintf(lab, sizeof lab, "%s ms", edx_fmt_double(num, sizeof num, ms, 0));
    rpt_text(c, c->font, 6.5f, (x0 + x1) / 2, y0 + 2, 0, 'c', lab);
    if (uv >= 1000)
        snprintf(lab, sizeof lab, "%s mV", edx_fmt_double(num, sizeof num, uv / 1000, uv < 1000 ? 1 : 0));
    else
        snprintf(lab, sizeof lab, "%s \xC2\xB5V", edx_fmt_double(num, sizeof num, uv, 0));
    rpt_text(c, c->font, 6.5f, x0 - 2, y0 + h / 2 - 2, 0, 'r', lab);
}

static void frame(rpt_ctx *c, const panel *p, const char *title)
{
    HPDF_Page_SetLineWidth(c->page, 0.4f);
    HPDF_Page_SetGrayStroke(c->page, 0.6f);
    HPDF_Page_Rectangle(c->page, p->x, p->y - p->h, p->w, p->h);
    HPDF_Page_Stroke(c->page);
    HPDF_Page_SetGrayStroke(c->page, 0.0f);
    rpt_text(c, c->bold, RPT_FS_SMALL + 0.5f, p->x + 4, p->y - 10, p->w - 8, 'l', title);
}

static void stimulus_line(rpt_ctx *c, const panel *p, float top, float bottom)
{
    HPDF_Page_SetLineWidth(c->page, 0.4f);
    HPDF_Page_SetDash(c->page, (const HPDF_UINT16[]){1, 2}, 2, 0);
    HPDF_Page_MoveTo(c->page, px(p, 0), top);
    HPDF_Page_LineTo(c->page, px(p, 0), bottom);
    HPDF_Page_Stroke(c->page);
    HPDF_Page_SetDash(c->page, NULL, 0, 0);
}

static void nerve_title(const json_t *n, char *out, size_t size)
{
    char nerve[48], rec[32], test[16];
    rpt_sanitize(rpt_str(n, "nerve"), nerve, sizeof nerve);
    rpt_sanitize(rpt_str(n, "recording_site"), rec, sizeof rec);
    rpt_sanitize(rpt_str(n, "test"), test, sizeof test);
    snprintf(out, size, "%s %s %s \xC2\xB7 %s", rpt_str(n, "side") ? rpt_str(n, "side") : "", nerve,
             !strcmp(test, "fwave") ? "F-waves" : test, rec);
}

static void site_label(rpt_ctx *c, const panel *p, float base, const json_t *site, bool is_motor)
{
    char name[64], lat[32], amp[32], line[96];
    rpt_sanitize(rpt_str(site, "site"), name, sizeof name);
    rpt_text(c, c->font, RPT_FS_SMALL, p->x + 4, base + 2, LABEL_W - 6, 'l', name);
    rpt_fmt_num(site, "onset_latency_ms", 2, 1, lat, sizeof lat);
    rpt_fmt_num(site, "amplitude_uv", 1, is_motor ? 0.001 : 1, amp, sizeof amp);
    snprintf(line, sizeof line, "%s ms, %s %s", lat, amp, is_motor ? "mV" : "\xC2\xB5V");
    HPDF_Page_SetGrayFill(c->page, 0.3f);
    rpt_text(c, c->font, 6.0f, p->x + 4, base - 6, LABEL_W - 6, 'l', line);
    HPDF_Page_SetGrayFill(c->page, 0.0f);
}

/* Window and gain of a motor or sensory panel from the findings' values. */
static void panel_scale(panel *p, const json_t *sites, bool is_motor)
{
    double max_pk = 0, max_amp = 0, v;
    size_t i;
    const json_t *s;
    json_array_foreach(sites, i, s) {
        if (rpt_num(s, "peak_latency_ms", &v) && v > max_pk && v < 200)
            max_pk = v;
        if (rpt_num(s, "amplitude_uv", &v) && v > max_amp)
            max_amp = v;
    }
    p->t0_ms = is_motor ? -2 : -1;
    p->t1_ms = nice_up(fmax(is_motor ? 20 : 8, max_pk * 1.6));
    if (p->t1_ms < max_pk + (is_motor ? 8 : 2))
        p->t1_ms = nice_up(max_pk + (is_motor ? 8 : 2)) ;
    if (!(max_amp > 0))
        max_amp = is_motor ? 5000 : 20;
    p->uv_per_pt = max_amp / (ROW_H * 0.75);
}

/* The nerve test's recording, opened; NULL (with a note in the panel) when
 * it is not available. */
static const study_nerve_test *panel_recording(rpt_ctx *c, const panel *p, const json_t *n,
                                               rpt_source *src, edf_file **f)
{
    const study_nerve_test *t = rpt_source_nerve(src, n);
    if (!t || rpt_source_open_file(src, t->file, f) != EDX_OK) {
        rpt_text(c, c->font, RPT_FS_SMALL, p->x + p->w / 2, p->y - p->h / 2, p->w - 10, 'c',
                 "recording not available: no trace");
        return NULL;
    }
    return t;
}

/* Points of a panel's trace grid: two per point of width, at most GRID_MAX. */
static size_t grid_len(const panel *p)
{
    size_t ng = (size_t)(2 * (p->w - LABEL_W));
    return ng > GRID_MAX ? GRID_MAX : ng;
}

static void nerve_panel(rpt_ctx *c, panel *p, const json_t *n, rpt_source *src)
{
    char title[160];
    nerve_title(n, title, sizeof title);
    frame(c, p, title);
    const json_t *sites = json_object_get(n, "sites");
    bool is_motor = strcmp(rpt_str(n, "test"), "motor") == 0;
    panel_scale(p, sites, is_motor);
    edf_file *f = NULL;
    const study_nerve_test *t = panel_recording(c, p, n, src, &f);
    if (t == NULL)
        return;
    double g[GRID_MAX];
    size_t ng = grid_len(p);
    float top = p->y - TITLE_H;
    HPDF_Page_GSave(c->page); /* clip to the panel: big artefacts stay inside */
    HPDF_Page_Rectangle(c->page, p->x + LABEL_W - 2, p->y - p->h, p->w - LABEL_W + 2, p->h - TITLE_H + 4);
    HPDF_Page_Clip(c->page);
    HPDF_Page_EndPath(c->page);
    stimulus_line(c, p, top, p->y - p->h + AXIS_H);
    size_t i;
    const json_t *s;
    json_array_foreach(sites, i, s) {
        float base = top - ROW_H * (float)i - ROW_H * 0.62f;
        double pk = NAN;
        rpt_num(s, "peak_latency_ms", &pk);
        site_grid(p, f, t, rpt_str(s, "site"), is_motor, pk, g, ng);
        draw_grid_trace(c, p, g, ng, base);
        draw_markers(c, p, g, ng, base, s);
    }
    HPDF_Page_GRestore(c->page);
    json_array_foreach(sites, i, s)
        site_label(c, p, top - ROW_H * (float)i - ROW_H * 0.62f, s, is_motor);
    cal_bars(c, p, nice_up((p->t1_ms - p->t0_ms) / 6), nice_up(p->uv_per_pt * ROW_H * 0.4));
    edf_close(f);
}

/* F-waves: up to 20 sweeps stacked at a gain for F-waves (M clipped). */
static void fwave_panel(rpt_ctx *c, panel *p, const json_t *n, rpt_source *src)
{
    char title[160];
    nerve_title(n, title, sizeof title);
    frame(c, p, title);
    const json_t *fw = json_object_get(n, "fwave"), *lats = json_object_get(fw, "latencies_ms");
    double fmin = 50;
    rpt_num(fw, "min_latency_ms", &fmin);
    p->t0_ms = 0;
    p->t1_ms = nice_up(fmin + 25 > 40 ? fmin + 25 : 40);
    p->uv_per_pt = 500.0 / 8.0; /* 500 µV per 8 pt: F-waves visible, M clipped */
    edf_file *f = NULL;
    const study_nerve_test *t = panel_recording(c, p, n, src, &f);
    if (t == NULL)
        return;
    double g[GRID_MAX];
    size_t ng = grid_len(p);
    size_t ns = t->n_sweeps < FWAVE_MAX_SWEEPS ? t->n_sweeps : FWAVE_MAX_SWEEPS;
    float step = (p->h - TITLE_H - AXIS_H) / (float)(ns ? ns : 1), top = p->y - TITLE_H;
    HPDF_Page_GSave(c->page);
    HPDF_Page_Rectangle(c->page, p->x + LABEL_W - 2, p->y - p->h + AXIS_H - 4, p->w - LABEL_W + 2, p->h - TITLE_H - AXIS_H + 8);
    HPDF_Page_Clip(c->page);
    HPDF_Page_EndPath(c->page);
    for (size_t s = 0; s < ns; s++) {
        const study_sweep *sw = &t->sweeps[s];
        float base = top - step * ((float)s + 0.6f);
        if (rpt_read_window(f, t->signal, sw->t0_s, sw->t1_s, sw->stimulus_s, p->t0_ms, p->t1_ms, g, ng) == EDX_OK)
            draw_grid_trace(c, p, g, ng, base);
        double fl;
        const json_t *lv = json_array_get(lats, s);
        if (json_is_number(lv) && (fl = json_number_value(lv)) > 0 && fl < p->t1_ms) {
            HPDF_Page_SetLineWidth(c->page, 0.9f);
            HPDF_Page_MoveTo(c->page, px(p, fl), base - step * 0.45f);
            HPDF_Page_LineTo(c->page, px(p, fl), base + step * 0.45f);
            HPDF_Page_Stroke(c->page);
        }
    }
    HPDF_Page_GRestore(c->page);
    rpt_text(c, c->font, 6.0f, p->x + 4, top - 8, LABEL_W - 6, 'l', "sweeps 1\xE2\x80\x93n,");
    rpt_text(c, c->font, 6.0f, p->x + 4, top - 15, LABEL_W - 6, 'l', "| F latency");
    cal_bars(c, p, nice_up((p->t1_ms - p->t0_ms) / 6), 500);
    edf_close(f);
}

static float panel_height(const json_t *n)
{
    const char *test = rpt_str(n, "test");
    if (test && !strcmp(test, "fwave"))
        return TITLE_H + AXIS_H + 150;
    size_t k = json_array_size(json_object_get(n, "sites"));
    return TITLE_H + AXIS_H + ROW_H * (float)(k ? k : 1);
}

static bool has_trace(const json_t *n)
{
    const char *t = rpt_str(n, "test");
    return t && (!strcmp(t, "motor") || !strcmp(t, "sensory") ||
                 (!strcmp(t, "fwave") && json_is_object(json_object_get(n, "fwave"))));
}

void rpt_ncs_traces(rpt_ctx *c)
{
    const json_t *ncs = json_object_get(c->findings, "nerve_conduction"), *n;
    size_t i, count = 0;
    json_array_foreach(ncs, i, n)
        count += has_trace(n);
    if (count == 0)
        return;
    rpt_source *src = rpt_source_get(c);
    rpt_new_page(c);
    rpt_heading(c, "Nerve conduction traces", 120);
    rpt_paragraph(c, c->font, 6.5f, 0,
                  "Negativity up. Dotted line: stimulus. Tick: onset; triangle: negative peak, at the "
                  "latencies of the tables. All sites of a nerve at one gain; calibration bars at "
                  "the lower right of each panel.");
    c->y -= 4;
    float gap = 10, w = (rpt_body_width(c) - gap) / 2;
    const json_t *left = NULL;
    json_array_foreach(ncs, i, n) {
        if (!has_trace(n))
            continue;
        if (!left) {
            left = n;
            continue;
        }
        float h = fmaxf(panel_height(left), panel_height(n));
        rpt_need(c, h + 8);
        const json_t *pair[2] = {left, n};
        for (int k = 0; k < 2; k++) {
            panel p = {rpt_body_left(c) + (float)k * (w + gap), c->y, w, h, 0, 1, 1};
            bool fwave = !strcmp(rpt_str(pair[k], "test"), "fwave");
            (fwave ? fwave_panel : nerve_panel)(c, &p, pair[k], src);
        }
        c->y -= h + 8;
        left = NULL;
    }
    if (left) {
        float h = panel_height(left);
        rpt_need(c, h + 8);
        panel p = {rpt_body_left(c), c->y, w, h, 0, 1, 1};
        (!strcmp(rpt_str(left, "test"), "fwave") ? fwave_panel : nerve_panel)(c, &p, left, src);
        c->y -= h + 8;
    }
}
