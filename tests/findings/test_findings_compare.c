/*
 * test_findings_compare.c - the comparison studies of "ncs_comparisons"
 * (src/findings/ncs_compare.c) on hand-built nerve conduction items, one
 * line per case, at and around each limit: D2-D5 >= 0.6 ms [S71], ring and
 * thumb >= 0.5 ms [U] with their "needs more testing" zones [S70], palmar
 * > 0.3 ms [S08], the combined sensory index >= 1.0 ms [S70], and the sural
 * side-to-side drop > 72 % [S07].
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "edx/findings.h"

/* A sensory test with one measured site. */
static json_t *sensory(const char *nerve, const char *side, const char *rec, const char *site,
                       double distance_cm, double peak_ms, double amplitude_uv)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:f, s:f, s:f, s:f}]}", "nerve", nerve,
                     "side", side, "test", "sensory", "recording_site", rec, "sites", "site",
                     site, "distance_cm", distance_cm, "onset_latency_ms", peak_ms - 0.7,
                     "peak_latency_ms", peak_ms, "amplitude_uv", amplitude_uv);
}

static const json_t *find_kind(const json_t *cmp, const char *kind)
{
    size_t i;
    const json_t *c;
    json_array_foreach(cmp, i, c)
        if (!strcmp(json_string_value(json_object_get(c, "kind")), kind))
            return c;
    return NULL;
}

typedef struct pair_case {
    const char *kind;
    const char *nerve, *rec, *site;
    double distance_cm;
    const char *other, *orec, *osite;
    double odistance_cm, diff_ms;
    const char *zone; /* NULL: no comparison expected */
} pair_case;

static const pair_case pairs[] = {
    {"d2_d5", "median", "D2", "wrist", 14, "ulnar", "D5", "wrist", 14, 0.59, "normal"},
    {"d2_d5", "median", "D2", "wrist", 14, "ulnar", "D5", "wrist", 14, 0.60, "abnormal"},
    {"d2_d5", "median", "D2", "wrist", 14, "ulnar", "D5", "wrist", 12, 0.90, NULL},
    {"ring", "median", "D4", "wrist", 14, "ulnar", "D4", "wrist", 14, 0.05, "normal"},
    {"ring", "median", "D4", "wrist", 14, "ulnar", "D4", "wrist", 14, 0.30, "needs_more_testing"},
    {"ring", "median", "D4", "wrist", 14, "ulnar", "D4", "wrist", 14, 0.49, "normal"},
    {"ring", "median", "D4", "wrist", 14, "ulnar", "D4", "wrist", 14, 0.50, "abnormal"},
    {"thumb", "median", "D1", "wrist", 10, "radial", "D1", "forearm", 10, 0.10, "normal"},
    {"thumb", "median", "D1", "wrist", 10, "radial", "D1", "forearm", 10, 0.40, "needs_more_testing"},
    {"thumb", "median", "D1", "wrist", 10, "radial", "D1", "forearm", 10, 0.50, "abnormal"},
    {"palmar", "median", "palmar", "palm", 8, "ulnar", "palmar", "palm", 8, -0.10, "normal"},
    {"palmar", "median", "palmar", "palm", 8, "ulnar", "palmar", "palm", 8, 0.30, "needs_more_testing"},
    {"palmar", "median", "palmar", "palm", 8, "ulnar", "palmar", "palm", 8, 0.31, "abnormal"},
};

static void test_pairs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        const pair_case *k = &pairs[i];
        json_t *ncs = json_pack("[o, o]",
                                sensory(k->nerve, "R", k->rec, k->site, k->distance_cm,
                                        3.0 + k->diff_ms, 30.0),
                                sensory(k->other, "R", k->orec, k->osite, k->odistance_cm, 3.0,
                                        30.0));
        json_t *cmp = fnd_ncs_comparisons(ncs);
        const json_t *c = find_kind(cmp, k->kind);
        if (k->zone == NULL) {
            if (c)
                fail_msg("case %zu: %s compared at different distances", i, k->kind);
        } else {
            if (!c)
                fail_msg("case %zu: no %s comparison", i, k->kind);
            const char *zone = json_string_value(json_object_get(c, "zone"));
            if (strcmp(zone, k->zone))
                fail_msg("case %zu: %s %.2f ms is %s, want %s", i, k->kind, k->diff_ms, zone,
                         k->zone);
            assert_true(fabs(json_real_value(json_object_get(c, "difference_ms")) - k->diff_ms) <
                        1e-9);
            assert_int_equal(json_is_true(json_object_get(c, "abnormal")),
                             !strcmp(k->zone, "abnormal"));
            assert_string_equal(json_string_value(json_object_get(c, "side")), "R");
        }
        json_decref(cmp);
        json_decref(ncs);
    }
}

/* The combined sensory index needs all three of ring, thumb and palmar on
 * one side; 0.4 + 0.3 + 0.3 = 1.0 ms is abnormal, 0.9 is not. */
static void test_csi(void **state)
{
    (void)state;
    const double palmar[] = {0.3, 0.2, NAN};
    const char *want[] = {"abnormal", "normal", NULL};
    for (size_t i = 0; i < 3; i++) {
        json_t *ncs = json_pack("[o, o, o, o]", sensory("median", "L", "D4", "wrist", 14, 3.4, 20),
                                sensory("ulnar", "L", "D4", "wrist", 14, 3.0, 20),
                                sensory("median", "L", "D1", "wrist", 10, 2.8, 20),
                                sensory("radial", "L", "D1", "forearm", 10, 2.5, 20));
        if (isfinite(palmar[i])) {
            json_array_append_new(ncs, sensory("median", "L", "palmar", "palm", 8, 2.0 + palmar[i], 60));
            json_array_append_new(ncs, sensory("ulnar", "L", "palmar", "palm", 8, 2.0, 40));
        }
        json_t *cmp = fnd_ncs_comparisons(ncs);
        const json_t *c = find_kind(cmp, "csi");
        if (want[i] == NULL) {
            assert_null(c);
        } else {
            assert_non_null(c);
            assert_string_equal(json_string_value(json_object_get(c, "zone")), want[i]);
            assert_string_equal(json_string_value(json_object_get(c, "side")), "L");
        }
        json_decref(cmp);
        json_decref(ncs);
    }
}

/* Side to side: the sural drop is judged against 72 % [S07]; other nerves
 * are reported without a judgement; one side only gives nothing. */
static void test_side_to_side(void **state)
{
    (void)state;
    const struct {
        const char *nerve, *rec;
        double r_uv, l_uv;
        int abnormal; /* -1: null */
    } cases[] = {
        {"sural", "lateral malleolus", 20.0, 5.6, 0},  /* 72 % */
        {"sural", "lateral malleolus", 20.0, 5.4, 1},  /* 73 % */
        {"sural", "lateral malleolus", 6.0, 20.0, 0},  /* 70 %, smaller on the right */
        {"median", "D2", 40.0, 10.0, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *ncs = json_pack("[o, o]", sensory(cases[i].nerve, "R", cases[i].rec, "calf", 14, 3.8, cases[i].r_uv),
                                sensory(cases[i].nerve, "L", cases[i].rec, "calf", 14, 3.8, cases[i].l_uv));
        json_t *cmp = fnd_ncs_comparisons(ncs);
        const json_t *c = find_kind(cmp, "side_to_side");
        assert_non_null(c);
        const json_t *ab = json_object_get(c, "abnormal");
        if (cases[i].abnormal < 0)
            assert_true(json_is_null(ab) && json_is_null(json_object_get(c, "limit")));
        else if (json_is_true(ab) != (cases[i].abnormal == 1))
            fail_msg("side-to-side case %zu: abnormal %d", i, json_is_true(ab));
        json_decref(cmp);
        json_decref(ncs);
    }
    json_t *one = json_pack("[o]", sensory("sural", "R", "lateral malleolus", "calf", 14, 3.8, 20));
    json_t *cmp = fnd_ncs_comparisons(one);
    assert_int_equal(json_array_size(cmp), 0);
    json_decref(cmp);
    json_decref(one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs),
        cmocka_unit_test(test_csi),
        cmocka_unit_test(test_side_to_side),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
