/*
 * edf_internal.h - what the files of the read stage share; not public.
 */
#ifndef EDX_EDF_INTERNAL_H
#define EDX_EDF_INTERNAL_H

#include <stdio.h>

#include "edx/edf.h"

/* ---- byte sources: a file, a decompressed gzip file, or memory ---------- */
typedef struct edf_source {
    int fd;              /* -1 for memory */
    FILE *tmp;           /* the temporary file holding a decompressed .gz, or NULL */
    const uint8_t *mem;  /* memory source */
    int64_t size;        /* bytes available */
    bool is_gzip;
    /* a read-only mapped window of a file source (see edf_source_view) */
    const uint8_t *win;
    int64_t win_off;
    size_t win_len;
} edf_source;

/* Opens path read-only; gzip input (by magic bytes) is inflated into an
 * anonymous temporary file. Errors are reported as diagnostics. */
int edf_source_open_file(edf_source *s, const char *path, edx_diags *diags);
void edf_source_open_mem(edf_source *s, const void *data, size_t size);
/* Reads exactly n bytes at off; EDX_ERR_IO on a short read or failure. */
int edf_source_read(const edf_source *s, int64_t off, void *buf, size_t n);
void edf_source_close(edf_source *s);
/*
 * Points *p at n bytes at off without copying: into the memory source, or
 * into a window of the file mapped read-only (a few MB, moved as reads move
 * on, so memory stays bounded). Valid until the next call or close. When
 * mapping is impossible it reads into `fallback` (n bytes) instead.
 */
int edf_source_view(edf_source *s, int64_t off, size_t n, uint8_t *fallback,
                    const uint8_t **p);

/* ---- the open file ------------------------------------------------------- */
struct edf_file {
    edf_source src;
    edf_info info;
    edf_signal *signals;      /* info.n_signals */
    int bytes_per_sample;     /* 2 (EDF) or 3 (BDF) */
    int first_annotation;     /* index of the first annotation signal, or -1 */
    int64_t tal_span_begin;   /* byte range in a record covering all annotation signals */
    int64_t tal_span_end;

    edf_segment *segments;
    size_t n_segments, cap_segments;

    edf_annotation *annotations;
    size_t n_annotations, cap_annotations;
    size_t annotation_bytes;  /* text kept so far */
    bool annotations_capped;
    double *last_onset_s;     /* per signal: latest annotation onset, for TAL-ORDER */

    uint8_t *scratch;         /* one signal's samples of one record */
    size_t scratch_size;
};

/* header.c: parses the fixed header and the signal headers into f. Returns
 * EDX_ERR_FORMAT (with an error diagnostic) when nothing can be read. */
int edf_parse_header(edf_file *f, edx_diags *diags);

/* header.c: EDF+ patient and recording subfields. */
void edf_parse_plus_fields(edf_file *f, edx_diags *diags);

/* header.c: copies a header field (n bytes) as trimmed UTF-8 (Latin-1 input). */
void edf_field_to_utf8(const uint8_t *p, size_t n, char *out, size_t out_size);

/* reader.c: scans the time-keeping TALs and annotations of every record. */
int edf_scan_records(edf_file *f, edx_diags *diags);

/* tal.c: copies text as valid UTF-8 (invalid sequences become U+FFFD);
 * returns the number of invalid sequences replaced. */
size_t edf_utf8_sanitize(const char *in, size_t n, char *out, size_t out_size);

#endif /* EDX_EDF_INTERNAL_H */
