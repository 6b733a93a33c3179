/*
 * test_findings_limits.c - normal limits and flags on nerve conduction
 * values (src/findings/ncs_limits.c), one line per case, at and around each
 * threshold: Buschbacher limits by age and sex, the cold-limb rule (withheld
 * or corrected), and the EAN/PNS 2021 conduction block and temporal
 * dispersion criteria [S14].
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
#include "edx/norms.h"
#include "findings/internal.h"

typedef struct lim_case {
    const char *what;
    const char *nerve, *rec;    /* motor test */
    int age;
    char sex;
    double temp_c;              /* NAN: not recorded */
    bool correct;               /* cold limb: correct instead of withholding */
    double onset_ms, amp_uv;    /* distal site */
    double velocity, drop_pct, dur_inc_pct; /* the segment */
    const char *site_flags;     /* expected, comma-separated, "" none */
    const char *seg_flags;
    const char *warning;        /* a substring of a nerve warning, or NULL */
} lim_case;

static const lim_case cases[] = {
    /* distal onset latency, median APB, women 19-49 ULN 4.4 ms [S01] */
    {"latency above ULN", "median", "APB", 40, 'F', 34, false, 4.5, 9000, 57, 5, 5, "prolonged", "", NULL},
    {"latency at ULN", "median", "APB", 40, 'F', 34, false, 4.4, 9000, 57, 5, 5, "", "", NULL},
    /* amplitude, median 19-39 y LLN 5.9 mV [S01] */
    {"amplitude below LLN", "median", "APB", 30, 'M', 34, false, 3.5, 5800, 57, 5, 5, "low", "", NULL},
    {"amplitude at LLN", "median", "APB", 30, 'M', 34, false, 3.5, 5900, 57, 5, 5, "", "", NULL},
    /* velocity, median women 19-39 LLN 53 m/s [S01] */
    {"slow", "median", "APB", 30, 'F', 34, false, 3.5, 9000, 52, 5, 5, "", "slow", NULL},
    {"cold: slowing withheld", "median", "APB", 30, 'F', 29, false, 3.5, 9000, 45, 5, 5, "", "", "cold limb"},
    {"cold: corrected still slow", "median", "APB", 30, 'F', 29, true, 3.5, 9000, 45, 5, 5, "", "slow", NULL},
    {"cold: corrected normal", "median", "APB", 30, 'F', 29, true, 3.5, 9000, 50, 5, 5, "", "", NULL},
    {"cold: low amplitude still called", "median", "APB", 30, 'F', 29, false, 3.5, 4000, 57, 5, 5, "low", "", NULL},
    {"no temperature", "median", "APB", 30, 'F', NAN, false, 3.5, 9000, 57, 5, 5, "", "", "not recorded"},
    /* EAN/PNS 2021 block: >= 30 % amplitude drop, distal >= 20 % LLN, not tibial */
    {"block at 30 %", "ulnar", "ADM", 40, 'M', 34, false, 3.0, 10000, 60, 30, 5, "", "conduction_block", NULL},
    {"no block at 29 %", "ulnar", "ADM", 40, 'M', 34, false, 3.0, 10000, 60, 29, 5, "", "", NULL},
    {"no block: distal below 20 % LLN", "ulnar", "ADM", 40, 'M', 34, false, 3.0, 1500, 60, 50, 5, "low", "excessive", NULL},
    {"no block in the tibial", "tibial", "AH", 40, 'M', 34, false, 4.0, 12000, 47, 60, 5, "", "", NULL},
    /* dispersion: > 30 % duration increase, >= 100 % for the tibial */
    {"dispersion above 30 %", "ulnar", "ADM", 40, 'M', 34, false, 3.0, 10000, 60, 5, 31, "", "temporal_dispersion", NULL},
    {"no dispersion at 30 %", "ulnar", "ADM", 40, 'M', 34, false, 3.0, 10000, 60, 5, 30, "", "", NULL},
    {"tibial: no dispersion at 80 %", "tibial", "AH", 40, 'M', 34, false, 4.0, 12000, 47, 5, 80, "", "", NULL},
    {"tibial: dispersion above 100 %", "tibial", "AH", 40, 'M', 34, false, 4.0, 12000, 47, 5, 101, "", "temporal_dispersion", NULL},
};

static const char *second_site(const char *nerve)
{
    return !strcmp(nerve, "median") ? "elbow"
         : !strcmp(nerve, "ulnar")  ? "below elbow"
                                    : "popliteal fossa";
}

static const char *first_site(const char *nerve)
{
    return !strcmp(nerve, "tibial") ? "ankle" : "wrist";
}

static json_t *make_nerve(const lim_case *c)
{
    json_t *d = json_pack("{s:s, s:f, s:f, s:f, s:[]}", "site", first_site(c->nerve),
                          "onset_latency_ms", c->onset_ms, "amplitude_uv", c->amp_uv,
                          "duration_ms", 5.5, "flags");
    json_t *p = json_pack("{s:s, s:f, s:f, s:f, s:[]}", "site", second_site(c->nerve),
                          "onset_latency_ms", c->onset_ms + 4, "amplitude_uv",
                          c->amp_uv * (1 - c->drop_pct / 100), "duration_ms", 5.5, "flags");
    json_t *g = json_pack("{s:s, s:s, s:f, s:f, s:f, s:f, s:[]}", "from", first_site(c->nerve),
                          "to", second_site(c->nerve), "velocity_m_s", c->velocity,
                          "amplitude_drop_pct", c->drop_pct, "area_drop_pct", c->drop_pct,
                          "duration_increase_pct", c->dur_inc_pct, "flags");
    return json_pack("{s:s, s:s, s:s, s:s, s:[o,o], s:[o], s:[]}", "nerve", c->nerve, "side", "R",
                     "test", "motor", "recording_site", c->rec, "sites", d, p, "segments", g,
                     "warnings");
}

static void flags_to_text(const json_t *flags, char *buf, size_t size)
{
    size_t i, n = 0;
    json_t *f;
    buf[0] = '\0';
    json_array_foreach(flags, i, f) {
        int w = snprintf(buf + n, size - n, "%s%s", n ? "," : "", json_string_value(f));
        n += w > 0 ? (size_t)w : 0;
    }
}

static bool has_warning(const json_t *nerve, const char *sub)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(nerve, "warnings"), i, w)
        if (strstr(json_string_value(w), sub))
            return true;
    return false;
}

static void test_cases(void **state)
{
    (void)state;
    edx_diags d;
    edx_diags_init(&d);
    norms_table *norms = NULL;
    assert_int_equal(norms_table_load(getenv("EDX_TEMPLATE_DIR"), &d, &norms), EDX_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const lim_case *c = &cases[i];
        study s;
        memset(&s, 0, sizeof s);
        s.patient.age_years = c->age;
        s.patient.sex = c->sex;
        s.conditions.temperature_c = c->temp_c;
        s.conditions.height_cm = NAN;
        fnd_options opt = {.correct_cold_limb = c->correct, .cold_velocity_m_s_per_c = 1.5,
                           .cold_latency_ms_per_c = 0.2};
        json_t *n = make_nerve(c);
        fnd_apply_ncs_limits(norms, &opt, &s, n);
        char site[128], seg[128];
        flags_to_text(json_object_get(json_array_get(json_object_get(n, "sites"), 0), "flags"),
                      site, sizeof site);
        flags_to_text(json_object_get(json_array_get(json_object_get(n, "segments"), 0),
                                      "flags"), seg, sizeof seg);
        if (strcmp(site, c->site_flags) || strcmp(seg, c->seg_flags))
            fail_msg("%s: site flags '%s' (want '%s'), segment flags '%s' (want '%s')", c->what,
                     site, c->site_flags, seg, c->seg_flags);
        if (c->warning && !has_warning(n, c->warning))
            fail_msg("%s: no warning containing '%s'", c->what, c->warning);
        json_decref(n);
    }
    norms_table_free(norms);
    edx_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_cases)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
