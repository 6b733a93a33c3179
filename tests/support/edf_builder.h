/*
 * edf_builder.h - a byte-level builder of EDF, EDF+ and BDF files for tests.
 *
 * The builder works at the level of header fields and data-record bytes, so
 * that tests can make valid files as well as deliberately broken ones:
 *
 *   - every header field can be set as raw text (or raw bytes, NULs and
 *     Latin-1 included); fields not set get sane defaults, and the computed
 *     ones (header bytes, number of records, number of signals, samples per
 *     record) are filled from what was added;
 *   - the layout of the data records always follows what was *added*
 *     (edfb_add_signal's samples_per_record, the number of signals): setting a
 *     header field to another value makes the header lie about the data, which
 *     is how broken files are made;
 *   - data records hold digital samples (16-bit little-endian for EDF, 24-bit
 *     little-endian two's complement for BDF; values are cut to that width
 *     without any check) and, for annotation signals, raw bytes or TALs.
 *
 * Typical use (an EDF+C file with one signal and one annotation signal):
 *
 *     edfb *b = edfb_new(EDFB_EDFPLUS_C);
 *     int emg = edfb_add_signal(b, "EMG R TibAnt", 100);  // 100 samples per record
 *     int ann = edfb_add_annotation_signal(b, 60);       // 60 bytes per record
 *     edfb_set(b, EDFB_DURATION, "0.01");
 *     int r = edfb_add_record_at(b, "+0");                // time-keeping TAL in `ann`
 *     edfb_set_samples(b, r, emg, samples, 100);
 *     const char *texts[] = {"Rest"};
 *     edfb_append_tal(b, r, ann, "+0.002", "0.5", texts, 1);
 *     uint8_t *data; size_t size;
 *     if (edfb_build(b, &data, &size) == 0) { ...edf_open_mem(data, size, ...)...; free(data); }
 *     edfb_free(b);
 *
 * Errors: every function returns 0 (or an index >= 0) on success and -1 on
 * misuse (index out of range, bytes that do not fit, no memory). An error is
 * also remembered in the builder ("sticky"), and edfb_build / edfb_write_*
 * then fail, so a test may check only the final call. edfb_error() gives the
 * first error message.
 *
 * The builder has no global state: builders are independent and may be used
 * from several threads as long as each builder is used by one thread at a time.
 */
#ifndef EDX_TESTS_EDF_BUILDER_H
#define EDX_TESTS_EDF_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What kind of file the builder makes: decides the defaults of the version
 * and reserved fields, the sample width (2 or 3 bytes) and the name of the
 * annotation signal ("EDF Annotations" / "BDF Annotations"). */
typedef enum edfb_kind {
    EDFB_EDF,        /* version "0", reserved "" */
    EDFB_EDFPLUS_C,  /* version "0", reserved "EDF+C" */
    EDFB_EDFPLUS_D,  /* version "0", reserved "EDF+D" */
    EDFB_BDF,        /* version "\xff" "BIOSEMI", reserved "24BIT" */
    EDFB_BDFPLUS_C,  /* version "\xff" "BIOSEMI", reserved "BDF+C" */
    EDFB_BDFPLUS_D   /* version "\xff" "BIOSEMI", reserved "BDF+D" */
} edfb_kind;

bool edfb_kind_is_bdf(edfb_kind k);
bool edfb_kind_is_plus(edfb_kind k);

/* The fields of the 256-byte main header, in file order. */
typedef enum edfb_field {
    EDFB_VERSION,      /*  8 bytes at   0 */
    EDFB_PATIENT,      /* 80 bytes at   8 */
    EDFB_RECORDING,    /* 80 bytes at  88 */
    EDFB_STARTDATE,    /*  8 bytes at 168, "dd.mm.yy" */
    EDFB_STARTTIME,    /*  8 bytes at 176, "hh.mm.ss" */
    EDFB_HEADER_BYTES, /*  8 bytes at 184; default 256 * (ns + 1) */
    EDFB_RESERVED,     /* 44 bytes at 192 */
    EDFB_N_RECORDS,    /*  8 bytes at 236; default: records added */
    EDFB_DURATION,     /*  8 bytes at 244; default "1" */
    EDFB_NS,           /*  4 bytes at 252; default: signals added */
    EDFB_N_FIELDS
} edfb_field;

/* The fields of each signal header, in file order. Each is stored for all
 * signals one after the other: label 0, label 1, ..., transducer 0, ... */
typedef enum edfb_sfield {
    EDFB_S_LABEL,      /* 16 */
    EDFB_S_TRANSDUCER, /* 80 */
    EDFB_S_PHYSDIM,    /*  8 */
    EDFB_S_PHYSMIN,    /*  8 */
    EDFB_S_PHYSMAX,    /*  8 */
    EDFB_S_DIGMIN,     /*  8 */
    EDFB_S_DIGMAX,     /*  8 */
    EDFB_S_PREFILTER,  /* 80 */
    EDFB_S_SAMPLES,    /*  8; default: samples_per_record as added */
    EDFB_S_RESERVED,   /* 32 */
    EDFB_S_N_FIELDS
} edfb_sfield;

size_t edfb_field_width(edfb_field f);
size_t edfb_sfield_width(edfb_sfield f);
/* Byte offset of a main-header field in the file (independent of ns). */
int64_t edfb_field_offset(edfb_field f);

typedef struct edfb edfb;

/* A new, empty builder (no signals, no records). NULL when out of memory. */
edfb *edfb_new(edfb_kind kind);
void edfb_free(edfb *b); /* NULL is fine */

edfb_kind edfb_get_kind(const edfb *b);
/* First error message, or NULL when no call has failed. */
const char *edfb_error(const edfb *b);

/* ---- header fields ------------------------------------------------------- */

/* Sets a main-header field to `text`, padded with spaces to the field width.
 * Text longer than the field is an error. The text is written as is: it may
 * hold any byte except NUL (use edfb_set_bytes for NULs). */
int edfb_set(edfb *b, edfb_field f, const char *text);
/* Sets a field to exactly n raw bytes (n <= width), the rest padded with
 * spaces. n == width leaves no padding (e.g. a field full of NUL bytes). */
int edfb_set_bytes(edfb *b, edfb_field f, const void *bytes, size_t n);
/* Back to the default (computed or kind-dependent) value. */
int edfb_unset(edfb *b, edfb_field f);

/* The same for the field of one signal (0-based index in the header). */
int edfb_set_signal(edfb *b, int sig, edfb_sfield f, const char *text);
int edfb_set_signal_bytes(edfb *b, int sig, edfb_sfield f, const void *bytes, size_t n);

/* Byte offset in the file of a signal field, for the current number of
 * signals (add every signal first). -1 when out of range. */
int64_t edfb_signal_field_offset(const edfb *b, int sig, edfb_sfield f);

/* Convenience: sets physmin, physmax, digmin, digmax as text. */
int edfb_set_scaling(edfb *b, int sig, const char *physmin, const char *physmax,
                     const char *digmin, const char *digmax);

/* ---- signals -------------------------------------------------------------- */

/*
 * Adds an ordinary signal with `samples_per_record` samples in each data
 * record (>= 0). Defaults: transducer "", physdim "uV", prefilter "",
 * reserved ""; EDF scaling phys -3276.8..3276.7, dig -32768..32767 (0.1 uV
 * per step, offset 0); BDF scaling phys -8388608..8388607, dig
 * -8388608..8388607 (1 uV per step). Signals must be added before records.
 * Returns the signal's index, or -1.
 */
int edfb_add_signal(edfb *b, const char *label, int samples_per_record);

/*
 * Adds an annotation signal ("EDF Annotations" or "BDF Annotations", physdim
 * "", phys -1..1, dig -32768..32767 (BDF: -8388608..8388607)) holding at least
 * `n_bytes` bytes per record (rounded up to a whole number of 2- or 3-byte
 * samples). Returns the signal's index, or -1.
 */
int edfb_add_annotation_signal(edfb *b, size_t n_bytes);

int edfb_signal_count(const edfb *b);
/* Bytes of one signal in one data record (samples x 2 or 3). */
size_t edfb_signal_bytes(const edfb *b, int sig);
/* Bytes of one data record (all signals). */
size_t edfb_record_bytes(const edfb *b);
/* Header bytes as laid out: 256 * (signals + 1). */
size_t edfb_header_bytes(const edfb *b);

/* ---- data records ---------------------------------------------------------- */

/* Adds a data record, all bytes zero. Returns its index, or -1. */
int edfb_add_record(edfb *b);

/* Adds a data record and writes the time-keeping TAL "<onset>\x14\x14\0" at
 * the start of the first annotation signal (if the file has one). `onset` is
 * written as is ("+0", "+10.5", "-1", or broken text). Returns the index. */
int edfb_add_record_at(edfb *b, const char *onset);

int edfb_record_count(const edfb *b);

/* Writes n digital samples of an ordinary signal at the start of a record's
 * slot (n <= samples per record; the rest stays as it was). */
int edfb_set_samples(edfb *b, int rec, int sig, const int32_t *samples, size_t n);
/* Writes one digital sample k of a record. */
int edfb_set_sample(edfb *b, int rec, int sig, int k, int32_t value);

/* Appends raw bytes to a signal's slot of a record (any signal; the bytes are
 * written after what earlier appends wrote). Bytes beyond the slot: error. */
int edfb_append_bytes(edfb *b, int rec, int sig, const void *bytes, size_t n);

/* Appends a TAL: "<onset>[\x15<duration>]\x14<text>\x14...<text>\x14\0".
 * duration NULL: no duration. n_texts 0 writes "<onset>\x14\0". */
int edfb_append_tal(edfb *b, int rec, int sig, const char *onset, const char *duration,
                    const char *const *texts, size_t n_texts);
/* Appends the time-keeping TAL "<onset>\x14\x14\0". */
int edfb_append_timekeeping(edfb *b, int rec, int sig, const char *onset);

/* Zeroes a signal's slot of a record and rewinds its append position. */
int edfb_clear_slot(edfb *b, int rec, int sig);

/* Byte offset in the file of (record, signal)'s slot. */
int64_t edfb_data_offset(const edfb *b, int rec, int sig);

/* ---- output --------------------------------------------------------------- */

/* The whole file in a new malloc'ed buffer (free() it). */
int edfb_build(const edfb *b, uint8_t **data, size_t *size);
/* Writes the file (plain) or a gzip-compressed copy (zlib gzopen "wb"). */
int edfb_write_file(const edfb *b, const char *path);
int edfb_write_gz(const edfb *b, const char *path);

/* Writes arbitrary bytes to a file, plain or gzip-compressed. */
int edfb_write_bytes(const char *path, const void *data, size_t size);
int edfb_write_bytes_gz(const char *path, const void *data, size_t size);

/* ---- TALs outside a builder (for edf_parse_tals tests) ------------------- */

/* A growable byte buffer. Zero-initialise it ({0}), free with edfb_bytes_free. */
typedef struct edfb_bytes {
    uint8_t *data;
    size_t size;
    size_t cap;
} edfb_bytes;

int edfb_bytes_append(edfb_bytes *bb, const void *p, size_t n);
int edfb_bytes_append_str(edfb_bytes *bb, const char *s); /* without the NUL */
int edfb_bytes_tal(edfb_bytes *bb, const char *onset, const char *duration,
                   const char *const *texts, size_t n_texts);
int edfb_bytes_timekeeping(edfb_bytes *bb, const char *onset);
void edfb_bytes_free(edfb_bytes *bb);

/* ---- fixtures -------------------------------------------------------------- */

/*
 * The EDF+ specification's motor nerve conduction example as an EDF+D file:
 *
 *   patient   "MCH-0234567 F 02-MAY-1951 Haagse_Harry"
 *   recording "Startdate 02-MAR-2002 EMR7 Tech Equipment MNC R Median Nerve"
 *   startdate 02.03.02, starttime 10.00.00, record duration 0.05 s
 *   signal 0  "R APB", "Ag-AgCl electrodes", "mV", phys -25..25,
 *             dig -25000..25000 (1 uV per step), prefilter "HP:10Hz LP:10kHz",
 *             EDFB_MNC_SPR samples per record (10 kHz)
 *   signal 1  "EDF Annotations", EDFB_MNC_ANNOT_BYTES bytes per record
 *   record 0  onset +0:  TALs "+0\x14\x14\0" and
 *             "+0\x14Stimulus right wrist 0.2ms x 8.2mA at 6.5cm from recording site\x14"
 *             "Response 7.2mV at 3.8ms\x14\0"
 *   record 1  onset +10 (a gap of 9.95 s): "+10\x14\x14\0" and
 *             "+10\x14Stimulus right elbow 0.2ms x 15.3mA at 28.5cm from recording site\x14"
 *             "Response 7.2mV at 7.8ms (55.0m/s)\x14\0"
 *
 * The stimulus is at each record's first sample. Samples are
 * edfb_fixture_mnc_sample(record, k): a negative-first biphasic CMAP whose
 * negative peak of -7.2 mV is 1.5 ms after the onset latency (3.8 ms in record 0,
 * 7.8 ms in record 1), flat (0) before the onset latency.
 * Returns a builder the caller may still change (edfb_free it), or NULL.
 */
enum {
    EDFB_MNC_SPR = 500,
    EDFB_MNC_ANNOT_BYTES = 240
};
#define EDFB_MNC_TEXT_STIM0 "Stimulus right wrist 0.2ms x 8.2mA at 6.5cm from recording site"
#define EDFB_MNC_TEXT_RESP0 "Response 7.2mV at 3.8ms"
#define EDFB_MNC_TEXT_STIM1 "Stimulus right elbow 0.2ms x 15.3mA at 28.5cm from recording site"
#define EDFB_MNC_TEXT_RESP1 "Response 7.2mV at 7.8ms (55.0m/s)"
#define EDFB_MNC_ONSET1_S 10.0

edfb *edfb_fixture_mnc(void);
/* Digital sample k (0..EDFB_MNC_SPR-1) of record 0 or 1 (1 digital step = 1 uV). */
int32_t edfb_fixture_mnc_sample(int record, int k);

/* ---- temporary folders ------------------------------------------------------ */

/* A private folder under $TMPDIR (or /tmp), removed with everything in it. */
typedef struct edfb_tmpdir {
    char path[512];
} edfb_tmpdir;

/* Creates the folder (mkdtemp). Returns 0 or -1. */
int edfb_tmpdir_create(edfb_tmpdir *t);
/* Writes "<folder>/<name>" into buf. Returns buf, or NULL when it does not fit. */
char *edfb_tmpdir_file(const edfb_tmpdir *t, const char *name, char *buf, size_t size);
/* Removes the folder recursively (does not follow symbolic links). Returns 0 or -1. */
int edfb_tmpdir_remove(edfb_tmpdir *t);
/* Removes any path recursively (a file, or a folder and its contents). */
int edfb_remove_tree(const char *path);

#ifdef __cplusplus
}
#endif
#endif /* EDX_TESTS_EDF_BUILDER_H */
