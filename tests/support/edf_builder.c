/*
 * edf_builder.c - byte-level EDF/EDF+/BDF file builder for tests (see
 * edf_builder.h).
 */
#include "edf_builder.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static const size_t field_width[EDFB_N_FIELDS] = {8, 80, 80, 8, 8, 8, 44, 8, 8, 4};
static const size_t sfield_width[EDFB_S_N_FIELDS] = {16, 80, 8, 8, 8, 8, 8, 80, 8, 32};

enum { MAX_SFIELD = 80 };

/* A field value: unset (default applies) or exactly `width` bytes. */
typedef struct fieldval {
    bool is_set;
    uint8_t bytes[MAX_SFIELD];
} fieldval;

typedef struct bsignal {
    int spr;           /* samples per record: the data layout */
    bool is_annotation;
    fieldval f[EDFB_S_N_FIELDS];
} bsignal;

typedef struct brecord {
    uint8_t *bytes;   /* record_bytes long */
    size_t *used;     /* per signal: bytes appended so far */
} brecord;

struct edfb {
    edfb_kind kind;
    fieldval f[EDFB_N_FIELDS];
    bsignal *sigs;
    int n_sigs;
    brecord *recs;
    int n_recs;
    int cap_recs;
    char error[256];
};

/* ---- small helpers -------------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int fail(edfb *b, const char *fmt, ...)
{
    if (b != NULL && b->error[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(b->error, sizeof b->error, fmt, ap);
        va_end(ap);
        if (b->error[0] == '\0')
            snprintf(b->error, sizeof b->error, "error");
    }
    return -1;
}

static size_t sample_size(const edfb *b)
{
    return edfb_kind_is_bdf(b->kind) ? 3 : 2;
}

bool edfb_kind_is_bdf(edfb_kind k)
{
    return k == EDFB_BDF || k == EDFB_BDFPLUS_C || k == EDFB_BDFPLUS_D;
}

bool edfb_kind_is_plus(edfb_kind k)
{
    return k != EDFB_EDF && k != EDFB_BDF;
}

size_t edfb_field_width(edfb_field f)
{
    return (unsigned)f < EDFB_N_FIELDS ? field_width[f] : 0;
}

size_t edfb_sfield_width(edfb_sfield f)
{
    return (unsigned)f < EDFB_S_N_FIELDS ? sfield_width[f] : 0;
}

int64_t edfb_field_offset(edfb_field f)
{
    if ((unsigned)f >= EDFB_N_FIELDS)
        return -1;
    int64_t off = 0;
    for (int i = 0; i < (int)f; i++)
        off += (int64_t)field_width[i];
    return off;
}

static void put_field(fieldval *v, size_t width, const void *bytes, size_t n)
{
    memset(v->bytes, ' ', width);
    memcpy(v->bytes, bytes, n);
    v->is_set = true;
}

/* ---- life cycle ------------------------------------------------------------ */

edfb *edfb_new(edfb_kind kind)
{
    if ((unsigned)kind > EDFB_BDFPLUS_D)
        return NULL;
    edfb *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->kind = kind;
    return b;
}

void edfb_free(edfb *b)
{
    if (b == NULL)
        return;
    for (int r = 0; r < b->n_recs; r++) {
        free(b->recs[r].bytes);
        free(b->recs[r].used);
    }
    free(b->recs);
    free(b->sigs);
    free(b);
}

edfb_kind edfb_get_kind(const edfb *b)
{
    return b->kind;
}

const char *edfb_error(const edfb *b)
{
    return b->error[0] != '\0' ? b->error : NULL;
}

/* ---- header fields ---------------------------------------------------------- */

int edfb_set_bytes(edfb *b, edfb_field f, const void *bytes, size_t n)
{
    if ((unsigned)f >= EDFB_N_FIELDS)
        return fail(b, "edfb_set: no field %d", (int)f);
    if (n > field_width[f])
        return fail(b, "edfb_set: %zu bytes do not fit field %d (%zu)", n, (int)f,
                    field_width[f]);
    put_field(&b->f[f], field_width[f], bytes, n);
    return 0;
}

int edfb_set(edfb *b, edfb_field f, const char *text)
{
    return edfb_set_bytes(b, f, text, strlen(text));
}

int edfb_unset(edfb *b, edfb_field f)
{
    if ((unsigned)f >= EDFB_N_FIELDS)
        return fail(b, "edfb_unset: no field %d", (int)f);
    b->f[f].is_set = false;
    return 0;
}

int edfb_set_signal_bytes(edfb *b, int sig, edfb_sfield f, const void *bytes, size_t n)
{
    if (sig < 0 || sig >= b->n_sigs)
        return fail(b, "edfb_set_signal: no signal %d", sig);
    if ((unsigned)f >= EDFB_S_N_FIELDS)
        return fail(b, "edfb_set_signal: no field %d", (int)f);
    if (n > sfield_width[f])
        return fail(b, "edfb_set_signal: %zu bytes do not fit field %d (%zu)", n, (int)f,
                    sfield_width[f]);
    put_field(&b->sigs[sig].f[f], sfield_width[f], bytes, n);
    return 0;
}

int edfb_set_signal(edfb *b, int sig, edfb_sfield f, const char *text)
{
    return edfb_set_signal_bytes(b, sig, f, text, strlen(text));
}

int edfb_set_scaling(edfb *b, int sig, const char *physmin, const char *physmax,
                     const char *digmin, const char *digmax)
{
    int rc = 0;
    rc |= edfb_set_signal(b, sig, EDFB_S_PHYSMIN, physmin);
    rc |= edfb_set_signal(b, sig, EDFB_S_PHYSMAX, physmax);
    rc |= edfb_set_signal(b, sig, EDFB_S_DIGMIN, digmin);
    rc |= edfb_set_signal(b, sig, EDFB_S_DIGMAX, digmax);
    return rc != 0 ? -1 : 0;
}

int64_t edfb_signal_field_offset(const edfb *b, int sig, edfb_sfield f)
{
    if (sig < 0 || sig >= b->n_sigs || (unsigned)f >= EDFB_S_N_FIELDS)
        return -1;
    int64_t off = 256;
    for (int i = 0; i < (int)f; i++)
        off += (int64_t)sfield_width[i] * b->n_sigs;
    return off + (int64_t)sfield_width[f] * sig;
}

/* ---- signals ------------------------------------------------------------------ */

static int add_signal(edfb *b, const char *label, int spr, bool is_annotation)
{
    if (b->n_recs > 0)
        return fail(b, "edfb_add_signal: signals must be added before records");
    if (spr < 0)
        return fail(b, "edfb_add_signal: negative samples per record");
    if (strlen(label) > sfield_width[EDFB_S_LABEL])
        return fail(b, "edfb_add_signal: label '%s' longer than 16 bytes", label);
    bsignal *p = realloc(b->sigs, (size_t)(b->n_sigs + 1) * sizeof *p);
    if (p == NULL)
        return fail(b, "edfb_add_signal: out of memory");
    b->sigs = p;
    bsignal *s = &b->sigs[b->n_sigs];
    memset(s, 0, sizeof *s);
    s->spr = spr;
    s->is_annotation = is_annotation;
    put_field(&s->f[EDFB_S_LABEL], sfield_width[EDFB_S_LABEL], label, strlen(label));
    return b->n_sigs++;
}

int edfb_add_signal(edfb *b, const char *label, int samples_per_record)
{
    return add_signal(b, label, samples_per_record, false);
}

int edfb_add_annotation_signal(edfb *b, size_t n_bytes)
{
    size_t ss = sample_size(b);
    size_t spr = (n_bytes + ss - 1) / ss;
    if (spr > 99999999u)
        return fail(b, "edfb_add_annotation_signal: too many bytes");
    return add_signal(b, edfb_kind_is_bdf(b->kind) ? "BDF Annotations" : "EDF Annotations",
                      (int)spr, true);
}

int edfb_signal_count(const edfb *b)
{
    return b->n_sigs;
}

size_t edfb_signal_bytes(const edfb *b, int sig)
{
    if (sig < 0 || sig >= b->n_sigs)
        return 0;
    return (size_t)b->sigs[sig].spr * sample_size(b);
}

size_t edfb_record_bytes(const edfb *b)
{
    size_t n = 0;
    for (int s = 0; s < b->n_sigs; s++)
        n += edfb_signal_bytes(b, s);
    return n;
}

size_t edfb_header_bytes(const edfb *b)
{
    return 256u * (size_t)(b->n_sigs + 1);
}

static size_t slot_offset(const edfb *b, int sig)
{
    size_t off = 0;
    for (int s = 0; s < sig; s++)
        off += edfb_signal_bytes(b, s);
    return off;
}

/* ---- records -------------------------------------------------------------------- */

int edfb_add_record(edfb *b)
{
    if (b->n_recs == b->cap_recs) {
        int cap = b->cap_recs ? b->cap_recs * 2 : 16;
        brecord *p = realloc(b->recs, (size_t)cap * sizeof *p);
        if (p == NULL)
            return fail(b, "edfb_add_record: out of memory");
        b->recs = p;
        b->cap_recs = cap;
    }
    size_t rb = edfb_record_bytes(b);
    brecord *r = &b->recs[b->n_recs];
    r->bytes = calloc(rb ? rb : 1, 1);
    r->used = calloc(b->n_sigs ? (size_t)b->n_sigs : 1, sizeof *r->used);
    if (r->bytes == NULL || r->used == NULL) {
        free(r->bytes);
        free(r->used);
        return fail(b, "edfb_add_record: out of memory");
    }
    return b->n_recs++;
}

int edfb_add_record_at(edfb *b, const char *onset)
{
    int r = edfb_add_record(b);
    if (r < 0)
        return -1;
    for (int s = 0; s < b->n_sigs; s++) {
        if (b->sigs[s].is_annotation) {
            if (edfb_append_timekeeping(b, r, s, onset) != 0)
                return -1;
            break;
        }
    }
    return r;
}

int edfb_record_count(const edfb *b)
{
    return b->n_recs;
}

static int check_slot(edfb *b, int rec, int sig, const char *who)
{
    if (rec < 0 || rec >= b->n_recs)
        return fail(b, "%s: no record %d", who, rec);
    if (sig < 0 || sig >= b->n_sigs)
        return fail(b, "%s: no signal %d", who, sig);
    return 0;
}

int edfb_set_sample(edfb *b, int rec, int sig, int k, int32_t value)
{
    if (check_slot(b, rec, sig, "edfb_set_sample") != 0)
        return -1;
    if (k < 0 || k >= b->sigs[sig].spr)
        return fail(b, "edfb_set_sample: sample %d out of range", k);
    size_t ss = sample_size(b);
    uint8_t *p = b->recs[rec].bytes + slot_offset(b, sig) + (size_t)k * ss;
    uint32_t u = (uint32_t)value; /* two's complement, cut to 16 or 24 bits */
    p[0] = (uint8_t)(u & 0xff);
    p[1] = (uint8_t)((u >> 8) & 0xff);
    if (ss == 3)
        p[2] = (uint8_t)((u >> 16) & 0xff);
    return 0;
}

int edfb_set_samples(edfb *b, int rec, int sig, const int32_t *samples, size_t n)
{
    if (check_slot(b, rec, sig, "edfb_set_samples") != 0)
        return -1;
    if (n > (size_t)b->sigs[sig].spr)
        return fail(b, "edfb_set_samples: %zu samples for a slot of %d", n, b->sigs[sig].spr);
    for (size_t k = 0; k < n; k++)
        edfb_set_sample(b, rec, sig, (int)k, samples[k]);
    return 0;
}

int edfb_append_bytes(edfb *b, int rec, int sig, const void *bytes, size_t n)
{
    if (check_slot(b, rec, sig, "edfb_append_bytes") != 0)
        return -1;
    size_t cap = edfb_signal_bytes(b, sig);
    size_t *used = &b->recs[rec].used[sig];
    if (n > cap - *used)
        return fail(b, "edfb_append_bytes: %zu bytes do not fit record %d signal %d "
                       "(%zu of %zu used)", n, rec, sig, *used, cap);
    memcpy(b->recs[rec].bytes + slot_offset(b, sig) + *used, bytes, n);
    *used += n;
    return 0;
}

int edfb_append_tal(edfb *b, int rec, int sig, const char *onset, const char *duration,
                    const char *const *texts, size_t n_texts)
{
    edfb_bytes bb = {0};
    int rc = edfb_bytes_tal(&bb, onset, duration, texts, n_texts);
    if (rc == 0)
        rc = edfb_append_bytes(b, rec, sig, bb.data, bb.size);
    else
        rc = fail(b, "edfb_append_tal: out of memory");
    edfb_bytes_free(&bb);
    return rc;
}

int edfb_append_timekeeping(edfb *b, int rec, int sig, const char *onset)
{
    static const char *const empty[] = {""};
    return edfb_append_tal(b, rec, sig, onset, NULL, empty, 1);
}

int edfb_clear_slot(edfb *b, int rec, int sig)
{
    if (check_slot(b, rec, sig, "edfb_clear_slot") != 0)
        return -1;
    memset(b->recs[rec].bytes + slot_offset(b, sig), 0, edfb_signal_bytes(b, sig));
    b->recs[rec].used[sig] = 0;
    return 0;
}

int64_t edfb_data_offset(const edfb *b, int rec, int sig)
{
    if (rec < 0 || sig < 0 || sig >= b->n_sigs)
        return -1;
    return (int64_t)edfb_header_bytes(b) + (int64_t)rec * (int64_t)edfb_record_bytes(b) +
           (int64_t)slot_offset(b, sig);
}

/* ---- output ---------------------------------------------------------------------- */

static void write_default(const edfb *b, edfb_field f, uint8_t *dst)
{
    char tmp[96];
    const bool plus = edfb_kind_is_plus(b->kind);
    const bool bdf = edfb_kind_is_bdf(b->kind);
    tmp[0] = '\0';
    switch (f) {
    case EDFB_VERSION:
        snprintf(tmp, sizeof tmp, "%s", bdf ? "\xff" "BIOSEMI" : "0");
        break;
    case EDFB_PATIENT:
        snprintf(tmp, sizeof tmp, "%s", plus ? "X X X X" : "Test patient");
        break;
    case EDFB_RECORDING:
        snprintf(tmp, sizeof tmp, "%s",
                 plus ? "Startdate 02-MAR-2002 X X X" : "Test recording");
        break;
    case EDFB_STARTDATE: snprintf(tmp, sizeof tmp, "02.03.02"); break;
    case EDFB_STARTTIME: snprintf(tmp, sizeof tmp, "10.00.00"); break;
    case EDFB_HEADER_BYTES: snprintf(tmp, sizeof tmp, "%zu", edfb_header_bytes(b)); break;
    case EDFB_RESERVED:
        switch (b->kind) {
        case EDFB_EDF: break;
        case EDFB_EDFPLUS_C: snprintf(tmp, sizeof tmp, "EDF+C"); break;
        case EDFB_EDFPLUS_D: snprintf(tmp, sizeof tmp, "EDF+D"); break;
        case EDFB_BDF: snprintf(tmp, sizeof tmp, "24BIT"); break;
        case EDFB_BDFPLUS_C: snprintf(tmp, sizeof tmp, "BDF+C"); break;
        case EDFB_BDFPLUS_D: snprintf(tmp, sizeof tmp, "BDF+D"); break;
        }
        break;
    case EDFB_N_RECORDS: snprintf(tmp, sizeof tmp, "%d", b->n_recs); break;
    case EDFB_DURATION: snprintf(tmp, sizeof tmp, "1"); break;
    case EDFB_NS: snprintf(tmp, sizeof tmp, "%d", b->n_sigs); break;
    case EDFB_N_FIELDS: break;
    }
    size_t n = strlen(tmp);
    if (n > field_width[f])
        n = field_width[f];
    memset(dst, ' ', field_width[f]);
    memcpy(dst, tmp, n);
}

static void write_sdefault(const edfb *b, const bsignal *s, edfb_sfield f, uint8_t *dst)
{
    char tmp[32];
    const bool bdf = edfb_kind_is_bdf(b->kind);
    tmp[0] = '\0';
    switch (f) {
    case EDFB_S_PHYSDIM:
        if (!s->is_annotation)
            snprintf(tmp, sizeof tmp, "uV");
        break;
    case EDFB_S_PHYSMIN:
        snprintf(tmp, sizeof tmp, "%s", s->is_annotation ? "-1" : bdf ? "-8388608" : "-3276.8");
        break;
    case EDFB_S_PHYSMAX:
        snprintf(tmp, sizeof tmp, "%s", s->is_annotation ? "1" : bdf ? "8388607" : "3276.7");
        break;
    case EDFB_S_DIGMIN: snprintf(tmp, sizeof tmp, "%s", bdf ? "-8388608" : "-32768"); break;
    case EDFB_S_DIGMAX: snprintf(tmp, sizeof tmp, "%s", bdf ? "8388607" : "32767"); break;
    case EDFB_S_SAMPLES: snprintf(tmp, sizeof tmp, "%d", s->spr); break;
    default: break;
    }
    size_t n = strlen(tmp);
    memset(dst, ' ', sfield_width[f]);
    memcpy(dst, tmp, n);
}

int edfb_build(const edfb *b, uint8_t **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    if (b->error[0] != '\0')
        return -1;
    const size_t hb = edfb_header_bytes(b), rb = edfb_record_bytes(b);
    const size_t total = hb + rb * (size_t)b->n_recs;
    uint8_t *out = malloc(total);
    if (out == NULL)
        return -1;
    uint8_t *p = out;
    for (int f = 0; f < EDFB_N_FIELDS; f++) {
        if (b->f[f].is_set)
            memcpy(p, b->f[f].bytes, field_width[f]);
        else
            write_default(b, (edfb_field)f, p);
        p += field_width[f];
    }
    for (int f = 0; f < EDFB_S_N_FIELDS; f++) {
        for (int s = 0; s < b->n_sigs; s++) {
            const bsignal *sg = &b->sigs[s];
            if (sg->f[f].is_set)
                memcpy(p, sg->f[f].bytes, sfield_width[f]);
            else
                write_sdefault(b, sg, (edfb_sfield)f, p);
            p += sfield_width[f];
        }
    }
    for (int r = 0; r < b->n_recs; r++) {
        if (rb > 0)
            memcpy(p, b->recs[r].bytes, rb);
        p += rb;
    }
    *data = out;
    *size = total;
    return 0;
}

int edfb_write_bytes(const char *path, const void *data, size_t size)
{
    FILE *fp = fopen(path, "wb");
    if (fp == NULL)
        return -1;
    size_t n = size > 0 ? fwrite(data, 1, size, fp) : 0;
    int rc = fclose(fp);
    return (n == size && rc == 0) ? 0 : -1;
}

int edfb_write_bytes_gz(const char *path, const void *data, size_t size)
{
    gzFile gz = gzopen(path, "wb");
    if (gz == NULL)
        return -1;
    const uint8_t *p = data;
    size_t left = size;
    int ok = 1;
    while (left > 0 && ok) {
        unsigned chunk = left > (1u << 20) ? (1u << 20) : (unsigned)left;
        if (gzwrite(gz, p, chunk) != (int)chunk)
            ok = 0;
        p += chunk;
        left -= chunk;
    }
    if (gzclose(gz) != Z_OK)
        ok = 0;
    return ok ? 0 : -1;
}

static int write_with(const edfb *b, const char *path, int (*w)(const char *, const void *, size_t))
{
    uint8_t *data;
    size_t size;
    if (edfb_build(b, &data, &size) != 0)
        return -1;
    int rc = w(path, data, size);
    free(data);
    return rc;
}

int edfb_write_file(const edfb *b, const char *path)
{
    return write_with(b, path, edfb_write_bytes);
}

int edfb_write_gz(const edfb *b, const char *path)
{
    return write_with(b, path, edfb_write_bytes_gz);
}

/* ---- byte buffers and TALs ---------------------------------------------------------- */

int edfb_bytes_append(edfb_bytes *bb, const void *p, size_t n)
{
    if (n > SIZE_MAX / 2 - bb->size)
        return -1;
    if (bb->size + n > bb->cap) {
        size_t cap = bb->cap ? bb->cap : 64;
        while (cap < bb->size + n)
            cap *= 2;
        uint8_t *q = realloc(bb->data, cap);
        if (q == NULL)
            return -1;
        bb->data = q;
        bb->cap = cap;
    }
    if (n > 0)
        memcpy(bb->data + bb->size, p, n);
    bb->size += n;
    return 0;
}

int edfb_bytes_append_str(edfb_bytes *bb, const char *s)
{
    return edfb_bytes_append(bb, s, strlen(s));
}

int edfb_bytes_tal(edfb_bytes *bb, const char *onset, const char *duration,
                   const char *const *texts, size_t n_texts)
{
    static const uint8_t x14 = 0x14, x15 = 0x15, nul = 0;
    int rc = edfb_bytes_append_str(bb, onset);
    if (duration != NULL) {
        rc |= edfb_bytes_append(bb, &x15, 1);
        rc |= edfb_bytes_append_str(bb, duration);
    }
    rc |= edfb_bytes_append(bb, &x14, 1);
    for (size_t i = 0; i < n_texts; i++) {
        rc |= edfb_bytes_append_str(bb, texts[i]);
        rc |= edfb_bytes_append(bb, &x14, 1);
    }
    rc |= edfb_bytes_append(bb, &nul, 1);
    return rc != 0 ? -1 : 0;
}

int edfb_bytes_timekeeping(edfb_bytes *bb, const char *onset)
{
    static const char *const empty[] = {""};
    return edfb_bytes_tal(bb, onset, NULL, empty, 1);
}

void edfb_bytes_free(edfb_bytes *bb)
{
    free(bb->data);
    bb->data = NULL;
    bb->size = bb->cap = 0;
}

/* ---- fixtures ---------------------------------------------------------------------- */

int32_t edfb_fixture_mnc_sample(int record, int k)
{
    const int onset = record == 0 ? 38 : 78; /* 3.8 ms / 7.8 ms at 10 kHz */
    const int t = k - onset;
    if (t < 0)
        return 0;
    if (t < 30) /* negative phase, 3 ms, peak -7200 uV at 1.5 ms */
        return -32 * t * (30 - t);
    if (t < 90) { /* positive phase, 6 ms, peak +3000 uV */
        const int u = t - 30;
        return (10 * u * (60 - u)) / 3;
    }
    return 0;
}

edfb *edfb_fixture_mnc(void)
{
    edfb *b = edfb_new(EDFB_EDFPLUS_D);
    if (b == NULL)
        return NULL;
    edfb_set(b, EDFB_PATIENT, "MCH-0234567 F 02-MAY-1951 Haagse_Harry");
    edfb_set(b, EDFB_RECORDING, "Startdate 02-MAR-2002 EMR7 Tech Equipment MNC R Median Nerve");
    edfb_set(b, EDFB_STARTDATE, "02.03.02");
    edfb_set(b, EDFB_STARTTIME, "10.00.00");
    edfb_set(b, EDFB_DURATION, "0.05");
    int sig = edfb_add_signal(b, "R APB", EDFB_MNC_SPR);
    edfb_set_signal(b, sig, EDFB_S_TRANSDUCER, "Ag-AgCl electrodes");
    edfb_set_signal(b, sig, EDFB_S_PHYSDIM, "mV");
    edfb_set_scaling(b, sig, "-25", "25", "-25000", "25000");
    edfb_set_signal(b, sig, EDFB_S_PREFILTER, "HP:10Hz LP:10kHz");
    int ann = edfb_add_annotation_signal(b, EDFB_MNC_ANNOT_BYTES);
    static const char *const texts0[] = {EDFB_MNC_TEXT_STIM0, EDFB_MNC_TEXT_RESP0};
    static const char *const texts1[] = {EDFB_MNC_TEXT_STIM1, EDFB_MNC_TEXT_RESP1};
    static const char *const onsets[] = {"+0", "+10"};
    for (int r = 0; r < 2; r++) {
        int rec = edfb_add_record_at(b, onsets[r]);
        edfb_append_tal(b, rec, ann, onsets[r], NULL, r == 0 ? texts0 : texts1, 2);
        for (int k = 0; k < EDFB_MNC_SPR; k++)
            edfb_set_sample(b, rec, sig, k, edfb_fixture_mnc_sample(r, k));
    }
    if (edfb_error(b) != NULL) {
        edfb_free(b);
        return NULL;
    }
    return b;
}

/* ---- temporary folders -------------------------------------------------------------- */

int edfb_tmpdir_create(edfb_tmpdir *t)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    int n = snprintf(t->path, sizeof t->path, "%s/edxtest-XXXXXX", base);
    if (n < 0 || (size_t)n >= sizeof t->path) {
        t->path[0] = '\0';
        return -1;
    }
    if (mkdtemp(t->path) == NULL) {
        t->path[0] = '\0';
        return -1;
    }
    return 0;
}

char *edfb_tmpdir_file(const edfb_tmpdir *t, const char *name, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/%s", t->path, name);
    if (n < 0 || (size_t)n >= size)
        return NULL;
    return buf;
}

int edfb_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path) == 0 ? 0 : -1;
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    int rc = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t len = strlen(path) + 1 + strlen(e->d_name) + 1;
        char *child = malloc(len);
        if (child == NULL) {
            rc = -1;
            break;
        }
        snprintf(child, len, "%s/%s", path, e->d_name);
        if (edfb_remove_tree(child) != 0)
            rc = -1;
        free(child);
    }
    closedir(d);
    if (rmdir(path) != 0)
        rc = -1;
    return rc;
}

int edfb_tmpdir_remove(edfb_tmpdir *t)
{
    if (t->path[0] == '\0')
        return 0;
    int rc = edfb_remove_tree(t->path);
    t->path[0] = '\0';
    return rc;
}
