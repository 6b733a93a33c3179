/*
 * reader.c - opening a recording, the time line of its data records and
 * its annotations.
 *
 * The time-keeping TAL of every record (EDF+) is read once when the file is
 * opened; runs of records that follow each other without gap are kept as
 * segments, so memory grows with the number of gaps, not with the length of
 * the file. Annotations are kept in memory up to fixed limits.
 */
#include "edf_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Two record onsets closer than this are the same instant (EDF+ TALs are
 * decimal; 1 µs is far below any sampling interval we read). */
#define EDF_TIME_TOL_S 1e-6

const char *edf_format_name(edf_format f)
{
    static const char *const names[] = {"EDF", "EDF+C", "EDF+D", "BDF", "BDF+C", "BDF+D"};
    return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "?";
}

bool edf_format_is_plus(edf_format f)
{
    return f == EDF_FORMAT_EDFPLUS_C || f == EDF_FORMAT_EDFPLUS_D ||
           f == EDF_FORMAT_BDFPLUS_C || f == EDF_FORMAT_BDFPLUS_D;
}

bool edf_format_is_bdf(edf_format f)
{
    return f == EDF_FORMAT_BDF || f == EDF_FORMAT_BDFPLUS_C || f == EDF_FORMAT_BDFPLUS_D;
}

static bool is_discontinuous(edf_format f)
{
    return f == EDF_FORMAT_EDFPLUS_D || f == EDF_FORMAT_BDFPLUS_D;
}

/* ---- segments ------------------------------------------------------------------ */

static int push_segment(edf_file *f, int64_t first, double onset)
{
    if (f->n_segments == f->cap_segments) {
        size_t cap = f->cap_segments ? f->cap_segments * 2 : 4;
        edf_segment *p = realloc(f->segments, cap * sizeof *p);
        if (p == NULL)
            return EDX_ERR_NOMEM;
        f->segments = p;
        f->cap_segments = cap;
    }
    f->segments[f->n_segments++] = (edf_segment){first, 1, onset};
    return EDX_OK;
}

/* Places record r at `onset` on the time line. */
static int place_record(edf_file *f, int64_t r, double onset, edx_diags *diags)
{
    double dur = f->info.record_duration_s;
    if (f->n_segments == 0)
        return push_segment(f, r, onset);
    edf_segment *last = &f->segments[f->n_segments - 1];
    double expected = last->onset_s + (double)last->n_records * dur;
    double diff = onset - expected;
    if (fabs(diff) <= EDF_TIME_TOL_S) {
        last->n_records++;
        return EDX_OK;
    }
    if (dur == 0) /* annotation-only file: every record is its own instant */
        return push_segment(f, r, onset);
    edx_loc loc = {NULL, f->info.header_bytes + r * f->info.record_bytes, r, EDX_DIAG_NONE};
    if (!is_discontinuous(f->info.format))
        edx_diag_add(diags, EDX_SEV_WARNING, "EDF-CONTINUITY", loc,
                     "record %lld starts at %.6f s, %s of %.6f s in a continuous (+C) file",
                     (long long)r, onset, diff > 0 ? "a gap" : "an overlap", fabs(diff));
    else if (diff < 0)
        edx_diag_add(diags, EDX_SEV_WARNING, "EDF-RECORD-OVERLAP", loc,
                     "record %lld starts at %.6f s, %.6f s before the previous record ends",
                     (long long)r, onset, -diff);
    return push_segment(f, r, onset);
}

/* ---- annotations ------------------------------------------------------------- */

static int keep_annotation(edf_file *f, const edf_tal_item *it, int64_t rec, int sig,
                           edx_diags *diags)
{
    size_t need = it->text_len * 3 + 1; /* worst case: every byte replaced by U+FFFD */
    if (f->n_annotations >= EDF_MAX_ANNOTATIONS ||
        f->annotation_bytes + need > EDF_MAX_ANNOTATION_BYTES) {
        if (!f->annotations_capped)
            edx_diag_add(diags, EDX_SEV_WARNING, "EDF-ANNOTATIONS-LIMIT",
                         (edx_loc){NULL, EDX_DIAG_NONE, rec, sig},
                         "more than %d annotations or %d bytes of annotation text; the rest "
                         "are not kept",
                         EDF_MAX_ANNOTATIONS, EDF_MAX_ANNOTATION_BYTES);
        f->annotations_capped = true;
        return EDX_OK;
    }
    if (f->n_annotations == f->cap_annotations) {
        size_t cap = f->cap_annotations ? f->cap_annotations * 2 : 16;
        edf_annotation *p = realloc(f->annotations, cap * sizeof *p);
        if (p == NULL)
            return EDX_ERR_NOMEM;
        f->annotations = p;
        f->cap_annotations = cap;
    }
    char *text = malloc(need);
    if (text == NULL)
        return EDX_ERR_NOMEM;
    if (edf_utf8_sanitize(it->text, it->text_len, text, need) > 0)
        edx_diag_add(diags, EDX_SEV_WARNING, "TAL-UTF8", (edx_loc){NULL, EDX_DIAG_NONE, rec, sig},
                     "annotation text at %.4f s is not valid UTF-8; bad bytes shown as U+FFFD",
                     it->onset_s);
    /* order is checked within each annotation signal: signals may interleave */
    double *last = &f->last_onset_s[sig];
    if (!isnan(*last) && it->onset_s < *last)
        edx_diag_add(diags, EDX_SEV_WARNING, "TAL-ORDER", (edx_loc){NULL, EDX_DIAG_NONE, rec, sig},
                     "annotation '%s' at %.4f s comes after one at %.4f s in the same "
                     "annotation signal",
                     text, it->onset_s, *last);
    if (isnan(*last) || it->onset_s > *last)
        *last = it->onset_s;
    f->annotation_bytes += strlen(text) + 1;
    f->annotations[f->n_annotations++] =
        (edf_annotation){it->onset_s, it->duration_s, text, rec, sig};
    return EDX_OK;
}

typedef struct scan_ctx {
    edf_file *f;
    edx_diags *diags;
    int64_t record;
    int signal;
    bool want_timekeeping; /* first TAL of the first annotation signal */
    bool have_timekeeping;
    double record_onset;
} scan_ctx;

static int on_tal_item(void *vctx, const edf_tal_item *it)
{
    scan_ctx *c = vctx;
    if (c->want_timekeeping) {
        c->want_timekeeping = false;
        if (it->index_in_tal == 0 && it->text_len == 0) {
            c->have_timekeeping = true;
            c->record_onset = it->onset_s;
            return EDX_OK;
        }
    }
    if (it->text_len == 0) /* empty annotations carry nothing */
        return EDX_OK;
    return keep_annotation(c->f, it, c->record, c->signal, c->diags);
}

/* Reads the annotation signals of record r and places it on the time line. */
static int scan_record(edf_file *f, int64_t r, uint8_t *buf, edx_diags *diags)
{
    int64_t rec_off = f->info.header_bytes + r * f->info.record_bytes;
    size_t span = (size_t)(f->tal_span_end - f->tal_span_begin);
    int rc = edf_source_read(&f->src, rec_off + f->tal_span_begin, buf, span);
    if (rc != EDX_OK)
        return rc;
    scan_ctx c = {f, diags, r, 0, true, false, 0};
    for (int s = f->first_annotation; s < f->info.n_signals && rc == EDX_OK; s++) {
        const edf_signal *sg = &f->signals[s];
        if (!sg->is_annotation)
            continue;
        c.signal = s;
        int64_t o = sg->offset_in_record - f->tal_span_begin;
        edx_loc loc = {NULL, rec_off + sg->offset_in_record, r, s};
        rc = edf_parse_tals(buf + o, (size_t)sg->samples_per_record * (size_t)f->bytes_per_sample,
                            diags, loc, on_tal_item, &c);
        c.want_timekeeping = false;
    }
    if (rc != EDX_OK)
        return rc;
    double onset = c.record_onset;
    if (!c.have_timekeeping) {
        edx_diag_add(diags, EDX_SEV_WARNING, "TAL-NO-TIMEKEEPING",
                     (edx_loc){NULL, rec_off + f->tal_span_begin, r, f->first_annotation},
                     "record %lld has no time-keeping TAL; assumed to follow the previous one",
                     (long long)r);
        onset = f->n_segments == 0 ? (double)r * f->info.record_duration_s
                                   : f->segments[f->n_segments - 1].onset_s +
                                         (double)f->segments[f->n_segments - 1].n_records *
                                             f->info.record_duration_s;
    }
    return place_record(f, r, onset, diags);
}

int edf_scan_records(edf_file *f, edx_diags *diags)
{
    int64_t n = f->info.n_records;
    if (n == 0)
        return EDX_OK;
    if (f->first_annotation < 0) {
        /* plain EDF/BDF: records follow each other from time 0 */
        f->segments = malloc(sizeof *f->segments);
        if (f->segments == NULL)
            return EDX_ERR_NOMEM;
        f->segments[0] = (edf_segment){0, n, 0.0};
        f->n_segments = f->cap_segments = 1;
        return EDX_OK;
    }
    f->last_onset_s = malloc((size_t)f->info.n_signals * sizeof *f->last_onset_s);
    uint8_t *buf = malloc((size_t)(f->tal_span_end - f->tal_span_begin));
    if (buf == NULL || f->last_onset_s == NULL) {
        free(buf);
        return EDX_ERR_NOMEM;
    }
    for (int i = 0; i < f->info.n_signals; i++)
        f->last_onset_s[i] = NAN;
    int rc = EDX_OK;
    for (int64_t r = 0; r < n && rc == EDX_OK; r++)
        rc = scan_record(f, r, buf, diags);
    free(buf);
    if (rc == EDX_OK && f->n_segments > 0) {
        double first = f->segments[0].onset_s;
        f->info.start_subsecond_s = first - floor(first);
    }
    return rc;
}

/* ---- open and close -------------------------------------------------------- */

static void set_duration(edf_file *f)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < f->n_segments; i++) {
        const edf_segment *s = &f->segments[i];
        lo = fmin(lo, s->onset_s);
        hi = fmax(hi, s->onset_s + (double)s->n_records * f->info.record_duration_s);
    }
    f->info.duration_s = f->n_segments > 0 ? hi - lo : 0;
}

static int finish_open(edf_file *f, edx_diags *diags, edf_file **out)
{
    int rc = edf_parse_header(f, diags);
    if (rc == EDX_OK)
        rc = edf_scan_records(f, diags);
    if (rc == EDX_OK) {
        size_t max_spr = 0;
        for (int i = 0; i < f->info.n_signals; i++)
            if ((size_t)f->signals[i].samples_per_record > max_spr)
                max_spr = (size_t)f->signals[i].samples_per_record;
        f->scratch_size = max_spr * (size_t)f->bytes_per_sample;
        f->scratch = malloc(f->scratch_size ? f->scratch_size : 1);
        if (f->scratch == NULL)
            rc = EDX_ERR_NOMEM;
    }
    if (rc != EDX_OK) {
        if (rc == EDX_ERR_NOMEM || rc == EDX_ERR_IO)
            edx_diag_add(diags, EDX_SEV_ERROR, rc == EDX_ERR_NOMEM ? "EDF-NOMEM" : "EDF-READ",
                         EDX_LOC_NONE, "cannot read the file: %s", edx_strerror(rc));
        edf_close(f);
        *out = NULL;
        return rc;
    }
    set_duration(f);
    *out = f;
    return EDX_OK;
}

int edf_open(const char *path, edx_diags *diags, edf_file **out)
{
    *out = NULL;
    edf_file *f = calloc(1, sizeof *f);
    if (f == NULL)
        return EDX_ERR_NOMEM;
    f->src.fd = -1;
    int rc = edf_source_open_file(&f->src, path, diags);
    if (rc != EDX_OK) {
        free(f);
        return rc;
    }
    return finish_open(f, diags, out);
}

int edf_open_mem(const void *data, size_t size, const char *name, edx_diags *diags,
                 edf_file **out)
{
    (void)name;
    *out = NULL;
    edf_file *f = calloc(1, sizeof *f);
    if (f == NULL)
        return EDX_ERR_NOMEM;
    edf_source_open_mem(&f->src, data, size);
    return finish_open(f, diags, out);
}

void edf_close(edf_file *f)
{
    if (f == NULL)
        return;
    edf_source_close(&f->src);
    for (size_t i = 0; i < f->n_annotations; i++)
        free(f->annotations[i].text);
    free(f->annotations);
    free(f->segments);
    free(f->last_onset_s);
    free(f->signals);
    free(f->scratch);
    free(f);
}

/* ---- accessors ------------------------------------------------------------------ */

const edf_info *edf_get_info(const edf_file *f)
{
    return &f->info;
}

const edf_signal *edf_get_signal(const edf_file *f, int signal)
{
    return signal >= 0 && signal < f->info.n_signals ? &f->signals[signal] : NULL;
}

size_t edf_segment_count(const edf_file *f)
{
    return f->n_segments;
}

const edf_segment *edf_get_segment(const edf_file *f, size_t i)
{
    return i < f->n_segments ? &f->segments[i] : NULL;
}

double edf_record_onset_s(const edf_file *f, int64_t record)
{
    /* segments are in record order: binary search */
    size_t lo = 0, hi = f->n_segments;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const edf_segment *s = &f->segments[mid];
        if (record < s->first_record)
            hi = mid;
        else if (record >= s->first_record + s->n_records)
            lo = mid + 1;
        else
            return s->onset_s + (double)(record - s->first_record) * f->info.record_duration_s;
    }
    return NAN;
}

size_t edf_annotation_count(const edf_file *f)
{
    return f->n_annotations;
}

const edf_annotation *edf_annotation_at(const edf_file *f, size_t i)
{
    return i < f->n_annotations ? &f->annotations[i] : NULL;
}

int edf_find_signal(const edf_file *f, const char *label)
{
    for (int i = 0; i < f->info.n_signals; i++)
        if (strcmp(f->signals[i].label, label) == 0)
            return i;
    return -1;
}
