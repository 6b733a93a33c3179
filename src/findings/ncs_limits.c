/*
 * ncs_limits.c - puts the normal limits beside each nerve conduction value
 * and flags the ones beyond them (templates/normals.tsv, src/norms/), with
 * the temperature rule and the conduction block / temporal dispersion
 * criteria of the set in use.
 *
 * Temperature (clinical.md 3.4): the limits hold for a limb at least as warm
 * as the reference recordings (temp_min_c of the row; Buschbacher >= 32 C
 * [S02, S05]). Below it, by default, slowing and prolonged latencies are not
 * called abnormal (they are listed as withheld, with a warning: warming and
 * repeating is the recommendation [S51]). Optionally the values are
 * corrected before comparison: velocity + 1.5 m/s per C below the reference
 * ([S62]: ulnar motor CV fell 15 m/s per 10 C) and latency - 0.2 ms per C
 * ([S64]); the factors are stored in the findings and the value is marked
 * temperature-corrected. Unknown temperature: a warning, limits applied.
 *
 * Conduction block and temporal dispersion, EAN/PNS 2021 [S14] (clinical.md
 * 3.3, 5.2 e/f): block when the proximal negative-peak amplitude is >= 30 %
 * below the distal one, the distal CMAP >= 20 % of its LLN, tibial excluded;
 * dispersion when the negative-peak duration increases by > 30 % (>= 100 %
 * for the tibial nerve).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "edx/findings.h"
#include "edx/norms.h"
#include "common/jsonget.h"
#include "findings/internal.h"

#define CB_DROP_PCT 30.0          /* [S14] criterion e */
#define CB_DISTAL_MIN_LLN 0.20    /* [S14] distal CMAP >= 20 % LLN */
#define TD_INCREASE_PCT 30.0      /* [S14] criterion f */
#define TD_INCREASE_TIBIAL_PCT 100.0

typedef struct lim_ctx {
    const norms_table *norms;
    const study *s;
    const fnd_options *opt;
    const char *nerve, *test, *rec;
    json_t *warnings;   /* the nerve test's warnings */
    bool warned_cold;
} lim_ctx;

static bool has_flag(const json_t *flags, const char *f)
{
    return edx_json_array_has(flags, f);
}

static void add_flag(json_t *obj, const char *f)
{
    json_t *flags = json_object_get(obj, "flags");
    if (flags == NULL) {
        flags = json_array();
        json_object_set_new(obj, "flags", flags);
    }
    if (!has_flag(flags, f))
        json_array_append_new(flags, json_string(f));
}

static void warn_once(lim_ctx *c, const char *msg)
{
    size_t i;
    json_t *v;
    json_array_foreach(c->warnings, i, v) if (!strcmp(json_string_value(v), msg)) return;
    json_array_append_new(c->warnings, json_string(msg));
}

static norms_sex sex_of(const study *s)
{
    return s->patient.sex == 'M' ? NORMS_SEX_MALE
         : s->patient.sex == 'F' ? NORMS_SEX_FEMALE
                                 : NORMS_SEX_ANY;
}

static bool find_limit(const lim_ctx *c, const char *param, const char *from, const char *to,
                       norms_limit *lim)
{
    norms_query q = norms_query_init(c->nerve, c->test, c->rec, param);
    q.segment_from = from;
    q.segment_to = to;
    q.age_years = c->s->patient.age_years >= 0 ? (double)c->s->patient.age_years : NAN;
    q.height_cm = c->s->conditions.height_cm;
    q.sex = sex_of(c->s);
    return norms_find(c->norms, &q, lim) == EDX_OK;
}

static bool is_temperature_sensitive(const char *flag)
{
    return !strcmp(flag, "slow") || !strcmp(flag, "prolonged");
}

/* The value compared with the limit: corrected for a cold limb when so
 * configured; *cold set when the limb is below the limit's temperature. */
static double judged_value(lim_ctx *c, const norms_limit *lim, const char *param, double v,
                           bool *cold, json_t *entry)
{
    double t = c->s->conditions.temperature_c;
    *cold = false;
    if (isnan(lim->temp_min_c))
        return v;
    if (isnan(t)) {
        warn_once(c, "limb temperature not recorded: limits applied as if warm enough");
        return v;
    }
    if (t >= lim->temp_min_c)
        return v;
    *cold = true;
    if (c->opt == NULL || !c->opt->correct_cold_limb)
        return v;
    double dt = lim->temp_min_c - t, corrected = v;
    if (!strcmp(param, "velocity_m_s"))
        corrected = v + c->opt->cold_velocity_m_s_per_c * dt;
    else if (strstr(param, "latency_ms"))
        corrected = v - c->opt->cold_latency_ms_per_c * dt;
    if (corrected != v) {
        json_object_set_new(entry, "temperature_corrected_value", fnd_num(corrected, 2));
        *cold = false;
    }
    return corrected;
}

/* Looks up, records and judges one value of obj (a site, segment, fwave). */
static void judge(lim_ctx *c, json_t *obj, const char *key, const char *param, const char *from,
                  const char *to)
{
    double v = edx_json_num(obj, key);
    norms_limit lim;
    if (!find_limit(c, param, from, to, &lim))
        return;
    json_t *limits = json_object_get(obj, "limits");
    if (limits == NULL) {
        limits = json_object();
        json_object_set_new(obj, "limits", limits);
    }
    json_t *entry = json_pack("{s:s, s:f, s:s, s:s, s:i}", "kind",
                              lim.kind == NORMS_ULN ? "uln" : "lln", "value", lim.value, "band",
                              lim.band, "source", lim.source, "normals_line", lim.line);
    json_object_set_new(limits, key, entry);
    if (isnan(v))
        return;
    bool cold = false;
    double judged = judged_value(c, &lim, param, v, &cold, entry);
    const char *flag = norms_flag(&lim, judged);
    if (flag == NULL)
        return;
    if (cold && is_temperature_sensitive(flag)) {
        char msg[200];
        snprintf(msg, sizeof msg, "cold limb (%.1f C, limits assume >= %.0f C): slowing and "
                 "prolonged latencies are not called abnormal", c->s->conditions.temperature_c,
                 lim.temp_min_c);
        warn_once(c, msg);
        json_object_set_new(entry, "withheld", json_string(flag));
        return;
    }
    add_flag(obj, flag);
}

static void judge_site(lim_ctx *c, json_t *site, bool is_distal, bool is_sensory)
{
    if (has_flag(json_object_get(site, "flags"), "absent"))
        return;
    const char *from = is_distal ? NULL : edx_json_str(site, "site");
    if (!is_distal && !is_sensory)
        return; /* proximal motor sites are judged through their segments */
    judge(c, site, "onset_latency_ms", "onset_latency_ms", from, NULL);
    judge(c, site, "amplitude_uv", "amplitude_uv", from, NULL);
    judge(c, site, "duration_ms", "duration_ms", from, NULL);
    if (is_sensory) {
        judge(c, site, "peak_latency_ms", "peak_latency_ms", from, NULL);
        judge(c, site, "peak_to_peak_uv", "amplitude_pp_uv", from, NULL);
    }
}

/* EAN/PNS 2021 block and dispersion on a motor segment [S14]. */
static void block_and_dispersion(lim_ctx *c, json_t *seg, const json_t *distal)
{
    bool tibial = !strcmp(c->nerve, "tibial");
    double drop = edx_json_num(seg, "amplitude_drop_pct"), inc = edx_json_num(seg, "duration_increase_pct");
    double distal_amp = edx_json_num(distal, "amplitude_uv");
    norms_limit lln;
    bool distal_ok = find_limit(c, "amplitude_uv", NULL, NULL, &lln)
                         ? distal_amp >= CB_DISTAL_MIN_LLN * lln.value
                         : isfinite(distal_amp);
    if (!tibial && distal_ok && drop >= CB_DROP_PCT)
        add_flag(seg, "conduction_block");
    if (inc > (tibial ? TD_INCREASE_TIBIAL_PCT : TD_INCREASE_PCT))
        add_flag(seg, "temporal_dispersion");
    json_object_set_new(seg, "criteria", json_string("EAN/PNS 2021 [S14]"));
}

static void judge_segments(lim_ctx *c, json_t *nerve)
{
    json_t *sites = json_object_get(nerve, "sites"), *seg;
    size_t i;
    json_array_foreach(json_object_get(nerve, "segments"), i, seg) {
        const char *from = edx_json_str(seg, "from"), *to = edx_json_str(seg, "to");
        judge(c, seg, "velocity_m_s", "velocity_m_s", from, to);
        judge(c, seg, "amplitude_drop_pct", "amplitude_drop_pct", from, to);
        judge(c, seg, "area_drop_pct", "area_drop_pct", from, to);
        judge(c, seg, "duration_increase_pct", "duration_increase_pct", from, to);
        block_and_dispersion(c, seg, json_array_get(sites, 0));
    }
}

static void judge_fwave(lim_ctx *c, json_t *nerve)
{
    json_t *fw = json_object_get(nerve, "fwave"), *m = json_array_get(json_object_get(nerve, "sites"), 0);
    if (!json_is_object(fw))
        return;
    judge(c, fw, "min_latency_ms", "fwave_min_latency_ms", NULL, NULL);
    norms_limit lln;
    double amp = edx_json_num(m, "amplitude_uv");
    c->test = "motor";
    bool big_enough = find_limit(c, "amplitude_uv", NULL, NULL, &lln) &&
                      amp >= CB_DISTAL_MIN_LLN * lln.value;
    c->test = "fwave";
    if (edx_json_num(fw, "f_waves") == 0 && big_enough)
        add_flag(fw, "absent"); /* [S14] criterion d: only with distal CMAP >= 20 % LLN */
}

/* A sensory velocity is distance / onset latency: where the onset latency
 * has its own limit at the technique's distance (Buschbacher, primary
 * source), the velocity adds nothing and its secondary-source limit (S85)
 * is not applied (clinical.md 4.3: compare a computed CV only with a
 * CV-based set, and prefer primary sources). */
static bool site_has_limit(const json_t *site, const char *key)
{
    return json_object_get(json_object_get(site, "limits"), key) != NULL;
}

void fnd_apply_ncs_limits(const norms_table *norms, const fnd_options *opt, const study *s,
                          json_t *nerve)
{
    lim_ctx c = {norms, s, opt, edx_json_str(nerve, "nerve"), edx_json_str(nerve, "test"),
                 edx_json_str(nerve, "recording_site"), json_object_get(nerve, "warnings"), false};
    if (c.warnings == NULL) {
        c.warnings = json_array();
        json_object_set_new(nerve, "warnings", c.warnings);
    }
    bool sensory = !strcmp(c.test, "sensory");
    if (!strcmp(c.test, "fwave")) {
        judge_fwave(&c, nerve);
        return;
    }
    json_t *site;
    size_t i;
    json_array_foreach(json_object_get(nerve, "sites"), i, site)
        judge_site(&c, site, i == 0, sensory);
    if (sensory && !site_has_limit(json_array_get(json_object_get(nerve, "sites"), 0),
                                   "onset_latency_ms"))
        judge(&c, nerve, "sensory_velocity_m_s", "velocity_m_s", NULL, NULL);
    else
        judge_segments(&c, nerve);
}
