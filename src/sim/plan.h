/*
 * plan.h - a simulated study before anything is rendered: who the patient
 * is, which nerves and muscles the protocol samples, how disease changes
 * each of them, and what pattern the study should be read as.
 */
#ifndef EDX_SIM_PLAN_H
#define EDX_SIM_PLAN_H

#include <stdio.h>

#include "sim/sim_internal.h"

enum {
    SIM_MAX_NERVES = 10,
    SIM_MAX_MUSCLES = 12,
    SIM_MAX_REGIONS = 4,
    SIM_NAME_MAX = 64
};

typedef struct sim_nerve_entry {
    sim_nerve_plan plan;
    char file[SIM_NAME_MAX];      /* e.g. "nc_r_median_motor.edf" */
    char label[17];               /* EDF label, e.g. "NC R APB" */
    char test_code[40];           /* recording-field test, e.g. "MNC R Median Nerve" */
} sim_nerve_entry;

typedef struct sim_muscle_entry {
    sim_muscle_plan plan;
    char file[SIM_NAME_MAX];      /* e.g. "emg_r_tibialis_anterior.edf" */
    char label[17];
    char roots[32];               /* as templates/muscles.tsv gives them */
    char nerve[64];
} sim_muscle_entry;

typedef struct sim_study_plan {
    sim_options opt;              /* resolved: no NANs left */
    const char *scenario;
    /* patient and visit */
    char patient_code[24];
    char sex;                     /* 'F' or 'M' */
    char patient_name[32];
    int birth_year, birth_month, birth_day;
    int year, month, day, hour, minute;
    char indication[80];
    /* protocol */
    sim_nerve_entry nerves[SIM_MAX_NERVES];
    size_t n_nerves;
    sim_muscle_entry muscles[SIM_MAX_MUSCLES];
    size_t n_muscles;
    const struct conv_tables *tables; /* muscle facts */
    int error;                    /* first failure while adding (EDX_ERR_*) */
    /* the expected reading (findings-json.md vocabulary) */
    const char *pattern;
    const char *subtype;          /* NULL = null */
    const char *regions_with_lmn_signs[SIM_MAX_REGIONS];
    size_t n_regions;
    const char *statement;
} sim_study_plan;

/* Builds the plan for the options (scenario defaults filled in). */
int sim_plan_build(const sim_options *o, const struct conv_tables *t, sim_study_plan *sp,
                   edx_diags *d);

/* Protocol building blocks (protocol.c). */
sim_nerve_entry *sim_plan_add_nerve(sim_study_plan *sp, const char *nerve, char side,
                                    sim_nc_test test, const char *recording_site);
sim_muscle_entry *sim_plan_add_muscle(sim_study_plan *sp, const char *muscle,
                                      const char *label_abbrev, char side);
/* Lays out needle sites, rest and contraction epochs for every muscle. */
void sim_plan_layout_muscles(sim_study_plan *sp);

/* Scenario table (scenario.c). */
typedef void (*sim_scenario_fn)(sim_study_plan *sp, sim_rng *r);

typedef struct sim_scenario {
    const char *name;
    const char *summary;
    double age_years, height_cm, temperature_c, severity;
    char sex;
    sim_scenario_fn build;
} sim_scenario;

const sim_scenario *sim_scenario_at(size_t i);

/* What rendering one muscle left behind for the truth. */
typedef struct sim_muscle_result {
    sim_events events;
    sim_mup_truth mup;
    char events_file[SIM_NAME_MAX + 16]; /* "truth.<emg file stem>.events.tsv" */
} sim_muscle_result;

/* Truth (truth.c): the truth.json tree, and a muscle's events table. */
struct json_t;
struct json_t *sim_truth_json(const sim_study_plan *sp, const sim_nc_output *nc,
                              const sim_muscle_result *mr);
int sim_events_write_tsv(FILE *f, const sim_events *ev);

/* Files (files.c). minutes_after: the file starts that long after the visit. */
void sim_file_ident(const sim_study_plan *sp, const char *test_code, int minutes_after,
                    sim_edf_ident *id);
int sim_write_emg_file(const char *path, const sim_study_plan *sp, const sim_muscle_entry *m,
                       int minutes_after, const double *uv, size_t n, edx_diags *d);
int sim_write_nc_file(const char *path, const sim_study_plan *sp, const sim_nerve_entry *e,
                      const sim_nc_output *o, int minutes_after, bool with_indication,
                      edx_diags *d);

#endif /* EDX_SIM_PLAN_H */
