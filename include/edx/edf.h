/*
 * edx/edf.h - the read stage: EDF, EDF+C, EDF+D, BDF, BDF+C, BDF+D and their
 * gzip-compressed forms, read by edxreport's own reader.
 *
 * What it gives:
 *   - the header: patient and recording fields (and their EDF+ subfields),
 *     start date and time with the sub-second offset, every signal with its
 *     label, transducer, unit, prefilter, scaling and exact sample rate;
 *   - the time line: the onset of every data record, kept as runs of
 *     contiguous records ("segments"), so that EDF+D gaps are real gaps;
 *   - every annotation of every annotation signal (onset, duration, UTF-8
 *     text, the record it came from);
 *   - samples of any signal in physical units (µV) or digital units, read on
 *     demand: memory does not grow with the length of the file;
 *   - diagnostics for every deviation from the EDF/EDF+ specification, with a
 *     stable code, a severity and the field, byte offset and record concerned.
 *
 * Times are in seconds relative to the start date/time written in the header
 * (EDF+ convention: a time-keeping TAL of "+0.25" means 0.25 s after it).
 *
 * Text fields are UTF-8. Header bytes outside printable ASCII are decoded as
 * Latin-1 (with a warning); annotation text is UTF-8 per EDF+, with invalid
 * sequences replaced by U+FFFD (with a warning).
 */
#ifndef EDX_EDF_H
#define EDX_EDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edx/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum edf_format {
    EDF_FORMAT_EDF = 0,   /* plain EDF (1992) */
    EDF_FORMAT_EDFPLUS_C, /* EDF+ continuous */
    EDF_FORMAT_EDFPLUS_D, /* EDF+ discontinuous */
    EDF_FORMAT_BDF,       /* BioSemi 24-bit */
    EDF_FORMAT_BDFPLUS_C,
    EDF_FORMAT_BDFPLUS_D
} edf_format;

/* "EDF", "EDF+C", "EDF+D", "BDF", "BDF+C", "BDF+D" */
const char *edf_format_name(edf_format f);
bool edf_format_is_plus(edf_format f);
bool edf_format_is_bdf(edf_format f);

/* Limits that keep a hostile header from making us allocate without bound. */
enum {
    EDF_MAX_SIGNALS = 4096,
    EDF_MAX_ANNOTATIONS = 1000000,              /* more are counted, not kept */
    EDF_MAX_ANNOTATION_BYTES = 64 * 1024 * 1024 /* total text kept */
};
#define EDF_MAX_RECORD_BYTES ((int64_t)256 * 1024 * 1024)

typedef struct edf_signal {
    char label[64];       /* trimmed, UTF-8 (16 header bytes, Latin-1 may widen) */
    char transducer[256]; /* trimmed, UTF-8 */
    char physdim[32];     /* trimmed, UTF-8: "uV", "mV", ... */
    char prefilter[256];  /* trimmed, UTF-8 */
    double phys_min, phys_max;
    int32_t dig_min, dig_max;
    int32_t samples_per_record;
    double sample_rate_hz;   /* samples_per_record / record_duration_s; 0 when duration is 0 */
    bool is_annotation;      /* "EDF Annotations" / "BDF Annotations" in an EDF+/BDF+ file */
    bool is_scalable;        /* false when phys/digital ranges make scaling undefined */
    double gain;             /* physical units per digital step (may be negative) */
    double offset;           /* physical = gain * digital + offset */
    double uv_per_unit;      /* 1 for uV, 1000 for mV, 1e6 for V, 1e-3 for nV; 0 when not a voltage */
    int64_t offset_in_record; /* byte offset of this signal's samples in a data record */
} edf_signal;

/* The EDF+ patient subfields: "code sex birthdate name [additional]". */
typedef struct edf_patient {
    char code[128];
    char sex;             /* 'F', 'M' or 0 when unknown ("X") */
    int birth_year, birth_month, birth_day; /* 0 when unknown */
    char name[160];       /* '_' turned back into spaces */
    char additional[256];
} edf_patient;

/* The EDF+ recording subfields: "Startdate dd-MMM-yyyy admin tech equipment [more]". */
typedef struct edf_recording {
    int start_year, start_month, start_day; /* 0 when "X" */
    char admincode[128];
    char technician[128];
    char equipment[128];
    char additional[256];  /* the rest, e.g. a test code "MNC R Median Nerve" */
} edf_recording;

/* A run of data records whose onsets follow each other without gap. */
typedef struct edf_segment {
    int64_t first_record;
    int64_t n_records;
    double onset_s; /* onset of first_record */
} edf_segment;

typedef struct edf_annotation {
    double onset_s;     /* relative to the header's start date/time; may be negative */
    double duration_s;  /* < 0 when the TAL gives none */
    char *text;         /* UTF-8, NUL-terminated; may be "" */
    int64_t record;     /* data record it was read from */
    int signal;         /* header index of the annotation signal */
} edf_annotation;

typedef struct edf_file edf_file; /* opaque: an open recording */

/* Header facts, valid while the file is open. */
typedef struct edf_info {
    edf_format format;
    char version[16];        /* the version field, trimmed ("0" or "\xffBIOSEMI" shown as "BIOSEMI") */
    char patient_raw[256];   /* the whole local patient field, UTF-8, trimmed */
    char recording_raw[256]; /* the whole local recording field, UTF-8, trimmed */
    bool has_plus_subfields; /* EDF+/BDF+ with parseable patient/recording subfields */
    edf_patient patient;
    edf_recording recording;
    int start_year, start_month, start_day;  /* from the header, 4-digit year */
    int start_hour, start_minute, start_second;
    double start_subsecond_s; /* fractional second of the first record's onset (EDF+) */
    int64_t header_bytes;
    int64_t n_records;        /* usable (complete) data records */
    double record_duration_s;
    int n_signals;            /* all signals, annotation signals included */
    int64_t record_bytes;     /* size of one data record */
    int64_t file_bytes;       /* size of the (uncompressed) file */
    bool is_gzip;
    double duration_s;        /* end of the last record minus onset of the first */
} edf_info;

/* ---- opening ------------------------------------------------------------- */

/*
 * Opens a recording for reading (read-only; the file is never modified).
 * Files ending in ".gz" (any case) are decompressed with zlib into an
 * anonymous temporary file first, so samples still stream.
 *
 * On success returns EDX_OK and *out; diagnostics (warnings, and errors for
 * signals that cannot be read) are added to `diags`. When the file cannot be
 * read at all returns a negative edx_err, *out is NULL, and the reason is an
 * EDX_SEV_ERROR diagnostic in `diags`.
 */
int edf_open(const char *path, edx_diags *diags, edf_file **out);

/*
 * The same over bytes in memory (not copied: `data` must outlive the file).
 * `name` is used in messages only. gzip data is not recognised here.
 */
int edf_open_mem(const void *data, size_t size, const char *name, edx_diags *diags,
                 edf_file **out);

void edf_close(edf_file *f); /* NULL is fine */

/* ---- header, time line, annotations -------------------------------------- */

const edf_info *edf_get_info(const edf_file *f);
const edf_signal *edf_get_signal(const edf_file *f, int signal); /* NULL if out of range */

/* Segments of contiguous records, in file order (one for EDF and EDF+C). */
size_t edf_segment_count(const edf_file *f);
const edf_segment *edf_get_segment(const edf_file *f, size_t i);

/* Onset of a data record in seconds, from its time-keeping TAL (EDF+) or
 * record index times record duration (EDF). NAN when out of range. */
double edf_record_onset_s(const edf_file *f, int64_t record);

size_t edf_annotation_count(const edf_file *f);
const edf_annotation *edf_annotation_at(const edf_file *f, size_t i);

/* Index of the first signal whose trimmed label equals `label` (case-sensitive),
 * or -1. */
int edf_find_signal(const edf_file *f, const char *label);

/* ---- samples --------------------------------------------------------------
 * Sample k of a signal is sample (k mod samples_per_record) of data record
 * (k div samples_per_record); its time is edf_record_onset_s(record) +
 * (k mod samples_per_record) / sample_rate_hz.
 */

/* Total number of samples of a signal in the file. */
int64_t edf_signal_samples(const edf_file *f, int signal);

/* Reads n samples starting at sample `first` as stored (digital values).
 * Reading past the end gives fewer: *n_read says how many. */
int edf_read_digital(edf_file *f, int signal, int64_t first, size_t n, int32_t *out,
                     size_t *n_read);

/* The same in microvolts (needs a voltage unit and valid scaling:
 * EDX_ERR_UNSUPPORTED otherwise). */
int edf_read_uv(edf_file *f, int signal, int64_t first, size_t n, double *out,
                size_t *n_read);

/* The same in the signal's own physical unit. */
int edf_read_physical(edf_file *f, int signal, int64_t first, size_t n, double *out,
                      size_t *n_read);

/*
 * Reads the samples of a signal between times t0_s and t1_s (header-relative
 * seconds) that lie in one segment: starts at the first sample at or after
 * t0_s and stops at t1_s, at `cap` samples, or at the end of that segment
 * (an EDF+D gap), whichever comes first. *t_first_s receives the time of the
 * first sample returned. Values in µV.
 */
int edf_read_time_uv(edf_file *f, int signal, double t0_s, double t1_s, double *out,
                     size_t cap, size_t *n_read, double *t_first_s);
/* The same as stored (digital values). */
int edf_read_time_digital(edf_file *f, int signal, double t0_s, double t1_s, int32_t *out,
                          size_t cap, size_t *n_read, double *t_first_s);

/*
 * Decimating read: the means of groups of `factor` consecutive samples read
 * as edf_read_time_digital reads them, summed as the stored integers and
 * scaled once per group (uv = a * mean + b, a and b from edf_uv_scale). The
 * group left open at the end of a read is carried in *carry (zeroed before
 * the first read) and completed by the next. *n_out receives the means
 * written (at most cap / factor + 1), *n_read the file's samples read.
 */
typedef struct edf_mean_carry {
    int64_t sum; /* of the open group's samples */
    int n;       /* how many it has */
} edf_mean_carry;
int edf_read_time_means(edf_file *f, int signal, double t0_s, double t1_s, size_t cap, int factor,
                        double a, double b, edf_mean_carry *carry, double *out, size_t *n_out,
                        size_t *n_read, double *t_first_s);

/* The scaling of edf_read_uv: microvolts = a * digital + b
 * (EDX_ERR_UNSUPPORTED without a voltage unit and valid scaling). */
int edf_uv_scale(const edf_file *f, int signal, double *a, double *b);

/*
 * Record-at-a-time access for streaming over everything: read the raw bytes
 * of one data record into buf (edf_info.record_bytes long), then decode any
 * signal from it. Faster than per-signal reads when all signals are wanted.
 */
int edf_read_record_raw(edf_file *f, int64_t record, uint8_t *buf);
int edf_decode_uv(const edf_file *f, int signal, const uint8_t *record_buf, double *out);
int edf_decode_digital(const edf_file *f, int signal, const uint8_t *record_buf,
                       int32_t *out);

/* ---- TAL parsing (exposed for the conventions layer, tests and fuzzing) --- */

/* One annotation of a Time-stamped Annotations List. */
typedef struct edf_tal_item {
    double onset_s;
    double duration_s;    /* < 0 when absent */
    const char *text;     /* NOT NUL-terminated; raw bytes of the file */
    size_t text_len;
    size_t index_in_tal;  /* 0 for the first annotation of its TAL */
    size_t byte_offset;   /* of the TAL's '+'/'-' in the parsed buffer */
} edf_tal_item;

/* Called for each annotation; a non-zero return stops the parse and is returned. */
typedef int (*edf_tal_fn)(void *ctx, const edf_tal_item *item);

/*
 * Parses the bytes of one annotation signal of one data record: a sequence of
 * TALs "+onset[\x15duration]\x14text\x14...\x14\0", padded with zeros.
 * Every deviation becomes a warning in `diags` located at `loc` plus the byte
 * offset inside the buffer. Never reads past n. Returns EDX_OK or what fn
 * returned.
 */
int edf_parse_tals(const uint8_t *bytes, size_t n, edx_diags *diags, edx_loc loc,
                   edf_tal_fn fn, void *ctx);

/* ---- small helpers shared with the writer and the tests ------------------- */

/* The µV factor of a physical dimension ("uV", "µV", "mV", "V", "nV", any case);
 * 0 when it is not a voltage. */
double edf_unit_to_uv(const char *physdim);

#ifdef __cplusplus
}
#endif
#endif /* EDX_EDF_H */
