/*
 * header.c - the fixed 256-byte header, the signal headers, and the EDF+
 * patient and recording subfields.
 *
 * Layout (EDF, Kemp et al. 1992; EDF+, Kemp & Olivan 2003; BDF, BioSemi):
 *   0 version 8 | 8 patient 80 | 88 recording 80 | 168 startdate 8 |
 *   176 starttime 8 | 184 header bytes 8 | 192 reserved 44 | 236 records 8 |
 *   244 record duration 8 | 252 ns 4 | then ns x (label 16, transducer 80,
 *   physdim 8, physmin 8, physmax 8, digmin 8, digmax 8, prefilter 80,
 *   samples per record 8, reserved 32), each column for all signals in turn.
 */
#include "edf_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- field text ----------------------------------------------------------- */

void edf_field_to_utf8(const uint8_t *p, size_t n, char *out, size_t out_size)
{
    size_t o = 0, len = 0;
    while (len < n && p[len] != 0)
        len++;
    size_t b = 0;
    while (b < len && p[b] == ' ')
        b++;
    while (len > b && p[len - 1] == ' ')
        len--;
    for (size_t i = b; i < len && o + 3 < out_size; i++) {
        uint8_t c = p[i];
        if (c < 0x20 || c == 0x7f) {
            out[o++] = '?';
        } else if (c < 0x80) {
            out[o++] = (char)c;
        } else { /* Latin-1 to UTF-8 */
            out[o++] = (char)(0xC0 | (c >> 6));
            out[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    if (out_size > 0)
        out[o] = '\0';
}

typedef struct hdr_field {
    const char *name;
    int64_t offset;
    size_t size;
} hdr_field;

/* Warns about NUL padding and bytes outside printable ASCII in one field. */
static void check_field_bytes(const uint8_t *p, hdr_field fd, int signal, bool bdf_version,
                              edx_diags *diags)
{
    bool nul_seen = false, bad_seen = false;
    for (size_t i = 0; i < fd.size; i++) {
        uint8_t c = p[i];
        if (bdf_version && i == 0 && c == 0xFF)
            continue;
        edx_loc loc = {fd.name, fd.offset + (int64_t)i, EDX_DIAG_NONE, signal};
        if (c == 0 && !nul_seen) {
            nul_seen = true;
            edx_diag_add(diags, EDX_SEV_WARNING, "EDF-FIELD-NOT-PADDED", loc,
                         "header field '%s' is not padded with spaces (NUL byte at offset %lld); "
                         "text after it is ignored",
                         fd.name, (long long)loc.byte_offset);
        } else if (c != 0 && (c < 32 || c > 126) && !bad_seen) {
            bad_seen = true;
            edx_diag_add(diags, EDX_SEV_WARNING, "EDF-NON-ASCII", loc,
                         "header field '%s' has byte 0x%02X at offset %lld outside printable "
                         "ASCII; read as Latin-1",
                         fd.name, c, (long long)loc.byte_offset);
        }
    }
}

static bool field_is_blank(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && p[i] != 0; i++)
        if (p[i] != ' ')
            return false;
    return true;
}

static size_t field_len(const uint8_t *p, size_t n)
{
    size_t len = 0;
    while (len < n && p[len] != 0)
        len++;
    return len;
}

static int field_double(const uint8_t *p, size_t n, double *out)
{
    return edx_parse_double((const char *)p, field_len(p, n), out);
}

static int field_int(const uint8_t *p, size_t n, int64_t *out)
{
    return edx_parse_int64((const char *)p, field_len(p, n), out);
}

/* ---- date and time ---------------------------------------------------------- */

/* "dd.mm.yy" or "hh.mm.ss": three two-digit numbers with a separator. */
static bool parse_triplet(const uint8_t *p, char sep_ok1, char sep_ok2, int v[3])
{
    for (int i = 0; i < 3; i++) {
        uint8_t a = p[3 * i], b = p[3 * i + 1];
        if (a < '0' || a > '9' || b < '0' || b > '9')
            return false;
        v[i] = (a - '0') * 10 + (b - '0');
        if (i < 2 && p[3 * i + 2] != sep_ok1 && p[3 * i + 2] != sep_ok2)
            return false;
    }
    return true;
}

static void parse_start(edf_file *f, const uint8_t *h, edx_diags *diags)
{
    edf_info *in = &f->info;
    int d[3];
    /* EDF+ after 2084: the header year is the literal "yy" and the recording
     * field's Startdate gives the year (parse_recording fills it in). */
    if (memcmp(h + 174, "yy", 2) == 0 && edf_format_is_plus(in->format)) {
        uint8_t tmp[8];
        memcpy(tmp, h + 168, 8);
        tmp[6] = tmp[7] = '0';
        if (parse_triplet(tmp, '.', '.', d) && d[0] >= 1 && d[0] <= 31 && d[1] >= 1 &&
            d[1] <= 12) {
            in->start_day = d[0];
            in->start_month = d[1];
        }
    } else if (parse_triplet(h + 168, '.', '.', d) && d[0] >= 1 && d[0] <= 31 && d[1] >= 1 &&
               d[1] <= 12) {
        in->start_day = d[0];
        in->start_month = d[1];
        /* EDF: 85-99 are 1985-1999, 00-84 are 2000-2084 */
        in->start_year = d[2] >= 85 ? 1900 + d[2] : 2000 + d[2];
    } else {
        edx_diag_add(diags, EDX_SEV_WARNING, "EDF-STARTDATE", EDX_LOC_FIELD("startdate", 168),
                     "start date '%.8s' is not dd.mm.yy", (const char *)h + 168);
    }
    int t[3];
    bool ok = parse_triplet(h + 176, '.', '.', t);
    if (!ok && parse_triplet(h + 176, ':', '.', t)) {
        ok = true;
        edx_diag_add(diags, EDX_SEV_WARNING, "EDF-STARTTIME", EDX_LOC_FIELD("starttime", 176),
                     "start time '%.8s' uses ':' instead of '.'", (const char *)h + 176);
    }
    if (ok && t[0] < 24 && t[1] < 60 && t[2] < 61) {
        in->start_hour = t[0];
        in->start_minute = t[1];
        in->start_second = t[2];
    } else if (!ok || t[0] >= 24 || t[1] >= 60 || t[2] >= 61) {
        edx_diag_add(diags, EDX_SEV_WARNING, "EDF-STARTTIME", EDX_LOC_FIELD("starttime", 176),
                     "start time '%.8s' is not hh.mm.ss", (const char *)h + 176);
    }
}

/* ---- the fixed header ----------------------------------------------------- */

static const hdr_field main_fields[] = {
    {"version", 0, 8},        {"patient", 8, 80},     {"recording", 88, 80},
    {"startdate", 168, 8},    {"starttime", 176, 8},  {"header_bytes", 184, 8},
    {"reserved", 192, 44},    {"records", 236, 8},    {"record_duration", 244, 8},
    {"signals", 252, 4},
};

/* Version and the reserved field give the format. */
static void detect_format(edf_file *f, const uint8_t *h, edx_diags *diags)
{
    edf_info *in = &f->info;
    bool bdf = h[0] == 0xFF && memcmp(h + 1, "BIOSEMI", 7) == 0;
    if (bdf) {
        snprintf(in->version, sizeof in->version, "BIOSEMI");
    } else {
        edf_field_to_utf8(h, 8, in->version, sizeof in->version);
        if (strcmp(in->version, "0") != 0)
            edx_diag_add(diags, EDX_SEV_WARNING, "EDF-VERSION", EDX_LOC_FIELD("version", 0),
                         "version field is '%s', not '0' (EDF) or 0xFF 'BIOSEMI' (BDF); read "
                         "as EDF",
                         in->version);
    }
    f->bytes_per_sample = bdf ? 3 : 2;
    char res[48];
    edf_field_to_utf8(h + 192, 44, res, sizeof res);
    bool plus_c = strncmp(res, "EDF+C", 5) == 0 || strncmp(res, "BDF+C", 5) == 0;
    bool plus_d = strncmp(res, "EDF+D", 5) == 0 || strncmp(res, "BDF+D", 5) == 0;
    if (plus_c || plus_d) {
        if ((res[0] == 'B') != bdf)
            edx_diag_add(diags, EDX_SEV_WARNING, "EDF-RESERVED",
                         EDX_LOC_FIELD("reserved", 192),
                         "reserved field says '%.5s' in a%s file", res, bdf ? " BDF" : "n EDF");
        if (bdf)
            in->format = plus_c ? EDF_FORMAT_BDFPLUS_C : EDF_FORMAT_BDFPLUS_D;
        else
            in->format = plus_c ? EDF_FORMAT_EDFPLUS_C : EDF_FORMAT_EDFPLUS_D;
    } else {
        in->format = bdf ? EDF_FORMAT_BDF : EDF_FORMAT_EDF;
        if (strncmp(res, "EDF+", 4) == 0 || strncmp(res, "BDF+", 4) == 0)
            edx_diag_add(diags, EDX_SEV_WARNING, "EDF-RESERVED",
                         EDX_LOC_FIELD("reserved", 192),
                         "reserved field '%s' is neither EDF+C nor EDF+D; read as plain %s",
                         res, bdf ? "BDF" : "EDF");
    }
}

/* Records and duration; the record count is settled later against the file size. */
static int parse_counts(edf_file *f, const uint8_t *h, int64_t *records_field,
                        edx_diags *diags)
{
    edf_info *in = &f->info;
    if (field_int(h + 236, 8, records_field) != EDX_OK) {
        edx_diag_add(diags, EDX_SEV_WARNING, "EDF-RECORDS-UNKNOWN",
                     EDX_LOC_FIELD("records", 236),
                     "number of data records '%.8s' is not a number; counted from the file "
                     "size",
                     (const char *)h + 236);
        *records_field = -1;
    } else if (*records_field < 0) {
        edx_diag_add(diags, EDX_SEV_WARNING, "EDF-RECORDS-UNKNOWN",
                     EDX_LOC_FIELD("records", 236),
                     "number of data records is %lld (recording not closed); counted from "
                     "the file size",
                     (long long)*records_field);
        *records_field = -1;
    }
    double dur;
    if (field_double(h + 244, 8, &dur) != EDX_OK || dur < 0 || dur > 1e7) {
        edx_diag_add(diags, EDX_SEV_ERROR, "EDF-RECORD-DURATION",
                     EDX_LOC_FIELD("record_duration", 244),
                     "record duration '%.8s' is not a non-negative number of seconds",
                     (const char *)h + 244);
        return EDX_ERR_FORMAT;
    }
    in->record_duration_s = dur;
    int64_t ns;
    if (field_int(h + 252, 4, &ns) != EDX_OK || ns <= 0) {
        edx_diag_add(diags, EDX_SEV_ERROR, "EDF-NO-SIGNALS", EDX_LOC_FIELD("signals", 252),
                     "number of signals '%.4s' is not a positive number", (const char *)h + 252);
        return EDX_ERR_FORMAT;
    }
    if (ns > EDF_MAX_SIGNALS || 256 * (ns + 1) > f->src.size) {
        edx_diag_add(diags, EDX_SEV_ERROR, "EDF-SIGNALS-RANGE", EDX_LOC_FIELD("signals", 252),
                     "%lld signals need a %lld-byte header but the file has %lld bytes "
                     "(limit %d signals)",
                     (long long)ns, (long long)(256 * (ns + 1)), (long long)f->src.size,
                     EDF_MAX_SIGNALS);
        return EDX_ERR_FORMAT;
    }
    in->n_signals = (int)ns;
    in->header_bytes = 256 * (ns + 1);
    int64_t hb;
    if (field_int(h + 184, 8, &hb) != EDX_OK || hb != in->header_bytes)
        edx_diag_add(diags, EDX_SEV_WARNING, "EDF-HEADER-BYTES",
                     EDX_LOC_FIELD("header_bytes", 184),
                     "header size field '%.8s' should be %lld for %d signals; using %lld",
                     (const char *)h + 184, (long long)in->header_bytes, in->n_signals,
                     (long long)in->header_bytes);
    return EDX_OK;
}

/* ---- signal headers -------------------------------------------------------- */

enum { SH_LABEL, SH_TRANSDUCER, SH_PHYSDIM, SH_PHYSMIN, SH_PHYSMAX, SH_DIGMIN, SH_DIGMAX,
       SH_PREFILTER, SH_SPR, SH_RESERVED, SH_COUNT };
static const struct { const char *name; size_t size; } sig_cols[SH_COUNT] = {
    {"label", 16},  {"transducer", 80}, {"physical_dimension", 8}, {"physical_minimum", 8},
    {"physical_maximum", 8}, {"digital_minimum", 8}, {"digital_maximum", 8},
    {"prefilter", 80}, {"samples_per_record", 8}, {"signal_reserved", 32},
};

/* Byte offset in the header of column `col` for signal `i`. */
static int64_t sig_offset(int ns, int col, int i)
{
    int64_t off = 256;
    for (int c = 0; c < col; c++)
        off += (int64_t)sig_cols[c].size * ns;
    return off + (int64_t)sig_cols[col].size * i;
}

static edx_loc sig_loc(int ns, int col, int i)
{
    edx_loc l = {sig_cols[col].name, sig_offset(ns, col, i), EDX_DIAG_NONE, i};
    return l;
}

double edf_unit_to_uv(const char *physdim)
{
    static const struct { const char *unit; double uv; } units[] = {
        {"uv", 1.0}, {"\xc2\xb5v", 1.0}, {"\xce\xbcv", 1.0}, {"mv", 1e3}, {"v", 1e6},
        {"nv", 1e-3},
    };
    char low[32];
    size_t n = 0;
    for (; physdim[n] != '\0' && n + 1 < sizeof low; n++) {
        char c = physdim[n];
        low[n] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    low[n] = '\0';
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(low, units[i].unit) == 0)
            return units[i].uv;
    return 0;
}

/* Physical and digital ranges, gain and offset of one ordinary signal. */
static void parse_scaling(edf_file *f, const uint8_t *h, int i, edx_diags *diags)
{
    int ns = f->info.n_signals;
    edf_signal *s = &f->signals[i];
    double pmin, pmax;
    int64_t dmin, dmax;
    s->is_scalable = false;
    const int64_t lim = f->bytes_per_sample == 3 ? 8388608 : 32768;
    static const int cols[4] = {SH_PHYSMIN, SH_PHYSMAX, SH_DIGMIN, SH_DIGMAX};
    double pv[2];
    int64_t dv[2];
    for (int k = 0; k < 4; k++) {
        const uint8_t *fp = h + sig_offset(ns, cols[k], i);
        bool ok = k < 2 ? field_double(fp, 8, &pv[k]) == EDX_OK
                        : field_int(fp, 8, &dv[k - 2]) == EDX_OK;
        if (!ok) {
            edx_diag_add(diags, EDX_SEV_ERROR, k < 2 ? "EDF-PHYS-RANGE" : "EDF-DIG-RANGE",
                         sig_loc(ns, cols[k], i), "signal %d '%s': %s '%.8s' is not %s", i + 1,
                         s->label, sig_cols[cols[k]].name, (const char *)fp,
                         k < 2 ? "a number" : "an integer");
            return;
        }
    }
    pmin = pv[0];
    pmax = pv[1];
    dmin = dv[0];
    dmax = dv[1];
    s->phys_min = pmin;
    s->phys_max = pmax;
    s->dig_min = (int32_t)(dmin < -lim ? -lim : dmin > lim ? lim : dmin);
    s->dig_max = (int32_t)(dmax < -lim ? -lim : dmax > lim ? lim : dmax);
    for (int k = 0; k < 2; k++) {
        int64_t v = k == 0 ? dmin : dmax;
        if (v < -lim || v > lim - 1)
            edx_diag_add(diags, EDX_SEV_WARNING, "EDF-DIG-LIMITS", sig_loc(ns, cols[2 + k], i),
                         "signal %d '%s': %s %lld exceeds what %d-bit samples hold", i + 1,
                         s->label, sig_cols[cols[2 + k]].name, (long long)v,
                         8 * f->bytes_per_sample);
    }
    if (pmin == pmax) {
        edx_diag_add(diags, EDX_SEV_ERROR, "EDF-PHYS-EQUAL", sig_loc(ns, SH_PHYSMIN, i),
                     "signal %d '%s': physical minimum equals maximum (%g); cannot scale", i + 1,
                     s->label, pmin);
        return;
    }
    if (dmax == dmin) {
        edx_diag_add(diags, EDX_SEV_ERROR, "EDF-DIG-EQUAL", sig_loc(ns, SH_DIGMAX, i),
                     "signal %d '%s': digital minimum equals maximum (%lld); cannot scale",
                     i + 1, s->label, (long long)dmin);
        return;
    }
    if (dmax < dmin)
        edx_diag_add(diags, EDX_SEV_WARNING, "EDF-DIG-ORDER", sig_loc(ns, SH_DIGMAX, i),
                     "signal %d '%s': digital maximum %lld is below minimum %lld; scaled as "
                     "written",
                     i + 1, s->label, (long long)dmax, (long long)dmin);
    /* physical max < min is legal: a negative gain (inverted polarity) */
    s->gain = (pmax - pmin) / (double)(dmax - dmin);
    s->offset = pmax - s->gain * (double)dmax;
    s->is_scalable = isfinite(s->gain) && isfinite(s->offset);
}

static bool is_annotation_label(const char *label)
{
    return strcmp(label, "EDF Annotations") == 0 || strcmp(label, "BDF Annotations") == 0;
}

/* One signal's texts, kind and samples per record. */
static int parse_signal(edf_file *f, const uint8_t *h, int i, edx_diags *diags)
{
    int ns = f->info.n_signals;
    edf_signal *s = &f->signals[i];
    edf_field_to_utf8(h + sig_offset(ns, SH_LABEL, i), 16, s->label, sizeof s->label);
    edf_field_to_utf8(h + sig_offset(ns, SH_TRANSDUCER, i), 80, s->transducer,
                      sizeof s->transducer);
    edf_field_to_utf8(h + sig_offset(ns, SH_PHYSDIM, i), 8, s->physdim, sizeof s->physdim);
    edf_field_to_utf8(h + sig_offset(ns, SH_PREFILTER, i), 80, s->prefilter,
                      sizeof s->prefilter);
    const uint8_t *lab = h + sig_offset(ns, SH_LABEL, i);
    if (lab[0] == ' ' && !field_is_blank(lab, 16))
        edx_diag_add(diags, EDX_SEV_WARNING, "EDF-LABEL-LEADING-SPACE", sig_loc(ns, SH_LABEL, i),
                     "signal %d label '%.16s' starts with a space", i + 1, (const char *)lab);
    int64_t spr;
    if (field_int(h + sig_offset(ns, SH_SPR, i), 8, &spr) != EDX_OK || spr < 0 ||
        spr > EDF_MAX_RECORD_BYTES) {
        edx_diag_add(diags, EDX_SEV_ERROR, "EDF-SAMPLES-PER-RECORD", sig_loc(ns, SH_SPR, i),
                     "signal %d '%s': samples per record '%.8s' is not a usable count", i + 1,
                     s->label, (const char *)h + sig_offset(ns, SH_SPR, i));
        return EDX_ERR_FORMAT;
    }
    s->samples_per_record = (int32_t)spr;
    if (spr == 0)
        edx_diag_add(diags, EDX_SEV_WARNING, "EDF-SIGNAL-EMPTY", sig_loc(ns, SH_SPR, i),
                     "signal %d '%s' has no samples", i + 1, s->label);
    s->is_annotation = edf_format_is_plus(f->info.format) && is_annotation_label(s->label);
    if (s->is_annotation) {
        s->is_scalable = false;
    } else {
        parse_scaling(f, h, i, diags);
        s->uv_per_unit = edf_unit_to_uv(s->physdim);
    }
    s->sample_rate_hz =
        f->info.record_duration_s > 0 ? (double)spr / f->info.record_duration_s : 0;
    return EDX_OK;
}

/* Offsets of each signal in a record; the record size, bounded. */
static int layout_record(edf_file *f, edx_diags *diags)
{
    int64_t off = 0;
    f->first_annotation = -1;
    f->tal_span_begin = f->tal_span_end = 0;
    bool has_ordinary = false;
    for (int i = 0; i < f->info.n_signals; i++) {
        edf_signal *s = &f->signals[i];
        s->offset_in_record = off;
        int64_t bytes = (int64_t)s->samples_per_record * f->bytes_per_sample;
        if (s->is_annotation) {
            if (f->first_annotation < 0) {
                f->first_annotation = i;
                f->tal_span_begin = off;
            }
            f->tal_span_end = off + bytes;
        } else if (s->samples_per_record > 0) {
            has_ordinary = true;
        }
        off += bytes;
        if (off > EDF_MAX_RECORD_BYTES) {
            edx_diag_add(diags, EDX_SEV_ERROR, "EDF-RECORD-SIZE", EDX_LOC_FIELD("samples_per_record", sig_offset(f->info.n_signals, SH_SPR, i)),
                         "a data record would be larger than %lld bytes", (long long)EDF_MAX_RECORD_BYTES);
            return EDX_ERR_RANGE;
        }
    }
    if (off == 0) {
        edx_diag_add(diags, EDX_SEV_ERROR, "EDF-RECORD-SIZE",
                     EDX_LOC_FIELD("samples_per_record", sig_offset(f->info.n_signals, SH_SPR, 0)),
                     "every signal has 0 samples per record: the file holds no data");
        return EDX_ERR_FORMAT;
    }
    f->info.record_bytes = off;
    if (edf_format_is_plus(f->info.format) && f->first_annotation < 0)
        edx_diag_add(diags, EDX_SEV_WARNING, "EDF-PLUS-NO-ANNOTATIONS", EDX_LOC_FIELD("label", 256),
                     "%s file without an 'EDF Annotations' signal; record times assumed "
                     "contiguous",
                     edf_format_name(f->info.format));
    if (has_ordinary && f->info.record_duration_s == 0)
        edx_diag_add(diags, EDX_SEV_ERROR, "EDF-RECORD-DURATION",
                     EDX_LOC_FIELD("record_duration", 244),
                     "record duration is 0 but the file has signal samples: their sample "
                     "rate is undefined");
    return EDX_OK;
}

/* Settles the record count against the file size. */
static void count_records(edf_file *f, int64_t records_field, edx_diags *diags)
{
    edf_info *in = &f->info;
    int64_t data = in->file_bytes - in->header_bytes;
    int64_t full = data / in->record_bytes, rest = data % in->record_bytes;
    edx_loc at_end = {NULL, in->header_bytes + full * in->record_bytes, full, EDX_DIAG_NONE};
    int64_t n = full;
    if (records_field >= 0 && records_field <= full) {
        n = records_field;
        if (n < full || rest != 0)
            edx_diag_add(diags, EDX_SEV_WARNING, "EDF-TRAILING-BYTES",
                         (edx_loc){NULL, in->header_bytes + n * in->record_bytes, n,
                                   EDX_DIAG_NONE},
                         "%lld bytes after the last of the %lld data records are ignored",
                         (long long)(data - n * in->record_bytes), (long long)n);
    } else {
        /* count unknown, or the header promises more than the file holds */
        bool one_partial = records_field == full + 1 && rest != 0;
        if (records_field > full && !one_partial)
            edx_diag_add(diags, EDX_SEV_WARNING, "EDF-RECORDS-MISSING",
                         EDX_LOC_FIELD("records", 236),
                         "header says %lld data records but the file holds %lld complete ones",
                         (long long)records_field, (long long)full);
        if (rest != 0)
            edx_diag_add(diags, EDX_SEV_WARNING, "EDF-RECORD-TRUNCATED", at_end,
                         "the last data record is incomplete (%lld of %lld bytes) and is "
                         "ignored",
                         (long long)rest, (long long)in->record_bytes);
    }
    if (n == 0)
        edx_diag_add(diags, EDX_SEV_WARNING, "EDF-NO-RECORDS", EDX_LOC_FIELD("records", 236),
                     "the file holds no data records");
    in->n_records = n;
}

int edf_parse_header(edf_file *f, edx_diags *diags)
{
    edf_info *in = &f->info;
    in->file_bytes = f->src.size;
    in->is_gzip = f->src.is_gzip;
    uint8_t h0[256];
    if (f->src.size < 256 || edf_source_read(&f->src, 0, h0, 256) != EDX_OK) {
        edx_diag_add(diags, EDX_SEV_ERROR, "EDF-HEADER-TRUNCATED", EDX_LOC_NONE,
                     "file has %lld bytes, fewer than the 256 of an EDF header",
                     (long long)f->src.size);
        return EDX_ERR_FORMAT;
    }
    for (size_t k = 0; k < sizeof main_fields / sizeof main_fields[0]; k++)
        check_field_bytes(h0 + main_fields[k].offset, main_fields[k], EDX_DIAG_NONE, k == 0,
                          diags);
    detect_format(f, h0, diags);
    edf_field_to_utf8(h0 + 8, 80, in->patient_raw, sizeof in->patient_raw);
    edf_field_to_utf8(h0 + 88, 80, in->recording_raw, sizeof in->recording_raw);
    parse_start(f, h0, diags);
    int64_t records_field;
    int rc = parse_counts(f, h0, &records_field, diags);
    if (rc != EDX_OK)
        return rc;
    size_t sh_size = (size_t)in->n_signals * 256;
    uint8_t *h = malloc(256 + sh_size);
    f->signals = calloc((size_t)in->n_signals, sizeof *f->signals);
    if (h == NULL || f->signals == NULL) {
        free(h);
        return EDX_ERR_NOMEM;
    }
    memcpy(h, h0, 256);
    rc = edf_source_read(&f->src, 256, h + 256, sh_size);
    for (int c = 0; rc == EDX_OK && c < SH_COUNT; c++)
        for (int i = 0; i < in->n_signals; i++)
            check_field_bytes(h + sig_offset(in->n_signals, c, i),
                              (hdr_field){sig_cols[c].name, sig_offset(in->n_signals, c, i),
                                          sig_cols[c].size},
                              i, false, diags);
    for (int i = 0; rc == EDX_OK && i < in->n_signals; i++)
        rc = parse_signal(f, h, i, diags);
    free(h);
    if (rc == EDX_OK)
        rc = layout_record(f, diags);
    if (rc != EDX_OK)
        return rc;
    count_records(f, records_field, diags);
    if (edf_format_is_plus(in->format))
        edf_parse_plus_fields(f, diags);
    return EDX_OK;
}

/* ---- EDF+ subfields ----------------------------------------------------------- */

enum { MAX_SUBFIELDS = 16 };

typedef struct subfields {
    char buf[256];
    char *item[MAX_SUBFIELDS];
    int n;
    const char *rest; /* the text after the first `keep` subfields, in raw */
} subfields;

/* Splits at spaces; item k of the first `keep` ones, the rest kept whole. */
static void split_subfields(const char *raw, int keep, subfields *sf)
{
    snprintf(sf->buf, sizeof sf->buf, "%s", raw);
    sf->n = 0;
    sf->rest = "";
    char *p = sf->buf;
    while (*p != '\0' && sf->n < keep) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        sf->item[sf->n++] = p;
        while (*p != '\0' && *p != ' ')
            p++;
        if (*p == ' ')
            *p++ = '\0';
    }
    while (*p == ' ')
        p++;
    sf->rest = p;
}

/* Copies an EDF+ subfield: "X" means unknown, '_' stands for a space. */
static void copy_subfield(const char *in, char *out, size_t size)
{
    if (strcmp(in, "X") == 0)
        in = "";
    size_t o = 0;
    for (; *in != '\0' && o + 1 < size; in++)
        out[o++] = *in == '_' ? ' ' : *in;
    out[o] = '\0';
}

/* "02-MAY-1951" (month any case) into y/m/d. */
static bool parse_plus_date(const char *s, int *y, int *m, int *d)
{
    static const char months[] = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC";
    if (strlen(s) != 11 || s[2] != '-' || s[6] != '-')
        return false;
    char mon[4];
    for (int i = 0; i < 3; i++) {
        char c = s[3 + i];
        mon[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    mon[3] = '\0';
    const char *hit = strstr(months, mon);
    int64_t dd, yy;
    if (hit == NULL || (hit - months) % 3 != 0 || edx_parse_int64(s, 2, &dd) != EDX_OK ||
        edx_parse_int64(s + 7, 4, &yy) != EDX_OK || dd < 1 || dd > 31 || yy < 1800 ||
        yy > 2999)
        return false;
    *d = (int)dd;
    *m = (int)((hit - months) / 3 + 1);
    *y = (int)yy;
    return true;
}

static bool parse_patient(edf_file *f, edx_diags *diags)
{
    edf_patient *p = &f->info.patient;
    subfields sf;
    split_subfields(f->info.patient_raw, 4, &sf);
    if (sf.n < 4) {
        edx_diag_add(diags, EDX_SEV_WARNING, "EDF-PLUS-PATIENT", EDX_LOC_FIELD("patient", 8),
                     "EDF+ patient field '%s' lacks the subfields 'code sex birthdate name'",
                     f->info.patient_raw);
        return false;
    }
    bool ok = true;
    copy_subfield(sf.item[0], p->code, sizeof p->code);
    if (strcmp(sf.item[1], "F") == 0 || strcmp(sf.item[1], "M") == 0)
        p->sex = sf.item[1][0];
    else if (strcmp(sf.item[1], "X") != 0)
        ok = false;
    if (strcmp(sf.item[2], "X") != 0 &&
        !parse_plus_date(sf.item[2], &p->birth_year, &p->birth_month, &p->birth_day))
        ok = false;
    copy_subfield(sf.item[3], p->name, sizeof p->name);
    copy_subfield(sf.rest, p->additional, sizeof p->additional);
    if (!ok)
        edx_diag_add(diags, EDX_SEV_WARNING, "EDF-PLUS-PATIENT", EDX_LOC_FIELD("patient", 8),
                     "EDF+ patient field: sex '%s' or birthdate '%s' is not in EDF+ form "
                     "(F/M/X, dd-MMM-yyyy/X)",
                     sf.item[1], sf.item[2]);
    return ok;
}

static bool parse_recording(edf_file *f, edx_diags *diags)
{
    edf_info *in = &f->info;
    edf_recording *r = &in->recording;
    subfields sf;
    split_subfields(in->recording_raw, 5, &sf);
    if (sf.n < 2 || strcmp(sf.item[0], "Startdate") != 0) {
        edx_diag_add(diags, EDX_SEV_WARNING, "EDF-PLUS-RECORDING",
                     EDX_LOC_FIELD("recording", 88),
                     "EDF+ recording field '%s' does not start with 'Startdate dd-MMM-yyyy'",
                     in->recording_raw);
        return false;
    }
    bool ok = true;
    if (strcmp(sf.item[1], "X") != 0) {
        if (parse_plus_date(sf.item[1], &r->start_year, &r->start_month, &r->start_day)) {
            if (in->start_month == 0 || in->start_year == 0) {
                /* header date unusable or "yy": the recording field gives it */
                in->start_year = r->start_year;
                in->start_month = r->start_month;
                in->start_day = r->start_day;
            } else if (r->start_day != in->start_day || r->start_month != in->start_month ||
                       r->start_year % 100 != in->start_year % 100)
                edx_diag_add(diags, EDX_SEV_WARNING, "EDF-STARTDATE-MISMATCH",
                             EDX_LOC_FIELD("recording", 88),
                             "recording field start date %s differs from the header start "
                             "date %02d.%02d.%02d",
                             sf.item[1], in->start_day, in->start_month, in->start_year % 100);
            else /* EDF+: the 4-digit year of the recording field wins */
                in->start_year = r->start_year;
        } else {
            ok = false;
            edx_diag_add(diags, EDX_SEV_WARNING, "EDF-PLUS-RECORDING",
                         EDX_LOC_FIELD("recording", 88),
                         "EDF+ recording start date '%s' is not dd-MMM-yyyy", sf.item[1]);
        }
    }
    if (sf.n > 2)
        copy_subfield(sf.item[2], r->admincode, sizeof r->admincode);
    if (sf.n > 3)
        copy_subfield(sf.item[3], r->technician, sizeof r->technician);
    if (sf.n > 4)
        copy_subfield(sf.item[4], r->equipment, sizeof r->equipment);
    snprintf(r->additional, sizeof r->additional, "%s", sf.rest);
    return ok;
}

void edf_parse_plus_fields(edf_file *f, edx_diags *diags)
{
    bool p = parse_patient(f, diags);
    bool r = parse_recording(f, diags);
    f->info.has_plus_subfields = p && r;
}
