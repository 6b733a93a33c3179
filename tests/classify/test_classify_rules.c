/*
 * test_classify_rules.c - the classification rules on hand-built
 * measurement sets, one line per case, at and around each rule's
 * thresholds (clinical.md 5), through cls_interpret() on findings JSON.
 *
 * Muscles: "region roots nerve codes"; codes: N neurogenic MUPs, M
 * myopathic MUPs, f fibrillations/PSWs (grade 1+), a simple fasciculations
 * (8 discharges), c fasciculations 80 % complex (8), q one complex
 * fasciculation, k myokymic, n neuromyotonic, r reduced
 * recruitment, s short rest, - nothing. Nerves: "nerve test codes"; codes:
 * L low, A absent, P prolonged, S slow, B conduction block, D temporal
 * dispersion, d velocity at 60 % of the LLN, E across-elbow slowing (ulnar),
 * C a median comparison study (ring finger) abnormal, K one done and normal,
 * O on the left (other) side, - normal. Cases that depend on age are in
 * aged_cases.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "edx/classify.h"

#define MAXI 10
typedef struct cls_case {
    const char *what;
    const char *nerves[MAXI];
    const char *muscles[MAXI];
    const char *pattern, *subtype; /* subtype NULL: not checked */
} cls_case;

#define NCS_NORMAL "median motor -", "ulnar motor -", "median sensory -", "ulnar sensory -", \
                   "sural sensory -", "peroneal motor -"
#define ARM_LEG_NORMAL "cervical C5-C6 axillary -", "cervical C8-T1 ulnar -", \
                       "lumbosacral L4-L5 deep_peroneal -", "lumbosacral L2-L4 femoral -", \
                       "thoracic T10 intercostal -", "bulbar XII hypoglossal -"

/* One line per case: kept out of the formatter. */
/* clang-format off */
static const cls_case cases[] = {
    {"normal", {NCS_NORMAL}, {ARM_LEG_NORMAL}, "normal", NULL},
    {"normal nerves, EMG not analysed", {NCS_NORMAL}, {"cervical C5-C6 axillary ?"}, "indeterminate", NULL},
    /* MND: LMN in >= 2 regions; limb regions need two roots and two nerves */
    {"MND: cervical + lumbosacral", {NCS_NORMAL},
     {"cervical C5-C6 axillary Nf", "cervical C8-T1 ulnar Na", "lumbosacral L4-L5 deep_peroneal Nf",
      "lumbosacral L2-L4 femoral Nc", "thoracic T10 intercostal -"}, "suspicious_mnd", NULL},
    {"MND: bulbar + thoracic", {NCS_NORMAL},
     {"bulbar XII hypoglossal Nf", "thoracic T10 intercostal Na", "cervical C5-C6 axillary -"},
     "suspicious_mnd", NULL},
    {"one limb region only (same nerve twice)", {NCS_NORMAL},
     {"cervical C5-C6 axillary Nf", "cervical C5-C6 axillary Nf", "lumbosacral L4-L5 deep_peroneal Nf",
      "lumbosacral L4-L5 deep_peroneal Nf"}, "indeterminate", NULL},
    {"MND blocked by sensory loss", {"median motor -", "sural sensory A", "ulnar sensory L", "median sensory L"},
     {"bulbar XII hypoglossal Nf", "thoracic T10 intercostal Nf", "cervical C5-C6 axillary Nf",
      "cervical C8-T1 ulnar Nf"}, "indeterminate", NULL},
    {"MND blocked by conduction block", {"median motor B", "ulnar motor -", "sural sensory -"},
     {"bulbar XII hypoglossal Nf", "thoracic T10 intercostal Nf"}, "indeterminate", NULL},
    {"chronic neurogenic without denervation: no LMN", {NCS_NORMAL},
     {"bulbar XII hypoglossal N", "thoracic T10 intercostal N"}, "indeterminate", NULL},
    /* benign fasciculation */
    {"benign fasciculation", {NCS_NORMAL},
     {"cervical C5-C6 axillary a", "lumbosacral L4-L5 deep_peroneal a", "lumbosacral S1-S2 tibial -"},
     "benign_fasciculation", NULL},
    {"fasciculation + fibrillation: not benign", {NCS_NORMAL},
     {"cervical C5-C6 axillary a", "lumbosacral L4-L5 deep_peroneal af"}, "indeterminate", NULL},
    {"complex fasciculations: not benign", {NCS_NORMAL},
     {"cervical C5-C6 axillary c", "lumbosacral L4-L5 deep_peroneal -"}, "indeterminate", NULL},
    {"one complex fasciculation among simple ones (6 %): benign", {NCS_NORMAL},
     {"cervical C5-C6 axillary a", "lumbosacral L4-L5 deep_peroneal a", "lumbosacral S1-S2 tibial q"},
     "benign_fasciculation", NULL},
    {"complex fasciculations 40 % of the study's: benign", {NCS_NORMAL},
     {"cervical C5-C6 axillary a", "lumbosacral L4-L5 deep_peroneal c"}, "benign_fasciculation", NULL},
    {"complex fasciculations 53 % of the study's: not benign", {NCS_NORMAL},
     {"cervical C5-C6 axillary a", "lumbosacral L4-L5 deep_peroneal c", "lumbosacral S1-S2 tibial c"},
     "indeterminate", NULL},
    {"fasciculation + reduced recruitment: not benign", {NCS_NORMAL},
     {"cervical C5-C6 axillary ar"}, "indeterminate", NULL},
    /* neuropathies */
    {"axonal length-dependent", {"sural sensory A", "peroneal motor L", "median motor -", "median sensory -"},
     {"lumbosacral L4-L5 deep_peroneal f"}, "neuropathy", "axonal"},
    {"axonal: sural and superficial peroneal absent, motor normal", {"sural sensory A",
      "superficial_peroneal sensory A", "peroneal motor -", "tibial motor -", "median sensory -",
      "median motor -"}, {"lumbosacral L4-L5 deep_peroneal Nf"}, "neuropathy", "axonal"},
    {"one low distal leg SNAP alone: not a polyneuropathy", {"sural sensory -",
      "superficial_peroneal sensory L", "peroneal motor -", "median sensory -"},
     {"cervical C5-C6 axillary -"}, "indeterminate", NULL},
    {"sural sparing is not length-dependent", {"sural sensory -", "median sensory L", "ulnar sensory L"},
     {"cervical C5-C6 axillary -"}, "indeterminate", NULL},
    {"demyelinating: two nerves", {"median motor d", "ulnar motor B", "peroneal motor D", "sural sensory A"},
     {"lumbosacral L4-L5 deep_peroneal -"}, "neuropathy", "demyelinating"},
    {"demyelinating range in one nerve only", {"ulnar motor d", "median motor -", "sural sensory -"},
     {"cervical C5-C6 axillary -"}, "indeterminate", NULL},
    {"carpal tunnel", {"median motor P", "median sensory P", "ulnar motor -", "ulnar sensory -", "sural sensory -"},
     {"cervical C8-T1 median -"}, "neuropathy", "focal_median_wrist"},
    {"ring-finger comparison alone: carpal tunnel", {"median sensory C", "ulnar sensory -", "ulnar motor -", "sural sensory -"},
     {"cervical C8-T1 median -"}, "neuropathy", "focal_median_wrist"},
    {"ring-finger comparison normal", {"median sensory K", "ulnar sensory -", "ulnar motor -", "sural sensory -"},
     {"cervical C8-T1 median -"}, "normal", NULL},
    {"median + ulnar abnormal: not carpal tunnel", {"median sensory P", "ulnar sensory P", "sural sensory -"},
     {"cervical C8-T1 median -"}, "indeterminate", NULL},
    {"ulnar at the elbow", {"ulnar motor E", "median motor -", "sural sensory -"},
     {"cervical C8-T1 ulnar -"}, "neuropathy", "focal_ulnar_elbow"},
    {"carpal tunnel beside MND stays secondary", {"median motor P", "median sensory P", "ulnar sensory -", "sural sensory -"},
     {"bulbar XII hypoglossal Nf", "thoracic T10 intercostal Na"}, "suspicious_mnd", NULL},
    /* radiculopathy, myopathy, hyperexcitability */
    {"L5 radiculopathy", {NCS_NORMAL},
     {"lumbosacral L4-L5 deep_peroneal f", "lumbosacral L5-S1 tibial_posterior Nf", "lumbosacral S1-S2 tibial -",
      "lumbosacral L2-L4 femoral -"}, "radiculopathy", "l5"},
    {"one nerve only: not radiculopathy", {NCS_NORMAL},
     {"lumbosacral L4-L5 deep_peroneal f", "lumbosacral L4-L5 deep_peroneal f"}, "indeterminate", NULL},
    {"C8 radiculopathy: ulnar and median muscles", {NCS_NORMAL},
     {"cervical C8-T1 ulnar f", "cervical C8-T1 median Nf", "cervical C5-C6 axillary -"},
     "radiculopathy", "c8"},
    {"ulnar at the elbow explains the ulnar muscles: not C8", {"ulnar motor E", "median motor -", "sural sensory -"},
     {"cervical C8-T1 ulnar f", "cervical C8-T1 ulnar Nf", "cervical C8-T1 median N", "cervical C5-C6 axillary -"},
     "neuropathy", "focal_ulnar_elbow"},
    {"L5 radiculopathy beside one myopathic-type muscle", {NCS_NORMAL},
     {"lumbosacral L4-L5 deep_peroneal Nf", "lumbosacral L5-S1 tibial_posterior Nf", "lumbosacral L2-L4 femoral M"},
     "radiculopathy", "l5"},
    {"L5 muscles beside a neurogenic femoral muscle: not radiculopathy", {NCS_NORMAL},
     {"lumbosacral L4-L5 deep_peroneal Nf", "lumbosacral L5-S1 tibial_posterior Nf", "lumbosacral L2-L3 femoral N"},
     "indeterminate", NULL},
    {"myopathic-type muscles of one root place no root", {NCS_NORMAL},
     {"lumbosacral L4-L5 deep_peroneal M", "lumbosacral L5-S1 tibial_posterior M", "cervical C5-C6 axillary -"},
     "myopathy", NULL},
    {"two roots: not radiculopathy", {NCS_NORMAL},
     {"lumbosacral L4-L5 deep_peroneal f", "lumbosacral L5-S1 tibial_posterior f", "cervical C5-C6 axillary f"},
     "indeterminate", NULL},
    {"myopathy", {NCS_NORMAL}, {"cervical C5-C6 musculocutaneous M", "lumbosacral L2-L4 femoral M"}, "myopathy", NULL},
    {"one myopathic muscle", {NCS_NORMAL}, {"cervical C5-C6 musculocutaneous M", "lumbosacral L2-L4 femoral -"},
     "indeterminate", NULL},
    {"neuromyotonia", {NCS_NORMAL}, {"cervical C8-T1 ulnar na", "lumbosacral L4-L5 deep_peroneal k"},
     "peripheral_nerve_hyperexcitability", "neuromyotonia"},
    {"myokymia", {NCS_NORMAL}, {"lumbosacral L4-L5 deep_peroneal k"}, "peripheral_nerve_hyperexcitability", "myokymia"},
};
/* clang-format on */

/* Cases that depend on the patient's age: an absent superficial peroneal SNAP
 * over 40, with a normal sural on that side and no response on the other
 * side, is not counted (clinical.md 4.3 [S84]). */
typedef struct cls_aged_case {
    int age_years; /* 0: not in the findings */
    cls_case c;
} cls_aged_case;

#define SP_ABSENT "superficial_peroneal sensory A"
#define L5_MUSCLES                                                                                 \
    "lumbosacral L4-L5 deep_peroneal f", "lumbosacral L5-S1 tibial_posterior Nf",                  \
        "lumbosacral S1-S2 tibial -"

/* clang-format off */
static const cls_aged_case aged_cases[] = {
    {50, {"L5 radiculopathy, superficial peroneal absent at 50", {NCS_NORMAL, SP_ABSENT}, {L5_MUSCLES}, "radiculopathy", "l5"}},
    {38, {"L5 pattern, superficial peroneal absent at 38", {NCS_NORMAL, SP_ABSENT}, {L5_MUSCLES}, "indeterminate", NULL}},
    {0, {"L5 pattern, superficial peroneal absent, age unknown", {NCS_NORMAL, SP_ABSENT}, {L5_MUSCLES}, "indeterminate", NULL}},
    {50, {"L5 pattern, the other side's superficial peroneal present", {NCS_NORMAL, SP_ABSENT, "superficial_peroneal sensory O"},
     {L5_MUSCLES}, "indeterminate", NULL}},
    {50, {"L5 pattern, sural absent too", {"median motor -", "median sensory -", "sural sensory A", SP_ABSENT},
     {L5_MUSCLES}, "neuropathy", "axonal"}},
    {41, {"normal at 41, superficial peroneal absent", {NCS_NORMAL, SP_ABSENT}, {ARM_LEG_NORMAL}, "normal", NULL}},
    {40, {"normal at 40, superficial peroneal absent", {NCS_NORMAL, SP_ABSENT}, {ARM_LEG_NORMAL}, "indeterminate", NULL}},
    {50, {"sural low: an absent superficial peroneal counts at 50", {"sural sensory L", SP_ABSENT, "peroneal motor -",
      "median sensory -"}, {ARM_LEG_NORMAL}, "neuropathy", "axonal"}},
};
/* clang-format on */

static json_t *flags_of(const char *codes, const char *want)
{
    json_t *a = json_array();
    for (const char *p = codes; *p; p++) {
        const char *f = *p == 'L' ? "low" : *p == 'A' ? "absent" : *p == 'P' ? "prolonged" : NULL;
        if (f && strchr(want, *p))
            json_array_append_new(a, json_string(f));
    }
    return a;
}

static json_t *nerve_json(const char *spec)
{
    char nerve[48], test[16], codes[16];
    assert_int_equal(sscanf(spec, "%47s %15s %15s", nerve, test, codes), 3);
    json_t *site = json_pack("{s:s, s:f, s:f, s:f, s:o}", "site", "wrist", "onset_latency_ms", 3.0,
                             "amplitude_uv", strchr(codes, 'A') ? 0.0 : 5000.0, "distance_cm", 8.0,
                             "flags", flags_of(codes, "LAP"));
    if (strchr(codes, 'A'))
        json_object_set_new(site, "onset_latency_ms", json_null());
    json_object_set_new(site, "limits", json_pack("{s:{s:f}}", "amplitude_uv", "value", 4000.0));
    json_t *segs = json_array();
    if (!strcmp(test, "motor")) {
        bool elbow = strchr(codes, 'E') != NULL;
        json_t *g = json_pack("{s:s, s:s, s:f, s:f, s:[], s:{s:{s:f}}}", "from",
                              elbow ? "below elbow" : "wrist", "to", elbow ? "above elbow" : "elbow",
                              "velocity_m_s", strchr(codes, 'd') ? 30.0 : 55.0, "amplitude_drop_pct",
                              elbow ? 25.0 : 5.0, "flags", "limits", "velocity_m_s", "value", 50.0);
        json_t *fl = json_object_get(g, "flags");
        if (strchr(codes, 'S') || strchr(codes, 'd'))
            json_array_append_new(fl, json_string("slow"));
        if (strchr(codes, 'B'))
            json_array_append_new(fl, json_string("conduction_block"));
        if (strchr(codes, 'D'))
            json_array_append_new(fl, json_string("temporal_dispersion"));
        json_array_append_new(segs, g);
    }
    for (char *p = nerve; *p; p++)
        *p = *p == '_' ? ' ' : *p;
    return json_pack("{s:s, s:s, s:s, s:s, s:[o], s:o, s:o, s:[]}", "nerve", nerve, "side",
                     strchr(codes, 'O') ? "L" : "R", "test", test, "recording_site", "x", "sites",
                     site, "segments", segs, "fwave", json_null(), "warnings");
}

static json_t *kind(size_t trains)
{
    return json_pack("{s:I, s:I, s:f}", "trains", (json_int_t)trains, "discharges",
                     (json_int_t)(trains * 10), "per_min", (double)trains);
}

static json_t *muscle_json(const char *spec)
{
    char region[16], roots[16], nerve[48], c[16];
    assert_int_equal(sscanf(spec, "%15s %15s %47s %15s", region, roots, nerve, c), 4);
    for (char *p = nerve; *p; p++)
        *p = *p == '_' ? ' ' : *p;
    bool fasc = strchr(c, 'a') || strchr(c, 'c') || strchr(c, 'q');
    bool one = strchr(c, 'q') != NULL;
    json_t *sp = json_pack(
        "{s:o, s:o, s:{s:I, s:I, s:f, s:f}, s:o, s:o, s:o, s:o, s:s}", "fibrillation",
        kind(strchr(c, 'f') ? 3 : 0), "positive_sharp_wave", kind(0), "fasciculation", "units",
        (json_int_t)(fasc ? (one ? 1 : 2) : 0), "discharges",
        (json_int_t)(fasc ? (one ? 1 : 8) : 0), "per_min", fasc ? 8.0 : 0.0, "complex_pct",
        strchr(c, 'c') ? 80.0
        : one          ? 100.0
                       : 0.0,
        "complex_repetitive", kind(0), "myotonic", kind(0), "myokymic",
        kind(strchr(c, 'k') ? 2 : 0), "neuromyotonic", kind(strchr(c, 'n') ? 2 : 0),
        "fib_psw_grade", strchr(c, 'f') ? "2+" : "0");
    if (strchr(c, '?')) { /* not analysed */
        json_decref(sp);
        sp = json_null();
    }
    const char *mup = strchr(c, 'N') ? "neurogenic" : strchr(c, 'M') ? "myopathic" : "normal";
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:o, s:{s:s}, s:{s:s}}", "muscle", spec,
                     "side", "R", "region", region, "roots", roots, "nerve", nerve, "rest_s",
                     strchr(c, 's') ? 10.0 : 60.0, "spontaneous", sp, "mup", "pattern", mup, "recruitment",
                     "pattern", strchr(c, 'r') ? "reduced" : "normal");
}

/* Builds the findings of case c (with the patient's age when > 0), interprets
 * them and checks the pattern and the statement. */
static void run_case(const cls_case *c, int age_years)
{
    {
        json_t *ncs = json_array(), *emg = json_array(), *cmp = json_array();
        for (size_t k = 0; k < MAXI && c->nerves[k]; k++) {
            json_array_append_new(ncs, nerve_json(c->nerves[k]));
            bool bad = strchr(c->nerves[k], 'C') != NULL;
            if (bad || strchr(c->nerves[k], 'K'))
                json_array_append_new(cmp, json_pack("{s:s, s:s, s:f, s:b}", "kind", "ring",
                                                     "side", "R", "difference_ms",
                                                     bad ? 0.7 : 0.1, "abnormal", bad));
        }
        for (size_t k = 0; k < MAXI && c->muscles[k]; k++)
            json_array_append_new(emg, muscle_json(c->muscles[k]));
        json_t *f = json_pack("{s:{s:f}, s:o, s:o, s:o}", "conditions", "temperature_c", 33.0,
                              "nerve_conduction", ncs, "ncs_comparisons", cmp, "needle_emg", emg);
        if (age_years > 0)
            json_object_set_new(f, "study",
                                json_pack("{s:{s:i}}", "patient", "age_years", age_years));
        json_t *in = cls_interpret(f);
        assert_non_null(in);
        const char *pat = json_string_value(json_object_get(in, "pattern"));
        const char *sub = json_string_value(json_object_get(in, "subtype"));
        if (strcmp(pat, c->pattern) || (c->subtype && (!sub || strcmp(sub, c->subtype))))
            fail_msg("%s: %s/%s, want %s/%s", c->what, pat, sub ? sub : "-", c->pattern,
                     c->subtype ? c->subtype : "-");
        const char *st = json_string_value(json_object_get(in, "statement"));
        assert_non_null(strstr(st, "qualified physician"));
        if (strcmp(pat, "indeterminate"))
            assert_non_null(strstr(st, "consistent with"));
        if (c->subtype && !strcmp(c->subtype, "axonal"))
            assert_non_null(strstr(st, "a length-dependent axonal polyneuropathy."));
        assert_true(json_array_size(json_object_get(in, "evidence")) >= 9);
        json_decref(in);
        json_decref(f);
    }
}

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i], 0);
    for (size_t i = 0; i < sizeof aged_cases / sizeof aged_cases[0]; i++)
        run_case(&aged_cases[i].c, aged_cases[i].age_years);
}

/* Only the MND pattern names regions; the carpal tunnel beside it is kept. */
static void test_mnd_regions_and_secondary(void **state)
{
    (void)state;
    const cls_case *c = NULL;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0] && !c; i++)
        if (!strcmp(cases[i].what, "carpal tunnel beside MND stays secondary"))
            c = &cases[i];
    assert_non_null(c);
    json_t *ncs = json_array(), *emg = json_array();
    for (size_t k = 0; k < MAXI && c->nerves[k]; k++)
        json_array_append_new(ncs, nerve_json(c->nerves[k]));
    for (size_t k = 0; k < MAXI && c->muscles[k]; k++)
        json_array_append_new(emg, muscle_json(c->muscles[k]));
    json_t *f = json_pack("{s:o, s:o}", "nerve_conduction", ncs, "needle_emg", emg);
    json_t *in = cls_interpret(f);
    json_t *regions = json_object_get(in, "regions_with_lmn_signs");
    assert_int_equal(json_array_size(regions), 2);
    assert_string_equal(json_string_value(json_array_get(regions, 0)), "bulbar");
    json_t *sec = json_object_get(in, "secondary");
    assert_int_equal(json_array_size(sec), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(sec, 0), "subtype")),
                        "focal_median_wrist");
    assert_non_null(strstr(json_string_value(json_object_get(in, "statement")),
                           "Upper motor neuron signs"));
    json_decref(in);
    json_decref(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_mnd_regions_and_secondary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
