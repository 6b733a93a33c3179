/*
 * edflib_ref.h - EDFlib 1.23 as a reference reader and as a writer of test
 * files, behind names that do not collide with edx/edf.h.
 *
 * It keeps EDFlib's header (with its large structs and its own
 * edf_annotation_struct) out of the test files, which include edx/edf.h.
 */
#ifndef EDX_TESTS_EDFLIB_REF_H
#define EDX_TESTS_EDFLIB_REF_H

#include <stddef.h>
#include <stdint.h>

/* ---- writing with EDFlib ----------------------------------------------------- */

typedef struct ref_sigspec {
    const char *label, *dim;
    int spr;
    double pmin, pmax;
    int dmin, dmax;
} ref_sigspec;

typedef struct ref_annspec {
    long long onset_100us, dur_100us; /* dur -1: none */
    const char *text;
} ref_annspec;

typedef struct ref_wcfg {
    const char *name;
    int bdf;             /* 0: EDF+C, 1: BDF+C */
    int duration_10us;   /* record duration */
    int n_records;
    int subsecond_100ns;
    int n_annot_signals;
    int n_sigs;
    ref_sigspec sigs[4];
    int n_ann;
    ref_annspec ann[6];
} ref_wcfg;

/* Deterministic digital samples within [dmin, dmax]: the extremes first
 * (record 0, samples 0 and 1), then a xorshift sequence kept in *rng, in the
 * order records x signals x samples. Start *rng at REF_RNG_SEED. */
#define REF_RNG_SEED 0x2545F4914F6CDD1Dull
int ref_sample_value(const ref_sigspec *s, uint64_t *rng, int rec, int k);

/* Writes the file with EDFlib (start 2002-03-02 10:20:30, patient
 * "MCH-0234567 F 02-MAY-1951 Haagse Harry", admin "EMR7", technician "Tech",
 * equipment "Equipment"). Returns 0 or -1. */
int ref_write(const ref_wcfg *c, const char *path);

/* ---- reading with EDFlib ------------------------------------------------------- */

enum { REF_MAX_SIGNALS = 16 };

typedef struct ref_signal {
    char label[17];      /* as EDFlib gives it (space-padded) */
    char physdim[9];
    int spr;
    long long smp_in_file;
    double pmin, pmax;
    int dmin, dmax;
} ref_signal;

typedef struct ref_info {
    int handle;
    int filetype;        /* 0 EDF, 1 EDF+, 2 BDF, 3 BDF+, or EDFlib's negative error */
    int n_signals;       /* ordinary signals only */
    long long record_duration_100ns, n_records, n_annotations, subsecond_100ns;
    int year, month, day, hour, minute, second;
    char patientcode[81], patient_name[81], gender[16];
    int birth_year, birth_month, birth_day;
    ref_signal sig[REF_MAX_SIGNALS];
} ref_info;

/* Opens with EDFLIB_READ_ALL_ANNOTATIONS. Returns 0, or -1 with info->filetype set. */
int ref_open(const char *path, ref_info *info);
int ref_close(const ref_info *info);
/* Whole signal from its start; returns the count read or -1. */
int ref_read_digital(const ref_info *info, int sig, int n, int *buf);
int ref_read_physical(const ref_info *info, int sig, int n, double *buf);
/* Annotation i: onset and duration in 100 ns (duration -10000000: none), text. */
int ref_get_annotation(const ref_info *info, int i, long long *onset, long long *duration,
                       char *text, size_t size);
int ref_open_files(void);

#endif /* EDX_TESTS_EDFLIB_REF_H */
