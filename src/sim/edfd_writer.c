/*
 * edfd_writer.c - our own EDF+D writer: one ordinary signal plus one "EDF
 * Annotations" signal, data records placed anywhere on the time line (EDFlib
 * writes only EDF+C).
 *
 * Layout (Kemp & Olivan 2003, EDF+ sections 2.1-2.2): a 256-byte header and
 * 256 bytes per signal, all fields space-padded ASCII; then the records,
 * each holding the signal's samples (16-bit little-endian two's complement)
 * and the annotation bytes. Each record's annotation bytes start with its
 * time-keeping TAL "+<onset>\x14\x14\0"; the annotations falling in it follow
 * as "+<onset>[\x15<duration>]\x14<text>\x14\0"; the rest is zero.
 *
 * Numbers are printed in fixed point with '.', whatever the locale, and with
 * as many decimals as it takes to read back the same double (onsets and
 * durations; at most 17 decimals), or to give back samples_per_record / fs
 * (record duration, 8 characters).
 * Physical to digital: lround of the linear map, clamped to the digital
 * range (saturation, as an amplifier does).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

enum { HDR_BYTES = 256, NUM_BUF = 48 };

/* ---- numbers ------------------------------------------------------------------------ */

/* Shortest fixed-point text (at most `width` characters, 0 = any) that reads
 * back as exactly v. Returns false when none fits. */
static bool fmt_exact(char *buf, size_t size, double v, size_t width)
{
    for (int dec = 0; dec <= 17; dec++) {
        edx_fmt_double(buf, size, v, dec);
        size_t len = strlen(buf);
        if (width > 0 && len > width)
            return false;
        double back;
        if (edx_parse_double(buf, len, &back) == EDX_OK && back == v)
            return true;
    }
    return false;
}

/* The record duration: the fewest decimals (8 characters at most) whose
 * value gives back spr / duration == fs exactly; failing that, within the
 * rounding of the division (1e-12 relative: "0.0333" for 333 samples at 10
 * kHz reads back as 9999.999999999998 Hz). A duration that needs more
 * digits (1000 samples at 30 kHz) is refused rather than written with a
 * sampling rate that is off. */
static bool fmt_duration(char *buf, size_t size, size_t spr, double fs_hz, double *dur_s)
{
    double want = (double)spr / fs_hz;
    for (int pass = 0; pass < 2; pass++)
        for (int dec = 0; dec <= 7; dec++) {
            edx_fmt_double(buf, size, want, dec);
            size_t len = strlen(buf);
            double back;
            if (len > 8 || edx_parse_double(buf, len, &back) != EDX_OK || !(back > 0))
                continue;
            double rate = (double)spr / back;
            if (rate == fs_hz || (pass == 1 && fabs(rate - fs_hz) <= 1e-12 * fs_hz)) {
                *dur_s = back;
                return true;
            }
        }
    return false;
}

/* A physical limit in 8 characters: exact if possible, else the most
 * decimals that fit; *back is what a reader will see. */
static bool fmt_phys(char *buf, size_t size, double v, double *back)
{
    if (!fmt_exact(buf, size, v, 8)) {
        int dec = 7;
        for (; dec >= 0; dec--) {
            edx_fmt_double(buf, size, v, dec);
            if (strlen(buf) <= 8)
                break;
        }
        if (dec < 0)
            return false;
    }
    return edx_parse_double(buf, strlen(buf), back) == EDX_OK;
}

/* Seconds for a TAL: exact when 17 decimals can say it; a tiny value that
 * needs more (below 0.1 s with 17 significant digits) is rounded to 1e-17 s. */
static void fmt_seconds(char *buf, size_t size, double v)
{
    if (!fmt_exact(buf, size, v, 0))
        edx_fmt_double(buf, size, v, 17);
}

/* "+12.5" / "-0.25": a TAL onset (no exponent, sign always). */
static int fmt_onset(char *buf, size_t size, double v)
{
    char num[NUM_BUF];
    if (!isfinite(v) || fabs(v) >= 1e15)
        return EDX_ERR_RANGE;
    fmt_seconds(num, sizeof num, fabs(v));
    snprintf(buf, size, "%c%s", v < 0 ? '-' : '+', num);
    return EDX_OK;
}

/* ---- header ------------------------------------------------------------------------- */

/* Copies s into dst[0..width) padded with spaces. */
static void put_field(char *dst, size_t width, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > width)
        n = width;
    memset(dst, ' ', width);
    if (n > 0)
        memcpy(dst, s, n);
}

static void put_int(char *dst, size_t width, long long v)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%lld", v);
    put_field(dst, width, tmp);
}

typedef struct layout {
    size_t spr, annot_bytes, record_bytes;
    char duration[NUM_BUF], phys_min[NUM_BUF], phys_max[NUM_BUF];
    double phys_min_v, phys_max_v; /* as a reader parses them */
} layout;

static void main_header(char *h, const sim_edf_ident *id, const layout *lo, size_t n_records)
{
    char tmp[32];
    put_field(h, 8, "0");
    put_field(h + 8, 80, id->patient);
    put_field(h + 88, 80, id->recording);
    /* EDF+: years 1985-2084 as two digits; later ones as "yy" with the full
     * year in the recording field's Startdate */
    if (id->year >= 1985 && id->year <= 2084)
        snprintf(tmp, sizeof tmp, "%02d.%02d.%02d", id->day % 100, id->month % 100, id->year % 100);
    else
        snprintf(tmp, sizeof tmp, "%02d.%02d.yy", id->day % 100, id->month % 100);
    put_field(h + 168, 8, tmp);
    snprintf(tmp, sizeof tmp, "%02d.%02d.%02d", id->hour % 100, id->minute % 100, id->second % 100);
    put_field(h + 176, 8, tmp);
    put_int(h + 184, 8, 3 * HDR_BYTES);
    put_field(h + 192, 44, "EDF+D");
    put_int(h + 236, 8, (long long)n_records);
    put_field(h + 244, 8, lo->duration);
    put_field(h + 252, 4, "2");
}

/* The two signal headers: field by field, signal 0 then the annotations. */
static void signal_headers(char *h, const sim_edf_signal *sig, const layout *lo)
{
    const char *label[2] = {sig->label, "EDF Annotations"};
    const char *dim[2] = {"uV", ""};
    const char *pmin[2] = {lo->phys_min, "-1"}, *pmax[2] = {lo->phys_max, "1"};
    long long dmin[2] = {sig->dig_min, -32768}, dmax[2] = {sig->dig_max, 32767};
    const char *pre[2] = {sig->prefilter, ""};
    long long spr[2] = {(long long)lo->spr, (long long)(lo->annot_bytes / 2)};
    for (int s = 0; s < 2; s++) {
        put_field(h + 16 * s, 16, label[s]);
        put_field(h + 32 + 80 * s, 80, s == 0 ? "surface electrodes" : "");
        put_field(h + 192 + 8 * s, 8, dim[s]);
        put_field(h + 208 + 8 * s, 8, pmin[s]);
        put_field(h + 224 + 8 * s, 8, pmax[s]);
        put_int(h + 240 + 8 * s, 8, dmin[s]);
        put_int(h + 256 + 8 * s, 8, dmax[s]);
        put_field(h + 272 + 80 * s, 80, pre[s]);
        put_int(h + 432 + 8 * s, 8, spr[s]);
        put_field(h + 448 + 32 * s, 32, "");
    }
}

/* ---- annotations ---------------------------------------------------------------------- */

/* Appends one TAL to buf (NULL: only counts). Returns its length or < 0. */
static long tal(char *buf, double onset_s, double duration_s, const char *text)
{
    char on[NUM_BUF + 2], du[NUM_BUF];
    if (fmt_onset(on, sizeof on, onset_s) != EDX_OK)
        return -1;
    size_t n = strlen(on);
    size_t dn = 0;
    if (duration_s >= 0) {
        if (duration_s >= 1e15)
            return -1;
        fmt_seconds(du, sizeof du, duration_s);
        dn = strlen(du) + 1;
    }
    size_t tn = text ? strlen(text) : 0;
    if (buf != NULL) {
        memcpy(buf, on, n);
        if (dn > 0) {
            buf[n] = 0x15;
            memcpy(buf + n + 1, du, dn - 1);
        }
        buf[n + dn] = 0x14;
        if (tn > 0)
            memcpy(buf + n + dn + 1, text, tn);
        buf[n + dn + 1 + tn] = 0x14;
        buf[n + dn + 2 + tn] = 0;
    }
    return (long)(n + dn + tn + 3);
}

/* Record index of each annotation: the last record starting at or before it
 * (the first record for earlier ones). */
static size_t record_of(const double *onsets, size_t n, double t)
{
    size_t lo = 0, hi = n; /* first index with onset > t */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (onsets[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? 0 : lo - 1;
}

typedef struct annot_plan {
    size_t *order;  /* annotation indices sorted by onset (stable) */
    size_t *record; /* record of order[j] */
} annot_plan;

/* Stable insertion sort by onset: a nerve test has a few hundred annotations
 * at most, and they usually come in order already (linear time then). */
static void sort_order(size_t *order, const sim_annot *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = 1; i < n; i++) {
        size_t v = order[i], j = i;
        while (j > 0 && a[order[j - 1]].onset_s > a[v].onset_s) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
}

/* ---- checks --------------------------------------------------------------------------- */

static bool printable(const char *s, size_t cap, size_t max_len)
{
    size_t n = strnlen(s, cap);
    if (n == cap || n > max_len)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

static int bad_arg(edx_diags *d, const char *path, const char *what)
{
    edx_diag_add(d, EDX_SEV_ERROR, "SIM-EDFD", EDX_LOC_NONE, "cannot write %s: %s", path, what);
    return EDX_ERR_INVALID;
}

static int check_signal(const char *path, const sim_edf_ident *id, const sim_edf_signal *sig,
                        edx_diags *d)
{
    if (!printable(id->patient, sizeof id->patient, 80) ||
        !printable(id->recording, sizeof id->recording, 80))
        return bad_arg(d, path, "patient and recording fields must be printable ASCII");
    if (sig->label == NULL || sig->label[0] == '\0' || !printable(sig->label, 17, 16))
        return bad_arg(d, path, "the signal label must be 1-16 printable ASCII characters");
    if (sig->prefilter != NULL && !printable(sig->prefilter, 81, 80))
        return bad_arg(d, path, "the prefilter must be at most 80 printable ASCII characters");
    if (!(sig->fs_hz > 0) || !isfinite(sig->fs_hz))
        return bad_arg(d, path, "the sampling rate must be positive");
    if (!isfinite(sig->phys_min) || !isfinite(sig->phys_max) || sig->phys_min == sig->phys_max)
        return bad_arg(d, path, "the physical range must be finite and not empty");
    if (sig->dig_min < -32768 || sig->dig_max > 32767 || sig->dig_min >= sig->dig_max)
        return bad_arg(d, path, "the digital range must lie in -32768..32767, min < max");
    return EDX_OK;
}

static int check_records(const char *path, size_t spr, const double *const *records,
                         const double *onsets, size_t n_records, double dur_s, edx_diags *d)
{
    if (n_records == 0 || spr == 0 || records == NULL || onsets == NULL)
        return bad_arg(d, path, "no data records");
    for (size_t i = 0; i < n_records; i++) {
        if (records[i] == NULL || !isfinite(onsets[i]))
            return bad_arg(d, path, "a data record has no samples or no onset");
        /* EDF+D: records in time order and never overlapping */
        if (i > 0 && onsets[i] < onsets[i - 1] + dur_s * (1.0 - 1e-12))
            return bad_arg(d, path, "data records overlap or are out of time order");
    }
    return EDX_OK;
}

static int check_annots(const char *path, const sim_annot *a, size_t n, edx_diags *d)
{
    if (n > 0 && a == NULL)
        return bad_arg(d, path, "no annotation array");
    for (size_t i = 0; i < n; i++) {
        size_t len = strnlen(a[i].text, sizeof a[i].text);
        if (len == sizeof a[i].text || !isfinite(a[i].onset_s) || isnan(a[i].duration_s) ||
            isinf(a[i].duration_s))
            return bad_arg(d, path, "an annotation has a bad onset, duration or text");
        for (size_t k = 0; k < len; k++)
            if ((unsigned char)a[i].text[k] < 0x20) /* 0x14, 0x15, 0x00 delimit TALs */
                return bad_arg(d, path, "annotation text holds control characters");
    }
    return EDX_OK;
}

/* ---- layout ----------------------------------------------------------------------------- */

static int make_layout(const char *path, const sim_edf_signal *sig, size_t spr,
                       const double *onsets, size_t n_records, const sim_annot *a,
                       size_t n_annots, const annot_plan *ap, layout *lo, edx_diags *d)
{
    memset(lo, 0, sizeof *lo);
    lo->spr = spr;
    double dur = 0;
    if (!fmt_duration(lo->duration, sizeof lo->duration, spr, sig->fs_hz, &dur)) {
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-EDFD", EDX_LOC_NONE,
                     "cannot write %s: %zu samples at %.6g Hz make a record duration that "
                     "8 characters cannot hold exactly",
                     path, spr, sig->fs_hz);
        return EDX_ERR_RANGE;
    }
    if (!fmt_phys(lo->phys_min, sizeof lo->phys_min, sig->phys_min, &lo->phys_min_v) ||
        !fmt_phys(lo->phys_max, sizeof lo->phys_max, sig->phys_max, &lo->phys_max_v) ||
        lo->phys_min_v == lo->phys_max_v)
        return bad_arg(d, path, "the physical range does not fit in 8 characters");
    /* bytes each record's annotations need: its time-keeping TAL and the
     * annotations placed in it (ap->record ascends) */
    long most = 0;
    size_t j = 0;
    for (size_t r = 0; r < n_records; r++) {
        long need = tal(NULL, onsets[r], -1, "");
        for (; j < n_annots && ap->record[j] == r && need >= 0; j++) {
            const sim_annot *x = &a[ap->order[j]];
            long n = tal(NULL, x->onset_s, x->duration_s, x->text);
            need = n < 0 ? -1 : need + n;
        }
        if (need < 0)
            return bad_arg(d, path, "an onset or duration beyond 1e15 s");
        most = need > most ? need : most;
    }
    lo->annot_bytes = (size_t)(most + (most & 1)); /* 2 bytes per "sample" */
    lo->record_bytes = 2 * spr + lo->annot_bytes;
    if (spr > 1000000000u || lo->record_bytes > (size_t)256 * 1024 * 1024)
        return bad_arg(d, path, "a data record would exceed 256 MB");
    return EDX_OK;
}

static int plan_annots(const double *onsets, size_t n_records, const sim_annot *a, size_t n,
                       annot_plan *ap)
{
    ap->order = malloc((n ? n : 1) * sizeof *ap->order);
    ap->record = malloc((n ? n : 1) * sizeof *ap->record);
    if (ap->order == NULL || ap->record == NULL)
        return EDX_ERR_NOMEM;
    sort_order(ap->order, a, n);
    for (size_t j = 0; j < n; j++)
        ap->record[j] = record_of(onsets, n_records, a[ap->order[j]].onset_s);
    return EDX_OK;
}

/* ---- records ------------------------------------------------------------------------------ */

static int16_t to_digital(double uv, const sim_edf_signal *sig, const layout *lo)
{
    if (isnan(uv))
        uv = 0;
    double v = (uv - lo->phys_min_v) / (lo->phys_max_v - lo->phys_min_v) *
                   ((double)sig->dig_max - (double)sig->dig_min) +
               (double)sig->dig_min;
    if (v < sig->dig_min)
        v = sig->dig_min; /* saturation */
    if (v > sig->dig_max)
        v = sig->dig_max;
    return (int16_t)lround(v);
}

static void fill_record(uint8_t *buf, const double *uv, double onset_s, size_t r,
                        const sim_annot *a, const annot_plan *ap, size_t n_annots, size_t *next,
                        const sim_edf_signal *sig, const layout *lo)
{
    for (size_t k = 0; k < lo->spr; k++) {
        uint16_t u = (uint16_t)to_digital(uv[k], sig, lo);
        buf[2 * k] = (uint8_t)(u & 0xff);
        buf[2 * k + 1] = (uint8_t)(u >> 8);
    }
    char *t = (char *)buf + 2 * lo->spr;
    memset(t, 0, lo->annot_bytes);
    long pos = tal(t, onset_s, -1, ""); /* layout made sure these fit */
    while (*next < n_annots && ap->record[*next] == r) {
        const sim_annot *x = &a[ap->order[*next]];
        pos += tal(t + pos, x->onset_s, x->duration_s, x->text);
        (*next)++;
    }
}

static int io_error(edx_diags *d, const char *path, const char *op, int err)
{
    edx_diag_add(d, EDX_SEV_ERROR, "SIM-WRITE", EDX_LOC_NONE, "cannot %s %s: %s", op, path,
                 strerror(err));
    return EDX_ERR_IO;
}

static int write_file(const char *path, const sim_edf_ident *id, const sim_edf_signal *sig,
                      const double *const *records, const double *onsets, size_t n_records,
                      const sim_annot *a, size_t n_annots, const annot_plan *ap,
                      const layout *lo, edx_diags *d)
{
    char hdr[3 * HDR_BYTES];
    main_header(hdr, id, lo, n_records);
    signal_headers(hdr + HDR_BYTES, sig, lo);
    uint8_t *buf = malloc(lo->record_bytes);
    if (buf == NULL)
        return EDX_ERR_NOMEM;
    FILE *fp = fopen(path, "wb");
    if (fp == NULL) {
        free(buf);
        return io_error(d, path, "create", errno);
    }
    int err = 0;
    if (fwrite(hdr, 1, sizeof hdr, fp) != sizeof hdr)
        err = errno ? errno : EIO;
    size_t next = 0;
    for (size_t r = 0; r < n_records && err == 0; r++) {
        fill_record(buf, records[r], onsets[r], r, a, ap, n_annots, &next, sig, lo);
        if (fwrite(buf, 1, lo->record_bytes, fp) != lo->record_bytes)
            err = errno ? errno : EIO;
    }
    free(buf);
    if (err != 0) {
        fclose(fp);
        return io_error(d, path, "write", err);
    }
    errno = 0;
    if (fclose(fp) != 0)
        return io_error(d, path, "close", errno ? errno : EIO);
    return EDX_OK;
}

int sim_edfd_write(const char *path, const sim_edf_ident *id, const sim_edf_signal *sig,
                   size_t samples_per_record, const double *const *records,
                   const double *record_onset_s, size_t n_records, const sim_annot *annots,
                   size_t n_annots, edx_diags *d)
{
    if (path == NULL || id == NULL || sig == NULL)
        return bad_arg(d, path ? path : "(null)", "no path, identification or signal");
    int rc = check_signal(path, id, sig, d);
    if (rc == EDX_OK && sig->fs_hz > 0)
        rc = check_records(path, samples_per_record, records, record_onset_s, n_records,
                           (double)samples_per_record / sig->fs_hz, d);
    if (rc == EDX_OK)
        rc = check_annots(path, annots, n_annots, d);
    if (rc != EDX_OK)
        return rc;
    annot_plan ap = {NULL, NULL};
    layout lo;
    rc = plan_annots(record_onset_s, n_records, annots, n_annots, &ap);
    if (rc == EDX_OK)
        rc = make_layout(path, sig, samples_per_record, record_onset_s, n_records, annots,
                         n_annots, &ap, &lo, d);
    if (rc == EDX_OK)
        rc = write_file(path, id, sig, records, record_onset_s, n_records, annots, n_annots, &ap,
                        &lo, d);
    if (rc == EDX_ERR_NOMEM)
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-NOMEM", EDX_LOC_NONE, "out of memory writing %s", path);
    free(ap.order);
    free(ap.record);
    return rc;
}
