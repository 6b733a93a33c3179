/*
 * plan.c - options, scenario lookup, and the study plan: patient, visit,
 * protocol (from the scenario), needle time lines and the deliberately hard
 * cases every study carries.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/plan.h"

/* The referral question as a lab receives it: symptoms, not the answer. */
static const char *const indications[] = {
    "tingling in both hands, exclude neuropathy",
    "muscle twitching for six months, no weakness",
    "progressive weakness of the right hand, fasciculations",
    "numb burning feet, diabetes",
    "progressive weakness and numbness of all limbs over 4 months",
    "nocturnal paraesthesia of the right hand",
    "numbness of the right ring and little finger",
    "right foot drop and low back pain",
    "proximal weakness, raised CK",
    "muscle stiffness, twitching and cramps",
    "painful calf cramps and twitching",
};

void sim_options_init(sim_options *o)
{
    memset(o, 0, sizeof *o);
    o->scenario = "normal";
    o->seed = 1;
    o->age_years = NAN;
    o->height_cm = NAN;
    o->temperature_c = NAN;
    o->severity = NAN;
    o->rest_s = NAN;
    o->nc_hum_uv = NAN;
}

const char *sim_scenario_name(size_t i)
{
    const sim_scenario *s = sim_scenario_at(i);
    return s ? s->name : NULL;
}

const char *sim_scenario_summary(size_t i)
{
    const sim_scenario *s = sim_scenario_at(i);
    return s ? s->summary : NULL;
}

int sim_scenario_find(const char *name)
{
    for (size_t i = 0; name && i < sim_scenario_count(); i++)
        if (strcmp(sim_scenario_at(i)->name, name) == 0)
            return (int)i;
    return -1;
}

static int out_of_range(edx_diags *d, const char *what, double v, double lo, double hi)
{
    if (isnan(v) || (v >= lo && v <= hi))
        return 0;
    char buf[32];
    edx_fmt_double(buf, sizeof buf, v, 3);
    edx_diag_add(d, EDX_SEV_ERROR, "SIM-OPTION", EDX_LOC_NONE,
                 "%s %s is outside %g..%g", what, buf, lo, hi);
    return 1;
}

int sim_options_check(const sim_options *o, edx_diags *d)
{
    int bad = 0;
    if (sim_scenario_find(o->scenario) < 0) {
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-OPTION", EDX_LOC_NONE,
                     "unknown scenario '%s'", o->scenario ? o->scenario : "");
        bad = 1;
    }
    bad |= out_of_range(d, "age", o->age_years, 18, 95);
    bad |= out_of_range(d, "height", o->height_cm, 140, 210);
    bad |= out_of_range(d, "temperature", o->temperature_c, 26, 37);
    bad |= out_of_range(d, "severity", o->severity, 0, 1);
    bad |= out_of_range(d, "rest", o->rest_s, 30, 120);
    bad |= out_of_range(d, "nerve conduction hum", o->nc_hum_uv, 0, 50);
    if (o->mains_hz != 0 && o->mains_hz != 50 && o->mains_hz != 60) {
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-OPTION", EDX_LOC_NONE,
                     "mains frequency %d Hz is neither 50 nor 60", o->mains_hz);
        bad = 1;
    }
    return bad ? EDX_ERR_INVALID : EDX_OK;
}

static double or_default(double v, double def)
{
    return isnan(v) ? def : v;
}

static void set_patient(sim_study_plan *sp, const sim_scenario *sc, size_t index)
{
    uint64_t seed = sp->opt.seed;
    snprintf(sp->patient_code, sizeof sp->patient_code, "SIM-%02zu-%06llu", index,
             (unsigned long long)(seed % 1000000));
    sp->sex = sc->sex;
    snprintf(sp->patient_name, sizeof sp->patient_name, "Simulated_%s",
             sc->sex == 'F' ? "Patient_F" : "Patient_M");
    /* A fixed visit date keeps files reproducible; the hour varies with the seed. */
    sp->year = 2026;
    sp->month = 3;
    sp->day = 16;
    sp->hour = 8 + (int)(seed % 9);
    sp->minute = (int)((seed * 7) % 60);
    sp->birth_year = sp->year - (int)floor(sp->opt.age_years);
    sp->birth_month = 1;
    sp->birth_day = 1 + (int)(seed % 28);
    snprintf(sp->indication, sizeof sp->indication, "%s", indications[index]);
}

/* Muscle whose noise is worst of a kind, chosen by the seed among those
 * without the property yet. */
static sim_muscle_plan *pick_muscle(sim_study_plan *sp, sim_rng *r)
{
    return sp->n_muscles ? &sp->muscles[sim_rng_below(r, (uint32_t)sp->n_muscles)].plan : NULL;
}

/*
 * Hard cases in every study (issue: "a simulator that only makes easy, clean
 * signals helps nobody"): a poorly grounded muscle with strong mains hum,
 * a low-SNR muscle, movement artefacts, an end-plate site, a motor nerve
 * recorded without pre-stimulus baseline, and a noisy sensory nerve.
 */
static void add_hard_cases(sim_study_plan *sp, sim_rng *r)
{
    sim_muscle_plan *m = pick_muscle(sp, r);
    if (m)
        m->noise.mains_uv = sim_rng_range(r, 15.0, 40.0);
    if ((m = pick_muscle(sp, r)))
        m->noise.white_uv = sim_rng_range(r, 12.0, 18.0);
    if ((m = pick_muscle(sp, r))) {
        m->noise.movement_per_min = 1.5;
        m->noise.movement_uv = 400.0;
    }
    bool any_end_plate = false;
    for (size_t i = 0; i < sp->n_muscles; i++)
        any_end_plate |= sp->muscles[i].plan.end_plate;
    if (!any_end_plate && (m = pick_muscle(sp, r)))
        m->end_plate = true;
    size_t motor[SIM_MAX_NERVES], n_motor = 0;
    for (size_t i = 0; i < sp->n_nerves; i++)
        if (sp->nerves[i].plan.test == SIM_NC_MOTOR)
            motor[n_motor++] = i;
    if (n_motor)
        sp->nerves[motor[sim_rng_below(r, (uint32_t)n_motor)]].plan.prestim_ms = 0;
    for (size_t i = 0; i < sp->n_nerves; i++)
        if (sp->nerves[i].plan.test == SIM_NC_SENSORY && sim_rng_uniform(r) < 0.5) {
            sp->nerves[i].plan.noise.white_uv *= 2.5;
            break;
        }
}

int sim_plan_build(const sim_options *o, const struct conv_tables *t, sim_study_plan *sp,
                   edx_diags *d)
{
    int rc = sim_options_check(o, d);
    if (rc)
        return rc;
    size_t index = (size_t)sim_scenario_find(o->scenario);
    const sim_scenario *sc = sim_scenario_at(index);
    memset(sp, 0, sizeof *sp);
    sp->opt = *o;
    sp->scenario = sc->name;
    sp->tables = t;
    sp->opt.age_years = or_default(o->age_years, sc->age_years);
    sp->opt.height_cm = or_default(o->height_cm, sc->height_cm);
    sp->opt.temperature_c = or_default(o->temperature_c, sc->temperature_c);
    sp->opt.severity = or_default(o->severity, sc->severity);
    sp->opt.rest_s = or_default(o->rest_s, 60.0);
    sp->opt.mains_hz = o->mains_hz ? o->mains_hz : 50;
    sp->opt.nc_hum_uv = or_default(o->nc_hum_uv, 1.0);
    set_patient(sp, sc, index);

    sim_rng r;
    sim_rng_init(&r, o->seed, sim_stream_id("scenario", index));
    sc->build(sp, &r);
    if (sp->error) {
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-PLAN", EDX_LOC_NONE,
                     "scenario '%s' names a nerve test or muscle the tables lack (%s)",
                     sc->name, edx_strerror(sp->error));
        return sp->error;
    }
    sim_plan_layout_muscles(sp);
    sim_rng_init(&r, o->seed, sim_stream_id("hard cases", index));
    add_hard_cases(sp, &r);
    return EDX_OK;
}
