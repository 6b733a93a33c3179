/*
 * samples.c - samples on demand: one signal's slice of one record at a time,
 * or whole records for a pass over everything. Memory stays at one record.
 *
 * EDF samples are 16-bit and BDF samples 24-bit little-endian two's
 * complement. physical = gain * digital + offset (edf_signal).
 */
#include "edf_internal.h"

#include "common/hot.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

int64_t edf_signal_samples(const edf_file *f, int signal)
{
    const edf_signal *s = edf_get_signal(f, signal);
    return s == NULL ? 0 : (int64_t)s->samples_per_record * f->info.n_records;
}

/* ---- decoding ---------------------------------------------------------------- */

static inline int32_t bdf_sample(const uint8_t *p)
{
    int32_t v = (int32_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16));
    return (v ^ 0x800000) - 0x800000; /* sign-extend 24 bits */
}

static inline int16_t edf_sample(const uint8_t *p)
{
    return (int16_t)(uint16_t)((uint16_t)p[0] | (uint16_t)(p[1] << 8));
}

/* out = a * digital + b (or the digital values alone, decode_digital_n);
 * written as plain loops so the compiler vectorises (common/hot.h). */
EDX_HOT_CLONES
static void decode_scaled_n(const uint8_t *p, size_t n, int bps, double a, double b,
                            double *out)
{
    if (bps == 3) {
        for (size_t i = 0; i < n; i++)
            out[i] = a * (double)bdf_sample(p + 3 * i) + b;
        return;
    }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* little-endian host: the bytes are int16_t already (memcpy = unaligned load) */
    for (size_t i = 0; i < n; i++) {
        int16_t v;
        memcpy(&v, p + 2 * i, sizeof v);
        out[i] = a * (double)v + b;
    }
#else
    for (size_t i = 0; i < n; i++)
        out[i] = a * (double)edf_sample(p + 2 * i) + b;
#endif
}

EDX_HOT_CLONES
static void decode_digital_n(const uint8_t *p, size_t n, int bps, int32_t *out)
{
    if (bps == 3) {
        for (size_t i = 0; i < n; i++)
            out[i] = bdf_sample(p + 3 * i);
        return;
    }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (size_t i = 0; i < n; i++) { /* as in decode_scaled_n */
        int16_t v;
        memcpy(&v, p + 2 * i, sizeof v);
        out[i] = v;
    }
#else
    for (size_t i = 0; i < n; i++)
        out[i] = edf_sample(p + 2 * i);
#endif
}

/* Groups of f samples, each mean scaled to a * mean + b. */
typedef struct group_scale {
    int f;
    double a, b;
} group_scale;

/* Means of groups of g->f stored samples (p: n of them, bps bytes each)
 * into out, the open group carried in *c: integer sums (exact), one scaling
 * per group. Returns how many. */
EDX_HOT_CLONES
static size_t decode_means_n(const uint8_t *restrict p, size_t n, int bps, const group_scale *g,
                             edf_mean_carry *restrict c, double *restrict out)
{
    int f = g->f;
    double inv = 1.0 / f, a = g->a, b = g->b;
    size_t m = 0, i = 0;
    for (; c->n > 0 && i < n; i++) { /* the group the last read left open */
        c->sum += bps == 3 ? bdf_sample(p + 3 * i) : edf_sample(p + 2 * i);
        if (++c->n == f) {
            out[m++] = a * ((double)c->sum * inv) + b;
            c->sum = 0;
            c->n = 0;
        }
    }
    size_t groups = (n - i) / (size_t)f;
    const uint8_t *q = p + i * (size_t)bps;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* 48 kHz to 12 kHz, the usual case: 16-bit samples (2-aligned in any EDF:
     * header, records and signals all have even lengths) in a fixed group
     * vectorise; four of them sum within 32 bits */
    if (f == 4 && bps == 2 && (uintptr_t)q % _Alignof(int16_t) == 0) {
        const int16_t *v = (const int16_t *)(const void *)q;
        enum { CHUNK = 256 };
        int32_t sum[CHUNK];
        for (size_t at = 0; at < groups; at += CHUNK) {
            size_t len = groups - at < CHUNK ? groups - at : CHUNK;
            const int16_t *w = v + 4 * at;
            for (size_t k = 0; k < len; k++)
                sum[k] = (int32_t)w[4 * k] + w[4 * k + 1] + w[4 * k + 2] + w[4 * k + 3];
            double *o = out + m + at;
            for (size_t k = 0; k < len; k++)
                o[k] = a * ((double)sum[k] * inv) + b;
        }
    } else
#endif
        for (size_t k = 0; k < groups; k++) {
            int64_t s = 0;
            for (int j = 0; j < f; j++) {
                const uint8_t *e = q + ((size_t)f * k + (size_t)j) * (size_t)bps;
                s += bps == 3 ? bdf_sample(e) : edf_sample(e);
            }
            out[m + k] = a * ((double)s * inv) + b;
        }
    m += groups;
    for (i += groups * (size_t)f; i < n; i++, c->n++)
        c->sum += bps == 3 ? bdf_sample(p + 3 * i) : edf_sample(p + 2 * i);
    return m;
}

/* The factor and offset from digital to the wanted unit; false if impossible. */
static bool scale_for(const edf_signal *s, bool to_uv, double *a, double *b)
{
    if (s->is_annotation || !s->is_scalable)
        return false;
    double k = 1.0;
    if (to_uv) {
        if (s->uv_per_unit <= 0)
            return false;
        k = s->uv_per_unit;
    }
    *a = s->gain * k;
    *b = s->offset * k;
    return true;
}

/* ---- per-signal reads ------------------------------------------------------------ */

typedef struct read_req {
    int signal;
    int64_t first;
    size_t n;
    int32_t *dig; /* one of dig / phys / means */
    double *phys;
    double a, b;
    double *means; /* group means (decode_means_n) */
    const group_scale *group;
    edf_mean_carry *carry;
    size_t n_means;
} read_req;

static int read_samples(edf_file *f, read_req *q, size_t *n_read)
{
    *n_read = 0;
    const edf_signal *s = edf_get_signal(f, q->signal);
    if (s == NULL || q->first < 0)
        return EDX_ERR_INVALID;
    int64_t total = edf_signal_samples(f, q->signal);
    if (q->first >= total || q->n == 0)
        return EDX_OK;
    size_t want = (uint64_t)(total - q->first) < q->n ? (size_t)(total - q->first) : q->n;
    int64_t spr = s->samples_per_record;
    int bps = f->bytes_per_sample;
    size_t done = 0;
    while (done < want) {
        int64_t k = q->first + (int64_t)done;
        int64_t rec = k / spr, pos = k % spr;
        size_t m = (size_t)(spr - pos) < want - done ? (size_t)(spr - pos) : want - done;
        int64_t off = f->info.header_bytes + rec * f->info.record_bytes + s->offset_in_record +
                      pos * bps;
        const uint8_t *bytes;
        int rc = edf_source_view(&f->src, off, m * (size_t)bps, f->scratch, &bytes);
        if (rc != EDX_OK)
            return rc;
        if (q->means != NULL)
            q->n_means += decode_means_n(bytes, m, bps, q->group, q->carry, q->means + q->n_means);
        else if (q->dig != NULL)
            decode_digital_n(bytes, m, bps, q->dig + done);
        else
            decode_scaled_n(bytes, m, bps, q->a, q->b, q->phys + done);
        done += m;
        *n_read = done;
    }
    return EDX_OK;
}

int edf_read_digital(edf_file *f, int signal, int64_t first, size_t n, int32_t *out,
                     size_t *n_read)
{
    read_req q = {.signal = signal, .first = first, .n = n, .dig = out};
    return read_samples(f, &q, n_read);
}

static int read_scaled(edf_file *f, int signal, int64_t first, size_t n, double *out,
                       size_t *n_read, bool to_uv)
{
    *n_read = 0;
    const edf_signal *s = edf_get_signal(f, signal);
    if (s == NULL)
        return EDX_ERR_INVALID;
    read_req q = {.signal = signal, .first = first, .n = n, .phys = out};
    if (!scale_for(s, to_uv, &q.a, &q.b))
        return EDX_ERR_UNSUPPORTED;
    return read_samples(f, &q, n_read);
}

int edf_read_uv(edf_file *f, int signal, int64_t first, size_t n, double *out, size_t *n_read)
{
    return read_scaled(f, signal, first, n, out, n_read, true);
}

int edf_read_physical(edf_file *f, int signal, int64_t first, size_t n, double *out,
                      size_t *n_read)
{
    return read_scaled(f, signal, first, n, out, n_read, false);
}

/* ---- time ranges ------------------------------------------------------------- */

/* The samples of one segment between t0_s and t1_s (at most cap): *first
 * their absolute index, *n how many (0: none), *t_first_s the time of the
 * first. */
static int time_range(const edf_file *f, const edf_signal *s, double t0_s, double t1_s, size_t cap,
                      int64_t *first, size_t *n, double *t_first_s)
{
    *n = 0;
    if (s->sample_rate_hz <= 0 || !(t1_s >= t0_s))
        return EDX_ERR_INVALID;
    double rate = s->sample_rate_hz, rec_dur = f->info.record_duration_s;
    const double eps = 1e-9;
    for (size_t i = 0; i < f->n_segments; i++) {
        const edf_segment *g = &f->segments[i];
        double end = g->onset_s + (double)g->n_records * rec_dur;
        if (end <= t0_s + eps || g->onset_s >= t1_s)
            continue;
        int64_t seg_samples = g->n_records * s->samples_per_record;
        double k0 = ceil((t0_s - g->onset_s) * rate - eps);
        if (k0 < 0)
            k0 = 0;
        double k1 = ceil((t1_s - g->onset_s) * rate - eps); /* exclusive */
        if (k1 > (double)seg_samples)
            k1 = (double)seg_samples;
        if (k1 <= k0) /* t0_s falls after this segment's last sample */
            continue;
        *n = (size_t)(k1 - k0) < cap ? (size_t)(k1 - k0) : cap;
        *t_first_s = g->onset_s + k0 / rate;
        *first = g->first_record * s->samples_per_record + (int64_t)k0;
        return EDX_OK;
    }
    return EDX_OK;
}

int edf_read_time_uv(edf_file *f, int signal, double t0_s, double t1_s, double *out, size_t cap,
                     size_t *n_read, double *t_first_s)
{
    *n_read = 0;
    *t_first_s = NAN;
    const edf_signal *s = edf_get_signal(f, signal);
    int64_t first = 0;
    size_t n = 0;
    int rc = s ? time_range(f, s, t0_s, t1_s, cap, &first, &n, t_first_s) : EDX_ERR_INVALID;
    return rc || n == 0 ? rc : edf_read_uv(f, signal, first, n, out, n_read);
}

int edf_read_time_digital(edf_file *f, int signal, double t0_s, double t1_s, int32_t *out,
                          size_t cap, size_t *n_read, double *t_first_s)
{
    *n_read = 0;
    *t_first_s = NAN;
    const edf_signal *s = edf_get_signal(f, signal);
    int64_t first = 0;
    size_t n = 0;
    int rc = s ? time_range(f, s, t0_s, t1_s, cap, &first, &n, t_first_s) : EDX_ERR_INVALID;
    return rc || n == 0 ? rc : edf_read_digital(f, signal, first, n, out, n_read);
}

int edf_read_time_means(edf_file *f, int signal, double t0_s, double t1_s, size_t cap, int factor,
                        double a, double b, edf_mean_carry *carry, double *out, size_t *n_out,
                        size_t *n_read, double *t_first_s)
{
    *n_read = *n_out = 0;
    *t_first_s = NAN;
    const edf_signal *s = edf_get_signal(f, signal);
    if (s == NULL || factor < 1 || carry == NULL)
        return EDX_ERR_INVALID;
    int64_t first = 0;
    size_t n = 0;
    int rc = time_range(f, s, t0_s, t1_s, cap, &first, &n, t_first_s);
    if (rc || n == 0)
        return rc;
    group_scale g = {factor, a, b};
    read_req q = {
        .signal = signal, .first = first, .n = n, .means = out, .group = &g, .carry = carry};
    rc = read_samples(f, &q, n_read);
    *n_out = q.n_means;
    return rc;
}

int edf_uv_scale(const edf_file *f, int signal, double *a, double *b)
{
    const edf_signal *s = edf_get_signal(f, signal);
    if (s == NULL)
        return EDX_ERR_INVALID;
    return scale_for(s, true, a, b) ? EDX_OK : EDX_ERR_UNSUPPORTED;
}

/* ---- whole records ---------------------------------------------------------------- */

int edf_read_record_raw(edf_file *f, int64_t record, uint8_t *buf)
{
    if (record < 0 || record >= f->info.n_records)
        return EDX_ERR_INVALID;
    return edf_source_read(&f->src, f->info.header_bytes + record * f->info.record_bytes, buf,
                           (size_t)f->info.record_bytes);
}

int edf_decode_uv(const edf_file *f, int signal, const uint8_t *record_buf, double *out)
{
    const edf_signal *s = edf_get_signal(f, signal);
    double a, b;
    if (s == NULL)
        return EDX_ERR_INVALID;
    if (!scale_for(s, true, &a, &b))
        return EDX_ERR_UNSUPPORTED;
    decode_scaled_n(record_buf + s->offset_in_record, (size_t)s->samples_per_record,
                    f->bytes_per_sample, a, b, out);
    return EDX_OK;
}

int edf_decode_digital(const edf_file *f, int signal, const uint8_t *record_buf, int32_t *out)
{
    const edf_signal *s = edf_get_signal(f, signal);
    if (s == NULL)
        return EDX_ERR_INVALID;
    decode_digital_n(record_buf + s->offset_in_record, (size_t)s->samples_per_record,
                     f->bytes_per_sample, out);
    return EDX_OK;
}
