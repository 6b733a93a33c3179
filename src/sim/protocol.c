/*
 * protocol.c - the building blocks of a simulated study protocol: nerve
 * tests with their standard stimulation sites and distances, muscles with
 * the facts of templates/muscles.tsv, and the needle EMG time line (needle
 * sites, rest, contraction).
 *
 * Distances follow the techniques of the normative data the analyser
 * compares with (clinical.md 4.2-4.3): motor distal stimulation at 8 cm
 * (Buschbacher S01-S04), antidromic sensory at 14 cm (median D2, ulnar D5,
 * sural; S05-S07), superficial radial 10 cm (S89), superficial peroneal
 * 12 cm (S84). Proximal distances are those of a 170 cm adult and scale
 * with height.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "edx/study.h"
#include "sim/plan.h"

typedef struct std_site {
    const char *name;        /* templates/nerves.tsv stimulation site */
    double distance_cm;      /* at 170 cm height */
    bool scales;             /* proximal: scales with height */
} std_site;

typedef struct std_test {
    const char *nerve;
    sim_nc_test test;
    const char *recording_site;   /* canonical (nerves.tsv) */
    const char *label_site;       /* as written in the EDF label */
    const char *nerve_words;      /* test code words, "Median Nerve" */
    std_site sites[4];
} std_test;

static const std_test std_tests[] = {
    {"median", SIM_NC_MOTOR, "APB", "APB", "Median Nerve",
     {{"wrist", 8, false}, {"elbow", 28, true}}},
    {"ulnar", SIM_NC_MOTOR, "ADM", "ADM", "Ulnar Nerve",
     {{"wrist", 8, false}, {"below elbow", 26, true}, {"above elbow", 36, true}}},
    {"peroneal", SIM_NC_MOTOR, "EDB", "EDB", "Peroneal Nerve",
     {{"ankle", 8, false}, {"below fibular head", 36, true}, {"above fibular head", 46, true}}},
    {"tibial", SIM_NC_MOTOR, "AH", "AH", "Tibial Nerve",
     {{"ankle", 8, false}, {"popliteal fossa", 46, true}}},
    {"median", SIM_NC_SENSORY, "D2", "Digit2", "Median Nerve", {{"wrist", 14, false}}},
    {"ulnar", SIM_NC_SENSORY, "D5", "Digit5", "Ulnar Nerve", {{"wrist", 14, false}}},
    {"radial", SIM_NC_SENSORY, "snuffbox", "snuffbox", "Radial Nerve", {{"forearm", 10, false}}},
    {"sural", SIM_NC_SENSORY, "lateral malleolus", "LM", "Sural Nerve", {{"calf", 14, false}}},
    {"superficial peroneal", SIM_NC_SENSORY, "ankle", "ankle", "Superficial Peroneal Nerve",
     {{"lateral calf", 12, false}}},
    {"median", SIM_NC_FWAVE, "APB", "APB", "Median Nerve", {{"wrist", 8, false}}},
    {"ulnar", SIM_NC_FWAVE, "ADM", "ADM", "Ulnar Nerve", {{"wrist", 8, false}}},
    {"peroneal", SIM_NC_FWAVE, "EDB", "EDB", "Peroneal Nerve", {{"ankle", 8, false}}},
    {"tibial", SIM_NC_FWAVE, "AH", "AH", "Tibial Nerve", {{"ankle", 8, false}}},
};
enum { N_STD_TESTS = sizeof std_tests / sizeof std_tests[0] };

static const char *test_code_prefix(sim_nc_test t)
{
    return t == SIM_NC_MOTOR ? "MNC" : t == SIM_NC_SENSORY ? "SNC" : "FW";
}

static const char *test_word(sim_nc_test t)
{
    return t == SIM_NC_MOTOR ? "motor" : t == SIM_NC_SENSORY ? "sensory" : "fwave";
}

/* "superficial peroneal" -> "superficial_peroneal"; lower case. */
static void file_word(char *dst, size_t size, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < size; i++)
        dst[i] = src[i] == ' ' ? '_' : (char)tolower((unsigned char)src[i]);
    dst[i] = '\0';
}

static void set_default_noise(sim_noise *n, int mains_hz, double white_uv, double mains_uv)
{
    memset(n, 0, sizeof *n);
    n->white_uv = white_uv;
    n->pink_uv = white_uv * 0.5;
    n->mains_hz = mains_hz;
    n->mains_uv = mains_uv;
    n->wander_uv = 2.0;
}

static void fill_sites(sim_nerve_plan *p, const std_test *st, double height_cm, char side)
{
    const char *side_word = side == 'L' ? "left" : "right";
    p->n_sites = 0;
    for (size_t k = 0; k < 4 && st->sites[k].name; k++) {
        sim_nc_site *s = &p->sites[p->n_sites++];
        s->name = st->sites[k].name;
        double d = st->sites[k].distance_cm;
        if (st->sites[k].scales)
            d = round(d * height_cm / 170.0 * 2.0) / 2.0; /* tape measure: 0.5 cm */
        s->distance_cm = d;
        s->position = side_word; /* side word; the site name follows it */
    }
}

sim_nerve_entry *sim_plan_add_nerve(sim_study_plan *sp, const char *nerve, char side,
                                    sim_nc_test test, const char *recording_site)
{
    if (sp->error || sp->n_nerves >= SIM_MAX_NERVES) {
        sp->error = sp->error ? sp->error : EDX_ERR_RANGE;
        return NULL;
    }
    const std_test *st = NULL;
    for (size_t i = 0; i < N_STD_TESTS && !st; i++)
        if (strcmp(std_tests[i].nerve, nerve) == 0 && std_tests[i].test == test &&
            (!recording_site || strcmp(std_tests[i].recording_site, recording_site) == 0))
            st = &std_tests[i];
    if (!st) {
        sp->error = EDX_ERR_NOT_FOUND;
        return NULL;
    }
    sim_nerve_entry *e = &sp->nerves[sp->n_nerves++];
    memset(e, 0, sizeof *e);
    sim_nerve_plan *p = &e->plan;
    p->nerve = st->nerve;
    p->side = side;
    p->test = test;
    p->recording_site = st->recording_site;
    fill_sites(p, st, sp->opt.height_cm, side);
    p->age_years = sp->opt.age_years;
    p->height_cm = sp->opt.height_cm;
    p->temperature_c = sp->opt.temperature_c;
    p->f_persistence = -1;
    p->prestim_ms = -1;
    p->n_sweeps = test == SIM_NC_FWAVE ? 20 : test == SIM_NC_SENSORY ? 4 : 3;
    p->stim_duration_ms = test == SIM_NC_SENSORY ? 0.1 : 0.2;
    set_default_noise(&p->noise, sp->opt.mains_hz, test == SIM_NC_SENSORY ? 1.0 : 5.0,
                      sp->opt.nc_hum_uv);
    char word[SIM_NAME_MAX / 2];
    file_word(word, sizeof word, st->nerve);
    snprintf(e->file, sizeof e->file, "nc_%c_%s_%s.edf", tolower((unsigned char)side), word,
             test_word(test));
    snprintf(e->label, sizeof e->label, "NC %c %s", side, st->label_site);
    snprintf(e->test_code, sizeof e->test_code, "%s %c %s", test_code_prefix(test), side,
             st->nerve_words);
    return e;
}

sim_muscle_entry *sim_plan_add_muscle(sim_study_plan *sp, const char *muscle,
                                      const char *label_abbrev, char side)
{
    const conv_muscle *m = NULL;
    if (!sp->error && sp->n_muscles >= SIM_MAX_MUSCLES)
        sp->error = EDX_ERR_RANGE;
    if (!sp->error &&
        conv_find_muscle(sp->tables, muscle, strlen(muscle), false, &m) != CONV_MATCH_EXACT)
        sp->error = EDX_ERR_NOT_FOUND;
    if (sp->error)
        return NULL;
    sim_muscle_entry *e = &sp->muscles[sp->n_muscles++];
    memset(e, 0, sizeof *e);
    sim_muscle_plan *p = &e->plan;
    p->muscle = m->name;
    p->region = conv_region_name(m->region);
    snprintf(e->roots, sizeof e->roots, "%s", m->roots);
    snprintf(e->nerve, sizeof e->nerve, "%s", m->nerve);
    snprintf(e->label, sizeof e->label, "EMG %c %s", side, label_abbrev);
    p->label = e->label;
    p->side = side;
    p->fs_hz = 10000.0;
    p->age_years = sp->opt.age_years;
    p->temperature_c = sp->opt.temperature_c;
    p->mup_kind = SIM_MUP_NORMAL;
    set_default_noise(&p->noise, sp->opt.mains_hz, 6.0, 1.0);
    char word[SIM_NAME_MAX / 2];
    file_word(word, sizeof word, m->name);
    snprintf(e->file, sizeof e->file, "emg_%c_%s.edf", tolower((unsigned char)side), word);
    return e;
}

/*
 * Needle time line of one muscle: three needle sites ("Needle site n" at
 * each move; clinical.md 1.2 grades fibrillations by the number of sites),
 * each with its share of the rest time followed by minimal and moderate
 * contraction, then a short maximal effort at the last site. Sampling MUPs
 * at several sites is how a quantitative analysis reaches its 20 MUPs
 * (clinical.md 2.2, [S56]). Contraction lengths are typical screen sweeps
 * of a few seconds each.
 */
static void layout_one(sim_muscle_plan *p, double rest_s)
{
    enum { SITES = 3 };
    static const struct {
        sim_epoch_kind kind;
        double s;
    } effort[] = {{SIM_EPOCH_MINIMAL, 4.0}, {SIM_EPOCH_MODERATE, 3.0}, {SIM_EPOCH_MAXIMAL, 2.0}};
    double t = 0, per_site = rest_s / SITES;
    p->n_epochs = 0;
    p->n_needle_moves = 0;
    for (int s = 0; s < SITES; s++) {
        p->needle_move_s[p->n_needle_moves++] = t;
        p->epochs[p->n_epochs++] = (sim_epoch){SIM_EPOCH_REST, t, per_site};
        t += per_site;
        size_t n_effort = s == SITES - 1 ? 3 : 2; /* maximal effort once, at the end */
        for (size_t i = 0; i < n_effort; i++) {
            t += 0.5; /* the patient starts to contract after the instruction */
            p->epochs[p->n_epochs++] = (sim_epoch){effort[i].kind, t, effort[i].s};
            t += effort[i].s;
        }
        t += 0.5; /* relaxes before the needle moves on */
    }
    p->duration_s = ceil(t); /* whole one-second records */
}

void sim_plan_layout_muscles(sim_study_plan *sp)
{
    for (size_t i = 0; i < sp->n_muscles; i++)
        layout_one(&sp->muscles[i].plan, sp->opt.rest_s);
}
