/*
 * facts.c - reads the findings once into the facts the rules use, so that
 * each rule is a few lines over plain structs (and testable with hand-built
 * facts).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "classify/facts.h"
#include "common/jsonget.h"
#include "edx/classify.h"

static bool has_flag(const json_t *o, const char *flag)
{
    return edx_json_array_has(json_object_get(o, "flags"), flag);
}

/* value / limit of obj's key, when the limit is there. */
static double ratio(const json_t *o, const char *key)
{
    const json_t *lim = json_object_get(json_object_get(o, "limits"), key);
    double v = edx_json_num(o, key), l = edx_json_num(lim, "value");
    return isfinite(v) && l > 0 ? v / l : NAN;
}

static bool any_withheld(const json_t *o)
{
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(o, "limits"), k, v)
        if (json_object_get(v, "withheld"))
            return true;
    return false;
}

static double worst_max(double a, double b)
{
    return isnan(a) ? b : isnan(b) ? a : fmax(a, b);
}

static double worst_min(double a, double b)
{
    return isnan(a) ? b : isnan(b) ? a : fmin(a, b);
}

static bool is_lower(const char *nerve)
{
    return !strcmp(nerve, "peroneal") || !strcmp(nerve, "tibial") || !strcmp(nerve, "sural") ||
           !strcmp(nerve, "superficial peroneal");
}

/* Ulnar neuropathy at the elbow evidence on the across-elbow segment
 * (clinical.md 5.3, AAEM 1999 [S72]): slow for the table, > 10 m/s slower
 * than the forearm, or a > 20 % amplitude drop / conduction block. */
static bool ulnar_elbow(const json_t *segs)
{
    const json_t *fore = NULL, *g;
    size_t i;
    json_array_foreach(segs, i, g) {
        const char *from = edx_json_str(g, "from"), *to = edx_json_str(g, "to");
        if (!strcmp(from, "wrist") && !strcmp(to, "below elbow"))
            fore = g;
        if (strcmp(from, "below elbow") || strcmp(to, "above elbow"))
            continue;
        double v = edx_json_num(g, "velocity_m_s"), drop = edx_json_num(g, "amplitude_drop_pct");
        double vf = edx_json_num(fore, "velocity_m_s");
        if (has_flag(g, "slow") || has_flag(g, "conduction_block") || drop > 20.0 ||
            (isfinite(vf) && vf - v > 10.0))
            return true;
    }
    return false;
}

static void nerve_fact(const json_t *n, cls_nerve *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->nerve, sizeof c->nerve, "%s", edx_json_str(n, "nerve"));
    snprintf(c->side, sizeof c->side, "%s", edx_json_str(n, "side"));
    snprintf(c->test, sizeof c->test, "%s", edx_json_str(n, "test"));
    snprintf(c->rec, sizeof c->rec, "%s", edx_json_str(n, "recording_site"));
    c->dl_uln_ratio = c->cv_lln_ratio = c->amp_lln_ratio = c->f_uln_ratio = NAN;
    c->is_lower_limb = is_lower(c->nerve);
    const json_t *d = json_array_get(json_object_get(n, "sites"), 0), *g, *fw;
    if (d == NULL)
        return;
    c->is_measured = isfinite(edx_json_num(d, "onset_latency_ms")) || has_flag(d, "absent");
    c->is_absent = has_flag(d, "absent");
    c->is_low = has_flag(d, "low") || (c->is_absent && strcmp(c->test, "fwave"));
    c->is_prolonged = has_flag(d, "prolonged");
    c->is_cold_withheld = any_withheld(d) || any_withheld(n);
    c->dl_uln_ratio = ratio(d, "onset_latency_ms");
    c->amp_lln_ratio = c->is_absent ? 0.0 : ratio(d, "amplitude_uv");
    size_t i;
    json_array_foreach(json_object_get(n, "segments"), i, g) {
        c->is_slow |= has_flag(g, "slow");
        c->has_block |= has_flag(g, "conduction_block");
        c->has_dispersion |= has_flag(g, "temporal_dispersion");
        c->is_cold_withheld |= any_withheld(g);
        c->cv_lln_ratio = worst_min(c->cv_lln_ratio, ratio(g, "velocity_m_s"));
    }
    if (!strcmp(c->test, "sensory")) {
        c->is_slow |= has_flag(n, "slow");
        c->cv_lln_ratio = worst_min(c->cv_lln_ratio, ratio(n, "sensory_velocity_m_s"));
        c->dl_uln_ratio = worst_max(c->dl_uln_ratio, ratio(d, "peak_latency_ms"));
    }
    if (!strcmp(c->nerve, "ulnar") && !strcmp(c->test, "motor"))
        c->has_ulnar_elbow_slowing = ulnar_elbow(json_object_get(n, "segments"));
    if ((fw = json_object_get(n, "fwave")) != NULL && json_is_object(fw)) {
        c->f_uln_ratio = ratio(fw, "min_latency_ms");
        c->f_absent = has_flag(fw, "absent");
        c->is_prolonged |= has_flag(fw, "prolonged");
        c->is_cold_withheld |= any_withheld(fw);
    }
}

static size_t count_of(const json_t *sp, const char *type, const char *key)
{
    const json_t *v = json_object_get(json_object_get(sp, type), key);
    return json_is_integer(v) ? (size_t)json_integer_value(v) : 0;
}

static void muscle_fact(const json_t *m, cls_muscle *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->muscle, sizeof c->muscle, "%s", edx_json_str(m, "muscle"));
    snprintf(c->side, sizeof c->side, "%s", edx_json_str(m, "side"));
    snprintf(c->region, sizeof c->region, "%s", edx_json_str(m, "region"));
    snprintf(c->roots, sizeof c->roots, "%s", edx_json_str(m, "roots"));
    snprintf(c->nerve, sizeof c->nerve, "%s", edx_json_str(m, "nerve"));
    c->fasc_complex_pct = NAN;
    const json_t *sp = json_object_get(m, "spontaneous");
    c->is_assessed = json_is_object(sp);
    double rest = edx_json_num(m, "rest_s");
    c->is_rest_short = !(rest >= CLS_MIN_REST_S);
    if (c->is_assessed) {
        const char *grade = json_string_value(json_object_get(sp, "fib_psw_grade"));
        size_t fib = count_of(sp, "fibrillation", "trains") +
                     count_of(sp, "positive_sharp_wave", "trains");
        /* graded: 1+ and above (clinical.md 1.2); ungraded: any train */
        c->has_fib_psw = grade ? strcmp(grade, "0") != 0 : fib > 0;
        c->has_fasc = count_of(sp, "fasciculation", "units") > 0 ||
                      count_of(sp, "fasciculation", "discharges") > 0;
        c->fasc_discharges = count_of(sp, "fasciculation", "discharges");
        if (c->has_fasc)
            c->fasc_complex_pct = edx_json_num(json_object_get(sp, "fasciculation"), "complex_pct");
        c->has_myokymia = count_of(sp, "myokymic", "trains") > 0;
        c->has_neuromyotonia = count_of(sp, "neuromyotonic", "trains") > 0;
        c->has_crd = count_of(sp, "complex_repetitive", "trains") > 0;
        c->has_myotonia = count_of(sp, "myotonic", "trains") > 0;
    }
    c->mup = json_string_value(json_object_get(json_object_get(m, "mup"), "pattern"));
    c->recruitment =
        json_string_value(json_object_get(json_object_get(m, "recruitment"), "pattern"));
}

/* One internal comparison (not side to side) into the facts' summary. */
static void comparison_fact(const json_t *c, cls_facts *f)
{
    const char *kind = edx_json_str(c, "kind");
    if (!kind || !strcmp(kind, "side_to_side"))
        return;
    bool bad = json_is_true(json_object_get(c, "abnormal"));
    f->n_median_comparisons++;
    f->n_median_comparisons_abnormal += bad;
    size_t len = strlen(f->median_comparisons);
    snprintf(f->median_comparisons + len, sizeof f->median_comparisons - len, "%s%s %s %.2f ms %s",
             len ? "; " : "", kind, edx_json_str(c, "side") ? edx_json_str(c, "side") : "",
             edx_json_num(c, "difference_ms"), bad ? "abnormal" : "normal");
}

/* The superficial peroneal SNAP may be absent in normal subjects over 40;
 * the side-to-side comparison decides (clinical.md 4.3, P&S [S84]). Not
 * counted when the sural on the same side is present and normal and the
 * other side shows no superficial peroneal response either. */
#define SP_ABSENT_AGE_Y 40.0

/* The sensory test of nerve on side (on the other side when !same). */
static const cls_nerve *find_sensory(const cls_facts *f, const char *nerve, const char *side,
                                     bool same)
{
    for (size_t i = 0; i < f->n_nerves; i++) {
        const cls_nerve *n = &f->nerves[i];
        if (!strcmp(n->nerve, nerve) && !strcmp(n->test, "sensory") &&
            (strcmp(n->side, side) == 0) == same)
            return n;
    }
    return NULL;
}

static void mark_expected_absence(cls_facts *f)
{
    if (!(f->age_years > SP_ABSENT_AGE_Y))
        return;
    for (size_t i = 0; i < f->n_nerves; i++) {
        cls_nerve *n = &f->nerves[i];
        if (strcmp(n->nerve, "superficial peroneal") || strcmp(n->test, "sensory") || !n->is_absent)
            continue;
        const cls_nerve *sural = find_sensory(f, "sural", n->side, true);
        const cls_nerve *contra = find_sensory(f, "superficial peroneal", n->side, false);
        n->is_absence_expected = sural && sural->is_measured && !cls_nerve_abnormal(sural) &&
                                 !(contra && contra->is_measured && !contra->is_absent);
    }
}

bool cls_nerve_abnormal(const cls_nerve *n)
{
    return n->is_measured && !n->is_absence_expected &&
           (n->is_low || n->is_absent || n->is_prolonged || n->is_slow || n->has_block ||
            n->has_dispersion || n->f_absent);
}

void cls_note_expected_absence(const cls_facts *f, cls_rule *r)
{
    for (size_t i = 0; i < f->n_nerves; i++)
        if (f->nerves[i].is_absence_expected)
            cls_note(r,
                     "; %s %s SNAP absent at age %.0f with a normal sural on that side: not "
                     "counted (may be absent in normal subjects over 40 [S84])",
                     f->nerves[i].side, f->nerves[i].nerve, f->age_years);
}

void cls_facts_from_findings(const json_t *findings, cls_facts *f)
{
    memset(f, 0, sizeof *f);
    f->temperature_c = edx_json_num(json_object_get(findings, "conditions"), "temperature_c");
    f->age_years =
        edx_json_num(json_object_get(json_object_get(findings, "study"), "patient"), "age_years");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(findings, "nerve_conduction"), i, v)
        if (f->n_nerves < CLS_MAX_NERVES)
            nerve_fact(v, &f->nerves[f->n_nerves++]);
    json_array_foreach(json_object_get(findings, "needle_emg"), i, v)
        if (f->n_muscles < CLS_MAX_MUSCLES)
            muscle_fact(v, &f->muscles[f->n_muscles++]);
    json_array_foreach(json_object_get(findings, "ncs_comparisons"), i, v)
        comparison_fact(v, f);
    mark_expected_absence(f);
}

bool cls_muscle_lmn(const cls_muscle *m)
{
    bool chronic = m->mup && !strcmp(m->mup, "neurogenic");
    return chronic && (m->has_fib_psw || m->has_fasc);
}

bool cls_muscle_abnormal(const cls_muscle *m)
{
    bool mup = m->mup && (!strcmp(m->mup, "neurogenic") || !strcmp(m->mup, "myopathic"));
    return mup || m->has_fib_psw;
}

/* Expands "L4-L5" / "C5-C6" / "L4-S1" / "XII" into single roots. */
static size_t expand_roots(const char *text, char out[8][8])
{
    static const char *const order[] = {"C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "T1",
                                        "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10",
                                        "T11", "T12", "L1", "L2", "L3", "L4", "L5", "S1", "S2",
                                        "S3", "S4", "S5"};
    enum { N_ORDER = sizeof order / sizeof order[0] };
    char a[16] = "", b[16] = "";
    size_t n = 0;
    if (sscanf(text, "%15[A-Z0-9]-%15[A-Z0-9]", a, b) < 1)
        return 0;
    int ia = -1, ib = -1;
    for (int i = 0; i < (int)N_ORDER; i++) {
        if (!strcmp(order[i], a))
            ia = i;
        if (b[0] && !strcmp(order[i], b))
            ib = i;
    }
    if (ia < 0) {
        snprintf(out[n++], 8, "%.7s", a); /* a cranial nerve: "XII" */
        return n;
    }
    if (ib < ia)
        ib = ia;
    for (int i = ia; i <= ib && n < 8; i++)
        snprintf(out[n++], 8, "%s", order[i]);
    return n;
}

bool cls_roots_contain(const char *roots, const char *root)
{
    char r[8][8];
    size_t n = expand_roots(roots, r);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(r[i], root))
            return true;
    return false;
}

bool cls_roots_share(const char *a, const char *b, char *shared, size_t size)
{
    char ra[8][8];
    size_t na = expand_roots(a, ra);
    for (size_t i = 0; i < na; i++)
        if (cls_roots_contain(b, ra[i])) {
            if (shared)
                snprintf(shared, size, "%s", ra[i]);
            return true;
        }
    return false;
}

void cls_note(cls_rule *r, const char *fmt, ...)
{
    size_t n = strlen(r->detail);
    if (n + 1 >= sizeof r->detail)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->detail + n, sizeof r->detail - n, fmt, ap);
    va_end(ap);
}
