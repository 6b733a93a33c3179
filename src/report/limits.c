/*
 * limits.c - a value, its normal limit and its abnormal mark, as the tables
 * print them. Nothing is compared that the findings do not carry: the
 * limit comes from the item's "limits"/"normal_limits", the flag from its
 * "flags" (the norms stage decides; the report only shows).
 *
 * Marks survive black-and-white printing: bold type plus ▲ (above the upper
 * limit), ▼ (below the lower limit) or * (flagged, direction not stated).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "report/rpt_internal.h"

#define MARK_UP " \xE2\x96\xB2"   /* ▲ */
#define MARK_DOWN " \xE2\x96\xBC" /* ▼ */
#define MARK_ANY " *"

/* Flags of the findings vocabulary and the parameter they mark. */
static const struct {
    const char *param, *flag;
    int dir; /* +1 too high, -1 too low, 0 not stated */
} flag_map[] = {
    {"onset_latency_ms", "prolonged", +1},
    {"onset_latency_ms", "prolonged_latency", +1},
    {"onset_latency_ms", "prolonged_onset_latency", +1},
    {"peak_latency_ms", "prolonged_peak_latency", +1},
    {"amplitude_uv", "low", -1},
    {"amplitude_uv", "low_amplitude", -1},
    {"amplitude_uv", "absent", -1},
    {"duration_ms", "prolonged_duration", +1},
    {"duration_ms", "dispersed", +1},
    {"velocity_m_s", "slow", -1},
    {"amplitude_drop_pct", "conduction_block", +1},
    {"amplitude_drop_pct", "excessive", +1},
    {"duration_increase_pct", "temporal_dispersion", +1},
    {"min_latency_ms", "prolonged", +1},
    {"persistence_pct", "low_persistence", -1},
    {"persistence_pct", "reduced_persistence", -1},
};

typedef struct limit {
    bool has;
    bool is_upper;
    double value;
} limit;

static limit parse_limit(const json_t *v, const char *param)
{
    limit l = {false, true, 0};
    if (json_is_number(v)) { /* bare number: the usual direction of the parameter */
        l.has = true;
        l.value = json_number_value(v);
        l.is_upper = !(strstr(param, "amplitude_uv") || strstr(param, "velocity") ||
                       strstr(param, "persistence") || strstr(param, "area"));
        return l;
    }
    static const struct { const char *key; bool upper; } keys[] = {
        {"uln", true}, {"lln", false}, {"max", true}, {"min", false},
        {"upper", true}, {"lower", false}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (rpt_num(v, keys[i].key, &l.value)) {
            l.has = true;
            l.is_upper = keys[i].upper;
            return l;
        }
    const char *kind = rpt_str(v, "kind");
    if (kind && rpt_num(v, "value", &l.value)) {
        l.has = true;
        l.is_upper = !strcasecmp(kind, "ULN") || !strcasecmp(kind, "max") || !strcasecmp(kind, "upper");
    }
    return l;
}

static limit find_limit(const json_t *item, const char *param)
{
    const char *keys[] = {"limits", "normal_limits"};
    for (size_t i = 0; i < 2; i++) {
        const json_t *obj = json_object_get(item, keys[i]);
        limit l = parse_limit(json_object_get(obj, param), param);
        if (l.has)
            return l;
    }
    return (limit){false, true, 0};
}

/* Direction of a flag on this parameter: +1, -1, 0 (undirected), or 2 (none). */
static int flag_dir(const json_t *item, const char *param)
{
    for (size_t i = 0; i < sizeof flag_map / sizeof flag_map[0]; i++)
        if (!strcmp(flag_map[i].param, param) && rpt_has_flag(item, flag_map[i].flag))
            return flag_map[i].dir;
    return rpt_has_flag(item, param) ? 0 : 2;
}

static bool is_absent(const json_t *item)
{
    if (rpt_has_flag(item, "absent"))
        return true;
    double v;
    if (rpt_num(item, "amplitude_uv", &v) || rpt_num(item, "onset_latency_ms", &v))
        return false;
    size_t i;
    const json_t *w;
    json_array_foreach(json_object_get(item, "warnings"), i, w) {
        const char *s = json_string_value(w);
        if (s && (strstr(s, "no response") || strstr(s, "absent")))
            return true;
    }
    return false;
}

void rpt_value_cells(const json_t *item, const char *param, int decimals, double scale,
                     rpt_cell *value, rpt_cell *limit_cell)
{
    char num[48];
    double v;
    bool has_value = rpt_num(item, param, &v);
    limit l = find_limit(item, param);
    memset(value, 0, sizeof *value);
    if (limit_cell) {
        memset(limit_cell, 0, sizeof *limit_cell);
        limit_cell->is_limit = true;
        if (l.has)
            snprintf(limit_cell->text, sizeof limit_cell->text, "%s%s",
                     l.is_upper ? "\xE2\x89\xA4" : "\xE2\x89\xA5", /* ≤ ≥ */
                     edx_fmt_double(num, sizeof num, l.value * scale, decimals));
    }
    if (!has_value) {
        bool absent = is_absent(item);
        bool is_amp = strcmp(param, "amplitude_uv") == 0;
        snprintf(value->text, sizeof value->text, "%s",
                 absent ? (is_amp ? "absent" MARK_DOWN : "NR") : "\xE2\x80\x93");
        value->is_abnormal = absent && is_amp;
        return;
    }
    int dir = flag_dir(item, param);
    if (l.has && (l.is_upper ? v > l.value : v < l.value))
        dir = l.is_upper ? +1 : -1;
    edx_fmt_double(num, sizeof num, v * scale, decimals);
    value->is_abnormal = dir != 2;
    snprintf(value->text, sizeof value->text, "%s%s", num,
             dir == 2 ? "" : dir > 0 ? MARK_UP : dir < 0 ? MARK_DOWN : MARK_ANY);
}
