/*
 * ncs_compare.c - "ncs_comparisons": the internal comparison studies of one
 * side (median against ulnar or radial over the same distance) and the
 * side-to-side amplitude comparisons, computed from the measured
 * "nerve_conduction" items (clinical.md 5.3 and 6.2).
 *
 * Internal comparisons are peak-latency differences, median minus the
 * comparison nerve, same side, same stimulation-to-recording distance
 * (within 1 cm) [S69, S70]:
 *   d2_d5   median D2 - ulnar D5, antidromic, 14 cm: abnormal >= 0.6 ms [S71]
 *   ring    median D4 - ulnar D4, antidromic, 14 cm: abnormal >= 0.5 ms
 *           (commonly quoted [U]); 0.1-0.4 ms needs more testing [S70]
 *   thumb   median D1 - radial D1, antidromic, 10 cm: abnormal
 *           >= 0.5 ms [U]; 0.2-0.7 ms needs more testing [S70]
 *   palmar  median - ulnar mixed palmar, orthodromic, 8 cm: abnormal
 *           > 0.3 ms (normal p97 0.3 ms [S08]); 0-0.3 ms needs more
 *           testing [S70]
 *   csi     ring + thumb + palmar, when all three were done: abnormal
 *           >= 1.0 ms [S70]
 * Side to side: every sensory or motor test done on both sides, distal site
 * measured on both: the amplitude drop of the smaller from the larger in
 * percent. Only the sural has a cited limit (drop up to 72 % in normals
 * [S07]); elsewhere the drop is reported without a judgement ("abnormal"
 * null).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/jsonget.h"
#include "edx/findings.h"
#include "findings/internal.h"

#define SAME_DISTANCE_CM 1.0
#define SURAL_SIDE_DROP_PCT 72.0 /* [S07] */
#define CSI_ABNORMAL_MS 1.0      /* [S70] */

typedef struct cmp_def {
    const char *kind;
    const char *nerve, *rec, *site;    /* median side */
    const char *other, *orec, *osite;  /* comparison nerve */
    double distance_cm, limit_ms;
    bool strict;                       /* abnormal when > limit (else >=) */
    double grey_lo_ms, grey_hi_ms;     /* "needs more testing" zone; NAN: none */
    const char *source;
} cmp_def;

static const cmp_def defs[] = {
    {"d2_d5", "median", "D2", "wrist", "ulnar", "D5", "wrist", 14.0, 0.6, false, NAN, NAN,
     "S71"},
    {"ring", "median", "D4", "wrist", "ulnar", "D4", "wrist", 14.0, 0.5, false, 0.1, 0.4,
     "[U] limit; S70 zone"},
    {"thumb", "median", "D1", "wrist", "radial", "D1", "forearm", 10.0, 0.5, false, 0.2,
     0.7, "[U] limit; S70 zone"},
    {"palmar", "median", "palmar", "palm", "ulnar", "palmar", "palm", 8.0, 0.3, true, 0.0, 0.3,
     "S08 p97; S70 zone"},
};

static bool ieq(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    for (; *a && *b; a++, b++)
        if ((*a | 0x20) != (*b | 0x20))
            return false;
    return *a == *b;
}

/* The site of a sensory test (nerve, side, recording site) measured at
 * `site`; NULL when not done or not measured. */
static const json_t *find_site(const json_t *ncs, const char *nerve, const char *side,
                               const char *rec, const char *site)
{
    size_t i, k;
    const json_t *n, *s;
    json_array_foreach(ncs, i, n) {
        if (!ieq(edx_json_str(n, "nerve"), nerve) || !ieq(edx_json_str(n, "side"), side) ||
            !ieq(edx_json_str(n, "test"), "sensory") ||
            !ieq(edx_json_str(n, "recording_site"), rec))
            continue;
        json_array_foreach(json_object_get(n, "sites"), k, s)
            if (ieq(edx_json_str(s, "site"), site) && isfinite(edx_json_num(s, "peak_latency_ms")))
                return s;
    }
    return NULL;
}

static const char *zone_of(const cmp_def *d, double v)
{
    bool bad = d->strict ? v > d->limit_ms : v >= d->limit_ms;
    if (bad)
        return "abnormal";
    if (isfinite(d->grey_lo_ms) && v >= d->grey_lo_ms && v <= d->grey_hi_ms)
        return "needs_more_testing";
    return "normal";
}

static json_t *limit_json(double value, const char *kind, const char *source)
{
    return json_pack("{s:s, s:f, s:s}", "kind", kind, "value", value, "source", source);
}

/* One internal comparison on one side, or NULL when either part is missing
 * or the distances differ. */
static json_t *internal(const json_t *ncs, const cmp_def *d, const char *side, double *diff)
{
    const json_t *a = find_site(ncs, d->nerve, side, d->rec, d->site);
    const json_t *b = find_site(ncs, d->other, side, d->orec, d->osite);
    *diff = NAN;
    if (!a || !b)
        return NULL;
    double da = edx_json_num(a, "distance_cm"), db = edx_json_num(b, "distance_cm");
    if (!(fabs(da - db) <= SAME_DISTANCE_CM))
        return NULL;
    double pa = edx_json_num(a, "peak_latency_ms"), pb = edx_json_num(b, "peak_latency_ms");
    *diff = fnd_round(pa - pb, 2);
    char detail[192];
    snprintf(detail, sizeof detail, "%s %s %.2f ms - %s %s %.2f ms at %.1f cm", d->nerve, d->rec,
             pa, d->other, d->orec, pb, da);
    const char *zone = zone_of(d, *diff);
    return json_pack("{s:s, s:s, s:s, s:f, s:o, s:s, s:b, s:s}", "kind", d->kind, "side", side,
                     "parameter", "peak_latency_ms", "difference_ms", *diff, "limit",
                     limit_json(d->limit_ms, d->strict ? "above" : "at_or_above", d->source),
                     "zone", zone, "abnormal", !strcmp(zone, "abnormal"), "detail", detail);
}

static json_t *csi(const double part[3], const char *side)
{
    double sum = fnd_round(part[0] + part[1] + part[2], 2);
    char detail[128];
    snprintf(detail, sizeof detail, "ring %.2f + thumb %.2f + palmar %.2f ms", part[0], part[1],
             part[2]);
    bool bad = sum >= CSI_ABNORMAL_MS;
    return json_pack("{s:s, s:s, s:s, s:f, s:o, s:s, s:b, s:s}", "kind", "csi", "side", side,
                     "parameter", "peak_latency_ms", "difference_ms", sum, "limit",
                     limit_json(CSI_ABNORMAL_MS, "at_or_above", "S70"), "zone",
                     bad ? "abnormal" : "normal", "abnormal", bad, "detail", detail);
}

static void add_internal(const json_t *ncs, const char *side, json_t *out)
{
    double csi_part[3] = {NAN, NAN, NAN};
    for (size_t k = 0; k < sizeof defs / sizeof defs[0]; k++) {
        double diff;
        json_t *c = internal(ncs, &defs[k], side, &diff);
        if (c)
            json_array_append_new(out, c);
        if (k > 0)
            csi_part[k - 1] = diff;
    }
    if (isfinite(csi_part[0]) && isfinite(csi_part[1]) && isfinite(csi_part[2]))
        json_array_append_new(out, csi(csi_part, side));
}

/* Amplitude of the first (distal) site, NAN when not measured. */
static double distal_amplitude(const json_t *n)
{
    return edx_json_num(json_array_get(json_object_get(n, "sites"), 0), "amplitude_uv");
}

static json_t *side_to_side(const json_t *r, const json_t *l)
{
    double ar = distal_amplitude(r), al = distal_amplitude(l);
    if (!(ar > 0) || !(al > 0))
        return NULL;
    double drop = fnd_round(100.0 * (1.0 - fmin(ar, al) / fmax(ar, al)), 1);
    const char *nerve = edx_json_str(r, "nerve"), *test = edx_json_str(r, "test");
    const char *rec = edx_json_str(r, "recording_site");
    if (!nerve || !test || !rec)
        return NULL;
    bool sural = ieq(nerve, "sural");
    char detail[160];
    snprintf(detail, sizeof detail, "%s %s %s: R %.1f uV, L %.1f uV", nerve, test, rec, ar, al);
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:f}", "kind", "side_to_side", "nerve",
                          nerve, "test", test, "recording_site", rec, "parameter",
                          "amplitude_uv", "drop_pct", drop);
    json_object_set_new(c, "limit",
                        sural ? limit_json(SURAL_SIDE_DROP_PCT, "above", "S07") : json_null());
    json_object_set_new(c, "abnormal", sural ? json_boolean(drop > SURAL_SIDE_DROP_PCT)
                                             : json_null());
    json_object_set_new(c, "detail", json_string(detail));
    return c;
}

static void add_side_to_side(const json_t *ncs, json_t *out)
{
    size_t i, k;
    const json_t *r, *l;
    json_array_foreach(ncs, i, r) {
        const char *test = edx_json_str(r, "test");
        if (!ieq(edx_json_str(r, "side"), "R") || ieq(test, "fwave"))
            continue;
        json_array_foreach(ncs, k, l) {
            if (!ieq(edx_json_str(l, "side"), "L") ||
                !ieq(edx_json_str(l, "nerve"), edx_json_str(r, "nerve")) ||
                !ieq(edx_json_str(l, "test"), test) ||
                !ieq(edx_json_str(l, "recording_site"), edx_json_str(r, "recording_site")))
                continue;
            json_t *c = side_to_side(r, l);
            if (c)
                json_array_append_new(out, c);
            break;
        }
    }
}

json_t *fnd_ncs_comparisons(const json_t *nerve_conduction)
{
    json_t *out = json_array();
    if (out == NULL)
        return NULL;
    add_internal(nerve_conduction, "R", out);
    add_internal(nerve_conduction, "L", out);
    add_side_to_side(nerve_conduction, out);
    return out;
}
