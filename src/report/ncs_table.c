/*
 * ncs_table.c - the nerve conduction tables as clinicians know them: motor
 * (site rows with the segment to the next-distal site beside the proximal
 * one), sensory, and F-waves. Each value has its normal limit beside it when
 * the findings carry one; abnormal values are bold with ▲/▼. The comparison
 * studies ("ncs_comparisons": median against ulnar or radial, combined
 * sensory index, side to side) follow, each with its limit and source.
 */
#include <stdio.h>
#include <string.h>

#include "report/rpt_internal.h"

static const rpt_col motor_cols[] = {
    {"Site", NULL, 0.15f, 'l'},          {"Dist.", "cm", 0.055f, 'r'},
    {"Onset", "ms", 0.07f, 'r'},         {"limit", "ms", 0.06f, 'r'},
    {"Amp.", "mV", 0.075f, 'r'},         {"limit", "mV", 0.06f, 'r'},
    {"Dur.", "ms", 0.065f, 'r'},         {"Segment", NULL, 0.22f, 'l'},
    {"CV", "m/s", 0.075f, 'r'},          {"limit", "m/s", 0.06f, 'r'},
    {"Drop", "amp. %", 0.06f, 'r'},
};
enum { N_MOTOR = sizeof motor_cols / sizeof motor_cols[0] };

static const rpt_col sensory_cols[] = {
    {"Site", NULL, 0.19f, 'l'},            {"Dist.", "cm", 0.075f, 'r'},
    {"Onset", "ms", 0.085f, 'r'},          {"limit", "ms", 0.07f, 'r'},
    {"Peak", "ms", 0.085f, 'r'},           {"limit", "ms", 0.07f, 'r'},
    {"Amp.", "\xC2\xB5V", 0.09f, 'r'},     {"limit", "\xC2\xB5V", 0.07f, 'r'},
    {"Dur.", "ms", 0.08f, 'r'},            {"CV", "m/s", 0.095f, 'r'},
    {"limit", "m/s", 0.09f, 'r'},
};
enum { N_SENSORY = sizeof sensory_cols / sizeof sensory_cols[0] };

static const rpt_col fwave_cols[] = {
    {"Nerve", NULL, 0.22f, 'l'},         {"Stimulation", NULL, 0.12f, 'l'},
    {"M amp.", "mV", 0.10f, 'r'},        {"F min. lat.", "ms", 0.10f, 'r'},
    {"limit", "ms", 0.08f, 'r'},         {"Persistence", "%", 0.10f, 'r'},
    {"limit", "%", 0.08f, 'r'},          {"Chronodisp.", "ms", 0.10f, 'r'},
    {"F / stimuli", NULL, 0.10f, 'r'},
};
enum { N_FWAVE = sizeof fwave_cols / sizeof fwave_cols[0] };

static const rpt_col cmp_cols[] = {
    {"Comparison", NULL, 0.20f, 'l'}, {"Side", NULL, 0.04f, 'l'},  {"Measured", NULL, 0.39f, 'l'},
    {"Difference", NULL, 0.09f, 'r'}, {"Limit", NULL, 0.08f, 'r'}, {"Result", NULL, 0.10f, 'l'},
    {"Source", NULL, 0.10f, 'l'},
};
enum { N_CMP = sizeof cmp_cols / sizeof cmp_cols[0] };

/* Site names shortened for the segment column ("below fibular head" ->
 * "b. fib. head"), as clinical tables print them. */
static void short_site(const char *in, char *out, size_t size)
{
    static const char *const from[][2] = {{"below ", "b. "}, {"above ", "a. "},
                                          {"fibular head", "fib. head"},
                                          {"popliteal fossa", "popl. fossa"}};
    char buf[96];
    rpt_sanitize(in, buf, sizeof buf);
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++) {
        char *p = strstr(buf, from[i][0]);
        if (p) {
            char tail[96];
            snprintf(tail, sizeof tail, "%s", p + strlen(from[i][0]));
            snprintf(p, sizeof buf - (size_t)(p - buf), "%s%s", from[i][1], tail);
        }
    }
    snprintf(out, size, "%.*s", (int)size - 1, buf);
}

static bool is_test(const json_t *n, const char *test)
{
    const char *t = rpt_str(n, "test");
    return t && strcmp(t, test) == 0;
}

static size_t count_test(const json_t *ncs, const char *test)
{
    size_t i, k = 0;
    const json_t *n;
    json_array_foreach(ncs, i, n) {
        if (is_test(n, test))
            k++;
    }
    return k;
}

/* "R median motor, recording APB" */
static void nerve_title(const json_t *n, char *out, size_t size)
{
    char nerve[64], test[32], rec[64];
    rpt_sanitize(rpt_str(n, "nerve"), nerve, sizeof nerve);
    rpt_sanitize(rpt_str(n, "test"), test, sizeof test);
    rpt_sanitize(rpt_str(n, "recording_site"), rec, sizeof rec);
    const char *side = rpt_str(n, "side");
    snprintf(out, size, "%s %.40s %.12s%s%.24s",
             side && !strcmp(side, "L") ? "Left" : side && !strcmp(side, "R") ? "Right" : "",
             nerve[0] ? nerve : "unknown nerve", test, rec[0] ? ", recording " : "", rec);
}

static void group_head(rpt_ctx *c, rpt_table *t, const json_t *n, size_t n_rows)
{
    rpt_cell cells[RPT_MAX_COLS] = {0};
    nerve_title(n, cells[0].text, sizeof cells[0].text);
    rpt_table_group(c, t, n_rows + 1);
    rpt_table_row(c, t, cells, true);
}

/* The segment that ends at this site (from the next-distal site). */
static const json_t *segment_to(const json_t *n, const char *site)
{
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(n, "segments"), i, s) {
        const char *to = rpt_str(s, "to");
        if (site && to && strcmp(to, site) == 0)
            return s;
    }
    return NULL;
}

static void motor_row(rpt_ctx *c, rpt_table *t, const json_t *n, const json_t *site, size_t k)
{
    (void)k;
    rpt_cell cl[N_MOTOR] = {0};
    rpt_cell_set(&cl[0], rpt_str(site, "site"));
    rpt_fmt_num(site, "distance_cm", 1, 1, cl[1].text, sizeof cl[1].text);
    rpt_value_cells(site, "onset_latency_ms", 2, 1, &cl[2], &cl[3]);
    rpt_value_cells(site, "amplitude_uv", 1, 0.001, &cl[4], &cl[5]);
    rpt_value_cells(site, "duration_ms", 2, 1, &cl[6], NULL);
    const json_t *seg = segment_to(n, rpt_str(site, "site"));
    if (seg) {
        char from[48], to[48];
        short_site(rpt_str(seg, "from"), from, sizeof from);
        short_site(rpt_str(seg, "to"), to, sizeof to);
        snprintf(cl[7].text, sizeof cl[7].text, "%.40s \xE2\x80\x93 %.40s", from, to);
        rpt_value_cells(seg, "velocity_m_s", 1, 1, &cl[8], &cl[9]);
        rpt_value_cells(seg, "amplitude_drop_pct", 0, 1, &cl[10], NULL);
    }
    rpt_table_row(c, t, cl, false);
}

static void sensory_row(rpt_ctx *c, rpt_table *t, const json_t *n, const json_t *site,
                        size_t k)
{
    rpt_cell cl[N_SENSORY] = {0};
    rpt_cell_set(&cl[0], rpt_str(site, "site"));
    rpt_fmt_num(site, "distance_cm", 1, 1, cl[1].text, sizeof cl[1].text);
    rpt_value_cells(site, "onset_latency_ms", 2, 1, &cl[2], &cl[3]);
    rpt_value_cells(site, "peak_latency_ms", 2, 1, &cl[4], &cl[5]);
    rpt_value_cells(site, "amplitude_uv", 1, 1, &cl[6], &cl[7]);
    rpt_value_cells(site, "duration_ms", 2, 1, &cl[8], NULL);
    if (k == 0) { /* the nerve's velocity: distal site over its onset */
        json_t *tmp = json_pack("{s:O*, s:O*, s:O*}", "velocity_m_s",
                                json_object_get(n, "sensory_velocity_m_s"), "flags",
                                json_object_get(n, "flags"), "limits",
                                json_object_get(n, "limits"));
        if (tmp)
            rpt_value_cells(tmp, "velocity_m_s", 1, 1, &cl[9], &cl[10]);
        json_decref(tmp);
    }
    rpt_table_row(c, t, cl, false);
}

/* A table's heading (kept with `keep` points of what follows) and heads. */
static void table_start(rpt_ctx *c, rpt_table *t, const char *heading, float keep,
                        const rpt_col *cols, size_t n_cols)
{
    rpt_heading(c, heading, keep);
    rpt_table_begin(c, t, cols, n_cols, RPT_FS_SMALL + 0.5f);
}

typedef void (*site_row_fn)(rpt_ctx *c, rpt_table *t, const json_t *n, const json_t *site,
                            size_t k);

/* One table of the nerve tests of one kind: a group head per nerve, then a
 * row per site (or a "not measured" row). */
static void nerve_table(rpt_ctx *c, const json_t *ncs, const char *test, const char *heading,
                        const rpt_col *cols, size_t n_cols, site_row_fn row)
{
    size_t i, k;
    const json_t *n, *site;
    rpt_table t;
    table_start(c, &t, heading, 60, cols, n_cols);
    json_array_foreach(ncs, i, n) {
        if (!is_test(n, test))
            continue;
        const json_t *sites = json_object_get(n, "sites");
        group_head(c, &t, n, json_array_size(sites) ? json_array_size(sites) : 1);
        if (json_array_size(sites) == 0) {
            rpt_cell cl[RPT_MAX_COLS] = {0};
            rpt_cell_set(&cl[0], "not measured (see notes)");
            rpt_table_row(c, &t, cl, false);
        }
        json_array_foreach(sites, k, site)
            row(c, &t, n, site, k);
    }
    rpt_table_end(c, &t);
}

static void fwave_table(rpt_ctx *c, const json_t *ncs)
{
    size_t i;
    const json_t *n;
    rpt_table t;
    table_start(c, &t, "F-waves", 40, fwave_cols, N_FWAVE);
    json_array_foreach(ncs, i, n) {
        if (!is_test(n, "fwave"))
            continue;
        rpt_cell cl[N_FWAVE] = {0};
        const json_t *fw = json_object_get(n, "fwave"), *m = json_array_get(json_object_get(n, "sites"), 0);
        nerve_title(n, cl[0].text, sizeof cl[0].text);
        char *fwpos = strstr(cl[0].text, " fwave");
        if (fwpos)
            memmove(fwpos, fwpos + 6, strlen(fwpos + 6) + 1);
        rpt_cell_set(&cl[1], m ? rpt_str(m, "site") : "");
        if (m)
            rpt_value_cells(m, "amplitude_uv", 1, 0.001, &cl[2], NULL);
        if (json_is_object(fw)) {
            rpt_value_cells(fw, "min_latency_ms", 1, 1, &cl[3], &cl[4]);
            rpt_value_cells(fw, "persistence_pct", 0, 1, &cl[5], &cl[6]);
            rpt_value_cells(fw, "chronodispersion_ms", 1, 1, &cl[7], NULL);
            double nf, ns;
            if (rpt_num(fw, "f_waves", &nf) && rpt_num(fw, "sweeps", &ns))
                snprintf(cl[8].text, sizeof cl[8].text, "%.0f / %.0f", nf, ns);
        } else {
            rpt_cell_set(&cl[3], "not measured");
        }
        rpt_table_group(c, &t, 1);
        rpt_table_row(c, &t, cl, false);
    }
    rpt_table_end(c, &t);
}

static const char *comparison_title(const char *kind)
{
    static const char *const names[][2] = {
        {"d2_d5", "Median D2 - ulnar D5 peak"},      {"ring", "Ring D4: median - ulnar peak"},
        {"thumb", "Thumb D1: median - radial peak"}, {"palmar", "Palmar: median - ulnar peak"},
        {"csi", "Combined sensory index"},           {"side_to_side", "Side to side amplitude"},
    };
    for (size_t i = 0; kind && i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(kind, names[i][0]))
            return names[i][1];
    return kind ? kind : "";
}

/* The limit as "0.6 ms" after its comparison sign; "none cited" without. */
static void comparison_limit(const json_t *cmp, const char *unit, rpt_cell *limit, rpt_cell *source)
{
    const json_t *lim = json_object_get(cmp, "limit");
    double v;
    if (!json_is_object(lim) || !rpt_num(lim, "value", &v)) {
        rpt_cell_set(limit, "none cited");
        return;
    }
    const char *kind = rpt_str(lim, "kind");
    snprintf(limit->text, sizeof limit->text, "%s %.*f %s",
             kind && !strcmp(kind, "above") ? ">" : "\xE2\x89\xA5", strcmp(unit, "%") ? 1 : 0, v,
             unit);
    limit->is_limit = true;
    rpt_cell_set(source, rpt_str(lim, "source") ? rpt_str(lim, "source") : "");
}

static void comparison_row(rpt_ctx *c, rpt_table *t, const json_t *cmp)
{
    rpt_cell cl[N_CMP] = {0};
    const char *kind = rpt_str(cmp, "kind");
    bool side = kind && !strcmp(kind, "side_to_side");
    rpt_cell_set(&cl[0], comparison_title(kind));
    if (side)
        snprintf(cl[0].text, sizeof cl[0].text, "Side to side: %s %s",
                 rpt_str(cmp, "nerve") ? rpt_str(cmp, "nerve") : "",
                 rpt_str(cmp, "test") ? rpt_str(cmp, "test") : "");
    rpt_cell_set(&cl[1], rpt_str(cmp, "side") ? rpt_str(cmp, "side") : (side ? "R/L" : ""));
    rpt_cell_set(&cl[2], rpt_str(cmp, "detail") ? rpt_str(cmp, "detail") : "");
    double v;
    if (rpt_num(cmp, side ? "drop_pct" : "difference_ms", &v))
        snprintf(cl[3].text, sizeof cl[3].text, side ? "%.0f %% drop" : "%.2f ms", v);
    comparison_limit(cmp, side ? "%" : "ms", &cl[4], &cl[6]);
    const json_t *ab = json_object_get(cmp, "abnormal");
    const char *zone = rpt_str(cmp, "zone");
    if (json_is_true(ab)) {
        rpt_cell_set(&cl[5], "abnormal *");
        cl[5].is_abnormal = cl[3].is_abnormal = true;
    } else if (zone && !strcmp(zone, "needs_more_testing")) {
        rpt_cell_set(&cl[5], "borderline");
    } else {
        rpt_cell_set(&cl[5], json_is_false(ab) ? "normal" : "not judged");
    }
    rpt_table_group(c, t, 1);
    rpt_table_row(c, t, cl, false);
}

/* "ncs_comparisons" (src/findings/ncs_compare.c): borderline is the zone
 * where the source asks for more testing [S70]. */
static void comparison_table(rpt_ctx *c, const json_t *cmps)
{
    size_t i;
    const json_t *cmp;
    rpt_table t;
    table_start(c, &t, "Comparison studies", 40, cmp_cols, N_CMP);
    json_array_foreach(cmps, i, cmp)
    {
        comparison_row(c, &t, cmp);
    }
    rpt_table_end(c, &t);
}

static void legend(rpt_ctx *c)
{
    const char *norms = rpt_str(json_object_get(c->findings, "software"), "norms");
    char buf[RPT_TEXT_MAX];
    snprintf(buf, sizeof buf,
             "Bold with \xE2\x96\xB2 above the upper, \xE2\x96\xBC below the lower limit of normal; "
             "* flagged abnormal. Limits from %s, shown where the findings carry one. Amplitudes: "
             "motor baseline to negative peak (mV), sensory baseline to negative peak (\xC2\xB5V). "
             "NR: no response. \xE2\x80\x93: not measured.",
             norms ? norms : "the normal-limits table");
    rpt_paragraph(c, c->font, 6.5f, 0, buf);
}

void rpt_ncs_tables(rpt_ctx *c)
{
    const json_t *ncs = json_object_get(c->findings, "nerve_conduction");
    size_t n_motor = count_test(ncs, "motor"), n_sensory = count_test(ncs, "sensory");
    size_t n_fwave = count_test(ncs, "fwave");
    if (n_motor + n_sensory + n_fwave == 0)
        return;
    if (n_motor)
        nerve_table(c, ncs, "motor", "Motor nerve conduction", motor_cols, N_MOTOR, motor_row);
    if (n_sensory)
        nerve_table(c, ncs, "sensory", "Sensory nerve conduction", sensory_cols, N_SENSORY,
                    sensory_row);
    if (n_fwave)
        fwave_table(c, ncs);
    const json_t *cmps = json_object_get(c->findings, "ncs_comparisons");
    if (json_array_size(cmps))
        comparison_table(c, cmps);
    legend(c);
}
