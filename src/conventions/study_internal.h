/*
 * study_internal.h - the state shared by the two halves of reading one file
 * (study.c: signals, needle EMG, conditions; study_nc.c: nerve conduction
 * sweeps).
 */
#ifndef EDX_STUDY_INTERNAL_H
#define EDX_STUDY_INTERNAL_H

#include "conv_internal.h"

/* ---- per-signal state while the file is read ------------------------------------ */

typedef struct sig_state {
    int index;               /* header index */
    conv_kind kind;
    conv_label label;
    const edf_signal *sig;
    size_t muscle_entry;     /* current study_muscle (EMG), SIZE_MAX none */
    bool is_labelled_muscle; /* the label names a known muscle: Muscle: does not apply */
    size_t n_sweeps;         /* sweeps made for it (NC) */
} sig_state;

typedef struct ctx {
    const conv_tables *t;
    const study_input *in;
    study *st;
    sig_state *sigs;
    int n_sigs;
    conv_testcode file_code;   /* recording field */
    conv_test test;            /* from Test: */
    conv_side side;            /* from Test:/Nerve: */
    char nerve[CONV_NAME_MAX]; /* from Test:/Nerve: */
    bool has_nerve_ctx;
    const conv_muscle *muscle; /* from Muscle: */
    conv_side muscle_side;
    char muscle_text[CONV_NAME_MAX];
    bool has_muscle_ctx;
    /* the last stimulus: its onset, record and the sweeps made of it */
    double last_stim_s;
    int64_t last_stim_record;
    size_t last_sweep_from; /* first entry of st->nerve_tests touched by it */
    bool has_last_stim;
    size_t cap_tests, cap_muscles;
    bool warned_no_nc;
} ctx;

/* Two stimulus annotations this close are one stimulus told twice (the
 * specification's "Stimulus_elbow" marker beside its XML note). */
#define SAME_ONSET_S 1e-6

/* End of the recording, header-relative seconds. */
double study_file_end_s(const study_input *in);

/* study_nc.c */
int study_nc_stimulus(ctx *c, const edf_annotation *an, const conv_annot *a);
int study_nc_response(ctx *c, const edf_annotation *an, const conv_annot *a);
int study_nc_finish(ctx *c);

#endif /* EDX_STUDY_INTERNAL_H */
