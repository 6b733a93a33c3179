/*
 * sim.h - the simulator: physiologically grounded patient studies with known
 * truth (needle EMG as EDF+C, nerve conduction as EDF+D, truth.json).
 *
 * The simulator sits beside the pipeline: it writes studies that the reader
 * then reads, and nothing downstream depends on it. The same options and
 * seed always give byte-identical files (no clock, no global state, one
 * seeded generator per component).
 */
#ifndef EDX_SIM_H
#define EDX_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edx/common.h"

struct conv_tables; /* edx/study.h: the muscle table gives regions and roots */

/* What a caller may set; sim_options_init() gives the scenario defaults
 * (NAN for "scenario default" in the doubles, 0 for mains_hz). */
typedef struct sim_options {
    const char *scenario;  /* one of sim_scenario_name() */
    uint64_t seed;
    double age_years;      /* 18..95 */
    double height_cm;      /* 140..210 */
    double temperature_c;  /* limb (palm/ankle) temperature, 26..37 */
    double severity;       /* 0..1: how far the disease has gone */
    int mains_hz;          /* 50 or 60 */
    double nc_hum_uv;      /* mains hum in the nerve conduction recordings, 0..50 µV
                              (default 1: a well grounded limb) */
    double rest_s;         /* rest per muscle, 30..120 s (default per scenario) */
    bool gzip;             /* write needle EMG as .edf.gz */
    bool is_ncs_only;      /* nerve tests only, no needle EMG (fast test fixtures);
                              the nerve files are the same as in the whole study */
} sim_options;

void sim_options_init(sim_options *o);

/* The scenarios, in a fixed order. */
size_t sim_scenario_count(void);
const char *sim_scenario_name(size_t i);
const char *sim_scenario_summary(size_t i);
/* Index of a scenario by name, or -1. */
int sim_scenario_find(const char *name);

/* Checks the options' ranges; on failure adds SIM-OPTION to d and returns
 * EDX_ERR_INVALID. */
int sim_options_check(const sim_options *o, edx_diags *d);

/*
 * Writes one study folder: out_dir is created if missing (its parent must
 * exist). Each file appears whole or not at all (written to a temporary
 * name in out_dir, then renamed); truth.json is written last. Returns EDX_OK
 * or a negative edx_err with the reason in d.
 */
int sim_write_study(const sim_options *o, const struct conv_tables *tables,
                    const char *out_dir, edx_diags *d);

#endif /* EDX_SIM_H */
