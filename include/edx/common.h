/*
 * edx/common.h - what every stage of edxreport shares: error codes, the
 * diagnostics sink, and locale-independent number parsing and printing.
 *
 * Errors: functions return EDX_OK (0) or a negative edx_err. Details go to an
 * edx_diags sink that the caller passes in; the library never prints and never
 * exits.
 */
#ifndef EDX_COMMON_H
#define EDX_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- error codes --------------------------------------------------------- */
typedef enum edx_err {
    EDX_OK = 0,
    EDX_ERR_NOMEM = -1,       /* an allocation failed */
    EDX_ERR_IO = -2,          /* the operating system refused a read or write */
    EDX_ERR_FORMAT = -3,      /* the input breaks its format beyond repair */
    EDX_ERR_INVALID = -4,     /* a caller passed an invalid argument */
    EDX_ERR_NOT_FOUND = -5,   /* no such file, signal, table row, ... */
    EDX_ERR_RANGE = -6,       /* a value or size is out of the supported range */
    EDX_ERR_UNSUPPORTED = -7, /* valid input that edxreport does not handle */
    EDX_ERR_CONFIG = -8       /* a template or configuration file is wrong */
} edx_err;

/* A short English name for an error code ("out of memory", ...). */
const char *edx_strerror(int err);

/* ---- diagnostics --------------------------------------------------------- */
typedef enum edx_severity {
    EDX_SEV_WARNING = 1, /* read anyway; the user should know */
    EDX_SEV_ERROR = 2    /* this file (or this signal) cannot be read */
} edx_severity;

enum { EDX_DIAG_NONE = -1 }; /* "not applicable" for offset, record, signal */

typedef struct edx_diag {
    const char *code;      /* stable identifier, e.g. "EDF-RECORDS-UNKNOWN" (static string) */
    edx_severity severity;
    char field[32];        /* header field or element name, "" when not applicable */
    int64_t byte_offset;   /* offset in the (uncompressed) file, or EDX_DIAG_NONE */
    int64_t record;        /* data record index (0-based), or EDX_DIAG_NONE */
    int signal;            /* signal index in the header (0-based), or EDX_DIAG_NONE */
    char message[256];     /* plain English, UTF-8 */
} edx_diag;

/*
 * A bounded collection of diagnostics. A warning code is kept at most
 * EDX_DIAG_PER_CODE times (errors are always kept while there is room) and
 * the sink holds at most EDX_DIAG_MAX entries; further ones are counted in
 * n_suppressed, so that a file with a million bad records cannot make the
 * sink grow without bound.
 */
enum { EDX_DIAG_MAX = 512, EDX_DIAG_PER_CODE = 8 };

typedef struct edx_diags {
    edx_diag *items;
    size_t count;
    size_t capacity;
    size_t n_suppressed; /* diagnostics dropped by the bounds above */
    size_t n_errors;     /* errors seen, suppressed ones included */
    size_t n_warnings;   /* warnings seen, suppressed ones included */
} edx_diags;

void edx_diags_init(edx_diags *d);
void edx_diags_free(edx_diags *d);
void edx_diags_clear(edx_diags *d);

/* Where a diagnostic points; pass EDX_LOC_NONE when nothing applies. */
typedef struct edx_loc {
    const char *field;
    int64_t byte_offset;
    int64_t record;
    int signal;
} edx_loc;
#define EDX_LOC_NONE ((edx_loc){NULL, EDX_DIAG_NONE, EDX_DIAG_NONE, EDX_DIAG_NONE})
#define EDX_LOC_FIELD(f, off) ((edx_loc){(f), (off), EDX_DIAG_NONE, EDX_DIAG_NONE})

/* Adds one diagnostic. A NULL sink is allowed (the diagnostic is dropped). */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
void edx_diag_add(edx_diags *d, edx_severity sev, const char *code, edx_loc loc,
                  const char *fmt, ...);

/* Number of diagnostics with this code (kept ones only). */
size_t edx_diags_count_code(const edx_diags *d, const char *code);

/* ---- locale-independent numbers ------------------------------------------ */
/*
 * Parses a decimal number ("-12.5", "+3", "1e-3", " 7 ") from s[0..len) with
 * '.' as the decimal point whatever the process locale. Leading and trailing
 * spaces are allowed; anything else makes it fail. Returns 0 or
 * EDX_ERR_FORMAT.
 */
int edx_parse_double(const char *s, size_t len, double *out);

/* The same for an integer that must fit in int64_t. */
int edx_parse_int64(const char *s, size_t len, int64_t *out);

/*
 * Prints v with `decimals` digits after a '.' (never a locale comma) into
 * buf. Returns buf. Non-finite values print as "nan", "inf", "-inf".
 */
char *edx_fmt_double(char *buf, size_t size, double v, int decimals);

/* Prints v in the shortest form that reads back to the same double. */
char *edx_fmt_double_g(char *buf, size_t size, double v);

/* ---- where the templates are ---------------------------------------------
 * Finds the folder holding edxreport's tables (muscles.tsv, nerves.tsv, ...):
 * $EDX_TEMPLATE_DIR if set; else <exe>/../share/edxreport/templates (an
 * installed tree); else the install prefix compiled in; else the source
 * tree's templates/ (a build that was never installed). Writes the path into
 * buf and returns EDX_OK, or EDX_ERR_NOT_FOUND.
 */
int edx_find_template_dir(char *buf, size_t size);

/*
 * Reads a whole small file (a table) into a NUL-terminated buffer the caller
 * frees. EDX_ERR_NOT_FOUND when it does not exist, EDX_ERR_IO when it cannot
 * be read, EDX_ERR_RANGE when it is longer than max_bytes, EDX_ERR_NOMEM.
 */
int edx_read_small_file(const char *path, size_t max_bytes, char **out, size_t *size);

/* ---- SHA-256 (src/common/hash.c, Nettle) -----------------------------------
 * Lower-case hex digests, 64 characters and a NUL. */
/* No EMG or nerve conduction amplifier samples faster: a signal whose header
 * says so has a damaged record duration, and the analysers decline it
 * rather than size buffers from it. */
#define EDX_MAX_RATE_HZ 1e6

enum { EDX_SHA256_HEX_SIZE = 65 };
void edx_sha256_hex(const void *data, size_t len, char hex[EDX_SHA256_HEX_SIZE]);
/* Of a whole file, read in 64 KiB blocks; size_bytes may be NULL.
 * EDX_OK, EDX_ERR_NOT_FOUND or EDX_ERR_IO. */
int edx_sha256_file(const char *path, char hex[EDX_SHA256_HEX_SIZE], uint64_t *size_bytes);

/* ---- outputs whole or not at all (src/common/atomic.c) ---------------------
 * Writes len bytes to path through a temporary file in the same folder:
 * write, fsync, rename over path, fsync the folder. On failure path is left
 * as it was, the temporary file is removed and err holds a sentence naming
 * the step and the operating system's reason. EDX_OK, EDX_ERR_INVALID,
 * EDX_ERR_RANGE or EDX_ERR_IO.
 */
int edx_write_file_atomic(const char *path, const void *data, size_t len, char *err,
                          size_t err_size);

/* Removes the temporary files of writers that were killed (".<name>.tmp.<pid>"
 * whose process is gone) from dir. EDX_OK, EDX_ERR_NOT_FOUND or EDX_ERR_IO. */
int edx_atomic_sweep_stale(const char *dir, size_t *n_removed);

/* Seconds on the monotonic clock (durations, time limits; never dates). */
double edx_monotonic_s(void);

/* Centred moving mean of x[0..n) over w samples (w odd), shortened at the
 * ends, into out (not x). */
void edx_moving_mean(const double *x, size_t n, size_t w, double *out);

/* Walking from s[from] by dir (+1/-1): the last sample at or beyond level
 * (in magnitude) before `quiet` samples within it, or before the end of s.
 * A waveform ends there; a component beyond such a stretch of baseline is
 * a satellite, not part of its duration [S58]. */
size_t edx_quiet_end(const double *s, size_t n, size_t from, int dir, size_t quiet, double level);

/* First index in sorted v[0..n) with v[i] >= x (n when none; src/common/sorted.c). */
size_t edx_lower_bound(const double *v, size_t n, double x);
/* qsort comparator of doubles in ascending order (src/common/sorted.c). */
int edx_cmp_double(const void *a, const void *b);

/* The program version ("0.1.0"). */
const char *edx_version(void);

#ifdef __cplusplus
}
#endif
#endif /* EDX_COMMON_H */
