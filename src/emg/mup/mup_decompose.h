/*
 * mup_decompose.h - the analyser's state, shared by mup_decompose.c
 * (streaming detection and matching) and mup_units.c (finishing an epoch).
 */
#ifndef EDX_EMG_MUP_DECOMPOSE_H
#define EDX_EMG_MUP_DECOMPOSE_H

#include <stdbool.h>
#include <stdint.h>

#include "edx/emg.h"
#include "emg/mup/mup_internal.h"

/* A unit being built during an epoch. */
typedef struct mup_track {
    float *members;   /* up to EMG_MUP_MAX_MEMBERS windows of `win` samples */
    size_t n_members;
    double member_t[EMG_MUP_MAX_MEMBERS]; /* time of each member's alignment point, s */
    double *tmpl;     /* spike part, mean of the first discharges */
    size_t n_tmpl;
    double energy;    /* of the template, uV^2 */
    double root_energy; /* its square root */
    double tmpl_lo, tmpl_hi; /* its smallest and largest sample */
    double *times;    /* discharge times, s */
    size_t n_times, cap_times;
    bool is_merged;   /* merged into another track */
    bool is_weak;     /* started by a spike below the measuring threshold: counted, not measured */
} mup_track;

struct emg_mup_analyser {
    double fs;
    edx_diags *diags;
    size_t h, pre, post, win, mlo, mlen, iso, block, margin, history;
    double min_d;
    double noise_d;   /* robust rms of the slope signal in the current block */
    /* the epoch being read */
    bool in_epoch;
    conv_state state;
    double epoch_t0_s;
    int64_t n_fed;
    double *buf;
    size_t buf_len, buf_cap;
    int64_t buf_abs0, scan_from;
    double *d, *scratch, *win_buf, *cand;
    size_t d_cap, scratch_cap;
    double noise_sum;
    size_t noise_n, n_spikes, n_assigned;
    size_t turns;
    double turn_amp_sum, turn_ext, turn_last;
    int turn_dir;
    /* mains hum: looked for at the start, then removed from every sample */
    int mains_state; /* 0 not looked at yet, 1 removing, -1 none found */
    double mains_hz, hum_uv;
    emg_mains mains;
    int64_t hum_to;  /* buffered samples before this index are free of hum */
    mup_track tracks[EMG_MUP_MAX_UNITS];
    size_t n_tracks;
    /* results */
    emg_mup_unit *units;
    size_t n_units, cap_units;
    emg_mup_epoch_stats *epochs;
    size_t n_epochs, cap_epochs;
};

/* A track of at least this many discharges is a unit candidate [E]. */
#define MUP_MIN_DISCHARGES 8
/* One unit fires at most 50 Hz [S110]: discharges closer are one. */
#define MUP_SAME_DISCHARGE_S 0.015

/* mup_units.c */
int emg_mup_merge_tracks(emg_mup_analyser *a);
/* Sorts a track's times and keeps one per discharge. */
void emg_mup_one_per_discharge(mup_track *t);
/* The clean average of rows[0..n) (win samples each) into w, baseline
 * removed; scratch: 4 * win + EMG_MUP_MAX_MEMBERS doubles. */
void emg_mup_average(const emg_mup_analyser *a, const float *rows, size_t n, double *w,
                     double *scratch);
/* mup_peel.c: removes the other units' averages from each member window. */
int emg_mup_peel(emg_mup_analyser *a);
int emg_mup_finish_epoch(emg_mup_analyser *a);
/* mup_summary.c: whether two averages are one unit (wide parts within
 * SAME_UNIT_MAX at some shift of up to 5 ms); bx, by: wide-length scratch. */
bool emg_mup_same_unit(const emg_mup_analyser *a, const emg_mup_unit *x, const emg_mup_unit *y,
                       double *bx, double *by);
/* Drops tracks whose discharges follow a larger track's at a fixed lag. */
int emg_mup_drop_locked(emg_mup_analyser *a);
/* Samples of the wide part used to compare units: +-MUP_WIDE_MS. */
#define MUP_WIDE_MS 8.0
size_t emg_mup_wide_len(const emg_mup_analyser *a);
/* mup_decompose.c: the spike part of a window, its mean removed. */
void match_part_of(const emg_mup_analyser *a, const double *w, double *c);

#endif
